#!/bin/sh
# `mirrortop matrix` for a workflow: sets the outputs `matrix` (the JSON,
# one line, for fromJSON) and `has-builds` (true/false). Usage:
# matrix.sh CONFIG [APP...]. Exits as mirrortop does.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ci/lib.sh
. "$here/lib.sh"
config=$1
shift
rc=0
matrix=$("$MT" matrix -c "$config" "$@") || rc=$?
if [ "$rc" -ne 0 ] && [ -z "$matrix" ]; then
	exit "$rc"
fi
printf '%s\n' "$matrix"
case $matrix in
*'"has_builds":true'* | *'"has_builds": true'*) has=true ;;
*) has=false ;;
esac
ci_output matrix "$matrix"
ci_output has-builds "$has"
exit "$rc"
