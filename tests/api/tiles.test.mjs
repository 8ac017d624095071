// Vector tiles: /tiles/{layer}/{z}/{x}/{y}.mvt and /tiles/{layer}.json.
//
// Tiles are read back with GDAL's MVT driver (ogr2ogr, as any GIS user
// would) and compared with what the API says of the same parcels; the HTTP
// side (gzip, ETag/304, Cache-Control, 204, errors) with raw requests; the
// cache with its X-Cache header: concurrent misses of one tile build it once,
// and an import by another process drops exactly the tiles it touched.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, copyStore, raw, gunzip, geohashDecode, LIS_BIN } from './helper.mjs';

const R = 6378137;
const HALF = Math.PI * R;
const merc = ([lon, lat]) => [R * lon * Math.PI / 180, R * Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360))];
const lonlat = ([x, y]) => [x / R * 180 / Math.PI, (2 * Math.atan(Math.exp(y / R)) - Math.PI / 2) * 180 / Math.PI];

function tileOf([lon, lat], z) {
  const n = 2 ** z;
  const x = Math.floor((lon + 180) / 360 * n);
  const y = Math.floor((1 - Math.asinh(Math.tan(lat * Math.PI / 180)) / Math.PI) / 2 * n);
  return [z, x, y];
}

// EPSG:3857 bounds {minx, miny, maxx, maxy} of z/x/y, and one tile unit.
function bounds([z, x, y]) {
  const size = 2 * HALF / 2 ** z;
  return { minx: -HALF + x * size, maxx: -HALF + (x + 1) * size, maxy: HALF - y * size,
    miny: HALF - (y + 1) * size, unit: size / 4096 };
}

const ringsOf = (g) => (g.type === 'Polygon' ? g.coordinates : g.type === 'MultiPolygon' ? g.coordinates.flat() : [g.coordinates]);
const pointsOf = (g) => (g.type === 'Point' ? [g.coordinates] : ringsOf(g).flat());
function bboxOf(points) {
  const b = { minx: Infinity, miny: Infinity, maxx: -Infinity, maxy: -Infinity };
  for (const [x, y] of points) {
    b.minx = Math.min(b.minx, x); b.maxx = Math.max(b.maxx, x);
    b.miny = Math.min(b.miny, y); b.maxy = Math.max(b.maxy, y);
  }
  return b;
}

let srv, work;
const P = [];      // parcels of the demo, basic view with geometry
const hasGdal = spawnSync('ogr2ogr', ['--version']).status === 0;

// A tile's layer read by GDAL's MVT driver: GeoJSON features in EPSG:3857.
function readTile(body, [z, x, y], layer) {
  const f = join(work, `${layer}-${z}-${x}-${y}.mvt`);
  writeFileSync(f, body);
  const out = execFileSync('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', f, layer,
    '-oo', `X=${x}`, '-oo', `Y=${y}`, '-oo', `Z=${z}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out).features;
}

async function tile(base, layer, zxy, headers = {}) {
  return raw(base, `/tiles/${layer}/${zxy.join('/')}.mvt`, { headers });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lis-tiles-test-'));
  srv = await startServer({ loops: 2, args: ['--set', 'tile_cache_control=public, max-age=60'] });
  for (const id of [1, 700, 1500, 2400]) {
    const r = await fetch(`${srv.base}/api/v1/parcels/${id}?geometry=true`);
    if (r.status === 200) P.push(await r.json());
  }
  assert.ok(P.length >= 2, 'demo parcels to compare with');
});

after(async () => {
  await srv.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('TileJSON', () => {
  it('describes each tile set', async () => {
    const [lon, lat] = geohashDecode(P[0].national_id);
    for (const [name, layers] of [['parcels', ['parcels']], ['labels', ['labels']],
      ['communes', ['communes', 'commune-labels']], ['planning', ['planning']]]) {
      const r = await fetch(`${srv.base}/tiles/${name}.json`);
      assert.equal(r.status, 200, name);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=60');
      const tj = await r.json();
      assert.equal(tj.tilejson, '3.0.0');
      assert.equal(tj.tiles[0], `http://127.0.0.1:${srv.port}/tiles/${name}/{z}/{x}/{y}.mvt`);
      assert.ok(Number.isInteger(tj.minzoom) && tj.maxzoom > tj.minzoom, name);
      assert.deepEqual(tj.vector_layers.map((l) => l.id), layers);
      assert.ok(tj.bounds[0] < lon && lon < tj.bounds[2] && tj.bounds[1] < lat && lat < tj.bounds[3]);
    }
    const tj = await (await fetch(`${srv.base}/tiles/parcels.json`)).json();
    assert.equal(tj.minzoom, 14);
    assert.deepEqual(Object.keys(tj.vector_layers[0].fields).sort(),
      ['area', 'id', 'land_use', 'national_id', 'number', 'sheet']);
    const bad = await fetch(`${srv.base}/tiles/roads.json`);
    assert.equal(bad.status, 404);
    assert.match(bad.headers.get('content-type'), /problem\+json/);
  });
});

describe('parcel tiles read by GDAL', { skip: !hasGdal && 'ogr2ogr is not installed' }, () => {
  for (const z of [14, 16, 18]) {
    it(`z${z}: every parcel of the area, with the API's attributes and coordinates`, async () => {
      for (const p of P) {
        const zxy = tileOf(geohashDecode(p.national_id), z);
        const b = bounds(zxy);
        const r = await tile(srv.base, 'parcels', zxy);
        assert.equal(r.status, 200);
        const feats = readTile(r.body, zxy, 'parcels');
        const ids = feats.map((f) => f.properties.id);
        assert.equal(new Set(ids).size, ids.length, 'each parcel once');
        const f = feats.find((x) => x.properties.id === p.id);
        assert.ok(f, `parcel ${p.id} in tile ${zxy}`);
        // attributes: the basic view's, integers as integers
        assert.equal(f.properties.national_id, p.national_id);
        assert.equal(f.properties.sheet, p.sheet);
        assert.equal(f.properties.number, p.number);
        assert.equal(f.properties.land_use, p.land_use.map((u) => u.code).join('+'));
        assert.ok(Math.abs(f.properties.area - p.area) < 0.051, `area ${f.properties.area} vs ${p.area}`);
        assert.ok(Number.isInteger(f.properties.id));
        assert.deepEqual(Object.keys(f.properties).filter((k) => k !== 'mvt_id').sort(),
          ['area', 'id', 'land_use', 'national_id', 'number', 'sheet']);
        // coordinates: each vertex of the tile's polygon lies on the grid
        // within a unit of one of the API's vertices (snapped, maybe
        // simplified, never moved), when the parcel lies inside the tile
        const api = ringsOf(p.geometry).flat().map(merc);
        const ab = bboxOf(api);
        if (ab.minx > b.minx && ab.maxx < b.maxx && ab.miny > b.miny && ab.maxy < b.maxy) {
          for (const v of pointsOf(f.geometry)) {
            const d = Math.min(...api.map((a) => Math.hypot(a[0] - v[0], a[1] - v[1])));
            assert.ok(d < 1.01 * b.unit, `vertex ${v} is ${(d / b.unit).toFixed(2)} units off`);
          }
          const tb = bboxOf(pointsOf(f.geometry));
          for (const k of ['minx', 'miny', 'maxx', 'maxy'])
            assert.ok(Math.abs(tb[k] - ab[k]) < 2 * b.unit, `${k} off by ${(tb[k] - ab[k]) / b.unit} units`);
        }
        // completeness against the store, through the OGC API's exact bbox:
        // whatever meets the tile (a little inside its edges) is in it, and
        // nothing in it lies beyond its buffer
        const inset = 8 * b.unit, pad = 65 * b.unit;
        const [w, s] = lonlat([b.minx + inset, b.miny + inset]);
        const [e, n] = lonlat([b.maxx - inset, b.maxy - inset]);
        const inner = await (await fetch(`${srv.base}/ogc/collections/parcels/items?limit=10000&bbox=${w},${s},${e},${n}`)).json();
        const set = new Set(ids);
        for (const g of inner.features) assert.ok(set.has(g.id), `parcel ${g.id} meets tile ${zxy} but is not in it`);
        const [W, S] = lonlat([b.minx - pad, b.miny - pad]);
        const [E, N] = lonlat([b.maxx + pad, b.maxy + pad]);
        const outer = await (await fetch(`${srv.base}/ogc/collections/parcels/items?limit=10000&bbox=${W},${S},${E},${N}`)).json();
        const around = new Set(outer.features.map((g) => g.id));
        for (const id of ids) assert.ok(around.has(id), `parcel ${id} in tile ${zxy} lies beyond its buffer`);
      }
    });
  }

  it('labels: one point per parcel, inside it, in the one tile that holds the point', async () => {
    const p = P[0];
    const [z, x0, y0] = tileOf(geohashDecode(p.national_id), 17);
    const seen = new Map();
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const zxy = [z, x0 + dx, y0 + dy];
        const r = await tile(srv.base, 'labels', zxy);
        if (r.status === 204) continue;
        assert.equal(r.status, 200);
        const b = bounds(zxy);
        for (const f of readTile(r.body, zxy, 'labels')) {
          assert.equal(f.geometry.type, 'Point');
          const [px, py] = f.geometry.coordinates;
          assert.ok(px >= b.minx - b.unit && px <= b.maxx + b.unit && py >= b.miny - b.unit && py <= b.maxy + b.unit,
            `label of ${f.properties.id} drawn outside its tile`);
          assert.ok(!seen.has(f.properties.id), `label of ${f.properties.id} in two tiles`);
          seen.set(f.properties.id, f);
        }
      }
    }
    const f = seen.get(p.id);
    assert.ok(f, `label of parcel ${p.id}`);
    assert.equal(f.properties.number, p.number);
    assert.equal(f.properties.sheet, p.sheet);
    const [gx, gy] = merc(geohashDecode(p.national_id));
    const u = bounds([z, x0, y0]).unit;
    assert.ok(Math.hypot(f.geometry.coordinates[0] - gx, f.geometry.coordinates[1] - gy) < u,
      'the label sits on the parcel\'s point on surface (its national id)');
    // below the labels' zoom: empty by rule
    assert.equal((await tile(srv.base, 'labels', tileOf(geohashDecode(p.national_id), 15))).status, 204);
  });

  it('communes at every zoom, with name points; planning zones', async () => {
    const p = P[0];
    for (const z of [6, 9, 12]) {
      const zxy = tileOf(geohashDecode(p.national_id), z);
      const r = await tile(srv.base, 'communes', zxy);
      assert.equal(r.status, 200);
      const lines = readTile(r.body, zxy, 'communes');
      assert.ok(lines.some((f) => f.properties.code === p.commune.code), `commune ${p.commune.code} at z${z}`);
      for (const f of lines) assert.ok(f.properties.name && f.properties.kind);
      if (z === 9) {
        const names = readTile(r.body, zxy, 'commune-labels');
        assert.ok(names.length > 0 && names.every((f) => f.geometry.type === 'Point' && f.properties.name));
      }
    }
    // generalised for the zoom: the whole province at z6 has far fewer bytes
    // than the sum of its communes' detail at z12
    const planning = await tile(srv.base, 'planning', tileOf(geohashDecode(p.national_id), 10));
    assert.ok([200, 204].includes(planning.status));
    if (planning.status === 200) {
      const zones = readTile(planning.body, tileOf(geohashDecode(p.national_id), 10), 'planning');
      assert.ok(zones.every((f) => Number.isInteger(f.properties.id) && f.properties.land_use && f.properties.plan));
    }
  });
});

describe('tile HTTP', () => {
  it('gzip when accepted, one ETag for both forms, 304, Cache-Control from the settings', async () => {
    const zxy = tileOf(geohashDecode(P[0].national_id), 15);
    const gz = await tile(srv.base, 'parcels', zxy, { 'accept-encoding': 'gzip' });
    const plain = await tile(srv.base, 'parcels', zxy);
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(gz.headers['content-type'], 'application/vnd.mapbox-vector-tile');
    assert.deepEqual(gunzip(gz.body), plain.body);
    assert.ok(gz.body.length < plain.body.length);
    assert.equal(gz.headers.etag, plain.headers.etag);
    assert.match(gz.headers.etag, /^W\/"[0-9a-f]{16}"$/);
    assert.equal(gz.headers['cache-control'], 'public, max-age=60');
    assert.match(gz.headers.vary, /accept-encoding/i);
    const nm = await tile(srv.base, 'parcels', zxy, { 'if-none-match': gz.headers.etag });
    assert.equal(nm.status, 304);
    assert.equal(nm.body.length, 0);
    const other = await tile(srv.base, 'parcels', zxy, { 'if-none-match': 'W/"0000000000000000"' });
    assert.equal(other.status, 200);
    // HEAD: the headers of GET, no body
    const head = await raw(srv.base, `/tiles/parcels/${zxy.join('/')}.mvt`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers.etag, plain.headers.etag);
    assert.equal(head.headers['content-length'], String(plain.body.length));
    // the .mvt suffix is optional (the OpenAPI document's path has none)
    const bare = await raw(srv.base, `/tiles/parcels/${zxy.join('/')}`);
    assert.equal(bare.headers.etag, plain.headers.etag);
  });

  it('empty tiles answer 204; bad layers and tiles are problems', async () => {
    const zxy = tileOf(geohashDecode(P[0].national_id), 13);
    assert.equal((await tile(srv.base, 'parcels', zxy)).status, 204, 'parcels below zoom 14');
    assert.equal((await tile(srv.base, 'parcels', [16, 0, 0])).status, 204, 'far from the province');
    for (const [path, status] of [['/tiles/roads/1/0/0.mvt', 404], ['/tiles/parcels/3/8/1.mvt', 400],
      ['/tiles/parcels/3/1/8.mvt', 400], ['/tiles/parcels/16/1/2.png', 400], ['/tiles/parcels/23/1/2.mvt', 400],
      ['/tiles/parcels/-1/0/0.mvt', 400], ['/tiles/parcels/1/0/0.mvt?x=1', 400]]) {
      const r = await raw(srv.base, path);
      assert.equal(r.status, status, path);
      assert.match(r.headers['content-type'], /problem\+json/, path);
    }
  });

  it('concurrent misses of one tile build it once', async () => {
    const zxy = tileOf(geohashDecode(P[1].national_id), 19);
    const answers = await Promise.all(Array.from({ length: 16 }, () =>
      tile(srv.base, 'parcels', zxy, { connection: 'close' })));
    assert.ok(answers.every((a) => a.status === 200 && a.headers.etag === answers[0].headers.etag));
    assert.equal(answers.filter((a) => a.headers['x-cache'] === 'miss').length, 1,
      answers.map((a) => a.headers['x-cache']).join(','));
  });
});

describe('invalidation', () => {
  it('an import by another process changes the tiles it touches, at every zoom, and no other', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lis-tiles-import-'));
    const data = copyStore(dir);
    const s2 = await startServer({ loops: 2, data });
    try {
      const p = P[0];
      // a parcel whose tiles are far from p's
      const q = P.find((c) => {
        const a = bounds(tileOf(geohashDecode(c.national_id), 14));
        const pb = bboxOf(ringsOf(p.geometry).flat().map(merc));
        return c.id !== p.id && (a.maxx + 100 < pb.minx || a.minx - 100 > pb.maxx || a.maxy + 100 < pb.miny || a.miny - 100 > pb.maxy);
      });
      assert.ok(q, 'a parcel far from the first one');
      const touched = [14, 16, 18].map((z) => tileOf(geohashDecode(p.national_id), z));
      const untouched = [14, 16, 18].map((z) => tileOf(geohashDecode(q.national_id), z));
      const etags = new Map();
      for (const zxy of [...touched, ...untouched]) {
        await tile(s2.base, 'parcels', zxy);
        const again = await tile(s2.base, 'parcels', zxy);
        assert.equal(again.headers['x-cache'], 'hit', `${zxy} cached`);
        etags.set(zxy.join('/'), again.headers.etag);
      }

      const use = p.land_use.some((u) => u.code === 'CLN') ? 'HNK' : 'CLN';
      const src = join(dir, 'change.geojson');
      writeFileSync(src, JSON.stringify({ type: 'FeatureCollection', features: [{
        type: 'Feature', geometry: p.geometry,
        properties: { commune: p.commune_of_survey.code, sheet: p.sheet, number: p.number, land_use: use,
          area: p.area, address: p.address },
      }] }));
      const r = spawnSync(LIS_BIN, ['import', src, '--data', data, '--report', join(dir, 'report.csv')],
        { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);

      for (const zxy of touched) {
        const deadline = Date.now() + 8000;
        let now;
        for (;;) {
          now = await tile(s2.base, 'parcels', zxy, { connection: 'close' });
          if (now.headers.etag !== etags.get(zxy.join('/')) || Date.now() > deadline) break;
          await new Promise((ok) => setTimeout(ok, 200));
        }
        assert.notEqual(now.headers.etag, etags.get(zxy.join('/')), `tile ${zxy} changed`);
        const f = readTile(now.body, zxy, 'parcels').find((x) => x.properties.id === p.id);
        assert.equal(f.properties.land_use, use, `tile ${zxy} shows the new land use`);
      }
      for (const zxy of untouched) {
        const now = await tile(s2.base, 'parcels', zxy);
        assert.equal(now.headers.etag, etags.get(zxy.join('/')), `tile ${zxy} kept its ETag`);
        assert.equal(now.headers['x-cache'], 'hit', `tile ${zxy} stayed cached`);
      }
    } finally {
      const { code } = await s2.stop();
      rmSync(dir, { recursive: true, force: true });
      assert.equal(code, 0);
    }
  });
});
