// watch — on the parcel card, what a logged-in user may do about the
// parcel besides reading it: watch it (a notification when it changes) or
// stop watching, and file a dispute about it (the account page's new-ticket
// form, with the parcel filled in). Which parcels the user watches is asked
// once per session (GET /api/v1/me/watches); the plan's limits (no watching
// on this plan, or as many parcels as it allows) are said beside the button
// with the way forward.
import { api, ApiError } from './api.js';
import { el } from './dom.js';
import { t } from './i18n.js';
import { user, onSession, loadSession } from './session.js';

const state = {
  watched: null, // Set of the watched parcels' ids (strings); null: not known yet
  asking: null,  // the pending GET
  note: null,    // { id, key, vars, error, link: {href, key} }: what the last action did
};

onSession(() => {
  state.watched = null;
  state.asking = null;
  state.note = null;
});

function known() {
  if (state.watched) return Promise.resolve();
  if (!state.asking) {
    state.asking = api.watches().then((r) => {
      state.watched = new Set((r.watches || []).map((w) => String(w.parcel_id)));
    }).catch(() => {
      state.watched = new Set(); // a user whose plan has no watching may still press the button
    });
  }
  return state.asking;
}

async function toggle(id) {
  const on = state.watched?.has(id);
  try {
    if (on) {
      await api.unwatch(id);
      state.watched.delete(id);
      state.note = { id, key: 'watch.stopped' };
    } else {
      await api.watch(id);
      state.watched.add(id);
      state.note = { id, key: 'watch.started', link: { href: 'account.html#/watches', key: 'watch.list' } };
    }
  } catch (err) {
    if (err instanceof ApiError && err.kind === 'plan-without-watching') {
      state.note = { id, key: 'watch.noPlan', error: true, link: { href: 'account.html#/upgrade', key: 'watch.upgrade' } };
    } else if (err instanceof ApiError && err.kind === 'watch-limit') {
      state.note = {
        id, key: 'watch.limit', vars: { max: err.problem.max ?? '…' }, error: true, link: { href: 'account.html#/watches', key: 'watch.list' },
      };
    } else if (err instanceof ApiError && err.status === 401) {
      await loadSession(); // the session ended: the card turns to the visitor's
      return;
    } else {
      const key = err instanceof ApiError && t(`err.${err.kind}`) !== `err.${err.kind}` ? `err.${err.kind}` : 'err.unknown';
      state.note = { id, key, vars: { status: err.status ?? '—' }, error: true };
    }
  }
}

// The card's block for parcel id, or null for a visitor. It draws itself
// again once the watched parcels are known, and after each action (the
// button and the line that says what happened stay the same elements, so
// the focus stays and the line is read out).
export function userTools(parcelId) {
  if (!user()) return null;
  const id = String(parcelId);
  const button = el('button', { type: 'button', class: 'secondary watch' });
  const note = el('p', { class: 'watch-note', role: 'status' });
  let busy = false;
  const draw = () => {
    const on = state.watched?.has(id);
    const said = state.note?.id === id ? state.note : null;
    button.textContent = on ? t('watch.stop') : t('watch.start');
    // held while busy without disabling it, which would drop the focus
    button.setAttribute('aria-disabled', String(!state.watched || busy));
    note.classList.toggle('error', !!said?.error);
    note.replaceChildren(...(said ? [t(said.key, said.vars)] : []),
      ...(said?.link ? [' ', el('a', { href: said.link.href, text: t(said.link.key) })] : []));
  };
  button.addEventListener('click', async () => {
    if (busy || !state.watched) return;
    busy = true;
    draw();
    await toggle(id);
    busy = false;
    draw();
  });
  draw();
  if (!state.watched) known().then(draw);
  return el('div', { class: 'user-tools' },
    el('p', { class: 'actions' }, button,
      el('a', { href: `account.html#/tickets/new?parcel=${id}`, class: 'dispute-link', text: t('card.dispute') })),
    note);
}
