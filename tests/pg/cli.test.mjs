// cli — `lis migrate` and `lis copy` on both backends: up-to-date stores,
// a schema newer than the binary refused (by migrate and by serve), a copy
// refused into a store that holds data, a round trip SQLite → PostgreSQL →
// SQLite with equal counts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIS_BIN } from '../api/helper.mjs';
import { pgDatabase } from './pg.mjs';

const lis = (args) => spawnSync(LIS_BIN, args, { encoding: 'utf8', env: { ...process.env, LIS_CONFIG: '' } });
const psql = (url, sql) => execFileSync('psql', [url, '-qAtX', '-c', sql], { encoding: 'utf8' }).trim();

describe('lis migrate and lis copy', { skip: !process.env.LIS_PG_URL && 'LIS_PG_URL not set' }, () => {
  let work, dir, url;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'lis-pg-cli-'));
    dir = join(work, 'store');
    execFileSync(LIS_BIN, ['demo', '--parcels', '500', '--seed', '3', '--out', dir], { stdio: 'ignore' });
    url = pgDatabase(`lis_cli_${process.pid}`);
  });
  after(() => { if (work) rmSync(work, { recursive: true, force: true }); });

  it('copies SQLite → PostgreSQL → SQLite with equal counts, and refuses a target with data', () => {
    let r = lis(['copy', '--from', dir, '--to', url]);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /DIFFERS/);
    assert.match(r.stdout, /parcels\s+(\d+)\s+\1\n/);
    const back = join(work, 'back');
    r = lis(['copy', '--from', url, '--to', back]);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /DIFFERS/);
    r = lis(['copy', '--from', dir, '--to', url]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /already holds data/);
    r = lis(['copy', '--from', dir]);
    assert.equal(r.status, 2);
  });

  it('migrate: up to date on both backends; a newer schema is refused by migrate and serve', () => {
    for (const where of [dir, url]) {
      const r = lis(['migrate', '--data', where]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /schema version \d+, up to date/);
    }
    psql(url, "UPDATE land.meta SET value = '999' WHERE key = 'schema_version'");
    try {
      let r = lis(['migrate', '--data', url]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /newer than this lis/);
      r = lis(['serve', '--data', url, '--listen', '127.0.0.1:1']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /newer than this lis/);
    } finally {
      psql(url, "UPDATE land.meta SET value = '1' WHERE key = 'schema_version'");
    }
    const r = lis(['migrate', '--data', 'postgres://postgres@127.0.0.1:1/none']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot connect/);
  });
});
