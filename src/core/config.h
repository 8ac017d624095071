/* config — settings from a file, the environment and command-line flags.
 *
 * A setting is a key ("listen", "data", "crs", ...) with a text value. Later
 * sources win: built-in default < config file < environment (LIS_<KEY>, upper
 * case) < flag (--set key=value or a command's own flag). The file format is
 * one `key = value` per line, '#' starts a comment. docs/configuration.md
 * lists every key. */
#ifndef LIS_CONFIG_H
#define LIS_CONFIG_H

#include "core/buf.h"

#include <stdbool.h>

struct config;

/* An empty configuration. Caller frees with config_free(). */
struct config *config_new(void);
void config_free(struct config *c); /* NULL is a no-op */

/* Read a config file. Unknown keys are errors (a typo must not pass silently).
 * Returns 0 or LIS_EINVAL/LIS_EIO with the reason (file:line) in err. */
int config_load_file(struct config *c, const char *path, struct buf *err);
/* Read LIS_<KEY> for every known key. */
void config_load_env(struct config *c);
/* Set one key; LIS_EINVAL when the key is unknown. The value is copied. */
int config_set(struct config *c, const char *key, const char *value);
/* Parse "key=value" (from --set); LIS_EINVAL with the reason in err. */
int config_set_pair(struct config *c, const char *pair, struct buf *err);

/* Value of key, or its built-in default; borrowed, valid until the key is set
 * again or c is freed. Never NULL for a known key. */
const char *config_get(const struct config *c, const char *key);
/* Integer value within [min, max]; LIS_EINVAL (reason in err) when not. */
int config_get_long(const struct config *c, const char *key, long min, long max, long *out,
                    struct buf *err);
bool config_get_bool(const struct config *c, const char *key);

/* Load the usual sources in order: the file named by LIS_CONFIG (or
 * `path` when not NULL), then the environment. */
int config_load_defaults(struct config *c, const char *path, struct buf *err);

/* The known keys with their defaults and one-line help, for --help and docs. */
struct config_key {
    const char *key;
    const char *def;
    const char *help;
};
const struct config_key *config_keys(int *count);

/* A command's own flag at argv[*i]: the value of "--name value" or
 * "--name=value", advancing *i past what it used; NULL when argv[*i] is not
 * that flag (or it lacks its value). */
const char *config_flag(int argc, char **argv, int *i, const char *name);

#endif
