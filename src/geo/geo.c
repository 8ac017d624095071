/* geo — the per-thread context over PROJ and GEOS (see geo.h).
 *
 * A struct geo owns one PJ_CONTEXT and one GEOS handle, so two threads with
 * two contexts never share library state. The three transformations between
 * the province's CRSs are built once, in geo_new(), by asking PROJ for the
 * best operation between the CRSs by their codes (for VN-2000 that is the
 * published 7-parameter EPSG transformation: nothing is hard-coded here), and
 * normalised so that x is always easting/longitude.
 *
 * Coordinates are transformed directly in a little-endian 2D copy of the WKB
 * (geo__wkb_copy2d), a batch of vertices at a time; GEOS is used only for
 * the measures and overlays. GEOS and PROJ error text is copied into the
 * context's error buffer, which geo_errmsg() returns. */
#include "geo/geo.h"

#include "core/err.h"
#include "core/mem.h"
#include "geo/wkb_internal.h"

#include <geos_c.h>
#include <math.h>
#include <proj.h>
#include <stdlib.h>
#include <string.h>

enum { PAIR_NATIVE_WGS84, PAIR_NATIVE_MERCATOR, PAIR_WGS84_MERCATOR, NPAIRS };

struct geo {
    PJ_CONTEXT *pj;         /* PROJ state of this context only */
    PJ *native;             /* the province CRS */
    PJ *pair[NPAIRS];       /* transformations, forward = first CRS to second */
    int srid;               /* n of EPSG:n */
    GEOSContextHandle_t gh; /* GEOS state of this context only */
    GEOSWKBReader *reader;
    GEOSWKBWriter *writer; /* ISO, little endian, 2D */
    PJ_COORD *tmp;          /* scratch for batches of vertices */
    size_t tmpcap;
    struct buf err; /* text of the last failure */
};

struct geo_xform {
    struct geo *g; /* borrowed: the context it was made in */
    PJ *pj;        /* source CRS -> native, normalised */
};

/* ---- errors ---- */

static void set_err(struct geo *g, const char *what, const char *detail)
{
    buf_reset(&g->err);
    buf_puts(&g->err, what);
    if (detail && *detail) {
        buf_puts(&g->err, ": ");
        buf_puts(&g->err, detail);
    }
}

static void geos_error(const char *message, void *userdata)
{
    set_err(userdata, "GEOS", message);
}

static void proj_log(void *app_data, int level, const char *message)
{
    if (level <= PJ_LOG_ERROR)
        set_err(app_data, "PROJ", message);
}

/* The PROJ failure of P, or of the context when P is NULL. */
static void set_proj_err(struct geo *g, const char *what, PJ *P)
{
    int e = P ? proj_errno(P) : proj_context_errno(g->pj);
    if (e)
        set_err(g, what, proj_context_errno_string(g->pj, e));
    else
        set_err(g, what, NULL);
}

const char *geo_errmsg(const struct geo *g)
{
    return g ? buf_cstr(&g->err) : "no geo context";
}

int geo_native_srid(const struct geo *g)
{
    return g->srid;
}

/* ---- context ---- */

/* A transformation between two CRS objects, normalised to x = east. */
static PJ *make_xform(struct geo *g, const PJ *from, const PJ *to)
{
    PJ *raw = proj_create_crs_to_crs_from_pj(g->pj, from, to, NULL, NULL);
    if (!raw)
        return NULL;
    PJ *norm = proj_normalize_for_visualization(g->pj, raw);
    proj_destroy(raw);
    return norm;
}

struct geo *geo_new(const char *native_crs, struct buf *err)
{
    struct geo *g = xcalloc(1, sizeof *g);
    PJ *wgs84 = NULL, *mercator = NULL;
    const char *fail = NULL;

    g->pj = proj_context_create();
    if (!g->pj) {
        fail = "cannot create a PROJ context";
        goto out;
    }
    proj_log_func(g->pj, g, proj_log);
    g->native = native_crs ? proj_create(g->pj, native_crs) : NULL;
    if (!g->native || !proj_is_crs(g->native)) {
        fail = "PROJ does not know the native CRS";
        goto out;
    }
    const char *auth = proj_get_id_auth_name(g->native, 0);
    const char *code = proj_get_id_code(g->native, 0);
    if (auth && code && strcmp(auth, "EPSG") == 0)
        g->srid = atoi(code);
    wgs84 = proj_create(g->pj, "EPSG:4326");
    mercator = proj_create(g->pj, "EPSG:3857");
    if (!wgs84 || !mercator) {
        fail = "PROJ's database lacks EPSG:4326 or EPSG:3857";
        goto out;
    }
    g->pair[PAIR_NATIVE_WGS84] = make_xform(g, g->native, wgs84);
    g->pair[PAIR_NATIVE_MERCATOR] = make_xform(g, g->native, mercator);
    g->pair[PAIR_WGS84_MERCATOR] = make_xform(g, wgs84, mercator);
    for (int i = 0; i < NPAIRS; i++) {
        if (!g->pair[i]) {
            fail = "PROJ found no transformation for the native CRS";
            goto out;
        }
    }

    g->gh = GEOS_init_r();
    GEOSContext_setErrorMessageHandler_r(g->gh, geos_error, g);
    g->reader = GEOSWKBReader_create_r(g->gh);
    g->writer = GEOSWKBWriter_create_r(g->gh);
    GEOSWKBWriter_setFlavor_r(g->gh, g->writer, GEOS_WKB_ISO);
    GEOSWKBWriter_setByteOrder_r(g->gh, g->writer, GEOS_WKB_NDR);
    GEOSWKBWriter_setOutputDimension_r(g->gh, g->writer, 2);

out:
    proj_destroy(wgs84);
    proj_destroy(mercator);
    if (fail) {
        if (err) {
            buf_puts(err, fail);
            buf_appendf(err, " (%s)", native_crs ? native_crs : "NULL");
            if (g->err.len) {
                buf_puts(err, ": ");
                buf_puts(err, g->err.data);
            }
        }
        geo_free(g);
        return NULL;
    }
    return g;
}

void geo_free(struct geo *g)
{
    if (!g)
        return;
    if (g->gh) {
        GEOSWKBReader_destroy_r(g->gh, g->reader);
        GEOSWKBWriter_destroy_r(g->gh, g->writer);
        GEOS_finish_r(g->gh);
    }
    for (int i = 0; i < NPAIRS; i++)
        proj_destroy(g->pair[i]);
    proj_destroy(g->native);
    if (g->pj)
        proj_context_destroy(g->pj);
    free(g->tmp);
    buf_free(&g->err);
    free(g);
}

/* The transformation and direction for from -> to; NULL when from == to. */
static PJ *xform_for(struct geo *g, enum geo_crs from, enum geo_crs to, PJ_DIRECTION *dir)
{
    static const int pair_of[3][3] = {
        [GEO_NATIVE] = {-1, PAIR_NATIVE_WGS84, PAIR_NATIVE_MERCATOR},
        [GEO_WGS84] = {PAIR_NATIVE_WGS84, -1, PAIR_WGS84_MERCATOR},
        [GEO_MERCATOR] = {PAIR_NATIVE_MERCATOR, PAIR_WGS84_MERCATOR, -1},
    };
    int p = pair_of[from][to];
    if (p < 0)
        return NULL;
    /* Each pair runs forward from the CRS listed first in its name. */
    *dir = (int)from < (int)to ? PJ_FWD : PJ_INV;
    return g->pair[p];
}

static bool bad_crs(enum geo_crs c)
{
    return (int)c < GEO_NATIVE || (int)c > GEO_MERCATOR;
}

int geo_point(struct geo *g, enum geo_crs from, enum geo_crs to, double *x, double *y)
{
    if (bad_crs(from) || bad_crs(to)) {
        set_err(g, "geo_point", "unknown CRS");
        return LIS_EINVAL;
    }
    if (!isfinite(*x) || !isfinite(*y)) {
        set_err(g, "geo_point", "coordinates are not finite");
        return LIS_EINVAL;
    }
    PJ_DIRECTION dir = PJ_FWD;
    PJ *P = xform_for(g, from, to, &dir);
    if (!P)
        return 0;
    proj_errno_reset(P);
    PJ_COORD c = proj_coord(*x, *y, 0, HUGE_VAL);
    c = proj_trans(P, dir, c);
    if (!isfinite(c.xy.x) || !isfinite(c.xy.y) || c.xy.x == HUGE_VAL || c.xy.y == HUGE_VAL) {
        set_proj_err(g, "point outside the CRS's domain", P);
        proj_errno_reset(P);
        return LIS_EINVAL;
    }
    *x = c.xy.x;
    *y = c.xy.y;
    return 0;
}

/* ---- transforming WKB ---- */

struct batch {
    struct geo *g;
    PJ *P;
    PJ_DIRECTION dir;
};

/* geo__seq_fn: transform one vertex sequence in place. */
static int transform_seq(void *ctx, uint8_t *xy, uint32_t n)
{
    struct batch *b = ctx;
    struct geo *g = b->g;
    if (n > g->tmpcap) {
        g->tmpcap = n < 256 ? 256 : n;
        free(g->tmp);
        g->tmp = xmalloc(g->tmpcap * sizeof *g->tmp);
    }
    for (uint32_t i = 0; i < n; i++)
        g->tmp[i] = proj_coord(geo__get(xy + 16 * i), geo__get(xy + 16 * i + 8), 0, HUGE_VAL);
    proj_errno_reset(b->P);
    proj_trans_array(b->P, b->dir, n, g->tmp);
    for (uint32_t i = 0; i < n; i++) {
        double x = g->tmp[i].xy.x, y = g->tmp[i].xy.y;
        if (!isfinite(x) || !isfinite(y) || x == HUGE_VAL || y == HUGE_VAL) {
            set_proj_err(g, "vertex outside the CRS's domain", b->P);
            proj_errno_reset(b->P);
            return LIS_EINVAL;
        }
        geo__put(xy + 16 * i, x);
        geo__put(xy + 16 * i + 8, y);
    }
    return 0;
}

static int transform_wkb(struct geo *g, PJ *P, PJ_DIRECTION dir, const uint8_t *wkb, size_t len,
                         struct buf *out)
{
    struct batch b = {g, P, dir};
    int rc = geo__wkb_copy2d(wkb, len, out, P ? transform_seq : NULL, &b);
    if (rc == LIS_EINVAL && (!g->err.len || !P))
        set_err(g, "malformed WKB", NULL);
    return rc;
}

int geo_wkb_transform(struct geo *g, enum geo_crs from, enum geo_crs to, const uint8_t *wkb,
                      size_t len, struct buf *out)
{
    if (bad_crs(from) || bad_crs(to)) {
        set_err(g, "geo_wkb_transform", "unknown CRS");
        return LIS_EINVAL;
    }
    PJ_DIRECTION dir = PJ_FWD;
    PJ *P = xform_for(g, from, to, &dir);
    buf_reset(&g->err);
    return transform_wkb(g, P, dir, wkb, len, out);
}

struct geo_xform *geo_xform_new(struct geo *g, const char *src_crs)
{
    PJ *src = src_crs ? proj_create(g->pj, src_crs) : NULL;
    if (!src || !proj_is_crs(src)) {
        set_proj_err(g, "PROJ does not know the source CRS", NULL);
        proj_destroy(src);
        return NULL;
    }
    PJ *pj = make_xform(g, src, g->native);
    proj_destroy(src);
    if (!pj) {
        set_proj_err(g, "PROJ found no transformation from the source CRS", NULL);
        return NULL;
    }
    struct geo_xform *t = xcalloc(1, sizeof *t);
    t->g = g;
    t->pj = pj;
    return t;
}

void geo_xform_free(struct geo_xform *t)
{
    if (!t)
        return;
    proj_destroy(t->pj);
    free(t);
}

int geo_xform_wkb(struct geo_xform *t, const uint8_t *wkb, size_t len, struct buf *out)
{
    buf_reset(&t->g->err);
    return transform_wkb(t->g, t->pj, PJ_FWD, wkb, len, out);
}

/* ---- GEOS operations ---- */

static GEOSGeometry *readg(struct geo *g, const uint8_t *wkb, size_t len)
{
    if (!wkb || len == 0) {
        set_err(g, "empty WKB", NULL);
        return NULL;
    }
    buf_reset(&g->err);
    GEOSGeometry *geom = GEOSWKBReader_read_r(g->gh, g->reader, wkb, len);
    if (!geom && !g->err.len)
        set_err(g, "unreadable WKB", NULL);
    return geom;
}

static int writeg(struct geo *g, const GEOSGeometry *geom, struct buf *out)
{
    size_t n = 0;
    unsigned char *w = GEOSWKBWriter_write_r(g->gh, g->writer, geom, &n);
    if (!w)
        return LIS_EINTERNAL;
    buf_append(out, w, n);
    GEOSFree_r(g->gh, w);
    return 0;
}

int geo_area(struct geo *g, const uint8_t *wkb, size_t len, double *area)
{
    GEOSGeometry *geom = readg(g, wkb, len);
    if (!geom)
        return LIS_EINVAL;
    int rc = GEOSArea_r(g->gh, geom, area) ? 0 : LIS_EINVAL;
    GEOSGeom_destroy_r(g->gh, geom);
    return rc;
}

int geo_point_on_surface(struct geo *g, const uint8_t *wkb, size_t len, double *x, double *y)
{
    int rc = LIS_EINVAL;
    GEOSGeometry *geom = NULL, *pt = NULL;
    if (!(geom = readg(g, wkb, len)))
        goto out;
    if (GEOSisEmpty_r(g->gh, geom)) {
        set_err(g, "point on surface", "empty geometry");
        goto out;
    }
    pt = GEOSPointOnSurface_r(g->gh, geom);
    if (!pt || GEOSisEmpty_r(g->gh, pt) || !GEOSGeomGetX_r(g->gh, pt, x) ||
        !GEOSGeomGetY_r(g->gh, pt, y))
        goto out;
    rc = 0;
out:
    GEOSGeom_destroy_r(g->gh, pt);
    GEOSGeom_destroy_r(g->gh, geom);
    return rc;
}

int geo_is_valid(struct geo *g, const uint8_t *wkb, size_t len, struct buf *reason)
{
    GEOSGeometry *geom = readg(g, wkb, len);
    if (!geom)
        return LIS_EINVAL;
    int rc = LIS_EINVAL;
    char v = GEOSisValid_r(g->gh, geom);
    if (v == 1) {
        rc = 1;
    } else if (v == 0) {
        rc = 0;
        if (reason) {
            char *why = GEOSisValidReason_r(g->gh, geom);
            if (why) {
                buf_puts(reason, why);
                GEOSFree_r(g->gh, why);
            }
        }
    }
    GEOSGeom_destroy_r(g->gh, geom);
    return rc;
}

/* Clone the non-empty polygons of geom, at any depth of collections, into
 * *parts (grown as needed). */
static void collect_polygons(struct geo *g, const GEOSGeometry *geom, GEOSGeometry ***parts,
                             unsigned *n, unsigned *cap)
{
    int type = GEOSGeomTypeId_r(g->gh, geom);
    if (type == GEOS_POLYGON) {
        if (GEOSisEmpty_r(g->gh, geom))
            return;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 8;
            *parts = xrealloc(*parts, *cap * sizeof **parts);
        }
        (*parts)[(*n)++] = GEOSGeom_clone_r(g->gh, geom);
    } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        int k = GEOSGetNumGeometries_r(g->gh, geom);
        for (int i = 0; i < k; i++)
            collect_polygons(g, GEOSGetGeometryN_r(g->gh, geom, i), parts, n, cap);
    }
}

/* Append the polygonal part of geom: a Polygon when there is one, otherwise
 * a MultiPolygon (empty when there is none). Returns the number of polygons,
 * or a negative lis_err. */
static int write_polygonal(struct geo *g, const GEOSGeometry *geom, struct buf *out)
{
    GEOSGeometry **parts = NULL, *multi = NULL;
    unsigned n = 0, cap = 0;
    int rc;
    collect_polygons(g, geom, &parts, &n, &cap);
    if (n == 1) {
        rc = writeg(g, parts[0], out);
        GEOSGeom_destroy_r(g->gh, parts[0]);
    } else {
        /* Takes ownership of the parts (but not of the array). */
        multi = n ? GEOSGeom_createCollection_r(g->gh, GEOS_MULTIPOLYGON, parts, n)
                  : GEOSGeom_createEmptyCollection_r(g->gh, GEOS_MULTIPOLYGON);
        rc = multi ? writeg(g, multi, out) : LIS_EINTERNAL;
    }
    GEOSGeom_destroy_r(g->gh, multi);
    free(parts);
    return rc < 0 ? rc : (int)n;
}

int geo_make_valid(struct geo *g, const uint8_t *wkb, size_t len, struct buf *out)
{
    int rc = LIS_EINVAL;
    GEOSGeometry *geom = NULL, *fixed = NULL;
    size_t mark = out->len;
    if (!(geom = readg(g, wkb, len)))
        goto out;
    if (!(fixed = GEOSMakeValid_r(g->gh, geom)))
        goto out;
    rc = write_polygonal(g, fixed, out);
    if (rc == 0) {
        set_err(g, "make valid", "nothing polygonal is left");
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
        rc = LIS_EINVAL;
    }
    if (rc > 0)
        rc = 0;
out:
    GEOSGeom_destroy_r(g->gh, fixed);
    GEOSGeom_destroy_r(g->gh, geom);
    return rc;
}

/* Both geometries, or neither (NULL and the error set). */
static int read_two(struct geo *g, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                    GEOSGeometry **ga, GEOSGeometry **gb)
{
    *ga = readg(g, a, alen);
    *gb = *ga ? readg(g, b, blen) : NULL;
    if (*ga && *gb)
        return 0;
    GEOSGeom_destroy_r(g->gh, *ga);
    *ga = NULL;
    return LIS_EINVAL;
}

/* True when the boxes of a and b are apart by more than tol: a cheap answer
 * for the common case of candidates from an index that do not overlap. */
static bool apart(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, double tol)
{
    struct geo_box ba, bb;
    if (geo_wkb_envelope(a, alen, &ba) || geo_wkb_envelope(b, blen, &bb))
        return false; /* let GEOS judge */
    return ba.maxx + tol < bb.minx || bb.maxx + tol < ba.minx || ba.maxy + tol < bb.miny ||
           bb.maxy + tol < ba.miny;
}

int geo_intersection_area(struct geo *g, const uint8_t *a, size_t alen, const uint8_t *b,
                          size_t blen, double *area)
{
    GEOSGeometry *ga = NULL, *gb = NULL, *x = NULL;
    int rc = LIS_EINVAL;
    *area = 0;
    if (apart(a, alen, b, blen, 0))
        return 0;
    if (read_two(g, a, alen, b, blen, &ga, &gb))
        goto out;
    if (!(x = GEOSIntersection_r(g->gh, ga, gb)))
        goto out;
    if (!GEOSArea_r(g->gh, x, area))
        goto out;
    rc = 0;
out:
    GEOSGeom_destroy_r(g->gh, x);
    GEOSGeom_destroy_r(g->gh, ga);
    GEOSGeom_destroy_r(g->gh, gb);
    return rc;
}

int geo_shared_boundary(struct geo *g, const uint8_t *a, size_t alen, const uint8_t *b,
                        size_t blen, double *length)
{
    GEOSGeometry *ga = NULL, *gb = NULL, *ba = NULL, *bb = NULL, *x = NULL;
    int rc = LIS_EINVAL;
    *length = 0;
    if (apart(a, alen, b, blen, 0))
        return 0;
    if (read_two(g, a, alen, b, blen, &ga, &gb))
        goto out;
    if (!(ba = GEOSBoundary_r(g->gh, ga)) || !(bb = GEOSBoundary_r(g->gh, gb)))
        goto out;
    if (!(x = GEOSIntersection_r(g->gh, ba, bb)))
        goto out;
    /* Points where the boundaries only cross have no length. */
    if (!GEOSLength_r(g->gh, x, length))
        goto out;
    rc = 0;
out:
    GEOSGeom_destroy_r(g->gh, x);
    GEOSGeom_destroy_r(g->gh, ba);
    GEOSGeom_destroy_r(g->gh, bb);
    GEOSGeom_destroy_r(g->gh, ga);
    GEOSGeom_destroy_r(g->gh, gb);
    return rc;
}

int geo_intersection(struct geo *g, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                     struct buf *out)
{
    GEOSGeometry *ga = NULL, *gb = NULL, *x = NULL;
    int rc = LIS_EINVAL;
    if (read_two(g, a, alen, b, blen, &ga, &gb))
        goto out;
    if (!(x = GEOSIntersection_r(g->gh, ga, gb)))
        goto out;
    rc = write_polygonal(g, x, out);
    if (rc > 0)
        rc = 0;
out:
    GEOSGeom_destroy_r(g->gh, x);
    GEOSGeom_destroy_r(g->gh, ga);
    GEOSGeom_destroy_r(g->gh, gb);
    return rc;
}

/* ---- the native CRS as WKT ----
 * Added for `lis demo` (store_create_opts.crs_wkt): a GeoPackage's
 * gpkg_spatial_ref_sys.definition holds WKT 1, so PROJ writes WKT1_GDAL. */
int geo_crs_wkt(struct geo *g, struct buf *out)
{
    const char *const opts[] = {"MULTILINE=NO", NULL};
    const char *w = proj_as_wkt(g->pj, g->native, PJ_WKT1_GDAL, opts);
    if (!w) {
        set_err(g, "PROJ cannot write the native CRS as WKT", NULL);
        return LIS_EIO;
    }
    buf_puts(out, w);
    return 0;
}
