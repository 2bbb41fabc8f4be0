/*
 * libmail - SASL pieces shared by the protocol engines (see proto.h).
 */
#include <string.h>

#include "libmail/core.h"
#include "proto.h"

/* see proto.h */
int
lm_sasl__reveals_secret(lm_sasl_mech mech)
{
	return lm_sasl_mech_is_plaintext(mech) || mech == LM_SASL_XOAUTH2 ||
	       mech == LM_SASL_OAUTHBEARER;
}

/* see proto.h */
size_t
lm_sasl__auth_line_len(size_t nl, int with_ir, size_t irl)
{
	size_t n = 5 + nl;

	if (with_ir)
		n += 1 + (irl ? lm_b64_encoded_len(irl) : 1);
	return n;
}

/* see proto.h */
size_t
lm_sasl__auth_line(uint8_t *dst, const char *name, size_t nl,
                   const uint8_t *ir, size_t irl)
{
	size_t n = 5 + nl, bl = 0;

	memcpy(dst, "AUTH ", 5);
	memcpy(dst + 5, name, nl);
	if (ir == NULL)
		return n;
	dst[n++] = ' ';
	if (irl == 0) {
		dst[n++] = '=';
		return n;
	}
	/* dst holds lm_b64_encoded_len(irl) more bytes: cannot fail */
	(void)lm_b64_encode(ir, irl, (char *)dst + n, lm_b64_encoded_len(irl), &bl);
	return n + bl;
}
