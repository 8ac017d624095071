// session — who is using the page, shared by every page: asked once at
// start (GET /api/v1/session), replaced by a login, a registration or a
// password change, cleared by a logout. Keeps the session's CSRF value in
// api.js. The header's account link shows the logged-in name (to the
// profile) or "Log in".
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
