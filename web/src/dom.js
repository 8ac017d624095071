// dom — building the page's elements from data, shared by the map page and
// the account page.

// el('p', {class: 'muted', text: '…', onclick: fn}, child, [children]…):
// attributes whose value is undefined, null or false are left out, `true`
// gives an empty attribute, `on…` attaches a listener; children may be
// strings, elements or (nested) arrays of them, null and undefined skipped.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) e.append(c);
  return e;
}

export const $ = (id) => document.getElementById(id);

// A definition list's row: [<dt>label</dt>, <dd>value…</dd>].
export function row(label, ...value) {
  return [el('dt', { text: label }), el('dd', {}, ...value)];
}
