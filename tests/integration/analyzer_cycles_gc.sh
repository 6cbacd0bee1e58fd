#!/bin/bash
# analyzer_cycles_gc.sh — `cycles` against what CPython says (gc.collect()'s
# counts, gc.get_referents) on tests/programs/cycles_del_ring.py: rings of
# Cells collected alone and together with an object whose __del__ runs inside
# the collector's run, and a self-referencing dict alive at the end; in a full
# trace and in an alloc trace of the same program.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_cycles_gc

prog=cycles_del_ring.py
record_or_die "$TMP/full.heapreel" "$PROGS/$prog"
cp "$TMP/rec.out" "$TMP/full.out"
record_or_die "$TMP/alloc.heapreel" --detail alloc "$PROGS/$prog"
cp "$TMP/rec.out" "$TMP/alloc.out"
# CPython's counts: each gc.collect() return value, in order.
collected=$(sed -n 's/^collected //p' "$TMP/full.out" | paste -sd, -)
[ "$collected" = "5,5" ] || fail "the program's gc.collect() counts are '$collected', expected 5,5"
ring=$(line_of $prog CLOSES_RING)
keep=$(line_of $prog CLOSES_KEEP)

# --- full trace ---------------------------------------------------------------------------
run 0 cycles --json "$TMP/full.heapreel"
json_check "full: both rings of 4 Cells collected, the one freed next to Fin's __del__ too" \
  'sorted(len(c["members"]) for c in j["collected"] if {m["type"] for m in c["members"]} == {"Cell"}) == [4, 4]'
json_check "full: the rings closed on line $ring" \
  'all(c["line"] == int(a[0]) for c in j["collected"] if c["members"][0]["type"] == "Cell")' "$ring"
json_check "full: Fin collected in the second run, with the second ring" \
  '(f := [c for c in j["collected"] if c["members"][0]["type"] == "Fin"]) and len(f) == 1 and f[0]["gc_step"] == max(c["gc_step"] for c in j["collected"] if c["members"][0]["type"] == "Cell")'
json_check "full: the dict alive at the end closes through value['me'] on line $keep" \
  'len(j["alive"]) == 1 and j["alive"][0]["closing_slots"] == ["value['"'"'me'"'"']"] and j["alive"][0]["line"] == int(a[0])' "$keep"

json_check "full: the collector freed what gc.collect() counted ($collected)" \
  'j["freed_objects"] == j["gc_collected"] == sum(int(x) for x in a[0].split(","))' "$collected"
cp "$TMP/out" "$TMP/full.json"

# --- alloc trace: no references while the program runs, the end's graph --------------------
run 0 cycles --json "$TMP/alloc.heapreel"
cp "$TMP/out" "$TMP/alloc.json"
json_check "alloc: the collector freed what gc.collect() counted ($collected), not 0" \
  'j["freed_objects"] == j["gc_collected"] == sum(int(x) for x in a[0].split(",")) and j["gc_runs"] == 2' "$collected"
json_check "alloc: 8 Cells in 2 runs, made in chain's list comprehension" \
  'any(g["type"] == "Cell" and g["count"] == 8 and g["runs"] == 2 and g["function"] == "chain.<locals>.<listcomp>" for g in j["freed_by_site"])'
json_check "alloc and full agree on what the collector freed, by type, site and count" \
  'sorted((g["type"], g["line"], g["count"]) for g in j["freed_by_site"]) == sorted((g["type"], g["line"], g["count"]) for g in json.load(open(a[0]))["freed_by_site"])' "$TMP/full.json"
json_check "alloc: the alive dict's slot is value['me'], as in the full trace" \
  'len(j["alive"]) == 1 and j["alive"][0]["closing_slots"] == ["value['"'"'me'"'"']"]'
json_check "alloc: the alive cycle's line is where its newest member was made (the line before $keep), said so" \
  'j["alive"][0]["line"] == int(a[0]) - 1 and j["alive"][0]["step"] is None and j["alive"][0]["line_is"] == "newest member made"' "$keep"
# When it closed: an alloc trace knows the step its newest member was made
# at (a site event's), not the bind that closed it, and says so.
made=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["alive"][0]["made"]["step"])' "$TMP/alloc.json")
site_line=$("$HEAPREEL" sql "$TMP/alloc.heapreel" "SELECT l.line FROM events e JOIN stacks st ON st.id = e.stack
  JOIN locations l ON l.id = st.location WHERE e.kind = 'site' AND e.step = ${made:-0}" | tail -1 | tr -d ' ')
[ -n "$made" ] && [ "$made" != None ] && [ "$site_line" = $((keep - 1)) ] \
  && ok "alloc: the alive cycle's step ($made) is its newest member's site step, on line $((keep - 1))" \
  || fail "alloc: the alive cycle's step is '$made', its site's line '$site_line' (want $((keep - 1)))"
run 0 cycles --json "$TMP/full.heapreel"
json_check "full: the same member made on the same line, the cycle closed at a later step" \
  '(c := j["alive"][0])["made"]["line"] == json.load(open(a[0]))["alive"][0]["made"]["line"] and c["step"] > c["made"]["step"]' "$TMP/alloc.json"
run 0 cycles "$TMP/alloc.heapreel"
grep -q "closed at step $made or later (an alloc trace records no reference changes; its newest member was made then, at .*cycles_del_ring.py:$((keep - 1)) in <module>)" "$TMP/out" \
  && ok "alloc text: closed at step $made or later, said why" || fail "alloc text: $(grep -A1 'member' "$TMP/out" | head -4)"
grep -q "^freed by the cyclic collector: 10 objects in 2 gc runs" "$TMP/out" \
  && ok "alloc text: the collector's objects and runs, never '0 cycles'" || fail "alloc text: $(head -c 600 "$TMP/out")"
grep -q "before the script's first line" "$TMP/out" && fail "alloc text places the alive cycle before the script's first line"
grep -q "8 Cell  allocated at .*cycles_del_ring.py:[0-9]* in chain.<locals>.<listcomp>  (2 runs)" "$TMP/out" \
  && ok "alloc text: the Cells by allocation site" || fail "alloc text lacks the Cells' site: $(head -c 900 "$TMP/out")"

exit $((failures > 0))
