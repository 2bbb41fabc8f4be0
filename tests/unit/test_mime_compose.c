/*
 * Unit tests for the streaming message composer (lib/mime/compose.c).
 *
 * Expected values come from: hand work (the simple message, quoting,
 * quoted-printable), `base64` from coreutils (encoded words, RFC 2231
 * names), `TZ=zone date -R -d @N` (dates), and decoding in this file
 * with lm_b64_decode and a small Q/percent decoder written here. During
 * development the outputs were also fed to python3's email package
 * (email.message_from_bytes with policy.default, email.header
 * decode_header), which decoded every header, file name and part back
 * to the inputs; that check is not part of this program.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <stdint.h>

#include "test.h"

#include "libmail/core.h"
#include "libmail/mime.h"
#include "mime/internal.h" /* lm_mime__compose_rendered(), for the work counts */

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

typedef struct {
	unsigned char *p;
	size_t len;
	int err;
} blob;

/* Read a whole message with reads of `chunk` bytes. */
static blob
slurp(lm_mime_compose *m, size_t chunk)
{
	blob b = { NULL, 0, 0 };
	size_t cap = 0;
	unsigned char *tmp = malloc(chunk);
	for (;;) {
		size_t got = 12345;
		int r = lm_mime_compose_read(m, tmp, chunk, &got);
		if (r < 0) {
			b.err = r;
			break;
		}
		if (got == 0)
			break;
		if (got > chunk) {
			b.err = -1000;
			break;
		}
		if (b.len + got > cap) {
			cap = (b.len + got) * 2;
			b.p = realloc(b.p, cap);
		}
		memcpy(b.p + b.len, tmp, got);
		b.len += got;
	}
	free(tmp);
	return b;
}

static blob
compose(const lm_mime_compose_opts *o, size_t chunk)
{
	lm_mime_compose m;
	blob b = { NULL, 0, 0 };
	int r = lm_mime_compose_init(&m, o);
	if (r != 0) {
		b.err = r;
		return b;
	}
	b = slurp(&m, chunk);
	lm_mime_compose_free(&m);
	return b;
}

static void
base_opts(lm_mime_compose_opts *o)
{
	static const lm_mime_mailbox to[1] = { { NULL, "bob@example.org" } };
	lm_mime_compose_opts z = LM_MIME_COMPOSE_OPTS_INIT;
	*o = z;
	o->from.name = "Alice Example";
	o->from.addr = "alice@example.com";
	o->to = to;
	o->nto = 1;
	o->subject = "Hello";
	o->date = 1000000000;
	o->tz_offset_min = 0;
	o->message_id = "1@example.com";
	o->text = "Hi Bob.\nBye.\n";
	o->text_len = strlen(o->text);
}

/* Find a header line "Name: ..." (with its folded continuation lines,
 * CRLFs kept) in the header part of msg[0..n). */
static int
header(const blob *b, const char *name, const char **val, size_t *vlen)
{
	const char *s = (const char *)b->p, *end = s + b->len;
	size_t nl = strlen(name);
	while (s < end && !(s[0] == '\r' && s[1] == '\n')) {
		const char *e = s;
		for (;;) {
			while (e + 1 < end && !(e[0] == '\r' && e[1] == '\n'))
				e++;
			if (e + 2 < end && (e[2] == ' ' || e[2] == '\t')) {
				e += 2;
				continue;
			}
			break;
		}
		if ((size_t)(e - s) > nl && memcmp(s, name, nl) == 0 && s[nl] == ':') {
			*val = s + nl + 1;
			*vlen = (size_t)(e - s) - nl - 1;
			return 1;
		}
		s = e + 2;
	}
	return 0;
}

/* Every line ends in CRLF (no bare CR or LF) and is at most max long. */
static int
lines_ok(const unsigned char *p, size_t n, size_t max)
{
	size_t i, col = 0;
	for (i = 0; i < n; i++) {
		if (p[i] == '\r') {
			if (i + 1 >= n || p[i + 1] != '\n')
				return 0;
			i++;
			col = 0;
			continue;
		}
		if (p[i] == '\n')
			return 0;
		if (++col > max)
			return 0;
	}
	return 1;
}

static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t k, len;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		len = s[i] >= 0xF0 ? 4 : s[i] >= 0xE0 ? 3 : s[i] >= 0xC2 ? 2 : 0;
		if (len == 0 || i + len > n)
			return 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decode a header value made only of RFC 2047 encoded words separated
 * by folding white space. Checks each word is at most 75 characters and
 * holds whole UTF-8 characters. Returns the decoded length or -1.
 */
static long
decode_ewords(const char *v, size_t n, unsigned char *out, size_t cap)
{
	size_t i = 0, o = 0;
	while (i < n) {
		size_t s, e, k;
		unsigned char tmp[128];
		size_t tl = 0;
		while (i < n && (v[i] == ' ' || v[i] == '\r' || v[i] == '\n'))
			i++;
		if (i == n)
			break;
		s = i;
		while (i < n && v[i] != ' ' && v[i] != '\r')
			i++;
		e = i;
		if (e - s > 75 || e - s < 12 || memcmp(v + s, "=?UTF-8?", 8) != 0 ||
		    v[s + 9] != '?' || v[e - 2] != '?' || v[e - 1] != '=')
			return -1;
		if (v[s + 8] == 'B') {
			if (lm_b64_decode(v + s + 10, e - s - 12, tmp, sizeof tmp, &tl) != 0)
				return -1;
		} else if (v[s + 8] == 'Q') {
			for (k = s + 10; k < e - 2; k++) {
				if (v[k] == '_') {
					tmp[tl++] = ' ';
				} else if (v[k] == '=') {
					int h = hexval(v[k + 1]), l = hexval(v[k + 2]);
					if (h < 0 || l < 0)
						return -1;
					tmp[tl++] = (unsigned char)(h * 16 + l);
					k += 2;
				} else {
					tmp[tl++] = (unsigned char)v[k];
				}
			}
		} else {
			return -1;
		}
		if (!utf8_ok(tmp, tl) || o + tl > cap)
			return -1;
		memcpy(out + o, tmp, tl);
		o += tl;
	}
	return (long)o;
}

/* A deterministic byte source: an LCG, handing out pieces of varying
 * size (never more than asked). */
typedef struct {
	unsigned long long left;
	uint32_t x;
	unsigned step;
	long long fail_when; /* fail once left <= this (-1: never) */
} src;

static unsigned char
lcg(uint32_t *x)
{
	*x = *x * 1664525u + 1013904223u;
	return (unsigned char)(*x >> 24);
}

static int
src_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	src *s = ud;
	size_t n = (size_t)(s->step++ % 97) + 1, i;
	if (s->fail_when >= 0 && s->left <= (unsigned long long)s->fail_when)
		return LM_ERR_IO;
	if (n > cap)
		n = cap;
	if (n > s->left)
		n = (size_t)s->left;
	for (i = 0; i < n; i++)
		buf[i] = lcg(&s->x);
	s->left -= n;
	*got = n;
	return 0;
}

static src
mksrc(unsigned long long len, uint32_t seed)
{
	src s;
	s.left = len;
	s.x = seed;
	s.step = 0;
	s.fail_when = -1;
	return s;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

/* Worked out by hand from RFC 5322 and RFC 2045. 1000000000 is
 * Sun, 09 Sep 2001 01:46:40 UTC (date -R -u -d @1000000000). */
static void
t_simple_ascii(void)
{
	static const char want[] =
		"Date: Sun, 09 Sep 2001 01:46:40 +0000\r\n"
		"From: Alice Example <alice@example.com>\r\n"
		"To: bob@example.org\r\n"
		"Subject: Hello\r\n"
		"Message-ID: <1@example.com>\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"\r\n"
		"Hi Bob.\r\n"
		"Bye.\r\n";
	lm_mime_compose_opts o;
	blob b;

	base_opts(&o);
	b = compose(&o, 4096);
	LM_CHECK_EQ(b.err, 0);
	LM_CHECK_STRN(b.p, b.len, want);
	free(b.p);
}

/* Cc, extra headers, no Message-ID, a body without a final newline
 * (the composer ends the message with CRLF), by hand. */
static void
t_cc_extras(void)
{
	static const lm_mime_mailbox cc[2] = {
		{ "Carol", "carol@example.net" }, { NULL, "dave@example.net" }
	};
	static const char *const ex[2] = { "X-Priority: 1", "Reply-To: <a@example.com>" };
	static const char want[] =
		"Date: Sun, 09 Sep 2001 01:46:40 +0000\r\n"
		"From: Alice Example <alice@example.com>\r\n"
		"To: bob@example.org\r\n"
		"Cc: Carol <carol@example.net>, dave@example.net\r\n"
		"Subject: Hello\r\n"
		"MIME-Version: 1.0\r\n"
		"X-Priority: 1\r\n"
		"Reply-To: <a@example.com>\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"\r\n"
		"no newline\r\n";
	lm_mime_compose_opts o;
	blob b;

	base_opts(&o);
	o.cc = cc;
	o.ncc = 2;
	o.extra_headers = ex;
	o.nextra = 2;
	o.message_id = NULL;
	o.text = "no newline";
	o.text_len = strlen(o.text);
	b = compose(&o, 4096);
	LM_CHECK_EQ(b.err, 0);
	LM_CHECK_STRN(b.p, b.len, want);
	free(b.p);
}

/* "Grüße": B is 12 characters (printf 'Grüße' | base64 = R3LDvMOfZQ==),
 * Q would be 15 (Gr=C3=BC=C3=9Fe), so B wins. */
static void
t_subject_short_2047(void)
{
	lm_mime_compose_opts o;
	const char *v;
	size_t vl;
	blob b;

	base_opts(&o);
	o.subject = "Gr\xC3\xBC\xC3\x9F" "e";
	b = compose(&o, 4096);
	LM_CHECK_EQ(b.err, 0);
	LM_CHECK(header(&b, "Subject", &v, &vl));
	LM_CHECK_STRN(v, vl, " =?UTF-8?B?R3LDvMOfZQ==?=");
	free(b.p);

	/* Mostly ASCII: Q is shorter ("Caf=C3=A9_au_lait" by hand). */
	base_opts(&o);
	o.subject = "Caf\xC3\xA9 au lait";
	b = compose(&o, 4096);
	LM_CHECK(header(&b, "Subject", &v, &vl));
	LM_CHECK_STRN(v, vl, " =?UTF-8?Q?Caf=C3=A9_au_lait?=");
	free(b.p);

	/* ASCII with "=?" must not pass as an encoded word. */
	base_opts(&o);
	o.subject = "a =?x?= b";
	b = compose(&o, 4096);
	LM_CHECK(header(&b, "Subject", &v, &vl));
	/* Q would be a_=3D=3Fx=3F=3D_b (17), B is 12: printf 'a =?x?= b' | base64 */
	LM_CHECK_STRN(v, vl, " =?UTF-8?B?YSA9P3g/PSBi?=");
	free(b.p);
}

/* A long subject with 2- and 3-byte characters: every encoded word at
 * most 75 characters with whole characters, lines at most 76, and the
 * words decode (here, in C) back to the subject. */
static void
t_subject_long_2047(void)
{
	static const char *subjects[] = {
		("Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln \xE2\x80\x94 ein sehr langer Betreff, der "
		"\xC3\xBC" "ber mehrere Zeilen gefaltet werden muss, ja!"),
		("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE4\xBB\xB6\xE5\x90\x8D"
		"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE4\xBB\xB6\xE5\x90\x8D"
		"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE4\xBB\xB6\xE5\x90\x8D"
		"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE4\xBB\xB6\xE5\x90\x8D"
		"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"),
		("tab\there and a very long word: "
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	};
	size_t k;

	for (k = 0; k < sizeof subjects / sizeof subjects[0]; k++) {
		lm_mime_compose_opts o;
		unsigned char dec[512];
		const char *v;
		size_t vl, i, col = 8; /* "Subject:" */
		long dl;
		blob b;

		base_opts(&o);
		o.subject = subjects[k];
		b = compose(&o, 4096);
		LM_CHECK_EQ(b.err, 0);
		LM_CHECK(header(&b, "Subject", &v, &vl));
		for (i = 0; i < vl; i++) {
			if (v[i] == '\r') {
				LM_CHECK(v[i + 1] == '\n' && v[i + 2] == ' ');
				col = 0;
				i++;
				continue;
			}
			col++;
			LM_CHECK(col <= 76);
		}
		dl = decode_ewords(v, vl, dec, sizeof dec);
		LM_CHECK_EQ(dl, (long)strlen(subjects[k]));
		if (dl > 0)
			LM_CHECK_MEM(dec, subjects[k], (size_t)dl);
		free(b.p);
	}
}

/* RFC 5322 3.2.4 quoted-strings and atoms, by hand. */
static void
t_display_names(void)
{
	static const lm_mime_mailbox to[5] = {
		{ "Doe, John \"JD\"", "jd@example.com" },
		{ "back\\slash", "bs@example.com" },
		{ "John Q. Public", "jqp@example.com" },
		{ "J\xC3\xB6rg", "j@example.de" },
		{ "", "empty@example.com" },
	};
	lm_mime_compose_opts o;
	const char *v;
	size_t vl;
	blob b;

	base_opts(&o);
	o.to = to;
	o.nto = 5;
	b = compose(&o, 4096);
	LM_CHECK_EQ(b.err, 0);
	LM_CHECK(header(&b, "To", &v, &vl));
	/* "Jörg" is 5 bytes: B = 8 characters (printf 'Jörg' | base64 =
	 * SsO2cmc=), Q = J=C3=B6rg = 9. */
	LM_CHECK_STRN(v, vl,
		" \"Doe, John \\\"JD\\\"\" <jd@example.com>, \"back\\\\slash\" <bs@example.com>, \"John\r\n"
		" Q. Public\" <jqp@example.com>, =?UTF-8?B?SsO2cmc=?= <j@example.de>,\r\n"
		" empty@example.com");
	free(b.p);
}

/* Many recipients: the To: field folds at 78 and the whole message
 * keeps CRLF lines of at most 78. */
static void
t_long_list_folds(void)
{
	lm_mime_mailbox to[60];
	char names[60][40], addrs[60][40];
	lm_mime_compose_opts o;
	const char *v;
	size_t vl, i;
	blob b;

	for (i = 0; i < 60; i++) {
		snprintf(names[i], sizeof names[i], "Person Number %zu", i);
		snprintf(addrs[i], sizeof addrs[i], "person%zu@example.com", i);
		to[i].name = names[i];
		to[i].addr = addrs[i];
	}
	base_opts(&o);
	o.to = to;
	o.nto = 60;
	b = compose(&o, 100);
	LM_CHECK_EQ(b.err, 0);
	LM_CHECK(b.len > 2500);
	LM_CHECK(lines_ok(b.p, b.len, 78));
	LM_CHECK(header(&b, "To", &v, &vl));
	for (i = 0; i < 60; i++) {
		char want[80];
		snprintf(want, sizeof want, "Person Number %zu <person%zu@example.com>", i, i);
		/* Each mailbox appears, possibly folded once inside. */
		{
			size_t k, found = 0;
			for (k = 0; k + 1 < vl && !found; k++) {
				size_t a = k, w = 0;
				while (a < vl && want[w]) {
					if (v[a] == '\r' && a + 2 < vl && v[a + 1] == '\n') {
						a += 2; /* the fold keeps the space */
						continue;
					}
					if (v[a] != want[w])
						break;
					a++;
					w++;
				}
				if (want[w] == 0)
					found = 1;
			}
			LM_CHECK(found);
		}
	}
	free(b.p);
}

static void
expect_bad(const lm_mime_compose_opts *o, int line)
{
	lm_mime_compose m;
	unsigned char buf[64];
	size_t got = 99;
	int r = lm_mime_compose_init(&m, o);
	if (r != LM_ERR_BAD_PARAM) {
		printf("  (case at line %d: init returned %d)\n", line, r);
		LM_CHECK_EQ(r, LM_ERR_BAD_PARAM);
	}
	r = lm_mime_compose_read(&m, buf, sizeof buf, &got);
	LM_CHECK_EQ(r, LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(got, 0);
	lm_mime_compose_free(&m);
}

#define EXPECT_BAD(o) expect_bad(&(o), __LINE__)

static int
dummy_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	(void)ud;
	(void)buf;
	(void)cap;
	*got = 0;
	return 0;
}

/* CR, LF (and other malformed input) in every field: refused at init,
 * nothing produced. C strings cannot carry NUL; the body is the only
 * counted input and may contain anything. */
static void
t_injection(void)
{
	static const char *const evil[] = { "x\r\nBcc: eve@evil.example", "x\ny", "x\ry" };
	lm_mime_compose_opts o;
	lm_mime_mailbox mb[1];
	lm_mime_attachment att[1];
	const char *ex[1];
	size_t i;

	for (i = 0; i < 3; i++) {
		char addr[64];
		snprintf(addr, sizeof addr, "a%s@example.com", evil[i]);

		base_opts(&o);
		o.from.name = evil[i];
		EXPECT_BAD(o);
		base_opts(&o);
		o.from.addr = addr;
		EXPECT_BAD(o);

		base_opts(&o);
		mb[0].name = evil[i];
		mb[0].addr = "b@example.com";
		o.to = mb;
		EXPECT_BAD(o);
		mb[0].name = NULL;
		mb[0].addr = addr;
		EXPECT_BAD(o);
		o.to = NULL;
		o.nto = 0;
		o.cc = mb;
		o.ncc = 1;
		EXPECT_BAD(o);

		base_opts(&o);
		o.subject = evil[i];
		EXPECT_BAD(o);
		base_opts(&o);
		o.message_id = evil[i];
		EXPECT_BAD(o);

		base_opts(&o);
		att[0].read = dummy_read;
		att[0].ud = NULL;
		att[0].filename = evil[i];
		att[0].content_type = NULL;
		o.att = att;
		o.natt = 1;
		EXPECT_BAD(o);
		att[0].filename = "ok.txt";
		att[0].content_type = evil[i];
		EXPECT_BAD(o);

		base_opts(&o);
		{
			char h[80];
			snprintf(h, sizeof h, "X-Test: %s", evil[i]);
			ex[0] = h;
			o.extra_headers = ex;
			o.nextra = 1;
			EXPECT_BAD(o);
		}
	}

	/* Malformed addresses, ids, extras, types, UTF-8, dates. */
	{
		static const char *const bad_addr[] = {
			"", "noat", "@example.com", "a@", "a b@example.com",
			"<a@example.com>", "a@example.com>", "a,b@example.com",
			"a\t@example.com", "\"q\"@example.com", "a\x7f@example.com",
			"a@ex\xC3\x41mple.com",
		};
		for (i = 0; i < sizeof bad_addr / sizeof bad_addr[0]; i++) {
			base_opts(&o);
			o.from.addr = bad_addr[i];
			EXPECT_BAD(o);
		}
		base_opts(&o);
		o.from.addr = NULL;
		EXPECT_BAD(o);
	}
	{
		static const char *const bad_ex[] = {
			"NoColon", ": empty name", "Bad Name: x", "From: me@example.com",
			"bcc: eve@example.com", "Content-Type: text/html", "X-8bit: \xC3\xA9",
			"X-Ctl: a\x01\x62", "MIME-Version: 2.0", "Subject: twice",
		};
		for (i = 0; i < sizeof bad_ex / sizeof bad_ex[0]; i++) {
			base_opts(&o);
			ex[0] = bad_ex[i];
			o.extra_headers = ex;
			o.nextra = 1;
			EXPECT_BAD(o);
		}
	}
	{
		static const char *const bad_id[] = { "", "noat", "<a@b>", "a b@c", "a@", "\xC3\xA9@x" };
		for (i = 0; i < sizeof bad_id / sizeof bad_id[0]; i++) {
			base_opts(&o);
			o.message_id = bad_id[i];
			EXPECT_BAD(o);
		}
	}
	{
		/* Also what a reader would parse as another type or whose
		 * open quote would swallow the composer's name parameter
		 * (found by the fuzz_compose round trip: "a]pplication/pdf"). */
		static const char *const bad_ct[] = {
			"", "text", "/plain", "text/", "text/plain\x01", "a;b/c",
			"a]pplication/pdf", "text/pl ain", "text /plain", "te\"xt/plain",
			"text/plain; x=\"open", "text/plain; =v", "text/plain; x",
			"text/plain; x=", "text/plain junk", "text/plain;",
			"text/plain; x=\"a\\",
			"text/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		};
		static const char *const good_ct[] = {
			"text/plain", "Application/X-A.b+c ; a=b;c=\"d;e\\\"\" ;\td=e",
			"text/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		};
		lm_mime_compose m;

		for (i = 0; i < sizeof bad_ct / sizeof bad_ct[0] + sizeof good_ct /
		                sizeof good_ct[0]; i++) {
			size_t nbad = sizeof bad_ct / sizeof bad_ct[0];
			base_opts(&o);
			att[0].read = dummy_read;
			att[0].filename = "a.txt";
			att[0].content_type = i < nbad ? bad_ct[i] : good_ct[i - nbad];
			o.att = att;
			o.natt = 1;
			if (i < nbad) {
				EXPECT_BAD(o);
				continue;
			}
			LM_CHECK_EQ(lm_mime_compose_init(&m, &o), 0);
			lm_mime_compose_free(&m);
		}
	}
	/* Invalid UTF-8: lone continuation, overlong, surrogate, truncated. */
	{
		static const char *const bad_u8[] = { "\x80", "\xC0\xAF", "\xED\xA0\x80", "ab\xE2\x82" };
		for (i = 0; i < sizeof bad_u8 / sizeof bad_u8[0]; i++) {
			base_opts(&o);
			o.subject = bad_u8[i];
			EXPECT_BAD(o);
			base_opts(&o);
			o.from.name = bad_u8[i];
			EXPECT_BAD(o);
		}
	}
	/* Attachment without a reader, text given twice, wrong version,
	 * NULL arrays, dates outside 1900..9999, offsets beyond a day. */
	base_opts(&o);
	att[0].read = NULL;
	att[0].filename = "a.txt";
	att[0].content_type = NULL;
	o.att = att;
	o.natt = 1;
	EXPECT_BAD(o);
	base_opts(&o);
	o.text_read = dummy_read;
	EXPECT_BAD(o);
	base_opts(&o);
	o.text = NULL;
	EXPECT_BAD(o); /* text_len still > 0 */
	base_opts(&o);
	o.version = 2;
	EXPECT_BAD(o);
	base_opts(&o);
	o.to = NULL;
	EXPECT_BAD(o);
	base_opts(&o);
	o.date = -2208988801LL; /* Dec 31 1899 23:59:59 UTC */
	EXPECT_BAD(o);
	base_opts(&o);
	o.date = 253402300800LL; /* Jan 1 10000 */
	EXPECT_BAD(o);
	base_opts(&o);
	o.tz_offset_min = 1440;
	EXPECT_BAD(o);
	base_opts(&o);
	o.tz_offset_min = -1440;
	EXPECT_BAD(o);
	LM_CHECK_EQ(lm_mime_compose_init(NULL, &o), LM_ERR_BAD_PARAM);
	{
		lm_mime_compose m;
		LM_CHECK_EQ(lm_mime_compose_init(&m, NULL), LM_ERR_BAD_PARAM);
	}

	/* The same fields accept good values (the tests above are not
	 * failing for some other reason). */
	base_opts(&o);
	o.message_id = "a.b+c@[127.0.0.1]";
	ex[0] = "X-Tab:\tvalue";
	o.extra_headers = ex;
	o.nextra = 1;
	{
		lm_mime_compose m;
		LM_CHECK_EQ(lm_mime_compose_init(&m, &o), 0);
		lm_mime_compose_free(&m);
	}
}

/* Read state: never initialized / freed composers refuse, free is
 * NULL-safe. */
static void
t_states(void)
{
	lm_mime_compose m;
	lm_mime_compose_opts o;
	unsigned char buf[8];
	size_t got = 5;

	memset(&m, 0, sizeof m);
	LM_CHECK_EQ(lm_mime_compose_read(&m, buf, sizeof buf, &got), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(got, 0);
	base_opts(&o);
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), 0);
	LM_CHECK_EQ(lm_mime_compose_read(&m, buf, sizeof buf, &got), 0);
	LM_CHECK_EQ(got, 8);
	LM_CHECK_MEM(buf, "Date: Su", 8);
	lm_mime_compose_free(&m);
	lm_mime_compose_free(&m);
	lm_mime_compose_free(NULL);
	LM_CHECK_EQ(lm_mime_compose_read(&m, buf, sizeof buf, &got), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(lm_mime_compose_read(NULL, buf, sizeof buf, &got), LM_ERR_BAD_PARAM);
}

static const char *
body_of(const blob *b)
{
	const unsigned char *p = b->p;
	size_t i;
	for (i = 0; i + 3 < b->len; i++)
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
			return (const char *)p + i + 4;
	return NULL;
}

static void
check_body(const char *text, size_t n, const char *cte, const char *want, int line)
{
	lm_mime_compose_opts o;
	const char *v, *body;
	size_t vl;
	blob b;

	base_opts(&o);
	o.text = text;
	o.text_len = n;
	b = compose(&o, 4096);
	LM_CHECK_EQ(b.err, 0);
	LM_CHECK(header(&b, "Content-Transfer-Encoding", &v, &vl));
	body = body_of(&b);
	LM_CHECK(body != NULL);
	if (vl != strlen(cte) + 1 || memcmp(v + 1, cte, vl - 1) != 0)
		printf("  (case at line %d: got CTE %.*s)\n", line, (int)vl, v);
	LM_CHECK(vl == strlen(cte) + 1 && memcmp(v + 1, cte, vl - 1) == 0);
	if (want != NULL && body != NULL) {
		size_t bl = b.len - (size_t)(body - (const char *)b.p);
		if (bl != strlen(want) || memcmp(body, want, bl) != 0)
			printf("  (case at line %d: body %.*s)\n", line, (int)bl, body);
		LM_CHECK_STRN(body, bl, want);
	}
	LM_CHECK(lines_ok(b.p, b.len, 998));
	free(b.p);
}

/* Transfer encoding by content, worked out by hand from RFC 2045 6.7
 * (quoted-printable) and 6.8 (base64; printf ... | base64). */
static void
t_text_encodings(void)
{
	static char longline[1200];
	static unsigned char bin[300];
	size_t i;

	check_body("plain\r\ntext\n", 12, "7bit", "plain\r\ntext\r\n", __LINE__);
	check_body("", 0, "7bit", "", __LINE__);
	/* Trailing white space before a line end is encoded, '=' always,
	 * a bare CR too; the final line gets a CRLF from the composer. */
	check_body("caf\xC3\xA9 \nb=c\t\nx\ry ", 16, "quoted-printable",
		"caf=C3=A9=20\r\nb=3Dc=09\r\nx=0Dy=20\r\n", __LINE__);
	/* 80 'x' and one 'é': soft break after 75 characters. */
	for (i = 0; i < 80; i++)
		longline[i] = 'x';
	memcpy(longline + 80, "\xC3\xA9", 2);
	check_body(longline, 82, "quoted-printable",
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\r\n"
		"xxxxx=C3=A9\r\n", __LINE__);
	/* ASCII but a 999-character line: not 7bit. */
	for (i = 0; i < 999; i++)
		longline[i] = 'a' + (char)(i % 26);
	check_body(longline, 999, "quoted-printable", NULL, __LINE__);
	/* 998 is still fine. */
	check_body(longline, 998, "7bit", NULL, __LINE__);
	/* NUL and other controls are not 7bit. */
	check_body("hello\0world", 11, "quoted-printable", "hello=00world\r\n", __LINE__);
	/* Mostly 8-bit: base64, with LF turned into CRLF first:
	 * printf '\303\251\303\251\r\n\303\251' | base64 = w6nDqQ0Kw6k= */
	check_body("\xC3\xA9\xC3\xA9\n\xC3\xA9", 7, "base64", "w6nDqQ0Kw6k=\r\n", __LINE__);
	for (i = 0; i < sizeof bin; i++)
		bin[i] = (unsigned char)(0x80 + i % 100);
	check_body((const char *)bin, sizeof bin, "base64", NULL, __LINE__);
}

/* A body through text_read is always quoted-printable (it cannot be
 * inspected in advance); the result matches the in-memory encoding. */
static int
str_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	const char **s = ud;
	size_t n = strlen(*s);
	if (n > cap)
		n = cap;
	if (n > 3)
		n = 3;
	memcpy(buf, *s, n);
	*s += n;
	*got = n;
	return 0;
}

static void
t_text_read(void)
{
	lm_mime_compose_opts o;
	const char *s = "line one \nline=two\n";
	const char *v, *body;
	size_t vl;
	blob b;

	base_opts(&o);
	o.text = NULL;
	o.text_len = 0;
	o.text_read = str_read;
	o.text_ud = &s;
	b = compose(&o, 5);
	LM_CHECK_EQ(b.err, 0);
	LM_CHECK(header(&b, "Content-Transfer-Encoding", &v, &vl));
	LM_CHECK_STRN(v, vl, " quoted-printable");
	body = body_of(&b);
	LM_CHECK(body != NULL);
	if (body)
		LM_CHECK_STRN(body, b.len - (size_t)(body - (const char *)b.p),
		              "line one=20\r\nline=3Dtwo\r\n");
	free(b.p);
}

/* Concatenate the base64 lines of a part body and decode them. */
static int
b64_body(const char *p, size_t n, unsigned char *out, size_t cap, size_t *outlen)
{
	char *tmp = malloc(n + 1);
	size_t i, k = 0, lines = 0, col = 0;
	int r;
	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			if (col != 76)
				return -1000; /* every line but the last is 76 */
			i++;
			lines++;
			col = 0;
			continue;
		}
		tmp[k++] = p[i];
		col++;
	}
	if (col > 76)
		return -1001;
	r = lm_b64_decode(tmp, k, out, cap, outlen);
	free(tmp);
	return r;
}

/* Find the next "\r\n--boundary" after p (or at the very start). */
static const char *
next_delim(const char *p, const char *end, const char *bnd)
{
	size_t bl = strlen(bnd);
	for (; p + bl + 4 <= end; p++)
		if (memcmp(p, "\r\n--", 4) == 0 && memcmp(p + 4, bnd, bl) == 0)
			return p;
	return NULL;
}

/* Three attachments of 0, 1 and 1000 bytes plus a text part; the
 * structure, headers, and decoded bytes are checked here in C. */
static void
t_three_attachments(void)
{
	lm_mime_compose_opts o;
	lm_mime_attachment att[3];
	src s[3];
	static const unsigned long long sizes[3] = { 1000, 0, 57 * 3 + 1 };
	static const char *const names[3] = { "report.pdf", "\xC3\xBC\x62\x65r.txt", "data \"q\".bin" };
	static const char *const types[3] = { NULL, NULL, "application/x-thing; v=1" };
	static const char bnd[] = "=_00112233445566778899AABBCCDDEEFF";
	/* Part headers by hand; "über.txt" in B: printf 'über.txt' | base64
	 * = w7xiZXIudHh0 (12 < Q's 15), in RFC 2231: %C3%BCber.txt. */
	static const char *const heads[3] = {
		"Content-Type: application/pdf; name=\"report.pdf\"\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"Content-Disposition: attachment; filename=\"report.pdf\"\r\n\r\n",
		"Content-Type: text/plain; name=\"=?UTF-8?B?w7xiZXIudHh0?=\"\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"Content-Disposition: attachment; filename*=utf-8''%C3%BCber.txt\r\n\r\n",
		"Content-Type: application/x-thing; v=1; name=\"data \\\"q\\\".bin\"\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"Content-Disposition: attachment; filename=\"data \\\"q\\\".bin\"\r\n\r\n",
	};
	const char *v, *p, *end;
	size_t vl, i;
	blob b;

	base_opts(&o);
	for (i = 0; i < 3; i++) {
		s[i] = mksrc(sizes[i], (uint32_t)(7 + i));
		att[i].filename = names[i];
		att[i].content_type = types[i];
		att[i].read = src_read;
		att[i].ud = &s[i];
	}
	o.att = att;
	o.natt = 3;
	for (i = 0; i < 16; i++)
		o.boundary_seed[i] = (unsigned char)(i * 0x11);
	b = compose(&o, 4096);
	LM_CHECK_EQ(b.err, 0);
	LM_CHECK(lines_ok(b.p, b.len, 78));
	LM_CHECK(header(&b, "Content-Type", &v, &vl));
	LM_CHECK_STRN(v, vl, " multipart/mixed; boundary=\"=_00112233445566778899AABBCCDDEEFF\"");
	LM_CHECK(!header(&b, "Content-Transfer-Encoding", &v, &vl));

	p = body_of(&b);
	end = (const char *)b.p + b.len;
	LM_CHECK(p != NULL);
	if (p == NULL)
		return;
	/* First delimiter right at the start of the body, then the text. */
	{
		static const char first[] =
			"--=_00112233445566778899AABBCCDDEEFF\r\n"
			"Content-Type: text/plain; charset=utf-8\r\n"
			"Content-Transfer-Encoding: 7bit\r\n\r\n"
			"Hi Bob.\r\nBye.\r\n";
		LM_CHECK((size_t)(end - p) > strlen(first));
		LM_CHECK_MEM(p, first, strlen(first));
		p += strlen(first);
	}
	for (i = 0; i < 3; i++) {
		const char *d = next_delim(p, end, bnd), *q, *nd;
		unsigned char *dec = malloc(2000), *exp = malloc(2000);
		size_t dl = 0, k;
		uint32_t x = (uint32_t)(7 + i);
		LM_CHECK(d == p);
		if (d != p)
			return;
		q = d + 4 + strlen(bnd);
		LM_CHECK_MEM(q, "\r\n", 2);
		q += 2;
		LM_CHECK_MEM(q, heads[i], strlen(heads[i]));
		q += strlen(heads[i]);
		/* An empty body leaves the delimiter's CRLF right at q. */
		nd = next_delim(q, end, bnd);
		LM_CHECK(nd != NULL);
		if (nd == NULL)
			return;
		LM_CHECK_EQ(b64_body(q, (size_t)(nd - q), dec, 2000, &dl), 0);
		LM_CHECK_EQ(dl, sizes[i]);
		for (k = 0; k < sizes[i]; k++)
			exp[k] = lcg(&x);
		LM_CHECK_MEM(dec, exp, (size_t)sizes[i]);
		free(dec);
		free(exp);
		p = nd;
	}
	LM_CHECK_STRN(p, (size_t)(end - p), "\r\n--=_00112233445566778899AABBCCDDEEFF--\r\n");
	free(b.p);
}

/* The same message read with reads of 1, 7, 64 and 4096 bytes. */
static void
t_chunk_sizes(void)
{
	static const size_t chunks[4] = { 1, 7, 64, 4096 };
	lm_mime_mailbox to[30];
	char addrs[30][32];
	lm_mime_attachment att[2];
	lm_mime_compose_opts o;
	blob ref = { NULL, 0, 0 };
	size_t c, i;

	for (c = 0; c < 4; c++) {
		src s[2];
		blob b;
		base_opts(&o);
		for (i = 0; i < 30; i++) {
			snprintf(addrs[i], sizeof addrs[i], "user%zu@example.com", i);
			to[i].name = i % 2 ? "M\xC3\xBCller, Hans" : "Some \"One\"";
			to[i].addr = addrs[i];
		}
		o.to = to;
		o.nto = 30;
		o.subject = "\xE2\x9C\x93 Stream test with a subject long enough to need folding at least once";
		o.text = "caf\xC3\xA9\n";
		o.text_len = 6;
		s[0] = mksrc(5000, 1);
		s[1] = mksrc(3, 2);
		att[0].filename = "a.bin";
		att[0].content_type = NULL;
		att[0].read = src_read;
		att[0].ud = &s[0];
		att[1].filename = "b.png";
		att[1].content_type = NULL;
		att[1].read = src_read;
		att[1].ud = &s[1];
		o.att = att;
		o.natt = 2;
		b = compose(&o, chunks[c]);
		LM_CHECK_EQ(b.err, 0);
		LM_CHECK(b.len > 7000);
		LM_CHECK(lines_ok(b.p, b.len, 78));
		if (c == 0) {
			ref = b;
		} else {
			LM_CHECK_EQ(b.len, ref.len);
			if (b.len == ref.len)
				LM_CHECK_MEM(b.p, ref.p, b.len);
			free(b.p);
		}
	}
	free(ref.p);
}

/* 50 MB streamed from a callback: fixed composer memory, every line
 * CRLF-terminated and at most 78 (76 for base64), bytes decode back. */
static void
t_big_attachment(void)
{
	const unsigned long long total = 50ull * 1024 * 1024;
	lm_mime_compose m;
	lm_mime_compose_opts o;
	lm_mime_attachment att[1];
	src s = mksrc(total, 42);
	uint32_t x = 42;
	unsigned char buf[4096], dec[64];
	char line[1000];
	size_t ll = 0, got, i;
	unsigned long long outlen = 0, decoded = 0;
	int in_body = 0, bad_line = 0, bad_data = 0, seen_disp = 0, r;

	/* A composer is a plain fixed-size object: what it needs for any
	 * message is sizeof, on the stack here. */
	LM_CHECK(sizeof m < 2048);

	base_opts(&o);
	o.text = NULL;
	o.text_len = 0;
	att[0].filename = "big.bin";
	att[0].content_type = NULL;
	att[0].read = src_read;
	att[0].ud = &s;
	o.att = att;
	o.natt = 1;
	memset(o.boundary_seed, 0x5a, sizeof o.boundary_seed);
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), 0);
	for (;;) {
		r = lm_mime_compose_read(&m, buf, sizeof buf, &got);
		if (r != 0 || got == 0)
			break;
		outlen += got;
		for (i = 0; i < got; i++) {
			if (buf[i] != '\n') {
				if (ll < sizeof line)
					line[ll] = (char)buf[i];
				ll++;
				continue;
			}
			/* a full line in line[0..ll), ll includes the CR */
			if (ll == 0 || line[ll - 1] != '\r' || ll - 1 > 78)
				bad_line++;
			ll--;
			if (in_body == 1 && ll > 0 && line[0] == '-') {
				in_body = 2;
			} else if (in_body == 1) {
				size_t dl = 0;
				if (ll > 76 || lm_b64_decode(line, ll, dec, sizeof dec, &dl) != 0) {
					bad_data++;
				} else {
					size_t k;
					for (k = 0; k < dl; k++)
						if (dec[k] != lcg(&x))
							bad_data++;
					decoded += dl;
				}
			} else if (in_body == 0 && ll == 51 &&
			           memcmp(line, "Content-Disposition: attachment; filename=\"big.bin\"", 51) == 0) {
				seen_disp = 1;
			} else if (in_body == 0 && ll == 0 && seen_disp) {
				in_body = 1; /* blank line after the attachment header */
			}
			ll = 0;
		}
	}
	LM_CHECK_EQ(r, 0);
	LM_CHECK_EQ(bad_line, 0);
	LM_CHECK_EQ(bad_data, 0);
	LM_CHECK_EQ(decoded, total);
	LM_CHECK_EQ(in_body, 2);
	LM_CHECK(outlen > total / 3 * 4);
	lm_mime_compose_free(&m);
}

/* A callback failure aborts the message and stays. */
static void
t_callback_error(void)
{
	lm_mime_compose m;
	lm_mime_compose_opts o;
	lm_mime_attachment att[1];
	src s = mksrc(100000, 3);
	unsigned char buf[512];
	size_t got;
	int r, n = 0;

	s.fail_when = 50000;
	base_opts(&o);
	att[0].filename = "x.bin";
	att[0].content_type = NULL;
	att[0].read = src_read;
	att[0].ud = &s;
	o.att = att;
	o.natt = 1;
	LM_CHECK_EQ(lm_mime_compose_init(&m, &o), 0);
	for (;;) {
		r = lm_mime_compose_read(&m, buf, sizeof buf, &got);
		if (r != 0 || got == 0)
			break;
		n++;
	}
	LM_CHECK_EQ(r, LM_ERR_IO);
	LM_CHECK(n > 10);
	LM_CHECK_EQ(lm_mime_compose_read(&m, buf, sizeof buf, &got), LM_ERR_IO);
	LM_CHECK_EQ(got, 0);
	lm_mime_compose_free(&m);
}

/* A 7bit text holding the boundary line is sent as quoted-printable,
 * where "=_" cannot occur. */
static void
t_boundary_in_text(void)
{
	lm_mime_compose_opts o;
	lm_mime_attachment att[1];
	src s = mksrc(10, 1);
	const char *text = "before\n--=_00000000000000000000000000000000\nafter\n";
	const char *p;
	blob b;

	base_opts(&o);
	o.text = text;
	o.text_len = strlen(text);
	att[0].filename = "x.txt";
	att[0].content_type = NULL;
	att[0].read = src_read;
	att[0].ud = &s;
	o.att = att;
	o.natt = 1;
	b = compose(&o, 4096);
	LM_CHECK_EQ(b.err, 0);
	p = body_of(&b);
	LM_CHECK(p != NULL);
	if (p != NULL) {
		static const char want[] =
			"--=_00000000000000000000000000000000\r\n"
			"Content-Type: text/plain; charset=utf-8\r\n"
			"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
			"before\r\n--=3D_00000000000000000000000000000000\r\nafter\r\n"
			"\r\n--=_00000000000000000000000000000000\r\n";
		LM_CHECK_MEM(p, want, strlen(want));
	}
	free(b.p);
}

/* Long and non-ASCII file names: RFC 2231 continuations and RFC 2047
 * name=, lines at most 78, and the pieces decode back. */
static void
t_long_filename(void)
{
	static const char fname[] =
		"\xC3\x9C" "bersicht der Messwerte f\xC3\xBC" "r das erste Quartal 2026 "
		"\xE2\x80\x94 Entwurf (vertraulich) mit noch mehr Text.csv";
	lm_mime_compose_opts o;
	lm_mime_attachment att[1];
	src s = mksrc(10, 1);
	const char *p, *end, *q;
	unsigned char dec[400];
	size_t dl = 0, k = 0;
	blob b;

	base_opts(&o);
	o.text = NULL;
	o.text_len = 0;
	att[0].filename = fname;
	att[0].content_type = NULL;
	att[0].read = src_read;
	att[0].ud = &s;
	o.att = att;
	o.natt = 1;
	b = compose(&o, 4096);
	LM_CHECK_EQ(b.err, 0);
	LM_CHECK(lines_ok(b.p, b.len, 78));
	p = body_of(&b);
	end = (const char *)b.p + b.len;
	LM_CHECK(p != NULL);
	if (p == NULL)
		return;
	/* No text part: the first part is the attachment. */
	{
		static const char first[] =
			"--=_00000000000000000000000000000000\r\nContent-Type: text/csv; name=";
		LM_CHECK_MEM(p, first, strlen(first));
	}
	/* Collect filename*N*= pieces in order and percent-decode. */
	for (;;) {
		char pat[32];
		size_t pl;
		snprintf(pat, sizeof pat, " filename*%zu*=", k);
		pl = strlen(pat);
		for (q = p; q + pl < end; q++)
			if (memcmp(q, pat, pl) == 0)
				break;
		if (q + pl >= end)
			break;
		q += pl;
		if (k == 0) {
			LM_CHECK_MEM(q, "utf-8''", 7);
			q += 7;
		}
		while (q < end && *q != ';' && *q != '\r') {
			if (*q == '%') {
				dec[dl++] = (unsigned char)(hexval(q[1]) * 16 + hexval(q[2]));
				q += 3;
			} else {
				dec[dl++] = (unsigned char)*q++;
			}
		}
		k++;
	}
	LM_CHECK(k >= 2);
	LM_CHECK_EQ(dl, strlen(fname));
	LM_CHECK_MEM(dec, fname, strlen(fname));
	/* name="=?...?= =?...?=" decodes to the same. */
	{
		const char *ns = NULL, *ne;
		long l;
		for (q = p; q + 6 < end; q++)
			if (memcmp(q, "name=\"", 6) == 0) {
				ns = q + 6;
				break;
			}
		LM_CHECK(ns != NULL);
		if (ns != NULL) {
			for (ne = ns; ne < end && *ne != '"'; ne++)
				;
			l = decode_ewords(ns, (size_t)(ne - ns), dec, sizeof dec);
			LM_CHECK_EQ(l, (long)strlen(fname));
			if (l > 0)
				LM_CHECK_MEM(dec, fname, strlen(fname));
		}
	}
	free(b.p);
}

/* Random names, subjects, file names and texts built from awkward
 * pieces (specials, "=?", quotes, tabs, 2- to 4-byte characters): every
 * message has CRLF lines of at most 78 and is the same read 1 byte or
 * 4096 bytes at a time. (The same generator's output was checked with
 * python3's email package during development.) */
static uint32_t rnd_state;

static unsigned
rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static void
rnd_text(char *out, size_t cap)
{
	static const char *const pieces[] = {
		"a", "Z", " ", "  ", "\"", "\\", ",", ".", "=?", "?=", "_", "=",
		"\t", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "word",
		"longerword", "(", ")", "<", ">", "@", ";", ":", "%", "'", "*",
	};
	size_t n = 0, k = rnd(5) == 0 ? rnd(200) : rnd(40), i;
	for (i = 0; i < k; i++) {
		const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
		size_t l = strlen(p);
		if (n + l + 1 >= cap)
			break;
		memcpy(out + n, p, l);
		n += l;
	}
	out[n] = 0;
}

static void
t_random_invariants(void)
{
	int t;

	for (t = 0; t < 300; t++) {
		char subj[1000], name[4][1000], fname[2][1000], text[2000];
		lm_mime_mailbox to[3];
		lm_mime_attachment att[2];
		lm_mime_compose_opts o;
		src s[2], s2[2];
		blob a, b;
		size_t i, tl;

		rnd_state = (uint32_t)t * 7919u + 1u;
		rnd_text(subj, sizeof subj);
		for (i = 0; i < 4; i++)
			rnd_text(name[i], sizeof name[i]);
		for (i = 0; i < 2; i++)
			rnd_text(fname[i], sizeof fname[i]);
		rnd_text(text, sizeof text);
		tl = strlen(text);
		for (i = 0; i < tl; i++)
			if (rnd(20) == 0 && (unsigned char)text[i] < 0x80)
				text[i] = '\n';
		base_opts(&o);
		o.from.name = name[0];
		for (i = 0; i < 3; i++) {
			to[i].name = name[1 + i];
			to[i].addr = i == 1 ? "x.y+z@sub.example.org" : "t@example.com";
		}
		o.to = to;
		o.nto = 3;
		o.subject = subj;
		o.date = (long long)rnd(2000000000);
		o.tz_offset_min = (int)rnd(1500) - 750;
		o.text = text;
		o.text_len = tl;
		for (i = 0; i < 2; i++) {
			s[i] = mksrc(rnd(3000), (uint32_t)(t + (int)i));
			s2[i] = s[i];
			att[i].filename = fname[i];
			att[i].content_type = NULL;
			att[i].read = src_read;
			att[i].ud = &s[i];
		}
		o.att = att;
		o.natt = rnd(3);
		for (i = 0; i < 16; i++)
			o.boundary_seed[i] = (unsigned char)rnd(256);
		a = compose(&o, 1);
		for (i = 0; i < 2; i++)
			att[i].ud = &s2[i];
		b = compose(&o, 4096);
		LM_CHECK_EQ(a.err, 0);
		LM_CHECK_EQ(b.err, 0);
		LM_CHECK(lines_ok(a.p, a.len, 78));
		LM_CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
		LM_CHECK(a.len >= 2 && a.p[a.len - 2] == '\r' && a.p[a.len - 1] == '\n');
		free(a.p);
		free(b.p);
		if (lm_test__failed_now) {
			printf("  (random case %d)\n", t);
			break;
		}
	}
}

/* Expected strings from `TZ=zone date -R -d @N` (GNU coreutils). */
static void
t_dates(void)
{
	static const struct {
		long long t;
		int tz;
		const char *want;
	} v[] = {
		{ 0, 0, "Thu, 01 Jan 1970 00:00:00 +0000" },
		{ 1000000000, 0, "Sun, 09 Sep 2001 01:46:40 +0000" },
		{ 951782400, 0, "Tue, 29 Feb 2000 00:00:00 +0000" },
		{ 951868799, 0, "Tue, 29 Feb 2000 23:59:59 +0000" },
		{ 1709164800, -300, "Wed, 28 Feb 2024 19:00:00 -0500" },
		{ -1, 0, "Wed, 31 Dec 1969 23:59:59 +0000" },
		{ -2203891200LL, 0, "Thu, 01 Mar 1900 00:00:00 +0000" },
		{ -2208988800LL, 0, "Mon, 01 Jan 1900 00:00:00 +0000" },
		{ 253402300799LL, 0, "Fri, 31 Dec 9999 23:59:59 +0000" },
		{ 1795294603, 60, "Sat, 21 Nov 2026 21:56:43 +0100" },
		{ 4107542400LL, 330, "Mon, 01 Mar 2100 05:30:00 +0530" },
		{ 1582934400, -210, "Fri, 28 Feb 2020 20:30:00 -0330" },
		{ 1700000000, 840, "Wed, 15 Nov 2023 12:13:20 +1400" },
		{ -86400, -720, "Tue, 30 Dec 1969 12:00:00 -1200" },
		{ 1795294603, -540, "Sat, 21 Nov 2026 11:56:43 -0900" },
	};
	char out[64];
	size_t i, n;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		n = 0;
		LM_CHECK_EQ(lm_mime_date_format(v[i].t, v[i].tz, out, sizeof out, &n), 0);
		LM_CHECK_STRN(out, n, v[i].want);
		LM_CHECK_EQ(out[n], 0);
	}
	LM_CHECK_EQ(lm_mime_date_format(0, 0, out, LM_MIME_DATE_LEN, &n), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(lm_mime_date_format(0, 0, out, LM_MIME_DATE_LEN + 1, NULL), 0);
	LM_CHECK_EQ(lm_mime_date_format(-2208988801LL, 0, out, sizeof out, &n), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_mime_date_format(-2208988800LL, -1, out, sizeof out, &n), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_mime_date_format(253402300800LL, 0, out, sizeof out, &n), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_mime_date_format(253402300800LL, -60, out, sizeof out, &n), 0);
	LM_CHECK_EQ(lm_mime_date_format(9223372036854775807LL, 0, out, sizeof out, &n), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_mime_date_format(0, 1440, out, sizeof out, &n), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_mime_date_format(0, 0, NULL, 64, &n), LM_ERR_BAD_PARAM);
}

static void
t_guess_type(void)
{
	static const struct {
		const char *name, *type;
	} v[] = {
		{ "a.txt", "text/plain" },       { "A.TXT", "text/plain" },
		{ "x.html", "text/html" },       { "x.htm", "text/html" },
		{ "r.pdf", "application/pdf" },  { "i.png", "image/png" },
		{ "i.JPG", "image/jpeg" },       { "i.jpeg", "image/jpeg" },
		{ "g.gif", "image/gif" },        { "t.csv", "text/csv" },
		{ "d.json", "application/json" }, { "z.zip", "application/zip" },
		{ "a.tar.gz", "application/gzip" }, { "c.xml", "application/xml" },
		{ "noext", "application/octet-stream" },
		{ "a.exe", "application/octet-stream" },
		{ "a.txt.exe", "application/octet-stream" },
		{ "trailingdot.", "application/octet-stream" },
		{ "a.pdfx", "application/octet-stream" },
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		const char *t = lm_mime_guess_type(v[i].name);
		LM_CHECK_STRN(t, strlen(t), v[i].type);
	}
	LM_CHECK_STRN(lm_mime_guess_type(NULL), 24, "application/octet-stream");
}

/* Compose with reads of `chunk` bytes; *rendered gets the header bytes
 * the composer rendered (re-rendered ones included). */
static blob
compose_counted(const lm_mime_compose_opts *o, size_t chunk, size_t *rendered)
{
	lm_mime_compose m;
	blob b = { NULL, 0, 0 };
	int r = lm_mime_compose_init(&m, o);

	*rendered = 0;
	if (r != 0) {
		b.err = r;
		return b;
	}
	b = slurp(&m, chunk);
	*rendered = lm_mime__compose_rendered(&m);
	lm_mime_compose_free(&m);
	return b;
}

/* RFC 5322 3.2.2 unfolding: drop each CRLF that precedes white space. */
static size_t
unfold(const char *v, size_t n, char *out)
{
	size_t i, o = 0;
	for (i = 0; i < n; i++) {
		if (v[i] == '\r' && i + 2 < n && v[i + 1] == '\n' &&
		    (v[i + 2] == ' ' || v[i + 2] == '\t')) {
			i++;
			continue;
		}
		out[o++] = v[i];
	}
	return o;
}

/* Work allowed for a message of n bytes: each header byte rendered at
 * most about once more (one token re-rendered per 512-byte refill),
 * plus a little per section. A composer that re-renders a section
 * from its start on each refill needs ~n*n/1024. */
#define LINEAR_WORK(n) (2 * (n) + 4096)

/*
 * 20,000 To and 20,000 Cc recipients (a 600 KB To: field): the output
 * is the same with 1-byte and 4096-byte reads, the lists unfold to
 * exactly the mailboxes given (written here from RFC 5322 3.4: atoms
 * as is, a name with ',' as a quoted-string, mailboxes joined by ", "),
 * and the header work is linear.
 */
static void
t_many_recipients(void)
{
	enum { N = 20000 };
	lm_mime_mailbox *to = calloc(N, sizeof *to), *cc = calloc(N, sizeof *cc);
	char *strs = malloc((size_t)N * 64), *want = malloc((size_t)N * 64);
	char *got = malloc((size_t)N * 64);
	lm_mime_compose_opts o;
	blob b1, b4096;
	size_t r1 = 0, r4096 = 0, i, wl, gl, vlen;
	const char *v;

	LM_CHECK(to != NULL && cc != NULL && strs != NULL && want != NULL && got != NULL);
	if (!to || !cc || !strs || !want || !got)
		goto out;
	base_opts(&o);
	for (i = 0; i < N; i++) {
		char *s = strs + i * 64;
		sprintf(s, "u%zu@example.org", i);
		to[i].addr = s;
		if (i % 3 == 1)
			sprintf(s + 24, "User %zu", i);
		else if (i % 3 == 2)
			sprintf(s + 24, "Doe, J%zu", i);
		to[i].name = i % 3 ? s + 24 : NULL;
		sprintf(s + 44, "c%zu@example.net", i);
		cc[i].addr = s + 44;
	}
	o.to = to;
	o.nto = N;
	o.cc = cc;
	o.ncc = N;

	b1 = compose_counted(&o, 1, &r1);
	b4096 = compose_counted(&o, 4096, &r4096);
	LM_CHECK_EQ(b1.err, 0);
	LM_CHECK_EQ(b4096.err, 0);
	LM_CHECK_EQ(b1.len, b4096.len);
	LM_CHECK(b1.len == b4096.len && memcmp(b1.p, b4096.p, b1.len) == 0);
	LM_CHECK(b4096.len > 20 * (size_t)N);
	LM_CHECK(lines_ok(b4096.p, b4096.len, 78));
	/* The work does not depend on the read sizes, and is linear. */
	LM_CHECK_EQ(r1, r4096);
	LM_CHECK(r4096 >= b4096.len - 20);
	LM_CHECK(r4096 <= LINEAR_WORK(b4096.len));

	wl = 0;
	for (i = 0; i < N; i++) {
		if (i % 3 == 0)
			wl += (size_t)sprintf(want + wl, "%s%s", i ? ", " : " ", to[i].addr);
		else if (i % 3 == 1)
			wl += (size_t)sprintf(want + wl, ", %s <%s>", to[i].name, to[i].addr);
		else
			wl += (size_t)sprintf(want + wl, ", \"%s\" <%s>", to[i].name, to[i].addr);
	}
	LM_CHECK(header(&b4096, "To", &v, &vlen));
	gl = unfold(v, vlen, got);
	LM_CHECK_EQ(gl, wl);
	LM_CHECK(gl == wl && memcmp(got, want, wl) == 0);

	wl = 0;
	for (i = 0; i < N; i++)
		wl += (size_t)sprintf(want + wl, "%s%s", i ? ", " : " ", cc[i].addr);
	LM_CHECK(header(&b4096, "Cc", &v, &vlen));
	gl = unfold(v, vlen, got);
	LM_CHECK_EQ(gl, wl);
	LM_CHECK(gl == wl && memcmp(got, want, wl) == 0);
	free(b1.p);
	free(b4096.p);
out:
	free(to);
	free(cc);
	free(strs);
	free(want);
	free(got);
}

/* A byte source of n zero bytes. */
static int
zeros_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	size_t *left = ud, n = *left < cap ? *left : cap;
	memset(buf, 0, n);
	*left -= n;
	*got = n;
	return 0;
}

/*
 * Single header values far longer than the stage: a 120 KB UTF-8
 * subject (encoded words), a 60 KB display name, a 120 KB extra header
 * and a 24 KB UTF-8 file name (RFC 2047 name=, RFC 2231 continuations).
 * Each is rendered in tokens, so the work stays linear; the outputs of
 * 1-, 7- and 4096-byte reads agree; the subject decodes back and the
 * extra header unfolds back to what was given.
 */
static void
t_long_values_linear(void)
{
	static const char word[] = "Gr\xc3\xbc\xc3\x9f""e aus K\xc3\xb6ln, ";
	enum { SUBJ = 120000, NAME = 60000, EXTRA = 120000, FNAME = 24000 };
	char *subj = malloc(SUBJ + 64), *name = malloc(NAME + 64);
	char *extra = malloc(EXTRA + 64), *fname = malloc(FNAME + 64);
	unsigned char *dec = malloc(SUBJ + 64);
	char *got = malloc(EXTRA + 64);
	const char *extras[1];
	lm_mime_attachment att[1];
	size_t left = 1000, r1 = 0, r7 = 0, r4096 = 0, n, vlen, wl = strlen(word);
	lm_mime_compose_opts o;
	blob b1, b7, b4096;
	const char *v;
	long dl;

	LM_CHECK(subj && name && extra && fname && dec && got);
	if (!subj || !name || !extra || !fname || !dec || !got)
		goto out;
	for (n = 0; n + wl <= SUBJ; n += wl)
		memcpy(subj + n, word, wl);
	memcpy(subj + n, "end", 4);
	for (n = 0; n + wl <= NAME; n += wl)
		memcpy(name + n, word, wl);
	memcpy(name + n, "Z", 2);
	strcpy(extra, "X-Long:");
	for (n = 7; n < EXTRA; n += 6)
		memcpy(extra + n, n % 5 ? " abcd" : "\tefgh", 6);
	for (n = 0; n + 6 <= FNAME; n += 6)
		memcpy(fname + n, "\xc3\xa9t\xc3\xa9 ", 6);
	memcpy(fname + n, "x.pdf", 6);

	base_opts(&o);
	o.subject = subj;
	o.from.name = name;
	extras[0] = extra;
	o.extra_headers = extras;
	o.nextra = 1;
	att[0].filename = fname;
	att[0].content_type = NULL;
	att[0].read = zeros_read;
	att[0].ud = &left;
	o.att = att;
	o.natt = 1;

	b1 = compose_counted(&o, 1, &r1);
	left = 1000;
	b7 = compose_counted(&o, 7, &r7);
	left = 1000;
	b4096 = compose_counted(&o, 4096, &r4096);
	LM_CHECK_EQ(b1.err, 0);
	LM_CHECK_EQ(b7.err, 0);
	LM_CHECK_EQ(b4096.err, 0);
	LM_CHECK(b1.len == b4096.len && memcmp(b1.p, b4096.p, b1.len) == 0);
	LM_CHECK(b7.len == b4096.len && memcmp(b7.p, b4096.p, b7.len) == 0);
	LM_CHECK(b4096.len > SUBJ + NAME + EXTRA + FNAME);
	LM_CHECK(lines_ok(b4096.p, b4096.len, 998));
	LM_CHECK_EQ(r1, r4096);
	LM_CHECK_EQ(r7, r4096);
	LM_CHECK(r4096 <= LINEAR_WORK(b4096.len));

	LM_CHECK(header(&b4096, "Subject", &v, &vlen));
	dl = decode_ewords(v, vlen, dec, SUBJ + 64);
	LM_CHECK_EQ(dl, (long)strlen(subj));
	LM_CHECK(dl == (long)strlen(subj) && memcmp(dec, subj, strlen(subj)) == 0);
	LM_CHECK(header(&b4096, "X-Long", &v, &vlen));
	n = unfold(v, vlen, got);
	LM_CHECK_EQ(n, strlen(extra) - 7);
	LM_CHECK(n == strlen(extra) - 7 && memcmp(got, extra + 7, n) == 0);
	free(b1.p);
	free(b7.p);
	free(b4096.p);
out:
	free(subj);
	free(name);
	free(extra);
	free(fname);
	free(dec);
	free(got);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_simple_ascii),
		LM_TEST(t_cc_extras),
		LM_TEST(t_subject_short_2047),
		LM_TEST(t_subject_long_2047),
		LM_TEST(t_display_names),
		LM_TEST(t_long_list_folds),
		LM_TEST(t_injection),
		LM_TEST(t_states),
		LM_TEST(t_text_encodings),
		LM_TEST(t_text_read),
		LM_TEST(t_three_attachments),
		LM_TEST(t_chunk_sizes),
		LM_TEST(t_big_attachment),
		LM_TEST(t_callback_error),
		LM_TEST(t_boundary_in_text),
		LM_TEST(t_long_filename),
		LM_TEST(t_random_invariants),
		LM_TEST(t_dates),
		LM_TEST(t_guess_type),
		LM_TEST(t_many_recipients),
		LM_TEST(t_long_values_linear),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
