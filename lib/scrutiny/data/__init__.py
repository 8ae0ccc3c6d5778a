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

from scrutiny.data.crimes import load_crimes
from scrutiny.data.extract import SCHEMA as EXTRACT_SCHEMA
from scrutiny.data.extract import load_extract, read_extract, validate_extract
from scrutiny.data.geography import ForceGeography, force_geography, force_key
from scrutiny.data.home_office import load_offence_map, load_recorded_crime
from scrutiny.data.ons import load_census_population, load_la_population, population
from scrutiny.data.police_uk import read_outcomes, read_stop_and_search, read_street
from scrutiny.data.profiles import force_profiles, home_office_force_counts
from scrutiny.data.quality import DataQuality
from scrutiny.data.sources import DataSources
from scrutiny.data.store import connect

__all__ = [
    "EXTRACT_SCHEMA",
    "DataQuality",
    "DataSources",
    "ForceGeography",
    "connect",
    "force_geography",
    "force_key",
    "force_profiles",
    "home_office_force_counts",
    "load_census_population",
    "load_crimes",
    "load_extract",
    "load_la_population",
    "load_offence_map",
    "load_recorded_crime",
    "population",
    "read_extract",
    "read_outcomes",
    "read_stop_and_search",
    "read_street",
    "validate_extract",
]
