# entry_progress_bytes.py — on a terminal: half lines written as bytes to sys.stderr.buffer and sys.stdout.buffer, each left open across the time a progress line would be drawn.
import sys
import time


def pause(n):
    for _ in range(n):
        time.sleep(0.05)   # between the sleeps the recorder's pending progress call runs


sys.stderr.buffer.write(b"bytes, half a line")
sys.stderr.buffer.flush()
pause(32)
sys.stderr.buffer.write(b" and its end\n")
sys.stdout.buffer.write(b"stdout bytes, half a line")
sys.stdout.buffer.flush()
pause(16)
sys.stdout.buffer.write(b" and its end\n")
