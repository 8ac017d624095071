/* ident — parsing what people type to name a parcel.
 *
 * A Vietnamese parcel is named by its map sheet (tờ bản đồ) and parcel
 * number (thửa) within a commune of survey. People write "12/345",
 * "tờ 12 thửa 345", "to 12, thua 345", "TBĐ 12 TĐ 345", "sheet 12 parcel 345".
 * The national parcel identifier is a 12-character GeoHash. Coordinates are
 * typed as "lon, lat" in degrees or "X: ..., Y: ..." in VN-2000 metres, where
 * (as on Vietnamese documents) X is the northing and Y the easting. */
#ifndef LIS_IDENT_H
#define LIS_IDENT_H

#include <stdbool.h>
#include <stddef.h>

#define IDENT_MAX 24 /* longest sheet or number accepted, bytes */

struct ident_sheet_number {
    char sheet[IDENT_MAX + 1];
    char number[IDENT_MAX + 1];
};

/* Parse "12/345", "tờ 12 thửa 345" and their variants. Sheets may carry
 * letters ("12a", "DC-3"); numbers are digits with an optional letter suffix.
 * Returns true and fills out on a match. */
bool ident_parse_sheet_number(const char *s, size_t len, struct ident_sheet_number *out);

/* True when s is a well-formed sheet or parcel number (1..IDENT_MAX of
 * letters, digits, '-', '.', no spaces). */
bool ident_valid_code(const char *s, size_t len);

/* True when s is a 12-character GeoHash (base-32 alphabet, any case). The
 * lower-cased identifier is written to out (13 bytes). */
bool ident_parse_national_id(const char *s, size_t len, char out[13]);

/* True when s is a commune code: 5 digits. */
bool ident_valid_commune_code(const char *s, size_t len);

/* Coordinates typed in a search box.
 * kind LONLAT: x = longitude, y = latitude (degrees);
 * kind NATIVE: x = easting, y = northing (metres), from "X=<northing> Y=<easting>"
 * labels or two plain numbers large enough to be metres (the larger is the northing). */
enum ident_coord_kind { IDENT_COORD_NONE, IDENT_COORD_LONLAT, IDENT_COORD_NATIVE };
enum ident_coord_kind ident_parse_coordinates(const char *s, size_t len, double *x, double *y);

/* Parse a decimal number that must span all of s[0..len): no leading or
 * trailing junk, finite, not hex, not "nan"/"inf". */
bool ident_parse_double(const char *s, size_t len, double *out);
/* Parse a base-10 integer within [min, max] spanning all of s. */
bool ident_parse_long(const char *s, size_t len, long min, long max, long *out);

#endif
