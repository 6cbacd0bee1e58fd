# pytest_leaky.py — three tests, one of which leaves objects in a module
# cache (python_pkg.sh runs it as test_leaky.py under pytest).
_CACHE = []


class Payload:
    def __init__(self, n):
        self.data = list(range(1000, 1000 + n))


def test_clean_one():
    x = [Payload(10) for _ in range(5)]
    assert len(x) == 5


def test_leaky():
    _CACHE.append(Payload(50))
    assert _CACHE


def test_clean_two():
    d = {i: str(i) for i in range(20)}
    assert len(d) == 20
