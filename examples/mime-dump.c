/*
 * mime-dump - print the structure of one message.
 *
 *   mime-dump [--json] [FILE|-]
 *
 * Reads the message (default: standard input) in chunks through the
 * streaming parser, so memory does not grow with the message. Without
 * --json it prints an indented tree; with --json one object:
 *
 *   {"headers": {"from": [{"name": .., "address": ..}], "to": [..],
 *    "cc": [..], "subject": "decoded UTF-8", "date": "RFC 3339" | null,
 *    "message_id": ".."},
 *    "parts": [{"path": "1.2", "content_type": "type/subtype",
 *               "charset": .. | null, "disposition": "inline" |
 *               "attachment" | null, "filename": .. | null,
 *               "transfer_encoding": "..", "size": N, "sha256": "hex"}],
 *    "defects": ["path: name", ...]}
 *
 * parts lists the leaf entities in order (parts inside an attached
 * message with their nested paths); size and sha256 are over the body
 * after transfer decoding. Exit status: 0 printed, 2 usage or I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>

#include "libmail.h"
#include "libmail/mime.h"

#define CLI_PROG "mime-dump"
#include "cli.h"

typedef struct {
	char *s;
	size_t n;
} str;

typedef struct {
	char path[LM_MIME_PATH_MAX];
	unsigned depth;
	char ctype[2 * LM_MIME_TYPE_MAX + 2];
	char charset[LM_MIME_CHARSET_MAX];
	int disposition;
	str filename;        /* decoded, or NULL */
	char cte[64];
	unsigned long long size;
	unsigned char sha[32];
} leaf;

typedef struct {
	int json;
	/* top-level headers (first occurrence) */
	str from, to, cc, subject, date, msgid;
	/* the current entity's headers that matter here */
	str ct, cd, cte;
	leaf *leaves;
	size_t nleaves, capleaves;
	leaf *cur;
	/* SHA-256 of the current leaf, straight from mbedTLS: libmail's
	 * public API has no hash (its SASL hashes are private) and an
	 * example builds only against that API. The generic mbedtls_md_*
	 * calls have the same signatures in mbedTLS 2.28 and 3.6, so this
	 * file needs no version test (the library keeps its own in
	 * lib/core/mbedtls_compat.h). */
	mbedtls_md_context_t sha;
	char **defects;
	size_t ndefects;
	const char *only;    /* LM_MIME_DUMP_PART: write that leaf's bytes only */
} dump;

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL) {
		cli_err("out of memory");
		exit(2);
	}
	return q;
}

static void
str_set(str *s, const unsigned char *p, size_t n)
{
	s->s = xrealloc(s->s, n + 1);
	memcpy(s->s, p, n);
	s->s[n] = '\0';
	s->n = n;
}

static void
str_clear(str *s)
{
	free(s->s);
	s->s = NULL;
	s->n = 0;
}

static int
hname(const lm_slice *n, const char *lit)
{
	size_t i, l = strlen(lit);

	if (n->len != l)
		return 0;
	for (i = 0; i < l; i++) {
		unsigned char c = n->p[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if (c != (unsigned char)lit[i])
			return 0;
	}
	return 1;
}

/* ---- JSON output ----------------------------------------------------- */

static void
json_str(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;
	unsigned cp;

	putchar('"');
	while (i < n) {
		unsigned char c = s[i];
		size_t l;
		if (c == '"' || c == '\\') {
			printf("\\%c", c);
			i++;
		} else if (c == '\n') {
			fputs("\\n", stdout);
			i++;
		} else if (c == '\r') {
			fputs("\\r", stdout);
			i++;
		} else if (c == '\t') {
			fputs("\\t", stdout);
			i++;
		} else if (c < 0x20 || c == 0x7F) {
			printf("\\u%04x", c);
			i++;
		} else if ((l = cli_utf8_len(s + i, n - i, &cp)) == 0) {
			fputs("\\ufffd", stdout);   /* not UTF-8: replaced */
			i++;
		} else if (cp >= 0x80 && cp <= 0x9f) {
			/* C1 controls escaped too: the same JSON, and no
			 * escape sequence for a terminal showing it */
			printf("\\u%04x", cp);
			i += l;
		} else {
			fwrite(s + i, 1, l, stdout);
			i += l;
		}
	}
	putchar('"');
}

static void
json_cstr_or_null(const char *s)
{
	if (s == NULL || *s == '\0')
		fputs("null", stdout);
	else
		json_str(s, strlen(s));
}

static void
json_addrs(const str *v)
{
	lm_mime_addr_iter it;
	lm_mime_addr a;
	static unsigned char scratch[LM_MIME_ADDR_SCRATCH * 4];
	int first = 1, r;

	putchar('[');
	if (v->s != NULL && lm_mime_addr_init(&it, v->s, v->n, scratch, sizeof scratch, 0) == 0) {
		while ((r = lm_mime_addr_next(&it, &a)) != LM_DONE) {
			if (r != LM_EVENT) {
				if (r == LM_ERR_BUFFER_TOO_SMALL)
					continue;
				break;
			}
			if (!first)
				putchar(',');
			first = 0;
			fputs("{\"name\": ", stdout);
			json_str((const char *)a.name.p, a.name.len);
			fputs(", \"address\": ", stdout);
			json_str((const char *)a.address.p, a.address.len);
			putchar('}');
		}
	}
	putchar(']');
}

static void
json_subject(const str *v)
{
	char *out;
	size_t olen = 0;

	if (v->s == NULL) {
		fputs("null", stdout);
		return;
	}
	out = xrealloc(NULL, LM_MIME_EW_DECODED_MAX(v->n));
	if (lm_mime_ew_decode(v->s, v->n, out, LM_MIME_EW_DECODED_MAX(v->n), &olen, NULL) == 0)
		json_str(out, olen);
	else
		json_str(v->s, v->n);
	free(out);
}

static void
json_date(const str *v)
{
	long long t;
	int tz;
	char out[LM_MIME_RFC3339_LEN + 1];

	if (v->s != NULL && lm_mime_date_parse(v->s, v->n, &t, &tz, NULL) == 0 &&
	    lm_mime_date_rfc3339(t, tz, out, sizeof out, NULL) == 0)
		json_str(out, strlen(out));
	else
		fputs("null", stdout);
}

/* ---- events ---------------------------------------------------------- */

/* A string of the message on stdout, control characters as '?'. */
static void
put_str(const char *s)
{
	cli_put_clean(stdout, (const unsigned char *)s, strlen(s), 0);
}

static void
add_defects(dump *d, const char *path, unsigned bits)
{
	unsigned b;

	for (b = 1; b != 0; b <<= 1) {
		if (bits & b) {
			const char *name = lm_mime_parser_defect_name(b);
			size_t n = strlen(path) + strlen(name) + 16;
			char *s = xrealloc(NULL, n);
			snprintf(s, n, "%s: %s", *path ? path : "message", name);
			d->defects = xrealloc(d->defects, (d->ndefects + 1) * sizeof *d->defects);
			d->defects[d->ndefects++] = s;
		}
	}
}

static void
leaf_begin(dump *d, const lm_mime_event *ev)
{
	const lm_mime_part_info *in = ev->part;
	leaf *l;
	lm_mime_ctype cd;
	char fn[4 * LM_MIME_FILENAME_MAX + 64];
	size_t fl = 0;
	int got = 0;
	size_t i;

	if (d->nleaves == d->capleaves) {
		d->capleaves = d->capleaves ? 2 * d->capleaves : 16;
		d->leaves = xrealloc(d->leaves, d->capleaves * sizeof *d->leaves);
	}
	l = &d->leaves[d->nleaves++];
	memset(l, 0, sizeof *l);
	snprintf(l->path, sizeof l->path, "%s", ev->path);
	l->depth = ev->depth;
	snprintf(l->ctype, sizeof l->ctype, "%s/%s", in->type, in->subtype);
	snprintf(l->charset, sizeof l->charset, "%s", in->charset);
	l->disposition = in->disposition;
	/* file name: decoded through the header codecs (RFC 2231, RFC 2047) */
	if (d->cd.s != NULL && lm_mime_cdisp_parse(d->cd.s, d->cd.n, &cd) >= LM_ERR_DECODE &&
	    lm_mime_param_get((const char *)cd.params.p, cd.params.len, "filename", fn,
	                      sizeof fn, &fl, NULL) == 1)
		got = 1;
	if (!got && d->ct.s != NULL && lm_mime_ctype_parse(d->ct.s, d->ct.n, &cd) >= LM_ERR_DECODE &&
	    lm_mime_param_get((const char *)cd.params.p, cd.params.len, "name", fn,
	                      sizeof fn, &fl, NULL) == 1)
		got = 1;
	if (!got && in->filename[0] != '\0') {
		fl = strlen(in->filename);
		memcpy(fn, in->filename, fl);
		got = 1;
	}
	if (got)
		str_set(&l->filename, (const unsigned char *)fn, fl);
	if (d->cte.s != NULL) {
		size_t k = 0;
		for (i = 0; i < d->cte.n && k + 1 < sizeof l->cte; i++) {
			unsigned char c = (unsigned char)d->cte.s[i];
			if (c == ' ' || c == '\t' || c == '(' || c == ';')
				break;
			l->cte[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		l->cte[k] = '\0';
	}
	if (l->cte[0] == '\0')
		snprintf(l->cte, sizeof l->cte, "7bit");
	mbedtls_md_starts(&d->sha);
	d->cur = l;
}

static void
on_event(dump *d, const lm_mime_event *ev)
{
	switch (ev->type) {
	case LM_MIME_EV_PART_BEGIN:
		str_clear(&d->ct);
		str_clear(&d->cd);
		str_clear(&d->cte);
		break;
	case LM_MIME_EV_HEADER:
		if (hname(&ev->name, "content-type") && d->ct.s == NULL)
			str_set(&d->ct, ev->value.p, ev->value.len);
		else if (hname(&ev->name, "content-disposition") && d->cd.s == NULL)
			str_set(&d->cd, ev->value.p, ev->value.len);
		else if (hname(&ev->name, "content-transfer-encoding") && d->cte.s == NULL)
			str_set(&d->cte, ev->value.p, ev->value.len);
		if (ev->depth == 0) {
			if (hname(&ev->name, "from") && d->from.s == NULL)
				str_set(&d->from, ev->value.p, ev->value.len);
			else if (hname(&ev->name, "to") && d->to.s == NULL)
				str_set(&d->to, ev->value.p, ev->value.len);
			else if (hname(&ev->name, "cc") && d->cc.s == NULL)
				str_set(&d->cc, ev->value.p, ev->value.len);
			else if (hname(&ev->name, "subject") && d->subject.s == NULL)
				str_set(&d->subject, ev->value.p, ev->value.len);
			else if (hname(&ev->name, "date") && d->date.s == NULL)
				str_set(&d->date, ev->value.p, ev->value.len);
			else if (hname(&ev->name, "message-id") && d->msgid.s == NULL)
				str_set(&d->msgid, ev->value.p, ev->value.len);
		}
		break;
	case LM_MIME_EV_HEADERS_END:
		if (!d->json && d->only == NULL) {
			/* every string here comes from the message: its
			 * control characters never reach the terminal */
			printf("%*s%s ", (int)ev->depth * 2, "",
			       ev->path_len ? ev->path : "(message)");
			put_str(ev->part->type);
			putchar('/');
			put_str(ev->part->subtype);
			if (ev->part->charset[0]) {
				fputs(" charset=", stdout);
				put_str(ev->part->charset);
			}
			if (ev->part->filename[0]) {
				fputs(" filename=\"", stdout);
				put_str(ev->part->filename);
				putchar('"');
			}
			if (ev->part->kind == LM_MIME_KIND_MULTIPART) {
				fputs(" boundary=\"", stdout);
				put_str(ev->part->boundary);
				putchar('"');
			}
			putchar('\n');
		}
		if (ev->part->kind == LM_MIME_KIND_LEAF)
			leaf_begin(d, ev);
		break;
	case LM_MIME_EV_BODY:
		if (d->only != NULL && d->cur != NULL && strcmp(d->cur->path, d->only) == 0)
			fwrite(ev->data.p, 1, ev->data.len, stdout);
		if (d->cur != NULL && ev->body == LM_MIME_BODY_CONTENT) {
			d->cur->size += ev->data.len;
			mbedtls_md_update(&d->sha, ev->data.p, ev->data.len);
		}
		break;
	case LM_MIME_EV_PART_END:
		if (d->cur != NULL) {
			mbedtls_md_finish(&d->sha, d->cur->sha);
			if (!d->json && d->only == NULL)
				printf("%*s  (%llu octets decoded)\n", (int)ev->depth * 2, "",
				       d->cur->size);
			d->cur = NULL;
		}
		if (ev->defects)
			add_defects(d, ev->path, ev->defects);
		break;
	default:
		break;
	}
}

static void
print_json(dump *d)
{
	size_t i, k;
	static const char *const disp[] = { NULL, "inline", "attachment", NULL };

	fputs("{\"headers\": {\"from\": ", stdout);
	json_addrs(&d->from);
	fputs(", \"to\": ", stdout);
	json_addrs(&d->to);
	fputs(", \"cc\": ", stdout);
	json_addrs(&d->cc);
	fputs(", \"subject\": ", stdout);
	json_subject(&d->subject);
	fputs(", \"date\": ", stdout);
	json_date(&d->date);
	fputs(", \"message_id\": ", stdout);
	if (d->msgid.s != NULL)
		json_str(d->msgid.s, d->msgid.n);
	else
		fputs("null", stdout);
	fputs("},\n \"parts\": [", stdout);
	for (i = 0; i < d->nleaves; i++) {
		leaf *l = &d->leaves[i];
		printf("%s\n  {\"path\": ", i ? "," : "");
		json_str(l->path, strlen(l->path));
		fputs(", \"content_type\": ", stdout);
		json_str(l->ctype, strlen(l->ctype));
		fputs(", \"charset\": ", stdout);
		json_cstr_or_null(l->charset);
		fputs(", \"disposition\": ", stdout);
		json_cstr_or_null(l->disposition >= 0 && l->disposition <= 3 ? disp[l->disposition] : NULL);
		fputs(", \"filename\": ", stdout);
		if (l->filename.s != NULL)
			json_str(l->filename.s, l->filename.n);
		else
			fputs("null", stdout);
		fputs(", \"transfer_encoding\": ", stdout);
		json_str(l->cte, strlen(l->cte));
		printf(", \"size\": %llu, \"sha256\": \"", l->size);
		for (k = 0; k < 32; k++)
			printf("%02x", l->sha[k]);
		fputs("\"}", stdout);
	}
	fputs("],\n \"defects\": [", stdout);
	for (i = 0; i < d->ndefects; i++) {
		if (i)
			fputs(", ", stdout);
		json_str(d->defects[i], strlen(d->defects[i]));
	}
	fputs("]}\n", stdout);
}

int
main(int argc, char **argv)
{
	static unsigned char scratch[LM_MIME_PARSER_SCRATCH_DEFAULT];
	static unsigned char chunk[65536];
	lm_mime_parser p;
	lm_mime_event ev;
	dump d;
	FILE *f = stdin;
	const char *file = NULL;
	size_t n, off, used, i;
	int r, ai;

	memset(&d, 0, sizeof d);
	/* Test hook (not part of the command line contract): with
	 * LM_MIME_DUMP_PART=PATH and no --json, print nothing but the
	 * decoded bytes of that leaf. */
	d.only = getenv("LM_MIME_DUMP_PART");
	for (ai = 1; ai < argc; ai++) {
		if (strcmp(argv[ai], "--json") == 0)
			d.json = 1, d.only = NULL;
		else if (strcmp(argv[ai], "-h") == 0 || strcmp(argv[ai], "--help") == 0) {
			printf("usage: mime-dump [--json] [FILE|-]\n");
			return 0;
		} else if (file == NULL && (argv[ai][0] != '-' || strcmp(argv[ai], "-") == 0))
			file = argv[ai];
		else if (file == NULL || argv[ai][0] == '-')
			return cli_usage("unknown option", argv[ai]);
		else
			return cli_usage("only one FILE", argv[ai]);
	}
	if (file != NULL && strcmp(file, "-") != 0) {
		f = fopen(file, "rb");
		if (f == NULL) {
			cli_err("%s: %s", file, strerror(errno));
			return 2;
		}
	}
	mbedtls_md_init(&d.sha);
	if (mbedtls_md_setup(&d.sha, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	                     0) != 0) {
		cli_err("SHA-256 is not available");
		return 2;
	}
	if (lm_mime_parser_init(&p, NULL, scratch, sizeof scratch) != 0) {
		cli_err("parser init failed");
		return 2;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		for (off = 0; off < n; off += used) {
			r = lm_mime_parser_feed(&p, chunk + off, n - off, &used);
			if (r != 0) {
				cli_err("%s", lm_strerror(r));
				return 2;
			}
			while ((r = lm_mime_parser_next(&p, &ev)) == LM_EVENT)
				on_event(&d, &ev);
			if (r < 0) {
				cli_err("%s", lm_strerror(r));
				return 2;
			}
		}
	}
	if (ferror(f)) {
		cli_err("%s: %s", f == stdin ? "standard input" : file,
		        strerror(errno));
		return 2;
	}
	lm_mime_parser_end(&p);
	while ((r = lm_mime_parser_next(&p, &ev)) == LM_EVENT)
		on_event(&d, &ev);
	if (d.json)
		print_json(&d);
	else if (d.ndefects > 0 && d.only == NULL) {
		printf("defects:\n");
		for (i = 0; i < d.ndefects; i++)
			printf("  %s\n", d.defects[i]);
	}
	if (f != stdin)
		fclose(f);
	lm_mime_parser_free(&p);
	mbedtls_md_free(&d.sha);
	for (i = 0; i < d.nleaves; i++)
		str_clear(&d.leaves[i].filename);
	free(d.leaves);
	for (i = 0; i < d.ndefects; i++)
		free(d.defects[i]);
	free(d.defects);
	str_clear(&d.from);
	str_clear(&d.to);
	str_clear(&d.cc);
	str_clear(&d.subject);
	str_clear(&d.date);
	str_clear(&d.msgid);
	str_clear(&d.ct);
	str_clear(&d.cd);
	str_clear(&d.cte);
	return 0;
}
