/*
 * libmail - streaming MIME parser: its options and the layout of the
 * caller's scratch area, init and free, the input buffer
 * (lm_mime_parser_buf(), _ack(), _feed(), _end()) and the names of the
 * defects.
 */
#include <string.h>

#include "libmail/mime.h"
#include "parser_internal.h"

static void
opts_resolve(const lm_mime_parser_opts *in, lm_mime_parser_opts *o)
{
	if (in != NULL)
		*o = *in;
	else {
		memset(o, 0, sizeof *o);
		o->version = LM_MIME_PARSER_VERSION;
	}
	if (o->max_depth == 0)
		o->max_depth = LM_MIME_PARSER_DEPTH_DEFAULT;
	if (o->max_header_len == 0)
		o->max_header_len = LM_MIME_PARSER_HEADER_DEFAULT;
	if (o->max_headers == 0)
		o->max_headers = LM_MIME_PARSER_NHEADERS_DEFAULT;
	if (o->max_parts == 0)
		o->max_parts = LM_MIME_PARSER_PARTS_DEFAULT;
	if (o->max_boundary == 0)
		o->max_boundary = LM_MIME_PARSER_BOUNDARY_DEFAULT;
}

/* Sizes of the scratch regions: boundaries, unfolded header, decode
 * output (twice when converting), smallest input buffer. */
static size_t
bounds_size(const lm_mime_parser_opts *o)
{
	return (o->max_depth + 1) * (o->max_boundary + 2);
}

static size_t
out_size(const lm_mime_parser_opts *o)
{
	return (o->to_utf8 != NULL || (o->flags & LM_MIME_PARSE_UTF8)) ?
	       2 * LM_MIME_PARSER_OUTBUF : LM_MIME_PARSER_OUTBUF;
}

static size_t
in_min(const lm_mime_parser_opts *o)
{
	return o->max_header_len + 2 * o->max_boundary + 2 * LM_MIME__WS_MAX + 1024;
}

/* see mime.h */
size_t
lm_mime_parser_scratch_size(const lm_mime_parser_opts *in)
{
	lm_mime_parser_opts o;

	opts_resolve(in, &o);
	return bounds_size(&o) + o.max_header_len + out_size(&o) + in_min(&o);
}

static const char *const def_names[16] = {
	"junk_before_headers", "header_no_colon", "header_too_long",
	"too_many_headers", "no_mime_version", "no_boundary",
	"no_start_boundary", "no_end_boundary", "base64", "qp", "uuencode",
	"unknown_cte", "limit", "encoded_message", "continuation_first",
	"header_nul"
};

/* see mime.h */
const char *
lm_mime_parser_defect_name(unsigned bit)
{
	unsigned i;

	if (bit == 0 || (bit & (bit - 1)) != 0)
		return "unknown";
	if (bit < 0x10000u)
		return lm_mime_defect_name(bit);
	for (i = 0; i < 16; i++) {
		if (bit == (0x10000u << i))
			return def_names[i];
	}
	return "unknown";
}

/* see mime.h */
int
lm_mime_parser_init(lm_mime_parser *p, const lm_mime_parser_opts *o,
                    void *scratch, size_t len)
{
	lm_mime_parser_opts r;
	unsigned char *s = scratch;
	size_t need;

	if (p == NULL || scratch == NULL)
		return LM_ERR_BAD_PARAM;
	memset(p, 0, sizeof *p);
	opts_resolve(o, &r);
	if (r.version != LM_MIME_PARSER_VERSION || r.max_depth > LM_MIME_PARSER_DEPTH_MAX ||
	    r.max_boundary > 100000 || r.max_header_len > ((size_t)1 << 30))
		return LM_ERR_BAD_PARAM;
	need = lm_mime_parser_scratch_size(&r);
	if (len < need)
		return LM_ERR_BUFFER_TOO_SMALL;
	p->o = r;
	p->bounds = s;
	s += bounds_size(&r);
	p->unfold = s;
	s += r.max_header_len;
	p->out = s;
	s += out_size(&r);
	p->in = s;
	p->incap = len - (size_t)(s - (unsigned char *)scratch);
	p->top = -1;
	p->st = LM_MIME__ST_BEGIN_PART;
	p->inited = 1;
	return 0;
}

/* see mime.h */
void
lm_mime_parser_free(lm_mime_parser *p)
{
	if (p == NULL)
		return;
	if (p->conv_on)
		lm_mime_conv_free(&p->conv);
	lm_zeroize(p, sizeof *p);
}

/* see parser_internal.h */
void
lm_mime__compact(lm_mime_parser *p)
{
	size_t s = p->start;

	if (s == 0)
		return;
	memmove(p->in, p->in + s, p->end - s);
	p->end -= s;
	p->pos -= s;
	p->start = 0;
}

/* see mime.h */
unsigned char *
lm_mime_parser_buf(lm_mime_parser *p, size_t *len)
{
	if (p == NULL || len == NULL)
		return NULL;
	*len = 0;
	if (!p->inited || p->eof)
		return NULL;
	if (p->end == p->incap && p->waiting)
		lm_mime__compact(p);
	*len = p->incap - p->end;
	return p->in + p->end;
}

/* see mime.h */
int
lm_mime_parser_ack(lm_mime_parser *p, size_t n)
{
	if (p == NULL)
		return LM_ERR_BAD_PARAM;
	if (!p->inited || p->eof)
		return LM_ERR_BAD_STATE;
	if (n > p->incap - p->end)
		return LM_ERR_BAD_PARAM;
	p->end += n;
	return 0;
}

/* see mime.h */
int
lm_mime_parser_feed(lm_mime_parser *p, const void *data, size_t len, size_t *used)
{
	unsigned char *b;
	size_t room;

	if (p == NULL || used == NULL || (data == NULL && len > 0))
		return LM_ERR_BAD_PARAM;
	*used = 0;
	if (!p->inited || p->eof)
		return LM_ERR_BAD_STATE;
	b = lm_mime_parser_buf(p, &room);
	if (room > len)
		room = len;
	if (room > 0)
		memcpy(b, data, room);
	p->end += room;
	*used = room;
	return 0;
}

/* see mime.h */
int
lm_mime_parser_end(lm_mime_parser *p)
{
	if (p == NULL)
		return LM_ERR_BAD_PARAM;
	if (!p->inited)
		return LM_ERR_BAD_STATE;
	p->eof = 1;
	return 0;
}
