#!/bin/sh
# Runs every unit test program in DIR (default build/tests) and prints
# one closing line "N passed, N failed" over all of them.
dir=${1:-build/tests}
pass=0; fail=0; bad=""
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -v '^ok ' | grep -v 'passed, .* failed$' | sed "s|^|$(basename "$t"): |"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	if [ -z "$line" ]; then
		echo "$(basename "$t"): crashed or printed no summary (exit $rc)"
		fail=$((fail + 1)); bad="$bad $(basename "$t")"; continue
	fi
	p=${line%% passed*}; f=${line#*, }; f=${f%% failed}
	pass=$((pass + p)); fail=$((fail + f))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || { fail=$((fail + 1)); bad="$bad $(basename "$t")"; }
	[ "$f" -eq 0 ] || bad="$bad $(basename "$t")"
done
echo "unit: $pass passed, $fail failed${bad:+ (in:$bad)}"
[ "$fail" -eq 0 ]
