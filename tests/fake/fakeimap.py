#!/usr/bin/env python3
"""A scripted, hostile fake IMAP server for client tests (imap-client).

  fakeimap.py --port P --scenario NAME --certs DIR --log PREFIX [--implicit]

Listens on 127.0.0.1:P (0: any free port), writes the port number to
PREFIX.ready once listening, then serves exactly one connection and
exits. It records what the client did:

  PREFIX.raw      every byte the client sent (decrypted after TLS), in order
  PREFIX.events   one line per event: "CMD <VERB>" (UID FETCH is "UID FETCH"),
                  "ARGS <rest of the line>" (not for LOGIN/AUTHENTICATE),
                  "AUTH-LINE <SASL response>", "LOGIN-SEEN", "TLS-OK",
                  "TLS-FAIL why", "APPEND <n> bytes", "EOF",
                  "CLOSE-BY-SERVER", "PIPELINED-BEFORE-TLS n", "END"
  PREFIX.append   the message bytes of the last APPEND

The mailbox it serves (scenario good and most others): INBOX with two
messages, UIDs 1 and 3; UID 3 is MESSAGE3 below, UID 1 is MESSAGE1.
LIST shows INBOX, "Sent" (\\Sent) and "T&AOQ-st" (UTF-8 "Täst").

Scenarios (what the server does wrong; everything else is accepted so
that a client that carries on is caught doing so):
  good          STARTTLS, AUTH=PLAIN + SASL-IR, LOGIN, the mailbox above
  drip          good, but every response goes out one byte per TCP segment
  untagged      good, plus unsolicited untagged data (EXISTS, FETCH FLAGS,
                OK [ALERT], CAPABILITY) before every tagged OK
  notls         no STARTTLS offered (LOGIN and AUTH=PLAIN are, to tempt)
  starttls-no   STARTTLS answered with NO
  inject        the OK to STARTTLS and a forged untagged response in one write
  preauth       greeting is PREAUTH (already authenticated, no TLS)
  wrongtag      the first command is answered with a tag never sent
  logindisabled after TLS: LOGINDISABLED and no AUTH= mechanism at all
  logindisabled-auth  LOGINDISABLED but AUTH=PLAIN offered: must AUTHENTICATE
  hugeliteral   a FETCH with a literal size that fits no 64-bit number
  hugeliteral-list  LIST with a 4 GB literal as a mailbox name
  bye           unsolicited BYE (and close) in answer to the first command
                after authentication
  greetbye      greeting is BYE
  literalclose  UID FETCH BODY[]: the literal announces 5000 bytes, 1000 are
                sent, then the connection is closed
  authno        AUTHENTICATE / LOGIN refused with NO [AUTHENTICATIONFAILED]
  gmailcaps     as Gmail: AUTHENTICATE / LOGIN answered with the new list
                in an untagged CAPABILITY, then an OK without a code
  garbage       greets with an HTTP status line
  silent        accepts the connection and never says anything
  longline      a 1 MB untagged line before the tagged OK of CAPABILITY
  escape        NO to SELECT with terminal escape sequences in the text
  noidle        no IDLE capability; the second NOOP reports a new message
  loginonly     no AUTH= mechanism at all: LOGIN (under TLS) is the way in
  nilbody       UID FETCH BODY[] answered with NIL instead of the message
  slowdrip      UID FETCH BODY[]: a literal of 1000000 bytes that come one
                every 0.3 s (each within any read timeout), until the
                client closes
  wronghost     certificate valid but for wrong.example
  unknownca     certificate for localhost from an unrelated CA
  capsdiffer    before TLS: AUTH=PLAIN; after TLS: only AUTH=SCRAM-SHA-256
                (a real SCRAM exchange); LOGIN and PLAIN refused after TLS
  starttls-untagged  * OK [ALERT], * CAPABILITY (AUTH=PLAIN), * LIST and
                * EXISTS before the tagged OK to STARTTLS; after TLS only
                AUTH=SCRAM-SHA-256 (as capsdiffer)
  starttls-futuretag  STARTTLS answered with an OK for the next tag, one
                not sent yet
  inject-late   the OK to STARTTLS, then 0.3 s later a plaintext untagged
                response before the handshake
  endless       the greeting line never ends (no CRLF, 256 MB at most)
  endless-untagged  UID SEARCH answered with "* SEARCH 1 3" lines forever
                (256 MB at most)
  literal4g, literal2p64, literalneg  UID FETCH BODY[] with a literal of
                {4294967296}, {18446744073709551616} or {-1}; then 1000
                bytes and close
  nest          UID FETCH answered with a BODYSTRUCTURE of 100,000 nested
                parentheses on one line (200 KB)
  nest1k        the same with 1,000 parentheses (a 2 KB line: past the
                depth limit, not the size limits)
  bignum        SELECT answered with a 10 KB message count in EXISTS
  bigdate       ENVELOPE with a 10 KB date string
  c1            ENVELOPE whose encoded-word subject and sender name decode
                to ESC, BEL and U+009B (CSI for a UTF-8 terminal)
  badlist       LIST answered with a "* LIST" line that cannot be read
                among good ones
  noisylist     LIST answered with a vendor response ("* X-NOISE ...")
                among good ones (the control for badlist)
  badstatus     STATUS answered with "* STATUS INBOX (MESSAGES x)"
  nul           UID SEARCH answered with a NUL byte in the SEARCH response
  cont          SELECT answered with a "+ " continuation request first
  byemid        UID FETCH BODY[] answered with an untagged FETCH FLAGS,
                then "* BYE" and close: no body, no tagged reply
  referral      AUTHENTICATE refused: NO [REFERRAL imap://...] to a second
                port this fake listens on (REFERRAL-FOLLOWED if the client
                connects there)
  sasl-*        good, but AUTH=SCRAM-SHA-256 AUTH=PLAIN (no LOGIN tried by
                a good client) and AUTHENTICATE is one of saslfake.py's
                hostile scenarios
With --implicit the connection starts with TLS (imaps).
"""
import argparse
import os
import socket
import ssl
import sys
import time

import fakeio
import saslfake

CRLF = b"\r\n"

MESSAGE3 = (b"Date: Mon, 2 Feb 2026 10:00:00 +0100\r\n"
            b"From: Alice <alice@example.test>\r\n"
            b"To: Bob <bob@example.test>\r\n"
            b"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
            b"Message-ID: <m3@example.test>\r\n"
            b"\r\n"
            b"Body of message 3.\r\n"
            b"A line with {5}\r\n and ) ( and \"quotes\"\r\n"
            b".\r\n"
            b"* 9 EXISTS\r\n"
            b"a1 OK not a response, just body text\r\n")
MESSAGE1 = (b"From: bob@example.test\r\nSubject: one\r\n\r\nfirst\r\n")
ENVELOPE3 = (b'("Mon, 2 Feb 2026 10:00:00 +0100" "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=" '
             b'(("Alice" NIL "alice" "example.test")) '
             b'(("Alice" NIL "alice" "example.test")) '
             b'(("Alice" NIL "alice" "example.test")) '
             b'(("Bob" NIL "bob" "example.test")) NIL NIL NIL '
             b'"<m3@example.test>")')
ENVELOPE1 = (b'(NIL "one" ((NIL NIL "bob" "example.test")) '
             b'((NIL NIL "bob" "example.test")) ((NIL NIL "bob" "example.test")) '
             b'NIL NIL NIL NIL NIL)')
MSGS = {1: (1, MESSAGE1, ENVELOPE1), 3: (2, MESSAGE3, ENVELOPE3)}


class Session:
    def __init__(self, conn, args):
        self.sock = conn
        self.args = args
        self.sc = args.scenario
        self.buf = b""
        self.tls = False
        self.authed = False
        self.raw = open(args.log + ".raw", "wb")
        self.ev = open(args.log + ".events", "w")

    def event(self, text):
        self.ev.write(text + "\n")
        self.ev.flush()

    def send(self, data):
        try:
            if self.sc == "drip":
                for i in range(len(data)):
                    self.sock.sendall(data[i:i + 1])
                    time.sleep(0.0003)
                return
            self.sock.sendall(data)
        except OSError as e:
            self.event("SEND-FAIL %s" % e)
            raise EOFError

    def recv_more(self):
        try:
            chunk = self.sock.recv(65536)
        except (OSError, ssl.SSLError) as e:
            self.event("RECV-FAIL %s" % e)
            raise EOFError
        if not chunk:
            self.event("EOF")
            raise EOFError
        self.raw.write(chunk)
        self.raw.flush()
        self.buf += chunk

    def line(self):
        while CRLF not in self.buf:
            if len(self.buf) > 1000000:
                self.event("LINE-TOO-LONG")
                raise EOFError
            self.recv_more()
        i = self.buf.index(CRLF)
        ln, self.buf = self.buf[:i], self.buf[i + 2:]
        return ln

    def take(self, n):
        while len(self.buf) < n:
            self.recv_more()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def command(self):
        """One whole command: the line with its literals spliced in.
        Returns (line, [literal bytes...])."""
        ln = self.line()
        lits = []
        whole = b""
        while ln.endswith(b"}") and b"{" in ln:
            k = ln.rindex(b"{")
            spec = ln[k + 1:-1]
            plus = spec.endswith(b"+")
            try:
                n = int(spec.rstrip(b"+"))
            except ValueError:
                break
            if not plus:
                self.send(b"+ go ahead\r\n")
            lits.append(self.take(n))
            whole += ln + CRLF
            ln = self.line()
        return whole + ln, lits

    flood = fakeio.flood   # head, then unit until the client gives up
    drip = fakeio.drip     # head, then unit a byte every 0.3 s

    def ctx(self):
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        name = {"wronghost": "wronghost", "unknownca": "other-server"}.get(
            self.sc, "server")
        d = self.args.certs
        c.load_cert_chain(os.path.join(d, name + ".crt"),
                          os.path.join(d, name + ".key"))
        return c

    def start_tls(self):
        if self.buf:
            self.event("PIPELINED-BEFORE-TLS %d" % len(self.buf))
            self.buf = b""
        try:
            self.sock.settimeout(10)
            self.sock = self.ctx().wrap_socket(self.sock, server_side=True)
            self.sock.settimeout(self.args.timeout)
        except (OSError, ssl.SSLError) as e:
            self.event("TLS-FAIL %s" % e)
            raise EOFError
        if self.sock.version() is None:
            # ssl skips the handshake on a socket whose peer is already
            # gone (getpeername fails): that is no TLS session
            self.event("TLS-FAIL no handshake (peer gone)")
            raise EOFError
        self.tls = True
        self.event("TLS-OK")

    def caps(self):
        sc = self.sc
        c = [b"IMAP4rev1"]
        if self.authed:
            c += [b"UIDPLUS", b"MOVE", b"LITERAL+", b"ENABLE", b"CONDSTORE",
                  b"NAMESPACE"]
            if sc != "noidle":
                c.append(b"IDLE")
            return c
        if not self.tls and sc != "notls":
            c.append(b"STARTTLS")
        if self.tls and sc.startswith("logindisabled"):
            c.append(b"LOGINDISABLED")
            if sc == "logindisabled-auth":
                c += [b"AUTH=PLAIN", b"SASL-IR"]
            return c
        if sc == "loginonly":
            return c + [b"ID", b"LITERAL+"]
        if sc in ("capsdiffer", "starttls-untagged") and self.tls:
            return c + [b"SASL-IR", b"AUTH=SCRAM-SHA-256", b"ID"]
        if sc.startswith("sasl-"):
            return c + [b"SASL-IR"] + [b"AUTH=" + m.encode()
                                      for m in saslfake.mechs(sc)] + [b"ID"]
        # before TLS too: tempt the client into sending credentials
        c += [b"SASL-IR", b"AUTH=PLAIN", b"ID", b"LITERAL+"]
        return c

    def extra_untagged(self):
        if self.sc == "untagged":
            self.send(b"* 2 EXISTS\r\n* 1 FETCH (FLAGS (\\Seen))\r\n"
                      b"* OK [ALERT] System maintenance tonight\r\n"
                      b"* 0 RECENT\r\n")

    def ok(self, tag, text=b"completed"):
        self.extra_untagged()
        self.send(tag + b" OK " + text + CRLF)

    def fetch(self, tag, args, uid):
        # args: b"3 (BODY.PEEK[])" or b"1:* (UID FLAGS)"
        parts = args.split(b" ", 1)
        if len(parts) < 2:
            self.send(tag + b" BAD syntax\r\n")
            return
        seq, items = parts[0], parts[1].upper()
        if seq in (b"1:*", b"*"):
            wanted = sorted(MSGS)
        else:
            try:
                wanted = [int(x) for x in seq.split(b",")]
            except ValueError:
                wanted = []
        if not uid:
            wanted = [u for u, (n, _, _) in MSGS.items() if n in wanted]
        for u in wanted:
            if u not in MSGS:
                continue
            n, msg, env = MSGS[u]
            head = b"* %d FETCH (UID %d" % (n, u)
            if b"FLAGS" in items:
                head += b" FLAGS (\\Seen)"
            if b"ENVELOPE" in items and self.sc == "bigdate":
                head += b' ENVELOPE ("' + b"Mon, 2 Feb 2026 " + b"1" * 10240 + \
                    env[env.index(b'" "'):]
            elif b"ENVELOPE" in items and self.sc == "c1":
                head += b' ENVELOPE ("Mon, 2 Feb 2026 10:00:00 +0100" ' + \
                    b'"=?UTF-8?Q?Gr=C2=9B2J=1B]0;x=07e?=" ' + \
                    b'(("=?UTF-8?Q?Al=C2=9B31mice?=" NIL "alice" ' + \
                    b'"example.test")) NIL NIL NIL NIL NIL NIL "<m3@x>")'
            elif b"ENVELOPE" in items:
                head += b" ENVELOPE " + env
            if self.sc == "nest":
                head += b" BODYSTRUCTURE " + b"(" * 100000 + b")" * 100000
            if self.sc == "nest1k":
                # a 2 KB line: only the depth is wrong
                head += b" BODYSTRUCTURE " + b"(" * 1000 + b")" * 1000
            if b"BODY" in items and b"[" in items and self.sc == "byemid":
                self.send(b"* %d FETCH (FLAGS (\\Seen))\r\n"
                          b"* BYE Shutting down in the middle of your FETCH\r\n" % n)
                self.event("CLOSE-BY-SERVER")
                raise EOFError
            if b"BODY" in items and b"[" in items:
                lit = {"literal4g": b"4294967296",
                       "literal2p64": b"18446744073709551616",
                       "literalneg": b"-1"}.get(self.sc)
                if lit is not None:
                    self.send(head + b" BODY[] {" + lit + b"}\r\n" +
                              (msg * 20)[:1000])
                    time.sleep(0.2)
                    self.event("CLOSE-BY-SERVER")
                    raise EOFError
                if self.sc == "hugeliteral":
                    self.send(head + b" BODY[] {184467440737095516160}\r\n"
                              + msg)
                    self.event("CLOSE-BY-SERVER")
                    raise EOFError
                if self.sc == "slowdrip":
                    self.drip(head + b" BODY[] {1000000}\r\n",
                              b"x" * 70 + b"\r\n")
                if self.sc == "nilbody":
                    self.send(head + b" BODY[] NIL)\r\n")
                    continue
                if self.sc == "literalclose":
                    self.send(head + b" BODY[] {5000}\r\n" + msg[:1000]
                              if len(msg) >= 1000 else
                              head + b" BODY[] {5000}\r\n" + msg
                              + b"x" * (1000 - len(msg)))
                    time.sleep(0.2)
                    self.event("CLOSE-BY-SERVER")
                    raise EOFError
                self.send(head + b" BODY[] {%d}\r\n" % len(msg) + msg + b")\r\n")
            else:
                self.send(head + b")\r\n")
        self.ok(tag, b"Fetch completed")

    def select(self, tag, verb):
        if self.sc == "cont":
            self.send(b"+ nobody asked\r\n")
        if self.sc == "bignum":
            self.send(b"* " + b"9" * 10240 + b" EXISTS\r\n")
        if self.sc == "escape":
            self.send(tag + b" NO \x1b]0;owned\x07\x1b[2J\x1b[31mNo such mailbox\x1b[0m\r\n")
            return
        self.send(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                  b"* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Flags permitted.\r\n"
                  b"* 2 EXISTS\r\n* 0 RECENT\r\n"
                  b"* OK [UIDVALIDITY 7] UIDs valid\r\n"
                  b"* OK [UIDNEXT 4] Predicted next UID\r\n")
        self.ok(tag, b"[READ-ONLY] Examine completed" if verb == "EXAMINE"
                else b"[READ-WRITE] Select completed")

    def idle(self, tag):
        self.send(b"+ idling\r\n")
        time.sleep(0.3)
        self.send(b"* 3 EXISTS\r\n")
        time.sleep(0.1)
        self.send(b"* 2 EXPUNGE\r\n")
        time.sleep(0.1)
        self.send(b"* 1 FETCH (FLAGS (\\Seen \\Flagged))\r\n")
        ln = self.line()
        self.event("IDLE-END " + ln.decode("ascii", "replace"))
        self.ok(tag, b"Idle completed")

    def authenticate(self, tag, rest):
        parts = rest.split(b" ")
        mech = parts[0].upper()
        if self.sc == "referral":
            self.send(tag + b" NO [REFERRAL imap://alice@127.0.0.1:%d/INBOX] "
                      b"Try the other server\r\n" % self.args.port2)
            return
        if self.sc in ("capsdiffer", "starttls-untagged"):
            if mech != b"SCRAM-SHA-256":
                self.event("AUTH-WRONG-MECH")
                self.send(tag + b" NO Unsupported authentication mechanism\r\n")
                return
            out, _ = saslfake.exchange(
                "sasl-scram-good", "SCRAM-SHA-256",
                parts[1] if len(parts) > 1 else None,
                lambda t: self.send(b"+ " + t + CRLF), self.line,
                self.event, self.args.password)
            if out == "ok":
                self.finish_auth(tag)
            else:
                self.send(tag + b" NO [AUTHENTICATIONFAILED] failed\r\n")
            return
        if self.sc.startswith("sasl-"):
            out, _ = saslfake.exchange(
                self.sc, mech.decode("ascii", "replace"),
                parts[1] if len(parts) > 1 else None,
                lambda t: self.send(b"+ " + t + CRLF), self.line,
                self.event, self.args.password)
            if out == "ok":
                self.finish_auth(tag)
            elif out == "cancel":
                self.send(tag + b" BAD AUTHENTICATE canceled\r\n")
            else:
                self.send(tag + b" NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")
            return
        if mech != b"PLAIN" or b"AUTH=PLAIN" not in self.caps():
            self.send(tag + b" NO Unsupported authentication mechanism\r\n")
            return
        if len(parts) > 1:
            self.event("AUTH-LINE " + parts[1].decode("ascii", "replace"))
        else:
            self.send(b"+ \r\n")
            self.event("AUTH-LINE " + self.line().decode("ascii", "replace"))
        self.finish_auth(tag)

    def finish_auth(self, tag):
        if self.sc == "authno":
            self.send(tag + b" NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")
            return
        self.authed = True
        if self.sc == "gmailcaps":
            self.send(b"* CAPABILITY " + b" ".join(self.caps()) + CRLF)
            self.ok(tag, b"alice@example.test authenticated (Success)")
            return
        self.ok(tag, b"[CAPABILITY " + b" ".join(self.caps()) + b"] Logged in")

    def run(self):
        sc = self.sc
        if self.args.implicit:
            self.start_tls()
        if sc == "silent":
            self.event("SILENT")
            try:
                while True:
                    self.recv_more()
            except EOFError:
                pass
            return
        if sc == "garbage":
            self.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            self.event("CLOSE-BY-SERVER")
            return
        if sc == "greetbye":
            self.send(b"* BYE Too many connections from your address\r\n")
            self.event("CLOSE-BY-SERVER")
            return
        if sc == "endless":
            self.flood(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ", b"A")
        if sc == "preauth":
            self.authed = True
            self.send(b"* PREAUTH [CAPABILITY " + b" ".join(self.caps()) +
                      b"] Logged in as alice\r\n")
        else:
            self.send(b"* OK [CAPABILITY " + b" ".join(self.caps()) +
                      b"] fake IMAP ready\r\n")
        first = True
        while True:
            ln, lits = self.command()
            parts = ln.split(b" ", 2)
            tag = parts[0]
            verb = parts[1].upper().decode("ascii", "replace") if len(parts) > 1 else ""
            rest = parts[2] if len(parts) > 2 else b""
            uid = False
            if verb == "UID" and rest:
                sub = rest.split(b" ", 1)
                verb = "UID " + sub[0].upper().decode("ascii", "replace")
                rest = sub[1] if len(sub) > 1 else b""
                uid = True
            self.event("CMD " + verb)
            if verb not in ("LOGIN", "AUTHENTICATE"):
                self.event("ARGS " + rest.split(b"\r\n")[0].decode("utf-8", "replace"))
            if first and sc == "wrongtag":
                self.send(b"zz99 OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] done\r\n")
                first = False
                continue
            first = False
            if sc == "bye" and self.authed and verb not in (
                    "CAPABILITY", "LOGOUT", "NOOP", "ENABLE", "ID"):
                self.send(b"* BYE Server shutting down for maintenance\r\n")
                self.event("CLOSE-BY-SERVER")
                return
            if verb == "CAPABILITY":
                if sc == "longline":
                    self.send(b"* CAPABILITY IMAP4rev1 " + b"X" * 1048576 + CRLF)
                self.send(b"* CAPABILITY " + b" ".join(self.caps()) + CRLF)
                self.ok(tag)
            elif verb == "STARTTLS":
                if sc == "starttls-no":
                    self.send(tag + b" NO TLS not available right now\r\n")
                elif sc == "starttls-untagged":
                    self.send(b"* OK [ALERT] Plaintext alert before TLS\r\n"
                              b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"
                              b"* LIST () \"/\" INBOX\r\n"
                              b"* 5 EXISTS\r\n" +
                              tag + b" OK Begin TLS negotiation now\r\n")
                    self.start_tls()
                elif sc == "starttls-futuretag":
                    m = len(tag.rstrip(b"0123456789"))
                    nxt = tag[:m] + (b"%d" % (int(tag[m:]) + 1) if m < len(tag)
                                     else b"1")
                    self.event("FUTURE-TAG " + nxt.decode("ascii", "replace"))
                    self.send(nxt + b" OK Begin TLS negotiation now\r\n")
                    self.start_tls()
                elif sc == "inject-late":
                    self.send(tag + b" OK Begin TLS negotiation now\r\n")
                    time.sleep(0.3)
                    self.send(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n")
                    self.event("INJECTED")
                    self.start_tls()
                elif sc == "inject":
                    self.send(tag + b" OK Begin TLS negotiation now\r\n"
                              b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n")
                    self.start_tls()
                else:
                    self.send(tag + b" OK Begin TLS negotiation now\r\n")
                    self.start_tls()
            elif verb == "LOGIN" and sc in ("capsdiffer", "starttls-untagged"):
                self.event("LOGIN-SEEN")
                self.event("AUTH-WRONG-MECH")
                self.send(tag + b" NO LOGIN not allowed\r\n")
            elif verb == "LOGIN":
                self.event("LOGIN-SEEN")
                if b"fake-Pa55word" in ln:
                    self.event("LOGIN-PASSWORD-SEEN")
                if b"LOGINDISABLED" in self.caps():
                    self.send(tag + b" NO [PRIVACYREQUIRED] LOGIN disabled\r\n")
                else:
                    self.finish_auth(tag)
            elif verb == "AUTHENTICATE":
                self.authenticate(tag, rest)
            elif verb == "LOGOUT":
                self.send(b"* BYE Logging out\r\n")
                self.send(tag + b" OK Logout completed\r\n")
                return
            elif not self.authed:
                self.send(tag + b" BAD Not authenticated\r\n")
            elif verb in ("SELECT", "EXAMINE"):
                self.select(tag, verb)
            elif verb in ("UID FETCH", "FETCH"):
                self.fetch(tag, rest, uid)
            elif verb in ("UID SEARCH", "SEARCH") and sc == "endless-untagged":
                self.flood(b"", b"* SEARCH 1 3\r\n")
            elif verb in ("UID SEARCH", "SEARCH") and sc == "nul":
                self.send(b"* SEARCH 1\x00 3\r\n")
                self.ok(tag, b"Search completed")
            elif verb in ("UID SEARCH", "SEARCH"):
                self.send(b"* SEARCH 1 3\r\n")
                self.ok(tag, b"Search completed")
            elif verb == "LIST":
                if sc == "hugeliteral-list":
                    self.send(b"* LIST () \"/\" {4000000000}\r\nINBOX")
                    self.event("CLOSE-BY-SERVER")
                    raise EOFError
                if sc == "badlist":
                    self.send(b"* LIST (\\HasNoChildren) garbage\r\n")
                if sc == "noisylist":
                    self.send(b"* X-NOISE (\\HasNoChildren) garbage\r\n")
                self.send(b"* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
                          b"* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
                          b"* LIST (\\HasNoChildren) \"/\" \"T&AOQ-st\"\r\n")
                self.ok(tag, b"List completed")
            elif verb == "STATUS":
                mb = rest.split(b" ", 1)[0]
                if sc == "badstatus":
                    self.send(b"* STATUS " + mb + b" (MESSAGES x)\r\n")
                else:
                    self.send(b"* STATUS " + mb +
                              b" (MESSAGES 2 UIDNEXT 4 UIDVALIDITY 7 UNSEEN 1)\r\n")
                self.ok(tag, b"Status completed")
            elif verb == "APPEND":
                data = lits[-1] if lits else b""
                with open(self.args.log + ".append", "wb") as f:
                    f.write(data)
                self.event("APPEND %d bytes" % len(data))
                self.ok(tag, b"[APPENDUID 7 4] Append completed")
            elif verb == "IDLE":
                self.idle(tag)
            elif verb == "NOOP":
                self.noops = getattr(self, "noops", 0) + 1
                if sc == "noidle" and self.noops == 2:
                    self.send(b"* 3 EXISTS\r\n* 1 FETCH (FLAGS (\\Answered))\r\n")
                self.ok(tag, b"NOOP completed")
            else:
                self.ok(tag, verb.encode() + b" completed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--certs", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--implicit", action="store_true")
    ap.add_argument("--password", default="fake-Pa55word")
    ap.add_argument("--timeout", type=float, default=30)
    args = ap.parse_args()

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(1)
    ls.settimeout(args.timeout)
    # the referral target: a second port, watched until the end
    ls2 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls2.bind(("127.0.0.1", 0))
    ls2.listen(1)
    ls2.setblocking(False)
    args.port2 = ls2.getsockname()[1]
    with open(args.log + ".ready.tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(args.log + ".ready.tmp", args.log + ".ready")
    try:
        conn, _ = ls.accept()
    except socket.timeout:
        open(args.log + ".events", "w").write("NO-CONNECTION\n")
        return 1
    ls.close()
    conn.settimeout(args.timeout)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s = Session(conn, args)
    try:
        s.run()
    except EOFError:
        pass
    except Exception as e:  # record, never hang
        s.event("SERVER-ERROR %r" % e)
    try:
        s.sock.close()
    except OSError:
        pass
    try:
        ls2.accept()
        s.event("REFERRAL-FOLLOWED")
    except OSError:
        pass
    s.event("END")
    return 0


if __name__ == "__main__":
    sys.exit(main())
