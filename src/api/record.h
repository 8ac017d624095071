/* record — the detailed and full views' part of a parcel answer.
 *
 * Owned by api/. Reads the parcel's registry records and version history
 * from the store and appends them, with the vertex coordinate table, as JSON
 * members (",\"holders\":[...],...") to an open parcel object. */
#ifndef LIS_API_RECORD_H
#define LIS_API_RECORD_H

#include "core/buf.h"
#include "geo/geo.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Append the members of parcel `id` to b: holders (with ID number, address
 * and birth year when full), rights, certificates, restrictions, events,
 * history, and vertices of wkb (native CRS `crs`; x = northing, y = easting,
 * with WGS 84 lon/lat). Returns 0 or a negative lis_err from the store. */
int api_record_json(struct store *s, struct geo *geo, const char *crs, int64_t id,
                    const uint8_t *wkb, size_t wkb_len, bool full, struct buf *b);

#endif
