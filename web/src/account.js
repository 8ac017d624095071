// account — the account page (account.html), as hash routes: log in
// (#/login), register (#/register), a forgotten password (#/reset: a code
// sent to the phone, then a new password), the profile (#/profile: edit, change
// password, export, log out, log out everywhere, close the account), and the
// user's own pages (me.js): inbox, tickets, plan and upgrade requests,
// watched parcels, who accessed my data.
//
// The forms are in the HTML; forms.js checks that required fields are
// filled and shows the API's field errors next to their fields in the
// page's language; api.js adds the CSRF value. A login or registration that
// started from a parcel's card (account.html?parcel=ID) returns to that
// parcel; one asked for by another page (?next=office.html#/…) or by a
// page of this one (#/inbox while logged out) returns there.
import './style.css';
import { t, onLanguage, applyStatic, wireSwitch, date, dateTime } from './i18n.js';
import { api, ApiError } from './api.js';
import { loadConfig } from './config.js';
import { el, $, row } from './dom.js';
import { user, loadSession, setSession, wireAccountLink, wireInboxLink } from './session.js';
import { quotaText, planName } from './details.js';
import { VERSION, DATE } from './privacy.js';
import {
  say, drawMessage, prepareFields, redrawErrors, clearErrors, showErrors, onSubmit, onClick, onLoggedOut, failed,
  saveFile,
} from './forms.js';
import { startRoutes, go, setTitle } from './shell.js';
import { userRoutes, wireUserPages, redrawUserPages } from './me.js';

const state = {
  config: null,
  profile: null,   // GET /api/v1/me
  next: null,      // where to go after logging in (an address of this page)
  resetPhone: '',  // the number a reset code was asked for
};

// The parcel to go back to after logging in (digits only: never an address).
const backTo = (() => {
  const id = new URLSearchParams(location.search).get('parcel');
  return id && /^\d+$/.test(id) ? id : null;
})();

// Another page of the portal to go to after logging in (its own pages only).
const nextPage = (() => {
  const n = new URLSearchParams(location.search).get('next');
  return n && /^(office|account)\.html(#\/[\w/?=&-]*)?$/.test(n) ? n : null;
})();

// ------------------------------------------------------------ profile

async function loadProfile() {
  try {
    state.profile = await api.me();
  } catch (err) {
    failed($('edit-form'), err);
    return;
  }
  drawProfile();
  fillEdit();
}

function drawProfile() {
  const p = state.profile;
  const box = $('profile-facts');
  if (!p) {
    box.replaceChildren();
    return;
  }
  const none = () => el('span', { class: 'muted', text: t('profile.none') });
  box.replaceChildren(...[
    row(t('field.name'), p.name),
    row(t('field.phone'), p.phone),
    row(t('field.email'), p.email || none()),
    row(t('field.address'), p.address || none()),
    row(t('profile.plan'), planName(p.plan), p.plan_until ? ` (${t('profile.until', { date: date(p.plan_until) })})` : ''),
    p.views ? row(t('profile.views'), quotaText(p.views)) : [],
    p.consent ? row(t('profile.consent'), t('profile.consentValue', {
      version: p.consent.version, at: dateTime(p.consent.at),
    })) : [],
    p.created_at ? row(t('profile.created'), dateTime(p.created_at)) : [],
  ].flat());
  $('must-reset').hidden = !user()?.must_reset;
}

function fillEdit() {
  const p = state.profile;
  const form = $('edit-form');
  for (const name of ['name', 'phone', 'email', 'address']) form.elements[name].value = p?.[name] || '';
}

// Only what changed is sent; an emptied e-mail or address is erased.
async function saveProfile(v) {
  const p = state.profile || {};
  const body = {};
  for (const name of ['name', 'phone', 'email', 'address']) {
    if (v[name] !== (p[name] || '')) body[name] = v[name];
  }
  if (!Object.keys(body).length) {
    say('profile.nothing');
    return;
  }
  state.profile = await api.updateMe(body);
  await loadSession(); // the name in the header
  drawProfile();
  fillEdit();
  say('profile.saved');
}

async function download() {
  const { blob, filename } = await api.exportData();
  saveFile(blob, filename);
  say('export.done', { file: filename });
}

// Registration on a portal that checks phones: the field for the code, and
// the code sent to the number typed.
function drawPhoneCheck() {
  const on = !!state.config?.verifyPhone;
  $('reg-code-field').hidden = !on;
  $('reg-code').disabled = !on;
  $('reg-code').required = on;
  // marked required only where it is
  const label = document.querySelector('label[for="reg-code"]');
  if (on && !label.querySelector('.req')) label.append(el('span', { class: 'req', 'aria-hidden': 'true', text: ' *' }));
}

async function askPhoneCode() {
  const form = $('register-form');
  const phone = form.elements.phone.value.trim();
  clearErrors(form);
  if (!phone) {
    showErrors(form, [{ name: 'phone', code: 'required' }]);
    say('form.fix', null, { error: true });
    return;
  }
  try {
    await api.askPhoneCode({ phone });
  } catch (err) {
    if (!(err instanceof ApiError && err.kind === 'too-many-attempts')) throw err;
    say('reset.wait', { seconds: err.retryAfter ?? '…' }, { error: true });
    return;
  }
  say('register.codeSent', { phone });
  $('reg-code').focus();
}

// A forgotten password, first step: a code to the phone. The answer is the
// same whether or not the number has an account.
async function askCode(v) {
  try {
    await api.askResetCode({ phone: v.phone });
  } catch (err) {
    if (!(err instanceof ApiError && err.kind === 'too-many-attempts')) throw err;
    say('reset.wait', { seconds: err.retryAfter ?? '…' }, { error: true });
    return;
  }
  const form = $('reset-confirm-form');
  clearErrors(form);
  form.elements.phone.value = v.phone;
  form.hidden = false;
  state.resetPhone = v.phone;
  drawResetSent();
  say('reset.sent');
  $('reset-code').focus();
}

function drawResetSent() {
  $('reset-sent').textContent = state.resetPhone ? t('reset.sentTo', { phone: state.resetPhone }) : '';
}

// After logging in: the parcel the visitor came from, the page or view that
// asked for the login, else where asked.
function leave(fallback) {
  if (backTo) location.assign(`./#/parcel/${backTo}`);
  else if (nextPage) location.assign(nextPage);
  else if (state.next) {
    const next = state.next;
    state.next = null;
    go(next);
  } else fallback();
}

// ------------------------------------------------------------ start

function drawConsent() {
  const p = state.config?.privacy || { version: VERSION, date: DATE };
  $('consent-version').textContent = t('register.consentVersion', {
    version: p.version, date: p.date ? date(p.date) : '',
  });
}

function wire() {
  onSubmit($('login-form'), async (v) => {
    setSession(await api.login({ phone: v.phone, password: v.password }));
    $('login-form').reset();
    leave(() => location.assign('./'));
  });
  onSubmit($('register-form'), async (v) => {
    const body = {
      name: v.name,
      phone: v.phone,
      password: v.password,
      consent_version: (state.config?.privacy || { version: VERSION }).version,
    };
    if (v.email) body.email = v.email;
    if (v.address) body.address = v.address;
    if (state.config?.verifyPhone) body.code = v.code;
    setSession(await api.register(body));
    $('register-form').reset();
    leave(() => go('#/profile', 'register.done'));
  });
  onSubmit($('edit-form'), saveProfile);
  onSubmit($('password-form'), async (v) => {
    setSession(await api.changePassword({ current: v.current, new: v.new }));
    $('password-form').reset();
    say('password.changed');
  });
  onSubmit($('close-form'), async (v) => {
    await api.closeAccount({ password: v.password });
    $('close-form').reset();
    state.profile = null;
    setSession(null);
    go('#/login', 'close.done');
  });
  onClick($('logout'), async () => {
    await api.logout();
    setSession(null);
    go('#/login', 'logout.done');
  });
  onClick($('logout-all'), async () => {
    await api.logoutEverywhere();
    setSession(null);
    go('#/login', 'logout.allDone');
  });
  onClick($('export'), download);
  onClick($('reg-send-code'), askPhoneCode);
  onSubmit($('reset-request-form'), askCode);
  onClick($('reset-again'), () => askCode({ phone: $('reset-confirm-phone').value }));
  onSubmit($('reset-confirm-form'), async (v) => {
    setSession(await api.resetPassword({ phone: v.phone, code: v.code, new: v.new }));
    $('reset-confirm-form').reset();
    $('reset-confirm-form').hidden = true;
    leave(() => go('#/profile', 'reset.done'));
  });
  // the login and register links keep ?parcel= and ?next=
  for (const a of document.querySelectorAll('a.keep-query')) a.href = `${location.search}${a.getAttribute('href')}`;
}

const ROUTES = [
  { path: 'login', view: 'login', only: 'visitor', title: () => t('login.title') },
  { path: 'register', view: 'register', only: 'visitor', title: () => t('register.title') },
  { path: 'reset', view: 'reset', only: 'visitor', title: () => t('reset.title') },
  { path: 'profile', view: 'profile', need: 'user', title: () => t('profile.title'), show: loadProfile },
];

async function start() {
  applyStatic(document);
  wireSwitch($('lang'));
  wireAccountLink($('account'), () => backTo);
  prepareFields();
  const [config] = await Promise.all([loadConfig(), loadSession()]);
  state.config = config;
  wireInboxLink($('inbox-link'));
  wire();
  wireUserPages();
  onLoggedOut(() => {
    state.next = location.hash;
    go('#/login', 'session.expired', { error: true });
  });
  onLanguage(() => {
    setTitle();
    drawMessage();
    drawConsent();
    drawProfile();
    drawResetSent();
    redrawErrors();
    redrawUserPages();
  });
  drawConsent();
  drawPhoneCheck();
  await startRoutes([...ROUTES, ...userRoutes()], {
    fallback: () => (user() ? '#/profile' : '#/login'),
    loginRequired: (hash) => {
      state.next = hash;
      go('#/login');
    },
    nav: 'page-nav',
    pageTitle: 'account.title',
    province: () => state.config?.province || '',
    onChange: () => {
      for (const form of document.querySelectorAll('form')) clearErrors(form);
    },
  });
  document.body.dataset.ready = 'true';
}

start();
