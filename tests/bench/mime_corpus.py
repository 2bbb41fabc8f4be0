#!/usr/bin/env python3
"""Generate the MIME benchmark corpora (tests/bench/mime.sh).

usage: mime_corpus.py attach|text OUT MEGABYTES
Writes OUT: messages, each preceded by "<length>\\n". Deterministic.
  attach: text + HTML alternatives, 1-3 base64 attachments of 10 KB to
          2 MB, every fifth message with a nested message/rfc822.
  text:   many small text-only messages (1-4 KB, some quoted-printable,
          15-25 header fields), where header parsing dominates.
"""
import base64
import random
import sys

r = random.Random(42)
WORDS = ("the quick brown fox jumps over lazy dog mail message server client "
         "report attached please find meeting tomorrow regards").split()


def text(nbytes):
    out, n = [], 0
    while n < nbytes:
        line = " ".join(r.choice(WORDS) for _ in range(r.randint(5, 12)))
        out.append(line)
        n += len(line) + 2
    return "\r\n".join(out) + "\r\n"


def headers(i, extra=0):
    h = [
        "Return-Path: <sender%d@example.org>" % i,
        "Received: from mx%d.example.org (mx%d.example.org [192.0.2.%d])\r\n"
        "\tby mail.example.net with ESMTPS id %08x\r\n\tfor <rcpt@example.net>; "
        "Sat, 21 Nov 2026 10:%02d:00 +0000" % (i % 9, i % 9, i % 250, i, i % 60),
        "From: \"Sender %d\" <sender%d@example.org>" % (i, i),
        "To: rcpt@example.net, \"Other Person\" <other@example.net>",
        "Subject: =?utf-8?q?Message_number_%d_=C3=A9t=C3=A9?=" % i,
        "Date: Sat, 21 Nov 2026 10:%02d:%02d +0100" % (i % 60, i % 60),
        "Message-ID: <%d.%08x@example.org>" % (i, r.getrandbits(32)),
        "MIME-Version: 1.0",
    ]
    for k in range(extra):
        h.append("X-Header-%d: %s" % (k, " ".join(r.choice(WORDS) for _ in range(6))))
    return "\r\n".join(h) + "\r\n"


def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\r\n"


def attach_msg(i, nested=False):
    b = "=_b%d_%x" % (i, r.getrandbits(32))
    alt = "=_a%d_%x" % (i, r.getrandbits(32))
    body = text(r.randint(500, 4000))
    parts = [headers(i) + 'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n' % b,
             "This is a multi-part message in MIME format.\r\n",
             "--%s\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n" % (b, alt),
             "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s" % (alt, body),
             "--%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>%s</p></body></html>\r\n" % (alt, body),
             "--%s--\r\n" % alt]
    for k in range(r.randint(1, 3)):
        size = int(10000 * (200 ** r.random()))  # 10 KB .. 2 MB, log-uniform
        data = r.randbytes(size)
        parts.append("--%s\r\nContent-Type: application/octet-stream; name=\"f%d.bin\"\r\n"
                     "Content-Transfer-Encoding: base64\r\n"
                     "Content-Disposition: attachment; filename=\"f%d.bin\"\r\n\r\n%s"
                     % (b, k, k, b64(data)))
    if nested:
        inner = headers(i + 1000000) + "Content-Type: text/plain\r\n\r\n" + text(2000)
        parts.append("--%s\r\nContent-Type: message/rfc822\r\n\r\n%s" % (b, inner))
    parts.append("--%s--\r\n" % b)
    return "".join(parts).encode()


def text_msg(i):
    if r.random() < 0.3:
        body = text(r.randint(800, 3500)).replace("fox", "f=C3=B6x")
        return (headers(i, r.randint(5, 15)) +
                "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + body).encode()
    return (headers(i, r.randint(5, 15)) +
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n" +
            text(r.randint(800, 3500))).encode()


def main():
    kind, out, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
    total, i = 0, 0
    with open(out, "wb") as f:
        while total < mb * 1000000:
            m = attach_msg(i, i % 5 == 0) if kind == "attach" else text_msg(i)
            f.write(b"%d\n" % len(m))
            f.write(m)
            total += len(m)
            i += 1
    print("%s: %d messages, %.1f MB" % (kind, i, total / 1e6))


if __name__ == "__main__":
    main()
