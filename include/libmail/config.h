/*
 * libmail - compile-time configuration. Every value can be overridden
 * with -D on the compiler command line; the defaults are safe for hosts.
 */
#ifndef LIBMAIL_CONFIG_H
#define LIBMAIL_CONFIG_H

/** Set to 0 to build without libidn2 (make IDN=0): IDNA functions then
 *  accept ASCII only and return LM_ERR_IDNA for anything else. */
#ifndef LM_HAVE_IDN
#define LM_HAVE_IDN 1
#endif

/** Set to 1 to favour size over speed (make SMALL=1, for firmware):
 *  base64 then works without its 12 KB of lookup tables and without the
 *  SIMD kernels. Same results, slower on large attachments. */
#ifndef LM_SMALL
#define LM_SMALL 0
#endif

/** Longest SMTP reply line accepted, CRLF included (RFC 5321 4.5.3.1.5
 *  says 512; real servers send longer). */
#ifndef LM_SMTP_LINE_MAX
#define LM_SMTP_LINE_MAX 2048
#endif

/** Most lines accepted in one multi-line SMTP reply. */
#ifndef LM_SMTP_REPLY_LINES_MAX
#define LM_SMTP_REPLY_LINES_MAX 256
#endif

/** Largest SASL server challenge (decoded bytes) a mechanism accepts;
 *  anything longer is LM_ERR_SASL. */
#ifndef LM_SASL_CHALLENGE_MAX
#define LM_SASL_CHALLENGE_MAX 4096
#endif

/** Highest SCRAM iteration count (i=) accepted from a server. Each
 *  iteration costs one HMAC, so this bounds the CPU a hostile server can
 *  make the client spend. RFC 7677 asks for at least 4096. */
#ifndef LM_SASL_SCRAM_MAX_ITER
#define LM_SASL_SCRAM_MAX_ITER 1000000
#endif

/** Length of the SCRAM client nonce in printable characters (>= 24). */
#ifndef LM_SASL_SCRAM_NONCE_LEN
#define LM_SASL_SCRAM_NONCE_LEN 24
#endif

/** Marks a public function. The shared library exports only these. */
#ifndef LM_API
#if defined(LM_BUILDING_SHARED) && defined(__GNUC__)
#define LM_API __attribute__((visibility("default")))
#else
#define LM_API
#endif
#endif

#endif
