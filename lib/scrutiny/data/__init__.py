"""The data layer: validated loaders, the embedded store, the force extract, data quality.

What briefings call (documented in ``docs/data.md``):

* :class:`DataSources`: the force and the raw files (defaults: Leicestershire Police and
  the files committed in ``data/raw``); notebooks build it from their parameters.
* :func:`load_crimes`: police.uk street-level crime for the force, placed in its districts,
  with a :class:`DataQuality` record.
* :func:`load_extract`: the record-level force extract (the real one if
  ``DataSources.extract`` is set, else a synthetic one generated from the police.uk rows).
* :func:`population`: population of a force or district for an age range and year.
* :func:`force_profiles`, :func:`home_office_force_counts`: peer and national comparison
  (Home Office recorded crime, 2017/18 only).
* :func:`connect`: DuckDB over the cached tables, for SQL.

The loaders behind them (:mod:`~scrutiny.data.police_uk`, :mod:`~scrutiny.data.home_office`,
:mod:`~scrutiny.data.ons`, :mod:`~scrutiny.data.geography`) can be used directly.
"""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use (PEP 562), so importing one light module of the package (the runner
# lists police.uk file names before any kernel starts) does not import pandas.
_WHERE = {
    "load_crimes": "crimes",
    "EXTRACT_SCHEMA": "extract",
    "load_extract": "extract",
    "read_extract": "extract",
    "validate_extract": "extract",
    "ForceGeography": "geography",
    "force_geography": "geography",
    "force_key": "geography",
    "load_offence_map": "home_office",
    "load_recorded_crime": "home_office",
    "load_census_population": "ons",
    "load_la_population": "ons",
    "population": "ons",
    "read_outcomes": "police_uk",
    "read_stop_and_search": "police_uk",
    "read_street": "police_uk",
    "force_profiles": "profiles",
    "home_office_force_counts": "profiles",
    "DataQuality": "quality",
    "DataSources": "sources",
    "connect": "store",
}
_RENAMED = {"EXTRACT_SCHEMA": "SCHEMA"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_WHERE[name]}")
    value = getattr(module, _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = list(_WHERE)
