#!/usr/bin/env bash
# Sums the "N passed, N failed" lines that the suites printed into DIR/*.log.
# A suite that exited non-zero without reporting a failure counts one failure
# (a build error, a crash). Prints the total as its last line; exits non-zero
# when anything failed.
set -u
dir=$1
passed=0; failed=0; bad=()
for log in "$dir"/*.log; do
  [ -f "$log" ] || continue
  s=$(basename "$log" .log)
  rc=$(cat "$dir/$s.rc" 2>/dev/null || echo 1)
  read -r p f < <(grep -E '^([A-Za-z0-9_.-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" \
      | sed -E 's/^([A-Za-z0-9_.-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2 \3/' \
      | awk '{p+=$1; f+=$2} END {print p+0, f+0}')
  if [ "$rc" != 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  [ "$f" -gt 0 ] && bad+=("$s")
  passed=$((passed + p)); failed=$((failed + f))
done
echo
# Wall time per suite (DIR/<suite>.secs, written by `make test`), longest first:
# where a slow run went. Information only, never a pass/fail criterion.
if ls "$dir"/*.secs >/dev/null 2>&1; then
  for t in "$dir"/*.secs; do echo "$(cat "$t") $(basename "$t" .secs)"; done \
    | sort -rn | awk '{ s = s " " $2 "=" $1 } END { print "wall time per suite (s):" s }'
fi
[ "${#bad[@]}" -gt 0 ] && echo "failing suites: ${bad[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
