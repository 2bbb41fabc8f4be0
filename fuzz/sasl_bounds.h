/*
 * libmail fuzzing: the SASL exchange's own fill mark stays inside its
 * fixed array (see io_bounds.h for why). lm_sasl holds one: the SCRAM
 * client nonce, NUL-terminated in nonce[] (server_sig[] has a fixed
 * length, the hash's, and no mark).
 */
#ifndef LIBMAIL_FUZZ_SASL_BOUNDS_H
#define LIBMAIL_FUZZ_SASL_BOUNDS_H

#include "libmail/sasl.h"
#include "io_bounds.h"

static inline void
fz_sasl_bounds(const lm_sasl *s)
{
	if (s == NULL)
		return;
	FZ_CHECK(FZ_P(s, nonce_len) < sizeof FZ_P(s, nonce) &&
	         FZ_P(s, nonce)[FZ_P(s, nonce_len)] == '\0',
	         "SCRAM nonce and its NUL within nonce[]");
}

#endif
