/* names — see names.h. */
#include "demo/names.h"

#include <stddef.h>

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

uint64_t names_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t names_hash(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t s = a * 0xd6e8feb86659fd93ULL ^ b;
    uint64_t h = names_rand(&s);
    s = h ^ c;
    return names_rand(&s);
}

double names_unif(uint64_t *state)
{
    return (double)(names_rand(state) >> 11) * 0x1.0p-53;
}

int names_below(uint64_t *state, int n)
{
    return n <= 1 ? 0 : (int)(names_unif(state) * n);
}

double names_range(uint64_t *state, double a, double b)
{
    return a + (b - a) * names_unif(state);
}

/* ------------------------------------------------------------------ people */

/* Family names with rough weights: Tày and Nùng families dominate Lạng Sơn. */
static const struct {
    const char *name;
    int weight;
} families[] = {
    {"Hoàng", 14}, {"Nông", 10}, {"Nguyễn", 10}, {"Lương", 7}, {"Vi", 6},   {"Hà", 5},
    {"Lý", 5},     {"Lăng", 4},  {"Triệu", 4},   {"Chu", 4},   {"Trần", 4}, {"Lộc", 3},
    {"Hứa", 3},    {"Mã", 3},    {"Đinh", 3},    {"Bế", 3},    {"Dương", 3}, {"Lâm", 3},
    {"Lưu", 3},    {"Lê", 3},    {"Đàm", 2},     {"Tô", 2},    {"Mông", 2}, {"Phạm", 2},
};

static const char *male_middle[] = {"Văn", "Văn", "Văn", "Văn", "Văn", "Văn", "Văn",
                                    "Đức", "Hữu", "Minh", "Xuân", "Thanh", "Quốc", "Ngọc"};
static const char *female_middle[] = {"Thị", "Thị", "Thị", "Thị", "Thị", "Thị", "Thị", "Thị",
                                      "Thu", "Ngọc", "Thanh", "Hồng", "Kim"};
static const char *male_given[] = {
    "Thắng", "Hùng", "Dũng", "Tuấn", "Cường", "Hải",  "Long", "Minh", "Quân", "Sơn",
    "Thành", "Toàn", "Trung", "Việt", "Vinh", "Bình", "Chiến", "Đức", "Hiếu", "Hoàng",
    "Khánh", "Lâm",  "Lợi",  "Nam",  "Phúc", "Quang", "Tài",  "Thái", "Tiến", "Tùng",
    "Vượng", "Kiên", "Mạnh", "Nghĩa", "Pằn", "Slinh", "Chủng", "Dìn", "Sáng", "Thuận"};
static const char *female_given[] = {
    "Hoa",  "Lan",  "Mai",  "Hương", "Hằng", "Hạnh", "Huyền", "Thu",   "Thủy", "Nga",
    "Ngọc", "Nhung", "Phương", "Quyên", "Thảo", "Trang", "Yến", "Liên", "Loan",  "Dung",
    "Duyên", "Hiền", "Linh", "Mến",  "Nguyệt", "Oanh", "Sen", "Tâm",  "Thơm", "Vân"};

void names_person(uint64_t *state, bool female, struct buf *out)
{
    int total = 0;
    for (int i = 0; i < COUNT(families); i++)
        total += families[i].weight;
    int r = names_below(state, total), i = 0;
    while (r >= families[i].weight) {
        r -= families[i].weight;
        i++;
    }
    const char *mid = female ? female_middle[names_below(state, COUNT(female_middle))]
                             : male_middle[names_below(state, COUNT(male_middle))];
    const char *given = female ? female_given[names_below(state, COUNT(female_given))]
                               : male_given[names_below(state, COUNT(male_given))];
    buf_appendf(out, "%s %s %s", families[i].name, mid, given);
}

/* ---------------------------------------------------------------- villages */

static const char *village_head[] = {"Nà",  "Khuổi", "Pác", "Bản",   "Còn", "Kéo",
                                     "Phai", "Lũng", "Khau", "Pò",   "Nặm", "Cốc",
                                     "Bó",  "Phiêng", "Khòn", "Hát", "Tồng", "Nà"};
static const char *village_tail[] = {
    "Pàn",  "Lẹng", "Tèo",  "Mò",   "Nưa",  "Slằng", "Pục",  "Hin",   "Phầy", "Cáy",
    "Lừa",  "Sla",  "Mạ",   "Pheo", "Rọ",   "Thốc",  "Chang", "Lầy",  "Mạn",  "Piàng",
    "Vài",  "Cằm",  "Tổng", "Quang", "Mìn", "Pạt",   "Luông", "Hẩu",  "Khiếc", "Táng",
    "Nghiều", "Bây", "Rì",  "Coóc", "Sào",  "Slửng", "Tà",    "Nhàng", "Khoang", "Xá"};
/* Names given in the collectivisation years, found beside the old ones. */
static const char *village_kinh[] = {"Tân Lập", "Đồng Tâm", "Hòa Bình", "Trung Tâm",
                                     "Tân Hòa", "Thống Nhất", "Quyết Tiến", "Đoàn Kết",
                                     "Tiến Bộ", "Hợp Thành"};

void names_village(uint64_t h, struct buf *out)
{
    uint64_t s = h;
    if (names_unif(&s) < 0.15) {
        buf_puts(out, village_kinh[names_below(&s, COUNT(village_kinh))]);
        return;
    }
    buf_appendf(out, "%s %s", village_head[names_below(&s, COUNT(village_head))],
                village_tail[names_below(&s, COUNT(village_tail))]);
}

/* ----------------------------------------------------------------- streets */

static const char *streets[] = {
    "Trần Đăng Ninh", "Bà Triệu",     "Lê Lợi",        "Trần Hưng Đạo",  "Hùng Vương",
    "Bắc Sơn",        "Tam Thanh",    "Văn Vỉ",        "Lý Thường Kiệt", "Ngô Gia Tự",
    "Phai Vệ",        "Minh Khai",    "Hoàng Văn Thụ", "Tông Đản",       "Chi Lăng",
    "Đinh Tiên Hoàng", "Lê Đại Hành", "Ngô Quyền",     "Thân Cảnh Phúc", "Nhị Thanh",
    "Tô Thị",         "Phan Đình Phùng", "Lương Văn Tri", "Đèo Giang",    "Lê Hồng Phong",
    "Hoàng Đình Kinh", "Nguyễn Du",   "Quang Trung",   "Lê Lai",         "Bến Bắc",
    "Trần Phú",       "Nguyễn Đình Chiểu", "Lý Thái Tổ", "Kỳ Lừa",       "Mai Pha"};

const char *names_street(uint64_t h)
{
    return streets[h % (uint64_t)COUNT(streets)];
}

/* ------------------------------------------------------------------- banks */

static const char *banks[] = {
    "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam - Chi nhánh tỉnh Lạng Sơn",
    "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam - Chi nhánh tỉnh Lạng Sơn",
    "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam - Chi nhánh tỉnh Lạng Sơn",
    "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam - Chi nhánh Lạng Sơn",
    "Ngân hàng TMCP Công thương Việt Nam - Chi nhánh Lạng Sơn",
    "Ngân hàng TMCP Ngoại thương Việt Nam - Chi nhánh Lạng Sơn",
    "Ngân hàng Chính sách xã hội - Chi nhánh tỉnh Lạng Sơn",
    "Ngân hàng TMCP Quân đội - Chi nhánh Lạng Sơn",
};

const char *names_bank(uint64_t h)
{
    return banks[h % (uint64_t)COUNT(banks)];
}

/* --------------------------------------------------------------- companies */

static const char *company_form[] = {"Công ty TNHH", "Công ty TNHH", "Công ty Cổ phần",
                                     "Công ty TNHH MTV", "Doanh nghiệp tư nhân"};
static const char *company_trade[] = {"Thương mại", "Xuất nhập khẩu", "Xây dựng",
                                      "Vận tải", "Dịch vụ", "Thương mại và Dịch vụ",
                                      "Đầu tư", "Lâm sản"};
static const char *company_name[] = {"Đông Bắc", "Kỳ Lừa", "Hoàng Long", "Phú Lộc",
                                     "Tân Thanh", "Hữu Nghị", "Xứ Lạng", "Mẫu Sơn",
                                     "Thành Đạt", "Hồng Phong", "Bắc Hà", "Minh Phát",
                                     "Chi Lăng", "Đồng Đăng", "Tràng Định"};

void names_company(uint64_t h, struct buf *out)
{
    uint64_t s = h;
    buf_appendf(out, "%s %s %s", company_form[names_below(&s, COUNT(company_form))],
                company_trade[names_below(&s, COUNT(company_trade))],
                company_name[names_below(&s, COUNT(company_name))]);
}
