#!/bin/sh
# Starts a private Dovecot and Postfix on loopback for the tests.
#
#   sh tests/servers/start.sh DIR
#
# DIR must exist and be empty (the caller makes it, e.g. with mktemp -d, and
# sets a trap that runs tests/servers/stop.sh DIR). Everything lives in DIR:
# a throw-away CA and certificates, configuration, queue, mail store, logs,
# and the pids of the two masters (DIR/pids/*.pid). Nothing under /etc is
# read or changed; nothing listens outside 127.0.0.1; mail for any domain
# other than example.test is refused, so nothing leaves the machine.
#
# Ports: LM_PORT_BASE (default 42500) + 0..8, or each one by its variable
# (LM_SMTP_PORT, LM_SMTPS_PORT, LM_SMTP_NOTLS_PORT, LM_IMAP_PORT,
# LM_IMAPS_PORT, LM_POP3_PORT, LM_POP3S_PORT, LM_LMTP_PORT,
# LM_SMTP_NOCHUNK_PORT). Without any
# explicit setting, a busy base is skipped for the next free one.
# The facts the tests need are written to DIR/env (sourceable by sh).
#
# Needs root (Postfix's master must start as root).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
DIR=${1:?usage: start.sh DIR}
DIR=$(cd "$DIR" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "servers: must run as root" >&2; exit 1; }
PATH=$PATH:/usr/sbin:/sbin
for cmd in openssl python3 dovecot postfix postconf useradd; do
	command -v "$cmd" >/dev/null 2>&1 ||
	    { echo "servers: $cmd not found (run tests/deps.sh)" >&2; exit 1; }
done

DOMAIN=example.test
MAILUSER=libmailtest
ALICE_PASS=alice-Secr3t
BOB_PASS=bob-Secr3t
mkdir -p "$DIR/pids"

log() { echo "servers: $*"; }
die() { echo "servers: $*" >&2; exit 1; }

# ---- ports --------------------------------------------------------------
explicit=${LM_PORT_BASE:-}${LM_SMTP_PORT:-}${LM_SMTPS_PORT:-}${LM_SMTP_NOTLS_PORT:-}
explicit=$explicit${LM_IMAP_PORT:-}${LM_IMAPS_PORT:-}${LM_POP3_PORT:-}
explicit=$explicit${LM_POP3S_PORT:-}${LM_LMTP_PORT:-}${LM_SMTP_NOCHUNK_PORT:-}
base=${LM_PORT_BASE:-42500}
tries=0
while :; do
	SMTP_PORT=${LM_SMTP_PORT:-$base}
	SMTPS_PORT=${LM_SMTPS_PORT:-$((base + 1))}
	SMTP_NOTLS_PORT=${LM_SMTP_NOTLS_PORT:-$((base + 2))}
	IMAP_PORT=${LM_IMAP_PORT:-$((base + 3))}
	IMAPS_PORT=${LM_IMAPS_PORT:-$((base + 4))}
	POP3_PORT=${LM_POP3_PORT:-$((base + 5))}
	POP3S_PORT=${LM_POP3S_PORT:-$((base + 6))}
	LMTP_PORT=${LM_LMTP_PORT:-$((base + 7))}
	SMTP_NOCHUNK_PORT=${LM_SMTP_NOCHUNK_PORT:-$((base + 8))}
	ALL_PORTS="$SMTP_PORT $SMTPS_PORT $SMTP_NOTLS_PORT $IMAP_PORT $IMAPS_PORT \
$POP3_PORT $POP3S_PORT $LMTP_PORT $SMTP_NOCHUNK_PORT"
	if busy=$(python3 "$here/netutil.py" free $ALL_PORTS); then
		break
	fi
	[ -z "$explicit" ] || die "ports in use: $busy"
	tries=$((tries + 1))
	[ "$tries" -lt 20 ] || die "no free port range found near 42500"
	base=$((base + 10))
done
log "ports smtp=$SMTP_PORT smtps=$SMTPS_PORT smtp-notls=$SMTP_NOTLS_PORT" \
    "imap=$IMAP_PORT imaps=$IMAPS_PORT pop3=$POP3_PORT pop3s=$POP3S_PORT" \
    "lmtp=$LMTP_PORT smtp-nochunk=$SMTP_NOCHUNK_PORT"

# ---- the unprivileged owner of the mail store ----------------------------
if ! getent passwd "$MAILUSER" >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$MAILUSER" >/dev/null 2>&1 ||
	    MAILUSER=nobody
fi
MAIL_UID=$(id -u "$MAILUSER")
MAIL_GID=$(id -g "$MAILUSER")

# Service users need to walk into DIR.
chmod 755 "$DIR"

# ---- certificates ---------------------------------------------------------
C=$DIR/certs
sh "$here/certs.sh" "$C" || die "could not make certificates"

# ---- mail store ------------------------------------------------------------
for u in alice bob; do
	mkdir -p "$DIR/mail/$DOMAIN/$u/Maildir/cur" "$DIR/mail/$DOMAIN/$u/Maildir/new" \
	    "$DIR/mail/$DOMAIN/$u/Maildir/tmp"
done
chown -R "$MAIL_UID:$MAIL_GID" "$DIR/mail"
chmod 755 "$DIR/mail"

# ---- Dovecot ---------------------------------------------------------------
D=$DIR/dovecot
mkdir -p "$D/run" "$D/state"
chmod 755 "$D" "$D/run"
cat > "$D/users" <<USERS
alice@$DOMAIN:{PLAIN}$ALICE_PASS:$MAIL_UID:$MAIL_GID::$DIR/mail/$DOMAIN/alice::
bob@$DOMAIN:{PLAIN}$BOB_PASS:$MAIL_UID:$MAIL_GID::$DIR/mail/$DOMAIN/bob::
USERS
chmod 640 "$D/users"
chown root:dovecot "$D/users" 2>/dev/null || true
cat > "$D/dovecot.conf" <<CONF
# Private Dovecot for the libmail tests; does not include /etc/dovecot.
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
info_log_path = $D/dovecot.log
debug_log_path = $D/dovecot.log
instance_name = libmail-test-$SMTP_PORT
protocols = imap pop3 lmtp
listen = 127.0.0.1
shutdown_clients = yes

ssl = yes
ssl_cert = <$C/server.crt
ssl_key = <$C/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256
auth_username_format = %Lu

first_valid_uid = $MAIL_UID
last_valid_uid = $MAIL_UID
first_valid_gid = $MAIL_GID
last_valid_gid = $MAIL_GID
mail_location = maildir:~/Maildir
postmaster_address = postmaster@$DOMAIN
hostname = mail.$DOMAIN

passdb {
  driver = passwd-file
  args = scheme=PLAIN $D/users
}
userdb {
  driver = passwd-file
  args = $D/users
}

namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = create
  }
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $POP3S_PORT
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
CONF

log "starting dovecot"
# Dovecot daemonizes into a session of its own (so a Ctrl-C meant for the
# tests does not reach it) and writes base_dir/master.pid. Its stdio must
# not be ours, or a $(...) around this script never returns.
dovecot -c "$D/dovecot.conf" </dev/null >"$D/stdio.log" 2>&1 ||
    { cat "$D/stdio.log" >&2; die "dovecot did not start"; }
i=0
while [ ! -s "$D/run/master.pid" ]; do
	i=$((i + 1)); [ "$i" -lt 100 ] || die "dovecot wrote no master.pid"
	sleep 0.1
done
tr -dc '0-9' < "$D/run/master.pid" > "$DIR/pids/dovecot.pid"
echo >> "$DIR/pids/dovecot.pid"

# ---- Postfix ---------------------------------------------------------------
P=$DIR/postfix
mkdir -p "$P/queue" "$P/data"
chown root:root "$P/queue"
chmod 755 "$P" "$P/queue"
chown postfix "$P/data"
touch "$P/maillog"
# Postfix answers SASL through Dovecot's socket, with these settings on
# every submission port.
sasl="-o smtpd_sasl_auth_enable=yes -o smtpd_tls_auth_only=yes"
cat > "$P/main.cf" <<CONF
# Private Postfix for the libmail tests.
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $P/maillog
maillog_file_prefixes = $P
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.$DOMAIN
mydomain = $DOMAIN
myorigin = $DOMAIN
mydestination =
mynetworks = 127.0.0.1/32
local_recipient_maps =
alias_maps =
alias_database =
relay_domains =
local_transport = error:5.1.1 local delivery is disabled in tests
default_transport = error:5.7.1 nothing leaves the test machine
relay_transport = error:5.7.1 nothing leaves the test machine
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = inline:{ alice@$DOMAIN=ok, bob@$DOMAIN=ok }
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
biff = no
append_dot_mydomain = no
smtpd_banner = \$myhostname ESMTP libmail-test
smtpd_tls_cert_file = $C/server.crt
smtpd_tls_key_file = $C/server.key
smtpd_tls_security_level = none
smtpd_tls_loglevel = 1
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_sasl_type = dovecot
smtpd_sasl_path = $D/run/auth-postfix
smtpd_sasl_auth_enable = no
smtpd_recipient_restrictions = reject_unlisted_recipient, permit_sasl_authenticated, reject
smtpd_relay_restrictions = permit_sasl_authenticated, reject
message_size_limit = 20480000
CONF
cat > "$P/master.cf" <<CONF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt $sasl
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt $sasl
127.0.0.1:$SMTP_NOCHUNK_PORT inet n - n - - smtpd
  -o syslog_name=postfix/nochunk
  -o smtpd_discard_ehlo_keywords=chunking
  -o smtpd_tls_security_level=encrypt $sasl
127.0.0.1:$SMTP_NOTLS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/notls
  -o smtpd_tls_security_level=none
  -o smtpd_sasl_auth_enable=no
  -o smtpd_relay_restrictions=permit_auth_destination,reject
  -o smtpd_recipient_restrictions=reject_unlisted_recipient,permit_auth_destination,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF

log "starting postfix"
postfix -c "$P" check >"$P/start.log" 2>&1 || { cat "$P/start.log" >&2; die "postfix check failed"; }
postfix -c "$P" start >>"$P/start.log" 2>&1 || { cat "$P/start.log" >&2; die "postfix start failed"; }
i=0
while [ ! -s "$P/queue/pid/master.pid" ]; do
	i=$((i + 1)); [ "$i" -lt 100 ] || die "postfix wrote no master.pid"
	sleep 0.1
done
# master.pid holds the pid padded with spaces
tr -d ' \n' < "$P/queue/pid/master.pid" > "$DIR/pids/postfix.pid"
echo >> "$DIR/pids/postfix.pid"

# ---- wait until everything answers ----------------------------------------
w() { python3 "$here/netutil.py" wait "$@" || die "port $1 did not answer${3:+ with $3} (see $D/dovecot.log $P/maillog $D/stdio.log)"; }
w "$IMAP_PORT" 20 "* OK"
w "$IMAPS_PORT" 20
w "$POP3_PORT" 20 "+OK"
w "$POP3S_PORT" 20
w "$LMTP_PORT" 20 "220"
w "$SMTP_PORT" 20 "220"
w "$SMTPS_PORT" 20
w "$SMTP_NOTLS_PORT" 20 "220"
w "$SMTP_NOCHUNK_PORT" 20 "220"
[ -S "$D/run/auth-postfix" ] || die "dovecot auth socket missing"

cat > "$DIR/env" <<ENV
# written by tests/servers/start.sh
LM_SRV_DIR='$DIR'
LM_HOST=localhost
LM_DOMAIN=$DOMAIN
LM_SMTP_PORT=$SMTP_PORT
LM_SMTPS_PORT=$SMTPS_PORT
LM_SMTP_NOTLS_PORT=$SMTP_NOTLS_PORT
LM_SMTP_NOCHUNK_PORT=$SMTP_NOCHUNK_PORT
LM_IMAP_PORT=$IMAP_PORT
LM_IMAPS_PORT=$IMAPS_PORT
LM_POP3_PORT=$POP3_PORT
LM_POP3S_PORT=$POP3S_PORT
LM_LMTP_PORT=$LMTP_PORT
LM_CAFILE='$C/ca.crt'
LM_OTHER_CAFILE='$C/other-ca.crt'
LM_CERTDIR='$C'
LM_ALICE=alice@$DOMAIN
LM_ALICE_PASSWORD=$ALICE_PASS
LM_BOB=bob@$DOMAIN
LM_BOB_PASSWORD=$BOB_PASS
LM_ALICE_MAILDIR='$DIR/mail/$DOMAIN/alice/Maildir'
LM_BOB_MAILDIR='$DIR/mail/$DOMAIN/bob/Maildir'
LM_POSTFIX_LOG='$P/maillog'
LM_DOVECOT_LOG='$D/dovecot.log'
ENV
log "ready (env in $DIR/env)"
