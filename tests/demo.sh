#!/bin/sh
# `make demo`: send a real message with examples/mail-send through a
# private Postfix (STARTTLS + AUTH, SASL checked by Dovecot), show the SMTP
# dialogue, wait for Dovecot to deliver it, print the delivered file, read
# it back over IMAP with examples/imap-client, download it over POP3 (STLS)
# into a Maildir with examples/pop3-fetch, and stop the servers again.
set -u
# our own makes run with their own -j; not the jobserver of a calling make
unset MAKEFLAGS MFLAGS MAKELEVEL
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
PATH=$PATH:/usr/sbin:/sbin

sh tests/deps.sh || exit 1
B=${TMPDIR:-/tmp}/libmail-demo-build
echo "== building (in $B)"
make -j2 BUILD="$B" LIBDIR="$B" BINDIR="$B/bin" all > "$B.log" 2>&1 ||
    { tail -n 30 "$B.log"; echo "demo: build failed (log: $B.log)"; exit 1; }
MS=$B/bin/mail-send
[ -x "$MS" ] || { echo "demo: examples/mail-send was not built"; exit 1; }

SRV=$(mktemp -d "${TMPDIR:-/tmp}/libmail-demo.XXXXXX") || exit 1
trap 'sh "$ROOT/tests/servers/stop.sh" "$SRV"' EXIT
trap 'exit 130' INT TERM HUP
echo "== starting private Postfix and Dovecot"
sh tests/servers/start.sh "$SRV" || exit 1
. "$SRV/env"

marker="demo-$(date +%s)-$$"
printf '%s' "$LM_ALICE_PASSWORD" > "$SRV/alice.pw"
chmod 600 "$SRV/alice.pw"
cat > "$SRV/demo.txt" <<TEXT
Hello Bob,

this message was sent by libmail's mail-send through a private Postfix
on 127.0.0.1:$LM_SMTP_PORT (STARTTLS, then AUTH as $LM_ALICE) and
delivered by Dovecot over LMTP into your Maildir.

.This line starts with a dot, and the next one is a lone dot:
.

Bye
TEXT
# the attachment: 3000 random bytes (base64 on the way), under a
# non-ASCII name (RFC 2231 filename* plus the RFC 2047 name= form)
ATT="$SRV/$(printf 'Gr\303\274\303\237e')-$marker.bin"
head -c 3000 /dev/urandom > "$ATT"

echo
echo "== mail-send --url smtp://localhost:$LM_SMTP_PORT --trace ..."
"$MS" --url "smtp://localhost:$LM_SMTP_PORT" --from "$LM_ALICE" --to "$LM_BOB" \
    --subject "libmail demo $marker" --text "$SRV/demo.txt" --attach "$ATT" \
    --user "$LM_ALICE" --password-file "$SRV/alice.pw" \
    --cafile "$LM_CAFILE" --timeout 20 --trace
rc=$?
echo "== mail-send exit status: $rc"
[ "$rc" -eq 0 ] || exit 1

echo
echo "== waiting for delivery into $LM_BOB_MAILDIR"
f=$(python3 tests/interop/check_delivery.py find "$LM_BOB_MAILDIR" "$marker" 20) ||
    { echo "demo: not delivered; Postfix log:"; tail -n 20 "$LM_POSTFIX_LOG"; exit 1; }
echo "== delivered: $f"
echo "----------------------------------------------------------------------"
cat "$f"
echo "----------------------------------------------------------------------"
MD=$B/bin/mime-dump
if [ -x "$MD" ]; then
	echo "== mime-dump $f (the structure that arrived)"
	"$MD" "$f" || { echo "demo: mime-dump failed"; exit 1; }
	# the attachment came back byte for byte, under its name
	"$MD" --json "$f" > "$SRV/dump.json" || { echo "demo: mime-dump --json failed"; exit 1; }
	if python3 -c 'import sys, json, hashlib, os
d = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
name = os.path.basename(sys.argv[2])
ok = [p for p in d["parts"] if p["filename"] == name and p["disposition"] == "attachment"
      and p["sha256"] == hashlib.sha256(data).hexdigest() and p["size"] == len(data)]
sys.exit(0 if len(ok) == 1 else 1)' "$SRV/dump.json" "$ATT"; then
		echo "== the attachment arrived intact (name, size and SHA-256 as sent)"
	else
		echo "demo: the attachment did not arrive intact"; exit 1
	fi
fi
echo
echo "== reading it back over IMAP (Dovecot, STARTTLS) with examples/imap-client"
IC=$B/bin/imap-client
printf '%s' "$LM_BOB_PASSWORD" > "$SRV/bob.pw"
chmod 600 "$SRV/bob.pw"
imapc() { "$IC" --url "imap://localhost:$LM_IMAP_PORT/INBOX" --user "$LM_BOB" \
    --password-file "$SRV/bob.pw" --cafile "$LM_CAFILE" --timeout 20 "$@"; }
echo "== imap-client ... --trace search SUBJECT $marker"
uid=$(imapc --trace search SUBJECT "$marker") ||
    { echo "demo: imap-client search failed"; exit 1; }
uid=$(echo "$uid" | tail -n 1)
[ -n "$uid" ] || { echo "demo: IMAP search found nothing"; exit 1; }
echo "== UID $uid; imap-client ... headers $uid"
imapc headers "$uid" || { echo "demo: imap-client headers failed"; exit 1; }
echo "== imap-client ... fetch $uid (the raw message, byte for byte)"
echo "----------------------------------------------------------------------"
imapc fetch "$uid" --out "$SRV/imap.eml" && cat "$SRV/imap.eml" ||
    { echo "demo: imap-client fetch failed"; exit 1; }
echo "----------------------------------------------------------------------"
# Dovecot stores Maildir files with LF line ends and serves CRLF; it also
# moved the file from new/ to cur/ when the mailbox was opened
f=$(python3 tests/interop/check_delivery.py find "$LM_BOB_MAILDIR" "$marker" 5) || exit 1
tr -d '\r' < "$SRV/imap.eml" > "$SRV/imap.lf"
tr -d '\r' < "$f" > "$SRV/file.lf"
if cmp -s "$SRV/imap.lf" "$SRV/file.lf"; then
	echo "== the same as the delivered file (CRLF over IMAP, LF on disk)"
else
	echo "demo: the message read over IMAP differs from the delivered file"; exit 1
fi
echo "== Postfix log for this message:"
grep -E 'submission/smtpd|lmtp\[' "$LM_POSTFIX_LOG" | tail -n 4

echo
echo "== pop3-fetch --url pop3://localhost:$LM_POP3_PORT --maildir ... --trace (as $LM_BOB)"
PF=$B/bin/pop3-fetch
# Dovecot moves the file from new/ to cur/ once a reader saw it: find it again
f=$(python3 tests/interop/check_delivery.py find "$LM_BOB_MAILDIR" "$marker" 5) || exit 1
cp "$f" "$SRV/delivered.eml"
printf '%s' "$LM_BOB_PASSWORD" > "$SRV/bob.pw"
chmod 600 "$SRV/bob.pw"
"$PF" --url "pop3://localhost:$LM_POP3_PORT" --user "$LM_BOB" \
    --password-file "$SRV/bob.pw" --cafile "$LM_CAFILE" --timeout 20 \
    --maildir "$SRV/bob-local" --trace
rc=$?
echo "== pop3-fetch exit status: $rc"
[ "$rc" -eq 0 ] || exit 1
g=$(grep -l "$marker" "$SRV"/bob-local/new/* 2>/dev/null | head -n 1)
[ -n "$g" ] || { echo "demo: the message is not in $SRV/bob-local/new"; exit 1; }
echo "== downloaded over POP3 (STLS) into the Maildir: $g"
if python3 -c 'import sys
a = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n")
b = open(sys.argv[2], "rb").read().replace(b"\r\n", b"\n")
sys.exit(a != b)' "$SRV/delivered.eml" "$g"; then
	echo "== same bytes as the file Dovecot delivered (up to CRLF line ends)"
else
	echo "demo: the downloaded message differs from the delivered one"; exit 1
fi
echo "== stopping the servers"
exit 0
