/* Unit tests for geo/: pure WKB helpers, GeoPackage blobs, and the context
 * operations (PROJ transformations, GEOS measures and repairs).
 *
 * Geometry is written as WKT here and turned into ISO WKB with GEOS in the
 * test itself, or built byte by byte where the byte layout is the point. */
#include "core/buf.h"
#include "core/err.h"
#include "geo/geo.h"

#include "testutil.h"

#include <criterion/criterion.h>
#include <geos_c.h>
#include <math.h>
#include <proj.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- test helpers: WKT <-> WKB through a GEOS handle of our own (th,
 * wkb_of: testutil.h) ---- */

/* True when the WKB is the same geometry as the WKT (normalised, within tol). */
static bool same_geom(const uint8_t *wkb, size_t len, const char *wkt, double tol)
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

/* ---- the context: PROJ ---- */

static struct geo *ctx;

static void ctx_init(void)
{
    th_init();
    struct buf err = BUF_INIT;
    ctx = geo_new("EPSG:9215", &err);
    cr_assert(ctx, "geo_new: %s", buf_cstr(&err));
    buf_free(&err);
}

static void ctx_fini(void)
{
    geo_free(ctx);
    th_fini();
}

TestSuite(proj, .init = ctx_init, .fini = ctx_fini);

/* Places across Lạng Sơn, lon/lat. */
static const struct {
    const char *id;
    double lon, lat;
} langson[] = {
    {"lang-son-city", 106.7613, 21.8537},
    {"dong-dang", 106.6990, 21.9980},
    {"that-khe", 106.4700, 22.2580},
    {"binh-gia", 106.3667, 22.0667},
    {"huu-lung", 106.3500, 21.5167},
    {"dinh-lap", 107.1000, 21.5400},
    {"south-west-corner", 106.2, 21.3},
    {"north-east-corner", 107.4, 22.5},
};

/* Metres between two lon/lat points this close together. */
static double ground_m(double lon1, double lat1, double lon2, double lat2)
{
    double dx = (lon2 - lon1) * M_PI / 180 * 6378137 * cos(lat1 * M_PI / 180);
    double dy = (lat2 - lat1) * M_PI / 180 * 6378137;
    return hypot(dx, dy);
}

Test(proj, context)
{
    cr_expect_eq(geo_native_srid(ctx), 9215);
    struct buf err = BUF_INIT;
    cr_expect_null(geo_new("EPSG:999999", &err));
    cr_expect_gt(err.len, 0);
    buf_reset(&err);
    cr_expect_null(geo_new("not a CRS", &err));
    cr_expect_gt(err.len, 0);
    buf_free(&err);
    geo_free(NULL);
    geo_xform_free(NULL);
}

Test(proj, native_wgs84_round_trip)
{
    for (size_t i = 0; i < N(langson); i++) {
        double x = langson[i].lon, y = langson[i].lat;
        cr_assert_eq(geo_point(ctx, GEO_WGS84, GEO_NATIVE, &x, &y), 0, "%s", langson[i].id);
        /* TM-3 107°15' with false easting 500 km: eastings within ~110 km
         * of it, northings of ~2.35–2.49 million metres. */
        cr_expect(x > 390000 && x < 520000 && y > 2350000 && y < 2500000, "%s: %.3f %.3f",
                  langson[i].id, x, y);
        double x0 = x, y0 = y;
        cr_assert_eq(geo_point(ctx, GEO_NATIVE, GEO_WGS84, &x, &y), 0, "%s", langson[i].id);
        cr_expect(ground_m(x, y, langson[i].lon, langson[i].lat) < 0.001, "%s: wgs84 %.9f %.9f",
                  langson[i].id, x, y);
        cr_assert_eq(geo_point(ctx, GEO_WGS84, GEO_NATIVE, &x, &y), 0, "%s", langson[i].id);
        cr_expect(hypot(x - x0, y - y0) < 0.001, "%s: %.4f m", langson[i].id,
                  hypot(x - x0, y - y0));
    }
}

/* The transformation PROJ chose must be the published EPSG:6960 one: the
 * same point through the TM-3 inverse and then EPSG:6960, both taken from
 * PROJ's database by code, lands within a millimetre. A ballpark (no datum
 * shift) transformation would be off by tens of metres. */
Test(proj, uses_epsg_6960)
{
    PJ_CONTEXT *c = proj_context_create();
    PJ *conv_raw = proj_create_crs_to_crs(c, "EPSG:9215", "EPSG:4756", NULL);
    PJ *op_raw = proj_create(c, "urn:ogc:def:coordinateOperation:EPSG::6960");
    cr_assert(conv_raw && op_raw);
    cr_expect_str_eq(proj_get_id_code(op_raw, 0), "6960");
    PJ *conv = proj_normalize_for_visualization(c, conv_raw);
    PJ *op = proj_normalize_for_visualization(c, op_raw);
    cr_assert(conv && op);
    for (size_t i = 0; i < N(langson); i++) {
        double x = langson[i].lon, y = langson[i].lat;
        cr_assert_eq(geo_point(ctx, GEO_WGS84, GEO_NATIVE, &x, &y), 0);
        PJ_COORD p = proj_trans(conv, PJ_FWD, proj_coord(x, y, 0, HUGE_VAL));
        PJ_COORD vn = p;
        p = proj_trans(op, PJ_FWD, p);
        cr_assert(isfinite(p.xy.x) && p.xy.x != HUGE_VAL, "%s", langson[i].id);
        double lon = x, lat = y;
        cr_assert_eq(geo_point(ctx, GEO_NATIVE, GEO_WGS84, &lon, &lat), 0);
        double d = ground_m(lon, lat, p.xy.x, p.xy.y);
        cr_expect(d < 0.001, "%s: %.6f m from the EPSG:6960 pipeline", langson[i].id, d);
        /* and the datum shift is real: VN-2000 and WGS 84 differ here */
        cr_expect(ground_m(vn.xy.x, vn.xy.y, lon, lat) > 10, "%s: no datum shift?",
                  langson[i].id);
    }
    proj_destroy(conv);
    proj_destroy(op);
    proj_destroy(conv_raw);
    proj_destroy(op_raw);
    proj_context_destroy(c);
}

Test(proj, mercator)
{
    for (size_t i = 0; i < N(langson); i++) {
        double x = langson[i].lon, y = langson[i].lat;
        cr_assert_eq(geo_point(ctx, GEO_WGS84, GEO_MERCATOR, &x, &y), 0);
        /* Spherical Mercator on the WGS 84 semi-major axis. */
        double ex = 6378137 * langson[i].lon * M_PI / 180;
        double ey = 6378137 * log(tan(M_PI / 4 + langson[i].lat * M_PI / 360));
        cr_expect(fabs(x - ex) < 0.001 && fabs(y - ey) < 0.001, "%s: %.4f %.4f vs %.4f %.4f",
                  langson[i].id, x, y, ex, ey);
        double mx = x, my = y;
        cr_assert_eq(geo_point(ctx, GEO_MERCATOR, GEO_WGS84, &x, &y), 0);
        cr_expect(ground_m(x, y, langson[i].lon, langson[i].lat) < 0.001, "%s", langson[i].id);
        /* native -> 3857 agrees with native -> 4326 -> 3857 */
        double nx = langson[i].lon, ny = langson[i].lat;
        cr_assert_eq(geo_point(ctx, GEO_WGS84, GEO_NATIVE, &nx, &ny), 0);
        double n0x = nx, n0y = ny;
        cr_assert_eq(geo_point(ctx, GEO_NATIVE, GEO_MERCATOR, &nx, &ny), 0);
        cr_expect(hypot(nx - mx, ny - my) < 0.002, "%s: %.4f m", langson[i].id,
                  hypot(nx - mx, ny - my));
        cr_assert_eq(geo_point(ctx, GEO_MERCATOR, GEO_NATIVE, &nx, &ny), 0);
        cr_expect(hypot(nx - n0x, ny - n0y) < 0.001, "%s", langson[i].id);
    }
}

Test(proj, bad_points)
{
    static const struct {
        const char *id;
        enum geo_crs from, to;
        double x, y;
    } bad[] = {
        {"nan", GEO_NATIVE, GEO_WGS84, NAN, 2400000},
        {"inf", GEO_WGS84, GEO_NATIVE, 106, INFINITY},
        {"same-crs-nan", GEO_WGS84, GEO_WGS84, NAN, 0},
        {"mercator-beyond-pole", GEO_WGS84, GEO_MERCATOR, 0, 95},
        {"latitude-200", GEO_WGS84, GEO_NATIVE, 106, 200},
    };
    for (size_t i = 0; i < N(bad); i++) {
        double x = bad[i].x, y = bad[i].y;
        cr_expect_eq(geo_point(ctx, bad[i].from, bad[i].to, &x, &y), LIS_EINVAL, "%s: %g %g",
                     bad[i].id, x, y);
        cr_expect_gt(strlen(geo_errmsg(ctx)), 0, "%s", bad[i].id);
    }
    double x = 106.5, y = 21.9;
    cr_expect_eq(geo_point(ctx, GEO_WGS84, GEO_WGS84, &x, &y), 0);
    cr_expect(x == 106.5 && y == 21.9);
}

/* A native polygon through WGS 84 and back, with a big-endian input too. */
Test(proj, wkb_transform)
{
    struct buf in = BUF_INIT, mid = BUF_INIT, back = BUF_INIT;
    const char *wkt = "MULTIPOLYGON (((480000 2420000, 480100 2420000, 480100 2420050, "
                      "480000 2420000)), ((481000 2421000, 481010 2421000, 481010 2421010, "
                      "481000 2421000), (481002 2421001, 481008 2421007, 481008 2421001, "
                      "481002 2421001)))";
    wkb_of(wkt, &in);
    cr_assert_eq(geo_wkb_transform(ctx, GEO_NATIVE, GEO_WGS84, (const uint8_t *)in.data, in.len,
                                   &mid),
                 0, "%s", geo_errmsg(ctx));
    cr_expect_eq(mid.len, in.len);
    struct geo_box box;
    cr_assert_eq(geo_wkb_envelope((const uint8_t *)mid.data, mid.len, &box), 0);
    cr_expect(box.minx > 106 && box.maxx < 107.3 && box.miny > 21.8 && box.maxy < 21.9,
              "%g %g %g %g", box.minx, box.miny, box.maxx, box.maxy);
    cr_assert_eq(geo_wkb_transform(ctx, GEO_WGS84, GEO_NATIVE, (const uint8_t *)mid.data,
                                   mid.len, &back),
                 0);
    cr_expect(same_geom((const uint8_t *)back.data, back.len, wkt, 0.001));
    cr_expect(!same_geom((const uint8_t *)back.data, back.len, wkt, 0.0000001) ||
                  memcmp(back.data, in.data, in.len) == 0,
              "the comparison is able to fail");

    /* Big-endian point in, little-endian out; same CRS is a normalising copy. */
    struct buf be = BUF_INIT, out = BUF_INIT;
    put_hdr(&be, 1, true);
    put_f64(&be, 480000, true);
    put_f64(&be, 2420000, true);
    cr_assert_eq(geo_wkb_transform(ctx, GEO_NATIVE, GEO_NATIVE, (const uint8_t *)be.data, be.len,
                                   &out),
                 0);
    cr_expect(same_geom((const uint8_t *)out.data, out.len, "POINT (480000 2420000)", 0));
    cr_expect_eq(out.data[0], 1);

    /* Malformed WKB and a vertex outside the domain leave out unchanged. */
    buf_reset(&out);
    cr_expect_eq(geo_wkb_transform(ctx, GEO_NATIVE, GEO_WGS84, (const uint8_t *)in.data,
                                   in.len - 1, &out),
                 LIS_EINVAL);
    cr_expect_eq(out.len, 0);
    wkb_of("LINESTRING (0 0, 0 95)", &in);
    cr_expect_eq(geo_wkb_transform(ctx, GEO_WGS84, GEO_MERCATOR, (const uint8_t *)in.data,
                                   in.len, &out),
                 LIS_EINVAL);
    cr_expect_eq(out.len, 0);
    cr_expect_gt(strlen(geo_errmsg(ctx)), 0);
    buf_free(&in);
    buf_free(&mid);
    buf_free(&back);
    buf_free(&be);
    buf_free(&out);
}

Test(proj, xform_from_source_crs)
{
    struct buf in = BUF_INIT, out = BUF_INIT;
    const double lon = 106.7613, lat = 21.8537;
    double ex = lon, ey = lat;
    cr_assert_eq(geo_point(ctx, GEO_WGS84, GEO_NATIVE, &ex, &ey), 0);

    /* The same point given in three source CRSs, by code and as WKT. */
    PJ_CONTEXT *c = proj_context_create();
    PJ *utm = proj_create(c, "EPSG:32648");
    const char *utm_wkt = proj_as_wkt(c, utm, PJ_WKT2_2019, NULL); /* owned by utm */
    PJ *to_utm_raw = proj_create_crs_to_crs(c, "EPSG:4326", "EPSG:32648", NULL);
    PJ *to_utm = proj_normalize_for_visualization(c, to_utm_raw);
    PJ_COORD u = proj_trans(to_utm, PJ_FWD, proj_coord(lon, lat, 0, HUGE_VAL));
    struct {
        const char *id;
        const char *crs;
        double x, y;
    } src[] = {
        {"epsg-4326", "EPSG:4326", lon, lat},
        {"utm-48n-code", "EPSG:32648", u.xy.x, u.xy.y},
        {"utm-48n-wkt", utm_wkt, u.xy.x, u.xy.y},
        {"native-itself", "EPSG:9215", ex, ey},
    };
    for (size_t i = 0; i < N(src); i++) {
        struct geo_xform *t = geo_xform_new(ctx, src[i].crs);
        cr_assert(t, "%s: %s", src[i].id, geo_errmsg(ctx));
        buf_reset(&in);
        put_hdr(&in, 1, false);
        put_f64(&in, src[i].x, false);
        put_f64(&in, src[i].y, false);
        buf_reset(&out);
        cr_assert_eq(geo_xform_wkb(t, (const uint8_t *)in.data, in.len, &out), 0, "%s",
                     src[i].id);
        struct geo_box b;
        cr_assert_eq(geo_wkb_envelope((const uint8_t *)out.data, out.len, &b), 0);
        cr_expect(hypot(b.minx - ex, b.miny - ey) < 0.001, "%s: %.4f %.4f vs %.4f %.4f",
                  src[i].id, b.minx, b.miny, ex, ey);
        geo_xform_free(t);
    }
    cr_expect_null(geo_xform_new(ctx, "EPSG:0"));
    cr_expect_gt(strlen(geo_errmsg(ctx)), 0);
    proj_destroy(to_utm);
    proj_destroy(to_utm_raw);
    proj_destroy(utm);
    proj_context_destroy(c);
    buf_free(&in);
    buf_free(&out);
}

/* Two contexts on two threads at once give the answers one gives alone. */
static void *spin(void *arg)
{
    double *res = arg;
    struct geo *g = geo_new("EPSG:9215", NULL);
    if (!g)
        return NULL;
    double sum = 0;
    for (int i = 0; i < 20000; i++) {
        double x = 106.2 + (i % 100) * 0.012, y = 21.3 + (i / 100) * 0.006;
        if (geo_point(g, GEO_WGS84, GEO_NATIVE, &x, &y) ||
            geo_point(g, GEO_NATIVE, GEO_MERCATOR, &x, &y))
            return NULL;
        sum += x + y;
    }
    *res = sum;
    geo_free(g);
    return res;
}

Test(proj, threads)
{
    double r1 = 0, r2 = 0, r0 = 0;
    pthread_t t1, t2;
    pthread_create(&t1, NULL, spin, &r1);
    pthread_create(&t2, NULL, spin, &r2);
    void *v1, *v2;
    pthread_join(t1, &v1);
    pthread_join(t2, &v2);
    cr_assert(v1 && v2);
    cr_assert(spin(&r0));
    cr_expect(r1 == r0 && r2 == r0, "%.6f %.6f %.6f", r0, r1, r2);
}

/* ---- the context: GEOS ---- */

TestSuite(geos, .init = ctx_init, .fini = ctx_fini);

static const char *const square = "POLYGON ((480000 2420000, 480100 2420000, 480100 2420100, "
                                  "480000 2420100, 480000 2420000))";
static const char *const u_shape =
    "POLYGON ((0 0, 10 0, 10 10, 8 10, 8 2, 2 2, 2 10, 0 10, 0 0))";
static const char *const bowtie = "POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))";

Test(geos, area_and_point_on_surface)
{
    struct buf b = BUF_INIT;
    static const struct {
        const char *id;
        const char *const *wkt;
        double area;
    } areas[] = {
        {"square-100m", &square, 10000},
        {"u-shape", &u_shape, 52},
        {"donut", &donut, 96},
        {"two-parts", &two_parts, 136},
    };
    for (size_t i = 0; i < N(areas); i++) {
        wkb_of(*areas[i].wkt, &b);
        double a = -1;
        cr_expect_eq(geo_area(ctx, (const uint8_t *)b.data, b.len, &a), 0, "%s", areas[i].id);
        cr_expect_float_eq(a, areas[i].area, 1e-6, "%s: %g", areas[i].id, a);
        double x, y;
        cr_assert_eq(geo_point_on_surface(ctx, (const uint8_t *)b.data, b.len, &x, &y), 0);
        /* strictly inside: not on the boundary either */
        cr_expect_eq(geo_wkb_contains_point((const uint8_t *)b.data, b.len, x, y), 1,
                     "%s: %g %g", areas[i].id, x, y);
    }
    /* The U's centroid lies in its notch; the point on surface must not. */
    wkb_of(u_shape, &b);
    double x, y;
    cr_assert_eq(geo_point_on_surface(ctx, (const uint8_t *)b.data, b.len, &x, &y), 0);
    cr_expect(!(x > 2 && x < 8 && y > 2), "point on surface %g %g is in the notch", x, y);

    wkb_of("POLYGON EMPTY", &b);
    cr_expect_eq(geo_point_on_surface(ctx, (const uint8_t *)b.data, b.len, &x, &y), LIS_EINVAL);
    double a;
    uint8_t junk[] = {1, 3, 0, 0, 0, 9, 9};
    cr_expect_eq(geo_area(ctx, junk, sizeof junk, &a), LIS_EINVAL);
    cr_expect(strstr(geo_errmsg(ctx), "GEOS") != NULL, "GEOS message kept: %s",
              geo_errmsg(ctx));
    buf_free(&b);
}

Test(geos, validity)
{
    static const struct {
        const char *id;
        const char *wkt;
        int valid;
        const char *reason; /* substring */
        int fixed_rc;
        const char *fixed; /* WKT after make-valid */
    } cases[] = {
        {"square", "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))", 1, NULL, 0,
         "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))"},
        {"bow-tie", "POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))", 0, "Self-intersection", 0,
         "MULTIPOLYGON (((0 0, 0 2, 1 1, 0 0)), ((1 1, 2 2, 2 0, 1 1)))"},
        {"spike-to-line", "POLYGON ((0 0, 1 1, 2 2, 0 0))", 0, NULL, LIS_EINVAL, NULL},
        {"hole-outside", "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (5 5, 6 5, 6 6, 5 5))", 0,
         "Hole", 0, "MULTIPOLYGON (((0 0, 4 0, 4 4, 0 4, 0 0)), ((5 5, 6 5, 6 6, 5 5)))"},
        {"line", "LINESTRING (0 0, 1 1)", 1, NULL, LIS_EINVAL, NULL},
        {"collection", "GEOMETRYCOLLECTION (POINT (9 9), POLYGON ((0 0, 1 0, 1 1, 0 0)))", 1,
         NULL, 0, "POLYGON ((0 0, 1 0, 1 1, 0 0))"},
    };
    struct buf b = BUF_INIT, why = BUF_INIT, out = BUF_INIT;
    for (size_t i = 0; i < N(cases); i++) {
        wkb_of(cases[i].wkt, &b);
        buf_reset(&why);
        int v = geo_is_valid(ctx, (const uint8_t *)b.data, b.len, &why);
        cr_expect_eq(v, cases[i].valid, "%s: %d (%s)", cases[i].id, v, buf_cstr(&why));
        if (cases[i].reason)
            cr_expect(strstr(buf_cstr(&why), cases[i].reason), "%s: reason %s", cases[i].id,
                      buf_cstr(&why));
        if (v == 1)
            cr_expect_eq(why.len, 0, "%s", cases[i].id);
        buf_reset(&out);
        buf_puts(&out, "ab");
        int rc = geo_make_valid(ctx, (const uint8_t *)b.data, b.len, &out);
        cr_expect_eq(rc, cases[i].fixed_rc, "%s: make valid %d", cases[i].id, rc);
        if (rc == 0) {
            cr_expect(same_geom((const uint8_t *)out.data + 2, out.len - 2, cases[i].fixed, 1e-9),
                      "%s", cases[i].id);
            cr_expect_eq(geo_is_valid(ctx, (const uint8_t *)out.data + 2, out.len - 2, NULL), 1);
        } else {
            cr_expect_eq(out.len, 2, "%s: out untouched", cases[i].id);
        }
    }
    uint8_t junk[] = {7, 7, 7};
    cr_expect_lt(geo_is_valid(ctx, junk, sizeof junk, NULL), 0);
    /* bow-tie: the repair keeps all of the area (two triangles of 1 m²) */
    wkb_of(bowtie, &b);
    buf_reset(&out);
    cr_assert_eq(geo_make_valid(ctx, (const uint8_t *)b.data, b.len, &out), 0);
    double a;
    cr_assert_eq(geo_area(ctx, (const uint8_t *)out.data, out.len, &a), 0);
    cr_expect_float_eq(a, 2.0, 1e-12);
    cr_expect_eq(geo_wkb_type((const uint8_t *)out.data, out.len), 6);
    buf_free(&b);
    buf_free(&why);
    buf_free(&out);
}

static const struct {
    const char *id;
    const char *a, *b;
    double area;        /* of the intersection */
    double shared;      /* length of the common boundary */
    const char *inter;  /* WKT of the intersection */
} pairs[] = {
    {"overlap-half", "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",
     "POLYGON ((5 0, 15 0, 15 10, 5 10, 5 0))", 50, 10, "POLYGON ((5 0, 10 0, 10 10, 5 10, 5 0))"},
    {"neighbours", "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",
     "POLYGON ((10 0, 20 0, 20 10, 10 10, 10 0))", 0, 10, "MULTIPOLYGON EMPTY"},
    {"neighbours-partial-extra-vertex", "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",
     "POLYGON ((10 5, 20 5, 20 8, 10 8, 10 5))", 0, 3, "MULTIPOLYGON EMPTY"},
    {"corner-touch", "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",
     "POLYGON ((10 10, 20 10, 20 20, 10 20, 10 10))", 0, 0, "MULTIPOLYGON EMPTY"},
    {"apart", "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",
     "POLYGON ((30 30, 40 30, 40 40, 30 30))", 0, 0, "MULTIPOLYGON EMPTY"},
    {"inside", "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", "POLYGON ((2 2, 4 2, 4 4, 2 4, 2 2))",
     4, 0, "POLYGON ((2 2, 4 2, 4 4, 2 4, 2 2))"},
    {"strip-over-two-parts",
     "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0)), ((20 0, 30 0, 30 10, 20 10, 20 0)))",
     "POLYGON ((-5 4, 35 4, 35 6, -5 6, -5 4))", 40, 0,
     "MULTIPOLYGON (((0 4, 10 4, 10 6, 0 6, 0 4)), ((20 4, 30 4, 30 6, 20 6, 20 4)))"},
    {"hole-neighbour", "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))",
     "POLYGON ((2 2, 4 2, 4 4, 2 4, 2 2))", 0, 8, "MULTIPOLYGON EMPTY"},
};

Test(geos, overlays)
{
    struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT;
    for (size_t i = 0; i < N(pairs); i++) {
        wkb_of(pairs[i].a, &a);
        wkb_of(pairs[i].b, &b);
        const uint8_t *pa = (const uint8_t *)a.data, *pb = (const uint8_t *)b.data;
        double v = -1;
        cr_expect_eq(geo_intersection_area(ctx, pa, a.len, pb, b.len, &v), 0, "%s", pairs[i].id);
        cr_expect_float_eq(v, pairs[i].area, 1e-9, "%s: area %g", pairs[i].id, v);
        v = -1;
        cr_expect_eq(geo_shared_boundary(ctx, pa, a.len, pb, b.len, &v), 0, "%s", pairs[i].id);
        cr_expect_float_eq(v, pairs[i].shared, 1e-9, "%s: shared %g", pairs[i].id, v);
        v = -1;
        cr_expect_eq(geo_shared_boundary(ctx, pb, b.len, pa, a.len, &v), 0, "%s", pairs[i].id);
        cr_expect_float_eq(v, pairs[i].shared, 1e-9, "%s: shared (b, a) %g", pairs[i].id, v);
        buf_reset(&out);
        cr_expect_eq(geo_intersection(ctx, pa, a.len, pb, b.len, &out), 0, "%s", pairs[i].id);
        cr_expect(same_geom((const uint8_t *)out.data, out.len, pairs[i].inter, 1e-9),
                  "%s: intersection", pairs[i].id);
    }
    /* GEOS refuses to overlay an invalid polygon; its words reach geo_errmsg. */
    wkb_of(bowtie, &a);
    wkb_of("POLYGON ((0 0, 2 0, 2 1, 0 1, 0 0))", &b);
    double v = -1;
    int rc = geo_intersection_area(ctx, (const uint8_t *)a.data, a.len, (const uint8_t *)b.data,
                                   b.len, &v);
    cr_expect(rc == LIS_EINVAL && strstr(geo_errmsg(ctx), "GEOS"), "rc %d, v %g, msg %s", rc, v,
              geo_errmsg(ctx));
    wkb_of(square, &a);
    uint8_t junk[] = {1, 3, 0, 0};
    cr_expect_eq(geo_intersection_area(ctx, (const uint8_t *)a.data, a.len, junk, sizeof junk, &v),
                 LIS_EINVAL);
    cr_expect_eq(geo_intersection(ctx, junk, sizeof junk, (const uint8_t *)a.data, a.len, &out),
                 LIS_EINVAL);
    buf_free(&a);
    buf_free(&b);
    buf_free(&out);
}
