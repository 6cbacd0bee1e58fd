# sql.sh — `heapreel sql` text and JSON output, exit codes, and the events extension in sqlite3 and Python.
set -u

: "${HEAPREEL_EVENTS_EXT:?}"
. "$(dirname "$0")/../tools/test_env.sh" && test_env sql --keep-on-failure
SQLITE=/usr/bin/sqlite3
MAKE_TRACE="$HEAPREEL_BUILD/tests/hr_make_trace"

# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || fail "$1: got [$2], want [$3]"; }
# run CMD...: sets out, err, rc (in place of cli_checks.sh's run)
run() { "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; out=$(cat "$TMP/out"); err=$(cat "$TMP/err"); }

T="$TMP/demo.heapreel"
"$MAKE_TRACE" --iterations 200 --chunk-events 64 "$T" || { echo "FAIL: cannot make a trace" >&2; exit 1; }

# --- text output -------------------------------------------------------------
run "$HEAPREEL" sql "$T" "SELECT seq, kind, slot FROM events WHERE seq BETWEEN 4 AND 6"
expect_eq "text rc" "$rc" 0
expect_eq "text output" "$out" "seq  kind    slot
---  ------  ---------
  4  alloc
  5  bind    local 'x'
  6  incref"
expect_eq "text stderr" "$err" ""

# several statements: the last one's rows are printed
run "$HEAPREEL" sql "$T" "CREATE TEMP TABLE m AS SELECT * FROM events WHERE kind = 'mark'; SELECT label FROM m; -- done"
expect_eq "multi rc" "$rc" 0
expect_eq "multi output" "$out" "label
-----
start"

# control characters and bad UTF-8 from the traced program stay on one line
run "$HEAPREEL" sql "$T" "SELECT message FROM events WHERE kind = 'exception'"
expect_eq "escaped rc" "$rc" 0
expect_eq "escaped lines" "$(printf '%s\n' "$out" | wc -l)" 3
case "$out" in *'bad\tvalue "q"\n\x01 café \xff end'*) ;; *) fail "escaped text: [$out]" ;; esac

# NULL is an empty cell
run "$HEAPREEL" sql "$T" "SELECT 1 AS a, NULL AS b, 'z' AS c"
expect_eq "null cell" "$out" "a  b  c
-  -  -
1     z"

# --- JSON output --------------------------------------------------------------
run "$HEAPREEL" sql --json "$T" "SELECT seq, step, kind, slot, label, message, x'00ff' AS b, 2.5 AS f, NULL AS n FROM events WHERE kind IN ('mark', 'bind', 'exception') AND seq < 10 OR kind = 'exception'"
expect_eq "json rc" "$rc" 0
printf '%s' "$out" | "$PY" -c '
import json, sys
rows = json.load(sys.stdin)["rows"]
assert [r["kind"] for r in rows] == ["mark", "bind", "exception"], rows
mark, bind, exc = rows
assert mark["label"] == "start" and mark["slot"] is None and isinstance(mark["seq"], int)
assert bind["slot"] == "local '"'"'x'"'"'" and bind["step"] == 2
assert exc["message"] == "bad\tvalue \"q\"\n\x01 caf\u00e9 \ufffd end", repr(exc["message"])
assert all(r["b"] == "00ff" and r["f"] == 2.5 and r["n"] is None for r in rows)
' || fail "json content: $out"

run "$HEAPREEL" sql --json "$T" "SELECT * FROM events WHERE 0"
expect_eq "json empty" "$out" "{
  \"format\": 1,
  \"rows\": []
}"

# the vtab agrees with itself across chunk boundaries, in JSON too
run "$HEAPREEL" sql --json "$T" "SELECT seq FROM events WHERE seq > 60 AND seq <= 130 ORDER BY seq"
printf '%s' "$out" | "$PY" -c '
import json, sys
assert [r["seq"] for r in json.load(sys.stdin)["rows"]] == list(range(61, 131))
' || fail "json range"

# --- exit codes and messages -------------------------------------------------
run "$HEAPREEL" sql -h
expect_eq "-h rc" "$rc" 0
case "$out" in "usage: heapreel sql [--json] <trace> <query>"*) ;; *) fail "-h output: $out" ;; esac

run "$HEAPREEL" sql
expect_eq "no args rc" "$rc" 2
case "$err" in "heapreel: no trace given"*usage:*) ;; *) fail "no args message: $err" ;; esac

run "$HEAPREEL" sql "$T"
expect_eq "no query rc" "$rc" 2

run "$HEAPREEL" sql --bogus "$T" "SELECT 1"
expect_eq "bad option rc" "$rc" 2
case "$err" in "heapreel: unknown option '--bogus'"*) ;; *) fail "bad option message: $err" ;; esac

run "$HEAPREEL" sql "$T" "SELECT 1" extra
expect_eq "extra arg rc" "$rc" 2

run "$HEAPREEL" sql "$TMP/missing.heapreel" "SELECT 1"
expect_eq "missing rc" "$rc" 1
expect_eq "missing message" "$err" "heapreel: cannot open trace '$TMP/missing.heapreel': no such file or directory"

echo "just text" >"$TMP/text.heapreel"
run "$HEAPREEL" sql "$TMP/text.heapreel" "SELECT 1"
expect_eq "text file rc" "$rc" 1
expect_eq "text file message" "$err" "heapreel: cannot open trace '$TMP/text.heapreel': not a heapreel trace"

run "$HEAPREEL" sql "$T" "SELECT * FROM no_such_table"
expect_eq "bad sql rc" "$rc" 1
expect_eq "bad sql message" "$err" "heapreel: cannot run query: no such table: no_such_table"

run "$HEAPREEL" sql "$T" "DELETE FROM meta"
expect_eq "write rc" "$rc" 1
case "$err" in "heapreel: cannot run query: not authorized: sql reads the trace and writes nothing (TEMP tables excepted)") ;; *) fail "write message: $err" ;; esac

# a damaged chunk is one clear line through SQL
cp "$T" "$TMP/bad.heapreel"
read -r id last <<<"$("$SQLITE" -separator ' ' "$T" "SELECT id, last_seq FROM chunks ORDER BY first_seq LIMIT 1 OFFSET 1")"
"$SQLITE" "$TMP/bad.heapreel" "UPDATE chunks SET data = x'789c0000' WHERE id = $id" || fail "cannot damage a chunk"
run "$HEAPREEL" sql "$TMP/bad.heapreel" "SELECT count(*) FROM events"
expect_eq "corrupt rc" "$rc" 1
case "$err" in "heapreel: cannot run query: chunk $id is corrupt: "*) ;; *) fail "corrupt message: $err" ;; esac
expect_eq "corrupt lines" "$(printf '%s\n' "$err" | wc -l)" 1
# ranges that miss the damaged chunk still answer
total=$("$SQLITE" "$T" "SELECT max(last_seq) FROM chunks")
run "$HEAPREEL" sql --json "$TMP/bad.heapreel" "SELECT count(*) AS n FROM events WHERE seq > $last"
expect_eq "around the damage rc" "$rc" 0
expect_eq "around the damage" "$out" "{
  \"format\": 1,
  \"rows\": [
    {\"n\": $((total - last))}
  ]
}"

# --- the loadable extension ----------------------------------------------------
. "$HEAPREEL_SOURCE/tests/tools/host_env.sh"
SQLITE="${HOST_ENV[*]} $SQLITE"
PY="${HOST_ENV[*]} $PY"
want=$("$HEAPREEL" sql "$T" "SELECT count(*) || ' ' || sum(seq) FROM events WHERE step BETWEEN 10 AND 20" | tail -1)
got=$($SQLITE "$T" ".load $HEAPREEL_EVENTS_EXT" "SELECT count(*) || ' ' || sum(seq) FROM events WHERE step BETWEEN 10 AND 20")
expect_eq "sqlite3 .load" "$got" "$want"
got=$($SQLITE "$T" ".load $HEAPREEL_EVENTS_EXT" "SELECT count(*) FROM events WHERE seq BETWEEN 100 AND 199")
expect_eq "sqlite3 .load seq range" "$got" 100
got=$($PY - "$T" "$HEAPREEL_EVENTS_EXT" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.enable_load_extension(True)
db.load_extension(sys.argv[2])
db.enable_load_extension(False)
n, s = db.execute("SELECT count(*), sum(seq) FROM events WHERE step BETWEEN 10 AND 20").fetchone()
slot = db.execute("SELECT slot FROM events WHERE seq = 5").fetchone()[0]
print(n, s, slot)
EOF
)
expect_eq "python load_extension" "$got" "$want local 'x'"

if [ "$failures" -eq 0 ]; then
  rm -rf "$TMP"
  echo "sql.sh: all passed"
  exit 0
fi
echo "sql.sh: $failures failed (files kept in $TMP)" >&2
exit 1
