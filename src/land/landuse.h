/* landuse — the official land-use purposes (Circular 08/2024, Annex II).
 *
 * A static, read-only table: code, Vietnamese and English names, group.
 * Older certificates carry legacy codes (LUN, BHK, ...); landuse_map_legacy()
 * maps them to current codes. A parcel's purposes are written joined with '+'
 * ("ODT+CLN"). The store seeds its land_use_codes table from here. */
#ifndef LIS_LANDUSE_H
#define LIS_LANDUSE_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>

enum landuse_group {
    LANDUSE_AGRICULTURAL,
    LANDUSE_NON_AGRICULTURAL,
    LANDUSE_UNUSED,
};

struct landuse {
    const char *code;    /* "LUC" */
    const char *name_vi; /* "Đất chuyên trồng lúa" */
    const char *name_en; /* "Specialised rice land" */
    enum landuse_group group;
};

/* The whole table; borrowed, static. */
const struct landuse *landuse_all(size_t *count);
/* Entry for a current code (exact, upper case); NULL when unknown. */
const struct landuse *landuse_find(const char *code);
const char *landuse_group_name(enum landuse_group g); /* "agricultural", ... */

/* Normalise a source value such as "odt + cln", "LUN", "ONT,CLN" into
 * "ONT+CLN" form with current codes, appended to out. Returns 0, or
 * LIS_EINVAL naming the first unknown code in `bad` (may be NULL). */
int landuse_normalise(const char *s, size_t len, struct buf *out, struct buf *bad);

#endif
