#!/usr/bin/env bash
# smoke.sh — suite bench-smoke: the benchmark's correctness half, no timing.
# Generates a small capture, decodes it with the C library (ASan/UBSan build)
# in body and HTTP-chunked modes at several piece sizes including byte by
# byte, and decodes it with the official JS decoder (seed 2 has records larger
# than the record buffer, so the skip path runs too); both must rebuild every
# turn's text exactly. Prints "bench-smoke: 1 passed, 0 failed" or "0 passed, 1 failed".
#
#   bash bench/smoke.sh BUILD    (BUILD/bench/bench_decode_san must exist)
set -uo pipefail
cd "$(dirname "$0")/.."
B=${1:?usage: smoke.sh BUILD}
cap=$B/bench/smoke
bin=$B/bench/bench_decode_san
ok=1
step() { # name, command...
  local name=$1; shift
  if "$@" > "$B/bench/smoke.$name.log" 2>&1; then echo "bench-smoke: $name ok"
  else tail -15 "$B/bench/smoke.$name.log"; echo "bench-smoke: $name FAILED"; ok=0; fi
}
step gen node bench/gen-capture.mjs --out "$cap" --turns 12 --seed 2
if [ "$ok" = 1 ]; then
  step c-body "$bin" "$cap" --mode body --splits
  step c-http "$bin" "$cap" --mode http --splits
  step js bash -c "cd bench && node js-decode.mjs '../$cap'"
fi
if [ "$ok" = 1 ]; then echo "bench-smoke: 1 passed, 0 failed"; exit 0; fi
echo "bench-smoke: 0 passed, 1 failed"
exit 1
