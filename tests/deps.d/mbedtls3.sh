#!/usr/bin/env bash
# Builds mbedTLS 3.6 from Debian 13 ("trixie")'s source package into
# build/mbedtls3 (static libraries + headers), for the `port` test suite, which
# runs the TLS adapter against both Debian 12's mbedTLS 2.28 and this 3.6.
# Idempotent: does nothing when build/mbedtls3/lib/libmbedtls.a exists.
# mbedTLS source never enters the repository (build/ is ignored).
#
# Configuration changes from upstream's default mbedtls_config.h (see
# docs/porting.md): MBEDTLS_PLATFORM_MEMORY on (so port/mbedtls can route every
# allocation into its caller-provided arena), MBEDTLS_SSL_OUT_CONTENT_LEN 4096
# (records we send), MBEDTLS_SSL_IN_CONTENT_LEN stays 16384 (servers may ignore
# the max_fragment_length extension), threading and the network module off.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${MBEDTLS3_DIR:-build/mbedtls3}"
SRC="${MBEDTLS3_SRC:-build/mbedtls3-src}"
[ -f "$OUT/lib/libmbedtls.a" ] && [ -f "$OUT/include/mbedtls/version.h" ] && exit 0
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
LIST=/etc/apt/sources.list.d/trigchat-trixie-src.sources
if [ ! -f "$LIST" ]; then
  $SUDO tee "$LIST" >/dev/null <<'SRCLIST'
# Source packages only (mbedTLS 3.6 and lwIP for trigchat's port tests); no binaries from trixie.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRCLIST
  $SUDO apt-get update -qq
fi
command -v dpkg-source >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dpkg-dev >/dev/null
command -v cmake >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq cmake >/dev/null
command -v python3 >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 >/dev/null

if ! ls -d "$SRC"/mbedtls-3.* >/dev/null 2>&1; then
  rm -rf "$SRC"; mkdir -p "$SRC"
  # trixie carries mbedtls 3.6.x; ask for that version explicitly so a newer
  # 4.x in some later suite is never picked up.
  get() { ( cd "$SRC" && apt-get source -qq mbedtls/trixie >/dev/null 2>&1 ); }
  # the package lists may be stale or cleaned: refresh once and retry
  get || { $SUDO apt-get update -qq && get; } || { echo "mbedtls3: apt-get source mbedtls/trixie failed"; exit 1; }
fi
dir=$(ls -d "$SRC"/mbedtls-3.* | head -1)
[ -n "$dir" ] || { echo "mbedtls3: no mbedtls-3.* source in $SRC"; exit 1; }

cfg="$dir/include/mbedtls/mbedtls_config.h"
if ! grep -q 'trigchat' "$cfg"; then
  ( cd "$dir" && python3 scripts/config.py set MBEDTLS_PLATFORM_MEMORY \
      && python3 scripts/config.py unset MBEDTLS_THREADING_C \
      && python3 scripts/config.py unset MBEDTLS_THREADING_PTHREAD \
      && python3 scripts/config.py set MBEDTLS_SSL_OUT_CONTENT_LEN 4096 )
  echo '/* trigchat: PLATFORM_MEMORY on, OUT_CONTENT_LEN 4096 (tests/deps.d/mbedtls3.sh) */' >> "$cfg"
fi

rm -rf "$dir/build-tc"
cmake -S "$dir" -B "$dir/build-tc" -DCMAKE_BUILD_TYPE=Release -DENABLE_TESTING=OFF \
  -DENABLE_PROGRAMS=OFF -DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DUSE_STATIC_MBEDTLS_LIBRARY=ON \
  -DMBEDTLS_FATAL_WARNINGS=OFF -DCMAKE_INSTALL_PREFIX="$OUT" -DCMAKE_C_FLAGS="-O2 -fPIC" >/dev/null
cmake --build "$dir/build-tc" -j 2 >/dev/null
cmake --install "$dir/build-tc" >/dev/null
# some layouts install into lib64
[ -d "$OUT/lib" ] || ln -s lib64 "$OUT/lib"
[ -f "$OUT/lib/libmbedtls.a" ] || { echo "mbedtls3: build produced no libmbedtls.a"; exit 1; }
echo "mbedtls3: built $(basename "$dir") into $OUT"
