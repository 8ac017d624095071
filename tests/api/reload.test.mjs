// A store changed under a running `lis serve` (an import by another process)
// shows in its answers within a few seconds: cached reference data follows
// the store's change counter.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, demoStore, copyStore, LIS_BIN } from './helper.mjs';

it('a commune imported while serving appears in /communes and in ETags', async () => {
  const work = mkdtempSync(join(tmpdir(), 'lis-api-reload-'));
  const data = copyStore(work);
  const srv = await startServer({ loops: 2, data });
  try {
    const before = await fetch(`${srv.base}/api/v1/communes`);
    const etag = before.headers.get('etag');
    assert.ok(!(await before.json()).communes.some((c) => c.code === '99999'));

    const src = join(work, 'commune.json');
    writeFileSync(src, JSON.stringify({ type: 'FeatureCollection', features: [{
      type: 'Feature',
      properties: { code: '99999', name: 'Xã Thử Nghiệm', kind: 'commune' },
      geometry: { type: 'Polygon', coordinates: [[[106.70, 21.80], [106.71, 21.80],
        [106.71, 21.81], [106.70, 21.81], [106.70, 21.80]]] },
    }] }));
    const r = spawnSync(LIS_BIN, ['import', src, '--kind', 'communes', '--data', data,
      '--report', join(work, 'report.csv')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);

    // Every loop must see it: ask several times on fresh connections.
    const deadline = Date.now() + 8000;
    let seen = 0;
    while (seen < 6 && Date.now() < deadline) {
      const a = await fetch(`${srv.base}/api/v1/communes`, { headers: { connection: 'close' } });
      const doc = await a.json();
      const c = doc.communes.find((x) => x.code === '99999');
      if (c) {
        assert.equal(c.name, 'Xã Thử Nghiệm');
        assert.notEqual(a.headers.get('etag'), etag);
        seen++;
      } else {
        seen = 0;
        await new Promise((ok) => setTimeout(ok, 200));
      }
    }
    assert.equal(seen, 6, 'the new commune is served by every loop');
  } finally {
    const { code } = await srv.stop();
    rmSync(work, { recursive: true, force: true });
    assert.equal(code, 0);
  }
});
