/* source — reading outside vector data (any format GDAL/OGR reads).
 *
 * `lis import` reads parcels, communes and planning zones from GeoPackage,
 * Shapefile, GeoJSON, GML, FlatGeobuf, DXF/DGN... through this one reader, so
 * that only geo/ includes GDAL. A source is one layer of one dataset, read
 * forward feature by feature: field values come out as text (by column
 * index, looked up once by name), the geometry as 2D ISO WKB (curves made
 * linear), the layer's CRS as "EPSG:n" or WKT.
 *
 * A `struct geo_source` belongs to one thread. Everything a getter returns is
 * borrowed from the source: valid until the next geo_source_next() or
 * geo_source_close(), unless said otherwise. */
#ifndef LIS_GEO_SOURCE_H
#define LIS_GEO_SOURCE_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>

struct geo_source;

/* Open `path` and pick a layer: `layer` by name, or NULL for the only layer
 * (a dataset with several layers needs a name; the message lists them).
 * Returns NULL with the reason in err. Caller frees with geo_source_close(). */
struct geo_source *geo_source_open(const char *path, const char *layer, struct buf *err);
void geo_source_close(struct geo_source *s); /* NULL is a no-op */

/* Every layer name of the dataset at `path`, one per line, appended to out.
 * Returns the number of layers or LIS_EIO (reason in out). */
int geo_source_list_layers(const char *path, struct buf *out);

const char *geo_source_layer_name(const struct geo_source *s); /* borrowed, source lifetime */
const char *geo_source_driver(const struct geo_source *s);     /* "GPKG", "GeoJSON", ... */
/* The layer's CRS as "EPSG:n" when it has an EPSG code, else WKT; NULL when
 * the source declares none. Borrowed, valid for the source's lifetime. */
const char *geo_source_crs(const struct geo_source *s);
/* Number of features when the driver knows it cheaply, else -1. */
int64_t geo_source_count(struct geo_source *s);

/* Columns. geo_source_field_index() returns -1 when there is no such column
 * (names compare case-insensitively, as GDAL does). */
int geo_source_field_count(const struct geo_source *s);
const char *geo_source_field_name(const struct geo_source *s, int i);
int geo_source_field_index(const struct geo_source *s, const char *name);

/* Advance to the next feature: 1 when there is one, 0 at the end, LIS_EIO on
 * a read error (reason in geo_source_errmsg). */
int geo_source_next(struct geo_source *s);
/* Feature id of the current feature (as GDAL numbers it). */
int64_t geo_source_fid(const struct geo_source *s);
/* Text of column i of the current feature; NULL when null or unset (an empty
 * string stays ""). Leading and trailing spaces are kept. */
const char *geo_source_field(struct geo_source *s, int i);
/* Geometry of the current feature as 2D ISO WKB (little-endian). Curves
 * are made linear; a closed line string (CAD drawings' parcel outlines)
 * becomes the polygon it encloses.
 * Returns 0 with *wkb and *len set, LIS_ENOTFOUND when the feature has no
 * geometry, LIS_EINVAL when it is empty or cannot be written as WKB. */
int geo_source_geometry(struct geo_source *s, const uint8_t **wkb, size_t *len);

/* Text of the last failure; borrowed, valid until the next call on s. */
const char *geo_source_errmsg(const struct geo_source *s);

#endif
