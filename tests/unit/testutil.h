/* testutil — helpers shared by the unit tests that write geometry as WKT:
 * a GEOS handle of the test's own (th_init/th_fini as the suite's .init and
 * .fini) and WKT -> ISO WKB through it. Header-only and static: each test
 * binary is a single file. */
#ifndef LIS_TESTUTIL_H
#define LIS_TESTUTIL_H

#include "core/buf.h"

#include <criterion/criterion.h>
#include <geos_c.h>

static GEOSContextHandle_t th;

static inline void th_init(void)
{
    th = GEOS_init_r();
}

static inline void th_fini(void)
{
    GEOS_finish_r(th);
}

/* WKT -> ISO WKB (little endian, 2D), replacing what out held. */
static inline void wkb_of(const char *wkt, struct buf *out)
{
    GEOSWKTReader *r = GEOSWKTReader_create_r(th);
    GEOSGeometry *g = GEOSWKTReader_read_r(th, r, wkt);
    cr_assert(g, "bad WKT in test: %s", wkt);
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(th);
    GEOSWKBWriter_setFlavor_r(th, w, GEOS_WKB_ISO);
    GEOSWKBWriter_setByteOrder_r(th, w, GEOS_WKB_NDR);
    GEOSWKBWriter_setOutputDimension_r(th, w, 2);
    size_t n;
    unsigned char *b = GEOSWKBWriter_write_r(th, w, g, &n);
    buf_reset(out);
    buf_append(out, b, n);
    GEOSFree_r(th, b);
    GEOSWKBWriter_destroy_r(th, w);
    GEOSGeom_destroy_r(th, g);
    GEOSWKTReader_destroy_r(th, r);
}

#endif
