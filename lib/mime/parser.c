/*
 * libmail - streaming MIME parser (RFC 5322, RFC 2045-2049, RFC 6532).
 *
 * Bytes go into an input buffer inside the caller's scratch area; the
 * parser walks them once. Header fields are taken whole (folds
 * included, up to max_header_len); bodies are classified line by line,
 * but only lines that start with "--" are compared with the open
 * boundaries, and the line break before such a line is held back until
 * it is known whether a delimiter follows (RFC 2046 5.1.1: the CRLF
 * belongs to the delimiter). Runs of body bytes go through the core's
 * lenient base64 / quoted-printable decoders (or the uudecoder of
 * parser_decode.c) into a fixed output buffer, or are handed out in
 * place when no decoding is needed. Entities open and close through a
 * fixed stack of frames, so nothing recurses and nothing grows with the
 * message.
 *
 * Here: the frames and paths, the body scanner (where a run of body
 * bytes ends: a delimiter line or the end of the input), the header
 * section (fields taken whole, the entity settled at its end), closing
 * and lm_mime_parser_next(), the state machine that drives them. The
 * options, the scratch layout and the input buffer are in parser_buf.c;
 * the values of the fields that shape the structure in parser_fields.c;
 * the decoders and the body events in parser_decode.c;
 * parser_internal.h is what they share.
 */
#include <string.h>

#include "libmail/mime.h"
#include "parser_internal.h"

enum { AC_CHILD = 1, AC_EPILOGUE, AC_EOF };

/* Junk lines skipped before the first field of a message. */
#define JUNK_MAX 8

/* ---- frames and paths ---------------------------------------------- */

/* see parser_internal.h */
void
lm_mime__defect(lm_mime_parser *p, int fi, unsigned bits, unsigned count)
{
	lm_mime_frame *f;

	if (fi < 0)
		return;
	f = &p->fr[fi];
	f->defects |= bits;
	if (f->ndefects + count < f->ndefects)
		f->ndefects = ~0u;
	else
		f->ndefects += count;
}

/* Append ".n" (or "n" to an empty path) to the path of frame fi. */
static void
path_append(lm_mime_parser *p, int fi, unsigned long n)
{
	char tmp[24];
	size_t k = 0, at = p->fr[fi].pathlen;

	do {
		tmp[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	if (at > 0)
		p->path[at++] = '.';
	while (k > 0)
		p->path[at++] = tmp[--k];
	p->path[at] = '\0';
	p->fr[fi].pathlen = (unsigned)at;
}

static void
info_reset(lm_mime_parser *p, int digest_child)
{
	memset(&p->info, 0, sizeof p->info);
	if (digest_child) {
		memcpy(p->info.type, "message", 8);
		memcpy(p->info.subtype, "rfc822", 7);
	} else {
		memcpy(p->info.type, "text", 5);
		memcpy(p->info.subtype, "plain", 6);
	}
	p->info.boundary = "";
}

/* Open a frame for a new entity at depth top + 1. */
static void
push_entity(lm_mime_parser *p, int root)
{
	int parent = p->top, fi = p->top + 1;
	lm_mime_frame *f = &p->fr[fi];
	int digest = 0;

	memset(f, 0, sizeof *f);
	f->root = (unsigned char)root;
	if (parent >= 0) {
		lm_mime_frame *pf = &p->fr[parent];
		f->pathlen = pf->pathlen;
		if (!root) {
			pf->nchild++;
			path_append(p, fi, pf->nchild);
			digest = pf->digest;
		}
	}
	p->path[f->pathlen] = '\0';
	p->top = fi;
	p->nparts++;
	p->nheaders = 0;
	p->hscan = 0;
	p->hskip = 0;
	p->hseen = 0;
	p->hline1 = 0;
	p->hjunk = 0;
	p->seen_ct = p->seen_cte = p->seen_cd = 0;
	p->mimefields = 0;
	info_reset(p, digest);
	p->st = LM_MIME__ST_BEGIN_PART;
}

/* see parser_internal.h */
void
lm_mime__fill_ev(lm_mime_parser *p, lm_mime_event *ev, lm_mime_event_type t, int fi)
{
	memset(ev, 0, sizeof *ev);
	ev->type = t;
	if (fi >= 0) {
		p->path[p->fr[fi].pathlen] = '\0';
		ev->path = p->path;
		ev->path_len = p->fr[fi].pathlen;
		ev->depth = (unsigned)fi;
		ev->defects = p->fr[fi].defects;
		ev->ndefects = p->fr[fi].ndefects;
	}
}

/* ---- boundaries ------------------------------------------------------ */

/* Does line s[0..n) (no line break) delimit an open multipart? Returns
 * the frame index (innermost first) and sets *close, or -1. */
static int
match_delim(lm_mime_parser *p, const unsigned char *s, size_t n, int *close)
{
	int k;

	if (n < 2 || s[0] != '-' || s[1] != '-')
		return -1;
	for (k = p->top; k >= 0; k--) {
		lm_mime_frame *f = &p->fr[k];
		size_t bl = f->blen, i;
		int c = 0;

		if (f->kind != LM_MIME_KIND_MULTIPART || f->state == LM_MIME__MP_EPILOGUE)
			continue;
		if (n < 2 + bl || memcmp(s + 2, lm_mime__bound_of(p, k), bl) != 0)
			continue;
		i = 2 + bl;
		if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
			c = 1;
			i += 2;
		}
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n) {
			*close = c;
			return k;
		}
	}
	return -1;
}

static int
any_open_boundary(const lm_mime_parser *p)
{
	int k;

	for (k = p->top; k >= 0; k--) {
		if (p->fr[k].kind == LM_MIME_KIND_MULTIPART &&
		    p->fr[k].state != LM_MIME__MP_EPILOGUE)
			return 1;
	}
	return 0;
}

/*
 * Classify body bytes from pos: sets the run [run_a, run_b) of content
 * and what follows it (pend). See the file comment.
 */
static void
scan_body(lm_mime_parser *p)
{
	const unsigned char *b = p->in;
	size_t pos = p->pos, end = p->end, run_start = pos - p->held;
	size_t lim = 2 + p->o.max_boundary + 2 + LM_MIME__WS_MAX + 2;

	p->pend = LM_MIME__PEND_NEED;
	if (!any_open_boundary(p)) {
		p->run_a = run_start;
		p->run_b = end;
		p->pos = end;
		p->held = 0;
		if (p->eof)
			p->pend = LM_MIME__PEND_EOF;
		return;
	}
	for (;;) {
		if (!p->bol) {
			const unsigned char *nl = memchr(b + pos, '\n', end - pos);
			if (nl == NULL) {
				size_t cut = end;
				if (!p->eof && cut > pos && b[cut - 1] == '\r')
					cut--;
				p->run_a = run_start;
				p->run_b = cut;
				p->pos = cut;
				p->held = 0;
				if (p->eof && cut == end)
					p->pend = LM_MIME__PEND_EOF;
				return;
			}
			pos = (size_t)(nl - b);
			p->held = (pos > run_start && b[pos - 1] == '\r') ? 2 : 1;
			pos++;
			p->bol = 1;
			continue;
		}
		if (pos == end) {
			p->run_a = run_start;
			if (p->eof) {
				p->run_b = end;
				p->held = 0;
				p->pend = LM_MIME__PEND_EOF;
			} else
				p->run_b = pos - p->held;
			p->pos = pos;
			return;
		}
		if (b[pos] != '-' || (end - pos >= 2 && b[pos + 1] != '-')) {
			p->bol = 0;
			p->held = 0;
			continue;
		}
		{
			size_t avail = end - pos, look = avail < lim ? avail : lim;
			const unsigned char *nl = memchr(b + pos, '\n', look);
			size_t ce, le;
			int k, close = 0;

			if (nl == NULL) {
				if (avail >= lim) {
					p->bol = 0;
					p->held = 0;
					continue;
				}
				if (!p->eof) {
					p->run_a = run_start;
					p->run_b = pos - p->held;
					p->pos = pos;
					return;
				}
				ce = le = end;
			} else {
				ce = (size_t)(nl - b);
				le = ce + 1;
			}
			if (ce > pos && b[ce - 1] == '\r')
				ce--;
			k = match_delim(p, b + pos, ce - pos, &close);
			if (k < 0) {
				p->bol = 0;
				p->held = 0;
				continue;
			}
			p->run_a = run_start;
			p->run_b = pos - p->held;
			p->pos = le;
			p->held = 0;
			p->bol = 1;
			p->pend = LM_MIME__PEND_DELIM;
			p->pend_level = k;
			p->pend_close = close;
			return;
		}
	}
}

/* ---- header section ------------------------------------------------- */

/* A complete header field: act on the ones that shape the structure.
 * Once per field, so one dispatch: most names are turned away by their
 * length or first letter (folded: only 'C' and 'c' give 'c') without a
 * comparison, a "Content-" name by the length of the rest; each
 * candidate is then compared whole. */
static void
header_seen(lm_mime_parser *p, const unsigned char *name, size_t nlen,
            const unsigned char *val, size_t vlen)
{
	if (nlen == 12 && (name[0] | 0x20) == 'm') {
		if (lm_core__ieqz(name, 12, "mime-version"))
			p->info.mime_version = 1;
		return;
	}
	if (nlen <= 8 || (name[0] | 0x20) != 'c' || !lm_core__ieqz(name, 8, "content-"))
		return;
	p->mimefields = 1;
	name += 8;
	switch (nlen - 8) {
	case 4:
		if (lm_core__ieqz(name, 4, "type") && !p->seen_ct) {
			p->seen_ct = 1;
			p->info.has_content_type = 1;
			lm_mime__parse_ctype(p, val, vlen);
		}
		break;
	case 17:
		if (lm_core__ieqz(name, 17, "transfer-encoding") && !p->seen_cte) {
			p->seen_cte = 1;
			lm_mime__parse_cte(p, val, vlen);
		}
		break;
	case 11:
		if (lm_core__ieqz(name, 11, "disposition") && !p->seen_cd) {
			p->seen_cd = 1;
			lm_mime__parse_cdisp(p, val, vlen);
		}
		break;
	default:
		break;
	}
}

/* Unfold raw[0..n) into the unfold area: CR and LF removed, outer white
 * space trimmed. */
static lm_slice
unfold(lm_mime_parser *p, const unsigned char *raw, size_t n)
{
	lm_slice s;
	size_t i, w = 0;

	for (i = 0; i < n; i++) {
		if (raw[i] != '\r' && raw[i] != '\n')
			p->unfold[w++] = raw[i];
	}
	i = 0;
	while (i < w && (p->unfold[i] == ' ' || p->unfold[i] == '\t'))
		i++;
	while (w > i && (p->unfold[w - 1] == ' ' || p->unfold[w - 1] == '\t'))
		w--;
	s.p = p->unfold + i;
	s.len = w - i;
	return s;
}

/* The field in[pos..fe) is complete (fe excludes nothing: it may end
 * with a line break, which is left out of raw). 1 if *ev was filled. */
static int
emit_header(lm_mime_parser *p, lm_mime_event *ev, size_t fe, size_t colon)
{
	const unsigned char *b = p->in;
	size_t pos = p->pos, ne = colon, re = fe;

	while (ne > pos && (b[ne - 1] == ' ' || b[ne - 1] == '\t'))
		ne--;
	if (re > colon + 1 && b[re - 1] == '\n')
		re--;
	if (re > colon + 1 && b[re - 1] == '\r')
		re--;
	p->hseen = 1;
	if (p->nheaders >= p->o.max_headers) {
		if (p->nheaders == p->o.max_headers)
			lm_mime__defect(p, p->top, LM_MIME_DEF_TOO_MANY_HEADERS, 1);
		p->nheaders++;
		return 0;
	}
	p->nheaders++;
	if (memchr(b + pos, '\0', fe - pos) != NULL)
		lm_mime__defect(p, p->top, LM_MIME_DEF_HEADER_NUL, 1);
	lm_mime__fill_ev(p, ev, LM_MIME_EV_HEADER, p->top);
	ev->part = &p->info;
	ev->name.p = b + pos;
	ev->name.len = ne - pos;
	ev->raw.p = b + colon + 1;
	ev->raw.len = re - colon - 1;
	ev->value = unfold(p, ev->raw.p, ev->raw.len);
	header_seen(p, ev->name.p, ev->name.len, ev->value.p, ev->value.len);
	return 1;
}

/* Colon of a field name on the line [s, e): its index, or -1 when the
 * line does not start with a field name (RFC 5322 ftext, optionally
 * followed by white space, obs-optional). */
static long
field_colon(const unsigned char *b, size_t s, size_t e)
{
	size_t i = s;

	while (i < e && b[i] > 32 && b[i] < 127 && b[i] != ':')
		i++;
	if (i == s)
		return -1;
	while (i < e && (b[i] == ' ' || b[i] == '\t'))
		i++;
	if (i < e && b[i] == ':')
		return (long)i;
	return -1;
}

/* Does a header field line start at in[at]? 1 yes, 0 no, LM_WANT_READ
 * when the line is not complete yet (looked at up to 998 bytes). */
static int
next_is_field(lm_mime_parser *p, size_t at)
{
	const unsigned char *b = p->in, *nl;
	size_t n = p->end - at;

	if (n > 998)
		n = 998;
	nl = memchr(b + at, '\n', n);
	if (nl == NULL) {
		if (!p->eof && p->end - at < 998)
			return LM_WANT_READ;
		return field_colon(b, at, at + n) >= 0;
	}
	return field_colon(b, at, (size_t)(nl - b)) >= 0;
}

/* Returns LM_EVENT, LM_WANT_READ, or 0 when the state changed. */
static int
step_headers(lm_mime_parser *p, lm_mime_event *ev)
{
	const unsigned char *b = p->in;
	size_t max = p->o.max_header_len;

	for (;;) {
		size_t pos = p->pos, end = p->end;
		const unsigned char *nl;

		p->start = pos;
		if (p->hskip) {
			if (p->hskip == 1) {
				nl = memchr(b + pos, '\n', end - pos);
				if (nl == NULL) {
					p->pos = p->start = end;
					if (p->eof) {
						p->st = LM_MIME__ST_HEADERS_END;
						return 0;
					}
					return LM_WANT_READ;
				}
				p->pos = (size_t)(nl - b) + 1;
				p->hskip = 2;
				continue;
			}
			if (pos == end) {
				if (p->eof) {
					p->hskip = 0;
					continue;
				}
				return LM_WANT_READ;
			}
			p->hskip = (b[pos] == ' ' || b[pos] == '\t') ? 1 : 0;
			continue;
		}
		if (pos == end && p->eof) {
			p->st = LM_MIME__ST_HEADERS_END;
			return 0;
		}
		for (;;) {
			size_t s = pos + p->hscan, le, ce;

			if (p->hscan > 0 && b[s - 1] == '\n') {
				/* at a line start inside the field: folded or not? */
				if (s == end && !p->eof)
					return LM_WANT_READ;
				if (s == end || (b[s] != ' ' && b[s] != '\t')) {
					le = s;
					goto complete;
				}
			}
			nl = memchr(b + s, '\n', end - s);
			le = nl != NULL ? (size_t)(nl - b) + 1 : end;
			if (le - pos > max || (nl == NULL && end - pos >= max)) {
				/* the field goes past the limit: cut it there */
				size_t fe = pos + max;
				long c = field_colon(b, pos, fe < end ? fe : end);
				p->hscan = 0;
				p->hline1 = 0;
				if (c < 0) {
					lm_mime__defect(p, p->top,
					                LM_MIME_DEF_HEADER_NO_COLON, 1);
					p->st = LM_MIME__ST_HEADERS_END;
					return 0;
				}
				lm_mime__defect(p, p->top, LM_MIME_DEF_HEADER_TOO_LONG, 1);
				p->hskip = 1;
				{
					int r = emit_header(p, ev, fe, (size_t)c);
					p->pos = p->start = fe;
					if (r)
						return LM_EVENT;
				}
				break;
			}
			if (nl == NULL && !p->eof) {
				p->hscan = end - pos;
				return LM_WANT_READ;
			}
			if (!p->hline1) {
				/* the first line of the field is complete */
				long c;
				ce = le;
				if (ce > pos && b[ce - 1] == '\n')
					ce--;
				if (ce > pos && b[ce - 1] == '\r')
					ce--;
				if (ce == pos) {          /* empty line */
					p->hscan = 0;
					p->pos = p->start = le;
					p->st = LM_MIME__ST_HEADERS_END;
					return 0;
				}
				if (b[pos] == '-') {
					int close;
					if (match_delim(p, b + pos, ce - pos, &close) >= 0) {
						p->hscan = 0;
						p->st = LM_MIME__ST_HEADERS_END;
						return 0;   /* the body scanner meets it */
					}
				}
				if ((b[pos] == ' ' || b[pos] == '\t') && !p->hseen) {
					lm_mime__defect(p, p->top,
					                LM_MIME_DEF_CONTINUATION_FIRST, 1);
					p->hscan = 0;
					p->pos = p->start = le;
					break;
				}
				c = field_colon(b, pos, ce);
				if (c < 0) {
					int root = p->fr[p->top].root;
					p->hscan = 0;
					if (root && !p->hseen && p->hjunk == 0 && ce - pos >= 5 &&
					    memcmp(b + pos, "From ", 5) == 0) {
						p->hjunk++;       /* mbox separator */
						p->pos = p->start = le;
						break;
					}
					if (root && !p->hseen && p->hjunk < JUNK_MAX && le - pos <= 998) {
						/* junk only when a field follows; else it is the body */
						int j = next_is_field(p, le);
						if (j == LM_WANT_READ)
							return LM_WANT_READ;
						if (j == 1) {
							p->hjunk++;
							lm_mime__defect(p, p->top, LM_MIME_DEF_JUNK_BEFORE_HEADERS, 1);
							p->pos = p->start = le;
							break;
						}
					}
					lm_mime__defect(p, p->top,
					                LM_MIME_DEF_HEADER_NO_COLON, 1);
					p->st = LM_MIME__ST_HEADERS_END;
					return 0;
				}
				p->hline1 = 1;
			}
			p->hscan = le - pos;
			if (nl == NULL) {     /* EOF ends the field */
				goto complete;
			}
			continue;
complete:
			{
				long c = field_colon(b, pos, le);
				int r;
				p->hscan = 0;
				p->hline1 = 0;
				r = emit_header(p, ev, le, (size_t)c);
				p->pos = p->start = le;
				if (r)
					return LM_EVENT;
			}
			break;
		}
	}
}

/* Headers are complete: settle what the entity is. */
static void
headers_end(lm_mime_parser *p, lm_mime_event *ev)
{
	int fi = p->top;
	lm_mime_frame *f = &p->fr[fi];
	lm_mime_part_info *in = &p->info;

	f->kind = LM_MIME_KIND_LEAF;
	if (strcmp(in->type, "multipart") == 0) {
		if (f->blen == ~0u) {
			f->blen = 0;
			lm_mime__defect(p, fi, LM_MIME_DEF_LIMIT, 1);
		} else if (f->blen == 0) {
			lm_mime__defect(p, fi, LM_MIME_DEF_NO_BOUNDARY, 1);
		} else if ((size_t)fi + 1 >= p->o.max_depth || p->nparts >= p->o.max_parts) {
			lm_mime__defect(p, fi, LM_MIME_DEF_LIMIT, 1);
		} else {
			f->kind = LM_MIME_KIND_MULTIPART;
			f->state = LM_MIME__MP_PREAMBLE;
			f->digest = strcmp(in->subtype, "digest") == 0;
			in->boundary = lm_mime__bound_of(p, fi);
		}
	} else if (strcmp(in->type, "message") == 0 &&
	           (strcmp(in->subtype, "rfc822") == 0 || strcmp(in->subtype, "global") == 0) &&
	           !(p->o.flags & LM_MIME_PARSE_NO_NESTED)) {
		if (in->cte == LM_MIME_CTE_BASE64 || in->cte == LM_MIME_CTE_QP ||
		    in->cte == LM_MIME_CTE_UUENCODE)
			lm_mime__defect(p, fi, LM_MIME_DEF_ENCODED_MESSAGE, 1);
		else if ((size_t)fi + 1 >= p->o.max_depth || p->nparts >= p->o.max_parts)
			lm_mime__defect(p, fi, LM_MIME_DEF_LIMIT, 1);
		else
			f->kind = LM_MIME_KIND_MESSAGE;
	}
	if (f->kind != LM_MIME_KIND_MULTIPART)
		f->blen = 0;
	in->kind = (lm_mime_kind)f->kind;
	if (f->root && f->kind != LM_MIME_KIND_MULTIPART)
		path_append(p, fi, 1);
	if (f->root && !in->mime_version && p->mimefields)
		lm_mime__defect(p, fi, LM_MIME_DEF_NO_MIME_VERSION, 1);
	lm_mime__fill_ev(p, ev, LM_MIME_EV_HEADERS_END, fi);
	ev->part = in;
	/* set up the body */
	p->bol = 1;
	p->held = 0;
	p->run_a = p->run_b = p->pos;
	p->pend = LM_MIME__PEND_NONE;
	p->finalized = 0;
	p->conv_err = 0;
	if (f->kind == LM_MIME_KIND_MESSAGE) {
		p->st = LM_MIME__ST_NESTED;   /* after the caller saw this event */
		return;
	}
	if (f->kind == LM_MIME_KIND_LEAF) {
		lm_b64_dec_init(&p->b64, LM_B64_LENIENT);
		p->b64_fast = 1;
		p->b64_mod = 0;
		p->b64_pend = 0;
		lm_qp_dec_init(&p->qp);
		p->uu_state = LM_MIME__UU_PRE;
		p->uu_n = 0;
		if ((p->o.flags & LM_MIME_PARSE_UTF8) && !(p->o.flags & LM_MIME_PARSE_RAW) &&
		    strcmp(in->type, "text") == 0) {
			const char *cs = in->charset[0] != '\0' ? in->charset : "us-ascii";
			(void)lm_mime_conv_init(&p->conv, cs, strlen(cs));
			p->conv_on = 1;
		}
	}
	p->st = LM_MIME__ST_BODY;
}

/* ---- closing --------------------------------------------------------- */

/* Returns 1 with *ev filled, or 0 when closing is over. */
static int
step_close(lm_mime_parser *p, lm_mime_event *ev)
{
	while (p->top > p->close_to) {
		lm_mime_frame *f = &p->fr[p->top];

		if (f->kind == LM_MIME_KIND_LEAF && p->finalized < 3) {
			if (lm_mime__finalize_leaf(p, ev))
				return 1;
			p->finalized = 3;
		}
		if (f->kind == LM_MIME_KIND_MULTIPART && f->state != LM_MIME__MP_EPILOGUE) {
			lm_mime__defect(p, p->top, LM_MIME_DEF_NO_END_BOUNDARY, 1);
			if (f->state == LM_MIME__MP_PREAMBLE)
				lm_mime__defect(p, p->top, LM_MIME_DEF_NO_START_BOUNDARY, 1);
			f->state = LM_MIME__MP_EPILOGUE;
		}
		lm_mime__fill_ev(p, ev, LM_MIME_EV_PART_END, p->top);
		p->top--;
		/* a parent that is a leaf cannot exist; the next frame down is
		 * a multipart or a message wrapper, already finalized */
		p->finalized = 3;
		return 1;
	}
	return 0;
}

/* see mime.h */
int
lm_mime_parser_next(lm_mime_parser *p, lm_mime_event *ev)
{
	int r;

	if (p == NULL || ev == NULL)
		return LM_ERR_BAD_PARAM;
	if (!p->inited)
		return LM_ERR_BAD_STATE;
	p->waiting = 0;
	for (;;) {
		switch (p->st) {
		case LM_MIME__ST_BEGIN_PART:
			if (p->top < 0)
				push_entity(p, 1);
			lm_mime__fill_ev(p, ev, LM_MIME_EV_PART_BEGIN, p->top);
			ev->part = &p->info;
			p->st = LM_MIME__ST_HEADERS;
			return LM_EVENT;
		case LM_MIME__ST_HEADERS:
			r = step_headers(p, ev);
			if (r == LM_WANT_READ) {
				if (p->eof)
					continue;
				lm_mime__compact(p);
				p->waiting = 1;
				return r;
			}
			if (r != 0)
				return r;
			break;
		case LM_MIME__ST_HEADERS_END:
			headers_end(p, ev);
			return LM_EVENT;
		case LM_MIME__ST_NESTED:
			push_entity(p, 1);
			break;
		case LM_MIME__ST_BODY:
			if (p->run_a < p->run_b) {
				if (lm_mime__emit_run(p, ev))
					return LM_EVENT;
				continue;
			}
			switch (p->pend) {
			case LM_MIME__PEND_DELIM:
				p->pend = LM_MIME__PEND_NONE;
				p->close_to = p->pend_level;
				p->after_close = p->pend_close ? AC_EPILOGUE : AC_CHILD;
				p->st = LM_MIME__ST_CLOSE;
				continue;
			case LM_MIME__PEND_EOF:
				p->pend = LM_MIME__PEND_NONE;
				p->close_to = -1;
				p->after_close = AC_EOF;
				p->st = LM_MIME__ST_CLOSE;
				continue;
			case LM_MIME__PEND_NEED:
				p->pend = LM_MIME__PEND_NONE;
				if (!p->eof) {
					p->start = p->pos - p->held;
					lm_mime__compact(p);
					p->waiting = 1;
					return LM_WANT_READ;
				}
				break;
			default:
				break;
			}
			scan_body(p);
			break;
		case LM_MIME__ST_CLOSE:
			if (step_close(p, ev))
				return LM_EVENT;
			if (p->after_close == AC_EOF) {
				p->st = LM_MIME__ST_MSG_END;
				break;
			} else {
				lm_mime_frame *f = &p->fr[p->top];
				p->st = LM_MIME__ST_BODY;
				p->bol = 1;
				p->held = 0;
				p->run_a = p->run_b = p->pos;
				if (p->after_close == AC_EPILOGUE) {
					f->state = LM_MIME__MP_EPILOGUE;
				} else if (f->state != LM_MIME__MP_SKIP) {
					if (p->nparts >= p->o.max_parts) {
						f->state = LM_MIME__MP_SKIP;
						lm_mime__defect(p, p->top,
						                LM_MIME_DEF_LIMIT, 1);
					} else {
						f->state = LM_MIME__MP_INPART;
						push_entity(p, 0);
					}
				}
			}
			break;
		case LM_MIME__ST_MSG_END:
			lm_mime__fill_ev(p, ev, LM_MIME_EV_MESSAGE_END, -1);
			p->st = LM_MIME__ST_DONE;
			return LM_EVENT;
		case LM_MIME__ST_DONE:
		default:
			return LM_DONE;
		}
	}
}
