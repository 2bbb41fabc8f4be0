/*
 * libmail - TLS client over mbedTLS (2.28 LTS and 3.6 LTS). What differs
 * between the versions is in lib/core/mbedtls_compat.h, not here.
 *
 * Policy (no knobs to weaken it): TLS 1.2 minimum, certificate chain
 * verification required, host name checked against subjectAltNames
 * only, never the subject CN (RFC 9525, as browsers and Go do).
 * mbedTLS matches a DNS name against the dNSName SANs when the leaf
 * has a subjectAltName extension, but falls back to the CN when it has
 * none; so the verify callback refuses a leaf without any dNSName SAN
 * for a DNS name. mbedTLS 2.28 does not match IP literals against
 * iPAddress subjectAltNames, so for an IP literal the whole host name
 * check is done in the verify callback for both versions: the leaf
 * MUST carry a matching iPAddress SAN (RFC 9525 again: no CN).
 *
 * Cipher suites: forward secrecy and AEAD only (lm_tls__suites below).
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <mbedtls/ssl.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/asn1.h>
#include <mbedtls/error.h>

#define LM_MBEDTLS__TLS 1
#include "../core/mbedtls_compat.h"
#include "net_internal.h"

/* Codes our BIO callbacks return; the real cause is in c->io_err. */
#define LM_TLS__BIO_ERR (-0x004C)  /* MBEDTLS_ERR_NET_RECV_FAILED's value */

/* Why verify_cb found the leaf not issued for the host (else mbedTLS's
 * own dNSName check decides). */
#define LM_TLS__NO_IP_SAN  1  /* IP literal: no iPAddress SAN equal to it */
#define LM_TLS__NO_DNS_SAN 2  /* DNS name: no dNSName SAN, only a CN */

struct lm_net__tls {
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	lm_conn *conn;
	long long deadline;          /* of the current operation */
	int ip_len;                  /* 4 or 16 for an IP literal host, else 0 */
	unsigned char ip[16];
	int mismatch;                /* LM_TLS__NO_*: verify_cb refused the name */
	int self_signed;             /* the leaf is its own issuer */
	char names[160];             /* the leaf's DNS names, for errors */
};

static const char lm_tls__pers[] = "libmail-net-tls";

/*
 * The suites offered, best first: Mozilla's "intermediate" TLS 1.2 list
 * (wiki.mozilla.org/Security/Server_Side_TLS), i.e. an ephemeral key exchange (forward
 * secrecy: a stolen server key does not decrypt recorded sessions) and
 * an AEAD cipher (no CBC: Lucky13 and other padding oracles). mbedTLS
 * 2.28's default list also offers static RSA key exchange (no forward
 * secrecy), CBC, CCM, ARIA and Camellia suites.
 *
 * DHE-RSA stays, last, as in Mozilla's list, for servers with an RSA
 * certificate whose only forward-secret AEAD suites are DHE ones (older
 * Windows SChannel releases, an OpenSSL built or configured without
 * ECDHE): without it they would get no TLS at all. Its group must have
 * 2048 bits or more (LM_TLS__DHM_MIN_BITS; mbedTLS alone takes 1024).
 *
 * The ids are defined whatever the build supports, and mbedTLS skips
 * the suites its build lacks when it writes the ClientHello, so no
 * #ifdef here (a 3.x PSA build may do GCM without MBEDTLS_GCM_C). With
 * 3.x the same list also holds the TLS 1.3 suites (mbedtls_compat.h).
 */
static const int lm_tls__suites[] = {
	LM_MBEDTLS__TLS13_SUITES
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	0
};

/* Smallest DHE group accepted (Mozilla: ffdhe2048; mbedTLS: 1024). */
#define LM_TLS__DHM_MIN_BITS 2048

static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct lm_net__tls *t = ctx;
	size_t sent;
	int r = lm_net__raw_send(t->conn, buf, len, &sent, t->deadline);

	if (r < 0) {
		t->conn->io_err = r;
		return LM_TLS__BIO_ERR;
	}
	return (int)sent;
}

static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct lm_net__tls *t = ctx;
	size_t got;
	int r = lm_net__raw_recv(t->conn, buf, len, &got, t->deadline);

	if (r == LM_ERR_EOF)
		return 0; /* mbedTLS: 0 means the transport closed */
	if (r < 0) {
		t->conn->io_err = r;
		return LM_TLS__BIO_ERR;
	}
	return (int)got;
}

/*
 * The leaf's dNSName ([2] IA5String) subjectAltNames as "a, b, ..."
 * (printable ASCII, cut with "..." when they do not fit), for the
 * name-mismatch error. Returns 1 if the leaf has one, else 0. mbedTLS
 * keeps every SAN entry of the leaf in subject_alt_names with its
 * context-specific tag, whatever its type.
 */
static int
leaf_names(struct lm_net__tls *t, const mbedtls_x509_crt *crt)
{
	const mbedtls_x509_sequence *s;
	size_t n = 0, i, cap = sizeof t->names;
	int any = 0;

	t->names[0] = '\0';
	for (s = &crt->subject_alt_names; s != NULL; s = s->next) {
		if (s->buf.p == NULL ||
		    s->buf.tag != (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2))
			continue;
		any = 1;
		if (n + 2 + s->buf.len + 6 > cap) {
			memcpy(t->names + n, n ? ", ..." : "...", n ? 6 : 4);
			return 1;
		}
		if (n > 0) {
			memcpy(t->names + n, ", ", 2);
			n += 2;
		}
		for (i = 0; i < s->buf.len; i++) {
			unsigned char ch = s->buf.p[i];
			t->names[n++] = (ch > 0x20 && ch < 0x7f) ? (char)ch : '?';
		}
		t->names[n] = '\0';
	}
	return any;
}

/*
 * Called by mbedTLS for each certificate of the chain, after its own
 * checks (flags hold their result). For the leaf: the host name checks
 * mbedTLS does not do (see the policy at the top of the file).
 */
static int
verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct lm_net__tls *t = ctx;
	const mbedtls_x509_sequence *s;
	int has_dns;

	if (depth != 0)
		return 0;
	has_dns = leaf_names(t, crt);
	t->self_signed = crt->issuer_raw.len == crt->subject_raw.len &&
	    memcmp(crt->issuer_raw.p, crt->subject_raw.p,
	           crt->subject_raw.len) == 0;
	t->mismatch = 0;
	if (t->ip_len == 0) {
		/* a dNSName SAN: mbedTLS matched host against the SANs only */
		if (has_dns)
			return 0;
		t->mismatch = LM_TLS__NO_DNS_SAN; /* whatever the CN says */
	} else {
		for (s = &crt->subject_alt_names; s != NULL; s = s->next) {
			if (s->buf.p == NULL)
				continue;
			if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) &&
			    s->buf.len == (size_t)t->ip_len &&
			    memcmp(s->buf.p, t->ip, (size_t)t->ip_len) == 0)
				return 0;
		}
		t->mismatch = LM_TLS__NO_IP_SAN;
	}
	*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	return 0;
}

static void
tls_free(lm_conn *c)
{
	struct lm_net__tls *t = c->tls;

	if (t == NULL)
		return;
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_config_free(&t->conf);
	mbedtls_x509_crt_free(&t->ca);
	mbedtls_ctr_drbg_free(&t->drbg);
	mbedtls_entropy_free(&t->entropy);
	lm_net__free(&c->alloc, t, sizeof *t);
	c->tls = NULL;
}

static void
set_mbed_err(lm_conn *c, const char *what, int ret)
{
#if defined(MBEDTLS_ERROR_C)
	char buf[160];

	mbedtls_strerror(ret, buf, sizeof buf);
	lm_net__set_err(c, "%s: %s (-0x%04x)", what, buf, (unsigned)-ret);
#else
	lm_net__set_err(c, "%s: mbedTLS error -0x%04x", what, (unsigned)-ret);
#endif
}

/* Human-readable verification flags, on one line. */
static void
verify_text(char *info, size_t cap, uint32_t flags)
{
	size_t n;

	lm_mbedtls__verify_info(info, cap, flags);
	n = strlen(info);
	while (n > 0 && (info[n - 1] == '\n' || info[n - 1] == ' '))
		info[--n] = '\0';
	for (n = 0; info[n] != '\0'; n++)
		if (info[n] == '\n')
			info[n] = ';';
}

/*
 * The error text of a failed verification: why the leaf does not match
 * host (MBEDTLS_X509_BADCERT_CN_MISMATCH: mbedTLS's dNSName check or
 * verify_cb's), then mbedTLS's text for the other flags. mbedTLS's own
 * text for the name ("Common Name (CN) does not match") is not used:
 * the CN is never matched here.
 */
static void
set_cert_err(lm_conn *c, const struct lm_net__tls *t, const char *host,
             uint32_t flags)
{
	uint32_t rest = flags & ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
	char name[256], info[512];

	name[0] = info[0] = '\0';
	if (t->mismatch == LM_TLS__NO_IP_SAN)
		snprintf(name, sizeof name,
		         "no matching iPAddress subjectAltName");
	else if (t->mismatch == LM_TLS__NO_DNS_SAN)
		snprintf(name, sizeof name, "no DNS subjectAltName "
		         "(the CN is not used)");
	else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
		snprintf(name, sizeof name, "issued for %s, not for %s",
		         t->names[0] ? t->names : "other names", host);
	if (rest != 0)
		verify_text(info, sizeof info, rest);
	lm_net__set_err(c, "certificate for %s: %s%s%s%s", host, name,
	                name[0] && info[0] ? "; " : "", info,
	                (rest & MBEDTLS_X509_BADCERT_NOT_TRUSTED) &&
	                t->self_signed ? " (self-signed)" : "");
}

/* Map a failed mbedTLS call to an LM_ERR code (and error text). */
static int
map_err(lm_conn *c, const char *what, int ret)
{
	if (c->io_err != 0) {
		int r = c->io_err;
		c->io_err = 0;
		return r; /* text already set by the raw I/O layer */
	}
	if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == 0) {
		lm_net__set_err(c, "%s: connection closed by peer", what);
		return LM_ERR_EOF;
	}
	set_mbed_err(c, what, ret);
	return LM_ERR_TLS;
}

/* What a failed handshake means, for the failures users meet most. */
static const char *
handshake_what(int ret)
{
	if (lm_mbedtls__err_no_version(ret))
		return "TLS handshake: the server offers no TLS version "
		       "accepted here (1.2 or newer required)";
	if (ret == MBEDTLS_ERR_SSL_INVALID_RECORD)
		return "TLS handshake: the server does not speak TLS "
		       "(plaintext on this port?)";
	/* Every suite offered is TLS 1.2 or newer, so a server of TLS
	 * 1.0/1.1 finds no suite for its version and refuses with an
	 * alert, as one finds none in its list: the two look the same. */
	if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
		return "TLS handshake refused by the server (no TLS version "
		       "or cipher suite in common? TLS 1.2 or newer with "
		       "ECDHE or DHE and AES-GCM or ChaCha20-Poly1305 "
		       "required)";
	return "TLS handshake";
}

int
lm_net__tls_start(lm_conn *c, const char *host)
{
	struct lm_net__tls *t;
	const char *cafile = c->cafile ? c->cafile : LM_NET_SYSTEM_CAFILE;
	int ret, r;
	uint32_t flags;

	if (lm_mbedtls__crypto_init() < 0) {
		lm_net__set_err(c, "psa_crypto_init failed");
		return LM_ERR_TLS;
	}
	t = lm_net__alloc(&c->alloc, sizeof *t);
	if (t == NULL)
		return LM_ERR_NOMEM;
	c->tls = t;
	t->conn = c;
	mbedtls_ssl_init(&t->ssl);
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_x509_crt_init(&t->ca);
	mbedtls_ctr_drbg_init(&t->drbg);
	mbedtls_entropy_init(&t->entropy);

	if (inet_pton(AF_INET, host, t->ip) == 1)
		t->ip_len = 4;
	else if (inet_pton(AF_INET6, host, t->ip) == 1)
		t->ip_len = 16;

	ret = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
	                            (const unsigned char *)lm_tls__pers,
	                            sizeof lm_tls__pers - 1);
	if (ret != 0) {
		set_mbed_err(c, "random generator", ret);
		r = LM_ERR_TLS;
		goto fail;
	}
	ret = mbedtls_x509_crt_parse_file(&t->ca, cafile);
	if (ret < 0 || t->ca.version == 0) {
		if (ret < 0)
			set_mbed_err(c, cafile, ret);
		else
			lm_net__set_err(c, "%s: no usable CA certificate", cafile);
		r = LM_ERR_CERT;
		goto fail;
	}
	ret = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
	                                  MBEDTLS_SSL_TRANSPORT_STREAM,
	                                  MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		set_mbed_err(c, "TLS configuration", ret);
		r = LM_ERR_TLS;
		goto fail;
	}
	lm_mbedtls__conf_min_tls12(&t->conf);
	mbedtls_ssl_conf_ciphersuites(&t->conf, lm_tls__suites);
	lm_mbedtls__conf_groups(&t->conf);
	lm_mbedtls__conf_sig_algs(&t->conf);
#if defined(MBEDTLS_DHM_C)
	mbedtls_ssl_conf_dhm_min_bitlen(&t->conf, LM_TLS__DHM_MIN_BITS);
#endif
	mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	mbedtls_ssl_conf_verify(&t->conf, verify_cb, t);

	ret = mbedtls_ssl_setup(&t->ssl, &t->conf);
	if (ret != 0) {
		set_mbed_err(c, "TLS setup", ret);
		r = LM_ERR_TLS;
		goto fail;
	}
	/*
	 * DNS name: SNI and mbedTLS's name check. IP literal: no SNI
	 * (RFC 6066 3), explicitly no name for mbedTLS (3.6 refuses an
	 * unset name), and verify_cb checks the iPAddress SAN.
	 */
	ret = mbedtls_ssl_set_hostname(&t->ssl, t->ip_len ? NULL : host);
	if (ret != 0) {
		set_mbed_err(c, "TLS host name", ret);
		r = LM_ERR_TLS;
		goto fail;
	}
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);

	t->deadline = lm_net__now_ms() + c->timeout_ms;
	c->io_err = 0;
	while ((ret = mbedtls_ssl_handshake(&t->ssl)) != 0) {
		if (ret == MBEDTLS_ERR_SSL_WANT_READ ||
		    ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		break;
	}
	flags = mbedtls_ssl_get_verify_result(&t->ssl);
	if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
	    (ret != 0 && flags != 0 && flags != (uint32_t)-1)) {
		set_cert_err(c, t, host, flags);
		c->io_err = 0;
		r = LM_ERR_CERT;
		goto fail;
	}
	if (ret != 0) {
		r = map_err(c, handshake_what(ret), ret);
		goto fail;
	}
	if (flags != 0) {
		/* cannot happen with VERIFY_REQUIRED; refuse if it does */
		lm_net__set_err(c, "certificate for %s not verified", host);
		r = LM_ERR_CERT;
		goto fail;
	}
	lm_net__note(c->trace, c->trace_ud, "TLS established: %s, %s",
	             mbedtls_ssl_get_version(&t->ssl),
	             mbedtls_ssl_get_ciphersuite(&t->ssl));
	return 0;

fail:
	lm_net__note(c->trace, c->trace_ud, "%s", c->errtext);
	tls_free(c);
	return r;
}

int
lm_net__tls_read(lm_conn *c, void *buf, size_t cap, size_t *got)
{
	struct lm_net__tls *t = c->tls;
	int ret;

	*got = 0;
	t->deadline = lm_net__now_ms() + c->timeout_ms;
	c->io_err = 0;
	for (;;) {
		ret = mbedtls_ssl_read(&t->ssl, buf, cap);
		if (ret > 0) {
			*got = (size_t)ret;
			return 0;
		}
		if (ret == MBEDTLS_ERR_SSL_WANT_READ ||
		    ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (lm_mbedtls__err_new_ticket(ret))
			continue;
		return map_err(c, "TLS read", ret);
	}
}

int
lm_net__tls_write(lm_conn *c, const void *buf, size_t n)
{
	struct lm_net__tls *t = c->tls;
	const unsigned char *p = buf;

	c->io_err = 0;
	while (n > 0) {
		int ret;
		t->deadline = lm_net__now_ms() + c->timeout_ms;
		ret = mbedtls_ssl_write(&t->ssl, p, n);
		if (ret > 0) {
			p += ret;
			n -= (size_t)ret;
			continue;
		}
		if (ret == MBEDTLS_ERR_SSL_WANT_READ ||
		    ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		ret = map_err(c, "TLS write", ret);
		return ret == LM_ERR_EOF ? LM_ERR_IO : ret;
	}
	return 0;
}

void
lm_net__tls_close(lm_conn *c)
{
	struct lm_net__tls *t = c->tls;
	int ret, tries = 0;

	if (t == NULL)
		return;
	t->deadline = lm_net__now_ms() + (c->timeout_ms < 2000 ? c->timeout_ms : 2000);
	/* after a failed write, mbedTLS would first send the rest of the
	 * record the caller was told failed: no orderly end then */
	do
		ret = c->write_failed ? 0 : mbedtls_ssl_close_notify(&t->ssl);
	while ((ret == MBEDTLS_ERR_SSL_WANT_WRITE ||
	        ret == MBEDTLS_ERR_SSL_WANT_READ) && ++tries < 100);
	c->io_err = 0;
	tls_free(c);
}

int
lm_net__random(unsigned char *buf, size_t n)
{
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	int ret;

	if (lm_mbedtls__crypto_init() < 0)
		return LM_ERR_TLS;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	                            (const unsigned char *)"libmail-net-rng", 15);
	while (ret == 0 && n > 0) {
		size_t k = n > MBEDTLS_CTR_DRBG_MAX_REQUEST ?
		           MBEDTLS_CTR_DRBG_MAX_REQUEST : n;
		ret = mbedtls_ctr_drbg_random(&drbg, buf, k);
		buf += k;
		n -= k;
	}
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return ret == 0 ? 0 : LM_ERR_TLS;
}
