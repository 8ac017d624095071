/* clock — see clock.h. */
#include "core/clock.h"

#include "core/err.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Read exactly n digits at *p, advancing it; -1 when they are not there. */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return v;
}

int clock_parse(const char *s, int64_t *t)
{
    if (!s || !*s)
        return LIS_EINVAL;
    const char *p = s;
    if (*p == '-' || isdigit((unsigned char)*p)) {
        /* Plain unix seconds: digits only (an ISO date has a '-' after 4 digits). */
        char *end = NULL;
        long long v = strtoll(s, &end, 10);
        if (end != s && *end == '\0') {
            *t = v;
            return 0;
        }
    }
    struct tm tm = {0};
    int y = digits(&p, 4);
    if (y < 0 || *p++ != '-')
        return LIS_EINVAL;
    int mo = digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-')
        return LIS_EINVAL;
    int d = digits(&p, 2);
    if (d < 1 || d > 31)
        return LIS_EINVAL;
    int h = 0, mi = 0, sec = 0;
    if (*p == 'T' || *p == ' ') {
        p++;
        h = digits(&p, 2);
        if (h < 0 || h > 23 || *p++ != ':')
            return LIS_EINVAL;
        mi = digits(&p, 2);
        if (mi < 0 || mi > 59)
            return LIS_EINVAL;
        if (*p == ':') {
            p++;
            sec = digits(&p, 2);
            if (sec < 0 || sec > 60)
                return LIS_EINVAL;
        }
    }
    if (*p == 'Z')
        p++;
    if (*p)
        return LIS_EINVAL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *t = (int64_t)timegm(&tm);
    return 0;
}

/* LIS_NOW=@FILE: the instant written in FILE, read at every call (tests move
 * the clock of a running server by rewriting the file). */
static bool from_file(const char *path, int64_t *t)
{
    char text[64];
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r'))
        n--;
    text[n] = '\0';
    return clock_parse(text, t) == 0;
}

int64_t clock_now(void)
{
    int64_t t;
    const char *env = getenv("LIS_NOW");
    if (env && env[0] == '@' && from_file(env + 1, &t))
        return t;
    if (env && env[0] != '@' && clock_parse(env, &t) == 0)
        return t;
    return (int64_t)time(NULL);
}

int64_t clock_day_start(int64_t t)
{
    const int64_t day = 86400;
    int64_t local = t + CLOCK_LOCAL_OFFSET;
    int64_t d = local >= 0 ? local / day : -((-local + day - 1) / day);
    return d * day - CLOCK_LOCAL_OFFSET;
}

int clock_parse_until(const char *s, int64_t *t)
{
    if (clock_parse(s, t) != 0)
        return LIS_EINVAL;
    if (strlen(s) == 10) /* a date: parsed as 00:00 UTC, which is 07:00 that day in Viet Nam */
        *t = clock_day_start(*t) + 86400;
    return 0;
}

void clock_iso(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        memcpy(out, "1970-01-01T00:00:00Z", 21);
        return;
    }
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
