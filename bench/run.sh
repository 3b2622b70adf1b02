#!/usr/bin/env bash
# run.sh — `make bench`: generate the capture, check and measure the C decoder
# (callgrind instructions per byte, wall-clock MB/s) and the official JS
# decoder on the same bytes, print both side by side.
#
#   bash bench/run.sh BUILD      (BUILD/bench/bench_decode must exist)
#
# Environment: BENCH_TURNS (200), BENCH_SEED (1), BENCH_PIECE (1460, C recv
# size), BENCH_JS_PIECE (65536, JS read size), BENCH_C_REPS (9),
# BENCH_JS_REPS (5).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:?usage: run.sh BUILD}
TURNS=${BENCH_TURNS:-200}
SEED=${BENCH_SEED:-1}
PIECE=${BENCH_PIECE:-1460}
JS_PIECE=${BENCH_JS_PIECE:-65536}
C_REPS=${BENCH_C_REPS:-9}
JS_REPS=${BENCH_JS_REPS:-5}
out=$B/bench
cap=$out/capture
bin=$out/bench_decode

command -v valgrind >/dev/null || { echo "bench: valgrind missing: run 'make deps'"; exit 1; }
[ -f bench/node_modules/@trigger.dev/core/package.json ] || { echo "bench: run 'make deps' (npm ci in bench/)"; exit 1; }

node bench/gen-capture.mjs --out "$cap" --turns "$TURNS" --seed "$SEED"
case $cap in /*) abs_cap=$cap ;; *) abs_cap=$PWD/$cap ;; esac  # BUILD may be absolute

val() { sed -n "s/^$1 //p" "$2" | head -1; }

# ---- 1. instructions per byte (callgrind, decode loop only)
cg() { # mode
  local m=$1
  valgrind --tool=callgrind --instr-atstart=no --dump-instr=no \
      --callgrind-out-file="$out/callgrind.$m.out" \
      "$bin" "$cap" --mode "$m" --piece "$PIECE" --callgrind > "$out/cg.$m.txt" 2> "$out/cg.$m.log" \
    || { cat "$out/cg.$m.txt" "$out/cg.$m.log" | tail -20; echo "bench: callgrind run ($m) failed"; exit 1; }
  grep -q '^check ok' "$out/cg.$m.txt" || { cat "$out/cg.$m.txt"; echo "bench: decode check failed ($m)"; exit 1; }
  callgrind_annotate --inclusive=no --auto=no "$out/callgrind.$m.out" > "$out/callgrind.$m.txt" 2>/dev/null || true
  # With --instr-atstart=no the "summary:" line stays 0; "totals:" is the
  # cost collected while instrumentation was on.
  sed -n 's/^totals: //p' "$out/callgrind.$m.out" | head -1
}
ir_body=$(cg body)
ir_http=$(cg http)
body_bytes=$(val input_bytes "$out/cg.body.txt")
http_bytes=$(val input_bytes "$out/cg.http.txt")

# ---- 2. wall clock, C (best of N) and JS (best of N), same bytes
"$bin" "$cap" --mode body --piece "$PIECE" --reps "$C_REPS" > "$out/c.body.txt" || { cat "$out/c.body.txt"; exit 1; }
"$bin" "$cap" --mode http --piece "$PIECE" --reps "$C_REPS" > "$out/c.http.txt" || { cat "$out/c.http.txt"; exit 1; }
(cd bench && node js-decode.mjs "$abs_cap" --reps "$JS_REPS" --piece "$JS_PIECE") > "$out/js.txt" \
  || { cat "$out/js.txt"; echo "bench: JS decoder run failed"; exit 1; }

c_mb=$(val c_mb_s "$out/c.body.txt")
c_http_mb=$(val c_mb_s "$out/c.http.txt")
js_mb=$(val js_mb_s "$out/js.txt")
js_bare_mb=$(val js_bare_mb_s "$out/js.txt")
c_wall_mb=$(val c_wall_mb_s "$out/c.body.txt")
js_wall_mb=$(val js_wall_mb_s "$out/js.txt")

echo
echo "== top functions by instructions (body mode, callgrind_annotate; full: $out/callgrind.body.txt)"
grep -E '^ *[0-9,]+ \([ 0-9.]+%\) ' "$out/callgrind.body.txt" | grep -v 'PROGRAM TOTALS' | head -14
echo
echo "capture_bytes $body_bytes"
echo "capture_http_bytes $http_bytes"
echo "turns $(val turns "$out/cg.body.txt")"
echo "records $(val records "$out/cg.body.txt")"
echo "chunks $(val chunks "$out/cg.body.txt")"
echo "text_deltas $(val text_deltas "$out/cg.body.txt")"
echo "oversized_skipped $(val oversized "$out/cg.body.txt")"
echo "js_parts $(val js_parts "$out/js.txt")"
echo "c_piece_bytes $PIECE"
echo "js_piece_bytes $JS_PIECE"
echo "ir_total $ir_body"
echo "ir_total_http $ir_http"
echo "instr_per_byte_http $(awk -v a="$ir_http" -v b="$http_bytes" 'BEGIN{printf "%.2f", a/b}')"
echo "c_mb_s $c_mb"
echo "c_http_mb_s $c_http_mb"
echo "c_wall_mb_s $c_wall_mb"
echo "js_wall_mb_s $js_wall_mb"
echo "speedup_vs_js_wall $(awk -v a="$c_wall_mb" -v b="$js_wall_mb" 'BEGIN{printf "%.1f", a/b}')"
echo "js_bare_mb_s $js_bare_mb"
echo "speedup_vs_js_bare $(awk -v a="$c_mb" -v b="$js_bare_mb" 'BEGIN{printf "%.1f", a/b}')"
echo "js_mb_s $js_mb"
echo "instr_per_byte $(awk -v a="$ir_body" -v b="$body_bytes" 'BEGIN{printf "%.2f", a/b}')"
echo "speedup_vs_js $(awk -v a="$c_mb" -v b="$js_mb" 'BEGIN{printf "%.1f", a/b}')"
