#!/usr/bin/env python3
"""What Dovecot really holds, asked with Python's own imaplib (the
independent client the IMAP interop tests compare libmail with).

  imap_oracle.py ENVFILE USER PASSWORD COMMAND [ARGS]

Connects to LM_IMAPS_PORT (implicit TLS, verified with LM_CAFILE).
Mailbox names are UTF-8 here; this file encodes them to modified UTF-7
itself (RFC 3501 5.1.3), independently of libmail.

Commands (output on stdout; exit 1 with a reason on failure):
  fetch MAILBOX UID OUT     raw message (BODY.PEEK[]) into OUT
  flags MAILBOX UID         the flags, sorted, one line
  uids MAILBOX              every UID, one per line
  search MAILBOX KEYS...    UID SEARCH result, one per line
  status MAILBOX            "MESSAGES n UIDNEXT n UIDVALIDITY n UNSEEN n"
  list                      every mailbox name (UTF-8), one per line
  exists MAILBOX            exit 0 if the mailbox exists, else 1
  append MAILBOX FILE       append FILE, print its UID (UIDPLUS)
  store MAILBOX UID FLAGS   +FLAGS (FLAGS) on UID
  highestmodseq MAILBOX     HIGHESTMODSEQ from STATUS
  expunge MAILBOX UID       \\Deleted + UID EXPUNGE
"""
import base64
import imaplib
import re
import signal
import ssl
import sys


def mutf7_encode(s):
    out, run = [], []

    def flush():
        if run:
            b = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(b).decode().rstrip("=")
                       .replace("/", ",") + "-")
            run.clear()
    for ch in s:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(s):
    def dec(m):
        t = m.group(1)
        if t == "":
            return "&"
        t = t.replace(",", "/")
        t += "=" * (-len(t) % 4)
        return base64.b64decode(t).decode("utf-16-be")
    return re.sub(r"&([^-]*)-", dec, s)


def quote(name):
    e = mutf7_encode(name)
    return '"' + e.replace("\\", "\\\\").replace('"', '\\"') + '"'


def env(path):
    d = {}
    for ln in open(path):
        ln = ln.strip()
        if "=" in ln and not ln.startswith("#"):
            k, v = ln.split("=", 1)
            d[k] = v.strip("'")
    return d


def check(r, what):
    typ, data = r
    if typ != "OK":
        sys.exit("%s: %s %r" % (what, typ, data))
    return data


def main():
    # a reader that stops early (grep -q) is not an error
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    e = env(sys.argv[1])
    user, pw, cmd = sys.argv[2], sys.argv[3], sys.argv[4]
    a = sys.argv[5:]
    ctx = ssl.create_default_context(cafile=e["LM_CAFILE"])
    m = imaplib.IMAP4_SSL("localhost", int(e["LM_IMAPS_PORT"]), ssl_context=ctx,
                          timeout=30)
    check(m.login(user, pw), "login")
    if cmd == "list":
        for ln in check(m.list(), "list"):
            s = ln.decode()
            mm = re.match(r'\(([^)]*)\) (?:"[^"]*"|NIL) (.*)$', s)
            name = mm.group(2)
            if name.startswith('"'):
                name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            print(mutf7_decode(name))
    elif cmd == "exists":
        data = check(m.list('""', quote(a[0])), "list")
        sys.exit(0 if data and data[0] is not None else 1)
    elif cmd == "status":
        data = check(m.status(quote(a[0]),
                              "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"), "status")
        s = data[0].decode()
        print(s[s.rindex("(") + 1:s.rindex(")")])
    elif cmd == "highestmodseq":
        data = check(m.status(quote(a[0]), "(HIGHESTMODSEQ)"), "status")
        print(re.search(r"HIGHESTMODSEQ (\d+)", data[0].decode()).group(1))
    elif cmd == "append":
        with open(a[1], "rb") as f:
            msg = f.read()
        data = check(m.append(quote(a[0]), None, None, msg), "append")
        print(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1).decode())
    else:
        check(m.select(quote(a[0])), "select")
        if cmd == "fetch":
            data = check(m.uid("FETCH", a[1], "(BODY.PEEK[])"), "fetch")
            body = None
            for part in data:
                if isinstance(part, tuple):
                    body = part[1]
            if body is None:
                sys.exit("fetch: no message with UID %s" % a[1])
            with open(a[2], "wb") as f:
                f.write(body)
        elif cmd == "flags":
            data = check(m.uid("FETCH", a[1], "(FLAGS)"), "fetch")
            if not data or data[0] is None:
                sys.exit("flags: no message with UID %s" % a[1])
            fl = re.search(rb"FLAGS \(([^)]*)\)", data[0]).group(1).decode()
            print(" ".join(sorted(fl.split())))
        elif cmd == "uids":
            for u in check(m.uid("SEARCH", "ALL"), "search")[0].split():
                print(u.decode())
        elif cmd == "search":
            for u in check(m.uid("SEARCH", *a[1:]), "search")[0].split():
                print(u.decode())
        elif cmd == "store":
            check(m.uid("STORE", a[1], "+FLAGS", "(%s)" % a[2]), "store")
        elif cmd == "expunge":
            check(m.uid("STORE", a[1], "+FLAGS", "(\\Deleted)"), "store")
            check(m.uid("EXPUNGE", a[1]), "expunge")
        else:
            sys.exit("unknown command " + cmd)
    m.logout()


if __name__ == "__main__":
    main()
