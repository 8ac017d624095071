// session — who is using the page, shared by every page: asked once at
// start (GET /api/v1/session), replaced by a login, a registration or a
// password change, cleared by a logout. Keeps the session's CSRF value in
// api.js. The header's account link shows the logged-in name (to the
// profile) or "Log in"; beside it a logged-in user's inbox link carries the
// number of unread notifications (asked at start, at a login, and when the
// page comes back into view a minute or more later).
import { api, setCsrf } from './api.js';
import { t, onLanguage } from './i18n.js';

let current = { user: null };
const listeners = [];

// The logged-in user ({id, name, role, plan, must_reset}) or null.
export function user() {
  return current.user || null;
}

export function onSession(fn) {
  listeners.push(fn);
}

// Take a session answer of the API (or null for none).
export function setSession(s) {
  current = s && s.user ? s : { user: null };
  setCsrf(current.user ? current.csrf : null);
  for (const fn of listeners) fn(user());
}

// Ask the server; a server that cannot be reached leaves a visitor.
export async function loadSession() {
  try {
    setSession(await api.session());
  } catch {
    setSession(null);
  }
  return user();
}

// The account page's address for a route ('login', 'register', 'profile'),
// remembering an open parcel to come back to after logging in.
export function accountHref(route, parcelId) {
  const back = parcelId && /^\d+$/.test(String(parcelId)) ? `?parcel=${parcelId}` : '';
  return `account.html${back}#/${route}`;
}

// Keep the header's account link in step with the session and language;
// parcelId() tells the parcel to come back to, when there is one. Returns
// the function that redraws it (for when that parcel changes).
export function wireAccountLink(a, parcelId = () => null) {
  const draw = () => {
    const u = user();
    a.textContent = u ? u.name : t('account.login');
    a.href = u ? accountHref('profile') : accountHref('login', parcelId());
    for (const name of ['aria-label', 'title']) {
      if (u) a.setAttribute(name, t('account.profileOf', { name: u.name }));
      else a.removeAttribute(name);
    }
  };
  onSession(draw);
  onLanguage(draw);
  draw();
  return draw;
}

// ------------------------------------------------------------ unread badge

let unread = null; // the inbox's unread count, null when not known
let unreadAt = 0;
const unreadListeners = [];

export function unreadCount() {
  return unread;
}

export function onUnread(fn) {
  unreadListeners.push(fn);
}

export function setUnread(n) {
  unread = Number.isInteger(n) ? n : null;
  unreadAt = Date.now();
  for (const fn of unreadListeners) fn(unread);
}

// Ask the server how many notifications are unread.
export async function refreshUnread() {
  if (!user()) {
    setUnread(null);
    return;
  }
  try {
    setUnread((await api.inbox({ unread: true, limit: 1 })).unread);
  } catch {
    setUnread(null); // the badge waits for a better moment
  }
}

const SVG = 'http://www.w3.org/2000/svg';

function bell() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '22');
  svg.setAttribute('height', '22');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', 'M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1z');
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

// The header's inbox link (hidden for a visitor), with its unread badge.
// Its name is its text: "Notifications" and, for screen readers only, "(3
// unread)" (the badge shows the number; on a phone the word is out of sight,
// not out of the name).
export function wireInboxLink(a) {
  const label = document.createElement('span');
  label.className = 'inbox-label';
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.setAttribute('aria-hidden', 'true');
  const unreadWord = document.createElement('span');
  unreadWord.className = 'sr-only';
  const word = document.createTextNode('');
  label.append(word, unreadWord);
  a.replaceChildren(bell(), label, badge);
  const draw = () => {
    a.hidden = !user();
    word.data = t('inbox.link');
    badge.textContent = unread ? String(unread > 99 ? '99+' : unread) : '';
    badge.hidden = !unread;
    unreadWord.textContent = unread ? t('inbox.unreadSr', { n: unread }) : '';
    a.title = t('inbox.link');
  };
  let had = user()?.id ?? null;
  onSession((u) => {
    if ((u?.id ?? null) !== had) {
      had = u?.id ?? null;
      refreshUnread();
    }
    draw();
  });
  onUnread(draw);
  onLanguage(draw);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && user() && Date.now() - unreadAt > 60_000) refreshUnread();
  });
  draw();
  if (user()) refreshUnread();
}
