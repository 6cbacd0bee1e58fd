#!/bin/bash
# analyzer_contract.sh — the JSON keys issue 4 promises for every analysis
# subcommand, dict slot labels that read their keys, and the error cases of
# every subcommand: a step out of range, an unknown mark or object, an
# incomplete trace (answers with a warning) and a corrupt chunk (one clear
# line, exit 1), never a crash.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_contract

record dict_keys
record gc_rings
D=$TMP/dict_keys.heapreel
G=$TMP/gc_rings.heapreel

# --- the JSON contract -----------------------------------------------------------------
run 0 summary --json "$D"
json_check "summary keys" 'has(j, "steps", "events", "objects_allocated", "objects_freed", "objects_alive_at_end", "peak_bytes", "peak_step", "gc_runs", "exit_status", "complete")'
last=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["steps"])' "$TMP/out")
run 0 steps --json "$D"
json_check "steps keys" 'j["format"] == 1 and j["steps"] and all(has(r, "step", "thread", "depth", "function", "file", "line", "source") for r in j["steps"])'
run 0 state --json --step "$last" "$D"
json_check "state keys" 'has(j, "step", "file", "line", "function", "frames", "objects") and j["frames"] and j["objects"]'
json_check "state frame keys" 'all(has(f, "id", "function", "file", "line", "slots") and all(has(s, "name", "object") for s in f["slots"]) for f in j["frames"])'
json_check "state object keys" 'all(has(o, "id", "type", "value", "refcount", "address", "size", "refs") and all(has(r, "slot", "object") for r in o["refs"]) for o in j["objects"])'
run 0 history --json "$D" box@"$last"
json_check "history keys" 'has(j, "object", "type", "alloc", "free", "events") and has(j["alloc"], "step", "line") and (j["free"] is None or has(j["free"], "step", "line", "by")) and j["events"] and all(has(e, "step", "line", "kind", "holder", "slot", "refcount") for e in j["events"])'
run 0 diff --json --from 1 --to "$last" "$D"
json_check "diff keys" 'has(j, "allocated", "freed", "bound", "unbound")'
run 0 leaks --json "$D"
json_check "leaks keys" 'has(j, "groups", "cyclic_garbage") and j["groups"] and all(has(g, "file", "line", "type", "count", "bytes", "retention") for g in j["groups"])'
run 0 cycles --json "$G"
json_check "cycles keys" 'has(j, "alive", "collected") and j["collected"] and all(has(c, "members", "closing_slots", "step", "line") and all(has(m, "id", "type") for m in c["members"]) for c in j["collected"] + j["alive"])'
run 0 peak --json "$D"
json_check "peak keys" 'has(j, "peak_bytes", "step", "file", "line", "stack", "live_by_site") and all(has(g, "file", "line", "type", "count", "bytes") for g in j["live_by_site"])'

# --- dict slots read their keys ----------------------------------------------------------
tk=$(line_of dict_keys.py TUPLE_KEY)
run 0 leaks --json "$D"
json_check "leak retention through a tuple key reads value[(3, 512)]" \
  'any(g["line"] == int(a[0]) and g["type"] == "list" and g["retention"] == ["global '"'"'_CACHE'"'"'", "value[(3, 512)]"] for g in j["groups"])' "$tk"
list_id=$("$PY" -c 'import json,sys; print([g["example"] for g in json.load(open(sys.argv[1]))["groups"] if g["type"] == "list"][0])' "$TMP/out")
run 0 history --json "$D" "$list_id"
json_check "history labels the dict slot value[(3, 512)]" \
  'any(e["kind"] == "bind" and e["slot"] == "value[(3, 512)]" for e in j["events"])'
run 0 diff --json --from 1 --to "$last" "$D"
json_check "diff labels dict slots by their keys; k512, bound and deleted in between, is in neither state" \
  '{"value[(3, 512)]", "value['"'"'owner'"'"']"} <= {b["slot"] for b in j["bound"]} and "value['"'"'k512'"'"']" not in {u["slot"] for u in j["bound"] + j["unbound"]}'
run 0 cycles --json "$D"
json_check "a cycle through a dict value is closed by value['owner'] on its line" \
  'any("value['"'"'owner'"'"']" in c["closing_slots"] and c["line"] == int(a[0]) for c in j["alive"])' "$(line_of dict_keys.py CYCLE_KEY)"
run 0 state --json --step "$last" "$D"
json_check "state labels a tuple key key[(3, 512)] and no container claims len 0 with items" \
  'any(r["slot"] == "key[(3, 512)]" for o in j["objects"] for r in o["refs"]) and not any(o["value"] == "len 0" and o["refs"] for o in j["objects"])'
run 0 state --json --max-refs 2 --step "$last" "$D"
json_check "--max-refs 2 follows two references of the 4-item list and counts the rest" \
  'any(o["type"] == "list" and len(o["refs"]) == 2 and o["refs_omitted"] == 2 for o in j["objects"])'
run 0 state --max-refs 2 --step "$last" "$D"
grep -q "\.\.\. 2 more (--max-refs 0 shows all)" "$TMP/out" && ok "text says how many references it left out" \
  || fail "no omitted count in text: $(head -c 400 "$TMP/out")"
run 2 state --max-refs x --step 1 "$D"; grep -q "^heapreel: --max-refs needs a count" "$TMP/err" || fail "bad --max-refs not a usage error"

# --- error cases of every subcommand ------------------------------------------------------
"$SYNTH" "$TMP/s.heapreel" && "$SYNTH" --incomplete "$TMP/cut.heapreel" || fail "cannot write synthetic traces"
S=$TMP/s.heapreel
run 1 state --step 99 "$S";             one_line_error "step 99 is out of range (steps are 1 to 12)"
run 1 state --mark nope "$S";           one_line_error "no mark labelled 'nope'"
run 1 steps --from 99 "$S";             one_line_error "step 99 is out of range"
run 1 diff --from 2 --to 99 "$S";       one_line_error "step 99 is out of range"
run 1 diff --from 99 --to 100 "$S";     one_line_error "step 99 is out of range"
run 1 history "$S" 99;                  one_line_error "no object #99"
run 1 history "$S" x@99;                one_line_error "step 99 is out of range"
run 1 history "$S" nosuch@3;            one_line_error "no name 'nosuch'"
run 1 sql "$S" "SELECT * FROM nosuch";  one_line_error "no such table"
# An incomplete trace: every subcommand answers, with a warning.
for cmd in summary steps "state --step 3" "history 3" "diff --from 1 --to 5" leaks cycles peak; do
  # shellcheck disable=SC2086
  set -- $cmd
  if [ "$1" = history ]; then run 0 history "$TMP/cut.heapreel" 3; else run 0 "$@" "$TMP/cut.heapreel"; fi
  grep -q "^heapreel: warning: trace .* is incomplete" "$TMP/err" && ok "$1 on an incomplete trace answers with a warning" \
    || fail "$1 on an incomplete trace: no warning: $(cat "$TMP/err")"
done
# A corrupt chunk: one clear line and exit 1 from everything that reads events.
cp "$S" "$TMP/bad.heapreel"
"$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE chunks SET data = zeroblob(40) WHERE id = (SELECT min(id) FROM chunks)")
db.commit()' "$TMP/bad.heapreel" || fail "cannot damage a chunk"
for cmd in summary steps "state --step 3" "history 3" "diff --from 1 --to 5" leaks cycles peak; do
  # shellcheck disable=SC2086
  set -- $cmd
  if [ "$1" = history ]; then run 1 history "$TMP/bad.heapreel" 3; else run 1 "$@" "$TMP/bad.heapreel"; fi
  one_line_error "chunk [0-9]* is corrupt" && ok "$1 on a corrupt chunk: one line, exit 1"
done

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all analyzer_contract checks passed"
