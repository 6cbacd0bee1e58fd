# deep_recursion.py — a 5,000-deep recursion under a raised recursion limit,
# and a traceback 1,000 frames deep: recorded as deep as python3.11 runs them.
import sys
sys.setrecursionlimit(10000)


def down(n):
    if n == 0:
        return 0
    return down(n - 1) + 1


print(down(5000))


def fall(n):
    if n == 0:
        raise ValueError("deep")
    fall(n - 1)


try:
    fall(1000)
except ValueError as e:
    import traceback
    print(len(traceback.extract_tb(e.__traceback__)))
print("done")  # after-deep
