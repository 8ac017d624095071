/* Tests for geo/fabric: the demo's cadastral fabric.
 *
 * Each case lays a fabric over a small polygon and checks what a cadastre
 * needs: valid polygons, no overlaps, full cover (areas add up to the
 * polygon's), numbering in reading order, the budget, determinism. */
#include "geo/fabric.h"

#include "core/err.h"
#include "core/mem.h"
#include "geo/geo.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- building WKB by hand ---- */

static void u32(struct buf *b, uint32_t v)
{
    uint8_t c[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_append(b, c, 4);
}

static void f64(struct buf *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++)
        buf_putc(b, (char)(uint8_t)(u >> (8 * i)));
}

/* A polygon from rings given as flat x,y lists (closed by the caller). */
static void polygon(struct buf *b, int nrings, const double *const *rings, const int *npts)
{
    buf_putc(b, 1);
    u32(b, 3);
    u32(b, (uint32_t)nrings);
    for (int r = 0; r < nrings; r++) {
        u32(b, (uint32_t)npts[r]);
        for (int i = 0; i < npts[r]; i++) {
            f64(b, rings[r][2 * i]);
            f64(b, rings[r][2 * i + 1]);
        }
    }
}

#define X0 430130.0
#define Y0 2410070.0

/* An 800 m square with a 150 m hole, off the sheet grid so it crosses sheets. */
static void square_with_hole(struct buf *b)
{
    static const double outer[] = {X0, Y0, X0 + 800, Y0, X0 + 800, Y0 + 800, X0, Y0 + 800, X0, Y0};
    static const double hole[] = {X0 + 300, Y0 + 300, X0 + 300, Y0 + 450, X0 + 450, Y0 + 450,
                                  X0 + 450, Y0 + 300, X0 + 300, Y0 + 300};
    const double *rings[] = {outer, hole};
    int n[] = {5, 5};
    polygon(b, 2, rings, n);
}

/* An L: 900 x 300 plus 300 x 600 standing on its left end. */
static void l_shape(struct buf *b)
{
    static const double ring[] = {X0, Y0, X0 + 900, Y0, X0 + 900, Y0 + 300, X0 + 300, Y0 + 300,
                                  X0 + 300, Y0 + 900, X0, Y0 + 900, X0, Y0};
    const double *rings[] = {ring};
    int n[] = {7};
    polygon(b, 1, rings, n);
}

static const struct fabric_class classes[] = {
    {250, 500, 250, 5000, 7, 0.9, 3},
    {1e9, 1000, 700, 20000, 6, 0.7, 0},
};

/* ---- collecting parcels ---- */

struct got {
    struct fabric_parcel *p; /* wkb pointers into `bytes` fixed up after */
    size_t *off;
    size_t n, cap;
    struct buf bytes;
};

static int collect(void *ctx, const struct fabric_parcel *p)
{
    struct got *g = ctx;
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 256;
        g->p = xrealloc(g->p, g->cap * sizeof *g->p);
        g->off = xrealloc(g->off, g->cap * sizeof *g->off);
    }
    g->p[g->n] = *p;
    g->off[g->n] = g->bytes.len;
    buf_append(&g->bytes, p->wkb, p->wkb_len);
    g->n++;
    return 0;
}

static const uint8_t *wkb_of(const struct got *g, size_t i)
{
    return (const uint8_t *)g->bytes.data + g->off[i];
}

static void got_free(struct got *g)
{
    free(g->p);
    free(g->off);
    buf_free(&g->bytes);
}

static long lay(struct buf *poly, long budget, uint64_t seed, struct got *out, int *sheets)
{
    struct buf err = BUF_INIT;
    struct fabric *f = fabric_new(&err);
    cr_assert_not_null(f, "%s", buf_cstr(&err));
    struct fabric_opts o = {
        .cx = X0 + 150,
        .cy = Y0 + 150,
        .classes = classes,
        .nclasses = 2,
        .budget = budget,
        .first_sheet = 1,
        .seed = seed,
        .min_area = 1,
    };
    long n = fabric_lay(f, (const uint8_t *)poly->data, poly->len, &o, collect, out, sheets);
    cr_assert_geq(n, 0, "fabric_lay: %s", fabric_errmsg(f));
    fabric_free(f);
    buf_free(&err);
    return n;
}

/* ---- the cases ---- */

static const struct {
    const char *id;
    void (*make)(struct buf *);
    double area; /* m² */
} shapes[] = {
    {"square-with-hole", square_with_hole, 800.0 * 800 - 150.0 * 150},
    {"l-shape", l_shape, 900.0 * 300 + 300.0 * 600},
};

static int cmp_minx(const void *a, const void *b, void *ctx)
{
    const struct geo_box *bx = ctx;
    double u = bx[*(const size_t *)a].minx, v = bx[*(const size_t *)b].minx;
    return u < v ? -1 : u > v;
}

Test(fabric, covers_without_gaps_or_overlaps)
{
    struct buf err = BUF_INIT;
    struct geo *g = geo_new("EPSG:9215", &err);
    cr_assert_not_null(g, "%s", buf_cstr(&err));
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        struct buf poly = BUF_INIT;
        struct got got = {0};
        shapes[c].make(&poly);
        int sheets = 0;
        long n = lay(&poly, 1000000, 42, &got, &sheets);
        cr_assert_gt(n, 100, "%s: only %ld parcels", shapes[c].id, n);
        cr_assert_eq((size_t)n, got.n, "%s", shapes[c].id);
        cr_assert_gt(sheets, 1, "%s: crosses several sheets", shapes[c].id);

        double sum = 0;
        int roads = 0;
        struct geo_box *box = xcalloc(got.n, sizeof *box);
        size_t *idx = xcalloc(got.n, sizeof *idx);
        for (size_t i = 0; i < got.n; i++) {
            const uint8_t *w = wkb_of(&got, i);
            size_t len = got.p[i].wkb_len;
            struct buf why = BUF_INIT;
            cr_assert_eq(geo_wkb_type(w, len), 3, "%s: parcel %zu is a Polygon", shapes[c].id, i);
            cr_assert_eq(geo_is_valid(g, w, len, &why), 1, "%s: parcel %zu invalid: %s",
                         shapes[c].id, i, buf_cstr(&why));
            buf_free(&why);
            double a = 0;
            cr_assert_eq(geo_area(g, w, len, &a), 0);
            cr_assert_float_eq(a, got.p[i].area, 1e-6 * a + 1e-6, "%s: reported area",
                               shapes[c].id);
            cr_assert_geq(a, 1.0, "%s: no sliver", shapes[c].id);
            cr_assert_eq(geo_wkb_contains_point(w, len, got.p[i].x, got.p[i].y), 1,
                         "%s: the parcel's point lies inside it", shapes[c].id);
            sum += a;
            roads += got.p[i].road;
            cr_assert_eq(geo_wkb_envelope(w, len, &box[i]), 0);
            idx[i] = i;
        }
        cr_assert_gt(roads, 0, "%s: road strips", shapes[c].id);
        cr_assert_float_eq(sum, shapes[c].area, 1e-4 * shapes[c].area,
                           "%s: areas add up to the polygon's (%.3f vs %.3f)", shapes[c].id, sum,
                           shapes[c].area);

        /* pairwise: any two parcels whose boxes meet share no area */
        qsort_r(idx, got.n, sizeof *idx, cmp_minx, box);
        long pairs = 0;
        for (size_t a = 0; a < got.n; a++) {
            size_t i = idx[a];
            for (size_t b = a + 1; b < got.n && box[idx[b]].minx < box[i].maxx; b++) {
                size_t j = idx[b];
                if (box[j].miny >= box[i].maxy || box[j].maxy <= box[i].miny)
                    continue;
                double ov = 0;
                cr_assert_eq(geo_intersection_area(g, wkb_of(&got, i), got.p[i].wkb_len,
                                                   wkb_of(&got, j), got.p[j].wkb_len, &ov),
                             0);
                cr_assert_lt(ov, 1e-4, "%s: parcels %zu and %zu overlap by %g m²", shapes[c].id,
                             i, j, ov);
                pairs++;
            }
        }
        cr_assert_gt(pairs, (long)got.n, "%s: neighbours were compared", shapes[c].id);
        free(box);
        free(idx);
        got_free(&got);
        buf_free(&poly);
    }
    geo_free(g);
    buf_free(&err);
}

Test(fabric, numbered_in_reading_order)
{
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        struct buf poly = BUF_INIT;
        struct got got = {0};
        shapes[c].make(&poly);
        int sheets = 0;
        lay(&poly, 1000000, 7, &got, &sheets);
        int prev_sheet = 0, prev_number = 0;
        long prev_row = 0;
        double prev_x = 0, prev_top = INFINITY, prev_left = -INFINITY;
        for (size_t i = 0; i < got.n; i++) {
            const struct fabric_parcel *p = &got.p[i];
            double band = 2 * sqrt(classes[p->sheet_cls].lot_area);
            long row = (long)floor((p->sheet_box.maxy - p->y) / band);
            if (p->sheet != prev_sheet) {
                cr_assert_eq(p->sheet, prev_sheet + 1, "%s: sheets 1.. without gaps",
                             shapes[c].id);
                cr_assert_eq(p->number, 1, "%s: numbers restart at 1", shapes[c].id);
                /* sheets in reading order of their top-left corners */
                cr_assert(p->sheet_box.maxy < prev_top ||
                              (p->sheet_box.maxy == prev_top && p->sheet_box.minx > prev_left),
                          "%s: sheet %d after the previous in reading order", shapes[c].id,
                          p->sheet);
                prev_top = p->sheet_box.maxy;
                prev_left = p->sheet_box.minx;
            } else {
                cr_assert_eq(p->number, prev_number + 1, "%s: numbers 1.. without gaps",
                             shapes[c].id);
                cr_assert(row > prev_row || (row == prev_row && p->x >= prev_x),
                          "%s: sheet %d parcel %d: row %ld x %.1f after row %ld x %.1f",
                          shapes[c].id, p->sheet, p->number, row, p->x, prev_row, prev_x);
            }
            cr_assert(p->x >= p->sheet_box.minx - 1e-6 && p->x <= p->sheet_box.maxx + 1e-6,
                      "%s: parcel inside its sheet", shapes[c].id);
            prev_sheet = p->sheet;
            prev_number = p->number;
            prev_row = row;
            prev_x = p->x;
        }
        cr_assert_eq(prev_sheet, sheets, "%s", shapes[c].id);
        got_free(&got);
        buf_free(&poly);
    }
}

Test(fabric, same_seed_same_fabric)
{
    struct buf poly = BUF_INIT;
    struct got a = {0}, b = {0}, c = {0};
    square_with_hole(&poly);
    lay(&poly, 1000000, 99, &a, NULL);
    lay(&poly, 1000000, 99, &b, NULL);
    lay(&poly, 1000000, 100, &c, NULL);
    cr_assert_eq(a.n, b.n);
    cr_assert_eq(a.bytes.len, b.bytes.len);
    cr_assert(memcmp(a.bytes.data, b.bytes.data, a.bytes.len) == 0, "same bytes");
    for (size_t i = 0; i < a.n; i++) {
        cr_assert_eq(a.p[i].sheet, b.p[i].sheet);
        cr_assert_eq(a.p[i].number, b.p[i].number);
        cr_assert_eq(a.p[i].block, b.p[i].block);
    }
    cr_assert(a.bytes.len != c.bytes.len || memcmp(a.bytes.data, c.bytes.data, a.bytes.len) != 0,
              "another seed, another fabric");
    got_free(&a);
    got_free(&b);
    got_free(&c);
    buf_free(&poly);
}

Test(fabric, budget_is_kept_near_the_centre)
{
    static const struct {
        const char *id;
        long budget;
    } cases[] = {{"one", 1}, {"fifty", 50}, {"three-hundred", 300}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct buf poly = BUF_INIT;
        struct got got = {0};
        l_shape(&poly);
        long n = lay(&poly, cases[c].budget, 5, &got, NULL);
        cr_assert_eq(n, cases[c].budget, "%s: %ld parcels", cases[c].id, n);
        for (size_t i = 0; i < got.n; i++)
            cr_assert_lt(got.p[i].dist, 900, "%s: parcels near the centre", cases[c].id);
        got_free(&got);
        buf_free(&poly);
    }
}

Test(fabric, divide_into_parts)
{
    static const struct {
        const char *id;
        int n;
    } cases[] = {{"one", 1}, {"two", 2}, {"five", 5}};
    struct buf err = BUF_INIT;
    struct geo *g = geo_new("EPSG:9215", &err);
    struct fabric *f = fabric_new(&err);
    cr_assert(g && f, "%s", buf_cstr(&err));
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct buf poly = BUF_INIT, parts[5] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
        double centres[10];
        l_shape(&poly);
        int rc = fabric_divide(f, (const uint8_t *)poly.data, poly.len, cases[c].n, 3, centres,
                               parts);
        cr_assert_eq(rc, 0, "%s: %s", cases[c].id, fabric_errmsg(f));
        double sum = 0;
        for (int i = 0; i < cases[c].n; i++) {
            const uint8_t *w = (const uint8_t *)parts[i].data;
            double a = 0;
            cr_assert_eq(geo_area(g, w, parts[i].len, &a), 0);
            sum += a;
            cr_assert_eq(geo_wkb_contains_point(w, parts[i].len, centres[2 * i],
                                                centres[2 * i + 1]),
                         1, "%s: centre %d inside its part", cases[c].id, i);
            for (int j = 0; j < i; j++) {
                double ov = 0;
                geo_intersection_area(g, w, parts[i].len, (const uint8_t *)parts[j].data,
                                      parts[j].len, &ov);
                cr_assert_lt(ov, 1e-3, "%s: parts %d and %d overlap", cases[c].id, i, j);
            }
        }
        cr_assert_float_eq(sum, 900.0 * 300 + 300.0 * 600, 1e-3, "%s: parts cover", cases[c].id);
        for (int i = 0; i < 5; i++)
            buf_free(&parts[i]);
        buf_free(&poly);
    }
    fabric_free(f);
    geo_free(g);
    buf_free(&err);
}

Test(fabric, split_a_parcel)
{
    static const double sq[] = {0, 0, 40, 0, 40, 20, 0, 20, 0, 0};
    static const double notch[] = {0, 0, 40, 0, 40, 20, 20, 5, 0, 20, 0, 0};
    static const struct {
        const char *id;
        const double *ring;
        int n;
        int rc;
    } cases[] = {{"rectangle", sq, 5, 0}, {"not-convex", notch, 6, LIS_EINVAL}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct buf poly = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
        const double *rings[] = {cases[c].ring};
        polygon(&poly, 1, rings, &cases[c].n);
        int rc = fabric_split((const uint8_t *)poly.data, poly.len, 0.5, &a, &b);
        cr_assert_eq(rc, cases[c].rc, "%s", cases[c].id);
        if (rc == 0) {
            struct geo_box ba, bb;
            geo_wkb_envelope((const uint8_t *)a.data, a.len, &ba);
            geo_wkb_envelope((const uint8_t *)b.data, b.len, &bb);
            /* cut across the long side: two 20 x 20 halves */
            cr_assert_float_eq(ba.maxx - ba.minx, 20, 1e-9, "%s", cases[c].id);
            cr_assert_float_eq(bb.maxx - bb.minx, 20, 1e-9, "%s", cases[c].id);
        }
        buf_free(&poly);
        buf_free(&a);
        buf_free(&b);
    }
}
