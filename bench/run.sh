#!/usr/bin/env bash
# run.sh — the benchmark suite, side by side in one run: ./build.sh bench
#
# For each program (tests/programs/bench_*.py: the million-append loop,
# fib(22), a stdlib-heavy script, 2 GB allocated with a 200 MB peak) the wall
# time and peak RSS (/usr/bin/time -f '%e %M') of plain python3.11, heapreel
# record (full), heapreel record --detail alloc, python3.11 -X tracemalloc and
# heaptrack (PYTHONMALLOC=malloc), as ratios to plain python measured in the
# same run, median of RUNS runs; then trace sizes (bytes per event and per
# allocation) and the analyzer's timings on the largest trace.
#
#   RUNS=N        runs per measurement (default 3)
#   QUICK=1       one run each, and skip the writer and codec micro-benchmarks
#   FULL_LIMIT=S  seconds a full recording may take before it is marked skipped (300)
#   ALLOC_BASE=D  another build directory: its `record --detail alloc` runs in the same
#                 rounds as column "alloc-base" (a before/after comparison)
#   TOOLS="..."   the columns, plain first (default: plain full alloc tracemalloc
#                 heaptrack); e.g. RUNS=21 TOOLS="plain alloc tracemalloc" for many
#                 interleaved runs of the short programs without the slow tools
set -uo pipefail
build=${1:?usage: bench/run.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
[ "${QUICK:-0}" = 1 ] && runs=1
full_limit=${FULL_LIMIT:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3.11
rec=$build/heapreel-record
hr=$build/heapreel
programs=(bench_append bench_fib bench_stdlib bench_churn)
read -r -a tools <<<"${TOOLS:-plain full alloc tracemalloc heaptrack}"
[ "${tools[0]:-}" = plain ] || { echo "bench/run.sh: TOOLS must start with plain" >&2; exit 2; }
base=${ALLOC_BASE:-}
if [ -n "$base" ]; then  # its column right after alloc's
  with_base=()
  for t in "${tools[@]}"; do with_base+=("$t"); [ "$t" = alloc ] && with_base+=(alloc-base); done
  tools=("${with_base[@]}")
fi
have_heaptrack=1
command -v heaptrack >/dev/null || have_heaptrack=0

if [ "${QUICK:-0}" != 1 ]; then
  echo "== trace writer: 50M synthetic events"
  "$build/bench/bench_writer" 50000000 "$work/writer.heapreel"
  rm -f "$work/writer.heapreel"
  echo
  echo "== chunk codec"
  "$build/bench/bench_codec"
  echo
fi

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "nan"}'; }
calc() { awk "BEGIN { print $1 }"; }

# run_tool TOOL PROG: one run; prints "seconds maxrss_kb", or "skip" past the limit.
run_tool() {
  local tool=$1 prog=$2 script=$root/tests/programs/$2.py out=$work/time
  local -a cmd
  case $tool in
    plain) cmd=("$py" "$script") ;;
    full) cmd=(timeout "$full_limit" "$rec" -o "$work/$prog.full.heapreel" "$script") ;;
    alloc) cmd=("$rec" --detail alloc -o "$work/$prog.alloc.heapreel" "$script") ;;
    alloc-base) cmd=("$base/heapreel-record" --detail alloc -o "$work/$prog.alloc-base.heapreel" "$script") ;;
    tracemalloc) cmd=("$py" -X tracemalloc "$script") ;;
    heaptrack) cmd=(env PYTHONMALLOC=malloc heaptrack -o "$work/$prog.heaptrack" "$py" "$script") ;;
  esac
  rm -f "$work/$prog.heaptrack"*
  # Wall time from the shell's microsecond clock: /usr/bin/time's %e has
  # 10 ms steps, as long as fib(22) runs. time gives the peak RSS.
  local t0=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$out" "${cmd[@]}" >/dev/null 2>"$work/stderr"
  local rc=$? t1=$EPOCHREALTIME
  if [ "$tool" = full ] && [ $rc = 124 ]; then echo skip; return; fi
  echo "$(calc "${t1/,/.} - ${t0/,/.}") $(tail -1 "$out")"
}

declare -A T M
for prog in "${programs[@]}"; do
  for tool in "${tools[@]}"; do
    [ "$tool" = heaptrack ] && [ $have_heaptrack = 0 ] && { T[$prog.$tool]=na; continue; }
    # Interleaved runs keep the tools' conditions alike on a shared machine.
    : >"$work/t.$tool"; : >"$work/m.$tool"
  done
  for i in $(seq "$runs"); do
    for tool in "${tools[@]}"; do
      [ "${T[$prog.$tool]:-}" = na ] && continue
      [ "${T[$prog.$tool]:-}" = skip ] && continue
      r=$(run_tool "$tool" "$prog")
      if [ "$r" = skip ]; then T[$prog.$tool]=skip; continue; fi
      echo "${r% *}" >>"$work/t.$tool"
      echo "${r#* }" >>"$work/m.$tool"
    done
  done
  for tool in "${tools[@]}"; do
    case ${T[$prog.$tool]:-} in na|skip) continue ;; esac
    T[$prog.$tool]=$(median <"$work/t.$tool")
    M[$prog.$tool]=$(median <"$work/m.$tool")
  done
  # Keep this program's traces for the size table.
  for f in "$work/$prog".*; do [ -e "$f" ] && cp "$f" "$work/keep.${f##*/}"; done
done

echo "== wall time and peak RSS, median of $runs run(s); ratios to plain python3.11 in the same run"
printf "%-13s %14s" program "plain s/MB"
for tool in "${tools[@]:1}"; do printf " %22s" "$tool"; done
echo
for prog in "${programs[@]}"; do
  p=${T[$prog.plain]} pm=${M[$prog.plain]}
  printf "%-13s %7.3fs %5dM" "$prog" "$p" $((pm / 1024))
  for tool in "${tools[@]:1}"; do
    v=${T[$prog.$tool]}
    case $v in
      na) printf " %22s" "not installed" ;;
      skip) printf " %22s" "skipped (>${full_limit}s)" ;;
      *) printf " %6.3fs %5.1fx %5.1fx" "$v" "$(calc "$v / $p")" \
           "$(calc "${M[$prog.$tool]} / $pm")" ;;
    esac
  done
  echo
done
echo "(each tool: seconds, time ratio, peak-RSS ratio)"
echo

events() { "$hr" sql "$1" "SELECT coalesce(max(last_seq), 0) FROM chunks" | tail -1 | tr -d ' '; }
allocs() { "$hr" sql "$1" "SELECT count(*) FROM events WHERE kind = 'alloc'" | tail -1 | tr -d ' '; }
echo "== trace sizes (the last run's files)"
printf "%-13s %-10s %12s %12s %12s %10s %10s %13s\n" program trace bytes events allocs "B/event" "B/alloc" "vs heaptrack"
largest= largest_size=0
for prog in "${programs[@]}"; do
  # heaptrack's file first: every heapreel trace of the program is compared with it.
  hf=$(ls "$work/keep.$prog.heaptrack"* 2>/dev/null | head -1)
  hs=0 ha=0
  if [ -n "$hf" ]; then
    hs=$(stat -c %s "$hf")
    ha=$( (zstdcat "$hf" 2>/dev/null || zcat "$hf" 2>/dev/null) | grep -c '^+')
  fi
  kinds=(full alloc)
  [ -n "$base" ] && kinds=(full alloc alloc-base)
  for kind in "${kinds[@]}"; do
    f=$work/keep.$prog.$kind.heapreel
    [ -f "$f" ] || { printf "%-13s %-10s %12s\n" "$prog" "$kind" "(none)"; continue; }
    s=$(stat -c %s "$f") e=$(events "$f") a=$(allocs "$f")
    vs=-
    [ "$hs" -gt 0 ] && vs=$(calc "$s / $hs" | awk '{printf "%.2fx", $1}')
    printf "%-13s %-10s %12d %12d %12d %10.3f %10.3f %13s\n" "$prog" "$kind" "$s" "$e" "$a" \
      "$(calc "$s / ($e ? $e : 1)")" "$(calc "$s / ($a ? $a : 1)")" "$vs"
    [ "$kind" != alloc-base ] && [ "$s" -gt "$largest_size" ] && largest=$f largest_size=$s
  done
  [ "$hs" -gt 0 ] && printf "%-13s %-10s %12d %12s %12d %10s %10.3f %13s\n" "$prog" heaptrack \
    "$hs" - "$ha" - "$(calc "$hs / ($ha ? $ha : 1)")" 1.00x
done
echo "(allocs: heapreel counts the Python objects the program made while recording;"
echo " heaptrack counts every malloc under PYTHONMALLOC=malloc, interpreter start-up"
echo " included, its own '+' records. The same program makes the same allocations, so"
echo " 'vs heaptrack' — trace bytes over heaptrack's file bytes — is the per-allocation"
echo " comparison; B/alloc divides by each tool's own count.)"
echo

echo "== analyzer on the largest trace: ${largest##*/keep.} ($largest_size bytes)"
t_an() {  # label, heapreel args...
  local label=$1; shift
  local s
  /usr/bin/time -f '%e' -o "$work/an.time" "$hr" "$@" >/dev/null 2>&1
  s=$(tail -1 "$work/an.time")
  printf "  %-10s %8ss\n" "$label" "$s"
}
if [ -n "$largest" ]; then
  last=$("$hr" sql "$largest" "SELECT max(last_step) FROM chunks" | tail -1 | tr -d ' ')
  t_an summary summary "$largest"
  if [ "$("$hr" sql "$largest" "SELECT value FROM meta WHERE key='detail'" | tail -1 | tr -d ' ')" = alloc ]; then
    t_an "state" state --mark end "$largest"
  else
    t_an "state" state --step $((last / 2 > 0 ? last / 2 : 1)) "$largest"
  fi
  t_an leaks leaks "$largest"
  t_an cycles cycles "$largest"
  t_an peak peak "$largest"
fi
# Per-instruction work bounded by what the instruction touches: the same loop
# (item rebound, append + pop, set add + discard, dict rebind, pop, re-add)
# over containers of 10 and of 1,000,000 elements, recorded; the program
# times its own loop (setup excluded) and prints nanoseconds per iteration.
reps=${BOUNDED_REPS:-20000}
echo
printf "== recording cost per loop iteration by container size, median of %d runs (%d iterations)\n" "$runs" "$reps"
# Plain python in the same run: its own loop is slower over the big containers
# too (each iteration touches another item: cache misses), which the
# recorder's work, touching that item's record, shares.
bounded() {  # N RUNNER...: median ns/iteration
  local n=$1; shift
  for i in $(seq "$runs"); do "$@" "$root/bench/bounded.py" "$n" "$reps" 2>/dev/null; done | median
}
small=$(bounded 10 "$build/heapreel-record" -o "$work/bounded.heapreel")
big=$(bounded 1000000 "$build/heapreel-record" -o "$work/bounded.heapreel")
psmall=$(bounded 10 "$py")
pbig=$(bounded 1000000 "$py")
printf "%-22s %12s %12s\n" "ns per iteration" recorded plain "10 elements" "$small" "$psmall" \
  "1,000,000 elements" "$big" "$pbig"
printf "ratio 1M / 10: %.2f recorded, %.2f plain\n" "$(calc "$big / $small")" "$(calc "$pbig / $psmall")"
