#!/usr/bin/env bash
# bench_analyzer.sh — the analyzer's speed on a trace of 20+ million events:
#   bench/bench_analyzer.sh BUILD_DIR        (./build.sh bench runs it)
#
# Records the million-append loop (tests/programs/bench_append.py, about 24
# million events), then times each analysis subcommand, median of RUNS runs
# (default 3), output to /dev/null. The first `state` builds the keyframes
# and caches them in the trace: that one-time cost is shown apart. Budgets
# (issue 4): summary < 0.5 s, state < 0.3 s, history < 1 s, leaks, cycles,
# peak < 3 s each. TRACE=FILE reuses a recorded trace (a copy is timed).
set -euo pipefail
build=$(cd "${1:?usage: bench/bench_analyzer.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
hr=$build/heapreel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trace=$work/append.heapreel

if [ -n "${TRACE:-}" ]; then
  cp "$TRACE" "$trace"
  "$hr" sql "$trace" "DELETE FROM keyframes" >/dev/null 2>&1 || true
else
  (cd "$work" && "$hr" record -o "$trace" "$root/tests/programs/bench_append.py" >/dev/null)
fi
# A trace recorded elsewhere may hold keyframes already; start without them.
/usr/bin/python3.11 - "$trace" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM keyframes")
db.execute("DELETE FROM meta WHERE key = 'keyframes'")
db.commit()
PY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# once ARGS...: "wall cpu" seconds of one run of heapreel ARGS (cpu: user + system,
# which other programs on the machine disturb less than wall time).
once() {
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$hr" "$@" >/dev/null 2>&1 \
    || { echo "bench_analyzer: heapreel $* failed" >&2; exit 1; }
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$work/time"
}
timed() {  # LABEL BUDGET ARGS...: one table row, medians of $runs runs
  local label=$1 budget=$2; shift 2
  local all wall cpu
  all=$(for i in $(seq "$runs"); do once "$@"; done)
  wall=$(echo "$all" | awk '{print $1}' | median)
  cpu=$(echo "$all" | awk '{print $2}' | median)
  printf "| %-34s | %8s s | %8s s | %8s |\n" "$label" "$wall" "$cpu" "$budget"
}

events=$("$hr" summary --json "$trace" | /usr/bin/python3.11 -c 'import json,sys; j=json.load(sys.stdin); print(j["events"], j["steps"])')
steps=${events#* }
events=${events% *}
size=$(stat -c %s "$trace")
echo "== analyzer: bench_append.py, $events events, $steps steps, median of $runs runs"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "| %-34s | %10s | %10s | %8s |\n" "command" "wall" "cpu" "budget"
printf "|%s|%s|%s|%s|\n" "------------------------------------" "------------" "------------" "----------"
timed "summary" "< 0.5" summary "$trace"
t=$(once state --step "$((steps / 2))" "$trace")
kf=$("$hr" sql "$trace" "SELECT count(*), sum(length(data)) FROM keyframes" | tail -1)
printf "| %-34s | %8s s | %8s s | %8s |\n" "first state (builds keyframes)" "${t% *}" "${t#* }" "once"
for s in 1 $((steps / 4)) $((steps / 2)) $((3 * steps / 4)) $((steps - 1)) "$steps"; do
  timed "state --step $s" "< 0.3" state --step "$s" "$trace"
done
timed "state --step $((steps / 2)) --json" "< 0.3" state --json --step "$((steps / 2))" "$trace"
timed "history (an int from the middle)" "< 1" history "$trace" "i@$((steps / 2))"
timed "history (the list: 2M refcounts)" "< 1" history "$trace" "a@$steps"
timed "leaks" "< 3" leaks "$trace"
timed "cycles" "< 3" cycles "$trace"
timed "peak" "< 3" peak "$trace"
printf "trace %s bytes before keyframes; keyframes (count, bytes): %s\n" "$size" "$kf"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
