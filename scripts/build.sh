#!/bin/sh
# Configure and build into DIR (default build/) with extra configure flags.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}; shift 2>/dev/null || true
cd "$top"
[ -x configure ] && [ -f build-aux/tap-driver.sh ] || ./autogen.sh >/dev/null 2>&1
mkdir -p "$dir"
cd "$dir"
[ -f Makefile ] || ../configure -q "$@"
make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
