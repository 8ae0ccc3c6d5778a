"""The force extract: synthetic generation, a real extract plugged in, and schema errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scrutiny import provenance
from scrutiny.data import DataSources, load_crimes, load_extract
from scrutiny.data.extract import COLUMNS, read_extract
from scrutiny.data.home_office import load_offence_map, load_recorded_crime
from scrutiny.data.ons import load_la_population, population
from scrutiny.data.synthetic import generate_extract
from scrutiny.errors import DataError


def test_synthetic_extract_keeps_the_real_rows(testshire: DataSources) -> None:
    ext, q = load_extract(testshire)
    crimes, _ = load_crimes(testshire)
    real = crimes[crimes["crime_type"] != "Anti-social behaviour"]
    assert len(ext) == len(real) == 10  # 12 rows less the 2 ASB incidents
    assert q.excluded().to_dict("records") == [
        {"reason": "anti-social behaviour incidents (not crimes)", "rows": 2}
    ]
    assert ext["synthetic"].all() and q.synthetic
    # Same month, place and police.uk category as the police.uk row it came from.
    pd.testing.assert_series_equal(
        ext["month"], real["month"].reset_index(drop=True), check_names=False
    )
    lsoa = ext["lsoa_code"].astype("string").fillna("").tolist()
    assert lsoa == real["lsoa_code"].astype("string").fillna("").tolist()
    assert ext["police_uk_category"].astype(str).tolist() == real["crime_type"].astype(str).tolist()
    assert ext["reference"].str.startswith("SYN-").all()
    # No suspect where police.uk says none was identified (a2 burglary, b4 shoplifting).
    none = real["last_outcome"].astype(str) == "Investigation complete; no suspect identified"
    assert ext.loc[none.to_numpy(), "suspect_id"].isna().all()
    ok = ext["outcome_date"].isna() | (ext["outcome_date"] >= ext["occurred_at"].dt.normalize())
    assert ok.all()


def test_synthetic_is_deterministic(testshire: DataSources) -> None:
    crimes, _ = load_crimes(testshire)
    args = (
        crimes,
        load_recorded_crime(testshire.path("home_office_force")),
        load_offence_map(testshire.path("offence_map")),
        load_la_population(testshire.path("la_population")),
    )
    a = generate_extract(*args, sources=testshire, seed=1)
    b = generate_extract(*args, sources=testshire, seed=1)
    c = generate_extract(*args, sources=testshire, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not a["occurred_at"].equals(c["occurred_at"])


def test_real_extract_plugs_in_unchanged(testshire: DataSources, tmp_path: Path) -> None:
    synth, _ = load_extract(testshire)
    path = tmp_path / "force-extract.csv"
    synth[COLUMNS].assign(synthetic=False).to_csv(path, index=False)
    real_sources = testshire.model_copy(update={"extract": str(path)})
    real, q = load_extract(real_sources)
    assert not real["synthetic"].any() and not q.synthetic
    cols = ["reference", "offence_code", "domestic_abuse", "victim_age", "month"]
    pd.testing.assert_frame_equal(
        real[cols], synth[cols], check_dtype=False, check_categorical=False
    )
    rec = {Path(r.path).name: r for r in provenance.recorded_inputs()}["force-extract.csv"]
    assert rec.synthetic is False
    parquet = tmp_path / "force-extract.parquet"
    synth[COLUMNS].to_parquet(parquet)
    assert len(read_extract(parquet, load_offence_map(testshire.path("offence_map")))) == 10


@pytest.fixture
def extract_csv(testshire: DataSources, tmp_path: Path) -> Path:
    synth, _ = load_extract(testshire)
    path = tmp_path / "extract.csv"
    synth[COLUMNS].assign(synthetic=False).to_csv(path, index=False)
    return path


def _break(path: Path, row: int, column: str, value: str) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(path, index=False)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("occurred_at", "yesterday", "not a date"),
        ("offence_code", "ZZ9", "unknown offence code"),
        ("offence_group", "Robbery", "as the Home Office offence map has it"),
        ("victim_sex", "female", "'female'"),
        ("victim_age", "-3", "'-3'"),
        ("domestic_abuse", "maybe", "'maybe'"),
        ("outcome", "Sorted", "'Sorted'"),
        ("outcome_date", "2000-01-01", "before the offence"),
        ("reference", "SYN-202201-000001", "repeats reference"),
        ("occurred_at", "", "is empty"),
    ],
)
def test_bad_extract_names_row_and_column(
    extract_csv: Path, testshire: DataSources, column: str, value: str, message: str
) -> None:
    # Data row index 2 is line 4 of the file (header is line 1). The first row has an
    # outcome date, so moving it to 2000 puts it before the offence.
    row = 0 if column == "outcome_date" else 2
    if column == "outcome_date":
        df = pd.read_csv(extract_csv, dtype=str, keep_default_na=False)
        row = int(np.flatnonzero(df["outcome_date"] != "")[0])
    _break(extract_csv, row, column, value)
    with pytest.raises(DataError, match=message) as e:
        load_extract(testshire.model_copy(update={"extract": str(extract_csv)}))
    assert e.value.column == column and e.value.row == row + 2
    assert e.value.file.endswith("extract.csv")


def test_extract_missing_column(extract_csv: Path, testshire: DataSources) -> None:
    df = pd.read_csv(extract_csv, dtype=str).drop(columns="public_place")
    df.to_csv(extract_csv, index=False)
    with pytest.raises(DataError) as e:
        load_extract(testshire.model_copy(update={"extract": str(extract_csv)}))
    assert e.value.column == "public_place" and e.value.row == 1


# -- the real Leicestershire synthetic extract against its published sources ---------------


@pytest.fixture(scope="module")
def leics(tmp_path_factory) -> pd.DataFrame:
    from scrutiny import config
    from scrutiny.data import store

    old = config.CACHE_DIR
    config.CACHE_DIR = tmp_path_factory.mktemp("leics-cache")
    try:
        ext, _ = load_extract(DataSources())
    finally:
        config.CACHE_DIR = old
        store.clear_memo()
    return ext


def test_leicestershire_extract_counts_equal_police_uk(leics: pd.DataFrame) -> None:
    crimes, _ = load_crimes(DataSources())
    real = crimes[crimes["crime_type"] != "Anti-social behaviour"]
    got = leics.groupby(["month", "police_uk_category"], observed=True).size()
    want = real.groupby(["month", "crime_type"], observed=True).size()
    assert got.to_dict() == want.to_dict()
    # Offence mix follows 2017/18: burglary codes 28E (5,948) and 30C (2,847) of 9,296
    # Leicestershire burglaries in the Home Office table -> 64% and 31%.
    burg = leics[leics["police_uk_category"] == "Burglary"]["offence_code"].value_counts(
        normalize=True
    )
    assert burg["28E"] == pytest.approx(5948 / 9296, abs=0.02)
    assert burg["30C"] == pytest.approx(2847 / 9296, abs=0.02)


def test_leicestershire_extract_matches_the_published_figures(leics: pd.DataFrame) -> None:
    sv = leics[leics["serious_violence"] & ~leics["domestic_abuse"]]
    # Strategic Needs Assessment (seed 004): 1 in 10 knife-enabled, 31% night-time
    # economy, 76% of offenders and 69% of victims male, repeat offenders 38% (52% u25).
    assert sv["knife_sharp_instrument"].mean() == pytest.approx(0.10, abs=0.01)
    assert sv["night_time_economy"].mean() == pytest.approx(0.31, abs=0.015)
    assert (sv["suspect_sex"] == "M").sum() / sv["suspect_sex"].notna().sum() == pytest.approx(
        0.76, abs=0.015
    )
    assert (sv["victim_sex"] == "M").sum() / sv["victim_sex"].notna().sum() == pytest.approx(
        0.69, abs=0.015
    )
    s = sv[sv["suspect_id"].notna()]
    repeat = s["suspect_id"].map(s["suspect_id"].value_counts()) > 1
    assert repeat.mean() == pytest.approx(0.38, abs=0.02)
    assert repeat[s["suspect_age"] < 25].mean() == pytest.approx(0.52, abs=0.03)
    # Under-25s offend at 1.6 times the rate of over-25s (offences per head, 2020
    # population; under-25 offending counted from age 10).
    u = (s["suspect_age"] < 25).sum() / population("Leicestershire Police", "10-24", 2020)
    o = (s["suspect_age"] >= 25).sum() / population("Leicestershire Police", "25+", 2020)
    assert u / o == pytest.approx(1.6, abs=0.1)
    # Peaks at 15:00-16:00 and 23:00-00:00.
    hours = sv["occurred_at"].dt.hour.value_counts().sort_index()
    assert hours[15] > hours[14] and hours[15] > hours[16]
    assert hours[23] > hours[22] and hours[23] > hours[0]
    assert hours.idxmax() == 23
    # ONS: 18% of recorded crime and 38% of violence against the person domestic abuse-related.
    assert leics["domestic_abuse"].mean() == pytest.approx(0.18, abs=0.01)
    vap = leics[leics["offence_group"] == "Violence against the person"]
    assert vap["domestic_abuse"].mean() == pytest.approx(0.38, abs=0.01)
    # ONS: 74.1% of domestic abuse-related crime victims are female.
    da = leics[leics["domestic_abuse"] & leics["victim_sex"].notna()]
    assert (da["victim_sex"] == "F").mean() == pytest.approx(0.741, abs=0.015)
