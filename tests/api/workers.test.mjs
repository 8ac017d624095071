// The worker pool behind the login (Argon2id runs on worker threads, not on
// the event loops): concurrent logins are all answered; a full queue is
// refused at once with 503 and Retry-After; the counts in /metrics agree; a
// SIGTERM waits for the logins in flight. Wrong passwords throughout, with the
// back-off limits out of the way.
import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, raw, copyStore } from './helper.mjs';

// Failed logins write throttle state into the store's portal: a store of our
// own, so other test files' copies of the shared demo never inherit it.
const work = mkdtempSync(join(tmpdir(), 'lis-workers-'));
const data = copyStore(work);
after(() => rmSync(work, { recursive: true, force: true }));

const NO_BACKOFF = ['--set', 'login_free_attempts=1000000',
  '--set', 'login_address_free_attempts=1000000'];

function login(base, i) {
  const phone = `091${String(2000000 + i).padStart(7, '0')}`;
  return raw(base, '/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone, password: `not the password ${i}` }),
  });
}

async function metric(base, name) {
  const text = (await raw(base, '/metrics')).body.toString('utf8');
  const m = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

const count = (rs, status) => rs.filter((r) => r.status === status).length;

it('concurrent logins are all answered, each hashed once on a worker', async () => {
  const srv = await startServer({ data, loops: 2, args: [...NO_BACKOFF, '--set', 'workers=2',
    '--set', 'argon2_mem_kib=8192'] });
  try {
    const rs = await Promise.all(Array.from({ length: 16 }, (_, i) => login(srv.base, i)));
    assert.deepEqual(rs.map((r) => r.status), Array(16).fill(401));
    assert.equal(await metric(srv.base, 'lis_worker_jobs_total'), 16);
    assert.equal(await metric(srv.base, 'lis_worker_rejected_total'), 0);
    assert.equal(await metric(srv.base, 'lis_worker_queued'), 0);
  } finally {
    await srv.stop();
  }
  assert.doesNotMatch(srv.stderr(), /runtime error|Sanitizer|cannot lower/);
});

it('a full queue is refused at once: 503 with Retry-After, counted', async () => {
  const srv = await startServer({ data, loops: 2, args: [...NO_BACKOFF, '--set', 'workers=1',
    '--set', 'worker_queue=1'] });
  try {
    // one login, taken by the worker: the queue is empty again while it hashes (~0.25 s) ...
    const first = login(srv.base, 0);
    await new Promise((ok) => setTimeout(ok, 100));
    assert.equal(await metric(srv.base, 'lis_worker_queued'), 0);
    // ... then a burst: one of it waits in the queue, the rest find it full
    const burst = await Promise.all(Array.from({ length: 9 }, (_, i) => login(srv.base, i + 1)));
    const rs = [await first, ...burst];
    const busy = rs.filter((r) => r.status === 503);
    assert.equal(rs[0].status, 401);
    assert.equal(count(rs, 401) + busy.length, rs.length, rs.map((r) => r.status).join(' '));
    assert.ok(count(burst, 401) >= 1, 'one of the burst waited and was answered');
    assert.ok(busy.length >= 1, 'the rest found the queue full');
    for (const r of busy) {
      assert.equal(r.headers['retry-after'], '2');
      assert.equal(JSON.parse(r.body).type, '/problems/busy');
    }
    assert.equal(await metric(srv.base, 'lis_worker_rejected_total'), busy.length);
    assert.equal(await metric(srv.base, 'lis_worker_jobs_total'), count(rs, 401));
    // room again once the queue has drained
    assert.equal((await login(srv.base, 99)).status, 401);
  } finally {
    await srv.stop();
  }
});

it('SIGTERM waits for the logins in flight, then exits 0', async () => {
  const srv = await startServer({ data, loops: 1, args: [...NO_BACKOFF, '--set', 'workers=1'] });
  const pending = Array.from({ length: 4 }, (_, i) => login(srv.base, i));
  await new Promise((ok) => setTimeout(ok, 100)); // one hashing, three waiting
  srv.proc.kill('SIGTERM');
  const rs = await Promise.all(pending);
  assert.deepEqual(rs.map((r) => r.status), [401, 401, 401, 401]);
  const { code } = await srv.exited;
  assert.equal(code, 0, srv.stderr());
  await srv.stop();
  assert.match(srv.stderr(), /stopped/);
  assert.doesNotMatch(srv.stderr(), /dropped|still in flight/);
});
