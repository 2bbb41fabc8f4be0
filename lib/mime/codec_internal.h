/*
 * libmail - lib/mime header codecs: internals shared between charset.c,
 * charset_iconv.c, ew.c, addr.c and param.c. Not installed.
 */
#ifndef LIBMAIL_MIME_CODEC_INTERNAL_H
#define LIBMAIL_MIME_CODEC_INTERNAL_H

#include <stddef.h>

#include "libmail/mime.h"
#include "../core/ascii.h"

/* Build with iconv for the multi-byte charsets (make ICONV=0 drops it). */
#ifndef LM_HAVE_ICONV
#define LM_HAVE_ICONV 1
#endif

/* Charset ids (lm_mime_charset_id()). */
enum {
	LM_CS__UNKNOWN = 0,
	LM_CS__UTF8 = 1,
	LM_CS__ASCII = 2,
	LM_CS__ISO8859_1 = 3,   /* ISO-8859-N is 2 + N; 14 (8859-12) unused */
	LM_CS__ISO8859_16 = 18,
	LM_CS__WIN1250 = 19,    /* Windows-125N is 19 + (N - 1250) */
	LM_CS__WIN1258 = 27,
	LM_CS__KOI8R = 28,
	LM_CS__KOI8U = 29,
	LM_CS__WIN874 = 30,
	LM_CS__FIRST_ICONV = 31,
	LM_CS__GB2312 = 31,
	LM_CS__GBK = 32,
	LM_CS__GB18030 = 33,
	LM_CS__BIG5 = 34,
	LM_CS__BIG5HKSCS = 35,
	LM_CS__SJIS = 36,
	LM_CS__CP932 = 37,
	LM_CS__EUCJP = 38,
	LM_CS__ISO2022JP = 39,
	LM_CS__EUCKR = 40,
	LM_CS__CP949 = 41,
	LM_CS__UTF16 = 42,
	LM_CS__UTF16BE = 43,
	LM_CS__UTF16LE = 44,
	LM_CS__UTF7 = 45,
	LM_CS__COUNT = 46
};

/* iconv behind a small interface (charset_iconv.c). Host only:
 * iconv_open() allocates. */
/* Open a converter from charset id to UTF-8: the handle, or NULL when
 * this build or this iconv cannot convert it. */
void *lm_mime__iconv_open(int id);
/* Convert in[0..n) to out[0..cap). Returns 0 when all input was used or
 * out is full (*used < n), 1 when in[*used..n) is an incomplete
 * sequence, 2 when in[*used] starts an illegal sequence. */
int lm_mime__iconv_step(void *h, const unsigned char *in, size_t n,
                        unsigned char *out, size_t cap, size_t *used,
                        size_t *written);
/* Back to the initial shift state. */
void lm_mime__iconv_reset(void *h);
void lm_mime__iconv_close(void *h);

/* Append the UTF-8 form of cp (< 0x110000, no surrogate) to out;
 * returns the length (1..4). */
size_t lm_mime__utf8_put(unsigned char *out, unsigned long cp);

/* A growing output buffer that remembers overflow. */
typedef struct {
	char *p;
	size_t cap;
	size_t len;
	int full;       /* something did not fit */
} lm_mime__out;

void lm_mime__out_put(lm_mime__out *o, const void *p, size_t n);
/* Convert in[0..n) with c and append (update only, no final). */
void lm_mime__out_conv(lm_mime__out *o, lm_mime_conv *c, const void *in,
                       size_t n);
/* Finish c into o. */
void lm_mime__out_conv_final(lm_mime__out *o, lm_mime_conv *c);
/* Append raw text taken as UTF-8 (invalid bytes become U+FFFD), with
 * CR and LF dropped; ORs LM_MIME_DEF_INVALID_BYTES into *defects. */
void lm_mime__out_text(lm_mime__out *o, const unsigned char *p, size_t n,
                       unsigned *defects);

/*
 * Incremental RFC 2047 decoder: the caller feeds white space, plain
 * text and candidate words in order; white space between two encoded
 * words is dropped, and adjacent words of one charset share one
 * converter (so a character split between them comes out whole).
 * Slices given to ws() must stay valid until the next call.
 */
typedef struct {
	lm_mime__out *o;
	unsigned *defects;
	lm_mime_conv conv;
	int active;                 /* conv holds a run of words */
	int csid;                   /* its charset id */
	int last_ew;                /* the last thing fed was a decoded word */
	const unsigned char *ws;    /* pending white space */
	size_t wsn;
	size_t clean;               /* o->p[0..clean) checked for CR/LF */
} lm_mime__ewd;

void lm_mime__ewd_init(lm_mime__ewd *d, lm_mime__out *o, unsigned *defects);
void lm_mime__ewd_ws(lm_mime__ewd *d, const unsigned char *p, size_t n);
void lm_mime__ewd_text(lm_mime__ewd *d, const unsigned char *p, size_t n);
/* A white-space-free token: encoded words in it are decoded (words
 * glued to other text set LM_MIME_DEF_EW_PLACEMENT), the rest is text. */
void lm_mime__ewd_token(lm_mime__ewd *d, const unsigned char *p, size_t n);
void lm_mime__ewd_end(lm_mime__ewd *d);

/* Length of the RFC 2047 encoded word at p[0..n) (white-space free,
 * from "=?" to "?="), or 0 when there is none. */
size_t lm_mime__ew_len(const unsigned char *p, size_t n);

/*
 * RFC 2047 decoding of unstructured text p[0..n) into o (CR and LF
 * dropped). Used by lm_mime_ew_decode() and for quoted parameter
 * values and quoted display names.
 */
void lm_mime__ew_decode(lm_mime__out *o, const unsigned char *p, size_t n,
                        unsigned *defects);

#endif
