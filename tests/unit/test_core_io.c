/*
 * The input/output buffer pair shared by the SMTP, POP3 and IMAP engines
 * (lib/core/io.c): input compaction and the shift it reports, the
 * clamped acknowledgements, the sticky "no plaintext now" error, the
 * copying feed, output held back from a limit on, the two ways output
 * holding credentials is zeroized once sent (at a mark, or when all is
 * sent), zeroizing on free; then the three engines' public wrappers on a
 * NULL and on a freed context.
 */
#define _DEFAULT_SOURCE 1
#include <stdint.h>
#include <string.h>

#include "libmail/core.h"
#include "libmail/imap.h"
#include "libmail/pop3.h"
#include "libmail/smtp.h"
#include "core/io.h"
#include "test.h"

static int
all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

static void
put_out(lm_core__io *io, const char *s)
{
	size_t n = strlen(s);
	memcpy(io->obuf + io->oend, s, n);
	io->oend += n;
}

static void
t_recv_compaction(void)
{
	unsigned char ib[16], ob[16];
	lm_core__io io;
	unsigned char *p;
	size_t n = 99, d = 99;

	memset(&io, 0x55, sizeof io);
	lm_core__io_init(&io, ib, sizeof ib, ob, sizeof ob);
	LM_CHECK_EQ(io.ipos + io.iend + io.ostart + io.oend, 0);
	p = lm_core__io_recv_buf(&io, &n, &d);
	LM_CHECK(p == ib);
	LM_CHECK_EQ(n, 16);
	LM_CHECK_EQ(d, 0);
	memcpy(p, "0123456789", 10);
	lm_core__io_recv_ack(&io, 10, 0, NULL);
	LM_CHECK_EQ(io.iend, 10);
	io.ipos = 4;   /* the parser consumed "0123" */
	p = lm_core__io_recv_buf(&io, &n, &d);
	LM_CHECK_EQ(d, 4);
	LM_CHECK_EQ(n, 10);
	LM_CHECK(p == ib + 6);
	LM_CHECK_MEM(ib, "456789", 6);
	LM_CHECK_EQ(io.ipos, 0);
	LM_CHECK_EQ(io.iend, 6);
	/* nothing consumed: nothing moves */
	p = lm_core__io_recv_buf(&io, NULL, &d);
	LM_CHECK(p == ib + 6);
	LM_CHECK_EQ(d, 0);
	/* an acknowledgement past the free space is clamped to it */
	lm_core__io_recv_ack(&io, 50, 0, NULL);
	LM_CHECK_EQ(io.iend, 16);
	lm_core__io_recv_buf(&io, &n, NULL);
	LM_CHECK_EQ(n, 0);
}

static void
t_recv_forbidden(void)
{
	unsigned char ib[16], ob[16];
	lm_core__io io;
	int err = 0;

	lm_core__io_init(&io, ib, sizeof ib, ob, sizeof ob);
	lm_core__io_recv_ack(&io, 0, 1, &err);   /* no byte: no error */
	LM_CHECK_EQ(err, 0);
	lm_core__io_recv_ack(&io, 3, 1, &err);
	LM_CHECK_EQ(err, LM_ERR_PROTOCOL);
	LM_CHECK_EQ(io.iend, 3);
	err = LM_ERR_EOF;   /* sticky: the first error stays */
	lm_core__io_recv_ack(&io, 3, 1, &err);
	LM_CHECK_EQ(err, LM_ERR_EOF);
	err = 0;
	lm_core__io_recv_ack(&io, 3, 0, &err);
	LM_CHECK_EQ(err, 0);
}

static void
t_feed(void)
{
	unsigned char ib[8], ob[8];
	lm_core__io io;
	int err = 0;
	size_t used = 99, d = 99;

	lm_core__io_init(&io, ib, sizeof ib, ob, sizeof ob);
	LM_CHECK_EQ(lm_core__io_feed(&io, "abcde", 5, &used, 0, &err, &d), 0);
	LM_CHECK_EQ(used, 5);
	LM_CHECK_EQ(d, 0);
	io.ipos = 2;
	/* compacts, then takes what fits */
	LM_CHECK_EQ(lm_core__io_feed(&io, "fghijkl", 7, &used, 0, &err, &d), 0);
	LM_CHECK_EQ(d, 2);
	LM_CHECK_EQ(used, 5);
	LM_CHECK_MEM(ib, "cdefghij", 8);
	/* full: takes nothing, and nothing is forbidden then */
	LM_CHECK_EQ(lm_core__io_feed(&io, "x", 1, &used, 1, &err, NULL), 0);
	LM_CHECK_EQ(used, 0);
	io.ipos = 8;
	LM_CHECK_EQ(lm_core__io_feed(&io, "xy", 2, &used, 1, &err, &d), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(used, 2);   /* taken, then refused */
	LM_CHECK_EQ(d, 8);
	/* the sticky error: nothing more is taken */
	LM_CHECK_EQ(lm_core__io_feed(&io, "z", 1, &used, 0, &err, &d), LM_ERR_PROTOCOL);
	LM_CHECK_EQ(used, 0);
	LM_CHECK_EQ(d, 0);
	LM_CHECK_EQ(io.iend, 2);
	err = 0;
	LM_CHECK_EQ(lm_core__io_feed(&io, NULL, 1, &used, 0, &err, &d), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(lm_core__io_feed(&io, NULL, 0, &used, 0, &err, &d), 0);
	LM_CHECK_EQ(lm_core__io_feed(&io, "a", 1, NULL, 0, &err, &d), LM_ERR_BAD_PARAM);
}

static void
t_send_limit(void)
{
	unsigned char ib[8], ob[32];
	lm_core__io io;
	const unsigned char *p;
	size_t n;
	int wipe = 0;

	lm_core__io_init(&io, ib, sizeof ib, ob, sizeof ob);
	p = lm_core__io_send_buf(&io, SIZE_MAX, &n);
	LM_CHECK(p == ob);
	LM_CHECK_EQ(n, 0);
	put_out(&io, "A1 LOGIN {5}\r\nsecret\r\n");
	p = lm_core__io_send_buf(&io, SIZE_MAX, &n);
	LM_CHECK_EQ(n, 22);
	p = lm_core__io_send_buf(&io, 14, &n);   /* held from 14 on */
	LM_CHECK_STRN(p, n, "A1 LOGIN {5}\r\n");
	/* an acknowledgement past what was offered is clamped to it */
	LM_CHECK_EQ(lm_core__io_send_ack(&io, 20, 14, &wipe, NULL), 0);
	LM_CHECK_EQ(io.ostart, 14);
	p = lm_core__io_send_buf(&io, 14, &n);
	LM_CHECK_EQ(n, 0);
	p = lm_core__io_send_buf(&io, SIZE_MAX, &n);
	LM_CHECK_STRN(p, n, "secret\r\n");
	LM_CHECK_EQ(lm_core__io_send_ack(&io, 8, SIZE_MAX, &wipe, NULL), 1);
	LM_CHECK_EQ(io.ostart + io.oend, 0);   /* starts over empty */
	LM_CHECK_MEM(ob, "A1 LOGIN", 8);       /* no wipe asked: kept */
}

static void
t_wipe_when_all_sent(void)
{
	unsigned char ib[8], ob[32];
	lm_core__io io;
	int wipe = 1;

	memset(ob, 'x', sizeof ob);
	lm_core__io_init(&io, ib, sizeof ib, ob, sizeof ob);
	put_out(&io, "AUTH PLAIN c2VjcmV0\r\n");
	LM_CHECK_EQ(lm_core__io_send_ack(&io, 5, SIZE_MAX, &wipe, NULL), 0);
	LM_CHECK_EQ(wipe, 1);
	LM_CHECK_MEM(ob, "AUTH PLAIN", 10);
	LM_CHECK_EQ(lm_core__io_send_ack(&io, 16, SIZE_MAX, &wipe, NULL), 1);
	LM_CHECK_EQ(wipe, 0);
	LM_CHECK(all_zero(ob, 21));
	LM_CHECK_EQ(ob[21], 'x');   /* only what was written */
}

static void
t_wipe_at_mark(void)
{
	unsigned char ib[8], ob[32];
	lm_core__io io;
	int wipe = 1;
	size_t wend = 15;

	lm_core__io_init(&io, ib, sizeof ib, ob, sizeof ob);
	put_out(&io, "A1 LOGIN u pw\r\nA2 NOOP\r\n");
	LM_CHECK_EQ(lm_core__io_send_ack(&io, 14, SIZE_MAX, &wipe, &wend), 0);
	LM_CHECK_EQ(wipe, 1);
	LM_CHECK_MEM(ob, "A1 LOGIN", 8);
	LM_CHECK_EQ(lm_core__io_send_ack(&io, 1, SIZE_MAX, &wipe, &wend), 0);
	LM_CHECK_EQ(wipe, 0);
	LM_CHECK_EQ(wend, 0);
	LM_CHECK(all_zero(ob, 15));
	LM_CHECK_MEM(ob + 15, "A2 NOOP\r\n", 9);   /* not sent yet, kept */
	LM_CHECK_EQ(lm_core__io_send_ack(&io, 9, SIZE_MAX, &wipe, &wend), 1);
	LM_CHECK_MEM(ob + 15, "A2 NOOP\r\n", 9);
}

static void
t_out_room(void)
{
	unsigned char ib[8], ob[16];
	lm_core__io io;
	size_t d = 99;

	lm_core__io_init(&io, ib, sizeof ib, ob, sizeof ob);
	LM_CHECK_EQ(lm_core__io_out_room(&io, &d), 16);
	LM_CHECK_EQ(d, 0);
	put_out(&io, "QUIT\r\nNOOP\r\n");
	io.ostart = 6;
	LM_CHECK_EQ(lm_core__io_out_room(&io, &d), 10);
	LM_CHECK_EQ(d, 6);
	LM_CHECK_EQ(io.ostart, 0);
	LM_CHECK_EQ(io.oend, 6);
	LM_CHECK_MEM(ob, "NOOP\r\n", 6);
	io.ostart = 6;   /* all sent */
	LM_CHECK_EQ(lm_core__io_out_room(&io, NULL), 16);
	LM_CHECK_EQ(io.ostart + io.oend, 0);
}

/* Compaction moves unsent output (perhaps an AUTH line not sent yet) to
 * the front: the bytes it vacates behind the new end are zeroed, so that
 * the wipe of [0, oend) once all is sent leaves no copy behind. */
static void
t_out_room_no_stale_copy(void)
{
	unsigned char ib[8], ob[32];
	lm_core__io io;
	int wipe = 1;
	size_t d;

	lm_core__io_init(&io, ib, sizeof ib, ob, sizeof ob);
	put_out(&io, "NOOP\r\nAUTH PLAIN c2VjcmV0\r\n");
	LM_CHECK_EQ(lm_core__io_send_ack(&io, 6, SIZE_MAX, &wipe, NULL), 0);
	LM_CHECK_EQ(lm_core__io_out_room(&io, &d), 32 - 21);
	LM_CHECK_EQ(d, 6);
	LM_CHECK_MEM(ob, "AUTH PLAIN c2VjcmV0\r\n", 21);
	LM_CHECK(all_zero(ob + 21, 6));   /* the old tail, vacated */
	LM_CHECK_EQ(lm_core__io_send_ack(&io, 21, SIZE_MAX, &wipe, NULL), 1);
	LM_CHECK(all_zero(ob, 27));
}

static void
t_free(void)
{
	unsigned char ib[8], ob[16];
	struct { int x; lm_core__io io; int y; } ctx;

	memset(ob, 'x', sizeof ob);
	ctx.x = ctx.y = 7;
	lm_core__io_init(&ctx.io, ib, sizeof ib, ob, sizeof ob);
	lm_core__io_free(&ctx.io, 0, &ctx, sizeof ctx);
	LM_CHECK(all_zero((const unsigned char *)&ctx, sizeof ctx));
	LM_CHECK_EQ(ob[0], 'x');
	lm_core__io_init(&ctx.io, ib, sizeof ib, ob, sizeof ob);
	lm_core__io_free(&ctx.io, 1, &ctx, sizeof ctx);
	LM_CHECK(all_zero(ob, sizeof ob));   /* all of it, sent or not */
	LM_CHECK(all_zero((const unsigned char *)&ctx, sizeof ctx));
	lm_core__io_free(&ctx.io, 1, &ctx, sizeof ctx);   /* again: no buffer */
}

static void
t_null(void)
{
	lm_core__io io;
	size_t n = 99, d = 99, used = 99;
	int err = 0, wipe = 1;

	LM_CHECK(lm_core__io_recv_buf(NULL, &n, &d) == NULL);
	LM_CHECK_EQ(n, 0);
	LM_CHECK_EQ(d, 0);
	n = 99;
	LM_CHECK(lm_core__io_send_buf(NULL, SIZE_MAX, &n) == NULL);
	LM_CHECK_EQ(n, 0);
	lm_core__io_recv_ack(NULL, 5, 1, &err);
	LM_CHECK_EQ(err, 0);
	LM_CHECK_EQ(lm_core__io_send_ack(NULL, 5, SIZE_MAX, &wipe, NULL), 0);
	LM_CHECK_EQ(lm_core__io_feed(NULL, "a", 1, &used, 0, &err, &d), LM_ERR_BAD_PARAM);
	LM_CHECK_EQ(used, 0);
	/* no buffers (a freed engine): the same */
	memset(&io, 0, sizeof io);
	n = 99;
	LM_CHECK(lm_core__io_recv_buf(&io, &n, &d) == NULL);
	LM_CHECK_EQ(n, 0);
	n = 99;
	LM_CHECK(lm_core__io_send_buf(&io, SIZE_MAX, &n) == NULL);
	LM_CHECK_EQ(n, 0);
	lm_core__io_recv_ack(&io, 5, 1, &err);
	LM_CHECK_EQ(err, 0);
	LM_CHECK_EQ(lm_core__io_feed(&io, "a", 1, &used, 0, &err, &d), LM_ERR_BAD_PARAM);
}

/* The public wrappers: a NULL context does nothing and says so; a freed
 * one (zeroized) has no buffers left. */
#define ENGINE_NULL_AND_FREED(P, ctx, init)                                 \
	do {                                                                \
		unsigned char ib_[4096], ob_[4096];                         \
		size_t n_ = 99, u_ = 99;                                    \
		LM_CHECK(P##_recv_buf(NULL, &n_) == NULL);                  \
		LM_CHECK_EQ(n_, 0);                                         \
		n_ = 99;                                                    \
		LM_CHECK(P##_send_buf(NULL, &n_) == NULL);                  \
		LM_CHECK_EQ(n_, 0);                                         \
		P##_recv_ack(NULL, 3);                                      \
		P##_send_ack(NULL, 3);                                      \
		LM_CHECK_EQ(P##_feed(NULL, "a", 1, &u_), LM_ERR_BAD_PARAM); \
		LM_CHECK_EQ(u_, 0);                                         \
		LM_CHECK_EQ(init(&ctx, NULL, ib_, sizeof ib_, ob_, sizeof ob_), 0); \
		LM_CHECK_EQ(P##_feed(&ctx, NULL, 1, &u_), LM_ERR_BAD_PARAM); \
		LM_CHECK_EQ(P##_feed(&ctx, "a", 1, NULL), LM_ERR_BAD_PARAM); \
		LM_CHECK_EQ(P##_feed(&ctx, "a", 1, &u_), 0);                \
		LM_CHECK_EQ(u_, 1);                                         \
		P##_free(&ctx);                                             \
		n_ = 99;                                                    \
		LM_CHECK(P##_recv_buf(&ctx, &n_) == NULL);                  \
		LM_CHECK_EQ(n_, 0);                                         \
		n_ = 99;                                                    \
		LM_CHECK(P##_send_buf(&ctx, &n_) == NULL);                  \
		LM_CHECK_EQ(n_, 0);                                         \
		P##_recv_ack(&ctx, 3);                                      \
		P##_send_ack(&ctx, 3);                                      \
		LM_CHECK_EQ(P##_feed(&ctx, "a", 1, &u_), LM_ERR_BAD_PARAM); \
		LM_CHECK_EQ(u_, 0);                                         \
		P##_free(&ctx);                                             \
		P##_free(NULL);                                             \
	} while (0)

static void
t_engines_null_and_freed(void)
{
	lm_smtp_client s;
	lm_pop3_client p;
	lm_imap_client i;

	ENGINE_NULL_AND_FREED(lm_smtp, s, lm_smtp_init);
	ENGINE_NULL_AND_FREED(lm_pop3, p, lm_pop3_init);
	ENGINE_NULL_AND_FREED(lm_imap, i, lm_imap_init);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_recv_compaction),
		LM_TEST(t_recv_forbidden),
		LM_TEST(t_feed),
		LM_TEST(t_send_limit),
		LM_TEST(t_wipe_when_all_sent),
		LM_TEST(t_wipe_at_mark),
		LM_TEST(t_out_room), LM_TEST(t_out_room_no_stale_copy),
		LM_TEST(t_free),
		LM_TEST(t_null),
		LM_TEST(t_engines_null_and_freed),
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
