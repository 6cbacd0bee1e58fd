#!/bin/bash
# record_alloc_agree.sh — an alloc trace counts what a full trace of the same
# program counts: every object born (short strs, ints, floats, tuples), the
# sizes sys.getsizeof gives at the end, the buffers C extensions report
# through PyTraceMalloc_Track (numpy), the same leak groups.
. "$(dirname "$0")/../tools/test_env.sh" && test_env record_alloc_agree --keep-on-failure
. "$SRC/tests/tools/cli_checks.sh"
ok() { echo "ok: $*"; }
cmp_tool=$SRC/tests/tools/alloc_vs_full.py

# both PROGRAM [RECORD OPTIONS]: $TMP/NAME.full and NAME.alloc, with leaks and peak JSON
both() {
  local p=$1 n=${1%.py}; shift
  (cd "$PROGS" && "$RECORD" -o "$TMP/$n.full" "$p" >"$TMP/$n.full.out" 2>"$TMP/$n.full.err") \
    || fail "full recording of $p: $(tail -2 "$TMP/$n.full.err")"
  (cd "$PROGS" && "$RECORD" --detail alloc "$@" -o "$TMP/$n.alloc" "$p" >"$TMP/$n.alloc.out" 2>"$TMP/$n.alloc.err") \
    || fail "alloc recording of $p: $(tail -2 "$TMP/$n.alloc.err")"
  for d in full alloc; do
    "$HEAPREEL" leaks --json "$TMP/$n.$d" >"$TMP/$n.$d.leaks" || fail "leaks $n.$d"
    "$HEAPREEL" peak --json "$TMP/$n.$d" >"$TMP/$n.$d.peak" || fail "peak $n.$d"
  done
}

# --- every object born is an alloc event -----------------------------------------------
both alloc_births.py
"$PY" - "$TMP/alloc_births.full.leaks" "$TMP/alloc_births.alloc.leaks" "$PROGS/" <<'PYEOF' \
  && ok "objects alive at the end by type: alloc trace = full trace = what the program holds" \
  || fail "objects by type differ"
import json, sys
def by_type(p):
    j, out = json.load(open(p)), {}
    # What the program's globals hold (the alloc trace also lists one
    # interpreter tuple no root reaches, another matter).
    for g in j["groups"]:
        if (g["file"] or "").startswith(sys.argv[3]):
            out[g["type"]] = out.get(g["type"], 0) + g["count"]
    return out
f, a = by_type(sys.argv[1]), by_type(sys.argv[2])
N = 2000
# six lists of strs, and the last loop's t, f and s (a few one-character ones are CPython's shared singletons)
want = {"str": (6 * N - 10, 6 * N + 1), "float": (N, N + 1), "tuple": (N, N + 1), "dict": (N, N), "list": (N + 11, N + 11)}
for t, (lo, hi) in want.items():
    assert f.get(t) == a.get(t), (t, f.get(t), a.get(t))
    assert lo <= a.get(t, 0) <= hi, (t, a.get(t), lo, hi)
# A full trace also counts the constant N (the code object's, made before
# the first line in the alloc trace's view): one int apart at most.
assert abs(f.get("int", 0) - a.get("int", 0)) <= 1 and a["int"] >= N, (f.get("int"), a.get("int"))
print("by type:", {t: a[t] for t in sorted(want)})
PYEOF
# Born, not only alive: the alloc events of the program's lines (an alloc
# event's site is its step's site event) against every alloc event of the
# full trace. An alloc trace also sees temporaries no instruction of the
# program handles (int.__str__'s scratch int, format()'s padded copy), a
# full trace the code's constants at the line that first uses them.
"$HEAPREEL" sql --json "$TMP/alloc_births.alloc" "WITH site AS (SELECT step, stack FROM events WHERE kind = 'site')
  SELECT s.text AS type, count(*) AS n FROM events e JOIN site USING (step) JOIN stacks st ON st.id = site.stack
  JOIN locations l ON l.id = st.location JOIN types t ON t.id = e.type JOIN strings s ON s.id = t.name
  WHERE e.kind = 'alloc' AND l.file IN (SELECT id FROM strings WHERE text LIKE '%/alloc_births.py')
  GROUP BY 1" >"$TMP/born.alloc" || fail "sql on the alloc trace"
"$HEAPREEL" sql --json "$TMP/alloc_births.full" "SELECT s.text AS type, count(*) AS n FROM events e
  JOIN types t ON t.id = e.type JOIN strings s ON s.id = t.name WHERE e.kind = 'alloc' GROUP BY 1" \
  >"$TMP/born.full" || fail "sql on the full trace"
"$PY" - "$TMP/born.full" "$TMP/born.alloc" <<'PYEOF' && ok "objects born by type: the alloc trace sees what the full trace sees" \
  || fail "objects born by type differ"
import json, sys
f, a = ({r["type"]: r["n"] for r in json.load(open(p))["rows"]} for p in sys.argv[1:3])
for t in ("str", "float", "tuple", "list", "dict"):
    assert f[t] - 5 <= a.get(t, 0) <= f[t] * 1.25, (t, f[t], a.get(t))
assert a["int"] >= f["int"] - 5, (f["int"], a["int"])
print("born:", {t: (f[t], a.get(t)) for t in ("str", "int", "float", "tuple", "list", "dict")})
PYEOF

# --- sizes: sys.getsizeof at the end -----------------------------------------------------
both alloc_sizes.py
read -r bufs cache tags nums <"$TMP/alloc_sizes.full.out"
"$PY" - "$TMP/alloc_sizes.alloc.leaks" "$PROGS/alloc_sizes.py" "$bufs" "$cache" "$tags" "$nums" <<'PYEOF' \
  && ok "leaks ranks 30 bytearray(1024) first at their sys.getsizeof ($bufs bytes); dict, set, ints as the program measures" \
  || fail "alloc leaks sizes"
import json, sys
j = json.load(open(sys.argv[1]))
src = open(sys.argv[2]).read().splitlines()
line = lambda tag: next(i + 1 for i, l in enumerate(src) if tag in l)
bufs, cache, tags, nums = map(int, sys.argv[3:7])
assert j["sizes"] == "sys.getsizeof", j["sizes"]
g = j["groups"]
assert (g[0]["type"], g[0]["line"], g[0]["count"], g[0]["bytes"]) == ("bytearray", line("# BUFS"), 30, bufs), g[0]
def one(t, ln):
    m = [x for x in g if x["type"] == t and x["line"] == ln]
    assert len(m) == 1, (t, ln, m)
    return m[0]["bytes"]
assert one("dict", line("cache = {}")) == cache, one("dict", line("cache = {}"))
assert one("set", line("# TAGS")) == tags
assert one("int", line("# NUMS")) == nums
PYEOF
run 0 peak "$TMP/alloc_sizes.alloc"
grep -q "(each object's own block, without the buffers it holds)" "$TMP/out" \
  && ok "peak on an alloc trace says its sizes are object blocks" || fail "peak's sizes: $(grep 'live then' "$TMP/out")"

# --- the same leak groups as a full trace --------------------------------------------------
# alloc_kinds: instances of classes whose metaclass existed before the
# recording (Fraction), slices from CPython's one-slice cache, wide strs.
for p in leak_cache alloc_births alloc_sizes alloc_kinds; do
  [ -f "$TMP/$p.full" ] || both $p.py
  # every reachable group of ten objects or more; leak_cache's and alloc_kinds', every one
  min=10; [ $p = leak_cache ] || [ $p = alloc_kinds ] && min=1
  # and the peak within 1 %: both count what a plain run holds (the dead
  # objects CPython keeps for reuse, not the frame objects and line tables
  # tracing makes)
  "$PY" "$cmp_tool" "$TMP/$p.full.leaks" "$TMP/$p.alloc.leaks" "$TMP/$p.full.peak" "$TMP/$p.alloc.peak" \
    "$PROGS/" groups $min >"$TMP/cmp.out" \
    && ok "$p: leak groups (site, type, count, bytes) equal a full trace's: $(cat "$TMP/cmp.out")" \
    || fail "$p: $(cat "$TMP/cmp.out")"
done

# --- memory C extensions report (numpy) ------------------------------------------------------
if ! "$PY" -c 'import numpy' 2>/dev/null; then
  echo "SKIP: numpy is not importable by $PY (apt-get install python3-numpy): the PyTraceMalloc_Track checks did not run"
else
  # tracemalloc's peak, from the same point of the program. Under a sanitizer
  # build the ASan runtime goes into the plain run too: with it numpy does
  # not reuse temporaries (32 MB, not 24), in the recorded run as in this one.
  . "$SRC/tests/tools/host_env.sh"
  tm=$(cd "$PROGS" && "${HOST_ENV[@]}" "$PY" alloc_numpy.py)
  both alloc_numpy.py --start-at-mark compute
  "$PY" - "$tm" "$TMP/alloc_numpy.alloc.peak" "$TMP/alloc_numpy.alloc.leaks" <<'PYEOF' \
    && ok "alloc peak from the mark within 2 % of tracemalloc's ($tm bytes); the arrays lead leaks" \
    || fail "numpy alloc peak"
import json, sys
tm = int(sys.argv[1]); p = json.load(open(sys.argv[2]))["peak_bytes"]
assert abs(p - tm) <= tm * 0.02, (p, tm)
g = json.load(open(sys.argv[3]))["groups"]
assert g[0]["type"] == "ndarray" and g[0]["bytes"] >= 8_000_000, g[0]
PYEOF
  # A full trace counts from the first line: its peak over the bytes at the mark.
  at_mark=$("$HEAPREEL" sql "$TMP/alloc_numpy.full" "SELECT bytes FROM events WHERE kind = 'mem' AND seq <
    (SELECT seq FROM markers WHERE label = 'compute') ORDER BY seq DESC LIMIT 1" | tail -1 | tr -d ' ')
  "$PY" - "$tm" "$TMP/alloc_numpy.full.peak" "${at_mark:-0}" <<'PYEOF' \
    && ok "full peak over the bytes at the mark within 2 % of tracemalloc's" || fail "numpy full peak"
import json, sys
tm = int(sys.argv[1]); p = json.load(open(sys.argv[2]))["peak_bytes"] - int(sys.argv[3])
assert abs(p - tm) <= tm * 0.02, (p, tm)
PYEOF
  # The whole run in alloc detail: the same peak as the full trace's (its
  # leaks would add what importing numpy made, the import line's business).
  (cd "$PROGS" && "$RECORD" --detail alloc -o "$TMP/np_whole.alloc" alloc_numpy.py >/dev/null 2>&1) \
    || fail "alloc recording of alloc_numpy.py"
  "$HEAPREEL" peak --json "$TMP/np_whole.alloc" >"$TMP/np_whole.peak" || fail "peak np_whole"
  "$PY" "$cmp_tool" - - "$TMP/alloc_numpy.full.peak" "$TMP/np_whole.peak" "$PROGS/" >"$TMP/cmp.out" \
    && ok "numpy: the whole run's peak equals a full trace's: $(cat "$TMP/cmp.out")" \
    || fail "numpy: $(cat "$TMP/cmp.out")"
fi

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
