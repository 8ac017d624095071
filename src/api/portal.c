/* portal — see portal.h. */
#include "api/portal.h"

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/problem.h"
#include "text/text.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api_quota_read(struct api_thread *t, int64_t user_id, int daily, int64_t object,
                   struct api_quota *q)
{
    int64_t now = clock_now();
    memset(q, 0, sizeof *q);
    q->daily = daily;
    q->resets_at = clock_day_start(now) + 86400;
    int rc = store_audit_distinct(t->portal, user_id, "parcel.detailed", q->resets_at - 86400,
                                  object, &q->used, &q->seen);
    if (rc < 0)
        log_error("quota: %s", store_errmsg(t->portal));
    return rc < 0 ? rc : 0;
}

json_t *api_quota_json(const struct api_quota *q)
{
    json_t *o = json_pack("{s:i, s:I}", "daily", q->daily, "used", (json_int_t)q->used);
    json_object_set_new(o, "left", q->daily < 0 ? json_null()
                                   : json_integer(q->daily > q->used ? q->daily - q->used : 0));
    api_json_time(q->resets_at, o, "resets_at");
    return o;
}

json_t *api_account_json(struct api_thread *t, const struct api_user *u, const char *plan)
{
    struct api_plan p = {0};
    api_plan_load(t->portal, plan, &p);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(u->id));
    json_object_set_new(o, "name", api_json_or_null(u->name));
    json_object_set_new(o, "phone", api_json_or_null(u->phone));
    json_object_set_new(o, "email", api_json_or_null(u->email));
    json_object_set_new(o, "address", api_json_or_null(u->address));
    json_object_set_new(o, "role", json_string(u->role));
    json_object_set_new(o, "plan", api_plan_json(&p));
    api_json_time(u->plan_until, o, "plan_until");
    json_object_set_new(o, "must_reset", json_boolean(u->must_reset));
    json_t *c = json_pack("{s:o}", "version", api_json_or_null(u->consent_version));
    api_json_time(u->consent_at, c, "at");
    json_object_set_new(o, "consent", c);
    api_json_time(u->created_at, o, "created_at");
    api_json_time(u->updated_at, o, "updated_at");
    api_plan_free(&p);
    return o;
}

void api_json_time(int64_t t, json_t *o, const char *key)
{
    char s[32];
    if (t <= 0) {
        json_object_set_new(o, key, json_null());
        return;
    }
    clock_iso(t, s);
    json_object_set_new(o, key, json_string(s));
}

json_t *api_json_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* ------------------------------------------------------- accounts, copied */

char *api_dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void api_user_free(struct api_user *u)
{
    free(u->phone);
    free(u->name);
    free(u->email);
    free(u->address);
    free(u->role);
    free(u->plan);
    if (u->pw_hash) {
        sodium_memzero(u->pw_hash, strlen(u->pw_hash));
        free(u->pw_hash);
    }
    free(u->consent_version);
    memset(u, 0, sizeof *u);
}

int api_user_copy(void *ctx, const struct store_user *s)
{
    struct api_user *u = ctx;
    api_user_free(u);
    u->found = true;
    u->id = s->id;
    u->phone = api_dup_or_null(s->phone);
    u->name = api_dup_or_null(s->name);
    u->email = api_dup_or_null(s->email);
    u->address = api_dup_or_null(s->address);
    u->role = xstrdup(s->role ? s->role : "user");
    u->plan = xstrdup(s->plan ? s->plan : "free");
    u->pw_hash = api_dup_or_null(s->pw_hash);
    u->consent_version = api_dup_or_null(s->consent_version);
    u->plan_until = s->plan_until;
    u->consent_at = s->consent_at;
    u->created_at = s->created_at;
    u->updated_at = s->updated_at;
    u->closed_at = s->closed_at;
    u->locked = s->locked;
    u->must_reset = s->must_reset;
    return 0;
}

/* The plan in force for u at now: its own until plan_until, then "free". */
const char *api_plan_in_force(const struct api_user *u, int64_t now)
{
    return u->plan_until > 0 && u->plan_until <= now ? "free" : u->plan;
}

void api_plan_free(struct api_plan *p)
{
    free(p->name_vi);
    free(p->name_en);
    free(p->features);
    memset(p, 0, sizeof *p);
}

int api_plan_copy(void *ctx, const struct store_plan *s)
{
    struct api_plan *p = ctx;
    api_plan_free(p);
    p->found = true;
    snprintf(p->code, sizeof p->code, "%s", s->code);
    p->name_vi = xstrdup(s->name_vi);
    p->name_en = xstrdup(s->name_en);
    p->features = xstrdup(s->features ? s->features : "");
    p->daily_views = s->daily_views;
    p->watch_max = s->watch_max;
    return 0;
}

json_t *api_plan_json(const struct api_plan *p)
{
    return json_pack("{s:s, s:s, s:s, s:i}", "code", p->code, "name_vi", p->name_vi, "name_en",
                     p->name_en, "daily_views", p->daily_views);
}

/* Load the plan `code` (a missing plan reads as a closed quota of 0). */
void api_plan_load(struct store *s, const char *code, struct api_plan *p)
{
    memset(p, 0, sizeof *p);
    if (store_plan_get(s, code, api_plan_copy, p) < 0 || !p->found) {
        api_plan_free(p);
        snprintf(p->code, sizeof p->code, "%s", code);
        p->name_vi = xstrdup(code);
        p->name_en = xstrdup(code);
        p->features = xstrdup("");
        p->daily_views = 0;
    }
}

/* Parse the JSON body: an object whose members are all in allowed. Answers
 * 400 itself and returns false otherwise. */
bool api_body_open(h2o_req_t *req, const char *const allowed[], struct api_body *f)
{
    json_error_t je;
    f->bad = json_array();
    f->body = NULL;
    if (!req->entity.base || req->entity.len == 0) {
        f->body = json_object();
        return true;
    }
    f->body = json_loadb(req->entity.base, req->entity.len, JSON_REJECT_DUPLICATES, &je);
    if (!f->body || !json_is_object(f->body)) {
        http_problem(req, 400, "invalid-body", "the body must be a JSON object%s%s",
                     f->body ? "" : ": ", f->body ? "" : je.text);
        goto fail;
    }
    const char *key;
    json_t *v;
    json_object_foreach(f->body, key, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            ok = ok || strcmp(allowed[i], key) == 0;
        if (!ok) {
            http_problem(req, 400, "invalid-body", "unknown field \"%s\"", key);
            goto fail;
        }
    }
    return true;
fail:
    json_decref(f->body);
    json_decref(f->bad);
    f->body = f->bad = NULL;
    return false;
}

void api_body_close(struct api_body *f)
{
    json_decref(f->body);
    json_decref(f->bad);
    f->body = f->bad = NULL;
}

void api_body_bad(struct api_body *f, const char *name, const char *code, const char *reason)
{
    /* one error per field: the first found (e.g. "invalid" type before "required") */
    size_t i;
    json_t *e;
    json_array_foreach(f->bad, i, e)
        if (!strcmp(json_string_value(json_object_get(e, "name")), name))
            return;
    json_array_append_new(f->bad, json_pack("{s:s, s:s, s:s}", "name", name, "code", code,
                                            "reason", reason));
}

/* A string member: its text, NULL when absent, null or "" (present says
 * whether the member was there at all). A non-string is a field error. */
const char *api_body_text(struct api_body *f, const char *name, bool *present)
{
    json_t *v = json_object_get(f->body, name);
    if (present)
        *present = v != NULL;
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        api_body_bad(f, name, "invalid", "must be a string");
        return NULL;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        api_body_bad(f, name, "invalid", "must not hold NUL characters");
        return NULL;
    }
    return *s ? s : NULL;
}

/* Answer 400 with the field errors, if there are any. */
bool api_body_failed(h2o_req_t *req, struct api_body *f)
{
    if (json_array_size(f->bad) == 0)
        return false;
    json_t *ext = json_pack("{s:O}", "invalid_params", f->bad);
    http_problem_ext(req, 400, "invalid-body", "some fields are not valid", ext);
    return true;
}

/* Text a person wrote: trimmed, 1..max characters, no control characters
 * but tab (and line breaks when multiline; CR LF becomes LF). The text goes
 * to out; returns NULL, or a problem code with the reason in *why ("too-long"
 * leaves *why to the caller). */
static const char *written(const char *in, size_t max, bool multiline, struct buf *out,
                           const char **why)
{
    size_t len;
    const char *s = in ? text_trim(in, strlen(in), &len) : NULL;
    buf_reset(out);
    if (!s || len == 0) {
        *why = "this field is required";
        return "required";
    }
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = text_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0) {
            *why = "must be valid UTF-8";
            return "invalid";
        }
        if (cp == '\r' && multiline && i + 1 < len && s[i + 1] == '\n') {
            i++;
            continue;
        }
        bool ctl = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
        if (ctl && cp != '\t' && !(multiline && cp == '\n')) {
            *why = multiline ? "must not hold control characters" : "must be one line of text";
            return "invalid";
        }
        buf_append(out, s + i, n);
        i += n;
    }
    return text_utf8_len(out->data, out->len) > max ? "too-long" : NULL;
}

bool api_body_written(struct api_body *f, const char *name, size_t max, bool multiline,
                      struct buf *out)
{
    const char *s = api_body_text(f, name, NULL); /* a wrong type is its field's error */
    char most[48];
    const char *why = NULL, *code = written(s, max, multiline, out, &why);
    if (code && strcmp(code, "too-long") == 0) {
        snprintf(most, sizeof most, "at most %zu characters", max);
        why = most;
    }
    if (code)
        api_body_bad(f, name, code, why);
    return code == NULL;
}

/* --------------------------------------------------------------- answers */

void api_store_error(struct api_thread *t, h2o_req_t *req, int rc)
{
    if (rc != LIS_ENOTFOUND && rc != LIS_ECONFLICT)
        log_error("portal store: %s", store_errmsg(t->portal));
    http_problem_err(req, rc, NULL);
}
