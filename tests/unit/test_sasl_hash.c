/*
 * Known-answer tests for lib/sasl's private hash interface (hash.h):
 * digests, HMAC (RFC 2104 / RFC 4231), PBKDF2-HMAC-SHA1 (RFC 6070),
 * constant-time comparison. Expected values are the published vectors
 * (cross-checked with python3 hashlib/hmac).
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <string.h>

#include "libmail/error.h"
#include "sasl/hash.h"
#include "test.h"

static void
unhex(const char *h, unsigned char *out, size_t *n)
{
	size_t i = 0;
	unsigned v;

	while (h[0] && h[1]) {
		sscanf(h, "%2x", &v);
		out[i++] = (unsigned char)v;
		h += 2;
	}
	*n = i;
}

#define CHECK_HEX(buf, n, hexstr)                                          \
	do {                                                               \
		unsigned char exp_[128];                                   \
		size_t en_;                                                \
		unhex(hexstr, exp_, &en_);                                 \
		LM_CHECK_EQ(n, en_);                                       \
		LM_CHECK_MEM(buf, exp_, en_);                              \
	} while (0)

static void
t_hash_abc(void)
{
	unsigned char d[32];

	LM_CHECK_EQ(lm_sasl__hash_len(LM_SASL__MD5), 16);
	LM_CHECK_EQ(lm_sasl__hash_len(LM_SASL__SHA1), 20);
	LM_CHECK_EQ(lm_sasl__hash_len(LM_SASL__SHA256), 32);
	LM_CHECK_EQ(lm_sasl__hash(LM_SASL__MD5, "abc", 3, d), 0);
	CHECK_HEX(d, 16, "900150983cd24fb0d6963f7d28e17f72");          /* RFC 1321 */
	LM_CHECK_EQ(lm_sasl__hash(LM_SASL__SHA1, "abc", 3, d), 0);
	CHECK_HEX(d, 20, "a9993e364706816aba3e25717850c26c9cd0d89d");  /* FIPS 180 */
	LM_CHECK_EQ(lm_sasl__hash(LM_SASL__SHA256, "abc", 3, d), 0);
	CHECK_HEX(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* RFC 4231 test cases 1 and 2 (HMAC-SHA-256). */
static void
t_hmac_sha256_rfc4231(void)
{
	unsigned char key[20], d[32];

	memset(key, 0x0b, sizeof key);
	LM_CHECK_EQ(lm_sasl__hmac(LM_SASL__SHA256, key, 20, "Hi There", 8, d), 0);
	CHECK_HEX(d, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	LM_CHECK_EQ(lm_sasl__hmac(LM_SASL__SHA256, "Jefe", 4,
	                          "what do ya want for nothing?", 28, d), 0);
	CHECK_HEX(d, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* RFC 2202 test case 2 for HMAC-MD5 and HMAC-SHA1. */
static void
t_hmac_md5_sha1_rfc2202(void)
{
	unsigned char d[20];

	LM_CHECK_EQ(lm_sasl__hmac(LM_SASL__MD5, "Jefe", 4,
	                          "what do ya want for nothing?", 28, d), 0);
	CHECK_HEX(d, 16, "750c783e6ab0b503eaa86e310a5db738");
	LM_CHECK_EQ(lm_sasl__hmac(LM_SASL__SHA1, "Jefe", 4,
	                          "what do ya want for nothing?", 28, d), 0);
	CHECK_HEX(d, 20, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}

/* Streaming in pieces and reusing the key gives the same MAC. */
static void
t_hmac_stream_reuse(void)
{
	lm_sasl__hmac_ctx h;
	unsigned char d[32];
	int i;

	LM_CHECK_EQ(lm_sasl__hmac_init(&h, LM_SASL__SHA256, "Jefe", 4), 0);
	for (i = 0; i < 2; i++) {
		LM_CHECK_EQ(lm_sasl__hmac_update(&h, "what do ya ", 11), 0);
		LM_CHECK_EQ(lm_sasl__hmac_update(&h, "", 0), 0);
		LM_CHECK_EQ(lm_sasl__hmac_update(&h, "want for nothing?", 17), 0);
		memset(d, 0, sizeof d);
		LM_CHECK_EQ(lm_sasl__hmac_final(&h, d), 0);
		CHECK_HEX(d, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	}
	lm_sasl__hmac_free(&h);
	lm_sasl__hmac_free(&h); /* idempotent */
	LM_CHECK_EQ(lm_sasl__hmac_update(&h, "x", 1), LM_ERR_BAD_STATE);
	lm_sasl__hmac_free(NULL);
}

/* RFC 6070 PBKDF2-HMAC-SHA1 vectors (all but the 16777216-round one). */
static void
t_pbkdf2_rfc6070(void)
{
	unsigned char d[25];

	LM_CHECK_EQ(lm_sasl__pbkdf2(LM_SASL__SHA1, "password", 8, "salt", 4, 1, d, 20), 0);
	CHECK_HEX(d, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6");
	LM_CHECK_EQ(lm_sasl__pbkdf2(LM_SASL__SHA1, "password", 8, "salt", 4, 2, d, 20), 0);
	CHECK_HEX(d, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
	LM_CHECK_EQ(lm_sasl__pbkdf2(LM_SASL__SHA1, "password", 8, "salt", 4, 4096, d, 20), 0);
	CHECK_HEX(d, 20, "4b007901b765489abead49d926f721d065a429c1");
	LM_CHECK_EQ(lm_sasl__pbkdf2(LM_SASL__SHA1, "passwordPASSWORDpassword", 24,
	                            "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096,
	                            d, 25), 0);
	CHECK_HEX(d, 25, "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038");
	LM_CHECK_EQ(lm_sasl__pbkdf2(LM_SASL__SHA1, "pass\0word", 9, "sa\0lt", 5, 4096,
	                            d, 16), 0);
	CHECK_HEX(d, 16, "56fa6aa75548099dcc37d7f03425e0c3");
}

static void
t_pbkdf2_params(void)
{
	unsigned char d[20];

	LM_CHECK_EQ(lm_sasl__pbkdf2(LM_SASL__SHA1, "p", 1, "s", 1, 0, d, 20), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_sasl__pbkdf2(LM_SASL__SHA1, "p", 1, "s", 1, 1, d, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_sasl__pbkdf2((lm_sasl__alg)99, "p", 1, "s", 1, 1, d, 20),
	            LM_ERR_BAD_PARAM);
}

static void
t_ct_equal(void)
{
	LM_CHECK_EQ(lm_sasl__ct_equal("abcd", "abcd", 4), 1);
	LM_CHECK_EQ(lm_sasl__ct_equal("abcd", "abce", 4), 0);
	LM_CHECK_EQ(lm_sasl__ct_equal("\x80xyz", "\x00xyz", 4), 0);
	LM_CHECK_EQ(lm_sasl__ct_equal("x", "y", 0), 1);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_hash_abc),
		LM_TEST(t_hmac_sha256_rfc4231),
		LM_TEST(t_hmac_md5_sha1_rfc2202),
		LM_TEST(t_hmac_stream_reuse),
		LM_TEST(t_pbkdf2_rfc6070),
		LM_TEST(t_pbkdf2_params),
		LM_TEST(t_ct_equal),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
