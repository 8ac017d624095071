/* text — see text.h.
 *
 * Folding is table-driven over the Latin blocks Vietnamese uses: Latin-1,
 * Latin Extended-A, the four horn letters of Latin Extended-B (Ơ ơ Ư ư) and
 * the Vietnamese run of Latin Extended Additional (U+1EA0–U+1EF9). Combining
 * marks (U+0300–U+036F) are dropped, so text in decomposed form (NFD) folds
 * like text in composed form. */
#include "text/text.h"

#include <stdint.h>
#include <string.h>

/* Decode one code point; returns its length, 0 on malformed input. */
size_t text_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    if (len == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

bool text_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = text_utf8_decode(p + i, len - i, &cp);
        if (n == 0 || (cp < 0x20 && cp != '\t') || cp == 0x7F)
            return false;
        i += n;
    }
    return true;
}

size_t text_utf8_len(const char *s, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

/* Base letters of U+00C0..U+00FF; '*' marks a non-letter (× ÷), '2' a
 * letter that folds to two (Æ æ ß Þ þ, handled apart). */
static const char latin1[] = "aaaaaa2ceeeeiiiidnooooo*ouuuuy22"
                             "aaaaaa2ceeeeiiiidnooooo*ouuuuy2y";
/* Base letters of U+0100..U+017F. */
static const char latin_ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkk"
                                  "llllllllllnnnnnnnnnoooooooorrrrrrsssssssstttttt"
                                  "uuuuuuuuuuuuwwyyyzzzzzzs";
/* Base letters of U+1EA0..U+1EF9 by runs. */
static const struct {
    uint32_t first, last;
    char base;
} viet_runs[] = {
    {0x1EA0, 0x1EB7, 'a'}, {0x1EB8, 0x1EC7, 'e'}, {0x1EC8, 0x1ECB, 'i'},
    {0x1ECC, 0x1EE3, 'o'}, {0x1EE4, 0x1EF1, 'u'}, {0x1EF2, 0x1EF9, 'y'},
};

/* The folded form of cp: a letter or digit string (written to out, returns its
 * length), 0 for a separator, -1 for a mark to drop, -2 to copy cp unchanged. */
static int fold_cp(uint32_t cp, char out[3])
{
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z')
            cp += 'a' - 'A';
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            out[0] = (char)cp;
            return 1;
        }
        return 0;
    }
    if (cp >= 0x300 && cp <= 0x36F)
        return -1;
    if (cp >= 0xC0 && cp <= 0xFF) {
        char c = latin1[cp - 0xC0];
        if (c == '*')
            return 0;
        if (c != '2') {
            out[0] = c;
            return 1;
        }
        switch (cp) {
        case 0xC6:
        case 0xE6:
            memcpy(out, "ae", 2);
            return 2;
        case 0xDE:
        case 0xFE:
            memcpy(out, "th", 2);
            return 2;
        default: /* ß */
            memcpy(out, "ss", 2);
            return 2;
        }
    }
    if (cp >= 0x100 && cp <= 0x17F) {
        out[0] = latin_ext_a[cp - 0x100];
        return 1;
    }
    if (cp == 0x1A0 || cp == 0x1A1) {
        out[0] = 'o';
        return 1;
    }
    if (cp == 0x1AF || cp == 0x1B0) {
        out[0] = 'u';
        return 1;
    }
    for (size_t i = 0; i < sizeof viet_runs / sizeof viet_runs[0]; i++)
        if (cp >= viet_runs[i].first && cp <= viet_runs[i].last) {
            out[0] = viet_runs[i].base;
            return 1;
        }
    if (cp < 0xC0)
        return 0; /* Latin-1 punctuation and symbols */
    if ((cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F) || cp == 0xFEFF)
        return 0; /* general and CJK punctuation, spaces, BOM */
    return -2;
}

void text_fold(const char *s, size_t len, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    bool pending_space = false, any = false;
    while (i < len) {
        uint32_t cp;
        size_t n = text_utf8_decode(p + i, len - i, &cp);
        if (n == 0) { /* not UTF-8: treat the byte as a separator */
            pending_space = any;
            i++;
            continue;
        }
        char f[3];
        int k = fold_cp(cp, f);
        if (k == 0) {
            pending_space = any;
        } else if (k != -1) {
            if (pending_space)
                buf_putc(out, ' ');
            pending_space = false;
            any = true;
            if (k == -2)
                buf_append(out, p + i, n);
            else
                buf_append(out, f, (size_t)k);
        }
        i += n;
    }
}

static bool is_space_at(const unsigned char *p, size_t len, size_t *n)
{
    uint32_t cp;
    *n = text_utf8_decode(p, len, &cp);
    if (*n == 0)
        return false;
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 || cp == 0x3000 ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F || cp == 0xFEFF;
}

const char *text_trim(const char *s, size_t len, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0, n;
    while (start < len && is_space_at(p + start, len - start, &n))
        start += n;
    size_t end = len;
    while (end > start) {
        /* step back to the start of the last code point */
        size_t b = end - 1;
        while (b > start && (p[b] & 0xC0) == 0x80)
            b--;
        if (!is_space_at(p + b, end - b, &n) || b + n != end)
            break;
        end = b;
    }
    *out_len = end - start;
    return s + start;
}
