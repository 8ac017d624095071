// shell — the hash routes of the account page and the office page: which
// view (a `section.view` of the HTML) each address shows, who may see it,
// the page's navigation (only the links the caller's role may use), the
// title, the focus on a view's heading when the view changes.
//
// An address is #/name, #/name/ID or #/name/word, with ?key=value after it
// for a view's filters (#/tickets?status=open). Roles rank visitor < user <
// staff < admin; a route names the least it needs (the server refuses
// anyway: this only keeps pages and links out of sight).
import { t } from './i18n.js';
import { $ } from './dom.js';
import { user } from './session.js';
import { say, drawMessage, message } from './forms.js';

const RANK = { visitor: 0, user: 1, staff: 2, admin: 3 };

// The caller's rank (a role the page does not know counts as a user).
export function rank(u = user()) {
  return u ? RANK[u.role] ?? 1 : 0;
}

export function may(need, u = user()) {
  return rank(u) >= (RANK[need] ?? 0);
}

const state = {
  routes: [],
  options: null,
  current: null,  // { route, key, params, query }
  keep: false,    // the message outlives the next change of view
};

// The address of a route: go('tickets', 5) → #/tickets/5.
export function href(...parts) {
  const q = parts.length && typeof parts[parts.length - 1] === 'object' ? parts.pop() : null;
  const query = q ? new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== false)).toString() : '';
  return `#/${parts.join('/')}${query ? `?${query}` : ''}`;
}

// Go to an address (#/…), with a message that survives the change.
export function go(hash, messageKey = null, { error = false, vars } = {}) {
  if (messageKey) say(messageKey, vars, { error });
  state.keep = !!messageKey;
  if (location.hash === hash) show();
  else location.hash = hash;
}

// The current route: { route, params, query }.
export function current() {
  return state.current;
}

function parse() {
  const m = /^#\/([^?]*)(?:\?(.*))?$/.exec(location.hash);
  const parts = m ? m[1].split('/').filter(Boolean) : [];
  const query = new URLSearchParams(m?.[2] || '');
  for (const route of state.routes) {
    const pattern = route.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params = {};
    const ok = pattern.every((p, i) => {
      if (p === ':id') {
        if (!/^\d+$/.test(parts[i])) return false;
        params.id = parts[i];
        return true;
      }
      if (p.startsWith(':')) {
        params[p.slice(1)] = decodeURIComponent(parts[i]);
        return /^[\w-]+$/.test(parts[i]);
      }
      return p === parts[i];
    });
    if (ok) return { route, params, query, key: parts.join('/') };
  }
  return null;
}

// Links of the navigation: [data-need] shown to those who may follow them,
// the current one marked.
function drawNav() {
  for (const a of document.querySelectorAll('[data-need]')) a.hidden = !may(a.dataset.need);
  const name = state.current?.route.nav || state.current?.route.path.split('/')[0];
  for (const a of document.querySelectorAll('nav a[data-route]')) {
    if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const nav = state.options.nav && $(state.options.nav);
  if (nav) nav.hidden = !user();
}

export function setTitle() {
  const c = state.current;
  const province = state.options.province?.() || '';
  const title = c?.route.title ? c.route.title(c.params) : t(state.options.pageTitle);
  document.title = `${title} — ${t('title.province', { province })}`;
}

// Show the view the address asks for.
export async function show() {
  const opts = state.options;
  const found = parse();
  if (!found) {
    history.replaceState(null, '', `${location.pathname}${location.search}${opts.fallback()}`);
    return show();
  }
  const { route } = found;
  if (route.only === 'visitor' && user()) {
    history.replaceState(null, '', `${location.pathname}${location.search}${opts.fallback()}`);
    return show();
  }
  if (!may(route.need || 'visitor')) {
    if (!user()) opts.loginRequired(location.hash);
    else opts.forbidden?.();
    return undefined;
  }
  const changed = found.key !== state.current?.key;
  state.current = found;
  if (changed && !state.keep) say(null);
  state.keep = false;
  for (const v of document.querySelectorAll('section.view')) v.hidden = v.id !== `view-${route.view}`;
  drawMessage();
  drawNav();
  setTitle();
  const view = $(`view-${route.view}`);
  if (changed) {
    opts.onChange?.(view);
    view.querySelector('h1')?.focus({ preventScroll: false });
  }
  await route.show?.(found.params, found.query, { changed });
  setTitle();
  return undefined;
}

// Start: routes as above; options { fallback() → '#/…', loginRequired(hash),
// forbidden(), nav: id of the nav to hide from visitors, pageTitle: key,
// province() → name, onChange(view) }.
export function startRoutes(routes, options) {
  state.routes = routes;
  state.options = options;
  window.addEventListener('hashchange', () => show());
  return show();
}

// A message kept while the view changes (used by pages that move on after
// an action).
export function keepMessage() {
  state.keep = !!message();
}

export function redrawNav() {
  if (state.options) drawNav();
}
