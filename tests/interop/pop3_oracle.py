#!/usr/bin/env python3
"""Python's poplib as the independent oracle for the pop3-fetch tests.

  pop3_oracle.py snapshot PORT CAFILE USER PWFILE OUT.json
      read the whole mailbox over POP3S with poplib (LIST, UIDL, RETR of
      every message) into OUT.json; prints the message count
  pop3_oracle.py count PORT CAFILE USER PWFILE
      STAT count over POP3S
  pop3_oracle.py list SNAP.json
      the expected `pop3-fetch --list` output ("NUMBER SIZE UIDL")
  pop3_oracle.py compare SNAP.json MAILDIR [SERVER_MAILDIR]
      every message of the snapshot is in MAILDIR (new/ or cur/) exactly
      once, byte for byte as poplib received it, and MAILDIR holds
      nothing else; with SERVER_MAILDIR also every file there, with its
      LF line ends turned into CRLF (what Dovecot's POP3 serves), is one
      of the local files. Prints "ok: ..." or the first difference.
  pop3_oracle.py subset SNAP.json MAILDIR
      like compare, but MAILDIR may hold more messages than the snapshot
"""
import base64
import json
import os
import poplib
import ssl
import sys


def connect(port, ca, user, pwfile):
    ctx = ssl.create_default_context(cafile=ca)
    p = poplib.POP3_SSL("localhost", int(port), context=ctx, timeout=30)
    p.user(user)
    with open(pwfile) as f:
        p.pass_(f.read().strip("\r\n"))
    return p


def snapshot(port, ca, user, pwfile, out):
    p = connect(port, ca, user, pwfile)
    _, listing, _ = p.list()
    _, uidls, _ = p.uidl()
    sizes = dict(l.split()[:2] for l in listing)
    uids = dict(l.split()[:2] for l in uidls)
    msgs = []
    for n in sorted(sizes, key=int):
        _, lines, _ = p.retr(int(n))
        # poplib removes CRLF and the dot-stuffing; the server sent CRLF
        data = b"".join(l + b"\r\n" for l in lines)
        msgs.append({"n": int(n), "size": int(sizes[n]),
                     "uid": uids[n].decode("ascii"),
                     "data": base64.b64encode(data).decode()})
    p.quit()
    with open(out, "w") as f:
        json.dump(msgs, f)
    print(len(msgs))


def local_files(md):
    files = {}
    for sub in ("new", "cur"):
        for name in os.listdir(os.path.join(md, sub)):
            with open(os.path.join(md, sub, name), "rb") as f:
                files.setdefault(f.read(), []).append(sub + "/" + name)
    return files


def compare(snap, md, server_md, exact):
    with open(snap) as f:
        msgs = json.load(f)
    files = local_files(md)
    want = {}
    for m in msgs:
        want.setdefault(base64.b64decode(m["data"]), []).append(m["uid"])
    for data, names in files.items():
        if len(names) > 1:
            return "saved %d times: %s" % (len(names), " ".join(names))
        if exact and data not in want:
            return "local file %s (%d bytes) is none of the server's messages" % (
                names[0], len(data))
    for data, uids in want.items():
        if data not in files:
            return "message UIDL %s (%d bytes) not in the Maildir" % (uids[0], len(data))
    nserver = 0
    if server_md:
        for sub in ("new", "cur"):
            for name in os.listdir(os.path.join(server_md, sub)):
                with open(os.path.join(server_md, sub, name), "rb") as f:
                    d = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                nserver += 1
                if d not in files:
                    return "server file %s/%s (as CRLF) not in the local Maildir" % (
                        sub, name)
    return "ok: %d messages, %d local files, %d server files compared" % (
        len(msgs), sum(len(v) for v in files.values()), nserver)


def main():
    a = sys.argv[1:]
    if a[:1] == ["snapshot"]:
        snapshot(*a[1:6])
        return 0
    if a[:1] == ["count"]:
        p = connect(*a[1:5])
        print(p.stat()[0])
        p.quit()
        return 0
    if a[:1] == ["list"]:
        with open(a[1]) as f:
            for m in json.load(f):
                print("%d %d %s" % (m["n"], m["size"], m["uid"]))
        return 0
    if a[:1] in (["compare"], ["subset"]):
        r = compare(a[1], a[2], a[3] if len(a) > 3 else None, a[0] == "compare")
        print(r)
        return 0 if r.startswith("ok:") else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
