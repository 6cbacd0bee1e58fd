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

exit $((failures > 0))
