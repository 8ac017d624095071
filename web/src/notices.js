// notices — the land office's public notices (service updates it marked
// public) at the top of the map page's panel, for visitors and users alike
// (GET /api/v1/notices): the newest few, each opened on demand. A server
// without notices, or one that cannot say, leaves the section out.
import { api } from './api.js';
import { el, $ } from './dom.js';
import { t, onLanguage, dateTime } from './i18n.js';

const SHOWN = 3;
let notices = [];

function draw() {
  const box = $('notices');
  box.hidden = notices.length === 0;
  $('notices-list').replaceChildren(...notices.map((n) => el('li', { 'data-notice-id': n.id },
    el('details', {},
      el('summary', {}, el('strong', { text: n.title }), ' ',
        el('span', { class: 'muted small', text: `(${dateTime(n.created_at)})` })),
      el('p', { class: 'note-body', text: n.body })))));
  $('notices-h').textContent = t('notices.title');
}

export async function showNotices() {
  try {
    notices = (await api.notices({ limit: SHOWN })).notices || [];
  } catch {
    notices = []; // the map works without them
  }
  draw();
  onLanguage(draw);
}
