#!/bin/sh
# `make bench` (POP3): download 10,000 messages from a local Dovecot over
# one POP3S connection, with libmail (tests/bench/pop3_bench.c: the
# blocking session, bytes thrown away; and examples/pop3-fetch --maildir
# with its fsyncs) and with Python's poplib doing the same work in the
# same run; prints the times side by side as ratios. Then the memory:
# the session's fixed footprint, and the peak RSS of both clients for
# 1 KB against 1 MB messages (libmail's must not grow with message size).
#
#   sh tests/bench/pop3.sh   (root: starts the private servers of
#                             tests/servers; LM_BENCH_POP3_N=10000 messages,
#                             LM_BUILD=dir of libmail.a and bin/, default
#                             the tree's own build: lib/ and examples/;
#                             LM_BENCH_POP3_RUNS=3 alternating runs (best
#                             kept); LM_BENCH_POP3_MAILDIR=0 skips the Maildir
#                             part, which fsyncs twice per message)
set -u
unset MAKEFLAGS MFLAGS MAKELEVEL
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
PATH=$PATH:/usr/sbin:/sbin
N=${LM_BENCH_POP3_N:-10000}
if [ -n "${LM_BUILD:-}" ]; then LIBA=$LM_BUILD/libmail.a; PF=$LM_BUILD/bin/pop3-fetch
else LIBA=$ROOT/lib/libmail.a; PF=$ROOT/examples/pop3-fetch; fi
if [ "$(id -u)" != 0 ]; then echo "bench pop3: skipped (needs root for the servers)"; exit 0; fi
[ -f "$LIBA" ] && [ -x "$PF" ] || { echo "bench pop3: build first (make)"; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/libmail-bench-pop3.XXXXXX") || exit 1
SRV=$W/srv
chmod 755 "$W"  # the servers run as their own users below it
trap 'sh "$ROOT/tests/servers/stop.sh" "$SRV" >/dev/null 2>&1; [ -n "${LM_BENCH_KEEP:-}" ] || rm -rf "$W"' EXIT
trap 'exit 130' INT TERM HUP PIPE
${CC:-cc} -O2 -std=c99 -D_POSIX_C_SOURCE=200809L -Iinclude tests/bench/pop3_bench.c \
    "$LIBA" -lmbedtls -lmbedx509 -lmbedcrypto -lidn2 -o "$W/pop3_bench" ||
    { echo "bench pop3: cannot build the helper"; exit 1; }
mkdir -p "$SRV"
sh tests/servers/start.sh "$SRV" > "$W/srv.log" 2>&1 || { cat "$W/srv.log"; exit 1; }
. "$SRV/env"
printf '%s' "$LM_BOB_PASSWORD" > "$W/bob.pw"
printf '%s' "$LM_ALICE_PASSWORD" > "$W/alice.pw"
chmod 600 "$W"/*.pw

# bob: N messages of about 1 KB; alice: 20 messages of 1 MB
python3 - "$LM_BOB_MAILDIR" "$N" 1024 "$LM_ALICE_MAILDIR" 20 1048576 <<'PY'
import os, sys
def fill(md, n, size):
    line = b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.-+/=\n"
    for i in range(n):
        head = (b"From: alice@example.test\nTo: bob@example.test\n"
                b"Subject: bench %d\nMessage-ID: <bench%d@example.test>\n\n" % (i, i))
        body = line * max(1, (size - len(head)) // len(line))
        with open(os.path.join(md, "cur", "%d.B%d.bench:2,S" % (1700000000 + i, i)), "wb") as f:
            f.write(head + body)
a = sys.argv[1:]
fill(a[0], int(a[1]), int(a[2]))
fill(a[3], int(a[4]), int(a[5]))
PY
chown -R "$(stat -c %u:%g "$LM_BOB_MAILDIR")" "$LM_BOB_MAILDIR" "$LM_ALICE_MAILDIR"

cat > "$W/peer.py" <<'PY'
import os, poplib, resource, ssl, sys, time
port, ca, user, pwfile, mode = sys.argv[1:6]
pw = open(pwfile).read().strip()
t0 = time.monotonic()
p = poplib.POP3_SSL("localhost", int(port), context=ssl.create_default_context(cafile=ca))
p.user(user)
p.pass_(pw)
n = p.stat()[0]
total = 0
if mode == "maildir":
    md = sys.argv[6]
    for d in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(md, d), exist_ok=True)
    dfd = os.open(os.path.join(md, "new"), os.O_RDONLY)
for i in range(1, n + 1):
    _, lines, _ = p.retr(i)
    data = b"".join(l + b"\r\n" for l in lines)
    total += len(data)
    if mode == "maildir":
        name = "%d.P%dQ%d.bench" % (time.time(), os.getpid(), i)
        tmp = os.path.join(md, "tmp", name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        os.rename(tmp, os.path.join(md, "new", name))
        os.fsync(dfd)
p.quit()
t1 = time.monotonic()
ru = resource.getrusage(resource.RUSAGE_SELF)
print("messages %d bytes %d seconds %.3f cpu %.3f maxrss_kb %d" % (
    n, total, t1 - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss))
PY
field() { echo " $1" | sed -n "s/.* $2 \([0-9.]*\).*/\1/p"; }
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
peer() { python3 "$W/peer.py" "$LM_POP3S_PORT" "$LM_CAFILE" "$@"; }
lm() { "$W/pop3_bench" "pop3s://localhost:$LM_POP3S_PORT" "$1" "$2" "$LM_CAFILE"; }

# warm Dovecot's index and the page cache once, so neither side pays it
peer "$LM_BOB" "$W/bob.pw" retr > /dev/null || { echo "bench pop3: poplib failed"; exit 1; }

R=${LM_BENCH_POP3_RUNS:-3}
echo "== POP3: RETR of $N messages of ~1 KB over one POP3S session (Dovecot on 127.0.0.1), best of $R alternating runs"
min() { python3 -c "import sys; print(min(float(x) for x in sys.argv[1:] if x))" "$@"; }
lts="" pts="" lcs="" pcs="" r=0
while [ "$r" -lt "$R" ]; do
	r=$((r + 1))
	L=$(lm "$LM_BOB" "$W/bob.pw") || exit 1
	P=$(peer "$LM_BOB" "$W/bob.pw" retr) || exit 1
	[ "$(field "$L" messages)" = "$N" ] && [ "$(field "$L" bytes)" = "$(field "$P" bytes)" ] ||
	    { echo "bench pop3: the two clients disagree: libmail: $L / poplib: $P"; exit 1; }
	lts="$lts $(field "$L" seconds)"; pts="$pts $(field "$P" seconds)"
	lcs="$lcs $(field "$L" cpu)"; pcs="$pcs $(field "$P" cpu)"
done
lt=$(min $lts); pt=$(min $pts); lc=$(min $lcs); pc=$(min $pcs)
printf '  libmail session (pop3_bench)  %8.3f s wall  %7.3f s CPU   (runs:%s)\n' "$lt" "$lc" "$lts"
printf '  python3 poplib                %8.3f s wall  %7.3f s CPU   (runs:%s)\n' "$pt" "$pc" "$pts"
echo "  ratio libmail/poplib: wall $(ratio "$lt" "$pt"), client CPU $(ratio "$lc" "$pc") (below 1: libmail faster); $(field "$L" bytes) bytes each"
echo "  (the wall time is mostly Dovecot's own work per RETR; the CPU ratio compares the clients)"

if [ "${LM_BENCH_POP3_MAILDIR:-1}" != 0 ]; then
echo "== POP3: the same into a Maildir (tmp/, fsync, rename to new/, fsync dir)"
t0=$(date +%s.%N)
"$PF" --url "pop3s://localhost:$LM_POP3S_PORT" --user "$LM_BOB" --password-file "$W/bob.pw" \
    --cafile "$LM_CAFILE" --maildir "$W/md-lm" > "$W/pf.out" 2> "$W/pf.err" || { cat "$W/pf.err"; exit 1; }
t1=$(date +%s.%N)
ft=$(python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$t1")
P2=$(peer "$LM_BOB" "$W/bob.pw" maildir "$W/md-py") || exit 1
pt2=$(field "$P2" seconds)
printf '  pop3-fetch --maildir          %8.3f s  (%s)\n  python3 poplib + same writes   %8.3f s\n' "$ft" "$(cat "$W/pf.out")" "$pt2"
echo "  ratio pop3-fetch/poplib: $(ratio "$ft" "$pt2") (both bound by two fsyncs per message)"
fi

echo "== memory: the session's fixed footprint, peak RSS for 1 KB vs 1 MB messages"
L2=$(lm "$LM_ALICE" "$W/alice.pw") || exit 1
P3=$(peer "$LM_ALICE" "$W/alice.pw" retr) || exit 1
echo "  lm_pop3_session_footprint() = $(field "$L" footprint) bytes (engine struct $(field "$L" engine) + buffers), same for every message size"
printf '  peak RSS   1 KB x %-6s  libmail %6s KB   poplib %6s KB\n' "$N" "$(field "$L" maxrss_kb)" "$(field "$P" maxrss_kb)"
printf '  peak RSS   1 MB x %-6s  libmail %6s KB   poplib %6s KB\n' 20 "$(field "$L2" maxrss_kb)" "$(field "$P3" maxrss_kb)"
d=$(( $(field "$L2" maxrss_kb) - $(field "$L" maxrss_kb) ))
echo "  libmail growth from 1 KB to 1 MB messages: $d KB"
