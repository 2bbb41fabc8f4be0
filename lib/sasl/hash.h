/*
 * libmail - private hash interface of lib/sasl.
 *
 * The SASL mechanisms need MD5 (CRAM-MD5), SHA-1 and SHA-256 (SCRAM),
 * HMAC over each, PBKDF2 (SCRAM's Hi()), a constant-time comparison and
 * a zeroize that the compiler cannot drop. Everything that touches a
 * crypto library is in hash_mbedtls.c, the only file that includes
 * mbedTLS headers; pbkdf2.c is written over this interface only, so it
 * is the same code on every mbedTLS version.
 *
 * Not installed, not part of the ABI.
 */
#ifndef LM_SASL_HASH_H
#define LM_SASL_HASH_H

#include <stddef.h>

typedef enum {
	LM_SASL__MD5 = 1,
	LM_SASL__SHA1 = 2,
	LM_SASL__SHA256 = 3
} lm_sasl__alg;

/** Longest digest of the algorithms above (SHA-256). */
#define LM_SASL__HASH_MAX 32

/* Room for the crypto library's HMAC context (a few pointers in mbedTLS
 * 2.28 and 3.6); hash_mbedtls.c checks at compile time that it fits. */
#define LM_SASL__HMAC_CTX_SIZE 64

/**
 * A keyed HMAC context. The caller owns the struct (stack is fine);
 * the crypto library may allocate behind it until lm_sasl__hmac_free().
 */
typedef struct {
	union {
		void *align_p;
		long long align_ll;
		unsigned char b[LM_SASL__HMAC_CTX_SIZE];
	} u;
	lm_sasl__alg alg;
	int live;
} lm_sasl__hmac_ctx;

/** Digest length in bytes, 0 for an unknown algorithm. */
size_t lm_sasl__hash_len(lm_sasl__alg alg);

/** out = H(p[0..n)). 0, LM_ERR_UNSUPPORTED or LM_ERR_NOMEM. */
int lm_sasl__hash(lm_sasl__alg alg, const void *p, size_t n, unsigned char *out);

/**
 * Start an HMAC with key[0..klen). 0, LM_ERR_UNSUPPORTED (algorithm not
 * compiled into the crypto library) or LM_ERR_NOMEM. On error h needs no
 * free (calling lm_sasl__hmac_free() anyway is harmless).
 */
int lm_sasl__hmac_init(lm_sasl__hmac_ctx *h, lm_sasl__alg alg, const void *key, size_t klen);
/** Feed message bytes. 0 or LM_ERR_BAD_STATE. */
int lm_sasl__hmac_update(lm_sasl__hmac_ctx *h, const void *p, size_t n);
/** Write the MAC (lm_sasl__hash_len bytes) and get ready for a new
 *  message with the same key. 0 or LM_ERR_BAD_STATE. */
int lm_sasl__hmac_final(lm_sasl__hmac_ctx *h, unsigned char *out);
/** Release and zeroize. NULL-safe, idempotent once initialized or zeroed. */
void lm_sasl__hmac_free(lm_sasl__hmac_ctx *h);

/** One-shot out = HMAC(key, msg). Same errors as lm_sasl__hmac_init. */
int lm_sasl__hmac(lm_sasl__alg alg, const void *key, size_t klen,
                  const void *msg, size_t n, unsigned char *out);

/**
 * PBKDF2 (RFC 8018 5.2) with HMAC-alg as PRF; SCRAM's Hi() is the
 * special case dklen == hash length. iter >= 1. Any dklen up to
 * 255 * hash length. 0, LM_ERR_BAD_PARAM or an HMAC error.
 */
int lm_sasl__pbkdf2(lm_sasl__alg alg, const void *pass, size_t plen,
                    const void *salt, size_t slen, unsigned long iter,
                    unsigned char *out, size_t dklen);

/** 1 if a[0..n) == b[0..n), else 0; time depends on n only. */
int lm_sasl__ct_equal(const void *a, const void *b, size_t n);

/** Overwrite p[0..n) with zeros in a way the compiler keeps. */
void lm_sasl__zeroize(void *p, size_t n);

#endif
