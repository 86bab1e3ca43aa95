#!/bin/sh
# Print a key that changes whenever mirrortop's source changes: the
# SHA-256 of the files that go into the build (path and content). Usage:
# source-key.sh [SRCDIR]; also sets the output `key` in Actions.
set -eu
src=${1:-.}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ci/lib.sh
. "$here/lib.sh"
cd "$src"
key=$(
	{
		find src tui completion doc -type f \
		    \( -name '*.c' -o -name '*.h' -o -name '*.1' -o -name '*.5' \
		    -o -name '*.json' -o -path 'completion/*' \) 2>/dev/null
		for f in configure.ac Makefile.am autogen.sh scripts/ci/build.sh; do
			[ -f "$f" ] && echo "$f"
		done
	} | LC_ALL=C sort | while IFS= read -r f; do
		printf '%s\n' "$f"
		sha256sum <"$f"
	done | sha256sum | cut -c1-32
)
printf '%s\n' "$key"
ci_output key "$key"
