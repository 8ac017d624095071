// tickets — support, complaint and dispute tickets as the pages show them:
// a list's rows, a ticket's facts, a dispute's statutory time limit and the
// days left, the thread; and the ticket view (#/tickets/ID) shared by the
// account page (the author: reply, reopen within the allowed time) and the
// office page (staff: the author's name, take or assign the ticket, answer,
// set it in progress, resolved or rejected with a reason, and notify the
// author). Parts of the view a page does not have (the staff tools on the
// account page) are simply not there.
import { el, $, row } from './dom.js';
import { t, date, dateTime } from './i18n.js';
import { api } from './api.js';
import { user } from './session.js';
import { say, onSubmit, onClick, clearErrors } from './forms.js';
import { may } from './shell.js';

// A code said in the page's language (prefix.code), else as it is.
export function said(prefix, code) {
  if (code === undefined || code === null || code === '') return '—';
  const key = `${prefix}.${code}`;
  const s = t(key);
  return s === key ? String(code) : s;
}

export const kindName = (k) => said('ticket.kind', k);
export const statusName = (s) => said('ticket.status', s);
export const roleName = (r) => said('role', r);

export function statusBadge(status) {
  return el('span', { class: `status status-${status}`, text: statusName(status) });
}

const closed = (k) => k.status === 'resolved' || k.status === 'rejected';

// Who handles a ticket, as staff see it.
function handler(k) {
  if (!k.assigned) return t('ticket.unassigned');
  if (k.assignee?.id === user()?.id) return t('ticket.assignedMe');
  return k.assignee?.name ? t('ticket.assignedTo', { name: k.assignee.name }) : t('ticket.assignedOther');
}

// A row of a list of tickets (the author's list or the staff queue).
export function ticketItem(k) {
  const staff = may('staff') && k.author?.id !== user()?.id;
  return el('li', { 'data-ticket-id': k.id },
    el('a', { href: `#/tickets/${k.id}`, class: 'item-title', text: t('ticket.heading', { id: k.id, subject: k.subject }) }),
    el('p', { class: 'item-meta' },
      statusBadge(k.status), ' ',
      [
        kindName(k.kind),
        staff ? t('ticket.by', { name: k.author?.name || '—' }) : null,
        staff ? handler(k) : null,
        t('ticket.updated', { at: dateTime(k.updated_at || k.created_at) }),
      ].filter(Boolean).join(' · ')));
}

// The statutory time limit of a dispute and what is left of it.
export function deadlineLines(k) {
  const d = k.deadline;
  if (!d) return [];
  const unit = t(`deadline.unit.${d.counting === 'working' ? 'working' : 'calendar'}`);
  const lines = [
    t('deadline.limit', { days: d.days, unit, due: date(d.due) }),
    d.mountainous ? t('deadline.mountainous') : null,
  ];
  if (closed(k)) lines.push(t('deadline.stopped', { n: Math.max(d.days_left, 0) }));
  else if (d.days_left >= 0) lines.push(t('deadline.left', { n: d.days_left, unit }));
  else lines.push(t('deadline.over', { n: -d.days_left, unit }));
  return lines.filter(Boolean);
}

function messageItem(m, staff) {
  let who;
  if (m.mine) who = t('ticket.you');
  else if (m.author?.role === 'user') who = m.author.name || roleName('user');
  else if (staff && m.author?.name) who = `${m.author.name} (${roleName(m.author.role)})`;
  else who = t('ticket.office');
  const office = m.author?.role && m.author.role !== 'user';
  return el('li', { class: `msg${m.mine ? ' mine' : ''}${office ? ' office' : ''}` },
    el('p', { class: 'msg-head' }, el('strong', { text: who }), ' · ',
      el('time', { datetime: m.created_at, text: dateTime(m.created_at) })),
    el('p', { class: 'msg-body', text: m.body }));
}

// ------------------------------------------------------------ the view

const view = {
  ticket: null,
  staffList: null, // [{id, name, role}] for the admin's assign list
};

export function currentTicket() {
  return view.ticket;
}

// Load ticket id into the view.
export async function showTicket(id) {
  if (String(view.ticket?.id) !== String(id)) {
    view.ticket = null;
    drawTicket();
  }
  view.ticket = await api.ticket(id);
  drawTicket();
}

export function drawTicket() {
  const k = view.ticket;
  const h = $('ticket-h');
  const facts = $('ticket-facts');
  if (!k) {
    h.textContent = t('ticket.title');
    facts.replaceChildren();
    $('ticket-thread').replaceChildren();
    $('ticket-deadline').hidden = true;
    $('reply-form').hidden = true;
    $('ticket-closed').hidden = true;
    for (const box of document.querySelectorAll('[data-staff-tool]')) box.hidden = true;
    return;
  }
  const me = user();
  const author = k.author?.id === me?.id;
  const staff = may('staff') && !!$('staff-tools');
  h.textContent = t('ticket.heading', { id: k.id, subject: k.subject });
  const parcel = k.parcel_id
    ? el('a', { href: `./#/parcel/${k.parcel_id}`, text: t('ticket.parcelLink', { id: k.parcel_id }) }) : null;
  facts.replaceChildren(...[
    row(t('ticket.kind'), kindName(k.kind)),
    row(t('ticket.status'), statusBadge(k.status)),
    staff && !author ? row(t('ticket.author'), k.author?.name || '—') : [],
    staff ? row(t('ticket.handler'), handler(k)) : [],
    row(t('ticket.created'), dateTime(k.created_at)),
    k.updated_at ? row(t('ticket.updatedAt'), dateTime(k.updated_at)) : [],
    k.closed_at ? row(t('ticket.closedAt'), dateTime(k.closed_at)) : [],
    k.reason ? row(t('ticket.reason'), k.reason) : [],
    parcel ? row(t('ticket.parcel'), parcel) : [],
    k.commune ? row(t('ticket.commune'), k.commune.name ? `${k.commune.name} (${k.commune.code})` : k.commune.code) : [],
    k.other_party ? row(t('ticket.otherParty'), k.other_party) : [],
  ].flat());

  const dl = $('ticket-deadline');
  const lines = deadlineLines(k);
  dl.hidden = !lines.length;
  dl.replaceChildren(el('p', {}, el('strong', { text: t('deadline.title') })), ...lines.map((s) => el('p', { text: s })));
  dl.classList.toggle('overdue', !!k.deadline && k.deadline.days_left < 0 && !closed(k));

  $('ticket-thread').replaceChildren(...(k.messages || []).map((m) => messageItem(m, staff)));

  const isClosed = closed(k);
  $('reply-form').hidden = isClosed;
  const box = $('ticket-closed');
  box.hidden = !isClosed;
  const reopenable = isClosed && author && k.reopen_until && Date.parse(k.reopen_until) > Date.now();
  $('ticket-reopen').hidden = !reopenable;
  if (isClosed) {
    let text = t(`ticket.closed.${k.status}`);
    if (reopenable) text += ` ${t('ticket.reopenUntil', { date: dateTime(k.reopen_until) })}`;
    else if (author) text += ` ${t('ticket.reopenOver')}`;
    else text += ` ${t('ticket.reopenAuthor')}`;
    $('ticket-closed-text').textContent = text;
  }
  if (staff) drawStaffTools(k, author);
}

// The staff tools of the office page.
function drawStaffTools(k, author) {
  const isClosed = closed(k);
  // a closed ticket is handled: only its author may reopen it
  $('staff-tools').hidden = isClosed;
  $('ticket-take').hidden = k.assignee?.id === user()?.id;
  $('assign-box').hidden = !may('admin');
  const sel = $('st-status');
  for (const o of sel.options) o.disabled = o.value === k.status;
  if (sel.value === k.status) sel.value = '';
  // a ticket's author is told through the ticket's own notifications
  $('author-notify').hidden = author || !k.author?.id;
}

async function loadStaff() {
  if (view.staffList) return;
  const [staff, admins] = await Promise.all([api.customers({ role: 'staff', limit: 200 }), api.customers({ role: 'admin', limit: 200 })]);
  view.staffList = [...staff.users, ...admins.users].map((u) => ({ id: u.id, name: u.name, role: u.role }));
  const sel = $('as-assignee');
  sel.replaceChildren(el('option', { value: '', text: t('field.choose') }),
    ...view.staffList.map((u) => el('option', { value: u.id, text: `${u.name} (${roleName(u.role)})` })));
}

async function change(body, messageKey) {
  const k = view.ticket;
  view.ticket = await api.changeTicket(k.id, body);
  drawTicket();
  say(messageKey, { id: k.id });
}

// Wire the view's forms and buttons (once, at start).
export function wireTicket() {
  onSubmit($('reply-form'), async (v, form) => {
    const k = view.ticket;
    await api.writeTicket(k.id, { body: v.body });
    form.reset();
    await showTicket(k.id);
    say('ticket.sent');
  });
  onClick($('ticket-reopen'), () => change({ status: 'open' }, 'ticket.reopened'));
  if (!$('staff-tools')) return;
  onClick($('ticket-take'), () => change({ assignee: 'me' }, 'ticket.taken'));
  $('assign-box').addEventListener('toggle', () => {
    if ($('assign-box').open) loadStaff().catch((err) => say('err.unknown', { status: err.status ?? '—' }, { error: true }));
  });
  onSubmit($('assign-form'), (v) => change({ assignee: Number(v.assignee) }, 'ticket.assignedDone'));
  onSubmit($('status-form'), async (v, form) => {
    const body = { status: v.status };
    if (v.reason) body.reason = v.reason;
    await change(body, `ticket.set.${v.status}`);
    form.reset();
  });
  onSubmit($('author-notify-form'), async (v, form) => {
    const k = view.ticket;
    await api.notify({ kind: 'ticket', audience: `user:${k.author.id}`, ticket: k.id, title: v.title, body: v.body });
    form.reset();
    say('notify.sentAuthor', { name: k.author.name || '—' });
  });
  const status = $('st-status');
  status.addEventListener('change', () => {
    // a rejection needs its reason
    const need = status.value === 'rejected';
    $('st-reason').required = need;
    $('st-reason-req').hidden = !need;
  });
}

// Clear the view's forms (a new ticket is shown).
export function resetTicketForms() {
  for (const id of ['reply-form', 'status-form', 'assign-form', 'author-notify-form']) {
    const f = $(id);
    if (f) {
      f.reset();
      clearErrors(f);
    }
  }
}
