/* auth — passwords, session tokens and login back-off: the portal's secrets.
 *
 * Owned by auth/. Passwords are kept only as Argon2id hashes made by
 * libsodium's crypto_pwhash_str (the text carries its own salt and
 * parameters, so raising the parameters later makes old hashes "need
 * rehash" at the next login). Hashing is slow on purpose: call
 * auth_password_hash/verify from a worker thread, never an event loop.
 * Session tokens are 256-bit random values sent to the browser; the store
 * keeps only their BLAKE2b hash, and the CSRF value is derived from the
 * token, so neither a store dump nor a page's CSRF value gives a session.
 * All functions are thread-safe after auth_init(). */
#ifndef LIS_AUTH_H
#define LIS_AUTH_H

#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_HASH_MAX 128 /* crypto_pwhash_STRBYTES */
#define AUTH_TOKEN_LEN 43 /* base64url of 32 bytes, no padding */

/* Argon2id cost: passes and memory. */
struct auth_cost {
    unsigned long long ops; /* >= 1 */
    size_t mem_kib;         /* >= 8 */
};

/* Initialise libsodium. Returns 0 or LIS_EINTERNAL. */
int auth_init(void);

/* Hash pw into out (NUL-terminated text). Returns 0, or LIS_EIO when
 * memory for the hash could not be had. */
int auth_password_hash(const char *pw, const struct auth_cost *cost, char out[AUTH_HASH_MAX]);
/* Whether pw matches hash (constant work for a given hash's parameters). */
bool auth_password_verify(const char *hash, const char *pw);
/* Whether hash was made with parameters other than cost. */
bool auth_password_needs_rehash(const char *hash, const struct auth_cost *cost);

/* A new random session token (text, for the cookie) and its store hash. */
void auth_token_new(char token[AUTH_TOKEN_LEN + 1], uint8_t hash[STORE_HASH_LEN]);
/* The store hash of a token as sent back by a browser. LIS_EINVAL when it
 * is not a token's shape (then nothing is looked up). */
int auth_token_hash(const char *token, size_t len, uint8_t hash[STORE_HASH_LEN]);
/* The CSRF value of a session: derived from its token, text of
 * AUTH_TOKEN_LEN characters. */
void auth_csrf(const char *token, char out[AUTH_TOKEN_LEN + 1]);
/* Constant-time comparison of two NUL-terminated strings of equal length. */
bool auth_equal(const char *a, const char *b);

/* A throttle key for a phone number: "p:" and a hash of it (the store never
 * holds a phone number in its throttle table). out: at least 48 bytes. */
void auth_phone_key(const char *phone, char out[48]);

/* Login back-off: after `free_attempts` failures each further attempt must
 * wait twice as long as the one before, from 1 s up to max_wait (so the
 * free_attempts-th failure makes the next attempt wait 1 s). A key quiet
 * for `forget` seconds starts again from zero.
 * auth_throttle_fail updates t for one more failure at `now`;
 * auth_throttle_wait says how many seconds an attempt at `now` must still
 * wait (0: go on). */
struct auth_backoff {
    int free_attempts;
    int64_t max_wait;
    int64_t forget;
};
void auth_throttle_fail(struct store_throttle *t, const struct auth_backoff *b, int64_t now);
int64_t auth_throttle_wait(const struct store_throttle *t, const struct auth_backoff *b,
                           int64_t now);

/* One-time codes (password reset, phone check): AUTH_CODE_LEN random decimal
 * digits sent to a phone; the store keeps only a hash of the code keyed to
 * the phone's key and the code's purpose. */
#define AUTH_CODE_LEN 6
void auth_code_new(char code[AUTH_CODE_LEN + 1]);
void auth_code_hash(const char *code, const char *key, const char *purpose,
                    uint8_t hash[STORE_HASH_LEN]);
/* Whether code is the one whose hash is `hash` (constant time). */
bool auth_code_matches(const char *code, const char *key, const char *purpose,
                       const uint8_t hash[STORE_HASH_LEN]);

#endif
