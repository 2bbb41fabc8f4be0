#!/bin/sh
# Fetches mbedTLS 3.6 LTS, as Debian 13 (trixie) ships it, into DIR
# without installing it: DIR/usr/include and DIR/usr/lib/<triplet> then
# hold the headers and libraries that `make check` builds libmail
# against a second time (Debian 12 itself has 2.28, and the 3.x code in
# lib/core/mbedtls_compat.h would otherwise never be compiled).
#
#   sh tests/mbedtls3.sh DIR      prints the library directory
#
# apt-get works on a private state (sources list, lists, cache in DIR):
# the machine's own package lists are never touched. Exit status 0 when
# DIR is ready, 77 when the trixie archive cannot be reached (the caller
# reports the step as skipped), 1 on any other failure.
set -u
d=${1:?usage: tests/mbedtls3.sh DIR}
mkdir -p "$d/apt/lists/partial" "$d/apt/cache/archives/partial" "$d/debs" || exit 1
d=$(cd "$d" && pwd)
mirror=${LM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
echo "deb $mirror trixie main" > "$d/apt/sources.list"
apt() {
	apt-get -q -o Dir::Etc::SourceList="$d/apt/sources.list" \
	    -o Dir::Etc::SourceParts=/dev/null \
	    -o Dir::State::Lists="$d/apt/lists" \
	    -o Dir::Cache="$d/apt/cache" \
	    -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}
if ! apt update > "$d/apt/update.log" 2>&1 ||
   grep -q '^\(W\|E\): Failed to fetch' "$d/apt/update.log"; then
	sed 's/^/  /' "$d/apt/update.log" | tail -n 5 >&2
	exit 77
fi
cd "$d/debs" || exit 1
apt download libmbedtls-dev > "$d/apt/download.log" 2>&1 || {
	sed 's/^/  /' "$d/apt/download.log" | tail -n 5 >&2; exit 1; }
# its run-time libraries: libmbedtls21, libmbedx509-7, libmbedcrypto16
deps=$(dpkg-deb -f libmbedtls-dev_*.deb Depends | tr ',' '\n' |
       sed 's/^ *//; s/ .*//' | grep '^libmbed')
[ -n "$deps" ] || { echo "libmbedtls-dev: no libmbed* dependency" >&2; exit 1; }
# shellcheck disable=SC2086
apt download $deps >> "$d/apt/download.log" 2>&1 || {
	sed 's/^/  /' "$d/apt/download.log" | tail -n 5 >&2; exit 1; }
for f in ./*.deb; do
	dpkg-deb -x "$f" "$d/root" || exit 1
done
[ -f "$d/root/usr/include/mbedtls/version.h" ] || exit 1
lib=$(dirname "$(find "$d/root/usr/lib" -name 'libmbedtls.so' | head -n 1)")
[ -n "$lib" ] && [ -d "$lib" ] || exit 1
echo "$lib"
