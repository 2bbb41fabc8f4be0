/*
 * libmail - SMTP client engine (RFC 5321), sans-IO.
 *
 * The engine does no I/O, no clock and no allocation. The caller owns
 * the context and two buffers (input and output), moves bytes with the
 * BearSSL-style pairs recv_buf/recv_ack and send_buf/send_ack, queues
 * commands with the typed functions below and pulls events with
 * lm_smtp_next():
 *
 *     for (;;) {
 *         int r = lm_smtp_next(&c, &ev);
 *         if (r == LM_WANT_WRITE) { p = lm_smtp_send_buf(&c, &n);
 *                                   lm_smtp_send_ack(&c, tx(p, n)); }
 *         else if (r == LM_WANT_READ) { q = lm_smtp_recv_buf(&c, &n); k = rx(q, n);
 *                                   k ? lm_smtp_recv_ack(&c, k) : lm_smtp_recv_eof(&c); }
 *         else if (r == LM_EVENT) on_event(&ev);  (may queue commands)
 *         else break;                              (LM_DONE, or r < 0)
 *     }
 *
 * Extensions: ESMTP capabilities (RFC 5321 4.1.1.1), SIZE (RFC 1870),
 * PIPELINING (RFC 2920), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531),
 * CHUNKING/BDAT (RFC 3030), DSN (RFC 3461), ENHANCEDSTATUSCODES
 * (RFC 2034/3463), STARTTLS (RFC 3207), AUTH (RFC 4954).
 *
 * Three kinds of outcome:
 *  - server refusals (4xx/5xx) are events (LM_SMTP_EV_REPLY with code),
 *    never errors;
 *  - caller misuse (a command in the wrong state, a bad argument) is
 *    returned by the command (LM_ERR_BAD_STATE, LM_ERR_BAD_PARAM, ...)
 *    and leaves the engine unchanged: nothing is queued;
 *  - peer violations (malformed reply, reply code changing inside a
 *    multi-line reply, a reply received before its command was queued,
 *    line too long, plaintext injected after STARTTLS, unexpected EOF,
 *    forged SASL server) are sticky: lm_smtp_next() and every command
 *    return the same negative code from then on (lm_smtp_last_error()).
 *
 * Replies and commands: a reply that begins before the command it would
 * answer was queued (in input bytes given to lm_smtp_recv_ack() /
 * lm_smtp_feed() since the start; for AUTH, before its latest response
 * to a 334 was queued) was sent before the server could have read that
 * command, so it answers something else: LM_ERR_PROTOCOL (sticky). A
 * 250 read along with the greeting is not the reply to the EHLO queued
 * after it, one read along with the 354 not the reply to the end of
 * data, a 334 read along with the previous one not the next challenge.
 * A multi-line reply begins with its first line: one whose first line
 * came while no command was outstanding answers none queued later.
 * The HELO fallback and the end of an empty message (lm_smtp_data())
 * are queued by the engine when the reply before them arrives: the same
 * holds for them. Only a 421 may come at any time (RFC 5321 3.8). An
 * honest server never shows this to a caller that queues commands as
 * events arrive; feeding a whole scripted conversation at once does.
 *
 * Queueing rule (documented choice): without PIPELINING (not offered,
 * or opts.use_pipelining == 0) a command may be queued only when every
 * earlier command has its reply; otherwise it returns LM_ERR_BAD_STATE.
 * With PIPELINING, MAIL, RCPT, RSET may be followed at once by further
 * MAIL/RCPT/DATA/RSET/NOOP/QUIT commands (RFC 2920: EHLO, DATA, NOOP,
 * QUIT, STARTTLS, AUTH end a group; after the end of a message only QUIT
 * may be pipelined); at most LM_SMTP_PIPELINE_MAX replies may be
 * outstanding (LM_ERR_LIMIT past that).
 */
#ifndef LIBMAIL_SMTP_H
#define LIBMAIL_SMTP_H

#include "common.h"
#include "sasl.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most commands whose replies may be outstanding at once (PIPELINING).
 *  Queueing one more returns LM_ERR_LIMIT. */
#ifndef LM_SMTP_PIPELINE_MAX
#define LM_SMTP_PIPELINE_MAX 64
#endif

/** Bytes kept for the EHLO capability lines (keyword and parameters,
 *  one byte of separator each). A server whose EHLO reply does not fit
 *  makes the engine fail with LM_ERR_LIMIT. */
#ifndef LM_SMTP_CAPS_MAX
#define LM_SMTP_CAPS_MAX 1024
#endif

/** Scratch for one raw SASL response (before base64) inside the
 *  context; a longer response makes the exchange fail with
 *  LM_ERR_BUFFER_TOO_SMALL. */
#ifndef LM_SMTP_SASL_MAX
#define LM_SMTP_SASL_MAX 2048
#endif

/** Recommended (and minimum useful) input buffer size: one reply line
 *  of LM_SMTP_LINE_MAX bytes plus slack. A smaller buffer (>= 64 bytes)
 *  works but lowers the accepted line length to its size. */
#define LM_SMTP_BUFSIZE_IN  (LM_SMTP_LINE_MAX + 16)
/** Recommended output buffer size. The minimum is 512 bytes; AUTH with
 *  long responses (OAuth tokens) and large pipelined groups need more. */
#define LM_SMTP_BUFSIZE_OUT 4096
/** Smallest output buffer lm_smtp_init() accepts. */
#define LM_SMTP_BUFSIZE_OUT_MIN 512

/* Private (the engine and the fuzz harnesses' bounds checks): a BDAT
 * chunk's data waits at obuf + LM_SMTP__BDAT_HDR, the room for its
 * header "BDAT 18446744073709551615 LAST\r\n"; the body writers keep
 * LM_SMTP__BODY_RESERVE bytes free at the end for CRLF ".\r\n". */
#define LM_SMTP__BDAT_HDR 32
#define LM_SMTP__BODY_RESERVE 5

/** Which command a reply answers. */
typedef enum {
	LM_SMTP_CMD_NONE = 0,   /**< unsolicited (only 421 is accepted)    */
	LM_SMTP_CMD_GREETING,   /**< the connection greeting               */
	LM_SMTP_CMD_EHLO,
	LM_SMTP_CMD_HELO,       /**< fallback after EHLO was refused        */
	LM_SMTP_CMD_STARTTLS,
	LM_SMTP_CMD_AUTH,
	LM_SMTP_CMD_MAIL,
	LM_SMTP_CMD_RCPT,
	LM_SMTP_CMD_DATA,
	LM_SMTP_CMD_BDAT,       /**< a non-final BDAT chunk                 */
	LM_SMTP_CMD_BODY,       /**< end of data (".", or BDAT LAST): the
	                             final reply to the message            */
	LM_SMTP_CMD_RSET,
	LM_SMTP_CMD_NOOP,
	LM_SMTP_CMD_QUIT
} lm_smtp_cmd;

/** Kinds of event returned by lm_smtp_next(). */
typedef enum {
	/** 220 banner (code, text); any other greeting code is an
	 *  LM_SMTP_EV_REPLY with cmd LM_SMTP_CMD_GREETING, after which only
	 *  lm_smtp_quit() is allowed. */
	LM_SMTP_EV_GREETING = 1,
	/** One non-final line of a multi-line reply (for EHLO: the domain
	 *  line and each capability line; the last line comes with the
	 *  final event). */
	LM_SMTP_EV_REPLY_LINE,
	/** Final reply to ev.cmd; 4xx/5xx are NOT errors. For RCPT, ev.index
	 *  says which recipient. A 421 (any command, or unsolicited with cmd
	 *  LM_SMTP_CMD_NONE) means the server is closing: LM_SMTP_EV_CLOSED
	 *  follows at EOF and no command is accepted any more. */
	LM_SMTP_EV_REPLY,
	/** 220 to STARTTLS: run the TLS handshake on the same connection,
	 *  then call lm_smtp_tls_done(). No byte may be read in plaintext in
	 *  between: any byte that arrived after the 220 is a sticky
	 *  LM_ERR_PROTOCOL (plaintext command injection, CVE-2021-22947). */
	LM_SMTP_EV_TLS_READY,
	/** 354 to DATA, or (BDAT mode) the transaction is ready for its body:
	 *  lm_smtp_body_write() / lm_smtp_body_end() are allowed now. In BDAT
	 *  mode cmd is LM_SMTP_CMD_BDAT and code 0. */
	LM_SMTP_EV_DATA_READY,
	/** AUTH finished: code 235 means success and the SASL mechanism
	 *  accepted it (lm_sasl_finish() returned 0); any other code is the
	 *  server's refusal. */
	LM_SMTP_EV_AUTH_DONE,
	/** The server closed the connection after QUIT or 421. lm_smtp_next()
	 *  returns LM_DONE afterwards. */
	LM_SMTP_EV_CLOSED
} lm_smtp_event_type;

/** One event. The text slice points into the input buffer. */
typedef struct {
	lm_smtp_event_type type;
	lm_smtp_cmd cmd;       /**< which command this answers              */
	unsigned index;        /**< for RCPT: 0-based index of the recipient
	                            in this transaction, else 0            */
	int code;              /**< 3-digit reply code, or 0               */
	int enh_class, enh_subject, enh_detail;  /**< RFC 3463 x.y.z, 0 if none */
	lm_slice text;         /**< text after the code (and after the
	                            enhanced code when one was parsed), without
	                            CRLF; valid until the next call into the
	                            engine                                  */
} lm_smtp_event;

/** Value of lm_smtp_opts.version. */
#define LM_SMTP_OPTS_VERSION 1

/** Engine options; copied by lm_smtp_init() (helo_domain is borrowed
 *  and MUST outlive the context). */
typedef struct {
	int version;               /**< LM_SMTP_OPTS_VERSION                  */
	const char *helo_domain;   /**< EHLO/HELO argument: a domain or an
	                                address literal, printable ASCII, no
	                                space; NULL means "localhost"        */
	int allow_plaintext_auth;  /**< 1: PLAIN/LOGIN allowed before TLS     */
	int require_tls;           /**< 1: no mail commands and no AUTH before
	                                STARTTLS completed, no HELO fallback  */
	int use_pipelining;        /**< 1: pipeline when the server offers it */
	int use_chunking;          /**< 1: BDAT when the server offers CHUNKING */
	lm_trace_fn trace;         /**< every line in ('S') and out ('C'),
	                                AUTH payloads redacted; NULL: none   */
	void *trace_ud;            /**< passed to trace                      */
} lm_smtp_opts;

/** Secure defaults: TLS required, pipelining and chunking when offered. */
#define LM_SMTP_OPTS_INIT { 1, "localhost", 0, 1, 1, 1, NULL, NULL }

/** lm_smtp_mail_params.ret values (RFC 3461 RET=). */
#define LM_SMTP_RET_DEFAULT 0   /**< no RET parameter                      */
#define LM_SMTP_RET_FULL    1   /**< RET=FULL                              */
#define LM_SMTP_RET_HDRS    2   /**< RET=HDRS                              */

/** Value of lm_smtp_mail_params.version and lm_smtp_rcpt_params.version. */
#define LM_SMTP_PARAMS_VERSION 1

/** Optional MAIL FROM parameters. Every parameter needs its extension
 *  in the last EHLO reply, else lm_smtp_mail_from() returns
 *  LM_ERR_UNSUPPORTED. Sent in this order:
 *  SIZE= BODY=8BITMIME SMTPUTF8 RET= ENVID= REQUIRETLS.
 *  A caller whose recipients include a non-ASCII local part SHOULD set
 *  smtputf8 when the server offers SMTPUTF8: RCPT cannot add it later. */
typedef struct {
	int version;              /**< LM_SMTP_PARAMS_VERSION                 */
	uint64_t size;            /**< SIZE=n (needs SIZE); 0: not sent       */
	int body8bit;             /**< BODY=8BITMIME (needs 8BITMIME)         */
	int smtputf8;             /**< SMTPUTF8 (needs SMTPUTF8); also added
	                               automatically when an address of this
	                               transaction is not ASCII and the server
	                               offers SMTPUTF8                        */
	int ret;                  /**< LM_SMTP_RET_* (needs DSN)              */
	const char *envid;        /**< ENVID=, xtext-encoded by the engine
	                               (needs DSN); at most 100 bytes, printable
	                               ASCII; NULL: not sent                  */
	int requiretls;           /**< REQUIRETLS (RFC 8689; needs REQUIRETLS
	                               offered and TLS active, else
	                               LM_ERR_UNSUPPORTED); sent last         */
} lm_smtp_mail_params;

#define LM_SMTP_MAIL_PARAMS_INIT { 1, 0, 0, 0, 0, NULL, 0 }

/** NOTIFY= flags (RFC 3461); NEVER excludes the others. */
#define LM_SMTP_NOTIFY_NEVER   0x1u
#define LM_SMTP_NOTIFY_SUCCESS 0x2u
#define LM_SMTP_NOTIFY_FAILURE 0x4u
#define LM_SMTP_NOTIFY_DELAY   0x8u

/** Optional RCPT TO parameters (both need DSN). */
typedef struct {
	int version;              /**< LM_SMTP_PARAMS_VERSION                 */
	unsigned notify;          /**< LM_SMTP_NOTIFY_* bits; 0: not sent     */
	const char *orcpt;        /**< ORCPT=rfc822;<xtext of this address>,
	                               printable ASCII; NULL: not sent        */
} lm_smtp_rcpt_params;

#define LM_SMTP_RCPT_PARAMS_INIT { 1, 0, NULL }

/** The engine context. Allocate it anywhere; members are private. */
typedef struct {
	lm_smtp_opts LM_PRIVATE(opts);
	lm_core__io LM_PRIVATE(io);   /* the borrowed buffers            */
	int LM_PRIVATE(err);          /* sticky error                        */
	int LM_PRIVATE(phase);        /* session state (set_state only)     */
	int LM_PRIVATE(tx);           /* transaction state                  */
	int LM_PRIVATE(eof);
	int LM_PRIVATE(tls);
	int LM_PRIVATE(closed_sent);
	/* reply being parsed */
	int LM_PRIVATE(rl_code);
	unsigned LM_PRIVATE(rl_lines);
	/* pending replies: ring */
	unsigned char LM_PRIVATE(q_cmd)[LM_SMTP_PIPELINE_MAX];
	unsigned LM_PRIVATE(q_idx)[LM_SMTP_PIPELINE_MAX];
	/* input offset (rx_total) when each was queued, or when its latest
	 * SASL response was: its reply starts there or later */
	uint64_t LM_PRIVATE(q_rx)[LM_SMTP_PIPELINE_MAX];
	unsigned LM_PRIVATE(q_head), LM_PRIVATE(q_count);
	int LM_PRIVATE(q_last);       /* last queued command                */
	/* capabilities from the last EHLO */
	unsigned LM_PRIVATE(ext);
	size_t LM_PRIVATE(caps_len);
	char LM_PRIVATE(caps)[LM_SMTP_CAPS_MAX];
	/* transaction */
	unsigned LM_PRIVATE(rcpt_count), LM_PRIVATE(rcpt_ok), LM_PRIVATE(rcpt_replied);
	int LM_PRIVATE(mail_failed);
	int LM_PRIVATE(tx_utf8);
	int LM_PRIVATE(bdat), LM_PRIVATE(bdat_failed), LM_PRIVATE(bdat_last);
	size_t LM_PRIVATE(bd_len);
	int LM_PRIVATE(at_bol), LM_PRIVATE(pend_cr);
	int LM_PRIVATE(ev_data_ready);
	/* AUTH */
	int LM_PRIVATE(authed);
	int LM_PRIVATE(wipe_out);     /* output holds credentials           */
	lm_sasl *LM_PRIVATE(sasl);
	int LM_PRIVATE(auth_fail);
	unsigned char LM_PRIVATE(sasl_raw)[LM_SMTP_SASL_MAX];
} lm_smtp_client;

/**
 * \brief Prepare a context. The buffers are borrowed and MUST outlive
 *        the context; the engine writes into them only.
 *
 * The engine starts waiting for the server greeting.
 *
 * \param o     options (copied); NULL means LM_SMTP_OPTS_INIT.
 * \param ibuf  input buffer, at least 64 bytes (LM_SMTP_BUFSIZE_IN
 *              recommended: a reply line longer than
 *              min(ilen, LM_SMTP_LINE_MAX) is LM_ERR_LINE_TOO_LONG).
 * \param obuf  output buffer, at least LM_SMTP_BUFSIZE_OUT_MIN bytes.
 * \return 0; LM_ERR_BAD_PARAM for NULL pointers, small buffers, a wrong
 *         opts version or a helo_domain that is empty, too long (255),
 *         or holds a space, control or non-ASCII byte.
 */
LM_API int lm_smtp_init(lm_smtp_client *c, const lm_smtp_opts *o,
                        void *ibuf, size_t ilen, void *obuf, size_t olen);

/** \brief Start over for a new connection with the same options and
 *         buffers (as after lm_smtp_init()): state, capabilities, pending
 *         replies, sticky error, TLS state and buffered bytes are
 *         dropped (call lm_smtp_set_tls_active() again for implicit TLS);
 *         an AUTH line or response not sent yet is zeroized in the
 *         output buffer, as by lm_smtp_free().
 *  \return 0, or LM_ERR_BAD_PARAM if c was never initialized. */
LM_API int lm_smtp_reset(lm_smtp_client *c);

/** \brief Zeroize the context (it may hold SASL data). NULL-safe and
 *         idempotent. The buffers are not touched; the engine itself
 *         zeroizes an AUTH line or response in the output buffer as soon
 *         as it has been sent (lm_smtp_send_ack()) and, if still unsent,
 *         here. */
LM_API void lm_smtp_free(lm_smtp_client *c);

/**
 * \brief Where to put bytes received from the server.
 * \param len set to the free space (0 when the buffer is full, which
 *        only happens after an error).
 * \return a pointer into the input buffer; valid until the next call
 *         into the engine. Then call lm_smtp_recv_ack().
 */
LM_API unsigned char *lm_smtp_recv_buf(lm_smtp_client *c, size_t *len);

/** \brief len bytes were written at lm_smtp_recv_buf(). Bytes that
 *         arrive while the engine waits for the TLS handshake make it
 *         fail (LM_ERR_PROTOCOL, sticky). */
LM_API void lm_smtp_recv_ack(lm_smtp_client *c, size_t len);

/** \brief The server closed the connection. Expected after QUIT or 421
 *         (-> LM_SMTP_EV_CLOSED); at any other time lm_smtp_next()
 *         fails with LM_ERR_EOF (sticky) once the buffered replies
 *         have been delivered. */
LM_API void lm_smtp_recv_eof(lm_smtp_client *c);

/**
 * \brief Copying helper: recv_buf + memcpy + recv_ack.
 * \param used set to the bytes taken (may be < n when the buffer is
 *        full: call lm_smtp_next() and feed the rest later).
 * \return 0, LM_ERR_BAD_PARAM, or the sticky error.
 */
LM_API int lm_smtp_feed(lm_smtp_client *c, const void *p, size_t n, size_t *used);

/**
 * \brief Bytes to send to the server.
 * \param len set to their number (0: nothing to send).
 * \return a pointer into the output buffer, valid until the next call
 *         into the engine. Then call lm_smtp_send_ack().
 */
LM_API const unsigned char *lm_smtp_send_buf(const lm_smtp_client *c, size_t *len);

/** \brief len bytes from lm_smtp_send_buf() were sent (len is clamped
 *         to what was pending). */
LM_API void lm_smtp_send_ack(lm_smtp_client *c, size_t len);

/**
 * \brief Advance the engine and get the next event.
 *
 * Sending comes first: while output is pending the result is
 * LM_WANT_WRITE (as br_sslio does), so replies are parsed only once
 * everything queued has been handed out.
 *
 * \param ev written when LM_EVENT is returned; its text is valid until
 *        the next call into the engine.
 * \return LM_EVENT; LM_WANT_WRITE (drain lm_smtp_send_buf()); LM_WANT_READ
 *         (feed input; also returned when idle, when no reply is
 *         outstanding, since only a 421 or EOF can come then: do not
 *         block on reading unless you expect something); LM_DONE after
 *         LM_SMTP_EV_CLOSED; LM_ERR_BAD_STATE while the engine waits for
 *         lm_smtp_tls_done() (not sticky); a sticky error < 0:
 *         LM_ERR_PROTOCOL, LM_ERR_LINE_TOO_LONG, LM_ERR_LIMIT, LM_ERR_EOF,
 *         LM_ERR_SASL (SASL server invalid/forged, or unverified after 235),
 *         LM_ERR_BUFFER_TOO_SMALL (a SASL response did not fit), or an
 *         lm_sasl_step() error.
 */
LM_API int lm_smtp_next(lm_smtp_client *c, lm_smtp_event *ev);

/**
 * \brief Queue EHLO (after the greeting, and again after TLS).
 *
 * A 250 reply fills the capabilities (LM_SMTP_EV_REPLY_LINE per line,
 * then LM_SMTP_EV_REPLY cmd EHLO). On a 5xx reply, when
 * opts.require_tls == 0, the engine sends HELO itself (the EHLO refusal
 * is traced, not reported) and reports LM_SMTP_EV_REPLY cmd HELO; the
 * session then has no extensions. With require_tls the 5xx is reported
 * as the EHLO reply.
 * \return 0, LM_ERR_BAD_STATE (no greeting yet, a reply outstanding, a
 *         transaction open), LM_ERR_BUFFER_TOO_SMALL (output buffer full:
 *         drain it with lm_smtp_next()), or the sticky error.
 */
LM_API int lm_smtp_ehlo(lm_smtp_client *c);

/**
 * \brief Queue STARTTLS. The 220 reply gives LM_SMTP_EV_TLS_READY; any
 *        other reply is LM_SMTP_EV_REPLY cmd STARTTLS (the caller should
 *        then fail with LM_ERR_STARTTLS_FAILED).
 * \return 0; LM_ERR_NO_STARTTLS if the last EHLO did not offer it (or
 *         HELO was used); LM_ERR_BAD_STATE (TLS already active, no EHLO
 *         yet, a reply outstanding, a transaction open); LM_ERR_PROTOCOL
 *         (made sticky) if bytes from the server are already waiting
 *         unparsed: they answer nothing, and would otherwise be taken for
 *         the reply to STARTTLS; the sticky error.
 */
LM_API int lm_smtp_starttls(lm_smtp_client *c);

/**
 * \brief The TLS handshake after LM_SMTP_EV_TLS_READY succeeded: the
 *        engine forgets the capabilities and requires lm_smtp_ehlo()
 *        before anything else (RFC 3207 4.2).
 * \return 0, LM_ERR_BAD_STATE when not waiting for TLS, the sticky error.
 */
LM_API int lm_smtp_tls_done(lm_smtp_client *c);

/** \brief 1 after lm_smtp_tls_done() succeeded, else 0. A caller using
 *         implicit TLS (port 465) should call lm_smtp_set_tls_active()
 *         before the greeting. */
LM_API int lm_smtp_tls_active(const lm_smtp_client *c);

/** \brief Declare the connection already protected by TLS (implicit TLS,
 *         RFC 8314). Allowed only before any byte was received: bytes
 *         already in the engine came before the caller's TLS.
 * \return 0 or LM_ERR_BAD_STATE. */
LM_API int lm_smtp_set_tls_active(lm_smtp_client *c);

/**
 * \brief Authenticate with an initialized SASL context (RFC 4954).
 *
 * Sends "AUTH <MECH> <base64 initial response>" ("=" for an empty one)
 * or "AUTH <MECH>" for mechanisms without one; decodes each 334
 * challenge, steps the mechanism and sends its response in base64.
 * An invalid base64 challenge (LM_ERR_PROTOCOL) or a SASL error
 * (LM_ERR_SASL: forged SCRAM server...) cancels the exchange with "*",
 * then lm_smtp_next() fails with that error (sticky). On 235 the engine
 * calls lm_sasl_finish(): if the mechanism is not satisfied (SCRAM server
 * signature not verified) lm_smtp_next() fails with LM_ERR_SASL (sticky),
 * else LM_SMTP_EV_AUTH_DONE with code 235. Any other final code gives
 * LM_SMTP_EV_AUTH_DONE with that code. The trace shows
 * "AUTH <MECH> <redacted>" and "<redacted>" for the responses.
 *
 * \param s  borrowed until LM_SMTP_EV_AUTH_DONE or an error; the caller
 *           frees it.
 * \return 0; LM_ERR_PLAINTEXT when TLS is not active and opts.require_tls
 *         is set, or the mechanism sends its secret in clear (PLAIN,
 *         LOGIN, XOAUTH2, OAUTHBEARER) and opts.allow_plaintext_auth is 0; LM_ERR_UNSUPPORTED when the
 *         server offers no AUTH; LM_ERR_NO_MECH when it does not list this
 *         mechanism; LM_ERR_BAD_STATE (no EHLO, reply outstanding,
 *         transaction open, already authenticated: RFC 4954 4); LM_ERR_BAD_PARAM (NULL); an lm_sasl_step()
 *         error for the initial response; LM_ERR_BUFFER_TOO_SMALL;
 *         the sticky error.
 */
LM_API int lm_smtp_auth(lm_smtp_client *c, lm_sasl *s);

/**
 * \brief Queue MAIL FROM:<addr> [params] and start a transaction.
 *
 * addr "" gives the null reverse path "<>". The address must not hold
 * CR, LF, NUL, '<', '>', other control bytes, or a space outside a quoted
 * local part (LM_ERR_BAD_PARAM, nothing queued). Without SMTPUTF8 a
 * non-ASCII domain is sent as A-labels (lm_idna_to_ascii()) and a
 * non-ASCII local part is LM_ERR_UNSUPPORTED; with SMTPUTF8 offered the
 * address is sent as UTF-8 and the SMTPUTF8 parameter added.
 *
 * \param p NULL, or parameters (see lm_smtp_mail_params).
 * \return 0; LM_ERR_BAD_PARAM; LM_ERR_UNSUPPORTED (parameter whose
 *         extension was not offered); LM_ERR_IDNA; LM_ERR_BAD_STATE (no
 *         EHLO/HELO, TLS required but not active, a transaction open,
 *         reply outstanding without pipelining); LM_ERR_LIMIT (too many
 *         pipelined); LM_ERR_BUFFER_TOO_SMALL (drain output and retry).
 */
LM_API int lm_smtp_mail_from(lm_smtp_client *c, const char *addr,
                             const lm_smtp_mail_params *p);

/**
 * \brief Queue RCPT TO:<addr> [params]. Each recipient gets its own
 *        LM_SMTP_EV_REPLY with cmd RCPT and ev.index (0, 1, ... in call
 *        order), so a refused recipient does not end the transaction.
 *
 * Address rules as for lm_smtp_mail_from() (empty is refused). A
 * non-ASCII local part needs a transaction started with SMTPUTF8.
 * \return as lm_smtp_mail_from(); LM_ERR_BAD_STATE also without MAIL,
 *         after DATA, or when the MAIL reply was already a refusal.
 */
LM_API int lm_smtp_rcpt_to(lm_smtp_client *c, const char *addr,
                           const lm_smtp_rcpt_params *p);

/**
 * \brief Start the message content.
 *
 * DATA mode: queues DATA; 354 gives LM_SMTP_EV_DATA_READY, anything else
 * an LM_SMTP_EV_REPLY cmd DATA and the transaction ends. If 354 comes
 * although no recipient was accepted (pipelining), the engine sends the
 * end of data at once (RFC 2920 3.1), reports LM_SMTP_EV_REPLY cmd DATA
 * code 354 and later the LM_SMTP_CMD_BODY reply.
 * BDAT mode (CHUNKING offered and opts.use_chunking): nothing is sent
 * yet; LM_SMTP_EV_DATA_READY (cmd BDAT, code 0) follows at once.
 *
 * \return 0; LM_ERR_REFUSED when every recipient reply has arrived and
 *         none was accepted; LM_ERR_BAD_STATE (no RCPT queued, ...).
 */
LM_API int lm_smtp_data(lm_smtp_client *c);

/**
 * \brief Stream message bytes (after LM_SMTP_EV_DATA_READY).
 *
 * Line ends are normalised while streaming across any chunk boundaries:
 * CRLF stays, a bare LF or a bare CR becomes CRLF. In DATA mode every
 * line starting with '.' gets one more '.' (dot-stuffing, RFC 5321
 * 4.5.2), so no content can form an end-of-data sequence (SMTP
 * smuggling). In BDAT mode no stuffing is done; the engine frames the
 * buffered bytes as "BDAT <n>" chunks when lm_smtp_next() runs.
 *
 * \param used set to the bytes consumed; *used < n means the output
 *        buffer is full: call lm_smtp_next() (it returns LM_WANT_WRITE,
 *        or, without pipelining in BDAT mode, waits for the reply to the
 *        previous chunk and may return events) and call again with the
 *        rest.
 * A DATA body cannot be abandoned half-way (any bytes would be taken as
 * content): to give up, close the connection without lm_smtp_body_end().
 * Lines are not folded: keeping them within 998 octets (RFC 5321
 * 4.5.3.1.6) and declaring 8-bit content (BODY=8BITMIME) is the
 * message producer's job.
 *
 * \return 0; LM_ERR_BAD_STATE (not in the body); LM_ERR_REFUSED when the
 *         server refused a BDAT chunk (the transaction failed: see the
 *         REPLY event, then lm_smtp_rset()); LM_ERR_BAD_PARAM; the sticky
 *         error.
 */
LM_API int lm_smtp_body_write(lm_smtp_client *c, const void *p, size_t n,
                              size_t *used);

/**
 * \brief End the message: adds CRLF if the body did not end with a line
 *        end, then exactly one end of data (".\r\n" or the last chunk as
 *        "BDAT <n> LAST"). The final reply is LM_SMTP_EV_REPLY with cmd
 *        LM_SMTP_CMD_BODY. Always fits (space is reserved). A reply
 *        received before this call (a 250 sent along with the 354 or
 *        during the body) cannot be the one to the end of data: it is a
 *        sticky LM_ERR_PROTOCOL, only a 421 may overtake the end (see
 *        "Replies and commands" at the top).
 *        BDAT: a refused chunk whose reply comes after this call while
 *        the LAST chunk still waits for it (no pipelining) is reported
 *        as that final reply (cmd LM_SMTP_CMD_BODY); a 2xx to LAST after
 *        a refused chunk is a sticky LM_ERR_PROTOCOL (RFC 3030).
 * \return 0, LM_ERR_BAD_STATE, LM_ERR_REFUSED (BDAT refused), the sticky
 *         error.
 */
LM_API int lm_smtp_body_end(lm_smtp_client *c);

/** \brief Queue RSET (ends any transaction, not allowed in the middle of
 *         a DATA body). \return 0, LM_ERR_BAD_STATE, LM_ERR_LIMIT, ... */
LM_API int lm_smtp_rset(lm_smtp_client *c);

/** \brief Queue NOOP. \return 0, LM_ERR_BAD_STATE, ... */
LM_API int lm_smtp_noop(lm_smtp_client *c);

/** \brief Queue QUIT (allowed in any state except mid-body, mid-AUTH and
 *         TLS wait; also after a refused greeting). The 221 reply is an
 *         LM_SMTP_EV_REPLY, and EOF then gives LM_SMTP_EV_CLOSED.
 *         In BDAT mode, after lm_smtp_body_end() this and every other
 *         command return LM_ERR_BAD_STATE until lm_smtp_next() has
 *         framed the last chunk (nothing may overtake it).
 *         \return 0, LM_ERR_BAD_STATE, ... */
LM_API int lm_smtp_quit(lm_smtp_client *c);

/** \brief The sticky error, or 0. */
LM_API int lm_smtp_last_error(const lm_smtp_client *c);

/** \brief 1 if the last EHLO reply offered keyword kw (case-insensitive,
 *         any keyword), else 0. Always 0 before EHLO, after HELO and after
 *         lm_smtp_tls_done(). */
LM_API int lm_smtp_has_ext(const lm_smtp_client *c, const char *kw);

/**
 * \brief Parameters of an EHLO keyword, e.g. "PLAIN LOGIN" for AUTH or
 *        "35882577" for SIZE.
 * \param param set to the text after the keyword and its space (empty
 *        when none); valid until the next EHLO or lm_smtp_tls_done().
 * \return 1 if offered, 0 if not (param then empty).
 */
LM_API int lm_smtp_ext_param(const lm_smtp_client *c, const char *kw,
                             lm_slice *param);

/**
 * \brief Suggested timeout, in seconds, for what the engine waits on now
 *        (RFC 5321 4.5.3.2); the adapter owns the clock.
 * \return 180 while output is pending in a message body (data block);
 *         else, for the oldest outstanding reply: 300 (greeting, MAIL,
 *         RCPT, other commands), 120 (DATA's 354), 180 (a non-final BDAT
 *         chunk), 600 (the reply to the end of data); 300 while output
 *         is pending otherwise; 0 when nothing is awaited (idle).
 */
LM_API unsigned lm_smtp_timeout_hint(const lm_smtp_client *c);

/** \brief Name of a command ("RCPT", "BODY", ...), for logs. */
LM_API const char *lm_smtp_cmd_name(lm_smtp_cmd cmd);

/** \brief Name of an event type ("REPLY", "DATA_READY", ...). */
LM_API const char *lm_smtp_event_name(lm_smtp_event_type t);

#ifdef __cplusplus
}
#endif
#endif
