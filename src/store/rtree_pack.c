/* rtree_pack — see rtree_pack.h. */
#include "store/rtree_pack.h"

#include "core/buf.h"
#include "core/mem.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CELL 24 /* bytes per cell: 8-byte id, 4 float32 bounds */

/* float32 bounds that still contain the double ones */
static float round_down(double d)
{
    float f = (float)d;
    return (double)f > d ? nextafterf(f, -INFINITY) : f;
}

static float round_up(double d)
{
    float f = (float)d;
    return (double)f < d ? nextafterf(f, INFINITY) : f;
}

static void put_be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be64(uint8_t *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--, u >>= 8)
        p[i] = (uint8_t)u;
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    p[0] = (uint8_t)(u >> 24);
    p[1] = (uint8_t)(u >> 16);
    p[2] = (uint8_t)(u >> 8);
    p[3] = (uint8_t)u;
}

static int by_x(const void *a, const void *b)
{
    const struct rtree_entry *p = a, *q = b;
    double x = p->minx + p->maxx, y = q->minx + q->maxx;
    return (x > y) - (x < y);
}

static int by_y(const void *a, const void *b)
{
    const struct rtree_entry *p = a, *q = b;
    double x = p->miny + p->maxy, y = q->miny + q->maxy;
    return (x > y) - (x < y);
}

struct id_node {
    int64_t id, node;
};

static int by_id(const void *a, const void *b)
{
    const struct id_node *p = a, *q = b;
    return (p->id > q->id) - (p->id < q->id);
}

struct writer {
    sqlite3 *db;
    sqlite3_stmt *node, *rowid, *parent;
    uint8_t *blob;
    size_t size;       /* node size in bytes, as the existing root has it */
    struct id_node *leaf_of; /* (entry id, leaf node) of every entry */
    size_t nleaf_of;
};

static int step(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Write node `no` holding cells e[0..n); depth is written into the root only.
 * Leaves remember their entries' ids; inner nodes write their children's
 * parent rows. */
static int write_node(struct writer *w, int64_t no, const struct rtree_entry *e, size_t n,
                      bool leaf, int depth)
{
    memset(w->blob, 0, w->size);
    if (no == 1)
        put_be16(w->blob, (unsigned)depth);
    put_be16(w->blob + 2, (unsigned)n);
    for (size_t i = 0; i < n; i++) {
        uint8_t *c = w->blob + 4 + i * CELL;
        put_be64(c, e[i].id);
        put_f32(c + 8, (float)e[i].minx); /* already float values: exact */
        put_f32(c + 12, (float)e[i].maxx);
        put_f32(c + 16, (float)e[i].miny);
        put_f32(c + 20, (float)e[i].maxy);
    }
    sqlite3_bind_int64(w->node, 1, no);
    sqlite3_bind_blob(w->node, 2, w->blob, (int)w->size, SQLITE_STATIC);
    int rc = step(w->node);
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
        if (leaf) {
            w->leaf_of[w->nleaf_of].id = e[i].id;
            w->leaf_of[w->nleaf_of++].node = no;
        } else {
            sqlite3_bind_int64(w->parent, 1, e[i].id);
            sqlite3_bind_int64(w->parent, 2, no);
            rc = step(w->parent);
        }
    }
    return rc;
}

/* Sort-Tile-Recursive order for one level: vertical slabs by x, each slab by
 * y, so that consecutive runs of about `cap` entries are compact tiles. */
static void str_sort(struct rtree_entry *e, size_t n, size_t cap)
{
    size_t nodes = (n + cap - 1) / cap;
    size_t slabs = (size_t)ceil(sqrt((double)nodes));
    qsort(e, n, sizeof *e, by_x);
    size_t per = (nodes + slabs - 1) / slabs * cap; /* entries per slab */
    for (size_t at = 0; at < n; at += per)
        qsort(e + at, n - at < per ? n - at : per, sizeof *e, by_y);
}

int rtree_pack(sqlite3 *db, const char *name, struct rtree_entry *e, size_t n)
{
    struct writer w = {.db = db};
    struct buf sql = BUF_INIT;
    struct rtree_entry *up = NULL, *upper = NULL;
    sqlite3_stmt *st = NULL;
    int rc;

    /* the node size the R*Tree module uses is the length of its root */
    buf_appendf(&sql, "SELECT length(data) FROM \"%s_node\" WHERE nodeno = 1", name);
    rc = sqlite3_prepare_v2(db, sql.data, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        w.size = (size_t)sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_CORRUPT;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_OK)
        goto out;
    size_t cap = w.size > 4 ? (w.size - 4) / CELL : 0;
    if (cap < 4) {
        rc = SQLITE_CORRUPT;
        goto out;
    }

    buf_reset(&sql);
    buf_appendf(&sql,
                "DELETE FROM \"%s_node\"; DELETE FROM \"%s_rowid\";"
                "DELETE FROM \"%s_parent\";",
                name, name, name);
    if ((rc = sqlite3_exec(db, sql.data, NULL, NULL, NULL)) != SQLITE_OK)
        goto out;
    static const char *const ins[3] = {
        "INSERT INTO \"%s_node\"(nodeno, data) VALUES (?1, ?2)",
        "INSERT INTO \"%s_rowid\"(rowid, nodeno) VALUES (?1, ?2)",
        "INSERT INTO \"%s_parent\"(nodeno, parentnode) VALUES (?1, ?2)"};
    sqlite3_stmt **slot[3] = {&w.node, &w.rowid, &w.parent};
    for (int i = 0; i < 3; i++) {
        buf_reset(&sql);
        buf_appendf(&sql, ins[i], name);
        if ((rc = sqlite3_prepare_v2(db, sql.data, -1, slot[i], NULL)) != SQLITE_OK)
            goto out;
    }
    w.blob = xmalloc(w.size);
    w.leaf_of = xmalloc((n ? n : 1) * sizeof *w.leaf_of);

    for (size_t i = 0; i < n; i++) {
        e[i].minx = round_down(e[i].minx);
        e[i].miny = round_down(e[i].miny);
        e[i].maxx = round_up(e[i].maxx);
        e[i].maxy = round_up(e[i].maxy);
    }

    /* bottom-up: pack a level into nodes, their boxes are the next level */
    struct rtree_entry *level = e;
    size_t count = n;
    int depth = 0;
    int64_t next = 2; /* node 1 is the root, written last */
    up = xmalloc(((n + cap - 1) / cap + 1) * sizeof *up);
    while (count > cap) {
        str_sort(level, count, cap);
        size_t nodes = (count + cap - 1) / cap, done = 0;
        struct rtree_entry *out = up;
        for (size_t k = 0; k < nodes; k++) {
            size_t take = (count - done) / (nodes - k); /* even spread */
            const struct rtree_entry *c = level + done;
            struct rtree_entry box = {.id = next++, .minx = c[0].minx, .maxx = c[0].maxx,
                                      .miny = c[0].miny, .maxy = c[0].maxy};
            for (size_t i = 1; i < take; i++) {
                box.minx = fmin(box.minx, c[i].minx);
                box.maxx = fmax(box.maxx, c[i].maxx);
                box.miny = fmin(box.miny, c[i].miny);
                box.maxy = fmax(box.maxy, c[i].maxy);
            }
            if ((rc = write_node(&w, box.id, c, take, depth == 0, 0)) != SQLITE_OK)
                goto out;
            out[k] = box;
            done += take;
        }
        /* the next level is read from `upper` while `up` is written again */
        if (!upper)
            upper = xmalloc(nodes * sizeof *upper);
        memcpy(upper, up, nodes * sizeof *upper);
        level = upper;
        count = nodes;
        depth++;
    }
    if ((rc = write_node(&w, 1, level, count, depth == 0, depth)) != SQLITE_OK)
        goto out;

    /* id -> leaf rows in id order: appends instead of random inserts */
    qsort(w.leaf_of, w.nleaf_of, sizeof *w.leaf_of, by_id);
    for (size_t i = 0; i < w.nleaf_of && rc == SQLITE_OK; i++) {
        sqlite3_bind_int64(w.rowid, 1, w.leaf_of[i].id);
        sqlite3_bind_int64(w.rowid, 2, w.leaf_of[i].node);
        rc = step(w.rowid);
    }
out:
    sqlite3_finalize(w.node);
    sqlite3_finalize(w.rowid);
    sqlite3_finalize(w.parent);
    free(w.blob);
    free(w.leaf_of);
    free(up);
    free(upper);
    buf_free(&sql);
    return rc;
}
