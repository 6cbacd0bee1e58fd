#!/usr/bin/env bash
# bench_run.sh — bench/run.sh (./build.sh bench) keeps working and reports
# what it says: on one small program, one round (QUICK=1), every tool's CPU
# and wall seconds with their ratios to plain python, the full trace's bytes
# per event and instructions (the step events of the trace, which BENCH_KEEP
# keeps, counted here in SQL), the analyzer's timings, the bounded-work loop and
# the budget lines, each verdict agreeing with its figure. A few seconds:
# the benchmarks themselves are never part of the tests.
. "$(dirname "$0")/../tools/test_env.sh" && test_env bench_run

cat >"$TMP/tiny.py" <<'PY'
def build(n):
    rows = []
    for i in range(n):
        rows.append([i] * 3)
    return rows


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


print(len(build(2000)), fib(12))
PY

bench() { QUICK=1 BENCH_PROGRAMS="$TMP/tiny.py" BOUNDED_SIZES="10 100" BOUNDED_OPS= BOUNDED_REPS=50 BENCH_KEEP=$TMP/kept \
            timeout 300 bash "$SRC/bench/run.sh" "$BUILD" "$@"; }
bench >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc = 0 ] || { echo "FAIL: bench/run.sh exited $rc: $(tail -c 500 "$TMP/err")" >&2; exit 1; }
out=$TMP/out
num='[0-9]+(\.[0-9]+)?'

# The header says when, where and how.
for key in date machine build command; do
  grep -q "^- $key: ." "$out" || fail "no '$key' line in the header"
done
grep -q "^- machine: $(nproc) cores" "$out" || fail "the header does not give the number of cores"

# One row per tool: CPU s, CPU ratio, wall s, wall ratio, RSS MB, RSS ratio.
grep -Eq "^\| tiny \| plain \| $num \| \| $num \| \| $num \| \|$" "$out" || fail "no plain row"
for tool in floor full alloc tracemalloc; do
  grep -Eq "^\| tiny \| $tool \| $num \| ${num}x \| $num \| ${num}x \| $num \| ${num}x \|$" "$out" \
    || fail "no figures for $tool: $(grep "| tiny | $tool |" "$out")"
done
if command -v heaptrack >/dev/null; then
  grep -Eq "^\| tiny \| heaptrack \| $num \| ${num}x " "$out" || fail "no figures for heaptrack"
else
  echo "SKIP: heaptrack is not installed: checking that bench/run.sh says so"
  grep -q "| tiny | heaptrack | not installed |" "$out" || fail "no 'not installed' for heaptrack"
  grep -q "SKIP heaptrack" "$TMP/err" || fail "heaptrack's absence not said on stderr"
fi
# The CPU ratio is the tool's CPU over plain's (one round: no median to
# blur it), within the rounding of the printed seconds.
awk -F' *\\| *' '$2 == "tiny" && $3 == "plain" {p = $4}
  $2 == "tiny" && $3 == "full" {c = $4; r = $5 + 0}
  END {tol = r * (0.0005 / c + 0.0005 / p) + 0.005
       exit !(p > 0 && r > 0 && r - c / p <= tol && c / p - r <= tol)}' "$out" \
  || fail "full's CPU ratio is not its CPU over plain's: $(grep -E '^\| tiny \| (plain|full) ' "$out")"

# The full trace (kept by BENCH_KEEP, as recorded): instructions are its step
# events, events all its events, bytes its size.
trace=$TMP/kept/tiny.full.heapreel
[ -f "$trace" ] || { echo "FAIL: BENCH_KEEP kept no full trace: $(ls "$TMP/kept")" >&2; exit 1; }
steps=$("$HEAPREEL" sql "$trace" "SELECT count(*) FROM events WHERE kind = 'step'" | tail -1 | tr -d ' ')
events=$("$HEAPREEL" sql "$trace" "SELECT count(*) FROM events" | tail -1 | tr -d ' ')
row=$(grep -E "^\| tiny \| [0-9]+ \| [0-9]+ \| [0-9]+ \| $num \| $num \| -?[0-9]+ \| -?[0-9]+ \| -?[0-9]+ \|$" "$out")
[ -n "$row" ] || fail "no full-trace row"
IFS='|' read -r _ _ bytes ev instr bpe epi _ _ floor_ns _ <<<"$row"
# CPython's own tracing per instruction: floor's CPU less plain's, over them.
awk -F' *\\| *' -v s="$instr" -v f="$floor_ns" '$2 == "tiny" && $3 == "plain" {p = $4}
  $2 == "tiny" && $3 == "floor" {c = $4}
  END {want = (c - p) / s * 1e9; tol = 0.0011 / s * 1e9 + 1
       exit !(c > 0 && f - want <= tol && want - f <= tol)}' "$out" \
  || fail "the floor's ns per instruction $floor_ns is not its CPU over plain's per instruction"
[ "$((instr))" = "$steps" ] || fail "instructions $instr, but the trace has $steps step events"
[ "$((ev))" = "$events" ] || fail "events $ev, but the trace has $events"
[ "$((bytes))" = "$(stat -c %s "$trace")" ] || fail "bytes $bytes, but the trace has $(stat -c %s "$trace")"
awk -v b="$bytes" -v e="$ev" -v r="$bpe" 'BEGIN {exit !(r - b / e < 0.001 && b / e - r < 0.001)}' \
  || fail "bytes/event $bpe is not $bytes / $ev"
awk -v s="$instr" -v e="$ev" -v r="$epi" 'BEGIN {exit !(r - e / s < 0.01 && e / s - r < 0.01)}' \
  || fail "events/instr $epi is not $ev / $instr"
for kind in alloc; do
  [ -f "$TMP/kept/tiny.$kind.heapreel" ] || fail "BENCH_KEEP kept no $kind trace"
done

# The analyzer and the bounded-work loop.
for label in summary "first \`state" "second \`state" "first \`SELECT \* FROM objects WHERE id" leaks cycles peak; do
  grep -Eq "^\| $label.* \| $num \| $num \|$" "$out" || fail "no analyzer timing for '$label'"
done
grep -Eq "^File size: [0-9]+ bytes as recorded, [0-9]+ after the first state" "$out" || fail "no file sizes"
grep -Eq "^\| loop \| [0-9]+ \| [0-9]+ \| ${num}x \| [0-9]+ \| [0-9]+ \| ${num}x \|$" "$out" \
  || fail "no bounded-work row"

# Budgets: each with its figure and a verdict that agrees with it.
grep -Eq "^\| ns CPU added per instruction <= 150 \| tiny \| -?[0-9]+ \| (PASS|FAIL) \|$" "$out" \
  || fail "no per-instruction budget"
grep -Eq "^\| bytes per event < 1.0 \| tiny \| $num \| (PASS|FAIL) \|$" "$out" || fail "no bytes-per-event budget"
grep -Eq "^\| bounded work: 100 / 10 elements <= 1.5x \| loop \| ${num}x \| (PASS|FAIL) \|$" "$out" \
  || fail "no bounded-work budget"
awk -F' *\\| *' '$2 ~ /^bytes per event/ && (($4 < 1.0) != ($5 == "PASS")) {bad = 1}
  $2 ~ /^ns CPU added/ && (($4 <= 150) != ($5 == "PASS")) {bad = 1}
  $2 ~ /^bounded work/ && (($4 + 0 <= 1.5) != ($5 == "PASS")) {bad = 1}
  END {exit bad}' "$out" || fail "a budget's verdict disagrees with its figure"
missing='(^|[ |])-?nan([ |x]|$)|\| failed \|'
grep -Eq "$missing" "$out" && fail "a figure is missing: $(grep -E "$missing" "$out" | head -3)"

# Bad options: one line, status 2.
QUICK=1 BENCH_PROGRAMS="$TMP/none.py" bash "$SRC/bench/run.sh" "$BUILD" >/dev/null 2>"$TMP/err2"
[ $? = 2 ] && [ "$(wc -l <"$TMP/err2")" = 1 ] || fail "a missing program: $(cat "$TMP/err2")"
TOOLS="full plain" bash "$SRC/bench/run.sh" "$BUILD" >/dev/null 2>"$TMP/err3"
[ $? = 2 ] || fail "TOOLS not starting with plain accepted"

if [ "$failures" = 0 ]; then
  ok "bench/run.sh reports CPU, ratios, per-instruction figures and budgets"
  exit 0
fi
echo "bench_run.sh: $failures failed; its output:" >&2
cat "$out" >&2
exit 1
