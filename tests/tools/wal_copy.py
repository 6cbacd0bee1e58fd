"""wal_copy.py SRC DST [--cut]: a copy of trace SRC at DST whose last write is
still in DST-wal (with DST-shm), as a copy taken before a checkpoint leaves it;
with --cut, as a checkpoint killed after writing page 1 leaves it: the file's
header then counts pages that only the log holds."""
import os
import shutil
import sqlite3
import sys

src, dst, cut = sys.argv[1], sys.argv[2], "--cut" in sys.argv[3:]
work = dst + ".work"
shutil.copy(src, work)
db = sqlite3.connect(work, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA wal_autocheckpoint=0")
# Grow the database inside the log only.
db.execute("INSERT INTO meta(key, value) VALUES('wal_test_pad', ?)", ("x" * 200000,))
for suffix in ("", "-wal", "-shm"):
    shutil.copy(work + suffix, dst + suffix)
db.close()
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(work + suffix):
        os.remove(work + suffix)
if cut:
    log = open(dst + "-wal", "rb").read()
    page_size = int.from_bytes(log[8:12], "big")
    off, page1 = 32, None
    while off + 24 + page_size <= len(log):
        if int.from_bytes(log[off:off + 4], "big") == 1:
            page1 = log[off + 24:off + 24 + page_size]
        off += 24 + page_size
    assert page1, "no page 1 in the log"
    with open(dst, "r+b") as f:
        f.write(page1)
