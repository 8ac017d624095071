// i18n — the page's two languages: Vietnamese first, English by a switch.
//
// The choice is kept in localStorage (a visitor's preference, nothing sent
// anywhere) and can be forced with ?lang=en in the address. Static text is
// marked in the HTML with data-i18n (text content) and data-i18n-<attr>
// (an attribute, e.g. data-i18n-placeholder); applyStatic() fills both.
// Parts drawn at run time subscribe with onLanguage() and redraw.
import vi from './i18n/vi.js';
import en from './i18n/en.js';

const tables = { vi, en };
const KEY = 'lis.lang';
let lang = initial();
const listeners = [];

function initial() {
  const forced = new URLSearchParams(location.search).get('lang');
  if (forced && tables[forced]) return forced;
  try {
    const saved = localStorage.getItem(KEY);
    if (saved && tables[saved]) return saved;
  } catch {
    // storage blocked: stay with Vietnamese
  }
  return 'vi';
}

export function language() {
  return lang;
}

// The text of key in the current language with {name} filled from vars.
// A key missing in English falls back to Vietnamese, then to the key itself.
export function t(key, vars) {
  let s = tables[lang][key] ?? tables.vi[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

export function onLanguage(fn) {
  listeners.push(fn);
}

export function setLanguage(next) {
  if (!tables[next] || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // not kept: fine for this visit
  }
  applyStatic(document);
  for (const fn of listeners) fn(lang);
}

export function applyStatic(root) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('*')) {
    for (const name of el.getAttributeNames()) {
      if (!name.startsWith('data-i18n-')) continue;
      el.setAttribute(name.slice('data-i18n-'.length), t(el.getAttribute(name)));
    }
  }
}

// The button that flips the language; its own label is in the other language
// ("English", or "EN" on a narrow screen; its accessible name holds both).
export function wireSwitch(button) {
  const long = document.createElement('span');
  const short = document.createElement('span');
  long.className = 'lang-long';
  short.className = 'lang-short';
  button.replaceChildren(long, short);
  const draw = () => {
    long.textContent = t('lang.switch');
    short.textContent = t('lang.short');
    button.setAttribute('lang', lang === 'vi' ? 'en' : 'vi');
    button.setAttribute('aria-label', `${t('lang.switchLabel')} · ${t('lang.short')}`);
  };
  button.addEventListener('click', () => setLanguage(lang === 'vi' ? 'en' : 'vi'));
  onLanguage(draw);
  draw();
}

const locales = { vi: 'vi-VN', en: 'en-GB' };

export function number(v, digits = 1) {
  return new Intl.NumberFormat(locales[lang], { maximumFractionDigits: digits }).format(v);
}

export function area(m2) {
  return `${number(m2, 1)} m²`;
}

// "2026-11-25" (or the date of "2026-11-25T…") → "25/11/2026" (vi) or
// "25 November 2026" (en).
export function date(iso) {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  if (lang === 'vi') return `${String(d).padStart(2, '0')}/${String(m).padStart(2, '0')}/${y}`;
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(Date.UTC(y, m - 1, d));
}

// An instant ("2026-11-26T17:00:00Z") as the date and time in Viet Nam,
// where the portal's days begin and end.
export function dateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locales[lang], {
    timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    day: '2-digit', month: '2-digit', year: 'numeric',
  }).format(d);
}

// A fixed number of decimals without grouping (coordinates: 2411000,123).
export function fixed(v, digits) {
  return new Intl.NumberFormat(locales[lang], {
    minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false,
  }).format(v);
}
