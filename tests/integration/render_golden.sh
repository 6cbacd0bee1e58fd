#!/bin/bash
# render_golden.sh — golden DOT files for the course examples: records each
# traces/<name>.py, renders the point tests/golden/cases.txt names as DOT (the
# graph before layout: no addresses, no Graphviz-version-dependent
# coordinates) and compares it with tests/golden/<name>.dot. The reference
# counts of objects the whole interpreter shares (None, small ints, interned
# strings: 100 and more, or about 10^9 on Debian's 3.11) depend on the
# environment the program runs in, so they are normalized to N on both sides.
#
# After a deliberate change to the diagrams, regenerate the goldens with
#   HEAPREEL_REGEN_GOLDEN=1 ctest --test-dir build -R render_golden
# and review `git diff tests/golden` before committing.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env render_golden --keep-on-failure
GOLDEN=$SRC/tests/golden
. "$SRC/tests/tools/golden_dot.sh"

while read -r name how where; do
  case "$name" in ''|'#'*) continue ;; esac
  "$BUILD/heapreel-record" -o "$TMP/$name.heapreel" "$SRC/traces/$name.py" >/dev/null 2>"$TMP/rec.err" ||
    { fail "cannot record $name: $(cat "$TMP/rec.err")"; continue; }
  run 0 render "$TMP/$name.heapreel" "$how" "$where" -o "$TMP/$name.raw.dot"
  compare_golden "$name" "$name $how $where" || continue
  # The same run renders the same bytes.
  run 0 render "$TMP/$name.heapreel" "$how" "$where" -o "$TMP/$name.again.dot"
  cmp -s "$TMP/$name.raw.dot" "$TMP/$name.again.dot" || fail "$name: two renders of one trace differ"
done <"$GOLDEN/cases.txt"

[ "$failures" = 0 ] && echo "render_golden: all checks passed"
exit $((failures > 0))
