#!/bin/bash
# format2_index.sh — format 2 traces store no objects or frames rows; the
# `objects` and `frames` relations are made from the events. Checks:
# - round trip: on every program in tests/programs (bench ones aside), the
#   rows of `objects` and `frames` equal the rows derived from the `events`
#   table in plain SQL (tests/tools/derive_rows.sql), through `heapreel sql`
#   and through the extension, built from the events and read back from the
#   index the analyzer keeps in the trace;
# - the derivation is format 1.3's own: on the 1.3 fixture (recorded by the
#   format 1.3 recorder, tests/fixtures) it gives the stored tables exactly,
#   and the fixture with its tables dropped and relabelled format 2 gives
#   every analysis the same answer as the fixture itself;
# - every analysis runs on the 1.3 fixtures (full and alloc detail);
# - the kept index: written once, checked (a swapped block, a moved block,
#   a changed check are ignored with one note and rebuilt), never written
#   under HEAPREEL_NO_CACHE; lookups by id, IN lists and joins;
# - each relation's index apart: an analysis that reads frames only (steps,
#   state, leaks) gathers and keeps the frames alone, a damaged index of one
#   relation costs the other nothing, and an older heapreel's check of both
#   at once (meta index_check) is read, then split when one is rebuilt;
# - a table or view named objects or frames in a format 2 trace is refused,
#   an unknown major version is one line naming it.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env format2_index --keep-on-failure
HEAPREEL_EVENTS_EXT=$EXT . "$SRC/tests/tools/host_env.sh"   # sqlite3 loading a sanitizer build's extension
Q=$(grep -v '^--' "$SRC/tests/tools/derive_rows.sql")
FIX=$SRC/tests/fixtures
export HEAPREEL_KEYFRAME_EVERY=100000   # keyframes are not what is tested here

# same TRACE WHAT: the relations equal the derived rows ("0 0 N M").
same() {
  local got
  got=$("$HEAPREEL" sql "$1" "$Q" 2>"$TMP/sql.err" | tail -1)
  case $got in
    "0 0 "*) ok "$2: objects and frames equal the events' rows (${got#0 0 })"; return 0 ;;
    *) fail "$2: relations and events differ: '$got' $(head -c 300 "$TMP/sql.err")"; return 1 ;;
  esac
}

# --- round trip over the test programs --------------------------------------
sanitized=0
grep -q '^HEAPREEL_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null && sanitized=1
mkdir -p "$TMP/run" && cd "$TMP/run" || exit 1
n=0
for p in "$PROGS"/*.py; do
  name=$(basename "$p" .py)
  # run_sleep waits for a signal (record_signals.sh sends it).
  case $name in bench_*|*_helper|run_sleep) continue ;; esac
  # The sanitizer build runs one program in six: the same code paths, a
  # sixth of the time.
  n=$((n + 1))
  [ $sanitized = 1 ] && [ $((n % 6)) != 0 ] && continue
  args=()
  case $name in alloc_loop) args=(200) ;; esac
  timeout 120 "$RECORD" -o "$TMP/$name.heapreel" "$p" "${args[@]}" </dev/null >/dev/null 2>"$TMP/rec.err"
  events=$("$HEAPREEL" sql "$TMP/$name.heapreel" "SELECT last_seq FROM chunks ORDER BY first_seq DESC LIMIT 1" 2>/dev/null | tail -1 | tr -d ' ')
  if [ -z "$events" ]; then
    echo "SKIP: $name.py left no readable trace: $(tail -c 200 "$TMP/rec.err")"
    continue
  fi
  # Plain SQL over millions of events takes longer than a test should.
  if [ "$events" -gt 1000000 ]; then
    echo "SKIP: $name.py: $events events, too many for the plain-SQL comparison in a test"
    continue
  fi
  same "$TMP/$name.heapreel" "$name"
done
for name in alloc_loop leak_cache alloc_region; do
  args=()
  [ $name = alloc_loop ] && args=(300)
  "$RECORD" --detail alloc -o "$TMP/$name.alloc.heapreel" "$PROGS/$name.py" "${args[@]}" </dev/null \
    >/dev/null 2>"$TMP/rec.err" || fail "cannot record $name in alloc detail: $(tail -c 200 "$TMP/rec.err")"
  same "$TMP/$name.alloc.heapreel" "$name (alloc detail)"
done
cd "$TMP" || exit 1

# --- the kept index -----------------------------------------------------------
# More objects than one block holds (4,096), so blocks can be swapped.
"$RECORD" -o "$TMP/big.heapreel" -c 'xs = [str(i) for i in range(12000)]
del xs[::2]
ys = {i: [i] for i in range(3000)}
def f(n):
    return n if n < 2 else f(n - 1) + 1
f(50)' >/dev/null 2>"$TMP/rec.err" || fail "cannot record the big program: $(cat "$TMP/rec.err")"
# kept TRACE: "O F", the blocks of each relation's kept index with its
# check ("-": no table; "?": a table without its check), or "none".
kept() { "$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
t = {r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type = \"table\"")}
m = {r[0] for r in db.execute("SELECT key FROM meta")}
def one(rel):
    if rel + "_index" not in t: return "-"
    n = db.execute("SELECT count(*) FROM %s_index" % rel).fetchone()[0]
    return str(n) if rel + "_index_check" in m or "index_check" in m else "?"
got = one("object") + " " + one("frame")
print("none" if got == "- -" else got)' "$1"; }
# meta_of TRACE KEY: a meta value ("" when none).
meta_of() { "$PY" -c 'import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT value FROM meta WHERE key = ?", (sys.argv[2],)).fetchone()
print(r[0] if r else "")' "$@"; }
# blocks_sum TRACE TABLE: a digest of a kept index's rows.
blocks_sum() { "$PY" -c 'import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
h = hashlib.md5()
for r in db.execute("SELECT first_id, last_id, data FROM %s ORDER BY first_id" % sys.argv[2]):
    h.update(repr(r).encode())
print(h.hexdigest())' "$@"; }
sqlite_py() { "$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); db.commit()' "$@"; }

[ "$(kept "$TMP/big.heapreel")" = none ] && ok "a fresh trace holds no index" || fail "index before any analysis"
same "$TMP/big.heapreel" "big (from the events)"
[ "$(kept "$TMP/big.heapreel")" = none ] && ok "sql keeps nothing in the trace" || fail "sql wrote an index"

# A frame costs no objects: steps, state and leaks (whose members are in
# the heap it replays) read frames only, and keep them alone.
for cmd in "steps --to 5" "state --mark end" leaks; do
  cp "$TMP/big.heapreel" "$TMP/fr.heapreel"
  # shellcheck disable=SC2086
  run 0 $cmd "$TMP/fr.heapreel"
  blocks=$(kept "$TMP/fr.heapreel")
  case $blocks in "- "[1-9]*) ok "$cmd keeps the frames index alone ($blocks)" ;;
    *) fail "$cmd: the kept index is '$blocks', not frames alone" ;; esac
  [ -n "$(meta_of "$TMP/fr.heapreel" frame_index_check)" ] && [ -z "$(meta_of "$TMP/fr.heapreel" object_index_check)" ] \
    && [ -z "$(meta_of "$TMP/fr.heapreel" index_check)" ] && ok "$cmd: a check for the frames only" \
    || fail "$cmd: checks kept: '$(meta_of "$TMP/fr.heapreel" frame_index_check | head -c 60)' '$(meta_of "$TMP/fr.heapreel" object_index_check | head -c 60)'"
  same "$TMP/fr.heapreel" "after $cmd"
done
# Then an analysis of objects (history) adds theirs, and leaves the frames as they were.
fsum=$(blocks_sum "$TMP/fr.heapreel" frame_index)
fcheck=$(meta_of "$TMP/fr.heapreel" frame_index_check)
run 0 history "$TMP/fr.heapreel" 5
[ ! -s "$TMP/err" ] && ok "history after state: silent" || fail "history after state: $(cat "$TMP/err")"
case $(kept "$TMP/fr.heapreel") in [1-9]*" "[1-9]*) ok "history adds the objects index ($(kept "$TMP/fr.heapreel"))" ;;
  *) fail "history after state kept '$(kept "$TMP/fr.heapreel")'" ;; esac
[ "$(blocks_sum "$TMP/fr.heapreel" frame_index)" = "$fsum" ] && [ "$(meta_of "$TMP/fr.heapreel" frame_index_check)" = "$fcheck" ] \
  && ok "the kept frames index is left as it was" || fail "history rewrote the kept frames index"
same "$TMP/fr.heapreel" "frames kept by state, objects by history"
cp "$TMP/big.heapreel" "$TMP/nc.heapreel"
sum=$(md5sum <"$TMP/nc.heapreel")
HEAPREEL_NO_CACHE=1 run 0 history "$TMP/nc.heapreel" 5
[ "$(md5sum <"$TMP/nc.heapreel")" = "$sum" ] && [ ! -s "$TMP/err" ] \
  && ok "HEAPREEL_NO_CACHE=1: the analysis runs, the trace is unchanged" || fail "HEAPREEL_NO_CACHE wrote: $(cat "$TMP/err")"
run 0 history "$TMP/big.heapreel" 5
[ ! -s "$TMP/err" ] && ok "keeping the index is silent" || fail "note while keeping the index: $(cat "$TMP/err")"
blocks=$(kept "$TMP/big.heapreel")
case $blocks in [2-9]*" "[1-9]*) ok "history kept both indexes ($blocks object and frame blocks)" ;;
  *) fail "index kept: '$blocks'" ;; esac
same "$TMP/big.heapreel" "big (from the kept index)"
cp "$TMP/big.heapreel" "$TMP/good.heapreel"
run 0 history "$TMP/big.heapreel" 5
[ ! -s "$TMP/err" ] && ok "a second analysis uses the kept index silently" || fail "second analysis: $(cat "$TMP/err")"

# Lookups: by id, IN, a join, a range, by address (a scan) answer as the derived rows.
lookups="SELECT group_concat(r, ' ') FROM (SELECT id || ':' || size || ':' || ifnull(free_seq, '-') AS r FROM
  (SELECT * FROM objects WHERE id = 5 UNION ALL SELECT * FROM objects WHERE id IN (1, 4097, 4098, 9000, 999999)
   UNION ALL SELECT o.* FROM events e JOIN objects o ON o.id = e.object WHERE e.seq BETWEEN 30000 AND 31000 AND e.kind = 'free'
   UNION ALL SELECT * FROM objects WHERE id > 4090 AND id <= 4100
   UNION ALL SELECT * FROM objects WHERE address = (SELECT address FROM objects WHERE id = 7000) AND id < 7100
   UNION ALL SELECT * FROM objects WHERE id = 13.0
   UNION ALL SELECT * FROM objects WHERE id = 13.5 UNION ALL SELECT * FROM objects WHERE id = NULL) ORDER BY r)"
want=$("$HEAPREEL" sql "$TMP/big.heapreel" "$Q; ${lookups//FROM objects/FROM want_objects}" | tail -1)
got=$("$HEAPREEL" sql "$TMP/big.heapreel" "$lookups" | tail -1)
[ -n "$got" ] && [ "$got" = "$want" ] && ok "lookups by id, IN, join, range and address answer as the events" \
  || fail "lookups: '${got:0:300}' != '${want:0:300}'"
# As format 1's INTEGER PRIMARY KEY: text that is a number finds its row.
[ "$("$HEAPREEL" sql "$TMP/big.heapreel" "SELECT id FROM objects WHERE id = '12'" | tail -1 | tr -d ' ')" = 12 ] \
  && ok "id = '12' finds object 12" || fail "id = '12' does not find object 12"
fwant=$("$HEAPREEL" sql "$TMP/big.heapreel" "$Q; SELECT count(*), max(return_seq) FROM want_frames WHERE parent IN (SELECT id FROM want_frames WHERE call_step > 5)" | tail -1)
fgot=$("$HEAPREEL" sql "$TMP/big.heapreel" "SELECT count(*), max(return_seq) FROM frames WHERE parent IN (SELECT id FROM frames WHERE call_step > 5)" | tail -1)
[ "$fgot" = "$fwant" ] && ok "frames: a lookup by parent through IN answers as the events ($fgot)" \
  || fail "frames: '$fgot' != '$fwant'"

# Tampered index: ignored with one note naming its relation, the answer
# from the events, rebuilt; the other relation's index is used as it is.
tamper() {   # NAME REL(objects|frames) SQL [TRACE]
  local rel=$2 other=frame
  [ "$rel" = frames ] && other=object
  cp "${4:-$TMP/good.heapreel}" "$TMP/$1.heapreel"
  sqlite_py "$TMP/$1.heapreel" "$3"
  local osum ocheck
  osum=$(blocks_sum "$TMP/$1.heapreel" ${other}_index)
  ocheck=$(meta_of "$TMP/$1.heapreel" ${other}_index_check)
  same "$TMP/$1.heapreel" "$1 (sql)"
  run 0 history "$TMP/$1.heapreel" "${HID:-5}"
  # (history may cache keyframes it needs, with its own note)
  [ "$(grep -c "ignoring the $rel index kept in" "$TMP/err")" = 1 ] && [ "$(grep -c 'ignoring' "$TMP/err")" = 1 ] \
    && ok "$1: ignored with one note on the $rel" || fail "$1: note: $(cat "$TMP/err")"
  [ "$(blocks_sum "$TMP/$1.heapreel" ${other}_index)" = "$osum" ] \
    && ok "$1: the ${other}s' index is not rewritten" || fail "$1: the ${other}s' index was rewritten"
  [ -z "${4:-}" ] && { [ "$(meta_of "$TMP/$1.heapreel" ${other}_index_check)" = "$ocheck" ] \
    || fail "$1: the ${other}s' check was rewritten"; }
  run 0 history "$TMP/$1.heapreel" 5
  [ ! -s "$TMP/err" ] && ok "$1: rebuilt, then used silently" || fail "$1: after rebuild: $(cat "$TMP/err")"
  same "$TMP/$1.heapreel" "$1 (rebuilt)"
}
tamper swapped objects "CREATE TEMP TABLE b AS SELECT first_id, data FROM object_index ORDER BY first_id LIMIT 2;
  UPDATE object_index SET data = (SELECT data FROM b WHERE b.first_id != object_index.first_id)
  WHERE first_id IN (SELECT first_id FROM b);"
tamper moved objects "UPDATE object_index SET first_id = first_id + 1 WHERE first_id = (SELECT max(first_id) FROM object_index)"
tamper checkless objects "DELETE FROM meta WHERE key = 'object_index_check'"
tamper malformed objects "UPDATE meta SET value = replace(value, ' O', ' x') WHERE key = 'object_index_check'"
# A check of other chunks than the trace's: the events changed since.
tamper chunks objects "UPDATE meta SET value = '1 ' || (CAST(substr(value, 3) AS INTEGER) + 1)
  || substr(value, 3 + length(CAST(substr(value, 3) AS INTEGER))) WHERE key = 'object_index_check'"
# The frames' block: an object block's bytes in its place; or the check
# of the other relation (entries of the wrong letter).
tamper fswapped frames "UPDATE frame_index SET data = (SELECT data FROM object_index ORDER BY first_id LIMIT 1)"
# Blocks of the length their check says, other bytes: found when read.
tamper fzero frames "UPDATE frame_index SET data = zeroblob(length(data))"
# The last object block (and an object in it for history to look up): a
# scan meets it after the others gave their rows.
HID=$("$HEAPREEL" sql "$TMP/good.heapreel" "SELECT max(id) FROM objects" | tail -1 | tr -d ' ') \
tamper ozero objects "UPDATE object_index SET data = zeroblob(length(data)) WHERE first_id = (SELECT max(first_id) FROM object_index)"
tamper fletter frames "UPDATE meta SET value = replace(value, ' F', ' O') WHERE key = 'frame_index_check'"
tamper fchunks frames "UPDATE meta SET value = '1 ' || (CAST(substr(value, 3) AS INTEGER) + 1)
  || substr(value, 3 + length(CAST(substr(value, 3) AS INTEGER))) WHERE key = 'frame_index_check'"
# steps reads frames only: a damaged frames index is rebuilt, the objects' left.
cp "$TMP/good.heapreel" "$TMP/fsteps.heapreel"
sqlite_py "$TMP/fsteps.heapreel" "DELETE FROM meta WHERE key = 'frame_index_check'"
osum=$(blocks_sum "$TMP/fsteps.heapreel" object_index)
run 0 steps --to 5 "$TMP/fsteps.heapreel"
[ "$(grep -c 'ignoring the frames index kept in' "$TMP/err")" = 1 ] && ok "steps: a frames index without its check is ignored with one note" \
  || fail "steps on a checkless frames index: $(cat "$TMP/err")"
[ -n "$(meta_of "$TMP/fsteps.heapreel" frame_index_check)" ] && [ "$(blocks_sum "$TMP/fsteps.heapreel" object_index)" = "$osum" ] \
  && ok "steps: the frames index rebuilt, the objects' untouched" || fail "steps: after the rebuild: $(kept "$TMP/fsteps.heapreel")"
run 0 history "$TMP/fsteps.heapreel" 5
[ ! -s "$TMP/err" ] && ok "steps' rebuilt frames index and the objects' are used silently" || fail "after steps' rebuild: $(cat "$TMP/err")"

# An older heapreel kept both relations under one check, meta index_check
# (O entries, then F entries): it is read as it is, and split in two when
# one relation is rebuilt.
old_check() { "$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
o = db.execute("SELECT value FROM meta WHERE key = \"object_index_check\"").fetchone()[0].split()
f = db.execute("SELECT value FROM meta WHERE key = \"frame_index_check\"").fetchone()[0].split()
assert o[:3] == f[:3], (o[:3], f[:3])
db.execute("DELETE FROM meta WHERE key IN (\"object_index_check\", \"frame_index_check\")")
db.execute("INSERT INTO meta VALUES (\"index_check\", ?)", (" ".join(o + f[3:]),))
db.commit()' "$1"; }
cp "$TMP/good.heapreel" "$TMP/old.heapreel"
old_check "$TMP/old.heapreel"
sum=$(md5sum <"$TMP/old.heapreel")
run 0 history "$TMP/old.heapreel" 5
[ ! -s "$TMP/err" ] && [ "$(md5sum <"$TMP/old.heapreel")" = "$sum" ] \
  && ok "an index kept with one check of both is used as it is" || fail "older index: $(cat "$TMP/err")"
same "$TMP/old.heapreel" "older index"
both=$(meta_of "$TMP/old.heapreel" index_check)
tamper oldframes frames "UPDATE frame_index SET data = data || x'00'" "$TMP/old.heapreel"
[ -z "$(meta_of "$TMP/oldframes.heapreel" index_check)" ] && [ -n "$(meta_of "$TMP/oldframes.heapreel" frame_index_check)" ] \
  && [ "$(meta_of "$TMP/oldframes.heapreel" object_index_check)" = "$("$PY" -c 'import sys
print(" ".join(t for i, t in enumerate(sys.argv[1].split()) if i < 3 or t[0] == "O"))' "$both")" ] \
  && ok "an older check of both is split in two when the frames are rebuilt" \
  || fail "older check after the rebuild: '$(meta_of "$TMP/oldframes.heapreel" index_check | head -c 80)' '$(meta_of "$TMP/oldframes.heapreel" object_index_check | head -c 80)'"

# The extension: the same relations in the sqlite3 shell and in Python.
if command -v sqlite3 >/dev/null; then
  got=$("${HOST_ENV[@]}" sqlite3 "$TMP/big.heapreel" ".load $EXT" "$Q" 2>&1 | tail -1)
  [ "${got%% *}" = 0 ] && [ "$(echo "$got" | cut -d' ' -f2)" = 0 ] && ok "sqlite3 .load: the relations equal the events' rows" \
    || fail "sqlite3 .load: '$got'"
else
  echo "SKIP: no sqlite3 shell for the extension check"
fi
got=$("${HOST_ENV[@]}" env HEAPREEL=$HEAPREEL HEAPREEL_EVENTS_EXT=$EXT PYTHONPATH=$SRC/python $PY -c '
import sys, heapreel
db = heapreel.open(sys.argv[1]).connect()
print(db.execute("SELECT count(*), sum(size) FROM objects WHERE free_seq IS NULL").fetchone(),
      db.execute("SELECT count(*) FROM frames WHERE return_seq IS NOT NULL").fetchone())' "$TMP/big.heapreel" 2>&1)
want=$("$HEAPREEL" sql "$TMP/big.heapreel" "SELECT '(' || count(*) || ', ' || sum(size) || ') (' ||
  (SELECT count(*) FROM frames WHERE return_seq IS NOT NULL) || ',)' FROM objects WHERE free_seq IS NULL" | tail -1)
[ "$got" = "$want" ] && ok "Python's reader: the same relations ($got)" || fail "Python reader: '$got' != '$want'"

# --- format 1.3 ------------------------------------------------------------------
mkdir -p "$TMP/v1" "$TMP/v2" "$TMP/va"
cp "$FIX/format1.3-gc_rings.heapreel" "$TMP/v1/t.heapreel"
cp "$FIX/format1.3-gc_rings.heapreel" "$TMP/v2/t.heapreel"
cp "$FIX/format1.3-leak_cache-alloc.heapreel" "$TMP/va/t.heapreel"
[ "$("$HEAPREEL" sql "$TMP/v1/t.heapreel" "SELECT value FROM meta WHERE key = 'format_minor'" | tail -1 | tr -d ' ')" = 3 ] \
  || fail "the fixture is not a 1.3 trace"
same "$TMP/v1/t.heapreel" "1.3 fixture: its stored tables are the events' rows"
sqlite_py "$TMP/v2/t.heapreel" "DROP TABLE objects; DROP TABLE frames;
  UPDATE meta SET value = '2' WHERE key = 'format_major'; UPDATE meta SET value = '0' WHERE key = 'format_minor'"
same "$TMP/v2/t.heapreel" "1.3 fixture as format 2"
# SQLite finds a schema's table before an eponymous module: a 1.x trace's
# own tables answer (a row edited in a copy shows), not the events.
cp "$TMP/v1/t.heapreel" "$TMP/edited.heapreel"
sqlite_py "$TMP/edited.heapreel" "UPDATE objects SET size = 123457 WHERE id = 1; UPDATE frames SET thread = 99 WHERE id = 1"
[ "$("$HEAPREEL" sql "$TMP/edited.heapreel" "SELECT (SELECT size FROM objects WHERE id = 1) || ' ' || (SELECT thread FROM frames WHERE id = 1)" | tail -1)" = "123457 99" ] \
  && ok "a 1.x trace's own objects and frames tables come first" || fail "1.x tables do not take precedence"
last=$("$HEAPREEL" summary --json "$TMP/v1/t.heapreel" | $PY -c 'import json,sys; print(json.load(sys.stdin)["steps"])')
mid=$((last / 2))
obj=$("$HEAPREEL" sql "$TMP/v1/t.heapreel" "SELECT max(id) FROM objects WHERE free_seq IS NOT NULL" | tail -1 | tr -d ' ')
live=$("$HEAPREEL" sql "$TMP/v1/t.heapreel" "SELECT max(id) FROM objects WHERE free_seq IS NULL AND NOT preexisting" | tail -1 | tr -d ' ')
while IFS= read -r cmd; do
  [ -n "$cmd" ] || continue
  for v in v1 v2; do
    (cd "$TMP/$v" && eval "\"\$HEAPREEL\" $cmd" >"$TMP/$v.out" 2>"$TMP/$v.err")
    echo "exit $?" >>"$TMP/$v.out"
    grep -v '^trace  ' "$TMP/$v.out" >"$TMP/$v.cmp"
  done
  if grep -q '^exit 0$' "$TMP/v1.out" && [ -s "$TMP/v1.cmp" ] && cmp -s "$TMP/v1.cmp" "$TMP/v2.cmp" \
     && cmp -s "$TMP/v1.err" "$TMP/v2.err"; then
    ok "1.3 fixture: $cmd answers, and the same as format 2 from its events"
  else
    fail "1.3 fixture: $cmd: $(diff "$TMP/v1.cmp" "$TMP/v2.cmp" | head -5) $(head -c 200 "$TMP/v1.err")"
  fi
done <<EOF
summary t.heapreel
summary --json t.heapreel
steps t.heapreel
state --step $mid t.heapreel
state --json --step $last t.heapreel
history t.heapreel $obj
history --json t.heapreel $obj
diff --from 1 --to $mid t.heapreel
growth --from start --to end t.heapreel
leaks t.heapreel
leaks --json t.heapreel
referrers t.heapreel $live
cycles t.heapreel
peak t.heapreel
flamegraph -o flame.html t.heapreel
render t.heapreel --step $mid -o one.dot
sql t.heapreel "SELECT count(*), sum(size), max(free_step), sum(free_by_gc) FROM objects"
sql t.heapreel "SELECT count(*), max(return_step), min(parent) FROM frames"
EOF
for cmd in summary leaks "leaks --json" cycles peak "growth --from start --to end" "state --mark end"; do
  # shellcheck disable=SC2086
  (cd "$TMP/va" && "$HEAPREEL" $cmd t.heapreel >"$TMP/va.out" 2>"$TMP/va.err")
  [ $? = 0 ] && [ -s "$TMP/va.out" ] && [ ! -s "$TMP/va.err" ] && ok "1.3 alloc fixture: $cmd answers" || fail "1.3 alloc fixture: $cmd: $(head -c 200 "$TMP/va.err")"
done

# --- refused ------------------------------------------------------------------------
for planted in "CREATE TABLE objects(id INTEGER PRIMARY KEY)" "CREATE VIEW FRAMES AS SELECT 1 AS id"; do
  cp "$TMP/good.heapreel" "$TMP/planted.heapreel"
  sqlite_py "$TMP/planted.heapreel" "$planted"
  for cmd in summary sql; do
    if [ $cmd = sql ]; then run 1 sql "$TMP/planted.heapreel" "SELECT count(*) FROM objects"
    else run 1 summary "$TMP/planted.heapreel"; fi
    one_line_error "not a heapreel trace: it holds a .* which would hide heapreel's own '[a-z]*'" \
      && ok "$cmd refuses a format 2 trace with: $planted"
  done
done
cp "$TMP/good.heapreel" "$TMP/v9.heapreel"
sqlite_py "$TMP/v9.heapreel" "UPDATE meta SET value = '9' WHERE key = 'format_major'; UPDATE meta SET value = '0' WHERE key = 'format_minor'"
run 1 summary "$TMP/v9.heapreel"
one_line_error "trace version 9.0 is not supported (this heapreel reads 1.x and 2.x)" \
  && ok "an unknown major version is one line naming it"

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all format2_index checks passed"
