# A chain of nodes, each pointing at the next: a diagram much wider than a
# browser window, for the page's fit-to-width limit.
class Node:
    def __init__(self, value, nxt=None):
        self.value = value
        self.next = nxt


head = None
for value in range(10):
    head = Node(value * 1000, head)
print(head.value)
