#!/usr/bin/env bash
# Runs lwIP simulation test programs inside a private network namespace.
# Creates namespace tclwip-<pid> with a TAP device (tctap0, 10.77.0.1/24 on the
# kernel side; lwIP takes 10.77.0.2 inside the test program), runs each program
# there, and deletes the namespace (and with it the device) on every exit path.
# Needs root (CAP_NET_ADMIN) and /dev/net/tun. Each program prints
# "<name>: N passed, N failed"; the script fails when any program fails.
set -u
cd "$(dirname "$0")/../.." || exit 1
NS="tclwip-$$"
TIMEOUT="${LWIP_TEST_TIMEOUT:-120}"
cleanup() { ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT
trap 'echo "lwip: interrupted"; echo "lwip: 0 passed, 1 failed"; exit 1' INT TERM HUP

if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ]; then
  echo "lwip: needs root and /dev/net/tun for its network namespace"
  echo "lwip: 0 passed, 1 failed"; exit 1
fi
ip netns add "$NS" || { echo "lwip: 0 passed, 1 failed"; exit 1; }
ip -n "$NS" link set lo up
fail=0
for prog in "$@"; do
  # a fresh TAP device per program
  ip -n "$NS" link del tctap0 2>/dev/null || true
  ip -n "$NS" tuntap add dev tctap0 mode tap
  ip -n "$NS" addr add 10.77.0.1/24 dev tctap0
  ip -n "$NS" link set tctap0 up
  # ASan's leak report is off: lwIP's tcpip thread and its mailboxes live for
  # the whole process by design. lwIP's own pools are checked by the tests.
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" timeout -k 5 "$TIMEOUT" ip netns exec "$NS" "$prog" || fail=1
done
exit $fail
