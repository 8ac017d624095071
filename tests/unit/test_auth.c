/* Unit tests for auth/ (field rules, tokens, back-off) and the local-day
 * arithmetic of core/clock that quotas, grants and dispute limits use. */
#include "auth/auth.h"
#include "auth/policy.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"

#include <criterion/criterion.h>
#include <string.h>

static const char *phone_ok(const char *in)
{
    static char out[16];
    const char *why = NULL;
    return policy_phone(in, out, &why) ? NULL : out;
}

static const char *phone_code(const char *in)
{
    char out[16];
    const char *why = NULL;
    return policy_phone(in, out, &why);
}

Test(policy, phone_writings)
{
    const char *forms[] = {"0912 345 678", "+84912345678", "84-912-345-678", "(+84) 912.345.678",
                           "0084912345678", "84912345678", " 0912345678 "};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        cr_expect_str_eq(phone_ok(forms[i]) ? phone_ok(forms[i]) : "(refused)", "+84912345678",
                         "%s", forms[i]);
    cr_expect_str_eq(phone_ok("0386 000 111"), "+84386000111"); /* Viettel 03x */
    cr_expect_str_eq(phone_ok("0592000111"), "+84592000111");   /* Gmobile 059 */
}

Test(policy, phone_refusals)
{
    cr_expect_str_eq(phone_code(""), "required");
    cr_expect_str_eq(phone_code(NULL), "required");
    cr_expect_str_eq(phone_code("02053 812 345"), "invalid");    /* a Lạng Sơn landline: 11 digits */
    cr_expect_str_eq(phone_code("0205381234"), "not-mobile");    /* 10 digits, landline prefix */
    cr_expect_str_eq(phone_code("0952345678"), "not-mobile");    /* 095: no network */
    cr_expect_str_eq(phone_code("+33612345678"), "not-mobile");  /* France */
    cr_expect_str_eq(phone_code("09123456789"), "invalid");      /* one digit too many */
    cr_expect_str_eq(phone_code("0912 34a 678"), "invalid");
    cr_expect_str_eq(phone_code("+84 0912345678"), "not-mobile"); /* trunk 0 after +84 */
}

Test(policy, names)
{
    struct buf b = BUF_INIT;
    const char *why;
    cr_expect_null(policy_name("  Nguyễn   Thị\tHoa  ", &b, &why));
    cr_expect_str_eq(buf_cstr(&b), "Nguyễn Thị Hoa");
    buf_reset(&b);
    cr_expect_null(policy_name("H'Hen Niê", &b, &why));
    buf_reset(&b);
    cr_expect_str_eq(policy_name("A", &b, &why), "too-short");
    cr_expect_str_eq(policy_name("   ", &b, &why), "required");
    cr_expect_str_eq(policy_name("Nguyễn Văn 2", &b, &why), "invalid");
    cr_expect_str_eq(policy_name("<script>", &b, &why), "invalid");
    char longname[256];
    memset(longname, 'a', 101);
    longname[101] = '\0';
    cr_expect_str_eq(policy_name(longname, &b, &why), "too-long");
    cr_expect_eq(b.len, 0, "a refused name leaves nothing behind");
    buf_free(&b);
}

Test(policy, emails)
{
    struct buf b = BUF_INIT;
    const char *why;
    cr_expect_null(policy_email(" An.Nguyen+dat@Example.COM.vn ", &b, &why));
    cr_expect_str_eq(buf_cstr(&b), "An.Nguyen+dat@example.com.vn");
    const char *bad[] = {"an", "an@", "@example.vn", "an@example", "an@@example.vn",
                         "an..b@example.vn", ".an@example.vn", "an@-example.vn",
                         "an@example.v1", "an b@example.vn"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_reset(&b);
        cr_expect_str_eq(policy_email(bad[i], &b, &why), "invalid", "%s", bad[i]);
    }
    buf_free(&b);
}

Test(policy, passwords)
{
    const char *why;
    cr_expect_null(policy_password("núi-Mẫu-Sơn-1541", "+84912345678", &why));
    cr_expect_str_eq(policy_password("", NULL, &why), "required");
    cr_expect_str_eq(policy_password("Ab1-xyz", NULL, &why), "too-short");
    cr_expect_null(policy_password("Ạb1-xyzk", NULL, &why), "8 characters, not 8 bytes");
    char longpw[200];
    memset(longpw, 'q', 129);
    longpw[129] = '\0';
    cr_expect_str_eq(policy_password(longpw, NULL, &why), "too-long");
    cr_expect_str_eq(policy_password("matkhau123", NULL, &why), "too-common");
    cr_expect_str_eq(policy_password("MatKhau123", NULL, &why), "too-common", "any case");
    cr_expect_str_eq(policy_password("anhyeuem123", NULL, &why), "too-common");
    cr_expect_str_eq(policy_password("0912345678", "+84912345678", &why), "same-as-phone");
    cr_expect_str_eq(policy_password("+84 912 345 678", "+84912345678", &why), "same-as-phone");
    cr_expect_str_eq(policy_password("aaaaaaaaaa", NULL, &why), "too-simple");
    cr_expect_str_eq(policy_password("87654321", NULL, &why), "too-simple");
    cr_expect_str_eq(policy_password("abcdefghi", NULL, &why), "too-simple");
}

Test(auth, tokens_and_csrf)
{
    cr_assert_eq(auth_init(), 0);
    char t1[AUTH_TOKEN_LEN + 1], t2[AUTH_TOKEN_LEN + 1], c1[AUTH_TOKEN_LEN + 1],
        c2[AUTH_TOKEN_LEN + 1];
    uint8_t h1[STORE_HASH_LEN], h2[STORE_HASH_LEN], again[STORE_HASH_LEN];
    auth_token_new(t1, h1);
    auth_token_new(t2, h2);
    cr_expect_eq(strlen(t1), AUTH_TOKEN_LEN);
    cr_expect_str_neq(t1, t2);
    cr_assert_eq(auth_token_hash(t1, strlen(t1), again), 0);
    cr_expect_eq(memcmp(again, h1, STORE_HASH_LEN), 0, "the cookie's token finds its hash");
    cr_expect_eq(auth_token_hash("short", 5, again), LIS_EINVAL);
    cr_expect_eq(auth_token_hash("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", AUTH_TOKEN_LEN, again),
                 LIS_EINVAL);
    auth_csrf(t1, c1);
    auth_csrf(t2, c2);
    cr_expect_str_neq(c1, c2);
    cr_expect_str_neq(c1, t1, "the CSRF value is not the token");
    cr_expect(auth_equal(c1, c1));
    cr_expect(!auth_equal(c1, c2));
    char k1[48], k2[48];
    auth_phone_key("+84912345678", k1);
    auth_phone_key("+84912345679", k2);
    cr_expect_str_neq(k1, k2);
    cr_expect_null(strstr(k1, "912345678"), "the key does not hold the number");
}

Test(auth, password_hash_and_cost)
{
    cr_assert_eq(auth_init(), 0);
    struct auth_cost low = {1, 64}, high = {2, 128};
    char h[AUTH_HASH_MAX];
    cr_assert_eq(auth_password_hash("núi-Mẫu-Sơn-1541", &low, h), 0);
    cr_expect_eq(strncmp(h, "$argon2id$", 10), 0);
    cr_expect(auth_password_verify(h, "núi-Mẫu-Sơn-1541"));
    cr_expect(!auth_password_verify(h, "núi-Mẫu-Sơn-1542"));
    cr_expect(!auth_password_needs_rehash(h, &low));
    cr_expect(auth_password_needs_rehash(h, &high));
}

Test(auth, backoff)
{
    struct auth_backoff b = {.free_attempts = 3, .max_wait = 10, .forget = 3600};
    struct store_throttle t = {0};
    int64_t now = 1000;
    for (int i = 0; i < 2; i++)
        auth_throttle_fail(&t, &b, now);
    cr_expect_eq(auth_throttle_wait(&t, &b, now), 0, "2 of 3 free failures");
    auth_throttle_fail(&t, &b, now);
    cr_expect_eq(auth_throttle_wait(&t, &b, now), 1, "the 3rd makes the next wait 1 s");
    auth_throttle_fail(&t, &b, now + 1);
    cr_expect_eq(auth_throttle_wait(&t, &b, now + 1), 2);
    auth_throttle_fail(&t, &b, now + 3);
    cr_expect_eq(auth_throttle_wait(&t, &b, now + 3), 4);
    auth_throttle_fail(&t, &b, now + 7);
    cr_expect_eq(auth_throttle_wait(&t, &b, now + 7), 8);
    auth_throttle_fail(&t, &b, now + 15);
    cr_expect_eq(auth_throttle_wait(&t, &b, now + 15), 10, "capped at max_wait");
    cr_expect_eq(auth_throttle_wait(&t, &b, now + 25), 0, "the wait is over");
    auth_throttle_fail(&t, &b, now + 15 + 3600);
    cr_expect_eq(t.failures, 1, "forgotten after a quiet hour");
}

Test(clock, local_days)
{
    int64_t t;
    /* 2026-11-26T16:59:59Z is 23:59:59 in Viet Nam; one second later a new day */
    cr_assert_eq(clock_parse("2026-11-26T16:59:59Z", &t), 0);
    char s[32];
    clock_iso(clock_day_start(t), s);
    cr_expect_str_eq(s, "2026-11-25T17:00:00Z");
    clock_iso(clock_day_start(t + 1), s);
    cr_expect_str_eq(s, "2026-11-26T17:00:00Z");
    cr_assert_eq(clock_parse_until("2027-06-01", &t), 0);
    clock_iso(t, s);
    cr_expect_str_eq(s, "2027-06-01T17:00:00Z", "through 1 June in Viet Nam");
    cr_assert_eq(clock_parse_until("2027-06-01T08:00:00Z", &t), 0);
    clock_iso(t, s);
    cr_expect_str_eq(s, "2027-06-01T08:00:00Z", "a date-time is taken as it is");
    cr_expect_eq(clock_parse_until("2027-13-01", &t), LIS_EINVAL);
    cr_expect_eq(clock_parse_until("soon", &t), LIS_EINVAL);
}
