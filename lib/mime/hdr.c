/*
 * libmail - header encoding for the MIME builder: folding, RFC 5322
 * phrases and quoted-strings, RFC 2047 encoded words, RFC 2231
 * parameters.
 */
#include <string.h>

#include "libmail/core.h"
#include "internal.h"

static const char lm_mime__hex[] = "0123456789ABCDEF";

/* see internal.h */
void
lm_mime__w_init(lm_mime__w *w, unsigned char *buf, size_t cap, size_t skip,
                lm_mime_compose_pos *save)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->skip = skip;
	w->end = skip + cap;
	w->total = save->total;
	w->col = save->col;
	w->tok = save->tok;
	w->stop = 0;
	w->nput = 0;
	w->cur = *save;
	w->save = save;
}

/* see internal.h */
int
lm_mime__w_mark(lm_mime__w *w)
{
	if (w->total <= w->end) {
		*w->save = w->cur;
		w->save->total = w->total;
		w->save->col = w->col;
		w->save->tok = w->tok;
	}
	if (w->total >= w->end)
		w->stop = 1;
	return w->stop;
}

/* see internal.h */
void
lm_mime__w_put(lm_mime__w *w, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	w->nput += n;
	for (i = 0; i < n; i++) {
		if (w->total >= w->skip && w->len < w->cap)
			w->buf[w->len++] = s[i];
		w->total++;
		if (s[i] == '\n')
			w->col = 0;
		else
			w->col++;
	}
}

/* see internal.h */
void
lm_mime__w_str(lm_mime__w *w, const char *s)
{
	lm_mime__w_put(w, s, strlen(s));
}

/* see internal.h */
void
lm_mime__w_field(lm_mime__w *w, const char *name)
{
	lm_mime__w_str(w, name);
	lm_mime__w_put(w, ":", 1);
	w->tok = 0;
}

/* see internal.h */
void
lm_mime__w_end(lm_mime__w *w)
{
	lm_mime__w_put(w, "\r\n", 2);
	w->tok = 0;
}

/* see internal.h */
void
lm_mime__w_sep(lm_mime__w *w, size_t n, size_t limit)
{
	/* Before the first token of a field too: right after a long
	 * field name (or a high starting column) the fold goes between
	 * the colon and the value, which RFC 5322 allows (FWS). */
	if ((w->tok || w->col > 1) && w->col + 1 + n > limit)
		lm_mime__w_put(w, "\r\n ", 3);
	else
		lm_mime__w_put(w, " ", 1);
	w->tok = 1;
}

/* Length of the UTF-8 sequence starting with byte c (input already
 * validated; 1 for anything unexpected so loops always advance). */
static size_t
u8len(unsigned char c)
{
	if (c >= 0xF0)
		return 4;
	if (c >= 0xE0)
		return 3;
	if (c >= 0xC0)
		return 2;
	return 1;
}

/* RFC 2047 5(3): characters that may stay literal in a Q-encoded word
 * anywhere, phrases included. */
static int
q_safe(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	       c == '-' || c == '/';
}

static size_t
q_cost(unsigned char c)
{
	return (q_safe(c) || c == ' ') ? 1 : 3;
}

/* 1 if s[0..n) is shorter as Q than as B encoded words. */
static int
ew_useq(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t qlen = 0, i;

	for (i = 0; i < n; i++)
		qlen += q_cost(s[i]);
	return qlen <= lm_b64_encoded_len(n);
}

/* Set the cursor up for ewords() over s[0..n). */
static void
ew_begin(lm_mime__w *w, const char *s, size_t n)
{
	w->cur.n = n;
	w->cur.pos = 0;
	w->cur.q = ew_useq(s, n);
}

/* RFC 2047 encoded words for s[0..cur.n), from cur.pos (Q when cur.q,
 * else B): `lead` is glued before the first word, `trail` after the
 * last. One word is one token. */
static int
ewords(lm_mime__w *w, const char *str, const char *lead, const char *trail)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = w->cur.n, i = w->cur.pos;
	size_t llen = strlen(lead), tlen = strlen(trail);
	int useq = w->cur.q;

	while (i < n) {
		int first = i == 0;
		size_t extra = (first ? llen : 0) + tlen;
		size_t maxw, j, enc, pass;
		char word[80];
		size_t wl = 0;

		for (pass = 0; pass < 2; pass++) {
			size_t col = pass ? 1 : w->col + 1;
			maxw = 0;
			if (col + extra < LM_MIME__FOLD_EW)
				maxw = LM_MIME__FOLD_EW - col - extra;
			if (maxw > 75)
				maxw = 75;
			j = i;
			enc = 0;
			while (j < n) {
				size_t k = u8len(s[j]), e, t;
				if (k > n - j)
					k = n - j;
				if (useq) {
					e = enc;
					for (t = 0; t < k; t++)
						e += q_cost(s[j + t]);
				} else {
					e = lm_b64_encoded_len(j + k - i);
				}
				if (12 + e > maxw)
					break;
				j += k;
				enc = e;
			}
			if (j > i)
				break;
		}
		if (pass == 0) {
			lm_mime__w_put(w, " ", 1);
		} else {
			lm_mime__w_put(w, "\r\n ", 3);
		}
		w->tok = 1;
		if (j == i) {
			/* Cannot happen with the limits above (a fresh line
			 * holds any character); advance to stay finite. */
			j = i + 1;
		}

		memcpy(word, useq ? "=?UTF-8?Q?" : "=?UTF-8?B?", 10);
		wl = 10;
		if (useq) {
			size_t t;
			for (t = i; t < j; t++) {
				unsigned char c = s[t];
				if (c == ' ') {
					word[wl++] = '_';
				} else if (q_safe(c)) {
					word[wl++] = (char)c;
				} else {
					word[wl++] = '=';
					word[wl++] = lm_mime__hex[c >> 4];
					word[wl++] = lm_mime__hex[c & 15];
				}
			}
		} else {
			size_t got = 0;
			(void)lm_b64_encode(s + i, j - i, word + wl,
			                    sizeof word - wl - 2, &got);
			wl += got;
		}
		word[wl++] = '?';
		word[wl++] = '=';
		if (first)
			lm_mime__w_put(w, lead, llen);
		lm_mime__w_put(w, word, wl);
		i = j;
		w->cur.pos = i;
		if (i == n) {
			lm_mime__w_put(w, trail, tlen);
			break;
		}
		if (lm_mime__w_mark(w))
			return 0;
	}
	return 1;
}

/* Printable ASCII (space included) without "=?". */
static int
plain_ascii(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	for (; *p; p++) {
		if (*p < 0x20 || *p > 0x7E)
			return 0;
		if (p[0] == '=' && p[1] == '?')
			return 0;
	}
	return 1;
}

/* Longest run between spaces, counting escapes when quoted. */
static size_t
longest_piece(const char *s, int quoted)
{
	size_t best = 0, cur = 0;
	for (; *s; s++) {
		if (*s == ' ') {
			cur = 0;
			continue;
		}
		cur += (quoted && (*s == '"' || *s == '\\')) ? 2 : 1;
		if (cur > best)
			best = cur;
	}
	return best;
}

/* Longest word allowed before switching to encoded words, so that no
 * header line passes 78 columns. */
#define LM_MIME__WORD_MAX 70

/* The space-separated pieces of s[0..cur.n), from cur.pos, each one
 * token: atoms as they are (quoted 0), or one quoted-string with \"
 * and \\ escapes (quoted 1). Pieces are at most LM_MIME__WORD_MAX
 * long (checked by the callers), so finding a piece's end is cheap. */
static int
pieces(lm_mime__w *w, const char *str, int quoted)
{
	for (;;) {
		const char *p = str + w->cur.pos;
		const char *e = memchr(p, ' ', w->cur.n - w->cur.pos);
		size_t l = e ? (size_t)(e - p) : w->cur.n - w->cur.pos;
		size_t first = w->cur.pos == 0 ? 1 : 0, k, el = 0;

		if (!quoted) {
			lm_mime__w_sep(w, l, LM_MIME__FOLD);
			lm_mime__w_put(w, p, l);
		} else {
			for (k = 0; k < l; k++)
				el += (p[k] == '"' || p[k] == '\\') ? 2 : 1;
			lm_mime__w_sep(w, el + first + (e ? 0 : 1), LM_MIME__FOLD);
			if (first)
				lm_mime__w_put(w, "\"", 1);
			for (k = 0; k < l; k++) {
				if (p[k] == '"' || p[k] == '\\')
					lm_mime__w_put(w, "\\", 1);
				lm_mime__w_put(w, p + k, 1);
			}
			if (!e)
				lm_mime__w_put(w, "\"", 1);
		}
		if (!e)
			return 1;
		w->cur.pos = (size_t)(e + 1 - str);
		if (lm_mime__w_mark(w))
			return 0;
	}
}

enum { TEXT_ATOMS = 1, TEXT_EWORDS };

/* see internal.h */
void
lm_mime__w_text_begin(lm_mime__w *w, const char *s)
{
	size_t n = strlen(s);

	w->cur.n = n;
	w->cur.pos = 0;
	/* Leading or trailing white space would be eaten by readers
	 * (unfolding, trimming); inside an encoded word it survives. */
	if (n > 0 && plain_ascii(s) && longest_piece(s, 0) <= LM_MIME__WORD_MAX &&
	    s[0] != ' ' && s[n - 1] != ' ') {
		w->cur.kind = TEXT_ATOMS;
	} else {
		w->cur.kind = TEXT_EWORDS;
		ew_begin(w, s, n);
	}
}

/* see internal.h */
int
lm_mime__w_text(lm_mime__w *w, const char *s)
{
	if (w->cur.n == 0)
		return 1;
	if (w->cur.kind == TEXT_ATOMS)
		return pieces(w, s, 0);
	return ewords(w, s, "", "");
}

static int
is_atext(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

enum { NAME_ATOMS, NAME_QUOTED, NAME_ENCODED };

static int
name_kind(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int atoms = 1;

	/* Non-ASCII, controls and "=?" are encoded: RFC 2047 says "=?" in
	 * a quoted-string is no encoded word, but readers (ours included,
	 * lm_mime_addr_next()) decode words inside quotes, so a quoted
	 * "=?utf-8?Q?x?=" would come back as "x". */
	if (!plain_ascii(s))
		return NAME_ENCODED;
	if (p[0] == ' ')
		atoms = 0;
	for (; *p; p++) {
		if (*p == ' ') {
			if (p[1] == ' ' || p[1] == 0)
				atoms = 0;
		} else if (!is_atext(*p) || (p[0] == '=' && p[1] == '?')) {
			atoms = 0;
		}
	}
	if (atoms)
		return longest_piece(s, 0) <= LM_MIME__WORD_MAX ? NAME_ATOMS : NAME_ENCODED;
	return longest_piece(s, 1) + 2 <= LM_MIME__WORD_MAX ? NAME_QUOTED : NAME_ENCODED;
}

/* see internal.h */
int
lm_mime__w_mailbox(lm_mime__w *w, const char *name, const char *addr,
                   size_t trail)
{
	lm_mime_compose_pos *c = &w->cur;
	int has_name = name != NULL && name[0] != 0;
	size_t alen;

	if (c->sub == 0) {
		c->sub = 2;
		if (has_name) {
			c->sub = 1;
			c->kind = name_kind(name);
			c->n = strlen(name);
			c->pos = 0;
			if (c->kind == NAME_ENCODED)
				ew_begin(w, name, c->n);
		}
	}
	if (c->sub == 1) {
		/* A NAME_ATOMS name is plain text for lm_mime__w_text() too,
		 * which writes it as the same atoms. */
		int done = c->kind == NAME_ENCODED ? ewords(w, name, "", "") :
		           pieces(w, name, c->kind == NAME_QUOTED);
		if (!done)
			return 0;
		c->sub = 2;
		if (lm_mime__w_mark(w))
			return 0;
	}
	alen = strlen(addr);
	if (!has_name) {
		lm_mime__w_sep(w, alen + trail, LM_MIME__FOLD);
		lm_mime__w_put(w, addr, alen);
		return 1;
	}
	lm_mime__w_sep(w, alen + 2 + trail, LM_MIME__FOLD);
	lm_mime__w_put(w, "<", 1);
	lm_mime__w_put(w, addr, alen);
	lm_mime__w_put(w, ">", 1);
	return 1;
}

/* see internal.h */
int
lm_mime__w_raw(lm_mime__w *w, const char *str)
{
	const char *s = str + w->cur.pos;

	while (*s) {
		if (*s == ' ' || *s == '\t') {
			size_t l = 0;
			while (s[1 + l] && s[1 + l] != ' ' && s[1 + l] != '\t')
				l++;
			if (w->tok && l > 0 && w->col + 1 + l > LM_MIME__FOLD)
				lm_mime__w_put(w, "\r\n", 2);
			lm_mime__w_put(w, s, 1);
		} else {
			lm_mime__w_put(w, s, 1);
			w->tok = 1;
		}
		s++;
		w->cur.pos = (size_t)(s - str);
		if (*s && lm_mime__w_mark(w))
			return 0;
	}
	return 1;
}

/* RFC 5987 attr-char: what stays literal in an RFC 2231 value. */
static int
attr_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c != 0 && strchr("!#$&+-.^_`|~", c) != NULL);
}

/* Longest quoted file name written as a plain quoted-string. */
#define LM_MIME__FNAME_PLAIN 60

static size_t
dec_len(size_t k)
{
	size_t l = 1;
	while (k >= 10) {
		k /= 10;
		l++;
	}
	return l;
}

static void
put_dec(lm_mime__w *w, size_t k)
{
	char d[24];
	size_t l = 0;
	do {
		d[sizeof d - 1 - l++] = (char)('0' + k % 10);
		k /= 10;
	} while (k);
	lm_mime__w_put(w, d + sizeof d - l, l);
}

static void
put_pct(lm_mime__w *w, unsigned char c)
{
	char e[3];

	if (attr_char(c)) {
		lm_mime__w_put(w, &c, 1);
		return;
	}
	e[0] = '%';
	e[1] = lm_mime__hex[c >> 4];
	e[2] = lm_mime__hex[c & 15];
	lm_mime__w_put(w, e, 3);
}

/* How a file name is written: a quoted-string, RFC 2047 words in a
 * quoted-string, one RFC 2231 value, RFC 2231 continuations. */
enum { FP_SIMPLE = 1, FP_EWORDS, FP_PCT, FP_CONT };

/* see internal.h */
int
lm_mime__w_fileparam(lm_mime__w *w, const char *filename, int is_disp)
{
	const unsigned char *s = (const unsigned char *)filename;
	lm_mime_compose_pos *c = &w->cur;
	size_t n, i;

	if (c->sub == 0) {
		const char *attr = is_disp ? "filename" : "name";
		size_t el = 0, pct = 0;
		int simple = 1;

		n = strlen(filename);
		for (i = 0; i < n; i++) {
			if (s[i] < 0x20 || s[i] > 0x7E)
				simple = 0;
			el += (s[i] == '"' || s[i] == '\\') ? 2 : 1;
			pct += attr_char(s[i]) ? 1 : 3;
		}
		/* readers decode "=?...?=" even inside quotes (RFC 2047 5
		 * says they must not): such a name goes out encoded */
		if (el > LM_MIME__FNAME_PLAIN || strstr(filename, "=?") != NULL)
			simple = 0;
		c->sub = 1;
		c->n = n;
		c->pos = 0;
		c->k = 0;
		c->kind = simple ? FP_SIMPLE : !is_disp ? FP_EWORDS :
		          pct <= 50 ? FP_PCT : FP_CONT;

		lm_mime__w_put(w, ";", 1);
		switch (c->kind) {
		case FP_SIMPLE:
			lm_mime__w_sep(w, strlen(attr) + 3 + el, LM_MIME__FOLD);
			lm_mime__w_str(w, attr);
			lm_mime__w_put(w, "=\"", 2);
			for (i = 0; i < n; i++) {
				if (s[i] == '"' || s[i] == '\\')
					lm_mime__w_put(w, "\\", 1);
				lm_mime__w_put(w, s + i, 1);
			}
			lm_mime__w_put(w, "\"", 1);
			return 1;
		case FP_PCT:
			lm_mime__w_sep(w, 17 + pct, LM_MIME__FOLD);
			lm_mime__w_str(w, "filename*=utf-8''");
			for (i = 0; i < n; i++)
				put_pct(w, s[i]);
			return 1;
		case FP_EWORDS:
			/* RFC 2047 words in a quoted-string: not standard, but
			 * what readers that ignore RFC 2231 understand. */
			ew_begin(w, filename, n);
			break;
		default:
			break;
		}
	}
	if (c->kind == FP_EWORDS)
		return ewords(w, filename, "name=\"", "\"");

	/* RFC 2231 3 continuations: filename*0*=utf-8''..; filename*1*=..,
	 * one piece per token. */
	n = c->n;
	while (c->pos < n) {
		size_t k = c->k;
		size_t plen = 9 + dec_len(k) + 2 + (k == 0 ? 7 : 0);
		size_t budget = LM_MIME__FOLD - 1 - plen - 1, used = 0, j;

		i = c->pos;
		j = i;
		while (j < n) {
			size_t cl = u8len(s[j]), cost = 0, t;
			if (cl > n - j)
				cl = n - j;
			for (t = 0; t < cl; t++)
				cost += attr_char(s[j + t]) ? 1 : 3;
			if (used + cost > budget && j > i)
				break;
			used += cost;
			j += cl;
		}
		if (k > 0)
			lm_mime__w_put(w, ";", 1);
		lm_mime__w_sep(w, plen + used + 1, LM_MIME__FOLD);
		lm_mime__w_str(w, "filename*");
		put_dec(w, k);
		lm_mime__w_str(w, k == 0 ? "*=utf-8''" : "*=");
		for (; i < j; i++)
			put_pct(w, s[i]);
		c->pos = j;
		c->k = k + 1;
		if (j < n && lm_mime__w_mark(w))
			return 0;
	}
	return 1;
}
