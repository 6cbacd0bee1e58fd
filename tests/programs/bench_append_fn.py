# bench_append_fn.py — the million-iteration append loop of bench_append.py,
# inside a function (fast locals instead of module globals).
def main():
    a = []
    for i in range(1000000):
        a.append(i)
    print(len(a))


main()
