# A small test file for `python3.11 -m pytest`: fixtures, parametrize, a raises check, a class.
import pytest


@pytest.fixture
def data():
    return {"a": [1, 2, 3], "b": "text"}


@pytest.mark.parametrize("n,expected", [(0, 1), (1, 1), (5, 120), (10, 3628800)])
def test_factorial(n, expected):
    import math
    assert math.factorial(n) == expected


def test_fixture(data):
    assert sum(data["a"]) == 6 and data["b"].upper() == "TEXT"


def test_raises():
    with pytest.raises(ZeroDivisionError):
        1 / 0


def test_tmp_path(tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("hello")
    assert p.read_text() == "hello"


class TestClass:
    def test_dict(self):
        assert dict(zip("abc", range(3))) == {"a": 0, "b": 1, "c": 2}

    @pytest.mark.skip(reason="shows a skip")
    def test_skipped(self):
        raise AssertionError
