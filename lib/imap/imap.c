/*
 * libmail - IMAP client engine: buffers, capabilities, the command queue
 * and lm_imap_next(), which drives the response parser: the
 * fragmentizer (frag.c), FETCH responses (fetch.c), untagged responses
 * (untagged.c), continuation requests and tagged responses (tagged.c).
 * Commands are in cmd.c (the builder, session and authentication),
 * cmd_mailbox.c and cmd_message.c, the SEARCH criteria builder in
 * search.c, the string encoder in encode.c; the readers of values: the
 * list scanner (span.c), the token reader (read.c), ENVELOPE and
 * addresses (envelope.c), BODYSTRUCTURE (body.c). The name tables are
 * at the end.
 *
 * Input: ibuf[ipos..iend) holds unparsed bytes. The fragmentizer
 * (lm_imap__frag()) finds the end of the next unit: a response line
 * with its held (small) literals, or, in a FETCH response, everything
 * up to a body-section literal header, whose data is then streamed
 * (M_STREAM) without ever being looked at as protocol text. Positions
 * (scan, lit_skip_to, unit_end, unit_lend) are absolute in ibuf and
 * moved when lm_imap_recv_buf() compacts the buffer.
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

/* see internal.h */
void
lm_imap__trace_note(lm_imap_client *c, const char *s)
{
	lm_imap__trace(c, '*', s, strlen(s));
}

/* The only function that changes the session state; debug builds note
 * every change in the trace. */
void
lm_imap__set_state(lm_imap_client *c, int st)
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

/* Parse a decimal number at p[*i..n); 1 and *v on success. */
int
lm_imap__parse_num(const unsigned char *p, size_t n, size_t *i, uint64_t *v)
{
	size_t j = *i;
	uint64_t x = 0;
	if (j >= n || !lm_imap__is_digit(p[j]))
		return 0;
	while (j < n && lm_imap__is_digit(p[j])) {
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

/* A bare word: up to SP, '(', ')', '[', ']' or the end. */
lm_slice
lm_imap__word(const unsigned char *p, size_t n, size_t *i)
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
	{ "STATUS=SIZE", LM_IMAP__CAP_STATUSSIZE },
	{ "SEARCHRES", LM_IMAP__CAP_SEARCHRES }
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
	c->lg_heard = 0;      /* lm_imap__untagged(): lg_window() */
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
	lm_imap__trace_note(c, "TLS established");
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

/* ------------------------------------------------------------------ */
/* one response                                                        */
/* ------------------------------------------------------------------ */

/* Parse the unit [ipos, unit_end) in line mode. */
static int
response(lm_imap_client *c, lm_imap_event *ev)
{
	const unsigned char *p = c->io.ibuf + c->io.ipos;
	size_t n = c->unit_lend - c->io.ipos;
	int r;

	if (n > 0 && p[0] == '+') {
		lm_imap__trace(c, 'S', p, n);
		/* ipos at its start: lm_imap__heard() */
		r = lm_imap__continuation(c, ev, p, n);
		lm_imap__unit_done(c);
		return r;
	}
	if (n > 0 && p[0] == '*') {
		r = lm_imap__untagged(c, ev, p, n);
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
				if (n > 2 && lm_imap__is_digit(p[2])) {
					/* any length: the value names the response */
					while (i < n && lm_imap__is_digit(p[i]))
						i++;
					lm_imap__skip_sp(p, n, &i);
				}
				ev->value = lm_imap__word(p, n, &i);
			}
			r = LM_EVENT;
		}
		lm_imap__trace(c, 'S', p, n);
		lm_imap__unit_done(c);
		return r;
	}
	if (c->state == LM_IMAP_STATE_GREETING)
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	lm_imap__trace(c, 'S', p, n);
	r = lm_imap__tagged(c, ev, p, n);
	if (r >= 0)
		lm_imap__unit_done(c);
	return r;
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
			lm_imap__fetch_common(c, ev);
			lm_imap__fetch_section_fields(c, ev);
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
					return lm_imap__search_piece(c, ev, 0);
				goto need_more;
			}
			{
				size_t e = (size_t)(lf - c->io.ibuf), n = e;
				size_t k;
				if (n > c->io.ipos && c->io.ibuf[n - 1] == '\r')
					n--;
				for (k = c->io.ipos; k < n; k++)
					if (!lm_imap__is_digit(c->io.ibuf[k]) &&
					    c->io.ibuf[k] != ' ' && c->io.ibuf[k] != '(' &&
					    c->io.ibuf[k] != ')' &&
					    lm_core__upper(c->io.ibuf[k]) < 'A')
						return lm_imap__fail(c, LM_ERR_PROTOCOL);
				ev->type = LM_IMAP_EV_SEARCH;
				ev->handle = c->s_handle;
				ev->cmd = c->s_handle ? LM_IMAP_CMD_SEARCH : LM_IMAP_CMD_NONE;
				lm_imap__search_nums(ev, c->io.ibuf, n, c->io.ipos);
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
			r = lm_imap__frag(c);
			if (r < 0)
				return r;
			if (r == 2) {
				r = lm_imap__search_piece(c, ev, 1);
				return r;
			}
			if (r == 0)
				goto need_more;
		}
		if (c->mode == LM_IMAP__M_FETCH) {
			r = lm_imap__fetch_item(c, ev);
			if (r == LM_EVENT)
				return r;
			if (r == 0)
				continue;          /* streaming starts */
			if (c->err)
				return c->err;
			/* LM_IMAP_LENIENT_RESYNC inside FETCH */
			lm_imap__fetch_damage(c);
			if (c->mode == LM_IMAP__M_LINE) {
				event_zero(ev);
				lm_imap__fetch_common(c, ev);
				ev->type = LM_IMAP_EV_FETCH_END;
				ev->fetch.damaged = 1;
				lm_imap__modseq_fetch_end(c, 1);
				return LM_EVENT;
			}
			continue;
		}
		if (c->mode == LM_IMAP__M_SKIP) {
			if (c->unit_lit) {
				lm_imap__fetch_damage(c);
				continue;
			}
			lm_imap__unit_done(c);
			c->mode = LM_IMAP__M_LINE;
			lm_imap__fetch_common(c, ev);
			ev->type = LM_IMAP_EV_FETCH_END;
			ev->fetch.damaged = 1;
			lm_imap__modseq_fetch_end(c, 1);
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
			lm_imap__set_state(c, LM_IMAP_STATE_CLOSED);
			event_zero(ev);
			ev->type = LM_IMAP_EV_CLOSED;
			return LM_EVENT;
		}
		return lm_imap__fail(c, LM_ERR_EOF);
	}
	return LM_WANT_READ;
}

/* ------------------------------------------------------------------ */
/* names                                                               */
/* ------------------------------------------------------------------ */

static const char *const cmd_names[] = {
	"NONE", "GREETING", "CAPABILITY", "NOOP", "LOGOUT", "STARTTLS",
	"AUTHENTICATE", "LOGIN", "ENABLE", "ID", "NAMESPACE", "SELECT",
	"EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE",
	"LIST", "LSUB", "STATUS", "APPEND", "CHECK", "CLOSE", "UNSELECT",
	"EXPUNGE", "UID_EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE",
	"IDLE", "GETQUOTAROOT", "GETQUOTA"
};

/* see imap.h */
const char *
lm_imap_cmd_name(lm_imap_cmd cmd)
{
	if ((unsigned)cmd < sizeof cmd_names / sizeof cmd_names[0])
		return cmd_names[cmd];
	return "?";
}

static const char *const ev_names[] = {
	"?", "GREETING", "DONE", "STATUS", "TLS_READY", "IDLE_STARTED",
	"CAPABILITY", "ENABLED", "LIST", "STATUS_DATA", "SEARCH", "ESEARCH",
	"EXISTS", "RECENT", "EXPUNGE", "VANISHED", "FLAGS", "NAMESPACE", "ID",
	"QUOTA", "QUOTAROOT", "FETCH_BEGIN", "FETCH_ITEM", "FETCH_DATA",
	"FETCH_END", "UNKNOWN", "CONTINUE", "CLOSED"
};

/* see imap.h */
const char *
lm_imap_event_name(lm_imap_event_type t)
{
	if ((unsigned)t < sizeof ev_names / sizeof ev_names[0])
		return ev_names[t];
	return "?";
}

static const char *const code_names[] = {
	"NONE", "OTHER", "ALERT", "BADCHARSET", "CAPABILITY", "PARSE",
	"PERMANENTFLAGS", "READ-ONLY", "READ-WRITE", "TRYCREATE", "UIDNEXT",
	"UIDVALIDITY", "UNSEEN", "APPENDUID", "COPYUID", "UIDNOTSTICKY",
	"HIGHESTMODSEQ", "NOMODSEQ", "MODIFIED", "CLOSED", "UNAVAILABLE",
	"AUTHENTICATIONFAILED", "AUTHORIZATIONFAILED", "EXPIRED",
	"PRIVACYREQUIRED", "CONTACTADMIN", "NOPERM", "INUSE", "EXPUNGEISSUED",
	"CORRUPTION", "SERVERBUG", "CLIENTBUG", "CANNOT", "LIMIT", "OVERQUOTA",
	"ALREADYEXISTS", "NONEXISTENT", "HASCHILDREN", "NOTSAVED",
	"UNKNOWN-CTE", "COMPRESSIONACTIVE", "USEATTR", "APPENDLIMIT"
};

/* see imap.h */
const char *
lm_imap_code_name(lm_imap_code code)
{
	if ((unsigned)code < sizeof code_names / sizeof code_names[0])
		return code_names[code];
	return "?";
}

static const char *const item_names[] = {
	"OTHER", "FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE",
	"BODYSTRUCTURE", "BODY", "BODY[]", "BINARY[]", "BINARY.SIZE", "RFC822",
	"RFC822.HEADER", "RFC822.TEXT", "MODSEQ", "EMAILID", "THREADID",
	"SAVEDATE"
};

/* see imap.h */
const char *
lm_imap_item_name(lm_imap_item item)
{
	if ((unsigned)item < sizeof item_names / sizeof item_names[0])
		return item_names[item];
	return "?";
}

/* see imap.h */
const char *
lm_imap_result_name(lm_imap_result s)
{
	static const char *const n[] = { "NONE", "OK", "NO", "BAD", "BYE", "PREAUTH" };
	if ((unsigned)s < sizeof n / sizeof n[0])
		return n[s];
	return "?";
}
