/*
 * libmail fuzzing: read a composed message back with the streaming
 * parser (lib/mime/parser.c) and the header codecs, so the compose
 * harness can check that what the caller described survives the round
 * trip: header values, mailboxes, bodies, attachment names and types,
 * and the multipart structure.
 *
 * rt_parse() feeds the message in pieces of `step` bytes (transfer
 * encodings decoded, no charset conversion: the composer labels its
 * text bodies utf-8, and the checks compare bytes) and records, in
 * document order, every entity with its depth, type, charset, transfer
 * encoding, Content-Disposition value and decoded body, plus the
 * top-level fields the composer writes. The rt_expect_* checks then
 * abort (FZ_CHECK) on the first difference.
 */
#ifndef LIBMAIL_FUZZ_COMPOSE_RT_H
#define LIBMAIL_FUZZ_COMPOSE_RT_H

#include <string.h>
#include <strings.h>

#include "libmail/mime.h"
#include "fuzz.h"
#include "mime_bounds.h"

#define RT_PARTS 16
#define RT_BODY_MAX (1u << 21)
#define RT_HDR_MAX (1u << 17)

enum {
	RT_SUBJECT, RT_FROM, RT_TO, RT_CC, RT_REPLYTO, RT_DATE, RT_MSGID, RT_NTOP
};
static const char *const rt_top_names[RT_NTOP] = {
	"Subject", "From", "To", "Cc", "Reply-To", "Date", "Message-ID"
};

typedef struct {
	size_t off, len;
} rt_span;

typedef struct {
	unsigned depth;
	char ctype[2 * LM_MIME_TYPE_MAX + 2]; /* "type/subtype" */
	char charset[LM_MIME_CHARSET_MAX];
	lm_mime_kind kind;
	lm_mime_cte cte;
	lm_mime_disp disp;
	rt_span cd;                   /* Content-Disposition value (hdr) */
	rt_span cid;                  /* Content-ID value (hdr) */
	int ncid;
	rt_span body;                 /* decoded content (body) */
} rt_part;

typedef struct {
	rt_part part[RT_PARTS];
	size_t nparts;
	rt_span top[RT_NTOP];
	int ntop[RT_NTOP];            /* how often each field was seen */
	unsigned defects;             /* union over every entity */
	char hdr[RT_HDR_MAX];
	size_t hlen;
	unsigned char body[RT_BODY_MAX];
	size_t blen;
} rt_msg;

static rt_span
rt_keep(rt_msg *r, lm_slice v)
{
	rt_span s = { r->hlen, v.len };

	FZ_CHECK(r->hlen + v.len <= RT_HDR_MAX, "header copies fit");
	memcpy(r->hdr + r->hlen, v.p, v.len);
	r->hlen += v.len;
	return s;
}

static int
rt_name_is(lm_slice n, const char *name)
{
	return n.len == strlen(name) &&
	       strncasecmp((const char *)n.p, name, n.len) == 0;
}

static void
rt_event(rt_msg *r, const lm_mime_event *ev)
{
	rt_part *pt = r->nparts > 0 ? &r->part[r->nparts - 1] : NULL;
	int i;

	switch (ev->type) {
	case LM_MIME_EV_PART_BEGIN:
		FZ_CHECK(r->nparts < RT_PARTS, "few entities");
		pt = &r->part[r->nparts++];
		memset(pt, 0, sizeof *pt);
		pt->depth = ev->depth;
		break;
	case LM_MIME_EV_HEADER:
		if (rt_name_is(ev->name, "Content-Disposition"))
			pt->cd = rt_keep(r, ev->value);
		if (rt_name_is(ev->name, "Content-ID")) {
			pt->cid = rt_keep(r, ev->value);
			pt->ncid++;
		}
		if (r->nparts != 1)
			break;
		for (i = 0; i < RT_NTOP; i++)
			if (rt_name_is(ev->name, rt_top_names[i])) {
				r->top[i] = rt_keep(r, ev->value);
				r->ntop[i]++;
			}
		break;
	case LM_MIME_EV_HEADERS_END:
		snprintf(pt->ctype, sizeof pt->ctype, "%s/%s", ev->part->type,
		         ev->part->subtype);
		memcpy(pt->charset, ev->part->charset, sizeof pt->charset);
		pt->kind = ev->part->kind;
		pt->cte = ev->part->cte;
		pt->disp = ev->part->disposition;
		pt->body.off = r->blen;
		break;
	case LM_MIME_EV_BODY:
		FZ_CHECK(ev->body == LM_MIME_BODY_CONTENT, "content only");
		FZ_CHECK(r->blen + ev->data.len <= RT_BODY_MAX, "bodies fit");
		memcpy(r->body + r->blen, ev->data.p, ev->data.len);
		r->blen += ev->data.len;
		pt->body.len += ev->data.len;
		break;
	case LM_MIME_EV_PART_END:
		r->defects |= ev->defects;
		break;
	default:
		break;
	}
}

/* Parse msg[0..n) fed in pieces of step bytes into r. */
static void
rt_parse(rt_msg *r, const unsigned char *msg, size_t n, size_t step)
{
	static unsigned char scratch[LM_MIME_PARSER_SCRATCH_DEFAULT];
	static lm_mime_parser p;
	lm_mime_event ev;
	size_t off = 0, used;
	int rc, ended = 0;

	r->nparts = 0;
	r->hlen = r->blen = 0;
	r->defects = 0;
	memset(r->ntop, 0, sizeof r->ntop);
	FZ_CHECK(lm_mime_parser_init(&p, NULL, scratch, sizeof scratch) == 0,
	         "parser init");
	for (;;) {
		rc = lm_mime_parser_next(&p, &ev);
		fz_mime_parser_bounds(&p, scratch, sizeof scratch);
		if (rc == LM_EVENT) {
			rt_event(r, &ev);
			continue;
		}
		if (rc == LM_DONE)
			break;
		FZ_CHECK(rc == LM_WANT_READ && !ended, "parser wants input");
		if (off == n) {
			FZ_CHECK(lm_mime_parser_end(&p) == 0, "parser end");
			ended = 1;
			continue;
		}
		FZ_CHECK(lm_mime_parser_feed(&p, msg + off,
		                             n - off < step ? n - off : step,
		                             &used) == 0 && used > 0, "parser feed");
		off += used;
	}
	lm_mime_parser_free(&p);
}

static int
rt_eq(const void *a, size_t an, const void *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static void
rt_show(const char *what, const void *got, size_t gn, const void *want,
        size_t wn)
{
	fprintf(stderr, "%s:\n got  %zu [%.*s]\n want %zu [%.*s]\n", what, gn,
	        (int)(gn > 300 ? 300 : gn), (const char *)got,
	        wn, (int)(wn > 300 ? 300 : wn), (const char *)want);
}

#define RT_SAME(what, got, gn, want, wn)                                    \
	do {                                                                    \
		if (!rt_eq(got, gn, want, wn))                                      \
			rt_show(what, got, gn, want, wn);                               \
		FZ_CHECK(rt_eq(got, gn, want, wn), what);                           \
	} while (0)

/* A top-level field: present exactly once when want is non-NULL (then
 * its value, RFC 2047-decoded when ew, equals want), else absent. */
static void
rt_expect_field(const rt_msg *r, int f, const char *want, int ew)
{
	static char dec[LM_MIME_EW_DECODED_MAX(RT_HDR_MAX)];
	const char *v = r->hdr + r->top[f].off;
	size_t n = r->top[f].len;

	FZ_CHECK(r->ntop[f] == (want != NULL), "field present once or absent");
	if (want == NULL)
		return;
	if (ew) {
		FZ_CHECK(lm_mime_ew_decode(v, n, dec, sizeof dec, &n, NULL) == 0,
		         "decode field");
		v = dec;
	}
	RT_SAME(rt_top_names[f], v, n, want, strlen(want));
}

/* An address-list field holding exactly mb[0..n): same addresses, names
 * decoding to the given ones (NULL and "" both mean none). */
static void
rt_expect_mailboxes(const rt_msg *r, int f, const lm_mime_mailbox *mb,
                    size_t n)
{
	static unsigned char scratch[RT_HDR_MAX];
	lm_mime_addr_iter it;
	lm_mime_addr a;
	size_t i;

	FZ_CHECK(r->ntop[f] == (n > 0), "address field present once or absent");
	if (n == 0)
		return;
	FZ_CHECK(lm_mime_addr_init(&it, r->hdr + r->top[f].off, r->top[f].len,
	                           scratch, sizeof scratch, 0) == 0, "addr init");
	for (i = 0; i < n; i++) {
		const char *name = mb[i].name != NULL ? mb[i].name : "";
		FZ_CHECK(lm_mime_addr_next(&it, &a) == LM_EVENT, "every mailbox back");
		RT_SAME("address", a.address.p, a.address.len, mb[i].addr,
		        strlen(mb[i].addr));
		RT_SAME("display name", a.name.p, a.name.len, name, strlen(name));
		FZ_CHECK(a.group.len == 0, "no group");
	}
	FZ_CHECK(lm_mime_addr_next(&it, &a) == LM_DONE, "no extra mailbox");
	if (lm_mime_addr_defects(&it) != 0)
		fprintf(stderr, "%s: defects 0x%x in [%.*s]\n", rt_top_names[f],
		        lm_mime_addr_defects(&it), (int)r->top[f].len,
		        r->hdr + r->top[f].off);
	FZ_CHECK(lm_mime_addr_defects(&it) == 0, "mailboxes without defects");
}

/* Entity i is at depth d with type ct. */
static void
rt_expect_part(const rt_msg *r, size_t i, unsigned d, const char *ct)
{
	FZ_CHECK(i < r->nparts, "entity present");
	if (r->part[i].depth != d || strcmp(r->part[i].ctype, ct) != 0)
		fprintf(stderr, "entity %zu: %u %s, want %u %s\n", i,
		        r->part[i].depth, r->part[i].ctype, d, ct);
	FZ_CHECK(r->part[i].depth == d && strcmp(r->part[i].ctype, ct) == 0,
	         "structure");
}

/* A text or HTML body (utf-8 label) equal to t[0..n) with every LF not after a
 * CR made CRLF (mime.h: "bare LF become CRLF"). When the text is the
 * whole message body (single), is not empty, does not end with LF and
 * was not sent as base64, the message's final CRLF comes back with it
 * (mime.h, text). */
static void
rt_expect_text(const rt_msg *r, size_t i, const unsigned char *t, size_t n,
               int single)
{
	static unsigned char want[2 * RT_BODY_MAX];
	const rt_part *pt = &r->part[i];
	size_t k = 0, j;

	FZ_CHECK(strcmp(pt->charset, "utf-8") == 0, "text labelled utf-8");
	FZ_CHECK(2 * n <= sizeof want, "text fits");
	for (j = 0; j < n; j++) {
		if (t[j] == '\n' && (j == 0 || t[j - 1] != '\r'))
			want[k++] = '\r';
		want[k++] = t[j];
	}
	if (single && pt->cte != LM_MIME_CTE_BASE64 && n > 0 && t[n - 1] != '\n') {
		want[k++] = '\r';
		want[k++] = '\n';
	}
	RT_SAME("text body", r->body + pt->body.off, pt->body.len, want, k);
}

/* An attachment, or with cid an inline part with "Content-ID: <cid>":
 * disposition attachment (inline), filename (RFC 2231 / 2047
 * decoded from Content-Disposition) fname or none, type ct (compared
 * lower-cased, parameters dropped), bytes d[0..n) exactly. */
static void
rt_expect_att(const rt_msg *r, size_t i, const char *fname, const char *ct,
              const unsigned char *d, size_t n, const char *cid)
{
	static char got[LM_MIME_EW_DECODED_MAX(RT_HDR_MAX)];
	const rt_part *pt = &r->part[i];
	lm_mime_ctype cd;
	char want[2 * LM_MIME_TYPE_MAX + 2];
	size_t k, glen = 0;
	int rc;

	for (k = 0; ct[k] != '\0' && ct[k] != ';' && k + 1 < sizeof want; k++)
		want[k] = (char)(ct[k] >= 'A' && ct[k] <= 'Z' ? ct[k] + 32 : ct[k]);
	while (k > 0 && (want[k - 1] == ' ' || want[k - 1] == '\t'))
		k--;
	want[k] = '\0';
	rt_expect_part(r, i, pt->depth, want);
	FZ_CHECK(pt->disp == (cid ? LM_MIME_DISP_INLINE : LM_MIME_DISP_ATTACHMENT),
	         "disposition attachment or inline");
	FZ_CHECK(pt->ncid == (cid != NULL), "Content-ID once for inline parts");
	if (cid != NULL) {
		char id[300];
		snprintf(id, sizeof id, "<%s>", cid);
		RT_SAME("Content-ID", r->hdr + pt->cid.off, pt->cid.len, id, strlen(id));
	}
	FZ_CHECK(lm_mime_cdisp_parse(r->hdr + pt->cd.off, pt->cd.len, &cd) == 0,
	         "Content-Disposition parses");
	rc = lm_mime_param_get((const char *)cd.params.p, cd.params.len,
	                       "filename", got, sizeof got, &glen, NULL);
	if (fname == NULL || fname[0] == '\0')
		FZ_CHECK(rc == 0, "no filename");
	else {
		FZ_CHECK(rc == 1, "filename present");
		RT_SAME("filename", got, glen, fname, strlen(fname));
	}
	RT_SAME("attachment bytes", r->body + pt->body.off, pt->body.len, d, n);
}

#endif
