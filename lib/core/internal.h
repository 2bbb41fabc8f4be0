/*
 * libmail - lib/core internals shared between its .c files.
 * Not installed; never included from include/.
 */
#ifndef LIBMAIL_CORE_INTERNAL_H
#define LIBMAIL_CORE_INTERNAL_H

#include <stddef.h>

#include "libmail/core.h"

/** The RFC 4648 standard alphabet, index 0..63. */
extern const char lm_core__b64_alphabet[65];

/** Value 0..63 of a base64 alphabet character, -1 for anything else
 *  ('=' included). */
int lm_core__b64_value(unsigned char c);

/**
 * Decode whole groups of four alphabet characters from s[0..n) into
 * out[0..cap) at table speed, stopping at the first group with a byte
 * outside the alphabet ('=' included), at fewer than 4 characters left
 * or when fewer than 3 bytes of room remain. With skip_ws, white space
 * (SP, HT, CR, LF) between groups is skipped (lenient streaming with
 * no partial group pending). *used is the input consumed; returns the
 * bytes written. The caller's careful code takes over from there.
 */
size_t lm_core__b64_dec_groups(const unsigned char *s, size_t n, unsigned char *out,
                               size_t cap, int skip_ws, size_t *used);

/**
 * Encode the whole groups of three bytes of s[0..n) into out (room for
 * 4 * (n / 3) characters); *used is 3 * (n / 3); returns the characters
 * written.
 */
size_t lm_core__b64_enc_groups(const unsigned char *s, size_t n, char *out, size_t *used);

/* AVX2 kernels (b64simd.c): built on x86-64 with GCC or clang only
 * (and not with -DLM_NO_SIMD), used when the CPU has AVX2 (checked at
 * run time). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(LM_NO_SIMD) && !LM_SMALL
#define LM_B64_SIMD 1
#else
#define LM_B64_SIMD 0
#endif

/** Non-zero turns the SIMD kernels off (tests compare both paths). */
extern int lm_core__b64_simd_off;

#if LM_B64_SIMD
/** 1 when the SIMD kernels may run (CPU support, not turned off). */
int lm_core__b64_have_simd(void);

/**
 * Decode blocks of 32 alphabet characters into 24 bytes while at least
 * 32 characters are left and 32 bytes of room (24 are kept, the rest
 * may be overwritten); stops at the first block with any other byte.
 * *used is the input consumed; returns the bytes written.
 */
size_t lm_core__b64_dec_simd(const unsigned char *s, size_t n, unsigned char *out,
                             size_t cap, size_t *used);

/**
 * Encode blocks of 24 bytes into 32 characters while at least 28 bytes
 * are left (the loads read 4 bytes past a block); out needs room for
 * 4 * (n / 3) characters. *used is the input consumed; returns the
 * characters written.
 */
size_t lm_core__b64_enc_simd(const unsigned char *s, size_t n, char *out, size_t *used);
#endif

/**
 * The streaming decoder's byte-at-a-time path alone (what
 * lm_b64_dec_update() did before its table fast path): same contract
 * as lm_b64_dec_update(). Kept for the differential unit test.
 */
int lm_core__b64_dec_update_careful(lm_b64_dec *d, const char *in, size_t n, void *out,
                                    size_t cap, size_t *used, size_t *written);

/**
 * Copy what a codec holds in pend[*opend..*npend) to out[*w..cap);
 * when all of it is out, *npend and *opend return to 0. Returns 1 if
 * something is still pending (out is full).
 */
static inline int
lm_core__drain(unsigned char *pend, unsigned char *npend, unsigned char *opend,
               unsigned char *out, size_t cap, size_t *w)
{
	while (*opend < *npend && *w < cap)
		out[(*w)++] = pend[(*opend)++];
	if (*opend < *npend)
		return 1;
	*npend = 0;
	*opend = 0;
	return 0;
}

#endif
