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

exit $((failures > 0))
