# A run of about a thousand steps for the stepping page: a list and a dict
# that grow, a helper called in a loop, and a line printed each round.
def record(log, key, value):
    log.append((key, value))
    return len(log)

log = []
squares = {}
for i in range(24):
    square = i * i
    squares[str(i)] = square
    n = record(log, i, square)
    print("round", i, "square", square, "log", n)
