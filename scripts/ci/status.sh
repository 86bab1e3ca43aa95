#!/bin/sh
# `mirrortop status --exit-code` for a workflow: 0 when every version in
# the window is complete and latest does not drift, 3 when something is
# missing or drifts, 1 when an app could not be checked (1 wins). Writes
# the status JSON to STATUS_FILE (default status.json) and, in Actions, a
# table to the job summary. Sets the outputs `exit-code`, `status-file`
# and `incomplete` (the apps with something to do, space-separated).
# FAIL_ON decides which codes fail the step: "error" (1 and 2, the
# default), "incomplete" (also 3) or "never". Usage: status.sh CONFIG
# [APP...].
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ci/lib.sh
. "$here/lib.sh"
config=$1
shift
file=${STATUS_FILE:-status.json}
rc=0
if "$MT" status --help 2>/dev/null | grep -q -- '--exit-code'; then
	"$MT" status -c "$config" --json --exit-code "$@" >"$file" || rc=$?
else
	"$MT" status -c "$config" --json "$@" >"$file" || rc=$?
	if [ "$rc" -eq 0 ] && jq -e '[.apps[] | .latest_drift == true or
	    any(.versions[]; .state != "complete")] | any' "$file" >/dev/null
	then
		rc=3
	fi
fi
incomplete=$(jq -r '[.apps[] | select(.error != null or
    .latest_drift == true or any(.versions[]; .state != "complete")) |
    .name] | join(" ")' "$file" 2>/dev/null || true)
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	{
		echo "| app | upstream | registry latest | not complete | error |"
		echo "|---|---|---|---|---|"
		jq -r '.apps[] | "| \(.name) | \(.upstream_latest // "-") | " +
		    "\(.registry_latest // "-") | " +
		    "\([.versions[] | select(.state != "complete")] | length) | " +
		    "\(.error // "" | gsub("[|\n]"; " ")) |"' "$file"
	} >>"$GITHUB_STEP_SUMMARY" 2>/dev/null || true
fi
ci_output exit-code "$rc"
ci_output status-file "$file"
ci_output incomplete "$incomplete"
case ${FAIL_ON:-error} in
never) exit 0 ;;
incomplete) exit "$rc" ;;
*) [ "$rc" -eq 3 ] && exit 0; exit "$rc" ;;
esac
