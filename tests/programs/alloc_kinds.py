# Objects of many kinds, kept: classes of pre-existing metaclasses
# (fractions.Fraction is an ABCMeta's), slices (a one-slice cache), strs of
# every width, bytes, sets, iterators, generators, big and negative ints.
# No constant of the code is kept (a full trace would count it at the line
# that first uses it, an alloc trace as the compiler's).
import sys
import decimal, fractions, collections, array, re, datetime
keep = []
for i in range(300):
    keep.append(decimal.Decimal(i) / 7)
    keep.append(fractions.Fraction(i, 7))
    keep.append(complex(i, 1))
    keep.append(bytes([7]) * (i % 5))
    keep.append(bytearray(i % 3))
    keep.append(frozenset({i, i + 1}))
    keep.append({i})
    keep.append(range(i))
    keep.append(slice(i))
    keep.append(memoryview(b"xy"))
    keep.append(array.array("i", [i]))
    keep.append(collections.deque([i]))
    keep.append(collections.OrderedDict(a=i))
    keep.append(re.compile("a").match("a"))
    keep.append(datetime.date(2000, 1, 1 + i % 28))
    keep.append("é" * (i % 4 + 1))
    keep.append("中" * (i % 3 + 2))
    keep.append(chr(0x1F600) * 2)
    keep.append(i.to_bytes(2, sys.byteorder))
    keep.append(iter([i]))
    keep.append(lambda: i)
    keep.append((lambda: (yield))())
    keep.append(object())
    keep.append(2 ** 100 + i)
    keep.append(-i - 1000)
    keep.append(True if i % 2 else None)
    keep.append(str(i).encode())
print(len(keep))
