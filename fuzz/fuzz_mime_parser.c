/*
 * The streaming MIME parser (lib/mime/parser.c) on arbitrary messages.
 *
 * Input: byte 0 options (bits 0-2: LM_MIME_PARSE_PREAMBLE, _RAW,
 * _NO_NESTED; 0x08 small limits: depth 3, 8 parts, 64-byte fields,
 * 4 headers, 16-byte boundaries; 0x10 the minimum scratch size; 0x20
 * LM_MIME_PARSE_UTF8, text bodies converted to UTF-8; 0x40 the
 * application's charset hook, opts.to_utf8 = the hostile but legal test
 * converter of mime_hook.h, whose charset the message's bytes steer;
 * with 0x20 too it is set but must never be called; 0x80 unused), byte 1
 * the feed size (0: all at once), then the message.
 *
 * Invariants: the parse ends (MESSAGE_END once, then LM_DONE for good)
 * in a bounded number of events; PART_BEGIN/PART_END balance and depth
 * follows them; paths are NUL-terminated with path_len == strlen; header
 * values have no CR/LF; type/subtype/charset are lower case and
 * NUL-terminated inside their arrays; a boundary (non-empty) exactly
 * for a multipart, and no shorter than the one matched (mime_bounds.h);
 * with LM_MIME_PARSE_UTF8 the BODY data of each text leaf is UTF-8; the
 * hook's contract (mime_hook.h); and the event stream (BODY data
 * joined) is the same when the message is fed one byte at a time, in
 * the chosen pieces, or at once (for a text leaf whose hook call
 * failed: its decoded bytes, see mime_hook.h). After every step the
 * parser's own marks stay inside its arrays and scratch regions
 * (mime_bounds.h).
 */
#include <string.h>

#include "libmail/mime.h"
#include "libmail/error.h"
#include "fuzz.h"
#include "mime_bounds.h"
#include "mime_hook.h"
#include "utf8.h"

typedef struct {
	fz_bytes b;            /* the recorded stream */
	int in_body;
} rec;

static void
put(rec *r, const void *p, size_t n)
{
	fz_bytes_put(&r->b, p, n);
}

static void
put_u(rec *r, unsigned long v)
{
	put(r, &v, sizeof v);
}

static void
check_str(const char *s, size_t cap, int lower, const char *what)
{
	size_t i, n = strnlen(s, cap);

	FZ_CHECK(n < cap, what);
	if (lower)
		for (i = 0; i < n; i++)
			FZ_CHECK(s[i] < 'A' || s[i] > 'Z', what);
}

/* A text leaf starts (HEADERS_END): follow its body when it is
 * converted, by the hook (conv 1) or the library (conv 2). */
static void
track_begin(const lm_mime_event *ev)
{
	fz_hook *h = &fz_hk;
	int conv = (h->flags & LM_MIME_PARSE_UTF8) ? 2 : h->hooked ? 1 : 0;

	FZ_CHECK(!h->track, "a tracked text leaf ended before the next entity");
	FZ_CHECK(h->need == 0 && h->nheld == 0 && !h->shift && h->lag == 0,
	         "hook: its state reset (flush or failure) before the next part");
	if (conv == 0 || (h->flags & LM_MIME_PARSE_RAW) || ev->part->kind != LM_MIME_KIND_LEAF ||
	    strcmp(ev->part->type, "text") != 0)
		return;
	h->track = conv;
	h->failed = h->flushed = 0;
	memcpy(h->charset, ev->part->charset, sizeof h->charset);
	h->din.len = h->dout.len = h->body.len = 0;
	h->din_ok = 0;
}

static void
put_bytes(rec *r, unsigned long tag, const unsigned char *p, size_t n)
{
	put_u(r, tag);
	put_u(r, (unsigned long)n);
	put(r, p, n);
}

/* The tracked text leaf ends (PART_END): check its body, and record
 * for the comparison what cannot depend on the feed size. */
static void
track_end(rec *r, const lm_mime_event *ev)
{
	fz_hook *h = &fz_hk;
	const fz_bytes *b = &h->body;

	if (h->track == 2) {
		FZ_CHECK(fz_utf8_valid(b->p, b->len, 1),
		         "LM_MIME_PARSE_UTF8: a text leaf's BODY data is UTF-8");
		h->track = 0;
		return;
	}
	FZ_CHECK(!(ev->defects & LM_MIME_DEF_CHARSET) == !h->failed,
	         "hook: LM_MIME_DEF_CHARSET exactly when a call failed");
	if (h->failed == 0)
		FZ_CHECK(h->flushed, "hook: flushed once at the end of its part");
	if (h->failed == 1) {
		/* what the hook wrote, then the failing call's input raw,
		 * then the rest of the part raw */
		size_t k = h->din.len - h->din_ok;
		FZ_CHECK(b->len >= h->dout.len + k && fz_mem_eq(b->p, h->dout.p, h->dout.len) &&
		         fz_mem_eq(b->p + h->dout.len, h->din.p + h->din_ok, k),
		         "hook failed: BODY = its output, then the failing input raw");
		h->din.len = h->din_ok;
		fz_bytes_put(&h->din, b->p + h->dout.len, b->len - h->dout.len);
		put_bytes(r, 301, h->din.p, h->din.len);
	} else {
		FZ_CHECK(b->len == h->dout.len && fz_mem_eq(b->p, h->dout.p, b->len),
		         "hook: BODY data is exactly what the hook wrote");
		if (h->failed == 2)
			put_bytes(r, 302, h->din.p, h->din.len);
		else
			put_bytes(r, 300, b->p, b->len);
	}
	h->track = 0;
}

static void
record(rec *r, const lm_mime_event *ev, unsigned *depth, int *ended)
{
	if (getenv("FZ_VERBOSE"))
		fprintf(stderr, "ev %d path '%s' depth %u body %d len %zu name '%.*s' value '%.*s' defects %x/%u\n",
		        (int)ev->type, ev->path ? ev->path : "-", ev->depth, ev->body,
		        ev->data.len, (int)ev->name.len, (const char *)ev->name.p,
		        (int)ev->value.len, (const char *)ev->value.p, ev->defects, ev->ndefects);
	if (ev->type != LM_MIME_EV_MESSAGE_END) {
		FZ_CHECK(ev->path != NULL && strlen(ev->path) == ev->path_len,
		         "path NUL-terminated, path_len its length");
		FZ_CHECK(ev->path_len < LM_MIME_PATH_MAX, "path within LM_MIME_PATH_MAX");
	}
	if (ev->part != NULL) {
		check_str(ev->part->type, sizeof ev->part->type, 1, "type lower case");
		check_str(ev->part->subtype, sizeof ev->part->subtype, 1, "subtype lower case");
		check_str(ev->part->charset, sizeof ev->part->charset, 1, "charset lower case");
		check_str(ev->part->filename, sizeof ev->part->filename, 0, "filename");
		FZ_CHECK(ev->part->boundary != NULL, "boundary never NULL");
	}
	if (ev->type == LM_MIME_EV_BODY && fz_hk.track) {
		FZ_CHECK(ev->body == LM_MIME_BODY_CONTENT && *depth > 0, "BODY of the text leaf");
		fz_bytes_put(&fz_hk.body, ev->data.p, ev->data.len);
		if (fz_hk.track == 1)
			return;   /* recorded at PART_END */
	}
	if (ev->type == LM_MIME_EV_PART_END && fz_hk.track) {
		if (r->in_body) {
			put_u(r, 99);
			r->in_body = 0;
		}
		track_end(r, ev);
	}
	if (ev->type == LM_MIME_EV_BODY) {
		if (!r->in_body) {
			put_u(r, 100 + (unsigned long)ev->body);
			put(r, ev->path, ev->path_len);
			r->in_body = 1;
		}
		if (ev->data.len > 0)
			put(r, ev->data.p, ev->data.len);
		return;
	}
	if (r->in_body) {
		put_u(r, 99);
		r->in_body = 0;
	}
	put_u(r, (unsigned long)ev->type);
	switch (ev->type) {
	case LM_MIME_EV_PART_BEGIN:
		FZ_CHECK(ev->depth == *depth, "depth of a new entity");
		++*depth;
		put_u(r, ev->depth);
		break;
	case LM_MIME_EV_HEADER:
		FZ_CHECK(memchr(ev->value.p, '\r', ev->value.len) == NULL &&
		         memchr(ev->value.p, '\n', ev->value.len) == NULL,
		         "unfolded value has no CR/LF");
		FZ_CHECK(ev->name.len > 0, "header name not empty");
		put(r, ev->name.p, ev->name.len);
		put_u(r, 0);
		put(r, ev->value.p, ev->value.len);
		put_u(r, 0);
		put(r, ev->raw.p, ev->raw.len);
		break;
	case LM_MIME_EV_HEADERS_END:
		FZ_CHECK((ev->part->kind == LM_MIME_KIND_MULTIPART) == (ev->part->boundary[0] != '\0'),
		         "a boundary exactly for a multipart");
		track_begin(ev);
		put(r, ev->path, ev->path_len);
		put(r, ev->part->type, strlen(ev->part->type));
		put(r, ev->part->subtype, strlen(ev->part->subtype));
		put(r, ev->part->charset, strlen(ev->part->charset));
		put(r, ev->part->filename, strlen(ev->part->filename));
		put_u(r, ev->part->kind);
		put_u(r, ev->part->cte);
		put_u(r, ev->defects);
		put_u(r, ev->ndefects);
		break;
	case LM_MIME_EV_PART_END:
		FZ_CHECK(*depth > 0, "PART_END matches a PART_BEGIN");
		--*depth;
		FZ_CHECK(ev->depth == *depth, "depth of an ending entity");
		put(r, ev->path, ev->path_len);
		put_u(r, ev->defects);
		put_u(r, ev->ndefects);
		break;
	case LM_MIME_EV_MESSAGE_END:
		FZ_CHECK(!*ended, "one MESSAGE_END");
		FZ_CHECK(*depth == 0, "every entity ended before MESSAGE_END");
		*ended = 1;
		break;
	default:
		FZ_CHECK(0, "event type");
	}
}

/* Parse msg[0..n) fed in pieces of `step` bytes; record the stream. */
static void
parse(const lm_mime_parser_opts *o, size_t scratch_len, const uint8_t *msg,
      size_t n, size_t step, rec *r)
{
	static lm_mime_parser p;
	unsigned char *scratch = malloc(scratch_len);
	lm_mime_event ev;
	size_t off = 0, used, events = 0, max_events = 4096 + 64 * n;
	unsigned depth = 0;
	int rc, ended = 0, fed_end = 0;

	FZ_CHECK(scratch != NULL, "memory");
	FZ_CHECK(lm_mime_parser_init(&p, o, scratch, scratch_len) == 0, "init");
	fz_hk.p = &p;
	fz_hk.scratch = scratch;
	fz_hk.scratch_len = scratch_len;
	fz_hk.track = 0;
	fz_hook_reset(&fz_hk);
	for (;;) {
		/* what init, feed() or the previous next() left (mime_bounds.h) */
		fz_mime_parser_bounds(&p, scratch, scratch_len);
		rc = lm_mime_parser_next(&p, &ev);
		if (rc == LM_EVENT) {
			FZ_CHECK(++events <= max_events, "events bounded");
			record(r, &ev, &depth, &ended);
			continue;
		}
		if (rc == LM_DONE) {
			FZ_CHECK(ended, "DONE after MESSAGE_END");
			FZ_CHECK(lm_mime_parser_next(&p, &ev) == LM_DONE, "DONE is final");
			break;
		}
		FZ_CHECK(rc == LM_WANT_READ, "next() result");
		FZ_CHECK(!fed_end, "no WANT_READ after end");
		if (off == n) {
			FZ_CHECK(lm_mime_parser_end(&p) == 0, "end");
			fed_end = 1;
			continue;
		}
		used = 0;
		rc = lm_mime_parser_feed(&p, msg + off, n - off < step ? n - off : step,
		                         &used);
		FZ_CHECK(rc == 0 && used > 0, "WANT_READ leaves room to feed");
		off += used;
	}
	if (r->in_body) {
		put_u(r, 99);
		r->in_body = 0;
	}
	lm_mime_parser_free(&p);
	free(scratch);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lm_mime_parser_opts o = LM_MIME_PARSER_OPTS_INIT;
	rec a = { 0 }, b = { 0 }, c = { 0 };
	const uint8_t *msg;
	size_t n, step, scratch_len;

	if (size < 2)
		return 0;
	o.flags = data[0] & 7u;
	if (data[0] & 0x20)
		o.flags |= LM_MIME_PARSE_UTF8;
	if (data[0] & 0x40) {
		o.to_utf8 = fz_hook_fn;
		o.to_utf8_ud = &fz_hk;
	}
	fz_hk.flags = o.flags;
	fz_hk.hooked = o.to_utf8 != NULL;
	if (data[0] & 0x08) {
		o.max_depth = 3;
		o.max_parts = 8;
		o.max_header_len = 64;
		o.max_headers = 4;
		o.max_boundary = 16;
	}
	scratch_len = (data[0] & 0x10) ? lm_mime_parser_scratch_size(&o)
	                               : LM_MIME_PARSER_SCRATCH_DEFAULT;
	step = data[1] ? data[1] : (size_t)-1;
	msg = data + 2;
	n = size - 2;

	if (getenv("FZ_VERBOSE"))
		fprintf(stderr, "--- at once\n");
	parse(&o, scratch_len, msg, n, (size_t)-1, &a);
	if (getenv("FZ_VERBOSE"))
		fprintf(stderr, "--- feed size %zu\n", step);
	parse(&o, scratch_len, msg, n, step, &b);
	FZ_CHECK(a.b.len == b.b.len && fz_mem_eq(a.b.p, b.b.p, a.b.len),
	         "events independent of the feed size");
	if (n < 2048) {
		if (getenv("FZ_VERBOSE"))
			fprintf(stderr, "--- byte by byte\n");
		parse(&o, scratch_len, msg, n, 1, &c);
		FZ_CHECK(a.b.len == c.b.len && fz_mem_eq(a.b.p, c.b.p, a.b.len),
		         "events the same when fed byte by byte");
	}

	free(a.b.p);
	free(b.b.p);
	free(c.b.p);
	return 0;
}
