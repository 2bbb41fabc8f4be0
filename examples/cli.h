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

/* Print "PROG: msg[: arg]" and "PROG: try --help" (nothing if msg is
 * NULL). Returns 2, the usage exit status. */
CLI_FN int
cli_usage(const char *msg, const char *arg)
{
	if (msg != NULL) {
		if (arg != NULL)
			fprintf(stderr, "%s: %s: %s\n", CLI_PROG, msg, arg);
		else
			fprintf(stderr, "%s: %s\n", CLI_PROG, msg);
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
 * --password-file, --auth, --cafile, --plaintext, --trace, --timeout, and
 * the refusal of --password. */
typedef struct cli_conn {
	const char *url, *user, *pw_file, *auth, *cafile;
	int plaintext, trace;
	unsigned long timeout_s;    /* 60 unless --timeout */
} cli_conn;

#define CLI_CONN_INIT { NULL, NULL, NULL, NULL, NULL, 0, 0, 60 }

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
	else if (strcmp(a, "--timeout") != 0)
		return 0;
	if (v == NULL)
		return cli_usage("missing value for", a);
	(*i)++;
	if (slot != NULL) {
		*slot = v;
		return 1;
	}
	if (cli_parse_timeout(v, &o->timeout_s) < 0)
		return cli_usage("bad --timeout (1..3600 seconds)", v);
	return 1;
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

/* lm_trace_fn for --trace: "C: ", "S: " or "* " and the line on stderr. */
CLI_FN void
cli_trace(char dir, const char *line, size_t len, void *ud)
{
	size_t i;

	(void)ud;
	/* The server chooses these bytes: never hand its control characters
	 * (terminal escapes) to the terminal. */
	if (dir == '*')
		fputs("* ", stderr);
	else
		fprintf(stderr, "%c: ", dir);
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			fprintf(stderr, "\\x%02x", ch);
		else
			fputc(ch, stderr);
	}
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
		fprintf(stderr, "%s: %s: %s\n", CLI_PROG, file, strerror(errno));
		return -1;
	}
	r = cli_slurp(f, &buf, &n);
	fclose(f);
	if (r < 0) {
		fprintf(stderr, "%s: %s: %s\n", CLI_PROG, file, strerror(errno));
		return -1;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	*out = strdup(buf);
	lm_zeroize(buf, n);
	free(buf);
	return *out != NULL ? 0 : -1;
}

#endif
