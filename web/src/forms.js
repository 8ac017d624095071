// forms — what the account page and the office page do with their forms and
// their message line, shared so both behave alike.
//
// The page has one message line (#message, polite; an alert when it is an
// error) that says what the last action did. Forms are plain HTML: each
// field in a `.field` with its label (required ones marked *), an optional
// `.hint`, and an error line of its own made here, which the input is
// described by. Required fields are checked before anything is sent; the
// API's field errors (`invalid_params: [{name, code, reason}]`) are shown
// next to their fields in the page's language (`fielderr.<name>.<code>`,
// then `fielderr.<code>`, then the server's reason).
import { t } from './i18n.js';
import { ApiError } from './api.js';
import { el, $ } from './dom.js';
import { loadSession, setSession } from './session.js';

const state = {
  message: null, // { key, vars, error }
  // what to do when the server says the session has ended (401)
  loggedOut: () => {},
};

// Set the page's handler of an ended session.
export function onLoggedOut(fn) {
  state.loggedOut = fn;
}

// ------------------------------------------------------------ messages

export function say(key, vars, { error = false } = {}) {
  state.message = key ? { key, vars, error } : null;
  drawMessage();
}

export function message() {
  return state.message;
}

export function drawMessage() {
  const box = $('message');
  const m = state.message;
  box.classList.toggle('error', !!m?.error);
  box.setAttribute('role', m?.error ? 'alert' : 'status');
  box.textContent = m ? t(m.key, m.vars) : '';
}

// ------------------------------------------------------------ fields

const FIELDS = '.field input, .field select, .field textarea';

// Each field of root gets an error line of its own, described by its input
// along with its hint. Fields already prepared are left alone, so this may
// run again on a part of the page drawn later.
export function prepareFields(root = document) {
  for (const input of root.querySelectorAll(FIELDS)) {
    if (!input.id || $(`${input.id}-err`)) continue;
    const field = input.closest('.field');
    const ids = [];
    const hint = field.querySelector('.hint');
    if (hint) {
      hint.id = hint.id || `${input.id}-hint`;
      ids.push(hint.id);
    }
    const err = el('p', { id: `${input.id}-err`, class: 'field-error', hidden: true });
    field.append(err);
    ids.push(err.id);
    input.setAttribute('aria-describedby', ids.join(' '));
  }
  for (const box of root.querySelectorAll('.show-password')) {
    if (box.dataset.wired) continue;
    box.dataset.wired = 'true';
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

export function clearErrors(form) {
  for (const input of form.querySelectorAll('input, select, textarea')) {
    input.removeAttribute('aria-invalid');
    const err = input.id && $(`${input.id}-err`);
    if (err) {
      err.hidden = true;
      err.textContent = '';
      delete err.dataset.code;
    }
  }
}

// The form's field called name (a single control).
function control(form, name) {
  const c = form.elements[name];
  return c && !(c instanceof RadioNodeList) ? c : null;
}

// errors: [{name, code, reason}]. Returns false when one names no field of
// the form (it is then said at the top).
export function showErrors(form, errors) {
  let all = true;
  for (const e of errors) {
    const input = control(form, e.name);
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
  const first = errors.map((e) => control(form, e.name)).find(Boolean);
  if (first) first.focus();
  return all;
}

// Field errors in the current language (after a switch).
export function redrawErrors() {
  for (const err of document.querySelectorAll('.field-error[data-code]')) {
    const input = $(err.id.replace(/-err$/, ''));
    if (input) err.textContent = fieldText(input.name, err.dataset.code, err.dataset.reason);
  }
}

// The form's values: text trimmed, passwords as typed, checkboxes as
// booleans; disabled fields (a part of the form that does not apply) left out.
export function values(form) {
  const out = {};
  for (const input of form.querySelectorAll('input[name], select[name], textarea[name]')) {
    if (input.matches(':disabled')) continue; // itself or its fieldset
    if (input.type === 'checkbox') out[input.name] = input.checked;
    else if (input.type === 'radio') {
      if (input.checked) out[input.name] = input.value;
    } else out[input.name] = (input.autocomplete || '').endsWith('password') ? input.value : input.value.trim();
  }
  return out;
}

function missing(form) {
  const v = values(form);
  return [...form.querySelectorAll('input[required], select[required], textarea[required]')]
    .filter((i) => !i.matches(':disabled') && !v[i.name])
    .map((i) => ({ name: i.name, code: 'required' }));
}

// ------------------------------------------------------------ errors

// The text of an error's kind (`err.<kind>`), when the page knows it.
export function errorKey(err) {
  const key = `err.${err.kind}`;
  return t(key) !== key ? key : null;
}

// What a failed request says, at the top or beside the fields of form.
export function failed(form, err) {
  if (!(err instanceof ApiError)) {
    console.error(err);
    say('err.unknown', { status: '—' }, { error: true });
    return;
  }
  const secret = form && (form.elements.current || (form.id !== 'login-form' && form.elements.password));
  switch (err.kind) {
    case 'invalid-body':
    case 'invalid-parameter':
      if (form && err.params.length && showErrors(form, err.params)) say('form.fix', null, { error: true });
      else say('form.invalid', { detail: err.params.map((p) => p.reason).join('; ') || err.detail }, { error: true });
      return;
    case 'phone-taken':
      if (form) showErrors(form, [{ name: 'phone', code: 'taken' }]);
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
    case 'watch-limit':
      say('err.watch-limit', { max: err.problem.max ?? '…' }, { error: true });
      return;
    default:
      if (err.status === 401) {
        setSession(null);
        state.loggedOut();
        return;
      }
      say(errorKey(err) || 'err.unknown', { status: err.status }, { error: true });
  }
}

// fn with the page's error handling (a view's loader): what fails is said
// at the top; a thing that is not there is said as such.
export function guarded(fn) {
  return async (...args) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'not-found') say('err.notFoundHere', null, { error: true });
      else failed(null, err);
    }
  };
}

// ------------------------------------------------------------ actions

// A button held down while its action runs: aria-disabled, not disabled,
// which would drop the keyboard's focus.
function hold(button, on) {
  if (!button) return;
  if (on) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
}

// Wire a form: required fields checked here, then send(values, form) with
// the button held down (a second submit meanwhile is ignored); errors are
// shown by failed().
export function onSubmit(form, send) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    clearErrors(form);
    say(null);
    const empty = missing(form);
    if (empty.length) {
      showErrors(form, empty);
      say('form.fix', null, { error: true });
      return;
    }
    const button = form.querySelector('button[type=submit]');
    hold(button, true);
    form.setAttribute('aria-busy', 'true');
    try {
      await send(values(form), form);
    } catch (err) {
      failed(form, err);
    } finally {
      hold(button, false);
      form.removeAttribute('aria-busy');
    }
  });
}

// A button's action with the same error handling (at the top, or beside
// the fields of the button's form when it has one).
export function onClick(button, action) {
  button.addEventListener('click', async () => {
    if (button.getAttribute('aria-disabled') === 'true') return;
    say(null);
    hold(button, true);
    try {
      await action();
    } catch (err) {
      failed(button.form || button.closest('section')?.querySelector('form') || null, err);
    } finally {
      hold(button, false);
    }
  });
}

// Hand a downloaded file to the browser.
export function saveFile(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
