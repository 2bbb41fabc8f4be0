#!/bin/sh
# Runs every unit test program in DIR (default build/tests) under valgrind
# memcheck (leaks: definite and indirect; invalid accesses; uninitialised
# values with their origins) and prints "ok NAME" or "FAIL NAME: why" per
# program and a closing "N passed, N failed" (counting programs).
#
# The transcript runners replay every script split at every offset, which
# takes minutes under valgrind; LM_TR_SPLITS (default 16 here, 0 = all)
# limits them to that many evenly spread split offsets per script (whole
# and byte-by-byte runs are always done). VG_TIMEOUT (default 900) bounds
# one program in seconds. Known glibc noise is in tests/valgrind.supp.
dir=${1:-build/tests}
here=$(cd "$(dirname "$0")" && pwd)
: "${LM_TR_SPLITS:=16}"
export LM_TR_SPLITS
tmo=${VG_TIMEOUT:-900}
command -v valgrind >/dev/null 2>&1 || { echo "FAIL valgrind: not installed"; echo "0 passed, 1 failed"; exit 1; }
pass=0; fail=0
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	timeout "$tmo" valgrind --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect --track-origins=yes -q \
	    --suppressions="$here/valgrind.supp" "$t" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok $n"; pass=$((pass + 1)); continue
	fi
	case $rc in
	99) why="memcheck errors" ;;
	124) why="timed out after ${tmo}s" ;;
	*) why="exit $rc" ;;
	esac
	echo "FAIL $n: $why"
	grep -E '^==[0-9]+== |^not ok|FAIL' "$log" | head -n 40 | sed 's/^/    /'
	fail=$((fail + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
