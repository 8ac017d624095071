/* Unit tests for land/landuse: the official code table and normalisation. */
#include "core/buf.h"
#include "core/err.h"
#include "land/landuse.h"

#include <criterion/criterion.h>
#include <string.h>

Test(landuse, table_is_complete)
{
    /* the codes DESIGN §5 names, each exactly once */
    const char *want[] = {"LUC", "LUK", "HNK", "CLN", "RSX", "RPH", "RDD", "NTS", "CNT", "LMU",
                          "NKH", "ONT", "ODT", "TSC", "CQP", "CAN", "DVH", "DYT", "DGD", "DTT",
                          "DKH", "TMD", "SKC", "SKS", "DGT", "DTL", "DRA", "DNL", "DCK", "TON",
                          "TIN", "NTD", "SON", "MNC", "PNK", "BCS", "DCS", "NCS"};
    size_t n;
    const struct landuse *all = landuse_all(&n);
    cr_assert_eq(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        const struct landuse *u = landuse_find(want[i]);
        cr_assert_not_null(u, "%s missing", want[i]);
        cr_assert(strlen(u->name_vi) > 0 && strlen(u->name_en) > 0);
        for (size_t j = i + 1; j < n; j++)
            cr_assert(strcmp(all[i].code, all[j].code) != 0);
    }
    cr_assert_eq(landuse_find("LUC")->group, LANDUSE_AGRICULTURAL);
    cr_assert_eq(landuse_find("ODT")->group, LANDUSE_NON_AGRICULTURAL);
    cr_assert_eq(landuse_find("NCS")->group, LANDUSE_UNUSED);
    cr_assert_null(landuse_find("XYZ"));
}

static const struct {
    const char *id, *in;
    int rc;
    const char *out, *bad;
} norm_cases[] = {
    {"N01", "ODT", 0, "ODT", ""},
    {"N02", "odt + cln", 0, "ODT+CLN", ""},
    {"N03", "ONT,CLN", 0, "ONT+CLN", ""},
    {"N04", "LUN", 0, "LUK", ""},
    {"N05", "BHK;LNK", 0, "HNK+CLN", ""},
    {"N06", "LUA+LUN", 0, "LUK", ""},
    {"N07", "XYZ", LIS_EINVAL, "", "XYZ"},
    {"N08", "ODT+QQQ", LIS_EINVAL, "", "QQQ"},
    {"N09", "", LIS_EINVAL, "", "(empty)"},
    {"N10", "ODTXXXXXXXX", LIS_EINVAL, "", "ODTXXXX"},
};

Test(landuse, normalise_table)
{
    for (size_t i = 0; i < sizeof norm_cases / sizeof norm_cases[0]; i++) {
        struct buf out = BUF_INIT, bad = BUF_INIT;
        int rc = landuse_normalise(norm_cases[i].in, strlen(norm_cases[i].in), &out, &bad);
        cr_expect_eq(rc, norm_cases[i].rc, "%s rc", norm_cases[i].id);
        cr_expect_str_eq(buf_cstr(&out), norm_cases[i].out, "%s out", norm_cases[i].id);
        cr_expect_str_eq(buf_cstr(&bad), norm_cases[i].bad, "%s bad", norm_cases[i].id);
        buf_free(&out);
        buf_free(&bad);
    }
}
