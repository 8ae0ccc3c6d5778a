"""National ingest (scrutiny.data.national): the archive layout into a Parquet store.

Expected values come from the published counts committed beside the raw files
(data/raw/police-uk/national-2025-counts/, counted by the data's publisher from the
police.uk files), from an independent count with Python's csv and gzip modules written
here, and from hand-made files whose counts are visible in the test.
"""

from __future__ import annotations

import collections
import csv
import gzip
import hashlib
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_cli
from scrutiny import config
from scrutiny.data import national
from scrutiny.errors import DataError

RAW = config.PROJECT_ROOT / "data" / "raw" / "police-uk" / "national-2025"
COUNTS = config.PROJECT_ROOT / "data" / "raw" / "police-uk" / "national-2025-counts"
HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context\n"
)


def _row(
    month: str, force: str, crime: str, outcome: str = "", lsoa: str = "Charnwood 012A"
) -> str:
    return (
        f"x,{month},{force},{force},-1.1,52.6,On or near Here,E01000001,{lsoa},{crime},{outcome},\n"
    )


def _write(folder: Path, month: str, slug: str, rows: list[str], header: str = HEADER) -> Path:
    p = folder / month / f"{month}-{slug}-street.csv.gz"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(gzip.compress((header + "".join(rows)).encode()))
    return p


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """Two forces, two months; counts visible below."""
    a, b = "Alpha Police", "Beta Constabulary"
    _write(
        tmp_path / "in",
        "2025-01",
        "alpha",
        [_row("2025-01", a, "Burglary", "Under investigation")] * 3 + [_row("2025-01", a, "Drugs")],
    )
    _write(
        tmp_path / "in", "2025-02", "alpha", [_row("2025-02", a, "Burglary", "Under investigation")]
    )
    _write(tmp_path / "in", "2025-01", "beta", [_row("2025-01", b, "Anti-social behaviour")] * 2)
    return tmp_path / "in"


def test_tiny_counts_by_hand(tiny: Path, tmp_path: Path) -> None:
    got = national.national_counts(tiny)
    want = pd.DataFrame(
        {
            "month": ["2025-01", "2025-01", "2025-01", "2025-02"],
            "force": ["Alpha Police", "Alpha Police", "Beta Constabulary", "Alpha Police"],
            "crime_type": ["Burglary", "Drugs", "Anti-social behaviour", "Burglary"],
            "count": [3, 1, 2, 1],
        }
    )
    pd.testing.assert_frame_equal(got, want)
    out = national.national_counts(tiny, outcome=True)
    assert out.loc[out["crime_type"] == "Burglary", "last_outcome"].unique().tolist() == [
        "Under investigation"
    ]
    assert out.loc[out["crime_type"] == "Drugs", "last_outcome"].tolist() == [""]


def test_store_partitioned_and_one_force_reads_only_its_partitions(
    tiny: Path, tmp_path: Path
) -> None:
    store = national.build_store(tiny, store_root=tmp_path / "s")
    parts = sorted(
        p.relative_to(store / "data").parent.as_posix() for p in (store / "data").rglob("*.parquet")
    )
    assert parts == [
        "force=alpha/month=2025-01",
        "force=alpha/month=2025-02",
        "force=beta/month=2025-01",
    ]
    # Remove beta's partition: reading alpha must not notice (it never opens beta's files).
    for p in (store / "data" / "force=beta").rglob("*.parquet"):
        p.write_bytes(b"not parquet")
    alpha = national.read_force(store, "alpha")
    assert len(alpha) == 5
    assert set(alpha["falls_within"]) == {"Alpha Police"}
    assert national.read_force(store, "alpha", months=["2025-02"])["crime_type"].tolist() == [
        "Burglary"
    ]
    with pytest.raises(DataError, match="no street files for force 'gamma'"):
        national.read_force(store, "gamma")


def test_warm_store_is_reused_and_a_changed_file_rebuilds(tiny: Path, tmp_path: Path) -> None:
    s1 = national.build_store(tiny, store_root=tmp_path / "s")
    marker = (s1 / "files.json").stat().st_mtime_ns
    assert national.build_store(tiny, store_root=tmp_path / "s") == s1
    assert (s1 / "files.json").stat().st_mtime_ns == marker
    _write(tiny, "2025-02", "alpha", [_row("2025-02", "Alpha Police", "Drugs")] * 2)
    s2 = national.build_store(tiny, store_root=tmp_path / "s")
    assert s2 != s1
    got = national.monthly_counts(s2)
    assert got.loc[got["month"] == "2025-02", "count"].tolist() == [2]


def test_zip_gives_the_same_counts(tiny: Path, tmp_path: Path) -> None:
    z = tmp_path / "archive.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(tiny.rglob("*.csv.gz")):
            # the archive holds plain CSVs
            zf.writestr(
                f.relative_to(tiny).as_posix().removesuffix(".gz"), gzip.decompress(f.read_bytes())
            )
        zf.writestr("2025-01/2025-01-alpha-outcomes.csv", "ignored")
    pd.testing.assert_frame_equal(national.national_counts(z), national.national_counts(tiny))


def test_bad_file_name_is_named(tiny: Path) -> None:
    (tiny / "2025-01" / "leics-jan-street.csv.gz").write_bytes(gzip.compress(HEADER.encode()))
    with pytest.raises(
        DataError,
        match=r"leics-jan-street\.csv\.gz: the file name 'leics-jan-street\.csv\.gz' is not in the "
        r"layout \(expected police\.uk's archive layout",
    ):
        national.national_counts(tiny)


def test_file_in_wrong_month_folder_is_named(tiny: Path) -> None:
    _write(tiny, "2025-03", "alpha", [])
    (tiny / "2025-03" / "2025-03-alpha-street.csv.gz").rename(
        tiny / "2025-01" / "2025-03-alpha-street.csv.gz"
    )
    with pytest.raises(DataError, match="in folder '2025-01', not in its month's folder '2025-03'"):
        national.national_counts(tiny)


def test_missing_column_is_named(tiny: Path) -> None:
    _write(tiny, "2025-03", "alpha", [], header=HEADER.replace(",Crime type", ""))
    with pytest.raises(
        DataError, match=r"2025-03-alpha-street\.csv\.gz, line 1: has no columns? 'Crime type'"
    ):
        national.national_counts(tiny)


def test_unreadable_gzip_is_named(tiny: Path) -> None:
    (tiny / "2025-02" / "2025-02-beta-street.csv.gz").write_bytes(b"this is not gzip at all")
    with pytest.raises(DataError, match=r"2025-02-beta-street\.csv\.gz: cannot be read as gzip"):
        national.national_counts(tiny)


def test_truncated_gzip_is_named(tiny: Path) -> None:
    rows = [_row("2025-02", "Beta Constabulary", "Drugs")] * 5000
    p = _write(tiny, "2025-02", "beta", rows)
    p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])
    with pytest.raises(DataError, match=r"2025-02-beta-street\.csv\.gz: is damaged or truncated"):
        national.national_counts(tiny)


def test_row_duckdb_cannot_parse_names_its_file(tiny: Path) -> None:
    # an unterminated quote in the second data row: DuckDB stops; the error names that file
    rows = [_row("2025-03", "Beta Constabulary", "Drugs"), 'x,2025-03,"Beta,unclosed\n']
    _write(tiny, "2025-03", "beta", rows)
    with pytest.raises(DataError, match=r"2025-03-beta-street\.csv\.gz: cannot be read as CSV"):
        national.national_counts(tiny)


def test_row_of_another_month_is_named(tiny: Path) -> None:
    _write(tiny, "2025-03", "alpha", [_row("2025-04", "Alpha Police", "Drugs")])
    with pytest.raises(
        DataError,
        match=r"2025-03-alpha-street\.csv\.gz, column 'Month': holds a row for month '2025-04' "
        r"\(expected 2025-03",
    ):
        national.national_counts(tiny)


def test_cli_writes_csv_and_parquet_and_fails_with_exit_2(tiny: Path, tmp_path: Path) -> None:
    r = run_cli("national-counts", tiny, "--out", tmp_path / "c.csv")
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(tmp_path / "c.csv")
    assert got.columns.tolist() == ["month", "force", "crime_type", "count"]
    assert got["count"].sum() == 7
    r = run_cli("national-counts", tiny, "--out", tmp_path / "c.parquet", "--force", "beta")
    assert r.returncode == 0, r.stderr
    assert pd.read_parquet(tmp_path / "c.parquet")["count"].tolist() == [2]
    (tiny / "2025-01" / "notes-street.csv").write_text("x")
    r = run_cli("national-counts", tiny, "--out", tmp_path / "d.csv")
    assert r.returncode == 2
    assert "notes-street.csv" in r.stderr and "not in the layout" in r.stderr


# ---------------------------------------------------------------------------------------
# The committed 2025 files against the published counts and an independent count


def _independent_counts(folder: Path) -> dict[tuple[str, str, str], int]:
    """Count every street file with csv + gzip only: (month, Falls within, Crime type)."""
    n: collections.Counter[tuple[str, str, str]] = collections.Counter()
    for f in sorted(folder.rglob("*-street.csv.gz")):
        with gzip.open(f, "rt", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                n[(row["Month"], row["Falls within"], row["Crime type"])] += 1
    return dict(n)


def test_committed_files_match_their_published_hashes() -> None:
    src = pd.read_csv(COUNTS / "source-files-sha256.csv")
    src["name"] = src["path_in_repo"].str.rsplit("/", n=1).str[-1]
    files = sorted(RAW.rglob("*-street.csv.gz"))
    assert len(files) == 36  # Leicestershire, City of London and Cumbria, 12 months each
    for f in files:
        data = gzip.decompress(f.read_bytes())
        row = src[src["name"] == f.name.removesuffix(".gz")].iloc[0]
        assert hashlib.sha256(data).hexdigest() == row["sha256"], f.name
        assert data.count(b"\n") - 1 == row["data_rows"], f.name


def test_committed_counts_equal_published_and_independent_counts() -> None:
    got = national.national_counts(RAW)
    built = {(r.month, r.force, r.crime_type): int(r.count) for r in got.itertuples()}
    assert built == _independent_counts(RAW)
    shared = national.shared_counts(COUNTS / "monthly-counts-by-force-crime-type-2025.csv")
    shared = shared[shared["file_force"].isin(["leicestershire", "city-of-london", "cumbria"])]
    published = {(r.month, r.force, r.crime_type): int(r.count) for r in shared.itertuples()}
    assert built == published
    # Leicestershire's published total for 2025 (sum of data_rows in source-files-sha256.csv)
    src = pd.read_csv(COUNTS / "source-files-sha256.csv")
    leics = src[src["path_in_repo"].str.contains("-leicestershire-street")]["data_rows"].sum()
    assert got.loc[got["force"] == "Leicestershire Police", "count"].sum() == leics


def test_outcome_counts_equal_published() -> None:
    got = national.national_counts(RAW, outcome=True, forces=["leicestershire"])
    pub = pd.read_csv(
        COUNTS / "monthly-counts-by-force-crime-type-outcome-2025.csv.gz",
        dtype=str,
        keep_default_na=False,
    )
    pub = pub[pub["file_force"] == "leicestershire"]
    out_col = "last_outcome_category" if "last_outcome_category" in pub.columns else "last_outcome"
    want = {(r["month"], r["crime_type"], r[out_col]): int(r["count"]) for _, r in pub.iterrows()}
    have = {(r.month, r.crime_type, r.last_outcome): int(r.count) for r in got.itertuples()}
    assert have == want


# ---------------------------------------------------------------------------------------
# Districts for LSOAs of any vintage


def test_place_lsoas_lookup_first_then_name_and_quality_flags() -> None:
    from scrutiny.data.geography import place_lsoas
    from scrutiny.data.quality import DataQuality

    lsoas = pd.DataFrame(
        {
            "lsoa_code": ["E01000001", "E01035000", "E01035001", "", "E01035002"],
            "lsoa_name": ["Charnwood 012A", "Hinckley and Bosworth 001E", "Melton 004F", "", "odd"],
        }
    )
    lookup = pd.DataFrame({"lsoa_code": ["E01000001"], "district": ["From lookup"]})
    q = DataQuality()
    got = place_lsoas(lsoas, lookup, q)
    assert got["district"].tolist() == [
        "From lookup",
        "Hinckley and Bosworth",
        "Melton",
        None,
        None,
    ]
    assert got["district_from"].tolist() == ["lookup", "LSOA name", "LSOA name", None, None]
    checks = {i.check: i.rows for i in q.issues}
    assert checks == {"district taken from the LSOA name": 2, "LSOA with no district": 1}
    # Without a lookup every named LSOA is placed by its name.
    assert place_lsoas(lsoas)["district"].tolist()[0] == "Charnwood"
    # The note's example is one of these LSOAs, not a fixed one from another force.
    note = next(i for i in q.issues if i.check == "district taken from the LSOA name")
    assert "(e.g. 'Hinckley and Bosworth 001E' -> Hinckley and Bosworth)" in note.detail


def test_name_example_prefers_the_forces_own_districts() -> None:
    from scrutiny.data.geography import name_example

    placed = pd.DataFrame(
        {
            "lsoa_code": ["E01000001", "E01035000", "E01035001"],
            "lsoa_name": ["Charnwood 012A", "Rugby 003B", "Eden 001A"],
            "district": ["Charnwood", "Rugby", "Eden"],
            "district_from": ["lookup", "LSOA name", "LSOA name"],
        }
    )
    assert name_example(placed, ["Eden", "Carlisle"]) == ("Eden 001A", "Eden")
    assert name_example(placed) == ("Rugby 003B", "Rugby")  # no districts: the first by name
    by_lookup = placed[placed["district_from"] == "lookup"]
    assert name_example(by_lookup, ["Eden"]) == ("Charnwood 012A", "Charnwood")  # none by name


def test_every_committed_leicestershire_lsoa_name_gives_a_district() -> None:
    from scrutiny.data.geography import place_lsoas

    rows = []
    for f in sorted(RAW.rglob("*-leicestershire-street.csv.gz")):
        with gzip.open(f, "rt", newline="", encoding="utf-8") as fh:
            rows += [(r["LSOA code"], r["LSOA name"]) for r in csv.DictReader(fh)]
    df = pd.DataFrame(rows, columns=["lsoa_code", "lsoa_name"]).drop_duplicates()
    placed = place_lsoas(df[df["lsoa_code"] != ""])
    assert placed["district"].notna().all()
    mine = {
        "Blaby",
        "Charnwood",
        "Harborough",
        "Hinckley and Bosworth",
        "Leicester",
        "Melton",
        "North West Leicestershire",
        "Oadby and Wigston",
        "Rutland",
    }
    assert mine <= set(placed["district"])


# ---------------------------------------------------------------------------------------
# The force loader picks one force's files out of a national folder with a glob


def test_glob_picks_one_forces_files(tiny: Path) -> None:
    from scrutiny.data.police_uk import find_files, months_available

    files = find_files(tiny / "*" / "*-alpha-street.csv.gz", "street")
    assert [f.name for f in files] == ["2025-01-alpha-street.csv.gz", "2025-02-alpha-street.csv.gz"]
    assert months_available(str(tiny / "*" / "*-beta-street.csv.gz")) == ["2025-01"]
    with pytest.raises(DataError, match="matches no police.uk street files"):
        find_files(tiny / "*" / "*-gamma-street.csv.gz", "street")
    with pytest.raises(DataError, match="does not exist"):
        find_files(tiny / "nowhere" / "*" / "*-alpha-street.csv.gz", "street")


def test_force_loader_reads_only_the_forces_files_from_the_national_folder() -> None:
    from scrutiny.data import DataSources, load_crimes

    src = pd.read_csv(COUNTS / "source-files-sha256.csv")
    leics = int(src[src["path_in_repo"].str.contains("-leicestershire-street")]["data_rows"].sum())
    glob = "data/raw/police-uk/national-2025/*/*-leicestershire-street.csv.gz"
    df, q = load_crimes(DataSources(street_crime=glob), data_to="2025-12")
    assert len(df) == leics
    assert q.metrics["rows read"] == leics  # City of London's files were never read
    assert q.metrics["files read"] == 12
    # the folder itself: the archive names each force's files, so the same 12 are read
    df, q = load_crimes(DataSources(street_crime=str(RAW)), data_to="2025-12")
    assert len(df) == leics and q.metrics["rows read"] == leics
    assert q.metrics["files read"] == 12
    assert q.metrics["other forces' files in the folder, not read"] == 24  # 2 forces x 12
    assert q.excluded().empty


def test_several_sources_joined_by_semicolons(tiny: Path) -> None:
    from scrutiny.data.police_uk import find_files, months_available

    both = f"{tiny / '2025-01'};{tiny / '*' / '2025-02-alpha-street.csv.gz'}"
    names = [f.name for f in find_files(both, "street")]
    assert names == [
        "2025-01-alpha-street.csv.gz",
        "2025-01-beta-street.csv.gz",
        "2025-02-alpha-street.csv.gz",
    ]
    assert months_available(both) == ["2025-01", "2025-02"]
