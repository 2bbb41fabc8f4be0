/*
 * mail-send - send one message through an SMTP submission server.
 *
 *   mail-send --url URL --from ADDR --to ADDR [--to ADDR]... [--cc ADDR]...
 *             [--bcc ADDR]... [--subject TEXT] [--text FILE] [--attach FILE]...
 *             [--raw FILE] [--user NAME] [--password-file FILE] [--auth MECH]
 *             [--cafile FILE] [--plaintext] [--timeout SEC] [--trace]
 *             [--call-timeout SEC]
 *
 * Exit status: 0 accepted for every recipient; 1 refused by the server;
 * 2 usage or local error; 3 security (TLS, certificate, STARTTLS,
 * plaintext refused); 4 the server broke the protocol; 5 network or
 * timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libmail.h"

#define CLI_PROG "mail-send"
#include "cli.h"

#define MAX_ADDRS 256
#define MAX_ATTACH 32
#define MAX_HEADERS 64

static const char usage_text[] =
"usage: mail-send --url URL --from ADDR --to ADDR [--to ADDR]... [--cc ADDR]...\n"
"                 [--bcc ADDR]... [--subject TEXT] [--text FILE] [--attach FILE]...\n"
"                 [--html FILE] [--header \"Name: value\"]... [--reply-to ADDR]\n"
"                 [--raw FILE] [--user NAME] [--password-file FILE] [--auth MECH]\n"
"                 [--cafile FILE] [--plaintext] [--timeout SEC] [--trace]\n"
"                 [--call-timeout SEC]\n"
"\n"
"  --url URL            smtp://[user@]host[:port] (STARTTLS required, port 587)\n"
"                       or smtps://[user@]host[:port] (implicit TLS, port 465)\n"
"  --from ADDR          sender (envelope and From:); ADDR or \"Name <ADDR>\"\n"
"  --to/--cc ADDR       recipients shown in the header\n"
"  --bcc ADDR           recipient that never appears in the header\n"
"  --subject TEXT       subject (UTF-8)\n"
"  --text FILE          body text (UTF-8); default: standard input\n"
"  --attach FILE        attach a file (repeatable; type guessed from the name)\n"
"  --html FILE          HTML body (UTF-8): with the text, multipart/alternative\n"
"  --header \"N: v\"      extra header line (repeatable; printable ASCII)\n"
"  --reply-to ADDR      Reply-To: ADDR or \"Name <ADDR>\"\n"
"  --raw FILE           send this RFC 5322 message as it is (no --subject,\n"
"                       --text or --attach)\n"
"  --user NAME          user for AUTH (also from the URL)\n"
"  --password-file FILE password: first line of FILE; else $LIBMAIL_PASSWORD\n"
"  --auth MECH          use only this SASL mechanism (e.g. SCRAM-SHA-256, PLAIN)\n"
"  --cafile FILE        trusted CAs (PEM); default: the system store\n"
"  --plaintext          talk smtp:// without TLS (no STARTTLS is tried) and\n"
"                       allow credentials in clear; never implied\n"
"  --timeout SEC        per network operation (default 60)\n"
"  --call-timeout SEC   limit of each whole library call: connect, then\n"
"                       each command (default: none; connect 300)\n"
"  --trace              write the dialogue to stderr (C:/S:, AUTH redacted)\n"
"\n"
"exit status: 0 sent, 1 refused by the server, 2 usage, 3 security,\n"
"             4 protocol violation by the server, 5 network or timeout\n";

typedef struct {
	char *name;  /* display name or NULL (points into a copy) */
	char *addr;
} addr_t;

/* "Name <addr>" or "addr" into a; the string is modified in place. */
static int
parse_addr(char *s, addr_t *a)
{
	char *lt = strrchr(s, '<');

	a->name = NULL;
	if (lt == NULL) {
		a->addr = s;
	} else {
		char *gt = strchr(lt, '>'), *e;
		if (gt == NULL || gt[1] != '\0')
			return -1;
		*gt = '\0';
		a->addr = lt + 1;
		e = lt;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		if (*s == '"' && e - s >= 2 && e[-1] == '"') {
			e[-1] = '\0';
			s++;
		}
		if (*s != '\0')
			a->name = s;
	}
	if (strchr(a->addr, '@') == NULL || strpbrk(a->addr, " \t\r\n<>") != NULL)
		return -1;
	return 0;
}

/* A --header value: "Name: value", the name 1..76 printable ASCII
 * characters other than ':', the value printable ASCII and tabs (so no
 * CR, LF or other control byte can inject a header line). The composer
 * checks again and refuses the names it writes itself. */
static int
header_ok(const char *h)
{
	const char *colon = strchr(h, ':');
	const unsigned char *p;

	if (colon == NULL || colon == h || colon - h > 76)
		return 0;
	for (p = (const unsigned char *)h; *p; p++) {
		if (p < (const unsigned char *)colon) {
			if (*p < 0x21 || *p > 0x7E)
				return 0;
		} else if ((*p < 0x20 && *p != '\t') || *p > 0x7E) {
			return 0;
		}
	}
	return 1;
}

static int
random_bytes(unsigned char *buf, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY);
	size_t got = 0;

	if (fd < 0)
		return -1;
	while (got < n) {
		ssize_t k = read(fd, buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(fd);
			return -1;
		}
		got += (size_t)k;
	}
	close(fd);
	return 0;
}

/* Offset of local time from UTC in minutes at t. */
static int
tz_offset(time_t t)
{
	struct tm lt, gt;
	int d;

	if (localtime_r(&t, &lt) == NULL || gmtime_r(&t, &gt) == NULL)
		return 0;
	d = (lt.tm_hour - gt.tm_hour) * 60 + (lt.tm_min - gt.tm_min);
	if (lt.tm_year != gt.tm_year)
		d += (lt.tm_year > gt.tm_year) ? 1440 : -1440;
	else if (lt.tm_yday != gt.tm_yday)
		d += (lt.tm_yday > gt.tm_yday) ? 1440 : -1440;
	return d;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

int
main(int argc, char **argv)
{
	cli_conn cn = CLI_CONN_INIT;
	const char *subject = NULL, *text_file = NULL, *raw_file = NULL;
	const char *attach_files[MAX_ATTACH];
	const char *html_file = NULL, *headers[MAX_HEADERS];
	char *replyto_s = NULL, *html = NULL;
	size_t nheaders = 0, html_len = 0;
	addr_t replyto;
	lm_mime_mailbox mreplyto;
	char *from_s = NULL;
	char *to_s[MAX_ADDRS], *cc_s[MAX_ADDRS], *bcc_s[MAX_ADDRS];
	size_t nto = 0, ncc = 0, nbcc = 0, natt = 0, i;
	addr_t from, to[MAX_ADDRS], cc[MAX_ADDRS], bcc[MAX_ADDRS];
	const char *rcpts[3 * MAX_ADDRS];
	size_t nrcpt = 0;
	lm_mime_mailbox mto[MAX_ADDRS], mcc[MAX_ADDRS];
	lm_mime_attachment att[MAX_ATTACH];
	FILE *att_f[MAX_ATTACH];
	FILE *raw_f = NULL;
	char *text = NULL, *password = NULL;
	size_t text_len = 0;
	lm_mime_compose comp;
	lm_mime_compose_opts co = LM_MIME_COMPOSE_OPTS_INIT;
	char msgid[128];
	lm_smtp_session_opts so = LM_SMTP_SESSION_OPTS_INIT;
	lm_smtp_session *sess = NULL;
	lm_smtp_message msg = LM_SMTP_MESSAGE_INIT;
	static lm_smtp_reply rr[3 * MAX_ADDRS];
	lm_smtp_reply fin;
	char helo[256];
	unsigned mech = 0;
	size_t natt_open = 0;       /* att_f[0..natt_open) to close */
	int comp_live = 0;          /* comp to free */
	int r, rc = 2, ai;

	signal(SIGPIPE, SIG_IGN);

	for (ai = 1; ai < argc; ai++) {
		const char *a = argv[ai];
		const char *v = (ai + 1 < argc) ? argv[ai + 1] : NULL;
		int took = cli_conn_arg(&cn, argc, argv, &ai);
		if (took != 0) {
			if (took == 1)
				continue;
			return took;
		}
#define NEEDV() do { if (v == NULL) return cli_usage("missing value for", a); ai++; } while (0)
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else if (strcmp(a, "--from") == 0) {
			NEEDV(); from_s = argv[ai];
		} else if (strcmp(a, "--to") == 0) {
			NEEDV();
			if (nto == MAX_ADDRS) return cli_usage("too many --to", NULL);
			to_s[nto++] = argv[ai];
		} else if (strcmp(a, "--cc") == 0) {
			NEEDV();
			if (ncc == MAX_ADDRS) return cli_usage("too many --cc", NULL);
			cc_s[ncc++] = argv[ai];
		} else if (strcmp(a, "--bcc") == 0) {
			NEEDV();
			if (nbcc == MAX_ADDRS) return cli_usage("too many --bcc", NULL);
			bcc_s[nbcc++] = argv[ai];
		} else if (strcmp(a, "--subject") == 0) {
			NEEDV(); subject = v;
		} else if (strcmp(a, "--text") == 0) {
			NEEDV(); text_file = v;
		} else if (strcmp(a, "--attach") == 0) {
			NEEDV();
			if (natt == MAX_ATTACH) return cli_usage("too many --attach", NULL);
			attach_files[natt++] = v;
		} else if (strcmp(a, "--html") == 0) {
			NEEDV(); html_file = v;
		} else if (strcmp(a, "--reply-to") == 0) {
			NEEDV(); replyto_s = argv[ai];
		} else if (strcmp(a, "--header") == 0) {
			NEEDV();
			if (nheaders == MAX_HEADERS) return cli_usage("too many --header", NULL);
			if (!header_ok(v)) return cli_usage("bad --header (want \"Name: value\", printable ASCII)", v);
			headers[nheaders++] = v;
		} else if (strcmp(a, "--raw") == 0) {
			NEEDV(); raw_file = v;
		} else {
			return cli_usage("unknown option", a);
		}
#undef NEEDV
	}

	if (cn.url == NULL)
		return cli_usage("--url is required", NULL);
	if (from_s == NULL)
		return cli_usage("--from is required", NULL);
	if (nto + ncc + nbcc == 0)
		return cli_usage("at least one --to, --cc or --bcc is required", NULL);
	if (raw_file != NULL && (subject != NULL || text_file != NULL || natt > 0 ||
	    html_file != NULL || nheaders > 0 || replyto_s != NULL))
		return cli_usage("--raw cannot be combined with --subject, --text, --attach, "
		                 "--html, --header or --reply-to", NULL);
	if (replyto_s != NULL && parse_addr(replyto_s, &replyto) < 0)
		return cli_usage("bad --reply-to address", replyto_s);
	{
		lm_url u;
		r = lm_url_parse(&u, cn.url);
		if (r < 0 || (u.scheme != LM_URL_SMTP && u.scheme != LM_URL_SMTPS)) {
			return cli_bad_url(cn.url, r < 0 ? lm_strerror(r) :
			                   "not smtp:// or smtps://");
		}
		if ((cn.user != NULL || u.user[0] != '\0') && cn.pw_file == NULL &&
		    getenv("LIBMAIL_PASSWORD") == NULL) {
			cli_err("a user is set but no password: "
			        "use --password-file or LIBMAIL_PASSWORD");
			return 2;
		}
	}
	if (parse_addr(from_s, &from) < 0)
		return cli_usage("bad --from address", from_s);
	for (i = 0; i < nto; i++)
		if (parse_addr(to_s[i], &to[i]) < 0)
			return cli_usage("bad --to address", to_s[i]);
	for (i = 0; i < ncc; i++)
		if (parse_addr(cc_s[i], &cc[i]) < 0)
			return cli_usage("bad --cc address", cc_s[i]);
	for (i = 0; i < nbcc; i++)
		if (parse_addr(bcc_s[i], &bcc[i]) < 0)
			return cli_usage("bad --bcc address", bcc_s[i]);
	for (i = 0; i < nto; i++)
		rcpts[nrcpt++] = to[i].addr;
	for (i = 0; i < ncc; i++)
		rcpts[nrcpt++] = cc[i].addr;
	for (i = 0; i < nbcc; i++)
		rcpts[nrcpt++] = bcc[i].addr;

	if (cn.auth != NULL) {
		mech = (unsigned)lm_sasl_mech_from_name(cn.auth, strlen(cn.auth));
		if (mech == 0)
			return cli_usage("unknown --auth mechanism", cn.auth);
	}

	/* password: file (first line) or environment, never argv */
	if (cli_read_password(cn.pw_file, &password) < 0)
		return 2;

	/* the message; from here on a failure goes to done, which frees
	 * what was read and wipes the password */
	if (raw_file != NULL) {
		raw_f = fopen(raw_file, "rb");
		if (raw_f == NULL) {
			cli_err("%s: %s", raw_file, strerror(errno));
			goto done;
		}
		msg.body = cli_file_read;
		msg.body_ud = raw_f;
	} else {
		FILE *tf = stdin;
		time_t now = time(NULL);
		unsigned char rnd[16];
		const char *dom = strrchr(from.addr, '@') + 1;

		if (text_file != NULL) {
			tf = fopen(text_file, "rb");
			if (tf == NULL) {
				cli_err("%s: %s", text_file, strerror(errno));
				goto done;
			}
		}
		r = cli_slurp(tf, &text, &text_len);
		if (r < 0)
			cli_err("%s: %s", text_file ? text_file : "standard input",
			        strerror(errno));
		if (tf != stdin)
			fclose(tf);
		if (r < 0)
			goto done;
		if (html_file != NULL) {
			FILE *hf = fopen(html_file, "rb");
			r = hf != NULL ? cli_slurp(hf, &html, &html_len) : -1;
			if (r < 0)
				cli_err("%s: %s", html_file, strerror(errno));
			if (hf != NULL)
				fclose(hf);
			if (r < 0)
				goto done;
		}
		for (i = 0; i < natt; i++) {
			att_f[i] = fopen(attach_files[i], "rb");
			if (att_f[i] == NULL) {
				cli_err("%s: %s", attach_files[i], strerror(errno));
				goto done;
			}
			natt_open = i + 1;
			att[i].filename = base_name(attach_files[i]);
			att[i].content_type = NULL;
			att[i].read = cli_file_read;
			att[i].ud = att_f[i];
		}
		for (i = 0; i < nto; i++) {
			mto[i].name = to[i].name;
			mto[i].addr = to[i].addr;
		}
		for (i = 0; i < ncc; i++) {
			mcc[i].name = cc[i].name;
			mcc[i].addr = cc[i].addr;
		}
		if (random_bytes(rnd, sizeof rnd) < 0 ||
		    random_bytes(co.boundary_seed, sizeof co.boundary_seed) < 0) {
			cli_err("cannot read /dev/urandom");
			goto done;
		}
		snprintf(msgid, sizeof msgid,
		         "%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x.%lld@%s",
		         rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
		         rnd[7], rnd[8], rnd[9], rnd[10], rnd[11], (long long)now,
		         (strlen(dom) > 0 && strlen(dom) < 100 && lm_is_ascii(dom, strlen(dom)))
		             ? dom : "mail-send.invalid");
		co.from.name = from.name;
		co.from.addr = from.addr;
		co.to = mto;
		co.nto = nto;
		co.cc = mcc;
		co.ncc = ncc;
		co.subject = subject;
		co.date = (long long)now;
		co.tz_offset_min = tz_offset(now);
		co.message_id = msgid;
		co.text = text;
		co.text_len = text_len;
		co.att = att;
		co.natt = natt;
		co.html = html;
		co.html_len = html_len;
		co.extra_headers = headers;
		co.nextra = nheaders;
		if (replyto_s != NULL) {
			mreplyto.name = replyto.name;
			mreplyto.addr = replyto.addr;
			co.reply_to = &mreplyto;
			co.nreply_to = 1;
		}
		r = lm_mime_compose_init(&comp, &co);
		if (r < 0) {
			cli_err("cannot build the message: %s (check addresses, "
			        "subject, file names and --header)", lm_strerror(r));
			goto done;
		}
		comp_live = 1;
		msg.body = lm_mime_compose_read;
		msg.body_ud = &comp;
	}

	/* the session */
	if (gethostname(helo, sizeof helo) != 0 || helo[0] == '\0' ||
	    strpbrk(helo, " \t\r\n") != NULL || !lm_is_ascii(helo, strlen(helo)))
		strcpy(helo, "localhost");
	helo[sizeof helo - 1] = '\0';
	so.url = cn.url;
	so.user = cn.user;
	so.password = password;
	so.auth_mech = mech;
	so.cafile = cn.cafile;
	so.plaintext = cn.plaintext;
	so.timeout_ms = (unsigned)cn.timeout_s * 1000u;
	so.call_timeout_ms = (unsigned)cn.call_s * 1000u;
	so.helo_domain = helo;
	if (cn.trace) {
		so.trace = cli_trace;
		so.trace_ud = NULL;
	}
	r = lm_smtp_session_new(&sess, &so);
	if (r < 0) {
		rc = cli_bad_url(cn.url, lm_strerror(r));
		goto done;
	}
	r = lm_smtp_session_connect(sess);
	if (r < 0) {
		cli_err("%s", lm_smtp_session_error(sess));
		rc = cli_exit_code(r);
		goto done;
	}
	msg.from = from.addr;
	msg.rcpt = rcpts;
	msg.nrcpt = nrcpt;
	r = lm_smtp_session_send(sess, &msg, rr, &fin);
	if (r < 0) {
		int listed = 0;
		for (i = 0; i < nrcpt; i++) {
			if (rr[i].code != 0 && (rr[i].code < 200 || rr[i].code > 299)) {
				if (rr[i].enh_class != 0)
					cli_err("recipient <%s> refused: "
					        "%d %d.%d.%d %s", rcpts[i], rr[i].code,
					        rr[i].enh_class, rr[i].enh_subject,
					        rr[i].enh_detail, rr[i].text);
				else
					cli_err("recipient <%s> refused: %d %s", rcpts[i],
					        rr[i].code, rr[i].text);
				listed++;
			}
		}
		if (!listed || r != LM_ERR_REFUSED)
			cli_err("%s", lm_smtp_session_error(sess));
		else if (listed)
			cli_err("message not sent");
		rc = cli_exit_code(r);
		goto done;
	}
	rc = 0;

done:
	lm_smtp_session_free(sess);
	if (raw_f != NULL)
		fclose(raw_f);
	if (comp_live)
		lm_mime_compose_free(&comp);
	for (i = 0; i < natt_open; i++)
		fclose(att_f[i]);
	free(text);
	free(html);
	if (password != NULL) {
		volatile char *p = password;
		while (*p)
			*p++ = 0;
		free(password);
	}
	return rc;
}
