/* portal_cases — the portal section of the store (accounts, plans, sessions,
 * login throttles, the audit log, and administration: customer search, plan
 * expiry, upgrade requests, notices and inboxes, watched parcels, one-time
 * codes, tickets and messages, disclosures) and store_parcel_registry, as test bodies
 * that take a store, so that every backend runs the same cases:
 * test_portal.c on SQLite, test_store_pg.c on PostgreSQL. Each case wants a
 * fresh writable store (as STORE_CREATE makes it) and uses only store.h.
 * Times are plain unix seconds given by the cases, never the clock.
 * Header-only and static: each test binary is a single file. */
#ifndef LIS_PORTAL_CASES_H
#define LIS_PORTAL_CASES_H

#include "core/buf.h"
#include "core/err.h"
#include "store/store.h"

#include "store_fixture.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define PC_T0 1751356800 /* 2025-07-01T08:00:00Z */
#define PC_HASH "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo"

/* ---- helpers ---- */

/* Rows rendered as text, for comparing with one string. */
struct pc_text {
    struct buf b;
    int n;
    int stop_after; /* > 0: the callback returns 7 at this row */
};

static inline const char *pc_s(const char *s)
{
    return s ? s : "-";
}

static inline void pc_sep(struct pc_text *t)
{
    if (t->b.len)
        buf_putc(&t->b, ' ');
}

static inline int pc_row_done(struct pc_text *t)
{
    t->n++;
    return t->stop_after > 0 && t->n == t->stop_after ? 7 : 0;
}

static inline void pc_reset(struct pc_text *t)
{
    buf_reset(&t->b);
    t->n = 0;
    t->stop_after = 0;
}

/* Every field of an account, '|'-separated, NULL as "-"; name_folded last. */
static inline int pc_user(void *ctx, const struct store_user *u)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_appendf(&t->b, "%lld|%s|%s|%s|%s|%s|%s|%lld|%s|%d|%d|%s|%lld|%lld|%lld|%lld|%s",
                (long long)u->id, pc_s(u->phone), pc_s(u->name), pc_s(u->email),
                pc_s(u->address), pc_s(u->role), pc_s(u->plan), (long long)u->plan_until,
                pc_s(u->pw_hash), u->locked, u->must_reset, pc_s(u->consent_version),
                (long long)u->consent_at, (long long)u->created_at, (long long)u->updated_at,
                (long long)u->closed_at, pc_s(u->name_folded));
    return pc_row_done(t);
}

static inline int pc_plan(void *ctx, const struct store_plan *p)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_appendf(&t->b, "%s:%s:%s:%d:%d:%s", p->code, p->name_vi, p->name_en, p->daily_views,
                p->watch_max, p->features);
    return pc_row_done(t);
}

/* A session hash: 32 bytes of `fill`, the last one `last`. */
static inline void pc_hash(uint8_t h[STORE_HASH_LEN], uint8_t fill, uint8_t last)
{
    memset(h, fill, STORE_HASH_LEN);
    h[STORE_HASH_LEN - 1] = last;
}

static inline int pc_session(void *ctx, const struct store_session *ss)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_appendf(&t->b, "%02x%02x:u%lld:%lld/%lld/%lld", ss->hash[0], ss->hash[STORE_HASH_LEN - 1],
                (long long)ss->user_id, (long long)ss->created_at, (long long)ss->seen_at,
                (long long)ss->expires_at);
    return pc_row_done(t);
}

/* Audit entries as their ids, or (full) every field. */
struct pc_audit {
    struct pc_text t;
    bool full;
};

static inline int pc_audit_row(void *ctx, const struct store_audit *a)
{
    struct pc_audit *x = ctx;
    pc_sep(&x->t);
    if (x->full)
        buf_appendf(&x->t.b, "%lld|%lld|%lld|%s|%s|%lld|%lld|%s", (long long)a->id,
                    (long long)a->at, (long long)a->actor, a->actor_role, a->action,
                    (long long)a->subject, (long long)a->object, pc_s(a->reason));
    else
        buf_appendf(&x->t.b, "%lld", (long long)a->id);
    return pc_row_done(&x->t);
}

/* A fresh account; phone and name vary, the rest is fixed. */
static inline struct store_user pc_new_user(const char *phone, const char *name)
{
    return (struct store_user){.phone = phone,
                               .name = name,
                               .email = "an@example.vn",
                               .address = "Số 5 Lê Lợi, Phường Đông Kinh",
                               .role = "user",
                               .plan = "free",
                               .pw_hash = PC_HASH,
                               .consent_version = "1.0",
                               .consent_at = PC_T0,
                               .created_at = PC_T0,
                               .updated_at = PC_T0};
}

/* The account `id` rendered by pc_user; "" when store_user_get fails with `expect`. */
static inline const char *pc_get(struct store *s, struct pc_text *t, int64_t id)
{
    pc_reset(t);
    int r = store_user_get(s, id, pc_user, t);
    cr_assert_eq(r, 0, "user_get %lld: %d %s", (long long)id, r, store_errmsg(s));
    return buf_cstr(&t->b);
}

/* ---- accounts ---- */

static inline void portal_case_user_create_get(struct store *s)
{
    struct pc_text t = {0};
    struct store_user u = pc_new_user("+84912000001", "Nguyễn Văn An");
    u.id = 999; /* ignored */
    int64_t a = store_user_create(s, &u);
    cr_assert_gt(a, 0, "%lld %s", (long long)a, store_errmsg(s));
    char want[512];
    snprintf(want, sizeof want,
             "%lld|+84912000001|Nguyễn Văn An|an@example.vn|Số 5 Lê Lợi, Phường Đông Kinh|user|"
             "free|0|" PC_HASH "|0|0|1.0|%d|%d|%d|0|nguyen van an",
             (long long)a, PC_T0, PC_T0, PC_T0);
    cr_assert_str_eq(pc_get(s, &t, a), want);
    pc_reset(&t);
    cr_assert_eq(store_user_by_phone(s, "+84912000001", pc_user, &t), 0, "%s", store_errmsg(s));
    cr_assert_str_eq(buf_cstr(&t.b), want);

    /* NULL optional fields stay NULL */
    struct store_user v = pc_new_user("+84912000002", "Hoàng Thị Bích");
    v.email = v.address = NULL;
    v.role = "staff";
    v.plan = "plus";
    v.plan_until = PC_T0 + 86400;
    v.locked = v.must_reset = true;
    int64_t b = store_user_create(s, &v);
    cr_assert_gt(b, a, "%s", store_errmsg(s));
    snprintf(want, sizeof want,
             "%lld|+84912000002|Hoàng Thị Bích|-|-|staff|plus|%d|" PC_HASH
             "|1|1|1.0|%d|%d|%d|0|hoang thi bich",
             (long long)b, PC_T0 + 86400, PC_T0, PC_T0, PC_T0);
    cr_assert_str_eq(pc_get(s, &t, b), want);

    static const struct {
        const char *id;
        int64_t user;
        const char *phone;
    } missing[] = {
        {"unknown-id", 424242, NULL},
        {"zero-id", 0, NULL},
        {"unknown-phone", 0, "+84900000000"},
        {"phone-prefix", 0, "+8491200000"},
    };
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        pc_reset(&t);
        int r = missing[i].phone ? store_user_by_phone(s, missing[i].phone, pc_user, &t)
                                 : store_user_get(s, missing[i].user, pc_user, &t);
        cr_assert_eq(r, LIS_ENOTFOUND, "%s: %d", missing[i].id, r);
        cr_assert_eq(t.n, 0, "%s", missing[i].id);
    }

    /* a taken phone is a conflict; nothing is written */
    struct store_user dup = pc_new_user("+84912000001", "Someone Else");
    cr_assert_eq(store_user_create(s, &dup), LIS_ECONFLICT, "%s", store_errmsg(s));
    /* bad input is refused before the store */
    static const struct {
        const char *id, *phone, *name, *role, *plan, *pw;
    } bad[] = {
        {"no-phone", NULL, "X", "user", "free", PC_HASH},
        {"no-name", "+84912000009", NULL, "user", "free", PC_HASH},
        {"bad-role", "+84912000009", "X", "root", "free", PC_HASH},
        {"no-plan", "+84912000009", "X", "user", NULL, PC_HASH},
        {"no-password", "+84912000009", "X", "user", "free", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct store_user x = pc_new_user(bad[i].phone, bad[i].name);
        x.role = bad[i].role;
        x.plan = bad[i].plan;
        x.pw_hash = bad[i].pw;
        cr_assert_eq(store_user_create(s, &x), LIS_EINVAL, "%s", bad[i].id);
    }
    struct store_user c = pc_new_user("+84912000003", "Lê Văn Cường");
    int64_t cid = store_user_create(s, &c);
    cr_assert_gt(cid, b, "the conflict and the refusals left no row behind: %s",
                 store_errmsg(s));
    cr_assert_eq(store_user_by_phone(s, "", pc_user, &t), LIS_EINVAL);
    buf_free(&t.b);
}

static inline void portal_case_user_update(struct store *s)
{
    struct pc_text t = {0};
    struct store_user u = pc_new_user("+84912000001", "Nguyễn Văn An");
    int64_t a = store_user_create(s, &u);
    struct store_user o = pc_new_user("+84912000002", "Hoàng Thị Bích");
    int64_t b = store_user_create(s, &o);
    cr_assert(a > 0 && b > a, "%s", store_errmsg(s));

    /* each case writes some fields of `in` and expects the whole row after */
    static const struct {
        const char *id;
        unsigned fields;
        struct store_user in;
        int expect;
        const char *row; /* %1$lld: the id */
    } cases[] = {
        {"nothing-but-updated_at", 0,
         {.name = "ignored", .phone = "+84999", .role = "admin", .updated_at = PC_T0 + 1}, 0,
         "+84912000001|Nguyễn Văn An|an@example.vn|Số 5 Lê Lợi, Phường Đông Kinh|user|free|0|"
         PC_HASH "|0|0|1.0|1751356800|1751356800|1751356801|0|nguyen van an"},
        {"name", STORE_USER_NAME, {.name = "Nguyễn Văn Ánh", .updated_at = PC_T0 + 2}, 0,
         "+84912000001|Nguyễn Văn Ánh|an@example.vn|Số 5 Lê Lợi, Phường Đông Kinh|user|free|0|"
         PC_HASH "|0|0|1.0|1751356800|1751356800|1751356802|0|nguyen van anh"},
        {"email-and-address-erased", STORE_USER_EMAIL | STORE_USER_ADDRESS,
         {.updated_at = PC_T0 + 3}, 0,
         "+84912000001|Nguyễn Văn Ánh|-|-|user|free|0|" PC_HASH
         "|0|0|1.0|1751356800|1751356800|1751356803|0|nguyen van anh"},
        {"email-set", STORE_USER_EMAIL, {.email = "an2@example.vn", .updated_at = PC_T0 + 4}, 0,
         "+84912000001|Nguyễn Văn Ánh|an2@example.vn|-|user|free|0|" PC_HASH
         "|0|0|1.0|1751356800|1751356800|1751356804|0|nguyen van anh"},
        {"phone-taken", STORE_USER_PHONE, {.phone = "+84912000002", .updated_at = PC_T0 + 5},
         LIS_ECONFLICT,
         "+84912000001|Nguyễn Văn Ánh|an2@example.vn|-|user|free|0|" PC_HASH
         "|0|0|1.0|1751356800|1751356800|1751356804|0|nguyen van anh"},
        {"phone", STORE_USER_PHONE, {.phone = "+84912000011", .updated_at = PC_T0 + 6}, 0,
         "+84912000011|Nguyễn Văn Ánh|an2@example.vn|-|user|free|0|" PC_HASH
         "|0|0|1.0|1751356800|1751356800|1751356806|0|nguyen van anh"},
        {"password", STORE_USER_PW_HASH, {.pw_hash = "$argon2id$new", .updated_at = PC_T0 + 7},
         0,
         "+84912000011|Nguyễn Văn Ánh|an2@example.vn|-|user|free|0|$argon2id$new"
         "|0|0|1.0|1751356800|1751356800|1751356807|0|nguyen van anh"},
        {"role", STORE_USER_ROLE, {.role = "admin", .updated_at = PC_T0 + 8}, 0,
         "+84912000011|Nguyễn Văn Ánh|an2@example.vn|-|admin|free|0|$argon2id$new"
         "|0|0|1.0|1751356800|1751356800|1751356808|0|nguyen van anh"},
        {"plan", STORE_USER_PLAN,
         {.plan = "pro", .plan_until = PC_T0 + 999, .updated_at = PC_T0 + 9}, 0,
         "+84912000011|Nguyễn Văn Ánh|an2@example.vn|-|admin|pro|1751357799|$argon2id$new"
         "|0|0|1.0|1751356800|1751356800|1751356809|0|nguyen van anh"},
        {"locked-and-must-reset", STORE_USER_LOCKED | STORE_USER_MUST_RESET,
         {.locked = true, .must_reset = true, .updated_at = PC_T0 + 10}, 0,
         "+84912000011|Nguyễn Văn Ánh|an2@example.vn|-|admin|pro|1751357799|$argon2id$new"
         "|1|1|1.0|1751356800|1751356800|1751356810|0|nguyen van anh"},
        {"unlocked", STORE_USER_LOCKED, {.locked = false, .updated_at = PC_T0 + 11}, 0,
         "+84912000011|Nguyễn Văn Ánh|an2@example.vn|-|admin|pro|1751357799|$argon2id$new"
         "|0|1|1.0|1751356800|1751356800|1751356811|0|nguyen van anh"},
        {"bad-role", STORE_USER_ROLE, {.role = "root", .updated_at = PC_T0 + 12}, LIS_EINVAL,
         "+84912000011|Nguyễn Văn Ánh|an2@example.vn|-|admin|pro|1751357799|$argon2id$new"
         "|0|1|1.0|1751356800|1751356800|1751356811|0|nguyen van anh"},
        {"no-plan", STORE_USER_PLAN, {.updated_at = PC_T0 + 12}, LIS_EINVAL,
         "+84912000011|Nguyễn Văn Ánh|an2@example.vn|-|admin|pro|1751357799|$argon2id$new"
         "|0|1|1.0|1751356800|1751356800|1751356811|0|nguyen van anh"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct store_user in = cases[i].in;
        in.id = a;
        int r = store_user_update(s, &in, cases[i].fields);
        cr_assert_eq(r, cases[i].expect, "%s: %d %s", cases[i].id, r, store_errmsg(s));
        char want[512];
        snprintf(want, sizeof want, "%lld|%s", (long long)a, cases[i].row);
        cr_assert_str_eq(pc_get(s, &t, a), want, "%s", cases[i].id);
    }
    /* the new phone finds the account, the old one nothing; b is untouched */
    pc_reset(&t);
    cr_assert_eq(store_user_by_phone(s, "+84912000011", pc_user, &t), 0);
    cr_assert_eq(t.n, 1);
    cr_assert_eq(store_user_by_phone(s, "+84912000001", pc_user, &t), LIS_ENOTFOUND);
    char want[512];
    snprintf(want, sizeof want,
             "%lld|+84912000002|Hoàng Thị Bích|an@example.vn|Số 5 Lê Lợi, Phường Đông Kinh|user|"
             "free|0|" PC_HASH "|0|0|1.0|%d|%d|%d|0|hoang thi bich",
             (long long)b, PC_T0, PC_T0, PC_T0);
    cr_assert_str_eq(pc_get(s, &t, b), want);
    /* unknown account */
    struct store_user none = {.id = 424242, .name = "X", .updated_at = PC_T0};
    cr_assert_eq(store_user_update(s, &none, STORE_USER_NAME), LIS_ENOTFOUND);
    buf_free(&t.b);
}

static inline void portal_case_user_close(struct store *s)
{
    struct pc_text t = {0};
    struct store_user u = pc_new_user("+84912000001", "Nguyễn Văn An");
    u.plan = "plus";
    int64_t a = store_user_create(s, &u);
    cr_assert_gt(a, 0, "%s", store_errmsg(s));
    /* closing erases phone, name, email and address, whatever else the mask says */
    struct store_user c = {.id = a, .updated_at = PC_T0 + 60, .closed_at = PC_T0 + 60};
    cr_assert_eq(store_user_update(s, &c, STORE_USER_CLOSED), 0, "%s", store_errmsg(s));
    char want[512];
    snprintf(want, sizeof want,
             "%lld|-|-|-|-|user|plus|0|" PC_HASH "|0|0|1.0|%d|%d|%d|%d|-", (long long)a, PC_T0,
             PC_T0, PC_T0 + 60, PC_T0 + 60);
    cr_assert_str_eq(pc_get(s, &t, a), want);
    cr_assert_eq(store_user_by_phone(s, "+84912000001", pc_user, &t), LIS_ENOTFOUND);

    /* the phone is free again: a new account, a new id; the closed row stays */
    struct store_user v = pc_new_user("+84912000001", "Trần Thị Dung");
    int64_t b = store_user_create(s, &v);
    cr_assert_gt(b, a, "%lld %s", (long long)b, store_errmsg(s));
    pc_reset(&t);
    cr_assert_eq(store_user_by_phone(s, "+84912000001", pc_user, &t), 0);
    snprintf(want, sizeof want, "%lld|+84912000001|Trần Thị Dung|", (long long)b);
    cr_assert(strncmp(buf_cstr(&t.b), want, strlen(want)) == 0, "%s", buf_cstr(&t.b));

    /* closing with names in the mask still erases */
    struct store_user d = {.id = b, .name = "kept?", .phone = "+84912000077",
                           .updated_at = PC_T0 + 70, .closed_at = PC_T0 + 70};
    cr_assert_eq(store_user_update(s, &d, STORE_USER_CLOSED | STORE_USER_NAME | STORE_USER_PHONE),
                 0, "%s", store_errmsg(s));
    snprintf(want, sizeof want, "%lld|-|-|-|-|user|free|", (long long)b);
    cr_assert(strncmp(pc_get(s, &t, b), want, strlen(want)) == 0, "%s", buf_cstr(&t.b));
    cr_assert_eq(store_user_by_phone(s, "+84912000077", pc_user, &t), LIS_ENOTFOUND);
    buf_free(&t.b);
}

/* ---- plans ---- */

static inline void portal_case_plans(struct store *s)
{
    struct pc_text t = {0};
    cr_assert_eq(store_plans(s, pc_plan, &t), 0, "%s", store_errmsg(s));
    cr_assert_str_eq(buf_cstr(&t.b),
                     "free:Miễn phí:Free:20:0: plus:Nâng cao:Plus:200:20:extract,watch"
                     " pro:Chuyên nghiệp:Professional:-1:200:extract,watch,api");
    pc_reset(&t);
    cr_assert_eq(store_plan_get(s, "plus", pc_plan, &t), 0);
    cr_assert_str_eq(buf_cstr(&t.b), "plus:Nâng cao:Plus:200:20:extract,watch");
    cr_assert_eq(store_plan_get(s, "gold", pc_plan, &t), LIS_ENOTFOUND);

    /* a new plan sorts by its daily views; an existing one is replaced */
    struct store_plan basic = {"basic", "Cơ bản", "Basic", 50, 5, "watch"};
    struct store_plan plus = {"plus", "Nâng cao", "Plus", 300, 30, "extract"};
    struct store_plan unlimited = {"team", "Nhóm", "Team", -1, 500, ""};
    cr_assert_eq(store_plan_put(s, &basic), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_plan_put(s, &plus), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_plan_put(s, &unlimited), 0, "%s", store_errmsg(s));
    pc_reset(&t);
    cr_assert_eq(store_plans(s, pc_plan, &t), 0);
    cr_assert_str_eq(buf_cstr(&t.b),
                     "free:Miễn phí:Free:20:0: basic:Cơ bản:Basic:50:5:watch"
                     " plus:Nâng cao:Plus:300:30:extract"
                     " pro:Chuyên nghiệp:Professional:-1:200:extract,watch,api"
                     " team:Nhóm:Team:-1:500:");
    /* a callback's non-zero value stops the walk and is returned */
    pc_reset(&t);
    t.stop_after = 2;
    cr_assert_eq(store_plans(s, pc_plan, &t), 7);
    cr_assert_eq(t.n, 2);

    static const struct {
        const char *id;
        struct store_plan p;
    } bad[] = {
        {"no-code", {NULL, "x", "x", 1, 1, ""}},
        {"empty-code", {"", "x", "x", 1, 1, ""}},
        {"no-name", {"x", NULL, "x", 1, 1, ""}},
        {"views-below-no-limit", {"x", "x", "x", -2, 1, ""}},
        {"negative-watch", {"x", "x", "x", 1, -1, ""}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(store_plan_put(s, &bad[i].p), LIS_EINVAL, "%s", bad[i].id);
    buf_free(&t.b);
}

/* ---- sessions ---- */

static inline void portal_case_sessions(struct store *s)
{
    struct pc_text t = {0};
    struct store_session a = {.user_id = 1, .created_at = 1000, .seen_at = 1000,
                              .expires_at = 9000};
    struct store_session b = {.user_id = 1, .created_at = 2000, .seen_at = 2000,
                              .expires_at = 9000};
    struct store_session c = {.user_id = 2, .created_at = 1500, .seen_at = 1500,
                              .expires_at = 9000};
    pc_hash(a.hash, 0xa1, 0x01);
    pc_hash(b.hash, 0xb2, 0x02);
    pc_hash(c.hash, 0xc3, 0x03);
    cr_assert_eq(store_session_put(s, &a), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_session_put(s, &b), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_session_put(s, &c), 0, "%s", store_errmsg(s));

    struct store_session got;
    cr_assert_eq(store_session_get(s, a.hash, &got), 0, "%s", store_errmsg(s));
    cr_assert_eq(memcmp(&got, &a, sizeof got), 0);
    /* a hash differing in its last byte only is another session */
    uint8_t other[STORE_HASH_LEN];
    pc_hash(other, 0xa1, 0x02);
    cr_assert_eq(store_session_get(s, other, &got), LIS_ENOTFOUND);
    cr_assert_eq(store_session_touch(s, other, 1200), LIS_ENOTFOUND);

    cr_assert_eq(store_session_touch(s, a.hash, 2500), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_session_get(s, a.hash, &got), 0);
    cr_assert_eq(got.seen_at, 2500);
    cr_assert_eq(got.created_at, 1000);
    cr_assert_eq(got.expires_at, 9000);

    /* newest first */
    cr_assert_eq(store_sessions_of(s, 1, pc_session, &t), 0, "%s", store_errmsg(s));
    cr_assert_str_eq(buf_cstr(&t.b), "b202:u1:2000/2000/9000 a101:u1:1000/2500/9000");
    pc_reset(&t);
    cr_assert_eq(store_sessions_of(s, 3, pc_session, &t), 0);
    cr_assert_eq(t.n, 0);

    /* end all of user 1's but b; then all; user 2's stay */
    int64_t n = -1;
    cr_assert_eq(store_sessions_end(s, 1, b.hash, &n), 0, "%s", store_errmsg(s));
    cr_assert_eq(n, 1);
    cr_assert_eq(store_session_get(s, a.hash, &got), LIS_ENOTFOUND);
    cr_assert_eq(store_session_get(s, b.hash, &got), 0);
    cr_assert_eq(store_sessions_end(s, 1, NULL, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(store_sessions_end(s, 1, NULL, NULL), 0);
    cr_assert_eq(store_session_get(s, b.hash, &got), LIS_ENOTFOUND);
    cr_assert_eq(store_session_get(s, c.hash, &got), 0);

    /* delete: gone; deleting again is no failure */
    cr_assert_eq(store_session_delete(s, c.hash), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_session_get(s, c.hash, &got), LIS_ENOTFOUND);
    cr_assert_eq(store_session_delete(s, c.hash), 0);

    /* purge at now = 5000 with idle = 1800: expired before now, or not seen
     * since 3200; exactly at either limit is not before it */
    static const struct {
        const char *id;
        int64_t seen, expires;
        bool purged_idle, purged_no_idle;
    } cases[] = {
        {"expired", 4900, 4999, true, true},
        {"expires-now", 4900, 5000, false, false},
        {"idle", 3199, 9000, true, false},
        {"idle-limit", 3200, 9000, false, false},
        {"fresh", 4900, 9000, false, false},
    };
    for (int pass = 0; pass < 2; pass++) {
        int64_t want = 0;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct store_session x = {.user_id = 5, .created_at = 100, .seen_at = cases[i].seen,
                                      .expires_at = cases[i].expires};
            pc_hash(x.hash, 0x50, (uint8_t)i);
            cr_assert_eq(store_session_put(s, &x), 0, "%s: %s", cases[i].id, store_errmsg(s));
            want += pass ? cases[i].purged_no_idle : cases[i].purged_idle;
        }
        /* pass 1: idle <= 0 means no idle limit */
        cr_assert_eq(store_sessions_purge(s, 5000, pass ? 0 : 1800, &n), 0, "%s",
                     store_errmsg(s));
        cr_assert_eq(n, want, "pass %d", pass);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            uint8_t h[STORE_HASH_LEN];
            pc_hash(h, 0x50, (uint8_t)i);
            bool purged = pass ? cases[i].purged_no_idle : cases[i].purged_idle;
            cr_assert_eq(store_session_get(s, h, &got), purged ? LIS_ENOTFOUND : 0, "%s pass %d",
                         cases[i].id, pass);
        }
        cr_assert_eq(store_sessions_end(s, 5, NULL, NULL), 0);
    }
    cr_assert_eq(store_sessions_purge(s, 5000, 1800, NULL), 0);
    buf_free(&t.b);
}

/* ---- login throttles ---- */

static inline void portal_case_throttle(struct store *s)
{
    struct store_throttle t = {.failures = 9, .last_at = 9, .until = 9};
    cr_assert_eq(store_throttle_get(s, "p:abc", &t), 0, "%s", store_errmsg(s));
    cr_assert(t.failures == 0 && t.last_at == 0 && t.until == 0, "no state: zeros");

    struct store_throttle w = {3, 1000, 1060};
    cr_assert_eq(store_throttle_put(s, "p:abc", &w), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_throttle_put(s, "a:192.0.2.1", &(struct store_throttle){1, 1001, 0}), 0);
    cr_assert_eq(store_throttle_get(s, "p:abc", &t), 0);
    cr_assert(t.failures == 3 && t.last_at == 1000 && t.until == 1060);
    w = (struct store_throttle){4, 1100, 1220};
    cr_assert_eq(store_throttle_put(s, "p:abc", &w), 0);
    cr_assert_eq(store_throttle_get(s, "p:abc", &t), 0);
    cr_assert(t.failures == 4 && t.last_at == 1100 && t.until == 1220);

    /* failures == 0 removes the key (and removing a missing key is fine) */
    cr_assert_eq(store_throttle_put(s, "p:abc", &(struct store_throttle){0, 1200, 1300}), 0);
    cr_assert_eq(store_throttle_get(s, "p:abc", &t), 0);
    cr_assert(t.failures == 0 && t.last_at == 0 && t.until == 0);
    cr_assert_eq(store_throttle_put(s, "p:abc", &(struct store_throttle){0}), 0);
    /* the other key is untouched */
    cr_assert_eq(store_throttle_get(s, "a:192.0.2.1", &t), 0);
    cr_assert(t.failures == 1 && t.last_at == 1001 && t.until == 0);

    cr_assert_eq(store_throttle_get(s, "", &t), LIS_EINVAL);
    cr_assert_eq(store_throttle_put(s, "", &w), LIS_EINVAL);
    cr_assert_eq(store_throttle_put(s, "p:x", &(struct store_throttle){-1, 0, 0}), LIS_EINVAL);
}

/* ---- the audit log ---- */

static inline void portal_case_audit(struct store *s)
{
    static const struct store_audit entries[] = {
        {0, 1000, 7, "user", "parcel.detailed", 0, 101, NULL},
        {0, 1100, 7, "user", "parcel.detailed", 0, 102, NULL},
        {0, 1200, 7, "user", "parcel.detailed", 0, 101, NULL},
        {0, 1300, 7, "user", "parcel.full", 0, 101, "own-request"},
        {0, 1400, 9, "admin", "user.role", 7, 0, "support"},
        {0, 1500, 0, "system", "user.closed", 9, 0, NULL},
        {0, 1600, 8, "user", "parcels.export", 0, 5, NULL},
        {0, 1700, 8, "user", "parcel", 0, 6, NULL},
        {0, 1800, 8, "staff", "parcel.detailed", 7, 103, "support"},
        {0, 1900, 8, "user", "parcel/", 0, 7, NULL}, /* just past the prefix "parcel." */
    };
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
        int64_t id = store_audit_add(s, &entries[i]);
        cr_assert_eq(id, (int64_t)i + 1, "entry %zu: %lld %s", i, (long long)id, store_errmsg(s));
    }
    struct store_audit bad = {0, 1, 0, "system", "", 0, 0, NULL};
    cr_assert_eq(store_audit_add(s, &bad), LIS_EINVAL);
    bad.action = "x";
    bad.actor_role = NULL;
    cr_assert_eq(store_audit_add(s, &bad), LIS_EINVAL);

    static const struct {
        const char *id;
        struct store_audit_filter f;
        const char *ids;
    } cases[] = {
        {"all", {.limit = 100}, "10 9 8 7 6 5 4 3 2 1"},
        {"actor", {.actor = 7, .limit = 100}, "4 3 2 1"},
        {"subject", {.subject = 7, .limit = 100}, "9 5"},
        {"actor-or-subject", {.actor_or_subject = 7, .limit = 100}, "9 5 4 3 2 1"},
        {"actor-or-subject-9", {.actor_or_subject = 9, .limit = 100}, "6 5"},
        {"actor-and-subject", {.actor = 8, .subject = 7, .limit = 100}, "9"},
        {"exact-action", {.action = "parcel.detailed", .limit = 100}, "9 3 2 1"},
        {"prefix", {.action = "parcel.", .limit = 100}, "9 4 3 2 1"},
        {"exact-no-dot", {.action = "parcel", .limit = 100}, "8"},
        {"prefix-user", {.action = "user.", .limit = 100}, "6 5"},
        {"no-match", {.action = "ticket.", .limit = 100}, ""},
        {"empty-action-any", {.action = "", .limit = 2}, "10 9"},
        {"from-to", {.from = 1200, .to = 1500, .limit = 100}, "5 4 3"},
        {"from", {.from = 1700, .limit = 100}, "10 9 8"},
        {"to", {.to = 1100, .limit = 100}, "1"},
        {"actor-prefix-from", {.actor = 7, .action = "parcel.", .from = 1100, .limit = 100},
         "4 3 2"},
        {"actor-other-action", {.actor = 7, .action = "user.", .limit = 100}, ""},
        {"page-1", {.limit = 4}, "10 9 8 7"},
        {"page-2", {.before = 7, .limit = 4}, "6 5 4 3"},
        {"page-3", {.before = 3, .limit = 4}, "2 1"},
        {"page-end", {.before = 1, .limit = 4}, ""},
        {"actor-page", {.actor = 7, .before = 3, .limit = 1}, "2"},
        {"either-page", {.actor_or_subject = 7, .before = 5, .limit = 2}, "4 3"},
        {"subject-page", {.subject = 7, .before = 9, .limit = 5}, "5"},
    };
    struct pc_audit x = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pc_reset(&x.t);
        int r = store_audit_list(s, &cases[i].f, pc_audit_row, &x);
        cr_assert_eq(r, 0, "%s: %d %s", cases[i].id, r, store_errmsg(s));
        cr_assert_str_eq(buf_cstr(&x.t.b), cases[i].ids, "%s", cases[i].id);
    }
    /* every field comes back */
    x.full = true;
    pc_reset(&x.t);
    cr_assert_eq(store_audit_list(s, &(struct store_audit_filter){.before = 7, .limit = 3},
                                  pc_audit_row, &x),
                 0);
    cr_assert_str_eq(buf_cstr(&x.t.b), "6|1500|0|system|user.closed|9|0|- "
                                       "5|1400|9|admin|user.role|7|0|support "
                                       "4|1300|7|user|parcel.full|0|101|own-request");
    /* a callback's non-zero value stops the walk and is returned */
    pc_reset(&x.t);
    x.t.stop_after = 1;
    cr_assert_eq(store_audit_list(s, &(struct store_audit_filter){.limit = 10}, pc_audit_row, &x),
                 7);
    cr_assert_eq(x.t.n, 1);
    cr_assert_eq(store_audit_list(s, &(struct store_audit_filter){.limit = 0}, pc_audit_row, &x),
                 LIS_EINVAL);

    /* distinct objects for quotas: exact action, at >= since */
    static const struct {
        const char *id;
        int64_t actor;
        const char *action;
        int64_t since, object, n;
        bool seen;
    } distinct[] = {
        {"all-seen", 7, "parcel.detailed", 0, 101, 2, true},
        {"all-other", 7, "parcel.detailed", 0, 103, 2, false},
        {"since", 7, "parcel.detailed", 1100, 102, 2, true},
        {"since-exact", 7, "parcel.detailed", 1200, 102, 1, false},
        {"since-later", 7, "parcel.detailed", 1201, 101, 0, false},
        {"prefix-is-not-matched", 7, "parcel.", 0, 101, 0, false},
        {"other-action", 7, "parcel.full", 0, 101, 1, true},
        {"other-actor", 8, "parcel.detailed", 0, 103, 1, true},
        {"nobody", 99, "parcel.detailed", 0, 101, 0, false},
    };
    for (size_t i = 0; i < sizeof distinct / sizeof distinct[0]; i++) {
        int64_t n = -1;
        bool seen = !distinct[i].seen;
        int r = store_audit_distinct(s, distinct[i].actor, distinct[i].action, distinct[i].since,
                                     distinct[i].object, &n, &seen);
        cr_assert_eq(r, 0, "%s: %s", distinct[i].id, store_errmsg(s));
        cr_assert_eq(n, distinct[i].n, "%s: n = %lld", distinct[i].id, (long long)n);
        cr_assert_eq(seen, distinct[i].seen, "%s", distinct[i].id);
    }
    int64_t n;
    bool seen;
    cr_assert_eq(store_audit_distinct(s, 7, NULL, 0, 0, &n, &seen), LIS_EINVAL);
    buf_free(&x.t.b);
}

/* ---- one parcel's registry records ---- */

static inline int pc_reg_holder(void *ctx, const struct store_holder *h)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_appendf(&t->b, "h:%s:%s:%d", h->kind, h->name, h->birth_year);
    return pc_row_done(t);
}

static inline int pc_reg_right(void *ctx, const struct store_right *r)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_appendf(&t->b, "r:%s:%s:%g", r->kind, pc_s(r->land_use), r->share);
    return pc_row_done(t);
}

static inline int pc_reg_cert(void *ctx, const struct store_certificate *c)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_appendf(&t->b, "c:%s:%s", c->serial, pc_s(c->issued_on));
    return pc_row_done(t);
}

static inline int pc_reg_restriction(void *ctx, const struct store_restriction *r)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_appendf(&t->b, "x:%s:%s:%s", r->kind, pc_s(r->party), pc_s(r->until));
    return pc_row_done(t);
}

static inline int pc_reg_event(void *ctx, const struct store_event *e)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_appendf(&t->b, "e:%s:%s:v%d", e->kind, pc_s(e->date), e->version);
    return pc_row_done(t);
}

static inline void portal_case_parcel_registry(struct store *s)
{
    struct fixture f = {0};
    int64_t p = 0, q = 0, lone = 0;
    fixture_set(&f, "06022", "06022", "1", "1", "w7abc0000001", 0, 0, 10, 10);
    cr_assert_eq(store_parcel_put(s, &f.p, &p), STORE_INSERTED, "%s", store_errmsg(s));
    fixture_set(&f, "06022", "06022", "1", "2", "w7abc0000002", 10, 0, 20, 10);
    cr_assert_eq(store_parcel_put(s, &f.p, &q), STORE_INSERTED, "%s", store_errmsg(s));
    fixture_set(&f, "06022", "06022", "1", "3", "w7abc0000003", 20, 0, 30, 10);
    cr_assert_eq(store_parcel_put(s, &f.p, &lone), STORE_INSERTED, "%s", store_errmsg(s));
    fixture_free(&f);

    struct store_holder ha = {.kind = "individual", .name = "Nguyễn Văn An", .birth_year = 1970};
    struct store_holder hb = {.kind = "household", .name = "Hộ bà Hoàng Thị Bích"};
    struct store_holder hc = {.kind = "organisation", .name = "Công ty TNHH Đồng Đăng"};
    int64_t a = store_holder_put(s, &ha), b = store_holder_put(s, &hb);
    int64_t c = store_holder_put(s, &hc);
    cr_assert(a > 0 && b > 0 && c > 0, "%s", store_errmsg(s));
    /* q: b's right first, then two of a's (a appears once), c only holds p */
    struct store_right rights[] = {
        {.parcel_id = q, .holder_id = b, .kind = "use", .land_use = "ODT", .share = 0.5},
        {.parcel_id = p, .holder_id = c, .kind = "use", .land_use = "CLN", .share = 1},
        {.parcel_id = q, .holder_id = a, .kind = "use", .land_use = "ODT", .share = 0.5},
        {.parcel_id = q, .holder_id = a, .kind = "ownership", .share = 1},
    };
    for (size_t i = 0; i < sizeof rights / sizeof rights[0]; i++)
        cr_assert_eq(store_right_put(s, &rights[i]), 0, "%s", store_errmsg(s));
    struct store_certificate certs[] = {
        {.parcel_id = q, .serial = "CS 123456", .issued_on = "2019-05-02"},
        {.parcel_id = p, .serial = "CS 000001"},
        {.parcel_id = q, .serial = "CS 123999", .issued_on = "2024-03-01"},
    };
    for (size_t i = 0; i < sizeof certs / sizeof certs[0]; i++)
        cr_assert_eq(store_certificate_put(s, &certs[i]), 0, "%s", store_errmsg(s));
    struct store_restriction rs[] = {
        {.parcel_id = q, .kind = "mortgage", .party = "Agribank", .since = "2020-01-01",
         .until = "2023-01-01"},
        {.parcel_id = q, .kind = "dispute", .since = "2024-06-01"},
    };
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++)
        cr_assert_eq(store_restriction_put(s, &rs[i]), 0, "%s", store_errmsg(s));
    struct store_event ev[] = {
        {.parcel_id = q, .kind = "registration", .date = "2019-05-02", .version = 1},
        {.parcel_id = p, .kind = "registration", .date = "2018-01-01", .version = 1},
        {.parcel_id = q, .kind = "mortgage", .date = "2020-01-01"},
    };
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
        cr_assert_eq(store_event_put(s, &ev[i]), 0, "%s", store_errmsg(s));

    struct store_registry_cbs all = {pc_reg_holder, pc_reg_right, pc_reg_cert, pc_reg_restriction,
                                     pc_reg_event};
    struct store_registry_cbs rights_only = {.right = pc_reg_right};
    char hq[256];
    /* holders in the order written (ids), whatever the order of the rights */
    snprintf(hq, sizeof hq, "%s",
             a < b ? "h:individual:Nguyễn Văn An:1970 h:household:Hộ bà Hoàng Thị Bích:0"
                   : "h:household:Hộ bà Hoàng Thị Bích:0 h:individual:Nguyễn Văn An:1970");
    struct buf want = BUF_INIT;
    buf_appendf(&want,
                "%s r:use:ODT:0.5 r:use:ODT:0.5 r:ownership:-:1 c:CS 123456:2019-05-02"
                " c:CS 123999:2024-03-01 x:mortgage:Agribank:2023-01-01 x:dispute:-:-"
                " e:registration:2019-05-02:v1 e:mortgage:2020-01-01:v0",
                hq);
    static const struct {
        const char *id;
        int which; /* 0 p, 1 q, 2 lone, 3 unknown */
        bool only_rights;
        const char *text; /* NULL: `want` */
    } cases[] = {
        {"q", 1, false, NULL},
        {"p", 0, false,
         "h:organisation:Công ty TNHH Đồng Đăng:0 r:use:CLN:1 c:CS 000001:-"
         " e:registration:2018-01-01:v1"},
        {"q-rights-only", 1, true, "r:use:ODT:0.5 r:use:ODT:0.5 r:ownership:-:1"},
        {"no-records", 2, false, ""},
        {"unknown-parcel", 3, false, ""},
    };
    const int64_t ids[] = {p, q, lone, 424242};
    struct pc_text t = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pc_reset(&t);
        int r = store_parcel_registry(s, ids[cases[i].which],
                                      cases[i].only_rights ? &rights_only : &all, &t);
        cr_assert_eq(r, 0, "%s: %d %s", cases[i].id, r, store_errmsg(s));
        cr_assert_str_eq(buf_cstr(&t.b), cases[i].text ? cases[i].text : buf_cstr(&want), "%s",
                         cases[i].id);
    }
    /* a callback's non-zero value stops it and is returned */
    pc_reset(&t);
    t.stop_after = 3;
    cr_assert_eq(store_parcel_registry(s, q, &all, &t), 7);
    cr_assert_eq(t.n, 3);
    buf_free(&t.b);
    buf_free(&want);
}

/* ---- administration: helpers ---- */

/* Rows as their ids, or (full) every field. */
struct pc_rows {
    struct pc_text t;
    bool full;
};

/* Accounts as their names ("-" once closed). */
static inline int pc_user_name(void *ctx, const struct store_user *u)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_puts(&t->b, pc_s(u->name));
    return pc_row_done(t);
}

static inline int pc_upgrade(void *ctx, const struct store_upgrade *u)
{
    struct pc_rows *x = ctx;
    pc_sep(&x->t);
    if (x->full)
        buf_appendf(&x->t.b, "%lld|%lld|%s|%s|%s|%lld|%lld|%lld|%lld|%s", (long long)u->id,
                    (long long)u->user_id, u->plan, pc_s(u->reason), u->status,
                    (long long)u->created_at, (long long)u->decided_at,
                    (long long)u->decided_by, (long long)u->until, pc_s(u->decision));
    else
        buf_appendf(&x->t.b, "%lld", (long long)u->id);
    return pc_row_done(&x->t);
}

/* Notices as ids with '*' when read, or every field. */
static inline int pc_notice(void *ctx, const struct store_notice *n)
{
    struct pc_rows *x = ctx;
    pc_sep(&x->t);
    if (x->full)
        buf_appendf(&x->t.b, "%lld|%s|%s|%d|%s|%s|%lld|%lld|%lld|%d", (long long)n->id, n->kind,
                    n->audience, n->public_notice, n->title, n->body, (long long)n->sender,
                    (long long)n->object, (long long)n->created_at, n->read);
    else
        buf_appendf(&x->t.b, "%lld%s", (long long)n->id, n->read ? "*" : "");
    return pc_row_done(&x->t);
}

/* Watches as user:parcel:version:state:created_at. */
static inline int pc_watch(void *ctx, const struct store_watch *w)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_appendf(&t->b, "%lld:%lld:%d:%lld:%lld", (long long)w->user_id, (long long)w->parcel_id,
                w->version, (long long)w->state, (long long)w->created_at);
    return pc_row_done(t);
}

static inline int pc_ticket(void *ctx, const struct store_ticket *k)
{
    struct pc_rows *x = ctx;
    pc_sep(&x->t);
    if (x->full)
        buf_appendf(&x->t.b, "%lld|%lld|%s|%s|%s|%lld|%s|%s|%lld|%s|%lld|%lld|%lld",
                    (long long)k->id, (long long)k->user_id, k->kind, k->subject, k->status,
                    (long long)k->parcel_id, pc_s(k->other_party), pc_s(k->commune),
                    (long long)k->assignee, pc_s(k->reason), (long long)k->created_at,
                    (long long)k->updated_at, (long long)k->closed_at);
    else
        buf_appendf(&x->t.b, "%lld", (long long)k->id);
    return pc_row_done(&x->t);
}

static inline int pc_message(void *ctx, const struct store_message *m)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_appendf(&t->b, "%lld|%lld|%lld|%s|%s|%lld", (long long)m->id, (long long)m->ticket_id,
                (long long)m->author_id, m->author_role, m->body, (long long)m->created_at);
    return pc_row_done(t);
}

static inline int pc_disclosure(void *ctx, const struct store_disclosure *d)
{
    struct pc_rows *x = ctx;
    pc_sep(&x->t);
    if (x->full)
        buf_appendf(&x->t.b, "%lld|%lld|%lld|%s|%s|%s|%s|%lld|%lld", (long long)d->id,
                    (long long)d->admin_id, (long long)d->subject, d->authority, d->document,
                    d->document_date, d->legal_basis, (long long)d->created_at,
                    (long long)d->exported_at);
    else
        buf_appendf(&x->t.b, "%lld", (long long)d->id);
    return pc_row_done(&x->t);
}

/* ---- administration: customer search and plan expiry ---- */

static inline void portal_case_users_search(struct store *s)
{
    static const struct {
        const char *phone, *name, *role;
        bool closed;
    } people[] = {
        {"+84912000001", "Nguyễn Văn An", "user", false},
        {"+84912000002", "Nguyễn Thị Bích", "staff", false},
        {"+84987654321", "Trần Văn Nguyên", "user", false},
        {"+84912345678", "Lê An Khang", "admin", false},
        {"+84912000005", "Nguyễn Văn Anh", "user", true}, /* closed: never listed */
    };
    int64_t ids[5];
    for (size_t i = 0; i < 5; i++) {
        struct store_user u = pc_new_user(people[i].phone, people[i].name);
        u.role = people[i].role;
        ids[i] = store_user_create(s, &u);
        cr_assert_gt(ids[i], 0, "%s", store_errmsg(s));
        if (people[i].closed) {
            struct store_user c = {.id = ids[i], .updated_at = PC_T0, .closed_at = PC_T0};
            cr_assert_eq(store_user_update(s, &c, STORE_USER_CLOSED), 0, "%s", store_errmsg(s));
        }
    }
    static const struct {
        const char *id;
        struct store_user_filter f;
        int after;  /* > 0: after people[after - 1] */
        const char *names;
    } cases[] = {
        {"all", {.limit = 10}, 0,
         "Nguyễn Văn An Nguyễn Thị Bích Trần Văn Nguyên Lê An Khang"},
        /* the wrapper folded the names: searches need no diacritics */
        {"words-without-diacritics", {.words = "nguyen van", .limit = 10}, 0,
         "Nguyễn Văn An Trần Văn Nguyên"},
        {"words-any-order", {.words = "an van nguyen", .limit = 10}, 0, "Nguyễn Văn An"},
        {"word-prefix", {.words = "ng", .limit = 10}, 0,
         "Nguyễn Văn An Nguyễn Thị Bích Trần Văn Nguyên"},
        {"prefix-of-one-word-each", {.words = "ngu an", .limit = 10}, 0, "Nguyễn Văn An"},
        {"whole-word-and-prefix", {.words = "an", .limit = 10}, 0, "Nguyễn Văn An Lê An Khang"},
        {"not-inside-a-word", {.words = "guyen", .limit = 10}, 0, ""},
        {"not-across-words", {.words = "vanan", .limit = 10}, 0, ""},
        {"closed-never", {.words = "anh", .limit = 10}, 0, ""},
        {"extra-spaces", {.words = "  nguyen   an ", .limit = 10}, 0, "Nguyễn Văn An"},
        {"digits", {.digits = "912000", .limit = 10}, 0, "Nguyễn Văn An Nguyễn Thị Bích"},
        {"digits-in-the-middle", {.digits = "345", .limit = 10}, 0, "Lê An Khang"},
        {"digits-no-match", {.digits = "000005", .limit = 10}, 0, ""},
        {"digits-and-words", {.words = "nguyen", .digits = "9120", .limit = 10}, 0,
         "Nguyễn Văn An Nguyễn Thị Bích"},
        {"role", {.role = "staff", .limit = 10}, 0, "Nguyễn Thị Bích"},
        {"role-and-words", {.role = "user", .words = "van", .limit = 10}, 0,
         "Nguyễn Văn An Trần Văn Nguyên"},
        {"role-none", {.role = "admin", .words = "nguyen", .limit = 10}, 0, ""},
        {"limit", {.limit = 2}, 0, "Nguyễn Văn An Nguyễn Thị Bích"},
        {"after", {.limit = 10}, 2, "Trần Văn Nguyên Lê An Khang"},
        {"after-and-limit", {.words = "nguyen", .limit = 1}, 1, "Nguyễn Thị Bích"},
        {"after-the-last", {.limit = 10}, 5, ""},
    };
    struct pc_text t = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct store_user_filter f = cases[i].f;
        f.after = cases[i].after ? ids[cases[i].after - 1] : 0;
        pc_reset(&t);
        int r = store_users_search(s, &f, pc_user_name, &t);
        cr_assert_eq(r, 0, "%s: %d %s", cases[i].id, r, store_errmsg(s));
        cr_assert_str_eq(buf_cstr(&t.b), cases[i].names, "%s", cases[i].id);
    }
    /* every field comes back */
    pc_reset(&t);
    cr_assert_eq(store_users_search(s, &(struct store_user_filter){.digits = "345", .limit = 5},
                                    pc_user, &t),
                 0);
    char want[512];
    snprintf(want, sizeof want,
             "%lld|+84912345678|Lê An Khang|an@example.vn|Số 5 Lê Lợi, Phường Đông Kinh|admin|"
             "free|0|" PC_HASH "|0|0|1.0|%d|%d|%d|0|le an khang",
             (long long)ids[3], PC_T0, PC_T0, PC_T0);
    cr_assert_str_eq(buf_cstr(&t.b), want);
    /* a callback's non-zero value stops the walk and is returned */
    pc_reset(&t);
    t.stop_after = 1;
    cr_assert_eq(store_users_search(s, &(struct store_user_filter){.limit = 10}, pc_user_name, &t),
                 7);
    cr_assert_eq(t.n, 1);
    buf_free(&t.b);
}

/* Accounts as name:plan:plan_until. */
static inline int pc_user_plan(void *ctx, const struct store_user *u)
{
    struct pc_text *t = ctx;
    pc_sep(t);
    buf_appendf(&t->b, "%s:%s:%lld", pc_s(u->name), u->plan, (long long)u->plan_until);
    return pc_row_done(t);
}

static inline void portal_case_plans_expire(struct store *s)
{
    static const struct {
        const char *phone, *name, *plan;
        int64_t until;
        bool closed;
    } people[] = {
        {"+84912000001", "An", "plus", PC_T0 + 100, false},
        {"+84912000002", "Bích", "pro", PC_T0 + 200, false},
        {"+84912000003", "Cường", "free", 0, false},
        {"+84912000004", "Dung", "plus", PC_T0 + 50, true}, /* closed: left alone */
        {"+84912000005", "Em", "pro", PC_T0 + 99, false},
        {"+84912000006", "Giang", "plus", 0, false},        /* no end */
    };
    int64_t ids[6];
    for (size_t i = 0; i < 6; i++) {
        struct store_user u = pc_new_user(people[i].phone, people[i].name);
        u.plan = people[i].plan;
        u.plan_until = people[i].until;
        ids[i] = store_user_create(s, &u);
        cr_assert_gt(ids[i], 0, "%s", store_errmsg(s));
        if (people[i].closed) {
            struct store_user c = {.id = ids[i], .updated_at = PC_T0, .closed_at = PC_T0};
            cr_assert_eq(store_user_update(s, &c, STORE_USER_CLOSED), 0, "%s", store_errmsg(s));
        }
    }
    struct pc_text seen = {0}, t = {0};
    int64_t n = -1;
    /* the callback sees each account as it was; plan_until == now has ended */
    cr_assert_eq(store_plans_expire(s, PC_T0 + 100, pc_user_plan, &seen, &n), 0, "%s",
                 store_errmsg(s));
    cr_assert_eq(n, 2);
    char want[256];
    snprintf(want, sizeof want, "An:plus:%d Em:pro:%d", PC_T0 + 100, PC_T0 + 99);
    cr_assert_str_eq(buf_cstr(&seen.b), want);
    static const struct {
        int who;
        const char *row;
    } after[] = {
        {0, "An:free:0"}, {1, "Bích:pro:1751357000"}, {2, "Cường:free:0"},
        {3, "-:plus:1751356850"}, {4, "Em:free:0"}, {5, "Giang:plus:0"},
    };
    for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
        pc_reset(&t);
        cr_assert_eq(store_user_get(s, ids[after[i].who], pc_user_plan, &t), 0);
        cr_assert_str_eq(buf_cstr(&t.b), after[i].row, "account %d", after[i].who);
    }
    /* nothing left to end at that time; cb may be NULL */
    cr_assert_eq(store_plans_expire(s, PC_T0 + 100, NULL, NULL, &n), 0);
    cr_assert_eq(n, 0);
    /* a callback's non-zero value stops before that account changes */
    pc_reset(&seen);
    seen.stop_after = 1;
    cr_assert_eq(store_plans_expire(s, PC_T0 + 1000, pc_user_plan, &seen, &n), 7);
    cr_assert_eq(n, 0);
    pc_reset(&t);
    cr_assert_eq(store_user_get(s, ids[1], pc_user_plan, &t), 0);
    cr_assert_str_eq(buf_cstr(&t.b), "Bích:pro:1751357000");
    cr_assert_eq(store_plans_expire(s, PC_T0 + 1000, NULL, NULL, &n), 0);
    cr_assert_eq(n, 1);
    pc_reset(&t);
    cr_assert_eq(store_user_get(s, ids[1], pc_user_plan, &t), 0);
    cr_assert_str_eq(buf_cstr(&t.b), "Bích:free:0");
    buf_free(&seen.b);
    buf_free(&t.b);
}

/* ---- administration: upgrade requests ---- */

static inline void portal_case_upgrades(struct store *s)
{
    struct store_upgrade u1 = {.user_id = 1, .plan = "plus", .reason = "Cần tra cứu nhiều thửa",
                               .status = "pending", .created_at = PC_T0};
    struct store_upgrade u2 = {.user_id = 2, .plan = "pro", .status = "pending",
                               .created_at = PC_T0 + 1};
    cr_assert_eq(store_upgrade_create(s, &u1), 1, "%s", store_errmsg(s));
    /* one pending request per user; other users are not held up */
    cr_assert_eq(store_upgrade_create(s, &u1), LIS_ECONFLICT, "%s", store_errmsg(s));
    cr_assert_eq(store_upgrade_create(s, &u2), 2, "%s", store_errmsg(s));

    struct pc_rows x = {.full = true};
    cr_assert_eq(store_upgrade_get(s, 1, pc_upgrade, &x), 0, "%s", store_errmsg(s));
    cr_assert_str_eq(buf_cstr(&x.t.b),
                     "1|1|plus|Cần tra cứu nhiều thửa|pending|1751356800|0|0|0|-");
    cr_assert_eq(store_upgrade_get(s, 99, pc_upgrade, &x), LIS_ENOTFOUND);

    /* decide: only a pending request */
    struct store_upgrade no = {.id = 1, .status = "declined", .decided_at = PC_T0 + 10,
                               .decided_by = 9, .decision = "Thiếu giấy tờ"};
    cr_assert_eq(store_upgrade_decide(s, &no), 0, "%s", store_errmsg(s));
    pc_reset(&x.t);
    cr_assert_eq(store_upgrade_get(s, 1, pc_upgrade, &x), 0);
    cr_assert_str_eq(buf_cstr(&x.t.b),
                     "1|1|plus|Cần tra cứu nhiều thửa|declined|1751356800|1751356810|9|0|"
                     "Thiếu giấy tờ");
    struct store_upgrade again = {.id = 1, .status = "approved", .decided_at = PC_T0 + 11,
                                  .decided_by = 9, .until = PC_T0 + 999};
    cr_assert_eq(store_upgrade_decide(s, &again), LIS_ECONFLICT);
    again.id = 99;
    cr_assert_eq(store_upgrade_decide(s, &again), LIS_ENOTFOUND);
    pc_reset(&x.t);
    cr_assert_eq(store_upgrade_get(s, 1, pc_upgrade, &x), 0);
    cr_assert(strstr(buf_cstr(&x.t.b), "|declined|"), "left as decided: %s", buf_cstr(&x.t.b));

    /* once decided, the user may ask again */
    u1.created_at = PC_T0 + 20;
    cr_assert_eq(store_upgrade_create(s, &u1), 3, "%s", store_errmsg(s));
    again.id = 3;
    cr_assert_eq(store_upgrade_decide(s, &again), 0, "%s", store_errmsg(s));
    pc_reset(&x.t);
    cr_assert_eq(store_upgrade_get(s, 3, pc_upgrade, &x), 0);
    cr_assert_str_eq(buf_cstr(&x.t.b),
                     "3|1|plus|Cần tra cứu nhiều thửa|approved|1751356820|1751356811|9|"
                     "1751357799|-");
    struct store_upgrade u4 = {.user_id = 1, .plan = "pro", .status = "pending",
                               .created_at = PC_T0 + 30};
    cr_assert_eq(store_upgrade_create(s, &u4), 4, "%s", store_errmsg(s));
    struct store_upgrade withdraw = {.id = 4, .status = "withdrawn", .decided_at = PC_T0 + 31,
                                     .decided_by = 1};
    cr_assert_eq(store_upgrade_decide(s, &withdraw), 0, "%s", store_errmsg(s));

    static const struct {
        const char *id;
        int64_t user;
        const char *status;
        int64_t before;
        int limit;
        const char *ids;
    } cases[] = {
        {"all", 0, NULL, 0, 10, "4 3 2 1"},
        {"user", 1, NULL, 0, 10, "4 3 1"},
        {"other-user", 2, NULL, 0, 10, "2"},
        {"nobody", 7, NULL, 0, 10, ""},
        {"pending", 0, "pending", 0, 10, "2"},
        {"user-pending", 1, "pending", 0, 10, ""},
        {"declined", 0, "declined", 0, 10, "1"},
        {"user-approved", 1, "approved", 0, 10, "3"},
        {"withdrawn", 0, "withdrawn", 0, 10, "4"},
        {"limit", 0, NULL, 0, 2, "4 3"},
        {"before", 0, NULL, 3, 10, "2 1"},
        {"user-before-limit", 1, NULL, 4, 1, "3"},
        {"before-the-first", 0, NULL, 1, 10, ""},
    };
    x.full = false;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pc_reset(&x.t);
        int r = store_upgrades(s, cases[i].user, cases[i].status, cases[i].before,
                               cases[i].limit, pc_upgrade, &x);
        cr_assert_eq(r, 0, "%s: %d %s", cases[i].id, r, store_errmsg(s));
        cr_assert_str_eq(buf_cstr(&x.t.b), cases[i].ids, "%s", cases[i].id);
    }
    pc_reset(&x.t);
    x.t.stop_after = 2;
    cr_assert_eq(store_upgrades(s, 0, NULL, 0, 10, pc_upgrade, &x), 7);
    cr_assert_eq(x.t.n, 2);
    buf_free(&x.t.b);
}

/* ---- administration: notices and inboxes ---- */

static inline void portal_case_inbox(struct store *s)
{
    static const struct {
        const char *audience;
        bool pub;
        int64_t at;
    } notices[] = {
        {"all", true, PC_T0 - 100},  /* 1: before user 1's account began */
        {"all", false, PC_T0 + 10},  /* 2 */
        {"plan:plus", false, PC_T0 + 20},
        {"plan:free", false, PC_T0 + 30},
        {"role:staff", false, PC_T0 + 40},
        {"user:1", false, PC_T0 + 50}, /* 6 */
        {"user:2", false, PC_T0 + 60},
        {"all", true, PC_T0 + 70},     /* 8 */
        {"role:user", false, PC_T0 + 5},
        {"plan:plus", false, PC_T0 - 50}, /* 10: "since" counts for "all" only */
        {"user:11", false, PC_T0 + 80},   /* not user 1's */
    };
    for (size_t i = 0; i < sizeof notices / sizeof notices[0]; i++) {
        struct store_notice n = {.kind = "service", .audience = notices[i].audience,
                                 .public_notice = notices[i].pub, .title = "Tiêu đề",
                                 .body = "Nội dung", .sender = 9, .object = (int64_t)i,
                                 .created_at = notices[i].at};
        int64_t id = store_notice_add(s, &n);
        cr_assert_eq(id, (int64_t)i + 1, "notice %zu: %lld %s", i, (long long)id,
                     store_errmsg(s));
    }
    struct store_inbox u1 = {.user_id = 1, .plan = "plus", .role = "user", .since = PC_T0,
                             .limit = 50};
    struct store_inbox u2 = {.user_id = 2, .plan = "free", .role = "staff",
                             .since = PC_T0 + 15, .limit = 50};
    struct store_inbox u3 = {.user_id = 3, .limit = 50}; /* no plan or role: "all" and own */
    struct pc_rows x = {0};
    struct {
        const char *id;
        const struct store_inbox *q;
        int64_t before;
        int limit;
        bool unread_only;
        const char *ids;
        int64_t unread;
    } cases[] = {
        {"user-1", &u1, 0, 0, false, "10 9 8 6 3 2", 6},
        {"user-2", &u2, 0, 0, false, "8 7 5 4", 4},
        {"user-3", &u3, 0, 0, false, "8 2 1", 3},
        {"page-1", &u1, 0, 2, false, "10 9", 6},
        {"page-2", &u1, 9, 2, false, "8 6", 6},
        {"page-3", &u1, 6, 2, false, "3 2", 6},
        {"page-end", &u1, 2, 2, false, "", 6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct store_inbox q = *cases[i].q;
        q.before = cases[i].before;
        if (cases[i].limit)
            q.limit = cases[i].limit;
        q.unread_only = cases[i].unread_only;
        pc_reset(&x.t);
        int r = store_inbox(s, &q, pc_notice, &x);
        cr_assert_eq(r, 0, "%s: %d %s", cases[i].id, r, store_errmsg(s));
        cr_assert_str_eq(buf_cstr(&x.t.b), cases[i].ids, "%s", cases[i].id);
        int64_t n = -1;
        cr_assert_eq(store_inbox_unread(s, &q, &n), 0, "%s", store_errmsg(s));
        cr_assert_eq(n, cases[i].unread, "%s: %lld unread", cases[i].id, (long long)n);
    }

    /* mark one read, twice (no failure), and only for that user */
    cr_assert_eq(store_inbox_mark_read(s, &u1, 3, PC_T0 + 100), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_inbox_mark_read(s, &u1, 3, PC_T0 + 101), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_inbox_mark_read(s, &u1, 8, PC_T0 + 102), 0, "%s", store_errmsg(s));
    /* not in the inbox: another plan, another user, before since, no such notice */
    static const int64_t not_mine[] = {4, 7, 1, 11, 99};
    for (size_t i = 0; i < sizeof not_mine / sizeof not_mine[0]; i++)
        cr_assert_eq(store_inbox_mark_read(s, &u1, not_mine[i], PC_T0 + 103), LIS_ENOTFOUND,
                     "notice %lld", (long long)not_mine[i]);
    struct {
        const char *id;
        const struct store_inbox *q;
        bool unread_only;
        const char *ids;
        int64_t unread;
    } reads[] = {
        {"user-1-read", &u1, false, "10 9 8* 6 3* 2", 4},
        {"user-1-unread-only", &u1, true, "10 9 6 2", 4},
        {"user-2-untouched", &u2, false, "8 7 5 4", 4},
    };
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        struct store_inbox q = *reads[i].q;
        q.unread_only = reads[i].unread_only;
        pc_reset(&x.t);
        cr_assert_eq(store_inbox(s, &q, pc_notice, &x), 0, "%s", store_errmsg(s));
        cr_assert_str_eq(buf_cstr(&x.t.b), reads[i].ids, "%s", reads[i].id);
        int64_t n = -1;
        cr_assert_eq(store_inbox_unread(s, &q, &n), 0);
        cr_assert_eq(n, reads[i].unread, "%s", reads[i].id);
    }
    /* unread only, paged */
    struct store_inbox p = u1;
    p.unread_only = true;
    p.before = 10;
    p.limit = 2;
    pc_reset(&x.t);
    cr_assert_eq(store_inbox(s, &p, pc_notice, &x), 0);
    cr_assert_str_eq(buf_cstr(&x.t.b), "9 6");

    /* id 0: every notice of the inbox; others' inboxes stay unread */
    cr_assert_eq(store_inbox_mark_read(s, &u1, 0, PC_T0 + 200), 0, "%s", store_errmsg(s));
    int64_t n = -1;
    cr_assert_eq(store_inbox_unread(s, &u1, &n), 0);
    cr_assert_eq(n, 0);
    pc_reset(&x.t);
    cr_assert_eq(store_inbox(s, &u1, pc_notice, &x), 0);
    cr_assert_str_eq(buf_cstr(&x.t.b), "10* 9* 8* 6* 3* 2*");
    cr_assert_eq(store_inbox_unread(s, &u2, &n), 0);
    cr_assert_eq(n, 4);
    cr_assert_eq(store_inbox_unread(s, &u3, &n), 0);
    cr_assert_eq(n, 3, "user 3 reads notice 8 apart from user 1");
    /* marking all with nothing unread is no failure; a new notice is unread */
    cr_assert_eq(store_inbox_mark_read(s, &u1, 0, PC_T0 + 201), 0);
    struct store_notice late = {.kind = "ticket", .audience = "user:1", .title = "T",
                                .body = "B", .object = 5, .created_at = PC_T0 + 300};
    cr_assert_eq(store_notice_add(s, &late), 12, "%s", store_errmsg(s));
    p = u1;
    p.unread_only = true;
    pc_reset(&x.t);
    cr_assert_eq(store_inbox(s, &p, pc_notice, &x), 0);
    cr_assert_str_eq(buf_cstr(&x.t.b), "12");
    /* the audiences follow the user's plan and role now */
    p = u1;
    p.plan = "pro";
    p.role = "staff";
    pc_reset(&x.t);
    cr_assert_eq(store_inbox(s, &p, pc_notice, &x), 0);
    cr_assert_str_eq(buf_cstr(&x.t.b), "12 8* 6* 5 2*");

    /* every field comes back */
    x.full = true;
    pc_reset(&x.t);
    p = u1;
    p.before = 13;
    p.limit = 1;
    cr_assert_eq(store_inbox(s, &p, pc_notice, &x), 0);
    cr_assert_str_eq(buf_cstr(&x.t.b), "12|ticket|user:1|0|T|B|0|5|1751357100|0");

    /* public notices, for visitors: newest first, never read */
    pc_reset(&x.t);
    cr_assert_eq(store_public_notices(s, 0, 10, pc_notice, &x), 0, "%s", store_errmsg(s));
    cr_assert_str_eq(buf_cstr(&x.t.b), "8|service|all|1|Tiêu đề|Nội dung|9|7|1751356870|0 "
                                       "1|service|all|1|Tiêu đề|Nội dung|9|0|1751356700|0");
    x.full = false;
    static const struct {
        int64_t before;
        int limit;
        const char *ids;
    } pub[] = {{0, 1, "8"}, {8, 10, "1"}, {1, 10, ""}};
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++) {
        pc_reset(&x.t);
        cr_assert_eq(store_public_notices(s, pub[i].before, pub[i].limit, pc_notice, &x), 0);
        cr_assert_str_eq(buf_cstr(&x.t.b), pub[i].ids, "public %zu", i);
    }
    pc_reset(&x.t);
    x.t.stop_after = 1;
    cr_assert_eq(store_inbox(s, &u1, pc_notice, &x), 7);
    cr_assert_eq(x.t.n, 1);
    buf_free(&x.t.b);
}

/* ---- administration: watched parcels ---- */

static inline void portal_case_watches(struct store *s)
{
    static const struct store_watch w[] = {
        {1, 100, 1, 11, PC_T0},
        {1, 50, 2, 0, PC_T0 + 1},
        {2, 100, 1, 11, PC_T0 + 2},
        {3, 7, 0, 0, PC_T0 + 3},
    };
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        cr_assert_eq(store_watch_add(s, &w[i]), 0, "%zu: %s", i, store_errmsg(s));
    struct store_watch dup = {1, 100, 5, 5, PC_T0 + 9};
    cr_assert_eq(store_watch_add(s, &dup), LIS_ECONFLICT, "%s", store_errmsg(s));

    struct pc_text t = {0};
    cr_assert_eq(store_watches_of(s, 1, pc_watch, &t), 0, "%s", store_errmsg(s));
    cr_assert_str_eq(buf_cstr(&t.b), "1:100:1:11:1751356800 1:50:2:0:1751356801");
    pc_reset(&t);
    cr_assert_eq(store_watches_of(s, 9, pc_watch, &t), 0);
    cr_assert_eq(t.n, 0);

    static const struct {
        const char *id;
        int64_t parcel, user;
        int limit;
        const char *rows;
    } scans[] = {
        {"all", 0, 0, 10,
         "3:7:0:0:1751356803 1:50:2:0:1751356801 1:100:1:11:1751356800 2:100:1:11:1751356802"},
        {"limit", 0, 0, 2, "3:7:0:0:1751356803 1:50:2:0:1751356801"},
        {"after-a-parcel", 50, 1, 10, "1:100:1:11:1751356800 2:100:1:11:1751356802"},
        {"after-a-user", 100, 1, 10, "2:100:1:11:1751356802"},
        {"between-users", 100, 0, 1, "1:100:1:11:1751356800"},
        {"after-the-last", 100, 2, 10, ""},
    };
    for (size_t i = 0; i < sizeof scans / sizeof scans[0]; i++) {
        pc_reset(&t);
        int r = store_watches_scan(s, scans[i].parcel, scans[i].user, scans[i].limit, pc_watch,
                                   &t);
        cr_assert_eq(r, 0, "%s: %s", scans[i].id, store_errmsg(s));
        cr_assert_str_eq(buf_cstr(&t.b), scans[i].rows, "%s", scans[i].id);
    }

    /* advance: only from the state the caller saw; the first of two sweeps wins */
    static const struct {
        const char *id;
        struct store_watch old;
        int version;
        int64_t state;
        int expect;
    } moves[] = {
        {"first", {1, 100, 1, 11, 0}, 2, 12, 1},
        {"second-from-the-same", {1, 100, 1, 11, 0}, 2, 12, 0},
        {"stale-state", {1, 100, 2, 11, 0}, 3, 13, 0},
        {"stale-version", {1, 100, 1, 12, 0}, 3, 13, 0},
        {"from-the-new", {1, 100, 2, 12, 0}, 0, 13, 1}, /* retired */
        {"other-user-own-state", {2, 100, 1, 11, 0}, 2, 12, 1},
        {"no-such-watch", {4, 100, 1, 11, 0}, 2, 12, 0},
    };
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        int r = store_watch_advance(s, &moves[i].old, moves[i].version, moves[i].state);
        cr_assert_eq(r, moves[i].expect, "%s: %d %s", moves[i].id, r, store_errmsg(s));
    }
    pc_reset(&t);
    cr_assert_eq(store_watches_scan(s, 50, 1, 10, pc_watch, &t), 0);
    cr_assert_str_eq(buf_cstr(&t.b), "1:100:0:13:1751356800 2:100:2:12:1751356802");

    cr_assert_eq(store_watch_delete(s, 1, 50), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_watch_delete(s, 1, 50), LIS_ENOTFOUND);
    cr_assert_eq(store_watch_delete(s, 3, 100), LIS_ENOTFOUND);
    pc_reset(&t);
    cr_assert_eq(store_watches_of(s, 1, pc_watch, &t), 0);
    cr_assert_str_eq(buf_cstr(&t.b), "1:100:0:13:1751356800");
    /* watched again after a delete */
    cr_assert_eq(store_watch_add(s, &w[1]), 0, "%s", store_errmsg(s));
    pc_reset(&t);
    t.stop_after = 1;
    cr_assert_eq(store_watches_scan(s, 0, 0, 10, pc_watch, &t), 7);
    cr_assert_eq(t.n, 1);
    buf_free(&t.b);
}

/* ---- administration: one-time codes ---- */

static inline void portal_case_codes(struct store *s)
{
    struct store_code c = {.key = "p:3f2a", .purpose = "reset", .expires_at = PC_T0 + 600};
    pc_hash(c.hash, 0x11, 0x01);
    cr_assert_eq(store_code_put(s, &c), 0, "%s", store_errmsg(s));
    struct store_code v = {.key = "p:3f2a", .purpose = "verify", .expires_at = PC_T0 + 300};
    pc_hash(v.hash, 0x22, 0x02);
    cr_assert_eq(store_code_put(s, &v), 0, "%s", store_errmsg(s));

    struct store_code got;
    memset(&got, 0x5a, sizeof got);
    cr_assert_eq(store_code_get(s, "p:3f2a", "reset", &got), 0, "%s", store_errmsg(s));
    cr_assert_str_eq(got.key, "p:3f2a");
    cr_assert_str_eq(got.purpose, "reset");
    cr_assert_eq(memcmp(got.hash, c.hash, STORE_HASH_LEN), 0);
    cr_assert_eq(got.expires_at, PC_T0 + 600);
    cr_assert_eq(got.attempts, 0);
    cr_assert_eq(store_code_get(s, "p:3f2a", "login", &got), LIS_ENOTFOUND);
    cr_assert_eq(store_code_get(s, "p:3f2b", "reset", &got), LIS_ENOTFOUND);

    /* wrong codes count per (key, purpose) */
    cr_assert_eq(store_code_attempt(s, "p:3f2a", "reset"), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_code_attempt(s, "p:3f2a", "reset"), 0);
    cr_assert_eq(store_code_get(s, "p:3f2a", "reset", &got), 0);
    cr_assert_eq(got.attempts, 2);
    cr_assert_eq(store_code_get(s, "p:3f2a", "verify", &got), 0);
    cr_assert_eq(got.attempts, 0);
    cr_assert_eq(memcmp(got.hash, v.hash, STORE_HASH_LEN), 0);
    cr_assert_eq(store_code_attempt(s, "p:0000", "reset"), LIS_ENOTFOUND);

    /* a new code replaces the old one, attempts and all */
    pc_hash(c.hash, 0x33, 0x03);
    c.expires_at = PC_T0 + 900;
    cr_assert_eq(store_code_put(s, &c), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_code_get(s, "p:3f2a", "reset", &got), 0);
    cr_assert_eq(memcmp(got.hash, c.hash, STORE_HASH_LEN), 0);
    cr_assert_eq(got.expires_at, PC_T0 + 900);
    cr_assert_eq(got.attempts, 0);

    /* delete one (1: it was there); the other purpose stays; deleting it again
       is no failure but says nothing was removed (0): a code is used once */
    cr_assert_eq(store_code_delete(s, "p:3f2a", "reset"), 1, "%s", store_errmsg(s));
    cr_assert_eq(store_code_get(s, "p:3f2a", "reset", &got), LIS_ENOTFOUND);
    cr_assert_eq(store_code_get(s, "p:3f2a", "verify", &got), 0);
    cr_assert_eq(store_code_delete(s, "p:3f2a", "reset"), 0);
}

/* ---- administration: tickets and messages ---- */

static inline void portal_case_tickets(struct store *s)
{
    static const struct store_ticket tickets[] = {
        {.user_id = 1, .kind = "support", .subject = "Không đăng nhập được", .status = NULL,
         .created_at = PC_T0, .updated_at = PC_T0},
        {.user_id = 1, .kind = "complaint", .subject = "Sai diện tích", .status = "in_progress",
         .parcel_id = 42, .assignee = 9, .created_at = PC_T0 + 1, .updated_at = PC_T0 + 1},
        {.user_id = 2, .kind = "dispute", .subject = "Tranh chấp ranh giới", .status = "open",
         .parcel_id = 100, .other_party = "Ông Hoàng Văn Em", .commune = "06022",
         .created_at = PC_T0 + 2, .updated_at = PC_T0 + 2},
        {.user_id = 2, .kind = "support", .subject = "Hỏi phí", .status = "resolved",
         .assignee = 9, .reason = "Đã hướng dẫn", .created_at = PC_T0 + 3,
         .updated_at = PC_T0 + 4, .closed_at = PC_T0 + 4},
        {.user_id = 3, .kind = "complaint", .subject = "Chậm xử lý", .status = "rejected",
         .assignee = 8, .created_at = PC_T0 + 5, .updated_at = PC_T0 + 5,
         .closed_at = PC_T0 + 5},
        {.user_id = 1, .kind = "dispute", .subject = "Lấn chiếm", .status = "open",
         .parcel_id = 43, .other_party = "Bà Lý Thị Phương", .commune = "06025", .assignee = 8,
         .created_at = PC_T0 + 6, .updated_at = PC_T0 + 6},
    };
    for (size_t i = 0; i < sizeof tickets / sizeof tickets[0]; i++) {
        int64_t id = store_ticket_create(s, &tickets[i]);
        cr_assert_eq(id, (int64_t)i + 1, "ticket %zu: %lld %s", i, (long long)id,
                     store_errmsg(s));
    }
    struct pc_rows x = {.full = true};
    static const struct {
        int64_t id;
        const char *row;
    } rows[] = {
        {1, "1|1|support|Không đăng nhập được|open|0|-|-|0|-|1751356800|1751356800|0"},
        {3, "3|2|dispute|Tranh chấp ranh giới|open|100|Ông Hoàng Văn Em|06022|0|-|1751356802|"
            "1751356802|0"},
        {4, "4|2|support|Hỏi phí|resolved|0|-|-|9|Đã hướng dẫn|1751356803|1751356804|"
            "1751356804"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        pc_reset(&x.t);
        cr_assert_eq(store_ticket_get(s, rows[i].id, pc_ticket, &x), 0, "%s", store_errmsg(s));
        cr_assert_str_eq(buf_cstr(&x.t.b), rows[i].row);
    }
    cr_assert_eq(store_ticket_get(s, 99, pc_ticket, &x), LIS_ENOTFOUND);

    static const struct {
        const char *id;
        struct store_ticket_filter f;
        const char *ids;
    } cases[] = {
        {"all", {.limit = 10}, "6 5 4 3 2 1"},
        {"author", {.user_id = 1, .limit = 10}, "6 2 1"},
        {"assignee", {.assignee = 9, .limit = 10}, "4 2"},
        {"unassigned", {.assignee = -1, .limit = 10}, "3 1"},
        {"active", {.status = "active", .limit = 10}, "6 3 2 1"},
        {"open", {.status = "open", .limit = 10}, "6 3 1"},
        {"in-progress", {.status = "in_progress", .limit = 10}, "2"},
        {"resolved", {.status = "resolved", .limit = 10}, "4"},
        {"kind", {.kind = "dispute", .limit = 10}, "6 3"},
        {"author-active-unassigned",
         {.user_id = 1, .assignee = -1, .status = "active", .limit = 10}, "1"},
        {"author-kind", {.user_id = 2, .kind = "support", .limit = 10}, "4"},
        {"staff-queue", {.assignee = 8, .status = "active", .limit = 10}, "6"},
        {"nothing", {.user_id = 3, .status = "active", .limit = 10}, ""},
        {"page", {.before = 4, .limit = 2}, "3 2"},
        {"author-page", {.user_id = 1, .before = 6, .limit = 1}, "2"},
        {"page-end", {.before = 1, .limit = 10}, ""},
    };
    x.full = false;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pc_reset(&x.t);
        int r = store_tickets(s, &cases[i].f, pc_ticket, &x);
        cr_assert_eq(r, 0, "%s: %d %s", cases[i].id, r, store_errmsg(s));
        cr_assert_str_eq(buf_cstr(&x.t.b), cases[i].ids, "%s", cases[i].id);
    }

    /* updates write the fields asked for, and updated_at always */
    static const struct {
        const char *id;
        unsigned fields;
        struct store_ticket in;
        const char *row;
    } updates[] = {
        {"assignee", STORE_TICKET_ASSIGNEE,
         {.assignee = 9, .status = "rejected", .updated_at = PC_T0 + 10},
         "1|1|support|Không đăng nhập được|open|0|-|-|9|-|1751356800|1751356810|0"},
        {"status", STORE_TICKET_STATUS,
         {.status = "in_progress", .assignee = 7, .updated_at = PC_T0 + 11},
         "1|1|support|Không đăng nhập được|in_progress|0|-|-|9|-|1751356800|1751356811|0"},
        {"both", STORE_TICKET_STATUS | STORE_TICKET_ASSIGNEE,
         {.status = "resolved", .reason = "Đặt lại mật khẩu", .closed_at = PC_T0 + 12,
          .assignee = 8, .updated_at = PC_T0 + 12},
         "1|1|support|Không đăng nhập được|resolved|0|-|-|8|Đặt lại mật khẩu|1751356800|"
         "1751356812|1751356812"},
        {"reopened", STORE_TICKET_STATUS, {.status = "open", .updated_at = PC_T0 + 13},
         "1|1|support|Không đăng nhập được|open|0|-|-|8|-|1751356800|1751356813|0"},
        {"unassigned", STORE_TICKET_ASSIGNEE, {.updated_at = PC_T0 + 14},
         "1|1|support|Không đăng nhập được|open|0|-|-|0|-|1751356800|1751356814|0"},
        {"only-updated_at", 0, {.status = "rejected", .assignee = 3, .updated_at = PC_T0 + 15},
         "1|1|support|Không đăng nhập được|open|0|-|-|0|-|1751356800|1751356815|0"},
    };
    x.full = true;
    for (size_t i = 0; i < sizeof updates / sizeof updates[0]; i++) {
        struct store_ticket in = updates[i].in;
        in.id = 1;
        int r = store_ticket_update(s, &in, updates[i].fields);
        cr_assert_eq(r, 0, "%s: %d %s", updates[i].id, r, store_errmsg(s));
        pc_reset(&x.t);
        cr_assert_eq(store_ticket_get(s, 1, pc_ticket, &x), 0);
        cr_assert_str_eq(buf_cstr(&x.t.b), updates[i].row, "%s", updates[i].id);
    }
    struct store_ticket none = {.id = 99, .status = "open", .updated_at = PC_T0};
    cr_assert_eq(store_ticket_update(s, &none, STORE_TICKET_STATUS), LIS_ENOTFOUND);
    pc_reset(&x.t);
    x.t.stop_after = 2;
    cr_assert_eq(store_tickets(s, &(struct store_ticket_filter){.limit = 10}, pc_ticket, &x), 7);
    cr_assert_eq(x.t.n, 2);

    /* messages: a ticket's own, oldest first */
    static const struct store_message msgs[] = {
        {0, 3, 2, "user", "Hàng rào bị dời", PC_T0 + 20},
        {0, 1, 1, "user", "Xin hỗ trợ", PC_T0 + 21},
        {0, 3, 9, "staff", "Đã tiếp nhận", PC_T0 + 22},
        {0, 3, 2, "user", "Cảm ơn", PC_T0 + 23},
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
        cr_assert_eq(store_message_add(s, &msgs[i]), (int64_t)i + 1, "%s", store_errmsg(s));
    struct pc_text t = {0};
    cr_assert_eq(store_messages(s, 3, pc_message, &t), 0, "%s", store_errmsg(s));
    cr_assert_str_eq(buf_cstr(&t.b), "1|3|2|user|Hàng rào bị dời|1751356820 "
                                     "3|3|9|staff|Đã tiếp nhận|1751356822 "
                                     "4|3|2|user|Cảm ơn|1751356823");
    pc_reset(&t);
    cr_assert_eq(store_messages(s, 2, pc_message, &t), 0);
    cr_assert_eq(t.n, 0);
    pc_reset(&t);
    t.stop_after = 1;
    cr_assert_eq(store_messages(s, 3, pc_message, &t), 7);
    cr_assert_eq(t.n, 1);
    buf_free(&t.b);
    buf_free(&x.t.b);
}

/* ---- administration: disclosures ---- */

static inline void portal_case_disclosures(struct store *s)
{
    static const struct store_disclosure ds[] = {
        {0, 9, 5, "Công an tỉnh Lạng Sơn", "123/CV-PC02", "2025-06-30", "Điều 5 Luật X",
         PC_T0, 0},
        {0, 9, 6, "Tòa án nhân dân", "45/TA", "2025-07-01", "Điều 7", PC_T0 + 1, 0},
        {0, 10, 5, "Viện kiểm sát", "7/VKS", "2025-07-01", "Điều 9", PC_T0 + 2, 0},
    };
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++)
        cr_assert_eq(store_disclosure_add(s, &ds[i]), (int64_t)i + 1, "%s", store_errmsg(s));
    struct pc_rows x = {.full = true};
    cr_assert_eq(store_disclosure_get(s, 1, pc_disclosure, &x), 0, "%s", store_errmsg(s));
    cr_assert_str_eq(buf_cstr(&x.t.b), "1|9|5|Công an tỉnh Lạng Sơn|123/CV-PC02|2025-06-30|"
                                       "Điều 5 Luật X|1751356800|0");
    cr_assert_eq(store_disclosure_get(s, 99, pc_disclosure, &x), LIS_ENOTFOUND);

    static const struct {
        const char *id;
        int64_t subject, before;
        int limit;
        const char *ids;
    } cases[] = {
        {"all", 0, 0, 10, "3 2 1"},
        {"subject", 5, 0, 10, "3 1"},
        {"subject-page", 5, 3, 10, "1"},
        {"other-subject", 6, 0, 10, "2"},
        {"nobody", 7, 0, 10, ""},
        {"page-1", 0, 0, 2, "3 2"},
        {"page-2", 0, 2, 2, "1"},
        {"page-end", 0, 1, 2, ""},
    };
    x.full = false;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pc_reset(&x.t);
        int r = store_disclosures(s, cases[i].subject, cases[i].before, cases[i].limit,
                                  pc_disclosure, &x);
        cr_assert_eq(r, 0, "%s: %d %s", cases[i].id, r, store_errmsg(s));
        cr_assert_str_eq(buf_cstr(&x.t.b), cases[i].ids, "%s", cases[i].id);
    }
    /* each export sets the time of the last one */
    cr_assert_eq(store_disclosure_exported(s, 1, PC_T0 + 100), 0, "%s", store_errmsg(s));
    cr_assert_eq(store_disclosure_exported(s, 1, PC_T0 + 200), 0);
    cr_assert_eq(store_disclosure_exported(s, 99, PC_T0 + 100), LIS_ENOTFOUND);
    x.full = true;
    pc_reset(&x.t);
    cr_assert_eq(store_disclosures(s, 5, 0, 10, pc_disclosure, &x), 0);
    cr_assert_str_eq(buf_cstr(&x.t.b), "3|10|5|Viện kiểm sát|7/VKS|2025-07-01|Điều 9|1751356802|0 "
                                       "1|9|5|Công an tỉnh Lạng Sơn|123/CV-PC02|2025-06-30|"
                                       "Điều 5 Luật X|1751356800|1751357000");
    pc_reset(&x.t);
    x.t.stop_after = 1;
    cr_assert_eq(store_disclosures(s, 0, 0, 10, pc_disclosure, &x), 7);
    cr_assert_eq(x.t.n, 1);
    buf_free(&x.t.b);
}

#endif
