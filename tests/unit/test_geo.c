/* Unit tests for geo/: pure WKB helpers, GeoPackage blobs, and the context
 * operations (PROJ transformations, GEOS measures and repairs).
 *
 * Geometry is written as WKT here and turned into ISO WKB with GEOS in the
 * test itself, or built byte by byte where the byte layout is the point. */
#include "core/buf.h"
#include "core/err.h"
#include "geo/geo.h"

#include <criterion/criterion.h>
#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- test helpers: WKT <-> WKB through a GEOS handle of our own ---- */

static GEOSContextHandle_t th;

static void th_init(void)
{
    th = GEOS_init_r();
}

static void th_fini(void)
{
    GEOS_finish_r(th);
}

/* WKT -> ISO WKB (little endian, 2D) appended to out. */
static void wkb_of(const char *wkt, struct buf *out)
{
    GEOSWKTReader *r = GEOSWKTReader_create_r(th);
    GEOSGeometry *g = GEOSWKTReader_read_r(th, r, wkt);
    cr_assert(g, "bad WKT in test: %s", wkt);
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(th);
    GEOSWKBWriter_setFlavor_r(th, w, GEOS_WKB_ISO);
    GEOSWKBWriter_setByteOrder_r(th, w, GEOS_WKB_NDR);
    GEOSWKBWriter_setOutputDimension_r(th, w, 2);
    size_t n;
    unsigned char *b = GEOSWKBWriter_write_r(th, w, g, &n);
    buf_reset(out);
    buf_append(out, b, n);
    GEOSFree_r(th, b);
    GEOSWKBWriter_destroy_r(th, w);
    GEOSGeom_destroy_r(th, g);
    GEOSWKTReader_destroy_r(th, r);
}

/* True when the WKB is the same geometry as the WKT (normalised, within tol). */
static __attribute__((unused)) bool same_geom(const uint8_t *wkb, size_t len, const char *wkt, double tol)
{
    GEOSWKBReader *br = GEOSWKBReader_create_r(th);
    GEOSWKTReader *tr = GEOSWKTReader_create_r(th);
    GEOSGeometry *a = GEOSWKBReader_read_r(th, br, wkb, len);
    GEOSGeometry *b = GEOSWKTReader_read_r(th, tr, wkt);
    bool same = false;
    if (a && b) {
        GEOSNormalize_r(th, a);
        GEOSNormalize_r(th, b);
        same = GEOSEqualsExact_r(th, a, b, tol) == 1;
    }
    GEOSGeom_destroy_r(th, a);
    GEOSGeom_destroy_r(th, b);
    GEOSWKBReader_destroy_r(th, br);
    GEOSWKTReader_destroy_r(th, tr);
    return same;
}

/* Hand-built WKB in either byte order. */
static void put_u32(struct buf *b, uint32_t v, bool big)
{
    for (int i = 0; i < 4; i++)
        buf_putc(b, (char)(v >> (8 * (big ? 3 - i : i))));
}

static void put_f64(struct buf *b, double d, bool big)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++)
        buf_putc(b, (char)(u >> (8 * (big ? 7 - i : i))));
}

static void put_hdr(struct buf *b, uint32_t type, bool big)
{
    buf_putc(b, big ? 0 : 1);
    put_u32(b, type, big);
}

/* ---- geo_wkb_type / envelope / npoints ---- */

TestSuite(wkb, .init = th_init, .fini = th_fini);

static const struct {
    const char *id;
    const char *wkt;
    int type;
    long npoints;
    struct geo_box box;
    int env_rc;
} shapes[] = {
    {"point", "POINT (3 4)", 1, 1, {3, 4, 3, 4}, 0},
    {"point-empty", "POINT EMPTY", 1, 0, {0, 0, 0, 0}, LIS_EINVAL},
    {"line", "LINESTRING (0 0, 10 5, -2 7)", 2, 3, {-2, 0, 10, 7}, 0},
    {"square", "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", 3, 5, {0, 0, 10, 10}, 0},
    {"with-hole", "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))", 3, 10,
     {0, 0, 10, 10}, 0},
    {"polygon-empty", "POLYGON EMPTY", 3, 0, {0, 0, 0, 0}, LIS_EINVAL},
    {"multipoint", "MULTIPOINT ((1 1), (5 -3))", 4, 2, {1, -3, 5, 1}, 0},
    {"multiline", "MULTILINESTRING ((0 0, 1 1), (2 2, 3 9))", 5, 4, {0, 0, 3, 9}, 0},
    {"multipolygon",
     "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((500000 2400000, 500010 2400000, 500010 2400010, "
     "500000 2400000)))",
     6, 8, {0, 0, 500010, 2400010}, 0},
    {"collection", "GEOMETRYCOLLECTION (POINT (-1 -1), POLYGON ((0 0, 2 0, 2 2, 0 0)))", 7, 5,
     {-1, -1, 2, 2}, 0},
};

Test(wkb, type_envelope_npoints)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < N(shapes); i++) {
        wkb_of(shapes[i].wkt, &b);
        const uint8_t *w = (const uint8_t *)b.data;
        cr_expect_eq(geo_wkb_type(w, b.len), shapes[i].type, "%s: type", shapes[i].id);
        cr_expect_eq(geo_wkb_npoints(w, b.len), shapes[i].npoints, "%s: npoints %ld",
                     shapes[i].id, geo_wkb_npoints(w, b.len));
        struct geo_box box = {0, 0, 0, 0};
        int rc = geo_wkb_envelope(w, b.len, &box);
        cr_expect_eq(rc, shapes[i].env_rc, "%s: envelope rc %d", shapes[i].id, rc);
        if (rc == 0)
            cr_expect(box.minx == shapes[i].box.minx && box.miny == shapes[i].box.miny &&
                          box.maxx == shapes[i].box.maxx && box.maxy == shapes[i].box.maxy,
                      "%s: box %g %g %g %g", shapes[i].id, box.minx, box.miny, box.maxx,
                      box.maxy);
    }
    buf_free(&b);
}

Test(wkb, malformed)
{
    struct buf b = BUF_INIT;
    wkb_of("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", &b);
    const uint8_t *w = (const uint8_t *)b.data;
    /* Every truncation of a valid polygon is refused. */
    for (size_t n = 0; n < b.len; n++) {
        cr_expect_lt(geo_wkb_type(w, n), 0, "truncated at %zu", n);
        cr_expect_lt(geo_wkb_npoints(w, n), 0, "truncated at %zu", n);
    }
    cr_expect_lt(geo_wkb_type(NULL, 0), 0);

    struct {
        const char *id;
        uint8_t bytes[16];
        size_t len;
    } bad[] = {
        {"byte-order-2", {2, 3, 0, 0, 0, 0, 0, 0, 0}, 9},
        {"type-0", {1, 0, 0, 0, 0, 0, 0, 0, 0}, 9},
        {"type-8", {1, 8, 0, 0, 0, 0, 0, 0, 0}, 9},
        {"type-4003", {1, 0xa3, 0x0f, 0, 0, 0, 0, 0, 0}, 9},
        {"huge-ring-count", {1, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f}, 9},
        {"huge-point-count", {1, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, 9},
        {"multipolygon-of-points",
         {1, 6, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0},
         14},
    };
    for (size_t i = 0; i < N(bad); i++) {
        cr_expect_lt(geo_wkb_type(bad[i].bytes, bad[i].len), 0, "%s", bad[i].id);
        struct geo_box box;
        cr_expect_eq(geo_wkb_envelope(bad[i].bytes, bad[i].len, &box), LIS_EINVAL, "%s",
                     bad[i].id);
        cr_expect_lt(geo_wkb_contains_point(bad[i].bytes, bad[i].len, 0, 0), 0, "%s", bad[i].id);
    }
    buf_free(&b);
}

/* Big-endian, ISO Z and EWKB variants of one triangle read the same. */
Test(wkb, byte_orders_and_dimensions)
{
    const double tri[4][3] = {{0, 0, 5}, {4, 0, 5}, {0, 4, 5}, {0, 0, 5}};
    struct {
        const char *id;
        bool big;
        uint32_t type;
        int dims;
    } variants[] = {
        {"le-2d", false, 3, 2},     {"be-2d", true, 3, 2},          {"le-iso-z", false, 1003, 3},
        {"be-iso-m", true, 2003, 3}, {"le-iso-zm", false, 3003, 4}, {"le-ewkb-z", false, 0x80000003u, 3},
    };
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < N(variants); i++) {
        buf_reset(&b);
        bool big = variants[i].big;
        put_hdr(&b, variants[i].type, big);
        put_u32(&b, 1, big);
        put_u32(&b, 4, big);
        for (int k = 0; k < 4; k++)
            for (int d = 0; d < variants[i].dims; d++)
                put_f64(&b, d < 3 ? tri[k][d] : 9, big);
        const uint8_t *w = (const uint8_t *)b.data;
        cr_expect_eq(geo_wkb_type(w, b.len), 3, "%s", variants[i].id);
        cr_expect_eq(geo_wkb_npoints(w, b.len), 4, "%s", variants[i].id);
        struct geo_box box;
        cr_expect_eq(geo_wkb_envelope(w, b.len, &box), 0, "%s", variants[i].id);
        cr_expect(box.maxx == 4 && box.maxy == 4, "%s", variants[i].id);
        cr_expect_eq(geo_wkb_contains_point(w, b.len, 1, 1), 1, "%s", variants[i].id);
        cr_expect_eq(geo_wkb_contains_point(w, b.len, 3, 3), 0, "%s", variants[i].id);
        cr_expect_eq(geo_wkb_contains_point(w, b.len, 2, 2), 1, "%s: hypotenuse", variants[i].id);
        struct buf js = BUF_INIT;
        cr_expect_eq(geo_wkb_geojson(w, b.len, 0, &js), 0, "%s", variants[i].id);
        cr_expect_str_eq(buf_cstr(&js),
                         "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,0],[0,4],[0,0]]]}",
                         "%s", variants[i].id);
        buf_free(&js);
    }
    buf_free(&b);
}

/* ---- geo_wkb_contains_point ---- */

static const char *const donut =
    "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))";
static const char *const two_parts =
    "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2)), "
    "((20 0, 30 0, 25 8, 20 0)))";
static const char *const comb = /* a ray from the left passes through several vertices */
    "POLYGON ((0 0, 8 0, 8 6, 6 6, 6 2, 4 6, 2 2, 2 6, 0 6, 0 0))";

static const struct {
    const char *id;
    const char *const *wkt;
    double x, y;
    int in;
} clicks[] = {
    {"donut-inside", &donut, 7, 7, 1},
    {"donut-in-hole", &donut, 3, 3, 0},
    {"donut-hole-edge", &donut, 3, 4, 1},
    {"donut-hole-corner", &donut, 4, 2, 1},
    {"donut-outer-edge-bottom", &donut, 5, 0, 1},
    {"donut-outer-edge-left", &donut, 0, 5, 1},
    {"donut-outer-corner", &donut, 10, 10, 1},
    {"donut-outside-right", &donut, 10.000001, 5, 0},
    {"donut-outside-below", &donut, 5, -0.5, 0},
    {"donut-outside-aligned", &donut, -1, 0, 0},
    {"donut-ray-through-hole", &donut, 1, 3, 1},
    {"two-parts-first", &two_parts, 9, 1, 1},
    {"two-parts-hole", &two_parts, 3, 3, 0},
    {"two-parts-second", &two_parts, 25, 4, 1},
    {"two-parts-second-apex", &two_parts, 25, 8, 1},
    {"two-parts-between", &two_parts, 15, 4, 0},
    {"two-parts-second-slope", &two_parts, 22.5, 4, 1},
    {"comb-through-vertices", &comb, 1, 6 - 1e-12, 1},
    {"comb-at-vertex-height-inside", &comb, 7, 2, 1},
    {"comb-at-vertex-height-notch", &comb, 5, 4.5, 0},
    {"comb-vertex-y-left-outside", &comb, -1, 2, 0},
    {"comb-notch-tip", &comb, 4, 6, 1},
    {"comb-notch-bottom-vertex", &comb, 6, 2, 1},
    {"comb-under-notch", &comb, 4, 1, 1},
};

Test(wkb, contains_point)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < N(clicks); i++) {
        wkb_of(*clicks[i].wkt, &b);
        int rc = geo_wkb_contains_point((const uint8_t *)b.data, b.len, clicks[i].x, clicks[i].y);
        cr_expect_eq(rc, clicks[i].in, "%s: got %d", clicks[i].id, rc);
    }
    /* Lines and points have no inside; a collection's polygon still counts. */
    wkb_of("LINESTRING (0 0, 10 10)", &b);
    cr_expect_eq(geo_wkb_contains_point((const uint8_t *)b.data, b.len, 5, 5), 0);
    wkb_of("GEOMETRYCOLLECTION (LINESTRING (0 0, 1 1), POLYGON ((0 0, 2 0, 2 2, 0 0)))", &b);
    cr_expect_eq(geo_wkb_contains_point((const uint8_t *)b.data, b.len, 1.5, 0.5), 1);
    cr_expect_eq(geo_wkb_contains_point((const uint8_t *)b.data, b.len, 0.5, 1.5), 0);
    cr_expect_lt(geo_wkb_contains_point((const uint8_t *)b.data, b.len, NAN, 0), 0);
    buf_free(&b);
}

/* Agreement with GEOS "covers" on many pseudo-random points around a
 * star-shaped polygon with a hole, in projected-CRS magnitudes. */
Test(wkb, contains_point_agrees_with_geos)
{
    struct buf wkt = BUF_INIT, b = BUF_INIT;
    const double cx = 456789.0, cy = 2412345.0;
    buf_puts(&wkt, "POLYGON ((");
    for (int k = 0; k <= 24; k++) {
        double a = (k % 24) * M_PI / 12, r = (k % 2) ? 40 : 100;
        buf_appendf(&wkt, "%s%.3f %.3f", k ? ", " : "", cx + r * cos(a), cy + r * sin(a));
    }
    buf_appendf(&wkt, "), (%.3f %.3f, %.3f %.3f, %.3f %.3f, %.3f %.3f))", cx - 10, cy - 10, cx - 10,
                cy + 10, cx + 10, cy + 10, cx - 10, cy - 10);
    wkb_of(buf_cstr(&wkt), &b);
    GEOSWKBReader *br = GEOSWKBReader_create_r(th);
    GEOSGeometry *poly = GEOSWKBReader_read_r(th, br, (const unsigned char *)b.data, b.len);
    const GEOSPreparedGeometry *prep = GEOSPrepare_r(th, poly);
    uint64_t s = 42;
    int disagree = 0, inside = 0;
    for (int i = 0; i < 20000; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double x = cx - 110 + (double)(s >> 11) / 9007199254740992.0 * 220;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double y = cy - 110 + (double)(s >> 11) / 9007199254740992.0 * 220;
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(th, x, y);
        int want = GEOSPreparedCovers_r(th, prep, pt);
        GEOSGeom_destroy_r(th, pt);
        int got = geo_wkb_contains_point((const uint8_t *)b.data, b.len, x, y);
        disagree += got != want;
        inside += got == 1;
    }
    cr_expect_eq(disagree, 0, "%d of 20000 points disagree with GEOS", disagree);
    cr_expect(inside > 2000 && inside < 18000, "inside %d", inside);
    GEOSPreparedGeom_destroy_r(th, prep);
    GEOSGeom_destroy_r(th, poly);
    GEOSWKBReader_destroy_r(th, br);
    buf_free(&wkt);
    buf_free(&b);
}

/* ---- GeoJSON ---- */

static const struct {
    const char *id;
    const char *wkt;
    int decimals;
    const char *json;
} geojson_cases[] = {
    {"point", "POINT (106.7613 21.8537)", 6,
     "{\"type\":\"Point\",\"coordinates\":[106.761300,21.853700]}"},
    {"point-rounding", "POINT (-0.00004 1.23456)", 4,
     "{\"type\":\"Point\",\"coordinates\":[0.0000,1.2346]}"},
    {"point-empty", "POINT EMPTY", 2, "{\"type\":\"Point\",\"coordinates\":[]}"},
    {"line", "LINESTRING (0 0, 1.5 2)", 1,
     "{\"type\":\"LineString\",\"coordinates\":[[0.0,0.0],[1.5,2.0]]}"},
    /* Exterior written clockwise and hole counter-clockwise in the input:
     * both come out reversed. */
    {"polygon-hole-reversed",
     "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0), (2 2, 4 2, 4 4, 2 4, 2 2))", 0,
     "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,0],[10,10],[0,10],[0,0]],"
     "[[2,2],[2,4],[4,4],[4,2],[2,2]]]}"},
    {"polygon-hole-kept",
     "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))", 0,
     "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,0],[10,10],[0,10],[0,0]],"
     "[[2,2],[2,4],[4,4],[4,2],[2,2]]]}"},
    {"multipolygon", "MULTIPOLYGON (((0 0, 0 1, 1 0, 0 0)), ((5 5, 6 5, 5 6, 5 5)))", 1,
     "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0.0,0.0],[1.0,0.0],[0.0,1.0],[0.0,0.0]]],"
     "[[[5.0,5.0],[6.0,5.0],[5.0,6.0],[5.0,5.0]]]]}"},
    {"multipoint", "MULTIPOINT ((1 2), (3 4))", 0,
     "{\"type\":\"MultiPoint\",\"coordinates\":[[1,2],[3,4]]}"},
    {"collection", "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, -1 -1))", 0,
     "{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":\"Point\",\"coordinates\":[1,2]},"
     "{\"type\":\"LineString\",\"coordinates\":[[0,0],[-1,-1]]}]}"},
    {"large-easting", "POINT (512345.678901 2412345.5)", 3,
     "{\"type\":\"Point\",\"coordinates\":[512345.679,2412345.500]}"},
    {"many-decimals", "POINT (1.25 -2)", 12,
     "{\"type\":\"Point\",\"coordinates\":[1.250000000000,-2.000000000000]}"},
};

Test(wkb, geojson)
{
    struct buf b = BUF_INIT, js = BUF_INIT;
    for (size_t i = 0; i < N(geojson_cases); i++) {
        wkb_of(geojson_cases[i].wkt, &b);
        buf_reset(&js);
        buf_puts(&js, "x=");
        int rc = geo_wkb_geojson((const uint8_t *)b.data, b.len, geojson_cases[i].decimals, &js);
        cr_expect_eq(rc, 0, "%s", geojson_cases[i].id);
        cr_expect_str_eq(js.data + 2, geojson_cases[i].json, "%s", geojson_cases[i].id);
    }
    /* Malformed input leaves the buffer as it was. */
    buf_reset(&js);
    buf_puts(&js, "keep");
    wkb_of("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", &b);
    cr_expect_eq(geo_wkb_geojson((const uint8_t *)b.data, b.len - 3, 2, &js), LIS_EINVAL);
    cr_expect_str_eq(buf_cstr(&js), "keep");
    buf_free(&b);
    buf_free(&js);
}

/* ---- geo_wkb_each_point ---- */

struct seen {
    int count, stop_at;
    char trace[256];
    size_t tlen;
};

static int note_point(void *ctx, int polygon, int ring, int index, double x, double y)
{
    struct seen *s = ctx;
    s->count++;
    if (index == 0 && s->tlen + 32 < sizeof s->trace)
        s->tlen += (size_t)snprintf(s->trace + s->tlen, sizeof s->trace - s->tlen, "%d.%d:%g,%g ",
                                    polygon, ring, x, y);
    return s->count == s->stop_at ? 77 : 0;
}

Test(wkb, each_point)
{
    struct buf b = BUF_INIT;
    wkb_of(two_parts, &b);
    struct seen s = {0, -1, "", 0};
    cr_expect_eq(geo_wkb_each_point((const uint8_t *)b.data, b.len, note_point, &s), 0);
    cr_expect_eq(s.count, 14);
    cr_expect_str_eq(s.trace, "0.0:0,0 0.1:2,2 1.0:20,0 ");
    struct seen stop = {0, 6, "", 0};
    cr_expect_eq(geo_wkb_each_point((const uint8_t *)b.data, b.len, note_point, &stop), 77);
    cr_expect_eq(stop.count, 6);
    struct seen none = {0, -1, "", 0};
    cr_expect_eq(geo_wkb_each_point((const uint8_t *)b.data, b.len - 1, note_point, &none),
                 LIS_EINVAL);
    cr_expect_eq(none.count, 0, "a malformed geometry is refused before any callback");
    buf_free(&b);
}

/* ---- GeoPackage blobs ---- */

TestSuite(gpkg, .init = th_init, .fini = th_fini);

Test(gpkg, round_trip)
{
    const char *wkts[] = {"POLYGON ((500000 2400000, 500010 2400000, 500010 2400020, 500000 "
                          "2400000))",
                          "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((-5 -5, -4 -5, -4 -4, -5 -5)))",
                          "POINT (106.5 21.9)"};
    struct buf b = BUF_INIT, blob = BUF_INIT;
    for (size_t i = 0; i < N(wkts); i++) {
        wkb_of(wkts[i], &b);
        buf_reset(&blob);
        geo_gpkg_encode(9215, (const uint8_t *)b.data, b.len, &blob);
        const uint8_t *p = (const uint8_t *)blob.data;
        cr_expect_eq(blob.len, 8 + 32 + b.len, "%zu", i);
        cr_expect(p[0] == 'G' && p[1] == 'P' && p[2] == 0 && p[3] == 0x03, "header %zu", i);
        const uint8_t *w = NULL;
        size_t wl = 0;
        int32_t srs = 0;
        struct geo_box env, want;
        bool empty = true;
        cr_assert_eq(geo_gpkg_decode(p, blob.len, &w, &wl, &srs, &env, &empty), 0);
        cr_expect_eq(srs, 9215);
        cr_expect(!empty);
        cr_expect(wl == b.len && memcmp(w, b.data, wl) == 0, "wkb %zu", i);
        geo_wkb_envelope((const uint8_t *)b.data, b.len, &want);
        cr_expect(memcmp(&env, &want, sizeof env) == 0, "envelope %zu", i);
    }
    /* An empty geometry gets the empty flag and no envelope. */
    wkb_of("POLYGON EMPTY", &b);
    buf_reset(&blob);
    geo_gpkg_encode(4326, (const uint8_t *)b.data, b.len, &blob);
    cr_expect_eq(blob.len, 8 + b.len);
    cr_expect_eq((uint8_t)blob.data[3], 0x11);
    bool empty = false;
    struct geo_box env;
    cr_expect_eq(geo_gpkg_decode((const uint8_t *)blob.data, blob.len, NULL, NULL, NULL, &env,
                                 &empty),
                 0);
    cr_expect(empty);
    cr_expect(isnan(env.minx));
    buf_free(&b);
    buf_free(&blob);
}

/* Blobs as other writers make them, byte by byte. */
Test(gpkg, hand_written_blobs)
{
    struct buf wkb = BUF_INIT, blob = BUF_INIT;
    /* Big-endian WKB point (7, -3). */
    put_hdr(&wkb, 1, true);
    put_f64(&wkb, 7, true);
    put_f64(&wkb, -3, true);

    struct {
        const char *id;
        uint8_t flags;
        int doubles; /* envelope values written */
        bool big;
        struct geo_box env; /* expected */
        bool empty;
    } cases[] = {
        {"be-no-envelope", 0x00, 0, true, {7, -3, 7, -3}, false},
        {"le-no-envelope", 0x01, 0, false, {7, -3, 7, -3}, false},
        {"be-xy", 0x02, 4, true, {1, 3, 2, 4}, false},
        {"le-xyz", 0x05, 6, false, {1, 3, 2, 4}, false},
        {"le-xym", 0x07, 6, false, {1, 3, 2, 4}, false},
        {"be-xyzm", 0x08, 8, true, {1, 3, 2, 4}, false},
        {"le-empty-flag", 0x11, 0, false, {7, -3, 7, -3}, true},
    };
    for (size_t i = 0; i < N(cases); i++) {
        buf_reset(&blob);
        buf_append(&blob, "GP", 2);
        buf_putc(&blob, 0);
        buf_putc(&blob, (char)cases[i].flags);
        put_u32(&blob, 32648, cases[i].big);
        /* minx maxx miny maxy [minz maxz] [minm maxm] */
        const double vals[8] = {1, 2, 3, 4, 100, 200, 0, 1};
        for (int k = 0; k < cases[i].doubles; k++)
            put_f64(&blob, vals[k], cases[i].big);
        buf_append(&blob, wkb.data, wkb.len);
        const uint8_t *w;
        size_t wl;
        int32_t srs;
        struct geo_box env;
        bool empty;
        int rc = geo_gpkg_decode((const uint8_t *)blob.data, blob.len, &w, &wl, &srs, &env, &empty);
        cr_assert_eq(rc, 0, "%s", cases[i].id);
        cr_expect_eq(srs, 32648, "%s", cases[i].id);
        cr_expect(wl == wkb.len && memcmp(w, wkb.data, wl) == 0, "%s: wkb", cases[i].id);
        cr_expect(env.minx == cases[i].env.minx && env.miny == cases[i].env.miny &&
                      env.maxx == cases[i].env.maxx && env.maxy == cases[i].env.maxy,
                  "%s: env %g %g %g %g", cases[i].id, env.minx, env.miny, env.maxx, env.maxy);
        cr_expect_eq(empty, cases[i].empty, "%s", cases[i].id);
    }

    struct {
        const char *id;
        uint8_t bytes[12];
        size_t len;
    } bad[] = {
        {"short", {'G', 'P', 0, 1, 0, 0, 0}, 7},
        {"magic", {'G', 'Q', 0, 1, 0, 0, 0, 0, 1, 1, 0, 0}, 12},
        {"version-1", {'G', 'P', 1, 1, 0, 0, 0, 0, 1, 1, 0, 0}, 12},
        {"envelope-kind-5", {'G', 'P', 0, 0x0b, 0, 0, 0, 0, 1, 1, 0, 0}, 12},
        {"envelope-cut", {'G', 'P', 0, 0x03, 0, 0, 0, 0, 1, 1, 0, 0}, 12},
    };
    for (size_t i = 0; i < N(bad); i++)
        cr_expect_eq(geo_gpkg_decode(bad[i].bytes, bad[i].len, NULL, NULL, NULL, NULL, NULL),
                     LIS_EINVAL, "%s", bad[i].id);
    buf_free(&wkb);
    buf_free(&blob);
}
