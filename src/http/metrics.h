/* metrics — request counters and a latency histogram in Prometheus text.
 *
 * Owned by http/. Each event loop counts into its own slots (no sharing on
 * the hot path, relaxed atomic adds so a scrape from another loop reads whole
 * values); metrics_render() sums the loops' slots. Routes are labelled by the
 * names given at creation; route -1 is "other" (static files, unknown paths). */
#ifndef LIS_HTTP_METRICS_H
#define LIS_HTTP_METRICS_H

#include "core/buf.h"

#include <stdint.h>

struct metrics;

/* labels[0..nroutes) name the routes (borrowed: must outlive m). Caller frees
 * with metrics_free(). */
struct metrics *metrics_new(const char *const *labels, int nroutes, int nthreads);
void metrics_free(struct metrics *m); /* NULL is a no-op */

/* Count one finished request of loop `thread`. */
void metrics_observe(struct metrics *m, int thread, int route, int status, uint64_t micros);

/* The worker pool's counts, as changes: jobs waiting (+1 queued, -1 taken by
 * a worker), jobs run, jobs refused because the queue was full. Any thread. */
void metrics_worker(struct metrics *m, int queued, int ran, int rejected);

/* Append the Prometheus text exposition (lis_http_requests_total,
 * lis_http_request_duration_seconds, lis_worker_*) to out. */
void metrics_render(struct metrics *m, struct buf *out);

#endif
