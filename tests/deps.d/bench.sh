#!/usr/bin/env bash
# Installs bench/'s npm packages (the official JS decoder, @trigger.dev/core
# pinned at 4.8.3) with `npm ci` from the committed lockfile. Skipped when
# node_modules was installed from this exact lockfile.
set -euo pipefail
cd "$(dirname "$0")/../../bench"
stamp=node_modules/.tc-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f node_modules/@trigger.dev/core/package.json ]; then
  exit 0
fi
echo "deps: npm ci in bench/"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "$want" > "$stamp"
