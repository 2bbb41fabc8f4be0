/*
 * The capability store shared by the SMTP and POP3 engines
 * (lib/core/caps.c): EHLO lines (RFC 5321 4.1.1.1: keyword, one SP,
 * parameters) against CAPA lines (RFC 2449: keyword, then SP/HTAB),
 * trimming, the fixed capacity and its limit, keyword look-up ignoring
 * ASCII case, and mechanism lists.
 */
#define _DEFAULT_SOURCE 1
#include <string.h>

#include "libmail/core.h"
#include "core/caps.h"
#include "test.h"

static int
add(char *st, size_t cap, size_t *len, const char *line, int mode, size_t *n, size_t *kw)
{
	*n = strlen(line);
	return lm_core__caps_add(st, cap, len, (const unsigned char *)line, n, mode, kw);
}

static void
t_ieq(void)
{
	LM_CHECK_EQ(lm_core__ieq("StartTLS", 8, "STARTTLS", 8), 1);
	LM_CHECK_EQ(lm_core__ieq("auth", 4, "AUTH", 4), 1);
	LM_CHECK_EQ(lm_core__ieq("AUTH", 4, "AUTH=", 5), 0);
	LM_CHECK_EQ(lm_core__ieq("", 0, "", 0), 1);
	/* Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ by the
	 * case bit but are not letters; 0xE9 and 0xC9 are Latin-1 e-acute. */
	LM_CHECK_EQ(lm_core__ieq("@", 1, "`", 1), 0);
	LM_CHECK_EQ(lm_core__ieq("\xe9", 1, "\xc9", 1), 0);
	LM_CHECK_EQ(lm_core__ieq("[", 1, "{", 1), 0);
}

static void
t_add_trims_and_stores(void)
{
	char st[64];
	size_t len = 0, n, kw;

	LM_CHECK_EQ(add(st, sizeof st, &len, "AUTH PLAIN LOGIN \t\r", LM_CORE__CAPS_EHLO, &n, &kw), 0);
	LM_CHECK_EQ(n, 16);
	LM_CHECK_EQ(kw, 4);
	LM_CHECK_EQ(len, 17);
	LM_CHECK_MEM(st, "AUTH PLAIN LOGIN\n", 17);
	/* A blank line (white space only) stores nothing. */
	LM_CHECK_EQ(add(st, sizeof st, &len, " \t\r", LM_CORE__CAPS_EHLO, &n, &kw), 0);
	LM_CHECK_EQ(n, 0);
	LM_CHECK_EQ(kw, 0);
	LM_CHECK_EQ(len, 17);
	LM_CHECK_EQ(add(st, sizeof st, &len, "SASL\tPLAIN", LM_CORE__CAPS_CAPA, &n, &kw), 0);
	LM_CHECK_EQ(kw, 4);
	LM_CHECK_EQ(len, 28);
	LM_CHECK_MEM(st + 17, "SASL\tPLAIN\n", 11);
}

static void
t_add_limit(void)
{
	char st[8];
	size_t len = 0, n, kw;

	/* "ABCDEF\n" is 7 bytes: fits into 8; then "X\n" (2) is one too many. */
	LM_CHECK_EQ(add(st, sizeof st, &len, "ABCDEF", LM_CORE__CAPS_CAPA, &n, &kw), 0);
	LM_CHECK_EQ(len, 7);
	LM_CHECK_EQ(add(st, sizeof st, &len, "XY", LM_CORE__CAPS_CAPA, &n, &kw), LM_ERR_LIMIT);
	LM_CHECK_EQ(len, 7);
	LM_CHECK_EQ(add(st, sizeof st, &len, "X", LM_CORE__CAPS_CAPA, &n, &kw), LM_ERR_LIMIT);
	LM_CHECK_EQ(len, 7);
	/* Exactly full: 8 bytes in an 8-byte store. */
	len = 0;
	LM_CHECK_EQ(add(st, sizeof st, &len, "ABCDEFG", LM_CORE__CAPS_CAPA, &n, &kw), 0);
	LM_CHECK_EQ(len, 8);
	LM_CHECK_MEM(st, "ABCDEFG\n", 8);
	LM_CHECK_EQ(lm_core__caps_find(st, len, "abcdefg", LM_CORE__CAPS_CAPA, NULL), 1);
}

static void
t_find_ehlo(void)
{
	char st[128];
	size_t len = 0, n, kw;
	lm_slice prm = { (const unsigned char *)"untouched", 9 };

	LM_CHECK_EQ(add(st, sizeof st, &len, "PIPELINING", LM_CORE__CAPS_EHLO, &n, &kw), 0);
	LM_CHECK_EQ(add(st, sizeof st, &len, "SIZE  35882577", LM_CORE__CAPS_EHLO, &n, &kw), 0);
	LM_CHECK_EQ(add(st, sizeof st, &len, "AUTH PLAIN", LM_CORE__CAPS_EHLO, &n, &kw), 0);
	LM_CHECK_EQ(add(st, sizeof st, &len, "X-TAB\tA", LM_CORE__CAPS_EHLO, &n, &kw), 0);

	LM_CHECK_EQ(lm_core__caps_find(st, len, "STARTTLS", LM_CORE__CAPS_EHLO, &prm), 0);
	LM_CHECK_STRN(prm.p, prm.len, "untouched");
	LM_CHECK_EQ(lm_core__caps_find(st, len, "pipelining", LM_CORE__CAPS_EHLO, &prm), 1);
	LM_CHECK_EQ(prm.len, 0);
	/* EHLO: exactly one SP is the separator; a second one belongs to
	 * the parameters. */
	LM_CHECK_EQ(lm_core__caps_find(st, len, "SIZE", LM_CORE__CAPS_EHLO, &prm), 1);
	LM_CHECK_STRN(prm.p, prm.len, " 35882577");
	LM_CHECK_EQ(lm_core__caps_find(st, len, "Auth", LM_CORE__CAPS_EHLO, &prm), 1);
	LM_CHECK_STRN(prm.p, prm.len, "PLAIN");
	/* HTAB is part of an EHLO keyword. */
	LM_CHECK_EQ(lm_core__caps_find(st, len, "X-TAB", LM_CORE__CAPS_EHLO, NULL), 0);
	LM_CHECK_EQ(lm_core__caps_find(st, len, "X-TAB\tA", LM_CORE__CAPS_EHLO, &prm), 1);
	LM_CHECK_EQ(prm.len, 0);
	/* A prefix is not a keyword. */
	LM_CHECK_EQ(lm_core__caps_find(st, len, "AUT", LM_CORE__CAPS_EHLO, NULL), 0);
	LM_CHECK_EQ(lm_core__caps_find(st, 0, "AUTH", LM_CORE__CAPS_EHLO, NULL), 0);
}

static void
t_find_capa(void)
{
	char st[128];
	size_t len = 0, n, kw;
	lm_slice prm;

	LM_CHECK_EQ(add(st, sizeof st, &len, "SASL \t PLAIN  LOGIN", LM_CORE__CAPS_CAPA, &n, &kw), 0);
	LM_CHECK_EQ(add(st, sizeof st, &len, "TOP", LM_CORE__CAPS_CAPA, &n, &kw), 0);
	LM_CHECK_EQ(add(st, sizeof st, &len, "EXPIRE\t30", LM_CORE__CAPS_CAPA, &n, &kw), 0);
	/* CAPA: the whole run of SP/HTAB separates. */
	LM_CHECK_EQ(lm_core__caps_find(st, len, "sasl", LM_CORE__CAPS_CAPA, &prm), 1);
	LM_CHECK_STRN(prm.p, prm.len, "PLAIN  LOGIN");
	LM_CHECK_EQ(lm_core__caps_find(st, len, "TOP", LM_CORE__CAPS_CAPA, &prm), 1);
	LM_CHECK_EQ(prm.len, 0);
	LM_CHECK_EQ(lm_core__caps_find(st, len, "EXPIRE", LM_CORE__CAPS_CAPA, &prm), 1);
	LM_CHECK_STRN(prm.p, prm.len, "30");
	LM_CHECK_EQ(lm_core__caps_find(st, len, "UIDL", LM_CORE__CAPS_CAPA, NULL), 0);
}

static void
t_listed(void)
{
	lm_slice l = { (const unsigned char *)" \tplain  LOGIN\tSCRAM-SHA-256 ", 29 };
	lm_slice e = { (const unsigned char *)"", 0 };

	LM_CHECK_EQ(lm_core__caps_listed(l, "PLAIN"), 1);
	LM_CHECK_EQ(lm_core__caps_listed(l, "login"), 1);
	LM_CHECK_EQ(lm_core__caps_listed(l, "SCRAM-SHA-256"), 1);
	LM_CHECK_EQ(lm_core__caps_listed(l, "SCRAM-SHA-1"), 0);
	LM_CHECK_EQ(lm_core__caps_listed(l, "LOG"), 0);
	LM_CHECK_EQ(lm_core__caps_listed(e, "PLAIN"), 0);
	/* The list is a slice: bytes past its end do not count. */
	l.len = 7;
	LM_CHECK_EQ(lm_core__caps_listed(l, "PLAIN"), 1);
	l.len = 6;
	LM_CHECK_EQ(lm_core__caps_listed(l, "PLAIN"), 0);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_ieq),
		LM_TEST(t_add_trims_and_stores),
		LM_TEST(t_add_limit),
		LM_TEST(t_find_ehlo),
		LM_TEST(t_find_capa),
		LM_TEST(t_listed),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
