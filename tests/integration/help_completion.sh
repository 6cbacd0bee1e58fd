# help_completion.sh — the bash completion the build makes from the help texts
# (tools/gen_completion.sh) completes every command, every option of each
# command, the values an option lists (`--detail full|alloc`), file names
# elsewhere, and nothing of heapreel's after `record SCRIPT`.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env help_completion --keep-on-failure

COMP=$BUILD/heapreel.bash
[ -s "$COMP" ] || { echo "FAIL: the build made no $COMP" >&2; exit 1; }

# complete WORDS...: what bash offers for the last word (sorted, one line).
complete_words() {
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _heapreel
           [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ "$COMP" "$@" 2>"$TMP/comp.err"
}
expect() {  # WHAT GOT WANT
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got [$2], want [$3]"; fi
}

commands=$(heapreel_commands)
want=$(printf '%s\n' $commands --help --version | sort | tr '\n' ' ')
expect "commands" "$(complete_words heapreel '')" "$want"

for c in $commands; do
  want=$("$HEAPREEL" "$c" --help | grep -oE '(^|[][ (|,])--[a-zA-Z][a-zA-Z0-9-]*' | sed -E 's/^[][ (|,]//' | sort -u | tr '\n' ' ')
  expect "$c options" "$(complete_words heapreel "$c" --)" "$want"
done

expect "record --detail values" "$(complete_words heapreel record --detail '')" "alloc full "
expect "render --theme values" "$(complete_words heapreel render t.heapreel --theme d)" "dark "
cd "$TMP" && touch app.py app.heapreel && mkdir -p sub
expect "a trace name" "$(complete_words heapreel summary app.h)" "app.heapreel "
expect "the script" "$(complete_words heapreel record -o x.heapreel ap)" "app.heapreel app.py "
expect "the program's own options" "$(complete_words heapreel record app.py --)" ""
expect "after -m" "$(complete_words heapreel record -m http.server --)" ""
[ -s "$TMP/comp.err" ] && fail "bash said: $(head -3 "$TMP/comp.err")"

if [ "$failures" -eq 0 ]; then echo "help_completion.sh: all passed"; exit 0; fi
echo "help_completion.sh: $failures failed (files kept in $TMP)" >&2
exit 1
