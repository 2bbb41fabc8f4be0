/*
 * libmail - PBKDF2 (RFC 8018 section 5.2) and constant-time comparison,
 * written over the private HMAC interface only (no crypto library
 * headers), so they are the same code on every mbedTLS version.
 *
 * SCRAM's Hi(str, salt, i) (RFC 5802 section 2.2) is PBKDF2 with
 * dkLen equal to the hash length.
 */
#include "libmail/error.h"
#include "hash.h"

/* see hash.h */
int
lm_sasl__pbkdf2(lm_sasl__alg alg, const void *pass, size_t plen,
                const void *salt, size_t slen, unsigned long iter,
                unsigned char *out, size_t dklen)
{
	lm_sasl__hmac_ctx h;
	unsigned char u[LM_SASL__HASH_MAX], t[LM_SASL__HASH_MAX];
	unsigned char ctr[4];
	size_t hlen = lm_sasl__hash_len(alg), done = 0, k, take;
	unsigned long block = 1, j;
	int rc;

	if (hlen == 0 || iter < 1 || dklen == 0 || dklen / hlen > 254 ||
	    (pass == NULL && plen) || (salt == NULL && slen) || out == NULL)
		return LM_ERR_BAD_PARAM;
	/* One keyed context for the whole derivation: each iteration is
	 * then two hash compressions, not four. */
	rc = lm_sasl__hmac_init(&h, alg, pass, plen);
	if (rc != 0)
		return rc;
	while (done < dklen) {
		ctr[0] = (unsigned char)(block >> 24);
		ctr[1] = (unsigned char)(block >> 16);
		ctr[2] = (unsigned char)(block >> 8);
		ctr[3] = (unsigned char)block;
		/* U1 = PRF(P, S || INT(i)) */
		if ((rc = lm_sasl__hmac_update(&h, salt, slen)) != 0 ||
		    (rc = lm_sasl__hmac_update(&h, ctr, 4)) != 0 ||
		    (rc = lm_sasl__hmac_final(&h, u)) != 0)
			goto out;
		for (k = 0; k < hlen; k++)
			t[k] = u[k];
		/* Uj = PRF(P, Uj-1); T = U1 ^ U2 ^ ... ^ Uc */
		for (j = 1; j < iter; j++) {
			if ((rc = lm_sasl__hmac_update(&h, u, hlen)) != 0 ||
			    (rc = lm_sasl__hmac_final(&h, u)) != 0)
				goto out;
			for (k = 0; k < hlen; k++)
				t[k] ^= u[k];
		}
		take = dklen - done < hlen ? dklen - done : hlen;
		for (k = 0; k < take; k++)
			out[done + k] = t[k];
		done += take;
		block++;
	}
	rc = 0;
out:
	lm_sasl__hmac_free(&h);
	lm_sasl__zeroize(u, sizeof u);
	lm_sasl__zeroize(t, sizeof t);
	return rc;
}

/* see hash.h */
int
lm_sasl__ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = (const volatile unsigned char *)a;
	const volatile unsigned char *y = (const volatile unsigned char *)b;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	/* 1 when d == 0, without a data-dependent branch */
	return (int)(1 & ((unsigned)(d - 1) >> 8));
}
