#!/bin/bash
# record_alloc_end.sh — an alloc trace's end-of-run graph as `state --mark
# end` and `render --mark end` show it, against what CPython printed
# (sys.getrefcount less its argument) on tests/programs/alloc_end_graph.py,
# and against a full trace of the same program.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env record_alloc_end

prog=alloc_end_graph.py
record_or_die "$TMP/alloc.heapreel" --detail alloc "$PROGS/$prog"
cp "$TMP/rec.out" "$TMP/alloc.out"
record_or_die "$TMP/full.heapreel" "$PROGS/$prog"
# name=count, as the program printed them
counts=$(sed -n 's/^refcount \([a-zA-Z]*\) \([0-9]*\)$/\1=\2/p' "$TMP/alloc.out" | paste -sd, -)
[ -n "$counts" ] || fail "the program printed no refcounts"

pycheck() {  # DESCRIPTION PYTHON_CODE ARGS...: the code exits 0
  local what=$1 code=$2; shift 2
  "$PY" -c "$code" "$@" >"$TMP/py.out" 2>&1 && ok "$what" || fail "$what: $(head -c 800 "$TMP/py.out")"
}
for m in alloc full; do
  run 0 state --json --mark end "$TMP/$m.heapreel"
  pycheck "$m: state --mark end has the refcounts CPython printed ($counts) and the names" '
import json, sys
j = json.load(open(sys.argv[1]))
want = dict(kv.split("=") for kv in sys.argv[2].split(","))
ids = {s["name"]: s["object"] for s in j["frames"][0]["slots"]}
objs = {o["id"]: o for o in j["objects"]}
got = {n: objs[ids[n]]["refcount"] for n in want}
assert got == {n: int(c) for n, c in want.items()}, got
txt = {n: str(objs[ids[n]].get("value")) for n in ("Request", "handle", "json")}
assert "Request" in txt["Request"] and txt["handle"].startswith("handle") and "json" in txt["json"], txt
' "$TMP/out" "$counts"
done

# A class made while recording is followed into its dict, as in a full trace;
# what `import json` ran (the library's module body) is not the program's.
for m in alloc full; do
  run 0 leaks --json "$TMP/$m.heapreel"
  json_check "$m: no leak group made by the import of json" \
    'not any(g["line"] == int(a[0]) and g["type"] != "module" for g in j["groups"] + j["unreached"] + j["cyclic_garbage"])' "$(line_of $prog '^import json')"
  json_check "$m: Request.__init__ is held by global 'Request' → attr '__init__', not unreached" \
    'any(g["type"] == "function" and g["retention"] == ["global '"'"'Request'"'"'", "attr '"'"'__init__'"'"'"] for g in j["groups"]) and not any(g["type"] == "function" and g["file"] == j["groups"][0]["file"] for g in j["unreached"] + j["cyclic_garbage"])'
done

run 0 render "$TMP/alloc.heapreel" --mark end -o "$TMP/end.dot"
[ -s "$TMP/end.dot" ] && ok "render --mark end draws an alloc trace" || fail "render --mark end: $(cat "$TMP/err")"
grep -q "Request" "$TMP/end.dot" && grep -q "rc 404" "$TMP/end.dot" \
  && ok "the diagram names the class and shows its refcount" || fail "the diagram lacks Request or its count"
grep -q "step [0-9]*   ?:0" "$TMP/end.dot" && fail "the diagram's caption names a step an alloc trace does not have"
run 1 render "$TMP/alloc.heapreel" --mark early -o "$TMP/x.dot"
one_line_error "no mark labelled 'early'"
exit $((failures > 0))
