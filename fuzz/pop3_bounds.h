/*
 * libmail fuzzing: the POP3 engine's own fill marks stay inside the
 * fixed arrays and buffers they index (see io_bounds.h for why): the
 * pending-reply ring q_cmd[]/q_arg[], the saved status st_code[] and
 * st_text[], the CAPA lines in caps[], the APOP timestamp in ts[], and
 * sasl_raw[], which holds the password between USER and PASS
 * (pass_len) or an initial response too long for the AUTH line
 * (ir_len); the exchange AUTH serves is checked too.
 */
#ifndef LIBMAIL_FUZZ_POP3_BOUNDS_H
#define LIBMAIL_FUZZ_POP3_BOUNDS_H

#include "libmail/pop3.h"
#include "sasl_bounds.h"

static inline void
fz_pop3_bounds(const lm_pop3_client *c)
{
	fz_io_bounds(&FZ_P(c, io));
	FZ_RING(c, q_head, q_count, LM_POP3_PIPELINE_MAX, "pending replies within their ring");
	FZ_FILL(c, st_code_len, st_code, "saved response code within st_code[]");
	FZ_FILL(c, st_text_len, st_text, "saved status text within st_text[]");
	FZ_FILL(c, caps_len, caps, "capabilities within caps[]");
	FZ_FILL(c, ts_len, ts, "APOP timestamp within ts[]");
	FZ_FILL(c, pass_len, sasl_raw, "kept password within sasl_raw[]");
	FZ_FILL(c, ir_len, sasl_raw, "kept initial response within sasl_raw[]");
	fz_sasl_bounds(FZ_P(c, sasl));
}

#endif
