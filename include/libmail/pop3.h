/*
 * libmail - POP3 client engine (RFC 1939), sans-IO.
 *
 * Same shape as the SMTP engine (smtp.h): the engine does no I/O, no
 * clock and no allocation. The caller owns the context and two buffers
 * (input and output), moves bytes with recv_buf/recv_ack and
 * send_buf/send_ack, queues commands with the typed functions below and
 * pulls events with lm_pop3_next():
 *
 *     for (;;) {
 *         int r = lm_pop3_next(&c, &ev);
 *         if (r == LM_WANT_WRITE) { p = lm_pop3_send_buf(&c, &n);
 *                                   lm_pop3_send_ack(&c, tx(p, n)); }
 *         else if (r == LM_WANT_READ) { q = lm_pop3_recv_buf(&c, &n); k = rx(q, n);
 *                                   k ? lm_pop3_recv_ack(&c, k) : lm_pop3_recv_eof(&c); }
 *         else if (r == LM_EVENT) on_event(&ev);  (may queue commands)
 *         else break;                              (LM_DONE, or r < 0)
 *     }
 *
 * Extensions: CAPA (RFC 2449: TOP, USER, SASL, RESP-CODES, LOGIN-DELAY,
 * PIPELINING, EXPIRE, UIDL, IMPLEMENTATION, STLS, UTF8), STLS (RFC 2595),
 * AUTH (RFC 5034), UTF8 (RFC 6856), extended response codes (RFC 2449
 * section 8, RFC 3206: [IN-USE], [LOGIN-DELAY], [SYS/TEMP], [SYS/PERM],
 * [AUTH], and any other "[a/b/...]" code).
 *
 * Three kinds of outcome (as in SMTP):
 *  - server refusals (-ERR) are events (LM_POP3_EV_REPLY or
 *    LM_POP3_EV_AUTH_DONE with ok == 0), never errors;
 *  - caller misuse (a command in the wrong state, a bad argument) is
 *    returned by the command (LM_ERR_BAD_STATE, LM_ERR_BAD_PARAM, ...)
 *    and leaves the engine unchanged: nothing is queued;
 *  - peer violations (a line that is neither +OK nor -ERR, a status
 *    line received before its command was queued, a malformed
 *    STAT/LIST/UIDL answer, a number that overflows, an invalid UIDL
 *    value, a status line too long, plaintext injected after the +OK to
 *    STLS, EOF inside a multi-line reply, a forged SASL server) are
 *    sticky: lm_pop3_next() and every command return the same negative
 *    code from then on (lm_pop3_last_error()).
 *
 * Replies and commands: a status line or "+" challenge that begins
 * before the command it would answer was queued (in input bytes given
 * to lm_pop3_recv_ack() / lm_pop3_feed() since the start; for AUTH,
 * before its latest response to a challenge was queued) was sent before
 * the server could have read that command, so it answers something
 * else: LM_ERR_PROTOCOL (sticky). A +OK read along with the greeting is
 * not the reply to the CAPA queued after it, one read along with the
 * +OK to USER not the one to the PASS the engine queues then (it would
 * log in), one read along with an earlier reply not QUIT's (it would
 * commit the deletions). POP3 has no unsolicited responses. An honest
 * server never shows this to a caller that queues commands as events
 * arrive; feeding a whole scripted conversation at once does.
 *
 * Multi-line replies. A multi-line reply (CAPA, LIST and UIDL without
 * argument, RETR, TOP) ends only at a line holding a lone "." (".\r\n",
 * or ".\n" as LM_POP3_LENIENT_BARE_LF below allows). A line that starts
 * with "." has that dot removed (RFC 1939 3). RETR and TOP bodies stream
 * as LM_POP3_EV_DATA chunks (bytes passed as they are, NUL included):
 * dot-unstuffing works across arbitrary chunk boundaries, a body line
 * longer than the input buffer is passed through in pieces, and the
 * engine never holds more than its input buffer: memory does not grow
 * with message size. EOF before the final "." is LM_ERR_EOF (sticky),
 * and LM_POP3_EV_DATA_END is never reported for such a body.
 *
 * Named leniencies for real servers (each one accepted silently):
 *  - LM_POP3_LENIENT_BARE_LF: a line may end with LF alone instead of
 *    CRLF (RFC 1939 3 asks for CRLF). Status lines and CAPA/LIST/UIDL
 *    listing lines end at any LF (a CR just before it is dropped), and
 *    ".\n" ends a listing. In a RETR/TOP body every LF ends a line for
 *    dot-unstuffing ("..x\n" gives ".x\n"); ".\n" ends the body when
 *    the response's +OK line itself ended with LF alone (a server that
 *    ends its lines so), while after "+OK ...\r\n" only ".\r\n" does:
 *    a conforming server that relays a stored message with a bare-LF
 *    "." line without stuffing it must not end that message early (it
 *    would look complete and short). A lone CR never ends a line. Body
 *    bytes are delivered as received: bare LFs are not rewritten to
 *    CRLF.
 *
 * Queueing rule (documented choice): without PIPELINING (not offered in
 * the last CAPA reply, or opts.use_pipelining == 0) a command may be
 * queued only when every earlier command has its reply; otherwise it
 * returns LM_ERR_BAD_STATE. With PIPELINING, CAPA, STAT, LIST, UIDL,
 * RETR, TOP, DELE, RSET, NOOP and QUIT may be queued while replies are
 * outstanding (at most LM_POP3_PIPELINE_MAX; LM_ERR_LIMIT past that).
 * STLS, AUTH, USER/PASS, APOP and UTF8 change the session state: they
 * need an empty queue, and nothing may be queued behind them until
 * their outcome event. Nothing may be queued after QUIT.
 */
#ifndef LIBMAIL_POP3_H
#define LIBMAIL_POP3_H

#include "common.h"
#include "sasl.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest POP3 status line (a "+OK"/"-ERR" line, or a CAPA, LIST or
 *  UIDL listing line) accepted, CRLF included (RFC 2449 section 4 allows
 *  512). Body lines of RETR/TOP have no limit. Override with -D. */
#ifndef LM_POP3_LINE_MAX
#define LM_POP3_LINE_MAX 1024
#endif

/** Most commands whose replies may be outstanding at once (PIPELINING).
 *  Queueing one more returns LM_ERR_LIMIT. */
#ifndef LM_POP3_PIPELINE_MAX
#define LM_POP3_PIPELINE_MAX 64
#endif

/** Bytes kept for the CAPA lines (each line and one separator byte). A
 *  server whose CAPA reply does not fit makes the engine fail with
 *  LM_ERR_LIMIT (sticky). */
#ifndef LM_POP3_CAPS_MAX
#define LM_POP3_CAPS_MAX 1024
#endif

/** Scratch inside the context for one raw SASL response (before base64),
 *  also used to keep the PASS argument until it is sent. A longer SASL
 *  response fails the exchange with LM_ERR_BUFFER_TOO_SMALL; a longer
 *  password is LM_ERR_BAD_PARAM. */
#ifndef LM_POP3_SASL_MAX
#define LM_POP3_SASL_MAX 2048
#endif

/** Recommended input buffer size: one status line of LM_POP3_LINE_MAX
 *  bytes plus slack. Larger buffers give larger DATA chunks (fewer
 *  events); smaller ones (>= 64 bytes) lower the accepted status line
 *  length to the buffer size. */
#define LM_POP3_BUFSIZE_IN  (LM_POP3_LINE_MAX + 16)
/** Recommended output buffer size. Long SASL responses (OAuth tokens)
 *  and large pipelined groups need more. */
#define LM_POP3_BUFSIZE_OUT 4096
/** Smallest input buffer lm_pop3_init() accepts. */
#define LM_POP3_BUFSIZE_IN_MIN 64
/** Smallest output buffer lm_pop3_init() accepts. */
#define LM_POP3_BUFSIZE_OUT_MIN 512

/** Which command a reply answers. */
typedef enum {
	LM_POP3_CMD_NONE = 0,   /**< none (not used in events)              */
	LM_POP3_CMD_GREETING,   /**< the connection greeting                */
	LM_POP3_CMD_CAPA,
	LM_POP3_CMD_STLS,
	LM_POP3_CMD_AUTH,
	LM_POP3_CMD_USER,
	LM_POP3_CMD_PASS,
	LM_POP3_CMD_APOP,
	LM_POP3_CMD_STAT,
	LM_POP3_CMD_LIST,
	LM_POP3_CMD_UIDL,
	LM_POP3_CMD_RETR,
	LM_POP3_CMD_TOP,
	LM_POP3_CMD_DELE,
	LM_POP3_CMD_RSET,
	LM_POP3_CMD_NOOP,
	LM_POP3_CMD_QUIT,
	LM_POP3_CMD_UTF8
} lm_pop3_cmd;

/** Kinds of event returned by lm_pop3_next(). */
typedef enum {
	/** +OK banner: ev.text; ev.apop is the "<...>" timestamp (RFC 1939
	 *  7, brackets included) when the banner holds one, else empty.
	 *  A -ERR banner is an LM_POP3_EV_REPLY with cmd
	 *  LM_POP3_CMD_GREETING and ok 0; only lm_pop3_quit() is allowed
	 *  after it. */
	LM_POP3_EV_GREETING = 1,
	/** Final status of ev.cmd: ev.ok (1 for +OK, 0 for -ERR), ev.code
	 *  (response code without brackets, e.g. "SYS/TEMP", "IN-USE",
	 *  "LOGIN-DELAY", "AUTH"; empty if none), ev.text (after the code).
	 *  For multi-line commands (CAPA, LIST/UIDL without argument, RETR,
	 *  TOP) it comes after the last item / LM_POP3_EV_DATA_END; a -ERR
	 *  comes alone. For LIST/UIDL with an argument it follows the single
	 *  item. For QUIT, ev.committed says whether deletions were
	 *  committed. -ERR is an event, never an error. */
	LM_POP3_EV_REPLY,
	/** +OK to STAT: ev.msg = message count, ev.size = octets. The
	 *  LM_POP3_EV_REPLY follows. */
	LM_POP3_EV_STAT,
	/** One scan listing of LIST (all, or the single one): ev.msg,
	 *  ev.size. */
	LM_POP3_EV_LIST_ITEM,
	/** One unique-id listing of UIDL (all or single): ev.msg, ev.uid
	 *  (opaque bytes, validated: 1..70 bytes in 0x21..0x7E; never use
	 *  it as a file name as it is). */
	LM_POP3_EV_UIDL_ITEM,
	/** One CAPA line in ev.text (the engine also records it for
	 *  lm_pop3_has_capa()). */
	LM_POP3_EV_CAPA_LINE,
	/** A chunk of a RETR/TOP body (ev.cmd, ev.msg): ev.data, already
	 *  dot-unstuffed, line ends kept as sent (CRLF, or LF alone from a
	 *  server that sends so: LM_POP3_LENIENT_BARE_LF). Chunks split
	 *  lines anywhere. */
	LM_POP3_EV_DATA,
	/** The terminating "." of a RETR/TOP body arrived: the message is
	 *  complete (ev.cmd, ev.msg). The LM_POP3_EV_REPLY follows. */
	LM_POP3_EV_DATA_END,
	/** +OK to STLS: run the TLS handshake on the same connection, then
	 *  call lm_pop3_tls_done(). Any byte that arrived after the +OK line
	 *  is a sticky LM_ERR_PROTOCOL (plaintext injection). A -ERR is an
	 *  LM_POP3_EV_REPLY with cmd STLS. */
	LM_POP3_EV_TLS_READY,
	/** AUTH, USER+PASS or APOP finished (ev.cmd is AUTH, USER, PASS or
	 *  APOP; USER when the USER command itself was refused): ev.ok
	 *  (1: the session is in the TRANSACTION state), ev.code, ev.text. */
	LM_POP3_EV_AUTH_DONE,
	/** The server closed the connection after QUIT (or after a -ERR
	 *  greeting). lm_pop3_next() returns LM_DONE afterwards. */
	LM_POP3_EV_CLOSED
} lm_pop3_event_type;

/** One event. Slices point into the input buffer or the context and are
 *  valid until the next call into the engine; an empty slice has len 0
 *  and a non-NULL p. */
typedef struct {
	lm_pop3_event_type type;
	lm_pop3_cmd cmd;      /**< the command this answers               */
	int ok;               /**< 1 for +OK, 0 for -ERR (REPLY, AUTH_DONE,
	                           GREETING: 1)                           */
	unsigned long msg;    /**< message number (STAT: count; LIST, UIDL,
	                           RETR, TOP, DELE items), else 0          */
	uint64_t size;        /**< octets (STAT: maildrop; LIST: message) */
	lm_slice code;        /**< response code without brackets, or empty */
	lm_slice text;        /**< status text (after the code), or the CAPA
	                           line, without CRLF                      */
	lm_slice uid;         /**< UIDL value (UIDL_ITEM)                  */
	lm_slice apop;        /**< greeting timestamp "<...>" (GREETING)   */
	lm_slice data;        /**< body bytes (DATA)                       */
	int committed;        /**< REPLY to QUIT: 1 when +OK came after
	                           authentication (the UPDATE state: the
	                           messages marked with DELE are now
	                           removed), else 0                        */
} lm_pop3_event;

/** Value of lm_pop3_opts.version. */
#define LM_POP3_OPTS_VERSION 1

/** Engine options; copied by lm_pop3_init(). */
typedef struct {
	int version;               /**< LM_POP3_OPTS_VERSION                  */
	int allow_plaintext_auth;  /**< 1: USER/PASS and AUTH PLAIN/LOGIN
	                                allowed before TLS                    */
	int require_tls;           /**< 1: no USER, PASS, APOP, AUTH before
	                                STLS completed (or implicit TLS)      */
	int use_pipelining;        /**< 1: pipeline when the server offers it */
	lm_trace_fn trace;         /**< every status/listing line in ('S')
	                                and every command out ('C'); PASS,
	                                APOP digests and AUTH payloads
	                                redacted; body data is not traced    */
	void *trace_ud;            /**< passed to trace                       */
} lm_pop3_opts;

/** Secure defaults: TLS required, pipelining when offered. */
#define LM_POP3_OPTS_INIT { 1, 0, 1, 1, NULL, NULL }

/** The engine context. Allocate it anywhere; members are private. */
typedef struct {
	lm_pop3_opts LM_PRIVATE(opts);
	lm_core__io LM_PRIVATE(io);   /* the borrowed buffers            */
	int LM_PRIVATE(err);          /* sticky error                        */
	int LM_PRIVATE(phase);        /* session state                       */
	int LM_PRIVATE(eof);
	int LM_PRIVATE(tls);
	int LM_PRIVATE(closed_sent);
	int LM_PRIVATE(utf8);         /* UTF8 accepted                       */
	int LM_PRIVATE(authed);       /* login succeeded                     */
	/* reply being parsed */
	int LM_PRIVATE(ml);           /* inside a multi-line reply: kind     */
	int LM_PRIVATE(bstate);       /* body dot-unstuffing state           */
	int LM_PRIVATE(body_lf);      /* the body's +OK ended in LF alone    */
	int LM_PRIVATE(st_ok);        /* saved status of the multi-line reply */
	size_t LM_PRIVATE(st_code_len), LM_PRIVATE(st_text_len);
	unsigned char LM_PRIVATE(st_code)[64];
	unsigned char LM_PRIVATE(st_text)[LM_POP3_LINE_MAX];
	int LM_PRIVATE(pend_ev);      /* queued follow-up event              */
	/* pending replies: ring */
	unsigned char LM_PRIVATE(q_cmd)[LM_POP3_PIPELINE_MAX];
	unsigned long LM_PRIVATE(q_arg)[LM_POP3_PIPELINE_MAX];
	/* input offset (rx_total) when each was queued, or when its latest
	 * SASL response was: its reply starts there or later */
	uint64_t LM_PRIVATE(q_rx)[LM_POP3_PIPELINE_MAX];
	unsigned LM_PRIVATE(q_head), LM_PRIVATE(q_count);
	int LM_PRIVATE(q_block);      /* a state-changing command is pending */
	/* capabilities from the last CAPA */
	int LM_PRIVATE(have_caps);
	int LM_PRIVATE(pipe_cap);     /* PIPELINING listed                   */
	size_t LM_PRIVATE(caps_len);
	char LM_PRIVATE(caps)[LM_POP3_CAPS_MAX];
	/* greeting timestamp */
	size_t LM_PRIVATE(ts_len);
	char LM_PRIVATE(ts)[LM_POP3_LINE_MAX];
	/* AUTH, PASS */
	int LM_PRIVATE(wipe_out);     /* output holds credentials            */
	lm_sasl *LM_PRIVATE(sasl);
	int LM_PRIVATE(auth_fail);
	size_t LM_PRIVATE(pass_len);
	int LM_PRIVATE(ir_pending);   /* initial response kept in sasl_raw   */
	size_t LM_PRIVATE(ir_len);
	unsigned char LM_PRIVATE(sasl_raw)[LM_POP3_SASL_MAX];
} lm_pop3_client;

/**
 * \brief Prepare a context. The buffers are borrowed and MUST outlive
 *        the context; the engine writes into them only.
 *
 * The engine starts waiting for the server greeting.
 *
 * \param o     options (copied); NULL means LM_POP3_OPTS_INIT.
 * \param ibuf  input buffer, at least LM_POP3_BUFSIZE_IN_MIN bytes
 *              (LM_POP3_BUFSIZE_IN recommended: a status line longer
 *              than min(ilen, LM_POP3_LINE_MAX) is LM_ERR_LINE_TOO_LONG).
 * \param obuf  output buffer, at least LM_POP3_BUFSIZE_OUT_MIN bytes.
 * \return 0; LM_ERR_BAD_PARAM for NULL pointers, small buffers or a
 *         wrong opts version.
 */
LM_API int lm_pop3_init(lm_pop3_client *c, const lm_pop3_opts *o,
                        void *ibuf, size_t ilen, void *obuf, size_t olen);

/** \brief Start over for a new connection with the same options and
 *         buffers (as after lm_pop3_init()): state, capabilities, pending
 *         replies, sticky error, TLS state and buffered bytes are
 *         dropped (call lm_pop3_set_tls_active() again for implicit TLS).
 *  \return 0, or LM_ERR_BAD_PARAM if c was never initialized. */
LM_API int lm_pop3_reset(lm_pop3_client *c);

/** \brief Zeroize the context (it may hold a password or SASL data).
 *         NULL-safe and idempotent. The engine zeroizes a PASS, APOP or
 *         AUTH line in the output buffer as soon as it has been sent
 *         (lm_pop3_send_ack()) and, if still unsent, here. */
LM_API void lm_pop3_free(lm_pop3_client *c);

/**
 * \brief Where to put bytes received from the server.
 * \param len set to the free space (0 when the buffer is full: call
 *        lm_pop3_next() first).
 * \return a pointer into the input buffer; valid until the next call
 *         into the engine. Then call lm_pop3_recv_ack().
 */
LM_API unsigned char *lm_pop3_recv_buf(lm_pop3_client *c, size_t *len);

/** \brief len bytes were written at lm_pop3_recv_buf(). Bytes that
 *         arrive while the engine waits for the TLS handshake make it
 *         fail (LM_ERR_PROTOCOL, sticky). */
LM_API void lm_pop3_recv_ack(lm_pop3_client *c, size_t len);

/** \brief The server closed the connection. Expected after QUIT's reply
 *         or a -ERR greeting (-> LM_POP3_EV_CLOSED); at any other time,
 *         including inside a multi-line reply, lm_pop3_next() fails with
 *         LM_ERR_EOF (sticky) once the buffered bytes have been
 *         delivered, and never reports LM_POP3_EV_DATA_END. */
LM_API void lm_pop3_recv_eof(lm_pop3_client *c);

/**
 * \brief Copying helper: recv_buf + memcpy + recv_ack.
 * \param used set to the bytes taken (may be < n when the buffer is
 *        full: call lm_pop3_next() and feed the rest later).
 * \return 0, LM_ERR_BAD_PARAM, or the sticky error.
 */
LM_API int lm_pop3_feed(lm_pop3_client *c, const void *p, size_t n, size_t *used);

/**
 * \brief Bytes to send to the server.
 * \param len set to their number (0: nothing to send).
 * \return a pointer into the output buffer, valid until the next call
 *         into the engine. Then call lm_pop3_send_ack().
 */
LM_API const unsigned char *lm_pop3_send_buf(const lm_pop3_client *c, size_t *len);

/** \brief len bytes from lm_pop3_send_buf() were sent (clamped to what
 *         was pending). */
LM_API void lm_pop3_send_ack(lm_pop3_client *c, size_t len);

/**
 * \brief Advance the engine and get the next event.
 *
 * Sending comes first: while output is pending the result is
 * LM_WANT_WRITE, so replies are parsed only once everything queued has
 * been handed out.
 *
 * \param ev written when LM_EVENT is returned; its slices are valid until
 *        the next call into the engine.
 * \return LM_EVENT; LM_WANT_WRITE; LM_WANT_READ (feed input; also when
 *         idle with no reply outstanding: do not block on reading unless
 *         you expect something); LM_DONE after LM_POP3_EV_CLOSED;
 *         LM_ERR_BAD_STATE while the engine waits for lm_pop3_tls_done()
 *         (not sticky); a sticky error < 0: LM_ERR_PROTOCOL,
 *         LM_ERR_LINE_TOO_LONG, LM_ERR_LIMIT, LM_ERR_EOF, LM_ERR_SASL,
 *         LM_ERR_BUFFER_TOO_SMALL, or an lm_sasl_step() error.
 */
LM_API int lm_pop3_next(lm_pop3_client *c, lm_pop3_event *ev);

/** \brief Declare the connection already protected by TLS (implicit TLS,
 *         pop3s, RFC 8314). Allowed only before any byte was received:
 *         bytes already in the engine came before the caller's TLS.
 *  \return 0 or LM_ERR_BAD_STATE. */
LM_API int lm_pop3_set_tls_active(lm_pop3_client *c);

/** \brief 1 after lm_pop3_tls_done() or lm_pop3_set_tls_active(), else 0. */
LM_API int lm_pop3_tls_active(const lm_pop3_client *c);

/**
 * \brief Queue CAPA (RFC 2449). Each line gives LM_POP3_EV_CAPA_LINE,
 *        then LM_POP3_EV_REPLY cmd CAPA. The previous capabilities are
 *        replaced when the +OK arrives; a -ERR leaves none.
 * \return 0, LM_ERR_BAD_STATE (before the greeting, after QUIT, waiting
 *         for TLS, queue rule), LM_ERR_LIMIT, LM_ERR_BUFFER_TOO_SMALL
 *         (output full: drain it with lm_pop3_next()), the sticky error.
 */
LM_API int lm_pop3_capa(lm_pop3_client *c);

/**
 * \brief Queue STLS (RFC 2595). +OK gives LM_POP3_EV_TLS_READY; -ERR an
 *        LM_POP3_EV_REPLY cmd STLS (the caller should then fail with
 *        LM_ERR_STARTTLS_FAILED).
 * \return 0; LM_ERR_NO_STARTTLS if the last CAPA did not offer STLS (or
 *         no CAPA was done); LM_ERR_BAD_STATE (TLS already active, not in
 *         the AUTHORIZATION state, queue rule); LM_ERR_PROTOCOL (made
 *         sticky) if bytes from the server are already waiting unparsed:
 *         they answer nothing, and would otherwise be taken for the reply
 *         to STLS; the sticky error.
 */
LM_API int lm_pop3_stls(lm_pop3_client *c);

/**
 * \brief The TLS handshake after LM_POP3_EV_TLS_READY succeeded: the
 *        engine forgets the capabilities; the caller sends CAPA again.
 * \return 0, LM_ERR_BAD_STATE when not waiting for TLS, the sticky error.
 */
LM_API int lm_pop3_tls_done(lm_pop3_client *c);

/**
 * \brief Authenticate with an initialized SASL context (RFC 5034).
 *
 * Sends "AUTH <MECH> <base64 initial response>" ("=" for an empty one)
 * when the mechanism has an initial response and the command line fits
 * 255 octets; else "AUTH <MECH>", answering the first empty challenge
 * with the initial response. Each "+ <base64>" challenge is decoded,
 * stepped and answered in base64. An invalid base64 challenge
 * (LM_ERR_PROTOCOL) or a SASL error (LM_ERR_SASL) cancels the exchange
 * with "*"; once that line is sent, lm_pop3_next() fails with that
 * error (sticky) without waiting for the server's -ERR. When the
 * initial response did not fit the AUTH line, the server's first
 * challenge must be empty (else LM_ERR_SASL after "*"). On +OK the engine calls lm_sasl_finish(): if the
 * mechanism is not satisfied lm_pop3_next() fails with LM_ERR_SASL
 * (sticky), else LM_POP3_EV_AUTH_DONE ok 1. A -ERR gives
 * LM_POP3_EV_AUTH_DONE ok 0. The trace shows "AUTH <MECH> <redacted>"
 * and "<redacted>" for the responses.
 *
 * \param s  borrowed until LM_POP3_EV_AUTH_DONE or an error; the caller
 *           frees it.
 * \return 0; LM_ERR_PLAINTEXT when TLS is not active and
 *         opts.require_tls is set, or the mechanism sends its secret in
 *         clear (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER) and
 *         opts.allow_plaintext_auth is 0; LM_ERR_UNSUPPORTED when the
 *         last CAPA has no SASL line; LM_ERR_NO_MECH when it does not
 *         list this mechanism; LM_ERR_BAD_STATE (not in AUTHORIZATION,
 *         queue rule); LM_ERR_BAD_PARAM (NULL, uninitialized s); an
 *         lm_sasl_step() error for the initial response;
 *         LM_ERR_BUFFER_TOO_SMALL; the sticky error.
 */
LM_API int lm_pop3_auth(lm_pop3_client *c, lm_sasl *s);

/**
 * \brief Log in with USER and PASS (RFC 1939 7). USER is queued now;
 *        PASS is sent by the engine after the +OK to USER, also when
 *        pipelining (USER changes the state: nothing is pipelined
 *        behind it). The password is copied into the context and
 *        zeroized once sent; the trace shows "PASS <redacted>".
 *        Outcome: LM_POP3_EV_AUTH_DONE (cmd USER if USER was refused,
 *        else cmd PASS).
 * \return 0; LM_ERR_PLAINTEXT when TLS is not active and either
 *         opts.require_tls is set or opts.allow_plaintext_auth is 0;
 *         LM_ERR_BAD_PARAM (NULL or empty; a control byte such as CR
 *         or LF in either; a space in user (a space in the password is
 *         allowed: RFC 1939 7 lets PASS carry it); either longer than
 *         240 bytes); LM_ERR_BAD_STATE; the sticky error. Nothing is
 *         queued on error. Bytes >= 0x80 are sent as they are (UTF-8
 *         after lm_pop3_utf8()).
 */
LM_API int lm_pop3_user_pass(lm_pop3_client *c, const char *user, const char *pass);

/**
 * \brief Log in with APOP (RFC 1939 7): sends
 *        "APOP <user> <hex MD5(timestamp || pass)>". Only when the
 *        caller asks for it (MD5 is weak; the password must be stored in
 *        clear on the server). The trace shows "APOP <user> <redacted>".
 *        Outcome: LM_POP3_EV_AUTH_DONE cmd APOP.
 * \return 0; LM_ERR_UNSUPPORTED when the greeting held no timestamp;
 *         LM_ERR_PLAINTEXT when TLS is not active and opts.require_tls
 *         is set; LM_ERR_BAD_PARAM (NULL; an empty user, a user with a
 *         space or control byte or longer than 215 bytes, which keeps
 *         the command within RFC 2449 4's 255 octets; timestamp and
 *         password together longer than 2048 bytes: the password itself
 *         never goes out, so any byte is allowed in it);
 *         LM_ERR_BAD_STATE; the sticky error. Nothing is queued on error.
 */
LM_API int lm_pop3_apop(lm_pop3_client *c, const char *user, const char *pass);

/** \brief Queue STAT (TRANSACTION state): LM_POP3_EV_STAT then
 *         LM_POP3_EV_REPLY. \return 0, LM_ERR_BAD_STATE, LM_ERR_LIMIT,
 *         LM_ERR_BUFFER_TOO_SMALL, the sticky error. */
LM_API int lm_pop3_stat(lm_pop3_client *c);

/** \brief Queue LIST (msg 0: every message, a multi-line listing; else
 *         one message): LM_POP3_EV_LIST_ITEM per message, then
 *         LM_POP3_EV_REPLY. \return as lm_pop3_stat(). */
LM_API int lm_pop3_list(lm_pop3_client *c, unsigned long msg);

/** \brief Queue UIDL (msg 0: every message; else one):
 *         LM_POP3_EV_UIDL_ITEM per message, then LM_POP3_EV_REPLY.
 *         \return as lm_pop3_stat(). */
LM_API int lm_pop3_uidl(lm_pop3_client *c, unsigned long msg);

/** \brief Queue RETR msg (msg >= 1): on +OK, LM_POP3_EV_DATA chunks,
 *         LM_POP3_EV_DATA_END, LM_POP3_EV_REPLY; on -ERR only the
 *         LM_POP3_EV_REPLY. \return as lm_pop3_stat(); LM_ERR_BAD_PARAM
 *         for msg 0. */
LM_API int lm_pop3_retr(lm_pop3_client *c, unsigned long msg);

/** \brief Queue TOP msg lines (RFC 1939 7): the header and the first
 *         `lines` body lines, as for RETR. \return as lm_pop3_retr(). */
LM_API int lm_pop3_top(lm_pop3_client *c, unsigned long msg, unsigned long lines);

/** \brief Queue DELE msg (msg >= 1). The message is only marked: the
 *         server removes it when QUIT is answered +OK.
 *         \return as lm_pop3_retr(). */
LM_API int lm_pop3_dele(lm_pop3_client *c, unsigned long msg);

/** \brief Queue RSET (unmark every DELE). \return as lm_pop3_stat(). */
LM_API int lm_pop3_rset(lm_pop3_client *c);

/** \brief Queue NOOP. \return as lm_pop3_stat(). */
LM_API int lm_pop3_noop(lm_pop3_client *c);

/** \brief Queue QUIT (any state after the greeting except while AUTH or
 *         STLS is pending). Deletions are committed only by the +OK to a
 *         QUIT sent in the TRANSACTION state (the UPDATE state, RFC 1939
 *         6): the LM_POP3_EV_REPLY cmd QUIT then has committed 1. EOF
 *         then gives LM_POP3_EV_CLOSED. A status line received before
 *         QUIT was queued (an extra +OK that came with an earlier reply)
 *         is not QUIT's: LM_ERR_PROTOCOL (sticky), nothing committed.
 *  \return 0, LM_ERR_BAD_STATE, LM_ERR_LIMIT, the sticky error. */
LM_API int lm_pop3_quit(lm_pop3_client *c);

/** \brief Queue UTF8 (RFC 6856 2; AUTHORIZATION state, needs UTF8 in
 *         the last CAPA). The reply is LM_POP3_EV_REPLY cmd UTF8.
 *  \return 0, LM_ERR_UNSUPPORTED, LM_ERR_BAD_STATE, the sticky error. */
LM_API int lm_pop3_utf8(lm_pop3_client *c);

/** \brief 1 if the last CAPA reply listed keyword kw (case-insensitive,
 *         whole keyword), else 0. Always 0 before CAPA and after
 *         lm_pop3_tls_done(). */
LM_API int lm_pop3_has_capa(const lm_pop3_client *c, const char *kw);

/**
 * \brief Parameters of a CAPA keyword, e.g. "PLAIN SCRAM-SHA-256" for
 *        SASL, "60" for LOGIN-DELAY.
 * \param param set to the text after the keyword and its space (empty
 *        when none); valid until the next CAPA reply or
 *        lm_pop3_tls_done().
 * \return 1 if listed, 0 if not (param then empty).
 */
LM_API int lm_pop3_capa_param(const lm_pop3_client *c, const char *kw,
                              lm_slice *param);

/** \brief The sticky error, or 0. */
LM_API int lm_pop3_last_error(const lm_pop3_client *c);

/** \brief Number of commands queued whose reply has not been fully
 *         delivered yet (0: idle). */
LM_API unsigned lm_pop3_pending(const lm_pop3_client *c);

/** \brief 1 when commands may be pipelined now (PIPELINING in the last
 *         CAPA and opts.use_pipelining), else 0. */
LM_API int lm_pop3_pipelining(const lm_pop3_client *c);

/** \brief 1 after a successful login (TRANSACTION state), else 0. */
LM_API int lm_pop3_authenticated(const lm_pop3_client *c);

/** \brief Name of a command ("RETR", "GREETING", ...), for logs. */
LM_API const char *lm_pop3_cmd_name(lm_pop3_cmd cmd);

/** \brief Name of an event type ("REPLY", "DATA", ...), for logs. */
LM_API const char *lm_pop3_event_name(lm_pop3_event_type t);

#ifdef __cplusplus
}
#endif
#endif
