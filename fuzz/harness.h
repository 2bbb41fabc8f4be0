/*
 * libmail fuzz harnesses: a scripted fake transport shared by the
 * whole-session harnesses (fuzz_smtp_replies.c, fuzz_pop3.c,
 * fuzz_imap_session.c).
 *
 * The transport feeds the server's bytes in chunks, models the TLS
 * boundary, plays a fake TLS layer whose every action is scripted by the
 * input, and guards the step count. The harness supplies the engine
 * glue (FZ_GLUE below) and its client logic (events, output checks,
 * sticky-error checks) through an fz_engine table; fz_run() drives the
 * engine to a final state.
 *
 * Input after the harness's own header bytes:
 *   [0]      L, the length of the TLS-layer script (capped at what is left)
 *   [1..L]   the script: one op byte per transport action (read, write,
 *            handshake), in the order they happen; once it is used up
 *            every action is "normal"
 *   then     the server's bytes
 * An old input (without script) becomes a new one by inserting a 0 byte
 * after the header: L = 0 is the transport of before (every action
 * normal, handshake instantaneous and successful, clean EOF at the end).
 *
 * Op byte: kind = op >> 6, arg = op & 0x3f.
 *   kind 0 normal   read: the header's chunking (every read stops after
 *                   a line unless the harness sets no_gate, see fz_read());
 *                   write: accepted whole
 *                   (or in halves when the harness asks); handshake:
 *                   succeeds at once
 *   kind 1 short    read: at most arg + 1 bytes (with arg & 0x20 through
 *                   the engine's copying feed()); write: only arg bytes
 *                   accepted (0: would block); handshake: succeeds after
 *                   (arg & 7) + 1 rounds in which the engine is polled
 *   kind 2 close    close_notify: read: clean EOF now (the rest of the
 *                   server's bytes never arrive), the engine gets
 *                   recv_eof; write: the peer is gone, the adapter gives
 *                   up (connection abandoned); handshake: fails by the
 *                   peer closing, the engine gets recv_eof
 *   kind 3 cut      no close_notify (truncation, RST): read: the
 *                   adapter reports an error; with arg & 1 a lax adapter
 *                   passes it to the engine as recv_eof, else the
 *                   connection is abandoned; write: abandoned;
 *                   handshake: fails with an alert, abandoned
 *
 * Invariants checked here (abort on failure), on top of the harness's:
 *  - every call of next() is counted: a final state (LM_DONE, an error,
 *    or the connection abandoned) within max_steps, and after EOF
 *    within a bound set by the input buffer size;
 *  - LM_WANT_WRITE has bytes, LM_WANT_READ has room, send_buf/recv_buf
 *    stay inside the buffers; no LM_WANT_READ once EOF was given;
 *  - nothing is written between the STARTTLS reply (the harness calls
 *    fz_tls_ready() on TLS_READY) and tls_done: no LM_WANT_WRITE, an
 *    empty send_buf, next() says LM_ERR_BAD_STATE (not sticky) in every
 *    handshake round, and engine.tls_wait_poke() checks that commands
 *    are refused;
 *  - LM_ERR_BAD_STATE from next() only while the handshake is pending;
 *  - a failed handshake that closes the connection ends the engine in
 *    an error with nothing written;
 *  - after an error engine.on_error() checks stickiness;
 *  - before and after every before_next() and next(), and after
 *    reset(), engine.bounds() checks the engine's fill marks
 *    (*_bounds.h).
 */
#ifndef LIBMAIL_FUZZ_HARNESS_H
#define LIBMAIL_FUZZ_HARNESS_H

#include <string.h>

#include "libmail/common.h"
#include "libmail/error.h"
#include "fuzz.h"

/* Deterministic "random" bytes for SASL client nonces (RFC 5802 5). */
static const char FZ_NONCE[] = "fyko+d2lbbFgONRv9qkxdawL";

static inline int
fz_rng(void *ud, unsigned char *buf, size_t n)
{
	size_t i;
	(void)ud;
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)FZ_NONCE[i % (sizeof FZ_NONCE - 1)];
	return 0;
}

static inline const unsigned char *
fz_memmem(const void *hay, size_t n, const void *s, size_t k)
{
	const unsigned char *p = hay;
	size_t i;
	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return p + i;
	return NULL;
}

static inline const unsigned char *
fz_find(const void *hay, size_t n, const char *s)
{
	return fz_memmem(hay, n, s, strlen(s));
}

/* An lm_trace_fn's checks: a known direction, no LF in a line, and none
 * of the secrets (NULL-terminated list) in what the client sends. */
static inline void
fz_check_trace(char dir, const char *line, size_t len, const char *const *secrets)
{
	size_t i;

	FZ_CHECK(dir == 'C' || dir == 'S' || dir == '*', "trace direction");
	FZ_CHECK(memchr(line, '\n', len) == NULL, "trace line has no LF");
	if (dir == 'S')
		return;
	for (i = 0; secrets[i] != NULL; i++)
		FZ_CHECK(fz_find(line, len, secrets[i]) == NULL,
		         "trace shows no credential");
}

/* An lm_trace_fn for the engines' options: trace_ud is the secrets list
 * for fz_check_trace(). */
static inline void
fz_trace(char dir, const char *line, size_t len, void *ud)
{
	fz_check_trace(dir, line, len, (const char *const *)ud);
}

/* fz_run() results besides LM_DONE and the engine's errors. */
#define FZ_ABANDONED 1000

typedef struct {
	const uint8_t *in;      /* server bytes                        */
	size_t n, off;
	const uint8_t *ops;     /* TLS-layer script                    */
	size_t nops, opos;
	unsigned chunk;         /* 0 all, 255 cycling 1..7, else n     */
	size_t cyc;
	int halves;             /* normal writes accepted in halves    */
	size_t ilen;            /* engine input buffer, for the bounds */
	size_t max_steps, steps, eof_steps, idle, idle_max;
	int eof, tls_wait, tls_failed, hs_rounds;
	size_t written;         /* bytes acknowledged to the engine    */
	int no_gate;            /* reads not cut after a line (below)  */
	size_t ln_scan, ln_start, ln_count;  /* fz_fed_lines()          */
} fz_io;

/* Engine glue and client logic; k is the harness's client, ev its
 * event. Members marked optional may be NULL. */
typedef struct {
	int (*next)(void *k, void *ev);
	unsigned char *(*recv_buf)(void *k, size_t *len);
	void (*recv_ack)(void *k, size_t len);
	void (*recv_eof)(void *k);
	const unsigned char *(*send_buf)(void *k, size_t *len);
	void (*send_ack)(void *k, size_t len);
	int (*tls_active)(void *k);
	int (*feed)(void *k, const void *p, size_t n, size_t *used);
	int (*reset)(void *k);
	int (*last_error)(void *k);
	void (*bounds)(void *k);        /* fill marks inside the context's
	                                   arrays (*_bounds.h)           */
	/* the client's part */
	unsigned char *ibuf, *obuf;
	size_t olen;
	void (*on_event)(void *k, void *ev);
	void (*check_out)(void *k);     /* pending output is allowed     */
	void (*on_sent)(void *k, const unsigned char *p, size_t n); /* optional */
	void (*before_next)(void *k);   /* optional (SMTP body pump)     */
	int (*tls_done)(void *k);       /* handshake ok: tls_done + checks */
	void (*tls_wait_poke)(void *k); /* commands refused while waiting */
	void (*on_error)(void *k, int r); /* sticky checks               */
} fz_engine;

/* Typed glue for an engine whose functions are PREFIX_next(), ...;
 * TYPE is the harness's client struct holding the context as MEMBER and
 * the flags require_tls and implicit; BOUNDS checks the context's fill
 * marks (fz_smtp_bounds(), ...). */
#define FZ_GLUE(PREFIX, TYPE, MEMBER, EVTYPE, BOUNDS)                           \
	static int fzg_next(void *k, void *ev)                                  \
	{ return PREFIX##_next(&((TYPE *)k)->MEMBER, (EVTYPE *)ev); }             \
	static unsigned char *fzg_recv_buf(void *k, size_t *len)                \
	{ return PREFIX##_recv_buf(&((TYPE *)k)->MEMBER, len); }                  \
	static void fzg_recv_ack(void *k, size_t len)                           \
	{ PREFIX##_recv_ack(&((TYPE *)k)->MEMBER, len); }                         \
	static void fzg_recv_eof(void *k)                                       \
	{ PREFIX##_recv_eof(&((TYPE *)k)->MEMBER); }                              \
	static const unsigned char *fzg_send_buf(void *k, size_t *len)          \
	{ return PREFIX##_send_buf(&((TYPE *)k)->MEMBER, len); }                  \
	static void fzg_send_ack(void *k, size_t len)                           \
	{ PREFIX##_send_ack(&((TYPE *)k)->MEMBER, len); }                         \
	static int fzg_tls_active(void *k)                                      \
	{ return PREFIX##_tls_active(&((TYPE *)k)->MEMBER); }                     \
	static int fzg_feed(void *k, const void *p, size_t n, size_t *used)      \
	{ return PREFIX##_feed(&((TYPE *)k)->MEMBER, p, n, used); }               \
	static int fzg_reset(void *k)                                           \
	{ return PREFIX##_reset(&((TYPE *)k)->MEMBER); }                          \
	static int fzg_last_error(void *k)                                      \
	{ return PREFIX##_last_error(&((TYPE *)k)->MEMBER); }                     \
	static void fzg_bounds(void *k)                                         \
	{ BOUNDS(&((TYPE *)k)->MEMBER); }                                          \
	/* TLS required (not implicit) and not active yet: no credentials */  \
	static int fzg_tls_gate(const TYPE *k)                                  \
	{ return k->require_tls && !k->implicit &&                              \
	         !PREFIX##_tls_active(&k->MEMBER); }
#define FZ_GLUE_INIT fzg_next, fzg_recv_buf, fzg_recv_ack, fzg_recv_eof, \
	fzg_send_buf, fzg_send_ack, fzg_tls_active, fzg_feed, fzg_reset,         \
	fzg_last_error, fzg_bounds

/* Split an input after a header of hdr bytes. Returns 0, or -1 when the
 * input is too short to be one. */
static inline int
fz_io_init(fz_io *io, const uint8_t *data, size_t size, size_t hdr)
{
	size_t l;

	memset(io, 0, sizeof *io);
	if (size < hdr + 1)
		return -1;
	l = data[hdr];
	if (l > size - hdr - 1)
		l = size - hdr - 1;
	io->ops = data + hdr + 1;
	io->nops = l;
	io->in = io->ops + l;
	io->n = size - hdr - 1 - l;
	io->max_steps = 256 + 16 * size;
	io->idle_max = 4096;
	return 0;
}

static inline unsigned
fz_op(fz_io *io, const char *what)
{
	unsigned op = io->opos < io->nops ? io->ops[io->opos] : 0;

	if (getenv("FZ_VERBOSE"))
		fprintf(stderr, "op %zu %s %02x (input offset %zu)\n", io->opos, what,
		        op, io->off);
	if (io->opos < io->nops)
		io->opos++;
	return op;
}

/* Complete lines (ended by LF) fed so far for which ok(line, length
 * without the LF) holds, counted incrementally: one predicate per input.
 * A harness compares it with the events that need such a line, e.g. a
 * multi-line reply's end, so that a reply cut by EOF never completes. */
static inline size_t
fz_fed_lines(fz_io *io, int (*ok)(const uint8_t *line, size_t len))
{
	for (; io->ln_scan < io->off; io->ln_scan++) {
		if (io->in[io->ln_scan] != '\n')
			continue;
		if (ok(io->in + io->ln_start, io->ln_scan - io->ln_start))
			io->ln_count++;
		io->ln_start = io->ln_scan + 1;
	}
	return io->ln_count;
}

/* The STARTTLS reply arrived (call from the TLS_READY event): nothing may
 * be written until the handshake is done. */
static inline void
fz_tls_ready(fz_io *io)
{
	FZ_CHECK(!io->tls_wait, "one TLS_READY per handshake");
	io->tls_wait = 1;
	io->hs_rounds = -1;
}

static inline int
fz_pending_out(const fz_engine *e, void *k)
{
	size_t n = 0;
	(void)e->send_buf(k, &n);
	return n != 0;
}

/* One WANT_WRITE: hand out what the script lets through. Returns 0, or
 * FZ_ABANDONED when the connection is gone. */
static inline int
fz_write(fz_io *io, const fz_engine *e, void *k)
{
	size_t len, take;
	const unsigned char *p = e->send_buf(k, &len);
	unsigned op = fz_op(io, "write");

	FZ_CHECK(!io->tls_wait, "nothing written between the STARTTLS reply and tls_done");
	FZ_CHECK(len > 0 && p != NULL, "WANT_WRITE with bytes to send");
	FZ_CHECK(p >= e->obuf && p + len <= e->obuf + e->olen,
	         "send_buf inside the output buffer");
	e->check_out(k);
	if (op >> 6 >= 2)
		return FZ_ABANDONED;
	take = len;
	if (op >> 6 == 1)
		take = (op & 0x3f) < len ? (op & 0x3f) : len;
	else if (io->halves && len > 7)
		take = len / 2;
	if (take > 0 && e->on_sent != NULL)
		e->on_sent(k, p, take);
	e->send_ack(k, take);
	io->written += take;
	return 0;
}

/* One WANT_READ. Returns 0 or FZ_ABANDONED. */
static inline int
fz_read(fz_io *io, const fz_engine *e, void *k)
{
	unsigned char *q;
	size_t len, take;
	unsigned op;

	FZ_CHECK(!io->eof, "no WANT_READ after EOF");
	op = fz_op(io, "read");
	if (io->off == io->n || op >> 6 == 2 || (op >> 6 == 3 && (op & 1))) {
		e->recv_eof(k);
		io->eof = 1;
		return 0;
	}
	if (op >> 6 == 3)
		return FZ_ABANDONED;
	q = e->recv_buf(k, &len);
	FZ_CHECK(len > 0, "WANT_READ with room to read");
	FZ_CHECK(q >= e->ibuf && q + len <= e->ibuf + io->ilen,
	         "recv_buf inside the input buffer");
	if (op >> 6 == 1)
		take = (op & 0x3f) + 1;
	else if (io->chunk == 255)
		take = io->cyc++ % 7 + 1;
	else
		take = io->chunk ? io->chunk : io->n - io->off;
	if (take > io->n - io->off)
		take = io->n - io->off;
	if (take > len)
		take = len;
	/* Reply boundary: at most one line per read. A server answers only
	 * what it has read, so no reply comes before the client queued the
	 * command it answers (the engines reject one received earlier), and
	 * the bytes after the STARTTLS reply come after tls_done, through
	 * the TLS layer. With no_gate reads come whole: both defences must
	 * fail the engine then. */
	if (!io->no_gate) {
		const uint8_t *lf = memchr(io->in + io->off, '\n', take);
		if (lf != NULL)
			take = (size_t)(lf - (io->in + io->off)) + 1;
	}
	if (op >> 6 == 1 && (op & 0x20)) {
		size_t used = 0;
		int r = e->feed(k, io->in + io->off, take, &used);
		FZ_CHECK(r == 0 ? used > 0 && used <= take : r == e->last_error(k),
		         "feed() takes bytes or returns the sticky error");
		io->off += used;
		return 0;
	}
	memcpy(q, io->in + io->off, take);
	e->recv_ack(k, take);
	io->off += take;
	return 0;
}

/* next() said LM_ERR_BAD_STATE: the engine waits for the handshake.
 * Returns 0 (go on) or FZ_ABANDONED. */
static inline int
fz_handshake(fz_io *io, const fz_engine *e, void *k)
{
	unsigned op;

	FZ_CHECK(io->tls_wait, "BAD_STATE from next() only while the handshake is pending");
	FZ_CHECK(!fz_pending_out(e, k), "nothing queued between the STARTTLS reply and tls_done");
	e->tls_wait_poke(k);
	FZ_CHECK(!fz_pending_out(e, k), "commands refused while waiting for TLS");
	if (io->tls_failed) {
		/* EOF given after a failed handshake and the engine still
		 * waits: it never reaches a final state. */
		FZ_CHECK(0, "the engine ends in an error after a failed handshake");
	}
	if (io->hs_rounds < 0) {
		op = fz_op(io, "handshake");
		switch (op >> 6) {
		case 0:
			io->hs_rounds = 0;
			break;
		case 1:
			io->hs_rounds = (int)(op & 7) + 1;
			break;
		case 2:
			io->tls_failed = 1;
			e->recv_eof(k);
			io->eof = 1;
			return 0;
		default:
			return FZ_ABANDONED;
		}
	}
	if (io->hs_rounds > 0) {
		io->hs_rounds--;
		return 0;
	}
	io->tls_wait = 0;
	FZ_CHECK(e->tls_done(k) == 0, "tls_done after TLS_READY");
	FZ_CHECK(e->tls_active(k) == 1, "TLS active after tls_done");
	return 0;
}

/* Drive the engine to a final state: LM_DONE, its error (< 0), or
 * FZ_ABANDONED when the scripted connection broke. */
static inline int
fz_drive(fz_io *io, const fz_engine *e, void *k, void *ev)
{
	int r;

	for (;;) {
		FZ_CHECK(++io->steps <= io->max_steps, "engine finishes in bounded steps");
		if (io->eof)
			FZ_CHECK(++io->eof_steps <= 64 + 16 * io->ilen,
			         "final state in bounded steps after EOF");
		e->bounds(k);   /* what the last event, read or write left */
		if (e->before_next != NULL) {
			e->before_next(k);
			e->bounds(k);
		}
		r = e->next(k, ev);
		e->bounds(k);
		if (r == LM_WANT_WRITE) {
			if (fz_write(io, e, k) != 0)
				return FZ_ABANDONED;
			io->idle = 0;
		} else if (r == LM_WANT_READ) {
			if (fz_read(io, e, k) != 0)
				return FZ_ABANDONED;
			io->idle = 0;
		} else if (r == LM_EVENT) {
			FZ_CHECK(++io->idle < io->idle_max, "events are bounded");
			FZ_CHECK(!io->tls_wait, "no event while waiting for TLS");
			e->on_event(k, ev);
		} else if (r == LM_DONE) {
			FZ_CHECK(!io->tls_failed, "no clean end after a failed handshake");
			FZ_CHECK(e->next(k, ev) == LM_DONE, "DONE is final");
			return r;
		} else if (r == LM_ERR_BAD_STATE) {
			if (fz_handshake(io, e, k) != 0)
				return FZ_ABANDONED;
		} else {
			FZ_CHECK(r < 0, "next() result");
			if (getenv("FZ_VERBOSE"))
				fprintf(stderr, "error %d\n", r);
			if (io->tls_failed)
				FZ_CHECK(!fz_pending_out(e, k),
				         "nothing written after a failed handshake");
			e->on_error(k, r);
			return r;
		}
	}
}

/* fz_drive(), then reset() must start over from any final state: no
 * error, no TLS, nothing to send, waiting for a greeting. */
static inline int
fz_run(fz_io *io, const fz_engine *e, void *k, void *ev)
{
	int r = fz_drive(io, e, k, ev);

	FZ_CHECK(e->reset(k) == 0, "reset");
	e->bounds(k);
	FZ_CHECK(e->last_error(k) == 0 && !e->tls_active(k) && !fz_pending_out(e, k),
	         "reset forgets error, TLS and output");
	FZ_CHECK(e->next(k, ev) == LM_WANT_READ, "after reset the engine waits for a greeting");
	return r;
}

#endif
