// Map clicks are answered from an index in memory (land/clickindex) that
// describes one change of the store: a parcel changed while serving shows in
// clicks within a few seconds, the same as every other answer; and the
// answers with the index are byte for byte those of the store.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, geohashDecode, copyStore, demoStore, LIS_BIN } from './helper.mjs';

const at = (base, [lon, lat], extra = '') =>
  fetch(`${base}/api/v1/parcels/at?lon=${lon.toFixed(7)}&lat=${lat.toFixed(7)}${extra}`);

async function clickable(base) {
  const page = await (await fetch(`${base}/api/v1/parcels/search?q=1&limit=50`)).json();
  return page.parcels.map((p) => ({ p, point: geohashDecode(p.national_id) }));
}

it('clicks answer the same bytes with the index as from the store', async () => {
  const data = demoStore();
  const on = await startServer({ loops: 1, data });
  const off = await startServer({ loops: 1, data, args: ['--set', 'click_index=off'] });
  try {
    const points = (await clickable(off.base)).map((c) => c.point);
    assert.ok(points.length >= 20);
    // near misses too: edges, gaps between parcels, the province's outside
    for (const [lon, lat] of points.slice(0, 20))
      points.push([lon + 0.0002, lat - 0.0001], [lon - 0.00005, lat + 0.00015]);
    points.push([100, 10], [106.5, 21.5]);
    await new Promise((ok) => setTimeout(ok, 500)); // the index of a small store is ready by now
    for (const pt of points) {
      for (const extra of ['', '&geometry=true']) {
        const a = await at(on.base, pt, extra), b = await at(off.base, pt, extra);
        assert.equal(a.status, b.status, `${pt}${extra}`);
        assert.equal(await a.text(), await b.text(), `${pt}${extra}`);
      }
    }
  } finally {
    assert.equal((await on.stop()).code, 0);
    assert.equal((await off.stop()).code, 0);
  }
});

it('a parcel re-imported while serving shows in clicks (the index follows the store)', async () => {
  const work = mkdtempSync(join(tmpdir(), 'lis-api-clicks-'));
  const data = copyStore(work);
  const srv = await startServer({ loops: 2, data });
  try {
    const [{ p, point }] = await clickable(srv.base);
    await new Promise((ok) => setTimeout(ok, 500));
    const before = (await (await at(srv.base, point)).json()).parcels.find((x) => x.id === p.id);
    assert.ok(before, 'the parcel is found at its own point');
    const full = await (await fetch(`${srv.base}/api/v1/parcels/${p.id}?geometry=true`)).json();
    const landUse = before.land_use[0].code === 'CLN' ? 'LUK' : 'CLN';

    const src = join(work, 'parcel.json');
    writeFileSync(src, JSON.stringify({ type: 'FeatureCollection', features: [{
      type: 'Feature',
      properties: { commune: p.commune_of_survey.code, sheet: p.sheet, number: p.number,
        land_use: landUse, area: p.area, address: p.address },
      geometry: full.geometry,
    }] }));
    const r = spawnSync(LIS_BIN, ['import', src, '--data', data, '--report',
      join(work, 'report.csv')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);

    // every loop: fresh connections, several answers in a row
    const deadline = Date.now() + 10000;
    let seen = 0;
    while (seen < 6 && Date.now() < deadline) {
      const res = await fetch(`${srv.base}/api/v1/parcels/at?lon=${point[0].toFixed(7)}` +
        `&lat=${point[1].toFixed(7)}`, { headers: { connection: 'close' } });
      const got = (await res.json()).parcels?.find((x) => x.id === p.id);
      if (got && got.version === before.version + 1) {
        assert.equal(got.land_use[0].code, landUse);
        seen++;
      } else {
        seen = 0;
        await new Promise((ok) => setTimeout(ok, 200));
      }
    }
    assert.equal(seen, 6, 'the new version is what every loop answers');
  } finally {
    const { code } = await srv.stop();
    rmSync(work, { recursive: true, force: true });
    assert.equal(code, 0);
  }
});

// An idle loop must not keep the old index alive beside the new one (memory:
// each holds the whole province). Both loops take the index, the store
// changes, only one loop gets requests after that: within a few seconds of
// the new index being ready, one index is left in memory.
it('after a change, no loop keeps the old index, idle or not', async () => {
  const work = mkdtempSync(join(tmpdir(), 'lis-api-clicks-'));
  const data = copyStore(work);
  const srv = await startServer({ loops: 2, data });
  const gauge = async (name) => {
    const text = await (await fetch(`${srv.base}/metrics`)).text();
    const m = text.match(new RegExp(`^${name} (-?\\d+)$`, 'm'));
    return m ? Number(m[1]) : NaN;
  };
  const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
  try {
    const [{ p, point }] = await clickable(srv.base);
    const change0 = (await (await fetch(`${srv.base}/healthz`)).json()).store.change_seq;
    for (let i = 0; i < 100 && (await gauge('lis_click_index_change')) !== change0; i++)
      await sleep(100);
    // fresh connections: both loops answer clicks and take a reference
    for (let i = 0; i < 24; i++) {
      await (await fetch(`${srv.base}/api/v1/parcels/at?lon=${point[0].toFixed(7)}` +
        `&lat=${point[1].toFixed(7)}`, { headers: { connection: 'close' } })).text();
    }
    assert.equal(await gauge('lis_click_indexes'), 1);

    const full = await (await fetch(`${srv.base}/api/v1/parcels/${p.id}?geometry=true`)).json();
    const src = join(work, 'parcel.json');
    writeFileSync(src, JSON.stringify({ type: 'FeatureCollection', features: [{
      type: 'Feature',
      properties: { commune: p.commune_of_survey.code, sheet: p.sheet, number: p.number,
        land_use: p.land_use[0].code === 'CLN' ? 'LUK' : 'CLN', area: p.area,
        address: p.address },
      geometry: full.geometry,
    }] }));
    const r = spawnSync(LIS_BIN, ['import', src, '--data', data, '--report',
      join(work, 'report.csv')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const change1 = (await (await fetch(`${srv.base}/healthz`)).json()).store.change_seq;
    assert.ok(change1 > change0);

    // one keep-alive client: the other loop stays idle from here on
    const deadline = Date.now() + 15000;
    while ((await gauge('lis_click_index_change')) !== change1 && Date.now() < deadline) {
      await (await at(srv.base, point)).text(); // the busy loop asks for the new index
      await sleep(200);
    }
    assert.equal(await gauge('lis_click_index_change'), change1, 'the new index is built');
    await (await at(srv.base, point)).text(); // the busy loop moves to it
    await sleep(2500);                         // the idle loop's tick
    assert.equal(await gauge('lis_click_indexes'), 1, 'the old index is gone');
  } finally {
    const { code } = await srv.stop();
    rmSync(work, { recursive: true, force: true });
    assert.equal(code, 0);
  }
});
