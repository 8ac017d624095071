/* usercmd — see usercmd.h. */
#include "auth/usercmd.h"

#include "auth/auth.h"
#include "auth/policy.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/err.h"
#include "core/mem.h"
#include "store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void user_usage(FILE *f)
{
    fprintf(f,
            "usage: lis user create-admin --phone PHONE [--name NAME] [--data LOCATION]\n"
            "       lis user set-role --phone PHONE user|staff|admin [--data LOCATION]\n"
            "       lis user set-plan --phone PHONE PLAN [--until YYYY-MM-DD] [--data LOCATION]\n"
            "       lis user lock|unlock --phone PHONE [--data LOCATION]\n"
            "       lis user show --phone PHONE [--data LOCATION]\n\n"
            "Manage portal accounts from the shell. create-admin makes an administrator\n"
            "account (or gives an existing account the admin role); its password is read\n"
            "from the terminal without echo, or from standard input when that is not a\n"
            "terminal, and must follow the password rules. A role change or a lock ends\n"
            "the account's sessions (a new login gives a new session). Each change is\n"
            "written to the audit log. --data defaults to the 'data' setting; --config\n"
            "FILE reads settings from a file.\n");
}

static void plan_usage(FILE *f)
{
    fprintf(f, "usage: lis plan list [--data LOCATION]\n"
               "       lis plan set CODE [--daily-views N] [--watch N] [--features a,b]\n"
               "                    [--name-vi TEXT] [--name-en TEXT] [--data LOCATION]\n\n"
               "List the service plans, or change (or add) one. --daily-views is the number\n"
               "of distinct parcels a day a user of the plan may see in the detailed view\n"
               "(-1: no limit). New accounts get the plan 'free'.\n");
}

/* Parsed command line shared by both commands. */
struct args {
    const char *data, *config, *phone, *name, *until;
    const char *daily, *watch, *features, *name_vi, *name_en;
    const char *pos[3];
    int npos;
    struct auth_cost cost; /* from the settings argon2_ops, argon2_mem_kib */
};

static int parse(int argc, char **argv, struct args *a, void (*usage)(FILE *))
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if ((v = config_flag(argc, argv, &i, "--data"))) {
            a->data = v;
        } else if ((v = config_flag(argc, argv, &i, "--config"))) {
            a->config = v;
        } else if ((v = config_flag(argc, argv, &i, "--phone"))) {
            a->phone = v;
        } else if ((v = config_flag(argc, argv, &i, "--name"))) {
            a->name = v;
        } else if ((v = config_flag(argc, argv, &i, "--until"))) {
            a->until = v;
        } else if ((v = config_flag(argc, argv, &i, "--daily-views"))) {
            a->daily = v;
        } else if ((v = config_flag(argc, argv, &i, "--watch"))) {
            a->watch = v;
        } else if ((v = config_flag(argc, argv, &i, "--features"))) {
            a->features = v;
        } else if ((v = config_flag(argc, argv, &i, "--name-vi"))) {
            a->name_vi = v;
        } else if ((v = config_flag(argc, argv, &i, "--name-en"))) {
            a->name_en = v;
        } else if (!strcmp(argv[i], "--password")) {
            fprintf(stderr, "lis: a password is never given as a flag; it is read from the "
                            "terminal or standard input\n");
            return 2;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "lis: unknown option '%s'\n\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (a->npos < 3) {
            a->pos[a->npos++] = argv[i];
        } else {
            fprintf(stderr, "lis: too many arguments\n");
            return 2;
        }
    }
    if (a->npos == 0) {
        usage(stderr);
        return 2;
    }
    return -1; /* go on */
}

static struct store *open_store(struct args *a)
{
    struct config *cfg = config_new();
    struct buf err = BUF_INIT;
    struct store *s = NULL;
    long ops, mem;
    if (config_load_defaults(cfg, a->config, &err) == 0 &&
        config_get_long(cfg, "argon2_ops", 1, 64, &ops, &err) == 0 &&
        config_get_long(cfg, "argon2_mem_kib", 8, 4L << 20, &mem, &err) == 0) {
        a->cost.ops = (unsigned long long)ops;
        a->cost.mem_kib = (size_t)mem;
        const char *data = a->data ? a->data : config_get(cfg, "data");
        s = store_open(data, STORE_WRITE, NULL, &err);
    }
    if (!s)
        fprintf(stderr, "lis: %s\n", buf_cstr(&err));
    buf_free(&err);
    config_free(cfg);
    return s;
}

/* Read a password line from the terminal (echo off) or standard input. */
static char *read_password(const char *prompt)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (n < 0) {
        free(line);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return line;
}

static void audit(struct store *s, const char *action, int64_t subject, const char *reason)
{
    struct store_audit e = {.at = clock_now(),
                            .actor = 0,
                            .actor_role = "system",
                            .action = action,
                            .subject = subject,
                            .reason = reason};
    if (store_audit_add(s, &e) < 0)
        fprintf(stderr, "lis: warning: audit entry not written: %s\n", store_errmsg(s));
}

struct found {
    int64_t id;
    char role[8];
    char plan[24];
    int64_t plan_until;
    bool locked;
};

static int on_found(void *ctx, const struct store_user *u)
{
    struct found *f = ctx;
    f->id = u->id;
    snprintf(f->role, sizeof f->role, "%s", u->role);
    snprintf(f->plan, sizeof f->plan, "%s", u->plan);
    f->plan_until = u->plan_until;
    f->locked = u->locked;
    return 0;
}

/* The open account with a->phone; prints why not and returns false. */
static bool find(struct store *s, const struct args *a, char e164[16], struct found *f)
{
    const char *why = NULL;
    if (!a->phone) {
        fprintf(stderr, "lis: --phone is required\n");
        return false;
    }
    if (policy_phone(a->phone, e164, &why)) {
        fprintf(stderr, "lis: --phone: %s\n", why);
        return false;
    }
    memset(f, 0, sizeof *f);
    int rc = store_user_by_phone(s, e164, on_found, f);
    if (rc == LIS_ENOTFOUND || (rc >= 0 && !f->id)) {
        fprintf(stderr, "lis: no open account has that phone number\n");
        return false;
    }
    if (rc < 0) {
        fprintf(stderr, "lis: %s\n", store_errmsg(s));
        return false;
    }
    return true;
}

static int create_admin(struct store *s, const struct args *a)
{
    char e164[16];
    const char *why = NULL, *code;
    struct buf name = BUF_INIT;
    char *pw = NULL;
    int rc = 1;
    struct found f = {0};
    if (!a->phone || policy_phone(a->phone, e164, &why)) {
        fprintf(stderr, "lis: --phone: %s\n", a->phone ? why : "required");
        goto out;
    }
    int got = store_user_by_phone(s, e164, on_found, &f);
    if (got < 0 && got != LIS_ENOTFOUND) {
        fprintf(stderr, "lis: %s\n", store_errmsg(s));
        goto out;
    }
    if (f.id) { /* an existing account becomes an administrator */
        struct store_user u = {.id = f.id, .role = "admin", .updated_at = clock_now()};
        if (store_user_update(s, &u, STORE_USER_ROLE) < 0 ||
            store_sessions_end(s, f.id, NULL, NULL) < 0) {
            fprintf(stderr, "lis: %s\n", store_errmsg(s));
            goto out;
        }
        audit(s, "user.role", f.id, "admin");
        printf("account %lld is now an administrator\n", (long long)f.id);
        rc = 0;
        goto out;
    }
    if ((code = policy_name(a->name ? a->name : "Quản trị viên", &name, &why))) {
        fprintf(stderr, "lis: --name: %s\n", why);
        goto out;
    }
    pw = read_password("Password for the new administrator: ");
    if (!pw) {
        fprintf(stderr, "lis: no password given\n");
        goto out;
    }
    if ((code = policy_password(pw, e164, &why))) {
        fprintf(stderr, "lis: password: %s\n", why);
        goto out;
    }
    char hash[AUTH_HASH_MAX];
    if (auth_init() != 0 || auth_password_hash(pw, &a->cost, hash) != 0) {
        fprintf(stderr, "lis: could not hash the password\n");
        goto out;
    }
    int64_t now = clock_now();
    struct store_user u = {.phone = e164,
                           .name = buf_cstr(&name),
                           .role = "admin",
                           .plan = "free",
                           .pw_hash = hash,
                           .created_at = now,
                           .updated_at = now};
    int64_t id = store_user_create(s, &u);
    if (id < 0) {
        fprintf(stderr, "lis: %s\n", store_errmsg(s));
        goto out;
    }
    audit(s, "user.create", id, "admin");
    printf("administrator account %lld created\n", (long long)id);
    rc = 0;
out:
    if (pw) {
        sodium_memzero(pw, strlen(pw));
        free(pw);
    }
    buf_free(&name);
    return rc;
}

static int on_exists(void *ctx, const struct store_plan *p)
{
    (void)p;
    *(bool *)ctx = true;
    return 0;
}

int usercmd_user(int argc, char **argv)
{
    struct args a;
    int rc = parse(argc, argv, &a, user_usage);
    if (rc >= 0)
        return rc;
    const char *cmd = a.pos[0];
    if (strcmp(cmd, "create-admin") && strcmp(cmd, "set-role") && strcmp(cmd, "set-plan") &&
        strcmp(cmd, "lock") && strcmp(cmd, "unlock") && strcmp(cmd, "show")) {
        fprintf(stderr, "lis user: unknown subcommand '%s'\n\n", cmd);
        user_usage(stderr);
        return 2;
    }
    struct store *s = open_store(&a);
    if (!s)
        return 1;
    char e164[16];
    struct found f;
    rc = 1;
    if (!strcmp(cmd, "create-admin")) {
        rc = create_admin(s, &a);
    } else if (!find(s, &a, e164, &f)) {
        rc = 1;
    } else if (!strcmp(cmd, "show")) {
        char until[32] = "";
        if (f.plan_until)
            clock_iso(f.plan_until, until);
        printf("account %lld: role %s, plan %s%s%s%s\n", (long long)f.id, f.role, f.plan,
               f.plan_until ? " until " : "", until, f.locked ? ", locked" : "");
        rc = 0;
    } else if (!strcmp(cmd, "set-role")) {
        const char *role = a.pos[1];
        struct store_user u = {.id = f.id, .role = role, .updated_at = clock_now()};
        if (!role || (strcmp(role, "user") && strcmp(role, "staff") && strcmp(role, "admin"))) {
            fprintf(stderr, "lis user set-role: the role is user, staff or admin\n");
            rc = 2;
        } else if (store_user_update(s, &u, STORE_USER_ROLE) < 0 ||
                   store_sessions_end(s, f.id, NULL, NULL) < 0) {
            fprintf(stderr, "lis: %s\n", store_errmsg(s));
        } else {
            audit(s, "user.role", f.id, role);
            printf("account %lld: role %s (its sessions ended)\n", (long long)f.id, role);
            rc = 0;
        }
    } else if (!strcmp(cmd, "set-plan")) {
        const char *plan = a.pos[1];
        int64_t until = 0;
        bool known = false;
        if (!plan) {
            fprintf(stderr, "lis user set-plan: name the plan (see lis plan list)\n");
            rc = 2;
        } else if (a.until && (clock_parse_until(a.until, &until) != 0 || until <= clock_now())) {
            fprintf(stderr, "lis user set-plan: --until must be a future date, YYYY-MM-DD\n");
            rc = 2;
        } else if (store_plan_get(s, plan, on_exists, &known) < 0 || !known) {
            fprintf(stderr, "lis user set-plan: no plan '%s' (see lis plan list)\n", plan);
            rc = 2;
        } else {
            struct store_user u = {.id = f.id, .plan = plan, .plan_until = until,
                                   .updated_at = clock_now()};
            if (store_user_update(s, &u, STORE_USER_PLAN) < 0) {
                fprintf(stderr, "lis: %s\n", store_errmsg(s));
            } else {
                audit(s, "user.plan", f.id, plan);
                printf("account %lld: plan %s%s%s\n", (long long)f.id, plan,
                       a.until ? " until " : "", a.until ? a.until : "");
                rc = 0;
            }
        }
    } else { /* lock, unlock */
        bool lock = !strcmp(cmd, "lock");
        struct store_user u = {.id = f.id, .locked = lock, .updated_at = clock_now()};
        if (store_user_update(s, &u, STORE_USER_LOCKED) < 0 ||
            (lock && store_sessions_end(s, f.id, NULL, NULL) < 0)) {
            fprintf(stderr, "lis: %s\n", store_errmsg(s));
        } else {
            audit(s, lock ? "user.lock" : "user.unlock", f.id, NULL);
            printf("account %lld %s\n", (long long)f.id, lock ? "locked" : "unlocked");
            rc = 0;
        }
    }
    store_close(s);
    return rc;
}

/* ------------------------------------------------------------------ plans */

static int print_plan(void *ctx, const struct store_plan *p)
{
    (void)ctx;
    printf("%-8s daily views %-6d watch %-4d features %-20s %s / %s\n", p->code, p->daily_views,
           p->watch_max, *p->features ? p->features : "-", p->name_vi, p->name_en);
    return 0;
}

struct plan_copy {
    bool found;
    char code[24], name_vi[128], name_en[128], features[128];
    int daily, watch;
};

static int on_plan_copy(void *ctx, const struct store_plan *p)
{
    struct plan_copy *c = ctx;
    c->found = true;
    snprintf(c->code, sizeof c->code, "%s", p->code);
    snprintf(c->name_vi, sizeof c->name_vi, "%s", p->name_vi);
    snprintf(c->name_en, sizeof c->name_en, "%s", p->name_en);
    snprintf(c->features, sizeof c->features, "%s", p->features);
    c->daily = p->daily_views;
    c->watch = p->watch_max;
    return 0;
}

static bool int_arg(const char *flag, const char *v, long min, long max, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < min || n > max) {
        fprintf(stderr, "lis plan set: %s must be a whole number from %ld to %ld\n", flag, min,
                max);
        return false;
    }
    *out = (int)n;
    return true;
}

int usercmd_plan(int argc, char **argv)
{
    struct args a;
    int rc = parse(argc, argv, &a, plan_usage);
    if (rc >= 0)
        return rc;
    if (strcmp(a.pos[0], "list") && strcmp(a.pos[0], "set")) {
        fprintf(stderr, "lis plan: unknown subcommand '%s'\n\n", a.pos[0]);
        plan_usage(stderr);
        return 2;
    }
    if (!strcmp(a.pos[0], "set") && !a.pos[1]) {
        fprintf(stderr, "lis plan set: name the plan\n");
        return 2;
    }
    struct store *s = open_store(&a);
    if (!s)
        return 1;
    rc = 1;
    if (!strcmp(a.pos[0], "list")) {
        rc = store_plans(s, print_plan, NULL) < 0 ? 1 : 0;
        goto out;
    }
    struct plan_copy c = {0};
    if (store_plan_get(s, a.pos[1], on_plan_copy, &c) < 0 && !c.found) {
        snprintf(c.code, sizeof c.code, "%s", a.pos[1]);
        snprintf(c.name_vi, sizeof c.name_vi, "%s", a.pos[1]);
        snprintf(c.name_en, sizeof c.name_en, "%s", a.pos[1]);
    }
    if ((a.daily && !int_arg("--daily-views", a.daily, -1, 1000000, &c.daily)) ||
        (a.watch && !int_arg("--watch", a.watch, 0, 100000, &c.watch))) {
        rc = 2;
        goto out;
    }
    if (a.features)
        snprintf(c.features, sizeof c.features, "%s", a.features);
    if (a.name_vi)
        snprintf(c.name_vi, sizeof c.name_vi, "%s", a.name_vi);
    if (a.name_en)
        snprintf(c.name_en, sizeof c.name_en, "%s", a.name_en);
    struct store_plan p = {c.code, c.name_vi, c.name_en, c.daily, c.watch, c.features};
    if (store_plan_put(s, &p) < 0) {
        fprintf(stderr, "lis: %s\n", store_errmsg(s));
        goto out;
    }
    audit(s, "plan.set", 0, c.code);
    print_plan(NULL, &p);
    rc = 0;
out:
    store_close(s);
    return rc;
}
