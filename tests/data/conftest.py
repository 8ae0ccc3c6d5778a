"""The data-layer tests' private cache (the hand-made Testshire fixtures are in tests/conftest.py).

tests/data is a package (``__init__.py``) so that this conftest is imported as
``data.conftest`` and never shadows the top-level ``tests/conftest.py``.
"""

from __future__ import annotations

import pytest

from scrutiny import config
from scrutiny.data import store


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own empty cache, so no test depends on another's build."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setattr(config, "CACHE_DIR", cache)
    store.clear_memo()
    yield cache
    store.clear_memo()
