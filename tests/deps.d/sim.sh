#!/usr/bin/env bash
# tools/sim (simulator + customer backend): npm ci from the committed lockfile,
# skipped when node_modules already matches it. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=tools/sim
stamp=$dir/node_modules/.trigchat-lock.sha256
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "deps: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi
# The backend shares the simulator's node_modules.
[ "$(readlink tools/backend/node_modules 2>/dev/null)" = "../sim/node_modules" ] || ln -sfn ../sim/node_modules tools/backend/node_modules
command -v openssl >/dev/null || { echo "deps: openssl missing (needed by tools/sim --tls)"; exit 1; }
