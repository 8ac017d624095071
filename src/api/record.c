/* record — the fields the detailed and full views add to a parcel:
 * holders, rights, certificates, restrictions, events, its version history
 * and the vertex coordinate table (VN-2000 and WGS 84). See docs/api.md. */
#include "api/record.h"

#include "core/err.h"
#include "core/mem.h"
#include "http/respond.h"

#include <math.h>
#include <string.h>

#define PUT(b, lit) buf_append((b), "" lit, sizeof(lit) - 1) /* literals only */
#define M_DECIMALS 3   /* metres: 1 mm */
#define DEG_DECIMALS 7 /* degrees: about 1 cm */

struct rec {
    struct buf *b;
    bool full;
    int64_t *holders; /* holder ids in the order written */
    size_t nholders;
    int n;            /* items written in the current array */
};

static void sep(struct rec *r)
{
    if (r->n++)
        buf_putc(r->b, ',');
}

static void num_or_null(struct buf *b, double v, int decimals)
{
    if (isfinite(v))
        http_json_fixed(b, v, decimals);
    else
        PUT(b, "null");
}

static int on_holder(void *ctx, const struct store_holder *h)
{
    struct rec *r = ctx;
    r->holders = xrealloc(r->holders, (r->nholders + 1) * sizeof *r->holders);
    r->holders[r->nholders++] = h->id;
    sep(r);
    PUT(r->b, "{\"name\":");
    http_json_str(r->b, h->name);
    PUT(r->b, ",\"kind\":");
    http_json_str(r->b, h->kind);
    if (r->full) {
        PUT(r->b, ",\"id_number\":");
        http_json_str(r->b, h->id_number);
        PUT(r->b, ",\"address\":");
        http_json_str(r->b, h->address);
        PUT(r->b, ",\"birth_year\":");
        if (h->birth_year > 0)
            http_json_int(r->b, h->birth_year);
        else
            PUT(r->b, "null");
    }
    buf_putc(r->b, '}');
    return 0;
}

static int on_right(void *ctx, const struct store_right *x)
{
    struct rec *r = ctx;
    sep(r);
    PUT(r->b, "{\"holder\":");
    size_t i = 0;
    while (i < r->nholders && r->holders[i] != x->holder_id)
        i++;
    if (i < r->nholders)
        http_json_int(r->b, (int64_t)i);
    else
        PUT(r->b, "null");
    PUT(r->b, ",\"kind\":");
    http_json_str(r->b, x->kind);
    PUT(r->b, ",\"land_use\":");
    http_json_str(r->b, x->land_use);
    PUT(r->b, ",\"area\":");
    num_or_null(r->b, x->area, 1);
    PUT(r->b, ",\"term\":");
    http_json_str(r->b, x->term);
    PUT(r->b, ",\"origin\":");
    http_json_str(r->b, x->origin);
    PUT(r->b, ",\"share\":");
    num_or_null(r->b, x->share, 4);
    buf_putc(r->b, '}');
    return 0;
}

static int on_certificate(void *ctx, const struct store_certificate *c)
{
    struct rec *r = ctx;
    sep(r);
    PUT(r->b, "{\"serial\":");
    http_json_str(r->b, c->serial);
    PUT(r->b, ",\"issued_on\":");
    http_json_str(r->b, c->issued_on);
    PUT(r->b, ",\"issuer\":");
    http_json_str(r->b, c->issuer);
    PUT(r->b, ",\"register_no\":");
    http_json_str(r->b, c->register_no);
    buf_putc(r->b, '}');
    return 0;
}

static int on_restriction(void *ctx, const struct store_restriction *x)
{
    struct rec *r = ctx;
    sep(r);
    PUT(r->b, "{\"kind\":");
    http_json_str(r->b, x->kind);
    PUT(r->b, ",\"party\":");
    http_json_str(r->b, x->party);
    PUT(r->b, ",\"since\":");
    http_json_str(r->b, x->since);
    PUT(r->b, ",\"until\":");
    http_json_str(r->b, x->until);
    PUT(r->b, ",\"note\":");
    http_json_str(r->b, x->note);
    buf_putc(r->b, '}');
    return 0;
}

static int on_event(void *ctx, const struct store_event *e)
{
    struct rec *r = ctx;
    sep(r);
    PUT(r->b, "{\"kind\":");
    http_json_str(r->b, e->kind);
    PUT(r->b, ",\"date\":");
    http_json_str(r->b, e->date);
    PUT(r->b, ",\"description\":");
    http_json_str(r->b, e->description);
    PUT(r->b, ",\"version\":");
    if (e->version > 0)
        http_json_int(r->b, e->version);
    else
        PUT(r->b, "null");
    PUT(r->b, ",\"related_parcel\":");
    if (e->related_id > 0)
        http_json_int(r->b, e->related_id);
    else
        PUT(r->b, "null");
    buf_putc(r->b, '}');
    return 0;
}

static int on_version(void *ctx, const struct store_parcel *p)
{
    struct rec *r = ctx;
    sep(r);
    PUT(r->b, "{\"version\":");
    http_json_int(r->b, p->version);
    PUT(r->b, ",\"valid_from\":");
    http_json_str(r->b, p->valid_from);
    PUT(r->b, ",\"valid_to\":");
    http_json_str(r->b, p->valid_to);
    PUT(r->b, ",\"area\":");
    if (isfinite(p->area) && p->area > 0)
        http_json_fixed(r->b, p->area, 1);
    else
        PUT(r->b, "null");
    PUT(r->b, ",\"area_map\":");
    num_or_null(r->b, p->area_map, 1);
    PUT(r->b, ",\"land_use\":");
    http_json_str(r->b, p->land_use);
    PUT(r->b, ",\"commune\":");
    http_json_str(r->b, p->commune);
    PUT(r->b, ",\"sheet\":");
    http_json_str(r->b, p->sheet);
    PUT(r->b, ",\"number\":");
    http_json_str(r->b, p->number);
    buf_putc(r->b, '}');
    return 0;
}

/* The vertex table: one array per ring, the closing vertex left out. */
struct vert {
    struct buf *b;
    struct geo *geo;
    int polygon, ring; /* current ring; -1 before the first */
    int n;             /* vertices written in the ring */
    int number;        /* running vertex number over the parcel, as on an extract */
    double first_x, first_y;
    bool failed;
};

static int on_vertex(void *ctx, int polygon, int ring, int index, double x, double y)
{
    struct vert *v = ctx;
    (void)index;
    if (polygon != v->polygon || ring != v->ring) {
        buf_puts(v->b, v->polygon < 0 ? "[" : "],[");
        v->polygon = polygon;
        v->ring = ring;
        v->n = 0;
        v->first_x = x;
        v->first_y = y;
    } else if (x == v->first_x && y == v->first_y) {
        return 0; /* the ring's closing vertex repeats its first */
    }
    double lon = x, lat = y;
    if (geo_point(v->geo, GEO_NATIVE, GEO_WGS84, &lon, &lat) != 0)
        v->failed = true;
    if (v->n++)
        buf_putc(v->b, ',');
    PUT(v->b, "{\"n\":");
    http_json_int(v->b, ++v->number);
    PUT(v->b, ",\"x\":"); /* northing, as Vietnamese documents label it */
    http_json_fixed(v->b, y, M_DECIMALS);
    PUT(v->b, ",\"y\":"); /* easting */
    http_json_fixed(v->b, x, M_DECIMALS);
    PUT(v->b, ",\"lon\":");
    num_or_null(v->b, v->failed ? NAN : lon, DEG_DECIMALS);
    PUT(v->b, ",\"lat\":");
    num_or_null(v->b, v->failed ? NAN : lat, DEG_DECIMALS);
    buf_putc(v->b, '}');
    return 0;
}

int api_record_json(struct store *s, struct geo *geo, const char *crs, int64_t id,
                    const uint8_t *wkb, size_t wkb_len, bool full, struct buf *b)
{
    struct rec r = {.b = b, .full = full};
    struct store_registry_cbs holders = {.holder = on_holder};
    struct store_registry_cbs rights = {.right = on_right};
    struct store_registry_cbs certs = {.certificate = on_certificate};
    struct store_registry_cbs restr = {.restriction = on_restriction};
    struct store_registry_cbs events = {.event = on_event};
    int rc;
    /* one read per table keeps each array contiguous in the answer */
    PUT(b, ",\"holders\":[");
    r.n = 0;
    if ((rc = store_parcel_registry(s, id, &holders, &r)) < 0)
        goto out;
    PUT(b, "],\"rights\":[");
    r.n = 0;
    if ((rc = store_parcel_registry(s, id, &rights, &r)) < 0)
        goto out;
    PUT(b, "],\"certificates\":[");
    r.n = 0;
    if ((rc = store_parcel_registry(s, id, &certs, &r)) < 0)
        goto out;
    PUT(b, "],\"restrictions\":[");
    r.n = 0;
    if ((rc = store_parcel_registry(s, id, &restr, &r)) < 0)
        goto out;
    PUT(b, "],\"events\":[");
    r.n = 0;
    if ((rc = store_parcel_registry(s, id, &events, &r)) < 0)
        goto out;
    PUT(b, "],\"history\":[");
    r.n = 0;
    if ((rc = store_parcel_history(s, id, 0, on_version, &r)) < 0)
        goto out;
    PUT(b, "],\"vertices\":{\"crs\":");
    http_json_str(b, crs);
    PUT(b, ",\"rings\":[");
    struct vert v = {.b = b, .geo = geo, .polygon = -1, .ring = -1};
    if (wkb && (rc = geo_wkb_each_point(wkb, wkb_len, on_vertex, &v)) < 0)
        goto out;
    buf_puts(b, v.polygon < 0 ? "]}" : "]]}");
    rc = 0;
out:
    free(r.holders);
    return rc;
}
