/*
 * libmail - charset conversion to UTF-8 for the header codecs and the
 * parser: UTF-8 (validated), US-ASCII, the single-byte tables built in
 * (ISO-8859-*, Windows-125x, KOI8-R/U, Windows-874), and the multi-byte
 * East Asian charsets through iconv (charset_iconv.c, host builds).
 */
#include <string.h>

#include "libmail/mime.h"
#include "codec_internal.h"
#include "charset_tables.h"

/* How a converter works. */
enum { CV_UTF8 = 1, CV_ASCII, CV_TABLE, CV_ICONV, CV_UTF7 };

static const unsigned short *const tables[LM_CS__FIRST_ICONV] = {
	NULL, NULL, NULL,
	lm_mime__tab_iso8859_1, lm_mime__tab_iso8859_2, lm_mime__tab_iso8859_3,
	lm_mime__tab_iso8859_4, lm_mime__tab_iso8859_5, lm_mime__tab_iso8859_6,
	lm_mime__tab_iso8859_7, lm_mime__tab_iso8859_8, lm_mime__tab_iso8859_9,
	lm_mime__tab_iso8859_10, lm_mime__tab_iso8859_11, NULL,
	lm_mime__tab_iso8859_13, lm_mime__tab_iso8859_14, lm_mime__tab_iso8859_15,
	lm_mime__tab_iso8859_16,
	lm_mime__tab_cp1250, lm_mime__tab_cp1251, lm_mime__tab_cp1252,
	lm_mime__tab_cp1253, lm_mime__tab_cp1254, lm_mime__tab_cp1255,
	lm_mime__tab_cp1256, lm_mime__tab_cp1257, lm_mime__tab_cp1258,
	lm_mime__tab_koi8_r, lm_mime__tab_koi8_u, lm_mime__tab_cp874,
};

static const char *const canon[LM_CS__COUNT] = {
	"", "UTF-8", "US-ASCII",
	"ISO-8859-1", "ISO-8859-2", "ISO-8859-3", "ISO-8859-4", "ISO-8859-5",
	"ISO-8859-6", "ISO-8859-7", "ISO-8859-8", "ISO-8859-9", "ISO-8859-10",
	"ISO-8859-11", "", "ISO-8859-13", "ISO-8859-14", "ISO-8859-15",
	"ISO-8859-16",
	"windows-1250", "windows-1251", "windows-1252", "windows-1253",
	"windows-1254", "windows-1255", "windows-1256", "windows-1257",
	"windows-1258", "KOI8-R", "KOI8-U", "windows-874",
	"GB2312", "GBK", "GB18030", "Big5", "Big5-HKSCS", "Shift_JIS",
	"windows-31J", "EUC-JP", "ISO-2022-JP", "EUC-KR", "CP949",
	"UTF-16", "UTF-16BE", "UTF-16LE", "UTF-7",
};

/* Aliases, compared after dropping '-', '_', ' ', '.', ':' and case. */
static const struct {
	const char *name;
	int id;
} aliases[] = {
	{ "utf8", LM_CS__UTF8 }, { "xunicode20utf8", LM_CS__UTF8 },
	{ "unicode11utf8", LM_CS__UTF8 },
	{ "usascii", LM_CS__ASCII }, { "ascii", LM_CS__ASCII },
	{ "us", LM_CS__ASCII }, { "ansix341968", LM_CS__ASCII },
	{ "iso646us", LM_CS__ASCII }, { "iso646irv1991", LM_CS__ASCII },
	{ "cp367", LM_CS__ASCII }, { "ibm367", LM_CS__ASCII },
	{ "iso88591", 3 }, { "latin1", 3 }, { "l1", 3 }, { "cp819", 3 },
	{ "ibm819", 3 }, { "iso8859", 3 }, { "8859", 3 }, { "isoir100", 3 },
	{ "iso88592", 4 }, { "latin2", 4 }, { "l2", 4 }, { "isoir101", 4 },
	{ "iso88593", 5 }, { "latin3", 5 }, { "l3", 5 },
	{ "iso88594", 6 }, { "latin4", 6 }, { "l4", 6 },
	{ "iso88595", 7 }, { "cyrillic", 7 },
	{ "iso88596", 8 }, { "arabic", 8 }, { "iso88596i", 8 }, { "iso88596e", 8 },
	{ "iso88597", 9 }, { "greek", 9 }, { "greek8", 9 },
	{ "iso88598", 10 }, { "hebrew", 10 }, { "iso88598i", 10 }, { "iso88598e", 10 },
	{ "iso88599", 11 }, { "latin5", 11 }, { "l5", 11 },
	{ "iso885910", 12 }, { "latin6", 12 }, { "l6", 12 },
	{ "iso885911", 13 }, { "tis620", LM_CS__WIN874 },
	{ "iso885913", 15 }, { "latin7", 15 }, { "l7", 15 },
	{ "iso885914", 16 }, { "latin8", 16 }, { "l8", 16 },
	{ "iso885915", 17 }, { "latin9", 17 }, { "latin0", 17 },
	{ "iso885916", 18 }, { "latin10", 18 }, { "l10", 18 },
	{ "windows1250", 19 }, { "cp1250", 19 }, { "xcp1250", 19 },
	{ "windows1251", 20 }, { "cp1251", 20 }, { "xcp1251", 20 },
	{ "windows1252", 21 }, { "cp1252", 21 }, { "xcp1252", 21 },
	{ "windows1253", 22 }, { "cp1253", 22 },
	{ "windows1254", 23 }, { "cp1254", 23 },
	{ "windows1255", 24 }, { "cp1255", 24 },
	{ "windows1256", 25 }, { "cp1256", 25 },
	{ "windows1257", 26 }, { "cp1257", 26 },
	{ "windows1258", 27 }, { "cp1258", 27 },
	{ "koi8r", LM_CS__KOI8R }, { "koi8", LM_CS__KOI8R },
	{ "koi8u", LM_CS__KOI8U },
	{ "windows874", LM_CS__WIN874 }, { "cp874", LM_CS__WIN874 },
	{ "gb2312", LM_CS__GB2312 }, { "euccn", LM_CS__GB2312 },
	{ "xeuccn", LM_CS__GB2312 }, { "cngb", LM_CS__GB2312 },
	{ "gbk", LM_CS__GBK }, { "xgbk", LM_CS__GBK }, { "cp936", LM_CS__GBK },
	{ "windows936", LM_CS__GBK },
	{ "gb18030", LM_CS__GB18030 },
	{ "big5", LM_CS__BIG5 }, { "xxbig5", LM_CS__BIG5 }, { "cnbig5", LM_CS__BIG5 },
	{ "cp950", LM_CS__BIG5 },
	{ "big5hkscs", LM_CS__BIG5HKSCS },
	{ "shiftjis", LM_CS__SJIS }, { "sjis", LM_CS__SJIS }, { "xsjis", LM_CS__SJIS },
	{ "mskanji", LM_CS__SJIS }, { "csshiftjis", LM_CS__SJIS },
	{ "windows31j", LM_CS__CP932 }, { "cp932", LM_CS__CP932 },
	{ "eucjp", LM_CS__EUCJP }, { "xeucjp", LM_CS__EUCJP }, { "ujis", LM_CS__EUCJP },
	{ "iso2022jp", LM_CS__ISO2022JP }, { "csiso2022jp", LM_CS__ISO2022JP },
	{ "euckr", LM_CS__EUCKR }, { "xeuckr", LM_CS__EUCKR },
	{ "ksc56011987", LM_CS__CP949 }, { "ksc5601", LM_CS__CP949 },
	{ "cp949", LM_CS__CP949 }, { "uhc", LM_CS__CP949 },
	{ "utf16", LM_CS__UTF16 }, { "utf16be", LM_CS__UTF16BE },
	{ "utf16le", LM_CS__UTF16LE }, { "utf7", LM_CS__UTF7 },
	{ "unicode11utf7", LM_CS__UTF7 },
};

/* see mime.h */
int
lm_mime_charset_id(const char *name, size_t n)
{
	char key[32];
	size_t i, k = 0;

	if (name == NULL)
		return 0;
	while (n > 0 && (name[0] == ' ' || name[0] == '\t' || name[0] == '"'))
		name++, n--;
	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t' ||
	                 name[n - 1] == '"'))
		n--;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '-' || c == '_' || c == ' ' || c == '.' || c == ':')
			continue;
		if (k == sizeof key - 1)
			return 0;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		key[k++] = (char)c;
	}
	key[k] = 0;
	for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(key, aliases[i].name) == 0)
			return aliases[i].id;
	return 0;
}

/* see mime.h */
const char *
lm_mime_charset_name(int id)
{
	if (id <= 0 || id >= LM_CS__COUNT)
		return "";
	return canon[id];
}

/* see mime.h */
int
lm_mime_charset_supported(int id)
{
	void *h;

	if (id <= 0 || id >= LM_CS__COUNT || canon[id][0] == 0)
		return 0;
	if (id < LM_CS__FIRST_ICONV || id == LM_CS__UTF7)
		return 1;
	h = lm_mime__iconv_open(id);
	if (h == NULL)
		return 0;
	lm_mime__iconv_close(h);
	return 1;
}

/* see mime.h */
const char *
lm_mime_defect_name(unsigned bit)
{
	static const char *const names[] = {
		"ew_malformed", "charset", "invalid_bytes", "ew_placement",
		"addr_syntax", "addr_obs", "truncated", "param_syntax",
		"param_2231", "date_obs", "date_weekday", "ctype_syntax", "idna",
	};
	unsigned i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (bit == (1u << i))
			return names[i];
	return "unknown";
}

/* see codec_internal.h */
size_t
lm_mime__utf8_put(unsigned char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* see mime.h */
int
lm_mime_conv_init_id(lm_mime_conv *c, int id)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	memset(c, 0, sizeof *c);
	if (id <= 0 || id >= LM_CS__COUNT || canon[id][0] == 0) {
		c->id = 0;
		c->conv = CV_UTF8;
		c->defects = LM_MIME_DEF_CHARSET;
		return 0;
	}
	c->id = id;
	if (id == LM_CS__UTF8) {
		c->conv = CV_UTF8;
	} else if (id == LM_CS__ASCII) {
		c->conv = CV_ASCII;
	} else if (id < LM_CS__FIRST_ICONV) {
		c->conv = CV_TABLE;
		c->table = tables[id];
	} else if (id == LM_CS__UTF7) {
		c->conv = CV_UTF7;
	} else {
		c->ic = lm_mime__iconv_open(id);
		if (c->ic != NULL) {
			c->conv = CV_ICONV;
		} else {
			c->conv = CV_UTF8;
			c->defects = LM_MIME_DEF_CHARSET;
		}
	}
	return 0;
}

/* see mime.h */
int
lm_mime_conv_init(lm_mime_conv *c, const char *name, size_t n)
{
	if (c == NULL || (name == NULL && n > 0))
		return LM_ERR_BAD_PARAM;
	if (name == NULL)
		return lm_mime_conv_init_id(c, LM_CS__UTF8);
	return lm_mime_conv_init_id(c, lm_mime_charset_id(name, n));
}

static void
put_fffd(lm_mime_conv *c)
{
	c->obuf[c->olen++] = 0xEF;
	c->obuf[c->olen++] = 0xBF;
	c->obuf[c->olen++] = 0xBD;
	c->defects |= LM_MIME_DEF_INVALID_BYTES;
}

/* An iconv charset met a byte it cannot take: U+FFFD, and the decoder
 * starts again from its initial state, so what follows converts the same
 * whatever the chunking (a stateful decoder such as UTF-7 or ISO-2022-JP
 * would otherwise carry half a character past the bad byte). */
static void
bad_byte(lm_mime_conv *c)
{
	put_fffd(c);
	lm_mime__iconv_reset(c->ic);
}

/*
 * UTF-7 (RFC 2152), built in: a stateful decoder through iconv gave
 * different text for the same invalid input cut differently. The state
 * lives in pend[] (npend stays 0): [0] mode (U7_DIRECT, U7_PLUS just
 * after "+", U7_B64), [1] bits held, [2..4] those bits, [5..6] a high
 * surrogate waiting for its low half. At most 7 bytes of obuf a byte.
 */
enum { U7_DIRECT = 0, U7_PLUS, U7_B64 };

static int
b64_value(unsigned char b)
{
	if (b >= 'A' && b <= 'Z')
		return b - 'A';
	if (b >= 'a' && b <= 'z')
		return b - 'a' + 26;
	if (b >= '0' && b <= '9')
		return b - '0' + 52;
	if (b == '+')
		return 62;
	if (b == '/')
		return 63;
	return -1;
}

static void
utf7_unit(lm_mime_conv *c, unsigned long u)
{
	unsigned long hs = (unsigned long)c->pend[5] << 8 | c->pend[6];

	c->pend[5] = c->pend[6] = 0;
	if (hs != 0) {
		if (u >= 0xDC00 && u <= 0xDFFF) {
			c->olen += lm_mime__utf8_put(c->obuf + c->olen,
			    0x10000 + ((hs - 0xD800) << 10) + (u - 0xDC00));
			return;
		}
		put_fffd(c);    /* a high surrogate alone */
	}
	if (u >= 0xD800 && u <= 0xDBFF) {
		c->pend[5] = (unsigned char)(u >> 8);
		c->pend[6] = (unsigned char)u;
	} else if (u >= 0xDC00 && u <= 0xDFFF) {
		put_fffd(c);    /* a low surrogate alone */
	} else {
		c->olen += lm_mime__utf8_put(c->obuf + c->olen, u);
	}
}

/* The end of a base64 run: a pending high surrogate is lost text. */
static void
utf7_end_b64(lm_mime_conv *c)
{
	if (c->pend[5] != 0 || c->pend[6] != 0)
		put_fffd(c);
	memset(c->pend, 0, 7);
}

static void
utf7_byte(lm_mime_conv *c, unsigned char b)
{
	if (c->pend[0] == U7_PLUS) {
		if (b == '-') {             /* "+-" is "+" */
			c->pend[0] = U7_DIRECT;
			c->obuf[c->olen++] = '+';
			return;
		}
		c->pend[0] = U7_B64;
	}
	if (c->pend[0] == U7_B64) {
		int v = b64_value(b);
		if (v >= 0) {
			unsigned long acc = (unsigned long)c->pend[2] << 16 |
			                    (unsigned long)c->pend[3] << 8 | c->pend[4];
			unsigned nbits = c->pend[1] + 6u;
			acc = acc << 6 | (unsigned long)v;
			if (nbits >= 16) {
				nbits -= 16;
				utf7_unit(c, (acc >> nbits) & 0xFFFF);
				acc &= (1ul << nbits) - 1;
			}
			c->pend[1] = (unsigned char)nbits;
			c->pend[2] = (unsigned char)(acc >> 16);
			c->pend[3] = (unsigned char)(acc >> 8);
			c->pend[4] = (unsigned char)acc;
			return;
		}
		utf7_end_b64(c);            /* any other byte ends the run */
		if (b == '-')
			return;             /* ... and "-" is absorbed */
	}
	if (b == '+')
		c->pend[0] = U7_PLUS;
	else if (b < 0x80)
		c->obuf[c->olen++] = b;
	else
		put_fffd(c);
}

/*
 * One UTF-8 input byte into obuf (at most 6 bytes out). pend[0] holds
 * the lead byte, pend[1..npend) continuation bytes; the bounds of the
 * next byte are recomputed from them (RFC 3629 table, Unicode's
 * "maximal subpart" rule for U+FFFD).
 */
static void
utf8_byte(lm_mime_conv *c, unsigned char b)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need;

	if (c->npend > 0) {
		unsigned char l = c->pend[0];
		need = l >= 0xF0 ? 4 : l >= 0xE0 ? 3 : 2;
		if (c->npend == 1) {
			if (l == 0xE0)
				lo = 0xA0;
			else if (l == 0xED)
				hi = 0x9F;
			else if (l == 0xF0)
				lo = 0x90;
			else if (l == 0xF4)
				hi = 0x8F;
		}
		if (b >= lo && b <= hi) {
			c->pend[c->npend++] = b;
			if (c->npend == need) {
				memcpy(c->obuf + c->olen, c->pend, need);
				c->olen += need;
				c->npend = 0;
			}
			return;
		}
		/* The maximal subpart so far is one U+FFFD; b starts over. */
		c->npend = 0;
		put_fffd(c);
	}
	if (b < 0x80) {
		c->obuf[c->olen++] = b;
	} else if (b >= 0xC2 && b <= 0xF4) {
		c->pend[0] = b;
		c->npend = 1;
	} else {
		put_fffd(c);
	}
}

/* Move pending output to out. */
static void
flush(lm_mime_conv *c, char *out, size_t cap, size_t *w)
{
	size_t k = c->olen - c->opos;

	if (k > cap - *w)
		k = cap - *w;
	memcpy(out + *w, c->obuf + c->opos, k);
	*w += k;
	c->opos += k;
	if (c->opos == c->olen)
		c->opos = c->olen = 0;
}

/* iconv with bytes pending: add input one byte at a time to pend until
 * it converts, is illegal or pend is full. */
static void
iconv_pending(lm_mime_conv *c, const unsigned char *in, size_t n, size_t *u)
{
	while (c->npend > 0 && c->olen == 0) {
		size_t used = 0, wr = 0;
		int r = lm_mime__iconv_step(c->ic, c->pend, c->npend, c->obuf,
		                            sizeof c->obuf - 3, &used, &wr);
		c->olen = wr;
		if (r == 0 && used == c->npend) {
			c->npend = 0;
			return;
		}
		if (r == 2 || (r == 1 && c->npend == sizeof c->pend)) {
			/* Drop the first byte of what remains as U+FFFD. */
			memmove(c->pend, c->pend + used + 1, c->npend - used - 1);
			c->npend -= used + 1;
			bad_byte(c);
			continue;
		}
		if (used > 0) {
			memmove(c->pend, c->pend + used, c->npend - used);
			c->npend -= used;
		}
		if (r == 0)
			return; /* obuf full; cannot happen with 16 bytes */
		/* Incomplete: take one more byte. */
		if (*u == n)
			return;
		c->pend[c->npend++] = in[(*u)++];
	}
}

/* see mime.h */
int
lm_mime_conv_update(lm_mime_conv *c, const void *inp, size_t n, char *out,
                    size_t cap, size_t *used, size_t *written)
{
	const unsigned char *in = inp;
	size_t u = 0, w = 0;

	if (c == NULL || (in == NULL && n > 0) || (out == NULL && cap > 0) ||
	    used == NULL || written == NULL)
		return LM_ERR_BAD_PARAM;
	*used = *written = 0;
	if (c->conv == 0)
		return LM_ERR_BAD_STATE;
	for (;;) {
		if (c->olen > c->opos) {
			flush(c, out, cap, &w);
			if (c->olen > c->opos)
				break;
		}
		if (u == n)
			break;
		if (c->conv == CV_ICONV) {
			size_t uu = 0, ww = 0;
			int r, direct = cap - w >= sizeof c->obuf;
			if (c->npend > 0) {
				iconv_pending(c, in, n, &u);
				continue;
			}
			/* iconv writes whole characters only: straight into out
			 * when there is room, else through obuf. */
			r = lm_mime__iconv_step(c->ic, in + u, n - u,
			                        direct ? (unsigned char *)out + w : c->obuf,
			                        direct ? cap - w : sizeof c->obuf - 3,
			                        &uu, &ww);
			u += uu;
			if (direct)
				w += ww;
			else
				c->olen = ww;
			if (r == 1) {
				if (n - u <= sizeof c->pend) {
					memcpy(c->pend, in + u, n - u);
					c->npend = n - u;
					u = n;
				} else {
					u++;
					bad_byte(c);
				}
			} else if (r == 2) {
				u++;
				bad_byte(c);
			} else if (uu == 0 && ww == 0) {
				break; /* cannot happen: obuf holds any character */
			}
			continue;
		}
		if (c->conv == CV_UTF7) {
			utf7_byte(c, in[u++]);
			continue;
		}
		/* Fast path: ASCII straight through. */
		if (c->npend == 0) {
			size_t k = 0, room = cap - w;
			while (k < room && u + k < n && in[u + k] < 0x80) {
				out[w + k] = (char)in[u + k];
				k++;
			}
			u += k;
			w += k;
			if (w == cap)
				break;
			if (u == n)
				continue;
			if (in[u] < 0x80)
				continue;
		}
		{
			unsigned char b = in[u++];
			if (c->conv == CV_UTF8) {
				utf8_byte(c, b);
			} else if (c->conv == CV_ASCII || b < 0x80) {
				if (b < 0x80)
					c->obuf[c->olen++] = b;
				else
					put_fffd(c);
			} else {
				unsigned long cp = c->table[b - 0x80];
				if (cp == 0)
					put_fffd(c);
				else
					c->olen += lm_mime__utf8_put(c->obuf + c->olen, cp);
			}
		}
	}
	*used = u;
	*written = w;
	return 0;
}

/* see mime.h */
int
lm_mime_conv_final(lm_mime_conv *c, char *out, size_t cap, size_t *written)
{
	size_t w = 0;

	if (c == NULL || (out == NULL && cap > 0) || written == NULL)
		return LM_ERR_BAD_PARAM;
	*written = 0;
	if (c->conv == 0)
		return LM_ERR_BAD_STATE;
	if (c->conv == CV_UTF7)
		utf7_end_b64(c);
	for (;;) {
		flush(c, out, cap, &w);
		if (c->olen > c->opos) {
			*written = w;
			return LM_ERR_BUFFER_TOO_SMALL;
		}
		if (c->npend == 0)
			break;
		if (c->conv == CV_ICONV) {
			/* What still converts goes out; an incomplete tail is
			 * one U+FFFD, an illegal byte another. */
			size_t uu = 0, ww = 0;
			int r = lm_mime__iconv_step(c->ic, c->pend, c->npend, c->obuf,
			                            sizeof c->obuf - 3, &uu, &ww);
			c->olen = ww;
			memmove(c->pend, c->pend + uu, c->npend - uu);
			c->npend -= uu;
			if (r == 2 && c->npend > 0) {
				memmove(c->pend, c->pend + 1, c->npend - 1);
				c->npend--;
				bad_byte(c);
			} else if (r == 1 || (uu == 0 && ww == 0)) {
				c->npend = 0;
				put_fffd(c);
			}
		} else {
			c->npend = 0;
			put_fffd(c);
		}
	}
	*written = w;
	if (c->conv == CV_ICONV)
		lm_mime__iconv_reset(c->ic);
	return 0;
}

/* see mime.h */
unsigned
lm_mime_conv_defects(const lm_mime_conv *c)
{
	return c ? c->defects : 0;
}

/* see mime.h */
void
lm_mime_conv_free(lm_mime_conv *c)
{
	if (c == NULL)
		return;
	if (c->conv == CV_ICONV && c->ic != NULL)
		lm_mime__iconv_close(c->ic);
	memset(c, 0, sizeof *c);
}

/* see codec_internal.h */
void
lm_mime__out_put(lm_mime__out *o, const void *p, size_t n)
{
	if (n > o->cap - o->len) {
		o->full = 1;
		n = o->cap - o->len;
	}
	if (n > 0)
		memcpy(o->p + o->len, p, n);
	o->len += n;
}

/* see codec_internal.h */
void
lm_mime__out_conv(lm_mime__out *o, lm_mime_conv *c, const void *in, size_t n)
{
	const unsigned char *p = in;
	size_t used, wr;

	while (n > 0) {
		used = wr = 0;
		(void)lm_mime_conv_update(c, p, n, o->p + o->len, o->cap - o->len,
		                          &used, &wr);
		o->len += wr;
		p += used;
		n -= used;
		if (used == 0 && wr == 0) {
			o->full = 1;
			return;
		}
	}
}

/* see codec_internal.h */
void
lm_mime__out_conv_final(lm_mime__out *o, lm_mime_conv *c)
{
	size_t wr = 0, used = 0;

	/* Pending output first (update with no input flushes it). */
	(void)lm_mime_conv_update(c, "", 0, o->p + o->len, o->cap - o->len,
	                          &used, &wr);
	o->len += wr;
	wr = 0;
	if (lm_mime_conv_final(c, o->p + o->len, o->cap - o->len, &wr) != 0)
		o->full = 1;
	o->len += wr;
}

/* see codec_internal.h */
void
lm_mime__out_text(lm_mime__out *o, const unsigned char *p, size_t n,
                  unsigned *defects)
{
	lm_mime_conv c;
	size_t i, s = 0;

	(void)lm_mime_conv_init_id(&c, LM_CS__UTF8);
	for (i = 0; i <= n; i++) {
		if (i == n || p[i] == '\r' || p[i] == '\n') {
			lm_mime__out_conv(o, &c, p + s, i - s);
			s = i + 1;
		}
	}
	lm_mime__out_conv_final(o, &c);
	if (defects)
		*defects |= c.defects;
}

/* see mime.h */
int
lm_mime_conv_string(const char *name, size_t nlen, const void *in, size_t n,
                    char *out, size_t cap, size_t *outlen, unsigned *defects)
{
	lm_mime_conv c;
	lm_mime__out o;

	if ((name == NULL && nlen > 0) || (in == NULL && n > 0) ||
	    (out == NULL && cap > 0) || outlen == NULL)
		return LM_ERR_BAD_PARAM;
	(void)lm_mime_conv_init(&c, name, nlen);
	o.p = out;
	o.cap = cap;
	o.len = 0;
	o.full = 0;
	lm_mime__out_conv(&o, &c, in, n);
	lm_mime__out_conv_final(&o, &c);
	if (defects)
		*defects |= c.defects;
	lm_mime_conv_free(&c);
	*outlen = o.len;
	return o.full ? LM_ERR_BUFFER_TOO_SMALL : 0;
}
