#!/usr/bin/env python3
"""Checks a DATA payload as a server received it (fakesmtp.py's .data file).

  check_data.py [--bdat] PAYLOAD [ORIGINAL]

PAYLOAD must hold exactly one end-of-data sequence CRLF.CRLF, at its very
end (RFC 5321 4.1.1.4), no bare CR or LF (RFC 5321 2.3.8), and every line
that starts with "." must be dot-stuffed (4.5.2). With ORIGINAL (the file
given to the client with --raw), the payload with the dots removed must
carry the same lines: line ends CRLF, lone CR and lone LF all count as one
line break. With --bdat the payload came in BDAT chunks (RFC 3030): no
end-of-data sequence and no dot-stuffing, but still no bare CR or LF. Prints the first problem found and exits 1, or exits 0.
"""
import re
import sys


def lines_of(b):
    # every CRLF, lone CR, lone LF is one line break
    parts = re.split(rb"\r\n|\r|\n", b)
    if parts and parts[-1] == b"":
        parts.pop()
    return parts


def main():
    bdat = len(sys.argv) > 1 and sys.argv[1] == "--bdat"
    if bdat:
        del sys.argv[1]
    payload = open(sys.argv[1], "rb").read()
    eod = b"\r\n.\r\n"
    if bdat:
        # BDAT (RFC 3030): no end-of-data line and no dot-stuffing, but
        # still CRLF line ends only
        body = payload
        if body and not body.endswith(b"\r\n"):
            print("BDAT payload does not end with CRLF")
            return 1
    elif payload == b".\r\n":
        body = b""
    else:
        if not payload.endswith(eod):
            print("payload does not end with CRLF.CRLF")
            return 1
        n = payload.count(eod)
        if n != 1:
            print("payload holds %d end-of-data sequences" % n)
            return 1
        body = payload[:-3]  # keep the CRLF that ends the last line
    m = re.search(rb"\r(?!\n)|(?<!\r)\n", body)
    if m:
        print("bare %s at offset %d" % ("CR" if m.group() == b"\r" else "LF",
                                         m.start()))
        return 1
    sent = body.split(b"\r\n")[:-1] if body else []
    for i, ln in enumerate(sent):
        if bdat:
            break
        if ln.startswith(b".") and not ln.startswith(b".."):
            print("line %d starts with an unstuffed dot: %r" % (i + 1, ln[:40]))
            return 1
    if len(sys.argv) > 2:
        orig = lines_of(open(sys.argv[2], "rb").read())
        got = sent if bdat else [ln[1:] if ln.startswith(b".") else ln for ln in sent]
        if got != orig:
            for i, (a, b) in enumerate(zip(orig, got)):
                if a != b:
                    print("line %d differs: sent %r, received %r" % (i + 1, a[:60], b[:60]))
                    return 1
            print("line count differs: sent %d, received %d" % (len(orig), len(got)))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
