#!/bin/bash
# python_pkg.sh — the pure-Python `heapreel` package (python/heapreel): under a
# plain python3.11 mark/start/stop are no-ops with the recorder's argument
# checks; under `heapreel record` the recorder's built-in module wins and
# still reaches the package's submodules; the pytest plugin's marks and
# `leaks --per-test` name the one leaking test of three; the reader
# (`heapreel.open`) answers what the --json outputs answer.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env python_pkg
PKG=$SRC/python
# Pythons that load the events extension (a sanitizer build's needs its runtime first).
HEAPREEL_EVENTS_EXT=${HEAPREEL_EVENTS_EXT:-$EXT} . "$SRC/tests/tools/host_env.sh"

# Plain python3.11: no-ops, the same errors as the recorder's module, and
# importing the package imports nothing else.
PYTHONPATH=$PKG $PY - <<'PY' || fail "import heapreel under a plain python3.11"
import sys
before = set(sys.modules)
import heapreel
new = set(sys.modules) - before
assert new == {'heapreel'}, f'import heapreel added {sorted(new)}'
assert heapreel.__file__.endswith('python/heapreel/__init__.py'), heapreel.__file__
assert heapreel.mark('warm') is None and heapreel.start() is None and heapreel.stop() is None
assert heapreel.mark(label='x') is None
for bad, exc in ((3, TypeError), ('a\0b', ValueError)):
    try:
        heapreel.mark(bad)
    except exc:
        pass
    else:
        raise AssertionError(f'mark({bad!r}) did not raise {exc.__name__}')
PY

# Under the recorder: the built-in module, whose marks are recorded, and the
# same sys.modules difference; the package's submodules are still importable.
cat >"$TMP/marks.py" <<'PY'
import sys
before = set(sys.modules)
import heapreel
print(sorted(set(sys.modules) - before), getattr(heapreel, '__file__', 'built-in'))
heapreel.mark('one')
import heapreel.pytest_plugin
print(heapreel.pytest_plugin.__file__)
PY
PYTHONPATH=$PKG "$RECORD" -o "$TMP/marks.heapreel" "$TMP/marks.py" >"$TMP/marks.out" 2>"$TMP/marks.err" ||
  fail "recording marks.py: $(tail -3 "$TMP/marks.err")"
[ "$(head -1 "$TMP/marks.out")" = "['heapreel'] built-in" ] ||
  fail "under the recorder, import heapreel gave: $(head -1 "$TMP/marks.out")"
grep -qx "$PKG/heapreel/pytest_plugin.py" "$TMP/marks.out" ||
  fail "heapreel.pytest_plugin under the recorder: $(cat "$TMP/marks.out" "$TMP/marks.err" | tail -3)"
run 0 sql "$TMP/marks.heapreel" "SELECT label FROM markers WHERE label = 'one'"
grep -q '^one' "$TMP/out" || fail "the built-in module's mark was not recorded"

# pytest: one leaking test of three, in both recording modes.
mkdir -p "$TMP/pt" && cp "$PROGS/pytest_leaky.py" "$TMP/pt/test_leaky.py"
for mode in full alloc; do
  detail=(); [ $mode = alloc ] && detail=(--detail alloc)
  (cd "$TMP/pt" && PYTHONPATH=$PKG timeout 300 "$RECORD" "${detail[@]}" -o "$TMP/pt_$mode.heapreel" \
     -m pytest -q -p heapreel.pytest_plugin -p no:cacheprovider test_leaky.py \
     >"$TMP/pt.out" 2>"$TMP/pt.err") || fail "pytest ($mode) under the recorder: $(cat "$TMP/pt.out" "$TMP/pt.err" | tail -n 3)"
  run 0 leaks --per-test --json "$TMP/pt_$mode.heapreel"
  json_check "$mode: leaks --per-test names test_leaky and no other" \
    'j["tests_marked"] == 3 and [t["nodeid"] for t in j["tests"]] == ["test_leaky.py::test_leaky"]'
  json_check "$mode: its Payload, list and 50 ints, held by the module's _CACHE" \
    'sorted((g["type"], g["count"]) for g in j["tests"][0]["groups"]) == [("Payload", 1), ("int", 50), ("list", 1)] and all(g["retention"][0] == "global '"'"'test_leaky._CACHE'"'"'" for g in j["tests"][0]["groups"])'
  run 0 leaks --per-test "$TMP/pt_$mode.heapreel"
  grep -q "^test_leaky.py::test_leaky: 52 objects" "$TMP/out" || fail "$mode text: $(head -5 "$TMP/out")"
  grep -q "held by: global 'test_leaky._CACHE' → item\[0\]" "$TMP/out" || fail "$mode text: no retention path"
  grep -q "test_clean" "$TMP/out" && fail "$mode text names a clean test: $(cat "$TMP/out")"
done
run 1 leaks --per-test "$TMP/marks.heapreel"; one_line_error "no test marks in"

# The reader: the same answers as the --json outputs, a connection with the
# events table, and a state diagram read back as SVG.
record_or_die "$TMP/leak.heapreel" "$PROGS/leak_listeners.py"
# The first analysis keeps what it gathered (keyframes, the frames index)
# in the trace, which changes the file size summary reports: done before
# the answers are taken.
"$HEAPREEL" leaks "$TMP/leak.heapreel" >/dev/null
for cmd in summary leaks cycles peak growth; do "$HEAPREEL" $cmd --json "$TMP/leak.heapreel" >"$TMP/$cmd.json"; done
"$HEAPREEL" growth --by type --from start --to end --json "$TMP/leak.heapreel" >"$TMP/growth_type.json"
"${HOST_ENV[@]}" env HEAPREEL=$HEAPREEL HEAPREEL_EVENTS_EXT=$EXT PYTHONPATH=$PKG $PY - "$TMP" <<'PY' || fail "the reader"
import json, os, sys
tmp = sys.argv[1]
before = set(sys.modules)
import heapreel
t = heapreel.open(os.path.join(tmp, 'leak.heapreel'))
for name in ('summary', 'leaks', 'cycles', 'peak', 'growth'):
    want = json.load(open(os.path.join(tmp, name + '.json')))
    got = getattr(t, name)()
    assert got == want, f'{name}(): {str(got)[:200]} != {str(want)[:200]}'
assert t.growth('start', 'end', by='type') == json.load(open(os.path.join(tmp, 'growth_type.json')))
st = t.state(mark='end')
assert st['frames'] and 'objects' in st, str(st)[:200]
svg = t.svg(mark='end')
assert svg.lstrip().startswith('<?xml') and '</svg>' in svg, svg[:100]
db = t.connect()
n = db.execute("SELECT count(*) FROM events WHERE kind = 'alloc'").fetchone()[0]
assert n > 0, n
try:
    db.execute("CREATE TABLE x (a)")
    raise AssertionError('the connection is not read-only')
except heapreel.reader.sqlite3.OperationalError:
    pass
try:
    t.state(step=10 ** 9)
    raise AssertionError('a step out of range did not raise')
except heapreel.HeapreelError as e:
    assert 'step' in str(e), e
try:
    heapreel.open(os.path.join(tmp, 'no-such.heapreel'))
    raise AssertionError('a missing trace did not raise')
except FileNotFoundError:
    pass
PY

# The install step: the package under the prefix where python3.11 looks, and
# its reader finds the installed heapreel and extension from its own place,
# with no HEAPREEL, no HEAPREEL_EVENTS_EXT and no heapreel on PATH; also
# after the tree is moved.
if command -v cmake >/dev/null; then
  cmake --install "$BUILD" --prefix "$TMP/prefix" >"$TMP/install.out" 2>&1 || fail "cmake --install: $(tail -3 "$TMP/install.out")"
  pydir=$(sed -n 's/^HEAPREEL_PYTHON_DIR:[A-Z]*=//p' "$BUILD/CMakeCache.txt")
  case $pydir in /*) skip "HEAPREEL_PYTHON_DIR is absolute ($pydir): the installed reader was not checked"; pydir= ;; esac
  for root in "$TMP/prefix" "$TMP/moved"; do
    [ -n "$pydir" ] || break
    [ "$root" = "$TMP/moved" ] && mv "$TMP/prefix" "$TMP/moved"
    for f in __init__.py pytest_plugin.py reader.py _install.py; do
      [ -f "$root/$pydir/heapreel/$f" ] || fail "the install step did not put heapreel/$f into $pydir"
    done
    (unset HEAPREEL HEAPREEL_EVENTS_EXT; cd "$TMP" && "${HOST_ENV[@]}" env PATH=/usr/bin:/bin PYTHONPATH=$root/$pydir $PY -c '
import heapreel, sys
root = sys.argv[1]
assert heapreel.__file__.startswith(root), heapreel.__file__
t = heapreel.open("leak.heapreel")
assert t.heapreel == root + "/bin/heapreel", t.heapreel
assert t.summary()["complete"] in (True, 1), t.summary()
assert t.connect().execute("SELECT count(*) FROM events").fetchone()[0] > 0
' "$root") && ok "the reader installed in $(basename "$root") finds heapreel and the extension" ||
      fail "the reader installed in $root"
  done
else
  skip "no cmake: the install step was not checked"
fi

[ "$failures" = 0 ] && echo "python_pkg: all checks passed"
exit $((failures > 0))
