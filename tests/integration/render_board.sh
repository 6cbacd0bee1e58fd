#!/bin/bash
# render_board.sh — storyboards: --steps, --lines and --every write one
# numbered file per point into a directory, and every node keeps its place
# (its top-left corner) from file to file, because one layout serves them all.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env render_board

record_or_die "$TMP/a.heapreel" "$SRC/traces/aliasing.py"
record_or_die "$TMP/m.heapreel" "$PROGS/run_mark.py"
A=$TMP/a.heapreel

run 0 render "$A" --every line -o "$TMP/every/"
names=$(cd "$TMP/every" && ls | tr '\n' ' ')
[ "$names" = "001-line2.svg 002-line3.svg 003-line4.svg 004-line5.svg 005-line6.svg 006-line7.svg 007-line8.svg 008-line9.svg " ] ||
  fail "--every line wrote: $names"

# Positions: every node two files share has the same top-left corner.
/usr/bin/python3.11 - "$TMP/every" <<'PY' || failures=$((failures + 1))
import os, re, sys, xml.etree.ElementTree as ET
NS = '{http://www.w3.org/2000/svg}'
def corners(path):
    root = ET.parse(path).getroot()
    out = {}
    for g in root.iter(NS + 'g'):
        if g.get('class') != 'node':
            continue
        name = g.find(NS + 'title').text
        xs, ys = [], []
        for poly in g.iter(NS + 'polygon'):
            for pt in poly.get('points').split():
                x, y = pt.split(',')
                xs.append(float(x)); ys.append(float(y))
        out[name] = (min(xs), min(ys))
    return out
d = sys.argv[1]
files = sorted(os.listdir(d))
maps = [corners(os.path.join(d, f)) for f in files]
bad, compared = [], 0
for i in range(len(maps)):
    for j in range(i + 1, len(maps)):
        for name in set(maps[i]) & set(maps[j]):
            compared += 1
            (x1, y1), (x2, y2) = maps[i][name], maps[j][name]
            if abs(x1 - x2) > 0.01 or abs(y1 - y2) > 0.01:
                bad.append(f'{name}: {files[i]} {maps[i][name]} vs {files[j]} {maps[j][name]}')
if compared < 20:
    bad.append(f'only {compared} node pairs compared: the files share too little')
for b in bad[:10]:
    print('FAIL: node moved:', b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

run 0 render "$A" --steps 3,7,31 -o "$TMP/steps/" --format dot
[ "$(ls "$TMP/steps" | tr '\n' ' ')" = "001-line2.dot 002-line4.dot 003-line8.dot " ] ||
  fail "--steps wrote: $(ls "$TMP/steps")"
grep -q 'pos="[0-9.-]*,[0-9.-]*!"' "$TMP/steps/002-line4.dot" || fail "storyboard DOT has no pinned positions"
run 0 render "$A" --lines 4,8 -o "$TMP/lines/" --format png
[ "$(ls "$TMP/lines" | tr '\n' ' ')" = "001-line4.png 002-line8.png " ] || fail "--lines wrote: $(ls "$TMP/lines")"
# A second storyboard into the same directory replaces the first one's frames
# (none of them stays behind to be mistaken for this run's) and keeps other files.
touch "$TMP/lines/notes.txt" "$TMP/lines/017-step99.svg"
run 0 render "$A" --lines 8 -o "$TMP/lines/" --format svg
[ "$(ls "$TMP/lines" | tr '\n' ' ')" = "001-line8.svg notes.txt " ] || fail "a second storyboard left: $(ls "$TMP/lines")"
grep -q "removed 3 frames of an earlier storyboard" "$TMP/err" || fail "no word of the removed frames: $(cat "$TMP/err")"
run 0 render "$TMP/m.heapreel" --every mark -o "$TMP/marks/"
# first, second, third, and the recorder's own "end" when the main script ends.
[ "$(ls "$TMP/marks" | wc -l)" = 4 ] || fail "--every mark should write 4 files: $(ls "$TMP/marks")"

# Errors.
run 2 render "$A" --steps 3,7 -o "$TMP/file.svg"; one_line_error "needs a directory"
run 1 render "$A" --steps 3,999999 -o "$TMP/bad/"; one_line_error "step"
run 2 render "$A" --steps 3,x -o "$TMP/bad/"; one_line_error "--steps needs step numbers"
run 2 render "$A" --every word -o "$TMP/bad/"
run 2 render "$A" --step 3 --format png -o "$TMP/x.svg"

[ "$failures" = 0 ] && echo "render_board: all checks passed"
exit $((failures > 0))
