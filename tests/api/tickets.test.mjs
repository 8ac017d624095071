// Tickets (docs/api.md, "Administration, notifications, tickets") against the
// real `lis serve`: users file support, complaint and dispute tickets, staff
// answer, assign, resolve and reject them, the author reopens within
// ticket_reopen_days; what each side sees of the other; the dispute time
// limit (60 days in Lạng Sơn's mountainous communes, 50 elsewhere; calendar
// or working days) moving with the server's clock (LIS_NOW=@file, moved by
// rewriting the file); the author's inbox gets every change.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startServer, copyStore, LIS_BIN, PG_STORE, ok, problem, fields, portalRequest, setClock,
} from './helper.mjs';

// Tuesday 1 December 2026, 10:00 in Viet Nam.
const T0 = Date.parse('2026-12-01T03:00:00Z') / 1000;
const DAY = 86400;
const YEAR = String(365 * DAY);
const ARGS = ['--set', 'argon2_mem_kib=64', '--set', 'argon2_ops=1',
  // the clock moves by weeks: sessions must outlive it
  '--set', `session_idle=${YEAR}`, '--set', `session_max=${YEAR}`];

let work, data, clock, srv, consent;
let plain; // a parcel in a commune left mountainous
let lowland; // a parcel in a commune the test makes not mountainous

const setNow = (t) => setClock(clock, t);

// The people; phones and e-mails must never reach staff.
const PEOPLE = {
  an: { name: 'Hoàng Thị Phiếu An', phone: '0912 345 711', email: 'an@tickets.example',
    address: 'Số 7 phố Phiếu, Lạng Sơn' },
  binh: { name: 'Hoàng Văn Phiếu Bình', phone: '0912 345 712', email: 'binh@tickets.example',
    address: 'Số 8 phố Phiếu, Lạng Sơn' },
  staff: { name: 'Lục Văn Cán Bộ', phone: '0912 345 713', email: 'canbo@tickets.example',
    role: 'staff' },
  admin: { name: 'Lục Thị Quản Trị', phone: '0912 345 714', email: 'quantri@tickets.example',
    role: 'admin' },
};
const e164 = (p) => `+84${p.replace(/\D/g, '').slice(-9)}`;

// A request as `who` (a PEOPLE key, or null for a visitor).
const api = (who, method, path, body) => portalRequest(srv, who ? PEOPLE[who] : null, method, path, body);
const get = (who, path) => api(who, 'GET', path);
const post = (who, path, body) => api(who, 'POST', path, body);
const patch = (who, path, body) => api(who, 'PATCH', path, body);

// Make `code` not mountainous the way an operator does: re-import the commune
// with a `mountainous` column (lis import --kind communes).
function lowlandCommune(code) {
  const file = join(work, `lowland-${code}.geojson`);
  const src = PG_STORE ? `PG:${data.replace(/^postgres(ql)?:/, 'postgresql:')}` : join(data, 'land.gpkg');
  const table = PG_STORE ? 'land.communes' : 'communes';
  execFileSync('ogr2ogr', ['-f', 'GeoJSON', file, src, '-sql', `SELECT code, name, kind, 'không' AS mountainous, geom FROM ${table} WHERE code = '${code}'`],
  { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(LIS_BIN, ['import', file, '--kind', 'communes', '--data', data],
    { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function startAt(t, extra = []) {
  setNow(t);
  return startServer({ data, args: [...ARGS, ...extra], env: { LIS_NOW: `@${clock}` } });
}

async function login(who) {
  const p = PEOPLE[who];
  ok(await post(who, '/api/v1/session', { phone: p.phone, password: p.password }));
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lis-tickets-'));
  data = copyStore(work);
  clock = join(work, 'now');
  // two parcels of different communes; one commune becomes a lowland one
  srv = await startAt(T0);
  const list = ok(await get(null, `/api/v1/parcels/search?q=${encodeURIComponent('xã')}&limit=100`)).parcels;
  plain = list[0];
  lowland = list.find((p) => p.commune.code !== plain.commune.code);
  assert.ok(plain && lowland, 'parcels in two communes');
  await srv.stop();
  lowlandCommune(lowland.commune.code);

  srv = await startAt(T0);
  consent = ok(await get(null, '/api/v1/portal')).privacy.version;
  for (const [who, p] of Object.entries(PEOPLE)) {
    p.password = `tre-xanh-${who}-2026`;
    const r = ok(await post(who, '/api/v1/account', {
      name: p.name, phone: p.phone, password: p.password, email: p.email, address: p.address,
      consent_version: consent,
    }), 201);
    p.id = r.user.id;
    if (p.role) {
      execFileSync(LIS_BIN, ['user', 'set-role', '--phone', e164(p.phone), p.role, '--data', data],
        { stdio: ['ignore', 'ignore', 'inherit'] });
      await login(who);
    }
  }
});

after(async () => {
  if (srv) {
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr());
    assert.doesNotMatch(srv.stderr(), /runtime error|Sanitizer/, 'clean under sanitizers');
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

// The account's personal values staff must never see.
const personal = (p) => [e164(p.phone), e164(p.phone).slice(3), p.email, p.address].filter(Boolean);

describe('filing', () => {
  it('a user files a support request, a complaint and a dispute', async () => {
    const s = ok(await post('an', '/api/v1/tickets', {
      kind: 'support', subject: '  Không xem được thửa đất  ', body: 'Xin hướng dẫn\r\ncách xem.',
    }), 201);
    assert.equal(s.kind, 'support');
    assert.equal(s.subject, 'Không xem được thửa đất', 'trimmed');
    assert.equal(s.status, 'open');
    assert.deepEqual(s.author, { id: PEOPLE.an.id, name: PEOPLE.an.name });
    assert.equal(s.parcel_id, null);
    assert.equal(s.other_party, null);
    assert.equal(s.assigned, false);
    assert.ok(!('assignee' in s), 'users are not told who handles it');
    assert.ok(!('deadline' in s), 'only disputes have a time limit');
    assert.equal(s.messages.length, 1);
    assert.equal(s.messages[0].body, 'Xin hướng dẫn\ncách xem.');
    assert.equal(s.messages[0].mine, true);
    assert.equal(s.created_at, '2026-12-01T03:00:00Z');

    const c = ok(await post('an', '/api/v1/tickets', {
      kind: 'complaint', subject: 'Sai diện tích', body: 'Diện tích ghi sai.', parcel_id: plain.id,
    }), 201);
    assert.equal(c.parcel_id, plain.id);
    assert.equal(c.commune.code, plain.commune.code);

    const d = ok(await post('an', '/api/v1/tickets', {
      kind: 'dispute', subject: 'Tranh chấp ranh giới', body: 'Hàng xóm lấn sang 2 m.',
      parcel_id: plain.id, other_party: 'Ông Vi Văn Lấn',
    }), 201);
    assert.equal(d.other_party, 'Ông Vi Văn Lấn');
    assert.deepEqual(d.commune, plain.commune);
    assert.ok(d.deadline, 'a dispute shows its time limit');

    const mine = ok(await get('an', '/api/v1/tickets')).tickets;
    assert.deepEqual(mine.map((t) => t.id), [d.id, c.id, s.id], 'newest first');
    assert.ok(mine.every((t) => !('messages' in t)));
  });

  it('names each field that is wrong', async () => {
    assert.deepEqual(fields(await post('an', '/api/v1/tickets', {})),
      { kind: 'required', subject: 'required', body: 'required' });
    assert.deepEqual(fields(await post('an', '/api/v1/tickets', { kind: 'dispute', subject: 'x', body: 'y' })),
      { parcel_id: 'required', other_party: 'required' });
    assert.deepEqual(fields(await post('an', '/api/v1/tickets', {
      kind: 'question', subject: 'dòng 1\ndòng 2', body: ' \n\t ', parcel_id: 'số 5',
    })), { kind: 'invalid', subject: 'invalid', body: 'required', parcel_id: 'invalid' });
    assert.deepEqual(fields(await post('an', '/api/v1/tickets', {
      kind: 'support', subject: 'x', body: 'y', other_party: 'Ông Lấn', parcel_id: 999999999,
    })), { other_party: 'not-allowed', parcel_id: 'not-found' });
    assert.deepEqual(fields(await post('an', '/api/v1/tickets', {
      kind: 'complaint', subject: 's'.repeat(201), body: 'ầ'.repeat(5001), parcel_id: 0,
    })), { subject: 'too-long', body: 'too-long', parcel_id: 'invalid' });
    assert.deepEqual(fields(await post('an', '/api/v1/tickets', {
      kind: 7, subject: ['x'], body: 'chuông\u0007',
    })), { kind: 'invalid', subject: 'invalid', body: 'invalid' });
    problem(await post('an', '/api/v1/tickets', { kind: 'support', subject: 'x', body: 'y', extra: 1 }),
      400, 'invalid-body');
    // 5000 characters are fine, whatever their bytes
    ok(await post('an', '/api/v1/tickets', { kind: 'support', subject: 'Dài', body: 'ầ'.repeat(5000) }), 201);
  });

  it('visitors must log in', async () => {
    problem(await get(null, '/api/v1/tickets'), 401, 'login-required');
    problem(await post(null, '/api/v1/tickets', { kind: 'support', subject: 'x', body: 'y' }), 401,
      'login-required');
  });
});

describe('who sees a ticket', () => {
  let t;
  before(async () => {
    t = ok(await post('an', '/api/v1/tickets', { kind: 'complaint', subject: 'Riêng tư', body: 'Chỉ tôi.' }), 201);
  });

  it('another user cannot see, answer or change it: it does not exist for them', async () => {
    problem(await get('binh', `/api/v1/tickets/${t.id}`), 404, 'not-found');
    problem(await post('binh', `/api/v1/tickets/${t.id}/messages`, { body: 'xin chào' }), 404, 'not-found');
    problem(await patch('binh', `/api/v1/tickets/${t.id}`, { status: 'open' }), 404, 'not-found');
    const theirs = ok(await get('binh', '/api/v1/tickets')).tickets;
    assert.ok(!theirs.some((x) => x.id === t.id));
    // the same answer as for a ticket that does not exist
    problem(await get('binh', '/api/v1/tickets/999999'), 404, 'not-found');
  });

  it('staff see the queue with the author\'s name, never their phone, e-mail or address', async () => {
    for (const who of ['staff', 'admin']) {
      const r = await get(who, '/api/v1/tickets?limit=100');
      const q = ok(r).tickets;
      const row = q.find((x) => x.id === t.id);
      assert.deepEqual(row.author, { id: PEOPLE.an.id, name: PEOPLE.an.name }, who);
      assert.equal(row.assignee, null, who);
      const one = await get(who, `/api/v1/tickets/${t.id}`);
      assert.equal(ok(one).messages[0].author.name, PEOPLE.an.name, who);
      for (const text of [r.text, one.text])
        for (const v of personal(PEOPLE.an)) assert.ok(!text.includes(v), `${who} sees ${v}`);
    }
    const disputes = ok(await get('staff', '/api/v1/tickets?kind=dispute')).tickets;
    assert.ok(disputes.length > 0 && disputes.every((x) => x.kind === 'dispute'));
    const open = ok(await get('staff', '/api/v1/tickets?status=open&limit=100')).tickets;
    assert.ok(open.some((x) => x.id === t.id) && open.every((x) => x.status === 'open'));
    problem(await get('staff', '/api/v1/tickets?status=closed'), 400, 'invalid-parameter');
    problem(await get('staff', '/api/v1/tickets?kind=other'), 400, 'invalid-parameter');
  });

  it('a user\'s list is theirs alone, whatever they ask', async () => {
    const mine = ok(await get('binh', '/api/v1/tickets?mine=false&limit=100')).tickets;
    assert.ok(mine.every((x) => x.author.id === PEOPLE.binh.id));
  });

  it('pages with before/limit, newest first', async () => {
    const all = ok(await get('an', '/api/v1/tickets?limit=100')).tickets.map((x) => x.id);
    assert.ok(all.length >= 4);
    const seen = [];
    let next = null;
    do {
      const page = ok(await get('an', `/api/v1/tickets?limit=2${next ? `&before=${next}` : ''}`));
      assert.ok(page.tickets.length <= 2);
      seen.push(...page.tickets.map((x) => x.id));
      next = page.next;
    } while (next);
    assert.deepEqual(seen, all);
    problem(await get('an', '/api/v1/tickets?limit=100000'), 400, 'invalid-parameter');
  });
});

describe('the thread and the statuses', () => {
  let t;
  const url = () => `/api/v1/tickets/${t.id}`;
  before(async () => {
    setNow(T0);
    t = ok(await post('an', '/api/v1/tickets', {
      kind: 'complaint', subject: 'Chưa cấp sổ', body: 'Đã nộp hồ sơ 3 tháng.',
    }), 201);
  });

  it('a staff answer takes an open ticket in progress; the user sees "staff", not the name', async () => {
    const m = ok(await post('staff', `${url()}/messages`, { body: 'Chúng tôi đang kiểm tra.' }), 201);
    assert.equal(m.body, 'Chúng tôi đang kiểm tra.');
    const seen = ok(await get('an', url()));
    assert.equal(seen.status, 'in_progress');
    assert.equal(seen.messages.length, 2);
    assert.deepEqual(seen.messages[1].author, { role: 'staff', name: null });
    assert.equal(seen.messages[1].mine, false);
    assert.ok(!seen.messages.some((x) => JSON.stringify(x).includes(PEOPLE.staff.name)));
    const staff = ok(await get('staff', url()));
    assert.deepEqual(staff.messages[1].author, { role: 'staff', name: PEOPLE.staff.name });
    // the author answers back: still in progress
    ok(await post('an', `${url()}/messages`, { body: 'Cảm ơn.' }), 201);
    assert.equal(ok(await get('an', url())).status, 'in_progress');
    assert.deepEqual(fields(await post('an', `${url()}/messages`, { body: 'x'.repeat(5001) })), { body: 'too-long' });
    assert.deepEqual(fields(await post('an', `${url()}/messages`, {})), { body: 'required' });
  });

  it('staff assign it, to themselves or to another staff account, never to a user', async () => {
    const me = ok(await patch('staff', url(), { assignee: 'me' }));
    assert.deepEqual(me.assignee, { id: PEOPLE.staff.id, name: PEOPLE.staff.name });
    const mine = ok(await get('staff', '/api/v1/tickets?mine=true&limit=100')).tickets;
    assert.ok(mine.some((x) => x.id === t.id));
    assert.ok(!ok(await get('admin', '/api/v1/tickets?mine=true&limit=100')).tickets.some((x) => x.id === t.id));
    assert.deepEqual(fields(await patch('staff', url(), { assignee: PEOPLE.binh.id })), { assignee: 'not-staff' });
    assert.deepEqual(fields(await patch('staff', url(), { assignee: 'someone' })), { assignee: 'invalid' });
    const seen = ok(await get('an', url()));
    assert.equal(seen.assigned, true);
    assert.ok(!('assignee' in seen));
    problem(await patch('an', url(), { assignee: PEOPLE.staff.id }), 403, 'forbidden');
    ok(await patch('admin', url(), { assignee: PEOPLE.admin.id }));
  });

  it('only staff resolve; the author cannot; the same status twice is refused', async () => {
    problem(await patch('an', url(), { status: 'resolved' }), 403, 'forbidden');
    problem(await patch('staff', url(), { status: 'in_progress' }), 409, 'invalid-transition');
    problem(await patch('staff', url(), { status: 'open' }), 409, 'invalid-transition');
    assert.deepEqual(fields(await patch('staff', url(), { status: 'in_progress', reason: 'vì' })),
      { reason: 'not-allowed' });
    assert.deepEqual(fields(await patch('staff', url(), { status: 'done' })), { status: 'invalid' });
    assert.deepEqual(fields(await patch('staff', url(), {})), { status: 'required' });
    const r = ok(await patch('staff', url(), { status: 'resolved', reason: 'Đã cấp sổ ngày 1/12.' }));
    assert.equal(r.status, 'resolved');
    assert.equal(r.reason, 'Đã cấp sổ ngày 1/12.');
    assert.equal(r.closed_at, '2026-12-01T03:00:00Z');
    assert.equal(r.reopen_until, '2026-12-31T03:00:00Z');
    // closed: no more messages, no staff changes
    problem(await post('an', `${url()}/messages`, { body: 'Còn nữa.' }), 409, 'ticket-closed');
    problem(await patch('staff', url(), { status: 'rejected', reason: 'x' }), 409, 'invalid-transition');
    problem(await patch('staff', url(), { assignee: 'me' }), 409, 'invalid-transition');
  });

  it('the author reopens within ticket_reopen_days, and not after', async () => {
    setNow(T0 + 29 * DAY);
    const r = ok(await patch('an', url(), { status: 'open' }));
    assert.equal(r.status, 'open');
    assert.equal(r.closed_at, null);
    assert.equal(r.reason, null);
    problem(await patch('an', url(), { status: 'open' }), 409, 'invalid-transition');
    assert.equal(ok(await patch('staff', url(), { status: 'resolved' })).reopen_until, '2027-01-29T03:00:00Z');
    setNow(T0 + 59 * DAY);
    problem(await patch('an', url(), { status: 'open' }), 409, 'invalid-transition');
    assert.equal(ok(await get('an', url())).status, 'resolved');
  });

  it('every change by the office reaches the author\'s inbox, and nobody else\'s', async () => {
    const inbox = async (who) => ok(await get(who, '/api/v1/me/notifications?limit=100'));
    const an = await inbox('an');
    const about = an.notifications.filter((n) => n.kind === 'ticket' && n.object === t.id);
    // the answer, two assignments, two resolutions; not the author's own reopening
    assert.equal(about.length, 5, JSON.stringify(about));
    for (const n of about) {
      assert.ok(n.title.includes(`#${t.id}`), n.title);
      assert.ok(n.body.includes('Chưa cấp sổ'), n.body);
    }
    assert.ok(about.some((n) => n.body.includes('Đã cấp sổ ngày 1/12.')), 'the resolution says how');
    assert.ok(an.unread >= 5);
    for (const who of ['binh', 'staff', 'admin'])
      assert.ok(!(await inbox(who)).notifications.some((n) => n.object === t.id), who);
  });

  it('a rejection needs a reason, which the author then reads', async () => {
    setNow(T0);
    const x = ok(await post('binh', '/api/v1/tickets', { kind: 'support', subject: 'Hỏi', body: 'Hỏi.' }), 201);
    const u = `/api/v1/tickets/${x.id}`;
    assert.deepEqual(fields(await patch('staff', u, { status: 'rejected' })), { reason: 'required' });
    assert.deepEqual(fields(await patch('staff', u, { status: 'rejected', reason: '  ' })), { reason: 'required' });
    ok(await patch('staff', u, { status: 'rejected', reason: 'Không thuộc thẩm quyền.' }));
    const seen = ok(await get('binh', u));
    assert.equal(seen.status, 'rejected');
    assert.equal(seen.reason, 'Không thuộc thẩm quyền.');
    // rejected tickets reopen like resolved ones
    assert.equal(ok(await patch('binh', u, { status: 'open' })).status, 'open');
  });
});

describe('the dispute time limit', () => {
  it('60 days in a mountainous commune of Lạng Sơn, counting down with the clock', async () => {
    setNow(T0);
    const d = ok(await post('an', '/api/v1/tickets', {
      kind: 'dispute', subject: 'Lấn chiếm', body: 'Lấn 1 m.', parcel_id: plain.id, other_party: 'Bà Lò Thị Lấn',
    }), 201);
    assert.deepEqual(d.deadline, { days: 60, mountainous: true, counting: 'calendar', due: '2027-01-30', days_left: 60 });
    setNow(T0 + 10 * DAY);
    assert.equal(ok(await get('an', `/api/v1/tickets/${d.id}`)).deadline.days_left, 50);
    // Viet Nam's midnight, not UTC's: 22:30 local on day 10 is still day 10, 00:30 is day 11
    setNow(T0 + 10 * DAY + 13.5 * 3600 - 3600);
    assert.equal(ok(await get('staff', `/api/v1/tickets/${d.id}`)).deadline.days_left, 50);
    setNow(T0 + 10 * DAY + 14.5 * 3600);
    assert.equal(ok(await get('staff', `/api/v1/tickets/${d.id}`)).deadline.days_left, 49);
    setNow(T0 + 70 * DAY);
    assert.equal(ok(await get('an', `/api/v1/tickets/${d.id}`)).deadline.days_left, -10, 'overdue');
    // closing stops the count
    ok(await patch('staff', `/api/v1/tickets/${d.id}`, { status: 'resolved', reason: 'Hoà giải xong.' }));
    setNow(T0 + 80 * DAY);
    assert.equal(ok(await get('an', `/api/v1/tickets/${d.id}`)).deadline.days_left, -10);
  });

  it('50 days where the commune is not mountainous', async () => {
    setNow(T0);
    const d = ok(await post('an', '/api/v1/tickets', {
      kind: 'dispute', subject: 'Ranh giới', body: 'Mốc bị dời.', parcel_id: lowland.id, other_party: 'Ông Nông Văn Dời',
    }), 201);
    assert.deepEqual(d.deadline, { days: 50, mountainous: false, counting: 'calendar', due: '2027-01-20', days_left: 50 });
  });

  it('working days when so configured: Saturdays and Sundays do not count', async () => {
    await srv.stop();
    srv = await startAt(T0, ['--set', 'dispute_counting=working']);
    for (const who of Object.keys(PEOPLE)) await login(who);
    const d = ok(await post('an', '/api/v1/tickets', {
      kind: 'dispute', subject: 'Lối đi chung', body: 'Bị rào.', parcel_id: plain.id, other_party: 'Ông Hà Văn Rào',
    }), 201);
    // 60 working days from Tuesday 1 December are twelve weeks
    assert.deepEqual(d.deadline, { days: 60, mountainous: true, counting: 'working', due: '2027-02-23', days_left: 60 });
    const left = async (t) => {
      setNow(t);
      return ok(await get('an', `/api/v1/tickets/${d.id}`)).deadline.days_left;
    };
    assert.equal(await left(T0 + 3 * DAY), 57, 'Friday: Wednesday, Thursday and Friday used');
    assert.equal(await left(T0 + 4 * DAY), 57, 'Saturday does not count');
    assert.equal(await left(T0 + 5 * DAY), 57, 'nor Sunday');
    assert.equal(await left(T0 + 6 * DAY), 56, 'Monday does');
    const l = ok(await post('an', '/api/v1/tickets', {
      kind: 'dispute', subject: 'Mốc giới', body: 'Mất mốc.', parcel_id: lowland.id, other_party: 'Bà Hà Thị Mốc',
    }), 201);
    assert.equal(l.deadline.days, 50);
    assert.equal(l.deadline.due, '2027-02-15', 'ten weeks from Monday 7 December');
  });
});
