#!/bin/sh
# make check's bench-smoke step: the benchmark programs still build and
# still agree with their peers on what they parsed, at a small size, so
# that `make bench` cannot rot between runs. No figure is judged here
# (timing belongs to make bench, not to a test).
#   imap: tests/bench/imap.sh with 2000 FETCH responses; libmail and
#         libetpan must each count all of them (the script fails if not)
#   size: tests/bench/size.sh links the SMTP-only device program
#   sh tests/bench/smoke.sh   (LM_BUILD=dir of libmail.a, as the benches)
set -u
cd "$(dirname "$0")/../.." || exit 2
out=$(LM_BENCH_IMAP_N=2000 sh tests/bench/imap.sh 2>&1)
if [ $? -eq 0 ] && echo "$out" | grep -q '^imap parse  libmail engine'; then
	echo "ok bench-imap (2000 FETCH responses, libmail and libetpan agree)"
else
	echo "FAIL bench-imap:"; echo "$out" | head -n 12 | sed 's/^/  /'
fi
out=$(sh tests/bench/size.sh 2>&1)
if [ $? -eq 0 ] && echo "$out" | grep -q '^size smtp-only memory'; then
	echo "ok bench-size ($(echo "$out" | sed -n 's/^size smtp-only program, firmware (SMALL=1): text *//p'))"
else
	echo "FAIL bench-size:"; echo "$out" | head -n 12 | sed 's/^/  /'
fi
