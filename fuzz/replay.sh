#!/bin/sh
# Replay the seed corpus and the saved regressions (fuzz/regress/<name>-*)
# through the plain-driver builds in DIR (make fuzz-replay). Prints
# "ok fuzz-replay-NAME" / "FAIL fuzz-replay-NAME: why" per target (the
# lines tests/check.sh counts; LM_REPLAY_TAG replaces "fuzz-replay") and
# a summary.
#   sh fuzz/replay.sh DIR
dir=$1
tag=${LM_REPLAY_TAG:-fuzz-replay}
here=$(cd "$(dirname "$0")" && pwd)
fail=0
n=0
for bin in "$dir"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	set --
	[ -d "$here/corpus/$name" ] && set -- "$here/corpus/$name"
	for f in "$here/regress/$name"-*; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	[ $# -gt 0 ] || continue
	n=$((n + 1))
	to=
	command -v timeout >/dev/null 2>&1 && to="timeout 120"
	if $to "$bin" "$@"; then
		echo "ok $tag-$name"
	else
		fail=$((fail + 1))
		echo "fuzz-replay: $name FAILED"
		echo "FAIL $tag-$name: an input of fuzz/corpus/$name or fuzz/regress/$name-* broke an invariant or crashed (see above)"
	fi
done
echo "fuzz-replay: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
