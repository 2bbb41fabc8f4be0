/*
 * The MIME composer with a message description taken from the input.
 *
 * Two layouts. The first (every input that has 8 NULs after byte 1 or
 * ends with a NUL; unchanged since the harness began, so old corpus and
 * regress inputs keep their meaning): byte 0 options, byte 1 read size,
 * then up to 8 NUL-terminated strings: subject, from name, to name,
 * text body, attachment file name, attachment content type, one extra
 * header line, Message-ID; whatever follows the eighth NUL is the
 * attachment's bytes.
 *   options: 0x01 subject, 0x02 to, 0x04 text, 0x08 attachment,
 *            0x10 content type, 0x20 extra header, 0x40 Message-ID,
 *            0x80 text through text_read instead of memory
 *   a text that starts with '<' is also the HTML body (html_read when
 *   0x80), making a multipart/alternative; with 0x02 and an even byte 1
 *   the To mailbox's name also goes to Cc with carol@example.org;
 *   with byte 1 >= 194 the attachment is an in-memory lm_mime_part
 *   (encoding chosen by content), and an inline part (Content-ID
 *   img@fuzz, multipart/related with the HTML) when there is HTML and
 *   its content type starts with "image/".
 *
 * The second layout is every other input longer than 2 bytes: fewer
 * than 8 NULs after byte 1 and a last byte that is not NUL (the first
 * layout rejected all of these). Byte 0 options and byte 1 read size as
 * above, byte 2 mailboxes, byte 3 parts, then fields separated by 0xFF
 * (a field holding a NUL is, as a string, cut there): subject, from
 * name, text, extra header, Message-ID, 3 To names, 3 Cc names, 3
 * Reply-To names, then per part its file name, content type and bytes
 * (att[] first, then parts[]).
 *   options: 0x01 subject, 0x02 the text is the HTML body only (no
 *            text/plain), 0x04 text, 0x10 content types (else, or
 *            when empty, guessed),
 *            0x20 extra header, 0x40 Message-ID, 0x80 text_read and
 *            html_read; 0x08 unused
 *   byte 2: bits 0-1 To mailboxes, 2-3 Cc, 4-5 Reply-To (0..3 each)
 *   byte 3: bits 0-1 streamed attachments (att[]), 2-3 lm_mime_part
 *           parts, 4-6 part j has Content-ID img<j>@fuzz (inline),
 *           7 the parts are streamed (read) instead of in memory
 *   a text that starts with '<' is also the HTML body, as above.
 *
 * Invariants when lm_mime_compose_init() accepts: the message ends;
 * only CRLF line ends, no line over 998 octets; every header line of
 * the message and of each part is a continuation or starts with a
 * field name the composer writes (or the extra header's own name), so
 * no name injected through a value becomes a header; the output does
 * not depend on the read size; after every read the composer's own
 * marks stay inside its arrays (mime_bounds.h).
 *
 * Round trip (compose_rt.h): the message, parsed back with the
 * streaming parser fed in pieces of the read size, has no parser or
 * codec defect; Subject (RFC 2047 decoded), Date, Message-ID and each
 * From/To/Cc/Reply-To mailbox (address, decoded display name) are what
 * was given; the structure is the one mime.h describes: text/plain
 * and/or text/html (multipart/alternative for both, the HTML in a
 * multipart/related with the inline parts), inside a multipart/mixed
 * with the other attachments when there are any, in document order;
 * the text and the HTML decode to the input with bare LF made CRLF
 * (plus the message's final CRLF when it is the only part, not base64,
 * and does not end with a line end); each attachment has disposition
 * attachment (inline with its Content-ID), its filename (RFC 2231
 * decoded), the given (or guessed) type and exactly the bytes its
 * reader gave.
 */
#include <string.h>
#include <strings.h>

#include "libmail/mime.h"
#include "libmail/error.h"
#include "fuzz.h"
#include "mime_bounds.h"
#include "compose_rt.h"

typedef struct {
	const unsigned char *p;
	size_t n, off, step;
} src;

static int
src_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	src *s = ud;
	size_t k = s->n - s->off;

	if (k > cap)
		k = cap;
	if (k > s->step)
		k = s->step;
	memcpy(buf, s->p + s->off, k);
	s->off += k;
	*got = k;
	return 0;
}

#define OUT_MAX (1u << 20)

/* Compose the whole message with reads of `cap` bytes. */
static size_t
compose_all(const lm_mime_compose_opts *o, size_t cap, unsigned char *out)
{
	static lm_mime_compose m;
	size_t len = 0, got;
	int r;

	FZ_CHECK(lm_mime_compose_init(&m, o) == 0, "init accepts twice");
	for (;;) {
		FZ_CHECK(len + cap <= OUT_MAX, "message size bounded");
		/* what init or the previous read left (mime_bounds.h) */
		fz_mime_compose_bounds(&m);
		got = 0;
		r = lm_mime_compose_read(&m, out + len, cap, &got);
		FZ_CHECK(r == 0, "read succeeds");
		FZ_CHECK(got <= cap, "read within cap");
		if (got == 0)
			break;
		len += got;
	}
	fz_mime_compose_bounds(&m);
	got = 1;
	FZ_CHECK(lm_mime_compose_read(&m, out, cap, &got) == 0 && got == 0,
	         "end is final");
	lm_mime_compose_free(&m);
	return len;
}

static int
name_is(const unsigned char *line, size_t n, const char *name)
{
	size_t k = strlen(name);
	return n > k && line[k] == ':' && strncasecmp((const char *)line, name, k) == 0;
}

static const char *const top_names[] = {
	"Date", "From", "To", "Cc", "Reply-To", "Subject", "Message-ID",
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding", NULL
};
static const char *const part_names[] = {
	"Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
	"Content-ID", NULL
};

static void
check_header_line(const unsigned char *l, size_t n, const char *const *names,
                  const char *extra, size_t extra_len)
{
	size_t i;

	if (l[0] == ' ' || l[0] == '\t')
		return; /* continuation */
	for (i = 0; names[i] != NULL; i++)
		if (name_is(l, n, names[i]))
			return;
	if (extra != NULL && n > extra_len && l[extra_len] == ':' &&
	    memcmp(l, extra, extra_len) == 0)
		return;
	fprintf(stderr, "unexpected header line: %.*s\n", (int)(n > 200 ? 200 : n),
	        (const char *)l);
	FZ_CHECK(0, "only the composer's own header fields");
}

/* A delimiter line p[0..n) ("--" and a boundary) of any multipart
 * level: "=_", "=1_" or "=2_" and the seed's hex (mime.h, html). */
static int
is_delim(const unsigned char *p, size_t n, const char *hex)
{
	size_t k = strlen(hex);

	if (n < 4 || p[0] != '-' || p[1] != '-' || p[2] != '=')
		return 0;
	if (p[3] == '1' || p[3] == '2') {
		p++;
		n--;
	}
	return n == 4 + k && p[3] == '_' && memcmp(p + 4, hex, k) == 0;
}

static void
check_message(const unsigned char *p, size_t n, const char *hex,
              const char *extra, size_t extra_len)
{
	size_t i = 0, e;
	int in_head = 1;               /* top-level header block first */
	const char *const *names = top_names;

	while (i < n) {
		for (e = i; e < n && p[e] != '\n'; e++)
			FZ_CHECK(p[e] != '\r' || (e + 1 < n && p[e + 1] == '\n'),
			         "CR only in CRLF");
		FZ_CHECK(e < n, "message ends with CRLF");
		FZ_CHECK(e > i ? p[e - 1] == '\r' : 0, "LF only in CRLF");
		/* line is p[i .. e-1), length e-1-i */
		FZ_CHECK(e - 1 - i <= 998, "no line over 998 octets");
		if (in_head) {
			if (e - 1 == i) {
				in_head = 0;
			} else {
				check_header_line(p + i, e - 1 - i, names,
				                  names == top_names ? extra : NULL, extra_len);
			}
		} else if (is_delim(p + i, e - 1 - i, hex)) {
			in_head = 1;
			names = part_names;
		}
		i = e + 1;
	}
}

/* Bytes, name, type and Content-ID attachment k (att[] then parts[])
 * must come back with. */
typedef struct {
	const char *filename, *ctype, *cid;
	const unsigned char *p;
	size_t n;
} want_att;

static want_att
want_of(const lm_mime_compose_opts *o, size_t k)
{
	want_att w;
	const src *s = NULL;

	memset(&w, 0, sizeof w);
	if (k < o->natt) {
		w.filename = o->att[k].filename;
		w.ctype = o->att[k].content_type;
		s = o->att[k].ud;
	} else {
		const lm_mime_part *a = &o->parts[k - o->natt];
		w.filename = a->filename;
		w.ctype = a->content_type;
		w.cid = a->content_id;
		if (a->read != NULL)
			s = a->ud;
		w.p = a->data;
		w.n = a->len;
	}
	if (s != NULL) {
		w.p = s->p;
		w.n = s->n;
	}
	if (w.ctype == NULL)
		w.ctype = lm_mime_guess_type(w.filename);
	return w;
}

/* The bytes of a text or HTML body given in memory or through a src. */
static void
body_of(const char *mem, size_t len, lm_read_fn rd, const void *ud,
        const unsigned char **p, size_t *n)
{
	const src *s = ud;

	*p = rd != NULL ? s->p : (const unsigned char *)mem;
	*n = rd != NULL ? s->n : len;
}

static void
expect_att(const rt_msg *r, size_t i, unsigned depth,
           const lm_mime_compose_opts *o, size_t k)
{
	want_att w = want_of(o, k);

	rt_expect_part(r, i, depth, r->part[i].ctype);
	rt_expect_att(r, i, w.filename, w.ctype, w.p, w.n, w.cid);
}

/* Parse the message back and compare it with what o described; extra
 * is the extra header line (NULL for none) of name length extra_len. */
static void
check_round_trip(const lm_mime_compose_opts *o, const unsigned char *msg,
                 size_t n, size_t step, const char *extra, size_t extra_len)
{
	static rt_msg r;
	char date[LM_MIME_DATE_LEN + 1], mid[300];
	const unsigned char *t;
	size_t i = 0, k, tlen, nall = o->natt + o->nparts, ninline = 0;
	unsigned d = 0;
	int has_html = o->html != NULL || o->html_read != NULL;
	int has_text = o->text != NULL || o->text_read != NULL ||
	               (nall == 0 && !has_html);
	int single;

	if (has_html)
		for (k = 0; k < o->nparts; k++)
			ninline += o->parts[k].content_id != NULL;
	single = has_text + has_html + nall == 1;
	rt_parse(&r, msg, n, step);
	if (r.defects != 0)
		fprintf(stderr, "defects 0x%x\n", r.defects);
	FZ_CHECK(r.defects == 0, "no defect in the composer's output");
	rt_expect_field(&r, RT_SUBJECT, o->subject, 1);
	FZ_CHECK(lm_mime_date_format(o->date, o->tz_offset_min, date,
	                             sizeof date, NULL) == 0, "date formats");
	rt_expect_field(&r, RT_DATE, date, 0);
	if (o->message_id != NULL)
		snprintf(mid, sizeof mid, "<%s>", o->message_id);
	rt_expect_field(&r, RT_MSGID, o->message_id ? mid : NULL, 0);
	rt_expect_mailboxes(&r, RT_FROM, &o->from, 1);
	rt_expect_mailboxes(&r, RT_TO, o->to, o->nto);
	rt_expect_mailboxes(&r, RT_CC, o->cc, o->ncc);
	if (extra != NULL && extra_len == 8 &&
	    strncasecmp(extra, "Reply-To", 8) == 0)
		FZ_CHECK(o->nreply_to == 0 && r.ntop[RT_REPLYTO] == 1,
		         "an extra Reply-To only without reply_to, once");
	else
		rt_expect_mailboxes(&r, RT_REPLYTO, o->reply_to, o->nreply_to);

	/* Leaves in document order (mime.h, html): text, HTML, the inline
	 * parts of the related, the other attachments. */
	if (nall > ninline) {
		rt_expect_part(&r, i++, 0, "multipart/mixed");
		d = 1;
	}
	if (has_text && has_html)
		rt_expect_part(&r, i++, d++, "multipart/alternative");
	if (has_text) {
		body_of(o->text, o->text_len, o->text_read, o->text_ud, &t, &tlen);
		rt_expect_part(&r, i, d, "text/plain");
		rt_expect_text(&r, i++, t, tlen, single);
	}
	if (ninline > 0)
		rt_expect_part(&r, i++, d++, "multipart/related");
	if (has_html) {
		body_of(o->html, o->html_len, o->html_read, o->html_ud, &t, &tlen);
		rt_expect_part(&r, i, d, "text/html");
		rt_expect_text(&r, i++, t, tlen, single);
	}
	for (k = o->natt; ninline > 0 && k < nall; k++)
		if (o->parts[k - o->natt].content_id != NULL)
			expect_att(&r, i++, d, o, k);
	for (k = 0; k < nall; k++)
		if (ninline == 0 || k < o->natt ||
		    o->parts[k - o->natt].content_id == NULL)
			expect_att(&r, i++, 1, o, k);
	FZ_CHECK(r.nparts == i, "no other entity");
}

/* A message description and everything it points to. */
typedef struct {
	lm_mime_compose_opts o;
	lm_mime_mailbox to[3], cc[3], reply_to[3];
	lm_mime_attachment att[3];
	lm_mime_part part[3];
	src srcs[8];                  /* text, HTML, attachments */
	size_t nsrc;
	size_t rsize;
	const char *extra_list[1];
	const char *extra;            /* the extra header line or NULL */
	size_t extra_len;             /* its name's length */
} desc;

static src *
new_src(desc *x, const void *p, size_t n)
{
	src *s = &x->srcs[x->nsrc++];

	s->p = p;
	s->n = n;
	s->off = 0;
	s->step = x->rsize;
	return s;
}

/* The text t: text/plain unless html_only, also the HTML body when it
 * starts with '<' or html_only; through read callbacks with rd. */
static void
set_text(desc *x, const char *t, int html_only, int rd)
{
	lm_mime_compose_opts *o = &x->o;
	int plain = !html_only, html = html_only || t[0] == '<';

	if (rd) {
		if (plain) {
			o->text_read = src_read;
			o->text_ud = new_src(x, t, strlen(t));
		}
		if (html) {
			o->html_read = src_read;
			o->html_ud = new_src(x, t, strlen(t));
		}
		return;
	}
	if (plain) {
		o->text = t;
		o->text_len = strlen(t);
	}
	if (html) {
		o->html = t;
		o->html_len = strlen(t);
	}
}

static void
set_extra(desc *x, const char *h)
{
	const char *colon = strchr(h, ':');

	x->extra_list[0] = h;
	x->o.extra_headers = x->extra_list;
	x->o.nextra = 1;
	x->extra = h;
	x->extra_len = colon ? (size_t)(colon - h) : 0;
}

/* The first layout (see the top); 0 when the input is not one. */
static int
parse_first(desc *x, const uint8_t *data, size_t size)
{
	static char strs[8][1024];
	lm_mime_compose_opts *o = &x->o;
	const uint8_t *p = data + 2, *end = data + size, *nul;
	unsigned opt = data[0];
	size_t i;
	int have[8] = { 0 };

	for (i = 0; i < 8 && p < end; i++) {
		nul = memchr(p, 0, (size_t)(end - p));
		if (nul == NULL || (size_t)(nul - p) >= sizeof strs[i])
			return 0;
		memcpy(strs[i], p, (size_t)(nul - p) + 1);
		have[i] = 1;
		p = nul + 1;
	}
	o->from.name = have[1] ? strs[1] : NULL;
	if (opt & 0x02) {
		x->to[0].name = have[2] ? strs[2] : NULL;
		o->nto = 1;
		if (data[1] % 2 == 0) {
			x->cc[0].name = x->to[0].name;
			o->ncc = 1;
		}
	}
	if ((opt & 0x01) && have[0])
		o->subject = strs[0];
	if ((opt & 0x40) && have[7])
		o->message_id = strs[7];
	if ((opt & 0x04) && have[3])
		set_text(x, strs[3], 0, (opt & 0x80) != 0);
	if (opt & 0x08) {
		lm_mime_attachment *a = &x->att[0];
		a->filename = have[4] ? strs[4] : NULL;
		a->content_type = (opt & 0x10) && have[5] ? strs[5] : NULL;
		if (data[1] < 194) {
			a->read = src_read;
			a->ud = new_src(x, p, (size_t)(end - p));
			o->natt = 1;
		} else {
			lm_mime_part *pt = &x->part[0];
			pt->filename = a->filename;
			pt->content_type = a->content_type;
			pt->data = p;
			pt->len = (size_t)(end - p);
			if ((o->html != NULL || o->html_read != NULL) &&
			    pt->content_type != NULL &&
			    strncmp(pt->content_type, "image/", 6) == 0)
				pt->content_id = "img@fuzz";
			o->nparts = 1;
		}
	}
	if ((opt & 0x20) && have[6])
		set_extra(x, strs[6]);
	return 1;
}

#define EXT_FIELDS 32

/* The second layout (see the top); 0 when a string field is too long. */
static int
parse_second(desc *x, const uint8_t *data, size_t size)
{
	static char strs[EXT_FIELDS][1024];
	static const char *const cids[3] = { "img0@fuzz", "img1@fuzz", "img2@fuzz" };
	lm_mime_compose_opts *o = &x->o;
	const uint8_t *f[EXT_FIELDS], *p = data + (size < 4 ? size : 4);
	const uint8_t *end = data + size, *q;
	const char *s[EXT_FIELDS];
	size_t fl[EXT_FIELDS], nf = 0, i, k;
	unsigned opt = data[0], mb = size > 2 ? data[2] : 0;
	unsigned pp = size > 3 ? data[3] : 0;

	while (p < end && nf < EXT_FIELDS) {
		q = memchr(p, 0xFF, (size_t)(end - p));
		if (q == NULL)
			q = end;
		f[nf] = p;
		fl[nf++] = (size_t)(q - p);
		p = q + 1;
	}
	for (i = 0; i < EXT_FIELDS; i++) {
		s[i] = NULL;
		if (i >= nf || (i >= 14 && (i - 14) % 3 == 2))
			continue; /* absent, or a part's bytes */
		if (fl[i] >= sizeof strs[i])
			return 0;
		memcpy(strs[i], f[i], fl[i]);
		strs[i][fl[i]] = '\0';
		s[i] = strs[i];
	}
	o->from.name = s[1];
	o->nto = mb & 3;
	o->ncc = (mb >> 2) & 3;
	o->nreply_to = (mb >> 4) & 3;
	for (i = 0; i < 3; i++) {
		x->to[i].name = s[5 + i];
		x->cc[i].name = s[8 + i];
		x->reply_to[i].name = s[11 + i];
	}
	if (opt & 0x01)
		o->subject = s[0];
	if (opt & 0x40)
		o->message_id = s[4];
	if ((opt & 0x04) && s[2] != NULL)
		set_text(x, s[2], (opt & 0x02) != 0, (opt & 0x80) != 0);
	o->natt = pp & 3;
	o->nparts = (pp >> 2) & 3;
	for (k = 0; k < o->natt + o->nparts; k++) {
		size_t j = 14 + 3 * k;
		const void *b = j + 2 < nf ? f[j + 2] : (const void *)"";
		size_t blen = j + 2 < nf ? fl[j + 2] : 0;
		const char *ct = (opt & 0x10) && s[j + 1] != NULL &&
		                 s[j + 1][0] != '\0' ? s[j + 1] : NULL;
		if (k < o->natt) {
			x->att[k].filename = s[j];
			x->att[k].content_type = ct;
			x->att[k].read = src_read;
			x->att[k].ud = new_src(x, b, blen);
			continue;
		}
		i = k - o->natt;
		x->part[i].filename = s[j];
		x->part[i].content_type = ct;
		if (pp & (0x10u << i))
			x->part[i].content_id = cids[i];
		if (pp & 0x80) {
			x->part[i].read = src_read;
			x->part[i].ud = new_src(x, b, blen);
		} else {
			x->part[i].data = b;
			x->part[i].len = blen;
		}
	}
	if ((opt & 0x20) && s[3] != NULL)
		set_extra(x, s[3]);
	return 1;
}

/* Whether the first layout rejects data: more than 2 bytes, fewer than
 * 8 NULs after byte 1 and a last byte that is not NUL, so its string
 * loop runs out of input inside a string. */
static int
second_layout(const uint8_t *data, size_t size)
{
	size_t i, nuls = 0;

	if (size <= 2 || data[size - 1] == 0)
		return 0;
	for (i = 2; i < size && nuls < 8; i++)
		nuls += data[i] == 0;
	return nuls < 8;
}

/* Fill x from the input; 0 to skip it. */
static int
describe(desc *x, const uint8_t *data, size_t size)
{
	static const char *const to[3] = {
		"bob@example.org", "dan@example.org", "erin@example.org"
	};
	static const char *const cc[3] = {
		"carol@example.org", "frank@example.net", "grace@example.com"
	};
	static const char *const rt[3] = {
		"replies@example.org", "heidi@example.org", "ivan@example.net"
	};
	lm_mime_compose_opts init = LM_MIME_COMPOSE_OPTS_INIT;
	size_t i;

	memset(x, 0, sizeof *x);
	x->o = init;
	x->rsize = (size_t)data[1] % 97 + 1;
	for (i = 0; i < 3; i++) {
		x->to[i].addr = to[i];
		x->cc[i].addr = cc[i];
		x->reply_to[i].addr = rt[i];
	}
	x->o.from.addr = "alice@example.org";
	x->o.to = x->to;
	x->o.cc = x->cc;
	x->o.reply_to = x->reply_to;
	x->o.att = x->att;
	x->o.parts = x->part;
	x->o.date = 1763759803; /* 2025-11-21 */
	x->o.tz_offset_min = (int)(data[1] % 61) * 30 - 900;
	for (i = 0; i < 16; i++)
		x->o.boundary_seed[i] = (unsigned char)(0x5a ^ i);
	return second_layout(data, size) ? parse_second(x, data, size) :
	       parse_first(x, data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char out1[OUT_MAX], out2[OUT_MAX];
	static lm_mime_compose m;
	static desc x;
	const lm_mime_compose_opts *o = &x.o;
	char hex[33];
	size_t i, len1, len2;
	int r;

	if (size < 2 || !describe(&x, data, size))
		return 0;
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02X", (unsigned)(0x5a ^ i));

	r = lm_mime_compose_init(&m, o);
	if (r != 0) {
		size_t got = 0;
		FZ_CHECK(r == LM_ERR_BAD_PARAM, "init error is BAD_PARAM");
		FZ_CHECK(lm_mime_compose_read(&m, out1, 16, &got) == r,
		         "read repeats the init error");
		lm_mime_compose_free(&m);
		return 0;
	}
	lm_mime_compose_free(&m);

	len1 = compose_all(o, x.rsize, out1);
	for (i = 0; i < x.nsrc; i++)
		x.srcs[i].off = 0;
	len2 = compose_all(o, 4096, out2);
	FZ_CHECK(len1 == len2 && memcmp(out1, out2, len1) == 0,
	         "output independent of read size");
	check_message(out1, len1, hex, x.extra, x.extra_len);
	check_round_trip(o, out1, len1, x.rsize, x.extra, x.extra_len);
	return 0;
}
