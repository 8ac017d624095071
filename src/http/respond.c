/* respond — see respond.h. */
#include "http/respond.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

void http_etag(const char *body, size_t len, char out[24])
{
    /* FNV-1a-style over 8-byte words, then a final mix: an ETag needs to
     * change with the body, not to resist anyone. */
    uint64_t h = 0xcbf29ce484222325ULL ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, body + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < len; i++)
        h = (h ^ (unsigned char)body[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "W/\"", 3);
    for (int k = 0; k < 16; k++)
        out[3 + k] = hex[(h >> (60 - 4 * k)) & 0xf];
    out[19] = '"';
    out[20] = '\0';
}

/* Does an If-None-Match value name etag (the quoted opaque tag, without W/)?
 * Weak comparison: lists, W/ prefixes and "*" are understood. */
static bool etag_matches(const char *v, size_t len, const char *etag)
{
    size_t elen = strlen(etag);
    size_t i = 0;
    while (i < len) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        if (i < len && v[i] == '*')
            return true;
        if (i + 2 <= len && v[i] == 'W' && v[i + 1] == '/')
            i += 2;
        size_t start = i;
        while (i < len && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (end - start == elen && memcmp(v + start, etag, elen) == 0)
            return true;
    }
    return false;
}

void http_send_body(h2o_req_t *req, const char *ctype, const char *body, size_t len,
                    const char *cache_control)
{
    h2o_mem_pool_t *pool = &req->pool;
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_set_header(pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                   ctype ? ctype : "application/json", strlen(ctype ? ctype : "application/json"),
                   1);
    if (cache_control) {
        char etag[24];
        http_etag(body, len, etag);
        h2o_iovec_t e = h2o_strdup(pool, etag, strlen(etag));
        h2o_set_header(pool, &req->res.headers, H2O_TOKEN_ETAG, e.base, e.len, 1);
        h2o_set_header(pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, cache_control,
                       strlen(cache_control), 1);
        ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
        if (at >= 0 && etag_matches(req->headers.entries[at].value.base,
                                    req->headers.entries[at].value.len, etag + 2)) {
            req->res.status = 304;
            req->res.reason = "Not Modified";
            h2o_send_inline(req, NULL, 0);
            return;
        }
    } else {
        h2o_set_header(pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"),
                       1);
    }
    /* h2o says Vary when it compresses; say it too when it does not, so a
     * cache never hands the plain form's key to the gzip form or back. */
    if (len >= HTTP_GZIP_MIN_BYTES && !(h2o_get_compressible_types(&req->headers) & H2O_COMPRESSIBLE_GZIP))
        h2o_set_header(pool, &req->res.headers, H2O_TOKEN_VARY, H2O_STRLIT("accept-encoding"), 0);
    req->compress_hint = H2O_COMPRESS_HINT_ENABLE;
    req->res.content_length = len; /* no chunked encoding for what is known whole */
    h2o_send_inline(req, body, len);
}

void http_send_json(h2o_req_t *req, json_t *doc, const char *cache_control)
{
    char *body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(doc);
    http_send_body(req, NULL, body, strlen(body), cache_control);
    free(body);
}

void http_send_private(h2o_req_t *req, int status, json_t *doc)
{
    char *body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(doc);
    size_t len = strlen(body);
    req->res.status = status;
    req->res.reason = status == 201 ? "Created" : "OK";
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                   H2O_STRLIT("application/json"), 1);
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"),
                   1);
    h2o_iovec_t b = h2o_strdup(&req->pool, body, len);
    free(body);
    req->res.content_length = len;
    h2o_send_inline(req, b.base, b.len);
}

void http_send_empty(h2o_req_t *req, int status)
{
    req->res.status = status;
    req->res.reason = status == 204 ? "No Content" : "OK";
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"),
                   1);
    req->res.content_length = 0;
    h2o_send_inline(req, "", 0);
}

/* How many leading bytes of s, in whole 8-byte words, need no escape (none
 * below 0x20, no '"', no '\\'): each test is exact for "is there such a
 * byte in the word", so a word that passes is copied as it is. */
static size_t plain_words(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, q, k;
        memcpy(&w, s + i, 8);
        q = w ^ (ones * '"');
        k = w ^ (ones * '\\');
        if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((k - ones) & ~k)) & highs)
            break;
    }
    return i;
}

void http_json_strn(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    buf_reserve(b, n + 2);
    buf_putc(b, '"');
    size_t run = 0; /* start of the pending run of bytes that need no escape */
    for (size_t i = plain_words(s, n); i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf], 0};
            buf_puts(b, u);
        }
        }
    }
    buf_append(b, s + run, n - run);
    buf_putc(b, '"');
}

void http_json_str(struct buf *b, const char *s)
{
    if (!s)
        buf_puts(b, "null");
    else
        http_json_strn(b, s, strlen(s));
}

static const double scales[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

double http_round(double v, int decimals)
{
    double f = decimals >= 0 && decimals <= 9 ? scales[decimals] : pow(10, decimals);
    double r = round(v * f) / f;
    return r == 0 ? 0 : r; /* no "-0" */
}

void http_json_int(struct buf *b, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[n++] = '-';
    char out[24];
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    buf_append(b, out, (size_t)n);
}

void http_json_fixed(struct buf *b, double v, int decimals)
{
    if (!isfinite(v)) {
        buf_puts(b, "null");
        return;
    }
    if (decimals < 0 || decimals > 9 || fabs(v) * scales[decimals] >= 9e15) {
        buf_appendf(b, "%.*f", decimals, v); /* outside what the integer path holds */
        return;
    }
    /* Scaled and rounded half away from zero, like http_round(), then printed
     * as digits: no printf, and the same text on every platform. */
    int64_t n = (int64_t)llround(v * scales[decimals]);
    uint64_t u = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    uint64_t scale = (uint64_t)scales[decimals];
    if (n < 0)
        buf_putc(b, '-');
    http_json_int(b, (int64_t)(u / scale));
    if (decimals > 0) {
        char frac[10];
        uint64_t f = u % scale;
        for (int i = decimals - 1; i >= 0; i--) {
            frac[i] = (char)('0' + f % 10);
            f /= 10;
        }
        buf_putc(b, '.');
        buf_append(b, frac, (size_t)decimals);
    }
}
