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

/*
 * Connect to url->host, url->port through lm_conn_open() with these
 * connection settings, then start TLS at once if url->implicit_tls. On
 * failure err (cap bytes) says what failed ("cannot resolve H", "timed
 * out connecting to H port P", "cannot connect to H port P", or the
 * lm_net__session_tls() text); *conn may then be set (free it with the
 * session). Returns 0 or the lm_conn_open() / lm_conn_start_tls() error.
 */
int lm_net__session_open(lm_conn **conn, const lm_url *url,
                         unsigned timeout_ms, const char *cafile,
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

/* Copy a slice as a NUL-terminated string (cut to cap - 1 bytes),
 * control bytes (terminal escapes from the server) as '?'. */
void lm_net__copy_clean(char *dst, size_t cap, lm_slice v);

#endif
