/* router — the route table: method, path pattern, parameters, handler.
 *
 * Owned by http/. A route's path is literal segments and "{name}" segments
 * ("/api/v1/parcels/{id}/planning"); a "{name}" segment must be declared
 * among the route's parameters with HTTP_IN_PATH. Routes are matched in table
 * order, so list literal paths ("/parcels/at") before patterns
 * ("/parcels/{id}"). The table is also what the OpenAPI document is made
 * from (api/openapi.c). */
#ifndef LIS_HTTP_ROUTER_H
#define LIS_HTTP_ROUTER_H

#include "http/query.h"

#include <h2o.h>
#include <stdbool.h>

struct http_route;

/* A handler answers every request it is given (always sends a response).
 * tdata is the calling loop's application data (see server.h). */
typedef void (*http_handler)(void *tdata, h2o_req_t *req, const struct http_route *route,
                             const struct http_args *args);

struct http_route {
    const char *method;              /* "GET" (HEAD is served by GET routes too) */
    const char *path;                /* pattern, as above */
    http_handler handler;
    const struct http_param *params; /* terminated by an entry with a NULL name */
    const char *summary;             /* one line, for the OpenAPI document */
    const char *tag;                 /* OpenAPI tag */
    const char *metric;              /* label in /metrics; NULL: the path itself */
    bool public_data;                /* ETag + Cache-Control on success */
    unsigned access;                 /* who may call it: an application's level (the API's
                                        enum api_access); 0: anyone. Read by the gate. */
    bool body;                       /* takes a JSON request body (application/json); other
                                        routes answer a body with 413 */
};

enum http_match {
    HTTP_MATCH_OK,        /* *route is the route; path parameters are in args */
    HTTP_MATCH_NO_PATH,   /* no route has this path */
    HTTP_MATCH_NO_METHOD, /* some route has the path, not with this method; allow filled */
};

/* Find the route for method and path (path without the query string) in
 * routes[0..n). Path parameters are checked against their declaration;
 * a malformed one gives HTTP_MATCH_OK with *bad set and the reason in detail.
 * allow receives "GET, HEAD"-style text for HTTP_MATCH_NO_METHOD. */
enum http_match http_route_match(const struct http_route *routes, size_t n, h2o_req_t *req,
                                 const struct http_route **route, struct http_args *args,
                                 bool *bad, struct buf *detail, struct buf *allow);

/* The index of the route whose path matches (any method), or -1; no
 * allocation. Used to label metrics. */
int http_route_find(const struct http_route *routes, size_t n, const char *path, size_t len);

#endif
