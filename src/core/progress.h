/* progress — a progress bar for long commands (demo, import).
 *
 * Drawn on standard error only when it is a terminal, at most ~10 times a
 * second; otherwise silent. Caller frees with progress_end(). */
#ifndef LIS_PROGRESS_H
#define LIS_PROGRESS_H

#include <stdint.h>

struct progress;

struct progress *progress_begin(const char *label, int64_t total); /* total 0: unknown */
void progress_update(struct progress *p, int64_t done);
void progress_end(struct progress *p); /* clears the bar; NULL is a no-op */

#endif
