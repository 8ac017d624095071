/* router — see router.h. */
#include "http/router.h"

#include <string.h>

/* Match path against pattern. When params/args are given, "{name}" segments
 * are stored (raw) in args by parameter index; raw[] gets their spans. */
static bool match_path(const char *pat, const char *path, size_t len, const struct http_param *params,
                       const char **raw, size_t *rawlen)
{
    const char *p = path, *end = path + len;
    while (*pat) {
        if (p >= end || *pat != '/' || *p != '/')
            return false;
        pat++;
        p++;
        const char *pse = strchr(pat, '/');
        size_t plen = pse ? (size_t)(pse - pat) : strlen(pat);
        const char *se = memchr(p, '/', (size_t)(end - p));
        size_t slen = se ? (size_t)(se - p) : (size_t)(end - p);
        if (plen >= 2 && pat[0] == '{' && pat[plen - 1] == '}') {
            if (slen == 0)
                return false;
            if (params && raw) {
                for (int i = 0; params[i].name; i++)
                    if (strlen(params[i].name) == plen - 2 &&
                        memcmp(params[i].name, pat + 1, plen - 2) == 0) {
                        raw[i] = p;
                        rawlen[i] = slen;
                    }
            }
        } else if (plen != slen || memcmp(pat, p, plen) != 0) {
            return false;
        }
        pat += plen;
        p += slen;
    }
    return p == end;
}

static bool method_ok(const char *route_method, h2o_iovec_t m)
{
    size_t n = strlen(route_method);
    if (m.len == n && memcmp(m.base, route_method, n) == 0)
        return true;
    return strcmp(route_method, "GET") == 0 && m.len == 4 && memcmp(m.base, "HEAD", 4) == 0;
}

int http_route_find(const struct http_route *routes, size_t n, const char *path, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (match_path(routes[i].path, path, len, NULL, NULL, NULL))
            return (int)i;
    return -1;
}

enum http_match http_route_match(const struct http_route *routes, size_t n, h2o_req_t *req,
                                 const struct http_route **route, struct http_args *args,
                                 bool *bad, struct buf *detail, struct buf *allow)
{
    const char *seen = NULL; /* the first pattern that matched the path */
    *bad = false;
    for (size_t i = 0; i < n; i++) {
        if (seen && strcmp(seen, routes[i].path) != 0)
            continue;
        const char *raw[HTTP_MAX_PARAMS] = {0};
        size_t rawlen[HTTP_MAX_PARAMS] = {0};
        if (!match_path(routes[i].path, req->path_normalized.base, req->path_normalized.len,
                        routes[i].params, raw, rawlen))
            continue;
        if (!method_ok(routes[i].method, req->method)) {
            if (!seen)
                buf_reset(allow);
            else
                buf_puts(allow, ", ");
            buf_puts(allow, routes[i].method);
            if (strcmp(routes[i].method, "GET") == 0)
                buf_puts(allow, ", HEAD");
            seen = routes[i].path;
            continue;
        }
        *route = &routes[i];
        for (int k = 0; routes[i].params && routes[i].params[k].name; k++) {
            if (!raw[k])
                continue;
            char *copy = h2o_mem_alloc_pool(&req->pool, rawlen[k] + 1);
            memcpy(copy, raw[k], rawlen[k]);
            copy[rawlen[k]] = '\0';
            if (http_param_check(&req->pool, &routes[i].params[k], copy, rawlen[k], &args->v[k],
                                 detail)) {
                *bad = true;
                break;
            }
        }
        return HTTP_MATCH_OK;
    }
    return seen ? HTTP_MATCH_NO_METHOD : HTTP_MATCH_NO_PATH;
}
