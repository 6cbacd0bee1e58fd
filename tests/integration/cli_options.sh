# cli_options.sh — every option that takes a value, of every subcommand, is
# accepted as --opt=value exactly as --opt value (the same output, files and
# exit status); `--` ends the options; an out-of-range number is a usage
# error (exit 2). The options come from each `heapreel COMMAND --help`, so a
# new option is checked as soon as its help line is written; one this test
# has no value for fails until it is given one below.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env cli_options --keep-on-failure
cd "$TMP" || exit 1

cat >prog.py <<'PY'
import heapreel
a = [1, 2]
heapreel.mark("m1")
b = a
c = {"x": a}
d = [None]
d[0] = d
del d
keep = [a, c]
PY
record_or_die "$TMP/t.heapreel" prog.py
T=$TMP/t.heapreel
obj=$("$HEAPREEL" history --json "$T" a@m1 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["object"])') \
  || { fail "cannot find object a's id"; obj=1; }

# "COMMAND --option" -> "value|other arguments" (the trace is added last, and
# referrers' object after it). Relative paths are written in a directory of
# the run's own, so the two runs' files can be compared.
# Storyboards are written as DOT and compared line by line sorted: Graphviz
# lists a storyboard's clusters in an order that varies from run to run (the
# same drawing).
declare -A want=(
  ["steps --from"]="2|" ["steps --to"]="3|" ["steps --line"]="3|"
  ["state --step"]="3|" ["state --line"]="3|" ["state --mark"]="m1|" ["state --at"]="end|"
  ["state --max-refs"]="1|--at end"
  ["diff --from"]="1|--to end" ["diff --to"]="end|--from 1"
  ["growth --from"]="m1|" ["growth --to"]="end|" ["growth --by"]="type|"
  ["leaks --by"]="retained|" ["leaks --paths"]="2|"
  ["referrers --at"]="end|" ["referrers --depth"]="3|" ["referrers --max-paths"]="2|"
  ["peak --plot"]="p.svg|"
  ["render --step"]="3|-o x.dot" ["render --line"]="3|-o x.dot" ["render --mark"]="m1|-o x.dot"
  ["render --steps"]="1,3|--format dot -o out/" ["render --lines"]="3,4|--format dot -o out/"
  ["render --every"]="mark|--format dot -o out/"
  ["render --format"]="dot|--steps 1,2 -o out/" ["render --cycle"]="1|-o x.dot" ["render --leak"]="1|-o x.dot"
  ["render --referrers"]="#$obj|-o x.dot" ["render --html"]="x.html|--steps 1,3"
  ["render --show"]="id,size|--step 3 -o x.dot" ["render --focus"]="a|--step 20 -o x.dot"
  ["render --max-items"]="1|--step 20 -o x.dot" ["render --max-objects"]="2|--step 20 -o x.dot"
  ["render --depth"]="1|--step 20 -o x.dot" ["render --stack-order"]="oldest-top|--step 20 -o x.dot"
  ["render --theme"]="dark|--step 20 -o x.dot"
  ["render --titles"]="Stack,Heap|--step 20 -o x.dot"
  ["record --detail"]="alloc|-o r.heapreel" ["record --stack-depth"]="4|--detail alloc -o r.heapreel"
  ["record --start-at-mark"]="m1|--detail alloc -o r.heapreel"
)

# Run "$@" in directory $1 (made afresh): stdout, stderr's first line and the
# exit status land in it beside the files the command wrote.
run_in() {
  local dir=$1; shift
  rm -rf "$dir" && mkdir -p "$dir" && cp prog.py "$dir/"
  (cd "$dir" && "$@" >stdout 2>stderr; echo "exit $?" >status)
  rm -f "$dir/prog.py"
  for f in "$dir"/out/*.dot; do [ -f "$f" ] && sort "$f" -o "$f"; done
  # A trace is compared by what it says, not its bytes (times differ).
  if [ -f "$dir/r.heapreel" ]; then
    "$HEAPREEL" sql "$dir/r.heapreel" "SELECT key, value FROM meta WHERE key NOT IN
      ('duration_s', 'start_time') ORDER BY key" >"$dir/r.meta" 2>&1
    # What the script did, up to its end: frees, collections and memory
    # counts move with the collector's timing from run to run (and more so
    # after the end, in the interpreter's finalization), so they are left out.
    "$HEAPREEL" sql "$dir/r.heapreel" "SELECT count(*) FROM events WHERE kind NOT IN
      ('free', 'gc', 'mem') AND seq <= coalesce((SELECT max(seq) FROM markers
      WHERE label = 'end'), (SELECT max(seq) FROM events))" >>"$dir/r.meta" 2>&1
    rm -f "$dir/r.heapreel"
  fi
}

commands=$(heapreel_commands)
checked=0
for c in $commands; do
  # Options followed by a value word in the help: --opt <x>, --opt X, --opt a|b.
  opts=$("$HEAPREEL" "$c" --help | grep -oE -- '--[a-z][a-z0-9-]* (<[^>]+>|[A-Z][A-Z]*|[a-z-]+\|[a-z|-]+)' |
         awk '{print $1}' | sort -u)
  for opt in $opts; do
    spec=${want["$c $opt"]-}
    if [ -z "$spec" ]; then fail "$c $opt: no value to try it with (add one to this test)"; continue; fi
    val=${spec%%|*}; extra=${spec#*|}
    # shellcheck disable=SC2086 # extra is words
    if [ "$c" = record ]; then
      run_in eq "$HEAPREEL" record "$opt=$val" $extra prog.py
      run_in sp "$HEAPREEL" record "$opt" "$val" $extra prog.py
    elif [ "$c" = referrers ]; then
      run_in eq "$HEAPREEL" "$c" "$opt=$val" $extra "$T" "#$obj"
      run_in sp "$HEAPREEL" "$c" "$opt" "$val" $extra "$T" "#$obj"
    else
      run_in eq "$HEAPREEL" "$c" "$opt=$val" $extra "$T"
      run_in sp "$HEAPREEL" "$c" "$opt" "$val" $extra "$T"
    fi
    checked=$((checked + 1))
    if ! grep -qx 'exit 0' sp/status; then
      fail "$c $opt $val $extra: exit $(cat sp/status): $(head -1 sp/stderr)"
    elif diff -r sp eq >diff.out; then
      ok "$c $opt=$val is $opt $val"
    else
      fail "$c $opt=$val differs from $opt $val: $(head -c 300 diff.out)"
    fi
  done
done
[ "$checked" -ge 35 ] || fail "only $checked options with values found in the help texts"

# record's short -o: -o=FILE is FILE, not a file named '=FILE'.
run_in eq "$HEAPREEL" record -o=r.heapreel prog.py
[ -f eq/r.meta ] && [ ! -e eq/=r.heapreel ] && ok "record -o=FILE writes FILE" \
  || fail "record -o=r.heapreel wrote $(ls eq | tr '\n' ' ')"

# `--` ends the options: a trace named like an option.
cp "$T" ./--json
"$HEAPREEL" summary -- --json >dd.out 2>dd.err && grep -q '^program' dd.out \
  && ok "summary -- --json reads the trace '--json'" || fail "summary -- --json: $(head -2 dd.err)"
"$HEAPREEL" steps --to 2 -- --json >dd.out 2>dd.err && [ "$(wc -l <dd.out)" = 2 ] \
  && ok "steps --to 2 -- --json: two steps of the trace '--json'" || fail "steps -- --json: $(head -2 dd.err)"
# After SCRIPT, options are the program's.
"$HEAPREEL" record -o r2.heapreel prog.py --json --to=3 >/dev/null 2>dd.err \
  && ok "record: options after SCRIPT are the program's" || fail "record prog.py --json: $(head -2 dd.err)"

# Out-of-range and malformed numbers: usage errors (exit 2) naming the option.
for args in "steps --to=99999999999999999999999" "steps --from=0" "state --step=18446744073709551616" \
            "leaks --paths=1000001" "referrers --depth=100001" "render --max-items=4294967296 --step 3 -o x.dot" \
            "state --max-refs=-1 --at end"; do
  obj_arg=; [ "${args%% *}" = referrers ] && obj_arg="#$obj"
  # shellcheck disable=SC2086
  "$HEAPREEL" $args "$T" $obj_arg >oor.out 2>oor.err; rc=$?
  opt=$(echo "$args" | grep -oE -- '--[a-z-]+=' | head -1 | tr -d =)
  if [ "$rc" = 2 ] && grep -q -- "$opt" oor.err && [ ! -s oor.out ]; then ok "$args: usage error"
  else fail "$args: exit $rc, $(head -1 oor.err)"; fi
done
"$HEAPREEL" record --detail alloc --stack-depth=129 prog.py >/dev/null 2>oor.err; rc=$?
[ "$rc" = 2 ] && grep -q "stack-depth" oor.err && ok "record --stack-depth=129: usage error" \
  || fail "record --stack-depth=129: exit $rc"
# A flag given a value, and an unknown option: usage errors in git's words.
"$HEAPREEL" summary --json=1 "$T" >/dev/null 2>e.err; rc=$?
[ "$rc" = 2 ] && grep -q "^heapreel: option '--json' takes no value" e.err && ok "--json=1: takes no value" \
  || fail "--json=1: exit $rc, $(head -1 e.err)"
"$HEAPREEL" steps --bogus=3 "$T" >/dev/null 2>e.err; rc=$?
[ "$rc" = 2 ] && grep -q "^heapreel: unknown option '--bogus=3'" e.err && grep -q '^usage: heapreel steps' e.err \
  && ok "unknown option: message and usage" || fail "steps --bogus=3: exit $rc, $(head -1 e.err)"

if [ "$failures" -eq 0 ]; then echo "cli_options.sh: all passed"; exit 0; fi
echo "cli_options.sh: $failures failed (files kept in $TMP)" >&2
exit 1
