#!/usr/bin/env bash
# tests/stack/selftest.sh OUTDIR CC READELF [ARCH FLAGS...] — checks
# tools/stackdepth.py on small fixtures built with CC: the depth of a known
# chain equals the sum of its frames as GCC reports them (.su), and each
# unbounded case (recursion, an unclassified call through a pointer, an
# address-taken function no rule calls, a VLA) is an error.
# Prints "stack-selftest: N passed, N failed".
set -u
out=$1 cc=$2 readelf=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
tool=$here/../../tools/stackdepth.py
mkdir -p "$out"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "stack-selftest: FAIL: $*"; }
build() { "$cc" "$@" -std=c11 -Os -ffunction-sections -fstack-usage -fcallgraph-info=su -c "$here/$f.c" -o "$out/$f.o"; }

for f in chain recurse indirect taken vla; do build "$@" || { bad "$f.c does not build"; continue; }; done

# chain: tc_fix_a > b > c > tc_fix_sink, the sum of the four frames
f=chain
frame() { awk -F'\t' -v n="$1" '{ split($1, a, ":"); if (a[length(a)] == n) print $2 }' "$out/chain.su"; }
want=$(( $(frame tc_fix_a) + $(frame b) + $(frame c) + $(frame tc_fix_sink) ))
got=$(python3 "$tool" --readelf "$readelf" "$out/chain.o" 2>&1)
line=$(grep ' tc_fix_a: ' <<<"$got")
if [ "$(awk '{ print $1 }' <<<"$line")" = "$want" ] && grep -q 'tc_fix_a > b > c > tc_fix_sink$' <<<"$line"; then ok
else bad "chain: expected $want bytes via tc_fix_a > b > c > tc_fix_sink, got: $line"; fi
# --max: over the budget fails, at it passes
python3 "$tool" --readelf "$readelf" --max $((want - 1)) "$out/chain.o" >/dev/null 2>&1 && bad "chain: --max $((want - 1)) passed" || ok
python3 "$tool" --readelf "$readelf" --max "$want" "$out/chain.o" >/dev/null 2>&1 && ok || bad "chain: --max $want failed"

expect_error() { # fixture, phrase
  local msg
  if msg=$(python3 "$tool" --readelf "$readelf" "$out/$1.o" 2>&1); then bad "$1: no error"
  elif grep -q "$2" <<<"$msg"; then ok
  else bad "$1: expected '$2', got: $msg"; fi
}
expect_error recurse "recursion: tc_fix_r -> tc_fix_r"
expect_error indirect "indirect call not classified"
expect_error taken "address of twice is taken"
expect_error vla "unbounded (dynamic) frame"
echo "stack-selftest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
