/* respond — successful answers: JSON bodies, ETag and Cache-Control, and the
 * small JSON writer the hot paths use.
 *
 * Owned by http/. Jansson builds most documents; the parcel answers (map
 * clicks, searches) are written straight into a struct buf with the
 * http_json_* helpers below, which is several times cheaper and prints numbers
 * at a fixed precision (areas 0.1 m², degrees 1e-7, metres 1 mm) identically
 * on every backend. */
#ifndef LIS_HTTP_RESPOND_H
#define LIS_HTTP_RESPOND_H

#include "core/buf.h"

#include <h2o.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Answers from this size up are gzipped for clients that accept it (h2o's
 * compression filter); smaller ones gain no packet from it. */
#define HTTP_GZIP_MIN_BYTES 1400

/* Send body (copied into the request pool) with status 200 and content type
 * ctype (NULL: application/json). When cache_control is not NULL the body
 * gets a weak ETag (the gzipped and plain forms share it) and that
 * Cache-Control, and a matching If-None-Match is answered 304 without a body. */
void http_send_body(h2o_req_t *req, const char *ctype, const char *body, size_t len,
                    const char *cache_control);

/* Dump a jansson document and send it as above. Takes ownership of doc. */
void http_send_json(h2o_req_t *req, json_t *doc, const char *cache_control);

/* Send a private answer (one person's data): status, application/json,
 * Cache-Control: no-store, no ETag. Takes ownership of doc. */
void http_send_private(h2o_req_t *req, int status, json_t *doc);
/* An answer without a body (204 and the like), Cache-Control: no-store. */
void http_send_empty(h2o_req_t *req, int status);

/* The ETag of a body: a weak, quoted 64-bit hash in hex ("W/\"0123abcd...\""). */
void http_etag(const char *body, size_t len, char out[24]);

/* JSON writer helpers: each appends one JSON value to b. */
void http_json_str(struct buf *b, const char *s);                /* NULL → null */
void http_json_strn(struct buf *b, const char *s, size_t n);     /* s must be valid UTF-8 */
void http_json_fixed(struct buf *b, double v, int decimals);     /* non-finite → null; rounded
                                                                    half away from zero */
void http_json_int(struct buf *b, int64_t v);

/* Round v to `decimals` digits after the point, for jansson reals. */
double http_round(double v, int decimals);

#endif
