#!/bin/sh
# examples/imap-client against a hostile fake IMAP server (fakeimap.py):
# the client must stop, with the right exit status, before sending what
# it must not, and must print exactly what the server holds when the
# server is merely unusual.
#
#   sh tests/fake/run-imap.sh WORKDIR   (imap-client from $LM_IMAPCLIENT,
#                                        default $LM_BUILD/bin/imap-client or
#                                        examples/imap-client; test
#                                        names start with $LM_FAKE_PREFIX,
#                                        default "fake-imap")
# Prints "ok NAME" or "FAIL NAME: reason" per test; exit 1 if any failed.
#
# Documented outcomes: an unsolicited BYE (and close) in the middle of a
# session exits 1 (the server refused to go on; its text is shown);
# a connection closed in the middle of a literal exits 5 and --out
# leaves no file behind.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
W=${1:?usage: run-imap.sh WORKDIR}
mkdir -p "$W"
W=$(cd "$W" && pwd)
if [ -n "${LM_IMAPCLIENT:-}" ]; then IC=$LM_IMAPCLIENT
elif [ -n "${LM_BUILD:-}" ]; then IC=$LM_BUILD/bin/imap-client
else IC=$root/examples/imap-client; fi
FAKE=$here/fakeimap.py
nfail=0
FAKEPID=""

trap '[ -n "$FAKEPID" ] && kill "$FAKEPID" 2>/dev/null; exit 1' INT TERM HUP

PFX=${LM_FAKE_PREFIX:-fake-imap}
ok() { echo "ok $PFX-$1"; }
bad() { echo "FAIL $PFX-$1: $2"; nfail=$((nfail + 1)); }

ALL="usage control-good trace-redacts reask-caps gmail-caps fetch-stdout fetch-out search list \
badlist noisylist badstatus create-utf8 append headers headers-controls idle idle-noop login-only untagged-search untagged-fetch drip \
notls starttls-no inject preauth preauth-imaps wrongtag logindisabled \
logindisabled-auth hugeliteral hugeliteral-list bye greetbye \
literalclose-out literalclose-stdout nilbody authno garbage silent longline escape \
wronghost unknownca wronghost-imaps unknownca-imaps plaintext-control \
sasl-scram-good sasl-scram-nonce sasl-scram-iter0 sasl-scram-iter4g sasl-scram-iter1e9 \
sasl-chal-huge sasl-chal-big sasl-chal-b64 sasl-scram-badsig sasl-scram-e \
sasl-scram-nosig sasl-plain-more capsdiffer starttls-untagged starttls-futuretag \
inject-late endless endless-untagged literal4g literal2p64 literalneg nest nest1k-headers \
nest1k-fetch nest1k-fetch-stdout bignum bigdate nul cont referral byemid slowdrip"

if [ ! -x "$IC" ]; then
	for t in $ALL; do bad "$t" "imap-client not built ($IC)"; done
	exit 1
fi

# ---- material ---------------------------------------------------------------
C=$W/certs
if [ ! -s "$C/server.crt" ]; then
	sh "$root/tests/servers/certs.sh" "$C" ||
	    { bad certs "could not make certificates"; exit 1; }
fi
PW=$W/password
printf '%s' 'fake-Pa55word' > "$PW"
chmod 600 "$PW"
# the fake's messages, written by the fake's own module (the expected bytes)
python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
import fakeimap
open(sys.argv[2] + "/msg3.eml", "wb").write(fakeimap.MESSAGE3)
open(sys.argv[2] + "/msg1.eml", "wb").write(fakeimap.MESSAGE1)' "$here" "$W"
printf 'From: a@example.test\r\nSubject: up\r\n\r\nappended {3}\r\nbody\r\n' > "$W/up.eml"

# ---- usage (no server) --------------------------------------------------------
. "$here/usage.sh"
t=usage
r=""
usage_help "$IC" imap-client
usage_exit2 "$IC" "--url imap://h" "--url imap://h fetch abc" "--url imap://h fetch 0" \
    "--url imap://h move 1" "--url imap://h bogus" "--url smtp://h list" \
    "--url imap://h --password x list" "--url imap://h --timeout 0 list" \
    "--url imap://h list --out f" "--url imap://h list extra" \
    "--url imap://h search UNSEEN --bogus" "--url imap://h search --password x" \
    "--url imap://h search $(printf 'ALL %.0s' $(seq 65))"
# each failure on one line: an argument's line break is echoed escaped
usage_one_line "$W/usage.err" 'unknown command: list\x0aX-Injected: 1' \
    "$IC" --url imap://h "list${nl}X-Injected: 1"
usage_hidden "$W/usage.err" s3cr3t-pw "$IC" --url "imap://bob:s3cr3t-pw@h/INBOX" list
grep -q 'bad --url imap://bob:\.\.\.@h/INBOX' "$W/usage.err" || r="$r no 'bad --url' message: $(cat "$W/usage.err");"
# a file name in a message is escaped the same way (--password-file,
# through the shared cli.h)
usage_one_line "$W/usage.err" 'pw\x0aX-Injected: 1: No such file' \
    "$IC" --url imap://h --password-file "$W/pw${nl}X-Injected: 1" list
# append FILE is checked before connecting (issue 4: exit 2 for a local
# error): a missing file, a directory or too long --flags exit 2 even
# when the server is down (nothing listens on 127.0.0.1:1)
D="--url imap://127.0.0.1:1 --timeout 5 append"
usage_exit2 "$IC" "$D $W/none" "$D $W" "$D $W/up.eml --flags $(printf '%01100d' 0)"
usage_one_line "$W/usage.err" 'up\x0aX-Injected: 1: No such file' \
    "$IC" --url imap://127.0.0.1:1 --timeout 5 append "$W/up${nl}X-Injected: 1"
if [ -n "$r" ]; then bad $t "want exit 2 for usage errors:$r"; else ok $t; fi

# ---- one exchange -----------------------------------------------------------
# peak RSS of the client (KB) in $P.rss when GNU time is there
MEASURE=""
/usr/bin/time -f %M -o /dev/null true 2>/dev/null && MEASURE="/usr/bin/time -f %M -o"
# the bound used, 32 MB: below the 64 MB and more the fakes stream, above
# the ~12 MB of an ASan build
rss_mb() { # the client's peak RSS in MB (0 when not measured)
	kb=$(tail -n 1 "$P.rss" 2>/dev/null)
	case $kb in *[!0-9]*|"") echo 0 ;; *) echo $((kb / 1024)) ;; esac
}
# fake NAME SCENARIO SCHEME [imap-client args...]: runs the fake with
# SCENARIO, then imap-client against it; sets RC, leaves the client's
# stdout/stderr in $W/NAME.out/.err and the fake's records in $W/NAME.*
fake() {
	name=$1 scen=$2 scheme=$3; shift 3
	P=$W/$name
	rm -f "$P".*
	impl=""
	[ "$scheme" = imaps ] && impl=--implicit
	python3 "$FAKE" --port 0 --scenario "$scen" --certs "$C" --log "$P" \
	    --timeout 20 $impl 2>"$P.fake-err" &
	FAKEPID=$!
	i=0
	while [ ! -s "$P.ready" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	port=$(cat "$P.ready" 2>/dev/null)
	if [ -z "$port" ]; then
		RC=-1; kill "$FAKEPID" 2>/dev/null; FAKEPID=""; return
	fi
	${MEASURE:+$MEASURE $P.rss} timeout 60 "$IC" --url "$scheme://${FAKEHOST:-localhost}:$port/INBOX" \
	    --cafile "$C/ca.crt" --timeout 10 "$@" >"$P.out" 2>"$P.err" </dev/null
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
auth="--user alice@example.test --password-file $PW"
sent_any() { # the fake saw any of the given verbs
	for v in "$@"; do grep -q "^CMD $v\$" "$P.events" && return 0; done
	return 1
}
creds_before_tls() { # LOGIN or AUTHENTICATE before TLS-OK
	awk '/^TLS-OK/ { exit } /^CMD (LOGIN|AUTHENTICATE)$/ { print $2 }' "$P.events" | head -n 1
}
after_starttls() { # commands after STARTTLS
	awk 'f && /^CMD / { print $2 } /^CMD STARTTLS$/ { f = 1 }' "$P.events" | tr '\n' ' '
}
rc_in() { for c in "$@"; do [ "$RC" = "$c" ] && return 0; done; return 1; }
why() {
	san=$(grep -m 1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$P.err")
	echo "$1 (exit $RC; stderr: $(tail -n 1 "$P.err" | cut -c1-160))${san:+ $san}"
}

# ---- the tests ----------------------------------------------------------------
t=control-good
fake good good imap $auth --trace capabilities
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! grep -q '^TLS-OK' "$P.events"; then bad $t "no STARTTLS"
elif [ -n "$(creds_before_tls)" ]; then bad $t "credentials before TLS ($(creds_before_tls))"
elif ! sent_any AUTHENTICATE; then bad $t "did not AUTHENTICATE (AUTH=PLAIN was offered)"
elif sent_any LOGIN; then bad $t "used LOGIN although AUTH=PLAIN was offered"
elif ! grep -qx 'IMAP4rev1' "$P.out" || ! grep -qx 'MOVE' "$P.out"; then
	bad $t "capabilities after login missing: $(tr '\n' ' ' < "$P.out")"
else ok $t; fi

t=trace-redacts
cred=$(sed -n 's/^AUTH-LINE //p' "$P.events" | tail -n 1)
dec=$(printf '%s' "$cred" | base64 -d 2>/dev/null | tr '\0' ' ')
if ! grep -q '^C: ' "$P.err" || ! grep -q '^S: ' "$P.err"; then bad $t "--trace wrote no C:/S: lines"
elif ! printf '%s' "$dec" | grep -q 'fake-Pa55word'; then bad $t "password not found on the wire ('$cred')"
elif grep -q 'fake-Pa55word' "$P.err"; then bad $t "password in clear in the trace"
elif [ -n "$cred" ] && grep -qF "$cred" "$P.err"; then bad $t "base64 credentials in the trace"
else ok $t; fi

t=reask-caps
# RFC 3501 6.2.1: capabilities learned before TLS are forgotten; the
# client asks again once TLS is up (or gets them with the login OK)
if awk '/^TLS-OK/ { f = 1 } f && /^CMD CAPABILITY$/ { found = 1 } END { exit !found }' "$P.events"; then
	ok $t
else bad $t "no CAPABILITY after TLS: $(grep '^CMD' "$P.events" | tr '\n' ' ')"; fi

t=gmail-caps
# Gmail sends the post-login list in an untagged CAPABILITY before the OK
# (no code) of AUTHENTICATE: kept, so after TLS CAPABILITY is asked once
# (by tls_done), not again after the login; the list printed is the
# post-login one (MOVE)
fake gmail-caps gmailcaps imap $auth capabilities
ncap=$(awk '/^TLS-OK/ { f = 1 } f && /^CMD CAPABILITY$/ { n++ } END { print n + 0 }' "$P.events")
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! sent_any AUTHENTICATE; then bad $t "did not AUTHENTICATE"
elif [ "$ncap" != 1 ]; then bad $t "$ncap CAPABILITY commands after TLS (want 1): $(grep '^CMD' "$P.events" | tr '\n' ' ')"
elif ! grep -qx 'MOVE' "$P.out" || grep -qx 'AUTH=PLAIN' "$P.out"; then
	bad $t "not the post-login capabilities: $(tr '\n' ' ' < "$P.out")"
else ok $t; fi

t=fetch-stdout
fake fetch-stdout good imap $auth fetch 3
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! cmp -s "$P.out" "$W/msg3.eml"; then bad $t "stdout differs from the message ($(wc -c < "$P.out") bytes)"
elif sent_any UID\ STORE STORE; then bad $t "changed flags while fetching"
elif ! grep -q '^ARGS 3 .*BODY.PEEK\[\]' "$P.events"; then bad $t "not UID FETCH 3 BODY.PEEK[]: $(grep '^ARGS 3' "$P.events")"
else ok $t; fi

t=fetch-out
fake fetch-out good imap $auth fetch 3 --out "$W/fetch-out.eml"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! cmp -s "$W/fetch-out.eml" "$W/msg3.eml"; then bad $t "file differs from the message"
elif [ -s "$P.out" ]; then bad $t "wrote to stdout with --out"
else ok $t; fi

t=search
fake search good imap $auth search UNSEEN FROM alice
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(cat "$P.out")" != "$(printf '1\n3')" ]; then bad $t "stdout: $(tr '\n' ' ' < "$P.out")"
elif ! grep -q '^ARGS .*UNSEEN FROM alice' "$P.events"; then bad $t "criteria not sent: $(grep 'SEARCH' -A1 "$P.events" | tr '\n' ' ')"
else ok $t; fi

t=list
fake list good imap $auth list
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! grep -q "^$(printf 'T\303\244st')\( \|\$\)" "$P.out"; then bad $t "no UTF-8 Täst line: $(tr '\n' '|' < "$P.out")"
elif ! grep '^Sent' "$P.out" | grep -q '\\Sent'; then bad $t "Sent without its \\Sent attribute"
elif ! grep -q '^INBOX' "$P.out"; then bad $t "no INBOX"
else ok $t; fi

# a LIST or STATUS response that cannot be read is skipped by the engine
# (LM_IMAP_LENIENT_RESYNC); the command read that kind of response, so
# its result is incomplete: exit 4, said so; a vendor response is no
# such thing (noisylist: exit 0, the whole list)
t=badlist
fake badlist badlist imap $auth list
if [ "$RC" != 4 ]; then bad $t "$(why 'unreadable LIST response: expected exit 4')"
elif [ "$(cat "$P.err")" != 'imap-client: LIST: a LIST response from the server could not be read (protocol violation); the list is incomplete' ]; then bad $t "stderr: $(head -c 300 "$P.err")"
else ok $t; fi
t=noisylist
fake noisylist noisylist imap $auth list
if [ "$RC" != 0 ]; then bad $t "$(why 'vendor response in LIST: expected exit 0')"
elif [ "$(grep -c . "$P.out")" != 3 ]; then bad $t "stdout: $(tr '\n' '|' < "$P.out")"
else ok $t; fi
t=badstatus
fake badstatus badstatus imap $auth status INBOX
if [ "$RC" != 4 ]; then bad $t "$(why 'unreadable STATUS response: expected exit 4')"
elif [ "$(cat "$P.err")" != 'imap-client: STATUS: a STATUS response from the server could not be read (protocol violation); the values are incomplete' ]; then bad $t "stderr: $(head -c 300 "$P.err")"
elif [ -s "$P.out" ]; then bad $t "printed: $(head -c 80 "$P.out")"
else ok $t; fi

t=create-utf8
fake create-utf8 good imap $auth create "$(printf 'T\303\244st/\303\234')"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! grep -q '^ARGS "\{0,1\}T&AOQ-st/&ANw-"\{0,1\}$' "$P.events"; then
	bad $t "not sent in modified UTF-7: $(grep -A1 '^CMD CREATE' "$P.events" | tr '\n' ' ')"
else ok $t; fi

t=append
fake append good imap $auth append "$W/up.eml" --flags '\Seen,\Flagged'
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! cmp -s "$P.append" "$W/up.eml"; then bad $t "the fake received other bytes"
elif [ "$(cat "$P.out")" != 4 ]; then bad $t "APPENDUID 7 4 but stdout: $(cat "$P.out")"
elif ! grep -q '^ARGS "\{0,1\}INBOX"\{0,1\} (\\Seen \\Flagged)' "$P.events"; then bad $t "flags: $(grep '^ARGS INBOX' "$P.events")"
else ok $t; fi

t=headers
fake headers good imap $auth headers 3
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! grep -q 'alice@example.test' "$P.out"; then bad $t "no sender: $(tr '\n' '|' < "$P.out")"
elif ! grep -q '2 Feb 2026' "$P.out"; then bad $t "no date: $(tr '\n' '|' < "$P.out")"
elif ! grep -q "$(printf 'Gr\303\274\303\237e')\|=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=" "$P.out"; then bad $t "no subject: $(tr '\n' '|' < "$P.out")"
else ok $t; fi

# encoded words that decode to control characters: C0 (ESC, BEL) and C1
# (U+009B, CSI for a UTF-8 terminal: an escape sequence without ESC)
t=headers-controls
fake headers-controls c1 imap $auth headers 3
ESC=$(printf '\033') BEL=$(printf '\007') CSI=$(printf '\302\233')
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif LC_ALL=C grep -q "[$ESC$BEL]\|$CSI" "$P.out"; then bad $t "control characters from the server reached stdout: $(od -c "$P.out" | head -n 4 | tr '\n' '|')"
elif ! grep -q 'Gr?2J?]0;x?e' "$P.out" || ! grep -q 'Al?31mice <alice@example.test>' "$P.out"; then
	bad $t "subject or sender not shown (controls as '?'): $(tr '\n' '|' < "$P.out")"
else ok $t; fi

t=idle
fake idle good imap $auth idle --seconds 2
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(cat "$P.out")" != "$(printf 'EXISTS 3\nEXPUNGE 2\nFETCH 1 FLAGS (\\Seen \\Flagged)')" ]; then
	bad $t "stdout: $(tr '\n' '|' < "$P.out")"
elif ! grep -q '^IDLE-END DONE$' "$P.events"; then bad $t "IDLE not ended with DONE"
else ok $t; fi

t=idle-noop
# without IDLE the client polls with NOOP (every 10 s, and at the start)
fake idle-noop noidle imap $auth idle --seconds 12
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif sent_any IDLE; then bad $t "sent IDLE although not offered"
elif [ "$(cat "$P.out")" != "$(printf 'EXISTS 3\nFETCH 1 FLAGS (\\Answered)')" ]; then
	bad $t "stdout: $(tr '\n' '|' < "$P.out") (NOOPs: $(grep -c '^CMD NOOP$' "$P.events"))"
else ok $t; fi

t=login-only
fake login-only loginonly imap $auth --trace search ALL
if [ "$RC" != 0 ]; then bad $t "$(why 'LOGIN under TLS: expected exit 0')"
elif ! grep -q '^LOGIN-PASSWORD-SEEN' "$P.events"; then bad $t "no LOGIN with the password"
elif [ -n "$(creds_before_tls)" ]; then bad $t "LOGIN before TLS"
elif grep -q 'fake-Pa55word' "$P.err"; then bad $t "password in the trace"
elif [ "$(cat "$P.out")" != "$(printf '1\n3')" ]; then bad $t "stdout: $(tr '\n' ' ' < "$P.out")"
else ok $t; fi

t=untagged-search
fake untagged-search untagged imap $auth search ALL
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif [ "$(cat "$P.out")" != "$(printf '1\n3')" ]; then bad $t "stdout: $(tr '\n' ' ' < "$P.out")"
else ok $t; fi

t=untagged-fetch
fake untagged-fetch untagged imap $auth fetch 3
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif ! cmp -s "$P.out" "$W/msg3.eml"; then bad $t "stdout differs from the message"
else ok $t; fi

t=drip
fake drip drip imap $auth fetch 3
if [ "$RC" != 0 ]; then bad $t "$(why 'responses one byte at a time: expected exit 0')"
elif ! cmp -s "$P.out" "$W/msg3.eml"; then bad $t "stdout differs from the message"
else ok $t; fi

t=notls
fake notls notls imap $auth search ALL
if [ "$RC" != 3 ]; then bad $t "$(why 'STARTTLS not offered: expected exit 3')"
elif sent_any LOGIN AUTHENTICATE SELECT EXAMINE; then bad $t "client sent $(grep -E '^CMD (LOGIN|AUTHENTICATE|SELECT|EXAMINE)' "$P.events" | head -n 1)"
else ok $t; fi

t=starttls-no
fake starttls-no starttls-no imap $auth search ALL
if [ "$RC" != 3 ]; then bad $t "$(why 'STARTTLS refused: expected exit 3')"
elif sent_any LOGIN AUTHENTICATE SELECT EXAMINE; then bad $t "client carried on without TLS"
else ok $t; fi

t=inject
fake inject inject imap $auth search ALL
if ! rc_in 3 4; then bad $t "$(why 'bytes after the OK to STARTTLS: expected exit 3 or 4')"
elif [ -n "$(after_starttls)" ]; then bad $t "client sent after the injection: $(after_starttls)"
else ok $t; fi

t=preauth
fake preauth preauth imap $auth search ALL
if [ "$RC" != 3 ]; then bad $t "$(why 'PREAUTH on imap:// (no TLS possible): expected exit 3')"
elif grep '^CMD' "$P.events" | grep -qv '^CMD LOGOUT$'; then bad $t "client sent $(grep '^CMD' "$P.events" | tr '\n' ' ')"
else ok $t; fi

t=preauth-imaps
fake preauth-imaps preauth imaps $auth search ALL
if [ "$RC" != 0 ]; then bad $t "$(why 'PREAUTH inside implicit TLS: expected exit 0')"
elif sent_any LOGIN AUTHENTICATE; then bad $t "authenticated although PREAUTH"
elif [ "$(cat "$P.out")" != "$(printf '1\n3')" ]; then bad $t "stdout: $(tr '\n' ' ' < "$P.out")"
else ok $t; fi

t=wrongtag
fake wrongtag wrongtag imap $auth search ALL
if [ "$RC" != 4 ]; then bad $t "$(why 'tagged OK for a tag never sent: expected exit 4')"
elif [ "$(grep -c '^CMD' "$P.events")" != 1 ]; then bad $t "carried on after the bogus tag: $(grep '^CMD' "$P.events" | tr '\n' ' ')"
else ok $t; fi

t=logindisabled
fake logindisabled logindisabled imap $auth search ALL
if ! rc_in 1 3; then bad $t "$(why 'LOGINDISABLED, no AUTH=: expected exit 1 or 3')"
elif sent_any LOGIN; then bad $t "sent LOGIN under LOGINDISABLED"
elif sent_any SELECT EXAMINE UID\ SEARCH; then bad $t "carried on unauthenticated"
else ok $t; fi

t=logindisabled-auth
fake logindisabled-auth logindisabled-auth imap $auth search ALL
if [ "$RC" != 0 ]; then bad $t "$(why 'LOGINDISABLED with AUTH=PLAIN: expected exit 0')"
elif sent_any LOGIN; then bad $t "sent LOGIN under LOGINDISABLED"
elif ! sent_any AUTHENTICATE; then bad $t "did not AUTHENTICATE"
else ok $t; fi

t=hugeliteral
fake hugeliteral hugeliteral imap $auth fetch 3 --out "$W/huge.eml"
if [ "$RC" != 4 ]; then bad $t "$(why 'literal size past 2^64: expected exit 4')"
elif [ -e "$W/huge.eml" ]; then bad $t "--out file left behind"
else ok $t; fi

t=hugeliteral-list
# refused at the literal's header: no mailbox listed (neither the
# literal's text nor the "INBOX" after it taken for a name)
fake hugeliteral-list hugeliteral-list imap $auth list
if [ "$RC" != 4 ]; then bad $t "$(why '4 GB mailbox name literal: expected exit 4')"
elif [ -s "$P.out" ]; then bad $t "printed: $(head -c 80 "$P.out")"
else ok $t; fi

t=bye
fake bye bye imap $auth search ALL
if ! rc_in 1 5; then bad $t "$(why 'unsolicited BYE: expected exit 1 (or 5)')"
elif [ "$RC" = 1 ] && ! grep -q 'shutting down' "$P.err"; then bad $t "exit 1 without the BYE text"
elif [ -s "$P.out" ]; then bad $t "printed results: $(head -c 80 "$P.out")"
else ok $t; fi

t=greetbye
fake greetbye greetbye imap $auth search ALL
if ! rc_in 1 5; then bad $t "$(why 'BYE greeting: expected exit 1 or 5')"
elif sent_any STARTTLS LOGIN AUTHENTICATE; then bad $t "carried on after BYE"
else ok $t; fi

t=literalclose-out
fake literalclose-out literalclose imap $auth fetch 3 --out "$W/lc.eml"
if [ "$RC" != 5 ]; then bad $t "$(why 'closed inside the literal: expected exit 5')"
elif [ -e "$W/lc.eml" ]; then bad $t "--out file exists ($(wc -c < "$W/lc.eml") bytes) although the message is incomplete"
elif ls "$W"/lc.eml* >/dev/null 2>&1; then bad $t "temporary file left behind: $(ls "$W"/lc.eml*)"
else ok $t; fi

t=literalclose-stdout
fake literalclose-stdout literalclose imap $auth fetch 3
if [ "$RC" != 5 ]; then bad $t "$(why 'closed inside the literal: expected exit 5')"
else ok $t; fi

# A byte every 0.3 s, each well within the 1 s read timeout: only the 2 s
# call limit (--call-timeout) ends the FETCH, exit 5, within it + slack,
# and no --out file claims a message.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
t=slowdrip
t0=$(now_ms)
fake slowdrip slowdrip imap $auth --timeout 1 --call-timeout 2 fetch 3 --out "$W/drip.eml"
el=$(($(now_ms) - t0))
msg="imap-client: connection to localhost (UID FETCH): the call's time limit (2000 ms) ran out"
if [ "$RC" != 5 ]; then bad $t "$(why 'literal dripped past the call limit: expected exit 5')"
elif [ "$(tail -n 1 "$P.err")" != "$msg" ]; then bad $t "$(why 'wrong message')"
elif [ "$el" -lt 1900 ] || [ "$el" -gt 5000 ]; then bad $t "took $el ms with a 2 s call limit (+ connect)"
elif ! grep -q '^DRIP .* stopped by the client' "$P.events"; then bad $t "the fake did not drip until the client left: $(grep '^DRIP' "$P.events")"
elif ls "$W"/drip.eml* >/dev/null 2>&1; then bad $t "--out file left: $(ls "$W"/drip.eml*)"
else ok $t; fi

t=nilbody
fake nilbody nilbody imap $auth fetch 3 --out "$W/nil.eml"
if [ "$RC" != 1 ]; then bad $t "$(why 'BODY[] NIL: expected exit 1')"
elif [ -e "$W/nil.eml" ]; then bad $t "--out file written for a NIL body"
else ok $t; fi

t=authno
fake authno authno imap $auth search ALL
if [ "$RC" != 1 ]; then bad $t "$(why 'authentication refused: expected exit 1')"
elif ! grep -q 'Authentication failed' "$P.err"; then bad $t "stderr does not show the server's text"
elif sent_any SELECT EXAMINE UID\ SEARCH; then bad $t "carried on unauthenticated"
else ok $t; fi

t=garbage
fake garbage garbage imap $auth search ALL
if [ "$RC" != 4 ]; then bad $t "$(why 'HTTP instead of IMAP: expected exit 4')"
elif sent_any STARTTLS LOGIN AUTHENTICATE; then bad $t "carried on after a non-IMAP greeting"
else ok $t; fi

t=silent
t0=$(date +%s)
fake silent silent imap $auth --timeout 2 search ALL
el=$(($(date +%s) - t0))
if [ "$RC" != 5 ]; then bad $t "$(why 'silent server, --timeout 2: expected exit 5')"
elif [ "$el" -gt 15 ]; then bad $t "took $el s with --timeout 2"
else ok $t; fi

t=longline
fake longline longline imap $auth capabilities
if [ "$RC" != 4 ]; then bad $t "$(why '1 MB response line: expected exit 4')"
elif sent_any LOGIN AUTHENTICATE; then bad $t "carried on after the long line"
else ok $t; fi

t=escape
fake escape escape imap $auth --trace search ALL
ESC=$(printf '\033') BEL=$(printf '\007')
if [ "$RC" != 1 ]; then bad $t "$(why 'SELECT refused: expected exit 1')"
elif LC_ALL=C grep -q "[$ESC$BEL]" "$P.err"; then bad $t "ESC/BEL from the server reached stderr"
elif ! grep -v '^[CS*]:\{0,1\} ' "$P.err" | grep -q 'No such mailbox'; then bad $t "the refusal text is not shown"
else ok $t; fi

for scen in wronghost unknownca; do
	for scheme in imap imaps; do
		t=$scen; [ "$scheme" = imaps ] && t=$t-imaps
		fake "$t" "$scen" "$scheme" $auth search ALL
		if [ "$RC" != 3 ]; then bad $t "$(why 'bad certificate: expected exit 3')"
		elif grep -q '^TLS-OK' "$P.events"; then bad $t "TLS handshake completed"
		elif sent_any LOGIN AUTHENTICATE SELECT; then bad $t "client sent commands"
		else ok $t; fi
	done
done

t=plaintext-control
fake plaintext-control notls imap $auth --plaintext search ALL
if [ "$RC" != 0 ]; then bad $t "$(why '--plaintext without STARTTLS: expected exit 0')"
elif sent_any STARTTLS; then bad $t "tried STARTTLS under --plaintext"
elif [ "$(cat "$P.out")" != "$(printf '1\n3')" ]; then bad $t "stdout: $(tr '\n' ' ' < "$P.out")"
else ok $t; fi

# ---- SASL: hostile server messages (saslfake.py computes real SCRAM) ----------
# Every failure is LM_ERR_SASL or LM_ERR_PROTOCOL: exit 4; after it no
# SELECT/EXAMINE/SEARCH, no second AUTHENTICATE and no LOGIN (no
# fallback), and the password never on the wire (PLAIN: once).
after_auth() { # commands after the first AUTHENTICATE, LOGOUT aside
	awk 'f && /^CMD / && $2 != "LOGOUT" { print $2 } /^CMD AUTHENTICATE$/ { f = 1 }' "$P.events" | tr '\n' ' '
}
leaks() { python3 "$here/saslfake.py" leak "$P.raw" fake-Pa55word "$1" > "$P.leak"; }
t=sasl-scram-good
fake sasl-scram-good sasl-scram-good imap $auth search ALL
if [ "$RC" != 0 ]; then bad $t "$(why 'correct SCRAM-SHA-256: expected exit 0')"
elif ! grep -q '^SASL-MECH SCRAM-SHA-256$' "$P.events"; then bad $t "SCRAM-SHA-256 offered but not used"
elif ! grep -q '^SASL-PROOF-OK' "$P.events"; then bad $t "client proof wrong (hashlib disagrees)"
elif ! grep -q '^SASL-AFTER-FINAL $' "$P.events"; then bad $t "no empty response to the server-final challenge"
elif ! leaks 0; then bad $t "password on the wire in $(cat "$P.leak") lines"
elif [ "$(cat "$P.out")" != "$(printf '1\n3')" ]; then bad $t "stdout: $(tr '\n' ' ' < "$P.out")"
else ok $t; fi

for sc in scram-nonce scram-iter0 scram-iter4g scram-iter1e9 chal-huge chal-big \
    chal-b64 scram-badsig scram-e scram-nosig plain-more; do
	t=sasl-$sc
	fake "sasl-$sc" "sasl-$sc" imap $auth --trace search ALL
	maxleak=0; [ "$sc" = plain-more ] && maxleak=1
	if [ "$RC" != 4 ]; then bad $t "$(why 'hostile SASL server message: expected exit 4')"
	elif ! grep -q '^TLS-OK' "$P.events"; then bad $t "no TLS"
	elif [ -n "$(after_auth)" ]; then bad $t "commands after the failed AUTHENTICATE: $(after_auth)"
	elif [ "$(grep -c '^CMD AUTHENTICATE$' "$P.events")" != 1 ] || sent_any LOGIN; then bad $t "tried to log in again (fallback)"
	elif ! leaks $maxleak; then bad $t "password on the wire in $(cat "$P.leak") lines (at most $maxleak)"
	elif grep -q 'fake-Pa55word' "$P.err"; then bad $t "password in the trace"
	elif [ -s "$P.out" ]; then bad $t "printed results: $(head -c 80 "$P.out")"
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

# ---- audit gaps (tests/fake/README): STARTTLS, parsers, referrals --------------
t=capsdiffer
# before TLS: AUTH=PLAIN; after: only AUTH=SCRAM-SHA-256 (LOGIN refused)
fake capsdiffer capsdiffer imap $auth search ALL
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0 with the post-TLS capabilities')"
elif grep -q '^AUTH-WRONG-MECH' "$P.events"; then bad $t "used a login offered only before TLS"
elif ! grep -q '^SASL-PROOF-OK' "$P.events"; then bad $t "no SCRAM exchange"
elif [ "$(cat "$P.out")" != "$(printf '1\n3')" ]; then bad $t "stdout: $(tr '\n' ' ' < "$P.out")"
else ok $t; fi

t=starttls-untagged
# * OK [ALERT], * CAPABILITY IMAP4rev1 AUTH=PLAIN, * LIST, * 5 EXISTS in
# plaintext before the tagged OK to STARTTLS: none of it survives TLS
# (CAPABILITY asked again; the plaintext AUTH=PLAIN is not used)
fake starttls-untagged starttls-untagged imap $auth search ALL
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0 (plaintext untagged data forgotten)')"
elif ! awk '/^TLS-OK/ { f = 1 } f && /^CMD CAPABILITY$/ { c = 1 } END { exit !c }' "$P.events"; then
	bad $t "CAPABILITY not asked again after TLS"
elif grep -q '^AUTH-WRONG-MECH' "$P.events"; then bad $t "used the capabilities sent in plaintext"
elif [ "$(cat "$P.out")" != "$(printf '1\n3')" ]; then bad $t "stdout: $(tr '\n' ' ' < "$P.out")"
else ok $t; fi

t=starttls-futuretag
# STARTTLS answered with the OK of the next tag, not sent yet
fake starttls-futuretag starttls-futuretag imap $auth search ALL
if [ "$RC" != 4 ]; then bad $t "$(why 'OK for a tag not yet sent: expected exit 4')"
elif ! grep -q '^FUTURE-TAG' "$P.events"; then bad $t "the fake did not answer STARTTLS"
elif grep -q '^TLS-OK' "$P.events"; then bad $t "TLS started on the forged OK"
elif [ -n "$(after_starttls)" ]; then bad $t "client sent after the forged OK: $(after_starttls)"
else ok $t; fi

t=inject-late
fake inject-late inject-late imap $auth search ALL
if [ "$RC" != 3 ]; then bad $t "$(why 'plaintext after the OK to STARTTLS, later read: expected exit 3')"
elif ! grep -q '^INJECTED' "$P.events"; then bad $t "the fake did not inject"
elif grep -q '^TLS-OK' "$P.events"; then bad $t "handshake completed over the injected bytes"
elif [ -n "$(after_starttls)" ]; then bad $t "client sent after the injection: $(after_starttls)"
else ok $t; fi

t=endless
t0=$(date +%s)
fake endless endless imap $auth search ALL
el=$(($(date +%s) - t0))
if [ "$RC" != 4 ]; then bad $t "$(why 'endless greeting line: expected exit 4')"
elif ! grep -q '^FLOOD .* stopped by the client' "$P.events"; then bad $t "client did not stop the flood: $(grep '^FLOOD' "$P.events")"
elif [ "$el" -gt 10 ]; then bad $t "took $el s"
elif [ "$(rss_mb)" -gt 32 ]; then bad $t "peak RSS $(rss_mb) MB"
elif grep -q '^CMD' "$P.events"; then bad $t "carried on"
else ok $t; fi

t=endless-untagged
# "* SEARCH 1 3" forever: a second SEARCH response for one command is a
# protocol error (imap-client), nothing printed, the flood stopped
t0=$(date +%s)
fake endless-untagged endless-untagged imap $auth search ALL
el=$(($(date +%s) - t0))
if [ "$RC" != 4 ]; then bad $t "$(why 'endless SEARCH responses: expected exit 4')"
elif ! grep -q '^FLOOD .* stopped by the client' "$P.events"; then bad $t "client did not stop the flood: $(grep '^FLOOD' "$P.events")"
elif [ "$el" -gt 10 ]; then bad $t "took $el s"
elif [ "$(rss_mb)" -gt 32 ]; then bad $t "peak RSS $(rss_mb) MB"
elif [ -s "$P.out" ]; then bad $t "printed $(wc -c < "$P.out") bytes of results"
else ok $t; fi

# literal sizes: 2^32 is a legal size under LM_IMAP_LITERAL_MAX (2^40): the
# body streams until the server closes (exit 5); 2^64 and -1 are refused
# at once (exit 4); never a file left behind
for sc in literal4g:5 literal2p64:4 literalneg:4; do
	t=${sc%:*} want=${sc#*:}
	rm -f "$W/$t.eml"*
	fake "$t" "$t" imap $auth fetch 3 --out "$W/$t.eml"
	if [ "$RC" != "$want" ]; then bad $t "$(why "literal size: expected exit $want")"
	elif ! grep -q '^CLOSE-BY-SERVER' "$P.events"; then bad $t "the fake never sent the literal"
	elif ls "$W/$t.eml"* >/dev/null 2>&1; then bad $t "file left behind: $(ls "$W/$t.eml"*)"
	elif [ -s "$P.out" ]; then bad $t "printed something"
	else ok $t; fi
done

t=nest
# 100,000 nested parentheses need 200 KB: past the response size limit
fake nest nest imap $auth headers 3
if [ "$RC" != 4 ]; then bad $t "$(why '100,000 nested parentheses: expected exit 4')"
elif [ -s "$P.out" ]; then bad $t "printed: $(head -c 80 "$P.out")"
else ok $t; fi

# 1,000 nested parentheses (2 KB) in a BODYSTRUCTURE nobody asked for: the
# depth limit is checked when an item is read; headers reads the ENVELOPE
# before it (exit 0, right output); for fetch the rest of the FETCH
# response, the message, is skipped (LM_IMAP_LENIENT_RESYNC: FETCH_END
# damaged): the response the command depended on is broken, so exit 4
# with that said (not "no message", a refusal), and nothing saved
t=nest1k-headers
fake nest1k-headers nest1k imap $auth headers 3
if [ "$RC" != 0 ]; then bad $t "$(why 'deep item not asked for: expected exit 0')"
elif ! grep -q 'alice@example.test' "$P.out"; then bad $t "no sender: $(tr '\n' '|' < "$P.out")"
else ok $t; fi
nest1k_msg='imap-client: UID FETCH: a FETCH response from the server could not be read (protocol violation);'
t=nest1k-fetch
rm -f "$W/nest1k.eml"*
fake nest1k-fetch nest1k imap $auth fetch 3 --out "$W/nest1k.eml"
if [ "$RC" != 4 ]; then bad $t "$(why 'FETCH response past the depth limit: expected exit 4')"
elif [ "$(cat "$P.err")" != "$nest1k_msg nothing saved" ]; then bad $t "stderr: $(head -c 300 "$P.err")"
elif ls "$W/nest1k.eml"* >/dev/null 2>&1; then bad $t "file written"
elif [ -s "$P.out" ]; then bad $t "printed: $(head -c 80 "$P.out")"
else ok $t; fi
t=nest1k-fetch-stdout
fake nest1k-fetch-stdout nest1k imap $auth fetch 3
if [ "$RC" != 4 ]; then bad $t "$(why 'FETCH response past the depth limit: expected exit 4')"
elif [ "$(cat "$P.err")" != "$nest1k_msg no message" ]; then bad $t "stderr: $(head -c 300 "$P.err")"
elif [ -s "$P.out" ]; then bad $t "printed: $(head -c 80 "$P.out")"
else ok $t; fi

t=bignum
# a 10 KB number in "* n EXISTS" cannot be parsed: the message numbering
# is unknown from there on, so no resync: a protocol violation (exit 4)
# reported during EXAMINE, and the FETCH is never sent
fake bignum bignum imap $auth headers 3
if [ "$RC" != 4 ]; then bad $t "$(why '10 KB EXISTS number: expected exit 4')"
elif ! grep -q '^imap-client: localhost broke the IMAP protocol (EXAMINE): the peer violated the protocol$' "$P.err"; then bad $t "stderr: $(tail -n 1 "$P.err" | cut -c1-200)"
elif sent_any FETCH UID\ FETCH; then bad $t "carried on after the EXISTS"
elif [ -s "$P.out" ]; then bad $t "printed: $(head -c 80 "$P.out")"
else ok $t; fi

t=bigdate
# a 10 KB ENVELOPE date cannot be parsed: shown as the server sent it
fake bigdate bigdate imap $auth headers 3
if [ "$RC" != 0 ]; then bad $t "$(why '10 KB date: expected exit 0')"
elif ! grep -q 'alice@example.test' "$P.out"; then bad $t "no sender"
elif ! grep -q '^Date: Mon, 2 Feb 2026 1111111111' "$P.out"; then bad $t "date line: $(grep '^Date' "$P.out" | cut -c1-80)"
else ok $t; fi

for sc in nul cont; do
	t=$sc
	# NUL in a SEARCH response; a "+ " continuation to EXAMINE
	fake "$sc" "$sc" imap $auth search ALL
	if [ "$RC" != 4 ]; then bad $t "$(why 'expected exit 4')"
	elif [ -s "$P.out" ]; then bad $t "printed: $(head -c 80 "$P.out")"
	elif [ "$sc" = cont ] && sent_any UID\ SEARCH SEARCH; then bad $t "carried on after the continuation"
	elif [ "$(tr -d '\000' < "$P.err" | wc -c)" != "$(wc -c < "$P.err")" ]; then bad $t "NUL reached stderr"
	else ok $t; fi
done

t=byemid
# BYE (and close) in the middle of a FETCH, after some untagged data:
# refused (exit 1, as bye), the BYE text shown, no file
rm -f "$W/byemid.eml"*
fake byemid byemid imap $auth fetch 3 --out "$W/byemid.eml"
if [ "$RC" != 1 ]; then bad $t "$(why 'BYE mid-command: expected exit 1')"
elif ! grep -q 'middle of your FETCH' "$P.err"; then bad $t "stderr: $(tail -n 1 "$P.err")"
elif ls "$W/byemid.eml"* >/dev/null 2>&1; then bad $t "file left behind"
elif [ -s "$P.out" ]; then bad $t "printed something"
else ok $t; fi

t=referral
# NO [REFERRAL imap://alice@127.0.0.1:P2/INBOX] to AUTHENTICATE: refused,
# never followed (the fake listens on P2 too)
fake referral referral imap $auth search ALL
if [ "$RC" != 1 ]; then bad $t "$(why 'login referral: expected exit 1')"
elif grep -q '^REFERRAL-FOLLOWED' "$P.events"; then bad $t "client connected to the referred server"
elif [ "$(grep -c '^CMD AUTHENTICATE$' "$P.events")" != 1 ] || sent_any LOGIN; then bad $t "tried to log in again"
elif sent_any SELECT EXAMINE; then bad $t "carried on"
else ok $t; fi

[ "$nfail" -eq 0 ]
