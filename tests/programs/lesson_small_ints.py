# Small ints (-5..256) are cached and shared; 1000 is a new object each time.
a = 7
b = 7
c = int("1000")
d = int("1000")
print(a is b, c is d, c == d)
