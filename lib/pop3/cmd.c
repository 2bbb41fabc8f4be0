/*
 * libmail - POP3 client engine: the commands (lm_pop3_capa() ..
 * lm_pop3_utf8()), with the checks of their arguments. Replies and the
 * session state are in pop3.c.
 */
#include <string.h>

#include "libmail/pop3.h"
#include "libmail/core.h"
#include "../core/caps.h"
#include "../core/io.h"
#include "../sasl/proto.h"
#include "internal.h"

#define CMD_LINE_MAX 255   /* RFC 2449 4: commands up to 255 octets  */
/* "APOP " user " " digest CRLF within CMD_LINE_MAX */
#define APOP_USER_MAX (CMD_LINE_MAX - 6 - 32 - 2)

/* ------------------------------------------------------------------ */
/* commands                                                            */
/* ------------------------------------------------------------------ */

/* May cmd be queued now? Checks the sticky error, the phase, the
 * pipelining rules and the queue bound. */
static int
gate(lm_pop3_client *c, int cmd)
{
	if (c->err)
		return c->err;
	switch (c->phase) {
	case LM_POP3__PH_REFUSED:
		if (cmd != LM_POP3_CMD_QUIT)
			return LM_ERR_BAD_STATE;
		break;
	case LM_POP3__PH_AUTH:
		switch (cmd) {
		case LM_POP3_CMD_CAPA: case LM_POP3_CMD_STLS:
		case LM_POP3_CMD_AUTH: case LM_POP3_CMD_USER:
		case LM_POP3_CMD_APOP: case LM_POP3_CMD_QUIT:
		case LM_POP3_CMD_UTF8:
			break;
		default:
			return LM_ERR_BAD_STATE;
		}
		break;
	case LM_POP3__PH_TRANS:
		switch (cmd) {
		case LM_POP3_CMD_STLS: case LM_POP3_CMD_AUTH:
		case LM_POP3_CMD_USER: case LM_POP3_CMD_APOP:
		case LM_POP3_CMD_UTF8:
			return LM_ERR_BAD_STATE;
		default:
			break;
		}
		break;
	default:
		return LM_ERR_BAD_STATE;
	}
	if (c->q_count > 0) {
		if (!lm_pop3__pipelining(c) || c->q_block || lm_pop3__state_changing(cmd))
			return LM_ERR_BAD_STATE;
		if (c->q_count >= LM_POP3_PIPELINE_MAX)
			return LM_ERR_LIMIT;
	}
	return 0;
}

/* Decimal digits of v into out (no NUL); returns the length. */
static size_t
fmt_ulong(char *out, unsigned long v)
{
	char tmp[24];
	size_t i = sizeof tmp, n;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = sizeof tmp - i;
	memcpy(out, tmp + i, n);
	return n;
}

/* see pop3.h */
int
lm_pop3_capa(lm_pop3_client *c)
{
	int r;
	if (c == NULL || c->io.obuf == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_POP3_CMD_CAPA);
	if (r)
		return r;
	return lm_pop3__queue_line(c, LM_POP3_CMD_CAPA, 0, "CAPA", 4, -1);
}

/* see pop3.h */
int
lm_pop3_stls(lm_pop3_client *c)
{
	int r;
	if (c == NULL || c->io.obuf == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_POP3_CMD_STLS);
	if (r)
		return r;
	if (c->tls || c->phase != LM_POP3__PH_AUTH)
		return LM_ERR_BAD_STATE;
	if (!lm_pop3__caps_find(c, "STLS", NULL))
		return LM_ERR_NO_STARTTLS;
	/* Bytes already received came before STLS was sent: a reply to
	 * nothing, which would be taken for the answer to STLS. */
	if (c->io.ipos < c->io.iend)
		return lm_pop3__fail(c, LM_ERR_PROTOCOL);
	return lm_pop3__queue_line(c, LM_POP3_CMD_STLS, 0, "STLS", 4, -1);
}

/* see pop3.h */
int
lm_pop3_tls_done(lm_pop3_client *c)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->err)
		return c->err;
	if (c->phase != LM_POP3__PH_TLS_WAIT)
		return LM_ERR_BAD_STATE;
	c->io.ipos = c->io.iend = 0;
	c->tls = 1;
	lm_pop3__caps_clear(c);   /* RFC 2595 4: forget what was learned before */
	c->phase = LM_POP3__PH_AUTH;
	return 0;
}

/* see pop3.h */
int
lm_pop3_tls_active(const lm_pop3_client *c)
{
	return c != NULL && c->tls;
}

/* see pop3.h */
int
lm_pop3_set_tls_active(lm_pop3_client *c)
{
	if (c == NULL)
		return LM_ERR_BAD_PARAM;
	if (c->phase != LM_POP3__PH_GREET || c->io.iend > 0 || c->err)
		return LM_ERR_BAD_STATE;
	c->tls = 1;
	return 0;
}

/* see pop3.h */
int
lm_pop3_auth(lm_pop3_client *c, lm_sasl *s)
{
	const char *name;
	lm_slice list;
	size_t nl, rl = 0, el, room, need;
	int r, mech, initial, ir_on_line = 0;

	if (c == NULL || s == NULL || c->io.obuf == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_POP3_CMD_AUTH);
	if (r)
		return r;
	if (c->phase != LM_POP3__PH_AUTH)
		return LM_ERR_BAD_STATE;
	mech = lm_sasl_get_mech(s);
	name = lm_sasl_mech_name((lm_sasl_mech)mech);
	if (name == NULL)
		return LM_ERR_BAD_PARAM;
	if (!c->tls && (c->opts.require_tls ||
	                (lm_sasl__reveals_secret((lm_sasl_mech)mech) &&
	                 !c->opts.allow_plaintext_auth)))
		return LM_ERR_PLAINTEXT;
	if (!lm_pop3__caps_find(c, "SASL", &list))
		return LM_ERR_UNSUPPORTED;
	if (!lm_core__caps_listed(list, name))
		return LM_ERR_NO_MECH;

	nl = strlen(name);
	room = lm_pop3__out_room(c);
	if (room < 5 + nl + 2)
		return LM_ERR_BUFFER_TOO_SMALL;
	initial = lm_sasl_has_initial(s);
	if (initial) {
		r = lm_sasl_step(s, NULL, 0, c->sasl_raw, sizeof c->sasl_raw, &rl);
		if (r < 0)
			return r;
		/* RFC 5034 4: the initial response goes on the AUTH line
		 * only if the line stays within 255 octets (CRLF included);
		 * "=" stands for an empty one. */
		need = lm_sasl__auth_line_len(nl, 1, rl) + 2;
		if (need <= CMD_LINE_MAX) {
			ir_on_line = 1;
			if (need > room) {
				lm_zeroize(c->sasl_raw, rl);
				return LM_ERR_BUFFER_TOO_SMALL;
			}
		} else if (lm_b64_encoded_len(rl) + 2 > c->io.olen) {
			lm_zeroize(c->sasl_raw, rl);
			return LM_ERR_BUFFER_TOO_SMALL;
		}
	}
	el = lm_sasl__auth_line(c->io.obuf + c->io.oend, name, nl,
	                        ir_on_line ? c->sasl_raw : NULL, rl);
	if (ir_on_line) {
		lm_zeroize(c->sasl_raw, rl);
		lm_trace_emit_redacted(c->opts.trace, c->opts.trace_ud, 'C',
		                       c->io.obuf + c->io.oend, el, 5 + nl + 1);
	} else {
		lm_pop3__trace(c, 'C', c->io.obuf + c->io.oend, el);
		if (initial) {
			c->ir_pending = 1;
			c->ir_len = rl;   /* kept in sasl_raw */
		}
	}
	c->io.obuf[c->io.oend + el] = '\r';
	c->io.obuf[c->io.oend + el + 1] = '\n';
	c->io.oend += el + 2;
	lm_pop3__q_push(c, LM_POP3_CMD_AUTH, 0);
	c->wipe_out = 1;
	c->sasl = s;
	c->auth_fail = 0;
	return 0;
}

/* A USER name (max LM_POP3__ARG_MAX) or APOP name (max APOP_USER_MAX):
 * 1..max bytes, no space, no control byte (UTF-8 bytes allowed for
 * RFC 6856). */
static int
check_name(const char *s, size_t max)
{
	size_t i;
	for (i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch == 0x7F || i >= max)
			return LM_ERR_BAD_PARAM;
	}
	return i == 0 ? LM_ERR_BAD_PARAM : 0;
}

/* A PASS argument: 1..LM_POP3__ARG_MAX bytes, no control byte (CR, LF, ...).
 * Spaces are allowed: RFC 1939 7 lets the one PASS argument hold them. */
static int
check_pass(const char *s, size_t *len)
{
	size_t i;
	for (i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7F || i >= LM_POP3__ARG_MAX)
			return LM_ERR_BAD_PARAM;
	}
	*len = i;
	return i == 0 ? LM_ERR_BAD_PARAM : 0;
}

/* see pop3.h */
int
lm_pop3_user_pass(lm_pop3_client *c, const char *user, const char *pass)
{
	char line[5 + LM_POP3__ARG_MAX];
	size_t ul, pl = 0;
	int r;

	if (c == NULL || user == NULL || pass == NULL || c->io.obuf == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_POP3_CMD_USER);
	if (r)
		return r;
	if (c->phase != LM_POP3__PH_AUTH)
		return LM_ERR_BAD_STATE;
	if (check_name(user, LM_POP3__ARG_MAX) < 0 || check_pass(pass, &pl) < 0)
		return LM_ERR_BAD_PARAM;
	if (!c->tls && (c->opts.require_tls || !c->opts.allow_plaintext_auth))
		return LM_ERR_PLAINTEXT;
	ul = strlen(user);
	memcpy(line, "USER ", 5);
	memcpy(line + 5, user, ul);
	r = lm_pop3__queue_line(c, LM_POP3_CMD_USER, 0, line, 5 + ul, -1);
	if (r)
		return r;
	memcpy(c->sasl_raw, pass, pl);
	c->pass_len = pl;
	return 0;
}

/* see pop3.h */
int
lm_pop3_apop(lm_pop3_client *c, const char *user, const char *pass)
{
	char line[6 + APOP_USER_MAX + 32];
	char dg[33];
	size_t ul;
	int r;

	if (c == NULL || user == NULL || pass == NULL || c->io.obuf == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_POP3_CMD_APOP);
	if (r)
		return r;
	if (c->phase != LM_POP3__PH_AUTH)
		return LM_ERR_BAD_STATE;
	if (check_name(user, APOP_USER_MAX) < 0)
		return LM_ERR_BAD_PARAM;
	if (c->ts_len == 0)
		return LM_ERR_UNSUPPORTED;
	if (!c->tls && c->opts.require_tls)
		return LM_ERR_PLAINTEXT;
	r = lm_sasl_apop_digest(c->ts, c->ts_len, pass, dg);
	if (r < 0)
		return r;
	ul = strlen(user);
	memcpy(line, "APOP ", 5);
	memcpy(line + 5, user, ul);
	line[5 + ul] = ' ';
	memcpy(line + 6 + ul, dg, 32);
	r = lm_pop3__queue_line(c, LM_POP3_CMD_APOP, 0, line, 6 + ul + 32, (long)(6 + ul));
	lm_zeroize(dg, sizeof dg);
	lm_zeroize(line, sizeof line);
	return r;
}

/* Commands of the TRANSACTION state with 0, 1 or 2 numeric arguments. */
static int
simple_cmd(lm_pop3_client *c, int cmd, const char *verb, int nargs,
           unsigned long a1, unsigned long a2)
{
	char line[64];
	size_t n;
	int r;

	if (c == NULL || c->io.obuf == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, cmd);
	if (r)
		return r;
	if (c->phase != LM_POP3__PH_TRANS)
		return LM_ERR_BAD_STATE;
	n = strlen(verb);
	memcpy(line, verb, n);
	if (nargs >= 1) {
		line[n++] = ' ';
		n += fmt_ulong(line + n, a1);
	}
	if (nargs >= 2) {
		line[n++] = ' ';
		n += fmt_ulong(line + n, a2);
	}
	return lm_pop3__queue_line(c, cmd, a1, line, n, -1);
}

/* see pop3.h */
int
lm_pop3_stat(lm_pop3_client *c)
{
	return simple_cmd(c, LM_POP3_CMD_STAT, "STAT", 0, 0, 0);
}

/* see pop3.h */
int
lm_pop3_list(lm_pop3_client *c, unsigned long msg)
{
	return simple_cmd(c, LM_POP3_CMD_LIST, "LIST", msg ? 1 : 0, msg, 0);
}

/* see pop3.h */
int
lm_pop3_uidl(lm_pop3_client *c, unsigned long msg)
{
	return simple_cmd(c, LM_POP3_CMD_UIDL, "UIDL", msg ? 1 : 0, msg, 0);
}

/* see pop3.h */
int
lm_pop3_retr(lm_pop3_client *c, unsigned long msg)
{
	if (c != NULL && msg == 0)
		return c->err ? c->err : LM_ERR_BAD_PARAM;
	return simple_cmd(c, LM_POP3_CMD_RETR, "RETR", 1, msg, 0);
}

/* see pop3.h */
int
lm_pop3_top(lm_pop3_client *c, unsigned long msg, unsigned long lines)
{
	if (c != NULL && msg == 0)
		return c->err ? c->err : LM_ERR_BAD_PARAM;
	return simple_cmd(c, LM_POP3_CMD_TOP, "TOP", 2, msg, lines);
}

/* see pop3.h */
int
lm_pop3_dele(lm_pop3_client *c, unsigned long msg)
{
	if (c != NULL && msg == 0)
		return c->err ? c->err : LM_ERR_BAD_PARAM;
	return simple_cmd(c, LM_POP3_CMD_DELE, "DELE", 1, msg, 0);
}

/* see pop3.h */
int
lm_pop3_rset(lm_pop3_client *c)
{
	return simple_cmd(c, LM_POP3_CMD_RSET, "RSET", 0, 0, 0);
}

/* see pop3.h */
int
lm_pop3_noop(lm_pop3_client *c)
{
	return simple_cmd(c, LM_POP3_CMD_NOOP, "NOOP", 0, 0, 0);
}

/* see pop3.h */
int
lm_pop3_quit(lm_pop3_client *c)
{
	int r;

	if (c == NULL || c->io.obuf == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_POP3_CMD_QUIT);
	if (r)
		return r;
	/* q_arg 1: QUIT from the TRANSACTION state, whose +OK commits. */
	r = lm_pop3__queue_line(c, LM_POP3_CMD_QUIT, c->phase == LM_POP3__PH_TRANS ? 1 : 0,
	               "QUIT", 4, -1);
	if (r)
		return r;
	c->phase = LM_POP3__PH_QUIT;
	return 0;
}

/* see pop3.h */
int
lm_pop3_utf8(lm_pop3_client *c)
{
	int r;

	if (c == NULL || c->io.obuf == NULL)
		return LM_ERR_BAD_PARAM;
	r = gate(c, LM_POP3_CMD_UTF8);
	if (r)
		return r;
	if (c->phase != LM_POP3__PH_AUTH)
		return LM_ERR_BAD_STATE;
	if (!lm_pop3__caps_find(c, "UTF8", NULL))
		return LM_ERR_UNSUPPORTED;
	return lm_pop3__queue_line(c, LM_POP3_CMD_UTF8, 0, "UTF8", 4, -1);
}
