/*
 * libmail - the input/output buffer pair of the SMTP, POP3 and IMAP
 * engines (lm_core__io, declared in common.h because the engines'
 * public structs embed it). Not installed; never included from include/.
 *
 * The engines' lm_X_recv_buf/recv_ack/feed/send_buf/send_ack/free are
 * thin wrappers around these; what differs between the protocols stays
 * in the engine and is passed in:
 *  - forbid: bytes must not arrive now (after the reply to STARTTLS/STLS,
 *    before the TLS handshake, RFC 3207, RFC 2595 4, CVE-2021-22947):
 *    any byte acknowledged makes *err LM_ERR_PROTOCOL (sticky: an error
 *    already there is kept).
 *  - limit: output from this offset on is held back (IMAP synchronising
 *    literals); SIZE_MAX when nothing is.
 *  - shift: input compaction moved the unparsed bytes this far to the
 *    front; offsets the engine keeps into ibuf must move too.
 *  - wipe: the output holds credentials; see lm_core__io_send_ack().
 * A NULL io (the engine got a NULL context) is handled as the public
 * functions document: nothing happens, lengths are 0.
 */
#ifndef LIBMAIL_CORE_IO_H
#define LIBMAIL_CORE_IO_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "libmail/common.h"
#include "libmail/core.h"
#include "libmail/error.h"

/* Each engine's wrappers are these bodies, inlined: no extra call, no
 * extra function in a firmware image. */
#ifdef __GNUC__
#define LM_CORE__IO_INLINE static inline __attribute__((always_inline))
#else
#define LM_CORE__IO_INLINE static inline
#endif

/** Borrow the caller's buffers, both empty. */
LM_CORE__IO_INLINE void
lm_core__io_init(lm_core__io *io, void *ibuf, size_t ilen, void *obuf, size_t olen)
{
	io->ibuf = ibuf;
	io->ilen = ilen;
	io->ipos = io->iend = 0;
	io->obuf = obuf;
	io->olen = olen;
	io->ostart = io->oend = 0;
	io->rx_total = 0;
}

/** Stream offset (bytes received since init) of the first unparsed
 *  input byte, ibuf[ipos]: a reply that starts before the offset noted
 *  when its command was queued was received before it was sent. */
LM_CORE__IO_INLINE uint64_t
lm_core__io_rx_at(const lm_core__io *io)
{
	return io->rx_total - (io->iend - io->ipos);
}

/**
 * Where to put received bytes: moves the unparsed input [ipos, iend) to
 * the front first. *len (if not NULL) gets the free space; *shift (if
 * not NULL) how far the input moved (0 when it did not).
 * \return ibuf + iend; NULL (and *len 0) for a NULL io or ibuf.
 */
LM_CORE__IO_INLINE unsigned char *
lm_core__io_recv_buf(lm_core__io *io, size_t *len, size_t *shift)
{
	size_t d = 0;

	if (shift)
		*shift = 0;
	if (io == NULL || io->ibuf == NULL) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (io->ipos > 0) {
		d = io->ipos;
		memmove(io->ibuf, io->ibuf + d, io->iend - d);
		io->iend -= d;
		io->ipos = 0;
		if (shift)
			*shift = d;
	}
	if (len)
		*len = io->ilen - io->iend;
	return io->ibuf + io->iend;
}

/** len bytes were written at lm_core__io_recv_buf() (clamped to the free
 *  space); forbid: see above. Nothing happens for a NULL io or ibuf or
 *  len 0. */
LM_CORE__IO_INLINE void
lm_core__io_recv_ack(lm_core__io *io, size_t len, int forbid, int *err)
{
	if (io == NULL || io->ibuf == NULL || len == 0)
		return;
	if (len > io->ilen - io->iend)
		len = io->ilen - io->iend;
	io->iend += len;
	io->rx_total += len;
	if (forbid && *err == 0)
		*err = LM_ERR_PROTOCOL;
}

/**
 * lm_X_feed(): recv_buf + memcpy + recv_ack. *used (if used is not NULL)
 * gets the bytes taken; *shift as for lm_core__io_recv_buf() (0 when
 * nothing was taken).
 * \return LM_ERR_BAD_PARAM for a NULL io, ibuf or used or for a NULL p
 *         with n > 0; else the sticky *err (nothing is taken when it is
 *         already set).
 */
LM_CORE__IO_INLINE int
lm_core__io_feed(lm_core__io *io, const void *p, size_t n, size_t *used, int forbid,
                 int *err, size_t *shift)
{
	unsigned char *dst;
	size_t room;

	if (used)
		*used = 0;
	if (shift)
		*shift = 0;
	if (io == NULL || used == NULL || io->ibuf == NULL || (p == NULL && n > 0))
		return LM_ERR_BAD_PARAM;
	if (*err)
		return *err;
	dst = lm_core__io_recv_buf(io, &room, shift);
	if (n > room)
		n = room;
	if (n > 0) {
		memcpy(dst, p, n);
		lm_core__io_recv_ack(io, n, forbid, err);
	}
	*used = n;
	return *err;
}

/** Bytes to send: [ostart, min(limit, oend)); *len (if not NULL) gets
 *  their number. \return obuf + ostart; NULL (and *len 0) for a NULL io
 *  or obuf. */
LM_CORE__IO_INLINE const unsigned char *
lm_core__io_send_buf(const lm_core__io *io, size_t limit, size_t *len)
{
	if (io == NULL || io->obuf == NULL) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len) {
		size_t e = io->oend;
		if (limit < e)
			e = limit > io->ostart ? limit : io->ostart;
		*len = e - io->ostart;
	}
	return io->obuf + io->ostart;
}

/**
 * len bytes from lm_core__io_send_buf() were sent (clamped to what it
 * offered). When *wipe is set and the output has been sent up to
 * *wipe_end (wipe_end NULL: up to oend, everything), obuf[0..that end)
 * is zeroized and *wipe and *wipe_end are cleared. When everything is
 * sent the buffer starts over empty.
 * \return 1 when everything is sent, else 0 (also for a NULL io or obuf).
 */
LM_CORE__IO_INLINE int
lm_core__io_send_ack(lm_core__io *io, size_t len, size_t limit, int *wipe,
                     size_t *wipe_end)
{
	size_t e;

	if (io == NULL || io->obuf == NULL)
		return 0;
	e = limit < io->oend ? limit : io->oend;
	if (len > e - io->ostart)
		len = e - io->ostart;
	io->ostart += len;
	/* the credentials went out: no copy stays */
	if (wipe_end != NULL && *wipe && io->ostart >= *wipe_end) {
		lm_zeroize(io->obuf, *wipe_end);
		*wipe = 0;
		*wipe_end = 0;
	}
	if (io->ostart != io->oend)
		return 0;
	if (wipe_end == NULL && *wipe) {
		lm_zeroize(io->obuf, io->oend);
		*wipe = 0;
	}
	io->ostart = io->oend = 0;
	return 1;
}

/** Move the unsent output [ostart, oend) to the front and zeroize the
 *  bytes it vacates behind the new oend (the output may be credentials
 *  not sent yet: the wipe once sent covers [0, oend) only, so no copy
 *  may stay past it). *shift (if not NULL) gets how far it moved.
 *  \return the free space after oend. */
LM_CORE__IO_INLINE size_t
lm_core__io_out_room(lm_core__io *io, size_t *shift)
{
	size_t d = io->ostart;

	if (d > 0) {
		memmove(io->obuf, io->obuf + d, io->oend - d);
		io->oend -= d;
		io->ostart = 0;
		lm_zeroize(io->obuf + io->oend, d);
	}
	if (shift)
		*shift = d;
	return io->olen - io->oend;
}

/** lm_X_free(): zeroize the whole output buffer if wipe (it may hold
 *  credentials not sent yet), then the engine context ctx[0..size). */
LM_CORE__IO_INLINE void
lm_core__io_free(lm_core__io *io, int wipe, void *ctx, size_t size)
{
	if (wipe && io->obuf)
		lm_zeroize(io->obuf, io->olen);
	lm_zeroize(ctx, size);
}

#endif
