#!/usr/bin/env bash
# format2_1_chunks.sh — chunk encodings of formats 2.2, 2.1 and 2.0 (schema/FORMAT.md):
# - a 2.0 trace (tests/fixtures/format2.0-gc_rings.heapreel, recorded by the
#   2.0 recorder: zlib streams, payload version 2) and a 2.1 one
#   (format2.1-gc_rings.heapreel: encoding 2, payload version 4) read as
#   their own readers read them: events, objects and frames, summed column
#   by column, equal what that reader gave (the .expect.json beside each);
# - a trace recorded now is 2.2: every chunk encoding 2, a raw deflate stream
#   whose CRC-32 (least significant byte first) follows it, which Python's
#   zlib alone inflates to payload version 5 (binds runs: 3) holding the
#   row's nevents; a chunk with its CRC off is reported corrupt in one line.
set -u
. "$(dirname "$0")/../tools/test_env.sh" && test_env format2_1_chunks --keep-on-failure
FIX=$SRC/tests/fixtures

QE="SELECT kind, count(*) AS n, sum(seq) AS seq, sum(step) AS step, sum(frame) AS frame,
  sum(location) AS location, sum(opcode) AS opcode, sum(parent) AS parent,
  sum(thread % 1000003) AS thread, sum(object) AS object, sum(holder) AS holder,
  sum(slot_arg) AS slot_arg, sum(type) AS type, sum(size) AS size,
  sum(address % 1000003) AS address, sum(refcount) AS refcount, sum(flags) AS flags,
  sum(collected) AS collected, sum(bytes) AS bytes, sum(peak_bytes) AS peak
  FROM events GROUP BY kind ORDER BY kind"
QO="SELECT count(*) AS n, sum(id) AS id, sum(address % 1000003) AS address, sum(type) AS type,
  sum(size) AS size, sum(alloc_seq) AS alloc_seq, sum(free_seq) AS free_seq,
  sum(free_by_gc) AS gc, sum(preexisting) AS pre FROM objects"
QF="SELECT count(*) AS n, sum(location) AS location, sum(parent) AS parent,
  sum(call_seq) AS call_seq, sum(return_seq) AS return_seq, sum(return_step) AS return_step
  FROM frames"

for v in 2.0 2.1; do
cp "$FIX/format$v-gc_rings.heapreel" "$TMP/v$v.heapreel"
for rel in events objects frames; do
  case $rel in events) q=$QE ;; objects) q=$QO ;; frames) q=$QF ;; esac
  "$HEAPREEL" sql --json "$TMP/v$v.heapreel" "$q" >"$TMP/$rel.json" 2>"$TMP/$rel.err" \
    || fail "$v fixture: sql on $rel failed: $(head -c 200 "$TMP/$rel.err")"
  if "$PY" - "$FIX/format$v-gc_rings.expect.json" "$rel" "$TMP/$rel.json" <<'EOF'
import json, sys
want = json.load(open(sys.argv[1]))[sys.argv[2]]
got = json.load(open(sys.argv[3]))["rows"]
if got != want:
    for w, g in zip(want, got):
        if w != g:
            print("want", w, "\ngot ", g, file=sys.stderr)
            break
    sys.exit(1)
EOF
  then ok "$v fixture: $rel read as the $v reader read them"
  else fail "$v fixture: $rel differ from the $v reader's"
  fi
done
done
"$PY" - "$TMP/v2.0.heapreel" <<'EOF' && ok "the 2.0 fixture is zlib streams of payload version 2" || fail "the 2.0 fixture is not what it claims"
import sqlite3, sys, zlib
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT encoding, data FROM chunks").fetchall()
assert rows and all(e == 1 and zlib.decompress(d)[1] in (2, 3) for e, d in rows), rows[:1]
assert db.execute("SELECT value FROM meta WHERE key = 'format_minor'").fetchone()[0] == "0"
EOF

"$PY" - "$TMP/v2.1.heapreel" <<'EOF' && ok "the 2.1 fixture is raw deflate streams of payload version 4" || fail "the 2.1 fixture is not what it claims"
import sqlite3, sys, zlib
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT encoding, data FROM chunks").fetchall()
assert rows and all(e == 2 and zlib.decompress(d[:-4], -15)[1] in (3, 4) for e, d in rows), rows[:1]
assert any(zlib.decompress(d[:-4], -15)[1] == 4 for e, d in rows)
assert db.execute("SELECT value FROM meta WHERE key = 'format_minor'").fetchone()[0] == "1"
EOF

# A trace of today: encoding 2, read by Python's zlib alone.
record_or_die "$TMP/v22.heapreel" "$PROGS/gc_rings.py"
"$PY" - "$TMP/v22.heapreel" <<'EOF' && ok "2.2 chunks: raw deflate and its CRC-32, payload version 5" || fail "2.2 chunks are not as FORMAT.md says"
import sqlite3, sys, zlib
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT encoding, nevents, data FROM chunks").fetchall()
assert rows
for enc, n, data in rows:
    assert enc == 2, enc
    body, crc = data[:-4], int.from_bytes(data[-4:], "little")
    assert zlib.crc32(body) == crc
    d = zlib.decompressobj(-15)
    payload = d.decompress(body) + d.flush()
    assert d.eof and not d.unused_data
    assert payload[0] == 0x68 and payload[1] in (3, 5), payload[:2]
    # The count, a varint, is the row's nevents.
    count, shift, i = 0, 0, 2
    while True:
        b = payload[i]; i += 1
        count |= (b & 0x7f) << shift; shift += 7
        if b < 0x80:
            break
    assert count == n, (count, n)
assert db.execute("SELECT value FROM meta WHERE key = 'format_minor'").fetchone()[0] == "2"
EOF

# Its CRC off by one bit: the chunk is corrupt, said in one line.
cp "$TMP/v22.heapreel" "$TMP/bad.heapreel"
"$PY" - "$TMP/bad.heapreel" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cid, data = db.execute("SELECT id, data FROM chunks ORDER BY first_seq LIMIT 1").fetchone()
data = bytearray(data); data[-1] ^= 1
db.execute("UPDATE chunks SET data = ? WHERE id = ?", (bytes(data), cid)); db.commit()
EOF
"$HEAPREEL" sql "$TMP/bad.heapreel" "SELECT count(*) FROM events" >"$TMP/bad.out" 2>"$TMP/bad.err"
st=$?
if [ $st != 0 ] && [ "$(wc -l <"$TMP/bad.err")" = 1 ] && grep -q "is corrupt: chunk blob fails its CRC-32 check" "$TMP/bad.err"; then
  ok "a chunk failing its CRC-32 is corrupt, in one line"
else
  fail "a bad CRC: status $st, stderr: $(head -c 300 "$TMP/bad.err")"
fi

[ "$failures" = 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all format2_1_chunks checks passed"
