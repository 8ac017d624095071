/* admin — `lis migrate` and `lis copy` (see admin.h). */
#include "store/admin.h"

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/mem.h"
#include "geo/geo.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define COPY_PAGE 2000 /* parcels read per page */

/* ---------------------------------------------------------------- migrate */

static void migrate_usage(FILE *f)
{
    fprintf(f, "usage: lis migrate [--data LOCATION] [--config FILE]\n\n"
               "Bring a store's schema up to this lis (schema version %d): apply the versions\n"
               "it lacks, each in a transaction. A store newer than this lis is refused.\n"
               "LOCATION is a directory (SQLite) or postgres://user@host:port/db; default: the\n"
               "'data' setting.\n",
               store_schema_version());
}

int store_migrate_cmd(int argc, char **argv)
{
    struct config *cfg = config_new();
    struct buf err = BUF_INIT;
    struct store *s = NULL;
    const char *data = NULL, *config_path = NULL;
    int code = 1, from = 0, to = 0, rc;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            migrate_usage(stdout);
            code = 0;
            goto out;
        } else if ((v = config_flag(argc, argv, &i, "--data"))) {
            data = v;
        } else if ((v = config_flag(argc, argv, &i, "--config"))) {
            config_path = v;
        } else {
            fprintf(stderr, "lis migrate: unknown argument '%s'\n\n", argv[i]);
            migrate_usage(stderr);
            code = 2;
            goto out;
        }
    }
    if (config_load_defaults(cfg, config_path, &err) != 0)
        goto fail;
    if (!data)
        data = config_get(cfg, "data");
    if (!(s = store_open(data, STORE_MIGRATE, NULL, &err)))
        goto fail;
    if ((rc = store_migrate(s, &from, &to)) < 0) {
        buf_appendf(&err, "%s: %s", data, store_errmsg(s));
        goto fail;
    }
    if (from == to)
        printf("%s: schema version %d, up to date\n", data, to);
    else
        printf("%s: schema version %d -> %d\n", data, from, to);
    code = 0;
    goto out;
fail:
    fprintf(stderr, "lis migrate: %s\n", buf_cstr(&err));
out:
    store_close(s);
    config_free(cfg);
    buf_free(&err);
    return code;
}

/* ------------------------------------------------------------------- copy */

struct copy {
    struct store *from, *to;
    struct geo *geo;
    struct buf merc;       /* scratch: a retired version's Web-Mercator copy */
    int64_t last_id;       /* the last parcel id read */
    bool pending;          /* last_id's last version so far is retired ... */
    char pending_to[40];   /* ... at this time: retire it unless a later version follows */
    int64_t versions, rows;
    int rc;                /* first failure */
    const char *what;      /* what failed */
};

static int failed(struct copy *c, int rc, const char *what)
{
    if (c->rc == 0) {
        c->rc = rc;
        c->what = what;
    }
    return rc;
}

static int on_commune(void *ctx, const struct store_commune *cm)
{
    struct copy *c = ctx;
    int rc = store_commune_put(c->to, cm);
    return rc < 0 ? failed(c, rc, "communes") : 0;
}

static int on_survey(void *ctx, const struct store_survey_commune *sc)
{
    struct copy *c = ctx;
    int rc = store_survey_commune_put(c->to, sc);
    return rc < 0 ? failed(c, rc, "survey communes") : 0;
}

static int on_zone(void *ctx, const struct store_planning_zone *z)
{
    struct copy *c = ctx;
    int64_t rc = store_planning_put(c->to, z);
    c->last_id = z->id;
    c->rows++;
    return rc < 0 ? failed(c, (int)rc, "planning zones") : 0;
}

/* A retired parcel whose last version was seen: retire it in the copy too. */
static int flush_retire(struct copy *c)
{
    if (!c->pending)
        return 0;
    c->pending = false;
    int rc = store_parcel_retire(c->to, c->last_id, c->pending_to);
    return rc < 0 ? failed(c, rc, "retiring a parcel") : 0;
}

/* Versions arrive oldest first per parcel: each is put again (the target
 * moves the previous one to its history with valid_to = this one's
 * valid_from, as the source did), and a parcel whose last version is retired
 * is retired at that version's valid_to. */
static int on_version(void *ctx, const struct store_parcel *p)
{
    struct copy *c = ctx;
    int rc;
    if (p->id != c->last_id && (rc = flush_retire(c)) < 0)
        return rc;
    c->pending = false; /* a later version follows: the earlier one was superseded */
    struct store_parcel w = *p;
    w.valid_to = NULL;
    if (p->valid_to) { /* the source keeps no Web-Mercator copy of old versions */
        buf_reset(&c->merc);
        if (geo_wkb_transform(c->geo, GEO_NATIVE, GEO_MERCATOR, p->wkb, p->wkb_len, &c->merc) !=
            0)
            return failed(c, LIS_EINVAL, "transforming an old version to Web Mercator");
        w.wkb_mercator = (const uint8_t *)c->merc.data;
        w.wkb_mercator_len = c->merc.len;
        w.search_text = NULL;
    }
    int64_t id = 0;
    rc = store_parcel_put(c->to, &w, &id);
    bool first = p->id != c->last_id;
    if (rc < 0)
        return failed(c, rc, "parcels");
    if (rc != (first ? STORE_INSERTED : STORE_UPDATED) || id != p->id)
        return failed(c, LIS_ECONFLICT, "a parcel version did not land as in the source");
    c->last_id = p->id;
    c->versions++;
    if (p->valid_to) {
        c->pending = true;
        snprintf(c->pending_to, sizeof c->pending_to, "%s", p->valid_to);
    }
    return 0;
}

static int on_holder(void *ctx, const struct store_holder *h)
{
    struct copy *c = ctx;
    int64_t rc = store_holder_put(c->to, h);
    return rc < 0 ? failed(c, (int)rc, "holders") : 0;
}

static int on_right(void *ctx, const struct store_right *r)
{
    struct copy *c = ctx;
    int rc = store_right_put(c->to, r);
    return rc < 0 ? failed(c, rc, "rights") : 0;
}

static int on_certificate(void *ctx, const struct store_certificate *cert)
{
    struct copy *c = ctx;
    int rc = store_certificate_put(c->to, cert);
    return rc < 0 ? failed(c, rc, "certificates") : 0;
}

static int on_restriction(void *ctx, const struct store_restriction *r)
{
    struct copy *c = ctx;
    int rc = store_restriction_put(c->to, r);
    return rc < 0 ? failed(c, rc, "restrictions") : 0;
}

static int on_event(void *ctx, const struct store_event *e)
{
    struct copy *c = ctx;
    int rc = store_event_put(c->to, e);
    return rc < 0 ? failed(c, rc, "events") : 0;
}

/* Count every table on both sides; prints them, returns the number that differ. */
static int compare_counts(struct copy *c, struct buf *err)
{
    static const char *const tables[] = {
        "parcels", "parcel_history", "parcel_search", "communes", "survey_communes",
        "planning_zones", "land_use_codes", "holders", "rights", "certificates",
        "restrictions", "events"};
    int bad = 0;
    printf("  %-16s %12s %12s\n", "table", "source", "copy");
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        int64_t a = -1, b = -1;
        if (store_count(c->from, tables[i], &a) < 0 || store_count(c->to, tables[i], &b) < 0) {
            buf_appendf(err, "counting %s: %s / %s", tables[i], store_errmsg(c->from),
                        store_errmsg(c->to));
            return -1;
        }
        printf("  %-16s %12" PRId64 " %12" PRId64 "%s\n", tables[i], a, b,
               a == b ? "" : "  DIFFERS");
        bad += a != b;
    }
    return bad;
}

static void copy_usage(FILE *f)
{
    fprintf(f, "usage: lis copy --from LOCATION --to LOCATION\n\n"
               "Copy a whole store: every parcel version (history and retired parcels included,\n"
               "with their ids), communes, communes of survey, planning zones and the registry;\n"
               "then compare the counts of every table. The target must not hold a store yet, or\n"
               "hold an empty one. A LOCATION is a directory (SQLite) or\n"
               "postgres://user@host:port/db (PostgreSQL + PostGIS).\n");
}

int store_copy_cmd(int argc, char **argv)
{
    struct buf err = BUF_INIT, wkt = BUF_INIT;
    struct copy c = {0};
    const char *from = NULL, *to = NULL;
    struct store_info info, tinfo;
    bool in_txn = false;
    int code = 1, rc;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            copy_usage(stdout);
            code = 0;
            goto out;
        } else if ((v = config_flag(argc, argv, &i, "--from"))) {
            from = v;
        } else if ((v = config_flag(argc, argv, &i, "--to"))) {
            to = v;
        } else {
            fprintf(stderr, "lis copy: unknown argument '%s'\n\n", argv[i]);
            copy_usage(stderr);
            code = 2;
            goto out;
        }
    }
    if (!from || !to) {
        copy_usage(stderr);
        code = 2;
        goto out;
    }
    if (!(c.from = store_open(from, STORE_READ, NULL, &err)))
        goto fail;
    if ((rc = store_info(c.from, &info)) < 0) {
        buf_appendf(&err, "%s: %s", from, store_errmsg(c.from));
        goto fail;
    }
    if (!(c.geo = geo_new(info.crs, &err)))
        goto fail;
    if (geo_crs_wkt(c.geo, &wkt) != 0)
        buf_reset(&wkt);
    struct store_create_opts opts = {.crs = info.crs,
                                     .province_code = info.province_code,
                                     .province_name = info.province_name,
                                     .mountainous = info.mountainous,
                                     .crs_wkt = wkt.len ? wkt.data : NULL};
    if (!(c.to = store_open(to, STORE_CREATE, &opts, &err)))
        goto fail;
    if ((rc = store_info(c.to, &tinfo)) < 0) {
        buf_appendf(&err, "%s: %s", to, store_errmsg(c.to));
        goto fail;
    }
    if (tinfo.parcels || tinfo.communes || tinfo.planning_zones) {
        buf_appendf(&err, "%s already holds data (%" PRId64 " parcels): copy into an empty store",
                    to, tinfo.parcels);
        goto fail;
    }
    if (tinfo.srid != info.srid) {
        buf_appendf(&err, "%s is in %s, the source in %s", to, tinfo.crs, info.crs);
        goto fail;
    }
    if ((rc = store_begin(c.to)) < 0) {
        buf_appendf(&err, "%s: %s", to, store_errmsg(c.to));
        goto fail;
    }
    in_txn = true;
    if ((rc = store_communes(c.from, true, on_commune, &c)) < 0 && !c.rc)
        failed(&c, rc, "reading communes");
    if (!c.rc && (rc = store_survey_communes(c.from, on_survey, &c)) < 0 && !c.rc)
        failed(&c, rc, "reading survey communes");
    for (c.last_id = 0; !c.rc;) {
        int64_t before = c.rows;
        if ((rc = store_planning_scan(c.from, c.last_id, 1000, on_zone, &c)) < 0 && !c.rc)
            failed(&c, rc, "reading planning zones");
        if (c.rows - before < 1000)
            break;
    }
    fprintf(stderr, "lis copy: communes and %" PRId64 " planning zones copied\n", c.rows);
    c.last_id = 0;
    while (!c.rc) {
        int64_t before = c.versions, page_start = c.last_id;
        c.rows = 0;
        if ((rc = store_parcel_versions(c.from, page_start, COPY_PAGE,
                                        STORE_WANT_GEOM | STORE_WANT_MERCATOR | STORE_WANT_SEARCH,
                                        on_version, &c)) < 0 && !c.rc)
            failed(&c, rc, "reading parcels");
        if (c.versions == before)
            break;
        if (c.versions / 100000 != before / 100000)
            fprintf(stderr, "lis copy: %" PRId64 " parcel versions\n", c.versions);
    }
    if (!c.rc)
        flush_retire(&c);
    fprintf(stderr, "lis copy: %" PRId64 " parcel versions copied\n", c.versions);
    if (!c.rc) {
        struct store_registry_cbs cbs = {on_holder, on_right, on_certificate, on_restriction,
                                         on_event};
        if ((rc = store_registry_dump(c.from, &cbs, &c)) < 0 && !c.rc)
            failed(&c, rc, "reading the registry");
    }
    if (c.rc) {
        buf_appendf(&err, "%s: %s (source: %s; copy: %s)", c.what, lis_strerror(c.rc),
                    store_errmsg(c.from), store_errmsg(c.to));
        goto fail;
    }
    in_txn = false;
    if ((rc = store_commit(c.to)) < 0 || (rc = store_optimize(c.to)) < 0) {
        buf_appendf(&err, "%s: %s", to, store_errmsg(c.to));
        goto fail;
    }
    printf("lis copy: %s -> %s\n", from, to);
    int bad = compare_counts(&c, &err);
    if (bad < 0)
        goto fail;
    if (bad > 0) {
        buf_appendf(&err, "%d table(s) differ after the copy", bad);
        goto fail;
    }
    code = 0;
    goto out;
fail:
    if (in_txn)
        store_rollback(c.to);
    fprintf(stderr, "lis copy: %s\n", buf_cstr(&err));
    code = 1;
out:
    store_close(c.from);
    store_close(c.to);
    geo_free(c.geo);
    buf_free(&c.merc);
    buf_free(&wkt);
    buf_free(&err);
    return code;
}
