#!/bin/sh
# Install the Debian packages mirrortop needs to build and test, if missing.
# Every program the test suite runs is listed here (a fresh minimal
# Debian 12 has none of them): the registry and its tools, curl, openssl,
# htpasswd, tmux, valgrind, /usr/bin/time, ps, strace; clang and its runtime
# libraries build the libFuzzer harnesses of `make fuzz-smoke`.
set -e
PKGS="build-essential autoconf automake pkg-config libncurses-dev
libcurl4-openssl-dev libjansson-dev libpcre2-dev libssl-dev
docker-registry skopeo apache2-utils jq tmux python3 valgrind openssl
man-db procps time zsh fish podman curl ca-certificates strace clang
libclang-rt-14-dev shellcheck python3-yaml
debhelper dpkg-dev fakeroot lintian"
missing=""
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "mirrortop: missing packages:$missing (run as root to install)" >&2
		exit 1
	fi
fi
echo "mirrortop: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
${SUDO:-} apt-get update -qq
# The registry package may try to start a system service; tests never use it.
${SUDO:-} apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends $missing >/dev/null
