#!/bin/bash
# record_values.sh — records tests/programs/values_basic.py and checks that
# `heapreel state --json` gives every scalar the value the program printed with
# repr(), dict slots by their key's value, and hides a module's dunder names
# unless --all-names asks for them.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env record_values
PROG=$PROGS/values_basic.py

record_or_die "$TMP/v.heapreel" "$PROG"
last=$(wc -l <"$PROG")
"$HEAPREEL" state --json --line "$last" "$TMP/v.heapreel" >"$TMP/default.json" || fail "state --json failed"
"$HEAPREEL" state --json --all-names --line "$last" "$TMP/v.heapreel" >"$TMP/all.json" ||
  fail "state --json --all-names failed"
"$HEAPREEL" state --line "$last" "$TMP/v.heapreel" >"$TMP/default.txt" || fail "state failed"
"$HEAPREEL" sql "$TMP/v.heapreel" \
  "SELECT count(*) FROM (SELECT object FROM events WHERE kind = 'value' GROUP BY object HAVING count(*) > 1)" \
  >"$TMP/dups" || fail "sql on the value column failed"
grep -qx ' *0' "$TMP/dups" || fail "an object has more than one value event: $(cat "$TMP/dups")"

/usr/bin/python3.11 - "$TMP" <<'PY' || failures=$((failures + 1))
import json, sys
tmp = sys.argv[1]
bad = []
default = json.load(open(tmp + '/default.json'))
every = json.load(open(tmp + '/all.json'))
objs = {o['id']: o for o in default['objects']}
module = default['frames'][0]
slots = {s['name']: s['object'] for s in module['slots']}
for line in open(tmp + '/rec.out', encoding='utf-8'):
    name, want = line.rstrip('\n').split('\t')
    got = objs.get(slots.get(name), {}).get('value')
    if got != want:
        bad.append(f'{name}: recorded {got!r}, the program printed {want!r}')
table = objs.get(slots.get('table'), {})
refs = {r['slot'] for r in table.get('refs', [])}
for want in ("key['key']", "value['key']", 'key[5]', 'value[5]'):
    if want not in refs:
        bad.append(f'dict slot {want} missing from {sorted(refs)}')
if table.get('value') != 'len 2':
    bad.append(f"table's value is {table.get('value')!r}, not 'len 2'")
dunders = {'__name__', '__doc__', '__loader__', '__spec__', '__builtins__', '__file__',
           '__cached__', '__annotations__', '__package__'}
shown = dunders & set(slots)
if shown:
    bad.append(f'dunder names shown by default: {sorted(shown)}')
all_names = {s['name'] for s in every['frames'][0]['slots']}
if not {'__name__', '__builtins__', '__file__'} <= all_names:
    bad.append(f'--all-names lacks dunder names: {sorted(all_names)}')
if any(o['type'] == 'module' for o in default['objects']):
    bad.append('the builtins module is listed although only __builtins__ reaches it')
if not any(o['type'] == 'module' for o in every['objects']):
    bad.append('--all-names does not list the builtins module')
for b in bad:
    print('FAIL: ' + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
grep -q "__builtins__" "$TMP/default.txt" && fail "text state shows __builtins__ by default"
grep -q "int  7 " "$TMP/default.txt" || fail "text state lacks 'int  7': $(grep '#' "$TMP/default.txt" | head -5)"

# Every step's source text is the program's own line, stored in the trace.
"$HEAPREEL" steps --json "$TMP/v.heapreel" >"$TMP/steps.json" || fail "steps --json failed"
/usr/bin/python3.11 - "$TMP/steps.json" "$PROG" <<'PY' || fail "steps do not carry the program's source lines"
import json, sys
steps = json.load(open(sys.argv[1]))['steps']
lines = open(sys.argv[2]).read().split('\n')
bad = [s for s in steps if s['file'] == sys.argv[2] and s['source'] != lines[s['line'] - 1]]
mine = [s for s in steps if s['file'] == sys.argv[2]]
if not mine or bad:
    print(f'{len(mine)} steps in the program, first mismatches: {bad[:3]}', file=sys.stderr)
    sys.exit(1)
PY

[ "$failures" = 0 ] && echo "record_values: ok" || echo "record_values: $failures failed"
[ "$failures" = 0 ]
