/*
 * libmail - lib/mime internals shared between its .c files.
 * Not installed; never included from include/.
 */
#ifndef LIBMAIL_MIME_INTERNAL_H
#define LIBMAIL_MIME_INTERNAL_H

#include <stddef.h>

#include "libmail/mime.h"
#include "../core/utf8.h"   /* lm_core__utf8_valid() */

/*
 * A header writer that renders into a window of a virtual output.
 *
 * A header section is a deterministic function of the message
 * description; its bytes are numbered from 0 (`total`). A render call
 * stores the bytes [skip, skip + cap) in buf and only counts the others.
 * It does not start from byte 0: it starts from a resume point (`cur`,
 * loaded from *save), the position after a complete token with the
 * folder's state there (total, col, tok). The renderers call
 * lm_mime__w_mark() after each token, with `cur` already describing
 * what comes next: the mark keeps in *save the last such point at or
 * before the window's end, and asks the renderer to stop once the
 * window is full. So each render redoes at most one token before the
 * window and one after it, and a section of any length costs time
 * linear in its length. `col` is the column on the current line, `tok`
 * tells whether the field already holds a token after its name (only
 * then is folding allowed).
 */
typedef struct {
	unsigned char *buf;
	size_t cap;
	size_t len;     /* bytes stored in buf */
	size_t skip;    /* bytes to drop before storing */
	size_t end;     /* skip + cap: the window's end */
	size_t total;   /* bytes of the section rendered so far */
	size_t col;
	int tok;
	int stop;       /* the window is full: return at the next mark */
	size_t nput;    /* bytes this writer rendered (skipped ones included) */
	lm_mime_compose_pos cur;   /* where rendering is; total/col/tok unused */
	lm_mime_compose_pos *save; /* resume point for the next window */
} lm_mime__w;

/** Soft limit for header lines (RFC 5322 2.1.1), and for lines that
 *  hold encoded words (RFC 2047 2). */
#define LM_MIME__FOLD 78
#define LM_MIME__FOLD_EW 76

/* Start a render of the window [skip, skip + cap) from the resume point
 * *save (all zero for the start of a section). */
void lm_mime__w_init(lm_mime__w *w, unsigned char *buf, size_t cap, size_t skip,
                     lm_mime_compose_pos *save);
/* A token boundary: w->cur says what comes next. Returns 1 when the
 * renderer must return now (the window is full). */
int lm_mime__w_mark(lm_mime__w *w);
void lm_mime__w_put(lm_mime__w *w, const void *p, size_t n);
void lm_mime__w_str(lm_mime__w *w, const char *s);
/* "Name:" at the start of a line. */
void lm_mime__w_field(lm_mime__w *w, const char *name);
/* CRLF ending a field. */
void lm_mime__w_end(lm_mime__w *w);
/* Space or fold (CRLF SP) before a token of n more columns. */
void lm_mime__w_sep(lm_mime__w *w, size_t n, size_t limit);

/*
 * Resumable renderers. Each works on one string and keeps its place in
 * w->cur (pos, n, kind, q, k; callers own field, item and sub). Each
 * returns 1 when it has written everything, 0 when it stopped at a mark
 * (the caller returns 0 too, leaving w->cur as it is). Calling one
 * again with the cursor a mark saved continues where it stopped.
 */

/* Unstructured text (a subject): atoms folded at spaces when it is
 * printable ASCII without "=?", RFC 2047 encoded words otherwise.
 * lm_mime__w_text_begin() looks at s once and sets the cursor up. */
void lm_mime__w_text_begin(lm_mime__w *w, const char *s);
int lm_mime__w_text(lm_mime__w *w, const char *s);
/* A display name (phrase), then " <addr>"; a bare addr-spec without
 * a name; `trail` more columns (a comma) must fit after it. Uses
 * w->cur.sub: 0 when starting the mailbox. */
int lm_mime__w_mailbox(lm_mime__w *w, const char *name, const char *addr,
                       size_t trail);
/* A raw value (already validated printable ASCII and tabs), folded
 * before white space where a line would pass 78; w->cur.pos is the
 * offset in s, 0 when starting. */
int lm_mime__w_raw(lm_mime__w *w, const char *s);
/* A file name as Content-Type "name" (is_disp 0) or
 * Content-Disposition "filename" (is_disp 1) parameter(s), each
 * preceded by ';'. Uses w->cur.sub: 0 when starting. */
int lm_mime__w_fileparam(lm_mime__w *w, const char *filename, int is_disp);

/* Header bytes rendered so far by m (skipped and re-rendered bytes
 * included): for tests, to check that the work stays linear. */
size_t lm_mime__compose_rendered(const lm_mime_compose *m);


/* ---- CFWS (lib/mime/cfws.c) ---------------------------------------- */

/* The comment opening at p[i] == '(': the position after its closing
 * ')', or n when it is not closed. Comments nest; a quoted-pair
 * ("\)") hides the byte after the backslash. *deepest (may be NULL)
 * is set to the deepest nesting met (1 for a flat comment), *open (may
 * be NULL) to 1 when the input ended inside the comment. */
size_t lm_mime__comment_end(const unsigned char *p, size_t n, size_t i,
                            size_t *deepest, int *open);

/* Skip white space (SP, HTAB, CR, LF) and comments from p[i]: the
 * position of the first byte that is neither, or n. *comment (may be
 * NULL) is set to 1 when a comment was skipped. */
size_t lm_mime__skip_cfws(const unsigned char *p, size_t n, size_t i,
                          int *comment);


/* ---- parameters (lib/mime/param.c) --------------------------------- */

/* lm_mime_param_get() without the decoding, for the values the parser
 * matches or compares as bytes (boundary, charset) and for a file name
 * too long to decode: parameter `name` of the section s[0..n) found
 * and joined exactly as lm_mime_param_get() does (RFC 2231 form first,
 * sections in order up to the first gap), with quotes, quoted-pairs and
 * percent-encoding undone and the charset'lang' prefix dropped, but
 * nothing converted (no charset, no RFC 2047 words); CR and LF become
 * spaces. Writes at most cap - 1 bytes and a NUL (cap >= 1): a value
 * longer than that is cut, so a value of cap - 1 bytes may have been
 * longer. LM_MIME_DEF_* bits for what was malformed on the way (the
 * whole section's syntax, this name's RFC 2231 pieces) are ORed into
 * *defects, found or not. Returns the length written, or -1 when
 * absent. */
long lm_mime__param_raw(const unsigned char *s, size_t n, const char *name,
                        char *out, size_t cap, unsigned *defects);

#endif
