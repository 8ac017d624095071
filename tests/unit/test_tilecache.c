/* Unit tests of tile/cache: hits and misses, the byte budget (least recently
 * used out first), forgetting by box at every zoom, a tile forgotten while it
 * is built, and concurrent misses of one tile built once. */
#include "tile/cache.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define HALF 20037508.342789244

static void *heap_alloc(void *actx, size_t n)
{
    (void)actx;
    return malloc(n);
}

static const char ETAG[24] = "W/\"0123456789abcdef\"";

/* Get a tile; "hit:<bytes>" or "build". */
static const char *get(struct tile_cache *c, uint64_t key, char *out, size_t n)
{
    struct tile_hit h;
    if (tile_cache_get(c, key, heap_alloc, NULL, &h) == TILE_BUILD) {
        snprintf(out, n, "build");
        return out;
    }
    snprintf(out, n, "hit:%.*s", (int)h.len, (const char *)h.data);
    free(h.data);
    return out;
}

static void put(struct tile_cache *c, uint64_t key, const char *body)
{
    tile_cache_put(c, key, body, strlen(body), ETAG);
}

Test(tilecache, miss_then_hit)
{
    struct tile_cache *c = tile_cache_new(1 << 20, 64.0 / 4096);
    char s[64];
    uint64_t k = tile_key(0, 14, 13051, 7174);
    cr_assert_str_eq(get(c, k, s, sizeof s), "build");
    put(c, k, "tile-a");
    cr_assert_str_eq(get(c, k, s, sizeof s), "hit:tile-a");
    /* another layer, same z/x/y: another tile */
    cr_assert_str_eq(get(c, tile_key(1, 14, 13051, 7174), s, sizeof s), "build");
    tile_cache_abandon(c, tile_key(1, 14, 13051, 7174));
    cr_assert_str_eq(get(c, tile_key(1, 14, 13051, 7174), s, sizeof s), "build");
    /* an empty tile is a tile */
    tile_cache_put(c, tile_key(1, 14, 13051, 7174), "", 0, ETAG);
    cr_assert_str_eq(get(c, tile_key(1, 14, 13051, 7174), s, sizeof s), "hit:");
    struct tile_cache_stats st;
    tile_cache_stats(c, &st);
    cr_assert_eq(st.tiles, 2);
    cr_assert_eq(st.hits, 2);
    cr_assert_eq(st.misses, 3);
    tile_cache_free(c);
}

Test(tilecache, disabled_keeps_nothing)
{
    struct tile_cache *c = tile_cache_new(0, 0);
    char s[64];
    cr_assert(!tile_cache_enabled(c));
    cr_assert_str_eq(get(c, 1, s, sizeof s), "build");
    put(c, 1, "x");
    cr_assert_str_eq(get(c, 1, s, sizeof s), "build"); /* and never waits */
    tile_cache_free(c);
}

Test(tilecache, byte_budget_evicts_least_recent)
{
    /* room for about three 1000-byte tiles with their bookkeeping */
    struct tile_cache *c = tile_cache_new(3400, 0);
    char body[1001], s[1100];
    memset(body, 'x', 1000);
    body[1000] = '\0';
    for (int i = 1; i <= 3; i++) {
        cr_assert_str_eq(get(c, (uint64_t)i, s, sizeof s), "build");
        put(c, (uint64_t)i, body);
    }
    cr_assert_str_neq(get(c, 1, s, sizeof s), "build"); /* 1 is now the most recent */
    cr_assert_str_eq(get(c, 4, s, sizeof s), "build");
    put(c, 4, body);                                    /* 2 goes */
    cr_assert_str_eq(get(c, 2, s, sizeof s), "build");
    tile_cache_abandon(c, 2);
    cr_assert_str_neq(get(c, 1, s, sizeof s), "build");
    cr_assert_str_neq(get(c, 3, s, sizeof s), "build");
    cr_assert_str_neq(get(c, 4, s, sizeof s), "build");
    struct tile_cache_stats st;
    tile_cache_stats(c, &st);
    cr_assert_leq(st.bytes, 3400);
    cr_assert_eq(st.evictions, 1);
    /* a tile bigger than the whole budget is served, not kept */
    char big[4000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_assert_str_eq(get(c, 5, s, sizeof s), "build");
    put(c, 5, big);
    cr_assert_str_eq(get(c, 5, s, sizeof s), "build");
    tile_cache_abandon(c, 5);
    tile_cache_free(c);
}

/* The tile of zoom z holding Web-Mercator point (x, y). */
static uint64_t key_at(int layer, int z, double x, double y)
{
    double size = 2 * HALF / (double)(1u << z);
    return tile_key(layer, z, (int)((x + HALF) / size), (int)((HALF - y) / size));
}

Test(tilecache, forget_by_box_at_every_zoom)
{
    struct tile_cache *c = tile_cache_new(1 << 20, 64.0 / 4096);
    char s[64];
    const double px = 11886000, py = 2488500; /* in Lạng Sơn */
    const double qx = 11900000, qy = 2500000; /* ~20 km away */
    for (int z = 10; z <= 18; z++)
        for (int layer = 0; layer < 2; layer++) {
            get(c, key_at(layer, z, px, py), s, sizeof s);
            put(c, key_at(layer, z, px, py), "p");
            get(c, key_at(layer, z, qx, qy), s, sizeof s);
            put(c, key_at(layer, z, qx, qy), "q");
        }
    const double box[1][4] = {{px - 5, py - 5, px + 5, py + 5}};
    tile_cache_forget(c, box, 1);
    for (int z = 10; z <= 18; z++)
        for (int layer = 0; layer < 2; layer++) {
            /* z10 and z11 tiles are ~39 km / 20 km across: both points may share them */
            uint64_t kp = key_at(layer, z, px, py), kq = key_at(layer, z, qx, qy);
            cr_assert_str_eq(get(c, kp, s, sizeof s), "build", "z%d layer %d: touched", z, layer);
            tile_cache_abandon(c, kp);
            if (kq != kp)
                cr_assert_str_eq(get(c, kq, s, sizeof s), "hit:q", "z%d: untouched stays", z);
        }
    /* the buffer counts: a change just beyond a tile's edge reaches into it */
    uint64_t k = key_at(0, 16, px, py);
    get(c, k, s, sizeof s);
    put(c, k, "p");
    double size = 2 * HALF / 65536, x1 = -HALF + (double)((k >> 24) & 0xffffff) * size + size;
    const double near[1][4] = {{x1 + size * 32 / 4096, py, x1 + size * 33 / 4096, py}};
    const double far[1][4] = {{x1 + size * 100 / 4096, py, x1 + size * 101 / 4096, py}};
    tile_cache_forget(c, far, 1);
    cr_assert_str_eq(get(c, k, s, sizeof s), "hit:p");
    tile_cache_forget(c, near, 1);
    cr_assert_str_eq(get(c, k, s, sizeof s), "build");
    tile_cache_abandon(c, k);
    tile_cache_forget_all(c);
    cr_assert_str_eq(get(c, key_at(0, 18, qx, qy), s, sizeof s), "build");
    tile_cache_abandon(c, key_at(0, 18, qx, qy));
    tile_cache_free(c);
}

Test(tilecache, forgotten_while_building_is_not_kept)
{
    struct tile_cache *c = tile_cache_new(1 << 20, 0);
    char s[64];
    uint64_t k = key_at(0, 16, 11886000, 2488500);
    cr_assert_str_eq(get(c, k, s, sizeof s), "build");
    const double box[1][4] = {{11886000, 2488500, 11886001, 2488501}};
    tile_cache_forget(c, box, 1); /* data changed under the build */
    put(c, k, "old data");
    cr_assert_str_eq(get(c, k, s, sizeof s), "build");
    put(c, k, "new data");
    cr_assert_str_eq(get(c, k, s, sizeof s), "hit:new data");
    tile_cache_free(c);
}

struct racer {
    struct tile_cache *c;
    int built;
    char got[64];
};

static pthread_mutex_t built_lock = PTHREAD_MUTEX_INITIALIZER;
static int builds;

static void *race(void *arg)
{
    struct racer *r = arg;
    struct tile_hit h;
    if (tile_cache_get(r->c, 42, heap_alloc, NULL, &h) == TILE_BUILD) {
        pthread_mutex_lock(&built_lock);
        builds++;
        pthread_mutex_unlock(&built_lock);
        usleep(50000); /* a slow build: the others must wait, not build too */
        put(r->c, 42, "built once");
        snprintf(r->got, sizeof r->got, "built once");
        r->built = 1;
        return NULL;
    }
    snprintf(r->got, sizeof r->got, "%.*s", (int)h.len, (const char *)h.data);
    free(h.data);
    return NULL;
}

Test(tilecache, concurrent_misses_build_once)
{
    struct tile_cache *c = tile_cache_new(1 << 20, 0);
    pthread_t th[8];
    struct racer r[8];
    builds = 0;
    for (size_t i = 0; i < N(th); i++) {
        r[i] = (struct racer){c, 0, ""};
        pthread_create(&th[i], NULL, race, &r[i]);
    }
    for (size_t i = 0; i < N(th); i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(builds, 1);
    for (size_t i = 0; i < N(th); i++)
        cr_assert_str_eq(r[i].got, "built once", "thread %zu", i);
    struct tile_cache_stats st;
    tile_cache_stats(c, &st);
    cr_assert_eq(st.misses, 1);
    cr_assert_eq(st.hits, N(th) - 1);
    tile_cache_free(c);
}
