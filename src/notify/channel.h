/* channel — the outbound channel: what reaches a person beyond the portal's
 * inbox (an SMS to their phone, an e-mail to their address).
 *
 * Owned by notify/. One interface, two implementations chosen by the setting
 * `channel`:
 *   outbox  (default) appends one JSON line per message, {at, channel ("sms"
 *           or "email"), to, subject, text}, to the file `outbox_file`: an
 *           operator reads it (cat, jq) or hands it to a gateway;
 *   smtp    sends e-mail through an SMTP server with libcurl (smtp_url
 *           "smtps://host:465" or "smtp://host:25", smtp_from, smtp_user,
 *           smtp_password); SMS still go to the outbox.
 * A message holds only what the caller gives: the notification's title and
 * text, or a one-time code. Delivery never runs on the caller's thread: a
 * channel owns one delivery thread and a bounded queue, so a slow SMTP server
 * never holds up an event loop. channel_send is thread-safe. */
#ifndef LIS_NOTIFY_CHANNEL_H
#define LIS_NOTIFY_CHANNEL_H

#include "core/buf.h"

#include <stdbool.h>

struct config;
struct channel;

enum channel_medium {
    CHANNEL_SMS,   /* to a phone number (E.164) */
    CHANNEL_EMAIL, /* to an e-mail address */
};

/* A channel as the settings describe it (channel, outbox_file, smtp_*);
 * starts its delivery thread. Returns NULL with the reason in err when a
 * setting is wrong. Caller frees with channel_free(). */
struct channel *channel_new(const struct config *cfg, struct buf *err);

/* Deliver what is still queued (for at most a few seconds: a message left
 * after that is dropped and counted in the log), stop the thread and free
 * the channel. NULL is a no-op. */
void channel_free(struct channel *c);

/* Queue one message; every string is copied. subject may be NULL (an SMS
 * has none; e-mail then gets a generic one). Returns 0, or LIS_ELIMIT when
 * the queue is full (the message is dropped and the log says so). */
int channel_send(struct channel *c, enum channel_medium medium, const char *to,
                 const char *subject, const char *text);

/* The implementation in use: "outbox" or "smtp". Borrowed, static. */
const char *channel_name(const struct channel *c);

#endif
