#!/bin/bash
# record_own_tracer.sh — a program's own sys.settrace / sys.setprofile (its
# tracers, pdb, the trace module, threading.settrace, a C-level tracer) run
# as under python3.11 while the recorder keeps recording: the same stdout and
# stderr, steps recorded after the program's tracing ends, and a C trace
# function the recorder cannot follow marked as a gap in the trace and in
# `summary`.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env record_own_tracer
printf 's\nn\nn\np c\nwhere\nc\n' >"$TMP/pdb.in"

# same NAME: NAME.py recorded (full detail) and run by python3.11 on the same
# stdin; stdout and stderr compared (heapreel's own closing line dropped,
# addresses masked).
same() {
  local name=$1 prog=$PROGS/$1.py
  "$RECORD" -o "$TMP/$name.heapreel" "$prog" <"$TMP/pdb.in" >"$TMP/$name.rec.out" 2>"$TMP/$name.rec.err"
  local rs=$?
  "$PY" "$prog" <"$TMP/pdb.in" >"$TMP/$name.py.out" 2>"$TMP/$name.py.err"
  local ps=$?
  [ "$rs" = "$ps" ] || fail "$name: exit status $rs, python3.11 gave $ps"
  for s in out err; do
    grep -v "^heapreel: recorded " "$TMP/$name.rec.$s" | sed 's/0x[0-9a-f]*/0xADDR/g' >"$TMP/a"
    sed 's/0x[0-9a-f]*/0xADDR/g' "$TMP/$name.py.$s" >"$TMP/b"
    cmp -s "$TMP/a" "$TMP/b" && ok "$name: std$s as under python3.11" \
      || fail "$name: std$s differs from python3.11: $(diff "$TMP/a" "$TMP/b" | head -8)"
  done
}

# stepped NAME MARKER: the trace of NAME has steps at the line marked MARKER,
# which runs after the program's own tracing ended.
stepped() {
  local line n
  line=$(line_of "$1.py" "$2")
  n=$("$HEAPREEL" steps "$TMP/$1.heapreel" | grep -c "/$1.py:$line ")
  [ "$n" -gt 0 ] && ok "$1: $n steps recorded at line $line, after its own tracing" \
    || fail "$1: no step recorded at line $line ($2): recording stopped with the program's tracer"
}

same own_settrace && stepped own_settrace "# after-settrace"
same own_pdb && stepped own_pdb "# after-pdb"
same own_trace && stepped own_trace "# after-trace"
same own_threads
# Threads started under threading.settrace and by _thread are still
# recorded: each thread function steps, on a thread other than the main one.
"$HEAPREEL" steps "$TMP/own_threads.heapreel" >"$TMP/th.steps"
for fn in work bad ex; do
  awk -v fn="$fn" '$4 == fn && $2 != 1 {found = 1} END {exit !found}' "$TMP/th.steps" \
    && ok "own_threads: $fn stepped in its own thread" || fail "own_threads: no step of $fn in a thread"
done

# Without a tracer of its own the program sees no trace function at all.
printf 'import sys\nf = sys._getframe()\nprint(sys.gettrace(), f.f_trace, f.f_trace_lines, f.f_trace_opcodes)\n' >"$TMP/none.py"
"$RECORD" -o "$TMP/none.heapreel" "$TMP/none.py" >"$TMP/none.out" 2>/dev/null
[ "$(cat "$TMP/none.out")" = "None None True False" ] && ok "no tracer: sys.gettrace() None, frame flags as python3.11's" \
  || fail "no tracer: the program read '$(cat "$TMP/none.out")', python3.11 reads 'None None True False'"

# A C-level tracer (PyEval_SetTrace) runs beside the recorder's.
same own_ctrace && stepped own_ctrace "# after-ctrace"
"$HEAPREEL" summary --json "$TMP/own_ctrace.heapreel" | grep -q '"gap": null' \
  && ok "own_ctrace: no gap" || fail "own_ctrace: a gap where the recorder saw everything"
# One put in the slot behind PyEval_SetTrace's back cannot be followed: the
# trace says so.
same own_ctrace_raw
"$HEAPREEL" summary "$TMP/own_ctrace_raw.heapreel" >"$TMP/sum.txt" 2>&1
grep -q "^complete .*with a gap: another C trace function took the recorder's place" "$TMP/sum.txt" \
  && ok "own_ctrace_raw: summary names the gap" \
  || fail "own_ctrace_raw: summary does not name the gap: $(head -4 "$TMP/sum.txt")"
"$HEAPREEL" summary --json "$TMP/own_ctrace_raw.heapreel" | grep -q '"gap": "another C trace function' \
  && ok "own_ctrace_raw: summary --json has the gap" || fail "own_ctrace_raw: no gap in summary --json"
"$HEAPREEL" summary --json "$TMP/own_settrace.heapreel" | grep -q '"gap": null' \
  && ok "own_settrace: no gap" || fail "own_settrace: a gap where the recorder saw everything"

# The same programs print the same with every frame recorded, and in alloc
# detail (no trace function of the recorder's there).
for opt in --all-frames "--detail alloc"; do
  for name in own_settrace own_pdb own_trace own_threads; do
    # shellcheck disable=SC2086
    "$RECORD" $opt -o "$TMP/o.heapreel" "$PROGS/$name.py" <"$TMP/pdb.in" >"$TMP/o.out" 2>/dev/null
    sed 's/0x[0-9a-f]*/0xADDR/g' "$TMP/o.out" >"$TMP/a"
    sed 's/0x[0-9a-f]*/0xADDR/g' "$TMP/$name.py.out" >"$TMP/b"
    cmp -s "$TMP/a" "$TMP/b" && ok "$name $opt: stdout as under python3.11" \
      || fail "$name $opt: stdout differs: $(diff "$TMP/a" "$TMP/b" | head -6)"
  done
done

[ "$failures" = 0 ] && echo "record_own_tracer: ok" || echo "record_own_tracer: $failures failed"
[ "$failures" = 0 ]
