# meta_argv.sh — arguments that are not UTF-8 reach meta `argv` as valid JSON.
#
# An argument is bytes: a file name in Latin-1, a byte string from a shell.
# The recorder escapes them as every JSON heapreel writes (common/hr_escape.h):
# each byte that is not strict UTF-8 becomes \ufffd, controls become \u00XX,
# UTF-8 passes. The stored text must parse as JSON with a strict UTF-8
# decoder (SQLite's json_valid alone accepts raw bytes) and keep what
# sys.argv holds, U+FFFD for U+FFFD.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env meta_argv --keep-on-failure
SQLITE=/usr/bin/sqlite3
cd "$TMP" || exit 1

# check TRACE WHAT: meta argv in TRACE is strict UTF-8, valid JSON, and the
# arguments expected; the raw bytes come from sqlite3, not through heapreel.
check() {
  local valid
  valid=$("$HEAPREEL" sql "$1" "SELECT json_valid(value) FROM meta WHERE key = 'argv'" | tail -n 1 | tr -d ' ')
  "$SQLITE" -readonly "$1" "SELECT value FROM meta WHERE key = 'argv'" >argv.raw
  if [ "$valid" = 1 ] && "$PY" - argv.raw <<'PYEOF'
import json, sys
raw = open(sys.argv[1], "rb").read().rstrip(b"\n")
argv = json.loads(raw.decode("utf-8"))          # strict: raw \xff fails here
want = ["-c", "x\ufffdy", "\ufffd\ufffd/", "\u00e9\u0001\"\\", "\ufffd\ufffd\ufffd", "ok"]
if argv != want:
    sys.exit("argv %r, expected %r" % (argv, want))
PYEOF
  then ok "$2: meta argv is valid JSON ($(cat argv.raw))"
  else fail "$2: meta argv is not valid JSON: json_valid=$valid, $(od -c argv.raw | head -3)"; return 1
  fi
}

# \xff: never UTF-8; \xc0\xaf: an overlong '/'; \xed\xa0\x80: a surrogate.
"$HEAPREEL" record -o a.heapreel -c 'import sys; print(len(sys.argv))' \
  "$(printf 'x\377y')" "$(printf '\300\257/')" "$(printf '\303\251\001"\\')" \
  "$(printf '\355\240\200')" ok >out.txt 2>err.txt
[ "$(cat out.txt)" = 6 ] && ok "record with non-UTF-8 arguments runs the program" \
  || { fail "record with non-UTF-8 arguments: $(cat out.txt err.txt)"; }
check a.heapreel "record"

# The check itself fails on bytes written raw, as the recorder once wrote them.
cp a.heapreel raw.heapreel
"$SQLITE" raw.heapreel "UPDATE meta SET value = CAST(X'5B222D63222C2278FF79225D' AS TEXT) WHERE key = 'argv'"
if ( check raw.heapreel "raw bytes" ) >raw.out 2>&1; then
  fail "the check passed raw bytes: $(cat raw.out)"
else
  ok "the check refuses an argv written with raw \\xff"
fi

# The recorder's own messages escape what they quote, as heapreel's do: a
# trace name or an option with ESC cannot clear the screen.
"$HEAPREEL" record --verbose -o "$(printf 'e\033[2J.heapreel')" -c 'pass' >/dev/null 2>esc.err
"$HEAPREEL" record "$(printf -- '--x\033[2J')" -c 'pass' >/dev/null 2>>esc.err
if ! grep -q "$(printf '\033')" esc.err && grep -qF "recorded 'e\x1b[2J.heapreel'" esc.err \
   && grep -qF "unknown option '--x\x1b[2J'" esc.err; then
  ok "the recorder's messages escape ESC in a trace name and an option"
else
  fail "the recorder's messages: $(od -c esc.err | head -5)"
fi

if [ "$failures" = 0 ]; then
  cd / && rm -rf "$TMP"
  echo "meta_argv: all passed"
  exit 0
fi
echo "meta_argv: $failures failed (files kept in $TMP)" >&2
exit 1
