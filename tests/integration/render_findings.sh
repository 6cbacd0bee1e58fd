#!/bin/bash
# render_findings.sh — `render --cycle N` draws one cycle of `heapreel cycles`
# with its slots and closing reference; `render --leak N` draws the retention
# path of one group of `heapreel leaks`, root first.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env render_findings

for p in gc_rings leak_cache; do record_or_die "$TMP/$p.heapreel" "$PROGS/$p.py"; done

run 0 render "$TMP/gc_rings.heapreel" --cycle 1 -o "$TMP/c.dot"
[ "$(grep -c '<B>Node</B>' "$TMP/c.dot")" = 3 ] || fail "cycle 1 should draw its 3 Node members"
[ "$(grep -c ' -> o' "$TMP/c.dot")" = 3 ] || fail "cycle 1 should draw 3 references"
grep -q "attr &#39;next&#39;" "$TMP/c.dot" || fail "cycle edges are not labelled with their slot"
grep -q '#D55E00"><B>attr' "$TMP/c.dot" || fail "the closing reference is not marked"
grep -q 'cluster_stack' "$TMP/c.dot" && fail "a cycle diagram has no stack"
run 0 render "$TMP/gc_rings.heapreel" --cycle 5 -o "$TMP/c5.svg"
run 1 render "$TMP/gc_rings.heapreel" --cycle 6 -o "$TMP/c6.svg"; one_line_error "no cycle 6: the trace has 5"

run 0 render "$TMP/leak_cache.heapreel" --leak 1 -o "$TMP/l.dot"
grep -q '>_CACHE<' "$TMP/l.dot" || fail "the leak's root _CACHE is missing"
grep -q '<B>dict</B>' "$TMP/l.dot" || fail "the dict holding the leak is missing"
grep -q 'value\[0\]' "$TMP/l.dot" || fail "the path's slot value[0] is missing"
grep -q 'BORDER="3" CELLBORDER="0" CELLSPACING="0" CELLPADDING="5" COLOR="#D55E00"' "$TMP/l.dot" ||
  fail "the leaked object is not marked"
grep -q 'stack:f0r0:e -> o[0-9]*:h' "$TMP/l.dot" || fail "no edge from the root"
run 1 render "$TMP/leak_cache.heapreel" --leak 99 -o "$TMP/l.svg"; one_line_error "no leak group 99"
run 2 render "$TMP/leak_cache.heapreel" --leak 0 -o "$TMP/l.svg"

[ "$failures" = 0 ] && echo "render_findings: all checks passed"
exit $((failures > 0))
