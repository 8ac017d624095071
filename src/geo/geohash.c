/* geohash — the standard base-32 GeoHash.
 *
 * Bits alternate longitude, latitude (longitude first), each halving its
 * interval; five bits make one character of the alphabet below (digits and
 * lower-case letters without a, i, l, o). The national parcel identifier of
 * Circular 09/2024 is the 12-character GeoHash of a parcel's point on surface. */
#include "geo/geo.h"

#include "core/err.h"

static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";

#define MAX_CHARS 22 /* 110 bits: beyond that a double cannot halve further */

void geo_geohash_encode(double lon, double lat, int chars, char *out)
{
    if (chars < 0)
        chars = 0;
    if (chars > MAX_CHARS)
        chars = MAX_CHARS;
    double lo[2] = {-180.0, -90.0}, hi[2] = {180.0, 90.0};
    double v[2] = {lon, lat};
    int axis = 0; /* 0 = longitude, 1 = latitude */
    for (int c = 0; c < chars; c++) {
        unsigned idx = 0;
        for (int b = 0; b < 5; b++) {
            double mid = (lo[axis] + hi[axis]) / 2;
            idx <<= 1;
            if (v[axis] >= mid) {
                idx |= 1;
                lo[axis] = mid;
            } else {
                hi[axis] = mid;
            }
            axis ^= 1;
        }
        out[c] = alphabet[idx];
    }
    out[chars] = '\0';
}

/* Value of one character, or -1. Upper case is accepted: identifiers get
 * typed in by people. */
static int char_value(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        ch = (char)(ch - 'A' + 'a');
    for (int i = 0; i < 32; i++)
        if (alphabet[i] == ch)
            return i;
    return -1;
}

int geo_geohash_decode(const char *hash, double *lon, double *lat, double *lon_err,
                       double *lat_err)
{
    if (!hash || !hash[0])
        return LIS_EINVAL;
    double lo[2] = {-180.0, -90.0}, hi[2] = {180.0, 90.0};
    int axis = 0;
    for (int c = 0; hash[c]; c++) {
        int idx = char_value(hash[c]);
        if (c >= MAX_CHARS || idx < 0)
            return LIS_EINVAL;
        for (int b = 4; b >= 0; b--) {
            double mid = (lo[axis] + hi[axis]) / 2;
            if (idx & (1 << b))
                lo[axis] = mid;
            else
                hi[axis] = mid;
            axis ^= 1;
        }
    }
    if (lon)
        *lon = (lo[0] + hi[0]) / 2;
    if (lat)
        *lat = (lo[1] + hi[1]) / 2;
    if (lon_err)
        *lon_err = (hi[0] - lo[0]) / 2;
    if (lat_err)
        *lat_err = (hi[1] - lo[1]) / 2;
    return 0;
}
