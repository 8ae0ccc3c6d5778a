"""The committed real data, loaded by scrutiny, against counts made independently with csv."""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter

import pytest

from scrutiny import config
from scrutiny.data import DataSources, force_geography, load_crimes, load_recorded_crime
from scrutiny.data.ons import load_census_population, population

RAW = config.RAW_DIR


@pytest.fixture(scope="module")
def independent_counts() -> tuple[Counter, Counter, int]:
    """Rows per (month, crime type) and per LSOA-present flag, read with the csv module."""
    per_month_type: Counter = Counter()
    located: Counter = Counter()
    files = sorted((RAW / "police-uk" / "leicestershire").glob("*-street.csv.gz"))
    for f in files:
        with gzip.open(f, "rt", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                per_month_type[(row["Month"], row["Crime type"])] += 1
                located[bool(row["LSOA code"])] += 1
    return per_month_type, located, len(files)


def test_rows_per_month_and_crime_type_match_the_csv_files(independent_counts) -> None:
    per_month_type, located, n_files = independent_counts
    df, q = load_crimes(DataSources(), data_to="2022-10")
    assert n_files == 35
    got = df.groupby([df["month"].dt.strftime("%Y-%m"), "crime_type"], observed=True).size()
    assert {k: int(v) for k, v in got.items()} == dict(per_month_type)
    # Published figure in data/README.md: 301,838 rows, 7,463 without a location.
    assert len(df) == 301_838 == sum(per_month_type.values())
    assert int((~df["has_location"]).sum()) == located[False] == 7_463
    assert q.missing_months == [] and q.excluded().empty
    assert q.metrics["period"] == "2019-12 to 2022-10"


def test_leicestershire_geography() -> None:
    geo = force_geography(DataSources())
    # data/README.md: 611 LSOAs in Leicester, Leicestershire and Rutland; nine CSPs.
    assert len(geo.lsoas) == 611
    assert geo.district_names == [
        "Blaby",
        "Charnwood",
        "Harborough",
        "Hinckley and Bosworth",
        "Leicester",
        "Melton",
        "North West Leicestershire",
        "Oadby and Wigston",
        "Rutland",
    ]


def test_home_office_totals_match_the_csv_file() -> None:
    total: Counter = Counter()
    with gzip.open(RAW / "home-office" / "prc-pfa-2017-18.csv.gz", "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            total[row["Force Name"]] += int(row["Number of Offences"])
    df = load_recorded_crime(RAW / "home-office" / "prc-pfa-2017-18.csv.gz")
    got = df.groupby("force")["count"].sum().to_dict()
    assert got == dict(total)
    assert got["Leicestershire"] == 83_793


def test_census_and_population_against_published_totals() -> None:
    census = load_census_population(RAW / "ons" / "lsoa-2011-census-population.csv.gz")
    # ONS 2011 Census: 56,075,912 usual residents in England and Wales.
    assert census["population"].sum() == 56_075_912
    text = (RAW / "ons" / "la-population-projections-2018based.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    llr = {"E06000016", "E06000017", *(f"E07000{n}" for n in range(129, 136))}
    bands = [r for r in rows if r["area_code"] in llr and r["year"] == "2021"]
    all_ages = sum(int(r["population"]) for r in bands if r["age_group"] == "All ages")
    band_sum = sum(int(r["population"]) for r in bands if r["age_group"] != "All ages")
    # Population is the sum of the age bands; ONS rounds each cell, so the published
    # "All ages" rows differ from the band sum by a handful of people.
    assert population("Leicestershire Police", "all", 2021) == band_sum
    assert abs(band_sum - all_ages) < 20
    under25 = sum(
        int(r["population"])
        for r in rows
        if r["area_code"] in llr
        and r["year"] == "2021"
        and r["age_group"] in {"0-4", "5-9", "10-14", "15-19", "20-24"}
    )
    assert population("Leicestershire Police", "under 25", 2021) == under25
