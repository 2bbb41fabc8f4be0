/*
 * libmail - lib/imap internals shared between its .c files.
 * Not installed; never included from include/.
 */
#ifndef LIBMAIL_IMAP_INTERNAL_H
#define LIBMAIL_IMAP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "libmail/imap.h"
#include "../core/ascii.h"

/** 1 for an ATOM-CHAR of RFC 3501 (any CHAR except atom-specials). */
int lm_imap__atom_char(unsigned char ch);

/** The index after the nz-number (1 to 4294967295, no leading zero) at
 *  s[i], 0 if there is none. */
size_t lm_imap__nz_number(const char *s, size_t i);

/** 1 when set is an RFC 9051 sequence-set ("1:4,7,9:*": numbers 1 to
 *  4294967295 without leading zeros), else 0 ("$" included: callers
 *  take it alone, with its capability check). */
int lm_imap__set_ok(const char *set);

/** Find the end of a balanced "(...)" starting at p[0] == '(' within
 *  p[0..n): quoted strings and literals are skipped, nesting is counted
 *  (no recursion). Returns the length including the closing ')', 0 if
 *  unbalanced or malformed; *maxdepth gets the deepest nesting seen. */
size_t lm_imap__list_span(const unsigned char *p, size_t n, unsigned *maxdepth);

/** Deepest level whose lists lm_imap__list_tab() records. */
#define LM_IMAP__TAB_LEVELS 32

/** lm_imap__list_span() that also records in *t where the lists nested
 *  in p at depths 2 to lev (at most LM_IMAP__TAB_LEVELS) end: the first
 *  LM_IMAP__LISTS of them (see lm_imap__lists). Same result. */
size_t lm_imap__list_tab(const unsigned char *p, size_t n, unsigned *maxdepth,
                         lm_imap__lists *t, unsigned lev);

/** Parse a literal header "{n}", "{n+}" or "~{n}" ending exactly at
 *  p[n-1] == '}'. Returns the start offset of the header (position of
 *  '{' or '~') and sets *size, or returns (size_t)-1 when p does not end
 *  with a literal header. *overflow is set when the digits overflow 64
 *  bits or start with '-'. */
size_t lm_imap__lit_header(const unsigned char *p, size_t n, uint64_t *size,
                           int *overflow);

/* Capability bits (lm_imap_client.capbits). */
#define LM_IMAP__CAP_IMAP4REV2     0x00000001ul
#define LM_IMAP__CAP_LITERALPLUS   0x00000002ul
#define LM_IMAP__CAP_LITERALMINUS  0x00000004ul
#define LM_IMAP__CAP_SASLIR        0x00000008ul
#define LM_IMAP__CAP_LOGINDISABLED 0x00000010ul
#define LM_IMAP__CAP_STARTTLS      0x00000020ul
#define LM_IMAP__CAP_IDLE          0x00000040ul
#define LM_IMAP__CAP_MOVE          0x00000080ul
#define LM_IMAP__CAP_UIDPLUS       0x00000100ul
#define LM_IMAP__CAP_CONDSTORE     0x00000200ul
#define LM_IMAP__CAP_QRESYNC       0x00000400ul
#define LM_IMAP__CAP_ENABLE        0x00000800ul
#define LM_IMAP__CAP_ESEARCH       0x00001000ul
#define LM_IMAP__CAP_UNSELECT      0x00002000ul
#define LM_IMAP__CAP_NAMESPACE     0x00004000ul
#define LM_IMAP__CAP_ID            0x00008000ul
#define LM_IMAP__CAP_QUOTA         0x00010000ul
#define LM_IMAP__CAP_SPECIALUSE    0x00020000ul
#define LM_IMAP__CAP_LISTEXTENDED  0x00040000ul
#define LM_IMAP__CAP_LISTSTATUS    0x00080000ul
#define LM_IMAP__CAP_BINARY        0x00100000ul
#define LM_IMAP__CAP_UTF8ACCEPT    0x00200000ul
#define LM_IMAP__CAP_OBJECTID      0x00400000ul
#define LM_IMAP__CAP_SAVEDATE      0x00800000ul
#define LM_IMAP__CAP_AUTH          0x01000000ul
#define LM_IMAP__CAP_STATUSSIZE    0x02000000ul
#define LM_IMAP__CAP_SEARCHRES     0x04000000ul

/** The capability bits that may decide what the next command sends:
 *  c->capbits while lm_imap__caps_usable(), else 0. Every capability
 *  choice goes through it (or lm_imap__caps_usable()), never reads
 *  c->capbits: bits of a list that no longer holds must not pick a
 *  feature (RFC 9051 6.2). */
unsigned long lm_imap__caps(const lm_imap_client *c);

/** 1 when the capability list applies to the next command queued: it
 *  is known, and no LOGIN is outstanding (its OK may change it, and the
 *  server reads the commands behind it after that OK). */
int lm_imap__caps_usable(const lm_imap_client *c);

/** Forget the capability list: after TLS, after a LOGIN/AUTHENTICATE
 *  OK without a [CAPABILITY] code. */
void lm_imap__caps_forget(lm_imap_client *c);

/* ENABLED bits (lm_imap_client.enabled). */
#define LM_IMAP__EN_CONDSTORE  0x1u
#define LM_IMAP__EN_QRESYNC    0x2u
#define LM_IMAP__EN_UTF8       0x4u
#define LM_IMAP__EN_IMAP4REV2  0x8u

/** The ENABLED bits that enabling the extension named name[0..n) (any
 *  case) turns on (QRESYNC implies CONDSTORE), 0 for one the engine
 *  does not track. */
unsigned lm_imap__en_bits(const void *name, size_t n);

/* Queue entry flags. */
#define LM_IMAP__QF_UID   0x01u
#define LM_IMAP__QF_CHAIN 0x02u  /* a step of the MOVE fallback chain */

/* Parser modes. */
enum {
	LM_IMAP__M_LINE = 0,  /* at the start of a response              */
	LM_IMAP__M_FETCH,     /* between items of a FETCH response       */
	LM_IMAP__M_STREAM,    /* inside a body section literal           */
	LM_IMAP__M_SEARCH,    /* inside a long SEARCH line               */
	LM_IMAP__M_SKIP,      /* skipping a damaged FETCH response       */
	LM_IMAP__M_SKIPLIT    /* skipping literal data in M_SKIP         */
};

/* APPEND states. */
enum {
	LM_IMAP__APP_NONE = 0,
	LM_IMAP__APP_WAIT,    /* sync literal: waiting for "+"           */
	LM_IMAP__APP_BODY     /* pulling the body from the callback      */
};

/** Make err the sticky error (first one wins); returns it. */
int lm_imap__fail(lm_imap_client *c, int err);

/** Trace bytes in direction dir (no-op without a trace hook). */
void lm_imap__trace(lm_imap_client *c, char dir, const void *p, size_t n);

/** Remember a capability list (CAPABILITY response or code). */
void lm_imap__caps_set(lm_imap_client *c, const unsigned char *p, size_t n);

/** Index of the queue entry with tag, or -1. */
int lm_imap__q_find(const lm_imap_client *c, lm_imap_handle tag);

/** Remove queue entry i. */
void lm_imap__q_remove(lm_imap_client *c, unsigned i);

/** The MOVE fallback step tagged `tag` completed OK: queue the next step.
 *  Returns 1 when a step was queued, 0 when the chain is finished, or an
 *  error. */
int lm_imap__move_next(lm_imap_client *c, lm_imap_handle tag);

/** Queue a command with no arguments (CAPABILITY after TLS). */
int lm_imap__simple(lm_imap_client *c, int cmd, const char *verb,
                    lm_imap_handle *h);

/** Forget what is known of the mailbox being selected, keep its name
 *  (SELECT/EXAMINE sent; RFC 7162 [CLOSED]: what came before it was
 *  about the previous mailbox). */
void lm_imap__mbx_reset(lm_imap_client *c, int examine);

/** Queue "DONE\r\n" (IDLE end). */
int lm_imap__queue_done(lm_imap_client *c);
/* Move the unsent output to the front (lm_core__io_out_room()) and the
 * offsets kept into it with it: the literal holds and the wipe mark.
 * Returns the free space after oend. */
size_t lm_imap__compact_out(lm_imap_client *c);

/** Bytes that may be sent now: [ostart, end). */
size_t lm_imap__send_end(const lm_imap_client *c);

/*
 * The response parser's pieces, shared between imap.c (lm_imap_next()),
 * frag.c, fetch.c, untagged.c and tagged.c.
 */

/* Out of line and laid out apart: bookkeeping rarely needed, kept off
 * lm_imap_next()'s hot loop. */
#if defined(__GNUC__)
#define LM_IMAP__COLD __attribute__((noinline, cold))
#else
#define LM_IMAP__COLD
#endif

/** 1 for an ASCII digit. */
static inline int
lm_imap__is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

/** Skip the spaces and tabs at p[*i..n). */
static inline void
lm_imap__skip_sp(const unsigned char *p, size_t n, size_t *i)
{
	while (*i < n && (p[*i] == ' ' || p[*i] == '\t'))
		(*i)++;
}

/* imap.c */

/** Parse a decimal number at p[*i..n); 1 and *v on success. */
int lm_imap__parse_num(const unsigned char *p, size_t n, size_t *i, uint64_t *v);

/** A bare word at p[*i..n): up to SP, '(', ')', '[', ']' or the end. */
lm_slice lm_imap__word(const unsigned char *p, size_t n, size_t *i);

/** Change the session state (the only function that does). */
void lm_imap__set_state(lm_imap_client *c, int st);

/** Note the text s in the trace (direction '*'). */
void lm_imap__trace_note(lm_imap_client *c, const char *s);

/* frag.c */

/** Find the end of the unit at ipos: 1, 0 (need more input), 2 (a
 *  SEARCH line fills the buffer: deliver a piece) or an error. */
int lm_imap__frag(lm_imap_client *c);

/** Consume the current unit. */
void lm_imap__unit_done(lm_imap_client *c);

/* fetch.c */

/** Parse the FETCH item at ipos: LM_EVENT, 0 (a literal's data is
 *  streamed next) or an error (the caller resyncs unless it is sticky). */
int lm_imap__fetch_item(lm_imap_client *c, lm_imap_event *ev);

/** Resync inside a FETCH: skip to the end of the response. */
void lm_imap__fetch_damage(lm_imap_client *c);

/** Fill ev's command, handle, sequence number and UID (FETCH events). */
void lm_imap__fetch_common(lm_imap_client *c, lm_imap_event *ev);

/** Fill ev's body-section fields from the ones kept for its data. */
void lm_imap__fetch_section_fields(lm_imap_client *c, lm_imap_event *ev);

/** A FETCH response ended: its MODSEQ is a HIGHESTMODSEQ candidate,
 *  unless it was damaged. */
LM_IMAP__COLD void lm_imap__modseq_fetch_end(lm_imap_client *c, int damaged);

/** A tagged response arrived: end the MODSEQ period if anything happened. */
void lm_imap__modseq_tagged(lm_imap_client *c);

/* untagged.c */

/** May the response being parsed answer queue entry i (was it not begun
 *  before that command was queued)? */
int lm_imap__heard(const lm_imap_client *c, unsigned i);

/** Index of the oldest outstanding command among the kinds in mask (bit
 *  1ull << cmd per kind), or -1. */
int lm_imap__q_oldest(const lm_imap_client *c, unsigned long long mask);

/** Parse resp-text "[CODE arg] text" at p[i..n) into ev and apply the
 *  code to the session. */
void lm_imap__parse_resp_text(lm_imap_client *c, lm_imap_event *ev,
                              const unsigned char *p, size_t n, size_t i);

/** Parse the untagged response p[0..n): LM_EVENT, LM_EVENT + 1 (a FETCH
 *  began: the unit continues) or an error (resync unless sticky). */
int lm_imap__untagged(lm_imap_client *c, lm_imap_event *ev,
                      const unsigned char *p, size_t n);

/** A long SEARCH line: deliver the numbers before the last space. */
int lm_imap__search_piece(lm_imap_client *c, lm_imap_event *ev, int first);

/** SEARCH numbers p[i..n) into ev: split a trailing "(MODSEQ n)". */
void lm_imap__search_nums(lm_imap_event *ev, const unsigned char *p, size_t n,
                          size_t i);

/* tagged.c */

/** The continuation request p[0..n): 0, LM_EVENT (IDLE started) or an
 *  error. */
int lm_imap__continuation(lm_imap_client *c, lm_imap_event *ev,
                          const unsigned char *p, size_t n);

/** The tagged response p[0..n): LM_EVENT, 0 (the next step of the MOVE
 *  fallback was queued: no event) or an error. */
int lm_imap__tagged(lm_imap_client *c, lm_imap_event *ev,
                    const unsigned char *p, size_t n);

#endif
