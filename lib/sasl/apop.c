/*
 * libmail - APOP digest (RFC 1939 section 7).
 *
 * Not a SASL mechanism, but the same kind of pure function of bytes,
 * and it needs the MD5 of the private hash interface (hash.h), so it
 * lives here rather than in the POP3 engine.
 */
#include <string.h>

#include "libmail/sasl.h"
#include "hash.h"

/* Longest timestamp || password hashed (a stack buffer, zeroized). */
#define APOP_INPUT_MAX 2048

/* see sasl.h */
int
lm_sasl_apop_digest(const char *timestamp, size_t tlen, const char *password,
                    char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char buf[APOP_INPUT_MAX];
	unsigned char md[16];
	size_t pl, i;
	int r;

	if (out != NULL)
		out[0] = '\0';
	if (timestamp == NULL || password == NULL || out == NULL || tlen == 0)
		return LM_ERR_BAD_PARAM;
	pl = strlen(password);
	if (tlen > sizeof buf || pl > sizeof buf - tlen)
		return LM_ERR_BAD_PARAM;
	memcpy(buf, timestamp, tlen);
	memcpy(buf + tlen, password, pl);
	r = lm_sasl__hash(LM_SASL__MD5, buf, tlen + pl, md);
	lm_sasl__zeroize(buf, tlen + pl);
	if (r < 0) {
		lm_sasl__zeroize(md, sizeof md);
		return r;
	}
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
	lm_sasl__zeroize(md, sizeof md);
	return 0;
}
