/*
 * The SMTP engine driven by server bytes from the input, with a client
 * that reacts to events as a real one would: EHLO after the greeting,
 * STARTTLS when offered (then lm_smtp_tls_done() once the scripted TLS
 * layer finished its handshake), AUTH with lm_sasl, MAIL/RCPT/DATA, the
 * body, QUIT. The transport and the fake TLS layer are fuzz/harness.h's.
 *
 * Input header (4 bytes), then the TLS-layer script (fuzz/harness.h:
 * a length byte and that many op bytes), then the server's bytes:
 *   [0] 0x01 use_pipelining  0x02 require_tls  0x04 allow_plaintext_auth
 *       0x08 use_chunking    0x10 try AUTH     0x20 implicit TLS
 *       0x40 STARTTLS even when not required   0x80 acknowledge sends
 *       in pieces
 *   [1] input chunk size (0: everything at once; 255: 1, 2, ... 7 cycling)
 *       for the script's "normal" reads
 *   [2] low 7 bits: input buffer size 64 + 16 * n (capped at
 *       LM_SMTP_BUFSIZE_IN); 0x80: ignore the reply boundary (below)
 *   [3] bits 0-1 SASL mechanism (PLAIN, LOGIN, SCRAM-SHA-256, XOAUTH2),
 *       bits 2-3 recipients - 1, 0x10 two transactions, 0x20 output
 *       buffer of the 512-byte minimum and a body 12 times as long
 *       (longer than that buffer), 0x40 a body with dots, bare
 *       CR/LF and no final line end, 0x80 queue NOOP/RSET in between
 *
 * Reply boundary: input is fed at most up to the end of the next line, so
 * no reply arrives before the client queued its command (a real server
 * answers only what it has read) and the bytes after the 220 to STARTTLS
 * arrive after lm_smtp_tls_done() as they would through the TLS layer.
 * With [2] & 0x80 everything is fed as it comes, which tests the
 * plaintext injection defence (bytes after the 220 must make the engine
 * fail) and the rejection of replies received before their command was
 * queued.
 *
 * Invariants (abort on failure):
 *  - lm_smtp_next() returns LM_DONE, an error, or asks for input within
 *    a bounded number of steps, and every LM_WANT_* makes progress;
 *  - with require_tls (and no implicit TLS) no MAIL, RCPT, DATA, BDAT or
 *    AUTH byte is in the output before lm_smtp_tls_done(), and
 *    lm_smtp_mail_from() / lm_smtp_auth() refuse;
 *  - an error is sticky: next(), lm_smtp_last_error() and commands all
 *    return the same code afterwards;
 *  - event text lies inside the input buffer, has no LF or NUL, codes
 *    are three digits;
 *  - the trace never shows the password or token in clear or base64;
 *  - after EOF the engine never asks for more input;
 *  - nothing is written after QUIT (the client tries QUIT right after
 *    the end of the last message: it must not overtake a BDAT LAST
 *    chunk not framed yet);
 *  - the mail is reported accepted (a reply to the end of data) only
 *    after a whole end-of-data sequence ("\r\n.\r\n", or a BDAT ...
 *    LAST line) was written: never for a DATA body cut by the
 *    connection, and never from bytes all read before it was written
 *    (a 250 sent along with the 354; only a 421 may overtake it), nor
 *    after one of its BDAT chunks was refused;
 *  - the transport's: nothing written between the 220 to STARTTLS and
 *    tls_done (commands refused meanwhile), a failed handshake ends in
 *    an error with nothing written, final state in bounded steps after
 *    every kind of cut (fuzz/harness.h).
 */
#include <string.h>

#include "libmail/smtp.h"
#include "libmail/sasl.h"
#include "libmail/core.h"
#include "libmail/error.h"
#include "harness.h"
#include "smtp_bounds.h"

typedef struct {
	lm_smtp_client c;
	lm_sasl sasl;
	lm_sasl_creds cr;
	unsigned char *ibuf, *obuf;
	size_t ilen, olen;
	unsigned f0, f3;
	int require_tls, implicit;
	int tls_pending, starttls_tried, starttls_wait, auth_tried, authed;
	int pipelined_tx;       /* whole transaction queued at once */
	unsigned nrcpt, ntx, tx_done;
	int body_active;
	size_t body_off;
	const unsigned char *body;
	size_t body_len;
	int quit_sent, params;
	size_t quit_end;        /* output offset where QUIT ends         */
	fz_io io;
	unsigned char tail[8];  /* last bytes written                    */
	char cmd[24];           /* BDAT mode: start of the command line  */
	size_t cmd_len;         /*   being written, its length           */
	unsigned long long chunk_left; /* BDAT chunk bytes still to come */
	unsigned eod_sent, body_replies;
	size_t eod_off[4];      /* input fed when each end of data went out */
	int chunk_refused;      /* a BDAT chunk of this message refused    */
	size_t finals;          /* final replies reported                */
} client;

FZ_GLUE(lm_smtp, client, c, lm_smtp_event, fz_smtp_bounds)

/* Secrets as they would appear: clear, and base64 at each alignment of
 * the PLAIN, LOGIN and XOAUTH2 messages (computed with python3). */
static const char *const secrets[] = {
	"pencil", "tok3nSECRET",
	"cGVuY2ls",                     /* "pencil" (LOGIN)              */
	"AHVzZXIAcGVuY2ls",             /* "\0user\0pencil" (PLAIN)      */
	"dXNlcj11c2VyAWF1dGg9QmVhcmVyIHRvazNuU0VDUkVUAQE=", /* XOAUTH2 */
	NULL
};

/* Pending output must hold no mail or AUTH command before TLS. */
static void
check_out(const client *k)
{
	size_t n;
	const unsigned char *p = lm_smtp_send_buf(&k->c, &n);
	static const char *const cmds[] = { "MAIL", "RCPT", "DATA", "BDAT", "AUTH" };
	size_t i;

	FZ_CHECK(n == 0 || (p >= k->obuf && p + n <= k->obuf + k->olen),
	         "send_buf inside the output buffer");
	if (!fzg_tls_gate(k))
		return;
	for (i = 0; i < 5; i++)
		FZ_CHECK(fz_find(p, n, cmds[i]) == NULL,
		         "no mail command or AUTH before TLS with require_tls");
}

static void
quit(client *k)
{
	size_t n;

	if (!k->quit_sent && lm_smtp_quit(&k->c) == 0) {
		k->quit_sent = 1;
		/* QUIT is the last line of the pending output */
		(void)lm_smtp_send_buf(&k->c, &n);
		k->quit_end = k->io.written + n;
	}
}

static const char *const rcpts[4] = {
	"bob@example.org", "carol@example.org", "dave@example.net",
	("erin@b\xc3\xbc" "cher.example")    /* sent as A-labels or UTF-8 */
};

/* Every other transaction asks for what the server offers: SIZE,
 * 8BITMIME, SMTPUTF8, DSN (RET, ENVID, NOTIFY, ORCPT), REQUIRETLS. */
static int
rcpt(client *k, unsigned i)
{
	lm_smtp_rcpt_params rp = LM_SMTP_RCPT_PARAMS_INIT;

	if (!k->params || !lm_smtp_has_ext(&k->c, "DSN"))
		return lm_smtp_rcpt_to(&k->c, rcpts[i], NULL);
	rp.notify = i ? LM_SMTP_NOTIFY_FAILURE | LM_SMTP_NOTIFY_DELAY : LM_SMTP_NOTIFY_NEVER;
	rp.orcpt = "bob+tag=x@example.org";
	return lm_smtp_rcpt_to(&k->c, rcpts[i], &rp);
}

static int
mail(client *k)
{
	lm_smtp_mail_params mp = LM_SMTP_MAIL_PARAMS_INIT;

	k->params = ((k->tx_done + k->nrcpt) & 1) != 0;
	if (!k->params)
		return lm_smtp_mail_from(&k->c, "alice@example.org", NULL);
	if (lm_smtp_has_ext(&k->c, "SIZE"))
		mp.size = k->body_len;
	mp.body8bit = lm_smtp_has_ext(&k->c, "8BITMIME");
	mp.smtputf8 = lm_smtp_has_ext(&k->c, "SMTPUTF8");
	if (lm_smtp_has_ext(&k->c, "DSN")) {
		mp.ret = LM_SMTP_RET_HDRS;
		mp.envid = "QQ314159+x=y";
	}
	mp.requiretls = lm_smtp_has_ext(&k->c, "REQUIRETLS") && lm_smtp_tls_active(&k->c);
	return lm_smtp_mail_from(&k->c, "alice@example.org", &mp);
}

static void
start_tx(client *k)
{
	unsigned i;
	int r = mail(k);

	k->chunk_refused = 0;
	if (fzg_tls_gate(k))
		FZ_CHECK(r != 0, "MAIL refused before TLS with require_tls");
	check_out(k);
	if (r != 0) {
		quit(k);
		return;
	}
	k->pipelined_tx = (k->f0 & 0x01) && lm_smtp_has_ext(&k->c, "PIPELINING");
	if (!k->pipelined_tx)
		return;
	for (i = 0; i < k->nrcpt; i++)
		if (rcpt(k, i) != 0)
			break;
	if (k->f3 & 0x80)
		(void)lm_smtp_noop(&k->c);
	(void)lm_smtp_data(&k->c);
	check_out(k);
}

static void
after_ehlo(client *k)
{
	int r;

	if (!lm_smtp_tls_active(&k->c) && !k->starttls_tried &&
	    (k->require_tls || (k->f0 & 0x40)) && lm_smtp_has_ext(&k->c, "STARTTLS")) {
		k->starttls_tried = 1;
		if (lm_smtp_starttls(&k->c) == 0) {
			k->starttls_wait = 1;
			return;
		}
	}
	if ((k->f0 & 0x10) && !k->auth_tried) {
		static const lm_sasl_mech m[4] = {
			LM_SASL_PLAIN, LM_SASL_LOGIN, LM_SASL_SCRAM_SHA_256, LM_SASL_XOAUTH2
		};
		k->auth_tried = 1;
		FZ_CHECK(lm_sasl_init(&k->sasl, m[k->f3 & 3], &k->cr) == 0, "sasl init");
		r = lm_smtp_auth(&k->c, &k->sasl);
		if (fzg_tls_gate(k))
			FZ_CHECK(r == LM_ERR_PLAINTEXT || r < 0,
			         "AUTH refused before TLS with require_tls");
		check_out(k);
		if (r == 0)
			return;
	}
	start_tx(k);
}

/* A reply line that ends its reply: no "-" after the code. */
static int
last_line(const uint8_t *line, size_t len)
{
	return len < 4 || line[3] != '-';
}

static void
on_event(client *k, const lm_smtp_event *ev)
{
	if (getenv("FZ_VERBOSE"))
		fprintf(stderr, "event %s cmd %s code %d index %u\n",
		        lm_smtp_event_name(ev->type), lm_smtp_cmd_name(ev->cmd),
		        ev->code, ev->index);

	if (ev->text.len > 0) {
		FZ_CHECK(ev->text.p >= k->ibuf && ev->text.p + ev->text.len <= k->ibuf + k->ilen,
		         "event text inside the input buffer");
		/* A bare CR is an ordinary byte for lm_line_next() (core.h). */
		FZ_CHECK(memchr(ev->text.p, '\n', ev->text.len) == NULL &&
		         memchr(ev->text.p, 0, ev->text.len) == NULL,
		         "event text has no LF and no NUL");
	}
	if (ev->type == LM_SMTP_EV_GREETING || ev->type == LM_SMTP_EV_REPLY ||
	    ev->type == LM_SMTP_EV_REPLY_LINE || ev->type == LM_SMTP_EV_AUTH_DONE ||
	    ev->type == LM_SMTP_EV_TLS_READY)
		FZ_CHECK(ev->code >= 100 && ev->code <= 599, "three-digit code");

	/* Every final reply needs its own fed last line ("NNN " or "NNN"):
	 * a multi-line reply cut by EOF never completes. */
	if (ev->type == LM_SMTP_EV_GREETING || ev->type == LM_SMTP_EV_REPLY ||
	    ev->type == LM_SMTP_EV_AUTH_DONE || ev->type == LM_SMTP_EV_TLS_READY ||
	    (ev->type == LM_SMTP_EV_DATA_READY && ev->code != 0))
		FZ_CHECK(++k->finals <= fz_fed_lines(&k->io, last_line),
		         "a final reply only after its last line was fed");

	switch (ev->type) {
	case LM_SMTP_EV_GREETING:
		FZ_CHECK(ev->code == 220, "greeting event is 220");
		(void)lm_smtp_ehlo(&k->c);
		check_out(k);
		break;
	case LM_SMTP_EV_REPLY_LINE:
		break;
	case LM_SMTP_EV_TLS_READY:
		FZ_CHECK(ev->code == 220, "TLS ready on 220");
		k->tls_pending = 1;
		k->starttls_wait = 0;
		fz_tls_ready(&k->io);
		break;
	case LM_SMTP_EV_AUTH_DONE:
		FZ_CHECK(!fzg_tls_gate(k), "no AUTH exchange before TLS");
		if (ev->code == 235) {
			FZ_CHECK(lm_sasl_finish(&k->sasl) == 0,
			         "AUTH_DONE 235 only when the mechanism is satisfied");
			k->authed = 1;
			start_tx(k);
		} else {
			quit(k);
		}
		break;
	case LM_SMTP_EV_DATA_READY:
		FZ_CHECK(!fzg_tls_gate(k), "no DATA before TLS");
		k->body_active = 1;
		k->body_off = 0;
		break;
	case LM_SMTP_EV_CLOSED:
		break;
	case LM_SMTP_EV_REPLY:
		switch (ev->cmd) {
		case LM_SMTP_CMD_EHLO:
		case LM_SMTP_CMD_HELO:
			if (ev->code / 100 == 2)
				after_ehlo(k);
			else
				quit(k);
			break;
		case LM_SMTP_CMD_MAIL:
			if (k->pipelined_tx)
				break;
			if (ev->code / 100 != 2 || rcpt(k, 0) != 0)
				quit(k);
			break;
		case LM_SMTP_CMD_RCPT:
			if (k->pipelined_tx)
				break;
			if (ev->index + 1 < k->nrcpt &&
			    rcpt(k, ev->index + 1) == 0)
				break;
			if (lm_smtp_data(&k->c) != 0) {
				if (k->f3 & 0x80)
					(void)lm_smtp_rset(&k->c);
				quit(k);
			}
			break;
		case LM_SMTP_CMD_BODY:
			if (++k->body_replies > k->eod_sent && ev->code / 100 != 2 &&
			    (k->f0 & 0x08) && lm_smtp_has_ext(&k->c, "CHUNKING")) {
				/* a chunk refused after body_end(), its LAST
				 * never framed: that refusal ends the message */
				k->chunk_refused = 1;
				if (k->eod_sent < 4)
					k->eod_off[k->eod_sent] = 0;
				k->eod_sent++;
			}
			FZ_CHECK(k->body_replies <= k->eod_sent,
			         "end-of-data reply only after the end of data was written");
			FZ_CHECK(k->body_replies > 4 || ev->code == 421 ||
			         k->io.off > k->eod_off[k->body_replies - 1],
			         "end-of-data reply read after the end of data was written");
			FZ_CHECK(!(k->chunk_refused && ev->code / 100 == 2),
			         "no message accepted after one of its chunks was refused");
			k->body_active = 0;
			if (++k->tx_done < k->ntx && ev->code / 100 == 2)
				start_tx(k);
			else
				quit(k);
			break;
		case LM_SMTP_CMD_BDAT:
			if (ev->code / 100 != 2)
				k->chunk_refused = 1;
			break;
		case LM_SMTP_CMD_STARTTLS:
			k->starttls_wait = 0;
			quit(k);
			break;
		case LM_SMTP_CMD_DATA:
		case LM_SMTP_CMD_AUTH:
		case LM_SMTP_CMD_GREETING:
			if (ev->code != 354)
				quit(k);
			break;
		default:
			break;
		}
		check_out(k);
		break;
	default:
		FZ_CHECK(0, "unknown event type");
	}
}

/* Write as much of the body as fits; end it when all is written. */
static void
pump_body(client *k)
{
	size_t used = 0;
	int r;

	if (!k->body_active)
		return;
	if (k->body_off < k->body_len) {
		r = lm_smtp_body_write(&k->c, k->body + k->body_off,
		                       k->body_len - k->body_off, &used);
		if (r != 0) {
			k->body_active = 0;
			return;
		}
		FZ_CHECK(used <= k->body_len - k->body_off, "body_write used");
		k->body_off += used;
	}
	if (k->body_off == k->body_len) {
		size_t n;
		/* body_end() writes up to CRLF ".\r\n" unchecked: body_write()
		 * must have left that reserve (BDAT keeps it in bd_len,
		 * smtp_bounds.h) */
		(void)lm_smtp_send_buf(&k->c, &n);
		FZ_CHECK(n + LM_SMTP__BODY_RESERVE <= k->olen,
		         "DATA body leaves the reserve for its end");
		r = lm_smtp_body_end(&k->c);
		k->body_active = 0;
		/* last message: QUIT right behind it, as a pipelining client
		 * would (refused while the end is not queued yet) */
		if (r == 0 && k->tx_done + 1 >= k->ntx)
			quit(k);
	}
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

static void
fz_before_next(void *ud)
{
	client *k = ud;
	unsigned t;

	pump_body(k);
	t = lm_smtp_timeout_hint(&k->c);
	FZ_CHECK(t == 0 || t == 120 || t == 180 || t == 300 || t == 600,
	         "timeout hint from RFC 5321 4.5.3.2");
}

/* BDAT mode: the bytes written are command lines and chunks; a chunk
 * is not dot-stuffed, so only its "BDAT n LAST" line ends the data (a
 * "\r\n.\r\n" or " LAST\r\n" inside a chunk is message text). */
static void
bdat_sent(client *k, unsigned char ch)
{
	unsigned long long n = 0;
	size_t i = 5;

	if (k->chunk_left > 0) {
		k->chunk_left--;
		return;
	}
	if (ch != '\n') {
		if (k->cmd_len < sizeof k->cmd)
			k->cmd[k->cmd_len] = (char)ch;
		k->cmd_len++;
		return;
	}
	if (k->cmd_len <= sizeof k->cmd && k->cmd_len > 5 &&
	    memcmp(k->cmd, "BDAT ", 5) == 0) {
		while (i < k->cmd_len && k->cmd[i] >= '0' && k->cmd[i] <= '9')
			n = n * 10 + (unsigned)(k->cmd[i++] - '0');
		k->chunk_left = n;
		if (k->cmd_len - i == 6 && memcmp(k->cmd + i, " LAST\r", 6) == 0) {
			if (k->eod_sent < 4)
				k->eod_off[k->eod_sent] = k->io.off;
			k->eod_sent++;
		}
	}
	k->cmd_len = 0;
}

/* Count the ends of data written: "\r\n.\r\n" (a DATA body is
 * dot-stuffed, so only its end forms it) or a BDAT LAST line. */
static void
on_sent(void *ud, const unsigned char *p, size_t n)
{
	client *k = ud;
	int bdat = (k->f0 & 0x08) && lm_smtp_has_ext(&k->c, "CHUNKING");
	size_t i;

	FZ_CHECK(!k->quit_sent || k->io.written + n <= k->quit_end,
	         "nothing is sent after QUIT");
	for (i = 0; i < n; i++) {
		if (bdat) {
			bdat_sent(k, p[i]);
			continue;
		}
		memmove(k->tail, k->tail + 1, sizeof k->tail - 1);
		k->tail[sizeof k->tail - 1] = p[i];
		if (memcmp(k->tail + 3, "\r\n.\r\n", 5) == 0) {
			if (k->eod_sent < 4)
				k->eod_off[k->eod_sent] = k->io.off;
			k->eod_sent++;
		}
	}
}

static int
tls_done(void *ud)
{
	client *k = ud;
	int r = lm_smtp_tls_done(&k->c);

	if (r != 0)
		return r;
	k->tls_pending = 0;
	FZ_CHECK(!lm_smtp_has_ext(&k->c, "STARTTLS") &&
	         !lm_smtp_has_ext(&k->c, "AUTH"),
	         "capabilities forgotten after TLS");
	(void)lm_smtp_ehlo(&k->c);
	return 0;
}

/* While the handshake runs, every command is refused. */
static void
tls_wait_poke(void *ud)
{
	client *k = ud;

	FZ_CHECK(lm_smtp_noop(&k->c) != 0 && lm_smtp_ehlo(&k->c) != 0 &&
	         lm_smtp_quit(&k->c) != 0 &&
	         lm_smtp_mail_from(&k->c, "a@b.example", NULL) != 0,
	         "commands refused while waiting for TLS");
}

static void
on_error(void *ud, int r)
{
	client *k = ud;
	lm_smtp_event ev;
	int i;

	FZ_CHECK(lm_smtp_last_error(&k->c) == r, "last_error is the error");
	for (i = 0; i < 3; i++)
		FZ_CHECK(lm_smtp_next(&k->c, &ev) == r, "next() error is sticky");
	FZ_CHECK(lm_smtp_noop(&k->c) == r, "NOOP returns the sticky error");
	FZ_CHECK(lm_smtp_quit(&k->c) == r, "QUIT returns the sticky error");
	FZ_CHECK(lm_smtp_ehlo(&k->c) == r, "EHLO returns the sticky error");
	FZ_CHECK(lm_smtp_mail_from(&k->c, "a@b.example", NULL) == r,
	         "MAIL returns the sticky error");
	FZ_CHECK(lm_smtp_tls_done(&k->c) == r, "tls_done returns the sticky error");
}

static const char body_plain[] =
	"From: alice@example.org\r\nTo: bob@example.org\r\nSubject: fuzz\r\n\r\n"
	"Hello Bob.\r\n";
static const char body_evil[] =
	"Subject: dots\r\n\r\n.\r\n..leading dots\n.\r\rbare CR\r\n.\n\r\n.\r\nQUIT\r\n"
	"RSET\r\n.";

/* With the 512-byte output buffer ([3] & 0x20) the body is repeated
 * BODY_REPEAT times, longer than the buffer: body_write() then fills
 * it up to the reserve body_end() needs, and BDAT frames full chunks
 * (smtp_bounds.h checks both marks). */
#define BODY_REPEAT 12
static unsigned char body_long[BODY_REPEAT * (sizeof body_plain > sizeof body_evil ?
                                              sizeof body_plain : sizeof body_evil)];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static client k;
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	fz_engine engine = { FZ_GLUE_INIT, NULL, NULL, 0, fz_on_event,
	                     fz_check_out, on_sent, fz_before_next, tls_done,
	                     tls_wait_poke, on_error };

	memset(&k, 0, sizeof k);
	if (fz_io_init(&k.io, data, size, 4) != 0)
		return 0;
	k.f0 = data[0];
	k.f3 = data[3];
	if ((k.f0 & 0x10) && (k.f3 & 3) == 2 && fz_too_many_iterations(data, size))
		return 0;
	k.io.chunk = data[1];
	k.io.halves = (k.f0 & 0x80) != 0;
	k.io.no_gate = (data[2] & 0x80) != 0;
	k.ilen = 64 + 16 * (size_t)(data[2] & 0x7f);
	if (k.ilen > LM_SMTP_BUFSIZE_IN)
		k.ilen = LM_SMTP_BUFSIZE_IN;
	k.olen = (k.f3 & 0x20) ? LM_SMTP_BUFSIZE_OUT_MIN : LM_SMTP_BUFSIZE_OUT;
	k.ibuf = malloc(k.ilen);
	k.obuf = malloc(k.olen);
	if (k.ibuf == NULL || k.obuf == NULL)
		goto out;
	k.io.ilen = k.ilen;
	engine.ibuf = k.ibuf;
	engine.obuf = k.obuf;
	engine.olen = k.olen;
	k.require_tls = (k.f0 & 0x02) != 0;
	k.implicit = (k.f0 & 0x20) != 0;
	k.nrcpt = ((k.f3 >> 2) & 3) + 1;
	k.ntx = (k.f3 & 0x10) ? 2 : 1;
	k.body = (const unsigned char *)((k.f3 & 0x40) ? body_evil : body_plain);
	k.body_len = (k.f3 & 0x40) ? sizeof body_evil - 1 : sizeof body_plain - 1;
	if (k.f3 & 0x20) {
		size_t i;
		for (i = 0; i < BODY_REPEAT; i++)
			memcpy(body_long + i * k.body_len, k.body, k.body_len);
		k.body = body_long;
		k.body_len *= BODY_REPEAT;
	}
	k.cr.version = LM_SASL_CREDS_VERSION;
	k.cr.user = "user";
	k.cr.password = "pencil";
	k.cr.token = "tok3nSECRET";
	k.cr.rng = fz_rng;

	o.helo_domain = "client.example.org";
	o.use_pipelining = (k.f0 & 0x01) != 0;
	o.require_tls = k.require_tls;
	o.allow_plaintext_auth = (k.f0 & 0x04) != 0;
	o.use_chunking = (k.f0 & 0x08) != 0;
	o.trace = fz_trace;
	o.trace_ud = (void *)secrets;
	FZ_CHECK(lm_smtp_init(&k.c, &o, k.ibuf, k.ilen, k.obuf, k.olen) == 0, "init");
	if (k.implicit)
		FZ_CHECK(lm_smtp_set_tls_active(&k.c) == 0, "implicit TLS");

	(void)fz_run(&k.io, &engine, &k, &ev);
	check_out(&k);
	lm_smtp_free(&k.c);
	lm_sasl_free(&k.sasl);
out:
	free(k.ibuf);
	free(k.obuf);
	return 0;
}
