// page — the portal's text pages (privacy policy, contact): their language
// switch, the account link, and the parts drawn from data (the policy's
// text, the office).
import './style.css';
import { t, language, onLanguage, applyStatic, wireSwitch, date } from './i18n.js';
import { loadConfig } from './config.js';
import * as privacy from './privacy.js';
import { loadSession, wireAccountLink, wireInboxLink } from './session.js';

const $ = (id) => document.getElementById(id);

function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function drawPrivacy(box) {
  const version = $('privacy-version');
  version.textContent = t('privacy.version', { version: privacy.VERSION, date: date(privacy.DATE) });
  box.replaceChildren();
  for (const s of privacy.text[language()]) {
    box.append(el('h2', s.h));
    for (const p of s.p) {
      if (Array.isArray(p)) {
        const ul = el('ul');
        for (const li of p) ul.append(el('li', li));
        box.append(ul);
      } else {
        box.append(el('p', p));
      }
    }
  }
}

function drawContact(box, office) {
  const en = language() === 'en';
  const rows = [
    ['contact.office', en ? office.name_en || office.name_vi : office.name_vi || office.name_en, 'office-name'],
    ['contact.address', en ? office.address_en || office.address_vi : office.address_vi || office.address_en, 'office-address'],
    ['contact.phone', office.phone, 'office-phone'],
    ['contact.email', office.email, 'office-email'],
    ['contact.hours', t('contact.hoursValue'), 'office-hours'],
  ];
  box.replaceChildren();
  for (const [key, value, id] of rows) {
    if (!value) continue;
    box.append(el('dt', t(key)));
    const dd = el('dd', undefined, { id });
    if (key === 'contact.phone') dd.append(el('a', value, { href: `tel:${value.replace(/[^\d+]/g, '')}` }));
    else if (key === 'contact.email') dd.append(el('a', value, { href: `mailto:${value}` }));
    else dd.textContent = value;
    box.append(dd);
  }
}

async function start() {
  applyStatic(document);
  wireSwitch($('lang'));
  wireAccountLink($('account'));
  const [config] = await Promise.all([loadConfig(), loadSession()]);
  wireInboxLink($('inbox-link'));
  const draw = () => {
    const page = document.body.dataset.page;
    document.title = `${t(`${page}.title`)} — ${t('title.province', { province: config.province })}`;
    if (page === 'privacy') drawPrivacy($('privacy-text'));
    if (page === 'contact') drawContact($('office'), config.office);
  };
  onLanguage(draw);
  draw();
  document.body.dataset.ready = 'true';
}

start();
