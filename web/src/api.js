// api — the few calls the page makes to `lis serve`, and its errors.
//
// The server answers failures as RFC 9457 application/problem+json with a
// type such as "/problems/not-found"; ApiError keeps the last part of that
// type as `kind` so the page can say it in the visitor's language.
export class ApiError extends Error {
  constructor(status, kind, detail) {
    super(detail || kind);
    this.status = status; // 0 when the server could not be reached
    this.kind = kind;     // not-found, no-parcel, outside-province, network, server, ...
    this.detail = detail || '';
  }
}

export async function getJSON(path, { signal } = {}) {
  let r;
  try {
    r = await fetch(path, { headers: { Accept: 'application/json' }, signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', String(e.message || e));
  }
  if (r.ok) return r.json();
  let kind = r.status >= 500 ? 'server' : 'unknown', detail = '';
  if ((r.headers.get('content-type') || '').includes('json')) {
    try {
      const p = await r.json();
      if (typeof p.type === 'string' && p.type !== 'about:blank') kind = p.type.split('/').pop() || kind;
      detail = p.detail || '';
    } catch {
      // not the problem document it claimed to be
    }
  }
  throw new ApiError(r.status, kind, detail);
}

const q = (params) => new URLSearchParams(
  Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ''),
).toString();

export const api = {
  communes: () => getJSON('/api/v1/communes'),
  at: (lon, lat, o) => getJSON(`/api/v1/parcels/at?${q({ lon, lat })}`, o),
  search: (params, o) => getJSON(`/api/v1/parcels/search?${q(params)}`, o),
  parcel: (id, o) => getJSON(`/api/v1/parcels/${encodeURIComponent(id)}?geometry=true`, o),
  planning: (id, o) => getJSON(`/api/v1/parcels/${encodeURIComponent(id)}/planning`, o),
  neighbours: (id, o) => getJSON(`/api/v1/parcels/${encodeURIComponent(id)}/neighbours`, o),
  tileJSON: (layer) => getJSON(`/tiles/${encodeURIComponent(layer)}.json`),
};
