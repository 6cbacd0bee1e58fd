#!/bin/bash
# record_regions.sh — regions of a full recording (--start-paused with
# heapreel.start() / heapreel.stop(), and --start-at-mark): inside a region
# the state is what the program itself sees (ids, types, sizes, reference
# counts it prints), objects from before it are named with type and size;
# nothing outside a region is traced (no steps of code run there, the
# program's own sys.settrace sees what it sees under python3.11); several
# regions per run; the analyzer refuses a point outside every region with
# one line, and its listings say where the gaps are.
. "$(dirname "$0")/../tools/test_env.sh" && test_env record_regions

prog=$PROGS/regions_full.py
outline=$(line_of regions_full.py OUTSIDE_LINE)

# The program's own output under python3.11 (the heapreel shim's no-ops).
PYTHONPATH=$SRC/python "$PY" "$prog" >"$TMP/plain.out" 2>&1 || fail "plain run of regions_full.py"

# check_facts TRACE RUN_OUTPUT LABEL: the state at mark LABEL against the FACTS
# line the program printed there: each local's object at its id, of its
# type, of its sys.getsizeof size and with the references it counted.
check_facts() {
  local trace=$1 out=$2 label=$3
  run 0 state --mark "$label" --json "$trace"
  "$PY" - "$TMP/out" "$out" "$label" <<'PYEOF' && ok "$label: locals as the program sees them (id, type, size, refcount)" || fail "$label: state differs from the program's own facts"
import json, sys
state = json.load(open(sys.argv[1]))
facts = None
for line in open(sys.argv[2]):
    if line.startswith("FACTS " + sys.argv[3] + " "):
        facts = json.loads(line.split(" ", 2)[2])
assert facts, "no FACTS line"
objs = {o["id"]: o for o in state["objects"]}
work = [f for f in state["frames"] if f["function"] == "work" and f["on_stack"]]
assert len(work) == 1, [f["function"] for f in state["frames"]]
slots = {s["name"]: s.get("object") for s in work[0]["slots"]}
bad = 0
for name, (addr, tname, size, refs) in facts.items():
    o = objs.get(slots.get(name))
    got = o and [o["address"], o["type"], o["size"], o["refcount"]]
    if got != [addr, tname, size, refs]:
        print(name, "program:", [addr, tname, size, refs], "state:", got, file=sys.stderr)
        bad += 1
# What was made before the region is named as such; what it made is not.
pre = {n: objs[slots[n]]["preexisting"] for n in ("data", "first", "box")}
if pre != {"data": True, "first": True, "box": False}:
    print("preexisting:", pre, file=sys.stderr)
    bad += 1
sys.exit(1 if bad else 0)
PYEOF
}

# --- --start-paused: heapreel.start() / heapreel.stop(), twice -------------------
"$RECORD" --start-paused -o "$TMP/paused.heapreel" "$prog" >"$TMP/paused.out" 2>"$TMP/paused.err" \
  || fail "recording with --start-paused: $(tail -c 300 "$TMP/paused.err")"
diff <(grep -v '^FACTS' "$TMP/plain.out") <(grep -v '^FACTS' "$TMP/paused.out") >/dev/null \
  && ok "output as under python3.11, the program's own sys.settrace included" \
  || fail "output differs: $(diff <(grep -v '^FACTS' "$TMP/plain.out") <(grep -v '^FACTS' "$TMP/paused.out") | head -5)"
[ -s "$TMP/paused.err" ] && fail "stderr not empty: $(head -c 300 "$TMP/paused.err")"
check_facts "$TMP/paused.heapreel" "$TMP/paused.out" check1
check_facts "$TMP/paused.heapreel" "$TMP/paused.out" check2

run 0 sql "$TMP/paused.heapreel" "SELECT group_concat(label, ',') FROM (SELECT label FROM markers ORDER BY seq)"
grep -qx "go,start,check1,stop,between,start,check2,stop,end" "$TMP/out" \
  && ok "two regions, each between a start and a stop mark" || fail "marks: $(cat "$TMP/out")"
run 0 summary "$TMP/paused.heapreel"
grep -Eq "^regions +2 in full detail \(steps 1-[0-9]+, [0-9]+-[0-9]+\); the program ran untraced outside them$" "$TMP/out" \
  && ok "summary names the regions" || fail "summary: $(cat "$TMP/out")"
run 0 summary --json "$TMP/paused.heapreel"
json_check "summary --json: regions" 'len(j["regions"]) == 2 and j["regions"][0][0] == 1 and j["regions"][1][0] == j["regions"][0][1] + 1'
run 0 sql "$TMP/paused.heapreel" "SELECT value FROM meta WHERE key = 'regions'"
grep -qx 1 "$TMP/out" && ok "meta regions" || fail "meta regions: $(cat "$TMP/out")"

# Nothing outside: no step of outside_work (run before, between and after
# the regions), and no Node it made; the two the regions made are there.
run 0 steps --json "$TMP/paused.heapreel"
json_check "no step outside the regions" \
  'j["steps"] and not [s for s in j["steps"] if s["function"] == "outside_work" or s["line"] == int(a[0])]' "$outline"
json_check "the regions' own steps are there" \
  'sum(1 for s in j["steps"] if s["function"] == "work") > 20 and {s["function"] for s in j["steps"]} >= {"work", "counted", "fact", "Node.__init__"}'
run 0 sql "$TMP/paused.heapreel" "SELECT count(*) FROM events e JOIN types ty ON ty.id = e.type JOIN strings t ON t.id = ty.name WHERE e.kind = 'alloc' AND t.text = 'Node'"
grep -Eqx ' *2' "$TMP/out" && ok "only the regions' Node objects are born in the trace" || fail "Node allocs: $(cat "$TMP/out")"
run 0 steps "$TMP/paused.heapreel"
[ "$(grep -c -- '-- between regions' "$TMP/out")" = 1 ] && ok "steps: one line at the gap" \
  || fail "steps gap lines: $(grep -c -- '-- between regions' "$TMP/out")"

# A point outside every region: one line, exit 1, for state, render, history.
for p in between start end; do
  run 1 state --at "$p" "$TMP/paused.heapreel"
  one_line_error "'$p' is outside the recorded regions: .*2 regions: steps 1-[0-9]*, [0-9]*-[0-9]*)$" \
    && ok "state at '$p' (outside): says so"
done
run 1 diff --from check1 --to between "$TMP/paused.heapreel"
one_line_error "'between' is outside the recorded regions" && ok "diff to a mark outside: says so"
run 0 diff --from check1 --to check2 "$TMP/paused.heapreel"
ok "diff from one region into the next"
run 1 render "$TMP/paused.heapreel" --mark between -o "$TMP/between.svg"
one_line_error "outside the recorded regions" && [ ! -e "$TMP/between.svg" ] && ok "render at a mark outside: says so"
run 0 state --at mark:stop "$TMP/paused.heapreel"
grep -q "^  work " "$TMP/out" && ok "the state at a stop mark still shows the frames running" || fail "state at stop: $(head -c 300 "$TMP/out")"
pre_id=$("$HEAPREEL" state --mark check1 --json "$TMP/paused.heapreel" | "$PY" -c 'import json,sys; j=json.load(sys.stdin); print([s["object"] for f in j["frames"] if f["function"]=="work" for s in f["slots"] if s["name"]=="data"][0])')
run 0 history "$TMP/paused.heapreel" "$pre_id"
grep -q "^tracked" "$TMP/out" && grep -q -- "-- outside the recorded regions: not recorded --" "$TMP/out" \
  && ok "history of an object from before: tracked, the gaps said" || fail "history: $(head -c 400 "$TMP/out")"

# --- --start-at-mark go: the first region from that mark on -------------------------
"$RECORD" --start-at-mark go -o "$TMP/mark.heapreel" "$prog" >"$TMP/mark.out" 2>"$TMP/mark.err" \
  || fail "recording with --start-at-mark: $(tail -c 300 "$TMP/mark.err")"
diff <(grep -v '^FACTS' "$TMP/plain.out") <(grep -v '^FACTS' "$TMP/mark.out") >/dev/null \
  && ok "--start-at-mark: output as under python3.11" || fail "--start-at-mark output differs"
run 0 sql "$TMP/mark.heapreel" "SELECT group_concat(label, ',') FROM (SELECT label FROM markers ORDER BY seq)"
grep -qx "start,go,check1,stop,between,start,check2,stop,end" "$TMP/out" \
  && ok "--start-at-mark: a region from the mark, a second from heapreel.start()" || fail "marks: $(cat "$TMP/out")"
check_facts "$TMP/mark.heapreel" "$TMP/mark.out" check1
check_facts "$TMP/mark.heapreel" "$TMP/mark.out" check2
run 0 state --mark go "$TMP/mark.heapreel"
grep -q "^  <module> " "$TMP/out" && ok "--start-at-mark: the state at the mark itself" || fail "state at go: $(head -c 300 "$TMP/err")"
run 1 state --mark between "$TMP/mark.heapreel"
one_line_error "outside the recorded regions" && ok "--start-at-mark: a mark between regions is outside"

# Without --start-paused or --start-at-mark the whole run is recorded:
# start() and stop() do nothing.
"$RECORD" -o "$TMP/whole.heapreel" "$prog" >"$TMP/whole.out" 2>"$TMP/whole.err" \
  || fail "recording without regions: $(tail -c 300 "$TMP/whole.err")"
run 0 sql "$TMP/whole.heapreel" "SELECT group_concat(label, ',') FROM (SELECT label FROM markers ORDER BY seq)"
grep -qx "go,check1,between,check2,end" "$TMP/out" && ok "no regions: start() and stop() are no-ops" \
  || fail "marks without regions: $(cat "$TMP/out")"
run 0 steps --json "$TMP/whole.heapreel"
json_check "no regions: outside_work is recorded too" '[s for s in j["steps"] if s["function"] == "outside_work"]'

# A region never begun: a warning, the program's exit status, no region.
printf 'import sys\nsys.exit(3)\n' >"$TMP/exit3.py"
"$RECORD" --start-paused -o "$TMP/never.heapreel" "$TMP/exit3.py" >/dev/null 2>"$TMP/err"
rc=$?
[ "$rc" = 3 ] && grep -qx "heapreel: warning: heapreel.start() was never called: nothing was recorded" "$TMP/err" \
  && ok "--start-paused without a start: one warning, the program's exit status" || fail "never started: exit $rc $(cat "$TMP/err")"

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all record_regions checks passed"
