/* ogc — OGC API – Features, Part 1 (core, GeoJSON, HTML, OpenAPI 3.0) under /ogc.
 *
 * Three collections: parcels (current parcels, basic view), communes
 * (current units) and planning-zones. Geometry is given in CRS84 (WGS 84
 * lon/lat), transformed from the native CRS by PROJ exactly as the rest of
 * the API does, so a feature here and /api/v1/parcels/{id}?geometry=true
 * carry the same coordinates.
 *
 * Items pages are streamed: an h2o generator writes the page in chunks of
 * CHUNK features, each read from the store by keyset (ids after the last one
 * written), so a 10,000-feature page never sits whole in memory and the loop
 * serves other requests between chunks. Paging is by keyset too: the `next`
 * link carries `after=<last id>` (communes: the last code).
 *
 * bbox (CRS84 minlon,minlat,maxlon,maxlat) selects the features whose
 * bounding box meets it: parcels through the store's Web-Mercator index (a
 * CRS84 box maps exactly onto a Web-Mercator box), communes and zones by the
 * envelope of their CRS84 geometry. No area limit applies: pages are bounded
 * by `limit` (at most 10,000). */
#include "api/ogc.h"

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/problem.h"
#include "http/respond.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_DEFAULT 10
#define LIMIT_MAX 10000
#define CHUNK 250          /* features written per step of a streamed page */
#define DEG_DECIMALS 7     /* as the rest of the API: 1e-7 degree ≈ 1 cm */
#define EARTH_R 6378137.0

#define CONF "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
#define CRS84 "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#define GEOJSON_TYPE "application/geo+json"
#define HTML_TYPE "text/html; charset=utf-8"
#define OAS_TYPE "application/vnd.oai.openapi+json;version=3.0"

enum coll { C_PARCELS, C_COMMUNES, C_ZONES, C_COUNT };

static const struct collection {
    const char *id, *title, *description;
} colls[C_COUNT] = {
    [C_PARCELS] = {"parcels", "Land parcels",
                   "Current land parcels, basic view: identifier (commune of survey, map sheet, "
                   "parcel number), national parcel id, area, land use, address"},
    [C_COMMUNES] = {"communes", "Communes", "Current commune-level units (xã, phường)"},
    [C_ZONES] = {"planning-zones", "Planning zones", "Zones of the land-use plan: planned purpose"},
};

/* ------------------------------------------------------------- parameters */

const struct http_param api_p_ogc[] = {
    {"f", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 8, "Format: json or html"},
    {NULL, 0, 0, false, 0, 0, 0, 0, NULL},
};
const struct http_param api_p_ogc_coll[] = {
    {"collectionId", HTTP_PARAM_CODE, HTTP_IN_PATH, true, 0, 0, 1, 32,
     "parcels, communes or planning-zones"},
    {"f", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 8, "Format: json or html"},
    {NULL, 0, 0, false, 0, 0, 0, 0, NULL},
};
const struct http_param api_p_ogc_items[] = {
    {"collectionId", HTTP_PARAM_CODE, HTTP_IN_PATH, true, 0, 0, 1, 32,
     "parcels, communes or planning-zones"},
    {"f", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 8, "Format: json (GeoJSON) or html"},
    {"bbox", HTTP_PARAM_STRING, HTTP_IN_QUERY, false, 0, 0, 7, 200,
     "minlon,minlat,maxlon,maxlat in CRS84: features whose bounding box meets it"},
    {"limit", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, LIMIT_MAX, 0, 0,
     "Features per page (default 10, at most 10000)"},
    {"after", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 24,
     "Keyset paging: features after this id (given by the next link)"},
    {NULL, 0, 0, false, 0, 0, 0, 0, NULL},
};
const struct http_param api_p_ogc_item[] = {
    {"collectionId", HTTP_PARAM_CODE, HTTP_IN_PATH, true, 0, 0, 1, 32,
     "parcels, communes or planning-zones"},
    {"featureId", HTTP_PARAM_CODE, HTTP_IN_PATH, true, 0, 0, 1, 24, "Feature id"},
    {"f", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 8, "Format: json (GeoJSON) or html"},
    {NULL, 0, 0, false, 0, 0, 0, 0, NULL},
};

/* ---------------------------------------------------------------- helpers */

/* html when f=html, or no f and the client prefers HTML (a browser). */
static int want_html(h2o_req_t *req, const struct http_value *f, bool *html)
{
    *html = false;
    if (f->set) {
        if (strcmp(f->s, "html") == 0)
            *html = true;
        else if (strcmp(f->s, "json") != 0 && strcmp(f->s, "geojson") != 0)
            return LIS_EINVAL;
        return 0;
    }
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT, -1);
    if (at >= 0) {
        h2o_iovec_t v = req->headers.entries[at].value;
        const char *h = memmem(v.base, v.len, "text/html", 9);
        const char *j = memmem(v.base, v.len, "json", 4);
        *html = h && (!j || h < j);
    }
    return 0;
}

static int coll_index(const char *id)
{
    for (int i = 0; i < C_COUNT; i++)
        if (strcmp(colls[i].id, id) == 0)
            return i;
    return -1;
}

/* scheme://authority, the base of every link. */
static void base_url(h2o_req_t *req, struct buf *b)
{
    buf_appendf(b, "%.*s://%.*s", (int)req->scheme->name.len, req->scheme->name.base,
                (int)req->authority.len, req->authority.base);
}

static void html_esc(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '&': buf_puts(b, "&amp;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        default: buf_putc(b, *s);
        }
    }
}

static void html_open(struct buf *b, const char *title)
{
    buf_puts(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
    html_esc(b, title);
    buf_puts(b, " — OGC API – Features</title><style>body{font-family:system-ui,sans-serif;"
                "margin:1em auto;max-width:70em;padding:0 1em}table{border-collapse:collapse}"
                "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}</style></head>"
                "<body><nav><a href=\"/ogc?f=html\">OGC API</a> · "
                "<a href=\"/ogc/collections?f=html\">collections</a></nav><h1>");
    html_esc(b, title);
    buf_puts(b, "</h1>");
}

static void html_close(struct buf *b) { buf_puts(b, "</body></html>"); }

static void send_html(struct api_thread *t, h2o_req_t *req, struct buf *b)
{
    http_send_body(req, HTML_TYPE, b->data, b->len, t->api->cache_control);
}

static json_t *mklink(const char *href, const char *rel, const char *type, const char *title)
{
    json_t *l = json_pack("{s:s,s:s}", "href", href, "rel", rel);
    if (type)
        json_object_set_new(l, "type", json_string(type));
    if (title)
        json_object_set_new(l, "title", json_string(title));
    return l;
}

static json_t *linkf(h2o_req_t *req, const char *path, const char *rel, const char *type,
                     const char *title)
{
    struct buf u = BUF_INIT;
    base_url(req, &u);
    buf_puts(&u, path);
    json_t *l = mklink(buf_cstr(&u), rel, type, title);
    buf_free(&u);
    return l;
}

static void send_json(struct api_thread *t, h2o_req_t *req, json_t *doc)
{
    http_send_json(req, doc, t->api->cache_control);
}

static bool bad_format(h2o_req_t *req, const struct http_value *f, bool *html)
{
    if (want_html(req, f, html) == 0)
        return false;
    http_problem(req, 400, "invalid-parameter", "parameter 'f' must be json or html");
    return true;
}

/* ----------------------------------------------------------- landing page */

void api_h_ogc_landing(void *tdata, h2o_req_t *req, const struct http_route *r,
                       const struct http_args *a)
{
    struct api_thread *t = tdata;
    bool html;
    (void)r;
    if (bad_format(req, &a->v[0], &html))
        return;
    if (html) {
        struct buf b = BUF_INIT;
        html_open(&b, "Land information portal");
        buf_puts(&b, "<p>Public land data of the province as OGC API – Features.</p><ul>"
                     "<li><a href=\"/ogc/collections?f=html\">Collections</a></li>"
                     "<li><a href=\"/ogc/conformance?f=html\">Conformance</a></li>"
                     "<li><a href=\"/ogc/api\">API definition (OpenAPI 3.0)</a></li></ul>");
        html_close(&b);
        send_html(t, req, &b);
        buf_free(&b);
        return;
    }
    json_t *links = json_array();
    json_array_append_new(links, linkf(req, "/ogc?f=json", "self", "application/json", "This document"));
    json_array_append_new(links, linkf(req, "/ogc?f=html", "alternate", "text/html", "This document as HTML"));
    json_array_append_new(links, linkf(req, "/ogc/api", "service-desc", OAS_TYPE, "The API definition"));
    json_array_append_new(links, linkf(req, "/ogc/conformance", "conformance", "application/json",
                                       "Conformance classes implemented"));
    json_array_append_new(links, linkf(req, "/ogc/collections", "data", "application/json",
                                       "The collections"));
    json_t *doc = json_pack("{s:s,s:s,s:o}", "title", "Land information portal — public land data",
                            "description",
                            "Parcels (basic view), communes and planning zones of the province",
                            "links", links);
    send_json(t, req, doc);
}

void api_h_ogc_conformance(void *tdata, h2o_req_t *req, const struct http_route *r,
                           const struct http_args *a)
{
    struct api_thread *t = tdata;
    static const char *const classes[] = {CONF "core", CONF "geojson", CONF "html", CONF "oas30"};
    bool html;
    (void)r;
    if (bad_format(req, &a->v[0], &html))
        return;
    if (html) {
        struct buf b = BUF_INIT;
        html_open(&b, "Conformance");
        buf_puts(&b, "<ul>");
        for (size_t i = 0; i < 4; i++)
            buf_appendf(&b, "<li>%s</li>", classes[i]);
        buf_puts(&b, "</ul>");
        html_close(&b);
        send_html(t, req, &b);
        buf_free(&b);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < 4; i++)
        json_array_append_new(list, json_string(classes[i]));
    send_json(t, req, json_pack("{s:o}", "conformsTo", list));
}

void api_h_ogc_api(void *tdata, h2o_req_t *req, const struct http_route *r,
                   const struct http_args *a)
{
    struct api_thread *t = tdata;
    (void)r;
    (void)a;
    const char *body = t->api->openapi_body ? t->api->openapi_body : "{}";
    http_send_body(req, OAS_TYPE, body, strlen(body), t->api->cache_control);
}

/* ------------------------------------------------------------ collections */

static json_t *collection_json(struct api_thread *t, h2o_req_t *req, int c)
{
    const struct geo_box *lb = &t->ref.lonlat_box;
    struct buf p = BUF_INIT;
    json_t *links = json_array();
    buf_appendf(&p, "/ogc/collections/%s", colls[c].id);
    json_array_append_new(links, linkf(req, buf_cstr(&p), "self", "application/json", "This collection"));
    buf_puts(&p, "/items");
    json_array_append_new(links, linkf(req, buf_cstr(&p), "items", GEOJSON_TYPE, "The features"));
    buf_puts(&p, "?f=html");
    json_array_append_new(links, linkf(req, buf_cstr(&p), "items", "text/html", "The features as HTML"));
    buf_free(&p);
    json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:s,s:[s]}", "id", colls[c].id, "title", colls[c].title,
                          "description", colls[c].description, "links", links, "itemType",
                          "feature", "crs", CRS84);
    if (lb->maxx > lb->minx)
        json_object_set_new(
            o, "extent",
            json_pack("{s:{s:[[ffff]],s:s}}", "spatial", "bbox", http_round(lb->minx, 6),
                      http_round(lb->miny, 6), http_round(lb->maxx, 6), http_round(lb->maxy, 6),
                      "crs", CRS84));
    return o;
}

void api_h_ogc_collections(void *tdata, h2o_req_t *req, const struct http_route *r,
                           const struct http_args *a)
{
    struct api_thread *t = tdata;
    bool html;
    (void)r;
    if (bad_format(req, &a->v[0], &html))
        return;
    api_ref_fresh(t);
    if (html) {
        struct buf b = BUF_INIT;
        html_open(&b, "Collections");
        buf_puts(&b, "<ul>");
        for (int c = 0; c < C_COUNT; c++) {
            buf_appendf(&b, "<li><a href=\"/ogc/collections/%s?f=html\">", colls[c].id);
            html_esc(&b, colls[c].title);
            buf_puts(&b, "</a>: ");
            html_esc(&b, colls[c].description);
            buf_puts(&b, "</li>");
        }
        buf_puts(&b, "</ul>");
        html_close(&b);
        send_html(t, req, &b);
        buf_free(&b);
        return;
    }
    json_t *list = json_array();
    for (int c = 0; c < C_COUNT; c++)
        json_array_append_new(list, collection_json(t, req, c));
    json_t *links = json_array();
    json_array_append_new(links, linkf(req, "/ogc/collections", "self", "application/json", "This document"));
    json_array_append_new(links, linkf(req, "/ogc/collections?f=html", "alternate", "text/html",
                                       "This document as HTML"));
    send_json(t, req, json_pack("{s:o,s:o}", "links", links, "collections", list));
}

static int find_coll(h2o_req_t *req, const struct http_value *v)
{
    int c = coll_index(v->s);
    if (c < 0)
        http_problem(req, 404, "not-found", "no collection '%s': parcels, communes or planning-zones",
                     v->s);
    return c;
}

void api_h_ogc_collection(void *tdata, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a)
{
    struct api_thread *t = tdata;
    bool html;
    (void)r;
    int c = find_coll(req, &a->v[0]);
    if (c < 0 || bad_format(req, &a->v[1], &html))
        return;
    api_ref_fresh(t);
    if (html) {
        struct buf b = BUF_INIT;
        html_open(&b, colls[c].title);
        html_esc(&b, colls[c].description);
        buf_appendf(&b, "<p><a href=\"/ogc/collections/%s/items?f=html\">Features</a></p>",
                    colls[c].id);
        html_close(&b);
        send_html(t, req, &b);
        buf_free(&b);
        return;
    }
    send_json(t, req, collection_json(t, req, c));
}

/* --------------------------------------------------------------- features */

/* A streamed items page (or a single feature written whole). */
struct page {
    h2o_generator_t super;         /* first: h2o hands it back to proceed/stop */
    struct api_thread *t;
    h2o_req_t *req;
    int coll;
    bool html;
    bool has_bbox;
    double bbox[4];                /* CRS84 */
    double mbox[4];                /* the same in Web-Mercator */
    int64_t after;                 /* last id written (parcels, zones) */
    char after_code[16];           /* last code written (communes) */
    int limit, sent;
    int want, got;                 /* this step: features asked for, written */
    int rows;                      /* store rows examined by one query */
    bool extra;                    /* a feature beyond `want` exists */
    bool more;                     /* ... beyond the page: a next link */
    int phase;                     /* 0 header, 1 features, 2 done */
    bool single;                   /* one feature, not a collection */
    struct buf chunk;
    struct buf geom;               /* CRS84 WKB scratch */
};

static void page_dispose(void *p)
{
    struct page *pg = p;
    buf_free(&pg->chunk);
    buf_free(&pg->geom);
}

/* Native WKB → CRS84 into pg->geom; false when it cannot be transformed. */
static bool to_crs84(struct page *pg, const uint8_t *wkb, size_t len)
{
    buf_reset(&pg->geom);
    return wkb && geo_wkb_transform(pg->t->geo, GEO_NATIVE, GEO_WGS84, wkb, len, &pg->geom) == 0;
}

/* Does segment (x0,y0)-(x1,y1) meet the closed box b? (Liang–Barsky) */
static bool segment_meets(const double b[4], double x0, double y0, double x1, double y1)
{
    double t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {x0 - b[0], b[2] - x0, y0 - b[1], b[3] - y0};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0)
                return false;
            continue;
        }
        double r = q[i] / p[i];
        if (p[i] < 0) {
            if (r > t1)
                return false;
            if (r > t0)
                t0 = r;
        } else {
            if (r < t0)
                return false;
            if (r < t1)
                t1 = r;
        }
    }
    return true;
}

struct seg_walk {
    const double *b;
    int polygon, ring;
    double px, py;
};

static int on_vertex(void *ctx, int polygon, int ring, int index, double x, double y)
{
    struct seg_walk *w = ctx;
    bool same = index > 0 && polygon == w->polygon && ring == w->ring;
    if ((same && segment_meets(w->b, w->px, w->py, x, y)) ||
        (!same && segment_meets(w->b, x, y, x, y)))
        return 1;
    w->polygon = polygon;
    w->ring = ring;
    w->px = x;
    w->py = y;
    return 0;
}

/* Does the feature's CRS84 geometry (pg->geom) meet bbox? The OGC bbox test
 * is geometric: a boundary crossing the box, or the box inside the polygon. */
static bool geom_in_bbox(struct page *pg)
{
    struct geo_box e;
    const uint8_t *g = (const uint8_t *)pg->geom.data;
    if (!pg->has_bbox)
        return true;
    if (geo_wkb_envelope(g, pg->geom.len, &e) != 0)
        return false;
    if (!(e.minx <= pg->bbox[2] && pg->bbox[0] <= e.maxx && e.miny <= pg->bbox[3] &&
          pg->bbox[1] <= e.maxy))
        return false;
    struct seg_walk w = {pg->bbox, -1, -1, 0, 0};
    if (geo_wkb_each_point(g, pg->geom.len, on_vertex, &w) == 1)
        return true;
    return geo_wkb_contains_point(g, pg->geom.len, pg->bbox[0], pg->bbox[1]) == 1;
}

/* A feature's start: separator, id, geometry; properties follow. */
static void feature_open(struct page *pg, const char *id_json, bool have_geom)
{
    struct buf *b = &pg->chunk;
    if (pg->html) {
        buf_puts(b, "<tr><td>");
        return;
    }
    if (!pg->single && pg->sent + pg->got > 0)
        buf_putc(b, ',');
    buf_puts(b, "{\"type\":\"Feature\",\"id\":");
    buf_puts(b, id_json);
    buf_puts(b, ",\"geometry\":");
    if (!have_geom || geo_wkb_geojson((const uint8_t *)pg->geom.data, pg->geom.len,
                                      DEG_DECIMALS, b) != 0)
        buf_puts(b, "null");
    buf_puts(b, ",\"properties\":{");
}

/* One property: JSON member or HTML cell. kind: 's' string, 'i' integer, 'a' area. */
static void prop(struct page *pg, bool first, const char *key, char kind, const char *s, double v)
{
    struct buf *b = &pg->chunk;
    if (pg->html) {
        if (!first)
            buf_puts(b, "</td><td>");
        if (kind == 's')
            html_esc(b, s);
        else if (kind == 'i')
            buf_appendf(b, "%.0f", v);
        else if (isfinite(v))
            buf_appendf(b, "%.1f", v);
        return;
    }
    if (!first)
        buf_putc(b, ',');
    http_json_str(b, key);
    buf_putc(b, ':');
    if (kind == 's')
        http_json_str(b, s);
    else if (kind == 'i')
        http_json_int(b, (int64_t)v);
    else if (isfinite(v) && v > 0)
        http_json_fixed(b, v, 1);
    else
        buf_puts(b, "null");
}

static void feature_close(struct page *pg)
{
    buf_puts(&pg->chunk, pg->html ? "</td></tr>" : "}}");
    pg->got++;
}

/* The page holds all it may: note that more follow (for the "next" link). */
static bool page_full(struct page *pg)
{
    if (pg->got < pg->want)
        return false;
    pg->extra = true;
    return true;
}

/* A feature named by its numeric id, which is also its first property. */
static void feature_open_id(struct page *pg, int64_t id, bool have_geom)
{
    char s[24];
    snprintf(s, sizeof s, "%lld", (long long)id);
    feature_open(pg, s, have_geom);
    prop(pg, true, "id", 'i', NULL, (double)id);
}

static int on_parcel(void *ctx, const struct store_parcel *p)
{
    struct page *pg = ctx;
    pg->rows++;
    bool g = to_crs84(pg, p->wkb, p->wkb_len);
    if (!geom_in_bbox(pg)) {
        pg->after = p->id; /* examined: the keyset moves past it */
        return 0;
    }
    if (page_full(pg))
        return 1;
    feature_open_id(pg, p->id, g);
    prop(pg, false, "national_id", 's', p->national_id, 0);
    prop(pg, false, "commune_of_survey", 's', p->survey_commune, 0);
    prop(pg, false, "commune", 's', p->commune, 0);
    prop(pg, false, "sheet", 's', p->sheet, 0);
    prop(pg, false, "number", 's', p->number, 0);
    prop(pg, false, "area", 'a', NULL, p->area);
    prop(pg, false, "land_use", 's', p->land_use, 0);
    prop(pg, false, "address", 's', p->address, 0);
    feature_close(pg);
    pg->after = p->id;
    return 0;
}

static int on_commune(void *ctx, const struct store_commune *c)
{
    struct page *pg = ctx;
    if (!pg->single && strcmp(c->code, pg->after_code) <= 0)
        return 0;
    bool g = to_crs84(pg, c->wkb, c->wkb_len);
    if (!geom_in_bbox(pg))
        return 0;
    if (page_full(pg))
        return 1;
    struct buf id = BUF_INIT;
    http_json_str(&id, c->code);
    feature_open(pg, buf_cstr(&id), g);
    buf_free(&id);
    prop(pg, true, "code", 's', c->code, 0);
    prop(pg, false, "name", 's', c->name, 0);
    prop(pg, false, "kind", 's', c->kind, 0);
    prop(pg, false, "mountainous", 'i', NULL, c->mountainous);
    feature_close(pg);
    snprintf(pg->after_code, sizeof pg->after_code, "%s", c->code);
    return 0;
}

struct zone_scan {
    struct page *pg;
    int rows;
    int64_t last;
    int64_t only;   /* a single feature: this id */
    bool found;
};

static int on_zone(void *ctx, const struct store_planning_zone *z)
{
    struct zone_scan *zs = ctx;
    struct page *pg = zs->pg;
    zs->rows++;
    zs->last = z->id;
    if (zs->only && z->id != zs->only)
        return 1;
    bool g = to_crs84(pg, z->wkb, z->wkb_len);
    if (!geom_in_bbox(pg))
        return 0;
    if (page_full(pg))
        return 1;
    feature_open_id(pg, z->id, g);
    prop(pg, false, "land_use", 's', z->land_use, 0);
    prop(pg, false, "plan", 's', z->plan, 0);
    prop(pg, false, "decision", 's', z->decision, 0);
    prop(pg, false, "commune", 's', z->commune, 0);
    feature_close(pg);
    pg->after = z->id;
    zs->found = true;
    return 0;
}

/* Write up to pg->want features after the keyset position; sets pg->extra
 * when at least one more follows. */
static int fetch(struct page *pg)
{
    struct api_thread *t = pg->t;
    pg->got = 0;
    pg->extra = false;
    switch (pg->coll) {
    case C_PARCELS:
        /* rows failing the exact bbox test are skipped: ask again until the
         * page is full, one more matching row is seen, or the store ends */
        for (;;) {
            int ask = pg->want - pg->got + 1, rc;
            pg->rows = 0;
            if (pg->has_bbox)
                rc = store_parcels_in_mercator_box(t->store, pg->mbox, pg->after, ask,
                                                   STORE_WANT_GEOM, on_parcel, pg);
            else
                rc = store_parcels_scan(t->store, pg->after, ask, STORE_WANT_GEOM, on_parcel, pg);
            if (rc < 0)
                return rc;
            if (pg->extra || pg->rows < ask)
                return 0;
        }
    case C_COMMUNES: {
        int rc = store_communes(t->store, true, on_commune, pg);
        return rc < 0 ? rc : 0;
    }
    case C_ZONES: {
        struct zone_scan zs = {pg, 0, pg->after, 0, false};
        for (;;) {
            zs.rows = 0;
            int rc = store_planning_scan(t->store, zs.last, 500, on_zone, &zs);
            if (rc < 0)
                return rc;
            if (pg->extra || zs.rows < 500)
                return 0;
        }
    }
    }
    return LIS_EINVAL;
}

static void items_url(struct page *pg, struct buf *u, bool next, const char *f)
{
    base_url(pg->req, u);
    buf_appendf(u, "/ogc/collections/%s/items?limit=%d", colls[pg->coll].id, pg->limit);
    if (pg->has_bbox)
        buf_appendf(u, "&bbox=%.9g,%.9g,%.9g,%.9g", pg->bbox[0], pg->bbox[1], pg->bbox[2],
                    pg->bbox[3]);
    if (next) {
        if (pg->coll == C_COMMUNES)
            buf_appendf(u, "&after=%s", pg->after_code);
        else
            buf_appendf(u, "&after=%lld", (long long)pg->after);
    }
    if (f)
        buf_appendf(u, "&f=%s", f);
}

static void write_header(struct page *pg)
{
    struct buf *b = &pg->chunk;
    if (pg->html) {
        html_open(b, colls[pg->coll].title);
        buf_puts(b, "<table><thead><tr>");
        static const char *const cols[C_COUNT] = {
            "id,national id,commune of survey,commune,sheet,number,area m²,land use,address",
            "code,name,kind,mountainous", "id,land use,plan,decision,commune"};
        const char *s = cols[pg->coll];
        while (*s) {
            const char *comma = strchr(s, ',');
            size_t n = comma ? (size_t)(comma - s) : strlen(s);
            buf_appendf(b, "<th>%.*s</th>", (int)n, s);
            s += n + (comma ? 1 : 0);
        }
        buf_puts(b, "</tr></thead><tbody>");
        return;
    }
    buf_puts(b, "{\"type\":\"FeatureCollection\",\"features\":[");
}

static void write_footer(struct page *pg)
{
    struct buf *b = &pg->chunk, u = BUF_INIT;
    if (pg->html) {
        buf_puts(b, "</tbody></table>");
        if (pg->more) {
            items_url(pg, &u, true, "html");
            buf_puts(b, "<p><a rel=\"next\" href=\"");
            html_esc(b, buf_cstr(&u));
            buf_puts(b, "\">Next page</a></p>");
        }
        html_close(b);
        buf_free(&u);
        return;
    }
    buf_puts(b, "],\"numberReturned\":");
    http_json_int(b, pg->sent);
    buf_puts(b, ",\"links\":[");
    items_url(pg, &u, false, NULL);
    buf_puts(b, "{\"rel\":\"self\",\"type\":\"" GEOJSON_TYPE "\",\"href\":");
    http_json_str(b, buf_cstr(&u));
    buf_reset(&u);
    items_url(pg, &u, false, "html");
    buf_puts(b, "},{\"rel\":\"alternate\",\"type\":\"text/html\",\"href\":");
    http_json_str(b, buf_cstr(&u));
    buf_putc(b, '}');
    if (pg->more) {
        buf_reset(&u);
        items_url(pg, &u, true, NULL);
        buf_puts(b, ",{\"rel\":\"next\",\"type\":\"" GEOJSON_TYPE "\",\"href\":");
        http_json_str(b, buf_cstr(&u));
        buf_putc(b, '}');
    }
    buf_puts(b, "]}");
    buf_free(&u);
}

/* One step of the stream: the next chunk, sent; the last one says FINAL. */
static void page_step(struct page *pg)
{
    buf_reset(&pg->chunk);
    if (pg->phase == 0) {
        write_header(pg);
        pg->phase = 1;
    }
    if (pg->phase == 1) {
        int left = pg->limit - pg->sent;
        pg->want = left < CHUNK ? left : CHUNK;
        int rc = fetch(pg);
        if (rc < 0) {
            /* the status is sent: end the body where it is (the client sees
             * broken JSON rather than a silently short page) */
            log_error("ogc: %s", store_errmsg(pg->t->store));
            h2o_send(pg->req, NULL, 0, H2O_SEND_STATE_ERROR);
            return;
        }
        pg->sent += pg->got;
        if (!pg->extra) {
            pg->phase = 2; /* nothing after these */
        } else if (pg->sent >= pg->limit) {
            pg->more = true;
            pg->phase = 2;
        }
    }
    if (pg->phase == 2)
        write_footer(pg);
    h2o_iovec_t v = h2o_iovec_init(pg->chunk.data, pg->chunk.len);
    h2o_send(pg->req, &v, 1, pg->phase == 2 ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void on_proceed(h2o_generator_t *self, h2o_req_t *req)
{
    (void)req;
    page_step((struct page *)self);
}

static void on_stop(h2o_generator_t *self, h2o_req_t *req)
{
    (void)self;
    (void)req; /* nothing held between steps but the page, freed with the pool */
}

static void lonlat_mercator(double lon, double lat, double *x, double *y)
{
    *x = EARTH_R * lon * M_PI / 180.0;
    *y = EARTH_R * log(tan(M_PI / 4 + lat * M_PI / 360.0));
}

static int parse_bbox(const char *s, double out[4])
{
    char *end = NULL;
    for (int i = 0; i < 4; i++) {
        out[i] = strtod(s, &end);
        if (end == s || !isfinite(out[i]))
            return LIS_EINVAL;
        s = end;
        if (i < 3) {
            if (*s != ',')
                return LIS_EINVAL;
            s++;
        }
    }
    if (*s || out[0] > out[2] || out[1] > out[3] || out[0] < -180 || out[2] > 180 ||
        out[1] < -85.06 || out[3] > 85.06)
        return LIS_EINVAL;
    return 0;
}

static struct page *page_new(struct api_thread *t, h2o_req_t *req, int coll, bool html)
{
    struct page *pg = h2o_mem_alloc_shared(&req->pool, sizeof *pg, page_dispose);
    memset(pg, 0, sizeof *pg);
    pg->super.proceed = on_proceed;
    pg->super.stop = on_stop;
    pg->t = t;
    pg->req = req;
    pg->coll = coll;
    pg->html = html;
    return pg;
}

void api_h_ogc_items(void *tdata, h2o_req_t *req, const struct http_route *r,
                     const struct http_args *a)
{
    struct api_thread *t = tdata;
    bool html;
    (void)r;
    int c = find_coll(req, &a->v[0]);
    if (c < 0 || bad_format(req, &a->v[1], &html))
        return;
    double bbox[4];
    if (a->v[2].set && parse_bbox(a->v[2].s, bbox) < 0) {
        http_problem(req, 400, "invalid-parameter",
                     "parameter 'bbox' must be minlon,minlat,maxlon,maxlat in CRS84 (WGS 84)");
        return;
    }
    int64_t after = 0;
    if (a->v[4].set && c != C_COMMUNES) {
        char *end = NULL;
        long long v = strtoll(a->v[4].s, &end, 10);
        if (*end || v < 0) {
            http_problem(req, 400, "invalid-parameter", "parameter 'after' must be a feature id");
            return;
        }
        after = v;
    }
    struct page *pg = page_new(t, req, c, html);
    pg->limit = a->v[3].set ? (int)a->v[3].i : LIMIT_DEFAULT;
    pg->after = after;
    if (a->v[4].set && c == C_COMMUNES)
        snprintf(pg->after_code, sizeof pg->after_code, "%s", a->v[4].s);
    if (a->v[2].set) {
        pg->has_bbox = true;
        memcpy(pg->bbox, bbox, sizeof bbox);
        lonlat_mercator(bbox[0], bbox[1], &pg->mbox[0], &pg->mbox[1]);
        lonlat_mercator(bbox[2], bbox[3], &pg->mbox[2], &pg->mbox[3]);
    }
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                   html ? HTML_TYPE : GEOJSON_TYPE, strlen(html ? HTML_TYPE : GEOJSON_TYPE), 1);
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, t->api->cache_control,
                   strlen(t->api->cache_control), 1);
    req->compress_hint = H2O_COMPRESS_HINT_ENABLE;
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        static h2o_generator_t none = {NULL, NULL};
        h2o_start_response(req, &none); /* headers only: no page is read */
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
        return;
    }
    h2o_start_response(req, &pg->super);
    page_step(pg);
}

void api_h_ogc_item(void *tdata, h2o_req_t *req, const struct http_route *r,
                    const struct http_args *a)
{
    struct api_thread *t = tdata;
    bool html;
    (void)r;
    int c = find_coll(req, &a->v[0]);
    if (c < 0 || bad_format(req, &a->v[2], &html))
        return;
    const char *fid = a->v[1].s;
    int64_t id = 0;
    if (c != C_COMMUNES) {
        char *end = NULL;
        long long v = strtoll(fid, &end, 10);
        if (*end || v <= 0) {
            http_problem(req, 404, "not-found", "no feature '%s' in %s", fid, colls[c].id);
            return;
        }
        id = v;
    }
    struct page *pg = page_new(t, req, c, html);
    pg->single = true;
    pg->want = 1;
    pg->limit = 1;
    int rc;
    switch (c) {
    case C_PARCELS:
        rc = store_parcel_get(t->store, id, STORE_WANT_GEOM, on_parcel, pg);
        break;
    case C_COMMUNES:
        rc = store_commune_get(t->store, fid, true, on_commune, pg);
        break;
    default: {
        struct zone_scan zs = {pg, 0, id - 1, id, false};
        rc = store_planning_scan(t->store, id - 1, 1, on_zone, &zs);
        if (rc >= 0 && !zs.found)
            rc = LIS_ENOTFOUND;
    }
    }
    if (rc == LIS_ENOTFOUND || (rc >= 0 && pg->got == 0)) {
        http_problem(req, 404, "not-found", "no feature '%s' in %s", fid, colls[c].id);
        return;
    }
    if (rc < 0) {
        log_error("ogc: %s", store_errmsg(t->store));
        http_problem_err(req, rc, NULL);
        return;
    }
    if (html) {
        struct buf row = pg->chunk; /* moved: the table's head goes first */
        memset(&pg->chunk, 0, sizeof pg->chunk);
        write_header(pg);
        buf_append(&pg->chunk, row.data, row.len);
        buf_puts(&pg->chunk, "</tbody></table>");
        html_close(&pg->chunk);
        buf_free(&row);
        send_html(t, req, &pg->chunk);
        return;
    }
    struct buf u = BUF_INIT, *b = &t->out;
    buf_reset(b);
    base_url(req, &u);
    buf_appendf(&u, "/ogc/collections/%s", colls[c].id);
    /* the feature object is complete in chunk: reopen it to add links */
    buf_append(b, pg->chunk.data, pg->chunk.len - 1);
    buf_puts(b, ",\"links\":[{\"rel\":\"self\",\"type\":\"" GEOJSON_TYPE "\",\"href\":");
    struct buf self = BUF_INIT;
    buf_appendf(&self, "%s/items/%s", buf_cstr(&u), fid);
    http_json_str(b, buf_cstr(&self));
    buf_puts(b, "},{\"rel\":\"collection\",\"type\":\"application/json\",\"href\":");
    http_json_str(b, buf_cstr(&u));
    buf_puts(b, "}]}");
    buf_free(&self);
    buf_free(&u);
    http_send_body(req, GEOJSON_TYPE, b->data, b->len, t->api->cache_control);
}
