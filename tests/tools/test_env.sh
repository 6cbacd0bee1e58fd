# test_env.sh — sourced first by every integration test: where the built
# programs and the sources are, a scratch directory of its own removed on exit,
# a Python environment from outside that cannot reach the recorded programs,
# and the checks of cli_checks.sh. At the top of a test:
#   . "$(dirname "$0")/../tools/test_env.sh" && test_env NAME [--keep-on-failure]
#
# ctest passes HEAPREEL, HEAPREEL_BUILD, HEAPREEL_SOURCE, HEAPREEL_EVENTS_EXT
# and HEAPREEL_TEST_TMP (tests/CMakeLists.txt); by hand, HEAPREEL or
# HEAPREEL_BUILD is enough.

# test_env NAME [--keep-on-failure]: sets HEAPREEL (the heapreel program),
# HEAPREEL_BUILD and BUILD (the build tree), HEAPREEL_SOURCE and SRC (the
# source tree), RECORD (heapreel-record), SYNTH (hr-synth), EXT (the events
# extension), PY (Debian's python3.11, the interpreter heapreel embeds), PROGS
# (tests/programs), TMP (an empty directory NAME.PID, removed on exit; kept
# when the test fails with --keep-on-failure) and failures=0. Exits 1 when
# there is no heapreel-record or TMP cannot be made.
test_env() {
  local name=$1 keep=${2:-}
  if [ -z "${HEAPREEL:-}" ] && [ -z "${HEAPREEL_BUILD:-}" ]; then
    echo "FAIL: set HEAPREEL to the heapreel binary or HEAPREEL_BUILD to the build tree" >&2; exit 1
  fi
  HEAPREEL_BUILD=${HEAPREEL_BUILD:-$(dirname "$HEAPREEL")}
  HEAPREEL=${HEAPREEL:-$HEAPREEL_BUILD/heapreel}
  HEAPREEL_SOURCE=${HEAPREEL_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
  BUILD=$HEAPREEL_BUILD
  SRC=$HEAPREEL_SOURCE
  RECORD=$BUILD/heapreel-record
  SYNTH=$BUILD/tests/hr-synth
  EXT=${HEAPREEL_EVENTS_EXT:-$BUILD/heapreel_events.so}
  PY=/usr/bin/python3.11
  PROGS=$SRC/tests/programs
  [ -x "$RECORD" ] || { echo "FAIL: no heapreel-record in $BUILD" >&2; exit 1; }

  TMP=${HEAPREEL_TEST_TMP:-/tmp}/$name.$$
  rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
  # A test may leave read-only files or directories behind (an unwritable
  # trace), so write permission comes back before the removal.
  if [ "$keep" = --keep-on-failure ]; then
    trap 'test_env_status=$?; [ "$test_env_status" != 0 ] || { chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"; }' EXIT
  else
    trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
  fi
  # What the recorded programs and the checks' python3.11 see is the test's
  # own choice, never the caller's.
  unset VIRTUAL_ENV PYTHONPATH PYTHONHOME PYTHONSAFEPATH PYTHONTRACEMALLOC HEAPREEL_KEYFRAME_EVERY
  failures=0
}

# heapreel_commands: the commands `heapreel --help` lists, one a line.
heapreel_commands() { "$HEAPREEL" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}'; }

# record_or_die TRACE PROGRAM [ARGS...]: records PROGRAM into TRACE, the
# program's stdout in $TMP/rec.out and stderr in $TMP/rec.err; a recording
# that fails ends the test (FAIL and exit 1), since nothing after it can run.
record_or_die() {
  local trace=$1; shift
  "$RECORD" -o "$trace" "$@" >"$TMP/rec.out" 2>"$TMP/rec.err" \
    || { echo "FAIL: cannot record $(basename "$1"): $(tail -c 300 "$TMP/rec.err")" >&2; exit 1; }
}

# record NAME: tests/programs/NAME.py into $TMP/NAME.heapreel, its stdout and
# stderr beside it in NAME.stdout and NAME.stderr; a failure counts and the
# test goes on.
record() {
  "$RECORD" -o "$TMP/$1.heapreel" "$PROGS/$1.py" >"$TMP/$1.stdout" 2>"$TMP/$1.stderr" \
    || fail "recording $1.py failed: $(tail -c 300 "$TMP/$1.stderr")"
}

# line_of PROGRAM PATTERN: the first line of tests/programs/PROGRAM matching PATTERN.
line_of() { grep -n "$2" "$PROGS/$1" | head -1 | cut -d: -f1; }

. "$(dirname "${BASH_SOURCE[0]}")/cli_checks.sh"
