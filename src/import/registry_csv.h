/* registry_csv — the pieces of `lis import` that are not about geometry:
 * a CSV reader and writer, a set of string keys, and the import of registry
 * records (holders, rights, certificates, restrictions, events) from the
 * CSV layout docs/registry-csv.md describes.
 *
 * Internal to import/: import.c drives the command, owns the transaction and
 * the report; this module reads rows and writes records. */
#ifndef LIS_REGISTRY_CSV_H
#define LIS_REGISTRY_CSV_H

#include "core/buf.h"
#include "core/progress.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- CSV */

/* RFC 4180 CSV: comma-separated, fields quoted with '"' ("" inside quotes is
 * one quote), quoted fields may hold commas and newlines; CRLF or LF line
 * ends; a UTF-8 byte order mark at the start is skipped; empty lines are
 * skipped. Read forward, one record at a time. */
struct csv_reader;

/* Open path for reading; NULL with the reason in err. Caller frees with csv_close(). */
struct csv_reader *csv_open(const char *path, struct buf *err);
void csv_close(struct csv_reader *r); /* NULL is a no-op */
/* Next record: 1 when there is one, 0 at the end, LIS_EINVAL on malformed
 * input (a quote never closed), LIS_EIO on a read error; reason in csv_errmsg(). */
int csv_next(struct csv_reader *r);
int csv_count(const struct csv_reader *r); /* fields in the current record */
/* Field i of the current record, NUL-terminated; "" when i is past the end.
 * Borrowed, valid until the next csv_next(). */
const char *csv_field(const struct csv_reader *r, int i);
long csv_line(const struct csv_reader *r); /* 1-based line where the current record starts */
const char *csv_errmsg(const struct csv_reader *r); /* borrowed */

/* Append s as one CSV field (quoted when it holds a comma, quote, CR or LF;
 * NULL is written as an empty field). */
void csv_append_field(struct buf *out, const char *s);

/* ------------------------------------------------------------- key map */

/* Byte-string keys to int64 values: duplicate detection and id caches over
 * millions of rows without one allocation per row. */
struct keymap;
struct keymap *keymap_new(void); /* caller frees with keymap_free() */
void keymap_free(struct keymap *m); /* NULL is a no-op */
/* Insert key with value v and return false; when the key is already there,
 * leave it, put its value in *old (may be NULL) and return true. */
bool keymap_put(struct keymap *m, const void *key, size_t len, int64_t v, int64_t *old);
/* True and the value in *v (may be NULL) when key is present. */
bool keymap_get(const struct keymap *m, const void *key, size_t len, int64_t *v);
size_t keymap_size(const struct keymap *m);

/* ------------------------------------------------------ registry records */

/* Called for every rejected row. keys: record, commune, sheet, number as
 * read (never NULL). Returns non-zero to stop the import (--strict). */
typedef int (*registry_reject_cb)(void *ctx, long line, const char *const keys[4],
                                  const char *reason, const char *detail);

enum registry_record {
    REGISTRY_HOLDER,
    REGISTRY_RIGHT,
    REGISTRY_CERTIFICATE,
    REGISTRY_RESTRICTION,
    REGISTRY_EVENT,
    REGISTRY_NRECORDS,
};

struct registry_counts {
    int64_t read;                         /* data rows read */
    int64_t imported;                     /* records written */
    int64_t by_record[REGISTRY_NRECORDS]; /* records written, by kind */
    int64_t parcels;                      /* parcels whose records were replaced */
};

const char *registry_record_name(enum registry_record r); /* "holder", ... */

/* Import every record of the CSV file r (positioned before its header) into
 * s, inside the caller's transaction. A parcel named in the file has its
 * earlier registry records removed before the first new one, so importing a
 * file twice gives the same records (holders are added again: they are not
 * keyed). Rejected rows go to `reject` and are skipped.
 * Returns 0 when done, 1 when `reject` asked to stop, a negative lis_err on a
 * failure of the file or the store (reason in err). prog (may be NULL) is
 * told the rows read. */
int registry_csv_import(struct store *s, struct csv_reader *r, registry_reject_cb reject,
                        void *ctx, struct registry_counts *n, struct progress *prog,
                        struct buf *err);

#endif
