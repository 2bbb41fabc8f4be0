/*
 * libmail fuzzing: the IMAP engine's own fill marks stay inside the
 * fixed arrays and buffers they index. ASan cannot see a write that
 * overruns one member of lm_imap_client into the next (the struct is
 * one object), so the harnesses check the lengths themselves after
 * every lm_imap_next(): a FETCH item name copied with the spaces after
 * it ran fname_len past its 256 bytes and wrote over the context
 * (fixed in f836296), which no fuzzer could report.
 * Reads private members through LM_PRIVATE(), as only tests may.
 */
#ifndef LIBMAIL_FUZZ_IMAP_BOUNDS_H
#define LIBMAIL_FUZZ_IMAP_BOUNDS_H

#include "libmail/imap.h"
#include "fuzz.h"

#define FZ_P(c, m) ((c)->LM_PRIVATE(m))

static void
fz_imap_bounds(const lm_imap_client *c)
{
	const lm_core__io *io = &FZ_P(c, io);

	FZ_CHECK(FZ_P(io, ipos) <= FZ_P(io, iend) && FZ_P(io, iend) <= FZ_P(io, ilen),
	         "input marks inside the input buffer");
	FZ_CHECK(FZ_P(io, ostart) <= FZ_P(io, oend) && FZ_P(io, oend) <= FZ_P(io, olen),
	         "output marks inside the output buffer");
	FZ_CHECK(FZ_P(c, nholds) <= LM_IMAP__HOLDS_MAX, "holds within their table");
	FZ_CHECK(FZ_P(c, q_count) <= LM_IMAP_PIPELINE_MAX, "queue within its table");
	FZ_CHECK(FZ_P(c, sect_len) <= sizeof FZ_P(c, sect), "section name within sect[]");
	FZ_CHECK(FZ_P(c, fname_len) <= sizeof FZ_P(c, fname), "item name within fname[]");
	FZ_CHECK(FZ_P(c, caps_len) <= sizeof FZ_P(c, caps), "capabilities within caps[]");
	FZ_CHECK(FZ_P(c, flags_len) <= sizeof FZ_P(c, flags), "FLAGS within flags[]");
	FZ_CHECK(FZ_P(c, pflags_len) <= sizeof FZ_P(c, pflags),
	         "PERMANENTFLAGS within pflags[]");
	FZ_CHECK(FZ_P(c, mname_len) <= sizeof FZ_P(c, mname), "mailbox name within mname[]");
	FZ_CHECK(FZ_P(c, mv_set_len) <= sizeof FZ_P(c, mv_set), "MOVE set within mv_set[]");
	FZ_CHECK(FZ_P(c, mv_cu1) + FZ_P(c, mv_cu2) + 2 <= sizeof FZ_P(c, mv_cu),
	         "COPYUID sets within mv_cu[]");
	FZ_CHECK(FZ_P(c, wipe_end) <= FZ_P(io, olen), "wipe mark inside the output buffer");
}

#endif
