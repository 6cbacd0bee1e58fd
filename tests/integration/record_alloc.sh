#!/bin/bash
# record_alloc.sh — `record --detail alloc`: the same leaks as a full trace of
# the same program, trace growth proportional to allocations, regions that
# hold nothing from outside them, and the subcommands that need a full trace.
set -u

HEAPREEL=${HEAPREEL:?set HEAPREEL to the heapreel binary}
HEAPREEL_SOURCE=${HEAPREEL_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
HEAPREEL_BUILD=${HEAPREEL_BUILD:-$(dirname "$HEAPREEL")}
RECORD=$HEAPREEL_BUILD/heapreel-record
PY=/usr/bin/python3.11
PROGS=$HEAPREEL_SOURCE/tests/programs
TMP=${HEAPREEL_TEST_TMP:-/tmp}/record_alloc.$$
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT
unset VIRTUAL_ENV PYTHONPATH PYTHONHOME PYTHONSAFEPATH
failures=0

. "$HEAPREEL_SOURCE/tests/tools/cli_checks.sh"
ok() { echo "ok: $*"; }
pycheck() {  # DESCRIPTION PYTHON_CODE ARGS...: the code exits 0
  local what=$1 code=$2; shift 2
  "$PY" -c "$code" "$@" >"$TMP/py.out" 2>&1 && ok "$what" || fail "$what: $(head -c 800 "$TMP/py.out")"
}
line_of() { grep -n "$2" "$PROGS/$1" | head -1 | cut -d: -f1; }
q() { "$HEAPREEL" sql "$1" "$2" | tail -n +3 | tr -d ' '; }

[ -x "$RECORD" ] || { echo "FAIL: no heapreel-record in $HEAPREEL_BUILD" >&2; exit 1; }

# --- the same leaks as a full trace --------------------------------------------------
"$RECORD" -o "$TMP/full.heapreel" "$PROGS/leak_cache.py" >/dev/null 2>&1 || fail "full recording"
"$RECORD" --detail alloc -o "$TMP/alloc.heapreel" "$PROGS/leak_cache.py" >"$TMP/alloc.stdout" \
  2>/dev/null || fail "alloc recording"
[ "$(cat "$TMP/alloc.stdout")" = 800 ] && ok "the program's output is unchanged" || fail "output $(cat "$TMP/alloc.stdout")"
[ "$(q "$TMP/alloc.heapreel" "SELECT value FROM meta WHERE key = 'detail'")" = alloc ] \
  && ok "meta detail is alloc" || fail "meta detail is not alloc"
# Reference counts come with the end-of-run graph (its module frames' calls start it), never before.
[ "$(q "$TMP/alloc.heapreel" "SELECT count(*) FROM events WHERE kind = 'step' OR (kind IN ('incref', 'decref') AND seq < (SELECT min(seq) FROM events WHERE kind = 'call'))")" = 0 ] \
  && ok "no steps, and refcount events only in the end-of-run graph" || fail "an alloc trace has steps or refcount events while the program ran"
run 0 leaks --json "$TMP/full.heapreel"; cp "$TMP/out" "$TMP/full.json"
run 0 leaks --json "$TMP/alloc.heapreel"; cp "$TMP/out" "$TMP/alloc.json"
site=$(line_of leak_cache.py LEAK_SITE)
pycheck "leak site, count, bytes, stack and retention path equal the full trace's" '
import json, sys
full, alloc = (json.load(open(p)) for p in sys.argv[1:3])
site = int(sys.argv[3])
def leak(j):
    g = [g for g in j["groups"] if g["line"] == site and g["type"] == "list"]
    assert len(g) == 1, g
    g = g[0]
    return (g["file"], g["line"], g["count"], g["bytes"], [(f["function"], f["line"]) for f in g["stack"]], g["retention"])
f, a = leak(full), leak(alloc)
assert f == a, (f, a)
assert a[2] == 40 and a[5][0] == "global '"'"'_CACHE'"'"'", a
' "$TMP/full.json" "$TMP/alloc.json" "$site"
run 0 cycles "$TMP/alloc.heapreel"; ok "cycles runs on an alloc trace"
run 0 peak --json "$TMP/alloc.heapreel"
pycheck "peak reports allocator bytes, and no step (an alloc trace has none)" 'import json, sys; j = json.load(open(sys.argv[1])); assert j["peak_bytes"] > 0 and j["step"] is None, j' "$TMP/out"
# Compiling the program (the parser's arenas, before any line ran) reaches
# higher than the program does: the peak is the program's all the same, as
# in a full trace, which leaves start-up out.
run 0 peak "$TMP/alloc.heapreel"
head -1 "$TMP/out" | grep -q "^peak [0-9]* bytes (.*leak_cache.py:[0-9]* in [a-z]*)$" \
  && ok "the peak is the program's, not compiling it" || fail "peak text: $(head -1 "$TMP/out")"
run 0 peak --plot "$TMP/peak.svg" "$TMP/alloc.heapreel"
grep -q ">peak [^<]* (.*leak_cache.py:[0-9]*)</text>" "$TMP/peak.svg" \
  && ok "the plot's peak label says so too, with no step" || fail "plot label: $(grep -o '>peak [^<]*' "$TMP/peak.svg")"
grep -q ">allocation-site changes (an alloc trace has no steps)</text>" "$TMP/peak.svg" \
  && ok "the plot's x axis says what an alloc trace's numbers count" || fail "plot x axis: $(grep -o '>[a-z][^<]*</text>' "$TMP/peak.svg" | tail -1)"
# Each range of the plot keeps its low as well as its high: the fall after compiling is drawn.
pycheck "the plot draws the fall from the compile-time high" '
import re, sys
pts = [tuple(map(float, p.split(","))) for p in re.search(r"class=\"bytes\"[^>]* points=\"([^\"]*)\"", open(sys.argv[1]).read()).group(1).split()]
top = min(range(len(pts)), key=lambda i: pts[i][1])
assert any(y > pts[top][1] + 100 for x, y in pts[top + 1:]), pts[:6]' "$TMP/peak.svg"

# --- stacks stay right when a code object's address is reused ---------------------------------
# Two exec'd sources alternate; each compiled module dies and the next may take
# its address (and its instructions' addresses): every list keeps its own line.
(cd "$PROGS" && "$RECORD" --detail alloc -o "$TMP/reuse.heapreel" alloc_exec_reuse.py >/dev/null 2>&1) \
  || fail "recording alloc_exec_reuse.py"
run 0 leaks --json "$TMP/reuse.heapreel"
pycheck "lists made by exec'd code at reused addresses keep their own lines (100 each)" '
import json, sys
g = {(x["file"], x["line"]): x["count"] for x in json.load(open(sys.argv[1]))["groups"] if x["type"] == "list"}
assert g.get(("<generated>", 1)) == 100 and g.get(("<generated>", 3)) == 100, g' "$TMP/out"

# --- long sequences' items in the end-of-run graph ----------------------------------------------
# Lists and tuples of a thousand items and more hand their items' ids to the
# writer thread in arrays; every item must still be bound where CPython has it.
"$RECORD" --detail alloc -o "$TMP/bigseq.heapreel" "$PROGS/alloc_big_seq.py" >"$TMP/bigseq.view" \
  2>/dev/null || fail "alloc recording of alloc_big_seq.py"
run 0 sql --json "$TMP/bigseq.heapreel" "SELECT kind, object, address, holder, slot_kind, slot_arg FROM events WHERE kind IN ('alloc', 'track', 'bind', 'free')"
cp "$TMP/out" "$TMP/bigseq.events"
pycheck "every item of long and short lists and tuples is bound as CPython holds it" '
import json, sys
view = json.load(open(sys.argv[1]))
addr, freed, items = {}, set(), {}
for e in json.load(open(sys.argv[2]))["rows"]:
    if e["kind"] in ("alloc", "track"):
        addr[e["object"]] = e["address"]
    elif e["kind"] == "free":
        freed.add(e["object"])
    elif e["slot_kind"] == "item":
        items.setdefault(e["holder"], {})[e["slot_arg"]] = e["object"]
for name, v in view.items():
    live = [o for o, a in addr.items() if a == v["addr"] and o not in freed]
    assert len(live) == 1, (name, live)
    got = items.get(live[0], {})
    assert sorted(got) == list(range(len(v["items"]))), (name, len(got), len(v["items"]))
    bad = [k for k, a in enumerate(v["items"]) if addr.get(got[k]) != a]
    assert not bad, (name, "items bound to the wrong object", bad[:10])
assert len(view["made"]["items"]) == 70000 and len(view["frozen"]["items"]) == 1500
' "$TMP/bigseq.view" "$TMP/bigseq.events"

# --- objects whose allocation starts a collection ------------------------------------------------
# CPython 3.11 collects inside a GC object's allocation, before its header is
# written: such a block is looked at once the collection is over, so the object
# is born, and a dead object's header left in the block is not taken for one
# (the end-of-run graph then read a tuple as that dead Node and crashed).
"$RECORD" --detail alloc -o "$TMP/gcb.heapreel" "$PROGS/alloc_gc_birth.py" >"$TMP/gcb.stdout" 2>"$TMP/gcb.err"
rc=$?
[ "$rc" = 0 ] && [ "$(cat "$TMP/gcb.stdout")" = "300 300" ] && ok "alloc_gc_birth recorded, output unchanged" \
  || fail "recording alloc_gc_birth.py: exit $rc, output $(cat "$TMP/gcb.stdout") $(tail -2 "$TMP/gcb.err")"
[ "$(q "$TMP/gcb.heapreel" "SELECT count(*) FROM events e JOIN types ty ON ty.id = e.type JOIN strings t ON t.id = ty.name WHERE e.kind = 'alloc' AND t.text = 'Node'")" = 600 ] \
  && ok "every Node born in a collecting allocation is recorded once, and no other object as one" \
  || fail "Node births: $(q "$TMP/gcb.heapreel" "SELECT count(*) FROM events e JOIN types ty ON ty.id = e.type JOIN strings t ON t.id = ty.name WHERE e.kind = 'alloc' AND t.text = 'Node'"), want 600"
run 0 leaks --json "$TMP/gcb.heapreel"
pycheck "the live Nodes and the tuples in dead Nodes' blocks are leaks of their own lines" '
import json, sys
g = {(x["type"], x["line"]): (x["count"], x["retention"][:1]) for x in json.load(open(sys.argv[1]))["groups"]}
node, pair = int(sys.argv[2]), int(sys.argv[3])
assert g.get(("Node", node)) == (300, ["global '"'"'nodes'"'"'"]), g
assert g.get(("tuple", pair)) == (300, ["global '"'"'pairs'"'"'"]), g
' "$TMP/out" "$(line_of alloc_gc_birth.py NODE_SITE)" "$(line_of alloc_gc_birth.py PAIR_SITE)"

# --- summary, roots in other user modules, threads, exceptions ---------------------------------
(cd "$PROGS" && "$RECORD" --detail alloc -o "$TMP/extras.heapreel" alloc_extras.py >"$TMP/extras.stdout" 2>/dev/null) \
  || fail "recording alloc_extras.py"
[ "$(cat "$TMP/extras.stdout")" = "2 30" ] && ok "alloc_extras output unchanged" || fail "extras output $(cat "$TMP/extras.stdout")"
run 0 summary --json "$TMP/extras.heapreel"
pycheck "summary of an alloc trace: no steps, the peak at the line whose allocation reached it" '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["detail"] == "alloc" and j["steps"] == 0, j
assert j["peak_file"].endswith("alloc_extras.py") and j["peak_line"] == int(sys.argv[2]), j
' "$TMP/out" "$(line_of alloc_extras.py PEAK_SITE)"
run 0 summary "$TMP/extras.heapreel"
grep -q "^steps.*alloc detail" "$TMP/out" && ok "summary says alloc detail for steps" || fail "summary steps: $(grep steps "$TMP/out")"
grep -q "^peak.*?:0" "$TMP/out" && fail "summary peak at ?:0" || ok "summary peak has a place"
run 0 peak "$TMP/extras.heapreel"
head -1 "$TMP/out" | grep -q "^peak [0-9]* bytes (.*alloc_extras.py:$(line_of alloc_extras.py PEAK_SITE) in" \
  && ok "peak text of an alloc trace names the line, not a step" || fail "peak text: $(head -1 "$TMP/out")"
run 0 leaks --json "$TMP/extras.heapreel"
pycheck "another user module's globals are roots" '
import json, sys
j = json.load(open(sys.argv[1]))
g = [g for g in j["groups"] if g["type"] == "dict" and g["line"] == int(sys.argv[2]) and g["file"].endswith("alloc_helper.py")]
assert len(g) == 1 and g[0]["count"] == 30, j["groups"][:5]
assert g[0]["retention"][0] == "global '"'"'alloc_helper.REGISTRY'"'"'", g[0]
' "$TMP/out" "$(line_of alloc_helper.py HELPER_SITE)"
[ "$(q "$TMP/extras.heapreel" "SELECT group_concat(s.text, ',') FROM (SELECT s.text FROM threads t JOIN strings s ON s.id = t.name ORDER BY 1) s")" = "MainThread,worker-0,worker-1" ] \
  && ok "threads that allocate are in the threads table, named" \
  || fail "threads: $(q "$TMP/extras.heapreel" "SELECT group_concat(s.text) FROM threads t JOIN strings s ON s.id = t.name")"
run 0 sql "$TMP/extras.heapreel" "SELECT exc_type || '=' || coalesce(message, '') FROM events WHERE kind = 'exception'"
grep -q "ValueError=boom 2" "$TMP/out" && ok "exception message read from its args" || fail "ValueError: $(tail -5 "$TMP/out")"
grep -q "Custom=custom message" "$TMP/out" && ok "exception message from its own __str__" || fail "Custom: $(tail -5 "$TMP/out")"
# the user's KeyError dies before any other allocation: its type, no message
sed 's/ *$//' "$TMP/out" | grep -qx "KeyError=" && ok "an exception freed before the next allocation is recorded" || fail "KeyError: $(tail -5 "$TMP/out")"

# --- containers older than the region, and per-site counts as on a full trace -------------
"$RECORD" -o "$TMP/pm_full.heapreel" "$PROGS/alloc_premark.py" >/dev/null 2>&1 || fail "full recording of alloc_premark.py"
"$RECORD" --detail alloc -o "$TMP/pm_alloc.heapreel" "$PROGS/alloc_premark.py" >/dev/null 2>&1 \
  || fail "alloc recording of alloc_premark.py"
"$RECORD" --detail alloc --start-at-mark warm -o "$TMP/pm_warm.heapreel" "$PROGS/alloc_premark.py" \
  >"$TMP/pm.stdout" 2>/dev/null || fail "alloc recording of alloc_premark.py from mark warm"
[ "$(cat "$TMP/pm.stdout")" = "2000 200" ] && ok "alloc_premark output unchanged" || fail "premark output $(cat "$TMP/pm.stdout")"
run 0 summary --json "$TMP/pm_alloc.heapreel"; cp "$TMP/out" "$TMP/pm_sum.json"
run 0 peak --json "$TMP/pm_alloc.heapreel"
pycheck "summary and peak place the peak of an alloc trace at the same line" '
import json, sys
s, p = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert (s["peak_file"], s["peak_line"], s["peak_bytes"]) == (p["file"], p["line"], p["peak_bytes"]), (s, p)
' "$TMP/pm_sum.json" "$TMP/out"
for t in full alloc warm; do run 0 leaks --json "$TMP/pm_$t.heapreel"; cp "$TMP/out" "$TMP/pm_$t.json"; done
pycheck "leak sites and counts per site: alloc (whole run and from a mark) equal the full trace" '
import json, sys
full, alloc, warm = (json.load(open(p)) for p in sys.argv[1:4])
sites = {int(x) for x in sys.argv[4:]}
def per_site(j):
    return {(g["line"], g["type"]): (g["count"], g["retention"][:1]) for g in j["groups"] if g["line"] in sites}
f, a, w = per_site(full), per_site(alloc), per_site(warm)
assert f == a, (f, a)
assert f == w, (f, w)
assert f[(int(sys.argv[4]), "bytes")] == (2000, ["global '"'"'_CACHE'"'"'"]), f
assert f[(int(sys.argv[5]), "list")] == (200, ["global '"'"'keep'"'"'"]), f
assert f[(int(sys.argv[6]), "bytearray")] == (200, ["global '"'"'REG'"'"'"]), f
assert not [g for g in warm["unreached"] if g["line"] in sites], warm["unreached"]
' "$TMP/pm_full.json" "$TMP/pm_alloc.json" "$TMP/pm_warm.json" "$(line_of alloc_premark.py CACHE_SITE)" \
  "$(line_of alloc_premark.py KEEP_SITE)" "$(line_of alloc_premark.py REG_SITE)"

# --- what needs a full recording says so --------------------------------------------------
run 1 steps "$TMP/alloc.heapreel"; one_line_error "steps needs a full recording (--detail full)"
run 1 state --line "$site" "$TMP/alloc.heapreel"; one_line_error "needs a full recording (--detail full)"
run 1 history "$TMP/alloc.heapreel" 5; one_line_error "history needs a full recording"
run 0 state --mark end --json "$TMP/alloc.heapreel"
pycheck "state --mark end answers from the end-of-run graph" '
import json, sys
j = json.load(open(sys.argv[1]))
names = [s["name"] for f in j["frames"] for s in f["slots"]]
assert "_CACHE" in names, names
' "$TMP/out"
run 0 state --mark end "$TMP/alloc.heapreel"
head -1 "$TMP/out" | grep -q "^mark end: the end of the main script (alloc detail" \
  && ok "state --mark end on an alloc trace says what it shows" || fail "state header: $(head -1 "$TMP/out")"
grep -q "?:0\|not on the running stack" "$TMP/out" && fail "state of an alloc trace shows ?:0 or a stack" \
  || ok "state of an alloc trace: module frames without lines"

# --- growth proportional to allocations, nothing per instruction ----------------------------
for n in 2000 20000; do
  "$RECORD" --detail alloc -o "$TMP/loop$n.heapreel" "$PROGS/alloc_loop.py" $n >/dev/null 2>&1 \
    || fail "recording alloc_loop.py $n"
done
a1=$(q "$TMP/loop2000.heapreel" "SELECT count(*) FROM events WHERE kind = 'alloc'")
a2=$(q "$TMP/loop20000.heapreel" "SELECT count(*) FROM events WHERE kind = 'alloc'")
e1=$(q "$TMP/loop2000.heapreel" "SELECT max(last_seq) FROM chunks")
e2=$(q "$TMP/loop20000.heapreel" "SELECT max(last_seq) FROM chunks")
pycheck "events grow with allocations: ${e1} -> ${e2} events for ${a1} -> ${a2} allocs" '
import sys
a1, a2, e1, e2 = map(int, sys.argv[1:5])
assert a2 - a1 >= 9 * 18000 * 0.9, (a1, a2)          # 5 objects a round at least
per = (e2 - e1) / (a2 - a1)
# alloc + free, and a site event when the stack changes (here between the
# loop line and the comprehension frame): nothing per instruction.
assert per <= 3, per
' "$a1" "$a2" "$e1" "$e2"
pycheck "the loop costs few bytes per allocation" '
import os, sys
a1, a2 = int(sys.argv[1]), int(sys.argv[2])
d = os.path.getsize(sys.argv[4]) - os.path.getsize(sys.argv[3])
assert d / (a2 - a1) < 4, d / (a2 - a1)
' "$a1" "$a2" "$TMP/loop2000.heapreel" "$TMP/loop20000.heapreel"

# --- a region holds nothing from outside it -------------------------------------------------
"$RECORD" --detail alloc --start-paused -o "$TMP/region.heapreel" "$PROGS/alloc_region.py" \
  >"$TMP/region.stdout" 2>/dev/null || fail "recording alloc_region.py"
[ "$(cat "$TMP/region.stdout")" = "30 20 40" ] && ok "region program output unchanged" || fail "region output"
rs=$(line_of alloc_region.py REGION_SITE)
run 0 sql "$TMP/region.heapreel" "SELECT t.text, count(*) FROM events e JOIN types ty ON ty.id = e.type JOIN strings t ON t.id = ty.name WHERE e.kind = 'alloc' AND t.text IN ('Before', 'Inside', 'After') GROUP BY 1 ORDER BY 1"
grep -q "Inside.*20" "$TMP/out" && ok "the region's 20 objects are in it" || fail "region objects: $(cat "$TMP/out")"
grep -q "Before\|After" "$TMP/out" && fail "objects from outside the region: $(cat "$TMP/out")" || ok "nothing from before or after the region"
run 0 sql "$TMP/region.heapreel" "SELECT DISTINCT l.line FROM stacks s JOIN locations l ON l.id = s.location WHERE s.parent IS NULL"
pycheck "every allocation stack is inside the region's lines" '
import sys
lines = [int(x) for x in open(sys.argv[1]).read().split()[2:]]
lo, hi = int(sys.argv[2]) - 1, int(sys.argv[2]) + 2
assert lines and all(lo <= l <= hi for l in lines), lines
' "$TMP/out" "$rs"
run 0 leaks --json "$TMP/region.heapreel"
pycheck "leaks of the region: the Inside objects still alive when it stopped" '
import json, sys
j = json.load(open(sys.argv[1]))
g = {x["type"]: x["count"] for x in j["groups"]}
assert g.get("Inside") == 20 and "Before" not in g and "After" not in g, g
' "$TMP/out"
"$RECORD" --detail alloc --start-at-mark second -o "$TMP/mark.heapreel" "$PROGS/run_mark.py" >/dev/null 2>&1
[ "$(q "$TMP/mark.heapreel" "SELECT group_concat(label, ',') FROM (SELECT label FROM markers ORDER BY seq)")" = "second,third,end" ] \
  && ok "--start-at-mark records from that mark on" || fail "marks: $(q "$TMP/mark.heapreel" "SELECT group_concat(label) FROM markers")"
run 0 record --detail alloc --start-at-mark nosuch -o "$TMP/nosuch.heapreel" "$PROGS/run_mark.py"
grep -qx "heapreel: warning: mark 'nosuch' was never reached: nothing was recorded" "$TMP/err" \
  && ok "a mark never reached: one warning line, exit 0" || fail "no warning for a mark never reached: $(cat "$TMP/err")"
printf 'import sys\nsys.exit(3)\n' >"$TMP/exit3.py"
run 3 record --detail alloc --start-paused -o "$TMP/never.heapreel" "$TMP/exit3.py"
[ "$(grep -c "warning: heapreel.start() was never called: nothing was recorded" "$TMP/err")" = 1 ] \
  && ok "--start-paused without heapreel.start(): a warning, the program's own exit status" \
  || fail "no warning for a region never started: $(cat "$TMP/err")"
run 2 record --stack-depth 3 -o "$TMP/depth_full.heapreel" "$PROGS/alloc_region.py"
grep -q "needs '--detail alloc'" "$TMP/err" && ok "--stack-depth needs --detail alloc" || fail "$(cat "$TMP/err")"

# The program stops a tracemalloc that started before the recorder: the hooks
# are out of the chain; the recording goes on, and says what it could not see.
PYTHONTRACEMALLOC=1 "$RECORD" --detail alloc -o "$TMP/tmstop.heapreel" "$PROGS/alloc_tracemalloc_stop.py" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" = 0 ] && grep -qx "done 20000" "$TMP/out" && ok "tracemalloc stopped under the hooks: exit 0" \
  || fail "tracemalloc stopped under the hooks: exit $rc $(head -c 300 "$TMP/err")"
q "$TMP/tmstop.heapreel" "SELECT value FROM meta WHERE key = 'trace_gap'" | grep -q "allocatorhooksweretakenout" \
  && ok "tracemalloc stopped under the hooks: the trace names the gap" || fail "no trace_gap for the lost hooks"

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all record_alloc checks passed"
