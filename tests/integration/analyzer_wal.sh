#!/bin/bash
# analyzer_wal.sh — a trace whose write-ahead log holds its last writes (a
# copy taken before the checkpoint, a checkpoint cut short by a kill or a
# full disk) reads as what it is: merged on open where the file and its
# directory can be written, read through the log where not; "damaged" only
# for a trace that is.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env analyzer_wal
"$RECORD" --detail alloc -o "$TMP/a.heapreel" "$PROGS/alloc_loop.py" 2000 >/dev/null 2>&1 || { echo "FAIL: cannot record alloc_loop.py" >&2; exit 1; }
events() { "$HEAPREEL" sql "$1" "SELECT count(*) FROM events" 2>/dev/null | tail -1 | tr -d ' '; }
want=$(events "$TMP/a.heapreel")
[ "${want:-0}" -gt 100 ] && ok "alloc trace has $want events" || fail "alloc trace has too few events: '$want'"
"$HEAPREEL" leaks "$TMP/a.heapreel" >"$TMP/leaks.want" 2>/dev/null

mkdir -p "$TMP/other"
for how in plain cut; do
  f=$TMP/other/$how.heapreel
  $PY "$SRC/tests/tools/wal_copy.py" "$TMP/a.heapreel" "$f" ${how/plain/} ${how/cut/--cut} || fail "cannot make $how"
  run 0 leaks "$f"
  cmp -s "$TMP/out" "$TMP/leaks.want" && ok "$how log copy: leaks as the original" \
    || fail "$how log copy: leaks differ: $(head -c 300 "$TMP/err")"
  grep -q "^heapreel: note: merged the write-ahead log left beside '.*$how.heapreel' into it$" "$TMP/err" \
    && [ "$(wc -l <"$TMP/err")" = 1 ] && ok "$how log copy: one note says the log was merged" \
    || fail "$how log copy: no merge note: $(cat "$TMP/err")"
  [ ! -e "$f-wal" ] && ok "$how log copy: the log is gone, one file remains" || fail "$how log copy: -wal still there"
  [ "$(events "$f")" = "$want" ] && ok "$how log copy: $want events" || fail "$how log copy: $(events "$f") events, not $want"
done

# Where nothing can be written the trace is read through its log.
as_user=()
if [ "$(id -u)" = 0 ]; then
  command -v setpriv >/dev/null && as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups) \
    || skip "read-only directory: running as root without setpriv, file modes cannot stop a write"
fi
if [ "$(id -u)" != 0 ] || [ ${#as_user[@]} -gt 0 ]; then
  chmod 755 "$TMP"
  mkdir -p "$TMP/ro"
  $PY "$SRC/tests/tools/wal_copy.py" "$TMP/a.heapreel" "$TMP/ro/t.heapreel" --cut || fail "cannot make ro copy"
  chmod 644 "$TMP/ro/"*; chmod 555 "$TMP/ro"
  sum=$(cat "$TMP/ro/"* | md5sum)
  "${as_user[@]}" "$HEAPREEL" leaks "$TMP/ro/t.heapreel" >"$TMP/out" 2>"$TMP/err"
  [ $? = 0 ] && cmp -s "$TMP/out" "$TMP/leaks.want" && ok "read-only cut log: leaks as the original" \
    || fail "read-only cut log: $(cat "$TMP/err")"
  [ "$(cat "$TMP/ro/"* | md5sum)" = "$sum" ] && ok "read-only cut log: files unchanged" || fail "read-only: files changed"
  # Without its -shm SQLite cannot read a log in a read-only directory: one line says what to do.
  chmod 755 "$TMP/ro"; rm "$TMP/ro/t.heapreel-shm"; chmod 555 "$TMP/ro"
  "${as_user[@]}" "$HEAPREEL" leaks "$TMP/ro/t.heapreel" >"$TMP/out" 2>"$TMP/err"
  [ $? = 1 ] && one_line_error "write-ahead log '.*t.heapreel-wal' can be read only with" \
    && ok "read-only log without -shm: one line says what to do"
  chmod 755 "$TMP/ro"
fi

# A file cut short with no log is damaged, and said to be.
head -c 8192 "$TMP/a.heapreel" >"$TMP/short.heapreel"
run 1 leaks "$TMP/short.heapreel"
one_line_error "trace is damaged: file is truncated (8192 of [0-9]* bytes)" && ok "a truncated trace is damaged"

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all WAL checks passed"
