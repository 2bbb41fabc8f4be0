#!/bin/sh
# `make check`: every test of libmail, ending with one line
# "N passed, N failed" that sums them all. Exit status 0 only if nothing
# failed. Steps:
#   deps         tests/deps.sh (installs missing Debian packages as root)
#   build-gcc    full build + unit tests with gcc in a private build dir
#   build-clang  the same with clang (both are -Werror)
#   unit         every tests/unit/test_*.c program (counted one by one)
#   *-noidn      build and unit tests again in the firmware configuration
#                (IDN=0 ICONV=0 SMALL=1: no libidn2, no iconv, no tables;
#                no SSE2/AVX2 code either, as on ARM)
#   fuzz-smoke   make fuzz-smoke: every fuzz/fuzz_*.c harness under
#                libFuzzer + ASan/UBSan for LM_FUZZ_TIME (3) seconds on a
#                copy of its seeds (about 90 s in all)
#   fuzz-replay  make fuzz-replay: seeds and fuzz/regress/* through the
#                gcc + ASan builds of the harnesses
#   fuzz-afl     fuzz/afl.sh: the harnesses built with AFL++ (afl-clang-fast,
#                ASan + UBSan), replayed, and afl-fuzz on sasl for
#                LM_AFL_TIME (10) seconds; LM_CHECK_AFL=0 skips it
#   install      tests/install/run.sh: make install + pkg-config consumers
#   bench-smoke  tests/bench/smoke.sh: the IMAP benchmark at 2000 responses
#                (libmail and libetpan count them all) and the device
#                size program build and run; no figure is judged
#   fake         tests/fake/run.sh: mail-send against a hostile fake server
#   fake-pop3    tests/fake/pop3_run.sh: pop3-fetch against a hostile fake
#                POP3 server (cuts in RETR/DELE/QUIT, injection, traversal)
#   fake-tls     tests/fake/tls_run.sh: the three examples against a fake that
#                is hostile at the TLS level (bad certificates, TLS 1.0/1.1,
#                plaintext on an implicit-TLS port, replies cut under TLS)
#   *-mbedtls3   build, unit, fake-tls and interop again against mbedTLS 3.6,
#                fetched from Debian 13 by tests/mbedtls3.sh (never
#                installed); LM_CHECK_MBEDTLS3=0 skips it
#   build-engines  make NET=0 IDN=0 ICONV=0 SMALL=1 OPT=-Os with clang: the
#                engines alone, built for size as for a device (build only)
#   valgrind     make valgrind: every unit program (transcripts included)
#                under memcheck, built with gcc -O1; LM_CHECK_VALGRIND=0
#                skips it
#   *-asan       build, unit, fake and interop again with SANITIZE=1
#                (address, undefined); LM_CHECK_ASAN=0 skips them
#   interop      private Postfix + Dovecot (tests/servers), tests/interop/run.sh
#   interop-pop3 tests/interop/pop3.sh: pop3-fetch against Dovecot POP3,
#                poplib as the oracle, SIGKILL loop
# Work files live in a fresh temporary directory, removed on success and
# kept (with the server logs) on failure. Servers are stopped by pid on any
# exit, including interrupts.
set -u
# our own makes run with their own -j; not the jobserver of a calling make
unset MAKEFLAGS MFLAGS MAKELEVEL
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
PATH=$PATH:/usr/sbin:/sbin
JOBS=${JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}

W=$(mktemp -d "${TMPDIR:-/tmp}/libmail-check.XXXXXX") || exit 2
SRV=""
npass=0
nfail=0
failed=""

cleanup() {
	if [ -n "$SRV" ]; then
		if [ "$nfail" -eq 0 ]; then
			sh "$ROOT/tests/servers/stop.sh" "$SRV"
		else
			sh "$ROOT/tests/servers/stop.sh" "$SRV" --keep
		fi
		SRV=""
	fi
	if [ "$nfail" -eq 0 ]; then
		rm -rf "$W"
	elif [ "$done" -eq 0 ]; then
		echo "check: work files kept in $W"
	fi
}
done=0
trap cleanup EXIT
trap 'nfail=$((nfail + 1)); echo "check: interrupted"; exit 130' INT TERM HUP

ok() { echo "ok $1"; npass=$((npass + 1)); }
T0=$(date +%s); TP=$T0
phase() { # how long the step took
	now=$(date +%s); echo "check: $1 took $((now - TP)) s"; TP=$now
}
fail() { echo "FAIL $1: $2"; nfail=$((nfail + 1)); failed="$failed $1"; }

# run_suite NAME CMD...: run a suite that prints "ok X" / "FAIL X: why"
# lines; count them; a suite that fails without a FAIL line counts as one.
run_suite() {
	name=$1; shift
	log=$W/$name.log
	{ "$@"; echo $? > "$W/$name.rc"; } 2>&1 | tee "$log"
	rc=$(cat "$W/$name.rc" 2>/dev/null || echo 99)
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	npass=$((npass + p)); nfail=$((nfail + f))
	[ "$f" -eq 0 ] || failed="$failed $name"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail "$name" "exited with status $rc without naming a failure"
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$rc" -eq 0 ]; then
		fail "$name" "ran no test"
	fi
}

# ---- dependencies ----------------------------------------------------------
if sh tests/deps.sh; then ok deps; else fail deps "missing packages"; fi
phase deps

# ---- builds (warning-free with gcc and clang) --------------------------------
build() { # name cc [make variables...]
	b=$W/$1; n=$1; c=$2; shift 2
	if make -j"$JOBS" CC="$c" "$@" BUILD="$b" LIBDIR="$b" BINDIR="$b/bin" \
	    all tests > "$b.log" 2>&1; then
		if grep -i 'warning:' "$b.log" > "$b.warn"; then
			fail "build-$n" "warnings:"; sed 's/^/  /' "$b.warn" | head -20
		else
			ok "build-$n"
		fi
	else
		fail "build-$n" "make failed:"; grep -E 'error:|Error [0-9]|undefined reference|No rule' "$b.log" | head -20 | sed 's/^/  /'
	fi
	phase "build-$n"
}
build gcc gcc
if command -v clang >/dev/null 2>&1; then
	build clang clang
else
	fail build-clang "clang not installed"
fi
B=$W/gcc
MAILSEND=$B/bin/mail-send
export LM_MAILSEND=$MAILSEND LM_BUILD=$B LM_ROOT=$ROOT LM_WORK=$W

# ---- unit tests ------------------------------------------------------------
unit() { # name builddir
	if [ -d "$2/tests" ]; then
		sh tests/run-unit.sh "$2/tests" > "$W/$1.log" 2>&1
		if [ "$(wc -l < "$W/$1.log")" -gt 40 ]; then
			head -n 30 "$W/$1.log"
			echo "  ... (full output in $W/$1.log)"
			tail -n 3 "$W/$1.log" | sed "s/^unit:/$1:/"
		else
			sed "s/^unit:/$1:/" "$W/$1.log"
		fi
		line=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed' "$W/$1.log" | tail -n 1)
		if [ -n "$line" ]; then
			p=${line#unit: }; p=${p%% passed*}
			f=${line#*passed, }; f=${f%% failed*}
			npass=$((npass + p)); nfail=$((nfail + f))
			[ "$f" -eq 0 ] || failed="$failed $1"
			[ "$p" -gt 0 ] || fail "$1" "no unit test ran"
		else
			fail "$1" "tests/run-unit.sh printed no summary"
		fi
	else
		fail "$1" "unit tests were not built"
	fi
	phase "$1"
}
unit unit "$B"

# ---- fuzzing: short bounded libFuzzer runs, then every saved input replayed --
fuzzmake() {
	make -s -j"$JOBS" BUILD="$W/fuzz" LIBDIR="$W/fuzz" BINDIR="$W/fuzz/bin" "$@"
}
run_suite fuzz-smoke fuzzmake FUZZ_TIME="${LM_FUZZ_TIME:-3}" fuzz-smoke
run_suite fuzz-replay fuzzmake fuzz-replay
# the same harnesses built with AFL++, replayed, and afl-fuzz for a few
# seconds on one of them (LM_CHECK_AFL=0: skip)
if [ "${LM_CHECK_AFL:-1}" != 0 ]; then
	run_suite fuzz-afl sh fuzz/afl.sh "$W/afl" "${LM_AFL_TIME:-10}"
fi
phase fuzz

# ---- installed library, headers and pkg-config file -------------------------
export LM_PREFIX=$W/prefix
run_suite install sh tests/install/run.sh "$W/prefix"
phase install

# ---- MIME parser against Python's email package (differential) --------------
run_suite mime-diff python3 tests/mime/diff_python.py "$B/bin/mime-dump" "$W/mime-diff"
phase mime-diff

# ---- benchmark programs build and agree with their peers (no timing) ---------
run_suite bench-smoke sh tests/bench/smoke.sh
phase bench-smoke

# ---- hostile fake servers ------------------------------------------------------
mkdir -p "$W/fake"
run_suite fake sh tests/fake/run.sh "$W/fake"
run_suite fake-pop3 sh tests/fake/pop3_run.sh "$W/fake-pop3"
run_suite fake-imap sh tests/fake/run-imap.sh "$W/fake-imap"
run_suite fake-tls sh tests/fake/tls_run.sh "$W/fake-tls"
phase fake

# ---- without libidn2 (the firmware configuration, make IDN=0) -----------------------
# Also without any x86 vector code (-U__SSE2__, LM_NO_SIMD), as on the ARM
# and RISC-V parts firmware runs on: the portable paths are tested here,
# not only compiled (an SSE2-less event_zero() once recursed forever).
build noidn gcc IDN=0 ICONV=0 SMALL=1 CFLAGS="-U__SSE2__ -DLM_NO_SIMD"
unit unit-noidn "$W/noidn"

# ---- against mbedTLS 3.6 LTS (Debian 13's, fetched by tests/mbedtls3.sh) --------
# Debian 12 has 2.28: without this the 3.x side of lib/core/mbedtls_compat.h
# (PSA, TLS 1.3, IANA groups, signature algorithms) is never compiled nor
# run. gcc build (warning-free) and every unit test, TLS ones included.
# LM_CHECK_MBEDTLS3=0 skips it; an unreachable archive is reported, not
# counted as passed.
if [ "${LM_CHECK_MBEDTLS3:-1}" != 0 ]; then
	m3lib=$(sh tests/mbedtls3.sh "$W/mbedtls3-pkg"); m3rc=$?
	if [ "$m3rc" -eq 0 ]; then
		m3inc=$W/mbedtls3-pkg/root/usr/include
		build mbedtls3 "gcc -isystem $m3inc" LDFLAGS="-L$m3lib"
		m3old=${LD_LIBRARY_PATH-}
		LD_LIBRARY_PATH=$m3lib; export LD_LIBRARY_PATH
		unit unit-mbedtls3 "$W/mbedtls3"
		# the examples against the TLS-hostile fake (TLS 1.3 there)
		run_suite fake-tls-mbedtls3 env LM_MAILSEND="$W/mbedtls3/bin/mail-send" \
		    LM_POP3FETCH="$W/mbedtls3/bin/pop3-fetch" \
		    LM_IMAPCLIENT="$W/mbedtls3/bin/imap-client" \
		    LM_FAKE_PREFIX=fake-tls-mbedtls3 sh tests/fake/tls_run.sh "$W/fake-tls-mbedtls3"
		phase fake-tls-mbedtls3
		LD_LIBRARY_PATH=$m3old
		[ -n "$m3old" ] || unset LD_LIBRARY_PATH
	elif [ "$m3rc" -eq 77 ]; then
		echo "check: mbedtls3 skipped: the Debian 13 archive is not reachable"
	else
		fail mbedtls3 "could not fetch mbedTLS 3.6 (see $W/mbedtls3-pkg/apt)"
	fi
fi

# ---- the engines alone (make NET=0), built for size as for a device -----------
# Build only: the same engine tests run above; this catches a test or an
# engine that reaches for lib/net, and warnings that only -Os brings out.
build engines clang NET=0 IDN=0 ICONV=0 SMALL=1 OPT=-Os

# ---- valgrind memcheck (LM_CHECK_VALGRIND=0: skip) ---------------------------
# No leaks, no invalid or uninitialised reads in any unit or transcript test,
# built without sanitizers at gcc -O1 (which also brings out warnings -O2
# does not).
if [ "${LM_CHECK_VALGRIND:-1}" != 0 ]; then
	run_suite valgrind make -s -j"$JOBS" BUILD="$W/vg" valgrind
	phase valgrind
fi

# ---- the same under AddressSanitizer and UBSan (LM_CHECK_ASAN=0: skip) ----------
if [ "${LM_CHECK_ASAN:-1}" != 0 ]; then
	build asan gcc SANITIZE=1
	unit unit-asan "$W/asan"
	mkdir -p "$W/fake-asan"
	run_suite fake-asan env LM_MAILSEND="$W/asan/bin/mail-send" \
	    LM_FAKE_PREFIX=fake-asan sh tests/fake/run.sh "$W/fake-asan"
	run_suite fake-pop3-asan env LM_POP3FETCH="$W/asan/bin/pop3-fetch" \
	    LM_FAKE_PREFIX=fake-asan sh tests/fake/pop3_run.sh "$W/fake-pop3-asan"
	run_suite fake-imap-asan env LM_IMAPCLIENT="$W/asan/bin/imap-client" \
	    LM_FAKE_PREFIX=fake-imap-asan sh tests/fake/run-imap.sh "$W/fake-imap-asan"
	run_suite fake-tls-asan env LM_MAILSEND="$W/asan/bin/mail-send" \
	    LM_POP3FETCH="$W/asan/bin/pop3-fetch" LM_IMAPCLIENT="$W/asan/bin/imap-client" \
	    LM_FAKE_PREFIX=fake-tls-asan sh tests/fake/tls_run.sh "$W/fake-tls-asan"
	phase fake-asan
fi

# ---- real Postfix and Dovecot ------------------------------------------------
SRV=$(mktemp -d "${TMPDIR:-/tmp}/libmail-srv.XXXXXX")
if sh tests/servers/start.sh "$SRV"; then
	ok servers-start
	run_suite interop sh tests/interop/run.sh "$SRV/env"
	run_suite interop-pop3 sh tests/interop/pop3.sh "$SRV/env"
	run_suite interop-imap sh tests/interop/imap.sh "$SRV/env"
	phase interop
	if [ "${LM_CHECK_ASAN:-1}" != 0 ]; then
		run_suite interop-asan env LM_MAILSEND="$W/asan/bin/mail-send" \
		    LM_INTEROP_PREFIX=interop-asan LM_INTEROP_NO_API=1 \
		    sh tests/interop/run.sh "$SRV/env"
		run_suite interop-pop3-asan env LM_POP3FETCH="$W/asan/bin/pop3-fetch" \
		    LM_INTEROP_PREFIX=interop-asan sh tests/interop/pop3.sh "$SRV/env"
		run_suite interop-imap-asan env LM_IMAPCLIENT="$W/asan/bin/imap-client" \
		    LM_INTEROP_PREFIX=interop-imap-asan LM_INTEROP_NO_API=1 \
		    sh tests/interop/imap.sh "$SRV/env"
		phase interop-asan
	fi
	# the example programs built against mbedTLS 3.6 (TLS 1.3 with
	# Postfix and Dovecot)
	if [ -n "${m3lib-}" ] && [ -x "$W/mbedtls3/bin/mail-send" ]; then
		m3env="LD_LIBRARY_PATH=$m3lib LM_MAILSEND=$W/mbedtls3/bin/mail-send"
		m3env="$m3env LM_POP3FETCH=$W/mbedtls3/bin/pop3-fetch"
		m3env="$m3env LM_IMAPCLIENT=$W/mbedtls3/bin/imap-client"
		m3env="$m3env LM_INTEROP_NO_API=1"
		# shellcheck disable=SC2086
		run_suite interop-mbedtls3 env $m3env \
		    LM_INTEROP_PREFIX=interop-mbedtls3 sh tests/interop/run.sh "$SRV/env"
		# shellcheck disable=SC2086
		run_suite interop-pop3-mbedtls3 env $m3env \
		    LM_INTEROP_PREFIX=interop-mbedtls3 sh tests/interop/pop3.sh "$SRV/env"
		# shellcheck disable=SC2086
		run_suite interop-imap-mbedtls3 env $m3env \
		    LM_INTEROP_PREFIX=interop-imap-mbedtls3 sh tests/interop/imap.sh "$SRV/env"
		phase interop-mbedtls3
	fi
else
	fail servers-start "see logs in $SRV"
fi
if [ "$nfail" -eq 0 ]; then
	sh tests/servers/stop.sh "$SRV"
else
	sh tests/servers/stop.sh "$SRV" --keep
	echo "check: server files kept in $SRV"
fi
SRV=""

echo "check: all steps took $(($(date +%s) - T0)) s"
[ "$nfail" -eq 0 ] || echo "check: work files kept in $W"
[ -z "$failed" ] || echo "check: failures in:$failed"
done=1
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
