"""Root of the test run: `make test` runs tests/ and the notebooks in one pytest session, in parallel.

The notebooks share the kit's home folder (``var/``, the embedded default a student uses), so they run
one after another on one xdist worker (the group ``notebooks``); the tests, each in a private home, are
spread over the others.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group("notebooks"))
