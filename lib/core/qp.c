/*
 * libmail - streaming quoted-printable encoder and decoder (RFC 2045
 * section 6.7), plus one-shot wrappers. Same design as b64stream.c:
 * byte-at-a-time state machines with a small pend[] drained into the
 * caller's buffer.
 */
#include <string.h>

#include "libmail/core.h"
#include "internal.h"

#define QP_LINE 76

static const char hexdig[] = "0123456789ABCDEF";

/* ---------------------------------------------------------------- */
/* Encoder                                                           */
/* ---------------------------------------------------------------- */

/*
 * The encoder holds up to three input bytes (la[]) until it knows
 * whether the first one ends a line: a byte is at the end of a line if
 * a hard break (LF or CR LF, text mode) or the end of the data follows.
 * That decides whether SP/HT must be encoded and whether the byte's
 * token may use column 76 or must leave it for a soft break's '='.
 */

static void
enc_emit_token(lm_qp_enc *e, unsigned char c, int eol)
{
	int literal = (c >= 33 && c <= 126 && c != '=') ||
	              ((c == ' ' || c == '\t') && !eol);
	unsigned t = literal ? 1 : 3;
	unsigned limit = eol ? QP_LINE : QP_LINE - 1;

	if (e->col + t > limit) {
		e->pend[e->npend++] = '=';
		e->pend[e->npend++] = '\r';
		e->pend[e->npend++] = '\n';
		e->col = 0;
	}
	if (literal) {
		e->pend[e->npend++] = c;
	} else {
		e->pend[e->npend++] = '=';
		e->pend[e->npend++] = (unsigned char)hexdig[c >> 4];
		e->pend[e->npend++] = (unsigned char)hexdig[c & 15];
	}
	e->col = (unsigned char)(e->col + t);
}

static void
enc_hard_break(lm_qp_enc *e)
{
	e->pend[e->npend++] = '\r';
	e->pend[e->npend++] = '\n';
	e->col = 0;
}

static void
enc_pop(lm_qp_enc *e, unsigned k)
{
	memmove(e->la, e->la + k, e->nla - k);
	e->nla = (unsigned char)(e->nla - k);
}

/* Settle la[0] if the look-ahead allows (end: no more input will come).
 * Returns 1 if it did, 0 if more input is needed. */
static int
enc_decide(lm_qp_enc *e, int end)
{
	int text = !(e->flags & LM_QP_BINARY);
	unsigned char x;
	int eol;

	if (e->nla == 0)
		return 0;
	x = e->la[0];
	if (text && x == '\n') {
		enc_hard_break(e);
		enc_pop(e, 1);
		return 1;
	}
	if (text && x == '\r' && e->nla >= 2 && e->la[1] == '\n') {
		enc_hard_break(e);
		enc_pop(e, 2);
		return 1;
	}
	if (e->nla < 2) {
		if (!end)
			return 0;
		eol = 1;
	} else if (!text) {
		eol = 0;
	} else if (e->la[1] == '\n') {
		eol = 1;
	} else if (e->la[1] == '\r') {
		if (e->nla < 3) {
			if (!end)
				return 0;
			eol = 0; /* a final bare CR is a token of its own */
		} else {
			eol = e->la[2] == '\n';
		}
	} else {
		eol = 0;
	}
	enc_emit_token(e, x, eol);
	enc_pop(e, 1);
	return 1;
}

/* see core.h */
void
lm_qp_enc_init(lm_qp_enc *e, unsigned flags)
{
	memset(e, 0, sizeof *e);
	e->flags = flags & LM_QP_BINARY;
}

/* see core.h */
int
lm_qp_enc_update(lm_qp_enc *e, const void *in, size_t n,
                 char *out, size_t cap, size_t *used, size_t *written)
{
	const unsigned char *s = in;
	size_t i = 0, w = 0;

	if (e == NULL || used == NULL || written == NULL || (in == NULL && n > 0) ||
	    (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	for (;;) {
		if (lm_core__drain(e->pend, &e->npend, &e->opend, (unsigned char *)out, cap, &w))
			break;
		if (i == n)
			break;
		e->la[e->nla++] = s[i++];
		while (enc_decide(e, 0))
			;
	}
	*used = i;
	*written = w;
	return 0;
}

/* see core.h */
int
lm_qp_enc_final(lm_qp_enc *e, char *out, size_t cap, size_t *written)
{
	size_t w = 0;

	if (e == NULL || written == NULL || (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	if (!lm_core__drain(e->pend, &e->npend, &e->opend, (unsigned char *)out, cap, &w)) {
		while (enc_decide(e, 1))
			;
		lm_core__drain(e->pend, &e->npend, &e->opend, (unsigned char *)out, cap, &w);
	}
	*written = w;
	return e->npend ? LM_ERR_BUFFER_TOO_SMALL : 0;
}

/* ---------------------------------------------------------------- */
/* Decoder                                                           */
/* ---------------------------------------------------------------- */

enum {
	QD_TEXT = 0, /* ordinary text; ws[] may hold a run of SP/HT      */
	QD_CR,       /* text, then CR (ws[] still held)                  */
	QD_EQ,       /* '='                                              */
	QD_EQ_HEX,   /* '=' and one hex digit (h1)                       */
	QD_EQ_WS,    /* '=' and SP/HT (held in ws[]): padding of a soft break? */
	QD_EQ_CR     /* '=' [SP/HT...] CR                                */
};

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

static void
dec_put(lm_qp_dec *d, unsigned char c)
{
	d->pend[d->npend++] = c;
}

static void
dec_flush_ws(lm_qp_dec *d)
{
	memcpy(d->pend + d->npend, d->ws, d->nws);
	d->npend = (unsigned char)(d->npend + d->nws);
	d->nws = 0;
}

static void
dec_hold_ws(lm_qp_dec *d, unsigned char c)
{
	if (d->nws == LM_QP_WS_MAX) {
		/* too long to be transport padding: the oldest byte is data */
		dec_put(d, d->ws[0]);
		memmove(d->ws, d->ws + 1, LM_QP_WS_MAX - 1);
		d->nws--;
	}
	d->ws[d->nws++] = c;
}

static void
dec_hard_break(lm_qp_dec *d)
{
	d->nws = 0; /* trailing white space is deleted */
	dec_put(d, '\r');
	dec_put(d, '\n');
	d->state = QD_TEXT;
}

static void
dec_step(lm_qp_dec *d, unsigned char c)
{
	int v;

	for (;;) {
		switch (d->state) {
		case QD_TEXT:
			if (c == ' ' || c == '\t') {
				dec_hold_ws(d, c);
			} else if (c == '\r') {
				d->state = QD_CR;
			} else if (c == '\n') {
				dec_hard_break(d);
			} else if (c == '=') {
				dec_flush_ws(d);
				d->state = QD_EQ;
			} else {
				dec_flush_ws(d);
				dec_put(d, c);
			}
			return;
		case QD_CR:
			if (c == '\n') {
				dec_hard_break(d);
				return;
			}
			/* bare CR: data, and the white space before it too */
			dec_flush_ws(d);
			dec_put(d, '\r');
			d->state = QD_TEXT;
			continue; /* c again, as text */
		case QD_EQ:
			if (hexval(c) >= 0) {
				d->h1 = c;
				d->state = QD_EQ_HEX;
			} else if (c == '\n') {
				d->state = QD_TEXT; /* soft break */
			} else if (c == '\r') {
				d->state = QD_EQ_CR;
			} else if (c == ' ' || c == '\t') {
				d->ws[d->nws++] = c;
				d->state = QD_EQ_WS;
			} else {
				d->defects.bad_escape++;
				dec_put(d, '=');
				d->state = QD_TEXT;
				continue;
			}
			return;
		case QD_EQ_HEX:
			v = hexval(c);
			if (v >= 0) {
				if ((d->h1 >= 'a' && d->h1 <= 'f') || (c >= 'a' && c <= 'f'))
					d->defects.lowercase_hex++;
				dec_put(d, (unsigned char)(hexval(d->h1) << 4 | v));
				d->state = QD_TEXT;
				return;
			}
			d->defects.bad_escape++;
			dec_put(d, '=');
			dec_put(d, d->h1);
			d->state = QD_TEXT;
			continue;
		case QD_EQ_WS:
			if ((c == ' ' || c == '\t') && d->nws < LM_QP_WS_MAX) {
				d->ws[d->nws++] = c;
				return;
			}
			if (c == '\n') {
				d->nws = 0;
				d->state = QD_TEXT; /* soft break with padding */
				return;
			}
			if (c == '\r') {
				d->state = QD_EQ_CR;
				return;
			}
			/* not a soft break: a lone '=', then the held white space
			 * is ordinary text again */
			d->defects.bad_escape++;
			dec_put(d, '=');
			d->state = QD_TEXT;
			continue;
		case QD_EQ_CR:
			if (c == '\n') {
				d->nws = 0;
				d->state = QD_TEXT; /* soft break */
				return;
			}
			d->defects.bad_escape++;
			dec_put(d, '=');
			d->state = QD_CR;
			continue;
		default:
			return;
		}
	}
}

/* End of data: settle the held state. */
static void
dec_end(lm_qp_dec *d)
{
	switch (d->state) {
	case QD_TEXT:
		d->nws = 0; /* trailing white space of the last line */
		break;
	case QD_CR:
		dec_flush_ws(d);
		dec_put(d, '\r');
		break;
	case QD_EQ:
	case QD_EQ_WS:
	case QD_EQ_CR:
		d->nws = 0; /* a final soft break */
		break;
	case QD_EQ_HEX:
		d->defects.bad_escape++;
		dec_put(d, '=');
		dec_put(d, d->h1);
		break;
	default:
		break;
	}
	d->state = QD_TEXT;
}

/* see core.h */
void
lm_qp_dec_init(lm_qp_dec *d)
{
	memset(d, 0, sizeof *d);
}

/* see core.h */
int
lm_qp_dec_update(lm_qp_dec *d, const char *in, size_t n,
                 void *out, size_t cap, size_t *used, size_t *written)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, w = 0;

	if (d == NULL || used == NULL || written == NULL || (in == NULL && n > 0) ||
	    (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	for (;;) {
		if (lm_core__drain(d->pend, &d->npend, &d->opend, out, cap, &w))
			break;
		if (i == n)
			break;
		dec_step(d, s[i++]);
	}
	*used = i;
	*written = w;
	return 0;
}

/* see core.h */
int
lm_qp_dec_final(lm_qp_dec *d, void *out, size_t cap, size_t *written)
{
	size_t w = 0;

	if (d == NULL || written == NULL || (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	if (!lm_core__drain(d->pend, &d->npend, &d->opend, out, cap, &w)) {
		dec_end(d);
		lm_core__drain(d->pend, &d->npend, &d->opend, out, cap, &w);
	}
	*written = w;
	return d->npend ? LM_ERR_BUFFER_TOO_SMALL : 0;
}

/* see core.h */
const lm_qp_defects *
lm_qp_dec_defects(const lm_qp_dec *d)
{
	return &d->defects;
}

/* see core.h */
int
lm_qp_encode(const void *in, size_t n, unsigned flags,
             char *out, size_t cap, size_t *outlen)
{
	lm_qp_enc e;
	size_t used, w1, w2;
	int r;

	if (outlen == NULL || (in == NULL && n > 0) || (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	lm_qp_enc_init(&e, flags);
	r = lm_qp_enc_update(&e, in, n, out, cap, &used, &w1);
	if (r < 0)
		return r;
	if (used < n)
		return LM_ERR_BUFFER_TOO_SMALL;
	r = lm_qp_enc_final(&e, out ? out + w1 : NULL, cap - w1, &w2);
	if (r < 0)
		return r;
	*outlen = w1 + w2;
	return 0;
}

/* see core.h */
int
lm_qp_decode(const char *in, size_t n, void *out, size_t cap,
             size_t *outlen, lm_qp_defects *defects)
{
	lm_qp_dec d;
	size_t used, w1, w2;
	int r;

	if (outlen == NULL || (in == NULL && n > 0) || (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	lm_qp_dec_init(&d);
	r = lm_qp_dec_update(&d, in, n, out, cap, &used, &w1);
	if (r < 0)
		return r;
	if (used < n)
		return LM_ERR_BUFFER_TOO_SMALL;
	r = lm_qp_dec_final(&d, out ? (unsigned char *)out + w1 : NULL, cap - w1, &w2);
	if (defects != NULL)
		*defects = d.defects;
	if (r < 0)
		return r;
	*outlen = w1 + w2;
	return 0;
}
