/* landuse — see landuse.h.
 *
 * Names follow Circular 08/2024/TT-BTNMT, Annex II; the English names are
 * ours. Residential land (ONT, ODT) belongs to the non-agricultural group, as
 * in the Land Law 2024. */
#include "land/landuse.h"

#include "core/err.h"

#include <ctype.h>
#include <string.h>

#define AGR LANDUSE_AGRICULTURAL
#define NON LANDUSE_NON_AGRICULTURAL
#define UNU LANDUSE_UNUSED

static const struct landuse table[] = {
    {"LUC", "Đất chuyên trồng lúa", "Specialised rice land", AGR},
    {"LUK", "Đất trồng lúa còn lại", "Other rice land", AGR},
    {"HNK", "Đất trồng cây hằng năm khác", "Other annual crop land", AGR},
    {"CLN", "Đất trồng cây lâu năm", "Perennial crop land", AGR},
    {"RSX", "Đất rừng sản xuất", "Production forest land", AGR},
    {"RPH", "Đất rừng phòng hộ", "Protection forest land", AGR},
    {"RDD", "Đất rừng đặc dụng", "Special-use forest land", AGR},
    {"NTS", "Đất nuôi trồng thủy sản", "Aquaculture land", AGR},
    {"CNT", "Đất chăn nuôi tập trung", "Concentrated livestock farming land", AGR},
    {"LMU", "Đất làm muối", "Salt production land", AGR},
    {"NKH", "Đất nông nghiệp khác", "Other agricultural land", AGR},
    {"ONT", "Đất ở tại nông thôn", "Rural residential land", NON},
    {"ODT", "Đất ở tại đô thị", "Urban residential land", NON},
    {"TSC", "Đất xây dựng trụ sở cơ quan", "Land for government offices", NON},
    {"CQP", "Đất quốc phòng", "Defence land", NON},
    {"CAN", "Đất an ninh", "Security land", NON},
    {"DVH", "Đất xây dựng cơ sở văn hóa", "Land for cultural facilities", NON},
    {"DYT", "Đất xây dựng cơ sở y tế", "Land for health facilities", NON},
    {"DGD", "Đất xây dựng cơ sở giáo dục và đào tạo", "Land for education and training", NON},
    {"DTT", "Đất xây dựng cơ sở thể dục, thể thao", "Land for sports facilities", NON},
    {"DKH", "Đất xây dựng cơ sở khoa học và công nghệ", "Land for science and technology", NON},
    {"TMD", "Đất thương mại, dịch vụ", "Commercial and service land", NON},
    {"SKC", "Đất cơ sở sản xuất phi nông nghiệp", "Non-agricultural production land", NON},
    {"SKS", "Đất sử dụng cho hoạt động khoáng sản", "Mining land", NON},
    {"DGT", "Đất công trình giao thông", "Transport land", NON},
    {"DTL", "Đất công trình thủy lợi", "Irrigation land", NON},
    {"DRA", "Đất công trình xử lý chất thải", "Waste treatment land", NON},
    {"DNL", "Đất công trình năng lượng, chiếu sáng công cộng", "Energy and public lighting land",
     NON},
    {"DCK", "Đất công trình công cộng khác", "Other public works land", NON},
    {"TON", "Đất tôn giáo", "Religious land", NON},
    {"TIN", "Đất tín ngưỡng", "Land for places of worship", NON},
    {"NTD", "Đất nghĩa trang, nhà tang lễ, cơ sở hỏa táng", "Cemetery and funeral land", NON},
    {"SON", "Đất có mặt nước chuyên dùng dạng sông, ngòi, kênh, rạch, suối",
     "Rivers, canals and streams", NON},
    {"MNC", "Đất có mặt nước chuyên dùng dạng ao, hồ, đầm, phá", "Ponds, lakes and lagoons", NON},
    {"PNK", "Đất phi nông nghiệp khác", "Other non-agricultural land", NON},
    {"BCS", "Đất bằng chưa sử dụng", "Unused flat land", UNU},
    {"DCS", "Đất đồi núi chưa sử dụng", "Unused hill land", UNU},
    {"NCS", "Núi đá không có rừng cây", "Unused rocky mountain land", UNU},
};

/* Legacy codes (Circulars 28/2014, 27/2018) still on older certificates. */
static const struct {
    const char *legacy, *current;
} legacy[] = {
    {"LUA", "LUK"}, {"LUN", "LUK"}, {"BHK", "HNK"}, {"NHK", "HNK"}, {"COC", "HNK"},
    {"LNC", "CLN"}, {"LNK", "CLN"}, {"LNQ", "CLN"}, {"RST", "RSX"}, {"RSN", "RSX"},
    {"RSM", "RSX"}, {"RPN", "RPH"}, {"RPT", "RPH"}, {"RDN", "RDD"}, {"RDT", "RDD"},
    {"TSL", "NTS"}, {"TSN", "NTS"}, {"CTS", "TSC"}, {"DTS", "TSC"}, {"SKK", "SKC"},
    {"SKN", "SKC"}, {"DSK", "SKC"}, {"DCH", "DCK"}, {"DBV", "DCK"}, {"DKV", "DCK"},
    {"DDT", "DCK"}, {"NTT", "NTD"}, {"SMN", "MNC"},
};

const struct landuse *landuse_all(size_t *count)
{
    *count = sizeof table / sizeof table[0];
    return table;
}

const struct landuse *landuse_find(const char *code)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].code, code) == 0)
            return &table[i];
    return NULL;
}

const char *landuse_group_name(enum landuse_group g)
{
    switch (g) {
    case LANDUSE_AGRICULTURAL:
        return "agricultural";
    case LANDUSE_NON_AGRICULTURAL:
        return "non-agricultural";
    default:
        return "unused";
    }
}

static const char *map_code(const char *code)
{
    if (landuse_find(code))
        return code;
    for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++)
        if (strcmp(legacy[i].legacy, code) == 0)
            return legacy[i].current;
    return NULL;
}

int landuse_normalise(const char *s, size_t len, struct buf *out, struct buf *bad)
{
    size_t start_len = out->len;
    int written = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && (s[i] == '+' || s[i] == ',' || s[i] == ';' || s[i] == ' ' || s[i] == '/'))
            i++;
        if (i >= len)
            break;
        char code[8];
        size_t n = 0;
        bool too_long = false;
        while (i < len && !(s[i] == '+' || s[i] == ',' || s[i] == ';' || s[i] == ' ' || s[i] == '/')) {
            if (n < sizeof code - 1)
                code[n++] = (char)toupper((unsigned char)s[i]);
            else
                too_long = true;
            i++;
        }
        code[n] = '\0';
        const char *cur = too_long ? NULL : map_code(code);
        if (!cur) {
            if (bad)
                buf_append(bad, code, n);
            out->len = start_len;
            if (out->data)
                out->data[start_len] = '\0';
            return LIS_EINVAL;
        }
        /* the same purpose twice (ODT+ODT, or LUN+LUA both mapping to LUK) once */
        bool dup = false;
        const char *o = out->data ? out->data + start_len : "";
        for (const char *p = o; *p; p += (p[3] == '+') ? 4 : 3)
            if (strncmp(p, cur, 3) == 0) {
                dup = true;
                break;
            }
        if (dup)
            continue;
        if (written++)
            buf_putc(out, '+');
        buf_puts(out, cur);
    }
    if (!written) {
        if (bad)
            buf_puts(bad, "(empty)");
        return LIS_EINVAL;
    }
    return 0;
}
