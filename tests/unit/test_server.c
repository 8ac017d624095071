/* Unit tests of http/server's worker pool (http_defer): a real http_serve on
 * a free port, with routes whose handlers defer jobs that the test holds back
 * or lets run. Cases: many concurrent jobs all answered and counted; a full
 * queue refused (503) while the running and waiting jobs still finish; the
 * workers' lower CPU priority; a job whose client went away; SIGTERM with a
 * job running and another waiting, answered; and jobs still pending when the
 * stop's 10 s are up, done without their requests. */
#include "core/err.h"
#include "http/metrics.h"
#include "http/problem.h"
#include "http/respond.h"
#include "http/server.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* What the jobs wait for: the test opens the gate when it wants them to end. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int running, ran, done_gone; /* jobs started by a worker; finished; done with req NULL */

struct job {
    bool hold; /* wait for the gate */
    int nice;  /* the worker thread's nice value */
};

static void work(void *arg)
{
    struct job *j = arg;
    j->nice = getpriority(PRIO_PROCESS, 0); /* Linux: the calling thread's */
    pthread_mutex_lock(&mu);
    running++;
    pthread_cond_broadcast(&cv);
    while (j->hold && !gate_open)
        pthread_cond_wait(&cv, &mu);
    ran++;
    pthread_mutex_unlock(&mu);
}

static void done(void *tdata, h2o_req_t *req, void *arg)
{
    struct job *j = arg;
    cr_assert_not_null(tdata);
    if (req) {
        char body[32];
        int n = snprintf(body, sizeof body, "%d", j->nice);
        http_send_body(req, "text/plain", body, (size_t)n, NULL);
    } else {
        pthread_mutex_lock(&mu);
        done_gone++;
        pthread_mutex_unlock(&mu);
    }
    free(j);
}

static void defer(h2o_req_t *req, bool hold)
{
    struct job *j = calloc(1, sizeof *j);
    j->hold = hold;
    if (http_defer(req, j, work, done) != 0) {
        free(j);
        http_problem(req, 503, "busy", "the workers are busy");
    }
}

static void h_hold(void *td, h2o_req_t *req, const struct http_route *r,
                   const struct http_args *a)
{
    (void)td, (void)r, (void)a;
    defer(req, true);
}

static void h_free(void *td, h2o_req_t *req, const struct http_route *r,
                   const struct http_args *a)
{
    (void)td, (void)r, (void)a;
    defer(req, false);
}

static const struct http_param no_params[] = {{NULL}};
static const struct http_route routes[] = {
    {"GET", "/hold", h_hold, no_params, "a job that waits for the gate", "t", NULL, false, 0, false},
    {"GET", "/free", h_free, no_params, "a job that ends at once", "t", NULL, false, 0, false},
};
static const char *const labels[] = {"/hold", "/free"};

static int tdata_dummy;
static void *thread_new(void *app, int index, struct buf *err)
{
    (void)app, (void)index, (void)err;
    return &tdata_dummy;
}

static struct http_server_opts opts;
static pthread_t serve_thread;
static int serve_rc = 1;
static int port;

static void *serve_main(void *arg)
{
    struct buf err = BUF_INIT;
    (void)arg;
    serve_rc = http_serve(&opts, &err);
    if (serve_rc)
        fprintf(stderr, "http_serve: %s\n", buf_cstr(&err));
    buf_free(&err);
    return NULL;
}

static int connect_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Serve with `workers` workers, at most `queue` waiting; returns once it answers. */
static void start(int loops, int workers, int queue, int nice)
{
    static char listen_at[32];
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &alen);
    port = ntohs(a.sin_port);
    close(fd);
    snprintf(listen_at, sizeof listen_at, "127.0.0.1:%d", port);
    opts = (struct http_server_opts){
        .listen = listen_at,
        .loops = loops,
        .access_log = "off",
        .max_query_bytes = 1024,
        .max_body_bytes = 1024,
        .routes = routes,
        .nroutes = 2,
        .metrics = metrics_new(labels, 2, loops),
        .thread_new = thread_new,
        .workers = workers,
        .worker_queue = queue,
        .worker_nice = nice,
    };
    /* SIGTERM is for the serving thread's sigwait only */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    pthread_create(&serve_thread, NULL, serve_main, NULL);
    for (int i = 0; i < 500; i++) {
        int c = connect_port();
        if (c >= 0) {
            close(c);
            return;
        }
        sleep_ms(10);
    }
    cr_assert_fail("the server did not come up");
}

static int stop(void)
{
    pthread_kill(serve_thread, SIGTERM);
    pthread_join(serve_thread, NULL);
    return serve_rc;
}

/* Send a GET on a new connection; returns the socket. */
static int send_get(const char *path)
{
    int fd = connect_port();
    cr_assert_geq(fd, 0);
    char req[128];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                     path);
    cr_assert_eq(write(fd, req, (size_t)n), n);
    return fd;
}

/* Send a GET over HTTP/2 (h2o takes the cleartext preface): over HTTP/1 h2o
 * stops reading while a request is processed, so it would not see a client
 * leave; over HTTP/2 it reads on and disposes of the streams of a closed
 * connection at once. Returns the socket. */
static int send_h2_get(const char *path)
{
    unsigned char out[256];
    size_t n = 0, plen = strlen(path);
    const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    memcpy(out, preface, sizeof preface - 1);
    n = sizeof preface - 1;
    const unsigned char settings[9] = {0, 0, 0, 4, 0, 0, 0, 0, 0}; /* empty SETTINGS */
    memcpy(out + n, settings, 9);
    n += 9;
    /* HPACK: :method GET, :scheme http (static table 2, 6); :path and
     * :authority as literals without indexing, names from the static table */
    unsigned char block[128];
    size_t b = 0;
    block[b++] = 0x82;
    block[b++] = 0x86;
    block[b++] = 0x04;
    block[b++] = (unsigned char)plen;
    memcpy(block + b, path, plen);
    b += plen;
    block[b++] = 0x01;
    block[b++] = 1;
    block[b++] = 't';
    /* HEADERS on stream 1: END_STREAM | END_HEADERS */
    const unsigned char head[9] = {0, 0, (unsigned char)b, 1, 0x05, 0, 0, 0, 1};
    memcpy(out + n, head, 9);
    n += 9;
    memcpy(out + n, block, b);
    n += b;
    int fd = connect_port();
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, out, n), (ssize_t)n);
    return fd;
}

/* Read the answer to the end; returns the status, the body in body. */
static int read_answer(int fd, char *body, size_t n)
{
    char buf[4096];
    size_t len = 0;
    ssize_t r;
    while (len < sizeof buf - 1 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)r;
    buf[len] = '\0';
    close(fd);
    int status = 0;
    if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
        return -1;
    const char *b = strstr(buf, "\r\n\r\n");
    snprintf(body, n, "%s", b ? b + 4 : "");
    return status;
}

static void wait_running(int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&mu);
    while (running < n)
        if (pthread_cond_timedwait(&cv, &mu, &until) != 0)
            break;
    int r = running;
    pthread_mutex_unlock(&mu);
    cr_assert_eq(r, n, "%d jobs running, expected %d", r, n);
}

static void open_gate(void)
{
    pthread_mutex_lock(&mu);
    gate_open = true;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* The metric named `name` (a line "name value"), or -1. */
static long long metric(const char *name)
{
    struct buf out = BUF_INIT;
    metrics_render(opts.metrics, &out);
    long long v = -1;
    size_t n = strlen(name);
    for (const char *p = buf_cstr(&out); p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            v = atoll(p + n + 1);
    buf_free(&out);
    return v;
}

/* Poll until the metric reaches want (the loops count after answering). */
static long long metric_reaches(const char *name, long long want)
{
    long long v = -1;
    for (int i = 0; i < 500 && (v = metric(name)) != want; i++)
        sleep_ms(10);
    return v;
}

/* Two held jobs: *a's runs, *b's waits in the queue. */
static void hold_two(int *a, int *b)
{
    *a = send_get("/hold");
    wait_running(1);
    *b = send_get("/hold");
    cr_assert_eq(metric_reaches("lis_worker_queued", 1), 1);
}

Test(server, concurrent_jobs_all_answered)
{
    enum { N = 40 };
    int fds[N];
    char body[64];
    start(2, 2, 64, 5);
    for (int i = 0; i < N; i++)
        fds[i] = send_get("/free");
    for (int i = 0; i < N; i++)
        cr_assert_eq(read_answer(fds[i], body, sizeof body), 200, "answer %d", i);
    cr_assert_eq(metric_reaches("lis_worker_jobs_total", N), N);
    cr_assert_eq(metric("lis_worker_rejected_total"), 0);
    cr_assert_eq(metric("lis_worker_queued"), 0);
    cr_assert_eq(ran, N);
    cr_assert_eq(stop(), 0);
}

Test(server, full_queue_refused)
{
    char body[256];
    start(1, 1, 1, 5);
    int a, b;
    hold_two(&a, &b);
    int c = send_get("/hold"); /* refused */
    cr_assert_eq(read_answer(c, body, sizeof body), 503);
    cr_assert(strstr(body, "busy"), "%s", body);
    cr_assert_eq(metric("lis_worker_rejected_total"), 1);
    open_gate();
    cr_assert_eq(read_answer(a, body, sizeof body), 200);
    cr_assert_eq(read_answer(b, body, sizeof body), 200);
    cr_assert_eq(metric_reaches("lis_worker_jobs_total", 2), 2);
    cr_assert_eq(metric("lis_worker_queued"), 0);
    /* room again */
    cr_assert_eq(read_answer(send_get("/free"), body, sizeof body), 200);
    cr_assert_eq(stop(), 0);
}

Test(server, workers_run_at_lower_priority)
{
    char body[64];
    int base = getpriority(PRIO_PROCESS, 0);
    start(1, 1, 8, 7);
    cr_assert_eq(read_answer(send_get("/free"), body, sizeof body), 200);
    int want = base + 7 > 19 ? 19 : base + 7;
    cr_assert_eq(atoi(body), want, "worker nice %s, loops %d", body, base);
    cr_assert_eq(getpriority(PRIO_PROCESS, 0), base, "the caller's own priority is unchanged");
    cr_assert_eq(stop(), 0);
}

Test(server, client_gone_gets_done_without_req)
{
    char body[64];
    start(1, 1, 8, 5);
    int a = send_h2_get("/hold");
    wait_running(1);
    close(a); /* the client leaves while the job runs */
    sleep_ms(200);
    open_gate();
    cr_assert_eq(metric_reaches("lis_worker_jobs_total", 1), 1);
    cr_assert_eq(read_answer(send_get("/free"), body, sizeof body), 200, "the loop goes on");
    pthread_mutex_lock(&mu);
    int gone = done_gone;
    pthread_mutex_unlock(&mu);
    cr_assert_eq(gone, 1);
    cr_assert_eq(stop(), 0);
}

Test(server, sigterm_lets_running_and_queued_jobs_finish)
{
    char body[64];
    start(2, 1, 8, 5);
    int a, b;
    hold_two(&a, &b);
    pthread_kill(serve_thread, SIGTERM);
    sleep_ms(300);
    cr_assert_lt(connect_port(), 0, "no new connections once stopping");
    open_gate();
    cr_assert_eq(read_answer(a, body, sizeof body), 200);
    cr_assert_eq(read_answer(b, body, sizeof body), 200);
    pthread_join(serve_thread, NULL);
    cr_assert_eq(serve_rc, 0);
    cr_assert_eq(ran, 2);
}

Test(server, jobs_past_the_drain_limit_are_done_without_req, .timeout = 60)
{
    start(1, 1, 8, 5);
    int a, b;
    hold_two(&a, &b);
    pthread_kill(serve_thread, SIGTERM);
    sleep_ms(10500); /* the loop gives up on its requests after 10 s */
    open_gate();     /* a's worker may now end; b never runs */
    pthread_join(serve_thread, NULL);
    cr_assert_eq(serve_rc, 0);
    cr_assert_eq(ran, 1);
    cr_assert_eq(done_gone, 2);
    close(a);
    close(b);
}
