# record_entry.sh — `heapreel record -m MODULE` and `-c CODE` run as python3.11 -m / -c do; stderr stays the program's.
#
# Each check runs the same thing under /usr/bin/python3.11 and under
# `heapreel record` and compares exit status, stdout and stderr byte for byte
# (stderr is a file here, not a terminal, so heapreel adds nothing to it),
# then looks at the trace. The terminal case runs on a pseudo-terminal and
# compares the screen the bytes leave.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env record_entry --keep-on-failure
SQLITE=/usr/bin/sqlite3
mkdir -p "$TMP/work/sub" "$TMP/work/viewpkg" && cd "$TMP/work" || exit 1

meta() { "$SQLITE" -readonly "$1" "SELECT value FROM meta WHERE key = '$2'"; }
steps() { "$HEAPREEL" summary --json "$1" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["steps"])'; }
# same WHAT ARGS...: run python3.11 ARGS and heapreel record [$REC_OPTS] ARGS;
# exit status, stdout and stderr must be identical.
same() {
  local what=$1; shift
  "$PY" "$@" >py.out 2>py.err; local py_rc=$?
  "$HEAPREEL" record ${REC_OPTS:-} "$@" >rec.out 2>rec.err; local rec_rc=$?
  if [ "$py_rc" = "$rec_rc" ] && cmp -s py.out rec.out && cmp -s py.err rec.err; then
    ok "$what: exit $rec_rc, stdout and stderr byte for byte as python3.11"
  else
    fail "$what: exit $rec_rc (python3.11 $py_rc)"
    diff py.out rec.out >&2; diff py.err rec.err >&2
  fi
}
closing_re="^heapreel: recorded '[^']*\.heapreel': [0-9]+ events, [0-9.]+ (bytes|kB|MB|GB)$"

# --- -m json.tool: a standard-library module as the program -------------------------------
printf '{"b": [1, 2, {"c": null}], "a": "\\u00e9"}' >good.json
printf '{"a": [1, 2' >bad.json
same "-m json.tool good.json" -m json.tool good.json
[ -f json.tool.heapreel ] && [ "$(meta json.tool.heapreel complete)" = 1 ] \
  && ok "-m json.tool: default trace json.tool.heapreel, complete" || fail "-m json.tool: no complete json.tool.heapreel"
n=$(steps json.tool.heapreel)
[ "${n:-0}" -gt 50 ] 2>/dev/null && ok "-m json.tool: the module's own frames are recorded ($n steps)" \
  || fail "-m json.tool: $n steps (the standard-library module's frames were folded away)"
tool=$("$PY" -c 'import json.tool; print(json.tool.__file__)')
[ "$(meta json.tool.heapreel program)" = "$tool" ] \
  && [ "$(meta json.tool.heapreel argv)" = "[\"$tool\",\"good.json\"]" ] \
  && ok "-m json.tool: meta program is the module's file, argv is sys.argv" \
  || fail "-m json.tool: meta program '$(meta json.tool.heapreel program)', argv '$(meta json.tool.heapreel argv)'"
same "the same module given as a SCRIPT path" "$tool" good.json
n=$(steps tool.heapreel)
[ "${n:-0}" -gt 50 ] 2>/dev/null && ok "a standard-library file as SCRIPT: its own frames are recorded ($n steps)" \
  || fail "a standard-library file as SCRIPT: $n steps"
same "-m json.tool bad.json (exit 1, message on stderr)" -m json.tool bad.json
grep -q 'Expecting' rec.err || fail "-m json.tool bad.json: python3.11 printed no error (test broken?)"
same "-m of a module that does not exist" -m no_such_module_heapreel
REC_OPTS="--detail alloc -o alloc_tool.heapreel" same "--detail alloc -m json.tool good.json" -m json.tool good.json
peak=$("$HEAPREEL" summary --json alloc_tool.heapreel | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["peak_file"])')
[ "$peak" = "$tool" ] && ok "--detail alloc -m json.tool: allocations attributed to the module's own lines" \
  || fail "--detail alloc -m json.tool: peak in '$peak'"

# --- sys.argv, sys.path[0], __name__ as python3.11 -m sets them ------------------------------
cp "$PROGS/entry_view.py" entry_view.py
cp "$PROGS/entry_view.py" viewpkg/__main__.py
: >viewpkg/__init__.py
same "-m entry_view (a module in the current directory) with arguments" -m entry_view "a b" -h --x=1
grep -qx "\['$TMP/work/entry_view.py', 'a b', '-h', '--x=1'\]" rec.out \
  && grep -qx "'$TMP/work'" rec.out && ok "-m: sys.argv[0] is the module's full path, sys.path[0] the full current directory" \
  || { fail "-m: sys.argv / sys.path[0]"; cat rec.out >&2; }
same "-m viewpkg (a package's __main__)" -m viewpkg 1
same "-mentry_view (joined, as python3.11 takes it)" -mentry_view
REC_OPTS="--detail alloc -o alloc_view.heapreel" same "--detail alloc -m entry_view" -m entry_view z
bad_files=$("$SQLITE" -readonly alloc_view.heapreel \
  "SELECT count(*) FROM locations l JOIN strings s ON s.id = l.file WHERE s.text NOT LIKE '/%' AND s.text NOT LIKE '<%'")
"$HEAPREEL" leaks alloc_view.heapreel 2>/dev/null | grep -q "allocated at $TMP/work/entry_view.py:8 .*" \
  && [ "$bad_files" = 0 ] && ok "--detail alloc -m: leaks at the module's file and line, no location named by the module's name" \
  || fail "--detail alloc -m: $bad_files locations without a file path, or no leak at entry_view.py:8"

# --- -c CODE [ARGS] ----------------------------------------------------------------------------------
code='import sys
print(sys.argv, repr(sys.path[0]), __name__)
squares = [i * i for i in range(5)]
print(squares)'
same "-c CODE with arguments" -c "$code" one "t w o" -c
grep -qx "\['-c', 'one', 't w o', '-c'\] '' __main__" rec.out \
  && ok "-c: sys.argv[0] is '-c', sys.path[0] is ''" || { fail "-c: sys.argv / sys.path[0]"; cat rec.out >&2; }
n=$(steps c.heapreel)
[ "${n:-0}" -gt 5 ] 2>/dev/null && [ "$(meta c.heapreel program)" = "-c" ] \
  && [ "$(meta c.heapreel argv)" = '["-c","one","t w o","-c"]' ] \
  && ok "-c: default trace c.heapreel, $n steps of the code, meta program '-c' and argv" \
  || fail "-c: $n steps, program '$(meta c.heapreel program)', argv '$(meta c.heapreel argv)'"
"$HEAPREEL" steps c.heapreel 2>/dev/null | grep -q '<string>:3 *| squares = \[i \* i for i in range(5)\]' \
  && ok "-c: steps show the code's own lines" || fail "-c: steps do not show the code's lines"
same "-c raising an exception" -c 'x = {}
x["missing"]'
re_code="import re; print(re.match('(?:.(?!D))++', 'ABCDE').span())"
same "-c re.match('(?:.(?!D))++', 'ABCDE') (the interpreter build is python3.11's)" -c "$re_code"
REC_OPTS="--detail alloc" same "--detail alloc -c re.match" -c "$re_code"

# --- -m pytest on a small test file -------------------------------------------------------------------
if "$PY" -c 'import pytest' 2>/dev/null; then
  cp "$PROGS/entry_pytest_cases.py" test_cases.py
  for detail in full alloc; do
    "$PY" -m pytest -q -p no:cacheprovider test_cases.py >py.out 2>py.err; py_rc=$?
    "$HEAPREEL" record --detail $detail -o pytest_$detail.heapreel -m pytest -q -p no:cacheprovider test_cases.py \
      >rec.out 2>rec.err; rec_rc=$?
    py_sum=$(tail -n 1 py.out | sed 's/ in [0-9.]*s$//'); rec_sum=$(tail -n 1 rec.out | sed 's/ in [0-9.]*s$//')
    if [ "$py_rc" = 1 ] && [ "$rec_rc" = "$py_rc" ] && [ "$rec_sum" = "$py_sum" ] \
       && [ "$rec_sum" = "1 failed, 1 passed" ] && cmp -s py.err rec.err \
       && [ "$(meta pytest_$detail.heapreel complete)" = 1 ]; then
      ok "--detail $detail -m pytest: exit $rec_rc and '$rec_sum' as python3.11, trace complete"
    else
      fail "--detail $detail -m pytest: exit $rec_rc (python3.11 $py_rc), '$rec_sum' vs '$py_sum'"
      tail -n 5 rec.err >&2
    fi
  done
else
  skip "-m pytest: python3-pytest is not installed (apt-get install python3-pytest)"
fi

# --- stderr byte for byte: a program writing to it, an uncaught exception ------------------------------
for detail in full alloc; do
  REC_OPTS="--detail $detail -o err.heapreel" same "--detail $detail: a program writing to stderr" "$PROGS/entry_stderr.py"
  REC_OPTS="--detail $detail -o err.heapreel" same "--detail $detail: an uncaught exception" "$PROGS/entry_stderr.py" raise
done

# --- the closing line: only with --verbose off a terminal, the real size ----------------------------------
"$HEAPREEL" record -o rel.heapreel "$PROGS/entry_chdir.py" sub >rec.out 2>rec.err; rc=$?
[ "$rc" = 0 ] && [ ! -s rec.err ] && ok "no closing line when stderr is not a terminal" \
  || { fail "exit $rc, stderr not empty"; cat rec.err >&2; }
"$HEAPREEL" record --verbose -o rel.heapreel "$PROGS/entry_chdir.py" sub >rec.out 2>rec.err; rc=$?
want=$("$PY" -c 'import os, sys
n = os.path.getsize(sys.argv[1])
print("%d bytes" % n if n < 1000 else "%.1f kB" % (n / 1e3) if n < 1e6 else "%.1f MB" % (n / 1e6))' rel.heapreel)
if [ "$rc" = 0 ] && [ "$(wc -l <rec.err)" = 1 ] && grep -Eq "$closing_re" rec.err \
   && grep -q "^heapreel: recorded 'rel.heapreel': [0-9]* events, $want\$" rec.err && [ ! -e sub/rel.heapreel ]; then
  ok "--verbose: one closing line, relative -o and a script that chdirs: the real size ($want)"
else
  fail "--verbose closing line: '$(cat rec.err)', the file is $want"
fi

# --- on a terminal: the closing line, and a progress line that never cuts the program's text ----------------
printf 'half a line and its end\na whole line\nafter the pause\n' >tty.want
for detail in full alloc; do
  "$PY" "$SRC/tests/tools/pty_screen.py" tty.raw "$HEAPREEL" record --detail $detail -o tty.heapreel "$PROGS/entry_progress.py" >tty.screen; rc=$?
  if [ "$rc" = 0 ] && [ "$(head -n 3 tty.screen)" = "$(cat tty.want)" ] \
     && sed -n 4p tty.screen | grep -Eq "^heapreel: recorded 'tty.heapreel': [0-9]+ events, [0-9.]+ (bytes|kB|MB)$" \
     && [ -z "$(sed -n '5,$p' tty.screen | tr -d '\n')" ]; then
    ok "terminal, $detail: the program's lines intact (one left open across a progress tick), then the closing line"
  else
    fail "terminal, $detail: exit $rc, screen:"; cat tty.screen >&2
  fi
  if grep -aq "heapreel: recording 'tty.heapreel'" tty.raw; then
    ok "terminal, $detail: a progress line was drawn while the program's line was closed"
  else
    skip "terminal, $detail: no progress line was drawn in this run (a loaded machine?): only the screen was checked"
  fi
done
# tty_screen NAME PROGRAM LINES WANT OK-TEXT: the program's first LINES lines
# on a terminal are WANT, and the closing line follows on a line of its own.
tty_screen() {
  local name=$1 prog=$2 lines=$3 want=$4 text=$5
  "$PY" "$SRC/tests/tools/pty_screen.py" "$name.raw" "$HEAPREEL" record -o "$name.heapreel" "$PROGS/$prog" >"$name.screen"
  local rc=$?
  if [ "$rc" = 0 ] && [ "$(head -n "$lines" "$name.screen")" = "$want" ] \
     && sed -n "$((lines + 1))p" "$name.screen" | grep -Eq "^heapreel: recorded '$name.heapreel': [0-9]+ events, [0-9.]+ (bytes|kB|MB)$"; then
    ok "terminal: $text"
  else
    fail "terminal, $prog: exit $rc, screen:"; cat "$name.screen" >&2
  fi
}
tty_screen tty3 entry_progress_bytes.py 2 "$(printf 'bytes, half a line and its end\nstdout bytes, half a line and its end')" \
  "half lines written as bytes to sys.stderr.buffer and sys.stdout.buffer stay intact"
tty_screen tty2 entry_stderr.py 3 "$(printf 'to stdout\npartial line, then its end\nno newline at the end')" \
  "the closing line starts a line of its own after the program's open line"

# --- another build of python3.11 than the recorder's core: refused before anything runs -----------------
mkdir -p fakevenv/bin && cp /bin/true fakevenv/bin/python3.11
VIRTUAL_ENV=$TMP/work/fakevenv "$HEAPREEL" record -o fake.heapreel -c 'print("ran")' >rec.out 2>rec.err; rc=$?
if [ "$rc" = 1 ] && [ ! -s rec.out ] && [ ! -e fake.heapreel ] && [ "$(wc -l <rec.err)" = 1 ] \
   && grep -q "^heapreel: '$TMP/work/fakevenv/bin/python3.11' is not the build of Python 3.11.* rebuild heapreel" rec.err; then
  ok "a python3.11 of another build: one line saying to rebuild, exit 1, nothing ran, no trace"
else
  fail "another build of python3.11: exit $rc"; cat rec.out rec.err >&2
fi

if [ "$failures" = 0 ]; then
  cd / && rm -rf "$TMP"
  echo "record_entry: all passed"
  exit 0
fi
echo "record_entry: $failures failed (files kept in $TMP)" >&2
exit 1
