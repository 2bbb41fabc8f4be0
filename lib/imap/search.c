/*
 * libmail - IMAP SEARCH criteria builder (lm_imap_sb_*): it checks each
 * key and keeps it as a token in the caller's buffer; lm_imap_search()
 * (cmd_message.c) writes the tokens out as the command.
 */
#include <stdint.h>
#include <string.h>

#include "libmail/core.h"
#include "internal.h"

/* ------------------------------------------------------------------ */
/* SEARCH                                                              */
/* ------------------------------------------------------------------ */

/* Builder storage: tokens "A<atom>\0", "S<string>\0", "(" "\0", ")" "\0",
 * "N\0" (NOT), "O\0" (OR). */

static void
sb_put(lm_imap_sb *s, char type, const char *v, size_t n)
{
	if (s->err)
		return;
	if (s->len + n + 2 > s->cap) {
		s->err = LM_ERR_BUFFER_TOO_SMALL;
		return;
	}
	s->buf[s->len++] = (unsigned char)type;
	memcpy(s->buf + s->len, v, n);
	s->len += n;
	s->buf[s->len++] = '\0';
}

static int
sb_atom(lm_imap_sb *s, const char *key)
{
	size_t i, n;
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	if (key == NULL || (n = strlen(key)) == 0) {
		s->err = s->err ? s->err : LM_ERR_BAD_PARAM;
		return LM_ERR_BAD_PARAM;
	}
	for (i = 0; i < n; i++)
		if (!lm_imap__atom_char((unsigned char)key[i])) {
			s->err = s->err ? s->err : LM_ERR_BAD_PARAM;
			return LM_ERR_BAD_PARAM;
		}
	sb_put(s, 'A', key, n);
	return s->err;
}

static int
sb_string(lm_imap_sb *s, const char *v)
{
	size_t i, n;
	if (v == NULL) {
		s->err = s->err ? s->err : LM_ERR_BAD_PARAM;
		return LM_ERR_BAD_PARAM;
	}
	n = strlen(v);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch == '\r' || ch == '\n') {
			s->err = s->err ? s->err : LM_ERR_BAD_PARAM;
			return LM_ERR_BAD_PARAM;
		}
		if (ch >= 0x80)
			s->utf8 = 1;
	}
	sb_put(s, 'S', v, n);
	return s->err;
}

/*
 * The program's shape (RFC 9051 search-key): NOT takes one key, OR two,
 * "(" one or more before its ")". s->need counts the keys the open NOT
 * and OR still take at the current level (0: the level is complete);
 * a "(" token keeps the outer level's need and open position as its
 * text ("need,open"), so nesting costs no memory in the builder.
 * lm_imap_sb_word() programs are free form (a word may be a key or an
 * argument): only their parentheses are counted.
 */
static void
sb_begin(lm_imap_sb *s)
{
	if (s->need == 0)
		s->need = 1;   /* a new key in the AND sequence */
}

/* One whole key (with its arguments) or group was added. */
static int
sb_operand(lm_imap_sb *s)
{
	if (s->err)
		return s->err;
	sb_begin(s);
	s->need--;
	return 0;
}

/* A search-key name: an atom that starts with a letter (RFC 9051's keys
 * and the extensions' alike). "1:5" or "$" are atoms too, but a server
 * reads them as a sequence set, which lm_imap_sb_set() checks against
 * its grammar: "1::2" or "0" must not slip through here. */
static int
sb_key_name(lm_imap_sb *s, const char *key)
{
	if (s != NULL && key != NULL && !((key[0] | 0x20) >= 'a' && (key[0] | 0x20) <= 'z')) {
		s->err = s->err ? s->err : LM_ERR_BAD_PARAM;
		return LM_ERR_BAD_PARAM;
	}
	return sb_atom(s, key);
}

/* see imap.h */
void
lm_imap_sb_init(lm_imap_sb *s, void *buf, size_t cap)
{
	if (s == NULL)
		return;
	memset(s, 0, sizeof *s);
	s->buf = buf;
	s->cap = buf ? cap : 0;
	if (buf == NULL || cap < 16)
		s->err = LM_ERR_BAD_PARAM;
}

/* see imap.h */
int
lm_imap_sb_key(lm_imap_sb *s, const char *key)
{
	int r = sb_key_name(s, key);
	return r ? r : sb_operand(s);
}

/* see imap.h */
int
lm_imap_sb_str(lm_imap_sb *s, const char *key, const char *value)
{
	int r = sb_key_name(s, key);
	if (r == 0)
		r = sb_string(s, value);
	return r ? r : sb_operand(s);
}

/* see imap.h */
int
lm_imap_sb_header(lm_imap_sb *s, const char *field, const char *value)
{
	int r = sb_atom(s, "HEADER");
	if (r)
		return r;
	r = sb_string(s, field);
	if (r == 0)
		r = sb_string(s, value);
	return r ? r : sb_operand(s);
}

/* see imap.h */
int
lm_imap_sb_num(lm_imap_sb *s, const char *key, uint64_t n)
{
	char d[24];
	int k = 0, r;
	char out[24];
	int w = 0;
	/* RFC 9051 number64 (LARGER, SMALLER) and RFC 7162
	 * mod-sequence-valzer (MODSEQ) end at 2^63 - 1 */
	if (s != NULL && n > 0x7fffffffffffffffull) {
		s->err = s->err ? s->err : LM_ERR_BAD_PARAM;
		return LM_ERR_BAD_PARAM;
	}
	r = sb_key_name(s, key);
	if (r)
		return r;
	do {
		d[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (k)
		out[w++] = d[--k];
	sb_put(s, 'A', out, (size_t)w);
	return sb_operand(s);
}

/* see imap.h */
int
lm_imap_sb_date(lm_imap_sb *s, const char *key, int y, int m, int d)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char out[16];
	int r;
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) {
		s->err = s->err ? s->err : LM_ERR_BAD_PARAM;
		return LM_ERR_BAD_PARAM;
	}
	r = sb_key_name(s, key);
	if (r)
		return r;
	out[0] = (char)('0' + d / 10);
	out[1] = (char)('0' + d % 10);
	out[2] = '-';
	memcpy(out + 3, mon[m - 1], 3);
	out[6] = '-';
	out[7] = (char)('0' + y / 1000);
	out[8] = (char)('0' + y / 100 % 10);
	out[9] = (char)('0' + y / 10 % 10);
	out[10] = (char)('0' + y % 10);
	sb_put(s, 'A', d < 10 ? out + 1 : out, d < 10 ? 10 : 11);
	return sb_operand(s);
}

/* see imap.h */
int
lm_imap_sb_set(lm_imap_sb *s, int uid, const char *set)
{
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	/* the commands' grammar (RFC 9051 sequence-set, or "$" alone):
	 * "1::2" or "0" would make the server answer BAD */
	if (set == NULL || !(lm_imap__set_ok(set) || strcmp(set, "$") == 0)) {
		s->err = s->err ? s->err : LM_ERR_BAD_PARAM;
		return LM_ERR_BAD_PARAM;
	}
	if (uid)
		sb_put(s, 'A', "UID", 3);
	sb_put(s, 'A', set, strlen(set));
	return sb_operand(s);
}

/* see imap.h */
int
lm_imap_sb_not(lm_imap_sb *s)
{
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	sb_put(s, 'N', "", 0);
	if (!s->err)
		sb_begin(s);   /* NOT takes the key's place and one more */
	return s->err;
}

/* see imap.h */
int
lm_imap_sb_or(lm_imap_sb *s)
{
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	sb_put(s, 'O', "", 0);
	if (!s->err) {
		sb_begin(s);
		s->need++;     /* OR takes the key's place and two more */
	}
	return s->err;
}

/* The outer level's need and open position, kept in a "(" token as
 * two 16-digit hex numbers (never a NUL, so tokens stay strings). */
#define SB_OUTER 32

static void
put_hex(char *d, uint64_t v)
{
	int i;
	for (i = 15; i >= 0; i--, v >>= 4)
		d[i] = "0123456789abcdef"[v & 15];
}

static uint64_t
get_hex(const unsigned char *p)
{
	uint64_t v = 0;
	int i;
	for (i = 0; i < 16; i++)
		v = v << 4 | (uint64_t)(p[i] <= '9' ? p[i] - '0' : p[i] - 'a' + 10);
	return v;
}

/* see imap.h */
int
lm_imap_sb_open(lm_imap_sb *s)
{
	char outer[SB_OUTER];
	size_t at;

	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	sb_begin(s);
	put_hex(outer, s->need);
	put_hex(outer + 16, s->open);
	at = s->len;
	sb_put(s, '(', outer, SB_OUTER);
	if (s->err)
		return s->err;
	s->depth++;
	s->open = at + 1;
	s->need = 1;   /* a group holds one key or more */
	return 0;
}

/* see imap.h */
int
lm_imap_sb_close(lm_imap_sb *s)
{
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	if (s->depth == 0 || (s->need != 0 && !s->words)) {
		/* no "(" open, or "()", "(NOT)", "(OR a)" */
		s->err = s->err ? s->err : LM_ERR_BAD_STATE;
		return LM_ERR_BAD_STATE;
	}
	sb_put(s, ')', "", 0);
	if (s->err)
		return s->err;
	s->depth--;
	s->need = (size_t)get_hex(s->buf + s->open);
	s->open = (size_t)get_hex(s->buf + s->open + 16);
	return sb_operand(s);
}

/* see imap.h */
int
lm_imap_sb_word(lm_imap_sb *s, const char *word)
{
	size_t i, n;
	int atom = 1;
	if (s == NULL)
		return LM_ERR_BAD_PARAM;
	s->words = 1;
	if (word == NULL || (n = strlen(word)) == 0)
		return sb_string(s, word ? word : NULL);
	/* a sequence set ("1:*", "$") is a key of its own; '*' is no
	 * atom-char, so it would otherwise go out as a string */
	if (lm_imap__set_ok(word) || strcmp(word, "$") == 0) {
		sb_put(s, 'A', word, n);
		return s->err;
	}
	for (i = 0; i < n; i++)
		if (!lm_imap__atom_char((unsigned char)word[i]))
			atom = 0;
	if (atom)
		return sb_atom(s, word);
	return sb_string(s, word);
}
