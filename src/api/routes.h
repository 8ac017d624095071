/* routes — what the handlers of api/ share (internal to api/): the route
 * table, the settings, the per-loop state and every handler's declaration.
 *
 * struct api is built once at start-up and read-only afterwards (settings,
 * the store's extent, commune names, prepared documents); struct api_thread
 * is one event loop's own: its two store connections (public land data, and
 * the portal on the primary), geo context, scratch buffers, and the caller of
 * the request being handled (set by the gate). Handlers run on the loop;
 * most answer before they return, the ones that hash a password hand a job
 * to the worker pool (http_defer) and answer when it comes back. */
#ifndef LIS_API_ROUTES_H
#define LIS_API_ROUTES_H

#include "core/buf.h"
#include "geo/geo.h"
#include "http/metrics.h"
#include "http/router.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tile_cache;
struct clickindex;
struct clickindex_shared;
struct tiles_loop;

struct api_name {
    char code[STORE_CODE_MAX];
    char *name;
    char *kind; /* current units: "ward"/"commune"; NULL for communes of survey */
    char *ref_json; /* {"code":...,"name":...} as parcel answers write it (map clicks) */
    size_t ref_json_len;
};

/* What parcel answers refer to, read from the store: its summary and extent,
 * commune names, and the reference documents. Each loop keeps its own copy
 * and reloads it when the store's change counter moves (another process may
 * import while we serve), checking at most once a second. */
struct api_ref {
    struct store_info info;       /* crs, bbox, counts, change_seq */
    struct geo_box lonlat_box;    /* the store's extent in WGS 84 (a little larger) */
    struct api_name *units;       /* current units, by code */
    size_t nunits;
    struct api_name *survey;      /* communes of survey, by code (one entry per code) */
    size_t nsurvey;
    char *communes_body;          /* GET /communes without geometry */
    char *communes_geo_body;      /* GET /communes?geometry=true, made on first use */
    char *land_use_body;          /* GET /land-use-codes */
};

/* Who may call a route (struct http_route.access). */
enum api_access {
    API_PUBLIC = 0, /* anyone; who is calling is not even looked up (public data) */
    API_ANY,        /* anyone, but the answer depends on who (session, parcel views) */
    API_USER,       /* logged in: user, staff or admin */
    API_STAFF,      /* staff or admin */
    API_ADMIN,      /* admin */
};

/* The caller of the request being handled, found by the gate from the
 * session cookie; valid only until the handler returns (copy what a
 * deferred job needs). */
struct api_caller {
    int64_t user_id;                   /* 0: a visitor */
    unsigned level;                    /* API_ANY for a visitor, else API_USER.. */
    char role[8];                      /* "user", "staff", "admin"; "" for a visitor */
    char plan[24];                     /* the plan in force (after plan_until) */
    int daily_views;                   /* the plan's quota; -1: no limit */
    bool must_reset;
    uint8_t session[STORE_HASH_LEN];   /* the session's store hash */
    char csrf[48];
    int64_t expires_at, idle_expires_at;
    char addr[48];                     /* the client address (trusted proxies applied) */
};

/* A trusted proxy: an address block. */
struct api_proxy {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    int bits;
};

/* Settings of the accounts side (account.c), fixed at start-up. */
struct api_accounts {
    int64_t session_idle, session_max;
    bool cookie_secure;
    const char *privacy_version;
    unsigned long long argon2_ops;
    size_t argon2_mem_kib;
    int free_attempts, address_free_attempts;
    int64_t backoff_max;
    char dummy_hash[128];        /* verified against for unknown phones: same work */
    struct api_proxy *proxies;
    size_t nproxies;
};

/* Settings of tickets (tickets.c), fixed at start-up. */
struct api_tickets {
    int dispute_days, dispute_days_mountainous; /* the time limit for a dispute's decision */
    bool working_days;                          /* dispute_counting = working: Saturdays and
                                                   Sundays do not count */
    int reopen_days;                            /* the author may reopen this long after */
};

/* Settings of notifications and one-time codes (notify.c), fixed at start-up. */
struct channel;
struct api_notify_settings {
    struct channel *channel;      /* the outbound channel (notify/channel.h), thread-safe */
    int64_t watch_interval;       /* seconds between sweeps of the watched parcels */
    int64_t code_ttl;             /* seconds a one-time code lives */
    int code_free_sends, code_address_free_sends; /* codes per phone / address before back-off */
    bool verify_phone;            /* registration needs a code sent to the phone */
};

/* Where loop 0's sweep of the watched parcels is (notify.c). */
struct api_watch_sweep {
    bool running;                 /* a pass is under way: the next tick goes on from `after` */
    int64_t started;              /* when the last pass began (monotonic seconds) */
    int64_t after_parcel, after_user;
};

struct api {
    const char *data;             /* store url */
    const char *replica;          /* read-only store url for public reads; "" or NULL: data */
    const char *cache_control;    /* on public data */
    long max_page;                /* largest `limit` */
    long max_query_bytes;
    struct store_info info;       /* at start-up: the CRS every loop uses */
    char *openapi_body;           /* GET /openapi.json */
    char *portal_body;            /* GET /portal: the page's settings */
    struct metrics *metrics;
    struct tile_cache *tiles;     /* gzipped tiles, shared by the loops (tiles.c) */
    const char *tile_cache_control; /* on tiles and TileJSON */
    long store_cache_mb, store_mmap_mb; /* memory of each loop's store connection */
    struct clickindex_shared *clicks; /* map-click index shared by the loops; NULL: off */
    struct api_accounts acc;      /* account.c */
    struct api_notify_settings notify; /* notify.c */
    struct api_tickets tickets;   /* tickets.c */
};

struct api_thread {
    struct api *api;
    struct store *store;
    struct geo *geo;
    struct api_ref ref;
    uint64_t ref_checked_ms;      /* when the change counter was last read */
    struct buf out;               /* the answer being written */
    struct buf wkb;               /* geometry scratch */
    struct buf wkb2;
    struct tiles_loop *tiles;     /* this loop's tile builder (tiles.c) */
    struct clickindex *click;     /* a reference to the click index last used; may be stale */
    struct store *portal;         /* accounts, sessions, audit: the primary store, writable */
    struct api_caller who;        /* the current request's caller (set by the gate) */
    struct api_watch_sweep watch_sweep; /* loop 0 (notify.c) */
    int index;                    /* the loop's number; loop 0 does the housekeeping */
    int64_t admin_tick_at, sessions_tick_at; /* last housekeeping runs (clock_now) */
};

/* Load t->ref from t's store (replacing it on success). Returns 0 or a
 * lis_err with the reason in err. */
int api_ref_load(struct api_thread *t, struct buf *err);
/* Reload t->ref if the store changed since it was read (checked at most once
 * a second). Handlers call it before reading t->ref. */
void api_ref_fresh(struct api_thread *t);
void api_ref_free(struct api_ref *r);

/* The communes document (parcels.c) for the units in t->ref; with_geom reads
 * boundaries through t's store. Caller frees; NULL when the store failed. */
char *api_communes_body(struct api_thread *t, bool with_geom);

/* The route table (api.c). */
extern const struct http_route api_routes[];
extern const size_t api_nroutes;

/* Name of a current unit / commune of survey by code; NULL when unknown. */
const struct api_name *api_unit(const struct api_ref *r, const char *code);
const struct api_name *api_survey(const struct api_ref *r, const char *code);

/* Handlers (parcels.c) and their parameter lists. */
extern const struct http_param api_p_none[], api_p_communes[], api_p_at[], api_p_by_key[],
    api_p_search[], api_p_id[], api_p_id_geometry[];
void api_h_communes(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_land_use(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_at(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_by_key(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_search(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_parcel(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_planning(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_neighbours(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_openapi(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_portal(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_healthz(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_metrics(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);

/* Accounts (account.c). */
extern const struct http_param api_p_view[];
/* Read the account settings from cfg into a->acc (and make the dummy hash).
 * Returns 0 or LIS_EINVAL with the reason in err. */
struct config;
int api_accounts_init(struct api *a, const struct config *cfg, struct buf *err);
void api_accounts_free(struct api *a);
/* The server's gate (http_server_opts.gate): finds the caller, checks CSRF
 * and the route's access level. */
int api_gate(void *t, h2o_req_t *req, const struct http_route *route);
/* Write an audit entry for the current caller; logs (and returns) a failure. */
int api_audit(struct api_thread *t, const char *action, int64_t subject, int64_t object,
              const char *reason);
void api_h_session_get(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_register(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_login(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_logout(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_logout_all(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_me(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_me_patch(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_password(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_export(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_close(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_plans(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);

/* Administration and the user's side of it (admin.c). */
extern const struct http_param api_p_admin_users[], api_p_admin_id[], api_p_admin_code[],
    api_p_admin_audit[], api_p_admin_upgrades[], api_p_admin_disclosures[], api_p_page[];
void api_h_admin_users(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_admin_user(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_admin_user_patch(void *t, h2o_req_t *req, const struct http_route *r,
                            const struct http_args *a);
void api_h_admin_audit(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_admin_plan_put(void *t, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a);
void api_h_admin_upgrades(void *t, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a);
void api_h_admin_upgrade_decide(void *t, h2o_req_t *req, const struct http_route *r,
                                const struct http_args *a);
void api_h_admin_disclosures(void *t, h2o_req_t *req, const struct http_route *r,
                             const struct http_args *a);
void api_h_admin_disclosure_add(void *t, h2o_req_t *req, const struct http_route *r,
                                const struct http_args *a);
void api_h_admin_disclosure_export(void *t, h2o_req_t *req, const struct http_route *r,
                                   const struct http_args *a);
void api_h_my_upgrades(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_my_upgrade_add(void *t, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a);
void api_h_my_access(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
/* Housekeeping on loop 0 (from the tick): ended plans back to free (admin.c),
 * expired sessions removed (account.c); `last` keeps when each last ran. */
void api_admin_tick(struct api_thread *t, int64_t *last);
void api_sessions_tick(struct api_thread *t, int64_t *last);

/* Support, complaint and dispute tickets (tickets.c). */
extern const struct http_param api_p_tickets[], api_p_ticket[];
/* Read the ticket settings from cfg into a->tickets. Returns 0 or LIS_EINVAL
 * with the reason in err. */
int api_tickets_init(struct api *a, const struct config *cfg, struct buf *err);
void api_h_tickets(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_ticket_new(void *t, h2o_req_t *req, const struct http_route *r,
                      const struct http_args *a);
void api_h_ticket(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_ticket_message(void *t, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a);
void api_h_ticket_patch(void *t, h2o_req_t *req, const struct http_route *r,
                        const struct http_args *a);

/* Notifications (notify.c): add one and deliver it through the outbound
 * channel to each addressed account ("user:ID" audiences; mass audiences
 * stay in the inbox). Returns the notice id or a negative lis_err. */
int64_t api_notify(struct api_thread *t, const char *kind, const char *audience, bool public_notice,
                   const char *title, const char *body, int64_t object);
/* Read the notification settings and start the outbound channel
 * (a->notify). Returns 0 or LIS_EINVAL with the reason in err. */
int api_notify_init(struct api *a, const struct config *cfg, struct buf *err);
void api_notify_free(struct api *a); /* delivers what is queued, then stops the channel */
/* Loop 0's tick: sweeps the watched parcels for changes and notifies their
 * watchers (a page of watches per call, a pass at most every watch_interval). */
void api_watch_tick(struct api_thread *t, struct api_watch_sweep *s);
extern const struct http_param api_p_inbox[], api_p_notices[], api_p_notice[];
void api_h_inbox(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_inbox_read(void *t, h2o_req_t *req, const struct http_route *r,
                      const struct http_args *a);
void api_h_inbox_read_all(void *t, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a);
void api_h_notices(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_notify(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_watches(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_watch_put(void *t, h2o_req_t *req, const struct http_route *r,
                     const struct http_args *a);
void api_h_watch_delete(void *t, h2o_req_t *req, const struct http_route *r,
                        const struct http_args *a);
void api_h_reset(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_reset_confirm(void *t, h2o_req_t *req, const struct http_route *r,
                         const struct http_args *a);
void api_h_phone_code(void *t, h2o_req_t *req, const struct http_route *r,
                      const struct http_args *a);
/* With verify_phone: check a registration body's "code" against the code
 * sent to phone (E.164); a missing, wrong or expired code is a field error
 * in f; a matching one is spent (notify.c). */
struct api_body;
void api_verify_code(struct api_thread *t, struct api_body *f, const char *phone);
/* Set account user_id's password after a reset code was accepted: hashed on
 * the worker pool, then stored as a password change (must_reset cleared,
 * every session ended, a new one answered 200) (account.c). */
void api_password_reset(struct api_thread *t, h2o_req_t *req, int64_t user_id, const char *role,
                        const char *password);

/* The OpenAPI 3.0 document of routes[0..n) (openapi.c). Caller frees with json_decref(). */
#include <jansson.h>
json_t *api_openapi(const struct http_route *routes, size_t n, const struct api *a);

#endif
