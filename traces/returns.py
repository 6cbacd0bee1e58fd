# A function's locals die when it returns, except the object it returns.
def make_pair(x):
    scratch = [x, x]
    pair = (x, x * 2)
    return pair

p = make_pair(7)
q = make_pair(8)
print(p, q)
