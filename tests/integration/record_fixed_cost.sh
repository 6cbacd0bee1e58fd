#!/bin/bash
# record_fixed_cost.sh — what a full recording costs before the program does
# anything: the recorder's own start and close, on a program that is `pass`.
#
# Before, every recording searched all of python3.11 (6.8 MB) for its
# build's date, created, wrote and removed three SQLite journal files and
# parsed schema.sql into a new file: about 350 page faults and 23 M
# instructions more than python3.11 on the same program. Now the build's
# literals are looked for in python3.11's .rodata, the trace file starts
# from the image heapreel's build made, and no journal is made at all.
# Checked by what strace sees (exact). What that saves in CPU time and page
# faults is a measurement, not a test: docs/performance.md has the figures.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env record_fixed_cost --keep-on-failure
cd "$TMP" || exit 1
echo pass >empty.py

if ! command -v strace >/dev/null 2>&1; then
  echo "SKIP: no strace on this machine: the journal and python3.11-mapping checks did not run"
else
  # LeakSanitizer cannot run under ptrace: off for this run of a sanitizer build.
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
    strace -f -e trace=openat,mmap -o st.log "$RECORD" -o t.heapreel empty.py >rec.out 2>rec.err
  rc=$?
  size=$(stat -L -c %s "$PY")
  if [ "$rc" = 0 ] && [ -s t.heapreel ] && ! grep -q -- '-journal"' st.log; then
    ok "no journal file is made while recording"
  else
    fail "a journal file was opened (exit $rc):"; grep -- '-journal"' st.log >&2
  fi
  if [ "$rc" = 0 ] && grep -q "openat(AT_FDCWD, \"$PY\"" st.log && ! grep -q "mmap(NULL, $size," st.log; then
    ok "python3.11's build is checked without mapping all of it ($size bytes)"
  else
    fail "python3.11 ($size bytes) mapped whole, or not opened (exit $rc)"; grep -A2 "\"$PY\"" st.log >&2
  fi
fi

if [ "$failures" = 0 ]; then
  echo "record_fixed_cost: all passed"
  exit 0
fi
echo "record_fixed_cost: $failures failed (files kept in $TMP)" >&2
exit 1
