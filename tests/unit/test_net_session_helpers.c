/*
 * The plumbing shared by the blocking sessions (lib/net/session.c) that
 * the three sessions used to write each for itself: allocating a session
 * for a URL of the right scheme, the login credentials from options and
 * URL, the ;AUTH= mechanism of a URL (RFC 5092 / RFC 2384 style), the
 * start of the SASL client (no cleartext mechanism without TLS), the
 * texts for an engine's EOF, failed SASL verification and protocol
 * error, the connect guard and its states, the text for a missing
 * STARTTLS, the goodbye timeout, cleaning server text and releasing a
 * session. Expected texts are the ones session.h documents.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <string.h>

#include "libmail/net.h"
#include "net/net_internal.h"
#include "net/session.h"
#include "test.h"

static int allocs;

static void *
count_alloc(size_t n, void *ud)
{
	(void)ud;
	allocs++;
	return malloc(n);
}

static void
count_free(void *p, size_t n, void *ud)
{
	(void)n;
	(void)ud;
	allocs--;
	free(p);
}

static void
t_alloc(void)
{
	lm_allocator a = { count_alloc, count_free, NULL };
	lm_url u;
	unsigned char *s;
	size_t i;
	int err = 0, zero = 1;

	s = lm_net__session_alloc(64, &a, "smtps://mail.example.org", LM_URL_SMTP,
	                          LM_URL_SMTPS, &u, &err);
	LM_CHECK(s != NULL);
	LM_CHECK_EQ(allocs, 1);
	LM_CHECK_EQ(u.scheme, LM_URL_SMTPS);
	LM_CHECK(strcmp(u.host, "mail.example.org") == 0);
	for (i = 0; i < 64; i++)
		zero &= s[i] == 0;
	LM_CHECK(zero);
	lm_net__free(&a, s, 64);
	LM_CHECK_EQ(allocs, 0);
	/* Another protocol's URL: nothing allocated. */
	s = lm_net__session_alloc(64, &a, "imap://mail.example.org", LM_URL_SMTP,
	                          LM_URL_SMTPS, &u, &err);
	LM_CHECK(s == NULL);
	LM_CHECK_EQ(err, LM_ERR_URL);
	LM_CHECK_EQ(allocs, 0);
	/* A password in the URL is refused by the parser, whose error comes
	 * back as it is. */
	err = 0;
	s = lm_net__session_alloc(64, &a, "smtp://u:pw@mail.example.org",
	                          LM_URL_SMTP, LM_URL_SMTPS, &u, &err);
	LM_CHECK(s == NULL);
	LM_CHECK(err < 0);
	LM_CHECK(err != LM_ERR_NOMEM);
	LM_CHECK_EQ(allocs, 0);
}

static void
t_creds(void)
{
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	lm_url u;

	LM_CHECK_EQ(lm_url_parse(&u, "pop3://bob@pop.example.org:1995"), 0);
	/* The option's user wins over the URL's. */
	LM_CHECK_EQ(lm_net__session_creds(&cr, "alice", "pw", NULL, &u), 1);
	LM_CHECK(strcmp(cr.user, "alice") == 0);
	LM_CHECK(strcmp(cr.password, "pw") == 0);
	LM_CHECK(cr.token == NULL);
	LM_CHECK(strcmp(cr.host, "pop.example.org") == 0);
	LM_CHECK_EQ(cr.port, 1995);
	LM_CHECK(cr.rng == lm_net__session_rng);
	/* No option: the URL's user. */
	LM_CHECK_EQ(lm_net__session_creds(&cr, NULL, "pw", NULL, &u), 1);
	LM_CHECK(strcmp(cr.user, "bob") == 0);
	/* Neither a user nor a token: nothing to log in with. */
	LM_CHECK_EQ(lm_url_parse(&u, "pop3://pop.example.org"), 0);
	LM_CHECK_EQ(lm_net__session_creds(&cr, NULL, "pw", NULL, &u), 0);
	LM_CHECK(cr.user == NULL);
	/* A token alone is enough (OAUTHBEARER needs no user). */
	LM_CHECK_EQ(lm_net__session_creds(&cr, NULL, NULL, "tok", &u), 1);
	LM_CHECK(strcmp(cr.token, "tok") == 0);
}

static void
t_url_mech(void)
{
	lm_url u;
	unsigned m = 99;
	char err[100] = "";

	LM_CHECK_EQ(lm_url_parse(&u, "imap://alice;AUTH=plain@imap.example.org"), 0);
	LM_CHECK_EQ(lm_net__session_url_mech(&u, &m, err, sizeof err), 0);
	LM_CHECK_EQ(m, LM_SASL_PLAIN);
	LM_CHECK_EQ(lm_url_parse(&u, "imap://alice;AUTH=*@imap.example.org"), 0);
	LM_CHECK_EQ(lm_net__session_url_mech(&u, &m, err, sizeof err), 0);
	LM_CHECK_EQ(m, 0);
	LM_CHECK_EQ(lm_url_parse(&u, "imap://alice@imap.example.org"), 0);
	m = 99;
	LM_CHECK_EQ(lm_net__session_url_mech(&u, &m, err, sizeof err), 0);
	LM_CHECK_EQ(m, 0);
	LM_CHECK_EQ(lm_url_parse(&u, "smtp://alice;AUTH=NOSUCH@smtp.example.org"), 0);
	LM_CHECK_EQ(lm_net__session_url_mech(&u, &m, err, sizeof err), LM_ERR_URL);
	LM_CHECK_EQ(m, 0);
	LM_CHECK(strcmp(err, "unknown mechanism ;AUTH=NOSUCH in the URL") == 0);
}

static void
t_sasl_init(void)
{
	lm_sasl sasl;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	char err[100] = "";

	cr.user = "alice";
	cr.password = "pw";
	/* No connection (NULL) is a connection without TLS: PLAIN is
	 * refused unless plaintext is allowed. */
	memset(&sasl, 0, sizeof sasl);
	LM_CHECK_EQ(lm_net__session_sasl_init(&sasl, LM_SASL_PLAIN, &cr, NULL, 0,
	                                      err, sizeof err), LM_ERR_PLAINTEXT);
	LM_CHECK(strcmp(err, "refusing PLAIN without TLS") == 0);
	LM_CHECK_EQ(lm_sasl_get_mech(&sasl), LM_SASL_NONE);
	LM_CHECK_EQ(lm_net__session_sasl_init(&sasl, LM_SASL_PLAIN, &cr, NULL, 1,
	                                      err, sizeof err), 0);
	LM_CHECK_EQ(lm_sasl_get_mech(&sasl), LM_SASL_PLAIN);
	lm_sasl_free(&sasl);
	/* PLAIN without its password fails in lm_sasl_init(): "PLAIN: ...". */
	cr.password = NULL;
	memset(&sasl, 0, sizeof sasl);
	LM_CHECK(lm_net__session_sasl_init(&sasl, LM_SASL_PLAIN, &cr, NULL, 1,
	                                   err, sizeof err) < 0);
	LM_CHECK(strncmp(err, "PLAIN: ", 7) == 0);
	LM_CHECK_EQ(lm_sasl_get_mech(&sasl), LM_SASL_NONE);
}

static void
t_engine_err(void)
{
	const char *want = "mx.example.org broke the IMAP protocol (greeting): ";
	char err[200];

	lm_net__session_engine_err(err, sizeof err, "mx.example.org", "DATA",
	                           "SMTP", LM_ERR_EOF);
	LM_CHECK(strcmp(err, "mx.example.org closed the connection unexpectedly "
	                     "(DATA)") == 0);
	lm_net__session_engine_err(err, sizeof err, "mx.example.org", NULL,
	                           "POP3", LM_ERR_EOF);
	LM_CHECK(strcmp(err, "mx.example.org closed the connection unexpectedly "
	                     "(session)") == 0);
	lm_net__session_engine_err(err, sizeof err, "mx.example.org", "AUTH",
	                           "IMAP", LM_ERR_SASL);
	LM_CHECK(strcmp(err, "server failed SASL verification (forged or invalid "
	                     "authentication exchange)") == 0);
	lm_net__session_engine_err(err, sizeof err, "mx.example.org", "greeting",
	                           "IMAP", LM_ERR_LINE_TOO_LONG);
	LM_CHECK(strncmp(err, want, strlen(want)) == 0);
	LM_CHECK(strcmp(err + strlen(want), lm_strerror(LM_ERR_LINE_TOO_LONG)) == 0);
	/* Cut to the buffer, NUL-terminated. */
	lm_net__session_engine_err(err, 10, "mx.example.org", "DATA", "SMTP",
	                           LM_ERR_EOF);
	LM_CHECK(strcmp(err, "mx.exampl") == 0);
}

static int connects, connect_result;

static int
fake_connect(void *s)
{
	connects++;
	LM_CHECK(strcmp((const char *)s, "sess") == 0);
	return connect_result;
}

static void
t_connect(void)
{
	char sess[] = "sess";
	char err[64];
	int state = LM_NET__S_NEW;

	strcpy(err, "old text");
	connect_result = 0;
	LM_CHECK_EQ(lm_net__session_connect(sess, fake_connect, &state, NULL, err,
	                                    sizeof err), 0);
	LM_CHECK_EQ(connects, 1);
	LM_CHECK_EQ(state, LM_NET__S_READY);
	LM_CHECK_EQ(err[0], '\0');
	/* once is enough: the second call does not connect again */
	LM_CHECK_EQ(lm_net__session_connect(sess, fake_connect, &state, NULL, err,
	                                    sizeof err), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(connects, 1);
	LM_CHECK(strcmp(err, "session already connected") == 0);
	LM_CHECK_EQ(state, LM_NET__S_READY);
	/* a failed connect leaves it broken, with the connect's own text */
	state = LM_NET__S_NEW;
	connect_result = LM_ERR_TLS;
	LM_CHECK_EQ(lm_net__session_connect(sess, fake_connect, &state, NULL, err,
	                                    sizeof err), LM_ERR_TLS);
	LM_CHECK_EQ(connects, 2);
	LM_CHECK_EQ(state, LM_NET__S_BROKEN);
	LM_CHECK_EQ(lm_net__session_connect(sess, fake_connect, &state, NULL, err,
	                                    sizeof err), LM_ERR_BAD_STATE);
	/* a connection already open (a session state of NEW notwithstanding) */
	state = LM_NET__S_NEW;
	LM_CHECK_EQ(lm_net__session_connect(sess, fake_connect, &state,
	                                    (const lm_conn *)sess, err, sizeof err),
	            LM_ERR_BAD_STATE);
	LM_CHECK_EQ(connects, 2);
	LM_CHECK_EQ(state, LM_NET__S_NEW);
}

static void
t_no_tls_and_goodbye(void)
{
	char err[200];
	lm_conn c;

	lm_net__session_no_tls(err, sizeof err, "mx.example.org", "STLS", "pop3s");
	LM_CHECK(strcmp(err, "server mx.example.org does not offer STLS (use pop3s:// "
	                     "or, only if you accept an unprotected connection, "
	                     "plaintext)") == 0);
	memset(&c, 0, sizeof c);
	c.timeout_ms = 30000;
	lm_net__session_goodbye(&c);
	LM_CHECK_EQ(c.timeout_ms, 5000);
	c.timeout_ms = 1000;
	lm_net__session_goodbye(&c);
	LM_CHECK_EQ(c.timeout_ms, 1000);
}

static void
t_copy_clean(void)
{
	static const unsigned char in[] = "a\x1b[2J\tb\x7f \xc2\x9b" "31m "
	                                  "\xc2\x80\xc2\x9f\xc2\xa0\xc3\xa9\xc4\x9b\xc2";
	char out[64];
	lm_slice v;

	v.p = in;
	v.len = sizeof in - 1;
	lm_net__copy_clean(out, sizeof out, v);
	/* C0, DEL and C1 (U+009B is CSI for a UTF-8 terminal) as '?', one
	 * each; U+00A0, U+00E9, U+011B (whose second byte is 0x9b) stay; a
	 * lone 0xc2 at the end starts no character: '?' */
	LM_CHECK(strcmp(out, "a?[2J?b? ?31m ??\xc2\xa0\xc3\xa9\xc4\x9b?") == 0);
	/* cut to cap - 1 bytes of output, never past the buffer */
	memset(out, 'x', sizeof out);
	lm_net__copy_clean(out, 8, v);
	LM_CHECK(strcmp(out, "a?[2J?b") == 0);
	LM_CHECK_EQ(out[8], 'x');
	lm_net__copy_clean(out, 1, v);
	LM_CHECK_EQ(out[0], '\0');
}

/* Bytes that start no well-formed UTF-8 character are '?' too: a stray
 * 0x9b is CSI for an 8-bit terminal; overlong forms, surrogates, code
 * points past U+10FFFF and cut sequences are not text. A character is
 * never cut by the end of the buffer. */
static void
t_copy_clean_utf8(void)
{
	static const struct { const char *in, *out; } c[] = {
		{ "a\x9b" "31mb", "a?31mb" },                 /* 8-bit CSI */
		{ "\xc0\xaf|\xe0\x80\xaf", "??|???" },          /* overlong */
		{ "\xed\xa0\x80", "???" },                    /* surrogate */
		{ "\xf4\x90\x80\x80", "????" },              /* > U+10FFFF */
		{ "\xff\xfe", "??" },
		{ "\xe2\x82", "??" },                          /* cut */
		{ "\xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd",    /* valid */
		  "\xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd" },
	};
	char out[32];
	lm_slice v;
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		v.p = (const unsigned char *)c[i].in;
		v.len = strlen(c[i].in);
		lm_net__copy_clean(out, sizeof out, v);
		LM_CHECK_STRN(out, strlen(out), c[i].out);
	}
	/* room for "ab" and half of U+20AC: the euro sign is left out */
	v.p = (const unsigned char *)"ab\xe2\x82\xac";
	v.len = 5;
	lm_net__copy_clean(out, 4, v);
	LM_CHECK_STRN(out, strlen(out), "ab");
}

static void
t_release(void)
{
	struct sess { int x; lm_allocator alloc; lm_sasl sasl; } *s;
	lm_allocator a = { count_alloc, count_free, NULL };

	s = lm_net__alloc(&a, sizeof *s);
	LM_CHECK(s != NULL);
	if (s == NULL)
		return;
	LM_CHECK_EQ(allocs, 1);
	s->alloc = a;   /* the allocator inside the session it frees */
	s->x = 7;
	lm_net__session_release(s, sizeof *s, &s->alloc, &s->sasl, NULL);
	LM_CHECK_EQ(allocs, 0);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_alloc),
		LM_TEST(t_creds),
		LM_TEST(t_url_mech),
		LM_TEST(t_sasl_init),
		LM_TEST(t_engine_err),
		LM_TEST(t_connect),
		LM_TEST(t_no_tls_and_goodbye),
		LM_TEST(t_copy_clean),
		LM_TEST(t_copy_clean_utf8),
		LM_TEST(t_release),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
