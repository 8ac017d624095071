/* Unit tests for text/: UTF-8 validation, diacritics folding, trimming. */
#include "core/buf.h"
#include "text/text.h"

#include <criterion/criterion.h>
#include <string.h>

static const struct {
    const char *id, *in, *want;
} fold_cases[] = {
    {"F01", "Lạng Sơn", "lang son"},
    {"F02", "Đình Lập", "dinh lap"},
    {"F03", "ĐỒNG ĐĂNG", "dong dang"},
    {"F04", "Phường Đông Kinh", "phuong dong kinh"},
    {"F05", "  Số 12, đường Trần Đăng Ninh  ", "so 12 duong tran dang ninh"},
    {"F06", "Xã Hữu Lũng", "xa huu lung"},
    {"F07", "Khuổi Phầy – Nà Pàn", "khuoi phay na pan"},
    {"F08", "Ưu tiên ơn", "uu tien on"},
    {"F09", "L\xCC\xA3" "ang", "lang"}, /* a combining mark (U+0323) is dropped */
    {"F10", "La\xCC\xA3" "ng So\xCC\x9B" "n", "lang son"}, /* NFD: a+U+0323, o+U+031B */
    {"F11", "Épinay-sur-Orge", "epinay sur orge"},
    {"F12", "Straße", "strasse"},
    {"F13", "", ""},
    {"F14", "!!!", ""},
    {"F15", "12/345", "12 345"},
    {"F16", "ỲỴỶỸỳỵỷỹ", "yyyyyyyy"},
    {"F17", "ẠẶẸỆỊỌỢỤỰ", "aaeeioouu"},
};

Test(text, fold_table)
{
    for (size_t i = 0; i < sizeof fold_cases / sizeof fold_cases[0]; i++) {
        struct buf b = BUF_INIT;
        text_fold(fold_cases[i].in, strlen(fold_cases[i].in), &b);
        cr_expect_str_eq(buf_cstr(&b), fold_cases[i].want, "%s: fold(%s) = '%s', want '%s'",
                         fold_cases[i].id, fold_cases[i].in, buf_cstr(&b), fold_cases[i].want);
        buf_free(&b);
    }
}

Test(text, fold_every_vietnamese_letter)
{
    /* every precomposed Vietnamese letter folds to one ASCII letter */
    const char *all = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
                      "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ";
    const char *want = "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
                       "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd";
    struct buf b = BUF_INIT;
    text_fold(all, strlen(all), &b);
    cr_assert_str_eq(buf_cstr(&b), want);
    buf_free(&b);
}

static const struct {
    const char *id;
    const char *s;
    size_t len;
    bool valid;
} utf8_cases[] = {
    {"U01", "Lạng Sơn", 0, true},
    {"U02", "abc\xff", 0, false},
    {"U03", "\xc0\xaf", 0, false},         /* overlong '/' */
    {"U04", "\xed\xa0\x80", 0, false},     /* surrogate */
    {"U05", "\xf4\x90\x80\x80", 0, false}, /* above U+10FFFF */
    {"U06", "a\x01" "b", 0, false},        /* control */
    {"U07", "tab\tok", 0, true},
    {"U08", "\xe1\xba", 0, false},         /* truncated */
    {"U09", "a\0b", 3, false},             /* embedded NUL */
    {"U10", "😀", 0, true},
};

Test(text, utf8_valid_table)
{
    for (size_t i = 0; i < sizeof utf8_cases / sizeof utf8_cases[0]; i++) {
        size_t len = utf8_cases[i].len ? utf8_cases[i].len : strlen(utf8_cases[i].s);
        cr_expect_eq(text_utf8_valid(utf8_cases[i].s, len), utf8_cases[i].valid, "%s",
                     utf8_cases[i].id);
    }
}

Test(text, trim_and_length)
{
    size_t n;
    const char *s = "\xc2\xa0  Lạng Sơn \t";
    const char *t = text_trim(s, strlen(s), &n);
    cr_assert_eq(n, strlen("Lạng Sơn"));
    cr_assert(strncmp(t, "Lạng Sơn", n) == 0);
    cr_assert_eq(text_utf8_len("Lạng Sơn", strlen("Lạng Sơn")), 8);
    t = text_trim("   ", 3, &n);
    cr_assert_eq(n, 0);
}
