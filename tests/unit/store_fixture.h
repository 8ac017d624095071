/* store_fixture — what the store's unit tests on both backends (test_store.c
 * on SQLite, test_store_pg.c on PostgreSQL) build parcels and collect rows
 * with. Geometry is built byte by byte (axis-aligned rectangles); the
 * Web-Mercator copy is the native one shifted by MERC_DX so that a mix-up of
 * the two shows. Header-only and static: each test binary is a single file. */
#ifndef LIS_STORE_FIXTURE_H
#define LIS_STORE_FIXTURE_H

#include "core/buf.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MERC_DX 1000000.0

static inline void put_u32(struct buf *b, uint32_t v)
{
    buf_append(b, &v, 4); /* the test machine is little endian, as ISO WKB NDR */
}

static inline void put_f64(struct buf *b, double v)
{
    buf_append(b, &v, 8);
}

/* ISO WKB Polygon (NDR) of the rectangle (x0,y0)-(x1,y1). */
static inline void rect_wkb(struct buf *b, double x0, double y0, double x1, double y1)
{
    buf_reset(b);
    buf_putc(b, 1);
    put_u32(b, 3);
    put_u32(b, 1);
    put_u32(b, 5);
    double xy[] = {x0, y0, x1, y0, x1, y1, x0, y1, x0, y0};
    for (size_t i = 0; i < sizeof xy / sizeof xy[0]; i++)
        put_f64(b, xy[i]);
}

/* A parcel at rectangle (x0,y0)-(x1,y1) with the given key. */
struct fixture {
    struct store_parcel p;
    struct buf wkb, merc;
};

static inline void fixture_set(struct fixture *f, const char *sc, const char *commune,
                               const char *sheet, const char *number, const char *nid,
                               double x0, double y0, double x1, double y1)
{
    memset(&f->p, 0, sizeof f->p);
    rect_wkb(&f->wkb, x0, y0, x1, y1);
    rect_wkb(&f->merc, x0 + MERC_DX, y0, x1 + MERC_DX, y1);
    snprintf(f->p.survey_commune, sizeof f->p.survey_commune, "%s", sc);
    snprintf(f->p.commune, sizeof f->p.commune, "%s", commune);
    snprintf(f->p.sheet, sizeof f->p.sheet, "%s", sheet);
    snprintf(f->p.number, sizeof f->p.number, "%s", number);
    snprintf(f->p.national_id, sizeof f->p.national_id, "%s", nid);
    f->p.area = (x1 - x0) * (y1 - y0);
    f->p.area_map = f->p.area;
    f->p.land_use = "ODT";
    f->p.address = "Thôn Bản Chu";
    f->p.search_text = "thon ban chu";
    f->p.wkb = (const uint8_t *)f->wkb.data;
    f->p.wkb_len = f->wkb.len;
    f->p.wkb_mercator = (const uint8_t *)f->merc.data;
    f->p.wkb_mercator_len = f->merc.len;
}

static inline void fixture_free(struct fixture *f)
{
    buf_free(&f->wkb);
    buf_free(&f->merc);
}

/* Collected parcel rows: "id:sheet/number:vN" joined by spaces. */
struct rows {
    struct buf text;
    int n;
    bool geom_ok, merc_ok; /* the last row had both WKB copies, as put */
};

static inline int collect(void *ctx, const struct store_parcel *p)
{
    struct rows *r = ctx;
    if (r->text.len)
        buf_putc(&r->text, ' ');
    buf_appendf(&r->text, "%lld:%s/%s:v%d", (long long)p->id, p->sheet, p->number, p->version);
    r->geom_ok = p->wkb && p->wkb_len == 93;
    r->merc_ok = p->wkb_mercator && p->wkb_mercator_len == 93;
    r->n++;
    return 0;
}

static inline void rows_reset(struct rows *r)
{
    buf_reset(&r->text);
    r->n = 0;
    r->geom_ok = r->merc_ok = false;
}

#endif
