# entry_stderr.py — writes to stderr in pieces (a line left open, then closed), then fails the way its argument names.
import sys

print("to stdout")
sys.stderr.write("partial line, ")
sys.stderr.flush()
print("then its end", file=sys.stderr)
sys.stderr.write("no newline at the end")
if sys.argv[1:] == ["raise"]:
    data = {"key": [1, 2, 3]}
    data["missing"]
