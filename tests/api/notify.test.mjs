// Notifications (docs/api.md, "Administration, notifications, tickets")
// against the real `lis serve`: inboxes by audience with unread counts, public
// notices for visitors, who may send what, the outbound channel (the outbox
// file, and e-mail over SMTP to python's smtpd), watched parcels within the
// plan's limit and the notification a change by `lis import` from another
// process brings, the forgotten-password code and the optional phone check at
// registration. The server's clock is read from a file (LIS_NOW=@file), so a
// code's expiry is reached by rewriting it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startServer, stopChecked, eventually, copyStore, freePort, LIS_BIN, ok, problem, fields,
  portalRequest, setClock,
} from './helper.mjs';

// Monday 2 March 2026, 10:00 in Viet Nam.
const T0 = Date.parse('2026-03-02T03:00:00Z') / 1000;
const FAST = ['--set', 'argon2_mem_kib=64', '--set', 'argon2_ops=1'];
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const e164 = (p) => `+84${p.replace(/\D/g, '').slice(-9)}`;

let work, data, clock, outbox, srv, consent;

const PEOPLE = {
  an: { name: 'Nông Thị Tin An', phone: '0914 551 001', email: 'an@notify.example',
    address: 'Số 1 phố Tin, Lạng Sơn' },
  binh: { name: 'Nông Văn Tin Bình', phone: '0914 551 002', plan: 'plus' },
  staff: { name: 'Lộc Văn Gửi', phone: '0914 551 003', role: 'staff' },
  staff2: { name: 'Lộc Thị Gửi Hai', phone: '0914 551 004', role: 'staff' },
  admin: { name: 'Hà Thị Quản', phone: '0914 551 005', role: 'admin' },
};

const setNow = (t) => setClock(clock, t);

// A request as `who` (a PEOPLE key, or null for a visitor), to `server`.
const api = (who, method, path, body, server = srv) =>
  portalRequest(server, who ? PEOPLE[who] : null, method, path, body);
const get = (who, path, server) => api(who, 'GET', path, undefined, server);
const post = (who, path, body, server) => api(who, 'POST', path, body, server);

function lis(argv) {
  const r = spawnSync(LIS_BIN, [...argv, '--data', data], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

// The outbox as parsed lines (the file may not exist yet).
function outboxLines(file = outbox) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

async function register(who, server = srv, extra = {}) {
  const p = PEOPLE[who];
  p.password = `che-xanh-${who}-2026`;
  const r = await post(who, '/api/v1/account', {
    name: p.name, phone: p.phone, password: p.password, email: p.email, address: p.address,
    consent_version: consent, ...extra,
  }, server);
  return r;
}

async function login(who, server = srv) {
  const p = PEOPLE[who];
  ok(await post(who, '/api/v1/session', { phone: p.phone, password: p.password }, server));
}

const inbox = async (who, q = '') => ok(await get(who, `/api/v1/me/notifications${q}`));
const send = (who, body) => post(who, '/api/v1/notifications', body);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lis-notify-'));
  data = copyStore(work);
  clock = join(work, 'now');
  outbox = join(work, 'outbox.jsonl');
  setNow(T0);
  srv = await startServer({ data, env: { LIS_NOW: `@${clock}` }, args: [...FAST,
    '--set', `outbox_file=${outbox}`, '--set', 'watch_interval=1',
    '--set', 'code_address_free_sends=1000'] });
  consent = ok(await get(null, '/api/v1/portal')).privacy.version;
  for (const [who, p] of Object.entries(PEOPLE)) {
    p.id = ok(await register(who), 201).user.id;
    if (p.role) lis(['user', 'set-role', '--phone', e164(p.phone), p.role]);
    if (p.plan) lis(['user', 'set-plan', '--phone', e164(p.phone), p.plan]);
    if (p.role || p.plan) await login(who);
  }
});

after(async () => {
  if (srv) await stopChecked(srv, Object.values(PEOPLE).map((p) => e164(p.phone).slice(3)));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('inbox', () => {
  it('each audience reaches its inbox, with the unread count', async () => {
    const all = ok(await send('admin', { kind: 'service', audience: 'all', title: '  Bảo trì ',
      body: 'Hệ thống bảo trì\r\ntối nay.' }), 201);
    assert.equal(all.title, 'Bảo trì', 'trimmed');
    assert.equal(all.body, 'Hệ thống bảo trì\ntối nay.', 'CR LF made LF');
    assert.equal(all.kind, 'service');
    assert.equal(all.audience, 'all');
    assert.equal(all.public, false);
    const plus = ok(await send('admin', { kind: 'upgrade', audience: 'plan:plus',
      title: 'Gói Plus', body: 'Tin cho gói Plus.' }), 201);
    const staff = ok(await send('admin', { kind: 'service', audience: 'role:staff',
      title: 'Cán bộ', body: 'Tin cho cán bộ.' }), 201);
    const one = ok(await send('admin', { kind: 'service', audience: `user:${PEOPLE.an.id}`,
      title: 'Riêng An', body: 'Chỉ An đọc.' }), 201);

    const ids = async (who) => (await inbox(who)).notifications.map((n) => n.id);
    assert.deepEqual(await ids('an'), [one.id, all.id], 'newest first');
    assert.deepEqual(await ids('binh'), [plus.id, all.id]);
    assert.deepEqual(await ids('staff'), [staff.id, all.id]);
    assert.deepEqual(await ids('admin'), [all.id]);

    const a = await inbox('an');
    assert.equal(a.unread, 2);
    assert.deepEqual(Object.keys(a.notifications[0]).sort(),
      ['body', 'created_at', 'id', 'kind', 'object', 'read', 'title']);
    assert.equal(a.notifications[0].title, 'Riêng An');
    assert.equal(a.notifications[0].read, false);
    assert.equal(a.notifications[0].created_at, '2026-03-02T03:00:00Z');
  });

  it('marks one read, then all; only notices of your own inbox', async () => {
    let a = await inbox('an');
    const [first, second] = a.notifications;
    assert.equal((await post('an', `/api/v1/me/notifications/${first.id}/read`)).status, 204);
    a = await inbox('an');
    assert.equal(a.unread, 1);
    assert.equal(a.notifications.find((n) => n.id === first.id).read, true);
    assert.deepEqual((await inbox('an', '?unread=true')).notifications.map((n) => n.id), [second.id]);
    // binh's plan notice is not in an's inbox
    const plus = (await inbox('binh')).notifications.find((n) => n.kind === 'upgrade');
    problem(await post('an', `/api/v1/me/notifications/${plus.id}/read`), 404, 'not-found');
    assert.equal((await post('an', '/api/v1/me/notifications/read')).status, 204);
    assert.equal((await inbox('an')).unread, 0);
    assert.equal((await inbox('binh')).unread, 2, 'others keep their unread');
    // paging
    const page = await inbox('binh', '?limit=1');
    assert.equal(page.notifications.length, 1);
    const rest = await inbox('binh', `?before=${page.next}`);
    assert.equal(rest.notifications.length, 1);
    assert.ok(rest.notifications[0].id < page.next);
  });

  it('an account sees no notice to all sent before it existed', async () => {
    setNow(T0 + 60);
    PEOPLE.cat = { name: 'Nông Văn Mới', phone: '0914 551 006' };
    PEOPLE.cat.id = ok(await register('cat'), 201).user.id;
    assert.deepEqual((await inbox('cat')).notifications, []);
    assert.equal((await inbox('cat')).unread, 0);
    setNow(T0);
  });

  it('visitors see public notices only, and no inbox', async () => {
    const pub = ok(await send('staff', { kind: 'service', audience: 'all', public: true,
      title: 'Nghỉ lễ', body: 'Văn phòng nghỉ lễ ngày 30/4.' }), 201);
    assert.equal(pub.public, true);
    const list = ok(await get(null, '/api/v1/notices')).notices;
    assert.deepEqual(list.map((n) => n.id), [pub.id], 'only the public one');
    assert.deepEqual(Object.keys(list[0]).sort(), ['body', 'created_at', 'id', 'kind', 'title']);
    problem(await get(null, '/api/v1/me/notifications'), 401, 'login-required');
    assert.deepEqual(fields(await send('admin', { kind: 'upgrade', audience: 'all', public: true,
      title: 'x', body: 'y' })), { public: 'invalid' });
  });
});

describe('sending', () => {
  it('users may not send; staff write to one person only about a ticket they handle', async () => {
    problem(await send('an', { kind: 'service', audience: 'all', title: 'x', body: 'y' }), 403,
      'forbidden');
    problem(await send(null, { kind: 'service', audience: 'all', title: 'x', body: 'y' }), 401,
      'login-required');
    ok(await send('staff', { kind: 'service', audience: 'plan:free', title: 'Gói miễn phí',
      body: 'Tin cho gói miễn phí.' }), 201);
    const toAn = { kind: 'ticket', audience: `user:${PEOPLE.an.id}`, title: 'Về yêu cầu',
      body: 'Chúng tôi đang xử lý.' };
    problem(await send('staff', toAn), 403, 'forbidden');
    const ticket = ok(await post('an', '/api/v1/tickets', { kind: 'support',
      subject: 'Cần giúp đỡ', body: 'Xin hướng dẫn.' }), 201);
    const sent = ok(await send('staff', { ...toAn, ticket: ticket.id }), 201);
    assert.equal(sent.object, ticket.id);
    const got = (await inbox('an')).notifications.find((n) => n.id === sent.id);
    assert.equal(got.object, ticket.id);
    // not the ticket's author
    problem(await send('staff', { ...toAn, audience: `user:${PEOPLE.binh.id}`, ticket: ticket.id }),
      403, 'forbidden');
    // a ticket someone else handles
    ok(await api('staff2', 'PATCH', `/api/v1/tickets/${ticket.id}`, { assignee: PEOPLE.staff2.id }));
    problem(await send('staff', { ...toAn, ticket: ticket.id }), 403, 'forbidden');
    ok(await send('staff2', { ...toAn, ticket: ticket.id }), 201);
    // an admin writes to anyone
    ok(await send('admin', { ...toAn, audience: `user:${PEOPLE.binh.id}` }), 201);
  });

  it('names each field that is wrong', async () => {
    assert.deepEqual(fields(await send('admin', { title: ' \n ', body: '\t' })),
      { kind: 'required', audience: 'required', title: 'required', body: 'required' });
    assert.deepEqual(fields(await send('admin', { kind: 'news', audience: 'everyone',
      title: 't'.repeat(201), body: 'ầ'.repeat(5001) })),
    { kind: 'invalid', audience: 'invalid', title: 'too-long', body: 'too-long' });
    assert.deepEqual(fields(await send('admin', { kind: 'service', audience: 'plan:gold',
      title: 'dòng\u0007', body: 'y', ticket: 999999 })),
    { audience: 'unknown-plan', title: 'invalid', ticket: 'not-found' });
    assert.deepEqual(fields(await send('admin', { kind: 'service', audience: 'role:owner',
      title: 'x', body: 'y' })), { audience: 'unknown-role' });
    assert.deepEqual(fields(await send('admin', { kind: 'service', audience: 'user:999999',
      title: 'x', body: 'y' })), { audience: 'unknown-user' });
    problem(await send('admin', { kind: 'service', audience: 'all', title: 'x', body: 'y',
      colour: 'red' }), 400, 'invalid-body');
    ok(await send('admin', { kind: 'service', audience: 'all', title: 'ầ'.repeat(200),
      body: `dòng 1\ndòng 2\t${'ầ'.repeat(4980)}` }), 201);
  });
});

describe('outbound channel', () => {
  it('a one-person notification goes to the phone and e-mail, nothing else; mass ones stay', async () => {
    const before = outboxLines().length;
    ok(await send('admin', { kind: 'service', audience: 'all', title: 'Cho mọi người',
      body: 'Không gửi đi.' }), 201);
    ok(await send('admin', { kind: 'upgrade', audience: `user:${PEOPLE.an.id}`,
      title: 'Mời nâng cấp', body: 'Gói Plus cho bạn.' }), 201);
    const lines = await eventually(() => {
      const l = outboxLines().slice(before);
      return l.length >= 2 && l;
    }, 'two outbox lines');
    await sleep(300);
    assert.equal(outboxLines().length, before + 2, 'nothing for the mass notice');
    const byChannel = Object.fromEntries(lines.map((l) => [l.channel, l]));
    assert.deepEqual(byChannel.sms, { at: '2026-03-02T03:00:00Z', channel: 'sms',
      to: e164(PEOPLE.an.phone), subject: 'Mời nâng cấp', text: 'Gói Plus cho bạn.' });
    assert.deepEqual(byChannel.email, { at: '2026-03-02T03:00:00Z', channel: 'email',
      to: PEOPLE.an.email, subject: 'Mời nâng cấp', text: 'Gói Plus cho bạn.' });
    const text = readFileSync(outbox, 'utf8');
    for (const s of [PEOPLE.an.name, PEOPLE.an.address, PEOPLE.binh.name])
      assert.ok(!text.includes(s), 'no other personal data in the outbox');
  });

  it('e-mail over SMTP (python smtpd), SMS still to the outbox', async (t) => {
    if (spawnSync('python3', ['-W', 'ignore', '-c', 'import smtpd']).status !== 0) {
      t.skip('python3 has no smtpd module (removed in Python 3.12): SMTP delivery not tested');
      return;
    }
    const port = await freePort();
    const smtpd = spawn('python3', ['-u', '-W', 'ignore', '-m', 'smtpd', '-n', '-c',
      'DebuggingServer', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    smtpd.stdout.on('data', (d) => { out += d; });
    const mailOutbox = join(work, 'smtp-outbox.jsonl');
    let other;
    try {
      await sleep(500); // smtpd binds
      other = await startServer({ data, env: { LIS_NOW: `@${clock}` }, args: [...FAST,
        '--set', 'channel=smtp', '--set', `smtp_url=smtp://127.0.0.1:${port}`,
        '--set', 'smtp_from=lis@portal.example', '--set', `outbox_file=${mailOutbox}`,
        '--set', 'watch_interval=3600'] });
      // the session cookie works on any server of the store
      ok(await api('admin', 'POST', '/api/v1/notifications', { kind: 'ticket',
        audience: `user:${PEOPLE.an.id}`, title: 'Thư về yêu cầu số 7',
        body: 'Yêu cầu của bạn đã được giải quyết.\nCảm ơn bạn.' }, other), 201);
      const msg = await eventually(() => {
        const m = /-+ MESSAGE FOLLOWS -+\n([\s\S]*?)\n-+ END MESSAGE -+/.exec(out);
        return m && m[1];
      }, 'the message at the SMTP server');
      // smtpd prints each line as a Python bytes literal
      const lines = msg.split('\n').map((l) => l.replace(/^b'(.*)'$/, '$1'));
      const blank = lines.indexOf('');
      const headers = lines.slice(0, blank);
      const header = (name) => headers.find((h) => h.toLowerCase().startsWith(`${name}:`));
      assert.equal(header('to'), `To: ${PEOPLE.an.email}`);
      assert.equal(header('from'), 'From: lis@portal.example');
      const subject = headers.slice(headers.indexOf(header('subject')))
        .filter((h, i) => i === 0 || /^\s/.test(h)).join('')
        .replace(/^Subject:\s*/, '').replace(/\?=\s*=\?/g, '?==?')
        .split('?==?').map((w) => w.replace(/^=\?UTF-8\?B\?|\?=$/g, ''))
        .map((b) => Buffer.from(b, 'base64').toString('utf8')).join('');
      assert.equal(subject, 'Thư về yêu cầu số 7');
      assert.match(header('content-type'), /text\/plain; charset=UTF-8/);
      assert.equal(header('content-transfer-encoding'), 'Content-Transfer-Encoding: base64');
      const body = Buffer.from(lines.slice(blank + 1).join(''), 'base64').toString('utf8');
      assert.equal(body, 'Yêu cầu của bạn đã được giải quyết.\nCảm ơn bạn.');
      const sms = await eventually(() => outboxLines(mailOutbox)[0], 'the SMS line');
      assert.equal(sms.channel, 'sms');
      assert.equal(sms.to, e164(PEOPLE.an.phone));
      assert.equal(outboxLines(mailOutbox).length, 1, 'the e-mail is not in the outbox');
    } finally {
      if (other) assert.equal((await other.stop()).code, 0, other.stderr());
      smtpd.kill();
    }
  });

  it('a bad channel setting stops the start', () => {
    const r = spawnSync(LIS_BIN, ['serve', '--data', data, '--listen', '127.0.0.1:1',
      '--set', 'channel=smtp', '--set', 'smtp_url=http://mail.example'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /smtp_url/);
  });
});

describe('watched parcels', () => {
  let parcels;

  before(async () => {
    const list = ok(await get(null, `/api/v1/parcels/search?q=${encodeURIComponent('xã')}&limit=50`)).parcels;
    // parcels with no registry restriction, so that a new one shows as new
    parcels = [];
    for (const p of list) {
      const full = ok(await get('admin', `/api/v1/parcels/${p.id}?view=full`));
      if (full.restrictions.length === 0 && full.holders.length > 0) parcels.push(p);
      if (parcels.length === 3) break;
    }
    assert.equal(parcels.length, 3);
  });

  it('the free plan watches nothing until the plan allows it; then up to its limit', async () => {
    const [a, b, c] = parcels;
    problem(await api('an', 'PUT', `/api/v1/me/watches/${a.id}`), 403, 'plan-without-watching');
    lis(['plan', 'set', 'free', '--watch', '2']);
    const w = ok(await api('an', 'PUT', `/api/v1/me/watches/${a.id}`), 201);
    assert.equal(w.parcel_id, a.id);
    assert.equal(w.since, '2026-03-02T03:00:00Z');
    assert.equal(w.parcel.id, a.id);
    assert.equal(w.parcel.sheet, a.sheet);
    assert.equal(w.parcel.number, a.number);
    assert.equal(w.parcel.retired, false);
    ok(await api('an', 'PUT', `/api/v1/me/watches/${a.id}`), 200); // already watched
    ok(await api('an', 'PUT', `/api/v1/me/watches/${b.id}`), 201);
    const full = await api('an', 'PUT', `/api/v1/me/watches/${c.id}`);
    problem(full, 409, 'watch-limit');
    assert.equal(full.json.max, 2);
    const list = ok(await get('an', '/api/v1/me/watches'));
    assert.equal(list.max, 2);
    assert.deepEqual(list.watches.map((x) => x.parcel_id).sort(), [a.id, b.id].sort());
    assert.equal((await api('an', 'DELETE', `/api/v1/me/watches/${b.id}`)).status, 204);
    problem(await api('an', 'DELETE', `/api/v1/me/watches/${b.id}`), 404, 'not-found');
    problem(await api('an', 'PUT', '/api/v1/me/watches/999999999'), 404, 'not-found');
    ok(await api('binh', 'PUT', `/api/v1/me/watches/${a.id}`), 201); // plus: 20
    problem(await api(null, 'PUT', `/api/v1/me/watches/${a.id}`), 401, 'login-required');
  });

  it('a change imported by another process notifies each watcher once', async () => {
    const [a] = parcels;
    const before = outboxLines().length;
    const full = ok(await get(null, `/api/v1/parcels/${a.id}?geometry=true`));
    const landUse = full.land_use[0].code === 'CLN' ? 'LUK' : 'CLN';
    const src = join(work, 'parcel.json');
    writeFileSync(src, JSON.stringify({ type: 'FeatureCollection', features: [{
      type: 'Feature',
      properties: { commune: a.commune_of_survey.code, sheet: a.sheet, number: a.number,
        land_use: landUse, area: a.area + 12.5, address: a.address },
      geometry: full.geometry,
    }] }));
    lis(['import', src, '--report', join(work, 'report.csv')]);

    const note = await eventually(async () => (await inbox('an')).notifications
      .find((n) => n.kind === 'parcel'), 'the parcel notification');
    assert.equal(note.object, a.id);
    assert.equal(note.title,
      `Thửa đất ${a.sheet}/${a.number} (${a.commune.name}) đã thay đổi — Parcel ${a.sheet}/${a.number} (${a.commune.name}) changed`);
    const v = full.version + 1;
    assert.match(note.body, new RegExp(`^Phiên bản mới ${v}: diện tích .* m²; mục đích sử dụng .* → ${landUse}\\.`));
    assert.match(note.body, new RegExp(`\\n\\nNew version ${v}: area [\\d.]+ → [\\d.]+ m²; land use .* → ${landUse}\\.$`));
    await eventually(async () => (await inbox('binh')).notifications.some((n) => n.kind === 'parcel'),
      'binh hears of it too');
    // the outbox carries it to an's phone and e-mail
    const out = await eventually(() => {
      const l = outboxLines().slice(before).filter((x) => x.subject === note.title);
      return l.length === 3 && l; // an: sms + email, binh: sms
    }, 'the outbox lines of the change');
    assert.deepEqual(out.map((x) => x.to).sort(),
      [e164(PEOPLE.an.phone), e164(PEOPLE.binh.phone), PEOPLE.an.email].sort());
    // once only, though the sweep runs every second
    await sleep(2500);
    assert.equal((await inbox('an')).notifications.filter((n) => n.kind === 'parcel').length, 1);

    // a new restriction from the registry
    const csv = join(work, 'registry.csv');
    writeFileSync(csv, 'record,commune,sheet,number,kind,since,party\n' +
      `restriction,${a.commune_of_survey.code},${a.sheet},${a.number},mortgage,2026-02-01,Ngân hàng Thử\n`);
    lis(['import', csv, '--kind', 'registry', '--report', join(work, 'report2.csv')]);
    const second = await eventually(async () => {
      const l = (await inbox('an')).notifications.filter((n) => n.kind === 'parcel');
      return l.length === 2 && l[0];
    }, 'the restriction notification');
    assert.equal(second.body, 'Hạn chế mới: thế chấp.\n\nNew restriction: mortgage.');
    assert.ok(!second.body.includes('Ngân hàng'), 'the party is not told');
  });
});

describe('forgotten password', () => {
  const codeFor = async (phone, after) => {
    const line = await eventually(() => outboxLines().slice(after)
      .find((l) => l.channel === 'sms' && l.to === e164(phone) && /\d{6}/.test(l.text)), 'the code');
    return /(\d{6})/.exec(line.text)[1];
  };

  it('sends a code the same way whatever the number, and sets a new password with it', async () => {
    const p = PEOPLE.an;
    const oldCookie = p.cookie;
    const n = outboxLines().length;
    const known = await post(null, '/api/v1/password-reset', { phone: p.phone });
    const unknown = await post(null, '/api/v1/password-reset', { phone: '0914 551 999' });
    assert.equal(known.status, 202);
    assert.equal(unknown.status, 202);
    assert.equal(known.text, unknown.text, 'the same answer');
    const code = await codeFor(p.phone, n);
    await sleep(300);
    assert.ok(!outboxLines().some((l) => l.to === '+84914551999'), 'nothing to an unknown number');
    const sms = outboxLines().slice(n).filter((l) => l.to === e164(p.phone));
    assert.equal(sms.length, 1);
    assert.equal(sms[0].text.match(/\d+/g).filter((d) => d.length === 6).length, 2,
      'the code, in Vietnamese and English, and no other data');

    // wrong code, weak password
    assert.deepEqual(fields(await post(null, '/api/v1/password-reset/confirm',
      { phone: p.phone, code: code === '000000' ? '111111' : '000000', new: 'mật-khẩu-mới-2026' })),
    { code: 'wrong' });
    assert.deepEqual(fields(await post(null, '/api/v1/password-reset/confirm',
      { phone: p.phone, code, new: '12345678' })), { new: 'too-simple' });
    const pw = 'mật-khẩu-mới-2026';
    const r = ok(await post('an', '/api/v1/password-reset/confirm', { phone: p.phone, code, new: pw }));
    assert.equal(r.user.id, p.id);
    assert.notEqual(p.cookie, oldCookie, 'a new session');
    ok(await get('an', '/api/v1/me'));
    const stale = await fetch(`${srv.base}/api/v1/me`, { headers: { cookie: oldCookie } });
    assert.equal(stale.status, 401, 'the old session ended');
    // single use
    assert.deepEqual(fields(await post(null, '/api/v1/password-reset/confirm',
      { phone: p.phone, code, new: 'lại-mật-khẩu-2026' })), { code: 'wrong' });
    p.password = pw;
    await login('an');
    assert.ok(!readFileSync(outbox, 'utf8').includes(pw), 'no password in the outbox');
  });

  it('five wrong codes spend it; an old code expires; numbers are rate-limited', async () => {
    const p = PEOPLE.binh;
    let n = outboxLines().length;
    ok(await post(null, '/api/v1/password-reset', { phone: p.phone }), 202);
    const code = await codeFor(p.phone, n);
    const wrong = String((Number(code) + 1) % 1000000).padStart(6, '0');
    const confirm = (c) => post(null, '/api/v1/password-reset/confirm',
      { phone: p.phone, code: c, new: 'mật-khẩu-của-bình-2026' });
    for (let i = 0; i < 4; i++) assert.deepEqual(fields(await confirm(wrong)), { code: 'wrong' });
    assert.deepEqual(fields(await confirm(wrong)), { code: 'spent' });
    assert.deepEqual(fields(await confirm(code)), { code: 'spent' }, 'the right code no longer works');
    assert.deepEqual(fields(await confirm(code)), { code: 'wrong' }, 'it is gone');

    n = outboxLines().length;
    ok(await post(null, '/api/v1/password-reset', { phone: p.phone }), 202);
    const late = await codeFor(p.phone, n);
    setNow(T0 + 601);
    assert.deepEqual(fields(await confirm(late)), { code: 'expired' });
    setNow(T0);

    // three codes a number, then a wait (the clock stands still here)
    ok(await post(null, '/api/v1/password-reset', { phone: p.phone }), 202);
    const limited = await post(null, '/api/v1/password-reset', { phone: p.phone });
    problem(limited, 429, 'too-many-attempts');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.deepEqual(fields(await post(null, '/api/v1/password-reset', { phone: '12' })),
      { phone: 'invalid' });
  });
});

describe('phone check at registration', () => {
  it('with verify_phone, registering needs the code sent to the phone', async () => {
    const box = join(work, 'verify-outbox.jsonl');
    const other = await startServer({ data, env: { LIS_NOW: `@${clock}` }, args: [...FAST,
      '--set', 'verify_phone=true', '--set', `outbox_file=${box}`,
      '--set', 'watch_interval=3600'] });
    try {
      PEOPLE.dan = { name: 'Nông Văn Kiểm', phone: '0914 551 007' };
      assert.deepEqual(fields(await register('dan', other)), { code: 'required' });
      ok(await post(null, '/api/v1/account/code', { phone: PEOPLE.dan.phone }, other), 202);
      const line = await eventually(() => outboxLines(box)[0], 'the code');
      assert.equal(line.to, e164(PEOPLE.dan.phone));
      const code = /(\d{6})/.exec(line.text)[1];
      const wrong = code === '000000' ? '111111' : '000000';
      assert.deepEqual(fields(await register('dan', other, { code: wrong })), { code: 'wrong' });
      const r = ok(await register('dan', other, { code }), 201);
      assert.equal(r.user.name, PEOPLE.dan.name);
    } finally {
      assert.equal((await other.stop()).code, 0, other.stderr());
    }
    // without the setting there is nothing to ask for
    problem(await post(null, '/api/v1/account/code', { phone: '0914 551 008' }), 404, 'not-found');
  });
});
