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
