/* Unit tests for text/ident: what people type to name a parcel. */
#include "text/ident.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static const struct {
    const char *id, *in;
    bool ok;
    const char *sheet, *number;
} sn_cases[] = {
    {"S01", "12/345", true, "12", "345"},
    {"S02", " 12 / 345 ", true, "12", "345"},
    {"S03", "tờ 12 thửa 345", true, "12", "345"},
    {"S04", "Tờ bản đồ số 12, thửa đất số 345", true, "12", "345"},
    {"S05", "to 12 thua 345", true, "12", "345"},
    {"S06", "thửa 345 tờ 12", true, "12", "345"},
    {"S07", "TBĐ 7 TĐ 88", true, "7", "88"},
    {"S08", "sheet 3 parcel 14", true, "3", "14"},
    {"S09", "12a/345b", true, "12a", "345b"},
    {"S10", "DC-3/17", true, "DC-3", "17"},
    {"S11", "Lạng Sơn", false, NULL, NULL},
    {"S12", "12/", false, NULL, NULL},
    {"S13", "/345", false, NULL, NULL},
    {"S14", "tờ 12", false, NULL, NULL},
    {"S15", "12/abc", false, NULL, NULL},
    {"S16", "tờ 12 thửa 345 đường Lê Lợi", false, NULL, NULL},
    {"S17", "1234567890123456789012345/1", false, NULL, NULL},
};

Test(ident, sheet_number_table)
{
    for (size_t i = 0; i < sizeof sn_cases / sizeof sn_cases[0]; i++) {
        struct ident_sheet_number sn;
        bool ok = ident_parse_sheet_number(sn_cases[i].in, strlen(sn_cases[i].in), &sn);
        cr_expect_eq(ok, sn_cases[i].ok, "%s: '%s'", sn_cases[i].id, sn_cases[i].in);
        if (ok && sn_cases[i].ok) {
            cr_expect_str_eq(sn.sheet, sn_cases[i].sheet, "%s sheet", sn_cases[i].id);
            cr_expect_str_eq(sn.number, sn_cases[i].number, "%s number", sn_cases[i].id);
        }
    }
}

Test(ident, national_id)
{
    char out[13];
    cr_assert(ident_parse_national_id("w7x8mnq2c4rt", 12, out));
    cr_assert_str_eq(out, "w7x8mnq2c4rt");
    cr_assert(ident_parse_national_id(" W7X8MNQ2C4RT ", 14, out));
    cr_assert_str_eq(out, "w7x8mnq2c4rt");
    cr_assert_not(ident_parse_national_id("w7x8mnq2c4ra", 12, out)); /* 'a' not in alphabet */
    cr_assert_not(ident_parse_national_id("w7x8mnq2c4r", 11, out));
    cr_assert_not(ident_parse_national_id("123456789012", 12, out)); /* digits only */
}

static const struct {
    const char *id, *in;
    enum ident_coord_kind kind;
    double x, y;
} coord_cases[] = {
    {"C01", "106.7613, 21.8537", IDENT_COORD_LONLAT, 106.7613, 21.8537},
    {"C02", "21.8537, 106.7613", IDENT_COORD_LONLAT, 106.7613, 21.8537},
    {"C03", "lat 21.85 lon 106.76", IDENT_COORD_LONLAT, 106.76, 21.85},
    {"C04", "X: 2418000 Y: 451000", IDENT_COORD_NATIVE, 451000, 2418000},
    {"C05", "Y=451000.5; X=2418000.25", IDENT_COORD_NATIVE, 451000.5, 2418000.25},
    {"C06", "2418000 451000", IDENT_COORD_NATIVE, 451000, 2418000},
    {"C07", "E 451000 N 2418000", IDENT_COORD_NATIVE, 451000, 2418000},
    {"C08", "12/345", IDENT_COORD_NONE, 0, 0},
    {"C09", "106.7", IDENT_COORD_NONE, 0, 0},
    {"C10", "1 2 3", IDENT_COORD_NONE, 0, 0},
    {"C11", "Z: 5 W: 6", IDENT_COORD_NONE, 0, 0},
    {"C12", "0x10, 20", IDENT_COORD_NONE, 0, 0},
};

Test(ident, coordinates_table)
{
    for (size_t i = 0; i < sizeof coord_cases / sizeof coord_cases[0]; i++) {
        double x = 0, y = 0;
        enum ident_coord_kind k =
            ident_parse_coordinates(coord_cases[i].in, strlen(coord_cases[i].in), &x, &y);
        cr_expect_eq(k, coord_cases[i].kind, "%s: kind %d", coord_cases[i].id, k);
        if (k != IDENT_COORD_NONE && k == coord_cases[i].kind) {
            cr_expect(fabs(x - coord_cases[i].x) < 1e-9, "%s x=%f", coord_cases[i].id, x);
            cr_expect(fabs(y - coord_cases[i].y) < 1e-9, "%s y=%f", coord_cases[i].id, y);
        }
    }
}

static const struct {
    const char *id, *in;
    bool ok;
    double v;
} dbl_cases[] = {
    {"D01", "106.5", true, 106.5}, {"D02", "-3", true, -3},     {"D03", "1e3", true, 1000},
    {"D04", "", false, 0},         {"D05", "nan", false, 0},    {"D06", "inf", false, 0},
    {"D07", "0x1p3", false, 0},    {"D08", "1.5 ", false, 0},   {"D09", "1e999", false, 0},
    {"D10", "1.", false, 0},       {"D11", "--1", false, 0},    {"D12", "12abc", false, 0},
};

Test(ident, parse_double_table)
{
    for (size_t i = 0; i < sizeof dbl_cases / sizeof dbl_cases[0]; i++) {
        double v = 0;
        bool ok = ident_parse_double(dbl_cases[i].in, strlen(dbl_cases[i].in), &v);
        cr_expect_eq(ok, dbl_cases[i].ok, "%s '%s'", dbl_cases[i].id, dbl_cases[i].in);
        if (ok)
            cr_expect(v == dbl_cases[i].v, "%s", dbl_cases[i].id);
    }
}

Test(ident, parse_long_and_codes)
{
    long v;
    cr_assert(ident_parse_long("42", 2, 1, 100, &v) && v == 42);
    cr_assert_not(ident_parse_long("0", 1, 1, 100, &v));
    cr_assert_not(ident_parse_long("101", 3, 1, 100, &v));
    cr_assert_not(ident_parse_long("99999999999999999999", 20, 0, 100, &v));
    cr_assert_not(ident_parse_long("4 2", 3, 0, 100, &v));
    cr_assert(ident_valid_commune_code("05977", 5));
    cr_assert_not(ident_valid_commune_code("5977", 4));
    cr_assert_not(ident_valid_commune_code("0597a", 5));
    cr_assert(ident_valid_code("12a", 3));
    cr_assert_not(ident_valid_code("12 a", 4));
    cr_assert_not(ident_valid_code("", 0));
}
