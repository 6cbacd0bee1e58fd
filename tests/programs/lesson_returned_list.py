# A function's list outlives the call when it is returned and bound.
def make_squares(n):
    result = []
    for i in range(n):
        result.append(i * i)
    return result

squares = make_squares(3)
print(squares)
