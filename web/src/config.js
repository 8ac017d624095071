// config — the page's settings.
//
// The server says what its operator configured (GET api/v1/portal: the
// province, the land office's contact, the base map, the privacy policy's
// version that a registration consents to); config.json beside
// index.html may add page-only settings (the first view). What neither gives
// keeps the defaults below (Lạng Sơn's).
const defaults = {
  province: 'Lạng Sơn',
  // The first view, until the communes layer tells the province's extent.
  center: [106.62, 21.85],
  zoom: 9,
  basemap: {
    url: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
    attribution: '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    maxZoom: 19,
  },
  office: {
    name_vi: 'Văn phòng Đăng ký đất đai tỉnh Lạng Sơn',
    name_en: 'Land Registration Office of Lạng Sơn Province',
    address_vi: 'Tỉnh Lạng Sơn',
    address_en: 'Lạng Sơn Province, Viet Nam',
    phone: '',
    email: '',
  },
};

function merge(base, over) {
  const out = { ...base };
  for (const [k, v] of Object.entries(over || {})) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && base[k] && typeof base[k] === 'object'
      ? merge(base[k], v) : v;
  }
  return out;
}

async function fetchJson(url) {
  try {
    const r = await fetch(url, { cache: 'no-cache' });
    if (r.ok) return await r.json();
  } catch {
    // unreachable or not JSON: the defaults serve
  }
  return null;
}

// The server's settings in the page's shape.
function fromPortal(p) {
  if (!p) return {};
  const out = { office: p.office || {} };
  if (p.province && p.province.name) out.province = p.province.name;
  if (p.basemap) out.basemap = { url: p.basemap.url, attribution: p.basemap.attribution };
  if (p.privacy && p.privacy.version) out.privacy = { version: p.privacy.version, date: p.privacy.date };
  if (p.accounts) out.verifyPhone = !!p.accounts.verify_phone; // registration asks for a code sent to the phone
  return out;
}

export async function loadConfig() {
  const [file, portal] = await Promise.all([fetchJson('config.json'), fetchJson('api/v1/portal')]);
  return merge(merge(defaults, file), fromPortal(portal));
}
