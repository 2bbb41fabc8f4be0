/*
 * IMAP response parsing benchmark: libmail's engine against libetpan's
 * IMAP parser on the same bytes, in the same run.
 *
 * The stream: 100,000 "* n FETCH (UID FLAGS RFC822.SIZE ENVELOPE
 * BODYSTRUCTURE)" responses (nested multipart/mixed with a
 * multipart/alternative and an attachment), a tagged OK after every
 * 1,000. libetpan builds its full response tree per batch (its API
 * reads until the tagged response). libmail is measured twice: the
 * engine alone (events with raw ENVELOPE/BODYSTRUCTURE slices), and the
 * engine plus a full walk of every ENVELOPE (all address lists) and
 * BODYSTRUCTURE (every part, recursively) with the zero-copy readers,
 * which is the fair comparison with libetpan's tree.
 *
 * Usage: imap_bench [responses]   (prints key=value lines)
 */
#define _GNU_SOURCE 1
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libetpan/libetpan.h>

#include "libmail/imap.h"

#ifndef BATCH
#define BATCH 1
#endif

static char *stream_g, *estream;
#define stream stream_g
static size_t stream_len, estream_len;
/* libmail's stream: where each batch (its FETCH responses and the
 * tagged OK) ends. A server answers a FETCH only once it has it, so the
 * bytes of batch k are fed only after the k-th FETCH was queued (the
 * engine rejects a completion received before its command was queued). */
static size_t *batch_end;

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);  /* CPU time: other load does not count */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libetpan checks that a tagged response carries its own numeric tag
 * ("%i"), libmail's tags are "A%u": the two streams differ only in the
 * 100 tagged lines. */
static void
build(unsigned n, int etpan)
{
	size_t cap = (size_t)n * 1400 + 4096, w = 0;
	unsigned i, tag = 2;
	char *buf = malloc(cap);
	for (i = 1; i <= n; i++) {
		w += (size_t)snprintf(buf + w, cap - w,
		    "* %u FETCH (UID %u FLAGS (\\Seen \\Answered $Label1) RFC822.SIZE %u "
		    "ENVELOPE (\"Tue, 21 Nov 2026 10:%02u:00 +0000\" \"Quarterly report %u\" "
		    "((\"Bob Smith\" NIL \"bob\" \"example.com\")) ((\"Bob Smith\" NIL \"bob\" \"example.com\")) "
		    "((\"Bob Smith\" NIL \"bob\" \"example.com\")) "
		    "((\"Alice Jones\" NIL \"alice\" \"example.org\")(\"Carol\" NIL \"carol\" \"example.net\")) "
		    "((NIL NIL \"team\" \"example.org\")) NIL \"<prev%u@example.com>\" \"<%u@example.com>\") "
		    "BODYSTRUCTURE (((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 1200 30 NIL NIL NIL NIL)"
		    "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 4000 80 NIL NIL NIL NIL) "
		    "\"alternative\" (\"boundary\" \"b2\") NIL NIL NIL)"
		    "(\"application\" \"pdf\" (\"name\" \"report.pdf\") NIL NIL \"base64\" 70000 NIL "
		    "(\"attachment\" (\"filename\" \"report.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL))\r\n",
		    i, 1000 + i, 10000 + i, i % 60, i, i, i);
		if (i % BATCH == 0 || i == n) {
			w += (size_t)snprintf(buf + w, cap - w, etpan ? "%u OK Fetch completed.\r\n" :
			                      "A%u OK Fetch completed.\r\n", tag++);
			if (!etpan)
				batch_end[tag - 3] = w;
		}
	}
	if (etpan) {
		estream = buf;
		estream_len = w;
	} else {
		stream_len = w;
		stream_g = buf;
	}
}

/* ---- libmail -------------------------------------------------------- */

static unsigned long walked;
static unsigned nresp_total;

/*
 * The walk, with the public API as an application listing messages would
 * use it: every body part (recursively: the children of a multipart with
 * lm_imap_body_child()) with each of its parameters, and every address of
 * the six address lists of the ENVELOPE. The top-level body and the
 * envelope are read straight from the event (lm_imap_fetch_body(),
 * lm_imap_fetch_envelope()), which reuse the engine's scan of the value.
 */
static void
walk_part(const lm_imap_body *b, int depth)
{
	lm_imap_reader pr, it;
	lm_imap_tok k, val;
	lm_imap_body ch;

	walked++;
	lm_imap_reader_enter(&pr, &b->params);
	while (lm_imap_param_next(&pr, &k, &val))
		walked++;
	if (!b->multipart || depth >= 8)
		return;
	memset(&it, 0, sizeof it);
	while (lm_imap_body_child(b, &it, &ch) == 1)
		walk_part(&ch, depth + 1);
}

static void
walk_body(const lm_imap_event *ev)
{
	lm_imap_body b;

	if (lm_imap_fetch_body(ev, &b) == 0)
		walk_part(&b, 0);
}

static void
walk_env(const lm_imap_event *ev)
{
	lm_imap_envelope e;
	lm_imap_reader r;
	lm_imap_address a;
	lm_imap_tok *lists[6];
	int i;
	if (lm_imap_fetch_envelope(ev, &e) != 0)
		return;
	lists[0] = &e.from; lists[1] = &e.sender; lists[2] = &e.reply_to;
	lists[3] = &e.to; lists[4] = &e.cc; lists[5] = &e.bcc;
	for (i = 0; i < 6; i++) {
		lm_imap_reader_enter(&r, lists[i]);
		while (lm_imap_address_next(&r, &a) == 1)
			walked++;
	}
}

static double
run_libmail(int walk, unsigned *nresp)
{
	static unsigned char ib[LM_IMAP_BUFSIZE_IN], ob[LM_IMAP_BUFSIZE_OUT];
	lm_imap_client c;
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	lm_imap_event ev;
	lm_imap_fetch_opts f = LM_IMAP_FETCH_OPTS_INIT;
	size_t off = 0, n, used;
	const char *pre = "* PREAUTH [CAPABILITY IMAP4rev1] ready\r\nA1 OK [READ-WRITE] selected\r\n";
	double t0;
	unsigned count = 0, dones = 0, batches = (nresp_total + BATCH - 1) / BATCH;
	unsigned queued;
	int r;

	lm_imap_init(&c, &o, ib, sizeof ib, ob, sizeof ob);
	lm_imap_set_tls_active(&c);
	lm_imap_feed(&c, pre, 40, &used);
	while (lm_imap_next(&c, &ev) == LM_EVENT)
		;
	lm_imap_select(&c, "INBOX", NULL, NULL);
	lm_imap_send_buf(&c, &n);
	lm_imap_send_ack(&c, n);
	lm_imap_feed(&c, pre + 40, strlen(pre) - 40, &used);
	while ((r = lm_imap_next(&c, &ev)) == LM_EVENT)
		;
	f.items = LM_IMAP_F_UID | LM_IMAP_F_FLAGS | LM_IMAP_F_RFC822_SIZE |
	          LM_IMAP_F_ENVELOPE | LM_IMAP_F_BODYSTRUCTURE;
	lm_imap_fetch(&c, 1, "1:*", &f, NULL);
	queued = 1;
	walked = 0;
	t0 = now();
	for (;;) {
		r = lm_imap_next(&c, &ev);
		if (r == LM_EVENT) {
			if (ev.type == LM_IMAP_EV_FETCH_END)
				count++;
			else if (walk && ev.type == LM_IMAP_EV_FETCH_ITEM) {
				if (ev.fetch.item == LM_IMAP_ITEM_ENVELOPE)
					walk_env(&ev);
				else if (ev.fetch.item == LM_IMAP_ITEM_BODYSTRUCTURE)
					walk_body(&ev);
			} else if (ev.type == LM_IMAP_EV_DONE) {
				if (++dones < batches && lm_imap_fetch(&c, 1, "1:*", &f, NULL) == 0)
					queued++;
			}
			continue;
		}
		if (r == LM_WANT_WRITE) {
			lm_imap_send_buf(&c, &n);
			lm_imap_send_ack(&c, n);
			continue;
		}
		if (r == LM_WANT_READ && off < batch_end[queued - 1]) {
			size_t room;
			unsigned char *dst = lm_imap_recv_buf(&c, &room);
			if (room > batch_end[queued - 1] - off)
				room = batch_end[queued - 1] - off;
			memcpy(dst, stream + off, room);
			lm_imap_recv_ack(&c, room);
			off += room;
			continue;
		}
		break;
	}
	t0 = now() - t0;
	if (r < 0)
		fprintf(stderr, "libmail error %s\n", lm_strerror(r));
	*nresp = count;
	return t0;
}

/* ---- libetpan -------------------------------------------------------- */

struct mem { const char *p; size_t len, off; };

static ssize_t
mem_read(mailstream_low *s, void *buf, size_t n)
{
	struct mem *m = s->data;
	if (n > m->len - m->off)
		n = m->len - m->off;
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static ssize_t
mem_write(mailstream_low *s, const void *buf, size_t n)
{
	(void)s; (void)buf;
	return (ssize_t)n;
}

static int mem_close(mailstream_low *s) { (void)s; return 0; }
static int mem_fd(mailstream_low *s) { (void)s; return -1; }
static void mem_free(mailstream_low *s) { free(s); }

static mailstream_low_driver mem_driver = {
	mem_read, mem_write, mem_close, mem_fd, mem_free, NULL, NULL, NULL, NULL, NULL, NULL
};

static size_t etpan_heap;

static double
run_etpan(unsigned *nresp)
{
	struct mem m;
	mailimap *s = mailimap_new(0, NULL);
	mailstream_low *low;
	double t0;
	unsigned count = 0, batches = 0;

	m.p = estream;
	m.len = estream_len;
	m.off = 0;
	low = mailstream_low_new(&m, &mem_driver);
	s->imap_stream = mailstream_new(low, 16384);
	s->imap_state = MAILIMAP_STATE_SELECTED;
	t0 = now();
	while (m.off < m.len || s->imap_stream->read_buffer_len > 0) {
		struct mailimap_response *resp = NULL;
		clistiter *it;
		int r;
		s->imap_tag = (int)(batches + 2);
		if (mailimap_read_line(s) == NULL) {
			fprintf(stderr, "libetpan read_line failed\n");
			break;
		}
		r = mailimap_parse_response(s, &resp);
		if (r != MAILIMAP_NO_ERROR) {
			fprintf(stderr, "libetpan error %d after %u responses\n", r, count);
			break;
		}
		if (resp->rsp_cont_req_or_resp_data_list != NULL)
			for (it = clist_begin(resp->rsp_cont_req_or_resp_data_list); it;
			     it = clist_next(it))
				count++;
		if (batches++ == 0) {
			struct mallinfo2 mi = mallinfo2();
			etpan_heap = mi.uordblks;
		}
		mailimap_response_free(resp);
	}
	t0 = now() - t0;
	*nresp = count;
	mailstream_close(s->imap_stream);
	s->imap_stream = NULL;
	mailimap_free(s);
	return t0;
}

int
main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 100000, k;
	unsigned c1 = 0, c2 = 0, c3 = 0;
	double best_lm = 1e9, best_lmw = 1e9, best_et = 1e9, t;
	size_t heap0;

	nresp_total = n;
	batch_end = malloc(sizeof *batch_end * ((n + BATCH - 1) / BATCH));
	if (batch_end == NULL)
		return 1;
	build(n, 0);
	build(n, 1);
	heap0 = mallinfo2().uordblks;
	for (k = 0; k < 3; k++) {
		t = run_libmail(0, &c1);
		if (t < best_lm) best_lm = t;
		t = run_libmail(1, &c2);
		if (t < best_lmw) best_lmw = t;
		/* 5 parts, 5 parameters, 6 addresses in every response */
		if (walked != 16ul * n) {
			fprintf(stderr, "walk visited %lu items, not %lu\n", walked, 16ul * n);
			c2 = 0;
		}
		t = run_etpan(&c3);
		if (t < best_et) best_et = t;
	}
	printf("bytes=%zu responses=%u\n", stream_len, n);
	printf("libmail_engine responses=%u seconds=%.4f MB_s=%.1f resp_s=%.0f\n", c1, best_lm,
	       stream_len / best_lm / 1e6, c1 / best_lm);
	printf("libmail_walk responses=%u seconds=%.4f MB_s=%.1f resp_s=%.0f\n", c2, best_lmw,
	       stream_len / best_lmw / 1e6, c2 / best_lmw);
	printf("libetpan responses=%u seconds=%.4f MB_s=%.1f resp_s=%.0f\n", c3, best_et,
	       stream_len / best_et / 1e6, c3 / best_et);
	printf("ratio_engine=%.1f ratio_walk=%.1f\n", best_et / best_lm, best_et / best_lmw);
	printf("libmail_memory_per_connection=%zu (context %zu + input %d + output %d), no heap\n",
	       sizeof(lm_imap_client) + LM_IMAP_BUFSIZE_IN + LM_IMAP_BUFSIZE_OUT,
	       sizeof(lm_imap_client), LM_IMAP_BUFSIZE_IN, LM_IMAP_BUFSIZE_OUT);
	printf("libetpan_heap_one_batch=%zu (tree of %d responses)\n",
	       etpan_heap > heap0 ? etpan_heap - heap0 : 0, BATCH);
	return (c1 == n && c2 == n && c3 == n) ? 0 : 1;
}
