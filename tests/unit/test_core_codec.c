/*
 * Streaming base64 and quoted-printable codecs.
 *
 * Expected outputs are RFC 4648 section 10 vectors, python3's base64 /
 * binascii output (noted where used), or worked out by hand from RFC
 * 2045 6.7 (each QP rule has its own test). Every vector is also run
 * through the streaming API at every two-way split of the input, byte
 * by byte, and with a 1-byte output buffer, each input chunk placed
 * against a guard page: the output must always be the same.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <string.h>

#include "libmail/core.h"
#include "test.h"

enum { B64E, B64D, QPE, QPD };

typedef struct {
	int kind;
	unsigned flags;
	lm_b64_enc be;
	lm_b64_dec bd;
	lm_qp_enc qe;
	lm_qp_dec qd;
} codec;

static void
c_init(codec *c, int kind, unsigned flags)
{
	c->kind = kind;
	c->flags = flags;
	switch (kind) {
	case B64E: lm_b64_enc_init(&c->be, flags); break;
	case B64D: lm_b64_dec_init(&c->bd, flags); break;
	case QPE: lm_qp_enc_init(&c->qe, flags); break;
	default: lm_qp_dec_init(&c->qd); break;
	}
}

static int
c_update(codec *c, const unsigned char *in, size_t n, unsigned char *out,
         size_t cap, size_t *used, size_t *w)
{
	switch (c->kind) {
	case B64E: return lm_b64_enc_update(&c->be, in, n, (char *)out, cap, used, w);
	case B64D: return lm_b64_dec_update(&c->bd, (const char *)in, n, out, cap, used, w);
	case QPE: return lm_qp_enc_update(&c->qe, in, n, (char *)out, cap, used, w);
	default: return lm_qp_dec_update(&c->qd, (const char *)in, n, out, cap, used, w);
	}
}

static int
c_final(codec *c, unsigned char *out, size_t cap, size_t *w)
{
	switch (c->kind) {
	case B64E: return lm_b64_enc_final(&c->be, (char *)out, cap, w);
	case B64D: return lm_b64_dec_final(&c->bd, out, cap, w);
	case QPE: return lm_qp_enc_final(&c->qe, (char *)out, cap, w);
	default: return lm_qp_dec_final(&c->qd, out, cap, w);
	}
}

#define OUTMAX 4096

/*
 * Run a codec over in[0..n): first chunk in[0..split), then chunks of
 * `step` bytes (0: the rest at once); each update gets at most ocap
 * bytes of output room. Each chunk is copied against a guard page.
 * Returns the first negative code, or 0; out/outlen get the output.
 */
static int
run(int kind, unsigned flags, const void *inp, size_t n, size_t split,
    size_t step, size_t ocap, unsigned char *out, size_t *outlen)
{
	const unsigned char *in = inp;
	codec c;
	size_t pos = 0, o = 0, used, w;
	int r, spins = 0;

	c_init(&c, kind, flags);
	while (pos < n) {
		size_t len = pos < split ? split - pos : (step ? step : n - pos);
		unsigned char *g;
		size_t off = 0;
		if (len > n - pos)
			len = n - pos;
		g = lm_test_guarded(in + pos, len);
		while (off < len) {
			size_t room = OUTMAX - o < ocap ? OUTMAX - o : ocap;
			r = c_update(&c, g + off, len - off, out + o, room, &used, &w);
			o += w;
			off += used;
			if (r < 0) {
				lm_test_unguard(g, len);
				*outlen = o;
				return r;
			}
			if (used == 0 && w == 0 && ++spins > 1000) {
				lm_test_unguard(g, len);
				return -1000; /* no progress */
			}
		}
		lm_test_unguard(g, len);
		pos += len;
	}
	for (;;) {
		size_t room = OUTMAX - o < ocap ? OUTMAX - o : ocap;
		r = c_final(&c, out + o, room, &w);
		o += w;
		if (r != LM_ERR_BUFFER_TOO_SMALL)
			break;
		if (w == 0 && ++spins > 1000)
			return -1000;
	}
	*outlen = o;
	return r;
}

static int split_failures;

/* Check one vector: the whole input in one call, then every split,
 * byte by byte and with 1-byte output room must all give want/wrc. */
static void
check_codec(int kind, unsigned flags, const void *in, size_t n,
            const void *want, size_t wn, int wrc, const char *what)
{
	static unsigned char out[OUTMAX];
	size_t olen, s;
	int r;

	r = run(kind, flags, in, n, 0, 0, OUTMAX, out, &olen);
	if (r != wrc || (wrc == 0 && (olen != wn || memcmp(out, want, wn) != 0))) {
		printf("  %s: whole: rc %d (want %d), got %zu bytes \"%.*s\"\n", what, r, wrc,
		       olen, (int)olen, (const char *)out);
		lm_test__failed_now = 1;
		return;
	}
	for (s = 0; s <= n; s++) {
		r = run(kind, flags, in, n, s, 0, OUTMAX, out, &olen);
		if (r != wrc || (wrc == 0 && (olen != wn || memcmp(out, want, wn) != 0))) {
			printf("  %s: split at %zu differs\n", what, s);
			lm_test__failed_now = 1;
			split_failures++;
			return;
		}
	}
	r = run(kind, flags, in, n, 0, 1, OUTMAX, out, &olen);
	if (r != wrc || (wrc == 0 && (olen != wn || memcmp(out, want, wn) != 0))) {
		printf("  %s: byte by byte differs\n", what);
		lm_test__failed_now = 1;
	}
	r = run(kind, flags, in, n, 0, 1, 1, out, &olen);
	if (r != wrc || (wrc == 0 && (olen != wn || memcmp(out, want, wn) != 0))) {
		printf("  %s: 1-byte output room differs\n", what);
		lm_test__failed_now = 1;
	}
	r = run(kind, flags, in, n, 0, 7, 3, out, &olen);
	if (r != wrc || (wrc == 0 && (olen != wn || memcmp(out, want, wn) != 0))) {
		printf("  %s: 7-byte chunks, 3-byte room differs\n", what);
		lm_test__failed_now = 1;
	}
}

#define CHECK_S(kind, flags, in, want, what) \
	check_codec(kind, flags, in, strlen(in), want, strlen(want), 0, what)

/* ------------------------------------------------------------------ */
/* base64                                                              */
/* ------------------------------------------------------------------ */

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
t_b64_stream_rfc4648(void)
{
	size_t i;
	for (i = 0; i < NVEC; i++) {
		CHECK_S(B64E, 0, rfc4648[i].raw, rfc4648[i].enc, rfc4648[i].raw);
		CHECK_S(B64E, LM_B64_WRAP, rfc4648[i].raw, rfc4648[i].enc, rfc4648[i].raw);
		CHECK_S(B64D, LM_B64_STRICT, rfc4648[i].enc, rfc4648[i].raw, rfc4648[i].enc);
		CHECK_S(B64D, LM_B64_LENIENT, rfc4648[i].enc, rfc4648[i].raw, rfc4648[i].enc);
	}
}

/* python3 -c 'import base64; print(base64.encodebytes(bytes(range(256))))',
 * newlines turned into CRLF, the final one dropped (documented). */
static const char all256_wrapped[] =
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4\r\n"
	"OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx\r\n"
	"cnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmq\r\n"
	"q6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj\r\n"
	"5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";

static void
t_b64_stream_wrap(void)
{
	unsigned char raw[256];
	char a58[58], a57[57];
	size_t i;
	for (i = 0; i < 256; i++)
		raw[i] = (unsigned char)i;
	check_codec(B64E, LM_B64_WRAP, raw, 256, all256_wrapped, strlen(all256_wrapped), 0,
	            "all256 wrapped");
	/* The wrapped text decodes back only in lenient mode (CRLF). */
	check_codec(B64D, LM_B64_LENIENT, all256_wrapped, strlen(all256_wrapped), raw, 256, 0,
	            "all256 lenient");
	check_codec(B64D, LM_B64_STRICT, all256_wrapped, strlen(all256_wrapped), raw, 256,
	            LM_ERR_DECODE, "all256 strict");
	/* 57 bytes are exactly 76 characters: no line break at all. */
	memset(a57, 'a', sizeof a57);
	memset(a58, 'a', sizeof a58);
	check_codec(B64E, LM_B64_WRAP, a57, 57,
	            "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh",
	            76, 0, "57 bytes");
	/* python3: base64.b64encode(b"a"*58), broken after 76 characters */
	CHECK_S(B64E, LM_B64_WRAP, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	        "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh\r\nYQ==",
	        "58 bytes");
	CHECK_S(B64E, 0, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	        "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYQ==",
	        "58 bytes unwrapped");
}

static void
t_b64_stream_strict_errors(void)
{
	static const char *bad[] = {
		"Zg=", "Zg", "Zm9", "Z", "Zg==Zg==", "Z===", "====", "=Zg=", "Zm=v",
		"Zg ==", "Zm9v\r\n", "Zm9v Zm9v", "Zm9\x80", "Zm9*", "Zh==", "Zm9=",
		"Zm9vY", "Zg===",
	};
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		check_codec(B64D, LM_B64_STRICT, bad[i], strlen(bad[i]), "", 0, LM_ERR_DECODE, bad[i]);
}

/* The error is sticky and *used says where the bad byte is. */
static void
t_b64_stream_strict_position(void)
{
	lm_b64_dec d;
	unsigned char out[16];
	size_t used, w;
	lm_b64_dec_init(&d, LM_B64_STRICT);
	LM_CHECK_EQ(lm_b64_dec_update(&d, "Zm9vYm*Fy", 9, out, sizeof out, &used, &w), LM_ERR_DECODE);
	LM_CHECK_EQ(used, 6);
	LM_CHECK_STRN(out, w, "foo");
	LM_CHECK_EQ(lm_b64_dec_update(&d, "Zm9v", 4, out, sizeof out, &used, &w), LM_ERR_DECODE);
	LM_CHECK_EQ(used, 0);
	LM_CHECK_EQ(w, 0);
	LM_CHECK_EQ(lm_b64_dec_final(&d, out, sizeof out, &w), LM_ERR_DECODE);
}

static void
lenient(const char *in, const char *want, size_t inv, size_t pad, size_t miss, size_t trunc)
{
	lm_b64_dec d;
	unsigned char out[64];
	size_t used, w1, w2;
	const lm_b64_defects *df;

	check_codec(B64D, LM_B64_LENIENT, in, strlen(in), want, strlen(want), 0, in);
	lm_b64_dec_init(&d, LM_B64_LENIENT);
	LM_CHECK_EQ(lm_b64_dec_update(&d, in, strlen(in), out, sizeof out, &used, &w1), 0);
	LM_CHECK_EQ(lm_b64_dec_final(&d, out + w1, sizeof out - w1, &w2), 0);
	LM_CHECK_STRN(out, w1 + w2, want);
	df = lm_b64_dec_defects(&d);
	if (df->invalid != inv || df->bad_padding != pad || df->missing_padding != miss ||
	    df->truncated != trunc) {
		printf("  \"%s\": defects %zu %zu %zu %zu\n", in, df->invalid, df->bad_padding,
		       df->missing_padding, df->truncated);
		lm_test__failed_now = 1;
	}
}

static void
t_b64_lenient(void)
{
	/* white space is not a defect */
	lenient("Zm9v\r\nYmFy\r\n", "foobar", 0, 0, 0, 0);
	lenient(" Zm 9v\tYm\nFy ", "foobar", 0, 0, 0, 0);
	/* junk skipped and counted (python3 binascii.a2b_base64 gives foobar too) */
	lenient("Zm9v*Ym!Fy", "foobar", 2, 0, 0, 0);
	lenient("Zm9v\x80Ym\x01" "Fy", "foobar", 2, 0, 0, 0);
	/* missing padding */
	lenient("Zm9vYmE", "fooba", 0, 0, 1, 0);
	lenient("Zg", "f", 0, 0, 1, 0);
	lenient("Zg=", "f", 0, 0, 1, 0);
	lenient("Zg=\r\n", "f", 0, 0, 1, 0);
	/* a lone final character carries 6 bits: dropped */
	lenient("Zm9vY", "foo", 0, 0, 0, 1);
	/* misplaced or surplus '=' */
	lenient("=Zg==", "f", 0, 1, 0, 0);
	lenient("Zg===", "f", 0, 1, 0, 0);
	lenient("Z=g==", "f", 0, 1, 0, 0);
	/* data after padding: decoded as a further group (concatenated parts) */
	lenient("Zg==Zm8=", "ffo", 0, 1, 0, 0);
	lenient("Zg=Zm8=", "ffo", 0, 1, 0, 0);
	/* non-zero pad bits are ignored in lenient mode */
	lenient("Zh==", "f", 0, 0, 0, 0);
	lenient("", "", 0, 0, 0, 0);
	lenient("\r\n", "", 0, 0, 0, 0);
}

/* ------------------------------------------------------------------ */
/* quoted-printable encoder, one test per RFC 2045 6.7 rule            */
/* ------------------------------------------------------------------ */

static char *
rep(char *buf, char c, size_t k, const char *tail)
{
	memset(buf, c, k);
	strcpy(buf + k, tail);
	return buf;
}

/* Rule 2: 33..60 and 62..126 are literal. */
static void
t_qp_rule2_literal(void)
{
	char all[100], want[110];
	size_t i, k = 0;
	for (i = 33; i <= 126; i++)
		if (i != 61)
			all[k++] = (char)i;
	all[k] = 0;
	/* 93 characters: 75 and a soft break, then 18 */
	LM_CHECK_EQ(k, 93);
	memcpy(want, all, 75);
	memcpy(want + 75, "=\r\n", 3);
	strcpy(want + 78, all + 75);
	CHECK_S(QPE, LM_QP_TEXT, all, want, "printable");
	CHECK_S(QPE, LM_QP_TEXT, all + 30, all + 30, "printable 63");
	CHECK_S(QPE, LM_QP_TEXT, "Hello, World!", "Hello, World!", "hello");
	CHECK_S(QPE, LM_QP_TEXT, "", "", "empty");
}

/* Rule 1: '=', controls, DEL and 8-bit bytes are =XX, upper-case hex. */
static void
t_qp_rule1_escape(void)
{
	CHECK_S(QPE, LM_QP_TEXT, "a=b", "a=3Db", "equals");
	/* python3: binascii.b2a_qp(b'\xe4\xf6\xfc') == b'=E4=F6=FC' */
	CHECK_S(QPE, LM_QP_TEXT, "\xe4\xf6\xfc", "=E4=F6=FC", "latin1");
	CHECK_S(QPE, LM_QP_TEXT, "\x7f\x01\x1b\xff", "=7F=01=1B=FF", "controls");
	check_codec(QPE, LM_QP_TEXT, "a\0b", 3, "a=00b", 5, 0, "nul");
}

/* Rule 3: SP and HT are literal inside a line, encoded at its end. */
static void
t_qp_rule3_whitespace(void)
{
	CHECK_S(QPE, LM_QP_TEXT, "a b\tc", "a b\tc", "inner");
	CHECK_S(QPE, LM_QP_TEXT, "foo \r\nbar\t\r\n", "foo=20\r\nbar=09\r\n", "before CRLF");
	CHECK_S(QPE, LM_QP_TEXT, "foo \nbar\t\n", "foo=20\r\nbar=09\r\n", "before LF");
	CHECK_S(QPE, LM_QP_TEXT, "foo ", "foo=20", "at the end");
	CHECK_S(QPE, LM_QP_TEXT, "foo  \t", "foo  =09", "run at the end");
	CHECK_S(QPE, LM_QP_TEXT, " \r\n", "=20\r\n", "alone");
	/* a space before a bare CR is not at the end of the line */
	CHECK_S(QPE, LM_QP_TEXT, "a \r\r\n", "a =0D\r\n", "before bare CR");
	CHECK_S(QPE, LM_QP_BINARY, "a b ", "a b=20", "binary end");
}

/* Rule 4: line breaks. Text mode: CRLF stays, bare LF becomes CRLF,
 * bare CR is =0D. Binary mode: CR and LF are data. */
static void
t_qp_rule4_breaks(void)
{
	CHECK_S(QPE, LM_QP_TEXT, "a\r\nb\r\n", "a\r\nb\r\n", "crlf");
	CHECK_S(QPE, LM_QP_TEXT, "a\nb\n", "a\r\nb\r\n", "lf");
	CHECK_S(QPE, LM_QP_TEXT, "\n\r\n\n", "\r\n\r\n\r\n", "empty lines");
	CHECK_S(QPE, LM_QP_TEXT, "a\rb", "a=0Db", "bare cr");
	CHECK_S(QPE, LM_QP_TEXT, "a\r", "a=0D", "final cr");
	CHECK_S(QPE, LM_QP_TEXT, "\r\r\n", "=0D\r\n", "cr crlf");
	/* python3: binascii.b2a_qp(b'a\r\nb\n', istext=False) == b'a=0D=0Ab=0A' */
	CHECK_S(QPE, LM_QP_BINARY, "a\r\nb\n", "a=0D=0Ab=0A", "binary");
}

/* Rule 5: encoded lines are at most 76 characters. */
static void
t_qp_rule5_soft_breaks(void)
{
	char in[200], want[200], w2[200];

	/* 76 characters fit on a line that ends there (python3's quopri agrees) */
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 76, "\r\n"), rep(want, 'a', 76, "\r\n"), "76+crlf");
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 76, ""), rep(want, 'a', 76, ""), "76 at end");
	/* 77: 75 and the '=' (python3 quopri.encodestring gives the same) */
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 77, "\r\n"), rep(want, 'a', 75, "=\r\naa\r\n"), "77");
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 77, ""), rep(want, 'a', 75, "=\r\naa"), "77 at end");
	/* an =XX is never split; a line that goes on keeps room for '=' */
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 74, "\xff" "b"), rep(want, 'a', 74, "=\r\n=FFb"), "74+hex");
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 73, "\xff" "b"), rep(want, 'a', 73, "=\r\n=FFb"), "73+hex");
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 72, "\xff" "bc"), rep(want, 'a', 72, "=FF=\r\nbc"), "72+hex");
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 72, "\xff" "b"), rep(want, 'a', 72, "=FFb"), "72+hex+b end");
	/* at the end of a line the =XX may reach column 76 */
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 73, "\xff"), rep(want, 'a', 73, "=FF"), "73+hex end");
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 73, "\xff\r\n"), rep(want, 'a', 73, "=FF\r\n"), "73+hex crlf");
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 74, "\xff"), rep(want, 'a', 74, "=\r\n=FF"), "74+hex end");
	/* trailing space at the limit: =20 would make 78 characters (python3's
	 * binascii does emit that over-long line; RFC 2045 forbids it) */
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 75, " \r\n"), rep(want, 'a', 75, "=\r\n=20\r\n"), "75+sp");
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 73, " \r\n"), rep(want, 'a', 73, "=20\r\n"), "73+sp");
	/* a space inside the line just before a soft break stays literal */
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 74, " bc"), rep(want, 'a', 74, " =\r\nbc"), "74+sp+bc");
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 74, " b"), rep(want, 'a', 74, " b"), "74+sp+b end");
	CHECK_S(QPE, LM_QP_TEXT, rep(in, 'a', 75, " b"), rep(want, 'a', 75, "=\r\n b"), "75+sp+b");
	/* the column starts again after a hard break */
	rep(in, 'a', 76, "\r\n");
	strcat(in, rep(w2, 'b', 76, ""));
	rep(want, 'a', 76, "\r\n");
	strcat(want, w2);
	CHECK_S(QPE, LM_QP_TEXT, in, want, "two 76 lines");
	/* binary: 80 x (python3: b2a_qp(b'x'*80, istext=False)) */
	CHECK_S(QPE, LM_QP_BINARY, rep(in, 'x', 80, ""), rep(want, 'x', 75, "=\r\nxxxxx"), "binary 80");
	/* binary: CRLF pairs are 6 characters each; 13 of them are 78 */
	CHECK_S(QPE, LM_QP_BINARY, "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n",
	        "=0D=0A=0D=0A=0D=0A=0D=0A=0D=0A=0D=0A=0D=0A=0D=0A=0D=0A=0D=0A=0D=0A=0D=0A=0D=\r\n=0A",
	        "binary crlf");
}

/* Every output line of a long mixed input is <= 76 characters and only
 * soft-broken lines end in '='; decoding gives the input back. */
static void
t_qp_lines_and_roundtrip(void)
{
	static unsigned char in[3000], enc[12000], dec[6000];
	size_t i, n = sizeof in, elen, dlen, col = 0;
	unsigned x = 12345;
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		in[i] = (unsigned char)(x >> 16);
	}
	LM_CHECK_EQ(lm_qp_encode(in, n, LM_QP_BINARY, (char *)enc, sizeof enc, &elen), 0);
	LM_CHECK(elen <= 3 * n + 3 * (n / 25) + 3);
	for (i = 0; i < elen; i++) {
		if (enc[i] == '\r') {
			LM_CHECK(i + 1 < elen && enc[i + 1] == '\n');
			LM_CHECK(i > 0 && enc[i - 1] == '=');
			LM_CHECK(col <= 76);
			col = 0;
			i++;
			continue;
		}
		LM_CHECK(enc[i] != '\n');
		col++;
	}
	LM_CHECK(col <= 76);
	LM_CHECK_EQ(lm_qp_decode((char *)enc, elen, dec, sizeof dec, &dlen, NULL), 0);
	LM_CHECK_EQ(dlen, n);
	LM_CHECK_MEM(dec, in, n);
	/* at every split, byte by byte and with small outputs the streaming
	 * codecs give what the one-shot calls give */
	LM_CHECK_EQ(lm_qp_encode(in, 300, LM_QP_BINARY, (char *)enc, sizeof enc, &elen), 0);
	check_codec(QPE, LM_QP_BINARY, in, 300, enc, elen, 0, "random 300");
	check_codec(QPD, 0, enc, elen, in, 300, 0, "random 300 back");
}

/* A German paragraph (ISO-8859-1) and its encoding by python3's
 * quopri.encodestring(), newlines turned into CRLF. */
static const char qp_de_raw[] =
	"Gr\xfc" "\xdf" "e aus M\xfc" "nchen! Dies ist eine l\xe4" "ngere Zeile, die \xfc" "ber die Grenze von 76 Zeichen hinausgeht, damit weiche Umbr\xfc" "che n\xf6" "tig werden.\n"
	"Zweite Zeile mit = Gleichheitszeichen\x09" "und Tab.\n"
	"\n"
	"Ende.";
static const char qp_de_enc[] =
	"Gr=FC=DFe aus M=FCnchen! Dies ist eine l=E4ngere Zeile, die =FCber die Gren=\x0d" "\n"
	"ze von 76 Zeichen hinausgeht, damit weiche Umbr=FCche n=F6tig werden.\x0d" "\n"
	"Zweite Zeile mit =3D Gleichheitszeichen\x09" "und Tab.\x0d" "\n"
	"\x0d" "\n"
	"Ende.";

static void
t_qp_python_oracle(void)
{
	char crlf[512];
	size_t i, k = 0;
	CHECK_S(QPE, LM_QP_TEXT, qp_de_raw, qp_de_enc, "quopri paragraph");
	for (i = 0; qp_de_raw[i]; i++) {
		if (qp_de_raw[i] == '\n')
			crlf[k++] = '\r';
		crlf[k++] = qp_de_raw[i];
	}
	crlf[k] = 0;
	CHECK_S(QPE, LM_QP_TEXT, crlf, qp_de_enc, "quopri paragraph, CRLF input");
	CHECK_S(QPD, 0, qp_de_enc, crlf, "quopri paragraph decoded");
}

/* ------------------------------------------------------------------ */
/* quoted-printable decoder                                            */
/* ------------------------------------------------------------------ */

static void
qpd(const char *in, const char *want, size_t bad, size_t lower)
{
	lm_qp_defects df;
	unsigned char out[256];
	size_t olen = 0;
	check_codec(QPD, 0, in, strlen(in), want, strlen(want), 0, in);
	LM_CHECK_EQ(lm_qp_decode(in, strlen(in), out, sizeof out, &olen, &df), 0);
	LM_CHECK_STRN(out, olen, want);
	if (df.bad_escape != bad || df.lowercase_hex != lower) {
		printf("  \"%s\": defects %zu %zu\n", in, df.bad_escape, df.lowercase_hex);
		lm_test__failed_now = 1;
	}
}

static void
t_qp_decode_escapes(void)
{
	qpd("a=3Db", "a=b", 0, 0);
	qpd("=E4=F6=FC", "\xe4\xf6\xfc", 0, 0);
	qpd("=e4=E4=eF", "\xe4\xe4\xef", 0, 2);
	qpd("plain text", "plain text", 0, 0);
	qpd("", "", 0, 0);
}

static void
t_qp_decode_nul(void)
{
	unsigned char out[8];
	size_t olen;
	LM_CHECK_EQ(lm_qp_decode("a=00b", 5, out, sizeof out, &olen, NULL), 0);
	LM_CHECK_EQ(olen, 3);
	LM_CHECK_MEM(out, "a\0b", 3);
}

static void
t_qp_decode_soft_breaks(void)
{
	qpd("foo=\r\nbar", "foobar", 0, 0);
	qpd("foo=\nbar", "foobar", 0, 0);
	qpd("foo= \t\r\nbar", "foobar", 0, 0);
	qpd("foo=  \nbar", "foobar", 0, 0);
	qpd("foo=", "foo", 0, 0);
	qpd("foo= ", "foo", 0, 0);
	qpd("foo=\r", "foo", 0, 0);
	qpd("a =\r\nb", "a b", 0, 0); /* the space is data */
}

static void
t_qp_decode_hard_breaks(void)
{
	qpd("a\r\nb\r\n", "a\r\nb\r\n", 0, 0);
	qpd("a\nb\n", "a\r\nb\r\n", 0, 0);
	qpd("a\rb", "a\rb", 0, 0);
	qpd("a\r", "a\r", 0, 0);
	qpd("a\r\r\n", "a\r\r\n", 0, 0);
}

static void
t_qp_decode_trailing_ws(void)
{
	qpd("foo  \r\nbar\t\n", "foo\r\nbar\r\n", 0, 0);
	qpd("foo \t ", "foo", 0, 0);
	qpd("a \tb", "a \tb", 0, 0);
	qpd("a =3D", "a =", 0, 0);
	qpd("a \rb", "a \rb", 0, 0);
	qpd("a=20\r\n", "a \r\n", 0, 0); /* encoded space is data */
}

static void
t_qp_decode_lone_equals(void)
{
	qpd("a=zb", "a=zb", 1, 0);
	qpd("a=4z", "a=4z", 1, 0);
	qpd("a=4", "a=4", 1, 0);
	qpd("a==3D", "a==", 1, 0);
	qpd("= x", "= x", 1, 0);
	qpd("=  x  ", "=  x", 1, 0);
	qpd("a=\rb", "a=\rb", 1, 0);
	qpd("a=4\r\n", "a=4\r\n", 1, 0);
	qpd("100% =G", "100% =G", 1, 0);
}

static void
t_qp_decode_long_ws(void)
{
	char in[200], want[200];
	/* a run longer than LM_QP_WS_MAX before a break: the excess is kept */
	rep(in, ' ', LM_QP_WS_MAX + 6, "\r\nx");
	rep(want, ' ', 6, "\r\nx");
	qpd(in, want, 0, 0);
	rep(in, ' ', 150, "x");
	qpd(in, in, 0, 0);
	/* the same after '=': no soft break, a lone '=' */
	in[0] = '=';
	rep(in + 1, ' ', LM_QP_WS_MAX + 2, "x");
	want[0] = '=';
	rep(want + 1, ' ', LM_QP_WS_MAX + 2, "x");
	qpd(in, want, 1, 0);
}

/* Text round trip: decoding the encoding gives the input with every
 * line break as CRLF. */
static void
t_qp_text_roundtrip(void)
{
	static const char in[] =
		"Gr\xc3\xbc\xc3\x9f" "e, =Welt= \n"
		"\tindented line with trailing tab\t\n"
		"A very long line that goes on and on and on well past the seventy-six character limit of RFC 2045.\r\n"
		"\n.\nFrom here\r";
	static const char want[] =
		"Gr\xc3\xbc\xc3\x9f" "e, =Welt= \r\n"
		"\tindented line with trailing tab\t\r\n"
		"A very long line that goes on and on and on well past the seventy-six character limit of RFC 2045.\r\n"
		"\r\n.\r\nFrom here\r";
	char enc[1024];
	unsigned char dec[1024];
	size_t elen, dlen;
	LM_CHECK_EQ(lm_qp_encode(in, strlen(in), LM_QP_TEXT, enc, sizeof enc, &elen), 0);
	LM_CHECK_EQ(lm_qp_decode(enc, elen, dec, sizeof dec, &dlen, NULL), 0);
	LM_CHECK_STRN(dec, dlen, want);
	check_codec(QPD, 0, enc, elen, want, strlen(want), 0, "text roundtrip");
}

static void
t_qp_oneshot_errors(void)
{
	char out[9];
	size_t olen;
	LM_CHECK_EQ(lm_qp_encode("\xff\xff\xff", 3, LM_QP_TEXT, out, 8, &olen), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(lm_qp_encode("\xff\xff\xff", 3, LM_QP_TEXT, out, 9, &olen), 0);
	LM_CHECK_STRN(out, olen, "=FF=FF=FF");
	LM_CHECK_EQ(lm_qp_encode("abc", 3, LM_QP_TEXT, out, 3, &olen), 0);
	LM_CHECK_EQ(lm_qp_encode("abc", 3, LM_QP_TEXT, out, 2, &olen), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(lm_qp_encode(NULL, 3, LM_QP_TEXT, out, 8, &olen), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_qp_encode("a", 1, LM_QP_TEXT, out, 8, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_qp_decode("a\nb", 3, out, 3, &olen, NULL), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(lm_qp_decode("a\nb", 3, out, 4, &olen, NULL), 0);
	LM_CHECK_EQ(lm_qp_decode(NULL, 1, out, 4, &olen, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_qp_encode(NULL, 0, LM_QP_TEXT, NULL, 0, &olen), 0);
	LM_CHECK_EQ(olen, 0);
}

static void
t_stream_params(void)
{
	lm_b64_enc be;
	lm_b64_dec bd;
	lm_qp_enc qe;
	lm_qp_dec qd;
	char out[4];
	size_t u, w;
	lm_b64_enc_init(&be, 0);
	lm_b64_dec_init(&bd, 0);
	lm_qp_enc_init(&qe, 0);
	lm_qp_dec_init(&qd);
	LM_CHECK_EQ(lm_b64_enc_update(&be, NULL, 1, out, 4, &u, &w), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_b64_dec_update(&bd, "Zg==", 4, NULL, 4, &u, &w), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_qp_enc_update(&qe, "a", 1, out, 4, NULL, &w), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_qp_dec_update(&qd, "a", 1, out, 4, &u, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_b64_enc_final(&be, out, 4, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_qp_dec_final(NULL, out, 4, &w), LM_ERR_BAD_PARAM);
	/* zero room: nothing consumed while output is pending */
	LM_CHECK_EQ(lm_b64_enc_update(&be, "abcd", 4, out, 0, &u, &w), 0);
	LM_CHECK_EQ(u, 3);
	LM_CHECK_EQ(w, 0);
	LM_CHECK_EQ(lm_b64_enc_update(&be, "d", 1, out, 0, &u, &w), 0);
	LM_CHECK_EQ(u, 0);
	LM_CHECK_EQ(lm_b64_enc_final(&be, out, 4, &w), 0); /* "d" was not taken */
	LM_CHECK_STRN(out, w, "YWJj");
	LM_CHECK_EQ(lm_b64_enc_final(&be, out, 4, &w), 0);
	LM_CHECK_EQ(w, 0);
	/* final with too little room is called again */
	lm_b64_enc_init(&be, 0);
	LM_CHECK_EQ(lm_b64_enc_update(&be, "d", 1, out, 4, &u, &w), 0);
	LM_CHECK_EQ(u, 1);
	LM_CHECK_EQ(w, 0);
	LM_CHECK_EQ(lm_b64_enc_final(&be, out, 2, &w), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_STRN(out, w, "ZA");
	LM_CHECK_EQ(lm_b64_enc_final(&be, out, 4, &w), 0);
	LM_CHECK_STRN(out, w, "==");
}

/* The documented bound on what final() may have to write. */
static void
t_final_max(void)
{
	lm_qp_dec d;
	unsigned char out[LM_CODEC_FINAL_MAX];
	char in[200];
	size_t u, w;
	/* held white space then a bare CR at the end */
	lm_qp_dec_init(&d);
	rep(in, ' ', LM_QP_WS_MAX, "\r");
	LM_CHECK_EQ(lm_qp_dec_update(&d, in, strlen(in), out, 0, &u, &w), 0);
	LM_CHECK_EQ(u, LM_QP_WS_MAX + 1);
	LM_CHECK_EQ(lm_qp_dec_final(&d, out, sizeof out, &w), 0);
	LM_CHECK_EQ(w, LM_QP_WS_MAX + 1);
	/* the largest single step: '=', a full run, CR, then not LF */
	lm_qp_dec_init(&d);
	in[0] = '=';
	rep(in + 1, ' ', LM_QP_WS_MAX, "\r ");
	LM_CHECK_EQ(lm_qp_dec_update(&d, in, strlen(in), out, 0, &u, &w), 0);
	LM_CHECK_EQ(u, strlen(in));
	LM_CHECK_EQ(lm_qp_dec_final(&d, out, sizeof out, &w), 0);
	LM_CHECK_EQ(w, LM_QP_WS_MAX + 2);
	LM_CHECK_EQ(out[0], '=');
	LM_CHECK_EQ(out[LM_QP_WS_MAX + 1], '\r');
}

/* ------------------------------------------------------------------ */
/* randomised properties (fixed seed, so failures reproduce)           */
/* ------------------------------------------------------------------ */

static unsigned rng_state = 20261121u;

static unsigned
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 16) & 0x7fff;
}

/* Like run(), with random chunk sizes and random output room. */
static int
run_rand(int kind, unsigned flags, const unsigned char *in, size_t n,
         unsigned char *out, size_t *outlen)
{
	codec c;
	size_t pos = 0, o = 0, used, w;
	int r;

	c_init(&c, kind, flags);
	while (pos < n) {
		size_t len = 1 + rng() % 40, off = 0;
		unsigned char *g;
		if (len > n - pos)
			len = n - pos;
		g = lm_test_guarded(in + pos, len);
		while (off < len) {
			size_t room = 1 + rng() % 20;
			if (room > OUTMAX - o)
				room = OUTMAX - o;
			r = c_update(&c, g + off, len - off, out + o, room, &used, &w);
			o += w;
			off += used;
			if (r < 0) {
				lm_test_unguard(g, len);
				*outlen = o;
				return r;
			}
		}
		lm_test_unguard(g, len);
		pos += len;
	}
	do {
		size_t room = 1 + rng() % 20;
		if (room > OUTMAX - o)
			room = OUTMAX - o;
		r = c_final(&c, out + o, room, &w);
		o += w;
	} while (r == LM_ERR_BUFFER_TOO_SMALL);
	*outlen = o;
	return r;
}

static void
fill_random(unsigned char *p, size_t n, int textish)
{
	static const char pick[] = "  \t\r\n\n==aZ09.F";
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned r = rng();
		if (textish && r % 3)
			p[i] = (unsigned char)pick[(r >> 2) % (sizeof pick - 1)];
		else
			p[i] = (unsigned char)(r >> 3);
	}
}

/* Same output whole and in random pieces; returns the whole output. */
static void
same_split(int kind, unsigned flags, const unsigned char *in, size_t n,
           unsigned char *out, size_t *olen, int *rc)
{
	static unsigned char out2[OUTMAX];
	size_t olen2;
	int r2;
	*rc = run(kind, flags, in, n, 0, 0, OUTMAX, out, olen);
	r2 = run_rand(kind, flags, in, n, out2, &olen2);
	LM_CHECK_EQ(*rc, r2);
	if (*rc == 0) {
		LM_CHECK_EQ(*olen, olen2);
		LM_CHECK(*olen == olen2 && memcmp(out, out2, olen2) == 0);
	}
}

static void
t_random_properties(void)
{
	static unsigned char in[600], enc[OUTMAX], dec[OUTMAX], want[1200];
	int iter, rc;
	for (iter = 0; iter < 300; iter++) {
		size_t n = rng() % 300, elen, dlen, i, k, col;
		fill_random(in, n, iter & 1);

		/* base64: strict decoding undoes plain encoding, lenient
		 * decoding undoes wrapped encoding */
		same_split(B64E, 0, in, n, enc, &elen, &rc);
		LM_CHECK_EQ(rc, 0);
		same_split(B64D, LM_B64_STRICT, enc, elen, dec, &dlen, &rc);
		LM_CHECK(rc == 0 && dlen == n && memcmp(dec, in, n) == 0);
		same_split(B64E, LM_B64_WRAP, in, n, enc, &elen, &rc);
		same_split(B64D, LM_B64_LENIENT, enc, elen, dec, &dlen, &rc);
		LM_CHECK(rc == 0 && dlen == n && memcmp(dec, in, n) == 0);
		/* lenient decoding of junk: same at any split, never fails */
		same_split(B64D, LM_B64_LENIENT, in, n, dec, &dlen, &rc);
		LM_CHECK_EQ(rc, 0);
		same_split(B64D, LM_B64_STRICT, in, n, dec, &dlen, &rc);

		/* QP binary round trip */
		same_split(QPE, LM_QP_BINARY, in, n, enc, &elen, &rc);
		LM_CHECK_EQ(rc, 0);
		same_split(QPD, 0, enc, elen, dec, &dlen, &rc);
		LM_CHECK(rc == 0 && dlen == n && memcmp(dec, in, n) == 0);

		/* QP text round trip: every LF not after a CR becomes CRLF */
		same_split(QPE, LM_QP_TEXT, in, n, enc, &elen, &rc);
		LM_CHECK_EQ(rc, 0);
		for (i = 0, k = 0; i < n; i++) {
			if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
				want[k++] = '\r';
			want[k++] = in[i];
		}
		same_split(QPD, 0, enc, elen, dec, &dlen, &rc);
		LM_CHECK(rc == 0 && dlen == k && memcmp(dec, want, k) == 0);
		/* encoded text: printable ASCII, SP, HT and CRLF only; lines of
		 * at most 76; no SP/HT before a line end */
		for (i = 0, col = 0; i < elen; i++) {
			unsigned char ch = enc[i];
			if (ch == '\r') {
				LM_CHECK(i + 1 < elen && enc[i + 1] == '\n');
				LM_CHECK(i == 0 || (enc[i - 1] != ' ' && enc[i - 1] != '\t'));
				LM_CHECK(col <= 76);
				col = 0;
				i++;
				continue;
			}
			LM_CHECK((ch >= 33 && ch <= 126) || ch == ' ' || ch == '\t');
			col++;
		}
		LM_CHECK(col <= 76);
		LM_CHECK(elen == 0 || (enc[elen - 1] != ' ' && enc[elen - 1] != '\t'));

		/* QP decoding of junk: same at any split, output <= 2n */
		same_split(QPD, 0, in, n, dec, &dlen, &rc);
		LM_CHECK(rc == 0 && dlen <= 2 * n);
		if (lm_test__failed_now) {
			printf("  iteration %d, n %zu\n", iter, n);
			return;
		}
	}
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_b64_stream_rfc4648),
		LM_TEST(t_b64_stream_wrap),
		LM_TEST(t_b64_stream_strict_errors),
		LM_TEST(t_b64_stream_strict_position),
		LM_TEST(t_b64_lenient),
		LM_TEST(t_qp_rule2_literal),
		LM_TEST(t_qp_rule1_escape),
		LM_TEST(t_qp_rule3_whitespace),
		LM_TEST(t_qp_rule4_breaks),
		LM_TEST(t_qp_rule5_soft_breaks),
		LM_TEST(t_qp_lines_and_roundtrip),
		LM_TEST(t_qp_python_oracle),
		LM_TEST(t_qp_decode_escapes),
		LM_TEST(t_qp_decode_nul),
		LM_TEST(t_qp_decode_soft_breaks),
		LM_TEST(t_qp_decode_hard_breaks),
		LM_TEST(t_qp_decode_trailing_ws),
		LM_TEST(t_qp_decode_lone_equals),
		LM_TEST(t_qp_decode_long_ws),
		LM_TEST(t_qp_text_roundtrip),
		LM_TEST(t_qp_oneshot_errors),
		LM_TEST(t_stream_params),
		LM_TEST(t_final_max),
		LM_TEST(t_random_properties),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
