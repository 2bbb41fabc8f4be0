/*
 * Replays every tests/data/imap/NAME.txt transcript against the IMAP engine.
 *
 * File format (the SMTP transcript format; '#' lines and blank lines
 * ignored):
 *   O: key=value          engine option: require_tls, plaintext_auth,
 *                         literal_plus, tls=1 (implicit TLS)
 *   S: text / Sx: escaped server bytes (text + CRLF / exact bytes)
 *   C: text / Cx: escaped expected client bytes
 *   E: event              expected event log line (format: log_event())
 *                         or ERROR LM_ERR_X
 *   A: action [=> LM_ERR_X]  a call on the engine with its expected
 *                         result; words are unescaped (\x20 for a space):
 *     capability noop logout starttls tls_done namespace check close
 *     unselect expunge idle done eof flush
 *     login U P | authenticate MECH U P [nonce=N] | enable EXTS
 *     id K V ... | select M [condstore] [qresync=UV,MODSEQ[,KNOWN]]
 *     examine M | create M | delete M | rename A B | subscribe M
 *     unsubscribe M | list REF PAT [ret=subscribed,children,special-use]
 *     [sel=subscribed,...] [status=messages,unseen,...] | lsub REF PAT
 *     status M item... | append M BODY [flags=F] [date=D]
 *     uid_expunge SET | search [uid] [ret=min,max,count,all] WORD...
 *     fetch [uid] SET ITEM... (flags uid internaldate size envelope
 *       bodystructure body modseq emailid threadid; sec=[peek:][bin:]PART
 *       [:TEXT[:F1,F2]][@START.LEN]; changedsince=N; vanished)
 *     store [uid] SET +|-|= [silent] FLAGS [unch=N]
 *     copy [uid] SET M | move [uid] SET M | getquotaroot M | getquota R
 *     mbx STATE             compare the selected-mailbox state (see
 *                           mbx_string())
 *     caps known=K "LIST"   compare lm_imap_caps_known() and lm_imap_caps()
 *
 * Server bytes become available at each E: line, at "A: release" (the
 * engine then runs until it waits for more) and at the end; S: bytes
 * written after a C: item only once the client has sent it (a server
 * answers what it has read: lm_tr_causal()). Each
 * file runs fed whole, cut in two at every offset of the server stream,
 * and byte by byte; FETCH_DATA pieces and SEARCH pieces are joined
 * before logging, so the log is the same in every mode. Both engine
 * buffers sit against guard pages.
 */
#define _DEFAULT_SOURCE 1
#include <stdarg.h>

#include "test.h"
#include "transcript.h"
#include "libmail/imap.h"
#include "libmail/sasl.h"
#include "sasl/sasl_int.h"

#define LOGMAX 512
#define LINEMAX 8192
#define IBUF 4096
#define OBUF 4096

/* ---- one run ---------------------------------------------------- */

typedef struct {
	lm_imap_client c;
	unsigned char *ibuf, *obuf;
	const lm_tr_script *sc;
	const unsigned char *srv;
	size_t srv_len, fed, released, split;
	int mode;
	int eof_flag, eof_given, dead;
	size_t eof_at;
	char *log[LOGMAX];
	size_t nlog;
	unsigned char *out;
	size_t nout, capout;
	char err[512];
	lm_sasl sasl;
	lm_sasl_creds cr;
	char user[128], pass[128], rng[128];
	/* joined pieces */
	unsigned char *acc;
	size_t nacc, capacc;
	uint64_t acc_off;
	char acc_head[512];
	/* APPEND body */
	unsigned char body[LINEMAX];
	size_t body_len, body_pos;
} run;

static void
run_err(run *r, const char *fmt, ...)
{
	va_list ap;
	if (r->err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
}

static void
log_str(run *r, const char *s)
{
	if (r->nlog < LOGMAX)
		r->log[r->nlog++] = strdup(s);
}

static void
acc_add(run *r, const unsigned char *p, size_t n)
{
	if (r->nacc + n + 1 > r->capacc) {
		r->capacc = (r->nacc + n) * 2 + 256;
		r->acc = realloc(r->acc, r->capacc);
	}
	if (n)
		memcpy(r->acc + r->nacc, p, n);
	r->nacc += n;
}

#define APP(...) (w += (size_t)snprintf(buf + w, w < cap ? cap - w : 0, __VA_ARGS__))

static size_t
put_slice(char *buf, size_t cap, size_t w, const char *key, lm_slice s)
{
	static char tmp[LINEMAX * 4];
	lm_tr_escape(s.p, s.len, tmp, sizeof tmp);
	return w + (size_t)snprintf(buf + w, w < cap ? cap - w : 0, " %s=\"%s\"", key, tmp);
}

static size_t
put_tok(char *buf, size_t cap, size_t w, const lm_imap_tok *t)
{
	char tmp[2048];
	if (t->type == LM_IMAP_TOK_NIL)
		return w + (size_t)snprintf(buf + w, cap - w, "NIL");
	if (lm_imap_tok_copy(t, tmp, sizeof tmp, NULL) < 0)
		return w + (size_t)snprintf(buf + w, cap - w, "?");
	{
		char e[4096];
		lm_tr_escape((const unsigned char *)tmp, strlen(tmp), e, sizeof e);
		return w + (size_t)snprintf(buf + w, cap - w, "\"%s\"", e);
	}
}

static size_t
put_addrs(char *buf, size_t cap, size_t w, const char *key, const lm_imap_tok *list)
{
	lm_imap_reader r;
	lm_imap_address a;
	int k, first = 1;
	w += (size_t)snprintf(buf + w, cap - w, " %s=", key);
	if (list->type == LM_IMAP_TOK_NIL)
		return w + (size_t)snprintf(buf + w, cap - w, "NIL");
	lm_imap_reader_enter(&r, list);
	w += (size_t)snprintf(buf + w, cap - w, "[");
	while ((k = lm_imap_address_next(&r, &a)) == 1) {
		if (!first)
			w += (size_t)snprintf(buf + w, cap - w, ",");
		first = 0;
		if (a.group_end) {
			w += (size_t)snprintf(buf + w, cap - w, ";");
			continue;
		}
		w = put_tok(buf, cap, w, &a.name);
		w += (size_t)snprintf(buf + w, cap - w, " ");
		w = put_tok(buf, cap, w, &a.mailbox);
		if (a.group_start) {
			w += (size_t)snprintf(buf + w, cap - w, ":");
			continue;
		}
		w += (size_t)snprintf(buf + w, cap - w, "@");
		w = put_tok(buf, cap, w, &a.host);
	}
	if (k < 0)
		w += (size_t)snprintf(buf + w, cap - w, "ERR");
	return w + (size_t)snprintf(buf + w, cap - w, "]");
}

/* Describe a body structure: type/subtype(enc,size[,lines])[parts] */
static size_t
put_body(char *buf, size_t cap, size_t w, lm_slice v, int depth)
{
	lm_imap_body b, ch;
	lm_imap_reader it;
	char t1[64], t2[64];
	int k;
	if (depth > 70 || (k = lm_imap_body_parse(v, &b)) < 0)
		return w + (size_t)snprintf(buf + w, cap - w, "ERR");
	lm_imap_tok_copy(&b.type, t1, sizeof t1, NULL);
	lm_imap_tok_copy(&b.subtype, t2, sizeof t2, NULL);
	w += (size_t)snprintf(buf + w, cap - w, "%s/%s", t1, t2);
	if (b.multipart) {
		memset(&it, 0, sizeof it);
		w += (size_t)snprintf(buf + w, cap - w, "[");
		k = 0;
		while (lm_imap_body_child(&b, &it, &ch) == 1) {
			if (k++)
				w += (size_t)snprintf(buf + w, cap - w, " ");
			{
				char a1[64], a2[64];
				lm_imap_tok_copy(&ch.type, a1, sizeof a1, NULL);
				lm_imap_tok_copy(&ch.subtype, a2, sizeof a2, NULL);
				w += (size_t)snprintf(buf + w, cap - w, "%s/%s", a1, a2);
				if (!ch.multipart)
					w += (size_t)snprintf(buf + w, cap - w, "(%llu)",
					                      (unsigned long long)ch.size);
			}
		}
		w += (size_t)snprintf(buf + w, cap - w, "]");
	} else {
		char e[64];
		lm_imap_tok_copy(&b.encoding, e, sizeof e, NULL);
		w += (size_t)snprintf(buf + w, cap - w, "(%s,%llu", e,
		                      (unsigned long long)b.size);
		if (b.lines)
			w += (size_t)snprintf(buf + w, cap - w, ",%llu", (unsigned long long)b.lines);
		w += (size_t)snprintf(buf + w, cap - w, ")");
	}
	if (b.disposition.type == LM_IMAP_TOK_OPEN) {
		lm_imap_reader d;
		lm_imap_tok dt;
		char dn[64];
		lm_imap_reader_enter(&d, &b.disposition);
		lm_imap_read(&d, &dt);
		lm_imap_tok_copy(&dt, dn, sizeof dn, NULL);
		w += (size_t)snprintf(buf + w, cap - w, " disp=%s", dn);
	}
	return w;
}

static const char *const attr_names[] = {
	"\\Noinferiors", "\\Noselect", "\\Marked", "\\Unmarked", "\\HasChildren",
	"\\HasNoChildren", "\\NonExistent", "\\Subscribed", "\\Remote", "\\All",
	"\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash",
	"\\Important", "child-subscribed"
};

static void
log_event(run *r, const lm_imap_event *ev)
{
	static char buf[LINEMAX * 8];
	size_t cap = sizeof buf, w = 0;
	unsigned i;

	if (ev->type == LM_IMAP_EV_FETCH_DATA) {
		if (ev->fetch.offset != r->acc_off)
			run_err(r, "FETCH_DATA offset %llu, expected %llu",
			        (unsigned long long)ev->fetch.offset,
			        (unsigned long long)r->acc_off);
		acc_add(r, ev->fetch.data.p, ev->fetch.data.len);
		r->acc_off += ev->fetch.data.len;
		if (!ev->fetch.last)
			return;
		APP("FETCH_DATA");
		if (ev->handle)
			APP(" h=%u", ev->handle);
		APP(" seq=%u uid=%u item=%s", ev->fetch.seq,
		    ev->fetch.uid, lm_imap_item_name(ev->fetch.item));
		w = put_slice(buf, cap, w, "section", ev->fetch.section);
		if (ev->fetch.has_origin)
			APP(" origin=%llu", (unsigned long long)ev->fetch.origin);
		if (ev->fetch.nil)
			APP(" nil=1");
		APP(" total=%llu", (unsigned long long)ev->fetch.total);
		{
			lm_slice s;
			s.p = r->acc;
			s.len = r->nacc;
			if (ev->fetch.total != r->nacc)
				run_err(r, "FETCH_DATA total %llu but %zu bytes",
				        (unsigned long long)ev->fetch.total, r->nacc);
			w = put_slice(buf, cap, w, "data", s);
		}
		r->nacc = 0;
		r->acc_off = 0;
		log_str(r, buf);
		return;
	}
	if (ev->type == LM_IMAP_EV_SEARCH) {
		if (r->nacc && ev->search.nums.len)
			acc_add(r, (const unsigned char *)" ", 1);
		acc_add(r, ev->search.nums.p, ev->search.nums.len);
		if (ev->search.more)
			return;
		APP("SEARCH");
		if (ev->handle)
			APP(" h=%u", ev->handle);
		{
			lm_slice s;
			s.p = r->acc;
			s.len = r->nacc;
			w = put_slice(buf, cap, w, "nums", s);
		}
		if (ev->search.modseq)
			APP(" modseq=%llu", (unsigned long long)ev->search.modseq);
		r->nacc = 0;
		log_str(r, buf);
		return;
	}
	APP("%s", lm_imap_event_name(ev->type));
	if (ev->handle)
		APP(" h=%u", ev->handle);
	if (ev->cmd)
		APP(" cmd=%s", lm_imap_cmd_name(ev->cmd));
	if (ev->status)
		APP(" %s", lm_imap_result_name(ev->status));
	if (ev->code.code) {
		APP(" code=%s", lm_imap_code_name(ev->code.code));
		if (ev->code.code == LM_IMAP_CODE_OTHER)
			w = put_slice(buf, cap, w, "name", ev->code.name);
		if (ev->code.arg.len)
			w = put_slice(buf, cap, w, "arg", ev->code.arg);
		if (ev->code.num)
			APP(" num=%llu", (unsigned long long)ev->code.num);
		if (ev->code.set1.len)
			w = put_slice(buf, cap, w, "set1", ev->code.set1);
		if (ev->code.set2.len)
			w = put_slice(buf, cap, w, "set2", ev->code.set2);
	}
	switch (ev->type) {
	case LM_IMAP_EV_EXISTS:
	case LM_IMAP_EV_RECENT:
	case LM_IMAP_EV_EXPUNGE:
		APP(" n=%u", ev->num);
		break;
	case LM_IMAP_EV_LIST:
		APP(" lsub=%d attrs=", ev->list.lsub);
		for (i = 0; i < 18; i++)
			if (ev->list.attrs & (1u << i))
				APP("%s,", attr_names[i]);
		if (ev->list.delim >= 0)
			APP(" delim=%c", ev->list.delim);
		else
			APP(" delim=NIL");
		w = put_slice(buf, cap, w, "mbox", ev->mailbox);
		w = put_slice(buf, cap, w, "raw", ev->mailbox_raw);
		if (ev->list.ext.len)
			w = put_slice(buf, cap, w, "ext", ev->list.ext);
		break;
	case LM_IMAP_EV_STATUS_DATA:
		w = put_slice(buf, cap, w, "mbox", ev->mailbox);
		if (ev->st.have & LM_IMAP_ST_MESSAGES) APP(" messages=%u", ev->st.messages);
		if (ev->st.have & LM_IMAP_ST_RECENT) APP(" recent=%u", ev->st.recent);
		if (ev->st.have & LM_IMAP_ST_UIDNEXT) APP(" uidnext=%u", ev->st.uidnext);
		if (ev->st.have & LM_IMAP_ST_UIDVALIDITY) APP(" uidvalidity=%u", ev->st.uidvalidity);
		if (ev->st.have & LM_IMAP_ST_UNSEEN) APP(" unseen=%u", ev->st.unseen);
		if (ev->st.have & LM_IMAP_ST_DELETED) APP(" deleted=%u", ev->st.deleted);
		if (ev->st.have & LM_IMAP_ST_SIZE) APP(" size=%llu", (unsigned long long)ev->st.size);
		if (ev->st.have & LM_IMAP_ST_HIGHESTMODSEQ) APP(" highestmodseq=%llu", (unsigned long long)ev->st.highestmodseq);
		break;
	case LM_IMAP_EV_ESEARCH:
		if (ev->esearch.tag.len)
			w = put_slice(buf, cap, w, "tag", ev->esearch.tag);
		if (ev->esearch.uid) APP(" uid=1");
		if (ev->esearch.have & LM_IMAP_ESEARCH_MIN) APP(" min=%u", ev->esearch.min);
		if (ev->esearch.have & LM_IMAP_ESEARCH_MAX) APP(" max=%u", ev->esearch.max);
		if (ev->esearch.have & LM_IMAP_ESEARCH_COUNT) APP(" count=%u", ev->esearch.count);
		if (ev->esearch.have & LM_IMAP_ESEARCH_ALL) w = put_slice(buf, cap, w, "all", ev->esearch.all);
		if (ev->esearch.have & LM_IMAP_ESEARCH_MODSEQ) APP(" modseq=%llu", (unsigned long long)ev->esearch.modseq);
		break;
	case LM_IMAP_EV_VANISHED:
		APP(" earlier=%d", ev->vanished.earlier);
		w = put_slice(buf, cap, w, "uids", ev->vanished.uids);
		break;
	case LM_IMAP_EV_QUOTA:
	case LM_IMAP_EV_QUOTAROOT:
		w = put_slice(buf, cap, w, "mbox", ev->mailbox);
		/* fall through */
	case LM_IMAP_EV_FLAGS:
	case LM_IMAP_EV_NAMESPACE:
	case LM_IMAP_EV_ID:
	case LM_IMAP_EV_UNKNOWN:
		w = put_slice(buf, cap, w, "value", ev->value);
		break;
	case LM_IMAP_EV_FETCH_BEGIN:
		APP(" seq=%u", ev->fetch.seq);
		break;
	case LM_IMAP_EV_FETCH_END:
		APP(" seq=%u uid=%u", ev->fetch.seq, ev->fetch.uid);
		if (ev->fetch.damaged)
			APP(" damaged=1");
		break;
	case LM_IMAP_EV_FETCH_ITEM:
		APP(" seq=%u uid=%u item=%s", ev->fetch.seq, ev->fetch.uid,
		    lm_imap_item_name(ev->fetch.item));
		if (ev->fetch.item == LM_IMAP_ITEM_OTHER)
			w = put_slice(buf, cap, w, "name", ev->fetch.name);
		if (ev->fetch.num)
			APP(" num=%llu", (unsigned long long)ev->fetch.num);
		else
			w = put_slice(buf, cap, w, "value", ev->fetch.value);
		if (ev->fetch.item == LM_IMAP_ITEM_ENVELOPE) {
			lm_imap_envelope e;
			if (lm_imap_envelope_parse(ev->fetch.value, &e) < 0) {
				APP(" env=ERR");
			} else {
				APP(" date=");
				w = put_tok(buf, cap, w, &e.date);
				APP(" subject=");
				w = put_tok(buf, cap, w, &e.subject);
				w = put_addrs(buf, cap, w, "from", &e.from);
				w = put_addrs(buf, cap, w, "sender", &e.sender);
				w = put_addrs(buf, cap, w, "reply_to", &e.reply_to);
				w = put_addrs(buf, cap, w, "to", &e.to);
				w = put_addrs(buf, cap, w, "cc", &e.cc);
				w = put_addrs(buf, cap, w, "bcc", &e.bcc);
				APP(" in_reply_to=");
				w = put_tok(buf, cap, w, &e.in_reply_to);
				APP(" message_id=");
				w = put_tok(buf, cap, w, &e.message_id);
			}
		}
		if (ev->fetch.item == LM_IMAP_ITEM_BODYSTRUCTURE ||
		    ev->fetch.item == LM_IMAP_ITEM_BODY) {
			APP(" walk=");
			w = put_body(buf, cap, w, ev->fetch.value, 0);
		}
		break;
	default:
		break;
	}
	if (ev->text.len && ev->type != LM_IMAP_EV_UNKNOWN)
		w = put_slice(buf, cap, w, "text", ev->text);
	(void)w;
	log_str(r, buf);
}

static void
mbx_string(const lm_imap_client *c, char *buf, size_t cap)
{
	const lm_imap_mailbox *m = lm_imap_selected(c);
	char f[2048], pf[2048], nm[1024];
	lm_tr_escape(m->flags.p, m->flags.len, f, sizeof f);
	lm_tr_escape(m->permanent_flags.p, m->permanent_flags.len, pf, sizeof pf);
	lm_tr_escape(m->name.p, m->name.len, nm, sizeof nm);
	snprintf(buf, cap, "sel=%d ro=%d exists=%u recent=%u uidvalidity=%u uidnext=%u "
	         "unseen=%u hms=%llu nomodseq=%d expunged=%u vanished=%u name=\"%s\" "
	         "flags=\"%s\" pflags=\"%s\" state=%d",
	         m->selected, m->read_only, m->exists, m->recent, m->uidvalidity,
	         m->uidnext, m->unseen, (unsigned long long)m->highestmodseq,
	         m->nomodseq, m->expunged, m->vanished, nm, f, pf,
	         (int)lm_imap_get_state(c));
}

static void
take_output(run *r)
{
	size_t n;
	const unsigned char *p = lm_imap_send_buf(&r->c, &n);
	if (r->mode == LM_TR_BYTE && n > 1)
		n = 1;
	if (r->nout + n > r->capout) {
		r->capout = (r->nout + n) * 2 + 1024;
		r->out = realloc(r->out, r->capout);
	}
	memcpy(r->out + r->nout, p, n);
	r->nout += n;
	lm_imap_send_ack(&r->c, n);
}

static int
feed_some(run *r)
{
	size_t len, used = 0, lim = r->released;
	unsigned char *g;

	if (lim > lm_tr_causal(r->sc, r->nout))
		lim = lm_tr_causal(r->sc, r->nout);
	if (r->fed >= lim)
		return 0;
	if (r->mode == LM_TR_SPLIT && r->fed < r->split && r->split < lim)
		lim = r->split;
	len = lim - r->fed;
	if (r->mode == LM_TR_BYTE)
		len = 1;
	g = lm_test_guarded(r->srv + r->fed, len);
	(void)lm_imap_feed(&r->c, g, len, &used);
	lm_test_unguard(g, len);
	r->fed += used;
	return used > 0;
}

static void
pump(run *r, size_t target, int only_write)
{
	int guard;
	for (guard = 0; guard < 10000000; guard++) {
		lm_imap_event ev;
		int rc;
		if (r->dead)
			return;
		if (target && r->nlog >= target)
			return;
		rc = lm_imap_next(&r->c, &ev);
		if (rc == LM_WANT_WRITE) {
			take_output(r);
			continue;
		}
		if (only_write && rc == LM_WANT_READ)
			return;
		if (rc == LM_WANT_READ) {
			if (feed_some(r))
				continue;
			if (r->eof_flag && !r->eof_given && r->fed >= r->eof_at &&
			    r->released >= r->eof_at) {
				lm_imap_recv_eof(&r->c);
				r->eof_given = 1;
				continue;
			}
			return;
		}
		if (rc == LM_EVENT) {
			log_event(r, &ev);
			if (only_write)
				return;
			continue;
		}
		if (rc == LM_DONE)
			return;
		if (rc < 0) {
			char b[80];
			if (rc == LM_ERR_BAD_STATE && lm_imap_last_error(&r->c) == 0) {
				/* waiting for tls_done: bytes the server sends now
				 * still reach the engine (plaintext injection) */
				if (feed_some(r))
					continue;
				/* the connection may end during the handshake */
				if (r->eof_flag && !r->eof_given &&
				    r->fed >= r->eof_at && r->released >= r->eof_at) {
					lm_imap_recv_eof(&r->c);
					r->eof_given = 1;
					continue;
				}
				return;
			}
			snprintf(b, sizeof b, "ERROR %s", lm_errname(rc));
			log_str(r, b);
			r->dead = 1;
			return;
		}
		run_err(r, "next() returned %d", rc);
		return;
	}
	run_err(r, "pump does not terminate");
}

static int
body_read(void *ud, unsigned char *buf, size_t cap, size_t *got)
{
	run *r = ud;
	size_t n = r->body_len - r->body_pos;
	if (n > cap)
		n = cap;
	if (r->mode == LM_TR_BYTE && n > 1)
		n = 1;
	memcpy(buf, r->body + r->body_pos, n);
	r->body_pos += n;
	*got = n;
	return 0;
}

static unsigned
bits(const char *list, const char *const *names, const unsigned *vals, size_t n)
{
	unsigned v = 0;
	size_t i;
	for (i = 0; i < n; i++)
		if (strstr(list, names[i]))
			v |= vals[i];
	return v;
}

static const char *const st_names[] = { "messages", "recent", "uidnext",
	"uidvalidity", "unseen", "deleted", "size", "highestmodseq" };
static const unsigned st_vals[] = { LM_IMAP_ST_MESSAGES, LM_IMAP_ST_RECENT,
	LM_IMAP_ST_UIDNEXT, LM_IMAP_ST_UIDVALIDITY, LM_IMAP_ST_UNSEEN,
	LM_IMAP_ST_DELETED, LM_IMAP_ST_SIZE, LM_IMAP_ST_HIGHESTMODSEQ };

static void
do_action(run *r, char *text)
{
	char *words[40], *exp, *save = NULL, *wd;
	int nw = 0, rc = 0, want = 0, i;
	lm_imap_client *c = &r->c;

	exp = strstr(text, " => ");
	if (exp) {
		*exp = '\0';
		want = lm_tr_err_by_name(exp + 4);
	}
	if (!strncmp(text, "mbx ", 4)) {
		char got[8192];
		mbx_string(c, got, sizeof got);
		if (strcmp(got, text + 4))
			run_err(r, "mbx: expected [%s] got [%s]", text + 4, got);
		return;
	}
	if (!strncmp(text, "caps ", 5)) {
		char got[LM_IMAP_CAPS_MAX + 32];
		lm_slice l = lm_imap_caps(c);
		snprintf(got, sizeof got, "known=%d \"%.*s\"", lm_imap_caps_known(c),
		         (int)l.len, l.len ? (const char *)l.p : "");
		if (strcmp(got, text + 5))
			run_err(r, "caps: expected [%s] got [%s]", text + 5, got);
		return;
	}
	for (wd = strtok_r(text, " ", &save); wd && nw < 40; wd = strtok_r(NULL, " ", &save))
		words[nw++] = wd;
	if (nw == 0)
		return;
	for (i = 1; i < nw; i++) {
		if (!strcmp(words[i], "\"\""))
			words[i][0] = '\0';          /* "" is the empty string */
		lm_tr_unescape_str(words[i]);
	}
#define W(k) (nw > (k) ? words[k] : "")
	if (!strcmp(words[0], "capability")) rc = lm_imap_capability(c, NULL);
	else if (!strcmp(words[0], "noop")) rc = lm_imap_noop(c, NULL);
	else if (!strcmp(words[0], "logout")) rc = lm_imap_logout(c, NULL);
	else if (!strcmp(words[0], "starttls")) rc = lm_imap_starttls(c, NULL);
	else if (!strcmp(words[0], "tls_done")) rc = lm_imap_tls_done(c, NULL);
	else if (!strcmp(words[0], "namespace")) rc = lm_imap_namespace(c, NULL);
	else if (!strcmp(words[0], "check")) rc = lm_imap_check(c, NULL);
	else if (!strcmp(words[0], "close")) rc = lm_imap_close(c, NULL);
	else if (!strcmp(words[0], "unselect")) rc = lm_imap_unselect(c, NULL);
	else if (!strcmp(words[0], "expunge")) rc = lm_imap_expunge(c, NULL);
	else if (!strcmp(words[0], "idle")) rc = lm_imap_idle(c, NULL);
	else if (!strcmp(words[0], "done")) rc = lm_imap_idle_done(c);
	else if (!strcmp(words[0], "eof")) r->eof_flag = 1;
	else if (!strcmp(words[0], "flush")) pump(r, 0, 1);
	else if (!strcmp(words[0], "login")) rc = lm_imap_login(c, W(1), W(2), NULL);
	else if (!strcmp(words[0], "enable")) {
		char e[256] = "";
		for (i = 1; i < nw; i++) {
			if (i > 1) strcat(e, " ");
			strncat(e, words[i], 100);
		}
		rc = lm_imap_enable(c, e, NULL);
	} else if (!strcmp(words[0], "id")) {
		const char *kv[32];
		int k = 0;
		for (i = 1; i < nw && k < 30; i++)
			kv[k++] = strcmp(words[i], "NIL") ? words[i] : NULL;
		kv[k] = NULL;
		rc = lm_imap_id(c, nw > 1 ? kv : NULL, NULL);
	} else if (!strcmp(words[0], "authenticate")) {
		lm_sasl_mech m = lm_sasl_mech_from_name(W(1), strlen(W(1)));
		const char *nonce = NULL;
		snprintf(r->rng, sizeof r->rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
		for (i = 4; i < nw; i++)
			if (!strncmp(words[i], "nonce=", 6))
				nonce = words[i] + 6;
		snprintf(r->user, sizeof r->user, "%s", W(2));
		snprintf(r->pass, sizeof r->pass, "%s", W(3));
		r->cr.user = r->user;
		r->cr.password = r->pass;
		r->cr.rng = lm_tr_fixed_rng;
		r->cr.rng_ud = r->rng;
		rc = nonce ? lm_sasl__init_nonce(&r->sasl, m, &r->cr, nonce, strlen(nonce))
		           : lm_sasl_init(&r->sasl, m, &r->cr);
		if (rc == 0)
			rc = lm_imap_authenticate(c, &r->sasl, NULL);
	} else if (!strcmp(words[0], "select") || !strcmp(words[0], "examine")) {
		lm_imap_select_opts o = LM_IMAP_SELECT_OPTS_INIT;
		static char known[256];
		for (i = 2; i < nw; i++) {
			if (!strcmp(words[i], "condstore"))
				o.condstore = 1;
			else if (!strncmp(words[i], "qresync=", 8)) {
				unsigned long uv = 0;
				unsigned long long ms = 0;
				known[0] = 0;
				sscanf(words[i] + 8, "%lu,%llu,%255s", &uv, &ms, known);
				o.qr_uidvalidity = (uint32_t)uv;
				o.qr_modseq = ms;
				o.qr_known_uids = known[0] ? known : NULL;
			}
		}
		rc = words[0][0] == 's' ? lm_imap_select(c, W(1), nw > 2 ? &o : NULL, NULL)
		                        : lm_imap_examine(c, W(1), nw > 2 ? &o : NULL, NULL);
	} else if (!strcmp(words[0], "create")) rc = lm_imap_create(c, W(1), NULL);
	else if (!strcmp(words[0], "delete")) rc = lm_imap_delete(c, W(1), NULL);
	else if (!strcmp(words[0], "rename")) rc = lm_imap_rename(c, W(1), W(2), NULL);
	else if (!strcmp(words[0], "subscribe")) rc = lm_imap_subscribe(c, W(1), NULL);
	else if (!strcmp(words[0], "unsubscribe")) rc = lm_imap_unsubscribe(c, W(1), NULL);
	else if (!strcmp(words[0], "getquotaroot")) rc = lm_imap_getquotaroot(c, W(1), NULL);
	else if (!strcmp(words[0], "getquota")) rc = lm_imap_getquota(c, W(1), NULL);
	else if (!strcmp(words[0], "uid_expunge")) rc = lm_imap_uid_expunge(c, W(1), NULL);
	else if (!strcmp(words[0], "lsub")) rc = lm_imap_lsub(c, W(1), W(2), NULL);
	else if (!strcmp(words[0], "list")) {
		lm_imap_list_opts o = LM_IMAP_LIST_OPTS_INIT;
		int any = 0;
		static const char *const rn[] = { "subscribed", "children", "special-use" };
		static const unsigned rv[] = { LM_IMAP_LIST_RET_SUBSCRIBED,
			LM_IMAP_LIST_RET_CHILDREN, LM_IMAP_LIST_RET_SPECIAL_USE };
		static const char *const sn[] = { "subscribed", "remote", "recursivematch", "special-use" };
		static const unsigned sv[] = { LM_IMAP_LIST_SEL_SUBSCRIBED,
			LM_IMAP_LIST_SEL_REMOTE, LM_IMAP_LIST_SEL_RECURSIVEMATCH,
			LM_IMAP_LIST_SEL_SPECIAL_USE };
		for (i = 3; i < nw; i++) {
			any = 1;
			if (!strncmp(words[i], "ret=", 4))
				o.ret = bits(words[i] + 4, rn, rv, 3);
			else if (!strncmp(words[i], "sel=", 4))
				o.sel = bits(words[i] + 4, sn, sv, 4);
			else if (!strncmp(words[i], "status=", 7))
				o.status = bits(words[i] + 7, st_names, st_vals, 8);
		}
		rc = lm_imap_list(c, W(1), W(2), any ? &o : NULL, NULL);
	} else if (!strcmp(words[0], "status")) {
		unsigned it = 0;
		for (i = 2; i < nw; i++)
			it |= bits(words[i], st_names, st_vals, 8);
		rc = lm_imap_status(c, W(1), it, NULL);
	} else if (!strcmp(words[0], "append")) {
		const char *flags = NULL, *date = NULL;
		r->body_len = lm_tr_unescape(W(2), r->body);
		r->body_pos = 0;
		for (i = 3; i < nw; i++) {
			if (!strncmp(words[i], "flags=", 6)) flags = words[i] + 6;
			if (!strncmp(words[i], "date=", 5)) date = words[i] + 5;
		}
		rc = lm_imap_append(c, W(1), flags, date, r->body_len, body_read, r, NULL);
	} else if (!strcmp(words[0], "search")) {
		static unsigned char sbuf[4096];
		lm_imap_sb sb;
		int uid = 0, k = 1;
		unsigned ret = 0;
		static const char *const en[] = { "min", "max", "count", "all", "save" };
		static const unsigned evv[] = { LM_IMAP_ESEARCH_MIN, LM_IMAP_ESEARCH_MAX,
			LM_IMAP_ESEARCH_COUNT, LM_IMAP_ESEARCH_ALL, LM_IMAP_ESEARCH_SAVE };
		lm_imap_sb_init(&sb, sbuf, sizeof sbuf);
		if (k < nw && !strcmp(words[k], "uid")) { uid = 1; k++; }
		if (k < nw && !strncmp(words[k], "ret=", 4)) { ret = bits(words[k] + 4, en, evv, 5); k++; }
		for (; k < nw; k++) {
			if (!strcmp(words[k], "(")) lm_imap_sb_open(&sb);
			else if (!strcmp(words[k], ")")) lm_imap_sb_close(&sb);
			else if (!strcmp(words[k], "NOT")) lm_imap_sb_not(&sb);
			else if (!strcmp(words[k], "OR")) lm_imap_sb_or(&sb);
			else if (!strncmp(words[k], "since=", 6)) {
				int y, mo, d;
				sscanf(words[k] + 6, "%d-%d-%d", &y, &mo, &d);
				lm_imap_sb_date(&sb, "SINCE", y, mo, d);
			} else if (!strncmp(words[k], "larger=", 7))
				lm_imap_sb_num(&sb, "LARGER", strtoull(words[k] + 7, NULL, 10));
			else if (!strncmp(words[k], "header=", 7)) {
				char *v = strchr(words[k] + 7, ':');
				if (v) { *v++ = 0; lm_imap_sb_header(&sb, words[k] + 7, v); }
			} else if (!strncmp(words[k], "str=", 4)) {
				char *v = strchr(words[k] + 4, ':');
				if (v) { *v++ = 0; lm_imap_sb_str(&sb, words[k] + 4, v); }
			} else
				lm_imap_sb_word(&sb, words[k]);
		}
		rc = lm_imap_search(c, uid, nw > 1 ? &sb : NULL, ret, NULL);
	} else if (!strcmp(words[0], "fetch")) {
		lm_imap_fetch_opts f = LM_IMAP_FETCH_OPTS_INIT;
		static lm_imap_section secs[8];
		static char secbuf[8][256];
		static const char *fields[8][8];
		int uid = 0, k = 1, ns = 0;
		static const char *const fn[] = { "flags", "uid", "internaldate", "size",
			"envelope", "bodystructure", "body", "modseq", "emailid", "threadid" };
		static const unsigned fv[] = { LM_IMAP_F_FLAGS, LM_IMAP_F_UID,
			LM_IMAP_F_INTERNALDATE, LM_IMAP_F_RFC822_SIZE, LM_IMAP_F_ENVELOPE,
			LM_IMAP_F_BODYSTRUCTURE, LM_IMAP_F_BODY, LM_IMAP_F_MODSEQ,
			LM_IMAP_F_EMAILID, LM_IMAP_F_THREADID };
		if (k < nw && !strcmp(words[k], "uid")) { uid = 1; k++; }
		const char *set = W(k);
		for (k++; k < nw; k++) {
			size_t j;
			if (!strncmp(words[k], "sec=", 4) && ns < 8) {
				lm_imap_section *s = &secs[ns];
				char *p = secbuf[ns], *q, *at;
				memset(s, 0, sizeof *s);
				snprintf(p, 256, "%s", words[k] + 4);
				at = strchr(p, '@');
				if (at) {
					unsigned long long a = 0;
					unsigned long b = 0;
					*at++ = 0;
					sscanf(at, "%llu.%lu", &a, &b);
					s->partial = 1; s->start = a; s->len = (uint32_t)b;
				}
				if (!strncmp(p, "peek:", 5)) { s->peek = 1; p += 5; }
				if (!strncmp(p, "bin:", 4)) { s->binary = 1; p += 4; }
				if (!strncmp(p, "binsize:", 8)) { s->binary_size = 1; p += 8; }
				q = strchr(p, ':');
				if (q) {
					char *fl;
					*q++ = 0;
					fl = strchr(q, ':');
					s->text = q;
					if (fl) {
						int nf = 0;
						char *tk, *sv2 = NULL;
						*fl++ = 0;
						for (tk = strtok_r(fl, ",", &sv2); tk && nf < 8; tk = strtok_r(NULL, ",", &sv2))
							fields[ns][nf++] = tk;
						s->fields = fields[ns];
						s->nfields = (size_t)nf;
					}
				}
				s->part = p;
				ns++;
				continue;
			}
			if (!strncmp(words[k], "changedsince=", 13)) {
				f.changedsince = strtoull(words[k] + 13, NULL, 10);
				continue;
			}
			if (!strcmp(words[k], "vanished")) {
				f.vanished = 1;
				continue;
			}
			for (j = 0; j < 10; j++)
				if (!strcmp(words[k], fn[j]))
					f.items |= fv[j];
		}
		f.sections = secs;
		f.nsections = (size_t)ns;
		rc = lm_imap_fetch(c, uid, set, &f, NULL);
	} else if (!strcmp(words[0], "store")) {
		int uid = 0, k = 1, silent = 0;
		unsigned long long unch = 0;
		lm_imap_store_op op;
		if (!strcmp(W(k), "uid")) { uid = 1; k++; }
		const char *set = W(k);
		const char *o;
		k++;
		o = W(k);
		k++;
		op = o[0] == '+' ? LM_IMAP_STORE_ADD : o[0] == '-' ? LM_IMAP_STORE_REMOVE :
		     LM_IMAP_STORE_SET;
		if (!strcmp(W(k), "silent")) { silent = 1; k++; }
		const char *fl = W(k);
		k++;
		if (!strncmp(W(k), "unch=", 5)) unch = strtoull(W(k) + 5, NULL, 10);
		rc = lm_imap_store(c, uid, set, op, silent, fl, unch, NULL);
	} else if (!strcmp(words[0], "copy") || !strcmp(words[0], "move")) {
		int uid = 0, k = 1;
		if (!strcmp(W(k), "uid")) { uid = 1; k++; }
		rc = words[0][0] == 'c' ? lm_imap_copy(c, uid, W(k), W(k + 1), NULL)
		                        : lm_imap_move(c, uid, W(k), W(k + 1), NULL);
	} else {
		run_err(r, "unknown action '%s'", words[0]);
		return;
	}
	if (rc != want)
		run_err(r, "action '%s' returned %s, expected %s", words[0],
		        lm_errname(rc), lm_errname(want));
}

static void
set_opt(run *r, lm_imap_opts *o, const char *kv, int *implicit_tls)
{
	const char *v = strchr(kv, '=');
	int n = v ? atoi(v + 1) : 1;
	if (!strncmp(kv, "require_tls=", 12))
		o->require_tls = n;
	else if (!strncmp(kv, "plaintext_auth=", 15))
		o->allow_plaintext_auth = n;
	else if (!strncmp(kv, "literal_plus=", 13))
		o->use_literal_plus = n;
	else if (!strncmp(kv, "tls=", 4))
		*implicit_tls = n;
	else
		run_err(r, "unknown option %s", kv);
}

static int
run_script(lm_tr_script *sc, int mode, size_t split, const unsigned char *srv, size_t srv_len,
           const unsigned char *cexp, size_t ncexp, char *diag, size_t dcap)
{
	static run r;
	lm_imap_opts o = LM_IMAP_OPTS_INIT;
	size_t i, nexp = 0, pos = 0;
	int implicit_tls = 0, bad = 0;
	const char *expv[LOGMAX];
	static const unsigned char zeros[IBUF > OBUF ? IBUF : OBUF];

	memset(&r, 0, sizeof r);
	r.cr = (lm_sasl_creds)LM_SASL_CREDS_INIT;
	r.mode = mode;
	r.split = split;
	r.srv = srv;
	r.srv_len = srv_len;
	r.sc = sc;
	for (i = 0; i < sc->n; i++)
		if (sc->it[i].kind == 'O')
			set_opt(&r, &o, sc->it[i].text, &implicit_tls);
	r.ibuf = lm_test_guarded(zeros, IBUF);
	r.obuf = lm_test_guarded(zeros, OBUF);
	if (lm_imap_init(&r.c, &o, r.ibuf, IBUF, r.obuf, OBUF))
		run_err(&r, "init failed");
	if (implicit_tls)
		lm_imap_set_tls_active(&r.c);

	for (i = 0; i < sc->n && !r.err[0]; i++) {
		lm_tr_item *it = &sc->it[i];
		switch (it->kind) {
		case 'S':
			pos += it->nbytes;
			break;
		case 'E':
			if (nexp < LOGMAX)
				expv[nexp++] = it->text;
			r.released = pos;
			pump(&r, nexp, 0);
			break;
		case 'A': {
			char *t = strdup(it->text);
			if (!strcmp(t, "release")) {
				/* the server bytes so far, then run until idle */
				r.released = pos;
				pump(&r, 0, 0);
				free(t);
				break;
			}
			if (!strcmp(t, "eof"))
				r.eof_at = pos;
			do_action(&r, t);
			free(t);
			break;
		}
		default:
			break;
		}
	}
	r.released = pos;
	pump(&r, 0, 0);

	bad = lm_tr_compare(r.err, expv, nexp, r.log, r.nlog, cexp, ncexp,
	                    r.out, r.nout, diag, dcap);
	if (bad && getenv("LM_T_VERBOSE"))
		for (i = 0; i < r.nlog; i++)
			printf("    log %zu: %s\n", i, r.log[i]);
	for (i = 0; i < r.nlog; i++)
		free(r.log[i]);
	free(r.out);
	free(r.acc);
	lm_sasl_free(&r.sasl);
	lm_imap_free(&r.c);
	lm_test_unguard(r.ibuf, IBUF);
	lm_test_unguard(r.obuf, OBUF);
	return bad;
}

static void
t_transcripts(void)
{
	const char *dir = getenv("LM_IMAP_DATA");
	char *names[256];
	int n, i;

	if (!dir)
		dir = "tests/data/imap";
	n = lm_tr_list(dir, names, 256);
	LM_CHECK(n >= 0);
	if (n < 0)
		return;
	LM_CHECK(n >= 1);
	for (i = 0; i < n; i++) {
		int bad = lm_tr_check_file(names[i], run_script, NULL);
		LM_CHECK(bad == 0);
		free(names[i]);
	}
}

int
main(int argc, char **argv)
{
	static const lm_test tests[] = { LM_TEST(t_transcripts) };
	return lm_test_main(argc, argv, tests, sizeof tests / sizeof tests[0]);
}
