#!/bin/sh
# tui-idle.sh [SECONDS]: CPU time used by an idle `mirrortop --watch`.
#
# Starts the demo world (a real registry and the upstream imitation on
# loopback), runs the dashboard in a private tmux server, waits for the
# first refresh to land, then reads utime+stime from /proc/PID/stat before
# and after SECONDS (default 60) of idling. Target: under 0.05 s per 60 s.
#   MIRRORTOP  the binary (default ./mirrortop)
#   MT_SRCDIR  the source tree (default: this script's parent directory)
duration=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
src=${MT_SRCDIR:-$here/..}
mirrortop=${MIRRORTOP:-./mirrortop}
case $mirrortop in /*) ;; *) mirrortop=$(pwd)/$mirrortop ;; esac
python=${PYTHON:-python3}
dir=$(mktemp -d "${TMPDIR:-/tmp}/mt-idle.XXXXXX") || exit 1
sock=mt-idle-$$
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	if [ -f "$dir/world/pids" ]; then
		kill "$(head -n 1 "$dir/world/pids")" 2>/dev/null
		i=0
		while [ -f "$dir/world/pids" ] && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$python" "$src/tests/world/demo.py" --daemon "$dir/world" >/dev/null || exit 1
. "$dir/world/env"
# An interval longer than the measurement: no automatic refresh inside it.
tmux -L "$sock" -f /dev/null new-session -d -x 100 -y 30 \
    "exec '$mirrortop' --watch --interval 3600" || exit 1
pid=$(tmux -L "$sock" display-message -p '#{pane_pid}')

# Wait for the first refresh to finish (the header leaves "never" and
# nothing is refreshing any more).
i=0
while :; do
	screen=$(tmux -L "$sock" capture-pane -p)
	case $screen in
	*"last never"*|*"last: never"*|*refreshing*) ;;
	*"last "*|*"last: "*) break ;;
	esac
	i=$((i + 1))
	if [ $i -gt 300 ]; then
		echo "tui-idle: the dashboard did not finish its first refresh" >&2
		printf '%s\n' "$screen" >&2
		exit 1
	fi
	sleep 0.1
done
sleep 1

ticks() {
	# fields 14 and 15 (utime, stime) after the ")" that ends comm
	sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'
}
t0=$(ticks)
sleep "$duration"
t1=$(ticks)
hz=$(getconf CLK_TCK)
awk -v a="$t0" -v b="$t1" -v hz="$hz" -v d="$duration" 'BEGIN {
	cpu = (b - a) / hz
	printf "tui-idle: %.3f s CPU in %d s idle (target < 0.05 s per 60 s): %s\n",
	    cpu, d, cpu * 60 / d < 0.05 ? "ok" : "OVER"
	exit !(cpu * 60 / d < 0.05)
}'
