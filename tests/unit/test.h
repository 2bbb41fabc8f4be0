/*
 * Minimal test harness shared by every tests/unit/test_*.c program.
 *
 *   static void t_base64_empty(void) { LM_CHECK(x == 0); LM_CHECK_MEM(a, b, n); }
 *   int main(int argc, char **argv) {
 *       static const lm_test tests[] = { LM_TEST(t_base64_empty), ... };
 *       return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
 *   }
 *
 * `prog` runs all tests, `prog name...` runs the named ones. Each test
 * prints "ok name" or "FAIL name: file:line: expr"; the program ends
 * with "N passed, N failed" and exits non-zero if anything failed.
 *
 * lm_test_guarded(data, len) copies bytes so that they end exactly at
 * the end of a mapping followed by a PROT_NONE page: an over-read
 * crashes (picohttpparser's trick). Free with lm_test_unguard().
 */
#ifndef LM_TEST_H
#define LM_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
	const char *name;
	void (*fn)(void);
} lm_test;

#define LM_TEST(fn) { #fn, fn }

static int lm_test__failed_now;
static const char *lm_test__name;

#define LM_CHECK(expr)                                                    \
	do {                                                              \
		if (!(expr)) {                                            \
			printf("FAIL %s: %s:%d: %s\n", lm_test__name,     \
			       __FILE__, __LINE__, #expr);                \
			lm_test__failed_now = 1;                          \
		}                                                         \
	} while (0)

#define LM_CHECK_EQ(a, b)                                                 \
	do {                                                              \
		long long lm__a = (long long)(a), lm__b = (long long)(b); \
		if (lm__a != lm__b) {                                     \
			printf("FAIL %s: %s:%d: %s == %s (%lld != %lld)\n",\
			       lm_test__name, __FILE__, __LINE__, #a, #b, \
			       lm__a, lm__b);                             \
			lm_test__failed_now = 1;                          \
		}                                                         \
	} while (0)

#define LM_CHECK_MEM(a, b, n)                                             \
	do {                                                              \
		if (memcmp((a), (b), (n)) != 0) {                         \
			printf("FAIL %s: %s:%d: memcmp(%s, %s)\n",        \
			       lm_test__name, __FILE__, __LINE__, #a, #b);\
			lm_test__failed_now = 1;                          \
		}                                                         \
	} while (0)

/* Compare a (pointer, length) with a C string literal. */
#define LM_CHECK_STRN(p, n, lit)                                          \
	do {                                                              \
		size_t lm__n = (n);                                       \
		const char *lm__p = (const char *)(p);                    \
		if (lm__p == NULL)                                        \
			lm__p = "", lm__n = (size_t)-1;                   \
		if (lm__n != strlen(lit) || memcmp(lm__p, (lit), lm__n)) {\
			printf("FAIL %s: %s:%d: %s == \"%s\" (got \"%.*s\")\n", \
			       lm_test__name, __FILE__, __LINE__, #p, lit,\
			       lm__n == (size_t)-1 ? 6 : (int)lm__n,      \
			       lm__n == (size_t)-1 ? "(null)" : lm__p);   \
			lm_test__failed_now = 1;                          \
		}                                                         \
	} while (0)

static unsigned char *
lm_test_guarded(const void *data, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (len + pg - 1) / pg * pg;
	unsigned char *m;
	if (span == 0)
		span = pg;
	m = mmap(NULL, span + pg, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		abort();
	if (mprotect(m + span, pg, PROT_NONE) != 0)
		abort();
	if (len)
		memcpy(m + span - len, data, len);
	return m + span - len;
}

static void
lm_test_unguard(unsigned char *p, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (len + pg - 1) / pg * pg;
	if (span == 0)
		span = pg;
	munmap(p + len - span, span + pg);
}

static int
lm_test_main(int argc, char **argv, const lm_test *t, size_t n)
{
	size_t i;
	int k, pass = 0, fail = 0;
	for (i = 0; i < n; i++) {
		if (argc > 1) {
			int want = 0;
			for (k = 1; k < argc; k++)
				if (strcmp(argv[k], t[i].name) == 0)
					want = 1;
			if (!want)
				continue;
		}
		lm_test__name = t[i].name;
		lm_test__failed_now = 0;
		t[i].fn();
		fflush(stdout);
		if (lm_test__failed_now) {
			fail++;
		} else {
			pass++;
			printf("ok %s\n", t[i].name);
		}
	}
	printf("%d passed, %d failed\n", pass, fail);
	(void)lm_test_guarded;
	(void)lm_test_unguard;
	return fail ? 1 : 0;
}

#endif
