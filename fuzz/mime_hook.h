/*
 * libmail fuzzing: a hostile but legal lm_mime_to_utf8_fn for the MIME
 * parser harness (fuzz_mime_parser.c, byte 0 bit 0x40), and the checks
 * that the parser keeps the hook's contract (mime.h).
 *
 * The contract has no "used" count and no "want more input" answer:
 * the hook takes every byte it is given, keeps its own state per part,
 * and is told a part ended by one call with in == NULL, n == 0 (the
 * flush). So the hostile but legal moves are: holding the bytes of an
 * incomplete sequence across calls, withholding output (a lag) until a
 * later call or the flush, writing nothing, expanding one byte to four
 * UTF-8 bytes (the most the contract allows: LM_MIME_PARSER_OUTBUF of
 * output for LM_MIME_PARSER_OUTBUF / 4 of input), scribbling past what
 * it reports in out[0..cap), and failing (a negative return, with
 * garbage in *written and out[]) mid-part or at the flush.
 *
 * Its charset, decided by the decoded bytes only (so the output is the
 * same whatever the parser's call boundaries):
 *   00-7f  itself; while "shifted", ASCII letters become fullwidth
 *          (U+FF21.., 3 bytes)
 *   80-bf  U+10000 + 16 b (4 bytes for 1)
 *   c0-df  lead of 2: with any next byte t, U+0800 + (b & 1f) << 8 | t
 *   e0-ef  lead of 3: with t1 t2, U+10000 + (b & 0f) << 16 | t1 << 8 | t2
 *   f0-f7  toggle the shift
 *   f8-fd  lag = 3 (b - f8) bytes of output withheld after each call
 *   fe     invalid: the call fails (the hook resets itself, as the
 *          contract asks of a hook that fails)
 *   ff     U+FFFD (invalid input reported the legal way)
 * The flush writes what was withheld; an incomplete sequence there is
 * U+FFFD when its lead byte is even, and fails the flush when it is odd.
 *
 * Checks per call: never with LM_MIME_PARSE_UTF8 or _RAW; only inside a
 * text leaf (between its HEADERS_END and PART_END), never after that
 * part's failure (not even the flush) or flush, with that part's
 * charset; in == NULL exactly when n == 0, n <= LM_MIME_PARSER_OUTBUF /
 * 4, room for 4 n bytes, in[] and out[] inside the scratch area (out[]
 * inside the parser's output area) and apart. Per part: exactly one
 * flush unless a call failed; BODY data is exactly what the hook wrote
 * (then, after a failure, the failing call's input unconverted and the
 * rest of the part raw); LM_MIME_DEF_CHARSET exactly when a call
 * failed. The BODY data of a failed part depends on where the parser's
 * calls were cut (the failing call's whole input is passed raw), so the
 * harness compares the part's decoded bytes across feed sizes instead
 * (what the hook was given, then what came raw): they must be equal.
 */
#ifndef LIBMAIL_FUZZ_MIME_HOOK_H
#define LIBMAIL_FUZZ_MIME_HOOK_H

#include <limits.h>
#include <string.h>

#include "libmail/mime.h"
#include "fuzz.h"

/* A growing byte string. */
typedef struct {
	unsigned char *p;
	size_t len, cap;
} fz_bytes;

static void
fz_bytes_put(fz_bytes *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t nc = (b->len + n) * 2 + 256;
		unsigned char *np = realloc(b->p, nc);
		FZ_CHECK(np != NULL, "memory");
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* memcmp() == 0 that takes NULL pointers for n == 0 (an empty fz_bytes). */
static int
fz_mem_eq(const void *a, const void *b, size_t n)
{
	return n == 0 || memcmp(a, b, n) == 0;
}

typedef struct {
	/* the hook's own state for the current part */
	unsigned char lead, t1;
	unsigned need, got;        /* trail bytes wanted / seen */
	int shift;
	unsigned lag;
	/* output not yet written: the lag, plus one call's output (at most
	 * 4 bytes per input byte, checked n <= LM_MIME_PARSER_OUTBUF / 4) */
	unsigned char held[LM_MIME_PARSER_OUTBUF + 64];
	size_t nheld;
	/* what the harness knows */
	const lm_mime_parser *p;
	const unsigned char *scratch;
	size_t scratch_len;
	unsigned flags;            /* parser options */
	int hooked;                /* opts.to_utf8 is set */
	int track;                 /* inside a text leaf whose body is checked */
	int failed;                /* 1: a call failed; 2: the flush failed */
	int flushed;
	char charset[LM_MIME_CHARSET_MAX];
	fz_bytes din;              /* what the hook was given (failing call too) */
	size_t din_ok;             /* of which before the failing call */
	fz_bytes dout;             /* what the hook wrote in calls that succeeded */
	fz_bytes body;             /* the part's BODY data */
} fz_hook;

static fz_hook fz_hk;

static void
fz_hook_reset(fz_hook *h)
{
	h->need = h->got = 0;
	h->shift = 0;
	h->lag = 0;
	h->nheld = 0;
}

/* Append code point cp as UTF-8. */
static size_t
fz_put_cp(unsigned char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Convert one byte into h->held; 0, or -1 for the invalid byte. */
static int
fz_hook_byte(fz_hook *h, unsigned char b)
{
	unsigned char *o = h->held + h->nheld;

	FZ_CHECK(h->nheld + 4 <= sizeof h->held, "hook (harness): held[] has room");
	if (h->need > 0) {
		if (h->got++ == 0)
			h->t1 = b;
		if (h->got < h->need)
			return 0;
		if (h->need == 1)
			h->nheld += fz_put_cp(o, 0x800 + ((unsigned long)(h->lead & 0x1f) << 8 | b));
		else
			h->nheld += fz_put_cp(o, 0x10000 + ((unsigned long)(h->lead & 0x0f) << 16 |
			                                   (unsigned long)h->t1 << 8 | b));
		h->need = h->got = 0;
		return 0;
	}
	if (b < 0x80) {
		if (h->shift && ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')))
			h->nheld += fz_put_cp(o, b <= 'Z' ? 0xff21 + (unsigned long)(b - 'A') :
			                                    0xff41 + (unsigned long)(b - 'a'));
		else
			h->nheld += fz_put_cp(o, b);
	} else if (b < 0xc0) {
		h->nheld += fz_put_cp(o, 0x10000 + 16 * (unsigned long)b);
	} else if (b < 0xf0) {
		h->lead = b;
		h->need = b < 0xe0 ? 1 : 2;
		h->got = 0;
	} else if (b < 0xf8) {
		h->shift = !h->shift;
	} else if (b < 0xfe) {
		h->lag = 3u * (unsigned)(b - 0xf8);
	} else if (b == 0xfe) {
		return -1;
	} else {
		h->nheld += fz_put_cp(o, 0xfffd);
	}
	return 0;
}

/* 1 when [a, a + an) lies inside [b, b + bn). */
static int
fz_inside(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	return a >= b && a <= b + bn && an <= (size_t)(b + bn - a);
}

/* Garbage where the parser must not look: after what was reported, and
 * the last byte of the room it gave (which must be writable). */
static void
fz_hook_scribble(unsigned char *out, size_t from, size_t cap)
{
	size_t i;

	for (i = from; i < cap && i < from + 32; i++)
		out[i] = 0xa5;
	if (from < cap)
		out[cap - 1] = 0x5a;
}

static int
fz_hook_fn(void *ud, const char *charset, const unsigned char *in, size_t n,
           unsigned char *out, size_t cap, size_t *written)
{
	fz_hook *h = ud;
	const unsigned char *po = FZ_P(h->p, out);
	size_t i, w;

	FZ_CHECK(h == &fz_hk, "hook: to_utf8_ud passed through");
	FZ_CHECK(!(h->flags & LM_MIME_PARSE_UTF8), "hook: ignored with LM_MIME_PARSE_UTF8");
	FZ_CHECK(!(h->flags & LM_MIME_PARSE_RAW), "hook: not called with LM_MIME_PARSE_RAW");
	FZ_CHECK(h->track, "hook: only inside a text leaf (after HEADERS_END, before PART_END)");
	FZ_CHECK(!h->failed, "hook: no call for a part after its failure, not even the flush");
	FZ_CHECK(!h->flushed, "hook: no call for a part after its flush");
	FZ_CHECK(charset != NULL && strcmp(charset, h->charset) == 0,
	         "hook: the part's charset");
	FZ_CHECK((in == NULL) == (n == 0), "hook: in == NULL exactly for the flush");
	FZ_CHECK(n <= LM_MIME_PARSER_OUTBUF / 4, "hook: at most LM_MIME_PARSER_OUTBUF / 4 bytes in");
	FZ_CHECK(out != NULL && written != NULL && cap >= LM_MIME_PARSER_OUTBUF,
	         "hook: room for LM_MIME_PARSER_OUTBUF bytes out");
	FZ_CHECK(fz_inside(out, cap, po, 2 * LM_MIME_PARSER_OUTBUF),
	         "hook: out[0..cap) inside the parser's output area");
	if (n > 0) {
		FZ_CHECK(fz_inside(in, n, h->scratch, h->scratch_len),
		         "hook: in[0..n) inside the scratch area");
		FZ_CHECK(in + n <= out || out + cap <= in, "hook: in[] and out[] apart");
		fz_bytes_put(&h->din, in, n);
	}
	if (in == NULL) {   /* flush */
		int bad = h->need > 0 && (h->lead & 1);
		if (h->need > 0 && !bad)
			h->nheld += fz_put_cp(h->held + h->nheld, 0xfffd);
		h->flushed = 1;
		if (bad) {
			h->failed = 2;
			fz_hook_reset(h);
			fz_hook_scribble(out, 0, cap);
			*written = cap + 7;
			return -1;
		}
		FZ_CHECK(h->nheld <= cap, "hook (harness): flush fits");
		memcpy(out, h->held, h->nheld);
		*written = h->nheld;
		fz_bytes_put(&h->dout, out, h->nheld);
		fz_hook_reset(h);
		fz_hook_scribble(out, *written, cap);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (fz_hook_byte(h, in[i]) < 0) {
			int shifted = h->shift;
			h->failed = 1;
			h->din_ok = h->din.len - n;
			fz_hook_reset(h);
			fz_hook_scribble(out, 0, cap);
			*written = (size_t)-1;
			return shifted ? INT_MIN : -1;
		}
	}
	/* withhold the lag, and whatever does not fit */
	w = h->nheld > h->lag ? h->nheld - h->lag : 0;
	if (w > cap)
		w = cap;
	memcpy(out, h->held, w);
	memmove(h->held, h->held + w, h->nheld - w);
	h->nheld -= w;
	*written = w;
	fz_bytes_put(&h->dout, out, w);
	fz_hook_scribble(out, w, cap);
	return 0;
}

#endif
