/* progress — see progress.h. */
#include "core/progress.h"

#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct progress {
    const char *label;
    int64_t total;
    int64_t done;
    double started, last;
    int tty;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct progress *progress_begin(const char *label, int64_t total)
{
    struct progress *p = xcalloc(1, sizeof *p);
    p->label = label;
    p->total = total;
    p->started = now();
    p->tty = isatty(STDERR_FILENO);
    return p;
}

static void draw(struct progress *p)
{
    double el = now() - p->started;
    if (p->total > 0) {
        int width = 30;
        double f = (double)p->done / (double)p->total;
        if (f > 1)
            f = 1;
        int fill = (int)(f * width);
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        double eta = f > 0.001 ? el * (1 - f) / f : 0;
        fprintf(stderr, "\r%-10s [%s] %5.1f%% %lld/%lld  %.0fs left ", p->label, bar, f * 100,
                (long long)p->done, (long long)p->total, eta);
    } else {
        fprintf(stderr, "\r%-10s %lld  %.0fs ", p->label, (long long)p->done, el);
    }
    fflush(stderr);
}

void progress_update(struct progress *p, int64_t done)
{
    if (!p)
        return;
    p->done = done;
    if (!p->tty)
        return;
    double t = now();
    if (t - p->last < 0.1)
        return;
    p->last = t;
    draw(p);
}

void progress_end(struct progress *p)
{
    if (!p)
        return;
    if (p->tty) {
        draw(p);
        fprintf(stderr, "\n");
    }
    free(p);
}
