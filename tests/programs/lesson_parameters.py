# Parameters are names bound to the caller's objects: the list is shared.
def add_item(lst, item):
    lst.append(item)
    return len(lst)

items = [1, 2, 3]
add_item(items, 4)
print(items)
