/*
 * The sockets libmail makes are close-on-exec from the moment they
 * exist: a program that forks and execs in another thread (a mail
 * client running a helper, a daemon spawning a hook) must not hand its
 * mail connection to the child, not even in the window between
 * socket() and a later fcntl(FD_CLOEXEC).
 *
 * This program defines socket() itself (Linux: the system call
 * underneath), so every socket() the library calls comes here, and
 * looks at the descriptor's flags before anyone else can touch it.
 */
/* syscall() is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "libmail/net.h"
#include "net/net_internal.h"
#include "test.h"
#include "net_test.h"

#if defined(__linux__) && defined(SYS_socket)
#define HAVE_SOCKET_HOOK 1
#else
#define HAVE_SOCKET_HOOK 0
#endif

static int made;      /* sockets made since the last reset */
static int inherited; /* of those, not close-on-exec when made */

#if HAVE_SOCKET_HOOK
int
socket(int domain, int type, int protocol)
{
	long fd = syscall(SYS_socket, domain, type, protocol);

	if (fd >= 0) {
		int fl = fcntl((int)fd, F_GETFD);
		made++;
		if (fl < 0 || !(fl & FD_CLOEXEC))
			inherited++;
	}
	return (int)fd;
}
#endif

static void
t_conn_open_cloexec(void)
{
	struct sockaddr_in sa;
	lm_conn_opts o = LM_CONN_OPTS_INIT;
	lm_conn *c = NULL;
	int lfd, fl;

	if (!HAVE_SOCKET_HOOK) {
		printf("  (no socket() hook on this system: skipped)\n");
		return;
	}
	lfd = lm_test_listen_loopback(&sa);
	made = inherited = 0;
	o.timeout_ms = 2000;
	LM_CHECK_EQ(lm_conn_open(&c, "127.0.0.1", ntohs(sa.sin_port), &o), 0);
	LM_CHECK_EQ(made, 1);
	LM_CHECK_EQ(inherited, 0);
	if (c != NULL) {
		fl = fcntl(c->fd, F_GETFD);
		LM_CHECK(fl >= 0 && (fl & FD_CLOEXEC));
		lm_conn_close(c);
	}
	close(lfd);
}

/* Every address tried gets its own socket: the one that failed too. */
static void
t_connect_list_cloexec(void)
{
	struct sockaddr_in sa;
	struct sockaddr_in6 sa6;
	struct addrinfo a6, a4;
	char err[256];
	int lfd, fd = -1, fl;

	if (!HAVE_SOCKET_HOOK)
		return;
	lfd = lm_test_listen_loopback(&sa);
	close(lfd); /* nothing listens: both addresses refuse */
	lm_test_v6_then_v4(&a6, &sa6, &a4, &sa);
	made = inherited = 0;
	LM_CHECK_EQ(lm_net__connect_list(&a6, "localhost", ntohs(sa.sin_port),
	                                 2000, 0, &fd, err, sizeof err, NULL,
	                                 NULL), LM_ERR_CONNECT);
	LM_CHECK(made >= 1); /* no IPv6 at all: socket() fails for ::1 */
	LM_CHECK_EQ(inherited, 0);
	/* the IPv4 one again, listening this time */
	lfd = lm_test_listen_loopback(&sa);
	a4.ai_addr = (struct sockaddr *)&sa;
	made = inherited = 0;
	LM_CHECK_EQ(lm_net__connect_list(&a4, "127.0.0.1", ntohs(sa.sin_port),
	                                 2000, 0, &fd, err, sizeof err, NULL,
	                                 NULL), 0);
	LM_CHECK_EQ(made, 1);
	LM_CHECK_EQ(inherited, 0);
	fl = fcntl(fd, F_GETFD);
	LM_CHECK(fl >= 0 && (fl & FD_CLOEXEC));
	if (fd >= 0)
		close(fd);
	close(lfd);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_conn_open_cloexec),
		LM_TEST(t_connect_list_cloexec),
	};

	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
