#!/bin/sh
# Bootstrap the autotools build from a git checkout.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
autoreconf -fi
# The TAP driver ships with automake but is not installed by autoreconf.
for d in /usr/share/automake-*; do
	if [ -f "$d/tap-driver.sh" ]; then cp "$d/tap-driver.sh" build-aux/; break; fi
done
chmod +x build-aux/tap-driver.sh
