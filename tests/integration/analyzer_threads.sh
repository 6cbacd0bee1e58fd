#!/bin/bash
# analyzer_threads.sh — threads are shown by small numbers in order of first
# appearance (1 the main thread), in `steps`, `state` and diagrams, while
# --json keeps the recorded ident (threading.get_ident()) under `thread`.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_threads
PROG=$PROGS/threads_numbers.py

record_or_die "$TMP/t.heapreel" "$PROG"
"$HEAPREEL" steps "$TMP/t.heapreel" >"$TMP/steps.txt" || fail "steps failed"
"$HEAPREEL" steps --json "$TMP/t.heapreel" >"$TMP/steps.json" || fail "steps --json failed"
"$HEAPREEL" state --mark first_waits "$TMP/t.heapreel" >"$TMP/state.txt" || fail "state failed"
"$HEAPREEL" render --mark first_waits -o "$TMP/d.dot" "$TMP/t.heapreel" || fail "render failed"

# The text's thread column holds 1, 2 and 3, never an ident.
cols=$(awk '{print $2}' "$TMP/steps.txt" | sort -un | tr '\n' ' ')
[ "$cols" = "1 2 3 " ] || fail "steps shows threads '$cols', expected '1 2 3 '"

/usr/bin/python3.11 - "$TMP" <<'PY' || failures=$((failures + 1))
import json, sys
tmp = sys.argv[1]
printed = dict(line.split() for line in open(tmp + '/rec.out'))
want = {int(printed['main']): 1, int(printed['first']): 2, int(printed['second']): 3}
got = {}
for r in json.load(open(tmp + '/steps.json'))['steps']:
    got.setdefault(r['thread'], set()).add(r['thread_no'])
bad = []
if set(got) != set(want):
    bad.append(f'idents in --json {sorted(got)}, the program printed {sorted(want)}')
for ident, nos in got.items():
    if nos != {want.get(ident)}:
        bad.append(f'thread {ident} numbered {sorted(nos)}, expected {want.get(ident)}')
for b in bad:
    print('FAIL: ' + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
grep -q "(frame [0-9]*, thread 1)" "$TMP/state.txt" || fail "state does not say the module frame is thread 1"
grep -q "worker .*(frame [0-9]*, thread 2, not on the running stack)" "$TMP/state.txt" ||
  fail "state does not show the waiting worker as thread 2: $(grep frame "$TMP/state.txt")"
grep -q "line [0-9]* · thread 2" "$TMP/d.dot" || fail "the diagram does not label the worker's frame 'thread 2'"

[ "$failures" = 0 ] && echo "analyzer_threads: ok" || echo "analyzer_threads: $failures failed"
[ "$failures" = 0 ]
