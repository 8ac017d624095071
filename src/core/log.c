/* log — see log.h. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum log_level min_level = LOG_INFO;
static const char *names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level lvl)
{
    min_level = lvl;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    if (lvl < min_level)
        return;
    char line[1024], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* one fprintf so lines from several threads do not interleave */
    fprintf(stderr, "%s %s %s\n", stamp, names[lvl], line);
}
