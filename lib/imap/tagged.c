/*
 * libmail - IMAP client engine: what the server says about the commands
 * in progress: continuation requests ("+": a held literal, the APPEND
 * body, a SASL step, IDLE) and tagged responses (completions, with
 * their effects on the session state and on the MOVE fallback chain).
 */
#include <string.h>

#include "libmail/core.h"
#include "internal.h"
#include "../core/io.h"

/* ------------------------------------------------------------------ */
/* continuation requests                                               */
/* ------------------------------------------------------------------ */

static int auth_continue(lm_imap_client *c, const unsigned char *p, size_t n);

/* Who waits for a continuation request now. */
enum { CONT_NONE, CONT_HOLD, CONT_APPEND, CONT_AUTH, CONT_IDLE };

/* The kind of wait, and in *tag the command waiting. */
static int
cont_waiter(const lm_imap_client *c, lm_imap_handle *tag)
{
	if (c->nholds > 0 && c->holds[0] >= c->io.ostart && c->holds[0] <= c->io.oend &&
	    c->io.ostart == c->holds[0]) {
		*tag = c->hold_tag[0];
		return CONT_HOLD;
	}
	if (c->app_state == LM_IMAP__APP_WAIT && c->io.ostart == c->io.oend) {
		*tag = c->app_tag;
		return CONT_APPEND;
	}
	if (c->sasl != NULL && c->auth_tag) {
		*tag = c->auth_tag;
		return CONT_AUTH;
	}
	*tag = c->idle_tag;
	return c->idle == 1 ? CONT_IDLE : CONT_NONE;
}

/* see internal.h */
int
lm_imap__continuation(lm_imap_client *c, lm_imap_event *ev, const unsigned char *p,
                      size_t n)
{
	size_t i = 1;
	lm_imap_handle tag;
	int kind = cont_waiter(c, &tag), qi = lm_imap__q_find(c, tag);

	if (i < n && p[i] == ' ')
		i++;                       /* LM_IMAP_LENIENT_CONT_TEXT */
	/* nobody waits for a continuation request, or it was received
	 * before the command waiting for one was queued (or, AUTHENTICATE,
	 * before its latest response was) */
	if (kind == CONT_NONE || qi < 0 || !lm_imap__heard(c, (unsigned)qi))
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	if (kind != CONT_IDLE) {
		/* The rest of the command (a literal, the APPEND body, a
		 * SASL response) goes out only now: what the server sent
		 * before it read that rest, everything buffered so far
		 * included, does not answer the command. */
		c->q[qi].rx = c->io.rx_total;
	}
	if (kind == CONT_HOLD) {
		/* a synchronising literal may go now */
		memmove(&c->holds[0], &c->holds[1], (c->nholds - 1) * sizeof c->holds[0]);
		memmove(&c->hold_cend[0], &c->hold_cend[1],
		        (c->nholds - 1) * sizeof c->hold_cend[0]);
		memmove(&c->hold_tag[0], &c->hold_tag[1],
		        (c->nholds - 1) * sizeof c->hold_tag[0]);
		c->nholds--;
		return 0;
	}
	if (kind == CONT_APPEND) {
		c->app_state = LM_IMAP__APP_BODY;
		return 0;
	}
	if (kind == CONT_AUTH)
		return auth_continue(c, p + i, n - i);
	c->idle = 2;                       /* CONT_IDLE */
	ev->type = LM_IMAP_EV_IDLE_STARTED;
	ev->cmd = LM_IMAP_CMD_IDLE;
	ev->handle = c->idle_tag;
	ev->text.p = p + i;
	ev->text.len = n - i;
	if (c->idle_done_wanted) {
		int r = lm_imap__queue_done(c);
		if (r < 0)
			return r;
	}
	return LM_EVENT;
}

static int
auth_continue(lm_imap_client *c, const unsigned char *p, size_t n)
{
	unsigned char *ch = c->sasl_raw;
	size_t chlen = 0, rl = 0, bl = 0, room;
	int r;

	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n > 0) {
		if (lm_b64_decode((const char *)p, n, ch, sizeof c->sasl_raw, &chlen) != 0) {
			r = LM_ERR_PROTOCOL;
			goto cancel;
		}
	}
	/* the raw response reuses sasl_raw after the challenge */
	r = lm_sasl_step(c->sasl, ch, chlen, c->sasl_raw + chlen,
	                 sizeof c->sasl_raw - chlen, &rl);
	if (r < 0)
		goto cancel;
	room = c->io.olen - c->io.oend;
	if (lm_b64_encoded_len(rl) + 2 > room) {
		r = LM_ERR_BUFFER_TOO_SMALL;
		goto cancel;
	}
	if (lm_b64_encode(c->sasl_raw + chlen, rl, (char *)c->io.obuf + c->io.oend,
	                  room, &bl) != 0) {
		r = LM_ERR_BUFFER_TOO_SMALL;
		goto cancel;
	}
	lm_zeroize(c->sasl_raw, sizeof c->sasl_raw);
	c->io.oend += bl;
	c->io.obuf[c->io.oend++] = '\r';
	c->io.obuf[c->io.oend++] = '\n';
	c->wipe_out = 1;
	c->wipe_end = c->io.oend;
	lm_trace_emit_redacted(c->opts.trace, c->opts.trace_ud, 'C', "", 0, 0);
	return 0;
cancel:
	/* send the cancel "*" (RFC 9051 6.2.2), then fail for good */
	lm_zeroize(c->sasl_raw, sizeof c->sasl_raw);
	c->sasl = NULL;
	if (c->io.olen - c->io.oend >= 3) {
		memcpy(c->io.obuf + c->io.oend, "*\r\n", 3);
		c->io.oend += 3;
		lm_imap__trace(c, 'C', "*", 1);
		c->pend_err = r;
		return 0;
	}
	return lm_imap__fail(c, r);
}

/* ------------------------------------------------------------------ */
/* tagged responses                                                    */
/* ------------------------------------------------------------------ */

/* Are bytes of command tag still held for a "+"? */
static int
holds_tag(const lm_imap_client *c, lm_imap_handle tag)
{
	unsigned i;

	for (i = 0; i < c->nholds; i++)
		if (c->hold_tag[i] == tag)
			return 1;
	return 0;
}

/* Drop the held remainder of a command refused before its "+". */
static void
drop_holds(lm_imap_client *c, lm_imap_handle tag)
{
	unsigned i = 0;
	while (i < c->nholds) {
		if (c->hold_tag[i] == tag) {
			size_t from = c->holds[i], to = c->hold_cend[i], d = to - from;
			unsigned j;
			memmove(c->io.obuf + from, c->io.obuf + to, c->io.oend - to);
			c->io.oend -= d;
			/* the dropped bytes may be a LOGIN password held for
			 * its "+": no copy stays behind the output, and the
			 * wipe mark moves with what it covered */
			lm_zeroize(c->io.obuf + c->io.oend, d);
			if (c->wipe_out && c->wipe_end > from)
				c->wipe_end = c->wipe_end >= to ? c->wipe_end - d : from;
			for (j = i + 1; j < c->nholds; j++) {
				c->holds[j - 1] = c->holds[j] - d;
				c->hold_cend[j - 1] = c->hold_cend[j] - d;
				c->hold_tag[j - 1] = c->hold_tag[j];
			}
			c->nholds--;
			/* a second hold of the same command is now gone too */
			while (i < c->nholds && c->hold_tag[i] == tag &&
			       c->holds[i] >= from && c->holds[i] < from + d) {
				memmove(&c->holds[i], &c->holds[i + 1],
				        (c->nholds - i - 1) * sizeof c->holds[0]);
				memmove(&c->hold_cend[i], &c->hold_cend[i + 1],
				        (c->nholds - i - 1) * sizeof c->hold_cend[0]);
				memmove(&c->hold_tag[i], &c->hold_tag[i + 1],
				        (c->nholds - i - 1) * sizeof c->hold_tag[0]);
				c->nholds--;
			}
			continue;
		}
		i++;
	}
}

/* see internal.h */
int
lm_imap__tagged(lm_imap_client *c, lm_imap_event *ev, const unsigned char *p,
                size_t n)
{
	size_t i = 0;
	uint64_t tag;
	lm_slice st;
	int qi, cmd, flags;

	/* tags are strings (RFC 9051 2.2.1): ours are "A" and a number
	 * without leading zeros, so "A01" or "A0001" answers no command
	 * even though its digits make 1 */
	if (n < 2 || p[0] != 'A' || p[1] == '0')
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	i = 1;
	if (!lm_imap__parse_num(p, n, &i, &tag) || i >= n || p[i] != ' ' ||
	    tag > 0xffffffffu)
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	qi = lm_imap__q_find(c, (lm_imap_handle)tag);
	if (qi < 0)
		return lm_imap__fail(c, LM_ERR_PROTOCOL);   /* a tag never sent */
	/* tags are predictable: a completion received before its command
	 * was queued was sent before the server could have read it */
	if (!lm_imap__heard(c, (unsigned)qi))
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	i++;
	st = lm_imap__word(p, n, &i);
	if (lm_core__ieqz(st.p, st.len, "OK"))
		ev->status = LM_IMAP_OK;
	else if (lm_core__ieqz(st.p, st.len, "NO"))
		ev->status = LM_IMAP_NO;
	else if (lm_core__ieqz(st.p, st.len, "BAD"))
		ev->status = LM_IMAP_BAD;
	else
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	lm_imap__parse_resp_text(c, ev, p, n, i);
	lm_imap__modseq_tagged(c);
	cmd = c->q[qi].cmd;
	flags = c->q[qi].flags;
	lm_imap__q_remove(c, (unsigned)qi);
	ev->type = LM_IMAP_EV_DONE;
	ev->cmd = (lm_imap_cmd)cmd;
	ev->handle = (lm_imap_handle)tag;
	/* An OK for a command whose literal the server never asked for
	 * (bytes still held for its "+", or an APPEND body not yet sent)
	 * would report work as done that never reached the server. NO and
	 * BAD before the "+" are a refusal and drop the held rest. */
	if (ev->status == LM_IMAP_OK &&
	    (holds_tag(c, (lm_imap_handle)tag) ||
	     (c->app_tag == tag && c->app_state != LM_IMAP__APP_NONE)))
		return lm_imap__fail(c, LM_ERR_PROTOCOL);
	if (c->nholds)
		drop_holds(c, (lm_imap_handle)tag);
	if (c->app_tag == tag) {
		c->app_tag = 0;
		if (c->app_state == LM_IMAP__APP_WAIT)
			c->app_state = LM_IMAP__APP_NONE;
	}
	switch (cmd) {
	case LM_IMAP_CMD_STARTTLS:
		c->tls_tag = 0;
		if (ev->status == LM_IMAP_OK) {
			if (c->io.iend > c->unit_end)
				return lm_imap__fail(c, LM_ERR_PROTOCOL);
			c->tls_wait = 1;
			ev->type = LM_IMAP_EV_TLS_READY;
		}
		break;
	case LM_IMAP_CMD_AUTHENTICATE:
	case LM_IMAP_CMD_LOGIN:
		if (cmd == LM_IMAP_CMD_AUTHENTICATE) {
			lm_sasl *s = c->sasl;
			c->sasl = NULL;
			c->auth_tag = 0;
			if (ev->status == LM_IMAP_OK && s != NULL) {
				/* success data in the code (rare) is not SASL data in
				 * IMAP; the mechanism must be satisfied already */
				if (lm_sasl_finish(s) != 0)
					return lm_imap__fail(c, LM_ERR_SASL);
			}
		}
		/* They may change (RFC 9051 6.2): unless the server told
		 * (a code here, or a list heard in lg_window(), untagged.c),
		 * no capability counts until it does (lm_imap__caps()). A
		 * list heard before a NO or BAD may be the one of either
		 * state: no capability counts either. */
		if (ev->status == LM_IMAP_OK) {
			lm_imap__set_state(c, LM_IMAP_STATE_AUTH);
			if (ev->code.code != LM_IMAP_CODE_CAPABILITY && !c->lg_heard)
				lm_imap__caps_forget(c);
		} else if (c->lg_heard) {
			lm_imap__caps_forget(c);
		}
		c->lg_sent = 0;
		c->lg_heard = 0;
		break;
	case LM_IMAP_CMD_CAPABILITY:
		/* RFC 9051 requires the untagged list before the OK; an OK
		 * without one still answers: nothing is offered (the list
		 * is known and empty), not "ask again" for ever */
		if (ev->status == LM_IMAP_OK && !c->caps_known)
			lm_imap__caps_set(c, (const unsigned char *)"", 0);
		break;
	case LM_IMAP_CMD_SELECT:
	case LM_IMAP_CMD_EXAMINE:
		if (c->sel_tag == tag) {
			c->sel_tag = 0;
			if (ev->status == LM_IMAP_OK) {
				lm_imap__set_state(c, LM_IMAP_STATE_SELECTED);
				if (c->state == LM_IMAP_STATE_SELECTED)
					c->mbx.selected = 1;
				if (cmd == LM_IMAP_CMD_EXAMINE)
					c->mbx.read_only = 1;
			} else {
				lm_imap__set_state(c, LM_IMAP_STATE_AUTH);
			}
		}
		break;
	case LM_IMAP_CMD_CLOSE:
	case LM_IMAP_CMD_UNSELECT:
		if (ev->status == LM_IMAP_OK && c->state == LM_IMAP_STATE_SELECTED)
			lm_imap__set_state(c, LM_IMAP_STATE_AUTH);
		break;
	case LM_IMAP_CMD_IDLE:
		c->idle = 0;
		c->idle_done_wanted = 0;
		c->idle_tag = 0;
		break;
	case LM_IMAP_CMD_ENABLE:
		break;
	default:
		break;
	}
	if (flags & LM_IMAP__QF_CHAIN) {
		/* a step of the MOVE fallback */
		if (ev->status == LM_IMAP_OK) {
			if (ev->code.code == LM_IMAP_CODE_COPYUID) {
				size_t l1 = ev->code.set1.len, l2 = ev->code.set2.len;
				if (l1 + l2 + 2 <= sizeof c->mv_cu) {
					/* a malformed COPYUID ("[COPYUID :102]",
					 * found by fuzz_imap_responses) leaves the
					 * sets empty, with NULL pointers */
					if (l1 > 0)
						memcpy(c->mv_cu, ev->code.set1.p, l1);
					if (l2 > 0)
						memcpy(c->mv_cu + l1 + 1, ev->code.set2.p, l2);
					c->mv_cu1 = l1;
					c->mv_cu2 = l2;
					c->mv_cu_num = ev->code.num;
				}
			}
			if (c->mv_step == 1 && !c->mv_uid &&
			    c->mbx.expunged + c->mbx.vanished != c->mv_exp) {
				/* renumbered before the COPY completed: a STORE
				 * of the same numbers would mark other messages */
				static const char why[] = "MOVE stopped after COPY: "
					"messages were renumbered, the originals stay";
				lm_imap__trace_note(c, why);
				ev->status = LM_IMAP_NO;
				ev->text.p = (const unsigned char *)why;
				ev->text.len = sizeof why - 1;
			} else {
				int r = lm_imap__move_next(c, (lm_imap_handle)tag);
				if (r < 0)
					return r;
				if (r == 1)
					return 0;     /* next step queued: no event */
			}
		}
		ev->cmd = LM_IMAP_CMD_MOVE;
		ev->handle = c->mv_tag;
		if (ev->status == LM_IMAP_OK && ev->code.code == LM_IMAP_CODE_NONE &&
		    c->mv_cu_num) {
			ev->code.code = LM_IMAP_CODE_COPYUID;
			ev->code.num = c->mv_cu_num;
			ev->code.set1.p = (const unsigned char *)c->mv_cu;
			ev->code.set1.len = c->mv_cu1;
			ev->code.set2.p = (const unsigned char *)c->mv_cu + c->mv_cu1 + 1;
			ev->code.set2.len = c->mv_cu2;
		}
		c->mv_tag = 0;
		c->mv_step = 0;
		c->mv_cu_num = 0;
	}
	return LM_EVENT;
}
