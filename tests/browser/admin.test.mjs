// Administration, notifications and tickets in the web page, in headless
// Chromium against the real `lis serve` over a copy of the demo store of this
// file's own: a user files a complaint and a dispute (from a parcel's card),
// staff take, answer, reject and resolve them, and the user reads the
// notifications, the answer and the dispute's time limit; a user on the free
// plan cannot watch a parcel, asks for an upgrade, an admin approves it and
// the user's daily quota and watching follow; a watched parcel changed by an
// import from another process notifies its watcher; an admin finds customers
// with or without diacritics, locks one, forces a password reset, reads the
// audit log, records an authority's request and exports the person's data; a
// public notice reaches visitors; a forgotten password is reset with the code
// the outbox carries. Links and pages follow the caller's role.
// Axe audits of every new page. Screenshots go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startPortal, sampleParcels, cardFor, audit, PHONE, LIS_BIN } from './helper.mjs';
import { copyStore } from '../api/helper.mjs';

let portal;
let work;
let store;
let sample;
let consent;

const PEOPLE = {
  hoa: { name: 'Nguyễn Thị Hoà', phone: '0913 600 001', password: 'Hoa-đào-Mẫu-Sơn-61' },
  dung: { name: 'Triệu Văn Dũng', phone: '0913 600 002', password: 'Dũng-suối-Kỳ-Cùng-62' },
  staff: { name: 'Hoàng Thị Cán', phone: '0913 600 003', password: 'Cán-bộ-Lạng-Sơn-63', role: 'staff' },
  admin: { name: 'Lý Văn Quản', phone: '0913 600 004', password: 'Quản-trị-Đồng-Đăng-64', role: 'admin' },
  lan: { name: 'Vi Thị Lan', phone: '0913 600 005', password: 'Lan-rừng-Bắc-Sơn-65' },
};
const e164 = (p) => `+84${p.replace(/\D/g, '').slice(-9)}`;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

function lis(...args) {
  const r = spawnSync(LIS_BIN, [...args, '--data', store], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

// A session of who's, from the API (node's fetch: no Origin, no cookie yet).
async function login(who) {
  const p = PEOPLE[who];
  const r = await fetch(`${portal.base}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone: p.phone, password: p.password }),
  });
  assert.equal(r.status, 200, `${who} logs in`);
  const body = await r.json();
  p.cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  p.csrf = body.csrf;
  p.id = body.user.id;
}

// The browser becomes who (a PEOPLE key, or null for a visitor).
async function as(who) {
  await portal.context.clearCookies();
  if (!who) return;
  const [name, value] = PEOPLE[who].cookie.split('=');
  await portal.context.addCookies([{ name, value, url: portal.base }]);
}

// A request of who's from outside the browser.
async function call(who, method, path, body) {
  const p = PEOPLE[who];
  const headers = { Cookie: p.cookie };
  if (method !== 'GET') headers['X-CSRF-Token'] = p.csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(portal.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text && /json/.test(r.headers.get('content-type') || '') ? JSON.parse(text) : null };
}

async function open(path, viewport) {
  const page = await portal.page(path, viewport ? { viewport } : {});
  return page;
}

const view = (page) => page.locator('section.view:not([hidden])');

// The text shown beside a field once there is one.
async function fieldError(page, id) {
  const err = page.locator(`#${id}-err`);
  await err.waitFor();
  assert.equal(await page.getAttribute(`#${id}`, 'aria-invalid'), 'true', `${id} is marked invalid`);
  return err.innerText();
}

async function status(page, text) {
  await page.getByRole('status').filter({ hasText: text }).first().waitFor();
}

// Wait until fn() returns something truthy.
async function eventually(fn, what, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lis-web-admin-'));
  store = copyStore(work);
  portal = await startPortal({
    data: store,
    args: ['--set', 'watch_interval=1', '--set', 'argon2_mem_kib=64', '--set', 'argon2_ops=1',
      '--set', `outbox_file=${join(work, 'outbox.jsonl')}`],
  });
  sample = await sampleParcels(portal, 4);
  consent = (await portal.api('/api/v1/portal')).privacy.version;
  for (const [who, p] of Object.entries(PEOPLE)) {
    const r = await fetch(`${portal.base}/api/v1/account`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: p.name, phone: p.phone, password: p.password, consent_version: consent }),
    });
    assert.equal(r.status, 201, `${who} registered`);
    if (p.role) lis('user', 'set-role', '--phone', e164(p.phone), p.role);
    await login(who);
  }
});

after(async () => {
  if (portal) {
    await portal.close();
    const stderr = portal.server.stderr();
    for (const p of Object.values(PEOPLE)) {
      assert.ok(!stderr.includes(e164(p.phone).slice(3)), 'no phone number in the server\'s log');
    }
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a user files a complaint; staff answer and resolve it; the user reads the notification and the answer', async () => {
  // the user's pages are linked from the account page; the office is not
  await as('hoa');
  let page = await open('/account.html#/tickets/new', PHONE);
  const nav = page.getByRole('navigation', { name: 'Tài khoản' });
  for (const name of ['Hồ sơ', 'Thông báo', 'Hỗ trợ, khiếu nại', 'Gói dịch vụ', 'Thửa đất theo dõi', 'Ai đã xem dữ liệu của tôi']) {
    await nav.getByRole('link', { name, exact: true }).waitFor();
  }
  assert.equal(await nav.getByRole('link', { name: 'Văn phòng' }).count(), 0, 'no office link for a user');
  await page.getByRole('heading', { level: 1, name: 'Gửi yêu cầu mới' }).waitFor();

  // required fields are marked and checked before anything is sent
  const starred = await page.$$eval('#ticket-form label', (ls) => ls.filter((l) => /\*/.test(l.textContent) && !l.closest('[disabled]')).map((l) => l.htmlFor));
  assert.deepEqual(starred.sort(), ['tk-body', 'tk-kind', 'tk-subject']);
  await page.getByRole('button', { name: 'Gửi yêu cầu' }).click();
  assert.equal(await fieldError(page, 'tk-kind'), 'Hãy chọn loại yêu cầu.');
  assert.equal(await fieldError(page, 'tk-subject'), 'Hãy nhập tiêu đề.');
  assert.equal(await fieldError(page, 'tk-body'), 'Hãy nhập nội dung.');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tk-kind');
  // a dispute asks for the parcel and the other party
  await view(page).getByLabel(/^Loại yêu cầu/).selectOption('dispute');
  await view(page).getByLabel(/^Mã thửa đất/).waitFor();
  await view(page).getByLabel(/^Bên tranh chấp/).waitFor();
  await view(page).getByLabel(/^Loại yêu cầu/).selectOption('complaint');
  assert.ok(await page.locator('#tk-dispute').isHidden(), 'a complaint names no parcel');
  await view(page).getByLabel(/^Tiêu đề/).fill('Diện tích trên bản đồ khác sổ đỏ');
  await view(page).getByLabel(/^Nội dung/).fill('Thửa đất nhà tôi ghi 120 m² trên giấy chứng nhận\nnhưng cổng thông tin ghi 112 m².');
  await page.getByRole('button', { name: 'Gửi yêu cầu' }).click();
  await page.waitForURL(/#\/tickets\/\d+$/);
  const id = Number(/#\/tickets\/(\d+)$/.exec(page.url())[1]);
  await status(page, `Đã gửi yêu cầu #${id}`);
  await page.getByRole('heading', { level: 1, name: `Yêu cầu #${id}: Diện tích trên bản đồ khác sổ đỏ` }).waitFor();
  assert.match(await page.locator('#ticket-facts').innerText(), /Khiếu nại[\s\S]*Mới gửi/);
  assert.match(await page.locator('#ticket-thread').innerText(), /Bạn[\s\S]*120 m² trên giấy chứng nhận\nnhưng/);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, 'the ticket fits a phone');
  await portal.shot(page, 'admin-ticket-filed');
  // the list holds it
  await page.getByRole('link', { name: 'Danh sách yêu cầu' }).click();
  await page.locator(`#tickets-list li[data-ticket-id="${id}"]`).getByText('Mới gửi').waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();

  // a user is refused the office's pages
  page = await open('/office.html#/tickets');
  await page.getByRole('heading', { level: 1, name: 'Trang dành cho cán bộ văn phòng' }).waitFor();
  assert.equal(await page.locator('#queue-list li').count(), 0);
  await page.close();

  // staff: the queue, with the author's name and nothing else of them
  await as('staff');
  page = await open('/office.html');
  const office = page.getByRole('navigation', { name: 'Văn phòng' });
  await office.getByRole('link', { name: 'Hàng đợi yêu cầu' }).waitFor();
  await office.getByRole('link', { name: 'Gửi thông báo' }).waitFor();
  for (const name of ['Khách hàng', 'Gói dịch vụ', 'Yêu cầu nâng cấp', 'Nhật ký', 'Cung cấp thông tin']) {
    assert.equal(await office.getByRole('link', { name, exact: true }).count(), 0, `no ${name} link for staff`);
  }
  const row = page.locator(`#queue-list li[data-ticket-id="${id}"]`);
  await row.waitFor();
  const rowText = await row.innerText();
  assert.match(rowText, /Khiếu nại · của Nguyễn Thị Hoà · chưa giao cho ai/);
  assert.ok(!rowText.includes('0913') && !rowText.includes('+84'), 'no phone number for staff');
  // filters: only disputes: not there; assigned to me: not yet
  await view(page).getByLabel('Loại').selectOption('dispute');
  await page.getByRole('button', { name: 'Lọc' }).click();
  await page.waitForURL(/kind=dispute/);
  await page.locator('#queue-none').waitFor();
  await view(page).getByLabel('Loại').selectOption('');
  await page.getByRole('button', { name: 'Lọc' }).click();
  await row.getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: `Yêu cầu #${id}: Diện tích trên bản đồ khác sổ đỏ` }).waitFor();
  assert.match(await page.locator('#ticket-facts').innerText(), /Người gửi\s+Nguyễn Thị Hoà/);
  // take it, answer, then resolve it with the outcome
  await page.getByRole('button', { name: 'Nhận xử lý yêu cầu này' }).click();
  await status(page, `Bạn đã nhận xử lý yêu cầu #${id}`);
  assert.match(await page.locator('#ticket-facts').innerText(), /Người xử lý\s+giao cho tôi/);
  assert.equal(await page.locator('#assign-box').isVisible(), false, 'only an admin assigns to others');
  // the queue's "assigned to me"
  await page.getByRole('link', { name: 'Hàng đợi yêu cầu' }).first().click();
  await page.getByLabel('Chỉ yêu cầu giao cho tôi').check();
  await page.getByRole('button', { name: 'Lọc' }).click();
  await page.waitForURL(/mine=1/);
  await page.locator(`#queue-list li[data-ticket-id="${id}"]`).getByText(/giao cho tôi/).waitFor();
  await page.locator(`#queue-list li[data-ticket-id="${id}"]`).getByRole('link').click();
  await view(page).getByLabel(/^Nội dung trả lời/).fill('Văn phòng đã kiểm tra hồ sơ; diện tích đúng là 120 m².');
  await page.getByRole('button', { name: 'Gửi', exact: true }).click();
  await status(page, 'Đã gửi.');
  assert.match(await page.locator('#ticket-facts').innerText(), /Đang xử lý/, 'an answer sets it in progress');
  await view(page).getByLabel(/^Trạng thái mới/).selectOption('resolved');
  await view(page).getByLabel(/^Kết quả hoặc lý do/).fill('Đã sửa diện tích trên bản đồ thành 120 m².');
  await page.getByRole('button', { name: 'Lưu trạng thái' }).click();
  await status(page, `Yêu cầu #${id} đã được giải quyết`);
  assert.match(await page.locator('#ticket-facts').innerText(), /Đã giải quyết/);
  assert.ok(await page.locator('#reply-form').isHidden(), 'a closed ticket takes no answer');
  await portal.shot(page, 'admin-staff-ticket');
  assert.deepEqual(page.errors, []);
  await page.close();

  // the user: the badge, the notifications, the answer, the outcome
  await as('hoa');
  page = await open('/');
  const badge = page.locator('#inbox-link .badge');
  await badge.waitFor();
  const unread = Number(await badge.innerText());
  assert.ok(unread >= 3, `taken, answered and resolved: ${unread} unread`);
  await page.getByRole('link', { name: `Thông báo (${unread} chưa đọc)` }).click();
  await page.getByRole('heading', { level: 1, name: 'Thông báo' }).waitFor();
  await page.getByText(`Bạn có ${unread} thông báo chưa đọc.`).waitFor();
  const note = page.locator('#inbox-list li.unread').filter({ hasText: `Yêu cầu #${id} đã được giải quyết` });
  await note.waitFor();
  assert.match(await note.innerText(), /Đã sửa diện tích trên bản đồ thành 120 m²/);
  await page.locator('#inbox-list li').filter({ hasText: `Yêu cầu #${id}: cán bộ đã trả lời` }).waitFor();
  await portal.shot(page, 'admin-inbox');
  // mark one read: the count and the badge follow
  await note.getByRole('button', { name: 'Đánh dấu đã đọc' }).click();
  await status(page, 'Đã đánh dấu thông báo là đã đọc.');
  await page.getByText(`Bạn có ${unread - 1} thông báo chưa đọc.`).waitFor();
  await page.waitForFunction((n) => document.querySelector('#inbox-link .badge').textContent === String(n), unread - 1);
  // follow a notification to the ticket
  await page.locator('#inbox-list li').filter({ hasText: `Yêu cầu #${id}: cán bộ đã trả lời` })
    .getByRole('link', { name: 'Xem yêu cầu' }).click();
  await page.getByRole('heading', { level: 1, name: `Yêu cầu #${id}: Diện tích trên bản đồ khác sổ đỏ` }).waitFor();
  const thread = await page.locator('#ticket-thread').innerText();
  assert.match(thread, /Cán bộ văn phòng[\s\S]*diện tích đúng là 120 m²/);
  assert.ok(!thread.includes('Hoàng Thị Cán'), 'users do not see staff names');
  assert.match(await page.locator('#ticket-facts').innerText(), /Đã giải quyết[\s\S]*Đã sửa diện tích trên bản đồ thành 120 m²/);
  assert.match(await page.locator('#ticket-closed').innerText(), /Yêu cầu đã được giải quyết. Nếu chưa đồng ý, bạn có thể mở lại yêu cầu đến/);
  // reopen, and it takes messages again
  await page.getByRole('button', { name: 'Mở lại yêu cầu' }).click();
  await status(page, `Đã mở lại yêu cầu #${id}.`);
  assert.match(await page.locator('#ticket-facts').innerText(), /Mới gửi/);
  await page.locator('#reply-form').waitFor();
  // mark all read
  await page.goto(`${portal.base}/account.html#/inbox`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.getByRole('button', { name: 'Đánh dấu tất cả là đã đọc' }).click();
  await status(page, 'Đã đánh dấu mọi thông báo là đã đọc.');
  await page.getByText('Bạn đã đọc hết thông báo.').waitFor();
  assert.ok(await page.locator('#inbox-link .badge').isHidden(), 'no badge once all is read');
  // the staff's look is in "who accessed my data"
  await page.getByRole('link', { name: 'Ai đã xem dữ liệu của tôi' }).click();
  await page.getByRole('heading', { level: 1, name: 'Ai đã xem dữ liệu của tôi' }).waitFor();
  await page.locator('#access-rows tr').first().waitFor();
  const access = await page.locator('#access-rows').innerText();
  assert.match(access, /Cán bộ\s+Đổi trạng thái yêu cầu hỗ trợ\s+đã giải quyết/);
  assert.ok(!access.includes('Hoàng Thị Cán'), 'the role, not the name');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a dispute from a parcel\'s card shows the statutory time limit; staff reject it with a reason', async () => {
  await as('dung');
  const p = sample[0];
  let page = await open(`/#/parcel/${p.id}`);
  const card = await cardFor(page, p.id);
  await card.getByRole('link', { name: 'Gửi đơn tranh chấp về thửa đất này' }).click();
  await page.waitForSelector('body[data-ready="true"]');
  await page.getByRole('heading', { level: 1, name: 'Gửi yêu cầu mới' }).waitFor();
  assert.equal(await view(page).getByLabel(/^Loại yêu cầu/).inputValue(), 'dispute');
  assert.equal(await view(page).getByLabel(/^Mã thửa đất/).inputValue(), String(p.id));
  await page.locator('#tk-parcel-name').getByText(`Thửa đất số ${p.number}, tờ bản đồ số ${p.sheet}`).waitFor();
  await page.getByRole('button', { name: 'Gửi yêu cầu' }).click();
  assert.equal(await fieldError(page, 'tk-party'), 'Hãy ghi bên tranh chấp với bạn.');
  await view(page).getByLabel(/^Bên tranh chấp/).fill('Ông Hoàng Văn Bên, thôn Pò Mận');
  await view(page).getByLabel(/^Tiêu đề/).fill('Tranh chấp ranh giới phía đông');
  await view(page).getByLabel(/^Nội dung/).fill('Hàng xóm dựng hàng rào lấn sang 2 m.');
  await page.getByRole('button', { name: 'Gửi yêu cầu' }).click();
  await page.waitForURL(/#\/tickets\/\d+$/);
  const id = Number(/#\/tickets\/(\d+)$/.exec(page.url())[1]);
  const k = (await call('dung', 'GET', `/api/v1/tickets/${id}`)).json;
  assert.equal(k.deadline.days, 60, 'Lạng Sơn is mountainous: 60 days');
  const deadline = page.locator('#ticket-deadline');
  await deadline.getByText('Thời hạn giải quyết tranh chấp').waitFor();
  const text = await deadline.innerText();
  assert.match(text, /Theo quy định: 60 ngày kể từ ngày nhận đơn, đến hết ngày \d\d\/\d\d\/\d{4}\./);
  assert.match(text, /xã miền núi, biên giới/);
  assert.ok(text.includes(`Còn ${k.deadline.days_left} ngày.`), text);
  const facts = await page.locator('#ticket-facts').innerText();
  assert.match(facts, /Tranh chấp đất đai/);
  assert.match(facts, /Ông Hoàng Văn Bên, thôn Pò Mận/);
  await page.getByRole('link', { name: `Thửa đất mã ${p.id} trên bản đồ` }).waitFor();
  await portal.shot(page, 'admin-dispute');
  await page.click('#lang');
  assert.match(await deadline.innerText(), /By law: 60 days from the day it was filed/);
  assert.ok((await deadline.innerText()).includes(`${k.deadline.days_left} days left.`));
  await page.click('#lang');
  assert.deepEqual(page.errors, []);
  await page.close();

  // staff: rejecting needs a reason
  await as('staff');
  page = await open(`/office.html#/tickets/${id}`);
  await page.getByRole('heading', { level: 1, name: `Yêu cầu #${id}: Tranh chấp ranh giới phía đông` }).waitFor();
  await page.locator('#ticket-deadline').getByText(`Còn ${k.deadline.days_left} ngày.`).waitFor();
  await view(page).getByLabel(/^Trạng thái mới/).selectOption('rejected');
  await page.getByRole('button', { name: 'Lưu trạng thái' }).click();
  assert.equal(await fieldError(page, 'st-reason'), 'Hãy ghi lý do.');
  await view(page).getByLabel(/^Kết quả hoặc lý do/).fill('Tranh chấp ranh giới thuộc thẩm quyền hoà giải của UBND xã trước.');
  await page.getByRole('button', { name: 'Lưu trạng thái' }).click();
  await status(page, `Yêu cầu #${id} đã bị từ chối`);
  // and notify the author from the ticket
  await view(page).getByLabel(/^Tiêu đề/).fill('Hướng dẫn hoà giải');
  await view(page).getByLabel(/^Nội dung\s*\*?$/).fill('Xin liên hệ UBND xã để được hoà giải.');
  await page.getByRole('button', { name: 'Gửi thông báo' }).click();
  await status(page, 'Đã gửi thông báo cho Triệu Văn Dũng.');
  assert.deepEqual(page.errors, []);
  await page.close();

  await as('dung');
  page = await open(`/account.html#/tickets/${id}`);
  await page.locator('#ticket-closed').getByText(/Yêu cầu bị từ chối/).waitFor();
  assert.match(await page.locator('#ticket-facts').innerText(), /thẩm quyền hoà giải của UBND xã/);
  assert.match(await page.locator('#ticket-deadline').innerText(), /Đã kết thúc khi còn \d+ ngày/);
  await page.goto(`${portal.base}/account.html#/inbox`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.locator('#inbox-list li').filter({ hasText: 'Hướng dẫn hoà giải' }).getByText('Xin liên hệ UBND xã để được hoà giải.').waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an admin approves an upgrade: the user\'s quota and watching follow; a watched parcel changed by an import notifies', async () => {
  // a free plan: 20 detailed views a day, no watching
  await as('hoa');
  const [a, b] = [sample[1], sample[2]];
  let page = await open(`/#/parcel/${a.id}`);
  let card = page.locator(`#card[data-parcel-id="${a.id}"][data-view="detailed"]`);
  await card.waitFor();
  assert.match(await card.locator('.quota').innerText(), /đã dùng \d+\/20,/);
  await card.getByRole('button', { name: 'Theo dõi thửa đất này' }).click();
  const watchNote = card.locator('.watch-note');
  await watchNote.getByText('Gói dịch vụ của bạn chưa có tính năng theo dõi thửa đất.').waitFor();
  await watchNote.getByRole('link', { name: 'Yêu cầu nâng cấp' }).click();
  await page.waitForSelector('body[data-ready="true"]');
  await page.getByRole('heading', { level: 1, name: 'Gói dịch vụ và nâng cấp' }).waitFor();
  const plans = (await portal.api('/api/v1/plans')).plans;
  const plus = plans.find((p) => p.code === 'plus');
  assert.match(await page.locator('#plans-rows').innerText(), new RegExp(`${plus.name_vi}\\s+${plus.daily_views}\\s+${plus.watch_max}`));
  await page.getByRole('button', { name: 'Gửi yêu cầu nâng cấp' }).click();
  assert.equal(await fieldError(page, 'up-plan'), 'Hãy chọn gói dịch vụ.');
  await view(page).getByLabel(/^Gói dịch vụ\s*\*/).selectOption('plus');
  await view(page).getByLabel('Lý do').fill('Tôi làm môi giới, cần tra cứu nhiều thửa mỗi ngày.');
  await page.getByRole('button', { name: 'Gửi yêu cầu nâng cấp' }).click();
  await status(page, 'Đã gửi yêu cầu nâng cấp.');
  await page.locator('#upgrade-pending').waitFor();
  assert.ok(await page.locator('#upgrade-form').isHidden(), 'one pending request at a time');
  assert.match(await page.locator('#upgrades-list').innerText(), /Nâng cao[\s\S]*Đang chờ trả lời/);
  await page.close();

  // the admin answers
  await as('admin');
  page = await open('/office.html#/upgrades');
  const office = page.getByRole('navigation', { name: 'Văn phòng' });
  for (const name of ['Hàng đợi yêu cầu', 'Gửi thông báo', 'Khách hàng', 'Gói dịch vụ', 'Yêu cầu nâng cấp', 'Nhật ký', 'Cung cấp thông tin']) {
    await office.getByRole('link', { name, exact: true }).waitFor();
  }
  const req = page.locator('#upgrades-queue li').filter({ hasText: 'Nguyễn Thị Hoà' });
  await req.getByText('xin dùng gói Nâng cao').waitFor();
  await req.getByRole('button', { name: 'Trả lời Nguyễn Thị Hoà: gói Nâng cao' }).click();
  await page.getByRole('heading', { level: 2, name: 'Trả lời Nguyễn Thị Hoà: gói Nâng cao' }).waitFor();
  const until = new Date(Date.now() + 90 * 86400_000).toISOString().slice(0, 10);
  await page.locator('#ap-until').fill(until);
  await portal.shot(page, 'admin-upgrade-decide');
  await page.getByRole('button', { name: 'Chấp thuận yêu cầu' }).click();
  await status(page, 'Đã chấp thuận yêu cầu của Nguyễn Thị Hoà');
  await page.locator('#upgrades-queue-none').waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();

  // the user: told, the plan and the quota changed, watching works
  await as('hoa');
  page = await open('/account.html#/inbox');
  const told = page.locator('#inbox-list li').filter({ hasText: 'Yêu cầu nâng cấp — Upgrade request' });
  await told.getByText(/đã được chấp thuận đến ngày/).waitFor();
  await page.getByRole('link', { name: 'Hồ sơ' }).click();
  const facts = page.locator('#profile-facts');
  await facts.getByText(/Nâng cao/).waitFor();
  const [y, m, d] = until.split('-');
  assert.match(await facts.innerText(), new RegExp(`Nâng cao \\(đến ngày ${d}/${m}/${y}\\)`));
  assert.match(await facts.innerText(), /đã dùng \d+\/200, còn \d+/);
  await page.goto(`${portal.base}/#/parcel/${a.id}`);
  await page.waitForSelector('body[data-ready="true"]');
  card = page.locator(`#card[data-parcel-id="${a.id}"][data-view="detailed"]`);
  await card.waitFor();
  assert.match(await card.locator('.quota').innerText(), /đã dùng \d+\/200,/);
  await card.getByRole('button', { name: 'Theo dõi thửa đất này' }).click();
  await card.locator('.watch-note').getByText(/Bạn đang theo dõi thửa đất này/).waitFor();
  await card.getByRole('button', { name: 'Bỏ theo dõi thửa đất này' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Bỏ theo dõi thửa đất này', 'the focus stays on the button');
  await portal.shot(page, 'admin-watching');

  // the watched parcel changes by an import from another process
  const full = await portal.api(`/api/v1/parcels/${a.id}?geometry=true`);
  const landUse = full.land_use[0].code === 'CLN' ? 'LUK' : 'CLN';
  const src = join(work, 'parcel.json');
  writeFileSync(src, JSON.stringify({ type: 'FeatureCollection', features: [{
    type: 'Feature',
    properties: { commune: full.commune_of_survey.code, sheet: full.sheet, number: full.number,
      land_use: landUse, area: full.area + 12.5, address: full.address },
    geometry: full.geometry,
  }] }));
  lis('import', src, '--report', join(work, 'report.csv'));
  const title = `Thửa đất ${full.sheet}/${full.number} (${full.commune.name}) đã thay đổi`;
  await eventually(async () => (await call('hoa', 'GET', '/api/v1/me/notifications?unread=true')).json
    .notifications.some((n) => n.kind === 'parcel'), 'the change notification');
  await page.goto(`${portal.base}/account.html#/inbox`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.locator('#inbox-link .badge').waitFor();
  const change = page.locator('#inbox-list li.unread').filter({ hasText: title });
  await change.getByText(new RegExp(`Phiên bản mới ${full.version + 1}: diện tích .* m²; mục đích sử dụng .* → ${landUse}\\.`)).waitFor();
  await change.getByText('Thửa đất theo dõi').waitFor();
  await portal.shot(page, 'admin-parcel-changed');
  await change.getByRole('link', { name: 'Xem thửa đất trên bản đồ' }).click();
  await page.waitForURL((u) => u.pathname === '/' && u.hash === `#/parcel/${a.id}`);
  await cardFor(page, a.id);
  const inbox = (await call('hoa', 'GET', '/api/v1/me/notifications')).json;
  assert.ok(inbox.notifications.find((n) => n.kind === 'parcel' && n.object === a.id).read, 'following the link read it');

  // the watched list; the plan's limit
  await page.goto(`${portal.base}/account.html#/watches`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.getByText(`Bạn đang theo dõi 1/${plus.watch_max} thửa đất`).waitFor();
  const item = page.locator(`#watches-list li[data-parcel-id="${a.id}"]`);
  await item.getByRole('link', { name: `Thửa đất số ${full.number}, tờ bản đồ số ${full.sheet}` }).waitFor();
  lis('plan', 'set', 'plus', '--watch', '1');
  await page.goto(`${portal.base}/#/parcel/${b.id}`);
  await page.waitForSelector('body[data-ready="true"]');
  const other = page.locator(`#card[data-parcel-id="${b.id}"][data-view="detailed"]`);
  await other.waitFor();
  await other.getByRole('button', { name: 'Theo dõi thửa đất này' }).click();
  await other.locator('.watch-note').getByText('Bạn đã theo dõi 1 thửa đất, tối đa theo gói dịch vụ.').waitFor();
  await other.locator('.watch-note').getByRole('link', { name: 'Danh sách thửa đất theo dõi' }).click();
  await page.waitForSelector('body[data-ready="true"]');
  await item.getByRole('button', { name: `Bỏ theo dõi Thửa đất số ${full.number}, tờ bản đồ số ${full.sheet}` }).click();
  await status(page, 'Đã bỏ theo dõi');
  await page.getByText('Bạn chưa theo dõi thửa đất nào.').waitFor();
  lis('plan', 'set', 'plus', '--watch', String(plus.watch_max));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an admin: assign a ticket, decline an upgrade, edit a plan', async () => {
  // hoa's complaint, reopened: the admin gives it to the staff member
  const { json: mine } = await call('hoa', 'GET', '/api/v1/tickets');
  const id = mine.tickets.find((k) => k.kind === 'complaint').id;
  await as('admin');
  let page = await open(`/office.html#/tickets/${id}`);
  await page.getByRole('heading', { level: 1, name: new RegExp(`^Yêu cầu #${id}:`) }).waitFor();
  await page.getByText('Giao cho cán bộ khác').click();
  await view(page).getByLabel(/^Cán bộ xử lý/).selectOption({ label: 'Hoàng Thị Cán (Cán bộ)' });
  await page.getByRole('button', { name: 'Giao yêu cầu' }).click();
  await status(page, `Đã giao yêu cầu #${id}.`);
  assert.match(await page.locator('#ticket-facts').innerText(), /Người xử lý\s+giao cho Hoàng Thị Cán/);
  assert.deepEqual(page.errors, []);
  await page.close();

  // dung asks for an upgrade; the admin declines it with a reason
  await as('dung');
  page = await open('/account.html#/upgrade');
  await view(page).getByLabel(/^Gói dịch vụ\s*\*/).selectOption('plus');
  await page.getByRole('button', { name: 'Gửi yêu cầu nâng cấp' }).click();
  await status(page, 'Đã gửi yêu cầu nâng cấp.');
  await page.close();
  await as('admin');
  page = await open('/office.html#/upgrades');
  const req = page.locator('#upgrades-queue li').filter({ hasText: 'Triệu Văn Dũng' });
  await req.getByRole('button', { name: /^Trả lời Triệu Văn Dũng/ }).click();
  await page.getByRole('button', { name: 'Không chấp thuận', exact: true }).click();
  assert.equal(await fieldError(page, 'dc-reason'), 'Hãy ghi lý do.');
  await view(page).getByLabel(/^Lý do/).fill('Chưa có giấy tờ chứng minh nhu cầu nghề nghiệp.');
  await page.getByRole('button', { name: 'Không chấp thuận', exact: true }).click();
  await status(page, 'Đã từ chối yêu cầu của Triệu Văn Dũng');
  await view(page).getByLabel('Trạng thái', { exact: true }).selectOption('declined');
  await page.getByRole('button', { name: 'Lọc' }).click();
  await page.locator('#upgrades-queue li').filter({ hasText: 'Triệu Văn Dũng' })
    .getByText('Không được chấp thuận: Chưa có giấy tờ chứng minh nhu cầu nghề nghiệp.').waitFor();

  // a plan's daily views
  await page.getByRole('link', { name: 'Gói dịch vụ' }).click();
  await page.getByRole('button', { name: 'Sửa gói Chuyên nghiệp' }).click();
  assert.equal(await view(page).getByLabel(/^Mã gói/).inputValue(), 'pro');
  assert.equal(await view(page).getByLabel(/^Mã gói/).getAttribute('readonly'), '', 'an edited plan keeps its code');
  await view(page).getByLabel(/^Lượt xem chi tiết mỗi ngày/).fill('-2');
  await page.getByRole('button', { name: 'Lưu gói' }).click();
  assert.equal(await fieldError(page, 'pl-daily'), 'Một số nguyên từ −1 (không giới hạn) trở lên.');
  await view(page).getByLabel(/^Lượt xem chi tiết mỗi ngày/).fill('500');
  await page.getByRole('button', { name: 'Lưu gói' }).click();
  await status(page, 'Đã lưu gói Chuyên nghiệp.');
  await page.locator('#plans-admin-rows tr[data-plan="pro"]').getByText('500').waitFor();
  assert.equal((await portal.api('/api/v1/plans')).plans.find((p) => p.code === 'pro').daily_views, 500);
  assert.deepEqual(page.errors, []);
  await page.close();

  await as('dung');
  page = await open('/account.html#/upgrade');
  await page.locator('#upgrades-list').getByText('Không được chấp thuận: Chưa có giấy tờ chứng minh nhu cầu nghề nghiệp.').waitFor();
  assert.ok(await page.locator('#upgrade-form').isVisible(), 'a declined request leaves room for another');
  await page.close();
});

test('an admin: customers with or without diacritics, lock, password reset, plan, the audit log, a disclosure', async () => {
  await as('admin');
  const page = await open('/office.html#/customers');
  await page.getByRole('heading', { level: 1, name: 'Khách hàng' }).waitFor();
  await view(page).getByLabel('Họ tên hoặc số điện thoại').fill('nguyen thi hoa');
  await page.getByRole('button', { name: 'Tìm', exact: true }).click();
  await page.waitForURL(/#\/customers\?q=nguyen/);
  const rows = page.locator('#customers-rows tr');
  await page.waitForFunction(() => document.querySelectorAll('#customers-rows tr').length === 1);
  assert.deepEqual(await rows.locator('th').allInnerTexts(), ['Nguyễn Thị Hoà']);
  assert.match(await rows.first().innerText(), /\+84913600001\s+Người dùng\s+Nâng cao/);
  await view(page).getByLabel('Họ tên hoặc số điện thoại').fill('0913 600 002');
  await page.getByRole('button', { name: 'Tìm', exact: true }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('#customers-rows th')].map((t) => t.textContent).join() === 'Triệu Văn Dũng');
  await view(page).getByLabel('Họ tên hoặc số điện thoại').fill('Triệu');
  await page.getByRole('button', { name: 'Tìm', exact: true }).click();
  await page.waitForURL(/#\/customers\?q=Tri/);
  await page.locator('#customers-rows').getByRole('link', { name: 'Triệu Văn Dũng' }).click();
  await page.getByRole('heading', { level: 1, name: 'Triệu Văn Dũng' }).waitFor();
  const dung = PEOPLE.dung;
  assert.match(await page.locator('#customer-facts').innerText(), new RegExp(`Mã tài khoản\\s+${dung.id}[\\s\\S]*\\+84913600002[\\s\\S]*Bình thường`));

  // lock: the person's sessions end; unlock
  await page.getByRole('button', { name: 'Khoá tài khoản' }).click();
  await status(page, 'Đã khoá tài khoản của Triệu Văn Dũng.');
  assert.match(await page.locator('#customer-facts').innerText(), /Đang khoá/);
  assert.equal((await call('dung', 'GET', '/api/v1/session')).json.user, null, 'the lock ended the session');
  await page.getByRole('button', { name: 'Mở khoá tài khoản' }).click();
  await status(page, 'Đã mở khoá tài khoản của Triệu Văn Dũng.');
  // force a password reset, then lift it
  await page.getByRole('button', { name: 'Buộc đổi mật khẩu ở lần đăng nhập tới' }).click();
  await status(page, 'Triệu Văn Dũng sẽ phải đổi mật khẩu trước khi dùng tiếp.');
  assert.match(await page.locator('#customer-facts').innerText(), /Phải đổi mật khẩu/);
  await page.getByRole('button', { name: 'Bỏ yêu cầu đổi mật khẩu' }).click();
  await status(page, 'Triệu Văn Dũng không còn phải đổi mật khẩu.');
  // a plan with an end date in the past is refused beside its field
  await view(page).getByLabel(/^Gói dịch vụ\s*\*/).selectOption('pro');
  await view(page).getByLabel('Đến ngày').fill('2020-01-01');
  await page.getByRole('button', { name: 'Lưu gói dịch vụ' }).click();
  assert.equal(await fieldError(page, 'cu-until'), 'Hãy chọn một ngày trong tương lai.');
  await view(page).getByLabel('Đến ngày').fill('');
  await page.getByRole('button', { name: 'Lưu gói dịch vụ' }).click();
  await status(page, 'Đã lưu gói dịch vụ của Triệu Văn Dũng');
  assert.match(await page.locator('#customer-facts').innerText(), /Gói dịch vụ\s+Chuyên nghiệp/);
  await portal.shot(page, 'admin-customer');

  // the audit log about this customer: the looks and the changes, ids and codes only
  await page.getByRole('link', { name: 'Nhật ký liên quan đến khách hàng này' }).click();
  await page.getByRole('heading', { level: 1, name: 'Nhật ký truy cập và thay đổi' }).waitFor();
  assert.equal(await view(page).getByLabel('Khách hàng liên quan (mã tài khoản)').inputValue(), String(dung.id));
  await page.locator('#audit-rows tr').first().waitFor();
  const log = await page.locator('#audit-rows').innerText();
  for (const a of ['customer.view', 'user.lock', 'user.unlock', 'user.must_reset', 'user.plan']) assert.ok(log.includes(a), `${a} in the log`);
  assert.match(log, /Xem hồ sơ khách hàng/);
  assert.ok(!log.includes('Triệu Văn Dũng') && !log.includes('0913'), 'no name or phone in the log');
  await view(page).getByLabel('Hành động').fill('user.');
  await page.getByRole('button', { name: 'Lọc' }).click();
  await page.waitForURL(/action=user\./);
  await page.waitForFunction(() => ![...document.querySelectorAll('#audit-rows code')].some((c) => !c.textContent.startsWith('user.')));
  assert.ok(await page.locator('#audit-rows tr').count() >= 4);
  await view(page).getByLabel('Từ ngày').fill('2999-01-01');
  await page.getByRole('button', { name: 'Lọc' }).click();
  await page.locator('#audit-none').waitFor();

  // a disclosure: the authority's request first, then the export
  await page.goto(`${portal.base}/office.html#/disclosures?subject=${dung.id}`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.getByRole('heading', { level: 1, name: 'Cung cấp thông tin cho cơ quan có thẩm quyền' }).waitFor();
  assert.equal(await view(page).getByLabel(/^Mã tài khoản của người được yêu cầu/).inputValue(), String(dung.id));
  await page.getByRole('button', { name: 'Ghi nhận yêu cầu' }).click();
  assert.equal(await fieldError(page, 'ds-authority'), 'Hãy ghi cơ quan yêu cầu.');
  await view(page).getByLabel(/^Cơ quan yêu cầu/).fill('Cơ quan Cảnh sát điều tra Công an tỉnh Lạng Sơn');
  await view(page).getByLabel(/^Số, ký hiệu văn bản/).fill('123/CSĐT-PC01');
  await view(page).getByLabel(/^Ngày văn bản/).fill('2026-01-15');
  await view(page).getByLabel(/^Căn cứ pháp lý/).fill('Điều 27 Nghị định 13/2023/NĐ-CP');
  await page.getByRole('button', { name: 'Ghi nhận yêu cầu' }).click();
  await status(page, /Đã ghi nhận yêu cầu #\d+/);
  const rec = page.locator('#disclosures-list li').first();
  assert.match(await rec.innerText(), /123\/CSĐT-PC01 \(15\/01\/2026\)[\s\S]*Điều 27 Nghị định 13\/2023\/NĐ-CP[\s\S]*chưa xuất/);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    rec.getByRole('button', { name: /^Xuất dữ liệu theo yêu cầu #\d+/ }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^lis-disclosure-\d+\.txt$/);
  const exported = readFileSync(await download.path(), 'utf8');
  assert.ok(exported.includes('Triệu Văn Dũng') && exported.includes('+84913600002'), 'the person\'s data');
  assert.ok(exported.includes('123/CSĐT-PC01'), 'the request it answers');
  await status(page, /Đã xuất tệp lis-disclosure-\d+\.txt/);
  assert.doesNotMatch(await rec.innerText(), /chưa xuất/);
  await portal.shot(page, 'admin-disclosure');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('staff send a public notice: visitors see it on the map page; a plan\'s users get theirs', async () => {
  await as('staff');
  let page = await open('/office.html#/notify');
  await page.getByRole('heading', { level: 1, name: 'Gửi thông báo' }).waitFor();
  assert.ok(await page.locator('#nf-audience option[value="user"]').evaluate((o) => o.hidden), 'staff write to one person only from a ticket');
  await page.getByRole('button', { name: 'Gửi thông báo' }).click();
  assert.equal(await fieldError(page, 'nf-title'), 'Hãy nhập tiêu đề.');
  await view(page).getByLabel(/^Loại thông báo/).selectOption('service');
  await view(page).getByLabel(/^Gửi đến/).selectOption('all');
  await view(page).getByLabel('Hiện công khai cho khách trên trang bản đồ').check();
  await view(page).getByLabel(/^Tiêu đề/).fill('Bảo trì hệ thống ngày 30/11');
  await view(page).getByLabel(/^Nội dung/).fill('Cổng thông tin tạm ngừng từ 22:00 đến 23:00.');
  await page.getByRole('button', { name: 'Gửi thông báo' }).click();
  await status(page, 'Đã gửi thông báo; khách xem được trên trang bản đồ.');
  // to a plan's users
  await view(page).getByLabel(/^Loại thông báo/).selectOption('upgrade');
  assert.ok(await view(page).getByLabel('Hiện công khai cho khách trên trang bản đồ').isDisabled());
  await view(page).getByLabel(/^Gửi đến/).selectOption('plan');
  await view(page).getByLabel(/^Gói dịch vụ\s*\*/).selectOption('free');
  await view(page).getByLabel(/^Tiêu đề/).fill('Mời dùng gói Nâng cao');
  await view(page).getByLabel(/^Nội dung/).fill('Gói Nâng cao cho 200 lượt xem chi tiết mỗi ngày.');
  await page.getByRole('button', { name: 'Gửi thông báo' }).click();
  await status(page, 'Đã gửi thông báo.');
  assert.deepEqual(page.errors, []);
  await page.close();

  await as(null);
  page = await open('/');
  const notices = page.getByRole('region', { name: 'Thông báo của văn phòng' });
  await notices.getByText('Bảo trì hệ thống ngày 30/11').click();
  await notices.getByText('Cổng thông tin tạm ngừng từ 22:00 đến 23:00.').waitFor();
  assert.ok(!(await notices.innerText()).includes('Mời dùng gói Nâng cao'), 'only public notices');
  assert.equal(await page.locator('#inbox-link').isHidden(), true, 'no inbox for a visitor');
  await portal.shot(page, 'admin-public-notice');
  await page.close();

  // a free-plan user has the invitation in the inbox; a plus user does not
  const inbox = async (who) => (await call(who, 'GET', '/api/v1/me/notifications')).json.notifications.map((n) => n.title);
  await login('dung');
  lis('user', 'set-plan', '--phone', e164(PEOPLE.dung.phone), 'free');
  assert.ok((await inbox('dung')).includes('Mời dùng gói Nâng cao'));
  assert.ok(!(await inbox('hoa')).includes('Mời dùng gói Nâng cao'));
});

test('a forgotten password: a code to the phone, then a new password; the other sessions end', async () => {
  const lan = PEOPLE.lan;
  const outbox = () => {
    try {
      return readFileSync(join(work, 'outbox.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    } catch {
      return [];
    }
  };
  const before = outbox().length;
  await as(null);
  const page = await open('/account.html#/login', PHONE);
  await page.getByRole('link', { name: 'Quên mật khẩu?' }).click();
  await page.getByRole('heading', { level: 1, name: 'Đặt lại mật khẩu' }).waitFor();
  await page.getByRole('button', { name: 'Gửi mã' }).click();
  assert.equal(await fieldError(page, 'reset-phone'), 'Hãy nhập số điện thoại.');
  await view(page).getByLabel(/^Số điện thoại/).fill(lan.phone);
  await page.getByRole('button', { name: 'Gửi mã' }).click();
  await status(page, 'Đã gửi yêu cầu. Hãy xem tin nhắn trên điện thoại.');
  assert.match(await page.locator('#reset-sent').innerText(), /Nếu số 0913 600 005 có tài khoản, một mã gồm 6 chữ số vừa được gửi/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'reset-code');
  const sms = await eventually(() => outbox().slice(before).find((l) => l.channel === 'sms' && l.to === e164(lan.phone)), 'the code');
  const code = /(\d{6})/.exec(sms.text)[1];
  await view(page).getByLabel(/^Mã xác nhận/).fill(code === '000000' ? '111111' : '000000');
  await view(page).getByLabel(/^Mật khẩu mới/).fill('Lan-mới-Bắc-Sơn-2026');
  await page.getByRole('button', { name: 'Đặt mật khẩu mới' }).click();
  assert.equal(await fieldError(page, 'reset-code'), 'Mã không đúng.');
  await portal.shot(page, 'admin-reset');
  await view(page).getByLabel(/^Mã xác nhận/).fill(code);
  await page.getByRole('button', { name: 'Đặt mật khẩu mới' }).click();
  await page.getByRole('heading', { level: 1, name: 'Tài khoản của tôi' }).waitFor();
  await status(page, 'Đã đặt mật khẩu mới. Bạn đã được đăng nhập.');
  assert.equal(await page.locator('#account').innerText(), 'Vi Thị Lan');
  assert.equal((await call('lan', 'GET', '/api/v1/session')).json.user, null, 'the old session ended');
  lan.password = 'Lan-mới-Bắc-Sơn-2026';
  await login('lan');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a portal that checks phones asks for a code at registration', async () => {
  const work2 = mkdtempSync(join(tmpdir(), 'lis-web-verify-'));
  const outbox = join(work2, 'outbox.jsonl');
  const other = await startPortal({
    data: copyStore(work2),
    args: ['--set', 'verify_phone=true', '--set', `outbox_file=${outbox}`, '--set', 'argon2_mem_kib=64', '--set', 'argon2_ops=1'],
  });
  try {
    const page = await other.page('/account.html#/register', { viewport: PHONE });
    const form = view(page);
    await form.getByLabel(/^Mã xác nhận\s*\*/).waitFor();
    await form.getByLabel(/^Họ và tên/).fill('Chu Thị Mã');
    await form.getByLabel(/^Số điện thoại/).fill('0913 600 006');
    await form.getByLabel(/^Mật khẩu\s*\*?$/).fill('Mã-xác-nhận-Lộc-Bình-66');
    await page.getByRole('checkbox', { name: /Tôi đã đọc và đồng ý/ }).check();
    await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
    assert.equal(await fieldError(page, 'reg-code'), 'Hãy nhập mã gồm 6 chữ số đã gửi đến điện thoại.');
    await page.getByRole('button', { name: 'Gửi mã' }).click();
    await status(page, 'Nếu có thể dùng số 0913 600 006, một mã gồm 6 chữ số vừa được gửi đến số đó.');
    const sms = await eventually(() => {
      try {
        return readFileSync(outbox, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
          .find((l) => l.channel === 'sms' && l.to === '+84913600006');
      } catch {
        return null;
      }
    }, 'the code');
    await form.getByLabel(/^Mã xác nhận/).fill(/(\d{6})/.exec(sms.text)[1]);
    await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Tài khoản của tôi' }).waitFor();
    await status(page, 'Đã tạo tài khoản. Bạn đã được đăng nhập.');
    assert.deepEqual(page.errors, []);
    await page.close();
  } finally {
    await other.close();
    rmSync(work2, { recursive: true, force: true });
  }
});

test('accessibility audit of the new pages (axe-core), in both languages and on a phone', async () => {
  const { json: mine } = await call('hoa', 'GET', '/api/v1/tickets');
  const ticket = mine.tickets[0].id;
  await as('hoa');
  let page = await open('/account.html#/inbox', PHONE);
  await page.locator('#inbox-list li').first().waitFor();
  await audit(page, 'inbox phone');
  for (const [hash, ready, label] of [
    ['#/tickets', '#tickets-list li', 'tickets'],
    [`#/tickets/${ticket}`, '#ticket-thread li', 'ticket'],
    ['#/upgrade', '#plans-rows tr', 'upgrade'],
    ['#/watches', '#watches-list li', 'watches'],
    ['#/access', '#access-rows tr', 'access'],
  ]) {
    await page.goto(`${portal.base}/account.html${hash}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.locator(ready).first().waitFor();
    await audit(page, `${label} vi`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, `${label} fits a phone`);
  }
  await as(null);
  await page.reload(); // the page again, as a visitor
  await page.waitForSelector('body[data-ready="true"]');
  await page.goto(`${portal.base}/account.html#/reset`);
  await page.getByRole('heading', { level: 1, name: 'Đặt lại mật khẩu' }).waitFor();
  await view(page).getByLabel(/^Số điện thoại/).fill('0913 600 099');
  await page.getByRole('button', { name: 'Gửi mã' }).click();
  await page.locator('#reset-code').waitFor();
  await audit(page, 'reset');
  await as('hoa');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.goto(`${portal.base}/account.html#/tickets/new`);
  await page.getByRole('heading', { level: 1, name: 'Gửi yêu cầu mới' }).waitFor();
  await view(page).getByLabel(/^Loại yêu cầu/).selectOption('dispute');
  await page.getByRole('button', { name: 'Gửi yêu cầu' }).click();
  await page.locator('#tk-parcel-err').waitFor();
  await audit(page, 'new ticket with errors');
  await page.click('#lang');
  await audit(page, 'new ticket en');
  await page.click('#lang');
  await page.close();

  await as('admin');
  page = await open(`/office.html#/tickets/${ticket}`);
  await page.locator('#ticket-thread li').first().waitFor();
  if (await page.locator('#assign-box summary').isVisible()) {
    await page.locator('#assign-box summary').click();
    await page.locator('#as-assignee option').nth(1).waitFor({ state: 'attached' });
  }
  await audit(page, 'staff ticket');
  for (const [hash, ready, label] of [
    ['#/tickets', '#queue-list li', 'queue'],
    ['#/notify', '#nf-plan option', 'notify'],
    ['#/customers', '#customers-rows tr', 'customers'],
    [`#/customers/${PEOPLE.hoa.id}`, '#customer-facts dt', 'customer'],
    ['#/plans', '#plans-admin-rows tr', 'plans'],
    ['#/upgrades?status=all', '#upgrades-queue li', 'upgrades'],
    ['#/audit', '#audit-rows tr', 'audit'],
    ['#/disclosures', '#disclosures-list li', 'disclosures'],
  ]) {
    await page.goto(`${portal.base}/office.html${hash}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.locator(ready).first().waitFor({ state: 'attached' });
    await audit(page, `${label} vi`);
  }
  await page.click('#lang');
  await page.locator('#disclosures-list li').first().waitFor();
  await audit(page, 'disclosures en');
  await page.setViewportSize(PHONE);
  await page.goto(`${portal.base}/office.html#/customers`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.locator('#customers-rows tr').first().waitFor();
  await audit(page, 'customers en phone');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, 'the office fits a phone');
  await page.click('#lang');
  assert.deepEqual(page.errors, []);
  await page.close();
  await as(null);
});
