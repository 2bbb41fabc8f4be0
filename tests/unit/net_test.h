/*
 * Loopback helpers of the tests/unit/test_net_*.c programs: a listener
 * on a port the kernel chooses, and the address list "localhost" may
 * resolve to. Include after test.h (they use LM_CHECK).
 */
#ifndef LM_NET_TEST_H
#define LM_NET_TEST_H

#include <string.h>
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>

/* A socket listening on 127.0.0.1 at a port the kernel chose (in *sa). */
static inline int
lm_test_listen_loopback(struct sockaddr_in *sa)
{
	socklen_t sl = sizeof *sa;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	LM_CHECK(bind(lfd, (struct sockaddr *)sa, sizeof *sa) == 0);
	LM_CHECK(getsockname(lfd, (struct sockaddr *)sa, &sl) == 0);
	LM_CHECK(listen(lfd, 4) == 0);
	return lfd;
}

/* In *a6: the list [::1]:port, then *a4 = sa (127.0.0.1:port), as
 * getaddrinfo("localhost") may give it; sa6 holds the IPv6 address. */
static inline void
lm_test_v6_then_v4(struct addrinfo *a6, struct sockaddr_in6 *sa6,
                   struct addrinfo *a4, struct sockaddr_in *sa)
{
	memset(sa6, 0, sizeof *sa6);
	sa6->sin6_family = AF_INET6;
	sa6->sin6_port = sa->sin_port;
	sa6->sin6_addr = in6addr_loopback;
	memset(a6, 0, sizeof *a6);
	memset(a4, 0, sizeof *a4);
	a6->ai_family = AF_INET6;
	a6->ai_socktype = SOCK_STREAM;
	a6->ai_addr = (struct sockaddr *)sa6;
	a6->ai_addrlen = sizeof *sa6;
	a6->ai_next = a4;
	a4->ai_family = AF_INET;
	a4->ai_socktype = SOCK_STREAM;
	a4->ai_addr = (struct sockaddr *)sa;
	a4->ai_addrlen = sizeof *sa;
}

#endif
