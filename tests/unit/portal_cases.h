/* portal_cases — the portal section of the store (accounts, plans, sessions,
 * login throttles, the audit log) and store_parcel_registry, as test bodies
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

#endif
