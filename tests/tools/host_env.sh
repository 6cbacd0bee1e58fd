# host_env.sh — sourced by integration tests that load heapreel_events into
# programs heapreel did not build (sqlite3, python3.11).
#
# A sanitizer build's extension needs the ASan runtime loaded first in the
# host program; HOST_ENV is the command prefix that does that (empty in a
# normal build). The hosts' own leaks are not ours, so leak checks are off.
HOST_ENV=()
if ldd "${HEAPREEL_EVENTS_EXT:?HEAPREEL_EVENTS_EXT is not set}" 2>/dev/null | grep -q libasan; then
  HOST_ENV=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0)
fi
