/* problem — errors as RFC 9457 problem details (application/problem+json).
 *
 * Owned by http/. Every 4xx/5xx answer of LIS goes through http_problem(), so
 * all errors have one shape: {"type", "title", "status", "detail"}. The type
 * is a relative URI "/problems/<slug>" naming the kind of error; the title is
 * the status's reason phrase; the detail says what was wrong with this
 * request in plain words and never echoes invalid UTF-8. */
#ifndef LIS_HTTP_PROBLEM_H
#define LIS_HTTP_PROBLEM_H

#include <h2o.h>
#include <jansson.h>

/* Send a problem response. type is a slug ("invalid-parameter"); detail is
 * printf-style and must format to valid UTF-8. Headers already set on
 * req->res (e.g. Allow) are kept. */
void http_problem(h2o_req_t *req, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A problem response with extension members: ext's members (e.g.
 * "invalid_params", "resets_at") are added to the object; ext is stolen (may
 * be NULL). detail must be valid UTF-8. */
void http_problem_ext(h2o_req_t *req, int status, const char *type, const char *detail,
                      json_t *ext);

/* The reason phrase of an HTTP status ("Not Found"); static. */
const char *http_status_title(int status);

/* Map a negative lis_err to a problem response (404 for LIS_ENOTFOUND, ...). */
void http_problem_err(h2o_req_t *req, int err, const char *detail);

#endif
