# output_streams.py — writes to sys.stdout and sys.stderr in every common way;
# record_output.sh checks the trace's output table against what python3.11
# printed, byte for byte, and the step of each write.
import contextlib
import io
import os
import sys
import tempfile

print("first line")  # OUT_FIRST
print("a", 1, [2, 3], sep=", ", end=";\n")
sys.stdout.write("partial ")
sys.stdout.write("line\n")
print("to stderr", file=sys.stderr)  # OUT_ERR
print("héllo wörld ✓ 𝄞 日本")
with contextlib.redirect_stdout(io.StringIO()) as hidden:
    print("captured, never reaches the real stdout")
with tempfile.TemporaryDirectory() as d:
    with open(os.path.join(d, "f.txt"), "w") as f:
        f.write("a file, not a stream\n")
sys.__stdout__.write("through __stdout__\n")
sys.stdout.flush()
for i in range(3):
    print("loop", i)  # OUT_LOOP
print(len(hidden.getvalue()), file=sys.stderr)
print("last")
raise SystemExit("exiting with a message")
