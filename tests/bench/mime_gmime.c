/*
 * MIME parse benchmark, GMime 3 side (tests/bench/mime.sh): the same
 * work as mime_bench.c (parse each message from memory, decode every
 * leaf through GMime's filters, sum every decoded byte). With "b64",
 * GLib's g_base64_decode_step / g_base64_encode_step in GB/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>

static unsigned long long sum;
static size_t leaves;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void walk(GMimeObject *o);

static void
leaf(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *raw, *f;
	GMimeFilter *dec;
	char buf[65536];
	ssize_t n, k;

	leaves++;
	if (w == NULL)
		return;
	raw = g_mime_data_wrapper_get_stream(w);
	g_mime_stream_reset(raw);
	f = g_mime_stream_filter_new(raw);
	dec = g_mime_filter_basic_new(g_mime_data_wrapper_get_encoding(w), FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), dec);
	g_object_unref(dec);
	while ((n = g_mime_stream_read(f, buf, sizeof buf)) > 0)
		for (k = 0; k < n; k++)
			sum += (unsigned char)buf[k];
	g_object_unref(f);
}

static void
walk(GMimeObject *o)
{
	if (GMIME_IS_MULTIPART(o)) {
		int i, n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
		for (i = 0; i < n; i++)
			walk(g_mime_multipart_get_part(GMIME_MULTIPART(o), i));
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		if (m != NULL)
			walk(g_mime_message_get_mime_part(m));
	} else if (GMIME_IS_PART(o)) {
		leaf(GMIME_PART(o));
	}
}

static int
parse_corpus(const char *path)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *c;
	size_t len, off = 0, msgbytes = 0;
	long n0;
	double t0, t;

	if (fp == NULL)
		return 2;
	fseek(fp, 0, SEEK_END);
	n0 = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	len = (size_t)n0;
	c = malloc(len);
	if (c == NULL || fread(c, 1, len, fp) != len)
		return 2;
	fclose(fp);
	t0 = now();
	while (off < len) {
		size_t n = strtoul((const char *)c + off, NULL, 10);
		GMimeStream *s;
		GMimeParser *p;
		GMimeMessage *m;

		off = (size_t)((unsigned char *)memchr(c + off, '\n', len - off) - c) + 1;
		s = g_mime_stream_mem_new_with_buffer((const char *)c + off, n);
		p = g_mime_parser_new_with_stream(s);
		m = g_mime_parser_construct_message(p, NULL);
		if (m != NULL) {
			walk(g_mime_message_get_mime_part(m));
			g_object_unref(m);
		}
		g_object_unref(p);
		g_object_unref(s);
		off += n;
		msgbytes += n;
	}
	t = now() - t0;
	printf("%.1f %llu %zu\n", (double)msgbytes / 1e6 / t, sum, leaves);
	free(c);
	return 0;
}

static int
b64_bench(void)
{
	size_t n = 64u << 20, k, enc_len;
	unsigned char *raw = malloc(n), *dec = malloc(n + 64);
	char *enc = malloc(n / 3 * 4 + n / 57 + 64);
	int state = 0, save = 0, rep, reps = 4;
	unsigned int usave = 0;
	double t0, td, te;
	unsigned long long s = 0;

	for (k = 0; k < n; k++)
		raw[k] = (unsigned char)(k * 2654435761u >> 13);
	t0 = now();
	for (rep = 0; rep < reps; rep++) {
		state = save = 0;
		enc_len = g_base64_encode_step(raw, n, FALSE, enc, &state, &save);
		enc_len += g_base64_encode_close(FALSE, enc + enc_len, &state, &save);
		s += (unsigned char)enc[rep];
	}
	te = (now() - t0) / reps;
	t0 = now();
	for (rep = 0; rep < reps; rep++) {
		state = 0;
		usave = 0;
		g_base64_decode_step(enc, enc_len, dec, &state, &usave);
		s += dec[rep];
	}
	td = (now() - t0) / reps;
	if (memcmp(dec, raw, n) != 0) {
		fprintf(stderr, "glib b64 round trip failed\n");
		return 1;
	}
	printf("%.3f %.3f %llu\n", (double)enc_len / 1e9 / td, (double)n / 1e9 / te, s);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "b64") == 0)
		return b64_bench();
	if (argc != 2)
		return 2;
	g_mime_init();
	return parse_corpus(argv[1]);
}
