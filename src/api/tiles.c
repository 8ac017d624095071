/* tiles — see tiles.h.
 *
 * A tile request: check the layer and z/x/y, look the tile up in the shared
 * cache (which makes concurrent misses of one tile wait for a single build),
 * build it on a miss from the store (parcels, labels) or from the loop's
 * in-memory communes and zones, gzip it, keep it, answer it. Clients that
 * accept gzip get the stored bytes as they are (Content-Encoding: gzip);
 * others get them inflated. The ETag is a hash of the uncompressed tile, so
 * a tile rebuilt from unchanged data keeps its ETag, whatever the cache did.
 *
 * Label points: a parcel's national identifier is the GeoHash of its point on
 * surface (DESIGN §5), so decoding it gives a point inside the parcel with no
 * geometry work; only when a later re-survey moved the boundary off that point
 * is GEOS asked for a fresh one. A label goes in the one tile whose area
 * (half-open: west and north edges in) holds its point, so each number is
 * drawn once. */
#include "api/tiles.h"

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "geo/mvt.h"
#include "http/problem.h"
#include "http/respond.h"
#include "land/clickindex.h"
#include "tile/cache.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define TILE_CTYPE "application/vnd.mapbox-vector-tile"
#define MAX_REQ_ZOOM 22        /* deepest tile served (clients overzoom past maxzoom) */
#define EARTH_R 6378137.0      /* EPSG:3857 sphere */
#define CHANGES_PAGE 512       /* change-log rows read at a time */
#define CHANGES_MAX 20000      /* more than this since the last look: forget everything */
#define BOXES_MAX 256          /* more changed boxes than this: forget their union */

enum { TL_PARCELS, TL_LABELS, TL_COMMUNES, TL_PLANNING, TL_COUNT };

/* The tile sets. Below minzoom a tile is empty by rule (204). */
static const struct tileset {
    const char *name;
    int minzoom, maxzoom; /* TileJSON: where tiles have content / detail ends */
    const char *description;
    const char *layers[2];        /* MVT layers in the tiles */
    const char *fields[2];        /* their attributes as "key:Type,..." */
} sets[TL_COUNT] = {
    [TL_PARCELS] = {"parcels", 14, 20, "Current land parcels (basic view)",
                    {"parcels", NULL},
                    {"id:Number,national_id:String,sheet:String,number:String,land_use:String,"
                     "area:Number",
                     NULL}},
    [TL_LABELS] = {"labels", 16, 20, "One point per parcel carrying its number",
                   {"labels", NULL},
                   {"id:Number,sheet:String,number:String", NULL}},
    [TL_COMMUNES] = {"communes", 0, 16, "Commune-level units: boundaries and name points",
                     {"communes", "commune-labels"},
                     {"code:String,name:String,kind:String", "code:String,name:String"}},
    [TL_PLANNING] = {"planning", 0, 18, "Planning zones: planned land use",
                     {"planning", NULL},
                     {"id:Number,land_use:String,plan:String,decision:String", NULL}},
};

/* A commune or planning zone, in Web-Mercator. */
struct shape {
    int64_t id;
    char *code, *name, *kind;      /* communes */
    char *land_use, *plan, *decision; /* zones */
    uint8_t *wkb;
    size_t len;
    double box[4];
    bool has_label;
    double lx, ly;                 /* label point (communes) */
};

struct shapes {
    struct shape *v;
    size_t n, cap;
};

struct tiles_loop {
    struct mvt_tile *tile;
    struct buf raw, gz, scratch;
    struct buf wkb;                /* one parcel's outline from the click index */
    struct clickindex *ix;         /* a reference to the click index last used; may be stale */
    z_stream zs;                   /* deflate state reused across tiles */
    bool zs_ready;
    struct shapes communes, zones;
    int64_t seq;                   /* change-log position applied */
    uint64_t checked_ms;
};

/* ------------------------------------------------------------ helpers */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void lonlat_mercator(double lon, double lat, double *x, double *y)
{
    *x = EARTH_R * lon * M_PI / 180.0;
    *y = EARTH_R * log(tan(M_PI / 4 + lat * M_PI / 360.0));
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* ISO WKB of a 2D point (little-endian; our targets are). */
static void point_wkb(uint8_t out[21], double x, double y)
{
    out[0] = 1;
    put_u32(out + 1, 1);
    memcpy(out + 5, &x, 8);
    memcpy(out + 13, &y, 8);
}

static bool box_meets(const double a[4], const double b[4])
{
    return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/* The half-open tile area: a point on an edge belongs to one tile only. */
static bool in_tile(const double b[4], double x, double y)
{
    return x >= b[0] && x < b[2] && y > b[1] && y <= b[3];
}

static void shapes_free(struct shapes *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct shape *e = &s->v[i];
        free(e->code);
        free(e->name);
        free(e->kind);
        free(e->land_use);
        free(e->plan);
        free(e->decision);
        free(e->wkb);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

static struct shape *shapes_add(struct shapes *s)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    struct shape *e = &s->v[s->n++];
    memset(e, 0, sizeof *e);
    return e;
}

/* ----------------------------------------------- communes and zones in memory */

struct load {
    struct api_thread *t;
    struct shapes *out;
    int64_t last;
    int rows;
};

/* Transform native WKB to Web-Mercator into e; false when it cannot be. */
static bool shape_geom(struct api_thread *t, struct shape *e, const uint8_t *wkb, size_t len)
{
    struct tiles_loop *L = t->tiles;
    struct geo_box b;
    buf_reset(&L->scratch);
    if (!wkb || geo_wkb_transform(t->geo, GEO_NATIVE, GEO_MERCATOR, wkb, len, &L->scratch) != 0 ||
        geo_wkb_envelope((const uint8_t *)L->scratch.data, L->scratch.len, &b) != 0)
        return false;
    e->len = L->scratch.len;
    e->wkb = xmalloc(e->len);
    memcpy(e->wkb, L->scratch.data, e->len);
    e->box[0] = b.minx;
    e->box[1] = b.miny;
    e->box[2] = b.maxx;
    e->box[3] = b.maxy;
    return true;
}

static int on_commune(void *ctx, const struct store_commune *c)
{
    struct load *ld = ctx;
    struct shape tmp = {0};
    if (!shape_geom(ld->t, &tmp, c->wkb, c->wkb_len))
        return 0; /* a unit without a usable boundary draws nothing */
    struct shape *e = shapes_add(ld->out);
    *e = tmp;
    e->code = xstrdup(c->code);
    e->name = xstrdup(c->name ? c->name : "");
    e->kind = xstrdup(c->kind ? c->kind : "commune");
    e->has_label = geo_point_on_surface(ld->t->geo, e->wkb, e->len, &e->lx, &e->ly) == 0;
    return 0;
}

static int on_zone(void *ctx, const struct store_planning_zone *z)
{
    struct load *ld = ctx;
    ld->last = z->id;
    ld->rows++;
    struct shape tmp = {0};
    if (!shape_geom(ld->t, &tmp, z->wkb, z->wkb_len))
        return 0;
    struct shape *e = shapes_add(ld->out);
    *e = tmp;
    e->id = z->id;
    e->land_use = xstrdup(z->land_use ? z->land_use : "");
    e->plan = xstrdup(z->plan);
    e->decision = xstrdup(z->decision);
    return 0;
}

/* (Re)load the loop's communes and zones; on failure the old ones stay. */
static int shapes_load(struct api_thread *t, struct buf *err)
{
    struct tiles_loop *L = t->tiles;
    struct shapes communes = {0}, zones = {0};
    struct load ld = {t, &communes, 0, 0};
    int rc = store_communes(t->store, true, on_commune, &ld);
    ld.out = &zones;
    while (rc == 0) {
        ld.rows = 0;
        rc = store_planning_scan(t->store, ld.last, 1000, on_zone, &ld);
        if (ld.rows < 1000)
            break;
    }
    if (rc < 0) {
        buf_appendf(err, "tiles: reading communes and planning zones: %s", store_errmsg(t->store));
        shapes_free(&communes);
        shapes_free(&zones);
        return rc;
    }
    shapes_free(&L->communes);
    shapes_free(&L->zones);
    L->communes = communes;
    L->zones = zones;
    return 0;
}

struct tiles_loop *tiles_loop_new(struct api_thread *t, struct buf *err)
{
    struct tiles_loop *L = xcalloc(1, sizeof *L);
    struct store_info info;
    t->tiles = L;
    L->tile = mvt_tile_new(0, 0, 0, MVT_EXTENT, MVT_BUFFER);
    if (store_info(t->store, &info) < 0) {
        buf_appendf(err, "tiles: %s", store_errmsg(t->store));
        goto fail;
    }
    L->seq = info.change_seq;
    if (shapes_load(t, err) < 0)
        goto fail;
    L->checked_ms = now_ms();
    return L;
fail:
    tiles_loop_free(L);
    t->tiles = NULL;
    return NULL;
}

void tiles_loop_tick(struct tiles_loop *L, int64_t change_seq)
{
    if (L && L->ix && clickindex_seq(L->ix) != change_seq) {
        clickindex_release(L->ix);
        L->ix = NULL;
    }
}

void tiles_loop_free(struct tiles_loop *L)
{
    if (!L)
        return;
    mvt_tile_free(L->tile);
    buf_free(&L->raw);
    buf_free(&L->gz);
    buf_free(&L->scratch);
    buf_free(&L->wkb);
    clickindex_release(L->ix);
    if (L->zs_ready)
        deflateEnd(&L->zs);
    shapes_free(&L->communes);
    shapes_free(&L->zones);
    free(L);
}

/* ------------------------------------------------------- invalidation */

struct forget {
    double (*boxes)[4];
    size_t n;
    double uni[4];
    bool anywhere, reload;
    int64_t last;
    int rows, total;
};

static int on_change(void *ctx, const struct store_change *c)
{
    struct forget *f = ctx;
    f->last = c->seq;
    f->rows++;
    f->total++;
    if (c->anywhere) {
        f->anywhere = true;
        f->reload = true; /* a commune or a zone (or an unknown extent) changed */
        return 0;
    }
    if (f->n < BOXES_MAX)
        memcpy(f->boxes[f->n], c->box, sizeof c->box);
    if (f->n == 0 && f->total == 1) {
        memcpy(f->uni, c->box, sizeof f->uni);
    } else {
        f->uni[0] = fmin(f->uni[0], c->box[0]);
        f->uni[1] = fmin(f->uni[1], c->box[1]);
        f->uni[2] = fmax(f->uni[2], c->box[2]);
        f->uni[3] = fmax(f->uni[3], c->box[3]);
    }
    f->n++;
    return 0;
}

void tiles_fresh(struct api_thread *t)
{
    struct tiles_loop *L = t->tiles;
    uint64_t now = now_ms();
    if (!L || now - L->checked_ms < 1000)
        return;
    L->checked_ms = now;
    struct store_info info;
    if (store_info(t->store, &info) != 0 || info.change_seq == L->seq)
        return;
    double boxes[BOXES_MAX][4];
    struct forget f = {.boxes = boxes, .last = L->seq, .uni = {INFINITY, INFINITY, -INFINITY, -INFINITY}};
    if (info.change_seq < L->seq) {
        f.anywhere = f.reload = true; /* the store was replaced under us */
        f.last = info.change_seq;
    }
    while (!f.anywhere) {
        f.rows = 0;
        if (store_changes_since(t->store, f.last, CHANGES_PAGE, on_change, &f) < 0) {
            log_warn("tiles: reading the change log: %s", store_errmsg(t->store));
            return; /* try again in a second */
        }
        if (f.rows < CHANGES_PAGE)
            break;
        if (f.total >= CHANGES_MAX) {
            f.anywhere = true;
            f.last = info.change_seq;
        }
    }
    if (f.anywhere)
        tile_cache_forget_all(t->api->tiles);
    else if (f.n > BOXES_MAX)
        tile_cache_forget(t->api->tiles, (const double(*)[4])&f.uni, 1);
    else
        tile_cache_forget(t->api->tiles, (const double(*)[4])boxes, f.n);
    if (f.reload) {
        struct buf err = BUF_INIT;
        if (shapes_load(t, &err) < 0)
            log_warn("%s", buf_cstr(&err));
        buf_free(&err);
    }
    log_debug("tiles: change log %lld -> %lld (%d rows%s)", (long long)L->seq, (long long)f.last,
              f.total, f.anywhere ? ", everything" : "");
    L->seq = f.last > L->seq || f.anywhere ? f.last : L->seq;
}

/* ------------------------------------------------------------- builds */

struct build {
    struct api_thread *t;
    struct mvt_layer *layer;
    double tb[4]; /* the tile's own area */
    int err;
};

static int on_tile_parcel(void *ctx, const struct store_parcel *p)
{
    struct build *b = ctx;
    if (!p->wkb_mercator)
        return 0;
    const struct mvt_attr attrs[] = {
        MVT_INT("id", p->id),
        MVT_STR("national_id", p->national_id),
        MVT_STR("sheet", p->sheet),
        MVT_STR("number", p->number),
        MVT_STR("land_use", p->land_use),
        MVT_DBL("area", http_round(p->area, 1)),
    };
    int r = mvt_add_feature(b->layer, (uint64_t)p->id, p->wkb_mercator, p->wkb_mercator_len,
                            attrs, sizeof attrs / sizeof attrs[0]);
    if (r < 0)
        log_warn("tiles: parcel %lld left out: %s", (long long)p->id,
                 mvt_errmsg(b->t->tiles->tile));
    return 0;
}

static int on_label(void *ctx, const struct store_parcel *p)
{
    struct build *b = ctx;
    double lon, lat, elon, elat, x, y;
    if (!p->wkb_mercator || geo_geohash_decode(p->national_id, &lon, &lat, &elon, &elat) != 0)
        return 0;
    lonlat_mercator(lon, lat, &x, &y);
    if (geo_wkb_contains_point(p->wkb_mercator, p->wkb_mercator_len, x, y) != 1 &&
        geo_point_on_surface(b->t->geo, p->wkb_mercator, p->wkb_mercator_len, &x, &y) != 0)
        return 0;
    if (!in_tile(b->tb, x, y))
        return 0;
    uint8_t wkb[21];
    point_wkb(wkb, x, y);
    const struct mvt_attr attrs[] = {
        MVT_INT("id", p->id),
        MVT_STR("sheet", p->sheet),
        MVT_STR("number", p->number),
    };
    mvt_add_feature(b->layer, (uint64_t)p->id, wkb, sizeof wkb, attrs,
                    sizeof attrs / sizeof attrs[0]);
    return 0;
}

/* The map-click index when it describes the store at the change this loop's
 * tile cache has caught up with (L->seq), else NULL (the store answers; a
 * build is then under way). A tile made from it is what the store would give
 * at L->seq, and whatever changed after is forgotten by tiles_fresh as for
 * a tile read from the store. */
static const struct clickindex *tile_index(struct api_thread *t)
{
    struct tiles_loop *L = t->tiles;
    if (!t->api->clicks)
        return NULL;
    if (L->ix && clickindex_seq(L->ix) == L->seq)
        return L->ix;
    clickindex_release(L->ix);
    L->ix = clickindex_shared_get(t->api->clicks, L->seq);
    return L->ix;
}

struct walk {
    struct build *b;
    const struct clickindex *ix;
    store_parcel_cb cb;
};

/* A parcel of the index as the store would give it with STORE_WANT_MERCATOR. */
static int on_slot(void *ctx, uint32_t slot)
{
    struct walk *w = ctx;
    struct tiles_loop *L = w->b->t->tiles;
    struct store_parcel p;
    if (clickindex_parcel(w->ix, slot, &p) != 0) { /* no record kept: the store has it */
        int rc = store_parcel_get(w->b->t->store, p.id, STORE_WANT_MERCATOR, w->cb, w->b);
        return rc == LIS_ENOTFOUND ? 0 : rc;
    }
    buf_reset(&L->wkb);
    clickindex_outline_wkb(w->ix, slot, &L->wkb);
    p.wkb_mercator = (const uint8_t *)L->wkb.data;
    p.wkb_mercator_len = L->wkb.len;
    return w->cb(w->b, &p);
}

/* Parcels whose box meets box to cb: from the click index when it is
 * current, else from the store. */
static int parcels_in_box(struct build *b, const double box[4], store_parcel_cb cb)
{
    struct walk w = {b, tile_index(b->t), cb};
    if (w.ix)
        return clickindex_in_box(w.ix, box, on_slot, &w);
    return store_parcels_in_mercator_box(b->t->store, box, -1, INT_MAX, STORE_WANT_MERCATOR, cb, b);
}

/* Build tile set `set` at z/x/y into L->raw (uncompressed; empty is valid). */
static int build(struct api_thread *t, int set, int z, int x, int y)
{
    struct tiles_loop *L = t->tiles;
    struct build b = {t, NULL, {0}, 0};
    int rc = 0;
    buf_reset(&L->raw);
    if (mvt_tile_reset(L->tile, z, x, y) != 0 || mvt_tile_bounds(z, x, y, b.tb) != 0)
        return LIS_EINVAL;
    double pad = (b.tb[2] - b.tb[0]) * MVT_BUFFER / MVT_EXTENT;
    double bb[4] = {b.tb[0] - pad, b.tb[1] - pad, b.tb[2] + pad, b.tb[3] + pad};
    switch (set) {
    case TL_PARCELS:
        b.layer = mvt_layer(L->tile, "parcels");
        rc = parcels_in_box(&b, bb, on_tile_parcel);
        break;
    case TL_LABELS:
        b.layer = mvt_layer(L->tile, "labels");
        rc = parcels_in_box(&b, b.tb, on_label);
        break;
    case TL_COMMUNES: {
        struct mvt_layer *lines = mvt_layer(L->tile, "communes");
        struct mvt_layer *names = mvt_layer(L->tile, "commune-labels");
        for (size_t i = 0; i < L->communes.n; i++) {
            const struct shape *e = &L->communes.v[i];
            if (!box_meets(e->box, bb))
                continue;
            const struct mvt_attr attrs[] = {
                MVT_STR("code", e->code), MVT_STR("name", e->name), MVT_STR("kind", e->kind)};
            mvt_add_feature(lines, i + 1, e->wkb, e->len, attrs, 3);
            if (e->has_label && in_tile(b.tb, e->lx, e->ly)) {
                uint8_t wkb[21];
                point_wkb(wkb, e->lx, e->ly);
                mvt_add_feature(names, i + 1, wkb, sizeof wkb, attrs, 2);
            }
        }
        break;
    }
    case TL_PLANNING: {
        struct mvt_layer *l = mvt_layer(L->tile, "planning");
        for (size_t i = 0; i < L->zones.n; i++) {
            const struct shape *e = &L->zones.v[i];
            if (!box_meets(e->box, bb))
                continue;
            const struct mvt_attr attrs[] = {
                MVT_INT("id", e->id), MVT_STR("land_use", e->land_use),
                MVT_STR("plan", e->plan), MVT_STR("decision", e->decision)};
            mvt_add_feature(l, (uint64_t)e->id, e->wkb, e->len, attrs, 4);
        }
        break;
    }
    default:
        return LIS_EINVAL;
    }
    if (rc < 0) {
        log_warn("tiles: %s/%d/%d/%d: %s", sets[set].name, z, x, y, store_errmsg(t->store));
        return rc;
    }
    return mvt_tile_encode(L->tile, &L->raw);
}

/* gzip src into L->gz, at level 3: tiles are small and repetitive, so the
 * higher levels save a few per cent of bytes for twice the time of a miss. */
static int gzip(struct tiles_loop *L, const void *src, size_t len)
{
    if (!L->zs_ready) {
        memset(&L->zs, 0, sizeof L->zs);
        if (deflateInit2(&L->zs, 3, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return LIS_EIO;
        L->zs_ready = true;
    } else {
        deflateReset(&L->zs);
    }
    buf_reset(&L->gz);
    size_t cap = deflateBound(&L->zs, len);
    buf_reserve(&L->gz, cap);
    L->zs.next_in = (Bytef *)src;
    L->zs.avail_in = (uInt)len;
    L->zs.next_out = (Bytef *)L->gz.data;
    L->zs.avail_out = (uInt)cap;
    if (deflate(&L->zs, Z_FINISH) != Z_STREAM_END)
        return LIS_EIO;
    L->gz.len = cap - L->zs.avail_out;
    return 0;
}

/* Inflate a stored gzip member into the request pool; NULL on failure. */
static void *gunzip(h2o_req_t *req, const uint8_t *gz, size_t len, size_t *out_len)
{
    if (len < 18)
        return NULL;
    uint32_t isize;
    memcpy(&isize, gz + len - 4, 4); /* the gzip trailer: size mod 2^32, little-endian */
    uint8_t *out = h2o_mem_alloc_pool(&req->pool, isize ? isize : 1);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        return NULL;
    zs.next_in = (Bytef *)gz;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = isize;
    int zr = inflate(&zs, Z_FINISH);
    inflateEnd(&zs);
    if (zr != Z_STREAM_END)
        return NULL;
    *out_len = isize;
    return out;
}

/* ---------------------------------------------------------- answers */

static void *pool_alloc(void *actx, size_t n) { return h2o_mem_alloc_pool(actx, n); }

static bool etag_named(h2o_req_t *req, const char *etag)
{
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
    if (at < 0)
        return false;
    h2o_iovec_t v = req->headers.entries[at].value;
    const char *tag = etag + 2; /* the quoted opaque part, without W/ */
    size_t n = strlen(tag);
    for (size_t i = 0; i < v.len; i++) {
        if (v.base[i] == '*')
            return true;
        if (i + n <= v.len && memcmp(v.base + i, tag, n) == 0)
            return true;
    }
    return false;
}

static void set_header(h2o_req_t *req, const h2o_token_t *tok, const char *v)
{
    h2o_set_header(&req->pool, &req->res.headers, tok, v, strlen(v), 1);
}

/* Send a tile: body is gzipped when gz. X-Cache says whether it came from
 * the cache (for operators, and for tests of invalidation). */
static void send_tile(struct api_thread *t, h2o_req_t *req, const void *body, size_t len, bool gz,
                      const char *etag, bool hit)
{
    static h2o_generator_t generator = {NULL, NULL};
    bool accepts = (h2o_get_compressible_types(&req->headers) & H2O_COMPRESSIBLE_GZIP) != 0;
    req->compress_hint = H2O_COMPRESS_HINT_DISABLE;
    set_header(req, H2O_TOKEN_CACHE_CONTROL, t->api->tile_cache_control);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_VARY, NULL, H2O_STRLIT("accept-encoding"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-cache"), 0, NULL,
                          hit ? "hit" : "miss", hit ? 3 : 4);
    if (len == 0) {
        req->res.status = 204; /* an empty tile */
        req->res.reason = "No Content";
        h2o_send_inline(req, NULL, 0);
        return;
    }
    h2o_iovec_t e = h2o_strdup(&req->pool, etag, strlen(etag));
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, e.base, e.len, 1);
    if (etag_named(req, etag)) {
        req->res.status = 304;
        req->res.reason = "Not Modified";
        h2o_send_inline(req, NULL, 0);
        return;
    }
    if (gz && !accepts) {
        size_t n = 0;
        void *plain = gunzip(req, body, len, &n);
        if (!plain) {
            http_problem(req, 500, "internal", "a cached tile could not be inflated");
            return;
        }
        body = plain;
        len = n;
        gz = false;
    }
    set_header(req, H2O_TOKEN_CONTENT_TYPE, TILE_CTYPE);
    if (gz)
        set_header(req, H2O_TOKEN_CONTENT_ENCODING, "gzip");
    req->res.status = 200;
    req->res.reason = "OK";
    req->res.content_length = len;
    h2o_start_response(req, &generator);
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL); /* headers only (h2o_send_inline's rule) */
        return;
    }
    h2o_iovec_t v = h2o_iovec_init(body, len);
    h2o_send(req, &v, 1, H2O_SEND_STATE_FINAL);
}

static int set_index(const char *name, size_t n)
{
    for (int i = 0; i < TL_COUNT; i++)
        if (strlen(sets[i].name) == n && memcmp(sets[i].name, name, n) == 0)
            return i;
    return -1;
}

/* "123", "123.mvt" or "123.pbf" → 123; -1 otherwise. */
static long tile_row(const char *s)
{
    char *end = NULL;
    if (!s || *s < '0' || *s > '9')
        return -1;
    long v = strtol(s, &end, 10);
    if (*end && strcmp(end, ".mvt") != 0 && strcmp(end, ".pbf") != 0)
        return -1;
    return v;
}

const struct http_param api_p_tile[] = {
    {"layer", HTTP_PARAM_CODE, HTTP_IN_PATH, true, 0, 0, 1, 32,
     "Tile set: parcels, labels, communes or planning"},
    {"z", HTTP_PARAM_INT, HTTP_IN_PATH, true, 0, MAX_REQ_ZOOM, 0, 0, "Zoom level"},
    {"x", HTTP_PARAM_INT, HTTP_IN_PATH, true, 0, (double)((1 << MAX_REQ_ZOOM) - 1), 0, 0,
     "Column, 0 at the west edge"},
    {"y", HTTP_PARAM_CODE, HTTP_IN_PATH, true, 0, 0, 1, 16,
     "Row, 0 at the north edge (XYZ), followed by .mvt (e.g. 6550.mvt)"},
    {NULL, 0, 0, false, 0, 0, 0, 0, NULL},
};

void api_h_tile(void *tdata, h2o_req_t *req, const struct http_route *r,
                const struct http_args *a)
{
    struct api_thread *t = tdata;
    struct tiles_loop *L = t->tiles;
    (void)r;
    int set = set_index(a->v[0].s, a->v[0].len);
    if (set < 0) {
        http_problem(req, 404, "not-found", "no tile set '%s': parcels, labels, communes or planning",
                     a->v[0].s);
        return;
    }
    int z = (int)a->v[1].i, x = (int)a->v[2].i;
    long y = tile_row(a->v[3].s);
    long side = 1L << z;
    if (y < 0 || x >= side || y >= side) {
        http_problem(req, 400, "invalid-parameter",
                     "tile %d/%d/%s does not exist: x and y run from 0 to %ld at zoom %d", z, x,
                     a->v[3].s, side - 1, z);
        return;
    }
    if (z < sets[set].minzoom) {
        send_tile(t, req, NULL, 0, false, "", false);
        return;
    }
    tiles_fresh(t);
    struct tile_cache *c = t->api->tiles;
    uint64_t key = tile_key(set, z, x, (int)y);
    struct tile_hit hit;
    if (tile_cache_get(c, key, pool_alloc, &req->pool, &hit) == TILE_HIT) {
        send_tile(t, req, hit.data, hit.len, true, hit.etag, true);
        return;
    }
    int rc = build(t, set, z, x, (int)y);
    char etag[24];
    http_etag(L->raw.data ? L->raw.data : "", L->raw.len, etag);
    if (rc < 0) {
        tile_cache_abandon(c, key);
        http_problem_err(req, rc, "the tile could not be made");
        return;
    }
    bool accepts = (h2o_get_compressible_types(&req->headers) & H2O_COMPRESSIBLE_GZIP) != 0;
    if (tile_cache_enabled(c)) {
        if (L->raw.len == 0) {
            tile_cache_put(c, key, "", 0, etag);
            send_tile(t, req, NULL, 0, false, etag, false);
            return;
        }
        if (gzip(L, L->raw.data, L->raw.len) < 0) {
            tile_cache_abandon(c, key);
            http_problem(req, 500, "internal", "the tile could not be compressed");
            return;
        }
        tile_cache_put(c, key, L->gz.data, L->gz.len, etag);
    } else if (accepts && L->raw.len > 0 && gzip(L, L->raw.data, L->raw.len) < 0) {
        http_problem(req, 500, "internal", "the tile could not be compressed");
        return;
    }
    if (accepts && L->raw.len > 0) {
        void *body = h2o_mem_alloc_pool(&req->pool, L->gz.len);
        memcpy(body, L->gz.data, L->gz.len);
        send_tile(t, req, body, L->gz.len, true, etag, false);
    } else {
        void *body = h2o_mem_alloc_pool(&req->pool, L->raw.len ? L->raw.len : 1);
        if (L->raw.len)
            memcpy(body, L->raw.data, L->raw.len);
        send_tile(t, req, body, L->raw.len, false, etag, false);
    }
}

/* ------------------------------------------------------------ TileJSON */

const struct http_param api_p_tilejson[] = {
    {"tileset", HTTP_PARAM_CODE, HTTP_IN_PATH, true, 0, 0, 1, 40,
     "Tile set followed by .json: parcels.json, labels.json, communes.json, planning.json"},
    {NULL, 0, 0, false, 0, 0, 0, 0, NULL},
};

static json_t *fields_json(const char *spec)
{
    json_t *o = json_object();
    const char *s = spec;
    while (s && *s) {
        const char *colon = strchr(s, ':'), *comma = strchr(s, ',');
        if (!colon)
            break;
        const char *end = comma ? comma : s + strlen(s);
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(colon - s), s);
        json_object_set_new(o, key, json_stringn(colon + 1, (size_t)(end - colon - 1)));
        s = comma ? comma + 1 : end;
    }
    return o;
}

void api_h_tilejson(void *tdata, h2o_req_t *req, const struct http_route *r,
                    const struct http_args *a)
{
    struct api_thread *t = tdata;
    (void)r;
    const char *name = a->v[0].s;
    size_t n = a->v[0].len;
    if (n > 5 && strcmp(name + n - 5, ".json") == 0)
        n -= 5;
    int set = set_index(name, n);
    if (set < 0) {
        http_problem(req, 404, "not-found", "no tile set '%.*s': parcels, labels, communes or planning",
                     (int)n, name);
        return;
    }
    api_ref_fresh(t);
    const struct tileset *ts = &sets[set];
    const struct geo_box *lb = &t->ref.lonlat_box;
    struct buf url = BUF_INIT;
    buf_appendf(&url, "%.*s://%.*s/tiles/%s/{z}/{x}/{y}.mvt", (int)req->scheme->name.len,
                req->scheme->name.base, (int)req->authority.len, req->authority.base, ts->name);
    json_t *doc = json_object();
    json_object_set_new(doc, "tilejson", json_string("3.0.0"));
    json_object_set_new(doc, "name", json_string(ts->name));
    json_object_set_new(doc, "description", json_string(ts->description));
    json_object_set_new(doc, "version", json_string("1.0.0"));
    json_object_set_new(doc, "scheme", json_string("xyz"));
    json_object_set_new(doc, "tiles", json_pack("[s]", buf_cstr(&url)));
    json_object_set_new(doc, "minzoom", json_integer(ts->minzoom));
    json_object_set_new(doc, "maxzoom", json_integer(ts->maxzoom));
    if (lb->maxx > lb->minx) {
        json_object_set_new(doc, "bounds",
                            json_pack("[ffff]", http_round(lb->minx, 6), http_round(lb->miny, 6),
                                      http_round(lb->maxx, 6), http_round(lb->maxy, 6)));
        json_object_set_new(doc, "center",
                            json_pack("[ffi]", http_round((lb->minx + lb->maxx) / 2, 6),
                                      http_round((lb->miny + lb->maxy) / 2, 6),
                                      ts->minzoom > 9 ? ts->minzoom : 9));
    }
    json_t *vl = json_array();
    for (int i = 0; i < 2 && ts->layers[i]; i++)
        json_array_append_new(vl, json_pack("{s:s,s:o,s:i,s:i}", "id", ts->layers[i], "fields",
                                            fields_json(ts->fields[i]), "minzoom", ts->minzoom,
                                            "maxzoom", ts->maxzoom));
    json_object_set_new(doc, "vector_layers", vl);
    buf_free(&url);
    http_send_json(req, doc, t->api->tile_cache_control);
}
