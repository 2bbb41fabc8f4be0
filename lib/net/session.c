/*
 * libmail - plumbing shared by the blocking sessions: see session.h.
 */
#include <stdio.h>

#include "libmail/net.h"
#include "net_internal.h"
#include "session.h"

/* see session.h */
int
lm_net__session_tls(lm_conn *c, const char *host, char *err, size_t cap)
{
	int r = lm_conn_start_tls(c, host);

	if (r < 0)
		snprintf(err, cap, "TLS with %s: %s", host,
		         lm_conn_last_error_text(c));
	return r;
}

/* see session.h */
int
lm_net__session_open(lm_conn **conn, const lm_url *url, unsigned timeout_ms,
                     const char *cafile, const lm_allocator *alloc,
                     lm_trace_fn trace, void *trace_ud, char *err, size_t cap)
{
	lm_conn_opts co = LM_CONN_OPTS_INIT;
	int r;

	co.timeout_ms = timeout_ms;
	co.cafile = cafile;
	co.alloc = alloc;
	co.trace = trace;
	co.trace_ud = trace_ud;
	r = lm_conn_open(conn, url->host, url->port, &co);
	if (r < 0) {
		if (r == LM_ERR_DNS)
			snprintf(err, cap, "cannot resolve %s", url->host);
		else if (r == LM_ERR_TIMEOUT)
			snprintf(err, cap, "timed out connecting to %s port %u",
			         url->host, url->port);
		else
			snprintf(err, cap, "cannot connect to %s port %u",
			         url->host, url->port);
		return r;
	}
	if (url->implicit_tls)
		return lm_net__session_tls(*conn, url->host, err, cap);
	return 0;
}

/* see session.h */
void
lm_net__session_io_err(lm_conn *c, const char *host, const char *phase,
                       char *err, size_t cap)
{
	snprintf(err, cap, "connection to %s (%s): %s", host,
	         phase ? phase : "session", lm_conn_last_error_text(c));
}

/* see session.h */
int
lm_net__session_rng(void *ud, unsigned char *buf, size_t n)
{
	(void)ud;
	return lm_net__random(buf, n);
}

/* see session.h */
void
lm_net__copy_clean(char *dst, size_t cap, lm_slice v)
{
	size_t i, n = v.len;

	if (cap == 0)
		return;
	if (n > cap - 1)
		n = cap - 1;
	for (i = 0; i < n; i++) {
		unsigned char ch = v.p[i];
		dst[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	dst[n] = '\0';
}
