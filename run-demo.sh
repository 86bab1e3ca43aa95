#!/bin/sh
# Install what is needed, build, and open the mirrortop dashboard on a
# self-contained demo world: a real registry on loopback and an imitation
# of the upstream APIs (no network needed). Arguments go to mirrortop,
# e.g. `./run-demo.sh status` or `./run-demo.sh --watch`.
top=$(cd "$(dirname "$0")" && pwd)
cd "$top" || exit 2
sh scripts/deps.sh || exit 2
sh scripts/build.sh build || { echo "mirrortop: build failed" >&2; exit 2; }
MIRRORTOP="$top/build/mirrortop" exec sh tests/world/demo.sh "$@"
