/* ident — see ident.h.
 *
 * Keyword forms are matched on the folded text (text_fold), so "Tờ", "to",
 * "TỜ BẢN ĐỒ SỐ" are all one word list; the "12/345" form is matched on the
 * raw text because folding turns '/' into a space. */
#include "text/ident.h"

#include "core/buf.h"
#include "text/text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool is_code_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.';
}

bool ident_valid_code(const char *s, size_t len)
{
    if (len == 0 || len > IDENT_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_code_char(s[i]))
            return false;
    return true;
}

/* A parcel number: digits, optionally one trailing letter ("345", "345a"). */
static bool valid_number(const char *s, size_t len)
{
    if (len == 0 || len > IDENT_MAX || !isdigit((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!isdigit((unsigned char)s[i]) && !(i == len - 1 && isalpha((unsigned char)s[i])))
            return false;
    return true;
}

static void set_field(char *dst, const char *s, size_t len)
{
    memcpy(dst, s, len);
    dst[len] = '\0';
}

static bool parse_slash(const char *s, size_t len, struct ident_sheet_number *out)
{
    const char *slash = memchr(s, '/', len);
    if (!slash)
        return false;
    size_t al, bl;
    const char *a = text_trim(s, (size_t)(slash - s), &al);
    const char *b = text_trim(slash + 1, len - (size_t)(slash - s) - 1, &bl);
    if (!ident_valid_code(a, al) || !valid_number(b, bl))
        return false;
    set_field(out->sheet, a, al);
    set_field(out->number, b, bl);
    return true;
}

/* Words that may stand between a keyword and its value. */
static bool is_filler(const char *w, size_t n)
{
    static const char *const fill[] = {"ban", "do", "so", "dat", "bd", "no", "map", "number", "nr"};
    for (size_t i = 0; i < sizeof fill / sizeof fill[0]; i++)
        if (strlen(fill[i]) == n && memcmp(fill[i], w, n) == 0)
            return true;
    return false;
}

enum kw { KW_NONE, KW_SHEET, KW_NUMBER };

static enum kw keyword(const char *w, size_t n)
{
    static const struct {
        const char *w;
        enum kw kw;
    } kws[] = {
        {"to", KW_SHEET},     {"tbd", KW_SHEET},    {"sheet", KW_SHEET}, {"t", KW_SHEET},
        {"thua", KW_NUMBER},  {"td", KW_NUMBER},    {"parcel", KW_NUMBER},
        {"lot", KW_NUMBER},   {"th", KW_NUMBER},
    };
    for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
        if (strlen(kws[i].w) == n && memcmp(kws[i].w, w, n) == 0)
            return kws[i].kw;
    return KW_NONE;
}

static bool parse_keywords(const char *s, size_t len, struct ident_sheet_number *out)
{
    struct buf f = BUF_INIT;
    bool ok = false, have_sheet = false, have_number = false;
    text_fold(s, len, &f);
    const char *p = buf_cstr(&f), *end = p + f.len;
    enum kw want = KW_NONE;
    while (p < end) {
        const char *w = p;
        while (p < end && *p != ' ')
            p++;
        size_t n = (size_t)(p - w);
        if (p < end)
            p++;
        enum kw k = keyword(w, n);
        if (k != KW_NONE && want == KW_NONE) {
            want = k;
            continue;
        }
        if (want != KW_NONE && is_filler(w, n))
            continue;
        if (want == KW_SHEET && !have_sheet && ident_valid_code(w, n)) {
            set_field(out->sheet, w, n);
            have_sheet = true;
        } else if (want == KW_NUMBER && !have_number && valid_number(w, n)) {
            set_field(out->number, w, n);
            have_number = true;
        } else {
            goto out; /* anything else: not an identifier */
        }
        want = KW_NONE;
    }
    ok = have_sheet && have_number && want == KW_NONE;
out:
    buf_free(&f);
    return ok;
}

bool ident_parse_sheet_number(const char *s, size_t len, struct ident_sheet_number *out)
{
    size_t tl;
    const char *t = text_trim(s, len, &tl);
    if (tl == 0 || tl > 256)
        return false;
    return parse_slash(t, tl, out) || parse_keywords(t, tl, out);
}

static const char geohash_alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";

bool ident_parse_national_id(const char *s, size_t len, char out[13])
{
    size_t tl;
    const char *t = text_trim(s, len, &tl);
    if (tl != 12)
        return false;
    for (size_t i = 0; i < 12; i++) {
        char c = (char)tolower((unsigned char)t[i]);
        if (!strchr(geohash_alphabet, c) || c == '\0')
            return false;
        out[i] = c;
    }
    out[12] = '\0';
    /* a run of digits only is far more likely a parcel number than an id */
    for (size_t i = 0; i < 12; i++)
        if (!isdigit((unsigned char)out[i]))
            return true;
    return false;
}

bool ident_valid_commune_code(const char *s, size_t len)
{
    if (len != 5)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Clinger's fast path for the common form [sign] digits [. digits] with at
 * most 15 digits: the digits make an integer and the decimals a power of
 * ten that doubles hold exactly, so one division is correctly rounded: the
 * value strtod would give, at a fraction of its cost (coordinates of every
 * map click come through here). false: not that form, ask strtod. */
static bool fast_decimal(const char *s, size_t len, double *out)
{
    static const double p10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    size_t i = s[0] == '-' || s[0] == '+';
    uint64_t m = 0;
    int digits = 0, decimals = -1;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '.' && decimals < 0) {
            decimals = 0;
            continue;
        }
        if (c < '0' || c > '9' || ++digits > 15)
            return false;
        m = m * 10 + (uint64_t)(c - '0');
        if (decimals >= 0)
            decimals++;
    }
    if (digits == 0)
        return false;
    double v = (double)m / p10[decimals > 0 ? decimals : 0];
    *out = s[0] == '-' ? -v : v;
    return true;
}

bool ident_parse_double(const char *s, size_t len, double *out)
{
    char tmp[64];
    if (len == 0 || len >= sizeof tmp)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!(isdigit((unsigned char)c) || c == '.' || c == '-' || c == '+' || c == 'e' ||
              c == 'E'))
            return false; /* rejects hex, inf, nan, spaces */
    }
    if (isdigit((unsigned char)s[len - 1]) && fast_decimal(s, len, out))
        return true;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (*end || errno == ERANGE || !isfinite(v) || !isdigit((unsigned char)tmp[len - 1]))
        return false;
    *out = v;
    return true;
}

bool ident_parse_long(const char *s, size_t len, long min, long max, long *out)
{
    char tmp[32];
    if (len == 0 || len >= sizeof tmp)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)s[i]) && !(i == 0 && s[i] == '-'))
            return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    errno = 0;
    long v = strtol(tmp, &end, 10);
    if (*end || errno || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* Find the number after a label such as "X", "Y", "E", "N", "lon", "lat"
 * (case-insensitive, followed by ':' or '=' or a space). */
struct coord_tok {
    char label[8];
    double value;
};

static int split_coords(const char *s, size_t len, struct coord_tok tok[3])
{
    int count = 0;
    size_t i = 0;
    while (i < len && count < 3) {
        while (i < len && (s[i] == ' ' || s[i] == ',' || s[i] == ';' || s[i] == '\t'))
            i++;
        if (i >= len)
            break;
        struct coord_tok *t = &tok[count];
        t->label[0] = '\0';
        size_t ls = i;
        while (i < len && isalpha((unsigned char)s[i]))
            i++;
        size_t ll = i - ls;
        if (ll) {
            if (ll >= sizeof t->label)
                return -1;
            for (size_t k = 0; k < ll; k++)
                t->label[k] = (char)tolower((unsigned char)s[ls + k]);
            t->label[ll] = '\0';
            while (i < len && (s[i] == ' ' || s[i] == ':' || s[i] == '='))
                i++;
        }
        size_t ns = i;
        while (i < len && (isdigit((unsigned char)s[i]) || s[i] == '.' || s[i] == '-' || s[i] == '+'))
            i++;
        if (i == ns || !ident_parse_double(s + ns, i - ns, &t->value))
            return -1;
        count++;
    }
    while (i < len && (s[i] == ' ' || s[i] == ',' || s[i] == ';'))
        i++;
    return i == len ? count : -1;
}

enum ident_coord_kind ident_parse_coordinates(const char *s, size_t len, double *x, double *y)
{
    size_t tl;
    const char *t = text_trim(s, len, &tl);
    struct coord_tok tok[3];
    if (tl == 0 || tl > 128 || split_coords(t, tl, tok) != 2)
        return IDENT_COORD_NONE;
    const char *la = tok[0].label, *lb = tok[1].label;
    double a = tok[0].value, b = tok[1].value;
    if (*la || *lb) {
        /* Labelled. Vietnamese documents: X = northing, Y = easting. */
        double *slot_e = NULL, *slot_n = NULL, *slot_lon = NULL, *slot_lat = NULL;
        double e = 0, n = 0, lon = 0, lat = 0;
        for (int k = 0; k < 2; k++) {
            const char *l = tok[k].label;
            double v = tok[k].value;
            if (!strcmp(l, "x") || !strcmp(l, "n") || !strcmp(l, "north") || !strcmp(l, "northing"))
                n = v, slot_n = &n;
            else if (!strcmp(l, "y") || !strcmp(l, "e") || !strcmp(l, "east") ||
                     !strcmp(l, "easting"))
                e = v, slot_e = &e;
            else if (!strcmp(l, "lon") || !strcmp(l, "lng") || !strcmp(l, "long"))
                lon = v, slot_lon = &lon;
            else if (!strcmp(l, "lat"))
                lat = v, slot_lat = &lat;
            else
                return IDENT_COORD_NONE;
        }
        if (slot_e && slot_n) {
            *x = e, *y = n;
            return IDENT_COORD_NATIVE;
        }
        if (slot_lon && slot_lat && fabs(lon) <= 180 && fabs(lat) <= 90) {
            *x = lon, *y = lat;
            return IDENT_COORD_LONLAT;
        }
        return IDENT_COORD_NONE;
    }
    if (fabs(a) <= 180 && fabs(b) <= 180) {
        /* degrees: lon, lat as the API takes them, or lat, lon as map apps copy them */
        if (fabs(a) > 90 && fabs(b) <= 90) {
            *x = a, *y = b;
        } else if (fabs(b) > 90 && fabs(a) <= 90) {
            *x = b, *y = a;
        } else {
            *x = a, *y = b;
        }
        return IDENT_COORD_LONLAT;
    }
    if (fabs(a) >= 1000 && fabs(b) >= 1000) {
        /* metres: in VN-2000 the northing (millions) is the larger */
        *x = a < b ? a : b;
        *y = a < b ? b : a;
        return IDENT_COORD_NATIVE;
    }
    return IDENT_COORD_NONE;
}
