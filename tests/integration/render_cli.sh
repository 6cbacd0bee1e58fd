#!/bin/bash
# render_cli.sh — `heapreel render` on a recorded course example: every
# output format, the diagram's options, what changed since the previous step,
# and each error case with its exit status and one-line message.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env render_cli

for name in returns lifetime aliasing; do record_or_die "$TMP/$name.heapreel" "$SRC/traces/$name.py"; done
T=$TMP/returns.heapreel

# Every format, with its signature.
run 0 render "$T" --line 5 -o "$TMP/r.svg"
grep -q '<svg' "$TMP/r.svg" || fail "r.svg is not SVG"
if command -v xmllint >/dev/null; then xmllint --noout "$TMP/r.svg" || fail "r.svg is not well-formed XML"
else echo "SKIP: xmllint missing, r.svg not checked as XML"; fi
run 0 render "$T" --line 5 -o "$TMP/r.png"
[ "$(head -c 4 "$TMP/r.png" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "r.png is not PNG"
run 0 render "$T" --line 5 -o "$TMP/r.pdf"
[ "$(head -c 5 "$TMP/r.pdf")" = "%PDF-" ] || fail "r.pdf is not PDF"
run 0 render "$T" --line 5 -o "$TMP/r.dot"
grep -q '^digraph heapreel' "$TMP/r.dot" || fail "r.dot is not a DOT digraph"
dot -Tsvg "$TMP/r.dot" >/dev/null 2>"$TMP/dot.err" || fail "dot cannot read r.dot: $(cat "$TMP/dot.err")"
ls "$TMP" | grep -q 'tmp' && fail "a temporary file was left behind: $(ls "$TMP")"

# What the diagram holds: frames newest on top with ports, objects with a
# refcount badge, edges from slot ports; the active frame in blue.
grep -q 'PORT="f0r0"' "$TMP/r.dot" || fail "no slot port f0r0"
grep -q 'make_pair</B>' "$TMP/r.dot" || fail "the make_pair frame is missing"
grep -q 'stack:f0r1:e -> o[0-9]*:h' "$TMP/r.dot" || fail "no edge from the scratch slot's port"
grep -q '<B>tuple</B>' "$TMP/r.dot" || fail "the tuple is missing"
grep -q 'rc 1<' "$TMP/r.dot" || fail "no refcount badge"
/usr/bin/python3.11 - "$TMP/r.dot" <<'PY' || fail "frames are not newest on top"
import sys, re
s = open(sys.argv[1]).read()
s = s[s.find('cluster_stack'):]
a, b = s.find('make_pair</B>'), s.find('&lt;module&gt;</B>')
sys.exit(0 if 0 <= a < b else 1)
PY
run 0 render "$T" --line 5 --stack-order oldest-top -o "$TMP/old.dot"
/usr/bin/python3.11 - "$TMP/old.dot" <<'PY' || fail "--stack-order oldest-top does not put <module> first"
import sys
s = open(sys.argv[1]).read()
s = s[s.find('cluster_stack'):]
a, b = s.find('make_pair</B>'), s.find('&lt;module&gt;</B>')
sys.exit(0 if 0 <= b < a else 1)
PY

# The returning frame shows its return value (step 20 runs `return pair`).
run 0 render "$T" --step 20 -o "$TMP/ret.dot"
grep -q '<I>return</I>' "$TMP/ret.dot" || fail "the returning frame shows no return value"

# --inline-primitives puts 7 in the slot: no int node left for x.
run 0 render "$T" --line 5 --inline-primitives -o "$TMP/inl.dot"
grep -q '<B>int</B>' "$TMP/inl.dot" && fail "--inline-primitives still draws int objects"
grep -q '>7</FONT></TD>' "$TMP/inl.dot" || fail "--inline-primitives does not show 7 in its slot"
grep -q '<B>int</B>' "$TMP/r.dot" || fail "ints are not heap objects by default"

# --show, --focus, --max-items, --depth, --theme.
run 0 render "$T" --line 5 --show id,size -o "$TMP/show.dot"
grep -q '0x[0-9a-f]' "$TMP/show.dot" || fail "--show id shows no address"
grep -q '[0-9] B' "$TMP/show.dot" || fail "--show size shows no size"
grep -q 'rc [0-9]' "$TMP/show.dot" && fail "--show id,size still shows refcounts"
grep -q '0x[0-9a-f]' "$TMP/r.dot" && fail "addresses are shown by default"
run 0 render "$T" --line 5 --focus scratch -o "$TMP/focus.dot"
grep -q '<B>list</B>' "$TMP/focus.dot" || fail "--focus scratch lost the list"
grep -q '<B>tuple</B>' "$TMP/focus.dot" && fail "--focus scratch still draws the tuple"
run 0 render "$T" --line 5 --max-items 1 -o "$TMP/max.dot"
grep -q '1 more' "$TMP/max.dot" || fail "--max-items 1 shows no ellipsis row"
# A big heap is drawn within the default limits (24 rows a container, 250
# objects, the rest counted in the caption); 0 lifts a limit.
record_or_die "$TMP/big.heapreel" "$SRC/tests/programs/render_big.py"
run 0 render "$TMP/big.heapreel" --line 10 -o "$TMP/big.svg"
grep -q '99976 more' "$TMP/big.svg" || fail "the 100,000-item list is not cut at 24 rows by default"
grep -q 'only the first 250 objects' "$TMP/big.svg" || fail "the caption does not say the 3,000-node chain was cut"
[ "$(grep -c 'class="node"' "$TMP/big.svg")" -le 260 ] || fail "more than 250 objects drawn by default"
run 0 render "$TMP/big.heapreel" --line 10 --max-objects 0 --max-items 30 -o "$TMP/big-all.dot"
[ "$(grep -c '<B>Node</B>' "$TMP/big-all.dot")" = 3000 ] || fail "--max-objects 0 does not draw the whole chain"
run 2 render "$TMP/big.heapreel" --line 10 --max-objects many -o "$TMP/x.svg"
grep -q "^heapreel: --max-objects needs a number" "$TMP/err" || fail "--max-objects many: $(head -1 "$TMP/err")"
run 0 render "$T" --line 5 --depth 1 -o "$TMP/depth.dot"
[ "$(grep -c '<B>int</B>' "$TMP/depth.dot")" = 1 ] || fail "--depth 1 should keep only the int x names"
for th in light dark print; do
  run 0 render "$T" --line 5 --theme $th -o "$TMP/th-$th.svg"
done
grep -q '#1b1d22' "$TMP/th-dark.svg" || fail "--theme dark has no dark background"

# Changes since the previous step: a new binding in the accent colour, a
# freed object as a dashed ghost, an unbound name greyed.
L=$TMP/lifetime.heapreel
run 0 render "$L" --line 14 -o "$TMP/ghost.dot"
grep -q 'STYLE="dashed"' "$TMP/ghost.dot" || fail "the node freed by 'alias = None' is not a ghost"
grep -q '<I>freed</I>' "$TMP/ghost.dot" || fail "the ghost is not labelled freed"
grep -q '#D55E00"><B>alias' "$TMP/ghost.dot" || fail "the rebound name alias is not marked"
run 0 render "$L" --line 12 -o "$TMP/unbound.dot"
grep -q '<S>first</S>' "$TMP/unbound.dot" || fail "'del first' does not grey the name"
run 0 render "$L" --line 14 --no-changes -o "$TMP/nochange.dot"
grep -q 'STYLE="dashed"' "$TMP/nochange.dot" && fail "--no-changes still draws ghosts"
run 0 render "$L" --line 19 --all-objects -o "$TMP/all.dot"
grep -q 'cluster_unreached' "$TMP/all.dot" || fail "--all-objects has no group for the unreachable cycle"
[ "$(grep -c '<B><FONT COLOR="#6b6b6b">Node' "$TMP/all.dot")" = 2 ] ||
  fail "--all-objects should show the two unreachable Node objects dimmed"

# Errors: one line, non-zero.
run 1 render "$T" --step 999999 -o "$TMP/x.svg"; one_line_error "step"
run 2 render "$T" --step 3 -o "$TMP/x.gif"; one_line_error "cannot tell the format of"
run 1 render "$T" --step 3 -o "$TMP/no/such/dir/x.svg"; one_line_error "cannot write '"
mkdir -p "$TMP/ro" && chmod a-w "$TMP/ro"
if [ "$(id -u)" != 0 ]; then
  run 1 render "$T" --step 3 -o "$TMP/ro/x.svg"; one_line_error "cannot write '.*Permission denied"
else echo "SKIP: running as root, a read-only directory is writable"; fi
run 1 render "$TMP/missing.heapreel" --step 3 -o "$TMP/x.svg"; one_line_error "cannot open trace"
run 1 render "$T" --line 1000 -o "$TMP/x.svg"; one_line_error "line 1000"
run 1 render "$T" --mark nope -o "$TMP/x.svg"; one_line_error "nope"
run 1 render "$T" --step nope -o "$TMP/x.svg"; one_line_error "nope"
# --step takes a point as every command does: a mark's label is --mark's.
run 0 render "$T" --step end -o "$TMP/step-end.dot"
run 0 render "$T" --mark end -o "$TMP/mark-end.dot"
cmp -s "$TMP/step-end.dot" "$TMP/mark-end.dot" && ok "render --step end is --mark end" \
  || fail "render --step end differs from --mark end"
run 1 render "$T" --line 5 --focus nobody -o "$TMP/x.svg"; one_line_error "nobody"
run 2 render "$T" --step 3
run 2 render "$T" -o "$TMP/x.svg"
run 2 render "$T" --step 3 --line 4 -o "$TMP/x.svg"
run 2 render "$T" --step 3 --theme neon -o "$TMP/x.svg"
run 0 render -h
grep -q -- '--inline-primitives' "$TMP/out" || fail "render -h does not list --inline-primitives"

[ "$failures" = 0 ] && echo "render_cli: all checks passed"
exit $((failures > 0))
