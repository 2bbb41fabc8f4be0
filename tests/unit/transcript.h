/*
 * Shared parts of the transcript runners (tests/unit/test_*_transcripts.c):
 * the file reader, escaping, the comparison of a run with its script, and
 * the driver running a file whole, cut in two at every offset of the
 * server stream, and byte by byte. Implemented in helper_transcript.c
 * (the Makefile links every tests/unit/helper_*.c into every test).
 *
 * File format (one item per line; '#' lines and blank lines ignored):
 *   K: text     item of kind K (O S C E A); for S and C the bytes are
 *               text + CRLF
 *   Kx: escaped for S and C: the bytes exactly (\r \n \t \0 \\ \xHH)
 * Each runner documents its options, events and actions.
 */
#ifndef LM_TEST_TRANSCRIPT_H
#define LM_TEST_TRANSCRIPT_H

#include <stddef.h>

#define LM_TR_MAXITEMS 1024
#define LM_TR_LINEMAX 8192

enum { LM_TR_WHOLE, LM_TR_SPLIT, LM_TR_BYTE };

typedef struct {
	char kind;              /* O S C E A */
	char *text;             /* after "X: " (raw) */
	unsigned char *bytes;   /* S/C bytes */
	size_t nbytes;
} lm_tr_item;

typedef struct {
	lm_tr_item it[LM_TR_MAXITEMS];
	size_t n;
} lm_tr_script;

/* Decode \r \n \t \0 \xHH and \<c> (c itself) into out (room for
 * strlen(s) bytes). Returns the byte count. */
size_t lm_tr_unescape(const char *s, unsigned char *out);

/* In place, for action words (addresses): the result is shorter. */
void lm_tr_unescape_str(char *s);

/* Escape for event lines and diagnostics: " and \ backslashed, \r \n,
 * other control bytes and bytes >= 0x7f as \xHH. Always terminated. */
void lm_tr_escape(const unsigned char *p, size_t n, char *out, size_t cap);

/* Read a transcript file; -1 (and a note on stdout for a bad line) on
 * failure. Release with lm_tr_unload(). */
int lm_tr_load(const char *path, lm_tr_script *sc);
void lm_tr_unload(lm_tr_script *sc);

/* "0" -> 0, "LM_ERR_X" -> its code, anything else -> 1000. */
int lm_tr_err_by_name(const char *s);

/* A fixed "random" generator for lm_sasl_creds.rng: the bytes of ud (a
 * string) over and over. */
int lm_tr_fixed_rng(void *ud, unsigned char *buf, size_t n);

/* Compare a run with its script: run error text (if non-empty), then the
 * event log, then the client bytes. Returns 0 on a match, 1 with diag
 * set otherwise. */
int lm_tr_compare(const char *run_err, const char *const *expv, size_t nexp,
                  char *const *log, size_t nlog, const unsigned char *cexp,
                  size_t ncexp, const unsigned char *out, size_t nout,
                  char *diag, size_t dcap);

/* One run of a script in a mode (LM_TR_*; split: the cut offset for
 * LM_TR_SPLIT) against the concatenated server bytes; 0 when it matched
 * the script, otherwise 1 with diag set. */
typedef int (*lm_tr_run_fn)(lm_tr_script *sc, int mode, size_t split,
                            const unsigned char *srv, size_t srv_len,
                            const unsigned char *cexp, size_t ncexp,
                            char *diag, size_t dcap);

/* Optional: a reason to skip the file (printed), or NULL to run it. */
typedef const char *(*lm_tr_skip_fn)(const lm_tr_script *sc);

/* Load path and run it whole, split at every offset, byte by byte,
 * stopping at the first failure (printed). Returns 0 when all matched
 * (or the file was skipped), 1 otherwise. The environment variable
 * LM_TR_SPLITS=N limits the split runs to N offsets spread evenly over
 * the server bytes (for slow runs such as under valgrind). */
int lm_tr_check_file(const char *path, lm_tr_run_fn run, lm_tr_skip_fn skip);

/* How far into the server stream (the S: bytes joined) bytes may be fed
 * once the client has sent nout bytes: a server answers only what it
 * has read, so S: bytes written after a C: item wait until the client
 * has sent everything up to the end of that item (the engines reject a
 * reply received before its command was queued). S: bytes written
 * before a C: item may come early: that is how a script sends a reply
 * too soon. */
size_t lm_tr_causal(const lm_tr_script *sc, size_t nout);

/* The NAME.txt files of dir as malloc'd "dir/NAME.txt" paths, sorted;
 * at most cap. Returns the count, or -1 if dir cannot be opened. */
int lm_tr_list(const char *dir, char **names, size_t cap);

#endif
