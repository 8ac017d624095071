/* query — see query.h. */
#include "http/query.h"

#include "core/err.h"
#include "text/ident.h"
#include "text/text.h"

#include <limits.h>
#include <math.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..len) into the pool ('+' is a space, as forms send it).
 * Returns NULL on a malformed escape. */
static char *decode(h2o_mem_pool_t *pool, const char *s, size_t len, size_t *out_len)
{
    char *d = h2o_mem_alloc_pool(pool, len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len)
                return NULL;
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return NULL;
            d[n++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+') {
            d[n++] = ' ';
        } else {
            d[n++] = c;
        }
    }
    d[n] = '\0';
    *out_len = n;
    return d;
}

/* A name safe to quote back in an error message. */
static bool quotable(const char *s, size_t len)
{
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return text_utf8_valid(s, len);
}

int http_param_index(const struct http_param *params, const char *name)
{
    for (int i = 0; params && params[i].name; i++)
        if (strcmp(params[i].name, name) == 0)
            return i;
    return -1;
}

static bool code_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '.' || c == '_';
}

int http_param_check(h2o_mem_pool_t *pool, const struct http_param *p, const char *raw,
                     size_t len, struct http_value *v, struct buf *detail)
{
    bool limited = !(p->min == 0 && p->max == 0);
    (void)pool;
    if (!text_utf8_valid(raw, len)) {
        buf_appendf(detail, "parameter '%s' is not valid UTF-8 text", p->name);
        return LIS_EINVAL;
    }
    switch (p->kind) {
    case HTTP_PARAM_STRING: {
        size_t n = text_utf8_len(raw, len);
        if (n < p->min_len || (p->max_len && n > p->max_len)) {
            if (p->max_len)
                buf_appendf(detail, "parameter '%s' must be %zu to %zu characters long", p->name,
                            p->min_len, p->max_len);
            else
                buf_appendf(detail, "parameter '%s' must be at least %zu characters long",
                            p->name, p->min_len);
            return LIS_EINVAL;
        }
        break;
    }
    case HTTP_PARAM_CODE: {
        bool ok = len >= (p->min_len ? p->min_len : 1) && (!p->max_len || len <= p->max_len);
        for (size_t i = 0; ok && i < len; i++)
            ok = code_char(raw[i]);
        if (!ok) {
            buf_appendf(detail,
                        "parameter '%s' must be %zu to %zu letters, digits, '-', '.' or '_'",
                        p->name, p->min_len ? p->min_len : 1, p->max_len ? p->max_len : 64);
            return LIS_EINVAL;
        }
        break;
    }
    case HTTP_PARAM_INT: {
        long n;
        if (!ident_parse_long(raw, len, LONG_MIN, LONG_MAX, &n)) {
            buf_appendf(detail, "parameter '%s' must be an integer", p->name);
            return LIS_EINVAL;
        }
        if (limited && ((double)n < p->min || (double)n > p->max)) {
            buf_appendf(detail, "parameter '%s' must be from %.0f to %.0f", p->name, p->min,
                        p->max);
            return LIS_EINVAL;
        }
        v->i = n;
        break;
    }
    case HTTP_PARAM_NUMBER: {
        double d;
        if (!ident_parse_double(raw, len, &d) || !isfinite(d)) {
            buf_appendf(detail, "parameter '%s' must be a decimal number", p->name);
            return LIS_EINVAL;
        }
        if (limited && (d < p->min || d > p->max)) {
            buf_appendf(detail, "parameter '%s' must be from %g to %g", p->name, p->min, p->max);
            return LIS_EINVAL;
        }
        v->d = d;
        break;
    }
    case HTTP_PARAM_BOOL:
        if ((len == 4 && memcmp(raw, "true", 4) == 0) || (len == 1 && raw[0] == '1'))
            v->b = true;
        else if ((len == 5 && memcmp(raw, "false", 5) == 0) || (len == 1 && raw[0] == '0'))
            v->b = false;
        else {
            buf_appendf(detail, "parameter '%s' must be true or false", p->name);
            return LIS_EINVAL;
        }
        break;
    }
    v->set = true;
    v->s = raw;
    v->len = len;
    return 0;
}

static int fail(struct http_query_error *err, int status, const char *type)
{
    err->status = status;
    err->type = type;
    return LIS_EINVAL;
}

int http_query_parse(h2o_req_t *req, const struct http_param *params, size_t max_query_bytes,
                     struct http_args *args, struct http_query_error *err)
{
    if (req->query_at != SIZE_MAX) {
        const char *q = req->path.base + req->query_at + 1;
        size_t qlen = req->path.len - req->query_at - 1;
        if (qlen > max_query_bytes) {
            buf_appendf(&err->detail, "the query string is longer than %zu bytes",
                        max_query_bytes);
            return fail(err, 414, "uri-too-long");
        }
        const char *end = q + qlen;
        while (q < end) {
            const char *amp = memchr(q, '&', (size_t)(end - q));
            const char *pe = amp ? amp : end;
            if (pe == q) { /* "a=1&&b=2": tolerate empty pieces */
                q = pe + 1;
                continue;
            }
            const char *eq = memchr(q, '=', (size_t)(pe - q));
            const char *ke = eq ? eq : pe;
            size_t klen, vlen;
            char *key = decode(&req->pool, q, (size_t)(ke - q), &klen);
            char *val = eq ? decode(&req->pool, eq + 1, (size_t)(pe - eq - 1), &vlen)
                           : decode(&req->pool, pe, 0, &vlen);
            if (!key || !val) {
                buf_puts(&err->detail, "the query string holds a malformed percent-escape");
                return fail(err, 400, "invalid-parameter");
            }
            if (!text_utf8_valid(key, klen) || !text_utf8_valid(val, vlen)) {
                if (quotable(key, klen))
                    buf_appendf(&err->detail, "parameter '%s' is not valid UTF-8 text", key);
                else
                    buf_puts(&err->detail, "the query string is not valid UTF-8 text");
                return fail(err, 400, "invalid-parameter");
            }
            int i = http_param_index(params, key);
            if (i < 0 || params[i].in != HTTP_IN_QUERY) {
                if (quotable(key, klen))
                    buf_appendf(&err->detail, "unknown parameter '%s'", key);
                else
                    buf_puts(&err->detail, "unknown parameter");
                return fail(err, 400, "unknown-parameter");
            }
            if (args->v[i].set) {
                buf_appendf(&err->detail, "parameter '%s' is given more than once", key);
                return fail(err, 400, "invalid-parameter");
            }
            if (http_param_check(&req->pool, &params[i], val, vlen, &args->v[i], &err->detail))
                return fail(err, 400, "invalid-parameter");
            if (!amp)
                break;
            q = amp + 1;
        }
    }
    for (int i = 0; params && params[i].name; i++)
        if (params[i].required && !args->v[i].set) {
            buf_appendf(&err->detail, "parameter '%s' is required", params[i].name);
            return fail(err, 400, "missing-parameter");
        }
    return 0;
}
