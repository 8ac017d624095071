/* portal — what the account, admin, ticket and notification handlers share
 * (internal to api/): accounts and plans copied out of store callbacks,
 * JSON request bodies with per-field errors, and small JSON helpers.
 *
 * Copies own their strings: free them with api_user_free / api_plan_free.
 * Body parsing answers the request itself (400) when it fails. */
#ifndef LIS_API_PORTAL_H
#define LIS_API_PORTAL_H

#include "api/routes.h"

#include <h2o.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* An account row copied out of a store callback. */
struct api_user {
    bool found;
    int64_t id;
    char *phone, *name, *email, *address, *role, *plan, *pw_hash, *consent_version;
    int64_t plan_until, consent_at, created_at, updated_at, closed_at;
    bool locked, must_reset;
};

/* store_user_cb: copies the row into ctx (a struct api_user, freed first). */
int api_user_copy(void *ctx, const struct store_user *s);
void api_user_free(struct api_user *u);
char *api_dup_or_null(const char *s);
/* The plan in force for u at now: its own until plan_until, then "free". */
const char *api_plan_in_force(const struct api_user *u, int64_t now);

struct api_plan {
    bool found;
    char code[24];
    char *name_vi, *name_en, *features;
    int daily_views, watch_max;
};

/* store_plan_cb: copies the row into ctx (a struct api_plan, freed first). */
int api_plan_copy(void *ctx, const struct store_plan *s);
void api_plan_free(struct api_plan *p);
/* {code,name_vi,name_en,daily_views}; a new reference. */
json_t *api_plan_json(const struct api_plan *p);
/* Load plan `code` (a missing plan reads as one with a quota of 0). */
void api_plan_load(struct store *s, const char *code, struct api_plan *p);

/* o[key] = t as ISO 8601 UTC, or null when t <= 0. */
void api_json_time(int64_t t, json_t *o, const char *key);
/* A JSON string, or null for NULL; a new reference. */
json_t *api_json_or_null(const char *s);

/* ---------------------------------------------------------- request bodies */

struct api_body {
    json_t *body;
    json_t *bad; /* invalid_params */
};

/* Parse req's JSON body into f: an object whose members are all in allowed
 * (NULL-terminated). Answers 400 itself and returns false otherwise. An
 * empty body reads as {}. Free with api_body_close. */
bool api_body_open(h2o_req_t *req, const char *const allowed[], struct api_body *f);
void api_body_close(struct api_body *f);
/* Add a field error {name, code, reason} (answered by api_body_failed); a
 * field keeps only its first error. */
void api_body_bad(struct api_body *f, const char *name, const char *code, const char *reason);
/* A string member: its text; NULL when absent, null or "" (*present, when
 * not NULL, says whether the member was there). A non-string is a field
 * error. Borrowed from f->body. */
const char *api_body_text(struct api_body *f, const char *name, bool *present);
/* When field errors were added: answers 400 invalid-body with
 * "invalid_params" and returns true. */
bool api_body_failed(h2o_req_t *req, struct api_body *f);
/* Text a person wrote, member `name` of f: trimmed, 1..max characters, no
 * control characters but tab (and line breaks when multiline; CR LF becomes
 * LF), into out. False, with a field error ("required", "invalid",
 * "too-long"), when it is not acceptable. */
bool api_body_written(struct api_body *f, const char *name, size_t max, bool multiline,
                      struct buf *out);

/* Answer a portal-store failure (logged unless it is not-found/conflict). */
void api_store_error(struct api_thread *t, h2o_req_t *req, int rc);

/* A user's detailed views today (distinct parcels since 00:00 Viet Nam time),
 * read from the audit log: the quota and the log cannot disagree. */
struct api_quota {
    int daily;         /* the plan's daily views; -1: no limit */
    int64_t used;      /* distinct parcels seen today */
    bool seen;         /* the parcel asked about is among them */
    int64_t resets_at; /* the next local 00:00 */
};
/* Read user_id's quota; `object` (0: none) is the parcel about to be seen.
 * Returns 0 or a negative lis_err (logged). */
int api_quota_read(struct api_thread *t, int64_t user_id, int daily, int64_t object,
                   struct api_quota *q);
/* {daily, used, left, resets_at} (left null without a limit); a new reference. */
json_t *api_quota_json(const struct api_quota *q);

/* The account fields a person and an administrator both see: id, name,
 * phone, email, address, role, plan `plan` (the one in force for the person,
 * the granted one for the admin) and plan_until, must_reset, consent,
 * created_at, updated_at. A new object for the caller to add to. */
json_t *api_account_json(struct api_thread *t, const struct api_user *u, const char *plan);

/* Start a new session for account `id` (a fresh token in the cookie) and
 * answer `status` with the session document (account.c). */
void api_session_start(struct api_thread *t, h2o_req_t *req, int64_t id, int status);
/* The profile document of u (account.c); a new reference. */
json_t *api_profile_json(struct api_thread *t, const struct api_user *u);
/* Answer 429 too-many-attempts with Retry-After: wait seconds (account.c). */
void api_too_many(h2o_req_t *req, int64_t wait, const char *detail);

#endif
