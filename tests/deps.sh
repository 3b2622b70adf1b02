#!/usr/bin/env bash
# Installs what the build and the tests need, only when something is missing.
# Debian packages through apt-get (apt-get update first, once); the simulator's
# npm packages through `npm ci` from its committed lockfile (tools/sim/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  build-essential clang llvm libclang-rt-14-dev valgrind
  libjsmn-dev libmbedtls-dev
  gcc-arm-none-eabi libnewlib-arm-none-eabi
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  qemu-system-arm openssl nodejs npm python3
)
# Fragments (tools/sim, boards, port) may list more packages, one per line.
for f in tests/deps.d/*.txt; do
  [ -f "$f" ] && while read -r p; do [ -n "$p" ] && [ "${p#\#}" = "$p" ] && PKGS+=("$p"); done < "$f"
done

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node and npm may come from elsewhere than Debian's packages: accept them on PATH.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do case "$p" in nodejs|npm) ;; *) tmp+=("$p");; esac; done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Hooks of other parts of the tree (npm ci for the simulator, lwIP sources...).
for h in tests/deps.d/*.sh; do
  [ -f "$h" ] && bash "$h"
done
exit 0
