#!/bin/sh
# `mirrortop sync` for a workflow: build what is missing, merge, move
# latest (or only print the plan with DRY_RUN=true). Sets the outputs
# `exit-code` and `plan` (what was printed). Usage: sync.sh CONFIG
# [APP...].
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ci/lib.sh
. "$here/lib.sh"
config=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
if [ "${DRY_RUN:-false}" = true ]; then
	"$MT" sync -c "$config" --dry-run "$@" >"$out" || rc=$?
else
	"$MT" sync -c "$config" "$@" >"$out" || rc=$?
fi
cat "$out"
ci_output plan "$(cat "$out")"
ci_output exit-code "$rc"
exit "$rc"
