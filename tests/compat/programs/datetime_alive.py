# A datetime object still alive when the interpreter finalizes.
import datetime
x = datetime.date(2001, 1, 1)
print(x)
