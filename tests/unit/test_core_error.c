/*
 * lm_strerror / lm_errname: every code in the table has a distinct
 * name and a real message; unknown and positive values are handled.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <string.h>

#include "libmail/error.h"
#include "test.h"

static void
t_known_codes(void)
{
	LM_CHECK(strcmp(lm_errname(LM_ERR_PROTOCOL), "LM_ERR_PROTOCOL") == 0);
	LM_CHECK(strcmp(lm_errname(-1), "LM_ERR_BAD_PARAM") == 0);
	LM_CHECK(strcmp(lm_errname(-26), "LM_ERR_CALLBACK") == 0);
	LM_CHECK(strcmp(lm_strerror(LM_ERR_BUFFER_TOO_SMALL), "buffer too small") == 0);
	LM_CHECK(strcmp(lm_strerror(LM_ERR_DECODE), "malformed encoded data") == 0);
	LM_CHECK(strcmp(lm_strerror(-4), "line exceeds the configured limit") == 0);
}

static void
t_ok_and_status(void)
{
	LM_CHECK(strcmp(lm_strerror(0), "success") == 0);
	LM_CHECK(strcmp(lm_errname(0), "LM_OK") == 0);
	LM_CHECK(strcmp(lm_strerror(1), "status") == 0);
	LM_CHECK(strcmp(lm_errname(3), "status") == 0);
}

static void
t_unknown(void)
{
	LM_CHECK(strcmp(lm_strerror(LM_ERR__LAST), "unknown error") == 0);
	LM_CHECK(strcmp(lm_strerror(-1000), "unknown error") == 0);
	LM_CHECK(strcmp(lm_errname(-1000), "unknown error") == 0);
	LM_CHECK(strcmp(lm_errname(LM_ERR__LAST), "unknown error") == 0);
}

/* Every code from -1 down to LM_ERR__LAST+1 is in the table: named
 * "LM_ERR_...", with a message that is neither the unknown text nor
 * shared with another code. */
static void
t_all_distinct(void)
{
	int a, b;
	for (a = -1; a > LM_ERR__LAST; a--) {
		LM_CHECK(strncmp(lm_errname(a), "LM_ERR_", 7) == 0);
		LM_CHECK(strcmp(lm_strerror(a), "unknown error") != 0);
		for (b = a - 1; b > LM_ERR__LAST; b--) {
			LM_CHECK(strcmp(lm_errname(a), lm_errname(b)) != 0);
			LM_CHECK(strcmp(lm_strerror(a), lm_strerror(b)) != 0);
		}
	}
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_known_codes),
		LM_TEST(t_ok_and_status),
		LM_TEST(t_unknown),
		LM_TEST(t_all_distinct),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
