# A 1,000,000-deep nested list freed at once (CPython's trashcan keeps the C stack flat).
x = None
for _ in range(1_000_000):
    x = [x]
del x
print("freed")
