/* wkb_internal — shared between the files of geo/ only, not part of its interface.
 *
 * geo__wkb_copy2d() rewrites any WKB the readers accept into the one form
 * LIS passes around (ISO, little endian, 2D) and lets the caller change each
 * vertex sequence in place on the way, which is how geo.c transforms
 * coordinates without a round trip through GEOS. */
#ifndef LIS_GEO_WKB_INTERNAL_H
#define LIS_GEO_WKB_INTERNAL_H

#include "core/buf.h"

#include <stdbool.h>
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


/* A count or a coordinate stored in the byte order `little` says, for readers
 * that look into WKB or GeoPackage headers at fixed offsets. */
static inline uint32_t geo__get_u32(const uint8_t *p, bool little)
{
    if (little)
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

static inline double geo__get_f64(const uint8_t *p, bool little)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)p[little ? i : 7 - i] << (8 * i);
    double d;
    memcpy(&d, &u, 8);
    return d;
}
#endif
