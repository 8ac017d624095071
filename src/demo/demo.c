/* demo — see demo.h.
 *
 * The walk: read the real units of Lạng Sơn and the merger mapping from the
 * source-data folder; write the units and the communes of survey; then, unit
 * by unit, divide the unit among its former communes (geo/fabric.h), lay map
 * sheets and parcels over each part, and give every parcel a land use, an
 * address, a holder, rights, a certificate and a history; last, planning
 * zones near each unit's centre. One transaction per part of a unit.
 *
 * Every random choice comes from names_rand()/names_hash() seeded by --seed,
 * and most are hashed from where a thing is (part, block, sheet, number), so
 * the same seed gives the same province. */
#include "demo/demo.h"

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/progress.h"
#include "demo/names.h"
#include "geo/fabric.h"
#include "geo/geo.h"
#include "land/derive.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define DEFAULT_PARCELS 20000
#define RIVER_POINTS 41
#define VILLAGES 18 /* per part: 6 sectors x 3 rings around its centre */
#define RECENT 32   /* holders a new parcel may share */

/* ------------------------------------------------------------ source data */

struct former {           /* one row of the merger mapping: a commune of survey */
    char code[8];         /* former commune's code */
    char *name;           /* "Xã Mai Pha" */
    char unit[8];         /* current unit holding (part of) it */
    bool partial;         /* split among several units */
    char *district;       /* "Huyện Cao Lộc", "Thành phố Lạng Sơn" */
    char *type;           /* "Phường", "Thị trấn", "Xã" */
};

struct unit {
    char code[8];
    char *name;           /* "Phường Đông Kinh" */
    bool ward;
    struct buf wkb;       /* boundary, native CRS */
    int first, n;         /* its formers: formers[first .. first+n) */
};

struct source {
    struct unit *units;
    int nunits;
    struct former *formers;
    int nformers;
};

static void source_free(struct source *s)
{
    for (int i = 0; i < s->nunits; i++) {
        free(s->units[i].name);
        buf_free(&s->units[i].wkb);
    }
    for (int i = 0; i < s->nformers; i++) {
        free(s->formers[i].name);
        free(s->formers[i].district);
        free(s->formers[i].type);
    }
    free(s->units);
    free(s->formers);
}

/* Split one CSV line (no quoted fields in these files) in place. */
static int split_csv(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

/* Calls fn for each data line (header skipped) of dir/name. */
static int read_csv(const char *dir, const char *name, int nf,
                    int (*fn)(void *ctx, char **f), void *ctx, struct buf *err)
{
    struct buf path = BUF_INIT;
    char line[1024];
    int rc = 0, lineno = 0;
    buf_appendf(&path, "%s/%s", dir, name);
    FILE *fp = fopen(path.data, "r");
    if (!fp) {
        buf_appendf(err, "%s: %s", path.data, strerror(errno));
        rc = LIS_EIO;
        goto out;
    }
    while (fgets(line, sizeof line, fp)) {
        char *f[8];
        if (++lineno == 1 || line[0] == '\n' || line[0] == '\r')
            continue;
        if (split_csv(line, f, 8) < nf) {
            buf_appendf(err, "%s:%d: expected %d fields", path.data, lineno, nf);
            rc = LIS_EINVAL;
            goto out;
        }
        if ((rc = fn(ctx, f)) != 0) {
            buf_appendf(err, "%s:%d: bad row", path.data, lineno);
            goto out;
        }
    }
out:
    if (fp)
        fclose(fp);
    buf_free(&path);
    return rc;
}

static void copy_code(char dst[8], const char *src)
{
    size_t n = strlen(src);
    if (n > 7)
        n = 7;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int on_unit_row(void *ctx, char **f) /* stt,ma_xa,ten */
{
    struct source *s = ctx;
    s->units = xrealloc(s->units, (size_t)(s->nunits + 1) * sizeof *s->units);
    struct unit *u = &s->units[s->nunits++];
    memset(u, 0, sizeof *u);
    copy_code(u->code, f[1]);
    u->name = xstrdup(f[2]);
    u->ward = strncmp(f[2], "Phường", strlen("Phường")) == 0;
    return 0;
}

static int on_merge_row(void *ctx, char **f) /* new_code,new_name,old_code,old_name,type */
{
    struct source *s = ctx;
    s->formers = xrealloc(s->formers, (size_t)(s->nformers + 1) * sizeof *s->formers);
    struct former *m = &s->formers[s->nformers++];
    memset(m, 0, sizeof *m);
    copy_code(m->unit, f[0]);
    copy_code(m->code, f[2]);
    m->name = xstrdup(f[3]);
    m->partial = strcmp(f[4], "partial") == 0;
    return 0;
}

static int on_pre2025_row(void *ctx, char **f) /* district_code,district,commune_code,commune,type */
{
    struct source *s = ctx;
    for (int i = 0; i < s->nformers; i++)
        if (strcmp(s->formers[i].code, f[2]) == 0 && !s->formers[i].district) {
            s->formers[i].district = xstrdup(f[1]);
            s->formers[i].type = xstrdup(f[4]);
        }
    return 0;
}

static int cmp_unit(const void *a, const void *b)
{
    return strcmp(((const struct unit *)a)->code, ((const struct unit *)b)->code);
}

static int cmp_former(const void *a, const void *b)
{
    const struct former *x = a, *y = b;
    int c = strcmp(x->unit, y->unit);
    return c ? c : strcmp(x->code, y->code);
}

/* ---- GeoJSON rings to WKB ---- */

static int polygon_wkb(json_t *rings, struct buf *out)
{
    if (!json_is_array(rings) || json_array_size(rings) == 0)
        return LIS_EINVAL;
    geo_wkb_put_header(out, 3);
    geo_wkb_put_u32(out, (uint32_t)json_array_size(rings));
    size_t i, j;
    json_t *ring, *pt;
    json_array_foreach(rings, i, ring) {
        if (!json_is_array(ring) || json_array_size(ring) < 4)
            return LIS_EINVAL;
        geo_wkb_put_u32(out, (uint32_t)json_array_size(ring));
        json_array_foreach(ring, j, pt) {
            if (!json_is_array(pt) || json_array_size(pt) < 2 ||
                !json_is_number(json_array_get(pt, 0)) || !json_is_number(json_array_get(pt, 1)))
                return LIS_EINVAL;
            geo_wkb_put_f64(out, json_number_value(json_array_get(pt, 0)));
            geo_wkb_put_f64(out, json_number_value(json_array_get(pt, 1)));
        }
    }
    return 0;
}

/* The boundaries (WGS 84) of dir/wards-2025.geojson, as WKB, into the units. */
static int read_boundaries(struct source *s, const char *dir, struct buf *err)
{
    struct buf path = BUF_INIT;
    json_error_t je;
    json_t *root = NULL, *feat;
    int rc = 0;
    size_t i;

    buf_appendf(&path, "%s/wards-2025.geojson", dir);
    root = json_load_file(path.data, 0, &je);
    if (!root) {
        buf_appendf(err, "%s:%d: %s", path.data, je.line, je.text);
        rc = LIS_EIO;
        goto out;
    }
    json_array_foreach(json_object_get(root, "features"), i, feat) {
        const char *code = json_string_value(json_object_get(json_object_get(feat, "properties"),
                                                             "ma_xa"));
        json_t *geom = json_object_get(feat, "geometry");
        const char *type = json_string_value(json_object_get(geom, "type"));
        json_t *coords = json_object_get(geom, "coordinates");
        struct unit *u = NULL;
        for (int k = 0; code && k < s->nunits; k++)
            if (strcmp(s->units[k].code, code) == 0)
                u = &s->units[k];
        if (!u || !type) {
            buf_appendf(err, "%s: feature %zu: unknown unit %s", path.data, i, code ? code : "?");
            rc = LIS_EINVAL;
            goto out;
        }
        buf_reset(&u->wkb);
        if (strcmp(type, "Polygon") == 0) {
            rc = polygon_wkb(coords, &u->wkb);
        } else if (strcmp(type, "MultiPolygon") == 0 && json_is_array(coords)) {
            size_t j;
            json_t *poly;
            geo_wkb_put_header(&u->wkb, 6);
            geo_wkb_put_u32(&u->wkb, (uint32_t)json_array_size(coords));
            json_array_foreach(coords, j, poly) {
                if ((rc = polygon_wkb(poly, &u->wkb)) != 0)
                    break;
            }
        } else {
            rc = LIS_EINVAL;
        }
        if (rc) {
            buf_appendf(err, "%s: unit %s: bad geometry", path.data, code);
            goto out;
        }
    }
    for (int k = 0; k < s->nunits; k++)
        if (!s->units[k].wkb.len) {
            buf_appendf(err, "%s: no boundary for unit %s", path.data, s->units[k].code);
            rc = LIS_EINVAL;
            goto out;
        }
out:
    json_decref(root);
    buf_free(&path);
    return rc;
}

static int read_source(struct source *s, const char *dir, struct buf *err)
{
    int rc;
    if ((rc = read_csv(dir, "communes-2025.csv", 3, on_unit_row, s, err)) != 0 ||
        (rc = read_csv(dir, "merge-mapping-2025.csv", 5, on_merge_row, s, err)) != 0 ||
        (rc = read_csv(dir, "communes-pre2025.csv", 5, on_pre2025_row, s, err)) != 0 ||
        (rc = read_boundaries(s, dir, err)) != 0)
        return rc;
    qsort(s->units, (size_t)s->nunits, sizeof *s->units, cmp_unit);
    qsort(s->formers, (size_t)s->nformers, sizeof *s->formers, cmp_former);
    for (int i = 0, k = 0; i < s->nunits; i++) {
        struct unit *u = &s->units[i];
        while (k < s->nformers && strcmp(s->formers[k].unit, u->code) < 0)
            k++;
        u->first = k;
        while (k < s->nformers && strcmp(s->formers[k].unit, u->code) == 0)
            k++;
        u->n = k - u->first;
        if (u->n == 0) {
            buf_appendf(err, "merge-mapping-2025.csv: no former commune for unit %s", u->code);
            return LIS_EINVAL;
        }
    }
    for (int i = 0; i < s->nformers; i++)
        if (!s->formers[i].district) { /* unknown to the old list: treat as a rural commune */
            s->formers[i].district = xstrdup("");
            s->formers[i].type = xstrdup("Xã");
        }
    return 0;
}

/* ---------------------------------------------------------- density classes */

enum profile { CITY, TOWN, RURAL };

/* max_dist, scale, lot_area, block_area, road_width, road_prob, lot_aspect */
static const struct fabric_class city_classes[] = {
    {600, 500, 150, 3000, 8, 0.95, 3},
    {1500, 1000, 400, 10000, 7, 0.85, 2.5},
    {3500, 2000, 1500, 40000, 6, 0.6, 1.5},
    {7000, 5000, 8000, 250000, 5, 0.3},
    {1e12, 10000, 50000, 1.5e6, 5, 0.2},
};
static const struct fabric_class town_classes[] = {
    {400, 500, 180, 3500, 7, 0.9, 3},
    {1000, 1000, 500, 12000, 6, 0.8, 2.5},
    {2500, 2000, 1500, 40000, 5, 0.6, 1.5},
    {6000, 5000, 8000, 250000, 5, 0.3},
    {1e12, 10000, 50000, 1.5e6, 4, 0.2},
};
static const struct fabric_class rural_classes[] = {
    {1200, 2000, 1000, 25000, 5, 0.6, 1.5},
    {4000, 5000, 8000, 250000, 4, 0.3},
    {1e12, 10000, 50000, 1.5e6, 4, 0.15},
};

/* Shrink the classes' distances for a small budget, so that a few hundred
 * parcels still run from the centre through fields to forest (about three
 * quarters inside the finer classes) instead of filling one village. */
static void scale_classes(const struct fabric_class *base, int n, long budget,
                          struct fabric_class *out)
{
    double cap = 0, r0 = 0; /* parcels the finer classes hold at full size */
    for (int i = 0; i + 1 < n; i++) {
        cap += M_PI * (base[i].max_dist * base[i].max_dist - r0 * r0) / base[i].lot_area;
        r0 = base[i].max_dist;
    }
    double k = cap > 0 ? sqrt(0.75 * (double)budget / cap) : 1;
    k = k < 0.05 ? 0.05 : k > 1 ? 1 : k;
    for (int i = 0; i < n; i++) {
        out[i] = base[i];
        if (i + 1 < n)
            out[i].max_dist *= k;
    }
}

static enum profile profile_of(const struct former *m)
{
    if (strcmp(m->type, "Phường") == 0)
        return CITY;
    if (strcmp(m->type, "Thị trấn") == 0)
        return TOWN;
    return RURAL;
}

/* Share of the parcel budget: town centres are dense. */
static double weight_of(const struct unit *u, const struct former *m)
{
    switch (profile_of(m)) {
    case CITY: return 15;
    case TOWN: return 4;
    default: return u->ward ? 1.5 : 1;
    }
}

/* ------------------------------------------------------------------- dates */

struct date {
    int y, m, d;
};

static struct date date_in(uint64_t *r, int y0, int y1) /* a day in years y0..y1 */
{
    struct date t = {y0 + names_below(r, y1 - y0 + 1), 1 + names_below(r, 12),
                     1 + names_below(r, 28)};
    return t;
}

static int date_key(struct date t)
{
    return t.y * 10000 + t.m * 100 + t.d;
}

static struct date date_after(uint64_t *r, struct date t, int max_years, int limit_key)
{
    struct date u = t;
    u.y += 1 + names_below(r, max_years);
    u.m = 1 + names_below(r, 12);
    u.d = 1 + names_below(r, 28);
    if (date_key(u) > limit_key) {
        u.y = limit_key / 10000;
        u.m = (limit_key / 100) % 100;
        u.d = 1 + names_below(r, 28);
        if (u.d > limit_key % 100)
            u.d = limit_key % 100;
    }
    return u;
}

static void date_iso(struct date t, char out[16])
{
    /* the modulos tell the compiler the fields fit */
    snprintf(out, 16, "%04u-%02u-%02u", (unsigned)t.y % 10000u, (unsigned)t.m % 100u,
             (unsigned)t.d % 100u);
}

static void date_time_iso(struct date t, char out[32])
{
    snprintf(out, 32, "%04u-%02u-%02uT00:00:00Z", (unsigned)t.y % 10000u, (unsigned)t.m % 100u,
             (unsigned)t.d % 100u);
}

#define LAST_DATE 20250630 /* the demo's registry runs to the eve of the merger */

/* --------------------------------------------------------------- the walk */

struct org {              /* an organisation holder already written */
    char *name;
    int64_t id;
};

struct split_todo {       /* a parcel to split once its sheet's last number is known */
    int64_t id;
    int sheet;
    char use[24];
    char *address;
    int64_t holder;
    struct date when;
    struct buf wkb;
};

struct demo {
    struct store *st;
    struct geo *g;
    struct fabric *fab;
    const struct source *src;
    uint64_t seed;
    struct progress *prog;

    /* the unit and part being laid */
    const struct unit *u;
    const struct former *m;
    int part;             /* running number of the part: hashes */
    enum profile prof;
    const struct fabric_class *classes; /* the part's classes, as given to the fabric */
    char unit_short[160]; /* "phường Đông Kinh" */
    double cx, cy;        /* the part's centre */
    double river[2 * RIVER_POINTS];
    double river_half;    /* half width of the river, m */
    struct buf village[VILLAGES];
    int street_no[64];    /* next house number per street (per unit) */
    int64_t recent[RECENT];
    int nrecent;
    struct org *orgs;     /* per unit */
    int norgs;
    int *sheet_max;       /* highest parcel number per sheet of the part */
    int nsheet_max;
    struct split_todo *splits;
    int nsplits;
    int reg_no;           /* số vào sổ, per part */
    double reach;         /* farthest parcel of the unit's first part */

    /* scratch */
    struct derived d;
    struct buf addr, tmp, tmp2, desc;

    /* counts */
    long parcels, sheets, holders, certs, events, restrictions, versions, split_count, zones;
    long serial_seq;
    int err;
    struct buf errmsg;
};

static int demo_fail(struct demo *D, int rc, const char *what, const char *why)
{
    if (!D->err) {
        D->err = rc;
        buf_appendf(&D->errmsg, "%s: %s", what, why ? why : lis_strerror(rc));
    }
    return rc;
}

/* "Phường Đông Kinh" → "phường Đông Kinh", as inside an address. */
static void lower_kind(const char *name, char *out, size_t cap)
{
    struct buf b = BUF_INIT;
    if (strncmp(name, "Phường ", strlen("Phường ")) == 0)
        buf_appendf(&b, "phường %s", name + strlen("Phường "));
    else if (strncmp(name, "Xã ", strlen("Xã ")) == 0)
        buf_appendf(&b, "xã %s", name + strlen("Xã "));
    else if (strncmp(name, "Thị trấn ", strlen("Thị trấn ")) == 0)
        buf_appendf(&b, "thị trấn %s", name + strlen("Thị trấn "));
    else
        buf_puts(&b, name);
    snprintf(out, cap, "%s", buf_cstr(&b));
    buf_free(&b);
}

/* The name without its kind: "Xã Mai Pha" → "Mai Pha". */
static const char *bare_name(const char *name)
{
    const char *sp = strchr(name, ' ');
    if (strncmp(name, "Thị trấn ", strlen("Thị trấn ")) == 0)
        return name + strlen("Thị trấn ");
    return sp ? sp + 1 : name;
}

/* "Huyện Cao Lộc" → "huyện Cao Lộc", as inside a sentence; appended to out. */
static void district_lower(const char *district, struct buf *out)
{
    if (strncmp(district, "Huyện ", strlen("Huyện ")) == 0)
        buf_appendf(out, "huyện %s", district + strlen("Huyện "));
    else if (strncmp(district, "Thành phố ", strlen("Thành phố ")) == 0)
        buf_appendf(out, "thành phố %s", district + strlen("Thành phố "));
    else
        buf_puts(out, "tỉnh Lạng Sơn");
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static double river_dist(const struct demo *D, double x, double y)
{
    double best = INFINITY;
    for (int i = 0; i + 1 < RIVER_POINTS; i++) {
        double ax = D->river[2 * i], ay = D->river[2 * i + 1];
        double bx = D->river[2 * i + 2], by = D->river[2 * i + 3];
        double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
        double t = l2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / l2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double d = hypot(x - (ax + t * dx), y - (ay + t * dy));
        if (d < best)
            best = d;
    }
    return best;
}

/* A meandering river through the unit's centre: parcels on it are SON. */
static void make_river(struct demo *D, double cx, double cy, uint64_t h)
{
    uint64_t r = h;
    double ang = names_range(&r, 0, M_PI), amp = names_range(&r, 150, 450);
    double wl = names_range(&r, 1500, 3500), ph = names_range(&r, 0, 2 * M_PI);
    double ux = cos(ang), uy = sin(ang);
    for (int i = 0; i < RIVER_POINTS; i++) {
        double t = (i - RIVER_POINTS / 2) * 1000.0;
        double off = amp * sin(t / wl * 2 * M_PI + ph) - amp * sin(ph);
        D->river[2 * i] = cx + t * ux - off * uy;
        D->river[2 * i + 1] = cy + t * uy + off * ux;
    }
    D->river_half = D->u->ward ? names_range(&r, 20, 35) : names_range(&r, 8, 18);
}

/* ---- land use ---- */

static const char *residential(const struct demo *D)
{
    return D->u->ward ? "ODT" : "ONT";
}

/* The zone of a parcel: the scale its block's class is drawn at (500 town
 * centre ... 10000 forest), whatever the sheet's own scale. */
static int zone_of(const struct demo *D, const struct fabric_parcel *p)
{
    return D->classes[p->cls].scale;
}

/* The land use of a parcel, from its block's zone (so neighbours agree), its
 * sheet's scale and the river. */
static void pick_use(struct demo *D, const struct fabric_parcel *p, uint64_t bh, uint64_t *r,
                     struct buf *out)
{
    uint64_t bs = bh;
    double u = names_unif(&bs), v = names_unif(r);
    double dr = river_dist(D, p->x, p->y);
    const char *R = residential(D);

    buf_reset(out);
    if (dr < D->river_half && p->area < 4000) { /* a big field by the river stays a field */
        buf_puts(out, "SON");
        return;
    }
    if (p->road) {
        buf_puts(out, zone_of(D, p) >= 2000 && u < 0.15 ? "DTL" : "DGT");
        return;
    }
    if (dr < 300 && u < 0.03) {
        buf_puts(out, "MNC"); /* ponds and small reservoirs along the river */
        return;
    }
    bool valley = dr < 350;
    switch (zone_of(D, p)) {
    case 500:
    case 1000: {
        static const char *pub[] = {"TSC", "DGD", "DGD", "DYT", "DTT", "DVH", "TMD", "TON"};
        if (u < (p->dist < 900 ? 0.07 : 0.03))
            buf_puts(out, pub[(bh >> 20) % (uint64_t)COUNT(pub)]);
        else if (u < 0.15)
            buf_puts(out, "TMD");
        else if (u < 0.17 && zone_of(D, p) == 1000)
            buf_puts(out, "SKC");
        else if (u < 0.22 && zone_of(D, p) == 1000)
            buf_puts(out, valley ? "LUC" : "HNK");
        else if (v < 0.78)
            buf_puts(out, R);
        else if (v < 0.90)
            buf_appendf(out, "%s+CLN", R);
        else if (v < 0.96)
            buf_puts(out, "CLN");
        else
            buf_puts(out, "HNK");
        return;
    }
    case 2000:
        if (valley && u < 0.45)
            buf_puts(out, v < 0.65 ? "LUC" : v < 0.92 ? "LUK" : "NTS");
        else if (u < 0.32) { /* a village */
            if (v < 0.42)
                buf_puts(out, R);
            else if (v < 0.72)
                buf_appendf(out, "%s+CLN", R);
            else if (v < 0.88)
                buf_puts(out, "CLN");
            else
                buf_puts(out, "HNK");
        } else if (u < 0.52)
            buf_puts(out, v < 0.55 ? "LUC" : "LUK");
        else if (u < 0.66)
            buf_puts(out, "HNK");
        else if (u < 0.79)
            buf_puts(out, "CLN");
        else if (u < 0.82)
            buf_puts(out, "NTS");
        else if (u < 0.84)
            buf_puts(out, "NTD");
        else if (u < 0.86)
            buf_puts(out, v < 0.4 ? "DGD" : v < 0.6 ? "TSC" : v < 0.8 ? "DVH" : "DTT");
        else if (u < 0.95)
            buf_puts(out, "RSX");
        else
            buf_puts(out, "LUK");
        return;
    case 5000:
        if (valley && u < 0.3)
            buf_puts(out, v < 0.5 ? "LUC" : "LUK");
        else if (u < 0.40)
            buf_puts(out, "RSX");
        else if (u < 0.52)
            buf_puts(out, "RPH");
        else if (u < 0.65)
            buf_puts(out, "CLN");
        else if (u < 0.75)
            buf_puts(out, "HNK");
        else if (u < 0.83)
            buf_puts(out, "LUK");
        else if (u < 0.86)
            buf_puts(out, "LUC");
        else if (u < 0.88)
            buf_puts(out, "NTS");
        else if (u < 0.89)
            buf_puts(out, "NTD");
        else if (u < 0.93)
            buf_puts(out, "BCS");
        else if (u < 0.96)
            buf_appendf(out, "%s+CLN", R); /* a hamlet */
        else
            buf_puts(out, "DCS");
        return;
    default: /* 1:10000: forest and bare hills */
        if (strcmp(D->m->name, "Xã Hữu Liên") == 0 && u < 0.6)
            buf_puts(out, "RDD"); /* the Hữu Liên nature reserve */
        else if (u < 0.55)
            buf_puts(out, "RSX");
        else if (u < 0.88)
            buf_puts(out, "RPH");
        else if (u < 0.95)
            buf_puts(out, "DCS");
        else
            buf_puts(out, "CLN");
        return;
    }
}

static bool has_use(const char *use, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = use; (p = strstr(p, code)) != NULL; p += n)
        if ((p == use || p[-1] == '+') && (p[n] == '\0' || p[n] == '+'))
            return true;
    return false;
}

static bool is_residential(const char *use)
{
    return has_use(use, "ODT") || has_use(use, "ONT");
}

/* Land the commune manages without a certificate. */
static bool is_public_managed(const char *use)
{
    static const char *codes[] = {"DGT", "DTL", "SON", "MNC", "NTD", "DVH", "DTT", "BCS", "DCS"};
    for (int i = 0; i < COUNT(codes); i++)
        if (strcmp(use, codes[i]) == 0)
            return true;
    return false;
}

static bool is_agri(const char *use)
{
    static const char *codes[] = {"LUC", "LUK", "HNK", "CLN", "NTS", "RSX"};
    for (int i = 0; i < COUNT(codes); i++)
        if (strcmp(use, codes[i]) == 0)
            return true;
    return false;
}

/* ---- holders ---- */

static int64_t org_holder(struct demo *D, const char *name, const char *id_number,
                          const char *address)
{
    for (int i = 0; i < D->norgs; i++)
        if (strcmp(D->orgs[i].name, name) == 0)
            return D->orgs[i].id;
    struct store_holder h = {.kind = "organisation", .name = name, .id_number = id_number,
                             .address = address};
    int64_t id = store_holder_put(D->st, &h);
    if (id < 0)
        return demo_fail(D, (int)id, "holder", store_errmsg(D->st));
    D->holders++;
    D->orgs = xrealloc(D->orgs, (size_t)(D->norgs + 1) * sizeof *D->orgs);
    D->orgs[D->norgs].name = xstrdup(name);
    D->orgs[D->norgs].id = id;
    D->norgs++;
    return id;
}

static void orgs_clear(struct demo *D)
{
    for (int i = 0; i < D->norgs; i++)
        free(D->orgs[i].name);
    D->norgs = 0;
}

static int64_t ubnd_holder(struct demo *D)
{
    struct buf n = BUF_INIT, a = BUF_INIT;
    buf_appendf(&n, "UBND %s", D->unit_short);
    buf_appendf(&a, "%s, tỉnh Lạng Sơn", D->unit_short);
    int64_t id = org_holder(D, n.data, NULL, a.data);
    buf_free(&n);
    buf_free(&a);
    return id;
}

/* A household or a person; written to the store. */
static int64_t person_holder(struct demo *D, uint64_t *r, const char *address, struct buf *name)
{
    bool household = names_unif(r) < 0.65;
    bool female = names_unif(r) < (household ? 0.15 : 0.35);
    int birth = 1940 + names_below(r, 61);
    char idno[16];
    struct buf person = BUF_INIT;

    names_person(r, female, &person);
    buf_reset(name);
    if (household)
        buf_appendf(name, "Hộ %s %s", female ? "bà" : "ông", person.data);
    else
        buf_puts(name, person.data);
    /* CCCD: province of birth registration (020 Lạng Sơn), century and sex, year, 6 digits */
    int cs = (birth >= 2000 ? 2 : 0) + (female ? 1 : 0);
    snprintf(idno, sizeof idno, "020%d%02d%06d", cs, birth % 100, names_below(r, 1000000));
    struct store_holder h = {.kind = household ? "household" : "individual",
                             .name = name->data,
                             .id_number = idno,
                             .address = address,
                             .birth_year = birth};
    int64_t id = store_holder_put(D->st, &h);
    buf_free(&person);
    if (id < 0)
        return demo_fail(D, (int)id, "holder", store_errmsg(D->st));
    D->holders++;
    D->recent[D->nrecent++ % RECENT] = id;
    return id;
}

/* ---- the registry of one parcel ---- */

static void certificate_serial(struct demo *D, struct date t, char out[16])
{
    /* series letters move on with the years, as the printed forms did */
    char a = t.y < 2009 ? 'A' : t.y < 2014 ? 'B' : t.y < 2020 ? 'C' : 'D';
    char b = (char)('A' + (t.y * 7 + t.m) % 24);
    long n = (D->serial_seq++ * 611953L + 123457L) % 1000000L; /* a bijection on 0..999999 */
    snprintf(out, 16, "%c%c %06ld", a, b, n);
}

static void issuer_for(struct demo *D, struct date t, bool org, uint64_t *r, struct buf *out)
{
    buf_reset(out);
    int k = date_key(t);
    if (k >= 20250301)
        buf_puts(out, "Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn");
    else if (org)
        buf_puts(out, t.y < 2014 ? "UBND tỉnh Lạng Sơn" : "Sở Tài nguyên và Môi trường tỉnh Lạng Sơn");
    else if (t.y >= 2015 && names_unif(r) < 0.3)
        buf_puts(out, "Sở Tài nguyên và Môi trường tỉnh Lạng Sơn");
    else {
        buf_puts(out, "UBND ");
        district_lower(D->m->district, out);
    }
}

static int put_certificate(struct demo *D, int64_t parcel, struct date t, bool org, uint64_t *r)
{
    char serial[16], issued[16], reg[16];
    certificate_serial(D, t, serial);
    date_iso(t, issued);
    snprintf(reg, sizeof reg, "%s%05d", org ? "CT" : "CH", ++D->reg_no);
    issuer_for(D, t, org, r, &D->tmp2);
    struct store_certificate c = {.parcel_id = parcel, .serial = serial, .issued_on = issued,
                                  .issuer = D->tmp2.data, .register_no = reg};
    int rc = store_certificate_put(D->st, &c);
    if (rc < 0)
        return demo_fail(D, rc, "certificate", store_errmsg(D->st));
    D->certs++;
    return 0;
}

static int put_event(struct demo *D, int64_t parcel, const char *kind, struct date t,
                     const char *desc, int version, int64_t related)
{
    char when[16];
    date_iso(t, when);
    struct store_event e = {.parcel_id = parcel, .kind = kind, .date = when, .description = desc,
                            .version = version, .related_id = related};
    int rc = store_event_put(D->st, &e);
    if (rc < 0)
        return demo_fail(D, rc, "event", store_errmsg(D->st));
    D->events++;
    return 0;
}

/* Rights: a residential+perennial parcel holds a long-term residential part
 * (up to the allocation limit) and a perennial part with a term. */
static int put_rights(struct demo *D, int64_t parcel, int64_t holder, const char *use, double area,
                      struct date from, const char *origin)
{
    char end[16];
    struct date e = from;
    e.y += 50;
    date_iso(e, end);
    char code[8];
    const char *p = use;
    double res_area = area;
    if (strchr(use, '+')) {
        res_area = floor(fmin(area * 0.4, 400) * 10) / 10;
        if (res_area < 1)
            res_area = area;
    }
    while (*p) {
        size_t n = strcspn(p, "+");
        snprintf(code, sizeof code, "%.*s", (int)(n < 7 ? n : 7), p);
        bool res = strcmp(code, "ODT") == 0 || strcmp(code, "ONT") == 0;
        bool termed = is_agri(code) || strcmp(code, "TMD") == 0 || strcmp(code, "SKC") == 0;
        double a = strchr(use, '+') ? (res ? res_area : area - res_area) : area;
        struct store_right rt = {.parcel_id = parcel,
                                 .holder_id = holder,
                                 .kind = "use",
                                 .land_use = code,
                                 .area = floor(a * 10 + 0.5) / 10,
                                 .term = termed ? end : "long-term",
                                 .origin = origin,
                                 .share = 1.0};
        int rc = store_right_put(D->st, &rt);
        if (rc < 0)
            return demo_fail(D, rc, "right", store_errmsg(D->st));
        p += n;
        if (*p == '+')
            p++;
    }
    return 0;
}

static const char *origin_for(const char *use, bool org, bool bought, bool inherited,
                              uint64_t *r)
{
    if (bought)
        return "Nhận chuyển nhượng quyền sử dụng đất";
    if (inherited)
        return names_unif(r) < 0.8 ? "Nhận thừa kế quyền sử dụng đất"
                                   : "Nhận tặng cho quyền sử dụng đất";
    if (has_use(use, "TMD") || has_use(use, "SKC"))
        return names_unif(r) < 0.6 ? "Nhà nước cho thuê đất trả tiền thuê đất hằng năm"
                                   : "Nhà nước cho thuê đất trả tiền thuê đất một lần cho cả "
                                     "thời gian thuê";
    if (is_residential(use))
        return names_unif(r) < 0.75
                   ? "Công nhận quyền sử dụng đất như giao đất có thu tiền sử dụng đất"
                   : "Nhà nước giao đất có thu tiền sử dụng đất";
    if (is_public_managed(use))
        return "Nhà nước giao đất để quản lý";
    if (org)
        return "Nhà nước giao đất không thu tiền sử dụng đất";
    return names_unif(r) < 0.75
               ? "Nhà nước giao đất không thu tiền sử dụng đất"
               : "Công nhận quyền sử dụng đất như giao đất không thu tiền sử dụng đất";
}

/* ---- one parcel ---- */

static void address_for(struct demo *D, const struct fabric_parcel *p, uint64_t bh,
                        const char *use, struct buf *out)
{
    buf_reset(out);
    double ang = atan2(p->y - D->cy, p->x - D->cx) + M_PI;
    int sector = (int)(ang / (2 * M_PI) * 6) % 6;
    int ring = p->dist < 1500 ? 0 : p->dist < 4000 ? 1 : 2;
    const char *village = D->village[sector * 3 + ring].data;

    if (D->prof == CITY && zone_of(D, p) <= 1000) {
        uint64_t sh = bh % 64 == 0 ? bh / 64 : bh; /* a few blocks take a second street */
        const char *street = names_street(sh);
        if (strcmp(use, "DGT") == 0) {
            buf_appendf(out, "Đường %s, %s", street, D->unit_short);
            return;
        }
        int k = (int)((sh / 7) % 64);
        D->street_no[k] += 1 + (int)(bh % 2);
        buf_appendf(out, "Số %d, đường %s, %s", D->street_no[k], street, D->unit_short);
    } else if (D->prof == TOWN && zone_of(D, p) <= 1000) {
        int k = 1 + sector + 6 * ring;
        D->street_no[k] += 1;
        if (is_residential(use))
            buf_appendf(out, "Số %d, khu phố %d, %s", D->street_no[k], k, D->unit_short);
        else
            buf_appendf(out, "Khu phố %d, %s", k, D->unit_short);
    } else if (D->u->ward) {
        buf_appendf(out, "Thôn %s, %s", village, D->unit_short);
    } else {
        buf_appendf(out, "Thôn %s, %s", village, D->unit_short);
    }
}

/* Who holds a parcel of this use: organisations for public land and much of
 * the forest, households and people for the rest. Returns the holder id. */
static int64_t holder_for(struct demo *D, const struct fabric_parcel *p, const char *use,
                          uint64_t bh, uint64_t *r, const char *address, bool *org)
{
    *org = true;
    if (is_public_managed(use) || strcmp(use, "TSC") == 0)
        return ubnd_holder(D);
    struct buf *n = &D->tmp;
    buf_reset(n);
    if (strcmp(use, "DGD") == 0) {
        static const char *kinds[] = {"Trường Mầm non", "Trường Tiểu học",
                                      "Trường Trung học cơ sở", "Trường Tiểu học và Trung học cơ sở"};
        buf_appendf(n, "%s %s", kinds[(bh >> 8) % 4], bare_name(D->m->name));
        return org_holder(D, n->data, NULL, address);
    }
    if (strcmp(use, "DYT") == 0) {
        if (D->u->ward && p->dist < 800)
            buf_puts(n, "Trung tâm Y tế thành phố Lạng Sơn");
        else
            buf_appendf(n, "Trạm Y tế %s", D->unit_short);
        return org_holder(D, n->data, NULL, address);
    }
    if (strcmp(use, "TON") == 0) {
        buf_appendf(n, "Chùa %s", bare_name(D->m->name));
        return org_holder(D, n->data, NULL, address);
    }
    if (strcmp(use, "RDD") == 0)
        return org_holder(D, "Ban quản lý Khu bảo tồn thiên nhiên Hữu Liên", NULL,
                          "xã Hữu Liên, tỉnh Lạng Sơn");
    if (strcmp(use, "RPH") == 0 && (bh >> 12) % 2 == 0) {
        buf_puts(n, "Ban quản lý rừng phòng hộ ");
        district_lower(D->m->district, n);
        return org_holder(D, n->data, NULL, address);
    }
    if (strcmp(use, "RSX") == 0 && (bh >> 12) % 7 == 0) {
        if (strstr(D->m->district, "Đình Lập"))
            return org_holder(D, "Công ty TNHH MTV Lâm nghiệp Đình Lập", "4900100317", address);
        if (strstr(D->m->district, "Lộc Bình"))
            return org_holder(D, "Công ty TNHH MTV Lâm nghiệp Lộc Bình", "4900100405", address);
        return ubnd_holder(D);
    }
    if ((has_use(use, "TMD") || has_use(use, "SKC")) && (bh >> 12) % 5 < 3) {
        char tax[16];
        names_company(bh, n);
        snprintf(tax, sizeof tax, "49%08d", (int)((bh >> 24) % 100000000));
        return org_holder(D, n->data, tax, address);
    }
    *org = false;
    /* a household often holds several parcels: fields, forest and the house */
    double share = is_residential(use) ? 0.1 : 0.35;
    if (D->nrecent > 0 && names_unif(r) < share) {
        int k = D->nrecent < RECENT ? D->nrecent : RECENT;
        return D->recent[names_below(r, k)];
    }
    struct buf haddr = BUF_INIT;
    buf_appendf(&haddr, "%s, tỉnh Lạng Sơn", address);
    int64_t id = person_holder(D, r, haddr.data, &D->tmp);
    buf_free(&haddr);
    return id;
}

static void note_sheet_max(struct demo *D, int sheet, int number)
{
    if (sheet >= D->nsheet_max) {
        int n = sheet + 64;
        D->sheet_max = xrealloc(D->sheet_max, (size_t)n * sizeof *D->sheet_max);
        memset(D->sheet_max + D->nsheet_max, 0, (size_t)(n - D->nsheet_max) * sizeof(int));
        D->nsheet_max = n;
    }
    if (number > D->sheet_max[sheet])
        D->sheet_max[sheet] = number;
}

/* Derive (unless `again`: same geometry and address as the last call) and put. */
static int put_parcel(struct demo *D, struct store_parcel *sp, const uint8_t *wkb, size_t len,
                      const char *address, bool again, int64_t *id)
{
    int rc = again ? 0 : derive_parcel(D->g, wkb, len, address, D->u->name, D->m->name, &D->d);
    if (rc)
        return demo_fail(D, rc, "derive", geo_errmsg(D->g));
    memcpy(sp->national_id, D->d.national_id, sizeof sp->national_id);
    sp->area_map = D->d.area_map;
    sp->wkb = wkb;
    sp->wkb_len = len;
    sp->wkb_mercator = (const uint8_t *)D->d.mercator.data;
    sp->wkb_mercator_len = D->d.mercator.len;
    sp->search_text = D->d.search_text.data;
    sp->address = address;
    rc = store_parcel_put(D->st, sp, id);
    if (rc < 0)
        return demo_fail(D, rc, "parcel", store_errmsg(D->st));
    return rc;
}

static int on_parcel(void *ctx, const struct fabric_parcel *p)
{
    struct demo *D = ctx;
    uint64_t bh = names_hash(D->seed, (uint64_t)D->part, (uint64_t)p->block);
    uint64_t r = names_hash(D->seed ^ 0x9a4ce1ULL, (uint64_t)D->part,
                            (uint64_t)p->sheet << 24 | (uint64_t)p->number);
    uint64_t sheet_h = names_hash(D->seed ^ 0x5ee7ULL, (uint64_t)D->part, (uint64_t)p->sheet);
    struct buf use = BUF_INIT, addr = BUF_INIT, oldname = BUF_INIT;
    char sheet[16], number[16], valid_from[32];
    int64_t id = 0, holder;
    bool org = false;
    int rc;

    pick_use(D, p, bh, &r, &use);
    address_for(D, p, bh, use.data, &addr);
    snprintf(sheet, sizeof sheet, "%d", p->sheet);
    snprintf(number, sizeof number, "%d", p->number);
    note_sheet_max(D, p->sheet, p->number);

    /* the sheet was surveyed in one year; certificates come before (older
     * measurements, so the legal area drifts) or after it */
    uint64_t sr = sheet_h;
    struct date surveyed = date_in(&sr, 1997, 2021);
    double yr = names_unif(&r);
    struct date issued = date_in(&r, yr < 0.25 ? 1994 : yr < 0.7 ? 2004 : 2015,
                                 yr < 0.25 ? 2003 : yr < 0.7 ? 2014 : 2024);
    /* the parcel exists from its survey, or from an older certificate */
    date_time_iso(!is_public_managed(use.data) && date_key(issued) < date_key(surveyed) ? issued
                                                                                       : surveyed,
                  valid_from);

    struct store_parcel sp = {0};
    memcpy(sp.survey_commune, D->m->code, sizeof D->m->code);
    memcpy(sp.commune, D->u->code, sizeof D->u->code);
    snprintf(sp.sheet, sizeof sp.sheet, "%s", sheet);
    snprintf(sp.number, sizeof sp.number, "%s", number);
    sp.land_use = use.data;
    sp.valid_from = valid_from;
    double map_area = p->area;
    bool certified = !is_public_managed(use.data);
    bool older = certified && date_key(issued) < date_key(surveyed);
    double dev = older ? names_range(&r, -0.06, 0.06) : 0;
    sp.area = floor(map_area * (1 + dev) * 10 + 0.5) / 10;
    if (sp.area <= 0)
        sp.area = 0.1;
    if ((rc = put_parcel(D, &sp, p->wkb, p->wkb_len, addr.data, false, &id)) < 0)
        goto out;
    D->parcels++;

    holder = holder_for(D, p, use.data, bh, &r, addr.data, &org);
    if (holder < 0)
        goto out;

    /* history of rights: first registration, perhaps a transfer or an inheritance */
    double hv = names_unif(&r);
    bool bought = !org && certified && hv < 0.12;
    bool inherited = !org && certified && !bought && hv < 0.16;
    struct date first = certified ? issued : surveyed;
    struct date last = first;
    if (certified) {
        if ((rc = put_event(D, id, "registration", first,
                            older ? "Đăng ký, cấp Giấy chứng nhận lần đầu (đo đạc cũ)"
                                  : "Đăng ký, cấp Giấy chứng nhận lần đầu",
                            1, 0)) < 0)
            goto out;
    } else if ((rc = put_event(D, id, "registration", first,
                               "Đăng ký đất đai lần đầu: đất do UBND cấp xã quản lý", 1, 0)) < 0)
        goto out;
    if (bought || inherited) {
        last = date_after(&r, first, 12, LAST_DATE);
        buf_reset(&D->desc);
        names_person(&r, names_unif(&r) < 0.2, &oldname);
        buf_appendf(&D->desc, "%s quyền sử dụng đất từ %s",
                    bought ? "Nhận chuyển nhượng" : "Nhận thừa kế", oldname.data);
        if ((rc = put_event(D, id, bought ? "transfer" : "inheritance", last, D->desc.data, 0,
                            0)) < 0)
            goto out;
    }
    const char *origin = origin_for(use.data, org, bought, inherited, &r);
    if ((rc = put_rights(D, id, holder, use.data, sp.area, first, origin)) < 0)
        goto out;
    if (certified && (rc = put_certificate(D, id, last, org, &r)) < 0)
        goto out;

    /* restrictions: mortgages to banks, a few disputes, rare seizures */
    double rv = names_unif(&r);
    if (certified && !org && rv < 0.035) {
        struct date since = date_after(&r, last, 8, LAST_DATE);
        bool released = names_unif(&r) < 0.35;
        struct date until = date_after(&r, since, 5, LAST_DATE);
        char s1[16], s2[16];
        date_iso(since, s1);
        date_iso(until, s2);
        const char *bank = names_bank(names_rand(&r));
        struct store_restriction rs = {.parcel_id = id,
                                       .kind = "mortgage",
                                       .party = bank,
                                       .since = s1,
                                       .until = released ? s2 : NULL,
                                       .note = "Thế chấp quyền sử dụng đất để bảo đảm khoản vay"};
        if ((rc = store_restriction_put(D->st, &rs)) < 0) {
            demo_fail(D, rc, "restriction", store_errmsg(D->st));
            goto out;
        }
        D->restrictions++;
        buf_reset(&D->desc);
        buf_appendf(&D->desc, "Đăng ký thế chấp tại %s", bank);
        if ((rc = put_event(D, id, "mortgage", since, D->desc.data, 0, 0)) < 0)
            goto out;
        if (released && (rc = put_event(D, id, "release", until, "Xóa đăng ký thế chấp", 0,
                                        0)) < 0)
            goto out;
    } else if (certified && !org && rv < 0.042) {
        struct date since = date_after(&r, last, 6, LAST_DATE);
        char s1[16];
        date_iso(since, s1);
        buf_reset(&oldname);
        buf_puts(&oldname, "Hộ ông ");
        names_person(&r, false, &oldname);
        struct store_restriction rs = {
            .parcel_id = id,
            .kind = "dispute",
            .party = oldname.data,
            .since = s1,
            .until = NULL,
            .note = "Tranh chấp ranh giới thửa đất, đang hòa giải tại UBND cấp xã"};
        if ((rc = store_restriction_put(D->st, &rs)) < 0) {
            demo_fail(D, rc, "restriction", store_errmsg(D->st));
            goto out;
        }
        D->restrictions++;
    } else if (certified && !org && rv < 0.0425) {
        struct date since = date_after(&r, last, 6, LAST_DATE);
        char s1[16];
        date_iso(since, s1);
        buf_reset(&D->desc);
        buf_puts(&D->desc, "Chi cục Thi hành án dân sự ");
        district_lower(D->m->district, &D->desc);
        struct store_restriction rs = {.parcel_id = id,
                                       .kind = "seizure",
                                       .party = D->desc.data,
                                       .since = s1,
                                       .note = "Kê biên quyền sử dụng đất để thi hành án"};
        if ((rc = store_restriction_put(D->st, &rs)) < 0) {
            demo_fail(D, rc, "restriction", store_errmsg(D->st));
            goto out;
        }
        D->restrictions++;
    }

    /* a second version: a re-survey fixes the legal area, or the use changes */
    double cv = names_unif(&r);
    if (certified && !p->road && cv < 0.05) {
        struct date when = date_after(&r, last, 10, LAST_DATE);
        char vf[32];
        date_time_iso(when, vf);
        struct store_parcel v2 = sp;
        struct buf use2 = BUF_INIT;
        const char *kind = "resurvey";
        buf_reset(&D->desc);
        if (older && sp.area != floor(map_area * 10 + 0.5) / 10) {
            v2.area = floor(map_area * 10 + 0.5) / 10;
            buf_appendf(&D->desc, "Đo đạc lại, chỉnh lý diện tích từ %.1f m² thành %.1f m²",
                        sp.area, v2.area);
        } else if ((strcmp(use.data, "HNK") == 0 || strcmp(use.data, "LUK") == 0 ||
                    strcmp(use.data, "CLN") == 0) &&
                   zone_of(D, p) <= 2000) {
            kind = "change_of_use";
            buf_appendf(&use2, "%s+CLN", residential(D));
            v2.land_use = use2.data;
            buf_appendf(&D->desc, "Chuyển mục đích sử dụng đất từ %s sang %s", use.data,
                        use2.data);
        } else {
            buf_free(&use2);
            goto split;
        }
        v2.valid_from = vf;
        int64_t id2 = 0;
        rc = put_parcel(D, &v2, p->wkb, p->wkb_len, addr.data, true, &id2);
        buf_free(&use2);
        if (rc < 0)
            goto out;
        D->versions++;
        if ((rc = put_event(D, id, kind, when, D->desc.data, 2, 0)) < 0)
            goto out;
        goto done;
    }
split:
    /* a few parcels are split later: once the sheet's last number is known */
    if (certified && !org && !p->clipped && !p->road && cv > 0.996 && p->area > 100) {
        D->splits = xrealloc(D->splits, (size_t)(D->nsplits + 1) * sizeof *D->splits);
        struct split_todo *t = &D->splits[D->nsplits++];
        memset(t, 0, sizeof *t);
        t->id = id;
        t->sheet = p->sheet;
        snprintf(t->use, sizeof t->use, "%s", use.data);
        t->address = xstrdup(addr.data);
        t->holder = holder;
        t->when = date_after(&r, last, 8, LAST_DATE);
        buf_append(&t->wkb, p->wkb, p->wkb_len);
    }
done:
    rc = 0;
    progress_update(D->prog, D->parcels);
out:
    buf_free(&use);
    buf_free(&addr);
    buf_free(&oldname);
    return D->err ? D->err : (rc < 0 ? rc : 0);
}

/* Split the parcels picked while laying the part: the old one retires, two
 * new ones take the next free numbers on its sheet. */
static int do_splits(struct demo *D)
{
    int rc = 0;
    struct buf a = BUF_INIT, b = BUF_INIT;
    for (int i = 0; i < D->nsplits && !D->err; i++) {
        struct split_todo *t = &D->splits[i];
        uint64_t r = names_hash(D->seed ^ 0x5b1171ULL, (uint64_t)D->part, (uint64_t)t->id);
        buf_reset(&a);
        buf_reset(&b);
        if (fabric_split((const uint8_t *)t->wkb.data, t->wkb.len, names_range(&r, 0.35, 0.65),
                         &a, &b) != 0)
            continue;
        char when[32], vf[32];
        date_time_iso(t->when, when);
        date_time_iso(t->when, vf);
        if ((rc = store_parcel_retire(D->st, t->id, when)) < 0) {
            demo_fail(D, rc, "retire", store_errmsg(D->st));
            break;
        }
        int64_t ids[2] = {0, 0};
        struct buf *pieces[2] = {&a, &b};
        for (int k = 0; k < 2; k++) {
            struct store_parcel sp = {0};
            memcpy(sp.survey_commune, D->m->code, sizeof D->m->code);
            memcpy(sp.commune, D->u->code, sizeof D->u->code);
            snprintf(sp.sheet, sizeof sp.sheet, "%d", t->sheet);
            snprintf(sp.number, sizeof sp.number, "%d", ++D->sheet_max[t->sheet]);
            sp.land_use = t->use;
            sp.valid_from = vf;
            double area = 0;
            if ((rc = geo_area(D->g, (const uint8_t *)pieces[k]->data, pieces[k]->len, &area)) < 0) {
                demo_fail(D, rc, "split area", geo_errmsg(D->g));
                goto out;
            }
            sp.area = floor(area * 10 + 0.5) / 10;
            if ((rc = put_parcel(D, &sp, (const uint8_t *)pieces[k]->data, pieces[k]->len,
                                 t->address, false, &ids[k])) < 0)
                goto out;
            D->parcels++;
            int64_t holder = t->holder;
            const char *origin = "Tách thửa từ thửa đất gốc";
            if (k == 1) { /* the second piece is sold */
                struct buf haddr = BUF_INIT;
                buf_appendf(&haddr, "%s, tỉnh Lạng Sơn", t->address);
                holder = person_holder(D, &r, haddr.data, &D->tmp);
                buf_free(&haddr);
                if (holder < 0)
                    goto out;
                origin = "Nhận chuyển nhượng quyền sử dụng đất";
            }
            if ((rc = put_rights(D, ids[k], holder, t->use, sp.area, t->when, origin)) < 0 ||
                (rc = put_certificate(D, ids[k], t->when, false, &r)) < 0)
                goto out;
        }
        buf_reset(&D->desc);
        buf_appendf(&D->desc, "Tách thửa thành các thửa %d và %d, tờ bản đồ số %d",
                    D->sheet_max[t->sheet] - 1, D->sheet_max[t->sheet], t->sheet);
        if ((rc = put_event(D, t->id, "split", t->when, D->desc.data, 0, ids[0])) < 0 ||
            (rc = put_event(D, t->id, "split", t->when, D->desc.data, 0, ids[1])) < 0 ||
            (rc = put_event(D, ids[0], "split", t->when, "Hình thành do tách thửa", 1, t->id)) <
                0 ||
            (rc = put_event(D, ids[1], "split", t->when, "Hình thành do tách thửa", 1, t->id)) < 0)
            goto out;
        D->split_count++;
    }
out:
    for (int i = 0; i < D->nsplits; i++) {
        free(D->splits[i].address);
        buf_free(&D->splits[i].wkb);
    }
    D->nsplits = 0;
    buf_free(&a);
    buf_free(&b);
    return D->err ? D->err : 0;
}

/* ---- planning zones ---- */

static void rect_wkb(double cx, double cy, double len, double wid, double ang, struct buf *out)
{
    double ux = cos(ang), uy = sin(ang), vx = -uy, vy = ux;
    double hl = len / 2, hw = wid / 2;
    double pts[5][2] = {{cx - hl * ux - hw * vx, cy - hl * uy - hw * vy},
                        {cx + hl * ux - hw * vx, cy + hl * uy - hw * vy},
                        {cx + hl * ux + hw * vx, cy + hl * uy + hw * vy},
                        {cx - hl * ux + hw * vx, cy - hl * uy + hw * vy},
                        {0, 0}};
    pts[4][0] = pts[0][0];
    pts[4][1] = pts[0][1];
    geo_wkb_put_header(out, 3);
    geo_wkb_put_u32(out, 1);
    geo_wkb_put_u32(out, 5);
    for (int i = 0; i < 5; i++) {
        geo_wkb_put_f64(out, pts[i][0]);
        geo_wkb_put_f64(out, pts[i][1]);
    }
}

static int planning(struct demo *D, const struct unit *u, const struct former *seat, double cx,
                    double cy)
{
    uint64_t r = names_hash(D->seed ^ 0x91a4ULL, (uint64_t)atoi(u->code), 0);
    struct buf rect = BUF_INIT, clip = BUF_INIT, plan = BUF_INIT, dec = BUF_INIT;
    struct buf placed[4] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT}; /* zones laid so far */
    int nplaced = 0, rc = 0;
    double reach = D->reach < 250 ? 250 : D->reach;

    buf_puts(&plan, "Quy hoạch sử dụng đất đến năm 2030 ");
    district_lower(seat->district, &plan);
    /* one decision of the province per district, in 2021-2022 */
    uint64_t dh = names_hash(D->seed, 0xdec1, str_hash(seat->district));
    buf_appendf(&dec, "Quyết định số %d/QĐ-UBND ngày %d/%d/%d của UBND tỉnh Lạng Sơn",
                (int)(200 + dh % 2200), (int)(1 + (dh >> 16) % 28), (int)(1 + (dh >> 24) % 12),
                2021 + (int)((dh >> 32) % 2));

    /* a new road through the centre, new housing near it; in wards also
     * trade and a school or clinic, elsewhere sometimes sport or industry */
    struct zone {
        const char *use;
        double len, wid, off; /* m, m, fraction of the reach from the centre */
    } zones[4];
    int nz = 0;
    zones[nz++] = (struct zone){"DGT", names_range(&r, 1500, 4000), names_range(&r, 24, 36),
                                names_range(&r, 0, 0.3)};
    zones[nz++] = (struct zone){residential(D), names_range(&r, 250, 500),
                                names_range(&r, 150, 300), names_range(&r, 0.4, 0.9)};
    if (u->ward) {
        zones[nz++] = (struct zone){"TMD", names_range(&r, 120, 220), names_range(&r, 100, 160),
                                    names_range(&r, 0.2, 0.7)};
        zones[nz++] = (struct zone){names_unif(&r) < 0.5 ? "DGD" : "DYT",
                                    names_range(&r, 100, 160), names_range(&r, 80, 140),
                                    names_range(&r, 0.3, 0.8)};
    } else if (names_unif(&r) < 0.5) {
        zones[nz++] = (struct zone){names_unif(&r) < 0.5 ? "DTT" : "SKC",
                                    names_range(&r, 120, 250), names_range(&r, 100, 200),
                                    names_range(&r, 0.3, 0.9)};
    }
    /* Zones of one plan do not overlap: a zone that would meet one placed
     * before it is moved (a few tries) or left out. */
    for (int i = 0; i < nz; i++) {
        bool ok = false;
        for (int attempt = 0; attempt < 8 && !ok; attempt++) {
            double a = names_range(&r, 0, 2 * M_PI), ang = names_range(&r, 0, M_PI);
            double zx = cx + cos(a) * zones[i].off * reach,
                   zy = cy + sin(a) * zones[i].off * reach;
            buf_reset(&rect);
            buf_reset(&clip);
            rect_wkb(zx, zy, zones[i].len, zones[i].wid, ang, &rect);
            rc = geo_intersection(D->g, (const uint8_t *)rect.data, rect.len,
                                  (const uint8_t *)u->wkb.data, u->wkb.len, &clip);
            if (rc < 0) {
                demo_fail(D, rc, "planning zone", geo_errmsg(D->g));
                goto out;
            }
            struct geo_box box;
            if (clip.len == 0 ||
                geo_wkb_envelope((const uint8_t *)clip.data, clip.len, &box) != 0)
                continue; /* fell outside the unit */
            ok = true;
            for (int k = 0; k < nplaced && ok; k++) {
                double shared = 0;
                rc = geo_intersection_area(D->g, (const uint8_t *)clip.data, clip.len,
                                           (const uint8_t *)placed[k].data, placed[k].len,
                                           &shared);
                if (rc < 0) {
                    demo_fail(D, rc, "planning zone", geo_errmsg(D->g));
                    goto out;
                }
                ok = shared < 0.01;
            }
        }
        if (!ok)
            continue;
        buf_append(&placed[nplaced++], clip.data, clip.len);
        struct store_planning_zone z = {.land_use = zones[i].use,
                                        .plan = plan.data,
                                        .decision = dec.data,
                                        .commune = u->code,
                                        .wkb = (const uint8_t *)clip.data,
                                        .wkb_len = clip.len};
        int64_t zid = store_planning_put(D->st, &z);
        if (zid < 0) {
            rc = demo_fail(D, (int)zid, "planning zone", store_errmsg(D->st));
            goto out;
        }
        D->zones++;
    }
    rc = 0;
out:
    for (int k = 0; k < 4; k++)
        buf_free(&placed[k]);
    buf_free(&rect);
    buf_free(&clip);
    buf_free(&plan);
    buf_free(&dec);
    return rc;
}

/* ---- one unit ---- */

static int lay_unit(struct demo *D, const struct unit *u, long *budget_left, double *weight_left,
                    int *next_sheet_of)
{
    const struct source *S = D->src;
    struct buf *parts = xcalloc((size_t)u->n, sizeof *parts);
    double *centres = xcalloc((size_t)u->n * 2, sizeof *centres);
    int rc = 0;

    D->u = u;
    lower_kind(u->name, D->unit_short, sizeof D->unit_short);
    memset(D->street_no, 0, sizeof D->street_no);
    orgs_clear(D);
    D->reach = 0;

    rc = fabric_divide(D->fab, (const uint8_t *)u->wkb.data, u->wkb.len, u->n,
                       names_hash(D->seed, 0xd1f1de, (uint64_t)atoi(u->code)), centres, parts);
    if (rc) {
        demo_fail(D, rc, u->name, fabric_errmsg(D->fab));
        goto out;
    }
    make_river(D, centres[0], centres[1], names_hash(D->seed, 0x71fe5, (uint64_t)atoi(u->code)));

    for (int i = 0; i < u->n; i++) {
        const struct former *m = &S->formers[u->first + i];
        D->m = m;
        D->part++;
        D->prof = profile_of(m);
        D->cx = centres[2 * i];
        D->cy = centres[2 * i + 1];
        D->nrecent = 0;
        D->reg_no = 0;
        if (D->sheet_max)
            memset(D->sheet_max, 0, (size_t)D->nsheet_max * sizeof *D->sheet_max);
        for (int k = 0; k < VILLAGES; k++) {
            /* distinct names within the part */
            for (uint64_t salt = 0;; salt++) {
                buf_reset(&D->village[k]);
                names_village(names_hash(D->seed, (uint64_t)D->part, (uint64_t)k * 977 + salt),
                              &D->village[k]);
                int dup = 0;
                for (int j = 0; j < k && !dup; j++)
                    dup = strcmp(D->village[j].data, D->village[k].data) == 0;
                if (!dup || salt > 50)
                    break;
            }
        }

        double w = weight_of(u, m);
        long budget = *weight_left > 0 ? (long)floor((double)*budget_left * w / *weight_left + 0.5)
                                       : 0;
        *weight_left -= w;
        /* a former commune split between units numbers its sheets across its parts */
        int fi = u->first + i, *next = &next_sheet_of[fi];
        for (int k = 0; k < S->nformers; k++)
            if (strcmp(S->formers[k].code, m->code) == 0) {
                next = &next_sheet_of[k];
                break;
            }

        struct fabric_opts o = {.cx = D->cx, .cy = D->cy, .budget = budget, .first_sheet = *next,
                                .seed = names_hash(D->seed, 0xfab, (uint64_t)D->part),
                                .min_area = 1};
        struct fabric_class cls[8];
        const struct fabric_class *base = D->prof == CITY   ? city_classes
                                          : D->prof == TOWN ? town_classes
                                                            : rural_classes;
        o.nclasses = D->prof == CITY   ? COUNT(city_classes)
                     : D->prof == TOWN ? COUNT(town_classes)
                                       : COUNT(rural_classes);
        scale_classes(base, o.nclasses, budget, cls);
        o.classes = cls;
        D->classes = cls;
        long before = D->parcels;
        int sheets = 0;
        long made = fabric_lay(D->fab, (const uint8_t *)parts[i].data, parts[i].len, &o, on_parcel,
                               D, &sheets);
        if (made < 0 || D->err) {
            if (!D->err)
                demo_fail(D, (int)made, m->name, fabric_errmsg(D->fab));
            rc = D->err;
            goto out;
        }
        if ((rc = do_splits(D)) != 0)
            goto out;
        if (i == 0) {
            /* reach of the first part: where its parcels end, for the planning zones */
            double area_guess = (double)(D->parcels - before) * o.classes[0].lot_area * 1.3;
            D->reach = sqrt(area_guess / M_PI);
            rc = planning(D, u, m, D->cx, D->cy);
            if (rc)
                goto out;
        }
        *next += sheets;
        D->sheets += sheets;
        *budget_left -= D->parcels - before;
        if (*budget_left < 0)
            *budget_left = 0;
    }
out:
    for (int i = 0; i < u->n; i++)
        buf_free(&parts[i]);
    free(parts);
    free(centres);
    return rc;
}

/* ------------------------------------------------------------- the command */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lis demo [--parcels N] [--seed S] [--out DIR] [--source-data DIR] [--force]\n"
            "\n"
            "Write a believable demo province, Lạng Sơn, into a new land store: the 65 real\n"
            "communes and wards (2025) with their boundaries, each divided among its former\n"
            "communes of survey, map sheets and parcels shaped like a cadastral fabric,\n"
            "land uses, addresses, holders, rights, certificates, restrictions, history\n"
            "and planning zones. The same seed gives the same province.\n"
            "\n"
            "  --parcels N        about N parcels (default %d)\n"
            "  --seed S           random seed (default 1)\n"
            "  --out DIR          the store's directory (default: the 'data' setting, var/demo)\n"
            "  --source-data DIR  folder of the real data (default $LIS_SOURCE_DATA or\n"
            "                     data/langson)\n"
            "  --force            replace an existing store in DIR\n"
            "  --help             this text\n",
            DEFAULT_PARCELS);
}

static bool exists(const char *dir, const char *name)
{
    struct buf p = BUF_INIT;
    struct stat st;
    buf_appendf(&p, "%s/%s", dir, name);
    bool e = stat(p.data, &st) == 0;
    buf_free(&p);
    return e;
}

static void remove_store(const char *dir)
{
    static const char *files[] = {"land.gpkg", "land.gpkg-wal", "land.gpkg-shm",
                                  "land.gpkg-journal", "registry.db", "registry.db-wal",
                                  "registry.db-shm", "registry.db-journal"};
    struct buf p = BUF_INIT;
    for (int i = 0; i < COUNT(files); i++) {
        buf_reset(&p);
        buf_appendf(&p, "%s/%s", dir, files[i]);
        unlink(p.data);
    }
    buf_free(&p);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return LIS_EINVAL;
    *out = v;
    return 0;
}

int demo_cmd(int argc, char **argv)
{
    static const struct option opts[] = {
        {"parcels", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"source-data", required_argument, NULL, 'd'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long parcels = DEFAULT_PARCELS, seed = 1;
    const char *out_dir = NULL, *src_dir = getenv("LIS_SOURCE_DATA");
    bool force = false, created = false;
    struct config *cfg = NULL;
    struct source S = {0};
    struct demo D = {0};
    struct buf err = BUF_INIT, wgs = BUF_INIT, wkt = BUF_INIT, crs_name = BUF_INIT;
    int *next_sheet = NULL;
    int status = 1, c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (parse_long(optarg, 0, 100000000, &parcels)) {
                fprintf(stderr, "lis demo: --parcels wants a number from 0 to 100000000\n");
                return 2;
            }
            break;
        case 's':
            if (parse_long(optarg, 0, 0x7fffffffffffffffL, &seed)) {
                fprintf(stderr, "lis demo: --seed wants a non-negative number\n");
                return 2;
            }
            break;
        case 'o': out_dir = optarg; break;
        case 'd': src_dir = optarg; break;
        case 'f': force = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "lis demo: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!src_dir || !*src_dir)
        src_dir = "data/langson";

    double t0 = now();
    cfg = config_new();
    if (config_load_defaults(cfg, NULL, &err) != 0) {
        fprintf(stderr, "lis demo: %s\n", err.data);
        goto out;
    }
    if (!out_dir)
        out_dir = config_get(cfg, "data");

    if (exists(out_dir, "land.gpkg") || exists(out_dir, "registry.db")) {
        if (!force) {
            fprintf(stderr, "lis demo: %s already holds a store; use --force to replace it\n",
                    out_dir);
            goto out;
        }
        remove_store(out_dir);
    }
    if (read_source(&S, src_dir, &err) != 0) {
        fprintf(stderr, "lis demo: reading the source data in %s: %s\n", src_dir, err.data);
        goto out;
    }

    D.src = &S;
    D.seed = (uint64_t)seed;
    D.g = geo_new(config_get(cfg, "crs"), &err);
    if (!D.g) {
        fprintf(stderr, "lis demo: %s\n", err.data);
        goto out;
    }
    D.fab = fabric_new(&err);
    if (!D.fab) {
        fprintf(stderr, "lis demo: %s\n", err.data);
        goto out;
    }
    /* the CRS's WKT and name for the GeoPackage: 'PROJCS["VN-2000 / TM-3 107-15",...' */
    if (geo_crs_wkt(D.g, &wkt) != 0) {
        fprintf(stderr, "lis demo: %s\n", geo_errmsg(D.g));
        goto out;
    }
    const char *q1 = strchr(wkt.data, '"'), *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
    if (q1 && q2)
        buf_append(&crs_name, q1 + 1, (size_t)(q2 - q1 - 1));
    struct store_create_opts co = {.crs = config_get(cfg, "crs"),
                                   .province_code = config_get(cfg, "province_code"),
                                   .province_name = config_get(cfg, "province_name"),
                                   .mountainous = config_get_bool(cfg, "mountainous"),
                                   .crs_name = crs_name.len ? crs_name.data : NULL,
                                   .crs_wkt = wkt.data};
    D.st = store_open(out_dir, STORE_CREATE, &co, &err);
    if (!D.st) {
        fprintf(stderr, "lis demo: %s: %s\n", out_dir, err.data);
        goto out;
    }
    created = true;

    /* units and communes of survey */
    if (store_begin(D.st) < 0) {
        fprintf(stderr, "lis demo: %s\n", store_errmsg(D.st));
        goto out;
    }
    for (int i = 0; i < S.nunits; i++) {
        struct unit *u = &S.units[i];
        buf_reset(&wgs);
        buf_append(&wgs, u->wkb.data, u->wkb.len);
        buf_reset(&u->wkb);
        int rc = geo_wkb_transform(D.g, GEO_WGS84, GEO_NATIVE, (const uint8_t *)wgs.data, wgs.len,
                                   &u->wkb);
        if (rc == 0 && geo_is_valid(D.g, (const uint8_t *)u->wkb.data, u->wkb.len, NULL) == 0) {
            buf_reset(&wgs);
            rc = geo_make_valid(D.g, (const uint8_t *)u->wkb.data, u->wkb.len, &wgs);
            if (rc == 0) {
                buf_reset(&u->wkb);
                buf_append(&u->wkb, wgs.data, wgs.len);
            }
        }
        if (rc) {
            fprintf(stderr, "lis demo: boundary of %s: %s\n", u->name, geo_errmsg(D.g));
            goto out;
        }
        struct store_commune sc = {.name = u->name,
                                   .kind = u->ward ? "ward" : "commune",
                                   .mountainous = true,
                                   .wkb = (const uint8_t *)u->wkb.data,
                                   .wkb_len = u->wkb.len};
        snprintf(sc.code, sizeof sc.code, "%s", u->code);
        if ((rc = store_commune_put(D.st, &sc)) < 0) {
            fprintf(stderr, "lis demo: commune %s: %s\n", u->code, store_errmsg(D.st));
            goto out;
        }
    }
    for (int i = 0; i < S.nformers; i++) {
        struct store_survey_commune sc = {.name = S.formers[i].name};
        snprintf(sc.code, sizeof sc.code, "%s", S.formers[i].code);
        snprintf(sc.commune, sizeof sc.commune, "%s", S.formers[i].unit);
        if (store_survey_commune_put(D.st, &sc) < 0) {
            fprintf(stderr, "lis demo: survey commune %s: %s\n", sc.code, store_errmsg(D.st));
            goto out;
        }
    }
    if (store_commit(D.st) < 0) {
        fprintf(stderr, "lis demo: %s\n", store_errmsg(D.st));
        goto out;
    }

    /* parcels, unit by unit */
    double weight = 0;
    for (int i = 0; i < S.nunits; i++)
        for (int k = 0; k < S.units[i].n; k++)
            weight += weight_of(&S.units[i], &S.formers[S.units[i].first + k]);
    next_sheet = xcalloc((size_t)S.nformers + 1, sizeof *next_sheet);
    for (int i = 0; i < S.nformers; i++)
        next_sheet[i] = 1;
    long left = parcels;
    /* All parcels in one transaction: the store then builds its spatial
     * indexes in one pass at commit instead of row by row (see store.h), and a
     * failed demo leaves nothing half-written. */
    if (store_begin(D.st) < 0) {
        fprintf(stderr, "lis demo: %s\n", store_errmsg(D.st));
        goto out;
    }
    D.prog = progress_begin("demo", parcels);
    for (int i = 0; i < S.nunits; i++)
        if (lay_unit(&D, &S.units[i], &left, &weight, next_sheet) != 0) {
            progress_end(D.prog);
            D.prog = NULL;
            store_rollback(D.st);
            fprintf(stderr, "lis demo: %s\n", D.errmsg.data ? D.errmsg.data : "failed");
            goto out;
        }
    progress_end(D.prog);
    D.prog = NULL;
    if (store_commit(D.st) < 0) {
        fprintf(stderr, "lis demo: %s\n", store_errmsg(D.st));
        goto out;
    }

    if (store_optimize(D.st) < 0) {
        fprintf(stderr, "lis demo: optimize: %s\n", store_errmsg(D.st));
        goto out;
    }
    printf("demo province written to %s in %.1f s\n", out_dir, now() - t0);
    int wards = 0;
    for (int i = 0; i < S.nunits; i++)
        wards += S.units[i].ward;
    printf("  units           %d (%d wards)\n", S.nunits, wards);
    printf("  survey communes %d\n", S.nformers);
    printf("  map sheets      %ld\n", D.sheets);
    struct store_info info = {0};
    store_info(D.st, &info);
    printf("  parcels         %lld current (%ld made, %ld later versions, %ld split in two)\n",
           (long long)info.parcels, D.parcels, D.versions, D.split_count);
    printf("  holders         %ld\n", D.holders);
    printf("  certificates    %ld\n", D.certs);
    printf("  restrictions    %ld\n", D.restrictions);
    printf("  events          %ld\n", D.events);
    printf("  planning zones  %ld\n", D.zones);
    status = 0;
out:
    free(next_sheet);
    orgs_clear(&D);
    free(D.orgs);
    free(D.sheet_max);
    free(D.splits);
    for (int k = 0; k < VILLAGES; k++)
        buf_free(&D.village[k]);
    derived_free(&D.d);
    buf_free(&D.addr);
    buf_free(&D.tmp);
    buf_free(&D.tmp2);
    buf_free(&D.desc);
    buf_free(&D.errmsg);
    store_close(D.st);
    if (status != 0 && created) { /* half a province is no use: leave no store behind */
        remove_store(out_dir);
        fprintf(stderr, "lis demo: removed the unfinished store in %s\n", out_dir);
    }
    fabric_free(D.fab);
    geo_free(D.g);
    source_free(&S);
    config_free(cfg);
    buf_free(&err);
    buf_free(&wgs);
    buf_free(&wkt);
    buf_free(&crs_name);
    return status;
}
