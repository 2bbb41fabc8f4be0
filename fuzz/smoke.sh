#!/bin/sh
# Run every libFuzzer binary in DIR for a short, bounded time on a copy
# of its seed corpus (the tree is not modified). Fails if any target
# finds a crash, a leak or a broken invariant. Prints "ok fuzz-smoke-NAME"
# / "FAIL fuzz-smoke-NAME: why" per target (the lines tests/check.sh
# counts) and a summary.
#   sh fuzz/smoke.sh DIR [SECONDS] [RUNS]
dir=$1
secs=${2:-10}
runs=${3:-2000000}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lm-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
n=0
for bin in "$dir"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	n=$((n + 1))
	mkdir -p "$tmp/$name/corpus" "$tmp/$name/art"
	if [ -d "$here/corpus/$name" ]; then
		cp "$here/corpus/$name"/* "$tmp/$name/corpus/" 2>/dev/null
	fi
	dict=
	[ -f "$here/$name.dict" ] && dict="-dict=$here/$name.dict"
	if "$bin" $dict -max_total_time="$secs" -runs="$runs" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$tmp/$name/art/" "$tmp/$name/corpus" \
	    >"$tmp/$name/log" 2>&1; then
		stats=$(grep -E '^stat::number_of_executed_units' "$tmp/$name/log" | awk '{print $2}')
		cov=$(grep -E '#[0-9]+[[:space:]]+(DONE|INITED)' "$tmp/$name/log" | tail -1 | sed 's/.*\(cov: [0-9]*\).*\(ft: [0-9]*\).*/\1 \2/')
		echo "ok fuzz-smoke-$name ($stats runs, $cov)"
	else
		fail=$((fail + 1))
		echo "FAIL fuzz-smoke-$name: the fuzzer found a crash, leak or broken invariant"
		grep -E 'ERROR|INVARIANT|SUMMARY|runtime error|#[0-9]+ 0x.* in |^Base64:' \
		    "$tmp/$name/log" | grep -v 'fuzzer::\|libc\.so\|in _start' | head -30
		mkdir -p "$dir/artifacts"
		for a in "$tmp/$name/art"/*; do
			[ -f "$a" ] || continue
			cp "$a" "$dir/artifacts/$name-${a##*/}"
			echo "  input saved as $dir/artifacts/$name-${a##*/}"
		done
	fi
done
if [ "$n" -eq 0 ]; then
	echo "FAIL fuzz-smoke: no fuzz binaries in $dir (run make fuzz)"
	exit 1
fi
echo "fuzz-smoke: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
