/* tiles — the vector tiles of the public map (internal to api/).
 *
 * GET /tiles/{layer}/{z}/{x}/{y}.mvt answers Mapbox Vector Tiles made from
 * the store (geo/mvt.h encodes them) for the layers parcels, labels (one
 * point per parcel carrying its number, in the one tile that holds the point),
 * communes (boundaries, and a commune-labels point layer) and planning; GET
 * /tiles/{layer}.json their TileJSON 3.0. Tiles are kept gzipped in a
 * tile/cache.h cache shared by the loops (struct api.tiles); each loop reads
 * the store's change log at most once a second and forgets the cached tiles
 * a change touched. Communes and planning zones are few: each loop keeps
 * them in Web-Mercator in memory (struct tiles_loop) and reloads them when
 * the change log says they changed. */
#ifndef LIS_API_TILES_H
#define LIS_API_TILES_H

#include "api/routes.h"

struct tiles_loop;

/* A loop's tile state, made on the loop's thread after t->store and t->geo.
 * Returns NULL with the reason in err. Caller frees with tiles_loop_free(). */
struct tiles_loop *tiles_loop_new(struct api_thread *t, struct buf *err);
void tiles_loop_free(struct tiles_loop *l); /* NULL is a no-op */
/* Let go of a click index that no longer describes the store at change_seq
 * (an idle loop would otherwise keep an old one alive beside the new). */
void tiles_loop_tick(struct tiles_loop *l, int64_t change_seq);

/* Forget what the store's change log says changed since this loop last
 * looked (at most once a second; cheap otherwise). */
void tiles_fresh(struct api_thread *t);

extern const struct http_param api_p_tile[], api_p_tilejson[];
void api_h_tile(void *t, h2o_req_t *req, const struct http_route *r, const struct http_args *a);
void api_h_tilejson(void *t, h2o_req_t *req, const struct http_route *r,
                    const struct http_args *a);

#endif
