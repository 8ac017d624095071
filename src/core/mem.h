/* mem — allocation that never returns NULL.
 *
 * Every heap allocation in LIS goes through these wrappers: on failure they
 * print a message and abort, so callers never test for NULL. Memory returned
 * is owned by the caller and released with free(). */
#ifndef LIS_MEM_H
#define LIS_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);                 /* caller frees */
void *xcalloc(size_t count, size_t n);   /* zeroed; caller frees */
void *xrealloc(void *p, size_t n);       /* takes ownership of p; caller frees the result */
char *xstrdup(const char *s);            /* caller frees; xstrdup(NULL) returns NULL */
char *xstrndup(const char *s, size_t n); /* at most n bytes plus NUL; caller frees */

#endif
