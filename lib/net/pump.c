/*
 * libmail - the I/O loop shared by the blocking sessions: see pump.h.
 */
#include <stdio.h>

#include "libmail/net.h"
#include "net_internal.h"
#include "pump.h"
#include "session.h"

/* see pump.h */
void
lm_net__pump_init(lm_net__pump *p, const lm_net__pump_ops *ops, void *sess,
                  int *state, void *eng, void *ev, lm_conn *conn,
                  const char *host, const char **phase, char *err,
                  size_t errcap)
{
	lm_net__pump v = { ops, sess, state, eng, ev, conn, host, phase, err,
	                   errcap, 0, 0 };

	*p = v;
}

static int
io_failed(lm_net__pump *p, int r)
{
	lm_net__session_io_err(p->conn, p->host, *p->phase, p->err, p->errcap);
	return r;
}

static int
pump_write(lm_net__pump *p)
{
	size_t n;
	const unsigned char *b = p->ops->send_buf(p->eng, &n);
	int r = lm_conn_write(p->conn, b, n);

	if (r < 0)
		return io_failed(p, r);
	p->ops->send_ack(p->eng, n);
	return 0;
}

static int
pump_read(lm_net__pump *p)
{
	size_t cap, got;
	unsigned keep = p->conn->timeout_ms;
	unsigned char *q = p->ops->recv_buf(p->eng, &cap);
	int r;

	if (cap == 0) {
		snprintf(p->err, p->errcap, "%s input buffer full", p->ops->name);
		return LM_ERR_LIMIT;
	}
	if (p->read_deadline != 0) {
		long long left = p->read_deadline - lm_net__now_ms();
		if (left <= 0)
			return LM_NET__PUMP_DEADLINE;
		p->conn->timeout_ms = left > 0x7fffffffLL ?
		                      0x7fffffffU : (unsigned)left;
	}
	r = lm_conn_read(p->conn, q, cap, &got);
	p->conn->timeout_ms = keep;
	if (r == LM_ERR_TIMEOUT && p->read_deadline != 0 &&
	    lm_net__now_ms() >= p->read_deadline)
		return LM_NET__PUMP_DEADLINE;
	if (r == LM_ERR_EOF) {
		p->ops->recv_eof(p->eng);
		return 0;
	}
	if (r < 0)
		return io_failed(p, r);
	p->rx += got;
	p->ops->recv_ack(p->eng, got);
	return 0;
}

static int
step(lm_net__pump *p)
{
	int r = p->ops->next(p->eng, p->ev);

	if (r == LM_EVENT) {
		r = p->ops->event(p->sess, p->ev);
		return r < 0 ? r : 1;
	}
	if (r == LM_WANT_WRITE)
		return pump_write(p);
	if (r == LM_WANT_READ)
		return pump_read(p);
	if (r >= 0 && r != LM_DONE)
		r = LM_ERR_PROTOCOL;
	return p->ops->fail(p->sess, r);
}

/* see pump.h */
int
lm_net__pump_step(lm_net__pump *p)
{
	int r = step(p);

	if (r < 0)
		*p->state = p->ops->broken;
	return r;
}

/* see pump.h */
int
lm_net__pump_until(lm_net__pump *p, const unsigned *count, unsigned target)
{
	while (*count < target) {
		int r = lm_net__pump_step(p);
		if (r < 0)
			return r;
	}
	return 0;
}
