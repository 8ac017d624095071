// Accounts, sessions and the detailed/full views (docs/api.md, "Accounts,
// sessions and the views of a parcel") against the real `lis serve`.
//
// Each part starts its own server on a private copy of the demo store, with
// the clock read from a file (LIS_NOW=@file) so that expiry, back-off and the
// daily quota are moved by rewriting the file, never by sleeping. Password
// hashing runs at a tiny Argon2id cost except in the last part, which keeps the
// default cost. Every server, when stopped, is checked for passwords written
// in clear (store files, access log, standard error) and for full phone
// numbers in its logs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, renameSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer, copyStore, raw, LIS_BIN, PG_STORE } from './helper.mjs';

const FAST = ['--set', 'argon2_mem_kib=64', '--set', 'argon2_ops=1'];
const T0 = Date.parse('2026-03-02T03:00:00Z') / 1000; // 10:00 in Vietnam
const iso = (t) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const TOKEN = /^[A-Za-z0-9_-]{43}$/; // 256 bits, base64url

// Every password and phone number any test used: none may be written in clear.
const PASSWORDS = new Set();
const PHONES = new Set(); // E.164
let phoneSeq = 0;
// A fresh Vietnamese mobile number, national form (0 + 9 digits).
function newPhone() {
  phoneSeq++;
  const national = `0913${String(700000 + phoneSeq * 37).padStart(6, '0')}`;
  PHONES.add(`+84${national.slice(1)}`);
  return national;
}
const e164 = (national) => `+84${national.replace(/\D/g, '').slice(-9)}`;
function newPassword() {
  const pw = `Đồi-chè-${randomBytes(6).toString('hex')}`;
  PASSWORDS.add(pw);
  return pw;
}

// ------------------------------------------------------------------ servers

// A server on a private store copy with a movable clock.
async function serve({ args = FAST, env = {} } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'lis-accounts-'));
  const data = copyStore(work);
  const clock = join(work, 'now');
  const ctx = { work, data, clock, now: T0 };
  ctx.setNow = (t) => {
    ctx.now = t;
    writeFileSync(`${clock}.new`, `${iso(t)}\n`);
    renameSync(`${clock}.new`, clock); // a reader never sees a half-written file
  };
  ctx.setNow(T0);
  ctx.srv = await startServer({ data, args, env: { LIS_NOW: `@${clock}`, ...env } });
  ctx.lis = (argv, input) => spawnSync(LIS_BIN, [...argv, '--data', data], {
    input: input ?? '', encoding: 'utf8', timeout: 60_000,
    env: { ...process.env, LIS_NOW: `@${clock}` },
  });
  ctx.portal = (await new Client(ctx).req('GET', '/api/v1/portal')).json;
  return ctx;
}

// Stop the server and check what it wrote: no password anywhere, no full
// phone number in the access log or on standard error.
async function finish(ctx) {
  if (!ctx?.srv) return;
  const log = ctx.srv.accessLog();
  const r = await ctx.srv.stop();
  const stderr = ctx.srv.stderr();
  try {
    assert.equal(r.code, 0, stderr);
    assert.doesNotMatch(stderr, /runtime error|Sanitizer/, 'clean under sanitizers');
    assert.ok(log.length > 0, 'the access log was written');
    for (const pw of PASSWORDS) {
      assert.ok(!log.includes(pw), 'no password in the access log');
      assert.ok(!stderr.includes(pw), 'no password on standard error');
    }
    for (const p of PHONES) {
      const digits = p.slice(3);
      assert.ok(!log.includes(digits), `no phone number (…${digits.slice(-3)}) in the access log`);
      assert.ok(!stderr.includes(digits), `no phone number (…${digits.slice(-3)}) on stderr`);
    }
    if (!PG_STORE) {
      const files = storeFiles(ctx.data);
      assert.ok(files.some((f) => f.name === 'portal.db'), 'the portal is in portal.db');
      for (const { name, bytes } of files) {
        for (const pw of PASSWORDS)
          assert.equal(bytes.indexOf(Buffer.from(pw, 'utf8')), -1, `no password in ${name}`);
        for (const s of ctx.erased ?? [])
          assert.equal(bytes.indexOf(Buffer.from(s, 'utf8')), -1, `"${s}" of a closed account is not in ${name}`);
      }
      // the search itself finds what is there: an open account's name
      for (const s of ctx.present ?? [])
        assert.ok(files.some(({ bytes }) => bytes.indexOf(Buffer.from(s, 'utf8')) >= 0), `"${s}" is found`);
    }
  } finally {
    rmSync(ctx.work, { recursive: true, force: true });
  }
}

// Every file of a store directory (the databases and their -wal/-shm files).
function storeFiles(dir) {
  return readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile())
    .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
}

// ------------------------------------------------------------------ clients

// One browser: its session cookie and CSRF value, requests through node:http
// so that Origin, Sec-Fetch-Site and Cookie are sent exactly as given.
class Client {
  constructor(ctx) {
    this.ctx = ctx;
    this.token = null;
    this.csrf = null;
  }

  async req(method, path, { body, headers = {}, csrf = true, cookie } = {}) {
    const h = { ...headers };
    let payload = body;
    if (body !== undefined && typeof body !== 'string') {
      payload = JSON.stringify(body);
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type'))
        h['content-type'] = 'application/json';
    }
    if (payload !== undefined) h['content-length'] = Buffer.byteLength(payload);
    const tok = cookie !== undefined ? cookie : this.token;
    if (tok) h.cookie = `lis_session=${tok}`;
    if (csrf && this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    const r = await raw(this.ctx.srv.base, path, { method, headers: h, body: payload });
    const text = r.body.toString('utf8');
    let json = null;
    if (/json/.test(r.headers['content-type'] || '') && text) json = JSON.parse(text);
    const setCookie = [].concat(r.headers['set-cookie'] || []).find((c) => c.startsWith('lis_session='));
    if (setCookie) {
      const v = /^lis_session=([^;]*)/.exec(setCookie)[1];
      this.token = v || null;
      if (!v) this.csrf = null;
    }
    if (json && typeof json.csrf === 'string' && setCookie) this.csrf = json.csrf;
    return { status: r.status, headers: r.headers, text, json, setCookie, body: r.body };
  }

  async register(fields = {}) {
    const phone = fields.phone ?? newPhone();
    const password = fields.password ?? newPassword();
    const body = {
      name: 'Nguyễn Văn Bình', phone, password,
      consent_version: this.ctx.portal.privacy.version, ...fields,
    };
    const r = await this.req('POST', '/api/v1/account', { body });
    assert.equal(r.status, 201, r.text);
    this.phone = phone;
    this.password = password;
    return r;
  }

  login(phone = this.phone, password = this.password, headers = {}) {
    return this.req('POST', '/api/v1/session', { body: { phone, password }, headers });
  }
}

// An account with two sessions: two browsers logged in to it.
async function twoSessions(ctx) {
  const a = new Client(ctx);
  await a.register();
  const other = new Client(ctx);
  assert.equal((await other.login(a.phone, a.password)).status, 200);
  return [a, other];
}

function problem(r, status, type) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers['content-type'], /^application\/problem\+json/);
  assert.equal(r.json.status, status);
  assert.equal(r.json.type, `/problems/${type}`, r.text);
  return r.json;
}

// The field errors of a 400 as { name: code }.
function fieldErrors(r) {
  problem(r, 400, 'invalid-body');
  assert.ok(Array.isArray(r.json.invalid_params), r.text);
  const out = {};
  for (const p of r.json.invalid_params) {
    assert.equal(typeof p.reason, 'string');
    assert.ok(p.reason.length > 0);
    out[p.name] = p.code;
  }
  return out;
}

// ----------------------------------------------------------- registration

describe('registration', () => {
  let ctx;
  before(async () => { ctx = await serve(); });
  after(() => finish(ctx));

  const base = () => ({
    name: 'Trần Thị Mai', phone: newPhone(), password: newPassword(),
    consent_version: ctx.portal.privacy.version,
  });
  const post = (body, c = new Client(ctx)) => c.req('POST', '/api/v1/account', { body });

  it('names each missing required field', async () => {
    const r = await post({});
    assert.deepEqual(fieldErrors(r), {
      name: 'required', phone: 'required', password: 'required', consent_version: 'required',
    });
    for (const f of ['name', 'phone', 'password', 'consent_version']) {
      const b = base();
      delete b[f];
      assert.deepEqual(fieldErrors(await post(b)), { [f]: 'required' }, f);
      b[f] = f === 'name' || f === 'phone' ? ' \t ' : ''; // blank is missing too
      assert.deepEqual(fieldErrors(await post(b)), { [f]: 'required' }, `blank ${f}`);
    }
  });

  it('accepts only Vietnamese mobile numbers', async () => {
    const cases = {
      '024 3825 1234': /^(invalid|not-mobile)$/, // Hà Nội landline (11 digits)
      '0205 3812 345': /^(invalid|not-mobile)$/, // Lạng Sơn landline
      '+84 24 3825 1234': 'not-mobile',
      '+1 202 555 0143': 'not-mobile', // foreign
      '+33 6 12 34 56 78': 'not-mobile',
      '0912 abc 678': 'invalid', // letters
      '09123456789': 'invalid', // a digit too many
      '091234567': 'invalid', // a digit short
    };
    for (const [phone, code] of Object.entries(cases)) {
      const errs = fieldErrors(await post({ ...base(), phone }));
      assert.deepEqual(Object.keys(errs), ['phone'], phone);
      if (code instanceof RegExp) assert.match(errs.phone, code, phone);
      else assert.equal(errs.phone, code, phone);
    }
  });

  it('stores any usual writing of a number as E.164; the same number again is 409', async () => {
    const national = newPhone(); // 0913xxxxxx
    const d = national.slice(1);
    const spaced = `0${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`; // 0913 xxx xxx
    const plus = `+84${d}`;
    const dashed = `84-${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`;
    const c = new Client(ctx);
    const pw = newPassword();
    const r = await post({ ...base(), phone: spaced, password: pw }, c);
    assert.equal(r.status, 201, r.text);
    const me = await c.req('GET', '/api/v1/me');
    assert.equal(me.json.phone, plus);
    for (const other of [plus, dashed, spaced]) {
      const again = await post({ ...base(), phone: other });
      problem(again, 409, 'phone-taken');
    }
    // each writing also finds the account at login
    for (const form of [plus, dashed, spaced, `0084 ${d}`]) {
      const l = await new Client(ctx).login(form, pw);
      assert.equal(l.status, 200, `${form}: ${l.text}`);
      assert.equal(l.json.user.id, me.json.id);
    }
  });

  it('enforces the password rules', async () => {
    const b = base();
    const digits = b.phone.slice(1);
    const cases = [
      ['Ab1!x', 'too-short'],
      ['matkhau123', 'too-common'],
      ['MatKhau123', 'too-common'],
      ['password1', 'too-common'],
      [b.phone, 'same-as-phone'],
      [`+84 ${digits}`, 'same-as-phone'],
      [`84${digits}`, 'same-as-phone'],
      ['12345678', null], // a run; may be caught as common or simple, but caught
      ['abcdefghij', 'too-simple'],
      ['aaaaaaaaaa', 'too-simple'],
      ['x'.repeat(60) + 'y'.repeat(69), 'too-long'],
    ];
    for (const [password, code] of cases) {
      const r = await post({ ...b, password });
      const errs = fieldErrors(r);
      assert.deepEqual(Object.keys(errs), ['password'], password);
      if (code) assert.equal(errs.password, code, password);
      else assert.match(errs.password, /^too-(simple|common)$/, password);
    }
    // 8 and 128 characters are the limits (characters, not bytes)
    const ok8 = `Ừ${randomBytes(3).toString('hex').slice(0, 5)}-z`;
    PASSWORDS.add(ok8);
    assert.equal(ok8.length, 8);
    assert.equal((await post({ ...base(), password: ok8 })).status, 201);
    const ok128 = `Đ${randomBytes(40).toString('hex')}`.padEnd(128, 'k');
    PASSWORDS.add(ok128);
    assert.equal((await post({ ...base(), password: ok128 })).status, 201);
    assert.deepEqual(fieldErrors(await post({ ...base(), password: ok128 + 'k' })), { password: 'too-long' });
  });

  it('checks the e-mail address and the address', async () => {
    for (const email of ['an@@example.vn', 'an.example.vn', 'an@example', '@example.vn',
      'an@exa mple.vn', 'an@-example.vn', 'a..n@example.vn']) {
      assert.deepEqual(fieldErrors(await post({ ...base(), email })), { email: 'invalid' }, email);
    }
    const long = 'Số 1 đường Trần Đăng Ninh, '.repeat(12);
    assert.ok(long.length > 300);
    assert.deepEqual(fieldErrors(await post({ ...base(), address: long })), { address: 'too-long' });
    const c = new Client(ctx);
    const r = await post({ ...base(), email: 'Hoa.Le@Example.VN', address: '  Số 5, phố Lê Lợi  ' }, c);
    assert.equal(r.status, 201, r.text);
    const me = (await c.req('GET', '/api/v1/me')).json;
    assert.equal(me.email, 'Hoa.Le@example.vn');
    assert.equal(me.address, 'Số 5, phố Lê Lợi');
  });

  it('keeps a Vietnamese name with its diacritics, trimmed', async () => {
    const c = new Client(ctx);
    const r = await post({ ...base(), name: '  Nguyễn   Thị Ánh\tTuyết  ' }, c);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.user.name, 'Nguyễn Thị Ánh Tuyết');
    const me = (await c.req('GET', '/api/v1/me')).json;
    assert.equal(me.name, 'Nguyễn Thị Ánh Tuyết');
    for (const [name, code] of [['A', 'too-short'], ['Lê<script>', 'invalid'], ['Đ'.repeat(101), 'too-long']])
      assert.deepEqual(fieldErrors(await post({ ...base(), name })), { name: code }, name);
  });

  it('requires consent to the current privacy policy and records it', async () => {
    const version = ctx.portal.privacy.version;
    assert.equal(typeof version, 'string');
    for (const v of [`${version}.0`, '0.1', 'x'])
      assert.deepEqual(fieldErrors(await post({ ...base(), consent_version: v })),
        { consent_version: 'outdated' }, v);
    const c = new Client(ctx);
    assert.equal((await post(base(), c)).status, 201);
    const me = (await c.req('GET', '/api/v1/me')).json;
    assert.equal(me.consent.version, version);
    assert.equal(me.consent.at, iso(ctx.now));
  });

  it('answers 201 with a session, the free plan and the user role', async () => {
    const c = new Client(ctx);
    const r = await post(base(), c);
    assert.equal(r.status, 201);
    assert.match(c.token, TOKEN);
    assert.match(r.json.csrf, TOKEN);
    assert.equal(r.json.user.role, 'user');
    assert.equal(r.json.user.plan.code, 'free');
    assert.equal(r.json.user.must_reset, false);
    const s = await c.req('GET', '/api/v1/session');
    assert.equal(s.json.user.id, r.json.user.id);
  });

  it('refuses unknown fields (no role or plan through the form) and non-JSON bodies', async () => {
    for (const extra of [{ role: 'admin' }, { plan: 'plus' }, { id: 1 }])
      problem(await post({ ...base(), ...extra }), 400, 'invalid-body');
    problem(await new Client(ctx).req('POST', '/api/v1/account', {
      body: JSON.stringify(base()), headers: { 'content-type': 'text/plain' },
    }), 415, 'unsupported-media-type');
    const json = { 'content-type': 'application/json' };
    problem(await new Client(ctx).req('POST', '/api/v1/account', { body: '[1,2]', headers: json }), 400, 'invalid-body');
    problem(await new Client(ctx).req('POST', '/api/v1/account', { body: '{"name":', headers: json }), 400, 'invalid-body');
    problem(await new Client(ctx).req('POST', '/api/v1/account', { body: '{"name":"a","name":"b"}', headers: json }), 400, 'invalid-body');
    const b = base();
    for (const f of ['name', 'phone', 'password']) {
      const r = await post({ ...b, [f]: 12345678 });
      problem(r, 400, 'invalid-body');
      assert.ok(r.json.invalid_params.some((x) => x.name === f && x.code === 'invalid'), r.text);
      assert.ok(r.json.invalid_params.every((x) => x.name === f), r.text);
    }
  });
});

// ----------------------------------------------------- cookies and sessions

function cookieAttrs(setCookie) {
  const [nv, ...rest] = setCookie.split(';').map((s) => s.trim());
  const attrs = {};
  for (const a of rest) {
    const [k, v] = a.split('=');
    attrs[k.toLowerCase()] = v ?? true;
  }
  return { value: nv.slice(nv.indexOf('=') + 1), attrs };
}

describe('cookie attributes', () => {
  it('HttpOnly, SameSite=Lax, Path=/; Secure only when cookie_secure is on', async () => {
    for (const secure of [false, true]) {
      const ctx = await serve({ args: secure ? [...FAST, '--set', 'cookie_secure=true'] : FAST });
      try {
        const c = new Client(ctx);
        const r = await c.register();
        const { value, attrs } = cookieAttrs(r.setCookie);
        assert.match(value, TOKEN);
        assert.equal(attrs.httponly, true);
        assert.equal(attrs.samesite, 'Lax');
        assert.equal(attrs.path, '/');
        assert.equal(attrs['max-age'], '604800'); // session_max
        assert.equal(attrs.secure, secure ? true : undefined, r.setCookie);
        // the token is never in a body
        assert.ok(!r.text.includes(value));
        const out = await c.req('DELETE', '/api/v1/session');
        assert.equal(out.status, 204);
        const cleared = cookieAttrs(out.setCookie);
        assert.equal(cleared.value, '');
        assert.equal(cleared.attrs['max-age'], '0');
        assert.equal(cleared.attrs.httponly, true);
        assert.equal(cleared.attrs.secure, secure ? true : undefined);
      } finally {
        await finish(ctx);
      }
    }
  });
});

describe('sessions', () => {
  let ctx;
  before(async () => {
    ctx = await serve({ args: [...FAST, '--set', 'session_idle=300', '--set', 'session_max=2000'] });
  });
  after(() => finish(ctx));

  const alive = async (c) => (await c.req('GET', '/api/v1/me')).status === 200;

  it('gives a new token at login whatever cookie was planted before', async () => {
    const owner = new Client(ctx);
    await owner.register();
    const planted = 'A'.repeat(43); // a well-formed token the attacker chose
    const victim = new Client(ctx);
    victim.token = planted;
    const r = await victim.login(owner.phone, owner.password);
    assert.equal(r.status, 200, r.text);
    assert.match(victim.token, TOKEN);
    assert.notEqual(victim.token, planted);
    const s = await victim.req('GET', '/api/v1/session', { cookie: planted });
    assert.deepEqual(s.json, { user: null }, 'the planted value is no session');
    assert.ok(await alive(victim));
    // a live session of the attacker's own, planted: login still gives a new one
    const attacker = new Client(ctx);
    await attacker.register();
    const victim2 = new Client(ctx);
    victim2.token = attacker.token;
    victim2.csrf = attacker.csrf; // even with its CSRF value (the page saw it)
    const r2 = await victim2.login(owner.phone, owner.password);
    assert.equal(r2.status, 200, r2.text);
    assert.notEqual(victim2.token, attacker.token);
    assert.equal((await victim2.req('GET', '/api/v1/me')).json.phone, e164(owner.phone));
    // the session the browser carried into the login has ended: one browser, one session
    assert.equal((await attacker.req('GET', '/api/v1/me')).status, 401);
  });

  it('each login is a new token and a session of its own', async () => {
    const a = new Client(ctx);
    await a.register();
    const first = a.token;
    const b = new Client(ctx);
    await b.login(a.phone, a.password);
    const c = new Client(ctx);
    await c.login(a.phone, a.password);
    assert.equal(new Set([first, b.token, c.token]).size, 3);
    assert.notEqual(b.csrf, c.csrf, 'the CSRF value is per session');
    for (const x of [a, b, c]) assert.ok(await alive(x));
    // one session's CSRF value does not open another
    const r = await b.req('PATCH', '/api/v1/me', { body: { name: 'Chép Trộm' }, headers: { 'x-csrf-token': c.csrf }, csrf: false });
    problem(r, 403, 'csrf');
  });

  it('a password change gives a new token and ends the other sessions', async () => {
    const [a, other] = await twoSessions(ctx);
    const oldToken = a.token;
    const np = newPassword();
    const r = await a.req('POST', '/api/v1/me/password', { body: { current: a.password, new: np } });
    assert.equal(r.status, 200, r.text);
    assert.match(a.token, TOKEN);
    assert.notEqual(a.token, oldToken);
    assert.equal(r.json.csrf, a.csrf);
    assert.ok(await alive(a), 'the new session works');
    problem(await a.req('GET', '/api/v1/me', { cookie: oldToken }), 401, 'login-required');
    assert.equal(await alive(other), false, 'the other session ended');
  });

  it('refuses state-changing requests without the CSRF value or from another site', async () => {
    const a = new Client(ctx);
    await a.register({ name: 'Hoàng Văn Gốc' });
    const own = `http://127.0.0.1:${ctx.srv.port}`;
    const attempts = [
      ['PATCH', '/api/v1/me', { body: { name: 'Kẻ Gian' }, csrf: false }],
      ['PATCH', '/api/v1/me', { body: { name: 'Kẻ Gian' }, csrf: false, headers: { 'x-csrf-token': 'B'.repeat(43) } }],
      ['PATCH', '/api/v1/me', { body: { name: 'Kẻ Gian' }, csrf: false, headers: { 'x-csrf-token': '' } }],
      ['PATCH', '/api/v1/me', { body: { name: 'Kẻ Gian' }, csrf: false, headers: { 'x-csrf-token': a.token } }],
      ['PATCH', '/api/v1/me', { body: { name: 'Kẻ Gian' }, headers: { origin: 'http://evil.example' } }],
      ['PATCH', '/api/v1/me', { body: { name: 'Kẻ Gian' }, headers: { origin: `http://127.0.0.1:${ctx.srv.port}.evil.example` } }],
      ['PATCH', '/api/v1/me', { body: { name: 'Kẻ Gian' }, headers: { origin: 'null' } }],
      ['PATCH', '/api/v1/me', { body: { name: 'Kẻ Gian' }, headers: { 'sec-fetch-site': 'cross-site' } }],
      ['PATCH', '/api/v1/me', { body: { name: 'Kẻ Gian' }, headers: { 'sec-fetch-site': 'same-site' } }],
      ['POST', '/api/v1/me/password', { body: { current: a.password, new: newPassword() }, csrf: false }],
      ['POST', '/api/v1/me/password', { body: { current: a.password, new: newPassword() }, headers: { origin: 'https://evil.example' } }],
      ['DELETE', '/api/v1/me', { body: { password: a.password }, csrf: false }],
      ['DELETE', '/api/v1/me', { body: { password: a.password }, headers: { 'sec-fetch-site': 'cross-site' } }],
      ['DELETE', '/api/v1/session', { csrf: false }],
      ['DELETE', '/api/v1/sessions', { csrf: false }],
      ['DELETE', '/api/v1/sessions', { headers: { origin: 'http://evil.example' } }],
    ];
    for (const [method, path, opts] of attempts) {
      const r = await a.req(method, path, opts);
      problem(r, 403, 'csrf');
    }
    // a JSON body in another type is refused before anything is read
    problem(await a.req('PATCH', '/api/v1/me', {
      body: JSON.stringify({ name: 'Kẻ Gian' }), headers: { 'content-type': 'text/plain' },
    }), 415, 'unsupported-media-type');
    problem(await a.req('PATCH', '/api/v1/me', {
      body: 'name=K', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }), 415, 'unsupported-media-type');
    // nothing changed, every session still there
    const me = await a.req('GET', '/api/v1/me');
    assert.equal(me.status, 200, 'still logged in');
    assert.equal(me.json.name, 'Hoàng Văn Gốc');
    assert.equal((await new Client(ctx).login(a.phone, a.password)).status, 200, 'password unchanged');
    // the same requests from the portal's own page go through
    const ok = await a.req('PATCH', '/api/v1/me', {
      body: { name: 'Hoàng Văn Mới' }, headers: { origin: own, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.name, 'Hoàng Văn Mới');
    // login and registration from another site are refused too (login CSRF)
    problem(await new Client(ctx).login(a.phone, a.password, { origin: 'http://evil.example' }), 403, 'csrf');
    problem(await new Client(ctx).login(a.phone, a.password, { 'sec-fetch-site': 'cross-site' }), 403, 'csrf');
    problem(await new Client(ctx).req('POST', '/api/v1/account', {
      body: { name: 'Ai Đó', phone: newPhone(), password: newPassword(), consent_version: ctx.portal.privacy.version },
      headers: { origin: 'http://evil.example' },
    }), 403, 'csrf');
  });

  it('logout ends this session only and clears the cookie', async () => {
    const [a, other] = await twoSessions(ctx);
    const token = a.token;
    const r = await a.req('DELETE', '/api/v1/session');
    assert.equal(r.status, 204);
    assert.equal(cookieAttrs(r.setCookie).value, '');
    assert.equal(a.token, null);
    const s = await a.req('GET', '/api/v1/session', { cookie: token });
    assert.deepEqual(s.json, { user: null });
    problem(await a.req('GET', '/api/v1/me', { cookie: token }), 401, 'login-required');
    assert.ok(await alive(other), 'the other session lives on');
    // logging out without a session is not possible
    problem(await new Client(ctx).req('DELETE', '/api/v1/session'), 401, 'login-required');
  });

  it('log out everywhere ends every session of the account', async () => {
    const [a, b] = await twoSessions(ctx);
    const stranger = new Client(ctx);
    await stranger.register();
    const r = await b.req('DELETE', '/api/v1/sessions');
    assert.equal(r.status, 204);
    assert.equal(cookieAttrs(r.setCookie).value, '');
    assert.equal(await alive(a), false);
    assert.equal(await alive(b), false);
    assert.ok(await alive(stranger), "another account's session lives on");
    assert.equal((await a.login()).status, 200, 'logging in again works');
  });

  it('ends a session after session_idle seconds without a request', async () => {
    ctx.setNow(T0 + 5000);
    const a = new Client(ctx);
    const r = await a.register();
    const t = ctx.now;
    assert.equal(r.json.idle_expires_at, iso(t + 300));
    assert.equal(r.json.expires_at, iso(t + 2000));
    assert.equal(cookieAttrs(r.setCookie).attrs['max-age'], '2000');
    const b = new Client(ctx);
    await b.login(a.phone, a.password); // a second session, left alone
    ctx.setNow(t + 250);
    assert.ok(await alive(a));
    const s = await a.req('GET', '/api/v1/session');
    assert.equal(s.json.idle_expires_at, iso(t + 250 + 300));
    ctx.setNow(t + 500); // 500 s after login, 250 after the last request
    assert.ok(await alive(a), 'idle time counts from the last request');
    assert.equal(await alive(b), false, 'the session left alone for 500 s ended');
    ctx.setNow(t + 799);
    assert.ok(await alive(a));
    ctx.setNow(t + 799 + 300);
    assert.equal(await alive(a), false, 'idle for 300 s: ended');
    assert.deepEqual((await a.req('GET', '/api/v1/session')).json, { user: null });
  });

  it('ends a session session_max seconds after login however busy', async () => {
    ctx.setNow(T0 + 20000);
    const a = new Client(ctx);
    await a.register();
    const t = ctx.now;
    for (const dt of [250, 500, 750, 1000, 1250, 1500, 1750, 1999]) {
      ctx.setNow(t + dt);
      assert.ok(await alive(a), `alive at +${dt}`);
    }
    const s = await a.req('GET', '/api/v1/session');
    assert.equal(s.json.idle_expires_at, iso(t + 2000), 'idle expiry never after the absolute one');
    assert.equal(s.json.expires_at, iso(t + 2000));
    ctx.setNow(t + 2000);
    assert.equal(await alive(a), false, 'ended at session_max');
    assert.equal((await a.login()).status, 200);
    assert.ok(await alive(a));
  });
});

// ------------------------------------------------------------------ login

describe('login', () => {
  let ctx;
  before(async () => {
    ctx = await serve({ args: [...FAST, '--set', 'login_free_attempts=3', '--set', 'login_backoff_max=60',
      '--set', 'login_address_free_attempts=100000'] });
  });
  after(() => finish(ctx));

  it('answers an unknown phone and a wrong password alike', async () => {
    const a = new Client(ctx);
    await a.register();
    const wrongPw = await new Client(ctx).login(a.phone, newPassword());
    const unknown = await new Client(ctx).login(newPhone(), newPassword());
    const unknownSamePw = await new Client(ctx).login(newPhone(), a.password);
    problem(wrongPw, 401, 'invalid-credentials');
    for (const r of [unknown, unknownSamePw]) {
      assert.equal(r.status, wrongPw.status);
      assert.ok(r.body.equals(wrongPw.body), 'byte-identical bodies');
      assert.equal(r.headers['content-type'], wrongPw.headers['content-type']);
      assert.equal(r.headers['set-cookie'], undefined);
    }
    assert.equal(wrongPw.headers['set-cookie'], undefined);
    // a closed account's phone is unknown too
    const closed = new Client(ctx);
    await closed.register();
    assert.equal((await closed.req('DELETE', '/api/v1/me', { body: { password: closed.password } })).status, 204);
    const r = await new Client(ctx).login(closed.phone, closed.password);
    assert.ok(r.body.equals(wrongPw.body));
  });

  async function backoff(phone, goodPassword) {
    const c = new Client(ctx);
    for (let i = 1; i <= 3; i++)
      problem(await c.login(phone, newPassword()), 401, 'invalid-credentials');
    // after login_free_attempts (3) failures: wait 1 s, even with the right password
    let r = await c.login(phone, goodPassword ?? newPassword());
    problem(r, 429, 'too-many-attempts');
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.json.retry_after, 1);
    assert.equal(c.token, null);
    ctx.setNow(ctx.now + 1);
    problem(await c.login(phone, newPassword()), 401, 'invalid-credentials');
    // the next wait is twice as long
    r = await c.login(phone, newPassword());
    problem(r, 429, 'too-many-attempts');
    assert.equal(r.headers['retry-after'], '2');
    ctx.setNow(ctx.now + 1);
    r = await c.login(phone, newPassword());
    problem(r, 429, 'too-many-attempts');
    assert.equal(r.headers['retry-after'], '1');
    ctx.setNow(ctx.now + 1);
    problem(await c.login(phone, newPassword()), 401, 'invalid-credentials');
    r = await c.login(phone, newPassword());
    assert.equal(r.headers['retry-after'], '4');
    // growing up to login_backoff_max
    for (let i = 0; i < 8; i++) {
      ctx.setNow(ctx.now + Number(r.headers['retry-after']));
      problem(await c.login(phone, newPassword()), 401, 'invalid-credentials');
      r = await c.login(phone, newPassword());
      problem(r, 429, 'too-many-attempts');
    }
    assert.equal(r.headers['retry-after'], '60');
    ctx.setNow(ctx.now + 60);
    return c;
  }

  it('backs off after login_free_attempts failures for a registered phone', async () => {
    ctx.setNow(T0 + 100000);
    const a = new Client(ctx);
    await a.register();
    const c = await backoff(a.phone, a.password);
    // once the wait is over the right password works, and clears the count
    const r = await c.login(a.phone, a.password);
    assert.equal(r.status, 200, r.text);
    for (let i = 1; i <= 3; i++)
      problem(await c.login(a.phone, newPassword()), 401, 'invalid-credentials');
    problem(await c.login(a.phone, newPassword()), 429, 'too-many-attempts');
  });

  it('backs off the same way for a phone nobody registered', async () => {
    ctx.setNow(T0 + 200000);
    await backoff(newPhone());
  });

  it('the back-off of one phone does not touch another', async () => {
    ctx.setNow(T0 + 300000);
    const a = new Client(ctx);
    await a.register();
    const c = new Client(ctx);
    for (let i = 1; i <= 3; i++) await c.login(newPhone(), newPassword());
    const victim = newPhone();
    for (let i = 1; i <= 3; i++) await c.login(victim, newPassword());
    problem(await c.login(victim, newPassword()), 429, 'too-many-attempts');
    assert.equal((await c.login(a.phone, a.password)).status, 200);
  });

  it('a locked account says so only after the right password', async () => {
    ctx.setNow(T0 + 400000);
    const a = new Client(ctx);
    await a.register();
    const reference = await new Client(ctx).login(a.phone, newPassword());
    const lock = ctx.lis(['user', 'lock', '--phone', a.phone]);
    assert.equal(lock.status, 0, lock.stderr);
    assert.equal((await a.req('GET', '/api/v1/me')).status, 401, 'locking ended the session');
    const wrong = await new Client(ctx).login(a.phone, newPassword());
    problem(wrong, 401, 'invalid-credentials');
    assert.ok(wrong.body.equals(reference.body), 'a wrong password learns nothing');
    const right = new Client(ctx);
    const r = await right.login(a.phone, a.password);
    problem(r, 403, 'account-locked');
    assert.equal(right.token, null, 'no session for a locked account');
    const unlock = ctx.lis(['user', 'unlock', '--phone', a.phone]);
    assert.equal(unlock.status, 0, unlock.stderr);
    assert.equal((await right.login(a.phone, a.password)).status, 200);
  });

  it('refuses malformed logins per field', async () => {
    const c = new Client(ctx);
    assert.deepEqual(fieldErrors(await c.req('POST', '/api/v1/session', { body: {} })),
      { phone: 'required', password: 'required' });
    assert.deepEqual(fieldErrors(await c.login('abc', 'x')), { phone: 'invalid' });
    problem(await c.req('POST', '/api/v1/session', { body: { phone: newPhone(), password: 'x', remember: true } }),
      400, 'invalid-body');
  });
});

describe('login limit per client address', () => {
  // Failures counted per address: each attempt names a different phone, so the
  // per-phone limit never applies.
  async function run(args, xff) {
    const ctx = await serve({ args: [...FAST, '--set', 'login_address_free_attempts=4', '--set', 'login_backoff_max=60', ...args] });
    try {
      const c = new Client(ctx);
      const results = [];
      for (let i = 0; i < 5; i++) {
        const r = await c.login(newPhone(), newPassword(), xff(i));
        results.push(r.status);
      }
      return { ctx, results, c };
    } catch (e) {
      await finish(ctx);
      throw e;
    }
  }

  it('counts the peer address; X-Forwarded-For is ignored without trusted proxies', async () => {
    const { ctx, results, c } = await run([], (i) => ({ 'x-forwarded-for': `203.0.113.${i + 1}` }));
    try {
      assert.deepEqual(results, [401, 401, 401, 401, 429]);
      const r = await c.login(newPhone(), newPassword(), { 'x-forwarded-for': '198.51.100.99' });
      problem(r, 429, 'too-many-attempts');
      assert.equal(r.headers['retry-after'], '1');
      // an account's right password waits too: the address is throttled
      const a = new Client(ctx);
      ctx.setNow(ctx.now + 1);
      await a.register();
      await c.login(newPhone(), newPassword());
      problem(await a.login(a.phone, a.password, { 'x-forwarded-for': '198.51.100.98' }), 429, 'too-many-attempts');
      ctx.setNow(ctx.now + 2);
      assert.equal((await a.login()).status, 200, 'lifted when the wait is over');
    } finally {
      await finish(ctx);
    }
  });

  it('with trusted_proxies, the address is the right-most untrusted one of X-Forwarded-For', async () => {
    const { ctx, results, c } = await run(['--set', 'trusted_proxies=127.0.0.1'],
      (i) => ({ 'x-forwarded-for': i % 2 ? '203.0.113.7' : '10.9.8.7, 203.0.113.7' }));
    try {
      assert.deepEqual(results, [401, 401, 401, 401, 429]);
      // the same client behind a forged left-most entry is still the same client
      problem(await c.login(newPhone(), newPassword(), { 'x-forwarded-for': '192.0.2.1, 203.0.113.7' }), 429, 'too-many-attempts');
      // other clients behind the proxy, and the proxy itself, are not throttled
      problem(await c.login(newPhone(), newPassword(), { 'x-forwarded-for': '203.0.113.8' }), 401, 'invalid-credentials');
      problem(await c.login(newPhone(), newPassword()), 401, 'invalid-credentials');
      // a trusted hop after the client is skipped
      problem(await c.login(newPhone(), newPassword(), { 'x-forwarded-for': '203.0.113.7, 127.0.0.1' }), 429, 'too-many-attempts');
      ctx.setNow(ctx.now + 1);
      problem(await c.login(newPhone(), newPassword(), { 'x-forwarded-for': '203.0.113.7' }), 401, 'invalid-credentials');
    } finally {
      await finish(ctx);
    }
  });
});

// ---------------------------------------------------------------- profile

describe('profile, password, export, close', () => {
  let ctx;
  before(async () => { ctx = await serve(); });
  after(() => finish(ctx));

  it('shows the profile and replaces edited fields; null or "" erases e-mail and address', async () => {
    const a = new Client(ctx);
    const phone = newPhone();
    await a.register({ phone, name: 'Lý Thị Cũ', email: 'cu@example.vn', address: 'Thôn Cũ' });
    let me = (await a.req('GET', '/api/v1/me')).json;
    assert.equal(me.name, 'Lý Thị Cũ');
    assert.equal(me.phone, e164(phone));
    assert.equal(me.email, 'cu@example.vn');
    assert.equal(me.address, 'Thôn Cũ');
    assert.equal(me.role, 'user');
    assert.equal(me.plan.code, 'free');
    assert.equal(me.created_at, iso(ctx.now));
    assert.deepEqual(Object.keys(me.views).sort(), ['daily', 'left', 'resets_at', 'used']);
    assert.ok(!('pw_hash' in me) && !('password' in me));
    ctx.setNow(ctx.now + 60);
    const newNumber = newPhone();
    const r = await a.req('PATCH', '/api/v1/me', {
      body: { name: 'Lý Thị Mới', email: 'moi@example.vn', address: 'Thôn Mới', phone: newNumber },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.name, 'Lý Thị Mới');
    assert.equal(r.json.email, 'moi@example.vn');
    assert.equal(r.json.address, 'Thôn Mới');
    assert.equal(r.json.phone, e164(newNumber));
    assert.equal(r.json.updated_at, iso(ctx.now));
    me = (await a.req('GET', '/api/v1/me')).json;
    assert.deepEqual(me, r.json);
    // the old number no longer logs in, the new one does
    problem(await new Client(ctx).login(phone, a.password), 401, 'invalid-credentials');
    assert.equal((await new Client(ctx).login(newNumber, a.password)).status, 200);
    // only the fields sent change
    const r2 = await a.req('PATCH', '/api/v1/me', { body: { address: 'Thôn Mới Hơn' } });
    assert.equal(r2.json.name, 'Lý Thị Mới');
    assert.equal(r2.json.email, 'moi@example.vn');
    assert.equal(r2.json.address, 'Thôn Mới Hơn');
    const r3 = await a.req('PATCH', '/api/v1/me', { body: { email: null, address: '' } });
    assert.equal(r3.status, 200, r3.text);
    assert.equal(r3.json.email, null);
    assert.equal(r3.json.address, null);
    assert.equal(r3.json.name, 'Lý Thị Mới');
    me = (await a.req('GET', '/api/v1/me')).json;
    assert.equal(me.email, null);
    assert.equal(me.address, null);
    // name and phone cannot be erased; bad values are per field; nothing changes
    assert.deepEqual(fieldErrors(await a.req('PATCH', '/api/v1/me', { body: { name: null, phone: '', email: 'x@' } })),
      { name: 'required', phone: 'required', email: 'invalid' });
    problem(await a.req('PATCH', '/api/v1/me', { body: { role: 'admin' } }), 400, 'invalid-body');
    problem(await a.req('PATCH', '/api/v1/me', { body: { plan: 'plus' } }), 400, 'invalid-body');
    const b = new Client(ctx);
    await b.register();
    problem(await a.req('PATCH', '/api/v1/me', { body: { phone: b.phone } }), 409, 'phone-taken');
    me = (await a.req('GET', '/api/v1/me')).json;
    assert.equal(me.phone, e164(newNumber));
    assert.equal(me.role, 'user');
    assert.equal(me.plan.code, 'free');
    // without a session, nothing
    problem(await new Client(ctx).req('GET', '/api/v1/me'), 401, 'login-required');
    problem(await new Client(ctx).req('PATCH', '/api/v1/me', { body: { name: 'Ai Đó' } }), 401, 'login-required');
  });

  it('changes the password only with the current one', async () => {
    const a = new Client(ctx);
    await a.register();
    const old = a.password;
    const np = newPassword();
    let r = await a.req('POST', '/api/v1/me/password', { body: { current: newPassword(), new: np } });
    assert.deepEqual(fieldErrors(r), { current: 'wrong' });
    assert.equal((await new Client(ctx).login(a.phone, np)).status, 401, 'not changed');
    r = await a.req('POST', '/api/v1/me/password', { body: { current: old, new: 'matkhau123' } });
    assert.deepEqual(fieldErrors(r), { new: 'too-common' });
    r = await a.req('POST', '/api/v1/me/password', { body: { current: old, new: old } });
    assert.equal(fieldErrors(r).new, 'unchanged');
    r = await a.req('POST', '/api/v1/me/password', { body: { current: old, new: a.phone } });
    assert.deepEqual(fieldErrors(r), { new: 'same-as-phone' });
    r = await a.req('POST', '/api/v1/me/password', { body: { new: np } });
    assert.deepEqual(fieldErrors(r), { current: 'required' });
    r = await a.req('POST', '/api/v1/me/password', { body: { current: old, new: np } });
    assert.equal(r.status, 200, r.text);
    problem(await new Client(ctx).login(a.phone, old), 401, 'invalid-credentials');
    const again = new Client(ctx);
    assert.equal((await again.login(a.phone, np)).status, 200);
    assert.equal((await again.req('GET', '/api/v1/me')).json.phone, e164(a.phone));
  });

  it('exports the account as a JSON attachment with the records of its own views', async () => {
    const a = new Client(ctx);
    await a.register({ name: 'Đặng Xuất Khẩu', email: 'xk@example.vn', address: 'Bản Xuất' });
    const b = new Client(ctx);
    await b.register();
    const mine = [11, 12], theirs = [13];
    for (const id of mine) assert.equal((await a.req('GET', `/api/v1/parcels/${id}`)).status, 200);
    for (const id of theirs) assert.equal((await b.req('GET', `/api/v1/parcels/${id}`)).status, 200);
    await a.req('GET', '/api/v1/parcels/14?view=basic'); // a basic view is not recorded
    const r = await a.req('GET', '/api/v1/me/export');
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['content-disposition'], /^attachment;\s*filename="[^"]+\.json"/);
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.match(r.headers['cache-control'] || '', /no-store/);
    const doc = r.json;
    assert.equal(doc.account.name, 'Đặng Xuất Khẩu');
    assert.equal(doc.account.phone, e164(a.phone));
    assert.equal(doc.account.email, 'xk@example.vn');
    assert.equal(doc.account.address, 'Bản Xuất');
    assert.equal(doc.account.consent.version, ctx.portal.privacy.version);
    assert.ok(Array.isArray(doc.sessions) && doc.sessions.length >= 1);
    const views = doc.records_about_you.filter((x) => x.action === 'parcel.detailed');
    assert.deepEqual(views.map((x) => x.object).sort(), mine);
    for (const v of views) assert.equal(v.by, 'you');
    assert.ok(doc.records_about_you.some((x) => x.action === 'account.create'));
    assert.ok(!r.text.includes(e164(b.phone)) && !r.text.includes(b.phone.slice(1)), "nothing of the other account's");
    assert.ok(!/argon2|pw_hash/.test(r.text), 'no password hash');
    assert.ok(!r.text.includes(a.token), 'no session token');
    problem(await new Client(ctx).req('GET', '/api/v1/me/export'), 401, 'login-required');
  });

  it('closes the account: personal fields erased everywhere, the phone free again', async () => {
    const a = new Client(ctx);
    const name = 'Vương Thị Khép Sổ';
    const id = (await a.register({ name, email: 'khepso@example.vn', address: 'Ngõ Đóng Cửa' })).json.user.id;
    const other = new Client(ctx);
    await other.login(a.phone, a.password);
    await a.req('GET', '/api/v1/parcels/21');
    let r = await a.req('DELETE', '/api/v1/me', { body: { password: newPassword() } });
    assert.deepEqual(fieldErrors(r), { password: 'wrong' });
    assert.equal((await a.req('GET', '/api/v1/me')).status, 200, 'still open');
    r = await a.req('DELETE', '/api/v1/me', { body: {} });
    assert.deepEqual(fieldErrors(r), { password: 'required' });
    r = await a.req('DELETE', '/api/v1/me', { body: { password: a.password } });
    assert.equal(r.status, 204, r.text);
    assert.equal(cookieAttrs(r.setCookie).value, '');
    problem(await other.req('GET', '/api/v1/me'), 401, 'login-required');
    problem(await new Client(ctx).login(a.phone, a.password), 401, 'invalid-credentials');
    // what was erased is looked for in the store files once the server has
    // stopped (finish), and while it still runs (the next test)
    ctx.erased = [name, 'khepso@example.vn', 'Ngõ Đóng Cửa', e164(a.phone), a.phone.slice(1)];
    // (files: SQLite only; a PostgreSQL store is no directory)
    if (!PG_STORE) ctx.erasedNow = { files: storeFiles(ctx.data), values: [...ctx.erased] };
    const again = new Client(ctx);
    const r2 = await again.register({ phone: a.phone, name: 'Người Mới' });
    assert.notEqual(r2.json.user.id, id);
    const me = (await again.req('GET', '/api/v1/me')).json;
    assert.equal(me.name, 'Người Mới');
    ctx.present = ['Người Mới', e164(a.phone)];
    const exp = (await again.req('GET', '/api/v1/me/export')).json;
    assert.ok(!exp.records_about_you.some((x) => x.action === 'parcel.detailed'),
      "the new account does not inherit the closed one's records");
    ctx.erased = ctx.erased.filter((s) => !s.includes(a.phone.slice(1))); // the phone is in use again
  });

  // Closing empties portal.db's write-ahead log at once, so the erased values
  // are gone from every store file while the server still runs.
  it('a closed account\'s personal values are not in the store files while the server runs',
    { skip: PG_STORE ? 'files: SQLite only' : false },
    () => {
      assert.ok(ctx.erasedNow, 'the close test ran');
      for (const { name: file, bytes } of ctx.erasedNow.files)
        for (const s of ctx.erasedNow.values)
          assert.equal(bytes.indexOf(Buffer.from(s, 'utf8')), -1, `"${s}" is gone from ${file}`);
    });
});

// ------------------------------------------------------- views and quotas

// Lạng Sơn in WGS 84, with a margin.
const PROVINCE = { lon: [106.0, 107.5], lat: [21.2, 22.6] };

describe('views and the daily quota', () => {
  let ctx, ids;
  before(async () => {
    ctx = await serve();
    // parcels that have holders (found by a staff account: full views use no quota)
    const s = new Client(ctx);
    await s.register();
    assert.equal(ctx.lis(['user', 'set-role', '--phone', s.phone, 'staff']).status, 0);
    await s.login();
    ids = [];
    for (let id = 1; ids.length < 4 && id < 200; id++) {
      const r = await s.req('GET', `/api/v1/parcels/${id}`);
      if (r.status === 200 && r.json.holders.length && r.json.rights.length) ids.push(id);
    }
    assert.equal(ids.length, 4, 'the demo has parcels with holders');
    const set = ctx.lis(['plan', 'set', 'free', '--daily-views', '2']);
    assert.equal(set.status, 0, set.stderr);
  });
  after(() => finish(ctx));

  it('a visitor sees the basic view only', async () => {
    const v = new Client(ctx);
    const r = await v.req('GET', `/api/v1/parcels/${ids[0]}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.view, 'basic');
    for (const k of ['holders', 'rights', 'certificates', 'restrictions', 'history', 'events', 'vertices', 'quota'])
      assert.ok(!(k in r.json), k);
    problem(await v.req('GET', `/api/v1/parcels/${ids[0]}?view=detailed`), 401, 'login-required');
    problem(await v.req('GET', `/api/v1/parcels/${ids[0]}?view=full`), 401, 'login-required');
  });

  it('a user sees the detailed view: the record, vertices in VN-2000 and WGS 84', async () => {
    const u = new Client(ctx);
    await u.register();
    const r = await u.req('GET', `/api/v1/parcels/${ids[0]}`);
    assert.equal(r.status, 200, r.text);
    const p = r.json;
    assert.equal(p.view, 'detailed');
    assert.match(r.headers['cache-control'], /private/);
    assert.match(r.headers['cache-control'], /no-store/);
    for (const k of ['holders', 'rights', 'certificates', 'restrictions', 'history', 'events'])
      assert.ok(Array.isArray(p[k]), k);
    assert.ok(p.holders.length > 0);
    for (const h of p.holders) {
      assert.deepEqual(Object.keys(h).sort(), ['kind', 'name']);
      assert.equal(typeof h.name, 'string');
    }
    for (const x of p.rights) {
      for (const k of ['holder', 'kind', 'land_use', 'area', 'term', 'origin', 'share']) assert.ok(k in x, k);
      assert.ok(x.holder === null || (x.holder >= 0 && x.holder < p.holders.length));
    }
    for (const c of p.certificates) for (const k of ['serial', 'issued_on', 'issuer', 'register_no']) assert.ok(k in c, k);
    for (const c of p.restrictions) for (const k of ['kind', 'party', 'since', 'until', 'note']) assert.ok(k in c, k);
    for (const c of p.events) for (const k of ['kind', 'date', 'description', 'version']) assert.ok(k in c, k);
    assert.ok(p.history.length >= 1);
    for (const c of p.history)
      for (const k of ['version', 'valid_from', 'valid_to', 'area', 'land_use', 'commune', 'sheet', 'number']) assert.ok(k in c, k);
    assert.equal(p.vertices.crs, ctx.portal.province.crs);
    assert.ok(p.vertices.rings.length >= 1);
    const geom = (await u.req('GET', `/api/v1/parcels/${ids[0]}?view=basic&geometry=true`)).json.geometry;
    const coords = JSON.stringify(geom.coordinates).match(/-?\d+\.\d+/g).map(Number);
    const pairs = [];
    for (let i = 0; i < coords.length; i += 2) pairs.push(coords.slice(i, i + 2));
    for (const ring of p.vertices.rings) {
      assert.ok(ring.length >= 3);
      ring.forEach((v, i) => {
        assert.deepEqual(Object.keys(v).sort(), ['lat', 'lon', 'n', 'x', 'y']);
        assert.equal(v.n, i + 1);
        assert.ok(v.x > v.y, `x is the northing: ${v.x} > ${v.y}`);
        assert.ok(v.x > 2.3e6 && v.x < 2.55e6, `northing ${v.x}`);
        assert.ok(v.y > 3.0e5 && v.y < 7.0e5, `easting ${v.y}`);
        assert.ok(v.lon > PROVINCE.lon[0] && v.lon < PROVINCE.lon[1], `lon ${v.lon}`);
        assert.ok(v.lat > PROVINCE.lat[0] && v.lat < PROVINCE.lat[1], `lat ${v.lat}`);
        assert.ok(pairs.some(([lo, la]) => Math.abs(lo - v.lon) < 1e-6 && Math.abs(la - v.lat) < 1e-6),
          `vertex ${v.n} is a vertex of the parcel's geometry`);
      });
    }
    // no full-view field for a user, and not on request either
    assert.ok(!/"id_number"|"birth_year"/.test(r.text));
    problem(await u.req('GET', `/api/v1/parcels/${ids[0]}?view=full`), 403, 'forbidden');
    const basic = await u.req('GET', `/api/v1/parcels/${ids[0]}?view=basic`);
    assert.equal(basic.json.view, 'basic');
    assert.ok(!('holders' in basic.json));
  });

  it('counts distinct parcels a day; over quota 429 until the plan is lifted', async () => {
    const u = new Client(ctx);
    await u.register();
    const resets = iso(Date.parse('2026-03-02T17:00:00Z') / 1000); // 00:00 in Vietnam
    let r = await u.req('GET', `/api/v1/parcels/${ids[0]}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.quota, { daily: 2, used: 1, left: 1, resets_at: resets });
    r = await u.req('GET', `/api/v1/parcels/${ids[0]}`);
    assert.deepEqual(r.json.quota, { daily: 2, used: 1, left: 1, resets_at: resets }, 'seeing it again is free');
    r = await u.req('GET', `/api/v1/parcels/${ids[1]}`);
    assert.deepEqual(r.json.quota, { daily: 2, used: 2, left: 0, resets_at: resets });
    r = await u.req('GET', `/api/v1/parcels/${ids[2]}`);
    const p = problem(r, 429, 'quota-exceeded');
    assert.equal(p.resets_at, resets);
    assert.ok(!('holders' in p));
    problem(await u.req('GET', `/api/v1/parcels/${ids[2]}?view=detailed`), 429, 'quota-exceeded');
    r = await u.req('GET', `/api/v1/parcels/${ids[2]}?view=basic`);
    assert.equal(r.status, 200);
    assert.equal(r.json.view, 'basic');
    r = await u.req('GET', `/api/v1/parcels/${ids[1]}`);
    assert.equal(r.status, 200, 'a parcel seen today stays open');
    const me = (await u.req('GET', '/api/v1/me')).json;
    assert.deepEqual(me.views, { daily: 2, used: 2, left: 0, resets_at: resets });
    // a missing parcel costs nothing
    problem(await u.req('GET', '/api/v1/parcels/99999999'), 404, 'not-found');
    const up = ctx.lis(['user', 'set-plan', '--phone', u.phone, 'plus']);
    assert.equal(up.status, 0, up.stderr);
    r = await u.req('GET', `/api/v1/parcels/${ids[2]}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.quota.daily, 200);
    assert.equal(r.json.quota.used, 3);
    assert.equal((await u.req('GET', '/api/v1/session')).json.user.plan.code, 'plus');
    // another free user is still held to 2
    const v = new Client(ctx);
    await v.register();
    for (const id of ids.slice(0, 2)) assert.equal((await v.req('GET', `/api/v1/parcels/${id}`)).status, 200);
    problem(await v.req('GET', `/api/v1/parcels/${ids[2]}`), 429, 'quota-exceeded');
  });

  it('the quota resets at 00:00 Vietnam time', async () => {
    ctx.setNow(Date.parse('2026-03-03T16:00:00Z') / 1000); // 23:00 on 3 March in Vietnam
    const u = new Client(ctx);
    await u.register();
    for (const id of ids.slice(0, 2)) assert.equal((await u.req('GET', `/api/v1/parcels/${id}`)).status, 200);
    const p = problem(await u.req('GET', `/api/v1/parcels/${ids[2]}`), 429, 'quota-exceeded');
    assert.equal(p.resets_at, '2026-03-03T17:00:00Z');
    ctx.setNow(Date.parse('2026-03-03T16:59:59Z') / 1000);
    problem(await u.req('GET', `/api/v1/parcels/${ids[2]}`), 429, 'quota-exceeded');
    ctx.setNow(Date.parse(p.resets_at) / 1000);
    const r = await u.req('GET', `/api/v1/parcels/${ids[2]}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.quota, { daily: 2, used: 1, left: 1, resets_at: '2026-03-04T17:00:00Z' });
  });

  it('staff see the full view: holders with id number, address and birth year; no quota', async () => {
    const s = new Client(ctx);
    await s.register();
    const before = s.token;
    const role = ctx.lis(['user', 'set-role', '--phone', s.phone, 'staff']);
    assert.equal(role.status, 0, role.stderr);
    problem(await s.req('GET', '/api/v1/me', { cookie: before }), 401, 'login-required');
    await s.login();
    assert.notEqual(s.token, before);
    assert.equal((await s.req('GET', '/api/v1/session')).json.user.role, 'staff');
    for (const id of ids) {
      const r = await s.req('GET', `/api/v1/parcels/${id}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.view, 'full');
      assert.ok(!('quota' in r.json));
      for (const h of r.json.holders)
        assert.deepEqual(Object.keys(h).sort(), ['address', 'birth_year', 'id_number', 'kind', 'name']);
      assert.ok(r.json.holders.some((h) => typeof h.id_number === 'string' && h.id_number.length > 0));
      assert.ok(r.json.vertices.rings.length >= 1);
    }
    const d = await s.req('GET', `/api/v1/parcels/${ids[0]}?view=detailed`);
    assert.equal(d.json.view, 'detailed');
    assert.ok(!/"id_number"/.test(d.text));
    const exp = (await s.req('GET', '/api/v1/me/export')).json;
    const full = exp.records_about_you.filter((x) => x.action === 'parcel.full').map((x) => x.object);
    assert.deepEqual(full.sort((a, b) => a - b), [...ids].sort((a, b) => a - b));
  });
});

// ------------------------------------------- lis user create-admin, default cost

describe('lis user create-admin (default Argon2id cost)', () => {
  let ctx;
  before(async () => { ctx = await serve({ args: [] }); });
  after(() => finish(ctx));

  it('reads the password from stdin, never from a flag, and applies the rules', async () => {
    const phone = newPhone();
    const flag = ctx.lis(['user', 'create-admin', '--phone', phone, '--password', 'Xa-lo-9-khong'], 'Xa-lo-9-khong\n');
    assert.notEqual(flag.status, 0);
    assert.match(flag.stderr, /password/i);
    const common = ctx.lis(['user', 'create-admin', '--phone', phone], 'matkhau123\n');
    assert.notEqual(common.status, 0);
    assert.match(common.stderr, /common/);
    const none = ctx.lis(['user', 'create-admin', '--phone', phone], '');
    assert.notEqual(none.status, 0);
    assert.notEqual(ctx.lis(['user', 'show', '--phone', phone]).status, 0, 'no account was made');
    problem(await new Client(ctx).login(phone, 'matkhau123'), 401, 'invalid-credentials');

    const pw = newPassword();
    const made = ctx.lis(['user', 'create-admin', '--phone', phone, '--name', 'Quản Trị Viên'], `${pw}\n`);
    assert.equal(made.status, 0, made.stderr);
    assert.ok(!made.stdout.includes(pw) && !made.stderr.includes(pw));
    const show = ctx.lis(['user', 'show', '--phone', phone]);
    assert.match(show.stdout, /role admin/);

    const admin = new Client(ctx);
    const r = await admin.login(phone, pw);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.role, 'admin');
    assert.equal(r.json.user.name, 'Quản Trị Viên');
    const p = await admin.req('GET', '/api/v1/parcels/1');
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.view, 'full');
    assert.ok(p.json.holders.every((h) => 'id_number' in h && 'birth_year' in h && 'address' in h));
    assert.ok(!('quota' in p.json));
  });

  it('registers and logs in at the default cost', async () => {
    const c = new Client(ctx);
    await c.register();
    const t0 = Date.now();
    assert.equal((await new Client(ctx).login(c.phone, c.password)).status, 200);
    problem(await new Client(ctx).login(c.phone, newPassword()), 401, 'invalid-credentials');
    problem(await new Client(ctx).login(newPhone(), newPassword()), 401, 'invalid-credentials');
    assert.ok(Date.now() - t0 < 30_000);
  });
});
