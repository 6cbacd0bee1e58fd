#!/bin/bash
# render_html.sh — `render --html`: one self-contained stepping page. Checks
# the page brings nothing from outside, its options and errors, its size on
# a course example, and then drives it in headless Chromium through the
# DevTools protocol (tests/tools/page_check.py): a real right-arrow key press
# changes the point, the highlighted line and the diagram; and a program that
# prints and holds `</script><script>alert(1)</script>` injects nothing.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env render_html

for prog in traces/aliasing.py traces/recursion.py tests/programs/html_strings.py; do
  record_or_die "$TMP/$(basename "$prog" .py).heapreel" "$SRC/$prog"
done
A=$TMP/aliasing.heapreel

# The default page: every step of user code.
run 0 render "$TMP/recursion.heapreel" --html "$TMP/rec.html"
grep -q "^heapreel: wrote '.*rec.html': 73 steps, [0-9]* distinct diagrams, [0-9.]* kB ([0-9.]* kB of SVG)$" "$TMP/err" ||
  fail "unexpected summary: $(cat "$TMP/err")"
distinct=$(sed -n 's/.* steps, \([0-9]*\) distinct.*/\1/p' "$TMP/err")
[ "${distinct:-73}" -lt 73 ] || fail "identical diagrams of consecutive steps were not shared"
size=$(stat -c %s "$TMP/rec.html")
[ "$size" -lt 150000 ] || fail "the 73-step page of recursion.py is $size bytes, expected under 150 kB"

# Self-contained: the page's own markup (all but the JSON data, where '<' is
# always \u003c) has two scripts, no external reference of any kind.
$PY - "$TMP/rec.html" <<'PY' || failures=$((failures + 1))
import json, re, sys
page = open(sys.argv[1], encoding='utf-8').read()
bad = []
m = re.search(r'<script type="application/json" id="heapreel-data">(.*?)</script>', page, re.S)
if not m:
    sys.exit(print('FAIL: no data element', file=sys.stderr) or 1)
data, markup = m.group(1), page[:m.start(1)] + page[m.end(1):]
if '<' in data:
    bad.append("a raw '<' in the data")
d = json.loads(data)
if len(d['points']) != 73 or not d['files'] or not d['lines']:
    bad.append(f"data: {len(d['points'])} points, {len(d['files'])} files")
svg = '\n'.join(d['lines'][i] for r in [d['diags'][d['points'][5][3]]] for k in range(0, len(r), 2)
                for i in range(r[k], r[k] + r[k + 1]))
if '<svg' not in svg or '</svg>' not in svg:
    bad.append('a diagram does not rebuild into SVG')
if markup.count('<script') != 2:
    bad.append(f"{markup.count('<script')} <script> tags in the page's markup")
for pat in [r'\bsrc\s*=', r'<link', r'@import', r'url\(', r'https?://', r'<iframe', r'<img', r'<object']:
    if re.search(pat, markup, re.I):
        bad.append(f'the page refers to something outside it: {pat}')
if "default-src 'none'" not in markup:
    bad.append('no content security policy forbidding fetches')
for b in bad:
    print('FAIL:', b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# Choosing the points, options, errors.
run 0 render "$A" --every line --html "$TMP/a.html" --theme dark --max-items 3
grep -q ': 8 steps,' "$TMP/err" || fail "--every line page: $(cat "$TMP/err")"
grep -q '"theme":"dark"' "$TMP/a.html" || fail "--theme dark is not in the page"
run 0 render "$A" --steps 3,7,31 --html "$TMP/steps.html"
grep -q ': 3 steps,' "$TMP/err" || fail "--steps page: $(cat "$TMP/err")"
run 0 render "$A" --lines 4,8 --html "$TMP/lines.html"
usage_error() {  # PATTERN: a usage error's first line
  head -1 "$TMP/err" | grep -q "^heapreel: .*$1" || fail "usage error '$(head -1 "$TMP/err")' does not match '$1'"
}
run 2 render "$A" --step 3 --html "$TMP/x.html"; usage_error "--html takes its steps from"
run 2 render "$A" --html "$TMP/x.html" -o "$TMP/y.svg"; usage_error "leave out -o"
run 2 render "$A" --html; usage_error "needs a value"
run 1 render "$A" --html "$TMP/no/such/dir/x.html"; one_line_error "cannot write"
run 1 render "$A" --steps 3,999999 --html "$TMP/x.html"; one_line_error "step"
[ -e "$TMP/x.html" ] && fail "a failed render left a page behind"

# In a browser.
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "SKIP: chromium is not installed: the page was not checked in a browser" \
       "(./build.sh test installs Debian's chromium)" >&2
  echo "SKIP: render_html browser checks"
else
  $PY "$SRC/tests/tools/page_check.py" "$CHROMIUM" "$TMP/a.html" "$TMP/a.png" \
    --text "a = [1, 2, 3]" --text "[1, 2, 3, 4]" || fail "the aliasing page in chromium"
  run 0 render "$TMP/html_strings.heapreel" --every line --html "$TMP/s.html"
  $PY "$SRC/tests/tools/page_check.py" "$CHROMIUM" "$TMP/s.html" "$TMP/s.png" \
    --text '</script><script>alert(1)</script>' --text '<b>to stderr</b>' \
    --text '<img src=x onerror="alert(2)"> & <!-- -->' --text "'<key>'" \
    || fail "the strings page in chromium"
fi

[ "$failures" = 0 ] && echo "render_html: all checks passed"
exit $((failures > 0))
