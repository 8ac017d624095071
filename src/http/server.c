/* server — see server.h.
 *
 * Threads: the calling thread opens the sockets and the per-loop application
 * data, blocks SIGTERM/SIGINT, starts one thread per loop and waits for a
 * signal in sigwait(). It then sends each loop a message through h2o's
 * multithread queue; the loop closes its listener and keeps running until its
 * requests in flight are done. In-flight requests are counted per loop: up in
 * the first handler, down in a logger (h2o calls loggers when a request is
 * disposed, whether or not the response completed), and likewise for a
 * deferred job: up in http_defer, down once its done() has run.
 *
 * The worker pool: `workers` threads take jobs from one queue (mutex +
 * condition variable, at most worker_queue waiting). A finished job is sent
 * as a message to its loop's done receiver (h2o's multithread queue), which
 * runs done() there. The request may be disposed by h2o meanwhile (client
 * gone): a ref-counted chunk in the request's pool points at the job, and its
 * dispose callback, which runs on the loop as well, clears the job's req. At
 * the stop the loops end first (their in-flight count includes pending jobs),
 * then the workers; jobs left by the drain's time limit are done with req
 * NULL after everything has been joined. */
#include "http/server.h"

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/problem.h"
#include "http/respond.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define DRAIN_MS 10000 /* longest wait for requests in flight at shutdown */

struct server;

struct loop {
    h2o_context_t ctx; /* first: req->conn->ctx leads back here */
    struct server *srv;
    int index;
    int fd;
    void *tdata;
    h2o_evloop_t *evloop;
    h2o_socket_t *listener;
    h2o_accept_ctx_t accept_ctx;
    h2o_multithread_receiver_t receiver;
    h2o_multithread_message_t stop_msg;
    h2o_multithread_receiver_t done_receiver; /* finished jobs of this loop's requests */
    pthread_t thread;
    bool stopping;
    long inflight;
    const struct http_route *match_route; /* the last literal route on_req matched, */
    char match_path[64];                  /* for this path and method: a busy server */
    size_t match_path_len;                /* answers the same few over and over */
    char match_method[8];
    char log_path[64];  /* the path on_log last looked up, and its route: a */
    size_t log_path_len; /* busy server answers the same few paths, and the */
    int log_route;       /* route depends on the path alone */
};

/* A deferred job, from http_defer until its done() has run. */
struct job {
    h2o_multithread_message_t msg; /* in the pool's queue while waiting, then sent to the loop */
    h2o_linklist_t pending;        /* in pool.pending the whole time */
    struct loop *loop;
    h2o_req_t *req;     /* NULL once h2o has disposed of it; read on the loop only */
    struct job **slot;  /* the chunk in req's pool that points back here */
    void *arg;
    http_work_fn work;
    http_done_fn done;
};

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    h2o_linklist_t queue;   /* jobs waiting for a worker, oldest first */
    h2o_linklist_t pending; /* every job not yet done */
    int queued, max_queued, nice;
    bool quit;
    pthread_t *threads;
    int nthreads, started;
};

struct server {
    const struct http_server_opts *o;
    struct pool pool;
    h2o_globalconf_t conf;
    struct loop *loops;
    h2o_barrier_t ready;
    bool static_files; /* web_root exists: paths no route knows go to files */
};

struct route_handler {
    h2o_handler_t super;
    struct server *srv;
};

struct counting_logger {
    h2o_logger_t super;
    struct server *srv;
};

/* Kept reachable after return: h2o objects of the loops are not torn down
 * (idle keep-alive connections may still hold them), and the process ends. */
static struct server *volatile last_server;

static struct loop *loop_of(h2o_req_t *req)
{
    return (struct loop *)req->conn->ctx;
}

int http_loop_index(h2o_req_t *req)
{
    return loop_of(req)->index;
}

static bool has_prefix(h2o_iovec_t s, const char *p)
{
    size_t n = strlen(p);
    return s.len >= n && memcmp(s.base, p, n) == 0;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    struct server *srv = ((struct route_handler *)self)->srv;
    const struct http_server_opts *o = srv->o;
    struct loop *l = loop_of(req);
    const struct http_route *route = NULL;
    struct http_args args;
    struct buf detail = BUF_INIT, allow = BUF_INIT;
    bool bad = false;

    l->inflight++;
    memset(&args, 0, sizeof args);
    enum http_match m;
    h2o_iovec_t path = req->path_normalized;
    if (l->match_route && path.len == l->match_path_len &&
        memcmp(path.base, l->match_path, path.len) == 0 &&
        h2o_memis(req->method.base, req->method.len, l->match_method, strlen(l->match_method))) {
        route = l->match_route; /* a literal path: nothing to extract, same answer */
        m = HTTP_MATCH_OK;
    } else {
        m = http_route_match(o->routes, o->nroutes, req, &route, &args, &bad, &detail, &allow);
        if (m == HTTP_MATCH_OK && !strchr(route->path, '{') && path.len <= sizeof l->match_path &&
            req->method.len < sizeof l->match_method) {
            memcpy(l->match_path, path.base, path.len);
            l->match_path_len = path.len;
            memcpy(l->match_method, req->method.base, req->method.len);
            l->match_method[req->method.len] = '\0';
            l->match_route = route;
        }
    }
    if (m == HTTP_MATCH_NO_PATH && srv->static_files && !has_prefix(req->path_normalized, "/api/")) {
        buf_free(&detail);
        buf_free(&allow);
        return -1; /* a static file, maybe */
    }
    if (m == HTTP_MATCH_NO_PATH) {
        http_problem(req, 404, "not-found", "no such resource");
        goto out;
    }
    if (m == HTTP_MATCH_NO_METHOD) {
        h2o_iovec_t a = h2o_strdup(&req->pool, buf_cstr(&allow), allow.len);
        h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, a.base, a.len, 1);
        http_problem(req, 405, "method-not-allowed", "this resource answers %s only",
                     buf_cstr(&allow));
        goto out;
    }
    if (req->entity.base && req->entity.len > 0) {
        if (!route->body) {
            http_problem(req, 413, "body-not-allowed", "this resource takes no request body");
            goto out;
        }
        ssize_t ct = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
        if (ct < 0 || !has_prefix(req->headers.entries[ct].value, "application/json")) {
            http_problem(req, 415, "unsupported-media-type",
                         "send the request body as application/json");
            goto out;
        }
    }
    if (bad) {
        http_problem(req, 400, "invalid-parameter", "%s", buf_cstr(&detail));
        goto out;
    }
    struct http_query_error qe = {0, NULL, BUF_INIT};
    if (http_query_parse(req, route->params, o->max_query_bytes, &args, &qe)) {
        http_problem(req, qe.status, qe.type, "%s", buf_cstr(&qe.detail));
        buf_free(&qe.detail);
        goto out;
    }
    if (o->gate && o->gate(l->tdata, req, route) != 0)
        goto out;
    route->handler(l->tdata, req, route, &args);
out:
    buf_free(&detail);
    buf_free(&allow);
    return 0;
}

/* After the file handler: what it did not serve is a problem+json 404 too. */
static int on_req_fallback(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    http_problem(req, 404, "not-found", "no such resource");
    return 0;
}

static void on_log(h2o_logger_t *self, h2o_req_t *req)
{
    struct server *srv = ((struct counting_logger *)self)->srv;
    struct loop *l = loop_of(req);
    struct timeval now;
    gettimeofday(&now, NULL);
    const struct timeval *t0 = &req->timestamps.request_begin_at;
    int64_t us = (int64_t)(now.tv_sec - t0->tv_sec) * 1000000 + (now.tv_usec - t0->tv_usec);
    if (t0->tv_sec == 0 || us < 0)
        us = 0;
    h2o_iovec_t path = req->path_normalized;
    int route;
    if (path.len == l->log_path_len && path.len && memcmp(path.base, l->log_path, path.len) == 0) {
        route = l->log_route;
    } else {
        route = http_route_find(srv->o->routes, srv->o->nroutes, path.base, path.len);
        if (path.len <= sizeof l->log_path) {
            memcpy(l->log_path, path.base, path.len);
            l->log_path_len = path.len;
            l->log_route = route;
        }
    }
    if (srv->o->metrics)
        metrics_observe(srv->o->metrics, l->index, route, req->res.status, (uint64_t)us);
    if (l->inflight > 0)
        l->inflight--;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    struct loop *l = listener->data;
    if (err)
        return;
    /* Take what is queued now; SO_REUSEPORT has already spread connections. */
    for (int i = 0; i < 64; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (!sock)
            break;
        h2o_accept(&l->accept_ctx, sock);
    }
}

static void on_stop(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    struct loop *l = H2O_STRUCT_FROM_MEMBER(struct loop, receiver, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&msg->link);
    }
    if (l->stopping)
        return;
    l->stopping = true;
    if (l->listener) {
        h2o_socket_read_stop(l->listener);
        h2o_socket_close(l->listener); /* closes the fd: no new connections here */
        l->listener = NULL;
    }
    h2o_context_request_shutdown(&l->ctx);
}

static void job_count(struct server *srv, int queued, int ran, int rejected)
{
    if (srv->o->metrics)
        metrics_worker(srv->o->metrics, queued, ran, rejected);
}

/* The request's pool is being cleared: the client went away, or the answer
 * done() sent is complete. Loop thread. */
static void on_req_gone(void *chunk)
{
    struct job *j = *(struct job **)chunk;
    if (j) {
        j->req = NULL;
        j->slot = NULL;
    }
}

static void on_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    struct loop *l = H2O_STRUCT_FROM_MEMBER(struct loop, done_receiver, receiver);
    struct pool *p = &l->srv->pool;
    while (!h2o_linklist_is_empty(messages)) {
        struct job *j = H2O_STRUCT_FROM_MEMBER(struct job, msg.link, messages->next);
        h2o_linklist_unlink(&j->msg.link);
        pthread_mutex_lock(&p->mu);
        h2o_linklist_unlink(&j->pending);
        pthread_mutex_unlock(&p->mu);
        if (j->req)
            *j->slot = NULL; /* the request outlives the job */
        j->done(l->tdata, j->req, j->arg);
        free(j);
        if (l->inflight > 0)
            l->inflight--;
    }
}

int http_defer(h2o_req_t *req, void *arg, http_work_fn work, http_done_fn done)
{
    struct loop *l = loop_of(req);
    struct pool *p = &l->srv->pool;
    pthread_mutex_lock(&p->mu);
    if (p->queued >= p->max_queued) {
        pthread_mutex_unlock(&p->mu);
        job_count(l->srv, 0, 0, 1);
        return LIS_ELIMIT;
    }
    struct job *j = xcalloc(1, sizeof *j);
    j->loop = l;
    j->req = req;
    j->slot = h2o_mem_alloc_shared(&req->pool, sizeof *j->slot, on_req_gone);
    *j->slot = j;
    j->arg = arg;
    j->work = work;
    j->done = done;
    h2o_linklist_insert(&p->queue, &j->msg.link);
    h2o_linklist_insert(&p->pending, &j->pending);
    p->queued++;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->mu);
    job_count(l->srv, 1, 0, 0);
    l->inflight++;
    return 0;
}

/* Lower the calling thread's CPU priority by `nice` (Linux nice values are
 * per thread): the loops keep answering while a worker hashes. */
static void lower_priority(int nice)
{
    id_t tid = (id_t)gettid();
    errno = 0;
    int cur = getpriority(PRIO_PROCESS, tid);
    if (cur == -1 && errno)
        return;
    int want = cur + nice > 19 ? 19 : cur + nice;
    if (setpriority(PRIO_PROCESS, tid, want) != 0)
        log_warn("worker: cannot lower its priority: %s", strerror(errno));
}

static void *worker_main(void *arg)
{
    struct server *srv = arg;
    struct pool *p = &srv->pool;

    lower_priority(p->nice);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && h2o_linklist_is_empty(&p->queue))
            pthread_cond_wait(&p->wake, &p->mu);
        if (p->quit)
            break;
        struct job *j = H2O_STRUCT_FROM_MEMBER(struct job, msg.link, p->queue.next);
        h2o_linklist_unlink(&j->msg.link);
        p->queued--;
        pthread_mutex_unlock(&p->mu);
        job_count(srv, -1, 0, 0);
        j->work(j->arg);
        job_count(srv, 0, 1, 0);
        /* j may be freed by its loop from here on */
        h2o_multithread_send_message(&j->loop->done_receiver, &j->msg);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void pool_init(struct pool *p, const struct http_server_opts *o)
{
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    h2o_linklist_init_anchor(&p->queue);
    h2o_linklist_init_anchor(&p->pending);
    p->max_queued = o->worker_queue > 0 ? o->worker_queue : 256;
    p->nice = o->worker_nice > 0 ? o->worker_nice : 10;
    p->nthreads = o->workers > 0 ? o->workers : 1;
    p->threads = xcalloc((size_t)p->nthreads, sizeof *p->threads);
}

/* After the loops have ended: stop the workers (each finishes the job it
 * runs), then do what the drain's time limit left, with req NULL. */
static void pool_stop(struct server *srv)
{
    struct pool *p = &srv->pool;
    int left = 0;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    p->started = 0;
    while (!h2o_linklist_is_empty(&p->pending)) {
        struct job *j = H2O_STRUCT_FROM_MEMBER(struct job, pending, p->pending.next);
        h2o_linklist_unlink(&j->pending);
        /* still linked in the queue or a dead loop's receiver: neither is read again */
        j->done(j->loop->tdata, NULL, j->arg);
        free(j);
        left++;
    }
    if (left)
        log_warn("workers: %d jobs dropped at the stop", left);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *loop_main(void *arg)
{
    struct loop *l = arg;
    struct server *srv = l->srv;
    const struct http_server_opts *o = srv->o;

    l->evloop = h2o_evloop_create();
    h2o_context_init(&l->ctx, l->evloop, &srv->conf);
    l->accept_ctx.ctx = &l->ctx;
    l->accept_ctx.hosts = srv->conf.hosts;
    h2o_multithread_register_receiver(l->ctx.queue, &l->receiver, on_stop);
    h2o_multithread_register_receiver(l->ctx.queue, &l->done_receiver, on_done);
    l->listener = h2o_evloop_socket_create(l->evloop, l->fd, H2O_SOCKET_FLAG_DONT_READ);
    l->listener->data = l;
    h2o_socket_read_start(l->listener, on_accept);
    h2o_barrier_wait(&srv->ready);

    uint64_t ticked = now_ms();
    while (!l->stopping) {
        if (h2o_evloop_run(l->evloop, o->tick ? 1000 : INT32_MAX) != 0)
            break;
        if (o->tick && now_ms() - ticked >= 1000) {
            ticked = now_ms();
            o->tick(l->tdata);
        }
    }
    uint64_t deadline = now_ms() + DRAIN_MS;
    while (l->inflight > 0 && now_ms() < deadline)
        h2o_evloop_run(l->evloop, 50);
    if (l->inflight > 0)
        log_warn("loop %d: %ld requests or jobs still in flight after %d ms", l->index, l->inflight,
                 DRAIN_MS);
    return NULL;
}

/* Split "host:port", "[v6]:port", ":port" or "port". */
static int parse_listen(const char *s, char *host, size_t hostsz, char *port, size_t portsz)
{
    const char *colon;
    host[0] = '\0';
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - s - 1) >= hostsz)
            return LIS_EINVAL;
        memcpy(host, s + 1, (size_t)(rb - s - 1));
        host[rb - s - 1] = '\0';
        colon = rb + 1;
    } else if ((colon = strrchr(s, ':'))) {
        if ((size_t)(colon - s) >= hostsz)
            return LIS_EINVAL;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    } else {
        colon = s - 1; /* only a port */
    }
    const char *p = colon + 1;
    if (!*p || strlen(p) >= portsz || strspn(p, "0123456789") != strlen(p))
        return LIS_EINVAL;
    memcpy(port, p, strlen(p) + 1);
    return 0;
}

static int open_listener(const struct addrinfo *ai, struct buf *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    int on = 1;
    if (fd < 0) {
        buf_appendf(err, "socket: %s", strerror(errno));
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        buf_appendf(err, "cannot listen: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* SO_REUSEPORT would let a second server share a port silently (the kernel
 * would spread connections over both), so first bind once without it: a port
 * someone listens on is refused there. Port 0 asks for any free port. */
static bool address_taken(const struct addrinfo *ai, struct buf *err)
{
    const struct sockaddr_in *sin = (const void *)ai->ai_addr;
    if (sin->sin_port == 0) /* sin6_port sits at the same offset */
        return false;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int on = 1;
    if (fd < 0)
        return false; /* open_listener will say why */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on); /* TIME_WAIT is no owner */
    bool taken = bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno == EADDRINUSE;
    if (taken)
        buf_appendf(err, "cannot listen: %s", strerror(EADDRINUSE));
    close(fd);
    return taken;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return path && *path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void http_block_stop_signals(sigset_t *set)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGINT);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    if (set)
        *set = s;
}

int http_serve(const struct http_server_opts *o, struct buf *err)
{
    struct server *srv = xcalloc(1, sizeof *srv);
    struct addrinfo hints, *res = NULL;
    char host[256], port[16];
    int rc = 0, started = 0, nloops = o->loops < 1 ? 1 : o->loops;
    sigset_t sigs;

    srv->o = o;
    pool_init(&srv->pool, o);
    srv->loops = xcalloc((size_t)nloops, sizeof(struct loop));
    for (int i = 0; i < nloops; i++)
        srv->loops[i].fd = -1;

    if (parse_listen(o->listen, host, sizeof host, port, sizeof port)) {
        buf_appendf(err, "listen address '%s' is not host:port", o->listen);
        rc = LIS_EINVAL;
        goto out;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (gai != 0) {
        buf_appendf(err, "listen address '%s': %s", o->listen, gai_strerror(gai));
        rc = LIS_EINVAL;
        goto out;
    }
    if (address_taken(res, err)) {
        buf_appendf(err, " (%s)", o->listen);
        rc = LIS_EIO;
        goto out;
    }
    for (int i = 0; i < nloops; i++) {
        srv->loops[i].fd = open_listener(res, err);
        if (srv->loops[i].fd < 0) {
            buf_appendf(err, " (%s)", o->listen);
            rc = LIS_EIO;
            goto out;
        }
    }

    h2o_config_init(&srv->conf);
    srv->conf.server_name = h2o_iovec_init(H2O_STRLIT("lis"));
    srv->conf.max_request_entity_size = o->max_body_bytes;
    h2o_hostconf_t *hostconf =
        h2o_config_register_host(&srv->conf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(hostconf, "/", 0);
    struct route_handler *rh = (void *)h2o_create_handler(path, sizeof *rh);
    rh->super.on_req = on_req;
    rh->srv = srv;
    if (is_dir(o->web_root)) {
        static const char *index_files[] = {"index.html", NULL};
        h2o_file_register(path, o->web_root, index_files, NULL, 0);
        h2o_handler_t *fb = h2o_create_handler(path, sizeof *fb);
        fb->on_req = on_req_fallback;
        srv->static_files = true;
    }
    struct counting_logger *cl = (void *)h2o_create_logger(path, sizeof *cl);
    cl->super.log_access = on_log;
    cl->srv = srv;
    if (o->access_log && strcmp(o->access_log, "off") != 0) {
        const char *file = strcmp(o->access_log, "-") == 0 ? "/dev/stdout" : o->access_log;
        h2o_access_log_filehandle_t *fh =
            h2o_access_log_open_handle(file, HTTP_ACCESS_LOG_FORMAT, H2O_LOGCONF_ESCAPE_APACHE);
        if (!fh) {
            buf_appendf(err, "cannot open the access log '%s'", o->access_log);
            rc = LIS_EIO;
            goto out;
        }
        h2o_access_log_register(path, fh);
    }
    h2o_compress_args_t ca;
    memset(&ca, 0, sizeof ca);
    /* Below about one TCP segment gzip saves no packet but costs a deflate
     * set-up per answer: map clicks (~450 bytes) go out as they are. */
    ca.min_size = HTTP_GZIP_MIN_BYTES;
    ca.gzip.quality = 1;
    ca.brotli.quality = -1;
    h2o_compress_register(path, &ca);

    for (int i = 0; i < nloops; i++) {
        srv->loops[i].srv = srv;
        srv->loops[i].index = i;
        srv->loops[i].tdata = o->thread_new(o->app, i, err);
        if (!srv->loops[i].tdata) {
            rc = LIS_EIO;
            goto out;
        }
    }

    signal(SIGPIPE, SIG_IGN);
    http_block_stop_signals(&sigs); /* the loops and workers inherit the mask */
    for (int i = 0; i < srv->pool.nthreads; i++) {
        h2o_multithread_create_thread(&srv->pool.threads[i], NULL, worker_main, srv);
        srv->pool.started++;
    }
    h2o_barrier_init(&srv->ready, (size_t)nloops + 1);
    for (int i = 0; i < nloops; i++) {
        h2o_multithread_create_thread(&srv->loops[i].thread, NULL, loop_main, &srv->loops[i]);
        started++;
    }
    h2o_barrier_wait(&srv->ready);
    log_info("serving http://%s%s%s:%s with %d loop%s and %d worker%s", strchr(host, ':') ? "[" : "",
             host[0] ? host : "0.0.0.0", strchr(host, ':') ? "]" : "", port, nloops,
             nloops == 1 ? "" : "s", srv->pool.nthreads, srv->pool.nthreads == 1 ? "" : "s");

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    log_info("signal %d: stopping (finishing requests in flight)", sig);
    for (int i = 0; i < nloops; i++)
        h2o_multithread_send_message(&srv->loops[i].receiver, &srv->loops[i].stop_msg);
    for (int i = 0; i < started; i++)
        pthread_join(srv->loops[i].thread, NULL);
    pool_stop(srv);
    log_info("stopped");

out:
    if (res)
        freeaddrinfo(res);
    for (int i = 0; i < nloops; i++) {
        if (i >= started && srv->loops[i].fd >= 0)
            close(srv->loops[i].fd); /* a started loop closed its own */
        if (srv->loops[i].tdata && o->thread_free)
            o->thread_free(srv->loops[i].tdata);
        srv->loops[i].tdata = NULL;
    }
    last_server = srv;
    return rc;
}
