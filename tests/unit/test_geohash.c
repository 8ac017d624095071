/* Unit tests for geo/geohash.c: known values from the literature, decoding
 * back into the cell, and refusal of bad input. */
#include "core/err.h"
#include "geo/geo.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static const struct {
    const char *id;
    double lon, lat;
    int chars;
    const char *hash;
} known[] = {
    {"ezs42", -5.6, 42.6, 5, "ezs42"},
    {"jutland", 10.40744, 57.64911, 11, "u4pruydqqvj"},
    {"origin-1", 0.0, 0.0, 1, "s"},
    {"origin-6", 0.0, 0.0, 6, "s00000"},
    {"south-west", -180.0, -90.0, 4, "0000"},
    {"north-east-edge", 179.9999999, 89.9999999, 4, "zzzz"},
    {"zero-chars", 1.0, 1.0, 0, ""},
    {"clamped-22", 106.76, 21.85, 40, NULL}, /* only checks the length */
};

Test(geohash, known_values)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        char out[64];
        memset(out, 'X', sizeof out);
        geo_geohash_encode(known[i].lon, known[i].lat, known[i].chars, out);
        if (known[i].hash)
            cr_expect_str_eq(out, known[i].hash, "%s", known[i].id);
        else
            cr_expect_eq(strlen(out), 22u, "%s: length %zu", known[i].id, strlen(out));
    }
}

static const struct {
    const char *id;
    double lon, lat;
} places[] = {
    {"lang-son-city", 106.7613, 21.8537},
    {"dong-dang", 106.6990, 21.9980},
    {"binh-gia", 106.3667, 22.0667},
    {"huu-lung", 106.3500, 21.5167},
    {"far-east", 107.38, 22.45},
    {"southern-hemisphere", -58.38, -34.60},
    {"antimeridian-west", -179.99, 10.0},
};

Test(geohash, round_trip_in_cell)
{
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        for (int chars = 1; chars <= 22; chars++) {
            char h[23];
            geo_geohash_encode(places[i].lon, places[i].lat, chars, h);
            double lon, lat, elon, elat;
            cr_assert_eq(geo_geohash_decode(h, &lon, &lat, &elon, &elat), 0, "%s/%d", places[i].id,
                         chars);
            /* Past 20 characters the cells are finer than a double's
             * resolution at these magnitudes; allow a few ulps there. */
            double slack = chars > 20 ? 1e-12 : 0;
            cr_expect(fabs(lon - places[i].lon) <= elon + slack, "%s/%d lon %.15f", places[i].id,
                      chars, lon);
            cr_expect(fabs(lat - places[i].lat) <= elat + slack, "%s/%d lat %.15f", places[i].id,
                      chars, lat);
            if (chars > 20)
                continue;
            /* Re-encoding the centre gives the same cell. */
            char again[23];
            geo_geohash_encode(lon, lat, chars, again);
            cr_expect_str_eq(again, h, "%s/%d", places[i].id, chars);
        }
    }
}

Test(geohash, cell_sizes)
{
    double lon, lat, elon, elat;
    cr_assert_eq(geo_geohash_decode("ezs42", &lon, &lat, &elon, &elat), 0);
    /* 5 characters: 13 longitude bits, 12 latitude bits. */
    cr_expect_float_eq(elon, 180.0 / 8192, 1e-15);
    cr_expect_float_eq(elat, 90.0 / 4096, 1e-15);
    cr_expect_float_eq(lon, -5.60302734375, 1e-12);
    cr_expect_float_eq(lat, 42.60498046875, 1e-12);
    /* 12 characters (the national parcel id) are finer than 2 cm. */
    cr_assert_eq(geo_geohash_decode("w7yfqe3sbvxh", NULL, &lat, &elon, &elat), 0);
    cr_expect(elat * 2 * 111320 < 0.02, "lat cell %g m", elat * 2 * 111320);
}

static const struct {
    const char *id;
    const char *hash;
    int rc;
} decode_cases[] = {
    {"upper-case", "EZS42", 0},
    {"letter-a", "ezsa2", LIS_EINVAL},
    {"letter-i", "i", LIS_EINVAL},
    {"letter-l", "l", LIS_EINVAL},
    {"letter-o", "o", LIS_EINVAL},
    {"punctuation", "ezs-42", LIS_EINVAL},
    {"empty", "", LIS_EINVAL},
    {"22-chars", "0123456789bcdefghjkmnp", 0},
    {"23-chars", "0123456789bcdefghjkmnpq", LIS_EINVAL},
};

Test(geohash, decode_validation)
{
    for (size_t i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++) {
        double lon = 0, lat = 0;
        int rc = geo_geohash_decode(decode_cases[i].hash, &lon, &lat, NULL, NULL);
        cr_expect_eq(rc, decode_cases[i].rc, "%s: rc %d", decode_cases[i].id, rc);
    }
    double a, b, c, d;
    geo_geohash_decode("EZS42", &a, &b, NULL, NULL);
    geo_geohash_decode("ezs42", &c, &d, NULL, NULL);
    cr_expect(a == c && b == d);
}
