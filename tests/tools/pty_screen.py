"""pty_screen.py RAW_FILE CMD [ARGS...] — run CMD with stdin, stdout and stderr
on a pseudo-terminal, as from an interactive shell, keep every byte it sent
to the terminal in RAW_FILE, and print the screen those bytes leave: a line
per terminal line, after carriage returns, erase-to-end-of-line (ESC [ K)
and overwriting are applied (other escape sequences are dropped). Exits
with CMD's status."""
import os
import pty
import re
import subprocess
import sys

raw_file, cmd = sys.argv[1], sys.argv[2:]
master, slave = pty.openpty()
proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
os.close(slave)
raw = bytearray()
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:          # EIO: the terminal's last user closed it
        break
    if not chunk:
        break
    raw += chunk
status = proc.wait()
open(raw_file, "wb").write(raw)

lines, row, col = [[]], 0, 0
for tok in re.findall(rb"\x1b\[[0-9;?]*[A-Za-z]|.", bytes(raw), re.S):
    line = lines[row]
    if tok == b"\r":
        col = 0
    elif tok == b"\n":
        row += 1
        if row == len(lines):
            lines.append([])
    elif tok == b"\x1b[K":
        del line[col:]
    elif tok.startswith(b"\x1b"):
        pass
    else:
        line[col:col + 1] = [tok]
        col += 1
for line in lines:
    sys.stdout.write(b"".join(line).decode("utf-8", "replace") + "\n")
sys.exit(status if status >= 0 else 128 - status)
