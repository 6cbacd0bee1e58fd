# entry_progress.py — on a terminal: a line left open on stderr across the time a progress line would be drawn, then whole lines with pauses between them.
import sys
import time


def pause():
    # Short sleeps: between them the interpreter runs the recorder's pending progress call.
    for _ in range(32):
        time.sleep(0.05)


sys.stderr.write("half a line")
sys.stderr.flush()
pause()
print(" and its end", file=sys.stderr)
print("a whole line")
pause()
print("after the pause")
