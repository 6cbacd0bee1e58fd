#!/bin/bash
# docs_sql_examples.sh — every example in docs/sql.md runs as written: each
# fenced sh block as one script, each python block with python3.11, in a
# scratch copy of the repository's layout holding aliasing.heapreel (as the
# README's first command makes it), build/ being the build under test. Each
# must exit 0, print something, and say nothing on stderr.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env docs_sql_examples --keep-on-failure
HEAPREEL_EVENTS_EXT=$EXT . "$SRC/tests/tools/host_env.sh"

R=$TMP/repo
mkdir -p "$R" && cp -r "$SRC/traces" "$R/" && ln -s "$BUILD" "$R/build"
(cd "$R" && "$HEAPREEL" record traces/aliasing.py >/dev/null 2>"$TMP/rec.err") \
  || { echo "FAIL: cannot record aliasing.py: $(cat "$TMP/rec.err")" >&2; exit 1; }

# The blocks, one file each: NUMBER.sh or NUMBER.python.
awk -v dir="$TMP" '/^```(sh|python)$/ {n++; lang = substr($0, 4); f = dir "/" n "." lang; next}
                   /^```$/ {f = ""; next}
                   f {print > f}' "$SRC/docs/sql.md"
n=0
for f in "$TMP"/*.sh "$TMP"/*.python; do
  [ -e "$f" ] || continue
  n=$((n + 1))
  case $f in
    *.sh) (cd "$R" && "${HOST_ENV[@]}" bash -e "$f") >"$TMP/out" 2>"$TMP/err" </dev/null ;;
    *) (cd "$R" && "${HOST_ENV[@]}" "$PY" "$f") >"$TMP/out" 2>"$TMP/err" </dev/null ;;
  esac
  st=$?
  what="docs/sql.md block $(basename "$f"): $(head -1 "$f" | cut -c1-70)"
  if [ $st = 0 ] && [ -s "$TMP/out" ] && [ ! -s "$TMP/err" ]; then
    ok "$what"
  else
    fail "$what: exit $st, $(head -c 300 "$TMP/err")"
  fi
done
[ "$n" -ge 5 ] || fail "only $n example blocks found in docs/sql.md"

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all docs/sql.md examples ran"
