/*
 * Plain replay driver for the libFuzzer harnesses, for builds without
 * libFuzzer (gcc, `make fuzz-replay`) and for AFL++.
 *
 *   fuzz_x FILE|DIR...   run every file (a directory: every regular file
 *                        in it, not recursive) through the harness once
 *   fuzz_x               read one input from standard input (AFL++:
 *                        afl-fuzz -i in -o out -- ./fuzz_x)
 *
 * Exit status 0 when every input ran; a harness that finds a bug aborts.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned long replayed;

/* Read all of f into a malloc'ed buffer; *n gets its size. */
static unsigned char *
slurp(FILE *f, size_t *n)
{
	size_t cap = 4096, len = 0, got;
	unsigned char *buf = malloc(cap), *nb;

	if (buf == NULL)
		return NULL;
	while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
		len += got;
		if (len == cap) {
			nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	*n = len;
	return buf;
}

/* Run one input. The harness gets a buffer of exactly n bytes, so
 * AddressSanitizer sees any read past its end. */
static int
run_buf(const unsigned char *p, size_t n)
{
	unsigned char *exact = malloc(n ? n : 1);

	if (exact == NULL)
		return -1;
	if (n > 0)
		memcpy(exact, p, n);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	replayed++;
	return 0;
}

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t n = 0;
	int rc;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	buf = slurp(f, &n);
	fclose(f);
	if (buf == NULL) {
		fprintf(stderr, "%s: read failed\n", path);
		return -1;
	}
	rc = run_buf(buf, n);
	free(buf);
	return rc;
}

static int
run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char *sub;
	size_t len;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		len = strlen(path) + strlen(de->d_name) + 2;
		sub = malloc(len);
		if (sub == NULL) {
			rc = -1;
			break;
		}
		snprintf(sub, len, "%s/%s", path, de->d_name);
		if (stat(sub, &st) == 0 && S_ISREG(st.st_mode) && run_file(sub) != 0)
			rc = -1;
		free(sub);
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned char *buf;
	size_t n = 0;
	int i, rc = 0;

	if (argc < 2) {
		buf = slurp(stdin, &n);
		if (buf == NULL)
			return 2;
		rc = run_buf(buf, n);
		free(buf);
		return rc == 0 ? 0 : 2;
	}
	for (i = 1; i < argc; i++)
		if (run_path(argv[i]) != 0)
			rc = 2;
	fprintf(stderr, "%s: replayed %lu inputs\n", argv[0], replayed);
	return rc;
}
