/* wkb — pure helpers over ISO WKB byte buffers (see geo.h).
 *
 * Nothing here allocates except what is appended to a caller's buffer, and
 * nothing touches GEOS: these run on every map click and every GeoJSON
 * answer. The reader accepts both byte orders and the Z/M variants of ISO
 * WKB (type + 1000/2000/3000) as well as PostGIS EWKB flags, and uses only
 * x and y. Every read is bounds-checked against the buffer length; counts are
 * checked against the bytes left before any loop, so a hostile count cannot
 * make a loop run long. */
#include "geo/geo.h"

#include "core/err.h"
#include "geo/wkb_internal.h"

#include <math.h>
#include <string.h>

enum {
    WKB_POINT = 1,
    WKB_LINESTRING = 2,
    WKB_POLYGON = 3,
    WKB_MULTIPOINT = 4,
    WKB_MULTILINESTRING = 5,
    WKB_MULTIPOLYGON = 6,
    WKB_COLLECTION = 7,
};

#define MAX_DEPTH 32 /* nesting of collections; deeper input is refused */

struct rd {
    const uint8_t *p;   /* next byte */
    const uint8_t *end; /* one past the last byte */
};

struct hdr {
    int type;    /* base type 1..7 */
    size_t step; /* bytes per vertex: 16, 24 or 32 */
    bool swap;   /* byte order differs from the host's */
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_LITTLE 0
#else
#define HOST_LITTLE 1
#endif

static inline uint32_t ld32(const uint8_t *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

static inline __attribute__((always_inline)) double ld64(const uint8_t *p, bool swap)
{
    uint64_t u;
    memcpy(&u, p, 8);
    if (swap)
        u = __builtin_bswap64(u);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static int read_header(struct rd *r, struct hdr *h)
{
    if (r->end - r->p < 5)
        return LIS_EINVAL;
    uint8_t order = r->p[0];
    if (order > 1)
        return LIS_EINVAL;
    h->swap = (order == 1) != HOST_LITTLE;
    uint32_t t = ld32(r->p + 1, h->swap);
    r->p += 5;
    /* EWKB keeps dimensions and SRID in the high bits; ISO in thousands. */
    int dims = 2 + ((t & 0x80000000u) != 0) + ((t & 0x40000000u) != 0);
    if (t & 0x20000000u) {
        if (r->end - r->p < 4)
            return LIS_EINVAL;
        r->p += 4;
    }
    t &= 0x0fffffffu;
    switch (t / 1000) {
    case 0: break;
    case 1:
    case 2: dims += 1; break;
    case 3: dims += 2; break;
    default: return LIS_EINVAL;
    }
    if (dims > 4)
        return LIS_EINVAL;
    h->type = (int)(t % 1000);
    if (h->type < WKB_POINT || h->type > WKB_COLLECTION)
        return LIS_EINVAL;
    h->step = (size_t)dims * 8;
    return 0;
}

/* Read a count of items that each take at least `min` bytes. */
static int read_count(struct rd *r, const struct hdr *h, size_t min, uint32_t *n)
{
    if (r->end - r->p < 4)
        return LIS_EINVAL;
    *n = ld32(r->p, h->swap);
    r->p += 4;
    if ((size_t)(r->end - r->p) / min < *n)
        return LIS_EINVAL;
    return 0;
}

/* ---- generic walk: one callback per vertex sequence ---- */

/* Look at the header of the next member of the multi-geometry or collection
 * h without moving r: a Multi* holds only its own simple type. */
static int check_member(struct rd *r, const struct hdr *h)
{
    const uint8_t *at = r->p;
    struct hdr sub;
    int rc = read_header(r, &sub);
    r->p = at;
    if (rc)
        return rc;
    if (h->type != WKB_COLLECTION && sub.type != h->type - 3)
        return LIS_EINVAL;
    return 0;
}

/* A vertex sequence: a Point (n = 1, may be NaN for POINT EMPTY), a
 * LineString or a ring. `part` numbers the simple geometries in order. */
typedef int (*seq_fn)(void *ctx, int part, int ring, const uint8_t *pts, uint32_t n,
                      const struct hdr *h);

static int walk(struct rd *r, int depth, int *part, seq_fn fn, void *ctx)
{
    struct hdr h;
    int rc = read_header(r, &h);
    if (rc)
        return rc;
    uint32_t n, m;
    switch (h.type) {
    case WKB_POINT:
        if ((size_t)(r->end - r->p) < h.step)
            return LIS_EINVAL;
        rc = fn ? fn(ctx, *part, 0, r->p, 1, &h) : 0;
        r->p += h.step;
        (*part)++;
        return rc;
    case WKB_LINESTRING:
        if ((rc = read_count(r, &h, h.step, &n)))
            return rc;
        rc = fn ? fn(ctx, *part, 0, r->p, n, &h) : 0;
        r->p += (size_t)n * h.step;
        (*part)++;
        return rc;
    case WKB_POLYGON:
        if ((rc = read_count(r, &h, 4, &n)))
            return rc;
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = read_count(r, &h, h.step, &m)))
                return rc;
            if (fn && (rc = fn(ctx, *part, (int)i, r->p, m, &h)))
                return rc;
            r->p += (size_t)m * h.step;
        }
        (*part)++;
        return 0;
    default: /* multi-geometries and collections */
        if (depth >= MAX_DEPTH)
            return LIS_EINVAL;
        if ((rc = read_count(r, &h, 9, &n)))
            return rc;
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = check_member(r, &h)))
                return rc;
            if ((rc = walk(r, depth + 1, part, fn, ctx)))
                return rc;
        }
        return 0;
    }
}

int geo_wkb_type(const uint8_t *wkb, size_t len)
{
    if (!wkb)
        return LIS_EINVAL;
    struct rd r = {wkb, wkb + len};
    struct hdr h;
    if (read_header(&r, &h))
        return LIS_EINVAL;
    r.p = wkb;
    int part = 0;
    if (walk(&r, 0, &part, NULL, NULL))
        return LIS_EINVAL;
    return h.type;
}

static int env_seq(void *ctx, int part, int ring, const uint8_t *p, uint32_t n,
                   const struct hdr *h)
{
    (void)part;
    (void)ring;
    struct geo_box *b = ctx;
    for (uint32_t i = 0; i < n; i++, p += h->step) {
        double x = ld64(p, h->swap), y = ld64(p + 8, h->swap);
        if (!isfinite(x) || !isfinite(y))
            continue; /* POINT EMPTY is NaN NaN */
        if (x < b->minx)
            b->minx = x;
        if (x > b->maxx)
            b->maxx = x;
        if (y < b->miny)
            b->miny = y;
        if (y > b->maxy)
            b->maxy = y;
    }
    return 0;
}

int geo_wkb_envelope(const uint8_t *wkb, size_t len, struct geo_box *box)
{
    if (!wkb)
        return LIS_EINVAL;
    struct geo_box b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    struct rd r = {wkb, wkb + len};
    int part = 0;
    if (walk(&r, 0, &part, env_seq, &b) || b.minx > b.maxx)
        return LIS_EINVAL;
    *box = b;
    return 0;
}

static int count_seq(void *ctx, int part, int ring, const uint8_t *p, uint32_t n,
                     const struct hdr *h)
{
    (void)part;
    (void)ring;
    if (n == 1 && isnan(ld64(p, h->swap)))
        return 0;
    *(long *)ctx += n;
    return 0;
}

long geo_wkb_npoints(const uint8_t *wkb, size_t len)
{
    if (!wkb)
        return LIS_EINVAL;
    long count = 0;
    struct rd r = {wkb, wkb + len};
    int part = 0;
    if (walk(&r, 0, &part, count_seq, &count))
        return LIS_EINVAL;
    return count;
}

struct each {
    int (*fn)(void *ctx, int polygon, int ring, int index, double x, double y);
    void *ctx;
};

static int each_seq(void *ctx, int part, int ring, const uint8_t *p, uint32_t n,
                    const struct hdr *h)
{
    struct each *e = ctx;
    for (uint32_t i = 0; i < n; i++, p += h->step) {
        double x = ld64(p, h->swap), y = ld64(p + 8, h->swap);
        if (n == 1 && isnan(x))
            continue;
        int rc = e->fn(e->ctx, part, ring, (int)i, x, y);
        if (rc)
            return rc;
    }
    return 0;
}

int geo_wkb_each_point(const uint8_t *wkb, size_t len,
                       int (*fn)(void *ctx, int polygon, int ring, int index, double x, double y),
                       void *ctx)
{
    /* Validate first so that fn never sees part of a malformed geometry. */
    if (geo_wkb_type(wkb, len) < 0)
        return LIS_EINVAL;
    struct each e = {fn, ctx};
    struct rd r = {wkb, wkb + len};
    int part = 0;
    return walk(&r, 0, &part, each_seq, &e);
}

/* ---- point in polygon: the map-click hot path ---- */

/* Crossing parity of the ray from (x, y) towards +x with one ring, or 2 when
 * the point lies on the ring (geo_edge_crossing, edge by edge). */
static inline __attribute__((always_inline)) int ring_parity(const uint8_t *p, uint32_t n,
                                                            size_t step, double x, double y,
                                                            bool swap)
{
    if (n == 0)
        return 0;
    const uint8_t *first = p;
    double ax = ld64(p, swap), ay = ld64(p + 8, swap);
    int odd = 0;
    for (uint32_t i = 1; i <= n; i++) {
        double bx, by;
        if (i < n) {
            p += step;
            bx = ld64(p, swap);
            by = ld64(p + 8, swap);
        } else {
            /* Close the ring if the data did not. */
            bx = ld64(first, swap);
            by = ld64(first + 8, swap);
            if (bx == ax && by == ay)
                break;
        }
        int e = geo_edge_crossing(ax, ay, bx, by, x, y);
        if (e == 2)
            return 2;
        odd ^= e;
        ax = bx;
        ay = by;
    }
    return odd;
}

/* 1 when inside or on a polygon, 0 when outside; r is left after it (unless
 * the answer was found early, when the rest is not read). */
static int polygon_contains(struct rd *r, const struct hdr *h, double x, double y)
{
    uint32_t nrings, n;
    if (read_count(r, h, 4, &nrings))
        return LIS_EINVAL;
    int odd = 0;
    for (uint32_t i = 0; i < nrings; i++) {
        if (read_count(r, h, h->step, &n))
            return LIS_EINVAL;
        /* Two copies of the loop so that each has a constant byte order. */
        int pr = h->swap ? ring_parity(r->p, n, h->step, x, y, true)
                         : ring_parity(r->p, n, h->step, x, y, false);
        if (pr == 2)
            return 1;
        odd ^= pr;
        r->p += (size_t)n * h->step;
    }
    return odd;
}

static int geom_contains(struct rd *r, int depth, double x, double y)
{
    const uint8_t *at = r->p;
    struct hdr h;
    if (read_header(r, &h))
        return LIS_EINVAL;
    if (h.type == WKB_POLYGON)
        return polygon_contains(r, &h, x, y);
    if (h.type == WKB_MULTIPOLYGON || h.type == WKB_COLLECTION) {
        uint32_t n;
        if (depth >= MAX_DEPTH || read_count(r, &h, 9, &n))
            return LIS_EINVAL;
        for (uint32_t i = 0; i < n; i++) {
            int rc = geom_contains(r, depth + 1, x, y);
            if (rc)
                return rc;
        }
        return 0;
    }
    /* Points and lines have no area, so a click never falls inside them;
     * step over them to reach the next member of a collection. */
    r->p = at;
    int part = 0;
    return walk(r, depth, &part, NULL, NULL);
}

int geo_wkb_contains_point(const uint8_t *wkb, size_t len, double x, double y)
{
    if (!wkb || !isfinite(x) || !isfinite(y))
        return LIS_EINVAL;
    struct rd r = {wkb, wkb + len};
    return geom_contains(&r, 0, x, y);
}

/* ---- GeoJSON ---- */

static const double pow10tab[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

/* Fixed-point formatting without printf for the common case (|v| < 1e9 and at
 * most 9 decimals), GeoJSON output being mostly numbers. Rounds half away
 * from zero; never writes "-0". Returns the length written to dst (at most
 * 21 bytes), or 0 when v needs the slow path. */
static size_t fmt_num(char *dst, double v, int decimals)
{
    if (decimals > 9 || !(fabs(v) < 1e9))
        return 0;
    double s = v * pow10tab[decimals];
    long long q = (long long)(s < 0 ? s - 0.5 : s + 0.5);
    char tmp[24];
    char *e = tmp + sizeof tmp, *c = e;
    bool neg = q < 0;
    unsigned long long u = neg ? 0ull - (unsigned long long)q : (unsigned long long)q;
    for (int i = 0; i < decimals; i++) {
        *--c = (char)('0' + u % 10);
        u /= 10;
    }
    if (decimals)
        *--c = '.';
    do {
        *--c = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        *--c = '-';
    size_t n = (size_t)(e - c);
    memcpy(dst, c, n);
    return n;
}

static int put_pos(struct buf *out, const uint8_t *p, const struct hdr *h, int decimals)
{
    double x = ld64(p, h->swap), y = ld64(p + 8, h->swap);
    if (!isfinite(x) || !isfinite(y))
        return LIS_EINVAL;
    char tmp[48];
    size_t n = 1, k;
    tmp[0] = '[';
    if ((k = fmt_num(tmp + n, x, decimals))) {
        n += k;
        tmp[n++] = ',';
        if ((k = fmt_num(tmp + n, y, decimals))) {
            n += k;
            tmp[n++] = ']';
            buf_append(out, tmp, n);
            return 0;
        }
    }
    buf_appendf(out, "[%.*f,%.*f]", decimals, x, decimals, y);
    return 0;
}

/* Twice the signed area of a ring: positive when counter-clockwise. */
static double ring_area2(const uint8_t *p, uint32_t n, const struct hdr *h)
{
    if (n < 3)
        return 0;
    /* Relative to the first vertex, to keep precision with large eastings. */
    double x0 = ld64(p, h->swap), y0 = ld64(p + 8, h->swap);
    double s = 0, px = 0, py = 0;
    for (uint32_t i = 1; i < n; i++) {
        const uint8_t *q = p + (size_t)i * h->step;
        double x = ld64(q, h->swap) - x0, y = ld64(q + 8, h->swap) - y0;
        s += px * y - x * py;
        px = x;
        py = y;
    }
    return s;
}

/* A LineString's or ring's positions; reversed when `reverse`. */
static int put_seq(struct buf *out, const uint8_t *p, uint32_t n, const struct hdr *h,
                   int decimals, bool reverse)
{
    buf_putc(out, '[');
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            buf_putc(out, ',');
        uint32_t k = reverse ? n - 1 - i : i;
        if (put_pos(out, p + (size_t)k * h->step, h, decimals))
            return LIS_EINVAL;
    }
    buf_putc(out, ']');
    return 0;
}

/* The coordinates array of one simple geometry whose header is already read. */
static int put_coords(struct rd *r, const struct hdr *h, int decimals, struct buf *out)
{
    uint32_t n, m;
    int rc;
    switch (h->type) {
    case WKB_POINT:
        if ((size_t)(r->end - r->p) < h->step)
            return LIS_EINVAL;
        if (isnan(ld64(r->p, h->swap)) && isnan(ld64(r->p + 8, h->swap)))
            buf_puts(out, "[]"); /* POINT EMPTY */
        else if ((rc = put_pos(out, r->p, h, decimals)))
            return rc;
        r->p += h->step;
        return 0;
    case WKB_LINESTRING:
        if ((rc = read_count(r, h, h->step, &n)))
            return rc;
        if ((rc = put_seq(out, r->p, n, h, decimals, false)))
            return rc;
        r->p += (size_t)n * h->step;
        return 0;
    case WKB_POLYGON:
        if ((rc = read_count(r, h, 4, &n)))
            return rc;
        buf_putc(out, '[');
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = read_count(r, h, h->step, &m)))
                return rc;
            if (i)
                buf_putc(out, ',');
            /* RFC 7946 §3.1.6: exterior counter-clockwise, holes clockwise. */
            double a = ring_area2(r->p, m, h);
            bool reverse = i == 0 ? a < 0 : a > 0;
            if ((rc = put_seq(out, r->p, m, h, decimals, reverse)))
                return rc;
            r->p += (size_t)m * h->step;
        }
        buf_putc(out, ']');
        return 0;
    default: /* Multi*: an array of the members' coordinates */
        if ((rc = read_count(r, h, 9, &n)))
            return rc;
        buf_putc(out, '[');
        for (uint32_t i = 0; i < n; i++) {
            struct hdr sub;
            if ((rc = read_header(r, &sub)))
                return rc;
            if (sub.type != h->type - 3)
                return LIS_EINVAL;
            if (i)
                buf_putc(out, ',');
            if ((rc = put_coords(r, &sub, decimals, out)))
                return rc;
        }
        buf_putc(out, ']');
        return 0;
    }
}

static const char *const type_names[] = {
    NULL, "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
    "GeometryCollection",
};

static int put_geom(struct rd *r, int depth, int decimals, struct buf *out)
{
    struct hdr h;
    int rc = read_header(r, &h);
    if (rc)
        return rc;
    buf_puts(out, "{\"type\":\"");
    buf_puts(out, type_names[h.type]);
    if (h.type != WKB_COLLECTION) {
        buf_puts(out, "\",\"coordinates\":");
        if ((rc = put_coords(r, &h, decimals, out)))
            return rc;
        buf_putc(out, '}');
        return 0;
    }
    uint32_t n;
    if (depth >= MAX_DEPTH || (rc = read_count(r, &h, 9, &n)))
        return LIS_EINVAL;
    buf_puts(out, "\",\"geometries\":[");
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            buf_putc(out, ',');
        if ((rc = put_geom(r, depth + 1, decimals, out)))
            return rc;
    }
    buf_puts(out, "]}");
    return 0;
}

int geo_wkb_geojson(const uint8_t *wkb, size_t len, int decimals, struct buf *out)
{
    if (!wkb)
        return LIS_EINVAL;
    if (decimals < 0)
        decimals = 0;
    if (decimals > 17)
        decimals = 17;
    size_t mark = out->len;
    struct rd r = {wkb, wkb + len};
    int rc = put_geom(&r, 0, decimals, out);
    if (rc) {
        /* Leave out as it was: half a geometry is worse than none. */
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}

/* ---- normalised copy (see wkb_internal.h) ---- */

void geo_wkb_put_u32(struct buf *out, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_append(out, b, 4);
}

void geo_wkb_put_f64(struct buf *out, double v)
{
    uint8_t b[8];
    geo__put(b, v);
    buf_append(out, b, 8);
}

void geo_wkb_put_header(struct buf *out, uint32_t type)
{
    buf_putc(out, 1);
    geo_wkb_put_u32(out, type);
}

/* Copy n vertices as little-endian x,y and hand them to fn. */
static int out_seq(struct rd *r, const struct hdr *h, uint32_t n, struct buf *out,
                   geo__seq_fn fn, void *ctx)
{
    size_t at = out->len;
    buf_reserve(out, (size_t)n * 16);
    uint8_t *dst = (uint8_t *)out->data + at;
    for (uint32_t i = 0; i < n; i++, r->p += h->step, dst += 16) {
        geo__put(dst, ld64(r->p, h->swap));
        geo__put(dst + 8, ld64(r->p + 8, h->swap));
    }
    out->len = at + (size_t)n * 16;
    out->data[out->len] = '\0';
    if (!fn || n == 0)
        return 0;
    uint8_t *xy = (uint8_t *)out->data + at;
    if (n == 1 && isnan(geo__get(xy)) && isnan(geo__get(xy + 8)))
        return 0; /* POINT EMPTY */
    return fn(ctx, xy, n);
}

static int copy2d(struct rd *r, int depth, struct buf *out, geo__seq_fn fn, void *ctx)
{
    struct hdr h;
    int rc = read_header(r, &h);
    if (rc)
        return rc;
    geo_wkb_put_header(out, (uint32_t)h.type);
    uint32_t n, m;
    switch (h.type) {
    case WKB_POINT:
        if ((size_t)(r->end - r->p) < h.step)
            return LIS_EINVAL;
        return out_seq(r, &h, 1, out, fn, ctx);
    case WKB_LINESTRING:
        if ((rc = read_count(r, &h, h.step, &n)))
            return rc;
        geo_wkb_put_u32(out, n);
        return out_seq(r, &h, n, out, fn, ctx);
    case WKB_POLYGON:
        if ((rc = read_count(r, &h, 4, &n)))
            return rc;
        geo_wkb_put_u32(out, n);
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = read_count(r, &h, h.step, &m)))
                return rc;
            geo_wkb_put_u32(out, m);
            if ((rc = out_seq(r, &h, m, out, fn, ctx)))
                return rc;
        }
        return 0;
    default:
        if (depth >= MAX_DEPTH)
            return LIS_EINVAL;
        if ((rc = read_count(r, &h, 9, &n)))
            return rc;
        geo_wkb_put_u32(out, n);
        for (uint32_t i = 0; i < n; i++) {
            if ((rc = check_member(r, &h)))
                return rc;
            if ((rc = copy2d(r, depth + 1, out, fn, ctx)))
                return rc;
        }
        return 0;
    }
}

int geo__wkb_copy2d(const uint8_t *wkb, size_t len, struct buf *out, geo__seq_fn fn, void *ctx)
{
    if (!wkb)
        return LIS_EINVAL;
    size_t mark = out->len;
    struct rd r = {wkb, wkb + len};
    int rc = copy2d(&r, 0, out, fn, ctx);
    if (rc) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}
