#!/bin/sh
# `make demo`: send a real message with examples/mail-send through a
# private Postfix (STARTTLS + AUTH, SASL checked by Dovecot), show the SMTP
# dialogue, wait for Dovecot to deliver it, print the delivered file, and
# stop the servers again.
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

echo
echo "== mail-send --url smtp://localhost:$LM_SMTP_PORT --trace ..."
"$MS" --url "smtp://localhost:$LM_SMTP_PORT" --from "$LM_ALICE" --to "$LM_BOB" \
    --subject "libmail demo $marker" --text "$SRV/demo.txt" \
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
echo "== Postfix log for this message:"
grep -E 'submission/smtpd|lmtp\[' "$LM_POSTFIX_LOG" | tail -n 4
echo "== stopping the servers"
exit 0
