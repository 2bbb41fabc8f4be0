/*
 * libmail - SASL client mechanisms over raw bytes.
 *
 * PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login), XOAUTH2 (Google
 * "OAuth 2.0 mechanism"), OAUTHBEARER (RFC 7628), CRAM-MD5 (RFC 2195),
 * SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel
 * binding. Hashes come from hash.h; base64 from lib/core.
 */
#include <string.h>

#include "libmail/core.h"
#include "libmail/sasl.h"
#include "../core/ascii.h"
#include "hash.h"
#include "sasl_int.h"

#if LM_SASL_SCRAM_NONCE_LEN < 24
#error "LM_SASL_SCRAM_NONCE_LEN must be at least 24"
#endif

/* Exchange states. */
enum {
	ST_NONE = 0,      /* not initialized, or freed                   */
	ST_START,         /* nothing sent yet                            */
	ST_SENT1,         /* first client message sent                   */
	ST_SENT2,         /* second client message sent (LOGIN, SCRAM)   */
	ST_DONE,          /* SCRAM: server signature verified            */
	ST_ERR_REPLIED,   /* XOAUTH2/OAUTHBEARER: answered an error       */
	ST_FAILED         /* sticky failure                              */
};

/* Longest escaped SCRAM gs2 header ("n,a=<authzid>,") we build. */
#define GS2_MAX 256
/* Longest escaped SCRAM authzid (sasl.h): its header, 5 bytes more,
 * fits GS2_MAX. */
#define GS2_AUTHZID_MAX 250
/* Longest SCRAM salt accepted (decoded). Real servers use 12 to 32. */
#define SALT_MAX 256

static const struct {
	lm_sasl_mech mech;
	const char *name;
} mech_names[] = {
	{ LM_SASL_PLAIN, "PLAIN" },
	{ LM_SASL_LOGIN, "LOGIN" },
	{ LM_SASL_XOAUTH2, "XOAUTH2" },
	{ LM_SASL_OAUTHBEARER, "OAUTHBEARER" },
	{ LM_SASL_CRAM_MD5, "CRAM-MD5" },
	{ LM_SASL_SCRAM_SHA_1, "SCRAM-SHA-1" },
	{ LM_SASL_SCRAM_SHA_256, "SCRAM-SHA-256" }
};
#define N_MECHS (sizeof mech_names / sizeof mech_names[0])

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* Output writer: remembers overflow instead of failing at each call. */
typedef struct {
	unsigned char *p;
	size_t cap, len;
	int over;
} wr;

static void
w_put(wr *w, const void *p, size_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = 1;
		return;
	}
	if (n)
		memcpy(w->p + w->len, p, n);
	w->len += n;
}

static void
w_str(wr *w, const char *s)
{
	w_put(w, s, strlen(s));
}

/* saslname (RFC 5802 5.1): ',' -> "=2C", '=' -> "=3D". */
static void
w_esc(wr *w, const char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			w_put(w, "=2C", 3);
		else if (*s == '=')
			w_put(w, "=3D", 3);
		else
			w_put(w, s, 1);
	}
}

static size_t
esc_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += (*s == ',' || *s == '=') ? 3 : 1;
	return n;
}

static int
is_set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static int
has_crlf(const char *s)
{
	return strchr(s, '\r') != NULL || strchr(s, '\n') != NULL;
}

/* Control byte (C0, DEL) anywhere, or a space when no_space. */
static int
has_ctl(const char *s, int no_space)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || (no_space && c == ' '))
			return 1;
	}
	return 0;
}

static int
is_scram(int mech)
{
	return mech == LM_SASL_SCRAM_SHA_1 || mech == LM_SASL_SCRAM_SHA_256;
}

static lm_sasl__alg
scram_alg(int mech)
{
	return mech == LM_SASL_SCRAM_SHA_1 ? LM_SASL__SHA1 : LM_SASL__SHA256;
}

/* The authzid that goes on the wire: NULL for absent or "". */
static const char *
authzid_of(const lm_sasl_creds *cr)
{
	return is_set(cr->authzid) ? cr->authzid : NULL;
}

/* A SCRAM nonce character: printable ASCII other than ',' (RFC 5802). */
static int
nonce_char(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != ',';
}

/* ------------------------------------------------------------------ */
/* Credentials                                                         */
/* ------------------------------------------------------------------ */

/* Can cr serve mech? 0 or LM_ERR_BAD_PARAM. */
static int
check_creds(lm_sasl_mech mech, const lm_sasl_creds *cr)
{
	const char *az;

	if (cr == NULL || cr->version != LM_SASL_CREDS_VERSION)
		return LM_ERR_BAD_PARAM;
	az = authzid_of(cr);
	if (az != NULL && has_crlf(az))
		return LM_ERR_BAD_PARAM;
	if (cr->user != NULL && has_crlf(cr->user))
		return LM_ERR_BAD_PARAM;

	switch (mech) {
	case LM_SASL_PLAIN:
	case LM_SASL_LOGIN:
	case LM_SASL_CRAM_MD5:
		if (!is_set(cr->user) || !is_set(cr->password))
			return LM_ERR_BAD_PARAM;
		/* LOGIN and CRAM-MD5 cannot carry an authzid: refuse rather
		 * than log in as someone else than asked. */
		if (mech != LM_SASL_PLAIN && az != NULL)
			return LM_ERR_BAD_PARAM;
		return 0;
	case LM_SASL_SCRAM_SHA_1:
	case LM_SASL_SCRAM_SHA_256:
		if (!is_set(cr->user) || !is_set(cr->password) || cr->rng == NULL)
			return LM_ERR_BAD_PARAM;
		if (az != NULL && esc_len(az) > GS2_AUTHZID_MAX)
			return LM_ERR_BAD_PARAM;
		return 0;
	case LM_SASL_XOAUTH2:
		if (!is_set(cr->user) || has_ctl(cr->user, 0) || az != NULL)
			return LM_ERR_BAD_PARAM;
		break;
	case LM_SASL_OAUTHBEARER:
		if (cr->user != NULL && has_ctl(cr->user, 0))
			return LM_ERR_BAD_PARAM;
		if (az != NULL && has_ctl(az, 0))
			return LM_ERR_BAD_PARAM;
		if (cr->host != NULL && has_ctl(cr->host, 1))
			return LM_ERR_BAD_PARAM;
		if (cr->port > 65535)
			return LM_ERR_BAD_PARAM;
		break;
	default:
		return LM_ERR_BAD_PARAM;
	}
	/* Bearer token (RFC 6750 b64token is narrower; we refuse only what
	 * would break the framing). */
	if (!is_set(cr->token) || has_ctl(cr->token, 1))
		return LM_ERR_BAD_PARAM;
	return 0;
}

static int
known_mech(lm_sasl_mech mech)
{
	size_t i;

	for (i = 0; i < N_MECHS; i++)
		if (mech_names[i].mech == mech)
			return 1;
	return 0;
}

static int
init_common(lm_sasl *s, lm_sasl_mech mech, const lm_sasl_creds *cr)
{
	int rc;

	if (!known_mech(mech))
		return LM_ERR_BAD_PARAM;
	rc = check_creds(mech, cr);
	if (rc != 0)
		return rc;
	s->mech = (int)mech;
	s->cr = *cr;
	return 0;
}

static int
set_nonce(lm_sasl *s, const char *nonce, size_t n)
{
	size_t i;

	if (n == 0 || n >= sizeof s->nonce)
		return LM_ERR_BAD_PARAM;
	for (i = 0; i < n; i++)
		if (!nonce_char((unsigned char)nonce[i]))
			return LM_ERR_BAD_PARAM;
	memcpy(s->nonce, nonce, n);
	s->nonce[n] = '\0';
	s->nonce_len = n;
	return 0;
}

/* see sasl_int.h */
int
lm_sasl__init_nonce(lm_sasl *s, lm_sasl_mech mech, const lm_sasl_creds *cr,
                    const char *nonce, size_t n)
{
	int rc;

	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	memset(s, 0, sizeof *s);
	rc = init_common(s, mech, cr);
	if (rc == 0 && is_scram(s->mech))
		rc = nonce == NULL ? LM_ERR_BAD_PARAM : set_nonce(s, nonce, n);
	if (rc != 0) {
		lm_sasl__zeroize(s, sizeof *s);
		return rc;
	}
	s->state = ST_START;
	return 0;
}

/* see sasl.h */
int
lm_sasl_init(lm_sasl *s, lm_sasl_mech mech, const lm_sasl_creds *cr)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char raw[LM_SASL_SCRAM_NONCE_LEN];
	char nonce[LM_SASL_SCRAM_NONCE_LEN];
	size_t i;
	int rc;

	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	memset(s, 0, sizeof *s);
	rc = init_common(s, mech, cr);
	if (rc != 0)
		goto fail;
	if (is_scram(s->mech)) {
		if (cr->rng(cr->rng_ud, raw, sizeof raw) != 0) {
			rc = LM_ERR_CALLBACK;
			goto fail;
		}
		/* Printable bytes other than ',' are kept as they are (so a
		 * test generator can hand out a known nonce); any other byte
		 * becomes one of 64 characters. Each character still carries
		 * more than 6 bits from a uniform generator. */
		for (i = 0; i < sizeof raw; i++)
			nonce[i] = nonce_char(raw[i]) ? (char)raw[i]
			                              : alpha[raw[i] & 63];
		rc = set_nonce(s, nonce, sizeof nonce);
		lm_sasl__zeroize(raw, sizeof raw);
		lm_sasl__zeroize(nonce, sizeof nonce);
		if (rc != 0)
			goto fail;
	}
	s->state = ST_START;
	return 0;
fail:
	lm_sasl__zeroize(s, sizeof *s);
	return rc;
}

/* see sasl.h */
void
lm_sasl_free(lm_sasl *s)
{
	if (s != NULL)
		lm_sasl__zeroize(s, sizeof *s);
}

/* see sasl.h */
const char *
lm_sasl_mech_name(lm_sasl_mech mech)
{
	size_t i;

	for (i = 0; i < N_MECHS; i++)
		if (mech_names[i].mech == mech)
			return mech_names[i].name;
	return NULL;
}

/* see sasl.h */
lm_sasl_mech
lm_sasl_mech_from_name(const char *name, size_t len)
{
	size_t i;

	if (name == NULL)
		return LM_SASL_NONE;
	for (i = 0; i < N_MECHS; i++)
		if (lm_core__ieqz(name, len, mech_names[i].name))
			return mech_names[i].mech;
	return LM_SASL_NONE;
}

/* see sasl.h */
lm_sasl_mech
lm_sasl_get_mech(const lm_sasl *s)
{
	if (s == NULL || s->state == ST_NONE)
		return LM_SASL_NONE;
	return (lm_sasl_mech)s->mech;
}

/* see sasl.h */
int
lm_sasl_has_initial(const lm_sasl *s)
{
	if (s == NULL || s->state == ST_NONE)
		return 0;
	return s->mech != LM_SASL_LOGIN && s->mech != LM_SASL_CRAM_MD5;
}

/* see sasl.h */
int
lm_sasl_mech_is_plaintext(lm_sasl_mech mech)
{
	return mech == LM_SASL_PLAIN || mech == LM_SASL_LOGIN;
}

/* ------------------------------------------------------------------ */
/* Simple mechanisms                                                   */
/* ------------------------------------------------------------------ */

/* RFC 4616: [authzid] NUL authcid NUL passwd */
static void
plain_msg(const lm_sasl *s, wr *w)
{
	const char *az = authzid_of(&s->cr);

	if (az != NULL)
		w_str(w, az);
	w_put(w, "", 1);
	w_str(w, s->cr.user);
	w_put(w, "", 1);
	w_str(w, s->cr.password);
}

/* user={user}^Aauth=Bearer {token}^A^A */
static void
xoauth2_msg(const lm_sasl *s, wr *w)
{
	w_str(w, "user=");
	w_str(w, s->cr.user);
	w_str(w, "\001auth=Bearer ");
	w_str(w, s->cr.token);
	w_str(w, "\001\001");
}

/* RFC 7628 3.1: gs2-header kvsep [host] [port] auth kvsep */
static void
oauthbearer_msg(const lm_sasl *s, wr *w)
{
	const char *a = authzid_of(&s->cr);
	char port[8];
	unsigned p = s->cr.port;
	size_t k = sizeof port;

	if (a == NULL && is_set(s->cr.user))
		a = s->cr.user;
	w_str(w, "n,");
	if (a != NULL) {
		w_str(w, "a=");
		w_esc(w, a);
	}
	w_str(w, ",\001");
	if (is_set(s->cr.host)) {
		w_str(w, "host=");
		w_str(w, s->cr.host);
		w_str(w, "\001");
	}
	if (p != 0) {
		do {
			port[--k] = (char)('0' + p % 10);
			p /= 10;
		} while (p != 0);
		w_str(w, "port=");
		w_put(w, port + k, sizeof port - k);
		w_str(w, "\001");
	}
	w_str(w, "auth=Bearer ");
	w_str(w, s->cr.token);
	w_str(w, "\001\001");
}

/* RFC 2195: user SP hex(HMAC-MD5(password, challenge)) */
static int
cram_msg(const lm_sasl *s, const unsigned char *in, size_t inlen, wr *w)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[16];
	char txt[32];
	size_t i;
	int rc;

	rc = lm_sasl__hmac(LM_SASL__MD5, s->cr.password, strlen(s->cr.password),
	                   in, inlen, mac);
	if (rc != 0)
		return rc;
	for (i = 0; i < 16; i++) {
		txt[2 * i] = hex[mac[i] >> 4];
		txt[2 * i + 1] = hex[mac[i] & 15];
	}
	w_str(w, s->cr.user);
	w_put(w, " ", 1);
	w_put(w, txt, sizeof txt);
	lm_sasl__zeroize(mac, sizeof mac);
	lm_sasl__zeroize(txt, sizeof txt);
	return 0;
}

/* LOGIN: a second challenge asking for a user name again would make us
 * send the password as a user name (which servers log): refuse. */
static int
asks_user(const unsigned char *in, size_t inlen)
{
	return inlen >= 4 && lm_core__ieqz(in, 4, "user");
}

/* ------------------------------------------------------------------ */
/* SCRAM                                                               */
/* ------------------------------------------------------------------ */

/* gs2-header = "n," ["a=" saslname] "," into buf[GS2_MAX]. */
static size_t
scram_gs2(const lm_sasl *s, unsigned char *buf)
{
	wr w;
	const char *az = authzid_of(&s->cr);

	w.p = buf;
	w.cap = GS2_MAX;
	w.len = 0;
	w.over = 0;
	w_str(&w, "n,");
	if (az != NULL) {
		w_str(&w, "a=");
		w_esc(&w, az);
	}
	w_str(&w, ",");
	return w.len; /* cannot overflow: checked by check_creds */
}

/* client-first-message = gs2-header "n=" saslname ",r=" c-nonce */
static void
scram_client_first(const lm_sasl *s, wr *w)
{
	unsigned char gs2[GS2_MAX];

	w_put(w, gs2, scram_gs2(s, gs2));
	w_str(w, "n=");
	w_esc(w, s->cr.user);
	w_str(w, ",r=");
	w_put(w, s->nonce, s->nonce_len);
}

static int
h_str(lm_sasl__hmac_ctx *h, const char *p)
{
	return lm_sasl__hmac_update(h, p, strlen(p));
}

/* Feed AuthMessage = client-first-message-bare "," server-first-message
 * "," client-final-message-without-proof. */
static int
h_auth_message(lm_sasl__hmac_ctx *h, const lm_sasl *s,
               const unsigned char *sfirst, size_t slen,
               const unsigned char *cfinal, size_t clen)
{
	const char *u;
	int rc = h_str(h, "n=");

	for (u = s->cr.user; rc == 0 && *u; u++) {
		if (*u == ',')
			rc = h_str(h, "=2C");
		else if (*u == '=')
			rc = h_str(h, "=3D");
		else
			rc = lm_sasl__hmac_update(h, u, 1);
	}
	if (rc == 0)
		rc = h_str(h, ",r=");
	if (rc == 0)
		rc = lm_sasl__hmac_update(h, s->nonce, s->nonce_len);
	if (rc == 0)
		rc = h_str(h, ",");
	if (rc == 0)
		rc = lm_sasl__hmac_update(h, sfirst, slen);
	if (rc == 0)
		rc = h_str(h, ",");
	if (rc == 0)
		rc = lm_sasl__hmac_update(h, cfinal, clen);
	return rc;
}

/* Trailing ["," extensions]: each attr-val is ALPHA "=" 1*value-char
 * (no ','); NUL was excluded by the caller. 1 if well formed. */
static int
scram_extensions(const unsigned char *p, size_t n)
{
	size_t i = 0, start;

	while (i < n) {
		if (p[i] != ',' || i + 3 > n)
			return 0;
		i++;
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')) ||
		    p[i + 1] != '=')
			return 0;
		i += 2;
		start = i;
		while (i < n && p[i] != ',')
			i++;
		if (i == start)
			return 0;
	}
	return 1;
}

typedef struct {
	const unsigned char *nonce; /* full r= value */
	size_t nonce_len;
	unsigned char salt[SALT_MAX];
	size_t salt_len;
	unsigned long iter;
} server_first;

/* server-first-message = nonce "," salt "," iteration-count ["," ext]
 * Strict: order r, s, i; no m=; nonce extends ours; canonical base64
 * salt; iteration count without leading zero, 1..LM_SASL_SCRAM_MAX_ITER. */
static int
scram_parse_first(const lm_sasl *s, const unsigned char *p, size_t n,
                  server_first *sf)
{
	size_t i = 0, start;
	unsigned long it = 0;

	if (memchr(p, '\0', n) != NULL)
		return LM_ERR_SASL;
	/* r= */
	if (n < 2 || p[0] != 'r' || p[1] != '=')
		return LM_ERR_SASL;       /* also m=..., and out-of-order */
	i = start = 2;
	while (i < n && p[i] != ',') {
		if (!nonce_char(p[i]))
			return LM_ERR_SASL;
		i++;
	}
	sf->nonce = p + start;
	sf->nonce_len = i - start;
	if (sf->nonce_len <= s->nonce_len ||
	    memcmp(sf->nonce, s->nonce, s->nonce_len) != 0)
		return LM_ERR_SASL;
	/* ,s= */
	if (i + 3 > n || p[i] != ',' || p[i + 1] != 's' || p[i + 2] != '=')
		return LM_ERR_SASL;
	i += 3;
	start = i;
	while (i < n && p[i] != ',')
		i++;
	if (i == start ||
	    lm_b64_decode((const char *)p + start, i - start, sf->salt,
	                  sizeof sf->salt, &sf->salt_len) != 0 ||
	    sf->salt_len == 0)
		return LM_ERR_SASL;
	/* ,i= */
	if (i + 3 > n || p[i] != ',' || p[i + 1] != 'i' || p[i + 2] != '=')
		return LM_ERR_SASL;
	i += 3;
	if (i >= n || p[i] < '1' || p[i] > '9')
		return LM_ERR_SASL;
	while (i < n && p[i] >= '0' && p[i] <= '9') {
		it = it * 10 + (unsigned long)(p[i] - '0');
		if (it > LM_SASL_SCRAM_MAX_ITER)
			return LM_ERR_SASL; /* before it can overflow */
		i++;
	}
	sf->iter = it;
	if (!scram_extensions(p + i, n - i))
		return LM_ERR_SASL;
	return 0;
}

/* Server-first in, client-final out. */
static int
scram_final(lm_sasl *s, const unsigned char *in, size_t inlen, wr *w)
{
	lm_sasl__alg alg = scram_alg(s->mech);
	size_t hlen = lm_sasl__hash_len(alg), gs2len, need, k, clen, b64n;
	server_first sf;
	lm_sasl__hmac_ctx h;
	unsigned char gs2[GS2_MAX];
	unsigned char salted[LM_SASL__HASH_MAX], ckey[LM_SASL__HASH_MAX];
	unsigned char skey[LM_SASL__HASH_MAX], stored[LM_SASL__HASH_MAX];
	unsigned char csig[LM_SASL__HASH_MAX];
	char b64[(LM_SASL__HASH_MAX + 2) / 3 * 4];
	int rc;

	memset(&h, 0, sizeof h);
	rc = scram_parse_first(s, in, inlen, &sf);
	if (rc != 0)
		return rc;

	/* c=base64(gs2-header),r=nonce,p=base64(proof): size it first so
	 * that a short buffer changes nothing. */
	gs2len = scram_gs2(s, gs2);
	need = 2 + lm_b64_encoded_len(gs2len) + 3 + sf.nonce_len + 3 +
	       lm_b64_encoded_len(hlen);
	if (need > w->cap - w->len) {
		rc = LM_ERR_BUFFER_TOO_SMALL;
		goto out;
	}
	w_str(w, "c=");
	if (lm_b64_encode(gs2, gs2len, (char *)w->p + w->len, w->cap - w->len,
	                  &b64n) != 0) {
		rc = LM_ERR_BUFFER_TOO_SMALL;
		goto out;
	}
	w->len += b64n;
	w_str(w, ",r=");
	w_put(w, sf.nonce, sf.nonce_len);
	clen = w->len;

	/* SaltedPassword = Hi(Normalize(password), salt, i) */
	rc = lm_sasl__pbkdf2(alg, s->cr.password, strlen(s->cr.password),
	                     sf.salt, sf.salt_len, sf.iter, salted, hlen);
	/* ClientKey = HMAC(SaltedPassword, "Client Key"); StoredKey = H(ClientKey) */
	if (rc == 0)
		rc = lm_sasl__hmac(alg, salted, hlen, "Client Key", 10, ckey);
	if (rc == 0)
		rc = lm_sasl__hash(alg, ckey, hlen, stored);
	/* ClientSignature = HMAC(StoredKey, AuthMessage) */
	if (rc == 0)
		rc = lm_sasl__hmac_init(&h, alg, stored, hlen);
	if (rc == 0)
		rc = h_auth_message(&h, s, in, inlen, w->p, clen);
	if (rc == 0)
		rc = lm_sasl__hmac_final(&h, csig);
	lm_sasl__hmac_free(&h);
	/* ServerKey = HMAC(SaltedPassword, "Server Key");
	 * ServerSignature = HMAC(ServerKey, AuthMessage) */
	if (rc == 0)
		rc = lm_sasl__hmac(alg, salted, hlen, "Server Key", 10, skey);
	if (rc == 0)
		rc = lm_sasl__hmac_init(&h, alg, skey, hlen);
	if (rc == 0)
		rc = h_auth_message(&h, s, in, inlen, w->p, clen);
	if (rc == 0)
		rc = lm_sasl__hmac_final(&h, s->server_sig);
	lm_sasl__hmac_free(&h);
	if (rc != 0)
		goto out;
	/* ClientProof = ClientKey XOR ClientSignature */
	for (k = 0; k < hlen; k++)
		csig[k] ^= ckey[k];
	if (lm_b64_encode(csig, hlen, b64, sizeof b64, &b64n) != 0) {
		rc = LM_ERR_BUFFER_TOO_SMALL; /* cannot happen: sized above */
		goto out;
	}
	w_str(w, ",p=");
	w_put(w, b64, b64n);
	rc = w->over ? LM_ERR_BUFFER_TOO_SMALL : 0;
out:
	lm_sasl__zeroize(&sf, sizeof sf);
	lm_sasl__zeroize(salted, sizeof salted);
	lm_sasl__zeroize(ckey, sizeof ckey);
	lm_sasl__zeroize(skey, sizeof skey);
	lm_sasl__zeroize(stored, sizeof stored);
	lm_sasl__zeroize(csig, sizeof csig);
	lm_sasl__zeroize(b64, sizeof b64);
	if (rc != 0)
		lm_sasl__zeroize(s->server_sig, sizeof s->server_sig);
	return rc;
}

/* server-final-message = (server-error / verifier) ["," extensions] */
static int
scram_verify(lm_sasl *s, const unsigned char *p, size_t n)
{
	size_t hlen = lm_sasl__hash_len(scram_alg(s->mech)), i, got;
	unsigned char sig[LM_SASL__HASH_MAX + 3];
	int ok;

	if (memchr(p, '\0', n) != NULL)
		return LM_ERR_SASL;
	/* e=... (server-error) is a failure whatever follows */
	if (n < 2 || p[0] != 'v' || p[1] != '=')
		return LM_ERR_SASL;
	i = 2;
	while (i < n && p[i] != ',')
		i++;
	if (lm_b64_decode((const char *)p + 2, i - 2, sig, sizeof sig, &got) != 0 ||
	    got != hlen || !scram_extensions(p + i, n - i))
		return LM_ERR_SASL;
	ok = lm_sasl__ct_equal(sig, s->server_sig, hlen);
	lm_sasl__zeroize(sig, sizeof sig);
	return ok ? 0 : LM_ERR_SASL;
}

/* ------------------------------------------------------------------ */
/* The step machine                                                    */
/* ------------------------------------------------------------------ */

static int
fail(lm_sasl *s, int rc)
{
	int mech = s->mech;

	/* Keep only what says "failed": nothing derived from the password. */
	lm_sasl__zeroize(s, sizeof *s);
	s->mech = mech;
	s->state = ST_FAILED;
	return rc;
}

/* see sasl.h */
int
lm_sasl_step(lm_sasl *s, const unsigned char *in, size_t inlen,
             unsigned char *out, size_t cap, size_t *outlen)
{
	wr w;
	int rc = 0, next, initial = (in == NULL);

	if (s == NULL || outlen == NULL || (out == NULL && cap != 0) ||
	    (in == NULL && inlen != 0))
		return LM_ERR_BAD_PARAM;
	*outlen = 0;
	if (s->state == ST_NONE)
		return LM_ERR_BAD_STATE;
	if (s->state == ST_FAILED)
		return LM_ERR_SASL;
	if (initial && (!lm_sasl_has_initial(s) || s->state != ST_START))
		return LM_ERR_BAD_STATE; /* misuse: state unchanged */
	if (inlen > LM_SASL_CHALLENGE_MAX)
		return fail(s, LM_ERR_SASL);

	w.p = out;
	w.cap = cap;
	w.len = 0;
	w.over = 0;
	next = s->state;

	switch (s->mech) {
	case LM_SASL_PLAIN:
	case LM_SASL_XOAUTH2:
	case LM_SASL_OAUTHBEARER:
		if (s->state == ST_START && inlen == 0) {
			if (s->mech == LM_SASL_PLAIN)
				plain_msg(s, &w);
			else if (s->mech == LM_SASL_XOAUTH2)
				xoauth2_msg(s, &w);
			else
				oauthbearer_msg(s, &w);
			next = ST_SENT1;
		} else if (s->state == ST_SENT1 && s->mech != LM_SASL_PLAIN) {
			/* An error status (JSON). XOAUTH2: empty response;
			 * OAUTHBEARER: a single kvsep (RFC 7628 3.2.3). */
			if (s->mech == LM_SASL_OAUTHBEARER)
				w_put(&w, "\001", 1);
			next = ST_ERR_REPLIED;
		} else {
			return fail(s, LM_ERR_SASL);
		}
		break;
	case LM_SASL_LOGIN:
		if (s->state == ST_START) {
			w_str(&w, s->cr.user);
			next = ST_SENT1;
		} else if (s->state == ST_SENT1 && !asks_user(in, inlen)) {
			w_str(&w, s->cr.password);
			next = ST_SENT2;
		} else {
			return fail(s, LM_ERR_SASL);
		}
		break;
	case LM_SASL_CRAM_MD5:
		if (s->state != ST_START || inlen == 0)
			return fail(s, LM_ERR_SASL);
		rc = cram_msg(s, in, inlen, &w);
		if (rc != 0)
			return fail(s, rc);
		next = ST_SENT1;
		break;
	case LM_SASL_SCRAM_SHA_1:
	case LM_SASL_SCRAM_SHA_256:
		if (s->state == ST_START && inlen == 0) {
			scram_client_first(s, &w);
			next = ST_SENT1;
		} else if (s->state == ST_SENT1) {
			rc = scram_final(s, in, inlen, &w);
			if (rc == LM_ERR_BUFFER_TOO_SMALL) {
				*outlen = 0;
				lm_sasl__zeroize(out, cap);
				return rc;
			}
			if (rc != 0)
				return fail(s, rc);
			next = ST_SENT2;
		} else if (s->state == ST_SENT2) {
			rc = scram_verify(s, in, inlen);
			if (rc != 0)
				return fail(s, rc);
			lm_sasl__zeroize(s->server_sig, sizeof s->server_sig);
			s->verified = 1;
			next = ST_DONE;
		} else {
			return fail(s, LM_ERR_SASL);
		}
		break;
	default:
		return fail(s, LM_ERR_BAD_STATE);
	}

	if (w.over) {
		/* Nothing consumed: the caller may retry with a bigger buffer.
		 * Do not leave half a password in the buffer. */
		if (out != NULL)
			lm_sasl__zeroize(out, cap);
		return LM_ERR_BUFFER_TOO_SMALL;
	}
	s->state = next;
	*outlen = w.len;
	return 0;
}

/* see sasl.h */
int
lm_sasl_finish(lm_sasl *s)
{
	int ok;

	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	switch (s->mech) {
	case LM_SASL_PLAIN:
	case LM_SASL_XOAUTH2:
	case LM_SASL_OAUTHBEARER:
	case LM_SASL_CRAM_MD5:
		ok = s->state == ST_SENT1;
		break;
	case LM_SASL_LOGIN:
		ok = s->state == ST_SENT2;
		break;
	case LM_SASL_SCRAM_SHA_1:
	case LM_SASL_SCRAM_SHA_256:
		ok = s->state == ST_DONE && s->verified == 1;
		break;
	default:
		ok = 0;
	}
	if (!ok) {
		/* A server claiming success where the mechanism is not
		 * satisfied is not to be trusted: the exchange is over. */
		if (s->state != ST_NONE)
			fail(s, LM_ERR_SASL);
		return LM_ERR_SASL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Choosing                                                            */
/* ------------------------------------------------------------------ */

static int
offered_has(const char *p, size_t n, const char *name)
{
	size_t i = 0, start;

	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
		                 p[i] == '\n'))
			i++;
		start = i;
		while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r' &&
		       p[i] != '\n')
			i++;
		if (i > start && lm_core__ieqz(p + start, i - start, name))
			return 1;
	}
	return 0;
}

/* see sasl.h */
lm_sasl_mech
lm_sasl_choose(const char *offered, size_t len, unsigned allowed,
               const lm_sasl_creds *cr)
{
	static const lm_sasl_mech pref[] = {
		LM_SASL_OAUTHBEARER, LM_SASL_XOAUTH2,
		LM_SASL_SCRAM_SHA_256, LM_SASL_SCRAM_SHA_1, LM_SASL_CRAM_MD5,
		LM_SASL_PLAIN, LM_SASL_LOGIN
	};
	size_t i;

	if (offered == NULL || cr == NULL)
		return LM_SASL_NONE;
	for (i = 0; i < sizeof pref / sizeof pref[0]; i++) {
		if (!(allowed & (unsigned)pref[i]))
			continue;
		if (check_creds(pref[i], cr) != 0)
			continue;
		if (offered_has(offered, len, lm_sasl_mech_name(pref[i])))
			return pref[i];
	}
	return LM_SASL_NONE;
}
