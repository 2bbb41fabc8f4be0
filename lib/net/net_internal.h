/*
 * libmail - private declarations shared by the lib/net/ files.
 * Never installed, never included from include/.
 */
#ifndef LIBMAIL_NET_INTERNAL_H
#define LIBMAIL_NET_INTERNAL_H

#include <stddef.h>

#include "libmail/net.h"

struct lm_net__tls;

struct lm_conn {
	int fd;
	unsigned timeout_ms;
	lm_allocator alloc;          /* alloc.alloc == NULL: malloc/free */
	lm_trace_fn trace;
	void *trace_ud;
	char *cafile;                /* owned copy, or NULL */
	struct lm_net__tls *tls;     /* non-NULL once TLS was started */
	int tls_failed;              /* a handshake failed: no further I/O */
	int io_err;                  /* LM_ERR_* set by the TLS BIO callbacks */
	/* A write failed: an unknown part of it went out (with TLS, the
	 * rest of a record may still wait inside mbedTLS, which would send
	 * it in place of the next write's bytes), so no further write,
	 * handshake or close_notify. */
	int write_failed;
	/* The time limit of the session call in progress: 0, or an absolute
	 * lm_net__now_ms() time that no connect, read, write, wait or
	 * handshake on this connection goes past (lm_net__conn_limit()). */
	long long limit;
	unsigned limit_ms;           /* its length, for the error text */
	char errtext[256];
};

/* Allocation through the connection's allocator (or malloc). */
void *lm_net__alloc(const lm_allocator *a, size_t n);
void lm_net__free(const lm_allocator *a, void *p, size_t n);

/* Monotonic clock in milliseconds. */
long long lm_net__now_ms(void);

/*
 * Limit every later connect, read, write and TLS handshake on c to end
 * by from + ms (from: a lm_net__now_ms() time; ms 0: no limit). Past it
 * they fail with LM_ERR_TIMEOUT and c->errtext "the call's time limit
 * (MS ms) ran out", even when data is ready. lm_net__conn_limit_passed()
 * tells whether that happened (1) or not (0).
 */
void lm_net__conn_limit(lm_conn *c, long long from, unsigned ms);
int lm_net__conn_limit_passed(const lm_conn *c);
/* Make until (an absolute time; 0: nothing) c's limit if it is sooner
 * than the one set (or there is none); the text keeps limit_ms. */
void lm_net__conn_limit_by(lm_conn *c, long long until);

/* lm_conn_open() whose connect is limited to limit_ms (0: none) from
 * now, the limit then kept on the connection (lm_net__conn_limit()). */
int lm_net__conn_open(lm_conn **out, const char *host, unsigned port,
                      const lm_conn_opts *o, unsigned limit_ms);

/* Printf-style note into c->errtext. */
void lm_net__set_err(lm_conn *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Trace note ('*') if a hook is set. */
void lm_net__note(lm_trace_fn trace, void *ud, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/*
 * dns.c: resolve host (AF_UNSPEC) and connect to the first address that
 * accepts, each attempt bounded by timeout_ms, and all of them by limit
 * (an absolute lm_net__now_ms() time; 0: none; name resolution is not).
 * On success *fd is a connected non-blocking socket. err receives a
 * description on failure.
 * Returns 0, LM_ERR_DNS, LM_ERR_CONNECT, LM_ERR_TIMEOUT.
 */
int lm_net__tcp_connect(const char *host, unsigned port, unsigned timeout_ms,
                        long long limit, int *fd, char *err, size_t errcap,
                        lm_trace_fn trace, void *trace_ud);

/* The same over a given address list, tried in order (host is for the
 * messages only). Returns 0, LM_ERR_CONNECT, LM_ERR_TIMEOUT. */
struct addrinfo;
int lm_net__connect_list(const struct addrinfo *list, const char *host,
                         unsigned port, unsigned timeout_ms, long long limit,
                         int *fd, char *err, size_t errcap, lm_trace_fn trace,
                         void *trace_ud);

/*
 * conn.c: raw socket I/O with a deadline (absolute, lm_net__now_ms()),
 * checked before every recv/send too: past it (or the call's limit)
 * they fail with LM_ERR_TIMEOUT even when the socket is ready.
 * recv: 0 with *got > 0, LM_ERR_EOF, LM_ERR_TIMEOUT, LM_ERR_IO.
 * send: 0 with *sent > 0, LM_ERR_TIMEOUT, LM_ERR_IO.
 */
int lm_net__raw_recv(lm_conn *c, void *buf, size_t cap, size_t *got,
                     long long deadline);
int lm_net__raw_send(lm_conn *c, const void *buf, size_t n, size_t *sent,
                     long long deadline);

/*
 * url.c: percent-decode p[0..n) into out[cap] (NUL-terminated), *outlen
 * bytes. Decoded control bytes (< 0x20, 0x7f) are refused: they have no
 * place in a user, host or mailbox name and CR/LF would reach the
 * protocol. Returns 0 or LM_ERR_URL (also a cut or non-hex escape, or
 * out too small).
 */
int lm_net__pct_decode(const char *p, size_t n, char *out, size_t cap,
                       size_t *outlen);

/* tls_mbedtls.c */
int lm_net__tls_start(lm_conn *c, const char *host);
int lm_net__tls_read(lm_conn *c, void *buf, size_t cap, size_t *got);
int lm_net__tls_write(lm_conn *c, const void *buf, size_t n);
void lm_net__tls_close(lm_conn *c);  /* close_notify (best effort) + free */
/* Cryptographically strong random bytes (CTR_DRBG seeded from the
 * mbedTLS entropy sources). Returns 0 or LM_ERR_TLS. */
int lm_net__random(unsigned char *buf, size_t n);

#endif
