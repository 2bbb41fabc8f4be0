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
 * lenient base64 / quoted-printable decoders (or the uudecoder below)
 * into a fixed output buffer, or are handed out in place when no
 * decoding is needed. Entities open and close through a fixed stack of
 * frames, so nothing recurses and nothing grows with the message.
 */
#include <string.h>

#include "libmail/mime.h"
#include "internal.h"

enum { ST_BEGIN_PART = 1, ST_HEADERS, ST_HEADERS_END, ST_NESTED, ST_BODY,
       ST_CLOSE, ST_MSG_END, ST_DONE };
enum { MP_PREAMBLE = 0, MP_INPART, MP_SKIP, MP_EPILOGUE };
enum { PEND_NONE = 0, PEND_NEED, PEND_EOF, PEND_DELIM };
enum { AC_CHILD = 1, AC_EPILOGUE, AC_EOF };
enum { UU_PRE = 0, UU_SKIP, UU_LINE, UU_DATA, UU_END };

/* Longest run of white space after a delimiter that is still looked
 * at (a longer line is not a delimiter). */
#define WS_MAX 256
/* Junk lines skipped before the first field of a message. */
#define JUNK_MAX 8

#define LOWER(c) ((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))

static int
ieq(const unsigned char *a, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (lit[i] == '\0' || LOWER(a[i]) != LOWER((unsigned char)lit[i]))
			return 0;
	}
	return lit[n] == '\0';
}

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
	return o->max_header_len + 2 * o->max_boundary + 2 * WS_MAX + 1024;
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
	p->st = ST_BEGIN_PART;
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

/* Move the bytes still needed to the front of the input buffer. */
static void
compact(lm_mime_parser *p)
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
		compact(p);
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

/* ---- frames and paths ---------------------------------------------- */

static void
defect(lm_mime_parser *p, int fi, unsigned bits, unsigned count)
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

static char *
bound_of(lm_mime_parser *p, int fi)
{
	return (char *)p->bounds + (size_t)fi * (p->o.max_boundary + 2);
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
	p->st = ST_BEGIN_PART;
}

static void
fill_ev(lm_mime_parser *p, lm_mime_event *ev, lm_mime_event_type t, int fi)
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

/* ---- header values ------------------------------------------------- */

static int
is_tspecial_or_ctl(unsigned char c)
{
	return c <= ' ' || c >= 127 || strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* Skip white space and (nested) comments. */
static size_t
skip_cfws(const unsigned char *s, size_t n, size_t i)
{
	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i < n && s[i] == '(') {
			unsigned depth = 0;
			while (i < n) {
				if (s[i] == '\\' && i + 1 < n)
					i++;
				else if (s[i] == '(')
					depth++;
				else if (s[i] == ')' && --depth == 0) {
					i++;
					break;
				}
				i++;
			}
			continue;
		}
		return i;
	}
}

static size_t
take_token(const unsigned char *s, size_t n, size_t i, char *out, size_t cap,
           int *overflow)
{
	size_t k = 0;

	*overflow = 0;
	while (i < n && !is_tspecial_or_ctl(s[i])) {
		if (k + 1 < cap)
			out[k++] = (char)LOWER(s[i]);
		else
			*overflow = 1;
		i++;
	}
	out[k] = '\0';
	return i;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)LOWER(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Find parameter `name` in the parameter section s[0..n) (from the
 * first ';'), RFC 2231 sections included (name*, name*0, name*1*...,
 * joined in numeric order; extended sections percent-decoded, the
 * charset'lang' prefix dropped). Writes at most cap - 1 bytes and a
 * NUL. Returns the length, or -1 when absent.
 */
long
lm_mime__param_find(const unsigned char *s, size_t n, const char *name,
                    char *out, size_t cap)
{
	size_t nl = strlen(name), i = 0, k = 0;
	long plain = -1;
	unsigned want = 0;
	int found_2231 = 0, progress = 1;

	out[0] = '\0';
	/* Several passes over the section (at most one per RFC 2231
	 * section, bounded by LM_MIME_PARAM_SECTIONS) join continuations
	 * written in any order. */
	while (progress && want < LM_MIME_PARAM_SECTIONS) {
		progress = 0;
		i = 0;
		while (i < n) {
			size_t ns, ne, vs;
			int sec = -1, ext = 0, quoted = 0;

			while (i < n && s[i] != ';') {
				if (s[i] == '"') {     /* skip quoted strings */
					i++;
					while (i < n && s[i] != '"') {
						if (s[i] == '\\')
							i++;
						i++;
					}
				}
				i++;
			}
			if (i >= n)
				break;
			i = skip_cfws(s, n, i + 1);
			ns = i;
			while (i < n && s[i] != '=' && s[i] != ';' && s[i] != ' ' &&
			       s[i] != '\t' && s[i] != '*')
				i++;
			ne = i;
			if (i < n && s[i] == '*') {
				i++;
				if (i < n && s[i] >= '0' && s[i] <= '9') {
					sec = 0;
					while (i < n && s[i] >= '0' && s[i] <= '9') {
						if (sec < 100000)
							sec = sec * 10 + (s[i] - '0');
						i++;
					}
					if (i < n && s[i] == '*') {
						ext = 1;
						i++;
					}
				} else
					ext = 1;
			}
			i = skip_cfws(s, n, i);
			if (i >= n || s[i] != '=')
				continue;
			i = skip_cfws(s, n, i + 1);
			if (ne - ns != nl || !ieq(s + ns, nl, name))
				continue;
			vs = i;
			if (i < n && s[i] == '"')
				quoted = 1;
			if (sec < 0 && !ext) {
				/* plain name=value: only kept if no RFC 2231 form */
				if (want == 0 && plain < 0 && !found_2231) {
					size_t w = 0;
					if (quoted) {
						i++;
						while (i < n && s[i] != '"') {
							if (s[i] == '\\' && i + 1 < n)
								i++;
							if (s[i] != '\r' && s[i] != '\n' && w + 1 < cap)
								out[w++] = (char)s[i];
							i++;
						}
						if (i < n)
							i++;
					} else {
						while (i < n && s[i] != ';' && s[i] != ' ' &&
						       s[i] != '\t' && s[i] != '(') {
							if (w + 1 < cap)
								out[w++] = (char)s[i];
							i++;
						}
					}
					out[w] = '\0';
					plain = (long)w;
				}
				continue;
			}
			if ((sec < 0 ? 0u : (unsigned)sec) != want)
				continue;
			if (!found_2231)
				k = 0;   /* the RFC 2231 form wins over a plain one */
			found_2231 = 1;
			progress = 1;
			i = vs;
			if (quoted)
				i++;
			if (ext && want == 0) {   /* charset'lang' */
				size_t j = i, q = 0;
				while (j < n && s[j] != ';' && s[j] != '"' && q < 2) {
					if (s[j] == '\'')
						q++;
					j++;
				}
				if (q == 2)
					i = j;
			}
			while (i < n && (quoted ? s[i] != '"' :
			       (s[i] != ';' && s[i] != ' ' && s[i] != '\t'))) {
				unsigned char c = s[i];
				if (quoted && c == '\\' && i + 1 < n)
					c = s[++i];
				if (ext && c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
				    hexval(s[i + 2]) >= 0) {
					c = (unsigned char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
					i += 2;
				}
				if (c != '\r' && c != '\n' && k + 1 < cap)
					out[k++] = (char)c;
				i++;
			}
			out[k] = '\0';
			if (sec < 0) {   /* name*=... is the whole value */
				progress = 0;
				break;
			}
			break;
		}
		if (progress)
			want++;
	}
	if (found_2231) {
		out[k] = '\0';
		return (long)k;
	}
	return plain;
}

/* A file name parameter decoded to UTF-8 by the header codecs
 * (RFC 2231 in any order, RFC 2047 words in quotes); when it does not
 * fit, the raw value cut to the buffer. Returns 1 when found. */
static int
get_filename(lm_mime_parser *p, const unsigned char *v, size_t n, const char *name,
             char *out, size_t cap)
{
	size_t len = 0;
	unsigned d = 0;
	int r = lm_mime_param_get((const char *)v, n, name, out, cap - 1, &len, &d);

	if (r == 1) {
		out[len] = '\0';
		d &= LM_MIME_DEF_PARAM_SYNTAX | LM_MIME_DEF_PARAM_2231;
		if (d != 0)
			defect(p, p->top, d, 1);
		return 1;
	}
	return lm_mime__param_find(v, n, name, out, cap) >= 0;
}

static void
copy_lower(char *dst, size_t cap, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < cap; i++)
		dst[i] = (char)LOWER((unsigned char)src[i]);
	dst[i] = '\0';
}

/* Content-Type: type/subtype and the parameters the parser needs. */
static void
parse_ctype(lm_mime_parser *p, const unsigned char *v, size_t n)
{
	char type[LM_MIME_TYPE_MAX], sub[LM_MIME_TYPE_MAX];
	char *b = bound_of(p, p->top);
	size_t i;
	int of1, of2;
	long r;

	i = skip_cfws(v, n, 0);
	i = take_token(v, n, i, type, sizeof type, &of1);
	i = skip_cfws(v, n, i);
	if (type[0] == '\0' || of1 || i >= n || v[i] != '/') {
		defect(p, p->top, LM_MIME_DEF_CTYPE_SYNTAX, 1);
		return;   /* keep the default */
	}
	i = skip_cfws(v, n, i + 1);
	i = take_token(v, n, i, sub, sizeof sub, &of2);
	if (sub[0] == '\0' || of2) {
		defect(p, p->top, LM_MIME_DEF_CTYPE_SYNTAX, 1);
		return;
	}
	memcpy(p->info.type, type, sizeof type);
	memcpy(p->info.subtype, sub, sizeof sub);
	while (i < n && v[i] != ';')
		i++;
	v += i;
	n -= i;
	r = lm_mime__param_find(v, n, "charset", p->info.charset, sizeof p->info.charset);
	if (r > 0)
		copy_lower(p->info.charset, sizeof p->info.charset, p->info.charset);
	if (strcmp(type, "multipart") == 0) {
		/* boundary: up to max_boundary bytes; one more tells "too long".
		 * One holding a NUL (boundary*=a%00b, or a raw NUL in quotes) is
		 * no boundary: info.boundary is a C string, so the application
		 * would see less than the delimiters matched here (RFC 2046
		 * bchars never include NUL). Other bytes outside bchars and a
		 * trailing space are kept (leniency): what is matched is then
		 * exactly what info.boundary shows. */
		r = lm_mime__param_find(v, n, "boundary", b, p->o.max_boundary + 2);
		if (r < 0)
			b[0] = '\0';
		else if ((size_t)r > p->o.max_boundary)
			b[0] = '\0', p->fr[p->top].blen = ~0u;
		else if (memchr(b, '\0', (size_t)r) != NULL)
			b[0] = '\0';   /* blen 0: LM_MIME_DEF_NO_BOUNDARY, a leaf */
		else
			p->fr[p->top].blen = (unsigned)r;
	}
	if (!p->seen_cd || p->info.filename[0] == '\0')
		(void)get_filename(p, v, n, "name", p->info.filename, sizeof p->info.filename);
}

static void
parse_cdisp(lm_mime_parser *p, const unsigned char *v, size_t n)
{
	char tok[32];
	size_t i;
	int of;

	i = skip_cfws(v, n, 0);
	i = take_token(v, n, i, tok, sizeof tok, &of);
	if (strcmp(tok, "inline") == 0)
		p->info.disposition = LM_MIME_DISP_INLINE;
	else if (strcmp(tok, "attachment") == 0)
		p->info.disposition = LM_MIME_DISP_ATTACHMENT;
	else if (tok[0] != '\0')
		p->info.disposition = LM_MIME_DISP_OTHER;
	while (i < n && v[i] != ';')
		i++;
	{
		char tmp[LM_MIME_FILENAME_MAX];
		if (get_filename(p, v + i, n - i, "filename", tmp, sizeof tmp))
			memcpy(p->info.filename, tmp, strlen(tmp) + 1);
	}
}

static void
parse_cte(lm_mime_parser *p, const unsigned char *v, size_t n)
{
	char tok[32];
	size_t i;
	int of;

	i = skip_cfws(v, n, 0);
	(void)take_token(v, n, i, tok, sizeof tok, &of);
	if (of)
		tok[0] = '?';
	if (strcmp(tok, "7bit") == 0 || tok[0] == '\0')
		p->info.cte = LM_MIME_CTE_7BIT;
	else if (strcmp(tok, "8bit") == 0)
		p->info.cte = LM_MIME_CTE_8BIT;
	else if (strcmp(tok, "binary") == 0)
		p->info.cte = LM_MIME_CTE_BINARY;
	else if (strcmp(tok, "base64") == 0)
		p->info.cte = LM_MIME_CTE_BASE64;
	else if (strcmp(tok, "quoted-printable") == 0)
		p->info.cte = LM_MIME_CTE_QP;
	else if (strcmp(tok, "x-uuencode") == 0 || strcmp(tok, "uuencode") == 0 ||
	         strcmp(tok, "x-uue") == 0 || strcmp(tok, "uue") == 0)
		p->info.cte = LM_MIME_CTE_UUENCODE;
	else {
		p->info.cte = LM_MIME_CTE_UNKNOWN;
		defect(p, p->top, LM_MIME_DEF_UNKNOWN_CTE, 1);
	}
}

/* A complete header field: act on the ones that shape the structure. */
static void
header_seen(lm_mime_parser *p, const unsigned char *name, size_t nlen,
            const unsigned char *val, size_t vlen)
{
	if (nlen > 8 && ieq(name, 8, "content-"))
		p->mimefields = 1;
	if (ieq(name, nlen, "content-type")) {
		if (!p->seen_ct) {
			p->seen_ct = 1;
			p->info.has_content_type = 1;
			parse_ctype(p, val, vlen);
		}
	} else if (ieq(name, nlen, "content-transfer-encoding")) {
		if (!p->seen_cte) {
			p->seen_cte = 1;
			parse_cte(p, val, vlen);
		}
	} else if (ieq(name, nlen, "content-disposition")) {
		if (!p->seen_cd) {
			p->seen_cd = 1;
			parse_cdisp(p, val, vlen);
		}
	} else if (ieq(name, nlen, "mime-version")) {
		p->info.mime_version = 1;
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

		if (f->kind != LM_MIME_KIND_MULTIPART || f->state == MP_EPILOGUE)
			continue;
		if (n < 2 + bl || memcmp(s + 2, bound_of(p, k), bl) != 0)
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
		if (p->fr[k].kind == LM_MIME_KIND_MULTIPART && p->fr[k].state != MP_EPILOGUE)
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
	size_t lim = 2 + p->o.max_boundary + 2 + WS_MAX + 2;

	p->pend = PEND_NEED;
	if (!any_open_boundary(p)) {
		p->run_a = run_start;
		p->run_b = end;
		p->pos = end;
		p->held = 0;
		if (p->eof)
			p->pend = PEND_EOF;
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
					p->pend = PEND_EOF;
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
				p->pend = PEND_EOF;
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
			p->pend = PEND_DELIM;
			p->pend_level = k;
			p->pend_close = close;
			return;
		}
	}
}

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
		case UU_PRE:
			if (c == '\n')
				p->uu_n = 0;
			else if (p->uu_n < 6) {
				if (c == (unsigned char)begin[p->uu_n]) {
					if (++p->uu_n == 6)
						p->uu_state = UU_SKIP;
				} else
					p->uu_n = 99;
			}
			break;
		case UU_SKIP:
			if (c == '\n')
				p->uu_state = UU_LINE;
			break;
		case UU_LINE:
			if (c == '\n' || c == '\r')
				break;
			p->uu_len = (unsigned)((c - 32) & 63);
			p->uu_n = 0;
			/* a length of 0 ("`" or " ") ends the data; the "end"
			 * line that follows is skipped in UU_END */
			p->uu_state = p->uu_len == 0 ? UU_END : UU_DATA;
			break;
		case UU_DATA:
			if (c == '\n' || c == '\r') {
				if (p->uu_len > 0) {
					defect(p, p->top, LM_MIME_DEF_UUENCODE, 1);
					p->uu_len = 0;
				}
				p->uu_state = c == '\n' ? UU_LINE : UU_SKIP;
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
					p->uu_state = UU_SKIP;
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
 * (this file had its own table decoder while the core went byte by
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
		defect(p, p->top, LM_MIME_DEF_CHARSET, 1);
		return s;
	}
	s.p = o;
	s.len = w;
	return s;
}

/* Hand out the next piece of the run; 1 if *ev was filled. */
static int
emit_run(lm_mime_parser *p, lm_mime_event *ev)
{
	int kind, cte;
	size_t cap = converting(p) ? LM_MIME_PARSER_OUTBUF / 4 : LM_MIME_PARSER_OUTBUF;

	if (top_is_leaf(p))
		kind = LM_MIME_BODY_CONTENT;
	else if (p->fr[p->top].state == MP_EPILOGUE)
		kind = LM_MIME_BODY_EPILOGUE;
	else if (p->fr[p->top].state == MP_PREAMBLE)
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
			fill_ev(p, ev, LM_MIME_EV_BODY, p->top);
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
			fill_ev(p, ev, LM_MIME_EV_BODY, p->top);
			ev->part = &p->info;
			ev->body = kind;
			ev->data = s;
			return 1;
		}
	}
	return 0;
}

/* End of a leaf: flush the decoder; 1 if *ev was filled. */
static int
finalize_leaf(lm_mime_parser *p, lm_mime_event *ev)
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
				defect(p, p->top, LM_MIME_DEF_BASE64, c > 1000000 ? 1000000u : (unsigned)c);
		} else if (decoding(p) == LM_MIME_CTE_QP) {
			const lm_qp_defects *d = lm_qp_dec_defects(&p->qp);
			if (d->bad_escape > 0)
				defect(p, p->top, LM_MIME_DEF_QP,
				       d->bad_escape > 1000000 ? 1000000u : (unsigned)d->bad_escape);
		} else if (decoding(p) == LM_MIME_CTE_UUENCODE && p->uu_state != UU_END) {
			defect(p, p->top, LM_MIME_DEF_UUENCODE, 1);
		}
		if (w > 0) {
			s = convert(p, p->out, w);
			if (s.len > 0) {
				fill_ev(p, ev, LM_MIME_EV_BODY, p->top);
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
			defect(p, p->top, cd, 1);
		lm_mime_conv_free(&p->conv);
		p->conv_on = 0;
		if (w > 0) {
			fill_ev(p, ev, LM_MIME_EV_BODY, p->top);
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
			defect(p, p->top, LM_MIME_DEF_CHARSET, 1);
		} else if (w > 0) {
			fill_ev(p, ev, LM_MIME_EV_BODY, p->top);
			ev->part = &p->info;
			ev->data.p = p->out + LM_MIME_PARSER_OUTBUF;
			ev->data.len = w;
			return 1;
		}
	}
	return 0;
}

/* ---- header section ------------------------------------------------- */

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
			defect(p, p->top, LM_MIME_DEF_TOO_MANY_HEADERS, 1);
		p->nheaders++;
		return 0;
	}
	p->nheaders++;
	if (memchr(b + pos, '\0', fe - pos) != NULL)
		defect(p, p->top, LM_MIME_DEF_HEADER_NUL, 1);
	fill_ev(p, ev, LM_MIME_EV_HEADER, p->top);
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
						p->st = ST_HEADERS_END;
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
			p->st = ST_HEADERS_END;
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
					defect(p, p->top, LM_MIME_DEF_HEADER_NO_COLON, 1);
					p->st = ST_HEADERS_END;
					return 0;
				}
				defect(p, p->top, LM_MIME_DEF_HEADER_TOO_LONG, 1);
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
					p->st = ST_HEADERS_END;
					return 0;
				}
				if (b[pos] == '-') {
					int close;
					if (match_delim(p, b + pos, ce - pos, &close) >= 0) {
						p->hscan = 0;
						p->st = ST_HEADERS_END;
						return 0;   /* the body scanner meets it */
					}
				}
				if ((b[pos] == ' ' || b[pos] == '\t') && !p->hseen) {
					defect(p, p->top, LM_MIME_DEF_CONTINUATION_FIRST, 1);
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
							defect(p, p->top, LM_MIME_DEF_JUNK_BEFORE_HEADERS, 1);
							p->pos = p->start = le;
							break;
						}
					}
					defect(p, p->top, LM_MIME_DEF_HEADER_NO_COLON, 1);
					p->st = ST_HEADERS_END;
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
			defect(p, fi, LM_MIME_DEF_LIMIT, 1);
		} else if (f->blen == 0) {
			defect(p, fi, LM_MIME_DEF_NO_BOUNDARY, 1);
		} else if ((size_t)fi + 1 >= p->o.max_depth || p->nparts >= p->o.max_parts) {
			defect(p, fi, LM_MIME_DEF_LIMIT, 1);
		} else {
			f->kind = LM_MIME_KIND_MULTIPART;
			f->state = MP_PREAMBLE;
			f->digest = strcmp(in->subtype, "digest") == 0;
			in->boundary = bound_of(p, fi);
		}
	} else if (strcmp(in->type, "message") == 0 &&
	           (strcmp(in->subtype, "rfc822") == 0 || strcmp(in->subtype, "global") == 0) &&
	           !(p->o.flags & LM_MIME_PARSE_NO_NESTED)) {
		if (in->cte == LM_MIME_CTE_BASE64 || in->cte == LM_MIME_CTE_QP ||
		    in->cte == LM_MIME_CTE_UUENCODE)
			defect(p, fi, LM_MIME_DEF_ENCODED_MESSAGE, 1);
		else if ((size_t)fi + 1 >= p->o.max_depth || p->nparts >= p->o.max_parts)
			defect(p, fi, LM_MIME_DEF_LIMIT, 1);
		else
			f->kind = LM_MIME_KIND_MESSAGE;
	}
	if (f->kind != LM_MIME_KIND_MULTIPART)
		f->blen = 0;
	in->kind = (lm_mime_kind)f->kind;
	if (f->root && f->kind != LM_MIME_KIND_MULTIPART)
		path_append(p, fi, 1);
	if (f->root && !in->mime_version && p->mimefields)
		defect(p, fi, LM_MIME_DEF_NO_MIME_VERSION, 1);
	fill_ev(p, ev, LM_MIME_EV_HEADERS_END, fi);
	ev->part = in;
	/* set up the body */
	p->bol = 1;
	p->held = 0;
	p->run_a = p->run_b = p->pos;
	p->pend = PEND_NONE;
	p->finalized = 0;
	p->conv_err = 0;
	if (f->kind == LM_MIME_KIND_MESSAGE) {
		p->st = ST_NESTED;   /* after the caller saw this event */
		return;
	}
	if (f->kind == LM_MIME_KIND_LEAF) {
		lm_b64_dec_init(&p->b64, LM_B64_LENIENT);
		p->b64_fast = 1;
		p->b64_mod = 0;
		p->b64_pend = 0;
		lm_qp_dec_init(&p->qp);
		p->uu_state = UU_PRE;
		p->uu_n = 0;
		if ((p->o.flags & LM_MIME_PARSE_UTF8) && !(p->o.flags & LM_MIME_PARSE_RAW) &&
		    strcmp(in->type, "text") == 0) {
			const char *cs = in->charset[0] != '\0' ? in->charset : "us-ascii";
			(void)lm_mime_conv_init(&p->conv, cs, strlen(cs));
			p->conv_on = 1;
		}
	}
	p->st = ST_BODY;
}

/* ---- closing --------------------------------------------------------- */

/* Returns 1 with *ev filled, or 0 when closing is over. */
static int
step_close(lm_mime_parser *p, lm_mime_event *ev)
{
	while (p->top > p->close_to) {
		lm_mime_frame *f = &p->fr[p->top];

		if (f->kind == LM_MIME_KIND_LEAF && p->finalized < 3) {
			if (finalize_leaf(p, ev))
				return 1;
			p->finalized = 3;
		}
		if (f->kind == LM_MIME_KIND_MULTIPART && f->state != MP_EPILOGUE) {
			defect(p, p->top, LM_MIME_DEF_NO_END_BOUNDARY, 1);
			if (f->state == MP_PREAMBLE)
				defect(p, p->top, LM_MIME_DEF_NO_START_BOUNDARY, 1);
			f->state = MP_EPILOGUE;
		}
		fill_ev(p, ev, LM_MIME_EV_PART_END, p->top);
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
		case ST_BEGIN_PART:
			if (p->top < 0)
				push_entity(p, 1);
			fill_ev(p, ev, LM_MIME_EV_PART_BEGIN, p->top);
			ev->part = &p->info;
			p->st = ST_HEADERS;
			return LM_EVENT;
		case ST_HEADERS:
			r = step_headers(p, ev);
			if (r == LM_WANT_READ) {
				if (p->eof)
					continue;
				compact(p);
				p->waiting = 1;
				return r;
			}
			if (r != 0)
				return r;
			break;
		case ST_HEADERS_END:
			headers_end(p, ev);
			return LM_EVENT;
		case ST_NESTED:
			push_entity(p, 1);
			break;
		case ST_BODY:
			if (p->run_a < p->run_b) {
				if (emit_run(p, ev))
					return LM_EVENT;
				continue;
			}
			switch (p->pend) {
			case PEND_DELIM:
				p->pend = PEND_NONE;
				p->close_to = p->pend_level;
				p->after_close = p->pend_close ? AC_EPILOGUE : AC_CHILD;
				p->st = ST_CLOSE;
				continue;
			case PEND_EOF:
				p->pend = PEND_NONE;
				p->close_to = -1;
				p->after_close = AC_EOF;
				p->st = ST_CLOSE;
				continue;
			case PEND_NEED:
				p->pend = PEND_NONE;
				if (!p->eof) {
					p->start = p->pos - p->held;
					compact(p);
					p->waiting = 1;
					return LM_WANT_READ;
				}
				break;
			default:
				break;
			}
			scan_body(p);
			break;
		case ST_CLOSE:
			if (step_close(p, ev))
				return LM_EVENT;
			if (p->after_close == AC_EOF) {
				p->st = ST_MSG_END;
				break;
			} else {
				lm_mime_frame *f = &p->fr[p->top];
				p->st = ST_BODY;
				p->bol = 1;
				p->held = 0;
				p->run_a = p->run_b = p->pos;
				if (p->after_close == AC_EPILOGUE) {
					f->state = MP_EPILOGUE;
				} else if (f->state != MP_SKIP) {
					if (p->nparts >= p->o.max_parts) {
						f->state = MP_SKIP;
						defect(p, p->top, LM_MIME_DEF_LIMIT, 1);
					} else {
						f->state = MP_INPART;
						push_entity(p, 0);
					}
				}
			}
			break;
		case ST_MSG_END:
			fill_ev(p, ev, LM_MIME_EV_MESSAGE_END, -1);
			p->st = ST_DONE;
			return LM_EVENT;
		case ST_DONE:
		default:
			return LM_DONE;
		}
	}
}
