// OGC API – Features under /ogc, used as a GIS user would: GDAL's OAPIF
// client lists the collections and downloads a bbox of parcels (ogr2ogr),
// which must be exactly the store's parcels meeting that box (GDAL itself
// filters a full download of the collection the same way); plus the
// documents, paging by `next` links, single features against the public
// API, HTML, streaming and the errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, raw, geohashDecode } from './helper.mjs';

const CONF = 'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/';
let srv, work, parcels;
const hasOapif = (() => {
  const r = spawnSync('ogrinfo', ['--formats'], { encoding: 'utf8' });
  return r.status === 0 && /OAPIF/.test(r.stdout);
})();

const get = async (path, headers = {}) => {
  const r = await fetch(`${srv.base}${path}`, { headers });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* HTML */ }
  return { status: r.status, headers: r.headers, text, json };
};

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lis-ogc-test-'));
  srv = await startServer({ loops: 2 });
  parcels = (await get('/healthz')).json.store?.parcels ?? (await get('/healthz')).json.parcels;
});

after(async () => {
  await srv.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('documents', () => {
  it('landing page, conformance, collections', async () => {
    const l = await get('/ogc');
    assert.equal(l.status, 200);
    const rels = Object.fromEntries(l.json.links.map((x) => [x.rel, x]));
    for (const rel of ['self', 'service-desc', 'conformance', 'data']) assert.ok(rels[rel], rel);
    assert.equal(rels.data.href, `http://127.0.0.1:${srv.port}/ogc/collections`);
    const api = await get(new URL(rels['service-desc'].href).pathname);
    assert.equal(api.status, 200);
    assert.match(api.json.openapi, /^3\.0\./);
    assert.ok(api.json.paths['/ogc/collections/{collectionId}/items']);

    const c = await get('/ogc/conformance');
    for (const k of ['core', 'geojson', 'html', 'oas30']) assert.ok(c.json.conformsTo.includes(CONF + k), k);

    const cs = await get('/ogc/collections');
    assert.deepEqual(cs.json.collections.map((x) => x.id), ['parcels', 'communes', 'planning-zones']);
    for (const x of cs.json.collections) {
      assert.equal(x.extent.spatial.bbox[0].length, 4);
      assert.ok(x.links.some((k) => k.rel === 'items' && k.type === 'application/geo+json'));
    }
    const one = await get('/ogc/collections/communes');
    assert.equal(one.json.id, 'communes');
    assert.equal((await get('/ogc/collections/roads')).status, 404);
  });

  it('HTML by f=html or by the Accept header of a browser', async () => {
    for (const [path, headers] of [['/ogc?f=html', {}], ['/ogc/collections', { accept: 'text/html,application/xhtml+xml' }],
      ['/ogc/collections/parcels/items?limit=3&f=html', {}], ['/ogc/collections/parcels/items/1', { accept: 'text/html' }]]) {
      const r = await get(path, headers);
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('content-type'), /^text\/html/, path);
      assert.match(r.text, /^<!doctype html>.*<\/html>$/s, path);
    }
    const items = await get('/ogc/collections/parcels/items?limit=3&f=html');
    assert.equal((items.text.match(/<tr><td>/g) || []).length, 3);
    assert.match(items.text, /rel="next"/);
    assert.equal((await get('/ogc?f=xml')).status, 400);
  });
});

describe('items', () => {
  it('a page is GeoJSON, streamed, with a next link until the last', async () => {
    const r = await raw(srv.base, '/ogc/collections/parcels/items?limit=10000');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/geo+json');
    assert.equal(r.headers['transfer-encoding'], 'chunked', 'streamed, not sized whole');
    const doc = JSON.parse(r.body.toString('utf8'));
    assert.equal(doc.type, 'FeatureCollection');
    assert.equal(doc.numberReturned, doc.features.length);
    assert.equal(doc.features.length, Math.min(parcels, 10000));
    assert.ok(!doc.links.some((l) => l.rel === 'next'));
    const head = await raw(srv.base, '/ogc/collections/parcels/items?limit=10000', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-type'], 'application/geo+json');
    assert.equal(head.body.length, 0, 'HEAD: no body');
    const d = await get('/ogc/collections/parcels/items');
    assert.equal(d.json.features.length, 10, 'default limit');
    assert.ok(d.json.links.some((l) => l.rel === 'next'));
  });

  it('keyset paging by next links covers a bbox exactly once', async () => {
    const p = (await get('/api/v1/parcels/1?geometry=true')).json;
    const [lon, lat] = geohashDecode(p.national_id);
    const bbox = [lon - 0.004, lat - 0.003, lon + 0.004, lat + 0.003].join(',');
    const whole = (await get(`/ogc/collections/parcels/items?limit=10000&bbox=${bbox}`)).json;
    assert.ok(whole.features.length > 20, `${whole.features.length} parcels in the box`);
    const ids = [];
    let url = `/ogc/collections/parcels/items?limit=7&bbox=${bbox}`;
    for (let pages = 0; url && pages < 1000; pages++) {
      const page = (await get(url)).json;
      assert.ok(page.features.length <= 7);
      ids.push(...page.features.map((f) => f.id));
      const next = page.links.find((l) => l.rel === 'next');
      url = next ? new URL(next.href).pathname + new URL(next.href).search : null;
    }
    assert.deepEqual(ids, whole.features.map((f) => f.id));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort((a, b) => a - b), ids, 'ordered by id');
  });

  it('a feature is the public API\'s parcel, same coordinates', async () => {
    for (const id of [1, 42, 1000]) {
      const f = await get(`/ogc/collections/parcels/items/${id}`);
      const a = (await get(`/api/v1/parcels/${id}?geometry=true`)).json;
      assert.equal(f.status, 200);
      assert.equal(f.headers.get('content-type'), 'application/geo+json');
      assert.equal(f.json.type, 'Feature');
      assert.equal(f.json.id, id);
      assert.deepEqual(f.json.geometry, a.geometry);
      assert.equal(f.json.properties.national_id, a.national_id);
      assert.equal(f.json.properties.sheet, a.sheet);
      assert.equal(f.json.properties.number, a.number);
      assert.equal(f.json.properties.commune_of_survey, a.commune_of_survey.code);
      assert.equal(f.json.properties.land_use, a.land_use.map((u) => u.code).join('+'));
      assert.ok(f.json.links.some((l) => l.rel === 'collection'));
    }
    const communes = (await get('/ogc/collections/communes/items?limit=100')).json;
    const api = (await get('/api/v1/communes')).json.communes;
    assert.deepEqual(communes.features.map((f) => f.id), api.map((c) => c.code));
    const one = await get(`/ogc/collections/communes/items/${api[0].code}`);
    assert.equal(one.json.properties.name, api[0].name);
    const zones = (await get('/ogc/collections/planning-zones/items?limit=5')).json;
    for (const z of zones.features) {
      const g = await get(`/ogc/collections/planning-zones/items/${z.id}`);
      assert.deepEqual(g.json.geometry, z.geometry);
    }
  });

  it('bad parameters are problems; unknown features 404', async () => {
    for (const [q, status] of [['limit=0', 400], ['limit=10001', 400], ['bbox=1,2,3', 400], ['bbox=3,2,1,4', 400],
      ['bbox=a,b,c,d', 400], ['after=x', 400], ['datetime=2020-01-01', 400]]) {
      const r = await get(`/ogc/collections/parcels/items?${q}`);
      assert.equal(r.status, status, q);
      assert.match(r.headers.get('content-type'), /problem\+json/, q);
    }
    for (const path of ['/ogc/collections/parcels/items/999999999', '/ogc/collections/parcels/items/abc',
      '/ogc/collections/communes/items/00000', '/ogc/collections/planning-zones/items/999999', '/ogc/collections/x/items']) {
      assert.equal((await get(path)).status, 404, path);
    }
  });
});

describe('GDAL\'s OGC API client', { skip: !hasOapif && 'GDAL has no OAPIF driver' }, () => {
  it('ogrinfo lists the collections', () => {
    const out = execFileSync('ogrinfo', ['-ro', '-q', `OAPIF:${srv.base}/ogc`], { encoding: 'utf8' });
    assert.match(out, /1: parcels/);
    assert.match(out, /2: communes/);
    assert.match(out, /3: planning-zones/);
    const info = execFileSync('ogrinfo', ['-ro', '-so', `OAPIF:${srv.base}/ogc`, 'parcels'], { encoding: 'utf8' });
    assert.match(info, /Geometry: Polygon/);
  });

  it('ogr2ogr downloads a bbox of parcels that matches the store', () => {
    const all = join(work, 'all.geojson');
    execFileSync('ogr2ogr', ['-f', 'GeoJSON', all, `OAPIF:${srv.base}/ogc`, 'parcels', '-oo', 'PAGE_SIZE=1000']);
    const every = JSON.parse(readFileSync(all, 'utf8')).features;
    assert.equal(every.length, parcels, 'the whole collection, page by page');
    assert.equal(new Set(every.map((f) => f.properties.id)).size, parcels);

    const p = every.find((f) => f.properties.id === 1); // in town: small lots
    const [lon, lat] = p.geometry.coordinates[0][0];
    const spat = [lon - 0.004, lat - 0.003, lon + 0.004, lat + 0.003].map(String);
    const got = join(work, 'bbox.geojson'), want = join(work, 'want.geojson');
    execFileSync('ogr2ogr', ['-f', 'GeoJSON', got, `OAPIF:${srv.base}/ogc`, 'parcels', '-spat', ...spat]);
    execFileSync('ogr2ogr', ['-f', 'GeoJSON', want, all, '-spat', ...spat]);
    const ids = (f) => JSON.parse(readFileSync(f, 'utf8')).features.map((x) => x.properties.id).sort((a, b) => a - b);
    const g = ids(got), w = ids(want);
    assert.ok(w.length > 10, `${w.length} parcels in the box`);
    assert.deepEqual(g, w);
    // and the server alone (no client-side filter) returns the same set
    const page = JSON.parse(execFileSync('curl', ['-s', `${srv.base}/ogc/collections/parcels/items?limit=10000&bbox=${spat.join(',')}`],
      { encoding: 'utf8', maxBuffer: 64 << 20 }));
    assert.deepEqual(page.features.map((f) => f.id).sort((a, b) => a - b), w);
  });
});
