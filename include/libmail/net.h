/*
 * libmail - network adapter (lib/net): URLs, TCP connections with
 * timeouts, TLS over mbedTLS, and blocking helpers that drive the
 * sans-IO engines over a connection.
 *
 * This is the only part of libmail that owns sockets, TLS, DNS and
 * clocks. Everything here blocks the calling thread, never longer than
 * the configured timeout per network operation (connect to one address,
 * TLS handshake, one read, one write), except name resolution:
 * getaddrinfo() follows the system resolver's own timeouts
 * (resolv.conf "options timeout:N attempts:N"). A server that sends a
 * byte just before each timeout can stretch a call without end, so the
 * sessions also bound each whole call: see "Time limits" below.
 *
 * Nothing here keeps global mutable state of its own; objects are
 * independent and may be used from different threads (one object per
 * thread at a time). With mbedTLS 3.x, psa_crypto_init() is called on
 * first TLS use; a threaded program should call it once itself first
 * unless mbedTLS was built with MBEDTLS_THREADING_C.
 *
 * Memory: connections and sessions are allocated through the given
 * lm_allocator (or malloc); mbedTLS allocates its own internal state
 * (certificates, records) with its configured calloc/free.
 */
#ifndef LIBMAIL_NET_H
#define LIBMAIL_NET_H

#include "common.h"
#include "sasl.h"
#include "smtp.h"
#include "pop3.h"
#include "imap.h"
#include "mime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* URLs                                                                */
/* ------------------------------------------------------------------ */

/** Longest host name kept (RFC 1035: 253 octets in A-label form). */
#define LM_URL_HOST_MAX 254
/** Longest (decoded) user name kept. */
#define LM_URL_USER_MAX 256
/** Longest (still percent-encoded) path kept. */
#define LM_URL_PATH_MAX 1024

/** URL schemes understood by lm_url_parse(). */
typedef enum {
	LM_URL_SMTP = 1,  /**< smtp://  STARTTLS required, port 587  */
	LM_URL_SMTPS,     /**< smtps:// implicit TLS, port 465       */
	LM_URL_IMAP,      /**< imap://  STARTTLS required, port 143  */
	LM_URL_IMAPS,     /**< imaps:// implicit TLS, port 993       */
	LM_URL_POP3,      /**< pop3://  STARTTLS (STLS), port 110    */
	LM_URL_POP3S      /**< pop3s:// implicit TLS, port 995       */
} lm_url_scheme;

/**
 * A parsed URL. Plain value type: every string is stored inside the
 * struct (NUL-terminated), nothing points outside it.
 */
typedef struct {
	lm_url_scheme scheme;
	int implicit_tls;                /**< 1 for smtps, imaps, pop3s        */
	unsigned port;                   /**< explicit port or the default     */
	int port_given;                  /**< 1 if the URL named the port      */
	int host_is_ip;                  /**< 4 or 6 for an IP literal, else 0 */
	char host[LM_URL_HOST_MAX + 1];  /**< A-label form, no brackets        */
	char user[LM_URL_USER_MAX + 1];  /**< percent-decoded, "" if absent    */
	char auth[32];                   /**< ";AUTH=mech" of the userinfo, or "" */
	char path[LM_URL_PATH_MAX + 1];  /**< after the authority, without the
	                                      leading '/', still %-encoded, "" if absent */
} lm_url;

/**
 * \brief Parse `scheme://[user[;AUTH=mech]@]host[:port][/path]`.
 *
 * The scheme is case-insensitive. host may be a DNS name (UTF-8 names
 * are converted to A-labels with lm_idna_to_ascii()), an IPv4 literal,
 * or an IPv6 literal in brackets. The user part is percent-decoded; a
 * password in the URL (`user:pass@`) is refused, because URLs end up
 * in logs and process lists. Query strings and fragments are refused.
 * A trailing root dot of a DNS name is dropped ("example.com." becomes
 * "example.com", the form certificates carry). A host whose last label
 * is numeric but that is not a dotted-quad IPv4 address ("127.1",
 * "0x7f.1") is refused: resolvers would read it as an address.
 *
 * \param u    output; fully overwritten (zeroed first) on every call.
 * \param s    NUL-terminated URL.
 * \return 0; LM_ERR_URL (unknown scheme, CR/LF/NUL/space/control or
 *         other forbidden byte, empty host, bad port (0 or > 65535),
 *         bad percent escape, bad IP literal, password present, parts
 *         too long); LM_ERR_IDNA (host is not a valid IDN);
 *         LM_ERR_BAD_PARAM (NULL argument).
 */
LM_API int lm_url_parse(lm_url *u, const char *s);

/** \brief Default port of a scheme (587, 465, 143, 993, 110, 995), 0 if unknown. */
LM_API unsigned lm_url_default_port(lm_url_scheme scheme);

/* ------------------------------------------------------------------ */
/* Connections                                                         */
/* ------------------------------------------------------------------ */

/** Default timeout of one network operation, in milliseconds. */
#define LM_NET_TIMEOUT_DEFAULT_MS 60000

/*
 * Time limits. timeout_ms (in every options struct) bounds ONE network
 * operation: a server that answers a byte at a time, each just before
 * the timeout, keeps a call busy for ever. call_timeout_ms (in
 * lm_smtp_session_opts, lm_pop3_session_opts, lm_imap_session_opts and
 * lm_alert) bounds the whole call, like curl's CURLOPT_TIMEOUT:
 *
 * - in milliseconds, counted on the monotonic clock from the start of
 *   each call that talks to the server: lm_X_session_connect() (connect,
 *   greeting, STARTTLS, TLS handshake, capabilities, login),
 *   lm_smtp_session_send(), every POP3 command including QUIT,
 *   lm_imap_session_wait(); lm_imap_session_idle() gets it on top of each
 *   IDLE period (the wait itself is the ms it was asked for, the limit
 *   bounds the exchanges around it); lm_alert_send() as one call.
 * - 0 (the default): calls have no limit beyond the timeouts, except
 *   lm_X_session_connect(), which is always limited, to
 *   LM_NET_CONNECT_TIMEOUT_DEFAULT_MS. A limit for every call would cut
 *   an honest download of a large message on a slow link; set one when
 *   "done or failed within N seconds" matters more (alerts, firmware).
 * - Past the limit the call fails with LM_ERR_TIMEOUT, even while data
 *   keeps arriving, and lm_X_session_error() names the phase:
 *   "connection to HOST (RETR): the call's time limit (2000 ms) ran
 *   out", "TLS with HOST: the call's time limit (...) ran out",
 *   "connecting to HOST port P: the call's time limit (...) ran out".
 *   The session is then broken (only lm_X_session_free() is useful): an
 *   SMTP message whose final reply did not arrive is not reported as
 *   sent (the connection closes without an end of data when the body
 *   was cut, so the server discards it); a POP3 connection is closed
 *   without QUIT, so no DELE is committed; a POP3 message is complete
 *   only when lm_pop3_session_retr() returned 0.
 * - Not covered: name resolution (getaddrinfo(), see above), the time
 *   the caller's own callbacks and readers take, and the goodbye of
 *   lm_X_session_free(), which has its own 5 s in all.
 */

/** Limit of lm_X_session_connect() when call_timeout_ms is 0, in
 *  milliseconds (curl's default connect timeout). */
#ifndef LM_NET_CONNECT_TIMEOUT_DEFAULT_MS
#define LM_NET_CONNECT_TIMEOUT_DEFAULT_MS 300000
#endif

/** Default CA bundle (Debian/Ubuntu ca-certificates). */
#ifndef LM_NET_SYSTEM_CAFILE
#define LM_NET_SYSTEM_CAFILE "/etc/ssl/certs/ca-certificates.crt"
#endif

/**
 * A TCP connection, optionally upgraded to TLS. Opaque, heap-allocated
 * by lm_conn_open() (through the allocator in the options, or malloc),
 * released by lm_conn_close().
 */
typedef struct lm_conn lm_conn;

/** Options of lm_conn_open(). */
typedef struct {
	int version;                 /**< LM_CONN_OPTS_VERSION                */
	unsigned timeout_ms;         /**< connect, handshake, every read and
	                                  write; 0 means LM_NET_TIMEOUT_DEFAULT_MS */
	const char *cafile;          /**< PEM CA bundle; NULL: LM_NET_SYSTEM_CAFILE */
	const lm_allocator *alloc;   /**< NULL: malloc/free; copied         */
	lm_trace_fn trace;           /**< '*' notes (connected, TLS up); may be NULL */
	void *trace_ud;
} lm_conn_opts;
#define LM_CONN_OPTS_VERSION 1
#define LM_CONN_OPTS_INIT { LM_CONN_OPTS_VERSION, 0, NULL, NULL, NULL, NULL }

/**
 * \brief Resolve host (getaddrinfo, any address family) and connect to
 *        the first address that answers, trying each in order, each
 *        with the timeout.
 *
 * host must already be ASCII (A-labels; lm_url_parse() does that) or an
 * IP literal without brackets. The connection is plain TCP; call
 * lm_conn_start_tls() for implicit TLS or after a STARTTLS reply.
 * The strings in o are used during the call and by lm_conn_start_tls()
 * (cafile): cafile is copied, nothing else is kept.
 *
 * \param out  receives the connection (NULL on failure).
 * \return 0; LM_ERR_DNS (no such host), LM_ERR_CONNECT (every address
 *         refused or unreachable), LM_ERR_TIMEOUT, LM_ERR_NOMEM,
 *         LM_ERR_BAD_PARAM (also a host with a byte outside printable
 *         ASCII, or a space). On failure lm_conn_last_error_text() is not
 *         available (no object); the trace hook receives a note.
 */
LM_API int lm_conn_open(lm_conn **out, const char *host, unsigned port,
                        const lm_conn_opts *o);

/**
 * \brief Run a TLS client handshake on the connection.
 *
 * TLS 1.2 or newer; the certificate chain MUST verify against the CA
 * file (or the system store) and match host: a DNS name is checked
 * against the dNSName subjectAltNames (wildcards in the left-most label
 * only) and sent as SNI; an IP literal is checked against the iPAddress
 * subjectAltNames (no SNI). The subject CN is never used (RFC 9525): a
 * certificate without a subjectAltName for the host is refused. There
 * is no way to turn verification off.
 *
 * Cipher suites (no knob either): only forward secrecy and AEAD
 * ciphers, Mozilla's "intermediate" TLS 1.2 list, in this order:
 * ECDHE-ECDSA and ECDHE-RSA with AES-128-GCM, AES-256-GCM, then
 * ChaCha20-Poly1305; last DHE-RSA with the same ciphers, for servers
 * that have no ECDHE, with a group of 2048 bits or more. ECDHE groups:
 * X25519, P-256, P-384 and P-521 (not the 192- and 224-bit curves
 * mbedTLS would also offer). Never static
 * RSA key exchange (a stolen server key would decrypt every recorded
 * session) nor CBC (padding oracles such as Lucky13). TLS 1.3 (mbedTLS
 * 3.x): its AES-GCM and ChaCha20-Poly1305 suites. A server that offers
 * nothing of this, or only TLS 1.0 or 1.1 (it then finds no suite for
 * its version), fails with LM_ERR_TLS ("TLS handshake refused by the
 * server (no TLS version or cipher suite in common? ...)").
 *
 * \param host  the name the caller asked for (ASCII / A-labels or an IP
 *              literal), not one derived from DNS answers; anything
 *              else (a U-label, a control byte) is LM_ERR_BAD_PARAM.
 * \return 0; LM_ERR_CERT (verification failed: lm_conn_last_error_text()
 *         says why); LM_ERR_TLS (handshake failure, protocol version,
 *         CA file unreadable); LM_ERR_TIMEOUT, LM_ERR_IO, LM_ERR_EOF;
 *         LM_ERR_BAD_STATE if TLS is already active or a write failed
 *         (lm_conn_write()). After a failure the connection can only be
 *         closed.
 */
LM_API int lm_conn_start_tls(lm_conn *c, const char *host);

/** \brief 1 when TLS is active on the connection, else 0. */
LM_API int lm_conn_is_tls(const lm_conn *c);

/**
 * \brief Read at most cap bytes (at least 1) into buf, waiting at most
 *        the timeout.
 * \return 0 with *got > 0; LM_ERR_EOF when the peer closed the
 *         connection (orderly TCP close or TLS close_notify; with TLS
 *         also a TCP close without close_notify, which an attacker on
 *         the path can cause: only the protocol's own framing tells a
 *         complete reply, as the sessions' engines do);
 *         LM_ERR_TIMEOUT, LM_ERR_IO, LM_ERR_TLS.
 */
LM_API int lm_conn_read(lm_conn *c, void *buf, size_t cap, size_t *got);

/**
 * \brief Write all n bytes (through TLS when active). SIGPIPE is never
 *        raised. Each wait for the socket is bounded by the timeout.
 *
 * After a failure an unknown part of the bytes went out (with TLS the
 * rest of a record may still be queued), so the stream cannot go on:
 * every later lm_conn_write() and lm_conn_start_tls() fails with
 * LM_ERR_BAD_STATE; reading still works, and lm_conn_close() then sends
 * no close_notify.
 * \return 0; LM_ERR_TIMEOUT, LM_ERR_IO (includes a reset or closed
 *         peer), LM_ERR_TLS, LM_ERR_BAD_STATE.
 */
LM_API int lm_conn_write(lm_conn *c, const void *buf, size_t n);

/**
 * \brief Text of the last failure on this connection, e.g. why the
 *        certificate was refused ("certificate for a.example: issued
 *        for b.example, not for a.example", then mbedTLS's text for
 *        other verification flags) or the errno text.
 *        Never NULL; "" if none. Valid until the next call on c.
 */
LM_API const char *lm_conn_last_error_text(const lm_conn *c);

/**
 * \brief Send TLS close_notify (if TLS is active, best effort, bounded
 *        by the timeout), close the socket, zeroize and free.
 *        NULL-safe.
 */
LM_API void lm_conn_close(lm_conn *c);

/* ------------------------------------------------------------------ */
/* Error classes                                                       */
/* ------------------------------------------------------------------ */

/** What kind of failure an error code is, for callers that must react
 *  differently (retry later, alert an operator, fix the configuration). */
typedef enum {
	LM_NET_CLASS_OK = 0,     /**< 0: no error                                 */
	LM_NET_CLASS_REFUSED,    /**< the server said no (reply code): REFUSED,
	                              AUTH, UNSUPPORTED                          */
	LM_NET_CLASS_SECURITY,   /**< TLS, CERT, NO_STARTTLS, STARTTLS_FAILED,
	                              PLAINTEXT, NO_MECH                         */
	LM_NET_CLASS_PROTOCOL,   /**< the server broke the protocol: PROTOCOL,
	                              LINE_TOO_LONG, LIMIT, SASL, DECODE         */
	LM_NET_CLASS_NETWORK,    /**< DNS, CONNECT, TIMEOUT, IO, EOF             */
	LM_NET_CLASS_LOCAL       /**< the caller or the machine: BAD_PARAM, URL,
	                              IDNA, NOMEM, CALLBACK, BAD_STATE, ...       */
} lm_net_class;

/** \brief Class of an LM_ERR_* code (see lm_net_class). */
LM_API lm_net_class lm_net_err_class(int err);

/* ------------------------------------------------------------------ */
/* Blocking SMTP session                                               */
/* ------------------------------------------------------------------ */

/** Bytes kept of a reply's text (longer text is cut). */
#define LM_SMTP_REPLY_TEXT_MAX 512

/** A server reply, copied out of the engine (plain value type). */
typedef struct {
	lm_smtp_cmd cmd;         /**< the command it answers; NONE if no reply */
	int code;                /**< 3-digit code, 0 if no reply arrived      */
	int enh_class, enh_subject, enh_detail;  /**< RFC 3463, 0 if none       */
	char text[LM_SMTP_REPLY_TEXT_MAX];      /**< last line's text, NUL-
	                              terminated; control bytes replaced by '?' */
} lm_smtp_reply;

/** Options of lm_smtp_session_new(). The strings are borrowed: they
 *  MUST stay valid until lm_smtp_session_free(). */
typedef struct {
	int version;                /**< LM_SMTP_SESSION_OPTS_VERSION          */
	const char *url;            /**< smtp://[user@]host[:port] (STARTTLS
	                                 required) or smtps://... (implicit TLS) */
	const char *user;           /**< overrides the URL's user; no user and
	                                 no token: no AUTH. A URL
	                                 "smtp://user;AUTH=MECH@host" makes MECH
	                                 the only mechanism (unless auth_mech) */
	const char *password;       /**< for the password mechanisms           */
	const char *token;          /**< OAuth 2.0 bearer token (XOAUTH2,
	                                 OAUTHBEARER)                           */
	unsigned auth_mech;         /**< one lm_sasl_mech to use and nothing
	                                 else, or 0 to choose among auth_allowed */
	unsigned auth_allowed;      /**< 0: LM_SASL_DEFAULT_ALLOWED            */
	const char *cafile;         /**< NULL: LM_NET_SYSTEM_CAFILE            */
	int plaintext;              /**< 1: smtp:// talks without TLS (no
	                                 STARTTLS is attempted) and credentials
	                                 may be sent in clear. Never implied.  */
	unsigned timeout_ms;        /**< per network operation; 0: default     */
	const char *helo_domain;    /**< NULL: "localhost"                     */
	int use_pipelining;         /**< 1 (default): when offered            */
	int use_chunking;           /**< 1 (default): BDAT when offered       */
	lm_trace_fn trace;          /**< "C:"/"S:" lines (AUTH redacted) and
	                                 '*' notes; NULL: none                  */
	void *trace_ud;
	const lm_allocator *alloc;  /**< NULL: malloc/free                     */
	unsigned call_timeout_ms;   /**< limit of each whole call (connect,
	                                 send), see "Time limits"; 0: none
	                                 (connect: its default)               */
} lm_smtp_session_opts;
#define LM_SMTP_SESSION_OPTS_VERSION 1
#define LM_SMTP_SESSION_OPTS_INIT \
	{ LM_SMTP_SESSION_OPTS_VERSION, NULL, NULL, NULL, NULL, 0, 0, NULL, 0, \
	  0, NULL, 1, 1, NULL, NULL, NULL, 0 }

/** One message for lm_smtp_session_send(). Borrowed for the call. */
typedef struct {
	int version;                       /**< LM_SMTP_MESSAGE_VERSION        */
	const char *from;                  /**< envelope sender; "" for <>     */
	const char *const *rcpt;           /**< envelope recipients (To, Cc and
	                                        Bcc alike)                     */
	size_t nrcpt;                      /**< at least 1                     */
	lm_read_fn body;                   /**< the RFC 5322 message, CRLF or LF
	                                        lines; the engine dot-stuffs   */
	void *body_ud;
	const lm_smtp_mail_params *mail_params;  /**< NULL: none             */
	int partial;                       /**< 0 (default): if any recipient is
	                                        refused nothing is sent (RSET)
	                                        and LM_ERR_REFUSED returned; 1:
	                                        send to the accepted ones and
	                                        return 0 if the message was
	                                        accepted for at least one      */
} lm_smtp_message;
#define LM_SMTP_MESSAGE_VERSION 1
#define LM_SMTP_MESSAGE_INIT { LM_SMTP_MESSAGE_VERSION, NULL, NULL, 0, NULL, NULL, NULL, 0 }

/** A session: a connection plus an SMTP engine. Opaque, heap-allocated. */
typedef struct lm_smtp_session lm_smtp_session;

/**
 * \brief Allocate a session and parse its URL. No network I/O.
 * \param out  receives the session (NULL on failure).
 * \return 0; LM_ERR_URL / LM_ERR_IDNA (bad URL, or not smtp/smtps);
 *         LM_ERR_BAD_PARAM (NULL, wrong version); LM_ERR_NOMEM.
 */
LM_API int lm_smtp_session_new(lm_smtp_session **out,
                               const lm_smtp_session_opts *o);

/**
 * \brief Connect, read the greeting, EHLO, STARTTLS (smtp:// unless
 *        plaintext) with the TLS handshake and a second EHLO, then AUTH
 *        if a user or token was given.
 *
 * Never falls back to plaintext. Credentials are never sent before TLS
 * unless opts.plaintext.
 *
 * \return 0; network: LM_ERR_DNS, LM_ERR_CONNECT, LM_ERR_TIMEOUT,
 *         LM_ERR_IO, LM_ERR_EOF; security: LM_ERR_TLS, LM_ERR_CERT,
 *         LM_ERR_NO_STARTTLS, LM_ERR_STARTTLS_FAILED, LM_ERR_PLAINTEXT,
 *         LM_ERR_NO_MECH; refusals (see lm_smtp_session_reply()):
 *         LM_ERR_REFUSED (greeting or EHLO refused, 421), LM_ERR_AUTH
 *         (AUTH refused), LM_ERR_UNSUPPORTED (credentials given but no
 *         AUTH offered); protocol: LM_ERR_PROTOCOL, LM_ERR_LINE_TOO_LONG,
 *         LM_ERR_LIMIT, LM_ERR_SASL. After a failure only
 *         lm_smtp_session_free() is useful.
 */
LM_API int lm_smtp_session_connect(lm_smtp_session *s);

/**
 * \brief Send one message (may be called again for more messages).
 *
 * Queues MAIL FROM and every RCPT TO (pipelined when offered), waits
 * for their replies, then sends the body through DATA or BDAT. A body
 * reader failure in the middle of the body closes the connection
 * without an end of data, so the server discards the message.
 *
 * \param rcpt_replies  NULL, or m->nrcpt entries: each recipient's reply
 *                      (code 0 if none arrived).
 * \param final         NULL, or receives the reply to the message (end of
 *                      data), or the refusal that ended the transaction.
 * \return 0 only if the server accepted the message with a 2xx final
 *         reply (and every recipient, unless m->partial);
 *         LM_ERR_REFUSED (MAIL, a recipient, DATA or the message refused:
 *         see final / rcpt_replies / lm_smtp_session_reply()); the
 *         network, protocol and security codes of
 *         lm_smtp_session_connect(); a negative code from m->body;
 *         LM_ERR_BAD_PARAM (bad address, no recipient); LM_ERR_BAD_STATE
 *         (not connected, or broken by an earlier failure).
 */
LM_API int lm_smtp_session_send(lm_smtp_session *s, const lm_smtp_message *m,
                                lm_smtp_reply *rcpt_replies,
                                lm_smtp_reply *final);

/** \brief The last final reply the server sent (code 0 if none). Valid
 *         until the next call on s. */
LM_API const lm_smtp_reply *lm_smtp_session_reply(const lm_smtp_session *s);

/** \brief One line describing the last failure (never NULL, "" if none),
 *         e.g. "RCPT TO:<x@y> refused: 550 5.1.1 unknown user" or the
 *         certificate problem. Valid until the next call on s. */
LM_API const char *lm_smtp_session_error(const lm_smtp_session *s);

/** \brief QUIT (if the session is usable; at most 5 s), close the
 *         connection, zeroize and free. NULL-safe. */
LM_API void lm_smtp_session_free(lm_smtp_session *s);

/* ------------------------------------------------------------------ */
/* One-call alert                                                      */
/* ------------------------------------------------------------------ */

/** What lm_alert_send() sends. Every pointer is borrowed for the call. */
typedef struct {
	int version;                /**< LM_ALERT_VERSION                      */
	const char *url;            /**< smtps://host or smtp://host (STARTTLS) */
	const char *user;           /**< NULL: the URL's user, or no AUTH      */
	const char *password;
	const char *cafile;         /**< NULL: LM_NET_SYSTEM_CAFILE            */
	const char *from;           /**< sender address (envelope and From:)   */
	const char *const *to;      /**< recipient addresses (To:)             */
	size_t nto;                 /**< at least 1                            */
	const char *subject;        /**< UTF-8 (encoded words when needed)     */
	const char *text;           /**< UTF-8 body, LF or CRLF lines; NULL: "" */
	const char *attach_name;    /**< NULL: no attachment                   */
	const char *attach_type;    /**< NULL: guessed from attach_name        */
	const void *attach_data;    /**< the attachment's bytes, or NULL and   */
	size_t attach_len;
	lm_read_fn attach_read;     /**< ... a reader for them                 */
	void *attach_ud;
	int plaintext;              /**< see lm_smtp_session_opts.plaintext    */
	unsigned timeout_ms;        /**< 0: default                            */
	const char *helo_domain;    /**< NULL: "localhost"                     */
	lm_trace_fn trace;          /**< NULL: none                            */
	void *trace_ud;
	char *errbuf;               /**< NULL, or receives one line describing
	                                 a failure (NUL-terminated, cut to
	                                 errcap)                               */
	size_t errcap;
	unsigned call_timeout_ms;   /**< limit of the whole lm_alert_send()
	                                 (connect, send and QUIT), see "Time
	                                 limits"; 0: none (the connect keeps
	                                 its default)                         */
} lm_alert;
#define LM_ALERT_VERSION 1
#define LM_ALERT_INIT { LM_ALERT_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, \
	0, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, 0, 0, NULL, NULL, NULL, \
	NULL, 0, 0 }

/**
 * \brief Build a message (From, To, Subject, Date in UTC, Message-ID,
 *        MIME-Version, a text/plain UTF-8 part and the optional
 *        attachment, through lm_mime_compose) and send it in one
 *        session: connect, STARTTLS/TLS, AUTH, MAIL/RCPT/DATA, QUIT.
 *
 * Blocks for at most a->call_timeout_ms when set (else for at most
 * LM_NET_CONNECT_TIMEOUT_DEFAULT_MS to connect, then as long as the
 * server keeps each operation within a->timeout_ms; see "Time limits").
 * Uses no global state.
 *
 * \return 0 once the server accepted the message for every recipient;
 *         else the codes of lm_smtp_session_connect() and
 *         lm_smtp_session_send() (lm_net_err_class() tells refusals,
 *         security, protocol and network failures apart); LM_ERR_BAD_PARAM
 *         for a malformed description (bad address, CR/LF in the
 *         subject, both attach_data and attach_read...).
 */
LM_API int lm_alert_send(const lm_alert *a);

/* ------------------------------------------------------------------ */
/* Blocking POP3 session (pop3_session.c)                              */
/* ------------------------------------------------------------------ */

/** Bytes kept of a POP3 reply's text (longer text is cut). */
#define LM_POP3_REPLY_TEXT_MAX 512

/**
 * Most bytes a session reads of a LIST, UIDL, RETR or TOP response
 * after the caller's callback failed (counted on the connection, from
 * the failure on). POP3 has no way to cancel a response in progress:
 * the only ways out are to read it to its final "." (the session stays
 * usable) or to close the connection. Within this bound the session
 * reads on; past it the connection is closed at once, without QUIT, so
 * a server that never ends a response cannot keep an aborted call busy.
 * The same happens when the rest does not end within one timeout_ms
 * from the failure (or the call's time limit passes first): a server
 * that drips it slowly cannot either.
 *
 * 1 MiB: reading it takes about as long as opening a new session would
 * (under a second at 10 Mbit/s, the time of a TLS handshake and a login
 * over a distant link), so beyond it draining costs more than
 * reconnecting; and most mail is far smaller (text messages are a few
 * KB, a listing line about 20 bytes), so an ordinary aborted message or
 * listing leaves the session usable. Override with -D when building the
 * library.
 */
#ifndef LM_POP3_DRAIN_MAX
#define LM_POP3_DRAIN_MAX (1024ul * 1024ul)
#endif

/** A POP3 status line, copied out of the engine (plain value type). */
typedef struct {
	lm_pop3_cmd cmd;          /**< the command it answers; NONE if none  */
	int ok;                   /**< 1 "+OK", 0 "-ERR", -1 no reply yet    */
	char code[64];            /**< RFC 2449 response code without the
	                               brackets ("IN-USE", "SYS/TEMP"), or "" */
	char text[LM_POP3_REPLY_TEXT_MAX];  /**< text after the status and the
	                               code, NUL-terminated; control bytes
	                               replaced by '?'                        */
} lm_pop3_reply;

/** How lm_pop3_session_connect() logs in (lm_pop3_session_opts.login). */
typedef enum {
	LM_POP3_LOGIN_AUTO = 0,   /**< SASL (RFC 5034) when CAPA offers a usable
	                               mechanism, else USER/PASS when CAPA
	                               offers USER (or CAPA is not supported) */
	LM_POP3_LOGIN_SASL,       /**< SASL only                              */
	LM_POP3_LOGIN_USER,       /**< USER/PASS only                         */
	LM_POP3_LOGIN_APOP        /**< APOP only (needs the greeting's
	                               timestamp; MD5, weak: only when asked) */
} lm_pop3_login;

/** Options of lm_pop3_session_new(). The strings are borrowed: they
 *  MUST stay valid until lm_pop3_session_free(). */
typedef struct {
	int version;                /**< LM_POP3_SESSION_OPTS_VERSION          */
	const char *url;            /**< pop3://[user@]host[:port] (STLS
	                                 required, port 110) or pop3s://...
	                                 (implicit TLS, port 995); a URL
	                                 "pop3://user;AUTH=MECH@host" makes MECH
	                                 the only SASL mechanism (RFC 2384; its
	                                 ";AUTH=+APOP" is refused by
	                                 lm_url_parse(): use login instead)    */
	const char *user;           /**< overrides the URL's user; no user and
	                                 no token: no login (only useful for
	                                 servers that pre-authenticate: none)  */
	const char *password;
	const char *token;          /**< OAuth 2.0 bearer token               */
	unsigned auth_mech;         /**< one lm_sasl_mech and nothing else, or
	                                 0 to choose among auth_allowed        */
	unsigned auth_allowed;      /**< 0: LM_SASL_DEFAULT_ALLOWED            */
	lm_pop3_login login;        /**< LM_POP3_LOGIN_AUTO (default)          */
	const char *cafile;         /**< NULL: LM_NET_SYSTEM_CAFILE            */
	int plaintext;              /**< 1: pop3:// talks without TLS (no STLS
	                                 is attempted) and credentials may be
	                                 sent in clear. Never implied.         */
	unsigned timeout_ms;        /**< per network operation; 0: default     */
	lm_trace_fn trace;          /**< "C:"/"S:" lines (credentials redacted)
	                                 and '*' notes; NULL: none             */
	void *trace_ud;
	const lm_allocator *alloc;  /**< NULL: malloc/free                     */
	unsigned call_timeout_ms;   /**< limit of each whole call (connect and
	                                 every command: a RETR with its whole
	                                 message), see "Time limits"; 0: none
	                                 (connect: its default)               */
} lm_pop3_session_opts;
#define LM_POP3_SESSION_OPTS_VERSION 1
#define LM_POP3_SESSION_OPTS_INIT \
	{ LM_POP3_SESSION_OPTS_VERSION, NULL, NULL, NULL, NULL, 0, 0, \
	  LM_POP3_LOGIN_AUTO, NULL, 0, 0, NULL, NULL, NULL, 0 }

/** A POP3 session: a connection plus a POP3 engine. Opaque, heap-allocated. */
typedef struct lm_pop3_session lm_pop3_session;

/** LIST callback: one message number and its size in octets (as the
 *  server counts them: with CRLF line ends, before dot-stuffing).
 *  Return 0 to go on, a negative code to stop (see lm_pop3_session_list:
 *  stopping may cost the session). */
typedef int (*lm_pop3_list_fn)(void *ud, unsigned long msg, uint64_t size);

/** UIDL callback: one message number and its unique-id: uid[0..len) is
 *  opaque printable ASCII (0x21..0x7E, 1..70 bytes, as the engine
 *  validated it), NOT NUL-terminated, valid only during the call. It may
 *  contain "/" or ".."; never use it as a file name as it is. */
typedef int (*lm_pop3_uidl_fn)(void *ud, unsigned long msg, const char *uid,
                               size_t len);

/** RETR/TOP callback: the next chunk of the message, dot-unstuffed, line
 *  ends as the server sent them (CRLF; LF alone from a server that ends
 *  its lines so, LM_POP3_LENIENT_BARE_LF in pop3.h: never rewritten);
 *  valid only during the call. The
 *  chunks of one message are delivered in order; a message is complete
 *  only when lm_pop3_session_retr() returns 0. */
typedef int (*lm_pop3_data_fn)(void *ud, const unsigned char *p, size_t n);

/**
 * \brief Allocate a session and parse its URL. No network I/O.
 * \return 0; LM_ERR_URL / LM_ERR_IDNA (bad URL, or not pop3/pop3s);
 *         LM_ERR_BAD_PARAM (NULL, wrong version, bad login value);
 *         LM_ERR_NOMEM.
 */
LM_API int lm_pop3_session_new(lm_pop3_session **out,
                               const lm_pop3_session_opts *o);

/**
 * \brief Connect, read the greeting, CAPA, STLS (pop3:// unless
 *        plaintext) with the TLS handshake and CAPA again, then log in
 *        (SASL, USER/PASS or APOP, see lm_pop3_login) if a user or token
 *        was given.
 *
 * Never falls back to plaintext; credentials are never sent before TLS
 * unless opts.plaintext. USER/PASS is used only when CAPA offers USER
 * (or the server does not know CAPA) or when asked for by name.
 *
 * \return 0; network: LM_ERR_DNS, LM_ERR_CONNECT, LM_ERR_TIMEOUT,
 *         LM_ERR_IO, LM_ERR_EOF; security: LM_ERR_TLS, LM_ERR_CERT,
 *         LM_ERR_NO_STARTTLS (STLS not offered), LM_ERR_STARTTLS_FAILED
 *         (-ERR to STLS), LM_ERR_PLAINTEXT, LM_ERR_NO_MECH; refusals (see
 *         lm_pop3_session_reply()): LM_ERR_REFUSED (-ERR greeting, or a
 *         login refused with a response code other than [AUTH], e.g.
 *         [IN-USE], [SYS/TEMP], [LOGIN-DELAY]), LM_ERR_AUTH (login
 *         refused: bad credentials), LM_ERR_UNSUPPORTED (no login method
 *         offered, or APOP asked but no timestamp); protocol:
 *         LM_ERR_PROTOCOL (incl. plaintext injected after "+OK" to
 *         STLS), LM_ERR_LINE_TOO_LONG, LM_ERR_LIMIT, LM_ERR_SASL.
 *         After a failure only lm_pop3_session_free() is useful.
 */
LM_API int lm_pop3_session_connect(lm_pop3_session *s);

/**
 * \brief STAT: number of messages and their total size.
 * \return 0; LM_ERR_REFUSED (-ERR); the network and protocol codes of
 *         lm_pop3_session_connect(); LM_ERR_BAD_STATE (not connected or
 *         broken by an earlier failure).
 */
LM_API int lm_pop3_session_stat(lm_pop3_session *s, unsigned long *count,
                                uint64_t *size);

/**
 * \brief LIST (msg 0: every message, one call of fn each; else that one).
 *
 * A negative return of fn stops the calls and that code is returned.
 * The rest of the listing is read and dropped, up to LM_POP3_DRAIN_MAX
 * bytes and one timeout_ms: if it ends within them the session stays
 * usable. Past either the
 * connection is closed without QUIT (the server commits no DELE mark:
 * nothing is deleted, the safe outcome), fn's code is still returned,
 * lm_pop3_session_error() says so, and every later call on the session
 * (lm_pop3_session_quit() too) returns LM_ERR_BAD_STATE: reconnect with
 * a new session.
 * \return 0; LM_ERR_REFUSED (-ERR, e.g. no such message); fn's code;
 *         the codes of lm_pop3_session_stat().
 */
LM_API int lm_pop3_session_list(lm_pop3_session *s, unsigned long msg,
                                lm_pop3_list_fn fn, void *ud);

/**
 * \brief UIDL (msg 0: every message; else that one); as
 *        lm_pop3_session_list(). LM_ERR_REFUSED also when the server
 *        does not implement UIDL.
 */
LM_API int lm_pop3_session_uidl(lm_pop3_session *s, unsigned long msg,
                                lm_pop3_uidl_fn fn, void *ud);

/**
 * \brief RETR msg, streaming the message to fn in chunks (memory does not
 *        grow with the message size).
 *
 * Returns 0 only once the terminating "." arrived: a connection that
 * ends before it is LM_ERR_EOF (or LM_ERR_PROTOCOL), never a short
 * message reported as whole. If fn fails, fn's code is returned and the
 * caller MUST treat the message as not received. The rest of the
 * message is read and dropped up to LM_POP3_DRAIN_MAX bytes and one
 * timeout_ms (a message that ends within them leaves the session
 * usable); past either the
 * connection is closed without QUIT and the session is unusable, as
 * for lm_pop3_session_list(): no DELE mark is committed.
 * \return 0; LM_ERR_REFUSED (-ERR); fn's code; the codes of
 *         lm_pop3_session_stat().
 */
LM_API int lm_pop3_session_retr(lm_pop3_session *s, unsigned long msg,
                                lm_pop3_data_fn fn, void *ud);

/** \brief TOP msg lines: the header and the first `lines` body lines,
 *         streamed like lm_pop3_session_retr(). */
LM_API int lm_pop3_session_top(lm_pop3_session *s, unsigned long msg,
                               unsigned long lines, lm_pop3_data_fn fn,
                               void *ud);

/**
 * \brief DELE msg: marks the message deleted. Nothing is deleted on the
 *        server before lm_pop3_session_quit() returns 0; a connection
 *        that ends any other way deletes nothing (RFC 1939, 6).
 * \return 0; LM_ERR_REFUSED; the codes of lm_pop3_session_stat().
 */
LM_API int lm_pop3_session_dele(lm_pop3_session *s, unsigned long msg);

/** \brief RSET: unmark every message marked deleted. */
LM_API int lm_pop3_session_rset(lm_pop3_session *s);

/** \brief NOOP (keeps the session alive). */
LM_API int lm_pop3_session_noop(lm_pop3_session *s);

/**
 * \brief QUIT and close the connection: the commit point of deletions.
 *
 * \return 0 only when the server answered "+OK" to QUIT: the messages
 *         marked with DELE are now deleted. LM_ERR_REFUSED: "-ERR" (RFC
 *         2449 says some deletions may have failed, e.g. [SYS/TEMP]).
 *         A network or protocol code: the "+OK" did not arrive and it is
 *         unknown whether the server deleted the marked messages (it may
 *         have: the UPDATE state can run before the reply is lost).
 *         LM_ERR_BAD_STATE: not connected. The session accepts no
 *         command afterwards (lm_pop3_session_free() is still needed).
 */
LM_API int lm_pop3_session_quit(lm_pop3_session *s);

/** \brief 1 if the last CAPA (after TLS, if any) lists keyword kw
 *         (case-insensitive), else 0. */
LM_API int lm_pop3_session_has_capa(const lm_pop3_session *s, const char *kw);

/** \brief The last status line the server sent (ok -1 if none). Valid
 *         until the next call on s. */
LM_API const lm_pop3_reply *lm_pop3_session_reply(const lm_pop3_session *s);

/** \brief One line describing the last failure (never NULL, "" if none),
 *         e.g. "login refused: -ERR [IN-USE] locked" or the certificate
 *         problem. Valid until the next call on s. */
LM_API const char *lm_pop3_session_error(const lm_pop3_session *s);

/** \brief Bytes the session holds for itself (the object with the engine
 *         and its fixed input, output and chunk buffers); constant, does
 *         not depend on message sizes. mbedTLS state is not included. */
LM_API size_t lm_pop3_session_footprint(void);

/** \brief Close the connection WITHOUT QUIT (so nothing marked with DELE
 *         is deleted unless lm_pop3_session_quit() was called), zeroize
 *         and free. NULL-safe. */
LM_API void lm_pop3_session_free(lm_pop3_session *s);

/* ------------------------------------------------------------------ */
/* Blocking IMAP session (imap_session.c)                              */
/* ------------------------------------------------------------------ */
/*
 * A connection plus an IMAP engine (imap.h). lm_imap_session_connect()
 * does the greeting, STARTTLS or implicit TLS, CAPABILITY and the
 * login; after that the caller queues commands on the engine itself
 * (lm_imap_session_client()) and lets lm_imap_session_wait() drive the
 * connection until that command completes, receiving every event
 * (untagged data, FETCH items, body section chunks) through a callback.
 *
 *     lm_imap_handle h;
 *     lm_imap_client *c = lm_imap_session_client(s);
 *     r = lm_imap_examine(c, "INBOX", NULL, &h);
 *     if (r == 0) r = lm_imap_session_wait(s, h, NULL, NULL);
 *     if (r == 0) r = lm_imap_fetch(c, 1, "42", &fo, &h);
 *     if (r == 0) r = lm_imap_session_wait(s, h, on_event, &state);
 *
 * Outcomes of lm_imap_session_wait(): 0 for a tagged OK; LM_ERR_REFUSED
 * for NO or BAD (the text in lm_imap_session_reply() and
 * lm_imap_session_error()); LM_ERR_REFUSED too when the server sends an
 * unsolicited BYE and closes before the command completed (the BYE text
 * is the error: the server refused to go on); network, security and
 * protocol codes as lm_net_err_class() sorts them. After any error but
 * LM_ERR_REFUSED from a NO/BAD, the session is broken: only
 * lm_imap_session_free() is useful.
 */

/** Bytes kept of a completion's text (longer text is cut). */
#define LM_IMAP_REPLY_TEXT_MAX 512

/** The completion of a command, copied out of the engine (plain value
 *  type). */
typedef struct {
	lm_imap_cmd cmd;            /**< the command; NONE if none completed */
	lm_imap_handle handle;
	lm_imap_result status;      /**< OK, NO, BAD (NONE if none)          */
	lm_imap_code code;          /**< response code, NONE if absent        */
	uint64_t code_num;          /**< its number (UIDNEXT, UIDVALIDITY of
	                                 APPENDUID/COPYUID, HIGHESTMODSEQ...)  */
	char code_set1[128];        /**< APPENDUID uid / COPYUID source set /
	                                 MODIFIED set, NUL-terminated, "" if
	                                 none (cut when longer)              */
	char code_set2[128];        /**< COPYUID destination set             */
	char text[LM_IMAP_REPLY_TEXT_MAX];  /**< the human-readable text,
	                                 NUL-terminated; control bytes
	                                 replaced by '?'                      */
} lm_imap_reply;

/** Options of lm_imap_session_new(). The strings are borrowed: they
 *  MUST stay valid until lm_imap_session_free(). */
typedef struct {
	int version;                /**< LM_IMAP_SESSION_OPTS_VERSION          */
	const char *url;            /**< imap://[user@]host[:port][/mailbox]
	                                 (STARTTLS required, port 143) or
	                                 imaps://... (implicit TLS, port 993) */
	const char *user;           /**< overrides the URL's user; no user and
	                                 no token: no login (a PREAUTH server,
	                                 or commands of the not-authenticated
	                                 state only). "imap://user;AUTH=MECH@"
	                                 makes MECH the only mechanism        */
	const char *password;       /**< for the password mechanisms and LOGIN */
	const char *token;          /**< OAuth 2.0 bearer token               */
	unsigned auth_mech;         /**< one lm_sasl_mech and nothing else (no
	                                 LOGIN fallback), or 0 to choose among
	                                 auth_allowed and then LOGIN          */
	unsigned auth_allowed;      /**< 0: LM_SASL_DEFAULT_ALLOWED            */
	const char *cafile;         /**< NULL: LM_NET_SYSTEM_CAFILE            */
	int plaintext;              /**< 1: imap:// talks without TLS (no
	                                 STARTTLS is attempted), credentials may
	                                 be sent in clear, PREAUTH is accepted
	                                 without TLS. Never implied.          */
	unsigned timeout_ms;        /**< per network operation; 0: default     */
	lm_trace_fn trace;          /**< "C:"/"S:" lines (credentials
	                                 redacted) and '*' notes; NULL: none  */
	void *trace_ud;
	const lm_allocator *alloc;  /**< NULL: malloc/free                     */
	unsigned call_timeout_ms;   /**< limit of each whole call (connect,
	                                 wait; idle: on top of each IDLE
	                                 period), see "Time limits"; 0: none
	                                 (connect: its default)               */
} lm_imap_session_opts;
#define LM_IMAP_SESSION_OPTS_VERSION 1
#define LM_IMAP_SESSION_OPTS_INIT \
	{ LM_IMAP_SESSION_OPTS_VERSION, NULL, NULL, NULL, NULL, 0, 0, NULL, 0, \
	  0, NULL, NULL, NULL, 0 }

/** A session: a connection plus an IMAP engine. Opaque, heap-allocated
 *  (about 56 KB: the engine and its LM_IMAP_BUFSIZE_IN/OUT buffers). */
typedef struct lm_imap_session lm_imap_session;

/**
 * Receives every event while lm_imap_session_wait() or
 * lm_imap_session_idle() runs, including the DONE of the awaited command.
 * The event's slices are valid only during the call. The callback MUST
 * NOT queue commands. Return 0 to go on, or a negative code to stop:
 * the wait returns that code and the session is broken.
 */
typedef int (*lm_imap_event_fn)(const lm_imap_event *ev, void *ud);

/**
 * \brief Allocate a session and parse its URL. No network I/O.
 * \param out  receives the session (NULL on failure).
 * \return 0; LM_ERR_URL / LM_ERR_IDNA (bad URL, not imap/imaps, or a
 *         mailbox path that is not valid percent-encoded UTF-8);
 *         LM_ERR_BAD_PARAM (NULL, wrong version); LM_ERR_NOMEM.
 */
LM_API int lm_imap_session_new(lm_imap_session **out,
                               const lm_imap_session_opts *o);

/**
 * \brief Connect, read the greeting, CAPABILITY (unless the greeting
 *        carried it), STARTTLS (imap:// unless plaintext) with the
 *        handshake and CAPABILITY again, then log in if a user or token
 *        was given and the server did not greet with PREAUTH.
 *
 * Login: AUTHENTICATE with the strongest mechanism lm_sasl_choose()
 * finds among the AUTH= capabilities (SASL-IR when offered); else LOGIN,
 * but only under TLS (or plaintext) and never under LOGINDISABLED.
 * Never falls back to plaintext; PREAUTH on a connection that needs TLS
 * is refused (LM_ERR_NO_STARTTLS). Credentials are never sent before
 * TLS unless opts.plaintext.
 *
 * \return 0; network: LM_ERR_DNS, LM_ERR_CONNECT, LM_ERR_TIMEOUT,
 *         LM_ERR_IO, LM_ERR_EOF; security: LM_ERR_TLS, LM_ERR_CERT,
 *         LM_ERR_NO_STARTTLS, LM_ERR_STARTTLS_FAILED, LM_ERR_PLAINTEXT,
 *         LM_ERR_NO_MECH (nothing usable: no fitting AUTH= and LOGIN
 *         disabled or not allowed); refusals: LM_ERR_REFUSED (BYE
 *         greeting), LM_ERR_AUTH (login refused; see
 *         lm_imap_session_reply()); protocol: LM_ERR_PROTOCOL,
 *         LM_ERR_LINE_TOO_LONG, LM_ERR_LIMIT, LM_ERR_SASL.
 */
LM_API int lm_imap_session_connect(lm_imap_session *s);

/** \brief The engine, to queue commands on (valid until
 *         lm_imap_session_free(); NULL before a successful connect). */
LM_API lm_imap_client *lm_imap_session_client(lm_imap_session *s);

/** \brief The URL's mailbox (its path, percent-decoded, UTF-8), or "" if
 *         the URL has none. Valid until lm_imap_session_free(). */
LM_API const char *lm_imap_session_mailbox(const lm_imap_session *s);

/**
 * \brief Drive the connection until command h completes, handing every
 *        event to fn (may be NULL).
 *
 * Output (including an APPEND body pulled from its reader) is written
 * as the engine produces it; reads wait at most the timeout each.
 * \return 0 (OK), LM_ERR_REFUSED (NO/BAD, or BYE and close), the code
 *         fn returned, or a network, security or protocol error (see
 *         the top of this section). LM_ERR_BAD_STATE when not connected
 *         or already broken; LM_ERR_BAD_PARAM for h == 0.
 */
LM_API int lm_imap_session_wait(lm_imap_session *s, lm_imap_handle h,
                                lm_imap_event_fn fn, void *ud);

/**
 * \brief Wait for mailbox changes for ms milliseconds (0: forever),
 *        handing every event (EXISTS, EXPUNGE, FETCH FLAGS, VANISHED...)
 *        to fn, then return.
 *
 * With IDLE (RFC 2177): IDLE, renewed every 25 minutes (servers may drop
 * an idle client after 30), then DONE and its completion. Without IDLE:
 * NOOP every 10 seconds (or less, to end in time). A mailbox should be
 * selected first. Reads wait for the remaining time, not the per-operation
 * timeout (a quiet mailbox is not a dead server); writes and the
 * completion of DONE keep the timeout.
 * \return 0 when the time is over, else as lm_imap_session_wait().
 */
LM_API int lm_imap_session_idle(lm_imap_session *s, unsigned long ms,
                                lm_imap_event_fn fn, void *ud);

/** \brief The last completion (status NONE if none). Valid until the next
 *         call on s. */
LM_API const lm_imap_reply *lm_imap_session_reply(const lm_imap_session *s);

/** \brief One line describing the last failure (never NULL, "" if none),
 *         e.g. "SELECT refused: NO Mailbox doesn't exist: Foo",
 *         "UID FETCH refused: BAD ...", "mail.example.test broke the
 *         IMAP protocol (UID FETCH): ..." (a failure while waiting names
 *         the IMAP command, as lm_imap_handle_cmd() tells it) or the
 *         certificate problem. Valid until the next call on s. */
LM_API const char *lm_imap_session_error(const lm_imap_session *s);

/** \brief LOGOUT (if the session is usable; at most 5 s), close the
 *         connection, zeroize and free. NULL-safe. */
LM_API void lm_imap_session_free(lm_imap_session *s);

#ifdef __cplusplus
}
#endif
#endif
