/* query — a request's parameters, checked against what its route declares.
 *
 * Owned by http/. A route declares its parameters (struct http_param: name,
 * kind, required, limits); http_query_parse() splits and percent-decodes the
 * query string, rejects unknown or repeated names, invalid UTF-8, malformed
 * or out-of-range numbers, and fills one struct http_value per declared
 * parameter. Handlers then read validated values only. Decoded strings live
 * in the request's memory pool and are freed with the request. */
#ifndef LIS_HTTP_QUERY_H
#define LIS_HTTP_QUERY_H

#include "core/buf.h"

#include <h2o.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_PARAMS 12 /* parameters one route may declare */

enum http_param_kind {
    HTTP_PARAM_STRING, /* valid UTF-8, min_len..max_len code points */
    HTTP_PARAM_INT,    /* base-10 integer within [min, max] */
    HTTP_PARAM_NUMBER, /* decimal number within [min, max] */
    HTTP_PARAM_BOOL,   /* "true"/"false"/"1"/"0" */
    HTTP_PARAM_CODE,   /* identifier: letters, digits, '-', '.', min_len..max_len bytes */
};

enum http_param_in {
    HTTP_IN_QUERY,
    HTTP_IN_PATH, /* a "{name}" segment of the route's path */
};

struct http_param {
    const char *name;
    enum http_param_kind kind;
    enum http_param_in in;
    bool required;
    double min, max;        /* INT, NUMBER: inclusive limits (ignored when min == max == 0) */
    size_t min_len, max_len; /* STRING, CODE: length limits (max_len 0: no limit) */
    const char *description; /* for the OpenAPI document */
};

struct http_value {
    bool set;       /* present in the request */
    const char *s;  /* decoded, NUL-terminated; in the request pool */
    size_t len;
    int64_t i;      /* INT */
    double d;       /* NUMBER */
    bool b;         /* BOOL */
};

struct http_args {
    struct http_value v[HTTP_MAX_PARAMS]; /* by index in the route's parameter list */
};

/* Why a query was rejected. */
struct http_query_error {
    int status;         /* 400 or 414 */
    const char *type;   /* problem type slug: "invalid-parameter", "unknown-parameter", ... */
    struct buf detail;  /* human text; caller frees with buf_free() */
};

/* Parse req's query string against params (terminated by a NULL name).
 * Path parameters must already be in args (http_param_check them first).
 * Returns 0, or LIS_EINVAL with err filled (status, type, detail). */
int http_query_parse(h2o_req_t *req, const struct http_param *params, size_t max_query_bytes,
                     struct http_args *args, struct http_query_error *err);

/* Check one raw value against its declaration and store it in v.
 * Returns 0 or LIS_EINVAL with the reason appended to detail. */
int http_param_check(h2o_mem_pool_t *pool, const struct http_param *p, const char *raw,
                     size_t len, struct http_value *v, struct buf *detail);

/* Index of the parameter called name in params, or -1. */
int http_param_index(const struct http_param *params, const char *name);

#endif
