// The privacy sweep (issue 6): with two customers, staff and an admin, their
// tickets, notifications, upgrade requests, a watch, a disclosure and the
// audit entries of an admin's look in the store, every GET operation of
// GET /api/v1/openapi.json is asked by a visitor, each customer, staff and the
// admin with every id the store holds (so that each tries the others' tickets,
// notifications, upgrades, parcels, accounts and disclosures), the web page's
// files are fetched, and every answer (body and headers) is searched for each
// account's phone (any writing of its nine digits), e-mail, address and name
// (also without diacritics), the texts of their tickets and notes, passwords,
// session cookies and CSRF values. Who may see what (docs/api.md, DESIGN §1):
// a visitor nothing; a customer their own; staff the names of ticket authors
// and the tickets themselves on the ticket routes, never a phone, e-mail or
// address; the admin everything but passwords and others' sessions (and must
// find every customer's values: the proof that the search finds what it
// looks for). No answer to anyone holds a password or a session token but the
// caller's own cookie; the access log and stderr hold none of it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startServer, copyStore, portalRequest, ok, fold, geohashDecode, tileAt, LIS_BIN,
} from './helper.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The accounts; every value is one no other test or demo record holds.
const PEOPLE = {
  a: { name: 'Quách Thị Kín Đáo', phone: '0987 650 421', email: 'Kin.Dao@rieng-tu.example',
    address: 'Số 17 ngõ Bảo Mật, thôn Khuổi Riêng, Lạng Sơn' },
  b: { name: 'Khổng Văn Giấu Tên', phone: '+84 386 104 257', email: 'giauten@rieng-tu.example',
    address: 'Số 29 phố Kín Cổng, bản Nà Che, Lạng Sơn' },
  staff: { name: 'Âu Dương Cán Sự', phone: '0703.219.864', email: 'cansu@rieng-tu.example',
    address: 'Số 3 đường Trực Ban, Lạng Sơn', role: 'staff' },
  admin: { name: 'Tôn Nữ Quản Lý', phone: '84-868-472-913', email: 'quanly@rieng-tu.example',
    address: 'Số 5 đường Kho Hồ Sơ, Lạng Sơn', role: 'admin' },
};
for (const [who, p] of Object.entries(PEOPLE)) {
  p.password = `cua-so-kin-${who}-2026`;
  p.digits = p.phone.replace(/\D/g, '').slice(-9);
  p.tokens = new Set();
  p.csrfs = new Set();
}
const CUSTOMERS = ['a', 'b'];
const ROLES = ['visitor', 'a', 'b', 'staff', 'admin'];
// Routes on which staff may read a ticket author's display name.
const TICKET_ROUTE = /^\S+ \/api\/v1\/tickets(\/|\?|$)/;

// Private texts beyond the accounts' fields: { owners, kind, label, text }.
// Their owners may see them anywhere, staff those of kind 'ticket' on the
// ticket routes, the admin all.
const TEXTS = [];

let srv, work, data, webRoot, consent;
let ids;            // { users, tickets, notifications, upgrades, parcels, disclosures }
let parcels;        // two parcels of the demo, with registry records
const answers = []; // { who, route, status, head, body, cookie }

// Every answer is kept: setup's as well as the crawl's.
function keep(who, route, r) {
  const head = [...r.headers].filter(([k]) => k !== 'set-cookie').map(([k, v]) => `${k}: ${v}`).join('\n');
  answers.push({ who, route, status: r.status, head, body: r.text, cookie: r.headers.get('set-cookie') ?? '' });
}

// A request as `who` ('visitor' or a PEOPLE key); the session's cookie and
// CSRF value are remembered as the account's own.
async function call(who, method, path, body) {
  const p = PEOPLE[who] ?? null;
  const r = await portalRequest(srv, p, method, path, body);
  keep(who, `${method} ${path}`, r);
  if (p?.cookie) p.tokens.add(p.cookie.slice(p.cookie.indexOf('=') + 1));
  if (p?.csrf) p.csrfs.add(p.csrf);
  return r;
}

// Undo the escapes a value might hide behind: JSON \uXXXX and \/, HTML
// character references, percent-encoding.
function unescaped(t) {
  return t.replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\\//g, '/')
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e])
    .replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
      try {
        return decodeURIComponent(m);
      } catch {
        return m;
      }
    });
}

// A text to search: as sent, unescaped, and folded (lower case, no
// diacritics, words split by single spaces).
function haystack(text) {
  const plain = `${text}\n${unescaped(text)}`.normalize('NFC');
  return { plain, lower: plain.toLowerCase(), folded: ` ${fold(plain)} ` };
}

// The values to look for: { owners, kind, label, find(hay) → what was found }.
function secrets() {
  const list = [];
  const add = (owners, kind, label, find) => list.push({ owners, kind, label, find });
  const words = (s) => {
    const f = ` ${fold(s)} `;
    return (h) => (h.plain.includes(s.normalize('NFC')) ? s : h.folded.includes(f) ? f.trim() : null);
  };
  for (const [who, p] of Object.entries(PEOPLE)) {
    // +84 987 650 421, 0987650421, 987650421, 0987.650.421, ...
    const phone = new RegExp(`(?<!\\d)(?:\\+?84[ .\\-]?|0)?${p.digits.split('').join('[ .\\-]?')}(?!\\d)`);
    add([who], 'phone', `${who}'s phone`, (h) => phone.exec(h.plain)?.[0] ?? null);
    add([who], 'email', `${who}'s e-mail`, (h) => (h.lower.includes(p.email.toLowerCase()) ? p.email : null));
    add([who], 'address', `${who}'s address`, words(p.address));
    add([who], 'name', `${who}'s name`, words(p.name));
    add([], 'password', `${who}'s password`, (h) => (h.plain.includes(p.password) ? p.password : null));
    for (const t of p.tokens) add([who], 'token', `${who}'s session token`, (h) => (h.plain.includes(t) ? t : null));
    for (const c of p.csrfs) add([who], 'csrf', `${who}'s CSRF value`, (h) => (h.plain.includes(c) ? c : null));
  }
  for (const t of TEXTS) add(t.owners, t.kind, `${t.owners[0]}'s ${t.label}`, words(t.text));
  return list;
}

// May `who` see value `s` in the answer to `route`?
function allowed(who, s, route) {
  if (s.kind === 'password') return false;
  if (s.kind === 'token') return false; // a body or header other than Set-Cookie: never
  if (s.owners.includes(who)) return true;
  if (s.kind === 'csrf') return false;
  if (who === 'admin') return true;
  return who === 'staff' && TICKET_ROUTE.test(route) && (s.kind === 'name' || s.kind === 'ticket');
}

// What each answer shows that its caller may not see, as lines naming
// the caller, the route, the value and what was found.
function leaks(list) {
  const found = [];
  const all = secrets();
  for (const { who, route, status, head, body, cookie } of list) {
    const hay = haystack(`${head}\n${body}`);
    for (const s of all) {
      const what = s.find(hay);
      if (what && !allowed(who, s, route))
        found.push(`${who} ${route} (${status}): ${s.label} ${JSON.stringify(what)}`);
    }
    // a cookie set is the caller's own session, never another account's
    for (const [owner, p] of Object.entries(PEOPLE)) {
      if (owner === who) continue;
      for (const t of p.tokens) if (cookie.includes(t)) found.push(`${who} ${route}: Set-Cookie with ${owner}'s session`);
    }
  }
  return found;
}

// Which values of `owner` an answer in `list` shows, by kind.
function seen(list, owner) {
  const kinds = new Set();
  const mine = secrets().filter((s) => s.owners[0] === owner && ['phone', 'email', 'address', 'name'].includes(s.kind));
  for (const { body, head } of list) {
    const hay = haystack(`${head}\n${body}`);
    for (const s of mine) if (s.find(hay)) kinds.add(s.kind);
  }
  return [...kinds].sort();
}

// The built web page: LIS_WEB_ROOT, else web/dist, else a build of web/ of
// the test's own.
function webPage() {
  const given = resolve(process.env.LIS_WEB_ROOT || join(root, 'web', 'dist'));
  if (existsSync(join(given, 'index.html'))) return given;
  const out = join(work, 'web');
  execFileSync(process.execPath, [join(root, 'web', 'build.mjs'), '--out', out],
    { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  return out;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lis-privacy-'));
  data = copyStore(work);
  webRoot = webPage();
  srv = await startServer({
    data,
    args: ['--set', `access_log=${join(work, 'access.log')}`, '--set', 'argon2_mem_kib=64', '--set', 'argon2_ops=1',
      '--set', 'watch_interval=1',
      '--set', `outbox_file=${join(work, 'outbox.jsonl')}`, '--set', 'log_level=debug',
      '--set', `web_root=${webRoot}`],
  });
  consent = ok(await call('visitor', 'GET', '/api/v1/portal')).privacy.version;
  const users = [];
  for (const [who, p] of Object.entries(PEOPLE)) {
    const r = ok(await call(who, 'POST', '/api/v1/account', {
      name: p.name, phone: p.phone, password: p.password, email: p.email, address: p.address,
      consent_version: consent,
    }), 201);
    p.id = r.user.id;
    users.push(p.id);
    if (!p.role) continue;
    execFileSync(LIS_BIN, ['user', 'set-role', '--phone', `+84${p.digits}`, p.role, '--data', data],
      { stdio: ['ignore', 'ignore', 'inherit'] });
    ok(await call(who, 'POST', '/api/v1/session', { phone: p.phone, password: p.password }));
    assert.equal(ok(await call(who, 'GET', '/api/v1/session')).user.role, p.role, who);
  }

  // two parcels of two sheets, each with holders in the registry
  const found = ok(await call('visitor', 'GET', `/api/v1/parcels/search?q=${encodeURIComponent('xã')}&limit=40`)).parcels;
  parcels = [];
  for (const p of found) {
    if (parcels.length === 2) break;
    const full = await call('staff', 'GET', `/api/v1/parcels/${p.id}`);
    if (full.status === 200 && full.json.holders?.length) parcels.push(p);
  }
  assert.equal(parcels.length, 2, 'two parcels with holders');

  // A: a complaint and a dispute naming another party; B: a support request
  const text = (owners, kind, label, t) => (TEXTS.push({ owners, kind, label, text: t }), t);
  const ticket = async (who, body) => ok(await call(who, 'POST', '/api/v1/tickets', body), 201).id;
  const complaint = await ticket('a', {
    kind: 'complaint', parcel_id: parcels[0].id,
    subject: text(['a'], 'ticket', 'complaint subject', 'Diện tích thửa nhà Kín Đáo ghi thiếu'),
    body: text(['a'], 'ticket', 'complaint text', 'Bìa đỏ ghi 212 mét vuông, bản đồ chỉ còn 198 ở góc ao sen.'),
  });
  const dispute = await ticket('a', {
    kind: 'dispute', parcel_id: parcels[1].id,
    subject: text(['a'], 'ticket', 'dispute subject', 'Tranh chấp lối đi sau vườn mận'),
    body: text(['a'], 'ticket', 'dispute text', 'Hàng xóm dựng rào lấn sang lối đi chung từ tháng Giêng.'),
    other_party: text(['a'], 'ticket', 'other party', 'Bế Văn Rào Lấn'),
  });
  const support = await ticket('b', {
    kind: 'support',
    subject: text(['b'], 'ticket', 'support subject', 'Quên cách tải trích lục thửa đồi chè'),
    body: text(['b'], 'ticket', 'support text', 'Máy của tôi không mở được tệp tải về từ trang bản đồ.'),
  });

  // staff answer A's complaint and notify A through it
  ok(await call('staff', 'POST', `/api/v1/tickets/${complaint}/messages`, {
    body: text(['a', 'staff'], 'ticket', 'staff answer', 'Văn phòng sẽ cử người đo lại góc ao sen vào thứ Năm.'),
  }), 201);
  ok(await call('staff', 'POST', '/api/v1/notifications', {
    kind: 'ticket', audience: `user:${PEOPLE.a.id}`, ticket: complaint,
    title: text(['a', 'staff'], 'note', 'note title', 'Lịch đo lại ao sen'),
    body: text(['a', 'staff'], 'note', 'note text', 'Cán bộ đến đo lại góc ao sen sáng thứ Năm tuần sau.'),
  }), 201);
  // the admin: a public service notice; A's upgrade approved, B's left pending
  ok(await call('admin', 'POST', '/api/v1/notifications', {
    kind: 'service', audience: 'all', public: true, title: 'Bảo trì hệ thống', body: 'Cổng tạm nghỉ từ 22 giờ.',
  }), 201);
  const upA = ok(await call('a', 'POST', '/api/v1/me/upgrades', {
    plan: 'plus', reason: text(['a'], 'upgrade', 'upgrade reason', 'Cần theo dõi thửa ao sen đang khiếu nại'),
  }), 201).id;
  const upB = ok(await call('b', 'POST', '/api/v1/me/upgrades', {
    plan: 'plus', reason: text(['b'], 'upgrade', 'upgrade reason', 'Cần tra cứu nhiều thửa đồi chè'),
  }), 201).id;
  ok(await call('admin', 'POST', `/api/v1/admin/upgrades/${upA}`, { decision: 'approve', until: '2099-12-31' }));
  // A watches the parcel of the complaint (the plus plan allows it)
  ok(await call('a', 'PUT', `/api/v1/me/watches/${parcels[0].id}`), 201);
  // the admin looks A up by name, then by phone, views A and records a disclosure
  ok(await call('admin', 'GET', `/api/v1/admin/users?q=${encodeURIComponent(fold(PEOPLE.a.name))}`));
  ok(await call('admin', 'GET', `/api/v1/admin/users?q=${PEOPLE.a.digits}`));
  ok(await call('admin', 'GET', `/api/v1/admin/users/${PEOPLE.a.id}`));
  const disclosure = ok(await call('admin', 'POST', '/api/v1/admin/disclosures', {
    subject: PEOPLE.a.id, authority: 'Tòa án nhân dân tỉnh Lạng Sơn', document: '17/2026/QĐ-CCTL',
    document_date: '2026-11-20', legal_basis: 'Điều 97 Bộ luật Tố tụng dân sự',
  }), 201).id;

  const notifications = [];
  for (const who of CUSTOMERS)
    for (const n of ok(await call(who, 'GET', '/api/v1/me/notifications')).notifications) notifications.push(n.id);
  assert.ok(notifications.length >= 4, `notifications ${notifications}`);
  ids = {
    users, parcels: parcels.map((p) => p.id), tickets: [complaint, dispute, support],
    notifications, upgrades: [upA, upB], disclosures: [disclosure],
  };
});

after(async () => {
  if (srv && srv.proc.exitCode === null) await srv.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// The values a path parameter takes, by its name or by the collection its
// path names just before it ("/tickets/{id}": every ticket id).
function pathValues(path, name) {
  const [lon, lat] = geohashDecode(parcels[0].national_id);
  const tile = tileAt(lon, lat, 16);
  const named = {
    layer: ['parcels', 'labels', 'communes', 'planning'], z: [String(tile.z)], x: [String(tile.x)],
    y: [`${tile.y}.mvt`], tileset: ['parcels.json'], collectionId: ['parcels'],
  };
  if (named[name]) return named[name];
  const before = /\/([\w-]+)\/\{[^}]+\}$/.exec(path.slice(0, path.indexOf(`{${name}}`) + name.length + 2))?.[1];
  const by = { parcels: 'parcels', items: 'parcels', watches: 'parcels', users: 'users', tickets: 'tickets',
    disclosures: 'disclosures', upgrades: 'upgrades', notifications: 'notifications' }[before];
  return by ? ids[by].map(String) : null;
}

// Query strings for an operation: its required parameters, then once more
// for each value of each optional parameter that names a person, a view or
// a format.
function queries(path, op) {
  const [lon, lat] = geohashDecode(parcels[0].national_id);
  const required = {
    q: parcels[0].national_id, commune: parcels[0].commune_of_survey.code,
  };
  const base = path === '/api/v1/parcels/at' ? { lon: lon.toFixed(7), lat: lat.toFixed(7) } : {};
  const lookups = Object.values(PEOPLE).flatMap((p) => [p.name, fold(p.name), p.digits, p.email]);
  const variants = {
    view: ['basic', 'detailed', 'full'], f: ['json', 'html'], subject: ids.users, actor: ids.users,
    q: lookups, mine: ['true'], unread: ['true'],
  };
  const missing = [];
  for (const p of op.parameters ?? []) {
    if (p.in !== 'query' || !p.required) continue;
    if (p.name in required) base[p.name] = required[p.name];
    else missing.push(p.name);
  }
  const list = [new URLSearchParams(base)];
  for (const p of op.parameters ?? []) {
    if (p.in !== 'query' || !variants[p.name]) continue;
    for (const v of variants[p.name]) list.push(new URLSearchParams({ ...base, [p.name]: String(v) }));
  }
  return { missing, list: list.map((q) => (q.size ? `?${q}` : '')) };
}

// Every concrete URL of every GET operation, or the reasons some cannot be made.
function crawlUrls(doc) {
  const urls = [];
  const cannot = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!item.get) continue;
    let paths = [path];
    for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
      const values = pathValues(path, name);
      if (!values) {
        cannot.push(`GET ${path}: no values for {${name}}`);
        paths = [];
        break;
      }
      paths = paths.flatMap((p) => values.map((v) => p.replace(`{${name}}`, encodeURIComponent(v))));
    }
    const { missing, list } = queries(path, item.get);
    if (missing.length) cannot.push(`GET ${path}: no value for required ${missing}`);
    else for (const p of paths) for (const q of list) urls.push(p + q);
  }
  return { urls, cannot };
}

describe('privacy sweep', () => {
  const crawled = (who) => answers.filter((x) => x.who === who && x.crawl);

  it('every role asks every GET operation with every id, and the web page', async () => {
    const doc = ok(await call('visitor', 'GET', '/api/v1/openapi.json'));
    const { urls, cannot } = crawlUrls(doc);
    assert.deepEqual(cannot, [], 'add values for these parameters to tests/api/privacy.test.mjs');
    assert.ok(urls.length >= 100, `${urls.length} URLs`);
    assert.ok(urls.includes('/api/v1/me/export'), 'the export');
    const statuses = {};
    for (const who of ROLES) {
      for (const url of urls) {
        const r = await call(who, 'GET', url);
        answers.at(-1).crawl = true;
        statuses[`${who} ${r.status}`] = (statuses[`${who} ${r.status}`] ?? 0) + 1;
        assert.ok(r.status < 500, `${who} GET ${url}: ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
    // the web page's files, once
    const files = ['/', ...readdirSync(webRoot).filter((f) => /\.(html|js|css|json)$/.test(f)).map((f) => `/${f}`)];
    assert.ok(files.some((f) => f.endsWith('.html')) && files.some((f) => f.endsWith('.js')), files.join(' '));
    for (const f of files) {
      const r = await call('visitor', 'GET', f);
      assert.equal(r.status, 200, `GET ${f}`);
      answers.at(-1).crawl = true;
    }
    // each role got answers beyond a refusal
    for (const who of ROLES) assert.ok(statuses[`${who} 200`] >= 40, `${who}: ${JSON.stringify(statuses)}`);
  });

  it('the search finds what it looks for: the admin sees every customer\'s values, each customer their own', () => {
    for (const c of CUSTOMERS) {
      assert.deepEqual(seen(crawled('admin'), c), ['address', 'email', 'name', 'phone'], `admin sees ${c}`);
      assert.deepEqual(seen(crawled(c), c), ['address', 'email', 'name', 'phone'], `${c} sees their own`);
    }
    assert.deepEqual(seen(crawled('staff').filter((x) => TICKET_ROUTE.test(x.route)), 'a'), ['name'],
      'staff see the author\'s name on ticket routes');
    // and a leak is found: the admin's answers, as if a visitor had them
    const fake = crawled('admin').map((x) => ({ ...x, who: 'visitor' }));
    const l = leaks(fake);
    for (const c of CUSTOMERS)
      for (const kind of ['phone', 'e-mail', 'address', 'name'])
        assert.ok(l.some((x) => x.includes(`${c}'s ${kind}`)), `the sweep would find ${c}'s ${kind}`);
  });

  for (const who of ROLES) {
    it(`${who}: no answer shows what ${who} may not see`, () => {
      const mine = answers.filter((x) => x.who === who);
      assert.ok(mine.length > 100, `${mine.length} answers`);
      assert.deepEqual(leaks(mine), []);
    });
  }

  it('the access log and stderr hold no personal value, password or session', async () => {
    const r = await srv.stop();
    assert.equal(r.code, 0, srv.stderr());
    assert.doesNotMatch(srv.stderr(), /runtime error|Sanitizer/, 'clean under sanitizers');
    const log = readFileSync(join(work, 'access.log'), 'utf8');
    assert.ok(log.split('\n').filter(Boolean).length >= answers.length, 'the access log has the crawl');
    const found = leaks([
      { who: 'log', route: 'access log', status: '', head: '', body: log, cookie: '' },
      { who: 'log', route: 'stderr', status: '', head: '', body: srv.stderr(), cookie: '' },
    ]);
    assert.deepEqual(found, []);
  });
});
