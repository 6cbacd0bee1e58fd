#!/bin/bash
# record_world.sh — the recorder leaves no trace in the program's world, in
# both detail levels: the collector finds no garbage of the recorder's at the
# script's first line, sys.modules holds what python3.11's does (plus heapreel
# when the program imports it), and deep recursion and deep tracebacks run
# and record as under python3.11.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env record_world

"$PY" "$PROGS/world_first_line.py" >"$TMP/py.out" 2>&1
for detail in full alloc; do
  "$RECORD" --detail "$detail" -o "$TMP/w.heapreel" "$PROGS/world_first_line.py" >"$TMP/rec.out" 2>/dev/null \
    || fail "$detail: recording world_first_line.py failed"
  got=$(sed -n 2p "$TMP/rec.out") want=$(sed -n 2p "$TMP/py.out")
  [ "$got" = "$want" ] && ok "$detail: gc.collect() at the first line finds $got, as python3.11" \
    || fail "$detail: gc.collect() at the first line finds $got, python3.11 $want"
  if cmp -s <(head -1 "$TMP/rec.out") <(head -1 "$TMP/py.out"); then
    ok "$detail: sys.modules as python3.11's"
  else
    fail "$detail: sys.modules differs: $(diff <(head -1 "$TMP/rec.out" | tr ',' '\n') <(head -1 "$TMP/py.out" | tr ',' '\n') | grep '^[<>]' | tr '\n' ' ')"
  fi
  # A program that imports heapreel finds it there, and nothing else new.
  printf 'import sys\nbefore = set(sys.modules)\nimport heapreel\nprint(sorted(set(sys.modules) - before))\n' >"$TMP/imp.py"
  "$RECORD" --detail "$detail" -o "$TMP/i.heapreel" "$TMP/imp.py" >"$TMP/imp.out" 2>/dev/null
  [ "$(cat "$TMP/imp.out")" = "['heapreel']" ] && ok "$detail: import heapreel adds heapreel alone" \
    || fail "$detail: import heapreel added $(cat "$TMP/imp.out")"
done

# The recorder calls no __sizeof__ of the program's and keeps no exec
# namespace alive (test_descr, test_httplib's mocks, test_gc, test_module).
"$PY" "$PROGS/world_hidden.py" >"$TMP/hidden.py.out" 2>&1
for mode in "--detail full" "--detail alloc" "--all-frames"; do
  # shellcheck disable=SC2086
  "$RECORD" $mode -o "$TMP/h.heapreel" "$PROGS/world_hidden.py" >"$TMP/hidden.out" 2>&1
  cmp -s "$TMP/hidden.out" "$TMP/hidden.py.out" \
    && ok "$mode: no __sizeof__ call, exec namespaces and module dicts die as under python3.11" \
    || fail "$mode: world_hidden.py differs: $(diff "$TMP/hidden.py.out" "$TMP/hidden.out" | tr '\n' ' ')"
done

"$PY" "$PROGS/deep_recursion.py" >"$TMP/deep.py.out" 2>&1
for detail in full alloc; do
  timeout 300 "$RECORD" --detail "$detail" -o "$TMP/d.heapreel" "$PROGS/deep_recursion.py" \
    >"$TMP/deep.out" 2>"$TMP/deep.err"
  st=$?
  [ "$st" = 0 ] && cmp -s "$TMP/deep.out" "$TMP/deep.py.out" \
    && ok "$detail: 5,000-deep recursion and a 1,002-frame traceback as python3.11" \
    || fail "$detail: deep_recursion.py exit $st, output $(head -c 200 "$TMP/deep.out") $(tail -c 300 "$TMP/deep.err")"
  "$HEAPREEL" summary "$TMP/d.heapreel" | grep -q "^complete  *yes" \
    && ok "$detail: the deep trace is complete" || fail "$detail: the deep trace is not complete"
done
# The full trace stepped the innermost call and the line after the recursion.
"$RECORD" -o "$TMP/d.heapreel" "$PROGS/deep_recursion.py" >/dev/null 2>&1
line=$(line_of deep_recursion.py "# after-deep")
"$HEAPREEL" steps "$TMP/d.heapreel" >"$TMP/d.steps"
grep -q "deep_recursion.py:$line " "$TMP/d.steps" && ok "full: stepped on after the deep recursion" \
  || fail "full: no step at line $line after the deep recursion"

[ "$failures" = 0 ] && echo "record_world: ok" || echo "record_world: $failures failed"
[ "$failures" = 0 ]
