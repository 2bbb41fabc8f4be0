/*
 * libmail - everything that depends on the mbedTLS version, in one place
 * (issue 2). libmail builds with 2.28 LTS (Debian 12) and 3.6 LTS; the
 * two files that call mbedTLS, lib/sasl/hash_mbedtls.c and
 * lib/net/tls_mbedtls.c, include this header and test no version
 * themselves: they call only functions whose signatures are the same in
 * both, and the shims below for the rest.
 *
 * The TLS shims need <mbedtls/ssl.h>; lib/sasl has no use for it, so
 * they are there only when LM_MBEDTLS__TLS is defined before including.
 *
 * Private (never installed).
 */
#ifndef LM_CORE_MBEDTLS_COMPAT_H
#define LM_CORE_MBEDTLS_COMPAT_H

#include <mbedtls/version.h>

#if !defined(MBEDTLS_VERSION_NUMBER) || MBEDTLS_VERSION_NUMBER < 0x02100000
#error "libmail needs mbedTLS 2.16 or newer (2.28 LTS or 3.6 LTS recommended)"
#endif

#ifdef LM_MBEDTLS__TLS

#include <stdint.h>
#include <stdio.h>

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <psa/crypto.h>
#endif

/* Ready the crypto for a handshake: from 3.0 on, TLS 1.3 and the
 * ciphers go through PSA, which must be initialised first. 0 or -1. */
static inline int
lm_mbedtls__crypto_init(void)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
#else
	return 0;
#endif
}

/* Refuse every version older than TLS 1.2 (3.2 renamed the call). */
static inline void
lm_mbedtls__conf_min_tls12(mbedtls_ssl_config *conf)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
	mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
	mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_3);
#endif
}

/* The TLS 1.3 suites, each followed by a comma, for the head of the list
 * given to mbedtls_ssl_conf_ciphersuites(): from 3.0 on that one list
 * serves TLS 1.2 and 1.3, and a list without 1.3 suites would leave 1.3
 * none. All three are AEAD with forward secrecy (RFC 8446 has nothing
 * else but the CCM ones, left out as in Mozilla's list). 2.x: none. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define LM_MBEDTLS__TLS13_SUITES \
	MBEDTLS_TLS1_3_AES_128_GCM_SHA256, \
	MBEDTLS_TLS1_3_AES_256_GCM_SHA384, \
	MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
#else
#define LM_MBEDTLS__TLS13_SUITES
#endif

/* The key-exchange groups offered for ECDHE: X25519, P-256, P-384 (as
 * Mozilla's intermediate profile) and P-521; 2.x's default list also
 * offers the 192- and 224-bit curves, which a server could pick. Each only if the
 * build has it: 2.x refuses to write a ClientHello with a curve it
 * lacks. 3.1 took IANA group ids instead of curve ids. */
static inline void
lm_mbedtls__conf_groups(mbedtls_ssl_config *conf)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03010000
	static const uint16_t groups[] = {
		MBEDTLS_SSL_IANA_TLS_GROUP_X25519, MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
		MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1, MBEDTLS_SSL_IANA_TLS_GROUP_SECP521R1,
		MBEDTLS_SSL_IANA_TLS_GROUP_NONE
	};
	mbedtls_ssl_conf_groups(conf, groups);
#elif defined(MBEDTLS_ECP_C)
	static const mbedtls_ecp_group_id groups[] = {
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
		MBEDTLS_ECP_DP_CURVE25519,
#endif
#if defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
		MBEDTLS_ECP_DP_SECP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP384R1_ENABLED)
		MBEDTLS_ECP_DP_SECP384R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP521R1_ENABLED)
		MBEDTLS_ECP_DP_SECP521R1,
#endif
		MBEDTLS_ECP_DP_NONE
	};
	mbedtls_ssl_conf_curves(conf, groups);
#else
	(void)conf;
#endif
}

/* The signature algorithms offered, in this order: ECDSA, then RSA with
 * PKCS#1 v1.5, then RSA-PSS. mbedTLS 3.x's default list puts RSA-PSS
 * first, and a TLS 1.2 server with an RSA key (OpenSSL keeps the
 * client's order) then signs its ServerKeyExchange with RSA-PSS, which
 * 3.6.6's TLS 1.2 client refuses ("illegal parameter", Mbed-TLS PR
 * 10674): no handshake with such a server at all. TLS 1.2 has always
 * signed with PKCS#1 v1.5 here (2.28 has nothing else); TLS 1.3 allows
 * only RSA-PSS in the handshake and picks it whatever its place. The
 * ones a build lacks are left out of the ClientHello by mbedTLS. 2.x
 * and 3.0/3.1: the default list (2.28 offers no RSA-PSS). */
static inline void
lm_mbedtls__conf_sig_algs(mbedtls_ssl_config *conf)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
	static const uint16_t algs[] = {
		MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256,
		MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
		MBEDTLS_TLS1_3_SIG_ECDSA_SECP521R1_SHA512,
		MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
		MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
		MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
		MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,
		MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
		MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512,
		MBEDTLS_TLS1_3_SIG_NONE
	};
	mbedtls_ssl_conf_sig_algs(conf, algs);
#else
	(void)conf;
#endif
}

/* 1 if the handshake error ret says that the server offers no TLS
 * version accepted here (3.0 renamed the code). */
static inline int
lm_mbedtls__err_no_version(int ret)
{
#if defined(MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
	if (ret == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
		return 1;
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)
	if (ret == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)
		return 1;
#endif
	(void)ret;
	return 0;
}

/* 1 if mbedtls_ssl_read() returned ret for a TLS 1.3 NewSessionTicket
 * (3.x only): no data and no error, the read is simply tried again. */
static inline int
lm_mbedtls__err_new_ticket(int ret)
{
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
	return ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET;
#else
	(void)ret;
	return 0;
#endif
}

/* The certificate verification flags as text in info[cap] (3.x may be
 * built with MBEDTLS_X509_REMOVE_INFO, which drops the text). */
static inline void
lm_mbedtls__verify_info(char *info, size_t cap, uint32_t flags)
{
#if !defined(MBEDTLS_X509_REMOVE_INFO)
	mbedtls_x509_crt_verify_info(info, cap, "", flags);
#else
	snprintf(info, cap, "verification flags 0x%08lx", (unsigned long)flags);
#endif
}

#endif /* LM_MBEDTLS__TLS */

#endif
