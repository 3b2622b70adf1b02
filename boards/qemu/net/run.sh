#!/usr/bin/env bash
# run.sh ELF — the `qemu-chat` suite: starts the simulator (tools/sim, plain
# HTTP on 127.0.0.1, a random port), boots the firmware ELF on QEMU's
# mps2-an386 with its LAN9118 on QEMU user networking (the guest reaches the
# host's loopback at 10.0.2.2; no other address is used), passes the port
# through semihosting's command line, and always stops both.
# Prints the firmware's output and its closing line "qemu-chat: N passed, N failed";
# exits with the firmware's status (1 on a timeout or a simulator that did not start).
set -uo pipefail
cd "$(dirname "$0")/../../.."
ELF=${1:?usage: run.sh firmware.elf}
TIMEOUT=${QNET_TIMEOUT:-60}
TLS=${QNET_TLS:-0}   # 1: the simulator speaks HTTPS and the firmware gets its CA path

tmp=$(mktemp -d)
sim_pid=""
qemu_pid=""
cleanup() {
  [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null && wait "$qemu_pid" 2>/dev/null
  exec 3>&- 2>/dev/null
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
SUITE=qemu-chat; [ "$TLS" = 1 ] && SUITE=qemu-chat-tls
fail() { echo "$SUITE: $*"; echo "$SUITE: 0 passed, 1 failed"; exit 1; }

mkfifo "$tmp/sim.in"
tls_args=()
[ "$TLS" = 1 ] && tls_args=(--tls --ca-out "$tmp/ca.pem")
node tools/sim --port 0 "${tls_args[@]}" --exit-on-stdin-eof --max-seconds $((TIMEOUT + 30)) \
  < "$tmp/sim.in" > "$tmp/sim.out" 2> "$tmp/sim.log" &
sim_pid=$!
exec 3> "$tmp/sim.in"   # the simulator lives while this script holds its stdin
for _ in $(seq 1 300); do
  grep -q '^sim: listening' "$tmp/sim.out" 2>/dev/null && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$tmp/sim.log" >&2; fail "the simulator did not start"; }
  sleep 0.1
done
ready=$(grep '^sim: listening' "$tmp/sim.out") || fail "the simulator did not say it was ready"
[[ "$ready" =~ ^sim:\ listening\ https?://127\.0\.0\.1:([0-9]+)\  ]] || fail "unexpected ready line: $ready"
port=${BASH_REMATCH[1]}
fw_args="$port qemu-$$"
# semihosting opens the CA file by its host path
[ "$TLS" = 1 ] && fw_args="$fw_args $tmp/ca.pem"

# User networking: guest 10.0.2.15, the host's loopback at 10.0.2.2.
timeout "$TIMEOUT" qemu-system-arm -M mps2-an386 -nographic -monitor none \
  -semihosting-config enable=on,target=native \
  -nic user,model=lan9118,net=10.0.2.0/24,host=10.0.2.2 \
  -kernel "$ELF" -append "$fw_args" > "$tmp/fw.out" 2>&1 &
qemu_pid=$!
wait "$qemu_pid"; rc=$?
qemu_pid=""
cat "$tmp/fw.out"
if [ $rc -eq 124 ]; then
  echo "--- simulator log (tail)"; tail -20 "$tmp/sim.log"
  fail "the firmware did not finish within ${TIMEOUT}s"
fi
if ! grep -qE '[0-9]+ passed, [0-9]+ failed' "$tmp/fw.out"; then
  echo "--- simulator log (tail)"; tail -20 "$tmp/sim.log"
  fail "the firmware exited ($rc) without a result"
fi
[ $rc -eq 0 ] || { echo "--- simulator log (tail)"; tail -20 "$tmp/sim.log"; }
exit $rc
