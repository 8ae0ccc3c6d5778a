"""police.uk loaders on the hand-made Testshire files, good and broken."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from scrutiny.data.police_uk import (
    OUTCOME_COLUMNS,
    STOP_SEARCH_COLUMNS,
    read_outcomes,
    read_stop_and_search,
    read_street,
)
from scrutiny.data.quality import DataQuality
from scrutiny.errors import DataError

JAN = "2022-01-testshire-street.csv"
FEB = "2022-02-testshire-street.csv"


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture does not contain {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- good files ------------------------------------------------------------------------


def test_folder_loads_every_row_with_tidy_columns(street_dir: Path) -> None:
    q = DataQuality()
    df = read_street(street_dir, q)
    # 5 rows (Jan) + 4 (Feb) + 3 (Apr) in the fixture files
    assert len(df) == 12
    assert list(df.columns[:12]) == [
        "month",
        "crime_id",
        "reported_by",
        "falls_within",
        "longitude",
        "latitude",
        "location",
        "lsoa_code",
        "lsoa_name",
        "crime_type",
        "last_outcome",
        "context",
    ]
    assert df["month"].iloc[0] == pd.Timestamp("2022-01-01")
    assert df["longitude"].iloc[0] == pytest.approx(-1.1)
    # Quoted location with a comma survives.
    assert "On or near Market Place, East" in set(df["location"].astype(str))
    # ASB rows have no crime ID; the vehicle crime row has no location.
    assert df["crime_id"].isna().sum() == 2
    assert (~df["has_location"]).sum() == 1
    no_loc = q.summary().set_index("check").loc["rows without a location", "rows"]
    assert no_loc == 1
    # Line numbers point into the source file: Jan row 4 (vehicle crime) is line 5.
    veh = df[df["crime_type"] == "Vehicle crime"].iloc[0]
    assert veh["line"] == 5 and str(veh["source_file"]).endswith(JAN)


def test_single_file_gzip_and_zip_archive_give_the_same_rows(
    street_dir: Path, tmp_path: Path
) -> None:
    plain = read_street(street_dir / JAN)
    gz = tmp_path / (JAN + ".gz")
    gz.write_bytes(gzip.compress((street_dir / JAN).read_bytes()))
    from_gz = read_street(gz)
    # The police.uk custom download: YYYY-MM/ folders with street, outcomes, stop-and-search.
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(street_dir.iterdir()):
            month = f.name[:7]
            zf.write(f, f"{month}/{f.name}")
            zf.writestr(f"{month}/{month}-testshire-outcomes.csv", ",".join(OUTCOME_COLUMNS) + "\n")
    from_zip = read_street(archive)
    cols = ["month", "crime_id", "crime_type", "lsoa_code", "longitude"]
    pd.testing.assert_frame_equal(plain[cols], from_gz[cols])
    assert len(from_zip) == 12
    assert str(from_zip["source_file"].iloc[0]).endswith(f"download.zip:2022-01/{JAN}")
    pd.testing.assert_frame_equal(
        from_zip[cols].head(5), plain[cols], check_categorical=False, check_dtype=False
    )


def test_outcomes_and_stop_and_search(tmp_path: Path) -> None:
    out = tmp_path / "2022-01-testshire-outcomes.csv"
    out.write_text(
        ",".join(OUTCOME_COLUMNS)
        + "\na1,2022-01,Testshire Police,Testshire Police,-1.1,52.6,On or near High Street,"
        "E01900001,Northtown 001A,Offender given a caution\n",
        encoding="utf-8",
    )
    o = read_outcomes(out)
    assert o["outcome_type"].iloc[0] == "Offender given a caution"
    assert o["month"].iloc[0] == pd.Timestamp("2022-01-01")
    ss = tmp_path / "2022-01-testshire-stop-and-search.csv"
    ss.write_text(
        ",".join(STOP_SEARCH_COLUMNS)
        + "\nPerson search,2022-01-05T14:30:00+00:00,False,,52.6,-1.1,Male,18-24,"
        "White - English/Welsh/Scottish/Northern Irish/British,White,"
        "Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,"
        "False,False\n"
        "Vehicle search,2022-01-09T01:00:00+00:00,,,,,Female,over 34,,,,Stolen goods,Arrest,"
        "True,\n",
        encoding="utf-8",
    )
    s = read_stop_and_search(ss)
    assert list(s["month"]) == [pd.Timestamp("2022-01-01")] * 2
    assert s["date"].iloc[0] == pd.Timestamp("2022-01-05 14:30", tz="UTC")
    assert s["part_of_operation"].iloc[0] is False or not s["part_of_operation"].iloc[0]
    assert pd.isna(s["part_of_operation"].iloc[1])
    assert list(s["has_location"]) == [True, False]
    assert bool(s["outcome_linked_to_object"].iloc[1]) is True


# -- broken files: every error names the file, and the line or column ------------------


def test_missing_column(street_dir: Path) -> None:
    rewrite(street_dir / FEB, ",Crime type,", ",")
    with pytest.raises(DataError) as e:
        read_street(street_dir)
    assert e.value.file.endswith(FEB)
    assert e.value.column == "Crime type"
    assert e.value.row == 1


def test_renamed_column_is_named_with_the_likely_new_name(street_dir: Path) -> None:
    rewrite(street_dir / JAN, "LSOA code,", "LSOA_cd,")
    with pytest.raises(DataError) as e:
        read_street(street_dir)
    assert e.value.file.endswith(JAN) and e.value.column == "LSOA code"
    assert "LSOA_cd" in str(e.value) and "renamed" in str(e.value)


def test_unparseable_month(street_dir: Path) -> None:
    rewrite(street_dir / FEB, "b3,2022-02,", "b3,Feb 2022,")
    with pytest.raises(DataError) as e:
        read_street(street_dir)
    # b3 is the third data row of the February file: line 4.
    assert (e.value.row, e.value.column) == (4, "Month")
    assert e.value.file.endswith(FEB) and "'Feb 2022'" in str(e.value)


def test_month_not_matching_file_name(street_dir: Path) -> None:
    rewrite(street_dir / FEB, "b2,2022-02,", "b2,2022-03,")
    with pytest.raises(DataError) as e:
        read_street(street_dir)
    assert (e.value.row, e.value.column) == (3, "Month") and e.value.file.endswith(FEB)


def test_wrong_encoding_names_the_line(street_dir: Path) -> None:
    path = street_dir / JAN
    data = path.read_bytes().replace(b"Mill Lane", "Mill Lané".encode("latin-1"))
    path.write_bytes(data)
    with pytest.raises(DataError) as e:
        read_street(street_dir)
    # Mill Lane is in the second data row: line 3.
    assert e.value.file.endswith(JAN) and e.value.row == 3
    assert "UTF-8" in str(e.value)


def test_utf16_file(street_dir: Path) -> None:
    path = street_dir / JAN
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(DataError, match="UTF-16") as e:
        read_street(street_dir)
    assert e.value.row == 1


def test_empty_file(street_dir: Path) -> None:
    (street_dir / FEB).write_bytes(b"")
    with pytest.raises(DataError, match="empty") as e:
        read_street(street_dir)
    assert e.value.file.endswith(FEB)


def test_header_only_file(street_dir: Path) -> None:
    path = street_dir / FEB
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="no data rows") as e:
        read_street(street_dir)
    assert e.value.file.endswith(FEB) and e.value.row == 2


def test_truncated_csv_names_the_last_line(street_dir: Path) -> None:
    path = street_dir / JAN
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("On or near Border Way")], encoding="utf-8")
    with pytest.raises(DataError, match="truncated") as e:
        read_street(street_dir)
    # The cut falls in the fifth data row: line 6.
    assert e.value.file.endswith(JAN) and e.value.row == 6


def test_truncated_gzip(street_dir: Path, tmp_path: Path) -> None:
    data = gzip.compress((street_dir / JAN).read_bytes() * 50)
    path = tmp_path / (JAN + ".gz")
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="truncated") as e:
        read_street(path)
    assert e.value.file.endswith(JAN + ".gz")


def test_same_month_loaded_twice(street_dir: Path) -> None:
    shutil.copy(street_dir / FEB, street_dir / "copy-of-2022-02-testshire-street.csv")
    with pytest.raises(DataError, match="repeats month 2022-02") as e:
        read_street(street_dir)
    assert FEB in str(e.value)
    assert e.value.column == "Month" and e.value.row == 2


def test_unknown_crime_type(street_dir: Path) -> None:
    rewrite(street_dir / FEB, ",Drugs,", ",Drug offences,")
    with pytest.raises(DataError, match="'Drug offences'") as e:
        read_street(street_dir)
    assert (e.value.row, e.value.column) == (4, "Crime type")


def test_bad_coordinate(street_dir: Path) -> None:
    rewrite(street_dir / FEB, "-1.210000", "west")
    with pytest.raises(DataError) as e:
        read_street(street_dir)
    assert (e.value.row, e.value.column) == (3, "Longitude") and e.value.file.endswith(FEB)


def test_folder_without_street_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")
    with pytest.raises(DataError, match="no police.uk street files"):
        read_street(tmp_path)


# -- hardening: odd line endings, huge lines, damaged or oversized archives, impossible
# -- coordinates, dangling links -----------------------------------------------------


def test_cr_only_line_endings_read_like_any_other(street_dir: Path) -> None:
    path = street_dir / JAN
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    df = read_street(street_dir)
    assert len(df) == 12  # 5 + 4 + 3, as from the LF files
    veh = df[df["crime_type"] == "Vehicle crime"].iloc[0]
    assert veh["line"] == 5 and str(veh["source_file"]).endswith(JAN)


def test_a_file_that_is_one_huge_line(street_dir: Path) -> None:
    name = "2022-03-testshire-street.csv"
    (street_dir / name).write_bytes(b"x" * 2_000_000)
    with pytest.raises(DataError) as e:
        read_street(street_dir)
    assert e.value.file.endswith(name) and e.value.row == 1
    assert "line 1 is 2,000,000 bytes long without a line break" in str(e.value)
    assert "lines shorter than 1,048,576 bytes" in str(e.value)


def test_a_huge_line_inside_a_file(street_dir: Path) -> None:
    path = street_dir / FEB
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([*lines[:3], b"y" * 3_000_000, *lines[3:]]))
    with pytest.raises(DataError) as e:
        read_street(street_dir)
    # header (1), b1 (2), b2 (3), then the inserted line: line 4
    assert e.value.file.endswith(FEB) and e.value.row == 4
    assert "line 4 is 3,000,000 bytes long" in str(e.value)


@pytest.mark.slow
def test_a_200_mb_single_line(tmp_path: Path) -> None:
    path = tmp_path / "2022-05-testshire-street.csv"
    with path.open("wb") as fh:
        for _ in range(200):
            fh.write(b"z" * 1_000_000)
    with pytest.raises(DataError) as e:
        read_street(path)
    assert e.value.row == 1 and e.value.file.endswith(path.name)
    assert "line 1 is 200,000,000 bytes long without a line break" in str(e.value)


def zip_of(street_dir: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(street_dir.iterdir()):
            zf.write(f, f"{f.name[:7]}/{f.name}")
    return archive


def test_truncated_zip_says_the_archive_is_damaged(street_dir: Path, tmp_path: Path) -> None:
    archive = zip_of(street_dir, tmp_path / "download.zip")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(DataError) as e:
        read_street(archive)
    assert e.value.file == str(archive)
    assert "is a damaged or truncated zip archive" in str(e.value)
    assert "UTF-8" not in str(e.value)
    # Named without .zip, the start of the file still gives it away.
    renamed = archive.rename(tmp_path / "download.bin")
    with pytest.raises(DataError, match="damaged or truncated zip archive"):
        read_street(renamed)


def test_documented_expansion_limits() -> None:
    from scrutiny.data.rawfiles import expansion_problem

    # 4 MB expanding to 1 GB: 250 times, over the ratio of 100
    assert expansion_problem(4_000_000, 1_000_000_000) == (
        "expands from 4,000,000 to 1,000,000,000 bytes (250 times), more than 100 times its "
        "compressed size: it looks like a zip bomb or a damaged file, so it is not read"
    )
    # 2 GB from 100 MB is only 20 times, but over the 1 GiB absolute limit
    assert "more than the limit of 1,073,741,824 bytes" in str(
        expansion_problem(100_000_000, 2_000_000_000)
    )
    assert expansion_problem(500_000, 4_500_000) is None  # a police.uk file (9 times)
    assert expansion_problem(1_000, 5_000_000) is None  # small files: no ratio check


def test_zip_bomb_member_is_refused_before_reading(
    street_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scrutiny.data import rawfiles

    monkeypatch.setattr(rawfiles, "RATIO_CHECK_FROM_BYTES", 1_000_000)  # lowered from 8 MiB
    archive = zip_of(street_dir, tmp_path / "download.zip")
    header = (street_dir / JAN).read_bytes().split(b"\n")[0] + b"\n"
    member = "2022-03/2022-03-testshire-street.csv"
    with zipfile.ZipFile(archive, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, header + b"," * 4_000_000)  # 4 MB of commas: ~1,000 times
        info = zf.getinfo(member)
    with pytest.raises(DataError) as e:
        read_street(archive)
    assert e.value.file == f"{archive}:{member}"
    assert f"expands from {info.compress_size:,} to {info.file_size:,} bytes" in str(e.value)
    assert "more than 100 times its compressed size" in str(e.value)


def test_absolute_size_limit_for_zip_and_gzip(
    street_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scrutiny.data import rawfiles

    monkeypatch.setattr(rawfiles, "MAX_FILE_BYTES", 300)  # every fixture file is larger
    archive = zip_of(street_dir, tmp_path / "download.zip")
    with pytest.raises(DataError, match="more than the limit of 300 bytes") as e:
        read_street(archive)
    assert e.value.file == f"{archive}:2022-01/{JAN}"
    gz = tmp_path / (JAN + ".gz")
    gz.write_bytes(gzip.compress((street_dir / JAN).read_bytes()))
    with pytest.raises(DataError, match="to at least 301 bytes") as e:
        read_street(gz)
    assert e.value.file == str(gz)


def test_impossible_coordinates_are_removed_and_counted(street_dir: Path) -> None:
    rewrite(street_dir / JAN, "52.600000", "999")  # a1, line 2: latitude 999
    rewrite(street_dir / FEB, "-1.210000", "-200.5")  # b2, line 3: longitude -200.5
    rewrite(street_dir / FEB, "52.520000", "48.5")  # b3, line 4: south of the Channel
    q = DataQuality()
    df = read_street(street_dir, q)
    assert len(df) == 12  # no row is dropped
    a1 = df[df["crime_id"] == "a1"].iloc[0]
    b2 = df[df["crime_id"] == "b2"].iloc[0]
    assert pd.isna(a1["latitude"]) and pd.isna(a1["longitude"]) and a1["has_location"]
    assert pd.isna(b2["latitude"]) and pd.isna(b2["longitude"])
    assert df[df["crime_id"] == "b3"].iloc[0]["latitude"] == pytest.approx(48.5)
    issues = q.summary().set_index("check")
    impossible = issues.loc["rows with impossible coordinates"]
    assert impossible["rows"] == 2
    assert f"{JAN}, line 2" in impossible["detail"]
    assert "latitude outside -90 to 90, longitude outside -180 to 180" in impossible["detail"]
    outside = issues.loc["rows with coordinates outside England and Wales"]
    assert outside["rows"] == 1 and f"{FEB}, line 4" in outside["detail"]


def test_impossible_coordinates_reach_the_crimes_quality_record(testshire, street_dir) -> None:
    from scrutiny.data import load_crimes

    rewrite(street_dir / JAN, "52.600000", "999")
    df, q = load_crimes(testshire)
    issues = q.summary().set_index("check")
    assert issues.loc["rows with impossible coordinates", "rows"] == 1
    assert df["latitude"].max() < 90


def test_dangling_symlink_named_like_a_street_file(street_dir: Path, tmp_path: Path) -> None:
    import os

    from scrutiny.data.police_uk import months_available

    assert months_available(street_dir) == ["2022-01", "2022-02", "2022-04"]
    link = street_dir / "2022-03-testshire-street.csv"
    os.symlink(tmp_path / "gone.csv", link)
    for call in (read_street, months_available):
        with pytest.raises(DataError) as e:
            call(street_dir)
        assert e.value.file == str(link)
        assert f"is a symbolic link to {tmp_path / 'gone.csv'}, which does not exist" in str(
            e.value
        )
    with pytest.raises(DataError, match="is a symbolic link to .*, which does not exist"):
        read_street(link)
