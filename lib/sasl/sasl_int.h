/*
 * libmail - private declarations shared by lib/sasl and its unit tests.
 * Not installed, not part of the ABI.
 */
#ifndef LM_SASL_INT_H
#define LM_SASL_INT_H

#include "libmail/sasl.h"

/**
 * lm_sasl_init() with a given SCRAM client nonce instead of one drawn
 * from cr->rng (known-answer tests: RFC 7677's nonce is 20 characters,
 * shorter than LM_SASL_SCRAM_NONCE_LEN). nonce[0..n) must be 1 to
 * LM_SASL_SCRAM_NONCE_LEN + 7 printable ASCII characters other than ','.
 * Same checks and errors as lm_sasl_init() otherwise; for a mechanism
 * other than SCRAM the nonce is ignored.
 */
int lm_sasl__init_nonce(lm_sasl *s, lm_sasl_mech mech, const lm_sasl_creds *cr,
                        const char *nonce, size_t n);

#endif
