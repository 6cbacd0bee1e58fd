#!/bin/bash
# analyzer_growth.sh — the leak hunter's questions on a program with known
# answers (tests/programs/leaky_service.py prints its own counts and
# sys.getsizeof sums): growth between two marks, referrers and retained size,
# the leaks sections and diff between states.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_growth

record leaky_service
"$RECORD" --detail alloc -o "$TMP/leaky_alloc.heapreel" "$PROGS/leaky_service.py" >"$TMP/alloc.stdout" 2>"$TMP/alloc.stderr" \
  || fail "recording leaky_service.py in alloc mode failed: $(tail -c 300 "$TMP/alloc.stderr")"
T=$TMP/leaky_service.heapreel
A=$TMP/leaky_alloc.heapreel
P=leaky_service.py
# The program's own figures: "growth TYPE COUNT BYTES", "retained CACHE BYTES".
grep -q '^growth list 40 ' "$TMP/leaky_service.stdout" || fail "leaky_service.py did not print its figures"

# --- growth between the marks warm and done ---------------------------------------------
run 0 growth --from warm --to done --json "$T"
json_check "growth JSON has format 1, both points as marks, grouped by site" \
  'j["format"] == 1 and j["from"]["kind"] == "mark" and j["from"]["point"] == "warm" and j["to"]["point"] == "done" and j["by"] == "site"'
# Each of the cache's and the listeners' objects at its line, as the program counts it.
json_check "growth by site matches the program's counts and sys.getsizeof sums" '(
(lines := {"list": int(a[1]), "int": int(a[1]), "str": int(a[2]), "function": int(a[3]), "tuple": int(a[3]), "cell": int(a[4])}) and
(want := {l.split()[1].replace("closure-tuple", "tuple"): (int(l.split()[2]), int(l.split()[3])) for l in open(a[0]) if l.startswith("growth ")}) and
all(any(r["type"] == t and r["line"] == lines[t] and r["count_diff"] == c and r["bytes_diff"] == b and r["new_count"] == c for r in j["rows"]) for t, (c, b) in want.items()))' \
  "$TMP/leaky_service.stdout" "$(line_of $P 'CACHE\[key\] =')" "$(line_of $P 'key = "request')" \
  "$(line_of $P 'def on_event')" "$(line_of $P 'listen("tag-')"
# Nothing else grew but the cache (its dict), the listeners (their list, tags,
# on_event's code), the cycle (two Nodes and their names) and the mark's label.
json_check "growth lists only the cache's, the listeners' and the cycle's lines" '
set(r["line"] for r in j["rows"] if r["bytes_diff"] > 0) <= {int(x) for x in a}' \
  "$(line_of $P 'CACHE\[key\] =')" "$(line_of $P 'key = "request')" "$(line_of $P 'def on_event')" \
  "$(line_of $P 'listen("tag-')" "$(line_of $P '^CACHE = ')" "$(line_of $P 'self.listeners = ')" \
  "$(line_of $P 'a = Node')" "$(line_of $P 'b = Node')" "$(line_of $P 'mark("done")')"
json_check "the rows come biggest growth first" \
  'all(x["bytes_diff"] >= y["bytes_diff"] for x, y in zip(j["rows"], j["rows"][1:]))'
json_check "the cache dict grew in place: bytes up, count unchanged" \
  'any(r["type"] == "dict" and r["line"] == int(a[0]) and r["count_diff"] == 0 and r["bytes_diff"] > 0 for r in j["rows"])' \
  "$(line_of $P '^CACHE = ')"
run 0 growth --from warm --to done --by type --json "$T"
json_check "growth by type: 40 lists, 12 functions, 12 cells" '
(rows := {r["type"]: r for r in j["rows"]}) and rows["list"]["count_diff"] == 40 and rows["function"]["count_diff"] == 12 and rows["cell"]["count_diff"] == 12 and "file" not in rows["list"]'
run 0 growth --from warm --to done --by traceback --json "$T"
json_check "growth by traceback: the key strings' stack is <module> -> handle" \
  'any(r["type"] == "str" and r["count_diff"] == 40 and [f["function"] for f in r["stack"]] == ["<module>", "handle"] for r in j["rows"])'
run 0 growth --from warm --to done "$T"
grep -qE "^ +\+2880 bytes +\+40  list  .*at $PROGS/$P:[0-9]+ in handle" "$TMP/out" \
  && ok "growth text names the list growth and its line" || fail "growth text: $(head -c 600 "$TMP/out")"
run 0 growth --from done --to done --json "$T"
json_check "growth from a point to itself is empty" 'j["rows"] == []'
step=$("$HEAPREEL" sql "$T" "SELECT step FROM markers WHERE label = 'warm'" | tail -1 | tr -d ' ')
run 0 growth --from "$step" --to done --json "$T"
json_check "a step number is a point too" 'j["from"]["kind"] == "step" and any(r["type"] == "list" and r["count_diff"] == 40 for r in j["rows"])'
run 0 growth --to warm --json "$T"
json_check "default --from is the start: the 5 warm-up lists are growth" \
  'j["from"]["kind"] == "start" and any(r["type"] == "list" and r["count_diff"] == 5 and r["line"] == int(a[0]) for r in j["rows"])' \
  "$(line_of $P 'CACHE\[key\] =')"
# An alloc trace holds every allocation and its site, and the marks.
run 0 growth --from warm --to done --by type --json "$A"
json_check "growth on an alloc trace: 40 lists, 12 functions, 12 cells, 12 tuples, 80 ints" \
  '(rows := {r["type"]: r for r in j["rows"]}) and rows["list"]["count_diff"] == 40 and rows["function"]["count_diff"] == 12 and rows["cell"]["count_diff"] == 12 and rows["tuple"]["count_diff"] == 12 and rows["int"]["count_diff"] == 80'
# Errors: one line, the right status.
run 1 growth --from nosuchmark "$T"; one_line_error "no mark labelled 'nosuchmark'"
run 2 growth --from done --to warm "$T"
grep -q "comes after" "$TMP/err" || fail "a reversed range is not explained: $(cat "$TMP/err")"
run 2 growth --by size "$T"; grep -q "^heapreel: --by takes type, site or traceback" "$TMP/err" || fail "bad --by: $(cat "$TMP/err")"
run 1 growth --from 5 "$A"; one_line_error "has no steps"
run 2 growth "$T" --from; grep -q "needs a value" "$TMP/err" || fail "missing value: $(cat "$TMP/err")"

# --- leaks: the path most of a group shares, and what the sections hold -------------------
run 0 leaks --json "$T"
cp "$TMP/out" "$TMP/leaks.json"
json_check "the ten SEEN ints: nine held as keys of SEEN, one also by the loop's global k" '
any(g["type"] == "int" and g["line"] == int(a[0]) and g["count"] == 10 and g["retention"][0] == "global '"'"'SEEN'"'"'" and g["retention"][1].startswith("key[") and g["retention_shared_by"] == 9 and [p["count"] for p in g["paths"]] == [9, 1] and g["paths"][1]["retention"] == ["global '"'"'k'"'"'"] for g in j["groups"])' \
  "$(line_of $P SEEN_INTS)"
json_check "no closure tuple nor code object of a live function is among the objects held by references the trace does not show" '
not any(g["type"] in ("tuple", "code") and g["line"] == int(a[0]) for g in j["unreached"])' "$(line_of $P 'def on_event')"
json_check "the closure tuples are reached through each listener's __closure__" '
any(g["type"] == "tuple" and g["count"] == 12 and g["line"] == int(a[0]) and g["retention"][-1] == "__closure__" for g in j["groups"])' \
  "$(line_of $P 'def on_event')"
json_check "the functions' code objects are reached through __code__" '
all(any(g["type"] == "code" and g["line"] == int(x) and g["retention"][-1] == "__code__" for g in j["groups"]) for x in a)' \
  "$(line_of $P '^def handle')" "$(line_of $P '^def listen')" "$(line_of $P '^def cycle')"
want=$(sed -n 's/^retained CACHE //p' "$TMP/leaky_service.stdout")
json_check "the cache's group retains what only the cache reaches ($want bytes, gc.get_referents)" '
any(g["type"] == "dict" and g["line"] == int(a[0]) and g["retained_bytes"] == int(a[1]) for g in j["groups"])' \
  "$(line_of $P '^CACHE = ')" "$want"
cache=$("$PY" -c 'import json, sys; print(next(g["example"] for g in json.load(open(sys.argv[1]))["groups"] if g["type"] == "dict" and g["line"] == int(sys.argv[2])))' "$TMP/leaks.json" "$(line_of $P '^CACHE = ')")
run 0 leaks --by retained --json "$T"
json_check "leaks --by retained ranks the cache first" 'j["groups"][0]["example"] == int(a[0])' "$cache"
run 0 leaks --paths 2 "$T"
grep -qE "held by: global 'SEEN' → key\[1000\]  \(#[0-9]+ 1000\)  9 of 10 share this path" "$TMP/out" \
  && grep -qE "also by: global 'k'  \(#[0-9]+ 1009\)  1 of 10 share this path" "$TMP/out" \
  && ok "leaks text says how many share the path shown, --paths shows the others" \
  || fail "leaks text lacks the shared paths: $(grep -A3 ':'"$(line_of $P SEEN_INTS)"' in' "$TMP/out" | head -5)"

# --- referrers and retained size ------------------------------------------------------
run 0 referrers --json "$T" "#$cache"
json_check "referrers: the cache retains $want bytes and one path, the global CACHE, reaches it" \
  'j["format"] == 1 and j["retained_bytes"] == int(a[0]) and j["paths"] == [["global '"'"'CACHE'"'"'"]] and j["at"]["kind"] == "end"' "$want"
run 0 referrers --at warm --json "$T" "$cache"
json_check "referrers --at warm: the cache then retained less (five requests)" \
  'j["at"]["point"] == "warm" and 0 < j["retained_bytes"] < int(a[0])' "$want"
last=$("$PY" -c 'import json, sys; print(next(p["example"] for g in json.load(open(sys.argv[1]))["groups"] if g["type"] == "int" and g["line"] == int(sys.argv[2]) for p in g["paths"] if p["count"] == 1))' "$TMP/leaks.json" "$(line_of $P SEEN_INTS)")
run 0 referrers --json "$T" "$last"
json_check "referrers of the last SEEN int: both paths, the global k and SEEN's key" '
sorted(map(tuple, j["paths"])) == [("global '"'"'SEEN'"'"'", "key[1009]"), ("global '"'"'k'"'"'",)] and {"global '"'"'k'"'"'", "key[1009]"} <= {r.get("root") or r.get("slot") for r in j["referrers"]} and not j["truncated"]'
cell=$("$PY" -c 'import json, sys; print(next(g["example"] for g in json.load(open(sys.argv[1]))["groups"] if g["type"] == "cell"))' "$TMP/leaks.json")
run 0 referrers --json "$T" "$cell"
json_check "referrers of a listener's cell: its function's closure[0] and its closure tuple, two paths" '
sorted((r["holder_type"], r["slot"]) for r in j["referrers"]) == [("function", "closure[0]"), ("tuple", "item[0]")] and len(j["paths"]) == 2 and all(p[0] == "global '"'"'BUS'"'"'" for p in j["paths"])'
run 0 referrers --max-paths 1 --json "$T" "$cell"
json_check "--max-paths 1 stops at one path and says so" 'len(j["paths"]) == 1 and j["truncated"]'
run 0 referrers "$T" "$cell"
grep -q "^retained: " "$TMP/out" && grep -qF "global 'BUS' → attr 'listeners' → item[" "$TMP/out" \
  && ok "referrers text shows the retained size and the paths" || fail "referrers text: $(head -c 500 "$TMP/out")"
run 1 referrers "$T" 999999999; one_line_error "not alive"
run 2 referrers "$T" x12; grep -q "an object is an id" "$TMP/err" || fail "bad object id: $(cat "$TMP/err")"
run 2 referrers "$T"; grep -q "no object given" "$TMP/err" || fail "no object: $(cat "$TMP/err")"

# --- diff: the two states, not the events between ----------------------------------------
run 0 diff --from warm --to done --json "$T"
json_check "diff takes marks: 40 new lists, 12 functions, 12 cells" '
j["format"] == 1 and j["from"]["point"] == "warm" and [o["type"] for o in j["allocated"]].count("list") == 40 and [o["type"] for o in j["allocated"]].count("function") == 12 and [o["type"] for o in j["allocated"]].count("cell") == 12'
json_check "the cache dict changed: it grew and has 40 more values" '
any(c["object"] == int(a[0]) and c["size_from"] < c["size"] for c in j["changed"]) and sum(1 for b in j["bound"] if b["holder_id"] == int(a[0]) and b["slot"].startswith("value[")) == 40' "$cache"
json_check "names bound between the states: the global LOOP; no local of a call that came and went" '
any(b["slot"] == "global '"'"'LOOP'"'"'" for b in j["bound"]) and not any(b["slot"].startswith("local ") for b in j["bound"] + j["unbound"])'
json_check "nothing made and freed in between is listed" \
  'len({o["object"] for o in j["allocated"]}) == len(j["allocated"]) and j["freed"] == []'
run 0 diff --from warm --to done "$T"
grep -q "^new objects (" "$TMP/out" && grep -q "^changed objects (" "$TMP/out" \
  && ok "diff text has the new, gone and changed sections" || fail "diff text: $(head -c 400 "$TMP/out")"
run 0 diff --from warm --to done --json "$A"
json_check "diff on an alloc trace: the new lists between the marks" '[o["type"] for o in j["allocated"]].count("list") == 40'
run 2 diff --from done --to warm "$T"; grep -q "comes after" "$TMP/err" || fail "reversed diff: $(cat "$TMP/err")"

# --- render --referrers draws the paths; state takes any point ----------------------------
run 0 render "$T" --referrers "#$cell" -o "$TMP/ref.dot"
grep -q "__closure__" "$TMP/ref.dot" && grep -q "closure\[0\]" "$TMP/ref.dot" && grep -q "BUS" "$TMP/ref.dot" \
  && ok "render --referrers draws the cell's two paths from the global BUS" || fail "render --referrers: $(head -c 300 "$TMP/ref.dot")"
run 0 render "$T" --referrers "$cache" -o "$TMP/ref.svg"
grep -q "<svg" "$TMP/ref.svg" && ok "render --referrers writes an SVG" || fail "no SVG from render --referrers"
run 1 render "$T" --referrers 999999999 -o "$TMP/x.svg"; one_line_error "not alive"
run 0 state --at warm --json "$T"
cp "$TMP/out" "$TMP/at.json"
run 0 state --mark warm --json "$T"
cmp -s "$TMP/out" "$TMP/at.json" && ok "state --at warm is state --mark warm" || fail "state --at warm differs from --mark warm"
run 0 state --at end --json "$A"
json_check "state --at end on an alloc trace: the end-of-run graph" 'j["objects"]'
run 1 state --at nosuch "$T"; one_line_error "no mark labelled 'nosuch'"

run 0 history --json "$T" CACHE@warm
json_check "history NAME@MARK: CACHE at the mark warm is the cache dict" 'j["object"] == int(a[0])' "$cache"
run 1 history "$T" LOOP@warm; one_line_error "no name 'LOOP' at 'warm'"
# At the end the main script's frame has returned: its globals still name.
run 0 history --json "$T" CACHE@end
json_check "history NAME@end: CACHE at the end is the cache dict" 'j["object"] == int(a[0])' "$cache"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all analyzer_growth checks passed"
