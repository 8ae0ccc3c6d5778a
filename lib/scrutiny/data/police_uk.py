"""police.uk loaders: street-level crime, outcomes and stop and search.

Each accepts one CSV (plain or gzip), a folder of monthly files (searched recursively, so
an unzipped custom download works), or the zip archive exactly as police.uk's custom
download produces it (``YYYY-MM/YYYY-MM-<force>-street.csv``, ``-outcomes.csv``,
``-stop-and-search.csv``). Column lists are those published on data.police.uk.

The loaders return tidy frames with snake_case columns and check what can be checked:
columns present, months parseable, coordinates numeric, crime types known, and no month
loaded twice. They do not join geography; :mod:`scrutiny.data.crimes` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scrutiny.data.csvio import first_false, parse_float, read_csv
from scrutiny.data.quality import DataQuality
from scrutiny.data.rawfiles import (  # noqa: F401 (find_files and months_available re-exported)
    _MONTH_IN_NAME,
    RawFile,
    display_path,
    find_files,
    months_available,
)
from scrutiny.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

STREET_COLUMNS = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
OUTCOME_COLUMNS = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Outcome type",
]
STOP_SEARCH_COLUMNS = [
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
]

# The police.uk crime categories (since May 2013), as they appear in the street files.
CRIME_TYPES = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
ASB = "Anti-social behaviour"

# police.uk outcome categories that mean a suspect was charged or summonsed.
CHARGED_OUTCOMES = (
    "Awaiting court outcome",
    "Court result unavailable",
    "Suspect charged as part of another case",
    "Offender sent to prison",
    "Offender given suspended prison sentence",
    "Offender fined",
    "Offender given community sentence",
    "Offender given conditional discharge",
    "Offender given absolute discharge",
    "Offender otherwise dealt with",
    "Offender ordered to pay compensation",
    "Offender deprived of property",
    "Defendant found not guilty",
    "Court case unable to proceed",
    "Defendant sent to Crown Court",
)

STREET_TIDY = {
    "Crime ID": "crime_id",
    "Reported by": "reported_by",
    "Falls within": "falls_within",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Crime type": "crime_type",
    "Last outcome category": "last_outcome",
    "Context": "context",
}

#: A generous box around England and Wales (the Isles of Scilly to Berwick-upon-Tweed,
#: west Pembrokeshire to Lowestoft): a force in England and Wales has no location outside.
ENGLAND_WALES_BOX = {"latitude": (49.8, 55.9), "longitude": (-6.5, 1.8)}


def _first_at(df: pd.DataFrame, mask: np.ndarray) -> str:
    i = int(np.flatnonzero(mask)[0])
    return f"first at {df['source_file'].iloc[i]}, line {int(df['line'].iloc[i])}"


def check_coordinates(df: pd.DataFrame, quality: DataQuality | None = None) -> None:
    """Remove coordinates that cannot exist and flag those outside England and Wales.

    A latitude outside -90 to 90, a longitude outside -180 to 180, or only one of the two
    given: both coordinates are set to NaN (the row itself is kept: police.uk places a
    crime by its LSOA, and the force total still counts it) and the rows are counted in
    ``quality`` as ``rows with impossible coordinates``. Coordinates that exist but lie
    outside :data:`ENGLAND_WALES_BOX` are kept and counted as ``rows with coordinates
    outside England and Wales`` (a geocoding problem to raise with the force).

    Parameters
    ----------
    df
        A frame with ``latitude``, ``longitude``, ``source_file`` and ``line``; changed in
        place.
    quality
        Where the counts go (with the file and line of the first such row).
    """
    lat = df["latitude"].to_numpy(dtype=float)
    lon = df["longitude"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        impossible = (np.abs(lat) > 90) | (np.abs(lon) > 180) | (np.isnan(lat) != np.isnan(lon))
    if impossible.any():
        if quality is not None:
            quality.warn(
                "rows with impossible coordinates",
                int(impossible.sum()),
                "latitude outside -90 to 90, longitude outside -180 to 180, or only one of "
                f"the two given ({_first_at(df, impossible)}): the coordinates are removed; "
                "the rows are kept, placed by their LSOA",
            )
        df.loc[impossible, ["latitude", "longitude"]] = np.nan
        lat = df["latitude"].to_numpy(dtype=float)
        lon = df["longitude"].to_numpy(dtype=float)
    (lat_lo, lat_hi), (lon_lo, lon_hi) = (
        ENGLAND_WALES_BOX["latitude"],
        ENGLAND_WALES_BOX["longitude"],
    )
    located = ~np.isnan(lat)
    with np.errstate(invalid="ignore"):
        inside = (lat >= lat_lo) & (lat <= lat_hi) & (lon >= lon_lo) & (lon <= lon_hi)
    outside = located & ~inside
    if outside.any() and quality is not None:
        quality.warn(
            "rows with coordinates outside England and Wales",
            int(outside.sum()),
            f"latitude outside {lat_lo} to {lat_hi} or longitude outside {lon_lo} to {lon_hi} "
            f"({_first_at(df, outside)}): kept as published; check the force's geocoding",
        )


def _read_many(
    files: Sequence[RawFile], columns: list[str], optional: Sequence[str] = ()
) -> tuple[pa.Table, np.ndarray, list[str]]:
    """Read and concatenate files; return the table, line numbers and file labels per row."""
    tables = []
    for f in files:
        tables.append(read_csv(f, [c for c in columns if c not in optional], optional=optional))
    lengths = np.array([t.num_rows for t in tables])
    table = pa.concat_tables(tables)
    # Line number of each row within its own file (header is line 1).
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    lines = np.arange(table.num_rows) - starts + 2
    file_idx = np.repeat(np.arange(len(files)), lengths)
    table = table.append_column(
        "source_file",
        pa.DictionaryArray.from_arrays(pa.array(file_idx, pa.int32()), [f.label for f in files]),
    )
    return table, lines, [f.label for f in files]


def _check_month(table: pa.Table, column: str, lines: np.ndarray, labels: list[str]) -> None:
    col = table.column(column)
    ok = pc.match_substring_regex(col, r"^\s*\d{4}-(0[1-9]|1[0-2])\s*$")
    bad = first_false(ok)
    if bad is not None:
        value = col[bad].as_py()
        raise DataError(
            _label_of(table, bad, labels),
            f"has month {'(empty)' if value is None else repr(value)}",
            expected="a month written YYYY-MM, e.g. 2022-10",
            row=int(lines[bad]),
            column=column,
        )


def _label_of(table: pa.Table, index: int, labels: list[str]) -> str:
    return str(table.column("source_file")[index].as_py()) if labels else ""


def _labeller(table: pa.Table, labels: list[str]) -> Callable[[int], str]:
    return lambda i: _label_of(table, i, labels)


def _check_name_months(table: pa.Table, lines: np.ndarray, labels: list[str]) -> None:
    """A file named for one month must hold only that month."""
    src = table.column("source_file").combine_chunks().indices.to_numpy()
    months = table.column("Month").to_numpy(zero_copy_only=False)
    for i, label in enumerate(labels):
        m = _MONTH_IN_NAME.search(Path(label.split(":")[-1]).name)
        if not m:
            continue
        rows = np.flatnonzero(src == i)
        wrong = rows[months[rows] != m.group(1)]
        if wrong.size:
            j = int(wrong[0])
            raise DataError(
                label,
                f"is named for {m.group(1)} but holds month {months[j]}",
                expected=f"only rows for {m.group(1)}",
                row=int(lines[j]),
                column="Month",
            )


def _check_duplicate_months(
    table: pa.Table, lines: np.ndarray, labels: list[str], by: str = "Reported by"
) -> None:
    """The same month (for the same reporting force) must not come from two files."""
    if len(labels) < 2:
        return
    n = table.num_rows
    keys = pa.table(
        {
            "src": table.column("source_file").combine_chunks().indices,
            "month": table.column("Month"),
            "by": table.column(by) if by else pa.nulls(n, pa.string()),
            "line": pa.array(lines),
        }
    )
    firsts = (
        keys.group_by(["src", "month", "by"], use_threads=False)
        .aggregate([("line", "min")])
        .to_pandas()
        .sort_values(["src", "line_min"])
    )
    dup = firsts.duplicated(["month", "by"], keep="first")
    if dup.any():
        import pandas as pd

        second = firsts[dup].iloc[0]
        same = (firsts["month"] == second["month"]) & (
            firsts["by"].fillna("") == ("" if pd.isna(second["by"]) else second["by"])
        )
        first = firsts[same].iloc[0]
        raise DataError(
            labels[int(second["src"])],
            f"repeats month {second['month']}, already loaded from {labels[int(first['src'])]}",
            expected="each month once: remove one of the two files",
            row=int(second["line_min"]),
            column="Month",
        )


def _month_ts(col: pa.ChunkedArray) -> pd.Series:
    import pandas as pd

    months = pc.utf8_trim_whitespace(col).to_pandas()
    return pd.to_datetime(months, format="%Y-%m")


def _cat(col: pa.ChunkedArray) -> pd.Series:
    return col.dictionary_encode().to_pandas()


def read_street(
    path: str | Path | Sequence[RawFile],
    quality: DataQuality | None = None,
) -> pd.DataFrame:
    """Read police.uk street-level crime.

    Parameters
    ----------
    path
        A street CSV (plain or .gz), a folder of monthly files, a police.uk zip, or a
        list of :class:`~scrutiny.data.rawfiles.RawFile` from :func:`find_files`.
    quality
        Record to add rows without a location and repeated crime IDs to.

    Returns
    -------
    DataFrame
        One row per crime or ASB incident, in file order:

        ========== ==================================================================
        month      Timestamp, first day of the month
        crime_id   police.uk's anonymised crime ID (None for ASB)
        reported_by, falls_within   the force (category)
        longitude, latitude  float, NaN when the crime has no location
        location   "On or near ..." snap point (category)
        lsoa_code, lsoa_name  2011 LSOA (category; None without a location)
        crime_type police.uk category (category)
        last_outcome  latest outcome (category; None for ASB)
        context    free text (usually empty)
        has_location  bool
        source_file   file (or archive member) the row came from (category)
        line       line number in that file
        ========== ==================================================================

    Raises
    ------
    DataError
        For a missing or renamed column, an unparseable month, a file named for one month
        holding another, bad coordinates, an unknown crime type, a month loaded twice,
        and any unreadable file (empty, truncated, not UTF-8).
    """
    files = path if isinstance(path, list) else find_files(path, "street")
    table, lines, labels = _read_many(files, STREET_COLUMNS, optional=("Context",))
    _check_month(table, "Month", lines, labels)
    _check_name_months(table, lines, labels)
    _check_duplicate_months(table, lines, labels)
    ctype = table.column("Crime type")
    bad = first_false(pc.is_in(ctype, value_set=pa.array(CRIME_TYPES)))
    if bad is not None:
        raise DataError(
            _label_of(table, bad, labels),
            f"has crime type {ctype[bad].as_py()!r}",
            expected="one of the police.uk categories: " + ", ".join(CRIME_TYPES),
            row=int(lines[bad]),
            column="Crime type",
        )
    lon = parse_float(table, "Longitude", _labeller(table, labels), row_offset=lines)
    lat = parse_float(table, "Latitude", _labeller(table, labels), row_offset=lines)
    import pandas as pd

    df = pd.DataFrame({"month": _month_ts(table.column("Month"))})
    for raw_name, tidy in STREET_TIDY.items():
        col = table.column(raw_name)
        df[tidy] = col.to_pandas() if tidy in ("crime_id", "context") else _cat(col)
    df["longitude"] = lon.to_numpy()
    df["latitude"] = lat.to_numpy()
    df["has_location"] = df["lsoa_code"].notna().to_numpy()
    df["source_file"] = table.column("source_file").to_pandas()
    df["line"] = lines.astype("int64")
    order = [
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
        "has_location",
        "source_file",
        "line",
    ]
    df = df[order]
    check_coordinates(df, quality)
    if quality is not None:
        quality.warn(
            "rows without a location",
            int((~df["has_location"]).sum()),
            "no coordinates or LSOA: counted in force totals, not in any district",
        )
        ids = df["crime_id"].dropna()
        repeated = ids[ids.duplicated(keep=False)]
        quality.warn(
            "crime IDs appearing more than once",
            len(repeated),
            f"{repeated.nunique()} police.uk crime IDs appear in more than one row (police.uk "
            "republishes a crime whose record changed); all rows are kept",
            severity="note",
        )
    return df


def read_outcomes(path: str | Path, quality: DataQuality | None = None) -> pd.DataFrame:
    """Read police.uk outcomes files.

    Returns
    -------
    DataFrame
        ``month`` (Timestamp), ``crime_id``, ``reported_by``, ``falls_within``,
        ``longitude``, ``latitude``, ``location``, ``lsoa_code``, ``lsoa_name``,
        ``outcome_type``, ``has_location``, ``source_file``, ``line``. ``month`` is the
        month the outcome was recorded, not the month of the crime.
    """
    files = find_files(path, "outcomes")
    table, lines, labels = _read_many(files, OUTCOME_COLUMNS)
    _check_month(table, "Month", lines, labels)
    _check_name_months(table, lines, labels)
    _check_duplicate_months(table, lines, labels)
    lon = parse_float(table, "Longitude", _labeller(table, labels), row_offset=lines)
    lat = parse_float(table, "Latitude", _labeller(table, labels), row_offset=lines)
    import pandas as pd

    df = pd.DataFrame(
        {
            "month": _month_ts(table.column("Month")),
            "crime_id": table.column("Crime ID").to_pandas(),
            "reported_by": _cat(table.column("Reported by")),
            "falls_within": _cat(table.column("Falls within")),
            "longitude": lon.to_numpy(),
            "latitude": lat.to_numpy(),
            "location": _cat(table.column("Location")),
            "lsoa_code": _cat(table.column("LSOA code")),
            "lsoa_name": _cat(table.column("LSOA name")),
            "outcome_type": _cat(table.column("Outcome type")),
        }
    )
    df["has_location"] = df["lsoa_code"].notna()
    df["source_file"] = table.column("source_file").to_pandas()
    df["line"] = lines.astype("int64")
    check_coordinates(df, quality)
    if quality is not None:
        quality.warn("outcomes without a location", int((~df["has_location"]).sum()), "")
    return df


def read_stop_and_search(path: str | Path, quality: DataQuality | None = None) -> pd.DataFrame:
    """Read police.uk stop-and-search files.

    Returns
    -------
    DataFrame
        ``date`` (Timestamp, UTC), ``month`` (Timestamp, first of month), ``type``,
        ``part_of_operation`` (bool, NA when blank), ``policing_operation``,
        ``latitude``, ``longitude``, ``gender``, ``age_range``,
        ``self_defined_ethnicity``, ``officer_defined_ethnicity``, ``legislation``,
        ``object_of_search``, ``outcome``, ``outcome_linked_to_object`` (bool/NA),
        ``removal_of_outer_clothing`` (bool/NA), ``has_location``, ``source_file``, ``line``.

    Raises
    ------
    DataError
        Missing or renamed columns, an unparseable date, a month loaded twice.
    """
    files = find_files(path, "stop-and-search")
    table, lines, labels = _read_many(files, STOP_SEARCH_COLUMNS)
    date_col = table.column("Date")
    ok = pc.match_substring_regex(date_col, r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?.*)?$")
    bad = first_false(ok)
    if bad is not None:
        raise DataError(
            _label_of(table, bad, labels),
            f"has date {date_col[bad].as_py()!r}",
            expected="an ISO date-time, e.g. 2022-10-01T12:30:00+00:00",
            row=int(lines[bad]),
            column="Date",
        )
    month = pc.utf8_slice_codeunits(date_col, 0, 7)
    table = table.append_column("Month", month).append_column(
        "Reported by", pa.nulls(table.num_rows, pa.string())
    )
    _check_name_months(table, lines, labels)
    _check_duplicate_months(table, lines, labels, by="")
    lon = parse_float(table, "Longitude", _labeller(table, labels), row_offset=lines)
    lat = parse_float(table, "Latitude", _labeller(table, labels), row_offset=lines)

    def yes_no(name: str) -> pd.Series:
        s = table.column(name).to_pandas().str.strip().str.lower()
        return s.map({"true": True, "false": False, "yes": True, "no": False}).astype("boolean")

    import pandas as pd

    df = pd.DataFrame(
        {
            "date": pd.to_datetime(date_col.to_pandas(), utc=True, format="ISO8601"),
            "month": pd.to_datetime(month.to_pandas(), format="%Y-%m"),
            "type": _cat(table.column("Type")),
            "part_of_operation": yes_no("Part of a policing operation"),
            "policing_operation": table.column("Policing operation").to_pandas(),
            "latitude": lat.to_numpy(),
            "longitude": lon.to_numpy(),
            "gender": _cat(table.column("Gender")),
            "age_range": _cat(table.column("Age range")),
            "self_defined_ethnicity": _cat(table.column("Self-defined ethnicity")),
            "officer_defined_ethnicity": _cat(table.column("Officer-defined ethnicity")),
            "legislation": _cat(table.column("Legislation")),
            "object_of_search": _cat(table.column("Object of search")),
            "outcome": _cat(table.column("Outcome")),
            "outcome_linked_to_object": yes_no("Outcome linked to object of search"),
            "removal_of_outer_clothing": yes_no("Removal of more than just outer clothing"),
        }
    )
    df["has_location"] = df["latitude"].notna()
    df["source_file"] = table.column("source_file").to_pandas()
    df["line"] = lines.astype("int64")
    check_coordinates(df, quality)
    df["has_location"] = df["latitude"].notna()  # impossible coordinates are now NaN
    if quality is not None:
        quality.warn("searches without a location", int((~df["has_location"]).sum()), "")
    return df
