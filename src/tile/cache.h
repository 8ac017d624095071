/* tile/cache — encoded vector tiles kept in memory, shared by every event loop.
 *
 * A cache maps (layer, z, x, y) to a tile's stored bytes (gzipped MVT in
 * lis serve) and its ETag, bounded by a byte budget with least-recently-used
 * eviction. One mutex guards it: every operation is a hash lookup and a copy,
 * so the loops hold it for microseconds.
 *
 * Concurrent misses: the first thread to miss a tile gets TILE_BUILD and owns
 * the tile's "building" slot until it calls tile_cache_put() or
 * tile_cache_abandon(); other threads asking for that tile meanwhile wait on a
 * condition variable and then take the built copy, so a tile is built once.
 * (Builds run on the builder's loop and last milliseconds; a waiting loop
 * would otherwise spend that time building the same tile.)
 *
 * Invalidation: tile_cache_forget() drops every tile, at every zoom and of
 * every layer, whose area (plus the MVT buffer) meets any of the given
 * EPSG:3857 boxes. A tile being built while it is forgotten is handed to its
 * waiters but not kept, as it may hold the data from before the change.
 *
 * A cache with a budget of 0 bytes keeps nothing: tile_cache_get() always
 * answers TILE_BUILD without waiting, and put/abandon do nothing. */
#ifndef LIS_TILE_CACHE_H
#define LIS_TILE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TILE_LAYERS_MAX 16 /* layer ids 0..15 */

struct tile_cache;

/* A new cache holding at most max_bytes of tiles (and their bookkeeping).
 * buffer_frac: how far beyond its edges a tile's content reaches, as a
 * fraction of its width (MVT_BUFFER / MVT_EXTENT), for tile_cache_forget().
 * Caller frees with tile_cache_free(). */
struct tile_cache *tile_cache_new(size_t max_bytes, double buffer_frac);
void tile_cache_free(struct tile_cache *c); /* NULL is a no-op; no thread may use c */
bool tile_cache_enabled(const struct tile_cache *c);

/* The key of a tile; layer < TILE_LAYERS_MAX, z <= 24, x and y < 2^z. */
uint64_t tile_key(int layer, int z, int x, int y);

/* What tile_cache_get() found. */
struct tile_hit {
    void *data;    /* the stored bytes, copied into memory from alloc */
    size_t len;    /* 0 is a valid (empty) tile */
    char etag[24]; /* as given to tile_cache_put() */
};

enum tile_get {
    TILE_HIT = 1,   /* *out filled */
    TILE_BUILD = 2, /* not cached: build it, then tile_cache_put() or tile_cache_abandon() */
};

/* Look tile `key` up. On a hit the bytes are copied into alloc(actx, len)
 * (e.g. a request's memory pool) while the lock is held. When another thread
 * is building the tile, waits for it. */
enum tile_get tile_cache_get(struct tile_cache *c, uint64_t key,
                             void *(*alloc)(void *actx, size_t n), void *actx,
                             struct tile_hit *out);
/* Keep a built tile (bytes are copied) and wake its waiters. Only after
 * TILE_BUILD for that key. */
void tile_cache_put(struct tile_cache *c, uint64_t key, const void *data, size_t len,
                    const char etag[24]);
/* Give up building `key` (the build failed); waiters then build it themselves. */
void tile_cache_abandon(struct tile_cache *c, uint64_t key);

/* Drop the tiles meeting any of boxes[0..n) (EPSG:3857 {minx,miny,maxx,maxy}). */
void tile_cache_forget(struct tile_cache *c, const double (*boxes)[4], size_t n);
void tile_cache_forget_all(struct tile_cache *c);

struct tile_cache_stats {
    size_t tiles, bytes, max_bytes;
    uint64_t hits, misses, waits, evictions, forgotten;
};
void tile_cache_stats(struct tile_cache *c, struct tile_cache_stats *out);

#endif
