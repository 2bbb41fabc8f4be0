/*
 * libmail - SASL pieces the protocol engines (lib/smtp, lib/pop3,
 * lib/imap, lib/net) share. Not installed, not part of the ABI.
 */
#ifndef LM_SASL_PROTO_H
#define LM_SASL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "libmail/sasl.h"

/**
 * Whether the exchange of mech shows a reusable secret to anyone on the
 * path: the password (PLAIN, LOGIN) or a bearer token (XOAUTH2,
 * OAUTHBEARER). Such a mechanism is never started without TLS unless
 * the caller allowed plaintext authentication.
 */
int lm_sasl__reveals_secret(lm_sasl_mech mech);

/**
 * Length of the line lm_sasl__auth_line() writes, CRLF excluded:
 * "AUTH " + name (nl bytes), plus " " and the base64 of an irl-byte
 * initial response ("=" when it is empty, RFC 4954 4 and RFC 5034 4)
 * when with_ir is non-zero.
 */
size_t lm_sasl__auth_line_len(size_t nl, int with_ir, size_t irl);

/**
 * Write the SMTP/POP3 "AUTH name [initial-response]" line, CRLF
 * excluded, to dst, which holds lm_sasl__auth_line_len(nl, ir != NULL,
 * irl) bytes or more. ir == NULL: no initial response. The caller
 * wipes ir afterwards. Returns the number of bytes written.
 */
size_t lm_sasl__auth_line(uint8_t *dst, const char *name, size_t nl,
                          const uint8_t *ir, size_t irl);

#endif
