/*
 * The pump shared by the blocking sessions (lib/net/pump.c), driven with
 * a scripted fake engine over a real loopback connection: what it writes
 * and acknowledges, what it reads and feeds (data, EOF), the full input
 * buffer, events and their failure, the engine's end and errors (and
 * the LM_ERR_PROTOCOL for a status no engine gives), the session marked
 * broken after every failure, a read timeout's error text, and the read
 * deadline (returned without reading once passed, the connection's own
 * timeout kept). The call's time limit on the connection
 * (lm_net__conn_limit()): a read fails once it passed even with data
 * ready, a server dripping a byte before each timeout is cut at the
 * limit, so is a write the peer does not take, a TLS handshake and a
 * connect nobody accepts; an IMAP IDLE read deadline before the limit
 * still ends the wait quietly, one after it does not. Then
 * lm_net__session_start() (session.c) on the same
 * rig with scripted protocol hooks: the order of the steps, when the
 * upgrade is skipped, the phases, and the texts of a refused greeting,
 * a missing or refused STARTTLS/STLS and a failed handshake.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "libmail/net.h"
#include "net/net_internal.h"
#include "net/pump.h"
#include "net/session.h"
#include "test.h"

/* ---- a scripted engine ------------------------------------------------ */

typedef struct {
	int next_r;                /* what next() returns */
	const char *out;           /* pending output (WANT_WRITE) */
	size_t out_acked;
	unsigned char in[16];
	size_t in_cap;             /* what recv_buf offers */
	size_t in_len;
	int eof;
	int next_calls;
} fake_eng;

typedef struct {
	int state;
	const char *phase;
	char err[200];
	unsigned events;
	int event_r;               /* what the event callback returns */
	void *event_ev;
	int fail_r;                /* last r given to fail */
	int fail_calls;
} fake_sess;

enum { ST_OK = 1, ST_BROKEN = 7 };

static int
f_next(void *e, void *ev)
{
	fake_eng *f = e;
	(void)ev;
	f->next_calls++;
	return f->next_r;
}

static const unsigned char *
f_send_buf(const void *e, size_t *n)
{
	const fake_eng *f = e;
	*n = strlen(f->out);
	return (const unsigned char *)f->out;
}

static void
f_send_ack(void *e, size_t n)
{
	((fake_eng *)e)->out_acked += n;
}

static unsigned char *
f_recv_buf(void *e, size_t *n)
{
	fake_eng *f = e;
	*n = f->in_cap;
	return f->in + f->in_len;
}

static void
f_recv_ack(void *e, size_t n)
{
	((fake_eng *)e)->in_len += n;
}

static void
f_recv_eof(void *e)
{
	((fake_eng *)e)->eof = 1;
}

static int
s_event(void *ud, void *ev)
{
	fake_sess *s = ud;
	s->events++;
	s->event_ev = ev;
	if (s->event_r < 0)
		strcpy(s->err, "stopped");
	return s->event_r;
}

static int
s_fail(void *ud, int r)
{
	fake_sess *s = ud;
	s->fail_calls++;
	s->fail_r = r;
	strcpy(s->err, "engine");
	return r == LM_DONE ? LM_ERR_EOF : r;
}

static const lm_net__pump_ops ops = {
	"TEST", f_next, f_send_buf, f_send_ack, f_recv_buf, f_recv_ack,
	f_recv_eof, s_event, s_fail, ST_BROKEN
};

/* ---- a loopback connection -------------------------------------------- */

typedef struct {
	lm_conn *conn;
	int peer;                  /* the server's end */
	lm_net__pump p;
	fake_eng eng;
	fake_sess sess;
	int ev;
} rig;

static int
rig_open(rig *g, unsigned timeout_ms)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	lm_conn_opts o = LM_CONN_OPTS_INIT;
	int ls = socket(AF_INET, SOCK_STREAM, 0);

	memset(g, 0, sizeof *g);
	g->peer = -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(ls, 1) != 0 || getsockname(ls, (struct sockaddr *)&a, &al) != 0)
		return -1;
	o.timeout_ms = timeout_ms;
	if (lm_conn_open(&g->conn, "127.0.0.1", ntohs(a.sin_port), &o) != 0) {
		close(ls);
		return -1;
	}
	g->peer = accept(ls, NULL, NULL);
	close(ls);
	if (g->peer < 0)
		return -1;
	g->sess.state = ST_OK;
	g->sess.phase = "greeting";
	g->eng.in_cap = sizeof g->eng.in;
	lm_net__pump_init(&g->p, &ops, &g->sess, &g->sess.state, &g->eng, &g->ev,
	                  g->conn, "127.0.0.1", &g->sess.phase, g->sess.err,
	                  sizeof g->sess.err);
	return 0;
}

static void
rig_close(rig *g)
{
	if (g->peer >= 0)
		close(g->peer);
	lm_conn_close(g->conn);
}

/* ---- tests ------------------------------------------------------------- */

static void
t_write(void)
{
	rig g;
	char buf[32];
	ssize_t n;

	LM_CHECK(rig_open(&g, 2000) == 0);
	g.eng.next_r = LM_WANT_WRITE;
	g.eng.out = "EHLO x\r\n";
	LM_CHECK_EQ(lm_net__pump_step(&g.p), 0);
	LM_CHECK_EQ(g.eng.out_acked, 8);
	n = read(g.peer, buf, sizeof buf);
	LM_CHECK_EQ(n, 8);
	LM_CHECK_MEM(buf, "EHLO x\r\n", 8);
	LM_CHECK_EQ(g.sess.state, ST_OK);
	rig_close(&g);
}

static void
t_read_and_eof(void)
{
	rig g;

	LM_CHECK(rig_open(&g, 2000) == 0);
	g.eng.next_r = LM_WANT_READ;
	LM_CHECK_EQ(write(g.peer, "+OK hi\r\n", 8), 8);
	LM_CHECK_EQ(lm_net__pump_step(&g.p), 0);
	LM_CHECK_EQ(g.eng.in_len, 8);
	LM_CHECK_MEM(g.eng.in, "+OK hi\r\n", 8);
	LM_CHECK_EQ(g.eng.eof, 0);
	/* The peer closes: the engine is told, the step itself succeeds. */
	close(g.peer);
	g.peer = -1;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), 0);
	LM_CHECK_EQ(g.eng.eof, 1);
	LM_CHECK_EQ(g.sess.state, ST_OK);
	rig_close(&g);
}

static void
t_input_full(void)
{
	rig g;

	LM_CHECK(rig_open(&g, 2000) == 0);
	g.eng.next_r = LM_WANT_READ;
	g.eng.in_cap = 0;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_ERR_LIMIT);
	LM_CHECK(strcmp(g.sess.err, "TEST input buffer full") == 0);
	LM_CHECK_EQ(g.sess.state, ST_BROKEN);
	rig_close(&g);
}

static void
t_events(void)
{
	rig g;

	LM_CHECK(rig_open(&g, 2000) == 0);
	g.eng.next_r = LM_EVENT;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), 1);
	LM_CHECK_EQ(g.sess.events, 1);
	LM_CHECK(g.sess.event_ev == &g.ev);
	LM_CHECK_EQ(g.sess.state, ST_OK);
	/* A positive callback result is still "one event". */
	g.sess.event_r = 5;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), 1);
	g.sess.event_r = LM_ERR_CALLBACK;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_ERR_CALLBACK);
	LM_CHECK_EQ(g.sess.state, ST_BROKEN);
	LM_CHECK(strcmp(g.sess.err, "stopped") == 0);
	LM_CHECK_EQ(g.sess.fail_calls, 0);
	rig_close(&g);
}

static void
t_engine_end_and_errors(void)
{
	rig g;

	LM_CHECK(rig_open(&g, 2000) == 0);
	g.eng.next_r = LM_DONE;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_ERR_EOF);
	LM_CHECK_EQ(g.sess.fail_r, LM_DONE);
	LM_CHECK_EQ(g.sess.state, ST_BROKEN);
	g.sess.state = ST_OK;
	g.eng.next_r = LM_ERR_SASL;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_ERR_SASL);
	LM_CHECK_EQ(g.sess.fail_r, LM_ERR_SASL);
	LM_CHECK_EQ(g.sess.state, ST_BROKEN);
	/* 0 and unknown statuses are the engine breaking its contract. */
	g.eng.next_r = 0;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(g.sess.fail_r, LM_ERR_PROTOCOL);
	g.eng.next_r = 9;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(g.sess.fail_calls, 4);
	rig_close(&g);
}

static void
t_read_timeout_text(void)
{
	rig g;
	const char *want = "connection to 127.0.0.1 (greeting): ";

	LM_CHECK(rig_open(&g, 100) == 0);
	g.eng.next_r = LM_WANT_READ;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_ERR_TIMEOUT);
	LM_CHECK(strncmp(g.sess.err, want, strlen(want)) == 0);
	LM_CHECK(strlen(g.sess.err) > strlen(want));
	LM_CHECK_EQ(g.sess.state, ST_BROKEN);
	/* No phase: "session". */
	g.sess.phase = NULL;
	g.sess.state = ST_OK;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_ERR_TIMEOUT);
	want = "connection to 127.0.0.1 (session): ";
	LM_CHECK(strncmp(g.sess.err, want, strlen(want)) == 0);
	rig_close(&g);
}

static void
t_read_deadline(void)
{
	rig g;
	long long t0;

	LM_CHECK(rig_open(&g, 5000) == 0);
	g.eng.next_r = LM_WANT_READ;
	/* Passed already: no read at all, even with data waiting. */
	LM_CHECK_EQ(write(g.peer, "x", 1), 1);
	g.p.read_deadline = lm_net__now_ms() - 1;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_NET__PUMP_DEADLINE);
	LM_CHECK_EQ(g.eng.in_len, 0);
	/* Ahead: data before it is read normally. */
	g.p.read_deadline = lm_net__now_ms() + 2000;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), 0);
	LM_CHECK_EQ(g.eng.in_len, 1);
	/* Nothing comes: the deadline (150 ms), not the 5 s timeout, ends
	 * the wait, and is not a failure. */
	t0 = lm_net__now_ms();
	g.p.read_deadline = t0 + 150;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_NET__PUMP_DEADLINE);
	LM_CHECK(lm_net__now_ms() - t0 >= 140);
	LM_CHECK(lm_net__now_ms() - t0 < 4000);
	LM_CHECK_EQ(g.sess.state, ST_OK);
	/* The connection's own timeout is back for later reads. */
	LM_CHECK_EQ(g.conn->timeout_ms, 5000);
	rig_close(&g);
}

/* ---- the call's time limit ----------------------------------------------- */

static void
t_limit_ready_data(void)
{
	rig g;

	LM_CHECK(rig_open(&g, 5000) == 0);
	g.eng.next_r = LM_WANT_READ;
	LM_CHECK_EQ(write(g.peer, "+OK\r\n", 5), 5);
	/* Passed: nothing is read although data waits. */
	lm_net__conn_limit(g.conn, lm_net__now_ms() - 10, 5);
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_ERR_TIMEOUT);
	LM_CHECK_EQ(g.eng.in_len, 0);
	LM_CHECK(strcmp(g.sess.err, "connection to 127.0.0.1 (greeting): the "
	                "call's time limit (5 ms) ran out") == 0);
	LM_CHECK_EQ(g.sess.state, ST_BROKEN);
	/* 0: no limit any more. */
	lm_net__conn_limit(g.conn, lm_net__now_ms(), 0);
	g.sess.state = ST_OK;
	LM_CHECK_EQ(lm_net__pump_step(&g.p), 0);
	LM_CHECK_EQ(g.eng.in_len, 5);
	/* A later limit earlier than the one set wins, a later one not. */
	lm_net__conn_limit(g.conn, lm_net__now_ms(), 60000);
	lm_net__conn_limit_by(g.conn, lm_net__now_ms() - 1);
	LM_CHECK(lm_net__conn_limit_passed(g.conn));
	lm_net__conn_limit_by(g.conn, lm_net__now_ms() + 60000);
	LM_CHECK(lm_net__conn_limit_passed(g.conn));
	rig_close(&g);
}

/* A child that writes one byte every 100 ms to fd (at most n). */
static pid_t
dripper(int fd, int n)
{
	pid_t pid = fork();

	if (pid == 0) {
		int i;
		for (i = 0; i < n; i++) {
			struct timespec ts = { 0, 100 * 1000000L };
			nanosleep(&ts, NULL);
			if (write(fd, "x", 1) != 1)
				break;
		}
		_exit(0);
	}
	return pid;
}

static void
reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static void
t_limit_drip(void)
{
	rig g;
	long long t0, dt;
	size_t got = 0;
	pid_t pid;
	int r;

	/* Every read gets a byte long before the 1 s timeout; only the
	 * 600 ms limit ends the call. */
	LM_CHECK(rig_open(&g, 1000) == 0);
	g.eng.next_r = LM_WANT_READ;
	g.eng.in_cap = 1;
	pid = dripper(g.peer, 40);
	LM_CHECK(pid > 0);
	t0 = lm_net__now_ms();
	lm_net__conn_limit(g.conn, t0, 600);
	do {
		g.eng.in_len = 0;
		r = lm_net__pump_step(&g.p);
		got += g.eng.in_len;
	} while (r == 0 && lm_net__now_ms() - t0 < 5000);
	dt = lm_net__now_ms() - t0;
	reap(pid);
	LM_CHECK_EQ(r, LM_ERR_TIMEOUT);
	LM_CHECK(got >= 3);
	LM_CHECK(dt >= 590 && dt < 1000);
	LM_CHECK(strcmp(g.sess.err, "connection to 127.0.0.1 (greeting): the "
	                "call's time limit (600 ms) ran out") == 0);
	rig_close(&g);
}

static void
t_limit_write(void)
{
	rig g;
	size_t n = 64u * 1024 * 1024;
	char *big = malloc(n + 1);
	long long t0;

	/* The peer takes nothing: the write stops at the limit, not after
	 * the 5 s timeout. */
	LM_CHECK(big != NULL);
	if (big == NULL)
		return;
	memset(big, 'a', n);
	big[n] = '\0';
	LM_CHECK(rig_open(&g, 5000) == 0);
	g.eng.next_r = LM_WANT_WRITE;
	g.eng.out = big;
	t0 = lm_net__now_ms();
	lm_net__conn_limit(g.conn, t0, 300);
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_ERR_TIMEOUT);
	LM_CHECK(lm_net__now_ms() - t0 < 2000);
	LM_CHECK(strstr(g.sess.err, "time limit (300 ms)") != NULL);
	rig_close(&g);
	free(big);
}

static void
t_limit_tls_handshake(void)
{
	rig g;
	char err[300];
	long long t0;

	/* The server never answers the ClientHello. */
	LM_CHECK(rig_open(&g, 5000) == 0);
	t0 = lm_net__now_ms();
	lm_net__conn_limit(g.conn, t0, 300);
	LM_CHECK_EQ(lm_net__session_tls(g.conn, "127.0.0.1", err, sizeof err),
	            LM_ERR_TIMEOUT);
	LM_CHECK(lm_net__now_ms() - t0 < 2000);
	LM_CHECK(strcmp(err, "TLS with 127.0.0.1: the call's time limit "
	                "(300 ms) ran out") == 0);
	rig_close(&g);
}

static void
t_limit_connect(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	lm_conn_opts o = LM_CONN_OPTS_INIT;
	lm_conn *c = NULL;
	int fill[8], i, ls = socket(AF_INET, SOCK_STREAM, 0);
	long long t0;
	int r;

	/* A listener that accepts nobody, its queue full: the SYN of the
	 * next connect is dropped and it waits. */
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	LM_CHECK(ls >= 0 && bind(ls, (struct sockaddr *)&a, sizeof a) == 0 &&
	         listen(ls, 0) == 0 &&
	         getsockname(ls, (struct sockaddr *)&a, &al) == 0);
	for (i = 0; i < 8; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM, 0);
		fcntl(fill[i], F_SETFL, O_NONBLOCK);
		(void)connect(fill[i], (struct sockaddr *)&a, sizeof a);
	}
	o.timeout_ms = 5000;
	t0 = lm_net__now_ms();
	r = lm_net__conn_open(&c, "127.0.0.1", ntohs(a.sin_port), &o, 300);
	LM_CHECK_EQ(r, LM_ERR_TIMEOUT);
	LM_CHECK(lm_net__now_ms() - t0 < 2000);
	LM_CHECK(c == NULL);
	lm_conn_close(c);
	for (i = 0; i < 8; i++)
		close(fill[i]);
	close(ls);
}

/* IMAP IDLE: a read deadline before the limit ends the wait quietly; a
 * limit before the read deadline is a failure. */
static void
t_limit_and_read_deadline(void)
{
	rig g;
	long long t0;

	LM_CHECK(rig_open(&g, 5000) == 0);
	g.eng.next_r = LM_WANT_READ;
	t0 = lm_net__now_ms();
	g.p.read_deadline = t0 + 100;
	lm_net__conn_limit(g.conn, g.p.read_deadline, 200);
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_NET__PUMP_DEADLINE);
	LM_CHECK_EQ(g.sess.state, ST_OK);
	t0 = lm_net__now_ms();
	g.p.read_deadline = t0 + 3000;
	lm_net__conn_limit(g.conn, t0, 150);
	LM_CHECK_EQ(lm_net__pump_step(&g.p), LM_ERR_TIMEOUT);
	LM_CHECK(lm_net__now_ms() - t0 < 1000);
	LM_CHECK_EQ(g.sess.state, ST_BROKEN);
	rig_close(&g);
}

/* Counts events up to a target; stops at the first failure. */
static void
t_until(void)
{
	rig g;

	LM_CHECK(rig_open(&g, 2000) == 0);
	g.eng.next_r = LM_EVENT;
	LM_CHECK_EQ(lm_net__pump_until(&g.p, &g.sess.events, 3), 0);
	LM_CHECK_EQ(g.sess.events, 3);
	LM_CHECK_EQ(g.eng.next_calls, 3);
	/* Already there: no step. */
	LM_CHECK_EQ(lm_net__pump_until(&g.p, &g.sess.events, 2), 0);
	LM_CHECK_EQ(g.eng.next_calls, 3);
	g.eng.next_r = LM_DONE;
	LM_CHECK_EQ(lm_net__pump_until(&g.p, &g.sess.events, 10), LM_ERR_EOF);
	LM_CHECK_EQ(g.eng.next_calls, 4);
	rig_close(&g);
}

/* ---- lm_net__session_start() with scripted hooks ------------------------ */

static struct {
	int wait_r[2];             /* wait's result: greeting, reply to VERB */
	int caps_r;
	int starttls_r;
	char log[16];              /* hooks in order: g c s t d */
	const char *wait_phase[2]; /* the phase when wait ran */
} st;

static void
st_log(char c)
{
	size_t n = strlen(st.log);

	if (n + 1 < sizeof st.log) {
		st.log[n] = c;
		st.log[n + 1] = '\0';
	}
}

static int
st_wait(void *sv, int tls, char *why, size_t cap)
{
	fake_sess *s = sv;

	st_log(tls ? 't' : 'g');
	st.wait_phase[tls != 0] = s->phase;
	snprintf(why, cap, "%s", tls ? "-ERR not now" : "554 go away");
	return st.wait_r[tls != 0];
}

static int
st_caps(void *sv)
{
	fake_sess *s = sv;

	st_log('c');
	s->phase = "CAPA";
	return st.caps_r;
}

static int
st_starttls(void *sv)
{
	fake_sess *s = sv;

	st_log('s');
	if (st.starttls_r < 0 && st.starttls_r != LM_ERR_NO_STARTTLS)
		strcpy(s->err, "STLS: own text");
	return st.starttls_r;
}

static int
st_tls_done(void *sv)
{
	(void)sv;
	st_log('d');
	return 0;
}

static const lm_net__start_ops st_ops = {
	"STLS", "pop3s", st_wait, st_caps, st_starttls, st_tls_done
};

/* lm_net__session_start() with these hook results and URL / plaintext. */
static int
st_run(rig *g, int wait0, int wait1, int caps, int starttls, int implicit,
       int plaintext)
{
	lm_url u;

	memset(&u, 0, sizeof u);
	strcpy(u.host, "127.0.0.1");
	u.implicit_tls = implicit;
	memset(&st, 0, sizeof st);
	st.wait_r[0] = wait0;
	st.wait_r[1] = wait1;
	st.caps_r = caps;
	st.starttls_r = starttls;
	g->sess.err[0] = '\0';
	g->sess.phase = NULL;
	return lm_net__session_start(&g->p, &st_ops, &u, plaintext);
}

static void
t_start(void)
{
	rig g;

	LM_CHECK(rig_open(&g, 2000) == 0);
	/* A refused greeting: its text, nothing more asked. */
	LM_CHECK_EQ(st_run(&g, 0, 1, 0, 0, 0, 0), LM_ERR_REFUSED);
	LM_CHECK(strcmp(st.log, "g") == 0);
	LM_CHECK(st.wait_phase[0] && strcmp(st.wait_phase[0], "greeting") == 0);
	LM_CHECK(strcmp(g.sess.err, "server refused the session: 554 go away") == 0);
	/* A failed wait is returned as it is, its text left alone. */
	LM_CHECK_EQ(st_run(&g, LM_ERR_EOF, 1, 0, 0, 0, 0), LM_ERR_EOF);
	LM_CHECK(strcmp(st.log, "g") == 0);
	LM_CHECK_EQ(g.sess.err[0], '\0');
	/* Implicit TLS, or plaintext accepted: no upgrade. */
	LM_CHECK_EQ(st_run(&g, 1, 1, 0, 0, 1, 0), 0);
	LM_CHECK(strcmp(st.log, "gc") == 0);
	LM_CHECK_EQ(st_run(&g, 1, 1, 0, 0, 0, 1), 0);
	LM_CHECK(strcmp(st.log, "gc") == 0);
	/* Failed capabilities: no upgrade either. */
	LM_CHECK_EQ(st_run(&g, 1, 1, LM_ERR_REFUSED, 0, 0, 0), LM_ERR_REFUSED);
	LM_CHECK(strcmp(st.log, "gc") == 0);
	/* Not offered: the advice, the phase still the capabilities'. */
	LM_CHECK_EQ(st_run(&g, 1, 1, 0, LM_ERR_NO_STARTTLS, 0, 0),
	            LM_ERR_NO_STARTTLS);
	LM_CHECK(strcmp(st.log, "gcs") == 0);
	LM_CHECK(strcmp(g.sess.err, "server 127.0.0.1 does not offer STLS (use "
	                "pop3s:// or, only if you accept an unprotected "
	                "connection, plaintext)") == 0);
	LM_CHECK(g.sess.phase && strcmp(g.sess.phase, "CAPA") == 0);
	/* The command's own failure keeps the hook's text. */
	LM_CHECK_EQ(st_run(&g, 1, 1, 0, LM_ERR_BAD_STATE, 0, 0), LM_ERR_BAD_STATE);
	LM_CHECK(strcmp(st.log, "gcs") == 0);
	LM_CHECK(strcmp(g.sess.err, "STLS: own text") == 0);
	/* Refused: waited for in phase VERB. */
	LM_CHECK_EQ(st_run(&g, 1, 0, 0, 0, 0, 0), LM_ERR_STARTTLS_FAILED);
	LM_CHECK(strcmp(st.log, "gcst") == 0);
	LM_CHECK(st.wait_phase[1] && strcmp(st.wait_phase[1], "STLS") == 0);
	LM_CHECK(strcmp(g.sess.err, "server refused STLS: -ERR not now") == 0);
	LM_CHECK_EQ(st_run(&g, 1, LM_ERR_EOF, 0, 0, 0, 0), LM_ERR_EOF);
	LM_CHECK(strcmp(st.log, "gcst") == 0);
	LM_CHECK_EQ(g.sess.err[0], '\0');
	/* Go ahead, but the peer hangs up in the handshake: its text, and
	 * the engine is not told TLS is up. */
	close(g.peer);
	g.peer = -1;
	LM_CHECK(st_run(&g, 1, 1, 0, 0, 0, 0) < 0);
	LM_CHECK(strcmp(st.log, "gcst") == 0);
	LM_CHECK(strncmp(g.sess.err, "TLS with 127.0.0.1: ", 20) == 0);
	rig_close(&g);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_write),
		LM_TEST(t_read_and_eof),
		LM_TEST(t_input_full),
		LM_TEST(t_events),
		LM_TEST(t_engine_end_and_errors),
		LM_TEST(t_read_timeout_text),
		LM_TEST(t_read_deadline),
		LM_TEST(t_until),
		LM_TEST(t_limit_ready_data),
		LM_TEST(t_limit_drip),
		LM_TEST(t_limit_write),
		LM_TEST(t_limit_tls_handshake),
		LM_TEST(t_limit_connect),
		LM_TEST(t_limit_and_read_deadline),
		LM_TEST(t_start),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
