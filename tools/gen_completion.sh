#!/usr/bin/env bash
# gen_completion.sh — write heapreel's bash completion from its own help texts.
#
#   tools/gen_completion.sh HEAPREEL OUT
#
# Commands come from `heapreel --help`, each command's options from
# `heapreel COMMAND --help`, and the values of an option written there as
# `--opt a|b|c` become its completions; anything else completes file names.
# tests/integration/help_completion.sh drives the result.
set -euo pipefail
heapreel=$1 out=$2
exec >"$out.tmp"
trap 'rm -f "$out.tmp"' EXIT

commands=$("$heapreel" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')

options_of() {  # every -x and --long-option the help of command $1 mentions
  "$heapreel" "$1" --help | grep -oE '(^|[][ (|,])--?[a-zA-Z][a-zA-Z0-9-]*' |
    sed -E 's/^[][ (|,]//' | grep -vE '^-[a-zA-Z][a-zA-Z0-9]' | sort -u | tr '\n' ' '
}

values_of() {  # "--opt) words ;;" for each `--opt a|b|c` of command $1
  { "$heapreel" "$1" --help | grep -oE -- '--[a-z][a-z-]*[ =][a-z][a-z-]*(\|[a-z][a-z-]*)+' || true; } | sort -u |
    sed -E 's/^(--[a-z-]+)[ =](.*)$/\1) words="\2" ;;/; s/\|/ /g'
}

cat <<'HEAD'
# bash completion for heapreel: generated from its --help texts by
# tools/gen_completion.sh; installed as share/bash-completion/completions/heapreel.
_heapreel() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  local cmd=${COMP_WORDS[1]} words="" opts="" i
HEAD
printf '  if [ "$COMP_CWORD" -eq 1 ]; then\n'
printf '    COMPREPLY=($(compgen -W "%s --help --version" -- "$cur")); return 0\n' "$(echo $commands)"
printf '  fi\n'
printf '  case $cmd in\n'
for c in $commands; do
  printf '    %s) opts="%s" ;;\n' "$c" "$(options_of "$c" | sed 's/ $//')"
done
printf '    *) return 0 ;;\n  esac\n'
# record's options that take a value, as its help lists them (`-o FILE`,
# `--detail full|alloc`); -m and -c end record's own options.
record_valued=$("$heapreel" record --help | grep -oE '^ +--?[a-z-]+ ([A-Z]+|[a-z]+\|)' |
  awk '$1 != "-m" && $1 != "-c" {print $1}' | sort -u | tr '\n' '|' | sed 's/|$//')
cat <<BODY
  # record: everything after SCRIPT, -m MODULE or -c CODE is the program's own.
  if [ "\$cmd" = record ]; then
    for ((i = 2; i < COMP_CWORD; i++)); do
      case \${COMP_WORDS[i]} in
        -m|-c) return 0 ;;
        $record_valued) i=\$((i + 1)) ;;
        -*) ;;
        *) COMPREPLY=(\$(compgen -f -- "\$cur")); compopt -o filenames 2>/dev/null; return 0 ;;
      esac
    done
  fi
  case \$cmd in
BODY
for c in $commands; do
  v=$(values_of "$c")
  [ -n "$v" ] || continue
  printf '    %s) case $prev in\n' "$c"
  printf '%s\n' "$v" | sed 's/^/         /'
  printf '       esac ;;\n'
done
cat <<'TAIL'
  esac
  if [ -n "$words" ]; then COMPREPLY=($(compgen -W "$words" -- "$cur")); return 0; fi
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); return 0; fi
  COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
  return 0
}
complete -F _heapreel heapreel
TAIL
exec >&-
mv "$out.tmp" "$out"
