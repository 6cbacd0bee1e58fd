# bench_append.py — a million-iteration append loop.
a = []
for i in range(1000000):
    a.append(i)
print(len(a))
