/* Unit tests for import/registry_csv: the CSV reader and writer, the key map. */
#include "core/buf.h"
#include "core/err.h"
#include "import/registry_csv.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parse `in` and render it: fields joined by '|', records by ';', each
 * record prefixed with its line number and ':'. Returns the csv_next() code
 * that ended the read (0 at the end, negative on an error). */
static int parse(const char *in, size_t len, struct buf *out)
{
    char path[] = "/tmp/lis-csv-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, in, len), (ssize_t)len);
    close(fd);
    struct buf err = BUF_INIT;
    struct csv_reader *r = csv_open(path, &err);
    cr_assert_not_null(r, "%s", buf_cstr(&err));
    int rc;
    while ((rc = csv_next(r)) == 1) {
        if (out->len)
            buf_putc(out, ';');
        buf_appendf(out, "%ld:", csv_line(r));
        for (int i = 0; i < csv_count(r); i++) {
            if (i)
                buf_putc(out, '|');
            buf_puts(out, csv_field(r, i));
        }
    }
    csv_close(r);
    unlink(path);
    buf_free(&err);
    return rc;
}

static const struct {
    const char *id, *in, *want; /* want NULL: the read must fail */
} cases[] = {
    {"C01", "a,b,c\n", "1:a|b|c"},
    {"C02", "\"a,b\",c\n", "1:a,b|c"},
    {"C03", "\"say \"\"hi\"\"\",x\n", "1:say \"hi\"|x"},
    {"C04", "\"l1\nl2\",z\nnext,1\n", "1:l1\nl2|z;3:next|1"},
    {"C05", "a,b\r\nc,d\r\n", "1:a|b;2:c|d"},
    {"C06", "\xEF\xBB\xBFrecord,x\n1,2", "1:record|x;2:1|2"},
    {"C07", "a\n\n\r\nb\n", "1:a;4:b"},
    {"C08", ",,\n", "1:||"},
    {"C09", "a,b", "1:a|b"},
    {"C10", "\"abc\n", NULL},
    {"C11", "ab\"c,d\n", "1:ab\"c|d"},
    {"C12", "\"\",x\n", "1:|x"},
    {"C13", "Lạng Sơn,Đình Lập\n", "1:Lạng Sơn|Đình Lập"},
    {"C14", "a\rb\r", "1:a;2:b"},
    {"C15", "\"q\"tail,x\n", "1:qtail|x"},
    {"C16", "\"a\r\nb\"\r\n", "1:a\r\nb"},
    {"C17", "", ""},
    {"C18", "\xEF\xBB", NULL},
};

Test(registry_csv, reader_table)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf out = BUF_INIT;
        int rc = parse(cases[i].in, strlen(cases[i].in), &out);
        if (!cases[i].want) {
            cr_expect_eq(rc, LIS_EINVAL, "%s: want an error, got %d", cases[i].id, rc);
        } else {
            cr_expect_eq(rc, 0, "%s: rc %d", cases[i].id, rc);
            cr_expect_str_eq(buf_cstr(&out), cases[i].want, "%s", cases[i].id);
        }
        buf_free(&out);
    }
}

Test(registry_csv, long_record_across_reads)
{
    /* one field longer than the reader's 64 KiB read-ahead */
    struct buf in = BUF_INIT, want = BUF_INIT, out = BUF_INIT;
    buf_puts(&in, "x,\"");
    buf_puts(&want, "1:x|");
    for (int i = 0; i < 100000; i++) {
        buf_putc(&in, (char)('a' + i % 26));
        buf_putc(&want, (char)('a' + i % 26));
    }
    buf_puts(&in, "\",y\n");
    buf_puts(&want, "|y");
    cr_assert_eq(parse(in.data, in.len, &out), 0);
    cr_assert_str_eq(out.data, want.data);
    buf_free(&in);
    buf_free(&want);
    buf_free(&out);
}

static const struct {
    const char *id, *in, *want;
} writes[] = {
    {"W01", "plain", "plain"},
    {"W02", "a,b", "\"a,b\""},
    {"W03", "say \"hi\"", "\"say \"\"hi\"\"\""},
    {"W04", "two\nlines", "\"two\nlines\""},
    {"W05", "", ""},
    {"W06", NULL, ""},
    {"W07", "Lạng Sơn", "Lạng Sơn"},
};

Test(registry_csv, writer_table)
{
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        struct buf out = BUF_INIT;
        csv_append_field(&out, writes[i].in);
        cr_expect_str_eq(buf_cstr(&out), writes[i].want, "%s", writes[i].id);
        buf_free(&out);
    }
}

Test(registry_csv, writer_reader_round_trip)
{
    const char *v[] = {"a,b", "\"", "x\ny", "", "Đ"};
    struct buf line = BUF_INIT, out = BUF_INIT;
    for (int i = 0; i < 5; i++) {
        if (i)
            buf_putc(&line, ',');
        csv_append_field(&line, v[i]);
    }
    buf_putc(&line, '\n');
    cr_assert_eq(parse(line.data, line.len, &out), 0);
    cr_assert_str_eq(out.data, "1:a,b|\"|x\ny||Đ");
    buf_free(&line);
    buf_free(&out);
}

Test(registry_csv, keymap)
{
    struct keymap *m = keymap_new();
    char key[32];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(key, sizeof key, "91216\x01K%d\x01%d", i % 97, i);
        cr_assert_not(keymap_put(m, key, (size_t)n, i, NULL), "K%d new", i);
    }
    cr_assert_eq(keymap_size(m), 100000);
    for (int i = 0; i < 100000; i += 7) {
        int n = snprintf(key, sizeof key, "91216\x01K%d\x01%d", i % 97, i);
        int64_t v = -1, old = -1;
        cr_assert(keymap_get(m, key, (size_t)n, &v));
        cr_assert_eq(v, i);
        cr_assert(keymap_put(m, key, (size_t)n, -5, &old), "K%d duplicate", i);
        cr_assert_eq(old, i, "the first value stays");
    }
    cr_assert_not(keymap_get(m, "91216", 5, NULL));
    cr_assert_not(keymap_get(m, "", 0, NULL));
    /* keys are bytes: a prefix or an embedded NUL makes another key */
    cr_assert_not(keymap_put(m, "a\0b", 3, 1, NULL));
    cr_assert_not(keymap_put(m, "a", 1, 2, NULL));
    cr_assert(keymap_put(m, "a\0b", 3, 9, NULL));
    keymap_free(m);
    keymap_free(NULL);
}
