# entry_pytest_cases.py — a small pytest file (one pass, one fail) for `heapreel record -m pytest`.


def test_append():
    items = []
    for i in range(10):
        items.append(i * i)
    assert items[-1] == 81


def test_mapping():
    assert {"a": 1} == {"a": 2}
