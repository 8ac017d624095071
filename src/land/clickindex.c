/* clickindex — see clickindex.h.
 *
 * Layout. Parcels are numbered (slots) in Hilbert order of their box centres
 * after finish(); for slot i, ids[i] is the parcel's id, tree[i] its float
 * box (rounded outwards, so it always holds the true outline), recs[i] its
 * basic-view record (strings as offsets into one pool where each distinct
 * value is kept once: addresses, dates and codes repeat a lot) and shape[i]
 * where its outline starts in `words`. An outline is a run of 32-bit words:
 *
 *     npolys, then per polygon: nrings, then per ring: npts, npts (x, y) floats
 *
 * with coordinates relative to the box's lower-left corner (a float value, so
 * the subtraction at query time is exact), closing points dropped (the ring
 * test closes rings itself).
 *
 * The R-tree is packed bottom-up, flatbush-style: level 0 is the parcels'
 * boxes, each upper level holds one box per run of NODE boxes below it, all
 * levels in one array (`tree`), level k starting at level_at[k]. Node j of
 * level k covers entries [j*NODE, j*NODE + NODE) of level k - 1. */
#include "land/clickindex.h"

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "geo/geo.h"

#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NODE 16          /* entries per R-tree node */
#define MAX_LEVELS 16    /* 16^16 parcels: never reached */
#define MAX_DEPTH 8      /* nested collections in WKB */
#define PAGE 10000       /* parcels read per store call while loading */
#define RETRY_MS 10000   /* after a failed build, wait this long before the next */
#define NONE UINT32_MAX  /* a NULL string */
#define COORD_MAX 1e30   /* beyond any map, well inside float range */

enum { S_SURVEY, S_COMMUNE, S_SHEET, S_NUMBER, S_LAND_USE, S_ADDRESS, S_VALID_FROM, S_COUNT };

struct fbox {
    float minx, miny, maxx, maxy;
};

/* A parcel's basic-view fields, compact: strings are offsets into the pool
 * (NONE for NULL), doubles kept bit for bit (answers must not change). */
struct rec {
    uint32_t area[2], area_map[2]; /* doubles, memcpy'd: keeps the struct 4-aligned */
    uint32_t str[S_COUNT];
    uint32_t version;              /* 0: not held (the store has it) */
    char national_id[12];          /* not NUL-terminated when all 12 are used */
};

_Static_assert(sizeof(struct rec) <= 64, "permute() moves records through 64 bytes");

struct clickindex {
    atomic_long refs;
    int64_t seq;
    size_t n;              /* parcels */
    int64_t *ids;          /* [n] */
    uint32_t *shape;       /* [n] start of each outline in words */
    struct rec *recs;      /* [n] or NULL when no records were given */
    char *pool;            /* the records' strings, each once, NUL-terminated */
    size_t pool_len;
    uint32_t *words;       /* outlines */
    size_t nwords;
    struct fbox *tree;     /* all levels; level 0 = the parcels' boxes */
    size_t level_at[MAX_LEVELS + 1];
    size_t level_n[MAX_LEVELS];
    int levels;
};

struct clickindex_builder {
    int64_t *ids;
    struct fbox *boxes;
    uint32_t *shape;
    struct rec *recs;
    size_t n, cap;
    uint32_t *words;
    size_t nwords, wcap;
    struct buf pool;
    uint32_t *slots;       /* open addressing over pool offsets (+1; 0 = empty) */
    size_t nslots, used;
};

/* ------------------------------------------------------------ WKB input */

struct rd {
    const uint8_t *p, *end;
    bool swap;
};

static bool rd_u32(struct rd *r, uint32_t *v)
{
    if (r->end - r->p < 4)
        return false;
    uint32_t x;
    memcpy(&x, r->p, 4);
    *v = r->swap ? __builtin_bswap32(x) : x;
    r->p += 4;
    return true;
}

static double ld64(const uint8_t *p, bool swap)
{
    uint64_t x;
    double d;
    memcpy(&x, p, 8);
    if (swap)
        x = __builtin_bswap64(x);
    memcpy(&d, &x, 8);
    return d;
}

/* What one pass over a geometry does: measure its box, or write its outline. */
struct pass {
    bool emit;
    double minx, miny, maxx, maxy; /* measured */
    float ox, oy;                  /* origin the emitted coordinates are relative to */
    struct clickindex_builder *b;
    uint32_t npolys;
};

static void put_word(struct clickindex_builder *b, uint32_t w)
{
    if (b->nwords == b->wcap) {
        b->wcap = b->wcap ? 2 * b->wcap : 4096;
        b->words = xrealloc(b->words, b->wcap * sizeof *b->words);
    }
    b->words[b->nwords++] = w;
}

static void put_float(struct clickindex_builder *b, float f)
{
    uint32_t w;
    memcpy(&w, &f, 4);
    put_word(b, w);
}

/* One ring of n points of `step` bytes. */
static bool ring(struct rd *r, struct pass *ps, uint32_t n, size_t step)
{
    if ((size_t)(r->end - r->p) / step < n)
        return false;
    const uint8_t *p = r->p;
    r->p += (size_t)n * step;
    if (n > 1 && ld64(p, r->swap) == ld64(p + (n - 1) * step, r->swap) &&
        ld64(p + 8, r->swap) == ld64(p + (n - 1) * step + 8, r->swap))
        n--; /* the closing point: the ring test closes rings itself */
    for (uint32_t i = 0; i < n; i++) {
        double x = ld64(p + i * step, r->swap), y = ld64(p + i * step + 8, r->swap);
        if (!(fabs(x) < COORD_MAX) || !(fabs(y) < COORD_MAX))
            return false; /* also NaN; floats must hold the box */
        if (!ps->emit) {
            ps->minx = fmin(ps->minx, x);
            ps->miny = fmin(ps->miny, y);
            ps->maxx = fmax(ps->maxx, x);
            ps->maxy = fmax(ps->maxy, y);
        }
    }
    if (ps->emit) {
        put_word(ps->b, n);
        for (uint32_t i = 0; i < n; i++) {
            put_float(ps->b, (float)(ld64(p + i * step, r->swap) - ps->ox));
            put_float(ps->b, (float)(ld64(p + i * step + 8, r->swap) - ps->oy));
        }
    }
    return true;
}

static bool geom(struct rd *r, struct pass *ps, int depth)
{
    uint32_t type, n, nr;
    if (r->p >= r->end || *r->p > 1)
        return false;
    r->swap = (*r->p++ == 0) != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
    if (!rd_u32(r, &type))
        return false;
    uint32_t base = type % 1000, dims = type / 1000; /* ISO: 1000 Z, 2000 M, 3000 ZM */
    if (dims > 3)
        return false;
    size_t step = dims == 0 ? 16 : dims == 3 ? 32 : 24;
    switch (base) {
    case 1: /* point: no area */
        if ((size_t)(r->end - r->p) < step)
            return false;
        r->p += step;
        return true;
    case 2: /* line string: no area */
        if (!rd_u32(r, &n) || (size_t)(r->end - r->p) / step < n)
            return false;
        r->p += (size_t)n * step;
        return true;
    case 3: {
        if (!rd_u32(r, &nr))
            return false;
        size_t at = 0; /* where the ring count goes: an index, the array may move */
        if (ps->emit) {
            at = ps->b->nwords;
            put_word(ps->b, 0);
        }
        uint32_t kept = 0; /* rings with points */
        for (uint32_t i = 0; i < nr; i++) {
            if (!rd_u32(r, &n))
                return false;
            if (n == 0)
                continue;
            if (!ring(r, ps, n, step))
                return false;
            kept++;
        }
        if (ps->emit && kept == 0)
            ps->b->nwords = at; /* an empty polygon leaves nothing */
        else if (ps->emit)
            ps->b->words[at] = kept;
        if (kept)
            ps->npolys++;
        return true;
    }
    case 4: case 5: case 6: case 7:
        if (depth >= MAX_DEPTH || !rd_u32(r, &n))
            return false;
        for (uint32_t i = 0; i < n; i++)
            if (!geom(r, ps, depth + 1))
                return false;
        return true;
    default:
        return false;
    }
}

/* ------------------------------------------------------------- building */

struct clickindex_builder *clickindex_builder_new(void)
{
    return xcalloc(1, sizeof(struct clickindex_builder));
}

void clickindex_builder_free(struct clickindex_builder *b)
{
    if (!b)
        return;
    free(b->ids);
    free(b->boxes);
    free(b->shape);
    free(b->recs);
    free(b->words);
    buf_free(&b->pool);
    free(b->slots);
    free(b);
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* s's offset in the pool, added when new; NONE for NULL or a full pool. */
static uint32_t intern(struct clickindex_builder *b, const char *s)
{
    if (!s)
        return NONE;
    if (b->used * 2 >= b->nslots) { /* grow and rehash */
        size_t n = b->nslots ? 2 * b->nslots : 4096;
        uint32_t *v = xcalloc(n, sizeof *v);
        for (size_t i = 0; i < b->nslots; i++) {
            if (!b->slots[i])
                continue;
            size_t j = hash_str(b->pool.data + b->slots[i] - 1) & (n - 1);
            while (v[j])
                j = (j + 1) & (n - 1);
            v[j] = b->slots[i];
        }
        free(b->slots);
        b->slots = v;
        b->nslots = n;
    }
    size_t j = hash_str(s) & (b->nslots - 1);
    for (; b->slots[j]; j = (j + 1) & (b->nslots - 1))
        if (strcmp(b->pool.data + b->slots[j] - 1, s) == 0)
            return b->slots[j] - 1;
    size_t len = strlen(s), at = b->pool.len;
    if (at + len + 1 >= NONE - 1)
        return NONE;
    buf_append(&b->pool, s, len + 1); /* with its NUL */
    b->slots[j] = (uint32_t)at + 1;
    b->used++;
    return (uint32_t)at;
}

/* p's fields as a record; version 0 when something does not fit (the store
 * answers for that parcel then). */
static struct rec record(struct clickindex_builder *b, const struct store_parcel *p)
{
    struct rec r;
    memset(&r, 0, sizeof r);
    if (!p)
        return r;
    const char *v[S_COUNT] = {p->survey_commune, p->commune, p->sheet,    p->number,
                              p->land_use,       p->address, p->valid_from};
    size_t nid = strlen(p->national_id);
    if (nid > sizeof r.national_id || p->version <= 0 || p->valid_to)
        return r;
    for (int i = 0; i < S_COUNT; i++) {
        r.str[i] = intern(b, v[i]);
        if (v[i] && r.str[i] == NONE)
            return r; /* version stays 0 */
    }
    memcpy(r.national_id, p->national_id, nid);
    memcpy(r.area, &p->area, sizeof r.area);
    memcpy(r.area_map, &p->area_map, sizeof r.area_map);
    r.version = (uint32_t)p->version;
    return r;
}

/* float bounds that hold v: rounded down / up */
static float down(double v)
{
    float f = (float)v;
    return (double)f > v ? nextafterf(f, -INFINITY) : f;
}

static float up(double v)
{
    float f = (float)v;
    return (double)f < v ? nextafterf(f, INFINITY) : f;
}

static void reserve(struct clickindex_builder *b, size_t cap)
{
    if (cap <= b->cap)
        return;
    b->cap = cap;
    b->ids = xrealloc(b->ids, b->cap * sizeof *b->ids);
    b->boxes = xrealloc(b->boxes, b->cap * sizeof *b->boxes);
    b->shape = xrealloc(b->shape, b->cap * sizeof *b->shape);
    b->recs = xrealloc(b->recs, b->cap * sizeof *b->recs);
}

static int add(struct clickindex_builder *b, int64_t id, const uint8_t *wkb, size_t len,
               const struct store_parcel *p)
{
    struct pass ps = {false, INFINITY, INFINITY, -INFINITY, -INFINITY, 0, 0, b, 0};
    struct rd r = {wkb, wkb + len, false};
    if (!wkb || !geom(&r, &ps, 0) || ps.npolys == 0 || !(ps.minx <= ps.maxx))
        return LIS_EINVAL;
    struct fbox box = {down(ps.minx), down(ps.miny), up(ps.maxx), up(ps.maxy)};
    size_t start = b->nwords;
    if (start > UINT32_MAX - len) /* outlines are addressed by 32-bit word offsets */
        return LIS_EINVAL;
    put_word(b, 0);
    struct pass em = {true, 0, 0, 0, 0, box.minx, box.miny, b, 0};
    r = (struct rd){wkb, wkb + len, false};
    if (!geom(&r, &em, 0)) {
        b->nwords = start;
        return LIS_EINVAL;
    }
    b->words[start] = em.npolys;
    if (b->n == b->cap)
        reserve(b, b->cap ? 2 * b->cap : 1024);
    b->recs[b->n] = record(b, p);
    b->ids[b->n] = id;
    b->boxes[b->n] = box;
    b->shape[b->n] = (uint32_t)start;
    b->n++;
    return 0;
}

int clickindex_builder_add(struct clickindex_builder *b, int64_t id, const uint8_t *wkb,
                           size_t len)
{
    return add(b, id, wkb, len, NULL);
}

int clickindex_builder_add_parcel(struct clickindex_builder *b, const struct store_parcel *p)
{
    return add(b, p->id, p->wkb_mercator, p->wkb_mercator_len, p);
}

/* Position of (x, y) along a Hilbert curve over a 65536 x 65536 grid. */
static uint32_t hilbert(uint32_t x, uint32_t y)
{
    uint32_t d = 0;
    for (uint32_t s = 1u << 15; s > 0; s >>= 1) {
        uint32_t rx = (x & s) ? 1 : 0, ry = (y & s) ? 1 : 0;
        d += s * s * ((3 * rx) ^ ry);
        if (ry == 0) { /* rotate the quadrant so the curve stays continuous */
            if (rx == 1) {
                x = 0xffff - x;
                y = 0xffff - y;
            }
            uint32_t t = x;
            x = y;
            y = t;
        }
    }
    return d;
}

static int by_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static struct fbox cover(const struct fbox *v, size_t n)
{
    struct fbox c = v[0];
    for (size_t i = 1; i < n; i++) {
        c.minx = fminf(c.minx, v[i].minx);
        c.miny = fminf(c.miny, v[i].miny);
        c.maxx = fmaxf(c.maxx, v[i].maxx);
        c.maxy = fmaxf(c.maxy, v[i].maxy);
    }
    return c;
}

/* Reorder v (n items of `size` bytes) in place so that item i becomes the
 * item that was at perm[i]: each cycle of the permutation is walked once,
 * with one item aside, so no second copy of the array is ever made. */
static void permute(void *v, size_t size, const uint32_t *perm, size_t n, uint8_t *done)
{
    uint8_t *a = v, tmp[64];
    memset(done, 0, (n + 7) / 8);
    for (size_t i = 0; i < n; i++) {
        if (done[i / 8] & (1u << (i % 8)))
            continue;
        memcpy(tmp, a + i * size, size);
        size_t j = i;
        for (;;) {
            done[j / 8] |= (uint8_t)(1u << (j % 8));
            size_t k = perm[j];
            if (k == i) {
                memcpy(a + j * size, tmp, size);
                break;
            }
            memcpy(a + j * size, a + k * size, size);
            j = k;
        }
    }
}

/* Indexes alive in this process (built and not yet freed), for /metrics. */
static atomic_int live_indexes;

int clickindex_live(void)
{
    return atomic_load_explicit(&live_indexes, memory_order_relaxed);
}

struct clickindex *clickindex_builder_finish(struct clickindex_builder *b, int64_t seq)
{
    struct clickindex *ix = xcalloc(1, sizeof *ix);
    atomic_fetch_add_explicit(&live_indexes, 1, memory_order_relaxed);
    size_t n = b->n;
    atomic_init(&ix->refs, 1);
    ix->seq = seq;
    ix->n = n;
    /* trimmed to size; shrinking a large block moves nothing */
    ix->words = b->nwords ? xrealloc(b->words, b->nwords * sizeof *b->words) : NULL;
    ix->nwords = b->nwords;
    b->words = NULL;
    ix->pool_len = b->pool.len;
    ix->pool = b->pool.len ? buf_detach(&b->pool) : NULL;
    if (n == 0) {
        clickindex_builder_free(b);
        return ix;
    }

    /* Hilbert order of box centres over the whole extent */
    struct fbox all = cover(b->boxes, n);
    double w = (double)all.maxx - all.minx, h = (double)all.maxy - all.miny;
    uint64_t *key = xmalloc(n * sizeof *key);
    for (size_t i = 0; i < n; i++) {
        const struct fbox *e = &b->boxes[i];
        double cx = ((double)e->minx + e->maxx) / 2, cy = ((double)e->miny + e->maxy) / 2;
        uint32_t hx = w > 0 ? (uint32_t)(65535 * (cx - all.minx) / w) : 0;
        uint32_t hy = h > 0 ? (uint32_t)(65535 * (cy - all.miny) / h) : 0;
        key[i] = (uint64_t)hilbert(hx, hy) << 32 | i;
    }
    qsort(key, n, sizeof *key, by_key);
    uint32_t *perm = xmalloc(n * sizeof *perm);
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)(key[i] & 0xffffffffu);
    free(key);
    uint8_t *done = xmalloc((n + 7) / 8);
    permute(b->boxes, sizeof *b->boxes, perm, n, done);
    permute(b->ids, sizeof *b->ids, perm, n, done);
    permute(b->shape, sizeof *b->shape, perm, n, done);
    permute(b->recs, sizeof *b->recs, perm, n, done);
    free(done);
    free(perm);

    /* levels: sizes first; the parcels' boxes are level 0 of the one array */
    size_t total = 0, count = n;
    int levels = 0;
    for (;;) {
        ix->level_at[levels] = total;
        ix->level_n[levels] = count;
        total += count;
        levels++;
        if (count == 1 || levels == MAX_LEVELS)
            break;
        count = (count + NODE - 1) / NODE;
    }
    ix->levels = levels;
    ix->level_at[levels] = total;
    ix->tree = xrealloc(b->boxes, total * sizeof *ix->tree);
    ix->ids = xrealloc(b->ids, n * sizeof *ix->ids);
    ix->shape = xrealloc(b->shape, n * sizeof *ix->shape);
    ix->recs = xrealloc(b->recs, n * sizeof *ix->recs);
    b->boxes = NULL;
    b->ids = NULL;
    b->shape = NULL;
    b->recs = NULL;
    for (int k = 1; k < levels; k++) {
        const struct fbox *below = ix->tree + ix->level_at[k - 1];
        size_t nb = ix->level_n[k - 1];
        for (size_t j = 0; j < ix->level_n[k]; j++) {
            size_t from = j * NODE, m = nb - from < NODE ? nb - from : NODE;
            ix->tree[ix->level_at[k] + j] = cover(below + from, m);
        }
    }
    clickindex_builder_free(b);
    return ix;
}

/* --------------------------------------------------------------- queries */

/* Crossing parity of the ray from (x, y) towards +x with a ring of n points
 * (closed implicitly), or 2 when the point is on the ring: the same test as
 * geo_wkb_contains_point's, over float coordinates. */
static int ring_parity(const uint32_t *w, uint32_t n, double x, double y)
{
    if (n == 0)
        return 0;
    float f[2];
    memcpy(f, w, 8);
    double ax = f[0], ay = f[1], fx = ax, fy = ay;
    int odd = 0;
    for (uint32_t i = 1; i <= n; i++) {
        double bx, by;
        if (i < n) {
            memcpy(f, w + 2 * i, 8);
            bx = f[0];
            by = f[1];
        } else {
            bx = fx;
            by = fy;
            if (bx == ax && by == ay)
                break;
        }
        int e = geo_edge_crossing(ax, ay, bx, by, x, y);
        if (e == 2)
            return 2;
        odd ^= e;
        ax = bx;
        ay = by;
    }
    return odd;
}

static bool contains(const struct clickindex *ix, size_t i, double x, double y)
{
    const uint32_t *w = ix->words + ix->shape[i];
    const struct fbox *box = &ix->tree[i];
    x -= box->minx; /* exact enough: the origin is a float near the point */
    y -= box->miny;
    uint32_t npolys = *w++;
    for (uint32_t p = 0; p < npolys; p++) {
        uint32_t nrings = *w++;
        int odd = 0;
        for (uint32_t r = 0; r < nrings; r++) {
            uint32_t n = *w++;
            int pr = ring_parity(w, n, x, y);
            if (pr == 2)
                return true;
            odd ^= pr;
            w += 2 * (size_t)n;
        }
        if (odd)
            return true;
    }
    return false;
}

static bool holds(const struct fbox *b, float x0, float x1, float y0, float y1)
{
    /* x0..x1 / y0..y1: the point rounded down and up to floats */
    return b->minx <= x1 && b->maxx >= x0 && b->miny <= y1 && b->maxy >= y0;
}

int clickindex_at_slots(const struct clickindex *ix, double x, double y, uint32_t *slots, int max)
{
    if (!ix || ix->n == 0 || max <= 0 || !(fabs(x) < COORD_MAX) || !(fabs(y) < COORD_MAX))
        return 0; /* no parcel lies out there (and floats could not say so) */
    float x0 = down(x), x1 = up(x), y0 = down(y), y1 = up(y);
    int found = 0, top = ix->levels - 1;
    /* depth-first: (level, node) pairs; at most NODE per level are pending */
    struct { int level; size_t node; } stack[MAX_LEVELS * NODE + 1];
    int sp = 0;
    if (!holds(&ix->tree[ix->level_at[top]], x0, x1, y0, y1))
        return 0;
    if (top == 0)
        return contains(ix, 0, x, y) ? (slots[0] = 0, 1) : 0;
    stack[sp].level = top;
    stack[sp++].node = 0;
    while (sp > 0) {
        int level = stack[--sp].level;
        size_t node = stack[sp].node;
        int below = level - 1;
        size_t from = node * NODE, nb = ix->level_n[below];
        size_t to = from + NODE < nb ? from + NODE : nb;
        const struct fbox *e = ix->tree + ix->level_at[below];
        for (size_t c = from; c < to; c++) {
            if (!holds(&e[c], x0, x1, y0, y1))
                continue;
            if (below > 0) {
                stack[sp].level = below;
                stack[sp++].node = c;
            } else if (contains(ix, c, x, y)) {
                slots[found++] = (uint32_t)c;
                if (found == max)
                    return found;
            }
        }
    }
    return found;
}

int clickindex_in_box(const struct clickindex *ix, const double box[4], clickindex_slot_cb cb,
                      void *ctx)
{
    if (!ix || ix->n == 0)
        return 0;
    float x0 = down(fmax(box[0], -COORD_MAX)), y0 = down(fmax(box[1], -COORD_MAX));
    float x1 = up(fmin(box[2], COORD_MAX)), y1 = up(fmin(box[3], COORD_MAX));
    if (!(x0 <= x1) || !(y0 <= y1))
        return 0; /* empty or NaN */
    int top = ix->levels - 1;
    struct { int level; size_t node; } stack[MAX_LEVELS * NODE + 1];
    int sp = 0;
    if (!holds(&ix->tree[ix->level_at[top]], x0, x1, y0, y1))
        return 0;
    if (top == 0)
        return cb(ctx, 0);
    stack[sp].level = top;
    stack[sp++].node = 0;
    while (sp > 0) {
        int level = stack[--sp].level;
        size_t node = stack[sp].node;
        int below = level - 1;
        size_t from = node * NODE, nb = ix->level_n[below];
        size_t to = from + NODE < nb ? from + NODE : nb;
        const struct fbox *e = ix->tree + ix->level_at[below];
        /* children pushed in reverse so slots come out in Hilbert order */
        for (size_t c = to; c-- > from;) {
            if (!holds(&e[c], x0, x1, y0, y1))
                continue;
            if (below > 0) {
                stack[sp].level = below;
                stack[sp++].node = c;
            }
        }
        if (below == 0)
            for (size_t c = from; c < to; c++) {
                int rc;
                if (holds(&e[c], x0, x1, y0, y1) && (rc = cb(ctx, (uint32_t)c)) != 0)
                    return rc;
            }
    }
    return 0;
}

static void put_le32(struct buf *out, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    buf_append(out, b, 4);
}

static void put_xy(uint8_t *p, double x, double y)
{
    memcpy(p, &x, 8); /* little-endian targets: the WKB byte order we declare */
    memcpy(p + 8, &y, 8);
}

void clickindex_outline_wkb(const struct clickindex *ix, uint32_t slot, struct buf *out)
{
    _Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "WKB written little-endian");
    const uint32_t *w = ix->words + ix->shape[slot];
    double ox = ix->tree[slot].minx, oy = ix->tree[slot].miny;
    uint32_t npolys = *w++;
    if (npolys != 1) {
        buf_putc(out, 1);
        put_le32(out, 6);
        put_le32(out, npolys);
    }
    for (uint32_t p = 0; p < npolys; p++) {
        uint32_t nrings = *w++;
        buf_putc(out, 1);
        put_le32(out, 3);
        put_le32(out, nrings);
        for (uint32_t r = 0; r < nrings; r++) {
            uint32_t n = *w++;
            put_le32(out, n + 1); /* the closing point comes back */
            buf_reserve(out, 16 * ((size_t)n + 1));
            uint8_t *d = (uint8_t *)out->data + out->len;
            float f[2];
            for (uint32_t i = 0; i < n; i++) {
                memcpy(f, w + 2 * (size_t)i, 8);
                put_xy(d + 16 * (size_t)i, ox + f[0], oy + f[1]);
            }
            memcpy(d + 16 * (size_t)n, d, 16);
            out->len += 16 * ((size_t)n + 1);
            out->data[out->len] = 0;
            w += 2 * (size_t)n;
        }
    }
}

int clickindex_at(const struct clickindex *ix, double x, double y, int64_t *ids, int max)
{
    uint32_t slots[64];
    int n = clickindex_at_slots(ix, x, y, slots, max < 64 ? max : 64);
    for (int i = 0; i < n; i++)
        ids[i] = ix->ids[slots[i]];
    return n;
}

int64_t clickindex_id(const struct clickindex *ix, uint32_t slot)
{
    return ix->ids[slot];
}

int clickindex_parcel(const struct clickindex *ix, uint32_t slot, struct store_parcel *p)
{
    const struct rec *r = ix->recs ? &ix->recs[slot] : NULL;
    memset(p, 0, sizeof *p);
    p->id = ix->ids[slot];
    if (!r || r->version == 0)
        return LIS_ENOTFOUND;
    const char *v[S_COUNT];
    for (int i = 0; i < S_COUNT; i++)
        v[i] = r->str[i] == NONE ? NULL : ix->pool + r->str[i];
    p->version = (int)r->version;
    memcpy(p->national_id, r->national_id, sizeof r->national_id); /* NUL from memset */
    /* the fixed-size fields of store_parcel; codes always fit (they came from there) */
    if (v[S_SURVEY])
        memcpy(p->survey_commune, v[S_SURVEY], strlen(v[S_SURVEY]) + 1);
    if (v[S_COMMUNE])
        memcpy(p->commune, v[S_COMMUNE], strlen(v[S_COMMUNE]) + 1);
    if (v[S_SHEET])
        memcpy(p->sheet, v[S_SHEET], strlen(v[S_SHEET]) + 1);
    if (v[S_NUMBER])
        memcpy(p->number, v[S_NUMBER], strlen(v[S_NUMBER]) + 1);
    memcpy(&p->area, r->area, sizeof p->area);
    memcpy(&p->area_map, r->area_map, sizeof p->area_map);
    p->land_use = v[S_LAND_USE];
    p->address = v[S_ADDRESS];
    p->valid_from = v[S_VALID_FROM];
    return 0;
}

/* ------------------------------------------------------------ the rest */

struct clickindex *clickindex_ref(struct clickindex *ix)
{
    if (ix)
        atomic_fetch_add_explicit(&ix->refs, 1, memory_order_relaxed);
    return ix;
}

void clickindex_release(struct clickindex *ix)
{
    if (!ix || atomic_fetch_sub_explicit(&ix->refs, 1, memory_order_acq_rel) != 1)
        return;
    free(ix->ids);
    free(ix->shape);
    free(ix->recs);
    free(ix->pool);
    free(ix->words);
    free(ix->tree);
    free(ix);
    atomic_fetch_sub_explicit(&live_indexes, 1, memory_order_relaxed);
}

int64_t clickindex_seq(const struct clickindex *ix)
{
    return ix->seq;
}

size_t clickindex_count(const struct clickindex *ix)
{
    return ix->n;
}

size_t clickindex_bytes(const struct clickindex *ix)
{
    return sizeof *ix + ix->n * (sizeof *ix->ids + sizeof *ix->shape) +
           (ix->recs ? ix->n * sizeof *ix->recs : 0) + ix->pool_len +
           ix->nwords * sizeof *ix->words + ix->level_at[ix->levels] * sizeof *ix->tree;
}

struct load {
    struct clickindex_builder *b;
    int64_t last;
};

static int on_parcel(void *ctx, const struct store_parcel *p)
{
    struct load *l = ctx;
    l->last = p->id;
    if (p->wkb_mercator) /* a parcel whose outline cannot be read is not clickable */
        clickindex_builder_add_parcel(l->b, p);
    return 0;
}

struct clickindex *clickindex_load(struct store *s, atomic_int *cancel, struct buf *err)
{
    struct store_info info;
    struct load l = {clickindex_builder_new(), 0};
    if (store_info(s, &info) < 0) {
        buf_appendf(err, "%s", store_errmsg(s));
        goto fail;
    }
    if (info.parcels > 0) /* no doubling: the arrays are the index's peak memory */
        reserve(l.b, (size_t)info.parcels + info.parcels / 64 + 16);
    for (;;) {
        if (cancel && atomic_load(cancel)) {
            buf_puts(err, "cancelled");
            goto fail;
        }
        int64_t before = l.last;
        if (store_parcels_scan(s, l.last, PAGE, STORE_WANT_MERCATOR, on_parcel, &l) < 0) {
            buf_appendf(err, "%s", store_errmsg(s));
            goto fail;
        }
        if (l.last == before)
            break;
    }
    return clickindex_builder_finish(l.b, info.change_seq);
fail:
    clickindex_builder_free(l.b);
    return NULL;
}

/* --------------------------------------------------------------- shared */

struct clickindex_shared {
    char *url;
    pthread_mutex_t mu;
    struct clickindex *cur; /* the holder's reference */
    bool building;          /* a build thread runs */
    bool joinable;          /* `thread` has to be joined */
    pthread_t thread;
    atomic_int cancel;      /* set by free(): the build stops at its next page */
    uint64_t failed_ms;     /* when the last build failed; 0 when none did */
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *build_main(void *arg)
{
    struct clickindex_shared *sh = arg;
    struct buf err = BUF_INIT;
    struct clickindex *ix = NULL;
    uint64_t t0 = now_ms();
    struct store *s = store_open(sh->url, STORE_READ, NULL, &err);
    /* one pass over every page: a page cache would only add to our peak memory */
    if (s && store_set_memory(s, 4, 0) != 0)
        buf_appendf(&err, "%s", store_errmsg(s));
    else if (s)
        ix = clickindex_load(s, &sh->cancel, &err);
    store_close(s);
    malloc_trim(0); /* what the load freed goes back to the system, not to a thread arena */
    if (ix)
        log_info("click index: %zu parcels, %.1f MB, built in %.1f s for change %lld",
                 ix->n, (double)clickindex_bytes(ix) / 1048576, (double)(now_ms() - t0) / 1000,
                 (long long)ix->seq);
    else if (!atomic_load(&sh->cancel))
        log_warn("click index: %s (map clicks go to the store)", buf_cstr(&err));
    buf_free(&err);

    pthread_mutex_lock(&sh->mu);
    if (ix && (!sh->cur || sh->cur->seq < ix->seq)) {
        clickindex_release(sh->cur);
        sh->cur = ix;
        ix = NULL;
    }
    sh->failed_ms = sh->cur ? 0 : now_ms();
    sh->building = false;
    pthread_mutex_unlock(&sh->mu);
    clickindex_release(ix);
    return NULL;
}

struct clickindex_shared *clickindex_shared_new(const char *url)
{
    struct clickindex_shared *sh = xcalloc(1, sizeof *sh);
    sh->url = xstrdup(url);
    pthread_mutex_init(&sh->mu, NULL);
    return sh;
}

void clickindex_shared_free(struct clickindex_shared *sh)
{
    if (!sh)
        return;
    atomic_store(&sh->cancel, 1);
    pthread_mutex_lock(&sh->mu);
    bool join = sh->joinable;
    sh->joinable = false;
    pthread_mutex_unlock(&sh->mu);
    if (join)
        pthread_join(sh->thread, NULL);
    clickindex_release(sh->cur);
    pthread_mutex_destroy(&sh->mu);
    free(sh->url);
    free(sh);
}

struct clickindex *clickindex_shared_get(struct clickindex_shared *sh, int64_t seq)
{
    struct clickindex *ix = NULL;
    pthread_mutex_lock(&sh->mu);
    if (sh->cur && sh->cur->seq == seq) {
        ix = clickindex_ref(sh->cur);
        goto out;
    }
    if (sh->cur && sh->cur->seq > seq) /* this reader lags; the others need cur */
        goto out;
    clickindex_release(sh->cur); /* stale: the readers' references keep it while they need it */
    sh->cur = NULL;
    if (sh->building || atomic_load(&sh->cancel) ||
        (sh->failed_ms && now_ms() - sh->failed_ms < RETRY_MS))
        goto out;
    if (sh->joinable) /* the last build has ended: reap it */
        pthread_join(sh->thread, NULL);
    sh->joinable = false;
    sh->building = true;
    if (pthread_create(&sh->thread, NULL, build_main, sh) != 0) {
        sh->building = false;
        sh->failed_ms = now_ms();
        goto out;
    }
    sh->joinable = true;
out:
    pthread_mutex_unlock(&sh->mu);
    return ix;
}

int64_t clickindex_shared_seq(struct clickindex_shared *sh)
{
    pthread_mutex_lock(&sh->mu);
    int64_t seq = sh->cur ? sh->cur->seq : -1;
    pthread_mutex_unlock(&sh->mu);
    return seq;
}
