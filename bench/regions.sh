#!/usr/bin/env bash
# regions.sh — the regions demo on a big real program: CPU time (user +
# system) of bench/regions_pygments.py under plain python3.11, `record
# --detail alloc`, `record --all-frames --start-paused` (one call in full)
# and `record --all-frames` (everything in full), median of RUNS runs (3),
# as ratios to plain; then the fidelity check of the region's state at the
# mark "inside" against the FACTS line the program printed.
#   bench/regions.sh BUILD_DIR
set -uo pipefail
build=${1:?usage: bench/regions.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
py=/usr/bin/python3.11
prog=$root/bench/regions_pygments.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" -c 'import pygments' 2>/dev/null || { echo "SKIP: no pygments for python3.11 (apt-get install python3-pygments)"; exit 0; }

cpu() {  # cpu NAME CMD...: user+system seconds of one run, output in $work/NAME.out
  local name=$1; shift
  /usr/bin/time -f '%U %S' -o "$work/time" "$@" >"$work/$name.out" 2>"$work/$name.err" \
    || { echo "FAIL: $name: $(tail -c 300 "$work/$name.err")" >&2; return 1; }
  awk '{printf "%.3f\n", $1 + $2}' "$work/time"
}
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

declare -A med
for mode in plain alloc region full; do
  for ((i = 0; i < runs; i++)); do
    case $mode in
      plain)  PYTHONPATH=$root/python cpu plain "$py" "$prog" ;;
      alloc)  cpu alloc "$build/heapreel-record" --detail alloc -o "$work/alloc.heapreel" "$prog" ;;
      region) cpu region "$build/heapreel-record" --all-frames --start-paused -o "$work/region.heapreel" "$prog" ;;
      full)   cpu full "$build/heapreel-record" --all-frames -o "$work/full.heapreel" "$prog" ;;
    esac
  done | median >"$work/$mode.med"
  med[$mode]=$(cat "$work/$mode.med")
done
printf '%-34s %8s %7s %10s\n' mode "cpu (s)" ratio "trace"
for mode in plain alloc region full; do
  size=-
  [ -f "$work/$mode.heapreel" ] && size=$(stat -c %s "$work/$mode.heapreel")
  label=$(case $mode in plain) echo "python3.11";; alloc) echo "record --detail alloc";;
          region) echo "record --all-frames --start-paused";; full) echo "record --all-frames";; esac)
  awk -v m="${med[$mode]}" -v p="${med[plain]}" -v l="$label" -v s="$size" \
    'BEGIN {printf "%-34s %8.3f %6.1fx %10s\n", l, m, m / p, s}'
done
"$build/heapreel" steps "$work/region.heapreel" | wc -l | awk '{print "region steps:", $1}'
"$build/heapreel" state --mark inside --json "$work/region.heapreel" >"$work/state.json" || exit 1
"$py" - "$work/state.json" "$work/region.out" <<'PYEOF'
import json, sys
state = json.load(open(sys.argv[1]))
facts = next(json.loads(l.split(" ", 1)[1]) for l in open(sys.argv[2]) if l.startswith("FACTS "))
objs = {o["id"]: o for o in state["objects"]}
frame = next(f for f in state["frames"] if f["function"] == "tokenize" and f["on_stack"])
slots = {s["name"]: s.get("object") for s in frame["slots"]}
bad = 0
for name, want in facts.items():
    o = objs.get(slots.get(name))
    got = o and [o["address"], o["type"], o["size"], o["refcount"]]
    print(f"{name:7} program {want}  state {got}  {'ok' if got == want else 'DIFFERENT'}")
    bad += got != want
print("frames on the stack:", [f["function"] for f in state["frames"] if f["on_stack"]])
sys.exit(1 if bad else 0)
PYEOF
