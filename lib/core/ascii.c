/*
 * libmail - ASCII case-insensitive comparison for protocol keywords
 * (capabilities, SASL mechanism names); see ascii.h.
 */
#include <stddef.h>

#include "ascii.h"

/* see ascii.h */
int
lm_core__ieq(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;
	if (an != bn)
		return 0;
	for (i = 0; i < an; i++)
		if (lm_core__upper((unsigned char)a[i]) != lm_core__upper((unsigned char)b[i]))
			return 0;
	return 1;
}

