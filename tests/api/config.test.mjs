// `lis serve` settings (config file < environment < flags) and start-up errors.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, demoStore, freePort, LIS_BIN } from './helper.mjs';

const work = mkdtempSync(join(tmpdir(), 'lis-api-config-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function serveSync(args, env = {}) {
  const r = spawnSync(LIS_BIN, ['serve', ...args], {
    encoding: 'utf8', timeout: 20_000, env: { ...process.env, LIS_CONFIG: '', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

it('--help lists the settings and exits 0', () => {
  const r = serveSync(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /usage: lis serve/);
  for (const key of ['listen', 'data', 'loops', 'max_page', 'cache_control', 'access_log']) {
    assert.match(r.out, new RegExp(`\\b${key}\\b`));
  }
});

it('start-up errors are reported, with exit code 1 or 2', async () => {
  let r = serveSync(['--frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown argument/);
  r = serveSync(['--set', 'colour=red', '--data', demoStore()]);
  assert.equal(r.code, 1);
  assert.match(r.err, /unknown setting 'colour'/);
  r = serveSync(['--data', join(work, 'no-store'), '--listen', `127.0.0.1:${await freePort()}`]);
  assert.equal(r.code, 1);
  assert.match(r.err, /lis demo/);
  r = serveSync(['--data', demoStore(), '--loops', 'many']);
  assert.equal(r.code, 1);
  assert.match(r.err, /loops/);
  r = serveSync(['--data', demoStore(), '--listen', 'nowhere']);
  assert.equal(r.code, 1);
  assert.match(r.err, /listen/);
  r = serveSync(['--data', demoStore(), '--config', join(work, 'missing.conf')]);
  assert.equal(r.code, 1);
});

it('a port another server listens on is refused', async () => {
  const srv = await startServer({ loops: 1 });
  try {
    const r = serveSync(['--data', demoStore(), '--listen', `127.0.0.1:${srv.port}`]);
    assert.equal(r.code, 1);
    assert.match(r.err, /in use/);
  } finally {
    assert.equal((await srv.stop()).code, 0);
  }
});

it('config file < environment < flags', async () => {
  const conf = join(work, 'lis.conf');
  writeFileSync(conf, '# test settings\nmax_page = 5\ncache_control = public, max-age=1\n');
  const srv = await startServer({
    loops: 1,
    args: ['--config', conf, '--set', 'max_page=3'],
    env: { LIS_CACHE_CONTROL: 'public, max-age=7', LIS_MAX_PAGE: '4' },
  });
  try {
    const ok = await fetch(`${srv.base}/api/v1/parcels/search?q=xa&limit=3`);
    assert.equal(ok.status, 200, 'the flag (3) wins over environment (4) and file (5)');
    assert.equal(ok.headers.get('cache-control'), 'public, max-age=7', 'environment over file');
    const over = await fetch(`${srv.base}/api/v1/parcels/search?q=xa&limit=4`);
    assert.equal(over.status, 400);
    assert.match((await over.json()).detail, /from 1 to 3/);
  } finally {
    assert.equal((await srv.stop()).code, 0);
  }
});
