#!/bin/sh
# Install the Debian packages mirrortop needs to build and test, if missing.
set -e
PKGS="build-essential autoconf automake pkg-config libncurses-dev
libcurl4-openssl-dev libjansson-dev libpcre2-dev libssl-dev
docker-registry skopeo apache2-utils jq tmux python3 valgrind openssl
man-db procps time zsh fish podman"
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
${SUDO:-} apt-get install -y -qq --no-install-recommends $missing >/dev/null
