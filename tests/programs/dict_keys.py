# dict_keys.py — dicts keyed by a tuple and by strings, and a cycle through
# a dict value, for slot labels that read their keys: value[(3, 512)],
# value['k512'], value['owner'].
_CACHE = {}


def load(n):
    _CACHE[(3, n)] = [n] * 4  # TUPLE_KEY
    _CACHE["k%d" % n] = [n]  # STR_KEY


class Box:
    pass


load(512)
box = Box()
box.d = {}
box.d["owner"] = box  # CYCLE_KEY
del _CACHE["k512"]  # UNBIND_KEY
print(len(_CACHE))
