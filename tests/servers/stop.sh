#!/bin/sh
# Stops what tests/servers/start.sh DIR started, by the recorded pids only
# (Dovecot's and Postfix's master processes and, should a child outlive its
# master, the children recorded just before). Safe to run more than once and
# when the start failed half-way.
#
#   sh tests/servers/stop.sh DIR [--keep]     (--keep leaves DIR in place)
DIR=${1:?usage: stop.sh DIR [--keep]}
keep=${2:-}

children() { # direct children of the pids given
	for f in /proc/[0-9]*/stat; do
		s=$(cat "$f" 2>/dev/null) || continue
		# after the name "(...)" come state and parent pid
		set -- ${s##*) }
		for m in $masters; do
			[ "${2:-}" = "$m" ] && { p=${f#/proc/}; echo "${p%/stat}"; }
		done
	done
}
alive() { kill -0 "$1" 2>/dev/null; }

masters=""
for name in postfix dovecot; do
	f=$DIR/pids/$name.pid
	[ -s "$f" ] || continue
	pid=$(tr -dc '0-9' < "$f")
	[ -n "$pid" ] && alive "$pid" && masters="$masters $pid"
done

if [ -n "$masters" ]; then
	kids=$(children)
	for m in $masters; do kill -TERM "$m" 2>/dev/null; done
	i=0
	for p in $masters $kids; do
		while alive "$p" && [ "$i" -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
		alive "$p" && kill -KILL "$p" 2>/dev/null
	done
fi
rm -f "$DIR/pids/postfix.pid" "$DIR/pids/dovecot.pid"
[ "$keep" = --keep ] || rm -rf "$DIR"
exit 0
