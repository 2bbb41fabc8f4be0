#!/usr/bin/env python3
"""A scripted, hostile fake POP3 server for pop3-fetch tests.

  fakepop3.py --port P --scenario NAME --certs DIR --log PREFIX
              --mailbox FILE [--implicit] [--cut N]

Listens on 127.0.0.1:P (0: any free port), writes the port number to
PREFIX.ready once listening, serves exactly one connection and exits.

The mailbox is a JSON file: a list of {"uid": str, "data": base64}. It is
read at start; deletions (DELE) are applied to it only when the client
sends QUIT and the server answers +OK (RFC 1939 UPDATE state), by
rewriting the file. A session that ends any other way deletes nothing.

Records:
  PREFIX.events  "CMD <verb>", "TLS-OK", "TLS-FAIL why", "CUT ...",
                 "COMMIT n deleted", "EOF", "AFTER-STLS <bytes>" ...
  PREFIX.raw     what the client sent (decrypted after TLS)

Scenarios:
  good          STLS, CAPA (USER, SASL PLAIN, UIDL, TOP, RESP-CODES,
                PIPELINING), every command works
  plain         like good but without STLS (for --plaintext)
  nostls        CAPA offers USER and SASL but no STLS
  inject        "+OK begin TLS" and "+OK injected" in one write after STLS
  inuse         authentication answered "-ERR [IN-USE] locked"
  nodot         RETR body ends without the terminating "." and the
                server closes
  retrcut       the N-th RETR (--cut N, default 2) stops half-way, close
  delecut       the N-th DELE (--cut N, default 2) gets no reply, close
  quitcut       QUIT commits the deletions, then closes without +OK
  longline      the CAPA reply carries a 100 KB line
  hugebody      RETR of message 1 carries a 100 KB line inside the body
  dupuid        UIDL lists the same uid for two different messages
  capsdiffer    before TLS: USER, SASL PLAIN; after TLS: only SASL
                SCRAM-SHA-256 (a real SCRAM exchange), no USER
  noauth-after  after TLS, CAPA offers neither USER nor SASL
  stlserr       STLS offered, answered -ERR
  inject-late   "+OK" to STLS, then 0.3 s later plaintext "+OK injected"
  endless       the CAPA reply line never ends (no CRLF, 256 MB at most)
  endless-list  the UIDL listing never ends (64 MB at most)
  endless-body  the RETR of message 1 never ends (64 MB at most)
  slowdrip      the RETR of message 1 never ends: one byte every 0.3 s
                (each within any read timeout), until the client closes
  slowdrip-drain  the RETR of message 1 sends 1.5 MB at once (past what
                pop3-fetch accepts for its LIST size, so its callback
                fails), then never ends: one byte every 0.3 s
  bignum        STAT answers a 10 KB message count
  bigsize       LIST gives message 1 a size of 99999999999999999999999
  nul           UIDL gives message 1 a UID with a NUL byte
  extrareply    an unsolicited "+OK" after the CAPA listing (same write)
  cont          STAT answered with a "+ " continuation request
  barelf        good, but every line the server sends ends with LF alone
                (status lines, listings, dot-stuffed bodies, ".\n")
  sasl-*        good, but CAPA offers SASL SCRAM-SHA-256 PLAIN and the
                AUTH exchange is one of saslfake.py's hostile scenarios
With --implicit the connection starts with TLS (pop3s).
"""
import argparse
import base64
import json
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
        with open(args.mailbox) as f:
            self.box = json.load(f)
        self.msgs = [base64.b64decode(m["data"]) for m in self.box]
        self.uids = [m["uid"].encode("ascii") for m in self.box]
        self.deleted = set()
        self.authed = False
        self.user = None
        self.nretr = 0
        self.ndele = 0

    def event(self, text):
        self.ev.write(text + "\n")
        self.ev.flush()

    def send(self, data):
        if self.args.scenario == "barelf":
            data = data.replace(CRLF, b"\n")
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
        d = self.args.certs
        c.load_cert_chain(os.path.join(d, "server.crt"),
                          os.path.join(d, "server.key"))
        return c

    def start_tls(self):
        if self.buf:
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

    def capa(self):
        sc = self.args.scenario
        if sc == "endless":
            self.flood(b"+OK Capability list follows\r\nX-LONG ", b"A")
        if sc == "capsdiffer" or (sc == "noauth-after" and self.tls):
            lines = [b"+OK Capability list follows", b"TOP", b"UIDL",
                     b"RESP-CODES", b"PIPELINING"]
            if sc == "capsdiffer":
                lines.append(b"SASL SCRAM-SHA-256" if self.tls else b"USER")
                if not self.tls:
                    lines.append(b"SASL PLAIN")
            if not self.tls:
                lines.insert(1, b"STLS")
            return CRLF.join(lines) + CRLF + b"." + CRLF
        lines = [b"+OK Capability list follows", b"TOP", b"UIDL",
                 b"RESP-CODES", b"PIPELINING", b"USER", b"SASL PLAIN"]
        if sc.startswith("sasl-"):
            lines[-1] = b"SASL " + " ".join(saslfake.mechs(sc)).encode()
        if not self.tls and sc not in ("nostls", "plain"):
            lines.insert(1, b"STLS")
        if sc == "longline":
            lines.insert(1, b"X-LONG " + b"A" * 102400)
        out = CRLF.join(lines) + CRLF + b"." + CRLF
        if sc == "extrareply" and not self.tls:
            out += b"+OK unsolicited\r\n"
        return out

    def live(self):
        return [i for i in range(len(self.msgs)) if i not in self.deleted]

    def msgno(self, ln):
        try:
            n = int(ln.split()[1])
        except (IndexError, ValueError):
            return None
        if n < 1 or n > len(self.msgs) or (n - 1) in self.deleted:
            return None
        return n - 1

    def stuffed(self, data):
        out = []
        for ln in data.split(b"\r\n"):
            out.append(b"." + ln if ln.startswith(b".") else ln)
        body = b"\r\n".join(out)
        if not body.endswith(CRLF):
            body += CRLF
        return body

    def uidof(self, i):
        if self.args.scenario == "dupuid" and i == 1:
            return self.uids[0]
        return self.uids[i]

    def auth_ok(self):
        if self.args.scenario == "inuse":
            self.send(b"-ERR [IN-USE] Mailbox is locked by another session\r\n")
            return
        self.authed = True
        self.send(b"+OK Logged in.\r\n")

    def commit(self):
        keep = [m for i, m in enumerate(self.box) if i not in self.deleted]
        tmp = self.args.mailbox + ".tmp"
        with open(tmp, "w") as f:
            json.dump(keep, f)
        os.rename(tmp, self.args.mailbox)
        self.event("COMMIT %d deleted" % len(self.deleted))

    def run(self):
        sc = self.args.scenario
        cut = self.args.cut
        if self.args.implicit:
            self.start_tls()
        self.send(b"+OK fake POP3 ready <1896.697170952@fake.test>\r\n")
        while True:
            ln = self.line()
            verb = ln.split(b" ", 1)[0].upper().decode("ascii", "replace")
            self.event("CMD " + verb)
            if verb == "CAPA":
                self.send(self.capa())
            elif verb == "STLS":
                if self.tls or sc in ("nostls", "plain"):
                    self.send(b"-ERR STLS not available\r\n")
                elif sc == "stlserr":
                    self.send(b"-ERR [SYS/TEMP] TLS not available right now\r\n")
                elif sc == "inject-late":
                    self.send(b"+OK Begin TLS negotiation\r\n")
                    time.sleep(0.3)
                    self.send(b"+OK injected\r\n")
                    self.event("INJECTED")
                    self.start_tls()
                elif sc == "inject":
                    self.send(b"+OK Begin TLS negotiation\r\n+OK injected\r\n")
                    # anything the client sends now (in plaintext) is a bug
                    try:
                        self.sock.settimeout(3)
                        self.recv_more()
                        self.event("AFTER-STLS %r" % self.buf[:60])
                    except (EOFError, socket.timeout):
                        pass
                    raise EOFError
                else:
                    self.send(b"+OK Begin TLS negotiation\r\n")
                    self.start_tls()
            elif sc == "capsdiffer" and (
                    verb in ("USER", "PASS", "APOP") or (verb == "AUTH" and (
                        ln.split(b" ") + [b""])[1].upper() != b"SCRAM-SHA-256")):
                self.event("AUTH-WRONG-MECH")
                self.send(b"-ERR not offered\r\n")
            elif verb == "AUTH" and sc == "capsdiffer":
                parts = ln.split(b" ")
                out, _ = saslfake.exchange(
                    "sasl-scram-good", "SCRAM-SHA-256",
                    parts[2] if len(parts) > 2 else None,
                    lambda t: self.send(b"+ " + t + CRLF), self.line,
                    self.event, self.args.password)
                if out == "ok":
                    self.auth_ok()
                else:
                    self.send(b"-ERR [AUTH] authentication failed\r\n")
            elif verb == "USER":
                self.user = ln[5:]
                self.send(b"+OK\r\n")
            elif verb == "PASS":
                self.event("PASS-LINE " + ln[5:].decode("ascii", "replace"))
                self.auth_ok()
            elif verb == "AUTH" and sc.startswith("sasl-"):
                parts = ln.split(b" ")
                out, _ = saslfake.exchange(
                    sc, parts[1].upper().decode("ascii", "replace")
                    if len(parts) > 1 else "", parts[2] if len(parts) > 2 else None,
                    lambda t: self.send(b"+ " + t + CRLF), self.line,
                    self.event, self.args.password)
                if out == "ok":
                    self.auth_ok()
                elif out == "cancel":
                    self.send(b"-ERR authentication canceled\r\n")
                else:
                    self.send(b"-ERR [AUTH] authentication failed\r\n")
            elif verb == "AUTH":
                parts = ln.split(b" ")
                if len(parts) < 3:
                    self.send(b"+ \r\n")
                    self.event("AUTH-LINE " + self.line().decode("ascii", "replace"))
                else:
                    self.event("AUTH-LINE " + parts[2].decode("ascii", "replace"))
                self.auth_ok()
            elif verb == "APOP":
                self.event("APOP-LINE " + ln[5:].decode("ascii", "replace"))
                self.auth_ok()
            elif not self.authed and verb != "QUIT":
                self.send(b"-ERR not logged in\r\n")
            elif verb == "STAT" and sc == "cont":
                self.send(b"+ \r\n")
            elif verb == "STAT" and sc == "bignum":
                self.send(b"+OK " + b"9" * 10240 + b" 1000\r\n")
            elif verb == "UIDL" and sc == "endless-list" and len(ln.split()) == 1:
                self.flood(b"+OK\r\n", b"1 uid-endless-0001\r\n", 64 << 20)
            elif verb == "STAT":
                live = self.live()
                self.send(b"+OK %d %d\r\n" % (
                    len(live), sum(len(self.msgs[i]) for i in live)))
            elif verb == "LIST" or verb == "UIDL":
                one = len(ln.split()) > 1
                if one:
                    i = self.msgno(ln)
                    if i is None:
                        self.send(b"-ERR no such message\r\n")
                    elif verb == "LIST":
                        self.send(b"+OK %d %d\r\n" % (i + 1, len(self.msgs[i])))
                    else:
                        self.send(b"+OK %d %s\r\n" % (i + 1, self.uidof(i)))
                    continue
                out = [b"+OK"]
                for i in self.live():
                    if verb == "LIST" and sc == "bigsize" and i == 0:
                        out.append(b"1 99999999999999999999999")
                    elif verb == "LIST":
                        out.append(b"%d %d" % (i + 1, len(self.msgs[i])))
                    elif sc == "nul" and i == 0:
                        out.append(b"1 uid-0001\x00-nul")
                    else:
                        out.append(b"%d %s" % (i + 1, self.uidof(i)))
                out.append(b".")
                self.send(CRLF.join(out) + CRLF)
            elif verb == "RETR" or verb == "TOP":
                i = self.msgno(ln)
                if i is None:
                    self.send(b"-ERR no such message\r\n")
                    continue
                self.nretr += 1
                if sc == "slowdrip" and i == 0:
                    self.drip(b"+OK\r\nSubject: drip\r\n\r\n",
                              b"x" * 70 + CRLF)
                if sc == "slowdrip-drain" and i == 0:
                    self.drip(b"+OK\r\nSubject: drip\r\n\r\n" +
                              (b"x" * 70 + CRLF) * 21000, b"x" * 70 + CRLF)
                if sc == "endless-body" and i == 0:
                    self.flood(b"+OK\r\nSubject: endless\r\n\r\n",
                               b"x" * 70 + CRLF, 64 << 20)
                body = self.stuffed(self.msgs[i])
                if sc == "hugebody" and i == 0:
                    body = b"Subject: x\r\n\r\n" + b"B" * 102400 + CRLF
                if sc == "retrcut" and self.nretr == (cut or 2):
                    self.send(b"+OK %d octets\r\n" % len(self.msgs[i]))
                    self.send(body[:len(body) // 2])
                    self.event("CUT RETR %d" % (i + 1))
                    raise EOFError
                if sc == "nodot":
                    self.send(b"+OK %d octets\r\n" % len(self.msgs[i]) + body)
                    self.event("CUT NODOT %d" % (i + 1))
                    raise EOFError
                self.send(b"+OK %d octets\r\n" % len(self.msgs[i]) + body +
                          b"." + CRLF)
            elif verb == "DELE":
                i = self.msgno(ln)
                if i is None:
                    self.send(b"-ERR no such message\r\n")
                    continue
                self.ndele += 1
                if sc == "delecut" and self.ndele == (cut or 2):
                    self.event("CUT DELE %d" % (i + 1))
                    raise EOFError
                self.deleted.add(i)
                self.send(b"+OK message %d deleted\r\n" % (i + 1))
            elif verb == "RSET":
                self.deleted = set()
                self.send(b"+OK\r\n")
            elif verb == "NOOP":
                self.send(b"+OK\r\n")
            elif verb == "QUIT":
                if self.authed:
                    self.commit()
                if sc == "quitcut":
                    self.event("CUT QUIT")
                    raise EOFError
                self.send(b"+OK bye\r\n")
                return
            else:
                self.send(b"-ERR unknown command\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--certs", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mailbox", required=True)
    ap.add_argument("--implicit", action="store_true")
    ap.add_argument("--cut", type=int, default=0)
    ap.add_argument("--password", default="pop-Pa55word")
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
