# alloc_loop.py N — allocates and frees in a loop: N rounds of a short-lived
# list of fresh ints, nothing kept, so an alloc trace grows with N.
import sys

n = int(sys.argv[1])
total = 0
for i in range(n):
    tmp = [i * 1000 + k for k in range(4)]   # LOOP_SITE
    total += len(tmp)
print(total)
