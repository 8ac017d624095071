/* config — see config.h. */
#include "core/config.h"

#include "core/err.h"
#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct config_key keys[] = {
    {"data", "var/demo", "land store: a directory (SQLite) or postgres://user@host:port/db "
                         "(PostgreSQL + PostGIS)"},
    {"replica", "", "read-only store for public reads (a PostgreSQL hot standby's "
                    "postgres:// URL); empty: data"},
    {"listen", "127.0.0.1:8080", "address and port lis serve listens on"},
    {"loops", "0", "event loops (threads) serving HTTP; 0 = one per core"},
    {"workers", "1", "lis serve: worker threads for blocking work (password hashing)"},
    {"worker_queue", "256", "lis serve: jobs waiting for a worker beyond which requests "
                            "needing one get 503"},
    {"worker_nice", "10", "lis serve: how much lower the workers' CPU priority is than the "
                          "event loops' (1-19)"},
    {"web_root", "web/dist", "folder of the web page's static files"},
    {"access_log", "-", "access log file; '-' for standard output, 'off' for none"},
    {"crs", "EPSG:9215", "province CRS used when a store is created"},
    {"province_code", "20", "province code used when a store is created"},
    {"province_name", "Lạng Sơn", "province name used when a store is created"},
    {"mountainous", "true", "whether the province's communes are mountainous by default"},
    {"max_page", "100", "largest page size a list endpoint returns"},
    {"max_query_bytes", "2048", "longest query string accepted, bytes"},
    {"max_body_bytes", "65536", "largest request body accepted, bytes"},
    {"max_box_km2", "4", "largest query area (bounding box) accepted, km²"},
    {"cache_control", "public, max-age=300", "Cache-Control of public data"},
    {"tile_cache_control", "public, max-age=300", "Cache-Control of vector tiles and TileJSON"},
    {"tile_cache_mb", "64", "memory for cached (gzipped) vector tiles, MB; 0 = no cache"},
    {"log_level", "info", "debug, info, warn or error"},
    {"office_name", "Văn phòng Đăng ký đất đai tỉnh Lạng Sơn", "the land office the portal names"},
    {"office_name_en", "Land Registration Office of Lạng Sơn Province", "its name in English"},
    {"office_address", "Tỉnh Lạng Sơn", "its postal address"},
    {"office_address_en", "Lạng Sơn Province, Viet Nam", "its postal address in English"},
    {"office_phone", "", "its telephone number"},
    {"office_email", "", "its e-mail address"},
    {"basemap_url", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
     "XYZ URL of the base map under our layers; empty for none"},
    {"basemap_attribution",
     "© <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>",
     "attribution the base map requires (HTML)"},
    {"store_cache_mb", "16", "lis serve: page cache of each store connection, MB"},
    {"store_mmap_mb", "0", "lis serve: store file bytes each connection maps into memory, MB "
                           "(mapped pages count as resident memory)"},
    {"click_index", "on", "lis serve: answer map clicks from an index in memory (about 70 MB "
                          "per million parcels), built in the background; 'off': from the store"},
    {"privacy_version", "1.0", "version of the privacy policy a registration consents to"},
    {"privacy_date", "2026-11-25", "date of that privacy policy"},
    {"session_idle", "7200", "seconds without a request after which a login session ends"},
    {"session_max", "604800", "seconds after login at which a session ends regardless"},
    {"cookie_secure", "false", "mark the session cookie Secure (set when served over HTTPS)"},
    {"trusted_proxies", "", "comma-separated addresses or CIDR blocks of proxies whose "
                            "X-Forwarded-For gives the client address"},
    {"argon2_ops", "2", "Argon2id passes per password hash (libsodium's interactive: 2)"},
    {"argon2_mem_kib", "65536", "Argon2id memory per password hash, KiB (interactive: 65536)"},
    {"login_free_attempts", "5", "failed logins per phone number before back-off starts"},
    {"login_address_free_attempts", "30", "failed logins per client address before back-off"},
    {"login_backoff_max", "900", "longest wait between login attempts under back-off, seconds"},
    {"dispute_days", "50", "days the land office has to decide a dispute"},
    {"dispute_days_mountainous", "60", "the same in mountainous and border communes"},
    {"dispute_counting", "calendar", "how a dispute's days count: calendar, or working (Saturdays "
                                     "and Sundays left out)"},
    {"ticket_reopen_days", "30", "days after a ticket is resolved or rejected in which its author "
                                 "may reopen it"},
    {"channel", "outbox", "outbound channel for notifications and codes: outbox (a file an "
                          "operator reads) or smtp (e-mail over SMTP; SMS still to the outbox)"},
    {"outbox_file", "var/outbox.jsonl", "the outbox: one JSON line per message (SMS, e-mail)"},
    {"smtp_url", "", "smtp channel: smtps://HOST:465 or smtp://HOST:25 (STARTTLS when offered)"},
    {"smtp_from", "", "smtp channel: the sender's e-mail address"},
    {"smtp_user", "", "smtp channel: login name; empty: no login"},
    {"smtp_password", "", "smtp channel: password (then TLS is required)"},
    {"watch_interval", "60", "seconds between sweeps of watched parcels for changes"},
    {"code_ttl", "600", "seconds a one-time code (password reset, phone check) stays valid"},
    {"code_free_sends", "3", "codes sent to one phone number before back-off starts"},
    {"code_address_free_sends", "10", "codes asked for from one client address before back-off"},
    {"verify_phone", "false", "registration needs a code sent to the phone (POST "
                              "/api/v1/account/code)"},
};
#define NKEYS ((int)(sizeof keys / sizeof keys[0]))

struct config {
    char *values[NKEYS]; /* NULL: default */
};

static int key_index(const char *key)
{
    for (int i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].key, key) == 0)
            return i;
    return -1;
}

const struct config_key *config_keys(int *count)
{
    *count = NKEYS;
    return keys;
}

struct config *config_new(void)
{
    return xcalloc(1, sizeof(struct config));
}

void config_free(struct config *c)
{
    if (!c)
        return;
    for (int i = 0; i < NKEYS; i++)
        free(c->values[i]);
    free(c);
}

int config_set(struct config *c, const char *key, const char *value)
{
    int i = key_index(key);
    if (i < 0)
        return LIS_EINVAL;
    free(c->values[i]);
    c->values[i] = xstrdup(value);
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int config_set_pair(struct config *c, const char *pair, struct buf *err)
{
    const char *eq = strchr(pair, '=');
    if (!eq) {
        buf_appendf(err, "expected key=value, got '%s'", pair);
        return LIS_EINVAL;
    }
    char *key = xstrndup(pair, (size_t)(eq - pair));
    char *k = trim(key);
    char *val = xstrdup(eq + 1);
    int rc = config_set(c, k, trim(val));
    if (rc)
        buf_appendf(err, "unknown setting '%s'", k);
    free(key);
    free(val);
    return rc;
}

int config_load_file(struct config *c, const char *path, struct buf *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        buf_appendf(err, "%s: %s", path, strerror(errno));
        return LIS_EIO;
    }
    char line[4096];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            buf_appendf(err, "%s:%d: expected key = value", path, lineno);
            rc = LIS_EINVAL;
            goto out;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        if (config_set(c, k, v)) {
            buf_appendf(err, "%s:%d: unknown setting '%s'", path, lineno, k);
            rc = LIS_EINVAL;
            goto out;
        }
    }
out:
    fclose(f);
    return rc;
}

void config_load_env(struct config *c)
{
    for (int i = 0; i < NKEYS; i++) {
        char name[64] = "LIS_";
        size_t n = 4;
        for (const char *k = keys[i].key; *k && n < sizeof name - 1; k++)
            name[n++] = (char)toupper((unsigned char)*k);
        name[n] = '\0';
        const char *v = getenv(name);
        if (v)
            config_set(c, keys[i].key, v);
    }
}

int config_load_defaults(struct config *c, const char *path, struct buf *err)
{
    if (!path)
        path = getenv("LIS_CONFIG");
    if (path && *path) {
        int rc = config_load_file(c, path, err);
        if (rc)
            return rc;
    }
    config_load_env(c);
    return 0;
}

const char *config_get(const struct config *c, const char *key)
{
    int i = key_index(key);
    if (i < 0)
        return NULL;
    return c && c->values[i] ? c->values[i] : keys[i].def;
}

int config_get_long(const struct config *c, const char *key, long min, long max, long *out,
                    struct buf *err)
{
    const char *v = config_get(c, key);
    char *end;
    errno = 0;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || n < min || n > max) {
        buf_appendf(err, "setting '%s' must be an integer from %ld to %ld, not '%s'", key, min, max,
                    v ? v : "");
        return LIS_EINVAL;
    }
    *out = n;
    return 0;
}

bool config_get_bool(const struct config *c, const char *key)
{
    const char *v = config_get(c, key);
    return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
                 strcasecmp(v, "on") == 0);
}

const char *config_flag(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}
