#!/bin/sh
# AFL++ (issue 6: every harness also builds with afl-clang-fast). Builds
# the fuzz-replay harnesses with AFL++'s compiler (ASan and UBSan
# included, as fuzz/README shows), replays their seeds and regressions,
# then lets afl-fuzz run one target for SECONDS and checks that it ran
# and found no crash or hang. Prints "ok afl-..." / "FAIL afl-...: why"
# lines (tests/check.sh counts them).
#   sh fuzz/afl.sh BUILD [SECONDS] [TARGET]     (defaults: 10, sasl)
set -u
b=${1:?usage: afl.sh BUILD [SECONDS] [TARGET]}
secs=${2:-10}
t=${3:-sasl}
here=$(cd "$(dirname "$0")" && pwd)
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
for p in afl-clang-fast afl-fuzz; do
	command -v $p >/dev/null 2>&1 || { echo "FAIL afl-build: $p not installed (Debian package afl++)"; exit 1; }
done
unset MAKEFLAGS MFLAGS MAKELEVEL
if AFL_QUIET=1 LM_REPLAY_TAG=afl-replay make -C "$here/.." -s -j"$jobs" BUILD="$b" \
    LIBDIR="$b" BINDIR="$b/bin" FUZZ_REPLAY_CC=afl-clang-fast fuzz-replay >"$b.log" 2>&1; then
	echo "ok afl-build"
	grep -E '^(ok|FAIL) afl-replay-' "$b.log"
else
	if grep -qE '^(ok|FAIL) afl-replay-' "$b.log"; then
		echo "ok afl-build"
		grep -E '^(ok|FAIL) afl-replay-' "$b.log"
	else
		echo "FAIL afl-build: see $b.log"
		grep -E 'error:|Error [0-9]' "$b.log" | head -20 | sed 's/^/  /'
	fi
	exit 1
fi
# a short real afl-fuzz run: the fork server starts, inputs execute,
# nothing crashes or hangs on the seeds' neighbourhood
out=$b/afl-out-$t
rm -rf "$out"
dict=
[ -f "$here/$t.dict" ] && dict="-x $here/$t.dict"
AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_QUIET=1 \
AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    timeout $((secs + 120)) afl-fuzz -V "$secs" -i "$here/corpus/$t" -o "$out" \
    $dict -- "$b/fuzz-replay/fuzz_$t" >"$out.log" 2>&1
rc=$?
st=$out/default/fuzzer_stats
execs=$(sed -n 's/^execs_done *: *//p' "$st" 2>/dev/null)
crashes=$(sed -n 's/^saved_crashes *: *//p' "$st" 2>/dev/null)
hangs=$(sed -n 's/^saved_hangs *: *//p' "$st" 2>/dev/null)
if [ "$rc" -ne 0 ] || [ -z "$execs" ] || [ "$execs" -eq 0 ]; then
	echo "FAIL afl-fuzz-$t: afl-fuzz exit $rc, ${execs:-no} executions (see $out.log)"
	tail -n 15 "$out.log" | sed 's/^/  /'
	exit 1
elif [ "${crashes:-0}" -ne 0 ] || [ "${hangs:-0}" -ne 0 ]; then
	echo "FAIL afl-fuzz-$t: $crashes crashes, $hangs hangs in $out/default"
	exit 1
fi
echo "ok afl-fuzz-$t ($execs executions in $secs s)"
