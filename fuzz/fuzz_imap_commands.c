/*
 * The IMAP command builders (lib/imap/cmd*.c) called with arbitrary
 * arguments, in any order, in every capability setting. The engine is
 * brought to the authenticated (optionally selected) state by a PREAUTH
 * greeting whose CAPABILITY code the input chooses (or none: capabilities
 * unknown); then the input is a list of builder calls with their
 * arguments. The fake server answers "+ go" to every synchronising
 * literal the engine waits on and OK to every command, in order.
 * (fuzz_imap_session.c runs a fixed script over a hostile transport;
 * this harness stresses what the client writes.)
 *
 * Input header (4 bytes), then calls:
 *   [0..2] 24 capability bits, in the order of CAPS below
 *   [3]    0x01 capabilities unknown (greeting without a CAPABILITY code)
 *          0x02 ENABLE UTF8=ACCEPT (answered ENABLED)  0x04 use_literal_plus
 *          0x08 SELECT INBOX first  0x10 1024-byte output buffer (else
 *          8192)  0x20 ENABLE QRESYNC too
 * A call: one op byte (op & 0x1f picks the builder, modulo NOPS; 0x80:
 * drain the output and answer every command after it), then the
 * builder's arguments: option bytes, numbers (num(): one byte, the top
 * values stand for 0, 2^32 - 1, 2^32, 2^63, 2^64 - 1) and strings (the
 * bytes up to the next NUL or the end, at most STR_MAX).
 *
 * Invariants (abort on failure):
 *  - a builder returns 0 and appends exactly one command (the pending
 *    output grows by it, one more command outstanding, the handle is
 *    its tag), or returns an error and the pending output, the queue and
 *    the holds are unchanged (no partial command);
 *  - the command starts with "A<tag> [UID ]VERB", ends with CRLF, and
 *    holds no CR, LF or NUL but its final CRLF and the framing of
 *    literals ({n} or {n+}, CRLF, then exactly n bytes); 8-bit bytes
 *    only inside literals unless UTF8=ACCEPT is enabled; one hold per
 *    synchronising literal;
 *  - nothing past a synchronising literal's CRLF is sent before the "+",
 *    and the engine waits for "+" exactly there (the APPEND body too);
 *  - a sequence set the builder accepted matches RFC 9051's
 *    sequence-set (checked here, not with the library's code) or is "$"
 *    alone with SEARCHRES or IMAP4rev2 offered; in lm_imap_sb_set() too;
 *  - mailbox names, LIST reference and pattern: the argument as sent,
 *    decoded (quoted string unescaped, literal, modified UTF-7 unless
 *    UTF8=ACCEPT is enabled), equals the name given ("INBOX" in any case
 *    is INBOX); GETQUOTA roots and ID strings are sent exactly (fields
 *    at most 30 bytes, values 1024, RFC 2971);
 *  - SEARCH numbers within number64 (2^63 - 1);
 *  - APPEND's date-time as RFC 9051's grammar has it;
 *  - mod-sequences (QRESYNC, CHANGEDSINCE, UNCHANGEDSINCE) within RFC
 *    7162's 63 bits, QRESYNC's known UIDs a sequence-set without "*";
 *  - FETCH sections: parts nz-number *("." nz-number), MIME only after
 *    a part, a partial length not 0 (RFC 9051's section-spec, partial);
 *  - flag lists are "(" [flag *(SP flag)] ")" with flag ["\"] atom, and
 *    ENABLE's extensions atoms, one SP between them;
 *  - the conversation completes: no engine error.
 */
#include <string.h>

#include "libmail/imap.h"
#include "libmail/core.h"
#include "imap_bounds.h"

static const char *const CAPS[] = {
	"IMAP4rev1", "IMAP4rev2", "LITERAL+", "LITERAL-", "ENABLE", "UTF8=ACCEPT",
	"ESEARCH", "SEARCHRES", "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE",
	"CONDSTORE", "QRESYNC", "UIDPLUS", "MOVE", "QUOTA", "BINARY", "OBJECTID",
	"SAVEDATE", "STATUS=SIZE", "UNSELECT", "NAMESPACE", "ID", "IDLE"
};

#define STR_MAX 2200
#define MODSEQ_MAX 0x7fffffffffffffffull   /* RFC 7162 mod-sequence */
#define NSTR 12
#define HOLDS 256

typedef struct {
	lm_imap_client c;
	unsigned char ibuf[LM_IMAP_BUFSIZE_IN], obuf[LM_IMAP_BUFSIZE_OUT];
	const uint8_t *in;
	size_t n, off;
	char str[NSTR][STR_MAX + 1];
	unsigned nstr;
	/* the output stream: bytes sent; synchronising literal ends */
	uint64_t sent;
	uint64_t hold[HOLDS];
	unsigned nhold, hr;
	lm_imap_handle app_tag;
	const char *pre_ok;     /* untagged data before the next OK */
	int utf8;
	unsigned char snap[LM_IMAP_BUFSIZE_OUT];
	unsigned char dec[LM_IMAP_BUFSIZE_OUT];
	char xbuf[64 * 1024];   /* the SEARCH program's expected values */
} fz;

static fz F;

/* ---- input ---------------------------------------------------------- */

static unsigned
byte(fz *f)
{
	return f->off < f->n ? f->in[f->off++] : 0;
}

static uint64_t
num(fz *f)
{
	static const uint64_t top[] = { 0, 0xffffffffu, 0x100000000ull,
		0x8000000000000000ull, 0xffffffffffffffffull, 1000000, 4096, 4097 };
	unsigned b = byte(f);
	return b >= 0xf8 ? top[b - 0xf8] : b;
}

/* The next string: up to the next NUL (NULL when the input is used up
 * and a bit says so, to test NULL arguments sparingly). */
static const char *
str(fz *f)
{
	char *s = f->str[f->nstr++ % NSTR];
	size_t k = 0;
	while (f->off < f->n && f->in[f->off] != 0 && k < STR_MAX)
		s[k++] = (char)f->in[f->off++];
	if (f->off < f->n && f->in[f->off] == 0)
		f->off++;
	s[k] = '\0';
	return s;
}

/* ---- independent grammar checks ------------------------------------ */

/* RFC 9051 ATOM-CHAR. */
static int
atom_ch(unsigned ch)
{
	if (ch <= 0x20 || ch >= 0x7f)
		return 0;
	return strchr("(){%*\"\\]", (int)ch) == NULL;
}

/* seq-number = nz-number / "*"; nz-number 1..4294967295, no leading 0. */
static const char *
seq_number(const char *s)
{
	uint64_t v = 0;
	if (*s == '*')
		return s + 1;
	if (*s < '1' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint64_t)(*s++ - '0');
		if (v > 0xffffffffu)
			return NULL;
	}
	return s;
}

/* sequence-set = (seq-number / seq-range) ["," sequence-set] */
static int
seqset_ok(const char *s)
{
	for (;;) {
		if ((s = seq_number(s)) == NULL)
			return 0;
		if (*s == ':' && (s = seq_number(s + 1)) == NULL)
			return 0;
		if (*s == '\0')
			return 1;
		if (*s++ != ',')
			return 0;
	}
}

static int
searchres(const fz *f)
{
	return lm_imap_caps_known(&f->c) &&
	       (lm_imap_has_cap(&f->c, "SEARCHRES") || lm_imap_has_cap(&f->c, "IMAP4rev2"));
}

static void
check_set(const fz *f, const char *set, const char *what)
{
	if (strcmp(set, "$") == 0)
		FZ_CHECK(searchres(f), what);
	else
		FZ_CHECK(seqset_ok(set), what);
}

/* word *(SP word) in p[0..n), word = ["\"] 1*ATOM-CHAR (the backslash
 * with bs only) */
static void
check_words(const unsigned char *p, size_t n, int bs)
{
	size_t i = 0;
	for (;;) {
		size_t k;
		if (bs && i < n && p[i] == '\\')
			i++;
		for (k = i; i < n && atom_ch(p[i]); i++)
			;
		FZ_CHECK(i > k, "flag or extension is [\\]atom");
		if (i == n)
			return;
		FZ_CHECK(p[i] == ' ' && i + 1 < n, "words separated by one SP");
		i++;
	}
}

/* section-part = nz-number *("." nz-number) */
static int
section_part_ok(const char *s)
{
	for (;;) {
		if ((s = seq_number(s)) == NULL || s[-1] == '*')
			return 0;
		if (*s == '\0')
			return 1;
		if (*s++ != '.')
			return 0;
	}
}

/* date-time (RFC 9051) without its quotes: (SP DIGIT / 2DIGIT) "-"
 * date-month "-" 4DIGIT SP 2DIGIT ":" 2DIGIT ":" 2DIGIT SP ("+"/"-")
 * 4DIGIT, the month case-insensitive */
static int
date_ok(const char *s)
{
	static const char *const mon[] = { "jan", "feb", "mar", "apr", "may", "jun",
		"jul", "aug", "sep", "oct", "nov", "dec" };
	size_t i, m;
	if (strlen(s) != 26 || s[2] != '-' || s[6] != '-' || s[11] != ' ' ||
	    s[14] != ':' || s[17] != ':' || s[20] != ' ' || (s[21] != '+' && s[21] != '-'))
		return 0;
	for (i = 0; i < 26; i++) {
		static const char dig[] = { 0, 1, 7, 8, 9, 10, 12, 13, 15, 16, 18, 19, 22, 23, 24, 25 };
		size_t k;
		for (k = 0; k < sizeof dig; k++)
			if ((size_t)dig[k] == i && !(s[i] >= '0' && s[i] <= '9') &&
			    !(i == 0 && s[i] == ' '))
				return 0;
	}
	for (m = 0; m < 12; m++) {
		for (i = 0; i < 3; i++)
			if ((s[3 + i] | 0x20) != mon[m][i])
				break;
		if (i == 3)
			return 1;
	}
	return 0;
}

static int
is_mime(const char *s)
{
	static const char u[] = "MIME", l[] = "mime";
	size_t i;
	for (i = 0; i < 4; i++)
		if (s[i] != u[i] && s[i] != l[i])
			return 0;
	return s[4] == '\0';
}

/* "(" [flag *(SP flag)] ")", flag = ["\"] 1*ATOM-CHAR */
static void
check_flags(const unsigned char *p, size_t n)
{
	FZ_CHECK(n >= 2 && p[0] == '(' && p[n - 1] == ')', "flag list in parentheses");
	if (n > 2)
		check_words(p + 1, n - 2, 1);
}

/* ---- the command's bytes -------------------------------------------- */

/* Framing of one command p[0..n) that starts at stream offset base:
 * CRLF at the end, CR/LF/NUL only in literal framing, 8-bit only in
 * literals unless UTF8=ACCEPT; records the holds. With app the last
 * line is APPEND's literal header (the body follows from rd). Returns
 * the number of synchronising literals. */
static unsigned
check_framing(fz *f, const unsigned char *p, size_t n, uint64_t base, int app)
{
	size_t i = 0, j;
	unsigned sync = 0;

	FZ_CHECK(n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n', "command ends with CRLF");
	for (;;) {
		size_t k, e;
		uint64_t len = 0;
		int plus = 0;
		for (j = i; p[j] != '\r'; j++) {
			FZ_CHECK(p[j] != '\n' && p[j] != 0, "no LF or NUL outside literals");
			FZ_CHECK(p[j] < 0x80 || f->utf8, "8-bit only in literals or with UTF8=ACCEPT");
		}
		FZ_CHECK(j + 1 < n && p[j + 1] == '\n', "CR only in CRLF");
		if (j + 2 == n && !app)
			return sync;
		/* the line ends with a literal header {n} or {n+} */
		FZ_CHECK(j > i && p[j - 1] == '}', "a line break only after a literal header");
		e = j - 1;
		if (e > i && p[e - 1] == '+') {
			plus = 1;
			e--;
		}
		for (k = e; k > i && p[k - 1] >= '0' && p[k - 1] <= '9'; k--)
			;
		FZ_CHECK(k < e && k > i && p[k - 1] == '{', "literal header {digits}");
		FZ_CHECK(e - k <= 12, "literal size fits");
		for (; k < e; k++)
			len = len * 10 + (uint64_t)(p[k] - '0');
		if (!plus) {
			FZ_CHECK(f->nhold < HOLDS, "harness: holds");
			f->hold[f->nhold++] = base + j + 2;
			sync++;
		}
		if (j + 2 == n)
			return sync;        /* APPEND: the body comes from rd */
		FZ_CHECK(len <= n - (j + 2) - 2, "literal data inside the command");
		for (k = 0; k < len; k++)
			FZ_CHECK(p[j + 2 + k] != 0, "no NUL in literal data");
		i = j + 2 + (size_t)len;
	}
}

/* A token reader over a checked command. */
typedef struct {
	const unsigned char *p;
	size_t n, i;
	unsigned char *val;     /* decoded value (STRING, ATOM) */
	size_t vlen;
	size_t start;           /* where the token began */
} rd_t;

enum { T_END, T_ATOM, T_STRING, T_OPEN, T_CLOSE };

static int
tok(rd_t *r)
{
	const unsigned char *p = r->p;
	size_t n = r->n - 2;   /* without the final CRLF */

	if (r->i < n && p[r->i] == ' ' && r->i > 0)
		r->i++;
	r->start = r->i;
	r->vlen = 0;
	if (r->i >= n)
		return T_END;
	if (p[r->i] == '(') {
		r->i++;
		return T_OPEN;
	}
	if (p[r->i] == ')') {
		r->i++;
		return T_CLOSE;
	}
	if (p[r->i] == '"') {
		for (r->i++;; r->i++) {
			FZ_CHECK(r->i < n, "quoted string closed");
			if (p[r->i] == '"')
				break;
			if (p[r->i] == '\\') {
				r->i++;
				FZ_CHECK(r->i < n && (p[r->i] == '"' || p[r->i] == '\\'),
				         "only \\\" and \\\\ escaped");
			} else {
				FZ_CHECK(p[r->i] >= 0x20 && p[r->i] != 0x7f, "no CTL in a quoted string");
			}
			r->val[r->vlen++] = p[r->i];
		}
		r->i++;
		return T_STRING;
	}
	if (p[r->i] == '{') {
		uint64_t len = 0;
		for (r->i++; p[r->i] >= '0' && p[r->i] <= '9'; r->i++)
			len = len * 10 + (uint64_t)(p[r->i] - '0');
		if (p[r->i] == '+')
			r->i++;
		FZ_CHECK(p[r->i] == '}' && p[r->i + 1] == '\r', "literal header");
		r->i += 3;
		memcpy(r->val, p + r->i, (size_t)len);
		r->vlen = (size_t)len;
		r->i += (size_t)len;
		return T_STRING;
	}
	while (r->i < n && p[r->i] != ' ' && p[r->i] != '(' && p[r->i] != ')')
		r->val[r->vlen++] = p[r->i++];
	return T_ATOM;
}

static int
ieq_inbox(const char *s)
{
	static const char u[] = "INBOX", l[] = "inbox";
	size_t i;
	for (i = 0; i < 5; i++)
		if (s[i] != u[i] && s[i] != l[i])
			return 0;
	return s[5] == '\0';
}

/* A mailbox (or LIST pattern with pat) argument round trips to name. */
static void
check_mailbox(fz *f, rd_t *r, const char *name, int pat)
{
	size_t nl = strlen(name), i, ol = 0;
	int t = tok(r);
	char out[STR_MAX * 2];

	FZ_CHECK(t == T_ATOM || t == T_STRING, "mailbox is an astring");
	if (t == T_ATOM)
		for (i = 0; i < r->vlen; i++)
			FZ_CHECK(atom_ch(r->val[i]) || r->val[i] == ']', "astring chars");
	if (!pat && nl == 5 && ieq_inbox(name)) {
		FZ_CHECK(r->vlen == 5 && memcmp(r->val, "INBOX", 5) == 0, "INBOX as INBOX");
		return;
	}
	if (f->utf8) {
		FZ_CHECK(r->vlen == nl && memcmp(r->val, name, nl) == 0,
		         "UTF-8 mailbox name sent as given");
		return;
	}
	FZ_CHECK(lm_mutf7_decode((const char *)r->val, r->vlen, out, sizeof out, &ol) == 0,
	         "mailbox name is modified UTF-7");
	FZ_CHECK(ol == nl && memcmp(out, name, nl) == 0, "mailbox name round trips");
}

/* A string argument sent exactly (GETQUOTA root, ID). */
static void
check_exact(rd_t *r, const char *s)
{
	int t = tok(r);
	FZ_CHECK(t == T_ATOM || t == T_STRING, "string argument");
	FZ_CHECK(r->vlen == strlen(s) && memcmp(r->val, s, r->vlen) == 0,
	         "string argument sent as given");
}

/* The sequence set argument: sent as given, and valid. */
static void
check_set_arg(fz *f, rd_t *r, const char *set)
{
	FZ_CHECK(tok(r) == T_ATOM, "set is an atom");
	FZ_CHECK(r->vlen == strlen(set) && memcmp(r->val, set, r->vlen) == 0, "set sent as given");
	check_set(f, set, "accepted sequence set is RFC 9051's sequence-set or $");
}

/* ---- the engine ------------------------------------------------------ */

static size_t
pending(const fz *f, const unsigned char **p)
{
	const lm_core__io *io = &FZ_P(&f->c, io);
	if (p)
		*p = FZ_P(io, obuf) + FZ_P(io, ostart);
	return FZ_P(io, oend) - FZ_P(io, ostart);
}

static void
feed(fz *f, const char *s)
{
	size_t n = strlen(s), used;
	while (n > 0) {
		FZ_CHECK(lm_imap_feed(&f->c, s, n, &used) == 0, "feed");
		s += used;
		n -= used;
		if (n > 0) {
			lm_imap_event ev;
			FZ_CHECK(lm_imap_next(&f->c, &ev) >= 0, "next while feeding");
		}
	}
}

static int
app_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	(void)ud;
	memset(buf, 'x', cap);
	*got = cap;
	return 0;
}

/* Send everything, answer "+ go" where the engine waits for it and OK
 * to every outstanding command; commands the engine queues itself (the
 * MOVE fallback) are checked like the builders'. */
static void
drain(fz *f)
{
	lm_imap_event ev;
	unsigned steps;
	char line[64];

	for (steps = 0; steps < 100000; steps++) {
		uint64_t before = f->sent + pending(f, NULL), after;
		int r;
		fz_imap_bounds(&f->c);
		r = lm_imap_next(&f->c, &ev);
		fz_imap_bounds(&f->c);
		FZ_CHECK(r >= 0, "the conversation goes on without error");
		after = f->sent + pending(f, NULL);
		if (after > before && f->app_tag == 0) {
			const unsigned char *p;
			size_t k = pending(f, &p);
			size_t add = (size_t)(after - before);
			FZ_CHECK(add <= k, "queued bytes pending");
			FZ_CHECK(p[k - add] == 'A', "a queued command starts with its tag");
			check_framing(f, p + k - add, add, before, 0);
		}
		if (r == LM_WANT_WRITE) {
			const unsigned char *p;
			size_t n;
			p = lm_imap_send_buf(&f->c, &n);
			FZ_CHECK(n > 0 && p != NULL, "WANT_WRITE has bytes");
			if (f->hr < f->nhold)
				FZ_CHECK(f->sent + n <= f->hold[f->hr],
				         "nothing after a synchronising literal before its +");
			lm_imap_send_ack(&f->c, n);
			f->sent += n;
		} else if (r == LM_WANT_READ) {
			if (pending(f, NULL) > 0 || (f->app_tag && FZ_P(&f->c, app_state) != 0)) {
				FZ_CHECK(f->hr < f->nhold && f->sent == f->hold[f->hr],
				         "the engine waits for + right after a synchronising literal");
				f->hr++;
				feed(f, "+ go\r\n");
			} else if (lm_imap_pending(&f->c) > 0) {
				lm_imap_handle t = FZ_P(&f->c, q)[0].LM_PRIVATE(tag);
				if (t == f->app_tag)
					f->app_tag = 0;
				snprintf(line, sizeof line, "A%u OK done\r\n", t);
				if (f->pre_ok != NULL)
					feed(f, f->pre_ok);
				f->pre_ok = NULL;
				feed(f, line);
			} else {
				return;
			}
		} else if (r == LM_EVENT) {
			if (ev.type == LM_IMAP_EV_DONE)
				FZ_CHECK(ev.status == LM_IMAP_OK, "every command completes OK");
		} else {
			FZ_CHECK(0, "next() result");
		}
	}
	FZ_CHECK(0, "drain ends");
}

/* ---- the calls -------------------------------------------------------- */

enum {
	OP_SELECT, OP_EXAMINE, OP_CREATE, OP_DELETE, OP_RENAME, OP_SUBSCRIBE,
	OP_UNSUBSCRIBE, OP_STATUS, OP_LIST, OP_LSUB, OP_SEARCH, OP_FETCH, OP_STORE,
	OP_COPY, OP_MOVE, OP_UID_EXPUNGE, OP_APPEND, OP_ENABLE, OP_ID, OP_GETQUOTA,
	OP_GETQUOTAROOT, OP_NOOP, NOPS
};

typedef struct {
	const char *a[64];
	unsigned na;
	int uid;
	const char *flags;        /* STORE / APPEND flags */
	int sb_badset, sb_dollar; /* SEARCH: sets the program holds */
	int sb_bignum;            /* a number above 2^63 - 1 */
	/* SEARCH: what the program must read as, token by token (X_ANY:
	 * an atom or a string), and its shape: U a whole key, N NOT, O OR,
	 * ( ), W a word (free form: no shape then) */
	struct { int t; const char *v; size_t n; } x[48];
	unsigned nx;
	size_t xl;
	char shape[16];
	unsigned nshape;
	int sb_calls_ok;          /* every builder call returned 0 */
	unsigned st;              /* STATUS items asked for */
	const lm_imap_list_opts *lo;
	const lm_imap_fetch_opts *fo;
	const lm_imap_select_opts *so;
	uint64_t unchangedsince;
} call;

enum { X_ANY = 100 };

/* Expect token t with value v[0..n) (copied: str() reuses its buffers). */
static void
expect(fz *f, call *k, int t, const char *v, size_t n)
{
	FZ_CHECK(k->nx < sizeof k->x / sizeof k->x[0] && k->xl + n <= sizeof f->xbuf,
	         "harness: expected tokens");
	memcpy(f->xbuf + k->xl, v, n);
	k->x[k->nx].t = t;
	k->x[k->nx].v = f->xbuf + k->xl;
	k->x[k->nx].n = n;
	k->nx++;
	k->xl += n;
}

static void
expect_s(fz *f, call *k, int t, const char *v)
{
	expect(f, k, t, v, strlen(v));
}

/* RFC 9051 search-key shape, read by recursive descent over at most
 * 12 builder calls: key = U / N key / O key key / "(" key *key ")". */
static int
shape_key(const char *sh, unsigned n, unsigned *i, unsigned depth)
{
	if (*i >= n || depth > 16)
		return 0;
	switch (sh[(*i)++]) {
	case 'U':
		return 1;
	case 'N':
		return shape_key(sh, n, i, depth + 1);
	case 'O':
		return shape_key(sh, n, i, depth + 1) && shape_key(sh, n, i, depth + 1);
	case '(':
		if (!shape_key(sh, n, i, depth + 1))
			return 0;
		while (*i < n && sh[*i] != ')')
			if (!shape_key(sh, n, i, depth + 1))
				return 0;
		if (*i >= n)
			return 0;
		(*i)++;
		return 1;
	default:
		return 0;
	}
}

static int
shape_ok(const call *k)
{
	unsigned i = 0;
	while (i < k->nshape)
		if (!shape_key(k->shape, k->nshape, &i, 0))
			return 0;
	return 1;
}

/* Whether a ")" now closes a group: an open "(" whose keys are whole
 * (with a word anywhere, only the parentheses count). */
static int
group_ok(const call *k)
{
	unsigned j = k->nshape, d = 0, i;
	int words = memchr(k->shape, 'W', k->nshape) != NULL, open = 0;
	while (j > 0 && !open) {
		char c = k->shape[--j];
		if (c == ')')
			d++;
		else if (c == '(' && d == 0)
			open = 1;
		else if (c == '(')
			d--;
	}
	if (!open)
		return 0;
	if (words)
		return 1;
	i = j + 1;
	if (i >= k->nshape)
		return 0;   /* "()" */
	while (i < k->nshape)
		if (!shape_key(k->shape, k->nshape, &i, 0))
			return 0;
	return 1;
}

/* A search-key name the builder took: an atom that starts with a
 * letter, never a sequence set ("1::2" is an atom too). */
static void
key_name(const char *s)
{
	FZ_CHECK(s != NULL && ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'),
	         "search-key name starts with a letter");
}

/* Build the search program from the input, noting what it must be
 * sent as (k->x) and its shape (k->shape). */
static void
build_search(fz *f, lm_imap_sb *sb, call *k)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	unsigned n = byte(f) % 12, i;
	char t[32];

	k->sb_calls_ok = 1;
	for (i = 0; i < n; i++) {
		unsigned op = byte(f);
		const char *s, *v;
		uint64_t u;
		int r, y, m, d;
		char sh = 'U';
		switch (op % 11) {
		case 0:
			s = str(f);
			r = lm_imap_sb_key(sb, s);
			if (r == 0) {
				key_name(s);
				expect_s(f, k, T_ATOM, s);
			}
			break;
		case 1:
			s = str(f);
			v = str(f);
			r = lm_imap_sb_str(sb, s, v);
			if (r == 0) {
				key_name(s);
				expect_s(f, k, T_ATOM, s);
				expect_s(f, k, X_ANY, v);
			}
			break;
		case 2:
			s = str(f);
			v = str(f);
			r = lm_imap_sb_header(sb, s, v);
			if (r == 0) {
				expect_s(f, k, T_ATOM, "HEADER");
				expect_s(f, k, X_ANY, s);
				expect_s(f, k, X_ANY, v);
			}
			break;
		case 3:
			s = str(f);
			u = num(f);
			/* LARGER, SMALLER: number64; MODSEQ: mod-sequence-valzer */
			r = lm_imap_sb_num(sb, s, u);
			if (r == 0) {
				key_name(s);
				if (u > MODSEQ_MAX)
					k->sb_bignum = 1;
				expect_s(f, k, T_ATOM, s);
				snprintf(t, sizeof t, "%llu", (unsigned long long)u);
				expect_s(f, k, T_ATOM, t);
			}
			break;
		case 4:
			s = str(f);
			y = (int)(byte(f) * 40);
			m = (int)(byte(f) % 14);
			d = (int)(byte(f) % 33);
			r = lm_imap_sb_date(sb, s, y, m, d);
			if (r == 0) {
				key_name(s);
				FZ_CHECK(y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= 31,
				         "SEARCH date within its ranges");
				expect_s(f, k, T_ATOM, s);
				snprintf(t, sizeof t, "%d-%s-%04d", d, mon[m - 1], y);
				expect_s(f, k, T_ATOM, t);
			}
			break;
		case 5:
			s = str(f);
			r = lm_imap_sb_set(sb, op & 0x80, s);
			if (r == 0 && strcmp(s, "$") == 0)
				k->sb_dollar = 1;
			else if (r == 0 && !seqset_ok(s))
				k->sb_badset = 1;
			if (r == 0) {
				if (op & 0x80)
					expect_s(f, k, T_ATOM, "UID");
				expect_s(f, k, T_ATOM, s);
			}
			break;
		case 6: r = lm_imap_sb_not(sb); sh = 'N'; if (!r) expect_s(f, k, T_ATOM, "NOT"); break;
		case 7: r = lm_imap_sb_or(sb); sh = 'O'; if (!r) expect_s(f, k, T_ATOM, "OR"); break;
		case 8: r = lm_imap_sb_open(sb); sh = '('; if (!r) expect_s(f, k, T_OPEN, ""); break;
		case 9: {
			int whole = group_ok(k);
			r = lm_imap_sb_close(sb);
			sh = ')';
			if (k->sb_calls_ok)
				FZ_CHECK(whole ? (r == 0 || r == LM_ERR_BUFFER_TOO_SMALL) : r != 0,
				         "\")\" closes exactly a whole group");
			if (!r)
				expect_s(f, k, T_CLOSE, "");
			break;
		}
		default:
			s = str(f);
			r = lm_imap_sb_word(sb, s);
			sh = 'W';
			if (r == 0)
				expect_s(f, k, X_ANY, s);
			break;
		}
		if (r != 0)
			k->sb_calls_ok = 0;
		k->shape[k->nshape++] = sh;
	}
	/* the converse of the shape check: whole keys leave nothing open */
	if (k->sb_calls_ok && shape_ok(k) && !memchr(k->shape, 'W', k->nshape))
		FZ_CHECK(FZ_P(sb, need) == 0 && FZ_P(sb, depth) == 0,
		         "a program of whole search-keys is complete");
}

typedef struct { unsigned bit; const char *name; } bitname;

static const bitname ST_NAMES[] = {
	{ LM_IMAP_ST_MESSAGES, "MESSAGES" }, { LM_IMAP_ST_RECENT, "RECENT" },
	{ LM_IMAP_ST_UIDNEXT, "UIDNEXT" }, { LM_IMAP_ST_UIDVALIDITY, "UIDVALIDITY" },
	{ LM_IMAP_ST_UNSEEN, "UNSEEN" }, { LM_IMAP_ST_DELETED, "DELETED" },
	{ LM_IMAP_ST_SIZE, "SIZE" }, { LM_IMAP_ST_HIGHESTMODSEQ, "HIGHESTMODSEQ" }
};   /* APPENDLIMIT is response only: never asked for */
static const bitname SEL_NAMES[] = {
	{ LM_IMAP_LIST_SEL_SUBSCRIBED, "SUBSCRIBED" }, { LM_IMAP_LIST_SEL_REMOTE, "REMOTE" },
	{ LM_IMAP_LIST_SEL_RECURSIVEMATCH, "RECURSIVEMATCH" },
	{ LM_IMAP_LIST_SEL_SPECIAL_USE, "SPECIAL-USE" }
};
static const bitname RET_NAMES[] = {
	{ LM_IMAP_LIST_RET_SUBSCRIBED, "SUBSCRIBED" }, { LM_IMAP_LIST_RET_CHILDREN, "CHILDREN" },
	{ LM_IMAP_LIST_RET_SPECIAL_USE, "SPECIAL-USE" }
};

/* The bit of the atom just read, from names[0..n); 0 if none. */
static unsigned
name_bit(const rd_t *r, const bitname *names, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (strlen(names[i].name) == r->vlen && memcmp(names[i].name, r->val, r->vlen) == 0)
			return names[i].bit;
	return 0;
}

/* A parenthesised list of option names, its "(" already read: each
 * one asked for (want), once, and all of them; never empty. The atom
 * `sub` (e.g. STATUS in LIST's RETURN) opens a nested list instead,
 * checked by the caller-supplied sub_want against sub_names. */
static void
check_names(rd_t *r, const bitname *names, size_t n, unsigned want, const char *sub,
            const bitname *sub_names, size_t sub_n, unsigned sub_want, const char *what)
{
	unsigned seen = 0, b;
	int t, any = 0, sub_seen = 0;

	while ((t = tok(r)) != T_CLOSE) {
		FZ_CHECK(t == T_ATOM, what);
		any = 1;
		if (sub != NULL && r->vlen == strlen(sub) && memcmp(r->val, sub, r->vlen) == 0) {
			FZ_CHECK(!sub_seen && sub_want != 0 && tok(r) == T_OPEN, what);
			sub_seen = 1;
			check_names(r, sub_names, sub_n, sub_want, NULL, NULL, 0, 0, what);
			continue;
		}
		b = name_bit(r, names, n);
		FZ_CHECK(b != 0 && (want & b) && !(seen & b), what);
		seen |= b;
	}
	FZ_CHECK(any && seen == want && sub_seen == (sub_want != 0), what);
}

/* RFC 9051 section (with RFC 3516's binary forms) as the request asks
 * for it, written from the section's fields. */
static size_t
section_text(const lm_imap_section *s, char *o, size_t cap)
{
	int part = s->part && s->part[0], text = s->text && s->text[0];
	size_t n, i;

	n = (size_t)snprintf(o, cap, "%s%s%s%s",
	    s->binary_size ? "BINARY.SIZE[" : s->binary ? (s->peek ? "BINARY.PEEK[" : "BINARY[") :
	    (s->peek ? "BODY.PEEK[" : "BODY["), part ? s->part : "",
	    part && text ? "." : "", text ? s->text : "");
	if (text && strlen(s->text) > 7) {   /* HEADER.FIELDS[.NOT] (names) */
		for (i = 0; i < s->nfields && n < cap; i++)
			n += (size_t)snprintf(o + n, cap - n, "%s%s", i ? " " : " (", s->fields[i]);
		if (n < cap)
			n += (size_t)snprintf(o + n, cap - n, ")");
	}
	if (n < cap)
		n += (size_t)snprintf(o + n, cap - n, "]");
	if (s->partial && !s->binary_size && n < cap)
		n += (size_t)snprintf(o + n, cap - n, "<%llu.%llu>",
		                      (unsigned long long)s->start, (unsigned long long)s->len);
	FZ_CHECK(n < cap, "harness: section text");
	return n;
}

/* The FETCH attribute list after the set: each item asked for exactly
 * once (simple items in any order, sections in the caller's order),
 * nothing else, never empty; then the CHANGEDSINCE modifier. */
static void
check_fetch_atts(const lm_imap_fetch_opts *fo, rd_t *r)
{
	static const struct { unsigned bit; const char *name; } items[] = {
		{ LM_IMAP_F_FLAGS, "FLAGS" }, { LM_IMAP_F_UID, "UID" },
		{ LM_IMAP_F_INTERNALDATE, "INTERNALDATE" }, { LM_IMAP_F_RFC822_SIZE, "RFC822.SIZE" },
		{ LM_IMAP_F_ENVELOPE, "ENVELOPE" }, { LM_IMAP_F_BODYSTRUCTURE, "BODYSTRUCTURE" },
		{ LM_IMAP_F_BODY, "BODY" }, { LM_IMAP_F_MODSEQ, "MODSEQ" },
		{ LM_IMAP_F_EMAILID, "EMAILID" }, { LM_IMAP_F_THREADID, "THREADID" },
		{ LM_IMAP_F_SAVEDATE, "SAVEDATE" }
	};
	const unsigned char *p = r->p;
	size_t n = r->n - 2, i = r->i, a, nsec = 0, k;
	unsigned seen = 0, known = 0, count = 0;
	char want[STR_MAX * 4 + 128], mod[64];

	for (k = 0; k < sizeof items / sizeof items[0]; k++)
		known |= items[k].bit;
	FZ_CHECK(!(fo->items & ~known), "FETCH takes only defined items");
	FZ_CHECK(i + 2 <= n && p[i] == ' ' && p[i + 1] == '(', "FETCH (");
	i += 2;
	for (;;) {
		int sec = 0, names = 0;   /* inside "[...]", inside its "(...)" */
		a = i;
		for (; i < n; i++) {
			if (!sec && (p[i] == ' ' || p[i] == ')'))
				break;
			if (!sec)
				sec = p[i] == '[';
			else if (names)
				names = p[i] != ')';
			else if (p[i] == '(')
				names = 1;
			else if (p[i] == ']')
				sec = 0;
		}
		FZ_CHECK(i < n && i > a, "FETCH item");
		count++;
		if (memchr(p + a, '[', i - a) != NULL) {
			FZ_CHECK(nsec < fo->nsections, "FETCH sections as asked");
			k = section_text(&fo->sections[nsec++], want, sizeof want);
			FZ_CHECK(k == i - a && memcmp(want, p + a, k) == 0, "FETCH section as asked");
		} else {
			for (k = 0; k < sizeof items / sizeof items[0]; k++)
				if (strlen(items[k].name) == i - a &&
				    memcmp(items[k].name, p + a, i - a) == 0)
					break;
			FZ_CHECK(k < sizeof items / sizeof items[0], "FETCH item name");
			FZ_CHECK((fo->items & items[k].bit) && !(seen & items[k].bit),
			         "FETCH item asked for, once");
			seen |= items[k].bit;
		}
		if (p[i] == ')')
			break;
		i++;
	}
	FZ_CHECK(count > 0 && seen == fo->items && nsec == fo->nsections,
	         "FETCH holds every item asked for");
	i++;
	k = 0;
	if (fo->changedsince)
		k = (size_t)snprintf(mod, sizeof mod, " (CHANGEDSINCE %llu%s)",
		                     (unsigned long long)fo->changedsince,
		                     fo->vanished ? " VANISHED" : "");
	FZ_CHECK(n - i == k && memcmp(p + i, mod, k) == 0, "FETCH modifiers as asked");
}

/* The program as sent: RETURN and CHARSET skipped, then the builder's
 * tokens in order, values as given, nothing else. */
static void
check_search(fz *f, const call *k, rd_t *r)
{
	unsigned i;
	int t = tok(r);
	(void)f;
	if (t == T_ATOM && r->vlen == 6 && memcmp(r->val, "RETURN", 6) == 0) {
		FZ_CHECK(tok(r) == T_OPEN, "RETURN (");
		while ((t = tok(r)) == T_ATOM)
			;
		FZ_CHECK(t == T_CLOSE, "RETURN options )");
		t = tok(r);
	}
	if (t == T_ATOM && r->vlen == 7 && memcmp(r->val, "CHARSET", 7) == 0) {
		FZ_CHECK(tok(r) == T_ATOM && r->vlen == 5 && memcmp(r->val, "UTF-8", 5) == 0,
		         "CHARSET UTF-8");
		t = tok(r);
	}
	if (k->nx == 0) {
		FZ_CHECK(t == T_ATOM && r->vlen == 3 && memcmp(r->val, "ALL", 3) == 0,
		         "an empty program is ALL");
		FZ_CHECK(tok(r) == T_END, "nothing after ALL");
		return;
	}
	for (i = 0; i < k->nx; i++) {
		if (i > 0)
			t = tok(r);
		if (k->x[i].t == X_ANY)
			FZ_CHECK(t == T_ATOM || t == T_STRING, "SEARCH value is an astring");
		else
			FZ_CHECK(t == k->x[i].t, "SEARCH token kind as built");
		FZ_CHECK(r->vlen == k->x[i].n && memcmp(r->val, k->x[i].v, r->vlen) == 0,
		         "SEARCH token sent as built");
	}
	FZ_CHECK(tok(r) == T_END, "nothing after the program");
}

static const char *const TEXTS[] = { NULL, "", "HEADER", "TEXT", "MIME",
	"HEADER.FIELDS", "HEADER.FIELDS.NOT", "header.fields" };

/* What the command after its verb must hold, checked by kind. */
static void
check_args(fz *f, int op, const call *k, rd_t *r)
{
	int t;
	switch (op) {
	case OP_SELECT: case OP_EXAMINE: case OP_CREATE: case OP_DELETE:
	case OP_SUBSCRIBE: case OP_UNSUBSCRIBE: case OP_STATUS: case OP_APPEND:
		check_mailbox(f, r, k->a[0], 0);
		if (op == OP_STATUS) {
			FZ_CHECK(tok(r) == T_OPEN, "STATUS (");
			check_names(r, ST_NAMES, sizeof ST_NAMES / sizeof ST_NAMES[0], k->st,
			            NULL, NULL, 0, 0, "STATUS items as asked, once, never none");
			FZ_CHECK(tok(r) == T_END, "nothing after the STATUS items");
		}
		if (op == OP_APPEND && k->a[1] != NULL)
			FZ_CHECK(date_ok(k->a[1]), "APPEND date-time as RFC 9051 has it");
		if (op == OP_APPEND && k->flags != NULL) {
			size_t s;
			FZ_CHECK(tok(r) == T_OPEN, "APPEND flag list");
			s = r->start;
			while ((t = tok(r)) != T_CLOSE)
				FZ_CHECK(t == T_ATOM, "flags are atoms");
			check_flags(r->p + s, r->i - s);
		}
		/* RFC 7162: mod-sequence-value 1 to 2^63 - 1; known-uids a
		 * sequence-set of UIDs without "*" */
		if (k->so != NULL && k->so->qr_uidvalidity) {
			FZ_CHECK(k->so->qr_modseq >= 1 && k->so->qr_modseq <= MODSEQ_MAX,
			         "QRESYNC mod-sequence-value");
			if (k->so->qr_known_uids)
				FZ_CHECK(seqset_ok(k->so->qr_known_uids) &&
				         !strchr(k->so->qr_known_uids, '*'), "QRESYNC known-uids");
		}
		if ((op == OP_SELECT || op == OP_EXAMINE) && k->a[1] != NULL &&
		    r->i + 12 < r->n && memcmp(r->p + r->i, " (QRESYNC (", 11) == 0) {
			r->i += 11;
			FZ_CHECK(tok(r) == T_ATOM && tok(r) == T_ATOM, "QRESYNC numbers");
			check_set_arg(f, r, k->a[1]);
		}
		break;
	case OP_GETQUOTAROOT:
		/* a mailbox (RFC 9208): "inbox" goes out as INBOX */
		check_mailbox(f, r, k->a[0], 0);
		break;
	case OP_RENAME:
		check_mailbox(f, r, k->a[0], 0);
		check_mailbox(f, r, k->a[1], 0);
		break;
	case OP_LIST: case OP_LSUB: {
		size_t at = r->i;
		unsigned sel = k->lo ? k->lo->sel : 0, ret = k->lo ? k->lo->ret : 0;
		unsigned st = k->lo ? k->lo->status : 0;
		if (tok(r) == T_OPEN)
			check_names(r, SEL_NAMES, sizeof SEL_NAMES / sizeof SEL_NAMES[0], sel,
			            NULL, NULL, 0, 0, "LIST selection options as asked");
		else {
			FZ_CHECK(sel == 0, "LIST selection options sent");
			r->i = at;
		}
		/* RFC 5258 3.1: not RECURSIVEMATCH alone or with REMOTE only */
		if (sel & LM_IMAP_LIST_SEL_RECURSIVEMATCH)
			FZ_CHECK(sel & (LM_IMAP_LIST_SEL_SUBSCRIBED | LM_IMAP_LIST_SEL_SPECIAL_USE),
			         "RECURSIVEMATCH with a selection option it refines");
		check_mailbox(f, r, k->a[0], 1);
		check_mailbox(f, r, k->a[1], 1);
		t = tok(r);
		if (ret || st) {
			FZ_CHECK(t == T_ATOM && r->vlen == 6 && memcmp(r->val, "RETURN", 6) == 0 &&
			         tok(r) == T_OPEN, "LIST RETURN (");
			check_names(r, RET_NAMES, sizeof RET_NAMES / sizeof RET_NAMES[0], ret,
			            "STATUS", ST_NAMES, sizeof ST_NAMES / sizeof ST_NAMES[0], st,
			            "LIST return options as asked");
			t = tok(r);
		}
		FZ_CHECK(t == T_END, "nothing more after LIST");
		break;
	}
	case OP_FETCH: case OP_UID_EXPUNGE: case OP_STORE:
		check_set_arg(f, r, k->a[0]);
		if (op == OP_STORE)
			FZ_CHECK(k->unchangedsince <= MODSEQ_MAX, "UNCHANGEDSINCE mod-sequence-valzer");
		if (op == OP_FETCH) {
			size_t i;
			FZ_CHECK(k->fo->changedsince <= MODSEQ_MAX, "CHANGEDSINCE mod-sequence-value");
			/* RFC 9051: section-spec = section-msgtext / (section-part
			 * ["." section-text]), "MIME" only after a part;
			 * partial = "<" number "." nz-number ">" */
			{
				rd_t copy = *r;
				check_fetch_atts(k->fo, &copy);
			}
			for (i = 0; i < k->fo->nsections; i++) {
				const lm_imap_section *s = &k->fo->sections[i];
				int part = s->part && s->part[0];
				if (part)
					FZ_CHECK(section_part_ok(s->part), "section part nz-numbers");
				if (s->text && !part)
					FZ_CHECK(!is_mime(s->text), "MIME only after a section part");
				if (s->partial && !s->binary_size)
					FZ_CHECK(s->len != 0, "partial length is an nz-number");
			}
		}
		if (op == OP_STORE) {
			/* the flag list ends the command (no "(" in flags) */
			size_t o = r->n - 2;
			while (o > r->i && r->p[o - 1] != '(')
				o--;
			FZ_CHECK(o > r->i, "STORE flag list");
			check_flags(r->p + o - 1, r->n - 2 - (o - 1));
		}
		break;
	case OP_COPY: case OP_MOVE:
		check_set_arg(f, r, k->a[0]);
		check_mailbox(f, r, k->a[1], 0);
		break;
	case OP_GETQUOTA:
		check_exact(r, k->a[0]);
		break;
	case OP_ENABLE:
		check_words(r->p + r->i + 1, r->n - 2 - (r->i + 1), 0);
		break;
	case OP_ID:
		if (k->na == 0 || k->a[0] == NULL)
			break;
		FZ_CHECK(tok(r) == T_OPEN, "ID list");
		{
			unsigned i;
			for (i = 0; i < k->na; i++) {
				if (k->a[i] == NULL) {
					if (i & 1)
						FZ_CHECK(tok(r) == T_ATOM && r->vlen == 3, "ID NIL value");
					break;
				}
				/* RFC 2971 3.3: fields at most 30 octets, values 1024 */
				FZ_CHECK(strlen(k->a[i]) <= ((i & 1) ? 1024u : 30u),
				         "ID field and value lengths");
				check_exact(r, k->a[i]);
			}
		}
		break;
	case OP_SEARCH:
		check_search(f, k, r);
		if (k->nx > 0 && !memchr(k->shape, 'W', k->nshape))
			FZ_CHECK(shape_ok(k), "SEARCH program is RFC 9051 search-keys");
		FZ_CHECK(!k->sb_badset, "SEARCH sends only RFC 9051 sequence sets");
		FZ_CHECK(!k->sb_bignum, "SEARCH numbers within RFC 9051's number64");
		if (k->sb_dollar)
			FZ_CHECK(searchres(f), "SEARCH uses $ only with SEARCHRES or IMAP4rev2");
		break;
	default:
		break;
	}
}

static void
one_call(fz *f, unsigned op)
{
	lm_imap_client *c = &f->c;
	call k;
	lm_imap_select_opts so = LM_IMAP_SELECT_OPTS_INIT;
	lm_imap_list_opts lo = LM_IMAP_LIST_OPTS_INIT;
	lm_imap_fetch_opts fo = LM_IMAP_FETCH_OPTS_INIT;
	lm_imap_section sec[4];
	const char *fields[4][3];
	static unsigned char sbbuf[4096];
	lm_imap_sb sb;
	lm_imap_handle h = 0;
	const unsigned char *p;
	size_t before, after, i;
	unsigned q0, nh0, tag0, b, sync;
	uint64_t base, sz;
	const char *verb = "";
	int r = 0, which = (int)((op & 0x1f) % NOPS);
	char pre[64];
	rd_t rd;

	memset(&k, 0, sizeof k);
	before = pending(f, &p);
	memcpy(f->snap, p, before);
	q0 = lm_imap_pending(c);
	nh0 = FZ_P(c, nholds);
	tag0 = FZ_P(c, next_tag);
	base = f->sent + before;
	switch (which) {
	case OP_SELECT: case OP_EXAMINE:
		b = byte(f);
		k.a[0] = str(f);
		so.condstore = (b & 2) != 0;
		so.qr_uidvalidity = (b & 4) ? (uint32_t)num(f) : 0;
		so.qr_modseq = num(f);
		so.qr_known_uids = (b & 8) ? str(f) : NULL;
		k.a[1] = so.qr_uidvalidity ? so.qr_known_uids : NULL;
		verb = which == OP_SELECT ? "SELECT " : "EXAMINE ";
		k.so = (b & 1) ? &so : NULL;
		r = (which == OP_SELECT ? lm_imap_select : lm_imap_examine)(c, k.a[0],
		                                                (b & 1) ? &so : NULL, &h);
		break;
	case OP_CREATE: k.a[0] = str(f); verb = "CREATE "; r = lm_imap_create(c, k.a[0], &h); break;
	case OP_DELETE: k.a[0] = str(f); verb = "DELETE "; r = lm_imap_delete(c, k.a[0], &h); break;
	case OP_SUBSCRIBE: k.a[0] = str(f); verb = "SUBSCRIBE "; r = lm_imap_subscribe(c, k.a[0], &h); break;
	case OP_UNSUBSCRIBE: k.a[0] = str(f); verb = "UNSUBSCRIBE "; r = lm_imap_unsubscribe(c, k.a[0], &h); break;
	case OP_GETQUOTAROOT: k.a[0] = str(f); verb = "GETQUOTAROOT "; r = lm_imap_getquotaroot(c, k.a[0], &h); break;
	case OP_GETQUOTA: k.a[0] = str(f); verb = "GETQUOTA "; r = lm_imap_getquota(c, k.a[0], &h); break;
	case OP_RENAME:
		k.a[0] = str(f);
		k.a[1] = str(f);
		verb = "RENAME ";
		r = lm_imap_rename(c, k.a[0], k.a[1], &h);
		break;
	case OP_STATUS:
		b = byte(f);
		k.a[0] = str(f);
		verb = "STATUS ";
		k.st = b | ((byte(f) & 1) << 8);
		r = lm_imap_status(c, k.a[0], k.st, &h);
		break;
	case OP_LIST: case OP_LSUB:
		b = byte(f);
		k.a[0] = str(f);
		k.a[1] = str(f);
		lo.sel = byte(f) & 0x1f;
		lo.ret = byte(f) & 0x0f;
		lo.status = byte(f);
		if (which == OP_LSUB) {
			verb = "LSUB ";
			r = lm_imap_lsub(c, k.a[0], k.a[1], &h);
		} else {
			verb = "LIST ";
			k.lo = (b & 1) ? &lo : NULL;
			r = lm_imap_list(c, k.a[0], k.a[1], k.lo, &h);
		}
		break;
	case OP_SEARCH:
		b = byte(f);
		k.uid = b & 1;
		lm_imap_sb_init(&sb, sbbuf, (b & 2) ? 64 : sizeof sbbuf);
		build_search(f, &sb, &k);
		if (b & 4)   /* the program is not sent: NULL, "ALL" */
			k.sb_badset = k.sb_dollar = k.sb_bignum = 0;
		verb = "SEARCH";
		if (b & 4)
			k.nx = k.nshape = 0;
		if (getenv("FZ_VERBOSE"))
			fprintf(stderr, "search program shape %.*s, calls %s\n", (int)k.nshape,
			        k.shape, k.sb_calls_ok ? "ok" : "refused");
		r = lm_imap_search(c, k.uid, (b & 4) ? NULL : &sb, byte(f) & 0x3f, &h);
		break;
	case OP_FETCH:
		b = byte(f);
		k.uid = b & 1;
		k.a[0] = str(f);
		fo.items = (byte(f) | (byte(f) << 8)) & 0xfff;
		fo.nsections = byte(f) % 5;
		fo.changedsince = (b & 2) ? num(f) : 0;
		fo.vanished = (b & 4) != 0;
		for (i = 0; i < fo.nsections; i++) {
			unsigned s = byte(f), j;
			memset(&sec[i], 0, sizeof sec[i]);
			sec[i].peek = s & 1;
			sec[i].binary = (s & 2) != 0;
			sec[i].binary_size = (s & 4) != 0;
			sec[i].partial = (s & 8) != 0;
			sec[i].part = (s & 0x10) ? str(f) : NULL;
			sec[i].text = (s & 0x20) ? str(f) : TEXTS[(s >> 6) * 2 % 8 + (s & 1)];
			sec[i].nfields = byte(f) % 4;
			for (j = 0; j < sec[i].nfields; j++)
				fields[i][j] = str(f);
			sec[i].fields = sec[i].nfields ? fields[i] : NULL;
			sec[i].start = num(f);
			sec[i].len = (uint32_t)num(f);
		}
		fo.sections = fo.nsections ? sec : NULL;
		verb = "FETCH ";
		k.fo = &fo;
		r = lm_imap_fetch(c, k.uid, k.a[0], &fo, &h);
		break;
	case OP_STORE:
		b = byte(f);
		k.uid = b & 1;
		k.a[0] = str(f);
		k.flags = str(f);
		verb = "STORE ";
		k.unchangedsince = (b & 0x10) ? num(f) : 0;
		r = lm_imap_store(c, k.uid, k.a[0], (lm_imap_store_op)((b >> 1) & 3), (b >> 3) & 1,
		                  k.flags, k.unchangedsince, &h);
		break;
	case OP_COPY: case OP_MOVE:
		b = byte(f);
		k.uid = b & 1;
		k.a[0] = str(f);
		k.a[1] = str(f);
		if (which == OP_COPY) {
			verb = "COPY ";
			r = lm_imap_copy(c, k.uid, k.a[0], k.a[1], &h);
		} else {
			verb = lm_imap_caps_known(c) && (lm_imap_has_cap(c, "MOVE") ||
			       lm_imap_has_cap(c, "IMAP4rev2")) ? "MOVE " : "COPY ";
			r = lm_imap_move(c, k.uid, k.a[0], k.a[1], &h);
		}
		break;
	case OP_UID_EXPUNGE:
		k.a[0] = str(f);
		k.uid = 1;
		verb = "EXPUNGE ";
		r = lm_imap_uid_expunge(c, k.a[0], &h);
		break;
	case OP_APPEND:
		b = byte(f);
		k.a[0] = str(f);
		k.flags = (b & 1) ? str(f) : NULL;
		k.a[1] = (b & 2) ? str(f) : NULL;
		verb = "APPEND ";
		sz = num(f);
		if (sz > 0x10000 && sz <= 0xffffffffu)
			sz = 0x10000;   /* the body is pulled: keep it short */
		r = lm_imap_append(c, k.a[0], k.flags, k.a[1], sz, app_read, NULL, &h);
		break;
	case OP_ENABLE:
		k.a[0] = str(f);
		verb = "ENABLE ";
		r = lm_imap_enable(c, k.a[0], &h);
		break;
	case OP_ID:
		b = byte(f) % 40;
		for (i = 0; i < b; i++)
			k.a[i] = str(f);
		if (b && (byte(f) & 1))
			k.a[b - 1] = NULL;   /* a NIL value, or the end */
		k.na = b;
		verb = "ID ";
		r = lm_imap_id(c, b ? k.a : NULL, &h);
		break;
	default:
		b = byte(f) % 3;
		verb = b == 0 ? "NOOP" : b == 1 ? "CHECK" : "EXPUNGE";
		r = b == 0 ? lm_imap_noop(c, &h) : b == 1 ? lm_imap_check(c, &h) :
		    lm_imap_expunge(c, &h);
		break;
	}
	fz_imap_bounds(c);
	after = pending(f, &p);
	if (getenv("FZ_VERBOSE"))
		fprintf(stderr, "call %d -> %d: %.*s\n", which, r, r ? 0 : (int)(after - before),
		        (const char *)p + before);
	if (r != 0) {
		FZ_CHECK(r < 0, "builder result");
		FZ_CHECK(after == before && memcmp(p, f->snap, before) == 0,
		         "a refused command leaves the output unchanged");
		FZ_CHECK(lm_imap_pending(c) == q0 && FZ_P(c, nholds) == nh0 &&
		         FZ_P(c, next_tag) == tag0, "a refused command queues nothing");
		return;
	}
	FZ_CHECK(after > before && memcmp(p, f->snap, before) == 0,
	         "an accepted command is appended");
	FZ_CHECK(lm_imap_pending(c) == q0 + 1 && h == tag0, "one command queued, its tag");
	snprintf(pre, sizeof pre, "A%u %s%s", tag0, k.uid ? "UID " : "", verb);
	FZ_CHECK(after - before >= strlen(pre) && memcmp(p + before, pre, strlen(pre)) == 0,
	         "the command starts with its tag and verb");
	sync = check_framing(f, p + before, after - before, base, which == OP_APPEND);
	if (which == OP_APPEND) {
		f->app_tag = h;
		if (f->nhold > 0 && f->hold[f->nhold - 1] == base + (after - before))
			sync--;   /* APPEND's own literal: app_state, not a hold */
	}
	FZ_CHECK(FZ_P(c, nholds) == nh0 + sync, "one hold per synchronising literal");
	rd.p = p + before;
	rd.n = after - before;
	rd.i = strlen(pre);
	rd.val = f->dec;
	if (pre[strlen(pre) - 1] == ' ')
		rd.i--;
	check_args(f, which, &k, &rd);
}

static void
setup(fz *f, unsigned long caps, unsigned flags)
{
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	char g[1024];
	size_t i, gl;
	lm_imap_handle h;

	o.require_tls = 0;
	o.use_literal_plus = (flags & 4) != 0;
	FZ_CHECK(lm_imap_init(&f->c, &o, f->ibuf, sizeof f->ibuf, f->obuf,
	                      (flags & 0x10) ? LM_IMAP_BUFSIZE_MIN : sizeof f->obuf) == 0,
	         "init");
	if (flags & 1) {
		feed(f, "* PREAUTH hello\r\n");
	} else {
		gl = (size_t)snprintf(g, sizeof g, "* PREAUTH [CAPABILITY");
		for (i = 0; i < sizeof CAPS / sizeof CAPS[0]; i++)
			if (caps & (1ul << i))
				gl += (size_t)snprintf(g + gl, sizeof g - gl, " %s", CAPS[i]);
		snprintf(g + gl, sizeof g - gl, "] hello\r\n");
		feed(f, g);
	}
	drain(f);
	FZ_CHECK(lm_imap_get_state(&f->c) == LM_IMAP_STATE_AUTH, "PREAUTH");
	if (flags & 0x22) {
		const char *e = (flags & 0x20) ? ((flags & 2) ? "UTF8=ACCEPT QRESYNC" :
		                "QRESYNC") : "UTF8=ACCEPT";
		snprintf(g, sizeof g, "* ENABLED %s\r\n", e);
		if (lm_imap_enable(&f->c, e, &h) == 0) {
			f->pre_ok = g;
			drain(f);
			FZ_CHECK(lm_imap_is_enabled(&f->c, (flags & 2) ? "UTF8=ACCEPT" : "QRESYNC"),
			         "enabled");
		}
	}
	if (flags & 0x08) {
		FZ_CHECK(lm_imap_select(&f->c, "INBOX", NULL, &h) == 0, "SELECT INBOX");
		drain(f);
		FZ_CHECK(lm_imap_get_state(&f->c) == LM_IMAP_STATE_SELECTED, "selected");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz *f = &F;
	unsigned long caps;
	unsigned calls = 0;

	if (size < 4 || size > 65536)
		return 0;
	memset(&f->c, 0, sizeof f->c);
	f->in = data;
	f->n = size;
	f->off = 4;
	f->sent = 0;
	f->nhold = f->hr = 0;
	f->app_tag = 0;
	f->pre_ok = NULL;
	f->utf8 = 0;
	caps = (unsigned long)data[0] | (unsigned long)data[1] << 8 |
	       (unsigned long)data[2] << 16;
	setup(f, caps, data[3]);
	f->utf8 = lm_imap_is_enabled(&f->c, "UTF8=ACCEPT");
	while (f->off < f->n && calls++ < 256) {
		unsigned op = byte(f);
		one_call(f, op);
		if ((op & 0x80) || lm_imap_pending(&f->c) >= 24 || f->nhold - f->hr > 64)
			drain(f);
	}
	drain(f);
	FZ_CHECK(f->hr == f->nhold, "every synchronising literal got its +");
	lm_imap_free(&f->c);
	return 0;
}
