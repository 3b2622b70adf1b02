#!/usr/bin/env bash
# tools/tchat/test_lwip.sh — suite `tchat-lwip`: tchat over lwIP + TLS against
# the simulator (make test-tchat-lwip). Run from the repository root; it starts
# itself again inside tools/tchat/lwip-netns.sh (a private network namespace,
# root and /dev/net/tun needed). Ends with "tchat-lwip: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}

if [ -z "${TCHAT_SIM_URL:-}" ]; then
  log=$(mktemp)
  BUILD=$BUILD bash tools/tchat/lwip-netns.sh --run bash tools/tchat/test_lwip.sh 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  # lwip-netns.sh failed before the tests could report (no root, no node, ...)
  grep -qE '^tchat-lwip: [0-9]+ passed' "$log" || { echo "tchat-lwip: 0 passed, 1 failed"; rc=1; }
  rm -f "$log"
  exit "$rc"
fi

# ---- inside the namespace (environment from lwip-netns.sh)
T=$TCHAT_TMP
passed=0 failed=0
ok() { echo "  ok   $1"; passed=$((passed + 1)); }
bad() { echo "  FAIL $1: $2"; failed=$((failed + 1)); }

# CMD = tchat-lwip for chat id $1 (its own session and flash image) + options.
# (A command, not a function: `"${CMD[@]}" &` gives tchat's own pid.)
cmd() {
  local id=$1; shift
  CMD=(env TCHAT_CHAT="$id" TCHAT_START_URL="$TCHAT_SIM_URL/chat/$id/start"
       TCHAT_TOKEN_URL="$TCHAT_SIM_URL/chat/$id/token"
       "$TCHAT_LWIP" --state "$T/$id.img" --timeout 60 "$@")
}

# 1. Two turns over lwIP + TLS: each answer is exactly the echo script's.
t=two_turns
cmd a "Hello over lwIP" "Second turn, same session"
"${CMD[@]}" > "$T/a.out" 2> "$T/a.err"; rc=$?
want=$'You said: Hello over lwIP\nYou said: Second turn, same session'
if [ "$rc" -ne 0 ]; then bad $t "exit $rc: $(tail -3 "$T/a.err")"
elif [ "$(cat "$T/a.out")" != "$want" ]; then bad $t "got: $(cat "$T/a.out")"
else ok $t; fi

# 2. The simulator is reachable through lwIP only: the host's sockets in the
#    same namespace find nothing at localhost (127.0.0.1) and fail (exit 3).
t=only_through_lwip
cmd a --stack posix "Hello over sockets"
"${CMD[@]}" > "$T/p.out" 2> "$T/p.err"; rc=$?
if [ "$rc" -eq 3 ] && [ ! -s "$T/p.out" ]; then ok $t; else bad $t "exit $rc, out: $(cat "$T/p.out")"; fi

# 3. A certificate the CA does not vouch for: refused (exit 3), nothing answered.
t=untrusted_certificate
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=other-ca \
  -keyout "$T/other.key" -out "$T/other.pem" 2>/dev/null
cmd c "Nobody should see this"
TCHAT_CA="$T/other.pem" "${CMD[@]}" > "$T/c.out" 2> "$T/c.err"; rc=$?
if [ "$rc" -ne 0 ] && grep -qiE 'certificate|CA' "$T/c.err" && [ ! -s "$T/c.out" ]; then ok $t
else bad $t "exit $rc: $(tail -2 "$T/c.err")"; fi

# 4. A tool call that needs approval, approved in the next turn.
t=tool_approval
cmd d "//approve Email Ada that lwIP works" "/approve"
"${CMD[@]}" > "$T/d.out" 2> "$T/d.err"; rc=$?
if [ "$rc" -eq 0 ] && grep -q 'asks for approval' "$T/d.err" && \
   [ "$(tail -1 "$T/d.out")" = "The email was sent." ]; then ok $t
else bad $t "exit $rc: $(cat "$T/d.out") / $(tail -2 "$T/d.err")"; fi

# 5. Killed mid-answer (SIGTERM), started again: it resumes from its flash
#    image over lwIP, with no lost and no repeated text.
t=resume_after_kill
cmd e "//slow 30"
: > "$T/e1.out"
"${CMD[@]}" > "$T/e1.out" 2> "$T/e1.err" &
pid=$!
for _ in $(seq 1 400); do   # until 8 words arrived (at most 20 s)
  [ "$(wc -w < "$T/e1.out")" -ge 8 ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
kill -TERM "$pid" 2>/dev/null; wait "$pid"; rc1=$?
n1=$(wc -w < "$T/e1.out")
cmd e
"${CMD[@]}" > "$T/e2.out" 2> "$T/e2.err"; rc2=$?
want=$(for i in $(seq 0 29); do printf 'tok%d ' "$i"; done)
got=$(cat "$T/e1.out" "$T/e2.out" | tr -d '\n')
if [ "$rc1" -ne 130 ] || [ "$n1" -lt 8 ] || [ "$n1" -ge 30 ]; then
  bad $t "the first run was not killed mid-answer (exit $rc1, $n1 words): $(tail -2 "$T/e1.err")"
elif [ "$rc2" -ne 0 ] || ! grep -q 'resuming the interrupted answer' "$T/e2.err"; then
  bad $t "the second run did not resume (exit $rc2): $(tail -2 "$T/e2.err")"
elif [ "$got" != "$want" ]; then bad $t "got: $got"
else ok $t; fi

echo "tchat-lwip: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
