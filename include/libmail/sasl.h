/*
 * libmail - SASL client mechanisms (RFC 4422) as pure functions of bytes.
 *
 * A mechanism here does no I/O, no base64 and no framing: the protocol
 * engine (SMTP AUTH, IMAP AUTHENTICATE, POP3 AUTH) decodes each server
 * challenge, hands the raw bytes to lm_sasl_step(), and base64-encodes
 * the raw response it gets back. The context is a plain struct the
 * caller may put anywhere; nothing is allocated by the mechanisms
 * themselves (the hash primitives of the crypto library may allocate
 * a small HMAC context during a step and release it before returning).
 *
 * Mechanisms: PLAIN (RFC 4616), LOGIN (draft-murchison-sasl-login),
 * XOAUTH2 (Google), OAUTHBEARER (RFC 7628), CRAM-MD5 (RFC 2195, opt-in
 * only), SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), without
 * channel binding (gs2 flag "n").
 *
 * Passwords and user names are used as the UTF-8 bytes the caller gives:
 * SASLprep (RFC 4013) is not applied. A non-ASCII password therefore
 * works with SCRAM only if the server stored it in the same
 * normalization form.
 *
 * Typical use:
 *
 *     lm_sasl_creds cr = LM_SASL_CREDS_INIT;
 *     cr.user = "alice"; cr.password = pw; cr.rng = my_rng;
 *     m = lm_sasl_choose(ehlo_auth_list, len, LM_SASL_DEFAULT_ALLOWED, &cr);
 *     lm_sasl_init(&s, m, &cr);
 *     if (lm_sasl_has_initial(&s)) lm_sasl_step(&s, NULL, 0, out, cap, &n);
 *     ... for each challenge: lm_sasl_step(&s, chal, clen, out, cap, &n);
 *     ... on server success: if (lm_sasl_finish(&s) != 0) treat as failure;
 *     lm_sasl_free(&s);
 */
#ifndef LIBMAIL_SASL_H
#define LIBMAIL_SASL_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Mechanisms, as bits so that a set of them fits an unsigned. */
typedef enum {
	LM_SASL_NONE = 0,
	LM_SASL_PLAIN = 1 << 0,
	LM_SASL_LOGIN = 1 << 1,
	LM_SASL_XOAUTH2 = 1 << 2,
	LM_SASL_OAUTHBEARER = 1 << 3,
	LM_SASL_CRAM_MD5 = 1 << 4,
	LM_SASL_SCRAM_SHA_1 = 1 << 5,
	LM_SASL_SCRAM_SHA_256 = 1 << 6
} lm_sasl_mech;

/** Every mechanism except CRAM-MD5, which needs the server to store the
 *  password in clear (or an equivalent) and must be asked for by name. */
#define LM_SASL_DEFAULT_ALLOWED                                            \
	((unsigned)(LM_SASL_PLAIN | LM_SASL_LOGIN | LM_SASL_XOAUTH2 |          \
	            LM_SASL_OAUTHBEARER | LM_SASL_SCRAM_SHA_1 |                \
	            LM_SASL_SCRAM_SHA_256))

/** Every mechanism this library implements. */
#define LM_SASL_ALL (LM_SASL_DEFAULT_ALLOWED | (unsigned)LM_SASL_CRAM_MD5)

/** Value of lm_sasl_creds.version. */
#define LM_SASL_CREDS_VERSION 1

/**
 * Credentials. The strings are NUL-terminated UTF-8 and are BORROWED:
 * lm_sasl_init() copies this struct (so the struct itself may be a
 * temporary) but keeps the string pointers, so the strings MUST stay
 * valid and unchanged until lm_sasl_free(). libmail never writes to them
 * and never zeroizes them: the caller owns the password and the token.
 */
typedef struct {
	int version;                 /**< LM_SASL_CREDS_VERSION (1)            */
	const char *authzid;         /**< authorization identity, or NULL     */
	const char *user;            /**< authentication identity             */
	const char *password;        /**< PLAIN, LOGIN, CRAM-MD5, SCRAM       */
	const char *token;           /**< OAuth 2.0 bearer token, for XOAUTH2
	                                  and OAUTHBEARER                     */
	const char *host;            /**< OAUTHBEARER host= (NULL: omitted)   */
	unsigned port;               /**< OAUTHBEARER port= (0: omitted)      */
	/** Random bytes for the SCRAM client nonce: fill buf[0..n), return 0,
	 *  or a negative value on failure. Required for SCRAM. It MUST be a
	 *  cryptographic generator (e.g. mbedtls_ctr_drbg_random). */
	int (*rng)(void *ud, unsigned char *buf, size_t n);
	void *rng_ud;                /**< passed to rng                        */
} lm_sasl_creds;

/** Initializer for lm_sasl_creds: version set, everything else empty. */
#define LM_SASL_CREDS_INIT { 1, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL }

/**
 * One authentication exchange. Fixed size, no pointers to heap memory;
 * members are private. Holds a copy of the creds struct (hence pointers
 * to the caller's strings, see lm_sasl_creds) and, for SCRAM, the client
 * nonce and the expected server signature. lm_sasl_free() zeroizes it.
 */
typedef struct {
	int LM_PRIVATE(mech);
	int LM_PRIVATE(state);
	int LM_PRIVATE(verified);
	lm_sasl_creds LM_PRIVATE(cr);
	size_t LM_PRIVATE(nonce_len);
	char LM_PRIVATE(nonce)[LM_SASL_SCRAM_NONCE_LEN + 8];
	unsigned char LM_PRIVATE(server_sig)[32];
} lm_sasl;

/**
 * \brief Prepare an exchange for one mechanism.
 *
 * Checks that the creds can serve the mechanism: user and password for
 * PLAIN, LOGIN, CRAM-MD5 and SCRAM (SCRAM also needs rng); token for
 * XOAUTH2 (with user) and OAUTHBEARER (user optional). For SCRAM the
 * client nonce (LM_SASL_SCRAM_NONCE_LEN printable characters) is drawn
 * from cr->rng here.
 *
 * \param s     the context; always left in a state lm_sasl_free() accepts
 *              (on error, every later step fails).
 * \param mech  exactly one mechanism.
 * \param cr    the credentials; copied, strings borrowed (see above).
 * \return 0; LM_ERR_BAD_PARAM when s/cr is NULL, cr->version is wrong,
 *         mech is not exactly one known mechanism, a needed credential
 *         is missing or empty, or a string holds a byte the mechanism
 *         cannot carry (CR or LF in user/authzid for every mechanism;
 *         0x01 or a control byte in XOAUTH2/OAUTHBEARER fields; a space
 *         or control byte in the token; for SCRAM an authzid longer
 *         than 250 bytes once escaped; an authzid for LOGIN, CRAM-MD5
 *         or XOAUTH2, which cannot carry one); LM_ERR_CALLBACK when rng
 *         failed.
 */
LM_API int lm_sasl_init(lm_sasl *s, lm_sasl_mech mech, const lm_sasl_creds *cr);

/**
 * \brief Zeroize the context (nonce, expected server signature, state).
 *        NULL-safe and idempotent; also fine after a failed init. The
 *        caller's credential strings are not touched.
 */
LM_API void lm_sasl_free(lm_sasl *s);

/**
 * \brief IANA name of a mechanism, e.g. "SCRAM-SHA-256".
 * \return a static string, or NULL unless mech is exactly one mechanism.
 */
LM_API const char *lm_sasl_mech_name(lm_sasl_mech mech);

/**
 * \brief Mechanism from its name name[0..len) (need not be
 *        NUL-terminated), case-insensitive, whole name only.
 * \return the mechanism, or LM_SASL_NONE if unknown.
 */
LM_API lm_sasl_mech lm_sasl_mech_from_name(const char *name, size_t len);

/**
 * \brief The mechanism an exchange was initialized with (also after a
 *        failure), or LM_SASL_NONE for NULL, a failed init or a freed
 *        context. Lets a protocol engine name it in "AUTH <name>"
 *        without touching private members.
 */
LM_API lm_sasl_mech lm_sasl_get_mech(const lm_sasl *s);

/**
 * \brief Whether the mechanism starts with a client message (initial
 *        response): PLAIN, XOAUTH2, OAUTHBEARER and SCRAM yes (1);
 *        LOGIN and CRAM-MD5 no (0); 0 for a context not initialized.
 */
LM_API int lm_sasl_has_initial(const lm_sasl *s);

/**
 * \brief One step of the exchange.
 *
 * For the initial response call with in == NULL (only when
 * lm_sasl_has_initial()). If the server did not take an initial
 * response and sends an empty challenge instead, pass that empty
 * challenge (in != NULL, inlen == 0): the mechanism then sends its first
 * message. Otherwise in[0..inlen) is the server's decoded challenge
 * (not NUL-terminated; it is read only within inlen). The raw response
 * is written to out[0..cap) and its length to *outlen; a response of 0
 * bytes is valid and MUST be sent (as an empty line / "=" as the
 * protocol says). The response may hold the password or the token in
 * clear (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER): the caller should zeroize
 * out (and its base64 form) once sent.
 *
 * Per mechanism: LOGIN answers the first challenge (normally
 * "Username:") with the user and the second ("Password:") with the
 * password; a second challenge asking for a user name again is refused.
 * XOAUTH2 answers a challenge after its message (an error JSON) with an
 * empty response, OAUTHBEARER with "\x01" (RFC 7628 3.2.3); the server
 * then fails the exchange. SCRAM checks the server-first message
 * strictly (nonce extends ours, valid salt, 1 <= i <=
 * LM_SASL_SCRAM_MAX_ITER, no mandatory extension m=, attribute order)
 * and verifies the server signature in the server-final message; the
 * response to the server-final message is empty. A server-final message
 * that arrives as success data (SMTP "235 <data>", IMAP "OK [...]") is
 * also passed through this function before lm_sasl_finish().
 *
 * \return 0 (send *outlen bytes);
 *         LM_ERR_SASL when the server message is invalid, forged or
 *         unexpected (foreign or unextended SCRAM nonce, absurd
 *         iteration count, bad or over-long (> 256 bytes) salt,
 *         wrong server signature, e=...,
 *         a challenge longer than LM_SASL_CHALLENGE_MAX, a challenge
 *         after the mechanism's last message, a challenge out of order).
 *         This error is sticky: every later step and lm_sasl_finish()
 *         fail too;
 *         LM_ERR_BUFFER_TOO_SMALL when cap is too short (nothing
 *         consumed, state unchanged: retry with a larger buffer);
 *         LM_ERR_BAD_STATE when in == NULL but the mechanism has no
 *         initial response, or when the context was not initialized;
 *         LM_ERR_BAD_PARAM for NULL out/outlen (or NULL in with inlen);
 *         LM_ERR_NOMEM / LM_ERR_UNSUPPORTED when the crypto library
 *         could not allocate or lacks the hash (sticky).
 */
LM_API int lm_sasl_step(lm_sasl *s, const unsigned char *in, size_t inlen,
                        unsigned char *out, size_t cap, size_t *outlen);

/**
 * \brief Call when the server reported success.
 * \return 0 when the mechanism is satisfied; LM_ERR_SASL when it is not:
 *         SCRAM whose server signature was not verified (the server may
 *         be an impostor), any mechanism that did not send its
 *         credentials yet, an exchange that failed, or XOAUTH2 /
 *         OAUTHBEARER after an error challenge.
 */
LM_API int lm_sasl_finish(lm_sasl *s);

/**
 * \brief Choose the strongest mechanism that the server offers, that
 *        `allowed` permits and that the creds can serve.
 *
 * offered[0..len) is a list of names separated by spaces or tabs, as in
 * EHLO "AUTH ...", POP3 CAPA "SASL ..." or the IMAP AUTH= names (pass
 * the names only), compared case-insensitively and whole. Preference:
 * with a token, OAUTHBEARER > XOAUTH2; with a password, SCRAM-SHA-256 >
 * SCRAM-SHA-1 (both need cr->rng) > CRAM-MD5 (only if allowed) >
 * PLAIN > LOGIN; token mechanisms first when both are present. A single
 * bit in `allowed` makes that mechanism the only candidate: there is no
 * fallback to anything else.
 *
 * \return the mechanism, or LM_SASL_NONE if nothing fits (also for
 *         NULL cr or offered). Whether a plaintext mechanism may be
 *         used without TLS is the caller's decision
 *         (lm_sasl_mech_is_plaintext()).
 */
LM_API lm_sasl_mech lm_sasl_choose(const char *offered, size_t len, unsigned allowed,
                                   const lm_sasl_creds *cr);

/**
 * \brief Whether the mechanism shows the password to anyone who can read
 *        the exchange: 1 for PLAIN and LOGIN, else 0. (XOAUTH2 and
 *        OAUTHBEARER also send a bearer token in clear: never use any
 *        of them without TLS.)
 */
LM_API int lm_sasl_mech_is_plaintext(lm_sasl_mech mech);

/**
 * \brief APOP digest (RFC 1939 7): the lowercase hex MD5 of the greeting
 *        timestamp (brackets included, e.g. "<1896.697170952@dbc.mtview.ca.us>")
 *        followed by the password.
 * \param timestamp  tlen bytes (need not be NUL-terminated), borrowed.
 * \param password   NUL-terminated, borrowed, not modified.
 * \param out        receives 32 hex digits and a NUL.
 * \return 0; LM_ERR_BAD_PARAM for NULL pointers, an empty timestamp, or
 *         timestamp plus password longer than 2048 bytes (out is then
 *         ""); LM_ERR_UNSUPPORTED / LM_ERR_NOMEM from the crypto library.
 */
LM_API int lm_sasl_apop_digest(const char *timestamp, size_t tlen,
                               const char *password, char out[33]);

#ifdef __cplusplus
}
#endif
#endif
