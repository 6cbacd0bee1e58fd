#!/bin/bash
# fuzz_traces.sh — a small mutation fuzzer over real traces, so that a
# hostile or damaged trace stays harmless: two programs recorded in full and
# alloc detail (the full ones with keyframes cached), a few hundred mutants
# (tests/tools/fuzz_traces.py: bytes flipped, schema text edited, rows
# deleted or copied, values changed, keyframes tampered with, files cut
# short), every analysis subcommand on each with a timeout. A crash, a
# sanitizer report, a hang, or stderr that is not one escaped line an error
# fails the test. Fewer mutants under the sanitizer build, which is slower.
# HEAPREEL_FUZZ_MUTANTS and HEAPREEL_FUZZ_SEED override the defaults.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env fuzz_traces --keep-on-failure
mutants=200 timeout=10
if grep -q '^HEAPREEL_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  mutants=20 timeout=60
fi
mutants=${HEAPREEL_FUZZ_MUTANTS:-$mutants}

bases=()
for detail in full alloc; do
  for prog in kf_churn gc_rings; do
    f=$TMP/$prog.$detail.heapreel
    "$RECORD" --detail $detail -o "$f" "$PROGS/$prog.py" >/dev/null 2>"$TMP/rec.err" \
      || { echo "FAIL: cannot record $prog.py ($detail): $(tail -c 300 "$TMP/rec.err")" >&2; exit 1; }
    if [ $detail = full ]; then
      # Keyframes in the file, so mutants tamper with them too.
      HEAPREEL_KEYFRAME_EVERY=150 "$HEAPREEL" state --step 999999999 "$f" >/dev/null 2>&1
      last=$("$HEAPREEL" summary --json "$f" | $PY -c 'import json,sys; print(json.load(sys.stdin)["steps"])')
      HEAPREEL_KEYFRAME_EVERY=150 "$HEAPREEL" state --step "$last" "$f" >/dev/null 2>&1
      n=$("$HEAPREEL" sql "$f" "SELECT count(*) FROM keyframes" | tail -1 | tr -d ' ')
      [ "${n:-0}" -ge 1 ] && ok "$prog ($detail): $n keyframes cached" || fail "$prog: no keyframes cached"
    fi
    bases+=("$f")
  done
done

$PY "$SRC/tests/tools/fuzz_traces.py" --heapreel "$HEAPREEL" --dir "$TMP/work" --mutants "$mutants" \
  --seed "${HEAPREEL_FUZZ_SEED:-19}" --timeout "$timeout" "${bases[@]}" >"$TMP/fuzz.out" 2>&1
st=$?
tail -1 "$TMP/fuzz.out"
if [ $st = 0 ]; then
  ok "no crash, hang, or unescaped or multi-line error over $mutants mutants"
else
  grep '^FAIL' "$TMP/fuzz.out" | head -20 | cut -c1-600 >&2
  grep -q '^fuzz:' "$TMP/fuzz.out" || tail -5 "$TMP/fuzz.out" >&2
  fail "the fuzzer found problems (mutants kept in $TMP/work/failures)"
fi

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all fuzz checks passed"
