/* import — `lis import`: outside data into a store, all or nothing.
 *
 * One source per run. Parcels, communes and planning zones come from any
 * vector source GDAL reads (geo/source.h), registry records from CSV
 * (registry_csv.h). Every row is checked; a bad row is counted, written to
 * the report and skipped (or, with --strict, stops the run). The accepted rows
 * are written inside ONE store transaction: a failure, Ctrl-C or kill -9
 * leaves the store as it was before the run.
 *
 * The per-row work avoids the heap: buffers live in `struct imp` and are
 * reset, not freed, between rows; identifiers go into fixed arrays. */
#include "import/import.h"

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/progress.h"
#include "geo/geo.h"
#include "geo/source.h"
#include "import/registry_csv.h"
#include "land/derive.h"
#include "land/landuse.h"
#include "store/store.h"
#include "text/ident.h"
#include "text/text.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum kind { KIND_PARCELS, KIND_COMMUNES, KIND_PLANNING, KIND_REGISTRY };

static const char *const kind_names[] = {"parcels", "communes", "planning", "registry"};

/* The fields each kind maps to source columns (--map field=column). */
enum field {
    F_COMMUNE, F_SHEET, F_NUMBER, F_LAND_USE, F_AREA, F_ADDRESS, F_COMMUNE_CURRENT, /* parcels */
    F_CODE, F_NAME, F_KIND, F_MOUNTAINOUS,                                        /* communes */
    F_PLAN, F_DECISION,                                                           /* planning */
    NFIELDS,
};

static const char *const field_names[NFIELDS] = {
    "commune", "sheet", "number", "land_use", "area", "address", "commune_current",
    "code", "name", "kind", "mountainous", "plan", "decision",
};

/* Which fields a kind uses (planning also reads land_use and commune). */
static bool field_of(enum kind k, enum field f)
{
    switch (k) {
    case KIND_PARCELS:
        return f <= F_COMMUNE_CURRENT;
    case KIND_COMMUNES:
        return f == F_CODE || f == F_NAME || f == F_KIND || f == F_MOUNTAINOUS;
    case KIND_PLANNING:
        return f == F_LAND_USE || f == F_PLAN || f == F_DECISION || f == F_COMMUNE;
    case KIND_REGISTRY:
        return false;
    }
    return false;
}

#define MAX_REASONS 32

/* One run. With two threads, the preparing thread owns src, geo, xform,
 * lookup, seen and the per-row scratch buffers (places are read-only by
 * then); the writing thread owns store, the counts and the report. */
struct imp {
    /* options */
    enum kind kind;
    const char *source, *layer, *crs, *data, *report_path, *create_crs;
    bool strict, list_layers;
    const char *map[NFIELDS]; /* column name per field (default: the field's name) */

    struct config *cfg;
    struct geo_source *src;
    struct store *store;
    struct store *lookup; /* store_commune_at() from the preparing thread: its own connection */
    struct store_info info;
    int threads;          /* 2: prepare and write on two threads */
    struct geo *geo;
    struct geo_xform *xform; /* NULL when the source is already in the store's CRS */
    const char *src_crs;
    int col[NFIELDS]; /* source column of each field, -1 when absent */

    /* places known to the store, for checking and deriving communes */
    struct keymap *units;   /* current unit code -> index in unit_names */
    char **unit_names;
    int nunits;
    struct keymap *surveys; /* survey commune code -> first index in sv */
    struct store_survey_commune *sv; /* ordered by (code, commune); names owned */
    int nsv;

    struct keymap *seen; /* identifiers read so far -> feature id */

    double t_rows, t_commit, t_optimize; /* seconds, for the summary */

    /* counts */
    int64_t read, inserted, updated, unchanged, repaired, rejected;
    struct {
        const char *reason;
        int64_t n;
    } reasons[MAX_REASONS];
    int nreasons;

    /* report */
    FILE *report;
    struct buf report_name;

    /* per-row scratch, reused */
    struct buf geom, tmp, detail, land_use, bad, key, line, address, valid_reason;
    struct derived d;
    char valid_from[32];
};

/* ------------------------------------------------------------------ help */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lis import SOURCE [OPTIONS]\n"
            "\n"
            "Bring land data into a store, all or nothing: parcels, communes or planning\n"
            "zones from any vector format GDAL reads (GeoPackage, Shapefile, GeoJSON, GML,\n"
            "FlatGeobuf, DXF/DGN, ...), or registry records from CSV (docs/registry-csv.md).\n"
            "Bad rows are counted, listed in a report file and skipped.\n"
            "\n"
            "options:\n"
            "  --kind K          parcels (default), communes, planning or registry\n"
            "  --layer L         layer of SOURCE to read (needed when it has several)\n"
            "  --list-layers     print the layers of SOURCE and exit\n"
            "  --map F=COLUMN    read field F from COLUMN (repeatable); fields:\n"
            "                      parcels:  commune (of survey), sheet, number, land_use,\n"
            "                                area, address, commune_current\n"
            "                      communes: code, name, kind\n"
            "                      planning: land_use, plan, decision, commune\n"
            "                    each defaults to the column of the same name\n"
            "  --crs EPSG:n      CRS of SOURCE (when it declares none, or to override it)\n"
            "  --data DIR        the store (default: setting 'data'); created when missing\n"
            "  --create-crs C    CRS of a store created now (default: setting 'crs')\n"
            "  --strict          stop at the first bad row; nothing is imported\n"
            "  --report FILE     list rejected rows in FILE (always written); by default\n"
            "                    SOURCE.rejected.csv, written when a row is rejected\n"
            "  --set KEY=VALUE   override a setting (docs/configuration.md)\n"
            "  --help            this text\n"
            "\n"
            "Parcels are keyed by (commune of survey, sheet, number). Re-importing a parcel\n"
            "adds a new version with the same id when anything changed, else leaves it.\n"
            "When the area column is missing or empty the map area is used.\n"
            "Exit status: 0 done (even with rejected rows), 1 failure or a rejected row\n"
            "with --strict, 2 usage error.\n");
}

/* --------------------------------------------------------------- counting */

static void count_reason(struct imp *m, const char *reason)
{
    int i = 0;
    while (i < m->nreasons && strcmp(m->reasons[i].reason, reason) != 0)
        i++;
    if (i == m->nreasons) {
        if (m->nreasons == MAX_REASONS)
            i = MAX_REASONS - 1; /* cannot happen: reasons are a fixed set */
        else
            m->reasons[m->nreasons++].reason = reason;
    }
    m->reasons[i].n++;
}

/* Key columns of the report, by kind. */
static const char *report_header(enum kind k)
{
    switch (k) {
    case KIND_PARCELS:
        return "feature,commune,sheet,number,reason,detail";
    case KIND_COMMUNES:
        return "feature,code,name,reason,detail";
    case KIND_PLANNING:
        return "feature,land_use,plan,reason,detail";
    case KIND_REGISTRY:
        return "line,record,commune,sheet,number,reason,detail";
    }
    return "";
}

static int open_report(struct imp *m)
{
    if (m->report)
        return 0;
    buf_reset(&m->report_name);
    if (m->report_path)
        buf_puts(&m->report_name, m->report_path);
    else
        buf_appendf(&m->report_name, "%s.rejected.csv", m->source);
    m->report = fopen(buf_cstr(&m->report_name), "w");
    if (!m->report) {
        fprintf(stderr, "lis import: cannot write the report %s: %s (choose another with --report)\n",
                buf_cstr(&m->report_name), strerror(errno));
        return LIS_EIO;
    }
    fprintf(m->report, "%s\n", report_header(m->kind));
    return 0;
}

/* Count, report and (with --strict) stop. `keys` are the kind's key columns.
 * Returns 0 to go on, 1 to stop, negative when the report cannot be written. */
static int reject_row(struct imp *m, int64_t id, const char *const *keys, int nkeys,
                      const char *reason, const char *detail)
{
    m->rejected++;
    count_reason(m, reason);
    int rc = open_report(m);
    if (rc)
        return rc;
    buf_reset(&m->line);
    buf_appendf(&m->line, "%lld", (long long)id);
    for (int i = 0; i < nkeys; i++) {
        buf_putc(&m->line, ',');
        csv_append_field(&m->line, keys[i]);
    }
    buf_putc(&m->line, ',');
    csv_append_field(&m->line, reason);
    buf_putc(&m->line, ',');
    csv_append_field(&m->line, detail);
    buf_putc(&m->line, '\n');
    fwrite(m->line.data, 1, m->line.len, m->report);
    if (m->strict) {
        fprintf(stderr, "lis import: %s %lld: %s%s%s; stopping (--strict), nothing imported\n",
                m->kind == KIND_REGISTRY ? "line" : "feature", (long long)id, reason,
                detail && *detail ? ": " : "", detail ? detail : "");
        return 1;
    }
    return 0;
}

static int registry_reject(void *ctx, long line, const char *const keys[4], const char *reason,
                           const char *detail)
{
    return reject_row(ctx, line, keys, 4, reason, detail) != 0;
}

/* ---------------------------------------------------------- field access */

/* Trimmed text of field f of the current feature; NULL when the column is
 * absent or the value null; *len gets its length. Borrowed from the source. */
static const char *field(struct imp *m, enum field f, size_t *len)
{
    *len = 0;
    if (m->col[f] < 0)
        return NULL;
    const char *s = geo_source_field(m->src, m->col[f]);
    if (!s)
        return NULL;
    return text_trim(s, strlen(s), len);
}

/* Copy a span into a fixed array; false when it does not fit. */
static bool copy_to(char *dst, size_t cap, const char *s, size_t len)
{
    if (len >= cap)
        return false;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

/* ----------------------------------------------------------- geometry */

static const char *type_name(int t)
{
    static const char *const names[] = {"unknown", "point", "line string", "polygon",
                                        "multi point", "multi line string", "multi polygon",
                                        "geometry collection"};
    return t >= 0 && t <= 7 ? names[t] : "other geometry";
}

/* Native, valid polygonal WKB of the current feature into m->geom.
 * Returns NULL or the reason for rejecting the row (detail in m->detail). */
static const char *read_polygon(struct imp *m, bool *repaired)
{
    const uint8_t *wkb;
    size_t len;
    *repaired = false;
    int rc = geo_source_geometry(m->src, &wkb, &len);
    if (rc == LIS_ENOTFOUND)
        return "no geometry";
    if (rc) {
        buf_puts(&m->detail, geo_source_errmsg(m->src));
        return "empty geometry";
    }
    int t = geo_wkb_type(wkb, len);
    if (t != 3 && t != 6) {
        buf_puts(&m->detail, type_name(t));
        return "not a polygon";
    }
    buf_reset(&m->geom);
    if (m->xform) {
        if (geo_xform_wkb(m->xform, wkb, len, &m->geom)) {
            buf_puts(&m->detail, geo_errmsg(m->geo));
            return "cannot reproject";
        }
    } else {
        buf_append(&m->geom, wkb, len);
    }
    buf_reset(&m->valid_reason);
    rc = geo_is_valid(m->geo, (const uint8_t *)m->geom.data, m->geom.len, &m->valid_reason);
    if (rc == 1)
        return NULL;
    buf_puts(&m->detail, rc == 0 ? buf_cstr(&m->valid_reason) : geo_errmsg(m->geo));
    if (rc < 0)
        return "invalid geometry";
    buf_reset(&m->tmp);
    if (geo_make_valid(m->geo, (const uint8_t *)m->geom.data, m->geom.len, &m->tmp))
        return "invalid geometry";
    struct buf swap = m->geom;
    m->geom = m->tmp;
    m->tmp = swap;
    buf_reset(&m->detail);
    *repaired = true;
    return NULL;
}

/* ------------------------------------------------------------ places */

static int unit_cb(void *ctx, const struct store_commune *c)
{
    struct imp *m = ctx;
    m->unit_names = xrealloc(m->unit_names, (size_t)(m->nunits + 1) * sizeof *m->unit_names);
    m->unit_names[m->nunits] = xstrdup(c->name ? c->name : "");
    keymap_put(m->units, c->code, strlen(c->code), m->nunits, NULL);
    m->nunits++;
    return 0;
}

static int survey_cb(void *ctx, const struct store_survey_commune *sc)
{
    struct imp *m = ctx;
    m->sv = xrealloc(m->sv, (size_t)(m->nsv + 1) * sizeof *m->sv);
    struct store_survey_commune *d = &m->sv[m->nsv];
    *d = *sc;
    d->name = xstrdup(sc->name ? sc->name : "");
    keymap_put(m->surveys, sc->code, strlen(sc->code), m->nsv, NULL); /* keeps the first */
    m->nsv++;
    return 0;
}

static int load_places(struct imp *m)
{
    m->units = keymap_new();
    m->surveys = keymap_new();
    int rc = store_communes(m->store, false, unit_cb, m);
    if (rc >= 0)
        rc = store_survey_communes(m->store, survey_cb, m);
    if (rc < 0) {
        fprintf(stderr, "lis import: reading communes: %s\n", store_errmsg(m->store));
        return rc;
    }
    return 0;
}

static const char *unit_name(struct imp *m, const char *code)
{
    int64_t i;
    return keymap_get(m->units, code, strlen(code), &i) ? m->unit_names[i] : NULL;
}

/* Decide the current unit of a parcel (p->commune) from its commune of
 * survey, the optional current-commune column and, when a former commune
 * was split, the unit whose boundary holds the parcel's point on surface.
 * Sets the names derive_parcel() folds into the search text. Returns NULL or
 * a rejection reason. */
static const char *resolve_commune(struct imp *m, struct store_parcel *p, const char *current,
                                   size_t current_len, const char **unit_nm,
                                   const char **survey_nm)
{
    *unit_nm = *survey_nm = NULL;
    if (current && current_len) {
        if (!ident_valid_commune_code(current, current_len) ||
            !copy_to(p->commune, sizeof p->commune, current, current_len)) {
            buf_appendf(&m->detail, "commune_current '%.*s'", (int)current_len, current);
            return "malformed identifier";
        }
    } else {
        p->commune[0] = '\0';
    }
    if (m->nunits == 0) { /* a store without communes: nothing to check against */
        if (!p->commune[0])
            memcpy(p->commune, p->survey_commune, sizeof p->commune);
        return NULL;
    }
    int64_t first = -1;
    bool is_survey = keymap_get(m->surveys, p->survey_commune, strlen(p->survey_commune), &first);
    const char *survey_unit = unit_name(m, p->survey_commune);
    if (!is_survey && !survey_unit) {
        buf_appendf(&m->detail, "commune of survey '%s'", p->survey_commune);
        return "unknown commune";
    }
    if (p->commune[0]) {
        if (!(*unit_nm = unit_name(m, p->commune))) {
            buf_appendf(&m->detail, "current commune '%s'", p->commune);
            return "unknown commune";
        }
    } else if (is_survey) {
        int n = 0;
        while (first + n < m->nsv && strcmp(m->sv[first + n].code, p->survey_commune) == 0)
            n++;
        memcpy(p->commune, m->sv[first].commune, sizeof p->commune);
        if (n > 1) {
            /* a former commune split among units: the boundary decides */
            double x, y;
            char at[STORE_CODE_MAX];
            if (geo_point_on_surface(m->geo, (const uint8_t *)m->geom.data, m->geom.len, &x,
                                     &y) == 0 &&
                store_commune_at(m->lookup, x, y, at) == 0) {
                for (int i = 0; i < n; i++)
                    if (strcmp(m->sv[first + i].commune, at) == 0)
                        memcpy(p->commune, at, sizeof p->commune);
            }
        }
    } else {
        memcpy(p->commune, p->survey_commune, sizeof p->commune);
    }
    *unit_nm = unit_name(m, p->commune);
    *survey_nm = is_survey ? m->sv[first].name : survey_unit;
    return NULL;
}

/* ------------------------------------------------------------- parcels */

/* A parcel row is handled in two stages: prepare (read, check, reproject,
 * repair, derive: GDAL, GEOS and PROJ work) and put (the store write, or the
 * rejection). With two cores the stages run on two threads joined by a
 * queue of batches, so the geometry work hides behind the store's writes.
 * A prepared row lives in its batch: fixed fields in `struct item`, texts
 * and WKB in the batch's arena (offsets, as the arena may move while it
 * grows), so a batch costs no allocation once the queue has warmed up. */

#define BATCH_ROWS 256
#define NBATCHES 8 /* in flight between the threads: bounds memory */
#define NONE ((size_t)-1)

struct item {
    int64_t fid;
    const char *reason;  /* NULL: accepted; else a static rejection reason */
    bool repaired;
    bool has_area;
    struct store_parcel p; /* fixed-size fields; pointers set at put time */
    size_t land_use, address, wkb, wkb_len, merc, merc_len, search; /* arena offsets */
    size_t detail, keys[3]; /* rejections: detail and identifier as read */
};

struct batch {
    struct item items[BATCH_ROWS];
    int n;
    struct buf arena;
    int read_err;        /* set on the last batch when reading failed */
    bool last;
    struct batch *next;
};

static size_t arena_put(struct buf *a, const void *p, size_t n)
{
    size_t off = a->len;
    buf_append(a, p, n);
    buf_putc(a, '\0'); /* texts come back out as C strings */
    return off;
}

/* Prepare the current feature into `it` (data into b->arena). */
static void parcel_prepare(struct imp *m, struct batch *b, struct item *it)
{
    struct store_parcel *p = &it->p;
    const char *reason = NULL;
    size_t cl, sl, nl, lul, al, adl, ccl;
    const char *c = field(m, F_COMMUNE, &cl), *s = field(m, F_SHEET, &sl),
               *n = field(m, F_NUMBER, &nl), *lu = field(m, F_LAND_USE, &lul),
               *area = field(m, F_AREA, &al), *addr = field(m, F_ADDRESS, &adl),
               *cur = field(m, F_COMMUNE_CURRENT, &ccl);
    const char *unit_nm = NULL, *survey_nm = NULL;
    memset(it, 0, sizeof *it);
    it->fid = geo_source_fid(m->src);
    it->address = NONE;
    buf_reset(&m->detail);

    if (!cl || !sl || !nl) {
        reason = "missing identifier";
        buf_puts(&m->detail, !cl ? "commune" : !sl ? "sheet" : "number");
        goto out;
    }
    if (!ident_valid_commune_code(c, cl) ||
        !copy_to(p->survey_commune, sizeof p->survey_commune, c, cl)) {
        reason = "malformed identifier";
        buf_appendf(&m->detail, "commune '%.*s'", (int)cl, c);
        goto out;
    }
    if (!ident_valid_code(s, sl) || !copy_to(p->sheet, sizeof p->sheet, s, sl)) {
        reason = "malformed identifier";
        buf_appendf(&m->detail, "sheet '%.*s'", (int)sl, s);
        goto out;
    }
    if (!ident_valid_code(n, nl) || !copy_to(p->number, sizeof p->number, n, nl)) {
        reason = "malformed identifier";
        buf_appendf(&m->detail, "number '%.*s'", (int)nl, n);
        goto out;
    }
    /* The first row with an identifier owns it; later ones are duplicates
     * whether or not the first was accepted. */
    buf_reset(&m->key);
    buf_append(&m->key, p->survey_commune, cl + 1);
    buf_append(&m->key, p->sheet, sl + 1);
    buf_append(&m->key, p->number, nl);
    int64_t first;
    if (keymap_put(m->seen, m->key.data, m->key.len, it->fid, &first)) {
        reason = "duplicate identifier";
        buf_appendf(&m->detail, "same as feature %lld", (long long)first);
        goto out;
    }
    if ((reason = read_polygon(m, &it->repaired)))
        goto out;
    buf_reset(&m->land_use);
    if (lul) {
        buf_reset(&m->bad);
        if (landuse_normalise(lu, lul, &m->land_use, &m->bad) < 0) {
            reason = "unknown land-use code";
            buf_appendf(&m->detail, "'%s' in '%.*s'", buf_cstr(&m->bad), (int)lul, lu);
            goto out;
        }
    }
    it->has_area = al > 0;
    if (it->has_area && (!ident_parse_double(area, al, &p->area) || p->area < 0)) {
        reason = "malformed area";
        buf_appendf(&m->detail, "'%.*s'", (int)al, area);
        goto out;
    }
    if ((reason = resolve_commune(m, p, cur, ccl, &unit_nm, &survey_nm)))
        goto out;
    buf_reset(&m->address);
    if (adl) {
        if (!text_utf8_valid(addr, adl)) {
            reason = "malformed text";
            buf_puts(&m->detail, "address is not UTF-8");
            goto out;
        }
        buf_append(&m->address, addr, adl);
    }
    if (derive_parcel(m->geo, (const uint8_t *)m->geom.data, m->geom.len,
                      adl ? m->address.data : NULL, unit_nm, survey_nm, &m->d)) {
        reason = "invalid geometry";
        buf_puts(&m->detail, geo_errmsg(m->geo));
        goto out;
    }
    p->area_map = m->d.area_map;
    if (!it->has_area)
        p->area = p->area_map;
    memcpy(p->national_id, m->d.national_id, sizeof p->national_id);
    it->land_use = arena_put(&b->arena, m->land_use.data, m->land_use.len);
    if (adl)
        it->address = arena_put(&b->arena, m->address.data, m->address.len);
    it->wkb = arena_put(&b->arena, m->geom.data, m->geom.len);
    it->wkb_len = m->geom.len;
    it->merc = arena_put(&b->arena, m->d.mercator.data, m->d.mercator.len);
    it->merc_len = m->d.mercator.len;
    it->search = arena_put(&b->arena, m->d.search_text.data, m->d.search_text.len);
out:
    it->reason = reason;
    if (reason) {
        /* the identifier as read, even when it was malformed */
        it->detail = arena_put(&b->arena, m->detail.data, m->detail.len);
        it->keys[0] = arena_put(&b->arena, c, cl);
        it->keys[1] = arena_put(&b->arena, s, sl);
        it->keys[2] = arena_put(&b->arena, n, nl);
    }
}

/* Write (or reject) a prepared row. Returns 0 to go on, 1 to stop
 * (--strict), negative on a store failure. */
static int parcel_put(struct imp *m, struct batch *b, struct item *it)
{
    const char *base = b->arena.data;
    const char *reason = it->reason, *detail = reason ? base + it->detail : NULL;
    if (!reason) {
        struct store_parcel *p = &it->p;
        p->land_use = base + it->land_use;
        p->address = it->address == NONE ? NULL : base + it->address;
        p->valid_from = m->valid_from;
        p->wkb = (const uint8_t *)base + it->wkb;
        p->wkb_len = it->wkb_len;
        p->wkb_mercator = (const uint8_t *)base + it->merc;
        p->wkb_mercator_len = it->merc_len;
        p->search_text = base + it->search;
        int64_t id;
        int rc = store_parcel_put(m->store, p, &id);
        if (rc == STORE_INSERTED)
            m->inserted++;
        else if (rc == STORE_UPDATED)
            m->updated++;
        else if (rc == STORE_UNCHANGED)
            m->unchanged++;
        else if (rc == LIS_EINVAL || rc == LIS_ECONFLICT) {
            reason = "refused by the store";
            detail = store_errmsg(m->store);
        } else {
            fprintf(stderr, "lis import: feature %lld: %s\n", (long long)it->fid,
                    store_errmsg(m->store));
            return rc < 0 ? rc : LIS_EINTERNAL;
        }
        if (!reason) {
            m->repaired += it->repaired;
            return 0;
        }
        const char *keys[3] = {p->survey_commune, p->sheet, p->number};
        return reject_row(m, it->fid, keys, 3, reason, detail);
    }
    const char *keys[3] = {base + it->keys[0], base + it->keys[1], base + it->keys[2]};
    return reject_row(m, it->fid, keys, 3, reason, detail);
}

/* The queue between the preparing thread and the writing one. */
struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct batch *full, *full_tail; /* prepared, in source order */
    struct batch *free;             /* written, ready for reuse */
    int allocated;
    bool stop; /* the writer gave up: the preparer ends at its next batch */
    struct imp *m;
};

static struct batch *take_free(struct pipe *q)
{
    pthread_mutex_lock(&q->mu);
    while (!q->free && q->allocated >= NBATCHES && !q->stop)
        pthread_cond_wait(&q->cv, &q->mu);
    struct batch *b = NULL;
    if (q->free) {
        b = q->free;
        q->free = b->next;
    } else if (!q->stop) {
        q->allocated++;
        b = xcalloc(1, sizeof *b);
    }
    pthread_mutex_unlock(&q->mu);
    if (b) {
        b->n = 0;
        b->next = NULL;
        b->last = false;
        b->read_err = 0;
        buf_reset(&b->arena);
    }
    return b;
}

static void push_full(struct pipe *q, struct batch *b)
{
    pthread_mutex_lock(&q->mu);
    if (q->full_tail)
        q->full_tail->next = b;
    else
        q->full = b;
    q->full_tail = b;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* Fill one batch from the source; true when the source has more. */
static bool fill(struct imp *m, struct batch *b)
{
    while (b->n < BATCH_ROWS) {
        int rc = geo_source_next(m->src);
        if (rc != 1) {
            b->last = true;
            b->read_err = rc;
            return false;
        }
        parcel_prepare(m, b, &b->items[b->n++]);
    }
    return true;
}

static void *preparer(void *arg)
{
    struct pipe *q = arg;
    for (;;) {
        struct batch *b = take_free(q);
        if (!b)
            break; /* stopped */
        bool more = fill(q->m, b);
        push_full(q, b);
        if (!more)
            break;
    }
    return NULL;
}

/* Write every batch the preparer hands over; returns 0 when all went in, 1
 * when --strict stopped, negative on a failure. */
static int writer(struct pipe *q, struct progress *prog)
{
    struct imp *m = q->m;
    int rc = 0;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        while (!q->full)
            pthread_cond_wait(&q->cv, &q->mu);
        struct batch *b = q->full;
        q->full = b->next;
        if (!q->full)
            q->full_tail = NULL;
        pthread_mutex_unlock(&q->mu);

        for (int i = 0; i < b->n && rc == 0; i++) {
            m->read++;
            rc = parcel_put(m, b, &b->items[i]);
        }
        bool last = b->last;
        if (rc == 0 && b->read_err < 0) {
            fprintf(stderr, "lis import: %s\n", geo_source_errmsg(m->src));
            rc = b->read_err;
        }
        progress_update(prog, m->read);
        pthread_mutex_lock(&q->mu);
        b->next = q->free;
        q->free = b;
        if (rc != 0)
            q->stop = true;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        if (rc != 0 || last)
            return rc;
    }
}

static void free_batches(struct batch *b)
{
    while (b) {
        struct batch *next = b->next;
        buf_free(&b->arena);
        free(b);
        b = next;
    }
}

/* Import every feature of the source as parcels. */
static int import_parcels(struct imp *m, struct progress *prog)
{
    struct pipe q = {.m = m};
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.cv, NULL);
    int rc;
    pthread_t th;
    bool threaded = m->threads > 1 && pthread_create(&th, NULL, preparer, &q) == 0;
    if (threaded) {
        rc = writer(&q, prog);
        pthread_join(th, NULL);
    } else {
        /* one core: the same stages, one batch at a time */
        struct batch *b = take_free(&q);
        bool more = true;
        rc = 0;
        while (rc == 0 && more) {
            b->n = 0;
            buf_reset(&b->arena);
            more = fill(m, b);
            for (int i = 0; i < b->n && rc == 0; i++) {
                m->read++;
                rc = parcel_put(m, b, &b->items[i]);
            }
            if (rc == 0 && b->read_err < 0) {
                fprintf(stderr, "lis import: %s\n", geo_source_errmsg(m->src));
                rc = b->read_err;
            }
            progress_update(prog, m->read);
        }
        free_batches(b);
    }
    free_batches(q.full);
    free_batches(q.free);
    pthread_mutex_destroy(&q.mu);
    pthread_cond_destroy(&q.cv);
    return rc;
}

/* ------------------------------------------------------------ communes */

static int commune_row(struct imp *m)
{
    struct store_commune c = {0};
    const char *reason = NULL;
    size_t cl, nl, kl, ml;
    const char *code = field(m, F_CODE, &cl), *name = field(m, F_NAME, &nl),
               *kind = field(m, F_KIND, &kl), *mount = field(m, F_MOUNTAINOUS, &ml);
    int64_t fid = geo_source_fid(m->src);
    bool repaired = false;
    buf_reset(&m->detail);
    buf_reset(&m->address); /* holds the name */
    if (name)
        buf_append(&m->address, name, nl);

    if (!cl) {
        reason = "missing identifier";
        buf_puts(&m->detail, "code");
        goto out;
    }
    if (!ident_valid_commune_code(code, cl) || !copy_to(c.code, sizeof c.code, code, cl)) {
        reason = "malformed identifier";
        buf_appendf(&m->detail, "code '%.*s'", (int)cl, code);
        goto out;
    }
    int64_t first;
    if (keymap_put(m->seen, c.code, cl, fid, &first)) {
        reason = "duplicate identifier";
        buf_appendf(&m->detail, "same as feature %lld", (long long)first);
        goto out;
    }
    if (!nl || !text_utf8_valid(name, nl)) {
        reason = "missing name";
        goto out;
    }
    /* without a kind column, the name tells: "Phường ..." is a ward */
    c.kind = !kl && nl > strlen("Phường") && strncmp(name, "Phường", strlen("Phường")) == 0
                 ? "ward"
                 : "commune";
    if (kl) {
        if (kl == 4 && strncmp(kind, "ward", 4) == 0)
            c.kind = "ward";
        else if (!(kl == 7 && strncmp(kind, "commune", 7) == 0)) {
            reason = "unknown kind";
            buf_appendf(&m->detail, "'%.*s' (ward or commune)", (int)kl, kind);
            goto out;
        }
    }
    /* mountainous or border commune (dispute time limits): the column when there
       is one, else the province's setting */
    c.mountainous = m->info.mountainous;
    if (ml) {
        static const char *const yes[] = {"1", "true", "yes", "t", "y", "có", "x"};
        static const char *const no[] = {"0", "false", "no", "f", "n", "không"};
        bool known = false;
        for (size_t i = 0; i < sizeof yes / sizeof yes[0] && !known; i++)
            if (strlen(yes[i]) == ml && strncasecmp(mount, yes[i], ml) == 0)
                known = c.mountainous = true;
        for (size_t i = 0; i < sizeof no / sizeof no[0] && !known; i++)
            if (strlen(no[i]) == ml && strncasecmp(mount, no[i], ml) == 0) {
                known = true;
                c.mountainous = false;
            }
        if (!known) {
            reason = "unknown mountainous value";
            buf_appendf(&m->detail, "'%.*s' (true/false, 1/0, yes/no, có/không)", (int)ml, mount);
            goto out;
        }
    }
    if ((reason = read_polygon(m, &repaired)))
        goto out;
    c.name = buf_cstr(&m->address);
    c.wkb = (const uint8_t *)m->geom.data;
    c.wkb_len = m->geom.len;
    int rc = store_commune_put(m->store, &c);
    if (rc < 0) {
        fprintf(stderr, "lis import: feature %lld: %s\n", (long long)fid,
                store_errmsg(m->store));
        return rc;
    }
    m->inserted++;
    if (repaired)
        m->repaired++;
out:
    if (!reason)
        return 0;
    char kc[64];
    copy_to(kc, sizeof kc, code ? code : "", cl < sizeof kc ? cl : 0);
    const char *keys[2] = {kc, buf_cstr(&m->address)};
    return reject_row(m, fid, keys, 2, reason, buf_cstr(&m->detail));
}

/* ------------------------------------------------------ planning zones */

static int planning_row(struct imp *m)
{
    struct store_planning_zone z = {0};
    const char *reason = NULL;
    size_t lul, pl, dl, cl;
    const char *lu = field(m, F_LAND_USE, &lul), *plan = field(m, F_PLAN, &pl),
               *dec = field(m, F_DECISION, &dl), *c = field(m, F_COMMUNE, &cl);
    int64_t fid = geo_source_fid(m->src);
    bool repaired = false;
    char commune[STORE_CODE_MAX] = "";
    buf_reset(&m->detail);
    buf_reset(&m->address); /* plan */
    buf_reset(&m->tmp);
    if (plan)
        buf_append(&m->address, plan, pl);

    buf_reset(&m->land_use);
    buf_reset(&m->bad);
    if (!lul) {
        reason = "missing land use";
        goto out;
    }
    if (landuse_normalise(lu, lul, &m->land_use, &m->bad) < 0) {
        reason = "unknown land-use code";
        buf_appendf(&m->detail, "'%s' in '%.*s'", buf_cstr(&m->bad), (int)lul, lu);
        goto out;
    }
    if (cl) {
        if (!ident_valid_commune_code(c, cl) || !copy_to(commune, sizeof commune, c, cl)) {
            reason = "malformed identifier";
            buf_appendf(&m->detail, "commune '%.*s'", (int)cl, c);
            goto out;
        }
        if (m->nunits && !unit_name(m, commune)) {
            reason = "unknown commune";
            buf_appendf(&m->detail, "'%s'", commune);
            goto out;
        }
    }
    if ((pl && !text_utf8_valid(plan, pl)) || (dl && !text_utf8_valid(dec, dl))) {
        reason = "malformed text";
        goto out;
    }
    if ((reason = read_polygon(m, &repaired)))
        goto out;
    struct buf decision = BUF_INIT;
    if (dl)
        buf_append(&decision, dec, dl);
    z.land_use = buf_cstr(&m->land_use);
    z.plan = buf_cstr(&m->address);
    z.decision = dl ? decision.data : NULL;
    z.commune = cl ? commune : NULL;
    z.wkb = (const uint8_t *)m->geom.data;
    z.wkb_len = m->geom.len;
    int64_t id = store_planning_put(m->store, &z);
    buf_free(&decision);
    if (id < 0) {
        fprintf(stderr, "lis import: feature %lld: %s\n", (long long)fid,
                store_errmsg(m->store));
        return (int)id;
    }
    m->inserted++;
    if (repaired)
        m->repaired++;
out:
    if (!reason)
        return 0;
    buf_append(&m->tmp, lu ? lu : "", lul);
    const char *keys[2] = {buf_cstr(&m->tmp), buf_cstr(&m->address)};
    return reject_row(m, fid, keys, 2, reason, buf_cstr(&m->detail));
}

/* ------------------------------------------------------------- driver */

static int parse_args(struct imp *m, int argc, char **argv)
{
    const char *kind = "parcels";
    struct buf err = BUF_INIT;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        static const char *const valued[] = {"--kind", "--layer", "--crs", "--data", "--report",
                                             "--create-crs", "--set", "--map", NULL};
        bool takes = false;
        for (int j = 0; valued[j]; j++)
            takes = takes || strcmp(a, valued[j]) == 0;
        if (takes && !v) {
            fprintf(stderr, "lis import: %s needs a value\n", a);
            rc = 2;
            goto out;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            rc = 1; /* done: exit 0 */
            goto out;
        } else if (strcmp(a, "--strict") == 0) {
            m->strict = true;
        } else if (strcmp(a, "--list-layers") == 0) {
            m->list_layers = true;
        } else if (strcmp(a, "--kind") == 0) {
            kind = v;
        } else if (strcmp(a, "--layer") == 0) {
            m->layer = v;
        } else if (strcmp(a, "--crs") == 0) {
            m->crs = v;
        } else if (strcmp(a, "--data") == 0) {
            m->data = v;
        } else if (strcmp(a, "--report") == 0) {
            m->report_path = v;
        } else if (strcmp(a, "--create-crs") == 0) {
            m->create_crs = v;
        } else if (strcmp(a, "--set") == 0) {
            buf_reset(&err);
            if (config_set_pair(m->cfg, v, &err)) {
                fprintf(stderr, "lis import: --set: %s\n", buf_cstr(&err));
                rc = 2;
                goto out;
            }
        } else if (strcmp(a, "--map") == 0) {
            const char *eq = strchr(v, '=');
            int f = 0;
            while (eq && f < NFIELDS &&
                   !(strlen(field_names[f]) == (size_t)(eq - v) &&
                     strncmp(field_names[f], v, (size_t)(eq - v)) == 0))
                f++;
            if (!eq || !eq[1] || f == NFIELDS) {
                fprintf(stderr, "lis import: --map wants FIELD=COLUMN with a known field, not '%s' "
                                "(see lis import --help)\n", v);
                rc = 2;
                goto out;
            }
            m->map[f] = eq + 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "lis import: unknown option '%s' (see lis import --help)\n", a);
            rc = 2;
            goto out;
        } else {
            if (m->source) {
                fprintf(stderr, "lis import: one SOURCE at a time ('%s' and '%s')\n", m->source, a);
                rc = 2;
                goto out;
            }
            m->source = a;
        }
        if (takes)
            i++;
    }
    int k = 0;
    while (k < 4 && strcmp(kind, kind_names[k]) != 0)
        k++;
    if (k == 4) {
        fprintf(stderr, "lis import: --kind is parcels, communes, planning or registry, not '%s'\n",
                kind);
        rc = 2;
        goto out;
    }
    m->kind = (enum kind)k;
    for (int f = 0; f < NFIELDS; f++) {
        if (m->map[f] && !field_of(m->kind, (enum field)f)) {
            fprintf(stderr, "lis import: --map %s does not apply to --kind %s\n", field_names[f],
                    kind);
            rc = 2;
            goto out;
        }
    }
    if (!m->source) {
        fprintf(stderr, "lis import: which SOURCE? (see lis import --help)\n");
        rc = 2;
    }
out:
    buf_free(&err);
    return rc;
}

static int open_store(struct imp *m, bool create)
{
    struct buf err = BUF_INIT;
    struct store_create_opts o = {
        .crs = m->create_crs ? m->create_crs : config_get(m->cfg, "crs"),
        .province_code = config_get(m->cfg, "province_code"),
        .province_name = config_get(m->cfg, "province_name"),
        .mountainous = config_get_bool(m->cfg, "mountainous"),
    };
    m->store = store_open(m->data, create ? STORE_CREATE : STORE_WRITE, &o, &err);
    int rc = 0;
    if (!m->store) {
        fprintf(stderr, "lis import: store %s: %s\n", m->data, buf_cstr(&err));
        rc = LIS_EIO;
    } else if (store_info(m->store, &m->info) < 0) {
        fprintf(stderr, "lis import: store %s: %s\n", m->data, store_errmsg(m->store));
        rc = LIS_EIO;
    }
    buf_free(&err);
    return rc;
}

/* Open the GDAL source, map its columns and set up the reprojection. */
static int open_source(struct imp *m)
{
    struct buf err = BUF_INIT;
    int rc = 0;
    m->src = geo_source_open(m->source, m->layer, &err);
    if (!m->src) {
        fprintf(stderr, "lis import: %s\n", buf_cstr(&err));
        rc = LIS_EIO;
        goto out;
    }
    for (int f = 0; f < NFIELDS; f++) {
        m->col[f] = -1;
        if (!field_of(m->kind, (enum field)f))
            continue;
        const char *name = m->map[f] ? m->map[f] : field_names[f];
        m->col[f] = geo_source_field_index(m->src, name);
        if (m->col[f] < 0 && m->map[f]) {
            fprintf(stderr, "lis import: %s has no column '%s' (--map %s); its columns:",
                    m->source, name, field_names[f]);
            for (int i = 0; i < geo_source_field_count(m->src); i++)
                fprintf(stderr, " %s", geo_source_field_name(m->src, i));
            fprintf(stderr, "\n");
            rc = LIS_EINVAL;
            goto out;
        }
    }
    m->src_crs = m->crs ? m->crs : geo_source_crs(m->src);
    if (!m->src_crs) {
        fprintf(stderr, "lis import: %s declares no CRS; give it with --crs EPSG:n\n", m->source);
        rc = LIS_EINVAL;
    }
out:
    buf_free(&err);
    return rc;
}

static int setup_geo(struct imp *m)
{
    struct buf err = BUF_INIT;
    int rc = 0;
    m->geo = geo_new(m->info.crs, &err);
    if (!m->geo) {
        fprintf(stderr, "lis import: store CRS %s: %s\n", m->info.crs, buf_cstr(&err));
        rc = LIS_EINVAL;
    } else if (strcasecmp(m->src_crs, m->info.crs) != 0) {
        m->xform = geo_xform_new(m->geo, m->src_crs);
        if (!m->xform) {
            fprintf(stderr, "lis import: cannot transform from the source CRS%s to %s: %s\n",
                    m->crs ? " given by --crs" : "", m->info.crs, geo_errmsg(m->geo));
            rc = LIS_EINVAL;
        }
    }
    buf_free(&err);
    return rc;
}

/* Parcels are prepared on a second thread when there is a second core. That
 * thread finds the unit of a split former commune with store_commune_at(),
 * on a connection of its own (a store handle is one thread's). */
static int open_lookup(struct imp *m)
{
    cpu_set_t set;
    int cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    m->threads = m->kind == KIND_PARCELS && cores > 1 ? 2 : 1;
    m->lookup = m->store;
    bool split = false;
    for (int i = 1; i < m->nsv; i++)
        split = split || strcmp(m->sv[i].code, m->sv[i - 1].code) == 0;
    if (m->threads == 1 || !split)
        return 0;
    struct buf err = BUF_INIT;
    m->lookup = store_open(m->data, STORE_READ, NULL, &err);
    if (!m->lookup) {
        fprintf(stderr, "lis import: store %s: %s\n", m->data, buf_cstr(&err));
        buf_free(&err);
        return LIS_EIO;
    }
    buf_free(&err);
    return 0;
}

static void print_summary(struct imp *m, double secs)
{
    printf("%-10s %lld\n", "read", (long long)m->read);
    printf("%-10s %lld\n", "imported", (long long)m->inserted);
    if (m->kind == KIND_PARCELS) {
        printf("%-10s %lld\n", "updated", (long long)m->updated);
        printf("%-10s %lld\n", "unchanged", (long long)m->unchanged);
    }
    if (m->kind != KIND_REGISTRY)
        printf("%-10s %lld\n", "repaired", (long long)m->repaired);
    printf("%-10s %lld\n", "rejected", (long long)m->rejected);
    for (int i = 0; i < m->nreasons; i++)
        printf("  %-24s %lld\n", m->reasons[i].reason, (long long)m->reasons[i].n);
    if (m->report)
        printf("report     %s\n", buf_cstr(&m->report_name));
    printf("seconds    %.2f", secs);
    if (m->t_commit > 0)
        printf(" (rows %.2f, commit %.2f, optimize %.2f)", m->t_rows, m->t_commit, m->t_optimize);
    printf("\n");
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int import_cmd(int argc, char **argv)
{
    struct imp m = {0};
    struct buf err = BUF_INIT;
    struct csv_reader *csv = NULL;
    struct progress *prog = NULL;
    bool in_tx = false;
    int code = 1, rc;
    double t0 = now();

    m.cfg = config_new();
    if (config_load_defaults(m.cfg, NULL, &err)) {
        fprintf(stderr, "lis import: %s\n", buf_cstr(&err));
        goto out;
    }
    rc = parse_args(&m, argc, argv);
    if (rc) {
        code = rc == 1 ? 0 : 2;
        goto out;
    }
    if (!m.data)
        m.data = config_get(m.cfg, "data");
    struct stat st;
    if (stat(m.source, &st) != 0 && strchr(m.source, ':') == NULL) {
        /* GDAL also opens URLs and connection strings: only plain paths are checked */
        fprintf(stderr, "lis import: %s: %s\n", m.source, strerror(errno));
        goto out;
    }
    {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(m.valid_from, sizeof m.valid_from, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    m.seen = keymap_new();
    if (m.list_layers) {
        rc = geo_source_list_layers(m.source, &err);
        if (rc < 0)
            fprintf(stderr, "lis import: %s\n", buf_cstr(&err));
        else
            fputs(buf_cstr(&err), stdout);
        code = rc < 0 ? 1 : 0;
        goto out;
    }

    if (m.kind == KIND_REGISTRY) {
        if (!(csv = csv_open(m.source, &err))) {
            fprintf(stderr, "lis import: %s\n", buf_cstr(&err));
            goto out;
        }
        /* a directory store must exist already; a PostgreSQL one is checked by opening it */
        if (strncmp(m.data, "postgres", 8) != 0 && stat(m.data, &st) != 0) {
            fprintf(stderr, "lis import: no store at %s: import parcels first\n", m.data);
            goto out;
        }
        if (open_store(&m, false))
            goto out;
    } else {
        /* the source first: a wrong path must not leave an empty store behind */
        if (open_source(&m))
            goto out;
        if (open_store(&m, true) || setup_geo(&m) || load_places(&m))
            goto out;
        if (open_lookup(&m))
            goto out;
    }

    /* a report asked for is written even when empty ("nothing rejected"),
     * and an unwritable one stops the run before any work */
    if (m.report_path && open_report(&m))
        goto out;
    if ((rc = store_begin(m.store)) < 0) {
        fprintf(stderr, "lis import: %s\n", store_errmsg(m.store));
        goto out;
    }
    in_tx = true;

    if (m.kind == KIND_REGISTRY) {
        struct registry_counts n = {0};
        buf_reset(&err);
        prog = progress_begin("import", 0);
        rc = registry_csv_import(m.store, csv, registry_reject, &m, &n, prog, &err);
        progress_end(prog);
        prog = NULL;
        m.read = n.read;
        m.inserted = n.imported;
        if (rc < 0)
            fprintf(stderr, "lis import: %s\n", buf_cstr(&err));
        if (rc == 0)
            for (int i = 0; i < REGISTRY_NRECORDS; i++)
                if (n.by_record[i])
                    printf("%-12s %lld\n", registry_record_name((enum registry_record)i),
                           (long long)n.by_record[i]);
    } else {
        prog = progress_begin("import", geo_source_count(m.src) > 0 ? geo_source_count(m.src) : 0);
        if (m.kind == KIND_PARCELS) {
            rc = import_parcels(&m, prog);
        } else {
            int (*row)(struct imp *) = m.kind == KIND_COMMUNES ? commune_row : planning_row;
            int more;
            rc = 0;
            while (rc == 0 && (more = geo_source_next(m.src)) == 1) {
                m.read++;
                rc = row(&m);
                progress_update(prog, m.read);
            }
            if (rc == 0 && more < 0) {
                fprintf(stderr, "lis import: %s\n", geo_source_errmsg(m.src));
                rc = more;
            }
        }
        progress_update(prog, m.read);
        progress_end(prog);
        prog = NULL;
    }
    if (rc != 0)
        goto out; /* rolled back below: the store stays as it was */

    double t1 = now();
    m.t_rows = t1 - t0;
    if ((rc = store_commit(m.store)) < 0) {
        fprintf(stderr, "lis import: commit: %s\n", store_errmsg(m.store));
        goto out;
    }
    in_tx = false;
    double t2 = now();
    m.t_commit = t2 - t1;
    if ((rc = store_optimize(m.store)) < 0)
        fprintf(stderr, "lis import: warning: optimize: %s\n", store_errmsg(m.store));
    m.t_optimize = now() - t2;
    print_summary(&m, now() - t0);
    code = 0;
out:
    progress_end(prog);
    if (in_tx) {
        store_rollback(m.store);
        if (m.read) {
            print_summary(&m, now() - t0);
            printf("rolled back: the store is as it was before this run\n");
        }
    }
    if (m.report && fclose(m.report) != 0) {
        fprintf(stderr, "lis import: writing %s: %s\n", buf_cstr(&m.report_name), strerror(errno));
        code = code ? code : 1;
    }
    buf_free(&m.report_name);
    csv_close(csv);
    geo_xform_free(m.xform);
    geo_free(m.geo);
    geo_source_close(m.src);
    if (m.lookup != m.store)
        store_close(m.lookup);
    store_close(m.store);
    config_free(m.cfg);
    keymap_free(m.seen);
    keymap_free(m.units);
    keymap_free(m.surveys);
    for (int i = 0; i < m.nunits; i++)
        free(m.unit_names[i]);
    free(m.unit_names);
    for (int i = 0; i < m.nsv; i++)
        free((char *)m.sv[i].name);
    free(m.sv);
    struct buf *bufs[] = {&m.geom, &m.tmp, &m.detail, &m.land_use, &m.bad, &m.key, &m.line,
                          &m.address, &m.valid_reason, &err};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        buf_free(bufs[i]);
    derived_free(&m.d);
    return code;
}
