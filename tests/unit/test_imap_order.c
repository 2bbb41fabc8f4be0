/*
 * IMAP engine ordering and state: what a server's responses to
 * pipelined commands may change, and when (RFC 3501 5.5, 6.3.1, 7.1.5;
 * RFC 7162 3.2.11 CLOSED; RFC 2177 IDLE).
 */
#include "test.h"
#include "libmail/imap.h"

static unsigned char ibuf[LM_IMAP_BUFSIZE_IN], obuf[LM_IMAP_BUFSIZE_OUT];

/* Send everything, feed in, deliver events until the engine wants more;
 * counts[type] counts the events. */
static int
drive(lm_imap_client *c, const char *in, unsigned counts[32])
{
	size_t off = 0, n = strlen(in);
	lm_imap_event ev;
	for (;;) {
		int r = lm_imap_next(c, &ev);
		if (r == LM_EVENT) {
			if (counts && (unsigned)ev.type < 32)
				counts[ev.type]++;
			continue;
		}
		if (r == LM_WANT_WRITE) {
			size_t k;
			lm_imap_send_buf(c, &k);
			lm_imap_send_ack(c, k);
			continue;
		}
		if (r == LM_WANT_READ && off < n) {
			size_t used;
			lm_imap_feed(c, in + off, n - off, &used);
			off += used;
			continue;
		}
		return r;
	}
}

static void
start(lm_imap_client *c, const char *greeting)
{
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	LM_CHECK_EQ(lm_imap_init(c, &o, ibuf, sizeof ibuf, obuf, sizeof obuf), 0);
	LM_CHECK_EQ(lm_imap_set_tls_active(c), 0);
	LM_CHECK_EQ(drive(c, greeting, NULL), LM_WANT_READ);
}

/* LOGOUT sent: the completions of commands pipelined before it do not
 * bring the session back to a state that accepts commands. */
static void
t_logout_stays(void)
{
	lm_imap_client c;
	start(&c, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n");
	LM_CHECK_EQ(lm_imap_login(&c, "u", "p", NULL), 0);
	LM_CHECK_EQ(lm_imap_logout(&c, NULL), 0);
	LM_CHECK_EQ(drive(&c, "A1 OK [CAPABILITY IMAP4rev1] in\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ((int)lm_imap_get_state(&c), LM_IMAP_STATE_LOGOUT);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), LM_ERR_BAD_STATE);
	/* the same with SELECT */
	start(&c, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(lm_imap_select(&c, "INBOX", NULL, NULL), 0);
	LM_CHECK_EQ(lm_imap_logout(&c, NULL), 0);
	LM_CHECK_EQ(drive(&c, "* 3 EXISTS\r\nA1 OK [READ-WRITE] done\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ((int)lm_imap_get_state(&c), LM_IMAP_STATE_LOGOUT);
	LM_CHECK_EQ(lm_imap_selected(&c)->selected, 0);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), LM_ERR_BAD_STATE);
	LM_CHECK_EQ(drive(&c, "* BYE bye\r\nA2 OK done\r\n", NULL), LM_WANT_READ);
	lm_imap_recv_eof(&c);
	LM_CHECK_EQ(drive(&c, "", NULL), LM_DONE);
}

/* Untagged data of the old mailbox (answers to a command pipelined
 * before SELECT, or sent before RFC 7162's [CLOSED]) is not counted for
 * the mailbox being selected. */
static void
t_select_old_mailbox(void)
{
	lm_imap_client c;
	const lm_imap_mailbox *m;
	start(&c, "* PREAUTH hi\r\n");
	LM_CHECK_EQ(lm_imap_select(&c, "A", NULL, NULL), 0);
	LM_CHECK_EQ(drive(&c, "* 5 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\nA1 OK [READ-WRITE] done\r\n",
	                  NULL), LM_WANT_READ);
	LM_CHECK_EQ(lm_imap_noop(&c, NULL), 0);
	LM_CHECK_EQ(lm_imap_select(&c, "B", NULL, NULL), 0);
	m = lm_imap_selected(&c);
	/* A2 NOOP: A's news; then B */
	LM_CHECK_EQ(drive(&c, "* 2 EXPUNGE\r\n* 4 EXISTS\r\nA2 OK noop\r\n"
	                      "* 9 EXISTS\r\n* OK [UIDVALIDITY 8] x\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(m->exists, 9);
	LM_CHECK_EQ(m->expunged, 0);
	LM_CHECK_EQ(m->uidvalidity, 8);
	LM_CHECK_EQ(drive(&c, "A3 OK [READ-WRITE] done\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(m->selected, 1);
	LM_CHECK_EQ(m->exists, 9);
	LM_CHECK_EQ(m->expunged, 0);
	/* RFC 7162: responses before [CLOSED] are about the old mailbox */
	LM_CHECK_EQ(lm_imap_select(&c, "C", NULL, NULL), 0);
	LM_CHECK_EQ(drive(&c, "* 3 EXPUNGE\r\n* VANISHED 4:5\r\n* FLAGS (\\Seen x)\r\n"
	                      "* OK [CLOSED] old\r\n* 4 EXISTS\r\n* FLAGS (\\Seen)\r\n"
	                      "A4 OK [READ-WRITE] done\r\n", NULL), LM_WANT_READ);
	LM_CHECK_EQ(m->exists, 4);
	LM_CHECK_EQ(m->expunged, 0);
	LM_CHECK_EQ(m->vanished, 0);
	LM_CHECK_STRN(m->flags.p, m->flags.len, "\\Seen");
	LM_CHECK_EQ(lm_imap_last_error(&c), 0);
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = {
		LM_TEST(t_logout_stays), LM_TEST(t_select_old_mailbox)
	};
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
