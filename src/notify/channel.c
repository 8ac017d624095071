/* channel — see channel.h.
 *
 * The two implementations are a table of functions each (struct channel_ops);
 * the queue and the delivery thread are theirs in common. */
#include "notify/channel.h"

#include "core/clock.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_MAX 10000   /* messages waiting; beyond it channel_send refuses */
#define DRAIN_SECONDS 5   /* how long channel_free still delivers */
#define SMTP_CONNECT_S 10 /* connect timeout */
#define SMTP_TOTAL_S 30   /* whole-transfer timeout */

/* One queued message; owns its strings. */
struct msg {
    struct msg *next;
    enum channel_medium medium;
    int64_t at;
    char *to, *subject, *text;
};

struct channel_ops {
    const char *name;
    /* Deliver m; 0, or a negative lis_err with the reason in err. Runs on the
     * delivery thread. */
    int (*deliver)(struct channel *c, const struct msg *m, struct buf *err);
};

struct channel {
    const struct channel_ops *ops;
    char *outbox;             /* outbox_file */
    char *smtp_url, *smtp_from, *smtp_user, *smtp_password;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct msg *head, *tail;  /* the queue, under lock */
    int queued;
    bool stop;                /* under lock */
    struct timespec give_up;  /* once stopping: deliveries end at this (CLOCK_MONOTONIC) */
    bool curl_started;
};

static void msg_free(struct msg *m)
{
    free(m->to);
    free(m->subject);
    free(m->text);
    free(m);
}

/* ----------------------------------------------------------------- outbox */

static int outbox_deliver(struct channel *c, const struct msg *m, struct buf *err)
{
    char at[32];
    clock_iso(m->at, at);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:s}", "at", at, "channel",
                          m->medium == CHANNEL_SMS ? "sms" : "email", "to", m->to, "subject",
                          m->subject, "text", m->text);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!line) {
        buf_puts(err, "the message could not be written as JSON");
        return LIS_EINVAL;
    }
    struct buf b = BUF_INIT;
    buf_puts(&b, line);
    buf_putc(&b, '\n');
    free(line);
    int rc = 0;
    /* opened per message, so an operator may move the file away at any time;
     * one write of the whole line keeps lines whole among several servers */
    int fd = open(c->outbox, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        buf_appendf(err, "outbox %s: %s", c->outbox, strerror(errno));
        rc = LIS_EIO;
        goto out;
    }
    ssize_t n = write(fd, b.data, b.len);
    if (n != (ssize_t)b.len) {
        buf_appendf(err, "outbox %s: %s", c->outbox, n < 0 ? strerror(errno) : "short write");
        rc = LIS_EIO;
    }
    close(fd);
out:
    buf_free(&b);
    return rc;
}

static const struct channel_ops outbox_ops = {"outbox", outbox_deliver};

/* ------------------------------------------------------------------- smtp */

static void base64(struct buf *b, const unsigned char *p, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        buf_putc(b, abc[v >> 18 & 63]);
        buf_putc(b, abc[v >> 12 & 63]);
        buf_putc(b, i + 1 < n ? abc[v >> 6 & 63] : '=');
        buf_putc(b, i + 2 < n ? abc[v & 63] : '=');
    }
}

/* A header value in RFC 2047 encoded words (UTF-8, base64), folded so that
 * each word stays under 76 characters and no character is cut in two. */
static void encoded_words(struct buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    if (n == 0)
        return;
    while (n > 0) {
        size_t k = n < 45 ? n : 45;
        while (k < n && k > 0 && (p[k] & 0xC0) == 0x80) /* not inside a character */
            k--;
        buf_puts(b, "=?UTF-8?B?");
        base64(b, p, k);
        buf_puts(b, "?=");
        p += k;
        n -= k;
        if (n > 0)
            buf_puts(b, "\r\n ");
    }
}

/* A header's address: printable ASCII without the characters that would
 * end or widen it. */
static bool plain_address(const char *s)
{
    if (!s || !*s || !strchr(s, '@'))
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7F || strchr("<>,;\"()", *s))
            return false;
    return true;
}

static void rfc5322_date(struct buf *b, int64_t t)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    buf_appendf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The whole message as sent: headers, a blank line, the text in base64. */
static void smtp_message(const struct channel *c, const struct msg *m, struct buf *b)
{
    buf_puts(b, "Date: ");
    rfc5322_date(b, m->at);
    buf_appendf(b, "\r\nFrom: %s\r\nTo: %s\r\nSubject: ", c->smtp_from, m->to);
    encoded_words(b, m->subject ? m->subject : "LIS");
    buf_puts(b, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n");
    const unsigned char *p = (const unsigned char *)m->text;
    size_t n = strlen(m->text);
    for (size_t i = 0; i < n; i += 57) { /* 76 characters a line */
        base64(b, p + i, n - i < 57 ? n - i : 57);
        buf_puts(b, "\r\n");
    }
}

struct upload {
    const char *p;
    size_t left;
};

static size_t upload_read(char *dst, size_t size, size_t nmemb, void *ctx)
{
    struct upload *u = ctx;
    size_t n = size * nmemb < u->left ? size * nmemb : u->left;
    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

/* Whether the channel is stopping and its time to deliver is over; under c->lock. */
static bool past_give_up(const struct channel *c)
{
    if (!c->stop)
        return false;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > c->give_up.tv_sec;
}

/* Past the stop's deadline a transfer in progress gives up. */
static int smtp_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c2, curl_off_t d)
{
    struct channel *c = ctx;
    (void)a, (void)b, (void)c2, (void)d;
    pthread_mutex_lock(&c->lock);
    bool late = past_give_up(c);
    pthread_mutex_unlock(&c->lock);
    return late;
}

static int smtp_deliver(struct channel *c, const struct msg *m, struct buf *err)
{
    if (m->medium == CHANNEL_SMS) /* SMTP carries e-mail only */
        return outbox_deliver(c, m, err);
    if (!plain_address(m->to)) {
        buf_puts(err, "smtp: the recipient is not a plain address");
        return LIS_EINVAL;
    }
    struct buf body = BUF_INIT, from = BUF_INIT, rcpt_s = BUF_INIT;
    struct curl_slist *rcpt = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    int rc = 0;
    CURL *h = curl_easy_init();
    if (!h) {
        buf_puts(err, "smtp: libcurl could not start");
        return LIS_EIO;
    }
    smtp_message(c, m, &body);
    struct upload up = {body.data, body.len};
    buf_appendf(&from, "<%s>", c->smtp_from);
    buf_appendf(&rcpt_s, "<%s>", m->to);
    rcpt = curl_slist_append(NULL, buf_cstr(&rcpt_s));
    curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, buf_cstr(&from));
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, upload_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body.len);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)SMTP_CONNECT_S);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)SMTP_TOTAL_S);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, smtp_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    if (c->smtp_user && *c->smtp_user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password ? c->smtp_password : "");
        /* a password never crosses the network in the clear */
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    } else {
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    }
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        buf_appendf(err, "smtp %s: %s", c->smtp_url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
        rc = LIS_EUNAVAIL;
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    buf_free(&body);
    buf_free(&from);
    buf_free(&rcpt_s);
    return rc;
}

static const struct channel_ops smtp_ops = {"smtp", smtp_deliver};

/* ----------------------------------------------------------------- thread */

static void *run(void *p)
{
    struct channel *c = p;
    int dropped = 0;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->head && !c->stop)
            pthread_cond_wait(&c->wake, &c->lock);
        struct msg *m = c->head;
        if (!m)
            break; /* stopping, nothing left */
        c->head = m->next;
        if (!c->head)
            c->tail = NULL;
        c->queued--;
        bool late = past_give_up(c);
        pthread_mutex_unlock(&c->lock);
        if (late) {
            dropped++;
        } else {
            struct buf err = BUF_INIT;
            if (c->ops->deliver(c, m, &err) != 0) /* the reason names no recipient */
                log_error("channel %s: a message was not delivered: %s", c->ops->name,
                          buf_cstr(&err));
            buf_free(&err);
        }
        msg_free(m);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    if (dropped)
        log_warn("channel %s: %d message(s) not delivered before the stop", c->ops->name,
                 dropped);
    return NULL;
}

/* ------------------------------------------------------------------ public */

/* Free c's memory (its thread has ended or never started). */
static void release(struct channel *c)
{
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    if (c->curl_started)
        curl_global_cleanup();
    free(c->outbox);
    free(c->smtp_url);
    free(c->smtp_from);
    free(c->smtp_user);
    if (c->smtp_password) {
        memset(c->smtp_password, 0, strlen(c->smtp_password));
        free(c->smtp_password);
    }
    free(c);
}

struct channel *channel_new(const struct config *cfg, struct buf *err)
{
    const char *kind = config_get(cfg, "channel");
    const struct channel_ops *ops = !strcmp(kind, "outbox") ? &outbox_ops
                                    : !strcmp(kind, "smtp") ? &smtp_ops
                                                            : NULL;
    if (!ops) {
        buf_appendf(err, "channel: '%s' is neither outbox nor smtp", kind);
        return NULL;
    }
    const char *outbox = config_get(cfg, "outbox_file");
    if (!*outbox) {
        buf_puts(err, "outbox_file: a file is needed (SMS always go to the outbox)");
        return NULL;
    }
    const char *url = config_get(cfg, "smtp_url"), *from = config_get(cfg, "smtp_from");
    if (ops == &smtp_ops) {
        if (strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0) {
            buf_puts(err, "smtp_url: must be smtp://HOST[:PORT] or smtps://HOST[:PORT]");
            return NULL;
        }
        if (!plain_address(from)) {
            buf_puts(err, "smtp_from: must be a plain e-mail address (name@example.vn)");
            return NULL;
        }
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            buf_puts(err, "smtp: libcurl could not start");
            return NULL;
        }
    }
    struct channel *c = xcalloc(1, sizeof *c);
    c->ops = ops;
    c->curl_started = ops == &smtp_ops;
    c->outbox = xstrdup(outbox);
    c->smtp_url = xstrdup(url);
    c->smtp_from = xstrdup(from);
    c->smtp_user = xstrdup(config_get(cfg, "smtp_user"));
    c->smtp_password = xstrdup(config_get(cfg, "smtp_password"));
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (pthread_create(&c->thread, NULL, run, c) != 0) {
        buf_puts(err, "channel: the delivery thread could not start");
        release(c);
        return NULL;
    }
    return c;
}

void channel_free(struct channel *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stop = true;
    clock_gettime(CLOCK_MONOTONIC, &c->give_up);
    c->give_up.tv_sec += DRAIN_SECONDS;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    release(c);
}

int channel_send(struct channel *c, enum channel_medium medium, const char *to,
                 const char *subject, const char *text)
{
    struct msg *m = xcalloc(1, sizeof *m);
    m->medium = medium;
    m->at = clock_now();
    m->to = xstrdup(to ? to : "");
    m->subject = xstrdup(subject);
    m->text = xstrdup(text ? text : "");
    pthread_mutex_lock(&c->lock);
    if (c->queued >= QUEUE_MAX || c->stop) {
        pthread_mutex_unlock(&c->lock);
        msg_free(m);
        log_warn("channel %s: queue full, a message was dropped", c->ops->name);
        return LIS_ELIMIT;
    }
    if (c->tail)
        c->tail->next = m;
    else
        c->head = m;
    c->tail = m;
    c->queued++;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

const char *channel_name(const struct channel *c)
{
    return c->ops->name;
}
