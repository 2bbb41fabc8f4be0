/*
 * libmail - lib/mime internals shared between its .c files.
 * Not installed; never included from include/.
 */
#ifndef LIBMAIL_MIME_INTERNAL_H
#define LIBMAIL_MIME_INTERNAL_H

#include <stddef.h>

/*
 * A header writer that renders into a window of a virtual output.
 *
 * Header sections are rendered from their start every time: the first
 * `skip` bytes are counted but dropped, the next `cap` bytes land in
 * buf, the rest is counted only. Rendering is deterministic, so a
 * section of any length comes out in pieces of cap bytes without
 * keeping any per-token state between pieces. `col` is the column on
 * the current line, `tok` tells whether the field already holds a
 * token after its name (only then is folding allowed).
 */
typedef struct {
	unsigned char *buf;
	size_t cap;
	size_t len;     /* bytes stored in buf */
	size_t skip;    /* bytes to drop before storing */
	size_t total;   /* bytes rendered so far */
	size_t col;
	int tok;
} lm_mime__w;

/** Soft limit for header lines (RFC 5322 2.1.1), and for lines that
 *  hold encoded words (RFC 2047 2). */
#define LM_MIME__FOLD 78
#define LM_MIME__FOLD_EW 76

void lm_mime__w_init(lm_mime__w *w, unsigned char *buf, size_t cap, size_t skip);
void lm_mime__w_put(lm_mime__w *w, const void *p, size_t n);
void lm_mime__w_str(lm_mime__w *w, const char *s);
/* "Name:" at the start of a line. */
void lm_mime__w_field(lm_mime__w *w, const char *name);
/* CRLF ending a field. */
void lm_mime__w_end(lm_mime__w *w);
/* Space or fold (CRLF SP) before a token of n more columns. */
void lm_mime__w_sep(lm_mime__w *w, size_t n, size_t limit);

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), else 0. */
int lm_mime__utf8_valid(const char *s, size_t n);

/* Unstructured text (a subject): atoms folded at spaces when it is
 * printable ASCII without "=?", RFC 2047 encoded words otherwise. */
void lm_mime__w_text(lm_mime__w *w, const char *s);
/* A display name (phrase), then " <addr>"; a bare addr-spec without
 * a name; `trail` more columns (a comma) must fit after it. */
void lm_mime__w_mailbox(lm_mime__w *w, const char *name, const char *addr,
                        size_t trail);
/* RFC 2047 encoded words for s[0..n): `lead` is glued before the
 * first word, `trail` after the last. */
void lm_mime__w_ewords(lm_mime__w *w, const char *s, size_t n,
                       const char *lead, const char *trail);
/* A raw value (already validated printable ASCII and tabs), folded
 * before white space where a line would pass 78. */
void lm_mime__w_raw(lm_mime__w *w, const char *s);
/* A file name as Content-Type "name" (is_disp 0) or
 * Content-Disposition "filename" (is_disp 1) parameter(s), each
 * preceded by ';' already written by the caller for the first. */
void lm_mime__w_fileparam(lm_mime__w *w, const char *filename, int is_disp);

#endif
