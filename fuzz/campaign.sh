#!/bin/sh
# A long fuzzing campaign: every libFuzzer target in DIR in turn, each for
# its share of time, on a working corpus kept outside the tree (seeded from
# fuzz/corpus/NAME, growing from run to run), at low priority on one core.
# Prints one line per target: executions, final coverage (cov/ft), corpus
# size, and "FINDING" with the artifact path when the target stops on a
# crash, leak or broken invariant (save it as fuzz/regress/NAME-<short>.bin
# once fixed). Not part of make check.
#
#   sh fuzz/campaign.sh DIR WORK SECONDS [NAME...]
#     DIR      the libFuzzer binaries (make BUILD=/tmp/f fuzz -> /tmp/f/fuzz)
#     WORK     working corpora, logs and artifacts (reused across runs)
#     SECONDS  time per target (LM_CAMPAIGN_x2="a b" doubles it for a, b)
#     NAME     targets to run (default: every fuzz_* binary in DIR)
#   LM_CAMPAIGN_TIMEOUT  seconds one input may take (default 10); raise it
#                        when the fuzzers may be paused (SIGSTOP while a
#                        benchmark runs): libFuzzer's clock is wall time
set -u
dir=${1:?usage: campaign.sh DIR WORK SECONDS [NAME...]}
work=${2:?usage: campaign.sh DIR WORK SECONDS [NAME...]}
secs=${3:?usage: campaign.sh DIR WORK SECONDS [NAME...]}
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
if [ $# -eq 0 ]; then
	for bin in "$dir"/fuzz_*; do
		[ -x "$bin" ] && set -- "$@" "${bin##*/fuzz_}"
	done
fi
for name in "$@"; do
	bin=$dir/fuzz_$name
	[ -x "$bin" ] || { echo "$name: no binary $bin"; continue; }
	c=$work/corpus/$name
	mkdir -p "$c" "$work/art"
	[ -d "$here/corpus/$name" ] && cp -n "$here/corpus/$name"/* "$c/" 2>/dev/null
	t=$secs
	case " ${LM_CAMPAIGN_x2:-} " in *" $name "*) t=$((secs * 2)) ;; esac
	dict=
	[ -f "$here/$name.dict" ] && dict="-dict=$here/$name.dict"
	log=$work/$name.$(date -u +%Y%m%dT%H%M%S).log
	start=$(date +%s)
	nice -n "${LM_CAMPAIGN_NICE:-10}" "$bin" $dict -max_total_time="$t" \
	    -timeout="${LM_CAMPAIGN_TIMEOUT:-10}" -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$work/art/$name-" "$c" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	execs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.*\(cov: [0-9]*\).*\(ft: [0-9]*\).*/\1 \2/p')
	files=$(ls "$c" | wc -l)
	if [ $rc -eq 0 ]; then
		echo "$name: $((end - start)) s, ${execs:-?} executions, $cov, corpus $files"
	else
		art=$(grep -o "$work/art/$name-[^ ]*" "$log" | tail -1)
		echo "$name: FINDING after $((end - start)) s, ${execs:-?} executions: ${art:-see $log}"
	fi
done
