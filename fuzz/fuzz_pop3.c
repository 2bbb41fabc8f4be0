/*
 * The POP3 engine driven by server bytes from the input, with a client
 * that reacts to events as a real downloader would: CAPA after the
 * greeting, STLS when offered (then lm_pop3_tls_done() once the scripted
 * TLS layer finished its handshake, and CAPA again), a login (USER/PASS,
 * APOP, AUTH PLAIN or AUTH SCRAM-SHA-256), STAT, LIST, UIDL, RETR or TOP
 * of up to three messages, DELE, QUIT. The transport and the fake TLS
 * layer are fuzz/harness.h's.
 *
 * Input header (4 bytes), then the TLS-layer script (fuzz/harness.h:
 * a length byte and that many op bytes), then the server's bytes:
 *   [0] 0x01 use_pipelining  0x02 require_tls  0x04 allow_plaintext_auth
 *       0x08 implicit TLS    0x10/0x20 login: USER/PASS, APOP, AUTH
 *       PLAIN, AUTH SCRAM-SHA-256   0x40 STLS even when not required
 *       0x80 acknowledge sends in pieces
 *   [1] input chunk size (0: everything at once; 255: 1, 2, ... 7 cycling)
 *       for the script's "normal" reads
 *   [2] low 7 bits: input buffer size 64 + 16 * n (capped at
 *       LM_POP3_BUFSIZE_IN); 0x80: ignore the reply boundary (below)
 *   [3] 0x01 TOP instead of RETR  0x02 DELE after each message
 *       0x04 queue LIST, UIDL and every RETR at once (when pipelining)
 *       0x08 UTF8 when offered  0x10 CAPA again after login
 *       0x20 NOOP and RSET in between
 *
 * Reply boundary: input is fed at most up to the end of the next line, so
 * no reply arrives before the client queued its command (a real server
 * answers only what it has read) and the bytes after the +OK to STLS
 * arrive after lm_pop3_tls_done() as they would through the TLS layer.
 * With [2] & 0x80 everything is fed as it comes, which tests the
 * plaintext injection defence and the rejection of replies received
 * before their command was queued.
 *
 * Invariants (abort on failure):
 *  - lm_pop3_next() returns LM_DONE, an error, or asks for input within
 *    a bounded number of steps, and every LM_WANT_* makes progress;
 *  - with require_tls (and no implicit TLS) no USER, PASS, APOP or AUTH
 *    byte is in the output before lm_pop3_tls_done(), and the login
 *    functions refuse;
 *  - an error is sticky: next(), lm_pop3_last_error() and commands all
 *    return the same code afterwards;
 *  - DATA_END is reported only when a line "." ("\n.\r\n", or "\n.\n"
 *    under LM_POP3_LENIENT_BARE_LF) was fed since the RETR/TOP was
 *    queued, never for a body cut by EOF; a body never yields more bytes
 *    than were fed for it;
 *  - slices lie inside the input buffer or the context; status text and
 *    CAPA lines have no LF or NUL; UIDL values are 1..70 bytes in
 *    0x21..0x7E;
 *  - the trace never shows the password in clear or base64;
 *  - after EOF the engine never asks for more input;
 *  - QUIT's reply (which commits the deletions) comes from bytes fed
 *    after QUIT was queued, never from a +OK that came before it;
 *  - the transport's: nothing written between the +OK to STLS and
 *    tls_done (commands refused meanwhile), a failed handshake ends in
 *    an error with nothing written, final state in bounded steps after
 *    every kind of cut, including inside a RETR body (fuzz/harness.h).
 */
#include <string.h>

#include "libmail/pop3.h"
#include "libmail/sasl.h"
#include "libmail/core.h"
#include "libmail/error.h"
#include "harness.h"
#include "pop3_bounds.h"

#define MSG_MAX 3

typedef struct {
	lm_pop3_client c;
	lm_sasl sasl;
	lm_sasl_creds cr;
	unsigned char *ibuf, *obuf;
	size_t ilen, olen;
	unsigned f0, f3;
	int require_tls, implicit;
	int stls_tried, login_tried, authed, quit_sent, capa_after;
	size_t quit_off;        /* input fed when QUIT was queued         */
	unsigned long nmsg, next_msg;
	int batch;
	/* body checks */
	const uint8_t *in;
	size_t *off;
	size_t body_start[MSG_MAX + 2];
	size_t body_bytes;
	int in_body;
	size_t ml_done;         /* multi-line responses completed        */
	fz_io io;
} client;

FZ_GLUE(lm_pop3, client, c, lm_pop3_event, fz_pop3_bounds)

/* Secrets as they would appear: clear, and base64 of the PLAIN message
 * "\0user\0pencil" (python3 base64). */
static const char *const secrets[] = {
	"pencil", "AHVzZXIAcGVuY2ls", NULL
};

/* Pending output must hold no credentials before TLS. */
static void
check_out(const client *k)
{
	size_t n, i;
	const unsigned char *p = lm_pop3_send_buf(&k->c, &n);
	static const char *const cmds[] = { "USER", "PASS", "APOP", "AUTH", "pencil" };

	FZ_CHECK(n == 0 || (p >= k->obuf && p + n <= k->obuf + k->olen),
	         "send_buf inside the output buffer");
	if (!fzg_tls_gate(k))
		return;
	for (i = 0; i < 5; i++)
		FZ_CHECK(fz_find(p, n, cmds[i]) == NULL,
		         "no credentials before TLS with require_tls");
}

static void
quit(client *k)
{
	if (!k->quit_sent && lm_pop3_quit(&k->c) == 0) {
		k->quit_sent = 1;
		k->quit_off = k->io.off;
	}
}

static int
inside(const client *k, lm_slice s)
{
	const unsigned char *ctx = (const unsigned char *)&k->c;
	if (s.len == 0)
		return 1;
	if (s.p >= k->ibuf && s.p + s.len <= k->ibuf + k->ilen)
		return 1;
	if (s.p >= ctx && s.p + s.len <= ctx + sizeof k->c)
		return 1;
	return 0;
}

static void
login(client *k)
{
	int r = 0;
	unsigned how = (k->f0 >> 4) & 3;

	if (k->login_tried)
		return;
	k->login_tried = 1;
	if (how == 0) {
		r = lm_pop3_user_pass(&k->c, "user", "pencil");
	} else if (how == 1) {
		r = lm_pop3_apop(&k->c, "user", "pencil");
	} else {
		FZ_CHECK(lm_sasl_init(&k->sasl, how == 2 ? LM_SASL_PLAIN :
		                      LM_SASL_SCRAM_SHA_256, &k->cr) == 0, "sasl init");
		r = lm_pop3_auth(&k->c, &k->sasl);
	}
	if (fzg_tls_gate(k))
		FZ_CHECK(r != 0, "login refused before TLS with require_tls");
	check_out(k);
	if (r != 0)
		quit(k);
}

/* Queue the next message command (RETR/TOP, then DELE) or QUIT. */
static int
fetch_one(client *k)
{
	int r;
	unsigned long m = ++k->next_msg;

	size_t room;

	if (m > k->nmsg || m > MSG_MAX)
		return -1;
	/* Where the reply can start: the input fed so far minus what the
	 * engine still holds unparsed (recv_buf() reports the free room;
	 * the current event is no longer used). */
	(void)lm_pop3_recv_buf(&k->c, &room);
	k->body_start[m] = *k->off - (k->ilen - room);
	r = (k->f3 & 0x01) ? lm_pop3_top(&k->c, m, 2) : lm_pop3_retr(&k->c, m);
	return r;
}

static void
after_uidl(client *k)
{
	if (k->batch) {
		while (k->next_msg < k->nmsg && k->next_msg < MSG_MAX)
			if (fetch_one(k) != 0)
				break;
		quit(k);
		return;
	}
	if (fetch_one(k) != 0)
		quit(k);
}

/* The end of a multi-line response: a line ".\r\n" or ".\n"
 * (LM_POP3_LENIENT_BARE_LF; for a body only after an LF-ended +OK,
 * which the DATA_END check below does not model). */
static int
dot_line(const uint8_t *line, size_t len)
{
	return (len == 2 && line[0] == '.' && line[1] == '\r') ||
	       (len == 1 && line[0] == '.');
}

static void
on_event(client *k, const lm_pop3_event *ev)
{
	if (getenv("FZ_VERBOSE"))
		fprintf(stderr, "event %s cmd %s ok %d msg %lu\n",
		        lm_pop3_event_name(ev->type), lm_pop3_cmd_name(ev->cmd),
		        ev->ok, ev->msg);

	FZ_CHECK(inside(k, ev->text) && inside(k, ev->code) && inside(k, ev->uid) &&
	         inside(k, ev->apop), "slices inside the buffers");
	FZ_CHECK(memchr(ev->text.p, '\n', ev->text.len) == NULL &&
	         memchr(ev->text.p, 0, ev->text.len) == NULL &&
	         memchr(ev->code.p, '\n', ev->code.len) == NULL,
	         "text has no LF and no NUL");
	FZ_CHECK(ev->type == LM_POP3_EV_DATA || ev->data.len == 0, "data only in DATA");
	FZ_CHECK(!k->in_body || ev->type == LM_POP3_EV_DATA ||
	         ev->type == LM_POP3_EV_DATA_END, "a body ends with DATA_END");
	/* Each multi-line response that completes needs its own fed "."
	 * line: one cut by EOF never completes. */
	if (ev->type == LM_POP3_EV_DATA_END ||
	    (ev->type == LM_POP3_EV_REPLY && ev->ok &&
	     (ev->cmd == LM_POP3_CMD_CAPA || ev->cmd == LM_POP3_CMD_LIST ||
	      ev->cmd == LM_POP3_CMD_UIDL)))
		FZ_CHECK(++k->ml_done <= fz_fed_lines(&k->io, dot_line),
		         "a multi-line response completes only after its \".\" line");

	switch (ev->type) {
	case LM_POP3_EV_GREETING:
		FZ_CHECK(ev->ok == 1, "greeting is +OK");
		if (ev->apop.len)
			FZ_CHECK(ev->apop.p[0] == '<' && ev->apop.p[ev->apop.len - 1] == '>',
			         "APOP timestamp in brackets");
		(void)lm_pop3_capa(&k->c);
		break;
	case LM_POP3_EV_CAPA_LINE:
		break;
	case LM_POP3_EV_TLS_READY:
		fz_tls_ready(&k->io);
		break;
	case LM_POP3_EV_AUTH_DONE:
		FZ_CHECK(!fzg_tls_gate(k), "no login exchange before TLS");
		if (!ev->ok) {
			quit(k);
			break;
		}
		FZ_CHECK(lm_pop3_authenticated(&k->c), "authenticated after AUTH_DONE ok");
		if (ev->cmd == LM_POP3_CMD_AUTH)
			FZ_CHECK(lm_sasl_finish(&k->sasl) == 0,
			         "AUTH_DONE ok only when the mechanism is satisfied");
		k->authed = 1;
		if (k->f3 & 0x10) {
			k->capa_after = 1;
			(void)lm_pop3_capa(&k->c);
		} else if (lm_pop3_stat(&k->c) != 0) {
			quit(k);
		}
		break;
	case LM_POP3_EV_STAT:
		k->nmsg = ev->msg;
		break;
	case LM_POP3_EV_LIST_ITEM:
		FZ_CHECK(ev->msg >= 1, "message numbers start at 1");
		break;
	case LM_POP3_EV_UIDL_ITEM: {
		size_t i;
		FZ_CHECK(ev->msg >= 1, "message numbers start at 1");
		FZ_CHECK(ev->uid.len >= 1 && ev->uid.len <= 70, "UIDL length");
		for (i = 0; i < ev->uid.len; i++)
			FZ_CHECK(ev->uid.p[i] >= 0x21 && ev->uid.p[i] <= 0x7e, "UIDL bytes");
		break;
	}
	case LM_POP3_EV_DATA:
		FZ_CHECK(ev->cmd == LM_POP3_CMD_RETR || ev->cmd == LM_POP3_CMD_TOP, "DATA cmd");
		FZ_CHECK(ev->data.len > 0, "DATA not empty");
		FZ_CHECK((ev->data.p >= k->ibuf && ev->data.p + ev->data.len <= k->ibuf + k->ilen) ||
		         (ev->data.len == 1 && ev->data.p[0] == '\r'), "DATA inside the input buffer");
		k->in_body = 1;
		k->body_bytes += ev->data.len;
		FZ_CHECK(ev->msg >= 1 && ev->msg <= MSG_MAX, "DATA msg");
		FZ_CHECK(k->body_bytes <= *k->off - k->body_start[ev->msg],
		         "a body never yields more than was fed");
		break;
	case LM_POP3_EV_DATA_END: {
		size_t s;
		FZ_CHECK(ev->msg >= 1 && ev->msg <= MSG_MAX, "DATA_END msg");
		s = k->body_start[ev->msg];
		FZ_CHECK(fz_find(k->in + s, *k->off - s, "\n.\r\n") != NULL ||
		         fz_find(k->in + s, *k->off - s, "\n.\n") != NULL,
		         "DATA_END only after a fed \".\" line");
		k->in_body = 0;
		k->body_bytes = 0;
		break;
	}
	case LM_POP3_EV_CLOSED:
		break;
	case LM_POP3_EV_REPLY:
		FZ_CHECK(!k->in_body, "no REPLY inside a body");
		switch (ev->cmd) {
		case LM_POP3_CMD_CAPA:
			if (k->capa_after) {
				k->capa_after = 0;
				if (lm_pop3_stat(&k->c) != 0)
					quit(k);
				break;
			}
			if (!lm_pop3_tls_active(&k->c) && !k->stls_tried &&
			    (k->require_tls || (k->f0 & 0x40)) && lm_pop3_has_capa(&k->c, "STLS")) {
				k->stls_tried = 1;
				if (lm_pop3_stls(&k->c) == 0)
					break;
			}
			if ((k->f3 & 0x08) && lm_pop3_has_capa(&k->c, "UTF8") &&
			    lm_pop3_utf8(&k->c) == 0)
				break;
			login(k);
			break;
		case LM_POP3_CMD_UTF8:
			login(k);
			break;
		case LM_POP3_CMD_STLS:
			quit(k);
			break;
		case LM_POP3_CMD_STAT:
			if (!ev->ok || lm_pop3_list(&k->c, 0) != 0) {
				quit(k);
				break;
			}
			k->batch = (k->f3 & 0x04) && lm_pop3_pipelining(&k->c);
			if (k->batch) {
				if (lm_pop3_uidl(&k->c, 0) != 0)
					quit(k);
				else
					after_uidl(k);
			}
			break;
		case LM_POP3_CMD_LIST:
			if (!k->batch && (!ev->ok || lm_pop3_uidl(&k->c, 0) != 0))
				quit(k);
			break;
		case LM_POP3_CMD_UIDL:
			if (!k->batch)
				after_uidl(k);
			break;
		case LM_POP3_CMD_RETR:
		case LM_POP3_CMD_TOP:
			if (k->batch)
				break;
			if (ev->ok && (k->f3 & 0x02) && lm_pop3_dele(&k->c, ev->msg) == 0)
				break;
			if (k->f3 & 0x20)
				(void)lm_pop3_noop(&k->c);
			else if (fetch_one(k) != 0)
				quit(k);
			break;
		case LM_POP3_CMD_DELE:
		case LM_POP3_CMD_NOOP:
			if (k->batch)
				break;
			if ((k->f3 & 0x20) && ev->cmd == LM_POP3_CMD_NOOP &&
			    lm_pop3_rset(&k->c) == 0)
				break;
			if (fetch_one(k) != 0)
				quit(k);
			break;
		case LM_POP3_CMD_RSET:
			if (!k->batch && fetch_one(k) != 0)
				quit(k);
			break;
		case LM_POP3_CMD_QUIT:
			if (ev->committed)
				FZ_CHECK(ev->ok && k->authed, "only a +OK after login commits");
			FZ_CHECK(k->io.off > k->quit_off,
			         "QUIT's reply read after QUIT was sent");
			break;
		default:
			quit(k);
			break;
		}
		break;
	default:
		FZ_CHECK(0, "unknown event type");
	}
	check_out(k);
}

static void
fz_on_event(void *k, void *ev)
{
	on_event(k, ev);
}

static void
fz_check_out(void *k)
{
	check_out(k);
}

static int
tls_done(void *ud)
{
	client *k = ud;
	int r = lm_pop3_tls_done(&k->c);

	if (r != 0)
		return r;
	FZ_CHECK(!lm_pop3_has_capa(&k->c, "STLS") && !lm_pop3_has_capa(&k->c, "SASL") &&
	         !lm_pop3_pipelining(&k->c), "capabilities forgotten after TLS");
	(void)lm_pop3_capa(&k->c);
	return 0;
}

/* While the handshake runs, every command is refused. */
static void
tls_wait_poke(void *ud)
{
	client *k = ud;

	FZ_CHECK(lm_pop3_noop(&k->c) != 0 && lm_pop3_capa(&k->c) != 0 &&
	         lm_pop3_quit(&k->c) != 0 &&
	         lm_pop3_user_pass(&k->c, "a", "b") != 0,
	         "commands refused while waiting for TLS");
}

static void
on_error(void *ud, int r)
{
	client *k = ud;
	lm_pop3_event ev;
	int i;

	FZ_CHECK(lm_pop3_last_error(&k->c) == r, "last_error is the error");
	for (i = 0; i < 3; i++)
		FZ_CHECK(lm_pop3_next(&k->c, &ev) == r, "next() error is sticky");
	FZ_CHECK(lm_pop3_noop(&k->c) == r, "NOOP returns the sticky error");
	FZ_CHECK(lm_pop3_quit(&k->c) == r, "QUIT returns the sticky error");
	FZ_CHECK(lm_pop3_capa(&k->c) == r, "CAPA returns the sticky error");
	FZ_CHECK(lm_pop3_retr(&k->c, 1) == r, "RETR returns the sticky error");
	FZ_CHECK(lm_pop3_user_pass(&k->c, "a", "b") == r,
	         "USER returns the sticky error");
	FZ_CHECK(lm_pop3_tls_done(&k->c) == r, "tls_done returns the sticky error");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static client k;
	lm_pop3_opts o = LM_POP3_OPTS_INIT;
	lm_pop3_event ev;
	fz_engine engine = { FZ_GLUE_INIT, NULL, NULL, 0, fz_on_event,
	                     fz_check_out, NULL, NULL, tls_done, tls_wait_poke,
	                     on_error };

	memset(&k, 0, sizeof k);
	if (fz_io_init(&k.io, data, size, 4) != 0)
		return 0;
	k.f0 = data[0];
	k.f3 = data[3];
	if (((k.f0 >> 4) & 3) == 3 && fz_too_many_iterations(data, size))
		return 0;
	k.in = k.io.in;
	k.off = &k.io.off;
	k.io.chunk = data[1];
	k.io.halves = (k.f0 & 0x80) != 0;
	k.io.no_gate = (data[2] & 0x80) != 0;
	k.ilen = 64 + 16 * (size_t)(data[2] & 0x7f);
	if (k.ilen > LM_POP3_BUFSIZE_IN)
		k.ilen = LM_POP3_BUFSIZE_IN;
	k.olen = LM_POP3_BUFSIZE_OUT;
	k.ibuf = malloc(k.ilen);
	k.obuf = malloc(k.olen);
	if (k.ibuf == NULL || k.obuf == NULL)
		goto out;
	k.io.ilen = k.ilen;
	k.io.idle_max = 4096 + 2 * size;
	engine.ibuf = k.ibuf;
	engine.obuf = k.obuf;
	engine.olen = k.olen;
	k.require_tls = (k.f0 & 0x02) != 0;
	k.implicit = (k.f0 & 0x08) != 0;
	k.cr.version = LM_SASL_CREDS_VERSION;
	k.cr.user = "user";
	k.cr.password = "pencil";
	k.cr.rng = fz_rng;

	o.use_pipelining = (k.f0 & 0x01) != 0;
	o.require_tls = k.require_tls;
	o.allow_plaintext_auth = (k.f0 & 0x04) != 0;
	o.trace = fz_trace;
	o.trace_ud = (void *)secrets;
	FZ_CHECK(lm_pop3_init(&k.c, &o, k.ibuf, k.ilen, k.obuf, k.olen) == 0, "init");
	if (k.implicit)
		FZ_CHECK(lm_pop3_set_tls_active(&k.c) == 0, "implicit TLS");

	(void)fz_run(&k.io, &engine, &k, &ev);
	check_out(&k);
	lm_pop3_free(&k.c);
	lm_sasl_free(&k.sasl);
out:
	free(k.ibuf);
	free(k.obuf);
	return 0;
}
