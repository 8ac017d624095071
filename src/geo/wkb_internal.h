/* wkb_internal — shared between the files of geo/ only, not part of its interface.
 *
 * geo__wkb_copy2d() rewrites any WKB the readers accept into the one form
 * LIS passes around (ISO, little endian, 2D) and lets the caller change each
 * vertex sequence in place on the way, which is how geo.c transforms
 * coordinates without a round trip through GEOS. */
#ifndef LIS_GEO_WKB_INTERNAL_H
#define LIS_GEO_WKB_INTERNAL_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Called with n vertices as 16-byte little-endian x,y pairs inside the output
 * buffer (possibly unaligned; read and write them with geo__get/geo__put).
 * POINT EMPTY is not passed. A non-zero return stops the copy. */
typedef int (*geo__seq_fn)(void *ctx, uint8_t *xy, uint32_t n);

/* Append the copy to out; 0, fn's non-zero value, or LIS_EINVAL when the WKB
 * is malformed. On failure out is left as it was. */
int geo__wkb_copy2d(const uint8_t *wkb, size_t len, struct buf *out, geo__seq_fn fn, void *ctx);

static inline double geo__get(const uint8_t *p)
{
    uint64_t u;
    memcpy(&u, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    u = __builtin_bswap64(u);
#endif
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static inline void geo__put(uint8_t *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    u = __builtin_bswap64(u);
#endif
    memcpy(p, &u, 8);
}

#endif
