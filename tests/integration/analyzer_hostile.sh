#!/bin/bash
# analyzer_hostile.sh — a trace is untrusted input: what it holds reaches the
# terminal only escaped, SQLite's own messages included (a schema crafted to
# clear the screen and forge a line stays one escaped line); every error is
# one line, an incomplete trace's warning included; `sql` reads heapreel's
# own `events` whatever the file holds and writes nothing anywhere.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_hostile
record_or_die "$TMP/t.heapreel" "$PROGS/kf_churn.py"
edit() { $PY -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA writable_schema = ON")
db.executescript(sys.argv[2])' "$1" "$2" || fail "cannot edit $1"; }
# one escaped line: no control byte but the final newline, one line.
clean_line() {
  [ "$(wc -l <"$TMP/err")" = 1 ] && ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$TMP/err" \
    && ! LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$TMP/err"
}

# A schema whose text holds escape sequences and a forged line.
cp "$TMP/t.heapreel" "$TMP/schema.heapreel"
# An unterminated string: SQLite's message quotes the rest of the text.
edit "$TMP/schema.heapreel" "UPDATE sqlite_master SET sql = 'CREATE TABLE strings(a DEFAULT ''' || char(27) || ']0;owned' || char(7) ||
  char(27) || '[2J' || char(10) || 'heapreel: all good' || char(13) || char(155) || '31m' WHERE name = 'strings'"
for cmd in summary steps leaks "state --step 3" "history @ 1" cycles peak "diff --from 1 --to 3" \
           "render @ --step 3 -o $TMP/r.svg" "sql @ SELECT(1)"; do
  set -- $cmd
  c=$1; shift
  args=()
  for a in "$@"; do [ "$a" = @ ] && args+=("$TMP/schema.heapreel") || args+=("$a"); done
  [[ " $* " == *" @ "* ]] || args+=("$TMP/schema.heapreel")
  "$HEAPREEL" "$c" "${args[@]}" >"$TMP/out" 2>"$TMP/err"
  st=$?
  [ $st = 1 ] && clean_line && grep -q '^heapreel: cannot open trace .*\\x1b\[2J\\nheapreel: all good' "$TMP/err" \
    && ok "$c: the crafted schema is one escaped line" \
    || fail "$c: exit $st, stderr not one escaped line: $(cat -v "$TMP/err")"
done

# A path with a newline and an escape in it.
run 1 summary "$TMP/no"$'\n'"such"$'\e'"[2J.heapreel"
clean_line && grep -q 'no\\nsuch\\x1b\[2J' "$TMP/err" && ok "a path is escaped in errors" || fail "path: $(cat -v "$TMP/err")"

# An incomplete trace and an error: one line that says both.
"$SYNTH" --incomplete "$TMP/cut.heapreel" || fail "cannot write the synthetic incomplete trace"
run 1 history "$TMP/cut.heapreel" 999999
one_line_error "trace '.*cut.heapreel' is incomplete (the recording was cut short)" \
  && ok "incomplete trace plus an error: one line"
run 0 summary "$TMP/cut.heapreel"
[ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "^heapreel: warning: trace '.*cut.heapreel' is incomplete" "$TMP/err" \
  && ok "incomplete trace that answers: one warning" || fail "incomplete warning: $(cat "$TMP/err")"

# sql: a planted table named events is refused, in one line, for every command.
want=$("$HEAPREEL" sql "$TMP/t.heapreel" "SELECT count(*) FROM events" | tail -1 | tr -d ' ')
for kind in table view; do
  cp "$TMP/t.heapreel" "$TMP/planted.heapreel"
  if [ $kind = table ]; then edit "$TMP/planted.heapreel" "CREATE TABLE Events(seq); INSERT INTO Events VALUES (1), (2)"
  else edit "$TMP/planted.heapreel" "CREATE VIEW events AS SELECT 1 AS seq"; fi
  run 1 sql "$TMP/planted.heapreel" "SELECT count(*) FROM events"
  one_line_error "not a heapreel trace: it holds a $kind named '[Ee]vents', which would hide heapreel's own 'events'" \
    && ok "a planted $kind named events is refused"
  run 1 summary "$TMP/planted.heapreel"
  one_line_error "which would hide heapreel's own 'events'" && ok "summary refuses the planted $kind too"
done
[ "${want:-0}" -gt 100 ] && ok "the real events table answers ($want events)" || fail "events count '$want'"

# sql writes nothing: not the trace, not another file.
sum=$(md5sum <"$TMP/t.heapreel")
for q in "VACUUM INTO '$TMP/copy.db'" "VACUUM" "ATTACH '$TMP/att.db' AS x" "DETACH main" \
         "INSERT INTO meta VALUES ('k', 'v')" "UPDATE meta SET value = 'x'" "DELETE FROM strings" \
         "DROP TABLE meta" "CREATE TABLE x(a)" "CREATE TEMP TRIGGER tr AFTER INSERT ON meta BEGIN SELECT 1; END" \
         "CREATE INDEX i ON meta(value)" "VACUUM temp INTO '$TMP/copy.db'" "CREATE TEMP TABLE t(a); VACUUM temp INTO '$TMP/copy.db'" \
         "/* c */ -- d
 vacuum INTO '$TMP/copy.db'" \
         "PRAGMA user_version = 7" "PRAGMA journal_mode = WAL" "PRAGMA writable_schema = ON" \
         "PRAGMA optimize" "PRAGMA wal_checkpoint" "PRAGMA query_only = 0" "ANALYZE" "REINDEX" \
         "SELECT load_extension('$EXT')" "SELECT 1; INSERT INTO meta VALUES ('k', 'v'); SELECT 2"; do
  run 1 sql "$TMP/t.heapreel" "$q"
  one_line_error "cannot run query: " && ok "sql refuses: $q"
done
[ ! -e "$TMP/copy.db" ] && [ ! -e "$TMP/att.db" ] && ok "no file written by VACUUM INTO or ATTACH" || fail "sql wrote a file"
[ "$(md5sum <"$TMP/t.heapreel")" = "$sum" ] && ok "the trace is unchanged" || fail "sql changed the trace"
for q in "PRAGMA user_version" "PRAGMA table_info(meta)" "SELECT name FROM pragma_table_info('meta')" \
         "PRAGMA integrity_check" "BEGIN; SELECT 1" "CREATE TEMP TABLE t AS SELECT 1 AS a; INSERT INTO t VALUES (2); SELECT sum(a) FROM t" "SELECT count(*) FROM events WHERE kind = 'step'"; do
  run 0 sql "$TMP/t.heapreel" "$q"
  [ -s "$TMP/out" ] && [ ! -s "$TMP/err" ] && ok "sql reads: $q" || fail "sql read '$q': $(cat "$TMP/err")"
done

# The file's own views run nothing unsafe: no trusted schema, no extension loading.
cp "$TMP/t.heapreel" "$TMP/view.heapreel"
edit "$TMP/view.heapreel" "CREATE VIEW evil AS SELECT load_extension('$EXT') AS x"
run 1 sql "$TMP/view.heapreel" "SELECT * FROM evil"
one_line_error "cannot run query: unsafe use of load_extension()" && ok "a view of the file cannot load an extension"

# Numbers on the command line: one parser, out of range is a usage error.
big=99999999999999999999
for cmd in "history @ $big" "history @ #$big" "history @ x@$big" "state --step $big" "state --max-refs $big --step 3" \
           "state --line $big" "steps --from $big" "steps --to $big" "steps --line $big" "diff --from $big --to 3" \
           "diff --from 1 --to $big" "render @ --step $big -o $TMP/r.svg" "render @ --steps 1,$big -o $TMP/rd/"; do
  set -- $cmd
  c=$1; shift
  args=()
  for a in "$@"; do [ "$a" = @ ] && args+=("$TMP/t.heapreel") || args+=("$a"); done
  [[ " $* " == *" @ "* ]] || args+=("$TMP/t.heapreel")
  "$HEAPREEL" "$c" "${args[@]}" >"$TMP/out" 2>"$TMP/err"
  st=$?
  [ $st = 2 ] && head -1 "$TMP/err" | grep -q "^heapreel: .*$big" && ok "$cmd: usage error, exit 2" \
    || fail "$cmd: exit $st: $(head -1 "$TMP/err")"
done

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all hostile-trace checks passed"
