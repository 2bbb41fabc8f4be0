/*
 * libmail - streaming base64 encoder and decoder (RFC 4648 section 4,
 * RFC 2045 6.8 line length). Byte-at-a-time state machines: each input
 * byte is turned into at most a few output bytes kept in pend[], which
 * is drained into the caller's buffer, so the output cannot depend on
 * how the input was split.
 */
#include <string.h>

#include "libmail/core.h"
#include "internal.h"

#define LM_B64_LINE 76

static void
enc_put(lm_b64_enc *e, unsigned char c)
{
	if ((e->flags & LM_B64_WRAP) && e->col == LM_B64_LINE) {
		e->pend[e->npend++] = '\r';
		e->pend[e->npend++] = '\n';
		e->col = 0;
	}
	e->pend[e->npend++] = c;
	e->col++;
}

/* Encode the ncarry (1..3) bytes in carry into pend. */
static void
enc_group(lm_b64_enc *e)
{
	uint32_t v = (uint32_t)e->carry[0] << 16;
	if (e->ncarry > 1)
		v |= (uint32_t)e->carry[1] << 8;
	if (e->ncarry > 2)
		v |= e->carry[2];
	enc_put(e, (unsigned char)lm_core__b64_alphabet[(v >> 18) & 63]);
	enc_put(e, (unsigned char)lm_core__b64_alphabet[(v >> 12) & 63]);
	enc_put(e, e->ncarry > 1 ? (unsigned char)lm_core__b64_alphabet[(v >> 6) & 63] : '=');
	enc_put(e, e->ncarry > 2 ? (unsigned char)lm_core__b64_alphabet[v & 63] : '=');
	e->ncarry = 0;
}

/* see core.h */
void
lm_b64_enc_init(lm_b64_enc *e, unsigned flags)
{
	memset(e, 0, sizeof *e);
	e->flags = flags & LM_B64_WRAP;
}

/* see core.h */
int
lm_b64_enc_update(lm_b64_enc *e, const void *in, size_t n,
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
		e->carry[e->ncarry++] = s[i++];
		if (e->ncarry == 3)
			enc_group(e);
	}
	*used = i;
	*written = w;
	return 0;
}

/* see core.h */
int
lm_b64_enc_final(lm_b64_enc *e, char *out, size_t cap, size_t *written)
{
	size_t w = 0;

	if (e == NULL || written == NULL || (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	if (!lm_core__drain(e->pend, &e->npend, &e->opend, (unsigned char *)out, cap, &w) &&
	    e->ncarry > 0) {
		enc_group(e);
		lm_core__drain(e->pend, &e->npend, &e->opend, (unsigned char *)out, cap, &w);
	}
	*written = w;
	return e->npend ? LM_ERR_BUFFER_TOO_SMALL : 0;
}

/* see core.h */
void
lm_b64_dec_init(lm_b64_dec *d, unsigned flags)
{
	memset(d, 0, sizeof *d);
	d->flags = flags & LM_B64_LENIENT;
}

/* Close a group of q (2 or 3) characters ended by '=' or by the end of
 * the input: 1 or 2 bytes. Returns the unused low bits (must be zero
 * in strict mode). */
static unsigned
dec_short_group(lm_b64_dec *d)
{
	unsigned rest;
	if (d->q == 2) {
		d->pend[d->npend++] = (unsigned char)(d->bits >> 4);
		rest = d->bits & 0x0f;
	} else {
		d->pend[d->npend++] = (unsigned char)(d->bits >> 10);
		d->pend[d->npend++] = (unsigned char)(d->bits >> 2);
		rest = d->bits & 0x03;
	}
	d->q = 0;
	d->bits = 0;
	return rest;
}

/* One input byte; returns 0 or LM_ERR_DECODE (strict mode only). */
static int
dec_step(lm_b64_dec *d, unsigned char c)
{
	int lenient = d->flags & LM_B64_LENIENT;
	int v = lm_core__b64_value(c);

	if (v >= 0) {
		if (d->padded) {
			/* data after padding ("Zg==Zg==", "Zg=A") */
			if (!lenient)
				return LM_ERR_DECODE;
			d->defects.bad_padding++;
			d->padded = 0;
			d->pads = 0;
		}
		d->bits = (d->bits << 6) | (uint32_t)v;
		if (++d->q == 4) {
			d->pend[d->npend++] = (unsigned char)(d->bits >> 16);
			d->pend[d->npend++] = (unsigned char)(d->bits >> 8);
			d->pend[d->npend++] = (unsigned char)d->bits;
			d->q = 0;
			d->bits = 0;
		}
		return 0;
	}
	if (c == '=') {
		if (d->pads > 0) {
			d->pads--;
			return 0;
		}
		if (d->q >= 2) {
			d->pads = (unsigned char)(d->q == 2);
			if (dec_short_group(d) != 0 && !lenient)
				return LM_ERR_DECODE;
			d->padded = 1;
			return 0;
		}
		if (!lenient)
			return LM_ERR_DECODE;
		d->defects.bad_padding++;
		return 0;
	}
	if (!lenient)
		return LM_ERR_DECODE;
	if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
		d->defects.invalid++;
	return 0;
}

/* The decoder; fast != 0 lets it take whole groups at table speed
 * whenever no partial group or padding is pending (which gives the
 * same output and defects as the careful steps: a valid group takes
 * the state from q == 0 back to q == 0 with three bytes out, and
 * skipped white space changes nothing in lenient mode). */
static int
dec_update(lm_b64_dec *d, const char *in, size_t n, void *out, size_t cap,
           size_t *used, size_t *written, int fast)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, w = 0;
	int r = 0;

	if (d == NULL || used == NULL || written == NULL || (in == NULL && n > 0) ||
	    (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	if (d->err) {
		*used = 0;
		*written = 0;
		return d->err;
	}
	for (;;) {
		if (lm_core__drain(d->pend, &d->npend, &d->opend, out, cap, &w))
			break;
		if (i == n)
			break;
		if (fast && d->q == 0 && d->pads == 0 && !d->padded && cap - w >= 3) {
			size_t u;
			w += lm_core__b64_dec_groups(s + i, n - i, (unsigned char *)out + w, cap - w,
			                             d->flags & LM_B64_LENIENT, &u);
			i += u;
			if (i == n)
				break;
		}
		r = dec_step(d, s[i]);
		if (r < 0) {
			d->err = r;
			break;
		}
		i++;
	}
	*used = i;
	*written = w;
	return r;
}

/* see core.h */
int
lm_b64_dec_update(lm_b64_dec *d, const char *in, size_t n,
                  void *out, size_t cap, size_t *used, size_t *written)
{
	return dec_update(d, in, n, out, cap, used, written, 1);
}

/* see internal.h */
int
lm_core__b64_dec_update_careful(lm_b64_dec *d, const char *in, size_t n, void *out,
                                size_t cap, size_t *used, size_t *written)
{
	return dec_update(d, in, n, out, cap, used, written, 0);
}

/* see core.h */
int
lm_b64_dec_final(lm_b64_dec *d, void *out, size_t cap, size_t *written)
{
	size_t w = 0;

	if (d == NULL || written == NULL || (out == NULL && cap > 0))
		return LM_ERR_BAD_PARAM;
	*written = 0;
	if (d->err)
		return d->err;
	if (lm_core__drain(d->pend, &d->npend, &d->opend, out, cap, &w)) {
		*written = w;
		return LM_ERR_BUFFER_TOO_SMALL;
	}
	if (d->q > 0 || d->pads > 0) {
		if (!(d->flags & LM_B64_LENIENT)) {
			d->err = LM_ERR_DECODE;
			*written = w;
			return d->err;
		}
		if (d->pads > 0) {
			d->defects.missing_padding++;
			d->pads = 0;
		}
		if (d->q == 1) {
			d->defects.truncated++;
			d->q = 0;
			d->bits = 0;
		} else if (d->q > 1) {
			d->defects.missing_padding++;
			(void)dec_short_group(d);
		}
		lm_core__drain(d->pend, &d->npend, &d->opend, out, cap, &w);
	}
	*written = w;
	return d->npend ? LM_ERR_BUFFER_TOO_SMALL : 0;
}

/* see core.h */
const lm_b64_defects *
lm_b64_dec_defects(const lm_b64_dec *d)
{
	return &d->defects;
}
