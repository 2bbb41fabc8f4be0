/*
 * RFC 5322 dates (obsolete forms included) and RFC 3339 output.
 *
 * Input: the date text.
 *   - a parsed date has a zone in -1439..1439 or LM_MIME_TZ_UNKNOWN;
 *   - RFC 3339 output of it, when the year fits, is 25 characters of
 *     the right shape;
 *   - RFC 5322 output (lm_mime_date_format) of it parses back to the
 *     same time and zone.
 * Time is bounded by libFuzzer's timeout (digit runs are capped).
 */
#include <string.h>

#include "libmail/mime.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long t, t2;
	int tz, tz2, r;
	unsigned def = 0;
	char out[64];
	size_t ol = 0, i;

	r = lm_mime_date_parse((const char *)data, size, &t, &tz, &def);
	FZ_CHECK(r == 0 || r == LM_ERR_DECODE, "parse result");
	if (r != 0)
		return 0;
	FZ_CHECK(tz == LM_MIME_TZ_UNKNOWN || (tz >= -1439 && tz <= 1439), "zone range");
	r = lm_mime_date_rfc3339(t, tz, out, sizeof out, &ol);
	FZ_CHECK(r == 0 || r == LM_ERR_BAD_PARAM, "rfc3339 result");
	if (r == 0) {
		static const char shape[] = "dddd-dd-ddTdd:dd:dd+dd:dd";
		FZ_CHECK(ol == LM_MIME_RFC3339_LEN && out[ol] == 0, "rfc3339 length");
		for (i = 0; i < ol; i++) {
			if (shape[i] == 'd')
				FZ_CHECK(out[i] >= '0' && out[i] <= '9', "digit");
			else if (shape[i] == '+')
				FZ_CHECK(out[i] == '+' || out[i] == '-', "sign");
			else
				FZ_CHECK(out[i] == shape[i], "separator");
		}
	}
	r = lm_mime_date_format(t, tz == LM_MIME_TZ_UNKNOWN ? 0 : tz, out,
	                        sizeof out, &ol);
	if (r == 0) {
		def = 0;
		r = lm_mime_date_parse(out, ol, &t2, &tz2, &def);
		FZ_CHECK(r == 0 && t2 == t, "format then parse gives the same time");
		FZ_CHECK(tz2 == (tz == LM_MIME_TZ_UNKNOWN ? 0 : tz), "same zone");
		FZ_CHECK(def == 0, "own output has no defects");
	}
	return 0;
}
