// me — a logged-in user's own pages on the account page: the inbox
// (#/inbox: mark read, mark all read), tickets (#/tickets, #/tickets/new —
// a dispute names the parcel, prefilled from a parcel's card with
// ?parcel=ID, and the other party — and #/tickets/ID, the thread), the plan
// and upgrade requests (#/upgrade), watched parcels (#/watches) and who
// accessed my data (#/access).
import { el, $ } from './dom.js';
import { t, date, dateTime } from './i18n.js';
import { api, ApiError } from './api.js';
import { user, setUnread } from './session.js';
import { quotaText, planName, viewsText } from './details.js';
import { say, failed, guarded as load, onSubmit, onClick, showErrors, clearErrors, prepareFields } from './forms.js';
import { go, may, current } from './shell.js';
import { showTicket, drawTicket, wireTicket, resetTicketForms, ticketItem, said, roleName } from './tickets.js';

const PAGE = 20;

const state = {
  inbox: { items: [], next: null, unread: 0 },
  tickets: { items: [], next: null },
  upgrade: null,   // { plans, me, upgrades }
  watches: null,   // { watches, max }
  access: { items: [], next: null },
  parcel: null,    // the dispute's parcel (basic view), or { missing: true }
};

// A list's "more" button and "none" line.
function drawPaging(prefix, list) {
  $(`${prefix}-more`).hidden = !list.next;
  const none = $(`${prefix}-none`);
  if (none) none.hidden = list.items.length > 0;
}

// ------------------------------------------------------------ inbox

async function showInbox({ more = false } = {}) {
  const s = state.inbox;
  const r = await api.inbox({
    unread: $('inbox-unread-only').checked || undefined,
    before: more ? s.next : undefined,
    limit: PAGE,
  });
  s.items = more ? s.items.concat(r.notifications) : r.notifications;
  s.next = r.next ?? null;
  s.unread = r.unread;
  setUnread(r.unread);
  drawInbox();
}

// Where a notification leads: its ticket, parcel or the plan page.
function noteLink(n) {
  if (n.kind === 'ticket' && n.object) return { href: `#/tickets/${n.object}`, key: 'inbox.openTicket' };
  if (n.kind === 'parcel' && n.object) return { href: `./#/parcel/${n.object}`, key: 'inbox.openParcel' };
  if (n.kind === 'upgrade') return { href: '#/upgrade', key: 'inbox.openPlan' };
  return null;
}

async function markRead(n) {
  await api.markRead(n.id);
  n.read = true;
  const s = state.inbox;
  s.unread = Math.max(0, s.unread - 1);
  setUnread(s.unread);
  if ($('inbox-unread-only').checked) s.items = s.items.filter((x) => x !== n);
}

function noteItem(n) {
  const link = noteLink(n);
  const head = el('h2', { class: 'item-title', id: `note-${n.id}`, tabindex: '-1' },
    n.read ? null : [el('span', { class: 'new', text: t('inbox.new') }), ' '], n.title);
  return el('li', { class: n.read ? 'inbox-item' : 'inbox-item unread', 'data-note-id': n.id },
    head,
    el('p', { class: 'item-meta', text: `${said('notice.kind', n.kind)} · ${dateTime(n.created_at)}` }),
    el('p', { class: 'note-body', text: n.body }),
    el('p', { class: 'actions' },
      link ? el('a', {
        href: link.href,
        text: t(link.key),
        onclick: async (e) => {
          if (n.read) return;
          e.preventDefault();
          try {
            await markRead(n);
          } catch {
            // the link still leads there
          }
          location.assign(link.href);
        },
      }) : null,
      n.read ? null : el('button', {
        type: 'button',
        class: 'secondary',
        text: t('inbox.markRead'),
        'aria-describedby': `note-${n.id}`,
        onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            await markRead(n);
            drawInbox();
            say('inbox.marked');
            $(`note-${n.id}`)?.focus();
          } catch (err) {
            failed(null, err);
          }
        },
      })));
}

function drawInbox() {
  const s = state.inbox;
  $('inbox-summary').textContent = s.unread ? t('inbox.unread', { n: s.unread }) : t('inbox.noneUnread');
  $('inbox-all-read').hidden = !s.unread;
  const list = $('inbox-list');
  list.replaceChildren(...s.items.map(noteItem));
  if (!s.items.length) list.append(el('li', { class: 'muted', text: t('inbox.empty') }));
  drawPaging('inbox', s);
}

// ------------------------------------------------------------ tickets

async function showTickets({ more = false } = {}) {
  const s = state.tickets;
  const r = await api.tickets({ before: more ? s.next : undefined, limit: PAGE });
  // staff and admins are answered the whole queue: here, their own tickets
  const mine = may('staff') ? r.tickets.filter((k) => k.author?.id === user().id) : r.tickets;
  s.items = more ? s.items.concat(mine) : mine;
  s.next = r.next ?? null;
  drawTickets();
}

function drawTickets() {
  const s = state.tickets;
  $('tickets-list').replaceChildren(...s.items.map(ticketItem));
  drawPaging('tickets', s);
}

// The new ticket's form: the dispute part only for a dispute.
function drawDisputePart() {
  const dispute = $('tk-kind').value === 'dispute';
  const part = $('tk-dispute');
  part.hidden = !dispute;
  part.disabled = !dispute;
}

// The dispute's parcel as the form says it (the parcel, or "no such
// parcel"), in the page's language.
function parcelLine() {
  const p = state.parcel;
  if (!p) return '';
  if (p.missing) return t('fielderr.parcel_id.not-found');
  return [t('card.title', { sheet: p.sheet, number: p.number }), p.commune?.name, p.address].filter(Boolean).join(' · ');
}

async function nameParcel() {
  const id = $('tk-parcel').value.trim();
  state.parcel = null;
  $('tk-parcel-name').textContent = '';
  if (!/^\d+$/.test(id)) return;
  let p = null;
  try {
    // the basic view: naming a parcel spends none of the day's detailed views
    p = await api.parcel(id, { view: 'basic' });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) p = { missing: true };
  }
  if ($('tk-parcel').value.trim() !== id) return;
  state.parcel = p;
  $('tk-parcel-name').textContent = parcelLine();
}

function showNewTicket(params, query) {
  const form = $('ticket-form');
  const parcel = query.get('parcel');
  if (parcel && /^\d+$/.test(parcel)) {
    form.elements.kind.value = 'dispute';
    form.elements.parcel_id.value = parcel;
    nameParcel();
  }
  drawDisputePart();
}

async function fileTicket(v, form) {
  const body = { kind: v.kind, subject: v.subject, body: v.body };
  if (v.kind === 'dispute') {
    if (!/^\d+$/.test(v.parcel_id)) {
      showErrors(form, [{ name: 'parcel_id', code: 'invalid' }]);
      say('form.fix', null, { error: true });
      return;
    }
    body.parcel_id = Number(v.parcel_id);
    body.other_party = v.other_party;
  }
  const k = await api.fileTicket(body);
  form.reset();
  state.parcel = null;
  $('tk-parcel-name').textContent = '';
  drawDisputePart();
  go(`#/tickets/${k.id}`, 'ticketNew.done', { vars: { id: k.id } });
}

// ------------------------------------------------------------ plan and upgrades

async function showUpgrade() {
  const [plans, me, mine] = await Promise.all([api.plans(), api.me(), api.myUpgrades()]);
  state.upgrade = { plans: plans.plans || [], me, upgrades: mine.upgrades || [] };
  drawUpgrade();
}

function upgradeStatus(u) {
  if (u.status === 'approved') return u.until ? t('upgrade.approvedUntil', { date: date(u.until) }) : t('upgrade.approved');
  if (u.status === 'declined') return u.decision ? t('upgrade.declinedWhy', { reason: u.decision }) : t('upgrade.declined');
  return said('upgrade.status', u.status);
}

function drawUpgrade() {
  const s = state.upgrade;
  if (!s) return;
  const code = s.me.plan?.code;
  const plan = s.plans.find((p) => p.code === code) || s.me.plan;
  const facts = $('upgrade-current');
  facts.replaceChildren(
    el('dt', { text: t('profile.plan') }),
    el('dd', { text: planName(plan) + (s.me.plan_until ? ` (${t('profile.until', { date: date(s.me.plan_until) })})` : '') }),
    el('dt', { text: t('profile.views') }),
    el('dd', { text: s.me.views ? quotaText(s.me.views) : viewsText(plan?.daily_views ?? 0) }),
    el('dt', { text: t('plan.watchMax') }),
    el('dd', { text: String(plan?.watch_max ?? 0) }),
  );
  $('plans-rows').replaceChildren(...s.plans.map((p) => el('tr', { 'data-plan': p.code },
    el('th', { scope: 'row' }, planName(p), p.code === code ? el('span', { class: 'muted', text: ` (${t('plan.current')})` }) : null),
    el('td', { text: viewsText(p.daily_views) }),
    el('td', { text: String(p.watch_max ?? 0) }))));
  const sel = $('up-plan');
  const chosen = sel.value;
  sel.replaceChildren(el('option', { value: '', text: t('field.choose') }),
    ...s.plans.filter((p) => p.code !== code).map((p) => el('option', { value: p.code, text: planName(p) })));
  sel.value = chosen;
  const pending = s.upgrades.some((u) => u.status === 'pending');
  $('upgrade-pending').hidden = !pending;
  $('upgrade-form').hidden = pending;
  const byCode = new Map(s.plans.map((p) => [p.code, p]));
  $('upgrades-list').replaceChildren(...s.upgrades.map((u) => el('li', { 'data-upgrade-id': u.id, 'data-status': u.status },
    el('p', { class: 'item-title' }, el('strong', { text: planName(byCode.get(u.plan) || { code: u.plan }) }), ` · ${dateTime(u.created_at)}`),
    u.reason ? el('p', { class: 'muted', text: t('upgrade.yourReason', { reason: u.reason }) }) : null,
    el('p', { class: `upgrade-answer status-${u.status}`, text: upgradeStatus(u) }))));
  $('upgrades-none').hidden = s.upgrades.length > 0;
}

// ------------------------------------------------------------ watched parcels

async function showWatches() {
  state.watches = await api.watches();
  drawWatches();
}

function watchTitle(w) {
  const p = w.parcel;
  return p ? t('card.title', { sheet: p.sheet, number: p.number }) : t('watches.parcelId', { id: w.parcel_id });
}

function drawWatches() {
  const s = state.watches;
  if (!s) return;
  const sum = $('watches-summary');
  if (!s.max) {
    sum.replaceChildren(t('watches.noPlan'), ' ', el('a', { href: '#/upgrade', text: t('watches.upgrade') }));
  } else {
    sum.textContent = t('watches.count', { n: s.watches.length, max: s.max });
  }
  const list = $('watches-list');
  list.replaceChildren(...s.watches.map((w) => {
    const title = watchTitle(w);
    return el('li', { 'data-parcel-id': w.parcel_id },
      el('a', { href: `./#/parcel/${w.parcel_id}`, class: 'item-title', text: title }),
      el('p', { class: 'item-meta', text: [
        w.parcel?.commune?.name,
        w.parcel?.retired ? t('watches.retired') : null,
        t('watches.since', { date: dateTime(w.since) }),
      ].filter(Boolean).join(' · ') }),
      el('p', {}, el('button', {
        type: 'button',
        class: 'secondary',
        text: t('watches.stop'),
        'aria-label': t('watches.stopOf', { title }),
        onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            await api.unwatch(w.parcel_id);
            await showWatches();
            say('watches.stopped', { title });
            $('watches-h').focus();
          } catch (err) {
            failed(null, err);
          }
        },
      })));
  }));
  if (!s.watches.length) list.append(el('li', { class: 'muted', text: t('watches.none') }));
}

// ------------------------------------------------------------ who accessed my data

async function showAccess({ more = false } = {}) {
  const s = state.access;
  const r = await api.myAccess({ before: more ? s.next : undefined, limit: 50 });
  s.items = more ? s.items.concat(r.entries) : r.entries;
  s.next = r.next ?? null;
  drawAccess();
}

function drawAccess() {
  const s = state.access;
  $('access-rows').replaceChildren(...s.items.map((e) => el('tr', {},
    el('td', { text: dateTime(e.at) }),
    el('td', { text: roleName(e.role) }),
    el('td', { text: said('audit.action', e.action) }),
    el('td', { text: e.reason ? said('audit.reason', e.reason) : '—' }))));
  drawPaging('access', s);
}

// ------------------------------------------------------------ routes

export function userRoutes() {
  return [
    { path: 'inbox', view: 'inbox', need: 'user', title: () => t('inbox.title'), show: load(() => showInbox()) },
    { path: 'tickets', view: 'tickets', need: 'user', title: () => t('tickets.title'), show: load(() => showTickets()) },
    {
      path: 'tickets/new', view: 'ticket-new', nav: 'tickets', need: 'user', title: () => t('ticketNew.title'),
      show: (params, query) => showNewTicket(params, query),
    },
    {
      path: 'tickets/:id', view: 'ticket', nav: 'tickets', need: 'user',
      title: (p) => t('ticket.number', { id: p.id }),
      show: load(async (p, q, { changed }) => {
        if (changed) resetTicketForms();
        await showTicket(p.id);
      }),
    },
    { path: 'upgrade', view: 'upgrade', need: 'user', title: () => t('upgrade.title'), show: load(showUpgrade) },
    { path: 'watches', view: 'watches', need: 'user', title: () => t('watches.title'), show: load(showWatches) },
    { path: 'access', view: 'access', need: 'user', title: () => t('access.title'), show: load(() => showAccess()) },
  ];
}

export function wireUserPages() {
  prepareFields($('view-ticket-new'));
  onClick($('inbox-all-read'), async () => {
    await api.markAllRead();
    await showInbox();
    say('inbox.allMarked');
  });
  $('inbox-unread-only').addEventListener('change', load(() => showInbox()));
  onClick($('inbox-more'), () => showInbox({ more: true }));
  onClick($('tickets-more'), () => showTickets({ more: true }));
  onClick($('access-more'), () => showAccess({ more: true }));
  $('tk-kind').addEventListener('change', drawDisputePart);
  $('tk-parcel').addEventListener('change', nameParcel);
  onSubmit($('ticket-form'), fileTicket);
  onSubmit($('upgrade-form'), async (v, form) => {
    const body = { plan: v.plan };
    if (v.reason) body.reason = v.reason;
    try {
      await api.askUpgrade(body);
    } catch (err) {
      if (!(err instanceof ApiError && err.kind === 'upgrade-pending')) throw err;
      say('upgrade.pending', null, { error: true });
      await showUpgrade();
      return;
    }
    form.reset();
    clearErrors(form);
    await showUpgrade();
    say('upgrade.sent');
  });
  wireTicket();
}

// Redraw what the user pages drew (after a language switch).
export function redrawUserPages() {
  const name = current()?.route.view;
  if (name === 'inbox') drawInbox();
  if (name === 'tickets') drawTickets();
  if (name === 'ticket') drawTicket();
  if (name === 'upgrade') drawUpgrade();
  if (name === 'watches') drawWatches();
  if (name === 'access') drawAccess();
  if (name === 'ticket-new') $('tk-parcel-name').textContent = parcelLine();
}
