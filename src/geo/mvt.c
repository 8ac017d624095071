/* mvt — Mapbox Vector Tile 2.1 encoder; see mvt.h.
 *
 * The path of one feature: WKB is read straight into tile coordinates
 * (doubles), clipped to the tile plus buffer (lines by Liang-Barsky, polygons
 * by GEOS's rectangle clip, which keeps valid polygons valid, and only for the
 * polygons that cross the clip rectangle), snapped to the integer grid,
 * simplified by Douglas-Peucker, checked and given the spec's winding, and
 * written as commands straight into the layer's geometry array. Snapping can
 * make a valid polygon invalid (a thin part collapses onto itself), so every
 * polygon is checked after it: exactly, with integer arithmetic, when it is
 * small (the common case for parcels), by GEOS otherwise; an invalid one is
 * repaired with GEOSMakeValid and snapped once more.
 *
 * Nothing goes through the generated protobuf structs until mvt_tile_encode():
 * layers keep plain arrays, and the encoder points the structs into them. */
#include "geo/mvt.h"

#include "core/err.h"
#include "core/mem.h"

#include "vector_tile.pb-c.h"

#define GEOS_USE_ONLY_R_API
#include <geos_c.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEB_MERCATOR_HALF 20037508.342789244 /* half the world's width in EPSG:3857 metres */
#define SMALL_POLYGON 64 /* up to this many vertices, validity is checked here, not by GEOS */

enum { CMD_MOVETO = 1, CMD_LINETO = 2, CMD_CLOSEPATH = 7 };
enum { WKB_POINT = 1, WKB_LINESTRING, WKB_POLYGON, WKB_MULTIPOINT, WKB_MULTILINESTRING,
       WKB_MULTIPOLYGON };

struct dpt {
    double x, y; /* tile units, y down; layout matches GEOS coordinate buffers */
};

struct ipt {
    int32_t x, y; /* snapped tile units */
};

struct span {
    size_t off, n; /* a ring or path inside a point array */
};

struct value {
    enum mvt_type type;
    union {
        char *s; /* owned */
        int64_t i;
        double d;
        bool b;
    } v;
    uint32_t hash;
};

struct feature {
    uint64_t id;
    int type;             /* VECTOR_TILE__TILE__GEOM_TYPE__* */
    size_t tag_off, ntags; /* into the layer's tags */
    size_t geom_off, ngeom; /* into the layer's geom */
};

/* Open addressing over a table's entries: slot = entry index + 1, 0 = free. */
struct index {
    uint32_t *slot;
    size_t cap; /* power of two, or 0 */
};

struct mvt_layer {
    struct mvt_tile *tile;
    char *name;
    char **keys;
    uint32_t *keyhash; /* parallel to keys, for rehashing */
    size_t nkeys, capkeys, capkeyhash;
    struct index keyidx;
    struct value *vals;
    size_t nvals, capvals;
    struct index validx;
    struct feature *feat;
    size_t nfeat, capfeat;
    uint32_t *tags;
    size_t ntags, captags;
    uint32_t *geom;
    size_t ngeom, capgeom;
};

struct mvt_tile {
    int z, x, y;
    unsigned extent, buffer;
    double tolerance;
    double minx, maxy, scale; /* tile origin in metres; tile units per metre */
    double lo, hi;            /* clip rectangle on both axes: -buffer, extent + buffer */
    struct mvt_layer **layers; /* the first nlayers are in use, the rest kept for reuse */
    size_t nlayers, npool, caplayers;
    GEOSContextHandle_t gh; /* made on first need */
    struct buf err;
    /* scratch, reused from feature to feature */
    struct dpt *dp, *dq, *dm; /* read from WKB / clipped / repaired, tile units */
    size_t capdp, capdq, capdm;
    struct dpt *dc;           /* convex clipping: the other half of its ping-pong with dq */
    size_t capdc;
    struct span *dr, *qr, *mr;
    size_t capdr, capqr, capmr;
    struct ipt *ip, *tmp; /* snapped rings of the polygon being written; snapping scratch */
    size_t nip, capip, captmp;
    struct span *ir;
    size_t nir, capir;
    struct ipt *fp; /* finished polygons of the feature: rings, exteriors first */
    size_t nfp, capfp;
    struct span *fr;
    size_t nfr, capfr, npoly;
    bool *keep;
    size_t capkeep;
    size_t *stack;
    size_t capstack;
    int32_t cx, cy; /* command cursor of the feature being written */
};

/* ---- small helpers ---- */

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    *cap = c;
    return xrealloc(p, c * size);
}

#define GROW(a, cap, need) ((a) = grow((a), &(cap), (need), sizeof *(a)))

__attribute__((format(printf, 2, 3))) static int fail(struct mvt_tile *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_reset(&t->err);
    buf_vappendf(&t->err, fmt, ap);
    va_end(ap);
    return LIS_EINVAL;
}

static uint32_t fnv(const void *p, size_t n, uint32_t h)
{
    const uint8_t *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h;
}

static uint32_t zigzag(int32_t v)
{
    return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

static uint32_t command(unsigned id, size_t count)
{
    return (uint32_t)(id & 7) | (uint32_t)(count << 3);
}

/* ---- tile math ---- */

int mvt_tile_bounds(int z, int x, int y, double box[4])
{
    if (z < 0 || z > MVT_MAXZOOM)
        return LIS_EINVAL;
    long n = 1L << z;
    if (x < 0 || x >= n || y < 0 || y >= n)
        return LIS_EINVAL;
    double w = 2 * WEB_MERCATOR_HALF / (double)n;
    box[0] = -WEB_MERCATOR_HALF + x * w;
    box[2] = box[0] + w;
    box[3] = WEB_MERCATOR_HALF - y * w;
    box[1] = box[3] - w;
    return 0;
}

static int place(struct mvt_tile *t, int z, int x, int y)
{
    double box[4];
    if (mvt_tile_bounds(z, x, y, box))
        return LIS_EINVAL;
    t->z = z;
    t->x = x;
    t->y = y;
    t->minx = box[0];
    t->maxy = box[3];
    t->scale = t->extent / (box[2] - box[0]);
    return 0;
}

/* ---- tile and layer lifetime ---- */

struct mvt_tile *mvt_tile_new(int z, int x, int y, unsigned extent, unsigned buffer)
{
    if (extent < 1 || extent > 65536 || buffer > extent)
        return NULL;
    struct mvt_tile *t = xcalloc(1, sizeof *t);
    t->extent = extent;
    t->buffer = buffer;
    t->tolerance = 1.0;
    t->lo = -(double)buffer;
    t->hi = (double)extent + buffer;
    if (place(t, z, x, y)) {
        free(t);
        return NULL;
    }
    return t;
}

/* Forget a layer's contents, keeping its arrays for the next use. */
static void layer_clear(struct mvt_layer *l)
{
    for (size_t i = 0; i < l->nkeys; i++)
        free(l->keys[i]);
    for (size_t i = 0; i < l->nvals; i++)
        if (l->vals[i].type == MVT_STRING)
            free(l->vals[i].v.s);
    free(l->name);
    l->name = NULL;
    l->nkeys = l->nvals = l->nfeat = l->ntags = l->ngeom = 0;
    if (l->keyidx.cap)
        memset(l->keyidx.slot, 0, l->keyidx.cap * sizeof *l->keyidx.slot);
    if (l->validx.cap)
        memset(l->validx.slot, 0, l->validx.cap * sizeof *l->validx.slot);
}

static void layer_free(struct mvt_layer *l)
{
    layer_clear(l);
    free(l->keys);
    free(l->keyhash);
    free(l->keyidx.slot);
    free(l->vals);
    free(l->validx.slot);
    free(l->feat);
    free(l->tags);
    free(l->geom);
    free(l);
}

void mvt_tile_free(struct mvt_tile *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->npool; i++)
        layer_free(t->layers[i]);
    free(t->layers);
    if (t->gh)
        GEOS_finish_r(t->gh);
    buf_free(&t->err);
    free(t->dp);
    free(t->dq);
    free(t->dm);
    free(t->dc);
    free(t->dr);
    free(t->qr);
    free(t->mr);
    free(t->ip);
    free(t->tmp);
    free(t->ir);
    free(t->fp);
    free(t->fr);
    free(t->keep);
    free(t->stack);
    free(t);
}

int mvt_tile_reset(struct mvt_tile *t, int z, int x, int y)
{
    if (place(t, z, x, y))
        return LIS_EINVAL;
    for (size_t i = 0; i < t->nlayers; i++)
        layer_clear(t->layers[i]);
    t->nlayers = 0;
    buf_reset(&t->err);
    return 0;
}

void mvt_tile_set_tolerance(struct mvt_tile *t, double units)
{
    t->tolerance = units > 0 ? units : 0;
}

const char *mvt_errmsg(const struct mvt_tile *t)
{
    return buf_cstr(&t->err);
}

struct mvt_layer *mvt_layer(struct mvt_tile *t, const char *name)
{
    for (size_t i = 0; i < t->nlayers; i++)
        if (strcmp(t->layers[i]->name, name) == 0)
            return t->layers[i];
    if (t->nlayers == t->npool) {
        GROW(t->layers, t->caplayers, t->npool + 1);
        t->layers[t->npool++] = xcalloc(1, sizeof(struct mvt_layer));
    }
    struct mvt_layer *l = t->layers[t->nlayers++];
    l->tile = t;
    l->name = xstrdup(name);
    return l;
}

size_t mvt_layer_count(const struct mvt_layer *l)
{
    return l->nfeat;
}

/* ---- keys and values tables ---- */

/* Double the index when it is half full, re-placing entries by their hashes. */
static void index_make_room(struct index *ix, size_t n, const uint32_t *hashes,
                            const struct value *vals)
{
    if ((n + 1) * 2 <= ix->cap)
        return;
    size_t cap = ix->cap ? ix->cap * 2 : 64;
    free(ix->slot);
    ix->slot = xcalloc(cap, sizeof *ix->slot);
    ix->cap = cap;
    for (size_t e = 0; e < n; e++) {
        size_t i = (hashes ? hashes[e] : vals[e].hash) & (cap - 1);
        while (ix->slot[i])
            i = (i + 1) & (cap - 1);
        ix->slot[i] = (uint32_t)(e + 1);
    }
}

static uint32_t key_index(struct mvt_layer *l, const char *key)
{
    uint32_t h = fnv(key, strlen(key), 2166136261u);
    index_make_room(&l->keyidx, l->nkeys, l->keyhash, NULL);
    size_t mask = l->keyidx.cap - 1, i = h & mask;
    for (; l->keyidx.slot[i]; i = (i + 1) & mask) {
        uint32_t e = l->keyidx.slot[i] - 1;
        if (l->keyhash[e] == h && strcmp(l->keys[e], key) == 0)
            return e;
    }
    GROW(l->keys, l->capkeys, l->nkeys + 1);
    GROW(l->keyhash, l->capkeyhash, l->nkeys + 1);
    l->keys[l->nkeys] = xstrdup(key);
    l->keyhash[l->nkeys] = h;
    l->keyidx.slot[i] = (uint32_t)(l->nkeys + 1);
    return (uint32_t)l->nkeys++;
}

static uint32_t value_hash(const struct mvt_attr *a)
{
    uint8_t type = (uint8_t)a->type;
    uint32_t h = fnv(&type, 1, 2166136261u);
    switch (a->type) {
    case MVT_STRING: return fnv(a->v.s, strlen(a->v.s), h);
    case MVT_INT: return fnv(&a->v.i, sizeof a->v.i, h);
    case MVT_DOUBLE: return fnv(&a->v.d, sizeof a->v.d, h);
    case MVT_BOOL: return fnv(&(uint8_t){a->v.b}, 1, h);
    }
    return h;
}

/* Doubles compare by their bits, so that every NaN or -0.0 is kept once. */
static bool value_same(const struct value *v, const struct mvt_attr *a)
{
    if (v->type != a->type)
        return false;
    switch (a->type) {
    case MVT_STRING: return strcmp(v->v.s, a->v.s) == 0;
    case MVT_INT: return v->v.i == a->v.i;
    case MVT_DOUBLE: return memcmp(&v->v.d, &a->v.d, sizeof a->v.d) == 0;
    case MVT_BOOL: return v->v.b == a->v.b;
    }
    return false;
}

static uint32_t value_index(struct mvt_layer *l, const struct mvt_attr *a)
{
    uint32_t h = value_hash(a);
    index_make_room(&l->validx, l->nvals, NULL, l->vals);
    size_t mask = l->validx.cap - 1, i = h & mask;
    for (; l->validx.slot[i]; i = (i + 1) & mask) {
        uint32_t e = l->validx.slot[i] - 1;
        if (l->vals[e].hash == h && value_same(&l->vals[e], a))
            return e;
    }
    GROW(l->vals, l->capvals, l->nvals + 1);
    struct value *v = &l->vals[l->nvals];
    v->type = a->type;
    v->hash = h;
    switch (a->type) {
    case MVT_STRING: v->v.s = xstrdup(a->v.s); break;
    case MVT_INT: v->v.i = a->v.i; break;
    case MVT_DOUBLE: v->v.d = a->v.d; break;
    case MVT_BOOL: v->v.b = a->v.b; break;
    }
    l->validx.slot[i] = (uint32_t)(l->nvals + 1);
    return (uint32_t)l->nvals++;
}

static int check_attrs(struct mvt_tile *t, const struct mvt_attr *attrs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!attrs[i].key)
            return fail(t, "attribute %zu has no key", i);
        if (attrs[i].type < MVT_STRING || attrs[i].type > MVT_BOOL)
            return fail(t, "attribute %s has an unknown type", attrs[i].key);
    }
    return 0;
}

static void add_tags(struct mvt_layer *l, const struct mvt_attr *attrs, size_t n)
{
    GROW(l->tags, l->captags, l->ntags + 2 * n);
    for (size_t i = 0; i < n; i++) {
        const struct mvt_attr *a = &attrs[i];
        if (a->type == MVT_STRING && !a->v.s)
            continue;
        bool repeated = false;
        for (size_t j = 0; j < i && !repeated; j++)
            repeated = strcmp(attrs[j].key, a->key) == 0 &&
                       !(attrs[j].type == MVT_STRING && !attrs[j].v.s);
        if (repeated)
            continue;
        l->tags[l->ntags++] = key_index(l, a->key);
        l->tags[l->ntags++] = value_index(l, a);
    }
}

/* ---- WKB reading, straight into tile units ---- */

struct rd {
    const uint8_t *p, *end;
    bool swap;    /* byte order of the geometry being read differs from ours */
    unsigned dim; /* ordinates per point */
};

static int rd_u32(struct rd *r, uint32_t *v)
{
    if (r->end - r->p < 4)
        return LIS_EINVAL;
    uint32_t x;
    memcpy(&x, r->p, 4);
    r->p += 4;
    *v = r->swap ? __builtin_bswap32(x) : x;
    return 0;
}

static double rd_f64_at(const struct rd *r, const uint8_t *p)
{
    uint64_t u;
    memcpy(&u, p, 8);
    if (r->swap)
        u = __builtin_bswap64(u);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* Byte order and type of the next geometry; ISO (1000s) and EWKB (flag
 * bits) dimension markings are both understood. *type is 1..7. */
static int rd_header(struct rd *r, uint32_t *type)
{
    if (r->p >= r->end || *r->p > 1)
        return LIS_EINVAL;
    r->swap = (*r->p++ == 1) != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
    uint32_t code;
    if (rd_u32(r, &code))
        return LIS_EINVAL;
    unsigned dim = 2;
    if (code & 0xE0000000u) {
        dim += !!(code & 0x80000000u) + !!(code & 0x40000000u);
        if (code & 0x20000000u) {
            uint32_t srid;
            if (rd_u32(r, &srid))
                return LIS_EINVAL;
        }
        code &= 0x0FFFFFFFu;
    }
    if (code >= 1000 && code < 4000) {
        dim = code / 1000 == 3 ? 4 : 3;
        code %= 1000;
    }
    if (code < 1 || code > 7)
        return LIS_EINVAL;
    r->dim = dim;
    *type = code;
    return 0;
}

/* Read n points into pts[off..] as tile units; n is checked against the
 * bytes left before anything is allocated. */
static int rd_points(struct mvt_tile *t, struct rd *r, uint32_t n, struct dpt **pts, size_t *cap,
                     size_t off)
{
    size_t step = 8u * r->dim;
    if ((size_t)(r->end - r->p) / step < n)
        return LIS_EINVAL;
    *pts = grow(*pts, cap, off + n + 1, sizeof **pts); /* +1: room to close a ring */
    for (uint32_t i = 0; i < n; i++, r->p += step) {
        double x = rd_f64_at(r, r->p), y = rd_f64_at(r, r->p + 8);
        (*pts)[off + i] = (struct dpt){(x - t->minx) * t->scale, (t->maxy - y) * t->scale};
    }
    return 0;
}

/* ---- snapping and simplification ---- */

static double seg_dist2(struct ipt p, struct ipt a, struct ipt b)
{
    double dx = (double)b.x - a.x, dy = (double)b.y - a.y;
    double px = (double)p.x - a.x, py = (double)p.y - a.y;
    double len2 = dx * dx + dy * dy;
    if (len2 > 0) {
        double u = (px * dx + py * dy) / len2;
        if (u > 1) {
            px -= dx;
            py -= dy;
        } else if (u > 0) {
            px -= u * dx;
            py -= u * dy;
        }
    }
    return px * px + py * py;
}

/* Douglas-Peucker between p[first] and p[last]: marks in keep[] the vertices
 * farther than the tolerance from the simplified line. */
static void simplify(struct mvt_tile *t, const struct ipt *p, size_t first, size_t last)
{
    double tol2 = t->tolerance * t->tolerance;
    size_t n = 0;
    GROW(t->stack, t->capstack, 2);
    t->stack[n++] = first;
    t->stack[n++] = last;
    while (n) {
        size_t b = t->stack[--n], a = t->stack[--n];
        double best = -1;
        size_t k = 0;
        for (size_t i = a + 1; i < b; i++) {
            double d = seg_dist2(p[i], p[a], p[b]);
            if (d > best) {
                best = d;
                k = i;
            }
        }
        if (best > tol2) {
            t->keep[k] = true;
            GROW(t->stack, t->capstack, n + 4);
            t->stack[n++] = a;
            t->stack[n++] = k;
            t->stack[n++] = k;
            t->stack[n++] = b;
        }
    }
}

static int32_t snap(double v)
{
    return (int32_t)floor(v + 0.5);
}

/* Snap a ring (closed or not) of n points into t->tmp without repeated
 * vertices or closing point; returns how many are left. */
static size_t snap_ring(struct mvt_tile *t, const struct dpt *p, size_t n)
{
    GROW(t->tmp, t->captmp, n + 1);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        struct ipt q = {snap(p[i].x), snap(p[i].y)};
        if (m && q.x == t->tmp[m - 1].x && q.y == t->tmp[m - 1].y)
            continue;
        t->tmp[m++] = q;
    }
    while (m > 1 && t->tmp[m - 1].x == t->tmp[0].x && t->tmp[m - 1].y == t->tmp[0].y)
        m--;
    return m;
}

/* Simplify the m open-ring vertices in t->tmp and append the survivors to
 * t->ip; returns how many were appended (0 when fewer than 3 are left). */
static size_t keep_ring(struct mvt_tile *t, size_t m, bool simplified)
{
    if (m < 3)
        return 0;
    GROW(t->keep, t->capkeep, m + 1);
    if (simplified && t->tolerance > 0) {
        t->tmp[m] = t->tmp[0]; /* the closing vertex, so both halves end on a kept one */
        memset(t->keep, 0, (m + 1) * sizeof *t->keep);
        size_t far = 0;
        double best = -1;
        for (size_t i = 1; i < m; i++) {
            double dx = (double)t->tmp[i].x - t->tmp[0].x, dy = (double)t->tmp[i].y - t->tmp[0].y;
            if (dx * dx + dy * dy > best) {
                best = dx * dx + dy * dy;
                far = i;
            }
        }
        t->keep[0] = t->keep[far] = true;
        simplify(t, t->tmp, 0, far);
        simplify(t, t->tmp, far, m);
    } else {
        for (size_t i = 0; i < m; i++)
            t->keep[i] = true;
    }
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        k += t->keep[i];
    if (k < 3)
        return 0;
    GROW(t->ip, t->capip, t->nip + k);
    for (size_t i = 0; i < m; i++)
        if (t->keep[i])
            t->ip[t->nip++] = t->tmp[i];
    return k;
}

/* Twice the area by the spec's formula: positive for an exterior ring. */
static int64_t area2(const struct ipt *p, size_t n)
{
    int64_t s = 0;
    for (size_t i = 0, j = n - 1; i < n; j = i++)
        s += (int64_t)p[j].x * p[i].y - (int64_t)p[i].x * p[j].y;
    return s;
}

static void reverse(struct ipt *p, size_t n)
{
    for (size_t i = 0, j = n - 1; i < j; i++, j--) {
        struct ipt s = p[i];
        p[i] = p[j];
        p[j] = s;
    }
}

/* ---- exact validity of small snapped polygons ---- */

static int orient(struct ipt a, struct ipt b, struct ipt c)
{
    int64_t v = (int64_t)(b.x - a.x) * (c.y - a.y) - (int64_t)(b.y - a.y) * (c.x - a.x);
    return (v > 0) - (v < 0);
}

/* c is collinear with a-b: does it lie on the segment? */
static bool within(struct ipt a, struct ipt b, struct ipt c)
{
    return c.x >= (a.x < b.x ? a.x : b.x) && c.x <= (a.x > b.x ? a.x : b.x) &&
           c.y >= (a.y < b.y ? a.y : b.y) && c.y <= (a.y > b.y ? a.y : b.y);
}

/* Do segments a-b and c-d share any point? */
static bool meet(struct ipt a, struct ipt b, struct ipt c, struct ipt d)
{
    int o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
    if (o1 != o2 && o3 != o4)
        return true;
    return (o1 == 0 && within(a, b, c)) || (o2 == 0 && within(a, b, d)) ||
           (o3 == 0 && within(c, d, a)) || (o4 == 0 && within(c, d, b));
}

/* Is p strictly inside the ring (p known not to be on it)? */
static bool inside(struct ipt p, const struct ipt *r, size_t n)
{
    bool in = false;
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
        if ((r[i].y > p.y) != (r[j].y > p.y)) {
            /* crossing of the edge with the horizontal through p, compared exactly */
            int64_t lhs = (int64_t)(p.x - r[i].x) * (r[j].y - r[i].y);
            int64_t rhs = (int64_t)(r[j].x - r[i].x) * (p.y - r[i].y);
            if ((r[j].y > r[i].y) ? lhs < rhs : lhs > rhs)
                in = !in;
        }
    }
    return in;
}

/* Strict check of t->ip/ir: no two edges share a point except neighbours at
 * their common vertex, no edge folds back on its neighbour, holes lie inside
 * the shell and outside each other. A hole touching the shell at one point is
 * valid yet rejected here; the repair then costs time, not correctness. */
static bool small_valid(const struct mvt_tile *t)
{
    for (size_t r = 0; r < t->nir; r++) {
        const struct ipt *p = t->ip + t->ir[r].off;
        size_t n = t->ir[r].n;
        for (size_t i = 0; i < n; i++) {
            struct ipt a = p[i], b = p[(i + 1) % n], c = p[(i + 2) % n];
            if (orient(a, b, c) == 0 &&
                (int64_t)(b.x - a.x) * (c.x - b.x) + (int64_t)(b.y - a.y) * (c.y - b.y) < 0)
                return false; /* a spike */
            for (size_t j = i + 2; j < n; j++) {
                if (i == 0 && j == n - 1)
                    continue;
                if (meet(a, b, p[j], p[(j + 1) % n]))
                    return false;
            }
        }
        for (size_t s = r + 1; s < t->nir; s++) {
            const struct ipt *q = t->ip + t->ir[s].off;
            size_t m = t->ir[s].n;
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < m; j++)
                    if (meet(p[i], p[(i + 1) % n], q[j], q[(j + 1) % m]))
                        return false;
        }
    }
    const struct ipt *shell = t->ip + t->ir[0].off;
    for (size_t r = 1; r < t->nir; r++) {
        struct ipt v = t->ip[t->ir[r].off];
        if (!inside(v, shell, t->ir[0].n))
            return false;
        for (size_t s = 1; s < t->nir; s++)
            if (s != r && inside(v, t->ip + t->ir[s].off, t->ir[s].n))
                return false;
    }
    return true;
}

/* ---- GEOS ---- */

static void geos_error(const char *msg, void *ctx)
{
    struct mvt_tile *t = ctx;
    buf_reset(&t->err);
    buf_appendf(&t->err, "GEOS: %s", msg);
}

static GEOSContextHandle_t geos(struct mvt_tile *t)
{
    if (!t->gh) {
        t->gh = GEOS_init_r();
        GEOSContext_setErrorMessageHandler_r(t->gh, geos_error, t);
    }
    return t->gh;
}

/* A GEOS polygon from closed rings of doubles; NULL when the shell has fewer
 * than 4 points (holes that short are left out). */
static GEOSGeometry *geos_polygon(struct mvt_tile *t, const struct dpt *p, const struct span *r,
                                  size_t nr)
{
    GEOSContextHandle_t gh = geos(t);
    if (!nr || r[0].n < 4)
        return NULL;
    GEOSGeometry **holes = xmalloc((nr ? nr : 1) * sizeof *holes);
    GEOSGeometry *shell = NULL, *poly = NULL;
    size_t nh = 0;
    for (size_t i = 0; i < nr; i++) {
        if (r[i].n < 4)
            continue;
        const double *xy = (const double *)(p + r[i].off);
        GEOSCoordSequence *s = GEOSCoordSeq_copyFromBuffer_r(gh, xy, (unsigned)r[i].n, 0, 0);
        GEOSGeometry *ring = s ? GEOSGeom_createLinearRing_r(gh, s) : NULL;
        if (!ring)
            goto out;
        if (i == 0)
            shell = ring;
        else
            holes[nh++] = ring;
    }
    poly = GEOSGeom_createPolygon_r(gh, shell, holes, (unsigned)nh);
    if (poly)
        shell = NULL, nh = 0; /* the polygon owns them now */
out:
    if (shell)
        GEOSGeom_destroy_r(gh, shell);
    for (size_t i = 0; i < nh; i++)
        GEOSGeom_destroy_r(gh, holes[i]);
    free(holes);
    return poly;
}

/* Snapped open rings p/r as closed rings of doubles in t->dm/mr. */
static void to_doubles(struct mvt_tile *t, const struct ipt *p, const struct span *r, size_t nr)
{
    size_t np = 0;
    for (size_t i = 0; i < nr; i++)
        np += r[i].n + 1;
    GROW(t->dm, t->capdm, np);
    GROW(t->mr, t->capmr, nr);
    size_t k = 0;
    for (size_t i = 0; i < nr; i++) {
        t->mr[i].off = k;
        for (size_t j = 0; j < r[i].n; j++) {
            struct ipt q = p[r[i].off + j];
            t->dm[k++] = (struct dpt){q.x, q.y};
        }
        t->dm[k] = t->dm[t->mr[i].off];
        k++;
        t->mr[i].n = r[i].n + 1;
    }
}

static void snapped_to_doubles(struct mvt_tile *t)
{
    to_doubles(t, t->ip, t->ir, t->nir);
}

/* The rings of a GEOS polygon into pts and rings (closed, as GEOS keeps them). */
static size_t from_geos(struct mvt_tile *t, const GEOSGeometry *poly, struct dpt **pts,
                        size_t *cappts, struct span **rings, size_t *caprings)
{
    GEOSContextHandle_t gh = t->gh;
    int nh = GEOSGetNumInteriorRings_r(gh, poly);
    size_t nr = 0, k = 0;
    *rings = grow(*rings, caprings, (size_t)(nh < 0 ? 0 : nh) + 1, sizeof **rings);
    for (int i = -1; i < nh; i++) {
        const GEOSGeometry *ring =
            i < 0 ? GEOSGetExteriorRing_r(gh, poly) : GEOSGetInteriorRingN_r(gh, poly, i);
        const GEOSCoordSequence *s = ring ? GEOSGeom_getCoordSeq_r(gh, ring) : NULL;
        unsigned n = 0;
        if (!s || !GEOSCoordSeq_getSize_r(gh, s, &n))
            break;
        *pts = grow(*pts, cappts, k + n + 1, sizeof **pts);
        if (n && !GEOSCoordSeq_copyToBuffer_r(gh, s, (double *)(*pts + k), 0, 0))
            break;
        (*rings)[nr++] = (struct span){k, n};
        k += n;
    }
    return nr;
}

/* ---- writing commands ---- */

static void put_points(struct mvt_layer *l, const struct ipt *p, size_t n)
{
    struct mvt_tile *t = l->tile;
    for (size_t i = 0; i < n; i++) {
        l->geom[l->ngeom++] = zigzag(p[i].x - t->cx);
        l->geom[l->ngeom++] = zigzag(p[i].y - t->cy);
        t->cx = p[i].x;
        t->cy = p[i].y;
    }
}

/* A path or ring: MoveTo its first vertex, LineTo the rest, ClosePath rings. */
static void put_path(struct mvt_layer *l, const struct ipt *p, size_t n, bool ring)
{
    GROW(l->geom, l->capgeom, l->ngeom + 2 * n + 3);
    l->geom[l->ngeom++] = command(CMD_MOVETO, 1);
    put_points(l, p, 1);
    l->geom[l->ngeom++] = command(CMD_LINETO, n - 1);
    put_points(l, p + 1, n - 1);
    if (ring)
        l->geom[l->ngeom++] = command(CMD_CLOSEPATH, 1);
}

/* ---- polygons ---- */

static int polygon_out(struct mvt_layer *l, const struct dpt *p, const struct span *r, size_t nr,
                       bool raw);

/* Make t->ip/ir valid with GEOS and write what is polygonal in the result.
 * MakeValid puts new vertices where edges crossed, off the grid; GEOS's
 * precision reduction then snap-rounds to whole units keeping the result
 * valid, which rounding here could not promise. */
static int repair(struct mvt_layer *l)
{
    struct mvt_tile *t = l->tile;
    GEOSContextHandle_t gh = geos(t);
    snapped_to_doubles(t);
    GEOSGeometry *poly = geos_polygon(t, t->dm, t->mr, t->nir), *made = NULL, *fixed = NULL;
    int rc = 0;
    if (!poly || !(made = GEOSMakeValid_r(gh, poly)) ||
        !(fixed = GEOSGeom_setPrecision_r(gh, made, 1.0, 0))) {
        rc = LIS_EIO;
        goto out;
    }
    int n = GEOSGetNumGeometries_r(gh, fixed);
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *g = GEOSGetGeometryN_r(gh, fixed, i);
        int type = GEOSGeomTypeId_r(gh, g);
        if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
            for (int j = 0; j < GEOSGetNumGeometries_r(gh, g); j++) {
                const GEOSGeometry *h = GEOSGetGeometryN_r(gh, g, j);
                if (GEOSGeomTypeId_r(gh, h) != GEOS_POLYGON)
                    continue;
                size_t nr = from_geos(t, h, &t->dm, &t->capdm, &t->mr, &t->capmr);
                polygon_out(l, t->dm, t->mr, nr, true);
            }
        } else if (type == GEOS_POLYGON) {
            size_t nr = from_geos(t, g, &t->dm, &t->capdm, &t->mr, &t->capmr);
            polygon_out(l, t->dm, t->mr, nr, true);
        }
    }
out:
    if (poly)
        GEOSGeom_destroy_r(gh, poly);
    if (made)
        GEOSGeom_destroy_r(gh, made);
    if (fixed)
        GEOSGeom_destroy_r(gh, fixed);
    return rc;
}

/* Snap, simplify, orient, check and write one polygon whose rings lie within
 * the clip rectangle. raw: the rings come from a repair, so they are neither
 * simplified nor checked again (a second pass could undo the first). */
static int polygon_out(struct mvt_layer *l, const struct dpt *p, const struct span *r, size_t nr,
                       bool raw)
{
    struct mvt_tile *t = l->tile;
    bool crossed = false; /* a ring of no area that is not flat: a figure eight */
    t->nip = t->nir = 0;
    for (size_t i = 0; i < nr; i++) {
        size_t m = snap_ring(t, p + r[i].off, r[i].n);
        size_t off = t->nip, k = keep_ring(t, m, !raw);
        if (k) {
            int64_t a = area2(t->ip + off, k);
            if (a == 0 && !raw) {
                crossed = true; /* lobes of opposite turn cancel out: the repair decides */
            } else if (a == 0) {
                k = 0;
            } else if ((a > 0) != (i == 0)) {
                reverse(t->ip + off, k);
            }
        }
        if (!k) {
            t->nip = off;
            if (i == 0)
                return 0; /* no shell, no polygon */
            continue;
        }
        GROW(t->ir, t->capir, t->nir + 1);
        t->ir[t->nir++] = (struct span){off, k};
    }
    if (!raw) {
        int ok;
        if (crossed) {
            ok = 0;
        } else if (t->nip <= SMALL_POLYGON) {
            ok = small_valid(t);
        } else {
            snapped_to_doubles(t);
            GEOSGeometry *g = geos_polygon(t, t->dm, t->mr, t->nir);
            ok = g ? GEOSisValid_r(t->gh, g) : 2;
            if (g)
                GEOSGeom_destroy_r(t->gh, g);
            if (ok == 2)
                return LIS_EIO;
        }
        if (!ok)
            return repair(l);
    }
    /* done: over to the feature's finished polygons */
    GROW(t->fp, t->capfp, t->nfp + t->nip);
    GROW(t->fr, t->capfr, t->nfr + t->nir);
    for (size_t i = 0; i < t->nir; i++) {
        t->fr[t->nfr++] = (struct span){t->nfp + t->ir[i].off, t->ir[i].n};
    }
    memcpy(t->fp + t->nfp, t->ip, t->nip * sizeof *t->ip);
    t->nfp += t->nip;
    t->npoly++;
    return 0;
}

/* Each polygon of the feature is valid by now, but two of them may overlap
 * (parts of invalid source data, or parts that snapping brought together),
 * which makes the whole invalid: then they are merged. Writes the rings. */
static int polygons_done(struct mvt_layer *l)
{
    struct mvt_tile *t = l->tile;
    int rc = 0;
    GEOSGeometry *multi = NULL, *merged = NULL, *fixed = NULL, **parts = NULL;
    GEOSContextHandle_t gh = NULL;
    if (t->npoly > 1) {
        gh = geos(t);
        to_doubles(t, t->fp, t->fr, t->nfr);
        parts = xmalloc(t->npoly * sizeof *parts);
        size_t np = 0;
        for (size_t s = 0, e; s < t->nfr; s = e) {
            for (e = s + 1; e < t->nfr && area2(t->fp + t->fr[e].off, t->fr[e].n) < 0; e++)
                ;
            if (!(parts[np] = geos_polygon(t, t->dm, t->mr + s, e - s)))
                break;
            np++;
        }
        multi = GEOSGeom_createCollection_r(gh, GEOS_MULTIPOLYGON, parts, (unsigned)np);
        if (!multi) {
            for (size_t i = 0; i < np; i++)
                GEOSGeom_destroy_r(gh, parts[i]);
            rc = LIS_EIO;
            goto out;
        }
        int ok = np == t->npoly ? GEOSisValid_r(gh, multi) : 2;
        if (ok != 1) {
            if (!(merged = GEOSUnaryUnion_r(gh, multi)) && !(merged = GEOSMakeValid_r(gh, multi))) {
                rc = LIS_EIO;
                goto out;
            }
            if (!(fixed = GEOSGeom_setPrecision_r(gh, merged, 1.0, 0))) {
                rc = LIS_EIO;
                goto out;
            }
            t->nfp = t->nfr = t->npoly = 0;
            int n = GEOSGetNumGeometries_r(gh, fixed);
            for (int i = 0; i < n; i++) {
                const GEOSGeometry *g = GEOSGetGeometryN_r(gh, fixed, i);
                if (GEOSGeomTypeId_r(gh, g) != GEOS_POLYGON)
                    continue;
                size_t nr = from_geos(t, g, &t->dq, &t->capdq, &t->qr, &t->capqr);
                polygon_out(l, t->dq, t->qr, nr, true);
            }
        }
    }
    for (size_t i = 0; i < t->nfr; i++)
        put_path(l, t->fp + t->fr[i].off, t->fr[i].n, true);
out:
    free(parts);
    if (multi)
        GEOSGeom_destroy_r(gh, multi);
    if (merged)
        GEOSGeom_destroy_r(gh, merged);
    if (fixed)
        GEOSGeom_destroy_r(gh, fixed);
    return rc;
}

/* Clip a polygon crossing the clip rectangle and write the pieces. */
/* One turn of a convex walk from edge (px, py) to edge (dx, dy): false when
 * it turns against *sign (set by the first real turn) or folds back. */
static bool same_turn(double px, double py, double dx, double dy, int *sign)
{
    double c = px * dy - py * dx;
    if (c == 0)
        return px * dx + py * dy > 0; /* straight on; back is a spike */
    int s = c > 0 ? 1 : -1;
    if (*sign && s != *sign)
        return false;
    *sign = s;
    return true;
}

/* Whether the closed ring p[0..n-1] is strictly convex, and so simple: every
 * turn the same way, no spike, and it goes round once (each coordinate
 * changes direction twice). Most parcels are: those are clipped by
 * convex_clip, the rest by GEOS. */
static bool convex(const struct dpt *p, size_t n)
{
    int sign = 0, xs = 0, ys = 0, fxs = 0, fys = 0, xch = 0, ych = 0;
    double px = 0, py = 0, fx = 0, fy = 0;
    size_t edges = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        double dx = p[i + 1].x - p[i].x, dy = p[i + 1].y - p[i].y;
        if (dx == 0 && dy == 0)
            continue;
        if (edges == 0) {
            fx = dx;
            fy = dy;
        } else if (!same_turn(px, py, dx, dy, &sign)) {
            return false;
        }
        int sx = dx > 0 ? 1 : dx < 0 ? -1 : 0, sy = dy > 0 ? 1 : dy < 0 ? -1 : 0;
        if (sx) {
            xch += xs && sx != xs;
            xs = sx;
            fxs = fxs ? fxs : sx;
        }
        if (sy) {
            ych += ys && sy != ys;
            ys = sy;
            fys = fys ? fys : sy;
        }
        px = dx;
        py = dy;
        edges++;
    }
    if (edges < 3 || !same_turn(px, py, fx, fy, &sign) || sign == 0)
        return false;
    xch += xs != fxs;
    ych += ys != fys;
    return xch <= 2 && ych <= 2;
}

/* Sutherland-Hodgman against one side of the clip square: keep the points
 * with (axis ? y : x) on the kept side of v (keep_below: <= v). in is an open
 * ring of n points; the result goes to *out, open; returns its length. */
static size_t clip_side(const struct dpt *in, size_t n, struct dpt **out, size_t *cap, int axis,
                        double v, bool keep_below)
{
    GROW(*out, *cap, 2 * n + 1);
    struct dpt *o = *out;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        struct dpt a = in[i], b = in[(i + 1) % n];
        double ca = axis ? a.y : a.x, cb = axis ? b.y : b.x;
        bool ina = keep_below ? ca <= v : ca >= v, inb = keep_below ? cb <= v : cb >= v;
        if (ina)
            o[m++] = a;
        if (ina != inb) {
            double f = (v - ca) / (cb - ca);
            struct dpt q = {a.x + f * (b.x - a.x), a.y + f * (b.y - a.y)};
            if (axis)
                q.y = v;
            else
                q.x = v;
            o[m++] = q;
        }
    }
    return m;
}

/* A convex shell (no holes) clipped to the square: convex again, so valid;
 * what only touches the square has no area and is dropped when written. */
static int convex_clip(struct mvt_layer *l, const struct span *r)
{
    struct mvt_tile *t = l->tile;
    size_t n = r->n - 1; /* open: the closing point off */
    GROW(t->dq, t->capdq, n + 1);
    memcpy(t->dq, t->dp + r->off, n * sizeof *t->dq);
    n = clip_side(t->dq, n, &t->dc, &t->capdc, 0, t->lo, false);
    n = clip_side(t->dc, n, &t->dq, &t->capdq, 0, t->hi, true);
    n = clip_side(t->dq, n, &t->dc, &t->capdc, 1, t->lo, false);
    n = clip_side(t->dc, n, &t->dq, &t->capdq, 1, t->hi, true);
    if (n < 3)
        return 0;
    t->dq[n++] = t->dq[0]; /* room: clip_side grew dq to 2n + 1 */
    GROW(t->qr, t->capqr, 1);
    t->qr[0] = (struct span){0, n};
    return polygon_out(l, t->dq, t->qr, 1, false);
}

static int polygon_clip(struct mvt_layer *l, const struct span *r, size_t nr)
{
    struct mvt_tile *t = l->tile;
    if (nr == 1 && convex(t->dp + r->off, r->n))
        return convex_clip(l, r);
    GEOSContextHandle_t gh = geos(t);
    GEOSGeometry *poly = geos_polygon(t, t->dp, r, nr), *clip = NULL, *fixed = NULL;
    int rc = 0;
    if (!poly)
        goto out; /* a shell too short to clip has no area to show */
    /* The rectangle clip keeps valid polygons valid but makes overlapping
     * pieces of invalid ones, so source data that slipped through unrepaired
     * is made valid first. */
    int ok = GEOSisValid_r(gh, poly);
    if (ok != 1 && !(fixed = GEOSMakeValid_r(gh, poly))) {
        rc = LIS_EIO;
        goto out;
    }
    if (!(clip = GEOSClipByRect_r(gh, fixed ? fixed : poly, t->lo, t->lo, t->hi, t->hi))) {
        rc = LIS_EIO;
        goto out;
    }
    int n = GEOSGetNumGeometries_r(gh, clip);
    for (int i = 0; i < n && rc == 0; i++) {
        const GEOSGeometry *g = GEOSGetGeometryN_r(gh, clip, i);
        int type = GEOSGeomTypeId_r(gh, g);
        int m = type == GEOS_POLYGON ? 1
                : type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION
                    ? GEOSGetNumGeometries_r(gh, g)
                    : 0;
        for (int j = 0; j < m && rc == 0; j++) {
            const GEOSGeometry *h = type == GEOS_POLYGON ? g : GEOSGetGeometryN_r(gh, g, j);
            if (GEOSGeomTypeId_r(gh, h) != GEOS_POLYGON)
                continue; /* lines and points where the polygon only touches the edge */
            size_t k = from_geos(t, h, &t->dq, &t->capdq, &t->qr, &t->capqr);
            rc = polygon_out(l, t->dq, t->qr, k, false);
        }
    }
out:
    if (poly)
        GEOSGeom_destroy_r(gh, poly);
    if (clip)
        GEOSGeom_destroy_r(gh, clip);
    if (fixed)
        GEOSGeom_destroy_r(gh, fixed);
    return rc;
}

/* One Polygon of the WKB (header already read). */
static int polygon(struct mvt_layer *l, struct rd *r)
{
    struct mvt_tile *t = l->tile;
    uint32_t nr;
    if (rd_u32(r, &nr) || (size_t)(r->end - r->p) / 4 < nr)
        return LIS_EINVAL;
    GROW(t->dr, t->capdr, (size_t)nr + 1);
    size_t k = 0;
    for (uint32_t i = 0; i < nr; i++) {
        uint32_t n;
        if (rd_u32(r, &n) || rd_points(t, r, n, &t->dp, &t->capdp, k))
            return LIS_EINVAL;
        if (n && (t->dp[k].x != t->dp[k + n - 1].x || t->dp[k].y != t->dp[k + n - 1].y))
            t->dp[k + n++] = t->dp[k]; /* close it: GEOS wants closed rings */
        for (uint32_t j = 0; j < n; j++)
            if (!isfinite(t->dp[k + j].x) || !isfinite(t->dp[k + j].y))
                return LIS_EINVAL;
        t->dr[i] = (struct span){k, n};
        k += n;
    }
    if (!nr || !t->dr[0].n)
        return 0; /* POLYGON EMPTY */
    /* the shell's box decides inside or outside; all rings' decide "no clip
     * needed", so that nothing out of the grid's range reaches snap() */
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < t->dr[0].n; i++) {
        struct dpt q = t->dp[i];
        x0 = q.x < x0 ? q.x : x0, y0 = q.y < y0 ? q.y : y0;
        x1 = q.x > x1 ? q.x : x1, y1 = q.y > y1 ? q.y : y1;
    }
    if (x1 < t->lo || y1 < t->lo || x0 > t->hi || y0 > t->hi)
        return 0;
    for (size_t i = t->dr[0].n; i < k; i++) {
        struct dpt q = t->dp[i];
        x0 = q.x < x0 ? q.x : x0, y0 = q.y < y0 ? q.y : y0;
        x1 = q.x > x1 ? q.x : x1, y1 = q.y > y1 ? q.y : y1;
    }
    if (x0 >= t->lo && y0 >= t->lo && x1 <= t->hi && y1 <= t->hi)
        return polygon_out(l, t->dp, t->dr, nr, false);
    return polygon_clip(l, t->dr, nr);
}

/* ---- lines ---- */

/* Liang-Barsky: the part [t0, t1] of a-b inside the square [lo, hi]². */
static bool clip_segment(double lo, double hi, struct dpt a, struct dpt b, double *t0, double *t1)
{
    double dx = b.x - a.x, dy = b.y - a.y;
    double p[4] = {-dx, dx, -dy, dy};
    double q[4] = {a.x - lo, hi - a.x, a.y - lo, hi - a.y};
    *t0 = 0;
    *t1 = 1;
    for (int k = 0; k < 4; k++) {
        if (p[k] == 0) {
            if (q[k] < 0)
                return false;
            continue;
        }
        double u = q[k] / p[k];
        if (p[k] < 0) {
            if (u > *t1)
                return false;
            if (u > *t0)
                *t0 = u;
        } else {
            if (u < *t0)
                return false;
            if (u < *t1)
                *t1 = u;
        }
    }
    return true;
}

/* Write one clipped piece of a line: snapped, simplified, at least 2 vertices. */
static void line_out(struct mvt_layer *l, const struct dpt *p, size_t n)
{
    struct mvt_tile *t = l->tile;
    GROW(t->tmp, t->captmp, n);
    GROW(t->keep, t->capkeep, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        struct ipt q = {snap(p[i].x), snap(p[i].y)};
        if (m && q.x == t->tmp[m - 1].x && q.y == t->tmp[m - 1].y)
            continue;
        t->tmp[m++] = q;
    }
    if (m < 2)
        return;
    memset(t->keep, 0, m * sizeof *t->keep);
    t->keep[0] = t->keep[m - 1] = true;
    if (t->tolerance > 0)
        simplify(t, t->tmp, 0, m - 1);
    else
        memset(t->keep, 1, m * sizeof *t->keep);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (t->keep[i])
            t->tmp[k++] = t->tmp[i];
    if (k == 2 && t->tmp[0].x == t->tmp[1].x && t->tmp[0].y == t->tmp[1].y)
        return; /* a closed line that simplified to nothing */
    put_path(l, t->tmp, k, false);
}

/* One LineString of the WKB (header already read). */
static int linestring(struct mvt_layer *l, struct rd *r)
{
    struct mvt_tile *t = l->tile;
    uint32_t n;
    if (rd_u32(r, &n) || rd_points(t, r, n, &t->dp, &t->capdp, 0))
        return LIS_EINVAL;
    for (uint32_t i = 0; i < n; i++)
        if (!isfinite(t->dp[i].x) || !isfinite(t->dp[i].y))
            return LIS_EINVAL;
    /* the pieces inside, end to end in t->dq */
    GROW(t->dq, t->capdq, 2 * (size_t)n);
    size_t k = 0, start = 0;
    bool open = false;
    for (uint32_t i = 0; i + 1 < n; i++) {
        struct dpt a = t->dp[i], b = t->dp[i + 1];
        double t0, t1;
        if (!clip_segment(t->lo, t->hi, a, b, &t0, &t1)) {
            if (open)
                line_out(l, t->dq + start, k - start);
            open = false;
            continue;
        }
        if (!open || t0 > 0) {
            if (open)
                line_out(l, t->dq + start, k - start);
            start = k;
            t->dq[k++] = (struct dpt){a.x + t0 * (b.x - a.x), a.y + t0 * (b.y - a.y)};
            open = true;
        }
        t->dq[k++] = (struct dpt){a.x + t1 * (b.x - a.x), a.y + t1 * (b.y - a.y)};
        if (t1 < 1) {
            line_out(l, t->dq + start, k - start);
            open = false;
        }
    }
    if (open)
        line_out(l, t->dq + start, k - start);
    return 0;
}

/* ---- points ---- */

/* Read one point (header already read) and keep it in t->ip if inside. */
static int point(struct mvt_tile *t, struct rd *r)
{
    if (rd_points(t, r, 1, &t->dp, &t->capdp, 0))
        return LIS_EINVAL;
    struct dpt q = t->dp[0];
    if (isnan(q.x) && isnan(q.y))
        return 0; /* POINT EMPTY */
    if (!isfinite(q.x) || !isfinite(q.y))
        return LIS_EINVAL;
    if (q.x < t->lo || q.x > t->hi || q.y < t->lo || q.y > t->hi)
        return 0;
    GROW(t->ip, t->capip, t->nip + 1);
    t->ip[t->nip++] = (struct ipt){snap(q.x), snap(q.y)};
    return 0;
}

/* ---- features ---- */

static int geometry(struct mvt_layer *l, struct rd *r, int *gtype)
{
    struct mvt_tile *t = l->tile;
    uint32_t type, n;
    if (rd_header(r, &type))
        return fail(t, "not WKB");
    int rc = 0;
    switch (type) {
    case WKB_POINT:
    case WKB_MULTIPOINT:
        *gtype = VECTOR_TILE__TILE__GEOM_TYPE__POINT;
        t->nip = 0;
        if (type == WKB_POINT) {
            rc = point(t, r);
        } else {
            if (rd_u32(r, &n))
                return fail(t, "truncated WKB");
            for (uint32_t i = 0; i < n && !rc; i++) {
                uint32_t sub;
                if (rd_header(r, &sub) || sub != WKB_POINT)
                    return fail(t, "malformed part %u of a MultiPoint", i);
                rc = point(t, r);
            }
        }
        if (!rc && t->nip) {
            GROW(l->geom, l->capgeom, l->ngeom + 2 * t->nip + 1);
            l->geom[l->ngeom++] = command(CMD_MOVETO, t->nip);
            put_points(l, t->ip, t->nip);
        }
        break;
    case WKB_LINESTRING:
        *gtype = VECTOR_TILE__TILE__GEOM_TYPE__LINESTRING;
        rc = linestring(l, r);
        break;
    case WKB_POLYGON:
        *gtype = VECTOR_TILE__TILE__GEOM_TYPE__POLYGON;
        t->nfp = t->nfr = t->npoly = 0;
        if (!(rc = polygon(l, r)))
            rc = polygons_done(l);
        break;
    case WKB_MULTILINESTRING:
    case WKB_MULTIPOLYGON:
        *gtype = type == WKB_MULTIPOLYGON ? VECTOR_TILE__TILE__GEOM_TYPE__POLYGON
                                          : VECTOR_TILE__TILE__GEOM_TYPE__LINESTRING;
        if (rd_u32(r, &n))
            return fail(t, "truncated WKB");
        t->nfp = t->nfr = t->npoly = 0;
        for (uint32_t i = 0; i < n && !rc; i++) {
            uint32_t sub;
            if (rd_header(r, &sub) || sub != type - 3)
                return fail(t, "malformed part %u of a multi-geometry", i);
            rc = type == WKB_MULTIPOLYGON ? polygon(l, r) : linestring(l, r);
        }
        if (!rc && type == WKB_MULTIPOLYGON)
            rc = polygons_done(l);
        break;
    default:
        return fail(t, "WKB type %u has no vector tile form", type);
    }
    if (rc == LIS_EINVAL)
        return fail(t, "malformed WKB");
    if (!rc && r->p != r->end)
        return fail(t, "bytes after the WKB geometry");
    return rc;
}

int mvt_add_feature(struct mvt_layer *l, uint64_t id, const uint8_t *wkb, size_t len,
                    const struct mvt_attr *attrs, size_t nattrs)
{
    struct mvt_tile *t = l->tile;
    int rc = check_attrs(t, attrs, nattrs);
    if (rc)
        return rc;
    if (!wkb)
        return fail(t, "no geometry");
    size_t geom0 = l->ngeom;
    struct rd r = {wkb, wkb + len, false, 2};
    int gtype = 0;
    t->cx = t->cy = 0;
    if ((rc = geometry(l, &r, &gtype)) < 0) {
        l->ngeom = geom0; /* nothing of a failed feature stays */
        return rc;
    }
    if (l->ngeom == geom0)
        return 1;
    size_t tag0 = l->ntags;
    add_tags(l, attrs, nattrs);
    GROW(l->feat, l->capfeat, l->nfeat + 1);
    l->feat[l->nfeat++] = (struct feature){id, gtype, tag0, l->ntags - tag0, geom0,
                                           l->ngeom - geom0};
    return 0;
}

/* ---- encoding ---- */

int mvt_tile_encode(struct mvt_tile *t, struct buf *out)
{
    size_t nl = 0, nf = 0, nv = 0;
    for (size_t i = 0; i < t->nlayers; i++) {
        if (!t->layers[i]->nfeat)
            continue;
        nl++;
        nf += t->layers[i]->nfeat;
        nv += t->layers[i]->nvals;
    }
    if (!nl)
        return 0;
    VectorTile__Tile tile = VECTOR_TILE__TILE__INIT;
    VectorTile__Tile__Layer *lay = xmalloc(nl * sizeof *lay), **layp = xmalloc(nl * sizeof *layp);
    VectorTile__Tile__Feature *f = xmalloc(nf * sizeof *f), **fp = xmalloc(nf * sizeof *fp);
    VectorTile__Tile__Value *v = xmalloc((nv ? nv : 1) * sizeof *v),
                            **vp = xmalloc((nv ? nv : 1) * sizeof *vp);
    size_t j = 0;
    nf = nv = 0;
    for (size_t i = 0; i < t->nlayers; i++) {
        struct mvt_layer *l = t->layers[i];
        if (!l->nfeat)
            continue;
        VectorTile__Tile__Layer *y = &lay[j];
        vector_tile__tile__layer__init(y);
        layp[j++] = y;
        y->version = 2;
        y->name = l->name;
        y->has_extent = 1;
        y->extent = t->extent;
        y->n_keys = l->nkeys;
        y->keys = l->keys;
        y->n_features = l->nfeat;
        y->features = fp + nf;
        for (size_t k = 0; k < l->nfeat; k++, nf++) {
            const struct feature *s = &l->feat[k];
            vector_tile__tile__feature__init(&f[nf]);
            fp[nf] = &f[nf];
            f[nf].has_id = s->id != 0;
            f[nf].id = s->id;
            f[nf].has_type = 1;
            f[nf].type = (VectorTile__Tile__GeomType)s->type;
            f[nf].n_tags = s->ntags;
            f[nf].tags = l->tags + s->tag_off;
            f[nf].n_geometry = s->ngeom;
            f[nf].geometry = l->geom + s->geom_off;
        }
        y->n_values = l->nvals;
        y->values = vp + nv;
        for (size_t k = 0; k < l->nvals; k++, nv++) {
            const struct value *s = &l->vals[k];
            vector_tile__tile__value__init(&v[nv]);
            vp[nv] = &v[nv];
            switch (s->type) {
            case MVT_STRING: v[nv].string_value = s->v.s; break;
            case MVT_INT:
                if (s->v.i < 0) {
                    v[nv].has_sint_value = 1;
                    v[nv].sint_value = s->v.i;
                } else {
                    v[nv].has_int_value = 1;
                    v[nv].int_value = s->v.i;
                }
                break;
            case MVT_DOUBLE:
                v[nv].has_double_value = 1;
                v[nv].double_value = s->v.d;
                break;
            case MVT_BOOL:
                v[nv].has_bool_value = 1;
                v[nv].bool_value = s->v.b;
                break;
            }
        }
    }
    tile.n_layers = nl;
    tile.layers = layp;
    size_t size = vector_tile__tile__get_packed_size(&tile);
    buf_reserve(out, size);
    out->len += vector_tile__tile__pack(&tile, (uint8_t *)out->data + out->len);
    out->data[out->len] = '\0';
    free(lay);
    free(layp);
    free(f);
    free(fp);
    free(v);
    free(vp);
    return 0;
}
