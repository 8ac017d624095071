/* metrics — see metrics.h. */
#include "http/metrics.h"

#include "core/mem.h"

#include <stdlib.h>

#define NSTATUS 500 /* statuses 100..599 */

/* Upper bounds of the latency buckets, microseconds. */
static const uint64_t bounds[] = {100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
                                  100000, 250000, 500000, 1000000, 5000000};
#define NBUCKETS ((int)(sizeof bounds / sizeof bounds[0]))

struct route_slots {
    uint64_t status[NSTATUS];
    uint64_t bucket[NBUCKETS + 1]; /* last: +Inf */
    uint64_t sum_us;
};

struct metrics {
    const char *const *labels;
    int nroutes; /* declared routes + 1 ("other") */
    int nthreads;
    struct route_slots *slots; /* [thread][route] */
    int64_t worker_queued;     /* the worker pool's, shared: it has one lock anyway */
    uint64_t worker_jobs, worker_rejected;
};

struct metrics *metrics_new(const char *const *labels, int nroutes, int nthreads)
{
    struct metrics *m = xcalloc(1, sizeof *m);
    m->labels = labels;
    m->nroutes = nroutes + 1;
    m->nthreads = nthreads;
    m->slots = xcalloc((size_t)m->nroutes * (size_t)nthreads, sizeof(struct route_slots));
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m);
}

static struct route_slots *slot(struct metrics *m, int thread, int route)
{
    return &m->slots[(size_t)thread * (size_t)m->nroutes + (size_t)route];
}

void metrics_observe(struct metrics *m, int thread, int route, int status, uint64_t micros)
{
    if (route < 0 || route >= m->nroutes - 1)
        route = m->nroutes - 1;
    if (status < 100 || status > 599)
        status = 599;
    struct route_slots *s = slot(m, thread, route);
    int b = 0;
    while (b < NBUCKETS && micros > bounds[b])
        b++;
    __atomic_fetch_add(&s->status[status - 100], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->bucket[b], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->sum_us, micros, __ATOMIC_RELAXED);
}

void metrics_worker(struct metrics *m, int queued, int ran, int rejected)
{
    if (queued)
        __atomic_fetch_add(&m->worker_queued, queued, __ATOMIC_RELAXED);
    if (ran)
        __atomic_fetch_add(&m->worker_jobs, (uint64_t)ran, __ATOMIC_RELAXED);
    if (rejected)
        __atomic_fetch_add(&m->worker_rejected, (uint64_t)rejected, __ATOMIC_RELAXED);
}

static uint64_t load(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static const char *label(const struct metrics *m, int r)
{
    return r == m->nroutes - 1 ? "other" : m->labels[r];
}

void metrics_render(struct metrics *m, struct buf *out)
{
    buf_puts(out, "# HELP lis_http_requests_total HTTP requests answered, by route and status.\n"
                  "# TYPE lis_http_requests_total counter\n");
    for (int r = 0; r < m->nroutes; r++)
        for (int st = 0; st < NSTATUS; st++) {
            uint64_t n = 0;
            for (int t = 0; t < m->nthreads; t++)
                n += load(&slot(m, t, r)->status[st]);
            if (n)
                buf_appendf(out, "lis_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                            label(m, r), st + 100, (unsigned long long)n);
        }
    buf_puts(out, "# HELP lis_http_request_duration_seconds Time from request to response end.\n"
                  "# TYPE lis_http_request_duration_seconds histogram\n");
    for (int r = 0; r < m->nroutes; r++) {
        uint64_t cum = 0, sum = 0, per[NBUCKETS + 1] = {0};
        for (int t = 0; t < m->nthreads; t++) {
            struct route_slots *s = slot(m, t, r);
            for (int b = 0; b <= NBUCKETS; b++)
                per[b] += load(&s->bucket[b]);
            sum += load(&s->sum_us);
        }
        uint64_t total = 0;
        for (int b = 0; b <= NBUCKETS; b++)
            total += per[b];
        if (!total)
            continue;
        for (int b = 0; b <= NBUCKETS; b++) {
            cum += per[b];
            if (b < NBUCKETS)
                buf_appendf(out,
                            "lis_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                            label(m, r), (double)bounds[b] / 1e6, (unsigned long long)cum);
            else
                buf_appendf(out,
                            "lis_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                            label(m, r), (unsigned long long)cum);
        }
        buf_appendf(out, "lis_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label(m, r),
                    (double)sum / 1e6);
        buf_appendf(out, "lis_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                    label(m, r), (unsigned long long)total);
    }
    buf_appendf(out,
                "# HELP lis_worker_queued Jobs waiting for a worker thread.\n"
                "# TYPE lis_worker_queued gauge\nlis_worker_queued %lld\n"
                "# HELP lis_worker_jobs_total Jobs the worker threads have run.\n"
                "# TYPE lis_worker_jobs_total counter\nlis_worker_jobs_total %llu\n"
                "# HELP lis_worker_rejected_total Jobs refused because the worker queue was full.\n"
                "# TYPE lis_worker_rejected_total counter\nlis_worker_rejected_total %llu\n",
                (long long)__atomic_load_n(&m->worker_queued, __ATOMIC_RELAXED),
                (unsigned long long)load(&m->worker_jobs),
                (unsigned long long)load(&m->worker_rejected));
}
