"""Shared fixtures for the data-layer tests: the hand-made Testshire files and a private cache.

tests/data is a package (``__init__.py``) so that this conftest is imported as
``data.conftest`` and never shadows the top-level ``tests/conftest.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scrutiny import config
from scrutiny.data import store
from scrutiny.data.sources import DataSources

FIXTURES = Path(__file__).parent / "fixtures"
OFFENCE_MAP = config.RAW_DIR / "home-office" / "offence-code-to-policeuk-category.csv"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own empty cache, so no test depends on another's build."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setattr(config, "CACHE_DIR", cache)
    store.clear_memo()
    yield cache
    store.clear_memo()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def street_dir(tmp_path: Path) -> Path:
    """A writable copy of the three Testshire monthly street files."""
    dst = tmp_path / "street"
    shutil.copytree(FIXTURES / "police-uk" / "testshire", dst)
    return dst


@pytest.fixture
def testshire(street_dir: Path) -> DataSources:
    """DataSources for the hand-made Testshire force."""
    return DataSources(
        force="Testshire Police",
        street_crime=str(street_dir),
        home_office_force=str(FIXTURES / "home-office" / "prc.csv"),
        offence_map=str(OFFENCE_MAP),
        lsoa_lookup=str(FIXTURES / "ons" / "lsoa-lookup.csv"),
        census_population=str(FIXTURES / "ons" / "census.csv"),
        la_population=str(FIXTURES / "ons" / "la-population.csv"),
        police_grant=str(FIXTURES / "home-office" / "grant.csv"),
        officer_fte=str(FIXTURES / "home-office" / "officers.csv"),
    )
