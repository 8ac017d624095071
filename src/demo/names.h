/* names — the words of the demo province: people, villages, streets, banks,
 * organisations, and the small random generator that picks them.
 *
 * Owned by demo/. Family names are those common in Lạng Sơn (Tày and Nùng
 * families beside Kinh ones), village names follow the Tày-Nùng pattern
 * (Nà "rice field", Khuổi "stream", Pác "mouth", Bản "village", Khau
 * "mountain pass", ...), streets are streets of Lạng Sơn city, banks have
 * branches in the province. Every name carries its full diacritics.
 *
 * Everything is deterministic: picks come from names_rand(), never rand(). */
#ifndef LIS_DEMO_NAMES_H
#define LIS_DEMO_NAMES_H

#include "core/buf.h"

#include <stdbool.h>
#include <stdint.h>

/* splitmix64: advances *state and returns 64 random bits. */
uint64_t names_rand(uint64_t *state);
/* A hash of a few numbers, for picks that must depend only on where a thing is
 * (the same block always gets the same land use), not on the order of calls. */
uint64_t names_hash(uint64_t a, uint64_t b, uint64_t c);
double names_unif(uint64_t *state);              /* [0, 1) */
int names_below(uint64_t *state, int n);         /* 0 .. n-1 */
double names_range(uint64_t *state, double a, double b);

/* "Hoàng Văn Thắng", "Nông Thị Hoa": appended to out. */
void names_person(uint64_t *state, bool female, struct buf *out);
/* A village name from a hash: "Nà Pàn", "Khuổi Sla", sometimes "Tân Lập". */
void names_village(uint64_t h, struct buf *out);
/* A street of Lạng Sơn city ("Trần Đăng Ninh"); static. */
const char *names_street(uint64_t h);
/* A bank's Lạng Sơn branch; static. */
const char *names_bank(uint64_t h);
/* A company name: "Công ty TNHH Thương mại Đông Bắc"; appended to out. */
void names_company(uint64_t h, struct buf *out);

#endif
