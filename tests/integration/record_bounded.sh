#!/bin/bash
# record_bounded.sh — the recorder's work per instruction is bounded by what
# the instruction touches. bench/bounded.py times, recorded, each kind of
# container operation (a list's item and tail; a dict's item set, delete,
# pop and update; a set's add, discard and |=; an instance attribute; a
# module global) over containers of 10 and of 1,000,000 entries, in the
# interpreter thread's CPU time; each must cost at most 1.5x as much at the
# big size. An operation whose diff reads its whole container costs
# thousands of times more there. An operation over the limit but within
# 10x is measured again (at most twice), keeping each size's best.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env record_bounded
BIG=1000000
if [ "${HEAPREEL_SANITIZE:-OFF}" = ON ]; then
  # The sanitizer build records several times slower: its big containers
  # are smaller, still far past where a whole read would show.
  BIG=100000
  echo "record_bounded: SANITIZER BUILD: big containers of $BIG entries, not 1,000,000" >&2
fi
REPS=${BOUNDED_REPS:-2000}
LIMIT=1.5
ALL="list_item list_append_pop dict_rebind dict_set_del dict_pop dict_update set_add_discard set_ior inst_attr module_global"

measure() {  # OP...: appends "op small big" lines to $TMP/all
  if ! "$RECORD" -o "$TMP/b.heapreel" "$SRC/bench/bounded.py" --compare 10 "$BIG" "$REPS" "$@" \
      >"$TMP/run.out" 2>"$TMP/run.err"; then
    fail "recording bench/bounded.py failed: $(tail -c 400 "$TMP/run.err")"
    return 1
  fi
  rm -f "$TMP/b.heapreel"
  cat "$TMP/run.out" >>"$TMP/all"
}

# over [MAX]: the operations whose best big / best small is past the limit
# (or unmeasured), up to MAX times the small cost when given.
over() {
  for op in $ALL; do
    awk -v op="$op" -v lim="$LIMIT" -v max="${1:-0}" '$1 == op {
        if (!n || $2 < s) s = $2; if (!n || $3 < b) b = $3; n++ }
      END { if (!n || s <= 0 || (b / s > lim && (!max || b / s <= max))) print op }' "$TMP/all"
  done | tr '\n' ' '
}

: >"$TMP/all"
measure $ALL || exit 1
for try in 1 2; do
  again=$(over 10)   # past 10x, a second look changes nothing
  [ -z "$again" ] && break
  echo "record_bounded: measuring again: $again"
  measure $again || exit 1
done

bad=" $(over) "
for op in $ALL; do
  line=$(awk -v op="$op" '$1 == op { if (!n || $2 < s) s = $2; if (!n || $3 < b) b = $3; n++ }
    END { if (n) printf "%d ns at 10, %d ns at big: %.2fx", s, b, (s > 0 ? b / s : 0) }' "$TMP/all")
  if [ -z "$line" ]; then
    fail "$op: not measured"
  elif [ -z "${bad##* $op *}" ]; then
    fail "$op: $line (limit ${LIMIT}x, big = $BIG entries)"
  else
    ok "$op: $line"
  fi
done
[ "$failures" = 0 ] && echo "record_bounded: ok" || echo "record_bounded: $failures failed"
[ "$failures" = 0 ]
