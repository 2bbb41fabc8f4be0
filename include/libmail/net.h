/*
 * libmail - network adapter (lib/net): URLs, TCP connections with
 * timeouts, TLS over mbedTLS, and blocking helpers that drive the
 * sans-IO engines over a connection.
 *
 * This is the only part of libmail that owns sockets, TLS, DNS and
 * clocks. Everything here blocks the calling thread, never longer than
 * the configured timeout per network operation. Nothing here uses
 * global mutable state; objects are independent and may be used from
 * different threads (one object per thread at a time).
 */
#ifndef LIBMAIL_NET_H
#define LIBMAIL_NET_H

#include "common.h"

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
 *         LM_ERR_BAD_PARAM. On failure lm_conn_last_error_text() is not
 *         available (no object); the trace hook receives a note.
 */
LM_API int lm_conn_open(lm_conn **out, const char *host, unsigned port,
                        const lm_conn_opts *o);

/**
 * \brief Run a TLS client handshake on the connection.
 *
 * TLS 1.2 or newer; the certificate chain MUST verify against the CA
 * file (or the system store) and match host: a DNS name is checked
 * against the certificate's names (RFC 6125, wildcards in the left-most
 * label only) and sent as SNI; an IP literal is checked against the
 * iPAddress subjectAltNames (no SNI). There is no way to turn
 * verification off.
 *
 * \param host  the name the caller asked for (ASCII / A-labels or an IP
 *              literal), not one derived from DNS answers.
 * \return 0; LM_ERR_CERT (verification failed: lm_conn_last_error_text()
 *         says why); LM_ERR_TLS (handshake failure, protocol version,
 *         CA file unreadable); LM_ERR_TIMEOUT, LM_ERR_IO, LM_ERR_EOF;
 *         LM_ERR_BAD_STATE if TLS is already active. After a failure the
 *         connection can only be closed.
 */
LM_API int lm_conn_start_tls(lm_conn *c, const char *host);

/** \brief 1 when TLS is active on the connection, else 0. */
LM_API int lm_conn_is_tls(const lm_conn *c);

/**
 * \brief Read at most cap bytes (at least 1) into buf, waiting at most
 *        the timeout.
 * \return 0 with *got > 0; LM_ERR_EOF when the peer closed the
 *         connection (orderly TCP close or TLS close_notify);
 *         LM_ERR_TIMEOUT, LM_ERR_IO, LM_ERR_TLS.
 */
LM_API int lm_conn_read(lm_conn *c, void *buf, size_t cap, size_t *got);

/**
 * \brief Write all n bytes (through TLS when active). SIGPIPE is never
 *        raised. Each wait for the socket is bounded by the timeout.
 * \return 0; LM_ERR_TIMEOUT, LM_ERR_IO (includes a reset or closed
 *         peer), LM_ERR_TLS.
 */
LM_API int lm_conn_write(lm_conn *c, const void *buf, size_t n);

/**
 * \brief Text of the last failure on this connection, e.g. the mbedTLS
 *        certificate verification flags ("The certificate Common Name
 *        (CN) does not match with the expected CN") or the errno text.
 *        Never NULL; "" if none. Valid until the next call on c.
 */
LM_API const char *lm_conn_last_error_text(const lm_conn *c);

/**
 * \brief Send TLS close_notify (if TLS is active, best effort, bounded
 *        by the timeout), close the socket, zeroize and free.
 *        NULL-safe.
 */
LM_API void lm_conn_close(lm_conn *c);

#ifdef __cplusplus
}
#endif
#endif
