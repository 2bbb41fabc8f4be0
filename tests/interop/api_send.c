/*
 * api_send - a program outside the library that uses only the installed
 * public API (include <libmail.h>, link with pkg-config's flags).
 *
 *   api_send --selftest
 *       no network: error strings, URL parsing, a session created and
 *       freed; proves the installed headers and library link and run.
 *   api_send URL CAFILE USER PASSWORD FROM TO MARKER
 *       sends one message with the blocking SMTP session API; the
 *       Subject carries MARKER so the test can find the delivered file.
 *       Exit status follows examples/mail-send: 0 accepted, 1 refused,
 *       3 security, 4 protocol, 5 network, 2 anything else.
 */
#include <libmail.h>

#include <stdio.h>
#include <string.h>

struct src {
	const char *p;
	size_t left;
};

static int
read_body(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	struct src *s = ud;
	size_t n = s->left < cap ? s->left : cap;

	/* hand out at most 7 bytes a call: exercises chunk boundaries */
	if (n > 7)
		n = 7;
	memcpy(buf, s->p, n);
	s->p += n;
	s->left -= n;
	*got = n;
	return 0;
}

static int
selftest(void)
{
	lm_url u;
	lm_smtp_session *s = NULL;
	lm_smtp_session_opts o = LM_SMTP_SESSION_OPTS_INIT;
	int fails = 0, rc;

	if (strcmp(lm_strerror(LM_OK), lm_strerror(LM_ERR_TIMEOUT)) == 0 ||
	    lm_strerror(LM_ERR_TIMEOUT)[0] == '\0') {
		puts("FAIL strerror");
		fails++;
	}
	if (strcmp(lm_errname(LM_ERR_CERT), "LM_ERR_CERT") != 0) {
		puts("FAIL errname");
		fails++;
	}
	/* RFC 8314: submissions over implicit TLS is port 465 */
	rc = lm_url_parse(&u, "smtps://mail.example.test");
	if (rc != 0 || u.port != 465 || !u.implicit_tls ||
	    strcmp(u.host, "mail.example.test") != 0) {
		printf("FAIL url_parse smtps: %s\n", lm_strerror(rc));
		fails++;
	}
	/* RFC 6409: submission with STARTTLS is port 587 */
	rc = lm_url_parse(&u, "smtp://mail.example.test");
	if (rc != 0 || u.port != 587 || u.implicit_tls) {
		printf("FAIL url_parse smtp: %s\n", lm_strerror(rc));
		fails++;
	}
	if (lm_url_parse(&u, "smtp://user:secret@mail.example.test") == 0) {
		puts("FAIL url_parse accepted a password in the URL");
		fails++;
	}
	o.url = "smtp://localhost:1";
	rc = lm_smtp_session_new(&s, &o);
	if (rc != 0 || s == NULL) {
		printf("FAIL session_new: %s\n", lm_strerror(rc));
		fails++;
	}
	lm_smtp_session_free(s);
	if (fails == 0)
		puts("selftest ok");
	return fails ? 1 : 0;
}

static int
exit_code(int err)
{
	switch (lm_net_err_class(err)) {
	case LM_NET_CLASS_OK:
		return 0;
	case LM_NET_CLASS_REFUSED:
		return 1;
	case LM_NET_CLASS_SECURITY:
		return 3;
	case LM_NET_CLASS_PROTOCOL:
		return 4;
	case LM_NET_CLASS_NETWORK:
		return 5;
	default:
		return 2;
	}
}

int
main(int argc, char **argv)
{
	static char msg[4096];
	lm_smtp_session_opts o = LM_SMTP_SESSION_OPTS_INIT;
	lm_smtp_message m = LM_SMTP_MESSAGE_INIT;
	lm_smtp_session *s = NULL;
	lm_smtp_reply final;
	const char *rcpt[1];
	struct src src;
	int rc, n;

	if (argc == 2 && strcmp(argv[1], "--selftest") == 0)
		return selftest();
	if (argc != 8) {
		fprintf(stderr, "usage: api_send --selftest | api_send URL CAFILE "
		    "USER PASSWORD FROM TO MARKER\n");
		return 2;
	}
	n = snprintf(msg, sizeof msg,
	    "From: <%s>\r\n"
	    "To: <%s>\r\n"
	    "Subject: api_send %s\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "\r\n"
	    "Sent through the installed libmail API.\r\n"
	    ".\r\n"
	    ".a line with a leading dot\n"
	    "LF-only line above\r\n"
	    "last line\r\n",
	    argv[5], argv[6], argv[7]);
	if (n < 0 || (size_t)n >= sizeof msg)
		return 2;

	o.url = argv[1];
	o.cafile = argv[2];
	o.user = argv[3];
	o.password = argv[4];
	o.timeout_ms = 15000;
	rc = lm_smtp_session_new(&s, &o);
	if (rc != 0) {
		fprintf(stderr, "api_send: session: %s\n", lm_strerror(rc));
		return 2;
	}
	rc = lm_smtp_session_connect(s);
	if (rc != 0) {
		fprintf(stderr, "api_send: connect: %s: %s\n", lm_errname(rc),
		    lm_smtp_session_error(s));
		lm_smtp_session_free(s);
		return exit_code(rc);
	}
	rcpt[0] = argv[6];
	src.p = msg;
	src.left = (size_t)n;
	m.from = argv[5];
	m.rcpt = rcpt;
	m.nrcpt = 1;
	m.body = read_body;
	m.body_ud = &src;
	memset(&final, 0, sizeof final);
	rc = lm_smtp_session_send(s, &m, NULL, &final);
	if (rc != 0) {
		fprintf(stderr, "api_send: send: %s: %s\n", lm_errname(rc),
		    lm_smtp_session_error(s));
		lm_smtp_session_free(s);
		return exit_code(rc);
	}
	printf("accepted: %d %s\n", final.code, final.text);
	lm_smtp_session_free(s);
	return final.code >= 200 && final.code < 300 ? 0 : 4;
}
