#!/bin/sh
# Interoperability tests against the private Postfix + Dovecot started by
# tests/servers/start.sh: mail-send (and a program using the installed
# library API) submits to Postfix over STARTTLS or implicit TLS with SASL
# through Dovecot; the tests find the message in bob's Maildir and
# compare it with what was sent.
#
#   sh tests/interop/run.sh SERVERDIR/env
# mail-send comes from $LM_MAILSEND (default examples/mail-send); the
# installed library for api_send from $LM_PREFIX (default: installed here).
# LM_INTEROP_PREFIX renames the tests (default "interop");
# LM_INTEROP_NO_API=1 skips api_send.
# Prints "ok NAME" / "FAIL NAME: reason"; exit 1 if any failed.
set -u
# our own makes run with their own -j; not the jobserver of a calling make
unset MAKEFLAGS MFLAGS MAKELEVEL
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ENV=${1:?usage: run.sh SERVERDIR/env}
. "$ENV"
MS=${LM_MAILSEND:-$root/examples/mail-send}
CD="python3 $here/check_delivery.py"
W=$(mktemp -d "${TMPDIR:-/tmp}/libmail-interop.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP
nfail=0
PFX=${LM_INTEROP_PREFIX:-interop}
ok() { echo "ok $PFX-${1#interop-}"; }
bad() { echo "FAIL $PFX-${1#interop-}: $2"; nfail=$((nfail + 1)); }

ALL="interop-starttls-text interop-smtps-attach interop-raw-bdat interop-raw-data \
interop-dots-bdat interop-dots-data interop-large-data \
interop-bcc interop-env-password interop-auth-plain interop-auth-login \
interop-auth-cram-md5 interop-auth-scram-sha-256 interop-wrong-password \
interop-unknown-ca interop-no-starttls interop-plaintext-control \
interop-rcpt-unknown interop-ip-literal interop-trace-redacts-plain \
interop-trace-redacts-login"

printf '%s' "$LM_ALICE_PASSWORD" > "$W/alice.pw"
printf '%s' "wrong-$LM_ALICE_PASSWORD" > "$W/wrong.pw"
chmod 600 "$W"/*.pw
SMTP=smtp://localhost:$LM_SMTP_PORT
SMTPS=smtps://localhost:$LM_SMTPS_PORT
NOTLS=smtp://localhost:$LM_SMTP_NOTLS_PORT

marker() { echo "lmtest-$1-$$-$(date +%s%N)"; }
# send NAME URL [args...]: mail-send alice -> bob; RC, $W/NAME.err
send() {
	n=$1 url=$2; shift 2
	timeout 90 "$MS" --url "$url" --from "$LM_ALICE" --to "$LM_BOB" \
	    --cafile "$LM_CAFILE" --timeout 20 "$@" \
	    >"$W/$n.out" 2>"$W/$n.err" </dev/null
	RC=$?
	# a sanitizer report fails the test, whatever the exit status
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$W/$n.err"; then
		RC="sanitizer($RC)"
	fi
}
auth="--user $LM_ALICE --password-file $W/alice.pw"
why() {
	san=$(grep -m 1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$W/$n.err")
	echo "$1 (exit $RC; stderr: $(tail -n 1 "$W/$n.err" | cut -c1-200))${san:+ $san}"
}
# delivered NAME MARKER [MAILDIR]: sets F to the delivered file or fails
delivered() {
	F=$($CD find "${3:-$LM_BOB_MAILDIR}" "$2" 20) || { bad "$1" "$F"; return 1; }
}

if [ ! -x "$MS" ]; then
	for t in $ALL; do bad "$t" "mail-send not built ($MS)"; done
	MS=""
fi

# ---- messages ------------------------------------------------------------------
# text with UTF-8, a long line, and lines that need dot-stuffing
python3 -c '
import sys
t = ("Hello Bob,\n\nGr\u00fc\u00dfe aus K\u00f6ln \u2013 \u65e5\u672c\u8a9e.\n"
     ".a line that starts with a dot\n.\n"
     + "long " * 250 + "\nend\n")
sys.stdout.buffer.write(t.encode("utf-8"))' > "$W/text.txt"
# binary attachment: every byte value, several times
python3 -c '
import sys
sys.stdout.buffer.write(bytes(range(256)) * 40 + b"\r\n\n\r.\r\n")' > "$W/blob.bin"
mkraw() { # file marker body-file
	{
		printf 'From: Alice <%s>\r\n' "$LM_ALICE"
		printf 'To: Bob <%s>\r\n' "$LM_BOB"
		printf 'Subject: %s\r\n' "$2"
		printf 'Message-ID: <%s@example.test>\r\n' "$2"
		printf 'X-Libmail-Test: raw\r\n'
		printf '\r\n'
		cat "$3"
	} > "$1"
}

# ---- the servers themselves, checked with Python's own clients -------------------
# (so that a failure below is libmail's, not the test set-up's)
t=interop-server-sanity
if r=$(python3 - "$LM_CAFILE" "$LM_SMTP_PORT" "$LM_IMAPS_PORT" "$LM_POP3S_PORT" \
    "$LM_ALICE" "$LM_ALICE_PASSWORD" 2>&1 <<'PY'
import imaplib, poplib, smtplib, ssl, sys
ca, smtp, imaps, pop3s, user, pw = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
s = smtplib.SMTP("127.0.0.1", int(smtp), timeout=10)
s.ehlo()
assert s.has_extn("starttls"), "no STARTTLS before TLS"
assert not s.has_extn("auth"), "AUTH offered before TLS"
s.starttls(context=ctx)
s.ehlo()
assert "SCRAM-SHA-256" in s.esmtp_features.get("auth", ""), s.esmtp_features
s.login(user, pw)
s.quit()
m = imaplib.IMAP4_SSL("localhost", int(imaps), ssl_context=ctx)
m.login(user, pw)
m.logout()
p = poplib.POP3_SSL("localhost", int(pop3s), context=ctx)
p.user(user)
p.pass_(pw)
p.quit()
PY
); then ok $t; else bad $t "$(echo "$r" | tail -n 1)"; fi

if [ -n "$MS" ]; then
# ---- (a) STARTTLS + AUTH, composed text ---------------------------------------
t=interop-starttls-text; m=$(marker a)
subj="$(printf 'Interop \342\234\223 Gr\303\274\303\237e') $m"
send $t "$SMTP" $auth --subject "$subj" --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif delivered $t "$m"; then
	if r=$($CD mime "$F" --subject "$subj" --from "$LM_ALICE" --to "$LM_BOB" \
	    --text "$W/text.txt"); then ok $t; else bad $t "$r"; fi
fi

# ---- (b) implicit TLS, with an attachment --------------------------------------
t=interop-smtps-attach; m=$(marker b)
send $t "$SMTPS" $auth --subject "attach $m" --text "$W/text.txt" --attach "$W/blob.bin"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif delivered $t "$m"; then
	if r=$($CD mime "$F" --subject "attach $m" --text "$W/text.txt" \
	    --attach "$W/blob.bin"); then ok $t; else bad $t "$r"; fi
fi

# ---- (c) --raw: delivered byte for byte; (d) lines starting with dots -------
# Each over BDAT (Postfix offers CHUNKING) and over DATA (a listener that
# hides CHUNKING), checked in Postfix's log. DATA is where dots matter.
printf 'Plain raw body.\r\nSecond line\twith a tab.\r\n\r\nAfter an empty line.\r\n' > "$W/raw.body"
printf '.\r\n..\r\n...\r\n.leading\r\na line\r\n.\r\n .\r\n. \r\n.\r\nend\r\n.\r\n' > "$W/dots.body"
NOCHUNK=smtp://localhost:$LM_SMTP_NOCHUNK_PORT
# last_session SYSLOGNAME COUNT-BEFORE: Postfix's disconnect line of the
# session after COUNT-BEFORE (it is logged a moment after the client left)
ndisc() { grep -c "postfix/$1/smtpd.*disconnect from" "$LM_POSTFIX_LOG"; }
last_session() {
	i=0
	while [ "$(ndisc "$1")" -le "$2" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	grep "postfix/$1/smtpd.*disconnect from" "$LM_POSTFIX_LOG" | tail -n 1
}
for kind in raw dots; do
	for via in bdat data; do
		t=interop-$kind-$via; m=$(marker $kind-$via)
		if [ $via = bdat ]; then url=$SMTP; sl=submission; else url=$NOCHUNK; sl=nochunk; fi
		mkraw "$W/$t.eml" "$m" "$W/$kind.body"
		before=$(ndisc $sl)
		send $t "$url" $auth --raw "$W/$t.eml"
		line=$(last_session $sl "$before")
		if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
		elif ! printf '%s' "$line" | grep -q " $via=1"; then
			bad $t "the session did not use $via: $line"
		elif delivered $t "$m"; then
			if r=$($CD raw "$F" "$W/$t.eml"); then ok $t; else bad $t "$r"; fi
		fi
	done
done

# ---- a large message (6 MB attachment) over DATA, streamed -----------------------
t=interop-large-data; m=$(marker large)
python3 -c '
import sys, random
r = random.Random(5321)
sys.stdout.buffer.write(r.randbytes(6 * 1024 * 1024))' > "$W/large.bin"
send $t "$NOCHUNK" $auth --subject "large $m" --text "$W/text.txt" --attach "$W/large.bin"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif delivered $t "$m"; then
	if r=$($CD mime "$F" --subject "large $m" --attach "$W/large.bin"); then ok $t; else bad $t "$r"; fi
fi

# ---- Bcc reaches its recipient but is not in the delivered headers ------------
t=interop-bcc; m=$(marker bcc)
send $t "$SMTP" $auth --bcc "$LM_ALICE" --subject "bcc $m" --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif delivered $t "$m" && F1=$F && delivered $t "$m" "$LM_ALICE_MAILDIR"; then
	if ! r=$($CD mime "$F1" --to "$LM_BOB" --no-header Bcc); then bad $t "bob's copy: $r"
	elif ! r=$($CD mime "$F" --no-header Bcc); then bad $t "alice's copy: $r"
	else ok $t; fi
fi

# ---- password from the environment ------------------------------------------------
t=interop-env-password; m=$(marker env)
LIBMAIL_PASSWORD=$LM_ALICE_PASSWORD send $t "$SMTP" --user "$LM_ALICE" --subject "env $m" --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif delivered $t "$m"; then ok $t; fi

# ---- every SASL mechanism Dovecot offers through Postfix -------------------------
for mech in PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256; do
	t=interop-auth-$(echo $mech | tr 'A-Z' 'a-z'); m=$(marker $mech)
	send $t "$SMTP" $auth --auth $mech --subject "auth $m" --text "$W/text.txt"
	if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
	elif ! delivered $t "$m"; then :
	elif ! grep -q "sasl_method=$mech, sasl_username=$LM_ALICE" "$LM_POSTFIX_LOG"; then
		bad $t "Postfix did not log sasl_method=$mech"
	else ok $t; fi
done

# ---- (e) wrong password: the server refuses -------------------------------------
t=interop-wrong-password; m=$(marker e)
send $t "$SMTP" --user "$LM_ALICE" --password-file "$W/wrong.pw" --subject "$m" --text "$W/text.txt"
if [ "$RC" != 1 ]; then bad $t "$(why 'AUTH refused: expected exit 1')"
elif ! r=$($CD absent "$LM_BOB_MAILDIR" "$m" 1); then bad $t "$r"
else ok $t; fi

# ---- (f) certificate from a CA the client was not told to trust ----------------
t=interop-unknown-ca; m=$(marker f)
send $t "$SMTP" $auth --cafile "$LM_OTHER_CAFILE" --subject "$m" --text "$W/text.txt"
if [ "$RC" != 3 ]; then bad $t "$(why 'unknown CA: expected exit 3')"
elif ! r=$($CD absent "$LM_BOB_MAILDIR" "$m" 1); then bad $t "$r"
else ok $t; fi

# ---- (g) smtp:// to a port without STARTTLS: nothing is sent -------------------
t=interop-no-starttls; m=$(marker g)
before=$(grep -c 'postfix/notls/smtpd.*disconnect from' "$LM_POSTFIX_LOG")
send $t "$NOTLS" $auth --subject "$m" --text "$W/text.txt"
i=0   # Postfix logs the disconnect a moment after the client is gone
while [ "$(grep -c 'postfix/notls/smtpd.*disconnect from' "$LM_POSTFIX_LOG")" -le "$before" ] &&
    [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
line=$(grep 'postfix/notls/smtpd.*disconnect from' "$LM_POSTFIX_LOG" | tail -n 1)
if [ "$RC" != 3 ]; then bad $t "$(why 'no STARTTLS offered: expected exit 3')"
elif printf '%s' "$line" | grep -Eq '(auth|mail|rcpt|data|bdat)='; then
	bad $t "the client sent commands in plaintext: $line"
elif ! r=$($CD absent "$LM_BOB_MAILDIR" "$m" 1); then bad $t "$r"
else ok $t; fi

# ---- the same port with --plaintext works (so the refusal above was TLS) --------
t=interop-plaintext-control; m=$(marker p)
send $t "$NOTLS" --plaintext --subject "plain $m" --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why '--plaintext: expected exit 0')"
elif delivered $t "$m"; then ok $t; fi

# ---- one unknown recipient: refused, and named -----------------------------------
t=interop-rcpt-unknown; m=$(marker r)
send $t "$SMTP" $auth --to "nobody@$LM_DOMAIN" --subject "$m" --text "$W/text.txt"
if [ "$RC" != 1 ]; then bad $t "$(why 'unknown recipient: expected exit 1')"
elif ! grep -q "nobody@$LM_DOMAIN" "$W/$t.err"; then bad $t "stderr does not name nobody@$LM_DOMAIN"
else ok $t; fi
# ---- an IP literal: Postfix's certificate carries IP:127.0.0.1 ------------------
t=interop-ip-literal; m=$(marker ip)
send $t "smtps://127.0.0.1:$LM_SMTPS_PORT" $auth --subject "ip $m" --text "$W/text.txt"
if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
elif delivered $t "$m"; then ok $t; fi

# ---- --trace hides credentials (PLAIN sends them in one line, LOGIN in two) ----
for mech in PLAIN LOGIN; do
	t=interop-trace-redacts-$(echo $mech | tr 'A-Z' 'a-z'); m=$(marker tr$mech)
	send $t "$SMTP" $auth --auth $mech --trace --subject "trace $m" --text "$W/text.txt"
	b64pw=$(printf '%s' "$LM_ALICE_PASSWORD" | base64)
	b64plain=$(printf '\0%s\0%s' "$LM_ALICE" "$LM_ALICE_PASSWORD" | base64 -w0)
	if [ "$RC" != 0 ]; then bad $t "$(why 'expected exit 0')"
	elif ! grep -q "^C: AUTH $mech" "$W/$t.err"; then bad $t "no 'C: AUTH $mech' line in the trace"
	elif grep -qF "$LM_ALICE_PASSWORD" "$W/$t.err"; then bad $t "password in clear in the trace"
	elif grep -qF "$b64pw" "$W/$t.err"; then bad $t "base64 password in the trace"
	elif grep -qF "$b64plain" "$W/$t.err"; then bad $t "PLAIN credentials in the trace"
	elif delivered $t "$m"; then ok $t; fi
done
fi # mail-send present

# ---- (h) the installed library's API, compiled with pkg-config --------------------
t=interop-api-send
if [ "${LM_INTEROP_NO_API:-0}" = 1 ]; then
	[ "$nfail" -eq 0 ]; exit
fi
P=${LM_PREFIX:-}
if [ -z "$P" ] || [ ! -f "$P/lib/pkgconfig/libmail.pc" ]; then
	P=$W/prefix
	(cd "$root" && make -j2 BUILD="$W/build" LIBDIR="$W/build" BINDIR="$W/build/bin" \
	    PREFIX="$P" install) > "$W/install.log" 2>&1
fi
if ! PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --exists libmail 2>/dev/null; then
	bad $t "no installed libmail in $P"
else
	cp "$here/api_send.c" "$W/api_send.c"
	if ! ${CC:-cc} -std=c99 -Wall -Wextra -Werror -o "$W/api_send" "$W/api_send.c" \
	    $(PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --cflags --libs libmail) \
	    -Wl,-rpath,"$P/lib" > "$W/api.log" 2>&1; then
		bad $t "does not compile: $(head -n 3 "$W/api.log" | tr '\n' ' ')"
	else
		m=$(marker h)
		printf 'Sent through the installed libmail API.\n.\n.a line with a leading dot\nLF-only line above\nlast line\n' > "$W/api.expect"
		timeout 90 "$W/api_send" "$SMTP" "$LM_CAFILE" "$LM_ALICE" "$LM_ALICE_PASSWORD" \
		    "$LM_ALICE" "$LM_BOB" "$m" > "$W/api.out" 2>&1
		RC=$?
		if [ "$RC" != 0 ]; then bad $t "exit $RC: $(tail -n 1 "$W/api.out")"
		elif delivered $t "$m"; then
			if r=$($CD body "$F" "$W/api.expect"); then ok $t; else bad $t "$r"; fi
		fi
	fi
fi
[ "$nfail" -eq 0 ]
