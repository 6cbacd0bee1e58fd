#!/bin/bash
# render_strings.sh — every string a program can make renders as text:
# records tests/programs/render_strings.py (markup, quotes, control
# characters, long text, non-ASCII, lone surrogates, raw bytes, a script tag)
# and checks the SVG and the DOT are well-formed and hold the text escaped.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env render_strings

record_or_die "$TMP/s.heapreel" "$PROGS/render_strings.py"
last=$(wc -l <"$SRC/tests/programs/render_strings.py")
for extra in "" "--inline-primitives"; do
  run 0 render "$TMP/s.heapreel" --line "$last" $extra -o "$TMP/s.svg"
  run 0 render "$TMP/s.heapreel" --line "$last" $extra -o "$TMP/s.dot"
  dot -Tsvg "$TMP/s.dot" -o "$TMP/relaid.svg" 2>"$TMP/dot.err" || fail "dot cannot read the DOT: $(cat "$TMP/dot.err")"
  /usr/bin/python3.11 - "$TMP/s.svg" "$TMP/relaid.svg" "$TMP/s.dot" <<'PY' || failures=$((failures + 1))
import sys, xml.etree.ElementTree as ET
bad = []
texts = []
for path in sys.argv[1:3]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        bad.append(f'{path} is not well-formed XML: {e}')
        continue
    tags = {el.tag.split('}')[-1] for el in root.iter()}
    if 'script' in tags or 'b' in tags or 'i' in tags:
        bad.append(f'{path}: program text became elements: {sorted(tags)}')
    texts.append(' '.join(el.text or '' for el in root.iter() if el.tag.endswith('text')))
want = ["'</script><script>alert(1)</script>'", "<b>bold</b> & <i>x</i>",
        'he said "hi"', r"line1\nline2\ttab\r\x00\x1b[31m", 'héllo wörld → ✓',
        r"'bad \udcff surrogate'", r"b'\xff\xfe<>&\x00'", "']]> <!-- -->'", '<attr>&', "'<key>'",
        "'xxxxxxxxxx"]
for t in texts:
    for w in want:
        if w not in t:
            bad.append(f'text {w!r} is not in the diagram')
    if 'x' * 60 in t:
        bad.append('the 500-character string is not shortened')
    if '…' not in t:
        bad.append('no ellipsis marks the shortened string')
dot = open(sys.argv[3], encoding='utf-8').read()
if '&lt;/script&gt;&lt;script&gt;' not in dot:
    bad.append('the DOT does not hold the script tag escaped')
for b in bad:
    print('FAIL:', b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
done
if command -v xmllint >/dev/null; then
  xmllint --noout "$TMP/s.svg" || fail "xmllint rejects the SVG"
else
  echo "SKIP: xmllint missing (python's parser checked the SVG)"
fi

[ "$failures" = 0 ] && echo "render_strings: all checks passed"
exit $((failures > 0))
