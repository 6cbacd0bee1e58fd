#!/bin/bash
# render_lessons.sh — the nine moments of a stack-and-heap lesson
# (tests/programs/lesson_*.py) rendered at the teaching moment and compared
# with their golden DOT (tests/golden/lessons.txt; normalized as
# render_golden.sh does), then the facts a slide must not get wrong:
# the int 0 inlined, a closure's cell named, a returned list on its frame's
# `return` row, a garbage cycle shown before the collector runs and as ghosts
# when it does, and nothing reachable among the unreachable.
#
# Regenerate after a deliberate change with
#   HEAPREEL_REGEN_GOLDEN=1 ctest --test-dir build -R render_lessons
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env render_lessons
GOLDEN=$SRC/tests/golden
. "$SRC/tests/tools/golden_dot.sh"

# The step after FUNC's frame returned a value, or after the collector freed objects.
step_after() {
  local trace=$1 what=$2 q
  case "$what" in
    @return:*) q="select min(e.step) + 1 from events e join frames f on f.id = e.frame
                  join locations l on l.id = f.location join strings s on s.id = l.function
                  where e.kind = 'return' and coalesce(e.object, 0) != 0 and s.text = '${what#@return:}'" ;;
    @gc) q="select min(step) + 1 from events where kind = 'free' and flags & 1" ;;
  esac
  "$HEAPREEL" sql "$trace" "$q" 2>/dev/null | tail -1 | tr -d " "
}

for prog in "$PROGS"/lesson_*.py; do
  name=$(basename "$prog" .py)
  "$RECORD" -o "$TMP/$name.heapreel" "$prog" >/dev/null 2>"$TMP/rec.err" ||
    fail "cannot record $name: $(cat "$TMP/rec.err")"
done

# render GOLDEN PROGRAM POINT [OPTIONS]: the raw DOT into $TMP/GOLDEN.raw.dot
render_case() {
  local golden=$1 prog=$2 point=$3
  shift 3
  local args=("$point")
  if [ "${point#@}" != "$point" ]; then
    local s
    s=$(step_after "$TMP/$prog.heapreel" "$point")
    [ -n "$s" ] || { fail "$golden: no step for $point"; return 1; }
    args=(--step "$s")
  else
    args=("$point" "$1")
    shift
  fi
  run 0 render "$TMP/$prog.heapreel" "${args[@]}" "$@" -o "$TMP/$golden.raw.dot"
}

while read -r golden prog point rest; do
  case "$golden" in ''|'#'*) continue ;; esac
  # shellcheck disable=SC2086
  render_case "$golden" "$prog" "$point" $rest || continue
  compare_golden "$golden" "$golden" || continue
done <"$GOLDEN/lessons.txt"

D=$TMP
# 1. --inline-primitives inlines the int 0: [[0]*3]*3 draws no int box at all.
grep -q '<B>int</B>' "$D/lesson_grid_inline.raw.dot" && fail "--inline-primitives still draws an int box (0)"
# 8. A closure's cell is named after the variable it holds.
grep -q 'cell entries' "$D/lesson_closure.raw.dot" || fail "the closure's cell is not labelled 'entries'"
# 7. The list make_squares returned, bound to nothing yet, is on its frame's return row.
grep -q '>returned<' "$D/lesson_returned_list.raw.dot" || fail "no returned make_squares frame after its return"
grep -q '<B>list</B>' "$D/lesson_returned_list.raw.dot" || fail "the returned list vanished before it was bound"
# 4. After del a, b: the cycle is drawn as garbage by default; after gc.collect()
# its two lists are ghosts among the collector's victims.
n=$(grep -c '<B><FONT COLOR="[^"]*">list</FONT></B>' "$D/lesson_gc_cycle.raw.dot")
[ "$n" = 2 ] || fail "the garbage cycle after del a, b: $n dimmed lists, want 2"
grep -q 'awaiting the collector' "$D/lesson_gc_cycle.raw.dot" || fail "the garbage cycle is not labelled as garbage"
n=$(grep -c '<I>freed</I>' "$D/lesson_gc_cycle_freed.raw.dot")
[ "$n" = 2 ] || fail "after gc.collect(): $n ghosts, want the cycle's 2 lists"
grep -q 'freed by the collector' "$D/lesson_gc_cycle_freed.raw.dot" || fail "the ghosts are not labelled as the collector's"
# 3. --all-objects: a program without garbage has no unreachable group, with or
# without --all-names (reachability is the trace's, not the drawing's).
for extra in "" --all-names; do
  run 0 render "$D/lesson_aliasing.heapreel" --line 6 --all-objects $extra -o "$D/all.dot"
  grep -q 'cluster_unreached' "$D/all.dot" && fail "--all-objects $extra: reachable objects drawn as unreachable"
  grep -q 'cluster_hidden' "$D/all.dot" || fail "--all-objects $extra: no group of the other live objects"
done
# ... and the cycle is still garbage there.
run 0 render "$D/lesson_gc_cycle.heapreel" --line 9 --all-objects -o "$D/allgc.dot"
grep -q 'cluster_unreached' "$D/allgc.dot" || fail "--all-objects: the garbage cycle is not unreachable"

[ "$failures" = 0 ] && echo "render_lessons: all checks passed"
exit $((failures > 0))
