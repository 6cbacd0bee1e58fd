#!/usr/bin/env bash
# run.sh — the benchmark suite, side by side in one run: ./build.sh bench
#
#   bash bench/run.sh BUILD_DIR
#
# Each program (tests/programs/bench_*.py: the million-append loop at module
# level and inside a function, fib(22), a stdlib-heavy script, 2 GB allocated
# with a 200 MB peak) runs under plain python3.11, python3.11 under a C trace
# function that does nothing (bench/trace_floor.c: CPython's own cost of
# tracing, the floor under any recorder), heapreel record (full),
# heapreel record --detail alloc, python3.11 -X tracemalloc and heaptrack
# (PYTHONMALLOC=malloc), interleaved round by round (the order rotating), and
# each run's wall time, CPU time (user + system, every thread and waited-for
# child: bench/measure.py) and peak RSS are taken. Ratios are to plain python
# in the same round, median over the rounds: on a shared machine a neighbour
# slows a whole round alike, and a recorder's second thread shows up in wall
# time whenever the cores are busy, so the CPU ratio is the one to compare.
# Then the full traces' bytes per event, events and nanoseconds of CPU per
# recorded instruction, the alloc traces against heaptrack's, the analyzer on
# the largest trace, the bounded-work loop, and the budgets with PASS or FAIL.
# The output is Markdown: it drops into docs/performance.md as it is.
#
#   RUNS=N          rounds (default 3)
#   QUICK=1         one round, and no writer and codec micro-benchmarks
#   FULL_LIMIT=S    seconds a full recording may take before the program's full
#                   column is marked skipped (default 300)
#   TOOLS="..."     the columns, plain first (default: plain floor full alloc
#                   tracemalloc heaptrack); heaptrack missing: skipped, said so
#   ALLOC_BASE=D    another build directory: its `record --detail alloc` runs in
#                   the same rounds as column "alloc-base" (before/after)
#   BENCH_PROGRAMS="..."  names in tests/programs or paths of .py files
#                   (default: the five bench_* programs)
#   BOUNDED_SIZES="10 1000000"  container sizes of the bounded-work loop
#                   (bench/bounded.py), smallest first; BOUNDED_REPS=20000
#                   iterations; BOUNDED_SIZES= (empty) leaves it out;
#                   BOUNDED_OPS="list_item dict_set_del ...": those operations
#                   each alone (default "all": every operation bounded.py has);
#                   BOUNDED_OPS= (empty): the mixed loop instead, in wall time
#   BENCH_KEEP=DIR  copy the last round's traces there (PROG.TOOL.heapreel),
#                   as recorded, before the analyzer adds its keyframes
set -uo pipefail
usage="usage: bench/run.sh BUILD_DIR"
[ $# = 1 ] || { echo "$usage" >&2; exit 2; }
build=$(cd "$1" 2>/dev/null && pwd) || { echo "bench/run.sh: cannot open build directory '$1'" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/lib.sh"
quick=${QUICK:-0}
runs=${RUNS:-3}
[ "$quick" = 1 ] && runs=1
full_limit=${FULL_LIMIT:-300}
py=$bench_py
rec=$build/heapreel-record
hr=$build/heapreel
for f in "$rec" "$hr"; do
  [ -x "$f" ] || { echo "bench/run.sh: no $(basename "$f") in '$build'" >&2; exit 2; }
done
case $runs in ''|*[!0-9]*|0) echo "bench/run.sh: RUNS must be a positive number, not '$runs'" >&2; exit 2 ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

read -r -a tools <<<"${TOOLS:-plain floor full alloc tracemalloc heaptrack}"
[ "${tools[0]:-}" = plain ] || { echo "bench/run.sh: TOOLS must start with plain" >&2; exit 2; }
for t in "${tools[@]}"; do
  case $t in plain|floor|full|alloc|tracemalloc|heaptrack) ;;
    *) echo "bench/run.sh: unknown tool '$t' in TOOLS (plain floor full alloc tracemalloc heaptrack)" >&2; exit 2 ;;
  esac
done
base=${ALLOC_BASE:-}
if [ -n "$base" ]; then  # its column right after alloc's
  [ -x "$base/heapreel-record" ] || { echo "bench/run.sh: no heapreel-record in ALLOC_BASE '$base'" >&2; exit 2; }
  with_base=()
  for t in "${tools[@]}"; do with_base+=("$t"); [ "$t" = alloc ] && with_base+=(alloc-base); done
  tools=("${with_base[@]}")
fi
have_heaptrack=1
if ! command -v heaptrack >/dev/null; then
  have_heaptrack=0
  [[ " ${tools[*]} " = *" heaptrack "* ]] &&
    echo "bench/run.sh: SKIP heaptrack: not installed (apt-get install heaptrack); its column says so" >&2
fi

# Programs: names in tests/programs, or paths of .py files.
declare -A SCRIPT
programs=()
for p in ${BENCH_PROGRAMS:-bench_append bench_append_fn bench_fib bench_stdlib bench_churn}; do
  case $p in
    */*|*.py) s=$p ;;
    *) s=$root/tests/programs/$p.py ;;
  esac
  [ -f "$s" ] || { echo "bench/run.sh: no benchmark program '$s'" >&2; exit 2; }
  name=$(basename "${p%.py}")
  programs+=("$name")
  SCRIPT[$name]=$(cd "$(dirname "$s")" && pwd)/$(basename "$s")
done

# The command that reproduces this run, for the header.
command="bash bench/run.sh $1"
for v in BENCH_KEEP BOUNDED_OPS BOUNDED_REPS BOUNDED_SIZES BENCH_PROGRAMS TOOLS ALLOC_BASE FULL_LIMIT QUICK RUNS; do
  [ -n "${!v+x}" ] && command="$v=\"${!v}\" $command"
done
echo "## Benchmarks"
echo
machine_header "$command" "$build"
echo

if [ "$quick" != 1 ]; then
  echo "### Trace writer alone: 50 M synthetic events"
  echo
  echo '```'
  "$build/bench/bench_writer" 50000000 "$work/writer.heapreel"
  rm -f "$work/writer.heapreel"
  echo '```'
  echo
  echo "### Chunk codec"
  echo
  echo '```'
  "$build/bench/bench_codec"
  echo '```'
  echo
fi

# command_of TOOL PROG: the command line of one run (in ${cmd[@]}).
command_of() {
  local tool=$1 prog=$2 script=${SCRIPT[$2]}
  case $tool in
    plain) cmd=("$py" "$script") ;;
    floor) cmd=("$py" "$root/bench/trace_floor_run.py" "$build/bench" "$script") ;;
    full) cmd=("$rec" -o "$work/$prog.full.heapreel" "$script") ;;
    alloc) cmd=("$rec" --detail alloc -o "$work/$prog.alloc.heapreel" "$script") ;;
    alloc-base) cmd=("$base/heapreel-record" --detail alloc -o "$work/$prog.alloc-base.heapreel" "$script") ;;
    tracemalloc) cmd=("$py" -X tracemalloc "$script") ;;
    heaptrack) cmd=(env PYTHONMALLOC=malloc heaptrack -o "$work/$prog.heaptrack" "$py" "$script") ;;
  esac
}

# W, C, R: wall seconds, CPU seconds, peak RSS kB of PROG.TOOL.ROUND;
# ST[PROG.TOOL]: na (not installed), skip (over FULL_LIMIT) or fail.
declare -A W C R ST
nt=${#tools[@]}
for prog in "${programs[@]}"; do
  for tool in "${tools[@]}"; do
    [ "$tool" = heaptrack ] && [ $have_heaptrack = 0 ] && ST[$prog.$tool]=na
  done
  for i in $(seq "$runs"); do
    for k in $(seq 0 $((nt - 1))); do
      # The order rotates, so that no tool always runs right after another
      # (a recording's file still being flushed, a warm cache).
      tool=${tools[$(((k + i - 1) % nt))]}
      [ -n "${ST[$prog.$tool]:-}" ] && continue
      command_of "$tool" "$prog"
      rm -f "$work/$prog.$tool".*
      limit=0
      [ "$tool" = full ] && limit=$full_limit
      read -r wall cpu rss status <<<"$(measure "$limit" "${cmd[@]}")"
      case $status in
        0) W[$prog.$tool.$i]=$wall C[$prog.$tool.$i]=$cpu R[$prog.$tool.$i]=$rss ;;
        timeout) ST[$prog.$tool]=skip ;;
        *) ST[$prog.$tool]=fail
           echo "bench/run.sh: $tool on $prog failed (status ${status:-?}): $(tail -c 300 "$work/stderr")" >&2 ;;
      esac
    done
  done
  # The last round's traces stay for the size tables.
  for f in "$work/$prog".*; do [ -e "$f" ] && mv "$f" "$work/keep.${f##*/}"; done
done
if [ -n "${BENCH_KEEP:-}" ]; then
  mkdir -p "$BENCH_KEEP" || exit 1
  for f in "$work"/keep.*; do [ -e "$f" ] && cp "$f" "$BENCH_KEEP/${f##*/keep.}"; done
fi

# stats PROG TOOL: medians over the rounds (mwall mcpu mrss) and medians of
# the per-round ratios to plain (rwall rcpu rrss).
stats() {
  local prog=$1 tool=$2 i
  mwall=$(for i in $(seq "$runs"); do echo "${W[$prog.$tool.$i]:-}"; done | grep . | median)
  mcpu=$(for i in $(seq "$runs"); do echo "${C[$prog.$tool.$i]:-}"; done | grep . | median)
  mrss=$(for i in $(seq "$runs"); do echo "${R[$prog.$tool.$i]:-}"; done | grep . | median)
  ratio() {  # ARRAY-NAME: the median of the paired ratios
    local -n a=$1
    for i in $(seq "$runs"); do
      [ -n "${a[$prog.$tool.$i]:-}" ] && [ -n "${a[$prog.plain.$i]:-}" ] &&
        calc "${a[$prog.$tool.$i]} / ${a[$prog.plain.$i]}"
    done | median
  }
  rwall=$(ratio W) rcpu=$(ratio C) rrss=$(ratio R)
}
# status_text PROG TOOL: why a cell has no figures, or nothing.
status_text() {
  case ${ST[$1.$2]:-} in
    na) echo "not installed" ;;
    skip) echo "skipped (>${full_limit} s)" ;;
    fail) echo "failed" ;;
  esac
}

echo "### Recording: time and memory, ratios to plain python3.11 in the same round"
echo
echo "Median of $runs round(s); CPU is user + system of every thread and child."
echo
echo "| program | tool | CPU s | CPU ratio | wall s | wall ratio | peak RSS MB | RSS ratio |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
declare -A CPU_RATIO CPU_MED
for prog in "${programs[@]}"; do
  for tool in "${tools[@]}"; do
    why=$(status_text "$prog" "$tool")
    if [ -n "$why" ]; then
      printf "| %s | %s | %s | | | | | |\n" "$prog" "$tool" "$why"
      continue
    fi
    stats "$prog" "$tool"
    CPU_MED[$prog.$tool]=$mcpu CPU_RATIO[$prog.$tool]=$rcpu
    if [ "$tool" = plain ]; then
      printf "| %s | %s | %.3f | | %.3f | | %.1f | |\n" "$prog" "$tool" "$mcpu" "$mwall" "$(calc "$mrss / 1024")"
    else
      printf "| %s | %s | %.3f | %.2fx | %.3f | %.2fx | %.1f | %.2fx |\n" "$prog" "$tool" \
        "$mcpu" "$rcpu" "$mwall" "$rwall" "$(calc "$mrss / 1024")" "$rrss"
    fi
  done
done
echo
echo "CPU ratios at a glance:"
echo
printf "| program | plain CPU s |"
for tool in "${tools[@]:1}"; do printf " %s |" "$tool"; done
echo
printf "|---|---:|"
for tool in "${tools[@]:1}"; do printf -- "---:|"; done
echo
for prog in "${programs[@]}"; do
  printf "| %s | %s |" "$prog" "$(printf '%.3f' "${CPU_MED[$prog.plain]:-nan}")"
  for tool in "${tools[@]:1}"; do
    why=$(status_text "$prog" "$tool")
    if [ -n "$why" ]; then printf " %s |" "$why"; else printf " %.2fx |" "${CPU_RATIO[$prog.$tool]}"; fi
  done
  echo
done
echo

# summary_of TRACE: "events steps objects" of a trace, from `heapreel summary --json`.
summary_of() {
  "$hr" summary --json "$1" 2>/dev/null | "$py" -c '
import json, sys
j = json.load(sys.stdin)
print(j["events"], j["steps"], j.get("objects_allocated", 0))' 2>/dev/null || echo "0 0 0"
}

declare -A BPE NS_ADDED
largest= largest_size=0
if [[ " ${tools[*]} " = *" full "* ]]; then
  echo "### Full traces (the last round's)"
  echo
  echo "Instructions are the trace's step events. ns/instr: the recorded run's CPU"
  echo "over its instructions, and what recording added to plain python's CPU over them;"
  echo "of which CPython's tracing: what the no-op C trace function (floor) added."
  echo
  echo "| program | bytes | events | instructions | bytes/event | events/instr | ns CPU/instr | ns CPU/instr added | of which CPython's tracing |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for prog in "${programs[@]}"; do
    f=$work/keep.$prog.full.heapreel
    if [ -n "$(status_text "$prog" full)" ] || [ ! -f "$f" ]; then
      why=$(status_text "$prog" full)
      printf "| %s | %s | | | | | | | |\n" "$prog" "${why:-no trace}"
      continue
    fi
    s=$(stat -c %s "$f")
    read -r e steps objs <<<"$(summary_of "$f")"
    [ "$s" -gt "$largest_size" ] && largest=$f largest_size=$s
    BPE[$prog]=$(calc "$s / ($e ? $e : 1)")
    ns_total=$(calc "${CPU_MED[$prog.full]} / ($steps ? $steps : 1) * 1e9")
    NS_ADDED[$prog]=$(calc "(${CPU_MED[$prog.full]} - ${CPU_MED[$prog.plain]}) / ($steps ? $steps : 1) * 1e9")
    floor_ns=
    [ -n "${CPU_MED[$prog.floor]:-}" ] &&
      floor_ns=$(calc "(${CPU_MED[$prog.floor]} - ${CPU_MED[$prog.plain]}) / ($steps ? $steps : 1) * 1e9" | xargs printf %.0f)
    printf "| %s | %d | %d | %d | %.3f | %.2f | %.0f | %.0f | %s |\n" "$prog" "$s" "$e" "$steps" \
      "${BPE[$prog]}" "$(calc "$e / ($steps ? $steps : 1)")" "$ns_total" "${NS_ADDED[$prog]}" "$floor_ns"
  done
  echo
fi

if [[ " ${tools[*]} " = *" alloc"* ]]; then
  echo "### Alloc traces against heaptrack's file"
  echo
  echo "| program | trace | bytes | events | allocations | bytes/alloc | bytes vs heaptrack |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  for prog in "${programs[@]}"; do
    # heaptrack's file first: each alloc trace of the program is compared with it.
    hf=$(ls "$work/keep.$prog.heaptrack"* 2>/dev/null | head -1)
    hs=0 ha=0
    if [ -n "$hf" ]; then
      hs=$(stat -c %s "$hf")
      ha=$( (zstdcat "$hf" 2>/dev/null || zcat "$hf" 2>/dev/null) | grep -c '^+')
    fi
    for kind in alloc alloc-base; do
      f=$work/keep.$prog.$kind.heapreel
      [ -f "$f" ] || continue
      s=$(stat -c %s "$f")
      read -r e steps a <<<"$(summary_of "$f")"
      vs=-
      [ "$hs" -gt 0 ] && vs=$(calc "$s / $hs" | awk '{printf "%.2fx", $1}')
      printf "| %s | %s | %d | %d | %d | %.3f | %s |\n" "$prog" "$kind" "$s" "$e" "$a" \
        "$(calc "$s / ($a ? $a : 1)")" "$vs"
      [ -z "$largest" ] && [ "$kind" = alloc ] && [ "$s" -gt "$largest_size" ] && largest=$f largest_size=$s
    done
    [ "$hs" -gt 0 ] && printf "| %s | heaptrack | %d | | %d | %.3f | 1.00x |\n" "$prog" "$hs" "$ha" \
      "$(calc "$hs / ($ha ? $ha : 1)")"
  done
  echo
  echo "heapreel's allocations are the Python objects the program made while"
  echo "recording; heaptrack's, every malloc under PYTHONMALLOC=malloc with the"
  echo "interpreter's start-up (its '+' records). The same program makes the same"
  echo "allocations, so 'bytes vs heaptrack' is the per-allocation comparison."
  echo
fi

# analyze LABEL ARGS...: one run of heapreel ARGS, a table row of CPU and wall
# seconds; sets an_cpu.
analyze() {
  local label=$1 wall cpu rss status; shift
  read -r wall cpu rss status <<<"$(measure 0 "$hr" "$@")"
  [ "$status" = 0 ] || echo "bench/run.sh: heapreel $1 failed (status $status): $(tail -c 300 "$work/stderr")" >&2
  an_cpu=$cpu
  printf "| %s | %.3f | %.3f |\n" "$label" "$cpu" "$wall"
}
declare -A AN
if [ -n "$largest" ]; then
  read -r e steps objs <<<"$(summary_of "$largest")"
  echo "### The analyzer on the largest trace: ${largest##*/keep.}"
  echo
  echo "$largest_size bytes, $e events, $steps steps; each command once. bench/bench_analyzer.sh"
  echo "times every command on the million-append trace, median of its runs."
  echo
  echo "| command | CPU s | wall s |"
  echo "|---|---:|---:|"
  analyze summary summary "$largest"
  if [ "$steps" -gt 0 ]; then at=(--step $((steps / 2 > 0 ? steps / 2 : 1))); else at=(--mark end); fi
  analyze "first \`state ${at[*]}\` (builds the keyframes)" state "${at[@]}" "$largest"
  AN[first]=$an_cpu
  size_kf=$(stat -c %s "$largest")
  analyze "second \`state ${at[*]}\`" state "${at[@]}" "$largest"
  AN[second]=$an_cpu
  # An object from the middle of the run (ids count up from 1).
  id=$(((objs + 1) / 2 > 0 ? (objs + 1) / 2 : 1))
  analyze "\`sql 'SELECT 1'\` (opening the trace)" sql "$largest" "SELECT 1"
  # state reads frames only: no objects index is kept yet (sql keeps none);
  # history reads objects, and keeps their index.
  analyze "\`SELECT * FROM objects WHERE id = $id\` (no objects index kept)" sql "$largest" "SELECT * FROM objects WHERE id = $id"
  analyze "first \`history $id\` (keeps the objects index)" history "$largest" "$id"
  analyze "first \`SELECT * FROM objects WHERE id = $id\` after" sql "$largest" "SELECT * FROM objects WHERE id = $id"
  analyze "\`SELECT * FROM objects WHERE id = $id\` again" sql "$largest" "SELECT * FROM objects WHERE id = $id"
  AN[lookup]=$an_cpu
  analyze leaks leaks "$largest"
  analyze cycles cycles "$largest"
  analyze peak peak "$largest"
  size_end=$(stat -c %s "$largest")
  echo
  printf "File size: %d bytes as recorded, %d after the first state (%+.1f %%), %d at the end.\n" \
    "$largest_size" "$size_kf" "$(calc "($size_kf - $largest_size) * 100 / $largest_size")" "$size_end"
  echo
fi

# Per-instruction work bounded by what the instruction touches: the same
# work over containers of each size, recorded and plain. bench/bounded.py
# prints nanoseconds per iteration of its mixed loop, or "OP ns" per
# operation for the operations named in BOUNDED_OPS (where it knows them).
read -r -a sizes <<<"${BOUNDED_SIZES-10 1000000}"
reps=${BOUNDED_REPS:-20000}
read -r -a bops <<<"${BOUNDED_OPS-all}"
declare -A BOUNDED_RATIO  # OP: recorded ns at the biggest size over the smallest
bounded_order=()
if [ ${#sizes[@]} -ge 2 ]; then
  echo "### Recording cost by container size (bench/bounded.py)"
  echo
  # bounded_run TAG N RUNNER...: one run, its "OP ns" lines added to
  # $work/bd.TAG.N ("loop" for the mixed loop's one figure).
  bounded_run() {
    local tag=$1 n=$2; shift 2
    "$@" "$root/bench/bounded.py" "$n" "$reps" "${bops[@]}" 2>>"$work/bounded.err" |
      awk 'NF == 1 {print "loop", $1} NF == 2' >>"$work/bd.$tag.$n"
  }
  # bounded_median TAG N OP: the median ns of OP.
  bounded_median() { awk -v op="$3" '$1 == op {print $2}' "$work/bd.$1.$2" | median; }
  for n in "${sizes[@]}"; do : >"$work/bd.rec.$n"; : >"$work/bd.plain.$n"; done
  # Every size in each round, so that a neighbour's burst of load weighs on
  # the small and the big container alike rather than on one size's runs.
  for i in $(seq "$runs"); do
    for n in "${sizes[@]}"; do
      bounded_run rec "$n" "$rec" -o "$work/bounded.heapreel"
      bounded_run plain "$n" "$py"
    done
  done
  small=${sizes[0]} big=${sizes[${#sizes[@]} - 1]}
  mapfile -t bounded_order < <(awk '!seen[$1]++ {print $1}' "$work/bd.rec.$small")
  if [ ${#bounded_order[@]} = 0 ]; then
    echo "bench/run.sh: bench/bounded.py printed nothing: $(tail -c 300 "$work/bounded.err")" >&2
  fi
  echo "Nanoseconds per iteration (the mixed loop) or per operation, median of $runs"
  echo "run(s) of $reps; plain python in the same run (its own loop slows over big"
  echo "containers too: cache misses, which the recorder shares)."
  echo
  printf "| work |"
  for n in "${sizes[@]}"; do printf " recorded, %s |" "$n"; done
  printf " recorded ratio |"
  for n in "${sizes[@]}"; do printf " plain, %s |" "$n"; done
  echo " plain ratio |"
  printf "|---|"
  for n in "${sizes[@]}" x "${sizes[@]}" x; do printf -- "---:|"; done
  echo
  for op in "${bounded_order[@]}"; do
    printf "| %s |" "$op"
    for n in "${sizes[@]}"; do printf " %s |" "$(bounded_median rec "$n" "$op")"; done
    BOUNDED_RATIO[$op]=$(calc "$(bounded_median rec "$big" "$op") / $(bounded_median rec "$small" "$op")")
    printf " %.2fx |" "${BOUNDED_RATIO[$op]}"
    for n in "${sizes[@]}"; do printf " %s |" "$(bounded_median plain "$n" "$op")"; done
    printf " %.2fx |\n" "$(calc "$(bounded_median plain "$big" "$op") / $(bounded_median plain "$small" "$op")")"
  done
  echo
fi

# The budgets of full recording: CPU ratio to plain in the same round, CPU
# per recorded instruction, trace bytes per event, bounded work.
verdict() {  # VALUE OP LIMIT: PASS or FAIL
  awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
    ok = (op == "<=") ? v <= l : v < l; print ok ? "PASS" : "FAIL" }'
}
budget_row() {  # BUDGET PROG VALUE-OR-EMPTY FORMAT OP LIMIT WHY-MISSING
  local what=$1 prog=$2 v=$3 fmt=$4 op=$5 limit=$6 why=$7
  if [ -z "$v" ] || [ "$v" = nan ]; then
    printf "| %s | %s | %s | SKIP |\n" "$what" "$prog" "${why:-not measured}"
  else
    printf "| %s | %s | $fmt | %s |\n" "$what" "$prog" "$v" "$(verdict "$v" "$op" "$limit")"
  fi
}
if [[ " ${tools[*]} " = *" full "* ]]; then
  echo "### Budgets of full recording"
  echo
  echo "| budget | program | measured | verdict |"
  echo "|---|---|---:|---|"
  for prog in "${programs[@]}"; do
    case $prog in
      bench_fib|bench_stdlib|bench_churn) limit=10 ;;
      bench_append|bench_append_fn) limit=20 ;;
      *) continue ;;
    esac
    budget_row "CPU ratio to plain <= ${limit}x" "$prog" "${CPU_RATIO[$prog.full]:-}" "%.2fx" "<=" "$limit" \
      "$(status_text "$prog" full)"
  done
  for prog in "${programs[@]}"; do
    budget_row "ns CPU added per instruction <= 150" "$prog" "${NS_ADDED[$prog]:-}" "%.0f" "<=" 150 \
      "$(status_text "$prog" full)"
  done
  for prog in "${programs[@]}"; do
    budget_row "bytes per event < 1.0" "$prog" "${BPE[$prog]:-}" "%.3f" "<" 1.0 "$(status_text "$prog" full)"
  done
  for op in "${bounded_order[@]}"; do
    budget_row "bounded work: $big / $small elements <= 1.5x" "$op" "${BOUNDED_RATIO[$op]}" "%.2fx" "<=" 1.5 ""
  done
  [ ${#bounded_order[@]} = 0 ] && budget_row "bounded work <= 1.5x" bench/bounded.py "" "" "" "" "not measured"
  echo
fi
echo "Load average at the end: $(load_average)."
