/*
 * libmail - MIME (lib/mime): building messages (RFC 5322, RFC 2045-2049,
 * RFC 2047 encoded words, RFC 2231 parameters).
 *
 * This first piece is a streaming message composer: the caller describes
 * a message (addresses, subject, date, text and HTML bodies, inline
 * parts, attachments) and
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
 * control characters, "=?" (which readers would try to decode even
 * inside quotes) or very long words become RFC 2047 encoded words.
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
	 *  or NULL to guess from the file name (lm_mime_guess_type()).
	 *  type and subtype are RFC 2045 tokens of at most 64 characters
	 *  each (RFC 6838 4.2); each parameter is attribute=value, the
	 *  value a token or a complete quoted-string; anything else is
	 *  refused (a reader would see another type, or the composer's own
	 *  name parameter swallowed by an open quote). */
	const char *content_type;
	/** The attachment's bytes: called until it reports the end
	 *  (*got == 0). A negative return aborts the message with that code.
	 *  Sizes need not be known in advance. Sent as base64, always inside
	 *  a multipart (a message whose only part is an attachment is a
	 *  multipart/mixed of one), so a reader gets exactly these bytes:
	 *  no line end is converted or added. */
	lm_read_fn read;
	void *ud;
} lm_mime_attachment;

/**
 * A part described fully (lm_mime_compose_opts.parts): an attachment
 * or an inline part, streamed or in memory. lm_mime_attachment stays as
 * it was (callers that fill it field by field keep working); this one
 * is for the newer options. Zero-initialize it ({0}) before filling.
 */
typedef struct {
	const char *filename;             /**< as in lm_mime_attachment */
	const char *content_type;         /**< as in lm_mime_attachment */
	/** The bytes from a callback (as in lm_mime_attachment: always
	 *  base64, since they cannot be inspected in advance; like every
	 *  part, inside a multipart, with nothing converted or added) ... */
	lm_read_fn read;
	void *ud;
	/** ... or, with read NULL, in memory: data[0..len) (data may be
	 *  NULL when len is 0). Such content is inspected and its
	 *  Content-Transfer-Encoding chosen by content: 7bit for ASCII with
	 *  CRLF line ends only and lines of at most 998, else
	 *  quoted-printable for mostly-ASCII text types with CRLF line ends
	 *  only, else base64 (every byte comes back as it was). */
	const void *data;
	size_t len;
	/** NULL for an ordinary attachment. Else the Content-ID (without
	 *  <>: 1..250 printable ASCII characters other than '<', '>' and
	 *  space) of an inline part: written as "Content-ID: <id>" with
	 *  "Content-Disposition: inline". When the message has an HTML
	 *  body, inline parts go with it into a multipart/related (the HTML
	 *  refers to them as "cid:id"); without HTML they stay in the
	 *  multipart/mixed. */
	const char *content_id;
} lm_mime_part;

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
	 *  LF or CRLF line ends; bare LF become CRLF (a CR not before an
	 *  LF stays a CR). With neither and attachments or HTML present,
	 *  the message has no text part; with neither and nothing else, it
	 *  has an empty one.
	 *
	 *  A reader decodes the body back to exactly this text with bare LF
	 *  made CRLF, with one exception: when the text is the message's
	 *  only part (no HTML, no attachments, so no multipart), is not
	 *  empty, does not end with LF, and is sent as 7bit or
	 *  quoted-printable (see lm_mime_compose_init(); text_read always
	 *  is), the message ends with a CRLF after it that the reader sees
	 *  as part of the body: "Hi" reads back as "Hi\r\n", "a\r" as
	 *  "a\r\r\n". A base64 body reads back without it. In a multipart
	 *  message nothing is added: the CRLF before each delimiter belongs
	 *  to the delimiter (RFC 2046 5.1.1). */
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
	/** Reply-To: mailboxes (nreply_to entries; none when 0). While it
	 *  is set, an extra header named Reply-To is refused. */
	const lm_mime_mailbox *reply_to;
	size_t nreply_to;
	/** The text/html body (UTF-8), like text: html[0..html_len) or an
	 *  html_read callback, not both; its encoding is chosen the same
	 *  way (html_read: quoted-printable), line ends are made CRLF the
	 *  same way, and when the HTML is the message's only part (no text,
	 *  no attachments) it gains the final CRLF under the same
	 *  conditions as text. With both text and HTML the
	 *  body is multipart/alternative (text first, RFC 2046 5.1.4);
	 *  with HTML and inline attachments (content_id) the HTML branch is
	 *  multipart/related (RFC 2387, type="text/html"); with ordinary
	 *  attachments all of it goes into a multipart/mixed. Multipart
	 *  levels get distinct boundaries: "=_" + seed in hex for the
	 *  outermost, "=1_" + seed and "=2_" + seed inside it; none is a
	 *  prefix of another, and none can occur in quoted-printable or
	 *  base64 output (a 7bit part holding the seed's hex is not sent
	 *  as 7bit). */
	const char *html;
	size_t html_len;
	lm_read_fn html_read;
	void *html_ud;
	/** nparts more attachments / inline parts, after att[] in the
	 *  message (inline parts of a related go first, in order). */
	const lm_mime_part *parts;
	size_t nparts;
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
	int LM_PRIVATE(has_html);
	int LM_PRIVATE(hcte);             /* encoding of the HTML part */
	int LM_PRIVATE(pcte);             /* encoding of the current leaf */
	int LM_PRIVATE(ltype);            /* current leaf: text, html, attachment */
	int LM_PRIVATE(apass);            /* attachments: 1 inline, 2 others */
	size_t LM_PRIVATE(aidx);          /* current attachment index */
	size_t LM_PRIVATE(ninline);       /* inline parts in the related */
	size_t LM_PRIVATE(nleaves);
	int LM_PRIVATE(nct);              /* multipart levels (chain, outermost first) */
	int LM_PRIVATE(ct_kind)[3];       /* mixed, alternative, related */
	size_t LM_PRIVATE(ct_first)[3];   /* first leaf of each level */
	size_t LM_PRIVATE(ct_end)[3];     /* one past its last leaf */
	size_t LM_PRIVATE(part);          /* current leaf */
	lm_mime_part LM_PRIVATE(cur);     /* the current attachment */
	size_t LM_PRIVATE(skip);          /* bytes of the rendered section already staged */
	lm_mime_compose_pos LM_PRIVATE(hpos); /* resume point in that section */
	size_t LM_PRIVATE(rendered);      /* header bytes rendered, for tests */
	char LM_PRIVATE(boundary)[3][36];
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
 *         both text and text_read (or html and html_read) given, an
 *         attachment without read, a part with neither or both of read
 *         and data, a bad
 *         content_id, or a Reply-To extra header while reply_to is set.
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

/* ------------------------------------------------------------------ */
/* Header codecs                                                       */
/* ------------------------------------------------------------------ */
/*
 * Decoding what other mailers wrote: RFC 5322 addresses and dates,
 * RFC 2047 encoded words, RFC 2231 parameters, Content-Type and
 * Content-Disposition, and charset conversion to UTF-8. Like the rest of
 * lib/mime these functions do no I/O and (except through iconv, see
 * lm_mime_conv_init()) allocate nothing: results go into buffers the
 * caller provides, or are slices into the input.
 *
 * Real mail is often broken. The decoders repair what other readers
 * repair and report each repair as a defect bit (LM_MIME_DEF_*) rather
 * than failing. Bits 0..15 belong to the header codecs; the message
 * parser defines its own from bit 16 up, so both fit in one unsigned.
 */

/** An RFC 2047 encoded word was malformed and was left as it is. */
#define LM_MIME_DEF_EW_MALFORMED   0x0001u
/** A charset was unknown (or not built in): the bytes were kept raw
 *  (encoded words) or read as UTF-8 (lm_mime_conv). */
#define LM_MIME_DEF_CHARSET        0x0002u
/** Bytes invalid in their charset (or raw 8-bit text that is not
 *  UTF-8) were replaced by U+FFFD. */
#define LM_MIME_DEF_INVALID_BYTES  0x0004u
/** An encoded word in a place RFC 2047 forbids (inside a quoted-string
 *  or glued to other text) was decoded anyway. */
#define LM_MIME_DEF_EW_PLACEMENT   0x0008u
/** Address syntax repaired: a missing comma, junk skipped, an
 *  unterminated quote, comment, angle-addr or group. */
#define LM_MIME_DEF_ADDR_SYNTAX    0x0010u
/** An obsolete address form (RFC 5322 4.4): obs-route, CFWS inside
 *  the local part or domain, obs-local-part, obs-phrase. */
#define LM_MIME_DEF_ADDR_OBS       0x0020u
/** A mailbox did not fit in the scratch buffer, or a limit (comment
 *  depth, IDN length) was hit; what could not be kept was dropped. */
#define LM_MIME_DEF_TRUNCATED      0x0040u
/** Parameter syntax repaired (missing '=' or value, unterminated quote,
 *  junk). */
#define LM_MIME_DEF_PARAM_SYNTAX   0x0080u
/** RFC 2231 continuations incomplete (gap, duplicate section, too many
 *  sections) or a bad extended value (charset'lang'..., bad %XX). */
#define LM_MIME_DEF_PARAM_2231     0x0100u
/** An obsolete date form (RFC 5322 4.3): two-digit year, named zone,
 *  missing seconds, comments or extra white space. */
#define LM_MIME_DEF_DATE_OBS       0x0200u
/** A date whose day of week does not match the date (ignored). */
#define LM_MIME_DEF_DATE_WEEKDAY   0x0400u
/** A Content-Type or Content-Disposition value was not type/subtype
 *  (or token): see lm_mime_ctype_parse(). */
#define LM_MIME_DEF_CTYPE_SYNTAX   0x0800u
/** An IDN domain could not be shown as Unicode (kept as A-labels). */
#define LM_MIME_DEF_IDNA           0x1000u

/**
 * \brief Short stable name of one defect bit ("ew_malformed",
 *        "charset", "invalid_bytes", ...), for diagnostics and JSON.
 * \return a static string; "unknown" for a bit that is not a header
 *         codec defect (0 or more than one bit set, or bits >= 16).
 */
LM_API const char *lm_mime_defect_name(unsigned bit);

/* --- Charset conversion to UTF-8 ---------------------------------- */

/**
 * \brief Identify a charset name (MIME/IANA names and common aliases,
 *        case-insensitive, surrounding white space and quotes ignored):
 *        "utf-8"/"utf8", "us-ascii"/"ascii", "iso-8859-N"/"latinN"/
 *        "iso_8859-N"/"l1".., "windows-125N"/"cp125N", "koi8-r",
 *        "koi8-u", and (converted through iconv) "gb2312", "gbk", "gb18030",
 *        "big5", "shift_jis"/"sjis"/"x-sjis", "euc-jp", "iso-2022-jp",
 *        "euc-kr", plus "utf-16"/"utf-16be"/"utf-16le"/"utf-7".
 * \return a positive charset id, or 0 when the name is unknown. The
 *         id of a name that needs iconv is returned even in ICONV=0
 *         builds (lm_mime_charset_supported() tells).
 */
LM_API int lm_mime_charset_id(const char *name, size_t n);

/** \brief Canonical (MIME) name of an id, e.g. "ISO-8859-2"; "" for 0
 *         or an unknown id. Static string. */
LM_API const char *lm_mime_charset_name(int id);

/** \brief 1 if this build converts charset id (built-in table, or iconv
 *         in a build with ICONV=1 whose iconv knows it), else 0. */
LM_API int lm_mime_charset_supported(int id);

/** UTF-8 bytes a conversion may write per input byte, at most:
 *  lm_mime_conv_update() never needs more than
 *  LM_MIME_CONV_MAX(n) bytes of output for n bytes of input, and
 *  lm_mime_conv_final() never more than LM_MIME_CONV_FINAL_MAX. */
#define LM_MIME_CONV_MAX(n) (3 * (n) + 16)
#define LM_MIME_CONV_FINAL_MAX 32

/**
 * A streaming converter from one charset to UTF-8. Multi-byte sequences
 * split across chunks are kept in the struct, so the output does not
 * depend on how the input is cut. Members are private.
 */
typedef struct {
	int LM_PRIVATE(id);               /* charset id, 0 = unknown (read as UTF-8) */
	int LM_PRIVATE(conv);             /* how: utf-8, table, iconv, pass */
	unsigned LM_PRIVATE(defects);
	const unsigned short *LM_PRIVATE(table); /* single-byte: 0x80..0xFF */
	unsigned char LM_PRIVATE(pend)[8];       /* incomplete input sequence */
	size_t LM_PRIVATE(npend);
	unsigned char LM_PRIVATE(obuf)[16];      /* converted, not yet written */
	size_t LM_PRIVATE(opos);
	size_t LM_PRIVATE(olen);
	void *LM_PRIVATE(ic);             /* iconv_t when conv is iconv */
} lm_mime_conv;

/**
 * \brief Start converting from charset name[0..n) to UTF-8.
 *
 * Never fails for a name: an unknown charset (or one this build cannot
 * convert) sets LM_MIME_DEF_CHARSET and the input is then read as
 * UTF-8 (valid UTF-8 passes, the rest becomes U+FFFD). Output is always
 * valid UTF-8; bytes invalid in the charset become U+FFFD and set
 * LM_MIME_DEF_INVALID_BYTES.
 *
 * Multi-byte East Asian charsets go through iconv (glibc) in hosts built
 * with ICONV=1 (the default): iconv_open() allocates, so such a
 * converter holds heap memory until lm_mime_conv_free(), which the
 * caller MUST then call. The built-in charsets (UTF-8, US-ASCII,
 * ISO-8859-*, Windows-125x, KOI8-R/U) never allocate.
 * \return 0; LM_ERR_BAD_PARAM for a NULL c (name may be NULL with n 0:
 *         UTF-8).
 */
LM_API int lm_mime_conv_init(lm_mime_conv *c, const char *name, size_t n);

/** \brief Same as lm_mime_conv_init() with an id from lm_mime_charset_id(). */
LM_API int lm_mime_conv_init_id(lm_mime_conv *c, int id);

/**
 * \brief Convert in[0..n) into out[0..cap): *used input bytes consumed,
 *        *written output bytes produced (whole UTF-8 characters only).
 *        Stops early when out is full; call again with the rest. Any
 *        cap works, but a call makes progress (used or written > 0)
 *        only when cap >= 4 or output is pending.
 * \return 0; LM_ERR_BAD_PARAM for NULL pointers; LM_ERR_BAD_STATE for
 *         a converter never initialized or already freed.
 */
LM_API int lm_mime_conv_update(lm_mime_conv *c, const void *in, size_t n,
                               char *out, size_t cap, size_t *used,
                               size_t *written);

/**
 * \brief End of input: an incomplete sequence becomes U+FFFD (with
 *        LM_MIME_DEF_INVALID_BYTES); a stateful charset (ISO-2022-JP)
 *        returns to its initial state. After it the converter starts
 *        again as if just initialized (same charset, defects kept).
 * \return 0; LM_ERR_BUFFER_TOO_SMALL when out could not take
 *         everything (*written bytes were written; call again);
 *         LM_ERR_BAD_STATE for a converter never initialized or freed.
 */
LM_API int lm_mime_conv_final(lm_mime_conv *c, char *out, size_t cap,
                              size_t *written);

/** \brief Defects seen so far (LM_MIME_DEF_CHARSET, _INVALID_BYTES). */
LM_API unsigned lm_mime_conv_defects(const lm_mime_conv *c);

/** \brief Release iconv state, zeroize. NULL-safe, idempotent. */
LM_API void lm_mime_conv_free(lm_mime_conv *c);

/**
 * \brief One-shot conversion of in[0..n) in charset name[0..nlen) to
 *        UTF-8 in out[0..cap) (no NUL written).
 * \param defects  OR-ed with the defects found (may be NULL).
 * \return 0; LM_ERR_BUFFER_TOO_SMALL (LM_MIME_CONV_MAX(n) always
 *         suffices); LM_ERR_BAD_PARAM for NULL pointers.
 */
LM_API int lm_mime_conv_string(const char *name, size_t nlen, const void *in,
                               size_t n, char *out, size_t cap, size_t *outlen,
                               unsigned *defects);

/* --- RFC 2047 encoded words --------------------------------------- */

/** Output room that lm_mime_ew_decode() never exceeds for n input bytes. */
#define LM_MIME_EW_DECODED_MAX(n) (3 * (n) + 4)

/**
 * \brief Decode an unstructured header value (Subject, Comments, ...)
 *        to UTF-8: RFC 2047 encoded words ("=?charset?B|Q?...?=",
 *        RFC 2231 "*lang" suffix accepted) are decoded and converted
 *        with lm_mime_conv; white space between two adjacent encoded
 *        words is dropped; the bytes of adjacent words in the same
 *        charset are converted together, so a character split across
 *        two words comes out whole. Folding is undone (each CR and LF is
 *        removed). Text outside encoded words is taken as UTF-8
 *        (RFC 6532); invalid bytes there become U+FFFD.
 *
 * Tolerated, each with a defect bit: malformed words (left as they
 * are: LM_MIME_DEF_EW_MALFORMED), unknown charsets (the word's decoded
 * bytes are kept unconverted and read as UTF-8, invalid ones becoming
 * U+FFFD: LM_MIME_DEF_CHARSET), words glued to text (decoded:
 * LM_MIME_DEF_EW_PLACEMENT). The output is always valid UTF-8 and
 * never contains CR or LF (a CR or LF inside an encoded word comes out
 * as a space). No NUL is written.
 * \param defects  OR-ed with the defects found (may be NULL).
 * \return 0; LM_ERR_BUFFER_TOO_SMALL (LM_MIME_EW_DECODED_MAX(n) always
 *         suffices); LM_ERR_BAD_PARAM for NULL pointers.
 */
LM_API int lm_mime_ew_decode(const char *in, size_t n, char *out, size_t cap,
                             size_t *outlen, unsigned *defects);

/**
 * \brief Encode UTF-8 text for an unstructured header field (the
 *        composer's encoder, see lm_mime_compose_opts.subject): written
 *        as is when it is printable ASCII without "=?", with words of at
 *        most 70 characters and no leading or trailing space, folded at
 *        spaces before column 78; otherwise as RFC 2047 "=?UTF-8?Q?" or
 *        "?B?" words (whichever is shorter), lines of at most 76
 *        columns, never splitting a UTF-8 character.
 *
 * The result is what follows the field name's colon: it starts with a
 * space, or with a fold (CRLF SP) when the first word does not fit after
 * `col` (empty text gives an empty result); folds are CRLF SP, and it
 * has no final CRLF; `col` is the
 * column after the colon (e.g. 8 for "Subject:"). No NUL is written.
 * \param text  NUL-terminated UTF-8.
 * \return 0; LM_ERR_BAD_PARAM for NULL, invalid UTF-8, CR, LF or other
 *         control characters except tab (encode-side contract of the
 *         composer), or col > 76; LM_ERR_BUFFER_TOO_SMALL (4 * strlen(text)
 *         + 32 always suffices).
 */
LM_API int lm_mime_ew_encode(const char *text, size_t col, char *out,
                             size_t cap, size_t *outlen);

/* --- Addresses (RFC 5322 3.4, obsolete forms 4.4) ----------------- */

/** lm_mime_addr_init() flag: domains with "xn--" labels are shown as
 *  Unicode (lm_idna_to_unicode()); on failure kept as they are with
 *  LM_MIME_DEF_IDNA. */
#define LM_MIME_ADDR_IDN_UNICODE 0x1u
/** lm_mime_addr_init() flag: a group without members ("undisclosed-
 *  recipients:;") is yielded as one entry with an empty address. */
#define LM_MIME_ADDR_EMPTY_GROUPS 0x2u

/** Deepest nesting of comments followed; deeper text is skipped with
 *  LM_MIME_DEF_TRUNCATED. */
#define LM_MIME_ADDR_COMMENT_DEPTH 32

/**
 * One mailbox from an address list. Every slice is valid until the
 * next lm_mime_addr_next() call on the iterator (and as long as the
 * input and scratch buffer live); none is NUL-terminated, and an empty
 * one still has a non-NULL p.
 */
typedef struct {
	/** Display name in UTF-8: quoted-pairs removed, RFC 2047 words
	 *  decoded (also inside quotes, as other readers do, with
	 *  LM_MIME_DEF_EW_PLACEMENT), white space between words collapsed
	 *  to one space, comments dropped (a comment is never a name);
	 *  empty when absent. In the scratch buffer. */
	lm_slice name;
	/** Local part, unquoted (quoted-pairs removed, CFWS of obsolete
	 *  forms dropped): a slice of the input when it could be, else in
	 *  scratch. For an address without '@' ("<postmaster>") this is
	 *  the whole address. Every slice here is valid UTF-8: invalid
	 *  bytes become U+FFFD (LM_MIME_DEF_INVALID_BYTES). */
	lm_slice local;
	/** Domain (or "[domain literal]"), Unicode when IDN_UNICODE asked;
	 *  empty when there is no '@'. */
	lm_slice domain;
	/** "local@domain" (or just local part when there is no '@'); the
	 *  local part is re-quoted when it needs quotes. Never holds a
	 *  control character (NUL, CR, LF, ... are dropped from the local
	 *  part and domain with LM_MIME_DEF_ADDR_SYNTAX). Empty only for an
	 *  empty group (LM_MIME_ADDR_EMPTY_GROUPS). */
	lm_slice address;
	/** Decoded display name of the group this mailbox belongs to,
	 *  empty outside groups. */
	lm_slice group;
	/** Defects of this mailbox (also OR-ed into the iterator's). */
	unsigned defects;
} lm_mime_addr;

/** Address-list iterator; members are private. */
typedef struct {
	const unsigned char *LM_PRIVATE(in);
	size_t LM_PRIVATE(n);
	size_t LM_PRIVATE(pos);
	unsigned char *LM_PRIVATE(scratch);
	size_t LM_PRIVATE(cap);
	size_t LM_PRIVATE(glen);          /* group name at scratch[0..glen) */
	int LM_PRIVATE(in_group);
	int LM_PRIVATE(gpend);            /* group ended: forget its name next */
	int LM_PRIVATE(split);            /* this entry follows a missing comma */
	size_t LM_PRIVATE(members);       /* mailboxes yielded in this group */
	int LM_PRIVATE(done);
	unsigned LM_PRIVATE(flags);
	unsigned LM_PRIVATE(defects);
} lm_mime_addr_iter;

/** A scratch size enough for any sane mailbox (a display name of a few
 *  hundred characters); longer ones give LM_ERR_BUFFER_TOO_SMALL. */
#define LM_MIME_ADDR_SCRATCH 4096

/**
 * \brief Start iterating the address list in[0..n) (the value of From,
 *        To, Cc, Reply-To, ... unfolded or not).
 *
 * \param scratch  caller memory for decoded names and rewritten parts,
 *                 reused by every lm_mime_addr_next() call; borrowed
 *                 until the iteration ends. LM_MIME_ADDR_SCRATCH is a
 *                 good size; 16 * n + 1024 always suffices.
 * \param flags    LM_MIME_ADDR_IDN_UNICODE, LM_MIME_ADDR_EMPTY_GROUPS.
 * \return 0; LM_ERR_BAD_PARAM for NULL pointers.
 */
LM_API int lm_mime_addr_init(lm_mime_addr_iter *it, const char *in, size_t n,
                             void *scratch, size_t scratch_len, unsigned flags);

/**
 * \brief Next mailbox of the list.
 *
 * Structure is parsed first and encoded words decoded after, so a
 * decoded ',', '<', '@' or '"' never splits or changes an address.
 * Groups ("Team: a@x, b@y;") give their members with .group set;
 * missing commas, junk, stray '>' and unterminated constructs are
 * repaired with defects, never fatal. An entry without any address
 * ("Undisclosed", a lone name) is skipped with LM_MIME_DEF_ADDR_SYNTAX.
 * \return LM_EVENT with *a filled; LM_DONE at the end of the list;
 *         LM_ERR_BUFFER_TOO_SMALL when this mailbox did not fit in the
 *         scratch buffer (it is skipped; the next call continues);
 *         LM_ERR_BAD_PARAM for NULL pointers.
 */
LM_API int lm_mime_addr_next(lm_mime_addr_iter *it, lm_mime_addr *a);

/** \brief Defects of every mailbox seen so far. */
LM_API unsigned lm_mime_addr_defects(const lm_mime_addr_iter *it);

/* --- Parameters, Content-Type, Content-Disposition ---------------- */

/** Longest type/subtype (or disposition type) kept, NUL included. */
#define LM_MIME_CTYPE_MAX 128
/** Most RFC 2231 sections (name*0 .. name*63) joined for one parameter. */
#define LM_MIME_PARAM_SECTIONS 64

/**
 * A parsed Content-Type or Content-Disposition value.
 */
typedef struct {
	/** "type/subtype" (Content-Type) or "attachment" (Content-
	 *  Disposition), lower-cased, NUL-terminated; for Content-Type
	 *  "text/plain" when the value was unusable (RFC 2045 5.2). */
	char value[LM_MIME_CTYPE_MAX];
	size_t len;
	/** Length of the type before '/' (Content-Type only). */
	size_t type_len;
	/** The parameter section: everything after the value (from its
	 *  first ';'), a slice of the input, for lm_mime_param_get(). */
	lm_slice params;
	unsigned defects;
} lm_mime_ctype;

/**
 * \brief Parse a Content-Type value: "text/plain; charset=utf-8".
 *        Comments and white space are allowed around tokens
 *        (RFC 2045 5.1).
 * \return 0; LM_ERR_DECODE when there is no usable type/subtype (ct
 *         then says "text/plain", params still points at any ';'
 *         section, LM_MIME_DEF_CTYPE_SYNTAX set); LM_ERR_BAD_PARAM for
 *         NULL pointers.
 */
LM_API int lm_mime_ctype_parse(const char *in, size_t n, lm_mime_ctype *ct);

/**
 * \brief Parse a Content-Disposition value (RFC 2183): "attachment;
 *        filename=a.pdf". value is the lower-cased disposition type.
 * \return 0; LM_ERR_DECODE when there is no token before the first ';'
 *         (value is then ""); LM_ERR_BAD_PARAM for NULL pointers.
 */
LM_API int lm_mime_cdisp_parse(const char *in, size_t n, lm_mime_ctype *cd);

/**
 * \brief Find parameter `name` (case-insensitive, NUL-terminated) in a
 *        parameter section (";a=b; c=d"; lm_mime_ctype.params) and
 *        decode its value to UTF-8 into out[0..cap) (no NUL written).
 *
 * Handles plain values (token or quoted-string; comments around them,
 * RFC 2045 5.1, are no part of them), RFC 2231 extended
 * values (name*=charset'lang'%XX..), continuations name*0, name*1*, ...
 * in any order (at most LM_MIME_PARAM_SECTIONS, joined in numeric order
 * up to the first gap; percent-decoded sections of one charset are
 * converted together), and the RFC 2047 words inside a quoted value
 * that old mailers write (name="=?utf-8?B?...?="). When both name and
 * name* (or name*0) exist the RFC 2231 form wins. A value that is not
 * valid in its charset gets U+FFFD: the output is always UTF-8, and
 * CR or LF in a value (percent-encoded or in an encoded word) become
 * spaces.
 * \param defects  OR-ed with the defects found (may be NULL).
 * \return 1 found (*outlen set); 0 not present; LM_ERR_BUFFER_TOO_SMALL
 *         (LM_MIME_EW_DECODED_MAX(n) always suffices for a section of
 *         n bytes); LM_ERR_BAD_PARAM for NULL pointers.
 */
LM_API int lm_mime_param_get(const char *params, size_t n, const char *name,
                             char *out, size_t cap, size_t *outlen,
                             unsigned *defects);

/* --- Dates --------------------------------------------------------- */

/** Zone offset meaning "unknown" (-0000, military zones): the time is
 *  UTC and the local zone is not known (RFC 5322 3.3, 4.3). */
#define LM_MIME_TZ_UNKNOWN (-100000)

/**
 * \brief Parse an RFC 5322 date-time, obsolete forms included: optional
 *        day of week, two-digit years (< 50: 20xx, else 19xx) and
 *        three-digit years (+1900), missing seconds, comments and any
 *        white space, named zones UT/GMT (+0000), EST/EDT/CST/CDT/MST/
 *        MDT/PST/PDT (their offsets), military letters and -0000 (zone
 *        unknown), a missing zone (taken as unknown). Seconds of 60 are
 *        accepted (leap second, counted as :59 + 1).
 *
 * Work is linear in n and every number is bounded (a run of 10 KB of
 * digits is an error, not an overflow).
 * \param t       seconds since the epoch, UTC.
 * \param tz_min  the zone's offset in minutes (-1439..1439), or
 *                LM_MIME_TZ_UNKNOWN.
 * \param defects OR-ed with LM_MIME_DEF_DATE_OBS / _WEEKDAY (may be NULL).
 * \return 0; LM_ERR_DECODE when the text is not a date (bad month,
 *         day 0 or past the month's end, hour > 23, ...);
 *         LM_ERR_BAD_PARAM for NULL pointers.
 */
LM_API int lm_mime_date_parse(const char *in, size_t n, long long *t,
                              int *tz_min, unsigned *defects);

/** Length of an RFC 3339 date as written by lm_mime_date_rfc3339():
 *  "2026-11-21T21:56:43+01:00" (25 characters). */
#define LM_MIME_RFC3339_LEN 25

/**
 * \brief Format an RFC 3339 date-time: the local time t + tz_min * 60
 *        with its offset ("+01:00"; "Z" is never used, "-00:00" for
 *        LM_MIME_TZ_UNKNOWN, as RFC 3339 4.3 asks). NUL-terminated.
 * \return 0; LM_ERR_BAD_PARAM if tz_min is out of range, the year is
 *         outside 0..9999 or out is NULL; LM_ERR_BUFFER_TOO_SMALL when
 *         cap < LM_MIME_RFC3339_LEN + 1.
 */
LM_API int lm_mime_date_rfc3339(long long t, int tz_min, char *out,
                                size_t cap, size_t *outlen);


/* ------------------------------------------------------------------ */
/* Streaming parser (section owned by the parser; lib/mime/parser.c)   */
/* ------------------------------------------------------------------ */

/*
 * The parser reads one message (RFC 5322 + MIME, RFC 2045-2049, RFC 6532)
 * fed in chunks of any size and yields events:
 *
 *   PART_BEGIN  HEADER*  HEADERS_END  (BODY* | children)  PART_END
 *   ... MESSAGE_END
 *
 * for every entity, nested as the message is. Like the engines it does
 * no I/O and allocates nothing: the context has a fixed size and every
 * buffer lives in one scratch area given by the caller, so memory does
 * not depend on the message (a 1 GB attachment passes through as many
 * BODY events). Work is linear in the input: every byte is looked at a
 * bounded number of times whatever the chunking (boundary candidates
 * are only lines that start with "--", checked once against the open
 * boundaries).
 *
 * Section paths follow IMAP (RFC 3501 6.4.5): the children of a
 * multipart are numbered 1, 2, ... under the multipart's path; a
 * message whose root entity is not multipart has that entity as part
 * "1" (nested: "<path>.1"); the root entity of a multipart message has
 * the message's own path ("" for the top-level message, "2" for the
 * message/rfc822 part "2", whose children are then "2.1", "2.2").
 * Because that depends on the Content-Type, the path of a message's
 * root entity is final from its HEADERS_END event on (PART_BEGIN shows
 * the message's path). Everything else is final from PART_BEGIN.
 *
 * Tolerance: broken mail is read as other readers read it and each fix
 * is recorded as a defect on the entity (LM_MIME_DEF_* bits plus a
 * count, in HEADERS_END and PART_END events). Limits (depth, header
 * field length, headers per entity, entities per message, boundary
 * length) have safe defaults the caller can raise; past a limit the
 * rest is read as opaque body (and a defect recorded), never an error.
 * The only errors are misuse (LM_ERR_BAD_PARAM, LM_ERR_BAD_STATE).
 *
 * Caller loop (feed copies into the scratch area; buf/ack avoid that):
 *
 *   lm_mime_parser_init(&p, &opts, scratch, sizeof scratch);
 *   while ((n = read(fd, chunk, sizeof chunk)) > 0)
 *       for (off = 0; off < n; off += used) {
 *           lm_mime_parser_feed(&p, chunk + off, n - off, &used);
 *           while ((r = lm_mime_parser_next(&p, &ev)) == LM_EVENT)
 *               handle(&ev);          (r == LM_WANT_READ: feed more)
 *       }
 *   lm_mime_parser_end(&p);
 *   while ((r = lm_mime_parser_next(&p, &ev)) == LM_EVENT)
 *       handle(&ev);                  (ends with LM_DONE)
 */

/** Value for lm_mime_parser_opts.version. */
#define LM_MIME_PARSER_VERSION 1

/** Default limits (lm_mime_parser_opts; a 0 field means the default). */
#define LM_MIME_PARSER_DEPTH_DEFAULT     32    /**< nesting of entities */
#define LM_MIME_PARSER_DEPTH_MAX         64    /**< hard ceiling for max_depth */
#define LM_MIME_PARSER_HEADER_DEFAULT    16384 /**< bytes of one header field, folds included */
#define LM_MIME_PARSER_NHEADERS_DEFAULT  1000  /**< header fields per entity */
#define LM_MIME_PARSER_PARTS_DEFAULT     10000 /**< entities per message */
#define LM_MIME_PARSER_BOUNDARY_DEFAULT  200   /**< boundary length (RFC 2046: 70) */
/** Size of the decode buffer inside the scratch area (bytes per BODY
 *  event of an encoded part at most). */
#define LM_MIME_PARSER_OUTBUF            16384
/** A scratch size that fits the default limits with room for fast
 *  parsing (see lm_mime_parser_scratch_size() for the minimum). */
#define LM_MIME_PARSER_SCRATCH_DEFAULT   (128 * 1024)

/** lm_mime_parser_opts.flags: report multipart preambles and epilogues
 *  as BODY events (body == LM_MIME_BODY_PREAMBLE / _EPILOGUE) of the
 *  multipart; by default they are skipped. */
#define LM_MIME_PARSE_PREAMBLE 0x1u
/** lm_mime_parser_opts.flags: do not decode transfer encodings; BODY
 *  data is the raw body (line ends as in the input). */
#define LM_MIME_PARSE_RAW      0x2u
/** lm_mime_parser_opts.flags: BODY data of text/\* leaves is converted
 *  from the part's charset (US-ASCII when none is given) to UTF-8 with
 *  lm_mime_conv (header codecs). Unknown charsets are read as UTF-8 and
 *  invalid bytes become U+FFFD, recorded as LM_MIME_DEF_CHARSET /
 *  LM_MIME_DEF_INVALID_BYTES on the part. The built-in charsets allocate
 *  nothing; East Asian ones go through iconv, which allocates while such
 *  a part is open (released at its end or by lm_mime_parser_free(),
 *  which MUST then be called). to_utf8 is ignored when this is set. */
#define LM_MIME_PARSE_UTF8     0x8u
/** lm_mime_parser_opts.flags: do not parse message/rfc822 and
 *  message/global bodies as nested messages (they become leaves). */
#define LM_MIME_PARSE_NO_NESTED 0x4u

/**
 * Charset conversion hook (text bodies to UTF-8) for callers with their
 * own converter (LM_MIME_PARSE_UTF8 uses the library's, and the hook is
 * then never called; nor with LM_MIME_PARSE_RAW). For the body of each
 * text/\* leaf the parser calls to_utf8 (when set) with the decoded
 * bytes (transfer encoding removed), charset naming the part's charset
 * (ev.part->charset: lower case, "" when none was given, US-ASCII per
 * RFC 2045), and the BODY data is exactly out[0..*written) (a call that
 * writes nothing gives no event).
 *
 * The bytes come in pieces of 1..LM_MIME_PARSER_OUTBUF / 4 bytes cut
 * wherever the input happened to be cut: the hook takes them all (it
 * holds an incomplete sequence itself) and its output must not depend
 * on where the pieces end. out has room for cap >= LM_MIME_PARSER_OUTBUF
 * bytes, which 4 bytes per input byte always fit. The hook keeps its own
 * state per part: it is called once with in == NULL, n == 0 at the end
 * of each text part (flush), may write there too, and starts afresh.
 *
 * \return 0, or a negative code: recorded as LM_MIME_DEF_CHARSET on the
 *         part; out and *written are ignored; the bytes of the failing
 *         call and the rest of the part are then passed unconverted.
 *         After a failure the part gets no further call, not even the
 *         flush, so a hook that keeps state resets it before it returns
 *         an error. A failing flush only loses what it would have
 *         written.
 */
typedef int (*lm_mime_to_utf8_fn)(void *ud, const char *charset,
                                  const unsigned char *in, size_t n,
                                  unsigned char *out, size_t cap,
                                  size_t *written);

/** Parser options; initialize with LM_MIME_PARSER_OPTS_INIT. */
typedef struct {
	int version;             /**< LM_MIME_PARSER_VERSION */
	unsigned flags;          /**< LM_MIME_PARSE_* */
	size_t max_depth;        /**< entities nested deeper are opaque leaves (<= LM_MIME_PARSER_DEPTH_MAX) */
	size_t max_header_len;   /**< longer fields are cut there (defect) */
	size_t max_headers;      /**< further fields are skipped (defect) */
	size_t max_parts;        /**< further entities are skipped (defect) */
	size_t max_boundary;     /**< a longer boundary makes the multipart a leaf (defect) */
	/** Optional charset hook (see lm_mime_to_utf8_fn); its output for
	 *  one call must fit in LM_MIME_PARSER_OUTBUF bytes for input of
	 *  LM_MIME_PARSER_OUTBUF / 4 bytes (the parser feeds it at most that
	 *  much); *written > cap is taken as a failure. */
	lm_mime_to_utf8_fn to_utf8;
	void *to_utf8_ud;
} lm_mime_parser_opts;

/** Initializer for lm_mime_parser_opts: default limits, no flags. */
#define LM_MIME_PARSER_OPTS_INIT { .version = LM_MIME_PARSER_VERSION }

/** Event types. */
typedef enum {
	LM_MIME_EV_PART_BEGIN = 1, /**< an entity starts: path, depth, part (defaults) */
	LM_MIME_EV_HEADER,         /**< one header field: name, raw, value */
	LM_MIME_EV_HEADERS_END,    /**< part holds the effective content type; path final */
	LM_MIME_EV_BODY,           /**< data: decoded body bytes (see body) */
	LM_MIME_EV_PART_END,       /**< the entity ends; defects final */
	LM_MIME_EV_MESSAGE_END     /**< the whole message ends (then LM_DONE) */
} lm_mime_event_type;

/** Transfer encodings (lm_mime_part_info.cte). */
typedef enum {
	LM_MIME_CTE_7BIT = 0, LM_MIME_CTE_8BIT, LM_MIME_CTE_BINARY,
	LM_MIME_CTE_BASE64, LM_MIME_CTE_QP, LM_MIME_CTE_UUENCODE,
	LM_MIME_CTE_UNKNOWN        /**< passed through undecoded (defect) */
} lm_mime_cte;

/** What the parser does with an entity (lm_mime_part_info.kind). */
typedef enum {
	LM_MIME_KIND_LEAF = 0,     /**< body comes as BODY events */
	LM_MIME_KIND_MULTIPART,    /**< children between boundaries */
	LM_MIME_KIND_MESSAGE       /**< message/rfc822 or message/global: one child, the nested message */
} lm_mime_kind;

/** Content-Disposition (lm_mime_part_info.disposition). */
typedef enum {
	LM_MIME_DISP_NONE = 0, LM_MIME_DISP_INLINE, LM_MIME_DISP_ATTACHMENT,
	LM_MIME_DISP_OTHER
} lm_mime_disp;

/** BODY event origin (lm_mime_event.body). */
#define LM_MIME_BODY_CONTENT  0
#define LM_MIME_BODY_PREAMBLE 1
#define LM_MIME_BODY_EPILOGUE 2

/** Parser defects (bits 16..31 of lm_mime_event.defects; bits 0..15
 *  are the header codecs' LM_MIME_DEF_* above, which the parser also
 *  records on a part: LM_MIME_DEF_CTYPE_SYNTAX for an unusable
 *  Content-Type, LM_MIME_DEF_CHARSET / _INVALID_BYTES from charset
 *  conversion). Recorded on the entity where they were met; the parser
 *  always goes on. */
#define LM_MIME_DEF_JUNK_BEFORE_HEADERS 0x00010000u /**< non-header lines before the first field of a message (skipped) */
#define LM_MIME_DEF_HEADER_NO_COLON     0x00020000u /**< a line without a colon ended the header section (it starts the body) */
#define LM_MIME_DEF_HEADER_TOO_LONG     0x00040000u /**< a field was cut at max_header_len */
#define LM_MIME_DEF_TOO_MANY_HEADERS    0x00080000u /**< fields past max_headers were skipped */
#define LM_MIME_DEF_NO_MIME_VERSION     0x00100000u /**< a message with Content-* fields lacks MIME-Version */
#define LM_MIME_DEF_NO_BOUNDARY         0x00200000u /**< multipart without a usable boundary (none, empty, or holding a NUL byte): read as a leaf */
#define LM_MIME_DEF_NO_START_BOUNDARY   0x00400000u /**< a multipart body without any delimiter line */
#define LM_MIME_DEF_NO_END_BOUNDARY     0x00800000u /**< the close delimiter is missing */
#define LM_MIME_DEF_BASE64              0x01000000u /**< invalid base64 characters (skipped), bad or missing padding */
#define LM_MIME_DEF_QP                  0x02000000u /**< "=" not followed by two hex digits (kept literally) */
#define LM_MIME_DEF_UUENCODE            0x04000000u /**< x-uuencode without begin/end or with bad lines */
#define LM_MIME_DEF_UNKNOWN_CTE         0x08000000u /**< unknown Content-Transfer-Encoding (body not decoded) */
#define LM_MIME_DEF_LIMIT               0x10000000u /**< max_depth, max_parts or max_boundary reached: read as a leaf / rest skipped */
#define LM_MIME_DEF_ENCODED_MESSAGE     0x20000000u /**< message/rfc822 with base64/QP: read as a leaf */
#define LM_MIME_DEF_CONTINUATION_FIRST  0x40000000u /**< a header section starting with a folded line (skipped) */
#define LM_MIME_DEF_HEADER_NUL          0x80000000u /**< NUL bytes in a header field (kept) */

/**
 * \brief Short stable name of one defect bit, codecs' or parser's
 *        ("no_end_boundary", "charset", ...).
 * \return a static string; "unknown" when bit is not exactly one known bit.
 */
LM_API const char *lm_mime_parser_defect_name(unsigned bit);

/** Longest type or subtype kept (longer: defect, text/plain). */
#define LM_MIME_TYPE_MAX 80
/** Longest charset name kept (longer ones are cut). */
#define LM_MIME_CHARSET_MAX 48
/** Longest file name kept (bytes, NUL excluded; longer ones are cut). */
#define LM_MIME_FILENAME_MAX 256
/** Longest section path ("1.2.3", NUL included). */
#define LM_MIME_PATH_MAX (LM_MIME_PARSER_DEPTH_MAX * 11 + 1)

/**
 * What the parser knows of an entity. Strings are NUL-terminated.
 * type and subtype are lower case ("text", "plain"), the defaults of
 * RFC 2045 5.2 when there is no usable Content-Type (message/rfc822 in
 * a multipart/digest). charset is lower case, "" when absent. filename
 * is the Content-Disposition filename (else the Content-Type name)
 * decoded to UTF-8 by lm_mime_param_get() (RFC 2231 sections in any
 * order, RFC 2047 words inside quotes); one longer than
 * LM_MIME_FILENAME_MAX - 1 bytes is kept raw and cut; "" when absent.
 * boundary is the multipart
 * boundary ("" unless kind is LM_MIME_KIND_MULTIPART): exactly the
 * bytes delimiter lines are matched against (a boundary parameter
 * holding a NUL byte is not used: LM_MIME_DEF_NO_BOUNDARY).
 */
typedef struct {
	char type[LM_MIME_TYPE_MAX];
	char subtype[LM_MIME_TYPE_MAX];
	char charset[LM_MIME_CHARSET_MAX];
	char filename[LM_MIME_FILENAME_MAX];
	const char *boundary;        /**< into the scratch area; "" when none */
	lm_mime_cte cte;
	lm_mime_disp disposition;
	lm_mime_kind kind;
	int mime_version;            /**< a MIME-Version field was seen */
	int has_content_type;        /**< a Content-Type field was seen */
} lm_mime_part_info;

/**
 * One event. Everything it points to lives in the parser (context or
 * scratch area) and stays valid until the next lm_mime_parser_* call.
 * Fields not listed for a type are zero / NULL.
 */
typedef struct {
	lm_mime_event_type type;
	const char *path;            /**< section path, NUL-terminated (all types but MESSAGE_END) */
	size_t path_len;
	unsigned depth;              /**< 0 for the top-level entity */
	/** PART_BEGIN, HEADER, HEADERS_END; BODY of a leaf. */
	const lm_mime_part_info *part;
	lm_slice name;               /**< HEADER: field name (trailing white space removed) */
	lm_slice raw;                /**< HEADER: value as written: after the colon up to the last line end (exclusive), folds included */
	lm_slice value;              /**< HEADER: unfolded (CR and LF removed), leading/trailing white space trimmed */
	lm_slice data;               /**< BODY: decoded bytes */
	int body;                    /**< BODY: LM_MIME_BODY_* */
	unsigned defects;            /**< HEADERS_END, PART_END: LM_MIME_DEF_* bits so far */
	unsigned ndefects;           /**< HEADERS_END, PART_END: number of defects so far */
} lm_mime_event;

/** One open entity (private). */
typedef struct {
	unsigned char LM_PRIVATE(kind);
	unsigned char LM_PRIVATE(state);
	unsigned char LM_PRIVATE(root);
	unsigned char LM_PRIVATE(digest);
	unsigned LM_PRIVATE(blen);
	unsigned LM_PRIVATE(pathlen);
	unsigned LM_PRIVATE(nchild);
	unsigned LM_PRIVATE(defects);
	unsigned LM_PRIVATE(ndefects);
} lm_mime_frame;

/** Parser context. Allocate it anywhere; members are private. */
typedef struct {
	lm_mime_parser_opts LM_PRIVATE(o);
	int LM_PRIVATE(st);
	int LM_PRIVATE(eof);
	int LM_PRIVATE(inited);
	int LM_PRIVATE(waiting);         /* next() returned LM_WANT_READ */
	/* scratch layout */
	unsigned char *LM_PRIVATE(bounds);
	unsigned char *LM_PRIVATE(unfold);
	unsigned char *LM_PRIVATE(out);
	unsigned char *LM_PRIVATE(in);
	size_t LM_PRIVATE(incap);
	size_t LM_PRIVATE(start);        /* first byte still needed */
	size_t LM_PRIVATE(pos);          /* scan position */
	size_t LM_PRIVATE(end);          /* bytes in in[] */
	/* frames */
	lm_mime_frame LM_PRIVATE(fr)[LM_MIME_PARSER_DEPTH_MAX + 1];
	int LM_PRIVATE(top);             /* index of the innermost open frame, -1 none */
	char LM_PRIVATE(path)[LM_MIME_PATH_MAX + 12];
	size_t LM_PRIVATE(nparts);
	lm_mime_part_info LM_PRIVATE(info);
	/* header section */
	size_t LM_PRIVATE(hscan);        /* bytes of the current field scanned */
	size_t LM_PRIVATE(nheaders);
	int LM_PRIVATE(hskip);           /* dropping the rest of a cut field */
	int LM_PRIVATE(hseen);           /* a field was seen in this section */
	int LM_PRIVATE(hline1);          /* the current field's first line was checked */
	unsigned LM_PRIVATE(hjunk);      /* junk lines skipped */
	int LM_PRIVATE(seen_ct);
	int LM_PRIVATE(seen_cte);
	int LM_PRIVATE(seen_cd);
	int LM_PRIVATE(mimefields);
	/* body scanning */
	int LM_PRIVATE(bol);
	size_t LM_PRIVATE(held);
	size_t LM_PRIVATE(run_a);
	size_t LM_PRIVATE(run_b);
	int LM_PRIVATE(run_kind);
	int LM_PRIVATE(pend);            /* delimiter / end action after the run */
	int LM_PRIVATE(pend_level);
	int LM_PRIVATE(pend_close);
	int LM_PRIVATE(close_to);
	int LM_PRIVATE(after_close);
	int LM_PRIVATE(finalized);
	/* decoders */
	lm_b64_dec LM_PRIVATE(b64);
	int LM_PRIVATE(b64_fast);        /* table path allowed (no '=' or junk seen) */
	unsigned LM_PRIVATE(b64_mod);    /* alphabet bytes given to b64, mod 4 */
	int LM_PRIVATE(b64_pend);        /* b64 may hold undelivered output */
	lm_qp_dec LM_PRIVATE(qp);
	int LM_PRIVATE(uu_state);
	unsigned LM_PRIVATE(uu_len);
	unsigned LM_PRIVATE(uu_n);
	unsigned LM_PRIVATE(uu_col);
	unsigned char LM_PRIVATE(uu_q)[4];
	unsigned char LM_PRIVATE(uu_begin)[8];
	int LM_PRIVATE(conv_err);
	int LM_PRIVATE(conv_on);         /* conv is open for the current leaf */
	lm_mime_conv LM_PRIVATE(conv);
} lm_mime_parser;

/**
 * \brief Smallest scratch area for these options (NULL: defaults).
 *        More than that makes feeding cheaper (bigger input buffer).
 */
LM_API size_t lm_mime_parser_scratch_size(const lm_mime_parser_opts *o);

/**
 * \brief Start parsing a message.
 * \param p        the parser (fully overwritten).
 * \param o        options, or NULL for the defaults (copied).
 * \param scratch  caller memory used for all buffers; borrowed until the
 *                 parser is freed or initialized again.
 * \param len      its size: at least lm_mime_parser_scratch_size(o).
 * \return 0; LM_ERR_BAD_PARAM for NULL p or scratch, a wrong version or
 *         max_depth above LM_MIME_PARSER_DEPTH_MAX;
 *         LM_ERR_BUFFER_TOO_SMALL when len is too small.
 */
LM_API int lm_mime_parser_init(lm_mime_parser *p, const lm_mime_parser_opts *o,
                               void *scratch, size_t len);

/**
 * \brief Copy up to len bytes of the message into the parser; *used
 *        says how many were taken (0 when the input buffer is full:
 *        pull events with lm_mime_parser_next() first).
 * \return 0; LM_ERR_BAD_PARAM for NULL pointers; LM_ERR_BAD_STATE after
 *         lm_mime_parser_end().
 */
LM_API int lm_mime_parser_feed(lm_mime_parser *p, const void *data, size_t len,
                               size_t *used);

/**
 * \brief Zero-copy input: where the next input bytes may be written and
 *        how many (*len; 0 when full). Valid until the next call.
 */
LM_API unsigned char *lm_mime_parser_buf(lm_mime_parser *p, size_t *len);

/** \brief n bytes were written at lm_mime_parser_buf() (n <= its *len).
 *  \return 0; LM_ERR_BAD_PARAM if n is too large; LM_ERR_BAD_STATE after end. */
LM_API int lm_mime_parser_ack(lm_mime_parser *p, size_t n);

/** \brief The input is complete (EOF); what is still open gets closed.
 *  \return 0; LM_ERR_BAD_PARAM for NULL. */
LM_API int lm_mime_parser_end(lm_mime_parser *p);

/**
 * \brief Pull the next event.
 * \return LM_EVENT (ev filled in); LM_WANT_READ when more input is
 *         needed (feed or ack some; the input buffer then has room);
 *         LM_DONE after MESSAGE_END; LM_ERR_BAD_PARAM for NULL;
 *         LM_ERR_BAD_STATE before init.
 */
LM_API int lm_mime_parser_next(lm_mime_parser *p, lm_mime_event *ev);

/** \brief Forget everything and zeroize the context. NULL-safe. The
 *  scratch area belongs to the caller and is not touched. */
LM_API void lm_mime_parser_free(lm_mime_parser *p);

/* ------------------------------------------------------------------ */
/* Whole-message tree (convenience layer over the parser)              */
/* ------------------------------------------------------------------ */

/** One header field of a tree node (NUL-terminated copies). */
typedef struct {
	char *name;
	char *raw;                   /**< as written, folds included */
	char *value;                 /**< unfolded and trimmed */
	size_t raw_len;
	size_t value_len;
} lm_mime_header;

/** One entity of a parsed message; owned by its lm_mime_tree. */
typedef struct lm_mime_node {
	char path[LM_MIME_PATH_MAX];
	unsigned depth;
	lm_mime_part_info info;      /**< info.boundary points into the node (boundary copy) */
	lm_mime_header *headers;
	size_t nheaders;
	unsigned char *content;      /**< decoded body of a leaf (NUL-terminated for convenience); NULL when empty */
	size_t content_len;
	unsigned defects;
	unsigned ndefects;
	struct lm_mime_node *parent;
	struct lm_mime_node *first_child;
	struct lm_mime_node *next;   /**< next sibling */
	struct lm_mime_node *last_child; /**< last of the children (for appending) */
	char *boundary_copy;
	size_t hcap;
	size_t ccap;
} lm_mime_node;

/** A parsed message. */
typedef struct {
	lm_mime_node *root;
	lm_allocator alloc;
	unsigned defects;            /**< union of every node's defects */
} lm_mime_tree;

/**
 * \brief Parse a whole message held in memory into a tree of nodes,
 *        headers and decoded contents, allocated through a (NULL: malloc).
 * The parser runs with its default limits and options (preambles and
 * epilogues skipped, transfer encodings decoded).
 * \param tree  receives the tree; release with lm_mime_tree_free().
 * \return 0; LM_ERR_NOMEM (nothing is left allocated); LM_ERR_BAD_PARAM
 *         for NULL data with len > 0 or NULL tree.
 */
LM_API int lm_mime_tree_parse(const lm_allocator *a, const void *data, size_t len,
                              lm_mime_tree *tree);

/** \brief Free everything the tree holds. NULL-safe, idempotent. */
LM_API void lm_mime_tree_free(lm_mime_tree *tree);

/** \brief First header of node named name (case-insensitive), or NULL. */
LM_API const lm_mime_header *lm_mime_node_header(const lm_mime_node *n,
                                                 const char *name);

/** \brief The node after n in depth-first order (document order), or NULL. */
LM_API const lm_mime_node *lm_mime_node_next(const lm_mime_node *n);

#ifdef __cplusplus
}
#endif
#endif
