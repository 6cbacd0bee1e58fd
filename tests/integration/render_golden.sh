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
. "$(dirname "$0")/../tools/test_env.sh" && test_env render_golden
GOLDEN=$SRC/tests/golden
# cgraph writes subgraphs in the order of their ids, which its default id
# discipline takes from the addresses of their interned names: the order of
# the clusters in the file can change with the heap's layout (not the graph).
# Each top-level cluster block is put in name order before comparing.
sort_clusters() {
  python3 -c '
import re, sys
text = sys.stdin.read()
blocks = re.findall(r"^\tsubgraph \S+ \{\n.*?^\t\}\n", text, re.M | re.S)
rest = text
for b in blocks:
    rest = rest.replace(b, "", 1)
head, sep, tail = rest.rpartition("\n}")
sys.stdout.write(head + "\n" + "".join(sorted(blocks)).rstrip("\n") + sep + tail)
'
}
normalize() { sed -E 's/rc 10⁹\+[0-9]+/rc 10⁹+N/g; s/rc [0-9]{3,}</rc N</g' | sort_clusters; }

while read -r name how where; do
  case "$name" in ''|'#'*) continue ;; esac
  "$BUILD/heapreel-record" -o "$TMP/$name.heapreel" "$SRC/traces/$name.py" >/dev/null 2>"$TMP/rec.err" ||
    { fail "cannot record $name: $(cat "$TMP/rec.err")"; continue; }
  run 0 render "$TMP/$name.heapreel" "$how" "$where" -o "$TMP/$name.raw.dot"
  normalize <"$TMP/$name.raw.dot" >"$TMP/$name.dot"
  if [ -n "${HEAPREEL_REGEN_GOLDEN:-}" ]; then
    cp "$TMP/$name.dot" "$GOLDEN/$name.dot"
    echo "render_golden: wrote $GOLDEN/$name.dot"
    continue
  fi
  if [ ! -f "$GOLDEN/$name.dot" ]; then fail "no golden file $GOLDEN/$name.dot"; continue; fi
  if ! diff -u "$GOLDEN/$name.dot" "$TMP/$name.dot" >"$TMP/diff"; then
    fail "$name $how $where differs from its golden DOT:"
    head -40 "$TMP/diff" >&2
  fi
  # The golden is a graph dot can lay out, and the same run renders the same bytes.
  dot -Tcanon "$TMP/$name.dot" >/dev/null 2>"$TMP/dot.err" || fail "dot rejects $name.dot: $(cat "$TMP/dot.err")"
  run 0 render "$TMP/$name.heapreel" "$how" "$where" -o "$TMP/$name.again.dot"
  cmp -s "$TMP/$name.raw.dot" "$TMP/$name.again.dot" || fail "$name: two renders of one trace differ"
done <"$GOLDEN/cases.txt"

[ "$failures" = 0 ] && echo "render_golden: all checks passed"
exit $((failures > 0))
