#!/usr/bin/env python3
"""A scripted, hostile fake SMTP submission server for client tests.

  fakesmtp.py --port P --scenario NAME --certs DIR --log PREFIX [--implicit]

Listens on 127.0.0.1:P (0: any free port), writes the port number to
PREFIX.ready once listening, then
serves exactly one connection and exits. It records what the client did:

  PREFIX.raw     every byte the client sent (decrypted after TLS), in order
  PREFIX.events  one line per event: "CMD <verb>", "TLS-OK", "TLS-FAIL why",
                 "DATA <n> bytes", "EOF", "CLOSE-BY-SERVER", ...
  PREFIX.data    the DATA payload exactly as received, up to and including
                 the first end-of-data sequence CRLF.CRLF (or what came
                 before the connection ended)

Scenarios (what the server does wrong; everything else is accepted so that
a client that carries on is caught sending):
  good            STARTTLS with a valid certificate, AUTH PLAIN/LOGIN, accepts
  notls           EHLO does not offer STARTTLS (offers AUTH, to tempt)
  starttls454     STARTTLS refused with 454
  inject          "220 ready" and "250-injected" in one write after STARTTLS
  wronghost       certificate valid but for wrong.example
  unknownca       certificate for localhost from an unrelated CA
  dataclose       closes the connection in the middle of the DATA payload
  dataclose-end   reads the whole payload, then closes without a reply
  rcpt550         the second RCPT TO is refused with 550
  greet421        greeting is 421, then close
  longline        the EHLO reply has a 100 KB line
  noauth          after TLS, EHLO no longer offers AUTH
  auth535         AUTH is refused with 535
  garbage         greets with an HTTP status line instead of 220
  data554         the message is refused after the payload (554)
  silent          accepts the connection and never says anything
  bdat            offers CHUNKING after TLS and takes BDAT chunks
  bdatclose       offers CHUNKING, closes at the first BDAT (or DATA)
  manylines       the EHLO reply has 20000 lines
  escape          refuses the recipient with terminal escape sequences
  nulreply        refuses the recipient with a NUL in the reply text
  drip            good, but every reply is sent one byte per TCP segment
  slowdrip        the greeting never ends: "220-" lines, one byte every
                  0.3 s (each within any read timeout), until the client
                  closes
  slowdrip-final  good, but the reply to the end of data never ends
                  ("250-" lines, one byte every 0.3 s)
  capsdiffer      before TLS: CHUNKING, AUTH PLAIN LOGIN; after TLS: only
                  AUTH SCRAM-SHA-256 (a real SCRAM exchange), no CHUNKING
  inject-late     "220" to STARTTLS, then 0.3 s later plaintext "250-..."
                  lines before the handshake
  endless         the EHLO reply line never ends (no CRLF, 256 MB at most)
  endless-lines   the EHLO reply never ends (250- lines, 256 MB at most)
  bignum          the EHLO reply has SIZE with a 10 KB number
  bigsize         the EHLO reply has SIZE 99999999999999999999999999999
  extrareply      an unsolicited "250" after the EHLO reply (same write)
  cont334         MAIL FROM answered with a 334 AUTH continuation
  mid421          MAIL FROM answered with 421, then close
  rcpt551         RCPT answered "551 User not local; please try <...>"
  sasl-*          good, but AUTH offers SCRAM-SHA-256 and PLAIN and the
                  exchange is one of saslfake.py's hostile scenarios
In every scenario the pre-TLS EHLO offers AUTH too, to tempt a client
into sending credentials before TLS.
With --implicit the connection starts with TLS (smtps).
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


class Session:
    def __init__(self, conn, args):
        self.sock = conn
        self.args = args
        self.buf = b""
        self.tls = False
        self.raw = open(args.log + ".raw", "wb")
        self.ev = open(args.log + ".events", "w")
        self.rcpts = 0

    def event(self, text):
        self.ev.write(text + "\n")
        self.ev.flush()

    def send(self, data):
        try:
            if self.args.scenario == "drip":
                for i in range(len(data)):
                    self.sock.sendall(data[i:i + 1])
                    time.sleep(0.0005)
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
            if len(self.buf) > 100000:
                self.event("LINE-TOO-LONG")
                raise EOFError
            self.recv_more()
        i = self.buf.index(CRLF)
        ln, self.buf = self.buf[:i], self.buf[i + 2:]
        return ln

    def ctx(self):
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        name = {"wronghost": "wronghost", "unknownca": "other-server"}.get(
            self.args.scenario, "server")
        d = self.args.certs
        c.load_cert_chain(os.path.join(d, name + ".crt"),
                          os.path.join(d, name + ".key"))
        return c

    def start_tls(self):
        if self.buf:
            # bytes the client pipelined after STARTTLS: RFC 3207 says the
            # server must discard them; record that it happened
            self.event("PIPELINED-BEFORE-TLS %d" % len(self.buf))
            self.buf = b""
        try:
            self.sock.settimeout(10)
            self.sock = self.ctx().wrap_socket(self.sock, server_side=True)
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

    flood = fakeio.flood   # head, then unit until the client gives up
    drip = fakeio.drip     # head, then unit a byte every 0.3 s

    def ehlo_reply(self):
        sc = self.args.scenario
        if sc == "endless":
            self.flood(b"250-mx.fake.test greets you\r\n250-X-LONG ", b"A")
        if sc == "endless-lines":
            self.flood(b"250-mx.fake.test greets you\r\n", b"250-X-FILLER\r\n")
        lines = [b"mx.fake.test greets you", b"PIPELINING", b"8BITMIME",
                 b"ENHANCEDSTATUSCODES", b"SIZE 10240000"]
        if sc == "longline":
            lines.insert(1, b"X-LONG " + b"A" * 102400)
        if sc == "manylines":
            lines[1:1] = [b"X-FILLER-%05d" % i for i in range(20000)]
        if sc == "bignum":
            lines[4] = b"SIZE " + b"9" * 10240
        if sc == "bigsize":
            lines[4] = b"SIZE 99999999999999999999999999999"
        if sc == "capsdiffer":
            lines.append(b"AUTH SCRAM-SHA-256" if self.tls else b"AUTH PLAIN LOGIN")
            if not self.tls:
                lines.append(b"CHUNKING")
        if not self.tls and sc != "notls":
            lines.append(b"STARTTLS")
        if sc == "capsdiffer":
            pass
        elif sc.startswith("sasl-"):
            lines.append(b"AUTH " + " ".join(saslfake.mechs(sc)).encode())
        elif not (self.tls and sc == "noauth"):
            lines.append(b"AUTH PLAIN LOGIN")
        if self.tls and sc.startswith("bdat"):
            lines.append(b"CHUNKING")
        # joined once: += over 20000 lines was quadratic (seconds)
        out = b"".join(b"250" + (b" " if i == len(lines) - 1 else b"-") +
                       ln + CRLF for i, ln in enumerate(lines))
        if sc == "extrareply" and not self.tls:
            out += b"250 2.0.0 unsolicited\r\n"
        return out

    def data(self):
        sc = self.args.scenario
        self.send(b"354 go ahead\r\n")
        payload = b""
        # the end of data may be ".\r\n" at the very start
        end = CRLF + b"." + CRLF
        while True:
            if sc == "dataclose" and self.buf:
                # close as soon as the first payload bytes arrive, whatever
                # else is in them
                with open(self.args.log + ".data", "wb") as f:
                    f.write(self.buf)
                self.event("DATA %d bytes (partial)" % len(self.buf))
                self.event("CLOSE-BY-SERVER")
                raise EOFError
            if payload == b"" and self.buf.startswith(b"." + CRLF):
                payload, self.buf = b"." + CRLF, self.buf[3:]
                break
            k = (payload + self.buf).find(end)
            if k >= 0:
                whole = payload + self.buf
                payload, self.buf = whole[:k + 5], whole[k + 5:]
                break
            payload += self.buf
            self.buf = b""
            try:
                self.recv_more()
            except EOFError:
                with open(self.args.log + ".data", "wb") as f:
                    f.write(payload)
                raise
        with open(self.args.log + ".data", "wb") as f:
            f.write(payload)
        self.event("DATA %d bytes" % len(payload))
        if sc == "dataclose-end":
            self.event("CLOSE-BY-SERVER")
            raise EOFError
        if sc == "data554":
            self.send(b"554 5.7.1 Message refused: looks like spam\r\n")
            return
        if sc == "slowdrip-final":
            self.drip(b"", b"250-still thinking\r\n")
        self.send(b"250 2.0.0 Ok: queued as FAKE1\r\n")

    def bdat(self, ln):
        parts = ln.split()
        try:
            n = int(parts[1])
        except (IndexError, ValueError):
            self.send(b"501 5.5.4 Syntax: BDAT count [LAST]\r\n")
            return
        last = len(parts) > 2 and parts[2].upper() == b"LAST"
        if self.args.scenario == "bdatclose":
            self.event("BDAT %d (closing)" % n)
            self.event("CLOSE-BY-SERVER")
            raise EOFError
        while len(self.buf) < n:
            self.recv_more()
        chunk, self.buf = self.buf[:n], self.buf[n:]
        self.bdat_payload = getattr(self, "bdat_payload", b"") + chunk
        self.event("BDAT %d%s" % (n, " LAST" if last else ""))
        if last:
            with open(self.args.log + ".data", "wb") as f:
                f.write(self.bdat_payload)
            self.bdat_payload = b""
            self.send(b"250 2.0.0 Ok: queued as FAKE2\r\n")
        else:
            self.send(b"250 2.0.0 %d octets received\r\n" % n)

    def sasl(self, mech, initial):
        sc = self.args.scenario
        out, data = saslfake.exchange(
            "sasl-scram-good" if sc == "capsdiffer" else sc, mech.decode("ascii", "replace"), initial,
            lambda t: self.send(b"334 " + t + CRLF), self.line, self.event,
            self.args.password)
        if out == "ok":
            self.send(b"235 2.7.0 " + (data if data is not None else
                                       b"Authentication successful") + CRLF)
        elif out == "cancel":
            self.send(b"501 5.7.0 Authentication aborted\r\n")
        else:
            self.send(b"535 5.7.8 Authentication credentials invalid\r\n")

    def run(self):
        sc = self.args.scenario
        if self.args.implicit:
            self.start_tls()
        if sc == "silent":
            self.event("SILENT")
            try:
                self.recv_more()
                while True:
                    self.recv_more()
            except EOFError:
                pass
            return
        if sc == "garbage":
            self.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            self.event("CLOSE-BY-SERVER")
            return
        if sc == "greet421":
            self.send(b"421 4.3.2 mx.fake.test service not available\r\n")
            self.event("CLOSE-BY-SERVER")
            return
        if sc == "slowdrip":
            try:
                self.drip(b"", b"220-mx.fake.test slowly\r\n")
            except EOFError:
                return
        self.send(b"220 mx.fake.test ESMTP fake\r\n")
        while True:
            ln = self.line()
            verb = ln.split(b" ", 1)[0].upper().decode("ascii", "replace")
            self.event("CMD " + verb)
            if verb in ("EHLO", "HELO"):
                self.send(self.ehlo_reply())
            elif verb == "STARTTLS":
                if sc == "starttls454":
                    self.send(b"454 4.7.0 TLS not available due to temporary reason\r\n")
                elif sc == "inject":
                    self.send(b"220 2.0.0 Ready to start TLS\r\n250-injected\r\n")
                    self.start_tls()
                elif sc == "inject-late":
                    self.send(b"220 2.0.0 Ready to start TLS\r\n")
                    time.sleep(0.3)
                    self.send(b"250-injected\r\n250 AUTH PLAIN\r\n")
                    self.event("INJECTED")
                    self.start_tls()
                else:
                    self.send(b"220 2.0.0 Ready to start TLS\r\n")
                    self.start_tls()
            elif verb == "AUTH":
                parts = ln.split(b" ")
                mech = parts[1].upper() if len(parts) > 1 else b""
                if sc == "capsdiffer" and mech != b"SCRAM-SHA-256":
                    self.event("AUTH-WRONG-MECH")
                    self.send(b"504 5.5.4 Mechanism not available\r\n")
                    continue
                if sc.startswith("sasl-") or sc == "capsdiffer":
                    self.sasl(mech, parts[2] if len(parts) > 2 else None)
                    continue
                if mech == b"LOGIN":
                    if len(parts) < 3:
                        self.send(b"334 VXNlcm5hbWU6\r\n")
                        self.event("AUTH-LINE " + self.line().decode("ascii", "replace"))
                    self.send(b"334 UGFzc3dvcmQ6\r\n")
                    self.event("AUTH-LINE " + self.line().decode("ascii", "replace"))
                elif len(parts) < 3:
                    self.send(b"334 \r\n")
                    self.event("AUTH-LINE " + self.line().decode("ascii", "replace"))
                else:
                    self.event("AUTH-LINE " + parts[2].decode("ascii", "replace"))
                if sc == "auth535":
                    self.send(b"535 5.7.8 Authentication credentials invalid\r\n")
                else:
                    self.send(b"235 2.7.0 Authentication successful\r\n")
            elif verb == "MAIL" and sc == "cont334":
                self.send(b"334 VXNlcm5hbWU6\r\n")
            elif verb == "MAIL" and sc == "mid421":
                self.send(b"421 4.3.2 Shutting down for maintenance\r\n")
                self.event("CLOSE-BY-SERVER")
                raise EOFError
            elif verb == "MAIL":
                self.rcpts = 0
                self.send(b"250 2.1.0 Ok\r\n")
            elif verb == "RCPT":
                self.rcpts += 1
                if sc == "escape":
                    self.send(b"550 5.1.1 \x1b]0;owned\x07\x1b[2J\x1b[31mUser unknown\x1b[0m\r\n")
                elif sc == "rcpt551":
                    self.send(b"551 5.1.6 User not local; please try <bob@evil.test>\r\n")
                elif sc == "nulreply":
                    self.send(b"550 5.1.1 User\x00 unknown\r\n")
                elif sc == "rcpt550" and self.rcpts == 2:
                    addr = ln[ln.find(b"<"):ln.find(b">") + 1]
                    self.send(b"550 5.1.1 " + addr +
                              b": Recipient address rejected: User unknown\r\n")
                else:
                    self.send(b"250 2.1.5 Ok\r\n")
            elif verb == "DATA" and sc == "bdatclose":
                self.event("CLOSE-BY-SERVER")
                raise EOFError
            elif verb == "DATA":
                self.data()
            elif verb == "BDAT":
                self.bdat(ln)
            elif verb == "RSET":
                self.send(b"250 2.0.0 Ok\r\n")
            elif verb == "NOOP":
                self.send(b"250 2.0.0 Ok\r\n")
            elif verb == "QUIT":
                self.send(b"221 2.0.0 Bye\r\n")
                return
            else:
                self.send(b"502 5.5.2 Error: command not recognized\r\n")


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
