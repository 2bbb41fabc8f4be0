/*
 * IMAP interoperability through the blocking session API (net.h) and the
 * engine's typed commands, against the private Dovecot: mailbox
 * create/rename/delete, CONDSTORE (CHANGEDSINCE, UNCHANGEDSINCE and the
 * MODIFIED code) and a QRESYNC resynchronisation after another client
 * (Python's imaplib, through imap_oracle.py) changed the mailbox.
 *
 *   imap_api SERVERDIR/env MAILBOX-PREFIX path/to/imap_oracle.py
 *
 * Prints "ok NAME" / "FAIL NAME: why"; exit status 1 if anything failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libmail.h"

static const char *env_file, *prefix, *oracle;
static char port_imap[16], port_imaps[16], cafile[1024], user[256], pass[256];
static int nfail;

static void
fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	nfail++;
}

static void
ok(const char *name)
{
	printf("ok %s\n", name);
	fflush(stdout);
}

static int
read_env(void)
{
	FILE *f = fopen(env_file, "r");
	char ln[2048];

	if (f == NULL)
		return -1;
	while (fgets(ln, sizeof ln, f) != NULL) {
		char *eq = strchr(ln, '='), *v;
		size_t n;
		if (eq == NULL || ln[0] == '#')
			continue;
		*eq = '\0';
		v = eq + 1;
		v[strcspn(v, "\r\n")] = '\0';
		n = strlen(v);
		if (n >= 2 && v[0] == '\'' && v[n - 1] == '\'') {
			v[n - 1] = '\0';
			v++;
		}
		if (strcmp(ln, "LM_IMAP_PORT") == 0)
			snprintf(port_imap, sizeof port_imap, "%s", v);
		else if (strcmp(ln, "LM_IMAPS_PORT") == 0)
			snprintf(port_imaps, sizeof port_imaps, "%s", v);
		else if (strcmp(ln, "LM_CAFILE") == 0)
			snprintf(cafile, sizeof cafile, "%s", v);
		else if (strcmp(ln, "LM_ALICE") == 0)
			snprintf(user, sizeof user, "%s", v);
		else if (strcmp(ln, "LM_ALICE_PASSWORD") == 0)
			snprintf(pass, sizeof pass, "%s", v);
	}
	fclose(f);
	return (port_imap[0] && port_imaps[0] && cafile[0] && user[0] &&
	        pass[0]) ? 0 : -1;
}

/* Run the oracle; its stdout into out (may be NULL). Returns its exit
 * status (or -1). Arguments are passed without a shell. */
static int
ora(char *out, size_t cap, const char *a1, const char *a2, const char *a3,
    const char *a4)
{
	char cmd[4096];
	FILE *p;
	size_t n = 0;
	int st;
	const char *args[4] = { a1, a2, a3, a4 };
	size_t i, k;

	/* single-quote every argument for /bin/sh */
	k = (size_t)snprintf(cmd, sizeof cmd, "python3 '%s' '%s' '%s' '%s'",
	                     oracle, env_file, user, pass);
	for (i = 0; i < 4 && args[i] != NULL && k < sizeof cmd - 8; i++) {
		const char *s = args[i];
		cmd[k++] = ' ';
		cmd[k++] = '\'';
		for (; *s != '\0' && k < sizeof cmd - 8; s++) {
			if (*s == '\'') {
				memcpy(cmd + k, "'\\''", 4);
				k += 4;
			} else {
				cmd[k++] = *s;
			}
		}
		cmd[k++] = '\'';
	}
	cmd[k] = '\0';
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	if (out != NULL && cap > 0) {
		n = fread(out, 1, cap - 1, p);
		out[n] = '\0';
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
			out[--n] = '\0';
	} else {
		char sink[256];
		while (fread(sink, 1, sizeof sink, p) > 0)
			;
	}
	st = pclose(p);
	return st < 0 ? -1 : (st >> 8) & 0xff;
}

static lm_imap_session *
connect_url(const char *name, int implicit)
{
	lm_imap_session_opts o = LM_IMAP_SESSION_OPTS_INIT;
	lm_imap_session *s = NULL;
	static char url[128];
	int r;

	snprintf(url, sizeof url, "%s://localhost:%s", implicit ? "imaps" : "imap",
	         implicit ? port_imaps : port_imap);
	o.url = url;
	o.user = user;
	o.password = pass;
	o.cafile = cafile;
	o.timeout_ms = 20000;
	r = lm_imap_session_new(&s, &o);
	if (r == 0)
		r = lm_imap_session_connect(s);
	if (r < 0) {
		fail(name, "connect %s: %s (%s)", url, lm_strerror(r),
		     lm_imap_session_error(s));
		lm_imap_session_free(s);
		return NULL;
	}
	return s;
}

/* Queue-and-wait helpers: r is the queueing result. */
static int
run(lm_imap_session *s, const char *name, const char *what, int r,
    lm_imap_handle h, lm_imap_event_fn fn, void *ud)
{
	if (r < 0) {
		fail(name, "%s: cannot queue: %s", what, lm_strerror(r));
		return r;
	}
	r = lm_imap_session_wait(s, h, fn, ud);
	if (r < 0)
		fail(name, "%s: %s (%s)", what, lm_strerror(r),
		     lm_imap_session_error(s));
	return r;
}

/* ---- LIST collection ------------------------------------------------- */

typedef struct {
	const char *want;
	int seen;
} list_probe;

static int
on_list(const lm_imap_event *ev, void *ud)
{
	list_probe *lp = ud;

	if (ev->type == LM_IMAP_EV_LIST && ev->mailbox.len == strlen(lp->want) &&
	    memcmp(ev->mailbox.p, lp->want, ev->mailbox.len) == 0)
		lp->seen = 1;
	return 0;
}

static int
listed(lm_imap_session *s, const char *name, const char *mb)
{
	lm_imap_handle h = 0;
	list_probe lp;
	int r;

	lp.want = mb;
	lp.seen = 0;
	r = lm_imap_list(lm_imap_session_client(s), "", mb, NULL, &h);
	if (run(s, name, "LIST", r, h, on_list, &lp) < 0)
		return -1;
	return lp.seen;
}

static void
test_mailboxes(void)
{
	const char *t = "mailboxes";
	lm_imap_session *s = connect_url(t, 0);
	lm_imap_client *c;
	lm_imap_handle h = 0;
	char a[512], b[512];
	int r;

	if (s == NULL)
		return;
	c = lm_imap_session_client(s);
	snprintf(a, sizeof a, "%s/\xc3\x84rger \"one\"", prefix);
	snprintf(b, sizeof b, "%s/\xe6\x97\xa5\xe6\x9c\xac & two", prefix);
	r = lm_imap_create(c, a, &h);
	if (run(s, t, "CREATE", r, h, NULL, NULL) < 0)
		goto out;
	if (ora(NULL, 0, "exists", a, NULL, NULL) != 0) {
		fail(t, "imaplib does not see '%s' after CREATE", a);
		goto out;
	}
	if (listed(s, t, a) != 1) {
		fail(t, "LIST does not show '%s' in UTF-8", a);
		goto out;
	}
	r = lm_imap_rename(c, a, b, &h);
	if (run(s, t, "RENAME", r, h, NULL, NULL) < 0)
		goto out;
	if (ora(NULL, 0, "exists", b, NULL, NULL) != 0 ||
	    ora(NULL, 0, "exists", a, NULL, NULL) == 0) {
		fail(t, "imaplib does not see the rename '%s' -> '%s'", a, b);
		goto out;
	}
	if (listed(s, t, b) != 1 || listed(s, t, a) != 0) {
		fail(t, "LIST after RENAME is wrong");
		goto out;
	}
	r = lm_imap_delete(c, b, &h);
	if (run(s, t, "DELETE", r, h, NULL, NULL) < 0)
		goto out;
	if (ora(NULL, 0, "exists", b, NULL, NULL) == 0) {
		fail(t, "imaplib still sees '%s' after DELETE", b);
		goto out;
	}
	/* deleting it again is a NO: LM_ERR_REFUSED with the server's text */
	r = lm_imap_delete(c, b, &h);
	if (r == 0)
		r = lm_imap_session_wait(s, h, NULL, NULL);
	if (r != LM_ERR_REFUSED ||
	    lm_imap_session_reply(s)->status != LM_IMAP_NO) {
		fail(t, "DELETE of a missing mailbox: %s, status %d", lm_strerror(r),
		     (int)lm_imap_session_reply(s)->status);
		goto out;
	}
	ok(t);
out:
	lm_imap_session_free(s);
}

/* ---- FETCH collection --------------------------------------------------- */

#define MAXMSG 64

typedef struct {
	uint32_t uid;
	uint64_t modseq;
	char flags[256];
} msginfo;

typedef struct {
	msginfo m[MAXMSG];
	size_t n;
	msginfo cur;
	int in_fetch;
	char vanished[512];
	int earlier;
} collect;

static int
on_collect(const lm_imap_event *ev, void *ud)
{
	collect *co = ud;

	switch (ev->type) {
	case LM_IMAP_EV_FETCH_BEGIN:
		memset(&co->cur, 0, sizeof co->cur);
		co->in_fetch = 1;
		break;
	case LM_IMAP_EV_FETCH_ITEM:
		if (ev->fetch.item == LM_IMAP_ITEM_UID)
			co->cur.uid = (uint32_t)ev->fetch.num;
		else if (ev->fetch.item == LM_IMAP_ITEM_MODSEQ)
			co->cur.modseq = ev->fetch.num;
		else if (ev->fetch.item == LM_IMAP_ITEM_FLAGS) {
			size_t n = ev->fetch.value.len;
			if (n >= sizeof co->cur.flags)
				n = sizeof co->cur.flags - 1;
			memcpy(co->cur.flags, ev->fetch.value.p, n);
			co->cur.flags[n] = '\0';
		}
		break;
	case LM_IMAP_EV_FETCH_END:
		if (co->in_fetch && co->cur.uid != 0 && co->n < MAXMSG) {
			size_t i;
			for (i = 0; i < co->n; i++)
				if (co->m[i].uid == co->cur.uid)
					break;
			co->m[i] = co->cur;
			if (i == co->n)
				co->n++;
		}
		co->in_fetch = 0;
		break;
	case LM_IMAP_EV_VANISHED: {
		size_t k = strlen(co->vanished), n = ev->vanished.uids.len;
		if (k + n + 2 < sizeof co->vanished) {
			if (k > 0)
				co->vanished[k++] = ',';
			memcpy(co->vanished + k, ev->vanished.uids.p, n);
			co->vanished[k + n] = '\0';
		}
		co->earlier |= ev->vanished.earlier;
		break;
	}
	default:
		break;
	}
	return 0;
}

static int
on_status(const lm_imap_event *ev, void *ud)
{
	if (ev->type == LM_IMAP_EV_STATUS_DATA)
		*(lm_imap_status_values *)ud = ev->st;
	return 0;
}

static const msginfo *
find(const collect *co, uint32_t uid)
{
	size_t i;

	for (i = 0; i < co->n; i++)
		if (co->m[i].uid == uid)
			return &co->m[i];
	return NULL;
}

/* Flags as a sorted, space-separated list without \Recent. */
static void
norm_flags(const char *in, char *out, size_t cap)
{
	char tmp[512], *w[32], *p;
	size_t n = 0, i, j, k = 0;

	snprintf(tmp, sizeof tmp, "%s", in);
	for (p = strtok(tmp, " "); p != NULL && n < 32; p = strtok(NULL, " "))
		if (strcmp(p, "\\Recent") != 0)
			w[n++] = p;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(w[j - 1], w[j]) > 0; j--) {
			char *x = w[j];
			w[j] = w[j - 1];
			w[j - 1] = x;
		}
	out[0] = '\0';
	for (i = 0; i < n; i++)
		k += (size_t)snprintf(out + k, k < cap ? cap - k : 0, "%s%s",
		                      i ? " " : "", w[i]);
}

/* uid-set "1:3,7" contains uid? */
static int
set_has(const char *set, uint32_t uid)
{
	const char *p = set;

	while (*p != '\0') {
		char *e;
		unsigned long a = strtoul(p, &e, 10), b = a;
		if (e == p)
			return 0;
		if (*e == ':') {
			p = e + 1;
			b = strtoul(p, &e, 10);
			if (b < a) {
				unsigned long x = a;
				a = b;
				b = x;
			}
		}
		if (uid >= a && uid <= b)
			return 1;
		p = (*e == ',') ? e + 1 : e;
		if (*e != ',' && *e != '\0')
			return 0;
	}
	return 0;
}

typedef struct {
	const char *p;
	size_t len, off;
} memrd;

static int
mem_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	memrd *m = ud;
	size_t n = m->len - m->off;

	if (n > cap)
		n = cap;
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	*got = n;
	return 0;
}

static int
append_msg(lm_imap_session *s, const char *t, const char *mb, int i,
           uint32_t *uid)
{
	char msg[512];
	memrd m;
	lm_imap_handle h = 0;
	int r;

	snprintf(msg, sizeof msg,
	         "From: alice@example.test\r\nTo: bob@example.test\r\n"
	         "Subject: sync %d\r\nMessage-ID: <sync%d.%s@example.test>\r\n"
	         "\r\nmessage %d\r\n", i, i, prefix, i);
	m.p = msg;
	m.len = strlen(msg);
	m.off = 0;
	r = lm_imap_append(lm_imap_session_client(s), mb, NULL, NULL, m.len,
	                   mem_read, &m, &h);
	if (run(s, t, "APPEND", r, h, NULL, NULL) < 0)
		return -1;
	*uid = (uint32_t)strtoul(lm_imap_session_reply(s)->code_set1, NULL, 10);
	if (lm_imap_session_reply(s)->code != LM_IMAP_CODE_APPENDUID || *uid == 0) {
		fail(t, "APPEND gave no APPENDUID");
		return -1;
	}
	return 0;
}

static void
test_sync(void)
{
	const char *t = "condstore";
	lm_imap_session *s = connect_url(t, 1);
	lm_imap_client *c;
	lm_imap_handle h = 0;
	lm_imap_select_opts so = LM_IMAP_SELECT_OPTS_INIT;
	lm_imap_fetch_opts fo = LM_IMAP_FETCH_OPTS_INIT;
	char mb[512], known[128], buf[1024], want[512], got[512], num[32];
	static collect co, co2;
	uint32_t uid[4], uidvalidity, uidnext;
	uint64_t h0, h1, hstore = 0;
	const msginfo *mi;
	size_t i;
	int r;

	if (s == NULL)
		return;
	c = lm_imap_session_client(s);
	snprintf(mb, sizeof mb, "%s-sync", prefix);
	r = lm_imap_create(c, mb, &h);
	if (run(s, t, "CREATE", r, h, NULL, NULL) < 0)
		goto out;
	for (i = 0; i < 3; i++)
		if (append_msg(s, t, mb, (int)i, &uid[i]) < 0)
			goto out;
	so.condstore = 1;
	r = lm_imap_select(c, mb, &so, &h);
	if (run(s, t, "SELECT (CONDSTORE)", r, h, NULL, NULL) < 0)
		goto out;
	h0 = lm_imap_selected(c)->highestmodseq;
	uidvalidity = lm_imap_selected(c)->uidvalidity;
	if (h0 == 0 || uidvalidity == 0 || lm_imap_selected(c)->exists != 3) {
		fail(t, "SELECT: HIGHESTMODSEQ %llu UIDVALIDITY %lu EXISTS %lu",
		     (unsigned long long)h0, (unsigned long)uidvalidity,
		     (unsigned long)lm_imap_selected(c)->exists);
		goto out;
	}
	fo.items = LM_IMAP_F_UID | LM_IMAP_F_FLAGS | LM_IMAP_F_MODSEQ;
	r = lm_imap_fetch(c, 1, "1:*", &fo, &h);
	if (run(s, t, "UID FETCH MODSEQ", r, h, on_collect, &co) < 0)
		goto out;
	if (co.n != 3) {
		fail(t, "UID FETCH 1:* gave %u messages", (unsigned)co.n);
		goto out;
	}
	/* another client flags the second message */
	snprintf(num, sizeof num, "%lu", (unsigned long)uid[1]);
	if (ora(NULL, 0, "store", mb, num, "\\Flagged") != 0) {
		fail(t, "imaplib could not store a flag");
		goto out;
	}
	/* CHANGEDSINCE h0: exactly that message, with the flag imaplib sees */
	memset(&co2, 0, sizeof co2);
	fo.changedsince = h0;
	r = lm_imap_fetch(c, 1, "1:*", &fo, &h);
	if (run(s, t, "UID FETCH CHANGEDSINCE", r, h, on_collect, &co2) < 0)
		goto out;
	mi = find(&co2, uid[1]);
	if (mi == NULL || find(&co2, uid[0]) != NULL || find(&co2, uid[2]) != NULL) {
		fail(t, "CHANGEDSINCE %llu gave %u messages (want only UID %lu)",
		     (unsigned long long)h0, (unsigned)co2.n, (unsigned long)uid[1]);
		goto out;
	}
	if (ora(buf, sizeof buf, "flags", mb, num, NULL) != 0) {
		fail(t, "imaplib flags failed");
		goto out;
	}
	norm_flags(buf, want, sizeof want);
	norm_flags(mi->flags, got, sizeof got);
	if (strcmp(want, got) != 0 || mi->modseq <= h0) {
		fail(t, "UID %lu: libmail (%s) MODSEQ %llu, imaplib (%s)",
		     (unsigned long)uid[1], got, (unsigned long long)mi->modseq, want);
		goto out;
	}
	/* UNCHANGEDSINCE with the old MODSEQ of the changed message: refused
	 * with [MODIFIED uid]; the unchanged one is stored */
	{
		const msginfo *old1 = find(&co, uid[1]);
		const msginfo *old2 = find(&co, uid[2]);
		const lm_imap_reply *rep;
		r = lm_imap_store(c, 1, num, LM_IMAP_STORE_ADD, 0, "\\Seen",
		                  old1->modseq, &h);
		if (r == 0)
			r = lm_imap_session_wait(s, h, NULL, NULL);
		rep = lm_imap_session_reply(s);
		if (rep->code != LM_IMAP_CODE_MODIFIED ||
		    !set_has(rep->code_set1, uid[1])) {
			fail(t, "conditional STORE on a changed message: %s, code %s "
			     "'%s' (want MODIFIED %lu)", lm_strerror(r),
			     lm_imap_code_name(rep->code), rep->code_set1,
			     (unsigned long)uid[1]);
			goto out;
		}
		ora(buf, sizeof buf, "flags", mb, num, NULL);
		if (strstr(buf, "\\Seen") != NULL) {
			fail(t, "the refused conditional STORE changed the flags");
			goto out;
		}
		snprintf(num, sizeof num, "%lu", (unsigned long)uid[2]);
		r = lm_imap_store(c, 1, num, LM_IMAP_STORE_ADD, 0, "\\Answered",
		                  old2->modseq, &h);
		if (run(s, t, "UID STORE UNCHANGEDSINCE", r, h, NULL, NULL) < 0)
			goto out;
		/* RFC 7162 section 6: the MODSEQ of this STORE's FETCH
		 * response raised the client's HIGHESTMODSEQ at the tagged
		 * OK (checked against the server's below) */
		hstore = lm_imap_selected(c)->highestmodseq;
		ora(buf, sizeof buf, "flags", mb, num, NULL);
		if (strstr(buf, "\\Answered") == NULL) {
			fail(t, "conditional STORE on an unchanged message not applied "
			     "(imaplib: %s)", buf);
			goto out;
		}
	}
	ok(t);

	/* ---- QRESYNC: remember the state, let another client change it,
	 * resynchronise with one SELECT ---- */
	t = "qresync";
	/* the state a client keeps: HIGHESTMODSEQ and UIDNEXT, asked with
	 * STATUS once the mailbox is no longer selected (our own STOREs
	 * raised HIGHESTMODSEQ since SELECT) */
	{
		lm_imap_status_values sv;
		r = lm_imap_unselect(c, &h);
		if (run(s, t, "UNSELECT", r, h, NULL, NULL) < 0)
			goto out;
		memset(&sv, 0, sizeof sv);
		r = lm_imap_status(c, mb, LM_IMAP_ST_HIGHESTMODSEQ |
		                   LM_IMAP_ST_UIDNEXT, &h);
		if (run(s, t, "STATUS", r, h, on_status, &sv) < 0)
			goto out;
		h1 = sv.highestmodseq;
		uidnext = sv.uidnext;
		if (h1 <= h0 || uidnext != uid[2] + 1) {
			fail(t, "STATUS: HIGHESTMODSEQ %llu (SELECT had %llu), UIDNEXT "
			     "%lu", (unsigned long long)h1, (unsigned long long)h0,
			     (unsigned long)uidnext);
			goto out;
		}
		/* our STORE was the last change: the value the engine kept
		 * from MODSEQ items is the server's, neither behind nor past */
		if (hstore != h1) {
			fail(t, "HIGHESTMODSEQ after our STORE %llu, the server's "
			     "%llu (SELECT had %llu)", (unsigned long long)hstore,
			     (unsigned long long)h1, (unsigned long long)h0);
			goto out;
		}
	}
	snprintf(known, sizeof known, "%lu,%lu,%lu", (unsigned long)uid[0],
	         (unsigned long)uid[1], (unsigned long)uid[2]);
	lm_imap_session_free(s);
	s = NULL;

	snprintf(num, sizeof num, "%lu", (unsigned long)uid[0]);
	if (ora(NULL, 0, "expunge", mb, num, NULL) != 0) {
		fail(t, "imaplib could not expunge");
		goto out;
	}
	snprintf(num, sizeof num, "%lu", (unsigned long)uid[2]);
	if (ora(NULL, 0, "store", mb, num, "\\Draft") != 0) {
		fail(t, "imaplib could not store a flag");
		goto out;
	}
	{
		char path[1024];
		FILE *f;
		snprintf(path, sizeof path, "%s.msg4", env_file);
		f = fopen(path, "wb");
		if (f == NULL) {
			fail(t, "cannot write %s", path);
			goto out;
		}
		fputs("From: bob@example.test\r\nSubject: from imaplib\r\n\r\nhi\r\n", f);
		fclose(f);
		if (ora(buf, sizeof buf, "append", mb, path, NULL) != 0) {
			fail(t, "imaplib could not append");
			remove(path);
			goto out;
		}
		remove(path);
		uid[3] = (uint32_t)strtoul(buf, NULL, 10);
	}

	s = connect_url(t, 0);
	if (s == NULL)
		goto out;
	c = lm_imap_session_client(s);
	r = lm_imap_enable(c, "QRESYNC", &h);
	if (run(s, t, "ENABLE QRESYNC", r, h, NULL, NULL) < 0)
		goto out;
	if (!lm_imap_is_enabled(c, "QRESYNC")) {
		fail(t, "QRESYNC not reported as enabled");
		goto out;
	}
	memset(&co2, 0, sizeof co2);
	so = (lm_imap_select_opts)LM_IMAP_SELECT_OPTS_INIT;
	so.qr_uidvalidity = uidvalidity;
	so.qr_modseq = h1;
	so.qr_known_uids = known;
	r = lm_imap_select(c, mb, &so, &h);
	if (run(s, t, "SELECT (QRESYNC)", r, h, on_collect, &co2) < 0)
		goto out;
	/* QRESYNC reports changes of the known UIDs; messages that arrived
	 * since come from UID FETCH <old UIDNEXT>:* */
	if (uidnext == 0) {
		fail(t, "no UIDNEXT in the first session");
		goto out;
	}
	{
		char set[32];
		fo = (lm_imap_fetch_opts)LM_IMAP_FETCH_OPTS_INIT;
		fo.items = LM_IMAP_F_UID | LM_IMAP_F_FLAGS;
		snprintf(set, sizeof set, "%lu:*", (unsigned long)uidnext);
		r = lm_imap_fetch(c, 1, set, &fo, &h);
		if (run(s, t, "UID FETCH new", r, h, on_collect, &co2) < 0)
			goto out;
	}
	/* the resynchronised view: known - vanished + fetched */
	{
		uint32_t view[8];
		size_t nv = 0, k;
		char oracle_uids[256], mine[256];
		size_t ko = 0;
		for (i = 0; i < 3; i++)
			if (!set_has(co2.vanished, uid[i]))
				view[nv++] = uid[i];
		for (i = 0; i < co2.n; i++) {
			for (k = 0; k < nv; k++)
				if (view[k] == co2.m[i].uid)
					break;
			if (k == nv && nv < 8)
				view[nv++] = co2.m[i].uid;
		}
		for (i = 1; i < nv; i++)
			for (k = i; k > 0 && view[k - 1] > view[k]; k--) {
				uint32_t x = view[k];
				view[k] = view[k - 1];
				view[k - 1] = x;
			}
		mine[0] = '\0';
		for (i = 0; i < nv; i++)
			ko += (size_t)snprintf(mine + ko, sizeof mine - ko, "%s%lu",
			                       i ? " " : "", (unsigned long)view[i]);
		if (ora(oracle_uids, sizeof oracle_uids, "uids", mb, NULL, NULL) != 0) {
			fail(t, "imaplib uids failed");
			goto out;
		}
		for (i = 0; oracle_uids[i] != '\0'; i++)
			if (oracle_uids[i] == '\n')
				oracle_uids[i] = ' ';
		if (strcmp(mine, oracle_uids) != 0) {
			fail(t, "after resync libmail has UIDs [%s] (VANISHED '%s'), "
			     "imaplib [%s]", mine, co2.vanished, oracle_uids);
			goto out;
		}
		if (!set_has(co2.vanished, uid[0]) || !co2.earlier) {
			fail(t, "no VANISHED (EARLIER) for the expunged UID %lu ('%s')",
			     (unsigned long)uid[0], co2.vanished);
			goto out;
		}
		/* every changed message came with the flags imaplib sees */
		for (i = 2; i < 4; i++) {
			mi = find(&co2, uid[i]);
			snprintf(num, sizeof num, "%lu", (unsigned long)uid[i]);
			if (mi == NULL) {
				fail(t, "UID %s changed but not reported", num);
				goto out;
			}
			ora(buf, sizeof buf, "flags", mb, num, NULL);
			norm_flags(buf, want, sizeof want);
			norm_flags(mi->flags, got, sizeof got);
			if (strcmp(want, got) != 0) {
				fail(t, "UID %s: libmail (%s), imaplib (%s)", num, got, want);
				goto out;
			}
		}
		if (find(&co2, uid[1]) != NULL) {
			fail(t, "UID %lu did not change but was reported",
			     (unsigned long)uid[1]);
			goto out;
		}
		if (lm_imap_selected(c)->highestmodseq <= h1) {
			fail(t, "HIGHESTMODSEQ did not grow");
			goto out;
		}
	}
	ok(t);
out:
	lm_imap_session_free(s);
}

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: imap_api SERVERDIR/env MAILBOX-PREFIX ORACLE\n");
		return 2;
	}
	env_file = argv[1];
	prefix = argv[2];
	oracle = argv[3];
	if (read_env() < 0) {
		fail("api-env", "cannot read the settings in %s", env_file);
		return 1;
	}
	test_mailboxes();
	test_sync();
	return nfail ? 1 : 0;
}
