# Usage checks shared by the fake suites (sourced; no server involved).
# Each function appends what went wrong to $r, which the suite reports.
#   usage_help PROG NAME         --help exits 0 and prints "usage: NAME"
#   usage_exit2 PROG ARGS...     each ARGS, split into words, exits 2
#   usage_one_line ERR WANT PROG ARG...
#                                PROG ARG... (one ARG holds a line break
#                                followed by "X-Injected") exits 2 and its
#                                message, in ERR, holds WANT (the break as
#                                "\x0a") and no line starting X-Injected
#   usage_hidden ERR SECRET PROG ARG...
#                                PROG ARG... exits 2 and its message, in
#                                ERR, does not show SECRET (a password in
#                                the URL is refused, never echoed)
# shellcheck shell=sh
usage_help() {
	"$1" --help > "$W/usage.out" 2>&1 || r="$r --help exit $?;"
	grep -q "^usage: $2" "$W/usage.out" || r="$r --help prints no usage;"
}
usage_exit2() {
	uprog=$1; shift
	for args in "$@"; do
		# shellcheck disable=SC2086
		"$uprog" $args > /dev/null 2>&1 </dev/null; rc=$?
		[ "$rc" = 2 ] || r="$r '$args' exit $rc;"
	done
}
usage_one_line() {
	uerr=$1 uwant=$2; shift 2
	"$@" > /dev/null 2> "$uerr" </dev/null; rc=$?
	[ "$rc" = 2 ] || r="$r '$uwant': exit $rc;"
	grep -q '^X-Injected' "$uerr" && r="$r the line break reached stderr: $(cat "$uerr");"
	grep -qF "$uwant" "$uerr" || r="$r no '$uwant' in: $(cat "$uerr");"
}
usage_hidden() {
	uerr=$1 usecret=$2; shift 2
	"$@" > /dev/null 2> "$uerr" </dev/null; rc=$?
	[ "$rc" = 2 ] || r="$r 'user:password@' URL exit $rc;"
	grep -q "$usecret" "$uerr" && r="$r the URL's password is in the message: $(cat "$uerr");"
}
# an argument's line break
nl='
'
