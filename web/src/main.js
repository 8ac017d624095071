// main — the portal's map page: search, map clicks, the parcel card.
//
// Flow: a search (or a click, or a #/parcel/{id} address) yields parcels;
// choosing one loads its basic view with geometry, its planning overlap and
// its neighbours in parallel, highlights it on the map and draws the card.
// The address follows the open parcel (#/parcel/{id}) so it can be shared.
// Everything drawn at run time keeps the data it drew from and redraws on a
// language switch. For the browser tests the map object is window.lisMap.
//
// The card is in the caller's view: a visitor's basic view says that
// logging in shows the details; a user's detailed view (details.js) carries
// the registry and the day's quota, and when the quota is used up the card
// says when it resets and shows the basic view instead. A logged-in user's
// card also offers to watch the parcel and to file a dispute about it
// (watch.js). The office's public notices head the panel (notices.js).
import './style.css';
import { t, onLanguage, applyStatic, wireSwitch, area, number } from './i18n.js';
import { api, ApiError } from './api.js';
import { loadConfig } from './config.js';
import { PortalMap } from './map.js';
import { el, $, row } from './dom.js';
import { detailSections, quotaText, quotaExceededText, useName } from './details.js';
import { user, loadSession, onSession, wireAccountLink, wireInboxLink, accountHref } from './session.js';
import { userTools } from './watch.js';
import { showNotices } from './notices.js';

const state = {
  config: null,
  communes: [],        // from /api/v1/communes
  results: null,       // { q, match, parcels, next, params }
  card: null,          // { parcel, planning, neighbours, others, overQuota }
  message: null,       // { key, vars, detail, error }
  loading: null,       // AbortController of the card being loaded
};

// ------------------------------------------------------------ messages

function say(key, vars, { error = false, detail = '' } = {}) {
  state.message = key ? { key, vars, error, detail } : null;
  drawMessage();
}

function sayError(err) {
  if (err?.name === 'AbortError') return;
  if (!(err instanceof ApiError)) {
    console.error(err);
    say('err.unknown', { status: '—' }, { error: true });
    return;
  }
  const key = `err.${err.kind}`;
  if (t(key) !== key) say(key, null, { error: true, detail: err.kind === 'invalid-parameter' ? err.detail : '' });
  else say('err.unknown', { status: err.status }, { error: true, detail: err.detail });
}

function drawMessage() {
  const box = $('message');
  const m = state.message;
  box.replaceChildren();
  box.classList.toggle('error', !!m?.error);
  if (!m) return;
  box.append(el('span', { text: t(m.key, m.vars) }));
  if (m.detail) box.append(' ', el('span', { class: 'detail', text: t('err.detail', { detail: m.detail }) }));
  box.setAttribute('role', m.error ? 'alert' : 'status');
}

// ------------------------------------------------------------ communes

function unitName(code) {
  return state.communes.find((c) => c.code === code)?.name;
}

function surveyName(code) {
  for (const c of state.communes) {
    const s = (c.survey_communes || []).find((x) => x.code === code);
    if (s) return s.name;
  }
  return null;
}

function drawCommunes() {
  const sel = $('search-commune');
  const chosen = sel.value;
  sel.replaceChildren(el('option', { value: '', text: t('search.communeAll') }));
  for (const c of state.communes) {
    sel.append(el('option', { value: c.code, text: `${c.name} (${c.code})` }));
    for (const s of c.survey_communes || []) {
      if (s.code === c.code) continue;
      sel.append(el('option', { value: s.code, text: `\u00a0\u00a0${t('search.surveyOf', { name: s.name, code: s.code })}` }));
    }
  }
  sel.value = chosen;
}

// ------------------------------------------------------------ search

// "12/345" and "tờ 12 thửa 345" need a commune (the same sheet and number
// repeat in every commune); the API refuses them without one.
const SHEET_NUMBER = /^\s*[\p{L}\p{N}.-]+\s*\/\s*\p{N}+\p{L}?\s*$|(^|\s)(tờ|to|tbđ|tbd|sheet)\s/iu;

async function search(q, params = {}) {
  q = q.trim();
  if (!q) {
    say('search.empty', null, { error: true });
    $('search-q').focus();
    return;
  }
  const commune = $('search-commune').value;
  const query = { q, commune: commune || undefined, limit: 20, geometry: true, ...params };
  say('search.running');
  try {
    const r = await api.search(query);
    const parcels = r.parcels || [];
    const prev = params.after && state.results ? state.results.parcels : [];
    state.results = { q, match: r.match || 'point', parcels: prev.concat(parcels), next: r.next ?? null, query };
    say(null);
    drawResults();
    map.showResults(state.results.parcels, { fit: state.results.parcels.length > 1 });
    if (!state.results.parcels.length) {
      say('search.none', { q }, { error: true });
      return;
    }
    if (!params.after && state.results.parcels.length === 1) choose(state.results.parcels[0]);
    else if (!params.after) {
      showInPanel($('results'));
      $('results-h').focus({ preventScroll: true });
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 400 && !commune && SHEET_NUMBER.test(q)) {
      say('search.needCommune', null, { error: true });
      $('search-commune').focus();
      return;
    }
    if (err instanceof ApiError && (err.kind === 'no-parcel' || err.kind === 'not-found')) {
      state.results = { q, match: 'point', parcels: [], next: null, query };
      drawResults();
      map.showResults([]);
    }
    sayError(err);
  }
}

function parcelTitle(p) {
  return t('card.title', { sheet: p.sheet, number: p.number });
}

function drawResults() {
  const box = $('results');
  const r = state.results;
  if (!r) {
    box.hidden = true;
    return;
  }
  box.hidden = r.parcels.length === 0;
  const h = $('results-h');
  h.textContent = r.next ? t('search.resultsMore', { n: r.parcels.length }) : t('search.results', { n: r.parcels.length });
  h.tabIndex = -1;
  $('results-kind').textContent = t(`search.match.${r.match}`);
  const list = $('results-list');
  list.replaceChildren(...r.parcels.map((p) => el('li', {},
    el('button', {
      type: 'button',
      class: 'result',
      'data-parcel-id': p.id,
      onclick: () => choose(p),
    },
    el('strong', { text: parcelTitle(p) }),
    el('span', { text: [p.commune?.name, p.address].filter(Boolean).join(' · ') }),
    el('span', { class: 'muted', text: (p.land_use || []).map((u) => u.code).join('+') + (p.area ? ` · ${area(p.area)}` : '') })))));
  const more = $('results-more');
  more.hidden = !r.next;
}

function choose(p) {
  openParcel(p.id, { fly: true });
}

// ------------------------------------------------------------ the card

async function openParcel(id, { fly = false, others = [], focus = true } = {}) {
  if (state.loading) state.loading.abort();
  const ctl = new AbortController();
  state.loading = ctl;
  const card = $('card');
  card.hidden = false;
  card.setAttribute('aria-busy', 'true');
  card.dataset.parcelId = '';
  card.replaceChildren(el('p', { class: 'muted', text: t('card.loading') }));
  try {
    let overQuota = null; // the 429's problem when the day's detailed views are used up
    const [parcel, planning, neighbours] = await Promise.all([
      api.parcel(id, { signal: ctl.signal }).catch((e) => {
        if (!(e instanceof ApiError && e.kind === 'quota-exceeded')) throw e;
        overQuota = e.problem;
        return api.parcel(id, { signal: ctl.signal, view: 'basic' });
      }),
      api.planning(id, { signal: ctl.signal }).catch((e) => ({ error: e })),
      api.neighbours(id, { signal: ctl.signal }).catch((e) => ({ error: e })),
    ]);
    if (ctl.signal.aborted) return;
    state.card = { parcel, planning, neighbours, others, overQuota };
    // a user shown the basic view unasked: the session may have ended
    if (parcel.view === 'basic' && !overQuota && user()) loadSession();
    say(null);
    map.select(parcel.geometry, { fly });
    setHash(parcel.id);
    drawCard();
    showInPanel(card);
    if (focus) $('card-h')?.focus({ preventScroll: true });
  } catch (err) {
    if (err?.name === 'AbortError') return;
    state.card = null;
    card.hidden = true;
    card.replaceChildren();
    map.clearSelection();
    sayError(err);
  } finally {
    if (state.loading === ctl) state.loading = null;
    card.removeAttribute('aria-busy');
  }
}

// Scroll the panel so that box starts at its top (on a phone the panel is
// short, and the card or the results would otherwise open out of sight).
function showInPanel(box) {
  const panel = $('panel');
  panel.scrollTop += box.getBoundingClientRect().top - panel.getBoundingClientRect().top;
}

function closeCard() {
  state.card = null;
  const card = $('card');
  card.hidden = true;
  card.replaceChildren();
  card.dataset.parcelId = '';
  map.clearSelection();
  setHash(null);
  redrawAccount();
  $('search-q').focus();
}

function drawCard() {
  const c = state.card;
  const card = $('card');
  if (!c) return;
  const p = c.parcel;
  card.dataset.parcelId = String(p.id);
  card.dataset.view = p.view || 'basic';
  redrawAccount();
  const communeName = p.commune?.name || unitName(p.commune?.code);
  const surveyCode = p.commune_of_survey?.code;
  const surveyLabel = p.commune_of_survey?.name || surveyName(surveyCode) || unitName(surveyCode);
  const link = `${location.origin}${location.pathname}#/parcel/${p.id}`;

  const facts = el('dl', { class: 'facts' },
    row(t('card.commune'), communeName ? `${communeName} (${p.commune.code})` : (p.commune?.code || t('card.unknown'))),
    surveyCode && (surveyCode !== p.commune?.code || (surveyLabel && surveyLabel !== communeName))
      ? row(t('card.surveyCommune'), surveyLabel ? `${surveyLabel} (${surveyCode})` : surveyCode) : [],
    row(t('card.sheet'), p.sheet),
    row(t('card.number'), p.number),
    row(t('card.nationalId'), el('code', { class: 'nid', text: p.national_id || t('card.unknown') })),
    row(t('card.area'), p.area ? area(p.area) : t('card.areaNone')),
    !p.area && p.area_map ? row(t('card.areaMap'), area(p.area_map)) : [],
    row(t('card.landUse'), (p.land_use || []).length
      ? el('ul', { class: 'plain' }, p.land_use.map((u) => el('li', { text: useName(u) })))
      : t('card.unknown')),
    row(t('card.address'), p.address || t('card.unknown')),
  );

  const planning = c.planning;
  let planningBody;
  if (planning?.error) planningBody = el('p', { class: 'error', text: errText(planning.error) });
  else if (!planning?.planning?.length) planningBody = el('p', { class: 'muted', text: t('card.planningNone') });
  else {
    // Zones grouped by plan and decision, which most zones of a parcel share.
    const groups = new Map();
    for (const z of planning.planning) {
      const key = `${z.plan || ''}\u0000${z.decision || ''}`;
      if (!groups.has(key)) groups.set(key, { plan: z.plan, decision: z.decision, zones: [] });
      groups.get(key).zones.push(z);
    }
    planningBody = [...groups.values()].map((g) => el('div', { class: 'plan' },
      el('ul', { class: 'plain zones' }, g.zones.map((z) => el('li', {
        text: t('card.planningItem', {
          use: (z.land_use || []).map(useName).join(', ') || t('card.unknown'),
          area: area(z.area),
          percent: `${number(z.percent, 1)}%`,
        }),
      }))),
      g.plan ? el('p', { class: 'muted small', text: `${t('card.plan')}: ${g.plan}` }) : null,
      g.decision ? el('p', { class: 'muted small', text: `${t('card.decision')}: ${g.decision}` }) : null));
  }

  const nb = c.neighbours;
  let nbBody;
  if (nb?.error) nbBody = el('p', { class: 'error', text: errText(nb.error) });
  else if (!nb?.neighbours?.length) nbBody = el('p', { class: 'muted', text: t('card.neighboursNone') });
  else {
    nbBody = el('ul', { class: 'plain neighbours' }, nb.neighbours.map((n) => el('li', {},
      el('a', {
        href: `#/parcel/${n.id}`,
        'data-parcel-id': n.id,
        text: t('card.neighbour', { sheet: n.sheet, number: n.number }),
      }),
      el('span', { class: 'muted', text: ` · ${(n.land_use || []).map((u) => u.code).join('+')}${n.area ? ` · ${area(n.area)}` : ''}` }))));
  }

  const others = c.others?.length
    ? el('div', { class: 'others' }, el('p', { text: t('card.others', { n: c.others.length }) }),
      el('ul', { class: 'plain' }, c.others.map((o) => el('li', {}, el('a', { href: `#/parcel/${o.id}`, text: parcelTitle(o) })))))
    : null;

  const copied = el('span', { class: 'muted', role: 'status' });
  const detailed = p.view === 'detailed' || p.view === 'full';
  const quota = detailed ? quotaText(p.quota) : null;
  card.replaceChildren(...[
    el('div', { class: 'card-head' },
      el('h2', { id: 'card-h', tabindex: '-1', text: parcelTitle(p) }),
      el('button', { type: 'button', class: 'close', 'aria-label': t('card.close'), title: t('card.close'), onclick: closeCard, text: '×' })),
    el('p', { class: 'muted view-name', 'data-view': p.view || 'basic', text: t(`card.view.${p.view || 'basic'}`) }),
    quota ? el('p', { class: 'quota', text: quota }) : null,
    c.overQuota ? el('p', { class: 'notice quota-exceeded', text: quotaExceededText(c.overQuota) }) : null,
    facts,
    userTools(p.id),
    detailed ? detailSections(p) : moreForUsers(p),
    others,
    el('h3', { text: t('card.planning') }), planningBody,
    el('h3', { text: t('card.neighbours') }), nbBody,
    el('p', { class: 'share' },
      el('a', { href: `#/parcel/${p.id}`, id: 'card-link', text: t('card.link') }), ' ',
      el('button', {
        type: 'button',
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(link);
            copied.textContent = t('card.copied');
          } catch {
            copied.textContent = link;
          }
        },
        text: t('card.copy'),
      }), ' ', copied),
  ].flat().filter(Boolean));
}

// Under a visitor's basic view: what logging in adds, and the way there.
function moreForUsers(p) {
  if (user()) return null;
  return el('div', { class: 'notice login-prompt' },
    el('p', { text: t('card.loginWhy') }),
    el('p', {},
      el('a', { href: accountHref('login', p.id), class: 'login-link', text: t('card.login') }),
      ' · ',
      el('a', { href: accountHref('register', p.id), text: t('card.register') })));
}

function errText(err) {
  const key = `err.${err.kind}`;
  return t(key) !== key ? t(key) : t('err.unknown', { status: err.status });
}

// ------------------------------------------------------------ clicks

async function clickAt(lon, lat) {
  say('map.looking');
  try {
    const r = await api.at(lon.toFixed(7), lat.toFixed(7));
    const parcels = r.parcels || [];
    if (!parcels.length) {
      say('err.no-parcel', null, { error: true });
      return;
    }
    say(null);
    await openParcel(parcels[0].id, { others: parcels.slice(1), focus: false });
  } catch (err) {
    map.clearSelection();
    sayError(err);
  }
}

// ------------------------------------------------------------ the address

let hashFromUs = null;

function parcelFromHash() {
  const m = /^#\/parcel\/(\d+)$/.exec(location.hash);
  if (m) return m[1];
  const q = new URLSearchParams(location.search).get('parcel');
  return q && /^\d+$/.test(q) ? q : null;
}

function setHash(id) {
  const want = id ? `#/parcel/${id}` : '';
  if (location.hash === want || (!id && !location.hash)) return;
  hashFromUs = want;
  if (id) location.hash = want;
  else {
    const params = new URLSearchParams(location.search);
    params.delete('parcel'); // a closed card is not reopened by a reload
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : ''));
  }
}

function onHash() {
  if (hashFromUs !== null && location.hash === hashFromUs) {
    hashFromUs = null;
    return;
  }
  hashFromUs = null;
  const id = parcelFromHash();
  if (id && String(state.card?.parcel?.id) !== id) openParcel(id, { fly: true });
}

// ------------------------------------------------------------ coordinates form

function wireCoords() {
  const form = $('coords-form');
  const labels = () => {
    const vn = form.crs.value === 'vn2000';
    $('coord-a-label').dataset.i18n = vn ? 'coords.x' : 'coords.lon';
    $('coord-b-label').dataset.i18n = vn ? 'coords.y' : 'coords.lat';
    $('coord-a-label').textContent = t($('coord-a-label').dataset.i18n);
    $('coord-b-label').textContent = t($('coord-b-label').dataset.i18n);
  };
  for (const r of form.querySelectorAll('input[name=crs]')) r.addEventListener('change', labels);
  labels();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const a = Number(String(form.a.value).replace(',', '.').trim());
    const b = Number(String(form.b.value).replace(',', '.').trim());
    if (!form.a.value.trim() || !form.b.value.trim() || !Number.isFinite(a) || !Number.isFinite(b)) {
      say('coords.invalid', null, { error: true });
      return;
    }
    // The API reads X as the northing and Y as the easting, as Vietnamese documents write them.
    const q = form.crs.value === 'vn2000' ? `X=${a} Y=${b}` : `lon=${a} lat=${b}`;
    $('search-q').value = q;
    search(q);
  });
}

// ------------------------------------------------------------ start

let map;
let redrawAccount = () => {};

async function start() {
  applyStatic(document);
  wireSwitch($('lang'));
  redrawAccount = wireAccountLink($('account'), () => state.card?.parcel?.id);
  const [config] = await Promise.all([loadConfig(), loadSession()]);
  state.config = config;
  wireInboxLink($('inbox-link'));
  showNotices();
  const setTitle = () => { document.title = t('title.province', { province: config.province }); };
  setTitle();

  map = new PortalMap($('map'), config, { onClick: clickAt });
  window.lisMap = map;
  map.translateControls(t);

  $('search').addEventListener('submit', (e) => {
    e.preventDefault();
    search($('search-q').value);
  });
  $('results-more').addEventListener('click', () => {
    const r = state.results;
    if (r?.next) search(r.q, { after: r.next });
  });
  $('planning-toggle').addEventListener('change', (e) => map.setPlanningVisible(e.target.checked));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.card) closeCard();
  });
  wireCoords();
  window.addEventListener('hashchange', onHash);
  onLanguage(() => {
    setTitle();
    map.translateControls(t);
    drawCommunes();
    drawMessage();
    drawResults();
    drawCard();
  });
  onSession(() => drawCard());

  api.communes().then((r) => {
    state.communes = r.communes || [];
    drawCommunes();
  }, () => drawCommunes());

  const first = parcelFromHash();
  await map.ready;
  // the planning switch only where the server has planning tiles
  $('planning-toggle').closest('label').hidden = !map.tileLayers.planning;
  if (first) await openParcel(first, { fly: true });
  else map.fitProvince();
  document.body.dataset.ready = 'true';
}

start();
