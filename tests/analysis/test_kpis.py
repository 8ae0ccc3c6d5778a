"""KPI registry and monthly series, on the hand-made Testshire data (tests/data/fixtures)."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from scrutiny import config
from scrutiny.analysis import kpis
from scrutiny.analysis.kpis import NATIONAL_MEASURES, Kpi, KpiCounts, kpi_series, load_registry
from scrutiny.data import DataSources, store
from scrutiny.data.quality import DataQuality
from scrutiny.errors import ParamsError

FIXTURES = Path(__file__).parents[1] / "data" / "fixtures"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setattr(config, "CACHE_DIR", tmp_path_factory.mktemp("cache"))
    store.clear_memo()
    yield
    store.clear_memo()


@pytest.fixture
def testshire(tmp_path: Path) -> DataSources:
    street = tmp_path / "street"
    shutil.copytree(FIXTURES / "police-uk" / "testshire", street)
    return DataSources(
        force="Testshire Police",
        street_crime=str(street),
        home_office_force=str(FIXTURES / "home-office" / "prc.csv"),
        lsoa_lookup=str(FIXTURES / "ons" / "lsoa-lookup.csv"),
        census_population=str(FIXTURES / "ons" / "census.csv"),
        la_population=str(FIXTURES / "ons" / "la-population.csv"),
    )


def kpi(**over) -> Kpi:
    base = {
        "id": "test",
        "name": "Test",
        "description": "test KPI",
        "definition": {"police_uk_categories": ["Violence and sexual offences"]},
        "direction": "decrease",
    }
    return Kpi.model_validate({**base, **over})


# -- registry -------------------------------------------------------------------------------


def test_registry_covers_the_plan_and_names_real_measures() -> None:
    reg = load_registry()
    assert len(reg) >= 12
    plan = yaml.safe_load((config.PARAMS_DIR / "plan.yaml").read_text())
    theme_ids = {t["id"] for t in plan["themes"]}
    plan_kpis = {k["kpi"] for t in plan["themes"] for k in t["kpis"]}
    assert plan_kpis <= set(reg)  # every KPI the plan grades exists
    for k in reg.values():
        assert k.plan_theme is None or k.plan_theme in theme_ids, k.id
        assert k.national_measure is None or k.national_measure in NATIONAL_MEASURES
    assert reg["rape"].uses_extract and not reg["burglary"].uses_extract
    assert reg["charged_share"].denominator.kind == "kpi"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "kpis[0].colour: unknown key"),
        ({"direction": "up"}, "kpis[0].direction"),
        ({"definition": {"offence_codes": ["ZZZ"]}}, "'ZZZ' is not a Home Office code"),
        ({"definition": {"police_uk_categories": ["Burglery"]}}, "Burglery"),
        (
            {"definition": {"police_uk_categories": ["Drugs"], "offence_codes": ["92A"]}},
            "either police_uk_categories",
        ),
        ({"denominator": {"kind": "kpi", "kpi": "nope"}}, "no KPI 'nope'"),
        ({"denominator": {"ages": "old"}}, "age range"),
    ],
)
def test_registry_errors_name_the_key(tmp_path: Path, change: dict, message: str) -> None:
    entry = {
        "id": "a",
        "name": "A",
        "description": "a",
        "definition": {"police_uk_categories": ["Drugs"]},
        "direction": "neutral",
        **change,
    }
    path = tmp_path / "kpis.yaml"
    path.write_text(yaml.safe_dump({"kpis": [entry]}))
    with pytest.raises(ParamsError, match=re.escape(message)) as e:
        load_registry(path)
    assert str(path) in str(e.value)


def test_registry_rejects_repeated_ids(tmp_path: Path) -> None:
    entry = {
        "id": "a",
        "name": "A",
        "description": "a",
        "definition": {"police_uk_categories": ["Drugs"]},
        "direction": "neutral",
    }
    path = tmp_path / "kpis.yaml"
    path.write_text(yaml.safe_dump({"kpis": [entry, entry]}))
    with pytest.raises(ParamsError, match=r"kpis\[1\].id: 'a' is used twice"):
        load_registry(path)


# -- series ---------------------------------------------------------------------------------

# Testshire population (tests/data/fixtures/ons/la-population.csv): 19 five-year bands;
# Northtown 1,100 per band in 2022, Southvale 500 per band.
FORCE_2022 = 19 * (1100 + 500)  # 30,400
SOUTHVALE_2022 = 19 * 500  # 9,500


def test_force_series_has_every_month_and_flags_the_missing_one(testshire: DataSources) -> None:
    q = DataQuality()
    s = kpi_series(kpi(), area="Testshire Police", sources=testshire, quality=q)
    # Violence and sexual offences: Jan a1; Feb b1, b2; (no March file); Apr d2.
    expected = pd.DataFrame(
        {
            "month": pd.to_datetime(["2022-01-01", "2022-02-01", "2022-03-01", "2022-04-01"]),
            "count": [1, 2, 0, 1],
            "population": [FORCE_2022] * 4,
        }
    )
    pd.testing.assert_frame_equal(s[["month", "count", "population"]], expected, check_dtype=False)
    assert s["missing"].tolist() == [False, False, True, False]
    assert s["rate_per_1000"].iloc[1] == pytest.approx(2 / 30_400 * 1000)
    assert s["rate"].tolist() == pytest.approx(s["rate_per_1000"].tolist())
    assert not s["synthetic"].any()
    assert q.missing_months == ["2022-03"]


def test_district_series_and_age_denominator(testshire: DataSources) -> None:
    s = kpi_series(kpi(), area="Southvale", sources=testshire, start="2022-01", end="2022-05")
    # Southvale violence: Feb b2, Apr d2; January is a real zero, March and May have no data.
    assert s["count"].tolist() == [0, 1, 0, 1, 0]
    assert s["missing"].tolist() == [False, False, True, False, True]
    assert (s["population"] == SOUTHVALE_2022).all()
    young = kpi(denominator={"kind": "population", "ages": "under 25", "per": 1000})
    y = kpi_series(young, area="Southvale", sources=testshire)
    # Under-25s: bands 0-4 .. 20-24 = 5 x 500 = 2,500; Feb 1 crime -> 0.4 per 1,000.
    assert y["population"].iloc[1] == y["denominator"].iloc[1] == 2_500
    assert y["rate"].iloc[1] == pytest.approx(1 / 2_500 * 1000)
    assert y["rate_per_1000"].iloc[1] == pytest.approx(0.4)


def test_share_kpi(testshire: DataSources) -> None:
    reg = load_registry()
    s = kpi_series("charged_share", area="Testshire Police", sources=testshire, registry=reg)
    # Crimes (not ASB): Jan a1-a4 = 4, one awaiting court (a4); Feb b1-b4 = 4, one court
    # result unavailable (b2); no March; Apr d1, d2 = 2, none charged.
    assert s["count"].tolist() == [1, 1, 0, 0]
    assert s["denominator"].tolist() == [4, 4, 0, 2]
    assert s["rate"].iloc[0] == pytest.approx(25.0) and s["rate"].iloc[1] == pytest.approx(25.0)
    assert math.isnan(s["rate"].iloc[2]) and s["rate"].iloc[3] == 0


def test_extract_kpi_is_marked_synthetic_and_counts_real_rows(testshire: DataSources) -> None:
    reg = load_registry()
    s = kpi_series("domestic_abuse", area="Testshire Police", sources=testshire, registry=reg)
    assert s["synthetic"].all()
    every = kpi(definition={"extract_filter": {}})  # no condition: every crime in the extract
    all_rows = kpi_series(every, area="Testshire Police", sources=testshire)
    # Crimes per month in the fixture (ASB excluded): 4, 4, (none), 2.
    assert all_rows["count"].tolist() == [4, 4, 0, 2]
    assert (s["count"] <= all_rows["count"]).all()


def test_unknown_area(testshire: DataSources) -> None:
    with pytest.raises(ValueError, match=r"nor one of its districts \(Northtown, Southvale\)"):
        kpi_series(kpi(), area="Borderland", sources=testshire)


def test_real_registry_runs_on_committed_data() -> None:
    reg = load_registry()
    s = kpi_series("burglary", area="Leicestershire Police", registry=reg)
    assert len(s) == 35 and not s["missing"].any()
    assert s["month"].iloc[0] == pd.Timestamp("2019-12-01")
    # data/README.md: 13,708 burglaries in the 35 months.
    assert s["count"].sum() == 13_708
    assert np.isfinite(s["rate_per_1000"]).all()


def test_shared_counts_count_a_hand_made_frame_by_area_and_month(testshire: DataSources) -> None:
    vso, burglary = "Violence and sexual offences", "Burglary"
    crimes = pd.DataFrame(
        {
            "month": pd.to_datetime(["2022-01-01"] * 3 + ["2022-02-01"] * 3 + ["2022-03-01"]),
            "crime_type": [vso, vso, burglary, vso, vso, vso, burglary],
            "last_outcome": ["Under investigation"] * 7,
            # The sixth row is outside the force's districts: the force counts it, no district.
            "district": [
                "Northtown",
                "Southvale",
                "Southvale",
                "Southvale",
                "Southvale",
                None,
                "Northtown",
            ],
        }
    )
    counts = KpiCounts(testshire, crimes=crimes)

    def series(area: str) -> pd.DataFrame:
        s = kpi_series(
            kpi(), area=area, start="2022-01", end="2022-04", sources=testshire, counts=counts
        )
        return s[["month", "count", "population", "missing"]]

    def expected(count: list[int], population: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "month": pd.date_range("2022-01-01", "2022-04-01", freq="MS"),
                "count": pd.Series(count, dtype="int64"),
                "population": pd.Series([population] * 4, dtype="int64"),
                # March has a row (a burglary), so its 0 violence is real; April has none.
                "missing": [False, False, False, True],
            }
        )

    # Violence by hand: Jan Northtown 1, Southvale 1; Feb Southvale 2 and 1 outside both.
    pd.testing.assert_frame_equal(series("Testshire Police"), expected([2, 3, 0, 0], FORCE_2022))
    pd.testing.assert_frame_equal(series("Southvale"), expected([1, 2, 0, 0], SOUTHVALE_2022))
    pd.testing.assert_frame_equal(
        series("Northtown"),
        expected([1, 0, 0, 0], 19 * 1100),  # Northtown 1,100 per band
    )
    # The last call asked for the same KPI again: counted once, by area and month.
    assert len(counts._grouped) == 2  # (violence, the force) and (violence, by district)


def test_shared_counts_load_each_table_once_and_change_no_series(
    testshire: DataSources, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = load_registry()
    areas = ["Testshire Police", "Northtown", "Southvale"]
    alone = {
        (k, a): kpi_series(k, area=a, sources=testshire, registry=reg) for k in reg for a in areas
    }
    loads: list[str] = []
    for name in ("load_crimes", "load_extract"):
        real = getattr(kpis, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            loads.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(kpis, name, counted)
    counts = KpiCounts(testshire)
    for (k, a), frame in alone.items():
        shared = kpi_series(k, area=a, sources=testshire, registry=reg, counts=counts)
        pd.testing.assert_frame_equal(shared, frame)
    assert sorted(loads) == ["load_crimes", "load_extract"]


def test_select_rows_by_category_outcome_codes_and_flags():
    from scrutiny.analysis.kpis import Definition, select_rows

    crimes = pd.DataFrame(
        {
            "crime_type": ["Robbery", "Robbery", "Burglary"],
            "last_outcome": ["Awaiting court outcome", "Under investigation", None],
        }
    )
    d = Definition(police_uk_categories=["Robbery"], outcomes=["Awaiting court outcome"])
    assert select_rows(d, crimes).tolist() == [True, False, False]

    extract = pd.DataFrame(
        {
            "offence_code": ["8N", "8N", "34B"],
            "domestic_abuse": [True, False, False],
            "knife_sharp_instrument": [False, True, True],
            "night_time_economy": [False, False, False],
            "public_place": [True, True, True],
            "outcome": ["Charged", "Charged", "Charged"],
        }
    )
    d = Definition(offence_codes=["8N", "34B"], extract_filter={"knife_sharp_instrument": True})
    assert select_rows(d, extract).tolist() == [False, True, True]


def _street_file(folder: Path, month: str, slug: str, force: str, rows: list[tuple]) -> None:
    """One police.uk street file of (crime type, last outcome) rows, gzipped, in its month."""
    import gzip

    header = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context\n"
    )
    lines = [
        f"x,{month},{force},{force},-1.1,52.6,On or near Here,E01000001,Here 001A,{c},{o},\n"
        for c, o in rows
    ]
    path = folder / month / f"{month}-{slug}-street.csv.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress((header + "".join(lines)).encode()))


def test_store_kpi_counts_of_one_force_by_hand(tmp_path: Path) -> None:
    from scrutiny.data import national
    from scrutiny.errors import DataError

    archive = tmp_path / "archive"
    a = "Alpha Police"
    charged = "Offender sent to prison"  # one of charged_share's outcomes
    _street_file(
        archive,
        "2025-01",
        "alpha",
        a,
        [("Burglary", "Under investigation")] * 3
        + [("Burglary", charged), ("Robbery", charged), ("Anti-social behaviour", "")],
    )
    _street_file(archive, "2025-02", "alpha", a, [("Drugs", "Under investigation")] * 2)
    # Another force's file in the same archive: not counted for Alpha.
    _street_file(archive, "2025-01", "beta", "Beta Police", [("Burglary", charged)] * 7)
    store_dir = national.build_store(archive, store_root=tmp_path / "store")

    got = kpis.store_kpi_counts(store_dir, "alpha")
    months = pd.Index(["2025-01", "2025-02"], name="month")
    # By hand: January holds 4 burglaries (1 charged), 1 robbery (charged) and 1 ASB;
    # February 2 drugs offences.
    want = {
        "all_crime": [5, 2],
        "burglary": [4, 0],
        "robbery": [1, 0],
        "neighbourhood_crime": [5, 0],
        "drugs": [0, 2],
        "anti_social_behaviour": [1, 0],
        "charged_share": [2, 0],
        "vehicle_crime": [0, 0],
    }
    for kpi_id, counts in want.items():
        pd.testing.assert_series_equal(
            got[kpi_id], pd.Series(counts, index=months, name=kpi_id, dtype="int64")
        )
    police_uk = [k for k, v in load_registry().items() if v.definition.source == "police_uk"]
    assert list(got.columns) == police_uk  # every police.uk KPI, in registry order; no other
    with pytest.raises(DataError, match="no street files for force 'gamma'"):
        kpis.store_kpi_counts(store_dir, "gamma")
