/* text — UTF-8 checks and the diacritics folding every backend shares.
 *
 * Search in LIS matches with or without Vietnamese diacritics: both the
 * indexed text and the query go through text_fold(), one function of ours,
 * so SQLite and PostgreSQL give the same answers. */
#ifndef LIS_TEXT_H
#define LIS_TEXT_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF) and holds no NUL or other C0 control but tab. */
bool text_utf8_valid(const char *s, size_t len);

/* Fold for search: lower case, Vietnamese (and other Latin) diacritics
 * removed, đ/Đ → d, every run of characters that are not letters or digits
 * turned into one space, no leading or trailing space. Appends to out.
 * Input must be valid UTF-8; other code points pass through lower-cased
 * where Latin-1/Latin Extended, unchanged otherwise. */
void text_fold(const char *s, size_t len, struct buf *out);

/* Decode the code point at s[0..len) into *cp; returns its length in bytes,
 * 0 when malformed or truncated. */
size_t text_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Number of code points in valid UTF-8. */
size_t text_utf8_len(const char *s, size_t len);

/* Trim ASCII and Unicode spaces at both ends; returns the trimmed span inside s. */
const char *text_trim(const char *s, size_t len, size_t *out_len);

#endif
