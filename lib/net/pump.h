/*
 * libmail - the I/O loop shared by the blocking sessions of lib/net/
 * (smtp_session.c, pop3_session.c, imap_session.c): ask the engine what
 * it wants next, then write its output or read its input over the
 * connection, or hand one event (or the engine's end) to the session.
 * Each session keeps only its protocol logic: what an event means, and
 * how an engine failure is told. Private: never installed, never
 * included from include/.
 */
#ifndef LIBMAIL_NET_PUMP_H
#define LIBMAIL_NET_PUMP_H

#include <stddef.h>

#include "libmail/net.h"

/* One engine, and the session that drives it. */
typedef struct {
	const char *name;   /* "SMTP": for "SMTP input buffer full" */
	/* The engine's sans-IO calls (lm_X_next, lm_X_send_buf, ...). */
	int (*next)(void *eng, void *ev);
	const unsigned char *(*send_buf)(const void *eng, size_t *len);
	void (*send_ack)(void *eng, size_t len);
	unsigned char *(*recv_buf)(void *eng, size_t *len);
	void (*recv_ack)(void *eng, size_t len);
	void (*recv_eof)(void *eng);
	/* The session's handling of an event: >= 0 goes on, < 0 stops (the
	 * session's error text is set by then). */
	int (*event)(void *sess, void *ev);
	/* The engine ended (r == LM_DONE) or failed (r < 0: its sticky
	 * error, or LM_ERR_PROTOCOL for a status it should not give) while
	 * the session waited: set the error text, return the error. */
	int (*fail)(void *sess, int r);
	int broken;         /* the session's state value after a failure */
} lm_net__pump_ops;

/*
 * Defines `static const lm_net__pump_ops x##_pump_ops` for engine x
 * (smtp, pop3, imap: lm_x_next, lm_x_send_buf, ... of lm_x_client), with
 * label for messages, the session's event and fail functions and its
 * broken state value.
 */
#define LM_NET__PUMP_OPS(x, label, event_fn, fail_fn, broken)                 \
	static int x##_pump_next(void *e, void *ev)                           \
	{ return lm_##x##_next(e, ev); }                                      \
	static const unsigned char *x##_pump_send_buf(const void *e, size_t *n) \
	{ return lm_##x##_send_buf(e, n); }                                   \
	static void x##_pump_send_ack(void *e, size_t n)                      \
	{ lm_##x##_send_ack(e, n); }                                          \
	static unsigned char *x##_pump_recv_buf(void *e, size_t *n)           \
	{ return lm_##x##_recv_buf(e, n); }                                   \
	static void x##_pump_recv_ack(void *e, size_t n)                      \
	{ lm_##x##_recv_ack(e, n); }                                          \
	static void x##_pump_recv_eof(void *e)                                \
	{ lm_##x##_recv_eof(e); }                                             \
	static const lm_net__pump_ops x##_pump_ops = {                        \
		label, x##_pump_next, x##_pump_send_buf, x##_pump_send_ack,   \
		x##_pump_recv_buf, x##_pump_recv_ack, x##_pump_recv_eof,      \
		event_fn, fail_fn, broken                                     \
	}

/* A session's pump: set up by lm_net__pump_init() once the engine is
 * initialised and the connection open. */
typedef struct {
	const lm_net__pump_ops *ops;
	void *sess;                  /* for ops->event and ops->fail */
	int *state;                  /* the session's state */
	void *eng;                   /* the engine context */
	void *ev;                    /* the session's event of the engine's type */
	lm_conn *conn;
	const char *host;            /* for messages */
	const char **phase;          /* the session's phase (NULL: "session") */
	char *err;                   /* the session's error text */
	size_t errcap;
	/* 0: a read waits the connection's timeout; else an absolute
	 * lm_net__now_ms() time past which lm_net__pump_step() returns
	 * LM_NET__PUMP_DEADLINE instead of reading (IMAP IDLE). */
	long long read_deadline;
	/* bytes received over conn so far (after TLS): lets a session bound
	 * how much it reads of a response it no longer wants */
	unsigned long long rx;
} lm_net__pump;

/* lm_net__pump_step(): the read deadline passed. */
#define LM_NET__PUMP_DEADLINE 2

/* Fill p (read_deadline 0, rx 0); every pointer must outlive the pump. */
void lm_net__pump_init(lm_net__pump *p, const lm_net__pump_ops *ops, void *sess,
                       int *state, void *eng, void *ev, lm_conn *conn,
                       const char *host, const char **phase, char *err,
                       size_t errcap);

/*
 * One step: write pending output, or read input, or take one event
 * (into p->ev) and give it to ops->event.
 * Returns 1 after an event, 0 after I/O, LM_NET__PUMP_DEADLINE when the
 * read deadline passed, < 0 on failure: a write or read error
 * ("connection to H (PHASE): ..."), a full input buffer (LM_ERR_LIMIT,
 * "NAME input buffer full"), what ops->event returned, or what
 * ops->fail made of the engine's end or error. After a failure
 * *p->state is ops->broken.
 */
int lm_net__pump_step(lm_net__pump *p);

/* Step until *count >= target. Returns 0 or the failure of a step. */
int lm_net__pump_until(lm_net__pump *p, const unsigned *count, unsigned target);

#endif
