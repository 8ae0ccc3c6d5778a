"""load_crimes on Testshire: geography, quality record, reporting period, and the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scrutiny import provenance
from scrutiny.data import DataSources, connect, load_crimes, store
from scrutiny.data.geography import force_geography, force_key
from scrutiny.errors import DataError, ParamsError


def test_rows_are_placed_in_districts_and_outside_rows_flagged(testshire: DataSources) -> None:
    df, q = load_crimes(testshire)
    assert len(df) == 12  # nothing dropped
    by = df.groupby("district", observed=False).size().to_dict()
    # Northtown LSOAs E01900001/2: Jan a1,a2 + Feb b1,b4 + Apr d1 and the ASB row = 6;
    # Southvale E01900003/4: Jan ASB + Feb b2,b3 + Apr d2 = 4.
    assert by == {"Northtown": 6, "Southvale": 4}
    robbery = df[df["crime_id"] == "a4"].iloc[0]
    assert not robbery["in_force_area"] and pd.isna(robbery["district"])
    assert robbery["la_name"] == "Borderland"
    vehicle = df[df["crime_id"] == "a3"].iloc[0]
    assert not vehicle["has_location"] and pd.isna(vehicle["district"])
    s = q.summary().set_index("check")["rows"]
    assert s["rows in LSOAs outside the force area"] == 1
    assert s["rows without a location"] == 1
    # 11 of 12 rows have a location; 1 of those 11 is outside the force.
    assert s["share geocoded"] == pytest.approx(round(11 / 12, 4))
    assert s["share outside the force area"] == pytest.approx(round(1 / 11, 4))
    assert s["anti-social behaviour incidents"] == 2 and s["crimes"] == 10
    assert q.missing_months == ["2022-03"]
    assert q.excluded().empty


def test_data_to_excludes_and_counts_later_rows(testshire: DataSources) -> None:
    df, q = load_crimes(testshire, data_to="2022-02")
    assert len(df) == 9  # 5 + 4; the 3 April rows excluded
    assert q.excluded().to_dict("records") == [
        {"reason": "after the reporting period (data_to 2022-02)", "rows": 3}
    ]
    assert q.missing_months == []
    # Reporting to a month with no file flags the gap at the end.
    _, q2 = load_crimes(testshire, data_to="2022-06")
    assert q2.missing_months == ["2022-03", "2022-05", "2022-06"]
    with pytest.raises(ParamsError, match="data_to"):
        load_crimes(testshire, data_to="2022/06")


def test_geography_districts_csps_and_gap_fill(testshire: DataSources) -> None:
    geo = force_geography(testshire)
    assert geo.force == "Testshire"
    assert geo.district_names == ["Northtown", "Southvale"]  # " UA" removed
    assert list(geo.districts["csp"]) == ["Northtown", "Southvale"]
    merged = testshire.model_copy(update={"csp_map": {"Southvale": "South Partnership"}})
    assert list(force_geography(merged).districts["csp"]) == ["Northtown", "South Partnership"]
    # Forest Heath has no force in the lookup; it lies in Suffolk.
    lookup = geo.lookup.set_index("lsoa_code")
    assert lookup.loc["E01900010", "force"] == "Suffolk"
    assert bool(lookup.loc["E01900010", "force_filled"])
    with pytest.raises(DataError, match="no LSOAs for force 'Gwent Police'.*Welsh"):
        force_geography(testshire.model_copy(update={"force": "Gwent Police"}))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Leicestershire Police", "Leicestershire"),
        ("Devon & Cornwall Police", "Devon and Cornwall"),
        ("London, City of", "City of London Police"),
        ("Metropolitan Police Service", "Metropolitan Police"),
        ("Avon and Somerset Constabulary", "Avon and Somerset"),
    ],
)
def test_force_key_matches_spellings(a: str, b: str) -> None:
    assert force_key(a) == force_key(b)


def test_provenance_records_every_file(testshire: DataSources) -> None:
    load_crimes(testshire)
    recorded = {Path(r.path).name: r for r in provenance.recorded_inputs()}
    for name in (
        "2022-01-testshire-street.csv",
        "2022-02-testshire-street.csv",
        "2022-04-testshire-street.csv",
    ):
        assert recorded[name].period == name[:7]
        assert recorded[name].synthetic is False
    assert "lsoa-lookup.csv" in recorded


def test_warm_run_reads_the_cache_and_a_changed_file_rebuilds(
    testshire: DataSources, street_dir: Path, private_cache: Path
) -> None:
    first, _ = load_crimes(testshire)
    files = sorted((private_cache / "data").glob("crimes-*.parquet"))
    assert len(files) == 1
    store.clear_memo()
    mtime = files[0].stat().st_mtime_ns
    second, q = load_crimes(testshire)
    pd.testing.assert_frame_equal(first, second)
    assert files[0].stat().st_mtime_ns == mtime  # read, not rebuilt
    assert q.missing_months == ["2022-03"]  # quality restored from the cache
    # Change one raw file's content: a new cache entry is built.
    path = street_dir / "2022-04-testshire-street.csv"
    path.write_text(path.read_text().replace("Public order", "Drugs"))
    third, _ = load_crimes(testshire)
    assert len(sorted((private_cache / "data").glob("crimes-*.parquet"))) == 2
    assert (third["crime_type"] == "Drugs").sum() == (first["crime_type"] == "Drugs").sum() + 1


def test_sql_over_the_cache(testshire: DataSources) -> None:
    load_crimes(testshire)
    con = connect()
    got = con.sql(
        "select district, count(*) as n from crimes where district is not null "
        "group by district order by district"
    ).df()
    assert got["n"].tolist() == [6, 4]


BUILD = """
import json, sys
from scrutiny.data import DataSources, load_crimes
s = DataSources.model_validate_json(sys.argv[1])
df, q = load_crimes(s)
print(json.dumps({"rows": len(df), "missing": q.missing_months}))
"""


def test_parallel_cold_builds_do_not_corrupt_the_cache(
    testshire: DataSources, private_cache: Path
) -> None:
    env = {**os.environ, "SCRUTINY_CACHE_DIR": str(private_cache)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD, testshire.model_dump_json()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        for _ in range(3)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for (out, err), p in zip(results, procs, strict=True):
        assert p.returncode == 0, err
        assert json.loads(out) == {"rows": 12, "missing": ["2022-03"]}
    data = private_cache / "data"
    assert len(list(data.glob("crimes-*.parquet"))) == 1
    assert not list(data.glob("*.tmp"))  # no half-written files left behind
    store.clear_memo()
    df, _ = load_crimes(testshire)  # and the file they left is whole
    assert len(df) == 12


def _two_force_zip(street_dir: Path, archive: Path, other_name: str) -> Path:
    import zipfile

    other = (
        (street_dir / "2022-01-testshire-street.csv")
        .read_text()
        .replace("Testshire Police", "Neighbourshire Police")
    )
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(street_dir.iterdir()):
            zf.write(f, f"{f.name[:7]}/{f.name}")
        zf.writestr(f"2022-01/{other_name}", other)
    return archive


def test_zip_with_two_forces_reads_only_this_forces_files(
    testshire: DataSources, street_dir: Path, tmp_path: Path
) -> None:
    archive = _two_force_zip(street_dir, tmp_path / "a.zip", "2022-01-neighbourshire-street.csv")
    df, q = load_crimes(testshire.model_copy(update={"street_crime": str(archive)}))
    assert len(df) == 12  # Testshire's own rows
    # police.uk's archive names each force's files: the neighbour's file is listed, not read
    assert q.excluded().empty
    assert q.metrics["files read"] == 3
    assert q.metrics["other forces' files in the folder, not read"] == 1


def test_another_forces_rows_in_a_file_not_named_by_force_are_counted(
    testshire: DataSources, street_dir: Path, tmp_path: Path
) -> None:
    archive = _two_force_zip(street_dir, tmp_path / "b.zip", "neighbours-street.csv")
    df, q = load_crimes(testshire.model_copy(update={"street_crime": str(archive)}))
    assert len(df) == 12
    # The same month from another force is not a duplicate: its 5 rows are excluded, counted.
    assert q.excluded().to_dict("records") == [
        {"reason": "reported by another force (Neighbourshire Police)", "rows": 5}
    ]
