#!/bin/bash
# record_crash.sh — a program that dies of a fatal signal or ends by os._exit
# after 50 ms still leaves its events, and dies as it would under python3.11.
#
# Before, the writer's ring was lost with the process: 0 events. Now a fatal
# signal commits what the writer holds and os._exit finishes the trace with
# its status (both say incomplete: the program's finalisation never ran), in
# full and alloc detail, and in a --follow-fork child.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env record_crash --keep-on-failure
cd "$TMP" || exit 1
# A sanitizer build's own handlers would turn the program's death into a
# report and another status; python3.11's signals are what is compared.
{ [ "${HEAPREEL_SANITIZE:-OFF}" = ON ] || ldd "$RECORD" 2>/dev/null | grep -q libasan; } &&
  export ASAN_OPTIONS="${ASAN_OPTIONS:-}:handle_segv=0:handle_abort=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0"

cat >crash.py <<'PY'
import os, sys, time
keep = []
t = time.time()
while time.time() - t < 0.05:
    keep.append([len(keep)])
print("made", len(keep), flush=True)
how = sys.argv[1]
if how == "segv":
    import ctypes
    ctypes.string_at(0)
elif how == "abort":
    os.abort()
elif how == "exit":
    os._exit(3)
elif how == "child":
    pid = os.fork()
    if pid == 0:
        more = [[i] for i in range(2000)]
        import ctypes
        ctypes.string_at(0)
    _, st = os.waitpid(pid, 0)
    print("child signal", os.WTERMSIG(st) if os.WIFSIGNALED(st) else None)
PY

# summary_of TRACE FIELD: the value column of a summary line.
summary_of() { "$HEAPREEL" summary "$1" 2>/dev/null | sed -n "s/^$2  *//p" | head -1; }

check() {
  local detail=$1 how=$2 want_complete=$3
  "$PY" crash.py "$how" >py.out 2>/dev/null; local py_rc=$?
  rm -f t.heapreel*
  "$HEAPREEL" record --detail "$detail" -o t.heapreel crash.py "$how" >rec.out 2>rec.err; local rc=$?
  local events; events=$(summary_of t.heapreel events)
  local complete; complete=$(summary_of t.heapreel complete)
  # the program's own objects: at least one list a step per 50 ms loop pass
  local made; made=$(sed -n 's/^made //p' rec.out)
  if [ "$rc" = "$py_rc" ] && [ "${events:-0}" -gt "${made:-0}" ] 2>/dev/null &&
     [ "${complete%% *}" = "$want_complete" ] && [ ! -s rec.err ] &&
     [ -z "$(ls -A | grep '\.previous')" ]; then
    ok "$detail, $how after 50 ms: exit $rc as python3.11, $events events (program made $made lists), complete $complete"
  else
    fail "$detail, $how: exit $rc (python3.11 $py_rc), events '$events' (made '$made'), complete '$complete', stderr: $(head -c 300 rec.err)"
  fi
}

check full segv no
# The last recorded step is the line that crashed.
last=$("$HEAPREEL" steps t.heapreel 2>/dev/null | tail -1)
case "$last" in *"crash.py:10 "*string_at*) ok "full, segv: the last step is the crashing line";;
  *) fail "full, segv: last step '$last'";; esac
check full abort no
check full exit no
check alloc segv no
check alloc exit no
[ "$(summary_of t.heapreel 'exit status')" = 3 ] && ok "os._exit(3): meta exit status 3" \
  || fail "os._exit(3): exit status '$(summary_of t.heapreel 'exit status')'"

# faulthandler, enabled by the program, hands the signal back to the recorder's handler.
printf 'import faulthandler, ctypes\nfaulthandler.enable()\nx = [[i] for i in range(3000)]\nctypes.string_at(0)\n' >fh.py
rm -f t.heapreel*
"$HEAPREEL" record -o t.heapreel fh.py >rec.out 2>rec.err; rc=$?
events=$(summary_of t.heapreel events)
[ "$rc" = 139 ] && [ "${events:-0}" -ge 3000 ] 2>/dev/null && grep -q "Fatal Python error" rec.err \
  && ok "faulthandler.enable() then a crash: its traceback, exit 139, $events events" \
  || fail "faulthandler crash: exit $rc, events '$events'"

# A followed child that crashes leaves its own trace with its events.
rm -f t.*heapreel*
"$HEAPREEL" record --follow-fork -o t.heapreel crash.py child >rec.out 2>rec.err; rc=$?
child=$(ls t.[0-9]*.heapreel 2>/dev/null | head -1)
cevents=$([ -n "$child" ] && summary_of "$child" events)
if [ "$rc" = 0 ] && grep -q "child signal 11" rec.out && [ "${cevents:-0}" -ge 2000 ] 2>/dev/null; then
  ok "--follow-fork child dying of SIGSEGV: $child holds $cevents events"
else
  fail "--follow-fork child crash: exit $rc, child trace '$child' events '$cevents': $(cat rec.out rec.err | head -c 300)"
fi

exit $((failures > 0))
