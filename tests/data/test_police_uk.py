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
