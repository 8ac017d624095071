// helper — starts the real `lis serve` over a small demo store for the API tests.
//
// LIS_BIN: the binary (default build/lis); LIS_TEST_DATA: a store to serve
// (default: a demo made once per binary build with
// `lis demo --parcels 3000 --seed 7`, kept under the system temp folder).
// LIS_TEST_STORE=postgres://...: the same suite on the PostgreSQL backend: the
// demo is written into that database when it holds no store yet, and
// copyStore() gives a test a database of its own on the same server.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, existsSync, statSync, renameSync, rmSync, readFileSync, cpSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import zlib from 'node:zlib';
import assert from 'node:assert/strict';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LIS_BIN = resolve(root, process.env.LIS_BIN || 'build/lis');

export const PG_STORE = /^postgres(ql)?:\/\//.test(process.env.LIS_TEST_STORE || '')
  ? process.env.LIS_TEST_STORE : null;

function psql(url, sql) {
  return execFileSync('psql', [url, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

// A store of the test's own, a copy of the demo (a directory or a database).
let copies = 0;
export function copyStore(work) {
  if (!PG_STORE) {
    const data = join(work, 'store');
    cpSync(demoStore(), data, { recursive: true });
    return data;
  }
  const name = `lis_copy_${process.pid}_${++copies}`;
  const admin = new URL(PG_STORE);
  admin.pathname = '/postgres';
  psql(admin.href, `DROP DATABASE IF EXISTS ${name}`);
  psql(admin.href, `CREATE DATABASE ${name}`);
  const url = new URL(PG_STORE);
  url.pathname = `/${name}`;
  execFileSync(LIS_BIN, ['copy', '--from', demoStore(), '--to', url.href],
    { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  return url.href;
}

// A demo store for this build of the binary; made once, shared by test files.
export function demoStore() {
  if (process.env.LIS_TEST_DATA) return process.env.LIS_TEST_DATA;
  if (PG_STORE) {
    if (psql(PG_STORE, "SELECT to_regclass('land.meta') IS NOT NULL") !== 't') {
      execFileSync(LIS_BIN, ['demo', '--parcels', '3000', '--seed', '7', '--out', PG_STORE],
        { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
    }
    return PG_STORE;
  }
  const stamp = Math.floor(statSync(LIS_BIN).mtimeMs);
  const dir = join(tmpdir(), `lis-api-test-${process.getuid?.() ?? 0}-${stamp}`);
  if (existsSync(join(dir, 'land.gpkg'))) return dir;
  const work = mkdtempSync(join(tmpdir(), 'lis-api-demo-'));
  const out = join(work, 'store');
  execFileSync(LIS_BIN, ['demo', '--parcels', '3000', '--seed', '7', '--out', out],
    { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  try {
    renameSync(out, dir);
  } catch {
    // another test file made it first
  }
  rmSync(work, { recursive: true, force: true });
  return existsSync(join(dir, 'land.gpkg')) ? dir : out;
}

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

// Under LeakSanitizer, ignore libh2o's per-thread chunk caches (see lsan.supp).
function lsanOptions() {
  const supp = `suppressions=${join(dirname(fileURLToPath(import.meta.url)), 'lsan.supp')}`;
  return process.env.LSAN_OPTIONS ? `${process.env.LSAN_OPTIONS}:${supp}` : supp;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Start `lis serve`; resolves to { base, proc, logFile, stop(), exited }.
export async function startServer({ loops = 2, args = [], env = {}, data = demoStore() } = {}) {
  const port = await freePort();
  const work = mkdtempSync(join(tmpdir(), 'lis-api-run-'));
  const logFile = join(work, 'access.log');
  const proc = spawn(LIS_BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--data', data,
    '--loops', String(loops), '--set', `access_log=${logFile}`, '--set', 'web_root=', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LSAN_OPTIONS: lsanOptions(), ...env },
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdout.on('data', () => {});
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`lis serve exited: ${stderr}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`lis serve did not come up: ${stderr}`);
    }
    await sleep(100);
  }
  return {
    base, port, proc, logFile, exited,
    stderr: () => stderr,
    accessLog: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const r = await exited;
      rmSync(work, { recursive: true, force: true });
      return r;
    },
  };
}

// Stop a server of startServer() and check that it ended well: exit code 0,
// nothing from the sanitizers, and none of `secrets` (phone numbers, say) on
// its stderr.
export async function stopChecked(server, secrets = []) {
  const r = await server.stop();
  assert.equal(r.code, 0, server.stderr());
  assert.doesNotMatch(server.stderr(), /runtime error|Sanitizer/, 'clean under sanitizers');
  for (const s of secrets) assert.ok(!server.stderr().includes(s), 'a secret on stderr');
}

// Wait until fn() resolves to something truthy, and give it; fail after ms.
export async function eventually(fn, what, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// A raw request (node:http), for what fetch cannot send: bodies on GET,
// unusual methods, gzip left undecoded.
export function raw(base, path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((ok, fail) => {
    const u = new URL(base);
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const gunzip = (b) => zlib.gunzipSync(b);

// GeoHash → [lon, lat] of the cell's centre.
export function geohashDecode(h) {
  const alphabet = '0123456789bcdefghjkmnpqrstuvwxyz';
  let lon = [-180, 180], lat = [-90, 90], even = true;
  for (const ch of h) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`bad geohash ${h}`);
    for (let b = 4; b >= 0; b--) {
      const r = even ? lon : lat;
      const mid = (r[0] + r[1]) / 2;
      if ((v >> b) & 1) r[0] = mid; else r[1] = mid;
      even = !even;
    }
  }
  return [(lon[0] + lon[1]) / 2, (lat[0] + lat[1]) / 2];
}

// The XYZ (web mercator) tile { z, x, y } holding the point lon/lat.
export function tileAt(lon, lat, z) {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return {
    z,
    x: Math.floor(((lon + 180) / 360) * n),
    y: Math.floor(((1 - Math.asinh(Math.tan(r)) / Math.PI) / 2) * n),
  };
}

// Fold like text_fold: lower case, no diacritics, đ → d, non-alphanumerics → one space.
export function fold(s) {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

// Answers of the portal's JSON API ({ status, text, json }): the body of an
// expected success; an expected problem; the field errors of a 400 as
// { name: code }.
export function ok(r, status = 200) {
  assert.equal(r.status, status, r.text);
  return r.json;
}

export function problem(r, status, type) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.type, `/problems/${type}`, r.text);
}

export function fields(r) {
  problem(r, 400, 'invalid-body');
  return Object.fromEntries(r.json.invalid_params.map((p) => [p.name, p.code]));
}

// A request to the portal's JSON API as `person`, an object that keeps the
// session's cookie and CSRF value (set from the answer of a login or a
// registration), or null for a visitor. Resolves to { status, text, json,
// headers }.
export async function portalRequest(server, person, method, path, body) {
  const headers = {};
  if (person?.cookie) headers.cookie = person.cookie;
  if (person?.csrf && method !== 'GET') headers['x-csrf-token'] = person.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(server.base + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  const json = /json/.test(r.headers.get('content-type') || '') && text ? JSON.parse(text) : null;
  const cookie = r.headers.get('set-cookie');
  if (cookie?.startsWith('lis_session=') && json?.csrf && person) {
    person.cookie = cookie.split(';')[0];
    person.csrf = json.csrf;
  }
  return { status: r.status, text, json, headers: r.headers };
}

// Move the clock of a server started with LIS_NOW=@file to t (unix seconds).
export function setClock(file, t) {
  writeFileSync(file, `${new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')}\n`);
}
