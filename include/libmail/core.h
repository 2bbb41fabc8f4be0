/*
 * libmail - core helpers shared by every area: line framing, base64,
 * quoted-printable, IDNA, allocator and trace helpers.
 *
 * Nothing here does I/O. Unless a function says otherwise it does not
 * allocate, keeps no state between calls and is safe to call from any
 * thread. Output always goes into a caller buffer (out, cap); on
 * LM_ERR_BUFFER_TOO_SMALL the contents of out are unspecified.
 */
#ifndef LIBMAIL_CORE_H
#define LIBMAIL_CORE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Line framing                                                        */
/* ------------------------------------------------------------------ */

/**
 * \brief Find the first complete line in p[0..n).
 *
 * A line ends with LF; a CR just before the LF is part of the
 * terminator (CRLF), a CR anywhere else is an ordinary byte.
 *
 * \param p        bytes received so far (may be NULL when n == 0).
 * \param n        number of bytes at p.
 * \param max      longest line accepted, terminator included; MUST be > 0.
 * \param line_len set to the line length without CRLF / LF.
 * \param consumed set to the line length with its terminator.
 * \return 1 when a whole line is there (the line is p[0..*line_len));
 *         0 when more bytes are needed (no LF in p[0..n) and n < max);
 *         LM_ERR_LINE_TOO_LONG when no LF occurs within the first max
 *         bytes; LM_ERR_PROTOCOL when a NUL byte occurs before the LF
 *         (reported as soon as it is seen, even before the line is
 *         complete); LM_ERR_BAD_PARAM when max == 0 or an output pointer
 *         is NULL. The outputs are written only when 1 is returned.
 *         Only p[0..min(n, max)) is read.
 */
LM_API int lm_line_next(const unsigned char *p, size_t n, size_t max,
                        size_t *line_len, size_t *consumed);

/**
 * \brief Whether p[0..n) is 7-bit: returns 1 if every byte is < 0x80
 *        (also for n == 0), 0 if any byte is >= 0x80.
 */
LM_API int lm_is_ascii(const void *p, size_t n);

/* ------------------------------------------------------------------ */
/* Base64 (RFC 4648 section 4: standard alphabet, with padding)        */
/* ------------------------------------------------------------------ */

/**
 * \brief Length of the base64 encoding of n bytes: 4 * ((n + 2) / 3),
 *        with no line breaks and no NUL. SIZE_MAX if that overflows.
 */
LM_API size_t lm_b64_encoded_len(size_t n);

/**
 * \brief Upper bound of the bytes decoded from n base64 characters:
 *        n / 4 * 3 + 3 (also covers unpadded input in lenient mode).
 */
LM_API size_t lm_b64_decoded_max(size_t n);

/**
 * \brief One-shot base64 encoding, no line breaks, no NUL written.
 * \param in     n bytes (may be NULL when n == 0).
 * \param out    receives lm_b64_encoded_len(n) characters.
 * \param outlen set to the number of characters written (on success).
 * \return 0, LM_ERR_BUFFER_TOO_SMALL if cap < lm_b64_encoded_len(n),
 *         LM_ERR_BAD_PARAM if out/outlen is NULL (or in with n > 0).
 */
LM_API int lm_b64_encode(const void *in, size_t n, char *out, size_t cap,
                         size_t *outlen);

/**
 * \brief One-shot strict base64 decoding.
 *
 * Strict means: n is a multiple of 4, only alphabet characters, '='
 * only as one or two final pad characters, and the unused bits before
 * the padding are zero (the canonical encoding, RFC 4648 3.5). White
 * space, line breaks and any other byte are rejected. Empty input
 * decodes to empty output. For lenient decoding (MIME bodies) use the
 * streaming decoder with LM_B64_LENIENT.
 *
 * \return 0; LM_ERR_DECODE for malformed input; LM_ERR_BUFFER_TOO_SMALL
 *         if cap is smaller than the exact decoded length (checked
 *         before anything is written); LM_ERR_BAD_PARAM for NULL
 *         pointers. *outlen is set only on success.
 */
LM_API int lm_b64_decode(const char *in, size_t n, void *out, size_t cap,
                         size_t *outlen);

/* ------------------------------------------------------------------ */
/* IDNA                                                                */
/* ------------------------------------------------------------------ */

/**
 * \brief Domain name from UTF-8 (U-labels) to ASCII (A-labels,
 *        "xn--..."), IDNA2008 non-transitional via libidn2.
 *
 * in[0..n) need not be NUL-terminated; a NUL inside it is an error.
 * Pure-ASCII input is copied unchanged (no case folding, no checks).
 * The result is written NUL-terminated to out[cap]; *outlen excludes
 * the NUL. Built with LM_HAVE_IDN == 0 (make IDN=0), only the ASCII
 * path exists and any non-ASCII input gives LM_ERR_IDNA.
 *
 * \return 0; LM_ERR_IDNA if the name is not valid IDNA2008 (bad UTF-8,
 *         a label over 63 bytes, a disallowed code point, ...);
 *         LM_ERR_BUFFER_TOO_SMALL if the result and its NUL do not fit;
 *         LM_ERR_NOMEM if libidn2 could not allocate; LM_ERR_BAD_PARAM
 *         for NULL pointers.
 */
LM_API int lm_idna_to_ascii(const char *in, size_t n, char *out, size_t cap,
                            size_t *outlen);

/**
 * \brief Domain name from ASCII (A-labels) to UTF-8 (U-labels).
 *
 * Each "xn--" label is decoded and then encoded back with libidn2; the
 * result is accepted only if that gives the same A-labels again
 * (case-insensitively), so a forged or non-canonical A-label is an
 * error rather than a look-alike name. Input that contains no
 * "xn--" label is copied unchanged. Same buffer rules and errors as
 * lm_idna_to_ascii(); with LM_HAVE_IDN == 0 ASCII input without an
 * "xn--" label is copied, anything else gives LM_ERR_IDNA.
 */
LM_API int lm_idna_to_unicode(const char *in, size_t n, char *out, size_t cap,
                              size_t *outlen);

#ifdef __cplusplus
}
#endif
#endif
