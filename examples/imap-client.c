/*
 * imap-client - one IMAP command against a server, over STARTTLS or
 * implicit TLS.
 *
 *   imap-client --url imap[s]://[user@]host[:port][/MAILBOX] [--user NAME]
 *               [--password-file FILE] [--auth MECH] [--cafile FILE]
 *               [--plaintext] [--timeout SEC] [--call-timeout SEC]
 *               [--trace] COMMAND [ARGS]
 *
 * Exit status: 0 done; 1 refused by the server (NO/BAD, or an unsolicited
 * BYE before the command completed); 2 usage or local error; 3 security
 * (TLS, certificate, STARTTLS, plaintext refused, no usable login);
 * 4 the server broke the protocol; 5 network or timeout.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libmail.h"

#define CLI_PROG "imap-client"
#include "cli.h"

static const char usage_text[] =
"usage: imap-client --url imap[s]://[user@]host[:port][/MAILBOX] [--user NAME]\n"
"                   [--password-file FILE] [--auth MECH] [--cafile FILE]\n"
"                   [--plaintext] [--timeout SEC] [--call-timeout SEC]\n"
"                   [--trace] COMMAND [ARGS]\n"
"\n"
"  --url URL            imap://host[:port] (STARTTLS required, port 143) or\n"
"                       imaps://host[:port] (implicit TLS, port 993); the path\n"
"                       names the mailbox (percent-encoded UTF-8, default INBOX)\n"
"  --user NAME          user to log in as (also from the URL)\n"
"  --password-file FILE password: first line of FILE; else $LIBMAIL_PASSWORD\n"
"  --auth MECH          use only this SASL mechanism (e.g. SCRAM-SHA-256, PLAIN)\n"
"  --cafile FILE        trusted CAs (PEM); default: the system store\n"
"  --plaintext          talk imap:// without TLS (no STARTTLS is tried) and\n"
"                       allow credentials in clear; never implied\n"
"  --timeout SEC        per network operation (default 60)\n"
"  --call-timeout SEC   limit of each whole library call: connect, then\n"
"                       each command (default: none; connect 300)\n"
"  --trace              write the dialogue to stderr (C:/S:, credentials\n"
"                       redacted, control bytes escaped)\n"
"\n"
"commands (mailbox names are UTF-8):\n"
"  capabilities                 the server's capabilities, one per line\n"
"  list                         every mailbox: its name, then its attributes\n"
"  status MAILBOX               MESSAGES, UIDNEXT, UIDVALIDITY, UNSEEN (and\n"
"                               HIGHESTMODSEQ with CONDSTORE), one per line\n"
"  search [KEY...]              UIDs matching IMAP search keys given as words\n"
"                               (e.g. search UNSEEN FROM alice; at most 64),\n"
"                               one per line\n"
"  fetch UID [--out FILE]       the raw message (BODY.PEEK[]) to stdout or FILE\n"
"                               (FILE appears only once complete)\n"
"  headers UID                  date, from and subject (from the ENVELOPE)\n"
"  append FILE [--flags F,...]  store FILE in the mailbox; prints the new UID\n"
"                               when the server tells it (UIDPLUS)\n"
"  move UID MAILBOX             move a message to another mailbox\n"
"  delete UID                   flag \\Deleted and UID EXPUNGE that message\n"
"  create MAILBOX               create a mailbox\n"
"  idle [--seconds N]           print EXISTS n / EXPUNGE n / FETCH n FLAGS (...)\n"
"                               for each change, for N seconds (default:\n"
"                               until interrupted)\n"
"\n"
"exit status: 0 done, 1 refused by the server, 2 usage, 3 security,\n"
"             4 protocol violation by the server, 5 network or timeout\n";

/* Write a slice, control characters (terminal escapes from the server)
 * as '?': cli_put_clean(). */
static void
put_clean(FILE *f, lm_slice v)
{
	cli_put_clean(f, v.p, v.len, 0);
}

/* "123" (a single UID, no leading zero, fits 32 bits) */
static int
is_uid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 10 || s[0] == '0')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return strtoull(s, NULL, 10) <= 0xffffffffULL;
}

/* ---- event handlers for each command -------------------------------- */

typedef struct {
	FILE *out;              /* fetch: where the message goes */
	uint32_t uid;           /* fetch/headers: the UID asked for */
	int got;                /* fetch: data seen; headers: ENVELOPE seen */
	int done;               /* fetch: the last piece arrived */
	uint64_t bytes;
	int werr;               /* fetch: a write failed */
	int search_nl;          /* search: a number was printed */
	int idle_print;         /* idle: print changes now */
	int nil;                /* fetch: the server sent NIL, not a message */
} cstate;

static int
on_list(const lm_imap_event *ev, void *ud)
{
	(void)ud;
	if (ev->type != LM_IMAP_EV_LIST)
		return 0;
	put_clean(stdout, ev->mailbox);
	if (ev->list.attr_list.len > 0) {
		fputc(' ', stdout);
		put_clean(stdout, ev->list.attr_list);
	}
	fputc('\n', stdout);
	return 0;
}

static int
on_status(const lm_imap_event *ev, void *ud)
{
	const lm_imap_status_values *v = &ev->st;

	(void)ud;
	if (ev->type != LM_IMAP_EV_STATUS_DATA)
		return 0;
	if (v->have & LM_IMAP_ST_MESSAGES)
		printf("MESSAGES %lu\n", (unsigned long)v->messages);
	if (v->have & LM_IMAP_ST_RECENT)
		printf("RECENT %lu\n", (unsigned long)v->recent);
	if (v->have & LM_IMAP_ST_UIDNEXT)
		printf("UIDNEXT %lu\n", (unsigned long)v->uidnext);
	if (v->have & LM_IMAP_ST_UIDVALIDITY)
		printf("UIDVALIDITY %lu\n", (unsigned long)v->uidvalidity);
	if (v->have & LM_IMAP_ST_UNSEEN)
		printf("UNSEEN %lu\n", (unsigned long)v->unseen);
	if (v->have & LM_IMAP_ST_HIGHESTMODSEQ)
		printf("HIGHESTMODSEQ %llu\n", (unsigned long long)v->highestmodseq);
	return 0;
}

/* search: the UIDs of the one SEARCH response, printed only once the
 * command completed OK. */
typedef struct {
	uint64_t *v;
	size_t n, cap;
	int seen;               /* a SEARCH response arrived */
} uidlist;

static int
on_search(const lm_imap_event *ev, void *ud)
{
	uidlist *u = ud;
	lm_slice l;
	uint64_t n;

	if (ev->type != LM_IMAP_EV_SEARCH)
		return 0;
	/* One SEARCH response per command (RFC 3501 7.2.5): more is a
	 * server that could go on forever. One response is bounded by the
	 * line limit. */
	if (u->seen)
		return LM_ERR_PROTOCOL;
	u->seen = 1;
	l = ev->search.nums;
	while (lm_imap_num_next(&l, &n)) {
		if (u->n == u->cap) {
			size_t nc = u->cap ? 2 * u->cap : 64;
			uint64_t *nv = realloc(u->v, nc * sizeof *nv);
			if (nv == NULL)
				return LM_ERR_NOMEM;
			u->v = nv;
			u->cap = nc;
		}
		u->v[u->n++] = n;
	}
	return 0;
}

static int
on_fetch(const lm_imap_event *ev, void *ud)
{
	cstate *st = ud;

	if (ev->type != LM_IMAP_EV_FETCH_DATA ||
	    ev->fetch.item != LM_IMAP_ITEM_BODY_SECTION ||
	    ev->fetch.section.len != 0)
		return 0;
	/* a FETCH for another message (unsolicited) is not ours */
	if (ev->fetch.uid != 0 && ev->fetch.uid != st->uid)
		return 0;
	if (st->done)
		return 0; /* a second copy of the same message: ignore */
	st->got = 1;
	if (ev->fetch.nil)
		st->nil = 1;
	if (ev->fetch.data.len > 0 && !st->werr &&
	    fwrite(ev->fetch.data.p, 1, ev->fetch.data.len, st->out) !=
	    ev->fetch.data.len)
		st->werr = errno ? errno : EIO;
	st->bytes += ev->fetch.data.len;
	if (ev->fetch.last)
		st->done = 1;
	return 0;
}

/* Print one ENVELOPE address list as "Name <mailbox@host>, ..." */
static void
put_addrs(const lm_imap_tok *list)
{
	lm_imap_reader r;
	lm_imap_address a;
	int first = 1;

	if (list->type != LM_IMAP_TOK_OPEN)
		return;
	memset(&r, 0, sizeof r);
	lm_imap_reader_enter(&r, list);
	while (lm_imap_address_next(&r, &a) == 1) {
		char name[512], mbox[256], host[256];
		if (a.group_start || a.group_end)
			continue;
		lm_imap_tok_copy(&a.name, name, sizeof name, NULL);
		lm_imap_tok_copy(&a.mailbox, mbox, sizeof mbox, NULL);
		lm_imap_tok_copy(&a.host, host, sizeof host, NULL);
		if (!first)
			fputs(", ", stdout);
		first = 0;
		if (name[0] != '\0') {
			char dec[2048];
			size_t dl = 0;
			lm_slice v;
			if (lm_mime_ew_decode(name, strlen(name), dec, sizeof dec,
			                      &dl, NULL) == 0) {
				v.p = (const unsigned char *)dec;
				v.len = dl;
			} else {
				v.p = (const unsigned char *)name;
				v.len = strlen(name);
			}
			put_clean(stdout, v);
			fputs(" <", stdout);
		}
		{
			lm_slice v;
			v.p = (const unsigned char *)mbox;
			v.len = strlen(mbox);
			put_clean(stdout, v);
			if (host[0] != '\0') {
				fputc('@', stdout);
				v.p = (const unsigned char *)host;
				v.len = strlen(host);
				put_clean(stdout, v);
			}
		}
		if (name[0] != '\0')
			fputc('>', stdout);
	}
}

static int
on_headers(const lm_imap_event *ev, void *ud)
{
	cstate *st = ud;
	lm_imap_envelope env;
	char buf[4096], dec[4 * 4096 + 64];
	size_t n = 0, dl = 0;
	lm_slice v;

	if (ev->type != LM_IMAP_EV_FETCH_ITEM ||
	    ev->fetch.item != LM_IMAP_ITEM_ENVELOPE)
		return 0;
	if (ev->fetch.uid != 0 && ev->fetch.uid != st->uid)
		return 0;
	if (st->got || lm_imap_envelope_parse(ev->fetch.value, &env) < 0)
		return 0;
	st->got = 1;
	lm_imap_tok_copy(&env.date, buf, sizeof buf, &n);
	v.p = (const unsigned char *)buf;
	v.len = strlen(buf);
	fputs("Date: ", stdout);
	put_clean(stdout, v);
	fputs("\nFrom: ", stdout);
	put_addrs(&env.from);
	fputs("\nSubject: ", stdout);
	lm_imap_tok_copy(&env.subject, buf, sizeof buf, &n);
	if (lm_mime_ew_decode(buf, strlen(buf), dec, sizeof dec, &dl, NULL) == 0) {
		v.p = (const unsigned char *)dec;
		v.len = dl;
	} else {
		v.p = (const unsigned char *)buf;
		v.len = strlen(buf);
	}
	put_clean(stdout, v);
	fputc('\n', stdout);
	return 0;
}

static int
on_idle(const lm_imap_event *ev, void *ud)
{
	cstate *st = ud;

	if (!st->idle_print)
		return 0;
	switch (ev->type) {
	case LM_IMAP_EV_EXISTS:
		printf("EXISTS %lu\n", (unsigned long)ev->num);
		break;
	case LM_IMAP_EV_EXPUNGE:
		printf("EXPUNGE %lu\n", (unsigned long)ev->num);
		break;
	case LM_IMAP_EV_VANISHED:
		fputs("VANISHED ", stdout);
		put_clean(stdout, ev->vanished.uids);
		fputc('\n', stdout);
		break;
	case LM_IMAP_EV_FETCH_ITEM:
		if (ev->fetch.item != LM_IMAP_ITEM_FLAGS)
			return 0;
		printf("FETCH %lu FLAGS (", (unsigned long)ev->fetch.seq);
		put_clean(stdout, ev->fetch.value);
		fputs(")\n", stdout);
		break;
	default:
		return 0;
	}
	fflush(stdout);
	return 0;
}

/* delete: the FETCH of a non-silent UID STORE names the message */
static int
on_store(const lm_imap_event *ev, void *ud)
{
	cstate *st = ud;

	if (ev->type == LM_IMAP_EV_FETCH_ITEM &&
	    ev->fetch.item == LM_IMAP_ITEM_UID && ev->fetch.num == st->uid)
		st->got = 1;
	return 0;
}

/* move: COPYUID, or the message leaving the source (EXPUNGE, VANISHED) */
static int
on_move(const lm_imap_event *ev, void *ud)
{
	cstate *st = ud;

	if (ev->type == LM_IMAP_EV_EXPUNGE || ev->type == LM_IMAP_EV_VANISHED ||
	    ((ev->type == LM_IMAP_EV_STATUS || ev->type == LM_IMAP_EV_DONE) &&
	     ev->code.code == LM_IMAP_CODE_COPYUID))
		st->got = 1;
	return 0;
}

/* ---- running commands ------------------------------------------------ */

typedef struct {
	lm_imap_session *s;
	lm_imap_client *c;
	/* the response the waited-for command reads ("FETCH", "LIST" ...;
	 * NULL: none), for FETCH of which UID (0: any); whether one of
	 * those could not be read (LM_IMAP_LENIENT_RESYNC skipped it) */
	const char *dep;
	uint32_t dep_uid;
	int skipped;
	lm_imap_event_fn fn;
	void *ud;
} ctx;

/* Under LM_IMAP_LENIENT_RESYNC a response that cannot be read is skipped:
 * a FETCH as FETCH_END with ev.fetch.damaged, any other (or a FETCH
 * unreadable from its start) as an UNKNOWN event named like it. Note
 * those of the kind the command reads, then hand the event on. */
static int
on_guard(const lm_imap_event *ev, void *ud)
{
	ctx *x = ud;
	size_t n = strlen(x->dep);

	if (ev->type == LM_IMAP_EV_FETCH_END && ev->fetch.damaged &&
	    strcmp(x->dep, "FETCH") == 0 &&
	    (ev->fetch.uid == 0 || x->dep_uid == 0 || ev->fetch.uid == x->dep_uid))
		x->skipped = 1;
	else if (ev->type == LM_IMAP_EV_UNKNOWN && ev->value.len == n &&
	         strncasecmp((const char *)ev->value.p, x->dep, n) == 0)
		x->skipped = 1;
	return x->fn != NULL ? x->fn(ev, x->ud) : 0;
}

/* The command completed, but a response it reads could not be read:
 * the server broke the protocol, and what the command shows or saves
 * would be wrong (exit 4). */
static int
skipped_err(const ctx *x, const char *what, const char *consequence)
{
	cli_err("%s: a %s response from the server could not be read "
	        "(protocol violation); %s", what, x->dep, consequence);
	return LM_ERR_PROTOCOL;
}

static int run(ctx *x, const char *what, int r, lm_imap_handle h,
               lm_imap_event_fn fn, void *ud);

/* run(), noting skipped responses of kind dep (for FETCH: of UID uid) */
static int
run_dep(ctx *x, const char *what, int r, lm_imap_handle h,
        lm_imap_event_fn fn, void *ud, const char *dep, uint32_t uid)
{
	x->dep = dep;
	x->dep_uid = uid;
	x->skipped = 0;
	x->fn = fn;
	x->ud = ud;
	return run(x, what, r, h, on_guard, x);
}

/* Queue result r (handle h), then wait with fn. */
static int
run(ctx *x, const char *what, int r, lm_imap_handle h, lm_imap_event_fn fn,
    void *ud)
{
	if (r < 0) {
		if (r == LM_ERR_UNSUPPORTED)
			cli_err("%s: the server does not offer what this needs",
			        what);
		else if (r == LM_ERR_BAD_PARAM)
			cli_err("%s: invalid argument", what);
		else
			cli_err("%s: %s", what, lm_strerror(r));
		return r;
	}
	r = lm_imap_session_wait(x->s, h, fn, ud);
	if (r < 0)
		cli_err("%s", lm_imap_session_error(x->s));
	return r;
}

static int
open_mailbox(ctx *x, const char *mb, int rw)
{
	lm_imap_handle h = 0;
	int r = rw ? lm_imap_select(x->c, mb, NULL, &h) :
	             lm_imap_examine(x->c, mb, NULL, &h);

	return run(x, rw ? "SELECT" : "EXAMINE", r, h, NULL, NULL);
}

static int
cmd_capabilities(ctx *x)
{
	lm_slice caps = lm_imap_caps(x->c);
	size_t i = 0;

	while (i < caps.len) {
		size_t j = i;
		lm_slice w;
		while (j < caps.len && caps.p[j] != ' ')
			j++;
		if (j > i) {
			w.p = caps.p + i;
			w.len = j - i;
			put_clean(stdout, w);
			fputc('\n', stdout);
		}
		i = j + 1;
	}
	return 0;
}

static int
cmd_fetch(ctx *x, const char *mb, const char *uid, const char *out_file)
{
	lm_imap_fetch_opts fo = LM_IMAP_FETCH_OPTS_INIT;
	lm_imap_section sec;
	lm_imap_handle h = 0;
	cstate st;
	char *tmp = NULL;
	int r, fd = -1;

	memset(&st, 0, sizeof st);
	memset(&sec, 0, sizeof sec);
	st.uid = (uint32_t)strtoul(uid, NULL, 10);
	st.out = stdout;
	r = open_mailbox(x, mb, 0);
	if (r < 0)
		return r;
	if (out_file != NULL) {
		size_t n = strlen(out_file) + 16;
		tmp = malloc(n);
		if (tmp == NULL)
			return LM_ERR_NOMEM;
		snprintf(tmp, n, "%s.tmp.XXXXXX", out_file);
		fd = mkstemp(tmp);
		if (fd < 0 || (st.out = fdopen(fd, "wb")) == NULL) {
			cli_err("%s: %s", out_file, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			free(tmp);
			return LM_ERR_BAD_PARAM;
		}
	}
	sec.peek = 1;
	fo.items = LM_IMAP_F_UID;
	fo.sections = &sec;
	fo.nsections = 1;
	r = lm_imap_fetch(x->c, 1, uid, &fo, &h);
	r = run_dep(x, "UID FETCH", r, h, on_fetch, &st, "FETCH", st.uid);
	if (r == 0 && !st.got && x->skipped) {
		r = skipped_err(x, "UID FETCH", out_file ? "nothing saved" :
		                "no message");
	} else if (r == 0 && !st.got) {
		cli_err("no message with UID %s in %s", uid, mb);
		r = LM_ERR_REFUSED;
	} else if (r == 0 && st.nil) {
		cli_err("the server has no content for UID %s (NIL)", uid);
		r = LM_ERR_REFUSED;
	} else if (r == 0 && !st.done) {
		cli_err("the message with UID %s arrived incomplete", uid);
		r = LM_ERR_PROTOCOL;
	}
	if (r == 0 && st.werr == 0 && fflush(st.out) != 0)
		st.werr = errno ? errno : EIO;
	if (r == 0 && out_file != NULL && st.werr == 0 && fsync(fd) != 0)
		st.werr = errno;
	if (r == 0 && st.werr != 0) {
		cli_err("writing %s: %s",
		        out_file ? out_file : "standard output", strerror(st.werr));
		r = LM_ERR_CALLBACK;
	}
	if (out_file != NULL) {
		if (fclose(st.out) != 0 && r == 0) {
			cli_err("%s: %s", out_file, strerror(errno));
			r = LM_ERR_CALLBACK;
		}
		if (r == 0 && rename(tmp, out_file) != 0) {
			cli_err("%s: %s", out_file, strerror(errno));
			r = LM_ERR_CALLBACK;
		}
		if (r != 0)
			unlink(tmp);
		free(tmp);
	}
	return r;
}

static int
cmd_headers(ctx *x, const char *mb, const char *uid)
{
	lm_imap_fetch_opts fo = LM_IMAP_FETCH_OPTS_INIT;
	lm_imap_handle h = 0;
	cstate st;
	int r;

	memset(&st, 0, sizeof st);
	st.uid = (uint32_t)strtoul(uid, NULL, 10);
	r = open_mailbox(x, mb, 0);
	if (r < 0)
		return r;
	fo.items = LM_IMAP_F_UID | LM_IMAP_F_ENVELOPE;
	r = lm_imap_fetch(x->c, 1, uid, &fo, &h);
	r = run_dep(x, "UID FETCH", r, h, on_headers, &st, "FETCH", st.uid);
	if (r == 0 && !st.got && x->skipped) {
		r = skipped_err(x, "UID FETCH", "no headers");
	} else if (r == 0 && !st.got) {
		cli_err("no message with UID %s in %s", uid, mb);
		r = LM_ERR_REFUSED;
	}
	return r;
}

/*
 * append FILE [--flags]: open and check FILE, and turn the commas of the
 * flags into spaces (in fl[cap]), before connecting: a file that cannot
 * be read or flags that do not fit are local errors (exit 2), whether the
 * server is up or not. Returns the file, read later as the APPEND
 * streams, with its size in *size; or NULL after a message.
 */
static FILE *
append_open(const char *file, const char *flags, char *fl, size_t cap,
            uint64_t *size)
{
	FILE *f;
	struct stat sb;
	size_t i, n;

	if (flags != NULL) {
		n = strlen(flags);
		if (n >= cap) {
			cli_err("--flags too long");
			return NULL;
		}
		for (i = 0; i <= n; i++)
			fl[i] = flags[i] == ',' ? ' ' : flags[i];
	}
	f = fopen(file, "rb");
	if (f == NULL || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		cli_err("%s: %s", file,
		        f == NULL ? strerror(errno) : "not a regular file");
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	*size = (uint64_t)sb.st_size;
	return f;
}

/* APPEND f (size bytes, flags fl or NULL); print the UID of an
 * APPENDUID code. */
static int
cmd_append(ctx *x, const char *mb, FILE *f, uint64_t size, const char *fl)
{
	lm_imap_handle h = 0;
	const lm_imap_reply *rep;
	int r;

	r = lm_imap_append(x->c, mb, fl, NULL, size, cli_file_read, f, &h);
	r = run(x, "APPEND", r, h, NULL, NULL);
	if (r < 0)
		return r;
	rep = lm_imap_session_reply(x->s);
	if (rep->code == LM_IMAP_CODE_APPENDUID && rep->code_set1[0] != '\0')
		printf("%s\n", rep->code_set1);
	return 0;
}

static int
cmd_idle(ctx *x, const char *mb, unsigned long seconds)
{
	cstate st;
	int r;

	memset(&st, 0, sizeof st);
	r = open_mailbox(x, mb, 0);
	if (r < 0)
		return r;
	st.idle_print = 1;
	r = lm_imap_session_idle(x->s, seconds * 1000UL, on_idle, &st);
	if (r < 0)
		cli_err("%s", lm_imap_session_error(x->s));
	return r;
}

int
main(int argc, char **argv)
{
	cli_conn cn = CLI_CONN_INIT;
	const char *out_file = NULL, *flags = NULL;
	const char *cmd = NULL;
	const char *args[8];
	size_t nargs = 0, i;
	const char *words[64];  /* search keys: no heap, nothing to free */
	size_t nwords = 0;
	unsigned long seconds = 0;
	char *password = NULL;
	lm_imap_session_opts so = LM_IMAP_SESSION_OPTS_INIT;
	lm_imap_session *sess = NULL;
	unsigned mech = 0;
	const char *mb;
	FILE *append_f = NULL;
	uint64_t append_size = 0;
	char append_fl[1024];
	ctx x;
	int r, rc, ai;

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
		} else if (strcmp(a, "--out") == 0) {
			NEEDV(); out_file = v;
		} else if (strcmp(a, "--flags") == 0) {
			NEEDV(); flags = v;
		} else if (strcmp(a, "--seconds") == 0) {
			char *end;
			NEEDV();
			errno = 0;
			seconds = strtoul(v, &end, 10);
			if (errno != 0 || end == v || *end != '\0' || seconds == 0 ||
			    seconds > 86400UL * 365 || seconds > ULONG_MAX / 1000 ||
			    *v == '-')
				return cli_usage("bad --seconds", v);
		} else if (a[0] == '-' && a[1] == '-') {
			return cli_usage("unknown option", a);
		} else if (cmd == NULL) {
			cmd = a;
		} else if (strcmp(cmd, "search") == 0) {
			/* search keys as words; IMAP keys never start with "--" */
			if (nwords == sizeof words / sizeof words[0])
				return cli_usage("too many search words", a);
			words[nwords++] = a;
		} else {
			if (nargs == sizeof args / sizeof args[0])
				return cli_usage("too many arguments", a);
			args[nargs++] = a;
		}
#undef NEEDV
	}

	if (cn.url == NULL)
		return cli_usage("--url is required", NULL);
	if (cmd == NULL)
		return cli_usage("a command is required", NULL);
#define NARGS(n) do { if (nargs != (n)) return cli_usage("wrong number of arguments for", cmd); } while (0)
	if (strcmp(cmd, "capabilities") == 0 || strcmp(cmd, "list") == 0 ||
	    strcmp(cmd, "idle") == 0) {
		NARGS(0);
	} else if (strcmp(cmd, "search") == 0) {
		NARGS(0);
	} else if (strcmp(cmd, "status") == 0 || strcmp(cmd, "create") == 0 ||
	           strcmp(cmd, "append") == 0) {
		NARGS(1);
	} else if (strcmp(cmd, "fetch") == 0 || strcmp(cmd, "headers") == 0 ||
	           strcmp(cmd, "delete") == 0) {
		NARGS(1);
		if (!is_uid(args[0]))
			return cli_usage("not a UID", args[0]);
	} else if (strcmp(cmd, "move") == 0) {
		NARGS(2);
		if (!is_uid(args[0]))
			return cli_usage("not a UID", args[0]);
	} else {
		return cli_usage("unknown command", cmd);
	}
#undef NARGS
	if (out_file != NULL && strcmp(cmd, "fetch") != 0)
		return cli_usage("--out is only for fetch", NULL);
	if (flags != NULL && strcmp(cmd, "append") != 0)
		return cli_usage("--flags is only for append", NULL);
	if (seconds != 0 && strcmp(cmd, "idle") != 0)
		return cli_usage("--seconds is only for idle", NULL);
	{
		lm_url u;
		r = lm_url_parse(&u, cn.url);
		if (r < 0 || (u.scheme != LM_URL_IMAP && u.scheme != LM_URL_IMAPS)) {
			return cli_bad_url(cn.url, r < 0 ? lm_strerror(r) :
			                   "not imap:// or imaps://");
		}
		if ((cn.user != NULL || u.user[0] != '\0') && cn.pw_file == NULL &&
		    getenv("LIBMAIL_PASSWORD") == NULL) {
			cli_err("a user is set but no password: use "
			        "--password-file or LIBMAIL_PASSWORD");
			return 2;
		}
	}
	if (cn.auth != NULL) {
		mech = (unsigned)lm_sasl_mech_from_name(cn.auth, strlen(cn.auth));
		if (mech == 0)
			return cli_usage("unknown --auth mechanism", cn.auth);
	}

	/* password: file (first line) or environment, never argv */
	if (cli_read_password(cn.pw_file, &password) < 0)
		return 2;
	if (strcmp(cmd, "append") == 0) {
		append_f = append_open(args[0], flags, append_fl, sizeof append_fl,
		                       &append_size);
		if (append_f == NULL) {
			rc = 2;
			goto done;
		}
	}

	so.url = cn.url;
	so.user = cn.user;
	so.password = password;
	so.auth_mech = mech;
	so.cafile = cn.cafile;
	so.plaintext = cn.plaintext;
	so.timeout_ms = (unsigned)cn.timeout_s * 1000u;
	so.call_timeout_ms = (unsigned)cn.call_s * 1000u;
	if (cn.trace) {
		so.trace = cli_trace;
		so.trace_ud = NULL;
	}
	r = lm_imap_session_new(&sess, &so);
	if (r < 0) {
		rc = cli_bad_url(cn.url, lm_strerror(r));
		goto done;
	}
	r = lm_imap_session_connect(sess);
	if (r < 0) {
		cli_err("%s", lm_imap_session_error(sess));
		rc = cli_exit_code(r);
		goto done;
	}
	x.s = sess;
	x.c = lm_imap_session_client(sess);
	mb = lm_imap_session_mailbox(sess);
	if (mb[0] == '\0')
		mb = "INBOX";

	if (strcmp(cmd, "capabilities") == 0) {
		r = cmd_capabilities(&x);
	} else if (strcmp(cmd, "list") == 0) {
		lm_imap_handle h = 0;
		r = lm_imap_list(x.c, "", "*", NULL, &h);
		r = run_dep(&x, "LIST", r, h, on_list, NULL, "LIST", 0);
		if (r == 0 && x.skipped)
			r = skipped_err(&x, "LIST", "the list is incomplete");
	} else if (strcmp(cmd, "status") == 0) {
		lm_imap_handle h = 0;
		unsigned items = LM_IMAP_ST_MESSAGES | LM_IMAP_ST_UIDNEXT |
		                 LM_IMAP_ST_UIDVALIDITY | LM_IMAP_ST_UNSEEN;
		if (lm_imap_has_cap(x.c, "CONDSTORE"))
			items |= LM_IMAP_ST_HIGHESTMODSEQ;
		r = lm_imap_status(x.c, args[0], items, &h);
		r = run_dep(&x, "STATUS", r, h, on_status, NULL, "STATUS", 0);
		if (r == 0 && x.skipped)
			r = skipped_err(&x, "STATUS", "the values are incomplete");
	} else if (strcmp(cmd, "search") == 0) {
		unsigned char prog[8192];
		lm_imap_sb sb;
		lm_imap_handle h = 0;
		r = open_mailbox(&x, mb, 0);
		if (r == 0) {
			lm_imap_sb_init(&sb, prog, sizeof prog);
			for (i = 0; i < nwords; i++)
				lm_imap_sb_word(&sb, words[i]);
			uidlist u = { NULL, 0, 0, 0 };
			size_t k;
			r = lm_imap_search(x.c, 1, nwords ? &sb : NULL, 0, &h);
			r = run_dep(&x, "UID SEARCH", r, h, on_search, &u, "SEARCH", 0);
			if (r == 0 && x.skipped)
				r = skipped_err(&x, "UID SEARCH", "no UIDs printed");
			for (k = 0; r == 0 && k < u.n; k++)
				printf("%llu\n", (unsigned long long)u.v[k]);
			free(u.v);
		}
	} else if (strcmp(cmd, "fetch") == 0) {
		r = cmd_fetch(&x, mb, args[0], out_file);
	} else if (strcmp(cmd, "headers") == 0) {
		r = cmd_headers(&x, mb, args[0]);
	} else if (strcmp(cmd, "append") == 0) {
		r = cmd_append(&x, mb, append_f, append_size,
		               flags != NULL ? append_fl : NULL);
	} else if (strcmp(cmd, "move") == 0) {
		lm_imap_handle h = 0;
		cstate st;
		memset(&st, 0, sizeof st);
		r = open_mailbox(&x, mb, 1);
		if (r == 0) {
			r = lm_imap_move(x.c, 1, args[0], args[1], &h);
			r = run(&x, "MOVE", r, h, on_move, &st);
		}
		if (r == 0 && !st.got) {
			/* an OK that moved nothing ("No messages found") */
			cli_err("no message with UID %s in %s", args[0], mb);
			r = LM_ERR_REFUSED;
		}
	} else if (strcmp(cmd, "delete") == 0) {
		lm_imap_handle h = 0;
		cstate st;
		r = open_mailbox(&x, mb, 1);
		if (r == 0 && !lm_imap_has_cap(x.c, "UIDPLUS") &&
		    !lm_imap_has_cap(x.c, "IMAP4rev2")) {
			/* a plain EXPUNGE would also remove every other message
			 * someone flagged \Deleted */
			cli_err("the server lacks UIDPLUS (UID EXPUNGE); "
			        "not deleting");
			r = LM_ERR_UNSUPPORTED;
		}
		memset(&st, 0, sizeof st);
		st.uid = (uint32_t)strtoul(args[0], NULL, 10);
		if (r == 0) {
			r = lm_imap_store(x.c, 1, args[0], LM_IMAP_STORE_ADD, 0,
			                  "\\Deleted", 0, &h);
			r = run_dep(&x, "UID STORE", r, h, on_store, &st, "FETCH",
			            st.uid);
		}
		if (r == 0 && !st.got && x.skipped) {
			r = skipped_err(&x, "UID STORE", "not expunging");
		} else if (r == 0 && !st.got) {
			cli_err("no message with UID %s in %s", args[0], mb);
			r = LM_ERR_REFUSED;
		}
		if (r == 0) {
			r = lm_imap_uid_expunge(x.c, args[0], &h);
			r = run(&x, "UID EXPUNGE", r, h, NULL, NULL);
		}
	} else if (strcmp(cmd, "create") == 0) {
		lm_imap_handle h = 0;
		r = lm_imap_create(x.c, args[0], &h);
		r = run(&x, "CREATE", r, h, NULL, NULL);
	} else { /* idle */
		r = cmd_idle(&x, mb, seconds);
	}
	if (fflush(stdout) != 0 && r == 0) {
		cli_err("standard output: %s", strerror(errno));
		r = LM_ERR_CALLBACK;
	}
	rc = cli_exit_code(r);
	if (r == LM_ERR_CALLBACK || r == LM_ERR_NOMEM)
		rc = 2;

done:
	lm_imap_session_free(sess);
	if (append_f != NULL)
		fclose(append_f);
	if (password != NULL) {
		lm_zeroize(password, strlen(password));
		free(password);
	}
	return rc;
}
