/* Unit tests for the portal section of store/ on SQLite: the cases every
 * backend runs (portal_cases.h), then what only SQLite has: portal.db beside
 * land.gpkg, attached by a connection's first portal call; the audit log's
 * refusal of updates and deletes in the file itself; read-only opens with
 * and without portal.db; the migration of a schema-1 store; portal writes
 * while another connection holds the land files' write lock.
 *
 * Every test works in a fresh store under a temporary directory. */
#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

#include "portal_cases.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[64];
static struct store *st;

static const char *const store_files[] = {"land.gpkg", "registry.db", "portal.db"};
static const char *const file_suffixes[] = {"", "-wal", "-shm", "-journal"};

/* DIR/name into b. */
static const char *path_in(struct buf *b, const char *name, const char *suffix)
{
    buf_reset(b);
    buf_appendf(b, "%s/%s%s", dir, name, suffix);
    return buf_cstr(b);
}

/* Remove portal.db (and its WAL files): a store as schema 1 had it. */
static void remove_portal_db(void)
{
    struct buf p = BUF_INIT;
    for (size_t i = 0; i < sizeof file_suffixes / sizeof file_suffixes[0]; i++)
        unlink(path_in(&p, "portal.db", file_suffixes[i]));
    buf_free(&p);
}

static struct store *open_dir(unsigned flags, struct buf *err)
{
    struct store_create_opts o = {.crs = "EPSG:9215", .province_code = "20",
                                  .province_name = "Lạng Sơn", .mountainous = true};
    buf_reset(err);
    return store_open(dir, flags, &o, err);
}

static void setup(void)
{
    setenv("LIS_NOW", "2025-07-01T08:00:00Z", 1);
    memcpy(dir, "/tmp/lis-test-portal-XXXXXX", 28);
    cr_assert(mkdtemp(dir));
    struct buf err = BUF_INIT;
    st = open_dir(STORE_CREATE, &err);
    cr_assert(st, "store_open: %s", buf_cstr(&err));
    buf_free(&err);
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
    if (getenv("LIS_TEST_KEEP")) {
        fprintf(stderr, "kept %s\n", dir);
        return;
    }
    struct buf p = BUF_INIT;
    for (size_t f = 0; f < sizeof store_files / sizeof store_files[0]; f++)
        for (size_t i = 0; i < sizeof file_suffixes / sizeof file_suffixes[0]; i++)
            unlink(path_in(&p, store_files[f], file_suffixes[i]));
    rmdir(dir);
    buf_free(&p);
}

TestSuite(portal, .init = setup, .fini = teardown);

/* ---- the cases every backend runs ---- */

Test(portal, user_create_get) { portal_case_user_create_get(st); }
Test(portal, user_update) { portal_case_user_update(st); }
Test(portal, user_close) { portal_case_user_close(st); }
Test(portal, plans) { portal_case_plans(st); }
Test(portal, sessions) { portal_case_sessions(st); }
Test(portal, throttle) { portal_case_throttle(st); }
Test(portal, audit) { portal_case_audit(st); }
Test(portal, parcel_registry) { portal_case_parcel_registry(st); }
Test(portal, users_search) { portal_case_users_search(st); }
Test(portal, plans_expire) { portal_case_plans_expire(st); }
Test(portal, upgrades) { portal_case_upgrades(st); }
Test(portal, inbox) { portal_case_inbox(st); }
Test(portal, watches) { portal_case_watches(st); }
Test(portal, codes) { portal_case_codes(st); }
Test(portal, tickets) { portal_case_tickets(st); }
Test(portal, disclosures) { portal_case_disclosures(st); }

/* ---- SQLite only ---- */

/* Run sql on db; SQLITE_OK or the error code, with its text in msg. */
static int raw_exec(sqlite3 *db, const char *sql, struct buf *msg)
{
    char *e = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &e);
    buf_reset(msg);
    buf_puts(msg, e ? e : "");
    sqlite3_free(e);
    return rc;
}

static int64_t raw_count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

Test(portal, audit_append_only_in_the_file)
{
    struct store_audit a = {0, 1000, 7, "user", "parcel.detailed", 0, 101, NULL};
    cr_assert_eq(store_audit_add(st, &a), 1, "%s", store_errmsg(st));
    struct buf p = BUF_INIT, msg = BUF_INIT;

    /* portal.db opened on its own, and attached as the store attaches it */
    static const struct {
        const char *id, *open, *attach, *table;
    } ways[] = {
        {"own", "portal.db", NULL, "audit"},
        {"attached", "land.gpkg", "portal.db", "portal.audit"},
    };
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
        sqlite3 *db = NULL;
        cr_assert_eq(sqlite3_open_v2(path_in(&p, ways[w].open, ""), &db, SQLITE_OPEN_READWRITE,
                                     NULL),
                     SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        if (ways[w].attach) {
            struct buf sql = BUF_INIT;
            buf_appendf(&sql, "ATTACH DATABASE '%s' AS portal", path_in(&p, ways[w].attach, ""));
            cr_assert_eq(raw_exec(db, buf_cstr(&sql), &msg), SQLITE_OK, "%s", buf_cstr(&msg));
            buf_free(&sql);
        }
        static const char *const verbs[] = {"UPDATE %s SET at = 0", "UPDATE %s SET reason = 'x'"
                                            " WHERE id = 1", "DELETE FROM %s",
                                            "DELETE FROM %s WHERE id = 1"};
        for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++) {
            struct buf sql = BUF_INIT;
            buf_appendf(&sql, verbs[v], ways[w].table);
            int rc = raw_exec(db, buf_cstr(&sql), &msg);
            cr_assert_eq(rc & 0xff, SQLITE_CONSTRAINT, "%s: %s: %d", ways[w].id, buf_cstr(&sql),
                         rc);
            cr_assert(strstr(buf_cstr(&msg), "append-only"), "%s", buf_cstr(&msg));
            buf_free(&sql);
        }
        buf_reset(&msg);
        buf_appendf(&msg, "SELECT count(*) FROM %s WHERE at = 1000 AND reason IS NULL",
                    ways[w].table);
        cr_assert_eq(raw_count(db, buf_cstr(&msg)), 1, "%s", ways[w].id);
        sqlite3_close(db);
    }
    /* and appending goes on */
    a.at = 1001;
    cr_assert_eq(store_audit_add(st, &a), 2, "%s", store_errmsg(st));
    buf_free(&p);
    buf_free(&msg);
}

static int nothing(void *ctx, const struct store_user *u)
{
    (void)u;
    ++*(int *)ctx;
    return 0;
}

Test(portal, read_only_opens)
{
    struct buf err = BUF_INIT, p = BUF_INIT;
    struct fixture f = {0};
    fixture_set(&f, "06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10);
    cr_assert_eq(store_parcel_put(st, &f.p, NULL), STORE_INSERTED, "%s", store_errmsg(st));
    fixture_free(&f);
    struct store_user u = pc_new_user("+84912000001", "Nguyễn Văn An");
    int64_t id = store_user_create(st, &u);
    cr_assert_gt(id, 0, "%s", store_errmsg(st));

    /* with portal.db: portal reads work, writes are refused */
    struct store *ro = open_dir(STORE_READ, &err);
    cr_assert(ro, "%s", buf_cstr(&err));
    int n = 0;
    cr_assert_eq(store_user_get(ro, id, nothing, &n), 0, "%s", store_errmsg(ro));
    cr_assert_eq(n, 1);
    u.phone = "+84912000002";
    cr_assert_eq(store_user_create(ro, &u), LIS_EINVAL);
    cr_assert(strstr(store_errmsg(ro), "read-only"), "%s", store_errmsg(ro));
    cr_assert_eq(store_audit_add(ro, &(struct store_audit){0, 1, 0, "system", "x", 0, 0, NULL}),
                 LIS_EINVAL);
    store_close(ro);

    /* without it: public reads as ever, portal calls fail clearly, and
     * nothing makes the file, not even a writable connection */
    store_close(st);
    st = NULL;
    remove_portal_db();
    for (int w = 0; w < 2; w++) {
        ro = open_dir(w ? STORE_WRITE : STORE_READ, &err);
        cr_assert(ro, "%s", buf_cstr(&err));
        int64_t parcels = 0;
        cr_assert_eq(store_count(ro, "parcels", &parcels), 0, "%s", store_errmsg(ro));
        cr_assert_eq(parcels, 1);
        cr_assert_eq(store_user_get(ro, id, nothing, &n), LIS_EUNAVAIL);
        cr_assert(strstr(store_errmsg(ro), "no portal.db"), "%s", store_errmsg(ro));
        cr_assert_eq(store_plans(ro, NULL, NULL), LIS_EUNAVAIL);
        store_close(ro);
        cr_assert_neq(access(path_in(&p, "portal.db", ""), F_OK), 0, "w = %d", w);
    }
    buf_free(&err);
    buf_free(&p);
}

/* A schema-1 store (no portal.db) is refused until migrated; the migration
 * makes portal.db with the seeded plans, and the land data stays. */
Test(portal, migrate_from_schema_1)
{
    struct buf err = BUF_INIT, p = BUF_INIT, msg = BUF_INIT;
    struct fixture f = {0};
    fixture_set(&f, "06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10);
    cr_assert_eq(store_parcel_put(st, &f.p, NULL), STORE_INSERTED, "%s", store_errmsg(st));
    fixture_free(&f);
    store_close(st);
    st = NULL;
    remove_portal_db();
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(path_in(&p, "land.gpkg", ""), &db), SQLITE_OK);
    cr_assert_eq(raw_exec(db, "UPDATE lis_meta SET value = '1' WHERE key = 'schema_version'",
                          &msg),
                 SQLITE_OK, "%s", buf_cstr(&msg));
    sqlite3_close(db);

    cr_assert_null(open_dir(STORE_READ, &err));
    cr_assert(strstr(buf_cstr(&err), "lis migrate"), "%s", buf_cstr(&err));
    cr_assert_null(open_dir(STORE_WRITE, &err));

    st = open_dir(STORE_MIGRATE, &err);
    cr_assert(st, "%s", buf_cstr(&err));
    cr_assert_eq(store_plans(st, NULL, NULL), LIS_EUNAVAIL, "no portal before the migration");
    int from = 0, to = 0;
    cr_assert_eq(store_migrate(st, &from, &to), 0, "%s", store_errmsg(st));
    cr_assert_eq(from, 1);
    cr_assert_eq(to, store_schema_version());
    cr_assert_eq(to, 2);
    struct pc_text t = {0};
    cr_assert_eq(store_plans(st, pc_plan, &t), 0, "%s", store_errmsg(st));
    cr_assert_eq(t.n, 3);
    store_close(st);

    /* an ordinary open now; the portal works, the parcel is there */
    st = open_dir(STORE_WRITE, &err);
    cr_assert(st, "%s", buf_cstr(&err));
    cr_assert_eq(store_migrate(st, &from, &to), 0);
    cr_assert(from == 2 && to == 2, "up to date: %d -> %d", from, to);
    int64_t n = 0;
    cr_assert_eq(store_count(st, "parcels", &n), 0);
    cr_assert_eq(n, 1);
    buf_free(&t.b);
    buf_free(&err);
    buf_free(&p);
    buf_free(&msg);
    portal_case_user_create_get(st);
}

/* An import's transaction holds land.gpkg and registry.db: the portal's
 * connection writes portal.db all the same, without waiting. */
Test(portal, writes_while_land_is_locked)
{
    struct buf err = BUF_INIT;
    cr_assert_eq(store_begin(st), 0, "%s", store_errmsg(st));
    struct fixture f = {0};
    fixture_set(&f, "06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10);
    cr_assert_eq(store_parcel_put(st, &f.p, NULL), STORE_INSERTED, "%s", store_errmsg(st));
    fixture_free(&f);

    /* opening the portal's connection waits for nothing either */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct store *portal = open_dir(STORE_WRITE, &err);
    cr_assert(portal, "%s", buf_cstr(&err));
    struct store_user u = pc_new_user("+84912000001", "Nguyễn Văn An");
    cr_assert_gt(store_user_create(portal, &u), 0, "%s", store_errmsg(portal));
    struct store_session ss = {.user_id = 1, .created_at = 1, .seen_at = 1, .expires_at = 9};
    pc_hash(ss.hash, 1, 1);
    cr_assert_eq(store_session_put(portal, &ss), 0, "%s", store_errmsg(portal));
    cr_assert_eq(store_session_touch(portal, ss.hash, 2), 0, "%s", store_errmsg(portal));
    cr_assert_gt(store_audit_add(portal, &(struct store_audit){0, 1, 1, "user", "x", 0, 0, NULL}),
                 0, "%s", store_errmsg(portal));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_assert_lt(secs, 2.0, "portal writes waited %.1f s for the land lock", secs);

    /* the importer's connection never opened portal.db: its first portal call
     * inside the transaction is refused rather than attaching there */
    cr_assert_eq(store_plans(st, NULL, NULL), LIS_EINVAL);
    cr_assert(strstr(store_errmsg(st), "outside"), "%s", store_errmsg(st));
    cr_assert_eq(store_commit(st), 0, "%s", store_errmsg(st));
    struct pc_text t = {0};
    cr_assert_eq(store_user_by_phone(st, "+84912000001", pc_user, &t), 0, "%s",
                 store_errmsg(st));
    cr_assert_eq(t.n, 1);
    store_close(portal);
    buf_free(&t.b);
    buf_free(&err);
}

/* A portal.db left without its land.gpkg is not overwritten by a new store. */
Test(portal, create_keeps_a_stray_portal_db)
{
    struct buf err = BUF_INIT, p = BUF_INIT;
    struct store_user u = pc_new_user("+84912000001", "Nguyễn Văn An");
    cr_assert_gt(store_user_create(st, &u), 0, "%s", store_errmsg(st));
    store_close(st);
    st = NULL;
    for (size_t i = 0; i < sizeof file_suffixes / sizeof file_suffixes[0]; i++) {
        unlink(path_in(&p, "land.gpkg", file_suffixes[i]));
        unlink(path_in(&p, "registry.db", file_suffixes[i]));
    }
    cr_assert_null(open_dir(STORE_CREATE, &err));
    cr_assert(strstr(buf_cstr(&err), "portal.db exists"), "%s", buf_cstr(&err));
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open_v2(path_in(&p, "portal.db", ""), &db, SQLITE_OPEN_READONLY, NULL),
                 SQLITE_OK);
    cr_assert_eq(raw_count(db, "SELECT count(*) FROM users"), 1);
    sqlite3_close(db);
    cr_assert_neq(access(path_in(&p, "land.gpkg", ""), F_OK), 0);
    buf_free(&err);
    buf_free(&p);
}
