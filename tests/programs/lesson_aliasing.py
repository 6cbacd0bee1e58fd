# Aliasing: two names, one list; a change through one is seen through the other.
a = [1, 2, 3]
b = a
b.append(4)
c = [1, 2, 3, 4]
print(a is b, a == c, a is c)
