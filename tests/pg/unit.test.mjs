// unit — the store's Criterion tests on the PostgreSQL backend
// (tests/unit/test_store_pg.c, built next to LIS_BIN), run on the test cluster.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LIS_BIN } from '../api/helper.mjs';

const bin = join(dirname(LIS_BIN), 'tests', 'unit', 'test_store_pg');

it('test_store_pg passes on PostgreSQL', { skip: (!process.env.LIS_PG_URL && 'LIS_PG_URL not set') || (!existsSync(bin) && `${bin} not built`) }, () => {
  const r = spawnSync(bin, ['-j1'], {
    encoding: 'utf8', env: { ...process.env, LIS_TEST_PG_URL: process.env.LIS_PG_URL }, timeout: 300_000,
  });
  const synthesis = (r.stderr + r.stdout).split('\n').filter((l) => /Synthesis|FAIL|Assertion|want/.test(l));
  assert.equal(r.status, 0, synthesis.join('\n'));
  assert.match(r.stderr + r.stdout, /Tested: [1-9]\d* \| Passing: [1-9]\d* \| Failing: 0 \| Crashing: 0/);
});
