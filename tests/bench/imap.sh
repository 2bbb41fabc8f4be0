#!/bin/sh
# `make bench` (IMAP): parse a stream of 100,000 FETCH responses (UID,
# FLAGS, RFC822.SIZE, ENVELOPE with several address lists, a nested
# multipart BODYSTRUCTURE with parameters and dispositions) with
# libmail's IMAP engine and with libetpan's IMAP parser in the same run,
# on one core, CPU time of the process, best of three. Prints MB/s and
# responses/s side by side and the ratio, for libmail's engine alone
# (events with zero-copy ENVELOPE/BODYSTRUCTURE slices) and for the
# engine plus a full walk of every ENVELOPE and BODYSTRUCTURE with the
# zero-copy readers (the fair match for libetpan's tree). libetpan is
# given its fastest framing (a tagged completion after each response: its
# parser slows down with more responses per command, ~5 MB/s at 1,000).
# Also prints libmail's memory per connection (no heap at all).
#
#   sh tests/bench/imap.sh   (LM_BUILD=dir of libmail.a, default lib/;
#                             LM_BENCH_IMAP_N=100000 responses;
#                             installs libetpan-dev when missing and root:
#                             a benchmark-only dependency)
set -u
unset MAKEFLAGS MFLAGS MAKELEVEL
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
N=${LM_BENCH_IMAP_N:-100000}
if [ -n "${LM_BUILD:-}" ]; then LIBA=$LM_BUILD/libmail.a; else LIBA=$ROOT/lib/libmail.a; fi
[ -f "$LIBA" ] || { echo "bench imap: build first (make)"; exit 1; }
if [ ! -f /usr/include/libetpan/libetpan.h ]; then
	if [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y libetpan-dev >/dev/null 2>&1
	fi
	[ -f /usr/include/libetpan/libetpan.h ] ||
	    { echo "bench imap: skipped (apt-get install libetpan-dev)"; exit 0; }
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/libmail-bench-imap.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM HUP
CC=${CC:-cc}
$CC -O2 -std=c99 -D_POSIX_C_SOURCE=200809L -Iinclude tests/bench/imap_bench.c \
    "$LIBA" -letpan -lmbedtls -lmbedx509 -lmbedcrypto -lidn2 -o "$W/imap_bench" ||
    { echo "bench imap: cannot build the benchmark"; exit 1; }
out=$(taskset -c 0 "$W/imap_bench" "$N" 2>&1 || "$W/imap_bench" "$N" 2>&1)
rc=$?
get() { echo "$out" | awk -v k="$1" -v f="$2" '$1 == k { for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == f) print a[2] } }'; }
printf 'imap parse  %s FETCH responses, %s bytes\n' "$N" "$(echo "$out" | sed -n 's/^bytes=\([0-9]*\).*/\1/p')"
printf 'imap parse  libmail engine %7s MB/s %9s resp/s   libetpan %6s MB/s %8s resp/s   ratio %sx\n' \
    "$(get libmail_engine MB_s)" "$(get libmail_engine resp_s)" \
    "$(get libetpan MB_s)" "$(get libetpan resp_s)" \
    "$(echo "$out" | sed -n 's/^ratio_engine=\([0-9.]*\).*/\1/p')"
printf 'imap parse  libmail engine + ENVELOPE/BODYSTRUCTURE walk %7s MB/s %9s resp/s   ratio %sx\n' \
    "$(get libmail_walk MB_s)" "$(get libmail_walk resp_s)" \
    "$(echo "$out" | sed -n 's/.*ratio_walk=\([0-9.]*\).*/\1/p')"
echo "$out" | sed -n 's/^libmail_memory_per_connection=/imap memory libmail per connection: /p'
echo "$out" | sed -n 's/^libetpan_heap_one_batch=/imap memory libetpan heap for one parsed response: /p'
[ $rc -eq 0 ] || { echo "bench imap: FAIL (response counts differ)"; echo "$out"; exit 1; }
