"""ONS population: the 2011 Census LSOA table and local-authority population by age band.

:func:`population` answers "how many people aged A to B lived in area X in year Y" by
summing five-year bands of the ONS 2018-based projections for the local authorities that
make up the area (a force is the sum of its unitary authorities and districts, never the
county total as well). Where the projections do not cover an area (forces outside
Leicester, Leicestershire and Rutland and Lancashire in the committed file) the 2011
Census gives all-ages population; asking for an age range there is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from scrutiny import provenance
from scrutiny.data.csvio import first_false, line_of, parse_float, parse_int, read_csv
from scrutiny.data.geography import force_key, load_lsoa_lookup
from scrutiny.data.quality import DataQuality
from scrutiny.data.rawfiles import RawFile
from scrutiny.data.sources import DataSources
from scrutiny.errors import DataError

CENSUS_HEADER = [
    "Region code",
    "Region name",
    "Local authority code",
    "Local authority name",
    "MSOA Code",
    "MSOA Name",
    "LSOA Code",
    "LSOA Name",
    "",
    "Persons",
    "Persons",
    "Persons",
    "Hectares",
    "Persons per hectare",
    "Households",
    "Persons per household",
]
CENSUS_NAMES = [
    "region_code",
    "region_name",
    "la_code",
    "la_name",
    "msoa_code",
    "msoa_name",
    "lsoa_code",
    "lsoa_name",
    "blank",
    "population",
    "population_households",
    "population_communal",
    "area_hectares",
    "density",
    "households",
    "persons_per_household",
]
LA_COLUMNS = ["area_code", "area_name", "age_group", "year", "population"]
AGE_BAND = re.compile(r"^(\d+)-(\d+)$|^(\d+)\+$")


@lru_cache(maxsize=2)
def _census(path: Path, sha: str) -> pd.DataFrame:
    raw = RawFile(path)
    t = read_csv(raw, CENSUS_NAMES, header_check=CENSUS_HEADER)
    out = pd.DataFrame(
        {
            "lsoa_code": t.column("lsoa_code").to_pandas(),
            "lsoa_name": t.column("lsoa_name").to_pandas(),
            "la_code": t.column("la_code").to_pandas(),
            "la_name": t.column("la_name").to_pandas(),
        }
    )
    for name in ("population", "population_households", "population_communal", "households"):
        out[name] = parse_int(t, name, raw.label, thousands=True, allow_negative=False).to_numpy()
    out["area_hectares"] = parse_float(t, "area_hectares", raw.label, allow_null=False).to_numpy()
    out["density"] = parse_float(t, "density", raw.label).to_numpy()
    # Residents in households plus in communal establishments make all residents.
    parts = out["population_households"] + out["population_communal"]
    bad = np.flatnonzero(parts.to_numpy() != out["population"].to_numpy())
    if bad.size:
        i = int(bad[0])
        raise DataError(
            raw.label,
            f"LSOA {out['lsoa_code'].iat[i]}: residents in households plus communal "
            f"({parts.iat[i]:,}) differ from all residents ({out['population'].iat[i]:,})",
            expected="the three 'Persons' columns: all = households + communal",
            row=line_of(i),
            column="Persons",
        )
    return out


def load_census_population(path: str | Path) -> pd.DataFrame:
    """Read the 2011 Census usual residents per LSOA (England and Wales).

    The header repeats ``Persons`` three times (all usual residents, in households, in
    communal establishments) and numbers carry thousands separators.

    Returns
    -------
    DataFrame
        ``lsoa_code, lsoa_name, la_code, la_name, population, population_households,
        population_communal, households, area_hectares, density`` (int / float).

    Raises
    ------
    DataError
        A header that is not the expected table, a number that does not parse, a
        negative count, or parts that do not add up to the total.
    """
    p = Path(path)
    rec = provenance.record_input(
        p, period="2011 Census (27 March 2011)", description="ONS 2011 Census LSOA population"
    )
    return _census(p.resolve(), rec.sha256).copy()


@lru_cache(maxsize=2)
def _la_population(path: Path, sha: str) -> pd.DataFrame:
    raw = RawFile(path)
    t = read_csv(raw, LA_COLUMNS)
    pop = parse_int(t, "population", raw.label, thousands=True, allow_negative=False)
    year = parse_int(t, "year", raw.label)
    age = pc.utf8_trim_whitespace(t.column("age_group"))
    ok = pc.or_(pc.match_substring_regex(age, AGE_BAND.pattern), pc.equal(age, "All ages"))
    bad = first_false(ok)
    if bad is not None:
        raise DataError(
            raw.label,
            f"has age group {t.column('age_group')[bad].as_py()!r}",
            expected="five-year bands like 0-4, 85-89, 90+, or 'All ages'",
            row=line_of(bad),
            column="age_group",
        )
    df = pd.DataFrame(
        {
            "area_code": t.column("area_code").to_pandas(),
            "area_name": t.column("area_name").to_pandas(),
            "age_group": age.to_pandas(),
            "year": year.to_numpy(),
            "population": pop.to_numpy(),
        }
    )
    dup = df.duplicated(["area_code", "age_group", "year"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            raw.label,
            f"repeats {df['area_name'].iat[i]}, age {df['age_group'].iat[i]}, {df['year'].iat[i]}",
            expected="one row per area, age group and year",
            row=line_of(i),
        )
    bands = df["age_group"].str.extract(AGE_BAND)
    df["age_from"] = pd.to_numeric(bands[0].fillna(bands[2])).astype("Int64")
    df["age_to"] = pd.to_numeric(bands[1]).astype("Int64")
    return df


def load_la_population(path: str | Path) -> pd.DataFrame:
    """Read ONS population by local authority, five-year age band and year.

    Returns
    -------
    DataFrame
        ``area_code, area_name, age_group, year, population, age_from, age_to``; one row
        per area, band and year. ``age_to`` is NA for the open band (``90+``) and for
        ``All ages`` (whose ``age_from`` is also NA).

    Raises
    ------
    DataError
        Missing columns, an unknown age group, a non-numeric or negative population, a
        repeated row.
    """
    p = Path(path)
    rec = provenance.record_input(
        p, period="mid-years 2018-2025", description="ONS 2018-based population projections"
    )
    return _la_population(p.resolve(), rec.sha256).copy()


@dataclass(frozen=True)
class AgeRange:
    """Ages ``lo`` to ``hi`` inclusive (``hi`` None: no upper limit)."""

    lo: int = 0
    hi: int | None = None

    @property
    def label(self) -> str:
        """E.g. ``"all ages"``, ``"0-24"``, ``"25+"``."""
        if self.lo == 0 and self.hi is None:
            return "all ages"
        return f"{self.lo}+" if self.hi is None else f"{self.lo}-{self.hi}"


def parse_ages(ages: str | AgeRange | None) -> AgeRange:
    """Parse an age range: ``"all"``, ``"0-24"``, ``"under 25"``, ``"25+"``, ``"15-19"``.

    Raises
    ------
    ValueError
        For text that is none of these.
    """
    if ages is None or isinstance(ages, AgeRange):
        return ages or AgeRange()
    s = str(ages).strip().lower().replace("–", "-")
    if s in {"all", "all ages", ""}:
        return AgeRange()
    if m := re.fullmatch(r"under[ -]?(\d+)s?", s):
        return AgeRange(0, int(m.group(1)) - 1)
    if m := re.fullmatch(r"(\d+)\s*(\+|and over|plus)", s):
        return AgeRange(int(m.group(1)), None)
    if m := re.fullmatch(r"(\d+)\s*-\s*(\d+)", s):
        lo, hi = int(m.group(1)), int(m.group(2))
        if hi < lo:
            raise ValueError(f"age range {ages!r} ends before it starts")
        return AgeRange(lo, hi)
    raise ValueError(f"age range {ages!r} not understood (expected e.g. 'all', '0-24', '25+')")


def sum_bands(bands: pd.DataFrame, ages: AgeRange) -> pd.DataFrame:
    """Sum five-year bands (``age_from``, ``age_to``) over ``ages``, per area and year.

    Raises
    ------
    ValueError
        When ``ages`` does not start and end on band boundaries (e.g. ``"0-17"``).
    """
    b = bands[bands["age_from"].notna()]
    starts = set(b["age_from"].astype(int))
    ends = {int(x) for x in b["age_to"].dropna()}
    if ages.lo not in starts or (ages.hi is not None and ages.hi not in ends):
        raise ValueError(
            f"ages {ages.label} do not match the five-year bands "
            f"(starts {sorted(starts)}, ends {sorted(ends)})"
        )
    sel = b["age_from"] >= ages.lo
    if ages.hi is not None:
        sel &= b["age_to"].notna() & (b["age_to"] <= ages.hi)
    return b[sel].groupby(["area_code", "year"], as_index=False)["population"].sum()


def area_la_codes(area: str, sources: DataSources) -> tuple[str, list[str]]:
    """Resolve ``area`` to a name and the local authority codes it covers.

    ``area`` may be a local authority code, a force (any spelling of a force in the LSOA
    lookup), or a district (local authority) name. A force is tried before a district, so
    ``"Leicestershire"`` means the force area (Leicester, Leicestershire and Rutland); the
    county alone is its code, ``E10000018``.

    Raises
    ------
    ValueError
        When the area is none of these.
    """
    lookup = load_lsoa_lookup(sources.path("lsoa_lookup"))
    s = area.strip()
    las = lookup.drop_duplicates("la_code")
    if s in set(las["la_code"]):
        return str(las.loc[las["la_code"] == s, "district"].iloc[0]), [s]
    names = lookup["force"].dropna().unique()
    keys = lookup["force"].map({n: force_key(n) for n in names})
    hit = lookup[keys == force_key(s)] if force_key(s) else lookup.iloc[0:0]
    if not hit.empty:
        return str(hit["force"].iloc[0]), sorted(hit["la_code"].unique())
    norm = s.lower().removesuffix(" ua")
    hit = las[las["district"].str.lower() == norm]
    if not hit.empty:
        return str(hit["district"].iloc[0]), [str(hit["la_code"].iloc[0])]
    # Areas only the population table knows: counties, England.
    pop = load_la_population(sources.path("la_population")).drop_duplicates("area_code")
    hit = pop[(pop["area_code"] == s) | (pop["area_name"].str.lower() == norm)]
    if not hit.empty:
        return str(hit["area_name"].iloc[0]), [str(hit["area_code"].iloc[0])]
    raise ValueError(
        f"area {area!r} is not a police force, a local authority name or a local authority code"
    )


def population(
    area: str,
    ages: str | AgeRange | None = "all",
    year: int = 2021,
    *,
    sources: DataSources | None = None,
    quality: DataQuality | None = None,
) -> int:
    """Population of ``area`` aged ``ages`` in mid-``year``.

    Parameters
    ----------
    area
        A force (``"Leicestershire Police"``), a district (``"Charnwood"``) or a local
        authority code (``"E10000018"`` for Leicestershire county).
    ages
        ``"all"``, ``"0-24"``, ``"under 25"``, ``"25+"`` ...; must fall on five-year bands.
    year
        Mid-year. Years outside the projections (2018-2025) use the nearest year, noted in
        ``quality``.
    sources
        Which files (default: the committed ones).
    quality
        Optional record for notes (nearest year used, 2011 Census fallback).

    Raises
    ------
    ValueError
        An unknown area, or ages that do not fall on band boundaries.
    DataError
        Age-specific population asked for an area the projections do not cover.
    """
    return int(population_by_year(area, ages, [year], sources=sources, quality=quality).iloc[0])


def population_by_year(
    area: str,
    ages: str | AgeRange | None,
    years: list[int],
    *,
    sources: DataSources | None = None,
    quality: DataQuality | None = None,
) -> pd.Series:
    """Population of ``area`` for each of ``years`` (a Series indexed by year)."""
    sources = sources or DataSources()
    name, codes = area_la_codes(area, sources)
    return population_for_codes(codes, ages, years, name=name, sources=sources, quality=quality)


def population_for_codes(
    codes: list[str],
    ages: str | AgeRange | None,
    years: list[int],
    *,
    name: str,
    sources: DataSources,
    quality: DataQuality | None = None,
) -> pd.Series:
    """Population of the local authorities ``codes`` together, per year (see :func:`population`)."""
    rng = parse_ages(ages)
    la = load_la_population(sources.path("la_population"))
    have = la[la["area_code"].isin(codes)]
    if set(have["area_code"]) == set(codes):
        by = sum_bands(have, rng).groupby("year")["population"].sum()
        lo, hi = int(by.index.min()), int(by.index.max())
        out = {}
        for y in years:
            use = min(max(int(y), lo), hi)
            if use != y and quality is not None:
                quality.warn(
                    "population year outside the projections",
                    1,
                    f"{name} {y}: used {use} (projections cover {lo}-{hi})",
                    severity="note",
                )
            out[int(y)] = int(by.loc[use])
        return pd.Series(out, name="population", dtype="int64")
    if rng != AgeRange():
        missing = sorted(set(codes) - set(have["area_code"]))
        raise DataError(
            sources.la_population,
            f"has no rows for {name} ({', '.join(missing)}), so population aged "
            f"{rng.label} cannot be given",
            expected="ONS population by age band for every local authority in the area",
            column="area_code",
        )
    census = load_census_population(sources.path("census_population"))
    total = int(census.loc[census["la_code"].isin(codes), "population"].sum())
    if quality is not None:
        quality.warn(
            "population from the 2011 Census",
            1,
            f"{name}: no projections in {sources.la_population}; 2011 Census used for all years",
            severity="note",
        )
    return pd.Series({int(y): total for y in years}, name="population", dtype="int64")
