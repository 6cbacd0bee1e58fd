#!/bin/bash
# analyzer_keyframes.sh — keyframes built on the first long replay and cached
# in the trace: `state` answers the same with them as by a full replay, a
# later open uses them, and a trace that cannot be written (read-only file or
# directory, a cut-short recording) still answers, with a note on stderr.
# HEAPREEL_KEYFRAME_EVERY makes the build happen on a small trace.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_keyframes
keyframes() { "$HEAPREEL" sql "$1" "SELECT count(*) FROM keyframes" 2>/dev/null | tail -1 | tr -d ' '; }

record_or_die "$TMP/plain.heapreel" "$PROGS/kf_churn.py"
last=$("$HEAPREEL" summary --json "$TMP/plain.heapreel" | /usr/bin/python3.11 -c 'import json,sys; print(json.load(sys.stdin)["steps"])')
[ "${last:-0}" -gt 1000 ] && ok "kf_churn.py has $last steps" || fail "kf_churn.py has too few steps: '$last'"
steps="1 $((last / 3)) $((last / 2)) $((last - 1)) $last"

# The answers of a full replay: the default spacing is far longer than this trace.
for s in $steps; do "$HEAPREEL" state --json --step "$s" "$TMP/plain.heapreel" >"$TMP/full.$s" 2>"$TMP/err"; done
[ "$(keyframes "$TMP/plain.heapreel")" = 0 ] && ok "a short replay builds no keyframes" || fail "keyframes built for a short replay"

cp "$TMP/plain.heapreel" "$TMP/kf.heapreel"
export HEAPREEL_KEYFRAME_EVERY=200
run 0 state --json --step "$last" "$TMP/kf.heapreel"
n=$(keyframes "$TMP/kf.heapreel")
[ "${n:-0}" -ge 5 ] && ok "the first long replay cached $n keyframes" || fail "no keyframes cached: '$n'"
"$HEAPREEL" sql "$TMP/kf.heapreel" "SELECT value FROM meta WHERE key = 'keyframes'" | grep -q "analyzer, every [0-9]* events" \
  && ok "meta says who made the keyframes" || fail "meta 'keyframes' missing"
# Off a terminal too, the write is said once, with its size.
[ "$(grep -c . "$TMP/err")" = 1 ] && grep -q "^heapreel: note: caching $n keyframes in '.*kf.heapreel' (+[0-9.]* MB), once" "$TMP/err" \
  && ok "the cache write is one note on stderr" || fail "no single caching note: $(cat "$TMP/err")"
for s in $steps; do
  run 0 state --json --step "$s" "$TMP/kf.heapreel"
  cmp -s "$TMP/out" "$TMP/full.$s" && ok "state at step $s from keyframes equals the full replay" \
    || fail "state at step $s from keyframes differs from the full replay"
done
[ "$(keyframes "$TMP/kf.heapreel")" = "$n" ] && ok "later opens reuse the keyframes" || fail "keyframes rebuilt"

# HEAPREEL_NO_CACHE=1: the same answer, no note, the file untouched.
cp "$TMP/plain.heapreel" "$TMP/nc.heapreel"
sum=$(md5sum <"$TMP/nc.heapreel")
HEAPREEL_NO_CACHE=1 run 0 state --json --step "$last" "$TMP/nc.heapreel"
cmp -s "$TMP/out" "$TMP/full.$last" && [ ! -s "$TMP/err" ] && [ "$(md5sum <"$TMP/nc.heapreel")" = "$sum" ] \
  && ok "HEAPREEL_NO_CACHE=1: same answer, no note, file unchanged" || fail "HEAPREEL_NO_CACHE=1 wrote or differed: $(cat "$TMP/err")"

# The cache is bounded by a quarter of the events' size (64 KB on a trace
# this small): a heap that only grows and a keyframe before every step pass
# it, and keyframes stop there, said in the note.
printf 'a = []\nfor i in range(3000):\n    a.append(str(i))\n' >"$TMP/grow.py"
record_or_die "$TMP/grow.heapreel" "$TMP/grow.py"
glast=$("$HEAPREEL" summary --json "$TMP/grow.heapreel" | /usr/bin/python3.11 -c 'import json,sys; print(json.load(sys.stdin)["steps"])')
HEAPREEL_NO_CACHE=1 "$HEAPREEL" state --json --step "$((glast - 1))" "$TMP/grow.heapreel" >"$TMP/gfull" 2>/dev/null
chunks=$("$HEAPREEL" sql "$TMP/grow.heapreel" "SELECT sum(length(data)) FROM chunks" | tail -1 | tr -d ' ')
HEAPREEL_KEYFRAME_EVERY=1 run 0 state --json --step "$((glast - 1))" "$TMP/grow.heapreel"
gn=$(keyframes "$TMP/grow.heapreel")
gbytes=$("$HEAPREEL" sql "$TMP/grow.heapreel" "SELECT sum(length(data)) FROM keyframes" | tail -1 | tr -d ' ')
budget=$((chunks / 4 > 65536 ? chunks / 4 : 65536))
cmp -s "$TMP/out" "$TMP/gfull" && ok "keyframes up to the budget: same answer" || fail "keyframes up to the budget: answer differs"
grep -q "^heapreel: note: caching $gn keyframes .* (up to step [0-9]*: more would pass their budget" "$TMP/err" \
  && ok "the note says where the keyframes stop" || fail "no budget note: $(cat "$TMP/err")"
[ "${gn:-0}" -ge 1 ] && [ "${gbytes:-0}" -le "$budget" ] \
  && ok "cache bounded: $gn keyframes, $gbytes bytes, budget $budget (chunks $chunks)" \
  || fail "cache not bounded: $gn keyframes, $gbytes bytes, budget $budget (chunks $chunks)"
for s in 1 $((glast / 2)) "$glast"; do
  HEAPREEL_NO_CACHE=1 "$HEAPREEL" state --json --step "$s" "$TMP/grow.heapreel" >"$TMP/gfull" 2>/dev/null
  run 0 state --json --step "$s" "$TMP/grow.heapreel"
  cmp -s "$TMP/out" "$TMP/gfull" && [ ! -s "$TMP/err" ] && ok "past the budget, step $s: the full replay's answer" \
    || fail "past the budget, step $s: differs or a note: $(cat "$TMP/err")"
done

# A trace that cannot be written: same answers, a note, no change to the file.
# As root, file modes do not stop writes: run those as nobody.
as_user=()
if [ "$(id -u)" = 0 ]; then
  if command -v setpriv >/dev/null; then
    as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  else
    echo "SKIP: read-only traces: running as root without setpriv, file modes cannot stop a write"
  fi
fi
if [ "$(id -u)" != 0 ] || [ ${#as_user[@]} -gt 0 ]; then
  chmod 755 "$TMP"
  mkdir -p "$TMP/ro" "$TMP/rw"
  cp "$TMP/plain.heapreel" "$TMP/ro/t.heapreel"
  cp "$TMP/plain.heapreel" "$TMP/rw/t.heapreel"
  chmod 644 "$TMP/ro/t.heapreel"
  [ ${#as_user[@]} -gt 0 ] && chown nobody "$TMP/rw" "$TMP/rw/t.heapreel"
  chmod 444 "$TMP/rw/t.heapreel"       # a read-only file in a writable directory
  chmod 555 "$TMP/ro"                  # a writable-looking file in a read-only directory
  for f in "$TMP/ro/t.heapreel" "$TMP/rw/t.heapreel"; do
    sum=$(md5sum <"$f")
    "${as_user[@]}" "$HEAPREEL" state --json --step "$last" "$f" >"$TMP/out" 2>"$TMP/err"
    [ $? = 0 ] || fail "state on read-only $f failed: $(cat "$TMP/err")"
    cmp -s "$TMP/out" "$TMP/full.$last" && ok "read-only $f: same answer" || fail "read-only $f: answer differs"
    grep -q "^heapreel: note: keyframes cannot be cached in '.*' (.*read-only)" "$TMP/err" \
      && ok "read-only $f: a note says why it is slower" || fail "read-only $f: no note: $(cat "$TMP/err")"
    [ "$(md5sum <"$f")" = "$sum" ] && ok "read-only $f: file unchanged" || fail "read-only $f: file changed"
  done
  chmod 755 "$TMP/ro"
fi

# A cut-short recording is never written to.
"$SYNTH" --incomplete "$TMP/cut.heapreel" || fail "cannot write the synthetic incomplete trace"
HEAPREEL_KEYFRAME_EVERY=1 run 0 state --json --step 5 "$TMP/cut.heapreel"
grep -q "warning: trace .* is incomplete" "$TMP/err" && ok "incomplete trace warns" || fail "no incomplete warning"
grep -q "note: keyframes cannot be cached .*incomplete" "$TMP/err" && ok "incomplete trace: note, no keyframes" \
  || fail "incomplete trace: no note: $(cat "$TMP/err")"
[ "$("$HEAPREEL" sql "$TMP/cut.heapreel" "SELECT count(*) FROM keyframes" 2>/dev/null | tail -1 | tr -d ' ')" = 0 ] \
  && ok "incomplete trace unchanged" || fail "keyframes written into an incomplete trace"

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all keyframe checks passed"
