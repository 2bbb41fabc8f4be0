#!/bin/sh
# IMAP interoperability: examples/imap-client (and a small program using
# the session API, imap_api.c) against the private Dovecot started by
# tests/servers/start.sh, over STARTTLS (imap://) and implicit TLS
# (imaps://). What Dovecot really holds is asked with Python's imaplib
# (imap_oracle.py), never with libmail itself.
#
#   sh tests/interop/imap.sh SERVERDIR/env
# imap-client from $LM_IMAPCLIENT (default $LM_BUILD/bin/imap-client, else
# examples/imap-client); imap_api.c is built against $LM_BUILD/libmail.a
# (default: a private build; LM_INTEROP_NO_API=1 skips it).
# LM_INTEROP_PREFIX renames the tests (default "interop-imap").
# Prints "ok NAME" / "FAIL NAME: reason"; exit 1 if any failed.
set -u
unset MAKEFLAGS MFLAGS MAKELEVEL
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ENV=${1:?usage: imap.sh SERVERDIR/env}
. "$ENV"
if [ -n "${LM_IMAPCLIENT:-}" ]; then IC=$LM_IMAPCLIENT
elif [ -n "${LM_BUILD:-}" ]; then IC=$LM_BUILD/bin/imap-client
else IC=$root/examples/imap-client; fi
W=$(mktemp -d "${TMPDIR:-/tmp}/libmail-imap.XXXXXX") || exit 1
BGPID=""
trap '[ -n "$BGPID" ] && kill "$BGPID" 2>/dev/null; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP
nfail=0
PFX=${LM_INTEROP_PREFIX:-interop-imap}
ok() { echo "ok $PFX-$1"; }
bad() { echo "FAIL $PFX-$1: $2"; nfail=$((nfail + 1)); }

ALL="sanity capabilities create-utf8 list append-fetch-starttls \
append-fetch-imaps fetch-stdout large status search search-utf8 flags headers move \
delete missing-uid idle api wrong-password unknown-ca trace-redacts auth-plain \
auth-login auth-scram-sha-256 auth-cram-md5 plaintext no-mailbox"

printf '%s' "$LM_ALICE_PASSWORD" > "$W/alice.pw"
printf '%s' "wrong-$LM_ALICE_PASSWORD" > "$W/wrong.pw"
chmod 600 "$W"/*.pw
U=$LM_ALICE
ORA="python3 $here/imap_oracle.py $ENV $U $LM_ALICE_PASSWORD"
IMAP=imap://localhost:$LM_IMAP_PORT
IMAPS=imaps://localhost:$LM_IMAPS_PORT
auth="--user $U --password-file $W/alice.pw"
# a fresh mailbox per run, with non-ASCII characters and a space
MB="lmtest-$$-$(date +%s)"
MBU="$MB/$(printf 'Gr\303\274\303\237e \303\274')"
MBD="$MB-dst"

# ic NAME URL [args...]: imap-client; RC, $W/NAME.out, $W/NAME.err
ic() {
	n=$1 url=$2; shift 2
	timeout 90 "$IC" --url "$url" --cafile "$LM_CAFILE" --timeout 20 "$@" \
	    >"$W/$n.out" 2>"$W/$n.err" </dev/null
	RC=$?
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$W/$n.err"; then
		RC="sanitizer($RC)"
	fi
}
why() {
	san=$(grep -m 1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$W/$n.err")
	echo "$1 (exit $RC; stderr: $(tail -n 1 "$W/$n.err" | cut -c1-200))${san:+ $san}"
}
# urlenc NAME: a mailbox name as a URL path (RFC 3986 percent-encoding)
urlenc() {
	python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe="/"))' "$1"
}

if [ ! -x "$IC" ]; then
	for t in $ALL; do bad "$t" "imap-client not built ($IC)"; done
	exit 1
fi

# ---- messages (built by Python's email package, not by libmail) -----------------
python3 - "$W" <<'PY'
import sys
from email.message import EmailMessage
from email.policy import SMTP
w = sys.argv[1]
def mk(name, frm, subj, text, attach=()):
    m = EmailMessage(policy=SMTP)
    m["From"] = frm
    m["To"] = "Bob <bob@example.test>"
    m["Subject"] = subj
    m["Date"] = "Tue, 3 Feb 2026 09:30:00 +0000"
    m["Message-ID"] = "<%s@example.test>" % name
    m.set_content(text)
    for fn, data, mt in attach:
        m.add_attachment(data, maintype=mt[0], subtype=mt[1], filename=fn)
    open("%s/%s.eml" % (w, name), "wb").write(bytes(m))
blob = bytes(range(256)) * 64 + b"\r\n.\r\n\x00\r\n"
mk("attach", "Alice <alice@example.test>", "Gr\u00fc\u00dfe with attachments",
   "Hello Bob,\n\nGr\u00fc\u00dfe aus K\u00f6ln \u2013 \u65e5\u672c\u8a9e.\n.\n",
   [("blob.bin", blob, ("application", "octet-stream")),
    ("notes.txt", "second attachment\n".encode(), ("text", "plain"))])
mk("s1", "Alice <alice@example.test>", "search one", "one\n")
mk("s2", "Bob <bob@example.test>", "search two", "two\n")
mk("s3", "Bob <bob@example.test>", "search three", "three\n")
mk("idle", "Alice <alice@example.test>", "idle wakeup", "wake up\n")
# 8 MB: a body that streams through many TLS records and literal chunks
big = b"".join(b"%07d 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST\r\n" % i
               for i in range(120000))
open(w + "/large.eml", "wb").write(
    b"From: alice@example.test\r\nSubject: large\r\n\r\n" + big)
PY

# ---- the server itself, with Python's client -------------------------------------
t=sanity
if r=$($ORA list 2>&1) && echo "$r" | grep -qx INBOX; then ok $t
else bad $t "imaplib cannot use Dovecot: $(echo "$r" | tail -n 1)"; fi

t=capabilities
ic $t "$IMAP" $auth capabilities
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! grep -qix 'IMAP4rev1' "$W/$t.out"; then bad $t "no IMAP4rev1: $(tr '\n' ' ' < "$W/$t.out")"
elif ! grep -qx 'CONDSTORE' "$W/$t.out" || ! grep -qx 'MOVE' "$W/$t.out"; then
	bad $t "not the post-login list: $(tr '\n' ' ' < "$W/$t.out")"
elif grep -qx 'STARTTLS' "$W/$t.out"; then bad $t "STARTTLS still listed after TLS"
else ok $t; fi

t=create-utf8
ic $t "$IMAP" $auth create "$MBU"
ic $t-2 "$IMAP" $auth create "$MBD"
if [ "$RC" != 0 ]; then n=$t-2; bad $t "$(why 'expected exit 0')"
elif ! $ORA exists "$MBU"; then bad $t "Dovecot has no mailbox '$MBU': $($ORA list | tr '\n' '|')"
else ok $t; fi

t=list
ic $t "$IMAP" $auth list
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! grep -qF "$MBU" "$W/$t.out"; then bad $t "'$MBU' not listed: $(tr '\n' '|' < "$W/$t.out")"
elif ! grep '^Sent' "$W/$t.out" | grep -q '\\Sent'; then bad $t "Sent without \\Sent"
else
	# every name Dovecot has, and no other
	$ORA list | sort > "$W/list.expect"
	python3 - "$W/$t.out" "$W/list.expect" > "$W/list.chk" <<'PY' || true
import sys
got = open(sys.argv[1], encoding="utf-8").read().splitlines()
exp = open(sys.argv[2], encoding="utf-8").read().splitlines()
names = set()
for ln in got:
    # the name, then its attributes (each starting with a backslash)
    parts = ln.split(" ")
    while len(parts) > 1 and parts[-1].startswith("\\"):
        parts.pop()
    names.add(" ".join(parts))
if names != set(exp):
    print("libmail %s, imaplib %s" % (sorted(names - set(exp)), sorted(set(exp) - names)))
PY
	if [ -s "$W/list.chk" ]; then bad $t "$(cat "$W/list.chk")"; else ok $t; fi
fi

URLU="$IMAP/$(urlenc "$MBU")"
URLUS="$IMAPS/$(urlenc "$MBU")"

t=append-fetch-starttls
ic $t "$URLU" $auth append "$W/attach.eml"
UIDA=$(cat "$W/$t.out" 2>/dev/null)
if [ "$RC" != 0 ]; then bad $t "$(why 'append: expected exit 0')"
elif ! $ORA fetch "$MBU" "$UIDA" "$W/attach.ora" >"$W/ora.err" 2>&1; then bad $t "imaplib cannot fetch UID '$UIDA': $(tail -n 1 "$W/ora.err")"
elif ! cmp -s "$W/attach.ora" "$W/attach.eml"; then bad $t "Dovecot holds other bytes than appended"
else
	ic $t "$URLU" $auth fetch "$UIDA" --out "$W/attach.got"
	if [ "$RC" != 0 ]; then bad $t "$(why 'fetch: expected exit 0')"
	elif ! cmp -s "$W/attach.got" "$W/attach.eml"; then bad $t "fetched bytes differ: $(cmp "$W/attach.got" "$W/attach.eml" 2>&1)"
	else ok $t; fi
fi

t=append-fetch-imaps
ic $t "$URLUS" $auth append "$W/s1.eml"
UID1=$(cat "$W/$t.out" 2>/dev/null)
if [ "$RC" != 0 ]; then bad $t "$(why 'append: expected exit 0')"
elif ! $ORA fetch "$MBU" "$UID1" "$W/s1.ora" >"$W/ora.err" 2>&1 || ! cmp -s "$W/s1.ora" "$W/s1.eml"; then
	bad $t "Dovecot does not hold the appended bytes at UID '$UID1'"
else
	ic $t "$URLUS" $auth fetch "$UIDA" --out "$W/attach.got2"
	if [ "$RC" != 0 ]; then bad $t "$(why 'fetch: expected exit 0')"
	elif ! cmp -s "$W/attach.got2" "$W/attach.eml"; then bad $t "fetched bytes differ"
	else ok $t; fi
fi

t=fetch-stdout
ic $t "$URLUS" $auth fetch "$UIDA"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! cmp -s "$W/$t.out" "$W/attach.eml"; then bad $t "stdout differs from the message"
else ok $t; fi

t=large
ic $t "$URLUS" $auth append "$W/large.eml"
UIDL=$(cat "$W/$t.out" 2>/dev/null)
if [ "$RC" != 0 ]; then bad $t "$(why 'append 8 MB: expected exit 0')"
else
	# the body streams to the file: the client's peak memory stays below
	# the message size (not checked for sanitizer builds, whose shadow
	# memory dwarfs it)
	rss=$(python3 -c '
import os, subprocess, sys, time
exe = os.path.realpath(sys.argv[3])
with open(sys.argv[1], "wb") as o, open(sys.argv[2], "wb") as e:
    p = subprocess.Popen(sys.argv[3:], stdout=o, stderr=e, stdin=subprocess.DEVNULL)
    hwm = 0
    while p.poll() is None:
        try:
            if os.readlink("/proc/%d/exe" % p.pid) == exe:
                for ln in open("/proc/%d/status" % p.pid):
                    if ln.startswith("VmHWM:"):
                        hwm = max(hwm, int(ln.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.002)
print(p.returncode, hwm)' \
	    "$W/$t.out" "$W/$t.err" "$IC" --url "$URLU" --cafile "$LM_CAFILE" \
	    --timeout 20 $auth fetch "$UIDL" --out "$W/large.got")
	RC=${rss% *}; rss=${rss#* }
	big=$(($(wc -c < "$W/large.eml") / 1024))
	if [ "$RC" != 0 ]; then bad $t "$(why 'fetch 8 MB: expected exit 0')"
	elif ! cmp -s "$W/large.got" "$W/large.eml"; then bad $t "fetched bytes differ"
	elif ! grep -aq __asan_init "$IC" && [ "$rss" -ge "$big" ]; then
		bad $t "peak memory $rss KB for a $big KB message: not streamed"
	else ok $t; fi
fi

ic s2 "$URLU" $auth append "$W/s2.eml"; UID2=$(cat "$W/s2.out")
ic s3 "$URLU" $auth append "$W/s3.eml" --flags '\Seen,\Flagged'; UID3=$(cat "$W/s3.out")

t=status
ic $t "$IMAP" $auth status "$MBU"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
else
	exp=$($ORA status "$MBU")
	r=""
	for k in MESSAGES UIDNEXT UIDVALIDITY UNSEEN; do
		e=$(echo "$exp" | tr ' ' '\n' | grep -A1 -x "$k" | tail -n 1)
		g=$(tr ' ' '\n' < "$W/$t.out" | grep -A1 -x "$k" | tail -n 1)
		[ "$e" = "$g" ] || r="$r $k: imaplib $e, libmail '$g';"
	done
	if [ -n "$r" ]; then bad $t "$r"; else ok $t; fi
fi

t=search
r=""
for crit in "ALL" "FROM bob" "UNSEEN" "SUBJECT search NOT FROM bob" "FLAGGED"; do
	# shellcheck disable=SC2086
	ic $t "$URLU" $auth search $crit
	if [ "$RC" != 0 ]; then r="$r '$crit': exit $RC;"; continue; fi
	# shellcheck disable=SC2086
	exp=$($ORA search "$MBU" $crit | sort -n)
	got=$(sort -n "$W/$t.out")
	[ "$exp" = "$got" ] || r="$r '$crit': imaplib [$(echo $exp)] libmail [$(echo $got)];"
	[ -n "$exp" ] || [ "$crit" = UNSEEN ] || r="$r '$crit' matched nothing (test set-up);"
done
if [ -n "$r" ]; then bad $t "$r"; else ok $t; fi

t=search-utf8
# a non-ASCII key goes as CHARSET UTF-8; Dovecot matches the decoded
# Subject of the message built above (only that one carries the word)
ic $t "$URLU" $auth search SUBJECT "$(printf 'Gr\303\274\303\237e')"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(cat "$W/$t.out")" != "$UIDA" ]; then bad $t "got [$(tr '\n' ' ' < "$W/$t.out")], want [$UIDA]"
else ok $t; fi

t=flags
f=$($ORA flags "$MBU" "$UID3")
if [ "$f" != '\Flagged \Seen' ]; then bad $t "append --flags '\\Seen,\\Flagged': Dovecot has '$f'"
else ok $t; fi

t=headers
n=$t
ic $t "$URLUS" $auth headers "$UIDA"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! grep -q 'alice@example.test' "$W/$t.out"; then bad $t "no sender: $(tr '\n' '|' < "$W/$t.out")"
elif ! grep -q '3 Feb 2026' "$W/$t.out"; then bad $t "no date: $(tr '\n' '|' < "$W/$t.out")"
elif ! grep -q "$(printf 'Gr\303\274\303\237e with attachments')\|=?utf-8?" "$W/$t.out"; then bad $t "no subject: $(tr '\n' '|' < "$W/$t.out")"
else ok $t; fi

t=move
ic $t "$URLU" $auth move "$UID2" "$MBD"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif $ORA uids "$MBU" | grep -qx "$UID2"; then bad $t "UID $UID2 still in the source"
elif [ "$($ORA uids "$MBD" | wc -l)" != 1 ]; then bad $t "destination holds $($ORA uids "$MBD" | wc -l) messages"
elif ! $ORA fetch "$MBD" "$($ORA uids "$MBD")" "$W/moved.ora" || ! cmp -s "$W/moved.ora" "$W/s2.eml"; then
	bad $t "the moved message changed"
else ok $t; fi

t=delete
ic $t "$URLU" $auth delete "$UID1"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif $ORA uids "$MBU" | grep -qx "$UID1"; then bad $t "UID $UID1 still there"
elif ! $ORA uids "$MBU" | grep -qx "$UIDA"; then bad $t "deleted more than UID $UID1"
else ok $t; fi

t=missing-uid
# Dovecot answers OK to UID MOVE / UID STORE of a UID that does not exist;
# imap-client must not report success for what did not happen
ic $t "$URLU" $auth move 999999 "$MBD"; rc1=$RC
ic $t-2 "$URLU" $auth delete 999999; rc2=$RC
ic $t-3 "$URLU" $auth fetch 999999; rc3=$RC
if [ "$rc1" != 1 ] || [ "$rc2" != 1 ] || [ "$rc3" != 1 ]; then
	bad $t "move/delete/fetch of a missing UID: exit $rc1/$rc2/$rc3 (want 1/1/1)"
else ok $t; fi

t=idle
n=$t
timeout 60 "$IC" --url "$URLU" --cafile "$LM_CAFILE" --timeout 20 $auth idle --seconds 6 \
    > "$W/idle.out" 2> "$W/idle.err" < /dev/null &
BGPID=$!
sleep 2
ic idle-append "$URLUS" $auth append "$W/idle.eml"
wait "$BGPID"; RC=$?; BGPID=""
cnt=$($ORA status "$MBU" | tr ' ' '\n' | grep -A1 -x MESSAGES | tail -n 1)
if [ "$RC" != 0 ]; then bad $t "$(why 'idle: expected exit 0')"
elif ! grep -qx "EXISTS $cnt" "$W/idle.out"; then bad $t "no 'EXISTS $cnt' line: $(tr '\n' '|' < "$W/idle.out")"
elif grep -v -E '^(EXISTS|EXPUNGE) [0-9]+$|^FETCH [0-9]+ FLAGS \(' "$W/idle.out" | grep -q .; then
	bad $t "other output: $(tr '\n' '|' < "$W/idle.out")"
else ok $t; fi

# ---- the session API: create/rename/delete, CONDSTORE/QRESYNC resync -------------
t=api
B=${LM_BUILD:-}
if [ "${LM_INTEROP_NO_API:-0}" = 1 ]; then :; else
if [ -z "$B" ] || [ ! -f "$B/libmail.a" ]; then
	B=$W/build
	(cd "$root" && make -j2 BUILD="$B" LIBDIR="$B" BINDIR="$B/bin" lib) > "$W/build.log" 2>&1
fi
if ! ${CC:-cc} -std=c99 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L \
    -I"$root/include" -o "$W/imap_api" "$here/imap_api.c" "$B/libmail.a" \
    -lmbedtls -lmbedx509 -lmbedcrypto -lidn2 > "$W/api.log" 2>&1; then
	bad $t "does not compile: $(head -n 3 "$W/api.log" | tr '\n' ' ')"
else
	timeout 120 "$W/imap_api" "$ENV" "$MB-api" "$here/imap_oracle.py" > "$W/api.out" 2>&1
	RC=$?
	sed -n 's/^ok /ok '"$PFX"'-api-/p; s/^FAIL /FAIL '"$PFX"'-api-/p' "$W/api.out"
	nf=$(grep -c '^FAIL ' "$W/api.out")
	nfail=$((nfail + nf))
	if [ "$RC" != 0 ] && [ "$nf" = 0 ]; then bad $t "exit $RC: $(tail -n 1 "$W/api.out")"
	elif ! grep -q '^ok ' "$W/api.out"; then bad $t "ran no test: $(tail -n 1 "$W/api.out")"
	fi
fi
fi

# ---- security and refusals ---------------------------------------------------------
t=wrong-password
ic $t "$IMAP" --user "$U" --password-file "$W/wrong.pw" capabilities
if [ "$RC" != 1 ]; then bad $t "$(why 'wrong password: expected exit 1')"
else ok $t; fi

t=unknown-ca
timeout 60 "$IC" --url "$IMAPS" --cafile "$LM_OTHER_CAFILE" --timeout 20 $auth capabilities \
    > "$W/$t.out" 2> "$W/$t.err" < /dev/null
RC=$?
n=$t
if [ "$RC" != 3 ]; then bad $t "$(why 'untrusted certificate: expected exit 3')"
else ok $t; fi

t=trace-redacts
ic $t "$IMAP" $auth --auth PLAIN --trace capabilities
b64=$(printf '\0%s\0%s' "$U" "$LM_ALICE_PASSWORD" | base64 -w0)
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! grep -q '^C: ' "$W/$t.err"; then bad $t "no C: lines in the trace"
elif grep -qF "$LM_ALICE_PASSWORD" "$W/$t.err"; then bad $t "password in the trace"
elif grep -qF "$b64" "$W/$t.err"; then bad $t "base64 credentials in the trace"
else ok $t; fi

for m in PLAIN LOGIN SCRAM-SHA-256 CRAM-MD5; do
	t=auth-$(echo $m | tr 'A-Z' 'a-z')
	ic $t "$IMAPS" $auth --auth $m capabilities
	if [ "$RC" != 0 ]; then bad $t "$(why "--auth $m: expected exit 0")"
	else ok $t; fi
done

t=plaintext
ic $t "$IMAP" $auth --plaintext capabilities
if [ "$RC" != 0 ]; then bad $t "$(why '--plaintext (Dovecot allows it here): expected exit 0')"
elif ! grep -qx 'MOVE' "$W/$t.out"; then bad $t "not logged in: $(tr '\n' ' ' < "$W/$t.out")"
else ok $t; fi

t=no-mailbox
ic $t "$IMAP" $auth status "$MB-does-not-exist"
if [ "$RC" != 1 ]; then bad $t "$(why 'no such mailbox: expected exit 1')"
elif ! grep -qi 'mailbox' "$W/$t.err"; then bad $t "the server's text is not shown"
else ok $t; fi

[ "$nfail" -eq 0 ]
