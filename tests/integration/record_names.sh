#!/bin/bash
# record_names.sh — records tests/programs/values_names.py and checks that
# `heapreel state --json` gives functions, classes, modules, builtins, bound
# methods and code objects the name CPython gives them (__qualname__ and the
# parameters, a module's __name__), as the program printed them.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env record_names
PROG=$PROGS/values_names.py

record_or_die "$TMP/n.heapreel" "$PROG"
last=$(wc -l <"$PROG")
"$HEAPREEL" state --json --line "$last" "$TMP/n.heapreel" >"$TMP/state.json" || fail "state --json failed"
"$HEAPREEL" state --line "$last" "$TMP/n.heapreel" >"$TMP/state.txt" || fail "state failed"

/usr/bin/python3.11 - "$TMP" <<'PY' || failures=$((failures + 1))
import json, sys
tmp = sys.argv[1]
state = json.load(open(tmp + '/state.json'))
objs = {o['id']: o for o in state['objects']}
slots = {s['name']: s['object'] for s in state['frames'][0]['slots']}
bad, n = [], 0
for line in open(tmp + '/rec.out', encoding='utf-8'):
    name, want = line.rstrip('\n').split('\t')
    got = objs.get(slots.get(name), {}).get('value')
    n += 1
    if got != want:
        bad.append(f'{name}: recorded {got!r}, CPython says {want!r}')
if n < 17:
    bad.append(f'the program printed {n} names, expected 17')
for b in bad:
    print('FAIL: ' + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
grep -q "function  add_item(lst, item)  " "$TMP/state.txt" ||
  fail "text state lacks 'function  add_item(lst, item)': $(grep 'function' "$TMP/state.txt" | head -3)"
grep -q "module  gc  " "$TMP/state.txt" || fail "text state lacks 'module  gc'"

[ "$failures" = 0 ] && echo "record_names: ok" || echo "record_names: $failures failed"
[ "$failures" = 0 ]
