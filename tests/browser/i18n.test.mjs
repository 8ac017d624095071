// The page's two string tables agree: the same keys, the same {placeholders},
// every key the HTML and the scripts name exists, and the Vietnamese carries
// its diacritics (a table typed without them would still "work").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const vi = (await import(join(web, 'src/i18n/vi.js'))).default;
const en = (await import(join(web, 'src/i18n/en.js'))).default;
const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('vi and en have the same keys and placeholders', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(vi).sort());
  for (const k of Object.keys(vi)) assert.deepEqual(holes(en[k]), holes(vi[k]), `placeholders of ${k}`);
});

test('every key named by the HTML pages and the scripts exists', () => {
  const used = new Set();
  const pages = [...readdirSync(web).filter((n) => n.endsWith('.html')),
    ...readdirSync(join(web, 'parts')).filter((n) => n.endsWith('.html')).map((n) => join('parts', n))];
  for (const f of pages) {
    for (const m of readFileSync(join(web, f), 'utf8').matchAll(/data-i18n(?:-[\w-]+)?="([\w.-]+)"/g)) used.add(m[1]);
  }
  for (const f of readdirSync(join(web, 'src')).filter((n) => n.endsWith('.js'))) {
    for (const m of readFileSync(join(web, 'src', f), 'utf8').matchAll(/\bt\('([\w.-]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 40, `found ${used.size} keys in use`);
  for (const k of used) assert.ok(k in vi, `key ${k} is in vi.js`);
});

test('the Vietnamese strings are written with diacritics', () => {
  const cases = [
    ['search.label', 'Tìm thửa đất'],
    ['card.nationalId', 'Mã thửa đất quốc gia'],
    ['coords.x', 'X (toạ độ Bắc, m)'],
    ['coords.y', 'Y (toạ độ Đông, m)'],
    ['nav.privacy', 'Chính sách bảo vệ dữ liệu cá nhân'],
  ];
  for (const [k, want] of cases) assert.equal(vi[k], want, k);
  const plain = Object.entries(vi).filter(([, s]) => s.length > 25 && !/[^\x00-\x7f]/.test(s)).map(([k]) => k);
  assert.deepEqual(plain, [], 'long Vietnamese strings without any diacritic');
});
