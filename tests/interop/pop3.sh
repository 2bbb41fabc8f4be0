#!/bin/sh
# pop3-fetch against the real Dovecot POP3 (STLS and implicit TLS) of
# tests/servers: mail delivered through Postfix (examples/mail-send) is
# fetched into a Maildir byte for byte, with and without --delete,
# --list agrees with poplib, a rerun fetches nothing, and pop3-fetch
# killed with SIGKILL at random moments in a loop loses nothing and
# saves nothing twice. Python's poplib is the oracle for what Dovecot
# serves.
#
#   sh tests/interop/pop3.sh SERVERDIR/env
# pop3-fetch from $LM_POP3FETCH (default $LM_BUILD/bin/pop3-fetch or
# examples/pop3-fetch), mail-send from $LM_MAILSEND likewise. Test names
# start with $LM_INTEROP_PREFIX (default "interop"). Uses bob's mailbox
# and empties it. Prints "ok NAME" / "FAIL NAME: reason"; exit 1 if any
# failed.
set -u
unset MAKEFLAGS MFLAGS MAKELEVEL
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ENV=${1:?usage: pop3.sh SERVERDIR/env}
. "$ENV"
bin=${LM_BUILD:+$LM_BUILD/bin}
PF=${LM_POP3FETCH:-${bin:-$root/examples}/pop3-fetch}
MS=${LM_MAILSEND:-${bin:-$root/examples}/mail-send}
OR="python3 $here/pop3_oracle.py"
W=$(mktemp -d "${TMPDIR:-/tmp}/libmail-pop3.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP
nfail=0
PFX=${LM_INTEROP_PREFIX:-interop}
ok() { echo "ok $PFX-${1#interop-}"; }
bad() { echo "FAIL $PFX-${1#interop-}: $2"; nfail=$((nfail + 1)); }

ALL="interop-pop3-stls-fetch interop-pop3-server-files interop-pop3-rerun
interop-pop3-list interop-pop3s-delete interop-pop3-auth-user
interop-pop3-auth-plain interop-pop3-wrong-password interop-pop3-unknown-ca
interop-pop3-kill9 interop-pop3-abort-usable interop-pop3-abort-closed"
if [ ! -x "$PF" ] || [ ! -x "$MS" ]; then
	for t in $ALL; do bad "$t" "pop3-fetch or mail-send not built ($PF, $MS)"; done
	exit 1
fi

printf '%s' "$LM_BOB_PASSWORD" > "$W/bob.pw"
printf '%s' "$LM_ALICE_PASSWORD" > "$W/alice.pw"
printf '%s' "wrong-$LM_BOB_PASSWORD" > "$W/wrong.pw"
chmod 600 "$W"/*.pw
POP3=pop3://localhost:$LM_POP3_PORT
POP3S=pop3s://localhost:$LM_POP3S_PORT

# pf NAME URL [args]: pop3-fetch as bob; RC, $W/NAME.out, $W/NAME.err
# (FSIZE=N: with a file size limit of N bytes, tests/fake/fsize.py)
FSIZE=""
pf() {
	n=$1 url=$2; shift 2
	timeout 120 ${FSIZE:+python3 "$root/tests/fake/fsize.py" "$FSIZE"} "$PF" --url "$url" --user "$LM_BOB" --cafile "$LM_CAFILE" \
	    --timeout 20 "$@" >"$W/$n.out" 2>"$W/$n.err" </dev/null
	RC=$?
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$W/$n.err"; then
		RC="sanitizer($RC)"
	fi
}
why() { echo "$1 (exit $RC; stderr: $(tail -n 1 "$W/$n.err" | cut -c1-200))"; }
snap() { $OR snapshot "$LM_POP3S_PORT" "$LM_CAFILE" "$LM_BOB" "$W/bob.pw" "$1"; }
count() { $OR count "$LM_POP3S_PORT" "$LM_CAFILE" "$LM_BOB" "$W/bob.pw"; }
# send MARKER [mail-send args]: alice -> bob through Postfix, wait for it
send() {
	m=$1; shift
	timeout 60 "$MS" --url "smtp://localhost:$LM_SMTP_PORT" --from "$LM_ALICE" \
	    --to "$LM_BOB" --user "$LM_ALICE" --password-file "$W/alice.pw" \
	    --cafile "$LM_CAFILE" --timeout 20 "$@" >/dev/null 2>"$W/send.err" </dev/null &&
	python3 "$here/check_delivery.py" find "$LM_BOB_MAILDIR" "$m" 30 >/dev/null
}
pw="--password-file $W/bob.pw"

# ---- messages through Postfix -----------------------------------------------------
python3 -c '
import sys
sys.stdout.buffer.write(b"Hello Bob,\n.a line with a leading dot\n.\n..\n"
    + "Gr\u00fc\u00dfe \u2013 8 bit\n".encode() + b"long " * 300 + b"\nend\n")' > "$W/text.txt"
python3 -c '
import sys
sys.stdout.buffer.write(bytes(range(256)) * 64 + b"\r\n.\r\n")' > "$W/blob.bin"
m1=pop3-a-$$-$(date +%s%N); m2=pop3-b-$$-$(date +%s%N); m3=pop3-c-$$-$(date +%s%N)
{
	printf 'From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\n\r\n' \
	    "$LM_ALICE" "$LM_BOB" "$m3" "$m3"
	printf '.\r\n..\r\n.leading\r\n'
} > "$W/raw.eml"
sent=1
send "$m1" --subject "$m1" --text "$W/text.txt" || sent=0
send "$m2" --subject "$m2" --text "$W/text.txt" --attach "$W/blob.bin" || sent=0
send "$m3" --raw "$W/raw.eml" || sent=0
if [ "$sent" = 0 ]; then
	for t in $ALL; do bad "$t" "could not deliver the test messages: $(tail -n 1 "$W/send.err")"; done
	exit 1
fi

# ---- STLS: everything into a fresh Maildir, byte for byte -------------------------------
t=interop-pop3-stls-fetch; M=$W/md1
N=$(snap "$W/s1.json") || N=""
pf $t "$POP3" $pw --maildir "$M"
if [ -z "$N" ] || [ "$N" -lt 3 ]; then bad $t "poplib saw '$N' messages (expected at least 3)"
elif [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(cat "$W/$t.out")" != "fetched $N deleted 0" ]; then bad $t "stdout: $(cat "$W/$t.out") (poplib: $N)"
elif ! r=$($OR compare "$W/s1.json" "$M"); then bad $t "$r"
else ok $t; fi

t=interop-pop3-server-files
if ! r=$($OR compare "$W/s1.json" "$M" "$LM_BOB_MAILDIR"); then bad $t "$r"
elif ! grep -rlq "$m2" "$M/new"; then bad $t "the attachment message is not there"
else ok $t; fi

t=interop-pop3-rerun
pf $t "$POP3" $pw --maildir "$M"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(cat "$W/$t.out")" != "fetched 0 deleted 0" ]; then bad $t "rerun: $(cat "$W/$t.out")"
elif [ "$(count)" != "$N" ]; then bad $t "messages vanished from the server without --delete"
else ok $t; fi

t=interop-pop3-list
pf $t "$POP3S" $pw --list
$OR list "$W/s1.json" > "$W/list.expected"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! cmp -s "$W/$t.out" "$W/list.expected"; then bad $t "differs from poplib: $(diff "$W/$t.out" "$W/list.expected" | head -n 3 | tr '\n' ' ')"
else ok $t; fi

# ---- implicit TLS with --delete: the server ends empty -----------------------------------
t=interop-pop3s-delete
m4=pop3-d-$$-$(date +%s%N)
if ! send "$m4" --subject "$m4" --text "$W/text.txt"; then bad $t "delivery failed"
else
	N=$(snap "$W/s2.json")
	pf $t "$POP3S" $pw --maildir "$M" --delete
	if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
	elif [ "$(cat "$W/$t.out")" != "fetched 1 deleted $N" ]; then bad $t "stdout: $(cat "$W/$t.out") (poplib saw $N)"
	elif [ "$(count)" != 0 ]; then bad $t "server mailbox not empty: $(count) left"
	elif ! r=$($OR compare "$W/s2.json" "$M"); then bad $t "$r"
	else ok $t; fi
fi

# ---- login methods --------------------------------------------------------------------------
for mech in USER PLAIN; do
	t=interop-pop3-auth-$(echo $mech | tr 'A-Z' 'a-z')
	m5=pop3-e-$mech-$$-$(date +%s%N)
	if ! send "$m5" --subject "$m5" --text "$W/text.txt"; then bad $t "delivery failed"; continue; fi
	pf $t "$POP3" $pw --maildir "$W/md-$mech" --auth $mech --delete --trace
	if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
	elif [ "$mech" = USER ] && ! grep -q '^C: PASS <redacted>' "$W/$t.err"; then bad $t "USER/PASS not used (or PASS not redacted)"
	elif [ "$mech" = PLAIN ] && ! grep -q '^C: AUTH PLAIN' "$W/$t.err"; then bad $t "AUTH PLAIN not used"
	elif grep -q "$LM_BOB_PASSWORD" "$W/$t.err"; then bad $t "password in the trace"
	elif ! grep -rlq "$m5" "$W/md-$mech/new"; then bad $t "message not fetched"
	else ok $t; fi
done

t=interop-pop3-wrong-password
pf $t "$POP3" --password-file "$W/wrong.pw" --list
if [ "$RC" != 1 ]; then bad $t "$(why 'wrong password: expected exit 1')"
else ok $t; fi

t=interop-pop3-unknown-ca
timeout 60 "$PF" --url "$POP3S" --user "$LM_BOB" $pw --cafile "$LM_OTHER_CAFILE" \
    --timeout 20 --list > "$W/$t.out" 2> "$W/$t.err"; RC=$?; n=$t
if [ "$RC" != 3 ]; then bad $t "$(why 'unknown CA: expected exit 3')"
elif [ -s "$W/$t.out" ]; then bad $t "printed a listing"
else ok $t; fi

# ---- SIGKILL at random moments, then a clean run ---------------------------------------------
# 200 messages put straight into bob's Maildir (as Dovecot's user); each
# pop3-fetch --delete run is killed after a random delay (1 ms up to
# 20 ms + 5 ms per run) until one
# finishes; then every message must be in the local Maildir exactly once
# and the server empty.
t=interop-pop3-kill9; M=$W/md-kill
owner=$(stat -c %u:%g "$LM_BOB_MAILDIR")
python3 - "$LM_BOB_MAILDIR" <<'PY'
import os, sys, time
md = sys.argv[1]
for i in range(200):
    body = (b"From: alice@example.test\nTo: bob@example.test\n"
            b"Subject: kill test %d\nMessage-ID: <kill%d.%d@example.test>\n\n"
            % (i, i, os.getpid()) + (b".dot line %d\n" % i) * (20 + 100 * (i % 7)))
    name = "%d.K%dP%d.kill:2," % (time.time(), i, os.getpid())
    with open(os.path.join(md, "cur", name), "wb") as f:
        f.write(body)
PY
chown -R "$owner" "$LM_BOB_MAILDIR"
N=$(snap "$W/s3.json")
runs=0 kills=0 done_ok=0
while [ "$runs" -lt 100 ] && [ "$done_ok" = 0 ]; do
	runs=$((runs + 1))
	d=$(python3 -c 'import random, sys; print("%.3f" % (random.randint(1, 20 + 5 * int(sys.argv[1])) / 1000))' "$runs")
	timeout -s KILL "$d" "$PF" --url "$POP3" --user "$LM_BOB" $pw \
	    --cafile "$LM_CAFILE" --timeout 20 --maildir "$M" --delete \
	    > "$W/kill.out" 2> "$W/kill.err"
	rc=$?
	[ "$rc" = 137 ] && kills=$((kills + 1))
	[ "$rc" = 0 ] && done_ok=1
done
pf $t "$POP3" $pw --maildir "$M" --delete
if [ "$RC" != 0 ]; then bad $t "$(why 'final run: expected exit 0')"
elif [ "$(count)" != 0 ]; then bad $t "server not empty after the final run"
elif ! r=$($OR compare "$W/s3.json" "$M"); then bad $t "$r (after $runs runs, $kills killed)"
else
	ok $t
	echo "  ($N messages, $runs runs, $kills killed with SIGKILL)"
fi

# ---- a message that cannot be written (file size limit, 256 KB) --------------------------------
# put NAME SIZE: a message of about SIZE bytes straight into bob's Maildir
put() {
	python3 - "$LM_BOB_MAILDIR" "$1" "$2" <<'PY'
import os, sys, time
md, name, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
body = (b"From: alice@example.test\nTo: bob@example.test\nSubject: %s\n"
        b"Message-ID: <%s.%d@example.test>\n\n" % (name.encode(), name.encode(), os.getpid())
        + (b"x" * 75 + b"\n") * (size // 76))
with open(os.path.join(md, "cur", "%d.%s.%d:2," % (time.time(), name, os.getpid())), "wb") as f:
    f.write(body)
PY
	chown -R "$owner" "$LM_BOB_MAILDIR"
}
# 600 KB: the rest after the failed write fits LM_POP3_DRAIN_MAX (1 MiB),
# so the session goes on to QUIT (+OK: nothing deleted, --delete or not)
t=interop-pop3-abort-usable; M=$W/md-abort
put abort-small 2000; put abort-600k 600000
FSIZE=262144; pf $t "$POP3" $pw --maildir "$M" --delete; FSIZE=""
if [ "$RC" != 2 ]; then bad $t "$(why 'write failed: expected exit 2')"
elif ! grep -q 'File too large' "$W/$t.err"; then bad $t "$(why 'the write error was not reported')"
elif grep -q 'session closed' "$W/$t.err"; then bad $t "$(why 'the session was closed')"
elif ! grep -qE '^fetched [01] deleted 0$' "$W/$t.out"; then bad $t "stdout: $(cat "$W/$t.out")"
elif [ -n "$(ls "$M/tmp")" ]; then bad $t "partial file left in tmp/"
elif [ "$(count)" != 2 ]; then bad $t "$(count) messages on the server, expected 2"
else ok $t; fi
# 4 MB: past the bound the connection is closed without QUIT, at once;
# a run without the limit then fetches and deletes everything
t=interop-pop3-abort-closed
pf $t-clean "$POP3" $pw --maildir "$M" --delete
put abort-4m 4000000
t0=$(date +%s)
FSIZE=262144; pf $t "$POP3S" $pw --maildir "$M" --delete; FSIZE=""
el=$(($(date +%s) - t0))
if [ "$RC" != 2 ]; then bad $t "$(why 'write failed: expected exit 2')"
elif ! grep -q 'session closed' "$W/$t.err"; then bad $t "$(why 'expected the session closed')"
elif [ "$el" -gt 10 ]; then bad $t "took $el s"
elif [ -n "$(ls "$M/tmp")" ] || grep -rlq abort-4m "$M/new"; then bad $t "the 4 MB message was kept"
elif [ "$(count)" != 1 ]; then bad $t "$(count) messages on the server, expected 1"
else
	pf $t-after "$POP3" $pw --maildir "$M" --delete
	if [ "$RC" != 0 ] || [ "$(cat "$W/$t-after.out")" != "fetched 1 deleted 1" ]; then
		bad $t "$(why 'the run without a limit failed') $(cat "$W/$t-after.out")"
	elif [ "$(count)" != 0 ]; then bad $t "server not empty afterwards"
	else ok $t; fi
fi

[ "$nfail" -eq 0 ]
