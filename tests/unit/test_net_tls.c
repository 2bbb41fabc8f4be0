/*
 * TLS and connection tests against `openssl s_server` on loopback, with
 * a throw-away CA made by `openssl req` in a temporary directory.
 *
 * Expected outcomes follow from how the certificates are made (which CA
 * signed them, which names they carry) and from the TLS versions the
 * server is limited to; openssl is the independent peer.
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
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "libmail/net.h"
#include "net/net_internal.h"
#include "test.h"
#include "net_test.h"

static char dir[64];
static int have_openssl;

static int
sh(const char *fmt, const char *a)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd, fmt, a, a, a, a, a, a, a, a, a, a, a, a);
	return system(cmd);
}

static void
path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* A free loopback port (bind to 0, read it back, release it). */
static unsigned
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned port;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(fd);
		return 0;
	}
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static int
can_connect(unsigned port, int v6)
{
	struct sockaddr_in sa;
	struct sockaddr_in6 sa6;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0), r;

	memset(&sa, 0, sizeof sa);
	memset(&sa6, 0, sizeof sa6);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa6.sin6_family = AF_INET6;
	sa6.sin6_port = htons((unsigned short)port);
	sa6.sin6_addr = in6addr_loopback;
	if (v6)
		r = connect(fd, (struct sockaddr *)&sa6, sizeof sa6);
	else
		r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	close(fd);
	return r == 0;
}

/* Start `openssl s_server -rev` on 127.0.0.1:port (or [::1]:port) with
 * extra args. */
static pid_t
start_server_on(int v6, unsigned port, const char *cert, const char *key,
                const char *const *extra)
{
	char acc[32], certp[128], keyp[128];
	const char *argv[16];
	pid_t pid;
	int i, n = 0;

	snprintf(acc, sizeof acc, v6 ? "[::1]:%u" : "127.0.0.1:%u", port);
	path(certp, sizeof certp, cert);
	path(keyp, sizeof keyp, key);
	argv[n++] = "openssl";
	argv[n++] = "s_server";
	argv[n++] = "-accept";
	argv[n++] = acc;
	argv[n++] = "-cert";
	argv[n++] = certp;
	argv[n++] = "-key";
	argv[n++] = keyp;
	argv[n++] = "-rev";
	for (i = 0; extra != NULL && extra[i] != NULL && n < 15; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		FILE *f = freopen("/dev/null", "w", stdout);
		(void)f;
		f = freopen("/dev/null", "w", stderr);
		f = freopen("/dev/null", "r", stdin);
		execvp("openssl", (char *const *)(void *)argv);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		struct timespec ts = { 0, 50 * 1000000L };
		if (can_connect(port, v6))
			return pid;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return -1;
}

static pid_t
start_server(unsigned port, const char *cert, const char *key,
             const char *const *extra)
{
	return start_server_on(0, port, cert, key, extra);
}

static void
stop_server(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

static int
make_pki(void)
{
	static const char *script =
	    "cd %s && "
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
	    " -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=libmail test CA' "
	    " -addext basicConstraints=critical,CA:TRUE "
	    " -addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1 && "
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
	    " -nodes -keyout other.key -out other.crt -days 2 -subj '/CN=other CA' "
	    " -addext basicConstraints=critical,CA:TRUE "
	    " -addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1 && "
	    "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
	    " -nodes -keyout srv.key -out srv.csr -subj '/CN=localhost' >/dev/null 2>&1 && "
	    "printf 'subjectAltName=DNS:localhost,DNS:mail.test,IP:127.0.0.1,IP:::1\\n"
	    "basicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > srv.ext && "
	    "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    " -out srv.crt -days 2 -extfile srv.ext >/dev/null 2>&1 && "
	    /* a certificate with DNS names only: must not match an IP literal */
	    "printf 'subjectAltName=DNS:localhost,DNS:127.0.0.1\\n' > dns.ext && "
	    "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    " -out dns.crt -days 2 -extfile dns.ext >/dev/null 2>&1 && "
	    /* CN=localhost and no subjectAltName: names no host (RFC 9525) */
	    "printf 'basicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > cn.ext && "
	    "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    " -out cnonly.crt -days 2 -extfile cn.ext >/dev/null 2>&1 && "
	    /* CN=localhost, subjectAltNames without a dNSName */
	    "printf 'subjectAltName=IP:127.0.0.1\\n' > ip.ext && "
	    "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    " -out iponly.crt -days 2 -extfile ip.ext >/dev/null 2>&1 && "
	    /* CN=localhost, a dNSName for another host: the SAN decides */
	    "printf 'subjectAltName=DNS:mail.test\\n' > other.ext && "
	    "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    " -out sanother.crt -days 2 -extfile other.ext >/dev/null 2>&1 && "
	    /* right names, right CA, but its notAfter was yesterday */
	    "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    " -out expired.crt -days -1 -extfile srv.ext >/dev/null 2>&1 && "
	    /* an RSA key: static RSA and (EC)DHE-RSA suites need one */
	    "openssl req -new -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr "
	    " -subj '/CN=localhost' >/dev/null 2>&1 && "
	    "openssl x509 -req -in rsa.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    " -out rsa.crt -days 2 -extfile srv.ext >/dev/null 2>&1 && "
	    /* a DHE group of 1536 bits (RFC 3526's), too small here but
	     * not for mbedTLS alone (1024) */
	    "openssl genpkey -genparam -algorithm DH -pkeyopt group:modp_1536 "
	    " -out dh1536.pem >/dev/null 2>&1";

	return sh(script, dir) == 0;
}

static int
open_local(lm_conn **c, const char *host, unsigned port, const char *ca,
           unsigned timeout_ms)
{
	lm_conn_opts o = LM_CONN_OPTS_INIT;
	char cafile[128];

	path(cafile, sizeof cafile, ca);
	o.cafile = cafile;
	o.timeout_ms = timeout_ms;
	return lm_conn_open(c, host, port, &o);
}

static void
t_tls_good_dns_name(void)
{
	unsigned port = free_port();
	pid_t pid;
	lm_conn *c = NULL;
	char buf[64];
	size_t got = 0, have = 0;
	int r;

	if (!have_openssl)
		return;
	pid = start_server(port, "srv.crt", "srv.key", NULL);
	LM_CHECK(pid > 0);
	/* "localhost" may resolve to ::1 first; the server listens on
	 * 127.0.0.1 only, so this also checks the fallback */
	LM_CHECK_EQ(open_local(&c, "localhost", port, "ca.crt", 5000), 0);
	if (c != NULL) {
		r = lm_conn_start_tls(c, "localhost");
		if (r != 0)
			printf("  %s\n", lm_conn_last_error_text(c));
		LM_CHECK_EQ(r, 0);
		LM_CHECK_EQ(lm_conn_is_tls(c), 1);
		LM_CHECK_EQ(lm_conn_write(c, "hello\n", 6), 0);
		/* s_server -rev sends each line back reversed */
		while (have < 5) {
			r = lm_conn_read(c, buf + have, sizeof buf - have, &got);
			if (r != 0)
				break;
			have += got;
		}
		LM_CHECK(have >= 5);
		LM_CHECK_MEM(buf, "olleh", 5);
		lm_conn_close(c);
	}
	stop_server(pid);
}

static void
t_tls_good_ip_literal(void)
{
	unsigned port = free_port();
	pid_t pid;
	lm_conn *c = NULL;
	int r;

	if (!have_openssl)
		return;
	pid = start_server(port, "srv.crt", "srv.key", NULL);
	LM_CHECK(pid > 0);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, "ca.crt", 5000), 0);
	if (c != NULL) {
		r = lm_conn_start_tls(c, "127.0.0.1");
		if (r != 0)
			printf("  %s\n", lm_conn_last_error_text(c));
		LM_CHECK_EQ(r, 0);
		lm_conn_close(c);
	}
	stop_server(pid);
}

static void
t_tls_ipv6_literal(void)
{
	unsigned port = free_port();
	pid_t pid;
	lm_conn *c = NULL;
	int r;

	if (!have_openssl)
		return;
	pid = start_server_on(1, port, "srv.crt", "srv.key", NULL);
	if (pid < 0) {
		printf("  (no IPv6 loopback: skipped)\n");
		return;
	}
	LM_CHECK_EQ(open_local(&c, "::1", port, "ca.crt", 5000), 0);
	if (c != NULL) {
		r = lm_conn_start_tls(c, "::1");
		if (r != 0)
			printf("  %s\n", lm_conn_last_error_text(c));
		LM_CHECK_EQ(r, 0);
		lm_conn_close(c);
	}
	c = NULL;
	LM_CHECK_EQ(open_local(&c, "::1", port, "ca.crt", 5000), 0);
	if (c != NULL) {
		/* same 16-byte length, different address */
		LM_CHECK_EQ(lm_conn_start_tls(c, "::2"), LM_ERR_CERT);
		lm_conn_close(c);
	}
	c = NULL;
	LM_CHECK_EQ(open_local(&c, "::1", port, "ca.crt", 5000), 0);
	if (c != NULL) {
		/* IPv4-mapped form of 127.0.0.1 is not the IPv4 SAN */
		LM_CHECK_EQ(lm_conn_start_tls(c, "::ffff:127.0.0.1"), LM_ERR_CERT);
		lm_conn_close(c);
	}
	stop_server(pid);
}

/* Start TLS to host on a server with cert (key srv.key), trusting ca;
 * the result must be LM_ERR_CERT with exactly "certificate for <host>:
 * <why>". */
static void
cert_refused(const char *cert, const char *ca, const char *host,
             const char *why)
{
	unsigned port = free_port();
	pid_t pid = start_server(port, cert, "srv.key", NULL);
	lm_conn *c = NULL;
	char want[256];

	LM_CHECK(pid > 0);
	snprintf(want, sizeof want, "certificate for %s: %s", host, why);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, ca, 5000), 0);
	if (c != NULL) {
		LM_CHECK_EQ(lm_conn_start_tls(c, host), LM_ERR_CERT);
		if (strcmp(lm_conn_last_error_text(c), want) != 0)
			printf("  %s: got \"%s\"\n", cert,
			       lm_conn_last_error_text(c));
		LM_CHECK(strcmp(lm_conn_last_error_text(c), want) == 0);
		LM_CHECK_EQ(lm_conn_is_tls(c), 0);
		lm_conn_close(c);
	}
	stop_server(pid);
}

static void
t_tls_wrong_host(void)
{
	unsigned port = free_port();
	pid_t pid;
	lm_conn *c = NULL;

	if (!have_openssl)
		return;
	pid = start_server(port, "srv.crt", "srv.key", NULL);
	LM_CHECK(pid > 0);
	/* DNS name not in the certificate */
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, "ca.crt", 5000), 0);
	if (c != NULL) {
		LM_CHECK_EQ(lm_conn_start_tls(c, "wrong.test"), LM_ERR_CERT);
		/* the names the certificate has (openssl put them there) */
		LM_CHECK(strstr(lm_conn_last_error_text(c), "issued for "
		                "localhost, mail.test, not for wrong.test") != NULL);
		LM_CHECK_EQ(lm_conn_is_tls(c), 0);
		/* no I/O after a failed handshake */
		LM_CHECK_EQ(lm_conn_write(c, "x", 1), LM_ERR_BAD_STATE);
		lm_conn_close(c);
	}
	/* IP literal not in the certificate */
	c = NULL;
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, "ca.crt", 5000), 0);
	if (c != NULL) {
		LM_CHECK_EQ(lm_conn_start_tls(c, "127.0.0.2"), LM_ERR_CERT);
		lm_conn_close(c);
	}
	stop_server(pid);
	/* the wrong name and an unknown CA: both said, the name first */
	cert_refused("srv.crt", "other.crt", "wrong.test",
	             "issued for localhost, mail.test, not for wrong.test; The "
	             "certificate is not correctly signed by the trusted CA");
}

static void
t_tls_ip_needs_ip_san(void)
{
	unsigned port = free_port();
	pid_t pid;
	lm_conn *c = NULL;

	if (!have_openssl)
		return;
	/* the name "127.0.0.1" as a dNSName is not an iPAddress SAN */
	cert_refused("dns.crt", "ca.crt", "127.0.0.1",
	             "no matching iPAddress subjectAltName");
	pid = start_server(port, "dns.crt", "srv.key", NULL);
	LM_CHECK(pid > 0);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, "ca.crt", 5000), 0);
	if (c != NULL) {
		LM_CHECK_EQ(lm_conn_start_tls(c, "localhost"), 0);
		lm_conn_close(c);
	}
	stop_server(pid);
}

/*
 * RFC 9525: a DNS name is matched against dNSName subjectAltNames
 * only, never the subject CN. mbedTLS falls back to the CN when the
 * leaf has no subjectAltName extension (cnonly.crt, CN=localhost):
 * refused all the same. With a subjectAltName extension mbedTLS itself
 * ignores the CN (sanother.crt); one without a dNSName (iponly.crt)
 * names no DNS host. The IP literal still matches iponly.crt's SAN.
 */
static void
t_tls_cn_not_used(void)
{
	unsigned port;
	pid_t pid;
	lm_conn *c = NULL;
	int r;

	if (!have_openssl)
		return;
	cert_refused("cnonly.crt", "ca.crt", "localhost",
	             "no DNS subjectAltName (the CN is not used)");
	cert_refused("iponly.crt", "ca.crt", "localhost",
	             "no DNS subjectAltName (the CN is not used)");
	cert_refused("sanother.crt", "ca.crt", "localhost",
	             "issued for mail.test, not for localhost");
	/* the name first, then what else is wrong (never "the CN does not
	 * match": the CN is not used) */
	cert_refused("cnonly.crt", "other.crt", "localhost",
	             "no DNS subjectAltName (the CN is not used); The "
	             "certificate is not correctly signed by the trusted CA");
	port = free_port();
	pid = start_server(port, "iponly.crt", "srv.key", NULL);
	LM_CHECK(pid > 0);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, "ca.crt", 5000), 0);
	if (c != NULL) {
		r = lm_conn_start_tls(c, "127.0.0.1");
		if (r != 0)
			printf("  %s\n", lm_conn_last_error_text(c));
		LM_CHECK_EQ(r, 0);
		lm_conn_close(c);
	}
	stop_server(pid);
}

static void
t_tls_unknown_ca(void)
{
	unsigned port = free_port();
	pid_t pid;
	lm_conn *c = NULL;

	if (!have_openssl)
		return;
	pid = start_server(port, "srv.crt", "srv.key", NULL);
	LM_CHECK(pid > 0);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, "other.crt", 5000), 0);
	if (c != NULL) {
		LM_CHECK_EQ(lm_conn_start_tls(c, "localhost"), LM_ERR_CERT);
		LM_CHECK(lm_conn_last_error_text(c)[0] != '\0');
		lm_conn_close(c);
	}
	/* the system store does not know the throw-away CA either */
	c = NULL;
	{
		lm_conn_opts o = LM_CONN_OPTS_INIT;
		o.timeout_ms = 5000;
		LM_CHECK_EQ(lm_conn_open(&c, "127.0.0.1", port, &o), 0);
		if (c != NULL) {
			LM_CHECK_EQ(lm_conn_start_tls(c, "localhost"), LM_ERR_CERT);
			lm_conn_close(c);
		}
	}
	stop_server(pid);
}

static void
t_tls_expired(void)
{
	unsigned port = free_port();
	pid_t pid;
	lm_conn *c = NULL;

	if (!have_openssl)
		return;
	pid = start_server(port, "expired.crt", "srv.key", NULL);
	LM_CHECK(pid > 0);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, "ca.crt", 5000), 0);
	if (c != NULL) {
		LM_CHECK_EQ(lm_conn_start_tls(c, "localhost"), LM_ERR_CERT);
		LM_CHECK(strstr(lm_conn_last_error_text(c), "expired") != NULL);
		lm_conn_close(c);
	}
	stop_server(pid);
}

static void
t_tls_old_version(void)
{
	unsigned port = free_port();
	pid_t pid;
	lm_conn *c = NULL;

	if (!have_openssl)
		return;
	/* TLS 1.1 only (OpenSSL 3 needs security level 0 for it) */
	{
		static const char *const old[] = { "-tls1_1", "-cipher",
		                                   "DEFAULT@SECLEVEL=0", NULL };
		pid = start_server(port, "srv.crt", "srv.key", old);
	}
	LM_CHECK(pid > 0);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, "ca.crt", 5000), 0);
	if (c != NULL) {
		LM_CHECK_EQ(lm_conn_start_tls(c, "localhost"), LM_ERR_TLS);
		lm_conn_close(c);
	}
	stop_server(pid);
}

static char suite_note[128];

static void
suite_cb(char d, const char *line, size_t len, void *ud)
{
	(void)ud;
	if (d == '*' && len > 17 && len < sizeof suite_note &&
	    memcmp(line, "TLS established: ", 17) == 0) {
		memcpy(suite_note, line + 17, len - 17);
		suite_note[len - 17] = '\0';
	}
}

/* TLS with `openssl s_server -tls1_2 -cipher ciphers [extra]` on cert
 * (key key); the suite agreed, as the trace note names it, in
 * suite_note ("" if none), the error text in err. */
static int
tls_with(const char *cert, const char *key, const char *ciphers,
         const char *extra, const char *groups, char *err, size_t errcap)
{
	const char *args[8] = { "-tls1_2", NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	unsigned port = free_port();
	lm_conn_opts o = LM_CONN_OPTS_INIT;
	char cafile[128], dhfile[128];
	lm_conn *c = NULL;
	pid_t pid;
	int r, n = 1;

	if (ciphers != NULL) {
		args[n++] = "-cipher";
		args[n++] = ciphers;
	}
	if (extra != NULL) {
		path(dhfile, sizeof dhfile, extra);
		args[n++] = "-dhparam";
		args[n++] = dhfile;
	}
	if (groups != NULL) {
		args[n++] = "-groups";
		args[n++] = groups;
	}
	suite_note[0] = err[0] = '\0';
	pid = start_server(port, cert, key, args);
	LM_CHECK(pid > 0);
	path(cafile, sizeof cafile, "ca.crt");
	o.cafile = cafile;
	o.timeout_ms = 5000;
	o.trace = suite_cb;
	r = lm_conn_open(&c, "127.0.0.1", port, &o);
	LM_CHECK_EQ(r, 0);
	if (c != NULL) {
		r = lm_conn_start_tls(c, "localhost");
		snprintf(err, errcap, "%s", lm_conn_last_error_text(c));
		lm_conn_close(c);
	}
	stop_server(pid);
	return r;
}

/*
 * Only forward secrecy (ECDHE; DHE with 2048 bits or more) and AEAD
 * ciphers (AES-GCM, ChaCha20-Poly1305) are offered: a server that has
 * nothing else is refused with LM_ERR_TLS, saying why it may be.
 * mbedTLS's default list would agree on each of the refused ones.
 */
static void
t_tls_suites(void)
{
	static const struct {
		const char *cert, *key, *ciphers, *dh;
		int want;
		const char *suite; /* in the trace note when accepted */
	} cases[] = {
		/* static RSA key exchange: no forward secrecy */
		{ "rsa.crt", "rsa.key", "AES128-GCM-SHA256", NULL, LM_ERR_TLS, NULL },
		{ "rsa.crt", "rsa.key", "AES256-GCM-SHA384", NULL, LM_ERR_TLS, NULL },
		{ "rsa.crt", "rsa.key", "AES128-SHA256", NULL, LM_ERR_TLS, NULL },
		/* forward secrecy, but CBC */
		{ "rsa.crt", "rsa.key", "ECDHE-RSA-AES128-SHA256", NULL, LM_ERR_TLS, NULL },
		{ "srv.crt", "srv.key", "ECDHE-ECDSA-AES128-SHA", NULL, LM_ERR_TLS, NULL },
		{ "rsa.crt", "rsa.key", "DHE-RSA-AES128-SHA256", NULL, LM_ERR_TLS, NULL },
		/* forward secrecy, but other AEAD ciphers */
		{ "srv.crt", "srv.key", "ECDHE-ECDSA-AES128-CCM", NULL, LM_ERR_TLS, NULL },
		{ "rsa.crt", "rsa.key", "ECDHE-ARIA128-GCM-SHA256", NULL, LM_ERR_TLS, NULL },
		/* DHE with a 1536-bit group (OpenSSL needs level 0 for it) */
		{ "rsa.crt", "rsa.key", "DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
		  "dh1536.pem", LM_ERR_TLS, NULL },
		/* accepted */
		{ "rsa.crt", "rsa.key", "ECDHE-RSA-AES128-GCM-SHA256", NULL, 0,
		  "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256" },
		{ "rsa.crt", "rsa.key", "ECDHE-RSA-AES256-GCM-SHA384", NULL, 0,
		  "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384" },
		{ "rsa.crt", "rsa.key", "ECDHE-RSA-CHACHA20-POLY1305", NULL, 0,
		  "TLS-ECDHE-RSA-WITH-CHACHA20-POLY1305-SHA256" },
		{ "srv.crt", "srv.key", "ECDHE-ECDSA-AES256-GCM-SHA384", NULL, 0,
		  "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384" },
		{ "srv.crt", "srv.key", "ECDHE-ECDSA-CHACHA20-POLY1305", NULL, 0,
		  "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256" },
		/* OpenSSL's own DHE group for a 2048-bit key: 2048 bits */
		{ "rsa.crt", "rsa.key", "DHE-RSA-AES128-GCM-SHA256", NULL, 0,
		  "TLS-DHE-RSA-WITH-AES-128-GCM-SHA256" },
		{ "rsa.crt", "rsa.key", "DHE-RSA-CHACHA20-POLY1305", NULL, 0,
		  "TLS-DHE-RSA-WITH-CHACHA20-POLY1305-SHA256" },
		/* Debian's OpenSSL defaults: ECDHE and the client's first
		 * choice (s_server keeps the client's order) */
		{ "rsa.crt", "rsa.key", NULL, NULL, 0,
		  "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256" },
		{ "srv.crt", "srv.key", NULL, NULL, 0,
		  "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256" },
	};
	char err[256];
	size_t i;
	int r;

	if (!have_openssl)
		return;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = tls_with(cases[i].cert, cases[i].key, cases[i].ciphers,
		             cases[i].dh, NULL, err, sizeof err);
		if (r != cases[i].want)
			printf("  %s: got %d (%s) %s\n", cases[i].ciphers ?
			       cases[i].ciphers : "(default)", r, suite_note, err);
		LM_CHECK_EQ(r, cases[i].want);
		if (cases[i].want != 0 && cases[i].dh == NULL)
			LM_CHECK(strstr(err, "no TLS version or cipher "
			                "suite in common?") != NULL);
		if (cases[i].suite != NULL && r == 0) {
			if (strstr(suite_note, cases[i].suite) == NULL)
				printf("  agreed on %s\n", suite_note);
			LM_CHECK(strstr(suite_note, cases[i].suite) != NULL);
		}
	}
}

/*
 * ECDHE over X25519, P-256, P-384 or P-521 only: mbedTLS 2.28's default list
 * also offers secp192r1, secp224r1 and the Koblitz curves, and a server
 * limited to one of those got its way.
 */
static void
t_tls_groups(void)
{
	static const struct {
		const char *groups;
		int want;
	} cases[] = {
		{ "secp192r1", LM_ERR_TLS }, { "secp224r1", LM_ERR_TLS },
		{ "secp256k1", LM_ERR_TLS }, { "brainpoolP256r1", LM_ERR_TLS },
		{ "X25519", 0 }, { "P-256", 0 }, { "P-384", 0 }, { "P-521", 0 },
		{ "secp224r1:P-384", 0 },
	};
	char err[256];
	size_t i;
	int r;

	if (!have_openssl)
		return;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = tls_with("rsa.crt", "rsa.key", "ECDHE-RSA-AES128-GCM-SHA256", NULL,
		             cases[i].groups, err, sizeof err);
		if (r != cases[i].want)
			printf("  %s: got %d %s\n", cases[i].groups, r, err);
		LM_CHECK_EQ(r, cases[i].want);
	}
}

/*
 * A server with an RSA key, TLS 1.2 only or 1.2 and 1.3: each agrees
 * with the client. With mbedTLS 3.x the client offers RSA-PSS (TLS 1.3
 * needs it); offered before PKCS#1 v1.5, a TLS 1.2 OpenSSL server signed
 * with it, which mbedTLS 3.6.6's TLS 1.2 client refuses: no handshake.
 */
static void
t_tls_rsa_versions(void)
{
	static const char *const tls12[] = { "-tls1_2", NULL };
	const char *const *args[] = { tls12, NULL };
	char cafile[128];
	size_t i;

	if (!have_openssl)
		return;
	path(cafile, sizeof cafile, "ca.crt");
	for (i = 0; i < sizeof args / sizeof args[0]; i++) {
		unsigned port = free_port();
		lm_conn_opts o = LM_CONN_OPTS_INIT;
		lm_conn *c = NULL;
		pid_t pid = start_server(port, "rsa.crt", "rsa.key", args[i]);
		int r;

		LM_CHECK(pid > 0);
		suite_note[0] = '\0';
		o.cafile = cafile;
		o.timeout_ms = 5000;
		o.trace = suite_cb;
		LM_CHECK_EQ(lm_conn_open(&c, "127.0.0.1", port, &o), 0);
		if (c != NULL) {
			r = lm_conn_start_tls(c, "localhost");
			if (r != 0)
				printf("  %s: %s\n", args[i] ? "TLS 1.2" : "TLS 1.2-1.3",
				       lm_conn_last_error_text(c));
			LM_CHECK_EQ(r, 0);
			LM_CHECK(suite_note[0] != '\0');
			lm_conn_close(c);
		}
		stop_server(pid);
	}
}

static void
t_tls_missing_cafile(void)
{
	unsigned port = free_port();
	pid_t pid;
	lm_conn *c = NULL;

	if (!have_openssl)
		return;
	pid = start_server(port, "srv.crt", "srv.key", NULL);
	LM_CHECK(pid > 0);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, "does-not-exist.pem", 5000), 0);
	if (c != NULL) {
		LM_CHECK_EQ(lm_conn_start_tls(c, "localhost"), LM_ERR_CERT);
		lm_conn_close(c);
	}
	stop_server(pid);
}

static void
t_conn_refused(void)
{
	unsigned port = free_port();
	lm_conn *c = NULL;

	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, "ca.crt", 2000), LM_ERR_CONNECT);
	LM_CHECK(c == NULL);
}

static void
t_conn_timeouts(void)
{
	struct sockaddr_in sa;
	int lfd;
	lm_conn *c = NULL;
	char buf[16];
	size_t got = 1;
	long t0;

	/* a listener that never accepts: the kernel completes the TCP
	 * handshake, then nothing is ever said */
	lfd = lm_test_listen_loopback(&sa);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", ntohs(sa.sin_port), "ca.crt", 300), 0);
	if (c != NULL) {
		t0 = (long)time(NULL);
		LM_CHECK_EQ(lm_conn_read(c, buf, sizeof buf, &got), LM_ERR_TIMEOUT);
		LM_CHECK_EQ(got, 0);
		LM_CHECK(time(NULL) - t0 < 3);
		lm_conn_close(c);
	}
	c = NULL;
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", ntohs(sa.sin_port), "ca.crt", 300), 0);
	if (c != NULL) {
		/* SNI and the certificate names are ASCII (A-labels): a
		 * U-label or a control byte never reaches mbedTLS, and the
		 * connection is still usable for the real name */
		LM_CHECK_EQ(lm_conn_start_tls(c, "b\xc3\xbc" "cher.example"),
		            LM_ERR_BAD_PARAM);
		LM_CHECK_EQ(lm_conn_start_tls(c, "localhost\r\n"), LM_ERR_BAD_PARAM);
		LM_CHECK_EQ(lm_conn_start_tls(c, "local host"), LM_ERR_BAD_PARAM);
	}
	if (c != NULL && have_openssl) {
		LM_CHECK_EQ(lm_conn_start_tls(c, "localhost"), LM_ERR_TIMEOUT);
	}
	lm_conn_close(c);
	close(lfd);
}

/*
 * A "server" that answers the ClientHello with TLS warning alerts
 * (plaintext records 15 03 03 00 02 01 5a: warning, user_canceled),
 * back to back for 4 s, then closes. mbedTLS skips warning alerts
 * and reads the next record, so every receive finds data ready: the
 * handshake must still end with LM_ERR_TIMEOUT within the connection's
 * timeout (300 ms), as documented, not run as long as the flood lasts.
 */
/*
 * A write that timed out leaves the stream in an unknown state: part
 * of the bytes went out, and with TLS the rest of a record is still
 * queued inside mbedTLS, whose next mbedtls_ssl_write() sends that
 * rest and reports the NEW bytes as written without sending them. So
 * a later lm_conn_write() must fail, never return 0 for bytes that
 * never reach the peer. s_server -rev echoes each line reversed: the
 * client writes without reading until the echo fills its receive
 * buffer and the server stops reading, then drains the echo and
 * writes a marker line, which the server would echo if it got it.
 */
static void
t_tls_write_after_timeout(void)
{
	static char chunk[8192];
	unsigned port = free_port();
	pid_t pid;
	lm_conn *c = NULL;
	char buf[4096], tail[8] = "";
	size_t got, i;
	int r = 0, n;

	if (!have_openssl)
		return;
	for (i = 0; i < sizeof chunk; i++)
		chunk[i] = (i % 128 == 127) ? '\n' : 'a';
	pid = start_server(port, "srv.crt", "srv.key", NULL);
	LM_CHECK(pid > 0);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", port, "ca.crt", 300), 0);
	if (c != NULL && lm_conn_start_tls(c, "localhost") == 0) {
		for (n = 0; n < 20000 && r == 0; n++)
			r = lm_conn_write(c, chunk, sizeof chunk);
		LM_CHECK_EQ(r, LM_ERR_TIMEOUT);
		while (lm_conn_read(c, buf, sizeof buf, &got) == 0)
			;
		r = lm_conn_write(c, "rekram\n", 7);
		/* the last 7 bytes echoed */
		while (r == 0 && lm_conn_read(c, buf, sizeof buf, &got) == 0)
			for (i = 0; i < got; i++) {
				memmove(tail, tail + 1, 6);
				tail[6] = buf[i];
			}
		if (r == 0 && strcmp(tail, "marker\n") != 0)
			printf("  the write returned 0, its bytes never arrived\n");
		LM_CHECK_EQ(r, LM_ERR_BAD_STATE);
		/* reading still works */
		LM_CHECK_EQ(lm_conn_read(c, buf, sizeof buf, &got), LM_ERR_TIMEOUT);
	}
	lm_conn_close(c);
	stop_server(pid);
}

static void
t_tls_alert_flood(void)
{
	static const unsigned char alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02,
	                                       0x01, 0x5a };
	struct sockaddr_in sa;
	int lfd;
	lm_conn *c = NULL;
	struct timespec t0, t1;
	long ms;
	pid_t pid;

	lfd = lm_test_listen_loopback(&sa);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		static unsigned char burst[sizeof alert * 8192];
		unsigned char hello[4096];
		time_t end;
		size_t i;
		int afd = accept(lfd, NULL, NULL);

		if (afd < 0 || read(afd, hello, sizeof hello) <= 0)
			_exit(1);
		/* bursts that keep the socket buffer full */
		for (i = 0; i < sizeof burst; i += sizeof alert)
			memcpy(burst + i, alert, sizeof alert);
		end = time(NULL) + 4;
		while (time(NULL) < end)
			if (write(afd, burst, sizeof burst) < 0)
				break;
		close(afd);
		_exit(0);
	}
	LM_CHECK(pid > 0);
	close(lfd);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", ntohs(sa.sin_port), "ca.crt",
	                       300), 0);
	if (c != NULL && have_openssl) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		LM_CHECK_EQ(lm_conn_start_tls(c, "localhost"), LM_ERR_TIMEOUT);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (long)(t1.tv_sec - t0.tv_sec) * 1000 +
		     (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= 2000)
			printf("  handshake took %ld ms: %s\n", ms,
			       lm_conn_last_error_text(c));
		LM_CHECK(ms < 2000);
	}
	lm_conn_close(c);
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

static void
t_conn_eof(void)
{
	struct sockaddr_in sa;
	int lfd, afd;
	lm_conn *c = NULL;
	char buf[16];
	size_t got;

	lfd = lm_test_listen_loopback(&sa);
	LM_CHECK_EQ(open_local(&c, "127.0.0.1", ntohs(sa.sin_port), "ca.crt", 2000), 0);
	afd = accept(lfd, NULL, NULL);
	LM_CHECK(afd >= 0);
	LM_CHECK(write(afd, "220 hi\r\n", 8) == 8);
	close(afd);
	if (c != NULL) {
		LM_CHECK_EQ(lm_conn_read(c, buf, sizeof buf, &got), 0);
		LM_CHECK_EQ(got, 8);
		LM_CHECK_EQ(lm_conn_read(c, buf, sizeof buf, &got), LM_ERR_EOF);
		/* writing to a closed peer: an error, never SIGPIPE */
		{
			int i, r = 0;
			for (i = 0; i < 20 && r == 0; i++)
				r = lm_conn_write(c, "QUIT\r\n", 6);
			LM_CHECK_EQ(r, LM_ERR_IO);
		}
		lm_conn_close(c);
	}
	close(lfd);
}

static int notes_v6_failed;

static void
note_cb(char d, const char *line, size_t len, void *ud)
{
	(void)ud;
	if (d == '*' && len > 14 && memcmp(line, "connect to ::1", 14) == 0)
		notes_v6_failed++;
}

static void
t_conn_fallback(void)
{
	/* "localhost" may resolve to ::1 first while the server listens on
	 * 127.0.0.1 only: every address is tried in order */
	struct sockaddr_in sa;
	struct sockaddr_in6 sa6;
	struct addrinfo a6, a4;
	int lfd, fd = -1, afd;
	char err[256];

	lfd = lm_test_listen_loopback(&sa);
	lm_test_v6_then_v4(&a6, &sa6, &a4, &sa);
	notes_v6_failed = 0;
	LM_CHECK_EQ(lm_net__connect_list(&a6, "localhost", ntohs(sa.sin_port),
	                                 2000, 0, &fd, err, sizeof err, note_cb,
	                                 NULL), 0);
	LM_CHECK(fd >= 0);
	LM_CHECK_EQ(notes_v6_failed, 1);
	afd = accept(lfd, NULL, NULL);
	LM_CHECK(afd >= 0);
	if (afd >= 0)
		close(afd);
	if (fd >= 0)
		close(fd);
	close(lfd);
	/* nothing listens any more: every address refuses */
	fd = -1;
	a6.ai_next = &a4;
	LM_CHECK_EQ(lm_net__connect_list(&a6, "localhost", ntohs(sa.sin_port),
	                                 2000, 0, &fd, err, sizeof err, NULL,
	                                 NULL),
	            LM_ERR_CONNECT);
	LM_CHECK(fd < 0);
	LM_CHECK(strstr(err, "127.0.0.1") != NULL);
	/* an empty list */
	LM_CHECK_EQ(lm_net__connect_list(NULL, "x", 25, 2000, 0, &fd, err,
	                                 sizeof err, NULL, NULL), LM_ERR_CONNECT);
}

static void
t_conn_bad_params(void)
{
	lm_conn *c = (lm_conn *)&c;
	lm_conn_opts o = LM_CONN_OPTS_INIT;

	LM_CHECK_EQ(lm_conn_open(&c, "", 25, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK(c == NULL);
	LM_CHECK_EQ(lm_conn_open(&c, "127.0.0.1", 0, NULL), LM_ERR_BAD_PARAM);
	/* getaddrinfo() would take "127.0.0.1 " for 127.0.0.1 (inet_aton)
	 * and a U-label raw, past IDNA: ASCII names only */
	LM_CHECK_EQ(lm_conn_open(&c, "127.0.0.1 ", 25, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_conn_open(&c, "b\xc3\xbc" "cher.example", 25, NULL),
	            LM_ERR_BAD_PARAM);
	o.version = 99;
	LM_CHECK_EQ(lm_conn_open(&c, "127.0.0.1", 25, &o), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_conn_open(NULL, "127.0.0.1", 25, NULL), LM_ERR_BAD_PARAM);
	lm_conn_close(NULL);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_tls_good_dns_name),
		LM_TEST(t_tls_good_ip_literal),
		LM_TEST(t_tls_ipv6_literal),
		LM_TEST(t_tls_wrong_host),
		LM_TEST(t_tls_ip_needs_ip_san),
		LM_TEST(t_tls_cn_not_used),
		LM_TEST(t_tls_unknown_ca),
		LM_TEST(t_tls_expired),
		LM_TEST(t_tls_old_version),
		LM_TEST(t_tls_suites),
		LM_TEST(t_tls_groups),
		LM_TEST(t_tls_rsa_versions),
		LM_TEST(t_tls_missing_cafile),
		LM_TEST(t_conn_refused),
		LM_TEST(t_conn_timeouts),
		LM_TEST(t_tls_alert_flood),
		LM_TEST(t_tls_write_after_timeout),
		LM_TEST(t_conn_eof),
		LM_TEST(t_conn_fallback),
		LM_TEST(t_conn_bad_params),
	};
	int rc;

	signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would kill the test */
	strcpy(dir, "/tmp/lm-tls-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	have_openssl = system("openssl version >/dev/null 2>&1") == 0;
	if (!have_openssl)
		printf("SKIP TLS tests: openssl is not installed\n");
	else if (!make_pki()) {
		printf("FAIL: could not make the test certificates with openssl\n");
		return 1;
	}
	rc = lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
	sh("rm -rf %s", dir);
	return rc;
}
