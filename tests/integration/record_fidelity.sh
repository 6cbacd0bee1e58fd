#!/bin/bash
# record_fidelity.sh — records tests/programs/fidelity_*.py and checks the trace against CPython's own view.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env record_fidelity
HEAPREEL_EVENTS_EXT=$EXT . "$SRC/tests/tools/host_env.sh"
status=0
for prog in "$SRC"/tests/programs/fidelity_*.py; do
  name=$(basename "$prog" .py)
  if ! "$BUILD/heapreel-record" -o "$TMP/$name.heapreel" "$prog" >"$TMP/$name.out" 2>"$TMP/$name.err"; then
    echo "FAIL $name: recording failed"; cat "$TMP/$name.err"; status=1; continue
  fi
  expect="${prog%.py}.expect"
  [ -f "$expect" ] || expect=
  "${HOST_ENV[@]}" "$PY" "$SRC/tests/integration/record_fidelity.py" "$TMP/$name.heapreel" "$EXT" "$TMP/$name.out" $expect || status=1
done
exit $status
