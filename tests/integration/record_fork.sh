# record_fork.sh — a recorded program forks as it would under python3.11: os.fork and
# multiprocessing (fork and spawn) give the same output and status, never hang, the
# parent's trace stays complete with the parent's events only.
#
# Every run goes through `timeout`: a child blocked in the trace writer (what
# os.fork did before the recorder was fork-safe) is a hang, status 124, a failure.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env record_fork --keep-on-failure
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
  if run_both fork_os $detail; then
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

  run_both fork_threads $detail && [ "$(meta fork_threads.$detail.heapreel complete)" = 1 ] \
    && ok "fork_threads ($detail): 20 forks (4 forking again) while a thread allocates, and a subprocess"

  # --- multiprocessing ------------------------------------------------------
  run_both pool_fork $detail && [ "$(meta pool_fork.$detail.heapreel complete)" = 1 ] \
    && ok "pool_fork ($detail): Pool(2).map over 200 items, trace complete"
  # spawn starts sys.executable: python3.11 itself, not the recorder.
  run_both pool_spawn $detail && [ "$(head -1 pool_spawn.$detail.out)" = /usr/bin/python3.11 ] \
    && ok "pool_spawn ($detail): sys.executable is /usr/bin/python3.11, spawn works"
done

if [ "$failures" = 0 ]; then
  rm -rf "$TMP"
  echo "record_fork: all passed"
  exit 0
fi
echo "record_fork: $failures failed (files kept in $TMP)" >&2
exit 1
