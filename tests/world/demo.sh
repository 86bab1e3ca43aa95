#!/bin/sh
# demo.sh [MIRRORTOP-ARGS...]: start the demo world in the background, run
# mirrortop against it (the dashboard by default), then stop the world.
#   MT_DEMO_DIR  where the world lives (default: a new temporary directory,
#                removed afterwards)
#   MIRRORTOP    the mirrortop binary (default: ./mirrortop if it exists,
#                else mirrortop from PATH)
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
if [ -n "$MT_DEMO_DIR" ]; then
	dir=$MT_DEMO_DIR
	keep=1
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/mirrortop-demo.XXXXXX") || exit 1
	keep=0
fi
if [ -z "$MIRRORTOP" ]; then
	if [ -x ./mirrortop ]; then
		MIRRORTOP=./mirrortop
	else
		MIRRORTOP=mirrortop
	fi
fi
"$python" "$here/demo.py" --daemon "$dir" >/dev/null || exit 1
stop() {
	if [ -f "$dir/pids" ]; then
		kill "$(head -n 1 "$dir/pids")" 2>/dev/null
		i=0
		while [ -f "$dir/pids" ] && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	[ "$keep" = 1 ] || rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$dir/env"
"$MIRRORTOP" "$@"
