#!/usr/bin/env python3
"""Write the seed corpora fuzz/corpus/<name>/ (run from anywhere).

Seeds are small, meaningful inputs in each harness's input format (see
the comment at the top of each fuzz_<name>.c). SCRAM values are
computed here with hashlib/hmac (independent of libmail) and the
RFC 5802 section 5 example is checked against its published values.
"""
import base64, hashlib, hmac, os

HERE = os.path.dirname(os.path.abspath(__file__))
NONCE = b"fyko+d2lbbFgONRv9qkxdawL"


def put(name, seed, data):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, seed), "wb") as f:
        f.write(data)


def scram(hname, gs2, user, pw, cnonce, snonce, salt, it, ext=b""):
    """Returns (server_first, client_final, server_final) of RFC 5802."""
    h = getattr(hashlib, hname)
    cfb = b"n=" + user + b",r=" + cnonce
    sf = b"r=" + cnonce + snonce + b",s=" + base64.b64encode(salt) + b",i=" + str(it).encode() + ext
    cfwp = b"c=" + base64.b64encode(gs2) + b",r=" + cnonce + snonce
    am = cfb + b"," + sf + b"," + cfwp
    salted = hashlib.pbkdf2_hmac(hname, pw, salt, it)
    ckey = hmac.new(salted, b"Client Key", h).digest()
    stored = h(ckey).digest()
    csig = hmac.new(stored, am, h).digest()
    proof = bytes(a ^ b for a, b in zip(ckey, csig))
    skey = hmac.new(salted, b"Server Key", h).digest()
    ssig = hmac.new(skey, am, h).digest()
    return sf, cfwp + b",p=" + base64.b64encode(proof), b"v=" + base64.b64encode(ssig)


# RFC 5802 section 5, checked against the published messages.
sf1, cf1, sfin1 = scram("sha1", b"n,,", b"user", b"pencil", NONCE,
                        b"3rfcNHYJY1ZVvWVs7j", base64.b64decode("QSXCR+Q6sek8bf92"), 4096)
assert sf1 == b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
assert cf1 == b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
assert sfin1 == b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="
# SCRAM-SHA-256 with the RFC 7677 salt and server nonce, our client nonce.
salt256 = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
sf256, cf256, sfin256 = scram("sha256", b"n,,", b"user", b"pencil", NONCE,
                              b"%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", salt256, 4096)
sfa, cfa, sfina = scram("sha256", b"n,a=admin=3D=2Cx,", b"user", b"pencil", NONCE,
                        b"%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", salt256, 4096)
sf_i1, _, sfin_i1 = scram("sha256", b"n,,", b"user", b"pencil", NONCE, b"x", b"salt", 1)

# ---- sasl: byte 0 mechanism/options, then challenges separated by LF
put("sasl", "scram-sha1-rfc5802", b"\x01" + sf1 + b"\n" + sfin1)
put("sasl", "scram-sha256", b"\x00" + sf256 + b"\n" + sfin256)
put("sasl", "scram-sha256-authzid", b"\x08" + sfa + b"\n" + sfina)
put("sasl", "scram-sha256-no-ir", b"\x10" + sf256 + b"\n" + sfin256)
put("sasl", "scram-sha256-i1", b"\x00" + sf_i1 + b"\n" + sfin_i1)
put("sasl", "scram-sha256-forged", b"\x00" + sf256 + b"\nv=" + base64.b64encode(b"\0" * 32))
put("sasl", "scram-sha256-error", b"\x00" + sf256 + b"\ne=invalid-proof")
sfx, _, sfinx = scram("sha256", b"n,,", b"user", b"pencil", NONCE,
                      b"%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", salt256, 4096, b",x=ext")
put("sasl", "scram-sha256-ext", b"\x00" + sfx + b"\n" + sfinx + b",y=1")
put("sasl", "scram-mandatory-ext", b"\x00m=x," + sf256)
put("sasl", "cram-md5-rfc2195", b"\x02<1896.697170952@postoffice.reston.mci.net>")
put("sasl", "login", b"\x03Username:\nPassword:")
put("sasl", "login-twice", b"\x03Username:\nUsername:")
put("sasl", "xoauth2-error", b"\x04" + b'{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}')
put("sasl", "oauthbearer-error", b"\x05" + b'{"status":"invalid_token","scope":"example_scope",'
    b'"openid-configuration":"https://example.com/.well-known/openid-configuration"}')
put("sasl", "plain", b"\x06")
put("sasl", "plain-tiny-buffer", b"\x26")

# ---- smtp_replies: 4 header bytes, the TLS-layer script (fuzz/harness.h:
# length byte, op bytes), then what the server sends
def smtp(*lines):
    return b"".join(l.encode() + b"\r\n" for l in lines)

GREET = "220 mx.example.org ESMTP Postfix (Debian/GNU)"
POSTFIX = ["250-mx.example.org", "250-PIPELINING", "250-SIZE 10240000", "250-VRFY",
           "250-ETRN", "250-STARTTLS", "250-ENHANCEDSTATUSCODES", "250-8BITMIME",
           "250-DSN", "250-SMTPUTF8", "250 CHUNKING"]
POSTFIX_TLS = ["250-mx.example.org", "250-PIPELINING", "250-SIZE 10240000",
               "250-AUTH PLAIN LOGIN SCRAM-SHA-256 XOAUTH2", "250-ENHANCEDSTATUSCODES",
               "250-8BITMIME", "250-DSN", "250-SMTPUTF8", "250 CHUNKING"]
GMAIL = ["250-smtp.gmail.com at your service, [203.0.113.7]", "250-SIZE 35882577",
         "250-8BITMIME", "250-STARTTLS", "250-ENHANCEDSTATUSCODES", "250-PIPELINING",
         "250-CHUNKING", "250 SMTPUTF8"]
GMAIL_TLS = ["250-smtp.gmail.com at your service, [203.0.113.7]", "250-SIZE 35882577",
             "250-8BITMIME", "250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH",
             "250-ENHANCEDSTATUSCODES", "250-PIPELINING", "250-CHUNKING", "250 SMTPUTF8"]
TX = ["250 2.1.0 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>",
      "250 2.0.0 Ok: queued as 4F2B81C0A2C", "221 2.0.0 Bye"]

put("smtp_replies", "plain-one-rcpt", b"\x00\x00\x7f\x00\x00" + smtp(GREET, *POSTFIX, *TX))
put("smtp_replies", "plain-bytewise", b"\x00\x01\x7f\x00\x00" + smtp(GREET, *POSTFIX, *TX))
put("smtp_replies", "plain-cycling", b"\x80\xff\x7f\x20\x00" + smtp(GREET, *POSTFIX, *TX))
put("smtp_replies", "starttls-auth-plain", b"\x16\x00\x7f\x00\x00" + smtp(
    GREET, *POSTFIX, "220 2.0.0 Ready to start TLS", *POSTFIX_TLS,
    "235 2.7.0 Authentication successful", *TX))
put("smtp_replies", "gmail-starttls-login", b"\x12\x05\x7f\x01\x00" + smtp(
    "220 smtp.gmail.com ESMTP a1sm123456wrb.0 - gsmtp", *GMAIL, "220 2.0.0 Ready to start TLS",
    *GMAIL_TLS, "334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 2.7.0 Accepted", *TX))
put("smtp_replies", "starttls-xoauth2-refused", b"\x12\x00\x7f\x03\x00" + smtp(
    "220 smtp.gmail.com ESMTP", *GMAIL, "220 2.0.0 Ready to start TLS", *GMAIL_TLS,
    "334 eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==",
    "535-5.7.8 Username and Password not accepted.", "535 5.7.8 https://support.google.com/mail/?p=BadCredentials",
    "221 2.0.0 closing connection"))
put("smtp_replies", "starttls-scram", b"\x12\x00\x7f\x02\x00" + smtp(
    GREET, *POSTFIX, "220 2.0.0 Ready to start TLS", *POSTFIX_TLS,
    "334 " + base64.b64encode(sf256).decode(),
    "235 2.7.0 " + base64.b64encode(sfin256).decode(), *TX))
put("smtp_replies", "starttls-scram-334-final", b"\x12\x03\x7f\x02\x00" + smtp(
    GREET, *POSTFIX, "220 2.0.0 Ready to start TLS", *POSTFIX_TLS,
    "334 " + base64.b64encode(sf256).decode(), "334 " + base64.b64encode(sfin256).decode(),
    "235 2.7.0 Authentication successful", *TX))
put("smtp_replies", "require-tls-no-starttls", b"\x12\x00\x7f\x00\x00" + smtp(
    GREET, "250-mx.example.org", "250-AUTH PLAIN LOGIN", "250 8BITMIME", "221 Bye"))
put("smtp_replies", "pipelined-two-rcpt", b"\x01\x00\x7f\x04\x00" + smtp(
    GREET, *POSTFIX, "250 2.1.0 Ok", "250 2.1.5 Ok", "550 5.1.1 <carol@example.org>: Recipient address rejected",
    "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok: queued", "221 2.0.0 Bye"))
put("smtp_replies", "pipelined-no-rcpt-354", b"\x81\x00\x7f\x00\x00" + smtp(
    GREET, *POSTFIX, "250 2.1.0 Ok", "550 5.1.1 unknown", "354 go ahead",
    "554 5.5.1 No valid recipients", "221 2.0.0 Bye"))
put("smtp_replies", "chunking-two-tx", b"\x09\x00\x7f\x50\x00" + smtp(
    GREET, *POSTFIX, "250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok: queued as A",
    "250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.0.0 Ok: queued as B", "221 2.0.0 Bye"))
put("smtp_replies", "helo-fallback", b"\x00\x00\x7f\x40\x00" + smtp(
    "220 old.example.org Sendmail 8.6", "500 5.5.1 Command unrecognized: \"EHLO\"",
    "250 old.example.org Hello", *TX))
put("smtp_replies", "greeting-554", b"\x00\x00\x7f\x00\x00" + smtp("554 5.3.2 No SMTP service here", "221 Bye"))
put("smtp_replies", "unsolicited-421", b"\x00\x00\x7f\x00\x00" + smtp(
    GREET, *POSTFIX, "421 4.4.2 mx.example.org Error: timeout exceeded"))
put("smtp_replies", "multiline-greeting", b"\x00\x00\x00\x00\x00" + smtp(
    "220-mx.example.org ESMTP", "220-No UCE", "220 mx.example.org", *POSTFIX, *TX))
put("smtp_replies", "code-change", b"\x00\x00\x7f\x00\x00" + smtp(GREET, "250-mx.example.org", "251 PIPELINING"))
put("smtp_replies", "bare-lf", b"\x00\x00\x7f\x00\x00" + GREET.encode() + b"\n250 mx\n250 ok\n")
put("smtp_replies", "implicit-tls-auth", b"\x34\x00\x7f\x00\x00" + smtp(
    "220 smtps.example.org ESMTP", *POSTFIX_TLS, "235 2.7.0 ok", *TX))

# TLS-layer scripts (fuzz/harness.h): one op per read, write or handshake
# in the order they happen (positions found with FZ_VERBOSE=1).
def script(*ops):
    return bytes([len(ops)]) + bytes(ops)

NORMAL, SHORT, CLOSE, CUT = 0x00, 0x40, 0x80, 0xC0

def exact(n):
    """Short reads that take exactly n bytes (at most 64 each)."""
    return [SHORT | 63] * (n // 64) + ([SHORT | (n % 64 - 1)] if n % 64 else [])

# Plaintext injection: header bit 0x80 lets reads hold more than one line
# (fuzz/harness.h); exact reads keep each reply in reads of its own (a
# reply read with the one before it would answer a command not queued
# yet, which the engine rejects first), then one read holds the 220 to
# STARTTLS and the bytes after it.
put("smtp_replies", "starttls-injection", b"\x02\x00\xff\x00" + script(
    *exact(len(smtp(GREET))), NORMAL, *exact(len(smtp(*POSTFIX))), NORMAL, NORMAL) + smtp(
    GREET, *POSTFIX, "220 2.0.0 Ready to start TLS", "250 injected"))
STLS_PLAIN = smtp(GREET, *POSTFIX, "220 2.0.0 Ready to start TLS", *POSTFIX_TLS,
                  "235 2.7.0 Authentication successful", *TX)
# op 15 is the handshake of starttls-auth-plain, op 34 the body write
put("smtp_replies", "tls-slow-handshake", b"\x16\x00\x7f\x00" + script(*[NORMAL] * 15, SHORT | 7) + STLS_PLAIN)
put("smtp_replies", "tls-handshake-eof", b"\x16\x00\x7f\x00" + script(*[NORMAL] * 15, CLOSE) + STLS_PLAIN)
put("smtp_replies", "tls-handshake-alert", b"\x16\x00\x7f\x00" + script(*[NORMAL] * 15, CUT) + STLS_PLAIN)
put("smtp_replies", "cut-mid-ehlo", b"\x16\x00\x7f\x00" + script(*[NORMAL] * 5, CLOSE) + STLS_PLAIN)
put("smtp_replies", "cut-mid-ehlo-lax", b"\x16\x00\x7f\x00" + script(*[NORMAL] * 7, CUT | 1) + STLS_PLAIN)
put("smtp_replies", "cut-mid-body-write", b"\x16\x00\x7f\x00" + script(*[NORMAL] * 34, SHORT | 9, CUT) + STLS_PLAIN)
put("smtp_replies", "short-writes", b"\x00\x00\x7f\x00" + script(NORMAL, *[SHORT | 3, SHORT, SHORT | 17] * 30) + smtp(GREET, *POSTFIX, *TX))
put("smtp_replies", "short-reads", b"\x00\x00\x7f\x00" + script(*[SHORT | 2, SHORT | 11, SHORT] * 40) + smtp(GREET, *POSTFIX, *TX))
put("smtp_replies", "feed-reads", b"\x00\x00\x7f\x00" + script(*[SHORT | 0x20 | 5, SHORT | 0x20 | 30] * 40) + smtp(GREET, *POSTFIX, *TX))
# one line per read: op 18 reads the 354, op 19 writes the body, the read
# after it is cut: no "queued" reply may come
put("smtp_replies", "eof-after-354", b"\x00\x00\x7f\x00" + script(*[NORMAL] * 20, CLOSE) + smtp(GREET, *POSTFIX, *TX))

# ---- pop3: 4 header bytes, the TLS-layer script, the server's bytes. The
# base seeds are files in fuzz/corpus/pop3 (not written here); these add
# TLS-layer scripts to two of them.
def pop3_seed(name):
    with open(os.path.join(HERE, "corpus", "pop3", name), "rb") as fh:
        b = fh.read()
    assert b[4] == 0, name
    return b[:4], b[5:]

H, STLS = pop3_seed("stls-auth-plain")
# op 8 is the handshake
put("pop3", "tls-slow-handshake", H + script(*[NORMAL] * 8, SHORT | 6) + STLS)
put("pop3", "tls-handshake-eof", H + script(*[NORMAL] * 8, CLOSE) + STLS)
put("pop3", "tls-handshake-alert", H + script(*[NORMAL] * 8, CUT) + STLS)
put("pop3", "short-reads-writes", H + script(*[SHORT | 4, SHORT, SHORT | 2] * 40) + STLS)
put("pop3", "feed-reads", H + script(*[SHORT | 0x20 | 7, SHORT | 0x20] * 50) + STLS)
H, FETCH = pop3_seed("user-pass-fetch")
body = FETCH.index(b"..dot")
put("pop3", "eof-mid-retr", H + script() + FETCH[:body])
put("pop3", "eof-mid-retr-dot", H + script() + FETCH[:body + 13] + b".")
# with 7-byte reads, op 35 writes RETR 1 and ops 36..44 read its reply
put("pop3", "cut-mid-retr-lax", b"\x04\x07" + H[2:] + script(*[NORMAL] * 40, CUT | 1) + FETCH)
put("pop3", "close-mid-retr", b"\x04\x07" + H[2:] + script(*[NORMAL] * 40, CLOSE) + FETCH)
# plaintext injection after the +OK to STLS (see smtp_replies)
put("pop3", "stls-injection", b"\x02\x00\xff\x00" + script(
    *exact(11), NORMAL, *exact(14), NORMAL, NORMAL) +
    b"+OK ready\r\n+OK\r\nSTLS\r\n.\r\n+OK Begin TLS\r\n+OK injected\r\n")
# LM_POP3_LENIENT_BARE_LF: the same session with every line ended by LF
# alone; and with CRLF status lines but bare-LF bodies whose "." lines
# end in LF (they must not end those bodies)
put("pop3", "bare-lf-fetch", H + script() + FETCH.replace(b"\r\n", b"\n"))
put("pop3", "bare-lf-bodies", H + script() + FETCH.replace(b"..dot\r\nx.y\r\n.\r\n", b"..dot\nx.y\n.\nz\r\n.\r\n"))

# ---- imap_session: 3 header bytes, the TLS-layer script, the server's bytes
def imap(*lines):
    return b"".join((l if isinstance(l, bytes) else l.encode()) + b"\r\n" for l in lines)

MSG1 = b"From: a@example.org\r\nSubject: one\r\n\r\nHello.\r\n"
MSG2 = b"Subject: two\r\n\r\n" + b"x" * 200 + b"\r\n"
IMAP_PRE = ["* OK [CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] Dovecot ready.",
            "A1 OK Begin TLS negotiation now."]
IMAP_TLS = ["* CAPABILITY IMAP4rev1 SASL-IR ID ENABLE IDLE AUTH=PLAIN UIDPLUS",
            "A2 OK Pre-login capabilities listed.",
            "A3 OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS MOVE] Logged in",
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)", "* 2 EXISTS", "* 0 RECENT",
            "* OK [UIDVALIDITY 1700000000] UIDs valid", "* OK [UIDNEXT 9] Predicted next UID",
            "A4 OK [READ-WRITE] Select completed.",
            b"* 1 FETCH (UID 7 FLAGS (\\Seen) RFC822.SIZE %d BODY[] {%d}\r\n" % (len(MSG1), len(MSG1)) + MSG1 + b")",
            b"* 2 FETCH (UID 8 FLAGS () RFC822.SIZE %d BODY[] {%d}\r\n" % (len(MSG2), len(MSG2)) + MSG2 + b")",
            "A5 OK Fetch completed."]
IMAP_IDLE = ["+ idling", "* 3 EXISTS", "A6 OK Idle completed."]
IMAP_APPEND = ["+ OK", "A7 OK [APPENDUID 1700000000 9] Append completed."]
IMAP_BYE = ["* BYE Logging out", "A8 OK Logout completed."]
FULL = imap(*IMAP_PRE, *IMAP_TLS, *IMAP_IDLE, *IMAP_APPEND, *IMAP_BYE)
put("imap_session", "starttls-full", b"\x31\x00\x7f\x00" + FULL)
put("imap_session", "starttls-bytewise", b"\x31\x01\x7f\x00" + FULL)
put("imap_session", "starttls-cycling-halves", b"\x71\xff\x03\x00" + FULL)
put("imap_session", "authenticate-plain", b"\x39\x00\x7f\x00" + FULL)
put("imap_session", "literal-plus-append", b"\x35\x00\x7f\x00" + imap(
    *IMAP_PRE, *IMAP_TLS[:2], "A3 OK [CAPABILITY IMAP4rev1 IDLE LITERAL+] Logged in", *IMAP_TLS[3:],
    *IMAP_IDLE, "A7 OK Append completed.", *IMAP_BYE))
put("imap_session", "implicit-tls", b"\x23\x00\x7f\x00" + imap(
    "* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN] ready", *IMAP_TLS[2:], *IMAP_APPEND, *IMAP_BYE).replace(b"A3 ", b"A1 ").replace(
    b"A4 ", b"A2 ").replace(b"A5 ", b"A3 ").replace(b"A7 ", b"A4 ").replace(b"A8 ", b"A5 "))
put("imap_session", "starttls-injection", b"\x01\x00\xff" + script(
    *exact(len(imap(IMAP_PRE[0]))), NORMAL, NORMAL) + imap(*IMAP_PRE, "* CAPABILITY IMAP4rev1 AUTH=PLAIN"))
put("imap_session", "preauth-require-tls", b"\x01\x00\x7f\x00" + imap("* PREAUTH [CAPABILITY IMAP4rev1] hi"))
# TLS-layer scripts: in starttls-full op 3 is the handshake; the FETCH
# literals are read by the read after the handshake (chunk 0: all at once)
put("imap_session", "tls-slow-handshake", b"\x31\x00\x7f" + script(NORMAL, NORMAL, NORMAL, SHORT | 5) + FULL)
put("imap_session", "tls-handshake-eof", b"\x31\x00\x7f" + script(NORMAL, NORMAL, NORMAL, CLOSE) + FULL)
put("imap_session", "tls-handshake-alert", b"\x31\x00\x7f" + script(NORMAL, NORMAL, NORMAL, CUT) + FULL)
cut = FULL.index(b"Hello.")
put("imap_session", "eof-mid-literal", b"\x31\x00\x7f\x00" + FULL[:cut])
put("imap_session", "eof-mid-literal2", b"\x31\x00\x7f\x00" + FULL[:FULL.index(b"xxxxx") + 50])
put("imap_session", "eof-before-plus", b"\x31\x00\x7f\x00" + FULL[:FULL.index(b"+ OK")])
put("imap_session", "no-instead-of-plus", b"\x31\x00\x7f\x00" + FULL.replace(b"+ OK\r\n", b"A7 NO [OVERQUOTA] full\r\n").replace(
    b"A7 OK [APPENDUID 1700000000 9] Append completed.\r\n", b""))
put("imap_session", "short-reads-writes", b"\x31\x00\x7f" + script(*[SHORT | 9, SHORT | 2, SHORT] * 60) + FULL)
put("imap_session", "feed-reads", b"\x31\x00\x7f" + script(*[SHORT | 0x20 | 31, SHORT | 0x20 | 3] * 60) + FULL)
put("imap_session", "cut-mid-fetch-lax", b"\x31\x05\x7f" + script(*[NORMAL] * 40, CUT | 1) + FULL)
# the seeds of imap_responses (same header bits 0x01..0x20), empty script
RESP = os.path.join(HERE, "corpus", "imap_responses")
for f in sorted(os.listdir(RESP)):
    with open(os.path.join(RESP, f), "rb") as fh:
        b = fh.read()
    if len(b) >= 3:
        put("imap_session", "resp-" + f, bytes([b[0] & 0x3f]) + b[1:3] + b"\x00" + b[3:])

# ---- b64 / qp: byte 0 chunk, byte 1 cap, then data
for i, s in enumerate([b"TWFu", b"SGVsbG8gV29ybGQ=", b"YQ==", b"", b"TWFu\r\nTWFu",
                       b"YQ", b"Y===", b"YR==", b"!!!!", b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZH"]):
    put("b64", "seed%02d" % i, bytes([i * 7 % 64, i % 16]) + s)
QP_RFC2045 = (b"Now's the time =\r\nfor all folk to come=\r\n to the aid of their country.")
for i, s in enumerate([QP_RFC2045, b"caf=C3=A9 =E2=82=AC", b"soft=\nbreak", b"trailing   \r\nws\t\r\n",
                       b"=zz =4 =", b"lower =c3=a9", b"\r\nbare\rcr\n", b"x" * 200 + b" \t",
                       b"a=\r", b"==41"]):
    put("qp", "seed%02d" % i, bytes([i * 5 % 64 + 1, i % 16]) + s)

# ---- mutf7 (RFC 3501 5.1.3 examples and some malformed names)
for i, s in enumerate(["~peter/mail/&U,BTFw-/&ZeVnLIqe-", "&Jjo-!", "Entw&APw-rfe", "&-", "INBOX",
                       "&AGE-", "&U,BTF2XlZyyKng-", "&2D3eAA-", "&AOk-&AOk-", "&", "\u65e5\u672c\u8a9e",
                       "Gel\u00f6schte Elemente", "\U0001F600 smile"]):
    put("mutf7", "seed%02d" % i, s.encode())

# ---- idna
for i, s in enumerate(["b\u00fccher.example", "xn--bcher-kva.example", "\u043f\u0440\u0438\u043c\u0435\u0440.\u0438\u0441\u043f\u044b\u0442\u0430\u043d\u0438\u0435",
                       "fa\u00df.de", "xn--zca.de", "XN--BCHER-KVA.example", "example.com.", "xn--",
                       "\u00e9\u00e9." * 20, "a\u00a0b.example", "xn--a.example"]):
    put("idna", "seed%02d" % i, s.encode())

# ---- url
for i, s in enumerate(["smtp://mail.example.org", "smtps://user%40example.org;AUTH=PLAIN@[2001:db8::1]:465/",
                       "submission://x", "imaps://b\u00fccher.example:993", "pop3://127.0.0.1:110/INBOX",
                       "SMTP://MAIL.EXAMPLE.ORG.:587", "smtp://u:p@h", "smtp://h:0", "smtp://h:65536",
                       "smtp://127.1", "smtp://[::ffff:1.2.3.4]", "smtp://us%0d%0aer@h", "imap://h/a%2Fb?q"]):
    put("url", "seed%02d" % i, s.encode())

# ---- lines: byte 0 max - 1, then data
for i, s in enumerate([b"250-a\r\n250 b\r\n", b"no newline", b"nul\0here\n", b"\n\r\n\r\r\n", b"x" * 300 + b"\n"]):
    put("lines", "seed%02d" % i, bytes([[255, 4, 255, 1, 100][i]]) + s)

# ---- compose: opt, read size, 8 NUL-terminated strings, attachment bytes
def compose(opt, rs, subject, fname, tname, text, filename, ctype, extra, msgid, att=b""):
    fields = [subject, fname, tname, text, filename, ctype, extra, msgid]
    return bytes([opt, rs]) + b"".join(f.encode() + b"\0" for f in fields) + att

put("compose", "simple", compose(0x07, 10, "Hello", "Alice", "Bob", "Hi Bob,\nsee you.\n", "", "", "", ""))
put("compose", "utf8", compose(0x47, 3, "Gr\u00fc\u00dfe aus K\u00f6ln \u2013 \u65e5\u672c", "J\u00fcrgen M\u00fcller",
                               "\"Bob\" <x>", "caf\u00e9\n" * 5, "", "", "", "1234.5678@example.org"))
put("compose", "attachment", compose(0x3f, 57, "Report", "Alice", "Bob", "See attached.\n",
                                     "r\u00e9sum\u00e9 2026.pdf", "application/pdf", "X-Mailer: libmail-fuzz",
                                     "", bytes(range(256))))
# (strings are at most 1023 bytes: a longer one makes the harness skip the input)
put("compose", "text-read", compose(0x87, 1, "x", "", "", ".\n..\nFrom me\n" + "y" * 1000 + "\n", "", "", "", ""))
put("compose", "injection", compose(0x27, 16, "Hi\r\nBcc: eve@example.org", "Eve\nX-Evil: 1", "Bob",
                                    "body", "", "", "X-Ok: yes\r\nX-Evil: 2", "a@b"))
put("compose", "long-subject", compose(0x01, 77, "word " * 100 + "x" * 80, "", "", "", "", "", "", ""))
# byte 1 >= 194: the attachment is an in-memory part (inline with HTML and an image/ type)
put("compose", "mem-part", compose(0x1f, 250, "Notes", "Alice", "Bob", "see notes\n", "notes.txt",
                                   "text/plain; charset=us-ascii", "", "", b"line one\r\nline two =3D\r\n"))
put("compose", "mem-part-html", compose(0x9f, 230, "R", "A", "B", "<b>x</b>\r\n", "r\u00e9sum\u00e9.csv", "text/csv",
                                        "", "", b"a,b\r\n1,2\r\n\xff"))


# Second layout: opt, read size, mailbox counts, part shape, then fields
# separated by 0xFF: subject, from name, text, extra header, Message-ID,
# 3 To, 3 Cc, 3 Reply-To names, then per part (att[] first, then parts[])
# its file name, content type and bytes. parts are (filename, ctype,
# bytes, cid) with cid True for an inline part; natt of them streamed.
def compose2(opt, rs, subject="", fname="", text="", extra="", msgid="", to=(), cc=(), rt=(),
             natt=0, parts=(), streamed=False):
    def pad(names):
        assert len(names) <= 3
        return list(names) + [""] * (3 - len(names))
    mb = len(to) | len(cc) << 2 | len(rt) << 4
    nparts = len(parts) - natt
    assert 0 <= natt <= 3 and 0 <= nparts <= 3
    pp = natt | nparts << 2 | (0x80 if streamed else 0)
    for j, (_, _, _, cid) in enumerate(parts[natt:]):
        pp |= (0x10 << j) if cid else 0
    fields = [f.encode() for f in [subject, fname, text, extra, msgid] + pad(to) + pad(cc) + pad(rt)]
    for fn, ct, data, _ in parts:
        fields += [fn.encode(), ct.encode(), data]
    assert not any(b"\xff" in f for f in fields)
    b = bytes([opt, rs, mb, pp]) + b"\xff".join(fields)
    while b[-1:] == b"\xff":       # absent trailing fields
        b = b[:-1]
    # what the first layout rejected: fewer than 8 NULs, last byte not NUL
    assert b[2:].count(0) < 8 and b[-1] != 0
    return b


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n\0\0trailer\n"
PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"
put("compose", "multi-rcpt", compose2(0x45, 10, subject="Team", fname="Alice", text="Hi all,\nsee you.",
                                      msgid="m1@example.org",
                                      to=["Bob", "\"Dan, Jr.\" (x)", "Erin M\u00fcller"],
                                      cc=["Carol", "", "=?x?= Grace"], rt=["Replies", "Heidi"]))
put("compose", "multi-att", compose2(0x15, 57, subject="Report", fname="Alice", text="See attached.\n",
                                     to=["Bob"], rt=["Team list"], natt=2,
                                     parts=[("report.pdf", "application/pdf", PDF, False),
                                            ("data.csv", "", b"a,b\n1,2\n", False),
                                            ("notes.txt", "text/plain; charset=utf-8",
                                             b"line one\r\nline two =3D\r\n", False)]))
put("compose", "inline-mixed", compose2(0x95, 7, subject="Logos", text="<p><img src=\"cid:img0@fuzz\">"
                                        "<img src=\"cid:img1@fuzz\"></p>\n", to=["Bob"], cc=["Carol", "Frank"],
                                        natt=1, parts=[("a.bin", "", b"\x00\x01\x02", False),
                                                       ("logo.png", "image/png", PNG, True),
                                                       ("r\u00e9sum\u00e9.pdf", "application/pdf", b"%PDF", False),
                                                       ("icon.gif", "image/gif", b"GIF89a", True)]))
put("compose", "html-only", compose2(0x07, 3, subject="Hi", text="<p>Hi Bob</p>", to=["Bob"]))
put("compose", "parts-streamed", compose2(0x85, 1, text="text \u00e9t\u00e9\r\nno end", to=["Bob", "Dan"],
                                          rt=["", "Heidi", "Ivan"],
                                          parts=[("logo.png", "", PNG, True), ("x.txt", "", b"x\ny", False)],
                                          streamed=True))
put("compose", "reply-to-extra", compose2(0x25, 20, text="Hi", extra="Reply-To: other@example.net", to=["Bob"]))

# ---- mime_parser: byte 0 options, byte 1 feed size, then a message
SIMPLE = (b"From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: hi\r\n"
          b"Date: Sat, 21 Nov 2026 21:56:43 +0100\r\n\r\nHello Bob.\r\n")
MULTI = (b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XyZ\"\r\n\r\n"
         b"preamble\r\n--XyZ\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
         b"--inner\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
         b"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9 soft=\r\nbreak\r\n"
         b"--inner\r\nContent-Type: text/html; charset=\"UTF-8\"\r\n"
         b"Content-Transfer-Encoding: base64\r\n\r\nPGI+aGk8L2I+\r\n--inner--\r\n"
         b"--XyZ\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n"
         b"Content-Disposition: attachment;\r\n filename*0*=utf-8''r%C3%A9;\r\n filename*1=sum.pdf\r\n"
         b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XyZ--\r\nepilogue\r\n")
NESTED = (b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\n"
          b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\nMIME-Version: 1.0\r\n"
          b"Content-Type: multipart/digest; boundary=b2\r\n\r\n--b2\r\n\r\nSubject: d1\r\n\r\nbody\r\n"
          b"--b2--\r\n--b1--\r\n")
BROKEN = (b"junk line\r\n Content-Type: text/plain\r\nContent-Type: multipart/mixed; boundary=\"a\"\r\n"
          b"X\0Nul: v\r\nno colon line\r\n--a\r\nContent-Transfer-Encoding: x-unknown\r\n\r\n=ZZ\r\n--a\r\n"
          b"Content-Transfer-Encoding: base64\r\n\r\n!!!QQ=\r\n--a")
UU = (b"Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
      b"begin 644 a.txt\r\n#86)C\r\n`\r\nend\r\n")
LF_ONLY = SIMPLE.replace(b"\r\n", b"\n")
# Text parts in stateful and multi-byte charsets, for LM_MIME_PARSE_UTF8
# (option 0x20): the converter's pending state crosses feed pieces.
CHARSETS = (b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
            b"--c\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n"
            b"\x1b$B$3$s$K$A$O\x1b(B abc\r\n"
            b"--c\r\nContent-Type: text/plain; charset=shift_jis\r\n"
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=82=B1=82=F1=\r\n=82\r\n"
            b"--c\r\nContent-Type: text/plain; charset=utf-7\r\n\r\nHi +ZeVnLIqe-! +2D3eAA-\r\n"
            b"--c\r\nContent-Type: text/plain; charset=utf-16le\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\nSABpAD3Y4N4=\r\n"
            b"--c\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ncaf\xc3\xa9 \xe2\x82\r\n--c--\r\n")
for name, opt, step, msg in [("simple", 0, 0, SIMPLE), ("multi", 0, 7, MULTI), ("multi-preamble", 1, 13, MULTI),
                             ("multi-raw", 2, 1, MULTI), ("nested", 0, 3, NESTED), ("nested-flat", 4, 0, NESTED),
                             ("limits", 8, 5, MULTI), ("small-scratch", 0x10, 64, MULTI), ("broken", 0, 2, BROKEN),
                             ("uuencode", 0, 0, UU), ("lf-only", 0, 9, LF_ONLY),
                             ("utf8-charsets", 0x20, 5, CHARSETS)]:
    put("mime_parser", name, bytes([opt, step]) + msg)

# ---- mime_fields: byte 0 selects the decoder, then the value
for i, (sel, v) in enumerate([
        (0, "=?ISO-8859-1?Q?Andr=E9?= Pirard"), (0, "=?UTF-8?B?8J+Y?= =?UTF-8?B?gA==?="),
        (0, "=?utf-8*en?q?caf=C3=A9?=glued"), (0, "=?x-unknown?Q?a?= plain\r\n text"),
        (1, "\"Doe, John\" <john@example.org>, jane@example.org (Jane)"),
        (1, "Team: a@x.example, =?utf-8?q?B=C3=B6b?= <b@y.example>;, undisclosed-recipients:;"),
        (0x09, "Bob <bob@xn--bcher-kva.example>"), (0x11, "empty:;"),
        (1, "<@route.example:user@example.org>, \"quoted \\\" local\"@example.org"),
        (2, "multipart/mixed; boundary=\"=_abc\"; charset=UTF-8 (comment)"),
        (2, "text/plain; name*0*=utf-8''%C3%A9t%C3%A9; name*1=.txt"),
        (3, "attachment; filename=\"=?utf-8?B?w6l0w6kucGRm?=\""),
        (3, "inline; filename*=iso-8859-1'fr'%E9t%E9.txt"),
        (4, "Sat, 21 Nov 2026 21:56:43 +0100"), (4, "21 Nov 97 09:55:06 GMT"),
        (4, "Fri, 31 Dec 1999 23:59:60 -0000"), (4, "Thu, 29 Feb 2024 12:00 EST (comment)"),
        (5 | (8 << 3), "Gr\u00fc\u00dfe aus K\u00f6ln"), (5 | (9 << 3), "plain ascii subject line " * 4),
        (5, "=?not?encoded?="), (6, "iso-8859-1:caf\xe9"), (6, "windows-1252:\x80\x99"),
        (6, "utf-8:\xff\xfe bad")]):
    put("mime_fields", "seed%02d" % i, bytes([sel]) + v.encode("latin-1" if sel == 6 else "utf-8"))

# ---- imap_commands: 3 capability bytes, a flags byte, then builder calls
# (op byte: builder number, 0x80 drain after; then its arguments; strings
# end with NUL; see fuzz/fuzz_imap_commands.c)
SEL, EXA, CRE, DEL, REN, SUB, UNS, STA, LST, LSB, SRC, FET, STO, CPY, MOV, UEX, APP, ENA, IDC, GQ, GQR, NOP = range(22)


def zs(*strs):
    return b"".join(s.encode("utf-8") + b"\0" for s in strs)


def cmds_all():
    long8 = "x" * 1100
    return (bytes([SEL, 3]) + zs("INBOX") + bytes([5]) +
            bytes([EXA | 0x80, 0x0d]) + zs("Archive") + bytes([7, 9]) + zs("1:5,9") +
            bytes([CRE]) + zs("Entw\u00fcrfe") + bytes([DEL]) + zs("Old & \"quoted\"") +
            bytes([REN]) + zs("a\\b", "\u65e5\u672c/\u8a9e") + bytes([SUB]) + zs("NIL") +
            bytes([UNS]) + zs("inbox") + bytes([STA | 0x80, 0xff]) + zs("Sent") + b"\1" +
            bytes([LST, 1]) + zs("", "*") + bytes([0x0d, 0x07, 0x03]) +
            bytes([LSB | 0x80, 0]) + zs("~/Mail/", "%") + bytes([0, 0, 0]) +
            bytes([SRC, 0, 7]) + bytes([1]) + zs("FROM", "alice") + bytes([5]) + zs("1:*") +
            bytes([7, 0]) + zs("UNSEEN") + bytes([1]) + zs("SUBJECT", "caf\u00e9") +
            bytes([3]) + zs("LARGER") + b"\xf9" + bytes([4]) + zs("SINCE") + bytes([50, 3, 7]) +
            b"\x1f" +
            bytes([FET | 0x80, 3]) + zs("1:*") + bytes([0xff, 0x07, 2, 0xfd, 0x11]) + zs("1.2") +
            b"\0\0\0" + bytes([0x28]) + zs("HEADER.FIELDS") + bytes([2]) + zs("Subject", "From") +
            b"\0\x10" +
            bytes([STO, 0x13]) + zs("2:4", "\\Seen $Label") + b"\x05" +
            bytes([CPY, 1]) + zs("$", "Archive") + bytes([MOV | 0x80, 0]) + zs("7", "Trash") +
            bytes([UEX]) + zs("4294967295") +
            bytes([APP | 0x80, 3]) + zs("Drafts", "\\Draft", "21-Nov-2026 21:56:43 +0100") + b"\x40" +
            bytes([ENA]) + zs("CONDSTORE QRESYNC") + bytes([IDC, 4]) + zs("name", "libmail", "x\tb", "y" * 1024) +
            b"\0" + bytes([GQ]) + zs(long8) + bytes([GQR | 0x80]) + zs("") + bytes([NOP, 2]) +
            bytes([APP | 0x80, 0]) + zs(long8) + b"\x03")


ALLCAPS = b"\xff\xff\xff"
for name, caps, fl in [("all-caps-selected", ALLCAPS, 0x0c), ("all-caps-sync", ALLCAPS, 0x08),
                       ("caps-unknown", ALLCAPS, 0x09), ("rev1-only", b"\x01\x00\x00", 0x08),
                       ("rev2-literal-minus", b"\x0a\x00\x00", 0x0c),
                       ("utf8-accept", b"\x31\x00\x00", 0x0a), ("utf8-qresync", b"\x31\x10\x00", 0x2e),
                       ("small-out", ALLCAPS, 0x1c), ("auth-state", ALLCAPS, 0x04)]:
    put("imap_commands", name, caps + bytes([fl]) + cmds_all())
put("imap_commands", "bad-args", ALLCAPS + b"\x0c" +
    bytes([FET, 0]) + zs("0:1") + b"\1\0\0" + bytes([STO, 0]) + zs("01", "\\Seen") +
    bytes([CPY, 0]) + zs("1,,2", "x") + bytes([SEL, 0]) + b"\xed\xa0\x80\0\0" +
    bytes([LST, 1]) + zs("", "*") + bytes([4, 0, 0]) + bytes([SRC, 0, 1, 5]) + zs("1:2,*") + b"\0" +
    bytes([UEX]) + zs("1:4294967296") + bytes([REN]) + zs("a\rb", "c"))
put("imap_commands", "qresync-select", ALLCAPS + b"\x26" +
    bytes([SEL | 0x80, 0x0d]) + zs("INBOX") + b"\x07\x09" + zs("1:5,9") +
    bytes([FET | 0x80, 3]) + zs("1:*") + b"\x01\x00\x00\x09" + bytes([CRE]) + zs("\u65e5\u672c"))
