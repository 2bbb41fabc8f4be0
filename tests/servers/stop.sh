#!/bin/sh
# Stops what tests/servers/start.sh DIR started, by the recorded pids only
# (Dovecot's and Postfix's master processes and, should a child outlive its
# master, the children recorded just before). Safe to run more than once and
# when the start failed half-way.
#
#   sh tests/servers/stop.sh DIR [--keep]     (--keep leaves DIR in place)
DIR=${1:?usage: stop.sh DIR [--keep]}
keep=${2:-}
[ -d "$DIR/pids" ] || { [ "$keep" = --keep ] || rm -rf "$DIR"; exit 0; }

children() { # direct children of pid $1
	for f in /proc/[0-9]*/stat; do
		# field 4 of stat is the parent pid; the name (field 2) may hold spaces
		s=$(cat "$f" 2>/dev/null) || continue
		rest=${s##*) }
		set -- $rest
		[ "${2:-}" = "$pid" ] && { p=${f#/proc/}; echo "${p%/stat}"; }
	done
}

alive() { kill -0 "$1" 2>/dev/null; }

for name in postfix dovecot; do
	f=$DIR/pids/$name.pid
	[ -s "$f" ] || continue
	pid=$(tr -dc '0-9' < "$f")
	[ -n "$pid" ] || continue
	alive "$pid" || { rm -f "$f"; continue; }
	kids=$(children)
	kill -TERM "$pid" 2>/dev/null
	i=0
	while alive "$pid" && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	alive "$pid" && kill -KILL "$pid" 2>/dev/null
	# children that outlived their master
	i=0
	for k in $kids; do
		while alive "$k" && [ "$i" -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
		alive "$k" && kill -KILL "$k" 2>/dev/null
	done
	rm -f "$f"
done
[ "$keep" = --keep ] || rm -rf "$DIR"
exit 0
