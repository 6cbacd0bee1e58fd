# record_run.sh — `heapreel record` runs a script exactly as python3.11 does, and always leaves a trace that opens.
#
# Every check runs the same program under /usr/bin/python3.11 and under
# `heapreel record` and compares what the program saw and did, then reads the
# trace with the sqlite3 shell (plain tables: meta, markers, chunks).
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env record_run --keep-on-failure
SQLITE=/usr/bin/sqlite3
cd "$TMP" || exit 1

meta() { "$SQLITE" -readonly "$1" "SELECT value FROM meta WHERE key = '$2'"; }
# Prefix that runs a command with SIGINT at its default, as from an interactive
# shell (a non-interactive shell starts background jobs with SIGINT ignored).
sigint_default='import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])'
# Wait for a background pid; one that outlives 20 s is killed (status 255).
wait_exit() {
  for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$1" 2>/dev/null; then kill -KILL "$1"; wait "$1" 2>/dev/null; return 255; fi
  wait "$1" 2>/dev/null
}
wait_ready() {  # file: wait until the program printed "ready"
  for _ in $(seq 100); do grep -q ready "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
closing_re="^heapreel: recorded '[^']*\.heapreel': [0-9]+ events, [0-9.]+ (bytes|kB|MB|GB)$"


# --- what the program sees: argv, sys.path, __name__, stdout bytes ----------
"$PY" "$PROGS/run_view.py" "a b" 'q"b\s' -h >py.out 2>py.err; py_rc=$?
"$HEAPREEL" record "$PROGS/run_view.py" "a b" 'q"b\s' -h >rec.out 2>rec.err; rec_rc=$?
[ "$py_rc" = 0 ] && [ "$rec_rc" = 0 ] || fail "run_view: exit $rec_rc, python3.11 $py_rc"
cmp -s py.out rec.out && ok "stdout, sys.argv, sys.path, __name__, sys.modules as python3.11" \
  || { fail "run_view output differs from python3.11"; diff py.out rec.out >&2; }
cmp -s py.err rec.err && ok "stderr as python3.11's: nothing added when it is not a terminal" \
  || { fail "heapreel wrote to a stderr that is not a terminal"; cat rec.err >&2; }
[ -f run_view.heapreel ] && ok "default trace name <script stem>.heapreel" || fail "no run_view.heapreel"
[ "$(meta run_view.heapreel complete)" = 1 ] || fail "run_view trace not complete"
[ "$(meta run_view.heapreel exit_status)" = 0 ] || fail "run_view exit_status is not 0"
argv_json=$(meta run_view.heapreel argv)
"$PY" -c 'import json, sys; assert json.loads(sys.argv[1]) == sys.argv[2:], sys.argv' \
  "$argv_json" "$PROGS/run_view.py" "a b" 'q"b\s' -h && ok "meta argv is the JSON of sys.argv" \
  || fail "meta argv '$argv_json'"
[ "$(meta run_view.heapreel python_version)" = "$("$PY" -c 'import sys; print(sys.version)')" ] \
  && ok "meta python_version is sys.version" || fail "meta python_version"
[ "$(meta run_view.heapreel program)" = "$PROGS/run_view.py" ] || fail "meta program"

# --- options end at SCRIPT; -h before SCRIPT is heapreel's -------------------
"$HEAPREEL" record -h >help.out 2>&1 && grep -q '^usage: heapreel record' help.out \
  && ok "record -h prints usage, exit 0" || fail "record -h"
"$HEAPREEL" record >/dev/null 2>usage.err; [ $? = 2 ] && grep -q '^usage: heapreel record' usage.err \
  || fail "record without SCRIPT is not a usage error"
"$HEAPREEL" record --detail sideways "$PROGS/run_view.py" >/dev/null 2>&1; [ $? = 2 ] \
  || fail "a bad --detail is not a usage error"
"$HEAPREEL" record -o opt.heapreel --detail alloc --all-frames "$PROGS/run_view.py" >/dev/null 2>&1 \
  && [ "$(meta opt.heapreel detail)" = alloc ] && [ "$(meta opt.heapreel all_frames)" = 1 ] \
  && ok "-o, --detail alloc, --all-frames reach the trace" || fail "options not recorded in meta"

# --- stdin passes through ---------------------------------------------------------
printf 'abc\nd\xc3\xa9f\n\x00end' | "$PY" "$PROGS/run_stdin.py" >py.out 2>/dev/null
printf 'abc\nd\xc3\xa9f\n\x00end' | "$HEAPREEL" record "$PROGS/run_stdin.py" >rec.out 2>/dev/null
cmp -s py.out rec.out && ok "stdin reaches the program" || fail "stdin passthrough differs"

# --- exit statuses, tracebacks, sys.exit messages ------------------------------------
for mode in zero code msg raise; do
  "$PY" "$PROGS/run_exit.py" "$mode" >py.out 2>py.err; py_rc=$?
  "$HEAPREEL" record -o exit.heapreel "$PROGS/run_exit.py" "$mode" >rec.out 2>rec.err; rec_rc=$?
  "$HEAPREEL" record --verbose -o exit.heapreel "$PROGS/run_exit.py" "$mode" >/dev/null 2>recv.err
  head -n -1 recv.err >recv.prog.err
  if [ "$py_rc" = "$rec_rc" ] && cmp -s py.out rec.out && cmp -s py.err rec.err \
     && cmp -s py.err recv.prog.err && tail -n 1 recv.err | grep -Eq "$closing_re" \
     && [ "$(meta exit.heapreel exit_status)" = "$py_rc" ] && [ "$(meta exit.heapreel complete)" = 1 ]; then
    ok "$mode: exit $rec_rc, stdout and stderr byte for byte as python3.11 (--verbose: then the closing line), trace complete"
  else
    fail "$mode: exit $rec_rc (python3.11 $py_rc), exit_status '$(meta exit.heapreel exit_status)'"
    diff py.err rec.err >&2; diff py.err recv.err >&2
  fi
done
grep -q 'ValueError: boom' py.err || fail "python3.11 printed no traceback (test program broken?)"

# --- a script that cannot be opened: python3.11's status 2, nothing written --------------
"$PY" missing.py 2>/dev/null; py_rc=$?
"$HEAPREEL" record missing.py >rec.out 2>rec.err; rec_rc=$?
[ "$rec_rc" = "$py_rc" ] && [ "$rec_rc" = 2 ] && [ ! -e missing.heapreel ] && [ ! -s rec.out ] \
  && [ "$(wc -l <rec.err)" = 1 ] && grep -q "^heapreel: cannot open script 'missing.py'" rec.err \
  && ok "missing script: one line, exit 2 as python3.11, no trace" \
  || { fail "missing script: exit $rec_rc"; cat rec.err >&2; }

# --- an unwritable trace path: fails before the script runs, leaves nothing --------------
before=$(ls -A)
touch plainfile
"$HEAPREEL" record -o "$TMP/nodir/x.heapreel" "$PROGS/run_view.py" >rec.out 2>rec.err; rc1=$?
"$HEAPREEL" record -o "$TMP/plainfile/x.heapreel" "$PROGS/run_view.py" >>rec.out 2>>rec.err; rc2=$?
rm -f plainfile
if [ "$rc1" = 1 ] && [ "$rc2" = 1 ] && [ ! -s rec.out ] && [ ! -e nodir ] \
   && [ "$(wc -l <rec.err)" = 2 ] && grep -q "nodir/x.heapreel" rec.err \
   && [ "$(ls -A | grep -v '^rec\.' | sort)" = "$(echo "$before" | grep -v '^rec\.' | sort)" ]; then
  ok "unwritable -o: exit 1, one line each, script did not run, nothing left"
else
  fail "unwritable -o: exits $rc1 $rc2"; cat rec.err rec.out >&2
fi

# --- an existing trace is replaced only by a recording that starts ---------------------
"$HEAPREEL" record -o keep.heapreel "$PROGS/run_mark.py" >/dev/null 2>&1
sum1=$(cksum <keep.heapreel)
"$HEAPREEL" record -o keep.heapreel missing.py >/dev/null 2>&1
"$HEAPREEL" record -o keep.heapreel --detail bad "$PROGS/run_view.py" >/dev/null 2>&1
[ "$(cksum <keep.heapreel)" = "$sum1" ] && ok "failed recordings leave the old trace alone" \
  || fail "a failed recording changed the existing trace"
"$HEAPREEL" record -o keep.heapreel "$PROGS/run_exit.py" zero >/dev/null 2>&1
case "$(meta keep.heapreel argv)" in
  *run_exit.py*) ok "a successful recording replaces the trace" ;;
  *) fail "the trace was not replaced" ;;
esac

# --- heapreel.mark ---------------------------------------------------------------------------
"$HEAPREEL" record -o mark.heapreel "$PROGS/run_mark.py" >rec.out 2>rec.err; rc=$?
expected=$(printf 'typeerror int\ntypeerror bytes\ntypeerror NoneType\nvalueerror\nNone')
[ "$rc" = 0 ] && [ "$(cat rec.out)" = "$expected" ] || { fail "run_mark: exit $rc"; cat rec.out rec.err >&2; }
labels=$("$SQLITE" -readonly mark.heapreel "SELECT group_concat(label, ',') FROM (SELECT label FROM markers ORDER BY seq)")
[ "$labels" = "first,second,third,end" ] && ok "marks recorded in order, then 'end'" \
  || fail "markers are '$labels'"
"$PY" "$PROGS/run_mark.py" >/dev/null 2>&1 && fail "plain python3.11 has a heapreel module?"

# --- Ctrl-C: KeyboardInterrupt as usual, death by SIGINT, trace complete -------------------
"$PY" -c "$sigint_default" "$PY" "$PROGS/run_sleep.py" >py.out 2>py.err & pid=$!
wait_ready py.out && sleep 0.3; kill -INT "$pid"; wait_exit "$pid"; py_rc=$?
"$PY" -c "$sigint_default" "$HEAPREEL" record --verbose -o int.heapreel "$PROGS/run_sleep.py" >rec.out 2>rec.err & pid=$!
wait_ready rec.out && sleep 0.3; kill -INT "$pid"; wait_exit "$pid"; rec_rc=$?
if [ "$py_rc" = 130 ] && [ "$rec_rc" = 130 ] && grep -q '^KeyboardInterrupt$' rec.err \
   && tail -n 1 rec.err | grep -Eq "$closing_re" \
   && [ "$(meta int.heapreel complete)" = 1 ] && [ "$(meta int.heapreel exit_status)" = 130 ]; then
  ok "Ctrl-C: traceback, exit 130 as python3.11, trace complete with exit_status 130, --verbose closing line"
else
  fail "Ctrl-C: exit $rec_rc (python3.11 $py_rc), complete '$(meta int.heapreel complete)'"
  cat rec.err >&2
fi
[ "$("$SQLITE" -readonly int.heapreel "SELECT count(*) FROM markers WHERE label = 'end'")" = 1 ] \
  || fail "Ctrl-C: no end mark"

# --- kill -9: the trace opens and says it is incomplete ------------------------------------
"$HEAPREEL" record -o killed.heapreel "$PROGS/run_sleep.py" >rec.out 2>rec.err & pid=$!
wait_ready rec.out && sleep 1.5; kill -KILL "$pid"; wait_exit "$pid"; rc=$?
chunks=$("$SQLITE" -readonly killed.heapreel "SELECT count(*) FROM chunks" 2>&1)
if [ "$rc" = 137 ] && [ "$(meta killed.heapreel complete)" = 0 ] && [ "$chunks" -ge 1 ] 2>/dev/null \
   && [ -n "$(meta killed.heapreel argv)" ] && [ ! -s rec.err ]; then
  ok "kill -9: trace opens read-only, complete '0', $chunks committed chunks, argv kept"
else
  fail "kill -9: exit $rc, complete '$(meta killed.heapreel complete)', chunks '$chunks'"
fi

# --- kill -9: the first analyzer command merges the left-over WAL into the file --------------
"$HEAPREEL" record -o walk.heapreel "$PROGS/run_sleep.py" >rec.out 2>rec.err & pid=$!
wait_ready rec.out && sleep 1.5; kill -KILL "$pid"; wait_exit "$pid"
if [ -s walk.heapreel-wal ]; then
  before=$("$SQLITE" -readonly walk.heapreel "SELECT max(last_step) FROM chunks")
  mkdir -p rod && cp walk.heapreel walk.heapreel-wal walk.heapreel-shm rod/ 2>/dev/null
  "$HEAPREEL" summary --json walk.heapreel >sum.json 2>sum.err
  mkdir -p alone && cp walk.heapreel alone/
  after=$("$HEAPREEL" summary --json alone/walk.heapreel 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["steps"])')
  [ ! -e walk.heapreel-wal ] && [ ! -e walk.heapreel-shm ] && [ "$after" = "$before" ] \
    && grep -q "^heapreel: note: merged the killed recording's write-ahead log into 'walk.heapreel'" sum.err \
    && ok "kill -9: WAL merged on first open (note), side files gone, the .heapreel alone has all $after steps" \
    || { fail "kill -9 WAL merge: steps $before vs alone '$after', files: $(ls walk.heapreel*)"; cat sum.err >&2; }
  # A trace that cannot be written keeps its WAL, and a note says so.
  if [ "$(id -u)" != 0 ] || command -v setpriv >/dev/null; then
    as=(); [ "$(id -u)" = 0 ] && as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    chmod 755 "$TMP"; chmod 444 rod/*; chmod 555 rod
    "${as[@]}" "$HEAPREEL" summary rod/walk.heapreel >/dev/null 2>sum.err
    [ -e rod/walk.heapreel-wal ] && grep -q "note: 'rod/walk.heapreel-wal' holds part of this incomplete trace" sum.err \
      && ok "kill -9, read-only: WAL kept, a note says it must stay beside the trace" \
      || { fail "kill -9, read-only: no WAL note"; cat sum.err >&2; }
    chmod 755 rod
  else
    echo "SKIP: read-only WAL note: running as root without setpriv"
  fi
else
  echo "SKIP: kill -9 WAL merge: the killed recording left no WAL"
fi

# --- os._exit: the program's status, trace incomplete ------------------------------------------
"$HEAPREEL" record -o osexit.heapreel "$PROGS/run_exit.py" osexit >rec.out 2>rec.err; rc=$?
[ "$rc" = 5 ] && [ "$(meta osexit.heapreel complete)" = 0 ] && [ -n "$(meta osexit.heapreel python_version)" ] \
  && [ "$(cat rec.out)" = "running osexit" ] && ok "os._exit(5): exit 5, trace opens, complete '0'" \
  || fail "os._exit: exit $rc, complete '$(meta osexit.heapreel complete)'"

# --- a virtual environment is honoured ------------------------------------------------------------
if "$PY" -m venv --without-pip venv >/dev/null 2>&1; then
  venv/bin/python3.11 "$PROGS/run_view.py" >py.out 2>/dev/null
  VIRTUAL_ENV=$TMP/venv "$HEAPREEL" record -o venv.heapreel "$PROGS/run_view.py" >rec.out 2>/dev/null
  cmp -s py.out rec.out && grep -q "$TMP/venv" rec.out && ok "VIRTUAL_ENV: prefix and sys.path as the venv's python3.11" \
    || { fail "VIRTUAL_ENV not honoured"; diff py.out rec.out >&2; }
else
  echo "skip: cannot create a virtual environment here"
fi

# --- the recorder missing from beside heapreel --------------------------------------------------
mkdir -p lonely && cp "$HEAPREEL" lonely/heapreel
lonely/heapreel record "$PROGS/run_view.py" >rec.out 2>rec.err; rc=$?
[ "$rc" = 1 ] && [ ! -s rec.out ] && grep -q "^heapreel: cannot run the recorder '.*/lonely/heapreel-record'" rec.err \
  && ok "missing heapreel-record: one clear line, exit 1" || { fail "missing recorder: exit $rc"; cat rec.err >&2; }

# --- the writer thread is named, so top -H and perf tell it from the program --
cat >names.py <<'EOF'
import os
print(sorted(open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task")))
EOF
"$HEAPREEL" record names.py >names.out 2>/dev/null
grep -q "'heapreel-writer'" names.out && ok "the writer thread is named heapreel-writer" \
  || fail "no thread named heapreel-writer: $(cat names.out)"

if [ "$failures" = 0 ]; then
  rm -rf "$TMP"
  echo "record_run: all passed"
  exit 0
fi
echo "record_run: $failures failed (files kept in $TMP)" >&2
exit 1
