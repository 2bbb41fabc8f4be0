#!/bin/sh
# The three example programs against a fake server that is hostile at the
# TLS level (faketls.py), over implicit TLS and over STARTTLS:
#
#   sh tests/fake/tls_run.sh WORKDIR   (programs from $LM_MAILSEND,
#              $LM_POP3FETCH, $LM_IMAPCLIENT, default $LM_BUILD/bin/... or
#              examples/...; test names start with $LM_FAKE_PREFIX,
#              default "fake-tls")
# Prints "ok NAME" or "FAIL NAME: reason" per test; exit 1 if any failed.
#
# Every scenario runs against six clients (the VARIANT of a test name):
#   smtps           mail-send --url smtps://   (AUTH, then a message)
#   smtp-starttls   mail-send --url smtp://    (EHLO, STARTTLS, ...)
#   pop3s           pop3-fetch --url pop3s://  --maildir
#   pop3-stls       pop3-fetch --url pop3://   (CAPA, STLS, ...)
#   imaps           imap-client --url imaps:// fetch 3 --out FILE
#   imap-starttls   imap-client --url imap://  (STARTTLS) fetch 3 --out FILE
# and each client has credentials to give away (user + password file).
#
# good-VARIANT        control: a valid certificate, TLS 1.2+: exit 0, the
#                     server saw TLS, credentials only after TLS, and the
#                     whole job done (DATA received; both POP3 messages in
#                     new/ byte for byte; the IMAP message in FILE)
# Security (exit status 3, "security"), for each VARIANT:
#   selfsigned-V      self-signed certificate for localhost
#   unknownca-V       certificate for localhost from an unrelated CA
#   wronghost-V       valid chain from the trusted CA, for wrong.example
#   expired-V         from the trusted CA, expired in 2021
#   notyet-V          from the trusted CA, valid from 2045 on
#   cnonly-V          from the trusted CA, valid, CN=localhost but no
#                     subjectAltName: the CN is not a host name (RFC 9525)
#   tls10-V           the good certificate, the server speaks TLS 1.0 only
#   tls11-V           the same with TLS 1.1 only
#   plaintext-V       (smtps, pop3s, imaps only) an implicit-TLS URL pointed
#                     at a plaintext greeting; the client must have sent a
#                     TLS ClientHello (first byte 0x16) and nothing else
#   each asserts: exit 3; the server never completed a handshake (and,
#   but for plaintext, saw one fail; for wronghost and cnonly, with the
#   client's bad_certificate alert); no
#   command but the pre-TLS ones (SMTP EHLO/STARTTLS/QUIT, POP3
#   CAPA/STLS/QUIT, IMAP CAPABILITY/STARTTLS/LOGOUT) reached the server,
#   so no AUTH/USER/PASS/LOGIN/AUTHENTICATE/MAIL/RCPT/DATA/RETR/FETCH;
#   the password is nowhere in what the server received (clear or
#   base64); STARTTLS variants did send STARTTLS/STLS (the handshake
#   failed after the positive reply, the pre-TLS EHLO/CAPA offered AUTH
#   to tempt them); nothing saved (no file in the Maildir, no --out
#   FILE); and stderr names the reason (the words are in `reason` below).
# Truncation, for each VARIANT:
#   cut-V             good until the middle of a multi-line reply under
#                     TLS, then a TCP close WITHOUT close_notify: SMTP after
#                     two "250-" lines of the EHLO reply, POP3 after every
#                     line of RETR 1 but before the final ".", IMAP half-way
#                     through the BODY[] literal of UID FETCH
#   cutnotify-V       the same, with a proper TLS close_notify first
#   each asserts exit 5 (the connection ended early: LM_ERR_EOF,
#   class "network" in lm_net_err_class(); the error class contract of
#   examples/cli.h), that the fake did cut (cutnotify: after sending
#   close_notify), that stderr says the server "closed the connection",
#   and that nothing looks done:
#   SMTP: no MAIL/RCPT/DATA sent, nothing on stdout; POP3: nothing in
#   new/, cur/ or tmp/, the state file (if any) holds no UIDL (the cut
#   RETR was the first), stdout says "fetched 0"; IMAP: no FILE and no FILE.tmp.* left.
#   cut-V-rerun / cutnotify-V-rerun (POP3): the same Maildir against a
#   good fake then fetches both messages, byte for byte.
# (A plaintext server behind a STARTTLS URL is the notls / nostls tests
# of the other fake suites.) The smtp, pop3 and imap clients run side by
# side; results are printed per client once all are done.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
W=${1:?usage: tls_run.sh WORKDIR}
mkdir -p "$W"
W=$(cd "$W" && pwd)
bin() { # env-value program
	if [ -n "$1" ]; then echo "$1"
	elif [ -n "${LM_BUILD:-}" ]; then echo "$LM_BUILD/bin/$2"
	else echo "$root/examples/$2"; fi
}
MS=$(bin "${LM_MAILSEND:-}" mail-send)
PF=$(bin "${LM_POP3FETCH:-}" pop3-fetch)
IC=$(bin "${LM_IMAPCLIENT:-}" imap-client)
FAKE=$here/faketls.py
# the interpreter itself, not a wrapper such as a pyenv shim (which costs
# a few tenths of a second per start, 70 times)
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[ -x "$PY" ] || PY=python3
nfail=0
FAKEPID=""
trap '[ -n "$FAKEPID" ] && kill "$FAKEPID" 2>/dev/null; exit 1' INT TERM HUP

PFX=${LM_FAKE_PREFIX:-fake-tls}
ok() { echo "ok $PFX-$1"; }
bad() { echo "FAIL $PFX-$1: $2"; nfail=$((nfail + 1)); }

VARIANTS="smtps smtp-starttls pop3s pop3-stls imaps imap-starttls"
SECURITY="selfsigned unknownca wronghost expired notyet cnonly tls10 tls11 plaintext"
names() { # every test name, for a failure before any test runs
	for v in $VARIANTS; do
		for s in good $SECURITY cut cutnotify; do
			case $s-$v in plaintext-*-*) continue ;; esac
			echo "$s-$v"
		done
		case $v in pop3*) echo "cut-$v-rerun cutnotify-$v-rerun" ;; esac
	done
}
for p in "$MS" "$PF" "$IC"; do
	if [ ! -x "$p" ]; then
		for t in $(names); do bad "$t" "example program not built ($p)"; done
		exit 1
	fi
done

# ---- material ---------------------------------------------------------------
C=$W/certs
if [ ! -s "$C/cnonly.crt" ]; then
	sh "$here/tls_certs.sh" "$C" ||
	    { for t in $(names); do bad "$t" "could not make certificates"; done; exit 1; }
fi
PASS='tls-Pa55word'
PW=$W/password
printf '%s' "$PASS" > "$PW"
chmod 600 "$PW"
USER=alice@example.test
# what would give the password away on the wire: in clear, base64 alone
# (AUTH LOGIN) and as a SASL PLAIN message (authzid empty)
B64PASS=$(printf '%s' "$PASS" | base64)
B64PLAIN=$(printf '\000%s\000%s' "$USER" "$PASS" | base64 | tr -d '\n')
printf 'Hello Bob,\nthis goes over TLS.\n' > "$W/text.txt"
# the fake's messages, written by the fake's own module
"$PY" -c '
import sys
sys.path.insert(0, sys.argv[1])
import faketls
for i, (u, m) in enumerate(faketls.POP3_MSGS):
    open("%s/pop3-msg%d.eml" % (sys.argv[2], i + 1), "wb").write(m)
open(sys.argv[2] + "/imap-msg3.eml", "wb").write(faketls.IMAP_MSG3)' "$here" "$W" ||
    { bad messages "cannot load faketls.py"; exit 1; }

# ---- one exchange -----------------------------------------------------------
# fake SCENARIO VARIANT [NAME]: run the fake with SCENARIO, then the
# VARIANT's client against it. Sets RC, P (the file prefix $W/NAME), MD
# (the Maildir of pop3 variants), OUT (imap --out); leaves the client's
# output in $P.out/.err and the fake's records in $P.events/.raw.
fake() {
	scen=$1 var=$2 name=${3:-$1-$2}
	P=$W/$name
	rm -f "$P".*
	case $var in
	smtps) proto=smtp scheme=smtps ;;
	smtp-starttls) proto=smtp scheme=smtp ;;
	pop3s) proto=pop3 scheme=pop3s ;;
	pop3-stls) proto=pop3 scheme=pop3 ;;
	imaps) proto=imap scheme=imaps ;;
	imap-starttls) proto=imap scheme=imap ;;
	esac
	impl=""
	case $scheme in *s) impl=--implicit ;; esac
	"$PY" "$FAKE" --proto "$proto" --port 0 --scenario "$scen" --certs "$C" \
	    --log "$P" --timeout 20 $impl 2>"$P.fake-err" &
	FAKEPID=$!
	i=0
	while [ ! -s "$P.ready" ] && [ "$i" -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	port=$(cat "$P.ready" 2>/dev/null)
	if [ -z "$port" ]; then
		RC=-1; kill "$FAKEPID" 2>/dev/null; FAKEPID=""; touch "$P.events" "$P.err"; return
	fi
	common="--cafile $C/ca.crt --timeout 10 --password-file $PW"
	case $proto in
	smtp)
		# shellcheck disable=SC2086
		timeout 60 "$MS" --url "$scheme://localhost:$port" --user "$USER" \
		    $common --from "$USER" --to bob@example.test \
		    --subject "over TLS" --text "$W/text.txt" \
		    >"$P.out" 2>"$P.err" </dev/null ;;
	pop3)
		# shellcheck disable=SC2086
		timeout 60 "$PF" --url "$scheme://$USER@localhost:$port" \
		    $common --maildir "${MD:=$W/md-$name}" \
		    >"$P.out" 2>"$P.err" </dev/null ;;
	imap)
		OUT=$P.msg
		# shellcheck disable=SC2086
		timeout 60 "$IC" --url "$scheme://localhost:$port/INBOX" \
		    --user "$USER" $common fetch 3 --out "$OUT" \
		    >"$P.out" 2>"$P.err" </dev/null ;;
	esac
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
	touch "$P.events" "$P.raw"
}
why() { # short reason with the client's last stderr line
	san=$(grep -m 1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$P.err")
	echo "$1 (exit $RC; stderr: $(tail -n 1 "$P.err" | cut -c1-200))${san:+ $san}"
}
# commands the server saw that are not allowed before a working TLS
forbidden_cmds() {
	case $proto in
	smtp) allow='EHLO|HELO|STARTTLS|QUIT' ;;
	pop3) allow='CAPA|STLS|QUIT' ;;
	imap) allow='CAPABILITY|STARTTLS|LOGOUT' ;;
	esac
	awk -v a="^($allow)\$" '/^CMD / { v = substr($0, 5); if (v !~ a) print v }' \
	    "$P.events" | sort -u | tr '\n' ' '
}
leaked() { # the password in what the server received
	grep -aqF -e "$PASS" -e "$B64PASS" -e "$B64PLAIN" "$P.raw"
}
saved_files() { # what the client left: Maildir files or the --out file
	case $proto in
	pop3) [ -d "$MD" ] && find "$MD/new" "$MD/cur" "$MD/tmp" -type f 2>/dev/null ;;
	imap) ls "$OUT" "$OUT".tmp.* 2>/dev/null ;;
	esac
}
maildir_is() { # MD FILE...: new/ and cur/ hold exactly these messages, once each
	md=$1; shift
	n=$(find "$md/new" "$md/cur" -type f | wc -l | tr -d ' ')
	[ "$n" = $# ] || { echo "$n files in the Maildir, expected $#"; return 1; }
	for f in "$@"; do
		k=$(find "$md/new" "$md/cur" -type f -exec cmp -s "$f" {} \; -print | wc -l | tr -d ' ')
		[ "$k" = 1 ] || { echo "$(basename "$f") is in the Maildir $k times"; return 1; }
	done
}
# the words stderr must hold for a scenario: libmail's explanation and,
# where it adds one, mbedTLS's own text (x509_crt_verify_info, ssl errors)
reason() {
	case $1 in
	selfsigned) echo 'certificate for localhost: .*not correctly signed by the trusted CA \(self-signed\)' ;;
	unknownca) echo 'certificate for localhost: .*not correctly signed by the trusted CA$' ;;
	wronghost) echo 'certificate for localhost: issued for wrong\.example, not for localhost' ;;
	expired) echo 'certificate for localhost: .*validity has expired' ;;
	notyet) echo 'certificate for localhost: .*validity starts in the future' ;;
	cnonly) # the whole line: nothing else is wrong with the certificate
		case $proto in smtp) prog=mail-send ;; pop3) prog=pop3-fetch ;; imap) prog=imap-client ;; esac
		echo "^$prog: TLS with localhost: certificate for localhost: no DNS subjectAltName \\(the CN is not used\\)\$" ;;
	# every suite offered is TLS 1.2-only: the server finds none for its
	# version and refuses with an alert
	tls10|tls11) echo 'TLS handshake refused by the server \(no TLS version or cipher suite in common\? TLS 1\.2 or newer with ECDHE or DHE and AES-GCM or ChaCha20-Poly1305 required\): .*fatal alert' ;;
	plaintext) echo 'TLS handshake: the server does not speak TLS \(plaintext on this port\?\): .*invalid SSL record' ;;
	esac
}

# ---- the tests ----------------------------------------------------------------
variant() { # VARIANT: every test of one client
	var=$1
	# -- control: everything works --
	t=good-$var
	MD=$W/md-$t; rm -rf "$MD"
	fake good "$var"
	tlsok=$(grep -n '^TLS-OK' "$P.events" | head -n 1 | cut -d: -f1)
	authln=$(grep -n '^AUTH-LINE' "$P.events" | head -n 1 | cut -d: -f1)
	if [ "$RC" != 0 ]; then bad "$t" "$(why 'expected exit 0')"
	elif [ -z "$tlsok" ]; then bad "$t" "no TLS handshake completed"
	elif ! grep -Eq '^TLS-OK TLSv1\.[23]$' "$P.events"; then bad "$t" "not TLS 1.2 or 1.3: $(grep '^TLS-OK' "$P.events")"
	elif [ -z "$authln" ] || [ "$authln" -lt "$tlsok" ]; then bad "$t" "no credentials, or credentials before TLS"
	elif [ "$proto" = smtp ] && ! grep -q 'this goes over TLS' "$P.data" 2>/dev/null; then
		bad "$t" "the message did not arrive (no DATA)"
	elif [ "$proto" = pop3 ] && [ "$(cat "$P.out")" != "fetched 2 deleted 0" ]; then
		bad "$t" "stdout: $(cat "$P.out")"
	elif [ "$proto" = pop3 ] && ! maildir_is "$MD" "$W/pop3-msg1.eml" "$W/pop3-msg2.eml" >"$P.chk"; then
		bad "$t" "$(cat "$P.chk")"
	elif [ "$proto" = imap ] && ! cmp -s "$OUT" "$W/imap-msg3.eml"; then
		bad "$t" "the --out file is not the message"
	else ok "$t"; fi

	# -- 1..9: the client must stop with exit 3 and give nothing away --
	for scen in $SECURITY; do
		case $scen-$var in plaintext-*-*) continue ;; esac
		t=$scen-$var
		MD=$W/md-$t; rm -rf "$MD"
		fake "$scen" "$var"
		fc=$(forbidden_cmds)
		if [ "$RC" != 3 ]; then bad "$t" "$(why 'expected exit 3 (security)')"
		elif grep -q '^TLS-OK' "$P.events"; then bad "$t" "the handshake completed"
		elif [ -n "$fc" ]; then bad "$t" "sent without working TLS: $fc"
		elif grep -q '^AUTH-LINE' "$P.events" || leaked; then bad "$t" "credentials reached the server"
		elif [ "$scheme" = smtp ] && ! grep -q '^CMD STARTTLS$' "$P.events"; then bad "$t" "no STARTTLS (TLS never tried)"
		elif [ "$scheme" = pop3 ] && ! grep -q '^CMD STLS$' "$P.events"; then bad "$t" "no STLS (TLS never tried)"
		elif [ "$scheme" = imap ] && ! grep -q '^CMD STARTTLS$' "$P.events"; then bad "$t" "no STARTTLS (TLS never tried)"
		elif [ "$scen" != plaintext ] && ! grep -q '^TLS-FAIL' "$P.events"; then bad "$t" "the fake saw no failed handshake: $(tr '\n' ' ' < "$P.events")"
		elif [ "$scen" = plaintext ] && [ "$(head -c 1 "$P.raw" | od -An -tx1 | tr -d ' ')" != 16 ]; then
			bad "$t" "the client did not start with a TLS handshake record"
		elif [ -n "$(saved_files)" ]; then bad "$t" "left files: $(saved_files | tr '\n' ' ')"
		elif { [ "$scen" = wronghost ] || [ "$scen" = cnonly ]; } &&
		    ! grep -q '^TLS-FAIL .*ALERT_BAD_CERTIFICATE' "$P.events"; then
			bad "$t" "no bad_certificate alert from the client: $(grep '^TLS-FAIL' "$P.events")"
		elif ! grep -qE "$(reason "$scen")" "$P.err"; then bad "$t" "$(why "stderr does not say /$(reason "$scen")/")"
		else ok "$t"; fi
	done

	# -- 10, 11: a reply cut under TLS must never count as complete --
	for scen in cut cutnotify; do
		t=$scen-$var
		MD=$W/md-$t; rm -rf "$MD"
		fake "$scen" "$var"
		if ! grep -q '^CUT ' "$P.events"; then bad "$t" "$(why "the fake never cut: $(tr '\n' ' ' < "$P.events")")"
		elif [ "$scen" = cutnotify ] && ! grep -q '^CUT .* close_notify' "$P.events"; then bad "$t" "no close_notify sent"
		elif [ "$RC" != 5 ]; then bad "$t" "$(why 'connection ended in a reply: expected exit 5 (network)')"
		elif ! grep -q 'closed the connection' "$P.err"; then bad "$t" "$(why 'stderr does not say the connection was closed')"
		elif [ "$proto" = smtp ] && grep -qE '^CMD (AUTH|MAIL|RCPT|DATA)$' "$P.events"; then bad "$t" "went on after the cut EHLO reply"
		elif [ "$proto" = smtp ] && [ -s "$P.out" ]; then bad "$t" "stdout: $(head -c 200 "$P.out")"
		elif [ -n "$(saved_files)" ]; then bad "$t" "left files: $(saved_files | tr '\n' ' ')"
		elif [ "$proto" = pop3 ] && grep -qv '^#' "$MD/.pop3-state" 2>/dev/null; then
			bad "$t" "the state file records UIDLs (RETR 1 was cut): $(grep -v '^#' "$MD/.pop3-state" | tr '\n' ' ')"
		elif [ "$proto" = pop3 ] && [ "$(cat "$P.out")" != "fetched 0 deleted 0" ]; then bad "$t" "stdout: $(cat "$P.out")"
		else ok "$t"; fi
		if [ "$proto" = pop3 ]; then
			t=$scen-$var-rerun
			fake good "$var" "$t"
			if [ "$RC" != 0 ]; then bad "$t" "$(why 'rerun against a good server: expected exit 0')"
			elif [ "$(cat "$P.out")" != "fetched 2 deleted 0" ]; then bad "$t" "stdout: $(cat "$P.out")"
			elif ! maildir_is "$MD" "$W/pop3-msg1.eml" "$W/pop3-msg2.eml" >"$P.chk"; then
				bad "$t" "$(cat "$P.chk")"
			else ok "$t"; fi
		fi
	done
}

# The three protocols run side by side, each its two variants in turn:
# a test waits mostly on process start-up and handshakes, not on the CPU.
JOBS=""
trap '[ -n "$JOBS" ] && kill $JOBS 2>/dev/null; exit 1' INT TERM HUP
for grp in "smtps smtp-starttls" "pop3s pop3-stls" "imaps imap-starttls"; do
	(
		FAKEPID=""
		trap '[ -n "$FAKEPID" ] && kill "$FAKEPID" 2>/dev/null; exit 1' INT TERM HUP
		for var in $grp; do variant "$var"; done
	) > "$W/results.${grp%% *}" 2>&1 &
	JOBS="$JOBS $!"
done
wait
R="$W/results.smtps $W/results.pop3s $W/results.imaps"
# shellcheck disable=SC2086
cat $R
# shellcheck disable=SC2086
nran=$(cat $R | grep -cE '^(ok|FAIL) ')
nwant=$(names | wc -w | tr -d ' ')
[ "$nran" = "$nwant" ] || bad suite "$nran tests reported, $nwant expected"
# shellcheck disable=SC2086
! grep -q '^FAIL ' $R && [ "$nfail" -eq 0 ]
