/* policy — see policy.h. */
#include "auth/policy.h"

#include "text/text.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* data/passwords/common.txt, sorted and lower-cased by the build */
extern const char *const policy_common_passwords[];
extern const size_t policy_common_passwords_n;

static const char *problem(const char **why, const char *code, const char *reason)
{
    if (why)
        *why = reason;
    return code;
}

/* Trimmed span of in; NULL when in is NULL or blank. */
static const char *trimmed(const char *in, size_t *len)
{
    if (!in)
        return NULL;
    const char *t = text_trim(in, strlen(in), len);
    return *len ? t : NULL;
}

/* ------------------------------------------------------------------- phone */

/* Mobile prefixes in service (the three digits after the leading 0), by the
 * national numbering plan since the 2018 change from 11 to 10 digits. */
static bool mobile_prefix(const char d[3])
{
    static const char *const prefixes[] = {
        "032", "033", "034", "035", "036", "037", "038", "039", /* Viettel */
        "052", "055", "056", "058", "059",                      /* Vietnamobile, Reddi, Gmobile */
        "070", "076", "077", "078", "079",                      /* MobiFone */
        "081", "082", "083", "084", "085", "086", "087", "088", "089",
        "090", "091", "092", "093", "094", "096", "097", "098", "099",
    };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (memcmp(prefixes[i], d, 3) == 0)
            return true;
    return false;
}

const char *policy_phone(const char *in, char out[16], const char **why)
{
    size_t len;
    const char *s = trimmed(in, &len);
    if (!s)
        return problem(why, "required", "a phone number is required");
    char digits[24];
    size_t n = 0;
    bool plus = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c)) {
            if (n == sizeof digits - 1)
                return problem(why, "invalid", "too many digits for a phone number");
            digits[n++] = (char)c;
        } else if (c == '+' && n == 0 && !plus) {
            plus = true;
        } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
            return problem(why, "invalid", "a phone number holds digits, spaces, '-', '.' and "
                                           "an optional leading '+'");
        }
    }
    digits[n] = '\0';
    const char *national; /* the 9 digits after the trunk 0 / country code */
    if (plus && n == 11 && memcmp(digits, "84", 2) == 0)
        national = digits + 2;
    else if (!plus && n == 13 && memcmp(digits, "0084", 4) == 0)
        national = digits + 4;
    else if (!plus && n == 11 && memcmp(digits, "84", 2) == 0)
        national = digits + 2;
    else if (!plus && n == 10 && digits[0] == '0')
        national = digits + 1;
    else if (plus)
        return problem(why, "not-mobile", "only Vietnamese mobile numbers (+84 …) are accepted");
    else
        return problem(why, "invalid", "a Vietnamese mobile number has 10 digits: 0 and 9 more");
    char pre[3] = {'0', national[0], national[1]};
    if (national[0] == '0' || !mobile_prefix(pre))
        return problem(why, "not-mobile", "this is not a Vietnamese mobile number");
    memcpy(out, "+84", 3);
    memcpy(out + 3, national, 9);
    out[12] = '\0';
    return NULL;
}

/* -------------------------------------------------------------------- name */

const char *policy_name(const char *in, struct buf *out, const char **why)
{
    size_t len;
    const char *s = trimmed(in, &len);
    if (!s)
        return problem(why, "required", "a full name is required");
    if (!text_utf8_valid(s, len))
        return problem(why, "invalid", "the name is not valid text");
    size_t start = out->len, chars = 0, letters = 0;
    bool space = false;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = text_utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (k == 0)
            goto invalid;
        bool is_space = cp == ' ' || cp == '\t' || cp == 0xA0 || cp == 0x3000 ||
                        (cp >= 0x2000 && cp <= 0x200A);
        if (is_space) {
            space = true;
            i += k;
            continue;
        }
        bool letter = (cp < 0x80 && isalpha((int)cp)) || (cp >= 0xC0 && cp != 0xD7 && cp != 0xF7 &&
                                                          !(cp >= 0x2000 && cp <= 0x2BFF));
        if (!letter && cp != '.' && cp != '\'' && cp != '-' && cp != 0x2019)
            goto invalid;
        if (space) {
            buf_putc(out, ' ');
            chars++;
            space = false;
        }
        buf_append(out, s + i, k);
        chars++;
        letters += letter;
        i += k;
    }
    if (letters < POLICY_NAME_MIN || chars < POLICY_NAME_MIN) {
        out->len = start;
        return problem(why, "too-short", "a name has at least 2 letters");
    }
    if (chars > POLICY_NAME_MAX) {
        out->len = start;
        return problem(why, "too-long", "a name has at most 100 characters");
    }
    buf_cstr(out);
    return NULL;
invalid:
    out->len = start;
    return problem(why, "invalid", "a name holds letters, spaces, '.', '-' and apostrophes only");
}

/* ------------------------------------------------------------------- email */

static bool atext(unsigned char c)
{
    return isalnum(c) || strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL;
}

const char *policy_email(const char *in, struct buf *out, const char **why)
{
    size_t len;
    const char *s = trimmed(in, &len);
    if (!s)
        return problem(why, "required", "an e-mail address is required");
    if (len > POLICY_EMAIL_MAX)
        return problem(why, "too-long", "an e-mail address has at most 254 characters");
    const char *at = memchr(s, '@', len);
    if (!at || memchr(at + 1, '@', len - (size_t)(at + 1 - s)))
        return problem(why, "invalid", "an e-mail address looks like name@example.vn");
    size_t local = (size_t)(at - s), dom = len - local - 1;
    if (local == 0 || local > 64 || dom == 0)
        return problem(why, "invalid", "an e-mail address looks like name@example.vn");
    for (size_t i = 0; i < local; i++) {
        unsigned char c = (unsigned char)s[i];
        bool dot_ok = c == '.' && i > 0 && i + 1 < local && s[i + 1] != '.';
        if (!atext(c) && !dot_ok)
            return problem(why, "invalid", "the part before '@' has a character not allowed");
    }
    const char *d = at + 1;
    size_t label = 0, labels = 0;
    for (size_t i = 0; i <= dom; i++) {
        unsigned char c = i < dom ? (unsigned char)d[i] : '.';
        if (c == '.') {
            if (label == 0 || label > 63 || d[i - 1] == '-')
                return problem(why, "invalid", "the domain after '@' is not valid");
            labels++;
            label = 0;
            continue;
        }
        if (!isalnum(c) && !(c == '-' && label > 0))
            return problem(why, "invalid", "the domain after '@' is not valid");
        label++;
    }
    /* the last label (checked as the loop ended) must be letters: a TLD */
    size_t last = dom;
    while (last > 0 && d[last - 1] != '.')
        last--;
    bool tld_ok = dom - last >= 2;
    for (size_t i = last; i < dom; i++)
        tld_ok = tld_ok && isalpha((unsigned char)d[i]);
    if (labels < 2 || !tld_ok)
        return problem(why, "invalid", "the domain after '@' is not valid");
    buf_append(out, s, local + 1);
    for (size_t i = 0; i < dom; i++)
        buf_putc(out, (char)tolower((unsigned char)d[i]));
    return NULL;
}

/* ----------------------------------------------------------------- address */

const char *policy_address(const char *in, struct buf *out, const char **why)
{
    size_t len;
    const char *s = trimmed(in, &len);
    if (!s)
        return problem(why, "required", "an address is required");
    if (!text_utf8_valid(s, len) || memchr(s, '\t', len))
        return problem(why, "invalid", "the address holds characters that are not text");
    if (text_utf8_len(s, len) > POLICY_ADDRESS_MAX)
        return problem(why, "too-long", "an address has at most 300 characters");
    buf_append(out, s, len);
    buf_cstr(out);
    return NULL;
}

/* ---------------------------------------------------------------- password */

static int cmp_word(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

/* One character repeated, or every step +1 or every step -1 ("12345678",
 * "87654321", "abcdefgh"), compared case-insensitively. */
static bool too_simple(const char *pw, size_t len)
{
    bool same = true, up = true, down = true;
    for (size_t i = 1; i < len; i++) {
        int a = tolower((unsigned char)pw[i - 1]), b = tolower((unsigned char)pw[i]);
        same = same && a == b;
        up = up && b == a + 1;
        down = down && b == a - 1;
    }
    return same || up || down;
}

/* Whether the digits of pw, ignoring separators, are the phone's national
 * or international digits. */
static bool is_phone(const char *pw, const char *phone)
{
    if (!phone || strncmp(phone, "+84", 3) != 0)
        return false;
    char d[32];
    size_t n = 0;
    for (const char *p = pw; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (n == sizeof d - 1)
                return false;
            d[n++] = *p;
        } else if (!strchr(" +-.()", *p)) {
            return false;
        }
    }
    d[n] = '\0';
    char national[16];
    snprintf(national, sizeof national, "0%s", phone + 3);
    return strcmp(d, phone + 1) == 0 || strcmp(d, national) == 0 || strcmp(d, phone + 3) == 0;
}

const char *policy_password(const char *pw, const char *phone, const char **why)
{
    if (!pw || !*pw)
        return problem(why, "required", "a password is required");
    size_t len = strlen(pw);
    if (!text_utf8_valid(pw, len) || memchr(pw, '\t', len))
        return problem(why, "invalid", "the password holds characters that are not text");
    size_t chars = text_utf8_len(pw, len);
    if (chars < POLICY_PASSWORD_MIN)
        return problem(why, "too-short", "a password has at least 8 characters");
    if (chars > POLICY_PASSWORD_MAX)
        return problem(why, "too-long", "a password has at most 128 characters");
    if (is_phone(pw, phone))
        return problem(why, "same-as-phone", "the password must not be the phone number");
    if (too_simple(pw, len))
        return problem(why, "too-simple", "the password is one character repeated or a simple run");
    char lower[POLICY_PASSWORD_MAX * 4 + 1];
    if (len < sizeof lower) {
        for (size_t i = 0; i <= len; i++)
            lower[i] = (char)tolower((unsigned char)pw[i]);
        if (bsearch(lower, policy_common_passwords, policy_common_passwords_n,
                    sizeof policy_common_passwords[0], cmp_word))
            return problem(why, "too-common", "this password is among the most common ones");
    }
    return NULL;
}
