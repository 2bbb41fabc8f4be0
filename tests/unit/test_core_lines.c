/*
 * lm_line_next and lm_is_ascii: framing, limits (max counts the
 * terminator), NUL, guard-page inputs, every split of a stream.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <string.h>

#include "libmail/core.h"
#include "test.h"

static int
next_str(const char *s, size_t max, size_t *len, size_t *used)
{
	size_t n = strlen(s);
	unsigned char *g = lm_test_guarded(s, n);
	int r = lm_line_next(g, n, max, len, used);
	lm_test_unguard(g, n);
	return r;
}

static void
t_crlf_and_lf(void)
{
	size_t len = 99, used = 99;
	LM_CHECK_EQ(next_str("250 OK\r\n", 100, &len, &used), 1);
	LM_CHECK_EQ(len, 6);
	LM_CHECK_EQ(used, 8);
	LM_CHECK_EQ(next_str("+OK\nrest", 100, &len, &used), 1);
	LM_CHECK_EQ(len, 3);
	LM_CHECK_EQ(used, 4);
	LM_CHECK_EQ(next_str("\r\n", 100, &len, &used), 1);
	LM_CHECK_EQ(len, 0);
	LM_CHECK_EQ(used, 2);
	LM_CHECK_EQ(next_str("\n", 100, &len, &used), 1);
	LM_CHECK_EQ(len, 0);
	LM_CHECK_EQ(used, 1);
	/* A CR not followed by LF is an ordinary byte of the line. */
	LM_CHECK_EQ(next_str("a\rb\r\r\n", 100, &len, &used), 1);
	LM_CHECK_EQ(len, 4);
	LM_CHECK_EQ(used, 6);
}

static void
t_incomplete(void)
{
	size_t len = 99, used = 99;
	LM_CHECK_EQ(next_str("", 100, &len, &used), 0);
	LM_CHECK_EQ(next_str("250 OK", 100, &len, &used), 0);
	LM_CHECK_EQ(next_str("250 OK\r", 100, &len, &used), 0);
	LM_CHECK_EQ(len, 99); /* outputs untouched */
	LM_CHECK_EQ(used, 99);
	LM_CHECK_EQ(lm_line_next(NULL, 0, 10, &len, &used), 0);
}

static void
t_limit(void)
{
	size_t len, used;
	/* max counts the terminator: "abc\r\n" is 5 bytes. */
	LM_CHECK_EQ(next_str("abc\r\n", 5, &len, &used), 1);
	LM_CHECK_EQ(len, 3);
	LM_CHECK_EQ(next_str("abc\r\n", 4, &len, &used), LM_ERR_LINE_TOO_LONG);
	LM_CHECK_EQ(next_str("abc\n", 4, &len, &used), 1);
	LM_CHECK_EQ(next_str("abcd\n", 4, &len, &used), LM_ERR_LINE_TOO_LONG);
	/* Incomplete: 0 while n < max, too long once n reaches max. */
	LM_CHECK_EQ(next_str("abc", 4, &len, &used), 0);
	LM_CHECK_EQ(next_str("abcd", 4, &len, &used), LM_ERR_LINE_TOO_LONG);
	LM_CHECK_EQ(next_str("abc\r", 4, &len, &used), LM_ERR_LINE_TOO_LONG);
	/* A later line may be long: only the first one counts. */
	LM_CHECK_EQ(next_str("a\nbcdefgh\n", 4, &len, &used), 1);
	LM_CHECK_EQ(used, 2);
	LM_CHECK_EQ(next_str("\n", 1, &len, &used), 1);
	LM_CHECK_EQ(next_str("x", 1, &len, &used), LM_ERR_LINE_TOO_LONG);
}

static void
t_nul(void)
{
	static const unsigned char a[] = { 'a', 0, 'b', '\r', '\n' };
	static const unsigned char b[] = { 'a', 0 };
	static const unsigned char c[] = { 'a', '\n', 0 };
	size_t len, used;
	unsigned char *g = lm_test_guarded(a, sizeof a);
	LM_CHECK_EQ(lm_line_next(g, sizeof a, 100, &len, &used), LM_ERR_PROTOCOL);
	lm_test_unguard(g, sizeof a);
	/* reported before the line is complete */
	LM_CHECK_EQ(lm_line_next(b, sizeof b, 100, &len, &used), LM_ERR_PROTOCOL);
	/* a NUL after the LF belongs to the next line */
	LM_CHECK_EQ(lm_line_next(c, sizeof c, 100, &len, &used), 1);
	LM_CHECK_EQ(len, 1);
	LM_CHECK_EQ(lm_line_next(c + 2, 1, 100, &len, &used), LM_ERR_PROTOCOL);
}

static void
t_bad_param(void)
{
	size_t len, used;
	LM_CHECK_EQ(lm_line_next((const unsigned char *)"a\n", 2, 0, &len, &used), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_line_next((const unsigned char *)"a\n", 2, 9, NULL, &used), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_line_next((const unsigned char *)"a\n", 2, 9, &len, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_line_next(NULL, 2, 9, &len, &used), LM_ERR_BAD_PARAM);
	/* one byte is already one byte that is not there */
	LM_CHECK_EQ(lm_line_next(NULL, 1, 9, &len, &used), LM_ERR_BAD_PARAM);
}

/* A stream delivered in two pieces at every split point, accumulated in
 * a buffer the way an engine does, yields the same lines. */
static void
t_every_split(void)
{
	static const char s[] = "220 hi\r\n250-A\r\n250 B\n\r\nlast\r\n";
	static const char *want[] = { "220 hi", "250-A", "250 B", "", "last" };
	size_t total = sizeof s - 1, cut;
	for (cut = 0; cut <= total; cut++) {
		unsigned char buf[64];
		size_t have = 0, fed = 0, k = 0, len, used;
		int r;
		while (fed < total || have > 0) {
			size_t add = fed < cut ? cut - fed : total - fed;
			memcpy(buf + have, s + fed, add);
			have += add;
			fed += add;
			while ((r = lm_line_next(buf, have, 16, &len, &used)) == 1) {
				LM_CHECK(k < 5);
				if (k < 5)
					LM_CHECK_STRN(buf, len, want[k]);
				k++;
				memmove(buf, buf + used, have - used);
				have -= used;
			}
			LM_CHECK_EQ(r, 0);
			if (fed == total)
				break;
		}
		LM_CHECK_EQ(k, 5);
		LM_CHECK_EQ(have, 0);
	}
}

static void
t_is_ascii(void)
{
	unsigned char all[128];
	size_t i;
	for (i = 0; i < 128; i++)
		all[i] = (unsigned char)i;
	LM_CHECK_EQ(lm_is_ascii(all, 128), 1);
	LM_CHECK_EQ(lm_is_ascii("", 0), 1);
	LM_CHECK_EQ(lm_is_ascii(NULL, 0), 1);
	LM_CHECK_EQ(lm_is_ascii("b\xc3\xbc" "cher", 7), 0);
	LM_CHECK_EQ(lm_is_ascii("abc\x80", 4), 0);
	LM_CHECK_EQ(lm_is_ascii("abc\x80", 3), 1);
	LM_CHECK_EQ(lm_is_ascii("\xff", 1), 0);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_crlf_and_lf),
		LM_TEST(t_incomplete),
		LM_TEST(t_limit),
		LM_TEST(t_nul),
		LM_TEST(t_bad_param),
		LM_TEST(t_every_split),
		LM_TEST(t_is_ascii),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
