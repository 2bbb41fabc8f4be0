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
# one program in seconds; VG_JOBS (default: the number of CPUs) programs
# run at once. Known glibc noise is in tests/valgrind.supp.
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = --one ]; then # --one PROG OUTDIR: OUTDIR/NAME.log and .rc
	o=$3/$(basename "$2")
	timeout "${VG_TIMEOUT:-900}" valgrind --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect --track-origins=yes -q \
	    --suppressions="$here/valgrind.supp" "$2" >"$o.log" 2>&1
	echo $? >"$o.rc"
	exit 0
fi
dir=${1:-build/tests}
: "${LM_TR_SPLITS:=16}"
export LM_TR_SPLITS
command -v valgrind >/dev/null 2>&1 || { echo "FAIL valgrind: not installed"; echo "0 passed, 1 failed"; exit 1; }
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
for t in "$dir"/test_*; do
	[ -x "$t" ] && printf '%s\n' "$t"
done | xargs -P "${VG_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)}" \
    -I{} sh "$here/valgrind.sh" --one {} "$out"
pass=0; fail=0
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	rc=$(cat "$out/$n.rc" 2>/dev/null || echo 98)
	if [ "$rc" -eq 0 ]; then
		echo "ok $n"; pass=$((pass + 1)); continue
	fi
	case $rc in
	98) why="did not run" ;;
	99) why="memcheck errors" ;;
	124) why="timed out after ${VG_TIMEOUT:-900}s" ;;
	*) why="exit $rc" ;;
	esac
	echo "FAIL $n: $why"
	grep -E '^==[0-9]+== |^not ok|FAIL' "$out/$n.log" 2>/dev/null | head -n 40 | sed 's/^/    /'
	fail=$((fail + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
