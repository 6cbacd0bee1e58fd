# A 5,000-deep recursion under a raised recursion limit, and a traceback that deep.
import sys

sys.setrecursionlimit(20000)

def down(n):
    return 0 if n == 0 else 1 + down(n - 1)

print(down(5000))

def boom(n):
    if n == 0:
        raise ValueError("bottom")
    boom(n - 1)

try:
    boom(5000)
except ValueError as e:
    tb, depth = e.__traceback__, 0
    while tb:
        depth, tb = depth + 1, tb.tb_next
    print(depth)
