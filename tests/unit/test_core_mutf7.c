/*
 * IMAP modified UTF-7. The first pair is RFC 3501 section 5.1.3's own
 * example; the others were made with python3 (UTF-16-BE, then
 * base64.b64encode with '=' stripped and '/' turned into ',').
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <string.h>

#include "libmail/core.h"
#include "test.h"

static const struct {
	const char *utf8, *mutf7;
} pairs[] = {
	/* ~peter/mail/台北/日本語 */
	{ "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	  "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
	{ "Entw\xc3\xbc" "rfe", "Entw&APw-rfe" },
	{ "Gel\xc3\xb6" "schte Elemente", "Gel&APY-schte Elemente" },
	{ "A&B", "A&-B" },
	{ "\xf0\x9f\x98\x80", "&2D3eAA-" },              /* U+1F600: a surrogate pair */
	{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e&x", "&ZeVnLIqe-&-x" },
	{ "\t", "&AAk-" },
	{ "\xce\xa9", "&A6k-" },                          /* U+03A9 */
	{ "INBOX", "INBOX" },
	{ "", "" },
};

static void
t_pairs(void)
{
	size_t i;
	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		const char *u = pairs[i].utf8, *m = pairs[i].mutf7;
		size_t un = strlen(u), mn = strlen(m), len = 999;
		unsigned char *g;
		char out[128];

		g = lm_test_guarded(u, un);
		LM_CHECK_EQ(lm_mutf7_encode((const char *)g, un, out, sizeof out, &len), 0);
		LM_CHECK_STRN(out, len, m);
		lm_test_unguard(g, un);
		g = lm_test_guarded(m, mn);
		LM_CHECK_EQ(lm_mutf7_decode((const char *)g, mn, out, sizeof out, &len), 0);
		LM_CHECK_STRN(out, len, u);
		lm_test_unguard(g, mn);
		/* exact room works, one byte less does not */
		if (mn > 0) {
			LM_CHECK_EQ(lm_mutf7_encode(u, un, out, mn, &len), 0);
			LM_CHECK_EQ(lm_mutf7_encode(u, un, out, mn - 1, &len), LM_ERR_BUFFER_TOO_SMALL);
		}
		if (un > 0) {
			LM_CHECK_EQ(lm_mutf7_decode(m, mn, out, un, &len), 0);
			LM_CHECK_EQ(lm_mutf7_decode(m, mn, out, un - 1, &len), LM_ERR_BUFFER_TOO_SMALL);
		}
	}
}

static void
t_encode_bad_utf8(void)
{
	static const char *bad[] = {
		"\xc3",             /* truncated */
		"a\xc3(",           /* bad continuation */
		"\x80",             /* stray continuation */
		"\xc0\xaf",         /* overlong '/' */
		"\xe0\x80\xaf",     /* overlong */
		"\xed\xa0\x80",     /* U+D800 surrogate */
		"\xf4\x90\x80\x80", /* above U+10FFFF */
		"\xff",
	};
	size_t i, len;
	char out[64];
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		LM_CHECK_EQ(lm_mutf7_encode(bad[i], strlen(bad[i]), out, sizeof out, &len),
		            LM_ERR_DECODE);
	LM_CHECK_EQ(lm_mutf7_encode("a\0b", 3, out, sizeof out, &len), LM_ERR_DECODE);
	LM_CHECK_EQ(lm_mutf7_encode(NULL, 1, out, sizeof out, &len), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_mutf7_encode("a", 1, out, sizeof out, NULL), LM_ERR_BAD_PARAM);
}

static void
t_decode_bad(void)
{
	static const char *bad[] = {
		"&",          /* unterminated */
		"&U,BTFw",    /* unterminated */
		"&U/BTFw-",   /* '/' is not in the modified alphabet */
		"&U,B=Fw-",
		"&AGE-",      /* 'a' must be direct */
		"&AAA-",      /* U+0000 */
		"&2D0-",      /* U+D83D high surrogate alone (python3: 2D0=) */
		"&3gA-",      /* U+DE00 low surrogate alone (python3: 3gA=) */
		"&2D3e-",     /* a high surrogate, then 8 surplus bits */
		"&APx-",      /* non-zero padding bits (canonical is &APw-) */
		"&APwA-",     /* a surplus character */
		"a\tb",       /* control character sent directly */
		"\xc3\xbc",   /* 8-bit byte */
		"&-&",
	};
	size_t i, len;
	char out[64];
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = lm_mutf7_decode(bad[i], strlen(bad[i]), out, sizeof out, &len);
		if (r != LM_ERR_DECODE)
			printf("  \"%s\" gave %d\n", bad[i], r);
		LM_CHECK_EQ(r, LM_ERR_DECODE);
	}
	LM_CHECK_EQ(lm_mutf7_decode(NULL, 1, out, sizeof out, &len), LM_ERR_BAD_PARAM);
}

/* Every BMP code point outside printable ASCII and the surrogates, and
 * a sample of supplementary ones, survives encode + decode. */
static void
t_roundtrip(void)
{
	long cp;
	int bad = 0;
	for (cp = 1; cp < 0x110000 && bad < 5; cp += (cp < 0x10000 ? 1 : 97)) {
		unsigned char u[16];
		char m[32], back[16];
		size_t un, mn, bn;
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80) {
			u[0] = (unsigned char)cp;
			un = 1;
		} else if (cp < 0x800) {
			u[0] = (unsigned char)(0xc0 | (cp >> 6));
			u[1] = (unsigned char)(0x80 | (cp & 0x3f));
			un = 2;
		} else if (cp < 0x10000) {
			u[0] = (unsigned char)(0xe0 | (cp >> 12));
			u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
			u[2] = (unsigned char)(0x80 | (cp & 0x3f));
			un = 3;
		} else {
			u[0] = (unsigned char)(0xf0 | (cp >> 18));
			u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
			u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
			u[3] = (unsigned char)(0x80 | (cp & 0x3f));
			un = 4;
		}
		u[un] = 'x'; /* followed by a direct character */
		un++;
		if (lm_mutf7_encode((char *)u, un, m, sizeof m, &mn) != 0 ||
		    lm_mutf7_decode(m, mn, back, sizeof back, &bn) != 0 ||
		    bn != un || memcmp(back, u, un) != 0) {
			printf("  U+%04lX fails\n", cp);
			bad++;
		}
	}
	LM_CHECK_EQ(bad, 0);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_pairs),
		LM_TEST(t_encode_bad_utf8),
		LM_TEST(t_decode_bad),
		LM_TEST(t_roundtrip),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
