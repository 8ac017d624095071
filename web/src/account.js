// account — the account page (account.html): log in, register, and the
// profile (edit, change password, export, log out, log out everywhere,
// close the account), as hash routes #/login, #/register, #/profile.
//
// The forms are in the HTML; this script checks that required fields are
// filled, sends them (api.js adds the CSRF value), and shows the API's
// field errors (`invalid_params: [{name, code, reason}]`) next to their
// fields in the page's language. A login or registration that started from
// a parcel's card (account.html?parcel=ID) returns to that parcel.
import './style.css';
import { t, language, onLanguage, applyStatic, wireSwitch, date, dateTime } from './i18n.js';
import { api, ApiError } from './api.js';
import { loadConfig } from './config.js';
import { el, $, row } from './dom.js';
import { user, loadSession, setSession, wireAccountLink } from './session.js';
import { quotaText } from './details.js';
import { VERSION, DATE } from './privacy.js';

const ROUTES = ['login', 'register', 'profile'];

const state = {
  config: null,
  route: null,
  profile: null,   // GET /api/v1/me
  message: null,   // { key, vars, error }
  keep: false,     // the message outlives the next change of route
};

// The parcel to go back to after logging in (digits only: never an address).
const backTo = (() => {
  const id = new URLSearchParams(location.search).get('parcel');
  return id && /^\d+$/.test(id) ? id : null;
})();

// ------------------------------------------------------------ messages

function say(key, vars, { error = false } = {}) {
  state.message = key ? { key, vars, error } : null;
  drawMessage();
}

function drawMessage() {
  const box = $('message');
  const m = state.message;
  box.classList.toggle('error', !!m?.error);
  box.setAttribute('role', m?.error ? 'alert' : 'status');
  box.textContent = m ? t(m.key, m.vars) : '';
}

// ------------------------------------------------------------ fields

// Each field gets an error line of its own, described by its input along
// with its hint.
function prepareFields() {
  for (const input of document.querySelectorAll('.field input')) {
    const field = input.closest('.field');
    const ids = [];
    const hint = field.querySelector('.hint');
    if (hint) {
      hint.id = `${input.id}-hint`;
      ids.push(hint.id);
    }
    const err = el('p', { id: `${input.id}-err`, class: 'field-error', hidden: true });
    field.append(err);
    ids.push(err.id);
    input.setAttribute('aria-describedby', ids.join(' '));
  }
  for (const box of document.querySelectorAll('.show-password')) {
    box.addEventListener('change', () => {
      for (const input of box.form.querySelectorAll('input[autocomplete$="password"]')) {
        input.type = box.checked ? 'text' : 'password';
      }
    });
  }
}

// The text for a field error: field-specific, then by code, then the
// server's own reason.
function fieldText(name, code, reason) {
  for (const key of [`fielderr.${name}.${code}`, `fielderr.${code}`]) {
    const s = t(key);
    if (s !== key) return s;
  }
  return reason || t('fielderr.invalid');
}

function clearErrors(form) {
  for (const input of form.querySelectorAll('input')) {
    input.removeAttribute('aria-invalid');
    const err = $(`${input.id}-err`);
    if (err) {
      err.hidden = true;
      err.textContent = '';
      delete err.dataset.code;
    }
  }
}

// errors: [{name, code, reason}]. Returns false when one names no field of
// the form (it is then said at the top).
function showErrors(form, errors) {
  let all = true;
  for (const e of errors) {
    const input = form.elements[e.name];
    const err = input && $(`${input.id}-err`);
    if (!err) {
      all = false;
      continue;
    }
    input.setAttribute('aria-invalid', 'true');
    err.hidden = false;
    err.dataset.code = e.code;
    err.dataset.reason = e.reason || '';
    err.textContent = fieldText(e.name, e.code, e.reason);
  }
  const first = errors.map((e) => form.elements[e.name]).find(Boolean);
  if (first) first.focus();
  return all;
}

// Field errors in the current language (after a switch).
function redrawErrors() {
  for (const err of document.querySelectorAll('.field-error[data-code]')) {
    const input = $(err.id.replace(/-err$/, ''));
    err.textContent = fieldText(input.name, err.dataset.code, err.dataset.reason);
  }
}

// The form's values: text trimmed, passwords as typed, checkboxes as booleans.
function values(form) {
  const out = {};
  for (const input of form.querySelectorAll('input[name]')) {
    if (input.type === 'checkbox') out[input.name] = input.checked;
    else out[input.name] = input.autocomplete.endsWith('password') ? input.value : input.value.trim();
  }
  return out;
}

function missing(form) {
  const v = values(form);
  return [...form.querySelectorAll('input[required]')]
    .filter((i) => !v[i.name])
    .map((i) => ({ name: i.name, code: 'required' }));
}

// What a failed request says, at the top or beside the fields.
function failed(form, err) {
  if (!(err instanceof ApiError)) {
    console.error(err);
    say('err.unknown', { status: '—' }, { error: true });
    return;
  }
  const secret = form.elements.current || (form.id !== 'login-form' && form.elements.password);
  switch (err.kind) {
    case 'invalid-body':
    case 'invalid-parameter':
      if (err.params.length && showErrors(form, err.params)) say('form.fix', null, { error: true });
      else say('form.invalid', { detail: err.params.map((p) => p.reason).join('; ') || err.detail }, { error: true });
      return;
    case 'phone-taken':
      showErrors(form, [{ name: 'phone', code: 'taken' }]);
      say('form.fix', null, { error: true });
      return;
    case 'invalid-credentials':
      if (secret) {
        showErrors(form, [{ name: secret.name, code: 'wrong' }]);
        say('form.fix', null, { error: true });
      } else {
        say('login.invalid', null, { error: true });
      }
      return;
    case 'too-many-attempts':
      say('login.wait', { seconds: err.retryAfter ?? '…' }, { error: true });
      return;
    case 'busy':
      say('err.busy', { seconds: err.retryAfter ?? '…' }, { error: true });
      return;
    case 'account-locked':
      say('login.locked', null, { error: true });
      return;
    case 'csrf':
      // another tab logged in or out: take the session the server has now
      loadSession().then(() => say('err.csrf', null, { error: true }));
      return;
    default:
      if (err.status === 401) {
        setSession(null);
        go('login', 'session.expired', true);
        return;
      }
      say(t(`err.${err.kind}`) !== `err.${err.kind}` ? `err.${err.kind}` : 'err.unknown', { status: err.status }, { error: true });
  }
}

// Wire a form: required fields checked here, then send(values) with the
// button held down; errors are shown by failed().
function onSubmit(form, send) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    say(null);
    const empty = missing(form);
    if (empty.length) {
      showErrors(form, empty);
      say('form.fix', null, { error: true });
      return;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await send(values(form));
    } catch (err) {
      failed(form, err);
    } finally {
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
}

// A button's action with the same error handling (at the top).
function onClick(button, action) {
  button.addEventListener('click', async () => {
    say(null);
    button.disabled = true;
    try {
      await action();
    } catch (err) {
      failed(button.closest('section').querySelector('form'), err);
    } finally {
      button.disabled = false;
    }
  });
}

// ------------------------------------------------------------ routes

function go(route, messageKey = null, error = false) {
  state.message = messageKey ? { key: messageKey, error } : null;
  state.keep = true;
  if (location.hash === `#/${route}`) show();
  else location.hash = `#/${route}`;
}

// After logging in: the parcel the visitor came from, else where asked.
function leave(fallback) {
  if (backTo) location.assign(`./#/parcel/${backTo}`);
  else fallback();
}

function wanted() {
  const m = /^#\/(\w+)$/.exec(location.hash);
  let route = m && ROUTES.includes(m[1]) ? m[1] : null;
  if (!route) route = user() ? 'profile' : 'login';
  if (route === 'profile' && !user()) route = 'login';
  if (route !== 'profile' && user()) route = 'profile';
  return route;
}

function setTitle() {
  const province = state.config?.province || '';
  document.title = `${t(`${state.route || 'account'}.title`)} — ${t('title.province', { province })}`;
}

async function show() {
  const route = wanted();
  if (location.hash !== `#/${route}`) history.replaceState(null, '', `${location.pathname}${location.search}#/${route}`);
  const changed = route !== state.route;
  state.route = route;
  if (changed && !state.keep) state.message = null;
  state.keep = false;
  for (const r of ROUTES) $(`view-${r}`).hidden = r !== route;
  drawMessage();
  setTitle();
  if (changed) {
    for (const form of document.querySelectorAll('form')) clearErrors(form);
    $(`${route}-h`).focus({ preventScroll: false });
  }
  if (route === 'profile') await loadProfile();
}

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

function planName(plan) {
  if (!plan) return t('card.unknown');
  return (language() === 'en' ? plan.name_en || plan.name_vi : plan.name_vi || plan.name_en) || plan.code;
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
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  say('export.done', { file: filename });
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
    setSession(await api.register(body));
    $('register-form').reset();
    leave(() => go('profile', 'register.done'));
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
    go('login', 'close.done');
  });
  onClick($('logout'), async () => {
    await api.logout();
    setSession(null);
    go('login', 'logout.done');
  });
  onClick($('logout-all'), async () => {
    await api.logoutEverywhere();
    setSession(null);
    go('login', 'logout.allDone');
  });
  onClick($('export'), download);
  // the login and register links keep ?parcel=
  for (const a of document.querySelectorAll('a.keep-query')) a.href = `${location.search}${a.getAttribute('href')}`;
}

async function start() {
  applyStatic(document);
  wireSwitch($('lang'));
  wireAccountLink($('account'), () => backTo);
  prepareFields();
  const [config] = await Promise.all([loadConfig(), loadSession()]);
  state.config = config;
  wire();
  onLanguage(() => {
    setTitle();
    drawMessage();
    drawConsent();
    drawProfile();
    redrawErrors();
  });
  drawConsent();
  window.addEventListener('hashchange', () => show());
  await show();
  document.body.dataset.ready = 'true';
}

start();
