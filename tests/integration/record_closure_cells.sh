#!/bin/bash
# record_closure_cells.sh — 30 Widgets kept alive only through 30 closures'
# cells (tests/programs/alloc_widget_closures.py): every cell, Widget and
# buffer is in the trace and reached, in an alloc and a full trace, as many
# as the program counted with gc. The same with each closure made in a
# thread of its own (alloc_thread_closures.py): a cell made in a function's
# prologue is its first line's, as a full trace has it, also when no frame
# of the program's is below it.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env record_closure_cells

prog=alloc_widget_closures.py
for m in alloc full; do
  record_or_die "$TMP/$m.heapreel" --detail $m "$PROGS/$prog"
  cells=$(sed -n 's/^cells //p' "$TMP/rec.out"); widgets=$(sed -n 's/^widgets //p' "$TMP/rec.out")
  [ "$cells" = 30 ] && [ "$widgets" = 30 ] || fail "$m: the program counted $cells cells, $widgets widgets"
  run 0 leaks --json "$TMP/$m.heapreel"
  json_check "$m: $cells cells, $widgets Widgets and their buffers reached, none elsewhere" '
(r := {g["type"]: g["count"] for g in j["groups"] if g["type"] in ("cell", "Widget", "bytearray")}) == {"cell": int(a[0]), "Widget": int(a[1]), "bytearray": int(a[1])} and not any(g["type"] in ("cell", "Widget", "bytearray") for g in j["unreached"] + j["cyclic_garbage"])' "$cells" "$widgets"
  json_check "$m: a Widget is held by global 'handlers' → item[0] → closure[0] → cell" \
    'any(g["type"] == "Widget" and g["retention"] == ["global '"'"'handlers'"'"'", "item[0]", "closure[0]", "cell"] for g in j["groups"])'
done
prog=alloc_thread_closures.py
first=$(line_of $prog FIRST_LINE)
for m in alloc full; do
  record_or_die "$TMP/t$m.heapreel" --detail $m "$PROGS/$prog"
  cells=$(sed -n 's/^cells //p' "$TMP/rec.out"); widgets=$(sed -n 's/^widgets //p' "$TMP/rec.out")
  [ "$cells" = 30 ] && [ "$widgets" = 30 ] || fail "threads, $m: the program counted $cells cells, $widgets widgets"
  run 0 leaks --json "$TMP/t$m.heapreel"
  json_check "threads, $m: $cells cells made on make's first line (line $first), $widgets Widgets and buffers reached" '
[(g["count"], g["function"]) for g in j["groups"] if g["type"] == "cell" and g["line"] == int(a[2])] == [(int(a[0]), "make")] and {g["type"]: g["count"] for g in j["groups"] if g["type"] in ("Widget", "bytearray")} == {"Widget": int(a[1]), "bytearray": int(a[1])} and not any(g["type"] in ("Widget", "bytearray") or g["line"] == int(a[2]) for g in j["unreached"] + j["cyclic_garbage"])' "$cells" "$widgets" "$first"
done
exit $((failures > 0))
