"""fuzz_traces.py — a small mutation fuzzer over real traces.

usage: fuzz_traces.py --heapreel H --dir D --mutants N [--seed S] [--timeout T] BASE...

Makes N mutants of the BASE traces (bytes flipped in a page, schema text
edited, rows deleted or copied, values changed, keyframes tampered with,
the file cut short; one or two of these each), runs every analysis
subcommand on each with a timeout, and reports, one line each: a crash (a
signal, a sanitizer report), a hang, an exit status other than 0 or 1, an
error that is not exactly one line, a stderr line not from heapreel, or a
control byte reaching the terminal on stdout or stderr. Failing mutants
are kept in D/failures. Exit status 1 when anything was found.
"""
import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time

SNIPPETS = ["\x1b[2J", "\x1b]0;t\x07", "\n", "\r", "'", ")", "(", ",", ", x INTEGER",
            " PRIMARY KEY", "\u009b31m", "\x00", " events", "CREATE TABLE events(x);",
            "garbage", "\xff", " CHECK(0)", " DEFAULT (load_extension('x'))"]
VALUES = [0, -1, 1, 2, 255, 2**31, 2**32 + 7, 2**63 - 1, -2**63, None, 1.5, "",
          "\x1b[31mred\x1b[0m\nforged", b"\x00\xff\x01", b"", "x" * 5000, b"\x78\x9c" * 40]
CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
SANITIZER = re.compile(rb"AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer")


def tables(db):
    return [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]


def columns(db, t):
    return [(r[1], r[5]) for r in db.execute("PRAGMA table_info(\"%s\")" % t)]


def m_flip(path, rng):
    data = bytearray(open(path, "rb").read())
    if len(data) < 200:
        return "flip: too short"
    psz = int.from_bytes(data[16:18], "big")
    psz = 65536 if psz == 1 else (psz or 4096)
    npages = max(1, len(data) // psz)
    page = rng.randrange(npages)
    n = rng.choice([1, 1, 2, 4, 16])
    for _ in range(n):
        off = min(len(data) - 1, page * psz + rng.randrange(psz))
        if rng.random() < 0.5:
            data[off] ^= 1 << rng.randrange(8)
        else:
            data[off] = rng.randrange(256)
    open(path, "wb").write(data)
    return "flip %d byte(s) in page %d" % (n, page + 1)


def m_truncate(path, rng):
    size = os.path.getsize(path)
    psz = 4096
    cut = rng.choice([rng.randrange(size), (rng.randrange(size) // psz) * psz, 100, 50, 0])
    with open(path, "r+b") as f:
        f.truncate(cut)
    return "truncate to %d of %d" % (cut, size)


def m_schema(path, rng):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA writable_schema = ON")
    rows = db.execute("SELECT rowid, name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
    rowid, name, sql = rng.choice(rows)
    how = rng.randrange(3)
    if how == 0:
        at = rng.randrange(len(sql) + 1)
        sql = sql[:at] + rng.choice(SNIPPETS) + sql[at:]
    elif how == 1:
        at = rng.randrange(len(sql))
        sql = sql[:at] + sql[at + rng.randint(1, 20):]
    else:
        sql = sql.replace(name, rng.choice(["events", "Events", name + "x", "meta"]), 1)
    db.execute("UPDATE sqlite_master SET sql = ? WHERE rowid = ?", (sql, rowid))
    v = db.execute("PRAGMA schema_version").fetchone()[0]
    db.execute("PRAGMA schema_version = %d" % (v + 1))
    db.close()
    return "schema of %s edited (%d)" % (name, how)


def m_rows(path, rng):
    db = sqlite3.connect(path, isolation_level=None)
    t = rng.choice(tables(db))
    cols = columns(db, t)
    k = rng.choice([1, 1, 3, 50])
    if rng.random() < 0.5:
        db.execute("DELETE FROM \"%s\" WHERE rowid IN (SELECT rowid FROM \"%s\" ORDER BY random() LIMIT %d)" % (t, t, k))
        what = "deleted"
    else:
        # Copies: key columns moved by a small or a large offset so the copy fits.
        off = rng.choice([1, 2, 1000, 2**40])
        sel = ", ".join(("\"%s\" + %d" % (c, off)) if pk or c in ("first_seq", "id", "step", "key") else "\"%s\"" % c
                        for c, pk in cols)
        names = ", ".join("\"%s\"" % c for c, _ in cols)
        try:
            db.execute("INSERT OR IGNORE INTO \"%s\"(%s) SELECT %s FROM \"%s\" ORDER BY random() LIMIT %d"
                       % (t, names, sel, t, k))
        except sqlite3.Error:
            pass
        what = "copied"
    db.close()
    return "%d row(s) of %s %s" % (k, t, what)


def m_values(path, rng):
    db = sqlite3.connect(path, isolation_level=None)
    t = rng.choice(tables(db))
    c, _ = rng.choice(columns(db, t))
    v = rng.choice(VALUES)
    if isinstance(v, int) and rng.random() < 0.3:
        v = rng.randrange(-5, 100000)
    try:
        db.execute("UPDATE \"%s\" SET \"%s\" = ? WHERE rowid IN (SELECT rowid FROM \"%s\" ORDER BY random() LIMIT %d)"
                   % (t, c, t, rng.choice([1, 1, 5])), (v,))
    except sqlite3.Error:
        pass
    db.close()
    return "%s.%s = %r" % (t, c, v if not isinstance(v, (str, bytes)) or len(v) < 20 else v[:20])


def m_keyframes(path, rng):
    db = sqlite3.connect(path, isolation_level=None)
    how = rng.randrange(5)
    try:
        if how == 0:
            db.execute("UPDATE keyframes SET seq = seq + ?", (rng.choice([1, -1, 40]),))
        elif how == 1:
            rows = db.execute("SELECT step, data FROM keyframes ORDER BY random() LIMIT 2").fetchall()
            if len(rows) == 2:
                db.execute("UPDATE keyframes SET data = ? WHERE step = ?", (rows[1][1], rows[0][0]))
                db.execute("UPDATE keyframes SET data = ? WHERE step = ?", (rows[0][1], rows[1][0]))
        elif how == 2:
            db.execute("INSERT OR IGNORE INTO keyframes SELECT step + 7, seq + 20, data FROM keyframes "
                       "ORDER BY random() LIMIT 1")
        elif how == 3:
            row = db.execute("SELECT step, data FROM keyframes ORDER BY random() LIMIT 1").fetchone()
            if row:
                data = bytearray(row[1])
                for _ in range(rng.choice([1, 3])):
                    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
                db.execute("UPDATE keyframes SET data = ? WHERE step = ?", (bytes(data), row[0]))
        else:
            db.execute("UPDATE meta SET value = ? WHERE key = 'keyframes_check'",
                       (rng.choice(["", "1:2:3:4:5", "x", "99999999999999999999999:1:1:1:1"]),))
    except sqlite3.Error:
        pass
    db.close()
    return "keyframes tampered (%d)" % how


MUTATIONS = [m_flip, m_flip, m_flip, m_schema, m_rows, m_rows, m_values, m_values, m_keyframes, m_truncate]


def commands(trace, step, out_dir):
    k = str(step)
    return [
        ["summary", trace], ["summary", "--json", trace], ["steps", "--to", "40", trace],
        ["state", "--step", k, trace], ["state", "--json", "--step", k, trace],
        ["history", trace, "5"], ["diff", "--from", "1", "--to", k, trace],
        ["leaks", trace], ["cycles", trace], ["peak", "--json", trace],
        ["render", trace, "--step", k, "-o", os.path.join(out_dir, "r.dot")],
        ["sql", trace, "SELECT count(*), sum(size), max(seq) FROM events"],
    ]


def judge(rc, out, err):
    """The problems with one run's result, as short strings."""
    bad = []
    if rc < 0:
        bad.append("killed by signal %d" % -rc)
    elif rc not in (0, 1):
        bad.append("exit status %d" % rc)
    if SANITIZER.search(err):
        bad.append("sanitizer report")
    if CONTROL.search(out):
        bad.append("control byte on stdout")
    lines = err.split(b"\n")
    if err and lines[-1] != b"":
        bad.append("stderr does not end a line")
    lines = [l for l in lines if l]
    for l in lines:
        if not l.startswith(b"heapreel: "):
            bad.append("stderr line not from heapreel: %r" % l[:80])
            break
        if CONTROL.search(l):
            bad.append("control byte on stderr: %r" % l[:120])
            break
    # An error is one line, the last; notes said before it (a keyframe cache
    # written, keyframes ignored) are messages of their own.
    errors = [l for l in lines if not l.startswith(b"heapreel: note: ")]
    if rc == 1 and (len(errors) != 1 or errors[0] != lines[-1]):
        bad.append("%d stderr lines for an error" % len(lines))
    if rc == 0 and any(l for l in errors if not l.startswith((b"heapreel: warning: ", b"heapreel: wrote"))):
        bad.append("an error line but exit status 0")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--heapreel", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--mutants", type=int, default=200)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("bases", nargs="+")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(os.path.join(a.dir, "failures"), exist_ok=True)
    steps = {}
    for b in a.bases:
        s = json.loads(subprocess.run([a.heapreel, "summary", "--json", b], capture_output=True,
                                      check=True).stdout)
        steps[b] = max(1, int(s.get("steps") or 1) // 2)
    env = dict(os.environ, HEAPREEL_KEYFRAME_EVERY="150")
    found = runs = refused = 0
    start = time.time()
    for i in range(a.mutants):
        base = a.bases[i % len(a.bases)]
        m = os.path.join(a.dir, "m%d.heapreel" % i)
        shutil.copy(base, m)
        done = []
        # A damaged schema or a cut file stops SQLite from editing it further: those go last.
        muts = sorted(rng.sample(MUTATIONS, rng.choice([1, 1, 2])), key=lambda f: f in (m_schema, m_truncate))
        for mut in muts:
            try:
                done.append(mut(m, rng))
            except (sqlite3.Error, ValueError, IndexError) as e:
                done.append("%s failed: %s" % (mut.__name__, e))
        kept = os.path.join(a.dir, "failures", os.path.basename(m))
        shutil.copy(m, kept)   # the mutant as made, before any run writes keyframes into it
        failed = False
        opened = None
        cmds = commands(m, steps[base], a.dir)
        for n, cmd in enumerate(cmds):
            # A mutant that cannot be opened fails every command the same way,
            # at the open: sql (its own open) and state are enough then.
            if n == 1 and opened is False:
                cmds[2:] = [c for c in cmds[2:] if c[0] in ("sql", "state")][:2]
            runs += 1
            try:
                p = subprocess.run([a.heapreel] + cmd, capture_output=True, timeout=a.timeout, env=env,
                                   stdin=subprocess.DEVNULL)
                bad = judge(p.returncode, p.stdout, p.stderr)
                refused += p.returncode == 1
                if n == 0:
                    opened = not p.stderr.startswith(b"heapreel: cannot open trace")
                err = p.stderr
            except subprocess.TimeoutExpired:
                bad, err = ["hang (over %g s)" % a.timeout], b""
            if bad:
                failed = True
                found += 1
                print("FAIL: mutant %d of %s (%s): heapreel %s: %s; stderr: %r" % (
                    i, os.path.basename(base), "; ".join(done), " ".join(cmd[:3]), ", ".join(bad), err[:300]))
        if not failed:
            os.remove(kept)
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(m + suffix):
                os.remove(m + suffix)
    print("fuzz: %d mutants of %d traces, %d runs (%d refused the input), %d problem(s), %.1f s" % (
        a.mutants, len(a.bases), runs, refused, found, time.time() - start))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
