/*
 * libmail - mail URLs: smtp, smtps, imap, imaps, pop3, pop3s.
 *
 * Pure code (no I/O): RFC 3986 authority syntax, restricted to what a
 * mail client needs, with the scheme defaults of RFC 8314 / RFC 6409.
 */
#include <string.h>
#include <arpa/inet.h>

#include "libmail/net.h"
#include "libmail/core.h"
#include "net_internal.h"

static const struct {
	const char *name;
	lm_url_scheme scheme;
	unsigned port;
	int tls;
} lm_url__schemes[] = {
	{ "smtp", LM_URL_SMTP, 587, 0 },
	{ "smtps", LM_URL_SMTPS, 465, 1 },
	{ "imap", LM_URL_IMAP, 143, 0 },
	{ "imaps", LM_URL_IMAPS, 993, 1 },
	{ "pop3", LM_URL_POP3, 110, 0 },
	{ "pop3s", LM_URL_POP3S, 995, 1 },
};

#define LM_URL__NSCHEMES (sizeof lm_url__schemes / sizeof lm_url__schemes[0])

static int
lower(int ch)
{
	return (ch >= 'A' && ch <= 'Z') ? ch + ('a' - 'A') : ch;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = lower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* see net_internal.h */
int
lm_net__pct_decode(const char *p, size_t n, char *out, size_t cap,
                   size_t *outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int ch = (unsigned char)p[i];
		if (ch == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return LM_ERR_URL;
			hi = hexval((unsigned char)p[i + 1]);
			lo = hexval((unsigned char)p[i + 2]);
			if (hi < 0 || lo < 0)
				return LM_ERR_URL;
			ch = hi * 16 + lo;
			i += 2;
		}
		if (ch < 0x20 || ch == 0x7f)
			return LM_ERR_URL;
		if (o + 1 >= cap)
			return LM_ERR_URL;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* see net.h */
unsigned
lm_url_default_port(lm_url_scheme scheme)
{
	size_t i;

	for (i = 0; i < LM_URL__NSCHEMES; i++)
		if (lm_url__schemes[i].scheme == scheme)
			return lm_url__schemes[i].port;
	return 0;
}

/*
 * A reg-name whose last label is numeric would be taken as an IPv4
 * address in one of inet_aton's legacy forms ("127.1", "0x7f.1") by
 * getaddrinfo, while TLS would check it as a DNS name: refuse it.
 */
static int
looks_numeric(const char *h, size_t n)
{
	size_t start = n, i;

	if (n > 0 && h[n - 1] == '.')
		n--;
	for (start = n; start > 0 && h[start - 1] != '.'; start--)
		;
	if (start == n)
		return 0;
	if (n - start >= 2 && h[start] == '0' && lower(h[start + 1]) == 'x') {
		for (i = start + 2; i < n; i++)
			if (hexval((unsigned char)h[i]) < 0)
				return 0;
		return 1;
	}
	for (i = start; i < n; i++)
		if (h[i] < '0' || h[i] > '9')
			return 0;
	return 1;
}

static int
parse_host(lm_url *u, const char *p, size_t n)
{
	char tmp[LM_URL_HOST_MAX * 4 + 1];
	size_t len, i, outlen;
	int r;

	if (n == 0)
		return LM_ERR_URL;
	if (p[0] == '[') {
		unsigned char a6[16];
		if (n < 3 || p[n - 1] != ']' || n - 2 >= sizeof tmp)
			return LM_ERR_URL;
		memcpy(tmp, p + 1, n - 2);
		tmp[n - 2] = '\0';
		if (inet_pton(AF_INET6, tmp, a6) != 1)
			return LM_ERR_URL;
		if (n - 2 > LM_URL_HOST_MAX)
			return LM_ERR_URL;
		memcpy(u->host, tmp, n - 1);
		u->host_is_ip = 6;
		return 0;
	}
	r = lm_net__pct_decode(p, n, tmp, sizeof tmp, &len);
	if (r < 0)
		return r;
	if (len == 0)
		return LM_ERR_URL;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)tmp[i];
		if (ch >= 0x80)
			continue;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		      ch == '_'))
			return LM_ERR_URL;
	}
	if (lm_is_ascii(tmp, len)) {
		if (len > LM_URL_HOST_MAX)
			return LM_ERR_URL;
		memcpy(u->host, tmp, len + 1);
	} else {
		r = lm_idna_to_ascii(tmp, len, u->host, sizeof u->host,
		                     &outlen);
		if (r == LM_ERR_BUFFER_TOO_SMALL)
			return LM_ERR_URL;
		if (r < 0)
			return LM_ERR_IDNA;
		/* characters that map to nothing (U+00AD, U+034F): the
		 * IDNA layer refuses them, but an empty host is never a
		 * host whatever the conversion says */
		if (outlen == 0 || (outlen == 1 && u->host[0] == '.'))
			return LM_ERR_URL;
		len = outlen;
	}
	/* "example.com." is the same name as "example.com" for DNS, but
	 * certificates carry the form without the root dot */
	len = strlen(u->host);
	if (len > 1 && u->host[len - 1] == '.' && u->host[len - 2] != '.')
		u->host[len - 1] = '\0';
	{
		unsigned char a4[4];
		if (inet_pton(AF_INET, u->host, a4) == 1) {
			u->host_is_ip = 4;
			return 0;
		}
	}
	if (looks_numeric(u->host, strlen(u->host)))
		return LM_ERR_URL;
	if (u->host[0] == '.' || u->host[0] == '-' || strstr(u->host, "..") != NULL)
		return LM_ERR_URL;
	return 0;
}

static int
parse_userinfo(lm_url *u, const char *p, size_t n)
{
	const char *semi = memchr(p, ';', n);
	size_t ulen = semi ? (size_t)(semi - p) : n, len, i;

	if (memchr(p, ':', ulen) != NULL)
		return LM_ERR_URL; /* password in the URL */
	if (lm_net__pct_decode(p, ulen, u->user, sizeof u->user, &len) < 0)
		return LM_ERR_URL;
	if (len == 0)
		return LM_ERR_URL;
	if (semi != NULL) {
		const char *a = semi + 1;
		size_t alen = n - ulen - 1;
		static const char key[] = "auth=";
		if (alen <= 5)
			return LM_ERR_URL;
		for (i = 0; i < 5; i++)
			if (lower((unsigned char)a[i]) != key[i])
				return LM_ERR_URL;
		a += 5;
		alen -= 5;
		if (alen >= sizeof u->auth)
			return LM_ERR_URL;
		for (i = 0; i < alen; i++) {
			char ch = a[i];
			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			      (ch >= '0' && ch <= '9') || ch == '-' ||
			      ch == '_' || ch == '*'))
				return LM_ERR_URL;
		}
		memcpy(u->auth, a, alen);
		u->auth[alen] = '\0';
	}
	return 0;
}

/* see net.h */
int
lm_url_parse(lm_url *u, const char *s)
{
	const char *sep, *auth, *auth_end, *at, *hostp, *portp = NULL;
	size_t i, slen, hostlen;
	int r;

	if (u == NULL)
		return LM_ERR_BAD_PARAM;
	memset(u, 0, sizeof *u);
	if (s == NULL)
		return LM_ERR_BAD_PARAM;

	slen = strlen(s);
	for (i = 0; i < slen; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch == 0x7f || ch == '#' || ch == '?' ||
		    ch == '\\' || ch == '"' || ch == '<' || ch == '>')
			return LM_ERR_URL;
	}

	sep = strstr(s, "://");
	if (sep == NULL)
		return LM_ERR_URL;
	for (i = 0; i < LM_URL__NSCHEMES; i++) {
		const char *name = lm_url__schemes[i].name;
		size_t nl = strlen(name), k;
		if ((size_t)(sep - s) != nl)
			continue;
		for (k = 0; k < nl; k++)
			if (lower((unsigned char)s[k]) != name[k])
				break;
		if (k == nl)
			break;
	}
	if (i == LM_URL__NSCHEMES)
		return LM_ERR_URL;
	u->scheme = lm_url__schemes[i].scheme;
	u->port = lm_url__schemes[i].port;
	u->implicit_tls = lm_url__schemes[i].tls;

	auth = sep + 3;
	auth_end = strchr(auth, '/');
	if (auth_end == NULL)
		auth_end = auth + strlen(auth);

	/* userinfo ends at the last '@' of the authority */
	at = NULL;
	for (hostp = auth; hostp < auth_end; hostp++)
		if (*hostp == '@')
			at = hostp;
	if (at != NULL) {
		r = parse_userinfo(u, auth, (size_t)(at - auth));
		if (r < 0)
			goto fail;
		hostp = at + 1;
	} else {
		hostp = auth;
	}

	/* host, then optional :port */
	if (hostp < auth_end && *hostp == '[') {
		const char *rb = memchr(hostp, ']', (size_t)(auth_end - hostp));
		if (rb == NULL) {
			r = LM_ERR_URL;
			goto fail;
		}
		hostlen = (size_t)(rb + 1 - hostp);
		if (rb + 1 < auth_end) {
			if (rb[1] != ':') {
				r = LM_ERR_URL;
				goto fail;
			}
			portp = rb + 2;
		}
	} else {
		const char *colon = memchr(hostp, ':', (size_t)(auth_end - hostp));
		if (colon != NULL) {
			hostlen = (size_t)(colon - hostp);
			portp = colon + 1;
		} else {
			hostlen = (size_t)(auth_end - hostp);
		}
	}
	r = parse_host(u, hostp, hostlen);
	if (r < 0)
		goto fail;

	if (portp != NULL) {
		unsigned long port = 0;
		const char *q;
		if (portp == auth_end) {
			r = LM_ERR_URL;
			goto fail;
		}
		for (q = portp; q < auth_end; q++) {
			if (*q < '0' || *q > '9') {
				r = LM_ERR_URL;
				goto fail;
			}
			port = port * 10 + (unsigned long)(*q - '0');
			if (port > 65535) {
				r = LM_ERR_URL;
				goto fail;
			}
		}
		if (port == 0) {
			r = LM_ERR_URL;
			goto fail;
		}
		u->port = (unsigned)port;
		u->port_given = 1;
	}

	if (*auth_end == '/') {
		size_t plen = strlen(auth_end + 1);
		if (plen > LM_URL_PATH_MAX) {
			r = LM_ERR_URL;
			goto fail;
		}
		memcpy(u->path, auth_end + 1, plen + 1);
	}
	return 0;

fail:
	memset(u, 0, sizeof *u);
	return r;
}
