/* geo — coordinates and geometry: the only module that includes PROJ and GEOS.
 *
 * Geometry crosses module boundaries as ISO WKB (little-endian, 2D) in plain
 * byte buffers, so nothing above geo/ depends on a geometry library. Two kinds
 * of functions:
 *   - pure WKB helpers (geo_wkb_*) that need no context and are thread-safe;
 *   - operations on a `struct geo`, a per-thread context holding a GEOS
 *     handle, a PROJ context and the transformations of the province CRS.
 *     A `struct geo` must only be used by one thread at a time.
 *
 * Coordinate order is always x/y = easting/northing or lon/lat, whatever the
 * CRS's official axis order (PROJ is asked for the "visualisation" order).
 * Errors: functions return 0 or a negative lis_err; the text of the last
 * failure is kept in the context (geo_errmsg). */
#ifndef LIS_GEO_H
#define LIS_GEO_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct geo;

struct geo_box {
    double minx, miny, maxx, maxy;
};

/* The CRSs a province store uses. */
enum geo_crs {
    GEO_NATIVE,   /* the province CRS, e.g. EPSG:9215 */
    GEO_WGS84,    /* EPSG:4326, lon/lat degrees */
    GEO_MERCATOR, /* EPSG:3857, metres */
};

/* Context for one thread. native_crs is "EPSG:n". Returns NULL and writes a
 * message to err when PROJ does not know the CRS. Caller frees with geo_free(). */
struct geo *geo_new(const char *native_crs, struct buf *err);
void geo_free(struct geo *g); /* NULL is a no-op */
const char *geo_errmsg(const struct geo *g); /* borrowed, valid until the next call on g */
int geo_native_srid(const struct geo *g);     /* n of EPSG:n */
/* The native CRS as WKT 1 (GDAL flavour, one line), appended to out; for a
 * GeoPackage's gpkg_spatial_ref_sys. Returns 0 or LIS_EIO. */
int geo_crs_wkt(struct geo *g, struct buf *out);

/* Transform one point between the province's CRSs. Returns 0, or LIS_EINVAL
 * when the point cannot be transformed (not finite, outside the CRS's domain). */
int geo_point(struct geo *g, enum geo_crs from, enum geo_crs to, double *x, double *y);

/* Transform a WKB geometry between the province's CRSs; appends WKB to out. */
int geo_wkb_transform(struct geo *g, enum geo_crs from, enum geo_crs to, const uint8_t *wkb,
                      size_t len, struct buf *out);

/* A transformation from any CRS PROJ knows (source data) to the native CRS.
 * src_crs is "EPSG:n" or a WKT/PROJ string. Caller frees with geo_xform_free(). */
struct geo_xform;
struct geo_xform *geo_xform_new(struct geo *g, const char *src_crs);
void geo_xform_free(struct geo_xform *t); /* NULL is a no-op */
int geo_xform_wkb(struct geo_xform *t, const uint8_t *wkb, size_t len, struct buf *out);

/* Planar measures in the geometry's own units (m² in a projected CRS). */
int geo_area(struct geo *g, const uint8_t *wkb, size_t len, double *area);
/* A point guaranteed inside the polygon (GEOS PointOnSurface). */
int geo_point_on_surface(struct geo *g, const uint8_t *wkb, size_t len, double *x, double *y);

/* Validity. geo_is_valid() returns 1 valid, 0 invalid (reason appended to
 * `reason` when not NULL), negative on unreadable WKB. geo_make_valid()
 * repairs with GEOS and keeps only the polygonal part; appends the repaired
 * MultiPolygon or Polygon WKB to out; LIS_EINVAL when nothing polygonal is left. */
int geo_is_valid(struct geo *g, const uint8_t *wkb, size_t len, struct buf *reason);
int geo_make_valid(struct geo *g, const uint8_t *wkb, size_t len, struct buf *out);

/* Area of the intersection of a and b (same CRS). */
int geo_intersection_area(struct geo *g, const uint8_t *a, size_t alen, const uint8_t *b,
                          size_t blen, double *area);
/* Length of the boundary a and b share (0 when they only touch at points or
 * are apart); used to find neighbours. */
int geo_shared_boundary(struct geo *g, const uint8_t *a, size_t alen, const uint8_t *b,
                        size_t blen, double *length);
/* Intersection of a and b, polygonal part only, appended to out as WKB.
 * Returns 0 (out may get an empty MultiPolygon) or a negative lis_err. */
int geo_intersection(struct geo *g, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                     struct buf *out);

/* ---- pure WKB helpers (no context, thread-safe) ---- */

/* Geometry type code of ISO WKB (3 = Polygon, 6 = MultiPolygon, ...); negative
 * when the buffer is not WKB. */
int geo_wkb_type(const uint8_t *wkb, size_t len);
/* Bounding box of a WKB geometry; LIS_EINVAL when malformed or empty. */
int geo_wkb_envelope(const uint8_t *wkb, size_t len, struct geo_box *box);
/* 1 when (x, y) lies inside or on the boundary of the (multi)polygon, 0 outside,
 * negative when malformed. No allocation: this is the map-click hot path. */
int geo_wkb_contains_point(const uint8_t *wkb, size_t len, double x, double y);
/* One edge a→b of a ring against the ray from (x, y) towards +x: 1 when the
 * edge crosses the ray, 0 when not, 2 when the point lies on the edge. An
 * edge crosses when it straddles the line at height y (half-open, so a vertex
 * on the line counts once) and the point is on its left going up, on its
 * right going down: one cross product decides that and "on the edge". The
 * one rule every point-in-polygon test of LIS uses (WKB here, the map-click
 * index's float outlines in land/clickindex). */
static inline __attribute__((always_inline)) int geo_edge_crossing(double ax, double ay,
                                                                  double bx, double by,
                                                                  double x, double y)
{
    if ((y < ay && y < by) || (y > ay && y > by))
        return 0;
    double c = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    if (c == 0 && ((ax <= x && x <= bx) || (bx <= x && x <= ax)))
        return 2;
    return (ay <= y) != (by <= y) && ((by > ay) ? c > 0 : c < 0);
}

/* Number of vertices (all rings). */
long geo_wkb_npoints(const uint8_t *wkb, size_t len);
/* Append the geometry as RFC 7946 GeoJSON ("type"/"coordinates" object) with
 * `decimals` digits after the point; rings are written counter-clockwise for
 * exteriors, clockwise for holes. */
int geo_wkb_geojson(const uint8_t *wkb, size_t len, int decimals, struct buf *out);
/* Call fn for every vertex (ring by ring, polygon by polygon); stops and
 * returns fn's value when it is non-zero. */
int geo_wkb_each_point(const uint8_t *wkb, size_t len,
                       int (*fn)(void *ctx, int polygon, int ring, int index, double x, double y),
                       void *ctx);
/* Writers for WKB built by hand, in the one form LIS passes around (ISO,
 * little endian, 2D): a geometry header (byte-order mark and type code), then
 * counts and coordinates in the order the type wants them. */
void geo_wkb_put_header(struct buf *out, uint32_t type);
void geo_wkb_put_u32(struct buf *out, uint32_t v);
void geo_wkb_put_f64(struct buf *out, double v);

/* ---- GeoPackage geometry blobs (GeoPackage 1.3, §2.1.3) ---- */

/* Append a GeoPackage blob: header with srs_id and XY envelope, then the WKB. */
void geo_gpkg_encode(int32_t srs_id, const uint8_t *wkb, size_t len, struct buf *out);
/* Find the WKB inside a GeoPackage blob. Borrowed pointer into blob.
 * Returns 0 or LIS_EINVAL when the header is malformed. env is filled from
 * the header when it has an XY envelope, otherwise from the WKB; env may be NULL. */
int geo_gpkg_decode(const uint8_t *blob, size_t len, const uint8_t **wkb, size_t *wkblen,
                    int32_t *srs_id, struct geo_box *env, bool *empty);

/* ---- GeoHash (the national parcel identifier is a 12-character GeoHash) ---- */

/* Encode lon/lat into `chars` base-32 characters plus NUL (chars ≤ 22). */
void geo_geohash_encode(double lon, double lat, int chars, char *out);
/* Decode a GeoHash to the centre of its cell and its half-sizes; LIS_EINVAL on
 * characters outside the alphabet or a length over 22. */
int geo_geohash_decode(const char *hash, double *lon, double *lat, double *lon_err,
                       double *lat_err);

#endif
