/*
 * Shared parts of the transcript runners: see transcript.h.
 */
#define _DEFAULT_SOURCE 1
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libmail/error.h"
#include "transcript.h"

static int
hexv(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* see transcript.h */
size_t
lm_tr_unescape(const char *s, unsigned char *out)
{
	size_t n = 0;
	while (*s) {
		if (*s == '\\' && s[1]) {
			s++;
			switch (*s) {
			case 'r': out[n++] = '\r'; s++; break;
			case 'n': out[n++] = '\n'; s++; break;
			case 't': out[n++] = '\t'; s++; break;
			case '0': out[n++] = '\0'; s++; break;
			case 'x':
				if (hexv(s[1]) >= 0 && hexv(s[2]) >= 0) {
					out[n++] = (unsigned char)(hexv(s[1]) * 16 + hexv(s[2]));
					s += 3;
				} else {
					out[n++] = 'x';
					s++;
				}
				break;
			default: out[n++] = (unsigned char)*s++; break;
			}
		} else {
			out[n++] = (unsigned char)*s++;
		}
	}
	return n;
}

/* see transcript.h */
void
lm_tr_unescape_str(char *s)
{
	size_t n = lm_tr_unescape(s, (unsigned char *)s);
	s[n] = '\0';
}

/* see transcript.h */
void
lm_tr_escape(const unsigned char *p, size_t n, char *out, size_t cap)
{
	size_t i, w = 0;
	for (i = 0; i < n && w + 5 < cap; i++) {
		unsigned char ch = p[i];
		if (ch == '"' || ch == '\\') {
			out[w++] = '\\';
			out[w++] = (char)ch;
		} else if (ch == '\r') {
			out[w++] = '\\'; out[w++] = 'r';
		} else if (ch == '\n') {
			out[w++] = '\\'; out[w++] = 'n';
		} else if (ch < 0x20 || ch >= 0x7f) {
			w += (size_t)snprintf(out + w, cap - w, "\\x%02X", ch);
		} else {
			out[w++] = (char)ch;
		}
	}
	out[w] = '\0';
}

/* see transcript.h */
int
lm_tr_load(const char *path, lm_tr_script *sc)
{
	FILE *f = fopen(path, "rb");
	static char line[LM_TR_LINEMAX];
	if (!f)
		return -1;
	sc->n = 0;
	while (fgets(line, sizeof line, f)) {
		size_t l = strlen(line);
		char kind, *body;
		int raw = 0;
		lm_tr_item *it;
		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			line[--l] = '\0';
		if (l == 0 || line[0] == '#')
			continue;
		kind = line[0];
		if (line[1] == 'x' && line[2] == ':') {
			raw = 1;
			body = line + 3;
		} else if (line[1] == ':') {
			body = line + 2;
		} else {
			printf("  %s: bad line '%s'\n", path, line);
			fclose(f);
			return -1;
		}
		if (*body == ' ')
			body++;
		if (sc->n >= LM_TR_MAXITEMS) {
			fclose(f);
			return -1;
		}
		it = &sc->it[sc->n++];
		it->kind = kind;
		it->text = strdup(body);
		it->bytes = NULL;
		it->nbytes = 0;
		if (kind == 'S' || kind == 'C') {
			it->bytes = malloc(strlen(body) + 3);
			if (raw) {
				it->nbytes = lm_tr_unescape(body, it->bytes);
			} else {
				memcpy(it->bytes, body, strlen(body));
				it->bytes[strlen(body)] = '\r';
				it->bytes[strlen(body) + 1] = '\n';
				it->nbytes = strlen(body) + 2;
			}
		}
	}
	fclose(f);
	return 0;
}

/* see transcript.h */
void
lm_tr_unload(lm_tr_script *sc)
{
	size_t i;
	for (i = 0; i < sc->n; i++) {
		free(sc->it[i].text);
		free(sc->it[i].bytes);
	}
	sc->n = 0;
}

/* see transcript.h */
int
lm_tr_err_by_name(const char *s)
{
	int e;
	if (strcmp(s, "0") == 0)
		return 0;
	for (e = -1; e > LM_ERR__LAST; e--)
		if (strcmp(lm_errname(e), s) == 0)
			return e;
	return 1000;
}

/* see transcript.h */
int
lm_tr_fixed_rng(void *ud, unsigned char *buf, size_t n)
{
	const char *src = ud;
	size_t i, l = strlen(src);
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)src[i % l];
	return 0;
}

/* see transcript.h */
int
lm_tr_compare(const char *run_err, const char *const *expv, size_t nexp,
              char *const *log, size_t nlog, const unsigned char *cexp,
              size_t ncexp, const unsigned char *out, size_t nout,
              char *diag, size_t dcap)
{
	size_t i;
	if (run_err[0]) {
		snprintf(diag, dcap, "%s", run_err);
		return 1;
	}
	for (i = 0; i < nexp || i < nlog; i++) {
		if (i >= nexp || i >= nlog || strcmp(expv[i], log[i])) {
			snprintf(diag, dcap, "event %zu: expected [%s] got [%s]", i,
			         i < nexp ? expv[i] : "(none)", i < nlog ? log[i] : "(none)");
			return 1;
		}
	}
	if (nout != ncexp || (ncexp && memcmp(out, cexp, ncexp))) {
		char a[600], b[600];
		size_t k = 0;
		while (k < nout && k < ncexp && out[k] == cexp[k])
			k++;
		lm_tr_escape(cexp + k, ncexp - k < 120 ? ncexp - k : 120, a, sizeof a);
		lm_tr_escape(out + k, nout - k < 120 ? nout - k : 120, b, sizeof b);
		snprintf(diag, dcap, "client bytes differ at %zu: expected \"%s\" got \"%s\"", k, a, b);
		return 1;
	}
	return 0;
}

/* see transcript.h */
int
lm_tr_check_file(const char *path, lm_tr_run_fn run, lm_tr_skip_fn skip)
{
	static lm_tr_script sc;
	unsigned char *srv = NULL, *cexp = NULL;
	size_t ns = 0, nc = 0, i, k;
	char diag[2000];
	const char *why, *env;
	size_t maxsplits = 0;
	int bad = 0;

	if (lm_tr_load(path, &sc) != 0) {
		printf("  %s: cannot load\n", path);
		return 1;
	}
	if (skip && (why = skip(&sc)) != NULL) {
		printf("  %s: skipped (%s)\n", path, why);
		lm_tr_unload(&sc);
		return 0;
	}
	for (i = 0; i < sc.n; i++) {
		lm_tr_item *it = &sc.it[i];
		if (it->kind == 'S') {
			srv = realloc(srv, ns + it->nbytes + 1);
			memcpy(srv + ns, it->bytes, it->nbytes);
			ns += it->nbytes;
		} else if (it->kind == 'C') {
			cexp = realloc(cexp, nc + it->nbytes + 1);
			memcpy(cexp + nc, it->bytes, it->nbytes);
			nc += it->nbytes;
		}
	}
	if (run(&sc, LM_TR_WHOLE, 0, srv, ns, cexp, nc, diag, sizeof diag)) {
		printf("  %s (whole): %s\n", path, diag);
		bad = 1;
	}
	env = getenv("LM_TR_SPLITS");
	if (env && *env)
		maxsplits = strtoul(env, NULL, 10);
	for (i = 0; !bad && ns > 1 && i < ns - 1; i++) {
		/* every offset 1..ns-1, or maxsplits of them spread evenly
		 * (first and last included) when LM_TR_SPLITS limits it */
		if (maxsplits == 0 || ns - 1 <= maxsplits)
			k = i + 1;
		else if (i >= maxsplits)
			break;
		else if (maxsplits == 1)
			k = 1;
		else
			k = 1 + i * (ns - 2) / (maxsplits - 1);
		if (run(&sc, LM_TR_SPLIT, k, srv, ns, cexp, nc, diag, sizeof diag)) {
			printf("  %s (split at %zu): %s\n", path, k, diag);
			bad = 1;
		}
	}
	if (!bad && run(&sc, LM_TR_BYTE, 0, srv, ns, cexp, nc, diag, sizeof diag)) {
		printf("  %s (byte by byte): %s\n", path, diag);
		bad = 1;
	}
	free(srv);
	free(cexp);
	lm_tr_unload(&sc);
	return bad;
}

/* see transcript.h */
size_t
lm_tr_causal(const lm_tr_script *sc, size_t nout)
{
	size_t i, s = 0, c = 0;

	for (i = 0; i < sc->n; i++) {
		const lm_tr_item *it = &sc->it[i];
		if (it->kind == 'C') {
			c += it->nbytes;
		} else if (it->kind == 'S') {
			if (c > nout)
				break;
			s += it->nbytes;
		}
	}
	return s;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* see transcript.h */
int
lm_tr_list(const char *dir, char **names, size_t cap)
{
	size_t n = 0;
	DIR *d;
	struct dirent *de;

	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL && n < cap) {
		size_t l = strlen(de->d_name);
		if (l > 4 && !strcmp(de->d_name + l - 4, ".txt")) {
			names[n] = malloc(strlen(dir) + l + 2);
			sprintf(names[n], "%s/%s", dir, de->d_name);
			n++;
		}
	}
	closedir(d);
	qsort(names, n, sizeof names[0], cmpstr);
	return (int)n;
}
