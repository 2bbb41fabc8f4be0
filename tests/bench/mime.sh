#!/bin/sh
# `make bench` (MIME): parse two generated corpora of >= 100 MB each
# (attachment-heavy mail; many small text-only messages) with libmail's
# streaming parser and with GMime 3, every leaf decoded and every decoded
# byte read (summed; both helpers built with -O3 so that loop is
# vectorized alike), on one core (CPU time of the process, so other load on the
# machine does not count); prints MB/s side by side and the ratio
# libmail/GMime. Then base64 decode/encode in GB/s of the core codecs
# (lm_b64_dec_update, lm_b64_encode) against GLib's g_base64_decode_step /
# g_base64_encode_step, a 64 MB base64 leaf through the parser (its table
# path for whole groups), and the peak RSS of mime-dump for a 1 MB and a
# 100 MB attachment (memory does not grow with part size).
#
#   sh tests/bench/mime.sh   (LM_BUILD=dir of libmail.a, default lib/;
#                             LM_BENCH_MIME_MB=110 corpus size in MB;
#                             installs libgmime-3.0-dev when missing and
#                             root: a benchmark-only dependency)
set -u
unset MAKEFLAGS MFLAGS MAKELEVEL
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
MB=${LM_BENCH_MIME_MB:-110}
if [ -n "${LM_BUILD:-}" ]; then LIBA=$LM_BUILD/libmail.a; else LIBA=$ROOT/lib/libmail.a; fi
[ -f "$LIBA" ] || { echo "bench mime: build first (make)"; exit 1; }
if ! pkg-config --exists gmime-3.0 2>/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y libgmime-3.0-dev >/dev/null 2>&1
	fi
	pkg-config --exists gmime-3.0 2>/dev/null ||
	    { echo "bench mime: skipped (apt-get install libgmime-3.0-dev)"; exit 0; }
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/libmail-bench-mime.XXXXXX") || exit 1
trap '[ -n "${LM_BENCH_KEEP:-}" ] || rm -rf "$W"' EXIT
trap 'exit 130' INT TERM HUP
CC=${CC:-cc}
$CC -O3 -std=c99 -D_POSIX_C_SOURCE=200809L -Iinclude tests/bench/mime_bench.c \
    "$LIBA" -lmbedtls -lmbedx509 -lmbedcrypto -lidn2 -o "$W/lm" ||
    { echo "bench mime: cannot build the libmail helper"; exit 1; }
# shellcheck disable=SC2046
$CC -O3 -std=gnu99 tests/bench/mime_gmime.c $(pkg-config --cflags --libs gmime-3.0) \
    -o "$W/gm" || { echo "bench mime: cannot build the GMime helper"; exit 1; }
python3 tests/bench/mime_corpus.py attach "$W/attach.bin" "$MB" || exit 1
python3 tests/bench/mime_corpus.py text "$W/text.bin" "$MB" || exit 1

# one core; best of three runs each
run3() { # prog corpus -> best "MB/s sum leaves"
	best=""
	for _ in 1 2 3; do
		out=$(taskset -c 0 "$@" 2>/dev/null || "$@")
		if [ -z "$best" ] || [ "$(echo "$out" | awk '{print $1}' | cut -d. -f1)" -gt \
		    "$(echo "$best" | awk '{print $1}' | cut -d. -f1)" ]; then best=$out; fi
	done
	echo "$best"
}
status=0
for k in attach text; do
	l=$(run3 "$W/lm" "$W/$k.bin"); g=$(run3 "$W/gm" "$W/$k.bin")
	lv=${l%% *}; gv=${g%% *}
	lsum=$(echo "$l" | awk '{print $2}'); gsum=$(echo "$g" | awk '{print $2}')
	lleaf=$(echo "$l" | awk '{print $3}'); gleaf=$(echo "$g" | awk '{print $3}')
	printf 'mime parse %-6s  libmail %8s MB/s   GMime %8s MB/s   ratio %s   (leaves %s/%s)\n' \
	    "$k" "$lv" "$gv" "$(awk "BEGIN{printf \"%.2f\", $lv/$gv}")" "$lleaf" "$gleaf"
	if [ "$lsum" != "$gsum" ]; then
		echo "mime parse $k: decoded byte sums differ (libmail $lsum, GMime $gsum)"
		status=1
	fi
done
l=$("$W/lm" b64); g=$("$W/gm" b64)
set -- $l; ld=$1; le=$2
set -- $g; gd=$1; ge=$2
printf 'base64 decode  libmail %s GB/s   GLib %s GB/s   ratio %s\n' "$ld" "$gd" \
    "$(awk "BEGIN{printf \"%.2f\", $ld/$gd}")"
printf 'base64 encode  libmail %s GB/s   GLib %s GB/s   ratio %s\n' "$le" "$ge" \
    "$(awk "BEGIN{printf \"%.2f\", $le/$ge}")"
set -- $("$W/lm" b64parser)
printf 'base64 leaf through the parser (core decoder, bytes read): %s GB/s of encoded input\n' "$1"
# memory: peak RSS of examples/mime-dump (streaming from a file) on a
# message with a 1 MB attachment and on one with a 100 MB attachment
if [ -n "${LM_BUILD:-}" ]; then MD=$LM_BUILD/bin/mime-dump; else MD=$ROOT/examples/mime-dump; fi
if [ -x "$MD" ] && command -v /usr/bin/time >/dev/null 2>&1; then
	for sz in 1 100; do
		python3 -c "
import base64, sys
sys.stdout.write('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n'
                 'Content-Transfer-Encoding: base64\r\n\r\n')
chunk = base64.encodebytes(bytes(range(256)) * 3 * 1024).decode().replace('\n', '\r\n')
for _ in range($sz * 1024 * 1024 // (768 * 1024)):
    sys.stdout.write(chunk)
sys.stdout.write('--b--\r\n')" > "$W/big$sz.eml"
		/usr/bin/time -f '%M' -o "$W/rss$sz" "$MD" --json "$W/big$sz.eml" > /dev/null 2>&1
	done
	echo "peak RSS mime-dump: $(cat "$W/rss1") KB for a 1 MB attachment, $(cat "$W/rss100") KB for a 100 MB one"
fi
exit $status
