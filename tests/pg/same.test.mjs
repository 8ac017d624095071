// same — the PostgreSQL backend answers exactly like the SQLite one.
//
// One demo store (SQLite) is copied into a fresh PostgreSQL database with
// `lis copy`; a `lis serve` runs on each, and every JSON answer of a long list
// of requests (reference data, map clicks at each sampled parcel's own point,
// lookups by key and by national id, searches by words and prefixes, parcels
// with geometry, planning and neighbours, OGC items) must be the same, byte
// for byte, after parsing. Lists the API leaves unordered are compared as sets.
//
// LIS_PG_URL: postgres://user@host:port/ of a server we may create databases on
// (tests/pg/run.sh starts one).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, LIS_BIN, geohashDecode, fold } from '../api/helper.mjs';
import { pgDatabase } from './pg.mjs';

const PG = process.env.LIS_PG_URL;

// Lists whose order the API does not promise: compare sorted.
function canon(path, doc) {
  if (path.startsWith('/api/v1/parcels/at') && doc && Array.isArray(doc.parcels)) {
    doc.parcels.sort((a, b) => a.id - b.id);
  }
  return doc;
}

describe('same answers on SQLite and PostgreSQL', { skip: !PG && 'LIS_PG_URL not set' }, () => {
  let work, sq, pg, urls = [];
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lis-pg-same-'));
    const dir = join(work, 'store');
    execFileSync(LIS_BIN, ['demo', '--parcels', '3000', '--seed', '11', '--out', dir],
      { stdio: ['ignore', 'ignore', 'inherit'] });
    const url = pgDatabase(`lis_same_${process.pid}`);
    execFileSync(LIS_BIN, ['copy', '--from', dir, '--to', url], { stdio: ['ignore', 'ignore', 'inherit'] });
    sq = await startServer({ data: dir });
    pg = await startServer({ data: url });

    // The requests: sampled from the SQLite side's own answers.
    urls = ['/api/v1/communes', '/api/v1/communes?geometry=true', '/api/v1/land-use-codes'];
    const communes = (await (await fetch(`${sq.base}/api/v1/communes`)).json()).communes;
    for (const c of communes.slice(0, 12)) {
      urls.push(`/api/v1/parcels?commune=${c.code}&limit=100`);
      urls.push(`/api/v1/parcels?commune=${c.code}&sheet=1&limit=50`);
      urls.push(`/api/v1/parcels/search?q=${encodeURIComponent(c.name)}&limit=20`);
      urls.push(`/api/v1/parcels/search?q=${encodeURIComponent(fold(c.name).slice(0, 4))}&limit=20`);
    }
    const sample = [];
    for (const c of communes.slice(0, 30)) {
      const r = await (await fetch(`${sq.base}/api/v1/parcels?commune=${c.code}&limit=5`)).json();
      sample.push(...(r.parcels || []));
    }
    for (const p of sample) {
      const [lon, lat] = geohashDecode(p.national_id);
      urls.push(`/api/v1/parcels/at?lon=${lon.toFixed(7)}&lat=${lat.toFixed(7)}`);
      urls.push(`/api/v1/parcels/at?lon=${lon.toFixed(7)}&lat=${lat.toFixed(7)}&geometry=true`);
      urls.push(`/api/v1/parcels/${p.id}`, `/api/v1/parcels/${p.id}?geometry=true`);
      urls.push(`/api/v1/parcels/${p.id}/planning`, `/api/v1/parcels/${p.id}/neighbours`);
      urls.push(`/api/v1/parcels/search?q=${p.national_id}`);
      urls.push(`/api/v1/parcels?commune=${p.survey_commune}&sheet=${encodeURIComponent(p.sheet)}&number=${encodeURIComponent(p.number)}`);
      if (p.address) {
        const words = fold(p.address).split(' ');
        urls.push(`/api/v1/parcels/search?q=${encodeURIComponent(words.slice(0, 2).join(' '))}&limit=50`);
        urls.push(`/api/v1/parcels/search?q=${encodeURIComponent(words.map((w) => w.slice(0, 2)).join(' '))}&limit=50`);
      }
    }
    urls.push('/api/v1/parcels/search?q=zzzzqq', '/api/v1/parcels/at?lon=105.0&lat=10.0',
      '/api/v1/parcels/999999999', '/api/v1/parcels/search?q=');
    // OGC items pages (keyset order by id), when the server has them
    urls.push('/ogc/collections/parcels/items?limit=50', '/ogc/collections/parcels/items?limit=50&bbox=106.7,21.8,106.8,21.9');
  });
  after(async () => {
    await sq?.stop();
    await pg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('every answer is the same', async () => {
    assert.ok(urls.length > 300, `${urls.length} requests`);
    let compared = 0;
    const differ = [];
    for (const u of urls) {
      const [a, b] = await Promise.all([fetch(sq.base + u), fetch(pg.base + u)]);
      // links name the server they came from
      const ta = (await a.text()).replaceAll(`:${sq.port}/`, ':PORT/');
      const tb = (await b.text()).replaceAll(`:${pg.port}/`, ':PORT/');
      if (a.status !== b.status) { differ.push(`${u}: status ${a.status} vs ${b.status}`); continue; }
      let ja, jb;
      try { ja = JSON.parse(ta); jb = JSON.parse(tb); } catch { ja = ta; jb = tb; }
      try {
        assert.deepStrictEqual(canon(u, jb), canon(u, ja));
        compared++;
      } catch {
        differ.push(`${u}:\n  sqlite ${ta.slice(0, 300)}\n  postgres ${tb.slice(0, 300)}`);
      }
    }
    assert.deepEqual(differ.slice(0, 10), [], `${differ.length} of ${urls.length} differ`);
    assert.ok(compared > 300);
  });
});
