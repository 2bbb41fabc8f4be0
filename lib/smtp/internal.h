/*
 * libmail - lib/smtp internals shared between smtp.c (replies, the
 * session state, the queue of pending replies) and cmd.c (the command
 * builders). Not installed; never included from include/.
 */
#ifndef LIBMAIL_SMTP_INTERNAL_H
#define LIBMAIL_SMTP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#ifdef LM_DEBUG
#include <stdio.h>
#endif

#include "libmail/smtp.h"

/* Session phases (changed only by lm_smtp__set_state()). */
enum {
	LM_SMTP__PH_GREET = 0,   /* waiting for the greeting                  */
	LM_SMTP__PH_REFUSED,     /* greeting was not 220: only QUIT           */
	LM_SMTP__PH_CONNECTED,   /* greeting 220 (or after TLS): EHLO needed  */
	LM_SMTP__PH_READY,       /* EHLO/HELO done                            */
	LM_SMTP__PH_TLS_WAIT,    /* 220 to STARTTLS: waiting for tls_done()   */
	LM_SMTP__PH_QUIT,        /* QUIT queued: waiting for 221 and EOF      */
	LM_SMTP__PH_CLOSING,     /* 421 received: waiting for EOF             */
	LM_SMTP__PH_CLOSED       /* CLOSED delivered                          */
};

/* Transaction states. */
enum {
	LM_SMTP__TX_NONE = 0,
	LM_SMTP__TX_MAIL,        /* MAIL queued: RCPT/DATA allowed            */
	LM_SMTP__TX_DATA_WAIT,   /* DATA queued: waiting for 354              */
	LM_SMTP__TX_BODY,        /* body_write allowed                        */
	LM_SMTP__TX_END_WAIT,    /* end of data given: waiting for the reply  */
	LM_SMTP__TX_KEEP = -1
};

/* Known extensions. */
#define LM_SMTP__EXT_SIZE        0x001u
#define LM_SMTP__EXT_PIPELINING  0x002u
#define LM_SMTP__EXT_8BITMIME    0x004u
#define LM_SMTP__EXT_SMTPUTF8    0x008u
#define LM_SMTP__EXT_CHUNKING    0x010u
#define LM_SMTP__EXT_DSN         0x020u
#define LM_SMTP__EXT_ENHANCED    0x040u
#define LM_SMTP__EXT_STARTTLS    0x080u
#define LM_SMTP__EXT_AUTH        0x100u
#define LM_SMTP__EXT_REQUIRETLS  0x200u
#define LM_SMTP__EXT_BINARYMIME  0x400u

/* smtp.c */

/** Trace bytes in direction dir (no-op without a trace hook). */
void lm_smtp__trace(lm_smtp_client *c, char dir, const void *p, size_t n);

/** lm_smtp__trace() of the string s. */
void lm_smtp__trace_s(lm_smtp_client *c, char dir, const char *s);

/** Move pending output to the front; returns the free space at oend. */
size_t lm_smtp__out_room(lm_smtp_client *c);

/** The reply to cmd (recipient idx) is now pending: queue it. */
void lm_smtp__q_push(lm_smtp_client *c, int cmd, unsigned idx);

/** Queue a whole command line (without CRLF) and its pending reply. The
 *  caller checked the state; this checks room only. */
int lm_smtp__queue_line(lm_smtp_client *c, int cmd, unsigned idx,
                        const char *line, size_t n);

/* Inline in both files, as the compiler had them when they were one. */

/* The only function that changes phase and transaction state. Debug
 * builds (-DLM_DEBUG) note every change in the trace. */
static inline void
lm_smtp__set_state(lm_smtp_client *c, int phase, int tx)
{
#ifdef LM_DEBUG
	static const char *const pn[] = { "GREET", "REFUSED", "CONNECTED",
		"READY", "TLS_WAIT", "QUIT", "CLOSING", "CLOSED" };
	static const char *const tn[] = { "NONE", "MAIL", "DATA_WAIT", "BODY",
		"END_WAIT" };
	char note[96];
	int n = snprintf(note, sizeof note, "state %s/%s -> %s/%s",
	                 pn[c->phase], tn[c->tx], pn[phase >= 0 ? phase : c->phase],
	                 tn[tx >= 0 ? tx : c->tx]);
	if (n > 0 && ((phase >= 0 && phase != c->phase) || (tx >= 0 && tx != c->tx)))
		lm_smtp__trace(c, '*', note,
		               (size_t)n < sizeof note ? (size_t)n : sizeof note - 1);
#endif
	if (phase >= 0)
		c->phase = phase;
	if (tx >= 0) {
		c->tx = tx;
		if (tx == LM_SMTP__TX_NONE) {
			c->bdat = 0;
			c->bdat_failed = 0;
			c->bdat_last = 0;
			c->bd_len = 0;
			c->ev_data_ready = 0;
			c->mail_failed = 0;
		}
	}
}

/** Make err the sticky error (first one wins); returns it. */
static inline int
lm_smtp__fail(lm_smtp_client *c, int err)
{
	if (c->err == 0)
		c->err = err;
	return c->err;
}

/** 1 when commands may be pipelined (RFC 2920): asked for and offered. */
static inline int
lm_smtp__pipelining(const lm_smtp_client *c)
{
	return c->opts.use_pipelining && (c->ext & LM_SMTP__EXT_PIPELINING);
}

/** Forget the EHLO capabilities (EHLO sent or refused, HELO, TLS). */
static inline void
lm_smtp__caps_clear(lm_smtp_client *c)
{
	c->ext = 0;
	c->caps_len = 0;
}

/* cmd.c: the string builder for command lines (used by BDAT framing) */

/** A line built in p[0..len) of cap bytes; over once something did not
 *  fit. */
typedef struct {
	char *p;
	size_t len, cap;
	int over;
} lm_smtp__sbuf;

/** Append the string s. */
void lm_smtp__sb_puts(lm_smtp__sbuf *b, const char *s);

/** Append v in decimal. */
void lm_smtp__sb_u64(lm_smtp__sbuf *b, uint64_t v);

#endif
