#!/bin/sh
# `make install PREFIX=...` and programs built outside the tree against the
# installed headers, libraries and pkg-config file only.
#
#   sh tests/install/run.sh PREFIX      (PREFIX: a fresh directory)
# Reuses the build in $LM_BUILD when set (make check sets it).
# Prints "ok NAME" / "FAIL NAME: reason"; exit 1 if any failed.
set -u
# our own makes run with their own -j; not the jobserver of a calling make
unset MAKEFLAGS MFLAGS MAKELEVEL
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
P=${1:?usage: run.sh PREFIX}
mkdir -p "$P"
P=$(cd "$P" && pwd)
W=$P.work
rm -rf "$W"
mkdir -p "$W"
B=${LM_BUILD:-$W/build}
CC=${CC:-cc}
nfail=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1: $2"; nfail=$((nfail + 1)); }
skip_rest() { # name...: the remaining tests fail because a step failed
	why=$1; shift
	for t in "$@"; do bad "$t" "$why"; done
	exit 1
}
rest="install-files install-pc install-headers-c99 install-headers-cxx \
install-link-shared install-run-shared install-link-static install-run-static \
install-exports"

if (cd "$root" && make -j2 BUILD="$B" LIBDIR="$B" BINDIR="$B/bin" \
    PREFIX="$P" install) > "$W/make-install.log" 2>&1; then
	ok install-make
else
	bad install-make "make install failed: $(grep -i error "$W/make-install.log" | head -n 3 | tr '\n' ' ')"
	skip_rest "make install failed" $rest
fi

missing=""
for f in include/libmail.h include/libmail/common.h include/libmail/error.h \
    include/libmail/config.h lib/libmail.a lib/libmail.so lib/libmail.so.0 \
    lib/pkgconfig/libmail.pc; do
	[ -e "$P/$f" ] || missing="$missing $f"
done
for h in "$root"/include/libmail/*.h; do
	[ -e "$P/include/libmail/$(basename "$h")" ] || missing="$missing include/libmail/$(basename "$h")"
done
if [ -n "$missing" ]; then bad install-files "missing:$missing"; else ok install-files; fi

export PKG_CONFIG_PATH="$P/lib/pkgconfig"
cflags=$(pkg-config --cflags libmail 2>"$W/pc.err")
libs=$(pkg-config --libs libmail 2>>"$W/pc.err")
slibs=$(pkg-config --static --libs libmail 2>>"$W/pc.err")
pcprefix=$(pkg-config --variable=prefix libmail 2>>"$W/pc.err")
if [ "$pcprefix" != "$P" ]; then
	bad install-pc "prefix in libmail.pc is '$pcprefix', not '$P' (stale pkgconfig/libmail.pc?)"
elif ! printf '%s' "$slibs" | grep -q -- '-lmbedtls'; then
	bad install-pc "pkg-config --static --libs lacks the TLS libraries: $slibs"
else
	ok install-pc
fi
# Use the installed tree even if the .pc file was wrong, so that the
# remaining tests say something about the headers and libraries.
[ "$pcprefix" = "$P" ] || { cflags="-I$P/include"; libs="-L$P/lib -lmail"; \
    slibs="$libs $(pkg-config --static --libs-only-l libmail | sed 's/-lmail//')"; }

# every installed header compiles on its own, strict C99, and as C++
O=$W/outside
mkdir -p "$O"
hfail=""
for h in "$P"/include/libmail.h "$P"/include/libmail/*.h; do
	rel=${h#"$P"/include/}
	printf '#include <%s>\nint lm_test_dummy(void);\nint lm_test_dummy(void) { return 0; }\n' "$rel" > "$O/h.c"
	$CC -std=c99 -pedantic -Wall -Wextra -Werror -Wstrict-prototypes $cflags \
	    -c "$O/h.c" -o "$O/h.o" > "$O/h.log" 2>&1 || hfail="$hfail $rel"
done
if [ -n "$hfail" ]; then bad install-headers-c99 "do not compile alone:$hfail ($(head -n 2 "$O/h.log" | tr '\n' ' '))"
else ok install-headers-c99; fi
if command -v c++ >/dev/null 2>&1; then
	printf '#include <libmail.h>\nint main() { return lm_strerror(0) == 0; }\n' > "$O/x.cc"
	if c++ -Wall -Wextra -Werror $cflags "$O/x.cc" -o "$O/x" $libs > "$O/x.log" 2>&1; then
		ok install-headers-cxx
	else
		bad install-headers-cxx "$(head -n 3 "$O/x.log" | tr '\n' ' ')"
	fi
else
	bad install-headers-cxx "no C++ compiler (build-essential provides g++)"
fi

# api_send, copied out of the tree: only pkg-config's flags find libmail
cp "$root/tests/interop/api_send.c" "$O/api_send.c"
if $CC -std=c99 -Wall -Wextra -Werror $cflags "$O/api_send.c" -o "$O/api_send-shared" \
    $libs > "$O/shared.log" 2>&1; then
	ok install-link-shared
	out=$(LD_LIBRARY_PATH="$P/lib" "$O/api_send-shared" --selftest 2>&1)
	used=$(LD_LIBRARY_PATH="$P/lib" ldd "$O/api_send-shared" | grep libmail)
	if [ "$out" != "selftest ok" ]; then bad install-run-shared "$out"
	elif ! printf '%s' "$used" | grep -q "$P/lib/libmail.so.0"; then
		bad install-run-shared "not linked to the installed libmail.so.0: $used"
	else ok install-run-shared; fi
else
	bad install-link-shared "$(grep -E 'error|undefined' "$O/shared.log" | head -n 3 | tr '\n' ' ')"
	bad install-run-shared "not linked"
fi
# static: libmail.a by name through -Bstatic, its own deps from Libs.private
sflags=$(printf '%s' "$slibs" | sed 's/-lmail\b/-Wl,-Bstatic -lmail -Wl,-Bdynamic/')
if $CC -std=c99 -Wall -Wextra -Werror $cflags "$O/api_send.c" -o "$O/api_send-static" \
    $sflags > "$O/static.log" 2>&1; then
	ok install-link-static
	out=$("$O/api_send-static" --selftest 2>&1)
	if [ "$out" != "selftest ok" ]; then bad install-run-static "$out"
	elif ldd "$O/api_send-static" | grep -q libmail; then
		bad install-run-static "linked libmail dynamically"
	else ok install-run-static; fi
else
	bad install-link-static "$(grep -E 'error|undefined' "$O/static.log" | head -n 3 | tr '\n' ' ')"
	bad install-run-static "not linked"
fi

# every complete program in the README compiles against the installed
# library (the README's examples stay true)
python3 - "$root/README" "$W/readme" <<'PYEOF'
import os, re, sys
text = open(sys.argv[1]).read()
os.makedirs(sys.argv[2], exist_ok=True)
n = 0
for block in re.findall(r"```c\n(.*?)```", text, re.S):
    if "int main" in block:
        n += 1
        open(os.path.join(sys.argv[2], "readme%d.c" % n), "w").write(block)
PYEOF
nreadme=0
for f in "$W"/readme/readme*.c; do
	[ -f "$f" ] || continue
	nreadme=$((nreadme + 1))
	t=install-readme-$(basename "$f" .c)
	if PKG_CONFIG_PATH="$P/lib/pkgconfig" $CC -std=c99 -Wall -Wextra -Werror \
	    $(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags libmail) "$f" \
	    -o "${f%.c}" $(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --libs libmail) \
	    > "${f%.c}.log" 2>&1; then ok "$t"
	else bad "$t" "$(grep -E 'error' "${f%.c}.log" | head -n 2 | tr '\n' ' ')"; fi
done
[ "$nreadme" -ge 4 ] || bad install-readme "found $nreadme README programs, expected at least 4"

# the shared library exports the public API and nothing else
if command -v nm >/dev/null 2>&1; then
	extra=$(nm -D --defined-only "$P/lib/libmail.so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' |
	    grep -v '^lm_' | grep -v '^_' | head -n 5 | tr '\n' ' ')
	nlm=$(nm -D --defined-only "$P/lib/libmail.so" | awk '{print $3}' | grep -c '^lm_')
	if [ -n "$extra" ]; then bad install-exports "non-lm_ symbols exported: $extra"
	elif nm -D --defined-only "$P/lib/libmail.so" | awk '{print $3}' | grep -q '^lm_[a-z0-9]*__'; then
		bad install-exports "internal lm_area__name symbols exported"
	elif [ "$nlm" -eq 0 ]; then bad install-exports "no lm_ symbol exported"
	else ok install-exports; fi
else
	bad install-exports "nm not found (binutils)"
fi
[ "$nfail" -eq 0 ]
