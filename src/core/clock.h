/* clock — the one source of "now" for everything that stamps or compares time.
 *
 * Versions of parcels, change logs, expiry and quotas all read this clock so
 * that tests can set the time instead of sleeping: when the environment holds
 * LIS_NOW (unix seconds, or ISO 8601 "YYYY-MM-DD[THH:MM[:SS]][Z]", always UTC)
 * that instant is "now"; otherwise the system clock. LIS_NOW=@FILE reads
 * the instant from FILE at every call, so a test can move the clock of a
 * running server (a missing or malformed file: the system clock). */
#ifndef LIS_CLOCK_H
#define LIS_CLOCK_H

#include <stdint.h>

/* Seconds since 1970-01-01T00:00:00Z. A malformed LIS_NOW is ignored. */
int64_t clock_now(void);

/* Parse unix seconds or ISO 8601 (as LIS_NOW accepts) into *t; 0 or LIS_EINVAL. */
int clock_parse(const char *s, int64_t *t);

/* The portal's civil time: Viet Nam, UTC+7 all year (no daylight saving).
 * Days of quotas, dispute time limits and grants are counted in it. */
#define CLOCK_LOCAL_OFFSET (7 * 3600)

/* The start (00:00 Viet Nam time) of the local day holding t. */
int64_t clock_day_start(int64_t t);

/* An end date as people give it: "YYYY-MM-DD" means through that day in Viet
 * Nam (the end is the next local 00:00); a full date-time is taken as it is.
 * 0 or LIS_EINVAL. */
int clock_parse_until(const char *s, int64_t *t);

/* Write t as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out. */
void clock_iso(int64_t t, char out[32]);

#endif
