# golden_dot.sh — sourced by the golden-diagram tests (render_golden.sh,
# render_lessons.sh): DOT normalized so that it says only what the diagram
# shows, and the comparison with tests/golden/NAME.dot (or its rewriting
# under HEAPREEL_REGEN_GOLDEN=1). Needs test_env.sh's fail, $TMP and $GOLDEN.

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
# The reference counts of objects the whole interpreter shares (None, small
# ints, interned strings: 100 and more, or about 10^9 on Debian's 3.11) depend
# on the environment the program runs in: N on both sides.
normalize() { sed -E 's/rc 10⁹\+[0-9]+/rc 10⁹+N/g; s/rc [0-9]{3,}</rc N</g' | sort_clusters; }

# compare_golden NAME WHAT: $TMP/NAME.raw.dot, normalized into $TMP/NAME.dot,
# against $GOLDEN/NAME.dot (WHAT names the case in a failure), and accepted
# by dot. Under HEAPREEL_REGEN_GOLDEN the golden is rewritten instead. Returns
# 1 when there was nothing to compare (rewritten, or no golden file).
compare_golden() {
  local name=$1 what=$2
  normalize <"$TMP/$name.raw.dot" >"$TMP/$name.dot"
  if [ -n "${HEAPREEL_REGEN_GOLDEN:-}" ]; then
    cp "$TMP/$name.dot" "$GOLDEN/$name.dot"
    echo "$(basename "$0" .sh): wrote $GOLDEN/$name.dot"
    return 1
  fi
  if [ ! -f "$GOLDEN/$name.dot" ]; then fail "no golden file $GOLDEN/$name.dot"; return 1; fi
  if ! diff -u "$GOLDEN/$name.dot" "$TMP/$name.dot" >"$TMP/diff"; then
    fail "$what differs from its golden DOT:"
    head -40 "$TMP/diff" >&2
  fi
  dot -Tcanon "$TMP/$name.dot" >/dev/null 2>"$TMP/dot.err" || fail "dot rejects $name.dot: $(cat "$TMP/dot.err")"
  return 0
}
