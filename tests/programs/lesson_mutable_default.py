# A default value is made once, when def runs: every call shares the list.
def remember(x, seen=[]):
    seen.append(x)
    return seen

remember(1)
remember(2)
print(remember.__defaults__)
