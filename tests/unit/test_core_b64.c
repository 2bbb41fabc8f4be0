/*
 * One-shot base64: RFC 4648 section 10 vectors, binary data checked
 * against python3's base64 module, strict-mode rejections, buffers.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <stdint.h>
#include <string.h>

#include "libmail/core.h"
#include "test.h"

static const struct {
	const char *raw, *enc;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};
#define NVEC (sizeof rfc4648 / sizeof rfc4648[0])

static void
t_rfc4648_encode(void)
{
	size_t i;
	for (i = 0; i < NVEC; i++) {
		size_t n = strlen(rfc4648[i].raw), olen = 99;
		unsigned char *g = lm_test_guarded(rfc4648[i].raw, n);
		char out[16];
		LM_CHECK_EQ(lm_b64_encoded_len(n), strlen(rfc4648[i].enc));
		LM_CHECK_EQ(lm_b64_encode(g, n, out, sizeof out, &olen), 0);
		LM_CHECK_STRN(out, olen, rfc4648[i].enc);
		lm_test_unguard(g, n);
	}
}

static void
t_rfc4648_decode(void)
{
	size_t i;
	for (i = 0; i < NVEC; i++) {
		size_t n = strlen(rfc4648[i].enc), olen = 99;
		unsigned char *g = lm_test_guarded(rfc4648[i].enc, n);
		char out[16];
		LM_CHECK(lm_b64_decoded_max(n) >= strlen(rfc4648[i].raw));
		LM_CHECK_EQ(lm_b64_decode((const char *)g, n, out, sizeof out, &olen), 0);
		LM_CHECK_STRN(out, olen, rfc4648[i].raw);
		lm_test_unguard(g, n);
	}
}

/* Exact-size output buffers, placed so that one byte more would hit the
 * guard page: the codec must write nothing past cap. */
static void
t_exact_capacity(void)
{
	size_t i;
	for (i = 1; i < NVEC; i++) {
		size_t rn = strlen(rfc4648[i].raw), en = strlen(rfc4648[i].enc), olen;
		unsigned char *eo = lm_test_guarded("????????", en);
		unsigned char *ro = lm_test_guarded("????????", rn);
		LM_CHECK_EQ(lm_b64_encode(rfc4648[i].raw, rn, (char *)eo, en, &olen), 0);
		LM_CHECK_STRN(eo, olen, rfc4648[i].enc);
		LM_CHECK_EQ(lm_b64_decode(rfc4648[i].enc, en, ro, rn, &olen), 0);
		LM_CHECK_STRN(ro, olen, rfc4648[i].raw);
		LM_CHECK_EQ(lm_b64_encode(rfc4648[i].raw, rn, (char *)eo, en - 1, &olen),
		            LM_ERR_BUFFER_TOO_SMALL);
		LM_CHECK_EQ(lm_b64_decode(rfc4648[i].enc, en, ro, rn - 1, &olen),
		            LM_ERR_BUFFER_TOO_SMALL);
		lm_test_unguard(eo, en);
		lm_test_unguard(ro, rn);
	}
}

/* All 256 byte values; expected text from
 * python3 -c 'import base64; print(base64.b64encode(bytes(range(256))).decode())' */
static const char all256[] =
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4"
	"OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx"
	"cnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmq"
	"q6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj"
	"5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";

static void
t_binary(void)
{
	unsigned char raw[256], back[300];
	char enc[400];
	size_t i, olen;
	for (i = 0; i < 256; i++)
		raw[i] = (unsigned char)i;
	LM_CHECK_EQ(lm_b64_encode(raw, 256, enc, sizeof enc, &olen), 0);
	LM_CHECK_STRN(enc, olen, all256);
	LM_CHECK_EQ(lm_b64_decode(all256, strlen(all256), back, sizeof back, &olen), 0);
	LM_CHECK_EQ(olen, 256);
	LM_CHECK_MEM(back, raw, 256);
	/* "+/" and "-_" : 0xfb 0xff 0xbf is "+/+/"; URL-safe letters are junk. */
	LM_CHECK_EQ(lm_b64_decode("+/+/", 4, back, sizeof back, &olen), 0);
	LM_CHECK_EQ(olen, 3);
	LM_CHECK(back[0] == 0xfb && back[1] == 0xff && back[2] == 0xbf);
	LM_CHECK_EQ(lm_b64_decode("-_-_", 4, back, sizeof back, &olen), LM_ERR_DECODE);
}

static void
t_strict_rejects(void)
{
	static const char *bad[] = {
		"Zg=",       /* length not a multiple of 4 */
		"Zg",        /* missing padding */
		"Zm9",       /* missing padding */
		"Z",
		"Zg==Zg==",  /* padding in the middle */
		"Z===",      /* too much padding */
		"====",
		"=Zg=",
		"Zm=v",      /* '=' not at the end */
		"Zg ==",     /* white space */
		"Zm9v\r\n",  /* line break */
		"Zm9v Zm9v",
		"Zm9\x80",   /* 8-bit byte */
		"Zm9*",      /* junk */
		"Zh==",      /* non-zero pad bits: 'h' = 33 has low bits set */
		"Zm9=",      /* 'Zm9=' : '9' = 61, low 2 bits 01 set */
	};
	size_t i, olen = 12345;
	unsigned char out[32];
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = strlen(bad[i]);
		unsigned char *g = lm_test_guarded(bad[i], n);
		int r = lm_b64_decode((const char *)g, n, out, sizeof out, &olen);
		if (r != LM_ERR_DECODE)
			printf("  input %zu \"%s\" gave %d\n", i, bad[i], r);
		LM_CHECK_EQ(r, LM_ERR_DECODE);
		lm_test_unguard(g, n);
	}
	LM_CHECK_EQ(olen, 12345); /* untouched on error */
	/* "Zm8=" is canonical (pad bits zero) and accepted. */
	LM_CHECK_EQ(lm_b64_decode("Zm8=", 4, out, sizeof out, &olen), 0);
	LM_CHECK_STRN(out, olen, "fo");
	/* Embedded NUL */
	LM_CHECK_EQ(lm_b64_decode("Zm\0v", 4, out, sizeof out, &olen), LM_ERR_DECODE);
}

static void
t_params(void)
{
	char out[8];
	size_t olen;
	LM_CHECK_EQ(lm_b64_encode(NULL, 0, out, 0, &olen), 0);
	LM_CHECK_EQ(olen, 0);
	LM_CHECK_EQ(lm_b64_decode(NULL, 0, NULL, 0, &olen), 0);
	LM_CHECK_EQ(olen, 0);
	LM_CHECK_EQ(lm_b64_encode("a", 1, out, sizeof out, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_b64_encode(NULL, 1, out, sizeof out, &olen), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_b64_decode(NULL, 4, out, sizeof out, &olen), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_b64_decode("Zg==", 4, out, sizeof out, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_b64_encode("abc", 3, out, 3, &olen), LM_ERR_BUFFER_TOO_SMALL);
}

static void
t_lengths(void)
{
	LM_CHECK_EQ(lm_b64_encoded_len(0), 0);
	LM_CHECK_EQ(lm_b64_encoded_len(1), 4);
	LM_CHECK_EQ(lm_b64_encoded_len(3), 4);
	LM_CHECK_EQ(lm_b64_encoded_len(4), 8);
	LM_CHECK_EQ(lm_b64_encoded_len(57), 76);
	LM_CHECK(lm_b64_encoded_len(SIZE_MAX) == SIZE_MAX);
	LM_CHECK(lm_b64_encoded_len(SIZE_MAX / 4 * 3) == SIZE_MAX / 4 * 4);
	LM_CHECK_EQ(lm_b64_decoded_max(0), 3);
	LM_CHECK_EQ(lm_b64_decoded_max(4), 6);
	LM_CHECK_EQ(lm_b64_decoded_max(6), 6);
	LM_CHECK_EQ(lm_b64_decoded_max(8), 9);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_rfc4648_encode),
		LM_TEST(t_rfc4648_decode),
		LM_TEST(t_exact_capacity),
		LM_TEST(t_binary),
		LM_TEST(t_strict_rejects),
		LM_TEST(t_params),
		LM_TEST(t_lengths),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
