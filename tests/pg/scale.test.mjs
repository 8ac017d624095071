// scale — the scale-out shape on loopback: PostgreSQL, two `lis serve`, nginx.
//
// 1. Under a bounded wrk load through nginx, one `lis serve` is killed with
//    SIGKILL and started again: no request fails (nginx retries the requests
//    the dead one dropped on the other), and the restarted one serves again.
// 2. PostgreSQL restarted under load: requests during the gap get 503
//    problem+json at once (no hang, no crash), and service resumes without
//    restarting `lis serve`.
// 3. A streaming replica made with pg_basebackup serves the public reads (its
//    own statistics show the queries arriving, the primary has no lis
//    connection), while the primary takes a write that then shows in the API.
//
// LIS_PG_URL: postgres://user@host:port/ of the throw-away cluster;
// LIS_PG_DIR: its directory (for cluster.sh restart / replica). run.sh sets both.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIS_BIN, freePort } from '../api/helper.mjs';
import { pgDatabase } from './pg.mjs';

const PG = process.env.LIS_PG_URL;
const PGDIR = process.env.LIS_PG_DIR;
const CLUSTER = resolve(dirname(fileURLToPath(import.meta.url)), 'cluster.sh');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = (!PG || !PGDIR) ? 'LIS_PG_URL / LIS_PG_DIR not set'
  : (!have('nginx') || !have('wrk')) ? 'nginx or wrk missing' : false;

function psql(url, sql) {
  return execFileSync('psql', [url, '-qAtX', '-c', sql], { encoding: 'utf8' }).trim();
}

// A `lis serve` on a given port; resolves once /healthz answers.
async function serve(port, data, extra = [], work) {
  const log = join(work, `access-${port}-${Date.now()}.log`);
  const proc = spawn(LIS_BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', data,
    '--loops', '1', '--set', `access_log=${log}`, '--set', 'web_root=', ...extra],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`lis serve exited: ${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) break;
    } catch { /* not yet */ }
    if (i > 300) throw new Error(`lis serve did not come up: ${stderr}`);
    await sleep(50);
  }
  return { proc, exited, log, stderr: () => stderr,
    async stop() { if (proc.exitCode === null && !proc.signalCode) proc.kill('SIGTERM'); return exited; } };
}

function nginxStart(work, port, upstreams) {
  const dir = join(work, `nginx-${port}`);
  execFileSync('mkdir', ['-p', join(dir, 'logs'), join(dir, 'tmp')]);
  chmodSync(join(dir, 'tmp'), 0o777);
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  upstream lis {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=1s;`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://lis;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # a request the killed lis serve dropped is tried on the other one (GETs only)
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 5s;
    }
  }
}
`);
  const proc = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  return proc;
}

// wrk for `secs` seconds over `paths`; resolves to { requests, non2xx, errors, statuses }.
function wrk(base, secs, work, paths, conns = 16) {
  const script = join(work, `wrk-${Date.now()}.lua`);
  writeFileSync(script, `
local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }
local i = 0
local statuses = {}
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write(string.format("ERRORS %d %d %d %d %d\\n", summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout))
end
`);
  return new Promise((ok) => {
    const p = spawn('wrk', ['-t1', `-c${conns}`, `-d${secs}s`, '--timeout', '3s', '-s', script, base],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('exit', () => {
      const reqs = Number((out.match(/(\d+) requests in/) || [])[1] || 0);
      const non2xx = Number((out.match(/Non-2xx or 3xx responses: (\d+)/) || [])[1] || 0);
      const e = (out.match(/ERRORS (\d+) (\d+) (\d+) (\d+) (\d+)/) || []).slice(1).map(Number);
      ok({ requests: reqs, non2xx, errors: { connect: e[0], read: e[1], write: e[2], timeout: e[4] }, out });
    });
  });
}

describe('scale-out on loopback', { skip }, () => {
  let work, url, paths = [], A, B, portA, portB, portN, nginx;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lis-pg-scale-'));
    chmodSync(work, 0o755);
    url = pgDatabase(`lis_scale_${process.pid}`);
    execFileSync(LIS_BIN, ['demo', '--parcels', '2000', '--seed', '5', '--out', url],
      { stdio: ['ignore', 'ignore', 'inherit'] });
    [portA, portB, portN] = [await freePort(), await freePort(), await freePort()];
    A = await serve(portA, url, [], work);
    B = await serve(portB, url, [], work);
    nginx = nginxStart(work, portN, [portA, portB]);
    for (let i = 0; i < 100; i++) {
      try { if ((await fetch(`http://127.0.0.1:${portN}/healthz`)).ok) break; } catch { /* */ }
      await sleep(50);
    }
    const page = await (await fetch(`http://127.0.0.1:${portN}/api/v1/communes`)).json();
    for (const c of page.communes.slice(0, 20)) {
      const r = await (await fetch(`http://127.0.0.1:${portN}/api/v1/parcels?commune=${c.code}&limit=5`)).json();
      for (const p of r.parcels) {
        paths.push(`/api/v1/parcels/${p.id}`);
        paths.push(`/api/v1/parcels/search?q=${p.national_id}`);
      }
    }
    assert.ok(paths.length > 50);
  });
  after(async () => {
    nginx?.kill('SIGTERM');
    await A?.stop();
    await B?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('a lis serve killed with SIGKILL under load: no request fails, it comes back serving', async () => {
    const load = wrk(`http://127.0.0.1:${portN}`, 6, work, paths);
    await sleep(1500);
    A.proc.kill('SIGKILL');
    await A.exited;
    await sleep(1000);
    A = await serve(portA, url, [], work); // the same port: nginx finds it again
    const r = await load;
    assert.ok(r.requests > 500, r.out);
    assert.equal(r.non2xx, 0, r.out);
    assert.deepEqual(r.errors, { connect: 0, read: 0, write: 0, timeout: 0 }, r.out);
    // the restarted one serves: directly, and its share of nginx's traffic
    assert.equal((await fetch(`http://127.0.0.1:${portA}/healthz`)).status, 200);
    const again = await wrk(`http://127.0.0.1:${portN}`, 1, work, paths, 4);
    assert.equal(again.non2xx, 0);
    await sleep(200);
    assert.ok(existsSync(A.log) && readFileSync(A.log, 'utf8').split('\n').length > 10,
      'the restarted lis serve takes requests from nginx');
  });

  it('PostgreSQL restarted under load: 503 problem+json in the gap, then service without restarting lis serve', async () => {
    const seen = { ok: 0, unavailable: 0, other: [] };
    let stop = false;
    const poll = (async () => {
      let i = 0;
      while (!stop) {
        const t0 = Date.now();
        const r = await fetch(`http://127.0.0.1:${portA}${paths[i++ % paths.length]}`);
        const body = await r.text();
        assert.ok(Date.now() - t0 < 5000, 'no request hangs');
        if (r.status === 200) seen.ok++;
        else if (r.status === 503) {
          assert.equal(r.headers.get('content-type'), 'application/problem+json');
          assert.equal(JSON.parse(body).status, 503);
          seen.unavailable++;
        } else seen.other.push(`${r.status} ${body.slice(0, 200)}`);
        await sleep(5);
      }
    })();
    const load = wrk(`http://127.0.0.1:${portB}`, 5, work, paths, 8);
    await sleep(1000);
    // a fast stop, then a start a moment later: the gap is the outage
    spawnSync(CLUSTER, ['stop', PGDIR]);
    await sleep(1000);
    execFileSync(CLUSTER, ['restart', PGDIR]);
    const r = await load;
    await sleep(500);
    stop = true;
    await poll;
    assert.deepEqual(seen.other, []);
    assert.ok(seen.unavailable > 0, `503s during the gap: ${JSON.stringify(seen)}`);
    assert.ok(r.non2xx > 0 && r.errors.timeout === 0, r.out);
    assert.equal(A.proc.exitCode, null, 'lis serve A still runs');
    assert.equal(B.proc.exitCode, null, 'lis serve B still runs');
    // the very next requests work, on both, without a restart
    for (const port of [portA, portB]) {
      for (const p of paths.slice(0, 10)) {
        const x = await fetch(`http://127.0.0.1:${port}${p}`);
        assert.equal(x.status, 200, `${port}${p}: ${await x.text()}`);
      }
    }
  });

  it('a streaming replica serves the public reads while the primary takes the writes', async () => {
    const rdir = join(PGDIR, '..', `replica`);
    const replica = execFileSync(CLUSTER, ['replica', PGDIR, rdir], { encoding: 'utf8' }).trim();
    // connections named apart from A's and B's, to find them in pg_stat_activity
    const rurl = new URL(replica);
    rurl.pathname = new URL(url).pathname;
    rurl.searchParams.set('application_name', 'lis_replica_reads');
    const purl = new URL(url);
    purl.searchParams.set('application_name', 'lis_primary');
    const port = await freePort();
    const C = await serve(port, purl.href, ['--set', `replica=${rurl.href}`], work);
    try {
      const db = new URL(url).pathname.slice(1);
      const count = (u, name) => Number(psql(u, `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND application_name = '${name}' AND pid <> pg_backend_pid()`));
      const xacts = (u) => Number(psql(u, `SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '${db}'`));
      // lis serve C: its loop's connection is on the replica
      assert.ok(count(rurl.href, 'lis_replica_reads') >= 1, 'lis serve reads from the replica');
      const before = xacts(rurl.href);
      const N = 200;
      for (let i = 0; i < N; i++) {
        const x = await fetch(`http://127.0.0.1:${port}${paths[i % paths.length]}`);
        assert.equal(x.status, 200);
      }
      // a backend flushes its statistics when idle, at most once a second: wait,
      // then make it idle once more
      await sleep(1100);
      for (let i = 0; i < 3; i++) await (await fetch(`http://127.0.0.1:${port}${paths[i]}`)).text();
      await sleep(300);
      const after = xacts(rurl.href);
      const last = psql(rurl.href, `SELECT query FROM pg_stat_activity WHERE application_name = 'lis_replica_reads' AND pid <> pg_backend_pid() LIMIT 1`);
      assert.match(last, /land\.parcels/, 'the last statement of lis serve\'s replica connection');
      assert.ok(after - before >= N, `the replica ran the queries: ${after - before} transactions for ${N} requests`);
      // the primary takes a write (an import of a commune); it reaches the API through the replica
      const src = join(work, 'commune.json');
      writeFileSync(src, JSON.stringify({ type: 'FeatureCollection', features: [{
        type: 'Feature', properties: { code: '99998', name: 'Xã Bản Sao', kind: 'commune' },
        geometry: { type: 'Polygon', coordinates: [[[106.70, 21.80], [106.71, 21.80],
          [106.71, 21.81], [106.70, 21.81], [106.70, 21.80]]] } }] }));
      const imp = spawnSync(LIS_BIN, ['import', src, '--kind', 'communes', '--data', url,
        '--report', join(work, 'report.csv')], { encoding: 'utf8' });
      assert.equal(imp.status, 0, imp.stderr);
      // a write to the replica is refused: it is read-only
      const ro = spawnSync(LIS_BIN, ['import', src, '--kind', 'communes', '--data', rurl.href,
        '--report', join(work, 'report2.csv')], { encoding: 'utf8' });
      assert.notEqual(ro.status, 0);
      let found = false;
      for (let i = 0; i < 50 && !found; i++) {
        const doc = await (await fetch(`http://127.0.0.1:${port}/api/v1/communes`)).json();
        found = doc.communes.some((c) => c.code === '99998');
        if (!found) await sleep(200);
      }
      assert.ok(found, 'the write on the primary shows through the replica');
      // on the primary, lis serve keeps only its portal connections (accounts, sessions,
      // audit: a user's own data is read where it is written), and none of them has
      // answered a public read
      assert.ok(count(url, 'lis_primary') <= 1, 'at most the portal connection of the one loop on the primary');
      const onPrimary = psql(url, `SELECT coalesce(string_agg(query, ' | '), '') FROM pg_stat_activity WHERE datname = '${db}' AND application_name = 'lis_primary' AND pid <> pg_backend_pid()`);
      assert.doesNotMatch(onPrimary, /land\.parcels|land\.communes/, 'no public read went to the primary');
    } finally {
      await C.stop();
      spawnSync(CLUSTER, ['stop', rdir]);
    }
  });
});
