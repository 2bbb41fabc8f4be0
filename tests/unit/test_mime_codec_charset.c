/*
 * Charset conversion to UTF-8 (lib/mime/charset.c): every built-in
 * table and the iconv charsets against vectors made with Python's codecs
 * (test_mime_codec_vectors.h), hand-worked code points, names and
 * aliases, and the streaming converter fed in every split, byte by byte
 * and with tiny output buffers.
 */
#include <stdio.h>
#include <string.h>

#include "libmail/mime.h"
#include "test.h"
#include "test_mime_codec_vectors.h"

/* Convert in[0..n) fed in pieces of `chunk` bytes (0: split once at
 * `split`) into out with at most `ocap` bytes per call. */
static size_t
conv_pieces(const char *cs, const char *in, size_t n, size_t chunk,
            size_t split, size_t ocap, char *out, size_t outcap,
            unsigned *defects)
{
	lm_mime_conv c;
	size_t off = 0, len = 0, used, wr, piece;
	int r, guard = 0;

	LM_CHECK(lm_mime_conv_init(&c, cs, strlen(cs)) == 0);
	while (off < n) {
		piece = chunk ? chunk : (off < split ? split - off : n - off);
		if (piece > n - off)
			piece = n - off;
		while (piece > 0) {
			size_t cap = outcap - len < ocap ? outcap - len : ocap;
			used = wr = 0;
			r = lm_mime_conv_update(&c, in + off, piece, out + len, cap,
			                        &used, &wr);
			LM_CHECK(r == 0);
			LM_CHECK(used <= piece && wr <= cap);
			if (used == 0 && wr == 0) {
				LM_CHECK(!"no progress");
				goto end;
			}
			off += used;
			piece -= used;
			len += wr;
			if (++guard > 100000)
				goto end;
		}
	}
	/* Drain pending output, then final. */
	for (;;) {
		size_t cap = outcap - len < ocap ? outcap - len : ocap;
		used = wr = 0;
		LM_CHECK(lm_mime_conv_update(&c, "", 0, out + len, cap, &used, &wr) == 0);
		len += wr;
		if (wr == 0)
			break;
	}
	for (;;) {
		size_t cap = outcap - len < ocap ? outcap - len : ocap;
		wr = 0;
		r = lm_mime_conv_final(&c, out + len, cap, &wr);
		len += wr;
		if (r == 0)
			break;
		LM_CHECK(r == LM_ERR_BUFFER_TOO_SMALL && wr > 0);
		if (wr == 0)
			break;
	}
end:
	*defects = lm_mime_conv_defects(&c);
	lm_mime_conv_free(&c);
	return len;
}

static int
vec_supported(const cs_vec *v)
{
	return lm_mime_charset_supported(lm_mime_charset_id(v->charset,
	                                                    strlen(v->charset)));
}

static void
check_vec(const cs_vec *v, int all_splits)
{
	static char out[4096];
	size_t len, k;
	unsigned d;

	if (!vec_supported(v)) {
		/* ICONV=0 build: an unknown charset is a defect, not a failure. */
		len = conv_pieces(v->charset, v->in, v->inlen, v->inlen, 0, 64, out,
		                  sizeof out, &d);
		LM_CHECK(d & LM_MIME_DEF_CHARSET);
		return;
	}
	len = conv_pieces(v->charset, v->in, v->inlen, v->inlen, 0, sizeof out,
	                  out, sizeof out, &d);
	if (len != v->outlen || memcmp(out, v->utf8, len) != 0) {
		printf("  charset %s: whole input differs (%zu vs %zu)\n",
		       v->charset, len, v->outlen);
		LM_CHECK(0);
		return;
	}
	/* Byte by byte, tiny output (4 bytes holds any character). */
	len = conv_pieces(v->charset, v->in, v->inlen, 1, 0, 4, out, sizeof out, &d);
	LM_CHECK(len == v->outlen && memcmp(out, v->utf8, len) == 0);
	len = conv_pieces(v->charset, v->in, v->inlen, 1, 0, 1, out, sizeof out, &d);
	LM_CHECK(len == v->outlen && memcmp(out, v->utf8, len) == 0);
	if (!all_splits)
		return;
	for (k = 0; k <= v->inlen; k++) {
		len = conv_pieces(v->charset, v->in, v->inlen, 0, k, 7, out,
		                  sizeof out, &d);
		if (len != v->outlen || memcmp(out, v->utf8, len) != 0) {
			printf("  charset %s: split at %zu differs\n", v->charset, k);
			LM_CHECK(0);
			return;
		}
	}
}

/* UTF-7 (RFC 2152, built in): the RFC's examples and more, expected
 * text from Python's codec; the invalid ones (a lone high surrogate, an
 * 8-bit byte) worked by hand: U+FFFD each. */
static const cs_vec cs_utf7[] = {
	{ "UTF-7", "A+ImIDkQ.", 9,
	  "A\xe2\x89\xa2\xce\x91.", 7 },
	{ "UTF-7", "Hi Mom -+Jjo--!", 15,
	  "Hi Mom -\xe2\x98\xba-!", 13 },
	{ "UTF-7", "+ZeVnLIqe-", 10,
	  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9 },
	{ "UTF-7", "1 +- 1 = 2", 10,
	  "1 + 1 = 2", 9 },
	{ "UTF-7", "+2D3cAQ-", 8,
	  "\xf0\x9f\x90\x81", 4 },
	{ "UTF-7", "caf+AOk", 7,
	  "caf\xc3\xa9", 5 },
	{ "UTF-7", "+2D0-x", 6,
	  "\xef\xbf\xbdx", 4 },
	{ "UTF-7", "a\xe9" "b", 3,
	  "a\xef\xbf\xbd" "b", 5 },
	{ "UTF-7", "+AGEAYgBj- +AGEAYgBj.+AGE", 25,
	  "abc abc.a", 9 },
};

static void
t_utf7(void)
{
	size_t i;

	for (i = 0; i < sizeof cs_utf7 / sizeof cs_utf7[0]; i++) {
		LM_CHECK(vec_supported(&cs_utf7[i]));
		check_vec(&cs_utf7[i], 1);
	}
}

static void
t_single_byte_tables(void)
{
	size_t i;

	for (i = 0; i < sizeof cs_single / sizeof cs_single[0]; i++) {
		LM_CHECK(vec_supported(&cs_single[i]));
		check_vec(&cs_single[i], i % 5 == 0);
	}
}

static void
t_multibyte(void)
{
	size_t i;

	for (i = 0; i < sizeof cs_multi / sizeof cs_multi[0]; i++)
		check_vec(&cs_multi[i], 1);
}

static void
t_utf8_replacement(void)
{
	size_t i;

	for (i = 0; i < sizeof cs_utf8 / sizeof cs_utf8[0]; i++)
		check_vec(&cs_utf8[i], 1);
}

/* Code points from the charsets' published tables, worked by hand. */
static void
t_hand_points(void)
{
	static const struct {
		const char *cs;
		unsigned char b;
		const char *utf8;
	} v[] = {
		{ "windows-1252", 0x80, "\xe2\x82\xac" },   /* EURO SIGN */
		{ "cp1252", 0x93, "\xe2\x80\x9c" },         /* LEFT DOUBLE QUOTATION MARK */
		{ "latin1", 0xE9, "\xc3\xa9" },             /* e acute */
		{ "ISO-8859-15", 0xA4, "\xe2\x82\xac" },    /* euro replaced currency sign */
		{ "iso-8859-2", 0xB1, "\xc4\x85" },         /* a ogonek U+0105 */
		{ "ISO-8859-5", 0xB0, "\xd0\x90" },         /* CYRILLIC A U+0410 */
		{ "koi8-r", 0xC1, "\xd0\xb0" },             /* cyrillic a U+0430 */
		{ "KOI8-U", 0xA4, "\xd1\x94" },             /* ukrainian ie U+0454 */
		{ "windows-1251", 0xC0, "\xd0\x90" },       /* CYRILLIC A */
		{ "iso-8859-7", 0xC1, "\xce\x91" },         /* GREEK ALPHA U+0391 */
		{ "windows-1255", 0xE0, "\xd7\x90" },       /* HEBREW ALEF U+05D0 */
		{ "ISO-8859-16", 0xA1, "\xc4\x84" },        /* A ogonek U+0104 */
	};
	char out[16];
	size_t i, len;
	unsigned d;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		d = 0;
		LM_CHECK(lm_mime_conv_string(v[i].cs, strlen(v[i].cs), &v[i].b, 1,
		                             out, sizeof out, &len, &d) == 0);
		LM_CHECK_STRN(out, len, v[i].utf8);
		LM_CHECK_EQ(d, 0);
	}
	/* Undefined byte: U+FFFD and a defect. */
	d = 0;
	LM_CHECK(lm_mime_conv_string("windows-1252", 12, "\x81", 1, out, sizeof out,
	                             &len, &d) == 0);
	LM_CHECK_STRN(out, len, "\xef\xbf\xbd");
	LM_CHECK(d & LM_MIME_DEF_INVALID_BYTES);
	d = 0;
	LM_CHECK(lm_mime_conv_string("us-ascii", 8, "a\xe9", 2, out, sizeof out,
	                             &len, &d) == 0);
	LM_CHECK_STRN(out, len, "a\xef\xbf\xbd");
	LM_CHECK(d & LM_MIME_DEF_INVALID_BYTES);
}

static void
t_names(void)
{
	int u8 = lm_mime_charset_id("utf-8", 5);

	LM_CHECK(u8 > 0);
	LM_CHECK_EQ(lm_mime_charset_id("UTF8", 4), u8);
	LM_CHECK_EQ(lm_mime_charset_id(" \"Utf-8\" ", 9), u8);
	LM_CHECK(strcmp(lm_mime_charset_name(u8), "UTF-8") == 0);
	LM_CHECK(strcmp(lm_mime_charset_name(lm_mime_charset_id("latin1", 6)),
	                "ISO-8859-1") == 0);
	LM_CHECK(strcmp(lm_mime_charset_name(lm_mime_charset_id("ISO_8859-2", 10)),
	                "ISO-8859-2") == 0);
	LM_CHECK(strcmp(lm_mime_charset_name(lm_mime_charset_id("cp1252", 6)),
	                "windows-1252") == 0);
	LM_CHECK(strcmp(lm_mime_charset_name(lm_mime_charset_id("x-sjis", 6)),
	                "Shift_JIS") == 0);
	LM_CHECK(strcmp(lm_mime_charset_name(lm_mime_charset_id("ks_c_5601-1987", 14)),
	                "CP949") == 0);
	LM_CHECK_EQ(lm_mime_charset_id("iso-8859-12", 11), 0);
	LM_CHECK_EQ(lm_mime_charset_id("x-unknown", 9), 0);
	LM_CHECK_EQ(lm_mime_charset_id("", 0), 0);
	LM_CHECK_EQ(lm_mime_charset_supported(0), 0);
	LM_CHECK(strcmp(lm_mime_defect_name(LM_MIME_DEF_CHARSET), "charset") == 0);
	LM_CHECK(strcmp(lm_mime_defect_name(3), "unknown") == 0);
}

static void
t_unknown_charset(void)
{
	char out[32];
	size_t len;
	unsigned d = 0;

	/* Read as UTF-8, flagged, never a failure. */
	LM_CHECK(lm_mime_conv_string("x-martian", 9, "ok \xc3\xa9\xff", 6, out,
	                             sizeof out, &len, &d) == 0);
	LM_CHECK_STRN(out, len, "ok \xc3\xa9\xef\xbf\xbd");
	LM_CHECK(d & LM_MIME_DEF_CHARSET);
	LM_CHECK(d & LM_MIME_DEF_INVALID_BYTES);
}

static void
t_bounds(void)
{
	/* LM_MIME_CONV_MAX: the worst case of each kind fits. */
	static char in[300], out[LM_MIME_CONV_MAX(300)];
	size_t len;
	unsigned d = 0;

	memset(in, 0xff, sizeof in);
	LM_CHECK(lm_mime_conv_string("utf-8", 5, in, sizeof in, out, sizeof out,
	                             &len, &d) == 0);
	LM_CHECK_EQ(len, 900);
	LM_CHECK(lm_mime_conv_string("utf-8", 5, in, sizeof in, out, 899, &len,
	                             &d) == LM_ERR_BUFFER_TOO_SMALL);
	memset(in, 0x80, sizeof in);
	LM_CHECK(lm_mime_conv_string("windows-1252", 12, in, sizeof in, out,
	                             sizeof out, &len, &d) == 0);
	LM_CHECK_EQ(len, 900);
	/* Truncated sequence at the end: one U+FFFD. */
	LM_CHECK(lm_mime_conv_string("gb18030", 7, "\x81\x30\x81", 3, out,
	                             sizeof out, &len, &d) == 0);
	if (lm_mime_charset_supported(lm_mime_charset_id("gb18030", 7)))
		LM_CHECK_STRN(out, len, "\xef\xbf\xbd");
	LM_CHECK(lm_mime_conv_init(NULL, "x", 1) == LM_ERR_BAD_PARAM);
	lm_mime_conv_free(NULL);
	{
		/* A freed converter refuses work instead of crashing. */
		lm_mime_conv c;
		size_t u, w;
		LM_CHECK(lm_mime_conv_init(&c, "koi8-r", 6) == 0);
		lm_mime_conv_free(&c);
		lm_mime_conv_free(&c);
		LM_CHECK(lm_mime_conv_update(&c, "\xc1", 1, out, sizeof out, &u, &w) ==
		         LM_ERR_BAD_STATE);
		LM_CHECK(lm_mime_conv_final(&c, out, sizeof out, &w) == LM_ERR_BAD_STATE);
	}
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_single_byte_tables),
		LM_TEST(t_multibyte),
		LM_TEST(t_utf7),
		LM_TEST(t_utf8_replacement),
		LM_TEST(t_hand_points),
		LM_TEST(t_names),
		LM_TEST(t_unknown_charset),
		LM_TEST(t_bounds),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
