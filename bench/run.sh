#!/usr/bin/env bash
# run.sh — the benchmarks, side by side in one run: ./build.sh bench
#
# 1. the trace writer alone: 50 million synthetic interpreter-shaped events
#    (events per second end to end, bytes per event);
# 2. the chunk codec alone;
# 3. each benchmark program under plain python3.11, heapreel record and
#    python3.11 -X tracemalloc, median of RUNS runs, as ratios to plain python.
set -euo pipefail
build=${1:?usage: bench/run.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3.11

echo "== trace writer: 50M synthetic events"
"$build/bench/bench_writer" 50000000 "$work/writer.heapreel"
rm -f "$work/writer.heapreel"
echo
echo "== chunk codec"
"$build/bench/bench_codec"
echo

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() {  # prints wall seconds of one run of "$@"
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  calc "$t1 - $t0"
}
calc() { awk "BEGIN { print $1 }"; }

printf "== recording, median of %d runs (seconds, ratio to plain python3.11)\n" "$runs"
printf "%-14s %10s %16s %16s %12s %12s\n" program plain tracemalloc "heapreel full" events "bytes/event"
for prog in bench_append bench_fib bench_stdlib; do
  script=$root/tests/programs/$prog.py
  plain=$(for i in $(seq "$runs"); do timeit "$py" "$script"; done | median)
  tm=$(for i in $(seq "$runs"); do timeit "$py" -X tracemalloc "$script"; done | median)
  full=$(for i in $(seq "$runs"); do timeit "$build/heapreel-record" -o "$work/$prog.heapreel" "$script"; done | median)
  events=$("$build/heapreel" sql "$work/$prog.heapreel" "SELECT max(last_seq) FROM chunks" | tail -1 | tr -d ' ')
  size=$(stat -c %s "$work/$prog.heapreel")
  printf "%-14s %9.3fs %9.3fs %5.1fx %9.3fs %5.1fx %12s %12.3f\n" "$prog" "$plain" \
    "$tm" "$(calc "$tm / $plain")" "$full" "$(calc "$full / $plain")" \
    "$events" "$(calc "$size / $events")"
done

# Per-instruction work bounded by what the instruction touches: the same loop
# (item rebound, append + pop, set add + discard, dict rebind, pop, re-add)
# over containers of 10 and of 1,000,000 elements, recorded; the program
# times its own loop (setup excluded) and prints nanoseconds per iteration.
reps=${BOUNDED_REPS:-20000}
echo
printf "== recording cost per loop iteration by container size, median of %d runs (%d iterations)\n" "$runs" "$reps"
small=$(for i in $(seq "$runs"); do "$build/heapreel-record" -o "$work/bounded.heapreel" \
  "$root/bench/bounded.py" 10 "$reps" 2>/dev/null; done | median)
big=$(for i in $(seq "$runs"); do "$build/heapreel-record" -o "$work/bounded.heapreel" \
  "$root/bench/bounded.py" 1000000 "$reps" 2>/dev/null; done | median)
printf "%-22s %12s ns/iteration\n" "10 elements" "$small" "1,000,000 elements" "$big"
printf "ratio 1M / 10: %.2f\n" "$(calc "$big / $small")"
