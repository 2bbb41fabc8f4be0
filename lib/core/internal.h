/*
 * libmail - lib/core internals shared between its .c files.
 * Not installed; never included from include/.
 */
#ifndef LIBMAIL_CORE_INTERNAL_H
#define LIBMAIL_CORE_INTERNAL_H

#include <stddef.h>

/** The RFC 4648 standard alphabet, index 0..63. */
extern const char lm_core__b64_alphabet[65];

/** Value 0..63 of a base64 alphabet character, -1 for anything else
 *  ('=' included). */
int lm_core__b64_value(unsigned char c);

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
