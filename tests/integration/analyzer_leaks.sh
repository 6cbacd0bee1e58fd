#!/bin/bash
# analyzer_leaks.sh — leaks, cycles and peak on real recorded programs with
# known answers (tests/programs/leak_*.py, gc_rings.py, peak_batch.py), on the
# synthetic trace, and every error case with its exit status.
#
# A check the recorder's output cannot support yet prints SKIP with the reason.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_leaks

[ -x "$RECORD" ] || { echo "FAIL: no heapreel-record in $HEAPREEL_BUILD" >&2; exit 1; }

# --- leaks: a global cache that grows ---------------------------------------------------
record leak_cache
site=$(line_of leak_cache.py LEAK_SITE)
run 0 leaks --json "$TMP/leak_cache.heapreel"
json_check "leak site is leak_cache.py:$site, 40 lists, biggest group first" \
  '(g := j["groups"][0]) is not None and g["file"].endswith("/leak_cache.py") and g["line"] == int(a[0]) and g["type"] == "list" and g["count"] == 40' "$site"
json_check "leak bytes are the lists' sizes" 'j["groups"][0]["bytes"] >= 40 * 56 + 40 * 20 * 8'
json_check "retention path goes through the global _CACHE and a dict value slot" \
  '(r := j["groups"][0]["retention"]) is not None and r[0] == "global '"'"'_CACHE'"'"'" and r[1].startswith("value[") and len(r) == 2'
json_check "leak stack is <module> -> work -> load" \
  '[f["function"] for f in j["groups"][0]["stack"]] == ["<module>", "work", "load"]'
json_check "no cyclic garbage in a program without cycles" 'j["cyclic_garbage"] == []'
json_check "only what the program made: nothing from before its first line (the loader, __file__) or after its last" \
  'all(g["file"] != "?" and g["stack"] and g["type"] != "SourceFileLoader" for g in j["groups"] + j["cyclic_garbage"] + j["unreached"])'
run 0 leaks "$TMP/leak_cache.heapreel"
grep -qF "in 40 list  allocated at $PROGS/leak_cache.py:$site in load" "$TMP/out" && ok "text names the leak site" \
  || fail "text lacks the leak site: $(head -c 400 "$TMP/out")"
grep -qF "held by: global '_CACHE' → value[" "$TMP/out" && ok "text shows the retention path" \
  || fail "text lacks the retention path"

# --- cycles: listeners keeping closures alive ----------------------------------------------
record leak_listeners
run 0 cycles --json "$TMP/leak_listeners.heapreel"
nclosure=$("$HEAPREEL" sql "$TMP/leak_listeners.heapreel" "SELECT count(*) FROM events WHERE kind = 'bind' AND slot_kind = 'closure'" 2>/dev/null | tail -1 | tr -d ' ')
[ "${nclosure:-0}" -ge 3 ] && ok "each listener's closure[0] is bound ($nclosure closure binds)" \
  || fail "expected at least 3 function -> closure binds, got '${nclosure:-}'"
json_check "an alive cycle reached from a root holds Bus, list, function and cell" \
  'any(c["reachable"] and {"Bus", "list", "function", "cell"} <= {m["type"] for m in c["members"]} for c in j["alive"])'
json_check "the listener cycle was closed on the CLOSES_CYCLE line" \
  'any(c["line"] == int(a[0]) for c in j["alive"])' "$(line_of leak_listeners.py CLOSES_CYCLE)"
json_check "the cycle closes through a closure slot and a cell's contents" \
  'any("closure[0]" in c["closing_slots"] and "cell" in c["closing_slots"] for c in j["alive"])'
json_check "nothing collected in the listener program" 'j["collected"] == []'
run 0 cycles "$TMP/leak_listeners.heapreel"
grep -qE "function #[0-9]+ subscribe\.<locals>\.on_event\(event\)" "$TMP/out" \
  && ok "text names each cycle member function by its recorded name" \
  || fail "cycles text lacks the closures' names: $(head -c 600 "$TMP/out")"
run 0 leaks "$TMP/leak_listeners.heapreel"
grep -qE "held by: global 'BUS' → attr 'listeners' → item\[0\]  \(#[0-9]+ subscribe\.<locals>\.on_event\(event\)\)" "$TMP/out" \
  && ok "leaks text names the example object of a group" \
  || fail "leaks text lacks the example's name: $(head -c 900 "$TMP/out")"

# --- cycles: rings freed by gc.collect() ---------------------------------------------------
record gc_rings
ring=$(line_of gc_rings.py CLOSES_RING)
run 0 cycles --json "$TMP/gc_rings.heapreel"
json_check "five collected rings of three Nodes" \
  'len(j["collected"]) == 5 and all([m["type"] for m in c["members"]] == ["Node"] * 3 for c in j["collected"])'
json_check "each ring closed on gc_rings.py:$ring through attr 'next'" \
  'all(c["line"] == int(a[0]) and c["closing_slots"] == ["attr '"'"'next'"'"'"] * 3 for c in j["collected"])' "$ring"
json_check "the closing bind is c.next = a: from the third node to the first" \
  'all(c["loop"][0]["holder"] == c["members"][2]["id"] and c["loop"][0]["object"] == c["members"][0]["id"] for c in j["collected"])'
json_check "one shape, counted five times" \
  'j["shapes"]["collected"] == [{"shape": "Node, Node, Node: attr '"'"'next'"'"', attr '"'"'next'"'"', attr '"'"'next'"'"'", "count": 5, "members": 3}]'
json_check "no ring alive at the end" 'j["alive"] == []'
run 0 cycles "$TMP/gc_rings.heapreel"
grep -qF "5 × Node, Node, Node: attr 'next'" "$TMP/out" && ok "text groups the rings by shape" \
  || fail "text lacks the shape count: $(head -c 600 "$TMP/out")"
run 0 leaks --json "$TMP/gc_rings.heapreel"
json_check "the class Node is made at its class statement's line in <module>, not in its body" \
  'any(g["type"] == "type" and g["line"] == int(a[0]) and g["function"] == "<module>" and g["retention"] == ["global '"'"'Node'"'"'"] for g in j["groups"])' \
  "$(line_of gc_rings.py '^class Node')"
json_check "collected rings are not leaks" 'not any(g["type"] == "Node" for g in j["groups"] + j["cyclic_garbage"])'

# --- peak: the biggest batch ------------------------------------------------------------------
record peak_batch
pline=$(line_of peak_batch.py PEAK_LINE)
"$PY" -X tracemalloc "$PROGS/peak_batch.py" >"$TMP/tm.out" || fail "peak_batch.py under tracemalloc failed"
tm=$(sed -n 's/^tracemalloc_peak //p' "$TMP/tm.out")
marks=$("$HEAPREEL" sql --json "$TMP/peak_batch.heapreel" "SELECT label, step FROM markers" 2>/dev/null)
run 0 peak --json --plot "$TMP/peak.svg" "$TMP/peak_batch.heapreel"
json_check "peak is in run_batch, at its batch line or the sum that follows" \
  'j["function"].startswith("run_batch") and j["line"] in (int(a[0]), int(a[0]) + 1) and j["stack"][1]["function"] == "run_batch"' "$pline"
json_check "peak step is inside the biggest batch (between marks 'batch 60' and 'batch 20')" \
  '(m := {r["label"]: r["step"] for r in json.loads(a[0])["rows"]}) is not None and m["batch 60"] < j["step"] < m["batch 20"]' "$marks"
json_check "peak bytes within 10% of tracemalloc's peak ($tm)" \
  'abs(j["peak_bytes"] - int(a[0])) <= 0.10 * int(a[0])' "$tm"
json_check "live at the peak: the 60 buffers of the biggest batch, by their site" \
  '(g := j["live_by_site"][0]) is not None and g["type"] == "bytes" and g["count"] == 60 and g["line"] == int(a[0]) and g["bytes"] >= 60 * 200000' "$pline"
run 0 summary --json "$TMP/peak_batch.heapreel"
json_check "summary and peak agree on the peak" 'j["peak_bytes"] == int(a[0])' \
  "$("$HEAPREEL" peak --json "$TMP/peak_batch.heapreel" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["peak_bytes"])')"
if [ -s "$TMP/peak.svg" ] && "$PY" -c 'import sys, xml.dom.minidom as d
doc = d.parse(sys.argv[1])
texts = [t.firstChild.data for t in doc.getElementsByTagName("text") if t.firstChild]
sys.exit(0 if any("batch 60" in t for t in texts) and any(t.startswith("peak ") for t in texts)
         and doc.getElementsByTagName("polyline") and doc.getElementsByTagName("circle") else 1)' "$TMP/peak.svg"; then
  ok "plot is well-formed SVG with the line, the peak and the mark labels"
else
  fail "plot $TMP/peak.svg is missing or incomplete"
fi

# --- the synthetic trace: a self-referencing dict collected, an incomplete trace ---------
"$SYNTH" "$TMP/s.heapreel" && "$SYNTH" --incomplete "$TMP/cut.heapreel" || fail "cannot write synthetic traces"
run 0 cycles --json "$TMP/s.heapreel"
json_check "synthetic: the self-referencing dict was collected, closed at step 10 line 9" \
  '(c := j["collected"]) is not None and len(c) == 1 and c[0]["members"] == [{"id": 7, "type": "dict"}] and c[0]["step"] == 10 and c[0]["line"] == 9'
run 0 peak --json "$TMP/s.heapreel"
json_check "synthetic: peak 5000 bytes at step 6, line 4" 'j["peak_bytes"] == 5000 and j["step"] == 6 and j["line"] == 4'
run 0 leaks --json "$TMP/cut.heapreel"
json_check "incomplete trace: leaks answers up to the last event" 'j["end_is_mark"] is False'
grep -q "^heapreel: warning: trace .* is incomplete" "$TMP/err" && ok "incomplete trace warns" || fail "no warning for an incomplete trace"

# --- error cases ------------------------------------------------------------------------------
for cmd in leaks cycles peak; do
  run 1 $cmd "$TMP/missing.heapreel"; one_line_error "cannot open trace '.*missing.heapreel'"
  run 2 $cmd --bogus "$TMP/s.heapreel"; grep -q "^heapreel: unknown option '--bogus'" "$TMP/err" || fail "$cmd: no unknown-option message"
  run 2 $cmd; grep -q "^heapreel: no trace given" "$TMP/err" || fail "$cmd: no 'no trace given' message"
  run 2 $cmd "$TMP/s.heapreel" extra; grep -q "^heapreel: too many arguments" "$TMP/err" || fail "$cmd: no too-many message"
  run 0 $cmd -h; grep -q "^usage: heapreel $cmd" "$TMP/out" || fail "$cmd -h prints no usage on stdout"
  echo "not a trace" >"$TMP/junk.heapreel"
  run 1 $cmd "$TMP/junk.heapreel"; one_line_error "cannot open trace"
done
run 2 peak "$TMP/s.heapreel" --plot; grep -q "needs a file" "$TMP/err" || fail "peak --plot without a file"
run 1 peak --plot "$TMP/no/such/dir/p.svg" "$TMP/s.heapreel"; one_line_error "cannot write plot"
ok "error cases"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all analyzer_leaks checks passed"
