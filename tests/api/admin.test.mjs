// Administration (docs/api.md, "Administration, notifications, tickets")
// against the real `lis serve`: the customer search (names with or without
// diacritics, phone digits in any writing, role, paging), one customer, every
// look and change in the audit log and in the user's "who accessed my data",
// lock, role, plan with an end date (and its fall back to free by the
// server's own sweep), a forced password change, plans, upgrade requests,
// disclosures to an authority and their export; staff kept out of all of it.
// The server's clock is read from a file (LIS_NOW=@file), so dates and a
// plan's end are reached by rewriting it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startServer, stopChecked, eventually, copyStore, LIS_BIN, PG_STORE, ok, problem, fields,
  portalRequest, setClock,
} from './helper.mjs';

// Monday 2 March 2026, 10:00 in Viet Nam.
const T0 = Date.parse('2026-03-02T03:00:00Z') / 1000;
const DAY = 86400;
const e164 = (p) => `+84${p.replace(/\D/g, '').slice(-9)}`;

let work, data, clock, srv, consent, PLANS, PARCELS;

// Everyone's phone is 0915 661 0NN: "915 661 0" finds all of them.
const PEOPLE = {
  toan: { name: 'Nguyễn Văn Toàn', phone: '0915 661 001', email: 'toan@admin.example',
    address: 'Số 1 phố Quản Lý, Lạng Sơn' },
  tu: { name: 'Nguyễn Văn Tú', phone: '0915 661 002', email: 'tu@admin.example' },
  ha: { name: 'Nguyễn Thị Hà', phone: '0915 661 003', address: 'Số 3 phố Quản Lý, Lạng Sơn' },
  nguyen: { name: 'Trần Văn Nguyên', phone: '0915 661 004' },
  locked: { name: 'Đặng Thị Khóa', phone: '0915 661 005', email: 'khoa@admin.example' },
  promoted: { name: 'Lê Thị Thăng', phone: '0915 661 006' },
  planned: { name: 'Phạm Thị Kỳ Hạn', phone: '0915 661 007' },
  reset: { name: 'Vũ Thị Đặt Lại', phone: '0915 661 008' },
  asker: { name: 'Bùi Thị Xin', phone: '0915 661 009', email: 'xin@admin.example' },
  asker2: { name: 'Đỗ Thị Từ Chối', phone: '0915 661 010' },
  closer: { name: 'Cao Thị Đóng', phone: '0915 661 011', email: 'dong@admin.example',
    address: 'Số 11 phố Quản Lý, Lạng Sơn' },
  staff: { name: 'Lý Thị Nhân', phone: '0915 661 012', role: 'staff' },
  admin: { name: 'Hoàng Quản Trị', phone: '0915 661 013', role: 'admin' },
};
const CUSTOMERS = Object.keys(PEOPLE).filter((k) => !PEOPLE[k].role);

const setNow = (t) => setClock(clock, t);
const api = (who, method, path, body) => portalRequest(srv, who ? PEOPLE[who] : null, method, path, body);
const get = (who, path) => api(who, 'GET', path);
const post = (who, path, body) => api(who, 'POST', path, body);
const patch = (who, path, body) => api(who, 'PATCH', path, body);
const put = (who, path, body) => api(who, 'PUT', path, body);
const id = (who) => PEOPLE[who].id;
const user = (who) => `/api/v1/admin/users/${id(who)}`;
const setUser = (who, body) => patch('admin', user(who), body);

async function login(who) {
  const p = PEOPLE[who];
  return ok(await post(who, '/api/v1/session', { phone: p.phone, password: p.password }));
}

// The customers a search finds, all pages, as PEOPLE keys (others: their ids).
async function search(query, limit = 200) {
  const found = [];
  let after = null;
  for (let pages = 0; pages < 50; pages++) {
    const qs = new URLSearchParams({ ...query, limit: String(limit) });
    if (after !== null) qs.set('after', String(after));
    const r = ok(await get('admin', `/api/v1/admin/users?${qs}`));
    found.push(...r.users);
    if (r.next === null) break;
    assert.equal(r.next, r.users.at(-1).id, 'next is the last id of the page');
    after = r.next;
  }
  const ids = found.map((u) => u.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ordered by id');
  assert.equal(new Set(ids).size, ids.length, 'no customer twice');
  const key = Object.fromEntries(Object.entries(PEOPLE).map(([k, p]) => [p.id, k]));
  return found.map((u) => key[u.id] ?? u.id);
}

// Every audit entry matching the query (all pages).
async function audit(query = {}) {
  const out = [];
  let before = null;
  for (let pages = 0; pages < 100; pages++) {
    const qs = new URLSearchParams({ ...query, limit: '200' });
    if (before !== null) qs.set('before', String(before));
    const r = ok(await get('admin', `/api/v1/admin/audit?${qs}`));
    out.push(...r.entries);
    if (r.next === null) break;
    before = r.next;
  }
  return out;
}

const inbox = async (who) => ok(await get(who, '/api/v1/me/notifications')).notifications;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lis-admin-'));
  data = copyStore(work);
  clock = join(work, 'now');
  setNow(T0);
  srv = await startServer({ data, env: { LIS_NOW: `@${clock}` }, args: [
    '--set', 'argon2_mem_kib=64', '--set', 'argon2_ops=1',
    '--set', 'login_free_attempts=100', '--set', 'login_address_free_attempts=10000',
    '--set', `session_idle=${30 * DAY}`, '--set', `session_max=${30 * DAY}`] });
  consent = ok(await get(null, '/api/v1/portal')).privacy.version;
  PLANS = Object.fromEntries(ok(await get(null, '/api/v1/plans')).plans.map((p) => [p.code, p]));
  assert.ok(PLANS.free && PLANS.plus, 'the demo has the free and plus plans');
  for (const [who, p] of Object.entries(PEOPLE)) {
    p.password = `quan-tri-${who}-2026`;
    const r = await post(who, '/api/v1/account', {
      name: p.name, phone: p.phone, password: p.password, email: p.email, address: p.address,
      consent_version: consent,
    });
    p.id = ok(r, 201).user.id;
    if (p.role) {
      execFileSync(LIS_BIN, ['user', 'set-role', '--phone', e164(p.phone), p.role, '--data', data],
        { stdio: ['ignore', 'ignore', 'inherit'] });
      assert.equal((await login(who)).user.role, p.role);
    }
  }
  // Parcels with a registry record, for the views.
  const list = ok(await get(null, `/api/v1/parcels/search?q=${encodeURIComponent('xã')}&limit=20`)).parcels;
  PARCELS = [];
  for (const p of list) {
    const f = await get('admin', `/api/v1/parcels/${p.id}`);
    if (f.status === 200 && f.json.holders?.length) PARCELS.push(p.id);
  }
  assert.ok(PARCELS.length >= 4, 'the demo has parcels with holders');
});

after(async () => {
  if (srv) await stopChecked(srv, Object.values(PEOPLE).map((p) => e164(p.phone).slice(3)));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('customers', () => {
  it('a search by name finds the same people with or without diacritics', async () => {
    const van = await search({ q: 'nguyen van' });
    // each word the start of a word of the name, in any order
    assert.deepEqual(van.sort(), ['nguyen', 'toan', 'tu']);
    assert.deepEqual((await search({ q: 'Nguyễn Văn' })).sort(), van);
    assert.deepEqual((await search({ q: '  NGUYỄN   văn ' })).sort(), van);
    assert.deepEqual(await search({ q: 'nguyen van toan' }), ['toan']);
    assert.deepEqual(await search({ q: 'Nguyễn Văn Toàn' }), ['toan']);
    assert.deepEqual((await search({ q: 'nguy' })).sort(), ['ha', 'nguyen', 'toan', 'tu']);
    assert.deepEqual(await search({ q: 'đong' }), ['closer']);
    assert.deepEqual(await search({ q: 'dong' }), ['closer']);
    assert.deepEqual(await search({ q: 'oan' }), [], 'a word inside a word is not a match');
    problem(await get('admin', '/api/v1/admin/users?q=%20!%20'), 400, 'invalid-parameter');
  });

  it('a search by phone takes the digits in any writing', async () => {
    for (const q of ['0915661001', '0915 661 001', '+84915661001', '+84 915 661 001',
      '84-915-661-001', '915661001', '(0915) 661.001'])
      assert.deepEqual(await search({ q }), ['toan'], q);
    assert.deepEqual((await search({ q: '661 00' })).sort(),
      ['asker', 'ha', 'locked', 'nguyen', 'planned', 'promoted', 'reset', 'toan', 'tu'].sort());
    assert.deepEqual(await search({ q: '0915 661 099' }), []);
  });

  it('role filter and paging', async () => {
    assert.deepEqual(await search({ q: '915 661 0', role: 'staff' }), ['staff']);
    assert.deepEqual(await search({ q: '915 661 0', role: 'admin' }), ['admin']);
    const all = await search({ q: '915 661 0' });
    assert.deepEqual([...all].sort(), Object.keys(PEOPLE).sort());
    for (const limit of [1, 3, 5]) assert.deepEqual(await search({ q: '915 661 0' }, limit), all, `pages of ${limit}`);
    const users = await search({ q: '915 661 0', role: 'user' });
    assert.deepEqual([...users].sort(), [...CUSTOMERS].sort());
    problem(await get('admin', '/api/v1/admin/users?role=boss'), 400, 'invalid-parameter');
    problem(await get('admin', '/api/v1/admin/users?limit=0'), 400, 'invalid-parameter');
    // without q: every open account of the role
    const staff = ok(await get('admin', '/api/v1/admin/users?role=staff&limit=200')).users;
    assert.deepEqual(staff.map((u) => u.id), [id('staff')]);
  });

  it('one customer, with their upgrade requests', async () => {
    const c = ok(await get('admin', user('toan')));
    const p = PEOPLE.toan;
    assert.equal(c.id, p.id);
    assert.equal(c.name, p.name);
    assert.equal(c.phone, e164(p.phone));
    assert.equal(c.email, p.email);
    assert.equal(c.address, p.address);
    assert.equal(c.role, 'user');
    assert.equal(c.plan.code, 'free');
    assert.equal(c.plan_until, null);
    assert.equal(c.locked, false);
    assert.equal(c.must_reset, false);
    assert.equal(c.consent.version, consent);
    assert.deepEqual(c.upgrades, []);
    for (const k of ['created_at', 'updated_at']) assert.match(c[k], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(!JSON.stringify(c).includes('pw_hash') && !JSON.stringify(c).includes('argon2'), 'no password hash');
    problem(await get('admin', '/api/v1/admin/users/999999999'), 404, 'not-found');
    problem(await get('admin', '/api/v1/admin/users/abc'), 400, 'invalid-parameter');
  });

  it('each listed or viewed customer is an audit entry, which the customer sees without the actor', async () => {
    const entries = (who, action) => audit({ actor: id('admin'), subject: id(who), action });
    const before = { toan: (await entries('toan', 'customer.list')).length,
      ha: (await entries('ha', 'customer.list')).length };
    const views = (await entries('tu', 'customer.view')).length;
    await search({ q: 'nguyen van toan' });
    ok(await get('admin', user('tu')));
    const listed = await entries('toan', 'customer.list');
    assert.equal(listed.length, before.toan + 1, 'toan listed once more');
    assert.equal((await entries('ha', 'customer.list')).length, before.ha, 'ha was not in that list');
    assert.equal((await entries('tu', 'customer.view')).length, views + 1, 'tu viewed once more');
    const e = listed[0];
    assert.equal(e.actor, id('admin'));
    assert.equal(e.actor_role, 'admin');
    assert.equal(e.subject, id('toan'));
    assert.equal(e.action, 'customer.list');
    assert.match(e.at, /^2026-03-02T/);
    // the customer's side: which role, when, why; never who
    for (const [who, action] of [['toan', 'customer.list'], ['tu', 'customer.view']]) {
      const r = ok(await get(who, '/api/v1/me/access'));
      const mine = r.entries.filter((x) => x.action === action);
      assert.ok(mine.length >= 1, `${who} sees ${action}`);
      for (const x of r.entries) {
        assert.deepEqual(Object.keys(x).filter((k) => ['actor', 'actor_role', 'subject', 'id'].includes(k)), [],
          `${who}: ${JSON.stringify(x)}`);
        assert.equal(typeof x.role, 'string');
        assert.match(x.at, /^\d{4}-\d\d-\d\dT/);
        assert.ok('reason' in x);
      }
      assert.equal(mine[0].role, 'admin');
      assert.ok(mine[0].reason, 'why');
      assert.ok(!JSON.stringify(r).includes(PEOPLE.admin.name), 'not the admin\'s name');
    }
    // not another customer's accesses
    const ha = ok(await get('ha', '/api/v1/me/access')).entries;
    assert.ok(!ha.some((x) => x.action === 'customer.view'), 'ha was never viewed');
  });
});

describe('changing an account', () => {
  it('lock: the sessions end, the login says locked only with the right password; unlock', async () => {
    ok(await get('locked', '/api/v1/me'));
    const c = ok(await setUser('locked', { locked: true }));
    assert.equal(c.locked, true);
    problem(await get('locked', '/api/v1/me'), 401, 'login-required');
    const p = PEOPLE.locked;
    problem(await post('locked', '/api/v1/session', { phone: p.phone, password: 'not-the-password-1' }),
      401, 'invalid-credentials');
    problem(await post('locked', '/api/v1/session', { phone: p.phone, password: p.password }), 403, 'account-locked');
    assert.equal(ok(await get('admin', user('locked'))).locked, true);
    assert.equal(ok(await setUser('locked', { locked: false })).locked, false);
    await login('locked');
    ok(await get('locked', '/api/v1/me'));
    const acts = (await audit({ subject: id('locked'), action: 'user.' })).map((e) => e.action);
    assert.deepEqual(acts.slice(0, 2), ['user.unlock', 'user.lock']);
    assert.deepEqual(fields(await setUser('locked', { locked: 'yes' })), { locked: 'invalid' });
    problem(await setUser('locked', { locked: true, shoe_size: 42 }), 400, 'invalid-body');
    assert.equal(ok(await get('admin', user('locked'))).locked, false, 'a refused change changes nothing');
  });

  it('an admin can neither lock themself nor drop their own admin role', async () => {
    const self = `/api/v1/admin/users/${id('admin')}`;
    assert.deepEqual(fields(await patch('admin', self, { locked: true })), { locked: 'self' });
    assert.deepEqual(fields(await patch('admin', self, { role: 'user' })), { role: 'self' });
    assert.deepEqual(fields(await patch('admin', self, { role: 'staff', locked: true })),
      { role: 'self', locked: 'self' });
    const me = ok(await get('admin', self));
    assert.equal(me.role, 'admin');
    assert.equal(me.locked, false);
    ok(await get('admin', '/api/v1/me')); // the session lives on
    ok(await patch('admin', self, { role: 'admin', locked: false })); // no change is fine
  });

  it('role: the sessions end; as staff the account sees the full view', async () => {
    const P = `/api/v1/parcels/${PARCELS[0]}`;
    assert.equal(ok(await get('promoted', P)).view, 'detailed');
    assert.deepEqual(fields(await setUser('promoted', { role: 'boss' })), { role: 'invalid' });
    assert.equal(ok(await setUser('promoted', { role: 'staff' })).role, 'staff');
    problem(await get('promoted', '/api/v1/me'), 401, 'login-required');
    assert.equal((await login('promoted')).user.role, 'staff');
    const full = ok(await get('promoted', P));
    assert.equal(full.view, 'full');
    assert.ok(full.holders.every((h) => 'id_number' in h && 'address' in h));
    problem(await get('promoted', '/api/v1/admin/users'), 403, 'forbidden');
    const e = (await audit({ subject: id('promoted'), action: 'user.role' }))[0];
    assert.equal(e.actor, id('admin'));
    assert.equal(e.reason, 'staff');
  });

  it('plan with an end date: the quota changes at once, the user is told', async () => {
    const me = ok(await get('planned', '/api/v1/me'));
    assert.equal(me.plan.code, 'free');
    assert.equal(me.views.daily, PLANS.free.daily_views);
    assert.deepEqual(fields(await setUser('planned', { plan: 'gold' })), { plan: 'unknown' });
    assert.deepEqual(fields(await setUser('planned', { plan: 'plus', plan_until: '2026-03-01' })),
      { plan_until: 'invalid' });
    assert.deepEqual(fields(await setUser('planned', { plan: 'plus', plan_until: 'next week' })),
      { plan_until: 'invalid' });
    const c = ok(await setUser('planned', { plan: 'plus', plan_until: '2026-03-05' }));
    assert.equal(c.plan.code, 'plus');
    assert.equal(c.plan_until, '2026-03-05T17:00:00Z'); // through 5 March, Vietnam time
    const now = ok(await get('planned', '/api/v1/me'));
    assert.equal(now.plan.code, 'plus');
    assert.equal(now.plan_until, '2026-03-05T17:00:00Z');
    assert.equal(now.views.daily, PLANS.plus.daily_views);
    assert.equal(ok(await get('planned', '/api/v1/session')).user.plan.code, 'plus', 'the session too');
    const n = (await inbox('planned')).find((x) => x.kind === 'upgrade');
    assert.ok(n, 'notified');
    assert.match(n.body, new RegExp(PLANS.plus.name_en));
    const e = (await audit({ subject: id('planned'), action: 'user.plan' }))[0];
    assert.equal(e.actor, id('admin'));
    assert.equal(e.reason, 'plus');
  });

  it('a forced password change: nothing but the password until it is changed', async () => {
    ok(await get('reset', '/api/v1/me/notifications'));
    assert.equal(ok(await setUser('reset', { must_reset: true })).must_reset, true);
    // the session lives on, held to the password change
    assert.equal(ok(await get('reset', '/api/v1/session')).user.must_reset, true);
    ok(await get('reset', '/api/v1/me'));
    problem(await get('reset', '/api/v1/me/notifications'), 403, 'password-reset-required');
    problem(await get('reset', '/api/v1/tickets'), 403, 'password-reset-required');
    problem(await patch('reset', '/api/v1/me', { name: 'Vũ Thị Khác' }), 403, 'password-reset-required');
    problem(await post('reset', '/api/v1/me/upgrades', { plan: 'plus' }), 403, 'password-reset-required');
    // a new login is held the same way
    assert.equal((await api('reset', 'DELETE', '/api/v1/session')).status, 204);
    assert.equal((await login('reset')).user.must_reset, true);
    problem(await get('reset', '/api/v1/me/access'), 403, 'password-reset-required');
    const p = PEOPLE.reset;
    const fresh = `${p.password}-moi`;
    const s = ok(await post('reset', '/api/v1/me/password', { current: p.password, new: fresh }));
    p.password = fresh;
    assert.equal(s.user.must_reset, false);
    ok(await get('reset', '/api/v1/me/notifications'));
    ok(await patch('reset', '/api/v1/me', { name: p.name }));
    assert.equal(ok(await get('admin', user('reset'))).must_reset, false);
    const acts = (await audit({ subject: id('reset') })).map((x) => x.action);
    assert.ok(acts.includes('user.must_reset') && acts.includes('account.password'), acts.join());
    assert.deepEqual(fields(await setUser('reset', { must_reset: 1 })), { must_reset: 'invalid' });
  });
});

describe('staff', () => {
  it('get 403 on every admin route', async () => {
    const doc = ok(await get(null, '/api/v1/openapi.json'));
    let n = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/admin/')) continue;
      for (const method of Object.keys(item)) {
        const concrete = path.replace(/\{id\}/, String(id('toan'))).replace(/\{code\}/, 'free');
        const body = method === 'get' ? undefined : {};
        problem(await api('staff', method.toUpperCase(), concrete, body), 403, 'forbidden');
        problem(await api('toan', method.toUpperCase(), concrete, body), 403, 'forbidden');
        problem(await api(null, method.toUpperCase(), concrete, body), 401, 'login-required');
        n++;
      }
    }
    assert.ok(n >= 10, `${n} admin operations`);
  });

  it('never see a customer\'s phone, e-mail or address', async () => {
    const t = ok(await post('toan', '/api/v1/tickets', { kind: 'support', subject: 'Hỏi về thửa đất',
      body: 'Xin hướng dẫn tra cứu.' }), 201);
    const answers = [];
    const seen = async (path) => {
      const r = await get('staff', path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      answers.push([path, r.text]);
      return r.json;
    };
    const q = await seen('/api/v1/tickets');
    const mine = q.tickets.find((x) => x.id === t.id);
    assert.deepEqual(mine.author, { id: id('toan'), name: PEOPLE.toan.name }, 'the author by name only');
    await seen(`/api/v1/tickets/${t.id}`);
    const m = await post('staff', `/api/v1/tickets/${t.id}/messages`, { body: 'Chào anh, xem hướng dẫn.' });
    answers.push(['POST messages', ok(m, 201) && m.text]);
    const n = await post('staff', '/api/v1/notifications', { kind: 'ticket', audience: `user:${id('toan')}`,
      title: 'Phản hồi', body: 'Đã trả lời.', ticket: t.id });
    answers.push(['POST notifications', ok(n, 201) && n.text]);
    for (const path of ['/api/v1/me', '/api/v1/me/notifications', '/api/v1/me/access', '/api/v1/me/upgrades',
      '/api/v1/me/export', '/api/v1/notices', `/api/v1/parcels/${PARCELS[0]}`, '/api/v1/session'])
      await seen(path);
    const leaks = [];
    for (const [path, text] of answers) {
      for (const who of CUSTOMERS) {
        const p = PEOPLE[who];
        for (const v of [e164(p.phone), e164(p.phone).slice(3), p.email, p.address])
          if (v && text.includes(v)) leaks.push(`${path}: ${who}'s ${v}`);
      }
    }
    assert.deepEqual(leaks, []);
  });
});

describe('plans', () => {
  it('a change of the free plan\'s quota applies to the next views', async () => {
    const free = PLANS.free;
    const body = { name_vi: free.name_vi, name_en: free.name_en, daily_views: 2,
      watch_max: free.watch_max, features: free.features };
    const p = ok(await put('admin', '/api/v1/admin/plans/free', body));
    assert.deepEqual(p, { code: 'free', ...body });
    assert.equal(ok(await get(null, '/api/v1/plans')).plans.find((x) => x.code === 'free').daily_views, 2);
    assert.equal(ok(await get('ha', '/api/v1/me')).views.daily, 2);
    assert.equal(ok(await get('ha', `/api/v1/parcels/${PARCELS[1]}`)).view, 'detailed');
    assert.equal(ok(await get('ha', `/api/v1/parcels/${PARCELS[2]}`)).view, 'detailed');
    problem(await get('ha', `/api/v1/parcels/${PARCELS[3]}`), 429, 'quota-exceeded');
    ok(await put('admin', '/api/v1/admin/plans/free', { ...body, daily_views: free.daily_views }));
    assert.equal(ok(await get('ha', `/api/v1/parcels/${PARCELS[3]}`)).view, 'detailed');
    assert.equal(ok(await get('ha', '/api/v1/me')).views.daily, free.daily_views);
    const e = (await audit({ actor: id('admin'), action: 'plan.set' }))[0];
    assert.equal(e.reason, 'free');
  });

  it('field errors, one per field', async () => {
    assert.deepEqual(fields(await put('admin', '/api/v1/admin/plans/free', {})), {
      name_vi: 'required', name_en: 'required', daily_views: 'invalid', watch_max: 'invalid' });
    assert.deepEqual(fields(await put('admin', '/api/v1/admin/plans/free', {
      name_vi: 'x'.repeat(81), name_en: '   ', daily_views: -2, watch_max: 1.5, features: 'Bad Feature' })), {
      name_vi: 'too-long', name_en: 'required', daily_views: 'invalid', watch_max: 'invalid', features: 'invalid' });
    assert.deepEqual(fields(await put('admin', '/api/v1/admin/plans/free', {
      name_vi: 'Miễn\nphí', name_en: 7, daily_views: '5', watch_max: -1 })), {
      name_vi: 'invalid', name_en: 'invalid', daily_views: 'invalid', watch_max: 'invalid' });
    const { code, ...same } = PLANS.free;
    assert.equal(code, 'free');
    problem(await put('admin', '/api/v1/admin/plans/free', { ...same, colour: 'red' }), 400, 'invalid-body');
    const now = ok(await get(null, '/api/v1/plans')).plans.find((x) => x.code === 'free');
    assert.deepEqual(now, PLANS.free, 'unchanged');
  });
});

describe('upgrade requests', () => {
  it('the user asks (one pending at a time), the admin approves with an end date', async () => {
    assert.deepEqual(fields(await post('asker', '/api/v1/me/upgrades', {})), { plan: 'required' });
    assert.deepEqual(fields(await post('asker', '/api/v1/me/upgrades', { plan: 'gold' })), { plan: 'unknown' });
    assert.deepEqual(fields(await post('asker', '/api/v1/me/upgrades', { plan: 'free' })), { plan: 'current' });
    assert.deepEqual(fields(await post('asker', '/api/v1/me/upgrades', { plan: 'plus', reason: 'x'.repeat(1001) })),
      { reason: 'too-long' });
    assert.deepEqual(fields(await post('asker', '/api/v1/me/upgrades', { plan: 'plus', reason: 'a\u0007b' })),
      { reason: 'invalid' });
    const u = ok(await post('asker', '/api/v1/me/upgrades', { plan: 'plus', reason: 'Cần tra cứu nhiều thửa.' }), 201);
    assert.equal(u.status, 'pending');
    assert.equal(u.plan, 'plus');
    assert.equal(u.reason, 'Cần tra cứu nhiều thửa.');
    problem(await post('asker', '/api/v1/me/upgrades', { plan: 'pro' }), 409, 'upgrade-pending');
    assert.deepEqual(ok(await get('asker', '/api/v1/me/upgrades')).upgrades.map((x) => x.id), [u.id]);

    const pending = ok(await get('admin', '/api/v1/admin/upgrades?status=pending')).upgrades;
    const row = pending.find((x) => x.id === u.id);
    assert.deepEqual(row.user, { id: id('asker'), name: PEOPLE.asker.name });
    assert.ok(pending.every((x) => x.status === 'pending'));
    problem(await get('admin', '/api/v1/admin/upgrades?status=maybe'), 400, 'invalid-parameter');
    problem(await get('admin', `/api/v1/admin/upgrades?subject=${id('asker')}`), 400, 'unknown-parameter');
    assert.deepEqual(ok(await get('admin', user('asker'))).upgrades.map((x) => x.id), [u.id]);

    assert.deepEqual(fields(await post('admin', `/api/v1/admin/upgrades/${u.id}`, { decision: 'approve', until: '2026-01-01' })),
      { until: 'invalid' });
    const d = ok(await post('admin', `/api/v1/admin/upgrades/${u.id}`, { decision: 'approve', until: '2026-04-01' }));
    assert.equal(d.status, 'approved');
    assert.equal(d.until, '2026-04-01T17:00:00Z'); // through 1 April, Vietnam time
    assert.match(d.decided_at, /^2026-03-02T/);
    problem(await post('admin', `/api/v1/admin/upgrades/${u.id}`, { decision: 'decline', reason: 'Muộn' }),
      409, 'already-decided');
    problem(await post('admin', '/api/v1/admin/upgrades/999999999', { decision: 'approve' }), 404, 'not-found');

    const me = ok(await get('asker', '/api/v1/me'));
    assert.equal(me.plan.code, 'plus');
    assert.equal(me.plan_until, '2026-04-01T17:00:00Z');
    assert.equal(me.views.daily, PLANS.plus.daily_views);
    const n = (await inbox('asker')).find((x) => x.kind === 'upgrade' && x.object === u.id);
    assert.ok(n, 'the user is told');
    assert.match(n.body, /approved/);
    assert.match(n.body, /2026-04-01/);
    const e = (await audit({ subject: id('asker'), action: 'upgrade.approve' }))[0];
    assert.equal(e.actor, id('admin'));
    assert.equal(e.object, u.id);
  });

  it('the admin declines with a reason, which the user reads; the user may ask again', async () => {
    const u = ok(await post('asker2', '/api/v1/me/upgrades', { plan: 'pro', reason: '   ' }), 201);
    assert.equal(u.reason, null, 'a blank reason is none');
    const url = `/api/v1/admin/upgrades/${u.id}`;
    assert.deepEqual(fields(await post('admin', url, { decision: 'decline' })), { reason: 'required' });
    assert.deepEqual(fields(await post('admin', url, { decision: 'decline', reason: ' \r\n ' })), { reason: 'required' });
    assert.deepEqual(fields(await post('admin', url, {})), { decision: 'required' });
    assert.deepEqual(fields(await post('admin', url, { decision: 'maybe' })), { decision: 'invalid' });
    assert.deepEqual(fields(await post('admin', url, { decision: 'decline', reason: 'x'.repeat(1001) })),
      { reason: 'too-long' });
    const why = 'Chưa đủ điều kiện cho gói Chuyên nghiệp.';
    const d = ok(await post('admin', url, { decision: 'decline', reason: why }));
    assert.equal(d.status, 'declined');
    assert.equal(d.decision, why);
    assert.equal(d.until, null);
    const me = ok(await get('asker2', '/api/v1/me'));
    assert.equal(me.plan.code, 'free');
    const n = (await inbox('asker2')).find((x) => x.kind === 'upgrade' && x.object === u.id);
    assert.ok(n, 'the user is told');
    assert.ok(n.body.includes(why), n.body);
    assert.equal(ok(await get('asker2', '/api/v1/me/upgrades')).upgrades[0].decision, why);
    ok(await post('asker2', '/api/v1/me/upgrades', { plan: 'plus' }), 201);
    assert.ok((await audit({ subject: id('asker2'), action: 'upgrade.decline' })).length === 1);
  });
});

describe('disclosures', () => {
  const request = (subject) => ({ subject, authority: 'Công an tỉnh Lạng Sơn',
    document: 'Công văn 123/CAT-PC02', document_date: '2026-02-27',
    legal_basis: 'Điều 14 Nghị định 13/2023/NĐ-CP' });

  it('every field is required; an unknown subject is refused', async () => {
    assert.deepEqual(fields(await post('admin', '/api/v1/admin/disclosures', {})), {
      subject: 'required', authority: 'required', document: 'required', document_date: 'required',
      legal_basis: 'required' });
    for (const k of ['authority', 'document', 'document_date', 'legal_basis']) {
      const body = request(id('toan'));
      delete body[k];
      assert.deepEqual(fields(await post('admin', '/api/v1/admin/disclosures', body)), { [k]: 'required' }, k);
    }
    assert.deepEqual(fields(await post('admin', '/api/v1/admin/disclosures', request(999999999))),
      { subject: 'unknown' });
    // one line each, trimmed: a value cannot forge lines of the export
    assert.deepEqual(fields(await post('admin', '/api/v1/admin/disclosures', { ...request(id('toan')),
      authority: 'Công an\nHọ và tên / Full name: X', document: '   ', legal_basis: 'x'.repeat(501) })),
    { authority: 'invalid', document: 'required', legal_basis: 'too-long' });
    assert.deepEqual(fields(await post('admin', '/api/v1/admin/disclosures', { ...request('12') })),
      { subject: 'required' });
    for (const date of ['2026-03-09', '27/02/2026', '2026-02-30x'])
      assert.deepEqual(fields(await post('admin', '/api/v1/admin/disclosures',
        { ...request(id('toan')), document_date: date })), { document_date: 'invalid' }, date);
    assert.deepEqual(ok(await get('admin', `/api/v1/admin/disclosures?subject=${id('toan')}`)).disclosures, []);
  });

  it('a recorded request, then a readable export; both audited', async () => {
    const d = ok(await post('admin', '/api/v1/admin/disclosures', request(id('toan'))), 201);
    assert.equal(d.subject, id('toan'));
    assert.equal(d.admin, id('admin'));
    assert.equal(d.document_date, '2026-02-27');
    assert.equal(d.exported_at, null);
    const list = ok(await get('admin', `/api/v1/admin/disclosures?subject=${id('toan')}`)).disclosures;
    assert.deepEqual(list.map((x) => x.id), [d.id]);
    problem(await get('admin', '/api/v1/admin/disclosures?status=pending'), 400, 'unknown-parameter');
    const r = await get('admin', `/api/v1/admin/disclosures/${d.id}/export`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^text\/plain; charset=utf-8/);
    assert.match(r.headers.get('content-disposition'), /^attachment; filename="[^"]+\.txt"$/);
    assert.match(r.headers.get('cache-control'), /no-store/);
    const p = PEOPLE.toan, q = request(p.id);
    for (const v of [p.name, e164(p.phone), p.email, p.address, q.authority, q.document, q.document_date, q.legal_basis])
      assert.ok(r.text.includes(v), `the export holds ${v}`);
    assert.ok(!r.text.includes(PEOPLE.tu.name), 'nobody else');
    assert.notEqual(ok(await get('admin', `/api/v1/admin/disclosures?subject=${p.id}`)).disclosures[0].exported_at, null);
    const acts = await audit({ subject: p.id, action: 'disclosure.' });
    assert.deepEqual(acts.map((e) => [e.action, e.object, e.actor]),
      [['disclosure.export', d.id, id('admin')], ['disclosure.record', d.id, id('admin')]]);
    problem(await get('admin', '/api/v1/admin/disclosures/999999999/export'), 404, 'not-found');
    // the person sees that their data was disclosed, by an admin
    const seen = ok(await get('toan', '/api/v1/me/access')).entries.map((e) => [e.action, e.role]);
    assert.ok(seen.some(([a, role]) => a === 'disclosure.export' && role === 'admin'));
  });

  it('the export of a closed account shows the name erased', async () => {
    const p = PEOPLE.closer;
    const d = ok(await post('admin', '/api/v1/admin/disclosures', request(p.id)), 201);
    const r = await api('closer', 'DELETE', '/api/v1/me', { password: p.password });
    assert.equal(r.status, 204, r.text);
    problem(await get('admin', user('closer')), 404, 'not-found');
    assert.deepEqual(await search({ q: 'Cao Thị Đóng' }), []);
    const x = await get('admin', `/api/v1/admin/disclosures/${d.id}/export`);
    assert.equal(x.status, 200, x.text);
    assert.ok(x.text.includes('erased'), x.text);
    for (const v of [p.name, e164(p.phone), p.email, p.address])
      assert.ok(!x.text.includes(v), `the export of a closed account holds ${v}`);
  });
});

describe('audit log', () => {
  it('filters by actor, subject, exact action and prefix', async () => {
    const byActor = await audit({ actor: id('admin') });
    assert.ok(byActor.length > 20);
    assert.ok(byActor.every((e) => e.actor === id('admin')));
    // the role the actor had then: registering, the admin was still a user
    assert.deepEqual([...new Set(byActor.map((e) => e.actor_role))].sort(), ['admin', 'user']);
    assert.ok(byActor.filter((e) => e.action.startsWith('customer.')).every((e) => e.actor_role === 'admin'));
    const bySubject = await audit({ subject: id('locked') });
    assert.ok(bySubject.every((e) => e.subject === id('locked')));
    const exact = await audit({ action: 'user.lock' });
    assert.ok(exact.length >= 1 && exact.every((e) => e.action === 'user.lock'));
    const prefix = await audit({ action: 'user.' });
    const kinds = new Set(prefix.map((e) => e.action));
    for (const a of ['user.lock', 'user.unlock', 'user.role', 'user.plan', 'user.must_reset'])
      assert.ok(kinds.has(a), `user. holds ${a}`);
    assert.ok(prefix.every((e) => e.action.startsWith('user.')));
    assert.deepEqual(await audit({ action: 'user' }), [], 'a code without its dot is exact');
    const both = await audit({ actor: id('admin'), subject: id('promoted'), action: 'user.role' });
    assert.equal(both.length, 1);
    for (const e of byActor)
      assert.deepEqual(Object.keys(e).sort(), ['action', 'actor', 'actor_role', 'at', 'id', 'object', 'reason', 'subject']);
    problem(await get('admin', '/api/v1/admin/audit?actor=x'), 400, 'invalid-parameter');
    problem(await get('admin', '/api/v1/admin/audit?from=yesterday'), 400, 'invalid-parameter');
  });

  it('pages newest first with before = next', async () => {
    const all = await audit({ actor: id('admin') });
    const ids = all.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    const paged = [];
    let before = null;
    for (let i = 0; i < 500; i++) {
      const qs = new URLSearchParams({ actor: String(id('admin')), limit: '7' });
      if (before !== null) qs.set('before', String(before));
      const r = ok(await get('admin', `/api/v1/admin/audit?${qs}`));
      assert.ok(r.entries.length <= 7);
      paged.push(...r.entries.map((e) => e.id));
      if (r.next === null) break;
      assert.equal(r.next, r.entries.at(-1).id);
      before = r.next;
    }
    assert.deepEqual(paged, ids);
  });

  it('filters by date: from (inclusive), to (exclusive)', async () => {
    setNow(T0 + DAY); // Tuesday 3 March
    ok(await get('admin', user('ha')));
    const from = await audit({ from: '2026-03-03' });
    assert.ok(from.length >= 1 && from.every((e) => e.at >= '2026-03-03T'));
    assert.ok(from.some((e) => e.action === 'customer.view' && e.subject === id('ha')));
    const to = await audit({ to: '2026-03-03' });
    assert.ok(to.length > 20 && to.every((e) => e.at < '2026-03-03T'));
    assert.equal(from.length + to.length, (await audit()).length);
    assert.deepEqual(await audit({ from: '2026-03-02', to: '2026-03-02' }), []);
    const day = await audit({ from: '2026-03-02', to: '2026-03-03', subject: id('ha') });
    assert.ok(day.length >= 1 && day.every((e) => e.at.startsWith('2026-03-02T')));
  });

  it('is append-only: the store refuses updates and deletes', async (t) => {
    const n = (await audit()).length;
    const tries = ["UPDATE audit SET action = 'x'", 'DELETE FROM audit'];
    if (PG_STORE) {
      for (const sql of tries) {
        const r = spawnSync('psql', [data, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sql.replace('audit', 'portal.audit')],
          { encoding: 'utf8' });
        assert.notEqual(r.status, 0, sql);
        assert.match(r.stderr, /append-only/, sql);
      }
    } else {
      if (spawnSync('sqlite3', ['-version']).status !== 0) {
        t.skip('the sqlite3 command-line tool is not installed');
        return;
      }
      for (const sql of tries) {
        const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', join(data, 'portal.db'), sql], { encoding: 'utf8' });
        assert.notEqual(r.status, 0, sql);
        assert.match(r.stderr, /append-only/, sql);
      }
    }
    assert.equal((await audit()).length, n);
  });
});

describe('a plan\'s end', () => {
  it('the account falls back to free by itself, and the user is told', async () => {
    assert.equal(ok(await get('admin', user('planned'))).plan.code, 'plus');
    const before = (await inbox('planned')).length;
    setNow(Date.parse('2026-03-05T17:02:00Z') / 1000); // past the end (00:00 on 6 March in Viet Nam), and > 60 s since the last sweep
    const c = await eventually(async () => {
      const r = ok(await get('admin', user('planned')));
      return r.plan.code === 'free' && r;
    }, 'the sweep of ended plans');
    assert.equal(c.plan_until, null);
    const me = ok(await get('planned', '/api/v1/me'));
    assert.equal(me.plan.code, 'free');
    assert.equal(me.views.daily, PLANS.free.daily_views);
    const box = await eventually(async () => {
      const b = await inbox('planned');
      return b.length > before && b;
    }, 'the notification');
    assert.equal(box[0].kind, 'upgrade');
    assert.match(box[0].body, /Free/);
    const e = (await audit({ subject: id('planned'), action: 'user.plan' }))[0];
    assert.equal(e.actor_role, 'system');
    assert.equal(e.reason, 'expired');
    const seen = ok(await get('planned', '/api/v1/me/access')).entries;
    assert.ok(seen.some((x) => x.action === 'user.plan' && x.role === 'system' && x.reason === 'expired'));
    // a plan not yet ended stays
    assert.equal(ok(await get('admin', user('asker'))).plan.code, 'plus');
  });
});
