# A default argument is evaluated once: every call shares the same list.
def add_item(item, bucket=[]):
    bucket.append(item)
    return bucket

first = add_item("apple")
second = add_item("pear")
print(first, second, first is second)
