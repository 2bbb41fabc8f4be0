/*
 * The blocking IMAP session (lib/net/imap_session.c) against a small
 * scripted IMAP server run in a child process on loopback (plaintext,
 * so these tests use the explicit plaintext option; TLS, STARTTLS and
 * hostile servers are covered by the fake-server and interop suites).
 *
 * The server's responses are written here by hand from RFC 3501, 4315
 * (APPENDUID), 2177 (IDLE) and 5530 (response codes); the checks compare
 * what the server received and what the session reported.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "libmail/net.h"
#include "test.h"

#define SRV_PREAUTH 0x01   /* greeting is PREAUTH */
#define SRV_BYE     0x02   /* NOOP: "* BYE", then close */
#define SRV_GMAIL   0x04   /* AUTHENTICATE: "* CAPABILITY ...", then an OK
                              without a code (as Gmail) */
#define SRV_NOCODE  0x08   /* AUTHENTICATE: an OK without a code (and
                              CAPABILITY, as always, an OK without a list) */

static char logpath[128];
static pid_t srv_pid;

static void
put(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t k = write(fd, s, n);
		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

/* One line (without CRLF) from fd into line; 0 at EOF. */
static int
get_line(int fd, char *buf, size_t *len, size_t cap, char *line, size_t lcap)
{
	char *e;
	size_t n;

	while ((e = memchr(buf, '\n', *len)) == NULL) {
		ssize_t k;
		if (*len == cap)
			return 0;
		k = read(fd, buf + *len, cap - *len);
		if (k <= 0)
			return 0;
		*len += (size_t)k;
	}
	n = (size_t)(e - buf);
	memcpy(line, buf, n < lcap ? n : lcap - 1);
	line[n < lcap ? n : lcap - 1] = '\0';
	if (n > 0 && n < lcap && line[n - 1] == '\r')
		line[n - 1] = '\0';
	memmove(buf, e + 1, *len - n - 1);
	*len -= n + 1;
	return 1;
}

static void
serve(int fd, unsigned flags)
{
	FILE *log = fopen(logpath, "w");
	char buf[16384], line[4096], out[512];
	size_t len = 0;

	if (flags & SRV_PREAUTH)
		put(fd, "* PREAUTH [CAPABILITY IMAP4rev1 IDLE UIDPLUS LITERAL+] "
		        "logged in as bob\r\n");
	else
		put(fd, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR IDLE UIDPLUS "
		        "LITERAL+] ready\r\n");
	while (get_line(fd, buf, &len, sizeof buf, line, sizeof line)) {
		char tag[64], verb[64];
		const char *rest;
		if (sscanf(line, "%63s %63s", tag, verb) != 2)
			break;
		rest = line + strlen(tag) + 1 + strlen(verb);
		if (*rest == ' ')
			rest++;
		/* log the verb and argument, but never credentials */
		if (strcmp(verb, "AUTHENTICATE") == 0 || strcmp(verb, "LOGIN") == 0)
			fprintf(log, "%s\n", verb);
		else
			fprintf(log, "%s %s\n", verb, rest);
		fflush(log);
		if (strcmp(verb, "AUTHENTICATE") == 0 && (flags & SRV_GMAIL)) {
			snprintf(out, sizeof out, "* CAPABILITY IMAP4rev1 IDLE UIDPLUS "
			         "MOVE\r\n%s OK Success\r\n", tag);
			put(fd, out);
		} else if (strcmp(verb, "AUTHENTICATE") == 0 && (flags & SRV_NOCODE)) {
			snprintf(out, sizeof out, "%s OK welcome\r\n", tag);
			put(fd, out);
		} else if (strcmp(verb, "AUTHENTICATE") == 0) {
			snprintf(out, sizeof out, "%s OK [CAPABILITY IMAP4rev1 IDLE "
			         "UIDPLUS LITERAL+] welcome\r\n", tag);
			put(fd, out);
		} else if (strcmp(verb, "SELECT") == 0 &&
		           strcmp(rest, "Missing") == 0) {
			snprintf(out, sizeof out, "%s NO [NONEXISTENT] Mailbox "
			         "doesn't exist: Missing\r\n", tag);
			put(fd, out);
		} else if (strcmp(verb, "SELECT") == 0) {
			put(fd, "* 2 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n");
			snprintf(out, sizeof out, "%s OK [READ-WRITE] done\r\n", tag);
			put(fd, out);
		} else if (strcmp(verb, "APPEND") == 0) {
			/* "INBOX {n+}" then n bytes, then the CRLF */
			const char *b = strrchr(rest, '{');
			size_t n = b ? strtoul(b + 1, NULL, 10) : 0;
			while (len < n + 2) {
				ssize_t k;
				if (len == sizeof buf)
					goto done;
				k = read(fd, buf + len, sizeof buf - len);
				if (k <= 0)
					goto done;
				len += (size_t)k;
			}
			fprintf(log, "DATA %.*s\n", (int)n, buf);
			memmove(buf, buf + n + 2, len - n - 2);
			len -= n + 2;
			snprintf(out, sizeof out, "%s OK [APPENDUID 9 42] stored\r\n", tag);
			put(fd, out);
		} else if (strcmp(verb, "EXAMINE") == 0 &&
		           strcmp(rest, "Broken") == 0) {
			/* a message count past 32 bits: a protocol violation */
			put(fd, "* 4294967296 EXISTS\r\n");
			snprintf(out, sizeof out, "%s OK done\r\n", tag);
			put(fd, out);
		} else if (strcmp(verb, "UID") == 0 && strncmp(rest, "FETCH ", 6) == 0) {
			snprintf(out, sizeof out, "%s BAD [CLIENTBUG] no such "
			         "message\r\n", tag);
			put(fd, out);
		} else if (strcmp(verb, "UID") == 0 &&
		           strncmp(rest, "EXPUNGE ", 8) == 0) {
			snprintf(out, sizeof out, "%s NO [EXPUNGEISSUED] later\r\n",
			         tag);
			put(fd, out);
		} else if (strcmp(verb, "UID") == 0 && strncmp(rest, "COPY ", 5) == 0) {
			snprintf(out, sizeof out, "%s NO [TRYCREATE] no Trash\r\n",
			         tag);
			put(fd, out);
		} else if (strcmp(verb, "UID") == 0 && strncmp(rest, "STORE ", 6) == 0) {
			goto done;              /* the connection drops */
		} else if (strcmp(verb, "FETCH") == 0) {
			snprintf(out, sizeof out, "%s NO nothing\r\n", tag);
			put(fd, out);
		} else if (strcmp(verb, "UID") == 0) {
			put(fd, "* SEARCH 1 2 3\r\n");
			snprintf(out, sizeof out, "%s OK searched\r\n", tag);
			put(fd, out);
		} else if (strcmp(verb, "NOOP") == 0 && (flags & SRV_BYE)) {
			put(fd, "* BYE going down for maintenance\r\n");
			goto done;
		} else if (strcmp(verb, "IDLE") == 0) {
			put(fd, "+ idling\r\n* 4 EXISTS\r\n");
			if (!get_line(fd, buf, &len, sizeof buf, line, sizeof line))
				goto done;
			fprintf(log, "%s\n", line);
			fflush(log);
			snprintf(out, sizeof out, "%s OK idle done\r\n", tag);
			put(fd, out);
		} else if (strcmp(verb, "LOGOUT") == 0) {
			snprintf(out, sizeof out, "* BYE bye\r\n%s OK out\r\n", tag);
			put(fd, out);
			goto done;
		} else {
			snprintf(out, sizeof out, "%s OK %s done\r\n", tag, verb);
			put(fd, out);
		}
	}
done:
	fprintf(log, "CLOSED\n");
	fclose(log);
}

static unsigned
start(unsigned flags)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0 ||
	    listen(lfd, 1) < 0)
		return 0;
	fflush(stdout);
	srv_pid = fork();
	if (srv_pid == 0) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(1);
		serve(fd, flags);
		close(fd);
		_exit(0);
	}
	close(lfd);
	return ntohs(sa.sin_port);
}

static void
finish(void)
{
	if (srv_pid > 0)
		waitpid(srv_pid, NULL, 0);
	srv_pid = 0;
}

static int
logged(const char *line)
{
	static char buf[16384];
	char pat[512];
	FILE *f = fopen(logpath, "r");
	size_t n = 0;

	buf[0] = '\n';
	if (f != NULL) {
		n = fread(buf + 1, 1, sizeof buf - 2, f);
		fclose(f);
	}
	buf[n + 1] = '\0';
	snprintf(pat, sizeof pat, "\n%s\n", line);
	return strstr(buf, pat) != NULL;
}

/* How many lines of the server log start with prefix. */
static int
logged_count(const char *prefix)
{
	char line[4096];
	size_t n = strlen(prefix);
	int k = 0;
	FILE *f = fopen(logpath, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, prefix, n) == 0)
			k++;
	fclose(f);
	return k;
}

static lm_imap_session *
open_session(unsigned port, const char *user, int *rc)
{
	lm_imap_session_opts o = LM_IMAP_SESSION_OPTS_INIT;
	lm_imap_session *s = NULL;
	static char url[64];

	snprintf(url, sizeof url, "imap://127.0.0.1:%u/INBOX", port);
	o.url = url;
	o.user = user;
	o.password = "s3cret";
	o.plaintext = 1;
	o.timeout_ms = 5000;
	*rc = lm_imap_session_new(&s, &o);
	if (*rc == 0)
		*rc = lm_imap_session_connect(s);
	return s;
}

/* A scripted server (flags as start()) and a session logged in as bob;
 * the engine, or NULL (checks failed). */
static lm_imap_client *
connect_bob(unsigned flags, lm_imap_session **s)
{
	unsigned port = start(flags);
	lm_imap_client *c;
	int rc = -1;

	LM_CHECK(port != 0);
	*s = open_session(port, "bob", &rc);
	LM_CHECK_EQ(rc, 0);
	c = lm_imap_session_client(*s);
	LM_CHECK(c != NULL);
	return c;
}

/* lm_imap_session_error(s) is exactly want */
#define CHECK_ERR(s, want)                                                \
	do {                                                              \
		const char *e_ = lm_imap_session_error(s);                \
		LM_CHECK_STRN(e_, strlen(e_), want);                      \
	} while (0)

/* ---- tests ------------------------------------------------------------- */

static void
t_imap_session_url(void)
{
	lm_imap_session_opts o = LM_IMAP_SESSION_OPTS_INIT;
	lm_imap_session *s = NULL;

	o.url = "imaps://mail.example.test/Archiv/T%C3%A4st%202026";
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), 0);
	LM_CHECK(strcmp(lm_imap_session_mailbox(s),
	                "Archiv/T\xc3\xa4st 2026") == 0);
	LM_CHECK(lm_imap_session_client(s) == NULL); /* not connected */
	lm_imap_session_free(s);
	s = NULL;
	o.url = "imap://mail.example.test";
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), 0);
	LM_CHECK(strcmp(lm_imap_session_mailbox(s), "") == 0);
	lm_imap_session_free(s);
	/* a percent escape that is not UTF-8, a control byte, a bad escape */
	o.url = "imap://h/%C3";
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), LM_ERR_URL);
	LM_CHECK(s == NULL);
	o.url = "imap://h/a%0Db";
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), LM_ERR_URL);
	o.url = "imap://h/%ZZ";
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), LM_ERR_URL);
	o.url = "imap://h/ab%4"; /* cut escapes */
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), LM_ERR_URL);
	o.url = "imap://h/ab%";
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), LM_ERR_URL);
	o.url = "imap://h/a%7Fb";
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), LM_ERR_URL);
	o.url = "imap://h/t%c3%a4st"; /* lower-case hex */
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), 0);
	LM_CHECK(s != NULL && strcmp(lm_imap_session_mailbox(s), "t\xc3\xa4st") == 0);
	lm_imap_session_free(s);
	s = NULL;
	o.url = "imap://h/%ED%A0%80"; /* a UTF-16 surrogate */
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), LM_ERR_URL);
	o.url = "smtp://h";
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), LM_ERR_URL);
	o.url = NULL;
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), LM_ERR_BAD_PARAM);
	o.url = "imap://h";
	o.version = 99;
	LM_CHECK_EQ(lm_imap_session_new(&s, &o), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_session_new(NULL, &o), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_imap_session_wait(NULL, 1, NULL, NULL), LM_ERR_BAD_PARAM);
	lm_imap_session_free(NULL);
	LM_CHECK(strcmp(lm_imap_session_error(NULL), "") == 0);
	LM_CHECK(lm_imap_session_reply(NULL)->status == LM_IMAP_NONE);
}

/* NO is LM_ERR_REFUSED with the code and text kept; the session goes on */
static void
t_imap_session_no_then_ok(void)
{
	lm_imap_session *s;
	lm_imap_client *c = connect_bob(0, &s);
	lm_imap_handle h = 0;
	const lm_imap_reply *rep;

	if (c == NULL)
		goto out;
	LM_CHECK_EQ(lm_imap_select(c, "Missing", NULL, &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), LM_ERR_REFUSED);
	rep = lm_imap_session_reply(s);
	LM_CHECK_EQ(rep->status, LM_IMAP_NO);
	LM_CHECK_EQ(rep->code, LM_IMAP_CODE_NONEXISTENT);
	LM_CHECK_EQ(rep->cmd, LM_IMAP_CMD_SELECT);
	LM_CHECK(strcmp(rep->text, "Mailbox doesn't exist: Missing") == 0);
	CHECK_ERR(s, "SELECT refused: NO [NONEXISTENT] Mailbox doesn't exist: Missing");
	LM_CHECK_EQ(lm_net_err_class(LM_ERR_REFUSED), LM_NET_CLASS_REFUSED);
	/* still usable */
	LM_CHECK_EQ(lm_imap_select(c, "INBOX", NULL, &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), 0);
	LM_CHECK_EQ(lm_imap_selected(c)->exists, 2);
	LM_CHECK_EQ(lm_imap_selected(c)->uidvalidity, 9);
out:
	lm_imap_session_free(s);
	finish();
	LM_CHECK(logged("AUTHENTICATE"));
	LM_CHECK(logged("SELECT Missing"));
	LM_CHECK(logged("LOGOUT "));
}

/* Errors name the IMAP command as sent ("UID FETCH", the whole MOVE
 * fallback chain as "UID MOVE"), for refusals and for failures while
 * waiting (a protocol violation, the connection lost). */
static void
t_imap_session_cmd_names(void)
{
	lm_imap_session *s;
	lm_imap_client *c = connect_bob(0, &s);
	lm_imap_fetch_opts fo = LM_IMAP_FETCH_OPTS_INIT;
	lm_imap_handle h = 0;
	char want[256];

	/* SELECT refused: t_imap_session_no_then_ok */
	if (c == NULL)
		goto out;
	LM_CHECK_EQ(lm_imap_select(c, "INBOX", NULL, &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), 0);
	fo.items = LM_IMAP_F_FLAGS;
	LM_CHECK_EQ(lm_imap_fetch(c, 1, "99", &fo, &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), LM_ERR_REFUSED);
	CHECK_ERR(s, "UID FETCH refused: BAD [CLIENTBUG] no such message");
	LM_CHECK_EQ(lm_imap_fetch(c, 0, "1", &fo, &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), LM_ERR_REFUSED);
	CHECK_ERR(s, "FETCH refused: NO nothing");
	LM_CHECK_EQ(lm_imap_uid_expunge(c, "5", &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), LM_ERR_REFUSED);
	CHECK_ERR(s, "UID EXPUNGE refused: NO [EXPUNGEISSUED] later");
	/* no MOVE capability: the COPY step is refused */
	LM_CHECK_EQ(lm_imap_move(c, 1, "5", "Trash", &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), LM_ERR_REFUSED);
	CHECK_ERR(s, "UID MOVE refused: NO [TRYCREATE] no Trash");
	/* the server drops the connection instead of answering */
	LM_CHECK_EQ(lm_imap_store(c, 1, "5", LM_IMAP_STORE_ADD, 0, "\\Seen", 0,
	                          &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), LM_ERR_EOF);
	CHECK_ERR(s, "127.0.0.1 closed the connection unexpectedly (UID STORE)");
out:
	lm_imap_session_free(s);
	finish();
	LM_CHECK(logged("UID STORE 5 +FLAGS (\\Seen)"));

	/* a protocol violation while waiting for EXAMINE */
	c = connect_bob(0, &s);
	if (c != NULL) {
		LM_CHECK_EQ(lm_imap_examine(c, "Broken", NULL, &h), 0);
		LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), LM_ERR_PROTOCOL);
		snprintf(want, sizeof want, "127.0.0.1 broke the IMAP protocol "
		         "(EXAMINE): %s", lm_strerror(LM_ERR_PROTOCOL));
		CHECK_ERR(s, want);
	}
	lm_imap_session_free(s);
	finish();
}

typedef struct {
	const char *p;
	size_t len, off;
} memrd;

static int
mem_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	memrd *m = ud;
	size_t n = m->len - m->off;

	if (n > cap)
		n = cap;
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	*got = n;
	return 0;
}

/* APPEND streams the body; APPENDUID arrives in the reply */
static void
t_imap_session_append_uid(void)
{
	unsigned port = start(0);
	lm_imap_session *s;
	lm_imap_client *c;
	lm_imap_handle h = 0;
	memrd m = { "Subject: x\r\n\r\nhello\r\n", 21, 0 };
	int rc;

	s = open_session(port, "bob", &rc);
	LM_CHECK_EQ(rc, 0);
	c = lm_imap_session_client(s);
	if (c == NULL)
		goto out;
	LM_CHECK_EQ(lm_imap_append(c, "INBOX", NULL, NULL, m.len, mem_read, &m,
	                           &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), 0);
	LM_CHECK_EQ(lm_imap_session_reply(s)->code, LM_IMAP_CODE_APPENDUID);
	LM_CHECK_EQ(lm_imap_session_reply(s)->code_num, 9);
	LM_CHECK(strcmp(lm_imap_session_reply(s)->code_set1, "42") == 0);
	LM_CHECK_EQ(m.off, m.len);
out:
	lm_imap_session_free(s);
	finish();
	LM_CHECK(logged("APPEND INBOX {21+}"));
}

static int
abort_on_search(const lm_imap_event *ev, void *ud)
{
	unsigned *n = ud;

	if (ev->type == LM_IMAP_EV_SEARCH) {
		(*n)++;
		return LM_ERR_CALLBACK;
	}
	return 0;
}

/* a callback's error stops the wait and breaks the session */
static void
t_imap_session_callback_abort(void)
{
	unsigned port = start(SRV_PREAUTH);
	lm_imap_session *s;
	lm_imap_client *c;
	lm_imap_handle h = 0;
	unsigned calls = 0;
	int rc;

	s = open_session(port, "bob", &rc);
	LM_CHECK_EQ(rc, 0);
	c = lm_imap_session_client(s);
	if (c == NULL)
		goto out;
	LM_CHECK_EQ(lm_imap_select(c, "INBOX", NULL, &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), 0);
	LM_CHECK_EQ(lm_imap_search(c, 1, NULL, 0, &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, abort_on_search, &calls),
	            LM_ERR_CALLBACK);
	LM_CHECK_EQ(calls, 1);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), LM_ERR_BAD_STATE);
	LM_CHECK(lm_imap_session_client(s) == NULL);
out:
	lm_imap_session_free(s);
	finish();
	/* PREAUTH under the plaintext option: no login was sent */
	LM_CHECK(!logged("AUTHENTICATE"));
	LM_CHECK(!logged("LOGIN"));
	LM_CHECK(logged("UID SEARCH ALL"));
}

/* an unsolicited BYE and close is a refusal with the BYE text */
static void
t_imap_session_bye(void)
{
	unsigned port = start(SRV_BYE);
	lm_imap_session *s;
	lm_imap_client *c;
	lm_imap_handle h = 0;
	int rc;

	s = open_session(port, "bob", &rc);
	LM_CHECK_EQ(rc, 0);
	c = lm_imap_session_client(s);
	if (c == NULL)
		goto out;
	LM_CHECK_EQ(lm_imap_noop(c, &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), LM_ERR_REFUSED);
	LM_CHECK(strstr(lm_imap_session_error(s),
	                "going down for maintenance") != NULL);
	LM_CHECK(lm_imap_session_client(s) == NULL);
out:
	lm_imap_session_free(s);
	finish();
	LM_CHECK(!logged("LOGOUT "));
}

typedef struct {
	uint32_t exists;
	unsigned n;
} idle_seen;

static int
on_idle(const lm_imap_event *ev, void *ud)
{
	idle_seen *k = ud;

	if (ev->type == LM_IMAP_EV_EXISTS) {
		k->exists = ev->num;
		k->n++;
	}
	return 0;
}

/* IDLE for a given time: updates reach the callback, DONE ends it */
static void
t_imap_session_idle_deadline(void)
{
	unsigned port = start(0);
	lm_imap_session *s;
	lm_imap_client *c;
	lm_imap_handle h = 0;
	idle_seen k = { 0, 0 };
	struct timespec t0, t1;
	long ms;
	int rc;

	s = open_session(port, "bob", &rc);
	LM_CHECK_EQ(rc, 0);
	c = lm_imap_session_client(s);
	if (c == NULL)
		goto out;
	LM_CHECK_EQ(lm_imap_select(c, "INBOX", NULL, &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	LM_CHECK_EQ(lm_imap_session_idle(s, 400, on_idle, &k), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	LM_CHECK(ms >= 350 && ms < 3000);
	LM_CHECK_EQ(k.n, 1);
	LM_CHECK_EQ(k.exists, 4);
	/* the session is still usable afterwards */
	LM_CHECK_EQ(lm_imap_noop(c, &h), 0);
	LM_CHECK_EQ(lm_imap_session_wait(s, h, NULL, NULL), 0);
out:
	lm_imap_session_free(s);
	finish();
	LM_CHECK(logged("IDLE "));
	LM_CHECK(logged("DONE"));
	LM_CHECK(logged("NOOP "));
}

/* Capabilities after AUTHENTICATE: the list Gmail sends before its OK
 * (no code) is kept, so the session does not ask CAPABILITY again (one
 * round trip less); a server that answers CAPABILITY with an OK and no
 * list offers nothing (the list is known and empty: IDLE is
 * LM_ERR_UNSUPPORTED, and lm_imap_session_idle() polls with NOOP). */
static void
t_imap_session_caps_round_trips(void)
{
	lm_imap_session *s;
	lm_imap_client *c = connect_bob(SRV_GMAIL, &s);
	lm_imap_handle h = 0;

	if (c != NULL) {
		LM_CHECK_EQ(lm_imap_caps_known(c), 1);
		LM_CHECK_EQ(lm_imap_has_cap(c, "MOVE"), 1);
		LM_CHECK_EQ(lm_imap_has_cap(c, "AUTH=PLAIN"), 0);
	}
	lm_imap_session_free(s);
	finish();
	LM_CHECK(logged("AUTHENTICATE"));
	LM_CHECK_EQ(logged_count("CAPABILITY"), 0);

	c = connect_bob(SRV_NOCODE, &s);
	if (c != NULL) {
		LM_CHECK_EQ(lm_imap_caps_known(c), 1);
		LM_CHECK_EQ((int)lm_imap_caps(c).len, 0);
		LM_CHECK_EQ(lm_imap_idle(c, &h), LM_ERR_UNSUPPORTED);
		LM_CHECK_EQ(lm_imap_session_idle(s, 200, NULL, NULL), 0);
	}
	lm_imap_session_free(s);
	finish();
	LM_CHECK_EQ(logged_count("CAPABILITY"), 1);
	LM_CHECK(logged("NOOP "));
	LM_CHECK(!logged("IDLE "));
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_imap_session_url),
		LM_TEST(t_imap_session_no_then_ok),
		LM_TEST(t_imap_session_cmd_names),
		LM_TEST(t_imap_session_append_uid),
		LM_TEST(t_imap_session_callback_abort),
		LM_TEST(t_imap_session_bye),
		LM_TEST(t_imap_session_idle_deadline),
		LM_TEST(t_imap_session_caps_round_trips),
	};
	char dir[] = "/tmp/lm-imapsess-XXXXXX";
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(logpath, sizeof logpath, "%s/server.log", dir);
	rc = lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
	unlink(logpath);
	rmdir(dir);
	return rc;
}
