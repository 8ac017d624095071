/* store — every read and write of stored data goes through here: the land
 * data, the registry of holders, and the portal (customers, sessions, the
 * audit log, tickets, notifications).
 *
 * One interface, two backends: SQLite (embedded) and PostgreSQL/PostGIS.
 * A backend is a table of functions (struct store_ops, in store_impl.h) over
 * opaque backend data; the store_* functions below are thin wrappers. Nothing
 * above this header includes sqlite3.h or libpq-fe.h.
 *
 * The embedded SQLite backend keeps a store in a directory:
 *   land.gpkg    public land data (basic view), a valid GeoPackage: layers
 *                parcels (current versions only), communes, planning_zones;
 *                plus parcel history, the Web-Mercator copy, the search index,
 *                survey communes and land-use codes in tables of their own;
 *   registry.db  holders, rights, certificates, restrictions, events;
 *   portal.db    customers, sessions, login throttles, plans, the audit log,
 *                upgrade requests, notices, watches, one-time codes, tickets,
 *                disclosures.
 *
 * Threads: a `struct store` is one connection; give each thread its own
 * (store_open is cheap). Rows passed to callbacks are borrowed: valid only
 * during the callback. A callback returns 0 to go on, non-zero to stop (that
 * value is returned by the iterating function).
 *
 * Geometry is ISO WKB (see geo.h). Parcels and communes are stored in the
 * province CRS (store_info().crs), and a Web-Mercator copy of each parcel
 * serves map clicks and tiles. */
#ifndef LIS_STORE_H
#define LIS_STORE_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_registry_cbs; /* defined under "copying" below */

#define STORE_CODE_MAX 16 /* commune codes, land-use codes */
#define STORE_SN_MAX 24   /* sheet or parcel number */

enum store_flags {
    STORE_READ = 0,        /* read-only */
    STORE_WRITE = 1 << 0,  /* read-write */
    STORE_CREATE = 1 << 1, /* create when missing (implies WRITE) */
    STORE_MIGRATE = 1 << 2, /* open a store whose schema is older than this binary
                               (implies WRITE); only store_migrate may follow */
};

/* Settings fixed when a store is created. */
struct store_create_opts {
    const char *crs;           /* "EPSG:9215" */
    const char *province_code; /* "20" */
    const char *province_name; /* "Lạng Sơn" */
    bool mountainous;          /* default for the communes' mountainous flag */
    const char *crs_name;      /* "VN-2000 / TM-3 107-15"; NULL: crs is used */
    const char *crs_wkt;       /* the CRS as WKT (geo/ asks PROJ); NULL: "undefined" in
                                  gpkg_spatial_ref_sys, so GIS tools only see the code */
};

/* Open a store. url is a directory (SQLite backend), "sqlite:DIR", or a
 * PostgreSQL connection URI "postgres://user@host:port/db" (PostGIS backend).
 * A store whose schema is newer than this binary is refused; an older one
 * too, unless STORE_MIGRATE is given.
 * opts is read only with STORE_CREATE when the store does not exist yet.
 * Returns NULL and writes the reason to err. Caller frees with store_close(). */
struct store *store_open(const char *url, unsigned flags, const struct store_create_opts *opts,
                         struct buf *err);
void store_close(struct store *s); /* NULL is a no-op */
/* Text of the last failure on s; borrowed, valid until the next call on s. */
const char *store_errmsg(const struct store *s);
/* Memory this connection keeps for data pages: a page cache of cache_mb, and
 * up to mmap_mb of each file mapped into memory. Mapped pages count in the
 * process's resident memory once touched (the OS file cache does not), so
 * long-lived readers map little. Writers start with 128 MB and 1024 MB
 * (bulk loads), readers with 16 MB and none. Backends without such settings
 * ignore it. Returns 0 or a negative lis_err. */
int store_set_memory(struct store *s, long cache_mb, long mmap_mb);

struct store_info {
    char crs[32];            /* "EPSG:9215" */
    int srid;                /* 9215 */
    char province_code[8];
    char province_name[128];
    bool mountainous;
    int64_t parcels;         /* current parcels */
    int64_t communes;
    int64_t planning_zones;
    double bbox[4];          /* extent of communes and parcels, native CRS: minx, miny, maxx, maxy */
    int64_t change_seq;      /* grows with every committed data change */
};
int store_info(struct store *s, struct store_info *out);

/* Transactions: writes between begin and commit land together or not at all.
 * Bulk loads belong in one (or a few large) transactions: once a transaction
 * has written thousands of parcels (and an eighth of the store), the SQLite
 * backend defers the spatial indexes to commit, so from then until commit
 * store_parcels_at and store_parcels_in_box on that connection see the
 * indexes as they were. Other connections see the last commit, always. */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* ---------------------------------------------------------------- communes */

/* A current commune-level unit (xã, phường). */
struct store_commune {
    char code[STORE_CODE_MAX];     /* official 5-digit code */
    const char *name;              /* "Phường Đông Kinh" */
    const char *kind;              /* "ward" or "commune" */
    bool mountainous;              /* mountainous or border: dispute time limits */
    const uint8_t *wkb;            /* boundary, native CRS; NULL when not asked / none */
    size_t wkb_len;
};

/* A commune of survey: the commune that drew a map sheet. After the 2025
 * merger it is often a former commune; `commune` is the current unit that holds
 * (part of) it. A former commune split among several units appears once per unit. */
struct store_survey_commune {
    char code[STORE_CODE_MAX];
    const char *name;
    char commune[STORE_CODE_MAX];
};

int store_commune_put(struct store *s, const struct store_commune *c);
int store_survey_commune_put(struct store *s, const struct store_survey_commune *sc);
typedef int (*store_commune_cb)(void *ctx, const struct store_commune *c);
typedef int (*store_survey_commune_cb)(void *ctx, const struct store_survey_commune *sc);
/* All current units ordered by code; with_geom asks for boundaries. */
int store_communes(struct store *s, bool with_geom, store_commune_cb cb, void *ctx);
int store_commune_get(struct store *s, const char *code, bool with_geom, store_commune_cb cb,
                      void *ctx); /* LIS_ENOTFOUND when unknown */
/* Communes of survey, ordered by (code, commune). */
int store_survey_communes(struct store *s, store_survey_commune_cb cb, void *ctx);
/* The current unit whose boundary contains native point (x, y); LIS_ENOTFOUND outside all. */
int store_commune_at(struct store *s, double x, double y, char code[STORE_CODE_MAX]);

/* ------------------------------------------------------------ land-use codes */

struct store_land_use {
    const char *code, *name_vi, *name_en, *group;
};
typedef int (*store_land_use_cb)(void *ctx, const struct store_land_use *u);
int store_land_uses(struct store *s, store_land_use_cb cb, void *ctx);

/* ----------------------------------------------------------------- parcels */

/* One version of a parcel: the public (basic-view) record. */
struct store_parcel {
    int64_t id;                          /* stable across versions */
    int version;                         /* 1, 2, ... */
    char national_id[16];                /* 12-character GeoHash; kept across versions */
    char survey_commune[STORE_CODE_MAX]; /* commune of survey */
    char commune[STORE_CODE_MAX];        /* current unit */
    char sheet[STORE_SN_MAX + 1];
    char number[STORE_SN_MAX + 1];
    double area;                         /* legal area, m² (as on the certificate / source) */
    double area_map;                     /* area of the geometry in the native CRS, m² */
    const char *land_use;                /* "ODT+CLN" */
    const char *address;                 /* may be NULL */
    const char *valid_from;              /* ISO 8601 date-time this version began;
                                            writes: NULL means now (clock_now) */
    const char *valid_to;                /* NULL for the current version */
    const uint8_t *wkb;                  /* native CRS; set when asked for, else NULL */
    size_t wkb_len;
    const uint8_t *wkb_mercator;         /* EPSG:3857; for writes, and reads that ask */
    size_t wkb_mercator_len;
    const char *search_text;             /* folded words the search matches (writes; reads
                                            with STORE_WANT_SEARCH) */
};

enum store_parcel_want {
    STORE_WANT_GEOM = 1 << 0,     /* fill wkb */
    STORE_WANT_MERCATOR = 1 << 1, /* fill wkb_mercator */
    STORE_WANT_SEARCH = 1 << 2,   /* fill search_text (current versions; for copying a store) */
};

enum store_put_result {
    STORE_INSERTED = 1,  /* a new parcel */
    STORE_UPDATED = 2,   /* a new version of an existing parcel */
    STORE_UNCHANGED = 3, /* nothing differed: left alone */
};

/* Insert or version a parcel keyed by (survey_commune, sheet, number) among
 * current parcels. When a current parcel has that key and any stored field
 * differs, its version is retired into the history and p becomes the next
 * version with the same id and national id; p->id and p->national_id are
 * ignored then. For a new parcel p->national_id must be set. p->id may be 0
 * (the store assigns one). wkb, wkb_mercator, area_map and search_text must
 * be set. Returns a store_put_result (> 0) or a negative lis_err; *id gets
 * the parcel id. */
int store_parcel_put(struct store *s, const struct store_parcel *p, int64_t *id);

/* Retire a current parcel (split, merge, removal): it leaves the parcels layer
 * and stays queryable in the history. `when` is an ISO 8601 date-time. */
int store_parcel_retire(struct store *s, int64_t id, const char *when);

typedef int (*store_parcel_cb)(void *ctx, const struct store_parcel *p);

/* The current version of parcel `id`; LIS_ENOTFOUND when none (unknown or retired). */
int store_parcel_get(struct store *s, int64_t id, unsigned want, store_parcel_cb cb, void *ctx);
/* Every version of parcel `id`, oldest first (retired parcels too); LIS_ENOTFOUND when none. */
int store_parcel_history(struct store *s, int64_t id, unsigned want, store_parcel_cb cb,
                         void *ctx);
/* Current parcels containing the Web-Mercator point (x, y) (on a shared
 * edge: each of them, in no particular order). */
int store_parcels_at(struct store *s, double x, double y, unsigned want, store_parcel_cb cb,
                     void *ctx);
/* Current parcels whose native-CRS bounding box meets box {minx,miny,maxx,maxy},
 * ordered by id, at most `limit`. */
int store_parcels_in_box(struct store *s, const double box[4], unsigned want, int limit,
                         store_parcel_cb cb, void *ctx);
/* Current parcels by identifier. `commune` matches the commune of survey or
 * the current unit; sheet and number may be NULL for "any". Ordered by
 * (survey commune, sheet, number) with numeric order where numeric; at most limit. */
int store_parcels_by_key(struct store *s, const char *commune, const char *sheet,
                         const char *number, unsigned want, int limit, store_parcel_cb cb,
                         void *ctx);
/* The current parcel with national identifier `nid` (lower case). */
int store_parcel_by_national_id(struct store *s, const char *nid, unsigned want,
                                store_parcel_cb cb, void *ctx);
/* Current parcels whose search text holds every word of `folded` (output of
 * text_fold) as the start of one of its words; ordered by id, only ids
 * greater than `after`, at most `limit`. An empty query matches nothing. */
int store_parcels_search(struct store *s, const char *folded, int64_t after, int limit,
                         unsigned want, store_parcel_cb cb, void *ctx);
/* Every current parcel ordered by id, ids greater than `after`, at most limit. */
int store_parcels_scan(struct store *s, int64_t after, int limit, unsigned want,
                       store_parcel_cb cb, void *ctx);
/* Current parcels whose Web-Mercator bounding box meets box (EPSG:3857
 * {minx,miny,maxx,maxy}), through the Web-Mercator index; at most `limit`.
 * after < 0: in no particular order (tiles); after >= 0: ordered by id, only
 * ids greater than `after` (keyset paging). STORE_WANT_MERCATOR costs no
 * extra lookup here. */
int store_parcels_in_mercator_box(struct store *s, const double box[4], int64_t after, int limit,
                                  unsigned want, store_parcel_cb cb, void *ctx);

/* ----------------------------------------------------------- planning zones */

struct store_planning_zone {
    int64_t id;
    const char *land_use;   /* planned purpose code(s) */
    const char *plan;       /* "Quy hoạch sử dụng đất đến năm 2030 ..." */
    const char *decision;   /* approving decision reference, may be NULL */
    const char *commune;    /* current unit code, may be NULL */
    const uint8_t *wkb;     /* native CRS */
    size_t wkb_len;
};
typedef int (*store_planning_cb)(void *ctx, const struct store_planning_zone *z);
/* Returns the new zone's id (> 0) or a negative lis_err. */
int64_t store_planning_put(struct store *s, const struct store_planning_zone *z);
/* Zones whose bounding box meets box (native CRS), with geometry. */
int store_planning_in_box(struct store *s, const double box[4], store_planning_cb cb, void *ctx);
/* Every zone ordered by id, ids greater than `after`, at most limit, with geometry. */
int store_planning_scan(struct store *s, int64_t after, int limit, store_planning_cb cb,
                        void *ctx);

/* ------------------------------------------------------------ change log */

/* One committed data change, for caches (tiles) that must forget what it touched. */
struct store_change {
    int64_t seq;         /* as store_info().change_seq counts */
    const char *kind;    /* "insert", "update", "retire", "bulk", "commune", "planning" */
    int64_t parcel_id;   /* 0 when not one parcel */
    bool anywhere;       /* no box: anything may have changed */
    double box[4];       /* EPSG:3857 {minx,miny,maxx,maxy} when !anywhere */
};
typedef int (*store_change_cb)(void *ctx, const struct store_change *c);
/* Changes with seq greater than `after`, oldest first, at most limit. */
int store_changes_since(struct store *s, int64_t after, int limit, store_change_cb cb, void *ctx);

/* ---------------------------------------------------------------- registry */
/* Holders and their rights, certificates, restrictions and events live in
 * registry.db: never read by the basic view. Keys are parcel ids. */

struct store_holder {
    int64_t id;
    const char *kind;       /* "individual", "household", "organisation" */
    const char *name;
    const char *id_number;  /* CCCD / business registration no.; may be NULL */
    const char *address;    /* may be NULL */
    int birth_year;         /* 0 when unknown or an organisation */
};
struct store_right {
    int64_t parcel_id;
    int64_t holder_id;
    const char *kind;        /* "use" (quyền sử dụng đất), "ownership" (of assets) */
    const char *land_use;    /* purpose the right covers */
    double area;             /* m² covered */
    const char *term;        /* "long-term" or an ISO date the right ends */
    const char *origin;      /* how the right arose, Vietnamese as on the certificate */
    double share;            /* 0..1 for co-holders */
};
struct store_certificate {
    int64_t parcel_id;
    const char *serial;      /* "CS 123456" */
    const char *issued_on;   /* ISO date */
    const char *issuer;
    const char *register_no; /* số vào sổ cấp GCN; may be NULL */
};
struct store_restriction {
    int64_t parcel_id;
    const char *kind;        /* "mortgage", "dispute", "seizure" */
    const char *party;       /* bank, other party, authority; may be NULL */
    const char *since;       /* ISO date */
    const char *until;       /* ISO date or NULL while in force */
    const char *note;
};
struct store_event {
    int64_t parcel_id;
    const char *kind;        /* "registration", "transfer", "inheritance", "change_of_use",
                                "resurvey", "split", "merge", "mortgage", "release" */
    const char *date;        /* ISO date */
    const char *description;
    int version;             /* parcel version the event produced; 0 when none */
    int64_t related_id;      /* other parcel of a split or merge; 0 when none */
};

/* Returns the new holder id (> 0) or a negative lis_err. */
int64_t store_holder_put(struct store *s, const struct store_holder *h);
int store_right_put(struct store *s, const struct store_right *r);
int store_certificate_put(struct store *s, const struct store_certificate *c);
int store_restriction_put(struct store *s, const struct store_restriction *r);
int store_event_put(struct store *s, const struct store_event *e);
/* Remove every registry record of a parcel (before re-importing it). */
int store_registry_clear(struct store *s, int64_t parcel_id);

/* Counts for reports and tests: table name as in the SQLite backend
 * ("parcels", "parcel_history", "holders", "rights", ...). */
int store_count(struct store *s, const char *what, int64_t *n);

/* Finish a bulk load: rebuild what bulk writes deferred (search index,
 * statistics) and compact. Call after the last commit of `lis demo`/`lis import`. */
int store_optimize(struct store *s);

/* Every registry record of one parcel, for the detailed and full views: the
 * holders of its rights (each once), then its rights, certificates,
 * restrictions and events, each table in the order it was written. A parcel
 * without registry records calls nothing and returns 0. */
int store_parcel_registry(struct store *s, int64_t parcel_id, const struct store_registry_cbs *cbs,
                          void *ctx);

/* ------------------------------------------------------------------ portal */
/* The customer side: accounts, sessions, login throttles, plans and the
 * append-only audit log. SQLite keeps it in portal.db beside land.gpkg (made
 * with the store or by `lis migrate`, attached as `portal` at a connection's
 * first portal call, which must not come inside a transaction or a
 * callback); PostgreSQL in schema `portal`. Only the portal's own code reads it: never the land API.
 * Times are unix seconds (clock_now()). Text is UTF-8. */

#define STORE_HASH_LEN 32 /* session token hashes */

/* A plan: the usage rights a user has. Data, not code. */
struct store_plan {
    const char *code;     /* "free", "plus", "pro" */
    const char *name_vi;
    const char *name_en;
    int daily_views;      /* distinct parcels a day in the detailed view; -1: no limit */
    int watch_max;        /* parcels a user may watch */
    const char *features; /* comma-separated flags: "extract,watch,api"; "" for none */
};

/* A customer account. After closing, phone, name, email and address are NULL
 * (erased) and the row stays for the audit log's ids. */
struct store_user {
    int64_t id;
    const char *phone;           /* E.164 "+84912345678"; unique among open accounts */
    const char *name;
    const char *email;           /* may be NULL */
    const char *address;         /* may be NULL */
    const char *role;            /* "user", "staff", "admin" */
    const char *plan;            /* plan code */
    int64_t plan_until;          /* the plan's end; 0: none (then back to "free") */
    const char *pw_hash;         /* crypto_pwhash_str() text */
    bool locked;                 /* by an administrator */
    bool must_reset;             /* must change the password at the next login */
    const char *consent_version; /* privacy policy accepted at registration, "1.0" */
    int64_t consent_at;
    int64_t created_at, updated_at;
    int64_t closed_at;           /* 0 while open */
    const char *name_folded;     /* text_fold(name), for searches; the store_user_create and
                                    store_user_update wrappers fill it, callers leave it */
};

/* Fields store_user_update writes. */
enum store_user_field {
    STORE_USER_NAME = 1 << 0,
    STORE_USER_PHONE = 1 << 1,
    STORE_USER_EMAIL = 1 << 2,
    STORE_USER_ADDRESS = 1 << 3,
    STORE_USER_PW_HASH = 1 << 4,
    STORE_USER_ROLE = 1 << 5,
    STORE_USER_PLAN = 1 << 6,       /* plan and plan_until */
    STORE_USER_LOCKED = 1 << 7,
    STORE_USER_MUST_RESET = 1 << 8,
    STORE_USER_CLOSED = 1 << 9,     /* closed_at */
};

typedef int (*store_user_cb)(void *ctx, const struct store_user *u);
typedef int (*store_plan_cb)(void *ctx, const struct store_plan *p);

/* Insert u (u->id ignored). Returns the new id (> 0), LIS_ECONFLICT when an
 * open account has that phone, or another negative lis_err. */
int64_t store_user_create(struct store *s, const struct store_user *u);
/* Account `id` (open or closed); LIS_ENOTFOUND when none. */
int store_user_get(struct store *s, int64_t id, store_user_cb cb, void *ctx);
/* The open account with this phone (E.164); LIS_ENOTFOUND when none. */
int store_user_by_phone(struct store *s, const char *phone, store_user_cb cb, void *ctx);
/* Write the `fields` (enum store_user_field) of u to account u->id, and
 * updated_at = u->updated_at. NULL text erases (stores NULL). LIS_ENOTFOUND,
 * LIS_ECONFLICT (phone taken by another open account). */
int store_user_update(struct store *s, const struct store_user *u, unsigned fields);

/* All plans ordered by daily_views (no limit last), then code. */
int store_plans(struct store *s, store_plan_cb cb, void *ctx);
/* Plan `code`; LIS_ENOTFOUND when none. */
int store_plan_get(struct store *s, const char *code, store_plan_cb cb, void *ctx);
/* Insert or replace plan p->code. A new store has "free" (20 views a day,
 * watch 0), "plus" (200, watch 20, "extract,watch") and "pro" (no limit,
 * watch 200, "extract,watch,api"). */
int store_plan_put(struct store *s, const struct store_plan *p);

/* A login session; the token itself is never stored, only its hash. */
struct store_session {
    uint8_t hash[STORE_HASH_LEN];
    int64_t user_id;
    int64_t created_at;
    int64_t seen_at;    /* last request (for idle expiry) */
    int64_t expires_at; /* absolute expiry */
};
int store_session_put(struct store *s, const struct store_session *ss);
/* LIS_ENOTFOUND when no session has this hash. */
int store_session_get(struct store *s, const uint8_t hash[STORE_HASH_LEN],
                      struct store_session *out);
int store_session_touch(struct store *s, const uint8_t hash[STORE_HASH_LEN], int64_t seen_at);
int store_session_delete(struct store *s, const uint8_t hash[STORE_HASH_LEN]);
/* End every session of user_id except `keep` (NULL: all). *n (may be NULL)
 * gets how many ended. */
int store_sessions_end(struct store *s, int64_t user_id, const uint8_t *keep, int64_t *n);
/* Sessions of user_id, newest first (for the data export). */
typedef int (*store_session_cb)(void *ctx, const struct store_session *ss);
int store_sessions_of(struct store *s, int64_t user_id, store_session_cb cb, void *ctx);
/* Remove sessions that expired before `now` (absolute expiry, or idle since
 * now - idle seconds). *n (may be NULL) gets how many. */
int store_sessions_purge(struct store *s, int64_t now, int64_t idle, int64_t *n);

/* Login throttle state of one key ("p:" + a hash of the phone, "a:" + a
 * client address). */
struct store_throttle {
    int failures;    /* consecutive failed logins */
    int64_t last_at; /* the last failure */
    int64_t until;   /* no attempt before this time */
};
/* Zeros when the key has no state. */
int store_throttle_get(struct store *s, const char *key, struct store_throttle *out);
/* Write the state; failures == 0 removes the key. */
int store_throttle_put(struct store *s, const char *key, const struct store_throttle *t);

/* One audit entry: ids, codes and times only, never a personal value. The
 * log is append-only: the store refuses updates and deletes of it. */
struct store_audit {
    int64_t id;             /* assigned by the store */
    int64_t at;
    int64_t actor;          /* user id; 0: the system or an operator's CLI */
    const char *actor_role; /* "user", "staff", "admin", "system" */
    const char *action;     /* "parcel.detailed", "parcel.full", "user.role", ... */
    int64_t subject;        /* the user whose data or rights it concerns; 0: none */
    int64_t object;         /* a parcel, ticket, ... id; 0: none */
    const char *reason;     /* a code ("own-request", "support", "quota") or NULL */
};
typedef int (*store_audit_cb)(void *ctx, const struct store_audit *a);
/* Returns the new entry's id (> 0) or a negative lis_err. */
int64_t store_audit_add(struct store *s, const struct store_audit *a);

/* Which entries store_audit_list returns: zero/NULL fields match anything. */
struct store_audit_filter {
    int64_t actor;
    int64_t subject;
    int64_t actor_or_subject; /* entries where this user is the actor or the subject */
    const char *action;       /* exact code, or a prefix ending in '.' ("parcel.") */
    int64_t from, to;         /* at >= from, at < to (0: open) */
    int64_t before;           /* id < before (keyset paging, newest first); 0: from the newest */
    int limit;                /* > 0 */
};
/* Entries matching f, newest first (by id). */
int store_audit_list(struct store *s, const struct store_audit_filter *f, store_audit_cb cb,
                     void *ctx);
/* How many distinct objects `actor` has entries for with this exact action
 * since `since`; *seen tells whether `object` is among them. For quotas. */
int store_audit_distinct(struct store *s, int64_t actor, const char *action, int64_t since,
                         int64_t object, int64_t *n, bool *seen);

/* --------------------------------------------- portal: administration */
/* Customer search, plan expiry, upgrade requests, notifications, watched
 * parcels, one-time codes, tickets and disclosures (schema version 2). */

/* Accounts matching f, ordered by id, ids greater than f->after, at most
 * f->limit. Closed accounts are never returned. */
struct store_user_filter {
    const char *words;  /* folded words (text_fold) each the start of a word of the name; or
                           NULL */
    const char *digits; /* digits the phone contains ("912345"); or NULL */
    const char *role;   /* exact role; or NULL */
    int64_t after;
    int limit;
};
int store_users_search(struct store *s, const struct store_user_filter *f, store_user_cb cb,
                       void *ctx);
/* Accounts whose plan ended (0 < plan_until <= now), for the fall back to
 * "free": their plan is set to "free" and plan_until to 0; *n gets how
 * many, cb (may be NULL) sees each before the change. */
int store_plans_expire(struct store *s, int64_t now, store_user_cb cb, void *ctx, int64_t *n);

/* A request to move to another plan. */
struct store_upgrade {
    int64_t id;
    int64_t user_id;
    const char *plan;            /* the plan asked for */
    const char *reason;          /* the user's words; may be NULL */
    const char *status;          /* "pending", "approved", "declined", "withdrawn" */
    int64_t created_at;
    int64_t decided_at, decided_by; /* 0 while pending */
    int64_t until;               /* approved: the grant's end (0: none) */
    const char *decision;        /* declined: the reason given; may be NULL */
};
typedef int (*store_upgrade_cb)(void *ctx, const struct store_upgrade *u);
/* Returns the new id, or LIS_ECONFLICT when the user has a pending request. */
int64_t store_upgrade_create(struct store *s, const struct store_upgrade *u);
int store_upgrade_get(struct store *s, int64_t id, store_upgrade_cb cb, void *ctx);
/* Decide a pending request (u->id): status, decided_at, decided_by, until,
 * decision. LIS_ECONFLICT when it is no longer pending, LIS_ENOTFOUND. */
int store_upgrade_decide(struct store *s, const struct store_upgrade *u);
/* Requests, newest first (id < before when before > 0); user_id 0: all
 * users; status NULL: any. */
int store_upgrades(struct store *s, int64_t user_id, const char *status, int64_t before, int limit,
                   store_upgrade_cb cb, void *ctx);

/* A notification. Its audience is "all", "plan:CODE", "role:ROLE" or
 * "user:ID"; public ones (service updates) are also shown to visitors. */
struct store_notice {
    int64_t id;
    const char *kind;     /* "service", "upgrade", "ticket", "parcel" */
    const char *audience;
    bool public_notice;
    const char *title;
    const char *body;
    int64_t sender;       /* user id; 0: the system */
    int64_t object;       /* the ticket, parcel or request it is about; 0: none */
    int64_t created_at;
    bool read;            /* inbox reads: whether this user has read it */
};
typedef int (*store_notice_cb)(void *ctx, const struct store_notice *n);
int64_t store_notice_add(struct store *s, const struct store_notice *n);
/* Whose inbox: a user with their plan and role; notices for "all" count from
 * `since` (the account's creation) on. */
struct store_inbox {
    int64_t user_id;
    const char *plan;
    const char *role;
    int64_t since;
    bool unread_only;
    int64_t before;       /* id < before when > 0 */
    int limit;
};
/* The user's notices, newest first, with `read` set. */
int store_inbox(struct store *s, const struct store_inbox *q, store_notice_cb cb, void *ctx);
int store_inbox_unread(struct store *s, const struct store_inbox *q, int64_t *n);
/* Mark notice `id` read for q->user_id (it must be in their inbox:
 * LIS_ENOTFOUND otherwise); id 0 marks every notice of the inbox read. */
int store_inbox_mark_read(struct store *s, const struct store_inbox *q, int64_t id, int64_t at);
/* Public notices, newest first. */
int store_public_notices(struct store *s, int64_t before, int limit, store_notice_cb cb,
                         void *ctx);

/* A watched parcel and the state last told to its watcher. */
struct store_watch {
    int64_t user_id;
    int64_t parcel_id;
    int version;     /* parcel version last seen; 0: retired when last seen */
    int64_t state;   /* a fingerprint of the parcel's restrictions last seen */
    int64_t created_at;
};
typedef int (*store_watch_cb)(void *ctx, const struct store_watch *w);
/* LIS_ECONFLICT when the user already watches the parcel. */
int store_watch_add(struct store *s, const struct store_watch *w);
int store_watch_delete(struct store *s, int64_t user_id, int64_t parcel_id); /* LIS_ENOTFOUND */
int store_watches_of(struct store *s, int64_t user_id, store_watch_cb cb, void *ctx);
/* Every watch ordered by (parcel_id, user_id) after (after_parcel,
 * after_user), at most limit: for the sweep that notices changes. */
int store_watches_scan(struct store *s, int64_t after_parcel, int64_t after_user, int limit,
                       store_watch_cb cb, void *ctx);
/* Move a watch from the state in `old` to (version, state); returns 1 when
 * this call moved it, 0 when it was no longer in `old` (another process
 * moved it first: it sends the notification, not us). */
int store_watch_advance(struct store *s, const struct store_watch *old, int version,
                        int64_t state);

/* A one-time code (password reset, phone check): only its hash is kept. */
struct store_code {
    char key[64];        /* auth_phone_key() of the phone */
    char purpose[16];    /* "reset", "verify" */
    uint8_t hash[STORE_HASH_LEN];
    int64_t expires_at;
    int attempts;        /* wrong codes tried */
};
/* Insert or replace the code of (key, purpose). */
int store_code_put(struct store *s, const struct store_code *c);
int store_code_get(struct store *s, const char *key, const char *purpose,
                   struct store_code *out); /* LIS_ENOTFOUND */
int store_code_attempt(struct store *s, const char *key, const char *purpose); /* attempts + 1 */
/* Returns 1 when it removed the code, 0 when there was none (already used or
 * removed by another request: using a code is deleting it, and only one
 * delete can remove it), or a negative lis_err. */
int store_code_delete(struct store *s, const char *key, const char *purpose);

/* A support, complaint or dispute ticket. */
struct store_ticket {
    int64_t id;
    int64_t user_id;         /* the author */
    const char *kind;        /* "support", "complaint", "dispute" */
    const char *subject;
    const char *status;      /* "open", "in_progress", "resolved", "rejected" */
    int64_t parcel_id;       /* disputes: the parcel; others: 0 or a parcel it is about */
    const char *other_party; /* disputes: the other party; NULL otherwise */
    const char *commune;     /* the parcel's current unit when filed (dispute time limits) */
    int64_t assignee;        /* staff user id; 0: nobody */
    const char *reason;      /* rejected or resolved: why / how; may be NULL */
    int64_t created_at, updated_at;
    int64_t closed_at;       /* resolved or rejected at; 0 while open */
};
enum store_ticket_field {
    STORE_TICKET_STATUS = 1 << 0,   /* status, reason, closed_at */
    STORE_TICKET_ASSIGNEE = 1 << 1,
};
typedef int (*store_ticket_cb)(void *ctx, const struct store_ticket *t);
int64_t store_ticket_create(struct store *s, const struct store_ticket *t);
int store_ticket_get(struct store *s, int64_t id, store_ticket_cb cb, void *ctx);
/* Write `fields` of t->id and updated_at = t->updated_at. */
int store_ticket_update(struct store *s, const struct store_ticket *t, unsigned fields);
struct store_ticket_filter {
    int64_t user_id;     /* 0: any author */
    int64_t assignee;    /* 0: any; -1: nobody */
    const char *status;  /* NULL: any; "active": open or in_progress */
    const char *kind;    /* NULL: any */
    int64_t before;      /* id < before when > 0 */
    int limit;
};
/* Tickets newest first. */
int store_tickets(struct store *s, const struct store_ticket_filter *f, store_ticket_cb cb,
                  void *ctx);

struct store_message {
    int64_t id;
    int64_t ticket_id;
    int64_t author_id;
    const char *author_role; /* "user", "staff", "admin" */
    const char *body;
    int64_t created_at;
};
typedef int (*store_message_cb)(void *ctx, const struct store_message *m);
int64_t store_message_add(struct store *s, const struct store_message *m);
/* A ticket's messages, oldest first. */
int store_messages(struct store *s, int64_t ticket_id, store_message_cb cb, void *ctx);

/* A disclosure to a competent authority, recorded before the export. */
struct store_disclosure {
    int64_t id;
    int64_t admin_id;
    int64_t subject;        /* the user whose data is disclosed */
    const char *authority;  /* "Công an tỉnh Lạng Sơn" */
    const char *document;   /* the request's reference, "123/CV-PC02" */
    const char *document_date; /* ISO date of the request */
    const char *legal_basis;
    int64_t created_at;
    int64_t exported_at;    /* 0 until exported */
};
typedef int (*store_disclosure_cb)(void *ctx, const struct store_disclosure *d);
int64_t store_disclosure_add(struct store *s, const struct store_disclosure *d);
int store_disclosure_get(struct store *s, int64_t id, store_disclosure_cb cb, void *ctx);
/* Newest first; subject 0: all. */
int store_disclosures(struct store *s, int64_t subject, int64_t before, int limit,
                      store_disclosure_cb cb, void *ctx);
int store_disclosure_exported(struct store *s, int64_t id, int64_t at);

/* ----------------------------------------------------------------- copying */

/* Every version of the first `limit` parcels, current or retired, with ids
 * greater than `after`, ordered by (id, version): for copying a whole store.
 * Retired versions have valid_to set and no Web-Mercator copy. */
int store_parcel_versions(struct store *s, int64_t after, int limit, unsigned want,
                          store_parcel_cb cb, void *ctx);

/* Callbacks for store_registry_dump; one left NULL skips its table. */
struct store_registry_cbs {
    int (*holder)(void *ctx, const struct store_holder *h);
    int (*right)(void *ctx, const struct store_right *r);
    int (*certificate)(void *ctx, const struct store_certificate *c);
    int (*restriction)(void *ctx, const struct store_restriction *r);
    int (*event)(void *ctx, const struct store_event *e);
};
/* Every registry record: holders, rights, certificates, restrictions, events,
 * each table in the order it was written. For copying a whole store. */
int store_registry_dump(struct store *s, const struct store_registry_cbs *cbs, void *ctx);

/* Apply the schema versions the store lacks (open it with STORE_MIGRATE).
 * *from and *to get the versions before and after. */
int store_migrate(struct store *s, int *from, int *to);
/* The schema version this binary reads and writes. */
int store_schema_version(void);

#endif
