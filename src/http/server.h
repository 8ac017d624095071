/* server — `lis serve`'s HTTP engine: libh2o event loops on one port.
 *
 * Owned by http/. One event loop per thread (`loops` of them), each with its
 * own listening socket bound to the same address with SO_REUSEPORT, its own
 * h2o context and its own application data (the store connection and geo
 * context the handlers use, made by thread_new). Requests whose path a route
 * knows (and anything under /api/) go through the router: unknown query
 * parameters, bodies on routes that take none, bodies that are not JSON,
 * over-long query strings, wrong methods and unknown paths are answered with
 * problem+json before a handler runs, and then the application's gate (who
 * is calling, may they). Other paths go
 * to the static files of web_root when there is one. Every response passes
 * h2o's compression filter (gzip) and the access log, and is counted in the
 * metrics. Blocking work (password hashing) goes to a small pool of worker
 * threads at a lower CPU priority, whose answers come back to the request's
 * loop (http_defer). SIGTERM/SIGINT stop the listeners, let requests in
 * flight and their deferred work finish (up to 10 s) and return. */
#ifndef LIS_HTTP_SERVER_H
#define LIS_HTTP_SERVER_H

#include "core/buf.h"
#include "http/metrics.h"
#include "http/router.h"

#include <signal.h>
#include <stddef.h>

/* A format without client address and query string: no personal data. */
#define HTTP_ACCESS_LOG_FORMAT "%t \"%m %U %H\" %s %b %{duration}x"

struct http_server_opts {
    const char *listen;      /* "host:port", "[::1]:port", ":port" */
    int loops;               /* >= 1 */
    const char *web_root;    /* folder of static files; NULL or missing: none */
    const char *access_log;  /* path, "-" (standard output) or "off" */
    size_t max_query_bytes;  /* longer query strings: 414 */
    size_t max_body_bytes;   /* largest body h2o reads; any body on a GET route: 413 */
    const struct http_route *routes;
    size_t nroutes;
    struct metrics *metrics; /* labels in route order; borrowed */
    /* Per-loop application data, made in the calling thread before serving.
     * Returns NULL with the reason in err to abort start-up. */
    void *(*thread_new)(void *app, int index, struct buf *err);
    void (*thread_free)(void *tdata); /* after the loops have stopped */
    /* About once a second on each loop, busy or idle; may be NULL. Lets a loop
     * that gets no requests let go of state the others have moved past. */
    void (*tick)(void *tdata);
    /* Before every routed handler, once the path and query are valid: checks
     * who is calling (session, role, CSRF) against route->access. Returns 0
     * to run the handler, or non-zero when it has answered the request itself
     * (401, 403, 429 ...). May be NULL: everyone may call everything. */
    int (*gate)(void *tdata, h2o_req_t *req, const struct http_route *route);
    void *app;
    int workers;      /* worker threads for http_defer; 0: 1 */
    int worker_queue; /* jobs waiting (not running) beyond which http_defer refuses; 0: 256 */
    int worker_nice;  /* how much lower the workers' CPU priority is than the loops'
                         (added to the nice value, at most 19); 0: 10 */
};

/* Block SIGTERM and SIGINT in the calling thread (and so in every thread it
 * starts afterwards); *set (may be NULL) gets the two. http_serve waits for
 * them with sigwait, so an application that starts threads of its own before
 * calling it (a builder, a delivery thread) calls this first: otherwise the
 * kernel may hand the signal to such a thread, whose default action ends the
 * process at once instead of stopping gracefully. */
void http_block_stop_signals(sigset_t *set);

/* Serve until SIGTERM or SIGINT. Returns 0 after a graceful stop, or a
 * negative lis_err with the reason in err when start-up failed (address in
 * use, access log not writable, thread_new failed). */
int http_serve(const struct http_server_opts *o, struct buf *err);

/* The index (0..loops) of the loop serving req; for per-loop counters. */
int http_loop_index(h2o_req_t *req);

/* Work off the loop: work(job) runs on a worker thread (no h2o calls, no loop state there), then
 * done(tdata, req, job) runs back on req's loop. req is NULL in done when the client went away
 * meanwhile (done must still free what job holds). Returns 0, or LIS_ELIMIT when the queue is
 * full (nothing queued; the caller answers, e.g. 503 with Retry-After). A pending job keeps the
 * request in flight for the graceful stop. Jobs still pending when the stop's time limit ends
 * the loops get done(tdata, NULL, job) on the stopping thread once the loops have ended. */
typedef void (*http_work_fn)(void *job);
typedef void (*http_done_fn)(void *tdata, h2o_req_t *req, void *job);
int http_defer(h2o_req_t *req, void *job, http_work_fn work, http_done_fn done);

#endif
