/*
 * libmail - plumbing shared by the blocking sessions of lib/net/
 * (smtp_session.c, pop3_session.c, imap_session.c): connecting, TLS,
 * error texts for connection failures, the SASL random source, and
 * cleaning server text. Private: never installed, never included from
 * include/.
 */
#ifndef LIBMAIL_NET_SESSION_H
#define LIBMAIL_NET_SESSION_H

#include <stddef.h>

#include "libmail/net.h"
#include "pump.h"

/*
 * Connect to url->host, url->port through lm_conn_open() with these
 * connection settings, then start TLS at once if url->implicit_tls.
 * call_ms is the session's call_timeout_ms: the time limit of the whole
 * lm_X_session_connect() (0: LM_NET_CONNECT_TIMEOUT_DEFAULT_MS), set on
 * the connection from now on (lm_net__conn_limit()). On failure err (cap
 * bytes) says what failed ("cannot resolve H", "timed out connecting to
 * H port P", "connecting to H port P: the call's time limit (N ms) ran
 * out", "cannot connect to H port P", or the lm_net__session_tls()
 * text); *conn may then be set (free it with the session). Returns 0 or
 * the lm_conn_open() / lm_conn_start_tls() error.
 */
int lm_net__session_open(lm_conn **conn, const lm_url *url,
                         unsigned timeout_ms, unsigned call_ms,
                         const char *cafile,
                         const lm_allocator *alloc, lm_trace_fn trace,
                         void *trace_ud, char *err, size_t cap);

/* Start TLS with host (implicit TLS or after STARTTLS/STLS). On failure
 * err is "TLS with H: <connection's error text>". */
int lm_net__session_tls(lm_conn *c, const char *host, char *err, size_t cap);

/* err = "connection to H (PHASE): <connection's error text>", PHASE
 * "session" when NULL: the text for a failed lm_conn_read/write. */
void lm_net__session_io_err(lm_conn *c, const char *host, const char *phase,
                            char *err, size_t cap);

/* lm_sasl_creds.rng for the sessions: lm_net__random(). */
int lm_net__session_rng(void *ud, unsigned char *buf, size_t n);

/*
 * The start of lm_X_session_new(): parse url, which must have scheme a
 * or b, into *parsed and allocate a zeroed session of size bytes with
 * alloc (NULL: malloc). Returns the session, or NULL with *err set to
 * lm_url_parse()'s error, LM_ERR_URL (another scheme) or LM_ERR_NOMEM.
 */
void *lm_net__session_alloc(size_t size, const lm_allocator *alloc,
                            const char *url, lm_url_scheme a, lm_url_scheme b,
                            lm_url *parsed, int *err);

/*
 * The credentials of a login from the session's options and URL: the
 * user (the option, else the URL's, else NULL), password, token, the
 * URL's host and port, lm_net__session_rng. Returns 1 when there is
 * something to log in with (a user or a token), else 0.
 */
int lm_net__session_creds(lm_sasl_creds *cr, const char *user,
                          const char *password, const char *token,
                          const lm_url *url);

/*
 * The SASL mechanism a URL's ";AUTH=" names (RFC 5092 for IMAP, RFC
 * 2384 for POP, smtp URLs alike): *mech = 0 when there is none or it is
 * "*"; else the lm_sasl_mech. Returns 0, or LM_ERR_URL for an unknown name (err:
 * "unknown mechanism ;AUTH=NAME in the URL").
 */
int lm_net__session_url_mech(const lm_url *url, unsigned *mech, char *err,
                             size_t cap);

/*
 * Start the SASL client for mech: a mechanism that sends the password
 * in the clear is refused without TLS unless plaintext is set
 * (LM_ERR_PLAINTEXT, "refusing MECH without TLS"); then lm_sasl_init()
 * (on failure "MECH: <error>", sasl freed). Returns 0 or the error.
 */
int lm_net__session_sasl_init(lm_sasl *sasl, lm_sasl_mech mech,
                              const lm_sasl_creds *cr, lm_conn *conn,
                              int plaintext, char *err, size_t cap);

/*
 * err = the text for a sticky engine error r of protocol proto ("SMTP"):
 * LM_ERR_EOF "H closed the connection unexpectedly (PHASE)", LM_ERR_SASL
 * the failed server verification, else "H broke the PROTO protocol
 * (PHASE): <lm_strerror(r)>"; PHASE "session" when NULL.
 */
void lm_net__session_engine_err(char *err, size_t cap, const char *host,
                                const char *phase, const char *proto, int r);

/* Copy a slice as a NUL-terminated string of printable UTF-8 (cut to
 * at most cap - 1 bytes, never inside a character): control characters
 * (terminal escapes from the server: C0, DEL, C1 U+0080..U+009F) and
 * every byte that starts no well-formed UTF-8 character (a stray 0x9b
 * is CSI for an 8-bit terminal) become '?'. */
void lm_net__copy_clean(char *dst, size_t cap, lm_slice v);

/* The states the sessions share (a session may add its own after
 * these): connect not called yet, connected and ready, unusable. */
#define LM_NET__S_NEW    0
#define LM_NET__S_READY  1
#define LM_NET__S_BROKEN 2

/*
 * lm_X_session_connect() around the session's own connect(s): a
 * session connected before (*state not LM_NET__S_NEW, or conn set) is
 * refused with LM_ERR_BAD_STATE ("session already connected"); else err
 * is cleared, connect(s) runs and *state becomes LM_NET__S_READY, or
 * LM_NET__S_BROKEN when it failed. Returns 0 or connect's error.
 */
int lm_net__session_connect(void *s, int (*connect)(void *s), int *state,
                            const lm_conn *conn, char *err, size_t cap);

/* err = "server H does not offer VERB (use SCHEME:// or, only if you
 * accept an unprotected connection, plaintext)": STARTTLS (STLS) is
 * required and missing. */
void lm_net__session_no_tls(char *err, size_t cap, const char *host, const char *verb,
                            const char *scheme);

/*
 * The protocol's side of lm_net__session_start(). Every hook gets the
 * pump's session; a hook that fails sets the session's error text.
 */
typedef struct {
	const char *verb;    /* "STARTTLS", "STLS": the phase and messages */
	const char *scheme;  /* the implicit-TLS scheme to advise: "smtps" */
	/* Wait for the greeting (tls 0) or the reply to VERB (tls 1) and
	 * put it as text into why (cap bytes): 1 welcomed / go ahead, 0
	 * refused, < 0 failed. */
	int (*wait)(void *sess, int tls, char *why, size_t cap);
	/* Read the server's capabilities: 0 or the error. */
	int (*caps)(void *sess);
	/* Queue VERB: 0, LM_ERR_NO_STARTTLS (not offered; the text is
	 * left to lm_net__session_start()), or another error. */
	int (*starttls)(void *sess);
	/* After the handshake: tell the engine (lm_X_tls_done()) and read
	 * the capabilities again: 0 or the error. */
	int (*tls_done)(void *sess);
} lm_net__start_ops;

/*
 * The opening every session shares, once its engine and pump p are set
 * up: wait for the greeting (phase "greeting"), read the capabilities,
 * then, unless url->implicit_tls or plaintext, upgrade: queue VERB, wait
 * for its reply (phase VERB), start TLS, tls_done. Errors: a refused
 * greeting is LM_ERR_REFUSED ("server refused the session: <reply>"),
 * VERB not offered LM_ERR_NO_STARTTLS (lm_net__session_no_tls()), VERB
 * refused LM_ERR_STARTTLS_FAILED ("server refused VERB: <reply>"), a
 * failed handshake lm_net__session_tls()'s; else what a hook returned.
 */
int lm_net__session_start(lm_net__pump *p, const lm_net__start_ops *o,
                          const lm_url *url, int plaintext);

/*
 * After a command that carried a secret (AUTH, LOGIN): once the engine
 * has no output left to send, zeroize its output buffer buf (n bytes),
 * so that no copy of the secret stays behind the output end.
 */
void lm_net__session_wipe_sent(lm_net__pump *p, unsigned char *buf, size_t n);

/* Before the goodbye (QUIT, LOGOUT) of lm_X_session_free(): the work is
 * done, so a slow server holds the caller 5 seconds at most, in all
 * (the connection's time limit becomes 5 s from now). */
void lm_net__session_goodbye(lm_conn *c);

/* alert.c: no later call of s (connect, send, the QUIT of
 * lm_smtp_session_free()) goes past until (an absolute lm_net__now_ms()
 * time; 0: no such bound). */
void lm_net__smtp_session_until(lm_smtp_session *s, long long until);

/*
 * The end of lm_X_session_free(), once its engine is freed: free the
 * SASL state, close the connection (NULL: none), then zeroize and free
 * the session s of size bytes allocated with *alloc (which may lie
 * inside s: it is copied first).
 */
void lm_net__session_release(void *s, size_t size, const lm_allocator *alloc,
                             lm_sasl *sasl, lm_conn *conn);

#endif
