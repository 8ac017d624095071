/* mvt — Mapbox Vector Tile 2.1 encoder (the body of /tiles/{layer}/{z}/{x}/{y}.mvt).
 *
 * A caller makes a tile for z/x/y, asks it for layers by name, adds features
 * to them as EPSG:3857 ISO WKB plus typed attributes, and encodes the tile
 * into a buffer. Geometry is turned into tile coordinates (y down, 0..extent),
 * clipped to the tile plus a buffer, snapped to the integer grid and simplified
 * (Douglas-Peucker, 1 tile unit by default), so a tile's size follows its zoom,
 * not the detail of the source data. Polygon rings get the spec's winding
 * (exteriors positive area by the spec's formula, holes negative); rings that
 * collapse (fewer than 3 distinct points or no area) are dropped, and so is a
 * feature left with no geometry. Polygons come out valid: one that snapping
 * made invalid (or that was invalid to begin with) is repaired with GEOS and
 * snap-rounded to the grid, and parts of a multi-polygon that came to overlap
 * are merged.
 *
 * Strings and values are kept once per layer (the spec's keys/values tables);
 * integer attributes stay integers on the wire.
 *
 * The wire format comes from geo/vector_tile.proto through protoc-c; nothing
 * outside geo/mvt.c sees the generated types. A tile owns its own GEOS handle,
 * made only when a polygon needs clipping or repair; like a `struct geo`, a
 * tile must only be used by one thread at a time. mvt_tile_reset() reuses a
 * tile's memory and GEOS handle for the next tile. */
#ifndef LIS_MVT_H
#define LIS_MVT_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MVT_EXTENT 4096 /* the usual number of units across a tile */
#define MVT_BUFFER 64   /* units drawn beyond each edge so strokes meet across tiles */
#define MVT_MAXZOOM 24

struct mvt_tile;
struct mvt_layer;

/* The kinds of attribute values MVT can carry (it has no null). */
enum mvt_type {
    MVT_STRING,
    MVT_INT,    /* int64: written as int_value, or sint_value when negative */
    MVT_DOUBLE,
    MVT_BOOL,
};

/* One attribute of a feature. The strings are borrowed for the call only:
 * the layer copies what it keeps. An MVT_STRING with s == NULL is left out,
 * as MVT has no null. */
struct mvt_attr {
    const char *key;
    enum mvt_type type;
    union {
        const char *s;
        int64_t i;
        double d;
        bool b;
    } v;
};

#define MVT_STR(k, x) ((struct mvt_attr){.key = (k), .type = MVT_STRING, .v.s = (x)})
#define MVT_INT(k, x) ((struct mvt_attr){.key = (k), .type = MVT_INT, .v.i = (x)})
#define MVT_DBL(k, x) ((struct mvt_attr){.key = (k), .type = MVT_DOUBLE, .v.d = (x)})
#define MVT_BOOL(k, x) ((struct mvt_attr){.key = (k), .type = MVT_BOOL, .v.b = (x)})

/* EPSG:3857 bounds of tile z/x/y (XYZ scheme: y = 0 at the north edge) as
 * box = {minx, miny, maxx, maxy}. Returns 0, or LIS_EINVAL when z is outside
 * 0..MVT_MAXZOOM or x, y outside 0..2^z-1 (box is then left alone). */
int mvt_tile_bounds(int z, int x, int y, double box[4]);

/* A new, empty tile. extent: units across the tile (MVT_EXTENT, 1..65536);
 * buffer: units kept beyond each edge (MVT_BUFFER, at most extent). Returns
 * NULL when z/x/y or extent/buffer are out of range. Caller frees with
 * mvt_tile_free(). */
struct mvt_tile *mvt_tile_new(int z, int x, int y, unsigned extent, unsigned buffer);
void mvt_tile_free(struct mvt_tile *t); /* NULL is a no-op */

/* Empty t and point it at another z/x/y, keeping its memory, extent, buffer
 * and tolerance. Layers obtained before are invalid after. LIS_EINVAL when
 * z/x/y are out of range (t is then unchanged). */
int mvt_tile_reset(struct mvt_tile *t, int z, int x, int y);

/* Douglas-Peucker tolerance in tile units, applied after snapping to the
 * grid; 0 keeps every distinct vertex. Default 1. */
void mvt_tile_set_tolerance(struct mvt_tile *t, double units);

/* The layer called `name`, made on first use (layers are written in the
 * order they were first asked for; a layer without features is not written).
 * Borrowed, valid until mvt_tile_free() or mvt_tile_reset(). */
struct mvt_layer *mvt_layer(struct mvt_tile *t, const char *name);

/* Add a feature: geometry as ISO WKB in EPSG:3857 (Point, LineString,
 * Polygon or their Multi*; 2D, or Z/M whose extra ordinates are ignored),
 * attributes as a list (a key repeated within the list keeps its first
 * value). id 0 means "no id". Returns 0 when the feature was added, 1 when
 * nothing of it is left in the tile (outside, or collapsed by snapping), or
 * LIS_EINVAL on malformed WKB, an unsupported type or an attribute without
 * key (detail in mvt_errmsg), LIS_EIO when GEOS fails. */
int mvt_add_feature(struct mvt_layer *l, uint64_t id, const uint8_t *wkb, size_t len,
                    const struct mvt_attr *attrs, size_t nattrs);

/* Number of features added to the layer so far. */
size_t mvt_layer_count(const struct mvt_layer *l);

/* Append the encoded tile (uncompressed protobuf) to out. An empty tile
 * encodes to zero bytes, which is a valid tile. Returns 0. */
int mvt_tile_encode(struct mvt_tile *t, struct buf *out);

/* Text of the last failure on t; borrowed, valid until the next call on t. */
const char *mvt_errmsg(const struct mvt_tile *t);

#endif
