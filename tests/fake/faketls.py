#!/usr/bin/env python3
"""A scripted fake SMTP / POP3 / IMAP server that is hostile at the TLS
level, for the example programs (tests/fake/tls_run.sh).

  faketls.py --proto smtp|pop3|imap --scenario NAME --certs DIR
             --log PREFIX [--implicit] [--port P] [--timeout S]

Listens on 127.0.0.1:P (0: any free port), writes the port number to
PREFIX.ready once listening, serves exactly one connection and exits.
--implicit: TLS from the first byte (smtps, pop3s, imaps); else the
handshake follows the positive reply to STARTTLS / STLS. DIR holds the
certificates of tests/fake/tls_certs.sh.

Records:
  PREFIX.raw     every byte the client sent in plaintext and every byte
                 decrypted after TLS, in order (not the handshake)
  PREFIX.events  one line per event: "CMD <VERB>" (IMAP: the command
                 after the tag, "UID FETCH" for UID FETCH), "TLS-OK
                 <version>", "TLS-FAIL <why>", "AUTH-LINE", "DATA <n>
                 bytes", "CUT <where> <how>", "EOF", "END", ...

Scenarios:
  good        a valid certificate for localhost from the test CA, TLS 1.2+;
              every command works (SMTP: AUTH PLAIN/LOGIN, MAIL, RCPT,
              DATA; POP3: USER/PASS, AUTH PLAIN, STAT, LIST, UIDL, RETR,
              DELE; IMAP: LOGIN, AUTHENTICATE PLAIN, SELECT/EXAMINE,
              UID FETCH BODY[])
  selfsigned  a self-signed certificate for localhost
  unknownca   a certificate for localhost from an unrelated CA
  wronghost   a certificate from the test CA for wrong.example only
  expired     a certificate from the test CA that expired in 2021
  notyet      a certificate from the test CA valid from 2045 on
  cnonly      a certificate from the test CA with CN=localhost and no
              subjectAltName at all (RFC 9525: names no host)
  tls10       the good certificate, but only TLS 1.0 is spoken
  tls11       the good certificate, but only TLS 1.1 is spoken
  plaintext   with --implicit: no TLS at all, a plaintext greeting; if
              what the client sends first is a TLS record (0x16), the
              event is "TLS-RECORD-IN-PLAINTEXT" and nothing is parsed
  cut         good until the middle of a multi-line reply, then the TCP
              connection is closed WITHOUT a TLS close_notify: SMTP after
              two "250-" lines of the EHLO reply under TLS, POP3 after the
              whole body of RETR 1 but before its terminating ".", IMAP
              half-way through the BODY[] literal of UID FETCH
  cutnotify   the same cut, but with a proper close_notify before the
              TCP close (still a truncated reply)
Before TLS, SMTP's EHLO, POP3's CAPA and IMAP's CAPABILITY offer
authentication too, to tempt a client into sending credentials.
"""
import argparse
import os
import socket
import ssl
import sys
import warnings

# ssl.TLSVersion.TLSv1 and TLSv1_1 are deprecated: that is the point
warnings.filterwarnings("ignore", category=DeprecationWarning)

CRLF = b"\r\n"

# the POP3 mailbox: two messages; message 1 is long enough that a cut
# body is obviously a cut body
POP3_MSGS = [
    (b"uid-tls-0001",
     b"From: alice@example.test\r\nTo: bob@example.test\r\n"
     b"Subject: TLS fake message 1\r\nMessage-ID: <t1@fake.test>\r\n\r\n" +
     b"".join(b"line %03d of message one, padding padding padding\r\n" % i
              for i in range(60)) +
     b".starts with a dot\r\nlast line\r\n"),
    (b"uid-tls-0002",
     b"From: alice@example.test\r\nTo: bob@example.test\r\n"
     b"Subject: TLS fake message 2\r\nMessage-ID: <t2@fake.test>\r\n\r\n"
     b"second message\r\n"),
]

# the IMAP mailbox: INBOX with one message, UID 3, message number 1
IMAP_MSG3 = (b"From: Alice <alice@example.test>\r\nTo: Bob <bob@example.test>\r\n"
             b"Subject: TLS fake IMAP message\r\n"
             b"Message-ID: <i3@fake.test>\r\n\r\n" +
             b"".join(b"body line %03d of the IMAP message, padding padding\r\n"
                      % i for i in range(60)) +
             b"* 9 EXISTS\r\na1 OK not a response, just body text\r\n")

CERTS = {"selfsigned": "selfsigned", "unknownca": "other-server",
         "wronghost": "wronghost", "expired": "expired", "notyet": "notyet",
         "cnonly": "cnonly"}


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

    # ---- records and I/O ----------------------------------------------------
    def event(self, text):
        self.ev.write(text + "\n")
        self.ev.flush()

    def send(self, data):
        try:
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
        first = self.raw.tell() == len(chunk)
        if self.sc == "plaintext" and first and chunk[:1] == b"\x16":
            # a TLS record (ClientHello) on the plaintext port: keep it
            # out of the command parser (its random bytes may hold a CRLF)
            self.event("TLS-RECORD-IN-PLAINTEXT")
            try:
                while self.sock.recv(65536):
                    pass
            except OSError:
                pass
            self.event("EOF")
            raise EOFError
        self.buf += chunk

    def line(self):
        while CRLF not in self.buf:
            if len(self.buf) > 100000:
                self.event("LINE-TOO-LONG")
                raise EOFError
            self.recv_more()
        i = self.buf.index(CRLF)
        ln, self.buf = self.buf[:i], self.buf[i + 2:]
        return ln

    # ---- TLS ------------------------------------------------------------------
    def ctx(self):
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if self.sc in ("tls10", "tls11"):
            v = (ssl.TLSVersion.TLSv1 if self.sc == "tls10"
                 else ssl.TLSVersion.TLSv1_1)
            c.minimum_version = v
            c.maximum_version = v
            # OpenSSL 3 refuses TLS 1.0/1.1 above security level 0
            c.set_ciphers("DEFAULT:@SECLEVEL=0")
        name = CERTS.get(self.sc, "server")
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
        self.tls = True
        self.event("TLS-OK %s" % self.sock.version())

    def cut(self, data, where):
        """Send data, then end the connection in the middle of a reply:
        scenario cut without close_notify, cutnotify with it."""
        self.send(data)
        s = self.sock
        if self.sc == "cutnotify":
            try:
                s.settimeout(3)
                s = s.unwrap()  # sends close_notify
                how = "close_notify"
            except (OSError, ssl.SSLError, ValueError) as e:
                # the close_notify went out; the client's own did not
                # come back cleanly (it may just close)
                how = "close_notify (%s)" % e.__class__.__name__
                s = self.sock
        else:
            how = "no close_notify"
        self.event("CUT %s %s" % (where, how))
        try:
            # SSLSocket.shutdown drops the TLS layer without close_notify:
            # a bare TCP FIN, after the data above
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        # read what the client still sends (so that the close is a FIN,
        # never a reset that could discard the data in flight)
        try:
            s.settimeout(3)
            while s.recv(65536):
                pass
        except (OSError, ssl.SSLError, ValueError):
            pass
        raise EOFError

    # ---- SMTP -----------------------------------------------------------------
    def smtp(self):
        self.send(b"220 mx.fake.test ESMTP fake\r\n")
        while True:
            ln = self.line()
            verb = ln.split(b" ", 1)[0].upper().decode("ascii", "replace")
            self.event("CMD " + verb)
            if verb in ("EHLO", "HELO"):
                lines = [b"mx.fake.test greets you", b"PIPELINING",
                         b"8BITMIME", b"ENHANCEDSTATUSCODES", b"SIZE 10240000"]
                if not self.tls:
                    lines.append(b"STARTTLS")
                lines.append(b"AUTH PLAIN LOGIN")
                out = b"".join(b"250" + (b" " if i == len(lines) - 1 else b"-")
                               + x + CRLF for i, x in enumerate(lines))
                if self.tls and self.sc.startswith("cut"):
                    self.cut(b"".join(b"250-" + x + CRLF for x in lines[:2]),
                             "EHLO")
                self.send(out)
            elif verb == "STARTTLS" and not self.tls:
                self.send(b"220 2.0.0 Ready to start TLS\r\n")
                self.start_tls()
            elif verb == "AUTH":
                parts = ln.split(b" ")
                mech = parts[1].upper() if len(parts) > 1 else b""
                if mech == b"LOGIN":
                    if len(parts) < 3:
                        self.send(b"334 VXNlcm5hbWU6\r\n")
                        self.line()
                    self.send(b"334 UGFzc3dvcmQ6\r\n")
                    self.line()
                elif len(parts) < 3:
                    self.send(b"334 \r\n")
                    self.line()
                self.event("AUTH-LINE")
                self.send(b"235 2.7.0 Authentication successful\r\n")
            elif verb == "MAIL":
                self.send(b"250 2.1.0 Ok\r\n")
            elif verb == "RCPT":
                self.send(b"250 2.1.5 Ok\r\n")
            elif verb == "DATA":
                self.send(b"354 go ahead\r\n")
                while CRLF + b"." + CRLF not in b"\r\n" + self.buf:
                    self.recv_more()
                k = (b"\r\n" + self.buf).index(CRLF + b"." + CRLF)
                data, self.buf = self.buf[:k], self.buf[k + 3:]
                with open(self.args.log + ".data", "wb") as f:
                    f.write(data)
                self.event("DATA %d bytes" % len(data))
                self.send(b"250 2.0.0 Ok: queued as TLS1\r\n")
            elif verb in ("RSET", "NOOP"):
                self.send(b"250 2.0.0 Ok\r\n")
            elif verb == "QUIT":
                self.send(b"221 2.0.0 Bye\r\n")
                return
            else:
                self.send(b"502 5.5.2 Error: command not recognized\r\n")

    # ---- POP3 -----------------------------------------------------------------
    def pop3_msg(self, ln):
        try:
            n = int(ln.split()[1])
        except (IndexError, ValueError):
            return None
        return n - 1 if 1 <= n <= len(POP3_MSGS) else None

    def pop3(self):
        self.send(b"+OK fake POP3 ready <1896.697170952@fake.test>\r\n")
        while True:
            ln = self.line()
            verb = ln.split(b" ", 1)[0].upper().decode("ascii", "replace")
            self.event("CMD " + verb)
            if verb == "CAPA":
                caps = [b"+OK Capability list follows", b"TOP", b"UIDL",
                        b"RESP-CODES", b"PIPELINING", b"USER", b"SASL PLAIN"]
                if not self.tls:
                    caps.insert(1, b"STLS")
                self.send(CRLF.join(caps) + CRLF + b"." + CRLF)
            elif verb == "STLS" and not self.tls:
                self.send(b"+OK Begin TLS negotiation\r\n")
                self.start_tls()
            elif verb == "USER":
                self.send(b"+OK\r\n")
            elif verb in ("PASS", "AUTH"):
                if verb == "AUTH" and len(ln.split(b" ")) < 3:
                    self.send(b"+ \r\n")
                    self.line()
                self.event("AUTH-LINE")
                self.authed = True
                self.send(b"+OK Logged in.\r\n")
            elif verb == "QUIT":
                self.send(b"+OK bye\r\n")
                return
            elif not self.authed:
                self.send(b"-ERR not logged in\r\n")
            elif verb == "STAT":
                self.send(b"+OK %d %d\r\n" % (
                    len(POP3_MSGS), sum(len(m) for _, m in POP3_MSGS)))
            elif verb in ("LIST", "UIDL"):
                if len(ln.split()) > 1:
                    i = self.pop3_msg(ln)
                    if i is None:
                        self.send(b"-ERR no such message\r\n")
                    else:
                        u, m = POP3_MSGS[i]
                        self.send(b"+OK %d %s\r\n" % (
                            i + 1, b"%d" % len(m) if verb == "LIST" else u))
                    continue
                out = [b"+OK"]
                for i, (u, m) in enumerate(POP3_MSGS):
                    out.append(b"%d %s" % (i + 1, b"%d" % len(m)
                                           if verb == "LIST" else u))
                self.send(CRLF.join(out + [b"."]) + CRLF)
            elif verb in ("RETR", "TOP"):
                i = self.pop3_msg(ln)
                if i is None:
                    self.send(b"-ERR no such message\r\n")
                    continue
                m = POP3_MSGS[i][1]
                body = CRLF.join(b"." + x if x.startswith(b".") else x
                                 for x in m.split(CRLF))
                head = b"+OK %d octets\r\n" % len(m)
                if self.sc.startswith("cut") and verb == "RETR":
                    # every line of the message, not the final "."
                    self.cut(head + body, "RETR %d" % (i + 1))
                self.send(head + body + b"." + CRLF)
            elif verb == "DELE":
                self.send(b"+OK deleted\r\n")
            elif verb in ("NOOP", "RSET"):
                self.send(b"+OK\r\n")
            else:
                self.send(b"-ERR unknown command\r\n")

    # ---- IMAP -----------------------------------------------------------------
    def imap_caps(self):
        c = [b"IMAP4rev1"]
        if self.authed:
            return c + [b"UIDPLUS", b"LITERAL+", b"ENABLE", b"IDLE"]
        if not self.tls:
            c.append(b"STARTTLS")
        return c + [b"SASL-IR", b"AUTH=PLAIN", b"LITERAL+"]

    def imap_fetch(self, tag, rest, uid):
        parts = rest.split(b" ", 1)
        items = parts[1].upper() if len(parts) > 1 else b""
        seq = parts[0]
        hit = (seq in (b"3", b"1:*", b"*", b"3:*") if uid
               else seq in (b"1", b"1:*", b"*"))
        if hit:
            head = b"* 1 FETCH (UID 3"
            if b"FLAGS" in items:
                head += b" FLAGS (\\Seen)"
            if b"BODY" in items and b"[" in items:
                lit = head + b" BODY[] {%d}\r\n" % len(IMAP_MSG3)
                if self.sc.startswith("cut"):
                    self.cut(lit + IMAP_MSG3[:len(IMAP_MSG3) // 2],
                             "FETCH-LITERAL")
                self.send(lit + IMAP_MSG3 + b")\r\n")
            else:
                self.send(head + b")\r\n")
        self.send(tag + b" OK Fetch completed\r\n")

    def imap(self):
        self.send(b"* OK [CAPABILITY " + b" ".join(self.imap_caps()) +
                  b"] fake IMAP ready\r\n")
        while True:
            ln = self.line()
            while ln.endswith(b"}") and b"{" in ln:
                # a literal (LOGIN with odd characters): take it whole
                spec = ln[ln.rindex(b"{") + 1:-1]
                try:
                    n = int(spec.rstrip(b"+"))
                except ValueError:
                    break
                if not spec.endswith(b"+"):
                    self.send(b"+ go ahead\r\n")
                while len(self.buf) < n:
                    self.recv_more()
                self.buf = self.buf[n:]
                ln = ln + b" " + self.line()
            parts = ln.split(b" ", 2)
            tag = parts[0]
            verb = (parts[1].upper().decode("ascii", "replace")
                    if len(parts) > 1 else "")
            rest = parts[2] if len(parts) > 2 else b""
            uid = False
            if verb == "UID" and rest:
                sub = rest.split(b" ", 1)
                verb = "UID " + sub[0].upper().decode("ascii", "replace")
                rest = sub[1] if len(sub) > 1 else b""
                uid = True
            self.event("CMD " + verb)
            if verb == "CAPABILITY":
                self.send(b"* CAPABILITY " + b" ".join(self.imap_caps()) + CRLF)
                self.send(tag + b" OK completed\r\n")
            elif verb == "STARTTLS" and not self.tls:
                self.send(tag + b" OK Begin TLS negotiation now\r\n")
                self.start_tls()
            elif verb in ("LOGIN", "AUTHENTICATE"):
                if verb == "AUTHENTICATE" and len(rest.split(b" ")) < 2:
                    self.send(b"+ \r\n")
                    self.line()
                self.event("AUTH-LINE")
                self.authed = True
                self.send(tag + b" OK [CAPABILITY " +
                          b" ".join(self.imap_caps()) + b"] Logged in\r\n")
            elif verb == "LOGOUT":
                self.send(b"* BYE Logging out\r\n" + tag +
                          b" OK Logout completed\r\n")
                return
            elif not self.authed:
                self.send(tag + b" BAD Not authenticated\r\n")
            elif verb in ("SELECT", "EXAMINE"):
                self.send(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                          b"* 1 EXISTS\r\n* 0 RECENT\r\n"
                          b"* OK [UIDVALIDITY 7] UIDs valid\r\n"
                          b"* OK [UIDNEXT 4] Predicted next UID\r\n")
                self.send(tag + (b" OK [READ-ONLY] Examine completed\r\n"
                                 if verb == "EXAMINE" else
                                 b" OK [READ-WRITE] Select completed\r\n"))
            elif verb in ("UID FETCH", "FETCH"):
                self.imap_fetch(tag, rest, uid)
            else:
                self.send(tag + b" OK " + verb.encode() + b" completed\r\n")

    def run(self):
        if self.args.implicit and self.sc != "plaintext":
            self.start_tls()
        elif self.args.implicit:
            self.event("PLAINTEXT-ON-IMPLICIT-PORT")
        getattr(self, self.args.proto)()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proto", choices=("smtp", "pop3", "imap"), required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--certs", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--implicit", action="store_true")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=20)
    args = ap.parse_args()

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(1)
    ls.settimeout(args.timeout)
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
    s.event("END")
    return 0


if __name__ == "__main__":
    sys.exit(main())
