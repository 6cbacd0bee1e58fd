#!/usr/bin/env bash
# gen_manpage.sh — write heapreel(1) from the program's own help texts.
#
#   tools/gen_manpage.sh HEAPREEL INTRO OUT
#
# The page is `heapreel --help` and every `heapreel COMMAND --help`, verbatim,
# between the hand-written sections of INTRO (docs/man/heapreel.1.in): the
# help texts are the one source, so the page cannot list an option the
# program lacks or miss one it has (tests/integration/help_manpage.sh).
set -euo pipefail
heapreel=$1 intro=$2 out=$3
exec >"$out.tmp"
trap 'rm -f "$out.tmp"' EXIT

# troff: a backslash is \e, a line starting with . or ' needs \& before it.
roff_escape() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/" -e 's/-/\\-/g'; }

commands=$("$heapreel" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
version=$("$heapreel" --version | awk '{print $NF}')

sed -n '1,/^@COMMANDS@$/p' "$intro" | sed -e '$d' -e "s/@VERSION@/$version/"
echo '.SH COMMANDS'
for c in $commands; do
  summary=$("$heapreel" --help | awk -v c="$c" '$1 == c {sub(/^ *[a-z]+ +/, ""); print; exit}')
  printf '.SS %s\n' "$c"
  printf '%s\n' "$summary" | roff_escape
  echo '.PP'
  echo '.nf'
  "$heapreel" "$c" --help | roff_escape
  echo '.fi'
done
sed -n '/^@COMMANDS@$/,$p' "$intro" | sed -e '1d'
exec >&-
mv "$out.tmp" "$out"
