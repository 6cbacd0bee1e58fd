# bench_churn.py — allocates 2 GB in total with a peak near 200 MB: ten rounds
# of 2,000 blocks of 100 kB held together, then dropped, with a churn of
# small objects alongside.
total = 0
for rnd in range(10):
    blocks = [bytes(100_000) for _ in range(2000)]      # 200 MB live
    small = [str(i) for i in range(100_000)]
    total += len(blocks) * len(blocks[0]) + len(small)
    del blocks, small
print(total)
