#!/bin/sh
# `make bench` (size): code size of an SMTP-only device program
# (tests/bench/size_smtp.c: engine + SASL PLAIN + core) linked with
# -Os -ffunction-sections -fdata-sections -Wl,--gc-sections against the
# firmware build (NET=0 IDN=0 ICONV=0 SMALL=1) and, for comparison, the
# same options without SMALL=1. Prints the text size of the program and
# of an empty program (the C runtime), and the engine's memory: sizeof
# the context plus the two buffers the program hands it.
#   sh tests/bench/size.sh   (CC=... to measure another compiler)
set -u
unset MAKEFLAGS MFLAGS MAKELEVEL
cd "$(dirname "$0")/../.." || exit 2
CC=${CC:-cc}
W=$(mktemp -d "${TMPDIR:-/tmp}/libmail-bench-size.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM HUP
OPTS="-Os -ffunction-sections -fdata-sections"
text() { size "$1" | awk 'NR == 2 { print $1 }'; }
printf 'int main(void) { return 0; }\n' > "$W/empty.c"
$CC -Os -Wl,--gc-sections "$W/empty.c" -o "$W/empty" || exit 1
base=$(text "$W/empty")
for small in 1 0; do
	B=$W/b$small
	make -s CC="$CC" BUILD="$B" LIBDIR="$B" BINDIR="$B/bin" NET=0 IDN=0 \
	    ICONV=0 SMALL=$small OPT="$OPTS" "$B/libmail.a" >"$W/make.log" 2>&1 ||
	    { cat "$W/make.log"; echo "bench size: FAIL (build)"; exit 1; }
	$CC $OPTS -std=c99 -D_POSIX_C_SOURCE=200809L -Iinclude \
	    tests/bench/size_smtp.c "$B/libmail.a" -lmbedcrypto \
	    -Wl,--gc-sections -o "$W/smtp$small" ||
	    { echo "bench size: FAIL (link)"; exit 1; }
	t=$(text "$W/smtp$small")
	if [ $small = 1 ]; then label="firmware (SMALL=1)"; else label="default  (SMALL=0)"; fi
	printf 'size smtp-only program, %s: text %6d B  (%d B without the C runtime of %d B)\n' \
	    "$label" "$t" $((t - base)) "$base"
done
cat > "$W/sz.c" <<'C'
#include <stdio.h>
#include "libmail/smtp.h"
#include "libmail/sasl.h"
int main(void)
{
	printf("size smtp-only memory: lm_smtp_client %zu B + lm_sasl %zu B + buffers %d + %d B\n",
	       sizeof(lm_smtp_client), sizeof(lm_sasl), LM_SMTP_BUFSIZE_IN, LM_SMTP_BUFSIZE_OUT);
	return 0;
}
C
$CC -std=c99 -Iinclude "$W/sz.c" -o "$W/sz" && "$W/sz"
