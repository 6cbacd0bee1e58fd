# record_deaths.sh — the death hook survives what real programs do: types that
# copy a wrapped deallocator (_datetime), heap types with deallocators of their
# own, deeply nested containers (CPython's trashcan), in both detail levels.
#
# Each program runs under /usr/bin/python3.11 and under `heapreel record`; the
# exit status and stdout must be the same and the trace complete. A full
# trace must show the nested lists dying at the `del` that dropped them.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env record_deaths --keep-on-failure
cd "$TMP" || exit 1

# same NAME PROGRAM-ARGS... : python3.11 and every recording mode agree.
same() {
  local name=$1; shift
  timeout 120 "$PY" "$@" >"$name.py.out" 2>"$name.py.err"; local py_rc=$?
  for mode in "--detail full" "--detail alloc" "--detail full --all-frames"; do
    local tag=${mode//[- ]/}
    # shellcheck disable=SC2086
    timeout 300 "$HEAPREEL" record $mode -o "$name.$tag.heapreel" "$@" >"$name.$tag.out" 2>"$name.$tag.err"
    local rc=$?
    if [ "$rc" != "$py_rc" ]; then
      fail "$name ($mode): exit $rc, python3.11 $py_rc: $(grep -v "^heapreel: recorded" "$name.$tag.err" | head -3)"
    elif ! cmp -s "$name.py.out" "$name.$tag.out"; then
      fail "$name ($mode): stdout differs from python3.11"; diff "$name.py.out" "$name.$tag.out" | head -10 >&2
    elif [ "$(/usr/bin/sqlite3 -readonly "$name.$tag.heapreel" "SELECT value FROM meta WHERE key = 'complete'")" != 1 ]; then
      fail "$name ($mode): trace not complete"
    else
      ok "$name ($mode): same exit status and output as python3.11, trace complete"
    fi
  done
}

same types "$PROGS/death_types.py"
# Python's debug allocator fills freed memory: a class freed before its
# instances (a use after free) crashes at once instead of by chance.
PYTHONMALLOC=malloc_debug same class_chain "$PROGS/death_class_chain.py"
same deep "$PROGS/death_deep.py" 200000

# A million-deep list in alloc mode, where python3.11 frees it too.
timeout 300 "$HEAPREEL" record --detail alloc -o million.heapreel "$PROGS/death_deep.py" 1000000 >million.out 2>million.err
rc=$?
[ "$rc" = 0 ] && grep -qx "freed 1000000" million.out && ok "alloc: a 1,000,000-deep list freed" \
  || fail "alloc: a 1,000,000-deep list: exit $rc $(head -c 300 million.err)"

# The full trace: every list of the chain dies at the `del x` step, none later.
n=200000
frees=$("$HEAPREEL" sql deep.detailfull.heapreel "SELECT count(*) FROM events WHERE kind = 'free' AND step = (SELECT min(step) FROM events WHERE kind = 'step' AND location IN (SELECT id FROM locations WHERE line = 10))" | tail -1 | tr -d ' ')
[ "$frees" = "$n" ] && ok "full: the $n nested lists die at the del's step" \
  || fail "full: $frees frees at the del's step, expected $n"

if [ "$failures" = 0 ]; then
  echo "record_deaths: all passed"
  exit 0
fi
echo "record_deaths: $failures failed (files kept in $TMP)" >&2
exit 1
