#!/usr/bin/python3.11
"""compat.py — the compatibility suite: real programs run unchanged under `heapreel record`.

Each case runs once under /usr/bin/python3.11 ("plain") and once per mode under
`heapreel record`:
    alloc  heapreel record --detail alloc
    full   heapreel record
    all    heapreel record --all-frames
and the recorded run must match the plain one: exit status, stdout and stderr
(after normalize(): addresses and the timing lines of regrtest, unittest and
pytest, nothing else). The trace must then say complete and `summary`, `leaks`,
`cycles`, `peak` and `state --mark end` must all exit 0 on it.

A result per case and mode, worst first:
    HANG   the recorded run outlived its timeout (killed, with its process group)
    CRASH  the recorded run died of a signal (or exited 128+N) and the plain one did not
    FAIL   exit status, stdout or stderr differ
    TRACE  the trace is not complete, or an analysis command failed
A recorded run gets at most --mem-limit-gb of address space (a MemoryError
or an abort past it fails the case).
    PLAIN  (--strict only) the plain run itself failed or timed out: a fixed
           list's case must pass under python3.11 (else it is SKIP)
    PASS
plus the CPU-time ratio: user+sys of the recorded run (and every child it
waited for) over the plain run's.

Cases:
    test_NAME   a module of CPython's test suite (libpython3.11-testsuite), run
                as /usr/lib/python3.11/test/regrtest.py test_NAME
    NAME        a line of tests/compat/cases.txt (corpus B: libraries, features)
    @FILE       the cases named in FILE, one a line (# comments)
Expected differences (tests/compat/known_differences.txt) are applied narrowly
and printed loudly; see that file.

usage: compat.py [--heapreel PATH] [--modes alloc,full,all] [--jobs N]
                 [--work DIR] [--keep] [--strict] [--all-frames-under SECONDS]
                 [--mem-limit-gb GB] [--old-closing-line]
                 [--discover [--skip-file FILE]] [CASE...]
Exit status 0 when every case passed (skipped cases are listed, not failed).
"""
import argparse
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3.11"
REGRTEST = "/usr/lib/python3.11/test/regrtest.py"
TESTDIR = "/usr/lib/python3.11/test"
MODES = {"alloc": ["--detail", "alloc"], "full": [], "all": ["--all-frames"]}
ANALYSES = [["summary"], ["leaks"], ["cycles"], ["peak"], ["state", "--mark", "end"]]
PLAIN_TIMEOUT = 60          # a module that needs longer plain is not a compat case
ANALYSIS_TIMEOUT = 300
ORDER = {"HANG": 0, "CRASH": 1, "FAIL": 2, "TRACE": 3, "PLAIN": 4, "SKIP": 5, "PASS": 6}

print_lock = threading.Lock()


def say(*args):
    with print_lock:
        print(*args, flush=True)


# --- what is compared --------------------------------------------------------------

# Only these are rewritten before comparing, each on whole lines:
NORMALIZE = [
    # An address a program prints (a repr, an id in hex).
    (re.compile(rb"0x[0-9a-fA-F]{6,16}"), rb"0xADDR"),
    # Names test.support derives from the process id: regrtest's temporary
    # working directory and os_helper.TESTFN.
    (re.compile(rb"test_python_\d+"), rb"test_python_PID"),
    (re.compile(rb"@test_\d+_tmp"), rb"@test_PID_tmp"),
    # regrtest's log prefix: elapsed time and load average.
    (re.compile(rb"^\d+:\d\d:\d\d (load avg: \d+\.\d\d )?", re.M), rb""),
    # regrtest's closing duration; the line it prints for a passing test only
    # when the test took 30 s or more; a test's duration after its result.
    (re.compile(rb"^Total duration: .*$", re.M), rb"Total duration: T"),
    (re.compile(rb"^test_\w+ passed in (\d+ hour ?|\d+ min ?|\d+(\.\d)? sec|\d+ ms)+\n", re.M), rb""),
    (re.compile(rb" in (\d+ hour ?|\d+ min ?|\d+(\.\d)? sec|\d+ ms)+$", re.M), rb" in T"),
    # unittest's "Ran 12 tests in 0.034s" and pytest's "3 passed in 0.12s".
    (re.compile(rb"^(Ran \d+ tests?) in \d+\.\d+s$", re.M), rb"\1 in T"),
    (re.compile(rb"^(=* ?[0-9].*) in \d+\.\d+s( \([0-9:]+\))?( =*)?$", re.M), rb"\1 in T\3"),
]


def normalize(data):
    for pattern, repl in NORMALIZE:
        data = pattern.sub(repl, data)
    return data


# Recorders before issue 16 wrote their closing line ("heapreel: recorded
# 'X': N events, SIZE") to stderr even when it was not a terminal. Only to
# measure such a recorder (--old-closing-line) is exactly that final line
# dropped from the recorded run's stderr; by default stderr must be the
# program's, byte for byte.
CLOSING_LINE = re.compile(rb"heapreel: recorded '[^\n]*': \d+ events, [0-9.]+ (bytes|kB|MB|GB)\n\Z")


def strip_closing_line(err):
    m = CLOSING_LINE.search(err)
    if m and (m.start() == 0 or err[m.start() - 1:m.start()] == b"\n"):
        return err[:m.start()]
    return err


# --- running one program ----------------------------------------------------------

class Run:
    """One finished (or killed) run: status, outputs, CPU seconds, wall seconds."""
    def __init__(self, status, signaled, hung, out, err, cpu, wall):
        self.status, self.signaled, self.hung = status, signaled, hung
        self.out, self.err, self.cpu, self.wall = out, err, cpu, wall


def run(argv, cwd, env, timeout, out_path, err_path, mem_limit=0):
    """Runs argv in its own process group with stdin /dev/null; on timeout kills
    the whole group. CPU time is from wait4: the child and every descendant it
    waited for. mem_limit: address-space bytes (RLIMIT_AS), 0 for none."""
    def limit():
        # SIGINT at its default, as from an interactive shell: a harness
        # started in the background would hand down SIG_IGN, and Python then
        # installs no KeyboardInterrupt handler (test_threading, test_signal,
        # test_pdb and test_generators fail plain).
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if mem_limit:
            resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))
    start = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err, \
            open(os.devnull, "rb") as devnull:
        p = subprocess.Popen(argv, cwd=cwd, env=env, stdin=devnull, stdout=out,
                             stderr=err, start_new_session=True, preexec_fn=limit)
    hung = False
    while True:
        pid, wstatus, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > timeout:
            hung = True
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            pid, wstatus, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.05)
    p.returncode = 0  # reaped here; keep Popen from waiting again
    wall = time.monotonic() - start
    # Descendants left in the group (a forked child that outlived its parent)
    # must not live on into the next run.
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    signaled = os.WIFSIGNALED(wstatus)
    status = -os.WTERMSIG(wstatus) if signaled else os.WEXITSTATUS(wstatus)
    with open(out_path, "rb") as f:
        out = f.read()
    with open(err_path, "rb") as f:
        err = f.read()
    return Run(status, signaled, hung, out, err, ru.ru_utime + ru.ru_stime, wall)


def clean_env(tmpdir):
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH",
                        "PYTHONTRACEMALLOC", "PYTHONSTARTUP", "PYTHONDONTWRITEBYTECODE",
                        "HEAPREEL_KEYFRAME_EVERY", "PYTHONWARNINGS", "PYTHONDEVMODE")}
    env["TMPDIR"] = tmpdir
    env["PYTHONHASHSEED"] = "0"     # the same hash order in both runs
    env["LC_ALL"] = "C.UTF-8"
    env["TERM"] = "dumb"
    env.pop("COLUMNS", None)
    return env


# --- cases ------------------------------------------------------------------------

class Case:
    def __init__(self, name, args, only_modes=None):
        self.name, self.args = name, args   # args: python3.11's arguments
        self.only_modes = only_modes        # None: every mode asked for
        self.discovered = False             # from --discover: "all" only when fast plain

    @property
    def regrtest(self):
        return self.name.startswith("test_")

    @property
    def entry(self):                       # "-m", "-c" or None (a script)
        return self.args[0] if self.args and self.args[0] in ("-m", "-c") else None


def load_cases_txt():
    cases = {}
    with open(os.path.join(HERE, "cases.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, rest = line.split(None, 1)
            cases[name] = shlex.split(rest.replace("{P}", os.path.join(HERE, "programs")))
    return cases


def resolve(names):
    """Cases from names: test_NAME, a cases.txt NAME, corpus-b (all of
    cases.txt) or @FILE (lines "NAME [MODE,MODE]": the modes that case runs in,
    all by default)."""
    corpus_b = load_cases_txt()
    out = []
    for n in names:
        if n.startswith("@"):
            with open(n[1:], encoding="utf-8") as f:
                for line in f:
                    words = line.split("#", 1)[0].split()
                    if not words:
                        continue
                    for c in resolve(words[:1]):
                        if len(words) > 1:
                            c.only_modes = words[1].split(",")
                            bad = [m for m in c.only_modes if m not in MODES]
                            if bad:
                                sys.exit(f"compat.py: {n[1:]}: unknown mode '{bad[0]}'")
                        out.append(c)
        elif n == "corpus-b":
            out.extend(Case(k, v) for k, v in corpus_b.items())
        elif n in corpus_b:
            out.append(Case(n, corpus_b[n]))
        elif n.startswith("test_"):
            # -W: a failing test's verbose output is printed (names the test),
            # a passing run prints what a plain regrtest run prints.
            out.append(Case(n, [REGRTEST, "-W", n]))
        else:
            sys.exit(f"compat.py: unknown case '{n}' (not test_*, not in cases.txt)")
    return out


# known_differences.txt: MODE MODULE KIND VALUE REASON..., split as a shell
# would. KIND "ignore": regrtest's --ignore VALUE in that mode, for the plain
# reference run too. KIND "doctest": the recorded run may fail in that mode
# only by the doctest example VALUE (every failed example is VALUE, no other
# test failed); anything more is a failure as usual.
def load_known():
    known = []
    path = os.path.join(HERE, "known_differences.txt")
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            words = shlex.split(line)
            if len(words) < 5 or words[2] not in ("ignore", "doctest") or words[0] not in MODES:
                sys.exit(f"compat.py: {path}:{n}: want MODE MODULE ignore|doctest VALUE REASON")
            known.append((words[0], words[1], words[2], words[3], " ".join(words[4:])))
    return known


def known_for(case, mode, kind, known):
    return [(v, r) for m, mod, k, v, r in known if m == mode and mod == case.name and k == kind]


def failed_examples(text):
    """The source lines of doctest's "Failed example:" blocks."""
    lines = text.splitlines()
    return [lines[i + 1].strip().decode("utf-8", "replace")
            for i, line in enumerate(lines[:-1]) if line == b"Failed example:"]


# --- one case in every mode -------------------------------------------------------

class Result:
    def __init__(self, case, mode, verdict, detail="", ratio=None, wall=None, cpu=None):
        self.case, self.mode, self.verdict = case, mode, verdict
        self.detail, self.ratio, self.wall, self.cpu = detail, ratio, wall, cpu


def first_diff_line(a, b):
    """Where a and b first differ: the line, and in it 100 bytes from a little
    before the first differing byte."""
    al, bl = a.splitlines(), b.splitlines()
    for i in range(max(len(al), len(bl))):
        x = al[i] if i < len(al) else b"<end>"
        y = bl[i] if i < len(bl) else b"<end>"
        if x != y:
            col = next((k for k in range(min(len(x), len(y))) if x[k] != y[k]), min(len(x), len(y)))
            at = max(0, col - 30)
            where = f" col {col + 1}" if at else ""
            return (f"line {i + 1}{where}: python3.11 {x[at:at + 100]!r} / "
                    f"recorded {y[at:at + 100]!r}")
    return ""


def failed_tests(out):
    """unittest's FAIL:/ERROR: headings in a regrtest -W output, each with the
    last line of its traceback (the exception)."""
    lines = out.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.startswith((b"FAIL: ", b"ERROR: ")):
            exc = b""
            for j in range(i + 1, min(i + 200, len(lines))):
                if lines[j].startswith((b"-----", b"=====")) and j > i + 2:
                    break
                if lines[j] and not lines[j].startswith(b" ") and not lines[j].startswith((b"Traceback", b"---", b"===")):
                    exc = lines[j]
            found.append((line + b" -> " + exc[:160]).decode("utf-8", "replace"))
    return found


def interesting_line(err):
    """The first line of stderr that says what went wrong."""
    keys = (b"ERROR: AddressSanitizer", b"runtime error:", b"Fatal Python error", b"Segmentation", b"Traceback", b"Error", b"error",
            b"heapreel:", b"FAIL", b"failed", b"Warning")
    lines = err.splitlines()
    for k in keys:
        for line in lines:
            if k in line:
                return line[:200].decode("utf-8", "replace")
    return lines[-1][:200].decode("utf-8", "replace") if lines else ""


class Runner:
    def __init__(self, opts):
        self.opts = opts
        self.heapreel = opts.heapreel
        self.known = load_known()
        self.supports = record_entries(self.heapreel)

    def plain(self, case, extra, workdir):
        d = os.path.join(workdir, "run")
        reset_dir(d)
        tmp = os.path.join(workdir, "tmp")
        reset_dir(tmp)
        args = case.args[:1] + extra + case.args[1:] if case.regrtest else case.args
        return run([PY] + args, d, clean_env(tmp), PLAIN_TIMEOUT,
                   os.path.join(workdir, "plain.out"), os.path.join(workdir, "plain.err"))

    def recorded(self, case, mode, extra, workdir, timeout):
        d = os.path.join(workdir, "run")
        reset_dir(d)
        tmp = os.path.join(workdir, "tmp")
        reset_dir(tmp)
        trace = os.path.join(workdir, f"{mode}.heapreel")
        if os.path.exists(trace):
            os.unlink(trace)
        args = case.args[:1] + extra + case.args[1:] if case.regrtest else case.args
        argv = [self.heapreel, "record", "-o", trace] + MODES[mode] + args
        # A recorder that runs away with memory must fail its case, not take
        # the (shared) machine down with it: measured, test_types under
        # --all-frames grew to 24 GB before the kernel killed it.
        r = run(argv, d, clean_env(tmp), timeout,
                os.path.join(workdir, f"{mode}.out"), os.path.join(workdir, f"{mode}.err"),
                int(self.opts.mem_limit_gb * 2**30))
        if self.opts.old_closing_line:
            r.err = strip_closing_line(r.err)
        return r, trace

    def check_trace(self, trace):
        if not os.path.exists(trace):
            return "no trace file"
        try:
            complete = subprocess.run(
                ["sqlite3", "-readonly", trace, "select value from meta where key='complete'"],
                capture_output=True, timeout=60).stdout.strip()
        except subprocess.TimeoutExpired:
            return "sqlite3 timed out reading meta"
        if complete != b"1":
            return f"trace not complete (meta complete={complete.decode(errors='replace') or 'none'})"
        for cmd in ANALYSES:
            try:
                p = subprocess.run([self.heapreel] + cmd + [trace], capture_output=True,
                                   timeout=ANALYSIS_TIMEOUT, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                return f"heapreel {' '.join(cmd)}: timed out after {ANALYSIS_TIMEOUT} s"
            if p.returncode != 0:
                return (f"heapreel {' '.join(cmd)}: exit {p.returncode}: "
                        f"{interesting_line(p.stderr)}")
        return ""

    def run_case(self, case, modes):
        workdir = os.path.join(self.opts.work, case.name)
        reset_dir(workdir)
        results = []
        if case.entry and not self.supports.get(case.entry):
            for mode in modes:
                results.append(Result(case, mode, "SKIP",
                                      f"needs `heapreel record {case.entry}`, which this build lacks"))
            say(f"compat: SKIP {case.name}: needs `heapreel record {case.entry}` (not supported by "
                f"{self.heapreel}); THIS CASE IS NOT TESTED")
            return results
        plains = {}

        def plain_for(extra):
            key = tuple(extra)
            if key not in plains:
                plains[key] = self.plain(case, extra, workdir)
            return plains[key]

        base = plain_for([])
        say(f"compat: plain {case.name}: exit {base.status}, {base.wall:.2f} s, cpu {base.cpu:.2f} s")
        if base.hung or (case.regrtest and base.status != 0):
            what = "timed out" if base.hung else f"exit {base.status}"
            # A fixed list (--strict) must pass plain: a case that stopped
            # passing under python3.11 is a broken suite, not a skip.
            verdict = "PLAIN" if self.opts.strict else "SKIP"
            for mode in modes:
                results.append(Result(case, mode, verdict, f"plain python3.11 {what}: "
                                      f"{interesting_line(base.err) or interesting_line(base.out)}"))
            say(f"compat: {verdict} {case.name}: plain python3.11 {what}: not a compat case")
            return results
        for mode in modes:
            if case.only_modes is not None and mode not in case.only_modes:
                results.append(Result(case, mode, "SKIP", "not in this list's modes for the case"))
                continue
            # Discovered modules only: a fixed list names its modes itself, and
            # a plain time near the bound would make its coverage vary with load.
            if mode == "all" and case.discovered and base.wall >= self.opts.all_frames_under:
                results.append(Result(case, mode, "SKIP",
                                      f"plain run {base.wall:.1f} s >= {self.opts.all_frames_under} s"))
                continue
            extra = []
            for pattern, reason in known_for(case, mode, "ignore", self.known):
                extra += ["--ignore", pattern]
                say(f"compat: KNOWN DIFFERENCE APPLIED: {case.name} {mode}: --ignore {pattern}: {reason}")
            plain = plain_for(extra)
            # Generous: --all-frames runs up to ~50x python3.11's CPU time, and
            # the machine may be shared; a hang is a run that never ends.
            timeout = min(self.opts.max_timeout, max(self.opts.min_timeout, 80 * plain.wall))
            rec, trace = self.recorded(case, mode, extra, workdir, timeout)
            ratio = rec.cpu / plain.cpu if plain.cpu > 0 else None
            results.append(self.judge(case, mode, plain, rec, trace, timeout, ratio))
            if not self.opts.keep and os.path.exists(trace):
                os.unlink(trace)
        if not self.opts.keep and all(r.verdict in ("PASS", "SKIP") for r in results):
            shutil.rmtree(workdir, ignore_errors=True)
        for r in results:
            say(f"compat: {r.verdict:5} {case.name} {r.mode}"
                + (f" x{r.ratio:.1f}" if r.ratio else "")
                + (f" ({r.cpu:.1f} s cpu, {r.wall:.1f} s)" if r.cpu is not None else "")
                + (f": {r.detail}" if r.detail else ""))
        return results

    def judge(self, case, mode, plain, rec, trace, timeout, ratio):
        def res(verdict, detail=""):
            return Result(case, mode, verdict, detail, ratio, rec.wall, rec.cpu)
        if rec.hung:
            return res("HANG", f"killed after {timeout:.0f} s; "
                               f"last stderr: {interesting_line(rec.err)}")
        # A sanitizer build's report (ASan aborts; UBSan may exit 1) is a crash.
        sanitized = any(k in rec.err and k not in plain.err
                        for k in (b"ERROR: AddressSanitizer", b": runtime error: "))
        crashed = rec.signaled or rec.status >= 128 or sanitized
        if sanitized or crashed and (rec.status, rec.signaled) != (plain.status, plain.signaled):
            return res("CRASH", f"exit {rec.status}: {interesting_line(rec.err) or '(nothing on stderr)'}")
        allowed = known_for(case, mode, "doctest", self.known)
        if allowed and rec.status != plain.status and not crashed:
            got = failed_examples(rec.out + b"\n" + rec.err)
            if got and set(got) <= {v for v, _ in allowed} and \
                    len(failed_tests(rec.out + b"\n" + rec.err)) == 1:
                problem = self.check_trace(trace)
                for v, reason in allowed:
                    say(f"compat: KNOWN DIFFERENCE ACCEPTED: {case.name} {mode}: doctest "
                        f"example {v!r} failed: {reason}")
                if problem:
                    return res("TRACE", problem)
                return res("PASS", f"known difference accepted: doctest {got[0]!r}")
        if rec.status != plain.status:
            tests = failed_tests(rec.out + b"\n" + rec.err) if case.regrtest else []
            why = "; ".join(tests[:4]) + (f"; ... {len(tests)} in all" if len(tests) > 4 else "")
            return res("FAIL", f"exit {rec.status}, python3.11 {plain.status}: "
                               f"{why or interesting_line(rec.err) or first_diff_line(plain.out, rec.out)}")
        po, ro = normalize(plain.out), normalize(rec.out)
        if po != ro:
            return res("FAIL", "stdout " + first_diff_line(po, ro))
        pe, re_ = normalize(plain.err), normalize(rec.err)
        if pe != re_:
            return res("FAIL", "stderr " + first_diff_line(pe, re_))
        problem = self.check_trace(trace)
        if problem:
            return res("TRACE", problem)
        return res("PASS")


def record_entries(heapreel):
    """Which of -m and -c `heapreel record` takes, from its usage text."""
    try:
        usage = subprocess.run([heapreel, "record", "-h"], capture_output=True,
                               timeout=30).stdout.decode(errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        usage = ""
    return {opt: re.search(rf"(^|[\s\[|]){opt}[\s\]]", usage) is not None for opt in ("-m", "-c")}


def reset_dir(d):
    if os.path.exists(d):
        subprocess.run(["chmod", "-R", "u+rwx", d], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d, exist_ok=True)


# --- discovery (./build.sh compat) ------------------------------------------------

def load_skips(path):
    skips = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
            if line:
                name, reason = (line.split(None, 1) + ["(no reason given)"])[:2]
                skips[name] = reason
    return skips


def discover(skip_file):
    names = sorted(n[:-3] if n.endswith(".py") else n for n in os.listdir(TESTDIR)
                   if n.startswith("test_") and (n.endswith(".py") or
                   os.path.isfile(os.path.join(TESTDIR, n, "__init__.py"))))
    skips = load_skips(skip_file)
    keep = []
    for n in names:
        if n in skips:
            say(f"compat: skip {n}: {skips[n]}")
        else:
            keep.append(n)
    return keep


# --- the table --------------------------------------------------------------------

def table(results, modes):
    by_case = {}
    for r in results:
        by_case.setdefault(r.case.name, {})[r.mode] = r
    width = max([len(n) for n in by_case] + [4])
    lines = [f"{'case':{width}}  " + "  ".join(f"{m:13}" for m in modes)]
    for name, row in by_case.items():
        cells = []
        for m in modes:
            r = row.get(m)
            if r is None:
                cells.append(f"{'-':13}")
            else:
                cells.append(f"{r.verdict.lower():5}" + (f" x{r.ratio:<6.1f}" if r.ratio else "       ")
                             + " ")
        lines.append(f"{name:{width}}  " + "  ".join(cells))
    return "\n".join(lines)


def totals(results, modes):
    lines = []
    for m in modes:
        counts = {}
        ratios = []
        for r in results:
            if r.mode == m:
                counts[r.verdict] = counts.get(r.verdict, 0) + 1
                if r.ratio and r.verdict == "PASS":
                    ratios.append(r.ratio)
        ran = sum(v for k, v in counts.items() if k != "SKIP")
        med = sorted(ratios)[len(ratios) // 2] if ratios else 0
        lines.append(f"{m:5}: {counts.get('PASS', 0)}/{ran} pass  " +
                     "  ".join(f"{k.lower()} {counts[k]}" for k in ORDER if k in counts and k != "PASS")
                     + (f"  (median cpu ratio of passes x{med:.1f})" if ratios else ""))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description="Run programs plain and under heapreel record; compare.")
    ap.add_argument("--heapreel", default=os.environ.get("HEAPREEL", "heapreel"))
    ap.add_argument("--modes", default="alloc,full,all")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", default=None, help="scratch directory (default: a new one in /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep traces and outputs of passing cases")
    ap.add_argument("--all-frames-under", type=float, default=5.0,
                    help="--discover: run a module in mode 'all' only when its plain run is this fast (s)")
    ap.add_argument("--min-timeout", type=float, default=60,
                    help="a recorded run's timeout is 80x its plain wall time, at least this (s)")
    ap.add_argument("--max-timeout", type=float, default=600)
    ap.add_argument("--discover", action="store_true",
                    help="every test_* module of the installed test suite, less --skip-file's")
    ap.add_argument("--skip-file", default=os.path.join(HERE, "skip_modules.txt"))
    ap.add_argument("--mem-limit-gb", type=float, default=6,
                    help="address-space limit of a recorded run (0: none; sanitizer builds need 0)")
    ap.add_argument("--old-closing-line", action="store_true",
                    help="drop record's closing line from stderr (recorders before issue 16 only)")
    ap.add_argument("--strict", action="store_true",
                    help="a case whose plain run fails counts as failed (PLAIN), not skipped")
    ap.add_argument("cases", nargs="*")
    opts = ap.parse_args()
    # Each case runs in a directory of its own: a relative path (build/heapreel)
    # must still name the program given.
    if os.sep in opts.heapreel:
        opts.heapreel = os.path.abspath(opts.heapreel)
    modes = opts.modes.split(",")
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode '{m}' (alloc, full, all)")
    if opts.work is None:
        import tempfile
        opts.work = tempfile.mkdtemp(prefix="heapreel-compat.")
    os.makedirs(opts.work, exist_ok=True)
    opts.work = os.path.abspath(opts.work)
    names = list(opts.cases)
    if opts.discover:
        names = discover(opts.skip_file) + names
    cases = resolve(names)
    for c in cases[:len(names) - len(opts.cases)]:
        c.discovered = True
    if not cases:
        ap.error("no cases")
    if any(c.regrtest for c in cases) and not os.path.exists(REGRTEST):
        sys.exit(f"compat.py: cannot run CPython's test suite: no {REGRTEST} "
                 f"(apt-get install libpython3.11-testsuite)")
    runner = Runner(opts)
    for entry, ok in runner.supports.items():
        if not ok:
            say(f"compat: WARNING: `heapreel record {entry}` is not supported by {opts.heapreel}: "
                f"the cases that need it are SKIPPED")
    say(f"compat: {len(cases)} cases, modes {','.join(modes)}, {opts.jobs} jobs, work {opts.work}")
    start = time.monotonic()
    results = []
    with ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        for rs in pool.map(lambda c: runner.run_case(c, modes), cases):
            results.extend(rs)
    print()
    print(table(results, modes))
    print()
    print(totals(results, modes))
    bad = [r for r in results if r.verdict not in ("PASS", "SKIP")]
    skipped = [r for r in results if r.verdict == "SKIP"]
    if bad:
        print("\nnot passing (case, mode, result, first relevant line):")
        for r in sorted(bad, key=lambda r: (ORDER[r.verdict], r.case.name, r.mode)):
            print(f"  {r.case.name} {r.mode} {r.verdict}: {r.detail}")
    loud_skips = [r for r in skipped if "needs `heapreel record" in r.detail]
    if loud_skips:
        print("\nSKIPPED, NOT TESTED (record lacks an entry point):")
        for r in loud_skips:
            print(f"  {r.case.name} {r.mode}: {r.detail}")
    passed = sum(1 for r in results if r.verdict == "PASS")
    print(f"\ncompat: {passed} passed, {len(bad)} failed, {len(skipped)} skipped "
          f"in {time.monotonic() - start:.0f} s (work {opts.work})")
    if not bad and not opts.keep:
        shutil.rmtree(opts.work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
