/* notify — notifications and what rides on the outbound channel: the inbox,
 * public notices, sending, watched parcels with the sweep that notices their
 * changes, and one-time codes (forgotten password, phone check).
 *
 * A notification is one row for its whole audience ("all", "plan:CODE",
 * "role:ROLE", "user:ID"); an inbox is the query of the rows addressed to one
 * account. Only one-person notifications also leave through the outbound
 * channel (notify/channel.h), and only with their own title and text: mass
 * audiences stay in the inbox. Delivery happens on the channel's thread, so
 * a handler or the sweep only queues.
 *
 * The watch sweep runs on loop 0 from the tick: it walks the watches a page
 * per tick (so a loop is never held for long), compares each watched
 * parcel's version and a fingerprint of its restrictions in force with what
 * its watcher last heard, and moves the watch with store_watch_advance, whose
 * atomic claim lets only one of several servers send the notification. */
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
#include "notify/channel.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_DEFAULT 50
#define PAGE_MAX 200
#define TITLE_MAX 200      /* characters */
#define BODY_MAX 5000
#define CODE_ATTEMPTS 5    /* wrong codes before a code is spent */
#define SWEEP_PAGE 200     /* watches looked at per tick */
#define ID_MAX 9007199254740991.0

const struct http_param api_p_notices[] = {
    {"before", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, ID_MAX, 0, 0, "Ids less than this"},
    {"limit", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, PAGE_MAX, 0, 0, "Page size"},
    {NULL},
};
const struct http_param api_p_notice[] = {
    {"id", HTTP_PARAM_INT, HTTP_IN_PATH, true, 1, ID_MAX, 0, 0, "Notification id"},
    {NULL},
};
const struct http_param api_p_inbox[] = {
    {"unread", HTTP_PARAM_BOOL, HTTP_IN_QUERY, false, 0, 0, 0, 0, "Only unread notifications"},
    {"before", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, ID_MAX, 0, 0, "Ids less than this"},
    {"limit", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, PAGE_MAX, 0, 0, "Page size"},
    {NULL},
};

/* ------------------------------------------------------------- settings */

int api_notify_init(struct api *a, const struct config *cfg, struct buf *err)
{
    struct api_notify_settings *n = &a->notify;
    long interval, ttl, sends, addr_sends;
    if (config_get_long(cfg, "watch_interval", 1, 86400, &interval, err) ||
        config_get_long(cfg, "code_ttl", 60, 86400, &ttl, err) ||
        config_get_long(cfg, "code_free_sends", 1, 1000000, &sends, err) ||
        config_get_long(cfg, "code_address_free_sends", 1, 1000000, &addr_sends, err))
        return LIS_EINVAL;
    n->watch_interval = interval;
    n->code_ttl = ttl;
    n->code_free_sends = (int)sends;
    n->code_address_free_sends = (int)addr_sends;
    n->verify_phone = config_get_bool(cfg, "verify_phone");
    n->channel = channel_new(cfg, err);
    if (!n->channel)
        return LIS_EINVAL;
    log_info("outbound channel: %s", channel_name(n->channel));
    return 0;
}

void api_notify_free(struct api *a)
{
    channel_free(a->notify.channel);
    a->notify.channel = NULL;
}

/* ------------------------------------------------------------- sending */

/* The account id of a "user:ID" audience; 0 for any other. */
static int64_t audience_user(const char *audience)
{
    if (strncmp(audience, "user:", 5) != 0)
        return 0;
    char *end;
    long long id = strtoll(audience + 5, &end, 10);
    return *end || end == audience + 5 || id <= 0 ? 0 : (int64_t)id;
}

/* Queue the notification to the account's phone and e-mail address. */
static void deliver(struct api_thread *t, int64_t user_id, const char *title, const char *body)
{
    struct api_user u = {0};
    if (store_user_get(t->portal, user_id, api_user_copy, &u) < 0 || !u.found || u.closed_at)
        goto out;
    if (u.phone)
        channel_send(t->api->notify.channel, CHANNEL_SMS, u.phone, title, body);
    if (u.email)
        channel_send(t->api->notify.channel, CHANNEL_EMAIL, u.email, title, body);
out:
    api_user_free(&u);
}

int64_t api_notify(struct api_thread *t, const char *kind, const char *audience, bool public_notice,
                   const char *title, const char *body, int64_t object)
{
    struct store_notice n = {
        .kind = kind,
        .audience = audience,
        .public_notice = public_notice,
        .title = title,
        .body = body,
        .sender = t->who.user_id,
        .object = object,
        .created_at = clock_now(),
    };
    int64_t id = store_notice_add(t->portal, &n);
    if (id < 0) {
        log_error("notifications: %s", store_errmsg(t->portal));
        return id;
    }
    int64_t to = audience_user(audience);
    if (to)
        deliver(t, to, title, body);
    return id;
}

/* ---------------------------------------------------------------- inbox */

static json_t *notice_json(const struct store_notice *n, bool mine)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(n->id));
    json_object_set_new(o, "kind", json_string(n->kind));
    json_object_set_new(o, "title", json_string(n->title));
    json_object_set_new(o, "body", json_string(n->body));
    if (mine)
        json_object_set_new(o, "object", n->object ? json_integer(n->object) : json_null());
    api_json_time(n->created_at, o, "created_at");
    if (mine)
        json_object_set_new(o, "read", json_boolean(n->read));
    return o;
}

static int on_inbox_row(void *ctx, const struct store_notice *n)
{
    json_array_append_new(ctx, notice_json(n, true));
    return 0;
}

static int on_public_row(void *ctx, const struct store_notice *n)
{
    json_array_append_new(ctx, notice_json(n, false));
    return 0;
}

/* The caller's inbox query (their plan and role now, since their account
 * began). Answers and returns false when the account cannot be read. */
static bool inbox_of(struct api_thread *t, h2o_req_t *req, struct store_inbox *q)
{
    struct api_user u = {0};
    int rc = store_user_get(t->portal, t->who.user_id, api_user_copy, &u);
    if (rc < 0 || !u.found) {
        api_store_error(t, req, rc < 0 ? rc : LIS_ENOTFOUND);
        api_user_free(&u);
        return false;
    }
    memset(q, 0, sizeof *q);
    q->user_id = t->who.user_id;
    q->plan = t->who.plan;
    q->role = t->who.role;
    q->since = u.created_at;
    api_user_free(&u);
    return true;
}

void api_h_inbox(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *a)
{
    struct api_thread *t = td;
    struct store_inbox q;
    int64_t unread = 0;
    (void)r;
    if (!inbox_of(t, req, &q))
        return;
    json_t *list = json_array();
    q.unread_only = a->v[0].set && a->v[0].b;
    q.before = a->v[1].set ? a->v[1].i : 0;
    q.limit = a->v[2].set ? (int)a->v[2].i : PAGE_DEFAULT;
    int rc = store_inbox_unread(t->portal, &q, &unread);
    if (rc >= 0)
        rc = store_inbox(t->portal, &q, on_inbox_row, list);
    if (rc < 0) {
        json_decref(list);
        api_store_error(t, req, rc);
        return;
    }
    size_t n = json_array_size(list);
    json_t *next = n == (size_t)q.limit
                       ? json_incref(json_object_get(json_array_get(list, n - 1), "id"))
                       : json_null();
    http_send_private(req, 200, json_pack("{s:I, s:o, s:o}", "unread", (json_int_t)unread,
                                          "notifications", list, "next", next));
}

static void mark_read(struct api_thread *t, h2o_req_t *req, int64_t id)
{
    struct store_inbox q;
    if (!inbox_of(t, req, &q))
        return;
    int rc = store_inbox_mark_read(t->portal, &q, id, clock_now());
    if (rc == LIS_ENOTFOUND) {
        http_problem(req, 404, "not-found", "no notification %" PRId64 " in your inbox", id);
        return;
    }
    if (rc < 0) {
        api_store_error(t, req, rc);
        return;
    }
    http_send_empty(req, 204);
}

void api_h_inbox_read(void *td, h2o_req_t *req, const struct http_route *r,
                      const struct http_args *a)
{
    (void)r;
    mark_read(td, req, a->v[0].i);
}

void api_h_inbox_read_all(void *td, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a)
{
    (void)r, (void)a;
    mark_read(td, req, 0);
}

void api_h_notices(void *td, h2o_req_t *req, const struct http_route *r,
                   const struct http_args *a)
{
    struct api_thread *t = td;
    (void)r;
    json_t *list = json_array();
    int limit = a->v[1].set ? (int)a->v[1].i : PAGE_DEFAULT;
    int rc = store_public_notices(t->portal, a->v[0].set ? a->v[0].i : 0, limit, on_public_row,
                                  list);
    if (rc < 0) {
        json_decref(list);
        api_store_error(t, req, rc);
        return;
    }
    size_t n = json_array_size(list);
    json_t *next = n == (size_t)limit
                       ? json_incref(json_object_get(json_array_get(list, n - 1), "id"))
                       : json_null();
    http_send_json(req, json_pack("{s:o, s:o}", "notices", list, "next", next), "no-cache");
}

/* --------------------------------------------------------- POST notification */

struct plan_seen {
    bool found;
};

static int on_plan_seen(void *ctx, const struct store_plan *p)
{
    (void)p;
    ((struct plan_seen *)ctx)->found = true;
    return 0;
}

/* Check an audience; *user gets the id of a "user:ID" one (0 otherwise). */
static void check_audience(struct api_thread *t, struct api_body *f, const char *aud,
                           int64_t *user)
{
    *user = 0;
    if (!aud) {
        api_body_bad(f, "audience", "required", "all, plan:CODE, role:ROLE or user:ID");
    } else if (!strcmp(aud, "all")) {
    } else if (!strncmp(aud, "plan:", 5)) {
        struct plan_seen seen = {false};
        if (store_plan_get(t->portal, aud + 5, on_plan_seen, &seen) < 0 || !seen.found)
            api_body_bad(f, "audience", "unknown-plan", "no plan has this code");
    } else if (!strncmp(aud, "role:", 5)) {
        if (strcmp(aud + 5, "user") && strcmp(aud + 5, "staff") && strcmp(aud + 5, "admin"))
            api_body_bad(f, "audience", "unknown-role", "the roles are user, staff and admin");
    } else if ((*user = audience_user(aud)) > 0) {
        struct api_user u = {0};
        if (store_user_get(t->portal, *user, api_user_copy, &u) < 0 || !u.found || u.closed_at)
            api_body_bad(f, "audience", "unknown-user", "no open account has this id");
        api_user_free(&u);
    } else {
        api_body_bad(f, "audience", "invalid", "all, plan:CODE, role:ROLE or user:ID");
    }
}

struct ticket_seen {
    bool found;
    int64_t author, assignee;
};

static int on_ticket_seen(void *ctx, const struct store_ticket *tk)
{
    struct ticket_seen *s = ctx;
    s->found = true;
    s->author = tk->user_id;
    s->assignee = tk->assignee;
    return 0;
}

void api_h_notify(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *a)
{
    static const char *const allowed[] = {"kind", "title", "body", "audience", "public", "ticket",
                                          NULL};
    struct api_thread *t = td;
    struct api_body f;
    (void)r, (void)a;
    if (!api_body_open(req, allowed, &f))
        return;
    struct buf title = BUF_INIT, body = BUF_INIT;
    const char *kind = api_body_text(&f, "kind", NULL);
    const char *aud = api_body_text(&f, "audience", NULL);
    json_t *pub = json_object_get(f.body, "public"), *tk = json_object_get(f.body, "ticket");
    bool public_notice = json_is_true(pub);
    int64_t ticket = 0, user = 0;
    if (!kind || (strcmp(kind, "service") && strcmp(kind, "upgrade") && strcmp(kind, "ticket") &&
                  strcmp(kind, "parcel")))
        api_body_bad(&f, "kind", kind ? "invalid" : "required",
                     "service, upgrade, ticket or parcel");
    check_audience(t, &f, aud, &user);
    api_body_written(&f, "title", TITLE_MAX, false, &title);
    api_body_written(&f, "body", BODY_MAX, true, &body);
    if (pub && !json_is_boolean(pub) && !json_is_null(pub))
        api_body_bad(&f, "public", "invalid", "true or false");
    else if (public_notice && kind && strcmp(kind, "service"))
        api_body_bad(&f, "public", "invalid", "only service updates are shown to the public");
    if (tk && !json_is_null(tk)) {
        if (!json_is_integer(tk) || json_integer_value(tk) <= 0)
            api_body_bad(&f, "ticket", "invalid", "a ticket id");
        else
            ticket = json_integer_value(tk);
    }
    struct ticket_seen ts = {false, 0, 0};
    if (ticket && (store_ticket_get(t->portal, ticket, on_ticket_seen, &ts) < 0 || !ts.found))
        api_body_bad(&f, "ticket", "not-found", "no ticket has this id");
    if (api_body_failed(req, &f))
        goto out;
    /* staff write to one person only as the author's contact on a ticket they handle */
    if (t->who.level < API_ADMIN && user &&
        !(ticket && ts.author == user && (ts.assignee == 0 || ts.assignee == t->who.user_id))) {
        http_problem(req, 403, "forbidden",
                     "staff may write to one person only about a ticket of theirs that you "
                     "handle (name it in \"ticket\")");
        goto out;
    }
    int64_t id = api_notify(t, kind, aud, public_notice, buf_cstr(&title), buf_cstr(&body), ticket);
    if (id < 0) {
        api_store_error(t, req, (int)id);
        goto out;
    }
    api_audit(t, "notice.send", user, id, NULL);
    json_t *o = json_pack("{s:I, s:s, s:s, s:b, s:s, s:s}", "id", (json_int_t)id, "kind", kind,
                          "audience", aud, "public", public_notice, "title", buf_cstr(&title),
                          "body", buf_cstr(&body));
    json_object_set_new(o, "object", ticket ? json_integer(ticket) : json_null());
    api_json_time(clock_now(), o, "created_at");
    http_send_private(req, 201, o);
out:
    buf_free(&title);
    buf_free(&body);
    api_body_close(&f);
}

/* -------------------------------------------------------- watched parcels */

/* What the sweep compares: a parcel's current version (0 once retired) and a
 * fingerprint of its restrictions in force. The fingerprint keeps how many
 * of each kind are in force in its top bits (3 bits each, up to 7), so a
 * message can tell a new restriction from a lifted one; the low 48 bits are
 * a sum of the restrictions' hashes (order does not matter). */
enum { R_MORTGAGE, R_DISPUTE, R_SEIZURE, R_OTHER, R_KINDS };
static const char *const r_kind_en[R_KINDS] = {"mortgage", "dispute", "seizure", "other"};
static const char *const r_kind_vi[R_KINDS] = {"thế chấp", "tranh chấp", "kê biên", "khác"};
#define R_HASH_BITS 48

struct r_state {
    char today[11];  /* ISO date in Viet Nam: restrictions ending by it are over */
    uint64_t sum;
    unsigned count[R_KINDS];
    char split[16];  /* the last split/merge event's kind, for retired parcels */
    int64_t related;
};

static uint64_t fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (h ^ 0x1F) * 1099511628211ULL; /* a separator */
}

static int on_restriction(void *ctx, const struct store_restriction *r)
{
    struct r_state *s = ctx;
    if (r->until && strcmp(r->until, s->today) <= 0)
        return 0;
    int k = !strcmp(r->kind, "mortgage") ? R_MORTGAGE
            : !strcmp(r->kind, "dispute") ? R_DISPUTE
            : !strcmp(r->kind, "seizure") ? R_SEIZURE
                                          : R_OTHER;
    uint64_t h = 14695981039346656037ULL;
    h = fnv(fnv(fnv(fnv(fnv(h, r->kind), r->party), r->since), r->until), r->note);
    s->sum += h;
    s->count[k]++;
    return 0;
}

static int on_event(void *ctx, const struct store_event *e)
{
    struct r_state *s = ctx;
    if (!strcmp(e->kind, "split") || !strcmp(e->kind, "merge")) {
        snprintf(s->split, sizeof s->split, "%s", e->kind);
        s->related = e->related_id;
    }
    return 0;
}

static int64_t r_pack(const struct r_state *s)
{
    uint64_t v = s->sum & (((uint64_t)1 << R_HASH_BITS) - 1);
    for (int k = 0; k < R_KINDS; k++)
        v |= (uint64_t)(s->count[k] > 7 ? 7 : s->count[k]) << (R_HASH_BITS + 3 * k);
    return (int64_t)v;
}

static unsigned r_count(int64_t state, int k)
{
    return (unsigned)((uint64_t)state >> (R_HASH_BITS + 3 * k)) & 7;
}

/* The restrictions (and, with events, split/merge) of parcel id into s. */
static int r_read(struct store *st, int64_t id, bool events, struct r_state *s)
{
    memset(s, 0, sizeof *s);
    char iso[32];
    clock_iso(clock_now() + 7 * 3600, iso);
    memcpy(s->today, iso, 10);
    s->today[10] = '\0';
    struct store_registry_cbs cbs = {.restriction = on_restriction,
                                     .event = events ? on_event : NULL};
    return store_parcel_registry(st, id, &cbs, s);
}

/* A parcel version copied out of a store callback. */
struct pver {
    bool found;
    int64_t id;
    int version;
    bool retired;
    char commune[STORE_CODE_MAX], survey[STORE_CODE_MAX];
    char sheet[STORE_SN_MAX + 1], number[STORE_SN_MAX + 1];
    double area;
    char land_use[64];
};

static void pver_set(struct pver *v, const struct store_parcel *p)
{
    v->found = true;
    v->id = p->id;
    v->version = p->version;
    v->retired = p->valid_to != NULL;
    snprintf(v->commune, sizeof v->commune, "%s", p->commune);
    snprintf(v->survey, sizeof v->survey, "%s", p->survey_commune);
    snprintf(v->sheet, sizeof v->sheet, "%s", p->sheet);
    snprintf(v->number, sizeof v->number, "%s", p->number);
    v->area = p->area;
    snprintf(v->land_use, sizeof v->land_use, "%s", p->land_use ? p->land_use : "");
}

static int on_current(void *ctx, const struct store_parcel *p)
{
    pver_set(ctx, p);
    ((struct pver *)ctx)->retired = false;
    return 0;
}

/* History walk: keeps the last version, and version `want` in ctx[1]. */
struct pvers {
    struct pver last, want;
    int want_version;
};

static int on_version(void *ctx, const struct store_parcel *p)
{
    struct pvers *v = ctx;
    pver_set(&v->last, p);
    if (p->version == v->want_version)
        pver_set(&v->want, p);
    return 0;
}

/* The parcel as it is now: current, or its last version once retired.
 * old (may be NULL) gets version old_version from the history. */
static int parcel_now(struct store *st, int64_t id, struct pver *now, int old_version,
                      struct pver *old)
{
    memset(now, 0, sizeof *now);
    int rc = store_parcel_get(st, id, 0, on_current, now);
    if (rc < 0 && rc != LIS_ENOTFOUND)
        return rc;
    if (now->found && (!old || old_version == now->version))
        return 0;
    struct pvers h = {.want_version = old_version};
    rc = store_parcel_history(st, id, 0, on_version, &h);
    if (rc < 0)
        return rc;
    if (!now->found) {
        *now = h.last;
        now->retired = true;
    }
    if (old)
        *old = h.want;
    return now->found ? 0 : LIS_ENOTFOUND;
}

static json_t *parcel_json(struct api_thread *t, const struct pver *p)
{
    const struct api_name *u = api_unit(&t->ref, p->commune);
    json_t *o = json_pack("{s:I, s:i, s:s, s:s, s:s, s:f, s:s, s:b}", "id", (json_int_t)p->id,
                          "version", p->version, "commune_of_survey", p->survey, "sheet",
                          p->sheet, "number", p->number, "area", http_round(p->area, 1),
                          "land_use", p->land_use, "retired", p->retired);
    json_object_set_new(o, "commune", json_pack("{s:s, s:s}", "code", p->commune, "name",
                                                u ? u->name : ""));
    return o;
}

struct watch_rows {
    struct store_watch *v;
    size_t n, cap;
};

static int on_watch(void *ctx, const struct store_watch *w)
{
    struct watch_rows *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->v = xrealloc(r->v, r->cap * sizeof *r->v);
    }
    r->v[r->n++] = *w;
    return 0;
}

static json_t *watch_json(struct api_thread *t, const struct store_watch *w)
{
    struct pver p;
    json_t *o = json_pack("{s:I}", "parcel_id", (json_int_t)w->parcel_id);
    api_json_time(w->created_at, o, "since");
    json_object_set_new(o, "parcel", parcel_now(t->store, w->parcel_id, &p, 0, NULL) == 0
                                         ? parcel_json(t, &p)
                                         : json_null());
    return o;
}

/* The caller's plan's watch limit; answers 403 and returns -1 when the plan
 * has none. */
static int watch_max(struct api_thread *t, h2o_req_t *req)
{
    struct api_plan p = {0};
    api_plan_load(t->portal, t->who.plan, &p);
    int max = p.watch_max;
    api_plan_free(&p);
    if (max <= 0 && req)
        http_problem_ext(req, 403, "plan-without-watching",
                         "your plan does not include watching parcels; ask for an upgrade",
                         json_pack("{s:s}", "plan", t->who.plan));
    return max;
}

void api_h_watches(void *td, h2o_req_t *req, const struct http_route *r,
                   const struct http_args *a)
{
    struct api_thread *t = td;
    struct watch_rows rows = {0};
    (void)r, (void)a;
    api_ref_fresh(t);
    int rc = store_watches_of(t->portal, t->who.user_id, on_watch, &rows);
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < rows.n; i++)
        json_array_append_new(list, watch_json(t, &rows.v[i]));
    int max = watch_max(t, NULL);
    http_send_private(req, 200, json_pack("{s:o, s:i}", "watches", list, "max", max > 0 ? max : 0));
out:
    free(rows.v);
}

void api_h_watch_put(void *td, h2o_req_t *req, const struct http_route *r,
                     const struct http_args *a)
{
    struct api_thread *t = td;
    struct watch_rows rows = {0};
    int64_t id = a->v[0].i;
    struct pver p;
    struct r_state rs;
    (void)r;
    api_ref_fresh(t);
    memset(&p, 0, sizeof p);
    int rc = store_parcel_get(t->store, id, 0, on_current, &p);
    if (rc == LIS_ENOTFOUND || (rc >= 0 && !p.found)) {
        http_problem(req, 404, "not-found", "no current parcel has id %" PRId64, id);
        goto out;
    }
    if (rc >= 0)
        rc = r_read(t->store, id, false, &rs);
    if (rc < 0) {
        log_error("store: %s", store_errmsg(t->store));
        http_problem_err(req, rc, NULL);
        goto out;
    }
    int max = watch_max(t, req);
    if (max <= 0)
        goto out;
    rc = store_watches_of(t->portal, t->who.user_id, on_watch, &rows);
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    for (size_t i = 0; i < rows.n; i++)
        if (rows.v[i].parcel_id == id) { /* already watched: nothing to add */
            http_send_private(req, 200, watch_json(t, &rows.v[i]));
            goto out;
        }
    if (rows.n >= (size_t)max) {
        http_problem_ext(req, 409, "watch-limit",
                         "you watch as many parcels as your plan allows; stop watching one first",
                         json_pack("{s:i}", "max", max));
        goto out;
    }
    struct store_watch w = {.user_id = t->who.user_id,
                            .parcel_id = id,
                            .version = p.version,
                            .state = r_pack(&rs),
                            .created_at = clock_now()};
    rc = store_watch_add(t->portal, &w);
    if (rc < 0 && rc != LIS_ECONFLICT) {
        api_store_error(t, req, rc);
        goto out;
    }
    http_send_private(req, rc == LIS_ECONFLICT ? 200 : 201, watch_json(t, &w));
out:
    free(rows.v);
}

void api_h_watch_delete(void *td, h2o_req_t *req, const struct http_route *r,
                        const struct http_args *a)
{
    struct api_thread *t = td;
    (void)r;
    int rc = store_watch_delete(t->portal, t->who.user_id, a->v[0].i);
    if (rc == LIS_ENOTFOUND) {
        http_problem(req, 404, "not-found", "you do not watch parcel %" PRId64, a->v[0].i);
        return;
    }
    if (rc < 0) {
        api_store_error(t, req, rc);
        return;
    }
    http_send_empty(req, 204);
}

/* ------------------------------------------------------------------ sweep */

static void area_text(struct buf *b, double v, bool comma)
{
    char s[48];
    snprintf(s, sizeof s, "%.1f", v);
    if (comma && strchr(s, '.'))
        *strchr(s, '.') = ',';
    buf_puts(b, s);
}

/* Title and body of the notification about what changed between the watch's
 * last state (w) and now. */
static void change_text(struct api_thread *t, const struct store_watch *w, const struct pver *now,
                        const struct pver *old, int64_t state, const struct r_state *rs,
                        struct buf *title, struct buf *vi, struct buf *en)
{
    const struct api_name *u = api_unit(&t->ref, now->commune);
    const char *place = u ? u->name : now->commune;
    buf_appendf(title, "Thửa đất %s/%s (%s) đã thay đổi — Parcel %s/%s (%s) changed", now->sheet,
                now->number, place, now->sheet, now->number, place);
    int version = now->retired ? 0 : now->version;
    if (version != w->version) {
        if (now->retired && !strcmp(rs->split, "split")) {
            buf_puts(vi, "Thửa đất đã được tách thành các thửa mới.\n");
            buf_puts(en, "The parcel was split into new parcels.\n");
        } else if (now->retired && !strcmp(rs->split, "merge")) {
            buf_puts(vi, "Thửa đất đã được hợp nhất với thửa khác.\n");
            buf_puts(en, "The parcel was merged with another parcel.\n");
        } else if (now->retired) {
            buf_puts(vi, "Thửa đất không còn hiệu lực trên bản đồ địa chính.\n");
            buf_puts(en, "The parcel was retired from the cadastral map.\n");
        } else {
            buf_appendf(vi, "Phiên bản mới %d", version);
            buf_appendf(en, "New version %d", version);
            bool any = false;
            if (old->found && fabs(old->area - now->area) >= 0.05) {
                buf_puts(vi, ": diện tích ");
                area_text(vi, old->area, true);
                buf_puts(vi, " → ");
                area_text(vi, now->area, true);
                buf_puts(vi, " m²");
                buf_puts(en, ": area ");
                area_text(en, old->area, false);
                buf_puts(en, " → ");
                area_text(en, now->area, false);
                buf_puts(en, " m²");
                any = true;
            }
            if (old->found && strcmp(old->land_use, now->land_use)) {
                buf_appendf(vi, "%s mục đích sử dụng %s → %s", any ? ";" : ":", old->land_use,
                            now->land_use);
                buf_appendf(en, "%s land use %s → %s", any ? ";" : ":", old->land_use,
                            now->land_use);
                any = true;
            }
            buf_puts(vi, any ? ".\n" : " (ranh giới hoặc thông tin khác thay đổi).\n");
            buf_puts(en, any ? ".\n" : " (boundary or other details changed).\n");
        }
    }
    if (state != w->state) {
        bool told = false;
        for (int k = 0; k < R_KINDS; k++) {
            unsigned a = r_count(w->state, k), b = r_count(state, k);
            if (b > a) {
                buf_appendf(vi, "Hạn chế mới: %s.\n", r_kind_vi[k]);
                buf_appendf(en, "New restriction: %s.\n", r_kind_en[k]);
                told = true;
            } else if (b < a) {
                buf_appendf(vi, "Hạn chế đã chấm dứt: %s.\n", r_kind_vi[k]);
                buf_appendf(en, "Restriction ended: %s.\n", r_kind_en[k]);
                told = true;
            }
        }
        if (!told) {
            buf_puts(vi, "Thông tin về hạn chế quyền đã thay đổi.\n");
            buf_puts(en, "The restrictions recorded on the parcel changed.\n");
        }
    }
}

/* One watch: notify its watcher when the parcel moved on from what they
 * last heard. cur caches the parcel's state across its watchers. */
struct sweep_parcel {
    int64_t id;
    int rc;
    struct pver now;
    int64_t state;
    struct r_state rs;
};

static void sweep_one(struct api_thread *t, const struct store_watch *w, struct sweep_parcel *cur)
{
    if (cur->id != w->parcel_id) {
        cur->id = w->parcel_id;
        cur->rc = parcel_now(t->store, w->parcel_id, &cur->now, 0, NULL);
        if (cur->rc == 0)
            cur->rc = r_read(t->store, w->parcel_id, cur->now.retired, &cur->rs);
        cur->state = r_pack(&cur->rs);
        if (cur->rc < 0 && cur->rc != LIS_ENOTFOUND)
            log_error("watch sweep: parcel %" PRId64 ": %s", w->parcel_id,
                      store_errmsg(t->store));
    }
    if (cur->rc < 0)
        return;
    int version = cur->now.retired ? 0 : cur->now.version;
    if (version == w->version && cur->state == w->state)
        return;
    int won = store_watch_advance(t->portal, w, version, cur->state);
    if (won != 1) { /* another server told them, or the store failed */
        if (won < 0)
            log_error("watch sweep: %s", store_errmsg(t->portal));
        return;
    }
    struct pver old = {0}, now;
    if (version != w->version && w->version > 0 &&
        parcel_now(t->store, w->parcel_id, &now, w->version, &old) < 0)
        memset(&old, 0, sizeof old);
    struct buf title = BUF_INIT, vi = BUF_INIT, en = BUF_INIT;
    change_text(t, w, &cur->now, &old, cur->state, &cur->rs, &title, &vi, &en);
    buf_putc(&vi, '\n');
    buf_append(&vi, en.data, en.len);
    while (vi.len && vi.data[vi.len - 1] == '\n')
        vi.data[--vi.len] = '\0';
    char aud[32];
    snprintf(aud, sizeof aud, "user:%" PRId64, w->user_id);
    api_notify(t, "parcel", aud, false, buf_cstr(&title), buf_cstr(&vi), w->parcel_id);
    buf_free(&title);
    buf_free(&vi);
    buf_free(&en);
}

static int64_t mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

void api_watch_tick(struct api_thread *t, struct api_watch_sweep *s)
{
    int64_t now = mono_s();
    if (!s->running) {
        if (s->started && now - s->started < t->api->notify.watch_interval)
            return;
        s->running = true;
        s->started = now;
        s->after_parcel = s->after_user = 0;
    }
    struct watch_rows rows = {0};
    int rc = store_watches_scan(t->portal, s->after_parcel, s->after_user, SWEEP_PAGE, on_watch,
                                &rows);
    if (rc < 0) {
        log_error("watch sweep: %s", store_errmsg(t->portal));
        s->running = false;
        goto out;
    }
    memset(&t->who, 0, sizeof t->who); /* the system sends these */
    api_ref_fresh(t);
    struct sweep_parcel cur = {0};
    for (size_t i = 0; i < rows.n; i++)
        sweep_one(t, &rows.v[i], &cur);
    if (rows.n == SWEEP_PAGE) { /* more next tick */
        s->after_parcel = rows.v[rows.n - 1].parcel_id;
        s->after_user = rows.v[rows.n - 1].user_id;
    } else {
        s->running = false;
    }
out:
    free(rows.v);
}

/* -------------------------------------------------------- one-time codes */

static void code_backoff(const struct api *api, bool phone, struct auth_backoff *b)
{
    b->free_attempts = phone ? api->notify.code_free_sends : api->notify.code_address_free_sends;
    b->max_wait = api->acc.backoff_max;
    b->forget = 3600;
}

/* Count one code sent for (phone key, address), unless one of them must still
 * wait: then answers 429 and returns false. prefix: "r" (reset), "v" (verify). */
static bool code_throttle(struct api_thread *t, h2o_req_t *req, const char *prefix,
                          const char *phone_key)
{
    struct store_throttle st[2];
    struct auth_backoff b[2];
    char keys[2][80];
    int64_t now = clock_now(), wait = 0;
    snprintf(keys[0], sizeof keys[0], "%s:%s", prefix, phone_key);
    snprintf(keys[1], sizeof keys[1], "%sa:%s", prefix, t->who.addr);
    for (int i = 0; i < 2; i++) {
        code_backoff(t->api, i == 0, &b[i]);
        if (store_throttle_get(t->portal, keys[i], &st[i]) < 0)
            memset(&st[i], 0, sizeof st[i]);
        int64_t w = auth_throttle_wait(&st[i], &b[i], now);
        wait = w > wait ? w : wait;
    }
    if (wait > 0) {
        api_too_many(req, wait, "too many codes asked for; wait before asking again");
        return false;
    }
    for (int i = 0; i < 2; i++) {
        auth_throttle_fail(&st[i], &b[i], now);
        store_throttle_put(t->portal, keys[i], &st[i]);
    }
    return true;
}

/* Make a code of `purpose` for the phone (E.164), keep its hash, and send it
 * as an SMS when `send`. Returns 0 or a negative lis_err. */
static int code_issue(struct api_thread *t, const char *phone, const char *purpose, bool send)
{
    struct store_code c = {0};
    char code[AUTH_CODE_LEN + 1];
    auth_phone_key(phone, c.key);
    snprintf(c.purpose, sizeof c.purpose, "%s", purpose);
    auth_code_new(code);
    auth_code_hash(code, c.key, purpose, c.hash);
    c.expires_at = clock_now() + t->api->notify.code_ttl;
    int rc = store_code_put(t->portal, &c);
    if (rc < 0) {
        log_error("codes: %s", store_errmsg(t->portal));
        return rc;
    }
    if (send) {
        long min = (long)((t->api->notify.code_ttl + 59) / 60);
        struct buf text = BUF_INIT;
        if (!strcmp(purpose, "reset"))
            buf_appendf(&text, "Mã đặt lại mật khẩu LIS: %s (hiệu lực %ld phút). Không chia sẻ "
                               "mã này.\nLIS password reset code: %s (valid %ld minutes). Do not "
                               "share it.", code, min, code, min);
        else
            buf_appendf(&text, "Mã xác minh số điện thoại LIS: %s (hiệu lực %ld phút).\nLIS "
                               "phone verification code: %s (valid %ld minutes).", code, min,
                        code, min);
        channel_send(t->api->notify.channel, CHANNEL_SMS, phone, NULL, buf_cstr(&text));
        buf_free(&text);
    }
    memset(code, 0, sizeof code);
    return 0;
}

/* Check `code` against the phone's code of `purpose`: NULL when it matches
 * (the code is then spent), else the field error's code ("wrong", "expired",
 * "spent"). A wrong code counts one attempt. */
static const char *code_use(struct api_thread *t, const char *phone, const char *purpose,
                            const char *code)
{
    struct store_code c;
    char key[64];
    auth_phone_key(phone, key);
    int rc = store_code_get(t->portal, key, purpose, &c);
    if (rc < 0) {
        if (rc != LIS_ENOTFOUND)
            log_error("codes: %s", store_errmsg(t->portal));
        return "wrong";
    }
    if (clock_now() >= c.expires_at) {
        store_code_delete(t->portal, key, purpose);
        return "expired";
    }
    if (c.attempts >= CODE_ATTEMPTS) {
        store_code_delete(t->portal, key, purpose);
        return "spent";
    }
    bool ok = strlen(code) == AUTH_CODE_LEN && auth_code_matches(code, key, purpose, c.hash);
    if (!ok) {
        store_code_attempt(t->portal, key, purpose);
        return c.attempts + 1 >= CODE_ATTEMPTS ? "spent" : "wrong";
    }
    /* single use: whoever deletes it first has used it */
    return store_code_delete(t->portal, key, purpose) == 1 ? NULL : "wrong";
}

static const char *code_reason(const char *why)
{
    return !strcmp(why, "expired") ? "the code has expired; ask for a new one"
           : !strcmp(why, "spent") ? "too many wrong codes; ask for a new one"
                                   : "the code is wrong";
}

/* {phone} of a code request: the E.164 number, or a field error. */
static const char *phone_field(struct api_body *f, char e164[16])
{
    const char *why = NULL;
    const char *phone = api_body_text(f, "phone", NULL);
    if (!phone)
        api_body_bad(f, "phone", "required", "a phone number is required");
    else if (policy_phone(phone, e164, &why))
        api_body_bad(f, "phone", "invalid", why);
    else
        return e164;
    return NULL;
}

static void accepted(h2o_req_t *req)
{
    http_send_private(req, 202,
                      json_pack("{s:s, s:s}", "status", "accepted", "detail",
                                "if an account may use this number, a code is on its way to it"));
}

/* The start of a code request {phone}: the body read, the number checked,
 * the throttle of `prefix` passed and counted. Returns the number (E.164, in
 * e164), or NULL when it has answered the request itself. Close f after. */
static const char *code_request(struct api_thread *t, h2o_req_t *req, const char *prefix,
                                struct api_body *f, char e164[16])
{
    static const char *const allowed[] = {"phone", NULL};
    char key[64];
    if (!api_body_open(req, allowed, f))
        return NULL;
    const char *phone = phone_field(f, e164);
    if (api_body_failed(req, f))
        return NULL;
    auth_phone_key(phone, key);
    return code_throttle(t, req, prefix, key) ? phone : NULL;
}

void api_h_reset(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *a)
{
    struct api_thread *t = td;
    struct api_body f = {0};
    struct api_user u = {0};
    char e164[16];
    (void)r, (void)a;
    const char *phone = code_request(t, req, "r", &f, e164);
    if (!phone)
        goto out;
    int rc = store_user_by_phone(t->portal, phone, api_user_copy, &u);
    if (rc < 0 && rc != LIS_ENOTFOUND) {
        api_store_error(t, req, rc);
        goto out;
    }
    /* a code is kept for every number asked about (the same work either way);
     * only an open, unlocked account's phone is sent one */
    if (code_issue(t, phone, "reset", u.found && !u.locked && !u.closed_at) < 0) {
        http_problem_err(req, LIS_EIO, "the code could not be made");
        goto out;
    }
    accepted(req);
out:
    api_user_free(&u);
    api_body_close(&f);
}

void api_h_reset_confirm(void *td, h2o_req_t *req, const struct http_route *r,
                         const struct http_args *a)
{
    static const char *const allowed[] = {"phone", "code", "new", NULL};
    struct api_thread *t = td;
    struct api_body f;
    struct api_user u = {0};
    char e164[16];
    const char *why = NULL, *bad;
    (void)r, (void)a;
    if (!api_body_open(req, allowed, &f))
        return;
    const char *phone = phone_field(&f, e164);
    const char *code = api_body_text(&f, "code", NULL);
    const char *pw = api_body_text(&f, "new", NULL);
    if (!code)
        api_body_bad(&f, "code", "required", "type the code sent to your phone");
    if ((bad = policy_password(pw, phone, &why)))
        api_body_bad(&f, "new", bad, why);
    if (api_body_failed(req, &f))
        goto out;
    if ((bad = code_use(t, phone, "reset", code))) {
        api_body_bad(&f, "code", bad, code_reason(bad));
        api_body_failed(req, &f);
        goto out;
    }
    int rc = store_user_by_phone(t->portal, phone, api_user_copy, &u);
    if (rc < 0 && rc != LIS_ENOTFOUND) {
        api_store_error(t, req, rc);
        goto out;
    }
    if (!u.found || u.locked || u.closed_at) { /* no code was sent for it */
        api_body_bad(&f, "code", "wrong", code_reason("wrong"));
        api_body_failed(req, &f);
        goto out;
    }
    api_password_reset(t, req, u.id, u.role, pw);
out:
    api_user_free(&u);
    api_body_close(&f);
}

void api_h_phone_code(void *td, h2o_req_t *req, const struct http_route *r,
                      const struct http_args *a)
{
    struct api_thread *t = td;
    struct api_body f = {0};
    char e164[16];
    (void)r, (void)a;
    if (!t->api->notify.verify_phone) {
        http_problem(req, 404, "not-found", "this portal does not verify phone numbers");
        return;
    }
    const char *phone = code_request(t, req, "v", &f, e164);
    if (phone && code_issue(t, phone, "verify", true) < 0)
        http_problem_err(req, LIS_EIO, "the code could not be made");
    else if (phone)
        accepted(req);
    api_body_close(&f);
}

void api_verify_code(struct api_thread *t, struct api_body *f, const char *phone)
{
    const char *code = api_body_text(f, "code", NULL), *bad;
    if (!code)
        api_body_bad(f, "code", "required", "type the code sent to your phone");
    else if (phone && *phone && json_array_size(f->bad) == 0 && /* spent only when all else is right */
             (bad = code_use(t, phone, "verify", code)))
        api_body_bad(f, "code", bad, code_reason(bad));
}
