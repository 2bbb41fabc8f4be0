/*
 * The MIME composer with a message description taken from the input.
 *
 * Input: byte 0 options, byte 1 read size, then up to 8 NUL-terminated
 * strings: subject, from name, to name, text body, attachment file
 * name, attachment content type, one extra header line, Message-ID;
 * whatever follows the eighth NUL is the attachment's bytes.
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
 * From/To/Cc mailbox (address, decoded display name) are what was given;
 * the structure is one text/plain leaf, or multipart/alternative of
 * text and HTML, inside a multipart/mixed with the attachment when there
 * is one (mime.h); the text and the HTML decode to the input
 * with bare LF made CRLF (plus the message's final CRLF when it is the
 * only part and does not end with a line end); the attachment has disposition attachment,
 * its filename (RFC 2231 decoded), the given (or guessed) type and
 * exactly the bytes its reader gave.
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
	"Date", "From", "To", "Cc", "Subject", "Message-ID", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding", NULL
};
static const char *const part_names[] = {
	"Content-Type", "Content-Transfer-Encoding", "Content-Disposition", NULL
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

static void
check_message(const unsigned char *p, size_t n, const char *boundary,
              const char *extra, size_t extra_len)
{
	size_t i = 0, e, blen = strlen(boundary);
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
		} else if (e - 1 - i >= 2 + blen && p[i] == '-' && p[i + 1] == '-' &&
		           memcmp(p + i + 2, boundary, blen) == 0) {
			if (e - 1 - i == 2 + blen) {
				in_head = 1;
				names = part_names;
			}
		}
		i = e + 1;
	}
}

/* Parse the message back and compare it with what o described. */
static void
check_round_trip(const lm_mime_compose_opts *o, const unsigned char *msg,
                 size_t n, size_t step)
{
	static rt_msg r;
	char date[LM_MIME_DATE_LEN + 1], mid[300];
	const unsigned char *text = (const unsigned char *)o->text;
	size_t i = 0, tlen = o->text_len;
	unsigned d = 0;
	int inl = o->nparts > 0 && o->parts[0].content_id != NULL &&
	          (o->html != NULL || o->html_read != NULL);

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

	if (o->text_read != NULL) {
		const src *s = o->text_ud;
		text = s->p;
		tlen = s->n;
	}
	if (o->natt > 0 || (o->nparts > 0 && !inl))
		rt_expect_part(&r, i++, 0, "multipart/mixed");
	if (o->html != NULL || o->html_read != NULL) {
		d = (unsigned)i + 1;
		rt_expect_part(&r, i++, d - 1, "multipart/alternative");
		rt_expect_part(&r, i, d, "text/plain");
		rt_expect_text(&r, i++, text, tlen, 0);
		if (inl)
			rt_expect_part(&r, i++, d++, "multipart/related");
		rt_expect_part(&r, i, d, "text/html");
		rt_expect_text(&r, i++, text, tlen, 0);
	} else if (o->text != NULL || o->text_read != NULL ||
	           o->natt + o->nparts == 0) {
		rt_expect_part(&r, i, i > 0, "text/plain");
		rt_expect_text(&r, i++, text, tlen, o->natt + o->nparts == 0);
	}
	if (o->natt > 0) {
		const lm_mime_attachment *a = o->att;
		const src *s = a->ud;
		rt_expect_part(&r, i, 1, r.part[i].ctype);
		rt_expect_att(&r, i++, a->filename, a->content_type ? a->content_type :
		              lm_mime_guess_type(a->filename), s->p, s->n, NULL);
	}
	if (o->nparts > 0) {
		const lm_mime_part *a = o->parts;
		rt_expect_part(&r, i, inl ? d : 1, r.part[i].ctype);
		rt_expect_att(&r, i++, a->filename, a->content_type ? a->content_type :
		              lm_mime_guess_type(a->filename), a->data, a->len,
		              a->content_id);
	}
	FZ_CHECK(r.nparts == i, "no other entity");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char out1[OUT_MAX], out2[OUT_MAX];
	static char strs[8][1024];
	lm_mime_compose_opts o = LM_MIME_COMPOSE_OPTS_INIT;
	static lm_mime_compose m;
	lm_mime_mailbox to, cc;
	lm_mime_attachment att;
	lm_mime_part part;
	src text_src, html_src, att_src;
	const char *extra_list[1];
	char boundary[40];
	const uint8_t *p, *end, *nul;
	unsigned opt;
	size_t rsize, i, len1, len2, extra_len = 0;
	int have[8] = { 0 };
	int r;

	if (size < 2)
		return 0;
	opt = data[0];
	rsize = (size_t)data[1] % 97 + 1;
	p = data + 2;
	end = data + size;
	for (i = 0; i < 8 && p < end; i++) {
		nul = memchr(p, 0, (size_t)(end - p));
		if (nul == NULL || (size_t)(nul - p) >= sizeof strs[i])
			return 0;
		memcpy(strs[i], p, (size_t)(nul - p) + 1);
		have[i] = 1;
		p = nul + 1;
	}

	o.from.name = have[1] ? strs[1] : NULL;
	o.from.addr = "alice@example.org";
	if (opt & 0x02) {
		to.name = have[2] ? strs[2] : NULL;
		to.addr = "bob@example.org";
		o.to = &to;
		o.nto = 1;
		if (data[1] % 2 == 0) {
			cc.name = to.name;
			cc.addr = "carol@example.org";
			o.cc = &cc;
			o.ncc = 1;
		}
	}
	if ((opt & 0x01) && have[0])
		o.subject = strs[0];
	o.date = 1763759803; /* 2025-11-21 */
	o.tz_offset_min = (int)(data[1] % 61) * 30 - 900;
	if ((opt & 0x40) && have[7])
		o.message_id = strs[7];
	if ((opt & 0x04) && have[3]) {
		if (opt & 0x80) {
			text_src.p = (const unsigned char *)strs[3];
			text_src.n = strlen(strs[3]);
			text_src.off = 0;
			text_src.step = rsize;
			o.text_read = src_read;
			o.text_ud = &text_src;
		} else {
			o.text = strs[3];
			o.text_len = strlen(strs[3]);
		}
		if (strs[3][0] == '<' && (opt & 0x80)) {
			html_src = text_src;
			o.html_read = src_read;
			o.html_ud = &html_src;
		} else if (strs[3][0] == '<') {
			o.html = strs[3];
			o.html_len = strlen(strs[3]);
		}
	}
	if (opt & 0x08) {
		att.filename = have[4] ? strs[4] : NULL;
		att.content_type = (opt & 0x10) && have[5] ? strs[5] : NULL;
		att.read = src_read;
		att.ud = &att_src;
		att_src.p = p;
		att_src.n = (size_t)(end - p);
		att_src.off = 0;
		att_src.step = rsize;
		o.att = &att;
		o.natt = 1;
		if (data[1] >= 194) {
			memset(&part, 0, sizeof part);
			part.filename = att.filename;
			part.content_type = att.content_type;
			part.data = p;
			part.len = (size_t)(end - p);
			if ((o.html != NULL || o.html_read != NULL) &&
			    part.content_type != NULL &&
			    strncmp(part.content_type, "image/", 6) == 0)
				part.content_id = "img@fuzz";
			o.att = NULL;
			o.natt = 0;
			o.parts = &part;
			o.nparts = 1;
		}
	}
	if ((opt & 0x20) && have[6]) {
		const char *colon = strchr(strs[6], ':');
		extra_list[0] = strs[6];
		o.extra_headers = extra_list;
		o.nextra = 1;
		extra_len = colon ? (size_t)(colon - strs[6]) : 0;
	}
	for (i = 0; i < 16; i++)
		o.boundary_seed[i] = (unsigned char)(0x5a ^ i);
	snprintf(boundary, sizeof boundary, "=_");
	for (i = 0; i < 16; i++)
		snprintf(boundary + 2 + 2 * i, 3, "%02X", (unsigned)(0x5a ^ i));

	r = lm_mime_compose_init(&m, &o);
	if (r != 0) {
		size_t got = 0;
		FZ_CHECK(r == LM_ERR_BAD_PARAM, "init error is BAD_PARAM");
		FZ_CHECK(lm_mime_compose_read(&m, out1, 16, &got) == r,
		         "read repeats the init error");
		lm_mime_compose_free(&m);
		return 0;
	}
	lm_mime_compose_free(&m);

	len1 = compose_all(&o, rsize, out1);
	if (o.text_read)
		text_src.off = 0;
	if (o.html_read)
		html_src.off = 0;
	att_src.off = 0;
	len2 = compose_all(&o, 4096, out2);
	FZ_CHECK(len1 == len2 && memcmp(out1, out2, len1) == 0,
	         "output independent of read size");
	check_message(out1, len1, boundary, o.nextra ? strs[6] : NULL, extra_len);
	check_round_trip(&o, out1, len1, rsize);
	return 0;
}
