# A class made at run time dies in the same collection as a chain of its
# instances more than fifty deallocations deep: the recorder's deferral of
# deep deallocations must keep the class alive until its instances are gone.
import gc

def make():
    class Link(list):
        pass
    head = []
    links = [Link() for _ in range(120)]
    head.append(((links[0],),))
    for i in range(119):
        links[i].append((links[i + 1],))
    links[-1].append((head,))           # a cycle: only the collector frees it

for _ in range(5):
    make()
print(gc.collect() > 0)
