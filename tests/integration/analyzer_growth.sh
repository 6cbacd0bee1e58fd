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

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all analyzer_growth checks passed"
