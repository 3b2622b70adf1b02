#!/usr/bin/env bash
# Fetches lwIP's Debian 12 ("bookworm") source package into build/lwip-src for
# the `lwip` test suite and `make lwip-size` (port/lwip/lwip.mk compiles it with
# tests/lwip/lwipopts.h into static libraries under the build directory).
# lwIP source never enters the repository (build/ is ignored). Debian's binary
# liblwip is not used: it is built with Debian's own lwipopts.h (and bookworm's
# corrupts its heap on frames over ~590 bytes).
# Idempotent: does nothing when the source is already unpacked.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC="${LWIP_SRC_DIR:-build/lwip-src}"
if ls -d "$SRC"/lwip-*/src/core >/dev/null 2>&1; then exit 0; fi

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
LIST=/etc/apt/sources.list.d/trigchat-src.sources
if [ ! -f "$LIST" ]; then
  # Reuse the mirror the system's own Debian entry names (deb.debian.org otherwise).
  uri=$(grep -hE '^URIs:.*debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')
  [ -n "$uri" ] || uri=$(grep -hE '^deb +[^ ]*debian/? ' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
  [ -n "$uri" ] || uri=http://deb.debian.org/debian
  $SUDO tee "$LIST" >/dev/null <<SRCLIST
# Source packages only (lwIP for trigchat's lwip suite, tests/deps.d/lwip.sh).
Types: deb-src
URIs: $uri
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRCLIST
  $SUDO apt-get update -qq
fi
command -v dpkg-source >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dpkg-dev >/dev/null

rm -rf "$SRC"; mkdir -p "$SRC"
# Pin bookworm's version (2.1.3) so a newer suite's source list never changes the build.
( cd "$SRC" && apt-get source -qq lwip/bookworm >/dev/null 2>&1 ) || {
  # stale package lists (the source entry existed already): refresh once
  $SUDO apt-get update -qq
  ( cd "$SRC" && apt-get source -qq lwip/bookworm >/dev/null )
}
ls -d "$SRC"/lwip-*/src/core >/dev/null || { echo "lwip: no lwip source in $SRC"; exit 1; }
echo "lwip: unpacked $(basename "$(ls -d "$SRC"/lwip-*/ | head -1)") into $SRC"
