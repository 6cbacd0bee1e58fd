# flame_peak.py — objects made under three different stacks and all held at
# the peak: a table of strings, trees of Nodes two calls deep, and a list.
class Node:
    def __init__(self, v):
        self.v = v
        self.items = [v] * 8


def leaves(n):
    return [Node(1000 + i) for i in range(n)]


def build_trees():
    return [leaves(10) for _ in range(10)]


def build_tables():
    return {i: str(i) * 20 for i in range(200)}


def main():
    tables = build_tables()
    trees = build_trees()
    flat = list(range(5000, 5300))
    return len(tables) + len(trees) + len(flat)


KEEP = main()
print(KEEP)
