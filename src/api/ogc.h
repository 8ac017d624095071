/* ogc — OGC API – Features (Part 1) under /ogc (internal to api/).
 *
 * Landing page, conformance, the API definition, collections (parcels,
 * communes, planning-zones) and their items, as JSON/GeoJSON or HTML chosen
 * by `f=` or the Accept header. Items pages are streamed in chunks with
 * keyset paging (`next` links carry `after`). See ogc.c. */
#ifndef LIS_API_OGC_H
#define LIS_API_OGC_H

#include "api/routes.h"

extern const struct http_param api_p_ogc[], api_p_ogc_coll[], api_p_ogc_items[],
    api_p_ogc_item[];
void api_h_ogc_landing(void *t, h2o_req_t *req, const struct http_route *r,
                       const struct http_args *a);
void api_h_ogc_conformance(void *t, h2o_req_t *req, const struct http_route *r,
                           const struct http_args *a);
void api_h_ogc_api(void *t, h2o_req_t *req, const struct http_route *r,
                   const struct http_args *a);
void api_h_ogc_collections(void *t, h2o_req_t *req, const struct http_route *r,
                           const struct http_args *a);
void api_h_ogc_collection(void *t, h2o_req_t *req, const struct http_route *r,
                          const struct http_args *a);
void api_h_ogc_items(void *t, h2o_req_t *req, const struct http_route *r,
                     const struct http_args *a);
void api_h_ogc_item(void *t, h2o_req_t *req, const struct http_route *r,
                    const struct http_args *a);

#endif
