# Objects whose sys.getsizeof is not their own block: a bytearray's buffer,
# a dict's keys table, a set's table, ints from fixed-size blocks. The
# program prints what sys.getsizeof says of each group it keeps.
import sys

bufs = []
for i in range(30):
    bufs.append(bytearray(1024))                      # BUFS
cache = {}
for i in range(200):
    cache[i] = None                                   # CACHE
tags = {f"t{i}" for i in range(300)}                  # TAGS
nums = [i for i in range(1000, 1100)]                 # NUMS
print(sum(map(sys.getsizeof, bufs)), sys.getsizeof(cache), sys.getsizeof(tags),
      sum(map(sys.getsizeof, nums)))
