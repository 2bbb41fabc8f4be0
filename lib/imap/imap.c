/*
 * libmail - IMAP client engine: buffers, fragmentizer, response parser,
 * events and the selected-mailbox state. Commands are in cmd.c.
 *
 * Input: ibuf[ipos..iend) holds unparsed bytes. The fragmentizer
 * (frag()) finds the end of the next unit: a response line with its
 * held (small) literals, or, in a FETCH response, everything up to a
 * body-section literal header, whose data is then streamed (M_STREAM)
 * without ever being looked at as protocol text. Positions (scan,
 * lit_skip_to, unit_end, unit_lend) are absolute in ibuf and moved when
 * lm_imap_recv_buf() compacts the buffer.
 *
 * Output: obuf[ostart..oend) is pending; bytes from holds[0] on wait for
 * the server's "+" (synchronising literals). Input is parsed only when
 * nothing sendable is pending (WANT_WRITE first).
 */
#ifdef LM_DEBUG
#include <stdio.h>
#endif
#include <string.h>

#include "libmail/core.h"
#include "internal.h"
#include "../core/io.h"

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#endif

#define IMAP_OPTS_INIT_V LM_IMAP_OPTS_INIT

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

/* see internal.h */
int
lm_imap__fail(lm_imap_client *c, int err)
{
	if (c->err == 0)
		c->err = err;
	return c->err;
}

/* see internal.h */
void
lm_imap__trace(lm_imap_client *c, char dir, const void *p, size_t n)
{
	if (c->opts.trace)
		lm_trace_emit(c->opts.trace, c->opts.trace_ud, dir, p, n);
}

static void
trace_note(lm_imap_client *c, const char *s)
{
	lm_imap__trace(c, '*', s, strlen(s));
}

/* The only function that changes the session state; debug builds note
 * every change in the trace. */
static void
set_state(lm_imap_client *c, int st)
{
#ifdef LM_DEBUG
	static const char *const n[] = { "GREETING", "NOT_AUTH", "AUTH",
		"SELECTED", "LOGOUT", "CLOSED" };
	char note[64];
	int k = snprintf(note, sizeof note, "state %s -> %s", n[c->state], n[st]);
	if (k > 0 && st != c->state)
		lm_imap__trace(c, '*', note, (size_t)k < sizeof note ? (size_t)k : sizeof note - 1);
#endif
	/* LOGOUT sent or BYE received is final: the completion of a LOGIN
	 * or SELECT pipelined before it does not make the session take
	 * commands again */
	if ((c->state == LM_IMAP_STATE_LOGOUT && st != LM_IMAP_STATE_CLOSED) ||
	    c->state == LM_IMAP_STATE_CLOSED)
		return;
	if (st != LM_IMAP_STATE_SELECTED && c->state == LM_IMAP_STATE_SELECTED)
		c->mbx.selected = 0;
	c->state = st;
}

static int
is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Parse a decimal number at p[*i..n); 1 and *v on success. */
static int
parse_num(const unsigned char *p, size_t n, size_t *i, uint64_t *v)
{
	size_t j = *i;
	uint64_t x = 0;
	if (j >= n || !is_digit(p[j]))
		return 0;
	while (j < n && is_digit(p[j])) {
		unsigned d = (unsigned)(p[j] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return 0;
		x = x * 10 + d;
		j++;
	}
	*v = x;
	*i = j;
	return 1;
}

static void
skip_sp(const unsigned char *p, size_t n, size_t *i)
{
	while (*i < n && (p[*i] == ' ' || p[*i] == '\t'))
		(*i)++;
}

/* A bare word: up to SP, '(', ')', '[', ']' or the end. */
static lm_slice
word(const unsigned char *p, size_t n, size_t *i)
{
	lm_slice s;
	size_t j = *i;
	while (j < n && p[j] != ' ' && p[j] != '(' && p[j] != ')' && p[j] != '[' &&
	       p[j] != ']')
		j++;
	s.p = p + *i;
	s.len = j - *i;
	*i = j;
	return s;
}

/* memset(ev, 0, sizeof *ev) but for the list table (hundreds of bytes
 * that lm_imap__list_tab() writes), done at every lm_imap_next() step (up to
 * seven events per FETCH response): compilers make that memset a
 * "rep stos", whose start-up cost showed in timings; with SSE2, plain
 * 16-byte stores instead. */
static void
event_zero(lm_imap_event *ev)
{
#if defined(__SSE2__) && defined(__GNUC__)
	unsigned char *p = (unsigned char *)ev;
	const __m128i z = _mm_setzero_si128();
	size_t i;
	for (i = 0; i + 16 <= offsetof(lm_imap_event, tab); i += 16)
		_mm_storeu_si128((__m128i *)(void *)(p + i), z);
	for (; i < offsetof(lm_imap_event, tab); i++)
		p[i] = 0;
#else
	memset(ev, 0, offsetof(lm_imap_event, tab));
#endif
	/* the table (only its base and count matter) */
	ev->tab.base = NULL;
	ev->tab.n = 0;
}

/* ------------------------------------------------------------------ */
/* life cycle and I/O                                                  */
/* ------------------------------------------------------------------ */

/* see imap.h */
int
lm_imap_init(lm_imap_client *c, const lm_imap_opts *o, void *ibuf, size_t ilen,
             void *obuf, size_t olen)
{
	static const lm_imap_opts defaults = IMAP_OPTS_INIT_V;

	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	memset(c, 0, sizeof *c);
	if (ibuf == NULL || obuf == NULL || ilen < LM_IMAP_BUFSIZE_MIN ||
	    olen < LM_IMAP_BUFSIZE_MIN)
		return LM_ERR_BAD_PARAM;
	if (o == NULL)
		o = &defaults;
	if (o->version != LM_IMAP_OPTS_VERSION)
		return LM_ERR_BAD_PARAM;
	c->opts = *o;
	lm_core__io_init(&c->io, ibuf, ilen, obuf, olen);
	c->next_tag = 1;
	return 0;
}

/* see imap.h */
int
lm_imap_reset(lm_imap_client *c)
{
	lm_imap_opts o;
	lm_core__io io;

	if (c == NULL || c->io.ibuf == NULL)
		return LM_ERR_BAD_PARAM;
	o = c->opts;
	io = c->io;
	lm_core__io_free(&c->io, c->wipe_out, c, sizeof *c);
	return lm_imap_init(c, &o, io.ibuf, io.ilen, io.obuf, io.olen);
}

/* see imap.h */
void
lm_imap_free(lm_imap_client *c)
{
	if (c != NULL)
		lm_core__io_free(&c->io, c->wipe_out, c, sizeof *c);
}

/* The unparsed input moved d bytes to the front: so do the parser's
 * offsets into it. */
static void
input_moved(lm_imap_client *c, size_t d)
{
	c->scan = c->scan > d ? c->scan - d : 0;
	c->lit_skip_to = c->lit_skip_to > d ? c->lit_skip_to - d : 0;
	c->unit_end = c->unit_end > d ? c->unit_end - d : 0;
	c->unit_lend = c->unit_lend > d ? c->unit_lend - d : 0;
}

/* see imap.h */
unsigned char *
lm_imap_recv_buf(lm_imap_client *c, size_t *len)
{
	size_t d;
	unsigned char *p = lm_core__io_recv_buf(c ? &c->io : NULL, len, &d);

	if (d > 0)
		input_moved(c, d);
	return p;
}

/* RFC 9051 / CVE-2021-22947: nothing may arrive in plaintext between the
 * OK to STARTTLS and the TLS handshake. */
static int
tls_waiting(const lm_imap_client *c)
{
	return c != NULL && c->tls_wait;
}

/* see imap.h */
void
lm_imap_recv_ack(lm_imap_client *c, size_t len)
{
	if (c != NULL)
		lm_core__io_recv_ack(&c->io, len, tls_waiting(c), &c->err);
}

/* see imap.h */
void
lm_imap_recv_eof(lm_imap_client *c)
{
	if (c != NULL)
		c->eof = 1;
}

/* see imap.h */
int
lm_imap_feed(lm_imap_client *c, const void *p, size_t n, size_t *used)
{
	size_t d;
	int r = lm_core__io_feed(c ? &c->io : NULL, p, n, used, tls_waiting(c),
	                         c ? &c->err : NULL, &d);

	if (d > 0)
		input_moved(c, d);
	return r;
}

/* see internal.h */
size_t
lm_imap__send_end(const lm_imap_client *c)
{
	if (c->nholds > 0 && c->holds[0] < c->io.oend)
		return c->holds[0];
	return c->io.oend;
}

/* see imap.h */
const unsigned char *
lm_imap_send_buf(const lm_imap_client *c, size_t *len)
{
	return lm_core__io_send_buf(c ? &c->io : NULL, c ? lm_imap__send_end(c) : 0, len);
}

/* see imap.h */
void
lm_imap_send_ack(lm_imap_client *c, size_t len)
{
	int wiping;

	if (c == NULL)
		return;
	wiping = c->wipe_out;
	/* a LOGIN line or SASL response went out: no copy stays */
	if (lm_core__io_send_ack(&c->io, len, lm_imap__send_end(c), &c->wipe_out,
	                         &c->wipe_end))
		c->nholds = 0;
	/* The wipe covers the last bytes of a LOGIN or AUTHENTICATE (the
	 * line with its literals, or the latest SASL response): from here
	 * on, what arrives was sent after the server had them all. */
	if (wiping && !c->wipe_out) {
		c->lg_rx = c->io.rx_total;
		c->lg_sent = 1;
		c->lg_heard = 0;
	}
}

/* ------------------------------------------------------------------ */
/* capabilities                                                        */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	unsigned long bit;
} cap_table[] = {
	{ "IMAP4REV2", LM_IMAP__CAP_IMAP4REV2 },
	{ "LITERAL+", LM_IMAP__CAP_LITERALPLUS },
	{ "LITERAL-", LM_IMAP__CAP_LITERALMINUS },
	{ "SASL-IR", LM_IMAP__CAP_SASLIR },
	{ "LOGINDISABLED", LM_IMAP__CAP_LOGINDISABLED },
	{ "STARTTLS", LM_IMAP__CAP_STARTTLS },
	{ "IDLE", LM_IMAP__CAP_IDLE },
	{ "MOVE", LM_IMAP__CAP_MOVE },
	{ "UIDPLUS", LM_IMAP__CAP_UIDPLUS },
	{ "CONDSTORE", LM_IMAP__CAP_CONDSTORE },
	{ "QRESYNC", LM_IMAP__CAP_QRESYNC },
	{ "ENABLE", LM_IMAP__CAP_ENABLE },
	{ "ESEARCH", LM_IMAP__CAP_ESEARCH },
	{ "UNSELECT", LM_IMAP__CAP_UNSELECT },
	{ "NAMESPACE", LM_IMAP__CAP_NAMESPACE },
	{ "ID", LM_IMAP__CAP_ID },
	{ "QUOTA", LM_IMAP__CAP_QUOTA },
	{ "SPECIAL-USE", LM_IMAP__CAP_SPECIALUSE },
	{ "LIST-EXTENDED", LM_IMAP__CAP_LISTEXTENDED },
	{ "LIST-STATUS", LM_IMAP__CAP_LISTSTATUS },
	{ "BINARY", LM_IMAP__CAP_BINARY },
	{ "UTF8=ACCEPT", LM_IMAP__CAP_UTF8ACCEPT },
	{ "OBJECTID", LM_IMAP__CAP_OBJECTID },
	{ "SAVEDATE", LM_IMAP__CAP_SAVEDATE },
	{ "STATUS=SIZE", LM_IMAP__CAP_STATUSSIZE }
};

/* see internal.h */
void
lm_imap__caps_set(lm_imap_client *c, const unsigned char *p, size_t n)
{
	size_t i = 0, w = 0;

	c->capbits = 0;
	while (i < n) {
		size_t s, k;
		while (i < n && p[i] == ' ')
			i++;
		s = i;
		while (i < n && p[i] != ' ')
			i++;
		if (i == s)
			break;
		if (w + (i - s) + 1 > sizeof c->caps)
			break;                 /* the list is cut at a word */
		if (w > 0)
			c->caps[w++] = ' ';
		memcpy(c->caps + w, p + s, i - s);
		w += i - s;
		for (k = 0; k < sizeof cap_table / sizeof cap_table[0]; k++)
			if (lm_core__ieqz(p + s, i - s, cap_table[k].name))
				c->capbits |= cap_table[k].bit;
		if (i - s > 5 && lm_core__ieqz(p + s, 5, "AUTH="))
			c->capbits |= LM_IMAP__CAP_AUTH;
		if (i - s >= 9 && lm_core__ieqz(p + s, 9, "QUOTA=RES"))
			c->capbits |= LM_IMAP__CAP_QUOTA;
	}
	c->caps_len = w;
	c->caps_known = 1;
	c->lg_heard = 0;      /* untagged(): lg_window() */
}

/* see internal.h */
void
lm_imap__caps_forget(lm_imap_client *c)
{
	c->caps_known = 0;
	c->caps_len = 0;
	c->capbits = 0;
	c->lg_heard = 0;
}

/* see internal.h */
int
lm_imap__caps_usable(const lm_imap_client *c)
{
	unsigned i;

	if (!c->caps_known)
		return 0;
	for (i = 0; i < c->q_count; i++)
		if (c->q[i].cmd == LM_IMAP_CMD_LOGIN)
			return 0;
	return 1;
}

/* see internal.h */
unsigned long
lm_imap__caps(const lm_imap_client *c)
{
	return lm_imap__caps_usable(c) ? c->capbits : 0;
}

/* see imap.h */
int
lm_imap_has_cap(const lm_imap_client *c, const char *cap)
{
	size_t i = 0, n;

	if (c == NULL || cap == NULL || !c->caps_known)
		return 0;
	n = c->caps_len;
	while (i < n) {
		size_t s = i;
		while (i < n && c->caps[i] != ' ')
			i++;
		if (lm_core__ieqz((const unsigned char *)c->caps + s, i - s, cap))
			return 1;
		i++;
	}
	return 0;
}

/* see imap.h */
int
lm_imap_caps_known(const lm_imap_client *c)
{
	return c != NULL && c->caps_known;
}

/* see imap.h */
lm_slice
lm_imap_caps(const lm_imap_client *c)
{
	lm_slice s;
	s.p = c ? (const unsigned char *)c->caps : NULL;
	s.len = (c && c->caps_known) ? c->caps_len : 0;
	return s;
}

/* see imap.h */
int
lm_imap_sasl_mechs(const lm_imap_client *c, char *buf, size_t cap)
{
	size_t i = 0, w = 0, n;

	if (c == NULL || buf == NULL || cap == 0)
		return LM_ERR_BAD_PARAM;
	buf[0] = '\0';
	n = c->caps_known ? c->caps_len : 0;
	while (i < n) {
		size_t s = i;
		while (i < n && c->caps[i] != ' ')
			i++;
		if (i - s > 5 && lm_core__ieqz((const unsigned char *)c->caps + s, 5, "AUTH=")) {
			size_t l = i - s - 5;
			if (w + l + 2 > cap)
				return LM_ERR_BUFFER_TOO_SMALL;
			if (w > 0)
				buf[w++] = ' ';
			memcpy(buf + w, c->caps + s + 5, l);
			w += l;
			buf[w] = '\0';
		}
		i++;
	}
	return 0;
}

/* see internal.h */
unsigned
lm_imap__en_bits(const void *name, size_t n)
{
	if (lm_core__ieqz(name, n, "CONDSTORE"))
		return LM_IMAP__EN_CONDSTORE;
	if (lm_core__ieqz(name, n, "QRESYNC"))   /* RFC 7162 3.2.3 */
		return LM_IMAP__EN_QRESYNC | LM_IMAP__EN_CONDSTORE;
	if (lm_core__ieqz(name, n, "UTF8=ACCEPT"))
		return LM_IMAP__EN_UTF8;
	if (lm_core__ieqz(name, n, "IMAP4REV2"))
		return LM_IMAP__EN_IMAP4REV2;
	return 0;
}

/* see imap.h */
int
lm_imap_is_enabled(const lm_imap_client *c, const char *ext)
{
	unsigned b;
	if (c == NULL || ext == NULL)
		return 0;
	b = lm_imap__en_bits(ext, strlen(ext));
	return b != 0 && (c->enabled & b) == b;
}

/* see imap.h */
int
lm_imap_set_tls_active(lm_imap_client *c)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->state != LM_IMAP_STATE_GREETING || c->io.iend > 0)
		return LM_ERR_BAD_STATE;
	c->tls = 1;
	return 0;
}

/* see imap.h */
int
lm_imap_tls_active(const lm_imap_client *c)
{
	return c != NULL && c->tls;
}

/* see imap.h */
int
lm_imap_tls_done(lm_imap_client *c, lm_imap_handle *h)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->err)
		return c->err;
	if (!c->tls_wait)
		return LM_ERR_BAD_STATE;
	c->tls_wait = 0;
	c->tls = 1;
	/* Nothing the plaintext said survives (RFC 9051 6.2.1): untagged
	 * data before the OK to STARTTLS may come from anyone on the path.
	 * Nothing can be enabled or selected yet (ENABLE and SELECT need a
	 * login, STARTTLS comes before it), so an ENABLED, EXISTS or
	 * UIDVALIDITY heard so far is forgotten with the capabilities. */
	lm_imap__caps_forget(c);
	c->enabled = 0;
	lm_imap__mbx_reset(c, 0);
	trace_note(c, "TLS established");
	return lm_imap__simple(c, LM_IMAP_CMD_CAPABILITY, "CAPABILITY", h);
}

/* see imap.h */
int
lm_imap_last_error(const lm_imap_client *c)
{
	return c ? c->err : LM_ERR_BAD_PARAM;
}

/* see imap.h */
lm_imap_state
lm_imap_get_state(const lm_imap_client *c)
{
	return c ? (lm_imap_state)c->state : LM_IMAP_STATE_CLOSED;
}

/* see imap.h */
const lm_imap_mailbox *
lm_imap_selected(const lm_imap_client *c)
{
	return c ? &c->mbx : NULL;
}

/* see imap.h */
unsigned
lm_imap_pending(const lm_imap_client *c)
{
	return c ? c->q_count : 0;
}

/* see imap.h */
lm_imap_cmd
lm_imap_handle_cmd(const lm_imap_client *c, lm_imap_handle h, int *uid)
{
	lm_imap_cmd cmd = LM_IMAP_CMD_NONE;
	int u = 0, i;

	if (c != NULL && h != 0) {
		if (h == c->mv_tag) {
			/* the MOVE fallback chain: its later steps have tags
			 * of their own, the caller knows the first one */
			cmd = LM_IMAP_CMD_MOVE;
			u = c->mv_uid != 0;
		} else if ((i = lm_imap__q_find(c, h)) >= 0) {
			cmd = (lm_imap_cmd)c->q[i].cmd;
			u = (c->q[i].flags & LM_IMAP__QF_UID) != 0;
		}
	}
	if (uid != NULL)
		*uid = u;
	return cmd;
}

/* ------------------------------------------------------------------ */
/* queue                                                               */
/* ------------------------------------------------------------------ */

/* see internal.h */
int
lm_imap__q_find(const lm_imap_client *c, lm_imap_handle tag)
{
	unsigned i;
	for (i = 0; i < c->q_count; i++)
		if (c->q[i].tag == tag)
			return (int)i;
	return -1;
}

/* see internal.h */
void
lm_imap__q_remove(lm_imap_client *c, unsigned i)
{
	if (i >= c->q_count)
		return;
	memmove(&c->q[i], &c->q[i + 1], (c->q_count - i - 1) * sizeof c->q[0]);
	c->q_count--;
}

/* May the response being parsed (it starts at ipos) answer queue entry
 * i? Not when it began before that command was queued: the server sent
 * it before it could have read the command (imap.h, "Responses and
 * commands"). Entries are queued in order, so a response that cannot
 * answer entry i cannot answer a later one either. */
static int
heard(const lm_imap_client *c, unsigned i)
{
	return lm_core__io_rx_at(&c->io) >= c->q[i].rx;
}

/* Oldest outstanding command among the given kinds (bit per cmd). */
static int
q_oldest(const lm_imap_client *c, unsigned long long mask)
{
	unsigned i;
	for (i = 0; i < c->q_count; i++)
		if (mask & (1ull << c->q[i].cmd))
			return (int)i;
	return -1;
}

#define B(x) (1ull << (x))

/* A SELECT/EXAMINE is outstanding behind an older command, or is the
 * oldest but was queued after the response being parsed began:
 * untagged data now is about the previous mailbox (the server answers
 * in order, RFC 3501 5.5), not about the one lm_imap_selected()
 * describes. */
static int
mbx_stale(const lm_imap_client *c)
{
	return c->sel_tag != 0 && c->q_count > 0 &&
	       (c->q[0].tag != c->sel_tag || !heard(c, 0));
}

/* An untagged capability list (response or code) that begins now
 * describes the state after the LOGIN/AUTHENTICATE in progress (Gmail
 * sends it just before the tagged OK, which has no code): that command
 * is the oldest outstanding (the server answers in order), and the
 * list was received after its last bytes went out (a list received
 * earlier was sent before the server had the command). */
static int
lg_window(const lm_imap_client *c)
{
	return c->lg_sent && c->q_count > 0 &&
	       (c->q[0].cmd == LM_IMAP_CMD_LOGIN || c->q[0].cmd == LM_IMAP_CMD_AUTHENTICATE) &&
	       lm_core__io_rx_at(&c->io) >= c->lg_rx;
}

/* Name in ev the command that untagged data of the given kinds answers:
 * the oldest outstanding one (the server answers in order), unless the
 * data began before it was queued (then it is unsolicited). */
static void
attribute(lm_imap_client *c, lm_imap_event *ev, unsigned long long mask)
{
	int i = q_oldest(c, mask);
	if (i >= 0 && heard(c, (unsigned)i)) {
		ev->cmd = (lm_imap_cmd)c->q[i].cmd;
		ev->handle = c->q[i].tag;
	}
}

/* ------------------------------------------------------------------ */
/* fragmentizer                                                        */
/* ------------------------------------------------------------------ */

/* Does the unit starting at p look like "* <n> FETCH"? */
static int
unit_is_fetch(const unsigned char *p, size_t n)
{
	size_t i = 0;
	if (n < 4 || p[0] != '*' || p[1] != ' ')
		return 0;
	i = 2;
	if (i >= n || !is_digit(p[i]))
		return 0;
	while (i < n && is_digit(p[i]))
		i++;
	if (i >= n || p[i] != ' ')
		return 0;
	i++;
	return n - i >= 5 && lm_core__ieqz(p + i, 5, "FETCH");
}

/* Is the literal whose header starts at h the value of a body section
 * item (BODY[..]<o>, BINARY[..], RFC822, RFC822.HEADER, RFC822.TEXT)? */
static int
body_literal(const unsigned char *p, size_t start, size_t h)
{
	size_t i = h, e;
	if (i > start && p[i - 1] == ' ')
		i--;
	if (i <= start)
		return 0;
	if (p[i - 1] == ']' || p[i - 1] == '>')
		return 1;
	e = i;
	while (i > start && p[i - 1] != ' ' && p[i - 1] != '(')
		i--;
	return lm_core__ieqz(p + i, e - i, "RFC822") ||
	       lm_core__ieqz(p + i, e - i, "RFC822.HEADER") ||
	       lm_core__ieqz(p + i, e - i, "RFC822.TEXT");
}

/* May the response starting at p (a whole first line, n bytes) end in a
 * literal? Tagged and untagged status responses (OK, NO, BAD, BYE,
 * PREAUTH) and continuation requests end in text, which may end in
 * "{5}" (a server echoing a name): only untagged data has literals. */
static int
literal_allowed(const unsigned char *p, size_t n)
{
	size_t i = 2, w;

	if (n < 2 || p[0] != '*' || p[1] != ' ')
		return 0;
	w = i;
	while (w < n && p[w] != ' ')
		w++;
	return !(lm_core__ieqz(p + i, w - i, "OK") || lm_core__ieqz(p + i, w - i, "NO") ||
	         lm_core__ieqz(p + i, w - i, "BAD") || lm_core__ieqz(p + i, w - i, "BYE") ||
	         lm_core__ieqz(p + i, w - i, "PREAUTH"));
}

/*
 * Find the end of the unit starting at ipos.
 * Returns 1 (unit_end/unit_lend/unit_lit set), 0 (need more input),
 * 2 (a SEARCH line fills the buffer: deliver a piece), or an error.
 */
static int
frag(lm_imap_client *c)
{
	unsigned char *p = c->io.ibuf;
	size_t i;

	if (c->scan < c->io.ipos)
		c->scan = c->io.ipos;
	for (;;) {
		const unsigned char *lf;
		size_t e, n, h;
		uint64_t size;
		int ovf;

		if (c->lit_skip_to) {
			if (c->io.iend < c->lit_skip_to)
				return 0;
			c->scan = c->lit_skip_to;
			c->lit_skip_to = 0;
		}
		i = c->scan;
		lf = i < c->io.iend ? memchr(p + i, '\n', c->io.iend - i) : NULL;
		if (lf == NULL) {
			if (i < c->io.iend && memchr(p + i, '\0', c->io.iend - i) != NULL)
				return lm_imap__fail(c, LM_ERR_PROTOCOL);
			c->scan = c->io.iend;
			if (c->io.iend - c->io.ipos >= c->io.ilen) {
				if (c->mode == LM_IMAP__M_LINE && c->io.iend - c->io.ipos > 9 &&
				    lm_core__ieqz(p + c->io.ipos, 9, "* SEARCH "))
					return 2;
				return lm_imap__fail(c, LM_ERR_LINE_TOO_LONG);
			}
			return 0;
		}
		e = (size_t)(lf - p);
		/* protocol text never holds NUL (literal data may) */
		if (memchr(p + i, '\0', e - i) != NULL)
			return lm_imap__fail(c, LM_ERR_PROTOCOL);
		n = e;
		if (n > c->io.ipos && p[n - 1] == '\r')
			n--;
		h = lm_imap__lit_header(p + c->io.ipos, n - c->io.ipos, &size, &ovf);
		if (h != (size_t)-1 && c->mode == LM_IMAP__M_LINE &&
		    !literal_allowed(p + c->io.ipos, n - c->io.ipos))
			h = (size_t)-1;            /* text ending in "{n}" */
		if (h == (size_t)-1) {
			c->unit_end = e + 1;
			c->unit_lend = n;
			c->unit_lit = 0;
			c->scan = e + 1;
			return 1;
		}
		h += c->io.ipos;
		if (ovf || size > LM_IMAP_LITERAL_MAX)
			return lm_imap__fail(c, LM_ERR_LIMIT);
		if (c->mode == LM_IMAP__M_FETCH || c->mode == LM_IMAP__M_SKIP)
			c->unit_fetch = 1;
		else
			c->unit_fetch = unit_is_fetch(p + c->io.ipos, n - c->io.ipos);
		if (c->unit_fetch && body_literal(p, c->io.ipos, h)) {
			c->unit_end = e + 1;
			c->unit_lend = h;
			c->unit_lit = 1;
			c->lit_total = size;
			c->scan = e + 1;
			return 1;
		}
		if (size > LM_IMAP_LITERAL_HOLD_MAX ||
		    (e + 1 - c->io.ipos) + size + 2 > c->io.ilen)
			return lm_imap__fail(c, LM_ERR_LIMIT);
		c->lit_skip_to = e + 1 + (size_t)size;
	}
}

/* Consume the current unit. */
static void
unit_done(lm_imap_client *c)
{
	c->io.ipos = c->unit_end;
	c->scan = c->io.ipos;
	c->unit_end = 0;
	c->unit_lend = 0;
	c->lit_skip_to = 0;
}

/* ------------------------------------------------------------------ */
/* HIGHESTMODSEQ from MODSEQ items (RFC 7162 section 6; imap.h tells
 * the rules at lm_imap_mailbox)                                         */
/* ------------------------------------------------------------------ */

/* Largest mod-sequence (RFC 7162 section 7: unsigned 63-bit). */
#define MODSEQ_MAX 0x7fffffffffffffffull

/* Out of line and laid out apart: bookkeeping rarely needed, kept off
 * lm_imap_next()'s hot loop. */
#if defined(__GNUC__)
#define COLD __attribute__((noinline, cold))
#else
#define COLD
#endif

/* A MODSEQ item of the FETCH response being read: it may raise
 * HIGHESTMODSEQ later if it is a mod-sequence and the response began
 * while no FETCH command was outstanding (attribute() named the oldest
 * FETCH or STORE in f_cmd: only for STORE is the queue looked at; no
 * command can complete in the middle of a response). */
static void
modseq_item(lm_imap_client *c, uint64_t v)
{
	if (v <= MODSEQ_MAX &&
	    (c->f_cmd == LM_IMAP_CMD_NONE ||
	     (c->f_cmd == LM_IMAP_CMD_STORE && q_oldest(c, B(LM_IMAP_CMD_FETCH)) < 0)))
		c->ms_fetch = v;
}

/* A FETCH response ended: its MODSEQ (modseq_item()) is a candidate,
 * unless the response was damaged, which may have hidden a change.
 * Called where FETCH_END events are made, only when there is something
 * to do, so that FETCH responses without MODSEQ pay one test. */
static COLD void
modseq_fetch_end(lm_imap_client *c, int damaged)
{
	if (damaged)
		c->ms_hold = 1;
	else if (c->ms_fetch > c->ms_max)
		c->ms_max = c->ms_fetch;
	c->ms_fetch = 0;
}

/* A tagged response arrived (its code already applied) after MODSEQ
 * values or a hold (modseq_tagged()): raise HIGHESTMODSEQ from the
 * values when nothing held it, and start a new period. */
static COLD void
modseq_period_end(lm_imap_client *c)
{
	if (!c->ms_hold && c->mbx.selected && !c->mbx.nomodseq &&
	    c->mbx.highestmodseq != 0 && c->ms_max > c->mbx.highestmodseq)
		c->mbx.highestmodseq = c->ms_max;
	c->ms_max = 0;
	c->ms_hold = 0;
}

/* A tagged response arrived: one test when nothing happened since the
 * previous one (out of line otherwise, to keep lm_imap_next() small). */
static void
modseq_tagged(lm_imap_client *c)
{
	if ((c->ms_max | (uint64_t)c->ms_hold) != 0)
		modseq_period_end(c);
}

/* ------------------------------------------------------------------ */
/* response codes and status responses                                 */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	lm_imap_code code;
} code_table[] = {
	{ "ALERT", LM_IMAP_CODE_ALERT }, { "BADCHARSET", LM_IMAP_CODE_BADCHARSET },
	{ "CAPABILITY", LM_IMAP_CODE_CAPABILITY }, { "PARSE", LM_IMAP_CODE_PARSE },
	{ "PERMANENTFLAGS", LM_IMAP_CODE_PERMANENTFLAGS },
	{ "READ-ONLY", LM_IMAP_CODE_READ_ONLY }, { "READ-WRITE", LM_IMAP_CODE_READ_WRITE },
	{ "TRYCREATE", LM_IMAP_CODE_TRYCREATE }, { "UIDNEXT", LM_IMAP_CODE_UIDNEXT },
	{ "UIDVALIDITY", LM_IMAP_CODE_UIDVALIDITY }, { "UNSEEN", LM_IMAP_CODE_UNSEEN },
	{ "APPENDUID", LM_IMAP_CODE_APPENDUID }, { "COPYUID", LM_IMAP_CODE_COPYUID },
	{ "UIDNOTSTICKY", LM_IMAP_CODE_UIDNOTSTICKY },
	{ "HIGHESTMODSEQ", LM_IMAP_CODE_HIGHESTMODSEQ },
	{ "NOMODSEQ", LM_IMAP_CODE_NOMODSEQ }, { "MODIFIED", LM_IMAP_CODE_MODIFIED },
	{ "CLOSED", LM_IMAP_CODE_CLOSED }, { "UNAVAILABLE", LM_IMAP_CODE_UNAVAILABLE },
	{ "AUTHENTICATIONFAILED", LM_IMAP_CODE_AUTHENTICATIONFAILED },
	{ "AUTHORIZATIONFAILED", LM_IMAP_CODE_AUTHORIZATIONFAILED },
	{ "EXPIRED", LM_IMAP_CODE_EXPIRED },
	{ "PRIVACYREQUIRED", LM_IMAP_CODE_PRIVACYREQUIRED },
	{ "CONTACTADMIN", LM_IMAP_CODE_CONTACTADMIN }, { "NOPERM", LM_IMAP_CODE_NOPERM },
	{ "INUSE", LM_IMAP_CODE_INUSE }, { "EXPUNGEISSUED", LM_IMAP_CODE_EXPUNGEISSUED },
	{ "CORRUPTION", LM_IMAP_CODE_CORRUPTION }, { "SERVERBUG", LM_IMAP_CODE_SERVERBUG },
	{ "CLIENTBUG", LM_IMAP_CODE_CLIENTBUG }, { "CANNOT", LM_IMAP_CODE_CANNOT },
	{ "LIMIT", LM_IMAP_CODE_LIMIT }, { "OVERQUOTA", LM_IMAP_CODE_OVERQUOTA },
	{ "ALREADYEXISTS", LM_IMAP_CODE_ALREADYEXISTS },
	{ "NONEXISTENT", LM_IMAP_CODE_NONEXISTENT },
	{ "HASCHILDREN", LM_IMAP_CODE_HASCHILDREN }, { "NOTSAVED", LM_IMAP_CODE_NOTSAVED },
	{ "UNKNOWN-CTE", LM_IMAP_CODE_UNKNOWN_CTE },
	{ "COMPRESSIONACTIVE", LM_IMAP_CODE_COMPRESSIONACTIVE },
	{ "USEATTR", LM_IMAP_CODE_USEATTR }, { "APPENDLIMIT", LM_IMAP_CODE_APPENDLIMIT }
};

/* Keep a flag list in dst (cut at a flag boundary when too long). */
static size_t
keep_flags(unsigned char *dst, size_t cap, lm_slice s)
{
	size_t n = s.len;
	if (n > cap) {
		n = cap;
		while (n > 0 && s.p[n] != ' ')
			n--;
	}
	memcpy(dst, s.p, n);
	return n;
}

/* Parse "[CODE arg] text" (resp-text) at p[i..n) into ev. */
static void
parse_resp_text(lm_imap_client *c, lm_imap_event *ev, const unsigned char *p,
                size_t n, size_t i)
{
	skip_sp(p, n, &i);
	if (i < n && p[i] == '[') {
		size_t j = i + 1, k, close = i + 1;
		lm_slice name;
		unsigned depth = 0;
		/* find the closing ']' (brackets inside the argument nest) */
		while (close < n) {
			if (p[close] == '[')
				depth++;
			else if (p[close] == ']') {
				if (depth == 0)
					break;
				depth--;
			}
			close++;
		}
		if (close < n) {
			name = word(p, close, &j);
			ev->code.name = name;
			ev->code.code = LM_IMAP_CODE_OTHER;
			for (k = 0; k < sizeof code_table / sizeof code_table[0]; k++)
				if (lm_core__ieqz(name.p, name.len, code_table[k].name)) {
					ev->code.code = code_table[k].code;
					break;
				}
			skip_sp(p, close, &j);
			ev->code.arg.p = p + j;
			ev->code.arg.len = close - j;
			{
				size_t a = j;
				uint64_t v = 0;
				switch (ev->code.code) {
				case LM_IMAP_CODE_UIDNEXT:
				case LM_IMAP_CODE_UIDVALIDITY:
				case LM_IMAP_CODE_UNSEEN:
				case LM_IMAP_CODE_HIGHESTMODSEQ:
				case LM_IMAP_CODE_APPENDLIMIT:
					if (parse_num(p, close, &a, &v))
						ev->code.num = v;
					break;
				case LM_IMAP_CODE_APPENDUID:
				case LM_IMAP_CODE_COPYUID:
					if (parse_num(p, close, &a, &v)) {
						ev->code.num = v;
						skip_sp(p, close, &a);
						ev->code.set1 = word(p, close, &a);
						skip_sp(p, close, &a);
						ev->code.set2 = word(p, close, &a);
					}
					break;
				case LM_IMAP_CODE_MODIFIED:
					ev->code.set1 = ev->code.arg;
					break;
				default:
					break;
				}
			}
			i = close + 1;
			if (i < n && p[i] == ' ')
				i++;
		}
	}
	ev->text.p = p + i;
	ev->text.len = n - i;
	/* effects on the session */
	if (ev->code.code == LM_IMAP_CODE_CAPABILITY) {
		lm_imap__caps_set(c, ev->code.arg.p, ev->code.arg.len);
		return;
	}
	if (ev->code.code == LM_IMAP_CODE_NONE || mbx_stale(c))
		return;
	switch (ev->code.code) {
	case LM_IMAP_CODE_UIDNEXT:
		c->mbx.uidnext = (uint32_t)ev->code.num;
		break;
	case LM_IMAP_CODE_UIDVALIDITY:
		c->mbx.uidvalidity = (uint32_t)ev->code.num;
		break;
	case LM_IMAP_CODE_UNSEEN:
		c->mbx.unseen = (uint32_t)ev->code.num;
		break;
	case LM_IMAP_CODE_HIGHESTMODSEQ:
		c->mbx.highestmodseq = ev->code.num;
		c->ms_hold = 1;        /* the code wins over MODSEQ values */
		break;
	case LM_IMAP_CODE_NOMODSEQ:
		c->mbx.nomodseq = 1;
		c->mbx.highestmodseq = 0;
		break;
	case LM_IMAP_CODE_CLOSED:
		/* RFC 7162 3.2.11 / RFC 9051 7.1: what came before was about
		 * the old mailbox */
		c->ms_max = 0;
		c->ms_hold = 0;
		if (c->sel_tag != 0)
			lm_imap__mbx_reset(c, c->q[0].cmd == LM_IMAP_CMD_EXAMINE);
		break;
	case LM_IMAP_CODE_READ_ONLY:
		c->mbx.read_only = 1;
		break;
	case LM_IMAP_CODE_READ_WRITE:
		c->mbx.read_only = 0;
		break;
	case LM_IMAP_CODE_PERMANENTFLAGS: {
		lm_slice s = ev->code.arg;
		if (s.len >= 2 && s.p[0] == '(' && s.p[s.len - 1] == ')') {
			s.p++;
			s.len -= 2;
		}
		c->pflags_len = keep_flags(c->pflags, sizeof c->pflags, s);
		c->mbx.permanent_flags.p = c->pflags;
		c->mbx.permanent_flags.len = c->pflags_len;
		break;
	}
	default:
		break;
	}
}

/* The text of a status response whose code has no ']' ("[CLOSED",
 * "[CLOSED x"): parse_resp_text() leaves it as text, no code. */
static int
closed_unterminated(const lm_imap_event *ev)
{
	size_t i = 1;
	lm_slice w;

	if (ev->code.code != LM_IMAP_CODE_NONE || ev->text.len < 1 || ev->text.p[0] != '[')
		return 0;
	w = word(ev->text.p, ev->text.len, &i);
	return lm_core__ieqz(w.p, w.len, "CLOSED");
}

/* ------------------------------------------------------------------ */
/* mailbox names                                                       */
/* ------------------------------------------------------------------ */

/* Decode a mailbox token into ev->mailbox (context storage). */
static int
set_mailbox(lm_imap_client *c, lm_imap_event *ev, const lm_imap_tok *t)
{
	size_t rl = 0, ol = 0, i;
	int eight = 0;

	if (t->type == LM_IMAP_TOK_NIL || t->type == LM_IMAP_TOK_END) {
		ev->mailbox.p = c->evname;
		ev->mailbox.len = 0;
		return 0;
	}
	if (lm_imap_tok_copy(t, (char *)c->evraw, sizeof c->evraw, &rl) < 0)
		return LM_ERR_LIMIT;
	ev->mailbox_raw.p = c->evraw;
	ev->mailbox_raw.len = rl;
	for (i = 0; i < rl; i++)
		if (c->evraw[i] >= 0x80)
			eight = 1;
	/* LM_IMAP_LENIENT_8BIT: 8-bit names are UTF-8 already */
	if (eight || (c->enabled & LM_IMAP__EN_UTF8) ||
	    lm_mutf7_decode((const char *)c->evraw, rl, (char *)c->evname,
	                    sizeof c->evname, &ol) != 0) {
		ev->mailbox = ev->mailbox_raw;
		return 0;
	}
	ev->mailbox.p = c->evname;
	ev->mailbox.len = ol;
	return 0;
}

/* ------------------------------------------------------------------ */
/* untagged responses                                                  */
/* ------------------------------------------------------------------ */

static unsigned
attr_bit(const lm_imap_tok *t)
{
	static const struct {
		const char *n;
		unsigned b;
	} a[] = {
		{ "\\Noinferiors", LM_IMAP_MBX_NOINFERIORS },
		{ "\\Noselect", LM_IMAP_MBX_NOSELECT },
		{ "\\Marked", LM_IMAP_MBX_MARKED },
		{ "\\Unmarked", LM_IMAP_MBX_UNMARKED },
		{ "\\HasChildren", LM_IMAP_MBX_HASCHILDREN },
		{ "\\HasNoChildren", LM_IMAP_MBX_HASNOCHILDREN },
		{ "\\NonExistent", LM_IMAP_MBX_NONEXISTENT },
		{ "\\Subscribed", LM_IMAP_MBX_SUBSCRIBED },
		{ "\\Remote", LM_IMAP_MBX_REMOTE },
		{ "\\All", LM_IMAP_MBX_ALL },
		{ "\\Archive", LM_IMAP_MBX_ARCHIVE },
		{ "\\Drafts", LM_IMAP_MBX_DRAFTS },
		{ "\\Flagged", LM_IMAP_MBX_FLAGGED },
		{ "\\Junk", LM_IMAP_MBX_JUNK },
		{ "\\Sent", LM_IMAP_MBX_SENT },
		{ "\\Trash", LM_IMAP_MBX_TRASH },
		{ "\\Important", LM_IMAP_MBX_IMPORTANT }
	};
	size_t i;
	for (i = 0; i < sizeof a / sizeof a[0]; i++)
		if (lm_core__ieqz(t->s.p, t->s.len, a[i].n))
			return a[i].b;
	return 0;
}

/* "LIST (attrs) delim name [ext]" after the keyword. */
static int
parse_list(lm_imap_client *c, lm_imap_event *ev, lm_imap_reader *r)
{
	lm_imap_tok t, in_t;
	lm_imap_reader in;

	if (lm_imap_read(r, &t) != LM_IMAP_TOK_OPEN)
		return LM_ERR_PROTOCOL;
	ev->list.attr_list.p = t.s.p + 1;
	ev->list.attr_list.len = t.s.len - 2;
	lm_imap_reader_enter(&in, &t);
	while (lm_imap_read(&in, &in_t) == LM_IMAP_TOK_ATOM)
		ev->list.attrs |= attr_bit(&in_t);
	if (in_t.type != LM_IMAP_TOK_END)
		return LM_ERR_PROTOCOL;
	lm_imap_read(r, &t);
	if (t.type == LM_IMAP_TOK_NIL) {
		ev->list.delim = -1;
	} else if (t.type == LM_IMAP_TOK_STRING && t.s.len >= 1) {
		ev->list.delim = (t.esc && t.s.len == 2) ? t.s.p[1] : t.s.p[0];
	} else {
		return LM_ERR_PROTOCOL;
	}
	lm_imap_read(r, &t);
	if (t.type != LM_IMAP_TOK_STRING && t.type != LM_IMAP_TOK_ATOM &&
	    t.type != LM_IMAP_TOK_NUMBER && t.type != LM_IMAP_TOK_NIL)
		return LM_ERR_PROTOCOL;
	if (set_mailbox(c, ev, &t) < 0)
		return LM_ERR_PROTOCOL;
	skip_sp(r->p, r->len, &r->pos);
	if (r->pos < r->len) {
		ev->list.ext.p = r->p + r->pos;
		ev->list.ext.len = r->len - r->pos;
		/* CHILDINFO ("SUBSCRIBED") (RFC 5258) */
		{
			lm_imap_reader x;
			lm_imap_tok k, v;
			lm_imap_reader_init(&x, ev->list.ext);
			if (lm_imap_read(&x, &t) == LM_IMAP_TOK_OPEN) {
				lm_imap_reader_enter(&x, &t);
				while (lm_imap_read(&x, &k) != LM_IMAP_TOK_END &&
				       k.type != LM_IMAP_TOK_ERROR) {
					if (lm_imap_read(&x, &v) == LM_IMAP_TOK_END)
						break;
					if (lm_imap_tok_eq(&k, "CHILDINFO") &&
					    v.type == LM_IMAP_TOK_OPEN) {
						lm_imap_reader y;
						lm_imap_tok z;
						lm_imap_reader_enter(&y, &v);
						while (lm_imap_read(&y, &z) == LM_IMAP_TOK_STRING)
							if (lm_imap_tok_eq(&z, "SUBSCRIBED"))
								ev->list.attrs |= LM_IMAP_MBX_CHILD_SUBSCRIBED;
					}
				}
			}
		}
	}
	return 0;
}

/* "STATUS mailbox (k v ...)" after the keyword. */
static int
parse_status(lm_imap_client *c, lm_imap_event *ev, lm_imap_reader *r)
{
	lm_imap_tok t, k, v;
	lm_imap_reader in;

	lm_imap_read(r, &t);
	if (t.type == LM_IMAP_TOK_OPEN || t.type == LM_IMAP_TOK_ERROR ||
	    t.type == LM_IMAP_TOK_END || set_mailbox(c, ev, &t) < 0)
		return LM_ERR_PROTOCOL;
	if (lm_imap_read(r, &t) != LM_IMAP_TOK_OPEN)
		return LM_ERR_PROTOCOL;
	lm_imap_reader_enter(&in, &t);
	while (lm_imap_read(&in, &k) == LM_IMAP_TOK_ATOM) {
		if (lm_imap_read(&in, &v) != LM_IMAP_TOK_NUMBER)
			return LM_ERR_PROTOCOL;
		if (lm_imap_tok_eq(&k, "MESSAGES")) {
			ev->st.messages = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_MESSAGES;
		} else if (lm_imap_tok_eq(&k, "RECENT")) {
			ev->st.recent = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_RECENT;
		} else if (lm_imap_tok_eq(&k, "UIDNEXT")) {
			ev->st.uidnext = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_UIDNEXT;
		} else if (lm_imap_tok_eq(&k, "UIDVALIDITY")) {
			ev->st.uidvalidity = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_UIDVALIDITY;
		} else if (lm_imap_tok_eq(&k, "UNSEEN")) {
			ev->st.unseen = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_UNSEEN;
		} else if (lm_imap_tok_eq(&k, "DELETED")) {
			ev->st.deleted = (uint32_t)v.num; ev->st.have |= LM_IMAP_ST_DELETED;
		} else if (lm_imap_tok_eq(&k, "SIZE")) {
			ev->st.size = v.num; ev->st.have |= LM_IMAP_ST_SIZE;
		} else if (lm_imap_tok_eq(&k, "HIGHESTMODSEQ")) {
			ev->st.highestmodseq = v.num; ev->st.have |= LM_IMAP_ST_HIGHESTMODSEQ;
		} else if (lm_imap_tok_eq(&k, "APPENDLIMIT")) {
			ev->st.appendlimit = v.num; ev->st.have |= LM_IMAP_ST_APPENDLIMIT;
		}
	}
	return 0;
}

/* "ESEARCH [(TAG "x")] [UID] (name value)*" after the keyword. */
static int
parse_esearch(lm_imap_event *ev, lm_imap_reader *r)
{
	lm_imap_tok t, v;
	lm_imap_reader save = *r;

	if (lm_imap_read(r, &t) == LM_IMAP_TOK_OPEN) {
		lm_imap_reader in;
		lm_imap_tok k;
		lm_imap_reader_enter(&in, &t);
		if (lm_imap_read(&in, &k) == LM_IMAP_TOK_ATOM && lm_imap_tok_eq(&k, "TAG") &&
		    lm_imap_read(&in, &v) == LM_IMAP_TOK_STRING)
			ev->esearch.tag = v.s;
		save = *r;
		lm_imap_read(r, &t);
	}
	if (t.type == LM_IMAP_TOK_ATOM && lm_imap_tok_eq(&t, "UID")) {
		ev->esearch.uid = 1;
		save = *r;
		lm_imap_read(r, &t);
	}
	*r = save;
	for (;;) {
		lm_imap_read(r, &t);
		if (t.type == LM_IMAP_TOK_END)
			return 0;
		if (t.type != LM_IMAP_TOK_ATOM)
			return LM_ERR_PROTOCOL;
		lm_imap_read(r, &v);
		if (v.type == LM_IMAP_TOK_END || v.type == LM_IMAP_TOK_ERROR)
			return LM_ERR_PROTOCOL;
		if (lm_imap_tok_eq(&t, "MIN") && v.type == LM_IMAP_TOK_NUMBER) {
			ev->esearch.min = (uint32_t)v.num; ev->esearch.have |= LM_IMAP_ESEARCH_MIN;
		} else if (lm_imap_tok_eq(&t, "MAX") && v.type == LM_IMAP_TOK_NUMBER) {
			ev->esearch.max = (uint32_t)v.num; ev->esearch.have |= LM_IMAP_ESEARCH_MAX;
		} else if (lm_imap_tok_eq(&t, "COUNT") && v.type == LM_IMAP_TOK_NUMBER) {
			ev->esearch.count = (uint32_t)v.num; ev->esearch.have |= LM_IMAP_ESEARCH_COUNT;
		} else if (lm_imap_tok_eq(&t, "ALL")) {
			ev->esearch.all = v.s; ev->esearch.have |= LM_IMAP_ESEARCH_ALL;
		} else if (lm_imap_tok_eq(&t, "MODSEQ") && v.type == LM_IMAP_TOK_NUMBER) {
			ev->esearch.modseq = v.num; ev->esearch.have |= LM_IMAP_ESEARCH_MODSEQ;
		}
	}
}

/* Count the UIDs of a set "1,3:5" (for the VANISHED bookkeeping) into
 * *count (at most 2^32 - 1). Returns 1, or 0 when s is not a set of
 * UIDs (RFC 3501 uid-set: nz-number 1..2^32-1, ':' ranges, ','). */
static int
set_count(lm_slice s, uint32_t *count)
{
	size_t i = 0;
	uint64_t total = 0;
	for (;;) {
		uint64_t a, b;
		if (!parse_num(s.p, s.len, &i, &a) || a == 0 || a > 0xffffffffu)
			return 0;
		b = a;
		if (i < s.len && s.p[i] == ':') {
			i++;
			if (!parse_num(s.p, s.len, &i, &b) || b == 0 ||
			    b > 0xffffffffu)
				return 0;
		}
		total += (a > b ? a - b : b - a) + 1;
		if (i == s.len)
			break;
		if (s.p[i] != ',')
			return 0;
		i++;
	}
	*count = total > 0xffffffffu ? 0xffffffffu : (uint32_t)total;
	return 1;
}

/* SEARCH numbers p[i..n): split a trailing "(MODSEQ n)". */
static void
search_nums(lm_imap_event *ev, const unsigned char *p, size_t n, size_t i)
{
	size_t e = n, k;
	skip_sp(p, n, &i);
	for (k = i; k < n; k++)
		if (p[k] == '(') {
			size_t j = k + 1;
			uint64_t v;
			e = k;
			if (n - j > 7 && lm_core__ieqz(p + j, 6, "MODSEQ")) {
				j += 6;
				skip_sp(p, n, &j);
				if (parse_num(p, n, &j, &v))
					ev->search.modseq = v;
			}
			break;
		}
	while (e > i && p[e - 1] == ' ')
		e--;
	ev->search.nums.p = p + i;
	ev->search.nums.len = e - i;
}

/* ------------------------------------------------------------------ */
/* FETCH items                                                         */
/* ------------------------------------------------------------------ */

/* The bytes that end a FETCH item name. */
static const unsigned char item_name_end[256] = {
	[' '] = 1, ['('] = 1, [')'] = 1, ['['] = 1, ['"'] = 1, ['{'] = 1
};

/* The item named s[0..n) (case-insensitive), LM_IMAP_ITEM_OTHER for an
 * unknown name: one comparison, chosen by length and first letter. */
static lm_imap_item
item_of(const unsigned char *s, size_t n)
{
	const char *name = NULL;
	lm_imap_item it = LM_IMAP_ITEM_OTHER;

	if (n < 3)
		return LM_IMAP_ITEM_OTHER;
	switch (n) {
	case 3: name = "UID"; it = LM_IMAP_ITEM_UID; break;
	case 4: name = "BODY"; it = LM_IMAP_ITEM_BODY; break;
	case 5: name = "FLAGS"; it = LM_IMAP_ITEM_FLAGS; break;
	case 6:
		if (lm_core__upper(s[0]) == 'R') {
			name = "RFC822"; it = LM_IMAP_ITEM_RFC822;
		} else {
			name = "MODSEQ"; it = LM_IMAP_ITEM_MODSEQ;
		}
		break;
	case 7: name = "EMAILID"; it = LM_IMAP_ITEM_EMAILID; break;
	case 8:
		switch (lm_core__upper(s[0])) {
		case 'E': name = "ENVELOPE"; it = LM_IMAP_ITEM_ENVELOPE; break;
		case 'T': name = "THREADID"; it = LM_IMAP_ITEM_THREADID; break;
		default: name = "SAVEDATE"; it = LM_IMAP_ITEM_SAVEDATE; break;
		}
		break;
	case 11:
		if (lm_core__upper(s[7]) == 'S') {
			name = "RFC822.SIZE"; it = LM_IMAP_ITEM_RFC822_SIZE;
		} else {
			name = "RFC822.TEXT"; it = LM_IMAP_ITEM_RFC822_TEXT;
		}
		break;
	case 12: name = "INTERNALDATE"; it = LM_IMAP_ITEM_INTERNALDATE; break;
	case 13:
		if (lm_core__upper(s[0]) == 'B') {
			name = "BODYSTRUCTURE"; it = LM_IMAP_ITEM_BODYSTRUCTURE;
		} else {
			name = "RFC822.HEADER"; it = LM_IMAP_ITEM_RFC822_HEADER;
		}
		break;
	default:
		return LM_IMAP_ITEM_OTHER;
	}
	return lm_core__ieqz(s, n, name) ? it : LM_IMAP_ITEM_OTHER;
}


/* The bytes after which a flag list is left to lm_imap_read(): they may
 * start a nested list, a string or a literal, or end the line. */
static const unsigned char flags_stop[256] = {
	['('] = 1, [')'] = 1, ['"'] = 1, ['{'] = 1, ['~'] = 1, ['\r'] = 1,
	['\n'] = 1
};

/* A flat flag list "(\Seen $Label)" at p[0] == '(': its length, as
 * lm_imap_read() gives it (depth 1); 0 when it holds anything else
 * (lm_imap_read() then reads it). */
static size_t
flags_span(const unsigned char *p, size_t n)
{
	size_t j = 1;

	while (j < n && !flags_stop[p[j]])
		j++;
	return j < n && p[j] == ')' ? j + 1 : 0;
}

/* The names of the items almost every FETCH response holds, checked in
 * place: the offset after the name at p[i] and its kind when it is one
 * of them and a byte that ends names follows; else 0 (then the bytes up
 * to such a byte are the name, as they are here). */
static size_t
item_usual(const unsigned char *p, size_t n, size_t i, lm_imap_item *item)
{
	const char *name;
	size_t k;
	lm_imap_item it;

	switch (p[i] | 0x20) {
	case 'u': name = "UID"; k = 3; it = LM_IMAP_ITEM_UID; break;
	case 'f': name = "FLAGS"; k = 5; it = LM_IMAP_ITEM_FLAGS; break;
	case 'r': name = "RFC822.SIZE"; k = 11; it = LM_IMAP_ITEM_RFC822_SIZE; break;
	case 'e': name = "ENVELOPE"; k = 8; it = LM_IMAP_ITEM_ENVELOPE; break;
	case 'b': name = "BODYSTRUCTURE"; k = 13; it = LM_IMAP_ITEM_BODYSTRUCTURE; break;
	default: return 0;
	}
	if (n - i <= k || !item_name_end[p[i + k]] || !lm_core__ieqz(p + i, k, name))
		return 0;
	*item = it;
	return i + k;
}

/* Fill ev for one body-section value at the end of a FETCH unit or
 * inline (quoted string / NIL). */
static void
fetch_common(lm_imap_client *c, lm_imap_event *ev)
{
	ev->cmd = (lm_imap_cmd)c->f_cmd;
	ev->handle = c->f_handle;
	ev->fetch.seq = c->f_seq;
	ev->fetch.uid = c->f_uid;
}

static void
fetch_section_fields(lm_imap_client *c, lm_imap_event *ev)
{
	ev->fetch.item = (lm_imap_item)c->f_item;
	ev->fetch.section.p = c->sect;
	ev->fetch.section.len = c->sect_len;
	ev->fetch.name.p = c->fname;
	ev->fetch.name.len = c->fname_len;
	ev->fetch.has_origin = c->f_has_origin;
	ev->fetch.origin = c->f_origin;
}

/*
 * Parse one FETCH item at ipos within the unit. Returns LM_EVENT, 0 when
 * the item list ended (FETCH_END delivered as event: also LM_EVENT), or
 * LM_ERR_PROTOCOL when the item cannot be parsed (caller resyncs).
 */
static int
fetch_item(lm_imap_client *c, lm_imap_event *ev)
{
	const unsigned char *p = c->io.ibuf;
	size_t n = c->unit_lend, i = c->io.ipos, ns, ne;
	lm_imap_item item = LM_IMAP_ITEM_OTHER;
	int section = 0;

	skip_sp(p, n, &i);
	fetch_common(c, ev);
	if (i < n && p[i] == ')') {
		i++;
		skip_sp(p, n, &i);
		if (i != n || c->unit_lit)
			return LM_ERR_PROTOCOL;
		ev->type = LM_IMAP_EV_FETCH_END;
		ev->fetch.damaged = c->f_damaged;
		if ((c->ms_fetch | (uint64_t)c->f_damaged) != 0)
			modseq_fetch_end(c, c->f_damaged);
		c->mode = LM_IMAP__M_LINE;
		lm_imap__trace(c, 'S', p + c->io.ipos, n - c->io.ipos);
		unit_done(c);
		return LM_EVENT;
	}
	if (i >= n)
		return LM_ERR_PROTOCOL;
	/* item name, with [section] and <origin> */
	ns = i;
	if ((i = item_usual(p, n, ns, &item)) == 0) {
		i = ns;
		while (i < n && !item_name_end[p[i]])
			i++;
		item = item_of(p + ns, i - ns);
	}
	ne = i;
	if (i < n && p[i] == '[') {
		size_t ss = i + 1;
		unsigned d = 0;
		while (i < n && p[i] != ']') {
			if (p[i] == '(')
				d++;
			i++;
		}
		if (i >= n)
			return LM_ERR_PROTOCOL;
		if (i - ss > sizeof c->sect)
			return lm_imap__fail(c, LM_ERR_LIMIT);
		memcpy(c->sect, p + ss, i - ss);
		c->sect_len = i - ss;
		i++;
		section = 1;
		if (item == LM_IMAP_ITEM_BODY || lm_core__ieqz(p + ns, ne - ns, "BODY.PEEK"))
			item = LM_IMAP_ITEM_BODY_SECTION;
		else if (lm_core__ieqz(p + ns, ne - ns, "BINARY") ||
		         lm_core__ieqz(p + ns, ne - ns, "BINARY.PEEK"))
			item = LM_IMAP_ITEM_BINARY;
		else if (lm_core__ieqz(p + ns, ne - ns, "BINARY.SIZE"))
			item = LM_IMAP_ITEM_BINARY_SIZE;
		else
			item = LM_IMAP_ITEM_OTHER;
		(void)d;
		c->f_has_origin = 0;
		c->f_origin = 0;
		if (i < n && p[i] == '<') {
			uint64_t v;
			i++;
			if (!parse_num(p, n, &i, &v) || i >= n || p[i] != '>')
				return LM_ERR_PROTOCOL;
			i++;
			c->f_has_origin = 1;
			c->f_origin = v;
		}
	} else {
		c->sect_len = 0;
		c->f_has_origin = 0;
		c->f_origin = 0;
	}
	if (i - ns > sizeof c->fname)
		return lm_imap__fail(c, LM_ERR_LIMIT);
	ev->fetch.name.p = p + ns;
	ev->fetch.name.len = i - ns;
	ev->fetch.item = item;
	skip_sp(p, n, &i);
	if (item == LM_IMAP_ITEM_BODY_SECTION || item == LM_IMAP_ITEM_BINARY ||
	    item == LM_IMAP_ITEM_RFC822 || item == LM_IMAP_ITEM_RFC822_HEADER ||
	    item == LM_IMAP_ITEM_RFC822_TEXT) {
		/* the name outlives the input for the data events
		 * (fetch_section_fields()): other items need no copy. The
		 * name only (checked against sizeof c->fname above), not the
		 * spaces after it: any number may follow */
		memcpy(c->fname, ev->fetch.name.p, ev->fetch.name.len);
		c->fname_len = ev->fetch.name.len;
		c->f_item = item;
		if (i == n && c->unit_lit) {
			/* the value is the streamed literal after this unit */
			lm_imap__trace(c, 'S', p + c->io.ipos, n - c->io.ipos);
			c->io.ipos = c->unit_end;
			c->scan = c->io.ipos;
			c->unit_end = c->unit_lend = 0;
			c->lit_left = c->lit_total;
			c->mode = LM_IMAP__M_STREAM;
			if (c->lit_total > 0)
				return 0;        /* data events follow */
			fetch_section_fields(c, ev);
			ev->type = LM_IMAP_EV_FETCH_DATA;
			ev->fetch.data.p = p + c->io.ipos;
			ev->fetch.last = 1;
			c->mode = LM_IMAP__M_FETCH;
			return LM_EVENT;
		}
		{
			lm_imap_reader r;
			lm_imap_tok t;
			lm_slice s;
			s.p = p + i;
			s.len = n - i;
			lm_imap_reader_init(&r, s);
			lm_imap_read(&r, &t);
			if (t.type == LM_IMAP_TOK_NIL) {
				ev->fetch.nil = 1;
			} else if (t.type != LM_IMAP_TOK_STRING) {
				return LM_ERR_PROTOCOL;
			}
			if (t.esc) {
				/* a quoted value with \" or \\: unescape in place
				 * (these input bytes are consumed by this item) */
				unsigned char *q = (unsigned char *)(uintptr_t)t.s.p;
				size_t a, w = 0;
				for (a = 0; a < t.s.len; a++) {
					if (q[a] == '\\' && a + 1 < t.s.len)
						a++;
					q[w++] = q[a];
				}
				t.s.len = w;
			}
			fetch_section_fields(c, ev);
			ev->type = LM_IMAP_EV_FETCH_DATA;
			ev->fetch.data = t.s;
			ev->fetch.total = t.s.len;
			ev->fetch.last = 1;
			lm_imap__trace(c, 'S', p + c->io.ipos, i + r.pos - c->io.ipos);
			c->io.ipos = i + r.pos;
			return LM_EVENT;
		}
	}
	(void)section;
	/* other items: a value token */
	{
		lm_imap_reader r;
		lm_imap_tok t;
		lm_slice s;
		s.p = p + i;
		s.len = n - i;
		lm_imap_reader_init(&r, s);
		if (i < n && p[i] == '(' && (item == LM_IMAP_ITEM_ENVELOPE ||
		    item == LM_IMAP_ITEM_BODYSTRUCTURE || item == LM_IMAP_ITEM_BODY)) {
			/* what lm_imap_read() gives, with the ends of the lists
			 * inside recorded for lm_imap_fetch_envelope() (address
			 * lists, depth 2) and lm_imap_fetch_body() (all levels)
			 * in the same scan */
			unsigned d;
			size_t e = lm_imap__list_tab(p + i, n - i, &d, &ev->tab,
			    item == LM_IMAP_ITEM_ENVELOPE ? 2 : LM_IMAP__TAB_LEVELS);
			if (e == 0) {
				ev->tab.base = NULL;
				return LM_ERR_PROTOCOL;
			}
			t.type = LM_IMAP_TOK_OPEN;
			t.s.p = p + i;
			t.s.len = e;
			t.esc = 0;
			t.num = 0;
			t.depth = d;
			r.pos = e;
		} else if (item == LM_IMAP_ITEM_FLAGS && i < n && p[i] == '(' &&
		           (t.s.len = flags_span(p + i, n - i)) != 0) {
			t.type = LM_IMAP_TOK_OPEN;
			t.s.p = p + i;
			t.esc = 0;
			t.num = 0;
			t.depth = 1;
			r.pos = t.s.len;
		} else {
			lm_imap_read(&r, &t);
		}
		if (t.type == LM_IMAP_TOK_ERROR || t.type == LM_IMAP_TOK_END ||
		    t.type == LM_IMAP_TOK_CLOSE)
			return LM_ERR_PROTOCOL;
		ev->type = LM_IMAP_EV_FETCH_ITEM;
		ev->fetch.value = t.s;
		switch (item) {
		case LM_IMAP_ITEM_FLAGS:
			if (t.type != LM_IMAP_TOK_OPEN)
				return LM_ERR_PROTOCOL;
			ev->fetch.value.p++;
			ev->fetch.value.len -= 2;
			break;
		case LM_IMAP_ITEM_UID:
		case LM_IMAP_ITEM_RFC822_SIZE:
		case LM_IMAP_ITEM_BINARY_SIZE:
			if (t.type != LM_IMAP_TOK_NUMBER)
				return LM_ERR_PROTOCOL;
			ev->fetch.num = t.num;
			if (item == LM_IMAP_ITEM_UID) {
				c->f_uid = (uint32_t)t.num;
				ev->fetch.uid = c->f_uid;
			}
			break;
		case LM_IMAP_ITEM_MODSEQ:
		case LM_IMAP_ITEM_EMAILID:
		case LM_IMAP_ITEM_THREADID:
			if (t.type == LM_IMAP_TOK_OPEN) {
				lm_imap_reader in;
				lm_imap_tok v;
				lm_imap_reader_enter(&in, &t);
				lm_imap_read(&in, &v);
				ev->fetch.value = v.s;
				ev->fetch.num = v.num;
				if (item == LM_IMAP_ITEM_MODSEQ) {
					if (v.type != LM_IMAP_TOK_NUMBER)
						return LM_ERR_PROTOCOL;
					modseq_item(c, v.num);
				}
			} else if (t.type != LM_IMAP_TOK_NIL) {
				return LM_ERR_PROTOCOL;
			}
			break;
		case LM_IMAP_ITEM_ENVELOPE:
		case LM_IMAP_ITEM_BODYSTRUCTURE:
		case LM_IMAP_ITEM_BODY: {
			unsigned depth = t.depth;
			if (t.type != LM_IMAP_TOK_OPEN)
				return LM_ERR_PROTOCOL;
			if (depth > LM_IMAP_DEPTH_MAX)
				return LM_ERR_PROTOCOL;
			break;
		}
		case LM_IMAP_ITEM_INTERNALDATE:
		case LM_IMAP_ITEM_SAVEDATE:
			if (t.type != LM_IMAP_TOK_STRING && t.type != LM_IMAP_TOK_NIL)
				return LM_ERR_PROTOCOL;
			break;
		default:
			if (t.type == LM_IMAP_TOK_NUMBER)
				ev->fetch.num = t.num;
			break;
		}
		lm_imap__trace(c, 'S', p + c->io.ipos, i + r.pos - c->io.ipos);
		c->io.ipos = i + r.pos;
		return LM_EVENT;
	}
}

/* Resync inside a FETCH: skip to the end of the response. */
static void
fetch_damage(lm_imap_client *c)
{
	c->f_damaged = 1;
	if (c->unit_lit) {
		c->lit_left = c->lit_total;
		c->io.ipos = c->unit_end;
		c->scan = c->io.ipos;
		c->unit_end = c->unit_lend = 0;
		c->mode = LM_IMAP__M_SKIPLIT;
	} else {
		unit_done(c);
		c->mode = LM_IMAP__M_LINE;
	}
}

/* ------------------------------------------------------------------ */
/* continuation requests                                               */
/* ------------------------------------------------------------------ */

static int auth_continue(lm_imap_client *c, const unsigned char *p, size_t n);

/* Who waits for a continuation request now. */
enum { CONT_NONE, CONT_HOLD, CONT_APPEND, CONT_AUTH, CONT_IDLE };

/* The kind of wait, and in *tag the command waiting. */
static int
cont_waiter(const lm_imap_client *c, lm_imap_handle *tag)
{
	if (c->nholds > 0 && c->holds[0] >= c->io.ostart && c->holds[0] <= c->io.oend &&
	    c->io.ostart == c->holds[0]) {
		*tag = c->hold_tag[0];
		return CONT_HOLD;
	}
	if (c->app_state == LM_IMAP__APP_WAIT && c->io.ostart == c->io.oend) {
		*tag = c->app_tag;
		return CONT_APPEND;
	}
	if (c->sasl != NULL && c->auth_tag) {
		*tag = c->auth_tag;
		return CONT_AUTH;
	}
	*tag = c->idle_tag;
	return c->idle == 1 ? CONT_IDLE : CONT_NONE;
}

static int
continuation(lm_imap_client *c, lm_imap_event *ev, const unsigned char *p, size_t n)
{
	size_t i = 1;
	lm_imap_handle tag;
	int kind = cont_waiter(c, &tag), qi = lm_imap__q_find(c, tag);

	if (i < n && p[i] == ' ')
		i++;                       /* LM_IMAP_LENIENT_CONT_TEXT */
	/* nobody waits for a continuation request, or it was received
	 * before the command waiting for one was queued (or, AUTHENTICATE,
	 * before its latest response was) */
	if (kind == CONT_NONE || qi < 0 || !heard(c, (unsigned)qi))
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	if (kind != CONT_IDLE) {
		/* The rest of the command (a literal, the APPEND body, a
		 * SASL response) goes out only now: what the server sent
		 * before it read that rest, everything buffered so far
		 * included, does not answer the command. */
		c->q[qi].rx = c->io.rx_total;
	}
	if (kind == CONT_HOLD) {
		/* a synchronising literal may go now */
		memmove(&c->holds[0], &c->holds[1], (c->nholds - 1) * sizeof c->holds[0]);
		memmove(&c->hold_cend[0], &c->hold_cend[1],
		        (c->nholds - 1) * sizeof c->hold_cend[0]);
		memmove(&c->hold_tag[0], &c->hold_tag[1],
		        (c->nholds - 1) * sizeof c->hold_tag[0]);
		c->nholds--;
		return 0;
	}
	if (kind == CONT_APPEND) {
		c->app_state = LM_IMAP__APP_BODY;
		return 0;
	}
	if (kind == CONT_AUTH)
		return auth_continue(c, p + i, n - i);
	c->idle = 2;                       /* CONT_IDLE */
	ev->type = LM_IMAP_EV_IDLE_STARTED;
	ev->cmd = LM_IMAP_CMD_IDLE;
	ev->handle = c->idle_tag;
	ev->text.p = p + i;
	ev->text.len = n - i;
	if (c->idle_done_wanted) {
		int r = lm_imap__queue_done(c);
		if (r < 0)
			return r;
	}
	return LM_EVENT;
}

static int
auth_continue(lm_imap_client *c, const unsigned char *p, size_t n)
{
	unsigned char *ch = c->sasl_raw;
	size_t chlen = 0, rl = 0, bl = 0, room;
	int r;

	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n > 0) {
		if (lm_b64_decode((const char *)p, n, ch, sizeof c->sasl_raw, &chlen) != 0) {
			r = LM_ERR_PROTOCOL;
			goto cancel;
		}
	}
	/* the raw response reuses sasl_raw after the challenge */
	r = lm_sasl_step(c->sasl, ch, chlen, c->sasl_raw + chlen,
	                 sizeof c->sasl_raw - chlen, &rl);
	if (r < 0)
		goto cancel;
	room = c->io.olen - c->io.oend;
	if (lm_b64_encoded_len(rl) + 2 > room) {
		r = LM_ERR_BUFFER_TOO_SMALL;
		goto cancel;
	}
	if (lm_b64_encode(c->sasl_raw + chlen, rl, (char *)c->io.obuf + c->io.oend,
	                  room, &bl) != 0) {
		r = LM_ERR_BUFFER_TOO_SMALL;
		goto cancel;
	}
	lm_zeroize(c->sasl_raw, sizeof c->sasl_raw);
	c->io.oend += bl;
	c->io.obuf[c->io.oend++] = '\r';
	c->io.obuf[c->io.oend++] = '\n';
	c->wipe_out = 1;
	c->wipe_end = c->io.oend;
	lm_trace_emit_redacted(c->opts.trace, c->opts.trace_ud, 'C', "", 0, 0);
	return 0;
cancel:
	/* send the cancel "*" (RFC 9051 6.2.2), then fail for good */
	lm_zeroize(c->sasl_raw, sizeof c->sasl_raw);
	c->sasl = NULL;
	if (c->io.olen - c->io.oend >= 3) {
		memcpy(c->io.obuf + c->io.oend, "*\r\n", 3);
		c->io.oend += 3;
		lm_imap__trace(c, 'C', "*", 1);
		c->pend_err = r;
		return 0;
	}
	return lm_imap__fail(c, r);
}

/* ------------------------------------------------------------------ */
/* tagged responses                                                    */
/* ------------------------------------------------------------------ */

/* Are bytes of command tag still held for a "+"? */
static int
holds_tag(const lm_imap_client *c, lm_imap_handle tag)
{
	unsigned i;

	for (i = 0; i < c->nholds; i++)
		if (c->hold_tag[i] == tag)
			return 1;
	return 0;
}

/* Drop the held remainder of a command refused before its "+". */
static void
drop_holds(lm_imap_client *c, lm_imap_handle tag)
{
	unsigned i = 0;
	while (i < c->nholds) {
		if (c->hold_tag[i] == tag) {
			size_t from = c->holds[i], to = c->hold_cend[i], d = to - from;
			unsigned j;
			memmove(c->io.obuf + from, c->io.obuf + to, c->io.oend - to);
			c->io.oend -= d;
			/* the dropped bytes may be a LOGIN password held for
			 * its "+": no copy stays behind the output, and the
			 * wipe mark moves with what it covered */
			lm_zeroize(c->io.obuf + c->io.oend, d);
			if (c->wipe_out && c->wipe_end > from)
				c->wipe_end = c->wipe_end >= to ? c->wipe_end - d : from;
			for (j = i + 1; j < c->nholds; j++) {
				c->holds[j - 1] = c->holds[j] - d;
				c->hold_cend[j - 1] = c->hold_cend[j] - d;
				c->hold_tag[j - 1] = c->hold_tag[j];
			}
			c->nholds--;
			/* a second hold of the same command is now gone too */
			while (i < c->nholds && c->hold_tag[i] == tag &&
			       c->holds[i] >= from && c->holds[i] < from + d) {
				memmove(&c->holds[i], &c->holds[i + 1],
				        (c->nholds - i - 1) * sizeof c->holds[0]);
				memmove(&c->hold_cend[i], &c->hold_cend[i + 1],
				        (c->nholds - i - 1) * sizeof c->hold_cend[0]);
				memmove(&c->hold_tag[i], &c->hold_tag[i + 1],
				        (c->nholds - i - 1) * sizeof c->hold_tag[0]);
				c->nholds--;
			}
			continue;
		}
		i++;
	}
}

static int
tagged(lm_imap_client *c, lm_imap_event *ev, const unsigned char *p, size_t n)
{
	size_t i = 0;
	uint64_t tag;
	lm_slice st;
	int qi, cmd, flags;

	/* tags are strings (RFC 9051 2.2.1): ours are "A" and a number
	 * without leading zeros, so "A01" or "A0001" answers no command
	 * even though its digits make 1 */
	if (n < 2 || p[0] != 'A' || p[1] == '0')
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	i = 1;
	if (!parse_num(p, n, &i, &tag) || i >= n || p[i] != ' ' || tag > 0xffffffffu)
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	qi = lm_imap__q_find(c, (lm_imap_handle)tag);
	if (qi < 0)
		return lm_imap__fail(c, LM_ERR_PROTOCOL);   /* a tag never sent */
	/* tags are predictable: a completion received before its command
	 * was queued was sent before the server could have read it */
	if (!heard(c, (unsigned)qi))
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	i++;
	st = word(p, n, &i);
	if (lm_core__ieqz(st.p, st.len, "OK"))
		ev->status = LM_IMAP_OK;
	else if (lm_core__ieqz(st.p, st.len, "NO"))
		ev->status = LM_IMAP_NO;
	else if (lm_core__ieqz(st.p, st.len, "BAD"))
		ev->status = LM_IMAP_BAD;
	else
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	parse_resp_text(c, ev, p, n, i);
	modseq_tagged(c);
	cmd = c->q[qi].cmd;
	flags = c->q[qi].flags;
	lm_imap__q_remove(c, (unsigned)qi);
	ev->type = LM_IMAP_EV_DONE;
	ev->cmd = (lm_imap_cmd)cmd;
	ev->handle = (lm_imap_handle)tag;
	/* An OK for a command whose literal the server never asked for
	 * (bytes still held for its "+", or an APPEND body not yet sent)
	 * would report work as done that never reached the server. NO and
	 * BAD before the "+" are a refusal and drop the held rest. */
	if (ev->status == LM_IMAP_OK &&
	    (holds_tag(c, (lm_imap_handle)tag) ||
	     (c->app_tag == tag && c->app_state != LM_IMAP__APP_NONE)))
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	if (c->nholds)
		drop_holds(c, (lm_imap_handle)tag);
	if (c->app_tag == tag) {
		c->app_tag = 0;
		if (c->app_state == LM_IMAP__APP_WAIT)
			c->app_state = LM_IMAP__APP_NONE;
	}
	switch (cmd) {
	case LM_IMAP_CMD_STARTTLS:
		c->tls_tag = 0;
		if (ev->status == LM_IMAP_OK) {
			if (c->io.iend > c->unit_end)
				return lm_imap__fail(c, LM_ERR_PROTOCOL);
			c->tls_wait = 1;
			ev->type = LM_IMAP_EV_TLS_READY;
		}
		break;
	case LM_IMAP_CMD_AUTHENTICATE:
	case LM_IMAP_CMD_LOGIN:
		if (cmd == LM_IMAP_CMD_AUTHENTICATE) {
			lm_sasl *s = c->sasl;
			c->sasl = NULL;
			c->auth_tag = 0;
			if (ev->status == LM_IMAP_OK && s != NULL) {
				/* success data in the code (rare) is not SASL data in
				 * IMAP; the mechanism must be satisfied already */
				if (lm_sasl_finish(s) != 0)
					return lm_imap__fail(c, LM_ERR_SASL);
			}
		}
		/* They may change (RFC 9051 6.2): unless the server told
		 * (a code here, or a list heard in lg_window()), no
		 * capability counts until it does (lm_imap__caps()). A
		 * list heard before a NO or BAD may be the one of either
		 * state: no capability counts either. */
		if (ev->status == LM_IMAP_OK) {
			set_state(c, LM_IMAP_STATE_AUTH);
			if (ev->code.code != LM_IMAP_CODE_CAPABILITY && !c->lg_heard)
				lm_imap__caps_forget(c);
		} else if (c->lg_heard) {
			lm_imap__caps_forget(c);
		}
		c->lg_sent = 0;
		c->lg_heard = 0;
		break;
	case LM_IMAP_CMD_CAPABILITY:
		/* RFC 9051 requires the untagged list before the OK; an OK
		 * without one still answers: nothing is offered (the list
		 * is known and empty), not "ask again" for ever */
		if (ev->status == LM_IMAP_OK && !c->caps_known)
			lm_imap__caps_set(c, (const unsigned char *)"", 0);
		break;
	case LM_IMAP_CMD_SELECT:
	case LM_IMAP_CMD_EXAMINE:
		if (c->sel_tag == tag) {
			c->sel_tag = 0;
			if (ev->status == LM_IMAP_OK) {
				set_state(c, LM_IMAP_STATE_SELECTED);
				if (c->state == LM_IMAP_STATE_SELECTED)
					c->mbx.selected = 1;
				if (cmd == LM_IMAP_CMD_EXAMINE)
					c->mbx.read_only = 1;
			} else {
				set_state(c, LM_IMAP_STATE_AUTH);
			}
		}
		break;
	case LM_IMAP_CMD_CLOSE:
	case LM_IMAP_CMD_UNSELECT:
		if (ev->status == LM_IMAP_OK && c->state == LM_IMAP_STATE_SELECTED)
			set_state(c, LM_IMAP_STATE_AUTH);
		break;
	case LM_IMAP_CMD_IDLE:
		c->idle = 0;
		c->idle_done_wanted = 0;
		c->idle_tag = 0;
		break;
	case LM_IMAP_CMD_ENABLE:
		break;
	default:
		break;
	}
	if (flags & LM_IMAP__QF_CHAIN) {
		/* a step of the MOVE fallback */
		if (ev->status == LM_IMAP_OK) {
			if (ev->code.code == LM_IMAP_CODE_COPYUID) {
				size_t l1 = ev->code.set1.len, l2 = ev->code.set2.len;
				if (l1 + l2 + 2 <= sizeof c->mv_cu) {
					/* a malformed COPYUID ("[COPYUID :102]",
					 * found by fuzz_imap_responses) leaves the
					 * sets empty, with NULL pointers */
					if (l1 > 0)
						memcpy(c->mv_cu, ev->code.set1.p, l1);
					if (l2 > 0)
						memcpy(c->mv_cu + l1 + 1, ev->code.set2.p, l2);
					c->mv_cu1 = l1;
					c->mv_cu2 = l2;
					c->mv_cu_num = ev->code.num;
				}
			}
			if (c->mv_step == 1 && !c->mv_uid &&
			    c->mbx.expunged + c->mbx.vanished != c->mv_exp) {
				/* renumbered before the COPY completed: a STORE
				 * of the same numbers would mark other messages */
				static const char why[] = "MOVE stopped after COPY: "
					"messages were renumbered, the originals stay";
				trace_note(c, why);
				ev->status = LM_IMAP_NO;
				ev->text.p = (const unsigned char *)why;
				ev->text.len = sizeof why - 1;
			} else {
				int r = lm_imap__move_next(c, (lm_imap_handle)tag);
				if (r < 0)
					return r;
				if (r == 1)
					return 0;     /* next step queued: no event */
			}
		}
		ev->cmd = LM_IMAP_CMD_MOVE;
		ev->handle = c->mv_tag;
		if (ev->status == LM_IMAP_OK && ev->code.code == LM_IMAP_CODE_NONE &&
		    c->mv_cu_num) {
			ev->code.code = LM_IMAP_CODE_COPYUID;
			ev->code.num = c->mv_cu_num;
			ev->code.set1.p = (const unsigned char *)c->mv_cu;
			ev->code.set1.len = c->mv_cu1;
			ev->code.set2.p = (const unsigned char *)c->mv_cu + c->mv_cu1 + 1;
			ev->code.set2.len = c->mv_cu2;
		}
		c->mv_tag = 0;
		c->mv_step = 0;
		c->mv_cu_num = 0;
	}
	return LM_EVENT;
}

/* ------------------------------------------------------------------ */
/* one response                                                        */
/* ------------------------------------------------------------------ */

/* "* n WORD" with n 0 or past 32 bits (num; UINT64_MAX past 64 bits,
 * with i at its first digit, else i after WORD). EXISTS and EXPUNGE set
 * the message numbering: one that cannot be read leaves every later
 * sequence number in doubt, so no resync (see imap.h); others are
 * skipped (LM_ERR_PROTOCOL, not sticky), 0 is fine for them (0: go on). */
static COLD int
bad_number(lm_imap_client *c, const unsigned char *p, size_t n, size_t i,
           uint64_t num)
{
	lm_slice kw;

	if (num == UINT64_MAX) {
		while (i < n && is_digit(p[i]))
			i++;
		if (i >= n || p[i] != ' ')
			return LM_ERR_PROTOCOL;
		i++;
		kw = word(p, n, &i);
	} else {
		size_t j = i;          /* back over WORD */
		while (j > 0 && p[j - 1] != ' ')
			j--;
		kw.p = p + j;
		kw.len = i - j;
	}
	if (lm_core__ieqz(kw.p, kw.len, "EXPUNGE") ||
	    (num != 0 && lm_core__ieqz(kw.p, kw.len, "EXISTS")))
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	return num != 0 ? LM_ERR_PROTOCOL : 0;
}

static int
untagged(lm_imap_client *c, lm_imap_event *ev, const unsigned char *p, size_t n)
{
	size_t i = 2;
	lm_slice kw;
	uint64_t num;
	lm_imap_reader r;
	lm_slice rest;
	int rc;

	if (n < 3 || p[1] != ' ')
		return LM_ERR_PROTOCOL;
	if (is_digit(p[i])) {
		if (!parse_num(p, n, &i, &num))
			return bad_number(c, p, n, i, UINT64_MAX);
		if (i >= n || p[i] != ' ')
			return LM_ERR_PROTOCOL;
		i++;
		kw = word(p, n, &i);
		if (num - 1 >= 0xffffffffu && (rc = bad_number(c, p, n, i, num)) != 0)
			return rc;
		ev->num = (uint32_t)num;
		if (lm_core__ieqz(kw.p, kw.len, "EXISTS")) {
			ev->type = LM_IMAP_EV_EXISTS;
			if (!mbx_stale(c))
				c->mbx.exists = (uint32_t)num;
			attribute(c, ev, B(LM_IMAP_CMD_SELECT) | B(LM_IMAP_CMD_EXAMINE));
		} else if (lm_core__ieqz(kw.p, kw.len, "RECENT")) {
			ev->type = LM_IMAP_EV_RECENT;
			if (!mbx_stale(c))
				c->mbx.recent = (uint32_t)num;
			attribute(c, ev, B(LM_IMAP_CMD_SELECT) | B(LM_IMAP_CMD_EXAMINE));
		} else if (lm_core__ieqz(kw.p, kw.len, "EXPUNGE")) {
			ev->type = LM_IMAP_EV_EXPUNGE;
			if (!mbx_stale(c)) {
				if (c->mbx.exists > 0)
					c->mbx.exists--;
				c->mbx.expunged++;
			}
			attribute(c, ev, B(LM_IMAP_CMD_EXPUNGE) | B(LM_IMAP_CMD_UID_EXPUNGE) |
			          B(LM_IMAP_CMD_MOVE) | B(LM_IMAP_CMD_CLOSE));
		} else if (lm_core__ieqz(kw.p, kw.len, "FETCH")) {
			skip_sp(p, n, &i);
			if (i >= n || p[i] != '(')
				return LM_ERR_PROTOCOL;
			i++;
			ev->type = LM_IMAP_EV_FETCH_BEGIN;
			attribute(c, ev, B(LM_IMAP_CMD_FETCH) | B(LM_IMAP_CMD_STORE));
			c->f_seq = (uint32_t)num;
			c->f_uid = 0;
			c->f_damaged = 0;
			c->f_handle = ev->handle;
			c->f_cmd = ev->cmd;
			ev->fetch.seq = c->f_seq;
			c->mode = LM_IMAP__M_FETCH;
			lm_imap__trace(c, 'S', p, i);
			c->io.ipos = (size_t)(p - c->io.ibuf) + i;
			return LM_EVENT + 1;     /* unit continues */
		} else {
			ev->type = LM_IMAP_EV_UNKNOWN;
			ev->value = kw;
			ev->text.p = p;
			ev->text.len = n;
		}
		return LM_EVENT;
	}
	kw = word(p, n, &i);
	rest.p = p + i;
	rest.len = n - i;
	lm_imap_reader_init(&r, rest);
	if (lm_core__ieqz(kw.p, kw.len, "OK") || lm_core__ieqz(kw.p, kw.len, "NO") ||
	    lm_core__ieqz(kw.p, kw.len, "BAD") || lm_core__ieqz(kw.p, kw.len, "BYE") ||
	    lm_core__ieqz(kw.p, kw.len, "PREAUTH")) {
		switch (lm_core__upper(kw.p[0])) {
		case 'O': ev->status = LM_IMAP_OK; break;
		case 'N': ev->status = LM_IMAP_NO; break;
		case 'P': ev->status = LM_IMAP_PREAUTH; break;
		default:
			ev->status = lm_core__upper(kw.p[1]) == 'A' ? LM_IMAP_BAD : LM_IMAP_BYE;
		}
		parse_resp_text(c, ev, p, n, i);
		if (c->state == LM_IMAP_STATE_GREETING) {
			ev->type = LM_IMAP_EV_GREETING;
			ev->cmd = LM_IMAP_CMD_GREETING;
			if (ev->status == LM_IMAP_OK) {
				set_state(c, LM_IMAP_STATE_NOT_AUTH);
			} else if (ev->status == LM_IMAP_PREAUTH) {
				if (c->opts.require_tls && !c->tls)
					return lm_imap__fail(c, LM_ERR_NO_STARTTLS);
				set_state(c, LM_IMAP_STATE_AUTH);
			} else if (ev->status == LM_IMAP_BYE) {
				c->bye = 1;
				set_state(c, LM_IMAP_STATE_LOGOUT);
			} else {
				return lm_imap__fail(c, LM_ERR_PROTOCOL);
			}
			return LM_EVENT;
		}
		if (ev->status == LM_IMAP_PREAUTH)
			return LM_ERR_PROTOCOL;
		/* Where a [CLOSED] would count (RFC 7162 3.2.11: what came
		 * before it was about the old mailbox), one without its ']'
		 * leaves the boundary unknown: not closed would count the old
		 * mailbox's EXPUNGE, VANISHED and MODSEQs for the new one,
		 * closed would be a guess. */
		if (c->sel_tag != 0 && !mbx_stale(c) && closed_unterminated(ev))
			return lm_imap__fail(c, LM_ERR_PROTOCOL);
		if (ev->code.code == LM_IMAP_CODE_CAPABILITY)
			c->lg_heard = lg_window(c);
		ev->type = LM_IMAP_EV_STATUS;
		if (ev->status == LM_IMAP_BYE) {
			c->bye = 1;
			set_state(c, LM_IMAP_STATE_LOGOUT);
		}
		if (c->q_count > 0 && heard(c, 0)) {
			ev->cmd = (lm_imap_cmd)c->q[0].cmd;
			ev->handle = c->q[0].tag;
		}
		return LM_EVENT;
	}
	if (c->state == LM_IMAP_STATE_GREETING)
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	if (lm_core__ieqz(kw.p, kw.len, "CAPABILITY")) {
		skip_sp(p, n, &i);
		while (n > i && p[n - 1] == ' ')
			n--;
		lm_imap__caps_set(c, p + i, n - i);
		c->lg_heard = lg_window(c);
		ev->type = LM_IMAP_EV_CAPABILITY;
		ev->text.p = p + i;
		ev->text.len = n - i;
		attribute(c, ev, B(LM_IMAP_CMD_CAPABILITY) | B(LM_IMAP_CMD_LOGIN) |
		          B(LM_IMAP_CMD_AUTHENTICATE) | B(LM_IMAP_CMD_STARTTLS));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "ENABLED")) {
		lm_imap_tok t;
		/* RFC 5161 3.2: ENABLED answers ENABLE, and only for what
		 * it asked. It counts while an ENABLE is the oldest
		 * outstanding command (the server answers in order) and
		 * was queued before the response began, for the
		 * extensions that ENABLE named; anything else (after TLS,
		 * during another command, received before the ENABLE was
		 * queued, an extension not asked for) is reported
		 * unattributed and changes nothing: it must not switch the
		 * mailbox name encoding. */
		int mine = c->q_count > 0 && c->q[0].cmd == LM_IMAP_CMD_ENABLE &&
		           heard(c, 0);
		unsigned ask = mine ? c->q[0].en : 0;
		ev->type = LM_IMAP_EV_ENABLED;
		skip_sp(p, n, &i);
		ev->text.p = p + i;
		ev->text.len = n - i;
		while (lm_imap_read(&r, &t) == LM_IMAP_TOK_ATOM)
			c->enabled |= lm_imap__en_bits(t.s.p, t.s.len) & ask;
		if (mine)
			attribute(c, ev, B(LM_IMAP_CMD_ENABLE));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "LIST") || lm_core__ieqz(kw.p, kw.len, "LSUB")) {
		ev->type = LM_IMAP_EV_LIST;
		ev->list.lsub = lm_core__upper(kw.p[1]) == 'S';
		rc = parse_list(c, ev, &r);
		if (rc < 0)
			return rc;
		attribute(c, ev, B(LM_IMAP_CMD_LIST) | B(LM_IMAP_CMD_LSUB));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "STATUS")) {
		ev->type = LM_IMAP_EV_STATUS_DATA;
		rc = parse_status(c, ev, &r);
		if (rc < 0)
			return rc;
		attribute(c, ev, B(LM_IMAP_CMD_STATUS) | B(LM_IMAP_CMD_LIST));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "SEARCH") || lm_core__ieqz(kw.p, kw.len, "SORT")) {
		size_t k;
		ev->type = LM_IMAP_EV_SEARCH;
		for (k = i; k < n; k++)
			if (!is_digit(p[k]) && p[k] != ' ' && p[k] != '(' && p[k] != ')' &&
			    lm_core__upper(p[k]) < 'A')
				return LM_ERR_PROTOCOL;
		search_nums(ev, p, n, i);
		attribute(c, ev, B(LM_IMAP_CMD_SEARCH));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "ESEARCH")) {
		ev->type = LM_IMAP_EV_ESEARCH;
		rc = parse_esearch(ev, &r);
		if (rc < 0)
			return rc;
		attribute(c, ev, B(LM_IMAP_CMD_SEARCH));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "VANISHED")) {
		lm_imap_tok t;
		lm_imap_reader save = r;
		uint32_t k;
		ev->type = LM_IMAP_EV_VANISHED;
		if (lm_imap_read(&r, &t) == LM_IMAP_TOK_OPEN) {
			ev->vanished.earlier = 1;
		} else {
			r = save;
		}
		/* expunged messages (see EXPUNGE): no resync */
		if ((lm_imap_read(&r, &t) != LM_IMAP_TOK_ATOM &&
		     t.type != LM_IMAP_TOK_NUMBER) || !set_count(t.s, &k))
			return lm_imap__fail(c, LM_ERR_PROTOCOL);
		ev->vanished.uids = t.s;
		if (!ev->vanished.earlier && !mbx_stale(c)) {
			c->mbx.exists = c->mbx.exists > k ? c->mbx.exists - k : 0;
			c->mbx.vanished += k;
		}
		attribute(c, ev, B(LM_IMAP_CMD_SELECT) | B(LM_IMAP_CMD_EXAMINE) |
		          B(LM_IMAP_CMD_FETCH) | B(LM_IMAP_CMD_EXPUNGE) |
		          B(LM_IMAP_CMD_UID_EXPUNGE) | B(LM_IMAP_CMD_MOVE));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "FLAGS")) {
		lm_imap_tok t;
		if (lm_imap_read(&r, &t) != LM_IMAP_TOK_OPEN)
			return LM_ERR_PROTOCOL;
		ev->type = LM_IMAP_EV_FLAGS;
		ev->value.p = t.s.p + 1;
		ev->value.len = t.s.len - 2;
		if (!mbx_stale(c)) {
			c->flags_len = keep_flags(c->flags, sizeof c->flags, ev->value);
			c->mbx.flags.p = c->flags;
			c->mbx.flags.len = c->flags_len;
		}
		attribute(c, ev, B(LM_IMAP_CMD_SELECT) | B(LM_IMAP_CMD_EXAMINE));
		return LM_EVENT;
	}
	if (lm_core__ieqz(kw.p, kw.len, "NAMESPACE") || lm_core__ieqz(kw.p, kw.len, "ID") ||
	    lm_core__ieqz(kw.p, kw.len, "QUOTA") || lm_core__ieqz(kw.p, kw.len, "QUOTAROOT")) {
		lm_imap_tok t;
		int k = lm_core__upper(kw.p[0]) == 'N' ? 0 :
		        lm_core__upper(kw.p[0]) == 'I' ? 1 : kw.len == 5 ? 2 : 3;
		if (k >= 2) {
			lm_imap_read(&r, &t);
			if (t.type != LM_IMAP_TOK_STRING && t.type != LM_IMAP_TOK_ATOM &&
			    t.type != LM_IMAP_TOK_NUMBER)
				return LM_ERR_PROTOCOL;
			if (set_mailbox(c, ev, &t) < 0)
				return LM_ERR_PROTOCOL;
		}
		skip_sp(r.p, r.len, &r.pos);
		ev->value.p = r.p + r.pos;
		ev->value.len = r.len - r.pos;
		/* check the value is well formed */
		{
			lm_imap_reader v = r;
			while (lm_imap_read(&v, &t) != LM_IMAP_TOK_END)
				if (t.type == LM_IMAP_TOK_ERROR || t.type == LM_IMAP_TOK_CLOSE)
					return LM_ERR_PROTOCOL;
		}
		switch (k) {
		case 0:
			ev->type = LM_IMAP_EV_NAMESPACE;
			attribute(c, ev, B(LM_IMAP_CMD_NAMESPACE));
			break;
		case 1:
			ev->type = LM_IMAP_EV_ID;
			attribute(c, ev, B(LM_IMAP_CMD_ID));
			break;
		case 2:
			ev->type = LM_IMAP_EV_QUOTA;
			attribute(c, ev, B(LM_IMAP_CMD_GETQUOTA) | B(LM_IMAP_CMD_GETQUOTAROOT));
			break;
		default:
			ev->type = LM_IMAP_EV_QUOTAROOT;
			attribute(c, ev, B(LM_IMAP_CMD_GETQUOTAROOT));
			break;
		}
		return LM_EVENT;
	}
	/* LM_IMAP_LENIENT_RESYNC: unknown response kept raw */
	ev->type = LM_IMAP_EV_UNKNOWN;
	ev->value = kw;
	ev->text.p = p;
	ev->text.len = n;
	return LM_EVENT;
}

/* Parse the unit [ipos, unit_end) in line mode. */
static int
response(lm_imap_client *c, lm_imap_event *ev)
{
	const unsigned char *p = c->io.ibuf + c->io.ipos;
	size_t n = c->unit_lend - c->io.ipos;
	int r;

	if (n > 0 && p[0] == '+') {
		lm_imap__trace(c, 'S', p, n);
		r = continuation(c, ev, p, n);   /* ipos at its start: heard() */
		unit_done(c);
		return r;
	}
	if (n > 0 && p[0] == '*') {
		r = untagged(c, ev, p, n);
		if (r == LM_EVENT + 1)
			return LM_EVENT;             /* FETCH begun */
		if (c->unit_lit) {
			/* the unit ends at a body literal but is no FETCH we
			 * understand: its data cannot be skipped safely */
			return lm_imap__fail(c, LM_ERR_PROTOCOL);
		}
		if (r < 0) {
			if (c->err)
				return c->err;
			/* LM_IMAP_LENIENT_RESYNC: report raw and go on */
			c->ms_hold = 1;        /* a change may be in it */
			event_zero(ev);
			ev->type = LM_IMAP_EV_UNKNOWN;
			ev->text.p = p;
			ev->text.len = n;
			{
				size_t i = 2;
				if (n > 2 && is_digit(p[2])) {
					/* any length: the value names the response */
					while (i < n && is_digit(p[i]))
						i++;
					skip_sp(p, n, &i);
				}
				ev->value = word(p, n, &i);
			}
			r = LM_EVENT;
		}
		lm_imap__trace(c, 'S', p, n);
		unit_done(c);
		return r;
	}
	if (c->state == LM_IMAP_STATE_GREETING)
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	lm_imap__trace(c, 'S', p, n);
	r = tagged(c, ev, p, n);
	if (r >= 0)
		unit_done(c);
	return r;
}

/* A long SEARCH line: deliver the numbers before the last space. */
static int
search_piece(lm_imap_client *c, lm_imap_event *ev, int first)
{
	const unsigned char *p = c->io.ibuf;
	size_t s = c->io.ipos, e = c->io.iend;

	if (first)
		s += 9;                                 /* "* SEARCH " */
	while (e > s && p[e - 1] != ' ')
		e--;
	if (e <= s)
		return lm_imap__fail(c, LM_ERR_LINE_TOO_LONG);
	{
		size_t k;
		for (k = s; k < e; k++)
			if (!is_digit(p[k]) && p[k] != ' ')
				return lm_imap__fail(c, LM_ERR_PROTOCOL);
	}
	ev->type = LM_IMAP_EV_SEARCH;
	if (first)
		attribute(c, ev, B(LM_IMAP_CMD_SEARCH));
	else {
		ev->handle = c->s_handle;
		ev->cmd = c->s_handle ? LM_IMAP_CMD_SEARCH : LM_IMAP_CMD_NONE;
	}
	c->s_handle = ev->handle;
	ev->search.nums.p = p + s;
	ev->search.nums.len = e - 1 - s;
	ev->search.more = 1;
	c->io.ipos = e;
	c->scan = c->io.ipos;
	c->mode = LM_IMAP__M_SEARCH;
	return LM_EVENT;
}

/* ------------------------------------------------------------------ */
/* APPEND body pump                                                    */
/* ------------------------------------------------------------------ */

static int
pump_append(lm_imap_client *c)
{
	while (c->app_state == LM_IMAP__APP_BODY) {
		size_t room, want, got = 0;
		int r;
		if (c->io.ostart > 0 && c->io.ostart == c->io.oend) {
			c->io.ostart = c->io.oend = 0;
		}
		if (c->app_left == 0) {
			if (c->io.olen - c->io.oend < 2)
				return 0;
			c->io.obuf[c->io.oend++] = '\r';
			c->io.obuf[c->io.oend++] = '\n';
			c->app_state = LM_IMAP__APP_NONE;
			lm_imap__trace(c, 'C', "", 0);
			return 0;
		}
		/* holds of earlier commands may wait for their "+": they
		 * move with the bytes */
		room = lm_imap__compact_out(c);
		if (room == 0)
			return 0;
		want = room;
		if ((uint64_t)want > c->app_left)
			want = (size_t)c->app_left;
		r = c->app_rd(c->app_ud, c->io.obuf + c->io.oend, want, &got);
		if (r < 0)
			return lm_imap__fail(c, r);
		if (got > want)
			got = want;
		if (got == 0)
			return lm_imap__fail(c, LM_ERR_CALLBACK);  /* ended early */
		c->io.oend += got;
		c->app_left -= got;
		if (c->io.oend - c->io.ostart >= c->io.olen / 2 && c->app_left > 0)
			return 0;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* next                                                                */
/* ------------------------------------------------------------------ */

/* see imap.h */
int
lm_imap_next(lm_imap_client *c, lm_imap_event *ev)
{
	int r;

	if (c == NULL || ev == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->err)
		return c->err;
	if (c->closed_sent)
		return LM_DONE;
	/* The handshake failed and the connection is gone (recv_eof): that
	 * is final, not a wait for tls_done(). */
	if (c->tls_wait)
		return c->eof ? lm_imap__fail(c, LM_ERR_EOF) : LM_ERR_BAD_STATE;
	for (;;) {
		event_zero(ev);
		if (c->app_state == LM_IMAP__APP_BODY) {
			r = pump_append(c);
			if (r < 0)
				return r;
		}
		if (lm_imap__send_end(c) > c->io.ostart)
			return LM_WANT_WRITE;
		if (c->pend_err)
			return lm_imap__fail(c, c->pend_err);
		switch (c->mode) {
		case LM_IMAP__M_STREAM:
		case LM_IMAP__M_SKIPLIT: {
			size_t avail = c->io.iend - c->io.ipos, k = avail;
			if (c->lit_left == 0) {
				c->mode = c->mode == LM_IMAP__M_STREAM ? LM_IMAP__M_FETCH :
				          LM_IMAP__M_SKIP;
				continue;
			}
			if (avail == 0)
				goto need_more;
			if ((uint64_t)k > c->lit_left)
				k = (size_t)c->lit_left;
			if (c->mode == LM_IMAP__M_SKIPLIT) {
				c->io.ipos += k;
				c->lit_left -= k;
				continue;
			}
			fetch_common(c, ev);
			fetch_section_fields(c, ev);
			ev->type = LM_IMAP_EV_FETCH_DATA;
			ev->fetch.data.p = c->io.ibuf + c->io.ipos;
			ev->fetch.data.len = k;
			ev->fetch.offset = c->lit_total - c->lit_left;
			ev->fetch.total = c->lit_total;
			c->io.ipos += k;
			c->scan = c->io.ipos;
			c->lit_left -= k;
			ev->fetch.last = c->lit_left == 0;
			if (c->opts.trace && ev->fetch.last) {
				char note[64];
				size_t l = 0;
				uint64_t v = c->lit_total;
				char d[24];
				int nd = 0;
				do {
					d[nd++] = (char)('0' + v % 10);
					v /= 10;
				} while (v);
				note[l++] = '<';
				while (nd)
					note[l++] = d[--nd];
				memcpy(note + l, " literal bytes>", 15);
				l += 15;
				lm_imap__trace(c, 'S', note, l);
			}
			if (ev->fetch.last)
				c->mode = LM_IMAP__M_FETCH;
			return LM_EVENT;
		}
		case LM_IMAP__M_SEARCH: {
			const unsigned char *lf = c->io.ipos < c->io.iend ?
				memchr(c->io.ibuf + c->io.ipos, '\n', c->io.iend - c->io.ipos) : NULL;
			if (lf == NULL) {
				if (c->io.iend - c->io.ipos >= c->io.ilen)
					return search_piece(c, ev, 0);
				goto need_more;
			}
			{
				size_t e = (size_t)(lf - c->io.ibuf), n = e;
				size_t k;
				if (n > c->io.ipos && c->io.ibuf[n - 1] == '\r')
					n--;
				for (k = c->io.ipos; k < n; k++)
					if (!is_digit(c->io.ibuf[k]) && c->io.ibuf[k] != ' ' &&
					    c->io.ibuf[k] != '(' && c->io.ibuf[k] != ')' &&
					    lm_core__upper(c->io.ibuf[k]) < 'A')
						return lm_imap__fail(c, LM_ERR_PROTOCOL);
				ev->type = LM_IMAP_EV_SEARCH;
				ev->handle = c->s_handle;
				ev->cmd = c->s_handle ? LM_IMAP_CMD_SEARCH : LM_IMAP_CMD_NONE;
				search_nums(ev, c->io.ibuf, n, c->io.ipos);
				c->io.ipos = e + 1;
				c->scan = c->io.ipos;
				c->mode = LM_IMAP__M_LINE;
				c->s_handle = 0;
				return LM_EVENT;
			}
		}
		default:
			break;
		}
		if (c->unit_end == 0) {
			r = frag(c);
			if (r < 0)
				return r;
			if (r == 2) {
				r = search_piece(c, ev, 1);
				return r;
			}
			if (r == 0)
				goto need_more;
		}
		if (c->mode == LM_IMAP__M_FETCH) {
			r = fetch_item(c, ev);
			if (r == LM_EVENT)
				return r;
			if (r == 0)
				continue;          /* streaming starts */
			if (c->err)
				return c->err;
			/* LM_IMAP_LENIENT_RESYNC inside FETCH */
			fetch_damage(c);
			if (c->mode == LM_IMAP__M_LINE) {
				event_zero(ev);
				fetch_common(c, ev);
				ev->type = LM_IMAP_EV_FETCH_END;
				ev->fetch.damaged = 1;
				modseq_fetch_end(c, 1);
				return LM_EVENT;
			}
			continue;
		}
		if (c->mode == LM_IMAP__M_SKIP) {
			if (c->unit_lit) {
				fetch_damage(c);
				continue;
			}
			unit_done(c);
			c->mode = LM_IMAP__M_LINE;
			fetch_common(c, ev);
			ev->type = LM_IMAP_EV_FETCH_END;
			ev->fetch.damaged = 1;
			modseq_fetch_end(c, 1);
			return LM_EVENT;
		}
		r = response(c, ev);
		if (r != 0)
			return r;
		/* an internal step (continuation, MOVE chain): go on */
	}
need_more:
	if (c->eof) {
		if (c->bye || c->state == LM_IMAP_STATE_LOGOUT) {
			c->closed_sent = 1;
			set_state(c, LM_IMAP_STATE_CLOSED);
			event_zero(ev);
			ev->type = LM_IMAP_EV_CLOSED;
			return LM_EVENT;
		}
		return lm_imap__fail(c, LM_ERR_EOF);
	}
	return LM_WANT_READ;
}
