/* Unit tests for store/ on the PostgreSQL backend: the rules SQLite keeps,
 * kept here too (versions, retirement, ids never reused, uniqueness,
 * transactions, search semantics, numeric key order, the change log,
 * migrations), the portal's (the cases of portal_cases.h, shared with
 * test_portal.c on SQLite; the audit log refusing changes; errors that
 * quote no personal value), and failures as the API needs them (an unreachable server is
 * LIS_EUNAVAIL, at once).
 *
 * LIS_TEST_PG_URL=postgres://user@host:port/ names a server on which the
 * tests may create databases (tests/pg/run.sh starts one); without it every
 * test is skipped. Each test gets a fresh database. */
#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

#include "portal_cases.h"
#include "store_fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct store *st;
static char url[512];

/* A fresh database on the test server, through psql (tests do not link libpq). */
static void setup(void)
{
    const char *base = getenv("LIS_TEST_PG_URL");
    if (!base || !*base)
        cr_skip_test("LIS_TEST_PG_URL not set");
    setenv("LIS_NOW", "2025-07-01T08:00:00Z", 1);
    char name[64], cmd[1024];
    snprintf(name, sizeof name, "lis_unit_%d_%ld", (int)getpid(), (long)time(NULL) % 100000);
    snprintf(cmd, sizeof cmd,
             "psql '%spostgres' -qAtX -c 'DROP DATABASE IF EXISTS %s' -c 'CREATE DATABASE %s'"
             " >/dev/null 2>&1",
             base, name, name);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    snprintf(url, sizeof url, "%s%s", base, name);
    struct store_create_opts o = {.crs = "EPSG:9215", .province_code = "20",
                                  .province_name = "Lạng Sơn", .mountainous = true};
    struct buf err = BUF_INIT;
    st = store_open(url, STORE_CREATE, &o, &err);
    cr_assert(st, "store_open %s: %s", url, buf_cstr(&err));
    buf_free(&err);
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
}

TestSuite(store_pg, .init = setup, .fini = teardown);

static int collect_history(void *ctx, const struct store_parcel *p)
{
    struct rows *r = ctx;
    if (r->text.len)
        buf_putc(&r->text, ' ');
    buf_appendf(&r->text, "v%d:%s:%s:%s..%s", p->version, p->land_use, p->wkb ? "g" : "-",
                p->valid_from, p->valid_to ? p->valid_to : "");
    r->n++;
    return 0;
}

Test(store_pg, created_info)
{
    struct store_info info;
    cr_assert_eq(store_info(st, &info), 0, "%s", store_errmsg(st));
    cr_assert_str_eq(info.crs, "EPSG:9215");
    cr_assert_eq(info.srid, 9215);
    cr_assert_str_eq(info.province_name, "Lạng Sơn");
    cr_assert_eq(info.parcels, 0);
    int64_t n = 0;
    cr_assert_eq(store_count(st, "land_use_codes", &n), 0);
    cr_assert_gt(n, 30);
    cr_assert_eq(store_count(st, "nonsense", &n), LIS_EINVAL);
}

Test(store_pg, versions_retire_ids)
{
    struct fixture f = {0};
    struct rows r = {0};
    int64_t id = 0, id2 = 0;
    fixture_set(&f, "06022", "06022", "12", "345", "w7abc0000001", 0, 0, 10, 10);
    cr_assert_eq(store_parcel_put(st, &f.p, &id), STORE_INSERTED, "%s", store_errmsg(st));
    cr_assert_eq(store_parcel_put(st, &f.p, &id2), STORE_UNCHANGED, "%s", store_errmsg(st));
    cr_assert_eq(id2, id);
    f.p.land_use = "CLN";
    f.p.valid_from = "2025-08-01T00:00:00Z";
    f.p.national_id[0] = '\0'; /* kept from version 1 */
    cr_assert_eq(store_parcel_put(st, &f.p, &id2), STORE_UPDATED, "%s", store_errmsg(st));
    cr_assert_eq(id2, id);
    cr_assert_eq(store_parcel_history(st, id, STORE_WANT_GEOM, collect_history, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text),
                     "v1:ODT:g:2025-07-01T08:00:00Z..2025-08-01T00:00:00Z "
                     "v2:CLN:g:2025-08-01T00:00:00Z..");
    /* retire: gone from the current parcels, kept in the history */
    cr_assert_eq(store_parcel_retire(st, id, "2025-09-01T00:00:00Z"), 0, "%s", store_errmsg(st));
    rows_reset(&r);
    cr_assert_eq(store_parcel_get(st, id, 0, collect, &r), LIS_ENOTFOUND);
    cr_assert_eq(store_parcel_retire(st, id, NULL), LIS_ENOTFOUND);
    cr_assert_eq(store_parcel_history(st, id, 0, collect_history, &r), 0);
    cr_assert_eq(r.n, 2);
    /* its id is never given again, asked for or not; its key is free again */
    struct fixture g = {0};
    fixture_set(&g, "06022", "06022", "12", "345", "w7abc0000002", 0, 0, 10, 10);
    g.p.id = id;
    cr_assert_eq(store_parcel_put(st, &g.p, NULL), LIS_ECONFLICT);
    g.p.id = 0;
    int64_t id3 = 0;
    cr_assert_eq(store_parcel_put(st, &g.p, &id3), STORE_INSERTED, "%s", store_errmsg(st));
    cr_assert_gt(id3, id);
    /* an id given explicitly moves the sequence past it */
    struct fixture h = {0};
    fixture_set(&h, "06022", "06022", "12", "346", "w7abc0000003", 20, 0, 30, 10);
    h.p.id = 100;
    cr_assert_eq(store_parcel_put(st, &h.p, &id2), STORE_INSERTED, "%s", store_errmsg(st));
    cr_assert_eq(id2, 100);
    fixture_set(&h, "06022", "06022", "12", "347", "w7abc0000004", 40, 0, 50, 10);
    cr_assert_eq(store_parcel_put(st, &h.p, &id2), STORE_INSERTED);
    cr_assert_eq(id2, 101);
    fixture_free(&f);
    fixture_free(&g);
    fixture_free(&h);
    buf_free(&r.text);
}

Test(store_pg, uniqueness_and_transactions)
{
    struct fixture f = {0}, g = {0};
    fixture_set(&f, "06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10);
    /* same national id */
    fixture_set(&g, "06022", "06022", "1", "2", "w7abc0000001", 20, 0, 30, 10);
    cr_assert_eq(store_parcel_put(st, &f.p, NULL), STORE_INSERTED);
    cr_assert_eq(store_parcel_put(st, &g.p, NULL), LIS_ECONFLICT);
    /* the store stays usable after a refused write */
    struct store_info info;
    cr_assert_eq(store_info(st, &info), 0, "%s", store_errmsg(st));
    cr_assert_eq(info.parcels, 1);
    /* a rolled-back transaction leaves nothing, registry rows included */
    cr_assert_eq(store_begin(st), 0);
    snprintf(g.p.national_id, sizeof g.p.national_id, "w7abc0000002");
    cr_assert_eq(store_parcel_put(st, &g.p, NULL), STORE_INSERTED);
    struct store_event e = {.parcel_id = 1, .kind = "registration", .date = "2020-01-01"};
    for (int i = 0; i < 3000; i++) /* more than one pipeline batch */
        cr_assert_eq(store_event_put(st, &e), 0, "%s", store_errmsg(st));
    cr_assert_eq(store_rollback(st), 0);
    int64_t n = -1;
    cr_assert_eq(store_count(st, "parcels", &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(store_count(st, "events", &n), 0);
    cr_assert_eq(n, 0);
    /* a committed one keeps everything, and a failed write in it fails the commit */
    cr_assert_eq(store_begin(st), 0);
    for (int i = 0; i < 1500; i++)
        cr_assert_eq(store_event_put(st, &e), 0);
    cr_assert_eq(store_commit(st), 0, "%s", store_errmsg(st));
    cr_assert_eq(store_count(st, "events", &n), 0);
    cr_assert_eq(n, 1500);
    cr_assert_eq(store_begin(st), 0);
    struct store_event bad = {.parcel_id = 1, .kind = "x", .date = "2020-01-01"};
    struct store_holder h = {.id = 7, .kind = "individual", .name = "Nguyễn Văn An"};
    cr_assert_eq(store_holder_put(st, &h), 7);
    cr_assert_eq(store_holder_put(st, &h), 7); /* duplicate id: fails, but later */
    cr_assert_eq(store_event_put(st, &bad), 0);
    cr_assert_lt(store_commit(st), 0);
    cr_assert_eq(store_count(st, "holders", &n), 0, "%s", store_errmsg(st));
    cr_assert_eq(n, 0);
    fixture_free(&f);
    fixture_free(&g);
}

Test(store_pg, search_prefix_words)
{
    static const char *const text[] = {"thon ban chu xa dinh lap 12/345",
                                        "khoi 5 phuong dong kinh nguyen van an",
                                        "thon na lang xa dinh lap"};
    for (size_t i = 0; i < N(text); i++) {
        struct fixture f = {0};
        char nid[16], num[8];
        snprintf(nid, sizeof nid, "w7abc00000%02zu", i);
        snprintf(num, sizeof num, "%zu", i + 1);
        fixture_set(&f, "06022", "06022", "12", num, nid, (double)i * 10, 0, (double)i * 10 + 10,
                    10);
        f.p.search_text = text[i];
        cr_assert_eq(store_parcel_put(st, &f.p, NULL), STORE_INSERTED, "%s", store_errmsg(st));
        fixture_free(&f);
    }
    static const struct {
        const char *id, *q;
        int64_t after;
        const char *expect;
    } cases[] = {
        {"two-words", "dinh lap", 0, "1:12/1:v1 3:12/3:v1"},
        {"prefixes", "din la", 0, "1:12/1:v1 3:12/3:v1"},
        {"not-infix", "inh", 0, ""},
        {"all-words-needed", "dinh kinh", 0, ""},
        {"after", "dinh", 1, "3:12/3:v1"},
        {"sheet-number", "12/345", 0, "1:12/1:v1"},
        {"number-token", "345", 0, "1:12/1:v1"},
        {"name", "nguyen an", 0, "2:12/2:v1"},
        {"upper-case", "DINH Lap", 0, "1:12/1:v1 3:12/3:v1"},
        {"syntax-is-text", "dinh | kinh", 0, ""},
        {"quote", "'dinh", 0, "1:12/1:v1 3:12/3:v1"},
        {"tsquery-chars", "dinh:* & !lap", 0, "1:12/1:v1 3:12/3:v1"},
        {"only-punct", "- * \" ' \\", 0, ""},
        {"empty", "", 0, ""},
    };
    struct rows r = {0};
    for (size_t i = 0; i < N(cases); i++) {
        rows_reset(&r);
        cr_assert_eq(store_parcels_search(st, cases[i].q, cases[i].after, 10, 0, collect, &r), 0,
                     "%s: %s", cases[i].id, store_errmsg(st));
        cr_assert_str_eq(buf_cstr(&r.text), cases[i].expect, "%s", cases[i].id);
    }
    buf_free(&r.text);
}

Test(store_pg, key_order_and_points)
{
    static const char *const sheets[] = {"10", "2", "10a", "b", "1"};
    for (size_t i = 0; i < N(sheets); i++) {
        struct fixture f = {0};
        char nid[16];
        snprintf(nid, sizeof nid, "w7abc00000%02zu", i);
        fixture_set(&f, "06022", "06022", sheets[i], "1", nid, (double)i * 10, 0,
                    (double)i * 10 + 10, 10);
        cr_assert_eq(store_parcel_put(st, &f.p, NULL), STORE_INSERTED);
        fixture_free(&f);
    }
    struct rows r = {0};
    cr_assert_eq(store_parcels_by_key(st, "06022", NULL, NULL, 0, 10, collect, &r), 0, "%s",
                 store_errmsg(st));
    /* as SQLite's CAST(sheet AS INTEGER), then text: "b" is 0 */
    cr_assert_str_eq(buf_cstr(&r.text), "4:b/1:v1 5:1/1:v1 2:2/1:v1 1:10/1:v1 3:10a/1:v1");
    /* a point on the shared edge of parcels 1 and 2 (x = 10): both */
    rows_reset(&r);
    cr_assert_eq(store_parcels_at(st, 10 + MERC_DX, 5, 0, collect, &r), 0);
    cr_assert_eq(r.n, 2, "%s", buf_cstr(&r.text));
    rows_reset(&r);
    cr_assert_eq(store_parcels_at(st, 5 + MERC_DX, 5, STORE_WANT_MERCATOR, collect, &r), 0);
    cr_assert_str_eq(buf_cstr(&r.text), "1:10/1:v1");
    rows_reset(&r);
    cr_assert_eq(store_parcels_at(st, 5, 5, 0, collect, &r), 0); /* native, not Mercator */
    cr_assert_eq(r.n, 0);
    buf_free(&r.text);
}

static int count_changes(void *ctx, const struct store_change *c)
{
    int *n = ctx;
    (*n)++;
    cr_assert(c->anywhere || c->box[0] >= MERC_DX, "boxes are Web-Mercator");
    return 0;
}

Test(store_pg, change_log_and_migrate)
{
    struct store_info a, b;
    cr_assert_eq(store_info(st, &a), 0);
    struct fixture f = {0};
    fixture_set(&f, "06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10);
    cr_assert_eq(store_parcel_put(st, &f.p, NULL), STORE_INSERTED);
    cr_assert_eq(store_info(st, &b), 0);
    cr_assert_gt(b.change_seq, a.change_seq);
    cr_assert_eq(b.parcels, 1);
    cr_assert_float_eq(b.bbox[2], 10.0, 1e-9);
    int n = 0;
    cr_assert_eq(store_changes_since(st, a.change_seq, 100, count_changes, &n), 0);
    cr_assert_eq(n, 1);
    int from = 0, to = 0;
    cr_assert_eq(store_migrate(st, &from, &to), 0, "%s", store_errmsg(st));
    cr_assert_eq(from, store_schema_version());
    cr_assert_eq(to, store_schema_version());
    fixture_free(&f);
}

/* The portal's cases, as SQLite runs them (test_portal.c). */
Test(store_pg, portal_user_create_get) { portal_case_user_create_get(st); }
Test(store_pg, portal_user_update) { portal_case_user_update(st); }
Test(store_pg, portal_user_close) { portal_case_user_close(st); }
Test(store_pg, portal_plans) { portal_case_plans(st); }
Test(store_pg, portal_sessions) { portal_case_sessions(st); }
Test(store_pg, portal_throttle) { portal_case_throttle(st); }
Test(store_pg, portal_audit) { portal_case_audit(st); }
Test(store_pg, portal_parcel_registry) { portal_case_parcel_registry(st); }
Test(store_pg, portal_users_search) { portal_case_users_search(st); }
Test(store_pg, portal_plans_expire) { portal_case_plans_expire(st); }
Test(store_pg, portal_upgrades) { portal_case_upgrades(st); }
Test(store_pg, portal_inbox) { portal_case_inbox(st); }
Test(store_pg, portal_watches) { portal_case_watches(st); }
Test(store_pg, portal_codes) { portal_case_codes(st); }
Test(store_pg, portal_tickets) { portal_case_tickets(st); }
Test(store_pg, portal_disclosures) { portal_case_disclosures(st); }

/* Run SQL on the test database through psql; returns psql's exit status
 * (0: the statement ran, 1: PostgreSQL refused it). */
static int psql(const char *sql)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "psql '%s' -qAtX -v ON_ERROR_STOP=1 -c \"%s\" >/dev/null 2>&1",
             url, sql);
    int r = system(cmd);
    return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

Test(store_pg, audit_append_only)
{
    struct store_audit a = {.at = 1751356800, .actor = 7, .actor_role = "user",
                            .action = "parcel.detailed", .object = 42};
    int64_t id = store_audit_add(st, &a);
    cr_assert_gt(id, 0, "%s", store_errmsg(st));
    cr_assert_gt(store_audit_add(st, &a), id);
    /* the trigger refuses every change but an insert, whoever asks */
    static const char *const refused[] = {
        "UPDATE portal.audit SET reason = 'x'",
        "UPDATE portal.audit SET actor = 0 WHERE false", /* statement level: even no rows */
        "DELETE FROM portal.audit",
        "DELETE FROM portal.audit WHERE id = 1",
        "TRUNCATE portal.audit",
    };
    for (size_t i = 0; i < N(refused); i++)
        cr_assert_eq(psql(refused[i]), 1, "%s was allowed", refused[i]);
    cr_assert_eq(psql("INSERT INTO portal.audit(at, actor, actor_role, action)"
                      " VALUES (1, 0, 'system', 'test.insert')"),
                 0, "an insert is refused");
    int64_t n = 0;
    bool seen = false;
    cr_assert_eq(store_audit_distinct(st, 7, "parcel.detailed", 0, 42, &n, &seen), 0);
    cr_assert_eq(n, 1);
    cr_assert(seen);
}

static int keep_user(void *ctx, const struct store_user *u)
{
    *(int64_t *)ctx = u->id;
    return 0;
}

/* PostgreSQL's own error text quotes the key or row that failed (DETAIL):
 * the store's message must not, since callers log it. */
Test(store_pg, conflict_hides_personal_values)
{
    struct store_user u = {.phone = "+84912345678", .name = "Nguyễn Văn An", .role = "user",
                           .plan = "free", .pw_hash = "$argon2id$v=19$secret-hash",
                           .created_at = 1751356800, .updated_at = 1751356800};
    int64_t id = store_user_create(st, &u);
    cr_assert_gt(id, 0, "%s", store_errmsg(st));
    cr_assert_eq(store_user_create(st, &u), LIS_ECONFLICT, "%s", store_errmsg(st));
    cr_assert_null(strstr(store_errmsg(st), "912345678"), "%s", store_errmsg(st));
    /* a check constraint quotes the whole row, password hash included */
    struct store_user bad = u;
    bad.phone = "+84987654321";
    cr_assert_gt(store_user_create(st, &bad), id);
    bad.id = id;
    bad.role = "root";
    cr_assert_lt(store_user_update(st, &bad, STORE_USER_ROLE), 0); /* refused before SQL */
    cr_assert_eq(psql("ALTER TABLE portal.users ADD CONSTRAINT name_short"
                      " CHECK (char_length(name) < 20)"),
                 0);
    bad.name = "Nguyễn Văn An Nguyễn Văn An";
    cr_assert_eq(store_user_update(st, &bad, STORE_USER_NAME), LIS_ECONFLICT);
    cr_assert_null(strstr(store_errmsg(st), "secret-hash"), "%s", store_errmsg(st));
    cr_assert_null(strstr(store_errmsg(st), "912345678"), "%s", store_errmsg(st));
    /* the refused writes left the store usable */
    int64_t got = 0;
    cr_assert_eq(store_user_by_phone(st, "+84912345678", keep_user, &got), 0, "%s",
                 store_errmsg(st));
    cr_assert_eq(got, id);
}

/* A store made before the portal (schema 1) gets it from store_migrate. */
Test(store_pg, migrate_adds_portal)
{
    store_close(st);
    st = NULL;
    cr_assert_eq(psql("DROP SCHEMA portal CASCADE; CREATE SCHEMA portal;"
                      " UPDATE land.meta SET value = '1' WHERE key = 'schema_version'"),
                 0);
    struct buf err = BUF_INIT;
    cr_assert_null(store_open(url, STORE_WRITE, NULL, &err));
    cr_assert(strstr(buf_cstr(&err), "lis migrate"), "%s", buf_cstr(&err));
    buf_reset(&err);
    st = store_open(url, STORE_MIGRATE, NULL, &err);
    cr_assert(st, "%s", buf_cstr(&err));
    int from = 0, to = 0;
    cr_assert_eq(store_migrate(st, &from, &to), 0, "%s", store_errmsg(st));
    cr_assert_eq(from, 1);
    cr_assert_eq(to, store_schema_version());
    store_close(st);
    st = store_open(url, STORE_WRITE, NULL, &err);
    cr_assert(st, "%s", buf_cstr(&err));
    buf_free(&err);
    struct store_audit a = {.at = 1, .actor_role = "system", .action = "user.role"};
    cr_assert_gt(store_audit_add(st, &a), 0, "%s", store_errmsg(st));
    cr_assert_eq(psql("DELETE FROM portal.audit"), 1, "the migrated log is append-only too");
}

Test(store_pg, unreachable_is_unavailable)
{
    /* a closed port: refused at once, and said so in the vocabulary of the API */
    struct buf err = BUF_INIT;
    struct store *s = store_open("postgres://postgres@127.0.0.1:1/none", STORE_READ, NULL, &err);
    cr_assert_null(s);
    cr_assert(strstr(buf_cstr(&err), "cannot connect"), "%s", buf_cstr(&err));
    buf_free(&err);
    /* a database without a store */
    const char *base = getenv("LIS_TEST_PG_URL");
    char u[600];
    snprintf(u, sizeof u, "%spostgres", base);
    s = store_open(u, STORE_READ, NULL, &err);
    cr_assert_null(s);
    cr_assert(strstr(buf_cstr(&err), "no LIS store"), "%s", buf_cstr(&err));
    buf_free(&err);
}
