# help_manpage.sh — heapreel(1) lists every command of `heapreel --help` and
# every option of each `heapreel COMMAND --help`, and nothing else: the page is
# made from the help texts at build time (tools/gen_manpage.sh), and this
# checks the page the build made, rendered by man, against the program.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env help_manpage --keep-on-failure

PAGE=$BUILD/heapreel.1
[ -s "$PAGE" ] || { echo "FAIL: the build made no $PAGE" >&2; exit 1; }
if command -v man >/dev/null; then
  MANWIDTH=200 man -l "$PAGE" 2>"$TMP/man.err" | col -b >"$TMP/page.txt"
  [ -s "$TMP/page.txt" ] && [ ! -s "$TMP/man.err" ] || fail "man -l cannot render the page: $(head -3 "$TMP/man.err")"
else
  echo "SKIP (loudly): no man program here; checking the troff source instead" >&2
  sed -e 's/\\-/-/g' -e 's/\\e/\\/g' "$PAGE" >"$TMP/page.txt"
fi

commands=$(heapreel_commands)
[ "$(echo $commands | wc -w)" -ge 10 ] || fail "too few commands in heapreel --help: $commands"
options_of() { "$@" | grep -oE '(^|[][ (|,])--?[a-zA-Z][a-zA-Z0-9-]*' | sed -E 's/^[][ (|,]//' | sort -u; }

# Each command has its section, and the page's section of a command lists the
# same options as the command's help, no more and no fewer.
page_commands=$(grep -oE '^   [a-z]+$' "$TMP/page.txt" | tr -d ' ')
[ "$(echo $page_commands)" = "$(echo $commands)" ] ||
  fail "commands: page has [$(echo $page_commands)], heapreel --help has [$(echo $commands)]"
for c in $commands; do
  awk -v c="   $c" '$0 == c {on = 1; next} on && /^   [a-z]+$/ {exit} on && /^[A-Z]/ {exit} on' \
    "$TMP/page.txt" >"$TMP/sec.$c"
  options_of cat "$TMP/sec.$c" >"$TMP/page.$c"
  options_of "$HEAPREEL" "$c" --help >"$TMP/help.$c"
  if [ ! -s "$TMP/help.$c" ] && [ "$c" != summary ]; then fail "$c --help lists no option"; fi
  if diff "$TMP/help.$c" "$TMP/page.$c" >"$TMP/diff.$c"; then
    ok "$c: $(wc -l <"$TMP/help.$c") options in both"
  else
    fail "$c: the page and --help differ (< help, > page): $(tr '\n' ' ' <"$TMP/diff.$c")"
  fi
done
grep -q '^EXIT STATUS' "$TMP/page.txt" || fail "the page has no EXIT STATUS section"

if [ "$failures" -eq 0 ]; then echo "help_manpage.sh: all passed"; exit 0; fi
echo "help_manpage.sh: $failures failed (files kept in $TMP)" >&2
exit 1
