/*
 * libmail - IMAP client engine: typed commands.
 *
 * Every command is built at the end of the output buffer by a small
 * builder (struct ob) and committed only when complete and valid, so a
 * refused command leaves nothing behind. A synchronising literal records
 * a hold point: the bytes after it are not handed out by
 * lm_imap_send_buf() until the server's "+" (tagged.c,
 * lm_imap__continuation()).
 */
#include <string.h>

#include "libmail/core.h"
#include "internal.h"
#include "../core/io.h"

#define S_NA  (1u << LM_IMAP_STATE_NOT_AUTH)
#define S_A   (1u << LM_IMAP_STATE_AUTH)
#define S_S   (1u << LM_IMAP_STATE_SELECTED)
#define S_ANY (S_NA | S_A | S_S)
#define S_SEL 0x100u        /* selected, or a SELECT/EXAMINE outstanding */

/* ------------------------------------------------------------------ */
/* builder                                                             */
/* ------------------------------------------------------------------ */

struct ob {
	lm_imap_client *c;
	unsigned char *p;        /* obuf + oend at start                  */
	size_t cap, len;
	int err;
	unsigned nh;
	size_t hpos[LM_IMAP__HOLDS_MAX];
	size_t redact;           /* trace: keep this many bytes, 0: all  */
};

/* see internal.h */
size_t
lm_imap__compact_out(lm_imap_client *c)
{
	size_t d, room;
	unsigned i;

	room = lm_core__io_out_room(&c->io, &d);
	if (d == 0)
		return room;
	for (i = 0; i < c->nholds; i++) {
		c->holds[i] -= d;
		c->hold_cend[i] -= d;
	}
	if (c->wipe_out)
		c->wipe_end = c->wipe_end > d ? c->wipe_end - d : 0;
	return room;
}

static inline void
ob_raw(struct ob *b, const void *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		b->err = LM_ERR_BUFFER_TOO_SMALL;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static inline void
ob_s(struct ob *b, const char *s)
{
	ob_raw(b, s, strlen(s));
}

static void
ob_num(struct ob *b, uint64_t v)
{
	char d[24];
	int n = (int)sizeof d;
	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	ob_raw(b, d + n, sizeof d - (size_t)n);
}

/* Capabilities unknown (lm_imap__caps() is 0): synchronising, which
 * every server takes. */
static int
nonsync_ok(const lm_imap_client *c, size_t n)
{
	unsigned long caps = lm_imap__caps(c);

	if (!c->opts.use_literal_plus)
		return 0;
	if (caps & LM_IMAP__CAP_LITERALPLUS)
		return 1;
	return (caps & (LM_IMAP__CAP_LITERALMINUS | LM_IMAP__CAP_IMAP4REV2)) &&
	       n <= 4096;
}

/* A call that needs one of the capabilities in bits: 0 when offered;
 * LM_ERR_BAD_STATE while the list is unknown (the server may offer it:
 * ask with CAPABILITY); LM_ERR_UNSUPPORTED when the list lacks it. */
static int
need_cap(const lm_imap_client *c, unsigned long bits)
{
	if (!lm_imap__caps_usable(c))
		return LM_ERR_BAD_STATE;
	return (c->capbits & bits) ? 0 : LM_ERR_UNSUPPORTED;
}

static int
utf8_on(const lm_imap_client *c)
{
	return (c->enabled & LM_IMAP__EN_UTF8) != 0;
}

/* A string argument: atom, quoted or literal. */
static void
ob_str(struct ob *b, const char *s, size_t n, int always_quote)
{
	size_t i, need = 0, w = 0;
	int lit = 0, atom = !always_quote && n > 0, quoted = n <= 1000;
	int u8 = utf8_on(b->c);

	if (b->err)
		return;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\r' || ch == '\n' || ch == '\0') {
			b->err = LM_ERR_BAD_PARAM;
			return;
		}
		if (!lm_imap__atom_char(ch))
			atom = 0;
		if (ch >= 0x80 ? !u8 : (ch < 0x20 || ch == 0x7f))
			quoted = 0;
	}
	if (atom && lm_core__ieqz((const unsigned char *)s, n, "NIL"))
		atom = 0;
	if (atom) {
		ob_raw(b, s, n);
		return;
	}
	if (quoted) {
		need = n + 2;
		for (i = 0; i < n; i++)
			if (s[i] == '"' || s[i] == '\\')
				need++;
		if (b->len + need > b->cap) {
			b->err = LM_ERR_BUFFER_TOO_SMALL;
			return;
		}
		b->p[b->len + w++] = '"';
		for (i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				b->p[b->len + w++] = '\\';
			b->p[b->len + w++] = (unsigned char)s[i];
		}
		b->p[b->len + w++] = '"';
		b->len += w;
		return;
	}
	lit = nonsync_ok(b->c, n);
	ob_s(b, "{");
	ob_num(b, n);
	ob_s(b, lit ? "+}\r\n" : "}\r\n");
	if (!lit) {
		if (b->nh >= LM_IMAP__HOLDS_MAX) {
			b->err = LM_ERR_LIMIT;
			return;
		}
		b->hpos[b->nh++] = b->len;
	}
	ob_raw(b, s, n);
}

static void
ob_cstr(struct ob *b, const char *s, int always_quote)
{
	if (s == NULL) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	ob_str(b, s, strlen(s), always_quote);
}

/* A mailbox name given in UTF-8. */
static void
ob_mailbox(struct ob *b, const char *name, int allow_empty)
{
	char enc[LM_IMAP_MAILBOX_MAX * 2];
	size_t n, el = 0, i;

	if (b->err)
		return;
	if (name == NULL) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	n = strlen(name);
	if ((n == 0 && !allow_empty) || n > LM_IMAP_MAILBOX_MAX) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	for (i = 0; i < n; i++)
		if (name[i] == '\r' || name[i] == '\n') {
			b->err = LM_ERR_BAD_PARAM;
			return;
		}
	if (lm_core__ieqz((const unsigned char *)name, n, "INBOX")) {
		ob_s(b, "INBOX");
		return;
	}
	if (utf8_on(b->c)) {
		/* validate the UTF-8, then send it as is */
		if (lm_mutf7_encode(name, n, enc, sizeof enc, &el) != 0) {
			b->err = LM_ERR_BAD_PARAM;
			return;
		}
		ob_str(b, name, n, 0);
		return;
	}
	if (lm_mutf7_encode(name, n, enc, sizeof enc, &el) != 0) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	ob_str(b, enc, el, allow_empty && el == 0);
}

/* A LIST reference or pattern: wildcards stay, always quoted. */
static void
ob_pattern(struct ob *b, const char *s)
{
	char enc[LM_IMAP_MAILBOX_MAX * 2];
	size_t el = 0, n;

	if (b->err)
		return;
	if (s == NULL) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	n = strlen(s);
	if (n > LM_IMAP_MAILBOX_MAX) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	if (memchr(s, '\r', n) || memchr(s, '\n', n)) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	if (utf8_on(b->c)) {
		if (n > 0 && lm_mutf7_encode(s, n, enc, sizeof enc, &el) != 0) {
			b->err = LM_ERR_BAD_PARAM;
			return;
		}
		ob_str(b, s, n, 1);
		return;
	}
	if (n > 0 && lm_mutf7_encode(s, n, enc, sizeof enc, &el) != 0) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	ob_str(b, enc, el, 1);
}

/* A sequence set: digits , : * $ */
static void
ob_set(struct ob *b, const char *set)
{
	size_t i, n;
	if (b->err)
		return;
	if (set == NULL || (n = strlen(set)) == 0) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	for (i = 0; i < n; i++) {
		char ch = set[i];
		if (!((ch >= '0' && ch <= '9') || ch == ',' || ch == ':' || ch == '*' ||
		      ch == '$')) {
			b->err = LM_ERR_BAD_PARAM;
			return;
		}
	}
	ob_raw(b, set, n);
}

/* A flag list "a b c" -> "(a b c)"; each flag an atom, optionally with a
 * leading backslash. */
static void
ob_flags(struct ob *b, const char *flags)
{
	size_t i, n;
	if (b->err)
		return;
	n = flags ? strlen(flags) : 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)flags[i];
		if (ch == ' ')
			continue;
		if (ch == '\\' && (i == 0 || flags[i - 1] == ' '))
			continue;
		if (!lm_imap__atom_char(ch)) {
			b->err = LM_ERR_BAD_PARAM;
			return;
		}
	}
	ob_s(b, "(");
	ob_raw(b, flags, n);
	ob_s(b, ")");
}

/* Every command starts with the gate: state, pipelining, misuse. */
static int
gate(lm_imap_client *c, unsigned states, int exclusive)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->err)
		return c->err;
	if (c->state == LM_IMAP_STATE_GREETING || c->state == LM_IMAP_STATE_LOGOUT ||
	    c->state == LM_IMAP_STATE_CLOSED || c->tls_wait)
		return LM_ERR_BAD_STATE;
	/* the MOVE fallback queues its next step when one completes: a
	 * command queued meanwhile would come between them */
	if (c->idle || c->app_state != LM_IMAP__APP_NONE || c->auth_tag || c->tls_tag ||
	    c->mv_tag)
		return LM_ERR_BAD_STATE;
	if (c->q_count >= LM_IMAP_PIPELINE_MAX)
		return LM_ERR_LIMIT;
	if (exclusive && c->q_count > 0)
		return LM_ERR_BAD_STATE;
	if (states & S_SEL) {
		if (c->state != LM_IMAP_STATE_SELECTED && c->sel_tag == 0)
			return LM_ERR_BAD_STATE;
	} else if (!(states & (1u << c->state))) {
		return LM_ERR_BAD_STATE;
	}
	return 0;
}

static void
ob_start(struct ob *b, lm_imap_client *c, const char *verb, int uid)
{
	/* every member but hpos[] (written before nh counts it) */
	b->len = 0;
	b->err = 0;
	b->nh = 0;
	b->redact = 0;
	b->c = c;
	if (c->io.ostart == c->io.oend && c->nholds == 0)
		c->io.ostart = c->io.oend = 0;
	else
		lm_imap__compact_out(c);
	b->p = c->io.obuf + c->io.oend;
	b->cap = c->io.olen - c->io.oend;
	ob_s(b, "A");
	ob_num(b, c->next_tag);
	ob_s(b, " ");
	if (uid)
		ob_s(b, "UID ");
	ob_s(b, verb);
}

/* Finish: CRLF, queue entry, holds, trace, tag. */
static int
ob_commit(struct ob *b, int cmd, unsigned flags, lm_imap_handle *h)
{
	lm_imap_client *c = b->c;
	unsigned i;

	ob_s(b, "\r\n");
	if (b->err)
		return b->err;
	if (c->nholds + b->nh > LM_IMAP__HOLDS_MAX)
		return LM_ERR_LIMIT;
	for (i = 0; i < b->nh; i++) {
		c->holds[c->nholds] = c->io.oend + b->hpos[i];
		c->hold_cend[c->nholds] = c->io.oend + b->len;
		c->hold_tag[c->nholds] = c->next_tag;
		c->nholds++;
	}
	if (b->redact) {
		/* keep the verb on the first line; a literal's data (later
		 * lines) is redacted whole */
		const unsigned char *lf = memchr(b->p, '\n', b->len);
		size_t first = lf ? (size_t)(lf - b->p) + 1 : b->len;
		lm_trace_emit_redacted(c->opts.trace, c->opts.trace_ud, 'C', b->p,
		                       first, b->redact);
		if (first < b->len)
			lm_trace_emit_redacted(c->opts.trace, c->opts.trace_ud, 'C',
			                       b->p + first, b->len - first, 0);
	}
	else
		lm_imap__trace(c, 'C', b->p, b->len);
	c->io.oend += b->len;
	c->q[c->q_count].rx = c->io.rx_total;
	c->q[c->q_count].tag = c->next_tag;
	c->q[c->q_count].cmd = (unsigned char)cmd;
	c->q[c->q_count].flags = (unsigned char)flags;
	c->q[c->q_count].en = 0;
	c->q_count++;
	if (h)
		*h = c->next_tag;
	c->next_tag++;
	if (c->next_tag == 0 || c->next_tag > 999999999u)
		c->next_tag = 1;
	return 0;
}

/* see internal.h */
int
lm_imap__simple(lm_imap_client *c, int cmd, const char *verb, lm_imap_handle *h)
{
	struct ob b;
	if (c->q_count >= LM_IMAP_PIPELINE_MAX)
		return LM_ERR_LIMIT;
	ob_start(&b, c, verb, 0);
	return ob_commit(&b, cmd, 0, h);
}

/* see internal.h */
int
lm_imap__queue_done(lm_imap_client *c)
{
	if (c->io.ostart == c->io.oend && c->nholds == 0)
		c->io.ostart = c->io.oend = 0;
	else
		lm_imap__compact_out(c);
	if (c->io.olen - c->io.oend < 6)
		return lm_imap__fail(c, LM_ERR_BUFFER_TOO_SMALL);
	memcpy(c->io.obuf + c->io.oend, "DONE\r\n", 6);
	c->io.oend += 6;
	lm_imap__trace(c, 'C', "DONE", 4);
	c->idle = 3;
	c->idle_done_wanted = 0;
	return 0;
}

/* ------------------------------------------------------------------ */
/* simple commands                                                     */
/* ------------------------------------------------------------------ */

static int
simple_cmd(lm_imap_client *c, unsigned states, int cmd, const char *verb,
           unsigned long capneed, lm_imap_handle *h)
{
	int r = gate(c, states, 0);
	if (r)
		return r;
	if (capneed && (r = need_cap(c, capneed)) != 0)
		return r;
	return lm_imap__simple(c, cmd, verb, h);
}

/* see imap.h */
int
lm_imap_capability(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, S_ANY, LM_IMAP_CMD_CAPABILITY, "CAPABILITY", 0, h);
}

/* see imap.h */
int
lm_imap_noop(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, S_ANY, LM_IMAP_CMD_NOOP, "NOOP", 0, h);
}

/* see imap.h */
int
lm_imap_logout(lm_imap_client *c, lm_imap_handle *h)
{
	int r = simple_cmd(c, S_ANY, LM_IMAP_CMD_LOGOUT, "LOGOUT", 0, h);
	if (r == 0) {
		/* final: completions of earlier commands keep it (set_state) */
		c->mbx.selected = 0;
		c->state = LM_IMAP_STATE_LOGOUT;
	}
	return r;
}

/* see imap.h */
int
lm_imap_namespace(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, S_A | S_S, LM_IMAP_CMD_NAMESPACE, "NAMESPACE",
	                  LM_IMAP__CAP_NAMESPACE | LM_IMAP__CAP_IMAP4REV2, h);
}

/* see imap.h */
int
lm_imap_check(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, S_SEL, LM_IMAP_CMD_CHECK, "CHECK", 0, h);
}

/* see imap.h */
int
lm_imap_close(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, S_SEL, LM_IMAP_CMD_CLOSE, "CLOSE", 0, h);
}

/* see imap.h */
int
lm_imap_unselect(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, S_SEL, LM_IMAP_CMD_UNSELECT, "UNSELECT",
	                  LM_IMAP__CAP_UNSELECT | LM_IMAP__CAP_IMAP4REV2, h);
}

/* see imap.h */
int
lm_imap_expunge(lm_imap_client *c, lm_imap_handle *h)
{
	return simple_cmd(c, S_SEL, LM_IMAP_CMD_EXPUNGE, "EXPUNGE", 0, h);
}

/* see imap.h */
int
lm_imap_starttls(lm_imap_client *c, lm_imap_handle *h)
{
	lm_imap_handle t;
	int r = gate(c, S_NA, 1);
	if (r)
		return r;
	if (c->tls || !lm_imap__caps_usable(c))
		return LM_ERR_BAD_STATE;
	if (!(lm_imap__caps(c) & LM_IMAP__CAP_STARTTLS))
		return LM_ERR_NO_STARTTLS;
	r = lm_imap__simple(c, LM_IMAP_CMD_STARTTLS, "STARTTLS", &t);
	if (r == 0) {
		c->tls_tag = t;
		if (h)
			*h = t;
	}
	return r;
}

/* see imap.h */
int
lm_imap_idle(lm_imap_client *c, lm_imap_handle *h)
{
	lm_imap_handle t;
	int r = gate(c, S_A | S_S, 0);
	if (r)
		return r;
	if ((r = need_cap(c, LM_IMAP__CAP_IDLE | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	if (c->q_count > 0)
		return LM_ERR_BAD_STATE;
	r = lm_imap__simple(c, LM_IMAP_CMD_IDLE, "IDLE", &t);
	if (r == 0) {
		c->idle = 1;
		c->idle_tag = t;
		if (h)
			*h = t;
	}
	return r;
}

/* see imap.h */
int
lm_imap_idle_done(lm_imap_client *c)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->err)
		return c->err;
	if (c->idle == 1) {
		c->idle_done_wanted = 1;
		return 0;
	}
	if (c->idle != 2)
		return LM_ERR_BAD_STATE;
	return lm_imap__queue_done(c);
}

/* ------------------------------------------------------------------ */
/* authentication                                                      */
/* ------------------------------------------------------------------ */

/* see imap.h */
int
lm_imap_login(lm_imap_client *c, const char *user, const char *pass,
              lm_imap_handle *h)
{
	struct ob b;
	int r = gate(c, S_NA, 0);
	size_t keep;

	if (r)
		return r;
	if (user == NULL || pass == NULL || user[0] == '\0')
		return LM_ERR_BAD_PARAM;
	if (!lm_imap__caps_usable(c))
		return LM_ERR_BAD_STATE;
	if (!c->tls && (c->opts.require_tls || !c->opts.allow_plaintext_auth))
		return LM_ERR_PLAINTEXT;
	if (lm_imap__caps(c) & LM_IMAP__CAP_LOGINDISABLED)
		return LM_ERR_UNSUPPORTED;
	ob_start(&b, c, "LOGIN ", 0);
	keep = b.len;
	ob_cstr(&b, user, 0);
	ob_s(&b, " ");
	ob_cstr(&b, pass, 0);
	b.redact = keep;
	r = ob_commit(&b, LM_IMAP_CMD_LOGIN, 0, h);
	if (r == 0) {
		c->wipe_out = 1;
		c->wipe_end = c->io.oend;
		c->lg_sent = 0;       /* until the wipe: lm_imap_send_ack() */
	} else {
		lm_zeroize(b.p, b.len < b.cap ? b.len : b.cap);
	}
	return r;
}

static int
mech_offered(const lm_imap_client *c, const char *name)
{
	char cap[64];
	size_t n = strlen(name);
	if (n + 6 > sizeof cap)
		return 0;
	memcpy(cap, "AUTH=", 5);
	memcpy(cap + 5, name, n + 1);
	return lm_imap_has_cap(c, cap);
}

/* see imap.h */
int
lm_imap_authenticate(lm_imap_client *c, lm_sasl *s, lm_imap_handle *h)
{
	struct ob b;
	lm_sasl_mech m;
	const char *name;
	int r = gate(c, S_NA, 1);
	size_t keep;
	lm_imap_handle t;

	if (r)
		return r;
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	if (!lm_imap__caps_usable(c))
		return LM_ERR_BAD_STATE;
	m = lm_sasl_get_mech(s);
	name = lm_sasl_mech_name(m);
	if (name == NULL)
		return LM_ERR_BAD_PARAM;
	if (!c->tls) {
		if (c->opts.require_tls)
			return LM_ERR_PLAINTEXT;
		if (!c->opts.allow_plaintext_auth &&
		    (lm_sasl_mech_is_plaintext(m) || m == LM_SASL_XOAUTH2 ||
		     m == LM_SASL_OAUTHBEARER))
			return LM_ERR_PLAINTEXT;
	}
	if (!mech_offered(c, name))
		return LM_ERR_NO_MECH;
	ob_start(&b, c, "AUTHENTICATE ", 0);
	ob_s(&b, name);
	keep = b.len;
	if ((lm_imap__caps(c) & (LM_IMAP__CAP_SASLIR | LM_IMAP__CAP_IMAP4REV2)) &&
	    lm_sasl_has_initial(s)) {
		size_t rl = 0, bl = 0;
		r = lm_sasl_step(s, NULL, 0, c->sasl_raw, sizeof c->sasl_raw, &rl);
		if (r < 0) {
			lm_zeroize(c->sasl_raw, sizeof c->sasl_raw);
			return r;
		}
		ob_s(&b, " ");
		keep = b.len;
		if (rl == 0) {
			ob_s(&b, "=");
		} else if (!b.err) {
			if (lm_b64_encode(c->sasl_raw, rl, (char *)b.p + b.len, b.cap - b.len,
			                  &bl) != 0)
				b.err = LM_ERR_BUFFER_TOO_SMALL;
			else
				b.len += bl;
		}
		lm_zeroize(c->sasl_raw, sizeof c->sasl_raw);
		b.redact = keep;
	}
	r = ob_commit(&b, LM_IMAP_CMD_AUTHENTICATE, 0, &t);
	if (r) {
		lm_zeroize(b.p, b.len < b.cap ? b.len : b.cap);
		return r;
	}
	c->wipe_out = 1;
	c->wipe_end = c->io.oend;
	c->lg_sent = 0;               /* until the wipe: lm_imap_send_ack() */
	c->sasl = s;
	c->auth_tag = t;
	if (h)
		*h = t;
	return 0;
}

/* ------------------------------------------------------------------ */
/* mailbox commands                                                    */
/* ------------------------------------------------------------------ */

static int
atom_list_ok(const char *s)
{
	size_t i;
	int any = 0;
	if (s == NULL)
		return 0;
	for (i = 0; s[i]; i++) {
		if (s[i] == ' ')
			continue;
		if (!lm_imap__atom_char((unsigned char)s[i]))
			return 0;
		any = 1;
	}
	return any;
}

/* The ENABLED bits that an ENABLE of exts (an atom_list_ok() list)
 * asks for: the answer counts for these only (QRESYNC implies
 * CONDSTORE, RFC 7162 3.2.3). */
static unsigned
enable_asked(const char *exts)
{
	unsigned m = 0;
	size_t i = 0, k;
	while (exts[i]) {
		if (exts[i] == ' ') {
			i++;
			continue;
		}
		for (k = i; exts[k] && exts[k] != ' '; k++)
			;
		m |= lm_imap__en_bits(exts + i, k - i);
		i = k;
	}
	return m;
}

/* see imap.h */
int
lm_imap_enable(lm_imap_client *c, const char *exts, lm_imap_handle *h)
{
	struct ob b;
	int r = gate(c, S_A, 0);
	if (r)
		return r;
	if (!atom_list_ok(exts))
		return LM_ERR_BAD_PARAM;
	if ((r = need_cap(c, LM_IMAP__CAP_ENABLE | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	ob_start(&b, c, "ENABLE ", 0);
	ob_s(&b, exts);
	if ((r = ob_commit(&b, LM_IMAP_CMD_ENABLE, 0, h)) != 0)
		return r;
	c->q[c->q_count - 1].en = (unsigned char)enable_asked(exts);
	return 0;
}

/* see imap.h */
int
lm_imap_id(lm_imap_client *c, const char *const *kv, lm_imap_handle *h)
{
	struct ob b;
	size_t i;
	int r = gate(c, S_ANY, 0);
	if (r)
		return r;
	ob_start(&b, c, "ID ", 0);
	if (kv == NULL || kv[0] == NULL) {
		ob_s(&b, "NIL");
	} else {
		ob_s(&b, "(");
		for (i = 0; kv[i] != NULL; i += 2) {
			if (i >= 60)
				return LM_ERR_BAD_PARAM;   /* RFC 2971: 30 pairs */
			if (i > 0)
				ob_s(&b, " ");
			ob_cstr(&b, kv[i], 1);
			ob_s(&b, " ");
			if (kv[i + 1] == NULL)
				ob_s(&b, "NIL");
			else
				ob_cstr(&b, kv[i + 1], 1);
			if (kv[i + 1] == NULL)
				break;
		}
		ob_s(&b, ")");
	}
	return ob_commit(&b, LM_IMAP_CMD_ID, 0, h);
}

/* see internal.h */
void
lm_imap__mbx_reset(lm_imap_client *c, int examine)
{
	memset(&c->mbx, 0, sizeof c->mbx);
	c->flags_len = c->pflags_len = 0;
	c->mbx.name.p = c->mname;
	c->mbx.name.len = c->mname_len;
	c->mbx.flags.p = c->flags;
	c->mbx.permanent_flags.p = c->pflags;
	c->mbx.read_only = examine;
}

static int
select_cmd(lm_imap_client *c, const char *mailbox, const lm_imap_select_opts *o,
           int examine, lm_imap_handle *h)
{
	struct ob b;
	lm_imap_handle t;
	size_t n;
	int r = gate(c, S_A | S_S, 0);
	if (r)
		return r;
	if (mailbox == NULL)
		return LM_ERR_BAD_PARAM;
	if (o != NULL && o->version != LM_IMAP_SELECT_OPTS_VERSION)
		return LM_ERR_BAD_PARAM;
	if (c->sel_tag)
		return LM_ERR_BAD_STATE;     /* one SELECT at a time */
	ob_start(&b, c, examine ? "EXAMINE " : "SELECT ", 0);
	ob_mailbox(&b, mailbox, 0);
	if (o != NULL && o->qr_uidvalidity) {
		if (!(c->enabled & LM_IMAP__EN_QRESYNC))
			return LM_ERR_UNSUPPORTED;
		ob_s(&b, " (QRESYNC (");
		ob_num(&b, o->qr_uidvalidity);
		ob_s(&b, " ");
		ob_num(&b, o->qr_modseq);
		if (o->qr_known_uids) {
			ob_s(&b, " ");
			ob_set(&b, o->qr_known_uids);
		}
		ob_s(&b, "))");
	} else if (o != NULL && o->condstore) {
		if ((r = need_cap(c, LM_IMAP__CAP_CONDSTORE)) != 0)
			return r;
		ob_s(&b, " (CONDSTORE)");
	}
	r = ob_commit(&b, examine ? LM_IMAP_CMD_EXAMINE : LM_IMAP_CMD_SELECT, 0, &t);
	if (r)
		return r;
	c->sel_tag = t;
	n = strlen(mailbox);
	if (n > sizeof c->mname)
		n = sizeof c->mname;
	memcpy(c->mname, mailbox, n);
	c->mname_len = n;
	lm_imap__mbx_reset(c, examine);
	if (c->state == LM_IMAP_STATE_SELECTED)
		c->state = LM_IMAP_STATE_AUTH;   /* RFC 3501 6.3.1 */
	if (h)
		*h = t;
	return 0;
}

/* see imap.h */
int
lm_imap_select(lm_imap_client *c, const char *mailbox, const lm_imap_select_opts *o,
               lm_imap_handle *h)
{
	return select_cmd(c, mailbox, o, 0, h);
}

/* see imap.h */
int
lm_imap_examine(lm_imap_client *c, const char *mailbox, const lm_imap_select_opts *o,
                lm_imap_handle *h)
{
	return select_cmd(c, mailbox, o, 1, h);
}

static int
mbox_cmd(lm_imap_client *c, int cmd, const char *verb, const char *mailbox,
         unsigned long capneed, lm_imap_handle *h)
{
	struct ob b;
	int r = gate(c, S_A | S_S, 0);
	if (r)
		return r;
	if (capneed && (r = need_cap(c, capneed)) != 0)
		return r;
	ob_start(&b, c, verb, 0);
	ob_mailbox(&b, mailbox, cmd == LM_IMAP_CMD_GETQUOTAROOT);
	return ob_commit(&b, cmd, 0, h);
}

/* see imap.h */
int
lm_imap_create(lm_imap_client *c, const char *mailbox, lm_imap_handle *h)
{
	return mbox_cmd(c, LM_IMAP_CMD_CREATE, "CREATE ", mailbox, 0, h);
}

/* see imap.h */
int
lm_imap_delete(lm_imap_client *c, const char *mailbox, lm_imap_handle *h)
{
	return mbox_cmd(c, LM_IMAP_CMD_DELETE, "DELETE ", mailbox, 0, h);
}

/* see imap.h */
int
lm_imap_subscribe(lm_imap_client *c, const char *mailbox, lm_imap_handle *h)
{
	return mbox_cmd(c, LM_IMAP_CMD_SUBSCRIBE, "SUBSCRIBE ", mailbox, 0, h);
}

/* see imap.h */
int
lm_imap_unsubscribe(lm_imap_client *c, const char *mailbox, lm_imap_handle *h)
{
	return mbox_cmd(c, LM_IMAP_CMD_UNSUBSCRIBE, "UNSUBSCRIBE ", mailbox, 0, h);
}

/* see imap.h */
int
lm_imap_getquotaroot(lm_imap_client *c, const char *mailbox, lm_imap_handle *h)
{
	return mbox_cmd(c, LM_IMAP_CMD_GETQUOTAROOT, "GETQUOTAROOT ", mailbox,
	                LM_IMAP__CAP_QUOTA, h);
}

/* see imap.h */
int
lm_imap_getquota(lm_imap_client *c, const char *root, lm_imap_handle *h)
{
	struct ob b;
	int r = gate(c, S_A | S_S, 0);
	if (r)
		return r;
	if ((r = need_cap(c, LM_IMAP__CAP_QUOTA)) != 0)
		return r;
	if (root == NULL)
		return LM_ERR_BAD_PARAM;
	ob_start(&b, c, "GETQUOTA ", 0);
	ob_cstr(&b, root, 1);
	return ob_commit(&b, LM_IMAP_CMD_GETQUOTA, 0, h);
}

/* see imap.h */
int
lm_imap_rename(lm_imap_client *c, const char *from, const char *to, lm_imap_handle *h)
{
	struct ob b;
	int r = gate(c, S_A | S_S, 0);
	if (r)
		return r;
	ob_start(&b, c, "RENAME ", 0);
	ob_mailbox(&b, from, 0);
	ob_s(&b, " ");
	ob_mailbox(&b, to, 0);
	return ob_commit(&b, LM_IMAP_CMD_RENAME, 0, h);
}

static void
ob_status_items(struct ob *b, unsigned items)
{
	static const struct {
		unsigned bit;
		const char *name;
	} t[] = {
		{ LM_IMAP_ST_MESSAGES, "MESSAGES" }, { LM_IMAP_ST_RECENT, "RECENT" },
		{ LM_IMAP_ST_UIDNEXT, "UIDNEXT" }, { LM_IMAP_ST_UIDVALIDITY, "UIDVALIDITY" },
		{ LM_IMAP_ST_UNSEEN, "UNSEEN" }, { LM_IMAP_ST_DELETED, "DELETED" },
		{ LM_IMAP_ST_SIZE, "SIZE" }, { LM_IMAP_ST_HIGHESTMODSEQ, "HIGHESTMODSEQ" }
	};
	size_t i;
	int first = 1;
	ob_s(b, "(");
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (items & t[i].bit) {
			if (!first)
				ob_s(b, " ");
			ob_s(b, t[i].name);
			first = 0;
		}
	ob_s(b, ")");
}

/* see imap.h */
int
lm_imap_status(lm_imap_client *c, const char *mailbox, unsigned items,
               lm_imap_handle *h)
{
	struct ob b;
	int r = gate(c, S_A | S_S, 0);
	if (r)
		return r;
	items &= 0xffu;
	if (items == 0)
		return LM_ERR_BAD_PARAM;
	if ((items & LM_IMAP_ST_HIGHESTMODSEQ) &&
	    (r = need_cap(c, LM_IMAP__CAP_CONDSTORE)) != 0)
		return r;
	ob_start(&b, c, "STATUS ", 0);
	ob_mailbox(&b, mailbox, 0);
	ob_s(&b, " ");
	ob_status_items(&b, items);
	return ob_commit(&b, LM_IMAP_CMD_STATUS, 0, h);
}

/* see imap.h */
int
lm_imap_list(lm_imap_client *c, const char *ref, const char *pattern,
             const lm_imap_list_opts *o, lm_imap_handle *h)
{
	struct ob b;
	int r = gate(c, S_A | S_S, 0);
	unsigned sel = 0, ret = 0, st = 0;

	if (r)
		return r;
	if (ref == NULL || pattern == NULL)
		return LM_ERR_BAD_PARAM;
	if (o != NULL) {
		if (o->version != LM_IMAP_LIST_OPTS_VERSION)
			return LM_ERR_BAD_PARAM;
		sel = o->sel;
		ret = o->ret;
		st = o->status & 0xffu;
	}
	if ((sel || (ret & ~LM_IMAP_LIST_RET_SPECIAL_USE)) &&
	    (r = need_cap(c, LM_IMAP__CAP_LISTEXTENDED | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	if (((ret & LM_IMAP_LIST_RET_SPECIAL_USE) || (sel & LM_IMAP_LIST_SEL_SPECIAL_USE)) &&
	    (r = need_cap(c, LM_IMAP__CAP_SPECIALUSE)) != 0)
		return r;
	if (st && (r = need_cap(c, LM_IMAP__CAP_LISTSTATUS | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	ob_start(&b, c, "LIST ", 0);
	if (sel) {
		int first = 1;
		ob_s(&b, "(");
		if (sel & LM_IMAP_LIST_SEL_SUBSCRIBED) { ob_s(&b, "SUBSCRIBED"); first = 0; }
		if (sel & LM_IMAP_LIST_SEL_REMOTE) { ob_s(&b, first ? "REMOTE" : " REMOTE"); first = 0; }
		if (sel & LM_IMAP_LIST_SEL_RECURSIVEMATCH) { ob_s(&b, first ? "RECURSIVEMATCH" : " RECURSIVEMATCH"); first = 0; }
		if (sel & LM_IMAP_LIST_SEL_SPECIAL_USE) { ob_s(&b, first ? "SPECIAL-USE" : " SPECIAL-USE"); first = 0; }
		ob_s(&b, ") ");
	}
	ob_pattern(&b, ref);
	ob_s(&b, " ");
	ob_pattern(&b, pattern);
	if (ret || st) {
		int first = 1;
		ob_s(&b, " RETURN (");
		if (ret & LM_IMAP_LIST_RET_SUBSCRIBED) { ob_s(&b, "SUBSCRIBED"); first = 0; }
		if (ret & LM_IMAP_LIST_RET_CHILDREN) { ob_s(&b, first ? "CHILDREN" : " CHILDREN"); first = 0; }
		if (ret & LM_IMAP_LIST_RET_SPECIAL_USE) { ob_s(&b, first ? "SPECIAL-USE" : " SPECIAL-USE"); first = 0; }
		if (st) {
			ob_s(&b, first ? "STATUS " : " STATUS ");
			ob_status_items(&b, st);
		}
		ob_s(&b, ")");
	}
	return ob_commit(&b, LM_IMAP_CMD_LIST, 0, h);
}

/* see imap.h */
int
lm_imap_lsub(lm_imap_client *c, const char *ref, const char *pattern,
             lm_imap_handle *h)
{
	struct ob b;
	int r = gate(c, S_A | S_S, 0);
	if (r)
		return r;
	ob_start(&b, c, "LSUB ", 0);
	ob_pattern(&b, ref);
	ob_s(&b, " ");
	ob_pattern(&b, pattern);
	return ob_commit(&b, LM_IMAP_CMD_LSUB, 0, h);
}

static int
date_time_ok(const char *d)
{
	size_t i, n = strlen(d);
	if (n < 20 || n > 40)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)d[i] < 0x20 || (unsigned char)d[i] >= 0x7f ||
		    d[i] == '"' || d[i] == '\\')
			return 0;
	return 1;
}

/* see imap.h */
int
lm_imap_append(lm_imap_client *c, const char *mailbox, const char *flags,
               const char *date, uint64_t size, lm_read_fn rd, void *ud,
               lm_imap_handle *h)
{
	struct ob b;
	lm_imap_handle t;
	int lit, r = gate(c, S_A | S_S, 0);

	if (r)
		return r;
	if (rd == NULL || mailbox == NULL || size > 0xffffffffu)
		return LM_ERR_BAD_PARAM;
	if (date != NULL && !date_time_ok(date))
		return LM_ERR_BAD_PARAM;
	ob_start(&b, c, "APPEND ", 0);
	ob_mailbox(&b, mailbox, 0);
	if (flags != NULL) {
		ob_s(&b, " ");
		ob_flags(&b, flags);
	}
	if (date != NULL) {
		ob_s(&b, " \"");
		ob_s(&b, date);
		ob_s(&b, "\"");
	}
	lit = nonsync_ok(c, (size_t)size);
	ob_s(&b, " {");
	ob_num(&b, size);
	ob_s(&b, lit ? "+}" : "}");
	r = ob_commit(&b, LM_IMAP_CMD_APPEND, 0, &t);
	if (r)
		return r;
	c->app_rd = rd;
	c->app_ud = ud;
	c->app_left = size;
	c->app_tag = t;
	c->app_state = lit ? LM_IMAP__APP_BODY : LM_IMAP__APP_WAIT;
	if (h)
		*h = t;
	return 0;
}

/* see imap.h */
int
lm_imap_uid_expunge(lm_imap_client *c, const char *uids, lm_imap_handle *h)
{
	struct ob b;
	int r = gate(c, S_SEL, 0);
	if (r)
		return r;
	if ((r = need_cap(c, LM_IMAP__CAP_UIDPLUS | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	ob_start(&b, c, "EXPUNGE ", 1);
	ob_set(&b, uids);
	return ob_commit(&b, LM_IMAP_CMD_UID_EXPUNGE, LM_IMAP__QF_UID, h);
}

/* ------------------------------------------------------------------ */
/* SEARCH                                                              */
/* ------------------------------------------------------------------ */

/* The criteria builder (lm_imap_sb_*) and its tokens: search.c. */

/* see imap.h */
int
lm_imap_search(lm_imap_client *c, int uid, const lm_imap_sb *s, unsigned ret,
               lm_imap_handle *h)
{
	struct ob b;
	size_t i;
	int r = gate(c, S_SEL, 0);
	unsigned char last = 0;

	if (r)
		return r;
	if (s != NULL) {
		if (s->err)
			return s->err;
		if (s->depth != 0)
			return LM_ERR_BAD_STATE;
	}
	if (ret && (r = need_cap(c, LM_IMAP__CAP_ESEARCH | LM_IMAP__CAP_IMAP4REV2)) != 0)
		return r;
	ob_start(&b, c, "SEARCH", uid);
	if (ret) {
		int first = 1;
		ob_s(&b, " RETURN (");
		if (ret & LM_IMAP_ESEARCH_MIN) { ob_s(&b, "MIN"); first = 0; }
		if (ret & LM_IMAP_ESEARCH_MAX) { ob_s(&b, first ? "MAX" : " MAX"); first = 0; }
		if (ret & LM_IMAP_ESEARCH_COUNT) { ob_s(&b, first ? "COUNT" : " COUNT"); first = 0; }
		if (ret & LM_IMAP_ESEARCH_ALL) { ob_s(&b, first ? "ALL" : " ALL"); first = 0; }
		if (ret & LM_IMAP_ESEARCH_SAVE) { ob_s(&b, first ? "SAVE" : " SAVE"); first = 0; }
		ob_s(&b, ")");
	}
	if (s != NULL && s->utf8 && !utf8_on(c))
		ob_s(&b, " CHARSET UTF-8");
	if (s == NULL || s->len == 0) {
		ob_s(&b, " ALL");
	} else {
		for (i = 0; i < s->len;) {
			unsigned char t = s->buf[i];
			const char *v = (const char *)s->buf + i + 1;
			size_t n = strlen(v);
			if (t != ')' && last != '(')
				ob_s(&b, " ");
			switch (t) {
			case 'A': ob_raw(&b, v, n); break;
			case 'S': ob_str(&b, v, n, 1); break;
			case 'N': ob_s(&b, "NOT"); break;
			case 'O': ob_s(&b, "OR"); break;
			case '(': ob_s(&b, "("); break;
			case ')': ob_s(&b, ")"); break;
			default: return LM_ERR_BAD_PARAM;
			}
			last = t;
			i += n + 2;
		}
		if (last == 'N' || last == 'O')
			return LM_ERR_BAD_STATE;
	}
	return ob_commit(&b, LM_IMAP_CMD_SEARCH, uid ? LM_IMAP__QF_UID : 0, h);
}

/* ------------------------------------------------------------------ */
/* FETCH, STORE, COPY, MOVE                                            */
/* ------------------------------------------------------------------ */

static int
part_ok(const char *p)
{
	size_t i;
	if (p == NULL)
		return 1;
	for (i = 0; p[i]; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] == '.' && i > 0 && p[i - 1] != '.')))
			return 0;
	return i == 0 || p[i - 1] != '.';
}

static void
ob_section(struct ob *b, const lm_imap_section *s)
{
	int has_part = s->part && s->part[0];
	int has_text = s->text && s->text[0];
	size_t k;

	if (!part_ok(s->part)) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	if (has_text && !lm_core__ieqz((const unsigned char *)s->text, strlen(s->text), "HEADER") &&
	    !lm_core__ieqz((const unsigned char *)s->text, strlen(s->text), "TEXT") &&
	    !lm_core__ieqz((const unsigned char *)s->text, strlen(s->text), "MIME") &&
	    !lm_core__ieqz((const unsigned char *)s->text, strlen(s->text), "HEADER.FIELDS") &&
	    !lm_core__ieqz((const unsigned char *)s->text, strlen(s->text), "HEADER.FIELDS.NOT")) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	/* section-binary (RFC 3516) is part numbers only, for both forms */
	if ((s->binary || s->binary_size) && has_text) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	if (s->binary || s->binary_size) {
		int r = need_cap(b->c, LM_IMAP__CAP_BINARY);
		if (r) {
			b->err = r;
			return;
		}
	}
	if (s->binary_size)
		ob_s(b, "BINARY.SIZE[");
	else if (s->binary)
		ob_s(b, s->peek ? "BINARY.PEEK[" : "BINARY[");
	else
		ob_s(b, s->peek ? "BODY.PEEK[" : "BODY[");
	if (has_part)
		ob_s(b, s->part);
	if (has_text) {
		if (has_part)
			ob_s(b, ".");
		ob_s(b, s->text);
		if (strlen(s->text) > 7) {      /* HEADER.FIELDS[.NOT] */
			if (s->fields == NULL || s->nfields == 0) {
				b->err = LM_ERR_BAD_PARAM;
				return;
			}
			ob_s(b, " (");
			for (k = 0; k < s->nfields; k++) {
				if (k)
					ob_s(b, " ");
				if (!atom_list_ok(s->fields[k]) || strchr(s->fields[k], ' ')) {
					b->err = LM_ERR_BAD_PARAM;
					return;
				}
				ob_s(b, s->fields[k]);
			}
			ob_s(b, ")");
		}
	}
	ob_s(b, "]");
	if (s->partial && !s->binary_size) {
		ob_s(b, "<");
		ob_num(b, s->start);
		ob_s(b, ".");
		ob_num(b, s->len);
		ob_s(b, ">");
	}
}

/* see imap.h */
int
lm_imap_fetch(lm_imap_client *c, int uid, const char *set,
              const lm_imap_fetch_opts *f, lm_imap_handle *h)
{
#define FI(bit, s, cap) { bit, " " s, sizeof s, cap }
	/* each name with its leading space and length */
	static const struct {
		unsigned bit;
		const char *name;
		size_t len;
		unsigned long cap;
	} t[] = {
		FI(LM_IMAP_F_UID, "UID", 0), FI(LM_IMAP_F_FLAGS, "FLAGS", 0),
		FI(LM_IMAP_F_INTERNALDATE, "INTERNALDATE", 0),
		FI(LM_IMAP_F_RFC822_SIZE, "RFC822.SIZE", 0),
		FI(LM_IMAP_F_ENVELOPE, "ENVELOPE", 0),
		FI(LM_IMAP_F_BODYSTRUCTURE, "BODYSTRUCTURE", 0),
		FI(LM_IMAP_F_BODY, "BODY", 0),
		FI(LM_IMAP_F_MODSEQ, "MODSEQ", LM_IMAP__CAP_CONDSTORE),
		FI(LM_IMAP_F_EMAILID, "EMAILID", LM_IMAP__CAP_OBJECTID),
		FI(LM_IMAP_F_THREADID, "THREADID", LM_IMAP__CAP_OBJECTID),
		FI(LM_IMAP_F_SAVEDATE, "SAVEDATE", LM_IMAP__CAP_SAVEDATE)
	};
#undef FI
	struct ob b;
	size_t i;
	int first = 1, r = gate(c, S_SEL, 0);

	if (r)
		return r;
	if (f == NULL || f->version != LM_IMAP_FETCH_OPTS_VERSION ||
	    (f->items == 0 && f->nsections == 0) || (f->nsections && !f->sections))
		return LM_ERR_BAD_PARAM;
	if (f->changedsince && (r = need_cap(c, LM_IMAP__CAP_CONDSTORE)) != 0)
		return r;
	if (f->vanished && (!uid || !f->changedsince || !(c->enabled & LM_IMAP__EN_QRESYNC)))
		return f->vanished && !(c->enabled & LM_IMAP__EN_QRESYNC) ?
		       LM_ERR_UNSUPPORTED : LM_ERR_BAD_PARAM;
	ob_start(&b, c, "FETCH ", uid);
	ob_set(&b, set);
	ob_s(&b, " (");
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (f->items & t[i].bit) {
			if (t[i].cap && (r = need_cap(c, t[i].cap)) != 0)
				return r;
			if (first)
				ob_raw(&b, t[i].name + 1, t[i].len - 1);
			else
				ob_raw(&b, t[i].name, t[i].len);
			first = 0;
		}
	for (i = 0; i < f->nsections; i++) {
		if (!first)
			ob_s(&b, " ");
		ob_section(&b, &f->sections[i]);
		first = 0;
	}
	ob_s(&b, ")");
	if (f->changedsince) {
		ob_s(&b, " (CHANGEDSINCE ");
		ob_num(&b, f->changedsince);
		if (f->vanished)
			ob_s(&b, " VANISHED");
		ob_s(&b, ")");
	}
	return ob_commit(&b, LM_IMAP_CMD_FETCH, uid ? LM_IMAP__QF_UID : 0, h);
}

static int
store_build(lm_imap_client *c, int uid, const char *set, lm_imap_store_op op,
            int silent, const char *flags, uint64_t unchangedsince, unsigned qf,
            lm_imap_handle *h)
{
	struct ob b;
	int r;
	if ((unsigned)op > LM_IMAP_STORE_REMOVE || flags == NULL)
		return LM_ERR_BAD_PARAM;
	if (op != LM_IMAP_STORE_SET && strspn(flags, " ") == strlen(flags))
		return LM_ERR_BAD_PARAM;
	if (unchangedsince && (r = need_cap(c, LM_IMAP__CAP_CONDSTORE)) != 0)
		return r;
	ob_start(&b, c, "STORE ", uid);
	ob_set(&b, set);
	if (unchangedsince) {
		ob_s(&b, " (UNCHANGEDSINCE ");
		ob_num(&b, unchangedsince);
		ob_s(&b, ")");
	}
	ob_s(&b, op == LM_IMAP_STORE_ADD ? " +FLAGS" : op == LM_IMAP_STORE_REMOVE ?
	     " -FLAGS" : " FLAGS");
	if (silent)
		ob_s(&b, ".SILENT");
	ob_s(&b, " ");
	ob_flags(&b, flags);
	return ob_commit(&b, LM_IMAP_CMD_STORE, qf | (uid ? LM_IMAP__QF_UID : 0), h);
}

/* see imap.h */
int
lm_imap_store(lm_imap_client *c, int uid, const char *set, lm_imap_store_op op,
              int silent, const char *flags, uint64_t unchangedsince,
              lm_imap_handle *h)
{
	int r = gate(c, S_SEL, 0);
	if (r)
		return r;
	return store_build(c, uid, set, op, silent, flags, unchangedsince, 0, h);
}

static int
copy_build(lm_imap_client *c, int cmd, const char *verb, int uid, const char *set,
           const char *mailbox, unsigned qf, lm_imap_handle *h)
{
	struct ob b;
	ob_start(&b, c, verb, uid);
	ob_set(&b, set);
	ob_s(&b, " ");
	ob_mailbox(&b, mailbox, 0);
	return ob_commit(&b, cmd, qf | (uid ? LM_IMAP__QF_UID : 0), h);
}

/* see imap.h */
int
lm_imap_copy(lm_imap_client *c, int uid, const char *set, const char *mailbox,
             lm_imap_handle *h)
{
	int r = gate(c, S_SEL, 0);
	if (r)
		return r;
	return copy_build(c, LM_IMAP_CMD_COPY, "COPY ", uid, set, mailbox, 0, h);
}

/* see imap.h */
int
lm_imap_move(lm_imap_client *c, int uid, const char *set, const char *mailbox,
             lm_imap_handle *h)
{
	lm_imap_handle t;
	size_t n;
	int r = gate(c, S_SEL, 0);
	if (r)
		return r;
	/* unknown capabilities: neither MOVE nor the fallback is known right */
	r = need_cap(c, LM_IMAP__CAP_MOVE | LM_IMAP__CAP_IMAP4REV2);
	if (r == 0)
		return copy_build(c, LM_IMAP_CMD_MOVE, "MOVE ", uid, set, mailbox, 0, h);
	if (r != LM_ERR_UNSUPPORTED)
		return r;
	if (set == NULL || (n = strlen(set)) >= sizeof c->mv_set)
		return LM_ERR_BAD_PARAM;
	r = copy_build(c, LM_IMAP_CMD_COPY, "COPY ", uid, set, mailbox,
	               LM_IMAP__QF_CHAIN, &t);
	if (r)
		return r;
	memcpy(c->mv_set, set, n + 1);
	c->mv_set_len = n;
	c->mv_uid = uid;
	c->mv_tag = t;
	c->mv_step = 1;
	c->mv_cu_num = 0;
	c->mv_exp = c->mbx.expunged + c->mbx.vanished;
	if (h)
		*h = t;
	return 0;
}

/* see internal.h */
int
lm_imap__move_next(lm_imap_client *c, lm_imap_handle tag)
{
	int r;
	(void)tag;
	if (c->mv_step == 1) {
		r = store_build(c, c->mv_uid, c->mv_set, LM_IMAP_STORE_ADD, 1, "\\Deleted",
		                0, LM_IMAP__QF_CHAIN, NULL);
		if (r < 0)
			return lm_imap__fail(c, r);
		c->mv_step = 2;
		return 1;
	}
	if (c->mv_step == 2) {
		struct ob b;
		if (c->mv_uid && (lm_imap__caps(c) & LM_IMAP__CAP_UIDPLUS)) {
			ob_start(&b, c, "EXPUNGE ", 1);
			ob_set(&b, c->mv_set);
			r = ob_commit(&b, LM_IMAP_CMD_UID_EXPUNGE,
			              LM_IMAP__QF_CHAIN | LM_IMAP__QF_UID, NULL);
		} else {
			ob_start(&b, c, "EXPUNGE", 0);
			r = ob_commit(&b, LM_IMAP_CMD_EXPUNGE, LM_IMAP__QF_CHAIN, NULL);
		}
		if (r < 0)
			return lm_imap__fail(c, r);
		c->mv_step = 3;
		return 1;
	}
	return 0;
}
