/*
 * IMAP engine unit tests: the string/literal encoder, the zero-copy
 * readers, command encoding, literal holds, hostile input (deep nesting,
 * STARTTLS injection in the same packet), streaming of a 500 MB body
 * through a 32 KB buffer, trace redaction; state after LOGOUT and the
 * mailbox data of SELECT when answers to earlier commands come first
 * (RFC 3501 5.5, RFC 7162 3.2.11).
 * Expected bytes come from RFC 3501 / RFC 9051 grammar, worked out by hand.
 */
#define _GNU_SOURCE 1
#include "test.h"
#include "libmail/imap.h"

static unsigned char ibuf[LM_IMAP_BUFSIZE_IN], obuf[LM_IMAP_BUFSIZE_OUT];

static int
enc(const char *s, int utf8, int nonsync, int aq, char *out, size_t cap, int *lit)
{
	size_t n;
	return lm_imap_encode_string(s, strlen(s), utf8, nonsync, aq, out, cap, &n, lit);
}

static void
t_encoder(void)
{
	char o[256];
	int lit;
	LM_CHECK_EQ(enc("INBOX", 0, 0, 0, o, sizeof o, &lit), 0);
	LM_CHECK(strcmp(o, "INBOX") == 0 && lit == 0);
	LM_CHECK_EQ(enc("NIL", 0, 0, 0, o, sizeof o, &lit), 0);
	LM_CHECK(strcmp(o, "\"NIL\"") == 0);
	LM_CHECK_EQ(enc("", 0, 0, 0, o, sizeof o, &lit), 0);
	LM_CHECK(strcmp(o, "\"\"") == 0);
	LM_CHECK_EQ(enc("a b\"c\\d", 0, 0, 0, o, sizeof o, &lit), 0);
	LM_CHECK(strcmp(o, "\"a b\\\"c\\\\d\"") == 0);
	LM_CHECK_EQ(enc("foo", 0, 0, 1, o, sizeof o, &lit), 0);
	LM_CHECK(strcmp(o, "\"foo\"") == 0);
	LM_CHECK_EQ(enc("a%b", 0, 0, 0, o, sizeof o, &lit), 0);   /* % is a list wildcard */
	LM_CHECK(strcmp(o, "\"a%b\"") == 0);
	LM_CHECK_EQ(enc("caf\xC3\xA9", 0, 0, 0, o, sizeof o, &lit), 0);
	LM_CHECK(strcmp(o, "{5}\r\ncaf\xC3\xA9") == 0 && lit == 1);
	LM_CHECK_EQ(enc("caf\xC3\xA9", 0, 1, 0, o, sizeof o, &lit), 0);
	LM_CHECK(strcmp(o, "{5+}\r\ncaf\xC3\xA9") == 0 && lit == 1);
	LM_CHECK_EQ(enc("caf\xC3\xA9", 1, 0, 0, o, sizeof o, &lit), 0);
	LM_CHECK(strcmp(o, "\"caf\xC3\xA9\"") == 0 && lit == 0);
	LM_CHECK_EQ(enc("tab\there", 0, 0, 0, o, sizeof o, &lit), 0);
	LM_CHECK(strcmp(o, "{8}\r\ntab\there") == 0);
	LM_CHECK_EQ(enc("a\r\nb", 0, 0, 0, o, sizeof o, &lit), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(enc("a\nb", 1, 1, 0, o, sizeof o, &lit), LM_ERR_BAD_PARAM);
	{
		size_t n;
		LM_CHECK_EQ(lm_imap_encode_string("a\0b", 3, 0, 0, 0, o, sizeof o, &n, &lit),
		            LM_ERR_BAD_PARAM);
	}
	LM_CHECK_EQ(enc("abcdef", 0, 0, 1, o, 4, &lit), LM_ERR_BUFFER_TOO_SMALL);
	{
		static char big[1002], out[1100];
		memset(big, 'x', 1001);
		big[0] = ' ';
		LM_CHECK_EQ(enc(big, 0, 0, 0, out, sizeof out, &lit), 0);
		LM_CHECK(strncmp(out, "{1001}\r\n", 8) == 0 && lit == 1);
	}
}

static lm_slice
sl(const char *s)
{
	lm_slice x;
	x.p = (const unsigned char *)s;
	x.len = strlen(s);
	return x;
}

static void
t_reader(void)
{
	lm_imap_reader r, in;
	lm_imap_tok t;
	char b[64];
	lm_imap_reader_init(&r, sl("atom 42 \"q\\\"x\" NIL (a (b) \")\") {3}\r\nx)y 18446744073709551616 )"));
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_ATOM);
	LM_CHECK_STRN(t.s.p, t.s.len, "atom");
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_NUMBER);
	LM_CHECK(t.num == 42);
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_STRING);
	LM_CHECK(t.esc == 1);
	LM_CHECK_EQ(lm_imap_tok_copy(&t, b, sizeof b, NULL), 0);
	LM_CHECK(strcmp(b, "q\"x") == 0);
	LM_CHECK(lm_imap_tok_eq(&t, "Q\"X"));
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_NIL);
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_OPEN);
	LM_CHECK_STRN(t.s.p, t.s.len, "(a (b) \")\")");
	{
		/* backslashes that precede no quote are escapes too (fuzz finding) */
		lm_imap_reader q;
		lm_imap_tok u;
		lm_imap_reader_init(&q, sl("\"a\\\\b\""));
		LM_CHECK_EQ(lm_imap_read(&q, &u), LM_IMAP_TOK_STRING);
		LM_CHECK(u.esc == 1);
		LM_CHECK_EQ(lm_imap_tok_copy(&u, b, sizeof b, NULL), 0);
		LM_CHECK(strcmp(b, "a\\b") == 0);
	}
	lm_imap_reader_enter(&in, &t);
	LM_CHECK_EQ(lm_imap_read(&in, &t), LM_IMAP_TOK_ATOM);
	LM_CHECK_EQ(lm_imap_read(&in, &t), LM_IMAP_TOK_OPEN);
	LM_CHECK_EQ(lm_imap_read(&in, &t), LM_IMAP_TOK_STRING);
	LM_CHECK_STRN(t.s.p, t.s.len, ")");
	LM_CHECK_EQ(lm_imap_read(&in, &t), LM_IMAP_TOK_END);
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_STRING);  /* literal */
	LM_CHECK_STRN(t.s.p, t.s.len, "x)y");
	/* 2^64 does not fit a number: an atom */
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_ATOM);
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_CLOSE);
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_END);
	/* literal longer than the slice, unterminated quote, unbalanced list */
	lm_imap_reader_init(&r, sl("{10}\r\nabc"));
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_ERROR);
	lm_imap_reader_init(&r, sl("\"abc"));
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_ERROR);
	lm_imap_reader_init(&r, sl("((a)"));
	LM_CHECK_EQ(lm_imap_read(&r, &t), LM_IMAP_TOK_ERROR);
	{
		lm_slice l = sl(" 1 22 333");
		uint64_t v;
		LM_CHECK(lm_imap_num_next(&l, &v) && v == 1);
		LM_CHECK(lm_imap_num_next(&l, &v) && v == 22);
		LM_CHECK(lm_imap_num_next(&l, &v) && v == 333);
		LM_CHECK(!lm_imap_num_next(&l, &v));
	}
}

static void
t_envelope_groups(void)
{
	/* RFC 3501 7.4.2 group syntax: "undisclosed:;" is (NIL NIL "undisclosed" NIL)(NIL NIL NIL NIL) */
	lm_imap_envelope e;
	lm_imap_reader r;
	lm_imap_address a;
	LM_CHECK_EQ(lm_imap_envelope_parse(sl("(\"d\" {2}\r\nhi NIL NIL NIL ((NIL NIL \"undisclosed\" NIL)(NIL NIL NIL NIL)(\"B\" NIL \"b\" \"x.test\")) NIL NIL \"<r@x>\" \"<m@x>\")"), &e), 0);
	LM_CHECK_STRN(e.subject.s.p, e.subject.s.len, "hi");
	lm_imap_reader_enter(&r, &e.to);
	LM_CHECK_EQ(lm_imap_address_next(&r, &a), 1);
	LM_CHECK(a.group_start && lm_imap_tok_eq(&a.mailbox, "undisclosed"));
	LM_CHECK_EQ(lm_imap_address_next(&r, &a), 1);
	LM_CHECK(a.group_end);
	LM_CHECK_EQ(lm_imap_address_next(&r, &a), 1);
	LM_CHECK(lm_imap_tok_eq(&a.host, "x.test") && lm_imap_tok_eq(&a.name, "B"));
	LM_CHECK_EQ(lm_imap_address_next(&r, &a), 0);
	LM_CHECK(lm_imap_tok_eq(&e.in_reply_to, "<r@x>"));
	LM_CHECK_EQ(lm_imap_envelope_parse(sl("(\"d\" \"s\")"), &e), LM_ERR_DECODE);
}

static void
t_body_find(void)
{
	/* RFC 3501 6.4.5 style: multipart/mixed [ text/plain, message/rfc822 [ multipart [text/plain, text/html] ] ] */
	const char *bs = "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 10 1)"
	                 "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 500 (NIL \"sub\" NIL NIL NIL NIL NIL NIL NIL NIL)"
	                 " ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"QUOTED-PRINTABLE\" 20 2)(\"TEXT\" \"HTML\" NIL NIL NIL \"BASE64\" 30 3) \"ALTERNATIVE\") 40)"
	                 " \"MIXED\")";
	lm_imap_body b;
	LM_CHECK_EQ(lm_imap_body_find(sl(bs), "", &b), 0);
	LM_CHECK(b.multipart && lm_imap_tok_eq(&b.subtype, "MIXED"));
	LM_CHECK_EQ(lm_imap_body_find(sl(bs), "1", &b), 0);
	LM_CHECK(lm_imap_tok_eq(&b.subtype, "PLAIN") && b.size == 10 && b.lines == 1);
	LM_CHECK_EQ(lm_imap_body_find(sl(bs), "2", &b), 0);
	LM_CHECK(lm_imap_tok_eq(&b.subtype, "RFC822") && b.size == 500 && b.lines == 40);
	LM_CHECK_EQ(lm_imap_body_find(sl(bs), "2.2", &b), 0);
	LM_CHECK(lm_imap_tok_eq(&b.subtype, "HTML") && b.size == 30);
	LM_CHECK(lm_imap_tok_eq(&b.encoding, "BASE64"));
	LM_CHECK_EQ(lm_imap_body_find(sl(bs), "3", &b), LM_ERR_DECODE);
	LM_CHECK_EQ(lm_imap_body_find(sl(bs), "1.1.1", &b), LM_ERR_DECODE);
	LM_CHECK_EQ(lm_imap_body_find(sl(bs), "x", &b), LM_ERR_DECODE);
}

/* Drive the engine over one input string; returns the last next() result
 * and counts events of each type. */
static int
drive(lm_imap_client *c, const char *in, size_t n, unsigned counts[32])
{
	size_t off = 0;
	lm_imap_event ev;
	for (;;) {
		int r = lm_imap_next(c, &ev);
		if (r == LM_EVENT) {
			if (counts && (unsigned)ev.type < 32)
				counts[ev.type]++;
			continue;
		}
		if (r == LM_WANT_WRITE) {
			size_t k;
			lm_imap_send_buf(c, &k);
			lm_imap_send_ack(c, k);
			continue;
		}
		if (r == LM_WANT_READ && off < n) {
			size_t used;
			lm_imap_feed(c, in + off, n - off, &used);
			off += used;
			continue;
		}
		return r;
	}
}

static void
start(lm_imap_client *c, unsigned char *ib, size_t il, const char *greeting)
{
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	LM_CHECK_EQ(lm_imap_init(c, &o, ib, il, obuf, sizeof obuf), 0);
	LM_CHECK_EQ(lm_imap_set_tls_active(c), 0);
	LM_CHECK_EQ(drive(c, greeting, strlen(greeting), NULL), LM_WANT_READ);
}

static void
t_deep_nesting(void)
{
	/* 100,000 nested parentheses in a BODYSTRUCTURE: no recursion, the
	 * item is reported damaged and parsing goes on. */
	static unsigned char big[300000];
	static char in[250000];
	lm_imap_client c;
	unsigned counts[32] = { 0 };
	size_t w = 0, i;
	int r;
	start(&c, big, sizeof big, "* PREAUTH ready\r\n");
	w += (size_t)sprintf(in + w, "* 1 FETCH (UID 7 BODYSTRUCTURE ");
	for (i = 0; i < 100000; i++)
		in[w++] = '(';
	for (i = 0; i < 100000; i++)
		in[w++] = ')';
	w += (size_t)sprintf(in + w, ")\r\n* 2 EXISTS\r\n");
	r = drive(&c, in, w, counts);
	LM_CHECK_EQ(r, LM_WANT_READ);
	LM_CHECK_EQ(counts[LM_IMAP_EV_FETCH_ITEM], 1);   /* UID only */
	LM_CHECK_EQ(counts[LM_IMAP_EV_FETCH_END], 1);
	LM_CHECK_EQ(counts[LM_IMAP_EV_EXISTS], 1);
	LM_CHECK_EQ(lm_imap_last_error(&c), 0);
	/* the readers on the same bytes */
	{
		lm_imap_body b;
		lm_slice s;
		s.p = (const unsigned char *)in + 31;
		s.len = 200000;
		LM_CHECK_EQ(lm_imap_body_parse(s, &b), LM_ERR_LIMIT);
	}
	/* with the normal 32 KB buffer it is a line too long */
	start(&c, ibuf, sizeof ibuf, "* PREAUTH ready\r\n");
	LM_CHECK_EQ(drive(&c, in, w, NULL), LM_ERR_LINE_TOO_LONG);
}

static void
t_starttls_same_packet(void)
{
	lm_imap_client c;
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	const char *g = "* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n";
	const char *inj = "A1 OK go\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n";
	LM_CHECK_EQ(lm_imap_init(&c, &o, ibuf, sizeof ibuf, obuf, sizeof obuf), 0);
	LM_CHECK_EQ(drive(&c, g, strlen(g), NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_starttls(&c, NULL), 0);
	LM_CHECK_EQ(drive(&c, inj, strlen(inj), NULL), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(lm_imap_tls_done(&c, NULL), LM_ERR_PROTOCOL);
}

/* A LOGIN whose 8-bit password waits as a literal for the server's "+":
 * the line up to the literal (expected: want) is sent. */
static void
login_held(lm_imap_client *c, const char *pass, const char *want)
{
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	const char *g = "* OK [CAPABILITY IMAP4rev1] hi\r\n";
	const unsigned char *p;
	size_t n;
	lm_imap_event ev;
	LM_CHECK_EQ(lm_imap_init(c, &o, ibuf, sizeof ibuf, obuf, sizeof obuf), 0);
	lm_imap_set_tls_active(c);
	LM_CHECK_EQ(drive(c, g, strlen(g), NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_login(c, "al ice", pass, NULL), 0);
	LM_CHECK_EQ(lm_imap_next(c, &ev), LM_WANT_WRITE);
	p = lm_imap_send_buf(c, &n);
	LM_CHECK_STRN(p, n, want);
	lm_imap_send_ack(c, n);
}

/* The server's "+": the held rest (expected: want) is sent. */
static void
go_send(lm_imap_client *c, const char *want)
{
	const unsigned char *p;
	size_t n, used;
	lm_imap_event ev;
	lm_imap_feed(c, "+ go\r\n", 6, &used);
	LM_CHECK_EQ(lm_imap_next(c, &ev), LM_WANT_WRITE);
	p = lm_imap_send_buf(c, &n);
	LM_CHECK_STRN(p, n, want);
	lm_imap_send_ack(c, n);
}

static void
t_literal_hold(void)
{
	lm_imap_client c;
	size_t n;
	lm_imap_event ev;
	login_held(&c, "p\xC3\xA4ss", "A1 LOGIN \"al ice\" {5}\r\n");
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_READ);   /* data held */
	lm_imap_send_buf(&c, &n);
	LM_CHECK_EQ(n, 0);
	go_send(&c, "p\xC3\xA4ss\r\n");
	/* the engine zeroized the sent credentials in its output buffer */
	LM_CHECK(memmem(obuf, sizeof obuf, "p\xC3\xA4ss", 5) == NULL);
}

/* LOGIN with its password held for a "+" that never comes: the server's
 * NO drops the held rest of the command, and no copy of the password
 * may stay behind the output (the drop moves bytes to the front). */
static void
t_literal_hold_refused_wipe(void)
{
	lm_imap_client c;
	size_t used;
	lm_imap_event ev;
	login_held(&c, "s3cr\xC3\xA9t", "A1 LOGIN \"al ice\" {7}\r\n");
	{
		const char *no = "A1 NO [AUTHENTICATIONFAILED] no\r\n";
		lm_imap_feed(&c, no, strlen(no), &used);
	}
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_IMAP_EV_DONE);
	LM_CHECK_EQ(ev.status, LM_IMAP_NO);
	LM_CHECK(memmem(obuf, sizeof obuf, "s3cr\xC3\xA9t", 7) == NULL);
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_READ);   /* nothing left */
	lm_imap_free(&c);
}

/* The password held for its "+" moves to the front of the output when a
 * command queued later needs room: the bytes it leaves behind are no
 * copy of it once it is sent. */
static void
t_literal_hold_compact_wipe(void)
{
	lm_imap_client c;
	login_held(&c, "s3cr\xC3\xA9t", "A1 LOGIN \"al ice\" {7}\r\n");
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), 0);   /* compacts the output */
	go_send(&c, "s3cr\xC3\xA9t\r\nA2 NOOP\r\n");
	LM_CHECK(memmem(obuf, sizeof obuf, "s3cr\xC3\xA9t", 7) == NULL);
	lm_imap_free(&c);
}

static int
rd_x(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	(void)ud;
	memset(buf, 'x', cap);
	*got = cap;
	return 0;
}

/* An APPEND body (non-synchronising, IMAP4rev2 up to 4096 bytes) pumped
 * while an earlier command still holds a synchronising literal (over
 * 4096 bytes) for its "+": when the body's pump moves the output to the
 * front, the hold moves with it; the held literal never goes before its
 * "+" (the server would read it as a command line). */
static void
t_append_pump_keeps_hold(void)
{
	static unsigned char ob[12000], sbuf[9000];
	static char v1[4201], v2[4201];
	lm_imap_sb sb;
	lm_imap_client c;
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	const char *g = "* PREAUTH [CAPABILITY IMAP4rev2] hi\r\n";
	const unsigned char *p;
	size_t n, used;
	lm_imap_event ev;
	memset(v1, 'a', 4200);
	memset(v2, 'b', 4200);
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	lm_imap_sb_str(&sb, "SUBJECT", v1);
	lm_imap_sb_str(&sb, "BODY", v2);
	o.use_literal_plus = 1;
	LM_CHECK_EQ(lm_imap_init(&c, &o, ibuf, sizeof ibuf, ob, sizeof ob), 0);
	lm_imap_set_tls_active(&c);
	LM_CHECK_EQ(drive(&c, g, strlen(g), NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", NULL, NULL), 0);
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_WRITE);
	p = lm_imap_send_buf(&c, &n);
	lm_imap_send_ack(&c, n);
	LM_CHECK_EQ(drive(&c, "A1 OK done\r\n", 12, NULL), LM_WANT_READ);
	/* two literals over 4096 bytes: synchronising under IMAP4rev2 */
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), 0);
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_WRITE);
	p = lm_imap_send_buf(&c, &n);
	LM_CHECK_STRN(p, n, "A2 SEARCH SUBJECT {4200}\r\n");
	lm_imap_send_ack(&c, n);
	LM_CHECK_EQ(lm_imap_append(&c, "INBOX", NULL, NULL, 4000, rd_x, NULL, NULL), 0);
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_READ);   /* all held */
	lm_imap_feed(&c, "+ go\r\n", 6, &used);
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_WRITE);
	p = lm_imap_send_buf(&c, &n);
	LM_CHECK(n == 4200 + strlen(" BODY {4200}\r\n"));
	LM_CHECK(n > 4200 && p[0] == 'a' && p[4199] == 'a' && p[n - 1] == '\n');
	lm_imap_send_ack(&c, n);
	/* the body's pump runs again here: v2 still waits for its "+" */
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_READ);
	p = lm_imap_send_buf(&c, &n);
	LM_CHECK_EQ(n, 0);
	lm_imap_feed(&c, "+ go\r\n", 6, &used);
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_WRITE);
	p = lm_imap_send_buf(&c, &n);
	LM_CHECK(n > 4200 && p[0] == 'b' && p[4199] == 'b' && p[4200] == '\r');
	lm_imap_free(&c);
}

/* Spaces between a body-section item's name and its value (the engine
 * accepts any number): the name kept for the data events is the name
 * alone. The engine copied name and spaces into its 256-byte name
 * buffer: 20,000 spaces wrote past it (past the context, on the heap
 * here, where ASan sees it). */
static void
t_fetch_name_then_spaces(void)
{
	static char in[21000];
	lm_imap_client *c = malloc(sizeof *c);
	lm_imap_event ev;
	size_t w = 0, off = 0, used;
	int r, data = 0;
	LM_CHECK(c != NULL);
	if (c == NULL)
		return;
	start(c, ibuf, sizeof ibuf, "* PREAUTH ready\r\n");
	w += (size_t)sprintf(in + w, "* 1 FETCH (BODY[] ");
	memset(in + w, ' ', 20000);
	w += 20000;
	w += (size_t)sprintf(in + w, "{3}\r\nabc)\r\n");
	for (;;) {
		r = lm_imap_next(c, &ev);
		if (r == LM_WANT_READ && off < w) {
			lm_imap_feed(c, in + off, w - off, &used);
			off += used;
			continue;
		}
		if (r != LM_EVENT)
			break;
		if (ev.type == LM_IMAP_EV_FETCH_DATA) {
			data++;
			LM_CHECK_STRN(ev.fetch.name.p, ev.fetch.name.len, "BODY[]");
			LM_CHECK_STRN(ev.fetch.data.p, ev.fetch.data.len, "abc");
		}
	}
	LM_CHECK_EQ(r, LM_WANT_READ);
	LM_CHECK_EQ(data, 1);
	lm_imap_free(c);
	free(c);
}

struct tr { char line[4096]; int found_secret, found_redacted, redacted_lines; };

static void
trace_fn(char dir, const char *line, size_t len, void *ud)
{
	struct tr *t = ud;
	if (memmem(line, len, "hunter2", 7))
		t->found_secret = 1;
	if (memmem(line, len, "<redacted>", 10))
		t->found_redacted = 1;
	if (dir == 'C' && len == 10 && memcmp(line, "<redacted>", 10) == 0)
		t->redacted_lines++;
}

static void
t_trace_redaction(void)
{
	lm_imap_client c;
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	struct tr t;
	const char *g = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n";
	memset(&t, 0, sizeof t);
	o.trace = trace_fn;
	o.trace_ud = &t;
	LM_CHECK_EQ(lm_imap_init(&c, &o, ibuf, sizeof ibuf, obuf, sizeof obuf), 0);
	lm_imap_set_tls_active(&c);
	LM_CHECK_EQ(drive(&c, g, strlen(g), NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_login(&c, "bob", "hunter2", NULL), 0);
	LM_CHECK_EQ(drive(&c, "", 0, NULL), LM_WANT_READ);
	LM_CHECK(t.found_redacted && !t.found_secret);
	lm_imap_free(&c);

	/* AUTHENTICATE: each response to a "+" is a line of the trace,
	 * redacted (the dialogue stays complete) */
	{
		lm_sasl sa;
		lm_sasl_creds cr = LM_SASL_CREDS_INIT;
		const char *g2 = "* OK [CAPABILITY IMAP4rev1 AUTH=LOGIN] hi\r\n";
		const char *ch1 = "+ VXNlcm5hbWU6\r\n", *ch2 = "+ UGFzc3dvcmQ6\r\n";
		cr.user = "bob";
		cr.password = "hunter2";
		memset(&t, 0, sizeof t);
		LM_CHECK_EQ(lm_imap_init(&c, &o, ibuf, sizeof ibuf, obuf, sizeof obuf), 0);
		lm_imap_set_tls_active(&c);
		LM_CHECK_EQ(drive(&c, g2, strlen(g2), NULL), LM_WANT_READ);
		LM_CHECK_EQ(lm_sasl_init(&sa, LM_SASL_LOGIN, &cr), 0);
		LM_CHECK_EQ(lm_imap_authenticate(&c, &sa, NULL), 0);
		LM_CHECK_EQ(drive(&c, "", 0, NULL), LM_WANT_READ);
		LM_CHECK_EQ(drive(&c, ch1, strlen(ch1), NULL), LM_WANT_READ);
		LM_CHECK_EQ(drive(&c, ch2, strlen(ch2), NULL), LM_WANT_READ);
		LM_CHECK_EQ(t.redacted_lines, 2);
		LM_CHECK(!t.found_secret);
		lm_imap_free(&c);
		lm_sasl_free(&sa);
	}
}

static void
t_commands(void)
{
	lm_imap_client c;
	lm_imap_fetch_opts f = LM_IMAP_FETCH_OPTS_INIT;
	lm_imap_section s[2];
	const char *fields[] = { "From", "Subject" };
	const unsigned char *p;
	size_t n;
	lm_imap_event ev;
	lm_imap_sb sb;
	unsigned char sbuf[256];
	start(&c, ibuf, sizeof ibuf,
	      "* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE ESEARCH BINARY LITERAL+] hi\r\n");
	LM_CHECK_EQ(lm_imap_fetch(&c, 0, "1", &f, NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", NULL, NULL), 0);
	memset(s, 0, sizeof s);
	s[0].peek = 1; s[0].part = "1.2"; s[0].text = "HEADER.FIELDS";
	s[0].fields = fields; s[0].nfields = 2; s[0].partial = 1; s[0].start = 0; s[0].len = 1024;
	s[1].binary = 1; s[1].part = "3";
	f.items = LM_IMAP_F_UID | LM_IMAP_F_FLAGS | LM_IMAP_F_MODSEQ;
	f.sections = s; f.nsections = 2; f.changedsince = 12345;
	LM_CHECK_EQ(lm_imap_fetch(&c, 1, "1:*", &f, NULL), 0);
	LM_CHECK_EQ(lm_imap_store(&c, 1, "5,7:9", LM_IMAP_STORE_REMOVE, 0, "\\Seen $Junk", 320162338, NULL), 0);
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	lm_imap_sb_or(&sb);
	lm_imap_sb_str(&sb, "FROM", "alice");
	lm_imap_sb_open(&sb);
	lm_imap_sb_not(&sb);
	lm_imap_sb_key(&sb, "SEEN");
	lm_imap_sb_date(&sb, "SINCE", 2026, 2, 1);
	lm_imap_sb_close(&sb);
	lm_imap_sb_str(&sb, "SUBJECT", "caf\xC3\xA9 \"x\"");
	LM_CHECK_EQ(lm_imap_search(&c, 1, &sb, LM_IMAP_ESEARCH_COUNT | LM_IMAP_ESEARCH_ALL, NULL), 0);
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_WRITE);
	p = lm_imap_send_buf(&c, &n);
	LM_CHECK_STRN(p, n,
	    "A1 SELECT INBOX\r\n"
	    "A2 UID FETCH 1:* (UID FLAGS MODSEQ BODY.PEEK[1.2.HEADER.FIELDS (From Subject)]<0.1024> BINARY[3]) (CHANGEDSINCE 12345)\r\n"
	    "A3 UID STORE 5,7:9 (UNCHANGEDSINCE 320162338) -FLAGS (\\Seen $Junk)\r\n"
	    "A4 UID SEARCH RETURN (COUNT ALL) CHARSET UTF-8 OR FROM \"alice\" (NOT SEEN SINCE 1-Feb-2026) SUBJECT {9+}\r\ncaf\xC3\xA9 \"x\"\r\n");
	/* unbalanced builder */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	lm_imap_sb_open(&sb);
	lm_imap_sb_key(&sb, "SEEN");
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_imap_sb_close(&sb), 0);
	LM_CHECK_EQ(lm_imap_sb_close(&sb), LM_ERR_BAD_STATE);
	/* capability gates */
	LM_CHECK_EQ(lm_imap_idle(&c, NULL), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(lm_imap_uid_expunge(&c, "1", NULL), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(lm_imap_getquotaroot(&c, "INBOX", NULL), LM_ERR_UNSUPPORTED);
}

/* lm_imap_handle_cmd(): the command of an outstanding handle, with its
 * UID form; the MOVE fallback chain (COPY, STORE, UID EXPUNGE under new
 * tags) stays MOVE under the handle lm_imap_move() gave until its end. */
static void
t_handle_cmd(void)
{
	lm_imap_client c;
	lm_imap_fetch_opts f = LM_IMAP_FETCH_OPTS_INIT;
	lm_imap_handle hs = 0, hf = 0, hn = 0, hx = 0, hm = 0;
	int uid = -1;
	static const char done4[] =
	    "A1 OK [READ-WRITE] selected\r\nA2 OK f\r\nA3 OK f\r\nA4 OK x\r\n"
	    "A5 OK [COPYUID 9 4 7] copied\r\n";
	/* each step is queued when the one before completes: its answer
	 * comes after that */
	static const char done_st[] = "A6 OK stored\r\n";
	static const char done_ex[] = "A7 OK expunged\r\n";

	start(&c, ibuf, sizeof ibuf,
	      "* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS] hi\r\n");
	LM_CHECK_EQ(lm_imap_handle_cmd(&c, 0, &uid), LM_IMAP_CMD_NONE);
	LM_CHECK_EQ(uid, 0);
	LM_CHECK_EQ(lm_imap_handle_cmd(NULL, 1, &uid), LM_IMAP_CMD_NONE);
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", NULL, &hs), 0);
	f.items = LM_IMAP_F_FLAGS;
	LM_CHECK_EQ(lm_imap_fetch(&c, 1, "1", &f, &hf), 0);
	LM_CHECK_EQ(lm_imap_fetch(&c, 0, "2", &f, &hn), 0);
	LM_CHECK_EQ(lm_imap_uid_expunge(&c, "3", &hx), 0);
	LM_CHECK_EQ(lm_imap_move(&c, 1, "4", "Trash", &hm), 0);
	uid = -1;
	LM_CHECK_EQ(lm_imap_handle_cmd(&c, hs, &uid), LM_IMAP_CMD_SELECT);
	LM_CHECK_EQ(uid, 0);
	LM_CHECK_EQ(lm_imap_handle_cmd(&c, hf, &uid), LM_IMAP_CMD_FETCH);
	LM_CHECK_EQ(uid, 1);
	LM_CHECK_EQ(lm_imap_handle_cmd(&c, hn, &uid), LM_IMAP_CMD_FETCH);
	LM_CHECK_EQ(uid, 0);
	LM_CHECK_EQ(lm_imap_handle_cmd(&c, hx, &uid), LM_IMAP_CMD_UID_EXPUNGE);
	LM_CHECK_EQ(uid, 1);
	LM_CHECK_EQ(lm_imap_handle_cmd(&c, hm, NULL), LM_IMAP_CMD_MOVE);
	LM_CHECK_EQ(drive(&c, done4, sizeof done4 - 1, NULL), LM_WANT_READ);
	/* completed: no longer outstanding */
	LM_CHECK_EQ(lm_imap_handle_cmd(&c, hs, &uid), LM_IMAP_CMD_NONE);
	LM_CHECK_EQ(lm_imap_handle_cmd(&c, hf, &uid), LM_IMAP_CMD_NONE);
	LM_CHECK_EQ(uid, 0);
	/* COPY done, the STORE and UID EXPUNGE steps are outstanding */
	uid = -1;
	LM_CHECK_EQ(lm_imap_handle_cmd(&c, hm, &uid), LM_IMAP_CMD_MOVE);
	LM_CHECK_EQ(uid, 1);
	LM_CHECK_EQ(drive(&c, done_st, sizeof done_st - 1, NULL), LM_WANT_READ);
	LM_CHECK_EQ(drive(&c, done_ex, sizeof done_ex - 1, NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_handle_cmd(&c, hm, &uid), LM_IMAP_CMD_NONE);
	LM_CHECK_EQ(lm_imap_pending(&c), 0);
}

struct src { size_t left; };

static void
t_stream_500mb(void)
{
	/* A 500 MB body section through a 32 KB input buffer: chunks tied to
	 * the FETCH, offsets contiguous, nothing buffered beyond the input
	 * buffer. */
	static char chunk[LM_IMAP_BUFSIZE_IN];
	lm_imap_client c;
	lm_imap_event ev;
	const uint64_t total = 500ull * 1024 * 1024;
	uint64_t sent = 0, got = 0, events = 0;
	const char *head = "* 9 FETCH (UID 77 BODY[] {524288000}\r\n";
	const char *tail = " FLAGS (\\Seen))\r\n";
	int stage = 0, ends = 0, bad = 0;
	memset(chunk, 'm', sizeof chunk);
	start(&c, ibuf, sizeof ibuf, "* PREAUTH hi\r\n");
	for (;;) {
		int r = lm_imap_next(&c, &ev);
		if (r == LM_EVENT) {
			if (ev.type == LM_IMAP_EV_FETCH_DATA) {
				if (ev.fetch.offset != got || ev.fetch.uid != 77 || ev.fetch.seq != 9 ||
				    ev.fetch.total != total)
					bad = 1;
				got += ev.fetch.data.len;
				events++;
			}
			if (ev.type == LM_IMAP_EV_FETCH_END)
				ends++;
			continue;
		}
		if (r != LM_WANT_READ)
			break;
		{
			size_t room, k;
			unsigned char *dst = lm_imap_recv_buf(&c, &room);
			if (stage == 0) {
				k = strlen(head);
				memcpy(dst, head, k);
				stage = 1;
			} else if (stage == 1) {
				k = room;
				if (k > total - sent)
					k = (size_t)(total - sent);
				memset(dst, 'm', k);
				sent += k;
				if (sent == total)
					stage = 2;
			} else if (stage == 2) {
				k = strlen(tail);
				memcpy(dst, tail, k);
				stage = 3;
			} else {
				break;
			}
			lm_imap_recv_ack(&c, k);
		}
	}
	LM_CHECK(!bad);
	LM_CHECK(got == total);
	LM_CHECK(events >= total / sizeof ibuf);
	LM_CHECK_EQ(ends, 1);
	LM_CHECK(sizeof(lm_imap_client) + LM_IMAP_BUFSIZE_IN + LM_IMAP_BUFSIZE_OUT < 65536);
}

/* drive() on a C string */
static int
drive_s(lm_imap_client *c, const char *in, unsigned counts[32])
{
	return drive(c, in, strlen(in), counts);
}

/* LOGOUT sent: the completions of commands pipelined before it do not
 * bring the session back to a state that accepts commands. */
static void
t_logout_stays(void)
{
	lm_imap_client c;
	start(&c, ibuf, sizeof ibuf, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n");
	LM_CHECK_EQ(lm_imap_login(&c, "u", "p", NULL), 0);
	LM_CHECK_EQ(lm_imap_logout(&c, NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "A1 OK [CAPABILITY IMAP4rev1] in\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ((int)lm_imap_get_state(&c), LM_IMAP_STATE_LOGOUT);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), LM_ERR_BAD_STATE);
	/* the same with SELECT */
	start(&c, ibuf, sizeof ibuf, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", NULL, NULL), 0);
	LM_CHECK_EQ(lm_imap_logout(&c, NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "* 3 EXISTS\r\nA1 OK [READ-WRITE] done\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ((int)lm_imap_get_state(&c), LM_IMAP_STATE_LOGOUT);
	LM_CHECK_EQ(lm_imap_selected(&c)->selected, 0);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(drive_s(&c, "* BYE bye\r\nA2 OK done\r\n", NULL), LM_WANT_READ);
	lm_imap_recv_eof(&c);
	LM_CHECK_EQ(drive_s(&c, "", NULL), LM_DONE);
}

/* Untagged data of the old mailbox (answers to a command pipelined
 * before SELECT, or sent before RFC 7162's [CLOSED]) is not counted for
 * the mailbox being selected. */
static void
t_select_old_mailbox(void)
{
	lm_imap_client c;
	const lm_imap_mailbox *m;
	start(&c, ibuf, sizeof ibuf, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(lm_imap_select(&c, "A", NULL, NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "* 5 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\nA1 OK [READ-WRITE] done\r\n",
	                  NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), 0);
	LM_CHECK_EQ(lm_imap_select(&c, "B", NULL, NULL), 0);
	m = lm_imap_selected(&c);
	/* A2 NOOP: A's news; then B */
	LM_CHECK_EQ(drive_s(&c, "* 2 EXPUNGE\r\n* 4 EXISTS\r\nA2 OK noop\r\n"
	                      "* 9 EXISTS\r\n* OK [UIDVALIDITY 8] x\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(m->exists, 9);
	LM_CHECK_EQ(m->expunged, 0);
	LM_CHECK_EQ(m->uidvalidity, 8);
	LM_CHECK_EQ(drive_s(&c, "A3 OK [READ-WRITE] done\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(m->selected, 1);
	LM_CHECK_EQ(m->exists, 9);
	LM_CHECK_EQ(m->expunged, 0);
	/* RFC 7162: responses before [CLOSED] are about the old mailbox */
	LM_CHECK_EQ(lm_imap_select(&c, "C", NULL, NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "* 3 EXPUNGE\r\n* VANISHED 4:5\r\n* FLAGS (\\Seen x)\r\n"
	                      "* OK [CLOSED] old\r\n* 4 EXISTS\r\n* FLAGS (\\Seen)\r\n"
	                      "A4 OK [READ-WRITE] done\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(m->exists, 4);
	LM_CHECK_EQ(m->expunged, 0);
	LM_CHECK_EQ(m->vanished, 0);
	LM_CHECK_STRN(m->flags.p, m->flags.len, "\\Seen");
	LM_CHECK_EQ(lm_imap_last_error(&c), 0);
}

/* An untagged CAPABILITY before the tagged OK (no code) of LOGIN (as
 * Gmail sends it) describes the state after LOGIN only if it was
 * received after the whole LOGIN went out: one received earlier, even
 * if read later (the engine reads only once its output is sent), was
 * sent before the server had the command. mode 0: the list comes after
 * the LOGIN was sent; 1: before it was written; 2: while the last byte
 * of LOGIN was still unsent. */
static void
t_caps_login_window(void)
{
	static const char list[] = "* CAPABILITY IMAP4rev1 MOVE\r\n";
	lm_imap_client c;
	lm_imap_event ev;
	size_t k, used;
	int mode;

	for (mode = 0; mode < 3; mode++) {
		start(&c, ibuf, sizeof ibuf, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n");
		LM_CHECK_EQ(lm_imap_login(&c, "u", "p", NULL), 0);
		if (mode == 1)
			lm_imap_feed(&c, list, sizeof list - 1, &used);
		LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_WRITE);
		lm_imap_send_buf(&c, &k);
		lm_imap_send_ack(&c, mode == 2 ? k - 1 : k);
		if (mode != 1)
			lm_imap_feed(&c, list, sizeof list - 1, &used);
		LM_CHECK_EQ(drive_s(&c, "A1 OK in\r\n", NULL), LM_WANT_READ);
		LM_CHECK_EQ((int)lm_imap_get_state(&c), LM_IMAP_STATE_AUTH);
		LM_CHECK_EQ(lm_imap_caps_known(&c), mode == 0);
		LM_CHECK_EQ(lm_imap_has_cap(&c, "MOVE"), mode == 0);
		LM_CHECK_EQ(lm_imap_idle(&c, NULL), mode == 0 ? LM_ERR_UNSUPPORTED :
		                                                 LM_ERR_BAD_STATE);
		LM_CHECK_EQ(lm_imap_last_error(&c), 0);
	}
}

/* A [CLOSED] code without its ']' where one would count (SELECT
 * outstanding, no older command): the old mailbox's data before it
 * would count for the new one (not closed) or the boundary is a guess
 * (closed): a sticky LM_ERR_PROTOCOL. Elsewhere it is text, as before;
 * "[CLOSED x]" (an argument CLOSED does not take) is still CLOSED. */
static void
t_closed_damaged(void)
{
	static const char *const bad[] = { "* OK [CLOSED\r\n", "* OK [closed x\r\n",
		"* OK [CLOSED [x]\r\n", "* NO [CLOSED(\r\n" };
	lm_imap_client c;
	const lm_imap_mailbox *m;
	unsigned counts[32] = { 0 };
	char in[256];
	size_t k;

	for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		start(&c, ibuf, sizeof ibuf, "* PREAUTH hi\r\n");
		LM_CHECK_EQ(lm_imap_select(&c, "A", NULL, NULL), 0);
		LM_CHECK_EQ(drive_s(&c, "* 5 EXISTS\r\nA1 OK [READ-WRITE] done\r\n", NULL),
		            LM_WANT_READ);
		LM_CHECK_EQ(lm_imap_select(&c, "B", NULL, NULL), 0);
		snprintf(in, sizeof in, "* 3 EXPUNGE\r\n* VANISHED 4:5\r\n%s"
		         "* 4 EXISTS\r\nA2 OK [READ-WRITE] done\r\n", bad[k]);
		LM_CHECK_EQ(drive_s(&c, in, NULL), LM_ERR_PROTOCOL);
		LM_CHECK_EQ(lm_imap_last_error(&c), LM_ERR_PROTOCOL);
		LM_CHECK_EQ(lm_imap_select(&c, "C", NULL, NULL), LM_ERR_PROTOCOL);
	}
	/* "[CLOSED x]": closed, the EXPUNGE and VANISHED were about A */
	start(&c, ibuf, sizeof ibuf, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(lm_imap_select(&c, "A", NULL, NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "* 5 EXISTS\r\nA1 OK [READ-WRITE] done\r\n", NULL),
	            LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_select(&c, "B", NULL, NULL), 0);
	m = lm_imap_selected(&c);
	LM_CHECK_EQ(drive_s(&c, "* 3 EXPUNGE\r\n* VANISHED 4:5\r\n* OK [CLOSED x] old\r\n"
	                        "* 4 EXISTS\r\nA2 OK [READ-WRITE] done\r\n", NULL),
	            LM_WANT_READ);
	LM_CHECK_EQ(m->exists, 4);
	LM_CHECK_EQ(m->expunged, 0);
	LM_CHECK_EQ(m->vanished, 0);
	/* no SELECT outstanding, or one behind an older command (whose
	 * answers come first): a [CLOSED] would change nothing; text */
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), 0);
	LM_CHECK_EQ(lm_imap_select(&c, "C", NULL, NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "* OK [CLOSED\r\nA3 OK done\r\n* 7 EXISTS\r\n"
	                        "A4 OK [READ-WRITE] done\r\n* OK [CLOSED\r\n", counts),
	            LM_WANT_READ);
	LM_CHECK_EQ(counts[LM_IMAP_EV_STATUS], 2);
	LM_CHECK_EQ(m->exists, 7);
	LM_CHECK_EQ(lm_imap_last_error(&c), 0);
}

/* The MOVE fallback (no MOVE capability) queues its STORE and EXPUNGE
 * when the step before completes: a command queued behind the MOVE
 * would come between its steps (an APPEND's literal would take the
 * STORE line as message bytes; a SELECT would make the STORE and
 * EXPUNGE hit the other mailbox), so none may be queued meanwhile. */
static void
t_move_fallback_alone(void)
{
	lm_imap_client c;
	struct src s = { 10 };
	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS] hi\r\n");
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", NULL, NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "* 5 EXISTS\r\nA1 OK [READ-WRITE] ok\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_move(&c, 1, "4", "Trash", NULL), 0);
	LM_CHECK_EQ(lm_imap_append(&c, "Sent", NULL, NULL, 10, rd_x, &s, NULL),
	            LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_imap_select(&c, "Other", NULL, NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(drive_s(&c, "A2 OK copied\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(drive_s(&c, "A3 OK stored\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(drive_s(&c, "A4 OK expunged\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), 0);
}

/* A sequence-number MOVE fallback: an EXPUNGE that arrives before the
 * COPY completes renumbers the messages, so the STORE \Deleted of the
 * same numbers would mark other messages (and EXPUNGE remove them). The
 * chain stops after COPY with NO; the originals stay. */
static void
t_move_fallback_renumbered(void)
{
	lm_imap_client c;
	lm_imap_event ev;
	size_t used, k;
	int r;
	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", NULL, NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "* 5 EXISTS\r\nA1 OK [READ-WRITE] ok\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_move(&c, 0, "3", "Trash", NULL), 0);
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_WRITE);
	lm_imap_send_buf(&c, &k);
	lm_imap_send_ack(&c, k);
	{
		static const char in[] = "* 2 EXPUNGE\r\nA2 OK copied\r\n";
		lm_imap_feed(&c, in, sizeof in - 1, &used);
	}
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_EVENT);
	LM_CHECK_EQ((int)ev.type, LM_IMAP_EV_EXPUNGE);
	r = lm_imap_next(&c, &ev);
	LM_CHECK_EQ(r, LM_EVENT);
	LM_CHECK_EQ((int)ev.type, LM_IMAP_EV_DONE);
	LM_CHECK_EQ((int)ev.cmd, LM_IMAP_CMD_MOVE);
	LM_CHECK_EQ((int)ev.status, LM_IMAP_NO);
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_READ);   /* no STORE sent */
	LM_CHECK_EQ(lm_imap_pending(&c), 0);
	LM_CHECK_EQ(lm_imap_last_error(&c), 0);
	/* UID: the same EXPUNGE changes nothing, the chain goes on */
	LM_CHECK_EQ(lm_imap_move(&c, 1, "7", "Trash", NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "* 1 EXPUNGE\r\nA3 OK copied\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_pending(&c), 1);
}

/* A BYE instead of a completion: the CLOSED event, and the command is
 * still pending under its handle (imap.h, LM_IMAP_EV_CLOSED). */
static void
t_bye_pending(void)
{
	lm_imap_client c;
	lm_imap_handle h = 0;
	unsigned counts[32] = { 0 };
	start(&c, ibuf, sizeof ibuf, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(lm_imap_noop(&c, &h), 0);
	LM_CHECK_EQ(drive_s(&c, "* BYE shutting down\r\n", NULL), LM_WANT_READ);
	lm_imap_recv_eof(&c);
	LM_CHECK_EQ(drive_s(&c, "", counts), LM_DONE);
	LM_CHECK_EQ(counts[LM_IMAP_EV_CLOSED], 1);
	LM_CHECK_EQ(counts[LM_IMAP_EV_DONE], 0);
	LM_CHECK_EQ(lm_imap_pending(&c), 1);
	LM_CHECK_EQ(lm_imap_handle_cmd(&c, h, NULL), LM_IMAP_CMD_NOOP);
}

/* Status responses carry text, never a literal (RFC 9051 resp-text):
 * a text ending in "{5}" (Dovecot ends "Mailbox doesn't exist: NAME"
 * with the name) is no literal header; taken as one it swallowed the
 * next bytes, here the completion of the next command. */
static void
t_status_text_brace(void)
{
	lm_imap_client c;
	unsigned counts[32] = { 0 };
	start(&c, ibuf, sizeof ibuf, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(lm_imap_select(&c, "x{5}", NULL, NULL), 0);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), 0);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "* OK [ALERT] note {3}\r\n"
	                        "A1 NO [NONEXISTENT] Mailbox doesn't exist: x{5}\r\n"
	                        "A2 OK done\r\nA3 OK done {2}\r\n* 4 EXISTS\r\n", counts),
	            LM_WANT_READ);
	LM_CHECK_EQ(counts[LM_IMAP_EV_STATUS], 1);
	LM_CHECK_EQ(counts[LM_IMAP_EV_DONE], 3);
	LM_CHECK_EQ(counts[LM_IMAP_EV_EXISTS], 1);
	LM_CHECK_EQ(lm_imap_pending(&c), 0);
	LM_CHECK_EQ(lm_imap_last_error(&c), 0);
}

/* Greeting and more in one read: only the greeting is parsed. */
static void
early(lm_imap_client *c, const char *in)
{
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	lm_imap_event ev;
	size_t used;
	LM_CHECK_EQ(lm_imap_init(c, &o, ibuf, sizeof ibuf, obuf, sizeof obuf), 0);
	LM_CHECK_EQ(lm_imap_set_tls_active(c), 0);
	LM_CHECK_EQ(lm_imap_feed(c, in, strlen(in), &used), 0);
	LM_CHECK_EQ(lm_imap_next(c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_IMAP_EV_GREETING);
}

/* Send what is queued; the result of lm_imap_next() after that. */
static int
sent_next(lm_imap_client *c, lm_imap_event *ev)
{
	int r;
	while ((r = lm_imap_next(c, ev)) == LM_WANT_WRITE) {
		size_t n;
		lm_imap_send_buf(c, &n);
		lm_imap_send_ack(c, n);
	}
	return r;
}

/* A response received before the command it would answer was queued was
 * sent before the server could have read that command. A tagged
 * completion (tags are predictable) or a continuation request is then a
 * sticky LM_ERR_PROTOCOL; untagged data is reported unattributed and
 * changes nothing the command would: ENABLED enables nothing, EXISTS is
 * not the new mailbox's. */
static void
t_reply_before_cmd_queued(void)
{
	lm_imap_client c;
	lm_imap_event ev;
	struct src s = { 10 };

	early(&c, "* OK [CAPABILITY IMAP4rev1] hi\r\nA1 OK done\r\n");
	LM_CHECK_EQ(lm_imap_capability(&c, NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_ERR_PROTOCOL);

	early(&c, "* OK hi\r\n* CAPABILITY IMAP4rev1 IDLE\r\n");
	LM_CHECK_EQ(lm_imap_capability(&c, NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_IMAP_EV_CAPABILITY);
	LM_CHECK_EQ(ev.handle, 0);
	LM_CHECK_EQ(ev.cmd, LM_IMAP_CMD_NONE);

	early(&c, "* PREAUTH [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT] hi\r\n"
	          "* ENABLED UTF8=ACCEPT\r\n");
	LM_CHECK_EQ(lm_imap_enable(&c, "UTF8=ACCEPT", NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_IMAP_EV_ENABLED);
	LM_CHECK_EQ(ev.handle, 0);
	LM_CHECK_EQ(drive_s(&c, "A1 OK done\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_is_enabled(&c, "UTF8=ACCEPT"), 0);
	/* received after: it counts */
	LM_CHECK_EQ(lm_imap_enable(&c, "UTF8=ACCEPT", NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "* ENABLED UTF8=ACCEPT\r\nA2 OK done\r\n", NULL),
	            LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_is_enabled(&c, "UTF8=ACCEPT"), 1);

	early(&c, "* PREAUTH hi\r\n* 9 EXISTS\r\n");
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", NULL, NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_IMAP_EV_EXISTS);
	LM_CHECK_EQ(ev.handle, 0);
	LM_CHECK_EQ(lm_imap_selected(&c)->exists, 0);
	LM_CHECK_EQ(drive_s(&c, "* 2 EXISTS\r\nA1 OK [READ-WRITE] x\r\n", NULL),
	            LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_selected(&c)->exists, 2);

	/* the "+" for a LOGIN literal */
	early(&c, "* OK [CAPABILITY IMAP4rev1] hi\r\n+ go\r\n");
	LM_CHECK_EQ(lm_imap_login(&c, "al ice", "p\xC3\xA4ss", NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_ERR_PROTOCOL);
	lm_imap_free(&c);
	/* AUTHENTICATE: a challenge read before it was queued, or before
	 * the response to the challenge before it was */
	{
		lm_sasl sa;
		lm_sasl_creds cr = LM_SASL_CREDS_INIT;
		cr.user = "alice";
		cr.password = "hunter2";
		LM_CHECK_EQ(lm_sasl_init(&sa, LM_SASL_LOGIN, &cr), 0);
		early(&c, "* OK [CAPABILITY IMAP4rev1 AUTH=LOGIN] hi\r\n+ VXNlcm5hbWU6\r\n");
		LM_CHECK_EQ(lm_imap_authenticate(&c, &sa, NULL), 0);
		LM_CHECK_EQ(sent_next(&c, &ev), LM_ERR_PROTOCOL);
		lm_imap_free(&c);
		lm_sasl_free(&sa);
		LM_CHECK_EQ(lm_sasl_init(&sa, LM_SASL_LOGIN, &cr), 0);
		start(&c, ibuf, sizeof ibuf, "* OK [CAPABILITY IMAP4rev1 AUTH=LOGIN] hi\r\n");
		LM_CHECK_EQ(lm_imap_authenticate(&c, &sa, NULL), 0);
		LM_CHECK_EQ(sent_next(&c, &ev), LM_WANT_READ);
		LM_CHECK_EQ(drive_s(&c, "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n", NULL),
		            LM_ERR_PROTOCOL);
		lm_imap_free(&c);
		lm_sasl_free(&sa);
	}
	/* the rest of a command goes out after its "+": what was read
	 * along with the "+" was sent before the server had that rest */
	start(&c, ibuf, sizeof ibuf, "* OK [CAPABILITY IMAP4rev1] hi\r\n");
	LM_CHECK_EQ(lm_imap_login(&c, "al ice", "p\xC3\xA4ss", NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_WANT_READ);
	LM_CHECK_EQ(drive_s(&c, "+ go\r\nA1 OK done\r\n", NULL), LM_ERR_PROTOCOL);
	LM_CHECK_EQ((int)lm_imap_get_state(&c), LM_IMAP_STATE_NOT_AUTH);
	lm_imap_free(&c);
	start(&c, ibuf, sizeof ibuf, "* OK [CAPABILITY IMAP4rev1] hi\r\n");
	LM_CHECK_EQ(lm_imap_login(&c, "al ice", "p\xC3\xA4ss", NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_WANT_READ);
	LM_CHECK_EQ(drive_s(&c, "+ go\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(drive_s(&c, "A1 OK done\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ((int)lm_imap_get_state(&c), LM_IMAP_STATE_AUTH);
	lm_imap_free(&c);
	/* and for an APPEND */
	early(&c, "* PREAUTH hi\r\n+ go\r\n");
	LM_CHECK_EQ(lm_imap_append(&c, "Sent", NULL, NULL, 10, rd_x, &s, NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_ERR_PROTOCOL);

	/* the MOVE fallback queues each step when the one before completes:
	 * a completion read with that one answers no step */
	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS] hi\r\n");
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", NULL, NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "A1 OK [READ-WRITE] ok\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_move(&c, 1, "4", "Trash", NULL), 0);
	LM_CHECK_EQ(drive_s(&c, "A2 OK copied\r\nA3 OK stored\r\n", NULL),
	            LM_ERR_PROTOCOL);
	lm_imap_free(&c);
}

/* Input arrives (lm_imap_next() not called yet). */
static int
feed_s(lm_imap_client *c, const char *in)
{
	size_t used;
	return lm_imap_feed(c, in, strlen(in), &used);
}

/* Greeting g, then a NOOP (A1) sent and outstanding. */
static void
noop_out(lm_imap_client *c, const char *g)
{
	lm_imap_event ev;
	start(c, ibuf, sizeof ibuf, g);
	LM_CHECK_EQ(lm_imap_noop(c, NULL), 0);
	LM_CHECK_EQ(sent_next(c, &ev), LM_WANT_READ);
}

/* The same rule with an older command outstanding: the response is
 * measured against the command it would answer, not the oldest one; a
 * mark moved by a "+" is that of the command the "+" lets go on; and a
 * completion read along with the "+" of IDLE may answer it (a server
 * may end IDLE on its own: nothing goes out after that "+"). */
static void
t_reply_before_cmd_queued_behind(void)
{
	lm_imap_client c;
	lm_imap_event ev;
	struct src s = { 10 };
	const char *g = "* OK [CAPABILITY IMAP4rev1] hi\r\n";

	/* untagged data for the second command, read before it was queued */
	noop_out(&c, g);
	LM_CHECK_EQ(feed_s(&c, "* CAPABILITY IMAP4rev1\r\n"), 0);
	LM_CHECK_EQ(lm_imap_capability(&c, NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_IMAP_EV_CAPABILITY);
	LM_CHECK_EQ(ev.handle, 0);
	LM_CHECK_EQ(ev.cmd, LM_IMAP_CMD_NONE);
	/* its completion */
	noop_out(&c, g);
	LM_CHECK_EQ(feed_s(&c, "A2 OK done\r\n"), 0);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_ERR_PROTOCOL);
	/* the "+" for its literal */
	noop_out(&c, g);
	LM_CHECK_EQ(feed_s(&c, "+ go\r\n"), 0);
	LM_CHECK_EQ(lm_imap_login(&c, "al ice", "p\xC3\xA4ss", NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_ERR_PROTOCOL);
	lm_imap_free(&c);
	/* read along with the "+", its completion came before the literal */
	start(&c, ibuf, sizeof ibuf, g);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), 0);
	LM_CHECK_EQ(lm_imap_login(&c, "al ice", "p\xC3\xA4ss", NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_WANT_READ);
	LM_CHECK_EQ(drive_s(&c, "+ go\r\nA2 OK done\r\n", NULL), LM_ERR_PROTOCOL);
	LM_CHECK_EQ((int)lm_imap_get_state(&c), LM_IMAP_STATE_NOT_AUTH);
	lm_imap_free(&c);

	/* an untagged OK read before any command was queued answers none */
	early(&c, "* OK hi\r\n* OK [ALERT] going down soon\r\n");
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_IMAP_EV_STATUS);
	LM_CHECK_EQ(ev.code.code, LM_IMAP_CODE_ALERT);
	LM_CHECK_EQ(ev.handle, 0);
	LM_CHECK_EQ(ev.cmd, LM_IMAP_CMD_NONE);
	/* read after: it does */
	LM_CHECK_EQ(feed_s(&c, "* OK [ALERT] really\r\n"), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.handle, 1);
	LM_CHECK_EQ(ev.cmd, LM_IMAP_CMD_NOOP);

	/* APPEND: the body goes out after the "+" */
	start(&c, ibuf, sizeof ibuf, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(lm_imap_append(&c, "Sent", NULL, NULL, 10, rd_x, &s, NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_WANT_READ);
	LM_CHECK_EQ(drive_s(&c, "+ go\r\nA1 OK done\r\n", NULL), LM_ERR_PROTOCOL);

	/* IDLE: nothing goes out after its "+" */
	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n");
	LM_CHECK_EQ(lm_imap_idle(&c, NULL), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_WANT_READ);
	LM_CHECK_EQ(feed_s(&c, "+ idling\r\nA1 OK timeout\r\n"), 0);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_IMAP_EV_IDLE_STARTED);
	LM_CHECK_EQ(sent_next(&c, &ev), LM_EVENT);
	LM_CHECK_EQ(ev.type, LM_IMAP_EV_DONE);
	LM_CHECK_EQ(ev.cmd, LM_IMAP_CMD_IDLE);
	LM_CHECK_EQ(ev.status, LM_IMAP_OK);
	LM_CHECK_EQ(lm_imap_idle_done(&c), LM_ERR_BAD_STATE);
}

/* The one command the last call queued is "A<n> " want CRLF; the server
 * then completes it, so that any number of commands may follow. */
static void
sent_is(lm_imap_client *c, const char *want)
{
	lm_imap_event ev;
	const unsigned char *p;
	char exp[512], ok[64];
	size_t n = 0, t = 1;
	LM_CHECK_EQ(lm_imap_next(c, &ev), LM_WANT_WRITE);
	p = lm_imap_send_buf(c, &n);
	while (t < n && t < 12 && p[t] >= '0' && p[t] <= '9')
		t++;
	LM_CHECK(n > 2 && p[0] == 'A' && t > 1 && t < n && p[t] == ' ');
	snprintf(exp, sizeof exp, "%.*s %s\r\n", (int)t, (const char *)p, want);
	snprintf(ok, sizeof ok, "%.*s OK done\r\n", (int)t, (const char *)p);
	LM_CHECK_STRN(p, n, exp);
	lm_imap_send_ack(c, n);
	LM_CHECK_EQ(drive(c, ok, strlen(ok), NULL), LM_WANT_READ);
}

/* A refused call queued nothing. */
static void
none_sent(lm_imap_client *c)
{
	lm_imap_event ev;
	size_t n = 1;
	LM_CHECK_EQ(lm_imap_next(c, &ev), LM_WANT_READ);
	lm_imap_send_buf(c, &n);
	LM_CHECK_EQ(n, 0);
}

static int
list_o(lm_imap_client *c, unsigned sel, unsigned ret, unsigned st)
{
	lm_imap_list_opts o = LM_IMAP_LIST_OPTS_INIT;
	o.sel = sel;
	o.ret = ret;
	o.status = st;
	return lm_imap_list(c, "", "*", &o, NULL);
}

#define L_SUB  LM_IMAP_LIST_SEL_SUBSCRIBED
#define L_REM  LM_IMAP_LIST_SEL_REMOTE
#define L_RM   LM_IMAP_LIST_SEL_RECURSIVEMATCH
#define L_SU   LM_IMAP_LIST_SEL_SPECIAL_USE
#define R_SUB  LM_IMAP_LIST_RET_SUBSCRIBED
#define R_CH   LM_IMAP_LIST_RET_CHILDREN
#define R_SU   LM_IMAP_LIST_RET_SPECIAL_USE

/* Extended LIST, expected bytes from the grammars, not from the code:
 * RFC 5258 6
 *   list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
 *          [SP list-return-opts]
 *   list-select-opts = "(" [...] ")"
 *   list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
 * with SPECIAL-USE a selection and a return option (RFC 6154) and
 *   status-option = "STATUS" SP "(" status-att *(SP status-att) ")"
 * a return option (RFC 5819). RFC 5258 says the selection options
 * "may be in any order", and lets return options come in any order:
 * the expected order is the one imap.h documents (that of the bits,
 * STATUS last; STATUS items in STATUS's order). Three rows are RFC
 * 5258 6's own examples of valid lists: (SUBSCRIBED REMOTE),
 * (SUBSCRIBED RECURSIVEMATCH), (SUBSCRIBED REMOTE RECURSIVEMATCH). */
static void
t_list_options(void)
{
	static const struct {
		unsigned sel, ret, st;
		const char *want;
	} t[] = {
		{ 0, 0, 0, "LIST \"\" \"*\"" },
		{ L_SUB, 0, 0, "LIST (SUBSCRIBED) \"\" \"*\"" },
		{ L_REM, 0, 0, "LIST (REMOTE) \"\" \"*\"" },
		{ L_SU, 0, 0, "LIST (SPECIAL-USE) \"\" \"*\"" },
		{ L_SUB | L_REM, 0, 0, "LIST (SUBSCRIBED REMOTE) \"\" \"*\"" },
		{ L_SUB | L_RM, 0, 0, "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"*\"" },
		{ L_SUB | L_REM | L_RM, 0, 0,
		  "LIST (SUBSCRIBED REMOTE RECURSIVEMATCH) \"\" \"*\"" },
		{ L_SU | L_RM, 0, 0, "LIST (RECURSIVEMATCH SPECIAL-USE) \"\" \"*\"" },
		{ L_REM | L_SU, 0, 0, "LIST (REMOTE SPECIAL-USE) \"\" \"*\"" },
		{ L_SUB | L_REM | L_RM | L_SU, 0, 0,
		  "LIST (SUBSCRIBED REMOTE RECURSIVEMATCH SPECIAL-USE) \"\" \"*\"" },
		{ 0, R_SUB, 0, "LIST \"\" \"*\" RETURN (SUBSCRIBED)" },
		{ 0, R_CH, 0, "LIST \"\" \"*\" RETURN (CHILDREN)" },
		{ 0, R_SU, 0, "LIST \"\" \"*\" RETURN (SPECIAL-USE)" },
		{ 0, 0, LM_IMAP_ST_MESSAGES | LM_IMAP_ST_UNSEEN,
		  "LIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))" },
		{ 0, R_SUB | R_CH, 0, "LIST \"\" \"*\" RETURN (SUBSCRIBED CHILDREN)" },
		{ 0, R_CH, LM_IMAP_ST_UIDNEXT,
		  "LIST \"\" \"*\" RETURN (CHILDREN STATUS (UIDNEXT))" },
		{ 0, R_SUB | R_CH | R_SU, 0xffu,
		  "LIST \"\" \"*\" RETURN (SUBSCRIBED CHILDREN SPECIAL-USE STATUS "
		  "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ))" },
		{ L_SUB | L_RM, R_CH, 0,
		  "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"*\" RETURN (CHILDREN)" },
		{ L_SU, R_SU, LM_IMAP_ST_MESSAGES,
		  "LIST (SPECIAL-USE) \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES))" },
		{ L_SUB | L_REM | L_RM | L_SU, R_SUB | R_CH | R_SU, LM_IMAP_ST_UNSEEN,
		  "LIST (SUBSCRIBED REMOTE RECURSIVEMATCH SPECIAL-USE) \"\" \"*\" "
		  "RETURN (SUBSCRIBED CHILDREN SPECIAL-USE STATUS (UNSEEN))" }
	};
	lm_imap_client c;
	size_t i;
	/* IMAP4rev2 for STATUS's DELETED and SIZE (t_option_bits) */
	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1 IMAP4rev2 LIST-EXTENDED "
	      "LIST-STATUS SPECIAL-USE CONDSTORE] hi\r\n");
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		LM_CHECK_EQ(list_o(&c, t[i].sel, t[i].ret, t[i].st), 0);
		sent_is(&c, t[i].want);
	}
	/* RFC 5258 3.1: RECURSIVEMATCH "MUST NOT occur as the only selection
	 * option (or only with REMOTE)" (the server answers BAD): refused,
	 * with or without return options */
	LM_CHECK_EQ(list_o(&c, L_RM, 0, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(list_o(&c, L_REM | L_RM, 0, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(list_o(&c, L_RM, R_CH, LM_IMAP_ST_MESSAGES), LM_ERR_BAD_PARAM);
	none_sent(&c);
	lm_imap_free(&c);
}

/* What each LIST option needs (imap.h, lm_imap_list_opts): selection
 * and return options LIST-EXTENDED (RFC 5258) or IMAP4rev2, which has
 * them (RFC 9051 6.3.9);
 * SPECIAL-USE's the SPECIAL-USE capability (RFC 6154), RETURN
 * (SPECIAL-USE) alone nothing else; STATUS LIST-STATUS (RFC 5819) or
 * IMAP4rev2, and HIGHESTMODSEQ CONDSTORE as in STATUS (RFC 7162). A
 * refusal queues nothing. */
static void
t_list_caps(void)
{
	lm_imap_client c;
	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
	LM_CHECK_EQ(list_o(&c, L_SUB, 0, 0), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, L_REM, 0, 0), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, L_SU, 0, 0), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, 0, R_CH, 0), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, 0, R_SUB, 0), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, 0, R_SU, 0), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, 0, 0, LM_IMAP_ST_MESSAGES), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, L_RM, 0, 0), LM_ERR_BAD_PARAM);   /* bad whatever the server */
	none_sent(&c);
	LM_CHECK_EQ(list_o(&c, 0, 0, 0), 0);
	sent_is(&c, "LIST \"\" \"*\"");
	lm_imap_free(&c);

	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1 LIST-EXTENDED] hi\r\n");
	LM_CHECK_EQ(list_o(&c, L_SU, 0, 0), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, 0, R_SU, 0), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, 0, R_CH, LM_IMAP_ST_MESSAGES), LM_ERR_UNSUPPORTED);
	none_sent(&c);
	LM_CHECK_EQ(list_o(&c, L_SUB | L_RM, R_CH, 0), 0);
	sent_is(&c, "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"*\" RETURN (CHILDREN)");
	lm_imap_free(&c);

	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1 SPECIAL-USE] hi\r\n");
	LM_CHECK_EQ(list_o(&c, L_SU, 0, 0), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, 0, R_SU | R_CH, 0), LM_ERR_UNSUPPORTED);
	none_sent(&c);
	LM_CHECK_EQ(list_o(&c, 0, R_SU, 0), 0);
	sent_is(&c, "LIST \"\" \"*\" RETURN (SPECIAL-USE)");
	lm_imap_free(&c);

	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev2] hi\r\n");
	LM_CHECK_EQ(list_o(&c, L_SU, 0, 0), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, 0, 0, LM_IMAP_ST_HIGHESTMODSEQ), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, 0, 0, LM_IMAP_ST_MESSAGES | LM_IMAP_ST_HIGHESTMODSEQ),
	            LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_HIGHESTMODSEQ, NULL),
	            LM_ERR_UNSUPPORTED);
	none_sent(&c);
	LM_CHECK_EQ(list_o(&c, L_SUB | L_REM | L_RM, R_SUB | R_CH, LM_IMAP_ST_SIZE), 0);
	sent_is(&c, "LIST (SUBSCRIBED REMOTE RECURSIVEMATCH) \"\" \"*\" "
	        "RETURN (SUBSCRIBED CHILDREN STATUS (SIZE))");
	lm_imap_free(&c);

	/* capabilities unknown: the server may offer them (imap.h) */
	start(&c, ibuf, sizeof ibuf, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(list_o(&c, L_SUB, 0, 0), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(list_o(&c, 0, R_SU, 0), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(list_o(&c, 0, 0, LM_IMAP_ST_MESSAGES), LM_ERR_BAD_STATE);
	none_sent(&c);
	lm_imap_free(&c);
}

#undef L_SUB
#undef L_REM
#undef L_RM
#undef L_SU
#undef R_SUB
#undef R_CH
#undef R_SU

/* Greeting g, then INBOX selected. */
static void
selected(lm_imap_client *c, const char *g)
{
	start(c, ibuf, sizeof ibuf, g);
	LM_CHECK_EQ(lm_imap_select(c, "INBOX", NULL, NULL), 0);
	sent_is(c, "SELECT INBOX");
}

/* SEARCH return options, from RFC 4731 5 (and RFC 9051 9)
 *   search = "SEARCH" [search-return-opts] SP search-program
 *   search-return-opts = SP "RETURN" SP "(" [search-return-opt
 *                        *(SP search-return-opt)] ")"
 *   search-return-opt = "MIN" / "MAX" / "ALL" / "COUNT" / ...
 * with RFC 5182 4's search-return-opt =/ "SAVE". The options may come
 * in any order: the expected one is imap.h's (MIN MAX COUNT ALL SAVE). */
static void
t_search_return(void)
{
	static const struct {
		int uid;
		unsigned ret;
		const char *want;
	} t[] = {
		{ 0, 0, "SEARCH ALL" },
		{ 1, 0, "UID SEARCH ALL" },
		{ 0, LM_IMAP_ESEARCH_MIN, "SEARCH RETURN (MIN) ALL" },
		{ 0, LM_IMAP_ESEARCH_MAX, "SEARCH RETURN (MAX) ALL" },
		{ 0, LM_IMAP_ESEARCH_COUNT, "SEARCH RETURN (COUNT) ALL" },
		{ 0, LM_IMAP_ESEARCH_ALL, "SEARCH RETURN (ALL) ALL" },
		{ 0, LM_IMAP_ESEARCH_SAVE, "SEARCH RETURN (SAVE) ALL" },
		{ 1, LM_IMAP_ESEARCH_SAVE, "UID SEARCH RETURN (SAVE) ALL" },
		{ 1, LM_IMAP_ESEARCH_MIN | LM_IMAP_ESEARCH_MAX, "UID SEARCH RETURN (MIN MAX) ALL" },
		{ 0, LM_IMAP_ESEARCH_MIN | LM_IMAP_ESEARCH_SAVE, "SEARCH RETURN (MIN SAVE) ALL" },
		{ 1, LM_IMAP_ESEARCH_MIN | LM_IMAP_ESEARCH_MAX | LM_IMAP_ESEARCH_COUNT |
		     LM_IMAP_ESEARCH_ALL | LM_IMAP_ESEARCH_SAVE,
		  "UID SEARCH RETURN (MIN MAX COUNT ALL SAVE) ALL" }
	};
	lm_imap_client c;
	lm_imap_sb sb;
	unsigned char sbuf[64];
	size_t i;
	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev1 ESEARCH SEARCHRES] hi\r\n");
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		LM_CHECK_EQ(lm_imap_search(&c, t[i].uid, NULL, t[i].ret, NULL), 0);
		sent_is(&c, t[i].want);
	}
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	lm_imap_sb_key(&sb, "UNSEEN");
	LM_CHECK_EQ(lm_imap_search(&c, 1, &sb, LM_IMAP_ESEARCH_COUNT | LM_IMAP_ESEARCH_SAVE, NULL), 0);
	sent_is(&c, "UID SEARCH RETURN (COUNT SAVE) UNSEEN");
	lm_imap_free(&c);
}

/* RETURN needs ESEARCH or IMAP4rev2; SAVE SEARCHRES (RFC 5182 2.4: a
 * SEARCHRES server implements ESEARCH, not the other way round) or
 * IMAP4rev2, which has it (RFC 9051 6.4.4). */
static void
t_search_caps(void)
{
	lm_imap_client c;
	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
	LM_CHECK_EQ(lm_imap_search(&c, 0, NULL, LM_IMAP_ESEARCH_MIN, NULL), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(lm_imap_search(&c, 1, NULL, LM_IMAP_ESEARCH_SAVE, NULL), LM_ERR_UNSUPPORTED);
	none_sent(&c);
	LM_CHECK_EQ(lm_imap_search(&c, 1, NULL, 0, NULL), 0);
	sent_is(&c, "UID SEARCH ALL");
	lm_imap_free(&c);

	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev1 ESEARCH] hi\r\n");
	LM_CHECK_EQ(lm_imap_search(&c, 0, NULL, LM_IMAP_ESEARCH_SAVE, NULL), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(lm_imap_search(&c, 1, NULL, LM_IMAP_ESEARCH_MIN | LM_IMAP_ESEARCH_SAVE, NULL),
	            LM_ERR_UNSUPPORTED);
	none_sent(&c);
	LM_CHECK_EQ(lm_imap_search(&c, 0, NULL, LM_IMAP_ESEARCH_MIN | LM_IMAP_ESEARCH_COUNT, NULL), 0);
	sent_is(&c, "SEARCH RETURN (MIN COUNT) ALL");
	lm_imap_free(&c);

	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev2] hi\r\n");
	LM_CHECK_EQ(lm_imap_search(&c, 1, NULL, LM_IMAP_ESEARCH_ALL | LM_IMAP_ESEARCH_SAVE, NULL), 0);
	sent_is(&c, "UID SEARCH RETURN (ALL SAVE) ALL");
	lm_imap_free(&c);

	/* capabilities unknown: the server may offer them (imap.h) */
	selected(&c, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(lm_imap_search(&c, 0, NULL, LM_IMAP_ESEARCH_COUNT, NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_imap_search(&c, 0, NULL, LM_IMAP_ESEARCH_SAVE, NULL), LM_ERR_BAD_STATE);
	none_sent(&c);
	lm_imap_free(&c);
}

/* Bits the API does not define are refused, not sent as "()" (which
 * RFC 4731 3 reads as RETURN (ALL)) or dropped; STATUS items need what
 * their RFCs say: SIZE STATUS=SIZE (RFC 8438) or IMAP4rev2, DELETED
 * IMAP4rev2 (RFC 9051 6.3.11: not in IMAP4rev1's status-att). */
static void
t_option_bits(void)
{
	lm_imap_client c;
	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev2 ESEARCH SEARCHRES LIST-EXTENDED "
	         "LIST-STATUS SPECIAL-USE CONDSTORE STATUS=SIZE] hi\r\n");
	LM_CHECK_EQ(list_o(&c, 0x10, 0, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(list_o(&c, LM_IMAP_LIST_SEL_SUBSCRIBED | 0x100, 0, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(list_o(&c, 0, 0x8, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(list_o(&c, 0, LM_IMAP_LIST_RET_CHILDREN | 0x80000000u, 0), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(list_o(&c, 0, 0, LM_IMAP_ST_APPENDLIMIT), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(list_o(&c, 0, LM_IMAP_LIST_RET_CHILDREN, LM_IMAP_ST_MESSAGES | 0x200), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_search(&c, 0, NULL, LM_IMAP_ESEARCH_MODSEQ, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_search(&c, 1, NULL, LM_IMAP_ESEARCH_MIN | 0x40, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_APPENDLIMIT, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_MESSAGES | LM_IMAP_ST_APPENDLIMIT, NULL),
	            LM_ERR_BAD_PARAM);
	none_sent(&c);
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_DELETED | LM_IMAP_ST_SIZE, NULL), 0);
	sent_is(&c, "STATUS INBOX (DELETED SIZE)");
	lm_imap_free(&c);

	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1 LIST-EXTENDED LIST-STATUS] hi\r\n");
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_SIZE, NULL), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_DELETED, NULL), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_MESSAGES | LM_IMAP_ST_SIZE, NULL),
	            LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, 0, 0, LM_IMAP_ST_SIZE), LM_ERR_UNSUPPORTED);
	LM_CHECK_EQ(list_o(&c, 0, 0, LM_IMAP_ST_DELETED), LM_ERR_UNSUPPORTED);
	none_sent(&c);
	LM_CHECK_EQ(list_o(&c, 0, 0, LM_IMAP_ST_MESSAGES | LM_IMAP_ST_UNSEEN), 0);
	sent_is(&c, "LIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))");
	lm_imap_free(&c);

	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1 STATUS=SIZE] hi\r\n");
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_DELETED | LM_IMAP_ST_SIZE, NULL),
	            LM_ERR_UNSUPPORTED);
	none_sent(&c);
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_MESSAGES | LM_IMAP_ST_SIZE, NULL), 0);
	sent_is(&c, "STATUS INBOX (MESSAGES SIZE)");
	lm_imap_free(&c);

	/* capabilities unknown: a gated item waits, the others do not */
	start(&c, ibuf, sizeof ibuf, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_SIZE, NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_DELETED, NULL), LM_ERR_BAD_STATE);
	none_sent(&c);
	LM_CHECK_EQ(lm_imap_status(&c, "INBOX", LM_IMAP_ST_MESSAGES | LM_IMAP_ST_UIDNEXT, NULL), 0);
	sent_is(&c, "STATUS INBOX (MESSAGES UIDNEXT)");
	lm_imap_free(&c);
}

/* Sequence sets, RFC 9051 9:
 *   sequence-set = (seq-number / seq-range) ["," sequence-set]
 *   seq-range = seq-number ":" seq-number
 *   seq-number = nz-number / "*"      nz-number = digit-nz *DIGIT
 * (a number up to 4294967295), and RFC 5182 3's "$" alone, which needs
 * SEARCHRES (or IMAP4rev2, which has it). */
static void
t_sequence_sets(void)
{
	static const char *const good[] = { "1", "1:4", "1:4,7,9:*", "*", "*:3",
		"4294967295", "2,1", "3:1" };
	static const char *const bad[] = { "", "0", "01", "1:", ":1", "1,", ",1",
		"1,,2", "1::2", "4294967296", "99999999999999999999", "1:0", "a",
		"1 2", "$,1", "1:$", "$$", " $", "1\r\n", "1:*:2" };
	lm_imap_client c;
	char want[64];
	size_t i;

	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev1 ESEARCH] hi\r\n");
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		LM_CHECK_EQ(lm_imap_copy(&c, 1, good[i], "Trash", NULL), 0);
		snprintf(want, sizeof want, "UID COPY %s Trash", good[i]);
		sent_is(&c, want);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		LM_CHECK_EQ(lm_imap_copy(&c, 1, bad[i], "Trash", NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_copy(&c, 0, "$", "Trash", NULL), LM_ERR_UNSUPPORTED);
	none_sent(&c);
	lm_imap_free(&c);

	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev1 ESEARCH SEARCHRES] hi\r\n");
	LM_CHECK_EQ(lm_imap_copy(&c, 1, "$", "Trash", NULL), 0);
	sent_is(&c, "UID COPY $ Trash");
	lm_imap_free(&c);

	selected(&c, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(lm_imap_copy(&c, 1, "$", "Trash", NULL), LM_ERR_BAD_STATE);
	none_sent(&c);
	lm_imap_free(&c);
}

/* A SEARCH program's sets follow the commands' grammar (RFC 9051
 * sequence-set, or "$" alone): lm_imap_sb_set() took any run of
 * digits , : * $ ("1::2", "0", "1,$") and SEARCH sent it, which a
 * server answers BAD; and "$" is RFC 5182's, so SEARCH needs SEARCHRES
 * or IMAP4rev2 for it as COPY does (fuzz_imap_commands found both).
 * Numbers end at 2^63 - 1 (number64, mod-sequence-valzer). */
static void
t_search_sets(void)
{
	static const char *const bad[] = { "0", "01", "1::2", "1:", ",1", "1,,2",
		"4294967296", "1,$", "$$", "$:1", "*:" };
	lm_imap_client c;
	lm_imap_sb sb;
	unsigned char sbuf[64];
	size_t i;

	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev1 ESEARCH] hi\r\n");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
		LM_CHECK_EQ(lm_imap_sb_set(&sb, 0, bad[i]), LM_ERR_BAD_PARAM);
		LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), LM_ERR_BAD_PARAM);
		/* nor through a key name, which took any atom ("1::2" is one) */
		lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
		LM_CHECK_EQ(lm_imap_sb_key(&sb, bad[i]), LM_ERR_BAD_PARAM);
		LM_CHECK_EQ(lm_imap_sb_str(&sb, bad[i], "x"), LM_ERR_BAD_PARAM);
		LM_CHECK_EQ(lm_imap_sb_num(&sb, bad[i], 1), LM_ERR_BAD_PARAM);
		LM_CHECK_EQ(lm_imap_sb_date(&sb, bad[i], 2024, 1, 2), LM_ERR_BAD_PARAM);
		LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), LM_ERR_BAD_PARAM);
	}
	none_sent(&c);
	/* key names are atoms that start with a letter: extensions pass */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "X-GM-UNREAD2"), 0);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "2SEEN"), LM_ERR_BAD_PARAM);
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_num(&sb, "older", 60), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), 0);
	sent_is(&c, "SEARCH older 60");
	/* a word that is a sequence set is sent as one: '*' is no
	 * atom-char, and "1:*" used to go out quoted, which is no key */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_word(&sb, "1:*"), 0);
	LM_CHECK_EQ(lm_imap_sb_word(&sb, "*"), 0);
	LM_CHECK_EQ(lm_imap_sb_word(&sb, "UNSEEN"), 0);
	LM_CHECK_EQ(lm_imap_sb_word(&sb, "1::*"), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), 0);
	sent_is(&c, "SEARCH 1:* * UNSEEN \"1::*\"");
	/* numbers: RFC 9051 number64, RFC 7162 mod-sequence-valzer */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_num(&sb, "LARGER", 0x8000000000000000ull), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), LM_ERR_BAD_PARAM);
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_num(&sb, "MODSEQ", 0x7fffffffffffffffull), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), 0);
	sent_is(&c, "SEARCH MODSEQ 9223372036854775807");
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_set(&sb, 1, "1:4,7,9:*"), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), 0);
	sent_is(&c, "SEARCH UID 1:4,7,9:*");
	/* "$" without SEARCHRES: refused, whether a set or a key */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_set(&sb, 0, "$"), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), LM_ERR_UNSUPPORTED);
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_word(&sb, "$"), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), LM_ERR_UNSUPPORTED);
	none_sent(&c);
	lm_imap_free(&c);

	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev1 ESEARCH SEARCHRES] hi\r\n");
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "UNSEEN"), 0);
	LM_CHECK_EQ(lm_imap_sb_set(&sb, 1, "$"), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), 0);
	sent_is(&c, "SEARCH UNSEEN UID $");
	lm_imap_free(&c);

	selected(&c, "* PREAUTH hi\r\n");
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_set(&sb, 0, "$"), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), LM_ERR_BAD_STATE);
	none_sent(&c);
	lm_imap_free(&c);
}

/* search-key (RFC 9051): NOT takes one key, OR two, and a group one or
 * more. The builder took any order and SEARCH sent "NOT)", "OR SEEN" or
 * "()", which a server answers BAD. */
static void
t_search_shape(void)
{
	lm_imap_client c;
	lm_imap_sb sb;
	unsigned char sbuf[512];
	int i;

	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
	/* refused when the program is sent */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	lm_imap_sb_or(&sb);
	lm_imap_sb_key(&sb, "SEEN");
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), LM_ERR_BAD_STATE);
	lm_imap_sb_key(&sb, "DRAFT");     /* now whole */
	lm_imap_sb_not(&sb);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), LM_ERR_BAD_STATE);
	none_sent(&c);
	/* refused at the ")" */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	lm_imap_sb_open(&sb);
	LM_CHECK_EQ(lm_imap_sb_close(&sb), LM_ERR_BAD_STATE);   /* "()" */
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), LM_ERR_BAD_STATE);
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	lm_imap_sb_open(&sb);
	lm_imap_sb_not(&sb);
	LM_CHECK_EQ(lm_imap_sb_close(&sb), LM_ERR_BAD_STATE);   /* "(NOT)" */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	lm_imap_sb_key(&sb, "ALL");
	lm_imap_sb_open(&sb);
	lm_imap_sb_or(&sb);
	lm_imap_sb_set(&sb, 1, "1:5");
	LM_CHECK_EQ(lm_imap_sb_close(&sb), LM_ERR_BAD_STATE);   /* "(OR UID 1:5)" */
	none_sent(&c);
	/* whole keys, nested: each operand a key with its arguments or a
	 * group; the outer OR resumes after the inner group closes */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_or(&sb), 0);
	LM_CHECK_EQ(lm_imap_sb_open(&sb), 0);
	LM_CHECK_EQ(lm_imap_sb_or(&sb), 0);
	LM_CHECK_EQ(lm_imap_sb_not(&sb), 0);
	LM_CHECK_EQ(lm_imap_sb_header(&sb, "X-A", "b"), 0);
	LM_CHECK_EQ(lm_imap_sb_open(&sb), 0);
	LM_CHECK_EQ(lm_imap_sb_num(&sb, "LARGER", 10), 0);
	LM_CHECK_EQ(lm_imap_sb_close(&sb), 0);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "FLAGGED"), 0);
	LM_CHECK_EQ(lm_imap_sb_close(&sb), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_imap_sb_date(&sb, "ON", 2026, 11, 22), 0);
	LM_CHECK_EQ(lm_imap_sb_not(&sb), 0);
	LM_CHECK_EQ(lm_imap_sb_set(&sb, 0, "2"), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), 0);
	sent_is(&c, "SEARCH OR (OR NOT HEADER \"X-A\" \"b\" (LARGER 10) FLAGGED) "
	            "ON 22-Nov-2026 NOT 2");
	/* deep nesting costs the builder no memory of its own */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	for (i = 0; i < 12; i++)
		LM_CHECK_EQ(lm_imap_sb_open(&sb), 0);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "SEEN"), 0);
	for (i = 0; i < 12; i++)
		LM_CHECK_EQ(lm_imap_sb_close(&sb), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), 0);
	sent_is(&c, "SEARCH ((((((((((((SEEN))))))))))))");
	/* words are free form: a word may be a key or its argument */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	lm_imap_sb_or(&sb);
	lm_imap_sb_word(&sb, "FROM");
	lm_imap_sb_word(&sb, "alice");
	lm_imap_sb_open(&sb);
	lm_imap_sb_word(&sb, "SEEN");
	LM_CHECK_EQ(lm_imap_sb_close(&sb), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), 0);
	sent_is(&c, "SEARCH OR FROM alice (SEEN)");
	lm_imap_free(&c);
}

/* flag-list = "(" [flag *(SP flag)] ")" (RFC 9051): STORE and APPEND
 * sent the caller's spaces as given ("( \Seen  $Junk)") and a lone
 * backslash as a flag ("(\)"); ENABLE's list alike (fuzz_imap_commands).
 * Runs of spaces are now written as one; "\" alone is refused. */
static void
t_flag_words(void)
{
	lm_imap_client c;

	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n");
	LM_CHECK_EQ(lm_imap_store(&c, 0, "1", LM_IMAP_STORE_ADD, 0, "  \\Seen   $Junk ", 0,
	                          NULL), 0);
	sent_is(&c, "STORE 1 +FLAGS (\\Seen $Junk)");
	LM_CHECK_EQ(lm_imap_store(&c, 0, "1", LM_IMAP_STORE_SET, 0, " ", 0, NULL), 0);
	sent_is(&c, "STORE 1 FLAGS ()");
	LM_CHECK_EQ(lm_imap_store(&c, 0, "1", LM_IMAP_STORE_ADD, 0, "\\", 0, NULL),
	            LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_store(&c, 0, "1", LM_IMAP_STORE_ADD, 0, "a \\ b", 0, NULL),
	            LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_store(&c, 0, "1", LM_IMAP_STORE_ADD, 0, "a\\b", 0, NULL),
	            LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_append(&c, "Drafts", "\\", NULL, 1, rd_x, NULL, NULL),
	            LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_append(&c, "Drafts", " \\Draft  \\Seen", NULL, 1, rd_x, NULL,
	                           NULL), 0);
	sent_is(&c, "APPEND Drafts (\\Draft \\Seen) {1+}\r\nx");
	none_sent(&c);
	lm_imap_free(&c);

	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1 ENABLE] hi\r\n");
	LM_CHECK_EQ(lm_imap_enable(&c, " CONDSTORE  QRESYNC ", NULL), 0);
	sent_is(&c, "ENABLE CONDSTORE QRESYNC");
	lm_imap_free(&c);
}

/* RFC 9051: section-part = nz-number *("." nz-number), "MIME" only
 * after a part (section-spec), partial = "<" number "." nz-number ">".
 * FETCH sent BODY[0], BODY[1.01], BODY[MIME] and BODY[]<0.0>, all BAD
 * to a server (fuzz_imap_commands). */
static void
t_fetch_sections(void)
{
	static const char *const bad_parts[] = { "0", "01", "1.0", "1.02", "4294967296",
		".1", "1.", "1..2", "a" };
	lm_imap_fetch_opts f = LM_IMAP_FETCH_OPTS_INIT;
	lm_imap_section s;
	lm_imap_client c;
	size_t i;

	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
	f.sections = &s;
	f.nsections = 1;
	for (i = 0; i < sizeof bad_parts / sizeof bad_parts[0]; i++) {
		memset(&s, 0, sizeof s);
		s.part = bad_parts[i];
		LM_CHECK_EQ(lm_imap_fetch(&c, 0, "1", &f, NULL), LM_ERR_BAD_PARAM);
	}
	memset(&s, 0, sizeof s);
	s.text = "MIME";
	LM_CHECK_EQ(lm_imap_fetch(&c, 0, "1", &f, NULL), LM_ERR_BAD_PARAM);
	s.part = "";
	LM_CHECK_EQ(lm_imap_fetch(&c, 0, "1", &f, NULL), LM_ERR_BAD_PARAM);
	memset(&s, 0, sizeof s);
	s.partial = 1;
	LM_CHECK_EQ(lm_imap_fetch(&c, 0, "1", &f, NULL), LM_ERR_BAD_PARAM);
	/* an item bit no LM_IMAP_F_* defines: alone it went out as
	 * "FETCH 1 ()" (fetch-att lists are never empty), beside others
	 * it was dropped (fuzz_imap_commands) */
	f.nsections = 0;
	f.items = 0x800;
	LM_CHECK_EQ(lm_imap_fetch(&c, 0, "1", &f, NULL), LM_ERR_BAD_PARAM);
	f.items = LM_IMAP_F_UID | 0x80000000u;
	LM_CHECK_EQ(lm_imap_fetch(&c, 0, "1", &f, NULL), LM_ERR_BAD_PARAM);
	f.items = 0;
	f.nsections = 1;
	none_sent(&c);
	memset(&s, 0, sizeof s);
	s.part = "2.10.4294967295";
	s.text = "mime";
	s.partial = 1;
	s.len = 1;
	LM_CHECK_EQ(lm_imap_fetch(&c, 0, "1", &f, NULL), 0);
	sent_is(&c, "FETCH 1 (BODY[2.10.4294967295.mime]<0.1>)");
	lm_imap_free(&c);
}

/* RFC 7162 7: mod-sequence-value (QRESYNC, CHANGEDSINCE) is 1 to 2^63 - 1,
 * UNCHANGEDSINCE's mod-sequence-valzer 0 to 2^63 - 1, QRESYNC's
 * known-uids a sequence-set "where '*' is not allowed". SELECT, FETCH
 * and STORE sent 2^63 and above, and "*" or "$" as known UIDs
 * (fuzz_imap_commands). */
static void
t_modseq_limits(void)
{
	lm_imap_select_opts so = LM_IMAP_SELECT_OPTS_INIT;
	lm_imap_fetch_opts f = LM_IMAP_FETCH_OPTS_INIT;
	lm_imap_client c;
	lm_imap_handle h;
	lm_imap_event ev;
	size_t n;

	start(&c, ibuf, sizeof ibuf,
	      "* PREAUTH [CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC SEARCHRES] hi\r\n");
	LM_CHECK_EQ(lm_imap_enable(&c, "QRESYNC", &h), 0);
	LM_CHECK_EQ(lm_imap_next(&c, &ev), LM_WANT_WRITE);
	lm_imap_send_buf(&c, &n);
	lm_imap_send_ack(&c, n);
	LM_CHECK_EQ(drive_s(&c, "* ENABLED QRESYNC\r\nA1 OK\r\n", NULL), LM_WANT_READ);
	LM_CHECK(lm_imap_is_enabled(&c, "QRESYNC"));
	so.qr_uidvalidity = 7;
	so.qr_modseq = 0x8000000000000000ull;
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", &so, NULL), LM_ERR_BAD_PARAM);
	so.qr_modseq = 0;
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", &so, NULL), LM_ERR_BAD_PARAM);
	so.qr_modseq = 0x7fffffffffffffffull;
	so.qr_known_uids = "1:*";
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", &so, NULL), LM_ERR_BAD_PARAM);
	so.qr_known_uids = "$";
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", &so, NULL), LM_ERR_BAD_PARAM);
	none_sent(&c);
	so.qr_known_uids = "1:9";
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", &so, NULL), 0);
	sent_is(&c, "SELECT INBOX (QRESYNC (7 9223372036854775807 1:9))");
	f.items = LM_IMAP_F_FLAGS;
	f.changedsince = 0x8000000000000000ull;
	LM_CHECK_EQ(lm_imap_fetch(&c, 0, "1", &f, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_store(&c, 0, "1", LM_IMAP_STORE_ADD, 0, "\\Seen",
	                          0xffffffffffffffffull, NULL), LM_ERR_BAD_PARAM);
	none_sent(&c);
	f.changedsince = 0x7fffffffffffffffull;
	LM_CHECK_EQ(lm_imap_fetch(&c, 0, "1", &f, NULL), 0);
	sent_is(&c, "FETCH 1 (FLAGS) (CHANGEDSINCE 9223372036854775807)");
	lm_imap_free(&c);
}

/* APPEND's date-time (RFC 9051): "dd-Mon-yyyy hh:mm:ss +zzzz", a space
 * for a one-digit day. Any 20 to 40 printable bytes went out ("not a
 * date at all!", "2026-11-21T10:00:00Z"), which a server answers BAD
 * (fuzz_imap_commands). */
static void
t_append_date(void)
{
	static const char *const bad[] = { "not a date at all!!!", "2026-11-21T10:00:00Z+0000",
		"21-Nov-2026 10:00:00 0000", "21-Nov-2026 10:00:00 +000", "21-Nov-26 10:00:00 +0000",
		"21-Now-2026 10:00:00 +0000", "21 Nov 2026 10:00:00 +0000", "x1-Nov-2026 10:00:00 +0000",
		"21-Nov-2026 10:00:00 +0000 ", "21-Nov-2026 10.00.00 +0000" };
	lm_imap_client c;
	size_t i;

	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] hi\r\n");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		LM_CHECK_EQ(lm_imap_append(&c, "Sent", NULL, bad[i], 1, rd_x, NULL, NULL),
		            LM_ERR_BAD_PARAM);
	none_sent(&c);
	LM_CHECK_EQ(lm_imap_append(&c, "Sent", NULL, " 1-dec-2026 23:59:60 -1200", 1, rd_x, NULL,
	                           NULL), 0);
	sent_is(&c, "APPEND Sent \" 1-dec-2026 23:59:60 -1200\" {1+}\r\nx");
	lm_imap_free(&c);
}

/* RFC 2971 3.3: "Field strings MUST NOT be longer than 30 octets. Value
 * strings MUST NOT be longer than 1024 octets." ID sent any length
 * (fuzz_imap_commands). */
static void
t_id_lengths(void)
{
	static char key[32], val[1026];
	const char *kv[3] = { key, val, NULL };
	lm_imap_client c;

	start(&c, ibuf, sizeof ibuf, "* PREAUTH [CAPABILITY IMAP4rev1 ID LITERAL+] hi\r\n");
	memset(key, 'k', 31);
	memset(val, 'v', 1024);
	LM_CHECK_EQ(lm_imap_id(&c, kv, NULL), LM_ERR_BAD_PARAM);
	key[30] = '\0';
	val[1024] = 'v';
	LM_CHECK_EQ(lm_imap_id(&c, kv, NULL), LM_ERR_BAD_PARAM);
	none_sent(&c);
	val[1024] = '\0';
	LM_CHECK_EQ(lm_imap_id(&c, kv, NULL), 0);
	lm_imap_free(&c);
}

/* The SEARCH builder's documented argument rules at their edges
 * (imap.h): key names start with a letter, any letter ("ALL" ..
 * "Z...") and one letter is enough; dates are y 1..9999, m 1..12,
 * d 1..31, the day in one or two digits; a string holding CR or LF
 * anywhere is LM_ERR_BAD_PARAM; the buffer is at least 16 bytes. */
static void
t_search_builder_edges(void)
{
	static const int good[][3] = { { 1, 1, 1 }, { 9999, 12, 31 } };
	static const int bad[][3] = {
		{ 0, 1, 1 }, { 10000, 1, 1 }, { 2026, 0, 1 }, { 2026, 13, 1 },
		{ 2026, 1, 0 }, { 2026, 1, 32 }
	};
	static const char *const crlf[] = { "\rx", "\nx", "x\ry", "x\n", "\r" };
	static const char *const nokey[] = { "_SEEN", "[SEEN", "~x", "{x", "`x", "@x" };
	lm_imap_client c;
	lm_imap_sb sb;
	unsigned char sbuf[256];
	size_t i;

	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "ALL"), 0);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "answered"), 0);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "ZX-EXT"), 0);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "zx"), 0);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "X"), 0);
	LM_CHECK_EQ(lm_imap_sb_word(&sb, "a"), 0);
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		LM_CHECK_EQ(lm_imap_sb_date(&sb, "SINCE", good[i][0], good[i][1], good[i][2]), 0);
	for (i = 0; i < sizeof nokey / sizeof nokey[0]; i++) {
		lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
		LM_CHECK_EQ(lm_imap_sb_key(&sb, nokey[i]), LM_ERR_BAD_PARAM);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
		LM_CHECK_EQ(lm_imap_sb_date(&sb, "SINCE", bad[i][0], bad[i][1], bad[i][2]),
		            LM_ERR_BAD_PARAM);
	}
	for (i = 0; i < sizeof crlf / sizeof crlf[0]; i++) {
		lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
		LM_CHECK_EQ(lm_imap_sb_str(&sb, "SUBJECT", crlf[i]), LM_ERR_BAD_PARAM);
		lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
		LM_CHECK_EQ(lm_imap_sb_header(&sb, "X-A", crlf[i]), LM_ERR_BAD_PARAM);
	}
	lm_imap_sb_init(&sb, sbuf, 16);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "ALL"), 0);
	lm_imap_sb_init(&sb, sbuf, 15);
	LM_CHECK(lm_imap_sb_key(&sb, "ALL") < 0);
	lm_imap_sb_init(&sb, NULL, sizeof sbuf);
	LM_CHECK(lm_imap_sb_key(&sb, "ALL") < 0);
	/* RFC 9051 date-day is 1*2DIGIT: 9, 10 */
	selected(&c, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_date(&sb, "SINCE", 2026, 2, 9), 0);
	LM_CHECK_EQ(lm_imap_sb_date(&sb, "BEFORE", 2026, 2, 10), 0);
	LM_CHECK_EQ(lm_imap_sb_key(&sb, "X"), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), 0);
	sent_is(&c, "SEARCH SINCE 9-Feb-2026 BEFORE 10-Feb-2026 X");
	/* lm_imap_sb_word(): a word that is no atom goes as a string, its
	 * first byte decides as much as any other */
	lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
	LM_CHECK_EQ(lm_imap_sb_word(&sb, "SUBJECT"), 0);
	LM_CHECK_EQ(lm_imap_sb_word(&sb, "(x"), 0);
	LM_CHECK_EQ(lm_imap_search(&c, 0, &sb, 0, NULL), 0);
	sent_is(&c, "SEARCH SUBJECT \"(x\"");
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_encoder), LM_TEST(t_reader), LM_TEST(t_envelope_groups),
		LM_TEST(t_body_find), LM_TEST(t_deep_nesting),
		LM_TEST(t_starttls_same_packet), LM_TEST(t_literal_hold), LM_TEST(t_literal_hold_refused_wipe),
		LM_TEST(t_literal_hold_compact_wipe), LM_TEST(t_append_pump_keeps_hold), LM_TEST(t_fetch_name_then_spaces),
		LM_TEST(t_trace_redaction), LM_TEST(t_commands), LM_TEST(t_handle_cmd), LM_TEST(t_stream_500mb),
		LM_TEST(t_logout_stays), LM_TEST(t_select_old_mailbox), LM_TEST(t_closed_damaged),
		LM_TEST(t_caps_login_window),
		LM_TEST(t_move_fallback_alone), LM_TEST(t_move_fallback_renumbered),
		LM_TEST(t_bye_pending), LM_TEST(t_status_text_brace),
		LM_TEST(t_reply_before_cmd_queued), LM_TEST(t_reply_before_cmd_queued_behind),
		LM_TEST(t_list_options), LM_TEST(t_list_caps), LM_TEST(t_search_return),
		LM_TEST(t_search_caps), LM_TEST(t_option_bits),
		LM_TEST(t_sequence_sets), LM_TEST(t_search_sets), LM_TEST(t_search_shape), LM_TEST(t_flag_words),
		LM_TEST(t_fetch_sections), LM_TEST(t_modseq_limits),
		LM_TEST(t_append_date), LM_TEST(t_id_lengths),
		LM_TEST(t_search_builder_edges)
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
