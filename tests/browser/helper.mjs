// helper — the browser tests' harness: the real `lis serve` with the built
// web page, and Debian's Chromium driven headless by playwright-core.
//
// The server, its binary (LIS_BIN) and its store come from the API tests'
// helper (tests/api/helper.mjs): the same demo, made once per binary build with
// `lis demo --parcels 3000 --seed 7` (LIS_TEST_DATA: serve that store
// instead). Chromium runs with a fresh profile folder and every request that
// does not go to our server is aborted, as if the machine were offline: the
// base map must fail quietly while our own layers draw. Screenshots go to
// tests/artifacts/. LIS_WEB_ROOT: the built page to serve (default web/dist).
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer as startApiServer } from '../api/helper.mjs';

export { LIS_BIN } from '../api/helper.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WEB_ROOT = resolve(process.env.LIS_WEB_ROOT || join(root, 'web', 'dist'));
export const ARTIFACTS = join(root, 'tests', 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const PHONE = { width: 360, height: 740 };
export const OFFICE_PHONE = '0205 3 000 111';
export const DESKTOP = { width: 1280, height: 800 };

// `lis serve` over the demo store (or data) with the web page: the API
// tests' server, with a configured land-office phone, which the contact page
// must show, and any further args.
function startServer({ data, args = [] } = {}) {
  return startApiServer({
    args: ['--set', `web_root=${WEB_ROOT}`, '--set', `office_phone=${OFFICE_PHONE}`, ...args],
    ...(data ? { data } : {}),
  });
}

// Start the server with the web page and a browser; { data, args } as for
// startServer. Resolves to
// { base, api(path), page(path, opts), shot(page, name), close() }.
export async function startPortal(options = {}) {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) {
    throw new Error(`no web page in ${WEB_ROOT}: run 'npm run build' first`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startServer(options);
  const profile = mkdtempSync(join(tmpdir(), 'lis-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: DESKTOP,
      locale: 'vi-VN',
      timeout: 60_000,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
  } catch (e) {
    await server.stop();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const origin = new URL(server.base).origin;
  const offsite = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    offsite.push(url);
    return route.abort('internetdisconnected');
  });

  const portal = {
    base: server.base,
    server,
    context,
    offsite,
    async api(path) {
      const r = await fetch(server.base + path);
      const body = await r.json();
      if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(body)}`);
      return body;
    },
    async status(path) {
      return (await fetch(server.base + path)).status;
    },
    // A new page at path with a clean slate (no saved language), collecting
    // the page's uncaught errors in page.errors.
    // setup(page) runs before the page loads (e.g. to route some requests).
    async page(path = '/', { viewport = DESKTOP, ready = true, setup } = {}) {
      const page = await context.newPage();
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(String(e)));
      if (setup) await setup(page);
      await page.setViewportSize(viewport);
      await page.goto(`${server.base}/privacy.json`);
      await page.evaluate(() => localStorage.clear());
      await page.goto(server.base + path);
      if (ready) await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
      return page;
    },
    // Waits for the map to stop moving and draw, then saves a screenshot.
    async shot(page, name) {
      await page.evaluate(() => new Promise((ok) => {
        const m = window.lisMap;
        if (!m) return ok();
        const done = () => (m.view.getAnimating() ? setTimeout(done, 50) : m.map.once('rendercomplete', () => ok()) && m.map.render());
        setTimeout(ok, 3000); // a map with nothing left to draw may never say so
        done();
      }));
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
      await server.stop();
    },
  };
  return portal;
}

// "Phường Đông Kinh" → "phuong dong kinh": what a visitor types without diacritics.
export function fold(s) {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}

// GeoHash → [lon, lat] of its cell's centre (the national id is the GeoHash
// of the parcel's point on surface, so this point lies in the parcel).
export function geohashCentre(h) {
  const alphabet = '0123456789bcdefghjkmnpqrstuvwxyz';
  const lon = [-180, 180], lat = [-90, 90];
  let even = true;
  for (const ch of h.toLowerCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`bad geohash ${h}`);
    for (let b = 4; b >= 0; b--) {
      const r = even ? lon : lat;
      const mid = (r[0] + r[1]) / 2;
      if ((v >> b) & 1) r[0] = mid;
      else r[1] = mid;
      even = !even;
    }
  }
  return [(lon[0] + lon[1]) / 2, (lat[0] + lat[1]) / 2];
}

// n parcels of the store with an address, from the API, spread over the
// communes (so that tests don't all use the first parcel).
export async function sampleParcels(portal, n = 5) {
  const { communes } = await portal.api('/api/v1/communes');
  const byCommune = [];
  for (const c of communes.slice(0, 12)) {
    const { parcels } = await portal.api(`/api/v1/parcels?commune=${c.code}&limit=50`);
    const ok = parcels.filter((p) => p.address && p.national_id && p.area);
    if (ok.length) byCommune.push(ok);
  }
  if (!byCommune.length) throw new Error('the store has no parcel with an address');
  const out = [];
  for (let i = 0; out.length < n; i++) {
    const list = byCommune[i % byCommune.length];
    const k = Math.floor(i / byCommune.length);
    out.push(list[(Math.floor(list.length / 2) + 7 * k) % list.length]);
  }
  return out;
}

// An automatic accessibility audit (axe-core, WCAG 2.1 A/AA rules) of the
// page as it is now: no serious or critical violation (label names the case).
const AXE = join(root, 'node_modules', 'axe-core', 'axe.min.js');
export async function audit(page, label) {
  await page.addScriptTag({ content: readFileSync(AXE, 'utf8') });
  const r = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${label}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')}`), []);
}

// Wait until the card shows parcel id.
export async function cardFor(page, id, timeout = 15_000) {
  await page.waitForSelector(`#card[data-parcel-id="${id}"]`, { timeout });
  return page.locator('#card');
}
