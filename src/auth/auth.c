/* auth — see auth.h. */
#include "auth/auth.h"

#include "core/err.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int auth_init(void)
{
    return sodium_init() < 0 ? LIS_EINTERNAL : 0;
}

int auth_password_hash(const char *pw, const struct auth_cost *cost, char out[AUTH_HASH_MAX])
{
    _Static_assert(AUTH_HASH_MAX >= crypto_pwhash_STRBYTES, "hash text fits");
    if (crypto_pwhash_str_alg(out, pw, strlen(pw), cost->ops, cost->mem_kib * 1024,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return LIS_EIO;
    return 0;
}

bool auth_password_verify(const char *hash, const char *pw)
{
    return hash && crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

bool auth_password_needs_rehash(const char *hash, const struct auth_cost *cost)
{
    return crypto_pwhash_str_needs_rehash(hash, cost->ops, cost->mem_kib * 1024) != 0;
}

static void b64(const uint8_t *bin, size_t n, char *out, size_t outlen)
{
    sodium_bin2base64(out, outlen, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void auth_token_new(char token[AUTH_TOKEN_LEN + 1], uint8_t hash[STORE_HASH_LEN])
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    b64(raw, sizeof raw, token, AUTH_TOKEN_LEN + 1);
    crypto_generichash(hash, STORE_HASH_LEN, raw, sizeof raw, NULL, 0);
    sodium_memzero(raw, sizeof raw);
}

int auth_token_hash(const char *token, size_t len, uint8_t hash[STORE_HASH_LEN])
{
    uint8_t raw[32];
    size_t n = 0;
    if (len != AUTH_TOKEN_LEN ||
        sodium_base642bin(raw, sizeof raw, token, len, NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != sizeof raw)
        return LIS_EINVAL;
    crypto_generichash(hash, STORE_HASH_LEN, raw, sizeof raw, NULL, 0);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

void auth_csrf(const char *token, char out[AUTH_TOKEN_LEN + 1])
{
    /* keyed by the token itself: the value proves the page saw the session */
    static const char label[] = "lis csrf v1";
    uint8_t mac[32];
    crypto_generichash(mac, sizeof mac, (const uint8_t *)label, sizeof label - 1,
                       (const uint8_t *)token, strlen(token));
    b64(mac, sizeof mac, out, AUTH_TOKEN_LEN + 1);
}

bool auth_equal(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

void auth_phone_key(const char *phone, char out[48])
{
    static const char label[] = "lis throttle v1";
    uint8_t h[16];
    crypto_generichash(h, sizeof h, (const uint8_t *)phone, strlen(phone),
                       (const uint8_t *)label, sizeof label - 1);
    memcpy(out, "p:", 2);
    sodium_bin2hex(out + 2, 48 - 2, h, sizeof h);
}

void auth_throttle_fail(struct store_throttle *t, const struct auth_backoff *b, int64_t now)
{
    if (t->failures > 0 && now - t->last_at >= b->forget)
        t->failures = 0;
    t->failures++;
    t->last_at = now;
    /* the failure that uses up the free attempts already makes the next wait 1 s */
    int over = t->failures - b->free_attempts + 1;
    if (over <= 0) {
        t->until = 0;
        return;
    }
    int64_t wait = over > 40 ? b->max_wait : (int64_t)1 << (over - 1);
    if (wait > b->max_wait)
        wait = b->max_wait;
    t->until = now + wait;
}

int64_t auth_throttle_wait(const struct store_throttle *t, const struct auth_backoff *b,
                           int64_t now)
{
    if (t->failures == 0 || now - t->last_at >= b->forget || t->until <= now)
        return 0;
    return t->until - now;
}

void auth_code_new(char code[AUTH_CODE_LEN + 1])
{
    for (int i = 0; i < AUTH_CODE_LEN; i++)
        code[i] = (char)('0' + randombytes_uniform(10));
    code[AUTH_CODE_LEN] = '\0';
}

void auth_code_hash(const char *code, const char *key, const char *purpose,
                    uint8_t hash[STORE_HASH_LEN])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, STORE_HASH_LEN);
    crypto_generichash_update(&st, (const uint8_t *)"lis code v1", 12); /* with its NUL */
    crypto_generichash_update(&st, (const uint8_t *)purpose, strlen(purpose) + 1);
    crypto_generichash_update(&st, (const uint8_t *)key, strlen(key) + 1);
    crypto_generichash_update(&st, (const uint8_t *)code, strlen(code));
    crypto_generichash_final(&st, hash, STORE_HASH_LEN);
}

bool auth_code_matches(const char *code, const char *key, const char *purpose,
                       const uint8_t hash[STORE_HASH_LEN])
{
    uint8_t h[STORE_HASH_LEN];
    auth_code_hash(code, key, purpose, h);
    return sodium_memcmp(h, hash, STORE_HASH_LEN) == 0;
}
