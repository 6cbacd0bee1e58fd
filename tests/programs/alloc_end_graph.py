# alloc_end_graph.py — what the end-of-run graph of an alloc trace says at
# the mark "end": a class with many instances, a function, an imported
# module. Prints CPython's refcounts (sys.getrefcount less its argument).
import sys
import json


class Request:
    def __init__(self, n):
        self.n = n


def handle(n):
    return Request(n)


requests = [handle(i) for i in range(400)]
print("refcount Request", sys.getrefcount(Request) - 1)
print("refcount handle", sys.getrefcount(handle) - 1)
print("refcount requests", sys.getrefcount(requests) - 1)
print("refcount json", sys.getrefcount(json) - 1)
