"""link_cost.py — what linking heapreel-record with libpython3.11.so costs
against libpython3.11.a: CPU time (user + sys, from wait4's rusage, in
microseconds) of plain python3.11 and of `--detail alloc` and full recordings
by two builds, interleaved run by run, medians and ratios to plain python in
the same rounds.

    /usr/bin/python3.11 bench/link_cost.py RUNS SHARED_BUILD STATIC_BUILD [PROGRAM ...]

PROGRAM: names in tests/programs (default bench_stdlib bench_fib), or paths
to .py files. The order
of the five columns rotates from one round to the next, so no build always
runs right after another.
"""
import os
import statistics
import subprocess
import sys
import tempfile

PY = "/usr/bin/python3.11"
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
runs, shared, static = int(sys.argv[1]), sys.argv[2], sys.argv[3]
programs = sys.argv[4:] or ["bench_stdlib", "bench_fib"]
work = tempfile.mkdtemp()
columns = ["plain", "alloc .so", "alloc .a", "full .so", "full .a"]


def command(col, script, trace):
    if col == "plain":
        return [PY, script]
    build = shared if col.endswith(".so") else static
    detail = ["--detail", "alloc"] if col.startswith("alloc") else []
    return [build + "/heapreel-record", *detail, "-o", trace, script]


def cpu(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit("link_cost: %s failed (%d)" % (" ".join(cmd), status))
    return ru.ru_utime + ru.ru_stime


for prog in programs:
    script = prog if prog.endswith(".py") else os.path.join(root, "tests", "programs", prog + ".py")
    prog = os.path.basename(prog)
    t = {c: [] for c in columns}
    for r in range(runs):
        for i in range(len(columns)):
            col = columns[(i + r) % len(columns)]
            t[col].append(cpu(command(col, script, os.path.join(work, prog + ".heapreel"))))
    med = {c: statistics.median(v) for c, v in t.items()}
    cells = ["%s %.1f ms" % (c, med[c] * 1e3) + ("" if c == "plain" else " %.2fx" % (med[c] / med["plain"]))
             for c in columns]
    print("%s (%d runs, median CPU user+sys): %s" % (prog, runs, "; ".join(cells)))
    print("  .so / .a: alloc %.3f, full %.3f" % (med["alloc .so"] / med["alloc .a"], med["full .so"] / med["full .a"]))
    sys.stdout.flush()
for f in os.listdir(work):
    os.unlink(os.path.join(work, f))
os.rmdir(work)
