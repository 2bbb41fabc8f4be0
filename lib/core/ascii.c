/*
 * libmail - ASCII case-insensitive comparison for protocol keywords
 * (capabilities, SASL mechanism names); see caps.h.
 */
#include <stddef.h>

#include "caps.h"

static int
upper(int ch)
{
	return (ch >= 'a' && ch <= 'z') ? ch - 'a' + 'A' : ch;
}

/* see caps.h */
int
lm_core__ieq(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;
	if (an != bn)
		return 0;
	for (i = 0; i < an; i++)
		if (upper((unsigned char)a[i]) != upper((unsigned char)b[i]))
			return 0;
	return 1;
}

