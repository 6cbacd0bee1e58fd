# cli_checks.sh — sourced by integration tests that drive `heapreel`
# subcommands: run one, check its exit status, and check an error is one
# git-style line. Needs HEAPREEL and TMP set; counts failures in $failures.
failures=${failures:-0}

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
# skip WHY: a check that cannot run says so on both streams.
skip() { echo "SKIP: $*" >&2; echo "SKIP: $*"; }

# run EXPECTED_STATUS ARGS...: run heapreel, keep stdout in $TMP/out and stderr in $TMP/err.
run() {
  local want=$1; shift
  "$HEAPREEL" "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  [ "$got" = "$want" ] || fail "heapreel $* exited $got, expected $want: $(head -c 300 "$TMP/err")"
}

# one_line_error PATTERN: stderr is exactly one 'heapreel: ...' line matching
# PATTERN, with no full stop, and stdout is empty.
one_line_error() {
  [ "$(wc -l <"$TMP/err")" = 1 ] || fail "expected one line on stderr, got: $(cat "$TMP/err")"
  grep -q "^heapreel: .*$1" "$TMP/err" || fail "stderr '$(cat "$TMP/err")' does not match '$1'"
  [ -s "$TMP/out" ] && fail "expected nothing on stdout, got: $(head -c 200 "$TMP/out")"
  grep -q '\.$' "$TMP/err" && fail "error message ends with a full stop: $(cat "$TMP/err")"
  return 0
}

# json_check DESCRIPTION PYTHON_EXPR [ARGS...]: with j the parsed stdout of the
# last run (and a the extra arguments), the expression is true; has(d, *keys)
# says which keys a dict lacks.
json_check() {
  local what=$1 expr=$2; shift 2
  "${PY:-/usr/bin/python3.11}" -c 'import json, sys
j = json.load(open(sys.argv[1]))
a = sys.argv[3:]
def has(d, *keys):
    missing = [k for k in keys if not isinstance(d, dict) or k not in d]
    if missing: print("missing keys", missing, "in", str(d)[:300], file=sys.stderr)
    return not missing
sys.exit(0 if eval(sys.argv[2]) else 1)' "$TMP/out" "$expr" "$@" \
    && ok "$what" || fail "$what: $expr on $(head -c 600 "$TMP/out")"
}
