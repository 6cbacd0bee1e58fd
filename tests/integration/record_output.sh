#!/bin/bash
# record_output.sh — the trace's output table holds every write of the program
# to sys.stdout / sys.stderr at the step it happened, while what the program
# prints reaches the real stdout and stderr byte for byte as under python3.11.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env record_output
PROG=$PROGS/output_streams.py
HEAPREEL_EVENTS_EXT=$EXT . "$SRC/tests/tools/host_env.sh"

"$BUILD/heapreel-record" -o "$TMP/o.heapreel" "$PROG" >"$TMP/rec.out" 2>"$TMP/rec.err"
rec_status=$?
"$PY" "$PROG" >"$TMP/py.out" 2>"$TMP/py.err"
py_status=$?
[ "$rec_status" = "$py_status" ] && ok "exit status $rec_status as python3.11" \
  || fail "exit status $rec_status, python3.11 gave $py_status"
cmp -s "$TMP/rec.out" "$TMP/py.out" && ok "stdout byte for byte as python3.11" \
  || fail "stdout differs from python3.11: $(diff "$TMP/rec.out" "$TMP/py.out" | head -5)"
# stderr is not a terminal: the recorder adds nothing to it.
cmp -s "$TMP/rec.err" "$TMP/py.err" && ok "stderr byte for byte as python3.11" \
  || fail "stderr differs from python3.11: $(diff "$TMP/rec.err" "$TMP/py.err" | head -5)"

"${HOST_ENV[@]}" "$PY" - "$TMP" "$EXT" "$PROG" <<'PY' || failures=$((failures + 1))
import sqlite3, sys
tmp, ext, prog = sys.argv[1:4]
db = sqlite3.connect(tmp + "/o.heapreel")
db.enable_load_extension(True)
db.load_extension(ext)
bad = 0
def check(ok, what):
    global bad
    print(("ok: " if ok else "FAIL: ") + what, file=sys.stdout if ok else sys.stderr)
    bad += not ok
rows = db.execute("SELECT seq, step, stream, text FROM output ORDER BY rowid").fetchall()
for stream, name in ((1, "out"), (2, "err")):
    got = "".join(t for _, _, s, t in rows if s == stream).encode()
    want = open("%s/py.%s" % (tmp, name), "rb").read()
    check(got == want, "the output rows of stream %d are python3.11's std%s (%d bytes, trace %d)"
          % (stream, name, len(want), len(got)))
check(all(a[0] <= b[0] and a[1] <= b[1] for a, b in zip(rows, rows[1:])),
      "output rows are in seq and step order")
src = open(prog).read().splitlines()
def line_of(tag):
    return next(i + 1 for i, l in enumerate(src) if tag in l)
def lines_of(text):
    steps = [st for _, st, _, t in rows if t == text]
    return [db.execute("SELECT l.line FROM events e JOIN locations l ON l.id = e.location"
                       " WHERE e.kind = 'step' AND e.step = ?", (st,)).fetchone()[0] for st in steps]
check(lines_of("first line") == [line_of("OUT_FIRST")], "'first line' written at the step of its print line")
check(lines_of("to stderr") == [line_of("OUT_ERR")], "'to stderr' written at the step of its print line")
check(lines_of("loop") == [line_of("OUT_LOOP")] * 3, "each 'loop' write at the loop's print line")
steps = [st for _, st, _, t in rows if t == "loop"]
check(len(set(steps)) == 3, "three loop iterations, three steps (%s)" % steps)
check(not any("captured" in t or "a file" in t for _, _, _, t in rows),
      "writes to a StringIO or a file are not output")
# Recording a write makes no Python object: the objects a print line allocates
# are the same whether or not it writes to a recorded stream.
def allocs(tag):
    st = [st for _, st, _, t in rows if t == tag]
    return db.execute("SELECT count(*) FROM events WHERE kind = 'alloc' AND step = ?", st[:1]).fetchone()[0]
check(allocs("first line") == 0, "the step writing 'first line' allocates no object (%d)" % allocs("first line"))
sys.exit(1 if bad else 0)
PY

"$HEAPREEL" sql "$TMP/o.heapreel" "SELECT step, stream, text FROM output WHERE text = 'last'" >"$TMP/sql.out" 2>&1 \
  && grep -q "last" "$TMP/sql.out" && ok "heapreel sql reads the output table" \
  || fail "heapreel sql on the output table: $(cat "$TMP/sql.out")"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all record_output checks passed"
