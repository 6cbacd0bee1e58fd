# trace_floor_run.py DIR SCRIPT [ARGS...] — run SCRIPT as __main__ under the no-op
# C trace function of DIR/trace_floor*.so (bench/trace_floor.c): CPython's
# own cost of tracing, the floor under any recorder.
import sys

sys.path.insert(0, sys.argv[1])
import trace_floor  # noqa: E402

path = sys.argv[2]
sys.argv = sys.argv[2:]
sys.path[0] = __import__("os").path.dirname(path) or "."
with open(path, "rb") as f:
    code = compile(f.read(), path, "exec")
main = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
trace_floor.start(path)
exec(code, main)
