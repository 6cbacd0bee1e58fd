# install.sh — `cmake --install` into a temporary prefix (and with DESTDIR)
# gives a heapreel that records and analyses from there: heapreel-record
# found in libexec relative to heapreel (also after the tree is moved), the
# events extension loadable by sqlite3, the man page and the completion.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env install --keep-on-failure

HEAPREEL_EVENTS_EXT=$EXT . "$SRC/tests/tools/host_env.sh"   # sqlite3 loading a sanitizer build's extension

P=$TMP/prefix
if ! cmake --install "$BUILD" --prefix "$P" >"$TMP/install.out" 2>&1; then
  echo "FAIL: cmake --install: $(tail -3 "$TMP/install.out")" >&2; exit 1
fi
for f in bin/heapreel libexec/heapreel/heapreel-record lib/heapreel/heapreel_events.so \
         share/man/man1/heapreel.1 share/bash-completion/completions/heapreel; do
  [ -e "$P/$f" ] && ok "installed $f" || fail "not installed: $f"
done
[ ! -e "$P/bin/heapreel-record" ] || fail "heapreel-record is in bin: it is not a command"

# run_from PREFIX: record and analyse a program with PREFIX/bin/heapreel only.
run_from() {
  local p=$1 where=$2
  (cd "$TMP" && "$p/bin/heapreel" record -o "$TMP/$where.heapreel" "$SRC/traces/aliasing.py" >/dev/null 2>"$TMP/$where.err") ||
    { fail "$where: record failed: $(head -2 "$TMP/$where.err")"; return; }
  local steps
  steps=$("$p/bin/heapreel" summary --json "$TMP/$where.heapreel" | $PY -c 'import json,sys; print(json.load(sys.stdin)["steps"])')
  [ "${steps:-0}" -gt 0 ] && ok "$where: recorded $steps steps" || fail "$where: summary gives no steps"
  local n
  n=$("${HOST_ENV[@]}" sqlite3 -readonly "$TMP/$where.heapreel" ".load $p/lib/heapreel/heapreel_events" \
        "SELECT count(*) FROM events WHERE kind = 'bind'" 2>"$TMP/$where.sql.err")
  [ "${n:-0}" -gt 0 ] && ok "$where: the installed extension reads $n binds" ||
    fail "$where: sqlite3 with the installed extension: $(head -2 "$TMP/$where.sql.err")"
}
run_from "$P" prefix

# Moved elsewhere, the tree still works: heapreel finds its recorder relative
# to itself, not at the path it was installed to.
mv "$P" "$TMP/moved"
run_from "$TMP/moved" moved

# DESTDIR: files under DESTDIR/PREFIX, and nothing written to PREFIX itself.
if DESTDIR=$TMP/stage cmake --install "$BUILD" --prefix "$TMP/final" >"$TMP/stage.out" 2>&1 &&
   [ -x "$TMP/stage$TMP/final/bin/heapreel" ] && [ ! -e "$TMP/final" ]; then
  ok "DESTDIR stages under \$DESTDIR\$PREFIX"
else
  fail "DESTDIR install: $(tail -3 "$TMP/stage.out")"
fi

if [ "$failures" -eq 0 ]; then echo "install.sh: all passed"; exit 0; fi
echo "install.sh: $failures failed (files kept in $TMP)" >&2
exit 1
