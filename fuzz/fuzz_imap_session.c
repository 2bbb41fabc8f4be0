/*
 * A whole IMAP session over the scripted transport and fake TLS layer of
 * fuzz/harness.h: the input says what the server sends, read by read,
 * and what the TLS layer does (handshake ok, slow, failing; connection
 * closed with or without close_notify at any read, in the middle of a
 * response or a FETCH literal; writes accepted only in part). The
 * client does what a mail reader does: CAPABILITY when the greeting has
 * none, STARTTLS, LOGIN or AUTHENTICATE PLAIN, SELECT INBOX, FETCH
 * BODY.PEEK[] of 1:*, IDLE then DONE, APPEND of a message with a
 * synchronising literal, LOGOUT. (fuzz_imap_responses.c stresses the
 * response parser; this harness stresses the session and the transport.)
 *
 * Input header (3 bytes), then the TLS-layer script (fuzz/harness.h: a
 * length byte and that many op bytes), then the server's bytes:
 *   [0] 0x01 require_tls  0x02 implicit TLS  0x04 use_literal_plus
 *       0x08 AUTHENTICATE PLAIN instead of LOGIN  0x10 IDLE  0x20 APPEND
 *       0x40 acknowledge "normal" writes in halves  0x80 STARTTLS even
 *       when TLS is not required
 *   [1] chunk size of "normal" reads (0: all at once; 255: 1..7 cycling)
 *   [2] low 7 bits: input buffer LM_IMAP_BUFSIZE_MIN + 256 * n (capped at
 *       LM_IMAP_BUFSIZE_IN); 0x80: ignore the reply boundary (reads are
 *       not cut after a line, fuzz/harness.h: bytes after the OK to
 *       STARTTLS, or a tagged OK before its command was queued, then
 *       come in the same read: the engine must fail)
 *
 * Invariants (abort on failure), besides fuzz/harness.h's (nothing
 * written between the OK to STARTTLS and tls_done, commands refused
 * meanwhile, a failed handshake ends in an error with nothing written,
 * final state in bounded steps after every kind of cut):
 *  - with require_tls and no TLS, no LOGIN or AUTHENTICATE byte and no
 *    APPEND is in the output, and lm_imap_login()/authenticate() refuse;
 *  - the trace never shows the password;
 *  - errors are sticky: next(), last_error(), commands and tls_done()
 *    return the same code;
 *  - slices of events lie inside the input buffer or the context;
 *  - FETCH_DATA pieces of one section are contiguous, never exceed the
 *    announced total, are bytes that were fed (as a literal or a quoted
 *    string), and only the last one
 *    (offset + length == total) completes the section; FETCH_END only
 *    between FETCH_BEGIN and it, and never while a section is open (a
 *    literal cut by EOF never ends its FETCH);
 *  - the APPEND body is pulled only after a "+" line was fed (unless a
 *    non-synchronising literal may be used), never beyond its size, and
 *    a tagged OK to APPEND comes only after the whole body was pulled;
 *  - IDLE_STARTED only after IDLE was sent;
 *  - after a LOGIN/AUTHENTICATE OK without a [CAPABILITY] code the
 *    capabilities are known only if "CAPABILITY" (any case) was fed
 *    after the command was queued (a list that came after it);
 *  - after the OK of CAPABILITY they are known (empty if no list came);
 *  - nothing is ever enabled: the client sends no ENABLE, and an
 *    ENABLED it did not ask for switches nothing (RFC 5161 3.2).
 */
#include <string.h>

#include "libmail/imap.h"
#include "libmail/sasl.h"
#include "libmail/core.h"
#include "harness.h"
#include "imap_bounds.h"

static const char PASS[] = "s3cr3t-pw";
#define APP_SIZE 300u

typedef struct {
	lm_imap_client c;
	lm_sasl sasl;
	lm_sasl_creds cr;
	unsigned char *ibuf, obuf[LM_IMAP_BUFSIZE_OUT];
	size_t ilen;
	unsigned f0;
	int require_tls, implicit;
	int tried_tls, tried_auth, selected, fetched, idled, appended, logged_out;
	size_t auth_from;             /* bytes fed when LOGIN/AUTH was queued */
	int in_fetch, data_open;
	uint64_t data_off;
	lm_imap_handle app_tag, idle_tag;
	int app_sync;
	size_t app_from, app_left;
	fz_io io;
} client;

FZ_GLUE(lm_imap, client, c, lm_imap_event, fz_imap_bounds)

static client K;

/* The password, and the AUTHENTICATE PLAIN message "\0alice\0s3cr3t-pw"
 * in base64 (python3 base64). */
static const char *const secrets[] = { "s3cr3t", "AGFsaWNlAHMzY3IzdC1wdw", NULL };

/* Bytes fed since the engine last had its buffer empty: where a server
 * reply to a command queued now can start at the earliest. */
static size_t
reply_from(client *k)
{
	size_t room = 0, held;

	(void)lm_imap_recv_buf(&k->c, &room);
	held = k->ilen - room;
	return held < k->io.off ? k->io.off - held : 0;
}

/* A "+" at the start of a line fed since k->app_from. */
static int
plus_fed(const client *k)
{
	size_t i;

	for (i = k->app_from; i < k->io.off; i++)
		if (k->io.in[i] == '+' && (i == 0 || k->io.in[i - 1] == '\n'))
			return 1;
	return 0;
}

/* "CAPABILITY" in any case among the bytes fed since from. */
static int
caps_fed_since(const client *k, size_t from)
{
	static const char w[] = "capability";
	size_t i, j;

	for (i = from; i + sizeof w - 1 <= k->io.off; i++) {
		for (j = 0; j < sizeof w - 1; j++)
			if ((k->io.in[i + j] | 0x20) != w[j])
				break;
		if (j == sizeof w - 1)
			return 1;
	}
	return 0;
}

/* d was fed as it is (a literal) or as the content of a quoted string
 * (a backslash before a byte removed). */
static int
was_fed(const client *k, lm_slice d)
{
	const uint8_t *in = k->io.in;
	size_t n = k->io.off, i, j, m;

	if (fz_memmem(in, n, d.p, d.len) != NULL)
		return 1;
	for (i = 0; i + d.len <= n; i++) {
		for (j = i, m = 0; m < d.len && j < n; m++) {
			if (in[j] == '\\' && j + 1 < n && in[j + 1] == d.p[m])
				j += 2;
			else if (in[j] == d.p[m])
				j++;
			else
				break;
		}
		if (m == d.len)
			return 1;
	}
	return 0;
}

static int
app_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	client *k = ud;
	size_t n = k->app_left < cap ? k->app_left : cap, i;

	FZ_CHECK(k->app_left > 0, "APPEND body not read past its size");
	FZ_CHECK(!fzg_tls_gate(k), "no message bytes before TLS");
	if (k->app_sync)
		FZ_CHECK(plus_fed(k), "synchronising literal sent only after \"+\"");
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)("Subject: x\r\n\r\nbody\r\n"[(APP_SIZE - k->app_left + i) % 20]);
	k->app_left -= n;
	*got = n;
	return 0;
}

static int
in_range(const client *k, lm_slice x)
{
	const unsigned char *lo2 = (const unsigned char *)&k->c;
	if (x.len == 0)
		return 1;
	return (x.p >= k->ibuf && x.p + x.len <= k->ibuf + k->ilen) ||
	       (x.p >= lo2 && x.p + x.len <= lo2 + sizeof k->c);
}

static void
check_out(void *ud)
{
	client *k = ud;
	size_t n;
	const unsigned char *p = lm_imap_send_buf(&k->c, &n);

	if (!fzg_tls_gate(k))
		return;
	FZ_CHECK(fz_find(p, n, "LOGIN") == NULL && fz_find(p, n, "AUTHENTICATE") == NULL &&
	         fz_find(p, n, "APPEND") == NULL,
	         "no credentials or message before TLS with require_tls");
}

static void
react(client *k)
{
	lm_imap_client *c = &k->c;
	int state = lm_imap_get_state(c), r;

	if (lm_imap_pending(c) > 0 || k->logged_out || lm_imap_last_error(c))
		return;
	if (state == LM_IMAP_STATE_NOT_AUTH) {
		if (!lm_imap_caps_known(c)) {
			(void)lm_imap_capability(c, NULL);
			return;
		}
		if (!lm_imap_tls_active(c) && !k->tried_tls &&
		    (k->require_tls || (k->f0 & 0x80)) && lm_imap_has_cap(c, "STARTTLS")) {
			k->tried_tls = 1;
			if (lm_imap_starttls(c, NULL) == 0)
				return;
		}
		if (!k->tried_auth) {
			k->tried_auth = 1;
			k->auth_from = k->io.off;
			if (k->f0 & 0x08) {
				FZ_CHECK(lm_sasl_init(&k->sasl, LM_SASL_PLAIN, &k->cr) == 0, "sasl init");
				r = lm_imap_authenticate(c, &k->sasl, NULL);
			} else {
				r = lm_imap_login(c, "alice", PASS, NULL);
			}
			if (fzg_tls_gate(k))
				FZ_CHECK(r != 0, "login refused before TLS with require_tls");
			check_out(k);
			if (r == 0)
				return;
		}
	} else if (state == LM_IMAP_STATE_AUTH && !k->selected) {
		k->selected = 1;
		if (lm_imap_select(c, "INBOX", NULL, NULL) == 0)
			return;
	} else if (state == LM_IMAP_STATE_SELECTED && !k->fetched) {
		lm_imap_fetch_opts f = LM_IMAP_FETCH_OPTS_INIT;
		lm_imap_section sec;

		memset(&sec, 0, sizeof sec);
		sec.peek = 1;
		f.items = LM_IMAP_F_UID | LM_IMAP_F_FLAGS | LM_IMAP_F_RFC822_SIZE;
		f.sections = &sec;
		f.nsections = 1;
		k->fetched = 1;
		if (lm_imap_fetch(c, 0, "1:*", &f, NULL) == 0)
			return;
	}
	if (state >= LM_IMAP_STATE_AUTH && (k->f0 & 0x10) && !k->idled) {
		k->idled = 1;
		r = lm_imap_idle(c, &k->idle_tag);
		FZ_CHECK(r != 0 || lm_imap_caps_known(c),
		         "no IDLE while the capabilities are unknown");
		if (r == 0)
			return;
	}
	if (state >= LM_IMAP_STATE_AUTH && (k->f0 & 0x20) && !k->appended) {
		k->appended = 1;
		k->app_left = APP_SIZE;
		k->app_from = reply_from(k);
		if (lm_imap_append(c, "Sent", "\\Seen", NULL, APP_SIZE, app_read, k,
		                   &k->app_tag) == 0) {
			size_t n;
			const unsigned char *p = lm_imap_send_buf(c, &n);
			/* The command as queued says which literal it uses. */
			k->app_sync = fz_find(p, n, "{300}\r\n") != NULL;
			FZ_CHECK(k->app_sync || fz_find(p, n, "{300+}\r\n") != NULL,
			         "APPEND announces its literal");
			FZ_CHECK(!k->app_sync || (k->f0 & 0x04) == 0 ||
			         !lm_imap_has_cap(c, "LITERAL+"),
			         "LITERAL+ used when offered and allowed");
			FZ_CHECK(k->app_sync || lm_imap_caps_known(c),
			         "a literal while the capabilities are unknown "
			         "is synchronising");
			return;
		}
		k->app_left = 0;
	}
	if (state != LM_IMAP_STATE_GREETING && state != LM_IMAP_STATE_CLOSED) {
		k->logged_out = 1;
		(void)lm_imap_logout(c, NULL);
	}
}

static void
on_event(void *ud, void *evp)
{
	client *k = ud;
	const lm_imap_event *ev = evp;

	if (getenv("FZ_VERBOSE"))
		fprintf(stderr, "event %s cmd %s status %d\n", lm_imap_event_name(ev->type),
		        lm_imap_cmd_name(ev->cmd), (int)ev->status);
	FZ_CHECK(in_range(k, ev->text) && in_range(k, ev->value) &&
	         in_range(k, ev->mailbox) && in_range(k, ev->code.arg) &&
	         in_range(k, ev->fetch.value) && in_range(k, ev->fetch.data),
	         "event slices inside the buffers");
	FZ_CHECK(!lm_imap_is_enabled(&k->c, "UTF8=ACCEPT") &&
	         !lm_imap_is_enabled(&k->c, "CONDSTORE") &&
	         !lm_imap_is_enabled(&k->c, "IMAP4rev2"),
	         "nothing enabled without ENABLE");
	switch (ev->type) {
	case LM_IMAP_EV_TLS_READY:
		FZ_CHECK(!lm_imap_tls_active(&k->c), "TLS_READY once");
		fz_tls_ready(&k->io);
		return;
	case LM_IMAP_EV_FETCH_BEGIN:
		FZ_CHECK(!k->in_fetch, "FETCH_BEGIN inside a FETCH");
		k->in_fetch = 1;
		break;
	case LM_IMAP_EV_FETCH_ITEM:
		FZ_CHECK(k->in_fetch && !k->data_open, "FETCH_ITEM inside a FETCH");
		break;
	case LM_IMAP_EV_FETCH_DATA:
		FZ_CHECK(k->in_fetch, "FETCH_DATA inside a FETCH");
		FZ_CHECK(ev->fetch.offset == k->data_off, "FETCH_DATA contiguous");
		FZ_CHECK(ev->fetch.offset + ev->fetch.data.len <= ev->fetch.total,
		         "FETCH_DATA within its total");
		FZ_CHECK(ev->fetch.data.len == 0 || was_fed(k, ev->fetch.data),
		         "FETCH_DATA holds bytes that were fed");
		k->data_off += ev->fetch.data.len;
		FZ_CHECK(ev->fetch.last == (k->data_off == ev->fetch.total),
		         "the last piece, and only it, completes the section");
		k->data_open = !ev->fetch.last;
		if (ev->fetch.last)
			k->data_off = 0;
		break;
	case LM_IMAP_EV_FETCH_END:
		FZ_CHECK(k->in_fetch && !k->data_open,
		         "FETCH_END only after a complete section");
		k->in_fetch = 0;
		break;
	case LM_IMAP_EV_IDLE_STARTED:
		FZ_CHECK(k->idled, "IDLE_STARTED only after IDLE");
		FZ_CHECK(lm_imap_idle_done(&k->c) == 0, "DONE accepted while idling");
		break;
	case LM_IMAP_EV_DONE:
		/* an OK that comes before the "+" is a protocol error, never a
		 * saved message whose body was not sent */
		if (ev->cmd == LM_IMAP_CMD_APPEND && ev->handle == k->app_tag &&
		    ev->status == LM_IMAP_OK)
			FZ_CHECK(k->app_left == 0, "APPEND OK only after the whole body");
		if (ev->cmd == LM_IMAP_CMD_AUTHENTICATE || ev->cmd == LM_IMAP_CMD_LOGIN)
			FZ_CHECK(!fzg_tls_gate(k), "no login exchange before TLS");
		if (ev->cmd == LM_IMAP_CMD_AUTHENTICATE && ev->status == LM_IMAP_OK)
			FZ_CHECK(lm_sasl_finish(&k->sasl) == 0, "AUTHENTICATE OK only when satisfied");
		if ((ev->cmd == LM_IMAP_CMD_AUTHENTICATE || ev->cmd == LM_IMAP_CMD_LOGIN) &&
		    ev->status == LM_IMAP_OK && ev->code.code != LM_IMAP_CODE_CAPABILITY)
			FZ_CHECK(!lm_imap_caps_known(&k->c) || caps_fed_since(k, k->auth_from),
			         "capabilities kept after a login only from a list "
			         "that came after it");
		if (ev->cmd == LM_IMAP_CMD_CAPABILITY && ev->status == LM_IMAP_OK)
			FZ_CHECK(lm_imap_caps_known(&k->c),
			         "capabilities known after the OK of CAPABILITY");
		break;
	default:
		FZ_CHECK(!k->in_fetch || ev->type == LM_IMAP_EV_CLOSED,
		         "no other event inside a FETCH");
		break;
	}
	react(k);
}

static int
tls_done(void *ud)
{
	client *k = ud;
	int r = lm_imap_tls_done(&k->c, NULL);

	if (r == 0)
		FZ_CHECK(!lm_imap_caps_known(&k->c), "capabilities forgotten after TLS");
	return r;
}

/* While the handshake runs, every command is refused. */
static void
tls_wait_poke(void *ud)
{
	client *k = ud;

	FZ_CHECK(lm_imap_noop(&k->c, NULL) != 0 && lm_imap_capability(&k->c, NULL) != 0 &&
	         lm_imap_logout(&k->c, NULL) != 0 &&
	         lm_imap_login(&k->c, "a", "b", NULL) != 0,
	         "commands refused while waiting for TLS");
}

static void
on_error(void *ud, int r)
{
	client *k = ud;
	lm_imap_event ev;
	int i;

	FZ_CHECK(lm_imap_last_error(&k->c) == r, "last_error is the error");
	for (i = 0; i < 3; i++)
		FZ_CHECK(lm_imap_next(&k->c, &ev) == r, "next() error is sticky");
	FZ_CHECK(lm_imap_noop(&k->c, NULL) == r, "NOOP returns the sticky error");
	FZ_CHECK(lm_imap_logout(&k->c, NULL) == r, "LOGOUT returns the sticky error");
	FZ_CHECK(lm_imap_tls_done(&k->c, NULL) == r, "tls_done returns the sticky error");
}

static void
before_next(void *ud)
{
	client *k = ud;
	size_t n;

	/* react() also when the engine is idle (no event to react to). */
	(void)lm_imap_send_buf(&k->c, &n);
	if (n == 0 && !k->io.tls_wait)
		react(k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char ib[LM_IMAP_BUFSIZE_IN];
	client *k = &K;
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	lm_imap_event ev;
	int r;
	fz_engine engine = { FZ_GLUE_INIT, NULL, NULL, 0, on_event,
	                     check_out, NULL, before_next, tls_done, tls_wait_poke,
	                     on_error };

	memset(k, 0, sizeof *k);
	if (fz_io_init(&k->io, data, size, 3) != 0)
		return 0;
	k->f0 = data[0];
	k->io.chunk = data[1];
	k->io.halves = (k->f0 & 0x40) != 0;
	k->io.no_gate = (data[2] & 0x80) != 0;
	k->ilen = LM_IMAP_BUFSIZE_MIN + 256 * (size_t)(data[2] & 0x7f);
	if (k->ilen > sizeof ib)
		k->ilen = sizeof ib;
	k->ibuf = ib;
	k->io.ilen = k->ilen;
	k->io.idle_max = 4096 + k->ilen;   /* one event per "* OK\r\n" at most */
	k->require_tls = (k->f0 & 0x01) != 0;
	k->implicit = (k->f0 & 0x02) != 0;
	k->cr = (lm_sasl_creds)LM_SASL_CREDS_INIT;
	k->cr.user = "alice";
	k->cr.password = PASS;
	engine.ibuf = k->ibuf;
	engine.obuf = k->obuf;
	engine.olen = sizeof k->obuf;

	o.require_tls = k->require_tls;
	o.allow_plaintext_auth = !k->require_tls;
	o.use_literal_plus = (k->f0 & 0x04) != 0;
	o.trace = fz_trace;
	o.trace_ud = (void *)secrets;
	FZ_CHECK(lm_imap_init(&k->c, &o, k->ibuf, k->ilen, k->obuf, sizeof k->obuf) == 0, "init");
	if (k->implicit)
		FZ_CHECK(lm_imap_set_tls_active(&k->c) == 0, "implicit TLS");

	r = fz_run(&k->io, &engine, k, &ev);
	(void)r;
	lm_sasl_free(&k->sasl);
	lm_imap_free(&k->c);
	return 0;
}
