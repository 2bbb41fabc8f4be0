/*
 * libmail - RFC 2047 encoded words: decoding (B and Q, adjacent words,
 * characters split across words, unknown charsets, malformed words) and
 * the public face of the composer's encoder (hdr.c).
 */
#include <string.h>

#include "libmail/mime.h"
#include "codec_internal.h"
#include "internal.h"

/* Longest charset name (with "*lang") looked at in a word. */
#define EW_CHARSET_MAX 64

/* A parsed encoded word. */
typedef struct {
	const unsigned char *cs;    /* charset, without "*lang" */
	size_t csn;
	int b;                      /* B (else Q) */
	const unsigned char *text;
	size_t tn;
	size_t len;                 /* whole word, "=?" to "?=" */
} ew_word;

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* An encoded word at p[0..n) (white-space free): 1 and *w, else 0. */
static int
ew_parse(const unsigned char *p, size_t n, ew_word *w)
{
	size_t i = 2, cs0, k;

	if (n < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	cs0 = i;
	while (i < n && p[i] != '?' && p[i] > 0x20 && p[i] < 0x7F)
		i++;
	if (i == cs0 || i >= n || p[i] != '?' || i - cs0 > EW_CHARSET_MAX)
		return 0;
	w->cs = p + cs0;
	w->csn = i - cs0;
	for (k = 0; k < w->csn; k++)
		if (w->cs[k] == '*') {
			w->csn = k; /* RFC 2231 5: charset*language */
			break;
		}
	if (w->csn == 0)
		return 0;
	i++;
	if (i + 1 >= n || p[i + 1] != '?')
		return 0;
	if (p[i] == 'B' || p[i] == 'b')
		w->b = 1;
	else if (p[i] == 'Q' || p[i] == 'q')
		w->b = 0;
	else
		return 0;
	i += 2;
	w->text = p + i;
	while (i < n && p[i] != '?' && p[i] > 0x20 && p[i] < 0x7F)
		i++;
	if (i + 1 >= n || p[i] != '?' || p[i + 1] != '=')
		return 0;
	w->tn = (size_t)(p + i - w->text);
	w->len = i + 2;
	return 1;
}

/* see codec_internal.h */
size_t
lm_mime__ew_len(const unsigned char *p, size_t n)
{
	ew_word w;

	return ew_parse(p, n, &w) ? w.len : 0;
}

/* 1 if the B text is base64 this decoder accepts: alphabet characters,
 * then at most two '=' (missing padding tolerated). */
static int
b_valid(const unsigned char *t, size_t n)
{
	size_t i = 0, pad = 0, data;

	while (i < n && b64val(t[i]) >= 0)
		i++;
	data = i;
	while (i < n && t[i] == '=')
		i++, pad++;
	if (i != n || pad > 2)
		return 0;
	/* One leftover character cannot hold a byte. */
	return data % 4 != 1;
}

/* see codec_internal.h */
void
lm_mime__ewd_init(lm_mime__ewd *d, lm_mime__out *o, unsigned *defects)
{
	memset(d, 0, sizeof *d);
	d->o = o;
	d->defects = defects;
	d->clean = o->len;
}

/* CR and LF that encoded words decoded to become spaces: a decoded
 * value never breaks a header line (nor the caller's display). */
static void
ewd_clean(lm_mime__ewd *d)
{
	size_t i;

	for (i = d->clean; i < d->o->len; i++)
		if (d->o->p[i] == '\r' || d->o->p[i] == '\n')
			d->o->p[i] = ' ';
	d->clean = d->o->len;
}

static void
ewd_close(lm_mime__ewd *d)
{
	if (!d->active)
		return;
	lm_mime__out_conv_final(d->o, &d->conv);
	ewd_clean(d);
	*d->defects |= lm_mime_conv_defects(&d->conv);
	lm_mime_conv_free(&d->conv);
	d->active = 0;
}

static void
ewd_flush_ws(lm_mime__ewd *d)
{
	size_t i;

	for (i = 0; i < d->wsn; i++)
		if (d->ws[i] != '\r' && d->ws[i] != '\n')
			lm_mime__out_put(d->o, d->ws + i, 1);
	d->wsn = 0;
}

/* see codec_internal.h */
void
lm_mime__ewd_ws(lm_mime__ewd *d, const unsigned char *p, size_t n)
{
	if (d->wsn > 0) {
		/* Two runs in a row (only from callers that split): the
		 * earlier one is not between words. */
		ewd_close(d);
		ewd_flush_ws(d);
	}
	d->ws = p;
	d->wsn = n;
}

/* see codec_internal.h */
void
lm_mime__ewd_text(lm_mime__ewd *d, const unsigned char *p, size_t n)
{
	if (n == 0)
		return;
	ewd_close(d);
	ewd_flush_ws(d);
	lm_mime__out_text(d->o, p, n, d->defects);
	d->last_ew = 0;
}

/* Decode one well-formed word. The bytes of a word in an unknown
 * charset are kept as they are and read as UTF-8 (what Python's email
 * package shows too). */
static void
ewd_word(lm_mime__ewd *d, const ew_word *w, const unsigned char *raw)
{
	unsigned char buf[96];
	size_t bl = 0, i;
	int id = lm_mime_charset_id((const char *)w->cs, w->csn);

	if (w->b && !b_valid(w->text, w->tn)) {
		*d->defects |= LM_MIME_DEF_EW_MALFORMED;
		lm_mime__ewd_text(d, raw, w->len);
		return;
	}
	if (!(d->active && d->csid == id)) {
		/* A new run: open its converter first (for iconv charsets
		 * that is where "not supported" shows). An unknown charset
		 * gets a converter that reads the bytes as UTF-8. */
		lm_mime_conv nc;
		(void)lm_mime_conv_init_id(&nc, id);
		if (lm_mime_conv_defects(&nc) & LM_MIME_DEF_CHARSET)
			id = 0;
		if (d->active && d->csid == id) {
			lm_mime_conv_free(&nc);
		} else {
			ewd_close(d);
			d->conv = nc;
			d->active = 1;
			d->csid = id;
		}
	}
	if (id == 0)
		*d->defects |= LM_MIME_DEF_CHARSET;
	if (d->last_ew)
		d->wsn = 0; /* RFC 2047 6.2: white space between words goes */
	ewd_flush_ws(d);
	if (w->b) {
		unsigned long acc = 0;
		int bits = 0;
		for (i = 0; i < w->tn && w->text[i] != '='; i++) {
			acc = (acc << 6) | (unsigned long)b64val(w->text[i]);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				buf[bl++] = (unsigned char)(acc >> bits);
				acc &= (1ul << bits) - 1;
			}
			if (bl + 3 >= sizeof buf) {
				lm_mime__out_conv(d->o, &d->conv, buf, bl);
				bl = 0;
			}
		}
	} else {
		for (i = 0; i < w->tn; i++) {
			unsigned char c = w->text[i];
			int h, l;
			if (c == '_') {
				c = ' ';
			} else if (c == '=' && i + 2 < w->tn &&
			           (h = hexval(w->text[i + 1])) >= 0 &&
			           (l = hexval(w->text[i + 2])) >= 0) {
				c = (unsigned char)(h * 16 + l);
				i += 2;
			} else if (c == '=') {
				*d->defects |= LM_MIME_DEF_EW_MALFORMED;
			}
			buf[bl++] = c;
			if (bl == sizeof buf) {
				lm_mime__out_conv(d->o, &d->conv, buf, bl);
				bl = 0;
			}
		}
	}
	lm_mime__out_conv(d->o, &d->conv, buf, bl);
	ewd_clean(d);
	d->last_ew = 1;
}

/* see codec_internal.h */
void
lm_mime__ewd_token(lm_mime__ewd *d, const unsigned char *p, size_t n)
{
	size_t i = 0, s = 0;
	ew_word w;

	while (i + 1 < n) {
		if (p[i] == '=' && p[i + 1] == '?' && ew_parse(p + i, n - i, &w)) {
			if (i != 0 || w.len != n)
				*d->defects |= LM_MIME_DEF_EW_PLACEMENT;
			lm_mime__ewd_text(d, p + s, i - s);
			ewd_word(d, &w, p + i);
			i += w.len;
			s = i;
			continue;
		}
		if (p[i] == '=' && p[i + 1] == '?')
			*d->defects |= LM_MIME_DEF_EW_MALFORMED;
		i++;
	}
	lm_mime__ewd_text(d, p + s, n - s);
}

/* see codec_internal.h */
void
lm_mime__ewd_end(lm_mime__ewd *d)
{
	ewd_close(d);
	ewd_flush_ws(d);
}

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* see codec_internal.h */
void
lm_mime__ew_decode(lm_mime__out *o, const unsigned char *p, size_t n,
                   unsigned *defects)
{
	lm_mime__ewd d;
	size_t i = 0, j;

	lm_mime__ewd_init(&d, o, defects);
	while (i < n) {
		j = i;
		if (is_ws(p[i])) {
			while (j < n && is_ws(p[j]))
				j++;
			lm_mime__ewd_ws(&d, p + i, j - i);
		} else {
			while (j < n && !is_ws(p[j]))
				j++;
			lm_mime__ewd_token(&d, p + i, j - i);
		}
		i = j;
	}
	lm_mime__ewd_end(&d);
}

/* see mime.h */
int
lm_mime_ew_decode(const char *in, size_t n, char *out, size_t cap,
                  size_t *outlen, unsigned *defects)
{
	lm_mime__out o;
	unsigned def = 0;

	if ((in == NULL && n > 0) || (out == NULL && cap > 0) || outlen == NULL)
		return LM_ERR_BAD_PARAM;
	o.p = out;
	o.cap = cap;
	o.len = 0;
	o.full = 0;
	lm_mime__ew_decode(&o, (const unsigned char *)in, n, &def);
	if (defects)
		*defects |= def;
	*outlen = o.len;
	return o.full ? LM_ERR_BUFFER_TOO_SMALL : 0;
}

/* see mime.h */
int
lm_mime_ew_encode(const char *text, size_t col, char *out, size_t cap,
                  size_t *outlen)
{
	lm_mime_compose_pos save;
	lm_mime__w w;
	size_t n, i;
	int done;

	if (text == NULL || (out == NULL && cap > 0) || outlen == NULL ||
	    col > 76)
		return LM_ERR_BAD_PARAM;
	n = strlen(text);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return LM_ERR_BAD_PARAM;
	}
	if (!lm_core__utf8_valid(text, n))
		return LM_ERR_BAD_PARAM;
	memset(&save, 0, sizeof save);
	save.col = col;
	lm_mime__w_init(&w, (unsigned char *)out, cap, 0, &save);
	lm_mime__w_text_begin(&w, text);
	done = lm_mime__w_text(&w, text);
	*outlen = w.len;
	if (!done || w.total > cap)
		return LM_ERR_BUFFER_TOO_SMALL;
	return 0;
}
