/*
 * libmail - error codes.
 *
 * Every libmail function that can fail returns an int: 0 (LM_OK) on
 * success, a positive status where documented (LM_EVENT, LM_WANT_READ,
 * LM_WANT_WRITE), or one of the negative LM_ERR_* codes below.
 *
 * The codes come from one table (LM_ERROR_MAP) so that the enum, the
 * names and the messages can never drift apart. Values are part of the
 * ABI: they are never renumbered, new codes are appended.
 */
#ifndef LIBMAIL_ERROR_H
#define LIBMAIL_ERROR_H

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LM_ERROR_MAP(X)                                                        \
	X(BAD_PARAM,        -1, "invalid argument (CR, LF or NUL, or out of range)") \
	X(BAD_STATE,        -2, "operation not allowed in the current state")       \
	X(PROTOCOL,         -3, "the peer violated the protocol")                   \
	X(LINE_TOO_LONG,    -4, "line exceeds the configured limit")                \
	X(EOF,              -5, "connection closed unexpectedly")                   \
	X(TLS,              -6, "TLS failure")                                      \
	X(IO,               -7, "network I/O error")                                \
	X(NOMEM,            -8, "out of memory")                                    \
	X(BUFFER_TOO_SMALL, -9, "buffer too small")                                 \
	X(LIMIT,           -10, "a configured limit was exceeded")                  \
	X(TIMEOUT,         -11, "operation timed out")                              \
	X(DNS,             -12, "host name resolution failed")                      \
	X(CERT,            -13, "certificate verification failed")                  \
	X(NO_STARTTLS,     -14, "server does not offer STARTTLS")                   \
	X(AUTH,            -15, "authentication failed")                            \
	X(NO_MECH,         -16, "no acceptable SASL mechanism")                     \
	X(PLAINTEXT,       -17, "refused to send credentials without TLS")          \
	X(REFUSED,         -18, "the server refused the request")                   \
	X(UNSUPPORTED,     -19, "the server does not support a required extension") \
	X(IDNA,            -20, "international domain name conversion failed")     \
	X(URL,             -21, "malformed URL")                                    \
	X(SASL,            -22, "invalid or forged SASL server message")            \
	X(CONNECT,         -23, "could not connect")                                \
	X(STARTTLS_FAILED, -24, "the server refused STARTTLS")                      \
	X(DECODE,          -25, "malformed encoded data")                           \
	X(CALLBACK,        -26, "a caller callback reported failure")

/** Error codes; all negative. */
typedef enum {
	LM_OK = 0,
#define LM__ERR_ENUM(name, val, msg) LM_ERR_##name = (val),
	LM_ERROR_MAP(LM__ERR_ENUM)
#undef LM__ERR_ENUM
	LM_ERR__LAST = -27
} lm_err;

/**
 * \brief Human-readable message for a code.
 * \return a static string; never NULL ("unknown error" for unknown
 *         codes, "success" for 0, "status" for positive values).
 */
LM_API const char *lm_strerror(int err);

/**
 * \brief Symbolic name of a code, e.g. "LM_ERR_PROTOCOL".
 * \return a static string; never NULL.
 */
LM_API const char *lm_errname(int err);

#ifdef __cplusplus
}
#endif
#endif
