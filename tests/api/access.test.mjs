// The access matrix: every operation the OpenAPI document lists × {visitor,
// user, staff, admin, another user} → the status the gate and the handler
// must give, and the fields each of them may see. The operations come from
// GET /api/v1/openapi.json (its `x-access` per operation), so a new route is
// in the matrix as soon as it is in the route table; a route whose path or
// required parameters the test has no sample for fails the test until one is
// added to SAMPLES / QUERY / REQUESTS below.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, copyStore, geohashDecode, LIS_BIN } from './helper.mjs';

let srv, work, data;
let doc;   // the OpenAPI document
let P;     // a parcel with a registry record (holders), basic view
const answers = []; // every answer of the matrix: { who, route, text }

// Levels of x-access, in the gate's order (src/api/routes.h enum api_access).
const LEVELS = ['public', 'anyone', 'user', 'staff', 'admin'];

// The callers. Each account has personal values no other caller may see.
const ACCOUNTS = {
  user: { role: 'user', name: 'Phí Ma Trận Giáp', phone: '0912 345 601', e164: '+84912345601',
    email: 'giap@matrix.example', address: 'Số 11 ngõ Ma Trận, Lạng Sơn' },
  other: { role: 'user', name: 'Phí Ma Trận Ất', phone: '+84 912 345 602', e164: '+84912345602',
    email: 'at@matrix.example', address: 'Số 12 ngõ Ma Trận, Lạng Sơn' },
  staff: { role: 'staff', name: 'Phí Ma Trận Bính', phone: '84-912-345-603', e164: '+84912345603',
    email: 'binh@matrix.example', address: 'Số 13 ngõ Ma Trận, Lạng Sơn' },
  admin: { role: 'admin', name: 'Phí Ma Trận Đinh', phone: '0912.345.604', e164: '+84912345604',
    email: 'dinh@matrix.example', address: 'Số 14 ngõ Ma Trận, Lạng Sơn' },
};
for (const [k, a] of Object.entries(ACCOUNTS)) a.password = `lantern-pelican-${k}-47`;
// A customer the administration routes work on: not a caller of the matrix;
// their personal values may appear only in an admin's answers from
// /api/v1/admin/ (an upgrade request and a disclosure name them).
const CUSTOMER = { role: 'user', name: 'Phí Ma Trận Mậu', phone: '0912 345 605', e164: '+84912345605',
  email: 'mau@matrix.example', address: 'Số 15 ngõ Ma Trận, Lạng Sơn', password: 'lantern-pelican-customer-47' };
const CALLERS = [
  { who: 'visitor', level: LEVELS.indexOf('anyone') },
  { who: 'user', level: LEVELS.indexOf('user') },
  { who: 'other', level: LEVELS.indexOf('user') },
  { who: 'staff', level: LEVELS.indexOf('staff') },
  { who: 'admin', level: LEVELS.indexOf('admin') },
];

// Values for path parameters and required query parameters, by name.
let SAMPLES, QUERY;
function makeSamples() {
  const [lon, lat] = geohashDecode(P.national_id);
  const z = 16, n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.asinh(Math.tan(r)) / Math.PI) / 2) * n);
  SAMPLES = {
    id: String(P.id),
    layer: 'parcels', z: String(z), x: String(x), y: `${y}.mvt`,
    tileset: 'parcels.json',
    collectionId: 'parcels', featureId: String(P.id),
  };
  QUERY = { q: P.national_id, commune: P.commune_of_survey.code };
  REQUESTS['GET /api/v1/parcels/at'].query = { lon: lon.toFixed(7), lat: lat.toFixed(7) };
  for (const route of ['GET /api/v1/admin/users/{id}', 'PATCH /api/v1/admin/users/{id}'])
    REQUESTS[route].params = { id: String(CUSTOMER.id) };
  // the customer alone (by their phone's digits): the list holds no caller's data
  REQUESTS['GET /api/v1/admin/users'].query = { q: CUSTOMER.e164.slice(3) };
  REQUESTS['POST /api/v1/admin/upgrades/{id}'].params = { id: String(CUSTOMER.upgrade) };
  REQUESTS['GET /api/v1/admin/disclosures/{id}/export'].params = { id: String(CUSTOMER.disclosure) };
  REQUESTS['PUT /api/v1/admin/plans/{code}'].body = FREE_PLAN;
}

// How to call an operation and what it answers a caller who may call it.
// A GET without an entry is sent with its samples and must answer 200 or 204;
// any other method needs an entry (the test cannot guess a harmless body).
// Bodies are valid JSON that changes nothing; the routes that end sessions
// are called for real and the caller logs in again (`relogin`). `params`
// gives a route its own path parameters where SAMPLES' would be wrong (an
// {id} that is not a parcel's).
const REQUESTS = {
  'GET /api/v1/parcels/at': { query: null }, // lon/lat: set by makeSamples()
  'POST /api/v1/session': { body: {}, expect: 400 },
  'POST /api/v1/account': { body: {}, expect: 400 },
  'DELETE /api/v1/session': { expect: 204, relogin: true },
  'DELETE /api/v1/sessions': { expect: 204, relogin: true },
  'PATCH /api/v1/me': { body: {}, expect: 200 },
  'DELETE /api/v1/me': { body: {}, expect: 400 }, // no password: the account stays open
  'POST /api/v1/me/password': { body: {}, expect: 400 },
  'POST /api/v1/me/notifications/read': { expect: 204 },
  'POST /api/v1/me/notifications/{id}/read': { params: { id: '999999999' }, expect: 404 },
  'POST /api/v1/notifications': { body: {}, expect: 400 },
  'PUT /api/v1/me/watches/{id}': { params: { id: '999999999' }, expect: 404 },
  'DELETE /api/v1/me/watches/{id}': { params: { id: '999999999' }, expect: 404 },
  'POST /api/v1/password-reset': { body: {}, expect: 400 },
  'POST /api/v1/password-reset/confirm': { body: {}, expect: 400 },
  'POST /api/v1/account/code': { body: {}, expect: 404 }, // verify_phone is off
  'POST /api/v1/tickets': { body: {}, expect: 400 },
  'GET /api/v1/tickets/{id}': { params: { id: '999999999' }, expect: 404 },
  'POST /api/v1/tickets/{id}/messages': { params: { id: '999999999' }, body: {}, expect: 404 },
  'PATCH /api/v1/tickets/{id}': { params: { id: '999999999' }, body: {}, expect: 404 },
  'POST /api/v1/me/upgrades': { body: {}, expect: 400 }, // no plan: nothing asked
  // the administration's routes work on CUSTOMER, their ids set by makeSamples()
  'GET /api/v1/admin/users': { query: null },
  'GET /api/v1/admin/users/{id}': { params: null },
  'PATCH /api/v1/admin/users/{id}': { params: null, body: {}, expect: 200 },
  // the free plan as it is: a change that changes nothing
  'PUT /api/v1/admin/plans/{code}': { params: { code: 'free' }, body: null, expect: 200 },
  'POST /api/v1/admin/upgrades/{id}': { params: null, body: {}, expect: 400 }, // no decision
  'POST /api/v1/admin/disclosures': { body: {}, expect: 400 },
  'GET /api/v1/admin/disclosures/{id}/export': { params: null },
};
let FREE_PLAN; // { name_vi, name_en, daily_views, watch_max, features } of the free plan

// The request for one operation, or the reason the test cannot make one.
function build(method, path, op) {
  const missing = [];
  const spec = REQUESTS[`${method} ${path}`] ?? {};
  const params = { ...SAMPLES, ...spec.params };
  const concrete = path.replace(/\{([^}]+)\}/g, (_, name) => {
    if (!(name in params)) missing.push(`path parameter {${name}}`);
    return encodeURIComponent(params[name] ?? '');
  });
  const query = new URLSearchParams(spec.query ?? {});
  for (const p of op.parameters ?? []) {
    if (p.in === 'path' && !path.includes(`{${p.name}}`)) missing.push(`path parameter ${p.name} not in the path`);
    if (p.in !== 'query' || !p.required || query.has(p.name)) continue;
    if (p.name in QUERY) query.set(p.name, QUERY[p.name]);
    else missing.push(`required query parameter ${p.name}`);
  }
  if (method !== 'GET' && !(`${method} ${path}` in REQUESTS)) missing.push(`no request for ${method}`);
  if (op.requestBody && spec.body === undefined) missing.push('a body is required but none is given');
  if (!LEVELS.includes(op['x-access'])) missing.push(`x-access ${JSON.stringify(op['x-access'])}`);
  const qs = query.toString();
  return { missing, url: concrete + (qs ? `?${qs}` : ''), spec };
}

function operations() {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([m, op]) => ({ method: m.toUpperCase(), path, op })));
}

// One request as `who` (an account name or 'visitor'); state-changing
// requests of a logged-in caller carry the CSRF header.
const account = (who) => (who === 'customer' ? CUSTOMER : ACCOUNTS[who]);

async function call(who, method, url, { body, record = true } = {}) {
  const a = account(who);
  const headers = {};
  if (a?.cookie) headers.cookie = a.cookie;
  if (a?.csrf && method !== 'GET') headers['x-csrf-token'] = a.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(srv.base + url, {
    method, headers, redirect: 'manual', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  if (/json/.test(r.headers.get('content-type') || '') && text) json = JSON.parse(text);
  // compare on the decoded text too, in case the server escapes non-ASCII
  if (record) answers.push({ who, route: `${method} ${url}`, text: json ? `${text}\n${JSON.stringify(json)}` : text });
  return { status: r.status, headers: r.headers, text, json };
}

function keepSession(who, r) {
  const c = r.headers.get('set-cookie') || '';
  const m = /(?:^|[ ,])lis_session=([^;]+)/.exec(c);
  assert.ok(m && m[1], `${who}: a session cookie (${c})`);
  account(who).cookie = `lis_session=${m[1]}`;
  account(who).csrf = r.json.csrf;
  assert.equal(typeof r.json.csrf, 'string', `${who}: csrf`);
}

async function login(who) {
  const a = ACCOUNTS[who];
  delete a.cookie;
  delete a.csrf;
  const r = await call(who, 'POST', '/api/v1/session', { body: { phone: a.phone, password: a.password } });
  assert.equal(r.status, 200, `${who} logs in: ${r.text}`);
  assert.equal(r.json.user.role, a.role, `${who}: role`);
  keepSession(who, r);
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lis-access-'));
  data = copyStore(work);
  srv = await startServer({
    data,
    args: ['--set', 'argon2_mem_kib=64', '--set', 'argon2_ops=1',
      '--set', 'login_free_attempts=1000', '--set', 'login_address_free_attempts=100000'],
  });
  doc = (await call('visitor', 'GET', '/api/v1/openapi.json', { record: false })).json;
  const consent = (await call('visitor', 'GET', '/api/v1/portal', { record: false })).json.privacy.version;
  for (const [who, a] of Object.entries(ACCOUNTS)) {
    const r = await call(who, 'POST', '/api/v1/account', {
      body: { name: a.name, phone: a.phone, password: a.password, email: a.email,
        address: a.address, consent_version: consent },
    });
    assert.equal(r.status, 201, `${who} registers: ${r.text}`);
    a.id = r.json.user.id;
    keepSession(who, r);
    if (a.role !== 'user') {
      // the CLI ends the account's sessions: log in again for the new role
      execFileSync(LIS_BIN, ['user', 'set-role', '--phone', a.e164, a.role, '--data', data],
        { stdio: ['ignore', 'ignore', 'inherit'] });
      assert.equal((await call(who, 'GET', '/api/v1/me', { record: false })).status, 401,
        `${who}: the role change ended the session`);
      await login(who);
    }
  }
  // A parcel with holders: the first of a search whose full view has a person among them.
  const list = (await call('visitor', 'GET', `/api/v1/parcels/search?q=${encodeURIComponent('xã')}&limit=20`,
    { record: false })).json?.parcels ?? [];
  for (const p of list) {
    const f = await call('admin', 'GET', `/api/v1/parcels/${p.id}`, { record: false });
    if (f.status === 200 && f.json.holders?.some((h) => h.id_number)) {
      P = p;
      break;
    }
  }
  assert.ok(P, 'the demo store has a parcel with a registry record');
  // The customer registers and asks for another plan; the admin records a
  // disclosure about them.
  const plans = (await call('visitor', 'GET', '/api/v1/plans', { record: false })).json.plans;
  const { code, ...free } = plans.find((p) => p.code === 'free');
  FREE_PLAN = free;
  const c = await call('customer', 'POST', '/api/v1/account', {
    record: false,
    body: { name: CUSTOMER.name, phone: CUSTOMER.phone, password: CUSTOMER.password,
      email: CUSTOMER.email, address: CUSTOMER.address, consent_version: consent },
  });
  assert.equal(c.status, 201, `the customer registers: ${c.text}`);
  CUSTOMER.id = c.json.user.id;
  keepSession('customer', c);
  const up = await call('customer', 'POST', '/api/v1/me/upgrades', {
    record: false, body: { plan: plans.find((p) => p.code !== 'free').code, reason: 'ma trận' },
  });
  assert.equal(up.status, 201, `the customer asks for an upgrade: ${up.text}`);
  CUSTOMER.upgrade = up.json.id;
  const d = await call('admin', 'POST', '/api/v1/admin/disclosures', {
    record: false,
    body: { subject: CUSTOMER.id, authority: 'Công an tỉnh Lạng Sơn', document: '12/CV-CA',
      document_date: '2024-01-02', legal_basis: 'Luật Đất đai 2024' },
  });
  assert.equal(d.status, 201, `the admin records a disclosure: ${d.text}`);
  CUSTOMER.disclosure = d.json.id;
  makeSamples();
});

after(async () => {
  if (srv) {
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr());
    assert.doesNotMatch(srv.stderr(), /runtime error|Sanitizer/, 'clean under sanitizers');
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('access matrix', () => {
  it('the callers are who the test thinks they are', async () => {
    assert.deepEqual((await call('visitor', 'GET', '/api/v1/session')).json, { user: null });
    for (const [who, a] of Object.entries(ACCOUNTS)) {
      const s = (await call(who, 'GET', '/api/v1/session')).json;
      assert.equal(s.user?.id, a.id, who);
      assert.equal(s.user.role, a.role, who);
    }
  });

  it('the test can make a request for every operation the document lists', () => {
    const ops = operations();
    assert.ok(ops.length >= 30, `${ops.length} operations`);
    const cannot = ops.map(({ method, path, op }) => [`${method} ${path}`, build(method, path, op).missing])
      .filter(([, m]) => m.length);
    assert.deepEqual(cannot, [], 'add samples for these routes to tests/api/access.test.mjs');
    // every REQUESTS entry is still a route
    const known = new Set(ops.map(({ method, path }) => `${method} ${path}`));
    assert.deepEqual(Object.keys(REQUESTS).filter((k) => !known.has(k)), []);
  });

  it('the document declares login and its problems for every route that needs one', () => {
    for (const { method, path, op } of operations()) {
      if (LEVELS.indexOf(op['x-access']) < LEVELS.indexOf('user')) continue;
      assert.ok(op.security?.length, `${method} ${path}: security`);
      assert.ok(op.responses['401'] && op.responses['403'], `${method} ${path}: 401/403`);
    }
  });

  it('every operation × every caller', async () => {
    const wrong = [];
    let n = 0;
    for (const { method, path, op } of operations()) {
      const { missing, url, spec } = build(method, path, op);
      if (missing.length) continue; // reported by the test above
      const need = LEVELS.indexOf(op['x-access']);
      for (const { who, level } of CALLERS) {
        const r = await call(who, method, url, { body: spec.body });
        n++;
        const where = `${who} ${method} ${url}`;
        const type = r.json?.type;
        if (need > level) {
          const [status, kind] = who === 'visitor' ? [401, 'login-required'] : [403, 'forbidden'];
          if (r.status !== status || type !== `/problems/${kind}`)
            wrong.push(`${where}: ${r.status} ${type ?? ''}, expected ${status} ${kind}`);
          continue;
        }
        const ok = spec.expect !== undefined ? r.status === spec.expect : r.status === 200 || r.status === 204;
        if (!ok || r.status === 401 || r.status === 403 || r.status >= 500)
          wrong.push(`${where}: ${r.status} ${type ?? ''}, expected ${spec.expect ?? '200/204'} (${r.text.slice(0, 120)})`);
        if (spec.relogin && who !== 'visitor') {
          // the session really ended: its cookie no longer logs anyone in
          const s = await call(who, 'GET', '/api/v1/session');
          if (s.json?.user !== null) wrong.push(`${where}: the session lives on`);
          await login(who);
        }
      }
    }
    assert.deepEqual(wrong, []);
    assert.ok(n >= 150, `${n} requests`);
  });
});

describe('the views of a parcel', () => {
  const RECORD = ['holders', 'rights', 'certificates', 'restrictions', 'history', 'events', 'vertices'];
  const url = () => `/api/v1/parcels/${P.id}`;

  function basic(r, who) {
    assert.equal(r.status, 200, `${who}: ${r.text}`);
    assert.equal(r.json.view, 'basic', who);
    assert.equal(r.json.id, P.id);
    for (const k of [...RECORD, 'quota']) assert.ok(!(k in r.json), `${who}: basic view has ${k}`);
  }

  function detailed(r, who) {
    assert.equal(r.status, 200, `${who}: ${r.text}`);
    assert.equal(r.json.view, 'detailed', who);
    for (const k of RECORD) assert.ok(k in r.json, `${who}: detailed view lacks ${k}`);
    assert.ok(r.json.holders.length > 0, who);
    for (const h of r.json.holders) {
      assert.deepEqual(Object.keys(h).sort(), ['kind', 'name'], `${who}: a holder in the detailed view`);
      assert.equal(typeof h.name, 'string');
    }
    assert.ok(r.json.vertices.rings[0].length >= 3, who);
  }

  function full(r, who) {
    assert.equal(r.status, 200, `${who}: ${r.text}`);
    assert.equal(r.json.view, 'full', who);
    for (const k of RECORD) assert.ok(k in r.json, `${who}: full view lacks ${k}`);
    assert.ok(r.json.holders.length > 0, who);
    for (const h of r.json.holders)
      for (const k of ['name', 'kind', 'id_number', 'address', 'birth_year'])
        assert.ok(k in h, `${who}: a holder in the full view lacks ${k}`);
    assert.ok(r.json.holders.some((h) => h.id_number), `${who}: some holder has an id number`);
  }

  async function problem(who, path, status, kind) {
    const r = await call(who, 'GET', path);
    assert.equal(r.status, status, `${who} ${path}: ${r.text}`);
    assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
    assert.equal(r.json.type, `/problems/${kind}`, `${who} ${path}`);
  }

  it('a visitor gets the basic view and must log in for more', async () => {
    basic(await call('visitor', 'GET', url()), 'visitor');
    basic(await call('visitor', 'GET', `${url()}?view=basic`), 'visitor');
    await problem('visitor', `${url()}?view=detailed`, 401, 'login-required');
    await problem('visitor', `${url()}?view=full`, 401, 'login-required');
  });

  it('a user gets the detailed view: holders by name and kind only; not the full view', async () => {
    for (const who of ['user', 'other']) {
      const r = await call(who, 'GET', url());
      detailed(r, who);
      assert.equal(typeof r.json.quota?.left, 'number', `${who}: quota`);
      assert.doesNotMatch(r.text, /"(id_number|birth_year)"/, who);
      detailed(await call(who, 'GET', `${url()}?view=detailed`), who);
      basic(await call(who, 'GET', `${url()}?view=basic`), who);
      await problem(who, `${url()}?view=full`, 403, 'forbidden');
    }
  });

  it('staff and admin get the full view, and the lower ones when they ask', async () => {
    for (const who of ['staff', 'admin']) {
      full(await call(who, 'GET', url()), who);
      full(await call(who, 'GET', `${url()}?view=full`), who);
      const d = await call(who, 'GET', `${url()}?view=detailed`);
      detailed(d, who);
      assert.doesNotMatch(d.text, /"(id_number|birth_year)"/, who);
      basic(await call(who, 'GET', `${url()}?view=basic`), who);
    }
  });
});

describe('nobody sees another account', () => {
  // The personal values of an account as they could appear in an answer.
  function traces(a) {
    return [a.name, a.e164, a.e164.slice(3), a.email, a.address, a.password];
  }

  it('/me and /me/export hold the caller\'s own data', async () => {
    for (const [who, a] of Object.entries(ACCOUNTS)) {
      for (const path of ['/api/v1/me', '/api/v1/me/export']) {
        const r = await call(who, 'GET', path);
        assert.equal(r.status, 200, `${who} ${path}`);
        const text = JSON.stringify(r.json);
        for (const v of [a.name, a.e164, a.email, a.address]) assert.ok(text.includes(v), `${who} ${path}: ${v}`);
      }
    }
  });

  it('no answer to one caller holds another account\'s name, phone, email, address or password', () => {
    assert.ok(answers.length > 150, `${answers.length} answers`);
    const leaks = [];
    for (const { who, route, text } of answers) {
      for (const [owner, a] of Object.entries(ACCOUNTS)) {
        const own = owner === who;
        for (const v of traces(a)) {
          if (v === a.password ? text.includes(v) : !own && text.includes(v))
            leaks.push(`${who} ${route}: ${owner}'s ${v === a.password ? 'password' : JSON.stringify(v)}`);
        }
      }
    }
    assert.deepEqual(leaks, []);
  });

  it('the customer\'s data reaches the admin through the administration\'s routes, and no one else', () => {
    const where = new Set();
    const leaks = [];
    for (const { who, route, text } of answers) {
      for (const v of traces(CUSTOMER)) {
        if (!text.includes(v)) continue;
        if (v !== CUSTOMER.password && who === 'admin' && / \/api\/v1\/admin\//.test(route))
          where.add(route.replace(/\?.*/, '').replace(/\/\d+/g, '/{id}'));
        else leaks.push(`${who} ${route}: the customer's ${v === CUSTOMER.password ? 'password' : JSON.stringify(v)}`);
      }
    }
    assert.deepEqual(leaks, []);
    // the samples did reach the customer: their data, their request, their disclosure
    assert.deepEqual([...where].sort(), [
      'GET /api/v1/admin/disclosures/{id}/export',
      'GET /api/v1/admin/upgrades',
      'GET /api/v1/admin/users',
      'GET /api/v1/admin/users/{id}',
      'PATCH /api/v1/admin/users/{id}',
    ]);
  });
});
