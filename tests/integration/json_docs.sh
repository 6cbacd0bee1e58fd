# json_docs.sh — every `--json` document is an object whose first key is
# "format": 1, and its top-level keys are exactly those docs/analysis.md's
# table lists for that command (the first {...} of its `--json` column), no
# more and no fewer. A command that prints JSON but has no row fails, as does
# a row whose command prints other keys.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env json_docs --keep-on-failure
cd "$TMP" || exit 1

cat >prog.py <<'PY'
import heapreel
a = [1, 2]
heapreel.mark("m1")
c = {"x": a}
d = [None]
d[0] = d
del d
try:
    {}["missing"]
except KeyError:
    pass
keep = [a, c]
PY
record_or_die "$TMP/t.heapreel" prog.py
T=$TMP/t.heapreel
obj=$("$HEAPREEL" history --json "$T" a@m1 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["object"])') \
  || { fail "cannot find object a's id"; obj=1; }

# The commands of `heapreel --help` that take --json, with the arguments
# that make each print its document.
declare -A args=(
  [summary]="" [steps]="" [state]="--at m1" [history]="@OBJ" [diff]="--from 1 --to end" [growth]=""
  [leaks]="" [referrers]="@OBJ" [cycles]="" [peak]="" [sql]="@SQL"
)
commands=$(heapreel_commands)
for c in $commands; do
  "$HEAPREEL" "$c" --help | grep -q -- '--json' || continue
  if [ -z "${args[$c]+set}" ]; then fail "$c takes --json: give it arguments in this test"; continue; fi
  a=${args[$c]}
  case "$a" in
    @OBJ) "$HEAPREEL" "$c" --json "$T" "$obj" >"$c.json" 2>"$c.err" ;;
    @SQL) "$HEAPREEL" "$c" --json "$T" "SELECT 1 AS one" >"$c.json" 2>"$c.err" ;;
    # shellcheck disable=SC2086
    *) "$HEAPREEL" "$c" --json $a "$T" >"$c.json" 2>"$c.err" ;;
  esac || { fail "$c --json: $(head -1 "$c.err")"; continue; }
  "$PY" - "$c" "$c.json" "$SRC/docs/analysis.md" <<'PY' && ok "$c --json: keys as documented" || failures=$((failures + 1))
import json, re, sys
cmd, path, doc = sys.argv[1:]
j = json.load(open(path))
if not isinstance(j, dict):
    sys.exit(print(f"FAIL: {cmd} --json is not an object", file=sys.stderr) or 1)
keys = list(j)
if keys[:1] != ["format"] or j["format"] != 1:
    sys.exit(print(f"FAIL: {cmd} --json does not open with \"format\": 1: {keys[:3]}", file=sys.stderr) or 1)
row = [l for l in open(doc) if l.startswith(f"| `{cmd}` |")]
if not row:
    sys.exit(print(f"FAIL: docs/analysis.md has no table row for {cmd}", file=sys.stderr) or 1)
last = row[0].rstrip().rstrip("|").split("|")[-1]
m = re.search(r"`\{([^}]*)\}`", last)
if not m:
    sys.exit(print(f"FAIL: {cmd}'s row lists no {{keys}}: {last.strip()}", file=sys.stderr) or 1)
documented = [k.strip() for k in m.group(1).split(",")]
missing = [k for k in keys if k not in documented]
extra = [k for k in documented if k not in keys]
if missing or extra:
    sys.exit(print(f"FAIL: {cmd}: printed but not documented {missing}, documented but not printed {extra}",
                   file=sys.stderr) or 1)
PY
done

if [ "$failures" -eq 0 ]; then echo "json_docs.sh: all passed"; exit 0; fi
echo "json_docs.sh: $failures failed (files kept in $TMP)" >&2
exit 1
