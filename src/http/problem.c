/* problem — see problem.h. */
#include "http/problem.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <string.h>

const char *http_status_title(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status < 500 ? "Bad Request" : "Internal Server Error";
    }
}

static void send_problem(h2o_req_t *req, int status, const char *type, const char *detail,
                         json_t *ext)
{
    struct buf t = BUF_INIT;
    buf_appendf(&t, "/problems/%s", type);
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(buf_cstr(&t)));
    json_object_set_new(o, "title", json_string(http_status_title(status)));
    json_object_set_new(o, "status", json_integer(status));
    json_t *d = json_string(detail);
    /* A detail that is not valid UTF-8 is a bug of ours; say less rather than fail. */
    json_object_set_new(o, "detail", d ? d : json_string(http_status_title(status)));
    if (ext) {
        json_object_update(o, ext);
        json_decref(ext);
    }
    char *body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    buf_free(&t);

    req->res.status = status;
    req->res.reason = http_status_title(status);
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                   H2O_STRLIT("application/problem+json"), 1);
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"),
                   1);
    req->res.content_length = strlen(body);
    h2o_send_inline(req, body, strlen(body));
    free(body);
}

void http_problem(h2o_req_t *req, int status, const char *type, const char *fmt, ...)
{
    struct buf d = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vappendf(&d, fmt, ap);
    va_end(ap);
    send_problem(req, status, type, buf_cstr(&d), NULL);
    buf_free(&d);
}

void http_problem_err(h2o_req_t *req, int err, const char *detail)
{
    int status = lis_err_status(err);
    const char *type = "internal";
    switch (err) {
    case LIS_EINVAL: type = "invalid-parameter"; break;
    case LIS_ENOTFOUND: type = "not-found"; break;
    case LIS_ETOOBIG: type = "too-large"; break;
    case LIS_EUNAVAIL: type = "unavailable"; break;
    default: break;
    }
    if (status >= 500)
        log_error("%s", detail && *detail ? detail : lis_strerror(err));
    /* Internal details (file names, SQL) stay in our log, not in the answer. */
    send_problem(req, status, type, status >= 500 ? lis_strerror(err) : (detail ? detail : lis_strerror(err)),
                 NULL);
}

void http_problem_ext(h2o_req_t *req, int status, const char *type, const char *detail, json_t *ext)
{
    send_problem(req, status, type, detail, ext);
}
