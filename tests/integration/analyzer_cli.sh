#!/bin/bash
# analyzer_cli.sh — the analysis subcommands (summary, steps, state, history,
# diff) on the synthetic trace of tests/tools/hr_synth.h: text and --json
# output, and every error case with its exit status and one-line message.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_cli

# json_is PYTHON_EXPR: the expression, with j the parsed stdout, is true.
json_is() {
  python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
sys.exit(0 if ok else 1)' "$TMP/out" "$1" || fail "json check failed: $1 on $(head -c 400 "$TMP/out")"
}

text_has() { grep -qF -- "$1" "$TMP/out" || fail "output lacks '$1': $(head -c 400 "$TMP/out")"; }

"$SYNTH" "$TMP/t.heapreel" || { echo "FAIL: cannot write the synthetic trace" >&2; exit 1; }
"$SYNTH" --incomplete "$TMP/cut.heapreel" || { echo "FAIL: cannot write the cut trace" >&2; exit 1; }
"$SYNTH" --keyframes 4 "$TMP/kf.heapreel" || { echo "FAIL: cannot write the keyframed trace" >&2; exit 1; }
T=$TMP/t.heapreel

# --- summary ---------------------------------------------------------------------
run 0 summary "$T"
text_has "synth.py --fast"
text_has "4 allocated, 4 freed, 1 alive at the end of the main script"
text_has "5000 bytes at step 6 (synth.py:4)"
text_has "1 run, 1 object collected"
run 0 summary --json "$T"
json_is 'j["steps"] == 12 and j["objects_allocated"] == 4 and j["objects_freed"] == 4'
json_is 'j["objects_alive_at_end"] == 1 and j["peak_bytes"] == 5000 and j["peak_step"] == 6'
json_is 'j["gc_runs"] == 1 and j["exit_status"] == 0 and j["complete"] is True and j["events"] > 50'
json_is 'j["argv"] == ["synth.py", "--fast"] and j["python_version"] == "3.11.2"'
run 0 summary --json "$TMP/cut.heapreel"
json_is 'j["complete"] is False and j["exit_status"] is None and j["objects_alive_at_end"] == 1'
grep -q "^heapreel: warning: trace .*cut.heapreel' is incomplete" "$TMP/err" || fail "no warning for an incomplete trace"

# --- steps -------------------------------------------------------------------------
run 0 steps "$T"
[ "$(wc -l <"$TMP/out")" = 12 ] || fail "steps printed $(wc -l <"$TMP/out") lines, expected 12"
text_has "synth.py:4  |     b = [a]"
run 0 steps --from 5 --to 7 --json "$T"
json_is 'j["format"] == 1 and len(j["steps"]) == 3 and [r["step"] for r in j["steps"]] == [5, 6, 7]'
json_is 'j["steps"][1] == {"step": 6, "thread": 1, "thread_no": 1, "depth": 1, "function": "f", "file": "synth.py", "line": 4, "source": "    b = [a]"}'
run 0 steps --line 7 --json "$T"
json_is '[r["step"] for r in j["steps"]] == [5, 8]'

# --- state -------------------------------------------------------------------------
run 0 state --step 7 "$T"
text_has "step 7  synth.py:5  in f"
text_has "#3 list  len 2  refcount 4  size 72  at 0x1000"
run 0 state --step 7 --json "$T"
json_is 'j["step"] == 7 and j["line"] == 5 and j["function"] == "f" and j["file"] == "synth.py"'
json_is '[f["function"] for f in j["frames"]] == ["<module>", "f"]'
json_is '{s["name"]: s["object"] for s in j["frames"][1]["slots"]} == {"a": 3, "b": 5}'
json_is '{s["name"]: s["object"] for s in j["frames"][0]["slots"]} == {"x": 3, "y": 3, "f": 4}'
json_is '[o for o in j["objects"] if o["id"] == 3][0]["refs"] == [{"slot": "item[0]", "object": 1}, {"slot": "item[1]", "object": 2}]'
json_is 'all(set(o) >= {"id", "type", "value", "refcount", "address", "size", "refs"} for o in j["objects"])'
json_is '[o for o in j["objects"] if o["id"] == 3][0]["refcount"] == 4'
run 0 state --line 9 --json "$T"
json_is 'j["step"] == 10 and {s["name"]: s["object"] for s in j["frames"][0]["slots"]}["x"] is None'
run 0 state --mark mid --json "$T"
json_is 'j["step"] == 4 and j["line"] == 6'
# steps takes points as every command does: a mark is the step it was made at.
run 0 steps --from mid --to 6 --json "$T"
json_is '[s["step"] for s in j["steps"]] == [4, 5, 6]'
run 0 steps --from=end --json "$T"
json_is '[s["step"] for s in j["steps"]] == [12]'
# A keyframed trace answers the same.
run 0 state --step 10 --json "$T"; cp "$TMP/out" "$TMP/plain.json"
run 0 state --step 10 --json "$TMP/kf.heapreel"
cmp -s "$TMP/out" "$TMP/plain.json" || fail "state from keyframes differs from a full replay"
# An incomplete trace still answers, with a warning.
run 0 state --step 12 "$TMP/cut.heapreel"
grep -q "warning" "$TMP/err" || fail "no warning for an incomplete trace in state"

# --- history -----------------------------------------------------------------------
run 0 history "$T" 3
text_has "by refcount"
run 0 history --json "$T" x@3
json_is 'j["object"] == 3 and j["type"] == "list" and j["alloc"]["step"] == 1 and j["alloc"]["line"] == 1'
json_is 'j["free"]["step"] == 11 and j["free"]["line"] == 10 and j["free"]["by"] == "refcount"'
json_is '[(e["kind"], e["slot"]) for e in j["events"] if e["kind"] in ("bind", "unbind")][:2] == [("bind", "global '"'"'x'"'"'"), ("bind", "global '"'"'y'"'"'")]'
json_is '[e["refcount"] for e in j["events"] if e["kind"] in ("incref", "decref")] == [2, 3, 4, 3, 2, 1, 0]'
json_is 'all(set(e) >= {"step", "line", "kind", "holder", "slot", "refcount"} for e in j["events"])'
run 0 history --json "$T" 7
json_is 'j["free"]["by"] == "gc"'

# --- diff ----------------------------------------------------------------------------
run 0 diff --from 9 --to 11 --json "$T"
json_is '[o["object"] for o in j["allocated"]] == [7] and j["freed"] == []'
json_is 'sorted(u["slot"] for u in j["unbound"]) == ["global '"'"'x'"'"'", "global '"'"'y'"'"'"]'
run 0 diff --from 5 --to 12 "$T"
# The states compared, not the events between: f's list b, made and freed
# in between, is in neither state.
text_has "gone objects (1)"

# --- runtime errors: exit 1, one line --------------------------------------------------
run 1 state --step 13 "$T";                  one_line_error "step 13 is out of range"
run 1 state --step 0 "$T";                   one_line_error "out of range"
run 1 state --mark nope "$T";                one_line_error "no mark labelled 'nope'"
run 1 state --line 40 "$T";                  one_line_error "line 40 never ran"
run 1 state --line 7:2 "$T";                 one_line_error "line 7 ran 1 time, not 2"
run 1 history "$T" 99;                       one_line_error "no object #99"
run 1 history "$T" x@10;                     one_line_error "name 'x' is unbound before step 10"
run 1 history "$T" nosuch@3;                 one_line_error "no name 'nosuch'"
run 1 steps --from 20 "$T";                  one_line_error "step 20 is out of range"
run 1 steps --line 40 "$T";                  one_line_error "line 40 never ran"
run 1 diff --from 1 --to 99 "$T";            one_line_error "step 99 is out of range"
for cmd in summary steps "state --step 1" "history" "diff --from 1 --to 2"; do
  # shellcheck disable=SC2086
  if [ "$cmd" = history ]; then run 1 history "$TMP/missing.heapreel" 3
  else run 1 $cmd "$TMP/missing.heapreel"; fi
  one_line_error "cannot open trace '.*missing.heapreel'"
done
printf 'not a trace at all' >"$TMP/junk.heapreel"
run 1 summary "$TMP/junk.heapreel";         one_line_error "cannot open trace"

# --- usage errors: exit 2; -h: usage on stdout, exit 0 ----------------------------------
run 2 summary;                               grep -q "^usage: heapreel summary" "$TMP/err" || fail "no usage"
run 2 summary --bogus "$T"
run 2 summary "$T" extra
run 1 steps --from x "$T";                     grep -q "no mark labelled 'x'" "$TMP/err" || fail "steps --from x: $(cat "$TMP/err")"
run 2 steps --from 5 --to 2 "$T"
run 2 state "$T"
run 2 state --step 1 --mark end "$T"
run 2 state --step abc "$T"
run 2 state --line 3:0 "$T"
run 2 history "$T"
run 2 history "$T" 3 4
run 2 history "$T" zz
run 2 diff --from 1 "$T"
run 2 diff --from 3 --to 1 "$T"
for cmd in summary steps state history diff; do
  run 0 $cmd -h
  grep -q "^usage: heapreel $cmd" "$TMP/out" || fail "$cmd -h does not print usage on stdout"
done

if [ "$failures" -ne 0 ]; then
  echo "analyzer_cli: $failures failure(s)" >&2
  exit 1
fi
echo "analyzer_cli: all checks passed"
