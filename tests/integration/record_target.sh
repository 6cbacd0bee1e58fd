#!/bin/bash
# record_target.sh — `heapreel record` writes only where a trace may go, and a
# recording that fails or dies keeps what is at its path.
#
# -o naming a script, a copy of it, a fifo, a directory or any other file is
# an error before the program runs (exit 2, one line naming the path), the
# file untouched; --force replaces a plain file but never the script itself
# or anything that is not a regular file; an existing trace is replaced.
# A full disk (RLIMIT_FSIZE) mid-run leaves the previous trace as it was.
set -u

. "$(dirname "$0")/../tools/test_env.sh" && test_env record_target --keep-on-failure
SQLITE=/usr/bin/sqlite3
cd "$TMP" || exit 1

meta() { "$SQLITE" -readonly "$1" "SELECT value FROM meta WHERE key = '$2'"; }
sig() { if [ -f "$1" ]; then md5sum <"$1"; else ls -ldi "$1"; fi; }
ran() { [ -e ran.txt ] && echo ran || echo "did not run"; }

cat >app.py <<'EOF'
open("ran.txt", "w").write("yes")
x = [1, 2, 3]
print("done")
EOF
cp app.py keep.py
cp app.py copy.py
sum_before=$(md5sum <app.py)

# refused PATH DESCRIPTION [record options...]: exit 2, one stderr line naming
# PATH, the program not run, the file unchanged.
refused() {
  local path=$1 what=$2; shift 2
  # a fifo or directory is described, never opened
  local before; before=$(sig "$path")
  rm -f ran.txt
  "$HEAPREEL" record "$@" -o "$path" app.py >out.txt 2>err.txt; local rc=$?
  local after; after=$(sig "$path")
  if [ "$rc" = 2 ] && [ "$(wc -l <err.txt)" = 1 ] && grep -qF "'$path'" err.txt &&
     [ ! -e ran.txt ] && [ "$before" = "$after" ]; then
    ok "-o $what: refused before the program runs ($(cat err.txt))"
  else
    fail "-o $what: exit $rc, program $(ran), stderr: $(head -c 300 err.txt)"
  fi
}

refused copy.py "a copy of a script"
refused app.py "the script itself"
refused ./app.py "the script as ./app.py"
ln -s app.py link.py
refused link.py "a symlink to the script"
ln app.py hard.py
refused hard.py "a hard link to the script"
refused hard.py "a hard link to the script, --force" --force
refused app.py "the script itself, --force" --force
mkfifo pipe
refused pipe "a fifo"
refused pipe "a fifo, --force" --force
mkdir adir
refused adir "a directory, --force" --force
[ "$(md5sum <app.py)" = "$sum_before" ] && [ -p pipe ] && [ -d adir ] \
  && ok "script, fifo and directory untouched" || fail "something at an -o path changed"

# heapreel-record itself applies the same rule.
rm -f ran.txt
"$RECORD" -o copy.py app.py >out.txt 2>err.txt; rc=$?
[ "$rc" = 2 ] && [ ! -e ran.txt ] && cmp -s copy.py keep.py \
  && ok "heapreel-record refuses a copy of a script too" \
  || fail "heapreel-record -o copy.py: exit $rc, program $(ran)"

# The default trace path of a script named like a trace is the script itself.
cp app.py self.heapreel
rm -f ran.txt
"$HEAPREEL" record self.heapreel >out.txt 2>err.txt; rc=$?
[ "$rc" = 2 ] && [ ! -e ran.txt ] && cmp -s self.heapreel keep.py \
  && ok "a script named x.heapreel is not its own default trace" \
  || fail "record self.heapreel: exit $rc, program $(ran)"

# --force replaces a plain file; an empty file and an existing trace need no --force.
rm -f ran.txt
"$HEAPREEL" record --force -o copy.py app.py >out.txt 2>err.txt; rc=$?
[ "$rc" = 0 ] && [ -e ran.txt ] && [ "$(meta copy.py complete)" = 1 ] \
  && ok "--force: a plain file replaced by a complete trace" \
  || fail "--force -o copy.py: exit $rc, complete '$(meta copy.py complete 2>&1)'"
: >empty.heapreel
"$HEAPREEL" record -o empty.heapreel app.py >out.txt 2>err.txt; rc=$?
[ "$rc" = 0 ] && [ "$(meta empty.heapreel complete)" = 1 ] \
  && ok "an empty file takes the trace" || fail "-o empty file: exit $rc: $(cat err.txt)"
"$HEAPREEL" record --detail alloc -o copy.py app.py >out.txt 2>err.txt; rc=$?
[ "$rc" = 0 ] && [ "$(meta copy.py detail)" = alloc ] \
  && ok "an existing trace is replaced without --force" \
  || fail "-o over a trace: exit $rc, detail '$(meta copy.py detail 2>&1)': $(cat err.txt)"

[ -z "$(ls -A | grep '\.previous')" ] && ok "no previous trace left aside after finished recordings" \
  || fail "left aside: $(ls -A | grep previous)"

# --- a full disk (a file size limit) mid-run -----------------------------------------
# The program makes a trace of a few MB; 400 kB of file size is allowed. The
# recorder (as python3.11) ignores SIGXFSZ, so a write past it fails (EFBIG).
cat >big.py <<'EOF2'
import sys
keep = [{"k": i, "v": [i, str(i)]} for i in range(150000)]
print("big done")
sys.exit(int(sys.argv[1]))
EOF2
"$HEAPREEL" record -o prev.heapreel app.py >out.txt 2>err.txt || fail "cannot record app.py"
sum_prev=$(md5sum <prev.heapreel)
for status in 0 5; do
  (ulimit -f 400; exec "$HEAPREEL" record -o prev.heapreel big.py $status) >out.txt 2>err.txt; rc=$?
  want=$([ $status = 0 ] && echo 1 || echo $status)
  if [ "$rc" = "$want" ] && [ "$(md5sum <prev.heapreel)" = "$sum_prev" ] && grep -q "big done" out.txt &&
     [ "$(wc -l <err.txt)" = 1 ] && grep -q "prev.heapreel.*kept as it was" err.txt &&
     [ "$(meta prev.heapreel program)" = app.py ] && [ "$(meta prev.heapreel complete)" = 1 ] &&
     [ ! -e prev.heapreel-wal ] && [ ! -e .prev.heapreel.previous ]; then
    ok "disk full, program status $status: previous trace intact, exit $rc, one line ($(cat err.txt))"
  else
    fail "disk full, program status $status: exit $rc (want $want), trace $( [ "$(md5sum <prev.heapreel)" = "$sum_prev" ] && echo intact || echo changed), program '$(meta prev.heapreel program 2>&1)', files: $(ls -A | grep prev), stderr: $(head -c 400 err.txt)"
  fi
done
# No trace before: the failed one keeps what was committed, marked incomplete.
(ulimit -f 400; exec "$HEAPREEL" record -o fresh.heapreel big.py 0) >out.txt 2>err.txt; rc=$?
"$HEAPREEL" summary fresh.heapreel >sum.txt 2>sum.err; src=$?
if [ "$rc" = 1 ] && [ "$(wc -l <err.txt)" = 1 ] && grep -q "marked incomplete" err.txt && [ "$src" = 0 ] &&
   grep -q "^complete *no" sum.txt; then
  ok "disk full, no trace before: one line, exit 1, the trace opens as incomplete"
else
  fail "disk full, no trace before: exit $rc, summary exit $src, stderr: $(head -c 300 err.txt) $(head -c 300 sum.err)"
fi

exit $((failures > 0))
