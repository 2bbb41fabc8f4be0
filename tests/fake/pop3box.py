#!/usr/bin/env python3
"""Mailboxes for fakepop3.py and checks of what pop3-fetch left behind.

  pop3box.py make BOX N [--uids plain|traversal] [--big | --big-last]
      write a JSON mailbox of N messages (each unique, ending in CRLF,
      with lines that start with dots, 8-bit bytes, an empty line, a
      line of a lone dot); --uids traversal gives UIDLs such as
      "../../evil" and "a/b"; --big makes message 1 about 1 MB,
      --big-last the last one
  pop3box.py check ORIG NOW MAILDIR [--all] [--none-deleted] [--lf]
      ORIG: the mailbox before the runs, NOW: the fake's mailbox after
      them. Checks that every file in MAILDIR/new and MAILDIR/cur is one
      of ORIG's messages, byte for byte, and appears once; that every
      message missing from NOW (deleted on the server) is in the Maildir;
      with --all that every ORIG message is in the Maildir; with
      --none-deleted that NOW still holds every ORIG message; with --lf
      the files must hold the messages with LF line ends (as a server
      that ends its lines with LF alone sends them).
      Prints "ok: ..." or the first problem (exit 1).
  pop3box.py list BOX
      the expected --list output: "NUMBER SIZE UIDL" lines.
"""
import base64
import json
import os
import sys


def make(path, n, uids, big):
    box = []
    trav = ["../../evil", "..", "a/b", "./x", "/etc/passwd", "~root", "%2e%2e"]
    for i in range(n):
        body = (b"From: alice@example.test\r\nTo: bob@example.test\r\n"
                b"Subject: fake message %d\r\nMessage-ID: <m%d@fake.test>\r\n"
                b"\r\nline one of message %d\r\n.starts with a dot\r\n"
                b"..two dots\r\n.\r\n\r\n8-bit: \xc3\xa4\xff\x80\r\n"
                b"end\r\n" % (i + 1, i + 1, i + 1))
        if i == big:
            body += (b"x" * 76 + b"\r\n") * (1024 * 1024 // 78)
        if uids == "traversal" and i < len(trav):
            uid = trav[i]
        else:
            uid = "uid-%04d-%s" % (i + 1, "abcdef"[i % 6])
        box.append({"uid": uid, "data": base64.b64encode(body).decode()})
    with open(path, "w") as f:
        json.dump(box, f)


def load(path):
    with open(path) as f:
        return [(m["uid"], base64.b64decode(m["data"])) for m in json.load(f)]


def maildir_files(md):
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(md, sub)
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as f:
                out.append((sub + "/" + name, f.read()))
    return out


def check(orig_p, now_p, md, want_all, none_deleted, lf=False):
    orig = load(orig_p)
    now = load(now_p)
    if lf:
        orig = [(u, d.replace(b"\r\n", b"\n")) for u, d in orig]
        now = [(u, d.replace(b"\r\n", b"\n")) for u, d in now]
    files = maildir_files(md)
    bodies = {}
    for name, data in files:
        bodies.setdefault(data, []).append(name)
    known = set(d for _, d in orig)
    for data, names in bodies.items():
        if data not in known:
            return "file %s is not any of the messages (partial or corrupt: %d bytes)" % (
                names[0], len(data))
        if len(names) > 1:
            return "message saved %d times: %s" % (len(names), " ".join(names))
    now_set = set(d for _, d in now)
    for uid, data in orig:
        if data not in now_set and data not in bodies:
            return "message %s was deleted on the server but is not in the Maildir" % uid
        if want_all and data not in bodies:
            return "message %s is not in the Maildir" % uid
        if none_deleted and data not in now_set:
            return "message %s was deleted from the server" % uid
    tmp = os.listdir(os.path.join(md, "tmp"))
    return "ok: %d messages in the Maildir, %d on the server, %d left in tmp/" % (
        len(files), len(now), len(tmp))


def main():
    a = sys.argv[1:]
    if a[:1] == ["make"]:
        uids = "plain"
        if "--uids" in a:
            uids = a[a.index("--uids") + 1]
        n = int(a[2])
        big = 0 if "--big" in a else n - 1 if "--big-last" in a else -1
        make(a[1], n, uids, big)
        return 0
    if a[:1] == ["check"]:
        r = check(a[1], a[2], a[3], "--all" in a, "--none-deleted" in a,
                  "--lf" in a)
        print(r)
        return 0 if r.startswith("ok:") else 1
    if a[:1] == ["list"]:
        for i, (uid, data) in enumerate(load(a[1])):
            print("%d %d %s" % (i + 1, len(data), uid))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
