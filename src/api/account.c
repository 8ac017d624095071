/* account — who is calling, and the routes of a person's own account:
 * register, log in and out, profile, password, export, close.
 *
 * The gate runs before every routed handler. For routes whose answer depends
 * on the caller it reads the session cookie, finds the session and its
 * account in the portal store (the primary, never the replica), and fills
 * t->who; for state-changing requests it refuses other origins and, when a
 * session is sent, a missing or wrong CSRF value; then it checks the route's
 * access level. Password hashing (Argon2id) never runs on a loop: the
 * handlers check what they can, hand a job to the worker pool (http_defer)
 * and finish the request when the job comes back. */
#include "api/portal.h"
#include "api/routes.h"

#include "auth/auth.h"
#include "auth/policy.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/problem.h"
#include "http/respond.h"
#include "http/server.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define COOKIE_NAME "lis_session"
#define TOUCH_EVERY 60 /* seconds between writes of a session's last-seen time */
#define EXPORT_AUDIT_MAX 100000

const struct http_param api_p_view[] = {
    {"id", HTTP_PARAM_INT, HTTP_IN_PATH, true, 1, 9007199254740991.0, 0, 0, "Stable parcel id"},
    {"geometry", HTTP_PARAM_BOOL, HTTP_IN_QUERY, false, 0, 0, 0, 0,
     "Add the parcel's geometry as GeoJSON in WGS 84"},
    {"view", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 10,
     "basic, detailed or full; default: the fullest the caller may see"},
    {NULL},
};


/* --------------------------------------------------------- client address */

static bool addr_bytes(const char *text, int *family, uint8_t out[16])
{
    if (inet_pton(AF_INET, text, out) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, out) == 1) {
        *family = AF_INET6;
        return true;
    }
    return false;
}

static bool trusted(const struct api_accounts *acc, int family, const uint8_t *addr)
{
    for (size_t i = 0; i < acc->nproxies; i++) {
        const struct api_proxy *p = &acc->proxies[i];
        if (p->family != family)
            continue;
        int bits = p->bits, k = 0;
        for (; bits >= 8; bits -= 8, k++)
            if (p->addr[k] != addr[k])
                goto next;
        if (bits && (p->addr[k] ^ addr[k]) & (0xFF << (8 - bits)))
            goto next;
        return true;
    next:;
    }
    return false;
}

/* The client's address: the peer, unless the peer is a trusted proxy; then
 * the right-most address of X-Forwarded-For that is not a trusted proxy. */
static void client_addr(const struct api_accounts *acc, h2o_req_t *req, char out[48])
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    strcpy(out, "unknown");
    socklen_t n = req->conn->callbacks->get_peername
                      ? req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss)
                      : 0;
    if (n == 0)
        return;
    int family = ss.ss_family;
    uint8_t bytes[16] = {0};
    if (family == AF_INET) {
        memcpy(bytes, &((struct sockaddr_in *)&ss)->sin_addr, 4);
    } else if (family == AF_INET6) {
        memcpy(bytes, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
    } else {
        return;
    }
    inet_ntop(family, bytes, out, 48);
    if (!acc->nproxies || !trusted(acc, family, bytes))
        return;
    ssize_t h = h2o_find_header(&req->headers, H2O_TOKEN_X_FORWARDED_FOR, -1);
    if (h < 0)
        return;
    h2o_iovec_t v = req->headers.entries[h].value;
    /* walk the list from its right end */
    size_t end = v.len;
    while (end > 0) {
        size_t start = end;
        while (start > 0 && v.base[start - 1] != ',')
            start--;
        size_t a = start, b = end;
        while (a < b && (v.base[a] == ' ' || v.base[a] == '\t'))
            a++;
        while (b > a && (v.base[b - 1] == ' ' || v.base[b - 1] == '\t'))
            b--;
        char text[48];
        if (b - a > 0 && b - a < sizeof text) {
            memcpy(text, v.base + a, b - a);
            text[b - a] = '\0';
            int fam;
            uint8_t ab[16] = {0};
            if (!addr_bytes(text, &fam, ab))
                return; /* garbage: keep the last address we could trust */
            inet_ntop(fam, ab, out, 48);
            if (!trusted(acc, fam, ab))
                return;
        } else {
            return;
        }
        end = start > 0 ? start - 1 : 0;
    }
}

/* ----------------------------------------------------------------- cookies */

/* The session token from the Cookie header(s); false when none. */
static bool cookie_token(h2o_req_t *req, char out[AUTH_TOKEN_LEN + 1])
{
    const size_t nlen = sizeof COOKIE_NAME - 1;
    for (ssize_t h = -1; (h = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, h)) >= 0;) {
        h2o_iovec_t v = req->headers.entries[h].value;
        size_t i = 0;
        while (i < v.len) {
            while (i < v.len && (v.base[i] == ' ' || v.base[i] == ';'))
                i++;
            size_t start = i;
            while (i < v.len && v.base[i] != ';')
                i++;
            size_t len = i - start;
            const char *c = v.base + start;
            if (len == nlen + 1 + AUTH_TOKEN_LEN && memcmp(c, COOKIE_NAME, nlen) == 0 &&
                c[nlen] == '=') {
                memcpy(out, c + nlen + 1, AUTH_TOKEN_LEN);
                out[AUTH_TOKEN_LEN] = '\0';
                return true;
            }
        }
    }
    return false;
}

static void set_cookie(struct api_thread *t, h2o_req_t *req, const char *token)
{
    char v[256];
    if (token)
        snprintf(v, sizeof v, COOKIE_NAME "=%s; Path=/; Max-Age=%" PRId64
                                          "; HttpOnly; SameSite=Lax%s",
                 token, t->api->acc.session_max, t->api->acc.cookie_secure ? "; Secure" : "");
    else
        snprintf(v, sizeof v, COOKIE_NAME "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s",
                 t->api->acc.cookie_secure ? "; Secure" : "");
    h2o_iovec_t c = h2o_strdup(&req->pool, v, strlen(v));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_SET_COOKIE, NULL, c.base, c.len);
}

/* ------------------------------------------------------------------- gate */

/* Whether a state-changing request comes from a page of another origin. */
static bool cross_origin(h2o_req_t *req)
{
    ssize_t h = h2o_find_header_by_str(&req->headers, H2O_STRLIT("sec-fetch-site"), -1);
    if (h >= 0) {
        h2o_iovec_t v = req->headers.entries[h].value;
        if (!h2o_memis(v.base, v.len, H2O_STRLIT("same-origin")) &&
            !h2o_memis(v.base, v.len, H2O_STRLIT("none")))
            return true;
    }
    h = h2o_find_header_by_str(&req->headers, H2O_STRLIT("origin"), -1);
    if (h < 0)
        return false;
    h2o_iovec_t o = req->headers.entries[h].value;
    /* the origin's host[:port] must be the request's authority */
    const char *p = memchr(o.base, ':', o.len);
    if (!p || (size_t)(o.base + o.len - p) < 3 || p[1] != '/' || p[2] != '/')
        return true;
    p += 3;
    size_t hl = (size_t)(o.base + o.len - p);
    return !h2o_lcstris(p, hl, req->authority.base, req->authority.len);
}

static bool changing(h2o_req_t *req)
{
    return !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
           !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
}

/* Fill t->who from the session cookie, if it names a live session of an
 * open, unlocked account. token gets the cookie's token (for the CSRF value). */
static void find_caller(struct api_thread *t, h2o_req_t *req, const char *token)
{
    const struct api_accounts *acc = &t->api->acc;
    uint8_t hash[STORE_HASH_LEN];
    struct store_session ss;
    struct api_user u = {0};
    struct api_plan p = {0};
    if (auth_token_hash(token, strlen(token), hash) != 0)
        return;
    int rc = store_session_get(t->portal, hash, &ss);
    if (rc < 0) {
        if (rc != LIS_ENOTFOUND)
            log_error("sessions: %s", store_errmsg(t->portal));
        return;
    }
    int64_t now = clock_now();
    if (now >= ss.expires_at || now - ss.seen_at >= acc->session_idle) {
        store_session_delete(t->portal, hash);
        return;
    }
    if (store_user_get(t->portal, ss.user_id, api_user_copy, &u) < 0 || !u.found || u.closed_at ||
        u.locked) {
        store_session_delete(t->portal, hash);
        goto out;
    }
    if (now - ss.seen_at >= TOUCH_EVERY)
        store_session_touch(t->portal, hash, now);
    (void)req;
    struct api_caller *w = &t->who;
    w->user_id = u.id;
    snprintf(w->role, sizeof w->role, "%s", u.role);
    w->level = !strcmp(u.role, "admin") ? API_ADMIN : !strcmp(u.role, "staff") ? API_STAFF : API_USER;
    snprintf(w->plan, sizeof w->plan, "%s", api_plan_in_force(&u, now));
    api_plan_load(t->portal, w->plan, &p);
    w->daily_views = p.daily_views;
    w->must_reset = u.must_reset;
    memcpy(w->session, hash, sizeof hash);
    auth_csrf(token, w->csrf);
    w->expires_at = ss.expires_at;
    int64_t idle = now + acc->session_idle;
    w->idle_expires_at = idle < ss.expires_at ? idle : ss.expires_at;
out:
    api_user_free(&u);
    api_plan_free(&p);
}

/* Routes a user who must change their password may still call. */
static bool reset_allows(const struct http_route *route)
{
    return route->handler == api_h_password || route->handler == api_h_session_get ||
           route->handler == api_h_logout || route->handler == api_h_logout_all ||
           route->handler == api_h_me || route->handler == api_h_login ||
           route->handler == api_h_reset || route->handler == api_h_reset_confirm;
}

int api_gate(void *td, h2o_req_t *req, const struct http_route *route)
{
    struct api_thread *t = td;
    bool change = changing(req);
    memset(&t->who, 0, sizeof t->who);
    t->who.level = API_ANY;
    if (route->access == API_PUBLIC && !change)
        return 0;
    client_addr(&t->api->acc, req, t->who.addr);
    if (change && cross_origin(req)) {
        http_problem(req, 403, "csrf", "requests that change data must come from the portal's "
                                       "own pages");
        return 1;
    }
    char token[AUTH_TOKEN_LEN + 1];
    if (cookie_token(req, token))
        find_caller(t, req, token);
    if (change && t->who.user_id) {
        ssize_t h = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-csrf-token"), -1);
        char sent[AUTH_TOKEN_LEN + 1] = "";
        if (h >= 0 && req->headers.entries[h].value.len == AUTH_TOKEN_LEN) {
            memcpy(sent, req->headers.entries[h].value.base, AUTH_TOKEN_LEN);
            sent[AUTH_TOKEN_LEN] = '\0';
        }
        if (!sent[0] || !auth_equal(sent, t->who.csrf)) {
            http_problem(req, 403, "csrf", "the X-CSRF-Token header is missing or does not "
                                           "match the session");
            return 1;
        }
    }
    if (route->access >= API_USER && !t->who.user_id) {
        http_problem(req, 401, "login-required", "log in to use this");
        return 1;
    }
    if (route->access > t->who.level) {
        http_problem(req, 403, "forbidden", "your account may not use this");
        return 1;
    }
    if (t->who.must_reset && !reset_allows(route)) {
        http_problem(req, 403, "password-reset-required",
                     "change your password before going on");
        return 1;
    }
    return 0;
}

int api_audit(struct api_thread *t, const char *action, int64_t subject, int64_t object,
              const char *reason)
{
    struct store_audit a = {
        .at = clock_now(),
        .actor = t->who.user_id,
        .actor_role = t->who.user_id ? t->who.role : "visitor",
        .action = action,
        .subject = subject,
        .object = object,
        .reason = reason,
    };
    int64_t rc = store_audit_add(t->portal, &a);
    if (rc < 0)
        log_error("audit: %s", store_errmsg(t->portal));
    return rc < 0 ? (int)rc : 0;
}

/* The session document of account `id` (user summary, CSRF value, expiry). */
static json_t *session_json(struct api_thread *t, int64_t id, const char *token,
                            int64_t expires_at, int64_t idle_expires_at)
{
    struct api_user u = {0};
    struct api_plan p = {0};
    if (store_user_get(t->portal, id, api_user_copy, &u) < 0 || !u.found) {
        api_user_free(&u);
        return NULL;
    }
    api_plan_load(t->portal, api_plan_in_force(&u, clock_now()), &p);
    char csrf[AUTH_TOKEN_LEN + 1];
    auth_csrf(token, csrf);
    json_t *user = json_pack("{s:I, s:s, s:s, s:o, s:b}", "id", (json_int_t)u.id, "name",
                             u.name ? u.name : "", "role", u.role, "plan", api_plan_json(&p),
                             "must_reset", u.must_reset);
    json_t *o = json_pack("{s:o, s:s}", "user", user, "csrf", csrf);
    api_json_time(expires_at, o, "expires_at");
    api_json_time(idle_expires_at, o, "idle_expires_at");
    api_user_free(&u);
    api_plan_free(&p);
    return o;
}

/* Start a new session for account `id`: a fresh token in the cookie, its
 * hash in the store; answer `status` with the session document. */
void api_session_start(struct api_thread *t, h2o_req_t *req, int64_t id, int status)
{
    char token[AUTH_TOKEN_LEN + 1];
    struct store_session ss = {0};
    int64_t now = clock_now();
    auth_token_new(token, ss.hash);
    ss.user_id = id;
    ss.created_at = ss.seen_at = now;
    ss.expires_at = now + t->api->acc.session_max;
    int rc = store_session_put(t->portal, &ss);
    if (rc < 0) {
        api_store_error(t, req, rc);
        return;
    }
    int64_t idle = now + t->api->acc.session_idle;
    json_t *doc = session_json(t, id, token, ss.expires_at, idle < ss.expires_at ? idle : ss.expires_at);
    if (!doc) {
        http_problem_err(req, LIS_EIO, "the account could not be read");
        return;
    }
    set_cookie(t, req, token);
    sodium_memzero(token, sizeof token);
    http_send_private(req, status, doc);
}

void api_h_session_get(void *td, h2o_req_t *req, const struct http_route *r,
                       const struct http_args *a)
{
    struct api_thread *t = td;
    (void)r, (void)a;
    if (!t->who.user_id) {
        http_send_private(req, 200, json_pack("{s:n}", "user"));
        return;
    }
    char token[AUTH_TOKEN_LEN + 1];
    if (!cookie_token(req, token)) {
        http_send_private(req, 200, json_pack("{s:n}", "user"));
        return;
    }
    json_t *doc = session_json(t, t->who.user_id, token, t->who.expires_at, t->who.idle_expires_at);
    if (!doc) {
        http_problem_err(req, LIS_EIO, "the account could not be read");
        return;
    }
    http_send_private(req, 200, doc);
}

/* -------------------------------------------------------- deferred hashing */

enum job_kind { JOB_LOGIN, JOB_REGISTER, JOB_PASSWORD, JOB_CLOSE, JOB_RESET };

/* A request's work for the pool. Owns its strings; passwords are wiped. */
struct job {
    enum job_kind kind;
    struct auth_cost cost;
    char *password;      /* the password typed (login, register, current one) */
    char *new_password;  /* JOB_PASSWORD */
    char hash[AUTH_HASH_MAX]; /* to verify against (the account's, or the dummy) */
    int64_t user_id;     /* 0: no such account (login) */
    bool locked;
    char phone[16];
    char addr[48];
    struct api_caller who;
    char *name, *email, *address, *consent; /* JOB_REGISTER */
    /* results */
    bool ok;
    int err;
    bool rehash;
    char new_hash[AUTH_HASH_MAX];
};

static void wipe(char *s)
{
    if (s) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
}

static void job_free(struct job *j)
{
    wipe(j->password);
    wipe(j->new_password);
    free(j->name);
    free(j->email);
    free(j->address);
    free(j->consent);
    sodium_memzero(j, sizeof *j);
    free(j);
}

static void job_work(void *p)
{
    struct job *j = p;
    switch (j->kind) {
    case JOB_LOGIN:
        j->ok = auth_password_verify(j->hash, j->password) && j->user_id;
        if (j->ok && auth_password_needs_rehash(j->hash, &j->cost))
            j->rehash = auth_password_hash(j->password, &j->cost, j->new_hash) == 0;
        break;
    case JOB_REGISTER:
        j->err = auth_password_hash(j->password, &j->cost, j->new_hash);
        j->ok = j->err == 0;
        break;
    case JOB_PASSWORD:
        j->ok = auth_password_verify(j->hash, j->password);
        if (j->ok)
            j->err = auth_password_hash(j->new_password, &j->cost, j->new_hash);
        break;
    case JOB_CLOSE:
        j->ok = auth_password_verify(j->hash, j->password);
        break;
    case JOB_RESET: /* the reset code stood for the current password */
        j->ok = true;
        j->err = auth_password_hash(j->new_password, &j->cost, j->new_hash);
        break;
    }
}

static struct job *job_new(struct api_thread *t, enum job_kind kind)
{
    struct job *j = xcalloc(1, sizeof *j);
    j->kind = kind;
    j->cost.ops = t->api->acc.argon2_ops;
    j->cost.mem_kib = t->api->acc.argon2_mem_kib;
    j->who = t->who;
    snprintf(j->addr, sizeof j->addr, "%s", t->who.addr);
    return j;
}

static void defer(struct api_thread *t, h2o_req_t *req, struct job *j,
                  void (*done)(void *tdata, h2o_req_t *req, void *job))
{
    (void)t;
    if (http_defer(req, j, job_work, done) != 0) {
        job_free(j);
        h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, H2O_STRLIT("2"), 1);
        http_problem(req, 503, "busy", "too many logins at once; try again in a moment");
    }
}

/* ------------------------------------------------------------------ login */

static void backoff_of(const struct api_accounts *acc, bool phone, struct auth_backoff *b)
{
    b->free_attempts = phone ? acc->free_attempts : acc->address_free_attempts;
    b->max_wait = acc->backoff_max;
    b->forget = acc->backoff_max > 3600 ? acc->backoff_max : 3600;
}

static void addr_key(const char *addr, char out[64])
{
    snprintf(out, 64, "a:%s", addr);
}

/* Seconds the next attempt for this phone or address must still wait. */
static int64_t throttled(struct api_thread *t, const char *phone, const char *addr)
{
    struct store_throttle st;
    struct auth_backoff b;
    char key[64];
    int64_t now = clock_now(), wait = 0, w;
    auth_phone_key(phone, key);
    backoff_of(&t->api->acc, true, &b);
    if (store_throttle_get(t->portal, key, &st) == 0 && (w = auth_throttle_wait(&st, &b, now)) > wait)
        wait = w;
    addr_key(addr, key);
    backoff_of(&t->api->acc, false, &b);
    if (store_throttle_get(t->portal, key, &st) == 0 && (w = auth_throttle_wait(&st, &b, now)) > wait)
        wait = w;
    return wait;
}

/* Count one failed attempt (fail) or clear the phone's count (!fail). */
static void throttle_note(struct api_thread *t, const char *phone, const char *addr, bool fail)
{
    struct store_throttle st;
    struct auth_backoff b;
    char key[64];
    int64_t now = clock_now();
    auth_phone_key(phone, key);
    if (!fail) {
        struct store_throttle zero = {0};
        store_throttle_put(t->portal, key, &zero);
        return;
    }
    backoff_of(&t->api->acc, true, &b);
    if (store_throttle_get(t->portal, key, &st) == 0) {
        auth_throttle_fail(&st, &b, now);
        store_throttle_put(t->portal, key, &st);
    }
    addr_key(addr, key);
    backoff_of(&t->api->acc, false, &b);
    if (store_throttle_get(t->portal, key, &st) == 0) {
        auth_throttle_fail(&st, &b, now);
        store_throttle_put(t->portal, key, &st);
    }
}

void api_too_many(h2o_req_t *req, int64_t wait, const char *detail)
{
    char s[24];
    snprintf(s, sizeof s, "%" PRId64, wait);
    h2o_iovec_t v = h2o_strdup(&req->pool, s, strlen(s));
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, v.base, v.len, 1);
    http_problem_ext(req, 429, "too-many-attempts", detail,
                     json_pack("{s:I}", "retry_after", (json_int_t)wait));
}

static void login_done(void *td, h2o_req_t *req, void *p)
{
    struct api_thread *t = td;
    struct job *j = p;
    /* counted even when the client has gone: hanging up must not dodge the limit */
    throttle_note(t, j->phone, j->addr, !j->ok);
    if (!req)
        goto out;
    if (!j->ok) {
        http_problem(req, 401, "invalid-credentials", "the phone number or the password is wrong");
        goto out;
    }
    if (j->locked) {
        http_problem(req, 403, "account-locked",
                     "this account is locked; contact the land office to unlock it");
        goto out;
    }
    if (j->rehash) {
        struct store_user u = {.id = j->user_id, .pw_hash = j->new_hash, .updated_at = clock_now()};
        if (store_user_update(t->portal, &u, STORE_USER_PW_HASH) < 0)
            log_warn("login: rehash not stored: %s", store_errmsg(t->portal));
    }
    /* a session the browser already had (any account's) ends: one browser, one session */
    if (j->who.user_id)
        store_session_delete(t->portal, j->who.session);
    api_session_start(t, req, j->user_id, 200);
out:
    job_free(j);
}

void api_h_login(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *a)
{
    static const char *const allowed[] = {"phone", "password", NULL};
    struct api_thread *t = td;
    struct api_body f;
    struct api_user u = {0};
    (void)r, (void)a;
    if (!api_body_open(req, allowed, &f))
        return;
    const char *phone = api_body_text(&f, "phone", NULL);
    const char *pw = api_body_text(&f, "password", NULL);
    char e164[16];
    const char *why = NULL;
    if (!phone)
        api_body_bad(&f, "phone", "required", "a phone number is required");
    else if (policy_phone(phone, e164, &why))
        api_body_bad(&f, "phone", "invalid", why);
    if (!pw)
        api_body_bad(&f, "password", "required", "a password is required");
    else if (strlen(pw) > POLICY_PASSWORD_MAX * 4)
        api_body_bad(&f, "password", "too-long", "a password has at most 128 characters");
    if (api_body_failed(req, &f))
        goto out;
    int64_t wait = throttled(t, e164, t->who.addr);
    if (wait > 0) {
        api_too_many(req, wait, "too many failed logins; wait before trying again");
        goto out;
    }
    int rc = store_user_by_phone(t->portal, e164, api_user_copy, &u);
    if (rc < 0 && rc != LIS_ENOTFOUND) {
        api_store_error(t, req, rc);
        goto out;
    }
    struct job *j = job_new(t, JOB_LOGIN);
    j->password = xstrdup(pw);
    snprintf(j->phone, sizeof j->phone, "%s", e164);
    /* an unknown phone costs the same verification, against a dummy hash */
    bool known = u.found && u.pw_hash && *u.pw_hash;
    snprintf(j->hash, sizeof j->hash, "%s", known ? u.pw_hash : t->api->acc.dummy_hash);
    j->user_id = known ? u.id : 0;
    j->locked = u.locked;
    defer(t, req, j, login_done);
out:
    api_user_free(&u);
    api_body_close(&f);
}

void api_h_logout(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *a)
{
    struct api_thread *t = td;
    (void)r, (void)a;
    int rc = store_session_delete(t->portal, t->who.session);
    if (rc < 0 && rc != LIS_ENOTFOUND) {
        api_store_error(t, req, rc);
        return;
    }
    set_cookie(t, req, NULL);
    http_send_empty(req, 204);
}

void api_h_logout_all(void *td, h2o_req_t *req, const struct http_route *r,
                      const struct http_args *a)
{
    struct api_thread *t = td;
    (void)r, (void)a;
    int rc = store_sessions_end(t->portal, t->who.user_id, NULL, NULL);
    if (rc < 0) {
        api_store_error(t, req, rc);
        return;
    }
    set_cookie(t, req, NULL);
    http_send_empty(req, 204);
}

/* ---------------------------------------------------------- registration */

/* Check the profile fields present in f (all of them required when
 * `creating`); the normalised values go to the out parameters. */
struct profile_in {
    char phone[16];
    struct buf name, email, address;
    bool has_name, has_phone, has_email, has_address;
};

static void profile_in_free(struct profile_in *p)
{
    buf_free(&p->name);
    buf_free(&p->email);
    buf_free(&p->address);
}

static void profile_check(struct api_body *f, bool creating, struct profile_in *p)
{
    const char *why = NULL, *code;
    const char *name = api_body_text(f, "name", &p->has_name);
    const char *phone = api_body_text(f, "phone", &p->has_phone);
    const char *email = api_body_text(f, "email", &p->has_email);
    const char *address = api_body_text(f, "address", &p->has_address);
    if (creating || p->has_name) {
        p->has_name = true;
        if ((code = policy_name(name, &p->name, &why)))
            api_body_bad(f, "name", code, why);
    }
    if (creating || p->has_phone) {
        p->has_phone = true;
        if ((code = policy_phone(phone, p->phone, &why)))
            api_body_bad(f, "phone", code, why);
    }
    if (email && (code = policy_email(email, &p->email, &why)))
        api_body_bad(f, "email", code, why);
    if (address && (code = policy_address(address, &p->address, &why)))
        api_body_bad(f, "address", code, why);
}

static void register_done(void *td, h2o_req_t *req, void *p)
{
    struct api_thread *t = td;
    struct job *j = p;
    if (!req)
        goto out;
    if (!j->ok) {
        http_problem_err(req, LIS_EIO, "the password could not be hashed");
        goto out;
    }
    int64_t now = clock_now();
    struct store_user u = {
        .phone = j->phone,
        .name = j->name,
        .email = j->email,
        .address = j->address,
        .role = "user",
        .plan = "free",
        .pw_hash = j->new_hash,
        .consent_version = j->consent,
        .consent_at = now,
        .created_at = now,
        .updated_at = now,
    };
    int64_t id = store_user_create(t->portal, &u);
    if (id == LIS_ECONFLICT) {
        http_problem(req, 409, "phone-taken", "an account with this phone number exists; log in "
                                              "or ask for a password reset");
        goto out;
    }
    if (id < 0) {
        api_store_error(t, req, (int)id);
        goto out;
    }
    t->who.user_id = id; /* the audit entry's actor is the new account */
    snprintf(t->who.role, sizeof t->who.role, "user");
    api_audit(t, "account.create", id, 0, "own-request");
    api_session_start(t, req, id, 201);
out:
    job_free(j);
}

void api_h_register(void *td, h2o_req_t *req, const struct http_route *r,
                    const struct http_args *a)
{
    static const char *const allowed[] = {"name",    "phone",           "password", "email",
                                          "address", "consent_version", "code",     NULL};
    struct api_thread *t = td;
    struct api_body f;
    struct profile_in in = {.name = BUF_INIT, .email = BUF_INIT, .address = BUF_INIT};
    struct api_user u = {0};
    (void)r, (void)a;
    if (!api_body_open(req, allowed, &f))
        return;
    profile_check(&f, true, &in);
    const char *pw = api_body_text(&f, "password", NULL);
    const char *why = NULL, *code;
    if ((code = policy_password(pw, in.phone[0] ? in.phone : NULL, &why)))
        api_body_bad(&f, "password", code, why);
    const char *consent = api_body_text(&f, "consent_version", NULL);
    if (!consent)
        api_body_bad(&f, "consent_version", "required", "accept the privacy policy to register");
    else if (strcmp(consent, t->api->acc.privacy_version) != 0)
        api_body_bad(&f, "consent_version", "outdated", "the privacy policy has changed; read it again");
    if (t->api->notify.verify_phone)
        api_verify_code(t, &f, in.phone);
    if (api_body_failed(req, &f))
        goto out;
    int rc = store_user_by_phone(t->portal, in.phone, api_user_copy, &u);
    if (rc >= 0 && u.found) {
        http_problem(req, 409, "phone-taken", "an account with this phone number exists; log in "
                                              "or ask for a password reset");
        goto out;
    }
    if (rc < 0 && rc != LIS_ENOTFOUND) {
        api_store_error(t, req, rc);
        goto out;
    }
    struct job *j = job_new(t, JOB_REGISTER);
    j->password = xstrdup(pw);
    snprintf(j->phone, sizeof j->phone, "%s", in.phone);
    j->name = xstrdup(buf_cstr(&in.name));
    j->email = in.email.len ? xstrdup(buf_cstr(&in.email)) : NULL;
    j->address = in.address.len ? xstrdup(buf_cstr(&in.address)) : NULL;
    j->consent = xstrdup(consent);
    defer(t, req, j, register_done);
out:
    api_user_free(&u);
    profile_in_free(&in);
    api_body_close(&f);
}

/* ---------------------------------------------------------------- profile */

json_t *api_profile_json(struct api_thread *t, const struct api_user *u)
{
    const char *plan = api_plan_in_force(u, clock_now());
    json_t *o = api_account_json(t, u, plan);
    struct api_plan p = {0};
    struct api_quota q;
    api_plan_load(t->portal, plan, &p);
    api_quota_read(t, u->id, p.daily_views, 0, &q);
    json_object_set_new(o, "views", api_quota_json(&q));
    api_plan_free(&p);
    return o;
}

/* Load the caller's account; answers and returns false when it cannot. */
static bool load_me(struct api_thread *t, h2o_req_t *req, struct api_user *u)
{
    int rc = store_user_get(t->portal, t->who.user_id, api_user_copy, u);
    if (rc < 0 || !u->found) {
        api_store_error(t, req, rc < 0 ? rc : LIS_ENOTFOUND);
        return false;
    }
    return true;
}

void api_h_me(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *a)
{
    struct api_thread *t = td;
    struct api_user u = {0};
    (void)r, (void)a;
    if (load_me(t, req, &u))
        http_send_private(req, 200, api_profile_json(t, &u));
    api_user_free(&u);
}

void api_h_me_patch(void *td, h2o_req_t *req, const struct http_route *r,
                    const struct http_args *a)
{
    static const char *const allowed[] = {"name", "phone", "email", "address", NULL};
    struct api_thread *t = td;
    struct api_body f;
    struct profile_in in = {.name = BUF_INIT, .email = BUF_INIT, .address = BUF_INIT};
    struct api_user u = {0};
    (void)r, (void)a;
    if (!api_body_open(req, allowed, &f))
        return;
    profile_check(&f, false, &in);
    if (api_body_failed(req, &f))
        goto out;
    unsigned fields = 0;
    struct store_user su = {.id = t->who.user_id, .updated_at = clock_now()};
    if (in.has_name) {
        fields |= STORE_USER_NAME;
        su.name = buf_cstr(&in.name);
    }
    if (in.has_phone) {
        fields |= STORE_USER_PHONE;
        su.phone = in.phone;
    }
    if (in.has_email) {
        fields |= STORE_USER_EMAIL;
        su.email = in.email.len ? buf_cstr(&in.email) : NULL;
    }
    if (in.has_address) {
        fields |= STORE_USER_ADDRESS;
        su.address = in.address.len ? buf_cstr(&in.address) : NULL;
    }
    if (fields) {
        int rc = store_user_update(t->portal, &su, fields);
        if (rc == LIS_ECONFLICT) {
            http_problem_ext(req, 409, "phone-taken", "another account has this phone number",
                             json_pack("{s:[{s:s, s:s, s:s}]}", "invalid_params", "name", "phone",
                                       "code", "taken", "reason",
                                       "another account has this phone number"));
            goto out;
        }
        if (rc < 0) {
            api_store_error(t, req, rc);
            goto out;
        }
    }
    if (load_me(t, req, &u))
        http_send_private(req, 200, api_profile_json(t, &u));
out:
    api_user_free(&u);
    profile_in_free(&in);
    api_body_close(&f);
}

/* --------------------------------------------------------------- password */

static void password_done(void *td, h2o_req_t *req, void *p)
{
    struct api_thread *t = td;
    struct job *j = p;
    if (!req)
        goto out;
    t->who = j->who; /* the caller, as the gate found them */
    if (!j->ok) {
        json_t *ext = json_pack("{s:[{s:s, s:s, s:s}]}", "invalid_params", "name", "current",
                                "code", "wrong", "reason", "the current password is wrong");
        http_problem_ext(req, 400, "invalid-body", "the current password is wrong", ext);
        goto out;
    }
    if (j->err) {
        http_problem_err(req, LIS_EIO, "the password could not be hashed");
        goto out;
    }
    struct store_user u = {.id = j->who.user_id,
                           .pw_hash = j->new_hash,
                           .must_reset = false,
                           .updated_at = clock_now()};
    int rc = store_user_update(t->portal, &u, STORE_USER_PW_HASH | STORE_USER_MUST_RESET);
    if (rc >= 0)
        rc = store_sessions_end(t->portal, j->who.user_id, NULL, NULL);
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    api_audit(t, "account.password", j->who.user_id, 0,
              j->kind == JOB_RESET ? "reset-code" : "own-request");
    api_session_start(t, req, j->who.user_id, 200); /* a new token; every other session ended */
out:
    job_free(j);
}

void api_h_password(void *td, h2o_req_t *req, const struct http_route *r,
                    const struct http_args *a)
{
    static const char *const allowed[] = {"current", "new", NULL};
    struct api_thread *t = td;
    struct api_body f;
    struct api_user u = {0};
    (void)r, (void)a;
    if (!api_body_open(req, allowed, &f))
        return;
    if (!load_me(t, req, &u))
        goto out;
    const char *cur = api_body_text(&f, "current", NULL);
    const char *nw = api_body_text(&f, "new", NULL);
    const char *why = NULL, *code;
    if (!cur)
        api_body_bad(&f, "current", "required", "type your current password");
    if ((code = policy_password(nw, u.phone, &why)))
        api_body_bad(&f, "new", code, why);
    else if (cur && strcmp(cur, nw) == 0)
        api_body_bad(&f, "new", "unchanged", "the new password is the current one");
    if (api_body_failed(req, &f))
        goto out;
    struct job *j = job_new(t, JOB_PASSWORD);
    j->password = xstrdup(cur);
    j->new_password = xstrdup(nw);
    snprintf(j->hash, sizeof j->hash, "%s", u.pw_hash ? u.pw_hash : t->api->acc.dummy_hash);
    defer(t, req, j, password_done);
out:
    api_user_free(&u);
    api_body_close(&f);
}

void api_password_reset(struct api_thread *t, h2o_req_t *req, int64_t user_id, const char *role,
                        const char *password)
{
    struct job *j = job_new(t, JOB_RESET);
    j->who.user_id = user_id; /* the account acts: it showed it holds the phone */
    snprintf(j->who.role, sizeof j->who.role, "%s", role);
    j->new_password = xstrdup(password);
    defer(t, req, j, password_done);
}

/* ------------------------------------------------------------------ close */

static void close_done(void *td, h2o_req_t *req, void *p)
{
    struct api_thread *t = td;
    struct job *j = p;
    if (!req)
        goto out;
    t->who = j->who;
    if (!j->ok) {
        json_t *ext = json_pack("{s:[{s:s, s:s, s:s}]}", "invalid_params", "name", "password",
                                "code", "wrong", "reason", "the password is wrong");
        http_problem_ext(req, 400, "invalid-body", "the password is wrong", ext);
        goto out;
    }
    int64_t now = clock_now();
    /* personal fields erased; the row stays for the audit log's ids */
    struct store_user u = {.id = j->who.user_id, .pw_hash = "", .updated_at = now, .closed_at = now};
    unsigned fields = STORE_USER_NAME | STORE_USER_PHONE | STORE_USER_EMAIL | STORE_USER_ADDRESS |
                      STORE_USER_PW_HASH | STORE_USER_CLOSED;
    int rc = store_user_update(t->portal, &u, fields);
    if (rc >= 0)
        rc = store_sessions_end(t->portal, j->who.user_id, NULL, NULL);
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    api_audit(t, "account.close", j->who.user_id, 0, "own-request");
    set_cookie(t, req, NULL);
    http_send_empty(req, 204);
out:
    job_free(j);
}

void api_h_close(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *a)
{
    static const char *const allowed[] = {"password", NULL};
    struct api_thread *t = td;
    struct api_body f;
    struct api_user u = {0};
    (void)r, (void)a;
    if (!api_body_open(req, allowed, &f))
        return;
    const char *pw = api_body_text(&f, "password", NULL);
    if (!pw)
        api_body_bad(&f, "password", "required", "type your password to close the account");
    if (api_body_failed(req, &f) || !load_me(t, req, &u))
        goto out;
    struct job *j = job_new(t, JOB_CLOSE);
    j->password = xstrdup(pw);
    snprintf(j->hash, sizeof j->hash, "%s", u.pw_hash ? u.pw_hash : t->api->acc.dummy_hash);
    defer(t, req, j, close_done);
out:
    api_user_free(&u);
    api_body_close(&f);
}

/* ----------------------------------------------------------------- export */

static int on_session_row(void *ctx, const struct store_session *ss)
{
    json_t *o = json_object();
    api_json_time(ss->created_at, o, "created_at");
    api_json_time(ss->seen_at, o, "seen_at");
    api_json_time(ss->expires_at, o, "expires_at");
    json_array_append_new(ctx, o);
    return 0;
}

struct audit_rows {
    json_t *list;
    int64_t me;
    int64_t last;
    int n;
};

static int on_audit_row(void *ctx, const struct store_audit *a)
{
    struct audit_rows *r = ctx;
    json_t *o = json_object();
    api_json_time(a->at, o, "at");
    json_object_set_new(o, "action", json_string(a->action));
    json_object_set_new(o, "by", json_string(a->actor == r->me ? "you" : a->actor_role));
    json_object_set_new(o, "object", a->object ? json_integer(a->object) : json_null());
    json_object_set_new(o, "reason", api_json_or_null(a->reason));
    json_array_append_new(r->list, o);
    r->last = a->id;
    r->n++;
    return 0;
}

void api_h_export(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *a)
{
    struct api_thread *t = td;
    struct api_user u = {0};
    (void)r, (void)a;
    if (!load_me(t, req, &u))
        goto out;
    json_t *doc = json_object();
    api_json_time(clock_now(), doc, "exported_at");
    json_object_set_new(doc, "portal", json_string("LIS"));
    json_object_set_new(doc, "account", api_profile_json(t, &u));
    json_t *sessions = json_array();
    store_sessions_of(t->portal, u.id, on_session_row, sessions);
    json_object_set_new(doc, "sessions", sessions);
    struct audit_rows rows = {json_array(), u.id, 0, 0};
    struct store_audit_filter fl = {.actor_or_subject = u.id, .limit = 1000};
    do {
        int before = rows.n;
        fl.before = rows.last;
        if (store_audit_list(t->portal, &fl, on_audit_row, &rows) < 0 || rows.n == before)
            break;
    } while (rows.n % 1000 == 0 && rows.n < EXPORT_AUDIT_MAX);
    json_object_set_new(doc, "records_about_you", rows.list);
    api_audit(t, "account.export", u.id, 0, "own-request");
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION,
                   H2O_STRLIT("attachment; filename=\"lis-my-data.json\""), 1);
    http_send_private(req, 200, doc);
out:
    api_user_free(&u);
}

/* ------------------------------------------------------------------ plans */

static int on_plan_row(void *ctx, const struct store_plan *p)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:i, s:i, s:s}", "code", p->code,
                                         "name_vi", p->name_vi, "name_en", p->name_en,
                                         "daily_views", p->daily_views, "watch_max", p->watch_max,
                                         "features", p->features ? p->features : ""));
    return 0;
}

void api_h_plans(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *a)
{
    struct api_thread *t = td;
    (void)r, (void)a;
    json_t *list = json_array();
    int rc = store_plans(t->portal, on_plan_row, list);
    if (rc < 0) {
        json_decref(list);
        api_store_error(t, req, rc);
        return;
    }
    http_send_json(req, json_pack("{s:o}", "plans", list), "no-cache");
}

/* --------------------------------------------------------------- settings */

static int parse_proxies(struct api_accounts *acc, const char *list, struct buf *err)
{
    char *copy = xstrdup(list ? list : ""), *save = NULL;
    int rc = 0;
    for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        struct api_proxy p = {0};
        char *slash = strchr(tok, '/');
        if (slash)
            *slash = '\0';
        if (!addr_bytes(tok, &p.family, p.addr)) {
            buf_appendf(err, "trusted_proxies: '%s' is not an address", tok);
            rc = LIS_EINVAL;
            break;
        }
        int max = p.family == AF_INET ? 32 : 128;
        p.bits = max;
        if (slash) {
            char *end;
            long b = strtol(slash + 1, &end, 10);
            if (*end || b < 0 || b > max) {
                buf_appendf(err, "trusted_proxies: bad prefix length in '%s/%s'", tok, slash + 1);
                rc = LIS_EINVAL;
                break;
            }
            p.bits = (int)b;
        }
        acc->proxies = xrealloc(acc->proxies, (acc->nproxies + 1) * sizeof p);
        acc->proxies[acc->nproxies++] = p;
    }
    free(copy);
    return rc;
}

int api_accounts_init(struct api *a, const struct config *cfg, struct buf *err)
{
    struct api_accounts *acc = &a->acc;
    long idle, max, ops, mem, free1, free2, bmax;
    if (auth_init() != 0) {
        buf_puts(err, "libsodium could not start");
        return LIS_EINTERNAL;
    }
    if (config_get_long(cfg, "session_idle", 60, 366L * 86400, &idle, err) ||
        config_get_long(cfg, "session_max", 60, 366L * 86400, &max, err) ||
        config_get_long(cfg, "argon2_ops", 1, 64, &ops, err) ||
        config_get_long(cfg, "argon2_mem_kib", 8, 4L << 20, &mem, err) ||
        config_get_long(cfg, "login_free_attempts", 1, 1000000000, &free1, err) ||
        config_get_long(cfg, "login_address_free_attempts", 1, 1000000000, &free2, err) ||
        config_get_long(cfg, "login_backoff_max", 1, 86400, &bmax, err))
        return LIS_EINVAL;
    acc->session_idle = idle;
    acc->session_max = max;
    acc->cookie_secure = config_get_bool(cfg, "cookie_secure");
    acc->privacy_version = config_get(cfg, "privacy_version");
    acc->argon2_ops = (unsigned long long)ops;
    acc->argon2_mem_kib = (size_t)mem;
    acc->free_attempts = (int)free1;
    acc->address_free_attempts = (int)free2;
    acc->backoff_max = bmax;
    if (parse_proxies(acc, config_get(cfg, "trusted_proxies"), err) != 0)
        return LIS_EINVAL;
    /* a hash of random bytes with the current cost: unknown phones verify against it */
    char random_pw[AUTH_TOKEN_LEN + 1];
    uint8_t unused[STORE_HASH_LEN];
    auth_token_new(random_pw, unused);
    struct auth_cost cost = {acc->argon2_ops, acc->argon2_mem_kib};
    int rc = auth_password_hash(random_pw, &cost, acc->dummy_hash);
    sodium_memzero(random_pw, sizeof random_pw);
    if (rc != 0) {
        buf_puts(err, "argon2_mem_kib: not enough memory for one password hash");
        return rc;
    }
    return 0;
}

void api_accounts_free(struct api *a)
{
    free(a->acc.proxies);
    a->acc.proxies = NULL;
    a->acc.nproxies = 0;
}

/* Expired sessions are removed once an hour (they are refused anyway). */
void api_sessions_tick(struct api_thread *t, int64_t *last)
{
    int64_t now = clock_now(), n = 0;
    if (now - *last < 3600 && *last <= now)
        return;
    *last = now;
    if (store_sessions_purge(t->portal, now, t->api->acc.session_idle, &n) < 0)
        log_warn("sessions: %s", store_errmsg(t->portal));
    else if (n)
        log_info("sessions: %lld expired ones removed", (long long)n);
}
