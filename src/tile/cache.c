/* tile/cache — see cache.h.
 *
 * A chained hash table over 64-bit keys plus a doubly linked list in
 * least-recently-used order; both under one mutex. A "building" entry holds
 * no bytes: it marks a tile some thread is making, and the condition variable
 * wakes the threads waiting for it when it is put or abandoned. Entries being
 * built are never evicted (they cost nothing yet). */
#include "tile/cache.h"

#include "core/mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WORLD_HALF 20037508.342789244 /* half the width of the EPSG:3857 square */
#define ENTRY_OVERHEAD 96             /* bookkeeping counted against the budget */

struct ent {
    uint64_t key;
    struct ent *hnext;      /* hash chain */
    struct ent *prev, *next; /* LRU list; most recent at head */
    uint8_t *data;          /* NULL while building */
    size_t len;
    char etag[24];
    bool building;
    bool stale;             /* forgotten while building: not kept when put */
};

struct tile_cache {
    pthread_mutex_t lock;
    pthread_cond_t built;   /* a building entry was put or abandoned */
    size_t max_bytes, bytes;
    double buffer_frac;
    struct ent **buckets;
    size_t nbuckets;        /* power of two */
    size_t n;               /* entries, building ones included */
    struct ent head;        /* LRU sentinel */
    uint64_t hits, misses, waits, evictions, forgotten;
};

uint64_t tile_key(int layer, int z, int x, int y)
{
    return (uint64_t)(layer & 15) << 53 | (uint64_t)(z & 31) << 48 | (uint64_t)(x & 0xffffff) << 24 |
           (uint64_t)(y & 0xffffff);
}

static void key_bounds(uint64_t key, double frac, double b[4])
{
    int z = (int)(key >> 48 & 31);
    double x = (double)(key >> 24 & 0xffffff), y = (double)(key & 0xffffff);
    double size = 2 * WORLD_HALF / (double)(1u << z), pad = size * frac;
    b[0] = -WORLD_HALF + x * size - pad;
    b[2] = -WORLD_HALF + (x + 1) * size + pad;
    b[3] = WORLD_HALF - y * size + pad;
    b[1] = WORLD_HALF - (y + 1) * size - pad;
}

static size_t hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k;
}

struct tile_cache *tile_cache_new(size_t max_bytes, double buffer_frac)
{
    struct tile_cache *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->built, NULL);
    c->max_bytes = max_bytes;
    c->buffer_frac = buffer_frac;
    c->nbuckets = 1024;
    c->buckets = xcalloc(c->nbuckets, sizeof *c->buckets);
    c->head.prev = c->head.next = &c->head;
    return c;
}

void tile_cache_free(struct tile_cache *c)
{
    if (!c)
        return;
    for (struct ent *e = c->head.next, *nx; e != &c->head; e = nx) {
        nx = e->next;
        free(e->data);
        free(e);
    }
    free(c->buckets);
    pthread_cond_destroy(&c->built);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

bool tile_cache_enabled(const struct tile_cache *c) { return c && c->max_bytes > 0; }

static struct ent *find(struct tile_cache *c, uint64_t key)
{
    for (struct ent *e = c->buckets[hash(key) & (c->nbuckets - 1)]; e; e = e->hnext)
        if (e->key == key)
            return e;
    return NULL;
}

static void lru_unlink(struct ent *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static void lru_front(struct tile_cache *c, struct ent *e)
{
    e->next = c->head.next;
    e->prev = &c->head;
    c->head.next->prev = e;
    c->head.next = e;
}

static void grow(struct tile_cache *c)
{
    size_t nb = c->nbuckets * 2;
    struct ent **b = xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < c->nbuckets; i++)
        for (struct ent *e = c->buckets[i], *nx; e; e = nx) {
            nx = e->hnext;
            size_t h = hash(e->key) & (nb - 1);
            e->hnext = b[h];
            b[h] = e;
        }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = nb;
}

static struct ent *insert(struct tile_cache *c, uint64_t key)
{
    if (c->n >= c->nbuckets)
        grow(c);
    struct ent *e = xcalloc(1, sizeof *e);
    e->key = key;
    size_t h = hash(key) & (c->nbuckets - 1);
    e->hnext = c->buckets[h];
    c->buckets[h] = e;
    lru_front(c, e);
    c->n++;
    c->bytes += ENTRY_OVERHEAD;
    return e;
}

static void drop(struct tile_cache *c, struct ent *e)
{
    struct ent **pp = &c->buckets[hash(e->key) & (c->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(e);
    c->n--;
    c->bytes -= ENTRY_OVERHEAD + e->len;
    free(e->data);
    free(e);
}

/* Evict from the cold end until the budget holds; building entries stay. */
static void trim(struct tile_cache *c)
{
    struct ent *e = c->head.prev;
    while (c->bytes > c->max_bytes && e != &c->head) {
        struct ent *pv = e->prev;
        if (!e->building) {
            drop(c, e);
            c->evictions++;
        }
        e = pv;
    }
}

enum tile_get tile_cache_get(struct tile_cache *c, uint64_t key,
                             void *(*alloc)(void *actx, size_t n), void *actx,
                             struct tile_hit *out)
{
    if (!tile_cache_enabled(c))
        return TILE_BUILD;
    pthread_mutex_lock(&c->lock);
    struct ent *e;
    bool waited = false;
    while ((e = find(c, key)) && e->building) {
        if (!waited)
            c->waits++;
        waited = true;
        pthread_cond_wait(&c->built, &c->lock);
    }
    enum tile_get r;
    if (e) {
        lru_unlink(e);
        lru_front(c, e);
        out->len = e->len;
        out->data = alloc(actx, e->len ? e->len : 1);
        if (e->len)
            memcpy(out->data, e->data, e->len);
        memcpy(out->etag, e->etag, sizeof out->etag);
        c->hits++;
        r = TILE_HIT;
    } else {
        e = insert(c, key);
        e->building = true;
        c->misses++;
        r = TILE_BUILD;
    }
    pthread_mutex_unlock(&c->lock);
    return r;
}

void tile_cache_put(struct tile_cache *c, uint64_t key, const void *data, size_t len,
                    const char etag[24])
{
    if (!tile_cache_enabled(c))
        return;
    pthread_mutex_lock(&c->lock);
    struct ent *e = find(c, key);
    if (e && e->building) {
        if (e->stale || len + ENTRY_OVERHEAD > c->max_bytes) {
            drop(c, e);
        } else {
            e->data = xmalloc(len ? len : 1);
            if (len)
                memcpy(e->data, data, len);
            e->len = len;
            memcpy(e->etag, etag, sizeof e->etag);
            e->building = false;
            c->bytes += len;
            trim(c);
        }
        pthread_cond_broadcast(&c->built);
    }
    pthread_mutex_unlock(&c->lock);
}

void tile_cache_abandon(struct tile_cache *c, uint64_t key)
{
    if (!tile_cache_enabled(c))
        return;
    pthread_mutex_lock(&c->lock);
    struct ent *e = find(c, key);
    if (e && e->building) {
        drop(c, e);
        pthread_cond_broadcast(&c->built);
    }
    pthread_mutex_unlock(&c->lock);
}

static bool meets(const double a[4], const double b[4])
{
    return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

void tile_cache_forget(struct tile_cache *c, const double (*boxes)[4], size_t n)
{
    if (!tile_cache_enabled(c) || n == 0)
        return;
    pthread_mutex_lock(&c->lock);
    for (struct ent *e = c->head.next, *nx; e != &c->head; e = nx) {
        nx = e->next;
        double b[4];
        key_bounds(e->key, c->buffer_frac, b);
        for (size_t i = 0; i < n; i++) {
            if (!meets(b, boxes[i]))
                continue;
            c->forgotten++;
            if (e->building)
                e->stale = true;
            else
                drop(c, e);
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
}

void tile_cache_forget_all(struct tile_cache *c)
{
    static const double world[1][4] = {{-1e300, -1e300, 1e300, 1e300}};
    tile_cache_forget(c, world, 1);
}

void tile_cache_stats(struct tile_cache *c, struct tile_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    out->tiles = c->n;
    out->bytes = c->bytes;
    out->max_bytes = c->max_bytes;
    out->hits = c->hits;
    out->misses = c->misses;
    out->waits = c->waits;
    out->evictions = c->evictions;
    out->forgotten = c->forgotten;
    pthread_mutex_unlock(&c->lock);
}
