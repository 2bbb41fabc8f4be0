/*
 * The smallest useful SMTP program for a device: EHLO, AUTH PLAIN,
 * MAIL/RCPT/DATA of one alert, QUIT, over file descriptors 0 and 1 (a
 * device would use its own stack). tests/bench/size.sh links it with
 * --gc-sections against a firmware build of libmail and prints the code
 * size; it is never run.
 */
#include <unistd.h>

#include "libmail/smtp.h"
#include "libmail/sasl.h"

static unsigned char in[LM_SMTP_BUFSIZE_IN], out[LM_SMTP_BUFSIZE_OUT];
static const char alert[] = "Subject: pump 3 stopped\r\n\r\npressure low\r\n";

int
main(void)
{
	lm_smtp_client c;
	lm_smtp_opts o = LM_SMTP_OPTS_INIT;
	lm_smtp_event ev;
	lm_sasl_creds cr = LM_SASL_CREDS_INIT;
	lm_sasl sasl;
	int step = 0;

	o.require_tls = 0;    /* the device's TLS stack is outside this count */
	cr.user = "pump3@example.test";
	cr.password = "secret";
	if (lm_smtp_init(&c, &o, in, sizeof in, out, sizeof out) != 0 ||
	    lm_sasl_init(&sasl, LM_SASL_PLAIN, &cr) != 0)
		return 2;
	for (;;) {
		size_t n, used;
		ssize_t k;
		int r = lm_smtp_next(&c, &ev);

		if (r == LM_WANT_WRITE) {
			const unsigned char *p = lm_smtp_send_buf(&c, &n);
			if ((k = write(1, p, n)) <= 0)
				return 5;
			lm_smtp_send_ack(&c, (size_t)k);
			continue;
		}
		if (r == LM_WANT_READ) {
			unsigned char *q = lm_smtp_recv_buf(&c, &n);
			if ((k = read(0, q, n)) > 0)
				lm_smtp_recv_ack(&c, (size_t)k);
			else
				lm_smtp_recv_eof(&c);
			continue;
		}
		if (r != LM_EVENT)
			return r == LM_DONE ? 0 : 4;
		r = 0;
		if (ev.type == LM_SMTP_EV_GREETING) {
			r = lm_smtp_ehlo(&c);
		} else if (ev.type == LM_SMTP_EV_REPLY && step == 0) {
			step = 1;
			r = lm_smtp_auth(&c, &sasl);
		} else if (ev.type == LM_SMTP_EV_REPLY && step == 1) {
			step = 2;
			if ((r = lm_smtp_mail_from(&c, "pump3@example.test", NULL)) == 0 &&
			    (r = lm_smtp_rcpt_to(&c, "ops@example.test", NULL)) == 0)
				r = lm_smtp_data(&c);
		} else if (ev.type == LM_SMTP_EV_DATA_READY) {
			if ((r = lm_smtp_body_write(&c, alert, sizeof alert - 1, &used)) == 0)
				r = lm_smtp_body_end(&c);
		} else if (ev.type == LM_SMTP_EV_REPLY && ev.cmd == LM_SMTP_CMD_DATA) {
			r = lm_smtp_quit(&c);
		}
		if (r < 0)
			return 4;
	}
}
