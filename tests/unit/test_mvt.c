/* Unit tests for geo/mvt: the Mapbox Vector Tile encoder.
 *
 * Shapes are written as WKT in tile units (0..4096, y down) of a known tile
 * and turned into EPSG:3857 WKB here, so that the expected command integers
 * can be read off the case. Tiles are decoded back with the protobuf-c code
 * generated from our .proto, and their geometry with a small command decoder
 * of the test's own; validity of what comes out is judged by GEOS, and the
 * whole tile is finally read by GDAL's MVT driver as a real client would. */
#include "core/buf.h"
#include "core/err.h"
#include "geo/mvt.h"

#include "vector_tile.pb-c.h"

#include "testutil.h"

#include <criterion/criterion.h>
#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- shapes in tile units -> EPSG:3857 WKB ---- */

/* Rewrite every coordinate pair of a WKT written in tile units (extent
 * 4096) of tile z/x/y as EPSG:3857 metres. */
static void wkt_3857(const char *wkt, int z, int x, int y, struct buf *out)
{
    double box[4];
    cr_assert_eq(mvt_tile_bounds(z, x, y, box), 0);
    double w = (box[2] - box[0]) / MVT_EXTENT;
    bool is_x = true;
    buf_reset(out);
    for (const char *p = wkt; *p;) {
        if ((*p >= '0' && *p <= '9') || *p == '-' || *p == '.') {
            char *end;
            double v = strtod(p, &end);
            buf_appendf(out, "%.17g", is_x ? box[0] + v * w : box[3] - v * w);
            is_x = !is_x;
            p = end;
        } else {
            buf_putc(out, *p++);
        }
    }
}

/* Add one feature whose WKT is in tile units of the tile's z/x/y. */
static int add(struct mvt_layer *l, int z, int x, int y, uint64_t id, const char *wkt,
               const struct mvt_attr *attrs, size_t nattrs)
{
    struct buf w = BUF_INIT, b = BUF_INIT;
    wkt_3857(wkt, z, x, y, &w);
    wkb_of(w.data, &b);
    int rc = mvt_add_feature(l, id, (const uint8_t *)b.data, b.len, attrs, nattrs);
    buf_free(&w);
    buf_free(&b);
    return rc;
}

static VectorTile__Tile *decode(struct mvt_tile *t)
{
    struct buf out = BUF_INIT;
    cr_assert_eq(mvt_tile_encode(t, &out), 0);
    VectorTile__Tile *d = vector_tile__tile__unpack(NULL, out.len, (const uint8_t *)out.data);
    cr_assert(d, "the tile does not decode");
    buf_free(&out);
    return d;
}

/* ---- a command decoder of the test's own ---- */

struct ring {
    long x[256], y[256];
    size_t n;
    bool closed;
};

static long unzig(uint32_t v)
{
    return (long)(v >> 1) ^ -(long)(v & 1);
}

/* Decode a feature's commands into parts (rings or paths, or one part of
 * points); returns the number of parts, -1 on a malformed command stream. */
static int parts_of(const VectorTile__Tile__Feature *f, struct ring *parts, int max)
{
    long cx = 0, cy = 0;
    int np = -1;
    for (size_t i = 0; i < f->n_geometry;) {
        uint32_t id = f->geometry[i] & 7, count = f->geometry[i] >> 3;
        i++;
        if (id == 7) {
            if (count != 1 || np < 0)
                return -1;
            parts[np].closed = true;
            continue;
        }
        if ((id != 1 && id != 2) || i + 2 * count > f->n_geometry)
            return -1;
        if (id == 1 && (f->type != VECTOR_TILE__TILE__GEOM_TYPE__POINT || np < 0)) {
            if (++np >= max)
                return -1;
            parts[np].n = 0;
            parts[np].closed = false;
        }
        if (np < 0)
            return -1;
        for (uint32_t k = 0; k < count; k++, i += 2) {
            cx += unzig(f->geometry[i]);
            cy += unzig(f->geometry[i + 1]);
            struct ring *r = &parts[np];
            cr_assert_lt(r->n, N(r->x));
            r->x[r->n] = cx;
            r->y[r->n++] = cy;
        }
    }
    return np + 1;
}

/* Twice the ring's area by the spec's formula (positive: exterior). */
static long area2(const struct ring *r)
{
    long s = 0;
    for (size_t i = 0, j = r->n - 1; i < r->n; j = i++)
        s += r->x[j] * r->y[i] - r->x[i] * r->y[j];
    return s;
}

/* The polygons of decoded rings as GEOS would read them: each positive ring
 * starts a polygon, negative ones are its holes. */
static GEOSGeometry *as_geos(const struct ring *rings, int n)
{
    GEOSGeometry *polys[256];
    int np = 0;
    for (int i = 0; i < n;) {
        GEOSGeometry *shell = NULL, *holes[256];
        int nh = 0;
        int first = i;
        for (int k = i; k < n && (k == first || area2(&rings[k]) < 0); k++, i++) {
            GEOSCoordSequence *s = GEOSCoordSeq_create_r(th, (unsigned)rings[k].n + 1, 2);
            for (size_t j = 0; j <= rings[k].n; j++) {
                size_t q = j % rings[k].n;
                GEOSCoordSeq_setXY_r(th, s, (unsigned)j, (double)rings[k].x[q],
                                     (double)rings[k].y[q]);
            }
            GEOSGeometry *ring = GEOSGeom_createLinearRing_r(th, s);
            if (k == first)
                shell = ring;
            else
                holes[nh++] = ring;
        }
        polys[np++] = GEOSGeom_createPolygon_r(th, shell, holes, (unsigned)nh);
    }
    return GEOSGeom_createCollection_r(th, GEOS_MULTIPOLYGON, polys, (unsigned)np);
}

static bool valid(const struct ring *rings, int n)
{
    GEOSGeometry *g = as_geos(rings, n);
    char *why = GEOSisValidReason_r(th, g);
    bool ok = GEOSisValid_r(th, g) == 1;
    if (!ok)
        cr_log_info("invalid: %s", why);
    GEOSFree_r(th, why);
    GEOSGeom_destroy_r(th, g);
    return ok;
}

static bool same_ints(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    return na == nb && memcmp(a, b, na * sizeof *a) == 0;
}

static void print_ints(const char *id, const uint32_t *g, size_t n)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        buf_appendf(&b, "%s%u", i ? "," : "", g[i]);
    cr_log_error("%s: got [%s]", id, buf_cstr(&b));
    buf_free(&b);
}

/* ---- tile math ---- */

TestSuite(mvt, .init = th_init, .fini = th_fini);

#define E 20037508.342789244

Test(mvt, tile_bounds)
{
    static const struct {
        const char *id;
        int z, x, y, rc;
        double box[4];
    } cases[] = {
        {"world", 0, 0, 0, 0, {-E, -E, E, E}},
        {"z1-north-east", 1, 1, 0, 0, {0, 0, E, E}},
        {"z1-south-west", 1, 0, 1, 0, {-E, -E, 0, 0}},
        {"z2-x1-y2", 2, 1, 2, 0, {-E / 2, -E / 2, 0, 0}},
        {"z24-last", 24, (1 << 24) - 1, (1 << 24) - 1, 0,
         {E - 2 * E / (1 << 24), -E, E, -E + 2 * E / (1 << 24)}},
        {"z-negative", -1, 0, 0, LIS_EINVAL, {0}},
        {"z25", 25, 0, 0, LIS_EINVAL, {0}},
        {"x-too-big", 1, 2, 0, LIS_EINVAL, {0}},
        {"y-too-big", 3, 0, 8, LIS_EINVAL, {0}},
        {"x-negative", 3, -1, 0, LIS_EINVAL, {0}},
    };
    for (size_t i = 0; i < N(cases); i++) {
        double box[4] = {0};
        int rc = mvt_tile_bounds(cases[i].z, cases[i].x, cases[i].y, box);
        cr_expect_eq(rc, cases[i].rc, "%s: rc %d", cases[i].id, rc);
        for (int k = 0; k < 4 && rc == 0; k++)
            cr_expect(fabs(box[k] - cases[i].box[k]) < 1e-6, "%s: box[%d] %.9f", cases[i].id, k,
                      box[k]);
        struct mvt_tile *t = mvt_tile_new(cases[i].z, cases[i].x, cases[i].y, MVT_EXTENT,
                                          MVT_BUFFER);
        cr_expect_eq(t != NULL, cases[i].rc == 0, "%s: tile", cases[i].id);
        mvt_tile_free(t);
    }
    cr_expect_null(mvt_tile_new(0, 0, 0, 0, 0), "extent 0");
    cr_expect_null(mvt_tile_new(0, 0, 0, 256, 257), "buffer over extent");
    mvt_tile_free(NULL);
}

/* ---- geometry: exact command integers ---- */

static const struct {
    const char *id;
    const char *wkt; /* tile units of tile 1/0/0 */
    uint32_t geom[32];
    size_t n;
    int type;
} exact[] = {
    /* MoveTo(1)=9, LineTo(3)=26, ClosePath=15; the ring arrives counter-clockwise
     * on the map, so it is turned to start at (1024,1024) going right, then down */
    {"square", "POLYGON ((1024 2048, 2048 2048, 2048 1024, 1024 1024, 1024 2048))",
     {9, 2048, 2048, 26, 2048, 0, 0, 2048, 2047, 0, 15}, 11, 3},
    {"square-already-clockwise", "POLYGON ((1024 1024, 2048 1024, 2048 2048, 1024 2048, 1024 1024))",
     {9, 2048, 2048, 26, 2048, 0, 0, 2048, 2047, 0, 15}, 11, 3},
    {"square-off-grid", "POLYGON ((1024.4 1023.6, 2047.7 1024.2, 2048.3 2048, 1024 2047.9, 1024.4 1023.6))",
     {9, 2048, 2048, 26, 2048, 0, 0, 2048, 2047, 0, 15}, 11, 3},
    {"point", "POINT (100.4 200.6)", {9, 200, 402}, 3, 1},
    /* zigzag: -3 -> 5, 5 -> 10, -1 -> 1, 1 -> 2, 0 -> 0 */
    {"zigzag-negatives-in-buffer", "POINT (-3 5)", {9, 5, 10}, 3, 1},
    {"multipoint-one-outside", "MULTIPOINT ((1 2), (5000 5000), (0 1))", {17, 2, 4, 1, 1}, 5, 1},
    {"line", "LINESTRING (0 0, 10 0, 10 10)", {9, 0, 0, 18, 20, 0, 0, 20}, 8, 2},
    {"line-collinear-vertex-dropped", "LINESTRING (0 0, 5 0, 10 0)", {9, 0, 0, 10, 20, 0}, 6, 2},
    {"line-clipped-at-buffer", "LINESTRING (-1000 100, 100 100)", {9, 127, 200, 10, 328, 0}, 6, 2},
    {"line-leaving-and-returning",
     "LINESTRING (100 0, 100 -1000, 200 -1000, 200 0)",
     /* two pieces: (100,0)-(100,-64), then (200,-64)-(200,0) */
     {9, 200, 0, 10, 0, 127, 9, 200, 0, 10, 0, 128}, 12, 2},
    {"multiline", "MULTILINESTRING ((0 0, 1 1), (3 3, 4 3))",
     {9, 0, 0, 10, 2, 2, 9, 4, 4, 10, 2, 0}, 12, 2},
};

Test(mvt, exact_commands)
{
    for (size_t i = 0; i < N(exact); i++) {
        struct mvt_tile *t = mvt_tile_new(1, 0, 0, MVT_EXTENT, MVT_BUFFER);
        struct mvt_layer *l = mvt_layer(t, "shapes");
        int rc = add(l, 1, 0, 0, 7, exact[i].wkt, NULL, 0);
        cr_expect_eq(rc, 0, "%s: rc %d %s", exact[i].id, rc, mvt_errmsg(t));
        VectorTile__Tile *d = decode(t);
        cr_assert_eq(d->n_layers, 1, "%s", exact[i].id);
        VectorTile__Tile__Layer *y = d->layers[0];
        cr_expect_eq(y->version, 2);
        cr_expect_str_eq(y->name, "shapes");
        cr_expect_eq(y->extent, 4096);
        cr_assert_eq(y->n_features, 1, "%s", exact[i].id);
        VectorTile__Tile__Feature *f = y->features[0];
        cr_expect(f->has_id && f->id == 7, "%s: id", exact[i].id);
        cr_expect_eq((int)f->type, exact[i].type, "%s: type", exact[i].id);
        if (!same_ints(f->geometry, f->n_geometry, exact[i].geom, exact[i].n)) {
            print_ints(exact[i].id, f->geometry, f->n_geometry);
            cr_expect_fail("%s: commands differ", exact[i].id);
        }
        vector_tile__tile__free_unpacked(d, NULL);
        mvt_tile_free(t);
    }
}

/* ---- clipping, winding, validity ---- */

static const struct {
    const char *id;
    const char *wkt;
    int polygons;      /* exterior rings expected */
    int holes;         /* interior rings expected */
    long area2;        /* twice the total area expected (0: don't check) */
} shapes[] = {
    {"bigger-than-tile", "POLYGON ((-10000 -10000, 20000 -10000, 20000 20000, -10000 20000, -10000 -10000))",
     1, 0, 2L * 4224 * 4224},
    {"corner-overlap", "POLYGON ((-500 -500, 1000 -500, 1000 1000, -500 1000, -500 -500))", 1, 0,
     2L * 1064 * 1064},
    {"u-shape-cut-in-two",
     /* the base lies beyond the top edge, the arms reach into the tile */
     "POLYGON ((0 -1000, 1000 -1000, 1000 500, 800 500, 800 -500, 200 -500, 200 500, 0 500, 0 -1000))",
     2, 0, 2L * (200 * 564 + 200 * 564)},
    {"hole-clockwise-input",
     "POLYGON ((100 100, 100 900, 900 900, 900 100, 100 100), (300 300, 600 300, 600 600, 300 600, 300 300))",
     1, 1, 2L * (800 * 800 - 300 * 300)},
    {"hole-counter-clockwise-input",
     "POLYGON ((100 100, 900 100, 900 900, 100 900, 100 100), (300 300, 300 600, 600 600, 600 300, 300 300))",
     1, 1, 2L * (800 * 800 - 300 * 300)},
    {"hole-cut-by-edge",
     "POLYGON ((-1000 100, 900 100, 900 900, -1000 900, -1000 100), (-500 300, 300 300, 300 600, -500 600, -500 300))",
     1, 0, 0},
    {"convex-triangle-cut-at-two-edges", /* clipped here, not by GEOS: convex */
     "POLYGON ((-1000 2048, 2048 -1000, 2048 2048, -1000 2048))", 1, 0,
     3048L * 3048 - 2L * 936 * 936},
    {"convex-repeated-and-collinear-points",
     "POLYGON ((-100 -100, -100 500, -100 500, 500 500, 500 200, 500 -100, -100 -100))", 1, 0,
     2L * 564 * 564},
    {"pentagram-across-edge-not-convex", /* turns one way but goes round twice: GEOS */
     "POLYGON ((2000 -500, 2600 1300, 1100 200, 2900 200, 1400 1300, 2000 -500))", 5, 0, 0},
    {"bowtie-repaired", "POLYGON ((100 100, 300 300, 300 100, 100 300, 100 100))", 2, 0,
     2L * 2 * 100 * 200 / 2},
    {"multipolygon", "MULTIPOLYGON (((10 10, 20 10, 20 20, 10 20, 10 10)), ((30 30, 40 30, 40 40, 30 40, 30 30)))",
     2, 0, 2L * 200},
    {"sliver-collapsing-onto-itself",
     /* a long thin spike: snapping folds it, the repair keeps the square */
     "POLYGON ((100 100, 200 100, 200 150, 1000 150.3, 200 150.4, 200 200, 100 200, 100 100))", 1, 0,
     0},
};

Test(mvt, clip_winding_validity)
{
    for (size_t i = 0; i < N(shapes); i++) {
        struct mvt_tile *t = mvt_tile_new(1, 0, 0, MVT_EXTENT, MVT_BUFFER);
        struct mvt_layer *l = mvt_layer(t, "p");
        int rc = add(l, 1, 0, 0, 1, shapes[i].wkt, NULL, 0);
        cr_expect_eq(rc, 0, "%s: rc %d %s", shapes[i].id, rc, mvt_errmsg(t));
        VectorTile__Tile *d = decode(t);
        cr_assert_eq(d->n_layers, 1, "%s", shapes[i].id);
        VectorTile__Tile__Feature *f = d->layers[0]->features[0];
        struct ring rings[16];
        int n = parts_of(f, rings, 16);
        cr_assert_gt(n, 0, "%s: commands", shapes[i].id);
        int outer = 0, inner = 0;
        long total = 0;
        for (int k = 0; k < n; k++) {
            cr_expect(rings[k].closed, "%s: ring %d not closed", shapes[i].id, k);
            long a = area2(&rings[k]);
            cr_expect_neq(a, 0, "%s: ring %d has no area", shapes[i].id, k);
            if (k == 0)
                cr_expect_gt(a, 0, "%s: first ring must be an exterior", shapes[i].id);
            a > 0 ? outer++ : inner++;
            total += a;
            for (size_t j = 0; j < rings[k].n; j++)
                cr_expect(rings[k].x[j] >= -MVT_BUFFER && rings[k].x[j] <= MVT_EXTENT + MVT_BUFFER &&
                              rings[k].y[j] >= -MVT_BUFFER &&
                              rings[k].y[j] <= MVT_EXTENT + MVT_BUFFER,
                          "%s: vertex %ld %ld outside tile + buffer", shapes[i].id, rings[k].x[j],
                          rings[k].y[j]);
        }
        cr_expect_eq(outer, shapes[i].polygons, "%s: %d exteriors", shapes[i].id, outer);
        cr_expect_eq(inner, shapes[i].holes, "%s: %d holes", shapes[i].id, inner);
        if (shapes[i].area2)
            cr_expect_eq(total, shapes[i].area2, "%s: area2 %ld", shapes[i].id, total);
        cr_expect(valid(rings, n), "%s: output is not valid", shapes[i].id);
        vector_tile__tile__free_unpacked(d, NULL);
        mvt_tile_free(t);
    }
}

/* ---- what is dropped ---- */

static const struct {
    const char *id;
    const char *wkt;
} dropped[] = {
    {"tiny-polygon", "POLYGON ((10 10, 10.3 10, 10.3 10.3, 10 10.3, 10 10))"},
    {"zero-area-after-snapping", "POLYGON ((10 10, 20 10.2, 30 10.1, 10 10))"},
    {"under-tolerance-triangle", "POLYGON ((0 0, 1 0, 0 1, 0 0))"},
    {"polygon-outside", "POLYGON ((5000 5000, 6000 5000, 6000 6000, 5000 5000))"},
    {"polygon-outside-buffer-only", "POLYGON ((-1000 -1000, -70 -1000, -70 -70, -1000 -1000))"},
    {"point-outside", "POINT (-65 10)"},
    {"line-outside", "LINESTRING (5000 0, 5000 100)"},
    {"line-collapsing", "LINESTRING (10 10, 10.2 10.1)"},
    {"empty-polygon", "POLYGON EMPTY"},
    {"empty-point", "POINT EMPTY"},
    {"empty-multipolygon", "MULTIPOLYGON EMPTY"},
};

Test(mvt, dropped)
{
    struct mvt_tile *t = mvt_tile_new(1, 0, 0, MVT_EXTENT, MVT_BUFFER);
    struct mvt_layer *l = mvt_layer(t, "p");
    const struct mvt_attr a[] = {MVT_STR("name", "never written")};
    for (size_t i = 0; i < N(dropped); i++) {
        int rc = add(l, 1, 0, 0, i + 1, dropped[i].wkt, a, N(a));
        cr_expect_eq(rc, 1, "%s: rc %d %s", dropped[i].id, rc, mvt_errmsg(t));
    }
    cr_expect_eq(mvt_layer_count(l), 0);
    struct buf out = BUF_INIT;
    cr_expect_eq(mvt_tile_encode(t, &out), 0);
    cr_expect_eq(out.len, 0, "a tile of dropped features is empty, got %zu bytes", out.len);
    buf_free(&out);
    mvt_tile_free(t);
}

Test(mvt, malformed)
{
    struct mvt_tile *t = mvt_tile_new(1, 0, 0, MVT_EXTENT, MVT_BUFFER);
    struct mvt_layer *l = mvt_layer(t, "p");
    struct buf b = BUF_INIT;
    wkb_of("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", &b);
    for (size_t n = 0; n < b.len; n++)
        cr_expect_eq(mvt_add_feature(l, 1, (const uint8_t *)b.data, n, NULL, 0), LIS_EINVAL,
                     "truncated at %zu", n);
    wkb_of("GEOMETRYCOLLECTION (POINT (1 1))", &b);
    cr_expect_eq(mvt_add_feature(l, 1, (const uint8_t *)b.data, b.len, NULL, 0), LIS_EINVAL);
    cr_expect(strlen(mvt_errmsg(t)) > 0);
    wkb_of("POINT (1 1)", &b);
    const struct mvt_attr nokey[] = {MVT_INT(NULL, 1)};
    cr_expect_eq(mvt_add_feature(l, 1, (const uint8_t *)b.data, b.len, nokey, 1), LIS_EINVAL);
    cr_expect_eq(mvt_add_feature(l, 1, NULL, 0, NULL, 0), LIS_EINVAL);
    cr_expect_eq(mvt_layer_count(l), 0);
    buf_free(&b);
    mvt_tile_free(t);
}

/* ---- attributes ---- */

Test(mvt, attributes_dedup_and_ints)
{
    struct mvt_tile *t = mvt_tile_new(1, 0, 0, MVT_EXTENT, MVT_BUFFER);
    struct mvt_layer *l = mvt_layer(t, "parcels");
    const struct mvt_attr f1[] = {MVT_INT("n", 5), MVT_STR("name", "a")};
    const struct mvt_attr f2[] = {MVT_INT("n", -3), MVT_STR("name", "a"), MVT_STR("addr", NULL),
                                  MVT_INT("n", 99)};
    const struct mvt_attr f3[] = {MVT_INT("n", 5), MVT_BOOL("flag", true), MVT_DBL("d", 1.5),
                                  MVT_INT("big", INT64_MAX), MVT_INT("min", INT64_MIN)};
    cr_assert_eq(add(l, 1, 0, 0, 1, "POINT (1 1)", f1, N(f1)), 0);
    cr_assert_eq(add(l, 1, 0, 0, 2, "POINT (2 2)", f2, N(f2)), 0);
    cr_assert_eq(add(l, 1, 0, 0, 0, "POINT (3 3)", f3, N(f3)), 0);
    cr_expect_eq(mvt_layer(t, "parcels"), l, "a layer is found again by name");
    VectorTile__Tile *d = decode(t);
    VectorTile__Tile__Layer *y = d->layers[0];
    static const char *keys[] = {"n", "name", "flag", "d", "big", "min"};
    cr_assert_eq(y->n_keys, N(keys), "keys %zu", y->n_keys);
    for (size_t i = 0; i < N(keys); i++)
        cr_expect_str_eq(y->keys[i], keys[i]);
    cr_assert_eq(y->n_values, 7, "values %zu", y->n_values);
    VectorTile__Tile__Value **v = y->values;
    cr_expect(v[0]->has_int_value && v[0]->int_value == 5 && !v[0]->has_sint_value, "5 as int");
    cr_expect_str_eq(v[1]->string_value, "a");
    cr_expect(v[2]->has_sint_value && v[2]->sint_value == -3 && !v[2]->has_int_value, "-3 as sint");
    cr_expect(v[3]->has_bool_value && v[3]->bool_value);
    cr_expect(v[4]->has_double_value && v[4]->double_value == 1.5);
    cr_expect(v[5]->has_int_value && v[5]->int_value == INT64_MAX);
    cr_expect(v[6]->has_sint_value && v[6]->sint_value == INT64_MIN);
    static const uint32_t tags1[] = {0, 0, 1, 1}, tags2[] = {0, 2, 1, 1},
                          tags3[] = {0, 0, 2, 3, 3, 4, 4, 5, 5, 6};
    cr_expect(same_ints(y->features[0]->tags, y->features[0]->n_tags, tags1, N(tags1)), "tags 1");
    cr_expect(same_ints(y->features[1]->tags, y->features[1]->n_tags, tags2, N(tags2)),
              "tags 2: a repeated key keeps its first value, a NULL string is left out");
    cr_expect(same_ints(y->features[2]->tags, y->features[2]->n_tags, tags3, N(tags3)), "tags 3");
    cr_expect(!y->features[2]->has_id, "id 0 is no id");
    vector_tile__tile__free_unpacked(d, NULL);
    mvt_tile_free(t);
}

/* ---- several layers, reuse ---- */

Test(mvt, layers_and_reset)
{
    struct mvt_tile *t = mvt_tile_new(1, 0, 0, MVT_EXTENT, MVT_BUFFER);
    struct mvt_layer *a = mvt_layer(t, "a"), *empty = mvt_layer(t, "empty"), *b = mvt_layer(t, "b");
    (void)empty;
    cr_assert_eq(add(a, 1, 0, 0, 1, "POINT (1 1)", NULL, 0), 0);
    cr_assert_eq(add(b, 1, 0, 0, 2, "POINT (2 2)", NULL, 0), 0);
    VectorTile__Tile *d = decode(t);
    cr_assert_eq(d->n_layers, 2, "a layer without features is not written");
    cr_expect_str_eq(d->layers[0]->name, "a");
    cr_expect_str_eq(d->layers[1]->name, "b");
    vector_tile__tile__free_unpacked(d, NULL);

    cr_expect_eq(mvt_tile_reset(t, 30, 0, 0), LIS_EINVAL);
    cr_assert_eq(mvt_tile_reset(t, 2, 1, 1), 0);
    b = mvt_layer(t, "b");
    cr_expect_eq(mvt_layer_count(b), 0);
    cr_assert_eq(add(b, 2, 1, 1, 3, "POINT (4 4)", NULL, 0), 0);
    d = decode(t);
    cr_assert_eq(d->n_layers, 1);
    cr_expect_str_eq(d->layers[0]->name, "b");
    static const uint32_t g[] = {9, 8, 8};
    cr_expect(same_ints(d->layers[0]->features[0]->geometry, d->layers[0]->features[0]->n_geometry,
                        g, N(g)));
    vector_tile__tile__free_unpacked(d, NULL);
    mvt_tile_free(t);
}

/* A tolerance of 0 keeps vertices Douglas-Peucker at 1 unit drops. */
Test(mvt, tolerance)
{
    const char *wkt = "LINESTRING (0 0, 100 0.6, 200 0)";
    static const struct {
        const char *id;
        double tol;
        size_t ngeom;
    } cases[] = {{"default-drops", 1.0, 6}, {"zero-keeps", 0, 8}, {"negative-is-zero", -5, 8}};
    for (size_t i = 0; i < N(cases); i++) {
        struct mvt_tile *t = mvt_tile_new(1, 0, 0, MVT_EXTENT, MVT_BUFFER);
        if (cases[i].tol != 1.0)
            mvt_tile_set_tolerance(t, cases[i].tol);
        cr_assert_eq(add(mvt_layer(t, "l"), 1, 0, 0, 1, wkt, NULL, 0), 0);
        VectorTile__Tile *d = decode(t);
        cr_expect_eq(d->layers[0]->features[0]->n_geometry, cases[i].ngeom, "%s: %zu",
                     cases[i].id, d->layers[0]->features[0]->n_geometry);
        vector_tile__tile__free_unpacked(d, NULL);
        mvt_tile_free(t);
    }
}

/* ---- GDAL reads the tile back ---- */

Test(mvt, gdal_reads_it)
{
    /* a tile over Lạng Sơn city at z14 */
    const int z = 14, x = 13050, y = 7188;
    struct mvt_tile *t = mvt_tile_new(z, x, y, MVT_EXTENT, MVT_BUFFER);
    struct mvt_layer *p = mvt_layer(t, "parcels");
    const struct mvt_attr a1[] = {MVT_INT("sheet", 12), MVT_STR("use", "ODT")};
    const struct mvt_attr a2[] = {MVT_INT("sheet", -4), MVT_STR("use", "CLN")};
    cr_assert_eq(add(p, z, x, y, 101, "POLYGON ((1000 1000, 2000 1000, 2000 2000, 1000 2000, 1000 1000))",
                     a1, N(a1)), 0);
    cr_assert_eq(add(p, z, x, y, 102, "POLYGON ((3000 3000, 9000 3000, 9000 9000, 3000 9000, 3000 3000))",
                     a2, N(a2)), 0);
    cr_assert_eq(add(mvt_layer(t, "labels"), z, x, y, 101, "POINT (1500 1500)", a1, N(a1)), 0);
    struct buf out = BUF_INIT, path = BUF_INIT, cmd = BUF_INIT;
    cr_assert_eq(mvt_tile_encode(t, &out), 0);

    char dir[] = "/tmp/lis-mvt-XXXXXX";
    cr_assert(mkdtemp(dir));
    buf_appendf(&path, "%s/%d", dir, z);
    mkdir(path.data, 0700);
    buf_appendf(&path, "/%d", x);
    mkdir(path.data, 0700);
    buf_appendf(&path, "/%d.pbf", y);
    FILE *fp = fopen(path.data, "wb");
    cr_assert(fp);
    cr_assert_eq(fwrite(out.data, 1, out.len, fp), out.len);
    fclose(fp);

    buf_appendf(&cmd, "ogrinfo -ro -al %s 2>&1", path.data);
    FILE *pp = popen(cmd.data, "r");
    cr_assert(pp);
    struct buf text = BUF_INIT;
    char line[4096];
    while (fgets(line, sizeof line, pp))
        buf_puts(&text, line);
    cr_expect_eq(pclose(pp), 0, "ogrinfo failed:\n%s", buf_cstr(&text));
    const char *s = buf_cstr(&text);
    cr_expect(strstr(s, "Layer name: parcels"), "no parcels layer:\n%s", s);
    cr_expect(strstr(s, "Layer name: labels"), "no labels layer:\n%s", s);
    const char *fc = strstr(s, "Feature Count: ");
    cr_expect(fc && atoi(fc + 15) == 2, "parcels feature count:\n%s", s);
    cr_expect(strstr(s, "sheet (Integer") || strstr(s, "sheet (Integer64"),
              "integer attribute read as integer:\n%s", s);
    cr_expect(strstr(s, "sheet (Integer) = -4") || strstr(s, "sheet (Integer64) = -4"),
              "negative value:\n%s", s);

    /* the first parcel's first vertex, back in EPSG:3857 */
    double box[4];
    mvt_tile_bounds(z, x, y, box);
    double w = (box[2] - box[0]) / MVT_EXTENT, ex = box[0] + 1000 * w, ey = box[3] - 1000 * w;
    const char *poly = strstr(s, "POLYGON ((");
    cr_assert(poly, "no polygon:\n%s", s);
    double gx, gy;
    cr_assert_eq(sscanf(poly, "POLYGON ((%lf %lf", &gx, &gy), 2);
    cr_expect(fabs(gx - ex) < 0.01 && fabs(gy - ey) < 0.01, "vertex %.3f %.3f, expected %.3f %.3f",
              gx, gy, ex, ey);
    cr_expect(strstr(s, "3857") || strstr(s, "Pseudo-Mercator"), "CRS:\n%s", s);

    unlink(path.data);
    buf_reset(&path);
    buf_appendf(&path, "%s/%d/%d", dir, z, x);
    rmdir(path.data);
    buf_reset(&path);
    buf_appendf(&path, "%s/%d", dir, z);
    rmdir(path.data);
    rmdir(dir);
    buf_free(&text);
    buf_free(&cmd);
    buf_free(&path);
    buf_free(&out);
    mvt_tile_free(t);
}

/* ---- property: whatever goes in, what comes out is valid ---- */

/* xorshift, so the cases are the same on every run */
static uint64_t rng = 88172645463325252ull;

static double rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* A star-shaped polygon around (cx, cy): simple when its angles are sorted,
 * self-crossing when they are not. */
static void star(struct buf *wkt, double cx, double cy, double r, int n, bool sorted)
{
    double ang[64];
    for (int i = 0; i < n; i++)
        ang[i] = rnd() * 2 * M_PI;
    if (sorted)
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && ang[j - 1] > ang[j]; j--) {
                double s = ang[j];
                ang[j] = ang[j - 1];
                ang[j - 1] = s;
            }
    double x[64], y[64];
    for (int i = 0; i < n; i++) {
        double rr = r * (0.2 + 0.8 * rnd());
        x[i] = cx + rr * cos(ang[i]);
        y[i] = cy + rr * sin(ang[i]);
    }
    buf_reset(wkt);
    buf_puts(wkt, "POLYGON ((");
    for (int i = 0; i <= n; i++)
        buf_appendf(wkt, "%s%.6f %.6f", i ? ", " : "", x[i % n], y[i % n]);
    buf_puts(wkt, "))");
}

Test(mvt, random_polygons_come_out_valid)
{
    struct buf wkt = BUF_INIT;
    int written = 0, repaired_kinds = 0;
    for (int i = 0; i < 1500; i++) {
        struct mvt_tile *t = mvt_tile_new(1, 0, 0, MVT_EXTENT, MVT_BUFFER);
        /* sizes from sub-unit to several tiles, centres around and beyond the edges */
        double r = pow(10, -0.5 + 4 * rnd());
        double cx = -2000 + 8000 * rnd(), cy = -2000 + 8000 * rnd();
        int n = 3 + (int)(rnd() * 40);
        bool sorted = rnd() < 0.7;
        star(&wkt, cx, cy, r, n, sorted);
        repaired_kinds += !sorted;
        int rc = add(mvt_layer(t, "p"), 1, 0, 0, (uint64_t)i + 1, wkt.data, NULL, 0);
        cr_assert(rc == 0 || rc == 1, "case %d: rc %d %s\n%s", i, rc, mvt_errmsg(t), wkt.data);
        if (rc == 0) {
            written++;
            VectorTile__Tile *d = decode(t);
            static struct ring rings[256];
            int np = parts_of(d->layers[0]->features[0], rings, 256);
            cr_assert_gt(np, 0, "case %d", i);
            cr_expect_gt(area2(&rings[0]), 0, "case %d: first ring is no exterior", i);
            for (int k = 0; k < np; k++) {
                cr_expect(rings[k].closed && rings[k].n >= 3, "case %d ring %d", i, k);
                for (size_t j = 0; j < rings[k].n; j++)
                    cr_expect(rings[k].x[j] >= -MVT_BUFFER &&
                                  rings[k].x[j] <= MVT_EXTENT + MVT_BUFFER &&
                                  rings[k].y[j] >= -MVT_BUFFER &&
                                  rings[k].y[j] <= MVT_EXTENT + MVT_BUFFER,
                              "case %d: vertex outside", i);
            }
            cr_expect(valid(rings, np), "case %d: invalid output for\n%s", i, wkt.data);
            vector_tile__tile__free_unpacked(d, NULL);
        }
        mvt_tile_free(t);
    }
    cr_log_info("%d of 1500 random polygons written, %d were self-crossing", written,
                repaired_kinds);
    cr_expect_gt(written, 400, "only %d written: the cases no longer test much", written);
    buf_free(&wkt);
}
