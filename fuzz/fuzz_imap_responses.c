/*
 * The IMAP engine driven by server bytes from the input, with a client
 * that reacts to events as a real one would: CAPABILITY when the greeting
 * has none, STARTTLS when offered (then lm_imap_tls_done() at once),
 * LOGIN or AUTHENTICATE PLAIN, SELECT, FETCH of structure and bodies,
 * IDLE/DONE, APPEND, MOVE, LOGOUT. Every ENVELOPE and BODYSTRUCTURE
 * value is walked with the zero-copy readers.
 *
 * Input header (3 bytes), then the server's bytes:
 *   [0] 0x01 require_tls  0x02 implicit TLS  0x04 use_literal_plus
 *       0x08 AUTHENTICATE instead of LOGIN  0x10 IDLE  0x20 APPEND
 *       0x40 MOVE  0x80 8-bit password (literal)
 *   [1] input chunk size (0: everything at once; 255: 1..7 cycling)
 *   [2] input buffer size 1024 + 256 * (n & 0x7f); 0x80 feed reads
 *       whole, not one line at a time (plaintext injection after
 *       STARTTLS, or a tagged OK fed before its command was queued,
 *       must then fail the engine)
 *
 * Invariants (abort on failure):
 *  - next() returns within a bounded number of steps and every
 *    LM_WANT_* makes progress; after EOF no endless WANT_READ;
 *  - errors are sticky: next(), last_error() and commands agree;
 *  - slices of events lie inside the input buffer or the context;
 *  - FETCH_DATA pieces of one section are contiguous, never exceed
 *    their announced total, and the last one completes it;
 *  - FETCH_ITEM/DATA/END only between FETCH_BEGIN and FETCH_END;
 *  - with require_tls and no TLS, LOGIN/AUTHENTICATE bytes never leave;
 *  - the trace never shows the password;
 *  - encoder round trip: an encoded string read back is the original,
 *    for every utf8/nonsync/always_quote choice and past 1000 bytes;
 *  - ENVELOPE and BODYSTRUCTURE read through the event's table
 *    (lm_imap_fetch_envelope/_body) == read from the value slice.
 */
#define _GNU_SOURCE 1
#include <string.h>

#include "libmail/imap.h"
#include "libmail/sasl.h"
#include "libmail/core.h"
#include "fuzz.h"
#include "imap_same.h"
#include "imap_bounds.h"

#define ITER_MAX 20000

static const char PASS[] = "s3cr3t-pw";
static const char PASS8[] = "p\xC3\xA4ss-s3cr3t";

typedef struct {
	lm_imap_client c;
	lm_sasl sasl;
	lm_sasl_creds cr;
	unsigned char *ibuf, obuf[LM_IMAP_BUFSIZE_OUT];
	size_t ilen;
	unsigned f0;
	int tls_pending, tried_tls, tried_auth, selected_sent, fetched, idled,
	    appended, moved, logged_out, in_fetch;
	uint64_t data_off;
	int data_open;
	const char *pw;
	size_t app_left;
} st;

static st S;
static int secret_seen;

static void
trace_fn(char dir, const char *line, size_t len, void *ud)
{
	(void)ud;
	if (dir == 'C' && len >= 6 && (memmem(line, len, "s3cr3t", 6) != NULL))
		secret_seen = 1;
}

static int
app_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	st *s = ud;
	size_t n = s->app_left < cap ? s->app_left : cap;
	memset(buf, 'a', n);
	s->app_left -= n;
	*got = n;
	return 0;
}

static int
in_range(const st *s, lm_slice x)
{
	const unsigned char *lo1 = s->ibuf, *hi1 = s->ibuf + s->ilen;
	const unsigned char *lo2 = (const unsigned char *)&s->c;
	const unsigned char *hi2 = lo2 + sizeof s->c;
	if (x.len == 0)
		return 1;
	return (x.p >= lo1 && x.p + x.len <= hi1) || (x.p >= lo2 && x.p + x.len <= hi2);
}

static void
walk_values(const lm_imap_event *ev)
{
	if (ev->type != LM_IMAP_EV_FETCH_ITEM)
		return;
	if (ev->fetch.item == LM_IMAP_ITEM_ENVELOPE) {
		lm_imap_envelope e, e2;
		int rv = lm_imap_envelope_parse(ev->fetch.value, &e);
		FZ_CHECK(same_env(&e, rv, &e2, lm_imap_fetch_envelope(ev, &e2)),
		         "ENVELOPE: the event's table reads as the slice");
		if (rv == 0) {
			lm_imap_reader r;
			lm_imap_address a;
			char b[64];
			lm_imap_reader_enter(&r, &e.from);
			while (lm_imap_address_next(&r, &a) == 1)
				(void)lm_imap_tok_copy(&a.mailbox, b, sizeof b, NULL);
		}
	} else if (ev->fetch.item == LM_IMAP_ITEM_BODYSTRUCTURE ||
	           ev->fetch.item == LM_IMAP_ITEM_BODY) {
		lm_imap_body b, ch, b2;
		static const char *const parts[] = { "1", "2", "1.1", "2.1.3", "" };
		size_t i;
		unsigned long bodies = 0;
		int rv = lm_imap_body_parse(ev->fetch.value, &b);
		FZ_CHECK(same_tree(&b, rv, &b2, lm_imap_fetch_body(ev, &b2), 0, &bodies),
		         "BODYSTRUCTURE: the event's table reads as the slice");
		if (rv == 0 && b.multipart) {
			lm_imap_reader it;
			int k = 0;
			memset(&it, 0, sizeof it);
			while (lm_imap_body_child(&b, &it, &ch) == 1 && k++ < 1000)
				;
		}
		for (i = 0; i < sizeof parts / sizeof parts[0]; i++)
			(void)lm_imap_body_find(ev->fetch.value, parts[i], &b);
	}
}

static void
check_event(st *s, const lm_imap_event *ev)
{
	FZ_CHECK(in_range(s, ev->text), "event text inside buffers");
	FZ_CHECK(in_range(s, ev->value), "event value inside buffers");
	FZ_CHECK(in_range(s, ev->mailbox), "mailbox inside buffers");
	FZ_CHECK(in_range(s, ev->code.arg), "code arg inside buffers");
	FZ_CHECK(in_range(s, ev->fetch.value), "fetch value inside buffers");
	FZ_CHECK(in_range(s, ev->fetch.data), "fetch data inside buffers");
	FZ_CHECK(in_range(s, ev->search.nums), "search nums inside buffers");
	switch (ev->type) {
	case LM_IMAP_EV_FETCH_BEGIN:
		FZ_CHECK(!s->in_fetch, "FETCH_BEGIN inside a FETCH");
		s->in_fetch = 1;
		break;
	case LM_IMAP_EV_FETCH_ITEM:
		FZ_CHECK(s->in_fetch && !s->data_open, "FETCH_ITEM outside a FETCH");
		walk_values(ev);
		break;
	case LM_IMAP_EV_FETCH_DATA:
		FZ_CHECK(s->in_fetch, "FETCH_DATA outside a FETCH");
		FZ_CHECK(ev->fetch.offset == s->data_off, "FETCH_DATA contiguous");
		FZ_CHECK(ev->fetch.offset + ev->fetch.data.len <= ev->fetch.total ||
		         ev->fetch.total == 0, "FETCH_DATA within total");
		s->data_off += ev->fetch.data.len;
		s->data_open = !ev->fetch.last;
		if (ev->fetch.last) {
			FZ_CHECK(s->data_off == ev->fetch.total, "last piece completes");
			s->data_off = 0;
		}
		break;
	case LM_IMAP_EV_FETCH_END:
		FZ_CHECK(s->in_fetch && !s->data_open, "FETCH_END without BEGIN");
		s->in_fetch = 0;
		break;
	default:
		FZ_CHECK(!s->in_fetch || ev->type == LM_IMAP_EV_CLOSED,
		         "other event inside a FETCH");
		break;
	}
}

static void
react(st *s)
{
	lm_imap_client *c = &s->c;
	int state = lm_imap_get_state(c);
	if (lm_imap_pending(c) > 0 || s->logged_out)
		return;
	if (state == LM_IMAP_STATE_NOT_AUTH) {
		if (!lm_imap_caps_known(c)) {
			(void)lm_imap_capability(c, NULL);
			return;
		}
		if (!lm_imap_tls_active(c) && !s->tried_tls && lm_imap_has_cap(c, "STARTTLS")) {
			s->tried_tls = 1;
			(void)lm_imap_starttls(c, NULL);
			return;
		}
		if (!s->tried_auth) {
			int r;
			s->tried_auth = 1;
			if (s->f0 & 0x08) {
				if (lm_sasl_init(&s->sasl, LM_SASL_PLAIN, &s->cr) == 0)
					r = lm_imap_authenticate(c, &s->sasl, NULL);
				else
					r = -1;
			} else {
				r = lm_imap_login(c, "alice", s->pw, NULL);
			}
			if ((s->f0 & 0x01) && !lm_imap_tls_active(c))
				FZ_CHECK(r != 0, "credentials before TLS");
			return;
		}
		(void)lm_imap_logout(c, NULL);
		s->logged_out = 1;
		return;
	}
	if (state == LM_IMAP_STATE_AUTH && !s->selected_sent) {
		s->selected_sent = 1;
		(void)lm_imap_select(c, "Entw\xC3\xBCrfe", NULL, NULL);
		return;
	}
	if (state == LM_IMAP_STATE_SELECTED && !s->fetched) {
		lm_imap_fetch_opts f = LM_IMAP_FETCH_OPTS_INIT;
		lm_imap_section sec;
		memset(&sec, 0, sizeof sec);
		sec.peek = 1;
		f.items = LM_IMAP_F_UID | LM_IMAP_F_FLAGS | LM_IMAP_F_ENVELOPE |
		          LM_IMAP_F_BODYSTRUCTURE | LM_IMAP_F_RFC822_SIZE;
		f.sections = &sec;
		f.nsections = 1;
		s->fetched = 1;
		(void)lm_imap_fetch(c, 1, "1:*", &f, NULL);
		return;
	}
	if ((s->f0 & 0x10) && !s->idled && state >= LM_IMAP_STATE_AUTH) {
		s->idled = 1;
		if (lm_imap_idle(c, NULL) == 0)
			(void)lm_imap_idle_done(c);
		return;
	}
	if ((s->f0 & 0x20) && !s->appended && state >= LM_IMAP_STATE_AUTH) {
		s->appended = 1;
		s->app_left = 3000;
		(void)lm_imap_append(c, "Sent", "\\Seen", NULL, 3000, app_read, s, NULL);
		return;
	}
	if ((s->f0 & 0x40) && !s->moved && state == LM_IMAP_STATE_SELECTED) {
		s->moved = 1;
		(void)lm_imap_move(c, 1, "1:3", "Trash", NULL);
		return;
	}
	if (state >= LM_IMAP_STATE_AUTH && state <= LM_IMAP_STATE_SELECTED) {
		(void)lm_imap_logout(c, NULL);
		s->logged_out = 1;
	}
}

/* Encoder round trip: the server bytes without CR, LF and NUL, up to
 * 1100 (past the 1000 where quoted strings give way to literals), as a
 * string; the string's length modulo 8 picks utf8 (1), nonsync (2) and
 * always_quote (4), so every combination comes up. The encoding follows
 * imap.h (an atom only when allowed, 8-bit data without utf8 and more
 * than 1000 bytes never quoted, "{n+}" when nonsync) and reads back as
 * one token with the original value. */
static void
roundtrip(const uint8_t *d, size_t n)
{
	static char s[1101], out[1200], back[1101];
	size_t i, k = 0, ol;
	int lit, utf8, nonsync, quote, eight = 0;
	const char *e;
	lm_imap_reader r;
	lm_imap_tok t;
	lm_slice x;
	for (i = 0; i < n && k < sizeof s - 1; i++)
		if (d[i] != '\r' && d[i] != '\n' && d[i] != 0) {
			s[k++] = (char)d[i];
			eight |= d[i] >= 0x80;
		}
	s[k] = 0;
	utf8 = (int)(k & 1);
	nonsync = (int)((k >> 1) & 1);
	quote = (int)((k >> 2) & 1);
	if (lm_imap_encode_string(s, k, utf8, nonsync, quote, out, sizeof out, &ol, &lit) != 0)
		return;
	e = memchr(out, '}', ol < 24 ? ol : 24);
	FZ_CHECK(lit == (out[0] == '{') && (!lit || e != NULL), "literal flag");
	FZ_CHECK(out[0] != '"' || (k <= 1000 && (utf8 || !eight)), "quoted only when allowed");
	FZ_CHECK(!lit || nonsync == (e[-1] == '+'), "{n+} when nonsync");
	FZ_CHECK(!quote || lit || out[0] == '"', "always_quote: no atom");
	x.p = (const unsigned char *)out;
	x.len = ol;
	lm_imap_reader_init(&r, x);
	lm_imap_read(&r, &t);
	FZ_CHECK(t.type == LM_IMAP_TOK_STRING || (!quote && (t.type == LM_IMAP_TOK_ATOM ||
	         t.type == LM_IMAP_TOK_NUMBER)), "encoded string reads back");
	FZ_CHECK(lm_imap_tok_copy(&t, back, sizeof back, NULL) == 0, "copy");
	FZ_CHECK(strcmp(back, s) == 0, "round trip");
	FZ_CHECK(lm_imap_read(&r, &t) == LM_IMAP_TOK_END, "one token");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	st *s = &S;
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	static unsigned char ib[1024 + 256 * 127];
	size_t pos = 3, cyc = 0;
	unsigned f1, f2;
	int iter, eof = 0, r = 0, err = 0, stalls = 0;

	if (size < 3)
		return 0;
	memset(s, 0, sizeof *s);
	s->f0 = data[0];
	f1 = data[1];
	f2 = data[2];
	roundtrip(data + 3, size - 3);
	s->ibuf = ib;
	s->ilen = 1024 + 256 * (f2 & 0x7f);
	s->pw = (s->f0 & 0x80) ? PASS8 : PASS;
	s->cr = (lm_sasl_creds)LM_SASL_CREDS_INIT;
	s->cr.user = "alice";
	s->cr.password = s->pw;
	o.require_tls = (s->f0 & 0x01) != 0;
	o.allow_plaintext_auth = !o.require_tls;
	o.use_literal_plus = (s->f0 & 0x04) != 0;
	o.trace = trace_fn;
	secret_seen = 0;
	FZ_CHECK(lm_imap_init(&s->c, &o, s->ibuf, s->ilen, s->obuf, sizeof s->obuf) == 0, "init");
	if (s->f0 & 0x02)
		(void)lm_imap_set_tls_active(&s->c);

	for (iter = 0; iter < ITER_MAX; iter++) {
		lm_imap_event ev;
		r = lm_imap_next(&s->c, &ev);
		fz_imap_bounds(&s->c);
		if (r < 0 && r != LM_ERR_BAD_STATE) {
			err = r;
			break;
		}
		if (r == LM_ERR_BAD_STATE) {
			/* waiting for TLS: the handshake "succeeds" at once */
			if (!s->tls_pending) {
				FZ_CHECK(lm_imap_last_error(&s->c) == 0, "BAD_STATE is not sticky");
				FZ_CHECK(lm_imap_tls_done(&s->c, NULL) == 0, "tls_done");
				continue;
			}
		}
		if (r == LM_EVENT) {
			check_event(s, &ev);
			if (ev.type == LM_IMAP_EV_DONE && ev.cmd == LM_IMAP_CMD_AUTHENTICATE)
				lm_sasl_free(&s->sasl);
			react(s);
			continue;
		}
		if (r == LM_WANT_WRITE) {
			size_t n;
			const unsigned char *p = lm_imap_send_buf(&s->c, &n);
			FZ_CHECK(n > 0, "WANT_WRITE with nothing to send");
			if (o.require_tls && !(s->f0 & 0x02) && !lm_imap_tls_active(&s->c))
				FZ_CHECK(memmem(p, n, "LOGIN", 5) == NULL &&
				         memmem(p, n, "AUTHENTICATE", 12) == NULL,
				         "credentials before TLS");
			lm_imap_send_ack(&s->c, n);
			continue;
		}
		if (r == LM_DONE)
			break;
		if (r == LM_WANT_READ) {
			size_t n = size - pos, used = 0;
			react(s);
			if (lm_imap_send_buf(&s->c, &n), n > 0)
				continue;
			n = size - pos;
			if (n == 0) {
				FZ_CHECK(!eof || stalls < 2, "WANT_READ after EOF");
				if (eof)
					stalls++;
				lm_imap_recv_eof(&s->c);
				eof = 1;
				continue;
			}
			if (f1 == 255)
				n = n < (cyc % 7) + 1 ? n : (cyc % 7) + 1;
			else if (f1 && n > f1)
				n = f1;
			cyc++;
			if (!(f2 & 0x80)) {
				/* one line at a time: a real server answers
				 * only what it has read (a tagged OK fed
				 * before its command was queued fails the
				 * engine), and before TLS the bytes after the
				 * OK to STARTTLS come through the TLS layer */
				const uint8_t *lf = memchr(data + pos, '\n', n);
				if (lf)
					n = (size_t)(lf - (data + pos)) + 1;
			}
			(void)lm_imap_feed(&s->c, data + pos, n, &used);
			FZ_CHECK(used > 0 || lm_imap_last_error(&s->c) != 0, "feed makes progress");
			pos += used;
			continue;
		}
	}
	FZ_CHECK(iter < ITER_MAX, "bounded steps");
	if (err) {
		lm_imap_event ev;
		FZ_CHECK(lm_imap_last_error(&s->c) == err, "sticky error recorded");
		FZ_CHECK(lm_imap_next(&s->c, &ev) == err, "sticky error repeated");
		FZ_CHECK(lm_imap_noop(&s->c, NULL) == err, "commands see the error");
	}
	FZ_CHECK(!secret_seen, "password in the trace");
	lm_sasl_free(&s->sasl);
	lm_imap_free(&s->c);
	return 0;
}
