#!/usr/bin/env bash
# tools/tchat/lwip-netns.sh — tchat over the real lwIP stack, against the
# simulator, inside a private network namespace (docs/lwip.md).
#
#   tools/tchat/lwip-netns.sh [TCHAT OPTIONS] [MESSAGE...]
#       runs $BUILD/tchat-lwip --stack lwip against the simulator (interactive
#       without MESSAGEs, on a terminal)
#   tools/tchat/lwip-netns.sh --run COMMAND [ARG...]
#       runs COMMAND in the namespace instead (tests: several tchat runs
#       against one simulator)
#
# It creates namespace tctchat-<pid> with a TAP device tctap0 (10.77.0.1/24
# on the kernel side; lwIP inside tchat-lwip is 10.77.0.2), starts the
# simulator there over TLS on 10.77.0.1 (a CA made for this run), and runs
# tchat in the same namespace. tchat-lwip's DNS server maps "localhost" to
# 10.77.0.1, so the URLs say https://localhost:PORT — the name the simulator's
# certificate is issued for. Nothing listens on the namespace's 127.0.0.1:
# the chat can only reach the simulator through lwIP and the TAP device.
# The namespace, the simulator and the temporary directory are removed on
# every exit path. Needs root (CAP_NET_ADMIN), /dev/net/tun and node.
#
# The command sees (and tchat reads) this environment:
#   TCHAT_STACK=lwip TCHAT_BASE_URL TCHAT_START_URL TCHAT_TOKEN_URL
#   TCHAT_DEVICE_KEY TCHAT_TASK TCHAT_CHAT TCHAT_CA   (options.h)
#   TCHAT_SIM_URL  https://localhost:PORT (for other chat ids: URL/chat/ID/start)
#   TCHAT_LWIP     the tchat-lwip binary        TCHAT_TMP  a scratch directory
# Settings: BUILD (default build), TCHAT_CHAT (default lwip-<pid>),
# SIM_MAX_SECONDS (default 600: the simulator's own safety net).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
NS="tctchat-$$"
TAP=tctap0
HOST_IP=10.77.0.1
export TCHAT_LWIP="$PWD/$BUILD/tchat-lwip"

die() { echo "lwip-netns: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ] || die "needs root and /dev/net/tun (a private network namespace)"
[ -x "$TCHAT_LWIP" ] || die "$TCHAT_LWIP missing: make BUILD=$BUILD tchat-lwip"
command -v node >/dev/null || die "node missing (make deps)"

tmp=$(mktemp -d)
sim_pid=""
cleanup() {
  exec 3>&-   # the simulator's stdin: it exits at EOF
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  # anything still running in the namespace was started by this script
  for p in $(ip netns pids "$NS" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

ip netns add "$NS" || die "cannot create network namespace $NS"
ip -n "$NS" link set lo up   # the simulator's agent talks to it over loopback
ip -n "$NS" tuntap add dev "$TAP" mode tap
ip -n "$NS" addr add "$HOST_IP/24" dev "$TAP"
ip -n "$NS" link set "$TAP" up

mkfifo "$tmp/sim.in"
ip netns exec "$NS" node tools/sim --host "$HOST_IP" --port 0 --tls --ca-out "$tmp/ca.pem" \
  --exit-on-stdin-eof --max-seconds "${SIM_MAX_SECONDS:-600}" \
  < "$tmp/sim.in" > "$tmp/sim.out" 2> "$tmp/sim.log" &
sim_pid=$!
exec 3> "$tmp/sim.in"
for _ in $(seq 1 300); do
  grep -q '^sim: listening' "$tmp/sim.out" 2>/dev/null && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$tmp/sim.log" >&2; die "the simulator did not start"; }
  sleep 0.1
done
port=$(sed -nE 's|^sim: listening https://[^ ]+:([0-9]+) .*|\1|p' "$tmp/sim.out")
[ -n "$port" ] || die "the simulator did not say it was ready"

export TCHAT_SIM_URL="https://localhost:$port" TCHAT_TMP="$tmp"
export TCHAT_STACK=lwip TCHAT_CA="$tmp/ca.pem" TCHAT_TASK=sim-agent TCHAT_DEVICE_KEY=trigchat-dev-device
export TCHAT_CHAT="${TCHAT_CHAT:-lwip-$$}"
export TCHAT_BASE_URL="$TCHAT_SIM_URL"
export TCHAT_START_URL="$TCHAT_SIM_URL/chat/$TCHAT_CHAT/start"
export TCHAT_TOKEN_URL="$TCHAT_SIM_URL/chat/$TCHAT_CHAT/token"

# The command runs in the background so that a signal reaches this script at
# once: TERM/HUP are passed on to it (tchat then saves its state and exits),
# Ctrl-C is the command's own (tchat: the first stops the answer). The script
# waits for the command, then the EXIT trap cleans up.
if [ "${1:-}" = "--run" ]; then shift; else set -- "$TCHAT_LWIP" "$@"; fi
interrupted=0
trap 'interrupted=1' INT
trap 'interrupted=1; kill -TERM "$child" 2>/dev/null || true' TERM HUP
ip netns exec "$NS" "$@" <&0 3>&- &
child=$!
while :; do
  interrupted=0
  rc=0; wait "$child" || rc=$?
  [ "$interrupted" -eq 1 ] || break
done
exit "$rc"
