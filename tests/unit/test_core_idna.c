/*
 * IDNA conversion. Expected pairs come from the idn2 2.3.3 command
 * line tool (`idn2 bücher.de`, `idn2 -d xn--r8jz45g.xn--zckzah`) and,
 * for the simple ones, python3's encodings.idna / punycode codecs.
 * Built with IDN=0 (LM_HAVE_IDN == 0) the same file tests the
 * ASCII-only behaviour instead.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <string.h>
#include <strings.h>

#include "libmail/core.h"
#include "test.h"

static int
a(const char *in, char *out, size_t cap, size_t *len)
{
	size_t n = strlen(in);
	unsigned char *g = lm_test_guarded(in, n);
	int r = lm_idna_to_ascii((const char *)g, n, out, cap, len);
	lm_test_unguard(g, n);
	return r;
}

static int
u(const char *in, char *out, size_t cap, size_t *len)
{
	size_t n = strlen(in);
	unsigned char *g = lm_test_guarded(in, n);
	int r = lm_idna_to_unicode((const char *)g, n, out, cap, len);
	lm_test_unguard(g, n);
	return r;
}

/* ASCII passes through both ways, with or without libidn2. */
static void
t_ascii_passthrough(void)
{
	char out[64];
	size_t len = 99;
	LM_CHECK_EQ(a("example.com", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "example.com");
	LM_CHECK_EQ(out[len], '\0');
	LM_CHECK_EQ(a("Mail.Example.COM", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "Mail.Example.COM");
	LM_CHECK_EQ(u("Mail.Example.COM", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "Mail.Example.COM");
	LM_CHECK_EQ(a("", out, sizeof out, &len), 0);
	LM_CHECK_EQ(len, 0);
	LM_CHECK_EQ(out[0], '\0');
	/* "xn" without "--", or "xn--" not at a label start, is no A-label */
	LM_CHECK_EQ(u("xnab.axn--b.de", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "xnab.axn--b.de");
}

static void
t_buffer(void)
{
	char out[16];
	size_t len = 99;
	/* "example.com" is 11 bytes: 12 with the NUL */
	LM_CHECK_EQ(a("example.com", out, 12, &len), 0);
	LM_CHECK_EQ(a("example.com", out, 11, &len), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(u("example.com", out, 11, &len), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(a("", out, 0, &len), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(lm_idna_to_ascii(NULL, 1, out, 16, &len), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_idna_to_ascii("a", 1, NULL, 16, &len), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_idna_to_unicode("a", 1, out, 16, NULL), LM_ERR_BAD_PARAM);
	/* a NUL inside the given length */
	LM_CHECK_EQ(lm_idna_to_ascii("a\0b", 3, out, 16, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(lm_idna_to_unicode("a\0b", 3, out, 16, &len), LM_ERR_IDNA);
	/* not NUL-terminated input: only n bytes are read */
	LM_CHECK_EQ(lm_idna_to_ascii("abc.dexyz", 6, out, 16, &len), 0);
	LM_CHECK_STRN(out, len, "abc.de");
}

#if LM_HAVE_IDN

static void
t_to_ascii_pairs(void)
{
	char out[128];
	size_t len;
	LM_CHECK_EQ(a("b\xc3\xbc" "cher.de", out, sizeof out, &len), 0); /* bücher.de */
	LM_CHECK_STRN(out, len, "xn--bcher-kva.de");
	LM_CHECK_EQ(out[len], '\0');
	LM_CHECK_EQ(a("m\xc3\xbc" "nchen.de", out, sizeof out, &len), 0); /* münchen.de */
	LM_CHECK_STRN(out, len, "xn--mnchen-3ya.de");
	/* 例え.テスト */
	LM_CHECK_EQ(a("\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", out,
	              sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "xn--r8jz45g.xn--zckzah");
	/* non-transitional: ß stays ß (transitional would give fass.de) */
	LM_CHECK_EQ(a("fa\xc3\x9f.de", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "xn--fa-hia.de");
	/* TR46 maps upper case: BÜCHER.de */
	LM_CHECK_EQ(a("B\xc3\x9c" "CHER.de", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "xn--bcher-kva.de");
	/* exactly enough room, and one byte short (16 + NUL) */
	LM_CHECK_EQ(a("b\xc3\xbc" "cher.de", out, 17, &len), 0);
	LM_CHECK_EQ(a("b\xc3\xbc" "cher.de", out, 16, &len), LM_ERR_BUFFER_TOO_SMALL);
}

static void
t_to_unicode_pairs(void)
{
	char out[128];
	size_t len;
	LM_CHECK_EQ(u("xn--bcher-kva.de", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "b\xc3\xbc" "cher.de");
	LM_CHECK_EQ(out[len], '\0');
	LM_CHECK_EQ(u("xn--mnchen-3ya.de", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "m\xc3\xbc" "nchen.de");
	LM_CHECK_EQ(u("xn--r8jz45g.xn--zckzah", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88");
	/* upper-case ACE prefix and letters */
	LM_CHECK_EQ(u("Mail.XN--BCHER-KVA.DE", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "mail.b\xc3\xbc" "cher.de");
	/* U-labels given: validated and returned normalised */
	LM_CHECK_EQ(u("B\xc3\x9c" "CHER.de", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "b\xc3\xbc" "cher.de");
	/* bücher.de is 10 bytes: 11 with the NUL */
	LM_CHECK_EQ(u("xn--bcher-kva.de", out, 11, &len), 0);
	LM_CHECK_EQ(u("xn--bcher-kva.de", out, 10, &len), LM_ERR_BUFFER_TOO_SMALL);
}

static void
t_invalid(void)
{
	char out[256], in[128];
	size_t len;
	/* bad UTF-8 */
	LM_CHECK_EQ(a("\xc3\x28.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("b\xc3.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("\xff\xfe.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(u("\xc3\x28.de", out, sizeof out, &len), LM_ERR_IDNA);
	/* a label whose A-label would exceed 63 bytes: ü and 63 a's */
	in[0] = '\xc3';
	in[1] = '\xbc';
	memset(in + 2, 'a', 63);
	strcpy(in + 65, ".de");
	LM_CHECK_EQ(a(in, out, sizeof out, &len), LM_ERR_IDNA);
	/* disallowed code points: U+2615 (hot beverage), U+2028 (line
	 * separator), U+0378 (unassigned) */
	LM_CHECK_EQ(a("\xe2\x98\x95.com", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("a\xe2\x80\xa8" "b.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("ab\xcd\xb8.de", out, sizeof out, &len), LM_ERR_IDNA);
	/* U+00A0 would map to a space: refused */
	LM_CHECK_EQ(a("a\xc2\xa0" "b.de", out, sizeof out, &len), LM_ERR_IDNA);
}

/* A-labels that are not the canonical encoding of a valid U-label fail
 * the round trip. Raw punycode from python3: "☕" -> "53h",
 * "Übung" -> "bung-fna" (upper case U-label). */
static void
t_forged_alabels(void)
{
	char out[128];
	size_t len;
	LM_CHECK_EQ(u("xn--53h.com", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(u("xn--bung-fna.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(u("xn--abc.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(u("xn--.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(u("mail.xn--bcher-kva!.de", out, sizeof out, &len), LM_ERR_IDNA);
}

/* fuzz/regress/idna-forged-alabel.bin: an A-label next to a U-label
 * is not decoded by libidn2's lookup, so it was passed on unchecked.
 * "xn--bshev" is raw punycode of a disallowed code point: it must be
 * refused in any case of the prefix. U+00E9 encodes as "9ca" (python3:
 * "\u00e9".encode("punycode") == b"9ca"). */
static void
t_mixed_alabels(void)
{
	char out[128];
	size_t len;
	LM_CHECK_EQ(a("\xc3\xa9.xn--bshev", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("\xc3\xa9.XN--bshev", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("\xc3\xa9.Xn--53h.com", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("\xc3\xa9.xn--abc.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("\xc3\xa9.xn--bung-fna.de", out, sizeof out, &len), LM_ERR_IDNA);
	/* valid A-labels next to U-labels stay valid (lower-cased) */
	LM_CHECK_EQ(a("\xc3\xa9.xn--bcher-kva.de", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "xn--9ca.xn--bcher-kva.de");
	LM_CHECK_EQ(u(out, out + 64, 64, &len), 0);
	LM_CHECK_STRN(out + 64, len, "\xc3\xa9.b\xc3\xbc" "cher.de");
	LM_CHECK_EQ(a("\xc3\xa9.XN--BCHER-KVA.de", out, sizeof out, &len), 0);
	LM_CHECK_EQ(strncasecmp(out, "xn--9ca.xn--bcher-kva.de", len), 0);
	LM_CHECK_EQ(len, strlen("xn--9ca.xn--bcher-kva.de"));
}

/* fuzz/regress/idna-empty-result.bin: U+00AD (soft hyphen) and U+034F
 * (combining grapheme joiner) are mapped to nothing by UTS #46, so a
 * name made of them used to convert "successfully" to an empty name or
 * to empty labels. */
static void
t_empty_labels(void)
{
	char out[128];
	size_t len;
	LM_CHECK_EQ(a("\xc2\xad", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("\xcd\x8f", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("\xc2\xad\xcd\x8f", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("\xc2\xad.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("a.\xc2\xad.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a("b\xc3\xbc" "cher..de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(a(".b\xc3\xbc" "cher.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(u("\xc2\xad", out, sizeof out, &len), LM_ERR_IDNA);
	/* a soft hyphen inside a label just disappears; a final root dot
	 * is kept */
	LM_CHECK_EQ(a("b\xc3\xbc\xc2\xad" "cher.de", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "xn--bcher-kva.de");
	LM_CHECK_EQ(a("b\xc3\xbc" "cher.de.", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "xn--bcher-kva.de.");
}

#else /* LM_HAVE_IDN == 0 */

static void
t_no_idn(void)
{
	char out[128];
	size_t len;
	LM_CHECK_EQ(a("b\xc3\xbc" "cher.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(u("b\xc3\xbc" "cher.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(u("xn--bcher-kva.de", out, sizeof out, &len), LM_ERR_IDNA);
	LM_CHECK_EQ(u("mail.XN--bcher-kva.de", out, sizeof out, &len), LM_ERR_IDNA);
	/* the A-label form itself is ASCII and passes to_ascii */
	LM_CHECK_EQ(a("xn--bcher-kva.de", out, sizeof out, &len), 0);
	LM_CHECK_STRN(out, len, "xn--bcher-kva.de");
}

#endif

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_ascii_passthrough),
		LM_TEST(t_buffer),
#if LM_HAVE_IDN
		LM_TEST(t_to_ascii_pairs),
		LM_TEST(t_to_unicode_pairs),
		LM_TEST(t_invalid),
		LM_TEST(t_forged_alabels),
		LM_TEST(t_mixed_alabels),
		LM_TEST(t_empty_labels),
#else
		LM_TEST(t_no_idn),
#endif
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
