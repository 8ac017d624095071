// `lis serve` stops gracefully: SIGTERM lets requests in flight finish and exits 0.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from './helper.mjs';

it('SIGTERM finishes the request in flight, refuses new ones, exits 0', async () => {
  const srv = await startServer({ loops: 2 });
  const u = new URL(srv.base);
  // A large answer, read slowly: the signal arrives while it is being sent.
  const body = new Promise((ok, fail) => {
    const req = http.get({ host: u.hostname, port: u.port, path: '/api/v1/communes?geometry=true' }, (res) => {
      const chunks = [];
      res.pause();
      srv.proc.kill('SIGTERM');
      setTimeout(() => res.resume(), 300);
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', fail);
  });
  const r = await body;
  assert.equal(r.status, 200);
  assert.ok(JSON.parse(r.body).communes.length > 0, 'the whole answer arrived');
  const t0 = Date.now();
  const { code, signal } = await srv.exited;
  assert.equal(signal, null);
  assert.equal(code, 0, srv.stderr());
  assert.ok(Date.now() - t0 < 10_000);
  await assert.rejects(fetch(`${srv.base}/healthz`));
  await srv.stop();
  assert.doesNotMatch(srv.stderr(), /runtime error|Sanitizer/);
});

it('SIGINT on an idle server exits 0 at once', async () => {
  const srv = await startServer({ loops: 1 });
  const t0 = Date.now();
  srv.proc.kill('SIGINT');
  const { code } = await srv.exited;
  assert.equal(code, 0, srv.stderr());
  assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  await srv.stop();
});
