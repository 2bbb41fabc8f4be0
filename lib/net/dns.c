/*
 * libmail - name resolution and TCP connect with a timeout.
 *
 * Every address getaddrinfo() returns is tried in order (a host such as
 * "localhost" may resolve to ::1 first while the server listens on
 * 127.0.0.1 only), each with a non-blocking connect bounded by poll().
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "net_internal.h"

/*
 * A socket that is close-on-exec from the start: with SOCK_CLOEXEC
 * (Linux 2.6.27, the BSDs, POSIX 2024) in the same call, so that a
 * fork() and exec() in another thread of the program never inherits
 * it; else with fcntl() right after, racing with such a thread.
 */
static int
cloexec_socket(int family, int type, int protocol)
{
#ifdef SOCK_CLOEXEC
	return socket(family, type | SOCK_CLOEXEC, protocol);
#else
	int fd = socket(family, type, protocol);

	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
#endif
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL, 0);

	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Connect one address within timeout_ms, and by limit (0: none).
 * Returns 0, LM_ERR_TIMEOUT or LM_ERR_CONNECT; *eno gets the errno of a
 * failure. */
static int
connect_one(const struct addrinfo *ai, unsigned timeout_ms, long long limit,
            int *fdp, int *eno)
{
	long long deadline = lm_net__now_ms() + (long long)timeout_ms;
	int fd, r, soerr = 0;
	socklen_t sl = sizeof soerr;

	if (limit != 0 && limit < deadline)
		deadline = limit;
	fd = cloexec_socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd < 0) {
		*eno = errno;
		return LM_ERR_CONNECT;
	}
	if (set_nonblock(fd) < 0) {
		*eno = errno;
		close(fd);
		return LM_ERR_CONNECT;
	}
	/* an interrupted connect() goes on by itself (POSIX): calling it
	 * again would fail with EALREADY, so it is waited for like one in
	 * progress */
	r = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (r < 0 && errno != EINPROGRESS && errno != EINTR) {
		*eno = errno;
		close(fd);
		return LM_ERR_CONNECT;
	}
	if (r < 0) {
		for (;;) {
			struct pollfd pfd;
			long long left = deadline - lm_net__now_ms();
			if (left <= 0) {
				*eno = ETIMEDOUT;
				close(fd);
				return LM_ERR_TIMEOUT;
			}
			pfd.fd = fd;
			pfd.events = POLLOUT;
			pfd.revents = 0;
			r = poll(&pfd, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				*eno = errno;
				close(fd);
				return LM_ERR_CONNECT;
			}
			if (r > 0)
				break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr != 0) {
			*eno = soerr;
			close(fd);
			return LM_ERR_CONNECT;
		}
	}
	*fdp = fd;
	return 0;
}

int
lm_net__connect_list(const struct addrinfo *list, const char *host,
                     unsigned port, unsigned timeout_ms, long long limit,
                     int *fd, char *err, size_t errcap, lm_trace_fn trace,
                     void *trace_ud)
{
	const struct addrinfo *ai;
	char addr[INET6_ADDRSTRLEN];
	int r, result = LM_ERR_CONNECT, eno = 0, tried = 0;

	*fd = -1;
	for (ai = list; ai != NULL; ai = ai->ai_next) {
		const void *a = NULL;
		if (ai->ai_family == AF_INET)
			a = &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			a = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(ai->ai_family, a, addr, sizeof addr) == NULL)
			strcpy(addr, "?");
		if (tried > 0 && limit != 0 && lm_net__now_ms() >= limit)
			break; /* no time left for another address */
		tried++;
		r = connect_one(ai, timeout_ms, limit, fd, &eno);
		if (r == 0) {
			lm_net__note(trace, trace_ud, "connected to %s port %u",
			             addr, port);
			return 0;
		}
		lm_net__note(trace, trace_ud, "connect to %s port %u failed: %s",
		             addr, port, strerror(eno));
		snprintf(err, errcap, "cannot connect to %s (%s) port %u: %s",
		         host, addr, port, strerror(eno));
		/* a timeout on any address is reported as such if nothing
		 * else answered */
		if (r == LM_ERR_TIMEOUT || result != LM_ERR_TIMEOUT)
			result = r;
	}
	if (tried == 0)
		snprintf(err, errcap, "no usable address for %s", host);
	return result;
}

int
lm_net__tcp_connect(const char *host, unsigned port, unsigned timeout_ms,
                    long long limit, int *fd, char *err, size_t errcap,
                    lm_trace_fn trace, void *trace_ud)
{
	struct addrinfo hints, *res = NULL;
	char portstr[8];
	int r;

	*fd = -1;
	if (port == 0 || port > 65535)
		return LM_ERR_BAD_PARAM;
	snprintf(portstr, sizeof portstr, "%u", port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICSERV;
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r != 0) {
		snprintf(err, errcap, "cannot resolve %s: %s", host,
		         gai_strerror(r));
		return LM_ERR_DNS;
	}
	r = lm_net__connect_list(res, host, port, timeout_ms, limit, fd, err,
	                         errcap, trace, trace_ud);
	freeaddrinfo(res);
	return r;
}
