/* policy — what the portal accepts in an account's fields.
 *
 * Owned by auth/. Each check takes the text a person typed, and either
 * writes the value to store into `out` (trimmed, normalised) and returns
 * NULL, or returns a problem code for the field ("required", "too-short",
 * "too-long", "invalid", "not-mobile", "same-as-phone", "too-common",
 * "too-simple") with an English reason in `why` (static text). The web page
 * translates the codes; the API sends code and reason. Pure functions, no
 * state: any thread may call them. */
#ifndef LIS_AUTH_POLICY_H
#define LIS_AUTH_POLICY_H

#include "core/buf.h"

#include <stddef.h>

#define POLICY_NAME_MIN 2      /* characters (code points) */
#define POLICY_NAME_MAX 100
#define POLICY_ADDRESS_MAX 300
#define POLICY_EMAIL_MAX 254   /* bytes (RFC 5321 path limit) */
#define POLICY_PASSWORD_MIN 8  /* characters */
#define POLICY_PASSWORD_MAX 128
#define POLICY_PHONE_LEN 13    /* "+84" and 9 digits, plus the NUL: out buffers of 16 */

/* A Vietnamese mobile number in any usual writing ("0912 345 678",
 * "+84912345678", "84-912-345-678", "(+84) 912.345.678") → E.164 in out
 * ("+84912345678"). Fixed lines and unassigned prefixes are "not-mobile". */
const char *policy_phone(const char *in, char out[16], const char **why);
/* A person's full name: trimmed, inner runs of white space made one space,
 * 2–100 characters of letters (any script), spaces, '.', '\'' and '-'. */
const char *policy_name(const char *in, struct buf *out, const char **why);
/* An e-mail address (dot-atom local part, a domain of letters, digits and
 * hyphens with at least two labels); the domain is lower-cased. */
const char *policy_email(const char *in, struct buf *out, const char **why);
/* A postal address: trimmed, at most 300 characters, no control characters. */
const char *policy_address(const char *in, struct buf *out, const char **why);
/* A new password: 8–128 characters, valid UTF-8 without control characters,
 * not the phone number (in any of its writings), not a common password, not
 * one character repeated or a run like "12345678"/"abcdefgh". phone is the
 * account's E.164 number or NULL. Passwords are never trimmed or changed. */
const char *policy_password(const char *pw, const char *phone, const char **why);

#endif
