/*
 * libmail - connection object: TCP socket with per-operation timeouts,
 * optionally carrying TLS (tls_mbedtls.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "net_internal.h"

void *
lm_net__alloc(const lm_allocator *a, size_t n)
{
	void *p;

	if (a != NULL && a->alloc != NULL)
		p = a->alloc(n, a->ud);
	else
		p = malloc(n);
	if (p != NULL)
		memset(p, 0, n);
	return p;
}

void
lm_net__free(const lm_allocator *a, void *p, size_t n)
{
	volatile unsigned char *v = p;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < n; i++)
		v[i] = 0;
	if (a != NULL && a->alloc != NULL) {
		if (a->free != NULL)
			a->free(p, n, a->ud);
	} else {
		free(p);
	}
}

long long
lm_net__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
lm_net__set_err(lm_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errtext, sizeof c->errtext, fmt, ap);
	va_end(ap);
}

void
lm_net__note(lm_trace_fn trace, void *ud, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (trace == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	trace('*', buf, (size_t)n, ud);
}

/* see net_internal.h */
void
lm_net__conn_limit(lm_conn *c, long long from, unsigned ms)
{
	c->limit = ms != 0 ? from + (long long)ms : 0;
	c->limit_ms = ms;
}

/* see net_internal.h */
void
lm_net__conn_limit_by(lm_conn *c, long long until)
{
	if (until != 0 && (c->limit == 0 || until < c->limit))
		c->limit = until;
}

/* see net_internal.h */
int
lm_net__conn_limit_passed(const lm_conn *c)
{
	return c->limit != 0 && lm_net__now_ms() >= c->limit;
}

/* LM_ERR_TIMEOUT (with its text) once the call's time limit passed,
 * else 0: checked before every recv and send too, so that a server
 * that keeps data always ready cannot outrun the limit either. */
static int
limit_check(lm_conn *c)
{
	if (!lm_net__conn_limit_passed(c))
		return 0;
	lm_net__set_err(c, "the call's time limit (%u ms) ran out", c->limit_ms);
	return LM_ERR_TIMEOUT;
}

/* limit_check(), then LM_ERR_TIMEOUT once the operation's deadline
 * passed, even with data ready: a TLS read or handshake is many raw
 * reads, and a peer that keeps records coming that mbedTLS skips
 * (warning alerts, HelloRequests) would otherwise hold it for ever. */
static int
time_check(lm_conn *c, long long deadline)
{
	int r = limit_check(c);

	if (r == 0 && lm_net__now_ms() >= deadline) {
		lm_net__set_err(c, "timed out after %u ms", c->timeout_ms);
		r = LM_ERR_TIMEOUT;
	}
	return r;
}

/* Wait until fd is ready for ev or the deadline (or the call's time
 * limit) passes. 0, LM_ERR_TIMEOUT, LM_ERR_IO. */
static int
wait_fd(lm_conn *c, short ev, long long deadline)
{
	if (c->limit != 0 && c->limit < deadline)
		deadline = c->limit;
	for (;;) {
		struct pollfd pfd;
		long long left = deadline - lm_net__now_ms();
		int r;

		if (left <= 0) {
			r = limit_check(c);
			if (r == 0)
				lm_net__set_err(c, "timed out after %u ms",
				                c->timeout_ms);
			return LM_ERR_TIMEOUT;
		}
		pfd.fd = c->fd;
		pfd.events = ev;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			lm_net__set_err(c, "poll: %s", strerror(errno));
			return LM_ERR_IO;
		}
		if (r > 0)
			return 0; /* ready, or error/hangup: the next call says */
	}
}

int
lm_net__raw_recv(lm_conn *c, void *buf, size_t cap, size_t *got,
                 long long deadline)
{
	*got = 0;
	for (;;) {
		ssize_t n;
		int r = time_check(c, deadline);

		if (r < 0)
			return r;
		n = recv(c->fd, buf, cap, 0);
		if (n > 0) {
			*got = (size_t)n;
			return 0;
		}
		if (n == 0) {
			lm_net__set_err(c, "connection closed by peer");
			return LM_ERR_EOF;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			lm_net__set_err(c, "recv: %s", strerror(errno));
			return errno == ECONNRESET ? LM_ERR_EOF : LM_ERR_IO;
		}
		r = wait_fd(c, POLLIN, deadline);
		if (r < 0)
			return r;
	}
}

int
lm_net__raw_send(lm_conn *c, const void *buf, size_t n, size_t *sent,
                 long long deadline)
{
	*sent = 0;
	for (;;) {
		ssize_t k;
		int r = time_check(c, deadline);

		if (r < 0)
			return r;
		k = send(c->fd, buf, n, MSG_NOSIGNAL);
		if (k > 0) {
			*sent = (size_t)k;
			return 0;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			lm_net__set_err(c, "send: %s", strerror(errno));
			return LM_ERR_IO;
		}
		r = wait_fd(c, POLLOUT, deadline);
		if (r < 0)
			return r;
	}
}

/* A host as lm_conn_open() and lm_conn_start_tls() take it: ASCII
 * (A-labels) or an IP literal, so printable ASCII without spaces. A
 * U-label would reach getaddrinfo() raw, bypassing IDNA, and be sent
 * as SNI and matched against certificates that hold A-labels only. */
static int
host_ok(const char *host)
{
	const unsigned char *p = (const unsigned char *)host;

	if (host == NULL || *p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return 0;
	return 1;
}

/* see net_internal.h */
int
lm_net__conn_open(lm_conn **out, const char *host, unsigned port,
                  const lm_conn_opts *o, unsigned limit_ms)
{
	static const lm_conn_opts defaults = LM_CONN_OPTS_INIT;
	char err[256];
	lm_conn *c;
	int fd, r;

	if (out == NULL)
		return LM_ERR_BAD_PARAM;
	*out = NULL;
	if (o == NULL)
		o = &defaults;
	if (!host_ok(host) || o->version != LM_CONN_OPTS_VERSION)
		return LM_ERR_BAD_PARAM;

	c = lm_net__alloc(o->alloc, sizeof *c);
	if (c == NULL)
		return LM_ERR_NOMEM;
	c->fd = -1;
	if (o->alloc != NULL)
		c->alloc = *o->alloc;
	c->timeout_ms = o->timeout_ms ? o->timeout_ms : LM_NET_TIMEOUT_DEFAULT_MS;
	c->trace = o->trace;
	c->trace_ud = o->trace_ud;
	if (o->cafile != NULL) {
		size_t n = strlen(o->cafile) + 1;
		c->cafile = lm_net__alloc(&c->alloc, n);
		if (c->cafile == NULL) {
			lm_net__free(&c->alloc, c, sizeof *c);
			return LM_ERR_NOMEM;
		}
		memcpy(c->cafile, o->cafile, n);
	}

	err[0] = '\0';
	lm_net__conn_limit(c, lm_net__now_ms(), limit_ms);
	r = lm_net__tcp_connect(host, port, c->timeout_ms, c->limit, &fd, err,
	                        sizeof err, c->trace, c->trace_ud);
	if (r < 0) {
		if (err[0] != '\0')
			lm_net__note(c->trace, c->trace_ud, "%s", err);
		if (c->cafile != NULL)
			lm_net__free(&c->alloc, c->cafile, strlen(c->cafile) + 1);
		lm_net__free(&c->alloc, c, sizeof *c);
		return r;
	}
	c->fd = fd;
	*out = c;
	return 0;
}

/* see net.h */
int
lm_conn_open(lm_conn **out, const char *host, unsigned port,
             const lm_conn_opts *o)
{
	return lm_net__conn_open(out, host, port, o, 0);
}

/* see net.h */
int
lm_conn_start_tls(lm_conn *c, const char *host)
{
	int r;

	if (c == NULL || !host_ok(host))
		return LM_ERR_BAD_PARAM;
	if (c->tls != NULL || c->tls_failed || c->write_failed)
		return LM_ERR_BAD_STATE;
	r = lm_net__tls_start(c, host);
	if (r < 0)
		c->tls_failed = 1;
	return r;
}

/* see net.h */
int
lm_conn_is_tls(const lm_conn *c)
{
	return c != NULL && c->tls != NULL && !c->tls_failed;
}

/* see net.h */
int
lm_conn_read(lm_conn *c, void *buf, size_t cap, size_t *got)
{
	if (got != NULL)
		*got = 0;
	if (c == NULL || buf == NULL || cap == 0 || got == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->tls_failed)
		return LM_ERR_BAD_STATE;
	if (c->tls != NULL)
		return lm_net__tls_read(c, buf, cap, got);
	return lm_net__raw_recv(c, buf, cap, got,
	                        lm_net__now_ms() + c->timeout_ms);
}

/* see net.h */
int
lm_conn_write(lm_conn *c, const void *buf, size_t n)
{
	const unsigned char *p = buf;
	int r = 0;

	if (c == NULL || (buf == NULL && n > 0))
		return LM_ERR_BAD_PARAM;
	if (c->tls_failed)
		return LM_ERR_BAD_STATE;
	if (c->write_failed) {
		lm_net__set_err(c, "an earlier write failed: the connection "
		                "can only be read or closed");
		return LM_ERR_BAD_STATE;
	}
	if (c->tls != NULL)
		r = lm_net__tls_write(c, buf, n);
	else
		while (n > 0) {
			size_t sent;
			r = lm_net__raw_send(c, p, n, &sent,
			                     lm_net__now_ms() + c->timeout_ms);
			if (r < 0)
				break;
			p += sent;
			n -= sent;
		}
	if (r < 0)
		c->write_failed = 1;
	return r;
}

/* see net.h */
const char *
lm_conn_last_error_text(const lm_conn *c)
{
	return c != NULL ? c->errtext : "";
}

/* see net.h */
void
lm_conn_close(lm_conn *c)
{
	lm_allocator a;

	if (c == NULL)
		return;
	if (c->tls != NULL)
		lm_net__tls_close(c);
	if (c->fd >= 0)
		close(c->fd);
	if (c->cafile != NULL)
		lm_net__free(&c->alloc, c->cafile, strlen(c->cafile) + 1);
	a = c->alloc;
	lm_net__free(&a, c, sizeof *c);
}
