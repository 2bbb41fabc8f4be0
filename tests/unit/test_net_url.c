/*
 * URL parser table. Expected values come from the scheme registrations
 * and port assignments (RFC 8314 section 7, RFC 6409, RFC 5092/RFC 2384
 * for ";AUTH="), and RFC 3986 syntax, worked out by hand.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <string.h>

#include "libmail/net.h"
#include "test.h"

typedef struct {
	const char *in;
	lm_url_scheme scheme;
	int tls;
	unsigned port;
	const char *host;
	int ip;
	const char *user;
	const char *path;
} good_case;

static const good_case goods[] = {
	{ "smtp://mail.example.com", LM_URL_SMTP, 0, 587, "mail.example.com", 0, "", "" },
	{ "smtps://mail.example.com", LM_URL_SMTPS, 1, 465, "mail.example.com", 0, "", "" },
	{ "imap://mail.example.com", LM_URL_IMAP, 0, 143, "mail.example.com", 0, "", "" },
	{ "imaps://mail.example.com", LM_URL_IMAPS, 1, 993, "mail.example.com", 0, "", "" },
	{ "pop3://mail.example.com", LM_URL_POP3, 0, 110, "mail.example.com", 0, "", "" },
	{ "pop3s://mail.example.com", LM_URL_POP3S, 1, 995, "mail.example.com", 0, "", "" },
	{ "SMTPS://Mail.Example.COM/", LM_URL_SMTPS, 1, 465, "Mail.Example.COM", 0, "", "" },
	{ "smtp://localhost:2525", LM_URL_SMTP, 0, 2525, "localhost", 0, "", "" },
	{ "smtp://h:1", LM_URL_SMTP, 0, 1, "h", 0, "", "" },
	{ "smtp://h:65535", LM_URL_SMTP, 0, 65535, "h", 0, "", "" },
	{ "smtp://alice@h", LM_URL_SMTP, 0, 587, "h", 0, "alice", "" },
	{ "smtp://alice%40example.com@h:25", LM_URL_SMTP, 0, 25, "h", 0, "alice@example.com", "" },
	/* unencoded '@' in the user: the last '@' ends the userinfo */
	{ "smtp://alice@example.com@h", LM_URL_SMTP, 0, 587, "h", 0, "alice@example.com", "" },
	{ "smtp://a%20b%2fc@h", LM_URL_SMTP, 0, 587, "h", 0, "a b/c", "" },
	{ "smtp://%C3%A9@h", LM_URL_SMTP, 0, 587, "h", 0, "\xc3\xa9", "" },
	{ "smtp://127.0.0.1", LM_URL_SMTP, 0, 587, "127.0.0.1", 4, "", "" },
	{ "smtps://127.0.0.1:10465", LM_URL_SMTPS, 1, 10465, "127.0.0.1", 4, "", "" },
	{ "smtp://[::1]", LM_URL_SMTP, 0, 587, "::1", 6, "", "" },
	{ "smtps://[2001:db8::25]:465", LM_URL_SMTPS, 1, 465, "2001:db8::25", 6, "", "" },
	{ "smtp://bob@[::ffff:192.0.2.1]:26", LM_URL_SMTP, 0, 26, "::ffff:192.0.2.1", 6, "bob", "" },
	{ "imap://u@h/INBOX", LM_URL_IMAP, 0, 143, "h", 0, "u", "INBOX" },
	{ "imaps://h:993/Sent%20Items", LM_URL_IMAPS, 1, 993, "h", 0, "", "Sent%20Items" },
#if LM_HAVE_IDN
	/* IDNA: bücher.example -> xn--bcher-kva.example (RFC 3492 punycode) */
	{ "smtp://b\xc3\xbc" "cher.example", LM_URL_SMTP, 0, 587, "xn--bcher-kva.example", 0, "", "" },
	{ "smtp://b%C3%BCcher.example", LM_URL_SMTP, 0, 587, "xn--bcher-kva.example", 0, "", "" },
#endif
	{ "smtp://my_host.example", LM_URL_SMTP, 0, 587, "my_host.example", 0, "", "" },
	/* the root dot is dropped (certificates never carry it) */
	{ "smtps://mail.example.com.:465", LM_URL_SMTPS, 1, 465, "mail.example.com", 0, "", "" },
};

static void
t_url_good(void)
{
	size_t i;

	for (i = 0; i < sizeof goods / sizeof goods[0]; i++) {
		lm_url u;
		int r = lm_url_parse(&u, goods[i].in);
		if (r != 0) {
			printf("  case %s -> %d\n", goods[i].in, r);
			LM_CHECK_EQ(r, 0);
			continue;
		}
		LM_CHECK_EQ(u.scheme, goods[i].scheme);
		LM_CHECK_EQ(u.implicit_tls, goods[i].tls);
		LM_CHECK_EQ(u.port, goods[i].port);
		LM_CHECK_EQ(u.host_is_ip, goods[i].ip);
		LM_CHECK_STRN(u.host, strlen(u.host), goods[i].host);
		LM_CHECK_STRN(u.user, strlen(u.user), goods[i].user);
		LM_CHECK_STRN(u.path, strlen(u.path), goods[i].path);
	}
}

static void
t_url_port_given(void)
{
	lm_url u;

	LM_CHECK_EQ(lm_url_parse(&u, "smtp://h"), 0);
	LM_CHECK_EQ(u.port_given, 0);
	LM_CHECK_EQ(lm_url_parse(&u, "smtp://h:587"), 0);
	LM_CHECK_EQ(u.port_given, 1);
}

static void
t_url_auth_param(void)
{
	lm_url u;

	LM_CHECK_EQ(lm_url_parse(&u, "imap://fred;AUTH=SCRAM-SHA-256@h"), 0);
	LM_CHECK_STRN(u.user, strlen(u.user), "fred");
	LM_CHECK_STRN(u.auth, strlen(u.auth), "SCRAM-SHA-256");
	LM_CHECK_EQ(lm_url_parse(&u, "imap://fred;auth=*@h"), 0);
	LM_CHECK_STRN(u.auth, strlen(u.auth), "*");
	LM_CHECK_EQ(lm_url_parse(&u, "imap://fred;AUTH=@h"), LM_ERR_URL);
	LM_CHECK_EQ(lm_url_parse(&u, "imap://fred;FOO=x@h"), LM_ERR_URL);
}

static const char *const bads[] = {
	"",
	"smtp:/h",
	"smtp:h",
	"http://h",
	"smtpx://h",
	"://h",
	"smtp://",
	"smtp:///path",
	"smtp://h:",
	"smtp://h:0",
	"smtp://h:65536",
	"smtp://h:99999999999999999999",
	"smtp://h:-1",
	"smtp://h:25x",
	"smtp://h:+25",
	"smtp://h h",
	"smtp://h\r\nRCPT",
	"smtp://h\n",
	"smtp://h\t",
	"smtp://h\x7f",
	"smtp://u%0d%0a@h",
	"smtp://u%00@h",
	"smtp://u%@h",
	"smtp://u%4@h",
	"smtp://u%zz@h",
	"smtp://user:secret@h",
	"smtp://:secret@h",
	"smtp://@h",
	"smtp://h?x=1",
	"smtp://h#frag",
	"smtp://[::1",
	"smtp://[::1]x",
	"smtp://[::1]:",
	"smtp://[not-ip]",
	"smtp://[fe80::1%25eth0]",
	"smtp://[]",
	"smtp://::1",
	"smtp://h%0a",
	"smtp://ex ample.com",
	"smtp://ex<ample.com",
	"smtp://127.1",
	"smtp://0x7f.1",
	"smtp://1.2.3.4.5",
	"smtp://999.1.1.1",
	"smtp://-h.example",
	"smtp://a..b",
	"smtp://.",
	"smtp://h..",
};

static void
t_url_bad(void)
{
	size_t i;

	for (i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		lm_url u;
		int r = lm_url_parse(&u, bads[i]);
		if (r != LM_ERR_URL)
			printf("  case \"%s\" -> %d\n", bads[i], r);
		LM_CHECK_EQ(r, LM_ERR_URL);
		/* nothing half-parsed is left behind */
		LM_CHECK_EQ(u.host[0], 0);
		LM_CHECK_EQ(u.port, 0);
	}
}

static void
t_url_limits(void)
{
	char buf[2000];
	lm_url u;
	size_t i;

	/* a 254-byte host fits, 255 does not */
	strcpy(buf, "smtp://");
	for (i = 0; i < 254; i++)
		buf[7 + i] = (i % 10 == 9) ? '.' : 'a';
	buf[7 + 254] = '\0';
	LM_CHECK_EQ(lm_url_parse(&u, buf), 0);
	LM_CHECK_EQ(strlen(u.host), 254);
	buf[7 + 254] = 'a';
	buf[7 + 255] = '\0';
	LM_CHECK_EQ(lm_url_parse(&u, buf), LM_ERR_URL);

	/* overlong user */
	strcpy(buf, "smtp://");
	memset(buf + 7, 'u', 300);
	strcpy(buf + 307, "@h");
	LM_CHECK_EQ(lm_url_parse(&u, buf), LM_ERR_URL);

	LM_CHECK_EQ(lm_url_parse(NULL, "smtp://h"), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_url_parse(&u, NULL), LM_ERR_BAD_PARAM);
}

static void
t_url_idna_bad(void)
{
	lm_url u;

	/* invalid UTF-8 in the host is not a name */
	LM_CHECK(lm_url_parse(&u, "smtp://\xff\xfe.example") < 0);
	LM_CHECK_EQ(u.host[0], 0);
#if LM_HAVE_IDN
	/* U+034F COMBINING GRAPHEME JOINER and U+00AD SOFT HYPHEN map to
	 * nothing under UTS #46: the host would be empty (fuzz/regress/
	 * url-empty-host.bin) */
	{
		int r = lm_url_parse(&u, "smtp://\xcd\x8f");
		LM_CHECK(r == LM_ERR_URL || r == LM_ERR_IDNA);
		r = lm_url_parse(&u, "smtp://\xc2\xad:25");
		LM_CHECK(r == LM_ERR_URL || r == LM_ERR_IDNA);
		r = lm_url_parse(&u, "smtp://\xc2\xad.example.com");
		LM_CHECK(r == LM_ERR_URL || r == LM_ERR_IDNA);
		/* a forged A-label next to a U-label (U+00E9 is "9ca") */
		LM_CHECK_EQ(lm_url_parse(&u, "smtp://\xc3\xa9.xn--bshev"), LM_ERR_IDNA);
		LM_CHECK_EQ(lm_url_parse(&u, "smtp://\xc3\xa9.example"), 0);
		LM_CHECK_STRN(u.host, strlen(u.host), "xn--9ca.example");
	}
#endif
}

static void
t_url_default_ports(void)
{
	LM_CHECK_EQ(lm_url_default_port(LM_URL_SMTP), 587);
	LM_CHECK_EQ(lm_url_default_port(LM_URL_SMTPS), 465);
	LM_CHECK_EQ(lm_url_default_port(LM_URL_IMAP), 143);
	LM_CHECK_EQ(lm_url_default_port(LM_URL_IMAPS), 993);
	LM_CHECK_EQ(lm_url_default_port(LM_URL_POP3), 110);
	LM_CHECK_EQ(lm_url_default_port(LM_URL_POP3S), 995);
	LM_CHECK_EQ(lm_url_default_port((lm_url_scheme)99), 0);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_url_good),
		LM_TEST(t_url_port_given),
		LM_TEST(t_url_auth_param),
		LM_TEST(t_url_bad),
		LM_TEST(t_url_limits),
		LM_TEST(t_url_idna_bad),
		LM_TEST(t_url_default_ports),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
