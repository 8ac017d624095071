/* tickets — support, complaint and dispute tickets.
 *
 * A user files a ticket and writes in its thread; staff and admins see the
 * queue, answer, assign and close tickets (resolved, or rejected with a
 * reason); the author may reopen a closed ticket for ticket_reopen_days.
 * Statuses go open → in_progress → resolved | rejected, and back to open
 * only by the author's reopening. Every change made by someone other than
 * the author (an answer, a status, an assignment) notifies the author.
 *
 * Who sees what: a ticket exists, as far as the API tells, only for its
 * author and for staff and admins (others get 404, never 403). Staff see the
 * author as {id, name} and nothing else of the account; users see staff only
 * as "staff", without their names.
 *
 * A dispute shows the statutory time limit for a decision: dispute_days
 * (50), or dispute_days_mountainous (60) when the commune the parcel lay in
 * when the dispute was filed is mountainous or a border commune; counted
 * from the day it was filed in Viet Nam time, in calendar days or working
 * days (Saturdays and Sundays left out) as dispute_counting says, by the
 * injectable clock. Once the ticket is closed the count stops. */
#include "api/portal.h"

#include "core/clock.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/problem.h"
#include "http/respond.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_MAX 9007199254740991.0
#define SUBJECT_MAX 200     /* characters */
#define BODY_MAX 5000
#define PARTY_MAX 200
#define REASON_MAX 1000
#define LIST_DEFAULT 20
#define DAY 86400

const struct http_param api_p_tickets[] = {
    {"status", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 16,
     "open, in_progress, resolved, rejected, or active (open or in_progress)"},
    {"kind", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 16, "support, complaint or dispute"},
    {"mine", HTTP_PARAM_BOOL, HTTP_IN_QUERY, false, 0, 0, 0, 0,
     "staff: only the tickets assigned to you"},
    {"before", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, ID_MAX, 0, 0,
     "tickets with ids below this (the previous page's next)"},
    {"limit", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, 1000000, 0, 0,
     "tickets per page (default 20, at most max_page)"},
    {NULL},
};
enum { L_STATUS, L_KIND, L_MINE, L_BEFORE, L_LIMIT };

const struct http_param api_p_ticket[] = {
    {"id", HTTP_PARAM_INT, HTTP_IN_PATH, true, 1, ID_MAX, 0, 0, "Ticket id"},
    {NULL},
};

static const char *const KINDS[] = {"support", "complaint", "dispute", NULL};
static const char *const STATUSES[] = {"open", "in_progress", "resolved", "rejected", NULL};

static bool one_of(const char *s, const char *const list[])
{
    for (size_t i = 0; s && list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static bool is_staff(const struct api_thread *t)
{
    return t->who.level >= API_STAFF;
}

static bool closed_status(const char *status)
{
    return strcmp(status, "resolved") == 0 || strcmp(status, "rejected") == 0;
}

/* ----------------------------------------------------------------- settings */

int api_tickets_init(struct api *a, const struct config *cfg, struct buf *err)
{
    struct api_tickets *tk = &a->tickets;
    long days, mdays, reopen;
    if (config_get_long(cfg, "dispute_days", 1, 3650, &days, err) ||
        config_get_long(cfg, "dispute_days_mountainous", 1, 3650, &mdays, err) ||
        config_get_long(cfg, "ticket_reopen_days", 0, 3650, &reopen, err))
        return LIS_EINVAL;
    const char *counting = config_get(cfg, "dispute_counting");
    if (strcmp(counting, "calendar") != 0 && strcmp(counting, "working") != 0) {
        buf_appendf(err, "dispute_counting: '%s' is neither calendar nor working", counting);
        return LIS_EINVAL;
    }
    tk->dispute_days = (int)days;
    tk->dispute_days_mountainous = (int)mdays;
    tk->working_days = strcmp(counting, "working") == 0;
    tk->reopen_days = (int)reopen;
    return 0;
}

/* ----------------------------------------------------------- copied rows */

/* A ticket row copied out of a store callback. */
struct ticket {
    bool found;
    int64_t id, user_id, parcel_id, assignee, created_at, updated_at, closed_at;
    char kind[16], status[16], commune[STORE_CODE_MAX];
    char *subject, *other_party, *reason;
};

static void ticket_free(struct ticket *k)
{
    free(k->subject);
    free(k->other_party);
    free(k->reason);
    memset(k, 0, sizeof *k);
}

static void ticket_copy(struct ticket *k, const struct store_ticket *s)
{
    ticket_free(k);
    k->found = true;
    k->id = s->id;
    k->user_id = s->user_id;
    k->parcel_id = s->parcel_id;
    k->assignee = s->assignee;
    k->created_at = s->created_at;
    k->updated_at = s->updated_at;
    k->closed_at = s->closed_at;
    snprintf(k->kind, sizeof k->kind, "%s", s->kind ? s->kind : "");
    snprintf(k->status, sizeof k->status, "%s", s->status ? s->status : "");
    snprintf(k->commune, sizeof k->commune, "%s", s->commune ? s->commune : "");
    k->subject = xstrdup(s->subject ? s->subject : "");
    k->other_party = api_dup_or_null(s->other_party);
    k->reason = api_dup_or_null(s->reason);
}

static int on_ticket(void *ctx, const struct store_ticket *s)
{
    ticket_copy(ctx, s);
    return 0;
}

/* The array v (n used of *cap elements of `size` bytes) with room for one
 * more, zeroed; takes ownership of v. */
static void *one_more(void *v, size_t n, size_t *cap, size_t size)
{
    if (n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        v = xrealloc(v, *cap * size);
    }
    memset((char *)v + n * size, 0, size);
    return v;
}

struct ticket_list {
    struct ticket *v;
    size_t n, cap;
};

static int on_ticket_row(void *ctx, const struct store_ticket *s)
{
    struct ticket_list *l = ctx;
    l->v = one_more(l->v, l->n, &l->cap, sizeof *l->v);
    ticket_copy(&l->v[l->n++], s);
    return 0;
}

static void ticket_list_free(struct ticket_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        ticket_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

struct message {
    int64_t id, author_id, created_at;
    char role[8];
    char *body;
};

struct message_list {
    struct message *v;
    size_t n, cap;
};

static int on_message(void *ctx, const struct store_message *m)
{
    struct message_list *l = ctx;
    l->v = one_more(l->v, l->n, &l->cap, sizeof *l->v);
    struct message *c = &l->v[l->n++];
    c->id = m->id;
    c->author_id = m->author_id;
    c->created_at = m->created_at;
    snprintf(c->role, sizeof c->role, "%s", m->author_role ? m->author_role : "user");
    c->body = xstrdup(m->body ? m->body : "");
    return 0;
}

static void message_list_free(struct message_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].body);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Display names looked up once per request (authors, staff). */
struct names {
    struct {
        int64_t id;
        char *name; /* NULL: erased (a closed account) or unknown */
    } v[64];
    size_t n;
};

/* The account `id`'s display name (borrowed from ns); NULL when the
 * account has none or cannot be read. */
static const char *name_of(struct api_thread *t, struct names *ns, int64_t id)
{
    for (size_t i = 0; i < ns->n; i++)
        if (ns->v[i].id == id)
            return ns->v[i].name;
    struct api_user u = {0};
    if (store_user_get(t->portal, id, api_user_copy, &u) < 0)
        u.found = false;
    const char *name = u.found && !u.closed_at ? u.name : NULL;
    if (ns->n == sizeof ns->v / sizeof ns->v[0]) { /* full: forget the oldest */
        free(ns->v[0].name);
        memmove(&ns->v[0], &ns->v[1], (ns->n - 1) * sizeof ns->v[0]);
        ns->n--;
    }
    size_t i = ns->n++;
    ns->v[i].id = id;
    ns->v[i].name = api_dup_or_null(name);
    api_user_free(&u);
    return ns->v[i].name;
}

static void names_free(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i].name);
    ns->n = 0;
}

/* ----------------------------------------------------------- time limits */

/* The day number (days since 1970-01-01) of t in Viet Nam. */
static int64_t vn_day(int64_t t)
{
    return (clock_day_start(t) + CLOCK_LOCAL_OFFSET) / DAY;
}

static bool working_day(int64_t day)
{
    int64_t wd = ((day + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday; 0: Sunday */
    return wd != 0 && wd != 6;
}

/* Days counted from day `from` (not counted) to day `to` (counted):
 * negative when to is before from. */
static int64_t days_between(int64_t from, int64_t to, bool working)
{
    if (!working)
        return to - from;
    int64_t sign = to >= from ? 1 : -1, n = 0;
    for (int64_t d = from; d != to;) {
        d += sign;
        if (working_day(sign > 0 ? d : d + 1))
            n++;
    }
    return sign * n;
}

/* The day on which `days` counted days after day `from` are over. */
static int64_t day_after(int64_t from, int days, bool working)
{
    if (!working)
        return from + days;
    int64_t d = from;
    for (int n = 0; n < days;)
        if (working_day(++d))
            n++;
    return d;
}

static int on_commune(void *ctx, const struct store_commune *c)
{
    *(bool *)ctx = c->mountainous;
    return 0;
}

/* {days, mountainous, counting, due, days_left} of a dispute. */
static json_t *deadline_json(struct api_thread *t, const struct ticket *k)
{
    const struct api_tickets *tk = &t->api->tickets;
    bool mountainous = t->ref.info.mountainous; /* the province's default */
    if (k->commune[0]) {
        int rc = store_commune_get(t->store, k->commune, false, on_commune, &mountainous);
        if (rc < 0 && rc != LIS_ENOTFOUND)
            log_warn("tickets: commune %s: %s", k->commune, store_errmsg(t->store));
    }
    int days = mountainous ? tk->dispute_days_mountainous : tk->dispute_days;
    int64_t filed = vn_day(k->created_at);
    int64_t due = day_after(filed, days, tk->working_days);
    int64_t today = vn_day(k->closed_at ? k->closed_at : clock_now());
    char iso[32];
    clock_iso(due * DAY, iso);
    iso[10] = '\0'; /* the date */
    return json_pack("{s:i, s:b, s:s, s:s, s:I}", "days", days, "mountainous", mountainous,
                     "counting", tk->working_days ? "working" : "calendar", "due", iso,
                     "days_left", (json_int_t)days_between(today, due, tk->working_days));
}

/* --------------------------------------------------------------- documents */

static json_t *person_json(struct api_thread *t, struct names *ns, int64_t id)
{
    return json_pack("{s:I, s:o}", "id", (json_int_t)id, "name",
                     api_json_or_null(name_of(t, ns, id)));
}

/* A ticket as the caller may see it; with its thread and, for disputes, the
 * time limit when `full`. */
static json_t *ticket_json(struct api_thread *t, struct names *ns, const struct ticket *k,
                           const struct message_list *msgs, bool full)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(k->id));
    json_object_set_new(o, "kind", json_string(k->kind));
    json_object_set_new(o, "subject", json_string(k->subject));
    json_object_set_new(o, "status", json_string(k->status));
    json_object_set_new(o, "reason", api_json_or_null(k->reason));
    json_object_set_new(o, "parcel_id", k->parcel_id ? json_integer(k->parcel_id) : json_null());
    json_object_set_new(o, "other_party", api_json_or_null(k->other_party));
    const struct api_name *u = k->commune[0] ? api_unit(&t->ref, k->commune) : NULL;
    json_object_set_new(o, "commune",
                        k->commune[0] ? json_pack("{s:s, s:o}", "code", k->commune, "name",
                                                  u ? json_string(u->name) : json_null())
                                      : json_null());
    json_object_set_new(o, "author", person_json(t, ns, k->user_id));
    json_object_set_new(o, "assigned", json_boolean(k->assignee != 0));
    if (is_staff(t))
        json_object_set_new(o, "assignee",
                            k->assignee ? person_json(t, ns, k->assignee) : json_null());
    api_json_time(k->created_at, o, "created_at");
    api_json_time(k->updated_at, o, "updated_at");
    api_json_time(k->closed_at, o, "closed_at");
    api_json_time(k->closed_at ? k->closed_at + (int64_t)t->api->tickets.reopen_days * DAY : 0, o,
                  "reopen_until");
    if (!full)
        return o;
    if (strcmp(k->kind, "dispute") == 0)
        json_object_set_new(o, "deadline", deadline_json(t, k));
    json_t *list = json_array();
    for (size_t i = 0; msgs && i < msgs->n; i++) {
        const struct message *m = &msgs->v[i];
        bool office = strcmp(m->role, "user") != 0;
        json_t *author;
        if (is_staff(t) || !office) /* users do not see staff names */
            author = json_pack("{s:s, s:o}", "role", m->role, "name",
                               api_json_or_null(name_of(t, ns, m->author_id)));
        else
            author = json_pack("{s:s, s:n}", "role", "staff", "name");
        json_t *mo = json_pack("{s:I, s:o, s:b, s:s}", "id", (json_int_t)m->id, "author", author,
                               "mine", m->author_id == t->who.user_id, "body", m->body);
        api_json_time(m->created_at, mo, "created_at");
        json_array_append_new(list, mo);
    }
    json_object_set_new(o, "messages", list);
    return o;
}

/* Send ticket `id` in full with `status`. */
static void send_ticket(struct api_thread *t, h2o_req_t *req, int64_t id, int status)
{
    struct ticket k = {0};
    struct message_list msgs = {0};
    struct names ns = {0};
    api_ref_fresh(t); /* commune names */
    int rc = store_ticket_get(t->portal, id, on_ticket, &k);
    if (rc >= 0 && !k.found)
        rc = LIS_ENOTFOUND;
    if (rc >= 0)
        rc = store_messages(t->portal, id, on_message, &msgs);
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    http_send_private(req, status, ticket_json(t, &ns, &k, &msgs, true));
out:
    names_free(&ns);
    message_list_free(&msgs);
    ticket_free(&k);
}

/* Load ticket `id` for the caller: its author, staff or admin. Answers 404
 * (also when the caller may not see it: its existence is not told) and
 * returns false otherwise. */
static bool load_ticket(struct api_thread *t, h2o_req_t *req, int64_t id, struct ticket *k)
{
    int rc = store_ticket_get(t->portal, id, on_ticket, k);
    if (rc < 0 && rc != LIS_ENOTFOUND) {
        api_store_error(t, req, rc);
        return false;
    }
    if (!k->found || (k->user_id != t->who.user_id && !is_staff(t))) {
        http_problem(req, 404, "not-found", "no ticket %" PRId64 " of yours", id);
        return false;
    }
    return true;
}

/* Tell the author of k about a change made by someone else: the title is
 * "Yêu cầu #ID" and `what` happened (Vietnamese — English); the body is the
 * subject and `extra`. */
static void notify_author(struct api_thread *t, const struct ticket *k, const char *what,
                          const char *extra)
{
    if (k->user_id == t->who.user_id)
        return;
    char audience[32], title[200];
    snprintf(audience, sizeof audience, "user:%" PRId64, k->user_id);
    snprintf(title, sizeof title, "Yêu cầu #%" PRId64 "%s", k->id, what);
    struct buf body = BUF_INIT;
    buf_puts(&body, k->subject);
    if (extra && *extra)
        buf_appendf(&body, "\n%s", extra);
    if (api_notify(t, "ticket", audience, false, title, buf_cstr(&body), k->id) < 0)
        log_warn("tickets: the author of ticket %" PRId64 " could not be notified", k->id);
    buf_free(&body);
}

/* ------------------------------------------------------------------- list */

void api_h_tickets(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *a)
{
    struct api_thread *t = td;
    const struct http_value *v = a->v;
    struct ticket_list l = {0};
    struct names ns = {0};
    (void)r;
    if (v[L_STATUS].set && !one_of(v[L_STATUS].s, STATUSES) && strcmp(v[L_STATUS].s, "active")) {
        http_problem(req, 400, "invalid-parameter", "parameter 'status' must be open, "
                                                    "in_progress, resolved, rejected or active");
        return;
    }
    if (v[L_KIND].set && !one_of(v[L_KIND].s, KINDS)) {
        http_problem(req, 400, "invalid-parameter",
                     "parameter 'kind' must be support, complaint or dispute");
        return;
    }
    if (v[L_LIMIT].set && v[L_LIMIT].i > t->api->max_page) {
        http_problem(req, 400, "invalid-parameter", "parameter 'limit' must be from 1 to %ld",
                     t->api->max_page);
        return;
    }
    int limit = v[L_LIMIT].set ? (int)v[L_LIMIT].i
                               : (int)(LIST_DEFAULT < t->api->max_page ? LIST_DEFAULT
                                                                       : t->api->max_page);
    struct store_ticket_filter f = {
        .user_id = is_staff(t) ? 0 : t->who.user_id, /* users: their own only */
        .assignee = is_staff(t) && v[L_MINE].set && v[L_MINE].b ? t->who.user_id : 0,
        .status = v[L_STATUS].set ? v[L_STATUS].s : NULL,
        .kind = v[L_KIND].set ? v[L_KIND].s : NULL,
        .before = v[L_BEFORE].set ? v[L_BEFORE].i : 0,
        .limit = limit + 1, /* one more tells whether there is a next page */
    };
    api_ref_fresh(t); /* commune names */
    int rc = store_tickets(t->portal, &f, on_ticket_row, &l);
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    json_t *list = json_array();
    size_t n = l.n > (size_t)limit ? (size_t)limit : l.n;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, ticket_json(t, &ns, &l.v[i], NULL, false));
    json_t *next = l.n > n ? json_integer(l.v[n - 1].id) : json_null();
    http_send_private(req, 200, json_pack("{s:o, s:o}", "tickets", list, "next", next));
out:
    names_free(&ns);
    ticket_list_free(&l);
}

/* -------------------------------------------------------------------- new */

struct parcel_at {
    bool found;
    char commune[STORE_CODE_MAX];
};

static int on_parcel(void *ctx, const struct store_parcel *p)
{
    struct parcel_at *pa = ctx;
    pa->found = true;
    snprintf(pa->commune, sizeof pa->commune, "%s", p->commune);
    return 0;
}

void api_h_ticket_new(void *td, h2o_req_t *req, const struct http_route *r,
                      const struct http_args *a)
{
    static const char *const allowed[] = {"kind", "subject", "body", "parcel_id", "other_party",
                                          NULL};
    struct api_thread *t = td;
    struct api_body f;
    struct buf subject = BUF_INIT, body = BUF_INIT, party = BUF_INIT;
    struct parcel_at pa = {0};
    (void)r, (void)a;
    if (!api_body_open(req, allowed, &f))
        return;
    const char *kind = api_body_text(&f, "kind", NULL);
    if (!kind)
        api_body_bad(&f, "kind", "required", "choose support, complaint or dispute");
    else if (!one_of(kind, KINDS))
        api_body_bad(&f, "kind", "invalid", "must be support, complaint or dispute");
    bool dispute = kind && strcmp(kind, "dispute") == 0;
    api_body_written(&f, "subject", SUBJECT_MAX, false, &subject);
    api_body_written(&f, "body", BODY_MAX, true, &body);

    json_t *pid = json_object_get(f.body, "parcel_id");
    int64_t parcel_id = 0;
    if (pid && !json_is_null(pid)) {
        if (!json_is_integer(pid) || json_integer_value(pid) < 1 ||
            (double)json_integer_value(pid) > ID_MAX)
            api_body_bad(&f, "parcel_id", "invalid", "must be a parcel id (a positive integer)");
        else
            parcel_id = json_integer_value(pid);
    } else if (dispute) {
        api_body_bad(&f, "parcel_id", "required", "a dispute names the parcel it is about");
    }
    json_t *op = json_object_get(f.body, "other_party");
    if (dispute)
        api_body_written(&f, "other_party", PARTY_MAX, false, &party);
    else if (op && !json_is_null(op))
        api_body_bad(&f, "other_party", "not-allowed", "only a dispute names another party");

    if (parcel_id) {
        int rc = store_parcel_get(t->store, parcel_id, 0, on_parcel, &pa);
        if (rc < 0 && rc != LIS_ENOTFOUND) {
            log_error("tickets: parcel %" PRId64 ": %s", parcel_id, store_errmsg(t->store));
            http_problem_err(req, rc, NULL);
            goto out;
        }
        if (!pa.found)
            api_body_bad(&f, "parcel_id", "not-found", "no current parcel has this id");
    }
    if (api_body_failed(req, &f))
        goto out;

    int64_t now = clock_now();
    struct store_ticket st = {
        .user_id = t->who.user_id,
        .kind = kind,
        .subject = buf_cstr(&subject),
        .status = "open",
        .parcel_id = parcel_id,
        .other_party = dispute ? buf_cstr(&party) : NULL,
        .commune = pa.found && pa.commune[0] ? pa.commune : NULL,
        .created_at = now,
        .updated_at = now,
    };
    int64_t id = store_ticket_create(t->portal, &st);
    if (id < 0) {
        api_store_error(t, req, (int)id);
        goto out;
    }
    struct store_message m = {.ticket_id = id,
                              .author_id = t->who.user_id,
                              .author_role = t->who.role,
                              .body = buf_cstr(&body),
                              .created_at = now};
    int64_t mid = store_message_add(t->portal, &m);
    if (mid < 0) { /* the ticket stands; its author can write again */
        api_store_error(t, req, (int)mid);
        goto out;
    }
    send_ticket(t, req, id, 201);
out:
    buf_free(&subject);
    buf_free(&body);
    buf_free(&party);
    api_body_close(&f);
}

/* -------------------------------------------------------------------- one */

void api_h_ticket(void *td, h2o_req_t *req, const struct http_route *r, const struct http_args *a)
{
    struct api_thread *t = td;
    struct ticket k = {0};
    (void)r;
    if (load_ticket(t, req, a->v[0].i, &k))
        send_ticket(t, req, k.id, 200);
    ticket_free(&k);
}

/* --------------------------------------------------------------- messages */

/* Write the status of k (and what goes with it) as of now. */
static int set_status(struct api_thread *t, struct ticket *k, const char *status,
                      const char *reason, unsigned more, int64_t assignee)
{
    int64_t now = clock_now();
    struct store_ticket st = {
        .id = k->id,
        .status = status,
        .reason = reason,
        .closed_at = closed_status(status) ? now : 0,
        .assignee = assignee,
        .updated_at = now,
    };
    int rc = store_ticket_update(t->portal, &st, STORE_TICKET_STATUS | more);
    if (rc < 0)
        return rc;
    api_audit(t, "ticket.status", k->user_id, k->id, status);
    snprintf(k->status, sizeof k->status, "%s", status);
    return 0;
}

void api_h_ticket_message(void *td, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a)
{
    static const char *const allowed[] = {"body", NULL};
    struct api_thread *t = td;
    struct ticket k = {0};
    struct api_body f;
    struct buf body = BUF_INIT;
    (void)r;
    if (!api_body_open(req, allowed, &f))
        return;
    api_body_written(&f, "body", BODY_MAX, true, &body);
    if (!load_ticket(t, req, a->v[0].i, &k) || api_body_failed(req, &f))
        goto out;
    if (closed_status(k.status)) {
        http_problem(req, 409, "ticket-closed", "the ticket is %s; %s", k.status,
                     k.user_id == t->who.user_id ? "reopen it to write again"
                                                 : "only its author can reopen it");
        goto out;
    }
    int64_t now = clock_now();
    struct store_message m = {.ticket_id = k.id,
                              .author_id = t->who.user_id,
                              .author_role = t->who.role,
                              .body = buf_cstr(&body),
                              .created_at = now};
    int64_t id = store_message_add(t->portal, &m);
    int rc = id < 0 ? (int)id : 0;
    bool answer = is_staff(t) && k.user_id != t->who.user_id;
    if (rc == 0 && answer && strcmp(k.status, "open") == 0)
        rc = set_status(t, &k, "in_progress", NULL, 0, 0);
    else if (rc == 0) { /* the thread moved: so did the ticket */
        struct store_ticket st = {.id = k.id, .updated_at = now};
        rc = store_ticket_update(t->portal, &st, 0);
    }
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    if (answer)
        notify_author(t, &k, ": cán bộ đã trả lời — staff answered", NULL);
    struct names ns = {0};
    json_t *author = json_pack("{s:s, s:o}", "role", t->who.role, "name",
                               api_json_or_null(name_of(t, &ns, t->who.user_id)));
    names_free(&ns);
    json_t *mo = json_pack("{s:I, s:I, s:o, s:b, s:s}", "id", (json_int_t)id, "ticket_id",
                           (json_int_t)k.id, "author", author, "mine", true, "body",
                           buf_cstr(&body));
    api_json_time(now, mo, "created_at");
    http_send_private(req, 201, mo);
out:
    buf_free(&body);
    ticket_free(&k);
    api_body_close(&f);
}

/* ------------------------------------------------------------------ change */

static int on_assignee(void *ctx, const struct store_user *u)
{
    *(bool *)ctx = !u->closed_at && !u->locked && u->role &&
                   (strcmp(u->role, "staff") == 0 || strcmp(u->role, "admin") == 0);
    return 0;
}

/* The `assignee` member: an account id, "me", or null (nobody). Returns
 * false (with a field error) when it is none of these or not staff. */
static bool assignee_member(struct api_thread *t, struct api_body *f, int64_t *out)
{
    json_t *v = json_object_get(f->body, "assignee");
    if (json_is_null(v)) {
        *out = 0;
        return true;
    }
    if (json_is_string(v) && strcmp(json_string_value(v), "me") == 0) {
        *out = t->who.user_id;
        return true;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        api_body_bad(f, "assignee", "invalid", "must be a staff account's id, \"me\" or null");
        return false;
    }
    bool staff = false;
    *out = json_integer_value(v);
    int rc = store_user_get(t->portal, *out, on_assignee, &staff);
    if (rc < 0 && rc != LIS_ENOTFOUND)
        log_error("tickets: assignee: %s", store_errmsg(t->portal));
    if (!staff)
        api_body_bad(f, "assignee", "not-staff", "not an open staff or admin account");
    return staff;
}

/* Whether the caller may move ticket k to `to`: 0, or the status to refuse
 * with (403, 409) and the reason in *why. */
static int transition(struct api_thread *t, const struct ticket *k, const char *to,
                      const char **why)
{
    bool author = k->user_id == t->who.user_id;
    if (strcmp(to, "open") == 0) {
        if (!author) {
            *why = "only the author can reopen a ticket";
            return is_staff(t) ? 409 : 403;
        }
        if (!closed_status(k->status)) {
            *why = "only a resolved or rejected ticket can be reopened";
            return 409;
        }
        if (clock_now() >= k->closed_at + (int64_t)t->api->tickets.reopen_days * DAY) {
            *why = "the time to reopen this ticket is over; file a new one";
            return 409;
        }
        return 0;
    }
    if (!is_staff(t)) {
        *why = "only the land office's staff can change this";
        return 403;
    }
    if (closed_status(k->status)) {
        *why = "the ticket is closed; its author may reopen it";
        return 409;
    }
    if (strcmp(k->status, to) == 0) {
        *why = "the ticket already has this status";
        return 409;
    }
    return 0;
}

void api_h_ticket_patch(void *td, h2o_req_t *req, const struct http_route *r,
                        const struct http_args *a)
{
    static const char *const allowed[] = {"status", "reason", "assignee", NULL};
    static const char *const titles[][2] = {
        {"in_progress", " đang được xử lý — is being handled"},
        {"resolved", " đã được giải quyết — is resolved"},
        {"rejected", " bị từ chối — is rejected"},
    };
    struct api_thread *t = td;
    struct ticket k = {0};
    struct api_body f;
    struct buf reason = BUF_INIT;
    (void)r;
    if (!api_body_open(req, allowed, &f))
        return;
    bool has_status, has_reason = json_object_get(f.body, "reason") &&
                                  !json_is_null(json_object_get(f.body, "reason"));
    const char *status = api_body_text(&f, "status", &has_status);
    bool has_assignee = json_object_get(f.body, "assignee") != NULL;
    int64_t assignee = 0;
    if (has_status && status && !one_of(status, STATUSES))
        api_body_bad(&f, "status", "invalid", "must be open, in_progress, resolved or rejected");
    if (!status && !has_assignee)
        api_body_bad(&f, "status", "required", "give a status, an assignee or both");
    if (has_reason && api_body_written(&f, "reason", REASON_MAX, true, &reason) &&
        !(status && closed_status(status)))
        api_body_bad(&f, "reason", "not-allowed", "a reason goes with resolved or rejected");
    if (status && strcmp(status, "rejected") == 0 && !has_reason)
        api_body_bad(&f, "reason", "required", "say why the ticket is rejected");
    if (!load_ticket(t, req, a->v[0].i, &k))
        goto out;
    if (has_assignee && !is_staff(t)) {
        http_problem(req, 403, "forbidden", "only the land office's staff can assign tickets");
        goto out;
    }
    if (has_assignee)
        assignee_member(t, &f, &assignee);
    if (api_body_failed(req, &f))
        goto out;
    const char *why = NULL;
    int refuse = status ? transition(t, &k, status, &why) : 0;
    if (!refuse && has_assignee && !status && closed_status(k.status)) {
        refuse = 409;
        why = "the ticket is closed";
    }
    if (refuse) {
        http_problem(req, refuse, refuse == 403 ? "forbidden" : "invalid-transition",
                     "%s (the ticket is %s)", why, k.status);
        goto out;
    }
    bool reassigned = has_assignee && assignee != k.assignee;
    int rc = 0;
    if (status) {
        rc = set_status(t, &k, status, reason.len ? buf_cstr(&reason) : NULL,
                        has_assignee ? STORE_TICKET_ASSIGNEE : 0, has_assignee ? assignee : 0);
    } else if (reassigned) {
        struct store_ticket st = {.id = k.id, .assignee = assignee, .updated_at = clock_now()};
        rc = store_ticket_update(t->portal, &st, STORE_TICKET_ASSIGNEE);
    }
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    const char *what = NULL;
    for (size_t i = 0; status && i < sizeof titles / sizeof titles[0]; i++)
        if (strcmp(titles[i][0], status) == 0)
            what = titles[i][1];
    if (!what && reassigned && assignee)
        what = " đã được giao cho cán bộ xử lý — is assigned to staff";
    if (what)
        notify_author(t, &k, what, reason.len ? buf_cstr(&reason) : NULL);
    send_ticket(t, req, k.id, 200);
out:
    buf_free(&reason);
    ticket_free(&k);
    api_body_close(&f);
}
