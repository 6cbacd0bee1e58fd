#!/usr/bin/env bash
# bench_analyzer.sh — the analyzer's speed on a trace of 20+ million events:
#   bench/bench_analyzer.sh BUILD_DIR        (./build.sh bench runs it)
#
# Records the million-append loop (tests/programs/bench_append.py, about 24
# million events), then times each analysis subcommand, median of RUNS runs
# (default 3), output to /dev/null. The first `state` builds the keyframes
# and caches them in the trace: that one-time cost is shown apart, with the
# second `state` at the same step, the file's size before and after, and a
# lookup of one object by id in SQL: before any analysis kept the objects
# index (`state` reads frames only and keeps theirs alone; `sql` never
# writes), gathered in memory, no budget; then once the first analysis that
# reads objects (`history`) kept it. Budgets: summary < 0.5 s, state < 0.3 s,
# history < 1 s, leaks, cycles, peak < 3 s each; the first state < 1.5 s of
# CPU, keyframes adding at most 25 % to the file, the lookup in milliseconds
# (< 0.05 s of CPU, the whole `heapreel sql` command). TRACE=FILE reuses a
# recorded trace (a copy is timed). The output is Markdown.
set -euo pipefail
build=$(cd "${1:?usage: bench/bench_analyzer.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
runs=${RUNS:-3}
hr=$build/heapreel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trace=$work/append.heapreel

if [ -n "${TRACE:-}" ]; then
  cp "$TRACE" "$trace"
else
  (cd "$work" && "$hr" record -o "$trace" "$root/tests/programs/bench_append.py" >/dev/null)
fi
# A trace recorded elsewhere may hold keyframes already; start without them.
/usr/bin/python3.11 - "$trace" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
try:
    held = db.execute("DELETE FROM keyframes").rowcount
    db.execute("DELETE FROM meta WHERE key = 'keyframes'")
except sqlite3.OperationalError:  # a trace format without the table
    held = 0
db.commit()
if held > 0:
    db.execute("VACUUM")  # the size as recorded, without the pages they held
PY

# once ARGS...: "wall cpu" seconds of one run of heapreel ARGS (cpu: user + system,
# which other programs on the machine disturb less than wall time).
once() {
  local wall cpu rss status
  read -r wall cpu rss status <<<"$(measure 0 "$hr" "$@")"
  [ "$status" = 0 ] || { echo "bench_analyzer: heapreel $* failed: $(tail -c 300 "$work/stderr")" >&2; exit 1; }
  printf "%.3f %.3f\n" "$wall" "$cpu"
}
timed() {  # LABEL BUDGET ARGS...: one table row, medians of $runs runs
  local label=$1 budget=$2; shift 2
  local all wall cpu
  all=$(for i in $(seq "$runs"); do once "$@"; done)
  wall=$(echo "$all" | awk '{print $1}' | median)
  cpu=$(echo "$all" | awk '{print $2}' | median)
  last_cpu=$cpu
  printf "| %-34s | %8s s | %8s s | %8s |\n" "$label" "$wall" "$cpu" "$budget"
}

read -r events steps objs <<<"$("$hr" summary --json "$trace" | "$bench_py" -c '
import json, sys
j = json.load(sys.stdin)
print(j["events"], j["steps"], j.get("objects_allocated", 0))')"
size=$(stat -c %s "$trace")
echo "## The analyzer on the million-append trace"
echo
machine_header "${RUNS+RUNS=$RUNS }${TRACE+TRACE=$TRACE }bash bench/bench_analyzer.sh $1" "$build"
echo
echo "bench_append.py: $events events, $steps steps, $size bytes; median of $runs runs, seconds."
echo
printf "| %-34s | %10s | %10s | %8s |\n" "command" "wall" "cpu" "budget"
printf "|%s|%s|%s|%s|\n" "------------------------------------" "------------" "------------" "----------"
timed "summary" "< 0.5" summary "$trace"
t=$(once state --step "$((steps / 2))" "$trace")
first_cpu=${t#* }
size_kf=$(stat -c %s "$trace")
printf "| %-34s | %8s s | %8s s | %8s |\n" "first state (builds keyframes)" "${t% *}" "${t#* }" "< 1.5 cpu"
t=$(once state --step "$((steps / 2))" "$trace")
printf "| %-34s | %8s s | %8s s | %8s |\n" "second state, the same step" "${t% *}" "${t#* }" "< 0.3"
# An object from the middle of the run (ids count up from 1), looked up
# by id: the first time, then the median of the runs.
id=$(((objs + 1) / 2 > 0 ? (objs + 1) / 2 : 1))
timed "sql: SELECT 1 (opening the trace)" "" sql "$trace" "SELECT 1"
t=$(once sql "$trace" "SELECT * FROM objects WHERE id = $id")
printf "| %-34s | %8s s | %8s s | %8s |\n" "sql: objects WHERE id = ?, none yet" "${t% *}" "${t#* }" ""
t=$(once history "$trace" "i@$((steps / 2))")
printf "| %-34s | %8s s | %8s s | %8s |\n" "history (keeps the objects index)" "${t% *}" "${t#* }" ""
t=$(once sql "$trace" "SELECT * FROM objects WHERE id = $id")
printf "| %-34s | %8s s | %8s s | %8s |\n" "sql: objects WHERE id = ?, first" "${t% *}" "${t#* }" "< 0.05"
lookup_first=${t#* }
timed "sql: objects WHERE id = ?, again" "< 0.05" sql "$trace" "SELECT * FROM objects WHERE id = $id"
lookup=$last_cpu
rows=$("$hr" sql "$trace" "SELECT count(*) FROM objects WHERE id = $id" | tail -1 | tr -d ' ')
for s in 1 $((steps / 4)) $((steps / 2)) $((3 * steps / 4)) $((steps - 1)) "$steps"; do
  timed "state --step $s" "< 0.3" state --step "$s" "$trace"
done
timed "state --step $((steps / 2)) --json" "< 0.3" state --json --step "$((steps / 2))" "$trace"
timed "history (an int from the middle)" "< 1" history "$trace" "i@$((steps / 2))"
timed "history (the list: 2M refcounts)" "< 1" history "$trace" "a@$steps"
timed "leaks" "< 3" leaks "$trace"
timed "cycles" "< 3" cycles "$trace"
timed "peak" "< 3" peak "$trace"
echo
kf_growth=$(calc "($size_kf - $size) * 100 / $size")
printf "File size: %d bytes as recorded, %d with the keyframes (%+.1f %%); the lookup found %s row(s).\n" \
  "$size" "$size_kf" "$kf_growth" "$rows"
echo
echo "| budget | measured | verdict |"
echo "|---|---:|---|"
pass() { awk -v v="$1" -v l="$2" 'BEGIN { print (v < l) ? "PASS" : "FAIL" }'; }
printf "| first state < 1.5 s of CPU | %.3f s | %s |\n" "$first_cpu" "$(pass "$first_cpu" 1.5)"
printf "| keyframes add <= 25 %% to the file | %+.1f %% | %s |\n" "$kf_growth" "$(pass "$kf_growth" 25.000001)"
printf "| lookup by id < 0.05 s of CPU, first / again | %.3f / %.3f s | %s |\n" "$lookup_first" "$lookup" \
  "$(pass "$(calc "($lookup_first > $lookup) ? $lookup_first : $lookup")" 0.05)"
echo
echo "Load average at the end: $(load_average)."
