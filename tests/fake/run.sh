#!/bin/sh
# mail-send against a hostile fake SMTP server (fakesmtp.py): the client
# must stop, with the right exit status, before sending what it must not.
#
#   sh tests/fake/run.sh WORKDIR   (mail-send from $LM_MAILSEND, default
#                                   examples/mail-send; test names start
#                                   with $LM_FAKE_PREFIX, default "fake")
# Prints "ok NAME" or "FAIL NAME: reason" per test; exit 1 if any failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
W=${1:?usage: run.sh WORKDIR}
mkdir -p "$W"
W=$(cd "$W" && pwd)
MS=${LM_MAILSEND:-$root/examples/mail-send}
FAKE=$here/fakesmtp.py
nfail=0
FAKEPID=""

trap '[ -n "$FAKEPID" ] && kill "$FAKEPID" 2>/dev/null; exit 1' INT TERM HUP

PFX=${LM_FAKE_PREFIX:-fake}
ok() { echo "ok $PFX-${1#fake-}"; }
bad() { echo "FAIL $PFX-${1#fake-}: $2"; nfail=$((nfail + 1)); }

# ---- material ---------------------------------------------------------------
C=$W/certs
if [ ! -s "$C/server.crt" ]; then
	sh "$root/tests/servers/certs.sh" "$C" ||
	    { bad fake-certs "could not make certificates"; exit 1; }
fi
PW=$W/password
printf '%s' 'fake-Pa55word' > "$PW"
chmod 600 "$PW"
printf 'Hello Bob,\nthis is a test.\n.\n..two dots\nbye\n' > "$W/text.txt"
# a 4 MB message, so that the client is still writing when the server closes
python3 -c '
import sys
line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456\n"
sys.stdout.buffer.write(line * (4 * 1024 * 1024 // len(line)))' > "$W/big.txt"
# a raw message built to smuggle a second message past a sloppy client
python3 -c '
import sys
sys.stdout.buffer.write(
    b"From: alice@example.test\r\nTo: bob@example.test\r\n"
    b"Subject: smuggling\r\n\r\n"
    b"line one\r\n"
    b"LF-dot-LF\n.\n"
    b"MAIL FROM:<evil1@example.test>\r\n"
    b"CR-dot-CR\r.\r"
    b"MAIL FROM:<evil2@example.test>\r\n"
    b"LF-dot-CRLF\n.\r\n"
    b"MAIL FROM:<evil3@example.test>\r\n"
    b"RCPT TO:<victim@example.test>\r\nDATA\r\n"
    b"lone CR\rin the middle and lone LF\nin the middle\r\n"
    b".leading dot\r\n"
    b"..two leading dots\r\n"
    b"\r\n.\r\n"
    b"QUIT\r\n"
    b"last line\r\n")' > "$W/smuggle.eml"

if [ ! -x "$MS" ]; then
	for t in usage control-good trace-redacts plaintext-control notls starttls454 \
	    inject wronghost unknownca wronghost-smtps unknownca-smtps dataclose \
	    dataclose-end rcpt550 greet421 longline smuggle-raw smuggle-text \
	    noauth auth535 garbage data554 silent bdat-smuggle bdatclose \
	    ip-literal ip-literal-wronghost smtps-to-plaintext manylines escape escape-trace nulreply drip \
	    sasl-selftest sasl-scram-good sasl-scram-235data sasl-scram-nonce sasl-scram-iter0 \
	    sasl-scram-iter4g sasl-scram-iter1e9 sasl-chal-huge sasl-chal-big \
	    sasl-chal-b64 sasl-scram-badsig sasl-scram-e sasl-scram-nosig \
	    sasl-scram-235badsig sasl-plain-more capsdiffer inject-late extrareply \
	    endless endless-lines bignum bigsize cont334 mid421 rcpt551 \
	    slowdrip slowdrip-final; do
		bad "fake-$t" "mail-send not built ($MS)"
	done
	exit 1
fi

# ---- usage (no server) --------------------------------------------------------
# exit 2 before any connection, each failure on one line: an argument
# holding a line break is echoed with it escaped
. "$here/usage.sh"
t=fake-usage
r=""
usage_help "$MS" mail-send
F="--from a@example.test"
T="--to b@example.test"
usage_exit2 "$MS" "" "--url" "--url smtp://h $T" "--url smtp://h $F" "--url imap://h $F $T" \
    "--url smtp://h $F $T --password x" "--url smtp://h $F $T --timeout 0" \
    "--url smtp://h $F $T --bogus" "--url smtp://h $F $T --auth NONE" \
    "--url smtp://h $F $T --raw $W/text.txt --subject s" "--url smtp://h --from a $T"
# a file that cannot be read: exit 2 (a local error), and what was
# read before it freed (under ASan a leak would make the exit status 1)
usage_exit2 "$MS" "--url smtp://h $F $T --raw $W/none" "--url smtp://h $F $T --text $W/none" \
    "--url smtp://h $F $T --html $W/none" "--url smtp://h $F $T --attach $W/text.txt --attach $W/none"
# shellcheck disable=SC2086
usage_one_line "$W/usage.err" 'bad --from address: a@example.test\x0aX-Injected: 1' \
    "$MS" --url smtp://h --from "a@example.test${nl}X-Injected: 1" $T
# shellcheck disable=SC2086
usage_one_line "$W/usage.err" 'bad --url smtp://h\x0aX-Injected: 2' \
    "$MS" --url "smtp://h${nl}X-Injected: 2" $F $T
# shellcheck disable=SC2086
usage_hidden "$W/usage.err" s3cr3t-pw "$MS" --url "smtp://bob:s3cr3t-pw@h" $F $T
# a file name in a message is escaped the same way (--text, --attach,
# --raw, and --password-file through the shared cli.h)
for o in --text --attach --raw --password-file; do
	# shellcheck disable=SC2086
	usage_one_line "$W/usage.err" "no${o}\\x0aX-Injected: 1: No such file" \
	    "$MS" --url smtp://h $F $T "$o" "$W/no${o}${nl}X-Injected: 1"
done
if [ -n "$r" ]; then bad $t "want exit 2 for usage errors:$r"; else ok $t; fi

# ---- one exchange -----------------------------------------------------------
# peak RSS of the client (KB) in $P.rss when GNU time is there
MEASURE=""
/usr/bin/time -f %M -o /dev/null true 2>/dev/null && MEASURE="/usr/bin/time -f %M -o"
# fake NAME SCENARIO SCHEME [mail-send args...]: runs the fake with
# SCENARIO, then mail-send against it; sets RC, and leaves the client's
# stderr in $W/NAME.err and the fake's records in $W/NAME.{events,data,raw}
fake() {
	name=$1 scen=$2 scheme=$3; shift 3
	P=$W/$name
	rm -f "$P".*
	impl=""
	[ "$scheme" = smtps ] && impl=--implicit
	[ "$scheme" = smtps-plain ] && scheme=smtps
	python3 "$FAKE" --port 0 --scenario "$scen" --certs "$C" --log "$P" \
	    --timeout 20 $impl 2>"$P.fake-err" &
	FAKEPID=$!
	i=0
	while [ ! -s "$P.ready" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	port=$(cat "$P.ready" 2>/dev/null)
	if [ -z "$port" ]; then
		RC=-1; kill "$FAKEPID" 2>/dev/null; FAKEPID=""; return
	fi
	${MEASURE:+$MEASURE $P.rss} timeout 60 "$MS" --url "$scheme://${FAKEHOST:-localhost}:$port" \
	    --from alice@example.test --to bob@example.test \
	    --cafile "$C/ca.crt" --timeout 10 "$@" >"$P.out" 2>"$P.err" </dev/null
	RC=$?
	# a sanitizer report fails every test, whatever the exit status
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$P.err"; then
		RC="sanitizer($RC)"
	fi
	# the fake ends by itself once the client is gone
	i=0
	while kill -0 "$FAKEPID" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	kill "$FAKEPID" 2>/dev/null && wait "$FAKEPID" 2>/dev/null
	FAKEPID=""
	touch "$P.events"
}
auth="--user alice@example.test --password-file $PW"
# the bound used, 32 MB: below the 64 MB and more the fakes stream, above
# the ~12 MB of an ASan build
rss_mb() { # the client's peak RSS in MB (0 when not measured)
	kb=$(tail -n 1 "$P.rss" 2>/dev/null)
	case $kb in *[!0-9]*|"") echo 0 ;; *) echo $((kb / 1024)) ;; esac
}
early_cmds() { # commands other than EHLO/HELO/STARTTLS/QUIT sent before TLS
	awk '/^TLS-OK/ { exit } /^CMD / && $2 !~ /^(EHLO|HELO|STARTTLS|QUIT|RSET|NOOP)$/ { print $2 }' "$P.events" |
	    tr '\n' ' '
}
sent_any() { # the fake saw any of the given verbs
	for v in "$@"; do grep -q "^CMD $v\$" "$P.events" && return 0; done
	return 1
}
rc_in() { # RC is one of the arguments
	for c in "$@"; do [ "$RC" = "$c" ] && return 0; done
	return 1
}
why() { # short reason with the client's last stderr line
	san=$(grep -m 1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$P.err")
	echo "$1 (exit $RC; stderr: $(tail -n 1 "$P.err" | cut -c1-160))${san:+ $san}"
}

# ---- the tests ----------------------------------------------------------------
t=fake-control-good
fake good good smtp $auth --subject "control" --text "$W/text.txt" --trace
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! grep -q '^TLS-OK' "$P.events"; then bad $t "no TLS"
elif [ -n "$(early_cmds)" ]; then bad $t "sent before TLS (AUTH was offered in plaintext): $(early_cmds)"
elif ! sent_any DATA; then bad $t "no DATA sent"
elif ! python3 "$here/check_data.py" "$P.data" >"$P.chk"; then bad $t "payload: $(cat "$P.chk")"
elif ! grep -q 'Hello Bob' "$P.data"; then bad $t "text not in payload"
else ok $t; fi

t=fake-trace-redacts
# same exchange: the password went over the wire (inside TLS) but must
# not appear in the trace, neither in clear nor base64-encoded
cred=$(sed -n 's/^AUTH-LINE //p' "$P.events" | tail -n 1)
dec=$(printf '%s' "$cred" | base64 -d 2>/dev/null | tr '\0' ' ')
if ! grep -q '^C: ' "$P.err" || ! grep -q '^S: ' "$P.err"; then
	bad $t "--trace wrote no C:/S: lines"
elif ! printf '%s' "$dec" | grep -q 'fake-Pa55word'; then
	bad $t "could not find the password on the wire (AUTH line '$cred')"
elif grep -q 'fake-Pa55word' "$P.err"; then bad $t "password in clear in the trace"
elif [ -n "$cred" ] && grep -qF "$cred" "$P.err"; then bad $t "base64 credentials in the trace"
else ok $t; fi

t=fake-plaintext-control
fake plaintext-control notls smtp --plaintext --subject "plain" --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why '--plaintext to a server without STARTTLS: expected exit 0')"
elif ! sent_any DATA; then bad $t "no DATA"
else ok $t; fi

t=fake-notls
fake notls notls smtp $auth --text "$W/text.txt"
if [ "$RC" != 3 ]; then bad $t "$(why 'STARTTLS not offered: expected exit 3')"
elif sent_any AUTH MAIL RCPT DATA; then bad $t "client sent $(grep -E '^CMD (AUTH|MAIL|RCPT|DATA)' "$P.events" | head -n 1)"
else ok $t; fi

t=fake-starttls454
fake starttls454 starttls454 smtp $auth --text "$W/text.txt"
if [ "$RC" != 3 ]; then bad $t "$(why 'STARTTLS refused: expected exit 3')"
elif sent_any AUTH MAIL RCPT DATA; then bad $t "client carried on without TLS"
else ok $t; fi

t=fake-inject
fake inject inject smtp $auth --text "$W/text.txt"
if ! rc_in 3 4; then bad $t "$(why 'bytes after 220 to STARTTLS: expected exit 3 or 4')"
elif sent_any AUTH MAIL RCPT DATA; then bad $t "client carried on after the injection"
else ok $t; fi

for scen in wronghost unknownca; do
	for scheme in smtp smtps; do
		t=fake-$scen; [ "$scheme" = smtps ] && t=$t-smtps
		fake "${t#fake-}" "$scen" "$scheme" $auth --text "$W/text.txt"
		if [ "$RC" != 3 ]; then bad $t "$(why 'bad certificate: expected exit 3')"
		elif grep -q '^TLS-OK' "$P.events"; then bad $t "TLS handshake completed"
		elif sent_any AUTH MAIL RCPT DATA; then bad $t "client sent commands"
		else ok $t; fi
	done
done

t=fake-dataclose
fake dataclose dataclose smtp $auth --text "$W/big.txt"
if ! rc_in 4 5; then bad $t "$(why 'server closed during DATA: expected exit 4 or 5')"
elif ! grep -q 'CLOSE-BY-SERVER' "$P.events"; then bad $t "fake never reached DATA"
else ok $t; fi

t=fake-dataclose-end
fake dataclose-end dataclose-end smtp $auth --text "$W/text.txt"
if ! rc_in 4 5; then bad $t "$(why 'no reply after the payload: expected exit 4 or 5')"
elif ! grep -q 'CLOSE-BY-SERVER' "$P.events"; then bad $t "fake never got the whole payload"
else ok $t; fi

t=fake-rcpt550
fake rcpt550 rcpt550 smtp $auth --to nobody@example.test --text "$W/text.txt"
if [ "$RC" != 1 ]; then bad $t "$(why 'one recipient refused: expected exit 1')"
elif ! grep -q 'nobody@example.test' "$P.err"; then bad $t "stderr does not name the refused recipient"
else ok $t; fi

t=fake-greet421
fake greet421 greet421 smtp $auth --text "$W/text.txt"
if ! rc_in 1 5; then bad $t "$(why '421 greeting: expected exit 1 or 5')"
elif sent_any AUTH MAIL RCPT DATA STARTTLS; then bad $t "client carried on after 421"
else ok $t; fi

t=fake-longline
fake longline longline smtp $auth --text "$W/text.txt"
if [ "$RC" != 4 ]; then bad $t "$(why '100 KB reply line: expected exit 4')"
elif sent_any STARTTLS AUTH MAIL RCPT DATA; then bad $t "client carried on after the long line"
else ok $t; fi

t=fake-smuggle-raw
fake smuggle-raw good smtp $auth --raw "$W/smuggle.eml"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(grep -c '^CMD MAIL$' "$P.events")" != 1 ]; then bad $t "the fake saw more than one MAIL"
elif ! python3 "$here/check_data.py" "$P.data" "$W/smuggle.eml" >"$P.chk"; then bad $t "$(cat "$P.chk")"
else ok $t; fi

t=fake-smuggle-text
# the same hostile body as a --text part: whatever encoding the composer
# picks, the payload must still end once and carry no bare CR or LF
tail -c +70 "$W/smuggle.eml" > "$W/smuggle.txt"
fake smuggle-text good smtp $auth --subject smuggling --text "$W/smuggle.txt"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(grep -c '^CMD MAIL$' "$P.events")" != 1 ]; then bad $t "the fake saw more than one MAIL"
elif ! python3 "$here/check_data.py" "$P.data" >"$P.chk"; then bad $t "$(cat "$P.chk")"
else ok $t; fi

t=fake-noauth
fake noauth noauth smtp $auth --text "$W/text.txt"
if ! rc_in 1 3; then bad $t "$(why 'credentials given, AUTH gone after TLS: expected exit 1 or 3')"
elif sent_any MAIL RCPT DATA BDAT; then bad $t "sent the message without authenticating"
else ok $t; fi

t=fake-auth535
fake auth535 auth535 smtp $auth --text "$W/text.txt"
if [ "$RC" != 1 ]; then bad $t "$(why 'AUTH refused: expected exit 1')"
elif sent_any MAIL RCPT DATA BDAT; then bad $t "carried on after 535"
else ok $t; fi

t=fake-garbage
fake garbage garbage smtp $auth --text "$W/text.txt"
if [ "$RC" != 4 ]; then bad $t "$(why 'HTTP instead of SMTP: expected exit 4')"
elif sent_any STARTTLS AUTH MAIL; then bad $t "carried on after a non-SMTP greeting"
else ok $t; fi

t=fake-data554
fake data554 data554 smtp $auth --text "$W/text.txt"
if [ "$RC" != 1 ]; then bad $t "$(why 'message refused after DATA: expected exit 1')"
elif ! grep -q '554' "$P.err"; then bad $t "stderr does not show the 554 reply"
else ok $t; fi

t=fake-silent
t0=$(date +%s)
fake silent silent smtp $auth --text "$W/text.txt" --timeout 2
el=$(($(date +%s) - t0))
if [ "$RC" != 5 ]; then bad $t "$(why 'silent server, --timeout 2: expected exit 5')"
elif [ "$el" -gt 15 ]; then bad $t "took $el s with --timeout 2"
else ok $t; fi

t=fake-bdat-smuggle
fake bdat-smuggle bdat smtp $auth --raw "$W/smuggle.eml"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! grep -q '^BDAT .* LAST$' "$P.events"; then bad $t "CHUNKING offered but BDAT not used (fine, but then this test says nothing)"
elif [ "$(grep -c '^CMD MAIL$' "$P.events")" != 1 ]; then bad $t "the fake saw more than one MAIL"
elif ! python3 "$here/check_data.py" --bdat "$P.data" "$W/smuggle.eml" >"$P.chk"; then bad $t "$(cat "$P.chk")"
else ok $t; fi

t=fake-bdatclose
fake bdatclose bdatclose smtp $auth --text "$W/big.txt"
if ! rc_in 4 5; then bad $t "$(why 'server closed at BDAT: expected exit 4 or 5')"
elif ! grep -q "^BDAT" "$P.events"; then bad $t "CHUNKING offered but BDAT not used"
else ok $t; fi

t=fake-manylines
fake manylines manylines smtp $auth --text "$W/text.txt"
if ! rc_in 0 4; then bad $t "$(why '20000-line EHLO reply: expected exit 0 (streamed) or 4 (limit)')"
elif [ "$RC" = 0 ] && ! sent_any DATA BDAT; then bad $t "exit 0 without sending"
else ok $t; fi

t=fake-escape
# a reply text must reach the terminal without escape sequences: in the
# error message, and in the --trace lines
fake escape escape smtp $auth --text "$W/text.txt" --trace
ESC=$(printf '\033') BEL=$(printf '\007')
if [ "$RC" != 1 ]; then bad $t "$(why 'recipient refused: expected exit 1')"
elif grep -v '^[CS]: ' "$P.err" | LC_ALL=C grep -q "[$ESC$BEL]"; then
	bad $t "ESC/BEL from the server reached stderr in the error message"
else ok $t; fi
t=fake-escape-trace
if grep '^[CS]: ' "$P.err" | LC_ALL=C grep -q "[$ESC$BEL]"; then
	bad $t "ESC/BEL from the server reached stderr through --trace: $(grep '^S: 550' "$P.err" | cat -v)"
else ok $t; fi

t=fake-nulreply
# a NUL byte is no reply text: the reply is a protocol violation (exit
# 4), not a refusal of the recipient (exit 1, its text shown)
fake nulreply nulreply smtp $auth --text "$W/text.txt" --trace
if [ "$RC" != 4 ]; then bad $t "$(why 'NUL in a 550 reply: expected exit 4')"
elif [ "$(tr -d '\000' < "$P.err" | wc -c)" != "$(wc -c < "$P.err")" ]; then bad $t "NUL from the server reached stderr"
elif sent_any DATA BDAT; then bad $t "sent the message after the broken reply"
else ok $t; fi

t=fake-drip
fake drip drip smtp $auth --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why 'replies one byte at a time: expected exit 0')"
elif ! python3 "$here/check_data.py" "$P.data" >"$P.chk"; then bad $t "payload: $(cat "$P.chk")"
else ok $t; fi

# A byte every 0.3 s, each well within the 1 s read timeout: only the 2 s
# call limit (--call-timeout) ends the call, exit 5, within it + slack.
# ms since the epoch
now_ms() { echo $(($(date +%s%N) / 1000000)); }
t=fake-slowdrip
t0=$(now_ms)
fake slowdrip slowdrip smtp $auth --text "$W/text.txt" --timeout 1 --call-timeout 2
el=$(($(now_ms) - t0))
msg="mail-send: connection to localhost (greeting): the call's time limit (2000 ms) ran out"
if [ "$RC" != 5 ]; then bad $t "$(why 'greeting dripped past the call limit: expected exit 5')"
elif [ "$(tail -n 1 "$P.err")" != "$msg" ]; then bad $t "$(why 'wrong message')"
elif [ "$el" -lt 1900 ] || [ "$el" -gt 4000 ]; then bad $t "took $el ms with a 2 s call limit"
elif ! grep -q '^DRIP .* stopped by the client' "$P.events"; then bad $t "the fake did not drip until the client left: $(grep '^DRIP' "$P.events")"
elif sent_any EHLO HELO; then bad $t "EHLO sent after an unfinished greeting"
else ok $t; fi

# The reply to the end of data drips: the message went out, but no final
# reply came within the limit, so it is not reported as sent (exit 5).
t=fake-slowdrip-final
t0=$(now_ms)
fake slowdrip-final slowdrip-final smtp $auth --text "$W/text.txt" --timeout 1 --call-timeout 2
el=$(($(now_ms) - t0))
msg="mail-send: connection to localhost (end of message): the call's time limit (2000 ms) ran out"
if [ "$RC" != 5 ]; then bad $t "$(why 'final reply dripped past the call limit: expected exit 5')"
elif [ "$(tail -n 1 "$P.err")" != "$msg" ]; then bad $t "$(why 'wrong message')"
elif [ "$el" -lt 1900 ] || [ "$el" -gt 5000 ]; then bad $t "took $el ms with a 2 s call limit (+ connect)"
elif ! grep -q '^DATA ' "$P.events"; then bad $t "the message was not sent, so this tests nothing"
elif ! grep -q '^DRIP .* stopped by the client' "$P.events"; then bad $t "the fake did not drip until the client left: $(grep '^DRIP' "$P.events")"
elif [ -s "$P.out" ]; then bad $t "reported on stdout: $(cat "$P.out")"
elif sent_any QUIT; then bad $t "QUIT inside an unfinished reply"
else ok $t; fi

# IP literals: the certificate's iPAddress SAN must match (RFC 6125 allows
# no DNS-name fallback), and one without it must fail
t=fake-ip-literal
FAKEHOST=127.0.0.1 fake ip-literal good smtp $auth --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why 'certificate has IP:127.0.0.1: expected exit 0')"
elif ! sent_any DATA BDAT; then bad $t "no message sent"
else ok $t; fi

t=fake-ip-literal-wronghost
FAKEHOST=127.0.0.1 fake ip-literal-wronghost wronghost smtp $auth --text "$W/text.txt"
if [ "$RC" != 3 ]; then bad $t "$(why 'no IP SAN in the certificate: expected exit 3')"
elif sent_any AUTH MAIL RCPT DATA; then bad $t "client sent commands"
else ok $t; fi

t=fake-smtps-to-plaintext
# smtps:// to a server that talks plaintext SMTP: the TLS handshake fails
fake smtps-to-plaintext good smtps-plain $auth --text "$W/text.txt"
if [ "$RC" != 3 ]; then bad $t "$(why 'no TLS on an smtps port: expected exit 3')"
elif sent_any EHLO AUTH MAIL; then bad $t "client sent SMTP in plaintext"
else ok $t; fi

# ---- SASL: hostile server messages (saslfake.py computes real SCRAM) ----------
# Every failure is LM_ERR_SASL or LM_ERR_PROTOCOL: exit 4; after it no
# MAIL/RCPT/DATA, no second AUTH (no fallback to the PLAIN also offered),
# and the password never on the wire (SCRAM never sends it; PLAIN once).
after_auth() { # commands after the first AUTH, QUIT aside
	awk 'f && /^CMD / && $2 != "QUIT" { print $2 } /^CMD AUTH$/ { f = 1 }' "$P.events" | tr '\n' ' '
}
leaks() { # at most $1 client lines carry the password (clear or base64)
	python3 "$here/saslfake.py" leak "$P.raw" fake-Pa55word "$1" > "$P.leak"
}
t=fake-sasl-selftest
# the fakes' SCRAM-SHA-256 against the RFC 7677 example
if python3 "$here/saslfake.py" selftest > "$W/sasl-selftest.out" 2>&1; then ok $t
else bad $t "$(cat "$W/sasl-selftest.out")"; fi

t=fake-sasl-scram-good
fake sasl-scram-good sasl-scram-good smtp $auth --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why 'correct SCRAM-SHA-256: expected exit 0')"
elif ! grep -q '^SASL-MECH SCRAM-SHA-256$' "$P.events"; then bad $t "SCRAM-SHA-256 offered but not used"
elif ! grep -q '^SASL-PROOF-OK' "$P.events"; then bad $t "client proof wrong (hashlib disagrees)"
elif ! grep -q '^SASL-AFTER-FINAL $' "$P.events"; then bad $t "no empty response to the server-final challenge"
elif ! leaks 0; then bad $t "password on the wire in $(cat "$P.leak") lines"
elif ! sent_any DATA BDAT; then bad $t "no message sent"
else ok $t; fi

t=fake-sasl-scram-235data
fake sasl-scram-235data sasl-scram-235data smtp $auth --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why 'server-final as 235 success data: expected exit 0')"
elif ! grep -q '^SASL-PROOF-OK' "$P.events"; then bad $t "client proof wrong"
elif ! sent_any DATA BDAT; then bad $t "no message sent"
else ok $t; fi

for sc in scram-nonce scram-iter0 scram-iter4g scram-iter1e9 chal-huge chal-big \
    chal-b64 scram-badsig scram-e scram-nosig scram-235badsig plain-more; do
	t=fake-sasl-$sc
	fake "sasl-$sc" "sasl-$sc" smtp $auth --text "$W/text.txt" --trace
	maxleak=0; [ "$sc" = plain-more ] && maxleak=1
	if [ "$RC" != 4 ]; then bad $t "$(why 'hostile SASL server message: expected exit 4')"
	elif ! grep -q '^TLS-OK' "$P.events"; then bad $t "no TLS"
	elif [ -n "$(after_auth)" ]; then bad $t "commands after the failed AUTH: $(after_auth)"
	elif [ "$(grep -c '^CMD AUTH$' "$P.events")" != 1 ]; then bad $t "AUTH tried again (fallback)"
	elif ! leaks $maxleak; then bad $t "password on the wire in $(cat "$P.leak") lines (at most $maxleak)"
	elif grep -q 'fake-Pa55word' "$P.err"; then bad $t "password in the trace"
	else
		case $sc in
		scram-nonce|scram-iter*|chal-*)
			if grep -q '^SASL-CLIENT-FINAL' "$P.events"; then
				bad $t "client answered the bad server-first: $(grep '^SASL-CLIENT-FINAL' "$P.events" | cut -c1-80)"
			else ok $t; fi ;;
		scram-badsig|scram-e|scram-nosig|scram-235badsig)
			# the fake verified the proof: the named fault is the only one
			if ! grep -q '^SASL-PROOF-OK' "$P.events"; then bad $t "client proof wrong"
			elif grep -q '^SASL-AFTER-FINAL $' "$P.events"; then bad $t "client accepted the server-final"
			else ok $t; fi ;;
		plain-more)
			if grep -q '^SASL-MORE' "$P.events"; then bad $t "client answered the extra challenge: $(grep '^SASL-MORE' "$P.events")"
			else ok $t; fi ;;
		esac
	fi
done

# ---- audit gaps (tests/fake/README): STARTTLS, parsers, referrals --------------
t=fake-capsdiffer
# before TLS: AUTH PLAIN LOGIN and CHUNKING; after: only AUTH SCRAM-SHA-256
# and no CHUNKING. Nothing learned before TLS may be used after it.
fake capsdiffer capsdiffer smtp $auth --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0 with the post-TLS capabilities')"
elif grep -q '^AUTH-WRONG-MECH' "$P.events"; then bad $t "used a mechanism offered only before TLS"
elif ! grep -q '^SASL-PROOF-OK' "$P.events"; then bad $t "no SCRAM exchange"
elif sent_any BDAT || ! sent_any DATA; then bad $t "CHUNKING offered only before TLS, yet BDAT used"
else ok $t; fi

t=fake-inject-late
# plaintext after the 220 to STARTTLS, in a later read than the 220
fake inject-late inject-late smtp $auth --text "$W/text.txt"
if [ "$RC" != 3 ]; then bad $t "$(why 'plaintext before the handshake: expected exit 3')"
elif ! grep -q '^INJECTED' "$P.events"; then bad $t "the fake did not inject"
elif grep -q '^TLS-OK' "$P.events"; then bad $t "handshake completed over the injected bytes"
elif sent_any AUTH MAIL RCPT DATA; then bad $t "client sent commands"
else ok $t; fi

t=fake-extrareply
# an unsolicited 250 right after the EHLO reply, in the same write: it
# answers nothing, and must not be taken for the reply to the STARTTLS
# queued next (lm_smtp_starttls fails); STARTTLS is not even sent
fake extrareply extrareply smtp $auth --text "$W/text.txt"
if [ "$RC" != 4 ]; then bad $t "$(why 'reply for a command not sent: expected exit 4')"
elif grep -q '^TLS-OK' "$P.events"; then bad $t "TLS started"
elif sent_any STARTTLS AUTH MAIL RCPT DATA; then bad $t "client sent $(grep '^CMD' "$P.events" | tr '\n' ' ')"
else ok $t; fi

for sc in endless endless-lines; do
	t=fake-$sc
	# an EHLO reply that never ends: an error at the line (2048) or line
	# count (256) limit, fast, in bounded memory, not when the fake gives up
	t0=$(date +%s)
	fake "$sc" "$sc" smtp $auth --text "$W/text.txt"
	el=$(($(date +%s) - t0))
	if [ "$RC" != 4 ]; then bad $t "$(why 'endless reply: expected exit 4')"
	elif ! grep -q '^FLOOD .* stopped by the client' "$P.events"; then bad $t "client did not stop the flood: $(grep '^FLOOD' "$P.events")"
	elif [ "$el" -gt 10 ]; then bad $t "took $el s"
	elif [ "$(rss_mb)" -gt 32 ]; then bad $t "peak RSS $(rss_mb) MB"
	elif sent_any STARTTLS AUTH MAIL; then bad $t "carried on"
	else ok $t; fi
done

t=fake-bignum
fake bignum bignum smtp $auth --text "$W/text.txt"
if [ "$RC" != 4 ]; then bad $t "$(why 'SIZE with a 10 KB number (line past 2048): expected exit 4')"
elif sent_any STARTTLS AUTH MAIL; then bad $t "carried on"
else ok $t; fi

t=fake-bigsize
# SIZE 99999999999999999999999999999 overflows 64 bits: no limit, and the
# 300-byte message goes
fake bigsize bigsize smtp $auth --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why 'SIZE past 2^64: expected exit 0')"
elif ! python3 "$here/check_data.py" "$P.data" >"$P.chk"; then bad $t "payload: $(cat "$P.chk")"
else ok $t; fi

t=fake-cont334
# a continuation nobody asked for: 334 to MAIL FROM is a refusal (not 2xx);
# no AUTH data, no DATA
fake cont334 cont334 smtp $auth --text "$W/text.txt"
if [ "$RC" != 1 ]; then bad $t "$(why '334 to MAIL: expected exit 1')"
elif sent_any DATA BDAT; then bad $t "sent the message"
elif grep '^CMD ' "$P.events" | grep -qvE '^CMD (EHLO|STARTTLS|AUTH|MAIL|RCPT|RSET|QUIT)$'; then
	bad $t "answered the continuation: $(grep '^CMD' "$P.events" | tr '\n' ' ')"
elif ! grep -q '334' "$P.err"; then bad $t "stderr does not show the reply"
else ok $t; fi

t=fake-mid421
# the server closes (421) in the middle of the transaction: refused, the
# message is not reported sent
fake mid421 mid421 smtp $auth --text "$W/text.txt"
if [ "$RC" != 1 ]; then bad $t "$(why '421 to MAIL: expected exit 1')"
elif ! grep -q '421' "$P.err"; then bad $t "stderr does not show the 421"
elif sent_any RCPT DATA BDAT; then bad $t "carried on after 421"
elif [ -s "$P.out" ]; then bad $t "stdout: $(head -c 80 "$P.out")"
else ok $t; fi

t=fake-rcpt551
# "551 User not local; please try <bob@evil.test>": a refusal, never
# followed (no RCPT to the other address, no DATA)
fake rcpt551 rcpt551 smtp $auth --text "$W/text.txt"
if [ "$RC" != 1 ]; then bad $t "$(why '551 to the only RCPT: expected exit 1')"
elif grep -q 'evil' "$P.raw"; then bad $t "client used the forwarding address"
elif sent_any DATA BDAT; then bad $t "sent the message"
elif [ "$(grep -c '^CMD RCPT$' "$P.events")" != 1 ]; then bad $t "RCPT tried again"
else ok $t; fi

[ "$nfail" -eq 0 ]
