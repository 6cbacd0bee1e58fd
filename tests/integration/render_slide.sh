#!/bin/bash
# render_slide.sh — the slide options of `render`: --slide (primitives
# inline, functions no name points at as a header only, refcounts only on
# the program's containers, never "rc static"), --focus with several names
# (comma-separated or repeated), --titles and --no-caption.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env render_slide

record_or_die "$TMP/lesson.heapreel" "$PROGS/course_lesson.py"
record_or_die "$TMP/mdef.heapreel" "$SRC/traces/mutable_default.py"
L=$TMP/lesson.heapreel

run 0 render "$L" --line 41 --slide -o "$TMP/slide.dot"
grep -q 'rc static' "$TMP/slide.dot" && fail "--slide shows 'rc static'"
grep -q '>function add_item(lst, item)</B></TD><TD ALIGN="RIGHT"><FONT[^>]*> </FONT>' "$TMP/slide.dot" ||
  fail "--slide: a function has a refcount badge"
grep -q '<B>list</B></TD><TD ALIGN="RIGHT"><FONT[^>]*>rc 3</FONT>' "$TMP/slide.dot" ||
  fail "--slide: the program's list shown three times has no 'rc 3'"
grep -q '&#39;LESSON&#39;' "$TMP/slide.dot" || fail "--slide does not draw primitives inline"
grep -q "<B>str</B>" "$TMP/slide.dot" && fail "--slide draws a str as a heap object"
run 0 render "$L" --line 41 -o "$TMP/plain.dot"
grep -q 'rc static' "$TMP/plain.dot" || fail "without --slide the static refcounts are gone too"
# A function a name points at keeps what it holds: the mutable default lesson.
run 0 render "$TMP/mdef.heapreel" --line 8 --slide -o "$TMP/mdef.dot"
grep -q '__defaults__' "$TMP/mdef.dot" || fail "--slide hides the __defaults__ of a named function"

# --focus: several names, either way, the same diagram.
run 0 render "$L" --line 30 --focus c,table -o "$TMP/f1.dot"
run 0 render "$L" --line 30 --focus c --focus table -o "$TMP/f2.dot"
cmp -s "$TMP/f1.dot" "$TMP/f2.dot" || fail "--focus c,table and --focus c --focus table differ"
for name in c table; do grep -q ">$name</FONT>" "$TMP/f1.dot" || fail "--focus c,table has no row '$name'"; done
grep -q '>grid</FONT>' "$TMP/f1.dot" && fail "--focus c,table shows grid"
run 1 render "$L" --line 30 --focus nosuch,other -o "$TMP/x.dot"
one_line_error "no frame has any of the names 'nosuch,other'"

# --titles and --no-caption.
run 0 render "$L" --line 30 --titles Stack,Heap --no-caption -o "$TMP/t.dot"
grep -q '>Stack</FONT>' "$TMP/t.dot" && grep -q '>Heap</FONT>' "$TMP/t.dot" || fail "--titles Stack,Heap not used"
grep -q 'Frames\|Objects' "$TMP/t.dot" && fail "--titles left the default titles"
grep -q 'step [0-9]' "$TMP/t.dot" && fail "--no-caption left the caption"
run 0 render "$L" --line 30 --titles '<b>S</b>,H&' -o "$TMP/t2.dot"
grep -q '&lt;b&gt;S&lt;/b&gt;' "$TMP/t2.dot" || fail "--titles is not escaped"
run 2 render "$L" --line 30 --titles Stack -o "$TMP/x.dot"
head -1 "$TMP/err" | grep -q "^heapreel: --titles needs two titles" || fail "--titles Stack: $(head -1 "$TMP/err")"
run 2 render "$L" --line 30 --focus a,,b -o "$TMP/x.dot"
head -1 "$TMP/err" | grep -q "^heapreel: --focus needs names" || fail "--focus a,,b: $(head -1 "$TMP/err")"

# A caption wider than the drawing: the drawing starts under the caption's
# start, as it does under a narrower one (dot widened the drawing by as much
# on each side: the frames stood 60 pt right of the caption's left edge).
record_or_die "$TMP/alias.heapreel" "$PROGS/lesson_aliasing.py"
run 0 render "$TMP/alias.heapreel" --line 6 --slide -o "$TMP/alias.svg"
run 0 render "$L" --line 41 --slide -o "$TMP/wide.svg"
for f in alias wide; do
  "$PY" - "$TMP/$f.svg" <<'PY' || fail "$f.svg: the drawing does not start under the caption"
import re, sys
svg = open(sys.argv[1]).read()
caption = float(re.search(r'<text text-anchor="start" x="([-\d.]+)"', svg).group(1))
path = re.search(r'<title>cluster_stack</title>\s*<path [^>]* d="([^"]+)"', svg).group(1)
left = min(float(x) for x in re.findall(r'([-\d.]+),[-\d.]+', path))
print(f'{sys.argv[1]}: caption at x={caption}, frames from x={left}')
sys.exit(0 if abs(caption - left) < 15 else 1)
PY
done

[ "$failures" = 0 ] && echo "render_slide: all checks passed"
exit $((failures > 0))
