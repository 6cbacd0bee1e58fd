#!/bin/bash
# flamegraph.sh — `heapreel flamegraph`: the whole of the graph is `peak`'s
# live bytes (or, with --leaks, `leaks`' bytes) on full and alloc traces;
# the HTML page is self-contained; the SVG is well-formed; errors are one
# line; and in headless Chromium (tests/tools/flame_check.py) a click zooms
# the clicked frame to the full width and the search highlights.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env flamegraph

record_or_die "$TMP/full.heapreel" "$PROGS/flame_peak.py"
record_or_die "$TMP/alloc.heapreel" --detail alloc "$PROGS/flame_peak.py"

# TRACE OUT [--leaks]: the whole in the wrote line and in the page's data
# equals what peak (leaks) says; leaves the whole in $whole.
whole_matches() {
  local trace=$1 out=$2; shift 2
  run 0 flamegraph "$@" -o "$out" "$trace"
  whole=$(sed -n "s/^heapreel: wrote '.*': [0-9]* frames, \([0-9]*\) bytes in [0-9]* objects .*/\1/p" "$TMP/err")
  local want
  if [ "${1:-}" = --leaks ]; then
    want=$("$HEAPREEL" leaks --json "$trace" | $PY -c 'import json, sys; print(json.load(sys.stdin)["bytes"])')
  else
    want=$("$HEAPREEL" peak --json "$trace" | $PY -c 'import json, sys; print(json.load(sys.stdin)["live_bytes"])')
  fi
  [ -n "$whole" ] && [ "$whole" = "$want" ] ||
    fail "flamegraph $* $(basename "$trace"): whole '$whole' bytes, expected $want ($(cat "$TMP/err"))"
  [ "${whole:-0}" -gt 0 ] || fail "flamegraph $* $(basename "$trace"): an empty graph"
}

for mode in full alloc; do
  T=$TMP/$mode.heapreel
  whole_matches "$T" "$TMP/$mode.html"
  eval "whole_$mode=\$whole"
  whole_matches "$T" "$TMP/${mode}_leaks.html" --leaks
  whole_matches "$T" "$TMP/$mode.svg"
  # The page: its data adds up, every node's bytes are its children's and its
  # own; nothing outside it is referred to; the SVG parses and shows the whole.
  $PY - "$TMP/$mode.html" "$TMP/$mode.svg" "$whole_full" <<'PY' || fail "$mode: the page or the SVG"
import json, re, sys, xml.etree.ElementTree as ET
page = open(sys.argv[1], encoding='utf-8').read()
m = re.search(r'<script type="application/json" id="heapreel-data">(.*?)</script>', page, re.S)
d = json.loads(m.group(1))
bad = []
if '<' in m.group(1):
    bad.append("a raw '<' in the data")
n = d['nodes']
kids = {}
for i, x in enumerate(n[1:], 1):
    kids[x[0]] = kids.get(x[0], 0) + x[4]
    if not 0 <= x[0] < i:
        bad.append(f'node {i} comes before its parent {x[0]}')
for i, x in enumerate(n):
    if x[4] != kids.get(i, 0) + x[6]:
        bad.append(f'node {i}: {x[4]} bytes, but its children and itself make {kids.get(i, 0) + x[6]}')
if n[0][4] != d['total']:
    bad.append('the root is not the whole')
if not any(x[1] == 'Node.__init__' for x in n) or not any(x[1] == 'leaves' for x in n):
    bad.append('no frame of leaves and Node.__init__')
markup = page[:m.start(1)] + page[m.end(1):]
for pat in [r'\bsrc\s*=', r'<link', r'@import', r'url\(', r'https?://', r'<iframe', r'<img']:
    if re.search(pat, markup, re.I):
        bad.append(f'the page refers to something outside it: {pat}')
if "default-src 'none'" not in markup:
    bad.append('no content security policy forbidding fetches')
svg = ET.parse(sys.argv[2]).getroot()
titles = [t.text for t in svg.iter('{http://www.w3.org/2000/svg}title')]
if not titles or not titles[0].startswith(f'all: {d["total"]} bytes'):
    bad.append(f'the SVG\'s first frame is {titles[:1]}')
if not any('leaves' in t for t in titles):
    bad.append('the SVG has no frame of leaves')
for b in bad:
    print('FAIL:', b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
done

# Errors: one line, nothing written.
run 2 flamegraph "$TMP/full.heapreel"; head -1 "$TMP/err" | grep -q "^heapreel: no output given" || fail "no -o: $(cat "$TMP/err")"
run 2 flamegraph -o "$TMP/x.png" "$TMP/full.heapreel"; head -1 "$TMP/err" | grep -q "^heapreel: -o writes HTML or SVG" || fail ".png: $(cat "$TMP/err")"
run 2 flamegraph --depth 3 -o "$TMP/x.html" "$TMP/full.heapreel"; head -1 "$TMP/err" | grep -q "^heapreel: unknown option '--depth'" || fail "unknown option: $(cat "$TMP/err")"
run 1 flamegraph -o "$TMP/x.html" "$TMP/no-such.heapreel"; one_line_error "cannot open trace"
run 1 flamegraph -o "$TMP/no/such/dir/x.html" "$TMP/full.heapreel"; one_line_error "cannot write"
[ -e "$TMP/x.html" ] && fail "a failed flamegraph left a page behind"
run 0 --help; grep -q "^  flamegraph " "$TMP/out" || fail "heapreel --help does not list flamegraph"

# In a browser.
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  skip "chromium is not installed: the flame graph was not checked in a browser (./build.sh test installs Debian's chromium)"
else
  timeout 120 $PY "$SRC/tests/tools/flame_check.py" "$CHROMIUM" "$TMP/full.html" "$TMP/full.png" \
    "$whole_full" leaves build_t || fail "the flame graph (full trace) in chromium"
  timeout 120 $PY "$SRC/tests/tools/flame_check.py" "$CHROMIUM" "$TMP/alloc.html" "$TMP/alloc.png" \
    "$whole_alloc" Node.__init__ LEAVES || fail "the flame graph (alloc trace) in chromium"
fi

[ "$failures" = 0 ] && echo "flamegraph: all checks passed"
exit $((failures > 0))
