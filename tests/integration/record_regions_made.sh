#!/bin/bash
# record_regions_made.sh — objects a region of a full recording finds but
# did not make are named with the stack the allocator hook saw them made
# with outside the regions: a list comprehension's list and its items made
# before the first region, a dict made in a function called between the
# regions, a tuple the free list would have handed out again, a function
# made by its def statement. history (text and --json) and state (text and
# --json) give that stack; an object made in an earlier region keeps its
# own alloc site; an object made before the recorder started has none.
. "$(dirname "$0")/../tools/test_env.sh" && test_env record_regions_made

prog=$PROGS/regions_full.py
pre_line=$(line_of regions_full.py '# PRE_LINE')
late_line=$(line_of regions_full.py '# LATE_LINE')
late_call=$(line_of regions_full.py '# LATE_CALL_LINE')
pair_line=$(line_of regions_full.py '# PAIR_LINE')
box_line=$(line_of regions_full.py '# BOX_LINE')
work_def=$(line_of regions_full.py '^def work')

"$RECORD" --start-paused -o "$TMP/t.heapreel" "$prog" >"$TMP/run.out" 2>"$TMP/run.err" \
  || fail "recording with --start-paused: $(tail -c 300 "$TMP/run.err")"
T=$TMP/t.heapreel

# made NAME POINT: history --json of what NAME referred to at POINT, as
# "preexisting|made stack as func:line,func:line" (- when none).
made() {
  "$HEAPREEL" history --json "$T" "$1@$2" >"$TMP/h.json" 2>"$TMP/h.err" || { echo "error: $(cat "$TMP/h.err")"; return; }
  "$PY" - "$TMP/h.json" "$prog" <<'PYEOF'
import json, sys
h = json.load(open(sys.argv[1]))
m = h["alloc"].get("made")
stack = ",".join("%s:%d" % (f["function"], f["line"]) for f in m if f["file"] == sys.argv[2]) if m else "-"
print("%s|%s" % (h["preexisting"], stack))
PYEOF
}

# The program's own lines (found by their markers) against the trace.
got=$(made pre check1)
[ "$got" = "True|<module>:$pre_line,<listcomp>:$pre_line" ] \
  && ok "a list made before the first region: made at its list comprehension's line" \
  || fail "pre: want True|<module>:$pre_line,<listcomp>:$pre_line, got $got"
got=$(made first check1)
[ "$got" = "True|<module>:$pre_line,<listcomp>:$pre_line" ] \
  && ok "an item of it (Node(i)): the same line" || fail "first: got $got"
got=$(made late check2)
[ "$got" = "True|<module>:$late_call,make_late:$late_line" ] \
  && ok "a dict made between the regions: the call and the line in make_late" \
  || fail "late: want True|<module>:$late_call,make_late:$late_line, got $got"
got=$(made pair check2)
[ "$got" = "True|<module>:$pair_line" ] \
  && ok "a tuple made between the regions (no stale free-list site)" \
  || fail "pair: want True|<module>:$pair_line, got $got"
got=$(made work check1)
[ "$got" = "True|<module>:$work_def" ] && ok "a function: its def statement" || fail "work: got $got"

# An object the first region made keeps its alloc site in the second: the
# box list, alive in r1 (the address the program printed at check1).
box_addr=$(grep '^FACTS check1 ' "$TMP/run.out" | "$PY" -c 'import json,sys; print(json.loads(sys.stdin.read().split(" ", 2)[2])["box"][0])')
box_id=$("$HEAPREEL" sql "$T" "SELECT id FROM objects WHERE address = $box_addr AND free_seq IS NULL AND NOT preexisting" | tail -1 | tr -d ' ')
run 0 history --json "$T" "$box_id"
json_check "a list the first region made: its alloc at its own line, nothing made outside" \
  'not j["preexisting"] and j["alloc"]["line"] == int(a[0]) and j["alloc"]["made"] is None' "$box_line"

# The text of history: the stack under "made".
run 0 history "$T" late@check2
grep -A2 '^made    outside the recorded regions$' "$TMP/out" | grep -q "^        called make_late  .*regions_full.py:$late_line$" \
  && ok "history prints where it was made" || fail "history text: $(head -c 400 "$TMP/out")"

# state: the innermost line in text, the stack in --json; an object made
# before the recorder started (the module sys) has none.
run 0 state --mark check2 "$TMP/t.heapreel"
grep -Eq "^  #[0-9]+ list  len 8 .*\(existed before, made at .*regions_full\.py:$pre_line, not expanded\)$" "$TMP/out" \
  && ok "state names the line an older object was made at" || fail "state text: $(grep 'len 8' "$TMP/out")"
grep -Eq "^  #[0-9]+ module  sys .*\(existed before, not expanded\)$" "$TMP/out" \
  && ok "state: an object older than the recording has no site" || fail "state sys: $(grep ' sys ' "$TMP/out")"
run 0 state --mark check2 --json "$T"
json_check "state --json: made for the older objects, null for the region's own" \
  '(lambda g, o: o[g["late"]]["made"][-1]["line"] == int(a[0]) and o[g["pair"]]["made"][-1]["line"] == int(a[1]) and all(x["made"] is None for x in j["objects"] if not x["preexisting"]))({s["name"]: s.get("object") for f in j["frames"] if f["function"] == "<module>" for s in f["slots"]}, {x["id"]: x for x in j["objects"]})' \
  "$late_line" "$pair_line"

# The site events name tracked objects only: leaks places what the regions
# made (the two box lists, their Node and dict, alive in r1 and r2) at their
# own line, not at the stack of the last site event.
run 0 leaks "$T"
[ "$(grep -c "allocated at .*regions_full\.py:$box_line in work$" "$TMP/out")" = 3 ] \
  && [ "$(grep -c "allocated at" "$TMP/out")" = 3 ] \
  && ok "leaks: the regions' objects at their own line" || fail "leaks sites: $(grep 'allocated at' "$TMP/out")"

# The trace says it the documented way: a site event right before the track.
run 0 sql "$T" "SELECT count(*) FROM events t JOIN events s ON s.seq = t.seq - 1 AND s.kind = 'site' WHERE t.kind = 'track'"
[ "$(tr -d ' ' <"$TMP/out" | tail -1)" -ge 5 ] && ok "site events right before track events" \
  || fail "site+track pairs: $(cat "$TMP/out")"
run 0 sql "$T" "SELECT count(*) FROM events s LEFT JOIN events t ON t.seq = s.seq + 1 WHERE s.kind = 'site' AND (t.kind IS NULL OR t.kind != 'track')"
[ "$(tr -d ' ' <"$TMP/out" | tail -1)" = 0 ] && ok "every site event is followed by a track event" \
  || fail "stray site events: $(cat "$TMP/out")"

# --stack-depth applies to these stacks too (meta stack_depth says it).
"$RECORD" --start-paused --stack-depth 1 -o "$TMP/d1.heapreel" "$prog" >/dev/null 2>"$TMP/run.err" \
  || fail "recording with --stack-depth 1: $(tail -c 300 "$TMP/run.err")"
T=$TMP/d1.heapreel
got=$(made pre check1)
[ "$got" = "True|<listcomp>:$pre_line" ] && ok "--stack-depth 1: the innermost frame only" || fail "depth 1: got $got"
run 0 sql "$T" "SELECT value FROM meta WHERE key = 'stack_depth'"
grep -qx 1 "$TMP/out" && ok "meta stack_depth" || fail "meta stack_depth: $(cat "$TMP/out")"

# The program's tracemalloc, started between two regions, hooks over the
# allocator hook that runs outside them: the next region's own allocations
# are still recorded (alloc events, not objects that "existed before"), and
# the program's tracemalloc still sees its own.
cat >"$TMP/tm.py" <<'PYEOF'
import heapreel, tracemalloc
heapreel.start(); a = [1]; heapreel.stop()
tracemalloc.start()
heapreel.start(); b = [[i] for i in range(100)]; heapreel.mark("in2"); heapreel.stop()
snap = tracemalloc.take_snapshot()
print("tracemalloc saw", sum(s.count for s in snap.statistics("lineno")) >= 100)
tracemalloc.stop()
heapreel.start(); c = [[i] for i in range(100)]; heapreel.mark("in3"); heapreel.stop()
PYEOF
"$RECORD" --start-paused -o "$TMP/tm.heapreel" "$TMP/tm.py" >"$TMP/tm.out" 2>"$TMP/run.err" \
  || fail "recording with tracemalloc between regions: $(tail -c 300 "$TMP/run.err")"
grep -qx "tracemalloc saw True" "$TMP/tm.out" && ok "the program's tracemalloc saw its allocations" \
  || fail "the program's tracemalloc: $(cat "$TMP/tm.out")"
# allocs_before LABEL: alloc events from the region's start to the mark LABEL.
allocs_before() {
  "$HEAPREEL" sql "$TMP/tm.heapreel" "SELECT count(*) FROM events WHERE kind = 'alloc' AND seq < (SELECT seq FROM markers WHERE label = '$1') AND seq > (SELECT max(seq) FROM markers WHERE label = 'start' AND seq < (SELECT seq FROM markers WHERE label = '$1'))" | tail -1 | tr -d ' '
}
n2=$(allocs_before in2)
[ "${n2:-0}" -ge 101 ] && ok "a region begun under the program's tracemalloc records its allocations ($n2)" \
  || fail "region under tracemalloc: $n2 alloc events, want at least 101"
n3=$(allocs_before in3)
[ "${n3:-0}" -ge 101 ] && ok "and the region after tracemalloc.stop() too ($n3)" \
  || fail "region after tracemalloc.stop(): $n3 alloc events, want at least 101"

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all record_regions_made checks passed"
