// Parcel and label tiles are made from the map-click index (land/clickindex)
// once it is ready, and from the store before: both must draw the same
// features. The index keeps outlines as float offsets from each parcel's
// corner (well under a millimetre from the store's doubles), so a vertex may
// land one tile unit apart after snapping and simplification may keep another
// vertex; ids, attributes, geometry types and each feature's extent must
// agree (the extent within a unit or two), and labels exactly.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, geohashDecode, demoStore, raw, gunzip } from './helper.mjs';

function tileOf([lon, lat], z) {
  const n = 2 ** z;
  const x = Math.floor((lon + 180) / 360 * n);
  const y = Math.floor((1 - Math.asinh(Math.tan(lat * Math.PI / 180)) / Math.PI) / 2 * n);
  return [z, x, y];
}

// ------------------------------------------------ a small MVT 2.1 reader

function reader(buf) {
  let at = 0;
  const varint = () => {
    let v = 0, mul = 1, b;
    do {
      b = buf[at++];
      v += (b & 0x7f) * mul;
      mul *= 128;
    } while (b & 0x80);
    return v;
  };
  return {
    more: () => at < buf.length,
    varint,
    // [field, wire type, value]: value is a number (varint), a Buffer (length-delimited) or a Buffer of 4/8 bytes
    next() {
      const key = varint();
      const field = Math.floor(key / 8), wt = key & 7;
      if (wt === 0) return [field, wt, varint()];
      const n = wt === 1 ? 8 : wt === 5 ? 4 : varint();
      const v = buf.subarray(at, at + n);
      at += n;
      return [field, wt, v];
    },
  };
}

function packed(b) {
  const r = reader(b), out = [];
  while (r.more()) out.push(r.varint());
  return out;
}

function value(b) {
  const r = reader(b);
  const [f, , v] = r.next();
  switch (f) {
    case 1: return v.toString('utf8');
    case 2: return v.readFloatLE(0);
    case 3: return v.readDoubleLE(0);
    case 4: case 5: return v;
    case 6: return v % 2 ? -(v + 1) / 2 : v / 2;
    case 7: return !!v;
    default: throw new Error(`value field ${f}`);
  }
}

const zz = (n) => (n % 2 ? -(n + 1) / 2 : n / 2);

// Vertices of a geometry command stream, in tile units.
function vertices(cmds) {
  const pts = [];
  let x = 0, y = 0;
  for (let i = 0; i < cmds.length;) {
    const id = cmds[i] & 7, count = cmds[i] >>> 3;
    i++;
    if (id === 7) continue;
    for (let k = 0; k < count; k++) {
      x += zz(cmds[i++]);
      y += zz(cmds[i++]);
      pts.push([x, y]);
    }
  }
  return pts;
}

// {layer name: Map(id -> {type, attrs, box})}
function decode(body) {
  const layers = {};
  const t = reader(body);
  while (t.more()) {
    const [f, , lb] = t.next();
    if (f !== 3) continue;
    const l = reader(lb);
    let name = '';
    const keys = [], values = [], feats = [];
    while (l.more()) {
      const [lf, , v] = l.next();
      if (lf === 1) name = v.toString('utf8');
      else if (lf === 2) feats.push(v);
      else if (lf === 3) keys.push(v.toString('utf8'));
      else if (lf === 4) values.push(value(v));
    }
    const out = new Map();
    for (const fb of feats) {
      const r = reader(fb);
      const feat = { id: 0, type: 0, attrs: {}, box: null };
      let tags = [];
      while (r.more()) {
        const [ff, , v] = r.next();
        if (ff === 1) feat.id = v;
        else if (ff === 2) tags = packed(v);
        else if (ff === 3) feat.type = v;
        else if (ff === 4) {
          const pts = vertices(packed(v));
          feat.box = [Math.min(...pts.map((p) => p[0])), Math.min(...pts.map((p) => p[1])),
            Math.max(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[1]))];
        }
      }
      for (let i = 0; i < tags.length; i += 2) feat.attrs[keys[tags[i]]] = values[tags[i + 1]];
      assert.ok(!out.has(feat.id), `feature ${feat.id} once in ${name}`);
      out.set(feat.id, feat);
    }
    layers[name] = out;
  }
  return layers;
}

async function getTile(base, layer, zxy) {
  const r = await raw(base, `/tiles/${layer}/${zxy.join('/')}.mvt`, { headers: { 'accept-encoding': 'gzip' } });
  assert.ok(r.status === 200 || r.status === 204, `${layer}/${zxy}: ${r.status}`);
  if (r.status === 204) return {};
  return decode(r.headers['content-encoding'] === 'gzip' ? gunzip(r.body) : r.body);
}

it('parcel and label tiles draw the same features from the click index as from the store', async () => {
  const data = demoStore();
  const cacheOff = ['--set', 'tile_cache_mb=0'];
  const on = await startServer({ loops: 1, data, args: cacheOff });
  const off = await startServer({ loops: 1, data, args: [...cacheOff, '--set', 'click_index=off'] });
  try {
    for (let i = 0; i < 100 && !/click index: \d+ parcels/.test(on.stderr()); i++)
      await new Promise((ok) => setTimeout(ok, 100));
    assert.match(on.stderr(), /click index: \d+ parcels/, 'the index was built');
    const page = await (await fetch(`${off.base}/api/v1/parcels/search?q=1&limit=50`)).json();
    const points = page.parcels.map((p) => geohashDecode(p.national_id));
    assert.ok(points.length >= 10);
    const tiles = new Set();
    for (const pt of points.slice(0, 12)) {
      for (const z of [14, 16, 18, 20]) tiles.add(`parcels/${tileOf(pt, z).join('/')}`);
      for (const z of [16, 18, 20]) tiles.add(`labels/${tileOf(pt, z).join('/')}`);
    }
    let features = 0;
    for (const key of tiles) {
      const [set, ...zxy] = key.split('/');
      const a = await getTile(on.base, set, zxy.map(Number));
      const b = await getTile(off.base, set, zxy.map(Number));
      assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), key);
      for (const name of Object.keys(b)) {
        const fa = a[name], fb = b[name];
        assert.deepEqual([...fa.keys()].sort((p, q) => p - q), [...fb.keys()].sort((p, q) => p - q),
          `${key}: the same features`);
        for (const [id, f] of fb) {
          const g = fa.get(id);
          assert.deepEqual(g.attrs, f.attrs, `${key} #${id}: attributes`);
          assert.equal(g.type, f.type, `${key} #${id}: geometry type`);
          const tol = set === 'labels' ? 0 : 2;
          for (let k = 0; k < 4; k++)
            assert.ok(Math.abs(g.box[k] - f.box[k]) <= tol, `${key} #${id}: extent ${g.box} vs ${f.box}`);
          features++;
        }
      }
    }
    assert.ok(features > 100, `features compared: ${features}`);
  } finally {
    assert.equal((await on.stop()).code, 0);
    assert.equal((await off.stop()).code, 0);
  }
});
