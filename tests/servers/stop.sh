#!/bin/sh
# Stops what tests/servers/start.sh DIR started, by the recorded pids only:
# Dovecot's and Postfix's master processes, then whatever is left of their
# sessions (both masters run as session leaders, so every process they
# started has the master's pid as its session id, even after the master
# is gone). Safe to run more than once and after a half-way start.
#
#   sh tests/servers/stop.sh DIR [--keep]     (--keep leaves DIR in place)
DIR=${1:?usage: stop.sh DIR [--keep]}
keep=${2:-}

masters=""
for name in postfix dovecot; do
	f=$DIR/pids/$name.pid
	[ -s "$f" ] || continue
	pid=$(tr -dc '0-9' < "$f")
	[ -n "$pid" ] && masters="$masters $pid"
done

members() { # pids whose session id is one of $masters
	for f in /proc/[0-9]*/stat; do
		s=$(cat "$f" 2>/dev/null) || continue
		# after "(name)" come: state ppid pgrp session
		set -- ${s##*) }
		for m in $masters; do
			[ "${4:-}" = "$m" ] && { p=${f#/proc/}; echo "${p%/stat}"; }
		done
	done
}

if [ -n "$masters" ]; then
	for m in $masters; do kill -TERM "$m" 2>/dev/null; done
	i=0
	while [ -n "$(members)" ] && [ "$i" -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	left=$(members)
	[ -z "$left" ] || kill -KILL $left 2>/dev/null
fi
rm -f "$DIR/pids/postfix.pid" "$DIR/pids/dovecot.pid"
[ "$keep" = --keep ] || rm -rf "$DIR"
exit 0
