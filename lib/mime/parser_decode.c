/*
 * libmail - streaming MIME parser: body runs decoded (the core's
 * lenient base64 and quoted-printable decoders, the uudecoder below),
 * passed through the charset conversion and handed out as events; at
 * the end of a leaf the decoders are flushed and their defects noted.
 */
#include <string.h>

#include "libmail/mime.h"
#include "parser_internal.h"

/* ---- uuencode -------------------------------------------------------- */

static void
uu_update(lm_mime_parser *p, const unsigned char *in, size_t n,
          unsigned char *out, size_t cap, size_t *used, size_t *written)
{
	static const char begin[] = "begin ";
	size_t i = 0, w = 0;

	while (i < n && w + 3 <= cap) {
		unsigned char c = in[i++];
		switch (p->uu_state) {
		case LM_MIME__UU_PRE:
			if (c == '\n')
				p->uu_n = 0;
			else if (p->uu_n < 6) {
				if (c == (unsigned char)begin[p->uu_n]) {
					if (++p->uu_n == 6)
						p->uu_state = LM_MIME__UU_SKIP;
				} else
					p->uu_n = 99;
			}
			break;
		case LM_MIME__UU_SKIP:
			if (c == '\n')
				p->uu_state = LM_MIME__UU_LINE;
			break;
		case LM_MIME__UU_LINE:
			if (c == '\n' || c == '\r')
				break;
			p->uu_len = (unsigned)((c - 32) & 63);
			p->uu_n = 0;
			/* a length of 0 ("`" or " ") ends the data; the "end"
			 * line that follows is skipped in LM_MIME__UU_END */
			p->uu_state = p->uu_len == 0 ? LM_MIME__UU_END : LM_MIME__UU_DATA;
			break;
		case LM_MIME__UU_DATA:
			if (c == '\n' || c == '\r') {
				if (p->uu_len > 0) {
					lm_mime__defect(p, p->top, LM_MIME_DEF_UUENCODE, 1);
					p->uu_len = 0;
				}
				p->uu_state = c == '\n' ? LM_MIME__UU_LINE : LM_MIME__UU_SKIP;
				break;
			}
			p->uu_q[p->uu_n++] = (unsigned char)((c - 32) & 63);
			if (p->uu_n == 4) {
				unsigned char o[3];
				unsigned k;
				o[0] = (unsigned char)(p->uu_q[0] << 2 | p->uu_q[1] >> 4);
				o[1] = (unsigned char)(p->uu_q[1] << 4 | p->uu_q[2] >> 2);
				o[2] = (unsigned char)(p->uu_q[2] << 6 | p->uu_q[3]);
				for (k = 0; k < 3 && p->uu_len > 0; k++, p->uu_len--)
					out[w++] = o[k];
				p->uu_n = 0;
				if (p->uu_len == 0)
					p->uu_state = LM_MIME__UU_SKIP;
			}
			break;
		default:
			break;
		}
	}
	*used = i;
	*written = w;
}

/* ---- base64 ------------------------------------------------------------ */

/* Base64 step for emit_run: the core's lenient decoder, which takes
 * whole groups and CRLF-separated lines at table or SIMD speed itself
 * (the parser had its own table decoder while the core went byte by
 * byte). The b64_fast/b64_mod/b64_pend fields are no longer read. */
static void
b64_step(lm_mime_parser *p, const unsigned char *in, size_t n, size_t cap,
         size_t *used, size_t *written)
{
	(void)lm_b64_dec_update(&p->b64, (const char *)in, n, p->out, cap, used, written);
}

/* ---- body output ----------------------------------------------------- */

static int
top_is_leaf(const lm_mime_parser *p)
{
	return p->top >= 0 && p->fr[p->top].kind == LM_MIME_KIND_LEAF;
}

static int
decoding(const lm_mime_parser *p)
{
	if (!top_is_leaf(p) || (p->o.flags & LM_MIME_PARSE_RAW))
		return LM_MIME_CTE_7BIT;
	return p->info.cte;
}

static int
converting(const lm_mime_parser *p)
{
	return (p->o.to_utf8 != NULL || p->conv_on) && top_is_leaf(p) && !p->conv_err &&
	       strcmp(p->info.type, "text") == 0 && !(p->o.flags & LM_MIME_PARSE_RAW);
}

/* Pass data through the charset hook when it applies; returns the
 * slice to hand out. */
static lm_slice
convert(lm_mime_parser *p, const unsigned char *d, size_t n)
{
	lm_slice s;
	size_t w = 0;
	unsigned char *o = p->out + LM_MIME_PARSER_OUTBUF;

	s.p = d;
	s.len = n;
	if (!converting(p))
		return s;
	if (p->conv_on) {
		/* n <= OUTBUF / 4, so 3 n + 16 bytes of room always suffice */
		size_t used = 0;
		(void)lm_mime_conv_update(&p->conv, d, n, (char *)o, LM_MIME_PARSER_OUTBUF,
		                          &used, &w);
		s.p = o;
		s.len = w;
		return s;
	}
	if (p->o.to_utf8(p->o.to_utf8_ud, p->info.charset, d, n, o,
	                 LM_MIME_PARSER_OUTBUF, &w) < 0 || w > LM_MIME_PARSER_OUTBUF) {
		p->conv_err = 1;
		lm_mime__defect(p, p->top, LM_MIME_DEF_CHARSET, 1);
		return s;
	}
	s.p = o;
	s.len = w;
	return s;
}

/* see parser_internal.h */
int
lm_mime__emit_run(lm_mime_parser *p, lm_mime_event *ev)
{
	int kind, cte;
	size_t cap = converting(p) ? LM_MIME_PARSER_OUTBUF / 4 : LM_MIME_PARSER_OUTBUF;

	if (top_is_leaf(p))
		kind = LM_MIME_BODY_CONTENT;
	else if (p->fr[p->top].state == LM_MIME__MP_EPILOGUE)
		kind = LM_MIME_BODY_EPILOGUE;
	else if (p->fr[p->top].state == LM_MIME__MP_PREAMBLE)
		kind = LM_MIME_BODY_PREAMBLE;
	else
		kind = -1;   /* skipped after a limit */
	if (kind != LM_MIME_BODY_CONTENT && (kind < 0 || !(p->o.flags & LM_MIME_PARSE_PREAMBLE))) {
		p->run_a = p->run_b;
		return 0;
	}
	cte = kind == LM_MIME_BODY_CONTENT ? decoding(p) : LM_MIME_CTE_7BIT;
	while (p->run_a < p->run_b) {
		const unsigned char *in = p->in + p->run_a;
		size_t n = p->run_b - p->run_a, used = 0, w = 0;
		lm_slice s;

		switch (cte) {
		case LM_MIME_CTE_BASE64:
			b64_step(p, in, n, cap, &used, &w);
			break;
		case LM_MIME_CTE_QP:
			(void)lm_qp_dec_update(&p->qp, (const char *)in, n, p->out, cap,
			                       &used, &w);
			break;
		case LM_MIME_CTE_UUENCODE:
			uu_update(p, in, n, p->out, cap, &used, &w);
			break;
		default:
			used = n < cap || !converting(p) ? n : cap;
			p->run_a += used;
			s = convert(p, in, used);
			if (s.len == 0)
				continue;
			lm_mime__fill_ev(p, ev, LM_MIME_EV_BODY, p->top);
			ev->part = kind == LM_MIME_BODY_CONTENT ? &p->info : NULL;
			ev->body = kind;
			ev->data = s;
			return 1;
		}
		if (used == 0 && w == 0) {   /* cannot happen with these caps */
			p->run_a = p->run_b;
			break;
		}
		p->run_a += used;
		if (w > 0) {
			s = convert(p, p->out, w);
			if (s.len == 0)
				continue;
			lm_mime__fill_ev(p, ev, LM_MIME_EV_BODY, p->top);
			ev->part = &p->info;
			ev->body = kind;
			ev->data = s;
			return 1;
		}
	}
	return 0;
}

/* see parser_internal.h */
int
lm_mime__finalize_leaf(lm_mime_parser *p, lm_mime_event *ev)
{
	size_t w = 0;
	lm_slice s;

	if (p->finalized == 0) {
		switch (decoding(p)) {
		case LM_MIME_CTE_BASE64:
			(void)lm_b64_dec_final(&p->b64, p->out, LM_CODEC_FINAL_MAX, &w);
			break;
		case LM_MIME_CTE_QP:
			(void)lm_qp_dec_final(&p->qp, p->out, LM_CODEC_FINAL_MAX, &w);
			break;
		default:
			break;
		}
		p->finalized = 1;
		if (decoding(p) == LM_MIME_CTE_BASE64) {
			const lm_b64_defects *d = lm_b64_dec_defects(&p->b64);
			size_t c = d->invalid + d->bad_padding + d->missing_padding + d->truncated;
			if (c > 0)
				lm_mime__defect(p, p->top, LM_MIME_DEF_BASE64, c > 1000000 ? 1000000u : (unsigned)c);
		} else if (decoding(p) == LM_MIME_CTE_QP) {
			const lm_qp_defects *d = lm_qp_dec_defects(&p->qp);
			if (d->bad_escape > 0)
				lm_mime__defect(p, p->top, LM_MIME_DEF_QP,
				       d->bad_escape > 1000000 ? 1000000u : (unsigned)d->bad_escape);
		} else if (decoding(p) == LM_MIME_CTE_UUENCODE &&
		           p->uu_state != LM_MIME__UU_END) {
			lm_mime__defect(p, p->top, LM_MIME_DEF_UUENCODE, 1);
		}
		if (w > 0) {
			s = convert(p, p->out, w);
			if (s.len > 0) {
				lm_mime__fill_ev(p, ev, LM_MIME_EV_BODY, p->top);
				ev->part = &p->info;
				ev->data = s;
				return 1;
			}
		}
	}
	if (p->finalized == 1 && converting(p) && p->conv_on) {
		unsigned cd;
		p->finalized = 2;
		(void)lm_mime_conv_final(&p->conv, (char *)p->out + LM_MIME_PARSER_OUTBUF,
		                         LM_MIME_PARSER_OUTBUF, &w);
		cd = lm_mime_conv_defects(&p->conv) & (LM_MIME_DEF_CHARSET | LM_MIME_DEF_INVALID_BYTES);
		if (cd)
			lm_mime__defect(p, p->top, cd, 1);
		lm_mime_conv_free(&p->conv);
		p->conv_on = 0;
		if (w > 0) {
			lm_mime__fill_ev(p, ev, LM_MIME_EV_BODY, p->top);
			ev->part = &p->info;
			ev->data.p = p->out + LM_MIME_PARSER_OUTBUF;
			ev->data.len = w;
			return 1;
		}
	}
	if (p->finalized == 1 && converting(p)) {
		p->finalized = 2;
		if (p->o.to_utf8(p->o.to_utf8_ud, p->info.charset, NULL, 0,
		                 p->out + LM_MIME_PARSER_OUTBUF, LM_MIME_PARSER_OUTBUF, &w) < 0 ||
		    w > LM_MIME_PARSER_OUTBUF) {
			lm_mime__defect(p, p->top, LM_MIME_DEF_CHARSET, 1);
		} else if (w > 0) {
			lm_mime__fill_ev(p, ev, LM_MIME_EV_BODY, p->top);
			ev->part = &p->info;
			ev->data.p = p->out + LM_MIME_PARSER_OUTBUF;
			ev->data.len = w;
			return 1;
		}
	}
	return 0;
}
