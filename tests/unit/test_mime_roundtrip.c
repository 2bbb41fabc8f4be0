/*
 * Builder -> streaming parser round trips on random structures (issue
 * 3): text, HTML, inline parts with Content-ID (multipart/related),
 * streamed and in-memory attachments, random bytes and non-ASCII file
 * names. Each message is built with lm_mime_compose, fed to the
 * streaming parser (lm_mime_parser_*) in random pieces, and the test
 * checks that the same leaf parts come back in order: type, depth,
 * disposition, file name (the parser's decoded one, and the RFC 2047
 * name= of the Content-Type decoded with lm_mime_param_get), Content-ID
 * and the decoded bytes; that the multipart levels are the expected
 * ones; and that the output is 7-bit CRLF text with lines of at most
 * 998 (78 in the top header section). test_mime_parser_roundtrip.c
 * covers text + streamed attachments through the tree layer; this one
 * covers the structures the builder gained.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libmail/mime.h"
#include "test.h"

static unsigned long rng = 20261121;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((rng >> 33) % n);
}

typedef struct {
	const unsigned char *p;
	size_t n, off, step;
} src;

static int
src_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	src *s = ud;
	size_t k = s->n - s->off;

	if (k > cap)
		k = cap;
	if (k > s->step)
		k = s->step;
	memcpy(buf, s->p + s->off, k);
	s->off += k;
	*got = k;
	return 0;
}

static const char *const pieces[] = {
	"hello", " ", "w\xc3\xb6rld", "\n", "\r\n", "=", "--", "=?x?=", "\t",
	"line", "\xe6\x97\xa5\xe6\x9c\xac", ".", "From ", "<p>", "=_", "=1_",
	"a very long word without any break at all",
};

/* Random UTF-8 text with LF and CRLF line ends; 0 or more bytes. */
static size_t
rnd_text(char *out, size_t cap, unsigned maxpieces)
{
	size_t n = 0, k = rnd(maxpieces);

	while (k-- > 0) {
		const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
		size_t l = strlen(p);
		if (n + l + 1 >= cap)
			break;
		memcpy(out + n, p, l);
		n += l;
	}
	out[n] = '\0';
	return n;
}

/* Bare LF as CRLF: what the builder sends for text and HTML. */
static size_t
crlf(const char *in, size_t n, unsigned char *out)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			out[w++] = '\r';
		out[w++] = (unsigned char)in[i];
	}
	return w;
}

static const char *const fnames[] = {
	NULL, "a.txt", "report 2026.pdf", "na\xc3\xafve r\xc3\xa9sum\xc3\xa9.txt",
	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.png", "photo.jpg", "x\"y\\z.bin",
	"a-rather-long-file-name-that-needs-rfc2231-continuations-"
	"because-it-is-long-\xc3\xa9\xc3\xa9\xc3\xa9.dat",
};

/* Random attachment content of one of four shapes. */
static size_t
rnd_blob(unsigned char *b, size_t cap)
{
	size_t n = rnd(4) == 0 ? rnd(8) : rnd((unsigned)cap), i;

	switch (rnd(4)) {
	case 0:       /* random bytes */
		for (i = 0; i < n; i++)
			b[i] = (unsigned char)rnd(256);
		break;
	case 1:       /* ASCII with CRLF lines: 7bit when in memory */
		for (i = 0; i < n; i++)
			b[i] = (unsigned char)(i % 40 == 38 ? '\r' : i % 40 == 39 ? '\n' : 'a' + rnd(26));
		if (n > 0 && b[n - 1] == '\r')
			b[n - 1] = 'x';
		break;
	case 2:       /* mostly ASCII, some UTF-8, CRLF lines */
		for (i = 0; i + 1 < n; i++) {
			unsigned k = rnd(30);
			if (k == 0) {
				b[i++] = '\r';
				b[i] = '\n';
			} else if (k == 1) {
				b[i++] = 0xC3;
				b[i] = 0xA9;
			} else {
				b[i] = (unsigned char)(k == 2 ? '=' : k == 3 ? ' ' : 'a' + k);
			}
		}
		if (i < n)
			b[i] = '.';
		break;
	default:      /* text with bare LF (not kept by 7bit/QP) */
		for (i = 0; i < n; i++)
			b[i] = (unsigned char)(rnd(10) == 0 ? '\n' : 'A' + rnd(26));
		break;
	}
	return n;
}

#define MAXLEAF 10

typedef struct {
	const char *ctype;       /* "type/subtype" expected */
	lm_mime_disp disp;
	const char *filename;    /* NULL: none */
	const char *cid;
	const unsigned char *bytes;
	size_t len;
	unsigned depth;
} want_leaf;

typedef struct {
	unsigned char *buf;      /* decoded bytes of the current leaf */
	size_t len, cap;
	char ctype[2 * LM_MIME_TYPE_MAX + 2];
	char filename[LM_MIME_FILENAME_MAX];
	char name_param[1024];   /* Content-Type name, decoded */
	int has_name_param;
	char cid[300];
	lm_mime_disp disp;
	lm_mime_cte cte;
	unsigned depth;
} got_leaf;

static void
append(got_leaf *g, const void *p, size_t n)
{
	if (g->len + n > g->cap) {
		g->cap = (g->len + n) * 2 + 64;
		g->buf = realloc(g->buf, g->cap);
	}
	memcpy(g->buf + g->len, p, n);
	g->len += n;
}

/* Lines: CRLF only, 7-bit, no NUL, at most 998 octets; header lines of
 * the top section at most 78. */
static void
check_lines(const unsigned char *m, size_t n)
{
	size_t i, col = 0;
	int head = 1, bad = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = m[i];
		if (c == '\r') {
			if (i + 1 >= n || m[i + 1] != '\n')
				bad = 1;
			if (col == 0)
				head = 0;
			if (col > 998 || (head && col > 78))
				bad = 1;
			col = 0;
			i++;
			continue;
		}
		if (c == '\n' || c == 0 || c >= 0x80)
			bad = 1;
		col++;
	}
	if (col != 0)
		bad = 1;          /* ends with CRLF */
	LM_CHECK(!bad);
}

static void
t_roundtrip(void)
{
	static unsigned char scratch[LM_MIME_PARSER_SCRATCH_DEFAULT];
	int iter;

	for (iter = 0; iter < 400; iter++) {
		lm_mime_compose_opts o = LM_MIME_COMPOSE_OPTS_INIT;
		lm_mime_compose c;
		lm_mime_attachment att[2];
		lm_mime_part parts[5];
		src srcs[2];
		unsigned char blobs[7][6000];
		char text[2048], html[2048], cids[5][32], subj[256];
		unsigned char textc[4096], htmlc[4096];
		want_leaf w[MAXLEAF];
		got_leaf g[MAXLEAF];
		const char *want_mp[3];
		size_t nw = 0, nmpw = 0, nmp = 0, ng = 0, i;
		size_t natt = rnd(3), nparts = rnd(6), ninline = 0, nb;
		int has_text = rnd(3) != 0, has_html = rnd(2), cur = -1, r;
		lm_mime_mailbox to = { "B\xc3\xb8" "b", "bob@example.net" };
		lm_mime_mailbox rt = { "Re ply", "reply@example.net" };
		unsigned char *msg;
		size_t mlen = 0, mcap = 1 << 16, got, off;
		lm_mime_parser p;
		lm_mime_parser_opts po = LM_MIME_PARSER_OPTS_INIT;
		lm_mime_event ev;
		char mp[3][LM_MIME_TYPE_MAX];

		memset(parts, 0, sizeof parts);
		memset(g, 0, sizeof g);
		o.from.name = "Ann \xc3\x85str\xc3\xb6m";
		o.from.addr = "ann@example.org";
		o.to = &to;
		o.nto = 1;
		if (rnd(2)) {
			o.reply_to = &rt;
			o.nreply_to = 1;
		}
		(void)rnd_text(subj, 120, 12);
		for (i = 0; subj[i]; i++)
			if (subj[i] == '\r' || subj[i] == '\n' || subj[i] == '\t')
				subj[i] = ' ';
		o.subject = subj;
		o.date = 1795000000LL + iter;
		for (i = 0; i < 16; i++)
			o.boundary_seed[i] = (unsigned char)rnd(256);
		if (has_text) {
			size_t tn = rnd_text(text, sizeof text, 80);
			o.text = text;
			o.text_len = tn;
		}
		if (has_html) {
			size_t hn = rnd_text(html, sizeof html, 80);
			o.html = html;
			o.html_len = hn;
		}
		for (i = 0; i < natt; i++) {
			srcs[i].p = blobs[i];
			srcs[i].n = rnd_blob(blobs[i], sizeof blobs[i]);
			srcs[i].off = 0;
			srcs[i].step = 1 + rnd(3000);
			att[i].filename = fnames[rnd(sizeof fnames / sizeof fnames[0])];
			att[i].content_type = NULL;
			att[i].read = src_read;
			att[i].ud = &srcs[i];
		}
		for (i = 0; i < nparts; i++) {
			parts[i].filename = fnames[rnd(sizeof fnames / sizeof fnames[0])];
			parts[i].content_type = rnd(5) == 0 ? "text/x-custom" : NULL;
			parts[i].data = blobs[2 + i];
			parts[i].len = rnd_blob(blobs[2 + i], sizeof blobs[2 + i]);
			if (rnd(2)) {
				snprintf(cids[i], sizeof cids[i], "img%u.%d@example.org", (unsigned)i, iter);
				parts[i].content_id = cids[i];
				if (has_html)
					ninline++;
			}
		}
		o.att = att;
		o.natt = natt;
		o.parts = parts;
		o.nparts = nparts;

		/* The expected structure. */
		if (!has_text && !has_html && natt + nparts == 0)
			has_text = 1;  /* an empty text part */
		if (natt + nparts > ninline)
			want_mp[nmpw++] = "mixed";
		if (has_text && has_html)
			want_mp[nmpw++] = "alternative";
		if (ninline > 0)
			want_mp[nmpw++] = "related";
		nb = (size_t)(natt + nparts > ninline);   /* depth of the body */
		if (has_text) {
			w[nw].ctype = "text/plain";
			w[nw].disp = LM_MIME_DISP_NONE;
			w[nw].filename = w[nw].cid = NULL;
			w[nw].len = crlf(o.text ? text : "", o.text_len, textc);
			w[nw].bytes = textc;
			w[nw++].depth = (unsigned)(nb + (has_html ? 1 : 0));
		}
		if (has_html) {
			w[nw].ctype = "text/html";
			w[nw].disp = LM_MIME_DISP_NONE;
			w[nw].filename = w[nw].cid = NULL;
			w[nw].len = crlf(html, o.html_len, htmlc);
			w[nw].bytes = htmlc;
			w[nw++].depth = (unsigned)(nb + (has_text ? 1 : 0) + (ninline ? 1 : 0));
		}
		for (i = 0; i < nparts && ninline > 0; i++) {
			if (parts[i].content_id == NULL)
				continue;
			w[nw].ctype = parts[i].content_type ? parts[i].content_type :
			              lm_mime_guess_type(parts[i].filename);
			w[nw].disp = LM_MIME_DISP_INLINE;
			w[nw].filename = parts[i].filename;
			w[nw].cid = parts[i].content_id;
			w[nw].bytes = parts[i].data;
			w[nw].len = parts[i].len;
			w[nw++].depth = (unsigned)(nb + (has_text ? 1 : 0) + 1);
		}
		for (i = 0; i < natt; i++) {
			w[nw].ctype = lm_mime_guess_type(att[i].filename);
			w[nw].disp = LM_MIME_DISP_ATTACHMENT;
			w[nw].filename = att[i].filename;
			w[nw].cid = NULL;
			w[nw].bytes = srcs[i].p;
			w[nw].len = srcs[i].n;
			w[nw++].depth = 1;
		}
		for (i = 0; i < nparts; i++) {
			if (ninline > 0 && parts[i].content_id != NULL)
				continue;
			w[nw].ctype = parts[i].content_type ? parts[i].content_type :
			              lm_mime_guess_type(parts[i].filename);
			w[nw].disp = parts[i].content_id ? LM_MIME_DISP_INLINE :
			             LM_MIME_DISP_ATTACHMENT;
			w[nw].filename = parts[i].filename;
			w[nw].cid = parts[i].content_id;
			w[nw].bytes = parts[i].data;
			w[nw].len = parts[i].len;
			w[nw++].depth = 1;
		}

		/* Build, in random read sizes. */
		LM_CHECK_EQ(r = lm_mime_compose_init(&c, &o), 0);
		if (r != 0)
			break;
		msg = malloc(mcap);
		for (;;) {
			if (mcap - mlen < 4096)
				msg = realloc(msg, mcap *= 2);
			r = lm_mime_compose_read(&c, msg + mlen, 1 + rnd(3000), &got);
			LM_CHECK_EQ(r, 0);
			if (r != 0 || got == 0)
				break;
			mlen += got;
		}
		lm_mime_compose_free(&c);
		check_lines(msg, mlen);

		/* Parse, fed in random pieces. */
		LM_CHECK_EQ(lm_mime_parser_init(&p, &po, scratch, sizeof scratch), 0);
		off = 0;
		for (;;) {
			r = lm_mime_parser_next(&p, &ev);
			if (r == LM_WANT_READ) {
				size_t k = 1 + rnd(2000), used = 0;
				if (off == mlen) {
					lm_mime_parser_end(&p);
					continue;
				}
				if (k > mlen - off)
					k = mlen - off;
				LM_CHECK_EQ(lm_mime_parser_feed(&p, msg + off, k, &used), 0);
				off += used;
				continue;
			}
			if (r != LM_EVENT)
				break;
			switch (ev.type) {
			case LM_MIME_EV_HEADER:
				if (cur < 0 || cur >= MAXLEAF)
					break;
				if (ev.name.len == 10 && memcmp(ev.name.p, "Content-ID", 10) == 0 &&
				    ev.value.len < sizeof g[cur].cid) {
					memcpy(g[cur].cid, ev.value.p, ev.value.len);
					g[cur].cid[ev.value.len] = 0;
				} else if (ev.name.len == 12 &&
				           memcmp(ev.name.p, "Content-Type", 12) == 0) {
					const char *semi = memchr(ev.value.p, ';', ev.value.len);
					size_t dn = 0;
					if (semi != NULL &&
					    lm_mime_param_get(semi, ev.value.len -
					                      (size_t)(semi - (const char *)ev.value.p),
					                      "name", g[cur].name_param,
					                      sizeof g[cur].name_param - 1, &dn, NULL) == 1) {
						g[cur].name_param[dn] = 0;
						g[cur].has_name_param = 1;
					}
				}
				break;
			case LM_MIME_EV_PART_BEGIN:
				cur = ng < MAXLEAF ? (int)ng : -1;
				if (cur >= 0)
					memset(&g[cur], 0, sizeof g[cur]);
				break;
			case LM_MIME_EV_HEADERS_END:
				if (ev.part->kind == LM_MIME_KIND_MULTIPART) {
					if (nmp < 3)
						snprintf(mp[nmp], sizeof mp[nmp], "%s", ev.part->subtype);
					nmp++;
					cur = -1;
				} else if (cur >= 0) {
					snprintf(g[cur].ctype, sizeof g[cur].ctype, "%s/%s",
					         ev.part->type, ev.part->subtype);
					snprintf(g[cur].filename, sizeof g[cur].filename, "%s",
					         ev.part->filename);
					g[cur].disp = ev.part->disposition;
					g[cur].cte = ev.part->cte;
					g[cur].depth = ev.depth;
					ng++;
				}
				LM_CHECK_EQ(ev.defects, 0);
				break;
			case LM_MIME_EV_BODY:
				if (cur >= 0 && ev.body == LM_MIME_BODY_CONTENT)
					append(&g[cur], ev.data.p, ev.data.len);
				break;
			case LM_MIME_EV_PART_END:
				LM_CHECK_EQ(ev.defects, 0);
				cur = -1;
				break;
			default:
				break;
			}
		}
		LM_CHECK_EQ(r, LM_DONE);
		lm_mime_parser_free(&p);

		/* A single-part message ends with a line end: the builder adds
		 * CRLF after a 7bit or QP body that lacks one (the parser keeps it). */
		if (nmpw == 0 && w[0].len > 0 && w[0].bytes[w[0].len - 1] != '\n' &&
		    ng == 1 && g[0].cte != LM_MIME_CTE_BASE64) {
			unsigned char *b = w[0].bytes == textc ? textc : htmlc;
			b[w[0].len++] = '\r';
			b[w[0].len++] = '\n';
		}

		/* Compare. */
		LM_CHECK_EQ(nmp, nmpw);
		for (i = 0; i < nmp && i < nmpw; i++)
			LM_CHECK(strcmp(mp[i], want_mp[i]) == 0);
		LM_CHECK_EQ(ng, nw);
		for (i = 0; i < ng && i < nw; i++) {
			const want_leaf *x = &w[i];
			const got_leaf *y = &g[i];
			char ct[300];
			size_t k;
			/* the expected type without parameters, lower case */
			for (k = 0; x->ctype[k] && x->ctype[k] != ';' && k + 1 < sizeof ct; k++)
				ct[k] = x->ctype[k];
			ct[k] = 0;
			if (strcmp(ct, y->ctype) != 0 || x->disp != y->disp ||
			    x->depth != y->depth) {
				printf("  iter %d leaf %u: %s disp %d depth %u, got %s %d %u\n",
				       iter, (unsigned)i, ct, (int)x->disp, x->depth, y->ctype,
				       (int)y->disp, y->depth);
				LM_CHECK(0);
			}
			if (strcmp(x->filename ? x->filename : "", y->filename) != 0 ||
			    (x->filename != NULL && x->filename[0] &&
			     (!y->has_name_param || strcmp(x->filename, y->name_param) != 0))) {
				printf("  iter %d leaf %u: file name \"%s\" came back as \"%s\" / \"%s\"\n",
				       iter, (unsigned)i, x->filename ? x->filename : "",
				       y->filename, y->name_param);
				LM_CHECK(0);
			}
			if (x->cid != NULL) {
				LM_CHECK(y->cid[0] == '<' && strlen(y->cid) == strlen(x->cid) + 2 &&
				         memcmp(y->cid + 1, x->cid, strlen(x->cid)) == 0);
			} else {
				LM_CHECK(y->cid[0] == 0);
			}
			if (y->len != x->len || (x->len > 0 && memcmp(y->buf, x->bytes, x->len) != 0)) {
				if (getenv("LM_RT_DUMP") != NULL) {
					FILE *f = fopen(getenv("LM_RT_DUMP"), "wb");
					if (f != NULL) {
						fwrite(msg, 1, mlen, f);
						fclose(f);
					}
				}
				printf("  iter %d leaf %u (%s): %u bytes came back as %u\n", iter,
				       (unsigned)i, ct, (unsigned)x->len, (unsigned)y->len);
				LM_CHECK(0);
			}
		}
		for (i = 0; i < MAXLEAF; i++)
			free(g[i].buf);
		free(msg);
		if (lm_test__failed_now)
			break;
	}
}

/* Display names holding "=?" come back as given: readers (ours too)
 * decode encoded words even inside quotes, so the composer must not
 * put "=?...?=" into a quoted-string (found by the fuzz_compose round
 * trip, fuzz/regress/compose-name-ew-marker.bin). */
static void
t_name_ew_marker(void)
{
	static const char *const names[] = {
		"=?utf-8?Q?x?=", "a =?utf-8?B?eA==?= b", "========?=========-====g",
		"=?", "x=?y"
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		lm_mime_compose_opts o = LM_MIME_COMPOSE_OPTS_INIT;
		lm_mime_compose c;
		lm_mime_tree t;
		const lm_mime_header *h;
		lm_mime_addr_iter it;
		lm_mime_addr a;
		unsigned char msg[4096], scratch[512];
		size_t len = 0, got;

		o.from.name = names[i];
		o.from.addr = "ann@example.org";
		o.text = "hi\n";
		o.text_len = 3;
		LM_CHECK_EQ(lm_mime_compose_init(&c, &o), 0);
		do {
			LM_CHECK_EQ(lm_mime_compose_read(&c, msg + len, sizeof msg - len, &got), 0);
			len += got;
		} while (got > 0 && len < sizeof msg);
		lm_mime_compose_free(&c);
		LM_CHECK_EQ(lm_mime_tree_parse(NULL, msg, len, &t), 0);
		h = lm_mime_node_header(t.root, "From");
		LM_CHECK(h != NULL);
		if (h != NULL) {
			LM_CHECK_EQ(lm_mime_addr_init(&it, h->value, h->value_len, scratch,
			                              sizeof scratch, 0), 0);
			LM_CHECK_EQ(lm_mime_addr_next(&it, &a), LM_EVENT);
			LM_CHECK_EQ(a.name.len, strlen(names[i]));
			LM_CHECK(memcmp(a.name.p, names[i], a.name.len) == 0);
			LM_CHECK_EQ(lm_mime_addr_defects(&it), 0);
		}
		lm_mime_tree_free(&t);
	}
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_roundtrip),
		LM_TEST(t_name_ew_marker),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
