# run_view.py — prints how the interpreter set this run up, for comparing heapreel record with python3.11.
import sys

print(repr(sys.argv))
print(repr(sys.path[0]))
print(__name__)
print(__file__)
print(sys.executable)
print(sys.prefix, sys.base_prefix)
print(repr(sys.path))
print(sorted(m for m in ("atexit", "heapreel", "json") if m in sys.modules))
print("unicode: \u00e9\u4e2d")
sys.stdout.flush()
sys.stdout.buffer.write(b"bytes: \x00\xff\xfe\n")
