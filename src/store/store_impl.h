/* store_impl — what a store backend implements; read only by src/store.
 *
 * A backend allocates its own struct whose first member is `struct store`
 * (so a `struct store *` converts to the backend's type and back) and fills
 * `ops` with a static table of functions, one slot per store_* function of
 * store.h with the same meaning, return values and ownership rules. The
 * wrappers in store.c only dispatch; anything shared by all backends (url
 * parsing, argument checks) lives there. */
#ifndef LIS_STORE_IMPL_H
#define LIS_STORE_IMPL_H

#include "store/store.h"

struct store_ops {
    const char *name;                                            /* "sqlite", "postgres" */
    void (*close)(struct store *s);                              /* store_close: frees s */
    const char *(*errmsg)(const struct store *s);                /* store_errmsg */
    int (*set_memory)(struct store *s, long cache_mb, long mmap_mb); /* store_set_memory;
                                                                        NULL: nothing to set */
    int (*info)(struct store *s, struct store_info *out);        /* store_info */
    int (*begin)(struct store *s);                               /* store_begin */
    int (*commit)(struct store *s);                              /* store_commit */
    int (*rollback)(struct store *s);                            /* store_rollback */

    int (*commune_put)(struct store *s, const struct store_commune *c); /* store_commune_put */
    int (*survey_commune_put)(struct store *s,
                              const struct store_survey_commune *sc); /* store_survey_commune_put */
    int (*communes)(struct store *s, bool with_geom, store_commune_cb cb,
                    void *ctx);                                  /* store_communes */
    int (*commune_get)(struct store *s, const char *code, bool with_geom, store_commune_cb cb,
                       void *ctx);                               /* store_commune_get */
    int (*survey_communes)(struct store *s, store_survey_commune_cb cb,
                           void *ctx);                           /* store_survey_communes */
    int (*commune_at)(struct store *s, double x, double y,
                      char code[STORE_CODE_MAX]);                /* store_commune_at */
    int (*land_uses)(struct store *s, store_land_use_cb cb, void *ctx); /* store_land_uses */

    int (*parcel_put)(struct store *s, const struct store_parcel *p,
                      int64_t *id);                              /* store_parcel_put */
    int (*parcel_retire)(struct store *s, int64_t id, const char *when); /* store_parcel_retire */
    int (*parcel_get)(struct store *s, int64_t id, unsigned want, store_parcel_cb cb,
                      void *ctx);                                /* store_parcel_get */
    int (*parcel_history)(struct store *s, int64_t id, unsigned want, store_parcel_cb cb,
                          void *ctx);                            /* store_parcel_history */
    int (*parcels_at)(struct store *s, double x, double y, unsigned want, store_parcel_cb cb,
                      void *ctx);                                /* store_parcels_at */
    int (*parcels_in_box)(struct store *s, const double box[4], unsigned want, int limit,
                          store_parcel_cb cb, void *ctx);        /* store_parcels_in_box */
    int (*parcels_by_key)(struct store *s, const char *commune, const char *sheet,
                          const char *number, unsigned want, int limit, store_parcel_cb cb,
                          void *ctx);                            /* store_parcels_by_key */
    int (*parcel_by_national_id)(struct store *s, const char *nid, unsigned want,
                                 store_parcel_cb cb, void *ctx); /* store_parcel_by_national_id */
    int (*parcels_search)(struct store *s, const char *folded, int64_t after, int limit,
                          unsigned want, store_parcel_cb cb, void *ctx); /* store_parcels_search */
    int (*parcels_scan)(struct store *s, int64_t after, int limit, unsigned want,
                        store_parcel_cb cb, void *ctx);          /* store_parcels_scan */
    int (*parcels_in_mercator_box)(struct store *s, const double box[4], int64_t after,
                                   int limit, unsigned want, store_parcel_cb cb,
                                   void *ctx);           /* store_parcels_in_mercator_box */

    int64_t (*planning_put)(struct store *s,
                            const struct store_planning_zone *z); /* store_planning_put */
    int (*planning_in_box)(struct store *s, const double box[4], store_planning_cb cb,
                           void *ctx);                           /* store_planning_in_box */
    int (*planning_scan)(struct store *s, int64_t after, int limit, store_planning_cb cb,
                         void *ctx);                             /* store_planning_scan */
    int (*changes_since)(struct store *s, int64_t after, int limit, store_change_cb cb,
                         void *ctx);                             /* store_changes_since */

    int64_t (*holder_put)(struct store *s, const struct store_holder *h); /* store_holder_put */
    int (*right_put)(struct store *s, const struct store_right *r);      /* store_right_put */
    int (*certificate_put)(struct store *s,
                           const struct store_certificate *c);  /* store_certificate_put */
    int (*restriction_put)(struct store *s,
                           const struct store_restriction *r);  /* store_restriction_put */
    int (*event_put)(struct store *s, const struct store_event *e);      /* store_event_put */
    int (*registry_clear)(struct store *s, int64_t parcel_id);  /* store_registry_clear */

    int (*count)(struct store *s, const char *what, int64_t *n); /* store_count */
    int (*optimize)(struct store *s);                            /* store_optimize */
    int (*migrate)(struct store *s, int *from, int *to);         /* store_migrate */
    int (*parcel_versions)(struct store *s, int64_t after, int limit, unsigned want,
                           store_parcel_cb cb, void *ctx);       /* store_parcel_versions */
    int (*registry_dump)(struct store *s, const struct store_registry_cbs *cbs,
                         void *ctx);                             /* store_registry_dump */
    /* store_parcel_registry */
    int (*parcel_registry)(struct store *s, int64_t parcel_id,
                           const struct store_registry_cbs *cbs, void *ctx);

    /* portal: one slot per store_* function of the portal section */
    int64_t (*user_create)(struct store *s, const struct store_user *u);
    int (*user_get)(struct store *s, int64_t id, store_user_cb cb, void *ctx);
    int (*user_by_phone)(struct store *s, const char *phone, store_user_cb cb, void *ctx);
    int (*user_update)(struct store *s, const struct store_user *u, unsigned fields);
    int (*plans)(struct store *s, store_plan_cb cb, void *ctx);
    int (*plan_get)(struct store *s, const char *code, store_plan_cb cb, void *ctx);
    int (*plan_put)(struct store *s, const struct store_plan *p);
    int (*session_put)(struct store *s, const struct store_session *ss);
    int (*session_get)(struct store *s, const uint8_t hash[STORE_HASH_LEN],
                       struct store_session *out);
    int (*session_touch)(struct store *s, const uint8_t hash[STORE_HASH_LEN], int64_t seen_at);
    int (*session_delete)(struct store *s, const uint8_t hash[STORE_HASH_LEN]);
    int (*sessions_end)(struct store *s, int64_t user_id, const uint8_t *keep, int64_t *n);
    int (*sessions_of)(struct store *s, int64_t user_id, store_session_cb cb, void *ctx);
    int (*sessions_purge)(struct store *s, int64_t now, int64_t idle, int64_t *n);
    int (*throttle_get)(struct store *s, const char *key, struct store_throttle *out);
    int (*throttle_put)(struct store *s, const char *key, const struct store_throttle *t);
    int64_t (*audit_add)(struct store *s, const struct store_audit *a);
    int (*audit_list)(struct store *s, const struct store_audit_filter *f, store_audit_cb cb,
                      void *ctx);
    int (*audit_distinct)(struct store *s, int64_t actor, const char *action, int64_t since,
                          int64_t object, int64_t *n, bool *seen);

    /* portal: administration (schema version 2 too) */
    int (*users_search)(struct store *s, const struct store_user_filter *f, store_user_cb cb,
                        void *ctx);
    int (*plans_expire)(struct store *s, int64_t now, store_user_cb cb, void *ctx, int64_t *n);
    int64_t (*upgrade_create)(struct store *s, const struct store_upgrade *u);
    int (*upgrade_get)(struct store *s, int64_t id, store_upgrade_cb cb, void *ctx);
    int (*upgrade_decide)(struct store *s, const struct store_upgrade *u);
    int (*upgrades)(struct store *s, int64_t user_id, const char *status, int64_t before,
                    int limit, store_upgrade_cb cb, void *ctx);
    int64_t (*notice_add)(struct store *s, const struct store_notice *n);
    int (*inbox)(struct store *s, const struct store_inbox *q, store_notice_cb cb, void *ctx);
    int (*inbox_unread)(struct store *s, const struct store_inbox *q, int64_t *n);
    int (*inbox_mark_read)(struct store *s, const struct store_inbox *q, int64_t id, int64_t at);
    int (*public_notices)(struct store *s, int64_t before, int limit, store_notice_cb cb,
                          void *ctx);
    int (*watch_add)(struct store *s, const struct store_watch *w);
    int (*watch_delete)(struct store *s, int64_t user_id, int64_t parcel_id);
    int (*watches_of)(struct store *s, int64_t user_id, store_watch_cb cb, void *ctx);
    int (*watches_scan)(struct store *s, int64_t after_parcel, int64_t after_user, int limit,
                        store_watch_cb cb, void *ctx);
    int (*watch_advance)(struct store *s, const struct store_watch *old, int version,
                         int64_t state);
    int (*code_put)(struct store *s, const struct store_code *c);
    int (*code_get)(struct store *s, const char *key, const char *purpose, struct store_code *out);
    int (*code_attempt)(struct store *s, const char *key, const char *purpose);
    int (*code_delete)(struct store *s, const char *key, const char *purpose);
    int64_t (*ticket_create)(struct store *s, const struct store_ticket *t);
    int (*ticket_get)(struct store *s, int64_t id, store_ticket_cb cb, void *ctx);
    int (*ticket_update)(struct store *s, const struct store_ticket *t, unsigned fields);
    int (*tickets)(struct store *s, const struct store_ticket_filter *f, store_ticket_cb cb,
                   void *ctx);
    int64_t (*message_add)(struct store *s, const struct store_message *m);
    int (*messages)(struct store *s, int64_t ticket_id, store_message_cb cb, void *ctx);
    int64_t (*disclosure_add)(struct store *s, const struct store_disclosure *d);
    int (*disclosure_get)(struct store *s, int64_t id, store_disclosure_cb cb, void *ctx);
    int (*disclosures)(struct store *s, int64_t subject, int64_t before, int limit,
                       store_disclosure_cb cb, void *ctx);
    int (*disclosure_exported)(struct store *s, int64_t id, int64_t at);
};

/* The part every backend's connection struct begins with. */
struct store {
    const struct store_ops *ops; /* the backend's table; never NULL */
};

/* The SQLite backend (sqlite.c). dir is the store directory. Same contract
 * as store_open(). */
struct store *store_sqlite_open(const char *dir, unsigned flags,
                                const struct store_create_opts *opts, struct buf *err);

/* The PostgreSQL backend (postgres.c). url is a libpq connection URI
 * ("postgres://..."). Same contract as store_open(). */
struct store *store_pg_open(const char *url, unsigned flags,
                            const struct store_create_opts *opts, struct buf *err);

#endif
