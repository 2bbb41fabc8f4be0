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
 *         complete); LM_ERR_BAD_PARAM when max == 0, an output pointer
 *         is NULL or p is NULL with n > 0. The outputs are written only when 1 is returned.
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
/* Streaming codecs                                                    */
/*                                                                     */
/* All four work the same way and never allocate. The caller owns the  */
/* state struct (fields private, sizeof public) and calls:             */
/*                                                                     */
/*   lm_X_init(&st, flags);                                            */
/*   lm_X_update(&st, in, n, out, cap, &used, &written);  (repeatedly) */
/*   lm_X_final(&st, out, cap, &written);     (until it returns 0)     */
/*                                                                     */
/* update consumes in[0..*used) and writes out[0..*written); it stops  */
/* early only when out is full, so the caller drains out and calls     */
/* again with in + *used. Any cap >= 1 makes progress. final flushes   */
/* what the state still holds: it returns LM_ERR_BUFFER_TOO_SMALL when */
/* out filled up first (what was written is valid; call it again), so  */
/* a final buffer of LM_CODEC_FINAL_MAX bytes always suffices. The     */
/* output never depends on how the input was split across calls.      */
/* A state needs no cleanup; call init again to reuse it.              */
/* ------------------------------------------------------------------ */

/** Output of lm_*_final() never exceeds this many bytes. */
#define LM_CODEC_FINAL_MAX 160

/** lm_b64_enc_init() flag: insert CRLF after every 76 output characters
 *  (RFC 2045 6.8). No CRLF is added after the last line, since a MIME
 *  delimiter brings its own. */
#define LM_B64_WRAP 0x1u

/** Streaming base64 encoder state. */
typedef struct {
	unsigned LM_PRIVATE(flags);
	unsigned char LM_PRIVATE(carry)[3];
	unsigned char LM_PRIVATE(ncarry);
	unsigned char LM_PRIVATE(col);
	unsigned char LM_PRIVATE(npend);
	unsigned char LM_PRIVATE(opend);
	unsigned char LM_PRIVATE(pend)[8];
} lm_b64_enc;

/** \brief Start encoding; flags is 0 or LM_B64_WRAP. */
LM_API void lm_b64_enc_init(lm_b64_enc *e, unsigned flags);

/** \brief Encode in[0..n); see the streaming contract above.
 *  \return 0, or LM_ERR_BAD_PARAM for NULL pointers. */
LM_API int lm_b64_enc_update(lm_b64_enc *e, const void *in, size_t n,
                             char *out, size_t cap, size_t *used, size_t *written);

/** \brief Write the last group with its padding.
 *  \return 0 when done, LM_ERR_BUFFER_TOO_SMALL to be called again. */
LM_API int lm_b64_enc_final(lm_b64_enc *e, char *out, size_t cap, size_t *written);

/** lm_b64_dec_init() mode: same rules as lm_b64_decode() (the default). */
#define LM_B64_STRICT 0x0u
/** lm_b64_dec_init() mode for MIME bodies: white space (SP, HT, CR, LF)
 *  is skipped, other invalid bytes are skipped and counted, missing or
 *  misplaced padding is tolerated and counted; never an error. */
#define LM_B64_LENIENT 0x1u

/** Defects a lenient base64 decoder met (strict mode stops at the first
 *  one instead). White space is not a defect. */
typedef struct {
	size_t invalid;         /**< bytes outside the alphabet, skipped        */
	size_t bad_padding;     /**< '=' where none belongs, or data after '='  */
	size_t missing_padding; /**< input ended in a group without (enough) '=' */
	size_t truncated;       /**< input ended with one lone character (dropped) */
} lm_b64_defects;

/** Streaming base64 decoder state. */
typedef struct {
	unsigned LM_PRIVATE(flags);
	int LM_PRIVATE(err);
	uint32_t LM_PRIVATE(bits);
	unsigned char LM_PRIVATE(q);
	unsigned char LM_PRIVATE(pads);
	unsigned char LM_PRIVATE(padded);
	unsigned char LM_PRIVATE(npend);
	unsigned char LM_PRIVATE(opend);
	unsigned char LM_PRIVATE(pend)[3];
	lm_b64_defects LM_PRIVATE(defects);
} lm_b64_dec;

/** \brief Start decoding; flags is LM_B64_STRICT or LM_B64_LENIENT. */
LM_API void lm_b64_dec_init(lm_b64_dec *d, unsigned flags);

/** \brief Decode in[0..n); see the streaming contract above.
 *  \return 0; in strict mode LM_ERR_DECODE at the first bad byte, with
 *          *used its offset (the error is sticky until init);
 *          LM_ERR_BAD_PARAM for NULL pointers. */
LM_API int lm_b64_dec_update(lm_b64_dec *d, const char *in, size_t n,
                             void *out, size_t cap, size_t *used, size_t *written);

/** \brief End of input: write the bytes of an unpadded last group
 *         (lenient) and check that the input ended on a group boundary
 *         (strict).
 *  \return 0 when done; LM_ERR_BUFFER_TOO_SMALL to be called again;
 *          LM_ERR_DECODE in strict mode for an incomplete last group. */
LM_API int lm_b64_dec_final(lm_b64_dec *d, void *out, size_t cap, size_t *written);

/** \brief Defects counted so far; valid as long as d. */
LM_API const lm_b64_defects *lm_b64_dec_defects(const lm_b64_dec *d);

/** lm_qp_enc_init() mode for text: CRLF and bare LF in the input are
 *  line breaks and come out as CRLF (hard breaks); a CR not followed by
 *  LF is encoded as =0D. */
#define LM_QP_TEXT   0x0u
/** lm_qp_enc_init() mode for binary data: CR and LF are encoded as =0D
 *  and =0A, so the output has only soft line breaks. */
#define LM_QP_BINARY 0x1u

/** Streaming quoted-printable encoder state (RFC 2045 6.7). */
typedef struct {
	unsigned LM_PRIVATE(flags);
	unsigned char LM_PRIVATE(la)[3];
	unsigned char LM_PRIVATE(nla);
	unsigned char LM_PRIVATE(col);
	unsigned char LM_PRIVATE(npend);
	unsigned char LM_PRIVATE(opend);
	unsigned char LM_PRIVATE(pend)[16];
} lm_qp_enc;

/**
 * \brief Start quoted-printable encoding; flags is LM_QP_TEXT or
 *        LM_QP_BINARY.
 *
 * Output rules: bytes 33..60 and 62..126 are literal; '=', controls and
 * bytes >= 127 are =XX (upper-case hex); SP and HT are literal except
 * at the end of a line (before a hard break or the end of the data),
 * where they are =20 / =09. Encoded lines are at most 76 characters
 * without the CRLF: a soft break "=" CRLF is inserted when the next
 * character would not fit (a line ending at a hard break or at the end
 * of the data may use all 76; a line that continues keeps the 76th for
 * the "="). An =XX is never split. The output does not end with a soft
 * break.
 */
LM_API void lm_qp_enc_init(lm_qp_enc *e, unsigned flags);

/** \brief Encode in[0..n); see the streaming contract above.
 *  \return 0, or LM_ERR_BAD_PARAM for NULL pointers. */
LM_API int lm_qp_enc_update(lm_qp_enc *e, const void *in, size_t n,
                            char *out, size_t cap, size_t *used, size_t *written);

/** \brief Flush the (at most three) bytes held for look-ahead.
 *  \return 0 when done, LM_ERR_BUFFER_TOO_SMALL to be called again. */
LM_API int lm_qp_enc_final(lm_qp_enc *e, char *out, size_t cap, size_t *written);

/** Defects a quoted-printable decoder met; decoding never fails. */
typedef struct {
	size_t bad_escape;    /**< '=' not followed by two hex digits or a line
	                           break: the '=' and what follows are kept */
	size_t lowercase_hex; /**< =xx with a lower-case hex digit (decoded)  */
} lm_qp_defects;

/** Longest run of SP/HT the decoder holds back to see whether it is
 *  trailing white space; a longer run has its first bytes written out. */
#define LM_QP_WS_MAX 64

/** Streaming quoted-printable decoder state. */
typedef struct {
	unsigned char LM_PRIVATE(state);
	unsigned char LM_PRIVATE(h1);
	unsigned char LM_PRIVATE(nws);
	unsigned char LM_PRIVATE(npend);
	unsigned char LM_PRIVATE(opend);
	unsigned char LM_PRIVATE(ws)[LM_QP_WS_MAX];
	unsigned char LM_PRIVATE(pend)[LM_QP_WS_MAX + 16];
	lm_qp_defects LM_PRIVATE(defects);
} lm_qp_dec;

/**
 * \brief Start quoted-printable decoding (RFC 2045 6.7).
 *
 * =XX gives the byte XX (lower-case hex accepted and counted); soft
 * breaks ("=" CRLF, "=" LF, also with SP/HT between "=" and the break,
 * and a final "=" at the end of the data) are removed; SP/HT at the end
 * of a line or of the data are removed (transport padding); every hard
 * break (CRLF or bare LF) comes out as CRLF; a bare CR and all other
 * bytes pass through. A lone "=" is kept literally and counted.
 */
LM_API void lm_qp_dec_init(lm_qp_dec *d);

/** \brief Decode in[0..n); see the streaming contract above.
 *  \return 0, or LM_ERR_BAD_PARAM for NULL pointers. */
LM_API int lm_qp_dec_update(lm_qp_dec *d, const char *in, size_t n,
                            void *out, size_t cap, size_t *used, size_t *written);

/** \brief End of input: settle what is held (see lm_qp_dec_init()).
 *  \return 0 when done, LM_ERR_BUFFER_TOO_SMALL to be called again. */
LM_API int lm_qp_dec_final(lm_qp_dec *d, void *out, size_t cap, size_t *written);

/** \brief Defects counted so far; valid as long as d. */
LM_API const lm_qp_defects *lm_qp_dec_defects(const lm_qp_dec *d);

/**
 * \brief One-shot quoted-printable encoding (lm_qp_enc_* over the whole
 *        input); flags as for lm_qp_enc_init(). No NUL is written.
 * \return 0; LM_ERR_BUFFER_TOO_SMALL if out is too short (contents then
 *         unspecified; 3 * n + 3 * (n / 25) + 3 always suffices);
 *         LM_ERR_BAD_PARAM for NULL pointers.
 */
LM_API int lm_qp_encode(const void *in, size_t n, unsigned flags,
                        char *out, size_t cap, size_t *outlen);

/**
 * \brief One-shot quoted-printable decoding (lm_qp_dec_* over the
 *        whole input); defects, if not NULL, receives the counts.
 * \return 0; LM_ERR_BUFFER_TOO_SMALL if out is too short (2 * n always
 *         suffices: only a bare LF grows, into CRLF); LM_ERR_BAD_PARAM
 *         for NULL pointers.
 */
LM_API int lm_qp_decode(const char *in, size_t n, void *out, size_t cap,
                        size_t *outlen, lm_qp_defects *defects);

/* ------------------------------------------------------------------ */
/* IDNA                                                                */
/* ------------------------------------------------------------------ */

/**
 * \brief Domain name from UTF-8 (U-labels) to ASCII (A-labels,
 *        "xn--..."), IDNA2008 non-transitional via libidn2.
 *
 * in[0..n) need not be NUL-terminated; a NUL inside it is an error.
 * Pure-ASCII input is copied unchanged (no case folding, no checks).
 * Otherwise the result is checked to hold only letters, digits, '-',
 * '_' and '.' (libidn2 without STD3 rules maps e.g. U+00A0 to a space;
 * with them it silently drops characters, so they are not used).
 * The result is written NUL-terminated to out[cap]; *outlen excludes
 * the NUL. Built with LM_HAVE_IDN == 0 (make IDN=0), only the ASCII
 * path exists and any non-ASCII input gives LM_ERR_IDNA.
 *
 * Unlike the rest of this header, the non-ASCII path allocates: libidn2
 * uses malloc internally (freed before return; nothing is kept).
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
 * "xn--" label (any case) is copied unchanged; otherwise ASCII letters
 * come out lower-cased. Non-ASCII input is first converted with
 * lm_idna_to_ascii(), so it is validated and normalised too. Same
 * buffer rules and errors as lm_idna_to_ascii(); with LM_HAVE_IDN == 0
 * ASCII input without an "xn--" label is copied, anything else gives
 * LM_ERR_IDNA. Input of 1024 bytes or more gives LM_ERR_IDNA (no valid
 * domain name is that long), for both functions.
 */
LM_API int lm_idna_to_unicode(const char *in, size_t n, char *out, size_t cap,
                              size_t *outlen);

/* ------------------------------------------------------------------ */
/* IMAP modified UTF-7 (RFC 3501 5.1.3)                                */
/* ------------------------------------------------------------------ */

/**
 * \brief Mailbox name from UTF-8 to IMAP modified UTF-7.
 *
 * Printable US-ASCII (0x20..0x7e) stands for itself, '&' becomes "&-",
 * everything else is UTF-16 in base64 with ',' for '/' between '&' and
 * '-'. No NUL is written.
 * \return 0; LM_ERR_DECODE for malformed UTF-8 (overlong forms,
 *         surrogates, > U+10FFFF, truncated sequences) or U+0000;
 *         LM_ERR_BUFFER_TOO_SMALL (contents of out unspecified);
 *         LM_ERR_BAD_PARAM for NULL pointers.
 */
LM_API int lm_mutf7_encode(const char *in, size_t n, char *out, size_t cap,
                           size_t *outlen);

/**
 * \brief Mailbox name from IMAP modified UTF-7 to UTF-8.
 *
 * Strict: bytes outside 0x20..0x7e, an unterminated or empty "&...-"
 * other than "&-", characters outside the modified base64 alphabet,
 * non-zero or surplus padding bits, unpaired surrogates, and printable
 * ASCII or U+0000 encoded in base64 are all LM_ERR_DECODE. No NUL is
 * written. LM_ERR_BUFFER_TOO_SMALL and LM_ERR_BAD_PARAM as above.
 */
LM_API int lm_mutf7_decode(const char *in, size_t n, char *out, size_t cap,
                           size_t *outlen);

/* ------------------------------------------------------------------ */
/* Allocator and memory helpers                                        */
/* ------------------------------------------------------------------ */

/**
 * \brief Allocate n bytes through a (NULL: malloc).
 *
 * With a == NULL (or a->alloc == NULL) this is malloc(n), where n == 0
 * allocates one byte so that a non-NULL result always means success.
 * With an allocator, a->alloc(n, a->ud) is called as is.
 * \return the memory (uninitialised), or NULL on failure. Release it
 *         with lm_free() and the same a and n.
 */
LM_API void *lm_alloc(const lm_allocator *a, size_t n);

/**
 * \brief Allocate count * size bytes through a, zero-filled.
 * \return NULL on failure or if count * size overflows. Release with
 *         lm_free(a, p, count * size).
 */
LM_API void *lm_alloc_zero(const lm_allocator *a, size_t count, size_t size);

/**
 * \brief Release p (NULL is a no-op) obtained from lm_alloc(a, n) or
 *        lm_alloc_zero(); n is the size that was asked for. With
 *        a == NULL (or a->free == NULL) this is free(p).
 */
LM_API void lm_free(const lm_allocator *a, void *p, size_t n);

/**
 * \brief Overwrite p[0..n) with zeros in a way the compiler cannot
 *        drop (for passwords and tokens before memory is released or a
 *        context is freed). p may be NULL when n == 0.
 */
LM_API void lm_zeroize(void *p, size_t n);

/* ------------------------------------------------------------------ */
/* Trace helpers                                                       */
/* ------------------------------------------------------------------ */

/** What a redacted trace line shows in place of a secret. */
#define LM_TRACE_REDACTED "<redacted>"

/**
 * \brief Hand protocol bytes to a trace hook one line at a time.
 *
 * p[0..n) is split at each LF; the CRLF (or bare LF) is removed and fn
 * is called once per line, including empty lines. A last piece without
 * LF is passed as a line of its own (nothing if it is empty). fn == NULL
 * does nothing. The line pointer is valid only during the call.
 */
LM_API void lm_trace_emit(lm_trace_fn fn, void *ud, char dir,
                          const void *p, size_t n);

/**
 * \brief Like lm_trace_emit(), for lines that carry credentials.
 *
 * Each line is passed as its first `keep` bytes followed by
 * LM_TRACE_REDACTED, e.g. "AUTH PLAIN dGVzdAB0ZXN0AHB3" with keep 11
 * is traced as "AUTH PLAIN <redacted>"; a SASL continuation line is
 * traced with keep 0 as "<redacted>". keep is capped at 200 bytes and at
 * the line's length (a line no longer than keep is still followed by
 * the marker, so a trace never shows whether a secret was empty).
 * Unlike lm_trace_emit(), empty input (n == 0: an empty SASL response,
 * sent as a bare CRLF) is one line too, the marker alone.
 *
 * Convention for the engines: every line that contains a password,
 * token, SASL response or other credential is traced only through this
 * function, never through lm_trace_emit().
 */
LM_API void lm_trace_emit_redacted(lm_trace_fn fn, void *ud, char dir,
                                   const void *p, size_t n, size_t keep);

#ifdef __cplusplus
}
#endif
#endif
