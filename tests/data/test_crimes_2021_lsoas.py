"""The force loader places every row in a district, whatever the LSOA vintage.

police.uk's 2025 files use 2021 LSOA codes; the lookup held is of 2011 LSOAs. A code the
lookup does not hold is placed by the local authority its police.uk name begins with
(:func:`scrutiny.data.geography.place_lsoas`), and every row ends in a district, outside the
force, without a location, or counted as impossible to place: none is dropped.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from scrutiny import config
from scrutiny.data import DataSources, load_crimes

REPO = Path(__file__).resolve().parents[2]
HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context"
)


def _row(cid: str, code: str, name: str, *, located: bool = True) -> str:
    where = "-1.1,52.6,On or near High Street" if located else ",,No location"
    return (
        f"{cid},2025-03,Testshire Police,Testshire Police,{where},{code},{name},"
        "Burglary,Under investigation,"
    )


@pytest.fixture
def mixed(tmp_path: Path, testshire: DataSources) -> DataSources:
    """One month of Testshire rows mixing 2011 codes (in the lookup) and 2021 codes."""
    rows = [
        _row("c1", "E01900001", "Northtown 001A"),  # 2011 code: lookup, Northtown
        _row("c2", "E01935001", "Northtown 005C"),  # 2021 code: name, Northtown
        _row("c3", "E01935002", "Southvale 003D"),  # 2021 code: name, Southvale
        _row("c4", "E01935003", "Borderland 002A"),  # 2021 code: name, a neighbour's LA
        _row("c5", "E01900009", "Borderland 001A"),  # 2011 code: lookup, a neighbour's LA
        _row("c6", "E01935005", "Newshire 001A"),  # 2021 code: an LA the lookup never had
        _row("c7", "E01935004", "Nowhere"),  # 2021 code, a name without '<LA> 012A'
        _row("c8", "", "", located=False),  # no location at all
    ]
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "2025-03-testshire-street.csv").write_text(
        "\n".join([HEADER, *rows]) + "\n", encoding="utf-8"
    )
    return testshire.model_copy(update={"street_crime": str(folder)})


def _issue(q, check: str) -> int:
    return next((i.rows for i in q.issues if i.check == check), 0)


def test_rows_with_2021_codes_placed_by_lsoa_name(mixed: DataSources) -> None:
    df, q = load_crimes(mixed)
    got = df[["crime_id", "district", "la_name", "district_from", "in_force_area"]].astype(
        {"district": object, "la_name": object, "district_from": object}
    )
    expected = pd.DataFrame(
        {
            "crime_id": ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"],
            "district": ["Northtown", "Northtown", "Southvale", None, None, None, None, None],
            "la_name": [
                "Northtown",
                "Northtown",
                "Southvale",
                "Borderland",
                "Borderland",
                "Newshire",
                None,
                None,
            ],
            "district_from": [
                "lookup",
                "LSOA name",
                "LSOA name",
                "LSOA name",
                "lookup",
                "LSOA name",
                None,
                None,
            ],
            "in_force_area": [True, True, True, False, False, False, False, False],
        }
    )
    # Compare as plain objects, with "" for "no value" on both sides.
    pdt.assert_frame_equal(
        got.astype(object).fillna(""), expected.astype(object).fillna(""), check_dtype=False
    )


def test_every_fixture_row_placed_or_counted(mixed: DataSources) -> None:
    df, q = load_crimes(mixed)
    assert len(df) == 8  # nothing dropped
    assert _issue(q, "rows placed by LSOA name") == 4  # c2, c3, c4, c6
    assert _issue(q, "rows in LSOAs outside the force area") == 3  # c4, c5, c6
    assert _issue(q, "rows with an LSOA that cannot be placed") == 1  # c7
    assert _issue(q, "rows without a location") == 1  # c8
    in_district = int(df["district"].notna().sum())
    assert in_district == 3
    assert in_district + 3 + 1 + 1 == len(df)
    # The note's example is the first of Testshire's own LSOAs placed by name (c2).
    note = next(i.detail for i in q.issues if i.check == "rows placed by LSOA name")
    assert "(e.g. 'Northtown 005C' -> Northtown)" in note


# -- the committed 2025 Leicestershire files -------------------------------------------

NATIONAL = REPO / "data" / "raw" / "police-uk" / "national-2025"
LOOKUP = REPO / "data" / "raw" / "ons" / "lsoa-2011-to-police-force.csv.gz"


def _independent_counts() -> dict[str, object]:
    """Count the force's 2025 rows with csv and gzip only (no scrutiny code)."""
    with gzip.open(LOOKUP, "rt", encoding="utf-8-sig", newline="") as f:
        known = {r["LSOA Code"] for r in csv.DictReader(f)}
    total = no_lsoa = unknown = 0
    by_name: dict[str, int] = {}
    for path in sorted(NATIONAL.glob("2025-*/2025-*-leicestershire-street.csv.gz")):
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                total += 1
                code = r["LSOA code"].strip()
                if not code:
                    no_lsoa += 1
                elif code not in known:
                    unknown += 1
                    la = r["LSOA name"].rsplit(" ", 1)[0]
                    by_name[la] = by_name.get(la, 0) + 1
    return {"total": total, "no_lsoa": no_lsoa, "unknown": unknown, "by_name": by_name}


@pytest.fixture(scope="module")
def counted() -> dict[str, object]:
    return _independent_counts()


def test_committed_2025_files_every_row_placed_or_reported(counted) -> None:
    sources = DataSources(street_crime=str(NATIONAL.relative_to(config.PROJECT_ROOT)))
    df, q = load_crimes(sources, data_to="2025-12")
    # The figures quoted in params/cycles/2026-01.yaml and issue 12.
    assert counted["total"] == 106_149
    assert counted["unknown"] == 15_076
    assert len(df) == counted["total"]
    assert int((~df["has_location"]).sum()) == counted["no_lsoa"]
    assert _issue(q, "rows without a location") == counted["no_lsoa"]
    assert _issue(q, "rows placed by LSOA name") == counted["unknown"]
    assert int((df["district_from"] == "LSOA name").sum()) == counted["unknown"]
    lost = _issue(q, "rows with an LSOA that cannot be placed")
    outside = _issue(q, "rows in LSOAs outside the force area")
    in_district = int(df["district"].notna().sum())
    assert in_district + outside + counted["no_lsoa"] + lost == counted["total"]
    # Rows placed by name are in the authority their name begins with.
    named = df[df["district_from"] == "LSOA name"]
    got = named["la_name"].astype(str).value_counts().sort_index()
    want = pd.Series(counted["by_name"]).sort_index()
    pdt.assert_series_equal(got, want, check_names=False, check_dtype=False)
    # Every 2021-coded row in one of the force's nine districts is in a district.
    own = set(df["district"].cat.categories)
    in_own = sum(n for la, n in counted["by_name"].items() if la in own)
    assert int(named["district"].notna().sum()) == in_own
