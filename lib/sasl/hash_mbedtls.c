/*
 * libmail - lib/sasl hash primitives over mbedTLS.
 *
 * The only file of lib/sasl that includes mbedTLS headers. It uses the
 * generic mbedtls_md_* API, which has the same signatures in 2.28 LTS
 * (Debian 12) and 3.6 LTS, so it needs no version test of its own; the
 * oldest version accepted is checked in lib/core/mbedtls_compat.h.
 */
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "libmail/error.h"
#include "../core/mbedtls_compat.h"
#include "hash.h"

/* The opaque storage in lm_sasl__hmac must hold an mbedtls_md_context_t
 * (C99 has no static_assert: a negative array size fails the build). */
typedef char lm_sasl__ctx_fits[
	sizeof(mbedtls_md_context_t) <= LM_SASL__HMAC_CTX_SIZE ? 1 : -1];

static const mbedtls_md_info_t *
md_info(lm_sasl__alg alg)
{
	switch (alg) {
	case LM_SASL__MD5:
		return mbedtls_md_info_from_type(MBEDTLS_MD_MD5);
	case LM_SASL__SHA1:
		return mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
	case LM_SASL__SHA256:
		return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	}
	return NULL;
}

static mbedtls_md_context_t *
md_ctx(lm_sasl__hmac_ctx *h)
{
	return (mbedtls_md_context_t *)(void *)h->u.b;
}

/* see hash.h */
size_t
lm_sasl__hash_len(lm_sasl__alg alg)
{
	switch (alg) {
	case LM_SASL__MD5:
		return 16;
	case LM_SASL__SHA1:
		return 20;
	case LM_SASL__SHA256:
		return 32;
	}
	return 0;
}

/* see hash.h */
int
lm_sasl__hash(lm_sasl__alg alg, const void *p, size_t n, unsigned char *out)
{
	const mbedtls_md_info_t *mi = md_info(alg);

	if (mi == NULL)
		return LM_ERR_UNSUPPORTED;
	/* mbedtls_md() uses a context on the stack: no allocation. */
	if (mbedtls_md(mi, (const unsigned char *)p, n, out) != 0)
		return LM_ERR_UNSUPPORTED;
	return 0;
}

/* see hash.h */
int
lm_sasl__hmac_init(lm_sasl__hmac_ctx *h, lm_sasl__alg alg, const void *key, size_t klen)
{
	const mbedtls_md_info_t *mi = md_info(alg);
	int rc;

	memset(h, 0, sizeof *h);
	if (mi == NULL)
		return LM_ERR_UNSUPPORTED;
	mbedtls_md_init(md_ctx(h));
	rc = mbedtls_md_setup(md_ctx(h), mi, 1);
	if (rc != 0) {
		mbedtls_md_free(md_ctx(h));
		return rc == MBEDTLS_ERR_MD_ALLOC_FAILED ? LM_ERR_NOMEM
		                                         : LM_ERR_UNSUPPORTED;
	}
	if (mbedtls_md_hmac_starts(md_ctx(h), (const unsigned char *)key, klen) != 0) {
		mbedtls_md_free(md_ctx(h));
		return LM_ERR_UNSUPPORTED;
	}
	h->alg = alg;
	h->live = 1;
	return 0;
}

/* see hash.h */
int
lm_sasl__hmac_update(lm_sasl__hmac_ctx *h, const void *p, size_t n)
{
	if (!h->live)
		return LM_ERR_BAD_STATE;
	if (n == 0)
		return 0;
	if (mbedtls_md_hmac_update(md_ctx(h), (const unsigned char *)p, n) != 0)
		return LM_ERR_BAD_STATE;
	return 0;
}

/* see hash.h */
int
lm_sasl__hmac_final(lm_sasl__hmac_ctx *h, unsigned char *out)
{
	if (!h->live)
		return LM_ERR_BAD_STATE;
	if (mbedtls_md_hmac_finish(md_ctx(h), out) != 0 ||
	    mbedtls_md_hmac_reset(md_ctx(h)) != 0)
		return LM_ERR_BAD_STATE;
	return 0;
}

/* see hash.h */
void
lm_sasl__hmac_free(lm_sasl__hmac_ctx *h)
{
	if (h == NULL)
		return;
	if (h->live)
		mbedtls_md_free(md_ctx(h)); /* zeroizes the key pads */
	mbedtls_platform_zeroize(h, sizeof *h);
}

/* see hash.h */
int
lm_sasl__hmac(lm_sasl__alg alg, const void *key, size_t klen,
              const void *msg, size_t n, unsigned char *out)
{
	lm_sasl__hmac_ctx h;
	int rc = lm_sasl__hmac_init(&h, alg, key, klen);

	if (rc == 0)
		rc = lm_sasl__hmac_update(&h, msg, n);
	if (rc == 0)
		rc = lm_sasl__hmac_final(&h, out);
	lm_sasl__hmac_free(&h);
	return rc;
}

/* see hash.h */
void
lm_sasl__zeroize(void *p, size_t n)
{
	if (p != NULL && n != 0)
		mbedtls_platform_zeroize(p, n);
}
