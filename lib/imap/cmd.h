/*
 * libmail - lib/imap command builders shared between cmd.c (the builder,
 * the session and authentication commands), cmd_mailbox.c (SELECT,
 * LIST, STATUS, APPEND and the other mailbox commands) and
 * cmd_message.c (SEARCH, FETCH, STORE, COPY, MOVE, UID EXPUNGE).
 * Kept apart from internal.h (the engine's): the response parser has no
 * business with it. Not installed; never included from include/.
 */
#ifndef LIBMAIL_IMAP_CMD_H
#define LIBMAIL_IMAP_CMD_H

#include <string.h>

#include "libmail/core.h"
#include "internal.h"

/* The largest mod-sequence (RFC 7162 7: 63 bits) a command may send. */
#define LM_IMAP__MODSEQ_MAX 0x7fffffffffffffffull

/* The states a command may be queued in (lm_imap__gate()). */
#define LM_IMAP__S_NA  (1u << LM_IMAP_STATE_NOT_AUTH)
#define LM_IMAP__S_A   (1u << LM_IMAP_STATE_AUTH)
#define LM_IMAP__S_S   (1u << LM_IMAP_STATE_SELECTED)
#define LM_IMAP__S_ANY (LM_IMAP__S_NA | LM_IMAP__S_A | LM_IMAP__S_S)
#define LM_IMAP__S_SEL 0x100u        /* selected, or a SELECT/EXAMINE outstanding */

/* A command being built at the end of the output buffer. */
struct lm_imap__ob {
	lm_imap_client *c;
	unsigned char *p;        /* obuf + oend at start                  */
	size_t cap, len;
	int err;
	unsigned nh;
	size_t hpos[LM_IMAP__HOLDS_MAX];
	size_t redact;           /* trace: keep this many bytes, 0: all  */
};

/* cmd.c */

/* An option bit and its name in a command. */
struct lm_imap__name {
	unsigned bit;
	const char *name;
};

/** Append the names of the bits set in bits, in the order of t[0..n),
 *  separated by spaces; returns how many were written. */
unsigned lm_imap__ob_names(struct lm_imap__ob *b, unsigned bits,
                           const struct lm_imap__name *t, size_t n);
#define LM_IMAP__OB_NAMES(b, bits, t) \
	lm_imap__ob_names((b), (bits), (t), sizeof(t) / sizeof((t)[0]))

/** Append v in decimal. */
void lm_imap__ob_num(struct lm_imap__ob *b, uint64_t v);

/** A call that needs one of the capabilities in bits: 0 when offered;
 *  LM_ERR_BAD_STATE while the list is unknown (the server may offer it:
 *  ask with CAPABILITY); LM_ERR_UNSUPPORTED when the list lacks it. */
int lm_imap__need_cap(const lm_imap_client *c, unsigned long bits);

/** A string argument: atom, quoted or literal. */
void lm_imap__ob_str(struct lm_imap__ob *b, const char *s, size_t n, int always_quote);

/** A mailbox name given in UTF-8. */
void lm_imap__ob_mailbox(struct lm_imap__ob *b, const char *name, int allow_empty);

/** A sequence set: digits , : * $ */
void lm_imap__ob_set(struct lm_imap__ob *b, const char *set);

/** Words separated by any run of spaces, written separated by one: each
 *  an atom, with flags != 0 optionally after a backslash. */
void lm_imap__ob_words(struct lm_imap__ob *b, const char *s, int flags);

/** A flag list "a b c" -> "(a b c)"; each flag an atom, optionally with a
 *  leading backslash (lm_imap__ob_words()). */
void lm_imap__ob_flags(struct lm_imap__ob *b, const char *flags);

/** Every command starts with the gate: state, pipelining, misuse. */
int lm_imap__gate(lm_imap_client *c, unsigned states, int exclusive);

/** Begin a command at the end of the output buffer: "A<tag> ",
 *  "UID " when uid, then verb. */
void lm_imap__ob_start(struct lm_imap__ob *b, lm_imap_client *c, const char *verb,
                       int uid);

/** Finish: CRLF, queue entry, holds, trace, tag. */
int lm_imap__ob_commit(struct lm_imap__ob *b, int cmd, unsigned flags, lm_imap_handle *h);

/* Append s[0..n) (all of it or, on error, nothing: b->err). */
void lm_imap__ob_raw(struct lm_imap__ob *b, const void *s, size_t n);

/* Append the string s. */
void lm_imap__ob_s(struct lm_imap__ob *b, const char *s);

/* Inline in all three files, as the compiler had them when they were one. */

/* Capabilities unknown (lm_imap__caps() is 0): synchronising, which
 * every server takes. */
static inline int
lm_imap__nonsync_ok(const lm_imap_client *c, size_t n)
{
	unsigned long caps = lm_imap__caps(c);

	if (!c->opts.use_literal_plus)
		return 0;
	if (caps & LM_IMAP__CAP_LITERALPLUS)
		return 1;
	return (caps & (LM_IMAP__CAP_LITERALMINUS | LM_IMAP__CAP_IMAP4REV2)) &&
	       n <= 4096;
}

/* 1 once UTF8=ACCEPT is enabled: UTF-8 goes out as is. */
static inline int
lm_imap__utf8_on(const lm_imap_client *c)
{
	return (c->enabled & LM_IMAP__EN_UTF8) != 0;
}

/* 1 for one or more atoms separated by spaces. */
static inline int
lm_imap__atom_list_ok(const char *s)
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

static inline void
lm_imap__ob_cstr(struct lm_imap__ob *b, const char *s, int always_quote)
{
	if (s == NULL) {
		b->err = LM_ERR_BAD_PARAM;
		return;
	}
	lm_imap__ob_str(b, s, strlen(s), always_quote);
}

#endif
