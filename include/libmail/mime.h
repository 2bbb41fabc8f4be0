/*
 * libmail - MIME (lib/mime): building messages (RFC 5322, RFC 2045-2049,
 * RFC 2047 encoded words, RFC 2231 parameters).
 *
 * This first piece is a streaming message composer: the caller describes
 * a message (addresses, subject, date, a text body, attachments) and
 * pulls the complete message as CRLF text, in pieces of any size, with
 * memory that does not grow with the message. Like the protocol engines
 * it does no I/O, reads no clock and allocates nothing: the clock value,
 * the Message-ID and the randomness for MIME boundaries come from the
 * caller, and the body and attachments are pulled through lm_read_fn
 * callbacks. The output can be handed straight to an SMTP engine (whose
 * DATA phase does the dot-stuffing).
 *
 * Nothing here is thread-safe for one object; different objects are
 * independent.
 */
#ifndef LIBMAIL_MIME_H
#define LIBMAIL_MIME_H

#include "common.h"
#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Header helpers                                                      */
/* ------------------------------------------------------------------ */

/** Length of an RFC 5322 date as written by lm_mime_date_format(),
 *  e.g. "Sat, 21 Nov 2026 21:56:43 +0100" (31 characters). */
#define LM_MIME_DATE_LEN 31

/**
 * \brief Format an RFC 5322 date-time (section 3.3) from a Unix time and
 *        a zone offset: "Sat, 21 Nov 2026 21:56:43 +0100".
 *
 * The local time shown is t + tz_offset_min * 60; the zone is written
 * as +hhmm / -hhmm. Pure arithmetic (proleptic Gregorian calendar, no
 * leap seconds), no libc time functions, no locale.
 *
 * \param t              seconds since 1970-01-01T00:00:00Z (may be negative).
 * \param tz_offset_min  offset of the local zone from UTC in minutes,
 *                       -1439..+1439 (e.g. +60 for CET, -300 for EST).
 * \param out            receives LM_MIME_DATE_LEN characters and a NUL.
 * \param cap            size of out; at least LM_MIME_DATE_LEN + 1.
 * \param outlen         set to LM_MIME_DATE_LEN on success (may be NULL).
 * \return 0; LM_ERR_BAD_PARAM if the offset is out of range or the local
 *         year is outside 1900..9999 (RFC 5322 asks for a four-digit
 *         year of 1900 or later), or out is NULL;
 *         LM_ERR_BUFFER_TOO_SMALL if cap is too small.
 */
LM_API int lm_mime_date_format(long long t, int tz_offset_min, char *out,
                               size_t cap, size_t *outlen);

/**
 * \brief Guess a Content-Type from a file name's extension
 *        (case-insensitive): txt text/plain, htm/html text/html,
 *        pdf application/pdf, png image/png, jpg/jpeg image/jpeg,
 *        gif image/gif, csv text/csv, json application/json,
 *        zip application/zip, gz application/gzip, xml application/xml;
 *        anything else (or NULL, or no extension) gives
 *        application/octet-stream.
 * \return a static string; never NULL.
 */
LM_API const char *lm_mime_guess_type(const char *filename);

/* ------------------------------------------------------------------ */
/* Message composer                                                    */
/* ------------------------------------------------------------------ */

/** Value for lm_mime_compose_opts.version. */
#define LM_MIME_COMPOSE_VERSION 1

/** Initializer for lm_mime_compose_opts: everything empty. */
#define LM_MIME_COMPOSE_OPTS_INIT { .version = LM_MIME_COMPOSE_VERSION }

/**
 * A mailbox: optional display name and an address.
 *
 * name may be NULL or "" (no display name); it is UTF-8. ASCII names
 * are written as atoms or as an RFC 5322 quoted-string (with \" and \\
 * escapes) when they hold specials; names with non-ASCII characters,
 * control characters or very long words become RFC 2047 encoded words.
 *
 * addr is the addr-spec (local@domain) and is written as given: it must
 * contain an '@', at most 254 bytes, and no control character, space,
 * '<' or '>' (quoted local parts with spaces are not supported). Domains
 * are NOT converted to A-labels here: the SMTP engine handles IDNA on
 * the envelope, and a UTF-8 address in a header needs SMTPUTF8
 * (RFC 6532) on the way.
 */
typedef struct {
	const char *name;
	const char *addr;
} lm_mime_mailbox;

/** An attachment, streamed through a read callback. */
typedef struct {
	/** UTF-8 file name shown to the recipient, or NULL for none.
	 *  Written as filename="..." when it is short printable ASCII,
	 *  else as RFC 2231 filename*=utf-8''... (with continuations when
	 *  long) plus an RFC 2047 name="=?utf-8?...?=" for old readers. */
	const char *filename;
	/** "type/subtype" with optional "; parameters" (printable ASCII),
	 *  or NULL to guess from the file name (lm_mime_guess_type()). */
	const char *content_type;
	/** The attachment's bytes: called until it reports the end
	 *  (*got == 0). A negative return aborts the message with that code.
	 *  Sizes need not be known in advance. */
	lm_read_fn read;
	void *ud;
} lm_mime_attachment;

/**
 * What to compose. Every pointer is borrowed: the strings, arrays and
 * callbacks must stay valid until the last lm_mime_compose_read() call
 * (the composer copies this struct, not what it points to).
 */
typedef struct {
	int version;                      /**< LM_MIME_COMPOSE_VERSION */
	lm_mime_mailbox from;             /**< required (addr non-NULL) */
	const lm_mime_mailbox *to;        /**< nto entries; no To: when 0 */
	size_t nto;
	const lm_mime_mailbox *cc;        /**< ncc entries; Bcc never goes into a header */
	size_t ncc;
	/** UTF-8; NULL for no Subject:. Written as is when it is printable
	 *  ASCII without "=?", words of at most 70 characters and no leading
	 *  or trailing space (folded at spaces), else as encoded words. */
	const char *subject;
	long long date;                   /**< Unix time in seconds (the caller has the clock) */
	int tz_offset_min;                /**< zone offset in minutes, e.g. +60 */
	/** The id without <>, made by the caller (e.g. random@domain):
	 *  printable ASCII with an '@', no '<', '>' or space, at most 250
	 *  bytes. NULL for no Message-ID: (the submission server adds one). */
	const char *message_id;
	/** The text/plain body (UTF-8): either text[0..text_len) (may be
	 *  NULL when text_len is 0) or a text_read callback, not both.
	 *  LF or CRLF line ends; bare LF become CRLF. With neither and
	 *  attachments present, the message has no text part. */
	const char *text;
	size_t text_len;
	lm_read_fn text_read;
	void *text_ud;
	const lm_mime_attachment *att;    /**< natt attachments */
	size_t natt;
	/** nextra complete header lines "Name: value" without CRLF. The name
	 *  is 1..76 printable ASCII characters other than ':'; the value is
	 *  printable ASCII and tabs (encode anything else yourself), with no
	 *  run of more than 900 characters without white space (long values
	 *  are folded at white space). Names the composer writes itself
	 *  (Date, From, To, Cc, Bcc, Subject, Message-ID, MIME-Version,
	 *  Content-Type, Content-Transfer-Encoding, Content-Disposition) are
	 *  refused. */
	const char *const *extra_headers;
	size_t nextra;
	/** Caller-supplied randomness; the MIME boundary is "=_" followed by
	 *  these 16 bytes in hex. */
	unsigned char boundary_seed[16];
} lm_mime_compose_opts;

/** Size of the composer's internal staging buffer. */
#define LM_MIME_COMPOSE_STAGE 512
/** Size of the composer's input buffer for callback sources (4 * 57). */
#define LM_MIME_COMPOSE_INBUF 228

/**
 * Where the composer resumes rendering a header section: the position
 * after the last complete token (field, mailbox, word, encoded word,
 * parameter piece) and the little state the line folder carries there.
 * Part of lm_mime_compose; members are private.
 */
typedef struct {
	size_t LM_PRIVATE(total);         /* section bytes before this point */
	size_t LM_PRIVATE(col);           /* column on the current line */
	int LM_PRIVATE(tok);              /* a token follows the field name */
	int LM_PRIVATE(kind);             /* how the current string is written */
	int LM_PRIVATE(q);                /* encoded words use Q (else B) */
	unsigned LM_PRIVATE(field);       /* field (or step) of the section */
	unsigned LM_PRIVATE(sub);         /* step within the item */
	size_t LM_PRIVATE(item);          /* mailbox / extra header index */
	size_t LM_PRIVATE(pos);           /* offset in the current string */
	size_t LM_PRIVATE(n);             /* length of the current string */
	size_t LM_PRIVATE(k);             /* RFC 2231 continuation number */
} lm_mime_compose_pos;

/**
 * The composer. Allocate it anywhere (stack, static, heap); its size is
 * fixed and does not depend on the message. Members are private.
 */
typedef struct {
	lm_mime_compose_opts LM_PRIVATE(o);
	int LM_PRIVATE(phase);
	int LM_PRIVATE(err);              /* sticky error, returned by read */
	int LM_PRIVATE(cte);              /* encoding of the text part */
	int LM_PRIVATE(has_text);
	size_t LM_PRIVATE(part);          /* current attachment */
	size_t LM_PRIVATE(skip);          /* bytes of the rendered section already staged */
	lm_mime_compose_pos LM_PRIVATE(hpos); /* resume point in that section */
	size_t LM_PRIVATE(rendered);      /* header bytes rendered, for tests */
	char LM_PRIVATE(boundary)[36];
	unsigned char LM_PRIVATE(stage)[LM_MIME_COMPOSE_STAGE];
	size_t LM_PRIVATE(slen);
	size_t LM_PRIVATE(spos);
	/* body source */
	lm_read_fn LM_PRIVATE(src_read);
	void *LM_PRIVATE(src_ud);
	const unsigned char *LM_PRIVATE(src_mem);
	size_t LM_PRIVATE(src_len);
	size_t LM_PRIVATE(src_off);
	int LM_PRIVATE(src_eof);
	unsigned char LM_PRIVATE(in)[LM_MIME_COMPOSE_INBUF];
	/* body encoder */
	int LM_PRIVATE(enc);
	int LM_PRIVATE(crlf);             /* convert bare LF to CRLF */
	int LM_PRIVATE(pend_cr);          /* last input byte was CR */
	int LM_PRIVATE(bol);              /* output is at the start of a line */
	lm_qp_enc LM_PRIVATE(qp);
	lm_b64_enc LM_PRIVATE(b64);
} lm_mime_compose;

/**
 * \brief Check a message description and prepare to produce it.
 *
 * Everything is validated first; on any error nothing is produced and
 * lm_mime_compose_read() keeps returning that error. The text body's
 * Content-Transfer-Encoding is chosen here: 7bit when it is ASCII with
 * lines of at most 998 characters (and does not contain the boundary),
 * quoted-printable when it is mostly ASCII, base64 otherwise. A body
 * given through text_read cannot be inspected in advance and is always
 * quoted-printable.
 *
 * \param m  the composer (fully overwritten).
 * \param o  the description; copied, but everything it points to is
 *           borrowed (see lm_mime_compose_opts).
 * \return 0; LM_ERR_BAD_PARAM for a NULL argument, a wrong version, CR,
 *         LF or NUL in any header value, name, address, filename or
 *         content type, invalid UTF-8 in a name, subject or filename,
 *         a malformed address, Message-ID, content type or extra header,
 *         a date outside 1900..9999 or an offset beyond +-1439 minutes,
 *         both text and text_read given, or an attachment without read.
 */
LM_API int lm_mime_compose_init(lm_mime_compose *m,
                                const lm_mime_compose_opts *o);

/**
 * \brief Pull the next bytes of the message (the lm_read_fn shape, so
 *        the composer itself can be the body source of another stage).
 *
 * Writes up to cap bytes of the message into buf and sets *got. Any cap
 * >= 1 works; the bytes are the same whatever the sizes asked. The
 * message is CRLF text: header lines are folded at 78 columns where the
 * syntax allows (encoded words at 76), base64 lines are 76 characters,
 * quoted-printable lines at most 76, and no line exceeds 998.
 *
 * Time is linear in the message size, whatever the read sizes: a header
 * section is rendered in tokens (a field, one mailbox of an address
 * list, one word of a subject or display name, one encoded word, one
 * character of an extra header, one RFC 2231 piece of a file name), and
 * each refill of the internal stage resumes from the last complete
 * token, so it renders again at most one token (a few hundred bytes).
 * No header value is limited in length for this.
 *
 * \param m  an lm_mime_compose * (void * for the lm_read_fn shape).
 * \return 0 with *got > 0 while there is more, 0 with *got == 0 at the
 *         end; a negative code from a text/attachment callback (or
 *         LM_ERR_CALLBACK if one claimed more bytes than asked), which
 *         is sticky (bytes already delivered in the same call are
 *         reported first, the error on the next call); the init error
 *         after a failed lm_mime_compose_init(); LM_ERR_BAD_STATE on a
 *         composer never initialized or already freed.
 */
LM_API int lm_mime_compose_read(void *m, unsigned char *buf, size_t cap,
                                size_t *got);

/** \brief Forget the message and zeroize the composer. NULL-safe, idempotent. */
LM_API void lm_mime_compose_free(lm_mime_compose *m);

#ifdef __cplusplus
}
#endif
#endif
