/* rtree_pack — build a SQLite R*Tree in one pass from all its boxes (src/store only).
 *
 * Inserting a million rows into an R*Tree one by one costs a node rewrite or
 * more per row, most of a bulk load's time. A tree packed from sorted boxes
 * (Sort-Tile-Recursive) is written in one pass instead, straight into the
 * R*Tree's shadow tables (<name>_node, <name>_rowid, <name>_parent) in the
 * format the R*Tree module reads: node 1 is the root and starts with the
 * tree's depth; each node holds a big-endian cell count and cells of a
 * 64-bit id and float32 bounds (min rounded down, max up). Only for 2-D
 * R*Trees without auxiliary columns, inside the caller's transaction. */
#ifndef LIS_RTREE_PACK_H
#define LIS_RTREE_PACK_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct rtree_entry {
    int64_t id;
    double minx, maxx, miny, maxy;
};

/* Replace every entry of R*Tree `name` (schema main; a name of ours, never
 * user input) with the n entries e (which get reordered). Returns an SQLite
 * result code; on failure the caller rolls the transaction back. */
int rtree_pack(sqlite3 *db, const char *name, struct rtree_entry *e, size_t n);

#endif
