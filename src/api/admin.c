/* admin — what administrators do with customers (search, view, lock, role,
 * plan, forced password reset), the audit log, plans and upgrade requests,
 * disclosures to competent authorities; and the user's side of upgrades and
 * of "who looked at my data".
 *
 * Only the gate's API_ADMIN routes reach the admin handlers. Every look at a
 * customer and every change is written to the audit log before the answer
 * goes out: when the entry cannot be written, the answer is an error. */
#include "api/portal.h"
#include "api/routes.h"

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/problem.h"
#include "http/respond.h"
#include "text/text.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_MAX 9007199254740991.0
#define PAGE_MAX 200
#define EXPIRE_EVERY 60 /* seconds between sweeps for ended plans */

const struct http_param api_p_admin_users[] = {
    {"q", HTTP_PARAM_STRING, HTTP_IN_QUERY, false, 0, 0, 1, 100,
     "Words of the name (with or without diacritics) or digits of the phone"},
    {"role", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 4, 5, "user, staff or admin"},
    {"after", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 0, ID_MAX, 0, 0, "Ids greater than this"},
    {"limit", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, PAGE_MAX, 0, 0, "Page size"},
    {NULL},
};
const struct http_param api_p_admin_id[] = {
    {"id", HTTP_PARAM_INT, HTTP_IN_PATH, true, 1, ID_MAX, 0, 0, "Id"},
    {NULL},
};
const struct http_param api_p_admin_code[] = {
    {"code", HTTP_PARAM_CODE, HTTP_IN_PATH, true, 0, 0, 1, 20, "Plan code"},
    {NULL},
};
const struct http_param api_p_admin_audit[] = {
    {"actor", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 0, ID_MAX, 0, 0, "Account that acted"},
    {"subject", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 0, ID_MAX, 0, 0, "Account concerned"},
    {"action", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 40,
     "Action code, or a prefix ending in '.'"},
    {"from", HTTP_PARAM_STRING, HTTP_IN_QUERY, false, 0, 0, 10, 25, "From this date (UTC)"},
    {"to", HTTP_PARAM_STRING, HTTP_IN_QUERY, false, 0, 0, 10, 25, "Before this date (UTC)"},
    {"before", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, ID_MAX, 0, 0, "Ids less than this"},
    {"limit", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, PAGE_MAX, 0, 0, "Page size"},
    {NULL},
};
const struct http_param api_p_admin_upgrades[] = {
    {"status", HTTP_PARAM_CODE, HTTP_IN_QUERY, false, 0, 0, 1, 12,
     "pending, approved, declined or withdrawn"},
    {"before", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, ID_MAX, 0, 0, "Ids less than this"},
    {"limit", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, PAGE_MAX, 0, 0, "Page size"},
    {NULL},
};
const struct http_param api_p_admin_disclosures[] = {
    {"subject", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, ID_MAX, 0, 0, "Account concerned"},
    {"before", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, ID_MAX, 0, 0, "Ids less than this"},
    {"limit", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, PAGE_MAX, 0, 0, "Page size"},
    {NULL},
};
const struct http_param api_p_page[] = {
    {"before", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, ID_MAX, 0, 0, "Ids less than this"},
    {"limit", HTTP_PARAM_INT, HTTP_IN_QUERY, false, 1, PAGE_MAX, 0, 0, "Page size"},
    {NULL},
};

static int limit_of(const struct http_value *v, int def)
{
    return v->set ? (int)v->i : def;
}

/* An optional text a person wrote (api_body_written's rules) into out: NULL
 * when the member is absent, null or blank, or has a field error. */
static const char *written_or_null(struct api_body *f, const char *name, size_t max,
                                   bool multiline, struct buf *out)
{
    const char *s = api_body_text(f, name, NULL);
    size_t n = 0;
    if (!s || !text_trim(s, strlen(s), &n) || n == 0)
        return NULL;
    return api_body_written(f, name, max, multiline, out) ? buf_cstr(out) : NULL;
}

/* An audit entry of the current caller that must land before we answer. */
static bool audited(struct api_thread *t, h2o_req_t *req, const char *action, int64_t subject,
                    int64_t object, const char *reason)
{
    if (api_audit(t, action, subject, object, reason) == 0)
        return true;
    http_problem_err(req, LIS_EIO, "the audit log could not be written");
    return false;
}

/* ---------------------------------------------------------------- customers */

/* An account as the admin sees it: the granted plan, and whether it is locked. */
static json_t *customer_json(struct api_thread *t, const struct api_user *u)
{
    json_t *o = api_account_json(t, u, u->plan);
    json_object_set_new(o, "locked", json_boolean(u->locked));
    return o;
}

struct user_list {
    struct api_thread *t;
    json_t *list;
    int64_t last;
    int n;
};

static int on_listed_user(void *ctx, const struct store_user *s)
{
    struct user_list *l = ctx;
    struct api_user u = {0};
    api_user_copy(&u, s);
    json_array_append_new(l->list, customer_json(l->t, &u));
    api_user_free(&u);
    l->last = s->id;
    l->n++;
    return 0;
}

void api_h_admin_users(void *td, h2o_req_t *req, const struct http_route *r,
                       const struct http_args *a)
{
    struct api_thread *t = td;
    struct buf words = BUF_INIT;
    char digits[24] = "";
    (void)r;
    struct store_user_filter f = {.limit = limit_of(&a->v[3], 50) + 1,
                                  .after = a->v[2].set ? a->v[2].i : 0};
    if (a->v[0].set) {
        /* digits only (and phone punctuation): a phone search; else name words */
        const char *q = a->v[0].s;
        size_t n = 0;
        bool phone = true;
        for (const char *c = q; *c && phone; c++) {
            if (isdigit((unsigned char)*c) && n < sizeof digits - 1)
                digits[n++] = *c;
            else if (!strchr(" +-.()", *c))
                phone = false;
        }
        digits[n] = '\0';
        if (phone && n >= 3) {
            /* +84 / 84 / 0 prefixes are all the same national number */
            const char *d = digits;
            if (!strncmp(d, "84", 2) && n > 9)
                d += 2;
            else if (d[0] == '0')
                d += 1;
            memmove(digits, d, strlen(d) + 1);
            f.digits = digits;
        } else {
            text_fold(q, a->v[0].len, &words);
            if (!words.len) {
                http_problem(req, 400, "invalid-parameter", "q: give name words or phone digits");
                goto out;
            }
            f.words = buf_cstr(&words);
        }
    }
    if (a->v[1].set) {
        const char *role = a->v[1].s;
        if (strcmp(role, "user") && strcmp(role, "staff") && strcmp(role, "admin")) {
            http_problem(req, 400, "invalid-parameter", "role: user, staff or admin");
            goto out;
        }
        f.role = role;
    }
    struct user_list l = {t, json_array(), 0, 0};
    int rc = store_users_search(t->portal, &f, on_listed_user, &l);
    if (rc < 0) {
        json_decref(l.list);
        api_store_error(t, req, rc);
        goto out;
    }
    bool more = l.n == f.limit;
    if (more)
        json_array_remove(l.list, json_array_size(l.list) - 1);
    int64_t next = 0;
    if (more)
        next = json_integer_value(
            json_object_get(json_array_get(l.list, json_array_size(l.list) - 1), "id"));
    /* a list of customers is a look at each one's data */
    size_t i;
    json_t *row;
    json_array_foreach(l.list, i, row) {
        if (!audited(t, req, "customer.list", json_integer_value(json_object_get(row, "id")), 0,
                     "admin")) {
            json_decref(l.list);
            goto out;
        }
    }
    json_t *doc = json_pack("{s:o}", "users", l.list);
    json_object_set_new(doc, "next", more ? json_integer(next) : json_null());
    http_send_private(req, 200, doc);
out:
    buf_free(&words);
}

static int on_upgrade_row(void *ctx, const struct store_upgrade *u);

struct upgrade_list {
    struct api_thread *t;
    json_t *list;
    bool with_user;
};

void api_h_admin_user(void *td, h2o_req_t *req, const struct http_route *r,
                      const struct http_args *a)
{
    struct api_thread *t = td;
    struct api_user u = {0};
    (void)r;
    int64_t id = a->v[0].i;
    int rc = store_user_get(t->portal, id, api_user_copy, &u);
    if (rc == LIS_ENOTFOUND || (rc >= 0 && (!u.found || u.closed_at))) {
        http_problem(req, 404, "not-found", "no open account has id %" PRId64, id);
        goto out;
    }
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    json_t *doc = customer_json(t, &u);
    struct upgrade_list ul = {t, json_array(), false};
    store_upgrades(t->portal, id, NULL, 0, 20, on_upgrade_row, &ul);
    json_object_set_new(doc, "upgrades", ul.list);
    if (!audited(t, req, "customer.view", id, 0, "admin")) {
        json_decref(doc);
        goto out;
    }
    http_send_private(req, 200, doc);
out:
    api_user_free(&u);
}

void api_h_admin_user_patch(void *td, h2o_req_t *req, const struct http_route *r,
                            const struct http_args *a)
{
    static const char *const allowed[] = {"locked", "role", "plan", "plan_until", "must_reset",
                                          NULL};
    struct api_thread *t = td;
    struct api_body f;
    struct api_user u = {0};
    struct api_plan p = {0};
    (void)r;
    int64_t id = a->v[0].i, now = clock_now();
    if (!api_body_open(req, allowed, &f))
        return;
    int rc = store_user_get(t->portal, id, api_user_copy, &u);
    if (rc == LIS_ENOTFOUND || (rc >= 0 && (!u.found || u.closed_at))) {
        http_problem(req, 404, "not-found", "no open account has id %" PRId64, id);
        goto out;
    }
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    struct store_user su = {.id = id, .updated_at = now};
    unsigned fields = 0;
    json_t *v;
    if ((v = json_object_get(f.body, "locked"))) {
        if (!json_is_boolean(v))
            api_body_bad(&f, "locked", "invalid", "true or false");
        else if (json_is_true(v) != u.locked) {
            su.locked = json_is_true(v);
            fields |= STORE_USER_LOCKED;
        }
    }
    if ((v = json_object_get(f.body, "must_reset"))) {
        if (!json_is_boolean(v))
            api_body_bad(&f, "must_reset", "invalid", "true or false");
        else if (json_is_true(v) != u.must_reset) {
            su.must_reset = json_is_true(v);
            fields |= STORE_USER_MUST_RESET;
        }
    }
    const char *role = api_body_text(&f, "role", NULL);
    if (role && strcmp(role, "user") && strcmp(role, "staff") && strcmp(role, "admin"))
        api_body_bad(&f, "role", "invalid", "user, staff or admin");
    else if (role && id == t->who.user_id && strcmp(role, "admin"))
        api_body_bad(&f, "role", "self", "an administrator cannot take their own admin role");
    else if (role && strcmp(role, u.role)) {
        su.role = role;
        fields |= STORE_USER_ROLE;
    }
    if (id == t->who.user_id && (fields & STORE_USER_LOCKED) && su.locked)
        api_body_bad(&f, "locked", "self", "an administrator cannot lock their own account");
    bool has_plan, has_until;
    const char *plan = api_body_text(&f, "plan", &has_plan);
    const char *until = api_body_text(&f, "plan_until", &has_until);
    if (has_plan || has_until) {
        su.plan = plan ? plan : u.plan;
        su.plan_until = 0;
        if (store_plan_get(t->portal, su.plan, api_plan_copy, &p) < 0 || !p.found)
            api_body_bad(&f, "plan", "unknown", "no such plan");
        if (until && (clock_parse_until(until, &su.plan_until) != 0 || su.plan_until <= now))
            api_body_bad(&f, "plan_until", "invalid", "a future date, YYYY-MM-DD");
        fields |= STORE_USER_PLAN;
    }
    if (api_body_failed(req, &f))
        goto out;
    if (fields) {
        rc = store_user_update(t->portal, &su, fields);
        /* a new role or a lock takes effect at once: the sessions end */
        if (rc >= 0 && (fields & (STORE_USER_ROLE | STORE_USER_LOCKED)))
            rc = store_sessions_end(t->portal, id, NULL, NULL);
        if (rc < 0) {
            api_store_error(t, req, rc);
            goto out;
        }
        if (((fields & STORE_USER_LOCKED) &&
             !audited(t, req, su.locked ? "user.lock" : "user.unlock", id, 0, "admin")) ||
            ((fields & STORE_USER_ROLE) && !audited(t, req, "user.role", id, 0, su.role)) ||
            ((fields & STORE_USER_PLAN) && !audited(t, req, "user.plan", id, 0, su.plan)) ||
            ((fields & STORE_USER_MUST_RESET) &&
             !audited(t, req, "user.must_reset", id, 0, su.must_reset ? "set" : "cleared")))
            goto out;
        if (fields & STORE_USER_PLAN) {
            char body[512], audience[32];
            snprintf(body, sizeof body,
                     "Gói dịch vụ của bạn nay là \"%s\". — Your plan is now \"%s\".", p.name_vi,
                     p.name_en);
            snprintf(audience, sizeof audience, "user:%" PRId64, id);
            api_notify(t, "upgrade", audience, false, "Gói dịch vụ — Service plan", body, 0);
        }
    }
    api_user_free(&u);
    store_user_get(t->portal, id, api_user_copy, &u);
    http_send_private(req, 200, customer_json(t, &u));
out:
    api_plan_free(&p);
    api_user_free(&u);
    api_body_close(&f);
}

/* ---------------------------------------------------------------- audit log */

struct audit_list {
    json_t *list;
    int64_t last;
    int n;
    int64_t skip_actor; /* "who accessed my data": leave out the user's own acts */
};

static int on_audit(void *ctx, const struct store_audit *e)
{
    struct audit_list *l = ctx;
    l->last = e->id;
    l->n++;
    if (l->skip_actor && e->actor == l->skip_actor)
        return 0;
    json_t *o = json_object();
    if (!l->skip_actor) {
        json_object_set_new(o, "id", json_integer(e->id));
        json_object_set_new(o, "actor", json_integer(e->actor));
    }
    api_json_time(e->at, o, "at");
    json_object_set_new(o, l->skip_actor ? "role" : "actor_role", json_string(e->actor_role));
    json_object_set_new(o, "action", json_string(e->action));
    if (!l->skip_actor)
        json_object_set_new(o, "subject", json_integer(e->subject));
    json_object_set_new(o, "object", e->object ? json_integer(e->object) : json_null());
    json_object_set_new(o, "reason", api_json_or_null(e->reason));
    json_array_append_new(l->list, o);
    return 0;
}

/* Answer {"entries":[...],"next":id|null} for the entries matching f;
 * skip_actor: the user's own view (their own acts left out, no ids). */
static void send_audit(struct api_thread *t, h2o_req_t *req, const struct store_audit_filter *f,
                       int64_t skip_actor)
{
    struct audit_list l = {json_array(), 0, 0, skip_actor};
    int rc = store_audit_list(t->portal, f, on_audit, &l);
    if (rc < 0) {
        json_decref(l.list);
        api_store_error(t, req, rc);
        return;
    }
    json_t *doc = json_pack("{s:o}", "entries", l.list);
    json_object_set_new(doc, "next", l.n == f->limit ? json_integer(l.last) : json_null());
    http_send_private(req, 200, doc);
}

static bool parse_day(h2o_req_t *req, const char *name, const struct http_value *v, int64_t *t)
{
    if (!v->set)
        return true;
    if (clock_parse(v->s, t) != 0) {
        http_problem(req, 400, "invalid-parameter", "%s: a date, YYYY-MM-DD", name);
        return false;
    }
    return true;
}

void api_h_admin_audit(void *td, h2o_req_t *req, const struct http_route *r,
                       const struct http_args *a)
{
    struct api_thread *t = td;
    (void)r;
    struct store_audit_filter f = {
        .actor = a->v[0].set ? a->v[0].i : 0,
        .subject = a->v[1].set ? a->v[1].i : 0,
        .action = a->v[2].set ? a->v[2].s : NULL,
        .before = a->v[5].set ? a->v[5].i : 0,
        .limit = limit_of(&a->v[6], 100),
    };
    if (!parse_day(req, "from", &a->v[3], &f.from) || !parse_day(req, "to", &a->v[4], &f.to))
        return;
    send_audit(t, req, &f, 0);
}

void api_h_my_access(void *td, h2o_req_t *req, const struct http_route *r,
                     const struct http_args *a)
{
    struct api_thread *t = td;
    (void)r;
    struct store_audit_filter f = {
        .subject = t->who.user_id,
        .before = a->v[0].set ? a->v[0].i : 0,
        .limit = limit_of(&a->v[1], 100),
    };
    send_audit(t, req, &f, t->who.user_id);
}

/* -------------------------------------------------------------------- plans */

void api_h_admin_plan_put(void *td, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a)
{
    static const char *const allowed[] = {"name_vi", "name_en", "daily_views", "watch_max",
                                          "features", NULL};
    struct api_thread *t = td;
    struct api_body f;
    struct buf name_vi = BUF_INIT, name_en = BUF_INIT;
    (void)r;
    if (!api_body_open(req, allowed, &f))
        return;
    /* names: trimmed, one line of 1-80 characters */
    api_body_written(&f, "name_vi", 80, false, &name_vi);
    api_body_written(&f, "name_en", 80, false, &name_en);
    const char *vi = buf_cstr(&name_vi), *en = buf_cstr(&name_en);
    const char *features = api_body_text(&f, "features", NULL);
    json_t *dv = json_object_get(f.body, "daily_views");
    json_t *wm = json_object_get(f.body, "watch_max");
    if (!json_is_integer(dv) || json_integer_value(dv) < -1 || json_integer_value(dv) > 1000000)
        api_body_bad(&f, "daily_views", "invalid", "a whole number from -1 (no limit) up");
    if (!json_is_integer(wm) || json_integer_value(wm) < 0 || json_integer_value(wm) > 100000)
        api_body_bad(&f, "watch_max", "invalid", "a whole number from 0 up");
    if (features) {
        for (const char *c = features; *c; c++)
            if (!islower((unsigned char)*c) && *c != ',' && *c != '_') {
                api_body_bad(&f, "features", "invalid", "comma-separated words, e.g. extract,watch");
                break;
            }
    }
    if (api_body_failed(req, &f))
        goto out;
    struct store_plan p = {a->v[0].s, vi, en, (int)json_integer_value(dv),
                           (int)json_integer_value(wm), features ? features : ""};
    int rc = store_plan_put(t->portal, &p);
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    if (!audited(t, req, "plan.set", 0, 0, p.code))
        goto out;
    http_send_private(req, 200,
                      json_pack("{s:s, s:s, s:s, s:i, s:i, s:s}", "code", p.code, "name_vi",
                                p.name_vi, "name_en", p.name_en, "daily_views", p.daily_views,
                                "watch_max", p.watch_max, "features", p.features));
out:
    buf_free(&name_vi);
    buf_free(&name_en);
    api_body_close(&f);
}

/* ------------------------------------------------------- upgrade requests */

static int on_upgrade_row(void *ctx, const struct store_upgrade *u)
{
    struct upgrade_list *l = ctx;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(u->id));
    if (l->with_user) {
        /* the admin sees the requester's name: a look at their data */
        if (api_audit(l->t, "customer.list", u->user_id, u->id, "upgrades") < 0)
            return LIS_EIO;
        struct api_user who = {0};
        store_user_get(l->t->portal, u->user_id, api_user_copy, &who);
        json_object_set_new(o, "user", json_pack("{s:I, s:o}", "id", (json_int_t)u->user_id,
                                                 "name", api_json_or_null(who.name)));
        api_user_free(&who);
    }
    json_object_set_new(o, "plan", json_string(u->plan));
    json_object_set_new(o, "reason", api_json_or_null(u->reason));
    json_object_set_new(o, "status", json_string(u->status));
    api_json_time(u->created_at, o, "created_at");
    api_json_time(u->decided_at, o, "decided_at");
    api_json_time(u->until, o, "until");
    json_object_set_new(o, "decision", api_json_or_null(u->decision));
    json_array_append_new(l->list, o);
    return 0;
}

static void send_upgrades(struct api_thread *t, h2o_req_t *req, int64_t user, const char *status,
                          int64_t before, int limit)
{
    struct upgrade_list l = {t, json_array(), user == 0};
    int rc = store_upgrades(t->portal, user, status, before, limit, on_upgrade_row, &l);
    if (rc < 0) {
        json_decref(l.list);
        api_store_error(t, req, rc);
        return;
    }
    http_send_private(req, 200, json_pack("{s:o}", "upgrades", l.list));
}

void api_h_admin_upgrades(void *td, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a)
{
    struct api_thread *t = td;
    (void)r;
    const char *status = a->v[0].set ? a->v[0].s : NULL;
    if (status && strcmp(status, "pending") && strcmp(status, "approved") &&
        strcmp(status, "declined") && strcmp(status, "withdrawn")) {
        http_problem(req, 400, "invalid-parameter",
                     "status: pending, approved, declined or withdrawn");
        return;
    }
    send_upgrades(t, req, 0, status, a->v[1].set ? a->v[1].i : 0, limit_of(&a->v[2], 50));
}

void api_h_my_upgrades(void *td, h2o_req_t *req, const struct http_route *r,
                       const struct http_args *a)
{
    struct api_thread *t = td;
    (void)r, (void)a;
    send_upgrades(t, req, t->who.user_id, NULL, 0, PAGE_MAX);
}

struct one_upgrade {
    bool found;
    struct store_upgrade u;
    char plan[24];
};

static int on_one_upgrade(void *ctx, const struct store_upgrade *u)
{
    struct one_upgrade *o = ctx;
    o->found = true;
    o->u = *u;
    snprintf(o->plan, sizeof o->plan, "%s", u->plan);
    o->u.plan = o->plan;
    o->u.reason = o->u.decision = o->u.status = NULL; /* not kept past the callback */
    return 0;
}

void api_h_my_upgrade_add(void *td, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a)
{
    static const char *const allowed[] = {"plan", "reason", NULL};
    struct api_thread *t = td;
    struct api_body f;
    struct api_plan p = {0};
    struct buf why = BUF_INIT;
    (void)r, (void)a;
    if (!api_body_open(req, allowed, &f))
        return;
    const char *plan = api_body_text(&f, "plan", NULL);
    const char *reason = written_or_null(&f, "reason", 1000, true, &why);
    bool known = false;
    if (plan && store_plan_get(t->portal, plan, api_plan_copy, &p) >= 0 && p.found)
        known = true;
    if (!plan)
        api_body_bad(&f, "plan", "required", "choose a plan");
    else if (!known)
        api_body_bad(&f, "plan", "unknown", "no such plan");
    else if (!strcmp(plan, t->who.plan))
        api_body_bad(&f, "plan", "current", "this is already your plan");
    if (api_body_failed(req, &f))
        goto out;
    struct store_upgrade u = {.user_id = t->who.user_id,
                              .plan = plan,
                              .reason = reason,
                              .status = "pending",
                              .created_at = clock_now()};
    int64_t id = store_upgrade_create(t->portal, &u);
    if (id == LIS_ECONFLICT) {
        http_problem(req, 409, "upgrade-pending",
                     "you already have a request waiting for an answer");
        goto out;
    }
    if (id < 0) {
        api_store_error(t, req, (int)id);
        goto out;
    }
    struct upgrade_list l = {t, json_array(), false};
    store_upgrade_get(t->portal, id, on_upgrade_row, &l);
    json_t *doc = json_incref(json_array_get(l.list, 0));
    json_decref(l.list);
    http_send_private(req, 201, doc ? doc : json_pack("{s:I}", "id", (json_int_t)id));
out:
    buf_free(&why);
    api_plan_free(&p);
    api_body_close(&f);
}

void api_h_admin_upgrade_decide(void *td, h2o_req_t *req, const struct http_route *r,
                                const struct http_args *a)
{
    static const char *const allowed[] = {"decision", "until", "reason", NULL};
    struct api_thread *t = td;
    struct api_body f;
    struct api_plan p = {0};
    struct one_upgrade one = {0};
    struct buf why = BUF_INIT;
    (void)r;
    int64_t id = a->v[0].i, now = clock_now();
    if (!api_body_open(req, allowed, &f))
        return;
    int rc = store_upgrade_get(t->portal, id, on_one_upgrade, &one);
    if (rc == LIS_ENOTFOUND || (rc >= 0 && !one.found)) {
        http_problem(req, 404, "not-found", "no upgrade request has id %" PRId64, id);
        goto out;
    }
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    const char *decision = api_body_text(&f, "decision", NULL);
    const char *until = api_body_text(&f, "until", NULL);
    const char *reason = written_or_null(&f, "reason", 1000, true, &why);
    bool approve = decision && !strcmp(decision, "approve");
    bool decline = decision && !strcmp(decision, "decline");
    int64_t until_t = 0;
    if (!approve && !decline)
        api_body_bad(&f, "decision", decision ? "invalid" : "required", "approve or decline");
    if (until && (clock_parse_until(until, &until_t) != 0 || until_t <= now))
        api_body_bad(&f, "until", "invalid", "a future date, YYYY-MM-DD");
    if (decline && !reason)
        api_body_bad(&f, "reason", "required", "say why the request is declined");
    if (api_body_failed(req, &f))
        goto out;
    struct store_upgrade d = {.id = id,
                              .status = approve ? "approved" : "declined",
                              .decided_at = now,
                              .decided_by = t->who.user_id,
                              .until = approve ? until_t : 0,
                              .decision = reason};
    rc = store_upgrade_decide(t->portal, &d);
    if (rc == LIS_ECONFLICT) {
        http_problem(req, 409, "already-decided", "this request has been answered already");
        goto out;
    }
    if (rc >= 0 && approve) {
        struct store_user su = {.id = one.u.user_id, .plan = one.plan, .plan_until = until_t,
                                .updated_at = now};
        rc = store_user_update(t->portal, &su, STORE_USER_PLAN);
    }
    if (rc < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    if (!audited(t, req, approve ? "upgrade.approve" : "upgrade.decline", one.u.user_id, id,
                 one.plan))
        goto out;
    api_plan_load(t->portal, one.plan, &p);
    char audience[32], body[1400], end[32] = "";
    snprintf(audience, sizeof audience, "user:%" PRId64, one.u.user_id);
    if (until_t)
        clock_iso(until_t, end);
    if (approve)
        snprintf(body, sizeof body,
                 "Yêu cầu nâng cấp lên gói \"%s\" đã được chấp thuận%s%.10s. — Your request "
                 "for the \"%s\" plan was approved%s%.10s.",
                 p.name_vi, until_t ? " đến ngày " : "", end, p.name_en,
                 until_t ? " until " : "", end);
    else
        snprintf(body, sizeof body,
                 "Yêu cầu nâng cấp lên gói \"%s\" không được chấp thuận: %s — Your request for "
                 "the \"%s\" plan was declined: %s",
                 p.name_vi, reason, p.name_en, reason);
    api_notify(t, "upgrade", audience, false, "Yêu cầu nâng cấp — Upgrade request", body, id);
    struct upgrade_list l = {t, json_array(), true};
    store_upgrade_get(t->portal, id, on_upgrade_row, &l);
    json_t *doc = json_incref(json_array_get(l.list, 0));
    json_decref(l.list);
    http_send_private(req, 200, doc ? doc : json_pack("{s:I}", "id", (json_int_t)id));
out:
    buf_free(&why);
    api_plan_free(&p);
    api_body_close(&f);
}

/* Plans whose end has passed go back to "free" by themselves; the user is
 * told. Called from the loops' tick; runs at most once a minute on loop 0. */
struct expired {
    struct api_thread *t;
};

static int on_expired(void *ctx, const struct store_user *u)
{
    struct expired *e = ctx;
    struct store_audit a = {.at = clock_now(), .actor = 0, .actor_role = "system",
                            .action = "user.plan", .subject = u->id, .reason = "expired"};
    store_audit_add(e->t->portal, &a);
    char audience[32];
    snprintf(audience, sizeof audience, "user:%" PRId64, u->id);
    api_notify(e->t, "upgrade", audience, false, "Gói dịch vụ đã hết hạn — Plan ended",
               "Gói dịch vụ của bạn đã hết hạn; tài khoản trở về gói Miễn phí. Bạn có thể yêu "
               "cầu gia hạn. — Your plan has ended and the account is back on the Free plan. "
               "You may ask for a renewal.",
               0);
    return 0;
}

void api_admin_tick(struct api_thread *t, int64_t *last)
{
    int64_t now = clock_now(), n = 0;
    if (now - *last < EXPIRE_EVERY && *last <= now)
        return;
    *last = now;
    struct expired e = {t};
    if (store_plans_expire(t->portal, now, on_expired, &e, &n) < 0)
        log_warn("plans: %s", store_errmsg(t->portal));
    else if (n)
        log_info("plans: %lld ended, back on the free plan", (long long)n);
}

/* -------------------------------------------------------------- disclosures */

static json_t *disclosure_json(const struct store_disclosure *d)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)d->id,
                          "admin", (json_int_t)d->admin_id, "subject", (json_int_t)d->subject,
                          "authority", d->authority, "document", d->document, "document_date",
                          d->document_date, "legal_basis", d->legal_basis);
    api_json_time(d->created_at, o, "created_at");
    api_json_time(d->exported_at, o, "exported_at");
    return o;
}

static int on_disclosure(void *ctx, const struct store_disclosure *d)
{
    json_array_append_new(ctx, disclosure_json(d));
    return 0;
}

void api_h_admin_disclosure_add(void *td, h2o_req_t *req, const struct http_route *r,
                                const struct http_args *a)
{
    static const char *const allowed[] = {"subject",       "authority",   "document",
                                          "document_date", "legal_basis", NULL};
    static const char *const texts[] = {"authority", "document", "legal_basis"};
    struct api_thread *t = td;
    struct api_body f;
    struct api_user u = {0};
    struct buf bufs[3] = {BUF_INIT, BUF_INIT, BUF_INIT};
    (void)r, (void)a;
    if (!api_body_open(req, allowed, &f))
        return;
    json_t *subject = json_object_get(f.body, "subject");
    const char *vals[3];
    for (int i = 0; i < 3; i++) {
        /* one line each: the export shows them one to a line */
        api_body_written(&f, texts[i], 500, false, &bufs[i]);
        vals[i] = buf_cstr(&bufs[i]);
    }
    const char *date = api_body_text(&f, "document_date", NULL);
    int64_t dt;
    if (!date || strlen(date) != 10 || clock_parse(date, &dt) != 0 || dt > clock_now())
        api_body_bad(&f, "document_date", date ? "invalid" : "required",
                     "the request's date, YYYY-MM-DD, not in the future");
    int64_t sid = json_is_integer(subject) ? json_integer_value(subject) : 0;
    if (sid <= 0)
        api_body_bad(&f, "subject", "required", "the account whose data is requested");
    else if (store_user_get(t->portal, sid, api_user_copy, &u) < 0 || !u.found)
        api_body_bad(&f, "subject", "unknown", "no such account");
    if (api_body_failed(req, &f))
        goto out;
    struct store_disclosure d = {.admin_id = t->who.user_id,
                                 .subject = sid,
                                 .authority = vals[0],
                                 .document = vals[1],
                                 .document_date = date,
                                 .legal_basis = vals[2],
                                 .created_at = clock_now()};
    int64_t id = store_disclosure_add(t->portal, &d);
    if (id < 0) {
        api_store_error(t, req, (int)id);
        goto out;
    }
    d.id = id;
    if (!audited(t, req, "disclosure.record", sid, id, "authority-request"))
        goto out;
    http_send_private(req, 201, disclosure_json(&d));
out:
    for (int i = 0; i < 3; i++)
        buf_free(&bufs[i]);
    api_user_free(&u);
    api_body_close(&f);
}

void api_h_admin_disclosures(void *td, h2o_req_t *req, const struct http_route *r,
                             const struct http_args *a)
{
    struct api_thread *t = td;
    (void)r;
    json_t *list = json_array();
    int rc = store_disclosures(t->portal, a->v[0].set ? a->v[0].i : 0,
                               a->v[1].set ? a->v[1].i : 0, limit_of(&a->v[2], 50),
                               on_disclosure, list);
    if (rc < 0) {
        json_decref(list);
        api_store_error(t, req, rc);
        return;
    }
    http_send_private(req, 200, json_pack("{s:o}", "disclosures", list));
}

/* The disclosure export: plain text a person can read, Vietnamese and English. */
struct export_text {
    struct buf *b;
    int n;
};

static void line(struct buf *b, const char *label, const char *value)
{
    /* labels padded to one column by characters, not bytes (Vietnamese) */
    size_t n = text_utf8_len(label, strlen(label));
    buf_appendf(b, "  %s%*s %s\n", label, n < 40 ? (int)(40 - n) : 0, "",
                value && *value ? value : "—");
}

static void time_line(struct buf *b, const char *label, int64_t t)
{
    char s[32] = "";
    if (t > 0)
        clock_iso(t, s);
    line(b, label, s);
}

static int on_export_ticket(void *ctx, const struct store_ticket *tk)
{
    struct export_text *e = ctx;
    char when[32];
    clock_iso(tk->created_at, when);
    buf_appendf(e->b, "  #%" PRId64 " %s, %s, %s: %s\n", tk->id, when, tk->kind, tk->status,
                tk->subject);
    e->n++;
    return 0;
}

static int on_export_upgrade(void *ctx, const struct store_upgrade *u)
{
    struct export_text *e = ctx;
    char when[32];
    clock_iso(u->created_at, when);
    buf_appendf(e->b, "  #%" PRId64 " %s, %s, %s\n", u->id, when, u->plan, u->status);
    e->n++;
    return 0;
}

static int on_export_audit(void *ctx, const struct store_audit *a)
{
    struct export_text *e = ctx;
    char when[32];
    clock_iso(a->at, when);
    buf_appendf(e->b, "  %s  %-8s %-20s %s\n", when, a->actor_role, a->action,
                a->reason ? a->reason : "");
    e->n++;
    return 0;
}

struct one_disclosure {
    bool found;
    int64_t subject, created_at, admin;
    char *authority, *document, *date, *basis;
};

static int on_one_disclosure(void *ctx, const struct store_disclosure *d)
{
    struct one_disclosure *o = ctx;
    o->found = true;
    o->subject = d->subject;
    o->created_at = d->created_at;
    o->admin = d->admin_id;
    o->authority = xstrdup(d->authority);
    o->document = xstrdup(d->document);
    o->date = xstrdup(d->document_date);
    o->basis = xstrdup(d->legal_basis);
    return 0;
}

void api_h_admin_disclosure_export(void *td, h2o_req_t *req, const struct http_route *r,
                                   const struct http_args *a)
{
    struct api_thread *t = td;
    struct one_disclosure d = {0};
    struct api_user u = {0};
    struct buf b = BUF_INIT;
    (void)r;
    int64_t id = a->v[0].i, now = clock_now();
    int rc = store_disclosure_get(t->portal, id, on_one_disclosure, &d);
    if (rc == LIS_ENOTFOUND || (rc >= 0 && !d.found)) {
        http_problem(req, 404, "not-found", "no disclosure has id %" PRId64, id);
        goto out;
    }
    if (rc < 0 || (rc = store_user_get(t->portal, d.subject, api_user_copy, &u)) < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    char n[32];
    buf_puts(&b, "LIS — CUNG CẤP THÔNG TIN CHO CƠ QUAN CÓ THẨM QUYỀN\n"
                 "LIS — DISCLOSURE TO A COMPETENT AUTHORITY\n\n");
    snprintf(n, sizeof n, "%" PRId64, id);
    line(&b, "Số / Disclosure no.:", n);
    line(&b, "Cơ quan / Authority:", d.authority);
    line(&b, "Văn bản / Request document:", d.document);
    line(&b, "Ngày văn bản / Document date:", d.date);
    line(&b, "Căn cứ pháp lý / Legal basis:", d.basis);
    snprintf(n, sizeof n, "#%" PRId64, d.admin);
    line(&b, "Ghi nhận bởi / Recorded by:", n);
    time_line(&b, "Ghi nhận lúc / Recorded at:", d.created_at);
    time_line(&b, "Xuất lúc / Exported at:", now);
    snprintf(n, sizeof n, "%" PRId64, u.id);
    buf_puts(&b, "\nNGƯỜI ĐƯỢC YÊU CẦU / THE PERSON\n");
    line(&b, "Mã tài khoản / Account no.:", n);
    line(&b, "Họ và tên / Full name:", u.closed_at ? "(đã xoá / erased)" : u.name);
    line(&b, "Số điện thoại / Phone:", u.phone);
    line(&b, "Thư điện tử / E-mail:", u.email);
    line(&b, "Địa chỉ / Address:", u.address);
    line(&b, "Vai trò / Role:", u.role);
    line(&b, "Gói dịch vụ / Plan:", u.plan);
    time_line(&b, "Đăng ký lúc / Registered at:", u.created_at);
    time_line(&b, "Cập nhật lúc / Updated at:", u.updated_at);
    time_line(&b, "Đóng tài khoản / Closed at:", u.closed_at);
    line(&b, "Chính sách đã đồng ý / Policy accepted:", u.consent_version);
    struct export_text e = {&b, 0};
    buf_puts(&b, "\nPHẢN ÁNH, KHIẾU NẠI, TRANH CHẤP / TICKETS\n");
    struct store_ticket_filter tf = {.user_id = u.id, .limit = 1000};
    store_tickets(t->portal, &tf, on_export_ticket, &e);
    if (!e.n)
        buf_puts(&b, "  —\n");
    e.n = 0;
    buf_puts(&b, "\nYÊU CẦU NÂNG CẤP / UPGRADE REQUESTS\n");
    store_upgrades(t->portal, u.id, NULL, 0, 1000, on_export_upgrade, &e);
    if (!e.n)
        buf_puts(&b, "  —\n");
    e.n = 0;
    buf_puts(&b, "\nNHẬT KÝ TRUY CẬP DỮ LIỆU / RECORDS OF ACCESS\n");
    struct store_audit_filter af = {.subject = u.id, .limit = 1000};
    store_audit_list(t->portal, &af, on_export_audit, &e);
    if (!e.n)
        buf_puts(&b, "  —\n");
    if ((rc = store_disclosure_exported(t->portal, id, now)) < 0) {
        api_store_error(t, req, rc);
        goto out;
    }
    if (!audited(t, req, "disclosure.export", u.id, id, "authority-request"))
        goto out;
    char cd[96];
    snprintf(cd, sizeof cd, "attachment; filename=\"lis-disclosure-%" PRId64 ".txt\"", id);
    h2o_iovec_t v = h2o_strdup(&req->pool, cd, strlen(cd));
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, v.base, v.len, 1);
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"),
                   1);
    http_send_body(req, "text/plain; charset=utf-8", b.data, b.len, NULL);
out:
    free(d.authority);
    free(d.document);
    free(d.date);
    free(d.basis);
    api_user_free(&u);
    buf_free(&b);
}
