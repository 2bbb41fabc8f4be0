/*
 * libmail - lm_alert_send(): one call that builds a small message with
 * the MIME composer and sends it through a blocking SMTP session. Made
 * for firmware-style alerts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "libmail/net.h"
#include "net_internal.h"
#include "session.h"

typedef struct {
	const unsigned char *p;
	size_t len, off;
} mem_reader;

static int
mem_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	mem_reader *m = ud;
	size_t n = m->len - m->off;

	if (n > cap)
		n = cap;
	if (n > 0)
		memcpy(buf, m->p + m->off, n);
	m->off += n;
	*got = n;
	return 0;
}

static void
alert_err(const lm_alert *a, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void
alert_err(const lm_alert *a, const char *fmt, ...)
{
	va_list ap;

	if (a->errbuf == NULL || a->errcap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(a->errbuf, a->errcap, fmt, ap);
	va_end(ap);
}

/* The Message-ID domain: the sender's domain when it is plain ASCII. */
static const char *
id_domain(const char *from)
{
	const char *at = strrchr(from, '@');
	size_t i, n;

	if (at == NULL || at[1] == '\0')
		return "libmail.invalid";
	at++;
	n = strlen(at);
	if (n > 200)
		return "libmail.invalid";
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)at[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
			return "libmail.invalid";
	}
	return at;
}

/* see net.h */
int
lm_alert_send(const lm_alert *a)
{
	static const char hex[] = "0123456789abcdef";
	lm_mime_compose_opts co = LM_MIME_COMPOSE_OPTS_INIT;
	lm_smtp_session_opts so = LM_SMTP_SESSION_OPTS_INIT;
	lm_smtp_message msg = LM_SMTP_MESSAGE_INIT;
	lm_mime_mailbox to[64];
	lm_mime_attachment att;
	lm_mime_compose comp;
	lm_smtp_session *s = NULL;
	mem_reader mr;
	unsigned char rnd[12];
	char msgid[256];
	size_t i, k;
	int r;

	if (a == NULL || a->version != LM_ALERT_VERSION)
		return LM_ERR_BAD_PARAM;
	if (a->errbuf != NULL && a->errcap > 0)
		a->errbuf[0] = '\0';
	if (a->url == NULL || a->from == NULL || a->to == NULL || a->nto == 0 ||
	    a->nto > sizeof to / sizeof to[0]) {
		alert_err(a, "url, from and 1..64 recipients are required");
		return LM_ERR_BAD_PARAM;
	}
	if (a->attach_name != NULL && a->attach_data != NULL &&
	    a->attach_read != NULL) {
		alert_err(a, "attachment: give bytes or a reader, not both");
		return LM_ERR_BAD_PARAM;
	}
	for (i = 0; i < a->nto; i++) {
		if (a->to[i] == NULL) {
			alert_err(a, "recipient %u is NULL", (unsigned)i);
			return LM_ERR_BAD_PARAM;
		}
		to[i].name = NULL;
		to[i].addr = a->to[i];
	}

	r = lm_net__random(rnd, sizeof rnd);
	if (r == 0)
		r = lm_net__random(co.boundary_seed, sizeof co.boundary_seed);
	if (r < 0) {
		alert_err(a, "no random numbers");
		return r;
	}
	for (i = 0, k = 0; i < sizeof rnd; i++) {
		msgid[k++] = hex[rnd[i] >> 4];
		msgid[k++] = hex[rnd[i] & 15];
	}
	snprintf(msgid + k, sizeof msgid - k, ".%lld@%s",
	         (long long)time(NULL), id_domain(a->from));

	co.from.addr = a->from;
	co.to = to;
	co.nto = a->nto;
	co.subject = a->subject;
	co.date = (long long)time(NULL);
	co.tz_offset_min = 0;
	co.message_id = msgid;
	co.text = a->text != NULL ? a->text : "";
	co.text_len = strlen(co.text);
	if (a->attach_name != NULL) {
		memset(&att, 0, sizeof att);
		att.filename = a->attach_name;
		att.content_type = a->attach_type;
		if (a->attach_read != NULL) {
			att.read = a->attach_read;
			att.ud = a->attach_ud;
		} else {
			mr.p = a->attach_data;
			mr.len = a->attach_data != NULL ? a->attach_len : 0;
			mr.off = 0;
			att.read = mem_read;
			att.ud = &mr;
		}
		co.att = &att;
		co.natt = 1;
	}
	r = lm_mime_compose_init(&comp, &co);
	if (r < 0) {
		alert_err(a, "cannot build the message: %s", lm_strerror(r));
		lm_mime_compose_free(&comp);
		return r;
	}

	so.url = a->url;
	so.user = a->user;
	so.password = a->password;
	so.cafile = a->cafile;
	so.plaintext = a->plaintext;
	so.timeout_ms = a->timeout_ms;
	so.call_timeout_ms = a->call_timeout_ms;
	so.helo_domain = a->helo_domain;
	so.trace = a->trace;
	so.trace_ud = a->trace_ud;
	r = lm_smtp_session_new(&s, &so);
	if (r < 0) {
		alert_err(a, "bad URL: %s", lm_strerror(r));
		lm_mime_compose_free(&comp);
		return r;
	}
	if (a->call_timeout_ms != 0)
		lm_net__smtp_session_until(s, lm_net__now_ms() +
		                           (long long)a->call_timeout_ms);
	r = lm_smtp_session_connect(s);
	if (r == 0) {
		msg.from = a->from;
		msg.rcpt = a->to;
		msg.nrcpt = a->nto;
		msg.body = lm_mime_compose_read;
		msg.body_ud = &comp;
		r = lm_smtp_session_send(s, &msg, NULL, NULL);
	}
	if (r < 0)
		alert_err(a, "%s", lm_smtp_session_error(s));
	lm_smtp_session_free(s);
	lm_mime_compose_free(&comp);
	return r;
}
