/* parcels — the handlers of the public (basic-view) API.
 *
 * Each parameter list sits beside the handler that reads it; the router has
 * already checked kinds and limits, so handlers read args->v[...] as typed
 * values and check only what depends on each other or on settings. Parcel
 * answers are written straight into the loop's buffer (map clicks are the
 * hot path); the other documents go through jansson. Only the fields of the
 * basic view (DESIGN §1) are ever written: nothing here reads the registry. */
#include "api/portal.h"
#include "api/routes.h"

#include "api/record.h"
#include "core/clock.h"

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/problem.h"
#include "http/respond.h"
#include "land/clickindex.h"
#include "land/landuse.h"
#include "text/ident.h"
#include "text/text.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ID_MAX 9e18         /* ids are positive int64 */
#define KEY_FETCH_MAX 1000  /* identifier matches read before paging them */
#define NEIGHBOUR_MAX 2000  /* candidates read around a parcel */
#define DEG_DECIMALS 7      /* 1e-7 degree ≈ 1 cm */

/* ------------------------------------------------------------ parameters */

const struct http_param api_p_none[] = {{NULL}};

const struct http_param api_p_communes[] = {
    {"geometry", HTTP_PARAM_BOOL, HTTP_IN_QUERY, false, 0, 0, 0, 0,
     "Add each unit's boundary as GeoJSON in WGS 84"},
    {NULL},
};

enum { AT_LON, AT_LAT, AT_E, AT_N, AT_CRS, AT_GEOMETRY };
const struct http_param api_p_at[] = {
    {"lon", HTTP_PARAM_NUMBER, HTTP_IN_QUERY, false, -180, 180, 0, 0, "Longitude, WGS 84 degrees"},
    {"lat", HTTP_PARAM_NUMBER, HTTP_IN_QUERY, false, -90, 90, 0, 0, "Latitude, WGS 84 degrees"},
    {"e", HTTP_PARAM_NUMBER, HTTP_IN_QUERY, false, -1e8, 1e8, 0, 0,
     "Easting in the province CRS, metres (with n)"},
    {"n", HTTP_PARAM_NUMBER, HTTP_IN_QUERY, false, -1e8, 1e8, 0, 0,
     "Northing in the province CRS, metres (with e)"},
    {"crs", HTTP_PARAM_STRING, HTTP_IN_QUERY, false, 0, 0, 1, 32,
     "CRS of e/n; only the province CRS (e.g. EPSG:9215) is accepted"},
    {"geometry", HTTP_PARAM_BOOL, HTTP_IN_QUERY, false, 0, 0, 0, 0,
     "Add the parcel's geometry as GeoJSON in WGS 84"},
    {NULL},
};

enum { KEY_COMMUNE, KEY_SHEET, KEY_NUMBER, KEY_LIMIT, KEY_GEOMETRY };
const struct http_param api_p_by_key[] = {
    {"commune", HTTP_PARAM_CODE, HTTP_IN_QUERY, true, 0, 0, 1, 15,
     "Code of the commune of survey or of the current unit"},
    {"sheet", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 24, "Map sheet number"},
    {"number", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 24, "Parcel number on the sheet"},
    {"limit", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, 1000000, 0, 0,
     "Most parcels returned (at most the max_page setting)"},
    {"geometry", HTTP_PARAM_BOOL, HTTP_IN_QUERY, false, 0, 0, 0, 0,
     "Add each parcel's geometry as GeoJSON in WGS 84"},
    {NULL},
};

enum { S_Q, S_COMMUNE, S_AFTER, S_LIMIT, S_GEOMETRY };
const struct http_param api_p_search[] = {
    {"q", HTTP_PARAM_STRING, HTTP_IN_QUERY, true, 0, 0, 1, 200,
     "What to look for: \"12/345\" or \"tờ 12 thửa 345\" (sheet/number), a national parcel "
     "id, coordinates, or words of an address or place name (diacritics optional)"},
    {"commune", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 15,
     "Narrow sheet/number searches to a commune of survey or current unit"},
    {"after", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 0, ID_MAX, 0, 0,
     "Cursor: the `next` value of the previous page"},
    {"limit", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, 1000000, 0, 0,
     "Page size (at most the max_page setting)"},
    {"geometry", HTTP_PARAM_BOOL, HTTP_IN_QUERY, false, 0, 0, 0, 0,
     "Add each parcel's geometry as GeoJSON in WGS 84"},
    {NULL},
};

enum { ID_ID, ID_GEOMETRY, ID_VIEW }; /* api_p_id_geometry, api_p_view (account.c) */
const struct http_param api_p_id[] = {
    {"id", HTTP_PARAM_INT, HTTP_IN_PATH, true, 1, ID_MAX, 0, 0, "Stable parcel id"},
    {NULL},
};
const struct http_param api_p_id_geometry[] = {
    {"id", HTTP_PARAM_INT, HTTP_IN_PATH, true, 1, ID_MAX, 0, 0, "Stable parcel id"},
    {"geometry", HTTP_PARAM_BOOL, HTTP_IN_QUERY, false, 0, 0, 0, 0,
     "Add the parcel's geometry as GeoJSON in WGS 84"},
    {NULL},
};

/* --------------------------------------------------------- writing JSON */

/* A string literal appended without strlen (the hot path writes many). */
#define PUT(b, lit) buf_append((b), "" lit, sizeof(lit) - 1) /* literals only */

static void name_ref(struct buf *b, const char *code, const struct api_name *n)
{
    if (n && n->ref_json) { /* made when the names were loaded */
        buf_append(b, n->ref_json, n->ref_json_len);
        return;
    }
    buf_puts(b, "{\"code\":");
    http_json_str(b, code);
    buf_puts(b, ",\"name\":");
    http_json_str(b, n ? n->name : NULL);
    buf_putc(b, '}');
}

/* The land-use table's entries as answers write them, made once (the table
 * is static): a map click then copies bytes instead of escaping names. */
struct use_json {
    const char *code;
    size_t code_len;
    char *json;
    size_t len;
};
static struct use_json *use_json;
static size_t nuse_json;
static pthread_once_t use_json_once = PTHREAD_ONCE_INIT;

static void use_entry(struct buf *b, const char *code, const struct landuse *u)
{
    buf_puts(b, "{\"code\":");
    http_json_str(b, code);
    buf_puts(b, ",\"name_vi\":");
    http_json_str(b, u ? u->name_vi : NULL);
    buf_puts(b, ",\"name_en\":");
    http_json_str(b, u ? u->name_en : NULL);
    buf_putc(b, '}');
}

static void use_json_make(void)
{
    const struct landuse *all = landuse_all(&nuse_json);
    use_json = xcalloc(nuse_json, sizeof *use_json);
    for (size_t i = 0; i < nuse_json; i++) {
        struct buf j = BUF_INIT;
        use_entry(&j, all[i].code, &all[i]);
        use_json[i].code = all[i].code;
        use_json[i].code_len = strlen(all[i].code);
        use_json[i].len = j.len;
        use_json[i].json = buf_detach(&j);
    }
}

static const struct use_json *use_json_find(const char *code, size_t n)
{
    for (size_t i = 0; i < nuse_json; i++)
        if (use_json[i].code_len == n && memcmp(use_json[i].code, code, n) == 0)
            return &use_json[i];
    return NULL;
}

/* "ODT+CLN" → [{"code":"ODT",...},{"code":"CLN",...}] */
static void land_uses(struct buf *b, const char *s)
{
    pthread_once(&use_json_once, use_json_make);
    buf_putc(b, '[');
    bool first = true;
    while (s && *s) {
        const char *plus = strchr(s, '+');
        size_t n = plus ? (size_t)(plus - s) : strlen(s);
        char code[STORE_CODE_MAX];
        if (n > 0 && n < sizeof code) {
            if (!first)
                buf_putc(b, ',');
            first = false;
            const struct use_json *j = use_json_find(s, n);
            if (j) {
                buf_append(b, j->json, j->len);
            } else {
                memcpy(code, s, n);
                code[n] = '\0';
                use_entry(b, code, NULL);
            }
        }
        s = plus ? plus + 1 : s + n;
    }
    buf_putc(b, ']');
}

/* Native WKB → GeoJSON in WGS 84; null when it cannot be transformed. */
static void geometry_json(struct api_thread *t, const uint8_t *wkb, size_t len, struct buf *b)
{
    buf_reset(&t->wkb2);
    if (!wkb || geo_wkb_transform(t->geo, GEO_NATIVE, GEO_WGS84, wkb, len, &t->wkb2) != 0 ||
        geo_wkb_geojson((const uint8_t *)t->wkb2.data, t->wkb2.len, DEG_DECIMALS, b) != 0) {
        buf_puts(b, "null");
    }
}

/* One parcel's basic-view fields, saying `view`. Leaves the object open when
 * `open` (callers add fields). */
static void parcel_json_as(struct api_thread *t, const struct store_parcel *p, bool geometry,
                           bool open, const char *view, struct buf *b)
{
    const struct api_ref *a = &t->ref;
    PUT(b, "{\"view\":");
    http_json_str(b, view);
    PUT(b, ",\"id\":");
    http_json_int(b, p->id);
    PUT(b, ",\"national_id\":");
    http_json_str(b, p->national_id[0] ? p->national_id : NULL);
    PUT(b, ",\"commune_of_survey\":");
    name_ref(b, p->survey_commune, api_survey(a, p->survey_commune));
    PUT(b, ",\"commune\":");
    name_ref(b, p->commune, api_unit(a, p->commune));
    PUT(b, ",\"sheet\":");
    http_json_str(b, p->sheet);
    PUT(b, ",\"number\":");
    http_json_str(b, p->number);
    PUT(b, ",\"area\":");
    if (isfinite(p->area) && p->area > 0)
        http_json_fixed(b, p->area, 1);
    else
        PUT(b, "null"); /* no legal area recorded */
    PUT(b, ",\"area_map\":");
    http_json_fixed(b, p->area_map, 1);
    PUT(b, ",\"land_use\":");
    land_uses(b, p->land_use);
    PUT(b, ",\"address\":");
    http_json_str(b, p->address);
    PUT(b, ",\"version\":");
    http_json_int(b, p->version);
    PUT(b, ",\"valid_from\":");
    http_json_str(b, p->valid_from);
    if (geometry) {
        PUT(b, ",\"geometry\":");
        geometry_json(t, p->wkb, p->wkb_len, b);
    }
    if (!open)
        buf_putc(b, '}');
}

/* One parcel, basic view. */
static void parcel_json(struct api_thread *t, const struct store_parcel *p, bool geometry,
                        bool open, struct buf *b)
{
    parcel_json_as(t, p, geometry, open, "basic", b);
}

/* Collects parcels into a JSON array body. */
struct collect {
    struct api_thread *t;
    struct buf *b;
    bool geometry;
    int limit;      /* stop after this many */
    int n;
    bool more;      /* a row beyond limit exists */
    int64_t last_id;
};

static int on_parcel(void *ctx, const struct store_parcel *p)
{
    struct collect *c = ctx;
    if (c->n >= c->limit) {
        c->more = true;
        return 1;
    }
    if (c->n)
        buf_putc(c->b, ',');
    parcel_json(c->t, p, c->geometry, false, c->b);
    c->n++;
    c->last_id = p->id;
    return 0;
}

static unsigned want(bool geometry)
{
    return geometry ? STORE_WANT_GEOM : 0;
}

static void send_out(struct api_thread *t, h2o_req_t *req)
{
    http_send_body(req, NULL, t->out.data, t->out.len, t->api->cache_control);
}

static void store_failed(struct api_thread *t, h2o_req_t *req, int rc)
{
    log_error("store: %s", store_errmsg(t->store));
    http_problem_err(req, rc, NULL);
}

static int page_limit(struct api_thread *t, h2o_req_t *req, const struct http_value *v, int def)
{
    if (!v->set)
        return (int)(def < t->api->max_page ? def : t->api->max_page);
    if (v->i > t->api->max_page) {
        http_problem(req, 400, "invalid-parameter", "parameter 'limit' must be from 1 to %ld",
                     t->api->max_page);
        return -1;
    }
    return (int)v->i;
}

/* ------------------------------------------------------------ documents */

static json_t *commune_json(const struct api_name *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(u->code));
    json_object_set_new(o, "name", json_string(u->name));
    json_object_set_new(o, "kind", json_string(u->kind));
    return o;
}

struct survey_ctx {
    json_t *by_unit; /* unit code → array of survey communes */
};

static int on_survey(void *ctx, const struct store_survey_commune *sc)
{
    struct survey_ctx *c = ctx;
    json_t *arr = json_object_get(c->by_unit, sc->commune);
    if (!arr) {
        arr = json_array();
        json_object_set_new(c->by_unit, sc->commune, arr);
    }
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(sc->code));
    json_object_set_new(o, "name", json_string(sc->name));
    json_array_append_new(arr, o);
    return 0;
}

struct geom_ctx {
    struct api_thread *t;
    json_t *by_code;
};

static int on_commune_geom(void *ctx, const struct store_commune *c)
{
    struct geom_ctx *g = ctx;
    struct buf gj = BUF_INIT;
    geometry_json(g->t, c->wkb, c->wkb_len, &gj);
    json_t *v = json_loadb(gj.data, gj.len, 0, NULL);
    json_object_set_new(g->by_code, c->code, v ? v : json_null());
    buf_free(&gj);
    return 0;
}

char *api_communes_body(struct api_thread *t, bool with_geom)
{
    const struct api_ref *a = &t->ref;
    struct survey_ctx sc = {json_object()};
    struct geom_ctx gc = {t, json_object()};
    char *body = NULL;
    if (store_survey_communes(t->store, on_survey, &sc) < 0)
        goto out;
    if (with_geom && store_communes(t->store, true, on_commune_geom, &gc) < 0)
        goto out;
    json_t *arr = json_array();
    for (size_t i = 0; i < a->nunits; i++) {
        json_t *o = commune_json(&a->units[i]);
        json_t *s = json_object_get(sc.by_unit, a->units[i].code);
        json_object_set_new(o, "survey_communes", s ? json_incref(s) : json_array());
        if (with_geom) {
            json_t *g = json_object_get(gc.by_code, a->units[i].code);
            json_object_set_new(o, "geometry", g ? json_incref(g) : json_null());
        }
        json_array_append_new(arr, o);
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "communes", arr);
    body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(doc);
out:
    json_decref(sc.by_unit);
    json_decref(gc.by_code);
    return body;
}

void api_h_communes(void *td, h2o_req_t *req, const struct http_route *r,
                    const struct http_args *args)
{
    struct api_thread *t = td;
    (void)r;
    api_ref_fresh(t);
    const char *body = t->ref.communes_body;
    if (args->v[0].set && args->v[0].b) {
        if (!t->ref.communes_geo_body)
            t->ref.communes_geo_body = api_communes_body(t, true);
        body = t->ref.communes_geo_body;
    }
    if (!body) {
        http_problem_err(req, LIS_EIO, "communes could not be read");
        return;
    }
    http_send_body(req, NULL, body, strlen(body), t->api->cache_control);
}

void api_h_land_use(void *td, h2o_req_t *req, const struct http_route *r,
                    const struct http_args *args)
{
    struct api_thread *t = td;
    (void)r;
    (void)args;
    api_ref_fresh(t);
    const char *body = t->ref.land_use_body;
    http_send_body(req, NULL, body, strlen(body), t->api->cache_control);
}

void api_h_openapi(void *td, h2o_req_t *req, const struct http_route *r,
                   const struct http_args *args)
{
    struct api_thread *t = td;
    (void)r;
    (void)args;
    const char *body = t->api->openapi_body;
    http_send_body(req, NULL, body, strlen(body), t->api->cache_control);
}

void api_h_portal(void *td, h2o_req_t *req, const struct http_route *r,
                  const struct http_args *args)
{
    struct api_thread *t = td;
    (void)r;
    (void)args;
    const char *body = t->api->portal_body ? t->api->portal_body : "{}";
    http_send_body(req, NULL, body, strlen(body), t->api->cache_control);
}

/* --------------------------------------------------------- map clicks */

static bool in_box(const struct geo_box *b, double x, double y)
{
    return x >= b->minx && x <= b->maxx && y >= b->miny && y <= b->maxy;
}

/* This loop's click index if it describes the store as the loop last saw it
 * (t->ref), else NULL: the store answers until the index for that change is
 * ready (a build is then under way). */
static const struct clickindex *click_index(struct api_thread *t)
{
    if (!t->api->clicks)
        return NULL;
    if (t->click && clickindex_seq(t->click) == t->ref.info.change_seq)
        return t->click;
    clickindex_release(t->click);
    t->click = clickindex_shared_get(t->api->clicks, t->ref.info.change_seq);
    return t->click;
}

/* Parcels containing Web-Mercator (mx, my), through the click index when it
 * is ready: its slots, each parcel's record from the index (or, with
 * geometry, by primary key from the store). */
static int parcels_at_point(struct api_thread *t, double mx, double my, unsigned w,
                            struct collect *c)
{
    const struct clickindex *ix = click_index(t);
    if (!ix)
        return store_parcels_at(t->store, mx, my, w, on_parcel, c);
    uint32_t slots[17]; /* one beyond the collector's limit, as the store would give */
    int n = clickindex_at_slots(ix, mx, my, slots, (int)(sizeof slots / sizeof slots[0]));
    for (int i = 0; i < n; i++) {
        struct store_parcel p;
        int rc;
        if (!(w & STORE_WANT_GEOM) && clickindex_parcel(ix, slots[i], &p) == 0)
            rc = on_parcel(c, &p);
        else if ((rc = store_parcel_get(t->store, clickindex_id(ix, slots[i]), w, on_parcel, c)) ==
                 LIS_ENOTFOUND)
            continue; /* retired since the index was built */
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Parcels at a point given in `crs` (WGS 84 or native). Writes
 * {"parcels":[...]} into t->out and sends it, or a 404 problem. */
static void parcels_at(struct api_thread *t, h2o_req_t *req, enum geo_crs crs, double x, double y,
                       bool geometry, bool search)
{
    const struct api_ref *a = &t->ref;
    struct geo_box native = {a->info.bbox[0], a->info.bbox[1], a->info.bbox[2], a->info.bbox[3]};
    double mx = x, my = y;
    const char *province = a->info.province_name[0] ? a->info.province_name : "the province";

    if ((crs == GEO_WGS84 && !in_box(&a->lonlat_box, x, y)) ||
        (crs == GEO_NATIVE && !in_box(&native, x, y))) {
        http_problem(req, 404, "outside-province", "the point is outside %s", province);
        return;
    }
    if (geo_point(t->geo, crs, GEO_MERCATOR, &mx, &my) != 0) {
        http_problem(req, 404, "outside-province", "the point is outside %s", province);
        return;
    }
    buf_reset(&t->out);
    buf_puts(&t->out, search ? "{\"match\":\"coordinates\",\"parcels\":[" : "{\"parcels\":[");
    struct collect c = {t, &t->out, geometry, 16, 0, false, 0};
    int rc = parcels_at_point(t, mx, my, want(geometry), &c);
    if (rc < 0) {
        store_failed(t, req, rc);
        return;
    }
    if (c.n == 0) {
        double nx = x, ny = y;
        char code[STORE_CODE_MAX];
        if (crs != GEO_NATIVE && geo_point(t->geo, crs, GEO_NATIVE, &nx, &ny) != 0)
            rc = LIS_ENOTFOUND;
        else
            rc = store_commune_at(t->store, nx, ny, code);
        if (rc == LIS_ENOTFOUND)
            http_problem(req, 404, "outside-province",
                         "the point is outside every commune of %s", province);
        else if (rc < 0)
            store_failed(t, req, rc);
        else
            http_problem(req, 404, "no-parcel", "no parcel is recorded at this point");
        return;
    }
    buf_puts(&t->out, search ? "],\"next\":null}" : "]}");
    send_out(t, req);
}

void api_h_at(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *args)
{
    struct api_thread *t = td;
    api_ref_fresh(t);
    const struct http_value *v = args->v;
    bool lonlat = v[AT_LON].set || v[AT_LAT].set, native = v[AT_E].set || v[AT_N].set;
    (void)r;
    if (lonlat && native) {
        http_problem(req, 400, "invalid-parameter", "give either lon and lat, or e and n, not both");
        return;
    }
    if (!lonlat && !native) {
        http_problem(req, 400, "missing-parameter", "give lon and lat (WGS 84), or e and n");
        return;
    }
    if (lonlat && !(v[AT_LON].set && v[AT_LAT].set)) {
        http_problem(req, 400, "missing-parameter", "lon and lat go together");
        return;
    }
    if (native && !(v[AT_E].set && v[AT_N].set)) {
        http_problem(req, 400, "missing-parameter", "e and n go together");
        return;
    }
    if (v[AT_CRS].set && (!native || strcasecmp(v[AT_CRS].s, t->api->info.crs) != 0)) {
        if (!native)
            http_problem(req, 400, "invalid-parameter", "crs goes with e and n");
        else
            http_problem(req, 400, "invalid-parameter", "crs must be %s, the CRS of this store",
                         t->api->info.crs);
        return;
    }
    bool geometry = v[AT_GEOMETRY].set && v[AT_GEOMETRY].b;
    if (lonlat)
        parcels_at(t, req, GEO_WGS84, v[AT_LON].d, v[AT_LAT].d, geometry, false);
    else
        parcels_at(t, req, GEO_NATIVE, v[AT_E].d, v[AT_N].d, geometry, false);
}

/* ------------------------------------------------------ by identifier */

void api_h_by_key(void *td, h2o_req_t *req, const struct http_route *r,
                  const struct http_args *args)
{
    struct api_thread *t = td;
    api_ref_fresh(t);
    const struct http_value *v = args->v;
    (void)r;
    int limit = page_limit(t, req, &v[KEY_LIMIT], (int)t->api->max_page);
    if (limit < 0)
        return;
    bool geometry = v[KEY_GEOMETRY].set && v[KEY_GEOMETRY].b;
    buf_reset(&t->out);
    buf_puts(&t->out, "{\"parcels\":[");
    struct collect c = {t, &t->out, geometry, limit, 0, false, 0};
    int rc = store_parcels_by_key(t->store, v[KEY_COMMUNE].s,
                                  v[KEY_SHEET].set ? v[KEY_SHEET].s : NULL,
                                  v[KEY_NUMBER].set ? v[KEY_NUMBER].s : NULL, want(geometry),
                                  limit + 1, on_parcel, &c);
    if (rc < 0) {
        store_failed(t, req, rc);
        return;
    }
    buf_appendf(&t->out, "],\"more\":%s}", c.more ? "true" : "false");
    send_out(t, req);
}

/* ------------------------------------------------------------- search */

/* Identifier matches come ordered by key; they are paged by id like the
 * text matches, so each is written to its own span and sorted. */
struct keyed {
    int64_t id;
    size_t off, len;
};
struct key_collect {
    struct api_thread *t;
    struct buf spans;
    struct keyed *rows;
    size_t n, cap;
    int64_t after;
    bool geometry;
};

static int on_keyed(void *ctx, const struct store_parcel *p)
{
    struct key_collect *k = ctx;
    if (p->id <= k->after)
        return 0;
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 16;
        k->rows = xrealloc(k->rows, k->cap * sizeof *k->rows);
    }
    size_t off = k->spans.len;
    parcel_json(k->t, p, k->geometry, false, &k->spans);
    k->rows[k->n++] = (struct keyed){p->id, off, k->spans.len - off};
    return 0;
}

static int by_id(const void *x, const void *y)
{
    const struct keyed *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

static void search_reply(struct api_thread *t, h2o_req_t *req, bool more, int64_t last)
{
    if (more)
        buf_appendf(&t->out, "],\"next\":%" PRId64 "}", last);
    else
        buf_puts(&t->out, "],\"next\":null}");
    send_out(t, req);
}

void api_h_search(void *td, h2o_req_t *req, const struct http_route *r,
                  const struct http_args *args)
{
    struct api_thread *t = td;
    api_ref_fresh(t);
    const struct http_value *v = args->v;
    struct buf folded = BUF_INIT;
    struct key_collect k = {t, BUF_INIT, NULL, 0, 0, 0, false};
    struct ident_sheet_number sn;
    char nid[13];
    double x, y;
    size_t qlen;
    int rc;
    (void)r;

    int limit = page_limit(t, req, &v[S_LIMIT], 20);
    if (limit < 0)
        return;
    bool geometry = v[S_GEOMETRY].set && v[S_GEOMETRY].b;
    int64_t after = v[S_AFTER].set ? v[S_AFTER].i : 0;
    const char *q = text_trim(v[S_Q].s, v[S_Q].len, &qlen);
    if (qlen == 0) {
        http_problem(req, 400, "invalid-parameter", "parameter 'q' holds nothing to search for");
        return;
    }
    buf_reset(&t->out);

    if (ident_parse_national_id(q, qlen, nid)) {
        buf_puts(&t->out, "{\"match\":\"national_id\",\"parcels\":[");
        struct collect c = {t, &t->out, geometry, after > 0 ? 0 : 1, 0, false, 0};
        rc = store_parcel_by_national_id(t->store, nid, want(geometry), on_parcel, &c);
        if (rc < 0 && rc != LIS_ENOTFOUND) {
            store_failed(t, req, rc);
            goto out;
        }
        if (c.n > 0 || after > 0) {
            search_reply(t, req, false, 0);
            goto out;
        }
        buf_reset(&t->out); /* no such id: maybe a word after all */
    }
    if (ident_parse_sheet_number(q, qlen, &sn)) {
        k.after = after;
        k.geometry = geometry;
        if (v[S_COMMUNE].set) {
            rc = store_parcels_by_key(t->store, v[S_COMMUNE].s, sn.sheet, sn.number,
                                      want(geometry), KEY_FETCH_MAX, on_keyed, &k);
        } else {
            /* The store looks keys up within a commune: ask each current unit
             * (every parcel has one), an indexed lookup apiece. */
            const struct api_ref *a = &t->ref;
            rc = 0;
            for (size_t i = 0; i < a->nunits && rc >= 0 && k.n < KEY_FETCH_MAX; i++)
                rc = store_parcels_by_key(t->store, a->units[i].code, sn.sheet, sn.number,
                                          want(geometry), KEY_FETCH_MAX, on_keyed, &k);
        }
        if (rc < 0 && rc != LIS_ENOTFOUND) {
            store_failed(t, req, rc);
            goto out;
        }
        qsort(k.rows, k.n, sizeof *k.rows, by_id);
        buf_puts(&t->out, "{\"match\":\"sheet_number\",\"parcels\":[");
        size_t n = k.n < (size_t)limit ? k.n : (size_t)limit;
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_putc(&t->out, ',');
            buf_append(&t->out, k.spans.data + k.rows[i].off, k.rows[i].len);
        }
        search_reply(t, req, k.n > n, n ? k.rows[n - 1].id : 0);
        goto out;
    }
    enum ident_coord_kind ck = ident_parse_coordinates(q, qlen, &x, &y);
    if (ck == IDENT_COORD_LONLAT || ck == IDENT_COORD_NATIVE) {
        if (ck == IDENT_COORD_LONLAT && (x < -180 || x > 180 || y < -90 || y > 90)) {
            http_problem(req, 400, "invalid-parameter", "longitude or latitude out of range");
            goto out;
        }
        parcels_at(t, req, ck == IDENT_COORD_LONLAT ? GEO_WGS84 : GEO_NATIVE, x, y, geometry,
                   true);
        goto out;
    }
    text_fold(q, qlen, &folded);
    if (folded.len == 0) {
        http_problem(req, 400, "invalid-parameter", "parameter 'q' holds no letters or digits");
        goto out;
    }
    buf_puts(&t->out, "{\"match\":\"text\",\"parcels\":[");
    struct collect c = {t, &t->out, geometry, limit, 0, false, 0};
    rc = store_parcels_search(t->store, buf_cstr(&folded), after, limit + 1, want(geometry),
                              on_parcel, &c);
    if (rc < 0) {
        store_failed(t, req, rc);
        goto out;
    }
    search_reply(t, req, c.more, c.last_id);
out:
    buf_free(&folded);
    buf_free(&k.spans);
    free(k.rows);
}

/* ------------------------------------------------------------- one parcel */

/* The views, fullest last; who may see which is DESIGN §1. */
enum view { VIEW_BASIC, VIEW_DETAILED, VIEW_FULL };
static const char *const view_names[] = {"basic", "detailed", "full"};

/* A detailed or full answer: the basic fields, then the record (record.c). */
struct detail {
    struct api_thread *t;
    enum view view;
    bool geometry;
    bool found;
    int rc;
};

static int on_detailed(void *ctx, const struct store_parcel *p)
{
    struct detail *d = ctx;
    struct api_thread *t = d->t;
    d->found = true;
    parcel_json_as(t, p, d->geometry, true, view_names[d->view], &t->out);
    /* holders' data from the primary: the replica's role reads public land data only */
    d->rc = api_record_json(t->portal, t->geo, t->ref.info.crs, p->id, p->wkb, p->wkb_len,
                            d->view == VIEW_FULL, &t->out);
    return 0;
}

/* A user's quota: may they see parcel id in the detailed view now? Answers
 * 429 itself when not; otherwise *quota gets the "quota" member to add. */
static bool quota_allows(struct api_thread *t, h2o_req_t *req, int64_t id, struct buf *quota)
{
    struct api_quota q;
    if (api_quota_read(t, t->who.user_id, t->who.daily_views, id, &q) < 0) {
        http_problem_err(req, LIS_EIO, NULL);
        return false;
    }
    if (q.daily >= 0 && !q.seen && q.used >= q.daily) {
        char resets[32];
        clock_iso(q.resets_at, resets);
        http_problem_ext(req, 429, "quota-exceeded",
                         "today's detailed views of your plan are used up; the basic view is "
                         "still open",
                         json_pack("{s:s, s:i, s:I}", "resets_at", resets, "daily", q.daily, "used",
                                   (json_int_t)q.used));
        return false;
    }
    if (!q.seen)
        q.used++; /* this look counts */
    json_t *o = api_quota_json(&q);
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    PUT(quota, ",\"quota\":");
    buf_puts(quota, text);
    free(text);
    return true;
}

void api_h_parcel(void *td, h2o_req_t *req, const struct http_route *r,
                  const struct http_args *args)
{
    struct api_thread *t = td;
    api_ref_fresh(t);
    bool geometry = args->v[ID_GEOMETRY].set && args->v[ID_GEOMETRY].b;
    int64_t id = args->v[ID_ID].i;
    (void)r;
    enum view most = t->who.level >= API_STAFF  ? VIEW_FULL
                     : t->who.level >= API_USER ? VIEW_DETAILED
                                                : VIEW_BASIC;
    enum view view = most;
    if (args->v[ID_VIEW].set) {
        const char *v = args->v[ID_VIEW].s;
        view = !strcmp(v, "basic") ? VIEW_BASIC : !strcmp(v, "detailed") ? VIEW_DETAILED
               : !strcmp(v, "full")                                      ? VIEW_FULL
                                                                         : (enum view)-1;
        if ((int)view < 0) {
            http_problem(req, 400, "invalid-parameter", "view: basic, detailed or full");
            return;
        }
        if (view > most) {
            if (!t->who.user_id)
                http_problem(req, 401, "login-required", "log in to see the %s view",
                             view_names[view]);
            else
                http_problem(req, 403, "forbidden", "your role does not give the %s view",
                             view_names[view]);
            return;
        }
    }
    buf_reset(&t->out);
    if (view == VIEW_BASIC) {
        struct collect c = {t, &t->out, geometry, 1, 0, false, 0};
        int rc = store_parcel_get(t->store, id, want(geometry), on_parcel, &c);
        if (rc == LIS_ENOTFOUND || (rc >= 0 && c.n == 0)) {
            http_problem(req, 404, "not-found", "no current parcel has id %" PRId64, id);
            return;
        }
        if (rc < 0) {
            store_failed(t, req, rc);
            return;
        }
        /* public data for visitors; a logged-in caller's answers are theirs alone */
        http_send_body(req, NULL, t->out.data, t->out.len,
                       t->who.user_id ? "private, no-store" : t->api->cache_control);
        return;
    }
    struct detail d = {t, view, geometry, false, 0};
    struct buf quota = BUF_INIT;
    int rc = store_parcel_get(t->store, id, STORE_WANT_GEOM, on_detailed, &d);
    if (rc == LIS_ENOTFOUND || (rc >= 0 && !d.found)) {
        http_problem(req, 404, "not-found", "no current parcel has id %" PRId64, id);
        goto out;
    }
    if (rc >= 0)
        rc = d.rc;
    if (rc < 0) {
        store_failed(t, req, rc);
        goto out;
    }
    /* quota and audit only once the parcel is known to exist */
    if (view == VIEW_DETAILED && t->who.level == API_USER && !quota_allows(t, req, id, &quota))
        goto out;
    if (api_audit(t, view == VIEW_FULL ? "parcel.full" : "parcel.detailed", 0, id, NULL) < 0) {
        http_problem_err(req, LIS_EIO, NULL); /* no record of the look, no look */
        goto out;
    }
    buf_append(&t->out, quota.data, quota.len);
    buf_putc(&t->out, '}');
    http_send_body(req, NULL, t->out.data, t->out.len, "private, no-store");
out:
    buf_free(&quota);
}

/* Copies the parcel's native geometry and map area into the loop's scratch. */
struct own_geom {
    struct buf *wkb;
    double area_map;
    bool found;
};

static int on_own_geom(void *ctx, const struct store_parcel *p)
{
    struct own_geom *g = ctx;
    buf_reset(g->wkb);
    if (p->wkb)
        buf_append(g->wkb, p->wkb, p->wkb_len);
    g->area_map = p->area_map;
    g->found = true;
    return 0;
}

/* Load parcel id's geometry into t->wkb; answers the request itself on failure. */
static bool load_geom(struct api_thread *t, h2o_req_t *req, int64_t id, struct own_geom *g,
                      struct geo_box *env)
{
    *g = (struct own_geom){&t->wkb, 0, false};
    int rc = store_parcel_get(t->store, id, STORE_WANT_GEOM, on_own_geom, g);
    if (rc == LIS_ENOTFOUND || (rc >= 0 && !g->found)) {
        http_problem(req, 404, "not-found", "no current parcel has id %" PRId64, id);
        return false;
    }
    if (rc < 0) {
        store_failed(t, req, rc);
        return false;
    }
    if (t->wkb.len == 0 || geo_wkb_envelope((const uint8_t *)t->wkb.data, t->wkb.len, env) != 0) {
        http_problem_err(req, LIS_EIO, "parcel without a readable geometry");
        return false;
    }
    return true;
}

struct planning_ctx {
    struct api_thread *t;
    double area_map;
    int n;
};

static int on_zone(void *ctx, const struct store_planning_zone *z)
{
    struct planning_ctx *c = ctx;
    struct api_thread *t = c->t;
    double area = 0;
    if (geo_intersection_area(t->geo, (const uint8_t *)t->wkb.data, t->wkb.len, z->wkb,
                              z->wkb_len, &area) != 0)
        return 0; /* an unreadable zone does not spoil the answer */
    if (http_round(area, 1) <= 0)
        return 0; /* touching only */
    struct buf *b = &t->out;
    if (c->n++)
        buf_putc(b, ',');
    buf_appendf(b, "{\"zone_id\":%" PRId64 ",\"land_use\":", z->id);
    land_uses(b, z->land_use);
    buf_puts(b, ",\"plan\":");
    http_json_str(b, z->plan);
    buf_puts(b, ",\"decision\":");
    http_json_str(b, z->decision);
    buf_puts(b, ",\"area\":");
    http_json_fixed(b, area, 1);
    buf_puts(b, ",\"percent\":");
    double pct = c->area_map > 0 ? 100.0 * area / c->area_map : 0;
    http_json_fixed(b, pct > 100 ? 100 : pct, 1);
    buf_putc(b, '}');
    return 0;
}

void api_h_planning(void *td, h2o_req_t *req, const struct http_route *r,
                    const struct http_args *args)
{
    struct api_thread *t = td;
    api_ref_fresh(t);
    struct own_geom g;
    struct geo_box env;
    (void)r;
    int64_t id = args->v[ID_ID].i;
    if (!load_geom(t, req, id, &g, &env))
        return;
    double box[4] = {env.minx, env.miny, env.maxx, env.maxy};
    buf_reset(&t->out);
    buf_appendf(&t->out, "{\"parcel_id\":%" PRId64 ",\"area_map\":", id);
    http_json_fixed(&t->out, g.area_map, 1);
    buf_puts(&t->out, ",\"planning\":[");
    struct planning_ctx c = {t, g.area_map, 0};
    int rc = store_planning_in_box(t->store, box, on_zone, &c);
    if (rc < 0) {
        store_failed(t, req, rc);
        return;
    }
    buf_puts(&t->out, "]}");
    send_out(t, req);
}

/* ---- shared boundaries, with a tolerance ----
 * geo_shared_boundary() intersects the two boundaries exactly, so neighbours
 * whose common edge is noded differently (a vertex of one lying a hair off
 * the other's edge, as clipping leaves them) come out with no shared length.
 * Here edges count as shared where they run within SHARE_TOL of each other:
 * plain arithmetic on the WKB vertices (native CRS, metres). */
#define SHARE_TOL 0.001 /* metres */

struct segs {
    double *v; /* x0 y0 x1 y1 per segment */
    size_t n, cap;
    int poly, ring;
    double px, py;
    bool have;
};

static int on_vertex(void *ctx, int polygon, int ring, int index, double x, double y)
{
    struct segs *s = ctx;
    (void)index;
    if (s->have && s->poly == polygon && s->ring == ring) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 64;
            s->v = xrealloc(s->v, s->cap * 4 * sizeof *s->v);
        }
        double *e = s->v + 4 * s->n++;
        e[0] = s->px, e[1] = s->py, e[2] = x, e[3] = y;
    }
    s->poly = polygon, s->ring = ring, s->px = x, s->py = y, s->have = true;
    return 0;
}

static int segments(const uint8_t *wkb, size_t len, struct segs *s)
{
    s->n = 0;
    s->have = false;
    return geo_wkb_each_point(wkb, len, on_vertex, s);
}

/* Length along segment a where segment b runs within SHARE_TOL of it. */
static double overlap(const double *a, const double *b)
{
    double dx = a[2] - a[0], dy = a[3] - a[1];
    double len = sqrt(dx * dx + dy * dy);
    if (len < 1e-9)
        return 0;
    double ux = dx / len, uy = dy / len;
    /* b's ends: distance from a's line, position along it */
    double d0 = fabs((b[0] - a[0]) * uy - (b[1] - a[1]) * ux);
    double d1 = fabs((b[2] - a[0]) * uy - (b[3] - a[1]) * ux);
    if (d0 > SHARE_TOL || d1 > SHARE_TOL)
        return 0;
    double t0 = (b[0] - a[0]) * ux + (b[1] - a[1]) * uy;
    double t1 = (b[2] - a[0]) * ux + (b[3] - a[1]) * uy;
    double lo = fmax(fmin(t0, t1), 0), hi = fmin(fmax(t0, t1), len);
    return hi > lo ? hi - lo : 0;
}

static double shared_length(const struct segs *a, const struct segs *b)
{
    double total = 0;
    for (size_t i = 0; i < a->n; i++) {
        const double *s = a->v + 4 * i;
        double minx = fmin(s[0], s[2]) - SHARE_TOL, maxx = fmax(s[0], s[2]) + SHARE_TOL;
        double miny = fmin(s[1], s[3]) - SHARE_TOL, maxy = fmax(s[1], s[3]) + SHARE_TOL;
        for (size_t j = 0; j < b->n; j++) {
            const double *t = b->v + 4 * j;
            if (fmax(t[0], t[2]) < minx || fmin(t[0], t[2]) > maxx ||
                fmax(t[1], t[3]) < miny || fmin(t[1], t[3]) > maxy)
                continue;
            total += overlap(s, t);
        }
    }
    return total;
}

struct neighbour_ctx {
    struct api_thread *t;
    int64_t id;
    int n;
    struct segs mine, theirs;
};

static int on_candidate(void *ctx, const struct store_parcel *p)
{
    struct neighbour_ctx *c = ctx;
    struct api_thread *t = c->t;
    double len = 0;
    if (p->id == c->id || !p->wkb)
        return 0;
    if (segments(p->wkb, p->wkb_len, &c->theirs) != 0)
        return 0; /* unreadable: not a neighbour we can show */
    len = shared_length(&c->mine, &c->theirs);
    if (http_round(len, 3) <= 0)
        return 0; /* corners only */
    if (c->n++)
        buf_putc(&t->out, ',');
    parcel_json(t, p, false, true, &t->out);
    buf_puts(&t->out, ",\"shared_boundary\":");
    http_json_fixed(&t->out, len, 3);
    buf_putc(&t->out, '}');
    return 0;
}

void api_h_neighbours(void *td, h2o_req_t *req, const struct http_route *r,
                      const struct http_args *args)
{
    struct api_thread *t = td;
    api_ref_fresh(t);
    struct own_geom g;
    struct geo_box env;
    (void)r;
    int64_t id = args->v[ID_ID].i;
    if (!load_geom(t, req, id, &g, &env))
        return;
    /* A hair of margin: neighbours' boxes touch this one's edge exactly. */
    double box[4] = {env.minx - 0.01, env.miny - 0.01, env.maxx + 0.01, env.maxy + 0.01};
    buf_reset(&t->out);
    buf_appendf(&t->out, "{\"parcel_id\":%" PRId64 ",\"neighbours\":[", id);
    struct neighbour_ctx c = {t, id, 0, {0}, {0}};
    if (segments((const uint8_t *)t->wkb.data, t->wkb.len, &c.mine) != 0) {
        free(c.mine.v);
        http_problem_err(req, LIS_EIO, "parcel without a readable geometry");
        return;
    }
    int rc = store_parcels_in_box(t->store, box, STORE_WANT_GEOM, NEIGHBOUR_MAX, on_candidate, &c);
    free(c.mine.v);
    free(c.theirs.v);
    if (rc < 0) {
        store_failed(t, req, rc);
        return;
    }
    buf_puts(&t->out, "]}");
    send_out(t, req);
}

/* ------------------------------------------------------------ operations */

void api_h_healthz(void *td, h2o_req_t *req, const struct http_route *r,
                   const struct http_args *args)
{
    struct api_thread *t = td;
    struct store_info info;
    (void)r;
    (void)args;
    int rc = store_info(t->store, &info);
    if (rc < 0) {
        log_error("healthz: %s", store_errmsg(t->store));
        http_problem(req, 503, "unavailable", "the land store cannot be read");
        return;
    }
    json_t *s = json_object();
    json_object_set_new(s, "crs", json_string(info.crs));
    json_object_set_new(s, "province", json_string(info.province_name));
    json_object_set_new(s, "parcels", json_integer(info.parcels));
    json_object_set_new(s, "communes", json_integer(info.communes));
    json_object_set_new(s, "planning_zones", json_integer(info.planning_zones));
    json_object_set_new(s, "change_seq", json_integer(info.change_seq));
    json_t *doc = json_object();
    json_object_set_new(doc, "status", json_string("ok"));
    json_object_set_new(doc, "store", s);
    http_send_json(req, doc, NULL);
}

void api_h_metrics(void *td, h2o_req_t *req, const struct http_route *r,
                   const struct http_args *args)
{
    struct api_thread *t = td;
    struct store_info info;
    (void)r;
    (void)args;
    buf_reset(&t->out);
    metrics_render(t->api->metrics, &t->out);
    if (store_info(t->store, &info) == 0) {
        buf_appendf(&t->out,
                    "# HELP lis_parcels Current parcels in the land store.\n"
                    "# TYPE lis_parcels gauge\nlis_parcels %" PRId64 "\n",
                    info.parcels);
    }
    buf_appendf(&t->out,
                "# HELP lis_click_indexes Map-click indexes held in memory.\n"
                "# TYPE lis_click_indexes gauge\nlis_click_indexes %d\n",
                clickindex_live());
    if (t->api->clicks)
        buf_appendf(&t->out,
                    "# HELP lis_click_index_change Store change the newest ready index describes.\n"
                    "# TYPE lis_click_index_change gauge\nlis_click_index_change %" PRId64 "\n",
                    clickindex_shared_seq(t->api->clicks));
    http_send_body(req, "text/plain; version=0.0.4; charset=utf-8", t->out.data, t->out.len,
                   NULL);
}
