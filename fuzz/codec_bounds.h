/*
 * libmail fuzzing: the streaming base64 and quoted-printable states
 * keep their marks inside the small arrays they index. Each state is
 * one object, so ASan cannot see pend[] or ws[] overrun into the next
 * member (see imap_bounds.h for the bug that taught us); the harnesses
 * check the marks themselves after every update() and final().
 * The limits are the ones the code relies on: a step starts with pend[]
 * drained, so it holds at most one step's output, and a line never
 * passes 76 characters. Private members are read with io_bounds.h's
 * FZ_P() and FZ_FILL(), as only tests may.
 */
#ifndef LIBMAIL_FUZZ_CODEC_BOUNDS_H
#define LIBMAIL_FUZZ_CODEC_BOUNDS_H

#include "libmail/core.h"
#include "io_bounds.h"

/* The drained-output marks every state has: opend <= npend <= pend[]. */
#define FZ_PEND_OK(s) \
	(FZ_P(s, opend) <= FZ_P(s, npend) && FZ_P(s, npend) <= sizeof FZ_P(s, pend))

static inline void
fz_b64_enc_bounds(const lm_b64_enc *e)
{
	FZ_CHECK(FZ_PEND_OK(e), "b64 encoder output within pend[]");
	FZ_CHECK(FZ_P(e, ncarry) < sizeof FZ_P(e, carry), "b64 carry within carry[]");
	FZ_CHECK(!(FZ_P(e, flags) & LM_B64_WRAP) || FZ_P(e, col) <= 76,
	         "b64 wrapped line within 76 characters");
}

static inline void
fz_b64_dec_bounds(const lm_b64_dec *d)
{
	FZ_CHECK(FZ_PEND_OK(d), "b64 decoder output within pend[]");
	FZ_CHECK(FZ_P(d, q) < 4, "b64 group within 4 characters");
}

static inline void
fz_qp_enc_bounds(const lm_qp_enc *e)
{
	FZ_CHECK(FZ_PEND_OK(e), "qp encoder output within pend[]");
	FZ_FILL(e, nla, la, "qp look-ahead within la[]");
	FZ_CHECK(FZ_P(e, col) <= 76, "qp line within 76 characters");
}

static inline void
fz_qp_dec_bounds(const lm_qp_dec *d)
{
	FZ_CHECK(FZ_PEND_OK(d), "qp decoder output within pend[]");
	FZ_FILL(d, nws, ws, "qp white space within ws[]");
}

#endif
