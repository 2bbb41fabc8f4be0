/*
 * libmail fuzzing: the SMTP engine's own fill marks stay inside the
 * fixed arrays and buffers they index (see io_bounds.h for why):
 * the pending-reply ring q_cmd[]/q_idx[], the EHLO capabilities in
 * caps[], and the unframed BDAT chunk, which sits at
 * obuf[LM_SMTP__BDAT_HDR, + bd_len) and keeps LM_SMTP__BODY_RESERVE
 * bytes free for the CRLF its framing may add. sasl_raw[] has no mark
 * (every use passes its size); the exchange it serves is checked too.
 */
#ifndef LIBMAIL_FUZZ_SMTP_BOUNDS_H
#define LIBMAIL_FUZZ_SMTP_BOUNDS_H

#include "libmail/smtp.h"
#include "sasl_bounds.h"

static inline void
fz_smtp_bounds(const lm_smtp_client *c)
{
	const lm_core__io *io = &FZ_P(c, io);

	fz_io_bounds(io);
	FZ_RING(c, q_head, q_count, LM_SMTP_PIPELINE_MAX, "pending replies within their ring");
	FZ_FILL(c, caps_len, caps, "capabilities within caps[]");
	FZ_CHECK(FZ_P(c, bd_len) <= FZ_P(io, olen) - LM_SMTP__BDAT_HDR - LM_SMTP__BODY_RESERVE,
	         "BDAT chunk within the output buffer, reserve kept");
	fz_sasl_bounds(FZ_P(c, sasl));
}

#endif
