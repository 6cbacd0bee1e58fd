#!/usr/bin/env bash
# full.sh — full recording only, side by side in one run: each benchmark
# program (append loop, fib(22), stdlib-heavy) under plain python3.11,
# python3.11 -X tracemalloc and heapreel record (one or more recorder
# binaries, e.g. before and after a change), interleaved, median of RUNS runs,
# as ratios to plain python in the same run; then events and trace bytes per
# event of each recorder's last trace.
#
#   bench/full.sh BUILD_DIR [OTHER_HEAPREEL_RECORD ...]
#   RUNS=N (default 3)   PROGS="bench_append bench_fib" (default: the three)
set -uo pipefail
build=${1:?usage: bench/full.sh BUILD_DIR [OTHER_HEAPREEL_RECORD ...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
progs=${PROGS:-"bench_append bench_fib bench_stdlib"}
py=/usr/bin/python3.11
recs=("$build/heapreel-record" "$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "nan"}'; }
# timed FILE CMD...: append the wall seconds of CMD to FILE.
timed() {
  local out=$1; shift
  local t0=$EPOCHREALTIME
  "$@" >/dev/null 2>"$work/stderr"
  local t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }' >>"$out"
}

printf "%-13s %8s %16s" program plain tracemalloc
for j in "${!recs[@]}"; do printf " %28s" "record #$j"; done
echo
for prog in $progs; do
  script=$root/tests/programs/$prog.py
  : >"$work/plain"; : >"$work/tm"
  for j in "${!recs[@]}"; do : >"$work/r$j"; done
  for i in $(seq "$runs"); do
    timed "$work/plain" "$py" "$script"
    timed "$work/tm" "$py" -X tracemalloc "$script"
    for j in "${!recs[@]}"; do
      timed "$work/r$j" "${recs[$j]}" -o "$work/$prog.$j.heapreel" "$script"
    done
  done
  p=$(median <"$work/plain") tm=$(median <"$work/tm")
  printf "%-13s %7.3fs %7.3fs %6.1fx" "$prog" "$p" "$tm" "$(awk "BEGIN{print $tm / $p}")"
  for j in "${!recs[@]}"; do
    t=$(median <"$work/r$j") f=$work/$prog.$j.heapreel
    s=$(stat -c %s "$f")
    e=$(sqlite3 "$f" "SELECT coalesce(max(last_seq), 0) FROM chunks")
    printf " %6.3fs %5.1fx %5.2fM %4.2fB/ev" "$t" "$(awk "BEGIN{print $t / $p}")" \
      "$(awk "BEGIN{print $e / 1e6}")" "$(awk "BEGIN{print $s / ($e ? $e : 1)}")"
  done
  echo
done
echo "(median of $runs interleaved runs; each recorder: seconds, ratio to plain, events, trace bytes per event)"
