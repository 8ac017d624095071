// config — the page's settings, read from config.json beside index.html.
//
// A deployment edits web/dist/config.json (or web/config.json before the
// build) to point at another base map or to name its own land office; what
// the file leaves out keeps the defaults below (Lạng Sơn's). The server has
// no settings endpoint for these yet.
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

export async function loadConfig() {
  try {
    const r = await fetch('config.json', { cache: 'no-cache' });
    if (r.ok) return merge(defaults, await r.json());
  } catch {
    // no config.json: the defaults serve
  }
  return defaults;
}
