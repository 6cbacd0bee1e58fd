"""Read a heapreel trace from Python.

    import heapreel
    t = heapreel.open("app.heapreel")
    t.summary()["peak_bytes"]            # what `heapreel summary --json` says
    t.leaks()["groups"][0]["retention"]  # `heapreel leaks --json`
    db = t.connect()                     # sqlite3, with `events`, `objects`, `frames` loaded
    db.execute("SELECT count(*) FROM events WHERE kind = 'alloc'").fetchone()

Every analysis runs the `heapreel` command and returns its --json output
parsed, so the answers are the command line's, to the byte. The command is
the one given, else $HEAPREEL, else the one installed with this package,
else `heapreel` on PATH. The events extension (heapreel_events.so) is
$HEAPREEL_EVENTS_EXT, else the one beside that command (a build tree),
else the one installed with it. Installed places are found from this
package's own place, so an installed tree can be staged or moved.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile

__all__ = ["Trace", "HeapreelError", "find_heapreel", "find_events_extension"]


class HeapreelError(RuntimeError):
    """The heapreel command failed: the message is its error line."""


def _installed():
    try:
        from heapreel import _install   # written by the project's install step
    except ImportError:
        return None
    return _install


def find_heapreel(explicit=None):
    """The heapreel command's path, or HeapreelError saying where it looked."""
    cands = [explicit, os.environ.get("HEAPREEL")]
    inst = _installed()
    if inst is not None:
        here = os.path.dirname(os.path.abspath(inst.__file__))
        cands.append(os.path.normpath(os.path.join(here, inst.BIN_FROM_PKG, "heapreel")))
    cands.append(shutil.which("heapreel"))
    for c in cands:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    raise HeapreelError("cannot find the heapreel command: set HEAPREEL to its path, "
                        "or put it on PATH")


def find_events_extension(heapreel=None):
    """The events extension's path (heapreel_events.so), or HeapreelError."""
    cands = [os.environ.get("HEAPREEL_EVENTS_EXT")]
    inst = _installed()
    if heapreel:
        cands.append(os.path.join(os.path.dirname(heapreel), "heapreel_events.so"))
        if inst is not None:
            cands.append(os.path.normpath(os.path.join(os.path.dirname(heapreel), inst.EXT_FROM_BIN,
                                                       "heapreel_events.so")))
    for c in cands:
        if c and os.path.isfile(c):
            return os.path.abspath(c)
    raise HeapreelError("cannot find heapreel_events.so: set HEAPREEL_EVENTS_EXT to its path")


class Trace:
    """One trace file, read through the heapreel command."""

    def __init__(self, path, heapreel=None):
        if not os.path.isfile(path):
            raise FileNotFoundError(2, "no such trace", path)
        self.path = os.path.abspath(path)
        self.heapreel = find_heapreel(heapreel)

    def __repr__(self):
        return f"heapreel.Trace({self.path!r})"

    def run(self, *args):
        """Run `heapreel ARGS...` (strings); its stdout as text, or HeapreelError."""
        p = subprocess.run([self.heapreel, *map(str, args)], capture_output=True, text=True)
        if p.returncode != 0:
            lines = [ln for ln in p.stderr.splitlines() if ln.startswith("heapreel: ")]
            raise HeapreelError(lines[0][len("heapreel: "):] if lines else
                                f"heapreel {args[0]} exited {p.returncode}")
        return p.stdout

    def _json(self, command, *args):
        return json.loads(self.run(command, *args, "--json", self.path))

    @staticmethod
    def _point(step, line, mark):
        given = [(k, v) for k, v in (("--step", step), ("--line", line), ("--mark", mark)) if v is not None]
        if len(given) != 1:
            raise TypeError("give exactly one of step, line, mark")
        return list(given[0])

    def summary(self):
        """`heapreel summary --json`."""
        return self._json("summary")

    def state(self, step=None, line=None, mark=None):
        """`heapreel state --json` at one point: a step, a line (or "line:k"), a mark."""
        return self._json("state", *self._point(step, line, mark))

    def leaks(self, per_test=False):
        """`heapreel leaks --json` (per_test: `--per-test`)."""
        return self._json("leaks", *(["--per-test"] if per_test else []))

    def cycles(self):
        """`heapreel cycles --json`."""
        return self._json("cycles")

    def peak(self):
        """`heapreel peak --json`."""
        return self._json("peak")

    def growth(self, start=None, end=None, by=None):
        """`heapreel growth --json` from START to END (steps, marks, "start", "end";
        by default the whole run), by "site" (default), "type" or "traceback"."""
        args = []
        for opt, v in (("--from", start), ("--to", end), ("--by", by)):
            if v is not None:
                args += [opt, v]
        return self._json("growth", *args)

    def render(self, out, step=None, line=None, mark=None):
        """Draw the state at one point into out (.svg .png .pdf .dot); returns out."""
        self.run("render", self.path, *self._point(step, line, mark), "-o", out)
        return out

    def svg(self, step=None, line=None, mark=None):
        """The state diagram at one point as SVG text (IPython.display.SVG takes it)."""
        with tempfile.TemporaryDirectory(prefix="heapreel.") as d:
            out = os.path.join(d, "state.svg")
            self.render(out, step=step, line=line, mark=mark)
            with open(out, encoding="utf-8") as f:
                return f.read()

    def flamegraph(self, out, leaks=False):
        """Write the flame graph (.html or .svg) into out; returns out."""
        self.run("flamegraph", *(["--leaks"] if leaks else []), "-o", out, self.path)
        return out

    def connect(self):
        """A read-only sqlite3 connection to the trace with the events, objects and frames tables loaded."""
        ext = find_events_extension(self.heapreel)
        db = sqlite3.connect("file:" + self.path.replace("?", "%3f").replace("#", "%23") + "?mode=ro",
                             uri=True)
        try:
            db.enable_load_extension(True)
            db.load_extension(ext)
            db.enable_load_extension(False)
        except (AttributeError, sqlite3.Error) as e:
            db.close()
            raise HeapreelError(f"cannot load the events extension '{ext}': {e}") from None
        return db
