/*
 * The blocking POP3 session (lib/net/pop3_session.c) against a small
 * scripted POP3 server run in a child process on loopback (plaintext,
 * so these tests use the explicit plaintext option; TLS is covered by
 * the fake-server and interop suites).
 *
 * The server's replies are written here by hand from RFC 1939, 2449 and
 * 3206; the checks compare what the server received and what the
 * session reported against those rules.
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
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "libmail/net.h"
#include "test.h"

#define SRV_SASL     0x01  /* CAPA offers SASL PLAIN */
#define SRV_INUSE    0x02  /* PASS/AUTH: -ERR [IN-USE] */
#define SRV_BADPASS  0x04  /* PASS/AUTH: -ERR [AUTH] */
#define SRV_CUT      0x08  /* RETR 2: half a body, then close */
#define SRV_DELE_ERR 0x10  /* DELE: -ERR [SYS/TEMP] */
#define SRV_NOUSER   0x20  /* CAPA without USER */
#define SRV_FLOOD    0x40  /* LIST and RETR 3 never end (256 MB at most) */

/* RETR 4 and RETR 5: bodies just under and just over the drain bound
 * (net.h) counted from a callback failure at the first chunk: that
 * chunk, with the status line, is at most one read (16 KB). */
#define BODY_UNDER (LM_POP3_DRAIN_MAX - 1024)
#define BODY_OVER  (LM_POP3_DRAIN_MAX + 32 * 1024)

static char logpath[128];
static pid_t srv_pid;

/* RETR 1 as sent (dot-stuffed) and as it must arrive (unstuffed) */
static const char retr1_wire[] =
	"Subject: one\r\n\r\n..leading dot\r\n...two\r\n. \r\nend\r\n.\r\n";
static const char retr1_body[] =
	"Subject: one\r\n\r\n.leading dot\r\n..two\r\n \r\nend\r\n";

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

/* head, then unit again and again until a write fails (the client
 * closed) or 256 MB went out; returns the bytes written. */
static unsigned long long
flood(int fd, const char *head, const char *unit)
{
	char chunk[65536];
	size_t ul = strlen(unit), n = 0;
	unsigned long long sent = strlen(head);

	put(fd, head);
	while (n + ul <= sizeof chunk) {
		memcpy(chunk + n, unit, ul);
		n += ul;
	}
	while (sent < (256ull << 20)) {
		ssize_t k = write(fd, chunk, n);
		if (k <= 0)
			break;
		sent += (unsigned long long)k;
	}
	return sent;
}

/* "+OK", a body of n bytes in 100-byte lines, "." */
static void
sized_body(int fd, size_t n)
{
	char line[101];

	memset(line, 'y', 98);
	memcpy(line + 98, "\r\n", 3);
	put(fd, "+OK\r\n");
	for (; n >= 100; n -= 100)
		put(fd, line);
	if (n >= 2) {
		line[n - 2] = '\0';
		put(fd, line);
		put(fd, "\r\n");
	}
	put(fd, ".\r\n");
}

static void
serve(int fd, unsigned flags)
{
	FILE *log = fopen(logpath, "w");
	char buf[8192];
	size_t len = 0;

	put(fd, "+OK ready <1.2@srv.test>\r\n");
	for (;;) {
		char *e, line[1024];
		size_t n;
		ssize_t k;
		while ((e = memchr(buf, '\n', len)) == NULL) {
			if (len == sizeof buf)
				goto done;
			k = read(fd, buf + len, sizeof buf - len);
			if (k <= 0)
				goto done;
			len += (size_t)k;
		}
		n = (size_t)(e - buf);
		memcpy(line, buf, n < sizeof line ? n : sizeof line - 1);
		line[n < sizeof line ? n : sizeof line - 1] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		memmove(buf, e + 1, len - n - 1);
		len -= n + 1;
		/* log the verb and argument, but never a password */
		if (strncmp(line, "PASS ", 5) == 0 || strncmp(line, "AUTH ", 5) == 0)
			fprintf(log, "%.4s\n", line);
		else
			fprintf(log, "%s\n", line);
		fflush(log);
		if (strcmp(line, "CAPA") == 0) {
			put(fd, "+OK\r\nUIDL\r\nTOP\r\nRESP-CODES\r\n");
			if (!(flags & SRV_NOUSER))
				put(fd, "USER\r\n");
			if (flags & SRV_SASL)
				put(fd, "SASL PLAIN\r\n");
			put(fd, ".\r\n");
		} else if (strncmp(line, "USER ", 5) == 0) {
			put(fd, "+OK\r\n");
		} else if (strncmp(line, "PASS ", 5) == 0 ||
		           strncmp(line, "AUTH ", 5) == 0) {
			if (flags & SRV_INUSE)
				put(fd, "-ERR [IN-USE] locked by another session\r\n");
			else if (flags & SRV_BADPASS)
				put(fd, "-ERR [AUTH] invalid credentials\r\n");
			else
				put(fd, "+OK logged in\r\n");
		} else if (strcmp(line, "STAT") == 0) {
			put(fd, "+OK 2 80\r\n");
		} else if (strcmp(line, "LIST") == 0 && (flags & SRV_FLOOD)) {
			fprintf(log, "FLOOD %llu\n",
			        flood(fd, "+OK\r\n", "1 50\r\n"));
			goto done;
		} else if (strcmp(line, "RETR 3") == 0 && (flags & SRV_FLOOD)) {
			fprintf(log, "FLOOD %llu\n", flood(fd, "+OK\r\nSubject: "
			        "endless\r\n\r\n", "0123456789abcdef\r\n"));
			goto done;
		} else if (strcmp(line, "RETR 4") == 0) {
			sized_body(fd, BODY_UNDER);
		} else if (strcmp(line, "RETR 5") == 0) {
			sized_body(fd, BODY_OVER);
		} else if (strcmp(line, "LIST") == 0) {
			put(fd, "+OK 2 messages\r\n1 50\r\n2 30\r\n.\r\n");
		} else if (strcmp(line, "UIDL") == 0) {
			put(fd, "+OK\r\n1 a/../b\r\n2 zz\r\n.\r\n");
		} else if (strcmp(line, "RETR 1") == 0) {
			put(fd, "+OK 50 octets\r\n");
			put(fd, retr1_wire);
		} else if (strcmp(line, "RETR 2") == 0 && (flags & SRV_CUT)) {
			put(fd, "+OK 30 octets\r\nSubject: two\r\n\r\nhalf");
			goto done;
		} else if (strcmp(line, "RETR 2") == 0) {
			put(fd, "+OK\r\nSubject: two\r\n\r\nx\r\n.\r\n");
		} else if (strcmp(line, "TOP 1 0") == 0) {
			put(fd, "+OK top of message follows\r\nSubject: one\r\n\r\n.\r\n");
		} else if (strncmp(line, "RETR ", 5) == 0) {
			put(fd, "-ERR no such message\r\n");
		} else if (strncmp(line, "DELE ", 5) == 0) {
			put(fd, (flags & SRV_DELE_ERR) ?
			        "-ERR [SYS/TEMP] try again later\r\n" : "+OK marked\r\n");
		} else if (strcmp(line, "NOOP") == 0 || strcmp(line, "RSET") == 0) {
			put(fd, "+OK\r\n");
		} else if (strcmp(line, "QUIT") == 0) {
			put(fd, "+OK bye\r\n");
			goto done;
		} else {
			put(fd, "-ERR unknown command\r\n");
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

static const char *
srv_log(void)
{
	static char buf[16384];
	FILE *f = fopen(logpath, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f != NULL) {
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static int
logged(const char *line)
{
	char pat[256];

	snprintf(pat, sizeof pat, "\n%s\n", line);
	return strstr(srv_log(), pat) != NULL ||
	       strncmp(srv_log(), pat + 1, strlen(pat + 1)) == 0;
}

static lm_pop3_session *
open_session(unsigned port, int plaintext, unsigned mech, int *rc)
{
	lm_pop3_session_opts o = LM_POP3_SESSION_OPTS_INIT;
	lm_pop3_session *s = NULL;
	static char url[64];

	snprintf(url, sizeof url, "pop3://127.0.0.1:%u", port);
	o.url = url;
	o.user = "bob";
	o.password = "s3cret";
	o.plaintext = plaintext;
	o.auth_mech = mech;
	o.timeout_ms = 5000;
	*rc = lm_pop3_session_new(&s, &o);
	if (*rc == 0)
		*rc = lm_pop3_session_connect(s);
	return s;
}

/* ---- collectors -------------------------------------------------------- */

typedef struct {
	char data[4096];
	size_t len;
	int fail;        /* return LM_ERR_CALLBACK from the first call */
	unsigned calls;
} sink;

static int
on_data(void *ud, const unsigned char *p, size_t n)
{
	sink *k = ud;

	k->calls++;
	if (k->fail)
		return LM_ERR_CALLBACK;
	if (k->len + n > sizeof k->data)
		return LM_ERR_LIMIT;
	memcpy(k->data + k->len, p, n);
	k->len += n;
	return 0;
}

typedef struct {
	unsigned long msg[8];
	uint64_t size[8];
	char uid[8][72];
	unsigned n;
} items;

static int
on_list(void *ud, unsigned long msg, uint64_t size)
{
	items *it = ud;

	if (it->n == 8)
		return LM_ERR_LIMIT;
	it->msg[it->n] = msg;
	it->size[it->n++] = size;
	return 0;
}

static int
on_uidl(void *ud, unsigned long msg, const char *uid, size_t len)
{
	items *it = ud;

	if (it->n == 8 || len > 70)
		return LM_ERR_LIMIT;
	it->msg[it->n] = msg;
	memcpy(it->uid[it->n], uid, len);
	it->uid[it->n++][len] = '\0';
	return 0;
}

/* ---- tests ------------------------------------------------------------- */

static void
t_pop3_list_retr_dele_quit(void)
{
	lm_pop3_session *s;
	unsigned long n = 0;
	uint64_t size = 0;
	items li, ui;
	sink k;
	int rc;

	memset(&li, 0, sizeof li);
	memset(&ui, 0, sizeof ui);
	memset(&k, 0, sizeof k);
	s = open_session(start(0), 1, 0, &rc);
	LM_CHECK_EQ(rc, 0);
	LM_CHECK_EQ(lm_pop3_session_stat(s, &n, &size), 0);
	LM_CHECK_EQ(n, 2);
	LM_CHECK_EQ(size, 80);
	LM_CHECK_EQ(lm_pop3_session_list(s, 0, on_list, &li), 0);
	LM_CHECK_EQ(li.n, 2);
	LM_CHECK_EQ(li.msg[1], 2);
	LM_CHECK_EQ(li.size[0], 50);
	LM_CHECK_EQ(lm_pop3_session_uidl(s, 0, on_uidl, &ui), 0);
	LM_CHECK_EQ(ui.n, 2);
	LM_CHECK(strcmp(ui.uid[0], "a/../b") == 0); /* opaque, passed as is */
	LM_CHECK_EQ(lm_pop3_session_retr(s, 1, on_data, &k), 0);
	LM_CHECK_EQ(k.len, sizeof retr1_body - 1);
	LM_CHECK_MEM(k.data, retr1_body, sizeof retr1_body - 1);
	memset(&k, 0, sizeof k);
	LM_CHECK_EQ(lm_pop3_session_top(s, 1, 0, on_data, &k), 0);
	LM_CHECK_EQ(k.len, strlen("Subject: one\r\n\r\n"));
	LM_CHECK_MEM(k.data, "Subject: one\r\n\r\n", k.len);
	LM_CHECK_EQ(lm_pop3_session_has_capa(s, "uidl"), 1);
	LM_CHECK_EQ(lm_pop3_session_has_capa(s, "STLS"), 0);
	LM_CHECK_EQ(lm_pop3_session_retr(s, 7, on_data, &k), LM_ERR_REFUSED);
	LM_CHECK_EQ(lm_pop3_session_reply(s)->ok, 0);
	LM_CHECK_EQ(lm_pop3_session_dele(s, 1), 0);
	LM_CHECK_EQ(lm_pop3_session_quit(s), 0);
	LM_CHECK_EQ(lm_pop3_session_quit(s), LM_ERR_BAD_STATE);
	lm_pop3_session_free(s);
	finish();
	/* no STLS with plaintext; USER/PASS since no SASL was offered */
	LM_CHECK(!logged("STLS"));
	LM_CHECK(logged("USER bob"));
	LM_CHECK(logged("DELE 1"));
	LM_CHECK(logged("QUIT"));
	LM_CHECK(strstr(srv_log(), "s3cret") == NULL);
}

static void
t_pop3_callback_fails_session_survives(void)
{
	lm_pop3_session *s;
	sink k;
	int rc;

	memset(&k, 0, sizeof k);
	k.fail = 1;
	s = open_session(start(0), 1, 0, &rc);
	LM_CHECK_EQ(rc, 0);
	LM_CHECK_EQ(lm_pop3_session_retr(s, 1, on_data, &k), LM_ERR_CALLBACK);
	LM_CHECK_EQ(k.calls, 1);   /* not called again after failing */
	/* the rest of the message was read: the next command works */
	LM_CHECK_EQ(lm_pop3_session_noop(s), 0);
	/* also when the rest just fits LM_POP3_DRAIN_MAX */
	LM_CHECK_EQ(lm_pop3_session_retr(s, 4, on_data, &k), LM_ERR_CALLBACK);
	LM_CHECK_EQ(lm_pop3_session_rset(s), 0);
	memset(&k, 0, sizeof k);
	LM_CHECK_EQ(lm_pop3_session_retr(s, 2, on_data, &k), 0);
	LM_CHECK_EQ(k.len, strlen("Subject: two\r\n\r\nx\r\n"));
	LM_CHECK_EQ(lm_pop3_session_dele(s, 2), 0);
	/* 32 KB more than the bound: abandoned, the connection closed */
	k.fail = 1;
	k.calls = 0;
	LM_CHECK_EQ(lm_pop3_session_retr(s, 5, on_data, &k), LM_ERR_CALLBACK);
	LM_CHECK_EQ(k.calls, 1);
	LM_CHECK_EQ(lm_pop3_session_noop(s), LM_ERR_BAD_STATE);
	lm_pop3_session_free(s);
	finish();
	LM_CHECK(logged("RSET"));
	LM_CHECK(logged("DELE 2"));
	LM_CHECK(strstr(srv_log(), "RETR 5") != NULL &&
	         strstr(strstr(srv_log(), "RETR 5"), "NOOP") == NULL);
	/* no QUIT at any point: the server commits no deletion */
	LM_CHECK(!logged("QUIT"));
	LM_CHECK(logged("CLOSED"));
}

/* The bytes the server flooded before the client closed, or 0. */
static unsigned long long
flooded(void)
{
	const char *f = strstr(srv_log(), "FLOOD ");

	return f != NULL ? strtoull(f + 6, NULL, 10) : 0;
}

/* A callback fails inside a response that never ends: the call returns
 * the callback's code once LM_POP3_DRAIN_MAX more bytes were read, the
 * connection is closed without QUIT, and the session refuses commands. */
static void
t_pop3_callback_fails_endless(void)
{
	lm_pop3_session *s;
	items li;
	sink k;
	int rc;

	memset(&k, 0, sizeof k);
	k.fail = 1;
	s = open_session(start(SRV_FLOOD), 1, 0, &rc);
	LM_CHECK_EQ(rc, 0);
	LM_CHECK_EQ(lm_pop3_session_retr(s, 3, on_data, &k), LM_ERR_CALLBACK);
	LM_CHECK_EQ(k.calls, 1);
	LM_CHECK(strstr(lm_pop3_session_error(s), "closed") != NULL);
	LM_CHECK_EQ(lm_pop3_session_noop(s), LM_ERR_BAD_STATE);
	LM_CHECK(strstr(lm_pop3_session_error(s), "closed") != NULL);
	LM_CHECK_EQ(lm_pop3_session_quit(s), LM_ERR_BAD_STATE);
	finish();   /* before free: the connection is closed already */
	lm_pop3_session_free(s);
	/* the server's write failed well before its 256 MB: the client
	 * closed (allowing for the loopback socket buffers) */
	LM_CHECK(flooded() > LM_POP3_DRAIN_MAX);
	LM_CHECK(flooded() < (32ull << 20));
	LM_CHECK(!logged("NOOP"));
	LM_CHECK(!logged("QUIT"));

	/* the same for a listing: on_list fails at its 9th item */
	memset(&li, 0, sizeof li);
	s = open_session(start(SRV_FLOOD), 1, 0, &rc);
	LM_CHECK_EQ(rc, 0);
	LM_CHECK_EQ(lm_pop3_session_list(s, 0, on_list, &li), LM_ERR_LIMIT);
	LM_CHECK_EQ(li.n, 8);
	LM_CHECK_EQ(lm_pop3_session_stat(s, NULL, NULL), LM_ERR_BAD_STATE);
	finish();
	lm_pop3_session_free(s);
	LM_CHECK(flooded() > LM_POP3_DRAIN_MAX);
	LM_CHECK(flooded() < (32ull << 20));
	LM_CHECK(!logged("STAT"));
}

static void
t_pop3_cut_in_retr(void)
{
	lm_pop3_session *s;
	sink k;
	int rc;

	memset(&k, 0, sizeof k);
	s = open_session(start(SRV_CUT), 1, 0, &rc);
	LM_CHECK_EQ(rc, 0);
	rc = lm_pop3_session_retr(s, 2, on_data, &k);
	LM_CHECK_EQ(rc, LM_ERR_EOF);
	LM_CHECK_EQ(lm_net_err_class(rc), LM_NET_CLASS_NETWORK);
	LM_CHECK(strstr(lm_pop3_session_error(s), "closed") != NULL);
	/* broken: no more commands, no QUIT */
	LM_CHECK_EQ(lm_pop3_session_noop(s), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_pop3_session_quit(s), LM_ERR_BAD_STATE);
	lm_pop3_session_free(s);
	finish();
}

static void
t_pop3_dele_refused_keeps_code(void)
{
	lm_pop3_session *s;
	const lm_pop3_reply *r;
	int rc;

	s = open_session(start(SRV_DELE_ERR), 1, 0, &rc);
	LM_CHECK_EQ(rc, 0);
	LM_CHECK_EQ(lm_pop3_session_dele(s, 1), LM_ERR_REFUSED);
	r = lm_pop3_session_reply(s);
	LM_CHECK_EQ(r->ok, 0);
	LM_CHECK_EQ(r->cmd, LM_POP3_CMD_DELE);
	LM_CHECK(strcmp(r->code, "SYS/TEMP") == 0);
	LM_CHECK(strstr(lm_pop3_session_error(s), "SYS/TEMP") != NULL);
	LM_CHECK_EQ(lm_pop3_session_rset(s), 0);   /* still usable */
	LM_CHECK_EQ(lm_pop3_session_quit(s), 0);
	lm_pop3_session_free(s);
	finish();
}

static void
t_pop3_login_refusals(void)
{
	lm_pop3_session *s;
	int rc;

	/* RFC 2449 8.1.1 [IN-USE]: not the credentials: refused */
	s = open_session(start(SRV_INUSE), 1, 0, &rc);
	LM_CHECK_EQ(rc, LM_ERR_REFUSED);
	LM_CHECK(strcmp(lm_pop3_session_reply(s)->code, "IN-USE") == 0);
	LM_CHECK(strstr(lm_pop3_session_error(s), "IN-USE") != NULL);
	lm_pop3_session_free(s);
	finish();
	LM_CHECK(!logged("STAT"));

	/* RFC 3206 [AUTH]: the credentials */
	s = open_session(start(SRV_BADPASS | SRV_SASL), 1, 0, &rc);
	LM_CHECK_EQ(rc, LM_ERR_AUTH);
	LM_CHECK_EQ(lm_net_err_class(rc), LM_NET_CLASS_REFUSED);
	lm_pop3_session_free(s);
	finish();
	LM_CHECK(logged("AUTH"));    /* SASL preferred over USER/PASS */
	LM_CHECK(!logged("USER bob"));
}

static void
t_pop3_security(void)
{
	lm_pop3_session *s;
	int rc;

	/* pop3:// without plaintext: STLS required, not offered */
	s = open_session(start(SRV_SASL), 0, 0, &rc);
	LM_CHECK_EQ(rc, LM_ERR_NO_STARTTLS);
	LM_CHECK_EQ(lm_net_err_class(rc), LM_NET_CLASS_SECURITY);
	lm_pop3_session_free(s);
	finish();
	LM_CHECK(!logged("USER bob"));
	LM_CHECK(!logged("AUTH"));
	LM_CHECK(!logged("PASS"));

	/* a forced mechanism the server does not offer: no fallback */
	s = open_session(start(SRV_SASL), 1, LM_SASL_SCRAM_SHA_256, &rc);
	LM_CHECK_EQ(rc, LM_ERR_NO_MECH);
	lm_pop3_session_free(s);
	finish();
	LM_CHECK(!logged("USER bob"));
	LM_CHECK(!logged("AUTH"));

	/* neither SASL nor USER offered */
	s = open_session(start(SRV_NOUSER), 1, 0, &rc);
	LM_CHECK_EQ(rc, LM_ERR_UNSUPPORTED);
	lm_pop3_session_free(s);
	finish();
	LM_CHECK(!logged("USER bob"));
}

static void
t_pop3_bad_params(void)
{
	lm_pop3_session_opts o = LM_POP3_SESSION_OPTS_INIT;
	lm_pop3_session *s = (lm_pop3_session *)&o;

	LM_CHECK_EQ(lm_pop3_session_new(&s, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK(s == NULL);
	o.url = "smtp://127.0.0.1";
	LM_CHECK_EQ(lm_pop3_session_new(&s, &o), LM_ERR_URL);
	o.url = "pop3://u:pw@127.0.0.1";
	LM_CHECK_EQ(lm_pop3_session_new(&s, &o), LM_ERR_URL);
	o.url = "pop3s://127.0.0.1";
	o.version = 99;
	LM_CHECK_EQ(lm_pop3_session_new(&s, &o), LM_ERR_BAD_PARAM);
	o.version = LM_POP3_SESSION_OPTS_VERSION;
	LM_CHECK_EQ(lm_pop3_session_new(&s, &o), 0);
	LM_CHECK_EQ(lm_pop3_session_stat(s, NULL, NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_pop3_session_quit(s), LM_ERR_BAD_STATE);
	LM_CHECK(lm_pop3_session_footprint() >= sizeof(lm_pop3_client));
	lm_pop3_session_free(s);
	lm_pop3_session_free(NULL);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_pop3_list_retr_dele_quit),
		LM_TEST(t_pop3_callback_fails_session_survives),
		LM_TEST(t_pop3_callback_fails_endless),
		LM_TEST(t_pop3_cut_in_retr),
		LM_TEST(t_pop3_dele_refused_keeps_code),
		LM_TEST(t_pop3_login_refusals),
		LM_TEST(t_pop3_security),
		LM_TEST(t_pop3_bad_params),
	};
	char dir[] = "/tmp/lm-p3sess-XXXXXX";
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
