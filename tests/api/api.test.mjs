// The public parcel API against the real `lis serve` over a small demo store.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, raw, gunzip, geohashDecode, fold, demoStore, PG_STORE } from './helper.mjs';

let srv;
const seen = []; // every JSON data answer, walked by the basic-view check at the end

async function get(path, opts = {}) {
  const r = await fetch(srv.base + path, opts);
  const text = await r.text();
  let json = null;
  const ct = r.headers.get('content-type') || '';
  if (ct.includes('json') && text) json = JSON.parse(text);
  // The OpenAPI document and the portal's settings (the land office's public
  // contact) are not parcel data: the basic-view walk leaves them out.
  const notParcelData = ['/api/v1/openapi.json', '/api/v1/portal'];
  if (json && !notParcelData.some((p) => path.startsWith(p))) seen.push({ path, json });
  return { status: r.status, headers: r.headers, text, json };
}

async function problem(path, status, type) {
  const r = await get(path);
  assert.equal(r.status, status, `${path}: ${r.text}`);
  assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
  assert.equal(r.json.status, status);
  assert.equal(typeof r.json.title, 'string');
  assert.equal(typeof r.json.detail, 'string');
  assert.match(r.json.type, /^\/problems\//);
  if (type) assert.equal(r.json.type, `/problems/${type}`, r.json.detail);
  return r.json;
}

// A parcel to work with, found through the search (any address word) and its id.
let P; // the parcel (basic view)
let P_lonlat;

before(async () => {
  srv = await startServer({ loops: 2 });
  const land = await get('/api/v1/parcels/search?q=' + encodeURIComponent('xã') + '&limit=50');
  let list = land.json?.parcels ?? [];
  if (!list.length) {
    const r = await get('/api/v1/parcels/1');
    list = r.status === 200 ? [r.json] : [];
  }
  assert.ok(list.length, 'the demo store has parcels to find');
  // Prefer a parcel with an address, sheet and number.
  P = list.find((p) => p.address) || list[0];
  P_lonlat = geohashDecode(P.national_id);
});

after(async () => {
  if (srv) {
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr());
    assert.doesNotMatch(srv.stderr(), /runtime error|Sanitizer/, 'clean under sanitizers');
  }
});

const BASIC_KEYS = new Set([
  // parcel, basic view (DESIGN §1)
  'view', 'id', 'national_id', 'commune_of_survey', 'commune', 'code', 'name', 'sheet', 'number',
  'area', 'area_map', 'land_use', 'name_vi', 'name_en', 'address', 'version', 'valid_from',
  'geometry', 'type', 'coordinates',
  // lists and paging
  'parcels', 'next', 'more', 'match',
  // planning and neighbours
  'parcel_id', 'planning', 'zone_id', 'plan', 'decision', 'percent', 'neighbours',
  'shared_boundary',
  // reference lists
  'communes', 'kind', 'survey_communes', 'land_use_codes', 'group',
  // health and problems
  'status', 'store', 'crs', 'province', 'planning_zones', 'change_seq', 'title', 'detail',
]);

function walkKeys(v, path, bad) {
  if (Array.isArray(v)) v.forEach((x, i) => walkKeys(x, `${path}[${i}]`, bad));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (!BASIC_KEYS.has(k)) bad.push(`${path}.${k}`);
      walkKeys(x, `${path}.${k}`, bad);
    }
  }
}

function decimals(n) {
  const s = String(n);
  const i = s.indexOf('.');
  return i < 0 || s.includes('e') ? 0 : s.length - i - 1;
}

function eachCoord(g, fn) {
  const walk = (c) => (typeof c[0] === 'number' ? fn(c) : c.forEach(walk));
  walk(g.coordinates);
}

function checkParcel(p) {
  assert.equal(p.view, 'basic');
  assert.equal(typeof p.id, 'number');
  assert.match(p.national_id, /^[0-9b-hjkmnp-z]{12}$/);
  assert.match(p.commune_of_survey.code, /^\w+$/);
  assert.equal(typeof p.commune.name, 'string');
  assert.equal(typeof p.sheet, 'string');
  assert.equal(typeof p.number, 'string');
  assert.ok(p.area === null || decimals(p.area) <= 1, `area ${p.area}`);
  assert.ok(decimals(p.area_map) <= 1, `area_map ${p.area_map}`);
  assert.ok(Array.isArray(p.land_use) && p.land_use.length >= 1);
  for (const u of p.land_use) assert.match(u.code, /^[A-Z]{3}$/);
  assert.equal(typeof p.version, 'number');
  assert.equal(typeof p.valid_from, 'string');
}

describe('reference data', () => {
  it('GET /healthz says ok with the store summary', async () => {
    const r = await get('/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'ok');
    assert.ok(r.json.store.parcels > 0);
    assert.match(r.json.store.crs, /^EPSG:\d+$/);
  });

  it('GET /api/v1/portal gives the page its settings: province, land office, base map', async () => {
    const r = await get('/api/v1/portal');
    assert.equal(r.status, 200);
    assert.equal(r.json.province.name, 'Lạng Sơn');
    assert.equal(r.json.province.crs, 'EPSG:9215');
    assert.match(r.json.office.name_vi, /Văn phòng Đăng ký đất đai/);
    assert.equal(typeof r.json.office.phone, 'string');
    assert.match(r.json.basemap.url, /\{z\}.*\{x\}.*\{y\}/);
  });

  it('the portal settings come from configuration', async () => {
    const s2 = await startServer({ loops: 1, args: ['--set', 'office_phone=0205 3 800 000',
      '--set', 'basemap_url='] });
    try {
      const r = await fetch(s2.base + '/api/v1/portal');
      const j = await r.json();
      assert.equal(j.office.phone, '0205 3 800 000');
      assert.equal(j.basemap.url, '');
    } finally {
      assert.equal((await s2.stop()).code, 0);
    }
  });

  it('GET /api/v1/communes lists units with their communes of survey', async () => {
    const r = await get('/api/v1/communes');
    assert.equal(r.status, 200);
    assert.ok(r.json.communes.length > 0);
    for (const c of r.json.communes) {
      assert.match(c.code, /^\d{5}$/);
      assert.ok(c.name.length > 0);
      assert.ok(['ward', 'commune'].includes(c.kind), c.kind);
      assert.ok(Array.isArray(c.survey_communes));
      assert.equal(c.geometry, undefined);
    }
    assert.ok(r.json.communes.some((c) => c.code === P.commune.code));
  });

  it('GET /api/v1/communes?geometry=true adds GeoJSON in WGS 84', async () => {
    const r = await get('/api/v1/communes?geometry=true');
    assert.equal(r.status, 200);
    const c = r.json.communes[0];
    assert.ok(['Polygon', 'MultiPolygon'].includes(c.geometry.type));
    eachCoord(c.geometry, ([x, y]) => {
      assert.ok(x > 100 && x < 110 && y > 15 && y < 25, `${x},${y}`);
      assert.ok(decimals(x) <= 7 && decimals(y) <= 7);
    });
  });

  it('GET /api/v1/land-use-codes has Vietnamese and English names', async () => {
    const r = await get('/api/v1/land-use-codes');
    assert.equal(r.status, 200);
    const rsx = r.json.land_use_codes.find((u) => u.code === 'RSX');
    assert.ok(rsx && rsx.name_vi && rsx.name_en && rsx.group);
    assert.ok(r.json.land_use_codes.some((u) => u.code === 'ODT'));
  });
});

describe('map clicks: /api/v1/parcels/at', () => {
  it('finds the parcel at its own national-id point', async () => {
    const [lon, lat] = P_lonlat;
    const r = await get(`/api/v1/parcels/at?lon=${lon}&lat=${lat}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.parcels.some((p) => p.id === P.id));
    r.json.parcels.forEach(checkParcel);
    assert.equal(r.json.parcels[0].geometry, undefined, 'no geometry unless asked');
  });

  it('adds geometry when asked', async () => {
    const [lon, lat] = P_lonlat;
    const r = await get(`/api/v1/parcels/at?lon=${lon}&lat=${lat}&geometry=true`);
    assert.equal(r.status, 200);
    assert.ok(['Polygon', 'MultiPolygon'].includes(r.json.parcels[0].geometry.type));
  });

  it('takes easting/northing in the store CRS', async (t) => {
    // The parcel's native bounding box, read from the GeoPackage's R*Tree.
    const gpkg = join(demoStore(), 'land.gpkg');
    const q = PG_STORE
      ? spawnSync('psql', [PG_STORE, '-qAtX', '-F', ' ', '-c',
        `SELECT ST_XMin(geom), ST_XMax(geom), ST_YMin(geom), ST_YMax(geom) FROM land.parcels WHERE id = ${Number(P.id)}`],
      { encoding: 'utf8' })
      : spawnSync('sqlite3', ['-readonly', '-separator', ' ', gpkg,
        `SELECT minx, maxx, miny, maxy FROM rtree_parcels_geom WHERE id = ${Number(P.id)}`],
      { encoding: 'utf8' });
    if (q.status !== 0 || !q.stdout.trim()) return t.skip('no sqlite3 or not a GeoPackage store');
    const [minx, maxx, miny, maxy] = q.stdout.trim().split(' ').map(Number);
    const crs = (await get('/healthz')).json.store.crs;
    let hit = null;
    for (let i = 1; i < 8 && !hit; i++) {
      for (let j = 1; j < 8 && !hit; j++) {
        const e = (minx + ((maxx - minx) * i) / 8).toFixed(3);
        const n = (miny + ((maxy - miny) * j) / 8).toFixed(3);
        const r = await get(`/api/v1/parcels/at?e=${e}&n=${n}&crs=${crs}`);
        assert.ok([200, 404].includes(r.status), r.text);
        if (r.status === 200 && r.json.parcels.some((p) => p.id === P.id)) hit = { e, n };
      }
    }
    assert.ok(hit, 'a point of the parcel\'s box lies in the parcel');
    const again = await get(`/api/v1/parcels/at?e=${hit.e}&n=${hit.n}`);
    assert.ok(again.json.parcels.some((p) => p.id === P.id), 'crs is optional');
    await problem(`/api/v1/parcels/at?e=${hit.e}&n=${hit.n}&crs=EPSG:4326`, 400,
      'invalid-parameter');
    await problem(`/api/v1/parcels/at?e=${hit.e}&n=${hit.n}&crs=%FF`, 400, 'invalid-parameter');
  });

  it('answers 404 outside the province', async () => {
    const d = await problem('/api/v1/parcels/at?lon=105.0&lat=10.0', 404, 'outside-province');
    assert.match(d.detail, /outside/);
    await problem('/api/v1/parcels/at?lon=0&lat=0', 404, 'outside-province');
    await problem('/api/v1/parcels/at?e=1&n=1', 404, 'outside-province');
  });

  it('rejects bad coordinates with 400', async () => {
    await problem('/api/v1/parcels/at?lon=106.7&lat=91', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/at?lon=181&lat=21', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/at?lon=abc&lat=21', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/at?lon=0x10&lat=21', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/at?lon=nan&lat=21', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/at?lon=1e999&lat=21', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/at?lon=&lat=21', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/at?lon=106.7', 400, 'missing-parameter');
    await problem('/api/v1/parcels/at', 400, 'missing-parameter');
    await problem('/api/v1/parcels/at?lon=106.7&lat=21.8&e=1', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/at?lon=106.7&lat=21.8&crs=EPSG:9215', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/at?lon=106.7&lat=21.8&lon=106.8', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/at?lon=106.7&lat=21.8&zoom=3', 400, 'unknown-parameter');
    await problem('/api/v1/parcels/at?lon=106.7&lat=21.8&geometry=maybe', 400, 'invalid-parameter');
  });
});

describe('parcels by identifier, search, id', () => {
  it('GET /api/v1/parcels?commune=&sheet=&number= (commune of survey)', async () => {
    const r = await get(`/api/v1/parcels?commune=${P.commune_of_survey.code}&sheet=${encodeURIComponent(P.sheet)}&number=${encodeURIComponent(P.number)}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.parcels.length, 1);
    assert.equal(r.json.parcels[0].id, P.id);
  });

  it('GET /api/v1/parcels with the current unit may return several', async () => {
    const r = await get(`/api/v1/parcels?commune=${P.commune.code}&sheet=${encodeURIComponent(P.sheet)}&number=${encodeURIComponent(P.number)}`);
    assert.equal(r.status, 200);
    assert.ok(r.json.parcels.some((p) => p.id === P.id));
    for (const p of r.json.parcels) {
      assert.equal(p.sheet, P.sheet);
      assert.equal(p.number, P.number);
    }
  });

  it('GET /api/v1/parcels checks its parameters', async () => {
    await problem('/api/v1/parcels?sheet=1&number=2', 400, 'missing-parameter');
    await problem(`/api/v1/parcels?commune=${P.commune.code}&limit=100000`, 400, 'invalid-parameter');
    await problem(`/api/v1/parcels?commune=${P.commune.code}&limit=0`, 400, 'invalid-parameter');
    await problem('/api/v1/parcels?commune=a%20b', 400, 'invalid-parameter');
    const r = await get(`/api/v1/parcels?commune=${P.commune.code}&limit=3`);
    assert.equal(r.status, 200);
    assert.ok(r.json.parcels.length <= 3);
  });

  it('search "sheet/number" and "tờ S thửa N" find the parcel', async () => {
    for (const q of [`${P.sheet}/${P.number}`, `tờ ${P.sheet} thửa ${P.number}`]) {
      let ids = [];
      let after = 0;
      for (let page = 0; page < 100; page++) {
        const r = await get(`/api/v1/parcels/search?q=${encodeURIComponent(q)}&limit=50${after ? `&after=${after}` : ''}`);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.match, 'sheet_number');
        ids = ids.concat(r.json.parcels.map((p) => p.id));
        if (r.json.next === null) break;
        after = r.json.next;
      }
      assert.ok(ids.includes(P.id), q);
      assert.deepEqual([...ids].sort((a, b) => a - b), ids, 'ordered by id');
    }
    const narrowed = await get(`/api/v1/parcels/search?q=${encodeURIComponent(`${P.sheet}/${P.number}`)}&commune=${P.commune_of_survey.code}`);
    assert.deepEqual(narrowed.json.parcels.map((p) => p.id), [P.id]);
  });

  it('search by national id', async () => {
    const r = await get(`/api/v1/parcels/search?q=${P.national_id.toUpperCase()}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.match, 'national_id');
    assert.deepEqual(r.json.parcels.map((p) => p.id), [P.id]);
  });

  it('search by typed coordinates', async () => {
    const [lon, lat] = P_lonlat;
    const r = await get(`/api/v1/parcels/search?q=${encodeURIComponent(`${lon.toFixed(7)}, ${lat.toFixed(7)}`)}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.parcels.some((p) => p.id === P.id));
  });

  it('search by address words without diacritics pages with a cursor', async () => {
    assert.ok(P.address, 'the demo parcel has an address');
    const q = fold(P.address);
    const ids = [];
    let after = 0;
    for (let page = 0; page < 200; page++) {
      const r = await get(`/api/v1/parcels/search?q=${encodeURIComponent(q)}&limit=7${after ? `&after=${after}` : ''}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.match, 'text');
      assert.ok(r.json.parcels.length <= 7);
      for (const p of r.json.parcels) {
        assert.ok(!ids.includes(p.id), 'no parcel twice');
        if (ids.length) assert.ok(p.id > ids[ids.length - 1], 'ids grow');
        ids.push(p.id);
      }
      if (r.json.next === null) break;
      assert.equal(r.json.next, ids[ids.length - 1]);
      after = r.json.next;
    }
    assert.ok(ids.includes(P.id));
  });

  it('search with diacritics and without finds the same parcels', async () => {
    const name = P.commune.name.replace(/^(Xã|Phường)\s+/u, '');
    const a = await get(`/api/v1/parcels/search?q=${encodeURIComponent(name)}&limit=20`);
    const b = await get(`/api/v1/parcels/search?q=${encodeURIComponent(fold(name))}&limit=20`);
    assert.equal(a.status, 200);
    assert.ok(a.json.parcels.length > 0, name);
    assert.deepEqual(a.json.parcels.map((p) => p.id), b.json.parcels.map((p) => p.id));
  });

  it('search checks its parameters', async () => {
    await problem('/api/v1/parcels/search', 400, 'missing-parameter');
    await problem('/api/v1/parcels/search?q=', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/search?q=%20%20', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/search?q=---', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/search?q=abc&limit=101', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/search?q=abc&after=-1', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/search?q=abc&after=x', 400, 'invalid-parameter');
    await problem(`/api/v1/parcels/search?q=${'a'.repeat(201)}`, 400, 'invalid-parameter');
  });

  it('GET /api/v1/parcels/{id} returns the basic view', async () => {
    const r = await get(`/api/v1/parcels/${P.id}`);
    assert.equal(r.status, 200);
    checkParcel(r.json);
    assert.deepEqual(r.json, P);
  });

  it('GET /api/v1/parcels/{id}?geometry=true returns RFC 7946 GeoJSON, 7 decimals', async () => {
    const r = await get(`/api/v1/parcels/${P.id}?geometry=true`);
    assert.equal(r.status, 200);
    const g = r.json.geometry;
    assert.ok(['Polygon', 'MultiPolygon'].includes(g.type));
    const [lon, lat] = P_lonlat;
    let near = false;
    eachCoord(g, ([x, y]) => {
      assert.ok(decimals(x) <= 7 && decimals(y) <= 7, `${x} ${y}`);
      if (Math.abs(x - lon) < 0.05 && Math.abs(y - lat) < 0.05) near = true;
    });
    assert.ok(near, 'the geometry is where the national id says');
  });

  it('GET /api/v1/parcels/{id} rejects bad ids', async () => {
    await problem('/api/v1/parcels/0', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/-4', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/abc', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/99999999999999999999', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/987654321', 404, 'not-found');
    await problem(`/api/v1/parcels/${P.id}?x=1`, 400, 'unknown-parameter');
    await problem(`/api/v1/parcels/${P.id}/history`, 404, 'not-found');
  });
});

describe('planning and neighbours', () => {
  it('GET /api/v1/parcels/{id}/planning gives m² and % of overlaps', async () => {
    let found = null;
    for (let id = 1; id <= 3000 && !found; id += 7) {
      const r = await get(`/api/v1/parcels/${id}/planning`);
      if (r.status === 404) continue;
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.parcel_id, id);
      if (r.json.planning.length) found = r.json;
    }
    assert.ok(found, 'some parcel overlaps a planning zone');
    let total = 0;
    for (const z of found.planning) {
      assert.ok(z.area > 0 && decimals(z.area) <= 1);
      assert.ok(z.percent > 0 && z.percent <= 100);
      assert.ok(z.land_use.length >= 1);
      total += z.percent;
    }
    assert.ok(total <= 100.5, `overlaps add to ${total}%`);
    await problem('/api/v1/parcels/987654321/planning', 404, 'not-found');
  });

  it('GET /api/v1/parcels/{id}/neighbours share a boundary both ways', async () => {
    const r = await get(`/api/v1/parcels/${P.id}/neighbours`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.neighbours.length > 0);
    for (const n of r.json.neighbours) {
      assert.notEqual(n.id, P.id);
      assert.ok(n.shared_boundary > 0 && decimals(n.shared_boundary) <= 3);
    }
    const other = r.json.neighbours[0];
    const back = await get(`/api/v1/parcels/${other.id}/neighbours`);
    const me = back.json.neighbours.find((n) => n.id === P.id);
    assert.ok(me, 'neighbourhood is symmetric');
    assert.ok(Math.abs(me.shared_boundary - other.shared_boundary) <= 0.01,
      `${me.shared_boundary} vs ${other.shared_boundary}`);
    await problem('/api/v1/parcels/987654321/neighbours', 404, 'not-found');
  });
});

describe('HTTP behaviour', () => {
  it('over-long query strings get 414', async () => {
    await problem(`/api/v1/parcels/search?q=${'a'.repeat(3000)}`, 414, 'uri-too-long');
  });

  it('invalid UTF-8 and malformed escapes get 400', async () => {
    await problem('/api/v1/parcels/search?q=%FF%FE', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/search?q=%C3', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/search?q=ab%2', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/search?q=a%00b', 400, 'invalid-parameter');
    await problem('/api/v1/parcels/search?%FF=1&q=a', 400);
  });

  it('a body on GET gets 413', async () => {
    const r = await raw(srv.base, '/api/v1/land-use-codes', {
      headers: { 'content-type': 'application/json', 'content-length': '13' }, body: '{"a":"hello"}',
    });
    assert.equal(r.status, 413);
    assert.match(r.headers['content-type'], /problem\+json/);
    assert.equal(JSON.parse(r.body).type, '/problems/body-not-allowed');
  });

  it('wrong methods get 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await raw(srv.base, `/api/v1/parcels/${P.id}`, { method });
      assert.equal(r.status, 405);
      assert.match(r.headers.allow, /GET/);
      assert.match(r.headers['content-type'], /problem\+json/);
    }
    const at = await raw(srv.base, '/api/v1/parcels/at?lon=1&lat=1', { method: 'POST' });
    assert.equal(at.status, 405);
    assert.equal(at.headers.allow, 'GET, HEAD');
  });

  it('unknown paths get a 404 problem', async () => {
    await problem('/api/v1/nothing', 404, 'not-found');
    await problem('/api/v2/parcels/1', 404, 'not-found');
    await problem('/nothing-here', 404, 'not-found');
  });

  it('JSON is gzipped when the client accepts it', async () => {
    const r = await raw(srv.base, '/api/v1/communes', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], 'gzip');
    const doc = JSON.parse(gunzip(r.body).toString('utf8'));
    assert.ok(doc.communes.length > 0);
    assert.match(r.headers.vary, /accept-encoding/i);
    const plain = await raw(srv.base, '/api/v1/communes');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(plain.headers.vary, /accept-encoding/i);
    assert.equal(plain.headers.etag, r.headers.etag, 'one weak ETag for both forms');
    assert.deepEqual(JSON.parse(plain.body.toString('utf8')), doc);
  });

  it('public data carries ETag and Cache-Control; If-None-Match gives 304', async () => {
    for (const path of [`/api/v1/parcels/${P.id}`, '/api/v1/land-use-codes',
      `/api/v1/parcels/at?lon=${P_lonlat[0]}&lat=${P_lonlat[1]}`]) {
      const r = await raw(srv.base, path);
      assert.equal(r.status, 200);
      const etag = r.headers.etag;
      assert.match(etag, /^W\/"[0-9a-f]{16}"$/);
      assert.equal(r.headers['cache-control'], 'public, max-age=300');
      const again = await raw(srv.base, path, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      assert.equal(again.body.length, 0);
      assert.equal(again.headers.etag, etag);
      const strong = await raw(srv.base, path, { headers: { 'if-none-match': etag.slice(2) } });
      assert.equal(strong.status, 304, 'weak comparison');
      const list = await raw(srv.base, path, { headers: { 'if-none-match': `"x", ${etag}` } });
      assert.equal(list.status, 304, 'a list of tags');
      const other = await raw(srv.base, path, { headers: { 'if-none-match': 'W/"0000000000000000"' } });
      assert.equal(other.status, 200);
    }
    const h = await raw(srv.base, '/healthz');
    assert.equal(h.headers.etag, undefined);
  });

  it('/metrics counts requests by route and status', async () => {
    const r = await get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/plain/);
    assert.match(r.text, /lis_http_requests_total\{route="\/api\/v1\/parcels\/at",status="200"\} \d+/);
    assert.match(r.text, /lis_http_requests_total\{route="\/api\/v1\/parcels\/at",status="400"\} \d+/);
    assert.match(r.text, /lis_http_request_duration_seconds_bucket\{route="\/healthz",le="\+Inf"\} \d+/);
    assert.match(r.text, /lis_http_request_duration_seconds_count\{route="\/api\/v1\/parcels\/\{id\}"\} \d+/);
    assert.match(r.text, /^lis_parcels \d+$/m);
  });

  it('the access log holds neither client addresses nor query strings', async () => {
    await get(`/api/v1/parcels/at?lon=${P_lonlat[0]}&lat=${P_lonlat[1]}`);
    await new Promise((ok) => setTimeout(ok, 200));
    const log = srv.accessLog();
    assert.match(log, /"GET \/api\/v1\/parcels\/at HTTP\/1\.1" 200/);
    assert.doesNotMatch(log, /127\.0\.0\.1/);
    assert.doesNotMatch(log, /\?/);
    assert.doesNotMatch(log, /lon=/);
  });
});

describe('robustness', () => {
  it('random input never gets a 5xx and never stops the server', async () => {
    let seed = 12345;
    const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const pieces = ['1', '-', '.', 'e', '9999999999999999999999', '0x1f', '%00', '%FF', '%C3%A1',
      '%E1%BB%9D', '/', '%2F', ' ', '+', 'tờ', 'thửa', 'NaN', 'inf', '1e308', '-0', ',', ':',
      'X=', 'Y=', 'u', 'w7g', '%', '%2', '&', '=', '"', "'", '\\', '<', 'Đ'];
    const paths = ['/api/v1/parcels/at', '/api/v1/parcels/search', '/api/v1/parcels',
      '/api/v1/communes', `/api/v1/parcels/${P.id}`, `/api/v1/parcels/${P.id}/planning`,
      `/api/v1/parcels/${P.id}/neighbours`];
    const names = ['lon', 'lat', 'e', 'n', 'crs', 'q', 'commune', 'sheet', 'number', 'limit',
      'after', 'geometry'];
    for (let i = 0; i < 400; i++) {
      const parts = [];
      for (let k = rnd(4); k >= 0; k--) {
        let v = '';
        for (let j = rnd(6); j >= 0; j--) v += pieces[rnd(pieces.length)];
        parts.push(`${names[rnd(names.length)]}=${encodeURI(v).replace(/%25/g, '%')}`);
      }
      const path = `${paths[rnd(paths.length)]}?${parts.join('&')}`;
      const r = await raw(srv.base, path);
      assert.ok(r.status < 500, `${path} -> ${r.status} ${r.body}`);
      const ct = r.headers['content-type'] || '';
      assert.match(ct, /json/, path);
      JSON.parse(r.body.toString('utf8'));
    }
    assert.equal((await get('/healthz')).status, 200);
  });
});

describe('OpenAPI', () => {
  // The route table as the tests know it: method and path, parameters.
  const ROUTES = {
    'GET /api/v1/communes': ['geometry'],
    'GET /api/v1/land-use-codes': [],
    'GET /api/v1/parcels/at': ['lon', 'lat', 'e', 'n', 'crs', 'geometry'],
    'GET /api/v1/parcels/search': ['q', 'commune', 'after', 'limit', 'geometry'],
    'GET /api/v1/parcels': ['commune', 'sheet', 'number', 'limit', 'geometry'],
    'GET /api/v1/parcels/{id}': ['id', 'geometry', 'view'],
    'GET /api/v1/parcels/{id}/planning': ['id'],
    'GET /api/v1/parcels/{id}/neighbours': ['id'],
    'GET /api/v1/session': [],
    'POST /api/v1/session': [],
    'DELETE /api/v1/session': [],
    'DELETE /api/v1/sessions': [],
    'POST /api/v1/account': [],
    'GET /api/v1/me': [],
    'PATCH /api/v1/me': [],
    'DELETE /api/v1/me': [],
    'POST /api/v1/me/password': [],
    'GET /api/v1/me/export': [],
    'GET /api/v1/plans': [],
    'GET /api/v1/me/notifications': ['unread', 'before', 'limit'],
    'POST /api/v1/me/notifications/read': [],
    'POST /api/v1/me/notifications/{id}/read': ['id'],
    'GET /api/v1/notices': ['before', 'limit'],
    'POST /api/v1/notifications': [],
    'GET /api/v1/me/watches': [],
    'PUT /api/v1/me/watches/{id}': ['id'],
    'DELETE /api/v1/me/watches/{id}': ['id'],
    'POST /api/v1/password-reset': [],
    'POST /api/v1/password-reset/confirm': [],
    'POST /api/v1/account/code': [],
    'GET /api/v1/tickets': ['status', 'kind', 'mine', 'before', 'limit'],
    'POST /api/v1/tickets': [],
    'GET /api/v1/tickets/{id}': ['id'],
    'POST /api/v1/tickets/{id}/messages': ['id'],
    'PATCH /api/v1/tickets/{id}': ['id'],
    'GET /api/v1/me/upgrades': [],
    'POST /api/v1/me/upgrades': [],
    'GET /api/v1/me/access': ['before', 'limit'],
    'GET /api/v1/admin/users': ['q', 'role', 'after', 'limit'],
    'GET /api/v1/admin/users/{id}': ['id'],
    'PATCH /api/v1/admin/users/{id}': ['id'],
    'GET /api/v1/admin/audit': ['actor', 'subject', 'action', 'from', 'to', 'before', 'limit'],
    'PUT /api/v1/admin/plans/{code}': ['code'],
    'GET /api/v1/admin/upgrades': ['status', 'before', 'limit'],
    'POST /api/v1/admin/upgrades/{id}': ['id'],
    'GET /api/v1/admin/disclosures': ['subject', 'before', 'limit'],
    'POST /api/v1/admin/disclosures': [],
    'GET /api/v1/admin/disclosures/{id}/export': ['id'],
    'GET /api/v1/openapi.json': [],
    'GET /api/v1/portal': [],
    'GET /healthz': [],
    'GET /metrics': [],
    'GET /tiles/{layer}/{z}/{x}/{y}': ['layer', 'z', 'x', 'y'],
    'GET /tiles/{tileset}': ['tileset'],
    'GET /ogc': ['f'],
    'GET /ogc/conformance': ['f'],
    'GET /ogc/api': [],
    'GET /ogc/collections': ['f'],
    'GET /ogc/collections/{collectionId}': ['collectionId', 'f'],
    'GET /ogc/collections/{collectionId}/items': ['collectionId', 'f', 'bbox', 'limit', 'after'],
    'GET /ogc/collections/{collectionId}/items/{featureId}': ['collectionId', 'featureId', 'f'],
  };

  it('describes every endpoint and exactly its parameters', async () => {
    const r = await get('/api/v1/openapi.json');
    assert.equal(r.status, 200);
    const doc = r.json;
    assert.match(doc.openapi, /^3\.0\./);
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    assert.deepEqual(ops.sort(), Object.keys(ROUTES).sort());
    for (const [route, params] of Object.entries(ROUTES)) {
      const [method, path] = route.split(' ');
      const op = doc.paths[path][method.toLowerCase()];
      assert.ok(op && op.summary && op.responses['200'], route);
      assert.deepEqual(op.parameters.map((p) => p.name).sort(), [...params].sort(), route);
      for (const p of op.parameters) assert.ok(p.schema && p.schema.type, `${route} ${p.name}`);
    }
  });

  it('the server accepts what the document declares and rejects the rest', async () => {
    const doc = (await get('/api/v1/openapi.json')).json;
    for (const [path, item] of Object.entries(doc.paths)) {
      const concrete = path.replace('{id}', String(P.id));
      // An undeclared parameter is refused, whatever the method.
      for (const method of Object.keys(item)) {
        const u = await raw(srv.base, `${concrete}?undeclared=1`, { method: method.toUpperCase() });
        assert.equal(u.status, 400, `${method} ${path}: undeclared parameter`);
      }
      if (!item.get) continue; // the other methods take no query parameters (ROUTES above)
      // Each declared query parameter is known: a malformed value names it.
      for (const p of item.get.parameters.filter((x) => x.in === 'query')) {
        const bad = p.schema.type === 'string' ? '%FF' : 'not-a-number';
        const r = await raw(srv.base, `${concrete}?${p.name}=${bad}`);
        assert.equal(r.status, 400, `${path} ${p.name}`);
        const body = JSON.parse(r.body);
        assert.notEqual(body.type, '/problems/unknown-parameter', `${path} ${p.name}`);
      }
      const required = item.get.parameters.filter((x) => x.required && x.in === 'query');
      if (required.length) {
        const r = await raw(srv.base, concrete);
        assert.equal(r.status, 400, `${path}: required parameters`);
      }
    }
  });
});

describe('basic view only', () => {
  it('no answer holds a field outside the basic view', () => {
    assert.ok(seen.length > 50, `walked ${seen.length} answers`);
    const bad = [];
    for (const { path, json } of seen) walkKeys(json, path, bad);
    assert.deepEqual(bad, []);
  });
});
