/*
 * Unit tests of lib/sasl: byte-exact client messages from the RFC and
 * vendor examples, hostile server messages, mechanism choice.
 *
 * Sources of the expected values:
 *   SCRAM-SHA-1    RFC 5802 section 5 (user "user", password "pencil")
 *   SCRAM-SHA-256  RFC 7677 section 3
 *   CRAM-MD5       RFC 2195 section 2 (tim / tanstaaftanstaaf)
 *   PLAIN          RFC 4616 section 4 examples, worked out by hand
 *   XOAUTH2        Google "OAuth 2.0 Mechanism" page (base64 given there)
 *   OAUTHBEARER    RFC 7628 section 4.1 (base64 given there)
 * All SCRAM values were also re-derived with python3 hashlib/hmac.
 * Every server challenge is passed from a guard-page buffer.
 */
/* MAP_ANONYMOUS (used by test.h) is not in POSIX 2008: ask glibc for it. */
#define _DEFAULT_SOURCE 1
#include <string.h>

#include "libmail/core.h"
#include "libmail/sasl.h"
#include "sasl/sasl_int.h"
#include "test.h"

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

/* rng that hands out the bytes of a string (ud), then fails if asked
 * for more than it has. */
static int
fixed_rng(void *ud, unsigned char *buf, size_t n)
{
	const char *s = (const char *)ud;

	if (strlen(s) < n)
		return -1;
	memcpy(buf, s, n);
	return 0;
}

static int
failing_rng(void *ud, unsigned char *buf, size_t n)
{
	(void)ud;
	(void)buf;
	(void)n;
	return -5;
}

/* rng giving 0x00, 0x01, ...: none of them is a printable nonce byte. */
static int
counting_rng(void *ud, unsigned char *buf, size_t n)
{
	size_t i;

	(void)ud;
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)i;
	return 0;
}

/* One step with the challenge in a guard-page buffer. */
static int
step_g(lm_sasl *s, const void *chal, size_t n, unsigned char *out, size_t cap,
       size_t *outlen)
{
	unsigned char *g = lm_test_guarded(chal, n);
	int rc = lm_sasl_step(s, g, n, out, cap, outlen);

	lm_test_unguard(g, n);
	return rc;
}

static int
step_s(lm_sasl *s, const char *chal, unsigned char *out, size_t cap, size_t *outlen)
{
	return step_g(s, chal, strlen(chal), out, cap, outlen);
}

static lm_sasl_creds
pw_creds(const char *user, const char *pw)
{
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;

	cr.user = user;
	cr.password = pw;
	return cr;
}

/* ------------------------------------------------------------------ */
/* SCRAM known answers                                                 */
/* ------------------------------------------------------------------ */

#define R5802_CNONCE "fyko+d2lbbFgONRv9qkxdawL"
#define R5802_SFIRST "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
#define R5802_CFINAL "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
#define R5802_SFINAL "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="
/* i=1 variant of the RFC 5802 exchange (python3 hashlib/hmac) */
#define SCRAM_I1_CFINAL "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfc,p=rtdyE8bamYWaSasGka7IVZR7k50="
#define SCRAM_I1_SFINAL "v=uGUelM+RZHLQehIERKh2b0ItQHQ="

/* Init SCRAM-SHA-1 with the RFC 5802 nonce and send client-first. */
static void
scram1_start(lm_sasl *s, lm_sasl_creds *cr)
{
	unsigned char out[256];
	size_t n = 99;

	*cr = pw_creds("user", "pencil");
	cr->rng = fixed_rng;
	cr->rng_ud = (void *)R5802_CNONCE;
	LM_CHECK_EQ(lm_sasl_init(s, LM_SASL_SCRAM_SHA_1, cr), 0);
	LM_CHECK_EQ(lm_sasl_has_initial(s), 1);
	LM_CHECK_EQ(lm_sasl_step(s, NULL, 0, out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, "n,,n=user,r=" R5802_CNONCE);
}

static void
t_scram_sha1_rfc5802(void)
{
	lm_sasl s;
	lm_sasl_creds cr;
	unsigned char out[256];
	size_t n = 99;

	scram1_start(&s, &cr);
	LM_CHECK_EQ(lm_sasl_finish(&s) == 0, 0);
	scram1_start(&s, &cr);
	LM_CHECK_EQ(step_s(&s, R5802_SFIRST, out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, R5802_CFINAL);
	n = 99;
	LM_CHECK_EQ(step_s(&s, R5802_SFINAL, out, sizeof out, &n), 0);
	LM_CHECK_EQ(n, 0);
	LM_CHECK_EQ(lm_sasl_finish(&s), 0);
	/* nothing may follow the server-final message */
	LM_CHECK_EQ(step_s(&s, "v=x", out, sizeof out, &n), LM_ERR_SASL);
	LM_CHECK(lm_sasl_finish(&s) != 0);
	lm_sasl_free(&s);
}

static void
t_scram_sha256_rfc7677(void)
{
	lm_sasl s;
	lm_sasl_creds cr = pw_creds("user", "pencil");
	unsigned char out[256];
	size_t n = 0;

	cr.rng = counting_rng;
	LM_CHECK_EQ(lm_sasl__init_nonce(&s, LM_SASL_SCRAM_SHA_256, &cr,
	                                "rOprNGfwEbeRWgbNEkqO", 20), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
	LM_CHECK_EQ(step_s(&s, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	                   "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	              "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
	LM_CHECK_EQ(step_s(&s, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
	                   out, sizeof out, &n), 0);
	LM_CHECK_EQ(n, 0);
	LM_CHECK_EQ(lm_sasl_finish(&s), 0);
	lm_sasl_free(&s);
}

/* An empty challenge instead of an initial response starts SCRAM too;
 * a short output buffer changes nothing and the retry succeeds. */
static void
t_scram_empty_challenge_and_short_buffer(void)
{
	lm_sasl s;
	lm_sasl_creds cr = pw_creds("user", "pencil");
	unsigned char out[256];
	size_t n = 7;

	cr.rng = fixed_rng;
	cr.rng_ud = (void *)R5802_CNONCE;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_1, &cr), 0);
	LM_CHECK_EQ(step_s(&s, "", out, 10, &n), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(n, 0);
	LM_CHECK_EQ(step_s(&s, "", out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, "n,,n=user,r=" R5802_CNONCE);
	LM_CHECK_EQ(step_s(&s, R5802_SFIRST, out, strlen(R5802_CFINAL) - 1, &n),
	            LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(step_s(&s, R5802_SFIRST, out, strlen(R5802_CFINAL), &n), 0);
	LM_CHECK_STRN(out, n, R5802_CFINAL);
	LM_CHECK_EQ(step_s(&s, R5802_SFINAL, out, 0, &n), 0);
	LM_CHECK_EQ(lm_sasl_finish(&s), 0);
	lm_sasl_free(&s);
}

/* saslname escaping and the authzid in the gs2 header (c= is the base64
 * of the header: "n,a=ad=2Cmin,"  ->  "bixhPWFkPTJDbWluLA==", by hand). */
static void
t_scram_escaping_authzid(void)
{
	lm_sasl s;
	lm_sasl_creds cr = pw_creds("u=s,er", "pencil");
	unsigned char out[256];
	size_t n = 0;

	cr.authzid = "ad,min";
	cr.rng = fixed_rng;
	cr.rng_ud = (void *)R5802_CNONCE;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_1, &cr), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, "n,a=ad=2Cmin,n=u=3Ds=2Cer,r=" R5802_CNONCE);
	LM_CHECK_EQ(step_s(&s, R5802_SFIRST, out, sizeof out, &n), 0);
	LM_CHECK(n > 60);
	LM_CHECK_MEM(out, "c=bixhPWFkPTJDbWluLA==,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=", 69);
	lm_sasl_free(&s);
}

/* A SCRAM authzid is accepted up to 250 bytes once escaped (sasl.h),
 * and its gs2 header is then whole. 251 and 252 escaped bytes were
 * accepted, and at 252 the header "n,a=" authzid "," (257 bytes) no
 * longer fit the 256 bytes built: the "," went missing. */
static void
t_scram_authzid_limit(void)
{
	static const size_t lens[] = { 250, 251, 252 };
	char az[260], want[300];
	lm_sasl s;
	lm_sasl_creds cr = pw_creds("user", "pencil");
	unsigned char out[512];
	size_t i, n = 0;

	cr.rng = fixed_rng;
	cr.rng_ud = (void *)R5802_CNONCE;
	cr.authzid = az;
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		/* "=" escapes to 3 bytes: 248 bytes + "=" = lens[i] escaped */
		memset(az, 'x', lens[i] - 3);
		az[lens[i] - 3] = '=';
		az[lens[i] - 2] = '\0';
		if (lens[i] > 250) {
			LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_256, &cr),
			            LM_ERR_BAD_PARAM);
			continue;
		}
		LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_256, &cr), 0);
		LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), 0);
		snprintf(want, sizeof want, "n,a=%.*s=3D,n=user,r=" R5802_CNONCE,
		         (int)(lens[i] - 3), az);
		LM_CHECK_STRN(out, n, want);
		lm_sasl_free(&s);
	}
	/* the same without escaping: 250 plain bytes, then 251 */
	memset(az, 'y', 251);
	az[250] = '\0';
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_1, &cr), 0);
	lm_sasl_free(&s);
	az[250] = 'y';
	az[251] = '\0';
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_1, &cr), LM_ERR_BAD_PARAM);
}

/* Trailing extensions in server-first are ignored (RFC 5802 7). */
static void
t_scram_extension_ignored(void)
{
	lm_sasl s;
	lm_sasl_creds cr;
	unsigned char out[256];
	size_t n = 0;

	scram1_start(&s, &cr);
	LM_CHECK_EQ(step_s(&s, R5802_SFIRST ",x=ext,y=1", out, sizeof out, &n), 0);
	LM_CHECK_MEM(out, "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=", 53);
	/* the proof differs: the extension is part of AuthMessage */
	LM_CHECK(memcmp(out, R5802_CFINAL, strlen(R5802_CFINAL)) != 0);
	/* the RFC's server signature does not match that AuthMessage */
	LM_CHECK_EQ(step_s(&s, R5802_SFINAL, out, sizeof out, &n), LM_ERR_SASL);
	LM_CHECK(lm_sasl_finish(&s) != 0);
	lm_sasl_free(&s);
}

/* The smallest iteration count is 1 (RFC 5802: posit-number). The proof
 * was computed with python3 hashlib.pbkdf2_hmac('sha1', ..., 1) and hmac. */
static void
t_scram_one_iteration(void)
{
	lm_sasl s;
	lm_sasl_creds cr;
	unsigned char out[256];
	size_t n = 0;

	scram1_start(&s, &cr);
	LM_CHECK_EQ(step_s(&s, "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=1",
	                   out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, SCRAM_I1_CFINAL);
	LM_CHECK_EQ(step_s(&s, SCRAM_I1_SFINAL, out, sizeof out, &n), 0);
	LM_CHECK_EQ(lm_sasl_finish(&s), 0);
	lm_sasl_free(&s);
}

static void
t_scram_nonce_from_rng(void)
{
	lm_sasl s;
	lm_sasl_creds cr = pw_creds("user", "pencil");
	unsigned char out[256];
	size_t n = 0, i;

	cr.rng = counting_rng;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_256, &cr), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), 0);
	LM_CHECK_EQ(n, strlen("n,,n=user,r=") + LM_SASL_SCRAM_NONCE_LEN);
	LM_CHECK_MEM(out, "n,,n=user,r=", 12);
	/* bytes 0..23 are mapped to the base64 alphabet: "ABC...X" */
	LM_CHECK_MEM(out + 12, "ABCDEFGHIJKLMNOPQRSTUVWX", 24);
	for (i = 12; i < n; i++)
		LM_CHECK(out[i] > 0x20 && out[i] < 0x7f && out[i] != ',');
	lm_sasl_free(&s);

	cr.rng = failing_rng;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_256, &cr), LM_ERR_CALLBACK);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), LM_ERR_BAD_STATE);
	cr.rng = NULL;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_256, &cr), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_SCRAM_SHA_1, &cr), LM_ERR_BAD_PARAM);
	lm_sasl_free(&s);
}

/* ------------------------------------------------------------------ */
/* SCRAM against hostile servers                                       */
/* ------------------------------------------------------------------ */

static void
expect_dead(lm_sasl *s)
{
	unsigned char out[256];
	size_t n = 0;

	LM_CHECK(lm_sasl_finish(s) != 0);
	LM_CHECK_EQ(step_s(s, R5802_SFINAL, out, sizeof out, &n), LM_ERR_SASL);
	LM_CHECK_EQ(step_s(s, R5802_SFIRST, out, sizeof out, &n), LM_ERR_SASL);
	LM_CHECK(lm_sasl_finish(s) != 0);
}

/* Each bad server-first message gives LM_ERR_SASL, and the exchange is
 * dead afterwards. */
static void
t_scram_bad_server_first(void)
{
	static const char *const bad[] = {
		/* foreign nonce */
		"r=AAAA+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
		"r=3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
		/* our nonce, not extended; and a prefix of it */
		"r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096",
		"r=fyko+d2lbbFgONRv9qkxdaw,s=QSXCR+Q6sek8bf92,i=4096",
		/* iteration count out of range or malformed */
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=0",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=99999999999999999999",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=18446744073709551617",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=1000001",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=04096",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=-1",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096x",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i= 4096",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92",
		/* missing or bad salt */
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,i=4096",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=,i=4096",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf9,i=4096",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSX!R+Q6sek8bf92,i=4096",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6 sek8bf92,i=4096",
		/* mandatory extension, wrong order, duplicates, junk */
		"m=foo,r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096",
		"s=QSXCR+Q6sek8bf92,r=fyko+d2lbbFgONRv9qkxdawL3rfc,i=4096",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,i=4096,s=QSXCR+Q6sek8bf92",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096,",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096,x=",
		"r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096,=x",
		" r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096",
		"R=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096",
		/* server-final before server-first; error; empty */
		R5802_SFINAL,
		"e=other-error",
		"",
	};
	lm_sasl s;
	lm_sasl_creds cr;
	unsigned char out[256];
	size_t i, n;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		scram1_start(&s, &cr);
		LM_CHECK_EQ(lm_sasl_get_mech(&s), LM_SASL_SCRAM_SHA_1);
		n = 77;
		if (step_s(&s, bad[i], out, sizeof out, &n) != LM_ERR_SASL) {
			printf("  accepted: %s\n", bad[i]);
			LM_CHECK(0);
		}
		LM_CHECK_EQ(n, 0);
		expect_dead(&s);
		lm_sasl_free(&s);
	}
}

/* NUL bytes and non-printable bytes in the server nonce. */
static void
t_scram_binary_server_first(void)
{
	static const char nul[] =
		"r=fyko+d2lbbFgONRv9qkxdawL3r\0c,s=QSXCR+Q6sek8bf92,i=4096";
	static const char ctl[] =
		"r=fyko+d2lbbFgONRv9qkxdawL3r\x7f" "c,s=QSXCR+Q6sek8bf92,i=4096";
	static const char hi[] =
		"r=fyko+d2lbbFgONRv9qkxdawL3r\xc3\xa9,s=QSXCR+Q6sek8bf92,i=4096";
	lm_sasl s;
	lm_sasl_creds cr;
	unsigned char out[256];
	size_t n;

	scram1_start(&s, &cr);
	LM_CHECK_EQ(step_g(&s, nul, sizeof nul - 1, out, sizeof out, &n), LM_ERR_SASL);
	expect_dead(&s);
	scram1_start(&s, &cr);
	LM_CHECK_EQ(step_g(&s, ctl, sizeof ctl - 1, out, sizeof out, &n), LM_ERR_SASL);
	expect_dead(&s);
	scram1_start(&s, &cr);
	LM_CHECK_EQ(step_g(&s, hi, sizeof hi - 1, out, sizeof out, &n), LM_ERR_SASL);
	expect_dead(&s);
	lm_sasl_free(&s);
}

/* After a correct server-first, each bad server-final gives LM_ERR_SASL
 * and lm_sasl_finish() never succeeds. */
static void
t_scram_bad_server_final(void)
{
	static const char *const bad[] = {
		"v=rmF9pqV8S7suAoZWja4dJRkFsKM=",      /* last byte changed  */
		"v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=",      /* wrong signature    */
		"v=rmF9pqV8S7suAoZWja4dJRkF",          /* truncated          */
		"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=AAAA",  /* too long           */
		"v=",
		"v=rmF9pqV8S7suAoZWja4dJRkFsKQ",       /* no padding         */
		"e=invalid-proof",
		"e=invalid-proof,v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
		"x=1,v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
		"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=,",
		R5802_SFIRST,                           /* server-first again */
		"",
	};
	lm_sasl s;
	lm_sasl_creds cr;
	unsigned char out[256];
	size_t i, n;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		scram1_start(&s, &cr);
		LM_CHECK_EQ(step_s(&s, R5802_SFIRST, out, sizeof out, &n), 0);
		if (step_s(&s, bad[i], out, sizeof out, &n) != LM_ERR_SASL) {
			printf("  accepted: %s\n", bad[i]);
			LM_CHECK(0);
		}
		expect_dead(&s);
		lm_sasl_free(&s);
	}
	/* The server says "success" without the server-final message. */
	scram1_start(&s, &cr);
	LM_CHECK_EQ(step_s(&s, R5802_SFIRST, out, sizeof out, &n), 0);
	LM_CHECK_EQ(lm_sasl_finish(&s), LM_ERR_SASL);
	expect_dead(&s);
	lm_sasl_free(&s);
}

static void
t_scram_oversized_challenge(void)
{
	static char big[LM_SASL_CHALLENGE_MAX + 1];
	lm_sasl s;
	lm_sasl_creds cr;
	unsigned char out[256];
	size_t n;

	/* a well-formed server-first with a huge extension */
	memset(big, 'a', sizeof big);
	memcpy(big, R5802_SFIRST ",x=", strlen(R5802_SFIRST) + 3);
	scram1_start(&s, &cr);
	LM_CHECK_EQ(step_g(&s, big, sizeof big, out, sizeof out, &n), LM_ERR_SASL);
	expect_dead(&s);
	/* one byte less is accepted */
	scram1_start(&s, &cr);
	LM_CHECK_EQ(step_g(&s, big, sizeof big - 1, out, sizeof out, &n), 0);
	lm_sasl_free(&s);
}

/* Random byte mutations of the RFC 5802 server-first message: each is
 * either refused, or accepted with a well-formed client-final; and the
 * RFC's server signature then verifies only for the unmutated message. */
static void
t_scram_mutated_server_first(void)
{
	static const char orig[] = R5802_SFIRST;
	char msg[sizeof orig];
	unsigned long x = 88172645463325252UL & 0xffffffffUL;
	lm_sasl s;
	lm_sasl_creds cr;
	unsigned char out[256];
	size_t n, len;
	int i, k, rc, accepted = 0, refused = 0;

	for (i = 0; i < 400; i++) {
		memcpy(msg, orig, sizeof orig);
		len = sizeof orig - 1;
		for (k = 0; k < 1 + i % 3; k++) {
			x ^= x << 13; x &= 0xffffffffUL;
			x ^= x >> 17;
			x ^= x << 5; x &= 0xffffffffUL;
			if (x % 5 == 0)
				len = x % (sizeof orig - 1);             /* truncate */
			else if (len > 0)
				msg[(x >> 8) % len] = (char)(x >> 16);  /* replace */
		}
		scram1_start(&s, &cr);
		rc = step_g(&s, msg, len, out, sizeof out, &n);
		if (rc == 0) {
			accepted++;
			LM_CHECK(n > 9 && memcmp(out, "c=biws,r=", 9) == 0);
			rc = step_s(&s, R5802_SFINAL, out, sizeof out, &n);
			if (len == sizeof orig - 1 && memcmp(msg, orig, len) == 0) {
				LM_CHECK_EQ(rc, 0);
				LM_CHECK_EQ(lm_sasl_finish(&s), 0);
			} else {
				LM_CHECK_EQ(rc, LM_ERR_SASL);
				LM_CHECK(lm_sasl_finish(&s) != 0);
			}
		} else {
			refused++;
			LM_CHECK_EQ(rc, LM_ERR_SASL);
			expect_dead(&s);
		}
		lm_sasl_free(&s);
	}
	LM_CHECK(refused > 100);
	printf("  %d accepted, %d refused\n", accepted, refused);
}

/* ------------------------------------------------------------------ */
/* Other mechanisms                                                    */
/* ------------------------------------------------------------------ */

static void
t_plain_rfc4616(void)
{
	lm_sasl s;
	lm_sasl_creds cr = pw_creds("Kurt", "xipj3plmq");
	unsigned char out[64];
	size_t n = 0;

	cr.authzid = "Ursel";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);
	LM_CHECK_EQ(lm_sasl_has_initial(&s), 1);
	LM_CHECK_EQ(lm_sasl_finish(&s) == 0, 0);
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), 0);
	LM_CHECK_EQ(n, 20);
	LM_CHECK_MEM(out, "Ursel\0Kurt\0xipj3plmq", 20);
	LM_CHECK_EQ(lm_sasl_finish(&s), 0);
	lm_sasl_free(&s);

	/* no authzid; started by an empty challenge; short buffer */
	cr = pw_creds("tim", "tanstaaftanstaaf");
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);
	LM_CHECK_EQ(step_s(&s, "", out, 20, &n), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(step_s(&s, "", out, 21, &n), 0);
	LM_CHECK_EQ(n, 21);
	LM_CHECK_MEM(out, "\0tim\0tanstaaftanstaaf", 21);
	/* PLAIN has no second message */
	LM_CHECK_EQ(step_s(&s, "more?", out, sizeof out, &n), LM_ERR_SASL);
	LM_CHECK(lm_sasl_finish(&s) != 0);
	/* a non-empty first challenge is not PLAIN */
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);
	LM_CHECK_EQ(step_s(&s, "x", out, sizeof out, &n), LM_ERR_SASL);
	lm_sasl_free(&s);
}

static void
t_login(void)
{
	lm_sasl s;
	lm_sasl_creds cr = pw_creds("tim", "tanstaaf");
	unsigned char out[64];
	size_t n = 0;

	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_LOGIN, &cr), 0);
	LM_CHECK_EQ(lm_sasl_get_mech(&s), LM_SASL_LOGIN);
	LM_CHECK_EQ(lm_sasl_has_initial(&s), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(step_s(&s, "Username:", out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, "tim");
	LM_CHECK(lm_sasl_finish(&s) != 0); /* password not sent yet */

	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_LOGIN, &cr), 0);
	LM_CHECK_EQ(step_s(&s, "Username:", out, sizeof out, &n), 0);
	LM_CHECK_EQ(step_s(&s, "Password:", out, 3, &n), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(step_s(&s, "Password:", out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, "tanstaaf");
	LM_CHECK_EQ(lm_sasl_finish(&s), 0);
	LM_CHECK_EQ(step_s(&s, "Password:", out, sizeof out, &n), LM_ERR_SASL);
	LM_CHECK(lm_sasl_finish(&s) != 0);

	/* asked for the user name twice: never answer with the password */
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_LOGIN, &cr), 0);
	LM_CHECK_EQ(step_s(&s, "Username:", out, sizeof out, &n), 0);
	LM_CHECK_EQ(step_s(&s, "username:", out, sizeof out, &n), LM_ERR_SASL);
	LM_CHECK(lm_sasl_finish(&s) != 0);
	/* LOGIN cannot carry an authzid */
	cr.authzid = "other";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_LOGIN, &cr), LM_ERR_BAD_PARAM);
	lm_sasl_free(&s);
}

static void
t_cram_md5_rfc2195(void)
{
	static const char chal[] = "<1896.697170952@postoffice.reston.mci.net>";
	lm_sasl s;
	lm_sasl_creds cr = pw_creds("tim", "tanstaaftanstaaf");
	unsigned char out[64];
	size_t n = 0;

	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_CRAM_MD5, &cr), 0);
	LM_CHECK_EQ(lm_sasl_has_initial(&s), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(step_s(&s, chal, out, 35, &n), LM_ERR_BUFFER_TOO_SMALL);
	LM_CHECK_EQ(step_s(&s, chal, out, 36, &n), 0);
	LM_CHECK_STRN(out, n, "tim b913a602c7eda7a495b4e6e7334d3890");
	LM_CHECK_EQ(lm_sasl_finish(&s), 0);
	LM_CHECK_EQ(step_s(&s, chal, out, sizeof out, &n), LM_ERR_SASL);
	/* an empty challenge is not a CRAM-MD5 challenge */
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_CRAM_MD5, &cr), 0);
	LM_CHECK_EQ(step_s(&s, "", out, sizeof out, &n), LM_ERR_SASL);
	LM_CHECK(lm_sasl_finish(&s) != 0);
	lm_sasl_free(&s);
}

/* Our message, base64-encoded, must equal the vendor's example. */
static void
check_b64(const unsigned char *raw, size_t n, const char *b64)
{
	char enc[512];
	size_t en = 0;

	LM_CHECK_EQ(lm_b64_encode(raw, n, enc, sizeof enc, &en), 0);
	LM_CHECK_STRN(enc, en, b64);
}

static void
t_xoauth2_google(void)
{
	static const char exp[] = "user=someuser@example.com\001auth=Bearer "
	                          "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\001\001";
	lm_sasl s;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	unsigned char out[256];
	size_t n = 0;

	cr.user = "someuser@example.com";
	cr.token = "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_XOAUTH2, &cr), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, exp);
	check_b64(out, n, "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
	LM_CHECK_EQ(lm_sasl_finish(&s), 0);

	/* error JSON challenge: empty reply, and the exchange has failed */
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_XOAUTH2, &cr), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), 0);
	n = 5;
	LM_CHECK_EQ(step_s(&s, "{\"status\":\"401\",\"schemes\":\"Bearer\",\"scope\":"
	                   "\"https://mail.google.com/\"}", out, sizeof out, &n), 0);
	LM_CHECK_EQ(n, 0);
	LM_CHECK(lm_sasl_finish(&s) != 0);
	LM_CHECK_EQ(step_s(&s, "{}", out, sizeof out, &n), LM_ERR_SASL);

	/* bad creds */
	cr.token = "ya29 x";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_XOAUTH2, &cr), LM_ERR_BAD_PARAM);
	cr.token = "ya29\001x";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_XOAUTH2, &cr), LM_ERR_BAD_PARAM);
	cr.token = "ya29";
	cr.user = "a\001b";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_XOAUTH2, &cr), LM_ERR_BAD_PARAM);
	cr.user = NULL;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_XOAUTH2, &cr), LM_ERR_BAD_PARAM);
	lm_sasl_free(&s);
}

static void
t_oauthbearer_rfc7628(void)
{
	static const char exp[] = "n,a=user@example.com,\001host=server.example.com"
	                          "\001port=143\001auth=Bearer "
	                          "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\001\001";
	static const char err[] = "{\"status\":\"invalid_token\",\"scope\":\"example_scope\","
	                          "\"openid-configuration\":\"https://example.com/."
	                          "well-known/openid-configuration\"}";
	lm_sasl s;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	unsigned char out[256];
	size_t n = 0;

	cr.user = "user@example.com";
	cr.token = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==";
	cr.host = "server.example.com";
	cr.port = 143;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_OAUTHBEARER, &cr), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, exp);
	check_b64(out, n, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
	LM_CHECK_EQ(lm_sasl_finish(&s), 0);

	/* error challenge (RFC 7628 3.2.2): reply a single %x01 */
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_OAUTHBEARER, &cr), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), 0);
	LM_CHECK_EQ(step_s(&s, err, out, sizeof out, &n), 0);
	LM_CHECK_EQ(n, 1);
	LM_CHECK_EQ(out[0], 1);
	LM_CHECK(lm_sasl_finish(&s) != 0);

	/* no host, no port, user with ',' and '=' escaped; 65535 is a port */
	cr.user = "a,b=c";
	cr.host = NULL;
	cr.port = 0;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_OAUTHBEARER, &cr), 0);
	LM_CHECK_EQ(step_s(&s, "", out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, "n,a=a=2Cb=3Dc,\001auth=Bearer "
	              "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\001\001");
	cr.user = NULL;
	cr.port = 65535;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_OAUTHBEARER, &cr), 0);
	LM_CHECK_EQ(step_s(&s, "", out, sizeof out, &n), 0);
	LM_CHECK_STRN(out, n, "n,,\001port=65535\001auth=Bearer "
	              "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\001\001");
	cr.port = 65536;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_OAUTHBEARER, &cr), LM_ERR_BAD_PARAM);
	cr.port = 0;
	cr.host = "evil\001auth=Bearer x";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_OAUTHBEARER, &cr), LM_ERR_BAD_PARAM);
	lm_sasl_free(&s);
}

/* Every mechanism refuses a challenge longer than LM_SASL_CHALLENGE_MAX
 * and accepts one of exactly that size where a challenge is expected. */
static void
t_oversized_all(void)
{
	static unsigned char big[LM_SASL_CHALLENGE_MAX + 1];
	lm_sasl s;
	lm_sasl_creds cr = pw_creds("tim", "tanstaaf");
	unsigned char out[256];
	size_t n;

	memset(big, 'P', sizeof big);
	cr.token = "tok";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_LOGIN, &cr), 0);
	LM_CHECK_EQ(step_g(&s, big, sizeof big, out, sizeof out, &n), LM_ERR_SASL);
	LM_CHECK(lm_sasl_finish(&s) != 0);
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_CRAM_MD5, &cr), 0);
	LM_CHECK_EQ(step_g(&s, big, sizeof big - 1, out, sizeof out, &n), 0);
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_CRAM_MD5, &cr), 0);
	LM_CHECK_EQ(step_g(&s, big, sizeof big, out, sizeof out, &n), LM_ERR_SASL);
	LM_CHECK(lm_sasl_finish(&s) != 0);
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_XOAUTH2, &cr), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), 0);
	LM_CHECK_EQ(step_g(&s, big, sizeof big, out, sizeof out, &n), LM_ERR_SASL);
	LM_CHECK(lm_sasl_finish(&s) != 0);
	lm_sasl_free(&s);
}

static void
t_init_params(void)
{
	lm_sasl s;
	lm_sasl_creds cr = pw_creds("tim", "pw");
	unsigned char out[64];
	size_t n;
	size_t i;
	const unsigned char *b;

	LM_CHECK_EQ(lm_sasl_init(NULL, LM_SASL_PLAIN, &cr), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_NONE, &cr), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_sasl_init(&s, (lm_sasl_mech)(LM_SASL_PLAIN | LM_SASL_LOGIN), &cr),
	            LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_sasl_init(&s, (lm_sasl_mech)(1 << 7), &cr), LM_ERR_BAD_PARAM);
	cr.version = 2;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), LM_ERR_BAD_PARAM);
	cr.version = LM_SASL_CREDS_VERSION;
	cr.user = "ti\r\nm";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), LM_ERR_BAD_PARAM);
	cr.user = "";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), LM_ERR_BAD_PARAM);
	cr.user = "tim";
	cr.password = NULL;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), LM_ERR_BAD_PARAM);
	cr.password = "pw";
	cr.authzid = "a\nb";
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), LM_ERR_BAD_PARAM);
	cr.authzid = NULL;
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_OAUTHBEARER, &cr), LM_ERR_BAD_PARAM);
	/* a failed init leaves a context that refuses to step */
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), LM_ERR_BAD_STATE);
	LM_CHECK(lm_sasl_finish(&s) != 0);
	/* misuse of step */
	LM_CHECK_EQ(lm_sasl_init(&s, LM_SASL_PLAIN, &cr), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, NULL), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 3, out, sizeof out, &n), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), 0);
	LM_CHECK_EQ(lm_sasl_step(&s, NULL, 0, out, sizeof out, &n), LM_ERR_BAD_STATE);
	/* free zeroizes the whole context, is idempotent and NULL-safe */
	lm_sasl_free(&s);
	b = (const unsigned char *)&s;
	for (i = 0; i < sizeof s; i++)
		LM_CHECK_EQ(b[i], 0);
	lm_sasl_free(&s);
	lm_sasl_free(NULL);
	LM_CHECK_EQ(lm_sasl_has_initial(&s), 0);
	LM_CHECK_EQ(lm_sasl_get_mech(&s), LM_SASL_NONE);
	LM_CHECK_EQ(lm_sasl_get_mech(NULL), LM_SASL_NONE);
}

/* ------------------------------------------------------------------ */
/* Names and choice                                                    */
/* ------------------------------------------------------------------ */

static void
t_names(void)
{
	LM_CHECK(strcmp(lm_sasl_mech_name(LM_SASL_SCRAM_SHA_256), "SCRAM-SHA-256") == 0);
	LM_CHECK(strcmp(lm_sasl_mech_name(LM_SASL_CRAM_MD5), "CRAM-MD5") == 0);
	LM_CHECK(lm_sasl_mech_name(LM_SASL_NONE) == NULL);
	LM_CHECK(lm_sasl_mech_name((lm_sasl_mech)(LM_SASL_PLAIN | LM_SASL_LOGIN)) == NULL);
	LM_CHECK_EQ(lm_sasl_mech_from_name("scram-sha-1", 11), LM_SASL_SCRAM_SHA_1);
	LM_CHECK_EQ(lm_sasl_mech_from_name("XOAuth2", 7), LM_SASL_XOAUTH2);
	LM_CHECK_EQ(lm_sasl_mech_from_name("PLAINX", 6), LM_SASL_NONE);
	LM_CHECK_EQ(lm_sasl_mech_from_name("PLAINX", 5), LM_SASL_PLAIN);
	LM_CHECK_EQ(lm_sasl_mech_from_name("PLAI", 4), LM_SASL_NONE);
	LM_CHECK_EQ(lm_sasl_mech_from_name("SCRAM-SHA-256-PLUS", 18), LM_SASL_NONE);
	LM_CHECK_EQ(lm_sasl_mech_from_name(NULL, 0), LM_SASL_NONE);
	LM_CHECK_EQ(lm_sasl_mech_is_plaintext(LM_SASL_PLAIN), 1);
	LM_CHECK_EQ(lm_sasl_mech_is_plaintext(LM_SASL_LOGIN), 1);
	LM_CHECK_EQ(lm_sasl_mech_is_plaintext(LM_SASL_SCRAM_SHA_1), 0);
	LM_CHECK_EQ(lm_sasl_mech_is_plaintext(LM_SASL_CRAM_MD5), 0);
	LM_CHECK((LM_SASL_DEFAULT_ALLOWED & LM_SASL_CRAM_MD5) == 0);
	LM_CHECK((LM_SASL_DEFAULT_ALLOWED & LM_SASL_SCRAM_SHA_256) != 0);
}

static lm_sasl_mech
choose(const char *offered, unsigned allowed, const lm_sasl_creds *cr)
{
	return lm_sasl_choose(offered, strlen(offered), allowed, cr);
}

static void
t_choose(void)
{
	lm_sasl_creds pw = pw_creds("u", "p");
	lm_sasl_creds tok = LM_SASL_CREDS_INIT;
	const char *all = "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER";
	const unsigned def = LM_SASL_DEFAULT_ALLOWED;

	pw.rng = counting_rng;
	tok.user = "u";
	tok.token = "t";

	LM_CHECK_EQ(choose(all, def, &pw), LM_SASL_SCRAM_SHA_256);
	LM_CHECK_EQ(choose("plain scram-sha-1 login", def, &pw), LM_SASL_SCRAM_SHA_1);
	LM_CHECK_EQ(choose("LOGIN PLAIN", def, &pw), LM_SASL_PLAIN);
	LM_CHECK_EQ(choose("LOGIN", def, &pw), LM_SASL_LOGIN);
	/* CRAM-MD5 only when allowed */
	LM_CHECK_EQ(choose("PLAIN CRAM-MD5", def, &pw), LM_SASL_PLAIN);
	LM_CHECK_EQ(choose("PLAIN CRAM-MD5", def | LM_SASL_CRAM_MD5, &pw), LM_SASL_CRAM_MD5);
	LM_CHECK_EQ(choose(all, LM_SASL_ALL, &pw), LM_SASL_SCRAM_SHA_256);
	LM_CHECK_EQ(choose("CRAM-MD5", def, &pw), LM_SASL_NONE);
	/* SCRAM needs an rng */
	pw.rng = NULL;
	LM_CHECK_EQ(choose(all, def, &pw), LM_SASL_PLAIN);
	pw.rng = counting_rng;
	/* token picks OAUTHBEARER, then XOAUTH2; never a password mechanism */
	LM_CHECK_EQ(choose(all, def, &tok), LM_SASL_OAUTHBEARER);
	LM_CHECK_EQ(choose("PLAIN XOAUTH2", def, &tok), LM_SASL_XOAUTH2);
	LM_CHECK_EQ(choose("PLAIN LOGIN SCRAM-SHA-256", def, &tok), LM_SASL_NONE);
	/* password and token: the token wins */
	pw.token = "t";
	LM_CHECK_EQ(choose(all, def, &pw), LM_SASL_OAUTHBEARER);
	pw.token = NULL;
	/* nothing offered */
	LM_CHECK_EQ(choose("", def, &pw), LM_SASL_NONE);
	LM_CHECK_EQ(choose("   ", def, &pw), LM_SASL_NONE);
	LM_CHECK_EQ(lm_sasl_choose(NULL, 0, def, &pw), LM_SASL_NONE);
	LM_CHECK_EQ(lm_sasl_choose(all, strlen(all), def, NULL), LM_SASL_NONE);
	LM_CHECK_EQ(choose("GSSAPI NTLM", def, &pw), LM_SASL_NONE);
	/* whole names only */
	LM_CHECK_EQ(choose("PLAINX", def, &pw), LM_SASL_NONE);
	LM_CHECK_EQ(choose("XPLAIN SCRAM-SHA-256-PLUS", def, &pw), LM_SASL_NONE);
	LM_CHECK_EQ(lm_sasl_choose("PLAIN", 4, def, &pw), LM_SASL_NONE);
	LM_CHECK_EQ(choose("\tplain\t", def, &pw), LM_SASL_PLAIN);
	/* one mechanism asked for: no other candidate */
	LM_CHECK_EQ(choose(all, LM_SASL_LOGIN, &pw), LM_SASL_LOGIN);
	LM_CHECK_EQ(choose("PLAIN LOGIN", LM_SASL_SCRAM_SHA_256, &pw), LM_SASL_NONE);
	LM_CHECK_EQ(choose(all, LM_SASL_NONE, &pw), LM_SASL_NONE);
	/* creds that cannot serve a mechanism rule it out */
	pw.authzid = "other";
	LM_CHECK_EQ(choose("LOGIN PLAIN", def, &pw), LM_SASL_PLAIN);
	LM_CHECK_EQ(choose("LOGIN", def, &pw), LM_SASL_NONE);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_scram_sha1_rfc5802),
		LM_TEST(t_scram_sha256_rfc7677),
		LM_TEST(t_scram_empty_challenge_and_short_buffer),
		LM_TEST(t_scram_escaping_authzid),
		LM_TEST(t_scram_authzid_limit),
		LM_TEST(t_scram_extension_ignored),
		LM_TEST(t_scram_one_iteration),
		LM_TEST(t_scram_nonce_from_rng),
		LM_TEST(t_scram_bad_server_first),
		LM_TEST(t_scram_binary_server_first),
		LM_TEST(t_scram_bad_server_final),
		LM_TEST(t_scram_oversized_challenge),
		LM_TEST(t_scram_mutated_server_first),
		LM_TEST(t_plain_rfc4616),
		LM_TEST(t_login),
		LM_TEST(t_cram_md5_rfc2195),
		LM_TEST(t_xoauth2_google),
		LM_TEST(t_oauthbearer_rfc7628),
		LM_TEST(t_oversized_all),
		LM_TEST(t_init_params),
		LM_TEST(t_names),
		LM_TEST(t_choose),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
