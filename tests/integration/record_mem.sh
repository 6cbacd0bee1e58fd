#!/bin/bash
# record_mem.sh — the bytes of the trace's mem events at the program's end
# agree with tracemalloc's view of the same program: tests/programs/mem_end.py
# run under `python3.11 -X tracemalloc` prints what it added to the traced
# memory after its mark "base"; the trace's last mem event minus the one in
# force at that mark must be within 3 % of it.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env record_mem
PROG=$PROGS/mem_end.py

record_or_die "$TMP/m.heapreel" "$PROG"
"$PY" -X tracemalloc "$PROG" >"$TMP/tm.out" || { echo "FAIL: $PROG under -X tracemalloc failed"; exit 1; }
tm=$(sed -n 's/^tracemalloc_current //p' "$TMP/tm.out")
rec=$("$HEAPREEL" sql --json "$TMP/m.heapreel" \
  "SELECT (SELECT bytes FROM events WHERE kind = 'mem' ORDER BY seq DESC LIMIT 1)
        - (SELECT bytes FROM events WHERE kind = 'mem'
           AND seq < (SELECT seq FROM markers WHERE label = 'base') ORDER BY seq DESC LIMIT 1) AS d,
          (SELECT max(seq) FROM events WHERE kind = 'mem') < (SELECT seq FROM markers WHERE label = 'end') AS before_end" \
  | "$PY" -c 'import json, sys; r = json.load(sys.stdin)["rows"][0]; print(r["d"], r["before_end"])')
set -- $rec
echo "tracemalloc: $tm bytes added after 'base'; trace: $1 bytes"
status=0
[ "$2" = 1 ] && echo "ok: the last mem event comes before the end mark" \
  || { echo "FAIL: no mem event before the end mark"; status=1; }
if "$PY" -c 'import sys; tm, rec = int(sys.argv[1]), int(sys.argv[2]); sys.exit(0 if abs(rec - tm) <= 0.03 * tm else 1)' "$tm" "$1"; then
  echo "ok: within 3 % ($("$PY" -c 'import sys; print("%.2f %%" % (100 * (int(sys.argv[2]) - int(sys.argv[1])) / int(sys.argv[1])))' "$tm" "$1"))"
else
  echo "FAIL: trace $1 bytes, tracemalloc $tm bytes: more than 3 % apart"; status=1
fi
exit $status
