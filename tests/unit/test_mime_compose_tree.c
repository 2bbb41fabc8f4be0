/*
 * The builder's multipart structures (issue 3): multipart/alternative
 * (text + HTML), multipart/related (HTML + inline parts with
 * Content-ID), both inside multipart/mixed, Reply-To, in-memory parts
 * whose transfer encoding is chosen by content, and the checks on the
 * new fields. Expected bytes are worked out by hand from RFC 2045/2046/
 * 2387/5322 (base64 and QP of the small payloads checked with
 * python3's base64 / quopri modules).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libmail/mime.h"
#include "mime/internal.h" /* lm_mime__compose_rendered(), for the work count */
#include "test.h"

#define Z32 "00000000000000000000000000000000"
#define DATE0 "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"

/* The whole message, pulled cap bytes at a time; NUL-terminated. */
static char *
build(const lm_mime_compose_opts *o, size_t cap, size_t *len, int *err)
{
	lm_mime_compose m;
	size_t n = 0, size = 1 << 16, got;
	char *out = malloc(size);
	int r;

	*err = lm_mime_compose_init(&m, o);
	if (*err != 0) {
		free(out);
		return NULL;
	}
	for (;;) {
		if (size - n < cap + 1)
			out = realloc(out, size *= 2);
		r = lm_mime_compose_read(&m, (unsigned char *)out + n, cap, &got);
		if (r != 0) {
			*err = r;
			break;
		}
		if (got == 0)
			break;
		n += got;
	}
	lm_mime_compose_free(&m);
	out[n] = 0;
	*len = n;
	return out;
}

/* Same bytes whatever the read size. */
static void
check_msg(const lm_mime_compose_opts *o, const char *want)
{
	static const size_t caps[] = { 1, 7, 64, 4096 };
	size_t i, n;
	int err;

	for (i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		char *got = build(o, caps[i], &n, &err);
		LM_CHECK_EQ(err, 0);
		if (got == NULL)
			return;
		if (n != strlen(want) || memcmp(got, want, n) != 0) {
			printf("  cap %u, got:\n%s\n  want:\n%s\n", (unsigned)caps[i], got, want);
			LM_CHECK(0);
		}
		free(got);
	}
}

static void
base_opts(lm_mime_compose_opts *o)
{
	lm_mime_compose_opts z = LM_MIME_COMPOSE_OPTS_INIT;
	*o = z;
	o->from.addr = "a@example.com";
	o->date = 0;
}

static void
t_alternative(void)
{
	lm_mime_compose_opts o;

	base_opts(&o);
	o.text = "Hi\n";
	o.text_len = 3;
	o.html = "<b>Hi</b>\n";
	o.html_len = 10;
	/* "Content-Type: multipart/alternative;" is 36 columns: with
	 * ' boundary="=_' + 32 + '"' (46) the line would be 82, so it folds. */
	check_msg(&o,
		DATE0
		"From: a@example.com\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/alternative;\r\n"
		" boundary=\"=_" Z32 "\"\r\n"
		"\r\n"
		"--=_" Z32 "\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"\r\n"
		"Hi\r\n"
		"\r\n--=_" Z32 "\r\n"
		"Content-Type: text/html; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"\r\n"
		"<b>Hi</b>\r\n"
		"\r\n--=_" Z32 "--\r\n");
}

/* HTML only: a single text/html part; with non-ASCII it is QP. */
static void
t_html_only(void)
{
	lm_mime_compose_opts o;

	base_opts(&o);
	o.html = "<p>caf\xc3\xa9</p>";
	o.html_len = strlen(o.html);
	check_msg(&o,
		DATE0
		"From: a@example.com\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/html; charset=utf-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n"
		"\r\n"
		"<p>caf=C3=A9</p>\r\n");
}

/* mixed > alternative > related, Reply-To with an encoded word; the
 * inline part is base64 (binary), the text attachment QP (non-ASCII,
 * CRLF lines), the ASCII one 7bit. */
static void
t_mixed_alt_related(void)
{
	lm_mime_compose_opts o;
	lm_mime_mailbox rt = { "R\xc3\xa9ply", "r@example.com" };
	lm_mime_part p[3];

	base_opts(&o);
	memset(p, 0, sizeof p);
	o.reply_to = &rt;
	o.nreply_to = 1;
	o.subject = "Hi";
	o.text = "Hello\n";
	o.text_len = 6;
	o.html = "<img src=\"cid:i1@x\">\n";
	o.html_len = strlen(o.html);
	p[0].filename = "n\xc3\xb6te.txt";
	p[0].data = "caf\xc3\xa9\r\n";
	p[0].len = 7;
	p[1].filename = "i.png";
	p[1].data = "\x89PNG";
	p[1].len = 4;
	p[1].content_id = "i1@x";
	p[2].filename = "a.txt";
	p[2].data = "plain\r\n";
	p[2].len = 7;
	o.parts = p;
	o.nparts = 3;
	check_msg(&o,
		DATE0
		"From: a@example.com\r\n"
		"Reply-To: =?UTF-8?B?UsOpcGx5?= <r@example.com>\r\n"
		"Subject: Hi\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"=_" Z32 "\"\r\n"
		"\r\n"
		"--=_" Z32 "\r\n"
		"Content-Type: multipart/alternative;\r\n"
		" boundary=\"=1_" Z32 "\"\r\n"
		"\r\n"
		"--=1_" Z32 "\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"\r\n"
		"Hello\r\n"
		"\r\n--=1_" Z32 "\r\n"
		"Content-Type: multipart/related; type=\"text/html\";\r\n"
		" boundary=\"=2_" Z32 "\"\r\n"
		"\r\n"
		"--=2_" Z32 "\r\n"
		"Content-Type: text/html; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"\r\n"
		"<img src=\"cid:i1@x\">\r\n"
		"\r\n--=2_" Z32 "\r\n"
		"Content-Type: image/png; name=\"i.png\"\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"Content-ID: <i1@x>\r\n"
		"Content-Disposition: inline; filename=\"i.png\"\r\n"
		"\r\n"
		"iVBORw=="
		"\r\n--=2_" Z32 "--"
		"\r\n--=1_" Z32 "--"
		"\r\n--=_" Z32 "\r\n"
		"Content-Type: text/plain; name=\"=?UTF-8?B?bsO2dGUudHh0?=\"\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n"
		"Content-Disposition: attachment; filename*=utf-8''n%C3%B6te.txt\r\n"
		"\r\n"
		"caf=C3=A9\r\n"
		"\r\n--=_" Z32 "\r\n"
		"Content-Type: text/plain; name=\"a.txt\"\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"Content-Disposition: attachment; filename=\"a.txt\"\r\n"
		"\r\n"
		"plain\r\n"
		"\r\n--=_" Z32 "--\r\n");
}

/* Without HTML an inline part stays in the mixed (inline, Content-ID);
 * an in-memory binary part (NUL) and a text one with a bare LF are
 * base64 (7bit / QP would change them). */
static void
t_inline_without_html(void)
{
	lm_mime_compose_opts o;
	lm_mime_part p[2];

	base_opts(&o);
	memset(p, 0, sizeof p);
	p[0].content_type = "application/octet-stream";
	p[0].data = "\x00\x01\x02";
	p[0].len = 3;
	p[0].content_id = "c";
	p[1].filename = "l.txt";
	p[1].data = "a\nb";
	p[1].len = 3;
	o.parts = p;
	o.nparts = 2;
	/* base64("\0\1\2") = AAEC, base64("a\nb") = YQpi */
	check_msg(&o,
		DATE0
		"From: a@example.com\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"=_" Z32 "\"\r\n"
		"\r\n"
		"--=_" Z32 "\r\n"
		"Content-Type: application/octet-stream\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"Content-ID: <c>\r\n"
		"Content-Disposition: inline\r\n"
		"\r\n"
		"AAEC"     /* base64 ends without a line end: the delimiter's CRLF follows */
		"\r\n--=_" Z32 "\r\n"
		"Content-Type: text/plain; name=\"l.txt\"\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"Content-Disposition: attachment; filename=\"l.txt\"\r\n"
		"\r\n"
		"YQpi"
		"\r\n--=_" Z32 "--\r\n");
}

static int
rd_html(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	int *calls = ud;
	(void)cap;
	if ((*calls)++ == 0) {
		memcpy(buf, "<i>x</i>\n", 9);
		*got = 9;
	} else {
		*got = 0;
	}
	return 0;
}

/* A streamed HTML body cannot be inspected: quoted-printable. */
static void
t_html_read(void)
{
	lm_mime_compose_opts o;
	lm_mime_compose m;
	unsigned char buf[2048];
	size_t got;
	int calls = 0;

	base_opts(&o);
	o.html_read = rd_html;
	o.html_ud = &calls;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), 0);
	LM_CHECK_EQ(lm_mime_compose_read(&m, buf, sizeof buf - 1, &got), 0);
	buf[got] = 0;
	LM_CHECK(strstr((char *)buf, "Content-Type: text/html; charset=utf-8\r\n"
	                "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	                "<i>x</i>\r\n") != NULL);
	lm_mime_compose_free(&m);
}

/* The seed's hex in a 7bit-able text of a multipart message: not 7bit. */
static void
t_seed_in_html(void)
{
	lm_mime_compose_opts o;
	size_t n;
	int err;
	char *msg;

	base_opts(&o);
	o.text = "x";
	o.text_len = 1;
	o.html = "--=2_" Z32 "\n";
	o.html_len = strlen(o.html);
	msg = build(&o, 100, &n, &err);
	LM_CHECK_EQ(err, 0);
	LM_CHECK(msg != NULL && strstr(msg, "\r\n--=2_" Z32) == NULL &&
	         strstr(msg, "Content-Type: text/html; charset=utf-8\r\n"
	                "Content-Transfer-Encoding: quoted-printable") != NULL);
	free(msg);
}

static int
rd_none(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	(void)ud; (void)buf; (void)cap;
	*got = 0;
	return 0;
}

static void
t_refused(void)
{
	static const char *const bad_cid[] = { "", "a b", "a\rb", "a\nb", "<a>", "a\x7f", "\xc3\xa9" };
	lm_mime_compose_opts o;
	lm_mime_compose m;
	lm_mime_part p;
	lm_mime_mailbox rt = { "a\r\nBcc: x@y.z", "r@example.com" };
	lm_mime_mailbox rt2 = { NULL, "r@exa\nmple.com" };
	lm_mime_mailbox ok = { NULL, "r@example.com" };
	const char *reply_hdr = "Reply-To: x@example.com";
	size_t i;

	for (i = 0; i < sizeof bad_cid / sizeof bad_cid[0]; i++) {
		base_opts(&o);
		memset(&p, 0, sizeof p);
		p.data = "x";
		p.len = 1;
		p.content_id = bad_cid[i];
		o.parts = &p;
		o.nparts = 1;
		LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	}
	/* a part needs exactly one of read and data */
	base_opts(&o);
	memset(&p, 0, sizeof p);
	o.parts = &p;
	o.nparts = 1;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	p.read = rd_none;
	p.data = "x";
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	p.data = NULL;
	p.len = 2;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	p.len = 0;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), 0);
	p.filename = "a\r\nb.txt";
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	p.filename = NULL;
	p.content_type = "text/plain\r\nBcc: x@y.z";
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	o.parts = NULL;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	/* HTML: not both forms, no length without pointer */
	base_opts(&o);
	o.html = "x";
	o.html_len = 1;
	o.html_read = rd_none;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	o.html = NULL;
	o.html_read = NULL;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	/* Reply-To: CR/LF in name or address; the field twice */
	base_opts(&o);
	o.reply_to = &rt;
	o.nreply_to = 1;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	o.reply_to = &rt2;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	o.reply_to = NULL;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	o.reply_to = &ok;
	o.extra_headers = &reply_hdr;
	o.nextra = 1;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), LM_ERR_BAD_PARAM);
	o.nreply_to = 0;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), 0);
	lm_mime_compose_free(&m);
}

/* Many parts: linear work, fixed memory (the struct), all delimiters
 * present once. */
static void
t_many_parts(void)
{
	static lm_mime_part p[500];
	lm_mime_compose_opts o;
	size_t i, n, count = 0;
	int err;
	char *msg, *s;

	base_opts(&o);
	o.text = "t";
	o.text_len = 1;
	o.html = "h";
	o.html_len = 1;
	for (i = 0; i < 500; i++) {
		memset(&p[i], 0, sizeof p[i]);
		p[i].data = "d";
		p[i].len = 1;
		p[i].content_id = i % 2 ? "c@x" : NULL;
	}
	o.parts = p;
	o.nparts = 500;
	msg = build(&o, 333, &n, &err);
	LM_CHECK_EQ(err, 0);
	for (s = msg; s != NULL && (s = strstr(s, "\r\n--=2_" Z32 "\r\n")) != NULL; s++)
		count++;
	LM_CHECK_EQ(count, 251);      /* the HTML's and 250 inline parts' */
	count = 0;
	for (s = msg; s != NULL && (s = strstr(s, "\r\n--=_" Z32 "\r\n")) != NULL; s++)
		count++;
	LM_CHECK_EQ(count, 251);      /* the body's and 250 attachments' */
	LM_CHECK(msg != NULL && n > 42 && memcmp(msg + n - 42, "\r\n--=_" Z32 "--\r\n", 42) == 0);
	/* Work stays linear with reads of one byte: header bytes rendered
	 * at most twice the message (each refill redoes one token at most). */
	{
		lm_mime_compose m;
		unsigned char c;
		size_t got, total = 0;
		LM_CHECK_EQ(lm_mime_compose_init(&m, &o), 0);
		while (lm_mime_compose_read(&m, &c, 1, &got) == 0 && got == 1)
			total++;
		LM_CHECK_EQ(total, n);
		LM_CHECK(lm_mime__compose_rendered(&m) <= 2 * n);
		lm_mime_compose_free(&m);
	}
	free(msg);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_alternative),
		LM_TEST(t_html_only),
		LM_TEST(t_mixed_alt_related),
		LM_TEST(t_inline_without_html),
		LM_TEST(t_html_read),
		LM_TEST(t_seed_in_html),
		LM_TEST(t_refused),
		LM_TEST(t_many_parts),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
