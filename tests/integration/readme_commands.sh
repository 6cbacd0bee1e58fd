# readme_commands.sh — the README's commands run as written: every fenced sh
# block marked `<!-- runnable -->` runs, line by line, in a scratch copy of the
# repository's layout (build/ being the build under test), and each command
# must exit 0 without an error or a warning on stderr.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env readme_commands --keep-on-failure

HEAPREEL_EVENTS_EXT=$EXT . "$SRC/tests/tools/host_env.sh"   # sqlite3 loading a sanitizer build's extension

R=$TMP/repo
mkdir -p "$R/tests" && cp -r "$SRC/traces" "$R/" && cp -r "$SRC/tests/programs" "$R/tests/" && ln -s "$BUILD" "$R/build"

# The runnable blocks, one command a line (comments after `#` kept: bash drops them).
awk '/<!-- runnable -->/ {arm = 1; next}
     arm && /^```sh/ {on = 1; arm = 0; next}
     on && /^```/ {on = 0; next}
     on {print}
     !/^```sh/ {arm = arm && /^[[:space:]]*$/}' "$SRC/README.md" >"$TMP/commands"
n=$(grep -c . "$TMP/commands")
[ "$n" -ge 8 ] || fail "only $n runnable commands found in README.md"

i=0
while IFS= read -r cmd; do
  [ -n "$cmd" ] || continue
  i=$((i + 1))
  case $cmd in sqlite3*) cmd="${HOST_ENV[*]} $cmd" ;; esac
  if (cd "$R" && bash -c "$cmd") >"$TMP/out.$i" 2>"$TMP/err.$i" </dev/null; then
    if grep -qE '^heapreel: (cannot|warning|error)|Traceback|ERROR|Error:' "$TMP/err.$i"; then
      fail "[$cmd] complained: $(head -2 "$TMP/err.$i")"
    else
      ok "$cmd"
    fi
  else
    fail "[$cmd] exited $?: $(head -2 "$TMP/err.$i")"
  fi
done <"$TMP/commands"

if [ "$failures" -eq 0 ]; then echo "readme_commands.sh: all passed"; exit 0; fi
echo "readme_commands.sh: $failures failed (files kept in $TMP)" >&2
exit 1
