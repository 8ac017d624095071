/* buf — a length-aware growable byte buffer.
 *
 * The one way LIS builds strings: no strcpy, no sprintf. The buffer always
 * keeps a NUL after its last byte, so `data` can be used as a C string when
 * the contents hold no NUL. A zeroed `struct buf` is an empty buffer. The
 * buffer owns `data`; buf_free() releases it, buf_detach() hands it over. */
#ifndef LIS_BUF_H
#define LIS_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data; /* NUL-terminated; NULL while nothing was ever appended */
    size_t len; /* bytes used, excluding the NUL */
    size_t cap; /* bytes allocated */
};

#define BUF_INIT {NULL, 0, 0}

void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vappendf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_reset(struct buf *b);              /* length 0, memory kept */
char *buf_detach(struct buf *b);            /* caller frees; never NULL; b is empty after */
const char *buf_cstr(const struct buf *b);  /* borrowed; "" when empty */
void buf_free(struct buf *b);               /* b is empty after; NULL is a no-op */

#endif
