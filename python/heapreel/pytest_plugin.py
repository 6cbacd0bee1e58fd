"""pytest plugin: a heapreel mark at the start and the end of each test.

    heapreel record -m pytest -p heapreel.pytest_plugin tests/
    heapreel leaks pytest.heapreel --per-test

Each test's call (its function, not its fixtures' setup and teardown, which
may keep things for later tests on purpose) runs between the marks
``test:<nodeid>:start`` and ``test:<nodeid>:end``; ``leaks --per-test``
names the tests whose objects outlive them. Under a plain python3.11 the
marks are no-ops and the plugin costs two calls per test.
"""
import pytest

import heapreel


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    heapreel.mark("test:" + item.nodeid + ":start")
    try:
        yield
    finally:
        heapreel.mark("test:" + item.nodeid + ":end")
