/*
 * lm_url_parse() on a NUL-terminated copy of arbitrary input.
 *
 * Invariants of an accepted URL: the host is non-empty and has no byte
 * <= 0x20, no DEL and (not being an IP literal in brackets) no
 * non-ASCII byte; the port is 1..65535 and is the scheme's default
 * unless given; implicit_tls matches the scheme; the decoded user has
 * no CR, LF or other control byte (it goes into SASL and logs); every
 * string is NUL-terminated inside its array; parsing is deterministic.
 */
#include <string.h>

#include "libmail/net.h"
#include "libmail/error.h"
#include "fuzz.h"

static void
check_str(const char *s, size_t cap, int allow_ctl, const char *what)
{
	size_t i, n = strnlen(s, cap);

	FZ_CHECK(n < cap, what);
	for (i = 0; i < n; i++)
		if (!allow_ctl)
			FZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f, what);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static lm_url u, u2;
	char *s = malloc(size + 1);
	size_t i, hlen;
	int r;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	r = lm_url_parse(&u, s);
	FZ_CHECK(r == 0 || r == LM_ERR_URL || r == LM_ERR_IDNA, "parse result");
	if (r == 0) {
		check_str(u.host, sizeof u.host, 0, "host NUL-terminated, no controls");
		check_str(u.user, sizeof u.user, 0, "user NUL-terminated, no controls");
		check_str(u.auth, sizeof u.auth, 0, "auth NUL-terminated, no controls");
		check_str(u.path, sizeof u.path, 0, "path NUL-terminated, no controls");
		hlen = strlen(u.host);
		FZ_CHECK(hlen > 0, "host not empty");
		for (i = 0; i < hlen; i++) {
			unsigned char c = (unsigned char)u.host[i];
			FZ_CHECK(c > 0x20 && c < 0x7f, "host has no CR/LF/space/control/8bit");
			FZ_CHECK(c != '/' && c != '@' && c != '?' && c != '#',
			         "host has no URL delimiter");
		}
		FZ_CHECK(u.port >= 1 && u.port <= 65535, "port in 1..65535");
		FZ_CHECK(u.port_given || u.port == lm_url_default_port(u.scheme),
		         "port defaults to the scheme's");
		FZ_CHECK(u.scheme >= LM_URL_SMTP && u.scheme <= LM_URL_POP3S, "scheme");
		FZ_CHECK(u.implicit_tls == (u.scheme == LM_URL_SMTPS ||
		                            u.scheme == LM_URL_IMAPS ||
		                            u.scheme == LM_URL_POP3S), "implicit_tls");
		FZ_CHECK(u.host_is_ip == 0 || u.host_is_ip == 4 || u.host_is_ip == 6,
		         "host_is_ip");
		FZ_CHECK(u.host[hlen - 1] != '.', "root dot dropped");
		FZ_CHECK(strchr(s, '?') == NULL && strchr(s, '#') == NULL,
		         "query and fragment refused");
		r = lm_url_parse(&u2, s);
		FZ_CHECK(r == 0 && memcmp(&u, &u2, sizeof u) == 0, "deterministic");
	}
	free(s);
	return 0;
}
