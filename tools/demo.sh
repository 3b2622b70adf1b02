#!/usr/bin/env bash
# make demo — a real chat with tools/tchat against the bundled simulator, over TLS.
#
# It starts the simulator (tools/sim: a real chat.agent from @trigger.dev/sdk 4.8.3
# behind the Trigger.dev Sessions API, plus a customer backend that mints tokens),
# then runs tchat the way a device would: session start through the backend,
# two streamed turns, a tool call that needs approval (approved), and a turn
# interrupted by killing tchat mid-stream and starting it again, which resumes
# from its persisted state (a simulated flash image) with no lost and no
# repeated text. It stops the simulator and exits 0 when all of that worked.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TCHAT=$BUILD/tchat
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { printf '\ndemo: FAILED: %s\n' "$*" >&2; exit 1; }

tmp=$(mktemp -d)
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

say "Starting the local Trigger.dev simulator (HTTPS, a CA made just now)"
mkfifo "$tmp/sim.in"
node tools/sim --port 0 --tls --ca-out "$tmp/ca.pem" --exit-on-stdin-eof --max-seconds 120 \
  < "$tmp/sim.in" > "$tmp/sim.out" 2> "$tmp/sim.log" &
sim_pid=$!
exec 3> "$tmp/sim.in"   # the simulator lives while this script holds its stdin
for _ in $(seq 1 300); do
  grep -q '^sim: listening' "$tmp/sim.out" 2>/dev/null && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$tmp/sim.log" >&2; die "the simulator did not start"; }
  sleep 0.1
done
ready=$(grep '^sim: listening' "$tmp/sim.out") || die "the simulator did not say it was ready"
port=$(sed -E 's/.*:([0-9]+) ca=.*/\1/' <<<"$ready")
url="https://localhost:$port"
chat="demo-$$"
echo "$ready"

# What a device is configured with: where the API is, where its own backend is
# (which holds the secret key and mints tokens), its device key, the task id.
args=(--base-url "$url" --start-url "$url/chat/$chat/start" --token-url "$url/chat/$chat/token"
      --device-key trigchat-dev-device --task sim-agent --chat "$chat"
      --ca "$tmp/ca.pem" --state "$tmp/flash.img")

say "Two turns, each answer streamed as it arrives"
"$TCHAT" "${args[@]}" "Hello, trigchat!" "//reason Why do we resume from a cursor?" \
  || die "the first two turns"

say "A tool call that needs approval: the agent asks, we approve, it continues"
"$TCHAT" "${args[@]}" "//approve Email Ada that the demo works" "/approve" \
  || die "the approval turn"

say "A long answer, interrupted: tchat is killed in the middle of the stream"
"$TCHAT" "${args[@]}" "//slow 40" > "$tmp/part1.txt" 2> "$tmp/part1.err" &
pid=$!
for _ in $(seq 1 200); do
  [ "$(wc -w < "$tmp/part1.txt")" -ge 12 ] && break
  sleep 0.05
done
kill -TERM "$pid" 2>/dev/null || die "tchat ended before it could be interrupted (see $tmp/part1.err)"
wait "$pid" 2>/dev/null || true
echo "(what was printed before the kill:)"
cat "$tmp/part1.txt"; echo

say "tchat starts again: it finds the interrupted turn in its flash image and resumes"
"$TCHAT" "${args[@]}" > "$tmp/part2.txt" || die "the resumed turn"
cat "$tmp/part2.txt"

expected=$(for i in $(seq 0 39); do printf 'tok%d ' "$i"; done)
got=$(cat "$tmp/part1.txt" "$tmp/part2.txt" | tr -d '\n')
if [ "$got" != "$expected" ]; then
  printf 'expected: %s\ngot:      %s\n' "$expected" "$got" >&2
  die "the answer across the restart is not exactly the agent's answer"
fi
say "Done: the interrupted answer arrived whole, with no lost and no repeated text"
echo "Every request above went over TLS to the simulator at $url; it stops now."
