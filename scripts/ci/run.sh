#!/bin/sh
# The action's command steps: run matrix.sh, sync.sh or status.sh with the
# configuration in $CONFIG and the app names in $APPS (space-separated,
# checked to be app names). Usage: run.sh matrix|sync|status.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ci/lib.sh
. "$here/lib.sh"
case ${1:-} in
matrix | sync | status) ;;
*)
	echo "mirrortop: run.sh: expected matrix, sync or status" >&2
	exit 2
	;;
esac
apps=$(ci_words "${APPS:-}") || exit 2
config=${CONFIG:-mirrortop.json}
cmd=$1
# One app name a line, none with a space: word splitting is safe here.
# shellcheck disable=SC2086
set -- $apps
exec sh "$here/$cmd.sh" "$config" "$@"
