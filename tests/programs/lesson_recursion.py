# Each call of a recursive function has its own frame and its own n.
def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)

print(fact(4))
