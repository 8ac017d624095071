// Raising the Argon2id cost: a password hashed with the old cost is hashed
// again with the new one at the account's next successful login (and only
// then: a wrong password changes nothing).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, copyStore, portalRequest, PG_STORE, ok, problem } from './helper.mjs';

// The stored hash of the account with this phone, read from the store itself.
function storedHash(data, phone) {
  const sql = `SELECT pw_hash FROM ${PG_STORE ? 'portal.' : ''}users WHERE phone = '${phone}'`;
  if (PG_STORE)
    return execFileSync('psql', [data, '-qAtX', '-c', sql], { encoding: 'utf8' }).trim();
  return execFileSync('sqlite3', [join(data, 'portal.db'), sql], { encoding: 'utf8' }).trim();
}

const cost = (ops, kib) => ['--set', `argon2_ops=${ops}`, '--set', `argon2_mem_kib=${kib}`];

it('a login with the right password rehashes at the new cost', async () => {
  const work = mkdtempSync(join(tmpdir(), 'lis-rehash-'));
  try {
    const data = copyStore(work);
    const person = {};
    const phone = '+84912000777';
    const password = 'núi-Mẫu-Sơn-1541';
    let srv = await startServer({ data, args: cost(1, 64) });
    try {
      const consent = (await (await fetch(`${srv.base}/api/v1/portal`)).json()).privacy.version;
      ok(await portalRequest(srv, person, 'POST', '/api/v1/account', {
        name: 'Hoàng Văn Thụ', phone: '0912 000 777', password, consent_version: consent,
      }), 201);
    } finally {
      await srv.stop();
    }
    const before = storedHash(data, phone);
    assert.match(before, /^\$argon2id\$v=19\$m=64,t=1,/);

    srv = await startServer({ data, args: cost(2, 128) });
    try {
      problem(await portalRequest(srv, {}, 'POST', '/api/v1/session', { phone, password: 'sai-mat-khau-99' }),
        401, 'invalid-credentials');
      assert.equal(storedHash(data, phone), before, 'a wrong password leaves the hash alone');
      ok(await portalRequest(srv, {}, 'POST', '/api/v1/session', { phone, password }));
      const after = storedHash(data, phone);
      assert.match(after, /^\$argon2id\$v=19\$m=128,t=2,/, 'hashed again at the new cost');
      assert.notEqual(after, before);
      // and the new hash works
      ok(await portalRequest(srv, {}, 'POST', '/api/v1/session', { phone, password }));
      assert.equal(storedHash(data, phone), after, 'no rehash when the cost is current');
    } finally {
      await srv.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
