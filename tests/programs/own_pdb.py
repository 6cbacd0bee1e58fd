# own_pdb.py — pdb driven by stdin (tests/integration/record_own_tracer.sh
# feeds s, n, n, p c, where, c): the session prints as under python3.11.
import pdb

def add(a, b):
    c = a + b
    return c

x = 0
pdb.run('x = add(1, 2)\ny = x * 2', globals())
print("x =", x)
total = 0
for i in range(4):
    total += i  # after-pdb
print("total", total)
