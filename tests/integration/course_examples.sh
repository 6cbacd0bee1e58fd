#!/bin/bash
# course_examples.sh — records each course example of traces/ (an instrumented
# copy with the same lines, see course_examples.py) and checks the trace with
# record_fidelity.py against what CPython printed in the same run; the
# untouched examples must print the same under heapreel as under python3.11.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env course_examples
HEAPREEL_EVENTS_EXT=$EXT . "$SRC/tests/tools/host_env.sh"
status=0
"$PY" "$SRC/tests/integration/course_examples.py" "$SRC/traces" "$TMP" || exit 1
n=0
for prog in "$TMP"/*.py; do
  name=$(basename "$prog" .py)
  n=$((n + 1))
  echo "== $name"
  if ! "$BUILD/heapreel-record" -o "$TMP/$name.heapreel" "$prog" >"$TMP/$name.out" 2>"$TMP/$name.err"; then
    echo "FAIL $name: recording failed"; cat "$TMP/$name.err"; status=1; continue
  fi
  grep -q '^CHK ' "$TMP/$name.out" || { echo "FAIL $name: printed no CHK line"; status=1; }
  "${HOST_ENV[@]}" "$PY" "$SRC/tests/integration/record_fidelity.py" "$TMP/$name.heapreel" "$EXT" \
    "$TMP/$name.out" "$TMP/$name.expect" || status=1
  # The example itself, unchanged: same stdout as python3.11.
  "$BUILD/heapreel-record" -o "$TMP/$name.plain.heapreel" "$SRC/traces/$name.py" >"$TMP/$name.rec" 2>/dev/null
  "$PY" "$SRC/traces/$name.py" >"$TMP/$name.py.out"
  cmp -s "$TMP/$name.rec" "$TMP/$name.py.out" && echo "PASS $name.py prints as under python3.11" \
    || { echo "FAIL $name.py prints differently under heapreel"; status=1; }
done
[ "$n" = 7 ] || { echo "FAIL: expected 7 course examples, found $n"; status=1; }
exit $status
