# Parameters are names bound to the caller's objects, not copies of them.
def grow(items, n):
    items.append(n)
    n = n + 1
    return n

numbers = [10, 20]
count = 30
result = grow(numbers, count)
print(numbers, count, result)
