/*
 * libmail - per-object allocator hook and memory helpers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libmail/core.h"

/* see core.h */
void *
lm_alloc(const lm_allocator *a, size_t n)
{
	if (a != NULL && a->alloc != NULL)
		return a->alloc(n, a->ud);
	return malloc(n ? n : 1);
}

/* see core.h */
void *
lm_alloc_zero(const lm_allocator *a, size_t count, size_t size)
{
	void *p;

	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	p = lm_alloc(a, count * size);
	if (p != NULL && count * size > 0)
		memset(p, 0, count * size);
	return p;
}

/* see core.h */
void
lm_free(const lm_allocator *a, void *p, size_t n)
{
	if (p == NULL)
		return;
	if (a != NULL && a->free != NULL)
		a->free(p, n, a->ud);
	else
		free(p);
}

/* see core.h */
void
lm_zeroize(void *p, size_t n)
{
	/* Stores through a volatile pointer are observable behaviour, so
	 * they are not removed as dead stores before a free(). */
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}
