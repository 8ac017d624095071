/* gpkg — GeoPackage geometry blobs (GeoPackage 1.3, §2.1.3).
 *
 * A blob is a header followed by standard WKB:
 *   "GP", version (0 = 1.0), flags, srs_id (int32), envelope (0..8 doubles).
 * Flags, from bit 0: byte order of the header (1 = little endian), envelope
 * contents indicator (3 bits: 0 none, 1 xy, 2 xyz, 3 xym, 4 xyzm), empty
 * geometry, extended (non-standard) geometry type. We always write a
 * little-endian header with an xy envelope so that readers (and the R*Tree
 * triggers) need not parse the WKB; we read anything the standard allows. */
#include "geo/geo.h"

#include "core/err.h"
#include "geo/wkb_internal.h"

#include <math.h>
#include <string.h>

#define FLAG_LITTLE 0x01u
#define FLAG_EMPTY 0x10u
#define ENV_SHIFT 1
#define ENV_MASK 0x07u

void geo_gpkg_encode(int32_t srs_id, const uint8_t *wkb, size_t len, struct buf *out)
{
    struct geo_box box;
    uint8_t flags = FLAG_LITTLE;
    bool has_env = geo_wkb_envelope(wkb, len, &box) == 0;
    if (has_env)
        flags |= 1u << ENV_SHIFT;
    else if (geo_wkb_type(wkb, len) >= 0)
        flags |= FLAG_EMPTY; /* readable but without a single finite vertex */
    uint8_t head[4] = {'G', 'P', 0, flags};
    buf_append(out, head, 4);
    geo_wkb_put_u32(out, (uint32_t)srs_id);
    if (has_env) {
        /* The header's order is minx, maxx, miny, maxy. */
        geo_wkb_put_f64(out, box.minx);
        geo_wkb_put_f64(out, box.maxx);
        geo_wkb_put_f64(out, box.miny);
        geo_wkb_put_f64(out, box.maxy);
    }
    buf_append(out, wkb, len);
}

int geo_gpkg_decode(const uint8_t *blob, size_t len, const uint8_t **wkb, size_t *wkblen,
                    int32_t *srs_id, struct geo_box *env, bool *empty)
{
    static const size_t env_doubles[8] = {0, 4, 6, 6, 8, 0, 0, 0};
    if (!blob || len < 8 || blob[0] != 'G' || blob[1] != 'P' || blob[2] != 0)
        return LIS_EINVAL;
    uint8_t flags = blob[3];
    unsigned kind = (flags >> ENV_SHIFT) & ENV_MASK;
    if (kind > 4 || (flags & 0xc0u))
        return LIS_EINVAL; /* reserved values */
    bool little = flags & FLAG_LITTLE;
    size_t head = 8 + 8 * env_doubles[kind];
    if (len < head)
        return LIS_EINVAL;
    if (wkb)
        *wkb = blob + head;
    if (wkblen)
        *wkblen = len - head;
    if (srs_id)
        *srs_id = (int32_t)geo__get_u32(blob + 4, little);
    if (empty)
        *empty = flags & FLAG_EMPTY;
    if (env) {
        /* Every kind starts with minx, maxx, miny, maxy. An empty geometry
         * may carry an envelope of NaNs; then the WKB decides. */
        struct geo_box b = {NAN, NAN, NAN, NAN};
        if (kind) {
            b.minx = geo__get_f64(blob + 8, little);
            b.maxx = geo__get_f64(blob + 16, little);
            b.miny = geo__get_f64(blob + 24, little);
            b.maxy = geo__get_f64(blob + 32, little);
        }
        if (!kind || isnan(b.minx) || isnan(b.maxx) || isnan(b.miny) || isnan(b.maxy)) {
            if (geo_wkb_envelope(blob + head, len - head, &b))
                b = (struct geo_box){NAN, NAN, NAN, NAN};
        }
        *env = b;
    }
    return 0;
}
