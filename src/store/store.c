/* store — the backend-independent wrappers: pick a backend from the url,
 * check arguments every backend would check, dispatch through the ops table. */
#include "store/store_impl.h"

#include "core/err.h"
#include "store/migrations.h"
#include "text/text.h"

#include <string.h>

struct store *store_open(const char *url, unsigned flags, const struct store_create_opts *opts,
                         struct buf *err)
{
    if (!url || !*url) {
        buf_puts(err, "store: no store location given");
        return NULL;
    }
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        return store_pg_open(url, flags, opts, err);
    if (strncmp(url, "sqlite:", 7) == 0)
        url += 7;
    if (!*url) {
        buf_puts(err, "store: \"sqlite:\" needs a directory");
        return NULL;
    }
    return store_sqlite_open(url, flags, opts, err);
}

void store_close(struct store *s)
{
    if (s)
        s->ops->close(s);
}

const char *store_errmsg(const struct store *s)
{
    return s ? s->ops->errmsg(s) : "no store";
}

int store_set_memory(struct store *s, long cache_mb, long mmap_mb)
{
    return s->ops->set_memory ? s->ops->set_memory(s, cache_mb, mmap_mb) : 0;
}

int store_info(struct store *s, struct store_info *out)
{
    return s->ops->info(s, out);
}

int store_begin(struct store *s) { return s->ops->begin(s); }
int store_commit(struct store *s) { return s->ops->commit(s); }
int store_rollback(struct store *s) { return s->ops->rollback(s); }

int store_commune_put(struct store *s, const struct store_commune *c)
{
    if (!c->code[0] || !c->name)
        return LIS_EINVAL;
    return s->ops->commune_put(s, c);
}

int store_survey_commune_put(struct store *s, const struct store_survey_commune *sc)
{
    if (!sc->code[0] || !sc->commune[0])
        return LIS_EINVAL;
    return s->ops->survey_commune_put(s, sc);
}

int store_communes(struct store *s, bool with_geom, store_commune_cb cb, void *ctx)
{
    return s->ops->communes(s, with_geom, cb, ctx);
}

int store_commune_get(struct store *s, const char *code, bool with_geom, store_commune_cb cb,
                      void *ctx)
{
    if (!code)
        return LIS_EINVAL;
    return s->ops->commune_get(s, code, with_geom, cb, ctx);
}

int store_survey_communes(struct store *s, store_survey_commune_cb cb, void *ctx)
{
    return s->ops->survey_communes(s, cb, ctx);
}

int store_commune_at(struct store *s, double x, double y, char code[STORE_CODE_MAX])
{
    return s->ops->commune_at(s, x, y, code);
}

int store_land_uses(struct store *s, store_land_use_cb cb, void *ctx)
{
    return s->ops->land_uses(s, cb, ctx);
}

int store_parcel_put(struct store *s, const struct store_parcel *p, int64_t *id)
{
    if (!p->survey_commune[0] || !p->sheet[0] || !p->number[0] || !p->commune[0] || !p->wkb ||
        !p->wkb_len || !p->wkb_mercator || !p->wkb_mercator_len || !p->land_use)
        return LIS_EINVAL;
    return s->ops->parcel_put(s, p, id);
}

int store_parcel_retire(struct store *s, int64_t id, const char *when)
{
    return s->ops->parcel_retire(s, id, when);
}

int store_parcel_get(struct store *s, int64_t id, unsigned want, store_parcel_cb cb, void *ctx)
{
    return s->ops->parcel_get(s, id, want, cb, ctx);
}

int store_parcel_history(struct store *s, int64_t id, unsigned want, store_parcel_cb cb,
                         void *ctx)
{
    return s->ops->parcel_history(s, id, want, cb, ctx);
}

int store_parcels_at(struct store *s, double x, double y, unsigned want, store_parcel_cb cb,
                     void *ctx)
{
    return s->ops->parcels_at(s, x, y, want, cb, ctx);
}

int store_parcels_in_box(struct store *s, const double box[4], unsigned want, int limit,
                         store_parcel_cb cb, void *ctx)
{
    if (limit <= 0)
        return 0;
    return s->ops->parcels_in_box(s, box, want, limit, cb, ctx);
}

int store_parcels_by_key(struct store *s, const char *commune, const char *sheet,
                         const char *number, unsigned want, int limit, store_parcel_cb cb,
                         void *ctx)
{
    if (limit <= 0)
        return 0;
    return s->ops->parcels_by_key(s, commune, sheet, number, want, limit, cb, ctx);
}

int store_parcel_by_national_id(struct store *s, const char *nid, unsigned want,
                                store_parcel_cb cb, void *ctx)
{
    if (!nid)
        return LIS_EINVAL;
    return s->ops->parcel_by_national_id(s, nid, want, cb, ctx);
}

int store_parcels_search(struct store *s, const char *folded, int64_t after, int limit,
                         unsigned want, store_parcel_cb cb, void *ctx)
{
    if (!folded || !*folded || limit <= 0)
        return 0;
    return s->ops->parcels_search(s, folded, after, limit, want, cb, ctx);
}

int store_parcels_scan(struct store *s, int64_t after, int limit, unsigned want,
                       store_parcel_cb cb, void *ctx)
{
    if (limit <= 0)
        return 0;
    return s->ops->parcels_scan(s, after, limit, want, cb, ctx);
}

int store_parcels_in_mercator_box(struct store *s, const double box[4], int64_t after, int limit,
                                  unsigned want, store_parcel_cb cb, void *ctx)
{
    if (limit <= 0)
        return 0;
    return s->ops->parcels_in_mercator_box(s, box, after, limit, want, cb, ctx);
}

int64_t store_planning_put(struct store *s, const struct store_planning_zone *z)
{
    if (!z->land_use || !z->plan || !z->wkb || !z->wkb_len)
        return LIS_EINVAL;
    return s->ops->planning_put(s, z);
}

int store_planning_in_box(struct store *s, const double box[4], store_planning_cb cb, void *ctx)
{
    return s->ops->planning_in_box(s, box, cb, ctx);
}

int store_planning_scan(struct store *s, int64_t after, int limit, store_planning_cb cb,
                        void *ctx)
{
    if (limit <= 0)
        return 0;
    return s->ops->planning_scan(s, after, limit, cb, ctx);
}

int store_changes_since(struct store *s, int64_t after, int limit, store_change_cb cb, void *ctx)
{
    if (limit <= 0)
        return 0;
    return s->ops->changes_since(s, after, limit, cb, ctx);
}

int64_t store_holder_put(struct store *s, const struct store_holder *h)
{
    if (!h->kind || !h->name)
        return LIS_EINVAL;
    return s->ops->holder_put(s, h);
}

int store_right_put(struct store *s, const struct store_right *r)
{
    if (!r->kind)
        return LIS_EINVAL;
    return s->ops->right_put(s, r);
}

int store_certificate_put(struct store *s, const struct store_certificate *c)
{
    if (!c->serial)
        return LIS_EINVAL;
    return s->ops->certificate_put(s, c);
}

int store_restriction_put(struct store *s, const struct store_restriction *r)
{
    if (!r->kind)
        return LIS_EINVAL;
    return s->ops->restriction_put(s, r);
}

int store_event_put(struct store *s, const struct store_event *e)
{
    if (!e->kind)
        return LIS_EINVAL;
    return s->ops->event_put(s, e);
}

int store_registry_clear(struct store *s, int64_t parcel_id)
{
    return s->ops->registry_clear(s, parcel_id);
}

int store_count(struct store *s, const char *what, int64_t *n)
{
    if (!what)
        return LIS_EINVAL;
    return s->ops->count(s, what, n);
}

int store_optimize(struct store *s) { return s->ops->optimize(s); }

int store_migrate(struct store *s, int *from, int *to) { return s->ops->migrate(s, from, to); }

int store_parcel_versions(struct store *s, int64_t after, int limit, unsigned want,
                          store_parcel_cb cb, void *ctx)
{
    if (limit <= 0)
        return 0;
    return s->ops->parcel_versions(s, after, limit, want, cb, ctx);
}

int store_registry_dump(struct store *s, const struct store_registry_cbs *cbs, void *ctx)
{
    return s->ops->registry_dump(s, cbs, ctx);
}

int store_schema_version(void) { return store_schema_latest(); }

int store_parcel_registry(struct store *s, int64_t parcel_id, const struct store_registry_cbs *cbs,
                          void *ctx)
{
    return s->ops->parcel_registry(s, parcel_id, cbs, ctx);
}

/* ------------------------------------------------------------------ portal */

static bool is_role(const char *r)
{
    return r && (!strcmp(r, "user") || !strcmp(r, "staff") || !strcmp(r, "admin"));
}

/* u with name_folded made from its name (NULL name: NULL); folded owns the text. */
static struct store_user with_folded(const struct store_user *u, struct buf *folded)
{
    struct store_user c = *u;
    c.name_folded = NULL;
    if (u->name) {
        text_fold(u->name, strlen(u->name), folded);
        c.name_folded = buf_cstr(folded);
    }
    return c;
}

int64_t store_user_create(struct store *s, const struct store_user *u)
{
    if (!u->phone || !u->name || !u->pw_hash || !is_role(u->role) || !u->plan)
        return LIS_EINVAL;
    struct buf f = BUF_INIT;
    struct store_user c = with_folded(u, &f);
    int64_t rc = s->ops->user_create(s, &c);
    buf_free(&f);
    return rc;
}

int store_user_get(struct store *s, int64_t id, store_user_cb cb, void *ctx)
{
    return s->ops->user_get(s, id, cb, ctx);
}

int store_user_by_phone(struct store *s, const char *phone, store_user_cb cb, void *ctx)
{
    if (!phone || !*phone)
        return LIS_EINVAL;
    return s->ops->user_by_phone(s, phone, cb, ctx);
}

int store_user_update(struct store *s, const struct store_user *u, unsigned fields)
{
    if (((fields & STORE_USER_ROLE) && !is_role(u->role)) ||
        ((fields & STORE_USER_PLAN) && !u->plan) || ((fields & STORE_USER_PW_HASH) && !u->pw_hash))
        return LIS_EINVAL;
    struct buf f = BUF_INIT;
    struct store_user c = with_folded(u, &f);
    int rc = s->ops->user_update(s, &c, fields); /* STORE_USER_NAME writes name_folded too */
    buf_free(&f);
    return rc;
}

int store_plans(struct store *s, store_plan_cb cb, void *ctx) { return s->ops->plans(s, cb, ctx); }

int store_plan_get(struct store *s, const char *code, store_plan_cb cb, void *ctx)
{
    return s->ops->plan_get(s, code, cb, ctx);
}

int store_plan_put(struct store *s, const struct store_plan *p)
{
    if (!p->code || !*p->code || !p->name_vi || !p->name_en || p->daily_views < -1 ||
        p->watch_max < 0)
        return LIS_EINVAL;
    return s->ops->plan_put(s, p);
}

int store_session_put(struct store *s, const struct store_session *ss)
{
    return s->ops->session_put(s, ss);
}

int store_session_get(struct store *s, const uint8_t hash[STORE_HASH_LEN],
                      struct store_session *out)
{
    return s->ops->session_get(s, hash, out);
}

int store_session_touch(struct store *s, const uint8_t hash[STORE_HASH_LEN], int64_t seen_at)
{
    return s->ops->session_touch(s, hash, seen_at);
}

int store_session_delete(struct store *s, const uint8_t hash[STORE_HASH_LEN])
{
    return s->ops->session_delete(s, hash);
}

int store_sessions_end(struct store *s, int64_t user_id, const uint8_t *keep, int64_t *n)
{
    return s->ops->sessions_end(s, user_id, keep, n);
}

int store_sessions_of(struct store *s, int64_t user_id, store_session_cb cb, void *ctx)
{
    return s->ops->sessions_of(s, user_id, cb, ctx);
}

int store_sessions_purge(struct store *s, int64_t now, int64_t idle, int64_t *n)
{
    return s->ops->sessions_purge(s, now, idle, n);
}

int store_throttle_get(struct store *s, const char *key, struct store_throttle *out)
{
    if (!key || !*key)
        return LIS_EINVAL;
    return s->ops->throttle_get(s, key, out);
}

int store_throttle_put(struct store *s, const char *key, const struct store_throttle *t)
{
    if (!key || !*key || t->failures < 0)
        return LIS_EINVAL;
    return s->ops->throttle_put(s, key, t);
}

int64_t store_audit_add(struct store *s, const struct store_audit *a)
{
    if (!a->action || !*a->action || !a->actor_role)
        return LIS_EINVAL;
    return s->ops->audit_add(s, a);
}

int store_audit_list(struct store *s, const struct store_audit_filter *f, store_audit_cb cb,
                     void *ctx)
{
    if (f->limit <= 0)
        return LIS_EINVAL;
    return s->ops->audit_list(s, f, cb, ctx);
}

int store_audit_distinct(struct store *s, int64_t actor, const char *action, int64_t since,
                         int64_t object, int64_t *n, bool *seen)
{
    if (!action)
        return LIS_EINVAL;
    return s->ops->audit_distinct(s, actor, action, since, object, n, seen);
}

/* --------------------------------------------- portal: administration */

int store_users_search(struct store *s, const struct store_user_filter *f, store_user_cb cb,
                       void *ctx)
{
    if (f->limit <= 0)
        return LIS_EINVAL;
    return s->ops->users_search(s, f, cb, ctx);
}

int store_plans_expire(struct store *s, int64_t now, store_user_cb cb, void *ctx, int64_t *n)
{
    return s->ops->plans_expire(s, now, cb, ctx, n);
}

int64_t store_upgrade_create(struct store *s, const struct store_upgrade *u)
{
    return s->ops->upgrade_create(s, u);
}

int store_upgrade_get(struct store *s, int64_t id, store_upgrade_cb cb, void *ctx)
{
    return s->ops->upgrade_get(s, id, cb, ctx);
}

int store_upgrade_decide(struct store *s, const struct store_upgrade *u)
{
    return s->ops->upgrade_decide(s, u);
}

int store_upgrades(struct store *s, int64_t user_id, const char *status, int64_t before,
                   int limit, store_upgrade_cb cb, void *ctx)
{
    if (limit <= 0)
        return LIS_EINVAL;
    return s->ops->upgrades(s, user_id, status, before, limit, cb, ctx);
}

int64_t store_notice_add(struct store *s, const struct store_notice *n)
{
    return s->ops->notice_add(s, n);
}

int store_inbox(struct store *s, const struct store_inbox *q, store_notice_cb cb, void *ctx)
{
    if (q->limit <= 0)
        return LIS_EINVAL;
    return s->ops->inbox(s, q, cb, ctx);
}

int store_inbox_unread(struct store *s, const struct store_inbox *q, int64_t *n)
{
    return s->ops->inbox_unread(s, q, n);
}

int store_inbox_mark_read(struct store *s, const struct store_inbox *q, int64_t id, int64_t at)
{
    return s->ops->inbox_mark_read(s, q, id, at);
}

int store_public_notices(struct store *s, int64_t before, int limit, store_notice_cb cb, void *ctx)
{
    if (limit <= 0)
        return LIS_EINVAL;
    return s->ops->public_notices(s, before, limit, cb, ctx);
}

int store_watch_add(struct store *s, const struct store_watch *w)
{
    return s->ops->watch_add(s, w);
}

int store_watch_delete(struct store *s, int64_t user_id, int64_t parcel_id)
{
    return s->ops->watch_delete(s, user_id, parcel_id);
}

int store_watches_of(struct store *s, int64_t user_id, store_watch_cb cb, void *ctx)
{
    return s->ops->watches_of(s, user_id, cb, ctx);
}

int store_watches_scan(struct store *s, int64_t after_parcel, int64_t after_user, int limit,
                       store_watch_cb cb, void *ctx)
{
    if (limit <= 0)
        return LIS_EINVAL;
    return s->ops->watches_scan(s, after_parcel, after_user, limit, cb, ctx);
}

int store_watch_advance(struct store *s, const struct store_watch *old, int version, int64_t state)
{
    return s->ops->watch_advance(s, old, version, state);
}

int store_code_put(struct store *s, const struct store_code *c)
{
    return s->ops->code_put(s, c);
}

int store_code_get(struct store *s, const char *key, const char *purpose, struct store_code *out)
{
    return s->ops->code_get(s, key, purpose, out);
}

int store_code_attempt(struct store *s, const char *key, const char *purpose)
{
    return s->ops->code_attempt(s, key, purpose);
}

int store_code_delete(struct store *s, const char *key, const char *purpose)
{
    return s->ops->code_delete(s, key, purpose);
}

int64_t store_ticket_create(struct store *s, const struct store_ticket *t)
{
    return s->ops->ticket_create(s, t);
}

int store_ticket_get(struct store *s, int64_t id, store_ticket_cb cb, void *ctx)
{
    return s->ops->ticket_get(s, id, cb, ctx);
}

int store_ticket_update(struct store *s, const struct store_ticket *t, unsigned fields)
{
    return s->ops->ticket_update(s, t, fields);
}

int store_tickets(struct store *s, const struct store_ticket_filter *f, store_ticket_cb cb,
                  void *ctx)
{
    if (f->limit <= 0)
        return LIS_EINVAL;
    return s->ops->tickets(s, f, cb, ctx);
}

int64_t store_message_add(struct store *s, const struct store_message *m)
{
    return s->ops->message_add(s, m);
}

int store_messages(struct store *s, int64_t ticket_id, store_message_cb cb, void *ctx)
{
    return s->ops->messages(s, ticket_id, cb, ctx);
}

int64_t store_disclosure_add(struct store *s, const struct store_disclosure *d)
{
    return s->ops->disclosure_add(s, d);
}

int store_disclosure_get(struct store *s, int64_t id, store_disclosure_cb cb, void *ctx)
{
    return s->ops->disclosure_get(s, id, cb, ctx);
}

int store_disclosures(struct store *s, int64_t subject, int64_t before, int limit,
                      store_disclosure_cb cb, void *ctx)
{
    if (limit <= 0)
        return LIS_EINVAL;
    return s->ops->disclosures(s, subject, before, limit, cb, ctx);
}

int store_disclosure_exported(struct store *s, int64_t id, int64_t at)
{
    return s->ops->disclosure_exported(s, id, at);
}
