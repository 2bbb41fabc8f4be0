#!/bin/sh
# Installs the Debian packages that building and testing libmail need.
# A fast no-op when everything is present. As root it installs what is
# missing with apt-get; otherwise it prints the command to run and fails.
# Package installs must not start system mail services: a temporary
# policy-rc.d forbids that, and postfix is preseeded to stay unconfigured.
set -u

# libclang-rt-14-dev: libFuzzer for clang 14's -fsanitize=fuzzer (make fuzz,
# fuzz-smoke); libpython3.11-testsuite: CPython's email test messages,
# read by the MIME differential suite (tests/mime/diff_python.py);
# valgrind: the memcheck step (make valgrind); afl++: the AFL++ builds of
# the fuzz harnesses (fuzz/afl.sh); libetpan-dev: the peer of the IMAP
# benchmark, run small by make check (tests/bench/smoke.sh).
PKGS="build-essential gcc clang make pkg-config libmbedtls-dev libidn2-dev \
ca-certificates openssl python3 postfix dovecot-imapd dovecot-pop3d \
dovecot-lmtpd libclang-rt-14-dev libpython3.11-testsuite valgrind afl++ \
libetpan-dev"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run this script as root (it also keeps the mail services from" >&2
	echo "deps: starting system-wide), or run as root:" >&2
	case " $missing " in
	*" postfix "*)
		printf '%s' "echo 'postfix postfix/main_mailer_type select No configuration'" \
		    " | debconf-set-selections && " ;;
	esac
	echo "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
	exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	created_policy=1
fi
cleanup() {
	[ "$created_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
}
trap cleanup EXIT INT TERM

if command -v debconf-set-selections >/dev/null 2>&1; then
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections
fi
apt-get update || exit 1
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing || exit 1
echo "deps: done"
