/*
 * libmail - types shared by every area.
 */
#ifndef LIBMAIL_COMMON_H
#define LIBMAIL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Library version. */
#define LM_VERSION_MAJOR 0
#define LM_VERSION_MINOR 1
#define LM_VERSION_PATCH 0
#define LM_VERSION_STRING "0.1.0"

/*
 * Positive statuses returned by the engines' next() functions
 * (SQLite style: result codes used as pull events).
 */
#define LM_EVENT      1  /**< an event was written to *ev                   */
#define LM_WANT_READ  2  /**< the engine needs bytes from the peer          */
#define LM_WANT_WRITE 3  /**< the engine has bytes to send (send_buf)       */
#define LM_DONE       4  /**< the engine reached its final state            */

/*
 * Struct members a caller may size (sizeof) but must not touch.
 * Direct access fails to compile unless LM_ALLOW_PRIVATE is defined
 * (the library's own sources define it).
 */
#ifdef LM_ALLOW_PRIVATE
#define LM_PRIVATE(m) m
#else
#define LM_PRIVATE(m) lm_private_##m
#endif

/**
 * A borrowed byte range. It never owns memory; the function that
 * returns one documents how long it stays valid. Not NUL-terminated.
 */
typedef struct {
	const unsigned char *p;
	size_t len;
} lm_slice;

/*
 * The input and output buffers an engine borrows from its caller, with
 * their fill marks: input bytes [ipos, iend) of ibuf[0..ilen) are
 * waiting to be parsed, output bytes [ostart, oend) of obuf[0..olen)
 * to be sent. Private: embedded in lm_smtp_client, lm_pop3_client and
 * lm_imap_client (so that sizeof works); only the library touches it.
 */
typedef struct {
	unsigned char *LM_PRIVATE(ibuf);
	size_t LM_PRIVATE(ilen), LM_PRIVATE(ipos), LM_PRIVATE(iend);
	unsigned char *LM_PRIVATE(obuf);
	size_t LM_PRIVATE(olen), LM_PRIVATE(ostart), LM_PRIVATE(oend);
	uint64_t LM_PRIVATE(rx_total);   /* input bytes received so far: the
	                                    stream offset of ibuf[iend]   */
} lm_core__io;

/**
 * Optional allocator hook, passed per object (never global).
 * alloc(n, ud) returns NULL on failure; free(p, n, ud) receives the
 * size that was allocated. Helpers that allocate take one; a NULL
 * pointer means malloc/free.
 */
typedef struct {
	void *(*alloc)(size_t n, void *ud);
	void (*free)(void *p, size_t n, void *ud);
	void *ud;
} lm_allocator;

/**
 * Trace hook: receives one line of protocol dialogue at a time.
 * dir is 'C' (client to server), 'S' (server to client) or '*' (a note
 * from the library, such as "TLS established"). Credentials are already
 * redacted when the engine knows the line carries them. line is not
 * NUL-terminated and excludes the CRLF; valid only during the call.
 */
typedef void (*lm_trace_fn)(char dir, const char *line, size_t len, void *ud);

/**
 * Pull-style data source (message bodies, attachments). Writes up to cap
 * bytes into buf and sets *got; *got == 0 with a 0 return means the end.
 * Returns 0, or a negative code (LM_ERR_CALLBACK if nothing better fits)
 * that aborts the operation using it.
 */
typedef int (*lm_read_fn)(void *ud, unsigned char *buf, size_t cap, size_t *got);

#ifdef __cplusplus
}
#endif
#endif
