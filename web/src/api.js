// api — the calls the page makes to `lis serve`, and its errors.
//
// The server answers failures as RFC 9457 application/problem+json with a
// type such as "/problems/not-found"; ApiError keeps the last part of that
// type as `kind` so the page can say it in the visitor's language, and the
// whole problem document (`problem`: invalid_params, resets_at, ...) and a
// Retry-After header in seconds (`retryAfter`).
//
// The session is the server's HttpOnly cookie, which the browser sends by
// itself; every POST, PATCH and DELETE also carries the session's CSRF value
// (setCsrf, from GET /api/v1/session or a login) in X-CSRF-Token.
export class ApiError extends Error {
  constructor(status, kind, detail, problem = {}, retryAfter = null) {
    super(detail || kind);
    this.status = status; // 0 when the server could not be reached
    this.kind = kind;     // not-found, no-parcel, outside-province, network, server, ...
    this.detail = detail || '';
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  // [{name, code, reason}] of a 400 invalid-body
  get params() {
    return Array.isArray(this.problem.invalid_params) ? this.problem.invalid_params : [];
  }
}

let csrf = null;

// The CSRF value of the current session (null for a visitor).
export function setCsrf(token) {
  csrf = token || null;
}

async function fail(r) {
  let kind = r.status >= 500 ? 'server' : 'unknown', detail = '', problem = {};
  if ((r.headers.get('content-type') || '').includes('json')) {
    try {
      problem = await r.json();
      if (typeof problem.type === 'string' && problem.type !== 'about:blank') kind = problem.type.split('/').pop() || kind;
      detail = problem.detail || '';
    } catch {
      problem = {}; // not the problem document it claimed to be
    }
  }
  const after = Number.parseInt(r.headers.get('retry-after') || '', 10);
  return new ApiError(r.status, kind, detail, problem, Number.isFinite(after) ? after : null);
}

// fetch with our errors: the answer when it is 2xx, else an ApiError.
async function call(method, path, { body, signal, cache } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let r;
  try {
    r = await fetch(path, {
      method, headers, signal, cache, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', String(e.message || e));
  }
  if (!r.ok) throw await fail(r);
  return r;
}

async function json(method, path, o) {
  const r = await call(method, path, o);
  return r.status === 204 ? null : r.json();
}

export const getJSON = (path, o) => json('GET', path, o);

const q = (params) => new URLSearchParams(
  Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ''),
).toString();

const parcelPath = (id) => `/api/v1/parcels/${encodeURIComponent(id)}`;

export const api = {
  communes: () => getJSON('/api/v1/communes'),
  at: (lon, lat, o) => getJSON(`/api/v1/parcels/at?${q({ lon, lat })}`, o),
  search: (params, o) => getJSON(`/api/v1/parcels/search?${q(params)}`, o),
  // The parcel in the caller's view (basic, or detailed/full with a
  // session), or a lower one with view: 'basic'. Revalidated every time:
  // the same address answers differently once logged in.
  parcel: (id, { view, ...o } = {}) => getJSON(`${parcelPath(id)}?${q({ geometry: true, view })}`, { ...o, cache: 'no-cache' }),
  planning: (id, o) => getJSON(`${parcelPath(id)}/planning`, o),
  neighbours: (id, o) => getJSON(`${parcelPath(id)}/neighbours`, o),
  tileJSON: (layer) => getJSON(`/tiles/${encodeURIComponent(layer)}.json`),

  session: () => getJSON('/api/v1/session', { cache: 'no-store' }),
  register: (body) => json('POST', '/api/v1/account', { body }),
  login: (body) => json('POST', '/api/v1/session', { body }),
  logout: () => json('DELETE', '/api/v1/session'),
  logoutEverywhere: () => json('DELETE', '/api/v1/sessions'),
  me: () => getJSON('/api/v1/me', { cache: 'no-store' }),
  updateMe: (body) => json('PATCH', '/api/v1/me', { body }),
  changePassword: (body) => json('POST', '/api/v1/me/password', { body }),
  closeAccount: (body) => json('DELETE', '/api/v1/me', { body }),
  askResetCode: (body) => json('POST', '/api/v1/password-reset', { body }),
  askPhoneCode: (body) => json('POST', '/api/v1/account/code', { body }),
  resetPassword: (body) => json('POST', '/api/v1/password-reset/confirm', { body }),
  // The export as { blob, filename } (the server's attachment name, if any).
  exportData: () => download('/api/v1/me/export', 'lis-my-data.json'),

  plans: () => getJSON('/api/v1/plans', { cache: 'no-cache' }),
  notices: (params = {}) => getJSON(`/api/v1/notices?${q(params)}`, { cache: 'no-cache' }),
  inbox: (params = {}) => getJSON(`/api/v1/me/notifications?${q(params)}`, { cache: 'no-store' }),
  markRead: (id) => json('POST', `/api/v1/me/notifications/${encodeURIComponent(id)}/read`),
  markAllRead: () => json('POST', '/api/v1/me/notifications/read'),
  watches: () => getJSON('/api/v1/me/watches', { cache: 'no-store' }),
  watch: (id) => json('PUT', `/api/v1/me/watches/${encodeURIComponent(id)}`),
  unwatch: (id) => json('DELETE', `/api/v1/me/watches/${encodeURIComponent(id)}`),
  myUpgrades: () => getJSON('/api/v1/me/upgrades', { cache: 'no-store' }),
  askUpgrade: (body) => json('POST', '/api/v1/me/upgrades', { body }),
  myAccess: (params = {}) => getJSON(`/api/v1/me/access?${q(params)}`, { cache: 'no-store' }),

  tickets: (params = {}) => getJSON(`/api/v1/tickets?${q(params)}`, { cache: 'no-store' }),
  ticket: (id) => getJSON(`/api/v1/tickets/${encodeURIComponent(id)}`, { cache: 'no-store' }),
  fileTicket: (body) => json('POST', '/api/v1/tickets', { body }),
  writeTicket: (id, body) => json('POST', `/api/v1/tickets/${encodeURIComponent(id)}/messages`, { body }),
  changeTicket: (id, body) => json('PATCH', `/api/v1/tickets/${encodeURIComponent(id)}`, { body }),
  notify: (body) => json('POST', '/api/v1/notifications', { body }),

  customers: (params = {}) => getJSON(`/api/v1/admin/users?${q(params)}`, { cache: 'no-store' }),
  customer: (id) => getJSON(`/api/v1/admin/users/${encodeURIComponent(id)}`, { cache: 'no-store' }),
  changeCustomer: (id, body) => json('PATCH', `/api/v1/admin/users/${encodeURIComponent(id)}`, { body }),
  putPlan: (code, body) => json('PUT', `/api/v1/admin/plans/${encodeURIComponent(code)}`, { body }),
  upgrades: (params = {}) => getJSON(`/api/v1/admin/upgrades?${q(params)}`, { cache: 'no-store' }),
  decideUpgrade: (id, body) => json('POST', `/api/v1/admin/upgrades/${encodeURIComponent(id)}`, { body }),
  audit: (params = {}) => getJSON(`/api/v1/admin/audit?${q(params)}`, { cache: 'no-store' }),
  disclosures: (params = {}) => getJSON(`/api/v1/admin/disclosures?${q(params)}`, { cache: 'no-store' }),
  recordDisclosure: (body) => json('POST', '/api/v1/admin/disclosures', { body }),
  exportDisclosure: (id) => download(`/api/v1/admin/disclosures/${encodeURIComponent(id)}/export`, `lis-disclosure-${id}.txt`),
};

// A file the server sends as an attachment: { blob, filename } (the
// server's name for it, else fallback).
async function download(path, fallback) {
  const r = await call('GET', path, { cache: 'no-store' });
  const cd = r.headers.get('content-disposition') || '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  return { blob: await r.blob(), filename: m ? decodeURIComponent(m[1]) : fallback };
}
