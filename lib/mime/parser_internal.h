/*
 * libmail - the streaming MIME parser's pieces, shared between
 * parser_buf.c (options, scratch layout, the input buffer), parser.c
 * (frames, body scanning, the header section, lm_mime_parser_next()),
 * parser_fields.c (what the Content-* fields say) and parser_decode.c
 * (body runs decoded and handed out). Kept apart from internal.h (the
 * whole area's): the composer and the codecs have no business with it.
 * Not installed; never included from include/.
 */
#ifndef LIBMAIL_MIME_PARSER_INTERNAL_H
#define LIBMAIL_MIME_PARSER_INTERNAL_H

#include <stddef.h>

#include "libmail/mime.h"
#include "internal.h"
#include "../core/ascii.h"

/* What lm_mime_parser_next() does next (p->st). */
enum { LM_MIME__ST_BEGIN_PART = 1, LM_MIME__ST_HEADERS, LM_MIME__ST_HEADERS_END,
       LM_MIME__ST_NESTED, LM_MIME__ST_BODY, LM_MIME__ST_CLOSE, LM_MIME__ST_MSG_END,
       LM_MIME__ST_DONE };
/* Where a multipart is (lm_mime_frame.state). */
enum { LM_MIME__MP_PREAMBLE = 0, LM_MIME__MP_INPART, LM_MIME__MP_SKIP,
       LM_MIME__MP_EPILOGUE };
/* What follows the body run (p->pend). */
enum { LM_MIME__PEND_NONE = 0, LM_MIME__PEND_NEED, LM_MIME__PEND_EOF,
       LM_MIME__PEND_DELIM };
/* The uudecoder's state (p->uu_state). */
enum { LM_MIME__UU_PRE = 0, LM_MIME__UU_SKIP, LM_MIME__UU_LINE, LM_MIME__UU_DATA,
       LM_MIME__UU_END };

/* Longest run of white space after a delimiter that is still looked
 * at (a longer line is not a delimiter). */
#define LM_MIME__WS_MAX 256

/* parser_buf.c */

/** Move the bytes still needed to the front of the input buffer. */
void lm_mime__compact(lm_mime_parser *p);

/* parser.c */

/** Note defect bits (count occurrences) on frame fi (none when fi < 0). */
void lm_mime__defect(lm_mime_parser *p, int fi, unsigned bits, unsigned count);

/** Clear *ev and fill its type and, for frame fi >= 0, its path, depth
 *  and defects. */
void lm_mime__fill_ev(lm_mime_parser *p, lm_mime_event *ev, lm_mime_event_type t, int fi);

/* parser_fields.c */

/** Content-Type: type/subtype and the parameters the parser needs. */
void lm_mime__parse_ctype(lm_mime_parser *p, const unsigned char *v, size_t n);

/** Content-Disposition: the disposition and the file name. */
void lm_mime__parse_cdisp(lm_mime_parser *p, const unsigned char *v, size_t n);

/** Content-Transfer-Encoding. */
void lm_mime__parse_cte(lm_mime_parser *p, const unsigned char *v, size_t n);

/* parser_decode.c */

/** Hand out the next piece of the run; 1 if *ev was filled. */
int lm_mime__emit_run(lm_mime_parser *p, lm_mime_event *ev);

/** End of a leaf: flush the decoder; 1 if *ev was filled. */
int lm_mime__finalize_leaf(lm_mime_parser *p, lm_mime_event *ev);

/* Inline, as the compiler had it when the parser was one file. */

/* Frame fi's boundary (max_boundary + 2 bytes of the scratch area). */
static inline char *
lm_mime__bound_of(lm_mime_parser *p, int fi)
{
	return (char *)p->bounds + (size_t)fi * (p->o.max_boundary + 2);
}

#endif
