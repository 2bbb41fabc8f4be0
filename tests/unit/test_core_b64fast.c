/*
 * Differential tests of the base64 table fast paths: random inputs
 * (valid, wrapped in CRLF lines, with junk, with '=' in odd places,
 * truncated) through lm_b64_dec_update() in random pieces and output
 * capacities must give exactly the output, defects, return codes and
 * error offsets of the byte-at-a-time careful path
 * (lm_core__b64_dec_update_careful), in strict and lenient mode; the
 * one-shot decoder must agree with the strict careful stream; the
 * one-shot encoder with the byte-at-a-time streaming encoder; and
 * random bytes must round-trip. Everything runs with the SIMD kernels
 * (where the CPU has them) and again with the portable table path.
 */
#include <stdlib.h>
#include <string.h>

#include "libmail/core.h"
#include "libmail/error.h"
#include "core/internal.h"
#include "test.h"

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)((rng_state >> 11) % bound);
}

#define MAXN 4096

typedef struct {
	int r;              /* first non-zero update result, else final's */
	size_t err_at;      /* input offset of a strict error */
	size_t len;
	lm_b64_defects def;
	unsigned char out[MAXN];
} result;

typedef int (*update_fn)(lm_b64_dec *, const char *, size_t, void *, size_t,
                         size_t *, size_t *);

/* Stream in through update in pieces of 1..maxpiece bytes with 1..maxcap
 * bytes of output room per call (0 = unlimited). */
static void
run(update_fn upd, unsigned flags, const char *in, size_t n, unsigned maxpiece,
    unsigned maxcap, result *res)
{
	lm_b64_dec d;
	size_t off = 0, used, w;
	int r = 0;

	memset(res, 0, sizeof *res);
	lm_b64_dec_init(&d, flags);
	while (off < n) {
		size_t piece = maxpiece ? 1 + rnd(maxpiece) : n - off;
		size_t cap = maxcap ? 1 + rnd(maxcap) : MAXN - res->len;
		if (piece > n - off)
			piece = n - off;
		if (cap > MAXN - res->len)
			cap = MAXN - res->len;
		r = upd(&d, in + off, piece, res->out + res->len, cap, &used, &w);
		res->len += w;
		off += used;
		if (r != 0) {
			res->err_at = off;
			break;
		}
	}
	if (r == 0) {
		do {
			size_t cap = maxcap ? 1 + rnd(maxcap) : MAXN - res->len;
			if (cap > MAXN - res->len)
				cap = MAXN - res->len;
			w = 0;
			r = lm_b64_dec_final(&d, res->out + res->len, cap, &w);
			res->len += w;
		} while (r == LM_ERR_BUFFER_TOO_SMALL);
	}
	res->r = r;
	res->def = *lm_b64_dec_defects(&d);
}

static int
same(const result *a, const result *b)
{
	return a->r == b->r && a->err_at == b->err_at && a->len == b->len &&
	       memcmp(a->out, b->out, a->len) == 0 &&
	       memcmp(&a->def, &b->def, sizeof a->def) == 0;
}

/* A random test input of kind 0..5 into buf; returns its length. */
static size_t
make_input(char *buf, unsigned kind)
{
	unsigned char raw[1200];
	char enc[1700];
	size_t nraw = rnd(sizeof raw), nenc, i, o = 0, col = 0;
	static const char junk[] = "=\r\n \t!-.*\x80\xff\0~_";

	for (i = 0; i < nraw; i++)
		raw[i] = (unsigned char)rnd(256);
	if (lm_b64_encode(raw, nraw, enc, sizeof enc, &nenc) != 0)
		return 0;
	for (i = 0; i < nenc && o < MAXN - 8; i++) {
		if (kind >= 1 && col == 76) {            /* MIME lines */
			buf[o++] = '\r';
			buf[o++] = '\n';
			col = 0;
		}
		if (kind == 2 && rnd(40) == 0)          /* junk anywhere */
			buf[o++] = junk[rnd(sizeof junk - 1)];
		if (kind == 3 && rnd(60) == 0)          /* '=' in odd places */
			buf[o++] = '=';
		if (kind == 4 && rnd(50) == 0)          /* bare LF, spaces */
			buf[o++] = rnd(2) ? '\n' : ' ';
		if (kind == 5 && rnd(100) == 0)         /* lost characters */
			continue;
		buf[o++] = enc[i];
		col++;
	}
	if (kind >= 1 && rnd(2))
		buf[o++] = '\r', buf[o++] = '\n';
	if (kind == 5 && o > 0)
		o -= rnd(o < 5 ? (unsigned)o : 5);
	return o;
}

static void
t_differential_stream(void)
{
	static char in[MAXN];
	static result fast, careful;
	unsigned it, kind, mode;
	int bad = 0;

	for (it = 0; it < 3000 && !bad; it++) {
		size_t n;
		kind = it % 6;
		n = make_input(in, kind);
		for (mode = 0; mode < 2; mode++) {
			unsigned flags = mode ? LM_B64_LENIENT : LM_B64_STRICT;
			run(lm_core__b64_dec_update_careful, flags, in, n, 0, 0, &careful);
			run(lm_b64_dec_update, flags, in, n, 0, 0, &fast);
			if (!same(&fast, &careful))
				bad = 1;
			run(lm_b64_dec_update, flags, in, n, 1 + rnd(200), 0, &fast);
			if (!same(&fast, &careful))
				bad = 2;
			run(lm_b64_dec_update, flags, in, n, 1 + rnd(100), 1 + rnd(12), &fast);
			if (!same(&fast, &careful))
				bad = 3;
			if (bad)
				break;
		}
	}
	LM_CHECK_EQ(bad, 0);
}

/* The one-shot strict decoder succeeds exactly when the strict careful
 * stream does, with the same bytes. */
static void
t_differential_oneshot(void)
{
	static char in[MAXN];
	static unsigned char out[MAXN];
	static result careful;
	unsigned it;
	int bad = 0;

	for (it = 0; it < 3000 && !bad; it++) {
		size_t n = make_input(in, it % 6 == 1 ? 0 : it % 6), len = 0;
		int r = lm_b64_decode(in, n, out, sizeof out, &len);
		run(lm_core__b64_dec_update_careful, LM_B64_STRICT, in, n, 0, 0, &careful);
		if ((r == 0) != (careful.r == 0))
			bad = 1;
		else if (r == 0 && (len != careful.len || memcmp(out, careful.out, len) != 0))
			bad = 2;
	}
	LM_CHECK_EQ(bad, 0);
}

/* One-shot encoder == byte-at-a-time streaming encoder (no wrap), and
 * lenient decoding of the wrapped encoding gives the bytes back. */
static void
t_encode_roundtrip(void)
{
	static unsigned char raw[3000], back[3100];
	static char one[4100], str[4300];
	unsigned it;
	int bad = 0;

	for (it = 0; it < 2000 && !bad; it++) {
		size_t n = rnd(sizeof raw), i, ol, used, w, sl = 0, bl = 0;
		lm_b64_enc e;
		lm_b64_dec d;
		for (i = 0; i < n; i++)
			raw[i] = (unsigned char)rnd(256);
		if (lm_b64_encode(raw, n, one, sizeof one, &ol) != 0 || ol != lm_b64_encoded_len(n))
			bad = 1;
		lm_b64_enc_init(&e, 0);
		for (i = 0; i < n; i += used) {
			lm_b64_enc_update(&e, raw + i, n - i, str + sl, sizeof str - sl, &used, &w);
			sl += w;
		}
		lm_b64_enc_final(&e, str + sl, sizeof str - sl, &w);
		sl += w;
		if (sl != ol || memcmp(one, str, ol) != 0)
			bad = 2;
		/* wrapped, then decoded leniently */
		sl = 0;
		lm_b64_enc_init(&e, LM_B64_WRAP);
		lm_b64_enc_update(&e, raw, n, str, sizeof str, &used, &w);
		sl = w;
		lm_b64_enc_final(&e, str + sl, sizeof str - sl, &w);
		sl += w;
		lm_b64_dec_init(&d, LM_B64_LENIENT);
		lm_b64_dec_update(&d, str, sl, back, sizeof back, &used, &w);
		bl = w;
		lm_b64_dec_final(&d, back + bl, sizeof back - bl, &w);
		bl += w;
		if (used != sl || bl != n || memcmp(back, raw, n) != 0)
			bad = 3;
		/* strict one-shot on the unwrapped text */
		if (lm_b64_decode(one, ol, back, sizeof back, &bl) != 0 || bl != n ||
		    memcmp(back, raw, n) != 0)
			bad = 4;
	}
	LM_CHECK_EQ(bad, 0);
}

/* Hand-worked cases around the fast path's edges: CRLF after each
 * group, a bad byte right after a run of whole groups, padding in the
 * middle. */
static void
t_edges(void)
{
	static const struct {
		const char *in;
		const char *out;
		size_t outlen, invalid, bad_padding;
	} c[] = {
		{ "TWFu\r\nTWFu\r\nTWFu", "ManManMan", 9, 0, 0 },
		{ "TWFuTWFu!TWFu", "ManManMan", 9, 1, 0 },
		{ "TWFuTW!FuTWFu", "ManManMan", 9, 1, 0 },
		{ "TWE=TWFu", "MaMan", 5, 0, 1 },
		{ "TWFuTWFu TWFu\tTWFu", "ManManManMan", 12, 0, 0 },
	};
	size_t k;

	for (k = 0; k < sizeof c / sizeof c[0]; k++) {
		unsigned char out[64];
		size_t used, w, fw;
		lm_b64_dec d;
		const lm_b64_defects *df;
		lm_b64_dec_init(&d, LM_B64_LENIENT);
		LM_CHECK_EQ(lm_b64_dec_update(&d, c[k].in, strlen(c[k].in), out, sizeof out,
		                              &used, &w), 0);
		LM_CHECK_EQ(lm_b64_dec_final(&d, out + w, sizeof out - w, &fw), 0);
		LM_CHECK_EQ(used, strlen(c[k].in));
		LM_CHECK_EQ(w + fw, c[k].outlen);
		LM_CHECK_MEM(out, c[k].out, c[k].outlen);
		df = lm_b64_dec_defects(&d);
		LM_CHECK_EQ(df->invalid, c[k].invalid);
		LM_CHECK_EQ(df->bad_padding, c[k].bad_padding);
	}
}

/* Every byte value at every position of a 96-character run of valid
 * text (so in every lane of a SIMD block and every place of a group),
 * lenient and strict, whole and in pieces. */
static void
t_all_bytes(void)
{
	static char in[96];
	static result fast, careful;
	unsigned b, p, mode;
	int bad = 0;

	for (b = 0; b < 256 && !bad; b++) {
		for (p = 0; p < sizeof in && !bad; p++) {
			memcpy(in, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w"
			           "cXJzdHV2d3h5ejAxMjM0NTY3ODkrLy8vLy8vLy8v", sizeof in);
			in[p] = (char)b;
			for (mode = 0; mode < 2; mode++) {
				unsigned flags = mode ? LM_B64_LENIENT : LM_B64_STRICT;
				run(lm_core__b64_dec_update_careful, flags, in, sizeof in, 0, 0, &careful);
				run(lm_b64_dec_update, flags, in, sizeof in, 0, 0, &fast);
				if (!same(&fast, &careful))
					bad = 1;
				run(lm_b64_dec_update, flags, in, sizeof in, 1 + rnd(50), 0, &fast);
				if (!same(&fast, &careful))
					bad = 2;
			}
		}
	}
	LM_CHECK_EQ(bad, 0);
}

/* The same tests with the SIMD kernels turned off (the portable table
 * path other CPUs take); on CPUs without them both runs take it. */
static void
t_scalar_only(void)
{
	lm_core__b64_simd_off = 1;
	t_all_bytes();
	t_differential_stream();
	t_differential_oneshot();
	t_encode_roundtrip();
	lm_core__b64_simd_off = 0;
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_edges),
		LM_TEST(t_differential_stream),
		LM_TEST(t_differential_oneshot),
		LM_TEST(t_encode_roundtrip),
		LM_TEST(t_all_bytes),
		LM_TEST(t_scalar_only),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
