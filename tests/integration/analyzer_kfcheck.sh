#!/bin/bash
# analyzer_kfcheck.sh — cached keyframes are checked against the events they
# stand for before use: keyframes whose seqs were shifted, whose blobs were
# swapped, or whose rows were duplicated are ignored (one note), replaced
# where the file can be written, and every answer is a full replay's. Two
# `state` runs at once announce one cache write between them.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_kfcheck
keyframes() { "$HEAPREEL" sql "$1" "SELECT count(*) FROM keyframes" 2>/dev/null | tail -1 | tr -d ' '; }
tamper() { $PY -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.executescript(sys.argv[2])' "$1" "$2" || fail "cannot tamper with $1"; }

record_or_die "$TMP/plain.heapreel" "$PROGS/kf_churn.py"
last=$("$HEAPREEL" summary --json "$TMP/plain.heapreel" | $PY -c 'import json,sys; print(json.load(sys.stdin)["steps"])')
steps="$((last / 3)) $((last * 2 / 3)) $last"
for s in $steps; do HEAPREEL_NO_CACHE=1 "$HEAPREEL" state --json --step "$s" "$TMP/plain.heapreel" >"$TMP/full.$s" 2>/dev/null; done
export HEAPREEL_KEYFRAME_EVERY=200
cp "$TMP/plain.heapreel" "$TMP/kf.heapreel"
run 0 state --json --step "$last" "$TMP/kf.heapreel"
n=$(keyframes "$TMP/kf.heapreel")
[ "${n:-0}" -ge 4 ] && ok "$n keyframes cached" || fail "too few keyframes cached: '$n'"

# Each way of tampering, on a copy, aimed at the keyframe the first state
# asked below would use (k1; k0 the one before it): rows whose seq no longer
# is their state's, k0's and k1's blobs swapped, k0's row copied to a later
# step where it does not belong.
s1=${steps%% *}
q() { "$HEAPREEL" sql "$TMP/kf.heapreel" "$1" | tail -1 | tr -d ' '; }
k1=$(q "SELECT step FROM keyframes WHERE step <= $s1 ORDER BY step DESC LIMIT 1")
k0=$(q "SELECT step FROM keyframes WHERE step < $k1 ORDER BY step DESC LIMIT 1")
dup_seq=$(( $(q "SELECT min(seq) FROM events WHERE step = $s1") - 1 ))
[ -n "$k0" ] && [ "$k1" -lt "$s1" ] || fail "no two keyframes before step $s1 ('$k0', '$k1')"
declare -A how=(
  [shifted]="UPDATE keyframes SET seq = seq + 40"
  [swapped]="CREATE TEMP TABLE k AS SELECT step, data FROM keyframes WHERE step IN ($k0, $k1);
             UPDATE keyframes SET data = (SELECT data FROM k WHERE k.step <> keyframes.step) WHERE step IN ($k0, $k1)"
  [duplicated]="INSERT INTO keyframes(step, seq, data) SELECT $s1, $dup_seq, data FROM keyframes WHERE step = $k0"
)
for t in shifted swapped duplicated; do
  for mode in ro rw; do
    f=$TMP/$t.$mode.heapreel
    cp "$TMP/kf.heapreel" "$f"
    tamper "$f" "${how[$t]}"
    # ro: HEAPREEL_NO_CACHE=1 keeps the file as it is, as a read-only one is.
    nc=$([ $mode = ro ] && echo 1 || echo 0)
    notes=0
    for s in $steps; do
      HEAPREEL_NO_CACHE=$nc "$HEAPREEL" state --json --step "$s" "$f" >"$TMP/out" 2>"$TMP/err"
      cmp -s "$TMP/out" "$TMP/full.$s" && ok "$t ($mode): state at step $s is the full replay's" \
        || fail "$t ($mode): state at step $s differs from a full replay"
      notes=$((notes + $(grep -c "^heapreel: note: ignoring the keyframes cached in '.*$t.$mode.heapreel': " "$TMP/err")))
      [ "$(grep -vc "^heapreel: note: \(ignoring\|caching\)" "$TMP/err")" = 0 ] || fail "$t ($mode): stray stderr: $(cat "$TMP/err")"
      [ $mode = rw ] && break
    done
    # Read-only: said once a run (three runs); writable: said once, then replaced.
    want=$([ $mode = ro ] && echo 3 || echo 1)
    [ "$notes" = "$want" ] && ok "$t ($mode): the ignored keyframes are noted once a run" \
      || fail "$t ($mode): $notes notes, expected $want"
    if [ $mode = rw ]; then
      grep -q "^heapreel: note: caching [0-9]* keyframes" "$TMP/err" && ok "$t: keyframes rebuilt" || fail "$t: not rebuilt: $(cat "$TMP/err")"
      for s in $steps; do
        run 0 state --json --step "$s" "$f"
        cmp -s "$TMP/out" "$TMP/full.$s" && [ ! -s "$TMP/err" ] && ok "$t: rebuilt keyframes give step $s silently" \
          || fail "$t: after the rebuild, step $s: $(cat "$TMP/err")"
      done
    fi
  done
done

# The events under the keyframes are not those they were built from (here
# the check of the chunks before the first keyframe says so).
f=$TMP/events.heapreel
cp "$TMP/kf.heapreel" "$f"
$PY -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
(v,) = db.execute("SELECT value FROM meta WHERE key = ?", ("keyframes_check",)).fetchone()
e = v.split(" ")
f = e[0].split(":")
f[4] = str(int(f[4]) ^ 1)
e[0] = ":".join(f)
db.execute("UPDATE meta SET value = ? WHERE key = ?", (" ".join(e), "keyframes_check"))' "$f" || fail "cannot edit the check"
HEAPREEL_NO_CACHE=1 run 0 state --json --step "$last" "$f"
cmp -s "$TMP/out" "$TMP/full.$last" && grep -q "note: ignoring the keyframes .*: the events up to seq [0-9]* are not those" "$TMP/err" \
  && ok "keyframes over chunks that changed are ignored" || fail "check of the chunks: $(cat "$TMP/err")"

# Two runs at once on a trace without keyframes: one cache write is said.
for i in 1 2 3; do
  cp "$TMP/plain.heapreel" "$TMP/race$i.heapreel"
  for k in 1 2 3 4; do "$HEAPREEL" state --json --step "$last" "$TMP/race$i.heapreel" >"$TMP/race$i.$k.out" 2>"$TMP/race$i.$k.err" & done
  wait
  said=$(cat "$TMP"/race$i.*.err | grep -c "^heapreel: note: caching")
  [ "$said" = 1 ] && ok "race $i: four runs at once, one cache write said" || fail "race $i: $said cache writes said"
  for k in 1 2 3 4; do cmp -s "$TMP/race$i.$k.out" "$TMP/full.$last" || fail "race $i: run $k differs"; done
done

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all keyframe check checks passed"
