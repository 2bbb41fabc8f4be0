/*
 * MIME parse benchmark, libmail side (tests/bench/mime.sh): every
 * message of a corpus file ("<len>\n<bytes>"...) is parsed from memory
 * with the streaming parser, every leaf decoded and every decoded byte
 * read (summed). Prints "MB/s checksum leaves". With "b64", base64
 * decode and encode throughput of the core codecs in GB/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libmail/mime.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned char *
load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n)
		exit(2);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static int
parse_corpus(const char *path)
{
	static unsigned char scratch[LM_MIME_PARSER_SCRATCH_DEFAULT];
	size_t len, off = 0, msgbytes = 0, leaves = 0;
	unsigned char *c = load(path, &len);
	unsigned long long sum = 0;
	double t0, t;
	int rep;

	t0 = now();
	for (rep = 0; rep < 1; rep++) {
		off = 0;
		while (off < len) {
			size_t n = strtoul((const char *)c + off, NULL, 10), used, fed = 0;
			const unsigned char *m;
			lm_mime_parser p;
			lm_mime_event ev;
			int r;

			off = (size_t)((unsigned char *)memchr(c + off, '\n', len - off) - c) + 1;
			m = c + off;
			off += n;
			msgbytes += n;
			lm_mime_parser_init(&p, NULL, scratch, sizeof scratch);
			for (;;) {
				if (fed < n) {
					lm_mime_parser_feed(&p, m + fed, n - fed, &used);
					fed += used;
					if (fed == n)
						lm_mime_parser_end(&p);
				}
				while ((r = lm_mime_parser_next(&p, &ev)) == LM_EVENT) {
					if (ev.type == LM_MIME_EV_BODY) {
						size_t k;
						for (k = 0; k < ev.data.len; k++)
							sum += ev.data.p[k];
					} else if (ev.type == LM_MIME_EV_HEADERS_END &&
					           ev.part->kind == LM_MIME_KIND_LEAF)
						leaves++;
				}
				if (r == LM_DONE)
					break;
			}
		}
	}
	t = now() - t0;
	printf("%.1f %llu %zu\n", (double)msgbytes / 1e6 / t, sum, leaves);
	free(c);
	return 0;
}

static int
b64_bench(void)
{
	size_t n = 64u << 20, enc_len = lm_b64_encoded_len(n), used, w, k;
	unsigned char *raw = malloc(n), *dec = malloc(n + 64);
	char *enc = malloc(enc_len + 64);
	lm_b64_dec d;
	double t0, td, te;
	int rep, reps = 4;
	unsigned long long sum = 0;

	for (k = 0; k < n; k++)
		raw[k] = (unsigned char)(k * 2654435761u >> 13);
	t0 = now();
	for (rep = 0; rep < reps; rep++) {
		size_t ol = 0;
		lm_b64_encode(raw, n, enc, enc_len + 64, &ol);
		sum += (unsigned char)enc[rep];
	}
	te = (now() - t0) / reps;
	t0 = now();
	for (rep = 0; rep < reps; rep++) {
		size_t off = 0, out = 0;
		lm_b64_dec_init(&d, LM_B64_LENIENT);
		while (off < enc_len) {
			lm_b64_dec_update(&d, enc + off, enc_len - off, dec + out, n + 64 - out,
			                  &used, &w);
			off += used;
			out += w;
		}
		lm_b64_dec_final(&d, dec + out, 64, &w);
		sum += dec[rep];
	}
	td = (now() - t0) / reps;
	if (memcmp(dec, raw, n) != 0) {
		fprintf(stderr, "b64 round trip failed\n");
		return 1;
	}
	/* decode GB/s of base64 input, encode GB/s of binary input */
	printf("%.3f %.3f %llu\n", (double)enc_len / 1e9 / td, (double)n / 1e9 / te, sum);
	free(raw);
	free(dec);
	free(enc);
	return 0;
}

/* One message with a 64 MB base64 leaf through the parser: GB/s of
 * encoded input (the parser hands whole groups to the core decoder). */
static int
b64_parser_bench(void)
{
	static unsigned char scratch[LM_MIME_PARSER_SCRATCH_DEFAULT];
	size_t n = 48u << 20, k, enc_len = lm_b64_encoded_len(n), msg_len, off, used;
	const char *head = "Content-Type: application/octet-stream\r\n"
	                   "Content-Transfer-Encoding: base64\r\n\r\n";
	unsigned char *raw = malloc(n);
	char *enc = malloc(enc_len + 1), *msg = malloc(enc_len + enc_len / 38 + 256);
	unsigned long long sum = 0;
	lm_mime_parser p;
	lm_mime_event ev;
	double t0, t;
	int r;

	for (k = 0; k < n; k++)
		raw[k] = (unsigned char)(k * 2654435761u >> 13);
	lm_b64_encode(raw, n, enc, enc_len + 1, &k);
	msg_len = strlen(head);
	memcpy(msg, head, msg_len);
	for (off = 0; off < enc_len; off += 76) {
		size_t l = enc_len - off < 76 ? enc_len - off : 76;
		memcpy(msg + msg_len, enc + off, l);
		msg_len += l;
		msg[msg_len++] = '\r';
		msg[msg_len++] = '\n';
	}
	t0 = now();
	lm_mime_parser_init(&p, NULL, scratch, sizeof scratch);
	off = 0;
	for (;;) {
		if (off < msg_len) {
			lm_mime_parser_feed(&p, msg + off, msg_len - off, &used);
			off += used;
			if (off == msg_len)
				lm_mime_parser_end(&p);
		}
		while ((r = lm_mime_parser_next(&p, &ev)) == LM_EVENT)
			if (ev.type == LM_MIME_EV_BODY)
				for (k = 0; k < ev.data.len; k++)
					sum += ev.data.p[k];
		if (r == LM_DONE)
			break;
	}
	t = now() - t0;
	printf("%.3f %llu\n", (double)msg_len / 1e9 / t, sum);
	free(raw);
	free(enc);
	free(msg);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "b64") == 0)
		return b64_bench();
	if (argc == 2 && strcmp(argv[1], "b64parser") == 0)
		return b64_parser_bench();
	if (argc != 2) {
		fprintf(stderr, "usage: mime_bench CORPUS | b64\n");
		return 2;
	}
	return parse_corpus(argv[1]);
}
