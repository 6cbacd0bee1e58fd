#!/bin/bash
# compat.sh — the compatibility suite's fixed subset (tests/compat/ci_subset.txt):
# CPython test modules and the library cases of tests/compat/cases.txt, each
# run under python3.11 and under `heapreel record` in alloc, full and
# --all-frames mode, compared by tests/compat/compat.py.
#
# Under the sanitizer build (HEAPREEL_SANITIZE=ON) the recorder is several
# times slower, so only the library cases and the modules marked "asan" in
# the subset run there; the test says so.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env compat --keep-on-failure

if [ ! -f /usr/lib/python3.11/test/regrtest.py ]; then
  echo "FAIL: CPython's test suite is not installed (apt-get install libpython3.11-testsuite; ./build.sh test installs it)" >&2
  exit 1
fi
subset=$SRC/tests/compat/ci_subset.txt
memlimit=
if [ "${HEAPREEL_SANITIZE:-OFF}" = ON ]; then
  echo "compat: SANITIZER BUILD: running the reduced subset (lines marked 'asan' in ci_subset.txt)" >&2
  grep -E '#.*\basan\b' "$subset" >"$TMP/subset.txt"
  subset=$TMP/subset.txt
  memlimit="--mem-limit-gb 0"   # AddressSanitizer reserves terabytes of address space
  # Memory errors are checked here, leaks are not: what leaks at the end of a
  # real program is its libraries' (OpenSSL, numpy's caches: memory that
  # reached them through the allocator hooks), and in a forked child
  # LeakSanitizer lists the parent's threads and prints "Running thread N was
  # not suspended" on the stderr compared byte for byte. heapreel's own
  # allocations are leak-checked by every other test of the sanitizer run.
  [ -n "${ASAN_OPTIONS:-}" ] && export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
fi
/usr/bin/python3.11 "$SRC/tests/compat/compat.py" --heapreel "$HEAPREEL" --jobs 2 --strict \
  --work "$TMP/work" $memlimit "@$subset"
