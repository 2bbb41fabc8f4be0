#!/usr/bin/env python3
"""Finds and checks messages delivered by Postfix + Dovecot into a Maildir.

  check_delivery.py find MAILDIR MARKER SECONDS
      wait up to SECONDS for a message containing MARKER in new/ or cur/
      (in its bytes or in its decoded Subject);
      print its path (exit 0), or exit 1
  check_delivery.py absent MAILDIR MARKER SECONDS
      exit 0 if no message with MARKER appears within SECONDS
  check_delivery.py raw FILE SENT
      FILE is the delivered copy of the message SENT (given to --raw):
      every header line of SENT is among FILE's headers and the body
      (after the first empty line) is identical byte for byte, line ends
      compared as LF (Dovecot stores LF)
  check_delivery.py body FILE EXPECTED
      the body of FILE equals the file EXPECTED exactly (line ends as LF)
  check_delivery.py mime FILE [--subject S] [--from A] [--to A]... [--cc A]...
                    [--no-header NAME]... [--text F] [--attach F]...
      parse FILE with Python's email package (an independent MIME
      implementation) and check the decoded headers, the text/plain body
      and each attachment's decoded bytes
Prints the first problem found and exits 1.
"""
import argparse
import email
import email.policy
import os
import re
import sys
import time


def find(maildir, marker, seconds):
    deadline = time.monotonic() + seconds
    m = marker.encode()
    while True:
        for sub in ("new", "cur"):
            d = os.path.join(maildir, sub)
            try:
                names = sorted(os.listdir(d))
            except OSError:
                names = []
            for n in names:
                p = os.path.join(d, n)
                try:
                    with open(p, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                if m in data:
                    return p
                # the marker may sit in an encoded (RFC 2047) Subject
                try:
                    msg = email.message_from_bytes(
                        data, policy=email.policy.default)
                    if marker in str(msg.get("Subject", "")):
                        return p
                except Exception:
                    pass
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)


def lf(b):
    return b.replace(b"\r\n", b"\n")


def split(b):
    b = lf(b)
    i = b.find(b"\n\n")
    if i < 0:
        return b, b""
    return b[:i + 1], b[i + 2:]


def check_raw(path, sent):
    got_h, got_b = split(open(path, "rb").read())
    sent_h, sent_b = split(open(sent, "rb").read())
    if got_b != sent_b:
        a, b = sent_b.split(b"\n"), got_b.split(b"\n")
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return "body line %d: sent %r, delivered %r" % (i + 1, x[:60], y[:60])
        return "body length: sent %d lines, delivered %d" % (len(a), len(b))
    have = set(got_h.split(b"\n"))
    for ln in sent_h.split(b"\n"):
        if ln and ln not in have:
            return "header line not delivered as sent: %r" % ln[:80]
    return None


def check_body(path, expected):
    _, got_b = split(open(path, "rb").read())
    exp = lf(open(expected, "rb").read())
    if got_b != exp:
        return "body differs: expected %r, delivered %r" % (exp[:120], got_b[:120])
    return None


def addrs(msg, name):
    v = msg.get(name)
    if v is None:
        return []
    return [a.addr_spec.lower() for a in v.addresses]


def check_mime(path, a):
    data = open(path, "rb").read()
    for i, ln in enumerate(lf(data).split(b"\n")):
        if len(ln) > 998:
            return "line %d longer than 998 octets (RFC 5322 2.1.1)" % (i + 1)
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if msg.defects:
        return "message defects: %r" % msg.defects
    if a.subject is not None and str(msg.get("Subject", "")) != a.subject:
        return "Subject: expected %r, got %r" % (a.subject, str(msg.get("Subject")))
    if a.frm and a.frm.lower() not in addrs(msg, "From"):
        return "From does not hold %s: %r" % (a.frm, msg.get("From"))
    for x in a.to:
        if x.lower() not in addrs(msg, "To"):
            return "To does not hold %s: %r" % (x, msg.get("To"))
    for x in a.cc:
        if x.lower() not in addrs(msg, "Cc"):
            return "Cc does not hold %s: %r" % (x, msg.get("Cc"))
    for h in a.no_header:
        if h in msg:
            return "header %s must not be delivered: %r" % (h, msg.get(h))
    if msg.get("MIME-Version", "").strip() != "1.0":
        return "no MIME-Version: 1.0"
    if a.text is not None:
        part = msg.get_body(preferencelist=("plain",))
        if part is None:
            return "no text/plain part"
        got = part.get_content().replace("\r\n", "\n").rstrip("\n")
        exp = open(a.text, "rb").read().decode("utf-8").replace("\r\n", "\n").rstrip("\n")
        if got != exp:
            return "text differs: expected %r, got %r" % (exp[:100], got[:100])
    for f in a.attach:
        want = open(f, "rb").read()
        name = os.path.basename(f)
        found = None
        for part in msg.walk():
            if part.get_filename() == name:
                found = part
                break
        if found is None:
            return "no part with filename %s" % name
        got = found.get_payload(decode=True)
        if got != want:
            return "attachment %s: %d bytes delivered, %d sent, or different" % (
                name, len(got or b""), len(want))
    return None


def main(argv):
    if len(argv) == 5 and argv[1] in ("find", "absent"):
        p = find(argv[2], argv[3], float(argv[4]))
        if argv[1] == "find":
            if p is None:
                print("not delivered within %s s" % argv[4])
                return 1
            print(p)
            return 0
        if p is not None:
            print("delivered although it must not be: %s" % p)
            return 1
        return 0
    if len(argv) == 4 and argv[1] == "raw":
        err = check_raw(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "body":
        err = check_body(argv[2], argv[3])
    elif len(argv) >= 3 and argv[1] == "mime":
        ap = argparse.ArgumentParser()
        ap.add_argument("file")
        ap.add_argument("--subject")
        ap.add_argument("--from", dest="frm")
        ap.add_argument("--to", action="append", default=[])
        ap.add_argument("--cc", action="append", default=[])
        ap.add_argument("--no-header", action="append", default=[])
        ap.add_argument("--text")
        ap.add_argument("--attach", action="append", default=[])
        a = ap.parse_args(argv[2:])
        err = check_mime(a.file, a)
    else:
        sys.stderr.write(__doc__)
        return 2
    if err:
        print(err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
