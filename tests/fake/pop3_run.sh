#!/bin/sh
# pop3-fetch against a scripted, hostile fake POP3 server (fakepop3.py):
# no message may be lost or saved twice whatever the server does, and the
# client must stop, with the right exit status, before sending what it
# must not.
#
#   sh tests/fake/pop3_run.sh WORKDIR   (pop3-fetch from $LM_POP3FETCH,
#                     default $LM_BUILD/bin/pop3-fetch or examples/pop3-fetch;
#                     test names start with $LM_FAKE_PREFIX, default "fake")
# Prints "ok NAME" or "FAIL NAME: reason" per test; exit 1 if any failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
W=${1:?usage: pop3_run.sh WORKDIR}
mkdir -p "$W"
W=$(cd "$W" && pwd)
# a rerun in the same WORKDIR starts from empty Maildirs and mailboxes
rm -rf "$W"/md-* "$W"/trav "$W"/*.box "$W"/*.box.orig "$W"/*.state "$W"/*.state.*
PF=${LM_POP3FETCH:-}
if [ -z "$PF" ]; then
	if [ -n "${LM_BUILD:-}" ]; then PF=$LM_BUILD/bin/pop3-fetch
	else PF=$root/examples/pop3-fetch; fi
fi
FAKE=$here/fakepop3.py
BOX="python3 $here/pop3box.py"
nfail=0
FAKEPID=""
trap '[ -n "$FAKEPID" ] && kill "$FAKEPID" 2>/dev/null; exit 1' INT TERM HUP

PFX=${LM_FAKE_PREFIX:-fake}
ok() { echo "ok $PFX-${1#fake-}"; }
bad() { echo "FAIL $PFX-${1#fake-}: $2"; nfail=$((nfail + 1)); }

ALL="pop3-usage pop3-good pop3-good-rerun pop3-state-lost pop3-good-delete pop3-list pop3-pop3s
pop3-trace-redacts pop3-plaintext-control pop3-plaintext-refused
pop3-retrcut pop3-retrcut-rerun pop3-delecut pop3-delecut-rerun
pop3-quitcut pop3-nostls pop3-inject pop3-inuse pop3-nodot
pop3-traversal pop3-traversal-rerun pop3-longline pop3-hugebody
pop3-dupuid pop3-big pop3-locked pop3-two-accounts pop3-apop
pop3-sasl-scram-good pop3-sasl-scram-nonce pop3-sasl-scram-iter0
pop3-sasl-scram-iter4g pop3-sasl-scram-iter1e9 pop3-sasl-chal-huge
pop3-sasl-chal-big pop3-sasl-chal-b64 pop3-sasl-scram-badsig pop3-sasl-scram-e
pop3-sasl-scram-nosig pop3-sasl-plain-more pop3-capsdiffer pop3-noauth-after
pop3-stlserr pop3-inject-late pop3-extrareply pop3-endless pop3-endless-list
pop3-endless-body pop3-endless-body-efbig pop3-efbig-usable pop3-bignum
pop3-bigsize pop3-nul pop3-cont pop3-barelf pop3-state-symlink pop3-slowdrip
pop3-slowdrip-drain pop3-lock-symlink"
if [ ! -x "$PF" ]; then
	for t in $ALL; do bad "fake-$t" "pop3-fetch not built ($PF)"; done
	exit 1
fi

C=$W/certs
if [ ! -s "$C/server.crt" ]; then
	sh "$root/tests/servers/certs.sh" "$C" >/dev/null 2>&1 ||
	    { bad fake-pop3-certs "could not make certificates"; exit 1; }
fi
PW=$W/password
printf '%s' 'pop-Pa55word' > "$PW"
chmod 600 "$PW"

# FSIZE=N: pop3-fetch runs with a file size limit of N bytes (its
# writes past it fail with EFBIG: a disk that cannot take the message)
FSIZE=""
LIMIT=$here/fsize.py
# fake NAME SCENARIO SCHEME BOXFILE [pop3-fetch args...]: run the fake
# with SCENARIO on BOXFILE, then pop3-fetch against it; sets RC, leaves
# the client's stdout/stderr in $P.out/$P.err and the fake's records in
# $P.events
CUT=""
# peak RSS of the client (KB) in $P.rss when GNU time is there
MEASURE=""
/usr/bin/time -f %M -o /dev/null true 2>/dev/null && MEASURE="/usr/bin/time -f %M -o"
# the bound used, 32 MB: below the 64 MB and more the fakes stream, above
# the ~12 MB of an ASan build
rss_mb() { # the client's peak RSS in MB (0 when not measured)
	kb=$(tail -n 1 "$P.rss" 2>/dev/null)
	case $kb in *[!0-9]*|"") echo 0 ;; *) echo $((kb / 1024)) ;; esac
}
fake() {
	name=$1 scen=$2 scheme=$3 box=$4; shift 4
	P=$W/$name
	rm -f "$P".*
	impl=""
	[ "$scheme" = pop3s ] && impl=--implicit
	python3 "$FAKE" --port 0 --scenario "$scen" --certs "$C" --log "$P" \
	    --mailbox "$box" --timeout 20 $impl ${CUT:+--cut $CUT} 2>"$P.fake-err" &
	FAKEPID=$!
	i=0
	while [ ! -s "$P.ready" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	port=$(cat "$P.ready" 2>/dev/null)
	if [ -z "$port" ]; then
		RC=-1; kill "$FAKEPID" 2>/dev/null; FAKEPID=""; return
	fi
	${MEASURE:+$MEASURE $P.rss} timeout 60 ${FSIZE:+python3 "$LIMIT" "$FSIZE"} "$PF" --url "$scheme://bob@localhost:$port" \
	    --password-file "$PW" --cafile "$C/ca.crt" --timeout 10 "$@" \
	    >"$P.out" 2>"$P.err" </dev/null
	RC=$?
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$P.err"; then
		RC="sanitizer($RC)"
	fi
	i=0
	while kill -0 "$FAKEPID" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	kill "$FAKEPID" 2>/dev/null && wait "$FAKEPID" 2>/dev/null
	FAKEPID=""
	touch "$P.events"
}
why() {
	san=$(grep -m 1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$P.err")
	echo "$1 (exit $RC; stderr: $(tail -n 1 "$P.err" | cut -c1-160))${san:+ $san}"
}
rc_in() { for c in "$@"; do [ "$RC" = "$c" ] && return 0; done; return 1; }
sent_any() { for v in "$@"; do grep -q "^CMD $v\$" "$P.events" && return 0; done; return 1; }
early_cmds() { # login or mail commands sent before TLS
	awk '/^TLS-OK/ { exit } /^CMD / && $2 !~ /^(CAPA|STLS|QUIT)$/ { print $2 }' "$P.events" | tr '\n' ' '
}
newbox() { # NAME N [make args]: fresh mailbox $W/NAME.box (+ .orig copy)
	b=$W/$1.box; n=$2; shift 2
	$BOX make "$b" "$n" "$@" && cp "$b" "$b.orig"
}
check() { # BOXNAME MAILDIR [--all] [--none-deleted] [--lf]
	$BOX check "$W/$1.box.orig" "$W/$1.box" "$2" ${3:-} ${4:-} ${5:-} > "$W/check.out" 2>&1
}
nfiles() { find "$1/new" "$1/cur" -type f | wc -l | tr -d ' '; }

# ---- usage (no server) -----------------------------------------------------------
# exit 2 before any connection, each failure on one line: an argument
# holding a line break is echoed with it escaped
. "$here/usage.sh"
t=fake-pop3-usage
r=""
usage_help "$PF" pop3-fetch
U="--url pop3://u@h"
usage_exit2 "$PF" "" "$U" "$U --list --maildir $W/md-usage" "$U --list --delete" \
    "$U --list --state $W/usage.state" "--url imap://u@h --list" "--url pop3://h --list" \
    "$U --list --password x" "$U --list --timeout 0" "$U --list extra" \
    "$U --list --auth NONE" "$U --maildir"
# shellcheck disable=SC2086
usage_one_line "$W/usage.err" 'unknown --auth mechanism: PLAIN\x0aX-Injected: 1' \
    "$PF" $U --list --auth "PLAIN${nl}X-Injected: 1"
# a file name in a message is escaped the same way: a Maildir that
# cannot be created, a --password-file (the shared cli.h)
# shellcheck disable=SC2086
usage_one_line "$W/usage.err" 'md\x0aX-Injected: 1: No such file' \
    env LIBMAIL_PASSWORD=x "$PF" $U --maildir "$W/none/md${nl}X-Injected: 1"
# shellcheck disable=SC2086
usage_one_line "$W/usage.err" 'pw\x0aX-Injected: 1: No such file' \
    "$PF" $U --list --password-file "$W/pw${nl}X-Injected: 1"
[ -e "$W/md-usage" ] && r="$r a usage error created the Maildir;"
if [ -n "$r" ]; then bad $t "want exit 2 for usage errors:$r"; else ok $t; fi

# ---- the good path -------------------------------------------------------------
t=fake-pop3-good
newbox good 5; M=$W/md-good
fake pop3-good good pop3 "$W/good.box" --maildir "$M" --trace
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! grep -q '^TLS-OK' "$P.events"; then bad $t "no TLS"
elif [ -n "$(early_cmds)" ]; then bad $t "sent before TLS: $(early_cmds)"
elif [ "$(cat "$P.out")" != "fetched 5 deleted 0" ]; then bad $t "stdout: $(cat "$P.out")"
elif ! check good "$M" --all --none-deleted; then bad $t "$(cat "$W/check.out")"
elif sent_any DELE; then bad $t "DELE without --delete"
else ok $t; fi

t=fake-pop3-trace-redacts
line=$(grep -E '^(AUTH|PASS)-LINE ' "$P.events" | tail -n 1 | cut -d' ' -f2-)
if ! grep -q '^C: ' "$P.err" || ! grep -q '^S: ' "$P.err"; then bad $t "--trace wrote no C:/S: lines"
elif [ -z "$line" ]; then bad $t "no credentials seen by the fake"
elif grep -q 'pop-Pa55word' "$P.err"; then bad $t "password in clear in the trace"
elif grep -qF "$line" "$P.err"; then bad $t "credentials (base64) in the trace"
else ok $t; fi

t=fake-pop3-good-rerun
fake pop3-good-rerun good pop3 "$W/good.box" --maildir "$M"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(cat "$P.out")" != "fetched 0 deleted 0" ]; then bad $t "rerun: $(cat "$P.out")"
elif sent_any RETR; then bad $t "rerun sent RETR"
elif ! check good "$M" --all --none-deleted; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

t=fake-pop3-state-lost
# saved in new/ but not recorded (state file lost, or a run killed before
# writing it): the UIDL in the file name is enough to skip the message
rm -f "$M/.pop3-state"
fake pop3-state-lost good pop3 "$W/good.box" --maildir "$M"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(cat "$P.out")" != "fetched 0 deleted 0" ]; then bad $t "without the state file: $(cat "$P.out")"
elif [ "$(grep -vc '^#' "$M/.pop3-state")" != 5 ]; then bad $t "state file not rebuilt with the 5 UIDLs"
elif ! check good "$M" --all --none-deleted; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

t=fake-pop3-good-delete
fake pop3-good-delete good pop3 "$W/good.box" --maildir "$M" --delete
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(cat "$P.out")" != "fetched 0 deleted 5" ]; then bad $t "stdout: $(cat "$P.out")"
elif ! check good "$M" --all; then bad $t "$(cat "$W/check.out")"
elif [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$W/good.box")" != 0 ]; then
	bad $t "server mailbox not empty after --delete"
else ok $t; fi

t=fake-pop3-list
newbox list 4
fake pop3-list good pop3 "$W/list.box" --list
$BOX list "$W/list.box" > "$W/list.expected"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! cmp -s "$P.out" "$W/list.expected"; then bad $t "stdout differs: $(head -c 200 "$P.out")"
elif sent_any RETR DELE; then bad $t "--list sent RETR or DELE"
else ok $t; fi

t=fake-pop3-pop3s
newbox pop3s 2; M=$W/md-pop3s
fake pop3-pop3s good pop3s "$W/pop3s.box" --maildir "$M" --delete
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif sent_any STLS; then bad $t "STLS over implicit TLS"
elif ! check pop3s "$M" --all; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

t=fake-pop3-plaintext-control
newbox plain 2; M=$W/md-plain
fake pop3-plaintext-control plain pop3 "$W/plain.box" --maildir "$M" --plaintext
if [ "$RC" != 0 ]; then bad $t "$(why '--plaintext to a server without STLS: expected exit 0')"
elif ! check plain "$M" --all; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

t=fake-pop3-plaintext-refused
fake pop3-plaintext-refused plain pop3 "$W/plain.box" --maildir "$W/md-plain2"
if [ "$RC" != 3 ]; then bad $t "$(why 'no STLS and no --plaintext: expected exit 3')"
elif sent_any USER PASS AUTH APOP; then bad $t "credentials sent without TLS"
else ok $t; fi

# ---- faults: connection cut in RETR, in the DELE sequence, after QUIT ----------
t=fake-pop3-retrcut
newbox retrcut 6; M=$W/md-retrcut
CUT=3 fake pop3-retrcut retrcut pop3 "$W/retrcut.box" --maildir "$M" --delete
CUT=""
if ! rc_in 4 5; then bad $t "$(why 'connection cut inside RETR: expected exit 4 or 5')"
elif ! grep -q '^CUT RETR' "$P.events"; then bad $t "the fake never cut (no third RETR)"
elif ! check retrcut "$M" --none-deleted; then bad $t "$(cat "$W/check.out")"
elif [ "$(nfiles "$M")" != 2 ]; then bad $t "expected the 2 complete messages in the Maildir, found $(nfiles "$M")"
elif [ -n "$(ls "$M/tmp")" ]; then bad $t "partial file left in tmp/"
else ok $t; fi

t=fake-pop3-retrcut-rerun
fake pop3-retrcut-rerun good pop3 "$W/retrcut.box" --maildir "$M" --delete
if [ "$RC" != 0 ]; then bad $t "$(why 'rerun: expected exit 0')"
elif [ "$(cat "$P.out")" != "fetched 4 deleted 6" ]; then bad $t "rerun: $(cat "$P.out")"
elif ! check retrcut "$M" --all; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

t=fake-pop3-delecut
newbox delecut 6; M=$W/md-delecut
CUT=2 fake pop3-delecut delecut pop3 "$W/delecut.box" --maildir "$M" --delete
CUT=""
if ! rc_in 4 5; then bad $t "$(why 'connection cut in the DELE sequence: expected exit 4 or 5')"
elif ! grep -q '^CUT DELE' "$P.events"; then bad $t "the fake never cut (no second DELE)"
elif awk '/^CMD RETR/ { r++ } /^CMD DELE/ { if (r < 1) bad = 1 } END { exit !bad }' "$P.events"; then
	bad $t "DELE before any RETR"
elif ! check delecut "$M" --all --none-deleted; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

t=fake-pop3-delecut-rerun
fake pop3-delecut-rerun good pop3 "$W/delecut.box" --maildir "$M" --delete
if [ "$RC" != 0 ]; then bad $t "$(why 'rerun: expected exit 0')"
elif [ "$(cat "$P.out")" != "fetched 0 deleted 6" ]; then bad $t "rerun: $(cat "$P.out")"
elif sent_any RETR; then bad $t "rerun fetched again"
elif ! check delecut "$M" --all; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

t=fake-pop3-quitcut
newbox quitcut 3; M=$W/md-quitcut
fake pop3-quitcut quitcut pop3 "$W/quitcut.box" --maildir "$M" --delete
if ! rc_in 4 5; then bad $t "$(why 'no +OK to QUIT: expected exit 4 or 5')"
elif ! grep -q '^COMMIT 3 deleted' "$P.events"; then bad $t "the fake did not commit 3 deletions"
elif ! check quitcut "$M" --all; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

# ---- hostile servers ------------------------------------------------------------
t=fake-pop3-nostls
newbox hostile 3
fake pop3-nostls nostls pop3 "$W/hostile.box" --maildir "$W/md-nostls"
if [ "$RC" != 3 ]; then bad $t "$(why 'STLS not offered: expected exit 3')"
elif sent_any USER PASS AUTH APOP RETR; then bad $t "client sent $(grep -E '^CMD (USER|PASS|AUTH|APOP|RETR)' "$P.events" | head -n 1)"
else ok $t; fi

t=fake-pop3-inject
fake pop3-inject inject pop3 "$W/hostile.box" --maildir "$W/md-inject"
if ! rc_in 3 4; then bad $t "$(why 'plaintext injected after +OK to STLS: expected exit 3 or 4')"
elif grep -q '^AFTER-STLS' "$P.events"; then bad $t "client sent after the injection: $(grep '^AFTER-STLS' "$P.events")"
elif sent_any USER PASS AUTH APOP; then bad $t "credentials sent"
else ok $t; fi

t=fake-pop3-inuse
fake pop3-inuse inuse pop3 "$W/hostile.box" --maildir "$W/md-inuse"
if [ "$RC" != 1 ]; then bad $t "$(why '-ERR [IN-USE]: expected exit 1')"
elif ! grep -q 'IN-USE' "$P.err"; then bad $t "stderr does not show the response code"
elif sent_any RETR STAT; then bad $t "carried on after the refusal"
else ok $t; fi

t=fake-pop3-nodot
cp "$W/hostile.box.orig" "$W/hostile.box"; M=$W/md-nodot
fake pop3-nodot nodot pop3 "$W/hostile.box" --maildir "$M" --delete
if ! rc_in 4 5; then bad $t "$(why 'body without the final dot: expected exit 4 or 5')"
elif [ "$(nfiles "$M")" != 0 ]; then bad $t "an incomplete message was saved"
elif [ -n "$(ls "$M/tmp")" ]; then bad $t "partial file left in tmp/"
elif sent_any DELE; then bad $t "DELE sent"
else ok $t; fi

t=fake-pop3-traversal
newbox trav 7 --uids traversal; M=$W/trav/md
mkdir -p "$W/trav"
fake pop3-traversal good pop3 "$W/trav.box" --maildir "$M"
if [ "$RC" != 0 ]; then bad $t "$(why 'UIDLs with ../ and /: expected exit 0')"
elif [ -e /etc/passwd.new ] || [ -e "$W/evil" ] || [ -e "$W/trav/evil" ] || [ -e "$M/a" ]; then bad $t "a UIDL was used as a path"
elif [ "$(find "$M" -type f | grep -v -E '/\.pop3-state(\.lock)?$' | grep -vc -E "^$M/(new|cur|tmp)/[^/]+$")" != 0 ]; then
	bad $t "file outside new/cur/tmp: $(find "$M" -type f | head -n 3)"
elif ! check trav "$M" --all --none-deleted; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

t=fake-pop3-traversal-rerun
fake pop3-traversal-rerun good pop3 "$W/trav.box" --maildir "$M" --delete
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(cat "$P.out")" != "fetched 0 deleted 7" ]; then bad $t "rerun: $(cat "$P.out")"
elif ! check trav "$M" --all; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

t=fake-pop3-longline
cp "$W/hostile.box.orig" "$W/hostile.box"
fake pop3-longline longline pop3 "$W/hostile.box" --maildir "$W/md-longline"
if [ "$RC" != 4 ]; then bad $t "$(why '100 KB CAPA line: expected exit 4')"
elif sent_any STLS USER PASS AUTH RETR; then bad $t "carried on after the long line"
else ok $t; fi

t=fake-pop3-hugebody
cp "$W/hostile.box.orig" "$W/hostile.box"; M=$W/md-hugebody
fake pop3-hugebody hugebody pop3 "$W/hostile.box" --maildir "$M"
f=$(grep -l 'BBBBBBBBBB' "$M"/new/* 2>/dev/null | head -n 1)
if [ "$RC" != 0 ]; then bad $t "$(why 'a 100 KB line inside a body is legal: expected exit 0')"
elif [ -z "$f" ]; then bad $t "the message with the long line was not saved"
elif [ "$(wc -c < "$f" | tr -d ' ')" != $((14 + 102400 + 2)) ]; then bad $t "saved $(wc -c < "$f") bytes, expected $((14 + 102400 + 2))"
else ok $t; fi

t=fake-pop3-dupuid
newbox dup 4; M=$W/md-dup
fake pop3-dupuid dupuid pop3 "$W/dup.box" --maildir "$M" --delete
if [ "$RC" != 0 ]; then bad $t "$(why 'a UIDL listed twice: expected exit 0 (the two left alone)')"
elif [ "$(cat "$P.out")" != "fetched 2 deleted 2" ]; then bad $t "stdout: $(cat "$P.out")"
elif tr -d '\r' < "$P.raw" | grep -qaE '^(RETR|DELE) [12]$'; then bad $t "touched a message with a duplicated UIDL"
elif ! check dup "$M"; then bad $t "$(cat "$W/check.out")"
elif [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$W/dup.box")" != 2 ]; then
	bad $t "expected the 2 duplicated messages left on the server"
else ok $t; fi

t=fake-pop3-big
newbox big 2 --big; M=$W/md-big
fake pop3-big good pop3 "$W/big.box" --maildir "$M" --delete
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! check big "$M" --all; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

t=fake-pop3-two-accounts
# UIDLs are unique per mailbox only: the same UIDLs from another account
# into the same Maildir (own --state) are other messages, fetched again
newbox acct 2; M=$W/md-acct
fake pop3-two-accounts good pop3 "$W/acct.box" --maildir "$M" --state "$W/acct-bob.state"
r1=$(cat "$P.out")
fake pop3-two-accounts good pop3 "$W/acct.box" --maildir "$M" --state "$W/acct-alice.state" --user alice
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$r1" != "fetched 2 deleted 0" ] || [ "$(cat "$P.out")" != "fetched 2 deleted 0" ]; then
	bad $t "expected 2 fetched for each account, got '$r1' and '$(cat "$P.out")'"
elif [ "$(nfiles "$M")" != 4 ]; then bad $t "expected 4 files, found $(nfiles "$M")"
else ok $t; fi

t=fake-pop3-apop
# APOP only when asked; digest = MD5(timestamp || password) (RFC 1939 7),
# computed here with Python's hashlib from the fake's greeting
newbox apop 1; M=$W/md-apop
fake pop3-apop good pop3 "$W/apop.box" --maildir "$M" --auth APOP --trace
want=$(python3 -c 'import hashlib, sys
print("bob " + hashlib.md5(b"<1896.697170952@fake.test>" + open(sys.argv[1], "rb").read()).hexdigest())' "$PW")
got=$(sed -n 's/^APOP-LINE //p' "$P.events")
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$got" != "$want" ]; then bad $t "APOP line '$got', expected '$want'"
elif sent_any AUTH USER PASS; then bad $t "used another login method too"
elif grep -q "${want#bob }" "$P.err"; then bad $t "APOP digest in the trace"
elif [ -n "$(early_cmds)" ]; then bad $t "sent before TLS: $(early_cmds)"
else ok $t; fi

t=fake-pop3-locked
# a second pop3-fetch on the same Maildir would fetch the same messages:
# it must stop before connecting (port 9 is closed: connecting is exit 5)
M=$W/md-good
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[1] + ".held", "w").close(); time.sleep(10)' "$M/.pop3-state.lock" &
LOCKPID=$!
i=0
while [ ! -e "$M/.pop3-state.lock.held" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
timeout 30 "$PF" --url "pop3://bob@127.0.0.1:9" --password-file "$PW" --maildir "$M" \
    --timeout 5 > "$W/locked.out" 2> "$W/locked.err"; RC=$?; P=$W/locked
kill "$LOCKPID" 2>/dev/null; wait "$LOCKPID" 2>/dev/null
rm -f "$M/.pop3-state.lock.held"
if [ "$RC" != 2 ]; then bad $t "$(why 'Maildir locked by another run: expected exit 2')"
elif ! grep -q 'locked' "$W/locked.err"; then bad $t "stderr does not say it is locked"
else ok $t; fi

# ---- SASL: hostile server messages (saslfake.py computes real SCRAM) ----------
# Every failure is LM_ERR_SASL or LM_ERR_PROTOCOL: exit 4; after it no
# STAT/UIDL/RETR/DELE, no second login (no fallback to PLAIN or USER),
# nothing saved, and the password never on the wire (PLAIN: once).
after_auth() { # commands after the first AUTH, QUIT aside
	awk 'f && /^CMD / && $2 != "QUIT" { print $2 } /^CMD AUTH$/ { f = 1 }' "$P.events" | tr '\n' ' '
}
leaks() { python3 "$here/saslfake.py" leak "$P.raw" pop-Pa55word "$1" > "$P.leak"; }
t=fake-pop3-sasl-scram-good
newbox sasl 2; M=$W/md-sasl-good
fake pop3-sasl-scram-good sasl-scram-good pop3 "$W/sasl.box" --maildir "$M"
if [ "$RC" != 0 ]; then bad $t "$(why 'correct SCRAM-SHA-256: expected exit 0')"
elif ! grep -q '^SASL-MECH SCRAM-SHA-256$' "$P.events"; then bad $t "SCRAM-SHA-256 offered but not used"
elif ! grep -q '^SASL-PROOF-OK' "$P.events"; then bad $t "client proof wrong (hashlib disagrees)"
elif ! grep -q '^SASL-AFTER-FINAL $' "$P.events"; then bad $t "no empty response to the server-final challenge"
elif ! leaks 0; then bad $t "password on the wire in $(cat "$P.leak") lines"
elif [ "$(cat "$P.out")" != "fetched 2 deleted 0" ]; then bad $t "stdout: $(cat "$P.out")"
else ok $t; fi

for sc in scram-nonce scram-iter0 scram-iter4g scram-iter1e9 chal-huge chal-big \
    chal-b64 scram-badsig scram-e scram-nosig plain-more; do
	t=fake-pop3-sasl-$sc
	cp "$W/sasl.box.orig" "$W/sasl.box"; M=$W/md-sasl-$sc
	fake "pop3-sasl-$sc" "sasl-$sc" pop3 "$W/sasl.box" --maildir "$M" --delete --trace
	maxleak=0; [ "$sc" = plain-more ] && maxleak=1
	if [ "$RC" != 4 ]; then bad $t "$(why 'hostile SASL server message: expected exit 4')"
	elif ! grep -q '^TLS-OK' "$P.events"; then bad $t "no TLS"
	elif [ -n "$(after_auth)" ]; then bad $t "commands after the failed AUTH: $(after_auth)"
	elif [ "$(grep -c '^CMD AUTH$' "$P.events")" != 1 ] || sent_any USER PASS APOP; then bad $t "tried to log in again (fallback)"
	elif ! leaks $maxleak; then bad $t "password on the wire in $(cat "$P.leak") lines (at most $maxleak)"
	elif grep -q 'pop-Pa55word' "$P.err"; then bad $t "password in the trace"
	elif [ -d "$M/new" ] && [ "$(nfiles "$M")" != 0 ]; then bad $t "messages saved"
	elif [ -s "$P.out" ] && [ "$(cat "$P.out")" != "fetched 0 deleted 0" ]; then bad $t "reported: $(cat "$P.out")"
	else
		case $sc in
		scram-nonce|scram-iter*|chal-*)
			if grep -q '^SASL-CLIENT-FINAL' "$P.events"; then
				bad $t "client answered the bad server-first: $(grep '^SASL-CLIENT-FINAL' "$P.events" | cut -c1-80)"
			else ok $t; fi ;;
		scram-badsig|scram-e|scram-nosig)
			if ! grep -q '^SASL-PROOF-OK' "$P.events"; then bad $t "client proof wrong"
			elif grep -q '^SASL-AFTER-FINAL $' "$P.events"; then bad $t "client accepted the server-final"
			else ok $t; fi ;;
		plain-more)
			if grep -q '^SASL-MORE' "$P.events"; then bad $t "client answered the extra challenge: $(grep '^SASL-MORE' "$P.events")"
			else ok $t; fi ;;
		esac
	fi
done

# ---- audit gaps (tests/fake/README): STARTTLS, parsers ---------------------------
newbox audit 3
t=fake-pop3-capsdiffer
# before TLS: USER and SASL PLAIN; after: only SASL SCRAM-SHA-256
M=$W/md-capsdiffer
fake pop3-capsdiffer capsdiffer pop3 "$W/audit.box" --maildir "$M"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0 with the post-TLS capabilities')"
elif grep -q '^AUTH-WRONG-MECH' "$P.events"; then bad $t "used a login offered only before TLS"
elif ! grep -q '^SASL-PROOF-OK' "$P.events"; then bad $t "no SCRAM exchange"
elif [ "$(cat "$P.out")" != "fetched 3 deleted 0" ]; then bad $t "stdout: $(cat "$P.out")"
else ok $t; fi

t=fake-pop3-noauth-after
# USER and SASL offered only before TLS: no login at all (refused), no
# credentials anywhere
fake pop3-noauth-after noauth-after pop3 "$W/audit.box" --maildir "$W/md-noauth-after"
if [ "$RC" != 1 ]; then bad $t "$(why 'no login method after TLS: expected exit 1')"
elif sent_any USER PASS AUTH APOP STAT RETR; then bad $t "client sent $(grep '^CMD' "$P.events" | tr '\n' ' ')"
elif ! grep -q 'neither SASL nor USER' "$P.err"; then bad $t "stderr: $(tail -n 1 "$P.err")"
else ok $t; fi

t=fake-pop3-stlserr
fake pop3-stlserr stlserr pop3 "$W/audit.box" --maildir "$W/md-stlserr"
if [ "$RC" != 3 ]; then bad $t "$(why 'STLS refused: expected exit 3')"
elif sent_any USER PASS AUTH APOP; then bad $t "credentials sent without TLS"
else ok $t; fi

t=fake-pop3-inject-late
fake pop3-inject-late inject-late pop3 "$W/audit.box" --maildir "$W/md-inject-late"
if [ "$RC" != 3 ]; then bad $t "$(why 'plaintext after +OK to STLS, later read: expected exit 3')"
elif ! grep -q '^INJECTED' "$P.events"; then bad $t "the fake did not inject"
elif grep -q '^TLS-OK' "$P.events"; then bad $t "handshake completed over the injected bytes"
elif sent_any USER PASS AUTH APOP; then bad $t "credentials sent"
else ok $t; fi

t=fake-pop3-extrareply
# "+OK unsolicited" in the read of the CAPA listing answers nothing and
# must not be taken for the +OK to STLS (lm_pop3_stls fails: STLS not sent)
fake pop3-extrareply extrareply pop3 "$W/audit.box" --maildir "$W/md-extrareply"
if [ "$RC" != 4 ]; then bad $t "$(why 'reply for a command not sent: expected exit 4')"
elif sent_any STLS USER PASS AUTH APOP; then bad $t "client sent $(grep '^CMD' "$P.events" | tr '\n' ' ')"
else ok $t; fi

t=fake-pop3-endless
t0=$(date +%s)
fake pop3-endless endless pop3 "$W/audit.box" --maildir "$W/md-endless"
el=$(($(date +%s) - t0))
if [ "$RC" != 4 ]; then bad $t "$(why 'endless CAPA line: expected exit 4')"
elif ! grep -q '^FLOOD .* stopped by the client' "$P.events"; then bad $t "client did not stop the flood: $(grep '^FLOOD' "$P.events")"
elif [ "$el" -gt 10 ]; then bad $t "took $el s"
elif [ "$(rss_mb)" -gt 32 ]; then bad $t "peak RSS $(rss_mb) MB"
elif sent_any STLS USER PASS AUTH; then bad $t "carried on"
else ok $t; fi

# An endless UIDL listing repeats message 1, which pop3-fetch refuses
# (RFC 1939: one listing per message); an endless body runs past twice
# its LIST size + 1 MiB, which pop3-fetch refuses, or meets a file size
# limit (EFBIG). Either way the callback fails, the session reads at
# most LM_POP3_DRAIN_MAX (1 MiB) more and closes: the run ends at once
# (the flood stopped by the client), with exit 4 (the server broke the
# protocol) or 2 (local error), memory bounded, nothing saved, no DELE,
# no QUIT.
for sc in endless-list endless-body endless-body-efbig; do
	t=fake-pop3-$sc
	cp "$W/audit.box.orig" "$W/audit.box"; M=$W/md-$sc
	want=4
	[ "$sc" = endless-body-efbig ] && want=2 && FSIZE=262144
	t0=$(date +%s)
	fake "pop3-$sc" "${sc%-efbig}" pop3 "$W/audit.box" --maildir "$M" --delete
	el=$(($(date +%s) - t0)); FSIZE=""
	if [ "$RC" != "$want" ]; then bad $t "$(why "endless response: expected exit $want")"
	elif ! grep -q '^FLOOD' "$P.events"; then bad $t "the fake did not flood"
	elif ! grep -q '^FLOOD .* stopped by the client' "$P.events"; then bad $t "client did not stop the flood: $(grep '^FLOOD' "$P.events")"
	elif [ "$el" -gt 10 ]; then bad $t "took $el s"
	elif sent_any QUIT; then bad $t "QUIT sent inside a response"
	elif [ "$(rss_mb)" -gt 32 ]; then bad $t "peak RSS $(rss_mb) MB"
	elif sent_any DELE; then bad $t "DELE sent"
	elif [ "$(nfiles "$M" 2>/dev/null || echo 0)" != 0 ] || [ -n "$(ls "$M/tmp" 2>/dev/null)" ]; then bad $t "file left in the Maildir"
	elif [ "$sc" = endless-body-efbig ] && ! grep -q 'File too large' "$P.err"; then bad $t "$(why 'the write error was not reported')"
	elif [ "$sc" = endless-body ] && ! grep -q 'sent more than' "$P.err"; then bad $t "$(why 'the oversized body was not reported')"
	elif [ -s "$P.out" ] && [ "$(cat "$P.out")" != "fetched 0 deleted 0" ]; then bad $t "reported: $(cat "$P.out")"
	else ok $t; fi
done

# A byte every 0.3 s, each well within the 1 s read timeout: only the 2 s
# call limit (--call-timeout) ends the RETR, exit 5, within it + slack;
# the connection is closed without QUIT: nothing saved, nothing deleted.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
t=fake-pop3-slowdrip
newbox slowdrip 3; M=$W/md-slowdrip
t0=$(now_ms)
fake pop3-slowdrip slowdrip pop3 "$W/slowdrip.box" --maildir "$M" --delete \
    --timeout 1 --call-timeout 2
el=$(($(now_ms) - t0))
msg="pop3-fetch: connection to localhost (RETR): the call's time limit (2000 ms) ran out"
if [ "$RC" != 5 ]; then bad $t "$(why 'RETR dripped past the call limit: expected exit 5')"
elif [ "$(tail -n 1 "$P.err")" != "$msg" ]; then bad $t "$(why 'wrong message')"
elif [ "$el" -lt 1900 ] || [ "$el" -gt 5000 ]; then bad $t "took $el ms with a 2 s call limit (+ connect)"
elif ! grep -q '^DRIP .* stopped by the client' "$P.events"; then bad $t "the fake did not drip until the client left: $(grep '^DRIP' "$P.events")"
elif sent_any DELE QUIT; then bad $t "DELE or QUIT sent"
elif grep -q '^COMMIT' "$P.events"; then bad $t "the fake committed deletions"
elif ! cmp -s "$W/slowdrip.box" "$W/slowdrip.box.orig"; then bad $t "mailbox changed"
elif [ "$(nfiles "$M" 2>/dev/null || echo 0)" != 0 ] || [ -n "$(ls "$M/tmp" 2>/dev/null)" ]; then bad $t "file left in the Maildir"
elif [ "$(cat "$P.out")" != "fetched 0 deleted 0" ]; then bad $t "reported: $(cat "$P.out")"
else ok $t; fi

# The callback fails (the message outgrows its LIST size), then the rest
# drips: without any call limit, the drain gives up after one timeout
# (1 s), not LM_POP3_DRAIN_MAX bytes (10 hours at this pace): exit 4.
t=fake-pop3-slowdrip-drain
newbox slowdrain 3; M=$W/md-slowdrain
t0=$(now_ms)
fake pop3-slowdrip-drain slowdrip-drain pop3 "$W/slowdrain.box" --maildir "$M" \
    --delete --timeout 1
el=$(($(now_ms) - t0))
msg="pop3-fetch: RETR: the caller's callback failed (the peer violated the protocol); the rest of the response did not come in time, so the connection was closed without QUIT (no deletion committed)"
if [ "$RC" != 4 ]; then bad $t "$(why 'oversized message, rest dripped: expected exit 4')"
elif ! grep -qxF "$msg" "$P.err"; then bad $t "$(why 'wrong message')"
elif ! grep -q 'sent more than' "$P.err"; then bad $t "$(why 'the oversized body was not reported')"
elif [ "$el" -gt 5000 ]; then bad $t "took $el ms with --timeout 1"
elif ! grep -q '^DRIP .* stopped by the client' "$P.events"; then bad $t "the fake did not drip until the client left: $(grep '^DRIP' "$P.events")"
elif sent_any DELE QUIT; then bad $t "DELE or QUIT sent"
elif ! cmp -s "$W/slowdrain.box" "$W/slowdrain.box.orig"; then bad $t "mailbox changed"
elif [ "$(nfiles "$M" 2>/dev/null || echo 0)" != 0 ] || [ -n "$(ls "$M/tmp" 2>/dev/null)" ]; then bad $t "file left in the Maildir"
else ok $t; fi

# An ordinary message that cannot be written (the last one, ~1 MB, past
# a 256 KB file size limit): its rest is read (within the 1 MiB drain),
# so the session stays usable: QUIT goes out and is answered +OK (with
# --delete, pop3-fetch deletes nothing after a local error); the run
# ends with exit 2, the two messages before it saved.
t=fake-pop3-efbig-usable
newbox efbig 3 --big-last; M=$W/md-efbig
FSIZE=262144
fake pop3-efbig-usable good pop3 "$W/efbig.box" --maildir "$M" --delete
FSIZE=""
if [ "$RC" != 2 ]; then bad $t "$(why 'write failed: expected exit 2')"
elif ! grep -q 'File too large' "$P.err"; then bad $t "$(why 'the write error was not reported')"
elif grep -q 'session closed' "$P.err"; then bad $t "$(why 'the session was closed')"
elif [ "$(cat "$P.out")" != "fetched 2 deleted 0" ]; then bad $t "stdout: $(cat "$P.out")"
elif ! sent_any QUIT || ! grep -q '^COMMIT 0 deleted' "$P.events"; then bad $t "no QUIT after the aborted message: $(grep -E '^(CMD|COMMIT)' "$P.events" | tr '\n' ' ')"
elif [ -n "$(ls "$M/tmp")" ]; then bad $t "partial file left in tmp/"
elif [ "$(nfiles "$M")" != 2 ]; then bad $t "$(nfiles "$M") messages saved, expected 2"
elif ! check efbig "$M" "" --none-deleted; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

# numbers: a 10 KB count (past the line limit), a size past 2^64, a NUL in
# a UID, a "+ " continuation to STAT: exit 4, nothing fetched or deleted
for sc in bignum bigsize nul cont; do
	t=fake-pop3-$sc
	cp "$W/audit.box.orig" "$W/audit.box"; M=$W/md-$sc
	fake "pop3-$sc" "$sc" pop3 "$W/audit.box" --maildir "$M" --delete
	if [ "$RC" != 4 ]; then bad $t "$(why 'malformed reply: expected exit 4')"
	elif sent_any RETR DELE; then bad $t "carried on: $(grep '^CMD' "$P.events" | tr '\n' ' ')"
	elif [ -d "$M/new" ] && [ "$(nfiles "$M")" != 0 ]; then bad $t "messages saved"
	else ok $t; fi
done

# LM_POP3_LENIENT_BARE_LF: a server that ends every line with LF alone
# (bodies dot-stuffed per LF line, ".\n" at the end): everything is
# fetched whole (the lines that start with dots unstuffed), saved as
# received (LF line ends), and deleted on QUIT.
t=fake-pop3-barelf
newbox barelf 4; M=$W/md-barelf
fake pop3-barelf barelf pop3 "$W/barelf.box" --maildir "$M" --delete
if [ "$RC" != 0 ]; then bad $t "$(why 'bare-LF server: expected exit 0')"
elif ! grep -q '^TLS-OK' "$P.events"; then bad $t "no TLS"
elif [ "$(cat "$P.out")" != "fetched 4 deleted 4" ]; then bad $t "stdout: $(cat "$P.out")"
elif ! grep -q '^COMMIT 4 deleted' "$P.events"; then bad $t "no commit"
elif ! check barelf "$M" --all "" --lf; then bad $t "$(cat "$W/check.out")"
else ok $t; fi


# --state in a directory others can write to: the temporary file the
# state is rewritten through must be a fresh one. The old name,
# STATE.tmp<pid>, opened O_TRUNC, followed a symlink planted there (the
# pid is known to whoever watches the run): the file it pointed to was
# truncated and overwritten. plant.sh plants it, then execs pop3-fetch
# under its own pid.
t=fake-pop3-state-symlink
newbox symlink 2; M=$W/md-symlink
printf 'precious\n' > "$W/victim"
cat > "$W/plant.sh" <<'EOS'
#!/bin/sh
ln -s "$LM_VICTIM" "$LM_STATE.tmp$$" || exit 99
exec "$LM_REAL" "$@"
EOS
chmod +x "$W/plant.sh"
LM_VICTIM=$W/victim; LM_STATE=$W/symlink.state; LM_REAL=$PF
export LM_VICTIM LM_STATE LM_REAL
PF=$W/plant.sh
fake pop3-state-symlink good pop3 "$W/symlink.box" --maildir "$M" --state "$W/symlink.state"
PF=$LM_REAL
unset LM_VICTIM LM_STATE LM_REAL
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(cat "$W/victim")" != precious ]; then bad $t "the planted symlink was followed: $(head -c 80 "$W/victim" | tr '\n' ' ')"
elif [ -L "$W/symlink.state" ] || [ "$(grep -vc '^#' "$W/symlink.state")" != 2 ]; then bad $t "state file not a regular file with the 2 UIDLs"
elif ! check symlink "$M" --all --none-deleted; then bad $t "$(cat "$W/check.out")"
else ok $t; fi

# The lock file too: a dangling symlink planted at STATE.lock made the
# old run create (and lock) the file it named, anywhere the user could
# write. Now the run stops before any POP3 command (exit 2, local error).
t=fake-pop3-lock-symlink
newbox locksym 1; M=$W/md-locksym
rm -f "$W/lock-victim"
ln -sf "$W/lock-victim" "$W/locksym.state.lock"
fake pop3-lock-symlink good pop3 "$W/locksym.box" --maildir "$M" --state "$W/locksym.state"
if [ "$RC" != 2 ]; then bad $t "$(why 'expected exit 2')"
elif [ -e "$W/lock-victim" ]; then bad $t "the planted lock symlink was followed: $W/lock-victim created"
elif sent_any RETR DELE USER PASS; then bad $t "POP3 commands sent although the Maildir could not be locked"
else ok $t; fi
rm -f "$W/locksym.state.lock"

[ "$nfail" -eq 0 ]
