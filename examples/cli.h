/*
 * Command-line plumbing shared by the example programs (static functions,
 * included by each program; not part of the library).
 *
 * Define CLI_PROG (the program name, a string literal) before including.
 * Every function here writes its diagnostics to stderr as
 * "CLI_PROG: ...".
 */
#ifndef LIBMAIL_EXAMPLES_CLI_H
#define LIBMAIL_EXAMPLES_CLI_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libmail.h"

#ifndef CLI_PROG
#error "define CLI_PROG before including cli.h"
#endif

/* Each program uses a subset: no warning for the others. */
#if defined(__GNUC__)
#define CLI_FN static __attribute__((unused))
#else
#define CLI_FN static
#endif

/* Largest file cli_slurp() reads (bodies, passwords). */
#define CLI_SLURP_MAX (64u * 1024 * 1024)

CLI_FN void cli_put_clean(FILE *f, const unsigned char *s, size_t n, int esc);

#if defined(__GNUC__)
CLI_FN void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif

/*
 * "PROG: " and the message printf() makes of fmt, as one line on stderr.
 * Every failure is reported through here: the names and text it echoes
 * (options, file and mailbox names, UIDLs, server replies) may hold
 * control bytes, and those show as "\xNN" (cli_put_clean()), so no
 * argument can break the line in two or send the terminal an escape.
 */
CLI_FN void
cli_err(const char *fmt, ...)
{
	char small[512], *buf = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof small) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL) {
			va_start(ap, fmt);
			vsnprintf(buf, (size_t)n + 1, fmt, ap);
			va_end(ap);
		} else {
			buf = small;     /* out of memory: the message cut short */
			n = (int)sizeof small - 1;
		}
	}
	fprintf(stderr, "%s: ", CLI_PROG);
	cli_put_clean(stderr, (const unsigned char *)buf, (size_t)n, 1);
	fputc('\n', stderr);
	if (buf != small)
		free(buf);
}

/* Print "PROG: msg[: arg]" and "PROG: try --help" (nothing if msg is
 * NULL). Returns 2, the usage exit status. */
CLI_FN int
cli_usage(const char *msg, const char *arg)
{
	if (msg != NULL) {
		if (arg != NULL)
			cli_err("%s: %s", msg, arg);
		else
			cli_err("%s", msg);
		fprintf(stderr, "%s: try --help\n", CLI_PROG);
	}
	return 2;
}

/* The answer to --password: never taken from the command line. */
CLI_FN int
cli_refuse_password_arg(void)
{
	return cli_usage("passwords are not taken from the command line; "
	                 "use --password-file or LIBMAIL_PASSWORD", NULL);
}

/* --timeout SEC: 1..3600. Returns 0 with *out set, or -1. */
CLI_FN int
cli_parse_timeout(const char *v, unsigned long *out)
{
	char *end;
	unsigned long t;

	errno = 0;
	t = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || t == 0 || t > 3600 ||
	    *v == '-')
		return -1;
	*out = t;
	return 0;
}

/* The connection options every protocol program takes: --url, --user,
 * --password-file, --auth, --cafile, --plaintext, --trace, --timeout,
 * --call-timeout, and the refusal of --password. */
typedef struct cli_conn {
	const char *url, *user, *pw_file, *auth, *cafile;
	int plaintext, trace;
	unsigned long timeout_s;    /* 60 unless --timeout */
	unsigned long call_s;       /* 0 (none) unless --call-timeout */
} cli_conn;

#define CLI_CONN_INIT { NULL, NULL, NULL, NULL, NULL, 0, 0, 60, 0 }

/* Take argv[*i] (and its value, advancing *i) when it is one of the
 * connection options. Returns 1 when taken, 0 when it is not one of
 * them, or 2 (the usage exit status, after a message) when its value is
 * missing or bad, or it is --password. */
CLI_FN int
cli_conn_arg(cli_conn *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *v = (*i + 1 < argc) ? argv[*i + 1] : NULL;
	const char **slot = NULL;

	if (strcmp(a, "--plaintext") == 0) {
		o->plaintext = 1;
		return 1;
	}
	if (strcmp(a, "--trace") == 0) {
		o->trace = 1;
		return 1;
	}
	if (strcmp(a, "--password") == 0)
		return cli_refuse_password_arg();
	if (strcmp(a, "--url") == 0)
		slot = &o->url;
	else if (strcmp(a, "--user") == 0)
		slot = &o->user;
	else if (strcmp(a, "--password-file") == 0)
		slot = &o->pw_file;
	else if (strcmp(a, "--auth") == 0)
		slot = &o->auth;
	else if (strcmp(a, "--cafile") == 0)
		slot = &o->cafile;
	else if (strcmp(a, "--timeout") != 0 &&
	         strcmp(a, "--call-timeout") != 0)
		return 0;
	if (v == NULL)
		return cli_usage("missing value for", a);
	(*i)++;
	if (slot != NULL) {
		*slot = v;
		return 1;
	}
	if (strcmp(a, "--call-timeout") == 0) {
		if (cli_parse_timeout(v, &o->call_s) < 0)
			return cli_usage("bad --call-timeout (1..3600 seconds)", v);
		return 1;
	}
	if (cli_parse_timeout(v, &o->timeout_s) < 0)
		return cli_usage("bad --timeout (1..3600 seconds)", v);
	return 1;
}

/* "PROG: bad --url URL: why" on stderr; returns 2, the usage status.
 * A URL with a password ("user:secret@host") is refused, but echoing it
 * would copy the password into logs: the userinfo after its first ':'
 * shows as "...". */
CLI_FN int
cli_bad_url(const char *url, const char *why)
{
	const char *auth = strstr(url, "://"), *end, *at = NULL, *colon = NULL, *p;

	auth = auth != NULL ? auth + 3 : url;
	end = auth + strcspn(auth, "/");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL)
		colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon != NULL)
		cli_err("bad --url %.*s:...%s: %s", (int)(colon - url), url, at, why);
	else
		cli_err("bad --url %s: %s", url, why);
	return 2;
}

/* Exit status from a library error: 0 ok, 1 refused by the server,
 * 2 usage or local, 3 security, 4 protocol violation, 5 network. */
CLI_FN int
cli_exit_code(int err)
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

/* Length of the valid UTF-8 sequence at s[0..n) (n > 0), with its code
 * point in *cp, or 0 (not UTF-8: a stray byte). */
CLI_FN size_t
cli_utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], v;
	size_t l, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		l = 2, v = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		l = 3, v = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		l = 4, v = c & 0x07;
	else
		return 0;
	if (n < l)
		return 0;
	for (i = 1; i < l; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if ((l == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
	    (l == 4 && (v < 0x10000 || v > 0x10FFFF)))
		return 0;
	*cp = v;
	return l;
}

/*
 * Write s[0..n), text the server (or a message) chose, to a terminal
 * without its control characters: C0 and DEL, and C1 too, both as
 * UTF-8 (U+0080..U+009F: "\xc2\x9b" is CSI for a UTF-8 terminal, an
 * ESC-less escape sequence) and as single bytes 0x80..0x9F outside a
 * UTF-8 sequence (CSI for a terminal in an 8-bit mode). esc: each such
 * byte as "\xNN", tabs kept (traces); else each character as '?'.
 * Other bytes, valid UTF-8 or not, are written as they are.
 */
CLI_FN void
cli_put_clean(FILE *f, const unsigned char *s, size_t n, int esc)
{
	size_t i = 0, l, k;
	unsigned cp;

	while (i < n) {
		l = cli_utf8_len(s + i, n - i, &cp);
		if (l == 0) {
			l = 1;
			cp = s[i];
		}
		if ((cp < 0x20 && !(esc && cp == '\t')) || (cp >= 0x7f && cp <= 0x9f)) {
			if (!esc)
				fputc('?', f);
			for (k = 0; esc && k < l; k++)
				fprintf(f, "\\x%02x", s[i + k]);
		} else {
			fwrite(s + i, 1, l, f);
		}
		i += l;
	}
}

/* lm_trace_fn for --trace: "C: ", "S: " or "* " and the line on stderr. */
CLI_FN void
cli_trace(char dir, const char *line, size_t len, void *ud)
{
	(void)ud;
	/* The server chooses these bytes: never hand its control characters
	 * (terminal escapes) to the terminal. */
	if (dir == '*')
		fputs("* ", stderr);
	else
		fprintf(stderr, "%c: ", dir);
	cli_put_clean(stderr, (const unsigned char *)line, len, 1);
	fputc('\n', stderr);
}

/* Whole stream into memory (NUL added; at most CLI_SLURP_MAX bytes).
 * Returns 0, or -1 with errno set (the caller reports). */
CLI_FN int
cli_slurp(FILE *f, char **out, size_t *outlen)
{
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		return -1;
	for (;;) {
		size_t n;
		if (len + 4096 + 1 > cap) {
			char *nb;
			if (cap >= CLI_SLURP_MAX) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				free(buf);
				return -1;
			}
			break;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/* Body callback reading a FILE * (ud). */
CLI_FN int
cli_file_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	FILE *f = ud;
	size_t n = fread(buf, 1, cap, f);

	*got = n;
	if (n == 0 && ferror(f))
		return LM_ERR_CALLBACK;
	return 0;
}

/* The password, never from argv: the first line of file (if not NULL),
 * else $LIBMAIL_PASSWORD. Returns 0 with *out a malloc'd copy (NULL when
 * there is neither; free after lm_zeroize), or -1 after a message (an
 * unreadable file) or on lack of memory. Copies are wiped. */
CLI_FN int
cli_read_password(const char *file, char **out)
{
	const char *env;
	char *buf;
	size_t n;
	FILE *f;
	int r;

	*out = NULL;
	if (file == NULL) {
		env = getenv("LIBMAIL_PASSWORD");
		if (env == NULL)
			return 0;
		*out = strdup(env);
		return *out != NULL ? 0 : -1;
	}
	f = fopen(file, "r");
	if (f == NULL) {
		cli_err("%s: %s", file, strerror(errno));
		return -1;
	}
	r = cli_slurp(f, &buf, &n);
	fclose(f);
	if (r < 0) {
		cli_err("%s: %s", file, strerror(errno));
		return -1;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	*out = strdup(buf);
	lm_zeroize(buf, n);
	free(buf);
	return *out != NULL ? 0 : -1;
}

#endif
