# entry_chdir.py — moves to another directory while recorded, then makes enough to give the trace a real size.
import os
import sys

os.chdir(sys.argv[1])
kept = [str(i) * 10 for i in range(20000)]
print(len(kept))
