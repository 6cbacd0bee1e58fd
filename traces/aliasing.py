# Two names, one list: changing the list through one name shows through the other.
a = [1, 2, 3]
b = a
b.append(4)
print(a)          # [1, 2, 3, 4]
c = list(a)       # a copy: a new list with the same items
c.append(5)
print(a, c)
print(a is b, a is c)
