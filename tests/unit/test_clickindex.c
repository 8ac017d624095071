/* Unit tests for land/clickindex: the in-memory map-click index.
 *
 * A table of hand-made outlines (squares sharing edges and corners, a
 * polygon with a hole, a multipolygon, a triangle, a parcel at Web-Mercator
 * magnitudes) and points with the ids expected there; a 100 x 100 grid that
 * needs several R-tree levels; agreement with store_parcels_at (ids) and
 * store_parcel_get (records) on a small demo store; and the shared holder's
 * background build. */
#include "core/buf.h"
#include "core/err.h"
#include "demo/demo.h"
#include "geo/geo.h"
#include "land/clickindex.h"
#include "store/store.h"

#include <criterion/criterion.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- WKB by hand (little endian, as the test machine) ---- */

static void put_u32(struct buf *b, uint32_t v)
{
    buf_append(b, &v, 4);
}

static void put_f64(struct buf *b, double v)
{
    buf_append(b, &v, 8);
}

static void header(struct buf *b, uint32_t type)
{
    buf_putc(b, 1);
    put_u32(b, type);
}

/* A closed ring from n points (x0, y0, x1, y1, ...). */
static void ring(struct buf *b, const double *xy, int n)
{
    put_u32(b, (uint32_t)n + 1);
    for (int i = 0; i < n; i++) {
        put_f64(b, xy[2 * i]);
        put_f64(b, xy[2 * i + 1]);
    }
    put_f64(b, xy[0]);
    put_f64(b, xy[1]);
}

static void rect_ring(struct buf *b, double x0, double y0, double x1, double y1)
{
    double xy[] = {x0, y0, x1, y0, x1, y1, x0, y1};
    ring(b, xy, 4);
}

static void rect(struct buf *b, double x0, double y0, double x1, double y1)
{
    header(b, 3);
    put_u32(b, 1);
    rect_ring(b, x0, y0, x1, y1);
}

/* ---- a table of outlines and points ---- */

#define BIG_X 12000000.0
#define BIG_Y 2500000.0

static struct clickindex *table_index(void)
{
    struct clickindex_builder *b = clickindex_builder_new();
    struct buf w = BUF_INIT;

    rect(&w, 0, 0, 10, 10); /* 1 */
    cr_assert_eq(clickindex_builder_add(b, 1, (const uint8_t *)w.data, w.len), 0);
    buf_reset(&w);
    rect(&w, 10, 0, 20, 10); /* 2: shares the edge x = 10 with 1 */
    cr_assert_eq(clickindex_builder_add(b, 2, (const uint8_t *)w.data, w.len), 0);
    buf_reset(&w);
    header(&w, 3); /* 3: a square with a square hole */
    put_u32(&w, 2);
    rect_ring(&w, 30, 0, 50, 20);
    rect_ring(&w, 35, 5, 45, 15);
    cr_assert_eq(clickindex_builder_add(b, 3, (const uint8_t *)w.data, w.len), 0);
    buf_reset(&w);
    header(&w, 6); /* 4: two squares apart */
    put_u32(&w, 2);
    rect(&w, 60, 0, 62, 2);
    rect(&w, 70, 0, 72, 2);
    cr_assert_eq(clickindex_builder_add(b, 4, (const uint8_t *)w.data, w.len), 0);
    buf_reset(&w);
    rect(&w, BIG_X, BIG_Y, BIG_X + 30, BIG_Y + 30); /* 5: where Web-Mercator parcels are */
    cr_assert_eq(clickindex_builder_add(b, 5, (const uint8_t *)w.data, w.len), 0);
    buf_reset(&w);
    header(&w, 3); /* 6: a triangle */
    put_u32(&w, 1);
    double tri[] = {100, 0, 110, 0, 100, 10};
    ring(&w, tri, 3);
    cr_assert_eq(clickindex_builder_add(b, 6, (const uint8_t *)w.data, w.len), 0);
    buf_reset(&w);
    rect(&w, 10, 10, 20, 20); /* 7: touches 1 at the corner (10, 10) only */
    cr_assert_eq(clickindex_builder_add(b, 7, (const uint8_t *)w.data, w.len), 0);

    buf_reset(&w); /* what it cannot use is refused */
    cr_assert_eq(clickindex_builder_add(b, 8, (const uint8_t *)"\x01\x03", 2), LIS_EINVAL);
    header(&w, 3);
    put_u32(&w, 0); /* an empty polygon */
    cr_assert_eq(clickindex_builder_add(b, 9, (const uint8_t *)w.data, w.len), LIS_EINVAL);
    buf_reset(&w);
    header(&w, 2); /* a line: no area */
    put_u32(&w, 2);
    put_f64(&w, 0);
    put_f64(&w, 0);
    put_f64(&w, 1);
    put_f64(&w, 1);
    cr_assert_eq(clickindex_builder_add(b, 10, (const uint8_t *)w.data, w.len), LIS_EINVAL);
    buf_free(&w);
    return clickindex_builder_finish(b, 42);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

struct point_case {
    const char *id;
    double x, y;
    int64_t want[4]; /* ascending, 0-terminated */
};

static const struct point_case points[] = {
    {"inside-1", 5, 5, {1}},
    {"inside-2", 15, 5, {2}},
    {"shared-edge", 10, 5, {1, 2}},
    {"shared-corner", 10, 10, {1, 2, 7}},
    {"outer-corner", 0, 0, {1}},
    {"left-outside", -0.001, 5, {0}},
    {"above-1-outside", 5, 10.001, {0}},
    {"ring-of-3", 32, 10, {3}},
    {"hole-of-3", 40, 10, {0}},
    {"hole-edge", 35, 10, {3}},
    {"multi-first", 61, 1, {4}},
    {"multi-second", 71, 1, {4}},
    {"multi-between", 65, 1, {0}},
    {"big-inside", BIG_X + 15, BIG_Y + 15, {5}},
    {"big-edge", BIG_X + 30, BIG_Y + 15, {5}},
    {"big-outside", BIG_X + 30.01, BIG_Y + 15, {0}},
    {"big-below", BIG_X + 15, BIG_Y - 0.01, {0}},
    {"triangle-in", 104, 4, {6}},
    {"triangle-hypotenuse", 105, 5, {6}},
    {"triangle-beyond", 106, 6, {0}},
    {"far-away", -1e7, -1e7, {0}},
    {"beyond-floats", 1e300, 5, {0}},
    {"not-a-number", NAN, 5, {0}},
};

Test(clickindex, table)
{
    struct clickindex *ix = table_index();
    cr_assert_eq(clickindex_count(ix), 7);
    cr_assert_eq(clickindex_seq(ix), 42);
    for (size_t i = 0; i < N(points); i++) {
        const struct point_case *c = &points[i];
        int64_t got[8];
        int n = clickindex_at(ix, c->x, c->y, got, 8);
        qsort(got, (size_t)n, sizeof *got, cmp_id);
        int nwant = 0;
        while (nwant < 4 && c->want[nwant])
            nwant++;
        cr_expect_eq(n, nwant, "%s: %d ids, expected %d", c->id, n, nwant);
        for (int k = 0; k < n && k < nwant; k++)
            cr_expect_eq(got[k], c->want[k], "%s: id %lld, expected %lld", c->id,
                         (long long)got[k], (long long)c->want[k]);
    }
    int64_t one;
    cr_expect_eq(clickindex_at(ix, 10, 10, &one, 1), 1, "max is respected");
    uint32_t slot;
    struct store_parcel p;
    cr_assert_eq(clickindex_at_slots(ix, 5, 5, &slot, 1), 1);
    cr_expect_eq(clickindex_parcel(ix, slot, &p), LIS_ENOTFOUND, "added without a record");
    cr_expect_eq(p.id, 1);
    clickindex_release(ix);
}

Test(clickindex, empty)
{
    struct clickindex *ix = clickindex_builder_finish(clickindex_builder_new(), 1);
    int64_t id;
    cr_expect_eq(clickindex_count(ix), 0);
    cr_expect_eq(clickindex_at(ix, 0, 0, &id, 1), 0);
    clickindex_release(ix);
}

/* 100 x 100 unit squares, id = 1 + row * 100 + col: several levels of tree. */
Test(clickindex, grid)
{
    struct clickindex_builder *b = clickindex_builder_new();
    struct buf w = BUF_INIT;
    for (int r = 0; r < 100; r++)
        for (int c = 0; c < 100; c++) {
            buf_reset(&w);
            rect(&w, BIG_X + c, BIG_Y + r, BIG_X + c + 1, BIG_Y + r + 1);
            cr_assert_eq(clickindex_builder_add(b, 1 + r * 100 + c, (const uint8_t *)w.data, w.len),
                         0);
        }
    buf_free(&w);
    struct clickindex *ix = clickindex_builder_finish(b, 7);
    srand(7);
    for (int i = 0; i < 20000; i++) {
        double x = (rand() % 1000000) / 9000.0 - 5, y = (rand() % 1000000) / 9000.0 - 5;
        int64_t got[8];
        int n = clickindex_at(ix, BIG_X + x, BIG_Y + y, got, 8);
        bool inside = x > 0 && x < 100 && y > 0 && y < 100;
        bool on_line = x == (int)x || y == (int)y;
        if (on_line)
            continue;
        if (!inside) {
            cr_assert_eq(n, 0, "(%g, %g) is outside the grid", x, y);
            continue;
        }
        cr_assert_eq(n, 1, "(%g, %g): %d ids", x, y, n);
        cr_assert_eq(got[0], 1 + (int)y * 100 + (int)x, "(%g, %g)", x, y);
    }
    int64_t got[8];
    cr_expect_eq(clickindex_at(ix, BIG_X + 50, BIG_Y + 50, got, 8), 4, "a vertex of four squares");
    clickindex_release(ix);
}

/* ---- boxes and outlines (tiles) ---- */

struct seen {
    int64_t ids[16];
    int n;
    const struct clickindex *ix;
};

static int on_slot(void *ctx, uint32_t slot)
{
    struct seen *s = ctx;
    cr_assert_lt(s->n, 16);
    s->ids[s->n++] = clickindex_id(s->ix, slot);
    return 0;
}

static const struct box_case {
    const char *id;
    double box[4];
    int64_t want[8]; /* ascending, 0-terminated */
} boxes[] = {
    {"inside-1", {1, 1, 2, 2}, {1}},
    {"across-1-2", {5, 5, 15, 6}, {1, 2}},
    {"edge-x10-meets-1-2-7", {10, 9, 10, 11}, {1, 2, 7}},
    {"corner-10-10", {10, 10, 10, 10}, {1, 2, 7}},
    {"hole-of-3-by-box", {38, 8, 42, 12}, {3}},
    {"between-parts-of-4", {64, 0, 66, 2}, {4}},
    {"gap", {22, 0, 28, 20}, {0}},
    {"far-5", {BIG_X - 1, BIG_Y - 1, BIG_X + 1, BIG_Y + 1}, {5}},
    {"everything-near-0", {-1, -1, 200, 200}, {1, 2, 3, 4, 6, 7}},
    {"empty-box", {5, 5, 4, 6}, {0}},
};

Test(clickindex, in_box)
{
    struct clickindex *ix = table_index();
    for (size_t i = 0; i < N(boxes); i++) {
        struct seen s = {.ix = ix};
        cr_assert_eq(clickindex_in_box(ix, boxes[i].box, on_slot, &s), 0, "%s", boxes[i].id);
        qsort(s.ids, (size_t)s.n, sizeof s.ids[0], cmp_id);
        int want = 0;
        while (boxes[i].want[want])
            want++;
        cr_expect_eq(s.n, want, "%s: %d parcels, want %d", boxes[i].id, s.n, want);
        for (int k = 0; k < s.n && k < want; k++)
            cr_expect_eq(s.ids[k], boxes[i].want[k], "%s: #%d", boxes[i].id, k);
    }
    clickindex_release(ix);
}

static int stop_at_first(void *ctx, uint32_t slot)
{
    (void)ctx;
    (void)slot;
    return 7;
}

/* The outline comes back as the WKB that went in (rings closed again). */
Test(clickindex, outline_wkb)
{
    struct clickindex *ix = table_index();
    double all[4] = {-1e9, -1e9, 1e9, 1e9};
    cr_expect_eq(clickindex_in_box(ix, all, stop_at_first, NULL), 7, "cb's value stops the walk");
    for (uint32_t slot = 0; slot < clickindex_count(ix); slot++) {
        struct buf want = BUF_INIT, got = BUF_INIT;
        int64_t id = clickindex_id(ix, slot);
        switch (id) {
        case 1: rect(&want, 0, 0, 10, 10); break;
        case 3:
            header(&want, 3);
            put_u32(&want, 2);
            rect_ring(&want, 30, 0, 50, 20);
            rect_ring(&want, 35, 5, 45, 15);
            break;
        case 4:
            header(&want, 6);
            put_u32(&want, 2);
            rect(&want, 60, 0, 62, 2);
            rect(&want, 70, 0, 72, 2);
            break;
        case 5: rect(&want, BIG_X, BIG_Y, BIG_X + 30, BIG_Y + 30); break;
        default: break;
        }
        clickindex_outline_wkb(ix, slot, &got);
        if (want.len) {
            cr_expect_eq(got.len, want.len, "parcel %lld: %zu bytes", (long long)id, got.len);
            if (got.len == want.len)
                cr_expect_eq(memcmp(got.data, want.data, got.len), 0, "parcel %lld", (long long)id);
        }
        buf_free(&want);
        buf_free(&got);
    }
    clickindex_release(ix);
}

/* ---- agreement with the store ---- */

static char dir[64];

static void make_demo(int parcels)
{
    snprintf(dir, sizeof dir, "/tmp/lis-clickindex-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char count[16], src[512];
    snprintf(count, sizeof count, "%d", parcels);
    const char *root = getenv("LIS_SOURCE_ROOT");
    snprintf(src, sizeof src, "%s/data/langson", root ? root : ".");
    char *argv[] = {"demo", "--parcels", count, "--seed", "3", "--out", dir, "--force",
                    "--source-data", src, NULL};
    optind = 1;
    cr_assert_eq(demo_cmd((int)N(argv) - 1, argv), 0, "lis demo");
}

static void remove_demo(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
}

struct boxes {
    struct geo_box v[4000];
    int n;
};

static int on_parcel(void *ctx, const struct store_parcel *p)
{
    struct boxes *b = ctx;
    if (b->n < (int)N(b->v) && p->wkb_mercator &&
        geo_wkb_envelope(p->wkb_mercator, p->wkb_mercator_len, &b->v[b->n]) == 0)
        b->n++;
    return 0;
}

static int on_at(void *ctx, const struct store_parcel *p)
{
    struct buf *ids = ctx;
    buf_append(ids, &p->id, sizeof p->id);
    return 0;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The store's record of a parcel against the index's (ctx). */
static int same_parcel(void *ctx, const struct store_parcel *p)
{
    const struct store_parcel *m = ctx;
    cr_assert_eq(m->id, p->id);
    cr_expect_eq(m->version, p->version, "parcel %lld", (long long)p->id);
    cr_expect_str_eq(m->national_id, p->national_id);
    cr_expect_str_eq(m->survey_commune, p->survey_commune);
    cr_expect_str_eq(m->commune, p->commune);
    cr_expect_str_eq(m->sheet, p->sheet);
    cr_expect_str_eq(m->number, p->number);
    cr_expect(memcmp(&m->area, &p->area, sizeof p->area) == 0, "area of %lld", (long long)p->id);
    cr_expect(memcmp(&m->area_map, &p->area_map, sizeof p->area_map) == 0);
    cr_expect(same_str(m->land_use, p->land_use));
    cr_expect(same_str(m->address, p->address));
    cr_expect(same_str(m->valid_from, p->valid_from));
    cr_expect_null(m->valid_to);
    return 0;
}

Test(clickindex, agrees_with_store, .timeout = 120)
{
    struct buf err = BUF_INIT, ids = BUF_INIT;
    make_demo(3000);
    struct store *s = store_open(dir, STORE_READ, NULL, &err);
    cr_assert_not_null(s, "%s", buf_cstr(&err));
    struct store_info info;
    cr_assert_eq(store_info(s, &info), 0);
    struct clickindex *ix = clickindex_load(s, NULL, &err);
    cr_assert_not_null(ix, "%s", buf_cstr(&err));
    cr_expect_eq((int64_t)clickindex_count(ix), info.parcels);
    cr_expect_eq(clickindex_seq(ix), info.change_seq);

    static struct boxes bx;
    bx.n = 0;
    cr_assert_eq(store_parcels_scan(s, 0, 4000, STORE_WANT_MERCATOR, on_parcel, &bx), 0);
    cr_assert_gt(bx.n, 1000);
    srand(11);
    int hits = 0, misses = 0;
    for (int i = 0; i < 4000; i++) {
        /* around a parcel: its box and a margin, so some points miss it */
        const struct geo_box *g = &bx.v[rand() % bx.n];
        double mx = (g->maxx - g->minx) * 0.2, my = (g->maxy - g->miny) * 0.2;
        double x = g->minx - mx + (g->maxx - g->minx + 2 * mx) * (rand() / (double)RAND_MAX);
        double y = g->miny - my + (g->maxy - g->miny + 2 * my) * (rand() / (double)RAND_MAX);
        buf_reset(&ids);
        cr_assert_eq(store_parcels_at(s, x, y, 0, on_at, &ids), 0);
        int64_t got[16];
        int n = clickindex_at(ix, x, y, got, 16);
        int nwant = (int)(ids.len / sizeof(int64_t));
        int64_t *want = (int64_t *)ids.data;
        qsort(got, (size_t)n, sizeof *got, cmp_id);
        if (nwant)
            qsort(want, (size_t)nwant, sizeof *want, cmp_id);
        cr_assert_eq(n, nwant, "(%.3f, %.3f): index %d ids, store %d", x, y, n, nwant);
        for (int k = 0; k < n; k++)
            cr_assert_eq(got[k], want[k], "(%.3f, %.3f)", x, y);
        n ? hits++ : misses++;
        /* the records: what the store says of each parcel, field by field */
        uint32_t slots[16];
        int ns = clickindex_at_slots(ix, x, y, slots, 16);
        cr_assert_eq(ns, n);
        for (int k = 0; k < ns; k++) {
            struct store_parcel mine;
            cr_assert_eq(clickindex_parcel(ix, slots[k], &mine), 0);
            cr_assert_eq(store_parcel_get(s, mine.id, 0, same_parcel, &mine), 0);
        }
    }
    cr_expect_gt(hits, 1000);
    cr_expect_gt(misses, 10);
    clickindex_release(ix);
    store_close(s);
    buf_free(&ids);
    buf_free(&err);
    remove_demo();
}

Test(clickindex, shared_builds_in_background, .timeout = 120)
{
    struct buf err = BUF_INIT;
    make_demo(500);
    struct store *s = store_open(dir, STORE_READ, NULL, &err);
    cr_assert_not_null(s, "%s", buf_cstr(&err));
    struct store_info info;
    cr_assert_eq(store_info(s, &info), 0);
    store_close(s);

    struct clickindex_shared *sh = clickindex_shared_new(dir);
    struct clickindex *ix = clickindex_shared_get(sh, info.change_seq);
    for (int i = 0; i < 600 && !ix; i++) {
        usleep(50000);
        ix = clickindex_shared_get(sh, info.change_seq);
    }
    cr_assert_not_null(ix, "the index was never built");
    cr_expect_eq(clickindex_seq(ix), info.change_seq);
    cr_expect_eq((int64_t)clickindex_count(ix), info.parcels);
    /* a newer change makes it stale: no index until a new build is ready */
    cr_expect_null(clickindex_shared_get(sh, info.change_seq + 1));
    clickindex_shared_free(sh); /* waits for that build; ix stays ours */
    cr_expect_eq((int64_t)clickindex_count(ix), info.parcels);
    clickindex_release(ix);
    buf_free(&err);
    remove_demo();
}
