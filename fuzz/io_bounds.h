/*
 * libmail fuzzing: bounds of the engines' own fill marks, shared by
 * imap_bounds.h, smtp_bounds.h, pop3_bounds.h and sasl_bounds.h.
 *
 * ASan cannot see a write that overruns one member of an engine context
 * into the next (the context is one object), so the harnesses check the
 * lengths that index the context's fixed arrays themselves after every
 * engine step: an IMAP FETCH item name ran fname_len past its 256 bytes
 * and wrote over the context (f836296), and no fuzzer could report it.
 * Reads private members through LM_PRIVATE(), as only tests may.
 */
#ifndef LIBMAIL_FUZZ_IO_BOUNDS_H
#define LIBMAIL_FUZZ_IO_BOUNDS_H

#include "libmail/common.h"
#include "fuzz.h"

/* Private member m of *c. */
#define FZ_P(c, m) ((c)->LM_PRIVATE(m))

/* The fill mark len of *c stays within its fixed array arr. */
#define FZ_FILL(c, len, arr, what) \
	FZ_CHECK(FZ_P(c, len) <= sizeof FZ_P(c, arr), what)

/* A ring of max entries: its head indexes it, its count fits it. */
#define FZ_RING(c, head, count, max, what) \
	FZ_CHECK(FZ_P(c, head) < (max) && FZ_P(c, count) <= (max), what)

/* The borrowed buffers: [ipos, iend) inside ibuf[0..ilen), [ostart,
 * oend) inside obuf[0..olen). */
static inline void
fz_io_bounds(const lm_core__io *io)
{
	FZ_CHECK(FZ_P(io, ipos) <= FZ_P(io, iend) && FZ_P(io, iend) <= FZ_P(io, ilen),
	         "input marks inside the input buffer");
	FZ_CHECK(FZ_P(io, ostart) <= FZ_P(io, oend) && FZ_P(io, oend) <= FZ_P(io, olen),
	         "output marks inside the output buffer");
}

#endif
