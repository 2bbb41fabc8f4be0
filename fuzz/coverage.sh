#!/bin/sh
# Line coverage of the library reached by a corpus, with clang's source
# based coverage (llvm-profdata / llvm-cov, Debian: clang and llvm).
#   sh fuzz/coverage.sh NAME [CORPUS_DIR...]   (default: fuzz/corpus/NAME)
# Prints llvm-cov's per-file report for lib/. Builds in a temp directory.
set -e
name=$1
shift
[ -n "$name" ] || { echo "usage: $0 NAME [CORPUS_DIR...]" >&2; exit 2; }
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- "fuzz/corpus/$name"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lm-cov.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cc=${CLANG:-clang}
flags="-std=c99 -O0 -g -fprofile-instr-generate -fcoverage-mapping -Iinclude -D_POSIX_C_SOURCE=200809L"
srcs=$(ls lib/*/*.c)
for s in $srcs; do
	$cc $flags -DLM_ALLOW_PRIVATE -c "$s" -o "$tmp/$(echo "$s" | tr / _).o"
done
$cc $flags "fuzz/fuzz_$name.c" fuzz/driver.c "$tmp"/*.o -o "$tmp/bin" \
    -lmbedtls -lmbedx509 -lmbedcrypto -lidn2
LLVM_PROFILE_FILE="$tmp/run.profraw" "$tmp/bin" "$@" 2>/dev/null
${LLVM_PROFDATA:-llvm-profdata} merge -sparse "$tmp/run.profraw" -o "$tmp/run.profdata"
${LLVM_COV:-llvm-cov} report "$tmp/bin" -instr-profile="$tmp/run.profdata" lib/
