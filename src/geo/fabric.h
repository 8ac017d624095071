/* fabric — a synthetic cadastral fabric for the demo province.
 *
 * Owned by the demo: `lis demo` uses it to cut each current unit among its
 * former communes of survey and each commune of survey into map sheets and
 * parcels. It lives in geo/ because it needs GEOS (Voronoi cells, clipping),
 * and only geo/ may include GEOS. Geometry goes in and out as ISO WKB in a
 * projected CRS whose unit is the metre (the province CRS).
 *
 * How parcels are made (fabric_lay):
 *   - map sheets sit on the nested VN-2000 sheet grid: 1:10000 sheets are
 *     6 x 6 km, 1:5000 3 x 3 km, 1:2000 1 x 1 km, 1:1000 500 m, 1:500 250 m,
 *     aligned on multiples of their side. Near the centre sheets are finer:
 *     the caller's classes say which scale and parcel size apply within which
 *     distance of the centre;
 *   - sheets are laid outward from the centre until the parcel budget is
 *     used (the last sheet may be filled only near the centre);
 *   - each sheet is cut by recursive splitting of convex polygons with
 *     slightly oblique cuts: first into blocks separated by road strips (road
 *     parcels of their own), then blocks into lots. Neighbours share the very
 *     same cut points, so the pieces leave no gap and no overlap;
 *   - pieces wholly inside the surveyed polygon are kept as they are (no GEOS
 *     call); pieces crossing its boundary are intersected with it, each
 *     polygonal part becoming a parcel; parts under min_area are dropped.
 *   - sheets are numbered in reading order of their top-left corners (north
 *     to south, then west to east) from first_sheet on; parcels 1.. within
 *     each sheet in reading order: rows are bands of height
 *     2 * sqrt(lot_area of the sheet's class) from the sheet's top edge,
 *     north to south; in a row, west to east by the parcel's point (x).
 *   - a sheet's scale follows the class at its point nearest the centre;
 *     within it, each block takes the class at its own distance, so parcels
 *     grow outward inside a sheet as well.
 *
 * Deterministic: the same input and seed give the same output, byte for byte.
 * A `struct fabric` holds a GEOS handle: one thread at a time. */
#ifndef LIS_FABRIC_H
#define LIS_FABRIC_H

#include "core/buf.h"
#include "geo/geo.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fabric;

/* Returns NULL and writes the reason to err when GEOS cannot start.
 * Caller frees with fabric_free(). */
struct fabric *fabric_new(struct buf *err);
void fabric_free(struct fabric *f);                  /* NULL is a no-op */
const char *fabric_errmsg(const struct fabric *f);   /* borrowed, valid until the next call */

/* Divide a (multi)polygon among n parts: Voronoi cells of n well-spread seed
 * points inside it, clipped to it. centres gets 2n numbers (x, y of each
 * part's seed, which lies inside its part); parts[i] gets the WKB of part i
 * (Polygon or MultiPolygon), appended. n = 1 gives the polygon itself.
 * Returns 0 or a negative lis_err. */
int fabric_divide(struct fabric *f, const uint8_t *wkb, size_t len, int n, uint64_t seed,
                  double *centres, struct buf *parts);

/* A density class: sheets and blocks whose nearest point lies within
 * max_dist of the centre (and beyond every finer class) are cut this way. */
struct fabric_class {
    double max_dist;   /* m from the centre; the last class also covers beyond */
    int scale;         /* sheet scale denominator: 500, 1000, 2000, 5000 or 10000 */
    double lot_area;   /* typical parcel area, m² (lots vary about 0.6x to 1.6x) */
    double block_area; /* typical area of a block bounded by roads, m² */
    double road_width; /* m */
    double road_prob;  /* chance that a cut between blocks is a road strip */
    double lot_aspect; /* depth / frontage of lots, as town lots along a street;
                          0 or 1: about square */
};

struct fabric_opts {
    double cx, cy;                      /* centre the sheets spread from */
    const struct fabric_class *classes; /* ordered by max_dist */
    int nclasses;
    long budget;                        /* make at most this many parcels */
    int first_sheet;                    /* number of the first sheet, usually 1 */
    uint64_t seed;
    double min_area;                    /* drop clipped parts smaller than this, m² (1) */
};

/* One parcel, as given to the callback. */
struct fabric_parcel {
    int sheet;              /* sheet number */
    int scale;              /* sheet scale denominator */
    int cls;                /* index of the class the parcel's block was cut by */
    int sheet_cls;          /* index of the sheet's class (scale, reading-order bands) */
    int number;             /* parcel number within the sheet, 1.. */
    bool road;              /* a road strip */
    bool clipped;           /* cut by the boundary: may be non-convex */
    long block;             /* lots of one block share it; > 0, unique within the call */
    double x, y;            /* a point inside the parcel */
    double dist;            /* distance of (x, y) from the centre, m */
    double area;            /* m² */
    struct geo_box sheet_box;
    const uint8_t *wkb;     /* Polygon; borrowed, valid during the callback */
    size_t wkb_len;
};

/* Called once per parcel, in order of (sheet, number). Returns 0 to go on. */
typedef int (*fabric_parcel_cb)(void *ctx, const struct fabric_parcel *p);

/* Lay sheets and parcels over the polygon wkb (Polygon or MultiPolygon).
 * Returns the number of parcels made (>= 0; less than the budget when the
 * polygon is full) or a negative lis_err; a non-zero callback value stops
 * and is returned. *sheets (may be NULL) gets the number of sheets used. */
long fabric_lay(struct fabric *f, const uint8_t *wkb, size_t len, const struct fabric_opts *o,
                fabric_parcel_cb cb, void *ctx, int *sheets);

/* Split a convex single-ring Polygon (a parcel fabric_lay made unclipped)
 * in two by a line across its longer side at fraction frac (0.2 .. 0.8) of
 * its extent. Appends the two pieces' WKB to a and b. LIS_EINVAL when the
 * polygon is not a convex single-ring Polygon. Pure: no context needed. */
int fabric_split(const uint8_t *wkb, size_t len, double frac, struct buf *a, struct buf *b);

#endif
