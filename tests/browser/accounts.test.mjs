// Accounts in the web page, in headless Chromium against the real `lis serve`
// over a copy of the demo store of this file's own (registrations are
// written to it): a visitor's card asks to log in; a visitor registers from
// a parcel's card and comes back to its detailed view, edits the profile,
// changes the password, logs out, logs in again with the new password, logs
// out everywhere, exports the data and closes the account, which then
// cannot log in. On a phone's screen (360×740), in Vietnamese, with field
// errors next to their fields. Screenshots go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startPortal, sampleParcels, cardFor, audit, PHONE, LIS_BIN } from './helper.mjs';
import { copyStore } from '../api/helper.mjs';

let portal;
let work;
let store; // this file's copy of the demo store
let sample;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lis-web-accounts-'));
  store = copyStore(work);
  portal = await startPortal({ data: store });
  sample = await sampleParcels(portal, 3);
});

after(async () => {
  if (portal) await portal.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const PASSWORD = /^Mật khẩu\s*\*?$/; // the label, with its * for a required field

const vi = (v, digits) => new Intl.NumberFormat('vi-VN', {
  minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false,
}).format(v);

// The text shown beside a field (its error line), once there is one.
async function fieldError(page, id) {
  const err = page.locator(`#${id}-err`);
  await err.waitFor();
  assert.equal(await page.getAttribute(`#${id}`, 'aria-invalid'), 'true', `${id} is marked invalid`);
  const described = (await page.getAttribute(`#${id}`, 'aria-describedby')).split(' ');
  assert.ok(described.includes(`${id}-err`), `${id} is described by its error`);
  return err.innerText();
}

// `lis user …` / `lis plan …` on this file's store.
function lis(...args) {
  execFileSync(LIS_BIN, [...args, '--data', store], { stdio: ['ignore', 'ignore', 'inherit'] });
}

// A new account made through the API; its session becomes the browser's.
async function registerAndUse(name, phone, password) {
  const { privacy } = await portal.api('/api/v1/portal');
  const r = await fetch(`${portal.base}/api/v1/account`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, phone, password, consent_version: privacy.version }),
  });
  assert.equal(r.status, 201, `registered ${name}`);
  const [cookie, value] = (r.headers.get('set-cookie') || '').split(';')[0].split('=');
  await portal.context.clearCookies();
  await portal.context.addCookies([{ name: cookie, value, url: portal.base }]);
}

// A second session of the same account, outside the browser: its cookie.
async function loginElsewhere(phone, password) {
  const r = await fetch(`${portal.base}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone, password }),
  });
  assert.equal(r.status, 200, 'a login from elsewhere');
  const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  assert.match(cookie, /^lis_session=./);
  return cookie;
}

async function sessionOf(cookie) {
  const r = await fetch(`${portal.base}/api/v1/session`, { headers: { Cookie: cookie } });
  return (await r.json()).user;
}

test('a visitor\'s card shows the basic view and "log in to see details"', async () => {
  await portal.context.clearCookies();
  const p = sample[0];
  const page = await portal.page(`/#/parcel/${p.id}`, { viewport: PHONE });
  const card = await cardFor(page, p.id);
  assert.equal(await card.getAttribute('data-view'), 'basic');
  const text = await card.innerText();
  assert.match(text, /Thông tin cơ bản, công khai/);
  assert.deepEqual(await card.locator('h3').allInnerTexts(), ['Quy hoạch sử dụng đất', 'Thửa đất liền kề'],
    'no detailed section for a visitor');
  const login = card.getByRole('link', { name: 'Đăng nhập để xem chi tiết' });
  assert.equal(await login.getAttribute('href'), `account.html?parcel=${p.id}#/login`);
  await card.getByRole('link', { name: 'Đăng ký tài khoản' }).waitFor();
  const header = page.locator('#account');
  assert.equal(await header.innerText(), 'Đăng nhập');
  const b = await header.boundingBox();
  assert.ok(b.x >= 0 && b.x + b.width <= PHONE.width && b.height >= 40, 'the login link is on screen and finger-sized');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width);
  await portal.shot(page, 'accounts-visitor-card');
  // in English too
  await page.click('#lang');
  await card.getByRole('link', { name: 'Log in to see details' }).waitFor();
  assert.equal(await header.innerText(), 'Log in');
  // the link leads to the login form, which leads back to the parcel
  await page.click('#lang');
  await login.click();
  await page.waitForSelector('body[data-ready="true"]');
  await page.getByRole('heading', { level: 1, name: 'Đăng nhập' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('register, detailed card, profile, password, log out, log in, everywhere, export, close', async () => {
  await portal.context.clearCookies();
  const p = sample[1];
  const phone = '0912 345 678';
  const e164 = '+84912345678';
  const first = 'Mây trôi trên đỉnh Mẫu Sơn 7';
  const second = 'Sương sớm ở Chi Lăng 1985';
  const page = await portal.page(`/#/parcel/${p.id}`, { viewport: PHONE });
  const view = page.locator('section.view:not([hidden])'); // the account page's current view
  await cardFor(page, p.id);

  // from the card to the registration form
  await page.locator('#card').getByRole('link', { name: 'Đăng ký tài khoản' }).click();
  await page.waitForSelector('body[data-ready="true"]');
  await page.getByRole('heading', { level: 1, name: 'Đăng ký tài khoản' }).waitFor();
  assert.equal(new URL(page.url()).search, `?parcel=${p.id}`);

  // required fields are marked and checked before anything is sent
  const starred = await page.$$eval('#register-form label', (ls) => ls.filter((l) => /\*/.test(l.textContent)).map((l) => l.htmlFor));
  const required = await page.$$eval('#register-form input[required]', (is) => is.map((i) => i.id));
  assert.deepEqual(starred.sort(), ['reg-consent', 'reg-name', 'reg-password', 'reg-phone'], 'required fields are marked *');
  assert.deepEqual(required.sort(), starred.sort());
  await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
  assert.equal(await fieldError(page, 'reg-name'), 'Hãy nhập họ và tên.');
  assert.equal(await fieldError(page, 'reg-phone'), 'Hãy nhập số điện thoại.');
  assert.equal(await fieldError(page, 'reg-password'), 'Hãy nhập mật khẩu.');
  assert.match(await fieldError(page, 'reg-consent'), /đồng ý với chính sách/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'reg-name', 'the first wrong field has the focus');

  // the server's field errors, translated, beside their fields
  const portalSettings = await portal.api('/api/v1/portal');
  assert.ok(portalSettings.privacy?.version, 'the portal names the privacy policy\'s version');
  assert.match(await page.locator('#consent-version').innerText(), new RegExp(portalSettings.privacy.version.replace('.', '\\.')));
  await view.getByLabel('Họ và tên').fill('Nguyễn Thị Hồng Nhung');
  await view.getByLabel('Số điện thoại').fill('0212 345 678');
  await view.getByLabel(PASSWORD).fill('password');
  await view.getByLabel('Thư điện tử').fill('không phải thư');
  await page.getByRole('checkbox', { name: /Tôi đã đọc và đồng ý/ }).check();
  await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
  assert.equal(await fieldError(page, 'reg-phone'), 'Đây không phải số di động Việt Nam.');
  assert.match(await fieldError(page, 'reg-password'), /quá phổ biến/);
  assert.match(await fieldError(page, 'reg-email'), /ten@vidu\.vn/);
  assert.ok(await page.locator('#reg-name-err').isHidden(), 'a right field shows no error');
  assert.equal(await page.getByRole('alert').innerText(), 'Hãy sửa các trường được đánh dấu bên dưới.');
  await portal.shot(page, 'accounts-register-errors');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, 'the form fits a phone');

  // registering logs in and goes back to the parcel, now in the detailed view
  await view.getByLabel('Số điện thoại').fill(phone);
  await view.getByLabel(PASSWORD).fill(first);
  await view.getByLabel('Thư điện tử').fill('');
  await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/' && u.hash === `#/parcel/${p.id}`);
  await page.waitForSelector('body[data-ready="true"]');
  const card = await cardFor(page, p.id);
  assert.equal(await card.getAttribute('data-view'), 'detailed');
  assert.equal(await page.locator('#account').innerText(), 'Nguyễn Thị Hồng Nhung');
  const detail = await page.evaluate(async (id) => (await fetch(`/api/v1/parcels/${id}`)).json(), p.id);
  assert.equal(detail.view, 'detailed');
  let text = await card.innerText();
  assert.match(text, /Thông tin chi tiết/);
  assert.doesNotMatch(text, /Đăng nhập để xem chi tiết/);
  for (const h of ['Người sử dụng đất', 'Quyền đối với thửa đất', 'Giấy chứng nhận', 'Hạn chế quyền', 'Lịch sử biến động', 'Các sự kiện đăng ký', 'Toạ độ đỉnh thửa']) {
    await card.getByRole('heading', { level: 3, name: h, exact: true }).waitFor();
  }
  assert.ok(detail.holders.length > 0, 'the demo parcel has a holder');
  for (const h of detail.holders) assert.ok(text.includes(h.name), `holder ${h.name} on the card`);
  for (const c of detail.certificates) assert.ok(text.includes(c.serial), `certificate ${c.serial} on the card`);
  assert.doesNotMatch(text, /\b(individual|household|organisation|long-term|registration)\b/, 'codes are said in Vietnamese');
  for (const r of detail.rights) if (r.origin) assert.ok(text.includes(r.origin), `origin ${r.origin}`);
  assert.doesNotMatch(text, /CCCD|Mã số doanh nghiệp/, 'no ID number in the detailed view');
  for (const h of detail.holders) assert.equal(h.id_number, undefined, 'nor in the API\'s detailed view');
  const q = detail.quota;
  assert.ok(q && q.used >= 1, 'the view counted');
  assert.ok(text.includes(`đã dùng ${q.used}/${q.daily}, còn ${q.left}`), `the quota on the card: ${text}`);
  // the vertex table: X northing, Y easting (VN-2000), then WGS 84
  await card.getByText(/Xem bảng toạ độ/).click();
  const table = card.locator('.coords-table').first();
  assert.deepEqual(await table.locator('thead th').allInnerTexts(), ['Điểm', 'X (m)', 'Y (m)', 'Kinh độ', 'Vĩ độ']);
  const v = detail.vertices.rings[0][0];
  assert.ok(v.x > 2_000_000 && v.y < 1_000_000, 'x is the northing, y the easting');
  assert.deepEqual(await table.locator('tbody tr').first().locator('th, td').allInnerTexts(),
    [String(v.n), vi(v.x, 3), vi(v.y, 3), vi(v.lon, 7), vi(v.lat, 7)]);
  assert.equal(await table.locator('tbody tr').count(), detail.vertices.rings[0].length);
  assert.match(await card.innerText(), /X là toạ độ Bắc, Y là toạ độ Đông theo hệ VN-2000/);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, 'no sideways scroll');
  await portal.shot(page, 'accounts-detailed-card');

  // the profile, from the name in the header
  await page.locator('#account').click();
  await page.waitForSelector('body[data-ready="true"]');
  await page.getByRole('heading', { level: 1, name: 'Tài khoản của tôi' }).waitFor();
  const facts = page.locator('#profile-facts');
  await facts.getByText(e164).waitFor();
  assert.match(await facts.innerText(), /Nguyễn Thị Hồng Nhung/);
  assert.equal(await view.getByLabel('Họ và tên').inputValue(), 'Nguyễn Thị Hồng Nhung');

  // edit: a wrong e-mail is said beside it, then a right one is saved
  await view.getByLabel('Họ và tên').fill('Nguyễn Thị Hồng');
  await view.getByLabel('Thư điện tử').fill('hong@');
  await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
  assert.match(await fieldError(page, 'edit-email'), /ten@vidu\.vn/);
  await view.getByLabel('Thư điện tử').fill('hong@example.vn');
  await view.getByLabel('Địa chỉ').fill('12 Trần Đăng Ninh, Lạng Sơn');
  await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
  await page.getByRole('status').getByText('Đã lưu thông tin mới.').waitFor();
  text = await facts.innerText();
  for (const s of ['Nguyễn Thị Hồng', 'hong@example.vn', '12 Trần Đăng Ninh, Lạng Sơn']) assert.ok(text.includes(s), `profile shows ${s}`);
  await page.waitForFunction(() => document.getElementById('account').textContent === 'Nguyễn Thị Hồng');
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
  assert.equal(me.name, 'Nguyễn Thị Hồng');
  assert.equal(me.email, 'hong@example.vn');
  await portal.shot(page, 'accounts-profile');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width, 'the profile fits a phone');

  // change the password: the current one is checked
  await view.getByLabel('Mật khẩu hiện tại').fill('not the password');
  await view.getByLabel('Mật khẩu mới').fill(second);
  await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
  assert.equal(await fieldError(page, 'pw-current'), 'Mật khẩu hiện tại không đúng.');
  await view.getByLabel('Mật khẩu hiện tại').fill(first);
  await view.getByLabel('Mật khẩu mới').fill(second);
  await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
  await page.getByRole('status').getByText(/Đã đổi mật khẩu/).waitFor();
  // the page's session goes on (a new cookie and CSRF value): a save still works
  await view.getByLabel('Địa chỉ').fill('');
  await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
  await page.getByRole('status').getByText('Đã lưu thông tin mới.').waitFor();
  assert.match(await facts.innerText(), /Địa chỉ\s+chưa có/);

  // log out; the old password no longer opens the account, the new one does
  await page.getByRole('button', { name: 'Đăng xuất', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Đăng nhập' }).waitFor();
  await page.getByRole('status').getByText('Bạn đã đăng xuất.').waitFor();
  assert.equal(await page.locator('#account').innerText(), 'Đăng nhập');
  assert.equal(await page.evaluate(async () => (await (await fetch('/api/v1/session')).json()).user), null);
  await view.getByLabel('Số điện thoại').fill(phone);
  await view.getByLabel(PASSWORD).fill(first);
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
  assert.equal(await page.getByRole('alert').innerText(), 'Số điện thoại hoặc mật khẩu không đúng.');
  await view.getByLabel(PASSWORD).fill(second);
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/');
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.locator('#account').innerText(), 'Nguyễn Thị Hồng');

  // log out everywhere ends another session too
  const elsewhere = await loginElsewhere(e164, second);
  assert.equal((await sessionOf(elsewhere))?.name, 'Nguyễn Thị Hồng');
  await page.goto(`${portal.base}/account.html#/profile`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.getByRole('button', { name: 'Đăng xuất khỏi mọi thiết bị' }).click();
  await page.getByRole('status').getByText('Bạn đã đăng xuất khỏi mọi thiết bị.').waitFor();
  assert.equal(await sessionOf(elsewhere), null, 'the other session ended');

  // log in again, export my data (a JSON download)
  await view.getByLabel('Số điện thoại').fill(e164);
  await view.getByLabel(PASSWORD).fill(second);
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/');
  await page.waitForSelector('body[data-ready="true"]');
  await page.locator('#account').click();
  await page.getByRole('heading', { level: 1, name: 'Tài khoản của tôi' }).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Tải xuống (JSON)' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /\.json$/);
  const exported = readFileSync(await download.path(), 'utf8');
  const data = JSON.parse(exported);
  assert.ok(exported.includes('Nguyễn Thị Hồng'), 'the export holds the name');
  assert.ok(exported.includes(e164), 'the export holds the phone');
  assert.equal(typeof data, 'object');
  assert.ok(!exported.includes(second) && !exported.includes(first), 'no password in the export');
  await page.getByRole('status').getByText(/Đã tải xuống tệp/).waitFor();

  // close the account: the password confirms it
  await view.getByLabel('Nhập mật khẩu để xác nhận').fill(first);
  await page.getByRole('button', { name: 'Đóng tài khoản' }).click();
  assert.equal(await fieldError(page, 'close-password'), 'Mật khẩu không đúng.');
  await view.getByLabel('Nhập mật khẩu để xác nhận').fill(second);
  await page.getByRole('button', { name: 'Đóng tài khoản' }).click();
  await page.getByRole('heading', { level: 1, name: 'Đăng nhập' }).waitFor();
  await page.getByRole('status').getByText(/Tài khoản đã được đóng/).waitFor();
  assert.equal(await page.locator('#account').innerText(), 'Đăng nhập');
  await portal.shot(page, 'accounts-closed');
  // ... and then cannot log in
  await view.getByLabel('Số điện thoại').fill(phone);
  await view.getByLabel(PASSWORD).fill(second);
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
  assert.equal(await page.getByRole('alert').innerText(), 'Số điện thoại hoặc mật khẩu không đúng.');
  // and the parcel is back to the basic view
  await page.goto(`${portal.base}/#/parcel/${p.id}`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await (await cardFor(page, p.id)).getAttribute('data-view'), 'basic');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('accessibility audit of the account page and a detailed card (axe-core)', async () => {
  await portal.context.clearCookies();
  let page = await portal.page('/account.html#/register', { viewport: PHONE });
  await page.getByRole('button', { name: 'Đăng ký', exact: true }).click(); // with its field errors
  await page.locator('#reg-name-err').waitFor();
  await audit(page, 'register vi phone');
  await page.click('#lang');
  await audit(page, 'register en phone');
  await page.click('#lang');
  await page.goto(`${portal.base}/account.html#/login`);
  await page.waitForSelector('body[data-ready="true"]');
  await audit(page, 'login');
  await page.close();

  // a user's profile and detailed card
  await registerAndUse('Hoàng Văn Thụ', '0987 654 321', 'Đồng Đăng 1946!');
  page = await portal.page('/account.html#/profile', { viewport: PHONE });
  await page.locator('#profile-facts').getByText('+84987654321').waitFor();
  await audit(page, 'profile');
  await page.goto(`${portal.base}/#/parcel/${sample[2].id}`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector(`#card[data-parcel-id="${sample[2].id}"][data-view="detailed"]`);
  await page.locator('#card .vertices summary').click();
  await audit(page, 'detailed card');
  assert.deepEqual(page.errors, []);
  await page.close();
  await portal.context.clearCookies();
});

test('over the day\'s quota the card says when it resets and shows the basic view', async () => {
  lis('plan', 'set', 'one-a-day', '--daily-views', '1', '--name-vi', 'Một lượt mỗi ngày', '--name-en', 'One a day');
  await registerAndUse('Lương Văn Tri', '0978 111 222', 'Kỳ Lừa chợ phiên 44');
  lis('user', 'set-plan', '--phone', '0978111222', 'one-a-day');
  const [a, b] = sample;
  const page = await portal.page(`/#/parcel/${a.id}`);
  const card = page.locator(`#card[data-parcel-id="${a.id}"][data-view="detailed"]`);
  await card.waitFor();
  assert.match(await card.innerText(), /đã dùng 1\/1, còn 0/);
  // a second parcel is over the quota
  await page.goto(`${portal.base}/#/parcel/${b.id}`);
  await page.waitForSelector('body[data-ready="true"]');
  const basic = await cardFor(page, b.id);
  assert.equal(await basic.getAttribute('data-view'), 'basic');
  const over = await page.evaluate(async (id) => {
    const r = await fetch(`/api/v1/parcels/${id}`);
    return { status: r.status, body: await r.json() };
  }, b.id);
  assert.equal(over.status, 429);
  const resets = new Intl.DateTimeFormat('vi-VN', {
    timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    day: '2-digit', month: '2-digit', year: 'numeric',
  }).format(new Date(over.body.resets_at));
  assert.match(resets, /^00:00 /, 'the day starts at midnight in Viet Nam');
  const notice = await basic.locator('.quota-exceeded').innerText();
  assert.ok(notice.includes('Bạn đã dùng hết lượt xem chi tiết của hôm nay'), notice);
  assert.ok(notice.includes(resets), `the reset time ${resets} in: ${notice}`);
  assert.ok((await basic.innerText()).includes(b.national_id), 'the basic view is shown');
  assert.equal(await basic.locator('.login-prompt').count(), 0, 'a user is not asked to log in');
  await portal.shot(page, 'accounts-quota-exceeded');
  await page.click('#lang');
  assert.match(await basic.locator('.quota-exceeded').innerText(), /You have used all of today's detailed views/);
  // the parcel already seen today is still detailed
  await page.goto(`${portal.base}/#/parcel/${a.id}`);
  await page.waitForSelector(`#card[data-parcel-id="${a.id}"][data-view="detailed"]`);
  assert.deepEqual(page.errors, []);
  await page.close();
  await portal.context.clearCookies();
});

test('staff see the full view: holders\' ID number, address and birth year', async () => {
  await portal.context.clearCookies();
  await registerAndUse('Đinh Thị Lan', '0966 333 444', 'Phố Kỳ Lừa mùa xuân 9');
  lis('user', 'set-role', '--phone', '0966333444', 'staff'); // ends the session: log in again
  const p = sample[2];
  const page = await portal.page(`/account.html?parcel=${p.id}#/login`);
  const view = page.locator('section.view:not([hidden])');
  await view.getByLabel('Số điện thoại').fill('0966 333 444');
  await view.getByLabel(PASSWORD).fill('Phố Kỳ Lừa mùa xuân 9');
  await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/' && u.hash === `#/parcel/${p.id}`);
  const card = page.locator(`#card[data-parcel-id="${p.id}"][data-view="full"]`);
  await card.waitFor();
  const full = await page.evaluate(async (id) => (await fetch(`/api/v1/parcels/${id}`)).json(), p.id);
  assert.equal(full.view, 'full');
  const text = await card.innerText();
  assert.match(text, /Hồ sơ đầy đủ/);
  for (const h of full.holders) {
    assert.ok(text.includes(h.name), h.name);
    if (h.id_number) assert.ok(text.includes(h.id_number), `ID number ${h.id_number}`);
    if (h.address) assert.ok(text.includes(h.address), `address ${h.address}`);
    if (h.birth_year) assert.ok(text.includes(String(h.birth_year)), `birth year ${h.birth_year}`);
  }
  assert.ok(full.holders.some((h) => h.id_number), 'the demo parcel has a holder with an ID number');
  const label = full.holders.some((h) => h.id_number && h.kind !== 'organisation')
    ? 'Số căn cước công dân (CCCD)' : 'Mã số doanh nghiệp, số đăng ký';
  assert.ok(text.includes(label), `the ID number is labelled "${label}"`);
  await portal.shot(page, 'accounts-full-card');
  assert.deepEqual(page.errors, []);
  await page.close();
  await portal.context.clearCookies();
});
