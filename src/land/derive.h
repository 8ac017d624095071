/* derive — the values a store keeps beside a parcel's own attributes.
 *
 * Writers (`lis demo`, `lis import`) give a parcel's native geometry and
 * text; derive_parcel() computes what every backend stores with it: the
 * map area, the national parcel identifier (Circular 09/2024: a 12-character
 * GeoHash of the point on surface, in WGS 84), the Web-Mercator copy and the
 * folded search text. One function, so demo and import cannot disagree. */
#ifndef LIS_DERIVE_H
#define LIS_DERIVE_H

#include "core/buf.h"
#include "geo/geo.h"

struct derived {
    double area_map;        /* m², native CRS */
    char national_id[16];   /* 12 characters + NUL */
    struct buf mercator;    /* WKB, EPSG:3857 */
    struct buf search_text; /* folded words: address and commune names */
};

/* Fill d (whose buffers are reset first; zero it before the first use).
 * address, commune_name and survey_name may be NULL. Returns 0 or a negative
 * lis_err with the reason in geo_errmsg(g). Caller frees d's buffers with
 * derived_free(). */
int derive_parcel(struct geo *g, const uint8_t *wkb, size_t len, const char *address,
                  const char *commune_name, const char *survey_name, struct derived *d);
void derived_free(struct derived *d); /* NULL is a no-op */

#endif
