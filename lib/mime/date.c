/*
 * libmail - RFC 5322 dates and Content-Type guessing.
 */
#include <string.h>

#include "libmail/mime.h"

/* Bounds that keep every intermediate value small; the year check
 * below is the real limit. */
#define LM_MIME__T_MAX 300000000000LL

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard
 * Hinnant's civil_from_days). */
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

static void
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* see mime.h */
int
lm_mime_date_format(long long t, int tz_offset_min, char *out, size_t cap,
                    size_t *outlen)
{
	static const char wd[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char mo[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	long long local, days, secs, y;
	unsigned m, d, tz;
	char buf[LM_MIME_DATE_LEN + 1];

	if (out == NULL || tz_offset_min < -1439 || tz_offset_min > 1439 ||
	    t < -LM_MIME__T_MAX || t > LM_MIME__T_MAX)
		return LM_ERR_BAD_PARAM;
	local = t + (long long)tz_offset_min * 60;
	days = local / 86400;
	secs = local % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 1900 || y > 9999)
		return LM_ERR_BAD_PARAM;
	if (cap < LM_MIME_DATE_LEN + 1)
		return LM_ERR_BUFFER_TOO_SMALL;

	/* 1970-01-01 was a Thursday (4). */
	memcpy(buf, wd[(int)(((days % 7) + 11) % 7)], 3);
	buf[3] = ',';
	buf[4] = ' ';
	put2(buf + 5, d);
	buf[7] = ' ';
	memcpy(buf + 8, mo[m - 1], 3);
	buf[11] = ' ';
	put2(buf + 12, (unsigned)(y / 100));
	put2(buf + 14, (unsigned)(y % 100));
	buf[16] = ' ';
	put2(buf + 17, (unsigned)(secs / 3600));
	buf[19] = ':';
	put2(buf + 20, (unsigned)(secs / 60 % 60));
	buf[22] = ':';
	put2(buf + 23, (unsigned)(secs % 60));
	buf[25] = ' ';
	buf[26] = tz_offset_min < 0 ? '-' : '+';
	tz = (unsigned)(tz_offset_min < 0 ? -tz_offset_min : tz_offset_min);
	put2(buf + 27, tz / 60);
	put2(buf + 29, tz % 60);
	buf[31] = 0;
	memcpy(out, buf, sizeof buf);
	if (outlen)
		*outlen = LM_MIME_DATE_LEN;
	return 0;
}

static int
ext_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char c = *a;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != *b)
			return 0;
	}
	return *a == 0 && *b == 0;
}

/* see mime.h */
const char *
lm_mime_guess_type(const char *filename)
{
	static const struct {
		const char *ext, *type;
	} tab[] = {
		{ "txt", "text/plain" },        { "htm", "text/html" },
		{ "html", "text/html" },        { "pdf", "application/pdf" },
		{ "png", "image/png" },         { "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" },       { "gif", "image/gif" },
		{ "csv", "text/csv" },          { "json", "application/json" },
		{ "zip", "application/zip" },   { "gz", "application/gzip" },
		{ "xml", "application/xml" },
	};
	const char *dot;
	size_t i;

	if (filename == NULL || (dot = strrchr(filename, '.')) == NULL)
		return "application/octet-stream";
	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (ext_eq(dot + 1, tab[i].ext))
			return tab[i].type;
	return "application/octet-stream";
}
