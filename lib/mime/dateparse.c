/*
 * libmail - parsing RFC 5322 dates (3.3 and the obsolete forms of 4.3)
 * and formatting RFC 3339 dates. Pure arithmetic, no libc time
 * functions, no locale. RFC 5322 formatting is lm_mime_date_format()
 * in date.c.
 */
#include <string.h>

#include "libmail/mime.h"
#include "codec_internal.h"
#include "internal.h"

/* Longest digit run that can be a date field; longer is not a date. */
#define DIGITS_MAX 9

enum { K_END = 0, K_NUM, K_WORD, K_PUNCT };

typedef struct {
	int kind;
	long val;                   /* K_NUM: the value; K_PUNCT: the char */
	size_t ndig;                /* K_NUM: digits */
	const unsigned char *s;     /* K_WORD: letters */
	size_t n;
} dtok;

/* Next token from p[*i..n): white space and (nested) comments skipped.
 * Returns -1 for a digit run that is too long. */
static int
dlex(const unsigned char *p, size_t n, size_t *i, dtok *t, int *comment)
{
	size_t j = lm_mime__skip_cfws(p, n, *i, comment);

	t->kind = K_END;
	t->s = p + j;
	t->n = 0;
	if (j >= n) {
		*i = j;
		return 0;
	}
	if (p[j] >= '0' && p[j] <= '9') {
		size_t a = j;
		long v = 0;
		while (j < n && p[j] >= '0' && p[j] <= '9') {
			if (j - a >= DIGITS_MAX)
				return -1;
			v = v * 10 + (p[j] - '0');
			j++;
		}
		t->kind = K_NUM;
		t->val = v;
		t->ndig = j - a;
	} else if ((p[j] | 0x20) >= 'a' && (p[j] | 0x20) <= 'z') {
		size_t a = j;
		while (j < n && (p[j] | 0x20) >= 'a' && (p[j] | 0x20) <= 'z')
			j++;
		t->kind = K_WORD;
		t->s = p + a;
		t->n = j - a;
	} else {
		t->kind = K_PUNCT;
		t->val = p[j];
		j++;
	}
	*i = j;
	return 0;
}

/* Index of a name in table (its first three letters, any case; a longer
 * word must continue the full name: "Tues" is not accepted, "Tuesday"
 * is), or -1. */
static int
name_index(const dtok *t, const char *const *full, int count)
{
	int k;

	if (t->kind != K_WORD || t->n < 3)
		return -1;
	for (k = 0; k < count; k++) {
		size_t fl = strlen(full[k]);
		int three = t->n == 3 && (t->s[0] | 0x20) == full[k][0] &&
		            (t->s[1] | 0x20) == full[k][1] &&
		            (t->s[2] | 0x20) == full[k][2];
		if (three || (t->n == fl && lm_core__ieqz((const char *)t->s, fl, full[k])))
			return k;
	}
	return -1;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void
civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (long long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static int
leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* see mime.h */
int
lm_mime_date_parse(const char *in, size_t n, long long *t, int *tz_min,
                   unsigned *defects)
{
	static const char *const wdays[7] = { "monday", "tuesday", "wednesday",
		"thursday", "friday", "saturday", "sunday" };
	static const char *const months[12] = { "january", "february", "march",
		"april", "may", "june", "july", "august", "september", "october",
		"november", "december" };
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
	                                         30, 31, 30, 31 };
	static const struct {
		const char *name;
		int off;
	} zones[] = {
		{ "ut", 0 }, { "gmt", 0 }, { "utc", 0 }, { "est", -300 },
		{ "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
		{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
	};
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, k;
	int comment = 0, wday = -1, mon, tz = LM_MIME_TZ_UNKNOWN;
	long day, year, hour, min, sec = 0;
	unsigned def = 0;
	long long days;
	dtok a;

	if ((in == NULL && n > 0) || t == NULL || tz_min == NULL)
		return LM_ERR_BAD_PARAM;
#define NEXT()                                                   \
	do {                                                     \
		if (dlex(p, n, &i, &a, &comment) != 0)           \
			return LM_ERR_DECODE;                    \
	} while (0)
	NEXT();
	if (a.kind == K_WORD) {
		wday = name_index(&a, wdays, 7);
		if (wday < 0)
			return LM_ERR_DECODE;
		NEXT();
		if (a.kind == K_PUNCT && a.val == ',')
			NEXT();
		else
			def |= LM_MIME_DEF_DATE_OBS;
	}
	if (a.kind != K_NUM || a.ndig > 2)
		return LM_ERR_DECODE;
	day = a.val;
	NEXT();
	mon = name_index(&a, months, 12);
	if (mon < 0)
		return LM_ERR_DECODE;
	NEXT();
	if (a.kind != K_NUM || a.ndig < 2)
		return LM_ERR_DECODE;
	year = a.val;
	if (a.ndig == 2) {
		year += year < 50 ? 2000 : 1900;
		def |= LM_MIME_DEF_DATE_OBS;
	} else if (a.ndig == 3) {
		year += 1900;
		def |= LM_MIME_DEF_DATE_OBS;
	}
	if (year > 9999)
		return LM_ERR_DECODE;
	NEXT();
	if (a.kind != K_NUM || a.ndig > 2)
		return LM_ERR_DECODE;
	hour = a.val;
	NEXT();
	if (a.kind != K_PUNCT || a.val != ':')
		return LM_ERR_DECODE;
	NEXT();
	if (a.kind != K_NUM || a.ndig > 2)
		return LM_ERR_DECODE;
	min = a.val;
	NEXT();
	if (a.kind == K_PUNCT && a.val == ':') {
		NEXT();
		if (a.kind != K_NUM || a.ndig > 2)
			return LM_ERR_DECODE;
		sec = a.val;
		NEXT();
	}
	/* Zone. */
	if (a.kind == K_PUNCT && (a.val == '+' || a.val == '-')) {
		int sign = a.val == '-' ? -1 : 1;
		NEXT();
		if (a.kind != K_NUM || a.ndig != 4 || a.val / 100 > 23 ||
		    a.val % 100 > 59)
			return LM_ERR_DECODE;
		if (a.val == 0 && sign < 0)
			tz = LM_MIME_TZ_UNKNOWN;
		else
			tz = sign * (int)(a.val / 100 * 60 + a.val % 100);
		NEXT();
	} else if (a.kind == K_WORD) {
		def |= LM_MIME_DEF_DATE_OBS;
		tz = LM_MIME_TZ_UNKNOWN; /* military and unknown names */
		for (k = 0; k < sizeof zones / sizeof zones[0]; k++)
			if (lm_core__ieqz((const char *)a.s, a.n, zones[k].name))
				tz = zones[k].off;
		NEXT();
	} else {
		def |= LM_MIME_DEF_DATE_OBS; /* no zone */
	}
	if (a.kind != K_END)
		def |= LM_MIME_DEF_DATE_OBS; /* trailing junk, ignored */
	if (comment)
		def |= LM_MIME_DEF_DATE_OBS;
#undef NEXT
	if (day < 1 || day > mdays[mon] + (mon == 1 && leap(year)) ||
	    hour > 23 || min > 59 || sec > 60)
		return LM_ERR_DECODE;
	days = days_from_civil(year, (unsigned)mon + 1, (unsigned)day);
	if (wday >= 0) {
		/* 1970-01-01 was a Thursday (index 3 from Monday). */
		long long w = (days % 7 + 7 + 3) % 7;
		if (w != wday)
			def |= LM_MIME_DEF_DATE_WEEKDAY;
	}
	*t = days * 86400 + hour * 3600 + min * 60 + sec -
	     (tz == LM_MIME_TZ_UNKNOWN ? 0 : (long long)tz * 60);
	*tz_min = tz;
	if (defects)
		*defects |= def;
	return 0;
}

/* see mime.h */
int
lm_mime_date_rfc3339(long long t, int tz_min, char *out, size_t cap,
                     size_t *outlen)
{
	long long local, days, secs, y;
	unsigned m, d, h, mi, s, oz;
	int off = tz_min == LM_MIME_TZ_UNKNOWN ? 0 : tz_min;
	char *q;

	if (out == NULL || (tz_min != LM_MIME_TZ_UNKNOWN &&
	                    (tz_min < -1439 || tz_min > 1439)) ||
	    t < -80000000000LL || t > 300000000000LL)
		return LM_ERR_BAD_PARAM;
	local = t + (long long)off * 60;
	days = local / 86400;
	secs = local % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return LM_ERR_BAD_PARAM;
	if (cap < LM_MIME_RFC3339_LEN + 1)
		return LM_ERR_BUFFER_TOO_SMALL;
	h = (unsigned)(secs / 3600);
	mi = (unsigned)(secs / 60 % 60);
	s = (unsigned)(secs % 60);
	q = out;
	q[0] = (char)('0' + y / 1000);
	q[1] = (char)('0' + y / 100 % 10);
	q[2] = (char)('0' + y / 10 % 10);
	q[3] = (char)('0' + y % 10);
	q[4] = '-';
	q[5] = (char)('0' + m / 10);
	q[6] = (char)('0' + m % 10);
	q[7] = '-';
	q[8] = (char)('0' + d / 10);
	q[9] = (char)('0' + d % 10);
	q[10] = 'T';
	q[11] = (char)('0' + h / 10);
	q[12] = (char)('0' + h % 10);
	q[13] = ':';
	q[14] = (char)('0' + mi / 10);
	q[15] = (char)('0' + mi % 10);
	q[16] = ':';
	q[17] = (char)('0' + s / 10);
	q[18] = (char)('0' + s % 10);
	q[19] = (char)(tz_min == LM_MIME_TZ_UNKNOWN || off < 0 ? '-' : '+');
	oz = (unsigned)(off < 0 ? -off : off);
	q[20] = (char)('0' + oz / 600);
	q[21] = (char)('0' + oz / 60 % 10);
	q[22] = ':';
	q[23] = (char)('0' + oz % 60 / 10);
	q[24] = (char)('0' + oz % 10);
	q[25] = 0;
	if (outlen)
		*outlen = LM_MIME_RFC3339_LEN;
	return 0;
}
