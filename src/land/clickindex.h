/* clickindex — which parcels hold a map click, answered from memory.
 *
 * The map click is the busiest question the portal gets. Any store can answer
 * it (store_parcels_at), but a store pays a spatial-index query and the row
 * reads for every click. This index keeps, for every current parcel, its id,
 * its Web-Mercator outline in a compact form (float offsets from the parcel's
 * own corner) under a packed static R-tree of float boxes (Hilbert order, 16
 * entries a node), and its basic-view record (strings kept once in a pool),
 * about 135 bytes a parcel in all, so a click costs a few cache lines, no
 * lock and no store call. It is backend-neutral: it is loaded through
 * store_parcels_scan like any other reader.
 *
 * An index describes the store at one change_seq (store_info) and never
 * changes after it is built; a shared holder (clickindex_shared) builds it in
 * a background thread and hands out references, so many event loops read one
 * copy, and a store that moved on gets a fresh index while the old one is
 * dropped by its last reader.
 *
 * Containment follows geo_wkb_contains_point: a point on a ring counts as
 * inside, so a point on a shared edge is in both parcels. Outlines are kept
 * to float precision relative to the parcel (well under a millimetre). */
#ifndef LIS_CLICKINDEX_H
#define LIS_CLICKINDEX_H

#include "core/buf.h"
#include "store/store.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct clickindex;
struct clickindex_builder;

/* A builder collects outlines, then packs them into an index. Caller frees
 * with clickindex_builder_free() unless clickindex_builder_finish() took it. */
struct clickindex_builder *clickindex_builder_new(void);
void clickindex_builder_free(struct clickindex_builder *b); /* NULL is a no-op */
/* Add parcel `id` with its ISO WKB (Polygon, MultiPolygon, or a collection
 * of them) in Web Mercator. Returns 0, or LIS_EINVAL for WKB it cannot read or
 * an empty geometry (the parcel is left out). */
int clickindex_builder_add(struct clickindex_builder *b, int64_t id, const uint8_t *wkb,
                           size_t len);
/* Add a current parcel from the store: p->wkb_mercator and its basic-view
 * record (everything but the geometries). Same returns as above. */
int clickindex_builder_add_parcel(struct clickindex_builder *b, const struct store_parcel *p);
/* Pack what was added into an index for store change_seq `seq`. Takes
 * ownership of b (freed). Caller releases the result with clickindex_release(). */
struct clickindex *clickindex_builder_finish(struct clickindex_builder *b, int64_t seq);

/* Load every current parcel of s, in pages, into a new index labelled with
 * the change_seq read before the first page (a change made during the load
 * makes the index stale at once, never wrongly current). `cancel`, when not
 * NULL, is read between pages: non-zero stops the load. Returns NULL with the
 * reason in err on failure or cancel. Caller releases with clickindex_release(). */
struct clickindex *clickindex_load(struct store *s, atomic_int *cancel, struct buf *err);

/* References: an index starts with one; the last release frees it.
 * Safe from any thread. clickindex_release(NULL) is a no-op. */
struct clickindex *clickindex_ref(struct clickindex *ix);
void clickindex_release(struct clickindex *ix);

/* How many indexes this process holds (built, not yet released by all):
 * normally 1, briefly 2 while loops move from an old one to its successor. */
int clickindex_live(void);
int64_t clickindex_seq(const struct clickindex *ix);   /* the change_seq it describes */
size_t clickindex_count(const struct clickindex *ix);  /* parcels held */
size_t clickindex_bytes(const struct clickindex *ix);  /* heap it holds */

/* Ids of the parcels containing the Web-Mercator point (x, y), at most max
 * of them written to ids, in no particular order. Returns how many were
 * written. Thread-safe (the index is read-only). */
int clickindex_at(const struct clickindex *ix, double x, double y, int64_t *ids, int max);
/* The same as slots (0 .. count-1) for clickindex_id and clickindex_parcel. */
int clickindex_at_slots(const struct clickindex *ix, double x, double y, uint32_t *slots, int max);
int64_t clickindex_id(const struct clickindex *ix, uint32_t slot);
/* The basic-view record of the parcel in `slot` into p (strings borrowed from
 * ix: valid while the caller holds its reference; no geometry). Returns 0, or
 * LIS_ENOTFOUND when the index keeps no record for it (added without one, or
 * a field did not fit): p->id is set then, ask the store. */
int clickindex_parcel(const struct clickindex *ix, uint32_t slot, struct store_parcel *p);

/* Tiles: every parcel whose box meets the Web-Mercator box {minx, miny,
 * maxx, maxy} is given to cb as its slot, in index (Hilbert) order. Boxes are
 * held as floats rounded outwards, so a parcel just outside the box may be
 * given too, never one missed. cb returning non-zero stops the walk; that
 * value is returned, else 0. Thread-safe. */
typedef int (*clickindex_slot_cb)(void *ctx, uint32_t slot);
int clickindex_in_box(const struct clickindex *ix, const double box[4], clickindex_slot_cb cb,
                      void *ctx);
/* Append the outline of the parcel in `slot` to out as little-endian ISO WKB
 * in Web Mercator: a Polygon, or a MultiPolygon when it has other than one
 * part; rings closed. Coordinates are the index's (float offsets from the
 * parcel's corner: well under a millimetre from the store's). */
void clickindex_outline_wkb(const struct clickindex *ix, uint32_t slot, struct buf *out);

/* ------------------------------------------------------------- shared */

/* One index for many threads, kept for the store at `url`. Builds run in a
 * background thread on a store connection of their own. */
struct clickindex_shared;
struct clickindex_shared *clickindex_shared_new(const char *url);
/* Stops a running build (at its next page) and waits for it; drops the held
 * index (readers that still hold references keep theirs). NULL is a no-op. */
void clickindex_shared_free(struct clickindex_shared *sh);
/* The index for change_seq `seq` with a new reference for the caller, or NULL
 * while none is ready; then a build is started unless one is running. */
struct clickindex *clickindex_shared_get(struct clickindex_shared *sh, int64_t seq);
/* The change_seq of the newest ready index; -1 when none is. */
int64_t clickindex_shared_seq(struct clickindex_shared *sh);

#endif
