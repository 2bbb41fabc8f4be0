/*
 * SASL client mechanisms fed with server challenges from the input.
 *
 * Input: byte 0 picks the mechanism (low 3 bits: SCRAM-SHA-256,
 * SCRAM-SHA-1, CRAM-MD5, LOGIN, XOAUTH2, OAUTHBEARER, PLAIN) and
 * options (0x08 authzid, 0x10 no initial response: an empty challenge
 * comes first, 0x20 start with a tiny response buffer, 0x40 the
 * authzid is the input's first line, up to AZ_MAX bytes, instead). The
 * rest is the server's decoded challenges, separated by LF.
 *
 * Credentials: user "user", password "pencil"; the SCRAM client nonce
 * is "fyko+d2lbbFgONRv9qkxdawL", so the RFC 5802 section 5 exchange is a
 * valid input (see corpus/sasl).
 *
 * Invariants: lm_sasl_finish() returns 0 for SCRAM only when the last
 * server message was "v=" with the server signature recomputed here
 * with mbedTLS from the messages actually exchanged (RFC 5802 3), and
 * the client proof it sent is the one recomputed here; for CRAM-MD5
 * only after the response "user <hex HMAC-MD5(password, challenge)>";
 * for LOGIN only after user and password were sent; errors are sticky;
 * SCRAM and CRAM-MD5 never send the password; init takes a SCRAM
 * authzid (without CR or LF) exactly when it is at most 250 bytes once
 * escaped (sasl.h), and the client-first message is then the whole gs2
 * header "n," ["a=" saslname] "," then "n=user,r=" and the nonce; the
 * exchange's fill mark stays in its array (sasl_bounds.h).
 */
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>

#include "libmail/sasl.h"
#include "libmail/error.h"
#include "fuzz.h"
#include "sasl_bounds.h"

#define RESP_CAP 4096
#define MAX_STEPS 16
#define AZ_MAX 300          /* longest authzid taken from the input */
/* PBKDF2 rounds allowed in an input (the library accepts up to
 * LM_SASL_SCRAM_MAX_ITER, which would make each run take seconds). */

static const char NONCE[] = "fyko+d2lbbFgONRv9qkxdawL";

static int
rng(void *ud, unsigned char *buf, size_t n)
{
	size_t i;
	(void)ud;
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)NONCE[i % (sizeof NONCE - 1)];
	return 0;
}

typedef struct {
	const unsigned char *chal;   /* NULL for the initial response */
	size_t clen;
	unsigned char resp[RESP_CAP];
	size_t rlen;
} step_rec;

static step_rec steps[MAX_STEPS];

static const unsigned char *
find(const unsigned char *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;
	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return p + i;
	return NULL;
}

/* Independent SCRAM (RFC 5802 3) from the recorded exchange: checks the
 * client proof in steps[1] and returns whether steps[2] carried the
 * right server signature. */
static int
scram_check(mbedtls_md_type_t t, const char *authzid_hdr)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(t);
	size_t hlen = mbedtls_md_get_size(md), saltlen = 0, am_len, i, olen;
	const unsigned char *sf = steps[1].chal, *cf = steps[0].resp, *p, *e;
	size_t sflen = steps[1].clen, cflen = steps[0].rlen;
	const unsigned char *cfin = steps[1].resp, *proof;
	size_t cfinlen = steps[1].rlen, gs2len = strlen(authzid_hdr);
	unsigned char salt[512], salted[64], ckey[64], skey[64], stored[64];
	unsigned char csig[64], ssig[64], want_proof[64];
	unsigned char am[3 * RESP_CAP];
	char b64[128];
	unsigned long iter = 0;
	mbedtls_md_context_t ctx;

	FZ_CHECK(sflen <= LM_SASL_CHALLENGE_MAX, "challenge limit enforced");
	/* client-first = gs2-header client-first-bare */
	FZ_CHECK(cflen > gs2len && memcmp(cf, authzid_hdr, gs2len) == 0,
	         "client-first starts with the gs2 header");
	/* salt and iteration count from the server-first the library took */
	p = find(sf, sflen, ",s=");
	FZ_CHECK(p != NULL, "accepted server-first has s=");
	p += 3;
	e = memchr(p, ',', (size_t)(sf + sflen - p));
	FZ_CHECK(e != NULL, "accepted server-first has i= after s=");
	FZ_CHECK(mbedtls_base64_decode(salt, sizeof salt, &saltlen, p,
	                               (size_t)(e - p)) == 0 && saltlen > 0,
	         "accepted salt is base64");
	FZ_CHECK(e + 3 <= sf + sflen && memcmp(e, ",i=", 3) == 0, "i= follows s=");
	for (p = e + 3; p < sf + sflen && *p >= '0' && *p <= '9'; p++)
		iter = iter * 10 + (unsigned long)(*p - '0');
	FZ_CHECK(iter >= 1 && iter <= FZ_ITER_MAX, "accepted iteration count");
	/* client-final-without-proof = client-final up to ",p=" */
	proof = find(cfin, cfinlen, ",p=");
	FZ_CHECK(proof != NULL, "client-final has p=");
	am_len = 0;
	memcpy(am, cf + gs2len, cflen - gs2len);
	am_len += cflen - gs2len;
	am[am_len++] = ',';
	memcpy(am + am_len, sf, sflen);
	am_len += sflen;
	am[am_len++] = ',';
	memcpy(am + am_len, cfin, (size_t)(proof - cfin));
	am_len += (size_t)(proof - cfin);

	mbedtls_md_init(&ctx);
	FZ_CHECK(mbedtls_md_setup(&ctx, md, 1) == 0, "md setup");
	FZ_CHECK(mbedtls_pkcs5_pbkdf2_hmac(&ctx, (const unsigned char *)"pencil", 6,
	                                   salt, saltlen, (unsigned)iter,
	                                   (uint32_t)hlen, salted) == 0, "pbkdf2");
	mbedtls_md_free(&ctx);
	mbedtls_md_hmac(md, salted, hlen, (const unsigned char *)"Client Key", 10, ckey);
	mbedtls_md_hmac(md, salted, hlen, (const unsigned char *)"Server Key", 10, skey);
	mbedtls_md(md, ckey, hlen, stored);
	mbedtls_md_hmac(md, stored, hlen, am, am_len, csig);
	mbedtls_md_hmac(md, skey, hlen, am, am_len, ssig);
	for (i = 0; i < hlen; i++)
		want_proof[i] = ckey[i] ^ csig[i];
	FZ_CHECK(mbedtls_base64_encode((unsigned char *)b64, sizeof b64, &olen,
	                               want_proof, hlen) == 0, "b64");
	FZ_CHECK(cfinlen - (size_t)(proof - cfin) == 3 + olen &&
	         memcmp(proof + 3, b64, olen) == 0, "client proof is correct");
	FZ_CHECK(mbedtls_base64_encode((unsigned char *)b64, sizeof b64, &olen,
	                               ssig, hlen) == 0, "b64");
	/* server-final = "v=" base64(ServerSignature) [ "," extensions ] */
	return steps[2].clen >= 2 + olen && memcmp(steps[2].chal, "v=", 2) == 0 &&
	       memcmp(steps[2].chal + 2, b64, olen) == 0 &&
	       (steps[2].clen == 2 + olen || steps[2].chal[2 + olen] == ',');
}

/* lm_sasl_step(), then the exchange's fill mark (sasl_bounds.h). */
static int
step(lm_sasl *s, const unsigned char *in, size_t inlen, unsigned char *out,
     size_t cap, size_t *outlen)
{
	int r = lm_sasl_step(s, in, inlen, out, cap, outlen);

	fz_sasl_bounds(s);
	return r;
}

/* saslname (RFC 5802 5.1) of s at out; returns its length. */
static size_t
esc(const char *s, char *out)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == ',' || *s == '=') {
			memcpy(out + n, *s == ',' ? "=2C" : "=3D", 3);
			n += 3;
		} else {
			out[n++] = *s;
		}
	}
	return n;
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const lm_sasl_mech mechs[8] = {
		LM_SASL_SCRAM_SHA_256, LM_SASL_SCRAM_SHA_1, LM_SASL_CRAM_MD5,
		LM_SASL_LOGIN, LM_SASL_XOAUTH2, LM_SASL_OAUTHBEARER, LM_SASL_PLAIN,
		LM_SASL_SCRAM_SHA_256
	};
	static char az[AZ_MAX + 1], hdr[5 + 3 * AZ_MAX + 1];
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	lm_sasl s;
	lm_sasl_mech mech;
	const uint8_t *p, *end, *lf;
	size_t nsteps = 0, outlen, cap, al, hl;
	int r, failed = 0, scram, fin, tiny;
	unsigned opt;

	if (size < 1)
		return 0;
	opt = data[0];
	mech = mechs[opt & 7];
	scram = mech == LM_SASL_SCRAM_SHA_1 || mech == LM_SASL_SCRAM_SHA_256;
	if (scram && fz_too_many_iterations(data, size))
		return 0;
	tiny = (opt & 0x20) != 0;
	cr.user = "user";
	cr.password = "pencil";
	cr.token = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg";
	cr.host = "server.example.com";
	cr.port = 587;
	cr.rng = rng;
	if ((opt & 0x08) && (scram || mech == LM_SASL_PLAIN ||
	                     mech == LM_SASL_OAUTHBEARER))
		cr.authzid = "admin=,x";
	p = data + 1;
	end = data + size;
	if (opt & 0x40) {
		lf = memchr(p, '\n', (size_t)(end - p));
		al = lf ? (size_t)(lf - p) : (size_t)(end - p);
		al = al < AZ_MAX ? al : AZ_MAX;
		memcpy(az, p, al);
		az[al] = '\0';
		cr.authzid = az;
		p = lf ? lf + 1 : end;
	}
	/* the gs2 header SCRAM must send */
	memcpy(hdr, "n,", 2);
	hl = 2;
	if (cr.authzid != NULL && cr.authzid[0] != '\0') {
		memcpy(hdr + hl, "a=", 2);
		hl += 2 + esc(cr.authzid, hdr + hl + 2);
	}
	hdr[hl++] = ',';
	hdr[hl] = '\0';
	r = lm_sasl_init(&s, mech, &cr);
	fz_sasl_bounds(&s);
	if (opt & 0x40) {
		if (scram && strpbrk(az, "\r\n") == NULL)
			FZ_CHECK((r == 0) == (hl - 5 <= 250 || az[0] == '\0'),
			         "SCRAM authzid taken up to 250 bytes escaped");
		if (r != 0) {
			FZ_CHECK(r == LM_ERR_BAD_PARAM, "init refuses a bad authzid");
			return 0;
		}
	}
	FZ_CHECK(r == 0, "init with valid creds");
	FZ_CHECK(lm_sasl_get_mech(&s) == mech, "get_mech");
	FZ_CHECK(lm_sasl_finish(&s) != 0, "finish refuses before anything was sent");
	/* lm_sasl_finish() may have marked the exchange failed; start over. */
	lm_sasl_free(&s);
	FZ_CHECK(lm_sasl_init(&s, mech, &cr) == 0, "init again");

	if (lm_sasl_has_initial(&s) && !(opt & 0x10)) {
		r = step(&s, NULL, 0, steps[0].resp, RESP_CAP, &steps[0].rlen);
		FZ_CHECK(r == 0, "initial response");
		steps[0].chal = NULL;
		steps[0].clen = 0;
		nsteps = 1;
	} else if (lm_sasl_has_initial(&s)) {
		/* The server did not take an initial response. */
		r = step(&s, (const unsigned char *)"", 0, steps[0].resp,
		                 RESP_CAP, &steps[0].rlen);
		FZ_CHECK(r == 0, "first message after an empty challenge");
		steps[0].chal = (const unsigned char *)"";
		steps[0].clen = 0;
		nsteps = 1;
	} else {
		FZ_CHECK(step(&s, NULL, 0, steps[0].resp, RESP_CAP, &outlen) ==
		         LM_ERR_BAD_STATE, "no initial response for this mechanism");
	}
	if (scram)
		FZ_CHECK(steps[0].rlen == hl + 9 + 24 && memcmp(steps[0].resp, hdr, hl) == 0 &&
		         memcmp(steps[0].resp + hl, "n=user,r=", 9) == 0 &&
		         memcmp(steps[0].resp + hl + 9, NONCE, 24) == 0,
		         "client-first message: gs2 header, user, nonce");

	while (p < end && nsteps < MAX_STEPS) {
		step_rec *st = &steps[nsteps];
		lf = memchr(p, '\n', (size_t)(end - p));
		st->chal = p;
		st->clen = lf ? (size_t)(lf - p) : (size_t)(end - p);
		p = lf ? lf + 1 : end;
		cap = tiny ? 1 : RESP_CAP;
		r = step(&s, st->chal, st->clen, st->resp, cap, &st->rlen);
		if (r == LM_ERR_BUFFER_TOO_SMALL && tiny)
			r = step(&s, st->chal, st->clen, st->resp, RESP_CAP,
			                 &st->rlen);
		if (r != 0) {
			FZ_CHECK(r == LM_ERR_SASL || r == LM_ERR_BAD_STATE,
			         "step error is LM_ERR_SASL");
			if (r != LM_ERR_SASL)
				break;
			failed = 1;
			FZ_CHECK(step(&s, st->chal, st->clen, st->resp, RESP_CAP,
			                      &outlen) != 0, "a failed step is sticky");
			FZ_CHECK(step(&s, (const unsigned char *)"v=", 2, st->resp,
			                      RESP_CAP, &outlen) != 0,
			         "a failed step is sticky");
			break;
		}
		FZ_CHECK(st->rlen <= RESP_CAP, "response within cap");
		nsteps++;
	}

	/* What was sent. */
	{
		size_t i;
		/* (SCRAM echoes the server nonce, which may hold anything.) */
		for (i = 0; i < nsteps; i++)
			if ((scram || mech == LM_SASL_CRAM_MD5) &&
			    find(data, size, "pencil") == NULL)
				FZ_CHECK(find(steps[i].resp, steps[i].rlen, "pencil") == NULL,
				         "password never sent in clear");
	}

	fin = lm_sasl_finish(&s);
	fz_sasl_bounds(&s);
	if (getenv("FZ_VERBOSE"))
		fprintf(stderr, "%s: %zu steps, finish %d\n", lm_sasl_mech_name(mech),
		        nsteps, fin);
	if (failed)
		FZ_CHECK(fin != 0, "finish fails after a failed step");
	if (fin == 0) {
		if (scram) {
			FZ_CHECK(nsteps >= 3, "SCRAM finished after three messages");
			FZ_CHECK(scram_check(mech == LM_SASL_SCRAM_SHA_1 ? MBEDTLS_MD_SHA1
			                                                : MBEDTLS_MD_SHA256,
			                     hdr),
			         "finish == 0 only with a verified server signature");
		} else if (mech == LM_SASL_CRAM_MD5) {
			unsigned char mac[16];
			char want[5 + 33];
			FZ_CHECK(nsteps >= 1 && steps[0].chal != NULL, "CRAM-MD5 answered");
			mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_MD5),
			                (const unsigned char *)"pencil", 6, steps[0].chal,
			                steps[0].clen, mac);
			memcpy(want, "user ", 5);
			hex(mac, 16, want + 5);
			FZ_CHECK(steps[0].rlen == 37 && memcmp(steps[0].resp, want, 37) == 0,
			         "CRAM-MD5 response is user + HMAC-MD5 hex");
		} else if (mech == LM_SASL_LOGIN) {
			FZ_CHECK(nsteps >= 2 && steps[0].rlen == 4 &&
			         memcmp(steps[0].resp, "user", 4) == 0 && steps[1].rlen == 6 &&
			         memcmp(steps[1].resp, "pencil", 6) == 0,
			         "LOGIN sent user then password");
		} else {
			FZ_CHECK(nsteps >= 1, "initial message sent");
		}
	}
	lm_sasl_free(&s);
	FZ_CHECK(lm_sasl_finish(&s) != 0, "finish fails after free");
	return 0;
}
