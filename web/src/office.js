// office — the land office's page (office.html) for staff and admins, as
// hash routes. Staff: the tickets queue (#/tickets, filtered by status,
// kind, assigned to me), a ticket (#/tickets/ID: take, assign, answer,
// resolve or reject with a reason, notify its author — tickets.js), and
// sending a notification (#/notify: to all, a plan, a role; an admin also to
// one account). Admins also: customers (#/customers: search by name with or
// without diacritics or by phone; #/customers/ID: lock, role, plan with an
// end date, forced password reset), plans (#/plans), upgrade requests
// (#/upgrades: approve with an end date, decline with a reason), the audit
// log (#/audit) and disclosures to competent authorities (#/disclosures:
// record the request, then export the person's data as a text file).
//
// A visitor is sent to log in and comes back; a user without the role sees
// why not. Links and views the caller's role may not use are not shown (the
// server refuses them anyway).
import './style.css';
import { t, onLanguage, applyStatic, wireSwitch, date, dateTime } from './i18n.js';
import { api } from './api.js';
import { loadConfig } from './config.js';
import { el, $, row } from './dom.js';
import { user, loadSession, wireAccountLink, wireInboxLink } from './session.js';
import {
  say, drawMessage, prepareFields, redrawErrors, clearErrors, showErrors, onSubmit, onClick, onLoggedOut, failed, saveFile,
  guarded as load,
} from './forms.js';
import { startRoutes, go, href, setTitle, may, current, redrawNav } from './shell.js';
import { showTicket, drawTicket, wireTicket, resetTicketForms, ticketItem, said, roleName } from './tickets.js';
import { planName, viewsText } from './details.js';

const PAGE = 20;

const state = {
  config: null,
  plans: [],                                    // GET /api/v1/plans
  queue: { items: [], next: null, params: {} },
  customers: { items: [], next: null, params: {} },
  customer: null,
  upgrades: { items: [], status: 'pending' },
  deciding: null,                               // the upgrade request being answered
  audit: { items: [], next: null, params: {} },
  disclosures: { items: [], subject: null },
};

const digits = (s) => /^\d+$/.test(s || '');

function drawPaging(prefix, list) {
  const more = $(`${prefix}-more`);
  if (more) more.hidden = !list.next;
  const none = $(`${prefix}-none`);
  if (none) none.hidden = list.items.length > 0;
}

// Fill a filter form from the address's query.
function fillForm(form, query, defaults = {}) {
  for (const input of form.querySelectorAll('[name]')) {
    const v = query.get(input.name) ?? defaults[input.name] ?? '';
    if (input.type === 'checkbox') input.checked = v === '1' || v === 'true';
    else input.value = v;
  }
}

async function loadPlans() {
  state.plans = (await api.plans()).plans || [];
  return state.plans;
}

function planOptions(sel, { blank = false } = {}) {
  const chosen = sel.value;
  sel.replaceChildren(...(blank ? [el('option', { value: '', text: t('field.choose') })] : []),
    ...state.plans.map((p) => el('option', { value: p.code, text: `${planName(p)} (${p.code})` })));
  if (chosen) sel.value = chosen;
}

// ------------------------------------------------------------ the queue

async function showQueue(params, query, { more = false } = {}) {
  const s = state.queue;
  if (!more) {
    fillForm($('queue-filter'), query, { status: 'active' });
    const status = query.get('status') || 'active';
    s.params = {
      status: status === 'all' ? undefined : status,
      kind: query.get('kind') || undefined,
      mine: query.get('mine') === '1' ? true : undefined,
    };
  }
  const r = await api.tickets({ ...s.params, before: more ? s.next : undefined, limit: PAGE });
  s.items = more ? s.items.concat(r.tickets) : r.tickets;
  s.next = r.next ?? null;
  drawQueue();
}

function drawQueue() {
  $('queue-list').replaceChildren(...state.queue.items.map(ticketItem));
  drawPaging('queue', state.queue);
}

// ------------------------------------------------------------ notify

function drawAudience() {
  const kind = $('nf-audience').value;
  for (const part of ['plan', 'role', 'user']) {
    const on = kind === part;
    $(`nf-${part}-field`).hidden = !on;
    $(`nf-${part}`).disabled = !on;
  }
  const service = $('nf-kind').value === 'service';
  $('nf-public').disabled = !service;
  if (!service) $('nf-public').checked = false;
}

async function showNotify() {
  await loadPlans();
  planOptions($('nf-plan'));
  drawAudience();
}

async function sendNotice(v, form) {
  let audience = v.audience;
  if (audience === 'plan') audience = `plan:${v.audience_plan}`;
  else if (audience === 'role') audience = `role:${v.audience_role}`;
  else if (audience === 'user') {
    if (!digits(v.audience_user)) {
      showErrors(form, [{ name: 'audience_user', code: 'invalid' }]);
      say('form.fix', null, { error: true });
      return;
    }
    audience = `user:${v.audience_user}`;
  }
  const body = { kind: v.kind, audience, title: v.title, body: v.body };
  if (v.public) body.public = true;
  await api.notify(body);
  form.reset();
  drawAudience();
  say(body.public ? 'notify.sentPublic' : 'notify.sent');
}

// ------------------------------------------------------------ customers

function customerState(c) {
  return [c.locked ? t('customer.locked') : null, c.must_reset ? t('customer.mustReset') : null]
    .filter(Boolean).join(', ') || t('customer.normal');
}

async function showCustomers(params, query, { more = false } = {}) {
  const s = state.customers;
  if (!more) {
    fillForm($('customer-search'), query);
    s.params = { q: query.get('q') || undefined, role: query.get('role') || undefined };
  }
  const r = await api.customers({ ...s.params, after: more ? s.next : undefined, limit: 50 });
  s.items = more ? s.items.concat(r.users) : r.users;
  s.next = r.next ?? null;
  drawCustomers();
}

function drawCustomers() {
  $('customers-rows').replaceChildren(...state.customers.items.map((c) => el('tr', { 'data-customer-id': c.id },
    el('th', { scope: 'row' }, el('a', { href: `#/customers/${c.id}`, text: c.name || t('customer.closed') })),
    el('td', { text: c.phone || '—' }),
    el('td', { text: roleName(c.role) }),
    el('td', { text: planName(c.plan) + (c.plan_until ? ` (${t('profile.until', { date: date(c.plan_until) })})` : '') }),
    el('td', { text: customerState(c) }))));
  drawPaging('customers', state.customers);
}

async function showCustomer(params) {
  const [c] = await Promise.all([api.customer(params.id), loadPlans()]);
  state.customer = c;
  drawCustomer();
  fillCustomerForms();
}

function fillCustomerForms() {
  const c = state.customer;
  if (!c) return;
  $('cu-role').value = c.role;
  planOptions($('cu-plan'));
  $('cu-plan').value = c.plan?.code || '';
  $('cu-until').value = c.plan_until ? c.plan_until.slice(0, 10) : '';
}

function drawCustomer() {
  const c = state.customer;
  if (!c) return;
  const none = () => el('span', { class: 'muted', text: t('profile.none') });
  $('customer-h').textContent = c.name || t('customer.closed');
  $('customer-facts').replaceChildren(...[
    row(t('field.accountId'), String(c.id)),
    row(t('field.name'), c.name || none()),
    row(t('field.phone'), c.phone || none()),
    row(t('field.email'), c.email || none()),
    row(t('field.address'), c.address || none()),
    row(t('field.role'), roleName(c.role)),
    row(t('profile.plan'), planName(c.plan), c.plan_until ? ` (${t('profile.until', { date: date(c.plan_until) })})` : ''),
    row(t('customer.state'), customerState(c)),
    c.consent?.version ? row(t('profile.consent'), t('profile.consentValue', { version: c.consent.version, at: c.consent.at ? dateTime(c.consent.at) : '—' })) : [],
    c.created_at ? row(t('profile.created'), dateTime(c.created_at)) : [],
  ].flat());
  $('cu-lock').textContent = c.locked ? t('customer.unlock') : t('customer.lock');
  $('cu-lock').className = c.locked ? 'secondary' : 'danger';
  $('cu-reset').textContent = c.must_reset ? t('customer.unforceReset') : t('customer.forceReset');
  $('cu-audit').href = href('audit', { subject: c.id });
  $('cu-disclose').href = href('disclosures', { subject: c.id });
  const byCode = new Map(state.plans.map((p) => [p.code, p]));
  const list = $('customer-upgrades');
  list.replaceChildren(...(c.upgrades || []).map((u) => el('li', {},
    el('strong', { text: planName(byCode.get(u.plan) || { code: u.plan }) }), ` · ${dateTime(u.created_at)} · `,
    said('upgrade.status', u.status), u.reason ? el('p', { class: 'muted', text: u.reason }) : null)));
  if (!c.upgrades?.length) list.append(el('li', { class: 'muted', text: t('upgrades.none') }));
}

async function patchCustomer(body, messageKey) {
  const c = state.customer;
  const next = await api.changeCustomer(c.id, body);
  state.customer = { ...next, upgrades: c.upgrades };
  drawCustomer();
  fillCustomerForms();
  say(messageKey, { name: next.name || `#${next.id}` });
}

// ------------------------------------------------------------ plans

async function showPlans() {
  await loadPlans();
  drawPlans();
}

function editPlan(p) {
  const form = $('plan-form');
  clearErrors(form);
  form.elements.plan_code.value = p.code;
  form.elements.plan_code.readOnly = true;
  form.elements.name_vi.value = p.name_vi || '';
  form.elements.name_en.value = p.name_en || '';
  form.elements.daily_views.value = String(p.daily_views);
  form.elements.watch_max.value = String(p.watch_max ?? 0);
  form.elements.features.value = p.features || '';
  $('plan-form-h').textContent = t('plans.editOne', { name: planName(p) });
  $('plan-form-h').focus();
}

function drawPlans() {
  $('plans-admin-rows').replaceChildren(...state.plans.map((p) => el('tr', { 'data-plan': p.code },
    el('th', { scope: 'row' }, planName(p), el('span', { class: 'muted', text: ` (${p.code})` })),
    el('td', { text: viewsText(p.daily_views) }),
    el('td', { text: String(p.watch_max ?? 0) }),
    el('td', { text: p.features || '—' }),
    el('td', {}, el('button', {
      type: 'button', class: 'secondary', text: t('plans.editButton'),
      'aria-label': t('plans.editOne', { name: planName(p) }),
      onclick: () => editPlan(p),
    })))));
}

async function savePlan(v, form) {
  const bad = [];
  if (!/^[a-z0-9_-]{1,20}$/.test(v.plan_code)) bad.push({ name: 'plan_code', code: 'invalid' });
  for (const name of ['daily_views', 'watch_max']) if (!/^-?\d+$/.test(v[name])) bad.push({ name, code: 'invalid' });
  if (bad.length) {
    showErrors(form, bad);
    say('form.fix', null, { error: true });
    return;
  }
  const p = await api.putPlan(v.plan_code, {
    name_vi: v.name_vi, name_en: v.name_en, daily_views: Number(v.daily_views), watch_max: Number(v.watch_max), features: v.features,
  });
  await loadPlans();
  drawPlans();
  editPlan(p);
  say('plans.saved', { name: planName(p) });
}

// ------------------------------------------------------------ upgrade requests

async function showUpgrades(params, query) {
  const status = query.get('status') || 'pending';
  fillForm($('upgrades-filter'), query, { status: 'pending' });
  const [r] = await Promise.all([api.upgrades({ status: status === 'all' ? undefined : status, limit: 50 }), loadPlans()]);
  state.upgrades = { items: r.upgrades || [], status };
  if (state.deciding && !state.upgrades.items.some((u) => u.id === state.deciding.id && u.status === 'pending')) closeDecision();
  drawUpgrades();
}

function upgradeAnswer(u) {
  if (u.status === 'approved') return u.until ? t('upgrade.approvedUntil', { date: date(u.until) }) : t('upgrade.approved');
  if (u.status === 'declined') return u.decision ? t('upgrade.declinedWhy', { reason: u.decision }) : t('upgrade.declined');
  return said('upgrade.status', u.status);
}

function decide(u) {
  state.deciding = u;
  for (const f of [$('approve-form'), $('decline-form')]) {
    f.reset();
    clearErrors(f);
  }
  drawDecision();
  $('decide-box').hidden = false;
  $('decide-h').focus();
}

function closeDecision() {
  state.deciding = null;
  $('decide-box').hidden = true;
}

function drawDecision() {
  const u = state.deciding;
  if (!u) return;
  const plan = state.plans.find((p) => p.code === u.plan) || { code: u.plan };
  $('decide-h').textContent = t('upgrades.decideFor', { name: u.user?.name || `#${u.user?.id}`, plan: planName(plan) });
}

function drawUpgrades() {
  const s = state.upgrades;
  const byCode = new Map(state.plans.map((p) => [p.code, p]));
  $('upgrades-queue').replaceChildren(...s.items.map((u) => {
    const plan = planName(byCode.get(u.plan) || { code: u.plan });
    const name = u.user?.name || `#${u.user?.id}`;
    return el('li', { 'data-upgrade-id': u.id, 'data-status': u.status },
      el('p', { class: 'item-title' },
        el('a', { href: `#/customers/${u.user?.id}`, text: name }), ' ', t('upgrades.asks', { plan })),
      el('p', { class: 'item-meta', text: dateTime(u.created_at) }),
      u.reason ? el('p', { text: t('upgrade.yourReason', { reason: u.reason }) }) : null,
      u.status === 'pending'
        ? el('p', {}, el('button', {
          type: 'button', text: t('upgrades.answer'), 'aria-label': t('upgrades.decideFor', { name, plan }), onclick: () => decide(u),
        }))
        : el('p', { class: `upgrade-answer status-${u.status}`, text: upgradeAnswer(u) }));
  }));
  $('upgrades-queue-none').hidden = s.items.length > 0;
  drawDecision();
}

async function answer(body, messageKey) {
  const u = state.deciding;
  await api.decideUpgrade(u.id, body);
  closeDecision();
  await showUpgrades({}, new URLSearchParams({ status: state.upgrades.status }));
  say(messageKey, { name: u.user?.name || `#${u.user?.id}` });
  $('upgrades-h').focus();
}

// ------------------------------------------------------------ audit log

const ACTIONS = [
  'customer.search', 'customer.view', 'user.create', 'user.role', 'user.plan', 'user.lock', 'user.unlock', 'user.must_reset',
  'account.create', 'account.password', 'account.export', 'account.close', 'plan.set', 'upgrade.approve', 'upgrade.decline',
  'ticket.status', 'notice.send', 'disclosure.record', 'disclosure.export', 'parcel.detailed', 'parcel.full',
];

function drawActionList() {
  $('audit-actions').replaceChildren(...ACTIONS.map((a) => el('option', { value: a, label: said('audit.action', a) })));
}

async function showAudit(params, query, { more = false } = {}) {
  const s = state.audit;
  if (!more) {
    fillForm($('audit-filter'), query);
    s.params = {};
    for (const k of ['actor', 'subject', 'action', 'from', 'to']) if (query.get(k)) s.params[k] = query.get(k);
  }
  const r = await api.audit({ ...s.params, before: more ? s.next : undefined, limit: 50 });
  s.items = more ? s.items.concat(r.entries) : r.entries;
  s.next = r.next ?? null;
  drawAudit();
}

function account(id, role) {
  if (!id) return role ? roleName(role) : '—';
  return [el('a', { href: `#/customers/${id}`, text: `#${id}` }), role ? ` (${roleName(role)})` : ''];
}

function drawAudit() {
  $('audit-rows').replaceChildren(...state.audit.items.map((e) => el('tr', { 'data-entry-id': e.id },
    el('td', { text: dateTime(e.at) }),
    el('td', {}, account(e.actor, e.actor_role)),
    el('td', {}, said('audit.action', e.action), el('br'), el('code', { class: 'muted small', text: e.action })),
    el('td', {}, account(e.subject)),
    el('td', { text: e.object ? String(e.object) : '—' }),
    el('td', { text: e.reason ? said('audit.reason', e.reason) : '—' }))));
  drawPaging('audit', state.audit);
}

function filterAudit(v, form) {
  const bad = ['actor', 'subject'].filter((k) => v[k] && !digits(v[k])).map((name) => ({ name, code: 'invalid' }));
  if (bad.length) {
    showErrors(form, bad);
    say('form.fix', null, { error: true });
    return;
  }
  go(href('audit', { actor: v.actor, subject: v.subject, action: v.action, from: v.from, to: v.to }));
}

// ------------------------------------------------------------ disclosures

async function showDisclosures(params, query) {
  const subject = digits(query.get('subject')) ? query.get('subject') : null;
  const form = $('disclosure-form');
  if (subject && !form.elements.subject.value) form.elements.subject.value = subject;
  const r = await api.disclosures({ subject: subject || undefined, limit: 50 });
  state.disclosures = { items: r.disclosures || [], subject };
  drawDisclosures();
}

function drawDisclosures() {
  const s = state.disclosures;
  const filter = $('disclosures-filter');
  filter.hidden = !s.subject;
  if (s.subject) {
    filter.replaceChildren(t('disclosures.only', { id: s.subject }), ' ', el('a', { href: '#/disclosures', text: t('disclosures.all') }));
  }
  $('disclosures-list').replaceChildren(...s.items.map((d) => el('li', { 'data-disclosure-id': d.id },
    el('p', { class: 'item-title' }, el('strong', { text: `#${d.id} · ${d.authority}` })),
    el('dl', { class: 'facts' },
      row(t('disclosures.document'), `${d.document} (${date(d.document_date)})`),
      row(t('disclosures.basis'), d.legal_basis),
      row(t('disclosures.subjectShort'), el('a', { href: `#/customers/${d.subject}`, text: `#${d.subject}` })),
      row(t('disclosures.recordedAt'), `${dateTime(d.created_at)} (#${d.admin})`),
      row(t('disclosures.exportedAt'), d.exported_at ? dateTime(d.exported_at) : t('disclosures.notExported'))),
    el('p', {}, el('button', {
      type: 'button',
      id: `export-${d.id}`,
      text: t('disclosures.export'),
      'aria-label': t('disclosures.exportOf', { id: d.id }),
      onclick: async (e) => {
        const b = e.currentTarget;
        b.disabled = true;
        try {
          const { blob, filename } = await api.exportDisclosure(d.id);
          saveFile(blob, filename);
          await showDisclosures({}, new URLSearchParams(s.subject ? { subject: s.subject } : {}));
          say('disclosures.exported', { file: filename });
          $(`export-${d.id}`)?.focus();
        } catch (err) {
          b.disabled = false;
          failed(null, err);
        }
      },
    })))));
  $('disclosures-none').hidden = s.items.length > 0;
}

async function recordDisclosure(v, form) {
  if (!digits(v.subject)) {
    showErrors(form, [{ name: 'subject', code: 'invalid' }]);
    say('form.fix', null, { error: true });
    return;
  }
  const d = await api.recordDisclosure({
    subject: Number(v.subject), authority: v.authority, document: v.document, document_date: v.document_date, legal_basis: v.legal_basis,
  });
  form.reset();
  await showDisclosures({}, new URLSearchParams(state.disclosures.subject ? { subject: state.disclosures.subject } : {}));
  say('disclosures.recorded', { id: d.id });
  $(`export-${d.id}`)?.focus();
}

// ------------------------------------------------------------ start

const ROUTES = [
  { path: 'forbidden', view: 'forbidden', need: 'user', title: () => t('office.forbidden') },
  { path: 'tickets', view: 'queue', need: 'staff', title: () => t('queue.title'), show: load(showQueue) },
  {
    path: 'tickets/:id', view: 'ticket', nav: 'tickets', need: 'staff', title: (p) => t('ticket.number', { id: p.id }),
    show: load(async (p, q, { changed }) => {
      if (changed) resetTicketForms();
      await showTicket(p.id);
    }),
  },
  { path: 'notify', view: 'notify', need: 'staff', title: () => t('notify.title'), show: load(showNotify) },
  { path: 'customers', view: 'customers', need: 'admin', title: () => t('customers.title'), show: load(showCustomers) },
  {
    path: 'customers/:id', view: 'customer', nav: 'customers', need: 'admin', title: () => state.customer?.name || t('customers.title'),
    show: load(showCustomer),
  },
  { path: 'plans', view: 'plans', need: 'admin', title: () => t('plans.title'), show: load(showPlans) },
  { path: 'upgrades', view: 'upgrades', need: 'admin', title: () => t('upgrades.title'), show: load(showUpgrades) },
  { path: 'audit', view: 'audit', need: 'admin', title: () => t('audit.title'), show: load(showAudit) },
  { path: 'disclosures', view: 'disclosures', need: 'admin', title: () => t('disclosures.title'), show: load(showDisclosures) },
];

function wire() {
  onSubmit($('queue-filter'), (v) => go(href('tickets', {
    status: v.status === 'active' ? '' : v.status, kind: v.kind, mine: v.mine ? '1' : '',
  })));
  onClick($('queue-more'), () => showQueue({}, null, { more: true }));
  $('nf-audience').addEventListener('change', drawAudience);
  $('nf-kind').addEventListener('change', drawAudience);
  onSubmit($('notify-form'), sendNotice);
  onSubmit($('customer-search'), (v) => go(href('customers', { q: v.q, role: v.role })));
  onClick($('customers-more'), () => showCustomers({}, null, { more: true }));
  onClick($('cu-lock'), () => patchCustomer({ locked: !state.customer.locked },
    state.customer.locked ? 'customer.unlocked' : 'customer.lockedDone'));
  onClick($('cu-reset'), () => patchCustomer({ must_reset: !state.customer.must_reset },
    state.customer.must_reset ? 'customer.resetCleared' : 'customer.resetForced'));
  onSubmit($('role-form'), (v) => patchCustomer({ role: v.role }, 'customer.roleSaved'));
  onSubmit($('cplan-form'), (v) => {
    const body = { plan: v.plan };
    if (v.plan_until) body.plan_until = v.plan_until;
    return patchCustomer(body, 'customer.planSaved');
  });
  onSubmit($('plan-form'), savePlan);
  $('plan-form').addEventListener('reset', () => {
    clearErrors($('plan-form'));
    $('pl-code').readOnly = false;
    $('plan-form-h').textContent = t('plans.edit');
    $('pl-code').focus();
  });
  onSubmit($('upgrades-filter'), (v) => go(href('upgrades', { status: v.status === 'pending' ? '' : v.status })));
  onSubmit($('approve-form'), (v) => answer(v.until ? { decision: 'approve', until: v.until } : { decision: 'approve' }, 'upgrades.approvedDone'));
  onSubmit($('decline-form'), (v) => answer({ decision: 'decline', reason: v.reason }, 'upgrades.declinedDone'));
  onSubmit($('audit-filter'), filterAudit);
  onClick($('audit-more'), () => showAudit({}, null, { more: true }));
  onSubmit($('disclosure-form'), recordDisclosure);
  wireTicket();
}

function redraw() {
  setTitle();
  drawMessage();
  redrawErrors();
  redrawNav();
  drawActionList();
  const name = current()?.route.view;
  if (name === 'queue') drawQueue();
  if (name === 'ticket') drawTicket();
  if (name === 'notify') planOptions($('nf-plan'));
  if (name === 'customers') drawCustomers();
  if (name === 'customer') {
    drawCustomer();
    planOptions($('cu-plan'));
  }
  if (name === 'plans') {
    drawPlans();
    if (!$('pl-code').readOnly) $('plan-form-h').textContent = t('plans.edit');
  }
  if (name === 'upgrades') drawUpgrades();
  if (name === 'audit') drawAudit();
  if (name === 'disclosures') drawDisclosures();
}

async function start() {
  applyStatic(document);
  wireSwitch($('lang'));
  wireAccountLink($('account'));
  prepareFields();
  const [config] = await Promise.all([loadConfig(), loadSession()]);
  state.config = config;
  wireInboxLink($('inbox-link'));
  wire();
  drawActionList();
  const toLogin = (hash) => location.assign(`account.html?next=${encodeURIComponent(`office.html${hash || ''}`)}#/login`);
  onLoggedOut(() => toLogin(location.hash));
  onLanguage(redraw);
  await startRoutes(ROUTES, {
    fallback: () => (user() && !may('staff') ? '#/forbidden' : '#/tickets'),
    loginRequired: toLogin,
    forbidden: () => go('#/forbidden'),
    nav: 'page-nav',
    pageTitle: 'office.title',
    province: () => state.config?.province || '',
    onChange: (view) => {
      for (const form of view.querySelectorAll('form')) clearErrors(form);
    },
  });
  document.body.dataset.ready = 'true';
}

start();
