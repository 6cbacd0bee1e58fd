# run_mark.py — calls heapreel.mark, and checks that it refuses what is not a str.
import heapreel

heapreel.mark("first")
x = [1, 2, 3]
heapreel.mark(label="second")
for bad in (3, b"bytes", None):
    try:
        heapreel.mark(bad)
    except TypeError:
        print("typeerror", type(bad).__name__)
try:
    heapreel.mark("a\0b")
except ValueError:
    print("valueerror")
print(heapreel.mark("third"))
