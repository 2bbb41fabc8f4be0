/*
 * libmail - IMAP client engine (RFC 3501 IMAP4rev1, RFC 9051 IMAP4rev2),
 * sans-IO.
 *
 * Same shape as the SMTP engine (smtp.h): the caller owns the context
 * and two buffers, moves bytes with recv_buf/recv_ack/recv_eof and
 * send_buf/send_ack, queues commands with the typed functions below
 * (each returns a handle, the command's tag number) and pulls events
 * with lm_imap_next():
 *
 *     for (;;) {
 *         int r = lm_imap_next(&c, &ev);
 *         if (r == LM_WANT_WRITE) { p = lm_imap_send_buf(&c, &n);
 *                                   lm_imap_send_ack(&c, tx(p, n)); }
 *         else if (r == LM_WANT_READ) { q = lm_imap_recv_buf(&c, &n); k = rx(q, n);
 *                                   k ? lm_imap_recv_ack(&c, k) : lm_imap_recv_eof(&c); }
 *         else if (r == LM_EVENT) on_event(&ev);  (may queue commands)
 *         else break;                              (LM_DONE, or r < 0)
 *     }
 *
 * Input is cut by a fragmentizer first (imap-codec style): lines, and
 * {n} / {n+} / ~{n} literals whose data is never looked at as protocol
 * text. Then the parser reads one response ("unit") at a time.
 *  - Body section literals of FETCH (BODY[...], BINARY[...], RFC822,
 *    RFC822.HEADER, RFC822.TEXT) are always delivered as
 *    LM_IMAP_EV_FETCH_DATA chunk events tied to their FETCH (sequence
 *    number, UID when it came earlier in the same response, section), so
 *    a 500 MB message needs no 500 MB buffer.
 *  - Every other literal (inside ENVELOPE, BODYSTRUCTURE, LIST, ...) is
 *    held inline in the input buffer; it may be at most
 *    LM_IMAP_LITERAL_HOLD_MAX bytes (else LM_ERR_LIMIT, sticky) and the
 *    whole response line with its held literals must fit into the input
 *    buffer (else LM_ERR_LINE_TOO_LONG, sticky). For FETCH only the part
 *    of a line between two body-section literals must fit.
 *  - FETCH responses are delivered item by item (LM_IMAP_EV_FETCH_ITEM),
 *    framed by LM_IMAP_EV_FETCH_BEGIN / LM_IMAP_EV_FETCH_END.
 *  - Untagged data names the oldest outstanding command that asks for
 *    that kind of data (LIST/LSUB for LIST; FETCH or STORE for FETCH;
 *    SELECT/EXAMINE for EXISTS, RECENT, FLAGS; STATUS or LIST for STATUS;
 *    SEARCH for SEARCH/ESEARCH; any command for untagged OK/NO/BAD/BYE),
 *    else it is unsolicited (cmd NONE, handle 0); so is data received
 *    before that command was queued (see "Responses and commands").
 *  - SEARCH results are delivered in pieces (LM_IMAP_EV_SEARCH with
 *    ev.more set on every piece but the last), so a SEARCH line of any
 *    length works.
 *
 * Structured items are not copied or allocated: ENVELOPE, BODYSTRUCTURE,
 * NAMESPACE, ID, QUOTA, LIST extended data and response code arguments
 * are given as raw slices into the input buffer, and the zero-copy
 * reader (lm_imap_reader, lm_imap_fetch_envelope, lm_imap_fetch_body,
 * lm_imap_envelope_parse, lm_imap_body_parse,
 * lm_imap_address_next, ...) walks them without recursion and without
 * allocation. Nesting is bounded by LM_IMAP_DEPTH_MAX (checked when the
 * response is parsed: deeper is LM_ERR_LIMIT for that response, see
 * leniencies below for what happens then).
 *
 * Memory: sizeof(lm_imap_client) plus the two buffers. With the
 * recommended LM_IMAP_BUFSIZE_IN and LM_IMAP_BUFSIZE_OUT the total stays
 * below 64 KB per connection whatever the server sends.
 *
 * Three kinds of outcome (as in smtp.h):
 *  - NO and BAD are events (LM_IMAP_EV_DONE with ev.status), never errors;
 *  - caller misuse returns LM_ERR_BAD_STATE / LM_ERR_BAD_PARAM /
 *    LM_ERR_UNSUPPORTED / LM_ERR_PLAINTEXT ... and queues nothing; every
 *    string argument holding CR, LF or NUL is LM_ERR_BAD_PARAM;
 *  - peer violations are sticky (lm_imap_last_error()): LM_ERR_PROTOCOL
 *    (tagged response for a tag never sent, continuation request nobody
 *    waits for, either one received before its command was queued,
 *    bytes after the OK to STARTTLS, broken framing),
 *    LM_ERR_LIMIT (literal size that overflows or exceeds the limits,
 *    response larger than the buffer), LM_ERR_LINE_TOO_LONG, LM_ERR_EOF,
 *    LM_ERR_SASL, LM_ERR_NO_STARTTLS (PREAUTH while TLS is required).
 *
 * Responses and commands: a response received before the command it
 * would answer was queued cannot answer it; the server sent it before it
 * could have read that command. "Received before" compares the input
 * offset where the response begins (bytes given to lm_imap_recv_ack() /
 * lm_imap_feed() since the start) with the offset when the command was
 * queued, or when the rest of it went out after a continuation request:
 * a synchronising literal, the APPEND body, the latest response to an
 * AUTHENTICATE challenge. So "+ go" and "A5 OK" in one read fail: the
 * OK was sent before the server had the literal.
 *  - A tagged completion (tags are predictable: "A5 OK" sent ahead would
 *    complete the fifth command) or a continuation request (for a
 *    literal, APPEND, AUTHENTICATE, IDLE) received earlier is a sticky
 *    LM_ERR_PROTOCOL.
 *  - Untagged data received earlier is unsolicited (cmd NONE, handle 0)
 *    and changes nothing that command would: an ENABLED enables nothing,
 *    EXISTS, FLAGS, UIDVALIDITY ... are not those of the mailbox being
 *    selected. Untagged OK/NO/BAD/BYE (ALERT, a BYE closing) may come
 *    at any time: they are just left unattributed.
 *  - The MOVE fallback queues each step when the one before completes:
 *    a completion read along with that one answers no later step.
 * An honest server never shows this to a caller that queues commands as
 * events arrive; feeding a whole scripted conversation at once does.
 *
 * Named leniencies for real servers (each one accepted silently):
 *  - LM_IMAP_LENIENT_NIL_STRING: NIL where a string belongs (Outlook,
 *    Yahoo: NIL body parameters, NIL LIST delimiter, NIL text) reads as
 *    an empty string of token type LM_IMAP_TOK_NIL.
 *  - LM_IMAP_LENIENT_SPACES: missing spaces between FETCH items or list
 *    members ("FLAGS (\Seen)UID 4", Yahoo, Mail.ru), doubled spaces, and
 *    trailing spaces before CRLF (Outlook "* SEARCH 1 2 ").
 *  - LM_IMAP_LENIENT_FLAG_CHARS: flags and keywords are read as any run
 *    of bytes other than SP, "(", ")", CR, LF, NUL (Gmail "$Label]",
 *    Exchange "\\*" in FLAGS, keywords with 8-bit bytes).
 *  - LM_IMAP_LENIENT_BARE_LF: a line may end with LF alone.
 *  - LM_IMAP_LENIENT_CASE: keywords, response names and codes in any
 *    case ("* ok", "fetch").
 *  - LM_IMAP_LENIENT_8BIT: 8-bit bytes in quoted strings and atoms
 *    (servers sending raw UTF-8 without UTF8=ACCEPT); a mailbox name
 *    that holds 8-bit bytes is taken as UTF-8 instead of modified UTF-7,
 *    and one that is not valid modified UTF-7 is passed through raw.
 *  - LM_IMAP_LENIENT_CONT_TEXT: "+" with no space or text.
 *  - LM_IMAP_LENIENT_RESYNC: an untagged response that cannot be parsed,
 *    or is unknown (Gmail X-GM-*, vendor responses), is reported as
 *    LM_IMAP_EV_UNKNOWN with its raw text and parsing resumes at the
 *    next response; a FETCH item that cannot be parsed is reported as
 *    an item of kind LM_IMAP_ITEM_OTHER with its raw text when its end
 *    is known, else the rest of the response is skipped and
 *    LM_IMAP_EV_FETCH_END has ev.fetch.damaged = 1. Framing errors
 *    (literal sizes) and tagged responses are never resynchronised, nor
 *    are EXISTS, EXPUNGE and VANISHED responses that cannot be read (a
 *    number past 32 bits, EXPUNGE 0, a malformed UID set): they change
 *    the message numbering and the selected-mailbox state, which could
 *    not be trusted after them, so they are LM_ERR_PROTOCOL (sticky);
 *    so is a [CLOSED code without its ']' during SELECT/EXAMINE (see
 *    lm_imap_selected()). A skipped response also stops MODSEQ values from raising
 *    lm_imap_selected()->highestmodseq at the next tagged response.
 */
#ifndef LIBMAIL_IMAP_H
#define LIBMAIL_IMAP_H

#include "common.h"
#include "sasl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Limits                                                              */
/* ------------------------------------------------------------------ */

/** Most commands whose completion may be outstanding at once
 *  (pipelining); one more returns LM_ERR_LIMIT. */
#ifndef LM_IMAP_PIPELINE_MAX
#define LM_IMAP_PIPELINE_MAX 32
#endif

/** Largest literal kept inline (not a FETCH body section); a larger one
 *  elsewhere is LM_ERR_LIMIT (sticky). */
#ifndef LM_IMAP_LITERAL_HOLD_MAX
#define LM_IMAP_LITERAL_HOLD_MAX 8192
#endif

/** Largest FETCH body section literal accepted (streamed, so this only
 *  bounds what a server may announce): 2^40 bytes. Larger, or a size
 *  that overflows 64 bits, is LM_ERR_LIMIT. */
#ifndef LM_IMAP_LITERAL_MAX
#define LM_IMAP_LITERAL_MAX (((uint64_t)1) << 40)
#endif

/** Deepest parenthesis nesting accepted in one response (BODYSTRUCTURE
 *  of nested multiparts and message/rfc822 parts). */
#ifndef LM_IMAP_DEPTH_MAX
#define LM_IMAP_DEPTH_MAX 64
#endif

/** Bytes kept for the capability list (CAPABILITY response or code). */
#ifndef LM_IMAP_CAPS_MAX
#define LM_IMAP_CAPS_MAX 2048
#endif

/** Longest mailbox name (UTF-8 bytes, and encoded form) handled. */
#ifndef LM_IMAP_MAILBOX_MAX
#define LM_IMAP_MAILBOX_MAX 1024
#endif

/** Bytes kept for the selected mailbox's FLAGS and PERMANENTFLAGS
 *  lists (each); longer lists are cut at a flag boundary. */
#ifndef LM_IMAP_FLAGS_MAX
#define LM_IMAP_FLAGS_MAX 1024
#endif

/** Longest FETCH section text kept while its literal streams
 *  ("1.2.HEADER.FIELDS (SUBJECT FROM)"). Longer is LM_ERR_LIMIT. */
#ifndef LM_IMAP_SECTION_MAX
#define LM_IMAP_SECTION_MAX 256
#endif

/** Scratch for one raw SASL response (before base64). */
#ifndef LM_IMAP_SASL_MAX
#define LM_IMAP_SASL_MAX 2048
#endif

/** Recommended input buffer size: the largest response (or FETCH item)
 *  handled is this minus a few bytes. Minimum accepted: 1024. */
#define LM_IMAP_BUFSIZE_IN  32768
/** Recommended output buffer size. Minimum accepted: 1024. A command
 *  (with its inline literals) must fit into the output buffer. */
#define LM_IMAP_BUFSIZE_OUT 8192
/** Smallest buffers lm_imap_init() accepts. */
#define LM_IMAP_BUFSIZE_MIN 1024

/* ------------------------------------------------------------------ */
/* Enumerations                                                        */
/* ------------------------------------------------------------------ */

/** A queued command's handle: its tag number ("A<n>"), never 0. */
typedef unsigned lm_imap_handle;

/** Which command an event answers. */
typedef enum {
	LM_IMAP_CMD_NONE = 0,     /**< unsolicited                           */
	LM_IMAP_CMD_GREETING,
	LM_IMAP_CMD_CAPABILITY,
	LM_IMAP_CMD_NOOP,
	LM_IMAP_CMD_LOGOUT,
	LM_IMAP_CMD_STARTTLS,
	LM_IMAP_CMD_AUTHENTICATE,
	LM_IMAP_CMD_LOGIN,
	LM_IMAP_CMD_ENABLE,
	LM_IMAP_CMD_ID,
	LM_IMAP_CMD_NAMESPACE,
	LM_IMAP_CMD_SELECT,
	LM_IMAP_CMD_EXAMINE,
	LM_IMAP_CMD_CREATE,
	LM_IMAP_CMD_DELETE,
	LM_IMAP_CMD_RENAME,
	LM_IMAP_CMD_SUBSCRIBE,
	LM_IMAP_CMD_UNSUBSCRIBE,
	LM_IMAP_CMD_LIST,
	LM_IMAP_CMD_LSUB,
	LM_IMAP_CMD_STATUS,
	LM_IMAP_CMD_APPEND,
	LM_IMAP_CMD_CHECK,
	LM_IMAP_CMD_CLOSE,
	LM_IMAP_CMD_UNSELECT,
	LM_IMAP_CMD_EXPUNGE,
	LM_IMAP_CMD_UID_EXPUNGE,
	LM_IMAP_CMD_SEARCH,
	LM_IMAP_CMD_FETCH,
	LM_IMAP_CMD_STORE,
	LM_IMAP_CMD_COPY,
	LM_IMAP_CMD_MOVE,         /**< MOVE, or the COPY+STORE+EXPUNGE chain */
	LM_IMAP_CMD_IDLE,
	LM_IMAP_CMD_GETQUOTAROOT,
	LM_IMAP_CMD_GETQUOTA,
	LM_IMAP_CMD__COUNT
} lm_imap_cmd;

/** Status of a greeting, tagged or untagged status response. */
typedef enum {
	LM_IMAP_NONE = 0,
	LM_IMAP_OK,
	LM_IMAP_NO,
	LM_IMAP_BAD,
	LM_IMAP_BYE,
	LM_IMAP_PREAUTH
} lm_imap_result;

/** Response codes ("[CODE arg]"); RFC 3501 7.1, RFC 9051 7.1, RFC 5530,
 *  RFC 4315 (UIDPLUS), RFC 7162 (CONDSTORE/QRESYNC), RFC 6154... An
 *  unknown code is LM_IMAP_CODE_OTHER with its name and raw argument. */
typedef enum {
	LM_IMAP_CODE_NONE = 0,
	LM_IMAP_CODE_OTHER,
	LM_IMAP_CODE_ALERT,
	LM_IMAP_CODE_BADCHARSET,
	LM_IMAP_CODE_CAPABILITY,
	LM_IMAP_CODE_PARSE,
	LM_IMAP_CODE_PERMANENTFLAGS,
	LM_IMAP_CODE_READ_ONLY,
	LM_IMAP_CODE_READ_WRITE,
	LM_IMAP_CODE_TRYCREATE,
	LM_IMAP_CODE_UIDNEXT,
	LM_IMAP_CODE_UIDVALIDITY,
	LM_IMAP_CODE_UNSEEN,
	LM_IMAP_CODE_APPENDUID,
	LM_IMAP_CODE_COPYUID,
	LM_IMAP_CODE_UIDNOTSTICKY,
	LM_IMAP_CODE_HIGHESTMODSEQ,
	LM_IMAP_CODE_NOMODSEQ,
	LM_IMAP_CODE_MODIFIED,
	LM_IMAP_CODE_CLOSED,
	LM_IMAP_CODE_UNAVAILABLE,
	LM_IMAP_CODE_AUTHENTICATIONFAILED,
	LM_IMAP_CODE_AUTHORIZATIONFAILED,
	LM_IMAP_CODE_EXPIRED,
	LM_IMAP_CODE_PRIVACYREQUIRED,
	LM_IMAP_CODE_CONTACTADMIN,
	LM_IMAP_CODE_NOPERM,
	LM_IMAP_CODE_INUSE,
	LM_IMAP_CODE_EXPUNGEISSUED,
	LM_IMAP_CODE_CORRUPTION,
	LM_IMAP_CODE_SERVERBUG,
	LM_IMAP_CODE_CLIENTBUG,
	LM_IMAP_CODE_CANNOT,
	LM_IMAP_CODE_LIMIT,
	LM_IMAP_CODE_OVERQUOTA,
	LM_IMAP_CODE_ALREADYEXISTS,
	LM_IMAP_CODE_NONEXISTENT,
	LM_IMAP_CODE_HASCHILDREN,
	LM_IMAP_CODE_NOTSAVED,
	LM_IMAP_CODE_UNKNOWN_CTE,
	LM_IMAP_CODE_COMPRESSIONACTIVE,
	LM_IMAP_CODE_USEATTR,
	LM_IMAP_CODE_APPENDLIMIT,
	LM_IMAP_CODE__COUNT
} lm_imap_code;

/** Kinds of event returned by lm_imap_next(). Fields of lm_imap_event
 *  that each kind fills are named in brackets. */
typedef enum {
	/** Server greeting [status (OK, PREAUTH or BYE), code, text]. With
	 *  PREAUTH the engine is in the authenticated state; with
	 *  opts.require_tls and no TLS active, PREAUTH is refused instead
	 *  (sticky LM_ERR_NO_STARTTLS). BYE: EOF and LM_IMAP_EV_CLOSED follow. */
	LM_IMAP_EV_GREETING = 1,
	/** Tagged completion of command ev.handle [cmd, handle, status (OK,
	 *  NO, BAD), code, text]. For STARTTLS the OK comes as
	 *  LM_IMAP_EV_TLS_READY instead. */
	LM_IMAP_EV_DONE,
	/** Untagged status "* OK/NO/BAD/BYE [code] text" [status, code,
	 *  text; cmd/handle: the oldest outstanding command, or NONE/0].
	 *  A BYE means the server closes: EOF then gives LM_IMAP_EV_CLOSED. */
	LM_IMAP_EV_STATUS,
	/** OK to STARTTLS: run the TLS handshake now, then lm_imap_tls_done().
	 *  Any byte that arrived after the OK is LM_ERR_PROTOCOL (sticky:
	 *  plaintext injection, CVE-2021-22947). */
	LM_IMAP_EV_TLS_READY,
	/** The server accepted IDLE ("+"): updates come as untagged events
	 *  until lm_imap_idle_done(); then LM_IMAP_EV_DONE cmd IDLE. */
	LM_IMAP_EV_IDLE_STARTED,
	/** CAPABILITY response or [CAPABILITY] code (the engine stores it;
	 *  see lm_imap_has_cap()) [text: the space-separated list]. */
	LM_IMAP_EV_CAPABILITY,
	/** ENABLED response (RFC 5161) [text: the list]. */
	LM_IMAP_EV_ENABLED,
	/** LIST or LSUB response [list; list.lsub is 1 for LSUB]. */
	LM_IMAP_EV_LIST,
	/** STATUS response [mailbox, st]. */
	LM_IMAP_EV_STATUS_DATA,
	/** SEARCH response piece [search.nums: numbers separated by spaces,
	 *  read with lm_imap_num_next(); search.more: 1 if more pieces of the
	 *  same response follow; search.modseq on the last piece]. */
	LM_IMAP_EV_SEARCH,
	/** ESEARCH response (RFC 4731, RFC 9051) [esearch]. */
	LM_IMAP_EV_ESEARCH,
	/** "* n EXISTS" [num]. Updates lm_imap_selected()->exists. */
	LM_IMAP_EV_EXISTS,
	/** "* n RECENT" [num]. */
	LM_IMAP_EV_RECENT,
	/** "* n EXPUNGE" [num]. exists is decremented. */
	LM_IMAP_EV_EXPUNGE,
	/** "* VANISHED [(EARLIER)] uid-set" (RFC 7162) [vanished]. */
	LM_IMAP_EV_VANISHED,
	/** "* FLAGS (...)" [value: the list without parentheses]. */
	LM_IMAP_EV_FLAGS,
	/** "* NAMESPACE ..." [value: the three raw parts, read with
	 *  lm_imap_reader; each is NIL or a list of (prefix delim ext)]. */
	LM_IMAP_EV_NAMESPACE,
	/** "* ID (...)" or "* ID NIL" [value: raw list of key/value pairs,
	 *  read with lm_imap_param_next()]. */
	LM_IMAP_EV_ID,
	/** "* QUOTA root (res usage limit ...)" (RFC 9208) [mailbox: the
	 *  root, value: raw resource list]. */
	LM_IMAP_EV_QUOTA,
	/** "* QUOTAROOT mailbox root..." [mailbox, value: the raw roots]. */
	LM_IMAP_EV_QUOTAROOT,
	/** Start of "* n FETCH (" [fetch.seq]. */
	LM_IMAP_EV_FETCH_BEGIN,
	/** One FETCH item except body section contents [fetch.seq,
	 *  fetch.uid (0 until a UID item was seen in this response),
	 *  fetch.item, fetch.name, fetch.value, fetch.num]. */
	LM_IMAP_EV_FETCH_ITEM,
	/** A piece of a body section (BODY[..]<origin>, BINARY[..], RFC822,
	 *  RFC822.HEADER, RFC822.TEXT) [fetch.seq, fetch.uid, fetch.item,
	 *  fetch.section, fetch.origin, fetch.data, fetch.offset (of data
	 *  within the section's content), fetch.total (size of the whole
	 *  content), fetch.last (1 on the last piece), fetch.nil (the server
	 *  sent NIL: one event with empty data)]. */
	LM_IMAP_EV_FETCH_DATA,
	/** End of the FETCH response [fetch.seq, fetch.uid, fetch.damaged]. */
	LM_IMAP_EV_FETCH_END,
	/** An untagged response the engine does not know or could not parse
	 *  (LM_IMAP_LENIENT_RESYNC) [text: its raw first line, value: the
	 *  response name]. */
	LM_IMAP_EV_UNKNOWN,
	/** Reserved; never returned (the engine consumes every continuation
	 *  request itself; one nobody waits for is LM_ERR_PROTOCOL). */
	LM_IMAP_EV_CONTINUE,
	/** The connection ended after BYE or LOGOUT. lm_imap_next() returns
	 *  LM_DONE afterwards. Commands that got no completion (a BYE
	 *  instead of it, or an EOF right after LOGOUT was sent) get no
	 *  event: lm_imap_pending() counts them, lm_imap_handle_cmd() still
	 *  names them. */
	LM_IMAP_EV_CLOSED
} lm_imap_event_type;

/** FETCH item kinds. */
typedef enum {
	LM_IMAP_ITEM_OTHER = 0,     /**< unknown item (X-GM-LABELS, ...): raw  */
	LM_IMAP_ITEM_FLAGS,         /**< value: flags without parentheses     */
	LM_IMAP_ITEM_UID,           /**< num                                  */
	LM_IMAP_ITEM_INTERNALDATE,  /**< value: the date string unquoted      */
	LM_IMAP_ITEM_RFC822_SIZE,   /**< num                                  */
	LM_IMAP_ITEM_ENVELOPE,      /**< value: "(...)": lm_imap_fetch_envelope */
	LM_IMAP_ITEM_BODYSTRUCTURE, /**< value: "(...)": lm_imap_fetch_body   */
	LM_IMAP_ITEM_BODY,          /**< BODY without section: as BODYSTRUCTURE */
	LM_IMAP_ITEM_BODY_SECTION,  /**< BODY[section]<origin>: FETCH_DATA    */
	LM_IMAP_ITEM_BINARY,        /**< BINARY[section]<origin>: FETCH_DATA  */
	LM_IMAP_ITEM_BINARY_SIZE,   /**< BINARY.SIZE[section]: num            */
	LM_IMAP_ITEM_RFC822,        /**< RFC822: FETCH_DATA                   */
	LM_IMAP_ITEM_RFC822_HEADER, /**< RFC822.HEADER: FETCH_DATA            */
	LM_IMAP_ITEM_RFC822_TEXT,   /**< RFC822.TEXT: FETCH_DATA              */
	LM_IMAP_ITEM_MODSEQ,        /**< num (RFC 7162)                       */
	LM_IMAP_ITEM_EMAILID,       /**< value (RFC 8474)                     */
	LM_IMAP_ITEM_THREADID,      /**< value, empty for NIL (RFC 8474)      */
	LM_IMAP_ITEM_SAVEDATE,      /**< value, empty for NIL (RFC 8514)      */
	LM_IMAP_ITEM__COUNT
} lm_imap_item;

/** LIST/LSUB mailbox attributes (bits of ev.list.attrs). */
#define LM_IMAP_MBX_NOINFERIORS   0x00001u
#define LM_IMAP_MBX_NOSELECT      0x00002u
#define LM_IMAP_MBX_MARKED        0x00004u
#define LM_IMAP_MBX_UNMARKED      0x00008u
#define LM_IMAP_MBX_HASCHILDREN   0x00010u
#define LM_IMAP_MBX_HASNOCHILDREN 0x00020u
#define LM_IMAP_MBX_NONEXISTENT   0x00040u
#define LM_IMAP_MBX_SUBSCRIBED    0x00080u
#define LM_IMAP_MBX_REMOTE        0x00100u
#define LM_IMAP_MBX_ALL           0x00200u  /**< RFC 6154 special use */
#define LM_IMAP_MBX_ARCHIVE       0x00400u
#define LM_IMAP_MBX_DRAFTS        0x00800u
#define LM_IMAP_MBX_FLAGGED       0x01000u
#define LM_IMAP_MBX_JUNK          0x02000u
#define LM_IMAP_MBX_SENT          0x04000u
#define LM_IMAP_MBX_TRASH         0x08000u
#define LM_IMAP_MBX_IMPORTANT     0x10000u  /**< RFC 8457             */
#define LM_IMAP_MBX_CHILD_SUBSCRIBED 0x20000u /**< CHILDINFO ("SUBSCRIBED") */

/** STATUS items (bits for lm_imap_status() and ev.st.have). */
#define LM_IMAP_ST_MESSAGES      0x001u
#define LM_IMAP_ST_RECENT        0x002u
#define LM_IMAP_ST_UIDNEXT       0x004u
#define LM_IMAP_ST_UIDVALIDITY   0x008u
#define LM_IMAP_ST_UNSEEN        0x010u
#define LM_IMAP_ST_DELETED       0x020u  /**< RFC 9051               */
#define LM_IMAP_ST_SIZE          0x040u  /**< RFC 8438               */
#define LM_IMAP_ST_HIGHESTMODSEQ 0x080u  /**< RFC 7162 (CONDSTORE)    */
#define LM_IMAP_ST_APPENDLIMIT   0x100u  /**< RFC 7889 (response only) */

/** Values of a STATUS response or of LIST-STATUS (RFC 5819). */
typedef struct {
	unsigned have;            /**< LM_IMAP_ST_* bits present            */
	uint32_t messages, recent, uidnext, uidvalidity, unseen, deleted;
	uint64_t size, highestmodseq, appendlimit;
} lm_imap_status_values;

/* ------------------------------------------------------------------ */
/* Events                                                              */
/* ------------------------------------------------------------------ */

/* Size of the private tables of nested list ends (lm_imap__lists). */
#define LM_IMAP__LISTS 32

/*
 * Private (lm_imap_event, lm_imap_body): where the lists nested in a
 * "(...)" value end, recorded by the one scan that finds the value's
 * end: for the first LM_IMAP__LISTS lists below the top level, in order
 * of their "(", offsets from base of their "(" and after their ")", and
 * their nesting depth. Lists not recorded are scanned again when read.
 */
typedef struct {
	uint32_t LM_PRIVATE(start), LM_PRIVATE(end);
	uint16_t LM_PRIVATE(depth);
	uint16_t LM_PRIVATE(inner);   /* entries inside it (they follow it) */
} lm_imap__list;

typedef struct {
	const unsigned char *LM_PRIVATE(base);
	unsigned LM_PRIVATE(n);
	unsigned LM_PRIVATE(vdepth);  /* depth of the value itself */
	lm_imap__list LM_PRIVATE(e)[LM_IMAP__LISTS];
} lm_imap__lists;

/**
 * One event. Slices point into the input buffer or into the context
 * and stay valid until the next call into the engine (any lm_imap_*
 * function taking a non-const context).
 */
typedef struct {
	lm_imap_event_type type;
	lm_imap_cmd cmd;          /**< command answered (see each type)     */
	lm_imap_handle handle;    /**< its handle, 0 for unsolicited data   */
	lm_imap_result status;    /**< GREETING, DONE, STATUS               */

	/** Response code of GREETING, DONE, STATUS (code NONE if absent). */
	struct {
		lm_imap_code code;
		lm_slice name;    /**< code atom as sent ("UIDNEXT")         */
		lm_slice arg;     /**< raw argument after the name's space
		                       (empty if none)                      */
		uint64_t num;     /**< UIDNEXT, UIDVALIDITY, UNSEEN,
		                       HIGHESTMODSEQ, APPENDLIMIT value; for
		                       APPENDUID/COPYUID the UIDVALIDITY     */
		lm_slice set1;    /**< APPENDUID: the uid-set; COPYUID: the
		                       source set; MODIFIED: the set          */
		lm_slice set2;    /**< COPYUID: the destination set         */
	} code;
	lm_slice text;            /**< human-readable text (GREETING, DONE,
	                               STATUS, CAPABILITY, ENABLED, UNKNOWN) */

	uint32_t num;             /**< EXISTS, RECENT, EXPUNGE number       */

	/** Mailbox name (LIST, STATUS_DATA, QUOTA root, QUOTAROOT), decoded
	 *  from modified UTF-7 (or raw UTF-8 under UTF8=ACCEPT) to UTF-8;
	 *  stored in the context. */
	lm_slice mailbox;
	lm_slice mailbox_raw;     /**< the name as the server sent it       */

	lm_slice value;           /**< raw data (FLAGS, NAMESPACE, ID, QUOTA,
	                               QUOTAROOT, FETCH_ITEM, UNKNOWN name) */

	struct {
		unsigned attrs;   /**< LM_IMAP_MBX_* bits                    */
		lm_slice attr_list; /**< raw attributes without parentheses  */
		int delim;        /**< hierarchy delimiter byte, -1 for NIL  */
		int lsub;         /**< 1 for LSUB                            */
		lm_slice ext;     /**< raw extended data (RFC 5258
		                       mbox-list-extended, e.g. CHILDINFO,
		                       OLDNAME), empty when none              */
	} list;

	lm_imap_status_values st; /**< STATUS_DATA                          */

	struct {
		lm_slice nums;    /**< SEARCH: numbers separated by spaces   */
		int more;         /**< more pieces of this SEARCH follow     */
		uint64_t modseq;  /**< "(MODSEQ n)" at the end (RFC 7162), 0 */
	} search;

	struct {
		lm_slice tag;     /**< (TAG "A5") correlator, unquoted; empty */
		int uid;          /**< UID indicator                          */
		unsigned have;    /**< LM_IMAP_ESEARCH_* bits present         */
		uint32_t min, max, count;
		lm_slice all;     /**< ALL sequence set                       */
		uint64_t modseq;
	} esearch;

	struct {
		int earlier;      /**< (EARLIER) present                      */
		lm_slice uids;    /**< uid-set                                */
	} vanished;

	struct {
		uint32_t seq;     /**< message sequence number                */
		uint32_t uid;     /**< UID if seen earlier in this response, 0 */
		lm_imap_item item;
		lm_slice name;    /**< item name as sent ("BODY[1.2]<0>")     */
		lm_slice value;   /**< raw value (see lm_imap_item)           */
		uint64_t num;     /**< numeric value (UID, RFC822.SIZE, MODSEQ,
		                       BINARY.SIZE)                           */
		lm_slice section; /**< FETCH_DATA: text between [ and ]       */
		int has_origin;   /**< <origin> present                       */
		uint64_t origin;  /**< its value                              */
		lm_slice data;    /**< FETCH_DATA: this piece                 */
		uint64_t offset;  /**< FETCH_DATA: offset of data in content  */
		uint64_t total;   /**< FETCH_DATA: content size               */
		int last;         /**< FETCH_DATA: last piece                 */
		int nil;          /**< FETCH_DATA: value was NIL              */
		int damaged;      /**< FETCH_END: items were skipped           */
	} fetch;

	/* private: FETCH_ITEM of ENVELOPE, BODYSTRUCTURE or BODY: the list
	 * ends inside fetch.value, recorded while the engine scanned it, for
	 * lm_imap_fetch_envelope() and lm_imap_fetch_body() */
	lm_imap__lists LM_PRIVATE(tab);
} lm_imap_event;

/** ESEARCH return data bits (ev.esearch.have) and RETURN options for
 *  lm_imap_search(). */
#define LM_IMAP_ESEARCH_MIN    0x01u
#define LM_IMAP_ESEARCH_MAX    0x02u
#define LM_IMAP_ESEARCH_ALL    0x04u
#define LM_IMAP_ESEARCH_COUNT  0x08u
#define LM_IMAP_ESEARCH_SAVE   0x10u  /**< request only (RFC 5182)     */
#define LM_IMAP_ESEARCH_MODSEQ 0x20u  /**< response only               */

/* ------------------------------------------------------------------ */
/* Options and context                                                 */
/* ------------------------------------------------------------------ */

/** Value of lm_imap_opts.version. */
#define LM_IMAP_OPTS_VERSION 1

/** Engine options; copied by lm_imap_init(). */
typedef struct {
	int version;               /**< LM_IMAP_OPTS_VERSION                 */
	int allow_plaintext_auth;  /**< 1: LOGIN and plaintext SASL before TLS */
	int require_tls;           /**< 1: no LOGIN/AUTHENTICATE before
	                                STARTTLS completed; PREAUTH refused
	                                without TLS                          */
	int use_literal_plus;      /**< 1: non-synchronising literals when
	                                LITERAL+ / LITERAL- is offered       */
	lm_trace_fn trace;         /**< every line in ('S') and out ('C');
	                                LOGIN and AUTHENTICATE data redacted;
	                                literal contents summarised          */
	void *trace_ud;
} lm_imap_opts;

/** Secure defaults: TLS required, LITERAL+ used when offered. */
#define LM_IMAP_OPTS_INIT { 1, 0, 1, 1, NULL, NULL }

/** Session states (RFC 3501 3, RFC 9051 3). */
typedef enum {
	LM_IMAP_STATE_GREETING = 0,   /**< waiting for the greeting          */
	LM_IMAP_STATE_NOT_AUTH,
	LM_IMAP_STATE_AUTH,
	LM_IMAP_STATE_SELECTED,
	LM_IMAP_STATE_LOGOUT,         /**< BYE received or LOGOUT sent       */
	LM_IMAP_STATE_CLOSED
} lm_imap_state;

/**
 * What the engine knows about the selected mailbox.
 *
 * highestmodseq (RFC 7162): every HIGHESTMODSEQ response code sets it
 * (untagged OK or tagged completion), even below MODSEQ values seen;
 * NOMODSEQ clears it. MODSEQ items of FETCH responses raise it only as
 * RFC 7162 section 6 allows: when a tagged response (of any command,
 * OK, NO or BAD) arrives, to the highest MODSEQ of the FETCH responses
 * read since the previous tagged response, if that is higher, and only
 *  - when no HIGHESTMODSEQ code came in that period (a server that
 *    delays an expunge or a change with a smaller mod-sequence says so
 *    with the code);
 *  - for FETCH responses read while no FETCH command was outstanding:
 *    unsolicited ones and those of STORE (a FETCH (MODSEQ) of some
 *    messages says nothing about changes to the others);
 *  - when no response of that period was skipped under
 *    LM_IMAP_LENIENT_RESYNC (a damaged FETCH, an untagged response that
 *    could not be parsed): a change may have been missed;
 *  - when a value is known already (not 0, no NOMODSEQ) and the MODSEQ
 *    is a mod-sequence (1 to 2^63 - 1).
 * So a MODSEQ seen in the middle of a command, or during IDLE, shows
 * only after that command's tagged response (for IDLE: after DONE and
 * its completion); a NOOP collects pending changes and completes them.
 */
typedef struct {
	int selected;             /**< 1 while a mailbox is selected          */
	int read_only;            /**< EXAMINE, or [READ-ONLY]                */
	uint32_t exists;          /**< EXISTS, minus EXPUNGEs since            */
	uint32_t recent;
	uint32_t uidvalidity;     /**< 0 if not sent                          */
	uint32_t uidnext;         /**< 0 if not sent                          */
	uint32_t unseen;          /**< [UNSEEN n] (IMAP4rev1), 0 if not sent  */
	uint64_t highestmodseq;   /**< 0 if not sent or NOMODSEQ; see above    */
	int nomodseq;             /**< [NOMODSEQ] received                     */
	uint32_t expunged;        /**< EXPUNGE responses since selection       */
	uint32_t vanished;        /**< UIDs reported by VANISHED since         */
	lm_slice flags;           /**< FLAGS list (context storage)            */
	lm_slice permanent_flags; /**< PERMANENTFLAGS list                      */
	lm_slice name;            /**< mailbox name, UTF-8                      */
} lm_imap_mailbox;

/** Most synchronising literals waiting for "+" at once (private). */
#define LM_IMAP__HOLDS_MAX 8

/** A command's bookkeeping entry (private). */
typedef struct {
	/* input offset (rx_total) when the command was queued, or when its
	 * latest SASL response was: a response that begins before it was
	 * received before the server could have read the command */
	uint64_t LM_PRIVATE(rx);
	lm_imap_handle LM_PRIVATE(tag);
	unsigned char LM_PRIVATE(cmd);
	unsigned char LM_PRIVATE(flags);
	unsigned char LM_PRIVATE(en);  /* ENABLE: known extensions asked */
} lm_imap_qent;

/** The engine context. Allocate it anywhere; members are private. */
typedef struct {
	lm_imap_opts LM_PRIVATE(opts);
	lm_core__io LM_PRIVATE(io);   /* the borrowed buffers            */
	/* synchronising literals: bytes from holds[0] on wait for "+" */
	unsigned LM_PRIVATE(nholds);
	size_t LM_PRIVATE(holds)[LM_IMAP__HOLDS_MAX];
	size_t LM_PRIVATE(hold_cend)[LM_IMAP__HOLDS_MAX];
	lm_imap_handle LM_PRIVATE(hold_tag)[LM_IMAP__HOLDS_MAX];
	int LM_PRIVATE(err);
	int LM_PRIVATE(pend_err);      /* sticky once the output is sent  */
	int LM_PRIVATE(state);
	int LM_PRIVATE(eof), LM_PRIVATE(tls), LM_PRIVATE(tls_wait);
	int LM_PRIVATE(closed_sent), LM_PRIVATE(bye);
	unsigned LM_PRIVATE(next_tag);
	lm_imap_qent LM_PRIVATE(q)[LM_IMAP_PIPELINE_MAX];
	unsigned LM_PRIVATE(q_count);
	/* fragmentizer and parser */
	int LM_PRIVATE(mode);
	size_t LM_PRIVATE(scan), LM_PRIVATE(lit_skip_to);
	size_t LM_PRIVATE(unit_end), LM_PRIVATE(unit_lend);
	int LM_PRIVATE(unit_lit), LM_PRIVATE(unit_fetch);
	uint64_t LM_PRIVATE(lit_left), LM_PRIVATE(lit_total);
	uint32_t LM_PRIVATE(f_seq), LM_PRIVATE(f_uid);
	int LM_PRIVATE(f_item), LM_PRIVATE(f_damaged), LM_PRIVATE(f_has_origin);
	uint64_t LM_PRIVATE(f_origin);
	lm_imap_handle LM_PRIVATE(f_handle);
	int LM_PRIVATE(f_cmd);
	size_t LM_PRIVATE(sect_len), LM_PRIVATE(fname_len);
	unsigned char LM_PRIVATE(sect)[LM_IMAP_SECTION_MAX];
	unsigned char LM_PRIVATE(fname)[LM_IMAP_SECTION_MAX];
	lm_imap_handle LM_PRIVATE(s_handle);
	/* capabilities */
	int LM_PRIVATE(caps_known);
	unsigned long LM_PRIVATE(capbits);
	unsigned LM_PRIVATE(enabled);
	size_t LM_PRIVATE(caps_len);
	char LM_PRIVATE(caps)[LM_IMAP_CAPS_MAX];
	/* the last bytes of LOGIN/AUTHENTICATE went out when rx_total was
	 * lg_rx (lg_sent); the list came in an untagged response received
	 * after that while that command was the oldest (lg_heard) */
	uint64_t LM_PRIVATE(lg_rx);
	int LM_PRIVATE(lg_sent), LM_PRIVATE(lg_heard);
	/* selected mailbox */
	lm_imap_mailbox LM_PRIVATE(mbx);
	lm_imap_handle LM_PRIVATE(sel_tag);   /* SELECT/EXAMINE outstanding */
	/* RFC 7162 section 6: highest MODSEQ of the FETCH responses that
	 * count since the last tagged response; that of the FETCH being
	 * read; set when a HIGHESTMODSEQ code came or a response was
	 * skipped meanwhile (no raise at the next tagged response) */
	uint64_t LM_PRIVATE(ms_max), LM_PRIVATE(ms_fetch);
	int LM_PRIVATE(ms_hold);
	size_t LM_PRIVATE(flags_len), LM_PRIVATE(pflags_len),
	       LM_PRIVATE(mname_len);
	unsigned char LM_PRIVATE(flags)[LM_IMAP_FLAGS_MAX];
	unsigned char LM_PRIVATE(pflags)[LM_IMAP_FLAGS_MAX];
	unsigned char LM_PRIVATE(mname)[LM_IMAP_MAILBOX_MAX];
	/* mailbox name of the current event (raw unescaped, decoded) */
	unsigned char LM_PRIVATE(evraw)[LM_IMAP_MAILBOX_MAX];
	unsigned char LM_PRIVATE(evname)[LM_IMAP_MAILBOX_MAX];
	/* APPEND body */
	lm_read_fn LM_PRIVATE(app_rd);
	void *LM_PRIVATE(app_ud);
	uint64_t LM_PRIVATE(app_left);
	int LM_PRIVATE(app_state);
	lm_imap_handle LM_PRIVATE(app_tag);
	/* MOVE fallback chain */
	int LM_PRIVATE(mv_uid), LM_PRIVATE(mv_step);
	lm_imap_handle LM_PRIVATE(mv_tag), LM_PRIVATE(mv_cur);
	uint64_t LM_PRIVATE(mv_cu_num);
	uint32_t LM_PRIVATE(mv_exp);   /* expunged + vanished at the COPY */
	size_t LM_PRIVATE(mv_set_len), LM_PRIVATE(mv_cu1), LM_PRIVATE(mv_cu2);
	char LM_PRIVATE(mv_set)[512];
	char LM_PRIVATE(mv_cu)[512];
	/* IDLE: 0 none, 1 sent, 2 accepted, 3 DONE sent */
	int LM_PRIVATE(idle), LM_PRIVATE(idle_done_wanted);
	lm_imap_handle LM_PRIVATE(idle_tag);
	/* STARTTLS / AUTHENTICATE */
	lm_imap_handle LM_PRIVATE(tls_tag), LM_PRIVATE(auth_tag);
	lm_sasl *LM_PRIVATE(sasl);
	int LM_PRIVATE(wipe_out);
	size_t LM_PRIVATE(wipe_end);
	unsigned char LM_PRIVATE(sasl_raw)[LM_IMAP_SASL_MAX];
} lm_imap_client;

/* ------------------------------------------------------------------ */
/* Life cycle and I/O                                                  */
/* ------------------------------------------------------------------ */

/**
 * \brief Prepare a context. The buffers are borrowed and MUST outlive
 *        the context. The engine starts waiting for the greeting.
 * \param o    options (copied); NULL means LM_IMAP_OPTS_INIT.
 * \param ibuf input buffer, at least LM_IMAP_BUFSIZE_MIN bytes
 *             (LM_IMAP_BUFSIZE_IN recommended: it bounds the largest
 *             response / FETCH item, streamed body sections excepted).
 * \param obuf output buffer, at least LM_IMAP_BUFSIZE_MIN bytes.
 * \return 0; LM_ERR_BAD_PARAM (NULL, small buffers, wrong opts version).
 */
LM_API int lm_imap_init(lm_imap_client *c, const lm_imap_opts *o,
                        void *ibuf, size_t ilen, void *obuf, size_t olen);

/** \brief Start over for a new connection, same options and buffers.
 *  \return 0 or LM_ERR_BAD_PARAM if c was never initialized. */
LM_API int lm_imap_reset(lm_imap_client *c);

/** \brief Zeroize the context (LOGIN/SASL data may be in it, and in the
 *         output buffer if unsent). NULL-safe, idempotent. */
LM_API void lm_imap_free(lm_imap_client *c);

/** \brief Where to put bytes from the server; *len gets the free space.
 *  \return pointer into the input buffer, valid until the next call. */
LM_API unsigned char *lm_imap_recv_buf(lm_imap_client *c, size_t *len);

/** \brief len bytes were written at lm_imap_recv_buf(). Bytes arriving
 *         while the engine waits for the TLS handshake are a sticky
 *         LM_ERR_PROTOCOL. */
LM_API void lm_imap_recv_ack(lm_imap_client *c, size_t len);

/** \brief The server closed the connection. After BYE or LOGOUT this
 *         gives LM_IMAP_EV_CLOSED, else LM_ERR_EOF (sticky) once the
 *         buffered responses have been delivered. */
LM_API void lm_imap_recv_eof(lm_imap_client *c);

/** \brief Copying helper: recv_buf + memcpy + recv_ack; *used gets the
 *         bytes taken (may be < n: call lm_imap_next() and feed the rest).
 *  \return 0, LM_ERR_BAD_PARAM, or the sticky error. */
LM_API int lm_imap_feed(lm_imap_client *c, const void *p, size_t n, size_t *used);

/** \brief Bytes to send; *len gets their number (0: nothing).
 *  \return pointer into the output buffer, valid until the next call. */
LM_API const unsigned char *lm_imap_send_buf(const lm_imap_client *c, size_t *len);

/** \brief len bytes from lm_imap_send_buf() were sent (clamped). */
LM_API void lm_imap_send_ack(lm_imap_client *c, size_t len);

/**
 * \brief Advance the engine and get the next event.
 *
 * Sending comes first (LM_WANT_WRITE while output is pending; APPEND
 * bodies are pulled from their lm_read_fn here). Bytes after a
 * synchronising literal are held until the server's "+".
 * \return LM_EVENT; LM_WANT_WRITE; LM_WANT_READ (also when idle: only
 *         untagged data can come then); LM_DONE after LM_IMAP_EV_CLOSED;
 *         LM_ERR_BAD_STATE while waiting for lm_imap_tls_done() (not
 *         sticky); a sticky error < 0 (see the top of this file), or the
 *         error of an APPEND lm_read_fn (LM_ERR_CALLBACK when it ends
 *         before the announced size).
 */
LM_API int lm_imap_next(lm_imap_client *c, lm_imap_event *ev);

/** \brief The sticky error, or 0. */
LM_API int lm_imap_last_error(const lm_imap_client *c);

/** \brief Current session state. */
LM_API lm_imap_state lm_imap_get_state(const lm_imap_client *c);

/** \brief The selected mailbox (selected == 0 when none). The pointer
 *         stays valid for the context's life; contents change with
 *         lm_imap_next(). From SELECT/EXAMINE on it describes the new
 *         mailbox: untagged data about the previous one (answers to
 *         commands sent before the SELECT, and, RFC 7162 / RFC 9051,
 *         what comes before the [CLOSED] code) is still delivered as
 *         events but not counted here. A [CLOSED without its ']' where a
 *         [CLOSED] would count (SELECT/EXAMINE outstanding, no older
 *         command) is a sticky LM_ERR_PROTOCOL: where the old mailbox's
 *         responses end is unknown, and counting them (EXPUNGE, VANISHED,
 *         MODSEQ) for the new one would be wrong. "[CLOSED x]" (an
 *         argument CLOSED does not take) is still CLOSED. */
LM_API const lm_imap_mailbox *lm_imap_selected(const lm_imap_client *c);

/** \brief Number of commands still waiting for their completion. */
LM_API unsigned lm_imap_pending(const lm_imap_client *c);

/**
 * \brief The command handle h names while it waits for its completion
 *        (for messages such as "UID FETCH refused: ...").
 * \param uid may be NULL; gets 1 for the UID form (UID FETCH, UID STORE,
 *        UID COPY, UID MOVE, UID SEARCH, UID EXPUNGE), else 0.
 * \return the command; LM_IMAP_CMD_MOVE for the handle lm_imap_move()
 *         returned, during the whole COPY/STORE/EXPUNGE fallback chain;
 *         LM_IMAP_CMD_NONE (and *uid 0) when h is not outstanding
 *         (completed, never queued, 0) or c is NULL.
 */
LM_API lm_imap_cmd lm_imap_handle_cmd(const lm_imap_client *c, lm_imap_handle h,
                                      int *uid);

/* ------------------------------------------------------------------ */
/* Capabilities and TLS                                                */
/* ------------------------------------------------------------------ */

/** \brief 1 if the last capability list holds cap (case-insensitive,
 *         whole word: "IDLE", "AUTH=PLAIN", "LITERAL+"), else 0 (also
 *         while the list is unknown, see lm_imap_caps_known()). */
LM_API int lm_imap_has_cap(const lm_imap_client *c, const char *cap);

/** \brief 1 when a capability list is known (greeting code, CAPABILITY
 *         response, code in a LOGIN/AUTHENTICATE OK, a list sent just
 *         before that OK, or the OK of CAPABILITY: empty if no list
 *         came); 0 before, after lm_imap_tls_done() and after a
 *         LOGIN/AUTHENTICATE OK without a list for the new state, until
 *         the server sent a new one. While it is 0 the engine uses no
 *         capability ("Capabilities unknown" under Commands below). */
LM_API int lm_imap_caps_known(const lm_imap_client *c);

/** \brief The raw capability list (space separated), valid until the
 *         next call into the engine. */
LM_API lm_slice lm_imap_caps(const lm_imap_client *c);

/** \brief The SASL mechanism names of the AUTH= capabilities, separated
 *         by spaces (for lm_sasl_choose()), NUL-terminated in buf.
 *  \return 0; LM_ERR_BUFFER_TOO_SMALL; LM_ERR_BAD_PARAM. */
LM_API int lm_imap_sasl_mechs(const lm_imap_client *c, char *buf, size_t cap);

/** \brief 1 if the server reported ext (e.g. "QRESYNC", "UTF8=ACCEPT")
 *         in an ENABLED response, else 0. */
LM_API int lm_imap_is_enabled(const lm_imap_client *c, const char *ext);

/** \brief Declare the connection already protected by TLS (imaps://,
 *         implicit TLS). Allowed only before any byte was received.
 *  \return 0 or LM_ERR_BAD_STATE. */
LM_API int lm_imap_set_tls_active(lm_imap_client *c);

/** \brief 1 when TLS is active (implicit or after lm_imap_tls_done()). */
LM_API int lm_imap_tls_active(const lm_imap_client *c);

/** \brief The handshake after LM_IMAP_EV_TLS_READY succeeded: the engine
 *         forgets the capabilities and whatever else plaintext untagged
 *         data set (ENABLED extensions, the lm_imap_selected() counts)
 *         and queues CAPABILITY itself (its completion is
 *         LM_IMAP_EV_DONE with cmd CAPABILITY; *h gets its handle if h
 *         is not NULL).
 *  \return 0, LM_ERR_BAD_STATE when not waiting for TLS, sticky error. */
LM_API int lm_imap_tls_done(lm_imap_client *c, lm_imap_handle *h);

/* ------------------------------------------------------------------ */
/* Commands                                                            */
/* ------------------------------------------------------------------ */
/*
 * Common rules: h (may be NULL) receives the handle that events name.
 * Return 0, or (nothing queued):
 *   LM_ERR_BAD_PARAM   NULL/empty argument, CR, LF or NUL anywhere,
 *                      malformed sequence set, bad UTF-8 mailbox name;
 *   LM_ERR_BAD_STATE   wrong session state (e.g. FETCH without a
 *                      selected mailbox, LOGIN when authenticated),
 *                      during IDLE, an APPEND body or STARTTLS /
 *                      AUTHENTICATE in progress, before the greeting;
 *                      a needed capability while the capabilities are
 *                      unknown (below);
 *   LM_ERR_LIMIT       LM_IMAP_PIPELINE_MAX commands outstanding;
 *   LM_ERR_BUFFER_TOO_SMALL  the command does not fit into the free
 *                      output space (drain with lm_imap_next(), retry);
 *   LM_ERR_UNSUPPORTED the server's capability list lacks a needed one;
 *   the sticky error.
 * Strings are sent as an atom, a quoted string or a literal, chosen by
 * content: 8-bit data (unless UTF8=ACCEPT is enabled) or over 1000
 * bytes goes as a literal, non-synchronising ({n+}) with LITERAL+ (or
 * LITERAL- up to 4096 bytes) when opts.use_literal_plus, else
 * synchronising ({n}: the rest of the command waits for "+"; a NO/BAD
 * instead drops it and completes the command). Mailbox names are UTF-8;
 * the engine encodes them in modified UTF-7 (or sends UTF-8 when
 * UTF8=ACCEPT is enabled); "INBOX" in any case is sent as INBOX.
 * Sequence sets follow RFC 9051's sequence-set ("1:4,7,9:*", numbers
 * 1 to 4294967295 without leading zeros; anything else is
 * LM_ERR_BAD_PARAM), or are "$" alone, the result a SEARCH RETURN
 * (SAVE) kept (RFC 5182; needs SEARCHRES or IMAP4rev2).
 *
 * Capabilities unknown: before a list came, after lm_imap_tls_done(),
 * after a LOGIN or AUTHENTICATE OK without a [CAPABILITY] code (RFC 9051
 * 6.2: the list may change, the old one must not be relied on), and
 * while a LOGIN is outstanding (the server reads the commands behind it
 * after its OK), no capability counts until a CAPABILITY response or
 * code arrives. Two answers end it without another question:
 *   - a list the server sends during LOGIN/AUTHENTICATE and before its
 *     tagged OK (Gmail: "* CAPABILITY ..." then an OK without a code)
 *     is the list after it, and stays known at the OK, when it is
 *     unambiguous: received after the command's last bytes went out
 *     (the line with its literals, or the last SASL response), while
 *     that command was the oldest outstanding, as an untagged CAPABILITY
 *     or an untagged OK [CAPABILITY]. Any doubt (a list that was
 *     received earlier, or while an older command was outstanding, or
 *     one followed by NO or BAD) leaves the list unknown;
 *   - the OK of CAPABILITY: RFC 9051 requires the untagged list before
 *     it; if none came, the list is known and empty (nothing offered:
 *     calls that need a capability return LM_ERR_UNSUPPORTED, literals
 *     are synchronising). A NO or BAD leaves it unknown.
 * While unknown:
 *   - literals are synchronising ({n}, valid with every server);
 *   - calls that need a capability for what they were asked return
 *     LM_ERR_BAD_STATE, not LM_ERR_UNSUPPORTED (the server may well
 *     offer it): IDLE, ENABLE, NAMESPACE, UNSELECT, UID EXPUNGE,
 *     GETQUOTA, GETQUOTAROOT, MOVE (neither MOVE nor its COPY fallback
 *     is known to be right), LOGIN, AUTHENTICATE, STARTTLS, and the
 *     options SELECT CONDSTORE, STATUS HIGHESTMODSEQ, extended LIST,
 *     SEARCH RETURN, FETCH MODSEQ/EMAILID/THREADID/SAVEDATE/CHANGEDSINCE/
 *     BINARY and BINARY.SIZE sections, STORE UNCHANGEDSINCE;
 *   - everything else is sent as usual.
 * Call lm_imap_capability() (lm_imap_session does after logging in).
 * It may be pipelined right behind LOGIN: its response describes the
 * state after the LOGIN, and from the arrival of that response on
 * (lm_imap_caps_known() 1, at the latest by the DONE of CAPABILITY) the
 * features are used again; calls made before follow the rules above.
 */

/** \brief CAPABILITY. After its OK the capabilities are known: the
 *         latest list the server sent, or an empty one if none came
 *         since they were unknown. */
LM_API int lm_imap_capability(lm_imap_client *c, lm_imap_handle *h);
/** \brief NOOP (also polls for mailbox updates). */
LM_API int lm_imap_noop(lm_imap_client *c, lm_imap_handle *h);
/** \brief LOGOUT: BYE, then the tagged OK, then EOF -> LM_IMAP_EV_CLOSED.
 *  The state is LM_IMAP_STATE_LOGOUT from now on (no mailbox selected,
 *  no more commands), whatever the completions of commands sent before
 *  it say. */
LM_API int lm_imap_logout(lm_imap_client *c, lm_imap_handle *h);

/** \brief STARTTLS (not authenticated state, nothing outstanding).
 *  \return LM_ERR_NO_STARTTLS when not offered; LM_ERR_BAD_STATE when TLS
 *          is already active or the capabilities are not known yet (the
 *          greeting had none: call lm_imap_capability() first). */
LM_API int lm_imap_starttls(lm_imap_client *c, lm_imap_handle *h);

/**
 * \brief AUTHENTICATE with an initialized SASL context (RFC 4959
 *        SASL-IR for the initial response when offered).
 *
 * Challenges are base64-decoded and stepped; responses sent in base64;
 * a bad challenge or SASL error cancels with "*" and becomes the sticky
 * error. On the tagged OK the engine calls lm_sasl_finish(): failure is
 * a sticky LM_ERR_SASL, else LM_IMAP_EV_DONE (status OK). The trace shows
 * "<redacted>" for every response.
 * \param s borrowed until the DONE event or an error.
 * \return 0; LM_ERR_PLAINTEXT (no TLS and require_tls, or a plaintext
 *         mechanism without allow_plaintext_auth); LM_ERR_NO_MECH (AUTH=
 *         not offered); LM_ERR_BAD_STATE (authenticated, something
 *         outstanding, capabilities unknown).
 */
LM_API int lm_imap_authenticate(lm_imap_client *c, lm_sasl *s, lm_imap_handle *h);

/** \brief LOGIN user password. Traced as "A1 LOGIN <redacted>". After an
 *         OK without a [CAPABILITY] code (and without a list sent just
 *         before it) the capabilities are unknown (lm_imap_caps_known()
 *         == 0; RFC 9051 asks to fetch them again): call
 *         lm_imap_capability() before anything that depends on them
 *         (the same after AUTHENTICATE; see "Capabilities unknown").
 *  \return LM_ERR_PLAINTEXT before TLS (unless allow_plaintext_auth and
 *          not require_tls); LM_ERR_UNSUPPORTED under LOGINDISABLED;
 *          LM_ERR_BAD_STATE (authenticated, capabilities unknown, another
 *          LOGIN outstanding, ...). */
LM_API int lm_imap_login(lm_imap_client *c, const char *user, const char *pass,
                         lm_imap_handle *h);

/** \brief ENABLE exts (space separated capability names, sent with one
 *         space between them, RFC 5161;
 *         e.g. "CONDSTORE QRESYNC" or "UTF8=ACCEPT"). Needs ENABLE.
 *         The ENABLED response updates lm_imap_is_enabled().
 *
 * RFC 5161 3.2: the server sends ENABLED only in answer to ENABLE. An
 * ENABLED response counts only while an ENABLE is the oldest
 * outstanding command (the server answers in order), and only for the
 * extensions that ENABLE named (QRESYNC implies CONDSTORE, RFC 7162
 * 3.2.3). Any other ENABLED (before or right after TLS, during another
 * command, naming an extension not asked for) is still reported as
 * LM_IMAP_EV_ENABLED, without cmd/handle when no ENABLE is the oldest,
 * but changes nothing: it never switches mailbox names to UTF-8 (or
 * QRESYNC on). It is ignored, not a sticky LM_ERR_PROTOCOL: ignoring
 * leaves the client exactly as safe (what the client sends depends
 * only on what it asked for), and a server that repeats an extension
 * enabled earlier or sends a stray ENABLED keeps working. */
LM_API int lm_imap_enable(lm_imap_client *c, const char *exts, lm_imap_handle *h);

/** \brief ID (RFC 2971) with kv = { key, value, key, value, ..., NULL }
 *         (a NULL value sends NIL), or kv == NULL for "ID NIL". At most
 *         30 pairs, keys of at most 30 bytes, values of at most 1024
 *         (RFC 2971 3.3; else LM_ERR_BAD_PARAM). */
LM_API int lm_imap_id(lm_imap_client *c, const char *const *kv, lm_imap_handle *h);

/** \brief NAMESPACE (RFC 2342). */
LM_API int lm_imap_namespace(lm_imap_client *c, lm_imap_handle *h);

/** Value of lm_imap_select_opts.version. */
#define LM_IMAP_SELECT_OPTS_VERSION 1

/** SELECT/EXAMINE parameters. */
typedef struct {
	int version;              /**< LM_IMAP_SELECT_OPTS_VERSION          */
	int condstore;            /**< (CONDSTORE) (needs CONDSTORE)        */
	uint32_t qr_uidvalidity;  /**< QRESYNC (needs QRESYNC enabled): the
	                               known UIDVALIDITY, 0 for none         */
	uint64_t qr_modseq;       /**< the known HIGHESTMODSEQ (1 to 2^63 - 1,
	                               RFC 7162; else LM_ERR_BAD_PARAM)      */
	const char *qr_known_uids;/**< known UIDs set, NULL for none (no "*"
	                               nor "$": LM_ERR_BAD_PARAM)             */
} lm_imap_select_opts;

#define LM_IMAP_SELECT_OPTS_INIT { 1, 0, 0, 0, NULL }

/** \brief SELECT mailbox (o may be NULL). The engine resets the
 *         selected-mailbox state and fills it from the responses. */
LM_API int lm_imap_select(lm_imap_client *c, const char *mailbox,
                          const lm_imap_select_opts *o, lm_imap_handle *h);
/** \brief EXAMINE mailbox (read-only SELECT). */
LM_API int lm_imap_examine(lm_imap_client *c, const char *mailbox,
                           const lm_imap_select_opts *o, lm_imap_handle *h);

LM_API int lm_imap_create(lm_imap_client *c, const char *mailbox, lm_imap_handle *h);
LM_API int lm_imap_delete(lm_imap_client *c, const char *mailbox, lm_imap_handle *h);
LM_API int lm_imap_rename(lm_imap_client *c, const char *from, const char *to,
                          lm_imap_handle *h);
LM_API int lm_imap_subscribe(lm_imap_client *c, const char *mailbox, lm_imap_handle *h);
LM_API int lm_imap_unsubscribe(lm_imap_client *c, const char *mailbox, lm_imap_handle *h);

/** LIST return options (lm_imap_list_opts.ret). */
#define LM_IMAP_LIST_RET_SUBSCRIBED  0x1u
#define LM_IMAP_LIST_RET_CHILDREN    0x2u
#define LM_IMAP_LIST_RET_SPECIAL_USE 0x4u  /**< needs SPECIAL-USE        */
/** LIST selection options (lm_imap_list_opts.sel). */
#define LM_IMAP_LIST_SEL_SUBSCRIBED       0x1u
#define LM_IMAP_LIST_SEL_REMOTE           0x2u
#define LM_IMAP_LIST_SEL_RECURSIVEMATCH   0x4u
#define LM_IMAP_LIST_SEL_SPECIAL_USE      0x8u

/** Value of lm_imap_list_opts.version. */
#define LM_IMAP_LIST_OPTS_VERSION 1

/** Extended LIST (RFC 5258, RFC 6154, RFC 5819). Each list is written
 *  in the order of its bits above (the RFCs allow any order), STATUS
 *  last in RETURN; a bit not defined here (in sel, ret or status) is
 *  LM_ERR_BAD_PARAM. */
typedef struct {
	int version;         /**< LM_IMAP_LIST_OPTS_VERSION                  */
	unsigned sel;        /**< LM_IMAP_LIST_SEL_* (needs LIST-EXTENDED or
	                          IMAP4rev2, SPECIAL_USE SPECIAL-USE too);
	                          RECURSIVEMATCH without SUBSCRIBED or
	                          SPECIAL_USE is LM_ERR_BAD_PARAM (RFC 5258
	                          3.1: not alone, nor only with REMOTE)    */
	unsigned ret;        /**< LM_IMAP_LIST_RET_* (needs LIST-EXTENDED or
	                          IMAP4rev2; SPECIAL_USE needs SPECIAL-USE,
	                          and alone only that)                     */
	unsigned status;     /**< LM_IMAP_ST_* for RETURN (STATUS (...))
	                          (needs LIST-STATUS or IMAP4rev2, and each
	                          item what it needs in STATUS);
	                          each mailbox's values come as
	                          LM_IMAP_EV_STATUS_DATA                   */
} lm_imap_list_opts;

#define LM_IMAP_LIST_OPTS_INIT { 1, 0, 0, 0 }

/** \brief LIST reference pattern (UTF-8; "*" and "%" wildcards kept).
 *         o may be NULL for plain LIST. */
LM_API int lm_imap_list(lm_imap_client *c, const char *ref, const char *pattern,
                        const lm_imap_list_opts *o, lm_imap_handle *h);
/** \brief LSUB (IMAP4rev1). */
LM_API int lm_imap_lsub(lm_imap_client *c, const char *ref, const char *pattern,
                        lm_imap_handle *h);

/** \brief STATUS mailbox (items: LM_IMAP_ST_* bits but APPENDLIMIT,
 *         which is response only). HIGHESTMODSEQ needs CONDSTORE, SIZE
 *         STATUS=SIZE or IMAP4rev2, DELETED IMAP4rev2 (LM_ERR_UNSUPPORTED
 *         without, LM_ERR_BAD_STATE while capabilities are unknown); no
 *         item, or a bit not defined, is LM_ERR_BAD_PARAM. */
LM_API int lm_imap_status(lm_imap_client *c, const char *mailbox, unsigned items,
                          lm_imap_handle *h);

/**
 * \brief APPEND a message of exactly size bytes, pulled from rd.
 * \param flags  NULL or space-separated flags ("\\Seen $Label").
 * \param date   NULL or an RFC 3501 date-time "dd-Mon-yyyy hh:mm:ss +zzzz"
 *               (" d-Mon-..." for a one-digit day; any other form is
 *               LM_ERR_BAD_PARAM).
 * The body is pulled from rd while lm_imap_next() runs (after "+" for a
 * synchronising literal). No other command may be queued until the body
 * has been sent (LM_ERR_BAD_STATE). rd returning an error, or the end
 * before size bytes, is sticky (the connection cannot be recovered).
 * The DONE event's code may be APPENDUID (code.num = UIDVALIDITY,
 * code.set1 = the UID).
 */
LM_API int lm_imap_append(lm_imap_client *c, const char *mailbox, const char *flags,
                          const char *date, uint64_t size, lm_read_fn rd, void *ud,
                          lm_imap_handle *h);

LM_API int lm_imap_check(lm_imap_client *c, lm_imap_handle *h);
/** \brief CLOSE (expunges \Deleted; the mailbox is deselected on OK). */
LM_API int lm_imap_close(lm_imap_client *c, lm_imap_handle *h);
/** \brief UNSELECT (RFC 3691; needs UNSELECT or IMAP4rev2). */
LM_API int lm_imap_unselect(lm_imap_client *c, lm_imap_handle *h);
LM_API int lm_imap_expunge(lm_imap_client *c, lm_imap_handle *h);
/** \brief UID EXPUNGE set (needs UIDPLUS or IMAP4rev2). */
LM_API int lm_imap_uid_expunge(lm_imap_client *c, const char *uids, lm_imap_handle *h);

/* Search criteria builder ------------------------------------------- */

/**
 * A search program built in a caller buffer (no allocation). Each call
 * appends one search key; errors are sticky in the builder and returned
 * by lm_imap_search(). Keys are joined with AND (IMAP's default);
 * lm_imap_sb_or() / lm_imap_sb_not() prefix the next key(s);
 * lm_imap_sb_open() / lm_imap_sb_close() group.
 */
typedef struct {
	unsigned char *LM_PRIVATE(buf);
	size_t LM_PRIVATE(cap), LM_PRIVATE(len);
	int LM_PRIVATE(err);
	int LM_PRIVATE(utf8);
	unsigned LM_PRIVATE(depth);
	size_t LM_PRIVATE(need);   /* keys the open NOT/OR still take     */
	size_t LM_PRIVATE(open);   /* innermost "(" token + 1, 0 for none */
	int LM_PRIVATE(words);     /* lm_imap_sb_word() used: free form   */
} lm_imap_sb;

/** \brief Start a program in buf[0..cap) (>= 16 bytes). */
LM_API void lm_imap_sb_init(lm_imap_sb *s, void *buf, size_t cap);
/** \brief A key without argument: ALL ANSWERED DELETED DRAFT FLAGGED NEW
 *         OLD RECENT SEEN UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN
 *         (any atom that starts with a letter accepted, for extensions;
 *         else LM_ERR_BAD_PARAM). The key names of lm_imap_sb_str(),
 *         _num() and _date() follow the same rule. A sequence set is
 *         not a key name: it goes through lm_imap_sb_set(). */
LM_API int lm_imap_sb_key(lm_imap_sb *s, const char *key);
/** \brief key + string: FROM TO CC BCC SUBJECT BODY TEXT KEYWORD
 *         UNKEYWORD. value is UTF-8: non-ASCII makes the search
 *         CHARSET UTF-8. */
LM_API int lm_imap_sb_str(lm_imap_sb *s, const char *key, const char *value);
/** \brief HEADER field value. */
LM_API int lm_imap_sb_header(lm_imap_sb *s, const char *field, const char *value);
/** \brief key + number: LARGER SMALLER MODSEQ (RFC 7162), OLDER YOUNGER;
 *         n at most 2^63 - 1 (RFC 9051 number64), else LM_ERR_BAD_PARAM. */
LM_API int lm_imap_sb_num(lm_imap_sb *s, const char *key, uint64_t n);
/** \brief key + date: BEFORE ON SINCE SENTBEFORE SENTON SENTSINCE
 *         (y 1..9999, m 1..12, d 1..31). */
LM_API int lm_imap_sb_date(lm_imap_sb *s, const char *key, int y, int m, int d);
/** \brief A sequence set, or with uid != 0 "UID set": RFC 9051's
 *         sequence-set or "$" alone as in the common rules (anything
 *         else is LM_ERR_BAD_PARAM); lm_imap_search() of a program
 *         holding "$" needs SEARCHRES or IMAP4rev2. */
LM_API int lm_imap_sb_set(lm_imap_sb *s, int uid, const char *set);
/** \brief NOT: negates the next key. */
LM_API int lm_imap_sb_not(lm_imap_sb *s);
/** \brief OR: the next two keys are alternatives. */
LM_API int lm_imap_sb_or(lm_imap_sb *s);
/** \brief "(" and ")". A group holds one key or more, and every NOT
 *         and OR inside it has its keys: lm_imap_sb_close() of "()",
 *         "(NOT)" or "(OR a)" is LM_ERR_BAD_STATE (sticky), as is a
 *         ")" with no "(" open. A program that uses lm_imap_sb_word()
 *         is free form: only its parentheses are counted. */
LM_API int lm_imap_sb_open(lm_imap_sb *s);
LM_API int lm_imap_sb_close(lm_imap_sb *s);
/** \brief One word of a command line ("UNSEEN", "FROM", "alice"): sent
 *         as an atom when it is one or a sequence set ("1:*", "$"),
 *         else as a string. For tools that take IMAP search keys as
 *         words. */
LM_API int lm_imap_sb_word(lm_imap_sb *s, const char *word);

/**
 * \brief SEARCH / UID SEARCH with a built program (NULL means ALL).
 * \param ret 0 for a plain SEARCH (results: LM_IMAP_EV_SEARCH), or
 *        LM_IMAP_ESEARCH_* bits for "RETURN (...)" (needs ESEARCH or
 *        IMAP4rev2; results: LM_IMAP_EV_ESEARCH), written in the order
 *        MIN MAX COUNT ALL SAVE (RFC 4731 allows any). SAVE (RFC 5182)
 *        needs SEARCHRES or IMAP4rev2 as well: ESEARCH does not imply it.
 *        Other bits (MODSEQ is response only) are LM_ERR_BAD_PARAM.
 * \return as the common rules; the builder's own error; LM_ERR_BAD_STATE
 *         for unbalanced parentheses or a NOT or OR short of keys
 *         ("NOT", "OR a"; for an lm_imap_sb_word() program only a NOT
 *         or OR at the end).
 */
LM_API int lm_imap_search(lm_imap_client *c, int uid, const lm_imap_sb *s,
                          unsigned ret, lm_imap_handle *h);

/* FETCH ------------------------------------------------------------- */

/** FETCH items (lm_imap_fetch_opts.items). */
#define LM_IMAP_F_FLAGS         0x001u
#define LM_IMAP_F_UID           0x002u
#define LM_IMAP_F_INTERNALDATE  0x004u
#define LM_IMAP_F_RFC822_SIZE   0x008u
#define LM_IMAP_F_ENVELOPE      0x010u
#define LM_IMAP_F_BODYSTRUCTURE 0x020u
#define LM_IMAP_F_BODY          0x040u
#define LM_IMAP_F_MODSEQ        0x080u  /**< needs CONDSTORE          */
#define LM_IMAP_F_EMAILID       0x100u  /**< needs OBJECTID           */
#define LM_IMAP_F_THREADID      0x200u  /**< needs OBJECTID           */
#define LM_IMAP_F_SAVEDATE      0x400u  /**< needs SAVEDATE           */

/** One body section to fetch. */
typedef struct {
	int peek;                 /**< BODY.PEEK / BINARY.PEEK (no \Seen)   */
	int binary;               /**< BINARY[] (needs BINARY)              */
	int binary_size;          /**< BINARY.SIZE[] instead of content
	                               (needs BINARY)                       */
	const char *part;         /**< NULL/"" whole message, or "1.2"
	                               (numbers 1 to 4294967295, no leading
	                               zero; else LM_ERR_BAD_PARAM)          */
	const char *text;         /**< NULL/"", "HEADER", "TEXT", "MIME"
	                               (only with a part),
	                               "HEADER.FIELDS", "HEADER.FIELDS.NOT"  */
	const char *const *fields;/**< header names for HEADER.FIELDS[.NOT] */
	size_t nfields;
	int partial;              /**< 1: <start.len>                       */
	uint64_t start;
	uint32_t len;             /**< not 0 with partial (nz-number)       */
} lm_imap_section;

/** Value of lm_imap_fetch_opts.version. */
#define LM_IMAP_FETCH_OPTS_VERSION 1

/** FETCH request. */
typedef struct {
	int version;              /**< LM_IMAP_FETCH_OPTS_VERSION            */
	unsigned items;           /**< LM_IMAP_F_* bits (another bit:
	                               LM_ERR_BAD_PARAM)                    */
	const lm_imap_section *sections;
	size_t nsections;
	uint64_t changedsince;    /**< (CHANGEDSINCE n), needs CONDSTORE; 0
	                               for none; above 2^63 - 1 (RFC 7162)
	                               LM_ERR_BAD_PARAM                     */
	int vanished;             /**< add VANISHED (UID FETCH, QRESYNC on)  */
} lm_imap_fetch_opts;

#define LM_IMAP_FETCH_OPTS_INIT { 1, 0, NULL, 0, 0, 0 }

/** \brief FETCH / UID FETCH set (selected state). At least one item or
 *         section is required. */
LM_API int lm_imap_fetch(lm_imap_client *c, int uid, const char *set,
                         const lm_imap_fetch_opts *f, lm_imap_handle *h);

/** STORE operations. */
typedef enum {
	LM_IMAP_STORE_SET = 0,    /**< FLAGS                                */
	LM_IMAP_STORE_ADD,        /**< +FLAGS                               */
	LM_IMAP_STORE_REMOVE      /**< -FLAGS                               */
} lm_imap_store_op;

/** \brief STORE / UID STORE set op[.SILENT] (flags) with optional
 *         (UNCHANGEDSINCE n) (n != 0, needs CONDSTORE; above 2^63 - 1,
 *         RFC 7162's limit, LM_ERR_BAD_PARAM). flags: space
 *         separated (sent with one space between them), may be empty
 *         for SET; each an atom, optionally after a backslash ("\\"
 *         alone is LM_ERR_BAD_PARAM). APPEND's flags alike. */
LM_API int lm_imap_store(lm_imap_client *c, int uid, const char *set,
                         lm_imap_store_op op, int silent, const char *flags,
                         uint64_t unchangedsince, lm_imap_handle *h);

/** \brief COPY / UID COPY set mailbox. */
LM_API int lm_imap_copy(lm_imap_client *c, int uid, const char *set,
                        const char *mailbox, lm_imap_handle *h);

/**
 * \brief MOVE / UID MOVE (RFC 6851). Without MOVE the engine runs COPY,
 *        then (on OK) STORE +FLAGS.SILENT (\Deleted), then UID EXPUNGE of
 *        the same set (uid != 0 and UIDPLUS) or EXPUNGE; the chain stops
 *        at the first NO/BAD. Only one LM_IMAP_EV_DONE comes, with cmd
 *        MOVE and the handle returned here, carrying the status of the
 *        last step run (and the COPYUID code of COPY when it succeeded
 *        and the later steps gave none). The fallback needs the set to be
 *        at most 511 bytes. Without UIDPLUS (or for a sequence-number
 *        MOVE) the last step is a plain EXPUNGE, which also removes other
 *        messages already marked \Deleted (RFC 6851 3.3). While the
 *        chain runs no other command may be queued (LM_ERR_BAD_STATE):
 *        it would come between the steps. A sequence-number MOVE whose
 *        messages were renumbered before the COPY completed (an EXPUNGE
 *        or VANISHED arrived) stops after the COPY: the DONE event has
 *        status NO, the originals stay (the copies exist).
 */
LM_API int lm_imap_move(lm_imap_client *c, int uid, const char *set,
                        const char *mailbox, lm_imap_handle *h);

/** \brief IDLE (RFC 2177; needs IDLE). LM_IMAP_EV_IDLE_STARTED follows
 *         the server's "+"; nothing else may be queued until
 *         lm_imap_idle_done(). Some servers end IDLE on their own (a
 *         tagged completion before DONE, e.g. at their inactivity
 *         timeout): that completion is accepted and reported as the DONE
 *         event of the IDLE, after which lm_imap_idle_done() returns
 *         LM_ERR_BAD_STATE; re-issue IDLE to go on waiting. */
LM_API int lm_imap_idle(lm_imap_client *c, lm_imap_handle *h);
/** \brief Send DONE to end IDLE (also allowed before the "+" arrived).
 *  \return 0, LM_ERR_BAD_STATE when not idling. */
LM_API int lm_imap_idle_done(lm_imap_client *c);

/** \brief GETQUOTAROOT mailbox (RFC 9208; needs QUOTA). */
LM_API int lm_imap_getquotaroot(lm_imap_client *c, const char *mailbox,
                                lm_imap_handle *h);
/** \brief GETQUOTA root (RFC 9208; needs QUOTA). */
LM_API int lm_imap_getquota(lm_imap_client *c, const char *root, lm_imap_handle *h);

/* ------------------------------------------------------------------ */
/* Zero-copy readers for raw values                                    */
/* ------------------------------------------------------------------ */

/** Token kinds. */
typedef enum {
	LM_IMAP_TOK_END = 0,      /**< end of the slice (or of the list the
	                               reader was confined to)               */
	LM_IMAP_TOK_ATOM,         /**< atom, flag (\Seen), or other bare word */
	LM_IMAP_TOK_NUMBER,       /**< all digits, fits 64 bits: num         */
	LM_IMAP_TOK_STRING,       /**< quoted string or literal              */
	LM_IMAP_TOK_NIL,
	LM_IMAP_TOK_OPEN,         /**< "(" : s covers up to the matching ")"  */
	LM_IMAP_TOK_CLOSE,        /**< ")"                                   */
	LM_IMAP_TOK_ERROR         /**< malformed input                        */
} lm_imap_tok_type;

/** One token. s points into the reader's slice. */
typedef struct {
	lm_imap_tok_type type;
	int esc;                  /**< quoted string holding \" or \\        */
	lm_slice s;               /**< ATOM/NUMBER: the text; STRING: the
	                               content (quoted: still escaped when
	                               esc is 1); OPEN: the whole "(...)";
	                               NIL and END: empty                    */
	uint64_t num;             /**< NUMBER value                          */
	unsigned depth;           /**< OPEN: deepest nesting inside, 1 for a
	                               flat list                             */
	/* (in this order: 40 bytes, not 48 with padding after type and esc;
	 * readers write and copy many of them) */
} lm_imap_tok;

/** A reader over a slice. Plain struct: copy it to save a position. */
typedef struct {
	const unsigned char *p;
	size_t len, pos;
	unsigned depth;
} lm_imap_reader;

/** \brief Read s from the start (s may be a whole "(...)" list: the
 *         first token is then OPEN). */
LM_API void lm_imap_reader_init(lm_imap_reader *r, lm_slice s);
/** \brief Read inside a list token (OPEN): tokens of its members, END at
 *         its ")". Other token types give an empty reader. */
LM_API void lm_imap_reader_enter(lm_imap_reader *r, const lm_imap_tok *list);
/** \brief Next token; OPEN skips the whole list (its s covers it), so a
 *         reader walks one level; use lm_imap_reader_enter() to descend.
 *  \return the token's type (also stored in t->type). */
LM_API lm_imap_tok_type lm_imap_read(lm_imap_reader *r, lm_imap_tok *t);
/** \brief Copy a token's text to buf as a NUL-terminated string,
 *         unescaping quoted strings (NIL and END give "").
 *  \return 0, LM_ERR_BUFFER_TOO_SMALL (buf holds a truncated prefix),
 *          LM_ERR_BAD_PARAM (OPEN, CLOSE, ERROR, NULL). */
LM_API int lm_imap_tok_copy(const lm_imap_tok *t, char *buf, size_t cap,
                            size_t *len);
/** \brief 1 if an ATOM/STRING/NUMBER token equals s case-insensitively
 *         (escapes taken into account), else 0. */
LM_API int lm_imap_tok_eq(const lm_imap_tok *t, const char *s);
/** \brief Next number from a space-separated list (SEARCH nums).
 *  \return 1 and *n, or 0 at the end (or on a non-number). */
LM_API int lm_imap_num_next(lm_slice *list, uint64_t *n);
/** \brief Next key/value pair of a parameter list (body-fld-param, ID):
 *         r entered into the list. \return 1, or 0 at the end. */
LM_API int lm_imap_param_next(lm_imap_reader *r, lm_imap_tok *k, lm_imap_tok *v);

/** An ENVELOPE (RFC 3501 7.4.2). Address lists are OPEN tokens (or NIL):
 *  walk them with lm_imap_address_next(). */
typedef struct {
	lm_imap_tok date, subject;
	lm_imap_tok from, sender, reply_to, to, cc, bcc;
	lm_imap_tok in_reply_to, message_id;
} lm_imap_envelope;

/** \brief Split an ENVELOPE value "(...)" into its fields.
 *  \return 0, LM_ERR_DECODE when malformed. */
LM_API int lm_imap_envelope_parse(lm_slice value, lm_imap_envelope *env);

/**
 * \brief lm_imap_envelope_parse() of an ENVELOPE item straight from its
 *        event, faster: the engine recorded where the address lists end
 *        while it read the value, so they are not scanned again.
 * \param ev a LM_IMAP_EV_FETCH_ITEM event of item LM_IMAP_ITEM_ENVELOPE
 *        as lm_imap_next() filled it (or a copy of it).
 * \param env filled as lm_imap_envelope_parse(ev->fetch.value, env)
 *        would; its tokens point into the input buffer, valid as long as
 *        ev->fetch.value (until the next call into the engine). env does
 *        not point into ev.
 * \return 0; LM_ERR_BAD_PARAM (NULL, not such an event; env untouched);
 *         LM_ERR_DECODE when malformed (as lm_imap_envelope_parse()).
 */
LM_API int lm_imap_fetch_envelope(const lm_imap_event *ev, lm_imap_envelope *env);

/** One address. A group start has mailbox = group name and host NIL;
 *  a group end has both NIL (group_end set). */
typedef struct {
	lm_imap_tok name, adl, mailbox, host;
	int group_start, group_end;
} lm_imap_address;

/** \brief Next address of a list; r entered into the address list
 *         (lm_imap_reader_enter(&r, &env.from)).
 *  \return 1, 0 at the end, LM_ERR_DECODE when malformed. */
LM_API int lm_imap_address_next(lm_imap_reader *r, lm_imap_address *a);

/** One body part of a BODYSTRUCTURE / BODY (RFC 3501 7.4.2, RFC 9051). */
typedef struct {
	int multipart;            /**< 1: type is "MULTIPART", parts valid  */
	lm_imap_tok type, subtype;
	lm_imap_tok params;       /**< OPEN or NIL: lm_imap_param_next()    */
	lm_imap_tok id, description, encoding;
	uint64_t size;            /**< octets (single part)                 */
	uint64_t lines;           /**< text/ and message/rfc822: lines     */
	lm_imap_tok envelope;     /**< message/rfc822: OPEN (ENVELOPE)      */
	lm_imap_tok body;         /**< message/rfc822: OPEN (nested body)   */
	lm_imap_tok parts;        /**< multipart: a pseudo-list of children;
	                               walk with lm_imap_body_child()        */
	int has_ext;              /**< extension data present               */
	lm_imap_tok md5;          /**< single part extension                */
	lm_imap_tok disposition;  /**< OPEN ("attachment" (params)) or NIL  */
	lm_imap_tok language;     /**< STRING, OPEN list, or NIL            */
	lm_imap_tok location;
	lm_slice more_ext;        /**< further extension data, raw         */
	/* private: where the lists nested in this body end, recorded by the
	 * one scan of lm_imap_body_parse() (or by the engine's scan, given
	 * by lm_imap_fetch_body()), so that reading a member list or a
	 * child is O(1) instead of a rescan */
	lm_imap__lists LM_PRIVATE(tab);
} lm_imap_body;

/** \brief Parse one body "(...)" (without descending into children).
 *  \return 0, LM_ERR_DECODE when malformed, LM_ERR_LIMIT deeper than
 *          LM_IMAP_DEPTH_MAX. */
LM_API int lm_imap_body_parse(lm_slice value, lm_imap_body *b);
/**
 * \brief lm_imap_body_parse() of a BODYSTRUCTURE or BODY item straight
 *        from its event, faster: the engine recorded where the nested
 *        lists end while it read the value, so it is not scanned again
 *        (children are then walked with lm_imap_body_child() as usual).
 * \param ev a LM_IMAP_EV_FETCH_ITEM event of item
 *        LM_IMAP_ITEM_BODYSTRUCTURE or LM_IMAP_ITEM_BODY as
 *        lm_imap_next() filled it (or a copy of it).
 * \param b filled as lm_imap_body_parse(ev->fetch.value, b) would; its
 *        tokens point into the input buffer, valid as long as
 *        ev->fetch.value (until the next call into the engine). b keeps
 *        its own copy of the table: it does not point into ev.
 * \return 0; LM_ERR_BAD_PARAM (NULL, not such an event; b untouched);
 *         LM_ERR_DECODE, LM_ERR_LIMIT as lm_imap_body_parse().
 */
LM_API int lm_imap_fetch_body(const lm_imap_event *ev, lm_imap_body *b);
/** \brief Walk children of a multipart: *it starts zeroed (memset) and
 *         is advanced. \return 1 and *child, 0 at the end, or
 *         LM_ERR_DECODE / LM_ERR_LIMIT. */
LM_API int lm_imap_body_child(const lm_imap_body *b, lm_imap_reader *it,
                              lm_imap_body *child);
/** \brief Find part "1.2.3" (section numbers, RFC 3501 6.4.5; "" is the
 *         root). \return 0, LM_ERR_DECODE (no such part / malformed). */
LM_API int lm_imap_body_find(lm_slice value, const char *part, lm_imap_body *b);

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/**
 * \brief Encode s as an IMAP string argument (atom, quoted or literal
 *        header) the way commands do: atom when every byte is an
 *        ATOM-CHAR and s is not "NIL"; quoted ("\"" and "\\" escaped)
 *        when printable ASCII (or UTF-8 when utf8 is 1) and at most 1000
 *        bytes; else a literal "{n}\r\n" + data (non-synchronising
 *        "{n+}" when nonsync is 1). NUL-terminated when it fits.
 * \param always_quote 1: never an atom (for search strings and such).
 * \param literal set to 1 when a literal was chosen (else 0).
 *        8-bit data with utf8 == 0 always goes as a literal.
 * \return 0; LM_ERR_BAD_PARAM for CR, LF or NUL in s, or NULL pointers;
 *         LM_ERR_BUFFER_TOO_SMALL.
 */
LM_API int lm_imap_encode_string(const char *s, size_t n, int utf8, int nonsync,
                                 int always_quote, char *out, size_t cap,
                                 size_t *outlen, int *literal);

/** \brief Name of a command ("UID_FETCH" is FETCH, ...), for logs. */
LM_API const char *lm_imap_cmd_name(lm_imap_cmd cmd);
/** \brief Name of an event type ("FETCH_DATA"...). */
LM_API const char *lm_imap_event_name(lm_imap_event_type t);
/** \brief Name of a response code ("TRYCREATE", "OTHER"...). */
LM_API const char *lm_imap_code_name(lm_imap_code code);
/** \brief Name of a FETCH item kind ("ENVELOPE"...). */
LM_API const char *lm_imap_item_name(lm_imap_item item);
/** \brief Name of a status ("OK", "NO"...). */
LM_API const char *lm_imap_result_name(lm_imap_result s);

#ifdef __cplusplus
}
#endif
#endif
