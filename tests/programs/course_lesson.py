# A lesson on names and objects, about 45 lines, as a course would step
# through it: aliasing, a call that appends, del of two names, a returned
# list, a nested list and a dict of lists.
def add_item(lst, item):
    lst.append(item)
    return len(lst)


def make_list(n):
    result = []
    for i in range(n):
        result.append(i * 10)
    return result


a = [1, 2, 3]
b = a
n = add_item(b, 4)
c = list(a)
c.append(5)
del a, b
squares = make_list(3)
grid = [[0] * 2 for _ in range(2)]
grid[0][1] = 7
table = {"x": squares, "y": c}
table["z"] = grid[1]
name = "lesson"
count = len(table)
total = 0
for row in grid:
    total += sum(row)
del row
words = name.upper()
pair = (squares, words)
squares = None
first = pair[0]
first.append(99)
last = first[-1]
info = {"total": total, "last": last}
keys = sorted(info)
print(total, last, keys)
