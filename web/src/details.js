// details — what the detailed and full views of a parcel add to its card
// (DESIGN §1): holders, rights with term and origin, certificates,
// restrictions, the history of versions, the events, and the vertex table
// in VN-2000 (X northing, Y easting, as Vietnamese documents write them)
// and WGS 84; the full view adds each holder's ID number, address and birth
// year. Also the line about the user's daily quota of detailed views.
// Codes the API gives (holder kinds, right kinds, ...) are said in the
// page's language when known, else shown as they are.
import { el, row } from './dom.js';
import { t, language, area, number, date, dateTime, fixed } from './i18n.js';

// A translated code: the text of prefix.code, or the code itself.
function said(prefix, code) {
  if (code === undefined || code === null || code === '') return t('card.unknown');
  const key = `${prefix}.${code}`;
  const s = t(key);
  return s === key ? String(code) : s;
}

// A land use {code, name_vi, name_en} as "ODT — Đất ở tại đô thị".
export function useName(u) {
  const name = language() === 'en' ? (u.name_en || u.name_vi) : (u.name_vi || u.name_en);
  return name ? `${u.code} — ${name}` : u.code;
}

// Land uses however the API writes them: "ODT", {code,…} or a list of either.
function uses(v) {
  if (v === undefined || v === null || v === '') return t('card.unknown');
  const list = Array.isArray(v) ? v : [v];
  return list.map((u) => (typeof u === 'object' ? u.code : String(u))).join('+');
}

const day = (iso) => (iso ? date(String(iso)) : null);
const unknown = () => t('card.unknown');

function section(title, body) {
  return [el('h3', { text: title }), body];
}

function none(key) {
  return el('p', { class: 'muted', text: t(key) });
}

function holders(p) {
  if (!p.holders?.length) return none('detail.holdersNone');
  const full = p.view === 'full';
  return el('ul', { class: 'plain records holders' }, p.holders.map((h) => el('li', {},
    el('strong', { text: h.name || unknown() }), ` · ${said('holder.kind', h.kind)}`,
    full ? el('dl', { class: 'facts' },
      row(h.kind === 'organisation' ? t('detail.registrationNo') : t('detail.idNumber'), h.id_number || unknown()),
      row(t('detail.holderAddress'), h.address || unknown()),
      h.kind === 'organisation' ? [] : row(t('detail.birthYear'), h.birth_year ? String(h.birth_year) : unknown())) : null)));
}

function term(v) {
  if (!v) return unknown();
  if (v === 'long-term') return t('right.longTerm');
  return /^\d{4}-\d{2}-\d{2}/.test(v) ? t('right.until', { date: day(v) }) : v;
}

function rights(p) {
  if (!p.rights?.length) return none('detail.rightsNone');
  return el('ul', { class: 'plain records rights' }, p.rights.map((r) => el('li', {}, el('dl', { class: 'facts' },
    row(t('detail.right'), said('right.kind', r.kind)),
    row(t('detail.holder'), p.holders?.[r.holder]?.name || unknown()),
    r.land_use ? row(t('card.landUse'), uses(r.land_use)) : [],
    r.area ? row(t('card.area'), area(r.area)) : [],
    row(t('detail.term'), term(r.term)),
    row(t('detail.origin'), r.origin || unknown()),
    r.share !== undefined && r.share !== null && r.share < 1
      ? row(t('detail.share'), `${number(r.share * 100, 1)}%`) : []))));
}

function certificates(p) {
  if (!p.certificates?.length) return none('detail.certificatesNone');
  return el('ul', { class: 'plain records certificates' }, p.certificates.map((c) => el('li', {}, el('dl', { class: 'facts' },
    row(t('detail.serial'), c.serial || unknown()),
    row(t('detail.issuedOn'), day(c.issued_on) || unknown()),
    row(t('detail.issuer'), c.issuer || unknown()),
    c.register_no ? row(t('detail.registerNo'), c.register_no) : []))));
}

function restrictions(p) {
  if (!p.restrictions?.length) return none('detail.restrictionsNone');
  return el('ul', { class: 'plain records restrictions' }, p.restrictions.map((r) => el('li', {},
    el('strong', { text: said('restriction.kind', r.kind) }),
    r.party ? ` · ${r.party}` : '',
    el('br'),
    el('span', { class: 'muted', text: r.until
      ? t('detail.period', { from: day(r.since) || '…', to: day(r.until) })
      : t('detail.inForce', { from: day(r.since) || '…' }) }),
    r.note ? el('span', { class: 'muted', text: ` · ${r.note}` }) : '')));
}

function history(p) {
  if (!p.history?.length) return none('detail.historyNone');
  return el('ol', { class: 'plain records history' }, p.history.map((h) => el('li', {},
    el('strong', { text: t('detail.version', { version: h.version }) }), ' ',
    el('span', { class: 'muted', text: h.valid_to
      ? t('detail.period', { from: day(h.valid_from) || '…', to: day(h.valid_to) })
      : t('detail.current', { from: day(h.valid_from) || '…' }) }),
    el('br'),
    [
      t('card.neighbour', { sheet: h.sheet ?? '?', number: h.number ?? '?' }),
      h.area ? area(h.area) : null,
      h.land_use ? uses(h.land_use) : null,
      h.commune ? t('detail.commune', { code: typeof h.commune === 'object' ? h.commune.code : h.commune }) : null,
    ].filter(Boolean).join(' · '))));
}

function events(p) {
  if (!p.events?.length) return none('detail.eventsNone');
  return el('ol', { class: 'plain records events' }, p.events.map((e) => el('li', {},
    el('strong', { text: `${day(e.date) || '…'} · ${said('event.kind', e.kind)}` }),
    e.version ? el('span', { class: 'muted', text: ` (${t('detail.version', { version: e.version })})` }) : '',
    e.description ? [el('br'), e.description] : null,
    e.related_parcel ? [el('br'), el('a', {
      href: `#/parcel/${e.related_parcel}`, 'data-parcel-id': e.related_parcel, text: t('detail.related'),
    })] : null)));
}

function vertices(p) {
  const rings = p.vertices?.rings || [];
  if (!rings.length) return none('detail.verticesNone');
  const count = rings.reduce((n, r) => n + r.length, 0);
  const many = rings.length > 1;
  return el('details', { class: 'vertices' },
    el('summary', { text: t('detail.verticesShow', { n: count }) }),
    el('p', { class: 'muted small', text: t('detail.verticesNote', { crs: p.vertices.crs || 'VN-2000' }) }),
    rings.map((ring, i) => {
      const caption = many ? t('detail.ring', { n: i + 1 }) : t('detail.vertices');
      return el('div', { class: 'table-scroll', role: 'region', tabindex: '0', 'aria-label': caption },
        el('table', { class: 'coords-table' },
          el('caption', { class: many ? null : 'sr-only', text: caption }),
          el('thead', {}, el('tr', {},
            el('th', { scope: 'col', text: t('detail.vertexNo') }),
            el('th', { scope: 'col', text: t('detail.x') }),
            el('th', { scope: 'col', text: t('detail.y') }),
            el('th', { scope: 'col', text: t('detail.lon') }),
            el('th', { scope: 'col', text: t('detail.lat') }))),
          el('tbody', {}, ring.map((v) => el('tr', {},
            el('th', { scope: 'row', text: String(v.n) }),
            el('td', { text: fixed(v.x, 3) }),
            el('td', { text: fixed(v.y, 3) }),
            el('td', { text: fixed(v.lon, 7) }),
            el('td', { text: fixed(v.lat, 7) }))))));
    }));
}

// The sections of the detailed (or full) view, in the card's order.
export function detailSections(p) {
  return [
    section(t('detail.holders'), holders(p)),
    section(t('detail.rights'), rights(p)),
    section(t('detail.certificates'), certificates(p)),
    section(t('detail.restrictions'), restrictions(p)),
    section(t('detail.history'), history(p)),
    section(t('detail.events'), events(p)),
    section(t('detail.vertices'), vertices(p)),
  ].flat();
}

// "Detailed views today: 3 of 20 used, 17 left" (or no limit); null when
// the answer carries no quota (staff and admin).
export function quotaText(q) {
  if (!q) return null;
  if (q.daily < 0) return t('quota.unlimited');
  return t('quota.today', { used: q.used, daily: q.daily, left: q.left, resets: dateTime(q.resets_at) });
}

// What a user over their quota is told, from the 429's problem document.
export function quotaExceededText(problem) {
  return problem?.resets_at
    ? t('quota.exceeded', { resets: dateTime(problem.resets_at) })
    : t('quota.exceededSoon');
}

// A plan's name in the page's language.
export function planName(plan) {
  if (!plan) return t('card.unknown');
  return (language() === 'en' ? plan.name_en || plan.name_vi : plan.name_vi || plan.name_en) || plan.code;
}

// A plan's daily detailed views: "200", or "no limit" for -1.
export function viewsText(n) {
  return n < 0 ? t('plan.unlimited') : String(n);
}
