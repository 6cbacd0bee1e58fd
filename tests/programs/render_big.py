# render_big.py — a heap too big to draw whole: a long list and a long chain.
class Node:
    def __init__(self, nxt):
        self.next = nxt

items = list(range(100000))
head = None
for i in range(3000):
    head = Node(head)
print(len(items))
