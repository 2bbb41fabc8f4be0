/*
 * libmail fuzzing: the IMAP engine's own fill marks stay inside the
 * fixed arrays and buffers they index (see io_bounds.h for why). A
 * FETCH item name copied with the spaces after it ran fname_len past
 * its 256 bytes and wrote over the context (fixed in f836296).
 */
#ifndef LIBMAIL_FUZZ_IMAP_BOUNDS_H
#define LIBMAIL_FUZZ_IMAP_BOUNDS_H

#include "libmail/imap.h"
#include "sasl_bounds.h"

static void
fz_imap_bounds(const lm_imap_client *c)
{
	const lm_core__io *io = &FZ_P(c, io);

	fz_io_bounds(io);
	FZ_CHECK(FZ_P(c, nholds) <= LM_IMAP__HOLDS_MAX, "holds within their table");
	FZ_CHECK(FZ_P(c, q_count) <= LM_IMAP_PIPELINE_MAX, "queue within its table");
	FZ_FILL(c, sect_len, sect, "section name within sect[]");
	FZ_FILL(c, fname_len, fname, "item name within fname[]");
	FZ_FILL(c, caps_len, caps, "capabilities within caps[]");
	FZ_FILL(c, flags_len, flags, "FLAGS within flags[]");
	FZ_FILL(c, pflags_len, pflags, "PERMANENTFLAGS within pflags[]");
	FZ_FILL(c, mname_len, mname, "mailbox name within mname[]");
	FZ_FILL(c, mv_set_len, mv_set, "MOVE set within mv_set[]");
	FZ_CHECK(FZ_P(c, mv_cu1) + FZ_P(c, mv_cu2) + 2 <= sizeof FZ_P(c, mv_cu),
	         "COPYUID sets within mv_cu[]");
	FZ_CHECK(FZ_P(c, wipe_end) <= FZ_P(io, olen), "wipe mark inside the output buffer");
	fz_sasl_bounds(FZ_P(c, sasl));
}

#endif
