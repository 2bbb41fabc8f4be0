#!/bin/sh
# `make check`: every test of libmail, ending with one line
# "N passed, N failed" that sums them all. Exit status 0 only if nothing
# failed. Steps:
#   deps         tests/deps.sh (installs missing Debian packages as root)
#   build-gcc    full build + unit tests with gcc in a private build dir
#   build-clang  the same with clang (both are -Werror)
#   unit         every tests/unit/test_*.c program (counted one by one)
#   install      tests/install/run.sh: make install + pkg-config consumers
#   fake         tests/fake/run.sh: mail-send against a hostile fake server
#   interop      private Postfix + Dovecot (tests/servers), tests/interop/run.sh
# Work files live in a fresh temporary directory, removed on success and
# kept (with the server logs) on failure. Servers are stopped by pid on any
# exit, including interrupts.
set -u
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
	else
		echo "check: work files kept in $W"
	fi
}
trap cleanup EXIT
trap 'nfail=$((nfail + 1)); echo "check: interrupted"; exit 130' INT TERM HUP

ok() { echo "ok $1"; npass=$((npass + 1)); }
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

# ---- builds (warning-free with gcc and clang) --------------------------------
build() { # name cc
	b=$W/$1
	if make -j"$JOBS" CC="$2" BUILD="$b" LIBDIR="$b" BINDIR="$b/bin" \
	    all tests > "$b.log" 2>&1; then
		if grep -i 'warning' "$b.log" > "$b.warn"; then
			fail "build-$1" "warnings:"; sed 's/^/  /' "$b.warn" | head -20
		else
			ok "build-$1"
		fi
	else
		fail "build-$1" "make failed:"; grep -E 'error|Error' "$b.log" | head -30 | sed 's/^/  /'
	fi
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
if [ -d "$B/tests" ]; then
	sh tests/run-unit.sh "$B/tests" > "$W/unit.log" 2>&1
	cat "$W/unit.log"
	line=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed' "$W/unit.log" | tail -n 1)
	if [ -n "$line" ]; then
		p=${line#unit: }; p=${p%% passed*}
		f=${line#*passed, }; f=${f%% failed*}
		npass=$((npass + p)); nfail=$((nfail + f))
		[ "$f" -eq 0 ] || failed="$failed unit"
		[ "$p" -gt 0 ] || fail unit "no unit test ran"
	else
		fail unit "tests/run-unit.sh printed no summary"
	fi
else
	fail unit "unit tests were not built"
fi

# ---- installed library, headers and pkg-config file -------------------------
export LM_PREFIX=$W/prefix
run_suite install sh tests/install/run.sh "$W/prefix"

# ---- hostile fake servers ------------------------------------------------------
mkdir -p "$W/fake"
run_suite fake sh tests/fake/run.sh "$W/fake"

# ---- real Postfix and Dovecot ------------------------------------------------
SRV=$(mktemp -d "${TMPDIR:-/tmp}/libmail-srv.XXXXXX")
if sh tests/servers/start.sh "$SRV"; then
	ok servers-start
	run_suite interop sh tests/interop/run.sh "$SRV/env"
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

[ -z "$failed" ] || echo "check: failures in:$failed"
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
