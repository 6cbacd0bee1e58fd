#!/bin/bash
# analyzer_kfsize.sh — the keyframes the first long `state` caches take at
# most a quarter of the events' own size (the chunks' data), at the default
# spacing, on a heap that only grows (100,000 ints appended to a list: the
# keyframes of a growing heap are what once took as much as the events),
# and every state from them is the full replay's.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_kfsize
q() { "$HEAPREEL" sql "$1" "$2" 2>/dev/null | tail -1 | tr -d ' '; }

printf 'a = []\nfor i in range(100000):\n    a.append(i)\nprint(len(a))\n' >"$TMP/grow.py"
record_or_die "$TMP/plain.heapreel" "$TMP/grow.py"
last=$("$HEAPREEL" summary --json "$TMP/plain.heapreel" | $PY -c 'import json,sys; print(json.load(sys.stdin)["steps"])')
events=$("$HEAPREEL" summary --json "$TMP/plain.heapreel" | $PY -c 'import json,sys; print(json.load(sys.stdin)["events"])')
[ "${events:-0}" -ge 2000000 ] && ok "$events events, $last steps" || fail "too few events for three keyframes: '$events'"
chunks=$(q "$TMP/plain.heapreel" "SELECT sum(length(data)) FROM chunks")

cp "$TMP/plain.heapreel" "$TMP/kf.heapreel"
before=$(stat -c %s "$TMP/kf.heapreel")
run 0 state --json --step "$last" "$TMP/kf.heapreel"
grep -q "^heapreel: note: caching [0-9]* keyframes in .*, once" "$TMP/err" && ok "keyframes cached" \
  || fail "no caching note: $(cat "$TMP/err")"
n=$(q "$TMP/kf.heapreel" "SELECT count(*) FROM keyframes")
bytes=$(q "$TMP/kf.heapreel" "SELECT sum(length(data)) FROM keyframes")
after=$(stat -c %s "$TMP/kf.heapreel")
[ "${n:-0}" -ge 3 ] && ok "$n keyframes" || fail "too few keyframes: '$n'"
[ "${bytes:-0}" -gt 0 ] && [ "$bytes" -le $((chunks / 4)) ] \
  && ok "keyframes $bytes bytes, at most a quarter of the chunks' $chunks" \
  || fail "keyframes $bytes bytes, more than a quarter of the chunks' $chunks"
# The file grows by their pages: a few more, never the keyframes of old.
[ $((after - before)) -le $((chunks / 4 + 65536)) ] && ok "file $before -> $after bytes" \
  || fail "file grew from $before to $after bytes (chunks $chunks)"

# Every state from the keyframes is the full replay's, at steps just before,
# at and after keyframes and in between; later runs build nothing.
steps="1 2 $(q "$TMP/kf.heapreel" "SELECT group_concat(step, ',') FROM keyframes")"
steps="$steps $(q "$TMP/kf.heapreel" "SELECT group_concat(step + 1, ',') FROM keyframes")"
steps="$steps $((last / 7)) $((last / 3)) $((last / 2)) $((last * 5 / 6)) $((last - 1)) $last"
steps=$(echo $steps | tr " ," "\n\n" | sort -un | tr "\n" " ")
for s in $steps; do
  HEAPREEL_NO_CACHE=1 "$HEAPREEL" state --json --step "$s" "$TMP/plain.heapreel" >"$TMP/full" 2>/dev/null
  run 0 state --json --step "$s" "$TMP/kf.heapreel"
  cmp -s "$TMP/out" "$TMP/full" && [ ! -s "$TMP/err" ] && ok "step $s: the full replay's state" \
    || fail "step $s: differs from the full replay: $(cat "$TMP/err")"
done
[ "$(q "$TMP/kf.heapreel" "SELECT count(*) FROM keyframes")" = "$n" ] && ok "later runs reuse them" \
  || fail "keyframes rebuilt"

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all keyframe size checks passed"
