/*
 * libmail - lib/pop3 internals shared between pop3.c (replies, the
 * session state, the queue of pending replies) and cmd.c (the command
 * builders). Not installed; never included from include/.
 */
#ifndef LIBMAIL_POP3_INTERNAL_H
#define LIBMAIL_POP3_INTERNAL_H

#include <stddef.h>

#include "libmail/pop3.h"

/* Session phases. */
enum {
	LM_POP3__PH_GREET = 0,   /* waiting for the greeting                  */
	LM_POP3__PH_REFUSED,     /* -ERR greeting: only QUIT                  */
	LM_POP3__PH_AUTH,        /* AUTHORIZATION state                       */
	LM_POP3__PH_TLS_WAIT,    /* +OK to STLS: waiting for tls_done()       */
	LM_POP3__PH_TRANS,       /* TRANSACTION state                         */
	LM_POP3__PH_QUIT,        /* QUIT queued: waiting for its reply and EOF */
	LM_POP3__PH_CLOSED       /* CLOSED delivered                          */
};

#define LM_POP3__ARG_MAX 240  /* longest USER/PASS/APOP user argument */

/* pop3.c */

/** Move pending output to the front; returns the free space at oend. */
size_t lm_pop3__out_room(lm_pop3_client *c);

/** Queue a whole command line (without CRLF) and its pending reply.
 *  The caller checked the state; this checks room only. tkeep: trace
 *  the line as is (-1) or redacted after tkeep bytes. */
int lm_pop3__queue_line(lm_pop3_client *c, int cmd, unsigned long arg,
                        const char *line, size_t n, long tkeep);

/** 1 when the capability list is known and names kw; *param (may be
 *  NULL) gets its parameters. */
int lm_pop3__caps_find(const lm_pop3_client *c, const char *kw, lm_slice *param);

/* Inline in both files, as the compiler had them (-O2) when they were
 * one. */

/** Make err the sticky error (first one wins); returns it. */
static inline int
lm_pop3__fail(lm_pop3_client *c, int err)
{
	if (c->err == 0)
		c->err = err;
	return c->err;
}

/** 1 when commands may be pipelined (RFC 2449 PIPELINING): asked for
 *  and offered. */
static inline int
lm_pop3__pipelining(const lm_pop3_client *c)
{
	return c->opts.use_pipelining && c->have_caps &&
	       c->pipe_cap;
}

/** 1 for a command that may change the session state (STLS, AUTH,
 *  USER, PASS, APOP, UTF8): nothing is pipelined behind it. */
static inline int
lm_pop3__state_changing(int cmd)
{
	return cmd == LM_POP3_CMD_STLS || cmd == LM_POP3_CMD_AUTH ||
	       cmd == LM_POP3_CMD_USER || cmd == LM_POP3_CMD_PASS ||
	       cmd == LM_POP3_CMD_APOP || cmd == LM_POP3_CMD_UTF8;
}

/** Forget the capability list (a new CAPA, STLS: RFC 2595 4). */
static inline void
lm_pop3__caps_clear(lm_pop3_client *c)
{
	c->have_caps = 0;
	c->pipe_cap = 0;
	c->caps_len = 0;
}

/** Trace bytes in direction dir (no-op without a trace hook). */
static inline void
lm_pop3__trace(lm_pop3_client *c, char dir, const void *p, size_t n)
{
	if (c->opts.trace)
		c->opts.trace(dir, (const char *)p, n, c->opts.trace_ud);
}

/** The reply to cmd (with its argument arg) is now pending: queue it. */
static inline void
lm_pop3__q_push(lm_pop3_client *c, int cmd, unsigned long arg)
{
	unsigned pos = (c->q_head + c->q_count) % LM_POP3_PIPELINE_MAX;
	c->q_cmd[pos] = (unsigned char)cmd;
	c->q_arg[pos] = arg;
	/* every byte received so far came before the command was sent:
	 * none of them starts its reply (status_line()) */
	c->q_rx[pos] = c->io.rx_total;
	c->q_count++;
	if (lm_pop3__state_changing(cmd))
		c->q_block = 1;
}

#endif
