/* Unit tests for store/ (SQLite backend): creation, parcel writes and
 * versions, every read path, the registry, read-only opens, GeoPackage
 * validity as GDAL sees it, and the bulk put rate.
 *
 * Every test works in a fresh store under a temporary directory. Geometry is
 * built byte by byte (axis-aligned rectangles), the Web-Mercator copy is the
 * native one shifted by MERC_DX so that a mix-up of the two shows. */
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "store/store.h"

#include "store_fixture.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char dir[64];
static struct store *st;

static int run_cmd(const char *cmd, struct buf *out);

/* ---- helpers ---- */

static struct store *open_new(const char *path)
{
    struct store_create_opts o = {.crs = "EPSG:9215",
                                  .province_code = "20",
                                  .province_name = "Lạng Sơn",
                                  .mountainous = true,
                                  .crs_name = "VN-2000 / TM-3 107-15"};
    struct buf err = BUF_INIT;
    struct store *s = store_open(path, STORE_CREATE, &o, &err);
    cr_assert(s, "store_open: %s", buf_cstr(&err));
    buf_free(&err);
    return s;
}

static void rm_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    struct buf f = BUF_INIT;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        buf_reset(&f);
        buf_appendf(&f, "%s/%s", path, e->d_name);
        unlink(f.data);
    }
    closedir(d);
    rmdir(path);
    buf_free(&f);
}

static void setup(void)
{
    setenv("LIS_NOW", "2025-07-01T08:00:00Z", 1);
    memcpy(dir, "/tmp/lis-test-store-XXXXXX", 27);
    cr_assert(mkdtemp(dir));
    st = open_new(dir);
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
    if (getenv("LIS_TEST_KEEP")) /* to look at the files afterwards */
        fprintf(stderr, "kept %s\n", dir);
    else
        rm_dir(dir);
}

static int64_t put(const char *sc, const char *commune, const char *sheet, const char *number,
                   const char *nid, double x0, double y0, double x1, double y1, int expect)
{
    struct fixture f = {0};
    fixture_set(&f, sc, commune, sheet, number, nid, x0, y0, x1, y1);
    int64_t id = 0;
    int r = store_parcel_put(st, &f.p, &id);
    cr_assert_eq(r, expect, "put %s/%s/%s: %d (%s)", sc, sheet, number, r, store_errmsg(st));
    fixture_free(&f);
    return id;
}

static int64_t count(const char *what)
{
    int64_t n = -1;
    cr_assert_eq(store_count(st, what, &n), 0, "count %s: %s", what, store_errmsg(st));
    return n;
}

TestSuite(store, .init = setup, .fini = teardown);

/* ---- the clock the store stamps versions with ---- */

Test(store, clock)
{
    static const struct {
        const char *id, *in;
        int rc;
        const char *iso;
    } cases[] = {
        {"unix", "1751356800", 0, "2025-07-01T08:00:00Z"},
        {"date", "2025-07-01", 0, "2025-07-01T00:00:00Z"},
        {"minutes", "2025-07-01T08:30", 0, "2025-07-01T08:30:00Z"},
        {"seconds-z", "2025-07-01T08:30:15Z", 0, "2025-07-01T08:30:15Z"},
        {"space", "2025-07-01 08:30:15", 0, "2025-07-01T08:30:15Z"},
        {"epoch", "0", 0, "1970-01-01T00:00:00Z"},
        {"month-13", "2025-13-01", LIS_EINVAL, NULL},
        {"junk-after", "2025-07-01Tx", LIS_EINVAL, NULL},
        {"offset", "2025-07-01T08:00:00+07:00", LIS_EINVAL, NULL},
        {"empty", "", LIS_EINVAL, NULL},
        {"words", "now", LIS_EINVAL, NULL},
    };
    for (size_t i = 0; i < N(cases); i++) {
        int64_t t = -1;
        char iso[32];
        cr_assert_eq(clock_parse(cases[i].in, &t), cases[i].rc, "%s", cases[i].id);
        if (cases[i].iso) {
            clock_iso(t, iso);
            cr_assert_str_eq(iso, cases[i].iso, "%s", cases[i].id);
        }
    }
    setenv("LIS_NOW", "2024-02-29T12:00:00Z", 1);
    cr_assert_eq(clock_now(), 1709208000);
    setenv("LIS_NOW", "garbage", 1); /* ignored: the system clock */
    cr_assert_gt(clock_now(), 1709208000);
}

/* ---- creation ---- */

static int count_uses(void *ctx, const struct store_land_use *u)
{
    cr_assert(u->code && u->name_vi && u->name_en && u->group);
    (*(int *)ctx)++;
    return 0;
}

Test(store, created_info)
{
    struct store_info in;
    cr_assert_eq(store_info(st, &in), 0);
    cr_assert_str_eq(in.crs, "EPSG:9215");
    cr_assert_eq(in.srid, 9215);
    cr_assert_str_eq(in.province_code, "20");
    cr_assert_str_eq(in.province_name, "Lạng Sơn");
    cr_assert(in.mountainous);
    cr_assert_eq(in.parcels, 0);
    cr_assert_eq(in.change_seq, 0);
    int n = 0;
    cr_assert_eq(store_land_uses(st, count_uses, &n), 0);
    cr_assert_gt(n, 30, "land-use codes seeded: %d", n);
    cr_assert_eq(count("land_use_codes"), n);
}

Test(store, open_missing_and_bad_urls)
{
    struct buf err = BUF_INIT;
    static const struct {
        const char *id, *url;
        unsigned flags;
        const char *msg;
    } cases[] = {
        {"missing", "/tmp/lis-no-such-store-dir", STORE_READ, "does not exist"},
        {"missing-write", "sqlite:/tmp/lis-no-such-store-dir", STORE_WRITE, "does not exist"},
        {"postgres", "postgres://localhost/lis", STORE_READ, "PostgreSQL"},
        {"empty", "sqlite:", STORE_READ, "directory"},
        {"create-no-crs", "/tmp/lis-no-such-store-dir", STORE_CREATE, "CRS"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        buf_reset(&err);
        struct store *s = store_open(cases[i].url, cases[i].flags, NULL, &err);
        cr_assert_null(s, "%s: opened", cases[i].id);
        cr_assert(strstr(buf_cstr(&err), cases[i].msg), "%s: message %s", cases[i].id,
                  buf_cstr(&err));
    }
    buf_free(&err);
    cr_assert(access("/tmp/lis-no-such-store-dir", F_OK) != 0, "nothing was created");
}

/* ---- parcels ---- */

Test(store, put_get_at)
{
    int64_t a = put("06022", "06001", "1", "1", "w7abc0000001", 0, 0, 10, 10, STORE_INSERTED);
    int64_t b = put("06022", "06001", "1", "2", "w7abc0000002", 10, 0, 20, 10, STORE_INSERTED);
    int64_t c = put("06022", "06001", "1", "3", "w7abc0000003", 0, 10, 10, 20, STORE_INSERTED);
    cr_assert(a > 0 && b > a && c > b);

    struct rows r = {0};
    cr_assert_eq(store_parcel_get(st, b, STORE_WANT_GEOM | STORE_WANT_MERCATOR, collect, &r), 0);
    cr_assert_eq(r.n, 1);
    cr_assert(r.geom_ok && r.merc_ok);
    rows_reset(&r);
    cr_assert_eq(store_parcel_get(st, 999, 0, collect, &r), LIS_ENOTFOUND);

    static const struct {
        const char *id;
        double x, y;
        int n;
    } at[] = {
        {"inside-a", 5, 5, 1},   {"inside-c", 5, 15, 1},   {"outside", 50, 50, 0},
        {"edge-ab", 10, 5, 2},   {"corner-abc", 10, 10, 3}, {"gap", 15, 15, 0},
        {"vertex-a", 0, 0, 1},
    };
    for (size_t i = 0; i < N(at); i++) {
        rows_reset(&r);
        cr_assert_eq(store_parcels_at(st, at[i].x + MERC_DX, at[i].y, STORE_WANT_MERCATOR,
                                      collect, &r),
                     0);
        cr_assert_eq(r.n, at[i].n, "%s: %d parcels (%s)", at[i].id, r.n, buf_cstr(&r.text));
    }
    /* native coordinates are not Web-Mercator ones */
    rows_reset(&r);
    cr_assert_eq(store_parcels_at(st, 5, 5, 0, collect, &r), 0);
    cr_assert_eq(r.n, 0);

    rows_reset(&r);
    double box[4] = {11, 1, 12, 2};
    cr_assert_eq(store_parcels_in_box(st, box, 0, 10, collect, &r), 0);
    cr_assert_eq(r.n, 1);
    rows_reset(&r);
    double all[4] = {-1, -1, 100, 100};
    cr_assert_eq(store_parcels_in_box(st, all, 0, 2, collect, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text), "1:1/1:v1 2:1/2:v1");

    rows_reset(&r);
    cr_assert_eq(store_parcel_by_national_id(st, "w7abc0000003", 0, collect, &r), 0);
    cr_assert_eq(r.n, 1);
    rows_reset(&r);
    cr_assert_eq(store_parcels_scan(st, a, 10, 0, collect, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text), "2:1/2:v1 3:1/3:v1");

    struct store_info in;
    cr_assert_eq(store_info(st, &in), 0);
    cr_assert_eq(in.parcels, 3);
    cr_assert_eq(in.change_seq, 3);
    cr_assert_float_eq(in.bbox[0], 0, 1e-9);
    cr_assert_float_eq(in.bbox[3], 20, 1e-9);
    buf_free(&r.text);
}

Test(store, by_key_numeric_order)
{
    /* inserted out of order; two former communes merged into 06001 */
    static const struct {
        const char *sc, *sheet, *number;
    } in[] = {
        {"06022", "10", "5"}, {"06022", "2", "100"}, {"06022", "2", "9"},
        {"06022", "2", "10"}, {"06022", "1a", "1"},  {"06025", "2", "9"},
    };
    for (size_t i = 0; i < N(in); i++) {
        char nid[16];
        snprintf(nid, sizeof nid, "w7abc00000%02zu", i);
        put(in[i].sc, "06001", in[i].sheet, in[i].number, nid, (double)i * 10, 0,
            (double)i * 10 + 10, 10, STORE_INSERTED);
    }
    static const struct {
        const char *id, *commune, *sheet, *number;
        const char *expect;
    } cases[] = {
        {"survey-commune", "06022", NULL, NULL,
         "5:1a/1:v1 3:2/9:v1 4:2/10:v1 2:2/100:v1 1:10/5:v1"},
        {"current-unit", "06001", "2", "9", "3:2/9:v1 6:2/9:v1"},
        {"sheet-only", "06022", "2", NULL, "3:2/9:v1 4:2/10:v1 2:2/100:v1"},
        {"number-only", "06001", NULL, "9", "3:2/9:v1 6:2/9:v1"},
        {"exact", "06025", "2", "9", "6:2/9:v1"},
        {"none", "06022", "3", NULL, ""},
        {"unknown", "99999", NULL, NULL, ""},
    };
    struct rows r = {0};
    for (size_t i = 0; i < N(cases); i++) {
        rows_reset(&r);
        cr_assert_eq(store_parcels_by_key(st, cases[i].commune, cases[i].sheet, cases[i].number,
                                          0, 100, collect, &r),
                     0, "%s", cases[i].id);
        cr_assert_str_eq(buf_cstr(&r.text), cases[i].expect, "%s", cases[i].id);
    }
    rows_reset(&r);
    cr_assert_eq(store_parcels_by_key(st, "06001", NULL, NULL, 0, 2, collect, &r), 0);
    cr_assert_eq(r.n, 2, "limit");
    buf_free(&r.text);
}

Test(store, search_prefix_words)
{
    static const struct {
        const char *text;
    } in[] = {{"thon ban chu xa dinh lap 12/345"},
              {"khoi 5 phuong dong kinh nguyen van an"},
              {"thon na lang xa dinh lap"}};
    for (size_t i = 0; i < N(in); i++) {
        struct fixture f = {0};
        char nid[16], num[8];
        snprintf(nid, sizeof nid, "w7abc00000%02zu", i);
        snprintf(num, sizeof num, "%zu", i + 1);
        fixture_set(&f, "06022", "06022", "12", num, nid, (double)i * 10, 0, (double)i * 10 + 10,
                    10);
        f.p.search_text = in[i].text;
        cr_assert_eq(store_parcel_put(st, &f.p, NULL), STORE_INSERTED);
        fixture_free(&f);
    }
    static const struct {
        const char *id, *q;
        int64_t after;
        const char *expect;
    } cases[] = {
        {"two-words", "dinh lap", 0, "1:12/1:v1 3:12/3:v1"},
        {"prefixes", "din la", 0, "1:12/1:v1 3:12/3:v1"},
        {"all-words-needed", "dinh kinh", 0, ""},
        {"after", "dinh", 1, "3:12/3:v1"},
        {"sheet-number", "12/345", 0, "1:12/1:v1"},
        {"name", "nguyen an", 0, "2:12/2:v1"},
        {"fts-syntax-is-text", "dinh OR kinh", 0, ""},
        {"quote", "\"dinh", 0, "1:12/1:v1 3:12/3:v1"},
        {"star-col", "text:dinh *", 0, ""},
        {"only-punct", "- * \"", 0, ""},
        {"empty", "", 0, ""},
    };
    struct rows r = {0};
    for (size_t i = 0; i < N(cases); i++) {
        rows_reset(&r);
        cr_assert_eq(store_parcels_search(st, cases[i].q, cases[i].after, 10, 0, collect, &r), 0,
                     "%s: %s", cases[i].id, store_errmsg(st));
        cr_assert_str_eq(buf_cstr(&r.text), cases[i].expect, "%s", cases[i].id);
    }
    rows_reset(&r);
    cr_assert_eq(store_parcels_search(st, "thon", 0, 1, 0, collect, &r), 0);
    cr_assert_eq(r.n, 1, "limit");
    buf_free(&r.text);
}

static int collect_history(void *ctx, const struct store_parcel *p)
{
    struct rows *r = ctx;
    if (r->text.len)
        buf_putc(&r->text, ' ');
    buf_appendf(&r->text, "v%d:%s:%s:%s:%s..%s", p->version, p->national_id, p->land_use,
                p->wkb ? "g" : "-", p->valid_from, p->valid_to ? p->valid_to : "");
    r->n++;
    return 0;
}

Test(store, versions)
{
    struct fixture f = {0};
    int64_t id = 0, id2 = 0;
    fixture_set(&f, "06022", "06001", "3", "7", "w7abc0000001", 0, 0, 10, 10);
    cr_assert_eq(store_parcel_put(st, &f.p, &id), STORE_INSERTED);

    /* identical: left alone, whatever the caller says of id and national id */
    setenv("LIS_NOW", "2025-08-01T00:00:00Z", 1);
    f.p.id = 77;
    snprintf(f.p.national_id, sizeof f.p.national_id, "zzzzzzzzzzzz");
    cr_assert_eq(store_parcel_put(st, &f.p, &id2), STORE_UNCHANGED);
    cr_assert_eq(id2, id);

    /* a change of use: same id, same national id, version 2 */
    f.p.land_use = "ODT+CLN";
    cr_assert_eq(store_parcel_put(st, &f.p, &id2), STORE_UPDATED);
    cr_assert_eq(id2, id);

    /* a re-survey: new geometry */
    setenv("LIS_NOW", "2025-09-01T00:00:00Z", 1);
    rect_wkb(&f.wkb, 0, 0, 10, 12);
    rect_wkb(&f.merc, MERC_DX, 0, MERC_DX + 10, 12);
    f.p.wkb = (const uint8_t *)f.wkb.data;
    f.p.wkb_mercator = (const uint8_t *)f.merc.data;
    cr_assert_eq(store_parcel_put(st, &f.p, &id2), STORE_UPDATED);
    cr_assert_eq(store_parcel_put(st, &f.p, &id2), STORE_UNCHANGED);

    struct rows r = {0};
    cr_assert_eq(store_parcel_history(st, id, STORE_WANT_GEOM, collect_history, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text),
                     "v1:w7abc0000001:ODT:g:2025-07-01T08:00:00Z..2025-08-01T00:00:00Z "
                     "v2:w7abc0000001:ODT+CLN:g:2025-08-01T00:00:00Z..2025-09-01T00:00:00Z "
                     "v3:w7abc0000001:ODT+CLN:g:2025-09-01T00:00:00Z..");
    cr_assert_eq(count("parcels"), 1);
    cr_assert_eq(count("parcel_history"), 2);
    cr_assert_eq(count("parcel_mercator"), 1);
    cr_assert_eq(count("parcel_search"), 1);

    /* the map click follows the new shape */
    rows_reset(&r);
    cr_assert_eq(store_parcels_at(st, MERC_DX + 5, 11, 0, collect, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text), "1:3/7:v3");

    struct store_info in;
    cr_assert_eq(store_info(st, &in), 0);
    cr_assert_eq(in.change_seq, 3, "insert + 2 updates logged, unchanged puts not");
    buf_free(&r.text);
    fixture_free(&f);
}

Test(store, retire)
{
    int64_t a = put("06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10, STORE_INSERTED);
    put("06022", "06022", "1", "2", "w7abc0000002", 10, 0, 20, 10, STORE_INSERTED);
    cr_assert_eq(store_parcel_retire(st, a, "2025-07-02T00:00:00Z"), 0, "%s", store_errmsg(st));
    cr_assert_eq(store_parcel_retire(st, a, NULL), LIS_ENOTFOUND);
    struct rows r = {0};
    cr_assert_eq(store_parcel_get(st, a, 0, collect, &r), LIS_ENOTFOUND);
    cr_assert_eq(store_parcels_at(st, MERC_DX + 5, 5, 0, collect, &r), 0);
    cr_assert_eq(store_parcels_search(st, "ban", 0, 10, 0, collect, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text), "2:1/2:v1");
    rows_reset(&r);
    cr_assert_eq(store_parcel_history(st, a, 0, collect_history, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text),
                     "v1:w7abc0000001:ODT:-:2025-07-01T08:00:00Z..2025-07-02T00:00:00Z");
    /* the key is free again: a new parcel, a new id */
    int64_t b = put("06022", "06022", "1", "1", "w7abc0000009", 0, 0, 5, 10, STORE_INSERTED);
    cr_assert_gt(b, 2, "ids are never reused");
    buf_free(&r.text);
}

Test(store, uniqueness)
{
    put("06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10, STORE_INSERTED);
    struct fixture f = {0};
    static const struct {
        const char *id, *number, *nid;
        int64_t pid;
        int expect;
    } cases[] = {
        {"same-national-id", "2", "w7abc0000001", 0, LIS_ECONFLICT},
        {"same-id", "3", "w7abc0000003", 1, LIS_ECONFLICT},
        {"no-national-id", "4", "", 0, LIS_EINVAL},
        {"fine", "5", "w7abc0000005", 0, STORE_INSERTED},
    };
    for (size_t i = 0; i < N(cases); i++) {
        fixture_set(&f, "06022", "06022", "1", cases[i].number, cases[i].nid, 20, 0, 30, 10);
        f.p.id = cases[i].pid;
        cr_assert_eq(store_parcel_put(st, &f.p, NULL), cases[i].expect, "%s: %s", cases[i].id,
                     store_errmsg(st));
    }
    /* bad input is refused before the store */
    fixture_set(&f, "06022", "06022", "", "9", "w7abc0000009", 20, 0, 30, 10);
    cr_assert_eq(store_parcel_put(st, &f.p, NULL), LIS_EINVAL);
    fixture_set(&f, "06022", "06022", "1", "9", "w7abc0000009", 20, 0, 30, 10);
    f.p.wkb_len = 7;
    cr_assert_eq(store_parcel_put(st, &f.p, NULL), LIS_EINVAL);
    cr_assert_eq(count("parcels"), 2);
    cr_assert_eq(count("parcel_mercator"), 2);
    /* a retired parcel's id is not given to another */
    cr_assert_eq(store_parcel_retire(st, 1, NULL), 0);
    fixture_set(&f, "06022", "06022", "1", "10", "w7abc0000010", 20, 0, 30, 10);
    f.p.id = 1;
    cr_assert_eq(store_parcel_put(st, &f.p, NULL), LIS_ECONFLICT);
    f.p.id = 0;
    cr_assert_eq(store_parcel_put(st, &f.p, NULL), STORE_INSERTED);
    fixture_free(&f);
}

/* A callback may call back into the store, even the very same query. */
static int nested(void *ctx, const struct store_parcel *p)
{
    struct rows *r = ctx;
    struct rows inner = {0};
    cr_assert_eq(store_parcels_scan(st, 0, 10, 0, collect, &inner), 0);
    cr_assert_eq(inner.n, 2);
    cr_assert_eq(store_parcel_get(st, p->id, STORE_WANT_MERCATOR, collect, &inner), 0);
    cr_assert(inner.merc_ok);
    buf_free(&inner.text);
    return collect(r, p);
}

Test(store, reentrant_callbacks)
{
    put("06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10, STORE_INSERTED);
    put("06022", "06022", "1", "2", "w7abc0000002", 10, 0, 20, 10, STORE_INSERTED);
    struct rows r = {0};
    cr_assert_eq(store_parcels_scan(st, 0, 10, STORE_WANT_MERCATOR, nested, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text), "1:1/1:v1 2:1/2:v1");
    buf_free(&r.text);
}

static int stop_at_first(void *ctx, const struct store_parcel *p)
{
    (void)p;
    (*(int *)ctx)++;
    return 42;
}

Test(store, callback_stops)
{
    put("06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10, STORE_INSERTED);
    put("06022", "06022", "1", "2", "w7abc0000002", 10, 0, 20, 10, STORE_INSERTED);
    int calls = 0;
    cr_assert_eq(store_parcels_scan(st, 0, 10, 0, stop_at_first, &calls), 42);
    cr_assert_eq(calls, 1);
    cr_assert_eq(store_parcels_at(st, MERC_DX + 10, 5, 0, stop_at_first, &calls), 42);
    cr_assert_eq(calls, 2);
    /* the statement was reset: the next call starts afresh */
    struct rows r = {0};
    cr_assert_eq(store_parcels_scan(st, 0, 10, 0, collect, &r), 0);
    cr_assert_eq(r.n, 2);
    buf_free(&r.text);
}

Test(store, transactions)
{
    struct store_info in;
    cr_assert_eq(store_begin(st), 0);
    cr_assert_eq(store_begin(st), LIS_EINVAL);
    put("06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10, STORE_INSERTED);
    cr_assert_eq(store_info(st, &in), 0);
    cr_assert_eq(in.parcels, 1, "the writer sees its own writes");
    cr_assert_eq(store_rollback(st), 0);
    cr_assert_eq(store_info(st, &in), 0);
    cr_assert_eq(in.parcels, 0);
    cr_assert_eq(in.change_seq, 0);
    cr_assert_eq(count("parcels"), 0);
    cr_assert_eq(count("changes"), 0);
    cr_assert_eq(store_begin(st), 0);
    put("06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10, STORE_INSERTED);
    /* a conflict inside a transaction spoils only that put */
    put("06022", "06022", "1", "2", "w7abc0000001", 10, 0, 20, 10, LIS_ECONFLICT);
    put("06022", "06022", "1", "3", "w7abc0000003", 10, 0, 20, 10, STORE_INSERTED);
    cr_assert_eq(store_commit(st), 0);
    cr_assert_eq(count("parcels"), 2);
    cr_assert_eq(store_commit(st), LIS_EINVAL);
}

/* ---- communes, planning ---- */

static int collect_commune(void *ctx, const struct store_commune *c)
{
    struct rows *r = ctx;
    if (r->text.len)
        buf_putc(&r->text, ' ');
    buf_appendf(&r->text, "%s:%s:%s:%d:%s", c->code, c->name, c->kind, c->mountainous,
                c->wkb ? "g" : "-");
    r->n++;
    return 0;
}

static int collect_survey(void *ctx, const struct store_survey_commune *sc)
{
    struct rows *r = ctx;
    if (r->text.len)
        buf_putc(&r->text, ' ');
    buf_appendf(&r->text, "%s>%s", sc->code, sc->commune);
    return 0;
}

static int collect_zone(void *ctx, const struct store_planning_zone *z)
{
    struct rows *r = ctx;
    if (r->text.len)
        buf_putc(&r->text, ' ');
    buf_appendf(&r->text, "%lld:%s:%s", (long long)z->id, z->land_use, z->wkb ? "g" : "-");
    return 0;
}

static void add_communes(void)
{
    struct buf g = BUF_INIT;
    rect_wkb(&g, 0, 0, 100, 100);
    struct store_commune c = {.code = "06001", .name = "Phường Đông Kinh", .kind = "ward",
                              .wkb = (const uint8_t *)g.data, .wkb_len = g.len};
    cr_assert_eq(store_commune_put(st, &c), 0, "%s", store_errmsg(st));
    rect_wkb(&g, 100, 0, 200, 100);
    struct store_commune d = {.code = "06040", .name = "Xã Đình Lập", .kind = "commune",
                              .mountainous = true, .wkb = (const uint8_t *)g.data,
                              .wkb_len = g.len};
    cr_assert_eq(store_commune_put(st, &d), 0);
    buf_free(&g);
}

Test(store, communes)
{
    add_communes();
    /* a second put replaces */
    struct store_commune c = {.code = "06001", .name = "Phường Đông Kinh", .kind = "ward"};
    struct buf g = BUF_INIT;
    rect_wkb(&g, 0, 0, 100, 100);
    c.wkb = (const uint8_t *)g.data;
    c.wkb_len = g.len;
    cr_assert_eq(store_commune_put(st, &c), 0, "%s", store_errmsg(st));

    struct rows r = {0};
    cr_assert_eq(store_communes(st, false, collect_commune, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text),
                     "06001:Phường Đông Kinh:ward:0:- 06040:Xã Đình Lập:commune:1:-");
    rows_reset(&r);
    cr_assert_eq(store_commune_get(st, "06040", true, collect_commune, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text), "06040:Xã Đình Lập:commune:1:g");
    cr_assert_eq(store_commune_get(st, "99999", true, collect_commune, &r), LIS_ENOTFOUND);

    static const struct {
        const char *id;
        double x, y;
        const char *code;
    } at[] = {{"ward", 50, 50, "06001"}, {"commune", 150, 50, "06040"},
              {"edge", 100, 50, "06001"}, {"outside", 250, 50, NULL}};
    for (size_t i = 0; i < N(at); i++) {
        char code[STORE_CODE_MAX] = "";
        int rc = store_commune_at(st, at[i].x, at[i].y, code);
        if (at[i].code) {
            cr_assert_eq(rc, 0, "%s", at[i].id);
            cr_assert_str_eq(code, at[i].code, "%s", at[i].id);
        } else {
            cr_assert_eq(rc, LIS_ENOTFOUND, "%s", at[i].id);
        }
    }

    struct store_survey_commune sc[] = {
        {.code = "06025", .name = "Xã Mai Pha", .commune = "06001"},
        {.code = "06022", .name = "Phường Chi Lăng", .commune = "06001"},
        {.code = "06022", .name = "Phường Chi Lăng", .commune = "06040"},
    };
    for (size_t i = 0; i < N(sc); i++)
        cr_assert_eq(store_survey_commune_put(st, &sc[i]), 0);
    cr_assert_eq(store_survey_commune_put(st, &sc[0]), 0, "idempotent");
    rows_reset(&r);
    cr_assert_eq(store_survey_communes(st, collect_survey, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text), "06022>06001 06022>06040 06025>06001");

    struct store_info in;
    cr_assert_eq(store_info(st, &in), 0);
    cr_assert_eq(in.communes, 2);
    cr_assert_float_eq(in.bbox[2], 200, 1e-9);
    buf_free(&g);
    buf_free(&r.text);
}

Test(store, planning)
{
    struct buf g = BUF_INIT;
    rect_wkb(&g, 0, 0, 50, 50);
    struct store_planning_zone z = {.land_use = "ODT", .plan = "QHSDĐ 2030",
                                    .wkb = (const uint8_t *)g.data, .wkb_len = g.len};
    int64_t a = store_planning_put(st, &z);
    cr_assert_gt(a, 0);
    rect_wkb(&g, 100, 100, 150, 150);
    z.land_use = "DGT";
    int64_t b = store_planning_put(st, &z);
    cr_assert_gt(b, a);
    struct rows r = {0};
    double box[4] = {40, 40, 60, 60};
    cr_assert_eq(store_planning_in_box(st, box, collect_zone, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text), "1:ODT:g");
    buf_reset(&r.text);
    cr_assert_eq(store_planning_scan(st, 0, 10, collect_zone, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text), "1:ODT:g 2:DGT:g");
    buf_reset(&r.text);
    cr_assert_eq(store_planning_scan(st, a, 10, collect_zone, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text), "2:DGT:g");
    buf_free(&g);
    buf_free(&r.text);
}

/* ---- the Web-Mercator box (tiles, OGC pages) and the change log ---- */

Test(store, mercator_box_paging)
{
    /* a row of ten 10x10 parcels; the Web-Mercator copy is shifted by MERC_DX */
    for (int i = 0; i < 10; i++) {
        char num[8], nid[16];
        snprintf(num, sizeof num, "%d", i + 1);
        snprintf(nid, sizeof nid, "w7abc00000%02d", i);
        put("06022", "06001", "1", num, nid, 10 * i, 0, 10 * i + 10, 10, STORE_INSERTED);
    }
    static const struct {
        const char *id;
        double box[4];
        int64_t after;
        int limit;
        const char *want; /* ids in order; NULL: count only */
        int n;
    } cases[] = {
        {"one-cell", {MERC_DX + 12, 2, MERC_DX + 13, 3}, 0, 10, "2", 1},
        {"edge-shared", {MERC_DX + 20, 2, MERC_DX + 20, 3}, 0, 10, "2 3", 2},
        {"native-box-misses", {12, 2, 13, 3}, 0, 10, "", 0},
        {"page-1", {MERC_DX - 1, -1, MERC_DX + 200, 20}, 0, 4, "1 2 3 4", 4},
        {"page-2", {MERC_DX - 1, -1, MERC_DX + 200, 20}, 4, 4, "5 6 7 8", 4},
        {"page-3", {MERC_DX - 1, -1, MERC_DX + 200, 20}, 8, 4, "9 10", 2},
        {"unordered", {MERC_DX - 1, -1, MERC_DX + 200, 20}, -1, 100, NULL, 10},
        {"unordered-limit", {MERC_DX - 1, -1, MERC_DX + 200, 20}, -1, 3, NULL, 3},
    };
    struct buf ids = BUF_INIT;
    for (size_t i = 0; i < N(cases); i++) {
        struct rows r = {0};
        cr_assert_eq(store_parcels_in_mercator_box(st, cases[i].box, cases[i].after,
                                                   cases[i].limit, STORE_WANT_MERCATOR, collect,
                                                   &r),
                     0, "%s: %s", cases[i].id, store_errmsg(st));
        cr_assert_eq(r.n, cases[i].n, "%s: %d rows (%s)", cases[i].id, r.n, buf_cstr(&r.text));
        if (r.n)
            cr_assert(r.merc_ok, "%s: mercator WKB filled", cases[i].id);
        if (cases[i].want) {
            buf_reset(&ids);
            /* "id:sheet/number:vN" -> "id" */
            const char *t = buf_cstr(&r.text);
            while (*t) {
                const char *c = strchr(t, ':');
                if (ids.len)
                    buf_putc(&ids, ' ');
                buf_append(&ids, t, (size_t)(c - t));
                const char *sp = strchr(t, ' ');
                t = sp ? sp + 1 : t + strlen(t);
            }
            cr_assert_str_eq(buf_cstr(&ids), cases[i].want, "%s", cases[i].id);
        }
        buf_free(&r.text);
    }
    buf_free(&ids);
}

struct changes {
    struct buf text;
    int64_t last;
};

static int collect_change(void *ctx, const struct store_change *c)
{
    struct changes *ch = ctx;
    if (ch->text.len)
        buf_putc(&ch->text, ' ');
    if (c->anywhere)
        buf_appendf(&ch->text, "%s:%lld:*", c->kind, (long long)c->parcel_id);
    else
        buf_appendf(&ch->text, "%s:%lld:%g,%g,%g,%g", c->kind, (long long)c->parcel_id,
                    c->box[0] - MERC_DX, c->box[1], c->box[2] - MERC_DX, c->box[3]);
    ch->last = c->seq;
    return 0;
}

Test(store, changes_since)
{
    int64_t a = put("06022", "06001", "1", "1", "w7abc0000001", 0, 0, 10, 10, STORE_INSERTED);
    put("06022", "06001", "1", "1", "w7abc0000001", 0, 0, 20, 10, STORE_UPDATED);
    add_communes();
    cr_assert_eq(store_parcel_retire(st, a, "2025-07-01T00:00:00Z"), 0, "%s", store_errmsg(st));
    struct changes ch = {0};
    cr_assert_eq(store_changes_since(st, 0, 100, collect_change, &ch), 0, "%s",
                 store_errmsg(st));
    cr_assert_str_eq(buf_cstr(&ch.text), "insert:1:0,0,10,10 update:1:0,0,20,10 commune:0:*"
                                         " commune:0:* retire:1:0,0,20,10");
    struct store_info in;
    cr_assert_eq(store_info(st, &in), 0);
    cr_assert_eq(ch.last, in.change_seq);
    buf_reset(&ch.text);
    cr_assert_eq(store_changes_since(st, 3, 1, collect_change, &ch), 0);
    cr_assert_str_eq(buf_cstr(&ch.text), "commune:0:*");
    buf_reset(&ch.text);
    cr_assert_eq(store_changes_since(st, in.change_seq, 100, collect_change, &ch), 0);
    cr_assert_str_eq(buf_cstr(&ch.text), "");
    buf_free(&ch.text);
}

/* ---- registry ---- */

Test(store, registry)
{
    int64_t p = put("06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10, STORE_INSERTED);
    int64_t q = put("06022", "06022", "1", "2", "w7abc0000002", 10, 0, 20, 10, STORE_INSERTED);
    struct store_holder h1 = {.kind = "individual", .name = "Nguyễn Văn An", .birth_year = 1970};
    struct store_holder h2 = {.kind = "household", .name = "Hộ bà Hoàng Thị Bích"};
    int64_t a = store_holder_put(st, &h1), b = store_holder_put(st, &h2);
    cr_assert(a > 0 && b > a);
    struct store_right rights[] = {
        {.parcel_id = p, .holder_id = a, .kind = "use", .land_use = "ODT", .area = 100,
         .term = "long-term", .origin = "Nhà nước giao đất có thu tiền sử dụng đất",
         .share = 1},
        {.parcel_id = q, .holder_id = a, .kind = "use", .share = 0.5},
        {.parcel_id = q, .holder_id = b, .kind = "use", .share = 0.5},
    };
    for (size_t i = 0; i < N(rights); i++)
        cr_assert_eq(store_right_put(st, &rights[i]), 0);
    struct store_certificate c = {.parcel_id = q, .serial = "CS 123456",
                                  .issued_on = "2019-05-02", .issuer = "Sở TN&MT Lạng Sơn"};
    struct store_restriction rs = {.parcel_id = q, .kind = "mortgage", .party = "Agribank",
                                   .since = "2024-01-01"};
    struct store_event e = {.parcel_id = q, .kind = "registration", .date = "2019-05-02",
                            .version = 1};
    cr_assert_eq(store_certificate_put(st, &c), 0);
    cr_assert_eq(store_restriction_put(st, &rs), 0);
    cr_assert_eq(store_event_put(st, &e), 0);
    cr_assert_eq(count("holders"), 2);
    cr_assert_eq(count("rights"), 3);

    /* clearing q: its rights, certificate, restriction, event go; holder b
     * held only q and goes too; a still holds p and stays */
    cr_assert_eq(store_registry_clear(st, q), 0, "%s", store_errmsg(st));
    static const struct {
        const char *what;
        int64_t n;
    } after[] = {{"holders", 1},      {"rights", 1}, {"certificates", 0},
                 {"restrictions", 0}, {"events", 0}, {"parcels", 2}};
    for (size_t i = 0; i < N(after); i++)
        cr_assert_eq(count(after[i].what), after[i].n, "%s", after[i].what);
    int64_t n;
    cr_assert_eq(store_count(st, "parcels; DROP TABLE parcels", &n), LIS_EINVAL);
    cr_assert_eq(store_count(st, "sqlite_master", &n), LIS_EINVAL);
}

/* ---- read-only opens ---- */

Test(store, read_only_while_writing)
{
    put("06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10, STORE_INSERTED);
    cr_assert_eq(store_begin(st), 0);
    put("06022", "06022", "1", "2", "w7abc0000002", 10, 0, 20, 10, STORE_INSERTED);

    struct buf err = BUF_INIT;
    struct store *ro = store_open(dir, STORE_READ, NULL, &err);
    cr_assert(ro, "%s", buf_cstr(&err));
    int64_t n = 0;
    cr_assert_eq(store_count(ro, "parcels", &n), 0, "%s", store_errmsg(ro));
    cr_assert_eq(n, 1, "the reader sees the last commit only");
    cr_assert_eq(store_count(ro, "holders", &n), 0);
    struct rows r = {0};
    cr_assert_eq(store_parcels_at(ro, MERC_DX + 5, 5, 0, collect, &r), 0);
    cr_assert_eq(r.n, 1);
    struct store_holder h = {.kind = "individual", .name = "X"};
    cr_assert_lt(store_holder_put(ro, &h), 0, "read-only refuses writes");
    cr_assert_eq(store_begin(ro), LIS_EINVAL);

    cr_assert_eq(store_commit(st), 0);
    cr_assert_eq(store_count(ro, "parcels", &n), 0);
    cr_assert_eq(n, 2, "and then the next one");
    struct store_info in;
    cr_assert_eq(store_info(ro, &in), 0);
    cr_assert_eq(in.srid, 9215);
    store_close(ro);

    /* and with no writer around (the WAL files are gone after the last close) */
    store_close(st);
    st = NULL;
    ro = store_open(dir, STORE_READ, NULL, &err);
    cr_assert(ro, "%s", buf_cstr(&err));
    cr_assert_eq(store_count(ro, "parcels", &n), 0, "%s", store_errmsg(ro));
    cr_assert_eq(n, 2);
    store_close(ro);
    buf_free(&err);
    buf_free(&r.text);
}

/* ---- GeoPackage validity, as GDAL sees it ---- */

/* Run a command, capturing stdout and stderr; -1 when it cannot run. */
static int run_cmd(const char *cmd, struct buf *out)
{
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(out, chunk, n);
    int status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(store, geopackage_valid_for_gdal)
{
    if (system("ogrinfo --version >/dev/null 2>&1") != 0) {
        cr_skip_test("ogrinfo not installed");
    }
    add_communes();
    put("06022", "06001", "1", "1", "w7abc0000001", 0, 0, 10, 10, STORE_INSERTED);
    put("06022", "06001", "1", "2", "w7abc0000002", 10, 0, 20, 10, STORE_INSERTED);
    put("06022", "06001", "1", "3", "w7abc0000003", 20, 0, 30, 10, STORE_INSERTED);
    cr_assert_eq(store_parcel_retire(st, 3, NULL), 0);
    struct buf g = BUF_INIT;
    rect_wkb(&g, 0, 0, 50, 50);
    struct store_planning_zone z = {.land_use = "ODT", .plan = "QHSDĐ 2030",
                                    .wkb = (const uint8_t *)g.data, .wkb_len = g.len};
    cr_assert_gt(store_planning_put(st, &z), 0);
    cr_assert_eq(store_optimize(st), 0, "%s", store_errmsg(st));
    store_close(st);
    st = NULL;

    struct buf cmd = BUF_INIT, out = BUF_INIT;
    static const struct {
        const char *id, *args;
        const char *want[5];
    } cases[] = {
        {"layers",
         "-so",
         {"1: parcels\n", "2: communes\n", "3: planning_zones\n", "5: land_use_codes (None)"}},
        {"parcels", "-so parcels", {"Feature Count: 2", "VN-2000", "Extent: (0.0", NULL}},
        {"communes", "-so communes", {"Feature Count: 2", "code: String", NULL}},
        {"planning", "-so planning_zones", {"Feature Count: 1", NULL}},
        {"rtree", "-sql \"SELECT HasSpatialIndex('parcels', 'geom')\"", {"= 1", NULL}},
        {"rtree-communes", "-sql \"SELECT HasSpatialIndex('communes', 'geom')\"", {"= 1", NULL}},
        {"features", "-q parcels -fid 2", {"POLYGON ((10 0,20 0,20 10,10 10,10 0))",
                                           "national_id (String) = w7abc0000002", NULL}},
    };
    for (size_t i = 0; i < N(cases); i++) {
        buf_reset(&cmd);
        buf_reset(&out);
        buf_appendf(&cmd, "ogrinfo %s/land.gpkg %s 2>&1", dir, cases[i].args);
        int rc = run_cmd(cmd.data, &out);
        cr_assert_eq(rc, 0, "%s: exit %d\n%s", cases[i].id, rc, buf_cstr(&out));
        cr_assert_null(strstr(buf_cstr(&out), "Warning"), "%s:\n%s", cases[i].id, out.data);
        cr_assert_null(strstr(buf_cstr(&out), "ERROR"), "%s:\n%s", cases[i].id, out.data);
        for (int k = 0; cases[i].want[k]; k++)
            cr_assert(strstr(buf_cstr(&out), cases[i].want[k]), "%s: no \"%s\" in\n%s",
                      cases[i].id, cases[i].want[k], out.data);
    }
    /* GDAL's own GeoPackage validator, where python3-gdal is installed */
    static const char *const validator[] = {
        "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py",
        "/usr/share/doc/python3-gdal/examples/validate_gpkg.py"};
    for (size_t i = 0; i < N(validator); i++) {
        if (access(validator[i], R_OK) != 0)
            continue;
        buf_reset(&cmd);
        buf_reset(&out);
        buf_appendf(&cmd, "/usr/bin/python3 %s %s/land.gpkg 2>&1", validator[i], dir);
        int rc = run_cmd(cmd.data, &out);
        cr_assert_eq(rc, 0, "validate_gpkg.py: exit %d\n%s", rc, buf_cstr(&out));
        break;
    }
    buf_free(&cmd);
    buf_free(&out);
    buf_free(&g);
}

/* ---- bulk mode: big transactions defer the R*Trees to commit ---- */

/* Put parcels k0..k1-1 of a grid of 20 m squares, 100 a row, sheet 1. */
static void put_grid(int k0, int k1, const char *land_use)
{
    struct fixture f = {0};
    for (int k = k0; k < k1; k++) {
        char number[12], nid[16];
        snprintf(number, sizeof number, "%d", k + 1);
        snprintf(nid, sizeof nid, "w7%010d", k);
        double x = (k % 100) * 20.0, y = (k / 100) * 20.0;
        fixture_set(&f, "06022", "06022", "1", number, nid, x, y, x + 20, y + 20);
        f.p.land_use = land_use;
        int r = store_parcel_put(st, &f.p, NULL);
        cr_assert(r > 0, "%d: %d %s", k, r, store_errmsg(st));
    }
    fixture_free(&f);
}

/* The parcel found at the centre of grid cell k, 0 when none. */
static int64_t at_cell(int k)
{
    struct rows r = {0};
    double x = (k % 100) * 20.0 + 10 + MERC_DX, y = (k / 100) * 20.0 + 10;
    cr_assert_eq(store_parcels_at(st, x, y, 0, collect, &r), 0);
    int64_t id = r.n == 1 ? atoll(r.text.data) : 0;
    cr_assert(r.n <= 1);
    buf_free(&r.text);
    return id;
}

static int64_t in_cell(int k)
{
    struct rows r = {0};
    double x = (k % 100) * 20.0 + 10, y = (k / 100) * 20.0 + 10;
    double box[4] = {x, y, x, y};
    cr_assert_eq(store_parcels_in_box(st, box, 0, 10, collect, &r), 0);
    int64_t id = r.n == 1 ? atoll(r.text.data) : 0;
    buf_free(&r.text);
    return id;
}

/* rtreecheck() through the sqlite3 shell, where installed. */
static void check_trees(void)
{
    if (system("sqlite3 --version >/dev/null 2>&1") != 0)
        return;
    struct buf cmd = BUF_INIT, out = BUF_INIT;
    buf_appendf(&cmd,
                "sqlite3 %s/land.gpkg \"SELECT rtreecheck('rtree_parcels_geom'),"
                " rtreecheck('parcel_mercator_index'),"
                " (SELECT count(*) FROM sqlite_master WHERE type = 'trigger')\" 2>&1",
                dir);
    cr_assert_eq(run_cmd(cmd.data, &out), 0, "%s", buf_cstr(&out));
    cr_assert_str_eq(buf_cstr(&out), "ok|ok|18\n");
    buf_free(&cmd);
    buf_free(&out);
}

Test(store, bulk_mode)
{
    /* a first load: bulk after 2000 puts */
    cr_assert_eq(store_begin(st), 0);
    put_grid(0, 3000, "ODT");
    /* inside the bulk: change some, retire some */
    put_grid(2500, 2600, "CLN");
    for (int64_t id = 2901; id <= 2950; id++)
        cr_assert_eq(store_parcel_retire(st, id, NULL), 0);
    cr_assert_eq(store_commit(st), 0, "%s", store_errmsg(st));
    check_trees();
    static const struct {
        int cell;
        int64_t id;
    } cases[] = {/* before the switch, after it, updated in it, retired in it (0) */
                 {0, 1}, {1999, 2000}, {2000, 2001}, {2550, 2551}, {2900, 0}, {2949, 0},
                 {2950, 2951}, {2999, 3000}};
    for (size_t i = 0; i < N(cases); i++) {
        cr_assert_eq(at_cell(cases[i].cell), cases[i].id, "at cell %d", cases[i].cell);
        cr_assert_eq(in_cell(cases[i].cell), cases[i].id, "box cell %d", cases[i].cell);
    }
    cr_assert_eq(count("parcels"), 2950);
    cr_assert_eq(count("parcel_history"), 150);
    cr_assert_eq(count("parcel_mercator"), 2950);

    /* a second, smaller load into the same store: bulk again (3000 > 2000) */
    cr_assert_eq(store_begin(st), 0);
    put_grid(3000, 6000, "ODT");
    cr_assert_eq(store_commit(st), 0, "%s", store_errmsg(st));
    check_trees();
    cr_assert_eq(at_cell(0), 1);
    cr_assert_eq(at_cell(5999), 6000);

    /* a rolled-back bulk leaves the store and its triggers as they were */
    cr_assert_eq(store_begin(st), 0);
    put_grid(6000, 9000, "ODT");
    cr_assert_eq(store_rollback(st), 0);
    check_trees();
    cr_assert_eq(count("parcels"), 5950);
    /* and a single put after it is indexed at once (the triggers are back) */
    put_grid(6000, 6001, "ODT");
    cr_assert_gt(in_cell(6000), 0);
    cr_assert_gt(at_cell(6000), 0);
    check_trees();

    struct store_info in;
    cr_assert_eq(store_info(st, &in), 0);
    cr_assert_float_eq(in.bbox[2], 2000, 1e-6);
}

/* ---- bulk put rate ---- */

/* LIS_STORE_BENCH=N sets the number of parcels (default 20000). */
Test(store, bulk_put_rate, .timeout = 240)
{
    const char *env = getenv("LIS_STORE_BENCH");
    int n = env ? atoi(env) : 20000;
    int side = 1;
    while (side * side < n)
        side++;
    struct fixture f = {0};
    struct timespec t0, t1;
    char text[96];
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(store_begin(st), 0);
    for (int i = 0; i < n; i++) {
        char sheet[12], number[12], nid[16];
        snprintf(sheet, sizeof sheet, "%d", i / 1000 + 1);
        snprintf(number, sizeof number, "%d", i % 1000 + 1);
        snprintf(nid, sizeof nid, "w7%010d", i);
        double x = (double)(i % side) * 20, y = (double)(i / side) * 20;
        fixture_set(&f, "06022", "06001", sheet, number, nid, x, y, x + 20, y + 20);
        snprintf(text, sizeof text, "thon so %d xa dinh lap %s/%s %s", i % 97, sheet, number,
                 nid);
        f.p.search_text = text;
        int r = store_parcel_put(st, &f.p, NULL);
        cr_assert_eq(r, STORE_INSERTED, "%d: %s", i, store_errmsg(st));
    }
    struct timespec tc;
    clock_gettime(CLOCK_MONOTONIC, &tc);
    cr_assert_eq(store_commit(st), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "store: commit (index packing) %.2f s\n",
            (double)(t1.tv_sec - tc.tv_sec) + (double)(t1.tv_nsec - tc.tv_nsec) / 1e9);
    cr_assert_eq(count("parcels"), n);
    cr_log_info("put %d parcels in %.2f s: %.0f parcels/s", n, secs, n / secs);
    fprintf(stderr, "store: put %d parcels in %.2f s: %.0f parcels/s\n", n, secs, n / secs);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    int hits = 0;
    struct rows r = {0};
    for (int i = 0; i < 20000; i++) {
        int k = (int)(((unsigned)i * 2654435761u) % (unsigned)n);
        double x = (double)(k % side) * 20 + 7 + MERC_DX, y = (double)(k / side) * 20 + 3;
        rows_reset(&r);
        cr_assert_eq(store_parcels_at(st, x, y, 0, collect, &r), 0);
        hits += r.n;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_eq(hits, 20000);
    fprintf(stderr, "store: 20000 parcels_at in %.2f s: %.0f/s\n", secs, 20000 / secs);
    cr_assert_eq(store_optimize(st), 0, "%s", store_errmsg(st));
    buf_free(&r.text);
    fixture_free(&f);
}
