# record_fork.sh — a recorded program forks as it would under python3.11: os.fork and
# multiprocessing (fork and spawn) give the same output and status, never hang, the
# parent's trace stays complete with the parent's events only, and --follow-fork
# records each child into <parent trace stem>.<pid>.heapreel.
#
# Every run goes through `timeout`: a child blocked in the trace writer (what
# os.fork did before the recorder was fork-safe) is a hang, status 124, a failure.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env record_fork --keep-on-failure
# In the sanitizer build, LeakSanitizer's exit check in a forked child still
# lists the parent's threads (the trace writer) and prints "Running thread N
# was not suspended" on the stderr this test compares byte for byte: no leak
# check in this test's processes (the parent's paths are checked elsewhere).
[ -n "${ASAN_OPTIONS:-}" ] && export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
SQLITE=/usr/bin/sqlite3
LIMIT=${HEAPREEL_FORK_LIMIT:-60}   # seconds per run
cd "$TMP" || exit 1

meta() { "$SQLITE" -readonly "$1" "SELECT value FROM meta WHERE key = '$2'"; }
# allocs TRACE TYPE: alloc events of objects of class TYPE in TRACE.
allocs() {
  "$HEAPREEL" sql "$1" "SELECT count(*) FROM events e JOIN types t ON e.type = t.id
    JOIN strings s ON s.id = t.name WHERE e.kind = 'alloc' AND s.text = '$2'" | tail -1 | tr -d ' '
}
closing_re="^heapreel: recorded '[^']*\.heapreel': [0-9]+ events, [0-9.]+ (bytes|kB|MB|GB)$"

# The child works after the fork (allocations, a class of its own, output),
# ends by falling off the end of the script (so the recorder's exit paths run
# in it), and the parent goes on recording after the child is gone.
cat >fork_os.py <<'EOF'
import os, sys
class Before: pass
class ChildOnly: pass
class ParentOnly: pass
keep = [Before() for _ in range(50)]
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    kids = [ChildOnly() for _ in range(300)]
    data = {i: str(i) * 3 for i in range(2000)}
    print("child", len(kids), sum(len(v) for v in data.values()))
else:
    _, status = os.waitpid(pid, 0)
    mine = [ParentOnly() for _ in range(200)]
    print("parent", len(mine), os.waitstatus_to_exitcode(status))
EOF

# Children leaving through os._exit and sys.exit, with their own statuses.
cat >fork_exit.py <<'EOF'
import os, sys
sys.stdout.flush()
a = os.fork()
if a == 0:
    print("a", [str(i) for i in range(100)][-1]); sys.stdout.flush()
    os._exit(7)
ca = os.waitstatus_to_exitcode(os.waitpid(a, 0)[1])
b = os.fork()
if b == 0:
    print("b", {i: i for i in range(100)}[99])
    sys.exit(5)
print("codes", ca, os.waitstatus_to_exitcode(os.waitpid(b, 0)[1]))
sys.exit(3)
EOF

cat >pool_fork.py <<'EOF'
import multiprocessing as mp
def f(n):
    xs = [str(i * n) for i in range(n + 50)]
    return sum(len(x) for x in xs) + len({x: n for x in xs})
if __name__ == "__main__":
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as p:
        r = p.map(f, range(200))
    print(len(r), sum(r))
EOF

# Workers that end by os._exit (a pool closed and joined, a Process).
cat >pool_join.py <<'EOF'
import multiprocessing as mp
class Work: pass
def f(n):
    keep = [Work() for _ in range(n % 3)]
    return len(keep) + sum(len(str(i)) for i in range(n))
if __name__ == "__main__":
    ctx = mp.get_context("fork")
    p = ctx.Pool(2)
    r = p.map(f, range(200))
    p.close()
    p.join()
    q = ctx.Process(target=f, args=(100,))
    q.start()
    q.join()
    print(len(r), sum(r), q.exitcode)
EOF

cat >pool_spawn.py <<'EOF'
import multiprocessing as mp, sys
def f(n):
    return sum(i * i for i in range(n))
if __name__ == "__main__":
    print(sys.executable)
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as p:
        r = p.map(f, range(200))
    print(len(r), sum(r))
EOF

# Forks while another thread allocates without pause (the allocator hooks'
# locks and the writer's are taken by someone at any moment), children that
# allocate and fork again, and a subprocess (fork and exec).
cat >fork_threads.py <<'EOF'
import os, subprocess, sys, threading
stop = False
def churn():
    while not stop:
        xs = [bytearray(64) for _ in range(200)]
        del xs
t = threading.Thread(target=churn)
t.start()
codes = []
for i in range(20):
    pid = os.fork()
    if pid == 0:
        ys = [str(j) for j in range(1000)]
        if i % 5 == 0:
            gpid = os.fork()
            if gpid == 0:
                os._exit(len(ys) % 7)
            os._exit(os.waitstatus_to_exitcode(os.waitpid(gpid, 0)[1]) + 10)
        os._exit(i)
    codes.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
stop = True
t.join()
print(codes)
print(subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True, text=True).stdout.strip())
EOF

# The child's own tracer, once the recorder has left it, and the parent's.
cat >fork_settrace.py <<'EOF'
import os, sys
def f(x):
    y = x + 1
    return y * 2
n = []
def tr(frame, event, arg):
    n.append(event)
    return tr
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    sys.settrace(tr); f(1); sys.settrace(None)
    print("child", n, sys.gettrace())
    sys.stdout.flush()
    os._exit(0)
os.waitpid(pid, 0)
sys.settrace(tr); f(2); sys.settrace(None)
print("parent", len(n), sys.gettrace())
EOF

# The program's tracemalloc hooks the allocator over the recorder's; the
# child's stop must leave it working (test_tracemalloc's test_fork).
cat >fork_tracemalloc.py <<'EOF'
import os, sys, tracemalloc
tracemalloc.start()
keep = bytes(23456)
print("before", tracemalloc.get_object_traceback(keep) is not None)
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    b = bytes(12345)
    os._exit(0 if tracemalloc.get_object_traceback(b) is not None else 3)
print("child", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
print("parent", tracemalloc.get_object_traceback(bytes(54321)) is not None)
EOF

# run_both NAME DETAIL [RECORD OPTIONS...]: NAME.py under python3.11 and recorded
# with --detail DETAIL into NAME.DETAIL.heapreel, both under the time limit;
# compares status and stdout, and checks stderr is one closing line.
run_both() {
  local name=$1 detail=$2; shift 2
  timeout $LIMIT "$PY" "$name.py" >"$name.py.out" 2>"$name.py.err"; py_rc=$?
  timeout $LIMIT "$HEAPREEL" record --detail "$detail" "$@" -o "$name.$detail.heapreel" "$name.py" \
    >"$name.$detail.out" 2>"$name.$detail.err"; rec_rc=$?
  if [ "$rec_rc" = 124 ]; then fail "$name ($detail): hung (killed after $LIMIT s)"; return 1; fi
  [ "$rec_rc" = "$py_rc" ] || { fail "$name ($detail): exit $rec_rc, python3.11 $py_rc"; return 1; }
  cmp -s "$name.py.out" "$name.$detail.out" \
    || { fail "$name ($detail): stdout differs from python3.11"; diff "$name.py.out" "$name.$detail.out" >&2; return 1; }
  grep -v -E "$closing_re" "$name.$detail.err" >"$name.$detail.err.rest"
  cmp -s "$name.py.err" "$name.$detail.err.rest" && [ "$(grep -c -E "$closing_re" "$name.$detail.err")" -le 1 ] \
    || { fail "$name ($detail): stderr is not python3.11's plus one closing line"; cat "$name.$detail.err" >&2; return 1; }
  ok "$name ($detail): same stdout, stderr and exit status ($rec_rc) as python3.11, no hang"
}

for detail in alloc full; do
  # --- os.fork without --follow-fork: the child stops recording at the fork --
  if run_both fork_os $detail --verbose; then
    t=fork_os.$detail.heapreel
    [ "$(grep -c -E "$closing_re" fork_os.$detail.err)" = 1 ] && grep -q "'$t'" fork_os.$detail.err \
      && ok "fork_os ($detail): one closing line, the parent's" || fail "fork_os ($detail): closing lines: $(cat fork_os.$detail.err)"
    [ "$(meta $t complete)" = 1 ] && [ "$(meta $t exit_status)" = 0 ] \
      && ok "fork_os ($detail): parent's trace complete, exit_status 0" \
      || fail "fork_os ($detail): parent's trace complete=$(meta $t complete) exit_status=$(meta $t exit_status)"
    b=$(allocs $t Before); p=$(allocs $t ParentOnly); c=$(allocs $t ChildOnly)
    [ "$b" = 50 ] && [ "$p" = 200 ] && [ "$c" = 0 ] \
      && ok "fork_os ($detail): parent's trace has its 50 + 200 objects and none of the child's" \
      || fail "fork_os ($detail): allocs Before=$b ParentOnly=$p ChildOnly=$c (want 50 200 0)"
    ls fork_os.$detail.*.heapreel >/dev/null 2>&1 && fail "fork_os ($detail): a child trace without --follow-fork"
    [ "$(ls | grep -c "^fork_os\.$detail\.heapreel")" = 1 ] \
      || fail "fork_os ($detail): files left beside the trace: $(ls | grep "^fork_os\.$detail\.heapreel")"
    if [ $detail = full ]; then
      out=$("$SQLITE" -readonly $t "SELECT group_concat(text, '') FROM output")
      case "$out" in *parent*) case "$out" in *child*) fail "fork_os: the child's output is in the parent's trace";;
                                                *) ok "fork_os (full): output rows are the parent's only";; esac;;
                     *) fail "fork_os: the parent's output is missing from its trace: '$out'";; esac
    fi
  fi
  run_both fork_exit $detail && [ "$(meta fork_exit.$detail.heapreel complete)" = 1 ] \
    && [ "$(meta fork_exit.$detail.heapreel exit_status)" = 3 ] \
    && ok "fork_exit ($detail): children by os._exit and sys.exit, parent's trace complete, exit_status 3"

  run_both fork_tracemalloc $detail && [ "$(sed -n 2p fork_tracemalloc.$detail.out)" = "child 0" ] \
    && ok "fork_tracemalloc ($detail): the program's tracemalloc still traces in the child"

  run_both fork_threads $detail && [ "$(meta fork_threads.$detail.heapreel complete)" = 1 ] \
    && ok "fork_threads ($detail): 20 forks (4 forking again) while a thread allocates, and a subprocess"

  run_both fork_settrace $detail && run_both fork_settrace $detail --follow-fork \
    && ok "fork_settrace ($detail): sys.settrace in the child and the parent as under python3.11"

  # --- multiprocessing ------------------------------------------------------
  run_both pool_fork $detail && [ "$(meta pool_fork.$detail.heapreel complete)" = 1 ] \
    && ok "pool_fork ($detail): Pool(2).map over 200 items, trace complete"
  # spawn starts sys.executable: python3.11 itself, not the recorder.
  run_both pool_spawn $detail && [ "$(head -1 pool_spawn.$detail.out)" = /usr/bin/python3.11 ] \
    && ok "pool_spawn ($detail): sys.executable is /usr/bin/python3.11, spawn works"
done

# --- --follow-fork: a trace per child, beside the parent's ------------------------------
for detail in alloc full; do
  mkdir -p follow.$detail && cd follow.$detail || exit 1
  timeout $LIMIT "$HEAPREEL" record --detail $detail --follow-fork -o f.heapreel ../fork_os.py >out 2>err; rc=$?
  [ "$rc" = 0 ] && cmp -s out ../fork_os.py.out \
    && ok "follow-fork fork_os ($detail): same output, exit 0" || { fail "follow-fork fork_os ($detail): exit $rc"; cat err >&2; }
  kids=$(ls f.*.heapreel 2>/dev/null)
  if [ "$(echo "$kids" | grep -cE '^f\.[0-9]+\.heapreel$')" = 1 ]; then
    k=$kids; pid=${k#f.}; pid=${pid%.heapreel}
    [ "$(meta $k parent_trace)" = "$PWD/f.heapreel" ] && [ "$(meta $k parent_pid)" -gt 0 ] \
      && [ -n "$(meta $k fork_step)" ] && [ "$(meta $k complete)" = 1 ] && [ "$(meta $k pid)" = "$pid" ] \
      && ok "follow-fork ($detail): child trace $k: parent_trace, parent_pid, fork_step, pid, complete" \
      || fail "follow-fork ($detail): child meta parent_trace='$(meta $k parent_trace)' parent_pid='$(meta $k parent_pid)' fork_step='$(meta $k fork_step)' pid='$(meta $k pid)' complete='$(meta $k complete)'"
    c=$(allocs $k ChildOnly); p=$(allocs $k ParentOnly); b=$(allocs $k Before); s=$(allocs $k int)
    [ "$c" = 300 ] && [ "$p" = 0 ] && [ "$b" = 0 ] && [ "$s" -ge 1700 ] \
      && ok "follow-fork ($detail): the child's 300 objects and 1700+ ints (dict keys) are in its trace, none of the parent's" \
      || fail "follow-fork ($detail): child trace allocs ChildOnly=$c ParentOnly=$p Before=$b int=$s (want 300 0 0 >=1700)"
    "$HEAPREEL" summary $k >sum.out 2>&1 && ok "follow-fork ($detail): heapreel summary opens the child trace" \
      || { fail "follow-fork ($detail): summary of $k failed"; cat sum.out >&2; }
    [ "$(allocs f.heapreel ChildOnly)" = 0 ] && [ "$(allocs f.heapreel ParentOnly)" = 200 ] \
      && [ "$(meta f.heapreel complete)" = 1 ] && ok "follow-fork ($detail): the parent's trace unchanged by the child" \
      || fail "follow-fork ($detail): parent trace ChildOnly=$(allocs f.heapreel ChildOnly) ParentOnly=$(allocs f.heapreel ParentOnly)"
  else
    fail "follow-fork ($detail): want one child trace f.<pid>.heapreel, found: $(ls)"
  fi
  # Grandchildren: named after their parent's trace.
  timeout $LIMIT "$HEAPREEL" record --detail $detail --follow-fork -o t.heapreel ../fork_threads.py >out 2>err; rc=$?
  n=$(ls t.*.heapreel 2>/dev/null | grep -cE '^t\.[0-9]+\.heapreel$'); gn=$(ls t.*.heapreel 2>/dev/null | grep -cE '^t\.[0-9]+\.[0-9]+\.heapreel$')
  [ "$rc" = 0 ] && cmp -s out ../fork_threads.py.out && [ "$n" = 20 ] && [ "$gn" = 4 ] \
    && ok "follow-fork fork_threads ($detail): 20 child traces, 4 grandchild traces t.<pid>.<pid>.heapreel" \
    || { fail "follow-fork fork_threads ($detail): exit $rc, $n child and $gn grandchild traces"; cat err >&2; }
  for k in $(ls t.*.*.heapreel 2>/dev/null | grep -E '^t\.[0-9]+\.[0-9]+\.heapreel$' | head -1); do
    [ "$(meta "$k" parent_trace)" = "$PWD/${k%.*.heapreel}.heapreel" ] \
      && ok "follow-fork ($detail): a grandchild's parent_trace is its parent's trace" \
      || fail "follow-fork ($detail): $k parent_trace '$(meta "$k" parent_trace)'"
  done
  # A pool's workers: one trace each, ended by the pool (os._exit or SIGTERM).
  timeout $LIMIT "$HEAPREEL" record --detail $detail --follow-fork -o p.heapreel ../pool_fork.py >out 2>err; rc=$?
  n=$(ls p.*.heapreel 2>/dev/null | wc -l)
  [ "$rc" = 0 ] && cmp -s out ../pool_fork.py.out && [ "$n" = 2 ] \
    && ok "follow-fork pool_fork ($detail): same output, a trace per worker ($n)" \
    || { fail "follow-fork pool_fork ($detail): exit $rc, $n worker traces"; cat err >&2; }
  for k in p.*.heapreel; do
    [ -f "$k" ] || continue
    "$HEAPREEL" summary "$k" >/dev/null 2>&1 && [ "$(meta "$k" parent_trace)" = "$PWD/p.heapreel" ] \
      || fail "follow-fork pool_fork ($detail): $k does not open or lacks parent_trace"
  done
  # Workers ending by os._exit: their traces end as at any exit, complete.
  "$PY" ../pool_join.py >want 2>/dev/null
  timeout $LIMIT "$HEAPREEL" record --detail $detail --follow-fork -o j.heapreel ../pool_join.py >out 2>err; rc=$?
  n=$(ls j.*.heapreel 2>/dev/null | wc -l)
  [ "$rc" = 0 ] && cmp -s out want && [ "$n" = 3 ] \
    && ok "follow-fork pool_join ($detail): same output, a trace per worker and the Process ($n)" \
    || { fail "follow-fork pool_join ($detail): exit $rc, $n child traces"; cat err >&2; }
  works=0
  for k in j.*.heapreel; do
    [ -f "$k" ] || continue
    [ "$(meta "$k" complete)" = 1 ] && [ "$(meta "$k" exit_status)" = 0 ] \
      || fail "follow-fork pool_join ($detail): $k complete='$(meta "$k" complete)' exit_status='$(meta "$k" exit_status)'"
    works=$((works + $(allocs "$k" Work)))
  done
  # 200 tasks make 0, 1 or 2 Work each (199 in all), the Process 1 more.
  [ "$works" = 200 ] && ok "follow-fork pool_join ($detail): os._exit ends each child's trace complete, all 200 Work objects recorded" \
    || fail "follow-fork pool_join ($detail): $works Work objects in the child traces (want 200)"
  cd "$TMP" || exit 1
done

# --- the option is documented ---------------------------------------------------------------
"$HEAPREEL" record --help | grep -q -- "--follow-fork" && ok "record --help names --follow-fork" \
  || fail "record --help does not name --follow-fork"
grep -q -- "--follow-fork" "$SRC/docs/recording.md" && ok "docs/recording.md names --follow-fork" || fail "docs/recording.md does not name --follow-fork"

if [ "$failures" = 0 ]; then
  rm -rf "$TMP"
  echo "record_fork: all passed"
  exit 0
fi
echo "record_fork: $failures failed (files kept in $TMP)" >&2
exit 1
