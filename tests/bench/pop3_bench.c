/*
 * pop3_bench - helper of tests/bench/pop3.sh: RETR every message of a
 * mailbox over one POP3 session (lm_pop3_session) and throw the bytes
 * away (a running sum keeps the work honest), then QUIT without DELE.
 * Logs in with USER/PASS, as the poplib peer does.
 *
 *   pop3_bench URL USER PASSWORD-FILE CAFILE
 *
 * Prints one line: "messages N bytes B seconds S cpu U footprint F
 * engine E maxrss_kb R check C" where S is the wall time from connect to
 * QUIT, U the process's CPU time (user + system), F the
 * session's own bytes (lm_pop3_session_footprint(): the engine and its
 * fixed buffers), E sizeof(lm_pop3_client), and R the process's peak
 * resident set (getrusage) at the end, C a byte sum (so the
 * bytes are really read).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "libmail.h"

typedef struct {
	unsigned long long bytes;
	unsigned sum;
} sink;

static int
on_data(void *ud, const unsigned char *p, size_t n)
{
	sink *k = ud;
	size_t i;

	k->bytes += n;
	for (i = 0; i < n; i += 64)
		k->sum += p[i];
	return 0;
}

int
main(int argc, char **argv)
{
	lm_pop3_session_opts o = LM_POP3_SESSION_OPTS_INIT;
	lm_pop3_session *s = NULL;
	struct timespec t0, t1;
	struct rusage ru;
	char pw[256];
	FILE *f;
	unsigned long n = 0, i;
	sink k = { 0, 0 };
	int r;

	if (argc != 5) {
		fprintf(stderr, "usage: pop3_bench URL USER PASSWORD-FILE CAFILE\n");
		return 2;
	}
	f = fopen(argv[3], "r");
	if (f == NULL || fgets(pw, sizeof pw, f) == NULL) {
		fprintf(stderr, "pop3_bench: cannot read %s\n", argv[3]);
		return 2;
	}
	fclose(f);
	pw[strcspn(pw, "\r\n")] = '\0';
	o.url = argv[1];
	o.user = argv[2];
	o.password = pw;
	o.cafile = argv[4];
	/* USER/PASS like poplib: SCRAM's PBKDF2 (4096 rounds on both sides)
	 * would add a constant ~80 ms that has nothing to do with RETR */
	o.login = LM_POP3_LOGIN_USER;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = lm_pop3_session_new(&s, &o);
	if (r == 0)
		r = lm_pop3_session_connect(s);
	if (r == 0)
		r = lm_pop3_session_stat(s, &n, NULL);
	for (i = 1; r == 0 && i <= n; i++)
		r = lm_pop3_session_retr(s, i, on_data, &k);
	if (r == 0)
		r = lm_pop3_session_quit(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r < 0) {
		fprintf(stderr, "pop3_bench: %s (%s)\n", lm_pop3_session_error(s),
		        lm_strerror(r));
		lm_pop3_session_free(s);
		return 1;
	}
	lm_pop3_session_free(s);
	getrusage(RUSAGE_SELF, &ru);
	printf("messages %lu bytes %llu seconds %.3f cpu %.3f footprint %lu "
	       "engine %lu maxrss_kb %ld check %u\n", n, k.bytes,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	       (unsigned long)lm_pop3_session_footprint(),
	       (unsigned long)sizeof(lm_pop3_client), ru.ru_maxrss, k.sum);
	return 0;
}
