# run_stdin.py — echoes stdin transformed, to check it reaches a recorded program untouched.
import sys

data = sys.stdin.buffer.read()
sys.stdout.buffer.write(data.upper())
print(len(data))
