/*
 * Composer -> parser round trips on random messages: whatever
 * lm_mime_compose writes, the parser reads back to the same content
 * (text with its line ends as CRLF, attachment bytes exactly, file names
 * and the subject decoded), fed in random pieces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libmail/mime.h"
#include "test.h"

static unsigned long rng = 12345;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((rng >> 33) % n);
}

typedef struct {
	const unsigned char *p;
	size_t n, off;
	size_t step;
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
	"hello", " ", "w\xc3\xb6rld", "\n", "\r\n", "=", "--", "=?x?=", "\t", "line",
	"\xe6\x97\xa5\xe6\x9c\xac", ".", "From ", "a very long word without any break at all",
};

static size_t
rnd_text(char *out, size_t cap)
{
	size_t n = 0, k = rnd(60);

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

/* Text with every bare LF as CRLF (what the composer sends). */
static size_t
crlf(const char *in, size_t n, char *out)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			out[w++] = '\r';
		out[w++] = in[i];
	}
	return w;
}

static void
t_roundtrip(void)
{
	static const char *const names[] = {
		"a.txt", "report 2026.pdf", "na\xc3\xafve r\xc3\xa9sum\xc3\xa9.txt",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.bin",
		"a-rather-long-file-name-that-needs-rfc2231-continuations-because-it-is-long.dat",
	};
	int iter;

	for (iter = 0; iter < 300; iter++) {
		lm_mime_compose_opts o = LM_MIME_COMPOSE_OPTS_INIT;
		lm_mime_compose c;
		lm_mime_attachment att[3];
		src srcs[3];
		unsigned char *bins[3];
		size_t binn[3];
		lm_mime_mailbox to = { "Bob", "bob@example.net" };
		char text[4096], subj[512], want[8192];
		size_t tn, wn, i, natt = 1 + rnd(3), mlen = 0, mcap = 1 << 16, got;
		unsigned char *msg = malloc(mcap);
		lm_mime_tree t;
		const lm_mime_node *x;
		size_t leaf = 0;
		int r;

		tn = rnd_text(text, sizeof text);
		(void)rnd_text(subj, 200);
		for (i = 0; subj[i]; i++)     /* subjects are one line */
			if (subj[i] == '\r' || subj[i] == '\n' || subj[i] == '\t')
				subj[i] = ' ';
		o.from.name = "Ann";
		o.from.addr = "ann@example.org";
		o.to = &to;
		o.nto = 1;
		o.subject = subj;
		o.date = 1795000000LL + iter;
		o.text = text;
		o.text_len = tn;
		for (i = 0; i < 16; i++)
			o.boundary_seed[i] = (unsigned char)rnd(256);
		for (i = 0; i < natt; i++) {
			size_t k;
			binn[i] = rnd(3) == 0 ? 0 : rnd(20000);
			bins[i] = malloc(binn[i] + 1);
			for (k = 0; k < binn[i]; k++)
				bins[i][k] = (unsigned char)(rnd(4) ? rnd(256) : '\n');
			srcs[i].p = bins[i];
			srcs[i].n = binn[i];
			srcs[i].off = 0;
			srcs[i].step = 1 + rnd(5000);
			att[i].filename = names[rnd(sizeof names / sizeof names[0])];
			att[i].content_type = NULL;
			att[i].read = src_read;
			att[i].ud = &srcs[i];
		}
		o.att = att;
		o.natt = natt;
		r = lm_mime_compose_init(&c, &o);
		LM_CHECK_EQ(r, 0);
		if (r != 0)
			break;
		for (;;) {
			if (mcap - mlen < 4096) {
				mcap *= 2;
				msg = realloc(msg, mcap);
			}
			r = lm_mime_compose_read(&c, msg + mlen, 1 + rnd(4000), &got);
			LM_CHECK_EQ(r, 0);
			if (r != 0 || got == 0)
				break;
			mlen += got;
		}
		lm_mime_compose_free(&c);
		LM_CHECK_EQ(lm_mime_tree_parse(NULL, msg, mlen, &t), 0);
		LM_CHECK_EQ(t.defects, 0);
		{
			const lm_mime_header *h = lm_mime_node_header(t.root, "subject");
			char dec[4096];
			size_t dn = 0;
			LM_CHECK(h != NULL);
			if (h != NULL) {
				LM_CHECK_EQ(lm_mime_ew_decode(h->value, h->value_len, dec, sizeof dec,
				                              &dn, NULL), 0);
				if (dn != strlen(subj) || memcmp(dec, subj, dn) != 0) {
					printf("  subject \"%s\" came back as \"%.*s\"\n", subj, (int)dn, dec);
					LM_CHECK(0);
				}
			}
		}
		wn = crlf(text, tn, want);
		for (x = t.root; x != NULL; x = lm_mime_node_next(x)) {
			if (x->info.kind != LM_MIME_KIND_LEAF)
				continue;
			if (leaf == 0) {
				LM_CHECK(strcmp(x->info.type, "text") == 0);
				LM_CHECK(x->content_len == wn &&
				         (wn == 0 || memcmp(x->content, want, wn) == 0));
			} else if (leaf - 1 < natt) {
				size_t a = leaf - 1;
				LM_CHECK(x->content_len == binn[a] &&
				         (binn[a] == 0 || memcmp(x->content, bins[a], binn[a]) == 0));
				if (strcmp(x->info.filename, att[a].filename) != 0) {
					printf("  filename \"%s\" came back as \"%s\"\n", att[a].filename,
					       x->info.filename);
					LM_CHECK(0);
				}
			}
			leaf++;
		}
		LM_CHECK_EQ(leaf, natt + 1);
		lm_mime_tree_free(&t);
		for (i = 0; i < natt; i++)
			free(bins[i]);
		free(msg);
		if (lm_test__failed_now)
			break;
	}
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_roundtrip),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
