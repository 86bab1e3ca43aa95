#!/bin/sh
# Make mirrortop available under PREFIX from the source in SRCDIR, unless
# PREFIX already holds the build of that exact source (its key in
# PREFIX/.source-key: a restored cache). Installs the Debian/Ubuntu
# packages it needs when they are missing. Usage: build.sh SRCDIR PREFIX.
# Sets the outputs `path` (the program) and `built` (true/false).
set -eu
src=$(cd "$1" && pwd)
prefix=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/ci/lib.sh
. "$here/lib.sh"

# Run as root, through sudo when there is one and we are not root.
as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the packages of $@ that dpkg does not know as installed.
need_packages() {
	missing=""
	for p in "$@"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	command -v apt-get >/dev/null || {
		echo "mirrortop: missing packages:$missing" >&2
		return 1
	}
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086 # one word per package
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
}

key=$(sh "$here/source-key.sh" "$src" | tail -1)
bin="$prefix/bin/mirrortop"
built=false
if [ -x "$bin" ] && [ "$(cat "$prefix/.source-key" 2>/dev/null)" = "$key" ]; then
	ci_note "using the cached build of $key"
	# A cache restored on a fresh runner has the program, not its
	# libraries.
	if ! "$bin" --version >/dev/null 2>&1; then
		need_packages libncursesw6 libcurl4 libjansson4 libpcre2-8-0
	fi
else
	need_packages build-essential autoconf automake pkg-config \
	    libncurses-dev libcurl4-openssl-dev libjansson-dev libpcre2-dev \
	    libssl-dev
	build=$(mktemp -d)
	trap 'rm -rf "$build"' EXIT
	if [ ! -x "$src/configure" ]; then
		(cd "$src" && ./autogen.sh >/dev/null)
	fi
	(cd "$build" && "$src/configure" -q --prefix="$prefix" &&
	    make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null &&
	    make install >/dev/null)
	printf '%s\n' "$key" >"$prefix/.source-key"
	built=true
	ci_note "built mirrortop from $key"
fi
"$bin" --version
[ -n "${GITHUB_PATH:-}" ] && printf '%s\n' "$prefix/bin" >>"$GITHUB_PATH"
ci_output path "$bin"
ci_output built "$built"
