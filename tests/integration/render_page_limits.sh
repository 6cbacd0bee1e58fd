#!/bin/bash
# render_page_limits.sh — the stepping page of a long run: `render --html`
# on a run with more than 400 line changes (once a crash: the point list was
# freed and then used), built within a minute for a 30,000-step program,
# with at most RND_HTML_MAX_POINTS (300) points, what was left out said on
# stderr and on the page; in Chromium at 1400x900, wide diagrams are never
# shrunk below 0.6 of their size (then they scroll), small ones never blown
# up beyond 1.5 (they were to 2.5, 50 px text); and the refcount
# badges have a WCAG AA contrast (4.5:1) on their header in every theme.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env render_page_limits

record_or_die "$TMP/long.heapreel" "$PROGS/long_lists.py"
record_or_die "$TMP/wide.heapreel" "$PROGS/wide_chain.py"
record_or_die "$TMP/lesson.heapreel" "$PROGS/course_lesson.py"
"$HEAPREEL" summary "$TMP/long.heapreel" | grep -Eq '^steps +(2[89]|3[0-9])[0-9]{3}$' ||
  fail "long_lists.py is not a 30,000-step run: $("$HEAPREEL" summary "$TMP/long.heapreel" | grep '^steps')"

# Under the sanitizers (several times slower) the page draws 40 points, not
# 300, and the time bound is not checked.
CAP=300
if [ "${HEAPREEL_SANITIZE:-OFF}" = ON ]; then
  CAP=40
  export HEAPREEL_HTML_MAX_POINTS=$CAP
  echo "SKIP: sanitizer build: the page's time bound is not checked, and it draws $CAP points" >&2
fi
start=$(date +%s)
run 0 render "$TMP/long.heapreel" --html "$TMP/long.html"
took=$(( $(date +%s) - start ))
echo "render_page_limits: the page of long_lists.py took $took s"
[ "${HEAPREEL_SANITIZE:-OFF}" = ON ] || [ "$took" -lt 60 ] ||
  fail "the page of a 30,000-step run took $took s (bound: 60 s)"
grep -q "^heapreel: the page shows $CAP of [0-9]* points, evenly spread (marks kept)" "$TMP/err" ||
  fail "no word of the points left out: $(cat "$TMP/err")"
grep -q "^heapreel: wrote '.*long.html': $CAP steps" "$TMP/err" || fail "summary: $(cat "$TMP/err")"
"$PY" - "$TMP/long.html" "$TMP/long.heapreel" "$HEAPREEL" "$CAP" <<'PY' || failures=$((failures + 1))
import json, re, subprocess, sys
page = open(sys.argv[1], encoding='utf-8').read()
d = json.loads(re.search(r'<script type="application/json" id="heapreel-data">(.*?)</script>', page, re.S).group(1))
bad = []
if len(d['points']) != int(sys.argv[4]):
    bad.append(f"{len(d['points'])} points")
if d.get('leftout', 0) < 1000:
    bad.append(f"leftout {d.get('leftout')}: the page does not say what it left out")
steps = [p[0] for p in d['points']]
if steps != sorted(steps):
    bad.append('points out of order')
# Evenly spread: no gap between shown points above 3x the mean.
gaps = [b - a for a, b in zip(steps, steps[1:])]
if max(gaps) > 3 * (steps[-1] - steps[0]) / len(gaps):
    bad.append(f'uneven points: largest gap {max(gaps)} steps')
# Every mark is shown: the page of the marks alone has its steps among these.
subprocess.run([sys.argv[3], 'render', sys.argv[2], '--every', 'mark', '--html', sys.argv[1] + '.marks.html'],
               check=True, capture_output=True)
marks = json.loads(re.search(r'id="heapreel-data">(.*?)</script>',
                             open(sys.argv[1] + '.marks.html', encoding='utf-8').read(), re.S).group(1))
missing = [p[0] for p in marks['points'] if p[0] not in steps]
if len(marks['points']) < 3 or missing:
    bad.append(f"{len(marks['points'])} marks, steps {missing} not on the page")
for b in bad:
    print('FAIL:', b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
grep -q 'more points of the run are left out' "$TMP/long.html" || fail "the page has no note for the left-out points"
grep -q 'drawing' "$TMP/err" && fail "progress written to stderr that is no terminal: $(cat "$TMP/err")"

# Bounded also when the points are asked for: --every line on the same run;
# on a terminal, a render of more than two seconds shows its progress, and
# clears it when done.
# The condition is this render's own time (the page's above may differ), in
# milliseconds: whole seconds of `date +%s` called a 2.1-s render 3 s.
tty_start=$(date +%s%N)
"$PY" "$SRC/tests/tools/pty_screen.py" "$TMP/tty.raw" "$HEAPREEL" render "$TMP/long.heapreel" \
  --every line --html "$TMP/every.html" >"$TMP/tty.screen" || fail "--every line --html on a terminal failed"
took_ms=$(( ($(date +%s%N) - tty_start) / 1000000 ))
took=$((took_ms / 1000)).$(printf %03d $((took_ms % 1000)))
grep -q "the page shows $CAP of" "$TMP/tty.screen" || fail "--every line --html was not capped: $(cat "$TMP/tty.screen")"
if [ "$took_ms" -ge 3000 ]; then
  grep -aq 'heapreel: drawing: [0-9]*%' "$TMP/tty.raw" || fail "no progress on a terminal for a ${took}-s render"
  grep -q 'drawing' "$TMP/tty.screen" && fail "the progress line stays on the screen: $(cat "$TMP/tty.screen")"
else
  echo "SKIP: the render took $took s, too quick for its progress to show" >&2
fi

# Refcount badges: 4.5:1 against the header they sit on, every theme.
for theme in light dark print; do
  run 0 render "$TMP/lesson.heapreel" --line 41 --theme "$theme" -o "$TMP/c-$theme.svg"
done
"$PY" - "$TMP"/c-*.svg <<'PY' || failures=$((failures + 1))
import re, sys
NAMED = {'white': 'ffffff', 'black': '000000', 'none': None}
def lum(c):
    c = NAMED.get(c, c.lstrip('#'))
    v = [int(c[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    v = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in v]
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]
def contrast(a, b):
    x, y = sorted([lum(a), lum(b)])
    return (y + 0.05) / (x + 0.05)
bad, n = [], 0
for path in sys.argv[1:]:
    svg = open(path).read()
    for node in re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S):
        fill = None
        for m in re.finditer(r'<polygon fill="([^"]+)"|<text[^>]*fill="([^"]+)"[^>]*>(rc [^<]*)</text>', node):
            if m.group(1):
                if m.group(1) != 'none':
                    fill = m.group(1)
            elif fill:
                n += 1
                r = contrast(m.group(2), fill)
                if r < 4.5:
                    bad.append(f'{path}: "{m.group(3)}" {m.group(2)} on {fill}: {r:.2f}:1')
if n < 9:
    bad.append(f'only {n} badges found')
for b in sorted(set(bad))[:10]:
    print('FAIL: contrast', b, file=sys.stderr)
print(f'render_page_limits: {n} badges checked')
sys.exit(1 if bad else 0)
PY

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "SKIP: chromium is not installed: the long page and the fit limit were not checked in a browser" >&2
  echo "SKIP: render_page_limits browser checks"
else
  run 0 render "$TMP/wide.heapreel" --lines 3,9,10,11:5,11:9,12 --html "$TMP/wide.html"
  "$PY" "$SRC/tests/tools/page_check.py" "$CHROMIUM" "$TMP/wide.html" "$TMP/wide.png" \
    --window 1400x900 --min-scale 0.6 || fail "the wide page in chromium"
  "$PY" "$SRC/tests/tools/page_check.py" "$CHROMIUM" "$TMP/long.html" "$TMP/long.png" \
    --text "more points of the run are left out" || fail "the long page in chromium"
fi

[ "$failures" = 0 ] && echo "render_page_limits: all checks passed"
exit $((failures > 0))
