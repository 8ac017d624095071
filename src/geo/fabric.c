/* fabric — see fabric.h.
 *
 * Inside a sheet everything is plain arithmetic on small convex polygons:
 * a half-plane cut computes each new vertex once and hands the very same
 * coordinates to both pieces, so shared edges are exact. GEOS is used only
 * where the fabric meets the real boundary (Voronoi cells, clipping). */
#include "geo/fabric.h"

#include "core/err.h"
#include "core/mem.h"
#include "geo/geo.h"
#include "geo/wkb_internal.h"

#include <geos_c.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAXV 40   /* vertices of a convex piece; a piece near this is not cut further */
#define EPS 1e-7  /* m: a vertex this close to a cut line lies on it */
#define LEVELS 5

/* The nested VN-2000 sheet grid, coarse to fine. */
static const double level_side[LEVELS] = {6000, 3000, 1000, 500, 250};
static const int level_scale[LEVELS] = {10000, 5000, 2000, 1000, 500};

struct fabric {
    GEOSContextHandle_t h;
    GEOSWKBReader *rd;
    GEOSWKBWriter *wr;
    struct buf err;
};

static void on_geos_error(const char *msg, void *ud)
{
    struct fabric *f = ud;
    buf_reset(&f->err);
    buf_puts(&f->err, msg);
}

static int fail(struct fabric *f, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct fabric *f, int code, const char *fmt, ...)
{
    va_list ap;
    struct buf msg = BUF_INIT;
    va_start(ap, fmt);
    buf_vappendf(&msg, fmt, ap);
    va_end(ap);
    if (f->err.len) /* keep GEOS's own words after ours */
        buf_appendf(&msg, ": %s", f->err.data);
    buf_reset(&f->err);
    buf_append(&f->err, msg.data, msg.len);
    buf_free(&msg);
    return code;
}

struct fabric *fabric_new(struct buf *err)
{
    struct fabric *f = xcalloc(1, sizeof *f);
    f->h = GEOS_init_r();
    if (!f->h) {
        if (err)
            buf_puts(err, "GEOS could not start");
        free(f);
        return NULL;
    }
    GEOSContext_setErrorMessageHandler_r(f->h, on_geos_error, f);
    f->rd = GEOSWKBReader_create_r(f->h);
    f->wr = GEOSWKBWriter_create_r(f->h);
    GEOSWKBWriter_setByteOrder_r(f->h, f->wr, GEOS_WKB_NDR);
    GEOSWKBWriter_setOutputDimension_r(f->h, f->wr, 2);
    return f;
}

void fabric_free(struct fabric *f)
{
    if (!f)
        return;
    GEOSWKBReader_destroy_r(f->h, f->rd);
    GEOSWKBWriter_destroy_r(f->h, f->wr);
    GEOS_finish_r(f->h);
    buf_free(&f->err);
    free(f);
}

const char *fabric_errmsg(const struct fabric *f)
{
    return buf_cstr(&f->err);
}

/* ------------------------------------------------------------------ random */

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t rnext(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double runif(uint64_t *s)
{
    return (double)(rnext(s) >> 11) * 0x1.0p-53;
}

static double rrange(uint64_t *s, double a, double b)
{
    return a + (b - a) * runif(s);
}

/* ---------------------------------------------------------- convex pieces */

/* A convex polygon, counter-clockwise, without the closing vertex. */
struct cpoly {
    int n;
    double x[MAXV], y[MAXV];
};

static double cp_area(const struct cpoly *p)
{
    double a = 0;
    for (int i = 0, j = p->n - 1; i < p->n; j = i++)
        a += (p->x[j] - p->x[0]) * (p->y[i] - p->y[0]) - (p->x[i] - p->x[0]) * (p->y[j] - p->y[0]);
    return a / 2;
}

static void cp_centroid(const struct cpoly *p, double *cx, double *cy)
{
    /* relative to the first vertex, so big coordinates keep their precision */
    double x0 = p->x[0], y0 = p->y[0], a = 0, sx = 0, sy = 0;
    for (int i = 0, j = p->n - 1; i < p->n; j = i++) {
        double xj = p->x[j] - x0, yj = p->y[j] - y0, xi = p->x[i] - x0, yi = p->y[i] - y0;
        double c = xj * yi - xi * yj;
        a += c;
        sx += (xj + xi) * c;
        sy += (yj + yi) * c;
    }
    if (fabs(a) < 1e-12) {
        *cx = x0;
        *cy = y0;
        return;
    }
    *cx = x0 + sx / (3 * a);
    *cy = y0 + sy / (3 * a);
}

/* Distance from (px, py) to the convex polygon: 0 inside. */
static double cp_dist(const struct cpoly *p, double px, double py)
{
    bool inside = true;
    double best = INFINITY;
    for (int i = 0; i < p->n; i++) {
        int j = (i + 1) % p->n;
        double ax = p->x[i], ay = p->y[i], dx = p->x[j] - ax, dy = p->y[j] - ay;
        if (dx * (py - ay) - dy * (px - ax) < 0)
            inside = false;
        double l2 = dx * dx + dy * dy;
        double t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double d = hypot(px - (ax + t * dx), py - (ay + t * dy));
        if (d < best)
            best = d;
    }
    return inside ? 0 : best;
}

static void cp_wkb(const struct cpoly *p, struct buf *b)
{
    geo_wkb_put_header(b, 3);
    geo_wkb_put_u32(b, 1);
    geo_wkb_put_u32(b, (uint32_t)p->n + 1);
    for (int i = 0; i <= p->n; i++) {
        geo_wkb_put_f64(b, p->x[i % p->n]);
        geo_wkb_put_f64(b, p->y[i % p->n]);
    }
}

static void push(struct cpoly *p, double x, double y)
{
    p->x[p->n] = x;
    p->y[p->n] = y;
    p->n++;
}

/* Split p by the line nx*x + ny*y = c into lo (<= c) and hi (>= c). Each
 * new vertex is computed once and given to both pieces. Returns 0, or -1
 * when a piece would be degenerate. p->n must be at most MAXV - 2. */
static int cp_cut(const struct cpoly *p, double nx, double ny, double c, struct cpoly *lo,
                  struct cpoly *hi)
{
    double s[MAXV];
    for (int i = 0; i < p->n; i++) {
        s[i] = p->x[i] * nx + p->y[i] * ny - c;
        if (fabs(s[i]) < EPS)
            s[i] = 0;
    }
    lo->n = hi->n = 0;
    for (int i = 0; i < p->n; i++) {
        int j = (i + 1) % p->n;
        if (s[i] <= 0)
            push(lo, p->x[i], p->y[i]);
        if (s[i] >= 0)
            push(hi, p->x[i], p->y[i]);
        if ((s[i] < 0 && s[j] > 0) || (s[i] > 0 && s[j] < 0)) {
            double t = s[i] / (s[i] - s[j]);
            double x = p->x[i] + t * (p->x[j] - p->x[i]);
            double y = p->y[i] + t * (p->y[j] - p->y[i]);
            push(lo, x, y);
            push(hi, x, y);
        }
    }
    if (lo->n < 3 || hi->n < 3 || cp_area(lo) < 1e-6 || cp_area(hi) < 1e-6)
        return -1;
    return 0;
}

static void cp_extent(const struct cpoly *p, double nx, double ny, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int i = 0; i < p->n; i++) {
        double s = p->x[i] * nx + p->y[i] * ny;
        if (s < *lo)
            *lo = s;
        if (s > *hi)
            *hi = s;
    }
}

/* ------------------------------------------------------------ GEOS helpers */

/* The polygonal part of g as a Polygon or MultiPolygon; NULL when none.
 * Takes ownership of g. */
static GEOSGeometry *polygonal(GEOSContextHandle_t h, GEOSGeometry *g)
{
    if (!g)
        return NULL;
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON) {
        if (GEOSisEmpty_r(h, g) == 1) {
            GEOSGeom_destroy_r(h, g);
            return NULL;
        }
        return g;
    }
    GEOSGeometry *out = NULL;
    if (t == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(h, g), k = 0;
        GEOSGeometry **polys = xcalloc((size_t)n * 4 + 1, sizeof *polys);
        int cap = n * 4;
        for (int i = 0; i < n; i++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);
            int pt = GEOSGeomTypeId_r(h, part);
            if (pt == GEOS_POLYGON && k < cap) {
                polys[k++] = GEOSGeom_clone_r(h, part);
            } else if (pt == GEOS_MULTIPOLYGON) {
                int m = GEOSGetNumGeometries_r(h, part);
                if (k + m > cap) {
                    cap = k + m + 16;
                    polys = xrealloc(polys, (size_t)cap * sizeof *polys);
                }
                for (int j = 0; j < m; j++)
                    polys[k++] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, part, j));
            }
        }
        if (k > 0)
            out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)k);
        free(polys);
    }
    GEOSGeom_destroy_r(h, g);
    return out;
}

static GEOSGeometry *make_point(GEOSContextHandle_t h, double x, double y)
{
    return GEOSGeom_createPointFromXY_r(h, x, y);
}

static GEOSGeometry *cp_geos(GEOSContextHandle_t h, const struct cpoly *p)
{
    double xy[2 * (MAXV + 1)];
    for (int i = 0; i <= p->n; i++) {
        xy[2 * i] = p->x[i % p->n];
        xy[2 * i + 1] = p->y[i % p->n];
    }
    GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, xy, (unsigned)p->n + 1, 0, 0);
    if (!cs)
        return NULL;
    GEOSGeometry *ring = GEOSGeom_createLinearRing_r(h, cs);
    if (!ring)
        return NULL;
    return GEOSGeom_createPolygon_r(h, ring, NULL, 0);
}

static int write_wkb(struct fabric *f, const GEOSGeometry *g, struct buf *out)
{
    size_t n = 0;
    unsigned char *w = GEOSWKBWriter_write_r(f->h, f->wr, g, &n);
    if (!w)
        return fail(f, LIS_EIO, "cannot write WKB");
    buf_append(out, w, n);
    GEOSFree_r(f->h, w);
    return 0;
}

/* ------------------------------------------------------------------ divide */

int fabric_divide(struct fabric *f, const uint8_t *wkb, size_t len, int n, uint64_t seed,
                  double *centres, struct buf *parts)
{
    int rc = 0;
    GEOSGeometry *g = NULL, *bound = NULL, *mp = NULL, *vd = NULL;
    const GEOSPreparedGeometry *prep = NULL, *bprep = NULL;
    GEOSGeometry **pts = NULL;
    uint64_t rng = seed ^ 0x5eedf00dULL;

    buf_reset(&f->err);
    if (n < 1)
        return fail(f, LIS_EINVAL, "fabric_divide: n must be at least 1");
    g = GEOSWKBReader_read_r(f->h, f->rd, wkb, len);
    if (!g) {
        rc = fail(f, LIS_EINVAL, "fabric_divide: unreadable WKB");
        goto out;
    }
    prep = GEOSPrepare_r(f->h, g);
    bound = GEOSBoundary_r(f->h, g);
    bprep = bound ? GEOSPrepare_r(f->h, bound) : NULL;
    double minx, miny, maxx, maxy;
    if (!prep || !bprep || !GEOSGeom_getXMin_r(f->h, g, &minx) ||
        !GEOSGeom_getYMin_r(f->h, g, &miny) || !GEOSGeom_getXMax_r(f->h, g, &maxx) ||
        !GEOSGeom_getYMax_r(f->h, g, &maxy)) {
        rc = fail(f, LIS_EIO, "fabric_divide: cannot prepare the polygon");
        goto out;
    }

    /* Seeds by best candidate: of a few random points inside, keep the one
     * farthest from the seeds already chosen and from the boundary, so the
     * parts come out of similar size and each centre sits well inside. */
    for (int i = 0; i < n; i++) {
        double best = -1, bx = 0, by = 0;
        for (int k = 0, tries = 0; k < 24 && tries < 20000; tries++) {
            double x = rrange(&rng, minx, maxx), y = rrange(&rng, miny, maxy);
            GEOSGeometry *pt = make_point(f->h, x, y);
            char in = GEOSPreparedContains_r(f->h, prep, pt);
            double db = 0;
            if (in == 1)
                GEOSPreparedDistance_r(f->h, bprep, pt, &db);
            GEOSGeom_destroy_r(f->h, pt);
            if (in != 1)
                continue;
            k++;
            double score = 1.5 * db;
            for (int j = 0; j < i; j++) {
                double d = hypot(x - centres[2 * j], y - centres[2 * j + 1]);
                if (d < score)
                    score = d;
            }
            if (score > best) {
                best = score;
                bx = x;
                by = y;
            }
        }
        if (best < 0) { /* a sliver of a polygon: fall back on a point surely inside */
            GEOSGeometry *ps = GEOSPointOnSurface_r(f->h, g);
            if (!ps) {
                rc = fail(f, LIS_EIO, "fabric_divide: no point inside");
                goto out;
            }
            GEOSGeomGetX_r(f->h, ps, &bx);
            GEOSGeomGetY_r(f->h, ps, &by);
            GEOSGeom_destroy_r(f->h, ps);
        }
        centres[2 * i] = bx;
        centres[2 * i + 1] = by;
    }
    if (n == 1) {
        buf_append(&parts[0], wkb, len);
        goto out;
    }

    pts = xcalloc((size_t)n, sizeof *pts);
    for (int i = 0; i < n; i++)
        pts[i] = make_point(f->h, centres[2 * i], centres[2 * i + 1]);
    mp = GEOSGeom_createCollection_r(f->h, GEOS_MULTIPOINT, pts, (unsigned)n);
    free(pts);
    pts = NULL;
    /* the polygon as envelope: cells must reach every corner of it */
    vd = mp ? GEOSVoronoiDiagram_r(f->h, mp, g, 0, 0) : NULL;
    if (!vd) {
        rc = fail(f, LIS_EIO, "fabric_divide: Voronoi diagram failed");
        goto out;
    }
    int ncells = GEOSGetNumGeometries_r(f->h, vd);
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *seedpt = GEOSGetGeometryN_r(f->h, mp, i);
        const GEOSGeometry *cell = NULL;
        for (int j = 0; j < ncells && !cell; j++) {
            const GEOSGeometry *c = GEOSGetGeometryN_r(f->h, vd, j);
            if (GEOSIntersects_r(f->h, c, seedpt) == 1)
                cell = c;
        }
        if (!cell) {
            rc = fail(f, LIS_EIO, "fabric_divide: no Voronoi cell holds seed %d", i);
            goto out;
        }
        GEOSGeometry *part = polygonal(f->h, GEOSIntersection_r(f->h, cell, g));
        if (!part) {
            rc = fail(f, LIS_EIO, "fabric_divide: empty part %d", i);
            goto out;
        }
        rc = write_wkb(f, part, &parts[i]);
        GEOSGeom_destroy_r(f->h, part);
        if (rc)
            goto out;
    }

out:
    if (vd)
        GEOSGeom_destroy_r(f->h, vd);
    if (mp)
        GEOSGeom_destroy_r(f->h, mp);
    if (bprep)
        GEOSPreparedGeom_destroy_r(f->h, bprep);
    if (prep)
        GEOSPreparedGeom_destroy_r(f->h, prep);
    if (bound)
        GEOSGeom_destroy_r(f->h, bound);
    if (g)
        GEOSGeom_destroy_r(f->h, g);
    return rc;
}

/* --------------------------------------------------------------------- lay */

struct lot {
    int sheet;       /* index into lay.sheets */
    int cls;         /* class of its block */
    long block;
    bool road, clipped;
    double x, y, dist, area;
    long row;
    size_t off, len; /* WKB in lay.pool */
    size_t seq;      /* order made: the last tie-break */
};

struct sheet {
    double x0, y0, side;
    int level, cls;
    double d;        /* distance of the centre of the sheet from the centre */
    int number;
};

struct lay {
    struct fabric *f;
    const struct fabric_opts *o;
    uint64_t rng;
    long next_block;
    /* the sheet being cut */
    int sheet, cls;
    double ux, uy;   /* the sheet's main direction; cuts follow it or its normal */
    bool inside;     /* the whole sheet lies inside: no clipping */
    const GEOSPreparedGeometry *piece_prep;
    GEOSGeometry *piece;
    /* output */
    struct lot *lots;
    size_t nlots, caplots;
    struct buf pool;
    struct sheet *sheets;
    size_t nsheets, capsheets;
    int err;
};

static struct lot *new_lot(struct lay *L)
{
    if (L->nlots == L->caplots) {
        L->caplots = L->caplots ? 2 * L->caplots : 1024;
        L->lots = xrealloc(L->lots, L->caplots * sizeof *L->lots);
    }
    struct lot *t = &L->lots[L->nlots];
    memset(t, 0, sizeof *t);
    t->seq = L->nlots++;
    t->sheet = L->sheet;
    return t;
}

static void add_lot(struct lay *L, int cls, long block, bool road, bool clipped, double x,
                    double y, double area, size_t off)
{
    struct lot *t = new_lot(L);
    t->cls = cls;
    t->block = block;
    t->road = road;
    t->clipped = clipped;
    t->x = x;
    t->y = y;
    t->area = area;
    t->dist = hypot(x - L->o->cx, y - L->o->cy);
    t->off = off;
    t->len = L->pool.len - off;
}

/* Keep a finished piece: as it is when inside, else its parts inside. */
static void emit(struct lay *L, const struct cpoly *p, int cls, long block, bool road)
{
    struct fabric *f = L->f;
    GEOSGeometry *g = NULL, *cut = NULL;
    double cx, cy;

    if (L->err)
        return;
    if (L->inside) {
        cp_centroid(p, &cx, &cy);
        size_t off = L->pool.len;
        cp_wkb(p, &L->pool);
        add_lot(L, cls, block, road, false, cx, cy, cp_area(p), off);
        return;
    }
    g = cp_geos(f->h, p);
    if (!g) {
        L->err = fail(f, LIS_EIO, "cannot build a parcel");
        return;
    }
    if (GEOSPreparedContains_r(f->h, L->piece_prep, g) == 1) {
        cp_centroid(p, &cx, &cy);
        size_t off = L->pool.len;
        cp_wkb(p, &L->pool);
        add_lot(L, cls, block, road, false, cx, cy, cp_area(p), off);
        goto out;
    }
    if (GEOSPreparedIntersects_r(f->h, L->piece_prep, g) != 1)
        goto out;
    cut = polygonal(f->h, GEOSIntersection_r(f->h, g, L->piece));
    if (!cut)
        goto out;
    int nparts = GEOSGetNumGeometries_r(f->h, cut);
    for (int i = 0; i < nparts; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(f->h, cut, i);
        double a = 0;
        if (GEOSGeomTypeId_r(f->h, part) != GEOS_POLYGON || !GEOSArea_r(f->h, part, &a) ||
            a < L->o->min_area)
            continue;
        if (GEOSisValid_r(f->h, part) != 1)
            continue; /* overlay output is valid; a part that is not is a sliver anyway */
        GEOSGeometry *ps = GEOSPointOnSurface_r(f->h, part);
        if (!ps) {
            L->err = fail(f, LIS_EIO, "no point on a clipped parcel");
            goto out;
        }
        GEOSGeomGetX_r(f->h, ps, &cx);
        GEOSGeomGetY_r(f->h, ps, &cy);
        GEOSGeom_destroy_r(f->h, ps);
        size_t off = L->pool.len;
        if ((L->err = write_wkb(f, part, &L->pool)) != 0)
            goto out;
        add_lot(L, cls, block, road, true, cx, cy, a, off);
    }
out:
    if (cut)
        GEOSGeom_destroy_r(f->h, cut);
    if (g)
        GEOSGeom_destroy_r(f->h, g);
}

static int class_at(const struct fabric_opts *o, double d);

/* Cut p into blocks (block == 0: still above block size) and lots. Above
 * block size the class follows the distance of the piece's nearest point
 * from the centre, so the finer class keeps cutting until pieces are small.
 * A new block takes its lots' class from the distance of its centroid, so
 * parcels grow outward within a sheet, and even within the blocks of one
 * class; a block keeps that class. */
static void region(struct lay *L, const struct cpoly *p, long block, double target, int cls)
{
    uint64_t *r = &L->rng;

    if (L->err)
        return;
    if (!block)
        cls = class_at(L->o, cp_dist(p, L->o->cx, L->o->cy));
    const struct fabric_class *c = &L->o->classes[cls];
    double a = cp_area(p);
    if (!block && a <= c->block_area * rrange(r, 0.6, 1.4)) {
        double cx, cy;
        cp_centroid(p, &cx, &cy);
        int lc = class_at(L->o, hypot(cx - L->o->cx, cy - L->o->cy));
        if (lc > cls)
            cls = lc;
        block = ++L->next_block;
        target = L->o->classes[cls].lot_area * rrange(r, 0.6, 1.6);
    }
    if (p->n > MAXV - 2 || (block && a <= target * rrange(r, 0.75, 1.3))) {
        if (!block)
            block = ++L->next_block;
        emit(L, p, cls, block, false);
        return;
    }

    /* cut across the longer extent, a few degrees off the sheet's axes;
     * lots meant to be deep and narrow first cut their block lengthwise into
     * rows about one lot deep, then the rows across */
    double lo, hi, lo2, hi2;
    cp_extent(p, L->ux, L->uy, &lo, &hi);
    cp_extent(p, -L->uy, L->ux, &lo2, &hi2);
    double eu = hi - lo, ev = hi2 - lo2;
    bool along_v = ev > eu;
    double aspect = L->o->classes[cls].lot_aspect;
    if (block && aspect > 1) {
        double depth = sqrt(target * aspect);
        if (fmin(eu, ev) > 1.6 * depth)
            along_v = !along_v; /* into rows */
        else if (fmax(eu, ev) <= 1.6 * depth) /* one lot deep: keep the side nearest the depth */
            along_v = fabs(ev - depth) > fabs(eu - depth);
    }
    double nx = L->ux, ny = L->uy;
    if (along_v) {
        nx = -L->uy;
        ny = L->ux;
    }
    double tilt = rrange(r, -0.10, 0.10), ct = cos(tilt), st = sin(tilt);
    double mx = nx * ct - ny * st, my = nx * st + ny * ct;
    cp_extent(p, mx, my, &lo, &hi);
    double ext = hi - lo, at = lo + ext * rrange(r, 0.38, 0.62);

    struct cpoly A, B, M, R;
    double w = c->road_width * rrange(r, 0.8, 1.25);
    if (!block && w > 0 && runif(r) < c->road_prob && ext > 6 * w) {
        if (cp_cut(p, mx, my, at - w / 2, &A, &R) == 0 &&
            cp_cut(&R, mx, my, at + w / 2, &M, &B) == 0) {
            region(L, &A, 0, 0, cls);
            emit(L, &M, cls, ++L->next_block, true);
            region(L, &B, 0, 0, cls);
            return;
        }
    }
    if (cp_cut(p, mx, my, at, &A, &B) != 0) {
        if (!block)
            block = ++L->next_block;
        emit(L, p, cls, block, false);
        return;
    }
    region(L, &A, block, target, cls);
    region(L, &B, block, target, cls);
}

static int class_at(const struct fabric_opts *o, double d)
{
    for (int i = 0; i < o->nclasses; i++)
        if (d < o->classes[i].max_dist)
            return i;
    return o->nclasses - 1;
}

static int level_of_scale(int scale)
{
    for (int i = 0; i < LEVELS; i++)
        if (level_scale[i] == scale)
            return i;
    return -1;
}

static double box_dist(double x0, double y0, double side, double px, double py)
{
    double dx = px < x0 ? x0 - px : px > x0 + side ? px - (x0 + side) : 0;
    double dy = py < y0 ? y0 - py : py > y0 + side ? py - (y0 + side) : 0;
    return hypot(dx, dy);
}

/* Find the sheets over the polygon: a cell is divided while a finer class
 * reaches into it. */
static int find_sheets(struct lay *L, const GEOSPreparedGeometry *prep, int level, double x0,
                       double y0)
{
    struct fabric *f = L->f;
    double side = level_side[level];
    GEOSGeometry *rect = GEOSGeom_createRectangle_r(f->h, x0, y0, x0 + side, y0 + side);
    if (!rect)
        return fail(f, LIS_EIO, "cannot build a sheet");
    char hit = GEOSPreparedIntersects_r(f->h, prep, rect);
    GEOSGeom_destroy_r(f->h, rect);
    if (hit != 1)
        return 0;
    double d = box_dist(x0, y0, side, L->o->cx, L->o->cy);
    int ci = class_at(L->o, d);
    int want = level_of_scale(L->o->classes[ci].scale);
    if (want > level && level + 1 < LEVELS) {
        double cs = level_side[level + 1];
        int k = (int)lround(side / cs);
        for (int j = k - 1; j >= 0; j--)
            for (int i = 0; i < k; i++) {
                int rc = find_sheets(L, prep, level + 1, x0 + i * cs, y0 + j * cs);
                if (rc)
                    return rc;
            }
        return 0;
    }
    if (L->nsheets == L->capsheets) {
        L->capsheets = L->capsheets ? 2 * L->capsheets : 64;
        L->sheets = xrealloc(L->sheets, L->capsheets * sizeof *L->sheets);
    }
    struct sheet *s = &L->sheets[L->nsheets++];
    s->x0 = x0;
    s->y0 = y0;
    s->side = side;
    s->level = level;
    s->cls = ci;
    s->d = hypot(x0 + side / 2 - L->o->cx, y0 + side / 2 - L->o->cy);
    s->number = 0;
    return 0;
}

static int cmp_sheet_dist(const void *a, const void *b)
{
    const struct sheet *s = a, *t = b;
    if (s->d != t->d)
        return s->d < t->d ? -1 : 1;
    if (s->y0 != t->y0)
        return s->y0 > t->y0 ? -1 : 1;
    return s->x0 < t->x0 ? -1 : s->x0 > t->x0;
}

static int cmp_lot_dist(const void *a, const void *b)
{
    const struct lot *s = a, *t = b;
    if (s->dist != t->dist)
        return s->dist < t->dist ? -1 : 1;
    return s->seq < t->seq ? -1 : s->seq > t->seq;
}

/* Sheets (indices into the array ctx) in reading order of their top-left corners. */
static int cmp_sheet_read(const void *a, const void *b, void *ctx)
{
    const struct sheet *base = ctx;
    const struct sheet *s = &base[*(const int *)a], *t = &base[*(const int *)b];
    double ts = s->y0 + s->side, tt = t->y0 + t->side;
    if (ts != tt)
        return ts > tt ? -1 : 1;
    return s->x0 < t->x0 ? -1 : s->x0 > t->x0;
}

/* Lots by the number of their sheet (sheets array in ctx), then reading order. */
static int cmp_lot_read(const void *a, const void *b, void *ctx)
{
    const struct sheet *sheets = ctx;
    const struct lot *s = a, *t = b;
    int ns = sheets[s->sheet].number, nt = sheets[t->sheet].number;
    if (ns != nt)
        return ns < nt ? -1 : 1;
    if (s->row != t->row)
        return s->row < t->row ? -1 : 1;
    if (s->x != t->x)
        return s->x < t->x ? -1 : 1;
    return s->seq < t->seq ? -1 : s->seq > t->seq;
}

static int lay_sheet(struct lay *L, const GEOSGeometry *g, const GEOSPreparedGeometry *prep,
                     int si)
{
    struct fabric *f = L->f;
    struct sheet *s = &L->sheets[si];
    int rc = 0;
    GEOSGeometry *rect = GEOSGeom_createRectangle_r(f->h, s->x0, s->y0, s->x0 + s->side,
                                                    s->y0 + s->side);
    if (!rect)
        return fail(f, LIS_EIO, "cannot build a sheet");
    L->sheet = si;
    L->cls = s->cls;
    L->inside = GEOSPreparedContains_r(f->h, prep, rect) == 1;
    L->piece = NULL;
    L->piece_prep = NULL;
    if (!L->inside) {
        L->piece = polygonal(f->h, GEOSIntersection_r(f->h, rect, g));
        if (!L->piece)
            goto out;
        L->piece_prep = GEOSPrepare_r(f->h, L->piece);
        if (!L->piece_prep) {
            rc = fail(f, LIS_EIO, "cannot prepare a sheet's piece");
            goto out;
        }
    }
    /* Every sheet has its own slight skew, as surveys of different years do. */
    double th = rrange(&L->rng, -0.07, 0.07);
    L->ux = cos(th);
    L->uy = sin(th);
    struct cpoly sq = {0};
    push(&sq, s->x0, s->y0);
    push(&sq, s->x0 + s->side, s->y0);
    push(&sq, s->x0 + s->side, s->y0 + s->side);
    push(&sq, s->x0, s->y0 + s->side);
    region(L, &sq, 0, 0, s->cls);
    rc = L->err;
out:
    if (L->piece_prep)
        GEOSPreparedGeom_destroy_r(f->h, L->piece_prep);
    if (L->piece)
        GEOSGeom_destroy_r(f->h, L->piece);
    L->piece = NULL;
    L->piece_prep = NULL;
    GEOSGeom_destroy_r(f->h, rect);
    return rc;
}

long fabric_lay(struct fabric *f, const uint8_t *wkb, size_t len, const struct fabric_opts *o,
                fabric_parcel_cb cb, void *ctx, int *sheets)
{
    struct lay L = {.f = f, .o = o, .rng = o->seed ^ 0xfab41cULL};
    GEOSGeometry *g = NULL;
    const GEOSPreparedGeometry *prep = NULL;
    int *order = NULL;
    long rc = 0;
    int nused = 0;

    buf_reset(&f->err);
    if (sheets)
        *sheets = 0;
    if (o->nclasses < 1)
        return fail(f, LIS_EINVAL, "fabric_lay: no density class");
    for (int i = 0; i < o->nclasses; i++)
        if (level_of_scale(o->classes[i].scale) < 0 || o->classes[i].lot_area <= 0)
            return fail(f, LIS_EINVAL, "fabric_lay: class %d: bad scale or lot area", i);
    if (o->budget <= 0)
        return 0;
    g = GEOSWKBReader_read_r(f->h, f->rd, wkb, len);
    if (!g) {
        rc = fail(f, LIS_EINVAL, "fabric_lay: unreadable WKB");
        goto out;
    }
    prep = GEOSPrepare_r(f->h, g);
    double minx, miny, maxx, maxy;
    if (!prep || !GEOSGeom_getXMin_r(f->h, g, &minx) || !GEOSGeom_getYMin_r(f->h, g, &miny) ||
        !GEOSGeom_getXMax_r(f->h, g, &maxx) || !GEOSGeom_getYMax_r(f->h, g, &maxy)) {
        rc = fail(f, LIS_EINVAL, "fabric_lay: empty or unusable polygon");
        goto out;
    }

    /* the sheets, nearest first */
    double top = level_side[0];
    for (double y = floor(maxy / top) * top; y + top > miny; y -= top)
        for (double x = floor(minx / top) * top; x < maxx; x += top)
            if ((rc = find_sheets(&L, prep, 0, x, y)) != 0)
                goto out;
    qsort(L.sheets, L.nsheets, sizeof *L.sheets, cmp_sheet_dist);

    /* cut them until the budget is used */
    for (size_t si = 0; si < L.nsheets && (long)L.nlots < o->budget; si++) {
        size_t first = L.nlots;
        if ((rc = lay_sheet(&L, g, prep, (int)si)) != 0)
            goto out;
        if ((long)L.nlots > o->budget) { /* keep this sheet's lots nearest the centre */
            qsort(L.lots + first, L.nlots - first, sizeof *L.lots, cmp_lot_dist);
            L.nlots = (size_t)o->budget;
        }
    }

    /* number the sheets that got parcels, in reading order */
    order = xcalloc(L.nsheets + 1, sizeof *order);
    bool *used = xcalloc(L.nsheets + 1, sizeof *used);
    for (size_t i = 0; i < L.nlots; i++)
        used[L.lots[i].sheet] = true;
    for (size_t i = 0; i < L.nsheets; i++)
        if (used[i])
            order[nused++] = (int)i;
    free(used);
    qsort_r(order, (size_t)nused, sizeof *order, cmp_sheet_read, L.sheets);
    for (int i = 0; i < nused; i++)
        L.sheets[order[i]].number = o->first_sheet + i;

    /* parcels in reading order within their sheet */
    for (size_t i = 0; i < L.nlots; i++) {
        struct lot *t = &L.lots[i];
        const struct sheet *s = &L.sheets[t->sheet];
        double band = 2 * sqrt(o->classes[s->cls].lot_area);
        t->row = (long)floor((s->y0 + s->side - t->y) / band);
    }
    qsort_r(L.lots, L.nlots, sizeof *L.lots, cmp_lot_read, L.sheets);

    int cur = -1, number = 0;
    for (size_t i = 0; i < L.nlots; i++) {
        const struct lot *t = &L.lots[i];
        const struct sheet *s = &L.sheets[t->sheet];
        if (s->number != cur) {
            cur = s->number;
            number = 0;
        }
        struct fabric_parcel p = {
            .sheet = s->number,
            .scale = level_scale[s->level],
            .cls = t->cls,
            .sheet_cls = s->cls,
            .number = ++number,
            .road = t->road,
            .clipped = t->clipped,
            .block = t->block,
            .x = t->x,
            .y = t->y,
            .dist = t->dist,
            .area = t->area,
            .sheet_box = {s->x0, s->y0, s->x0 + s->side, s->y0 + s->side},
            .wkb = (const uint8_t *)L.pool.data + t->off,
            .wkb_len = t->len,
        };
        int stop = cb ? cb(ctx, &p) : 0;
        if (stop) {
            rc = stop;
            goto out;
        }
    }
    rc = (long)L.nlots;
    if (sheets)
        *sheets = nused;

out:
    free(order);
    free(L.lots);
    free(L.sheets);
    buf_free(&L.pool);
    if (prep)
        GEOSPreparedGeom_destroy_r(f->h, prep);
    if (g)
        GEOSGeom_destroy_r(f->h, g);
    return rc;
}

/* ------------------------------------------------------------------- split */

int fabric_split(const uint8_t *wkb, size_t len, double frac, struct buf *a, struct buf *b)
{
    if (len < 13 || (wkb[0] != 0 && wkb[0] != 1))
        return LIS_EINVAL;
    bool le = wkb[0] == 1;
    if (geo__get_u32(wkb + 1, le) != 3 || geo__get_u32(wkb + 5, le) != 1)
        return LIS_EINVAL;
    uint32_t np = geo__get_u32(wkb + 9, le);
    if (np < 4 || np - 1 > MAXV - 2 || len < 13 + (size_t)np * 16)
        return LIS_EINVAL;
    struct cpoly p = {0};
    for (uint32_t i = 0; i + 1 < np; i++)
        push(&p, geo__get_f64(wkb + 13 + 16 * i, le), geo__get_f64(wkb + 21 + 16 * i, le));
    if (cp_area(&p) < 0) { /* clockwise: turn it round */
        struct cpoly q = {0};
        for (int i = p.n - 1; i >= 0; i--)
            push(&q, p.x[i], p.y[i]);
        p = q;
    }
    for (int i = 0; i < p.n; i++) { /* convex: no right turn */
        int j = (i + 1) % p.n, k = (i + 2) % p.n;
        double cr = (p.x[j] - p.x[i]) * (p.y[k] - p.y[j]) - (p.y[j] - p.y[i]) * (p.x[k] - p.x[j]);
        if (cr < -1e-6)
            return LIS_EINVAL;
    }
    /* the longest edge gives the parcel's own axes */
    double best = -1, ux = 1, uy = 0;
    for (int i = 0; i < p.n; i++) {
        int j = (i + 1) % p.n;
        double dx = p.x[j] - p.x[i], dy = p.y[j] - p.y[i], l = hypot(dx, dy);
        if (l > best) {
            best = l;
            ux = dx / l;
            uy = dy / l;
        }
    }
    double lo, hi, lo2, hi2;
    cp_extent(&p, ux, uy, &lo, &hi);
    cp_extent(&p, -uy, ux, &lo2, &hi2);
    if (hi2 - lo2 > hi - lo) {
        double t = ux;
        ux = -uy;
        uy = t;
        lo = lo2;
        hi = hi2;
    }
    if (frac < 0.2)
        frac = 0.2;
    if (frac > 0.8)
        frac = 0.8;
    struct cpoly A, B;
    if (cp_cut(&p, ux, uy, lo + (hi - lo) * frac, &A, &B) != 0)
        return LIS_EINVAL;
    cp_wkb(&A, a);
    cp_wkb(&B, b);
    return 0;
}
