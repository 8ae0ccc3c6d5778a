"""Home Office police workforce tables: officers, staff and PCSOs by force, as published.

The Home Office "Police workforce, England and Wales" open data tables are ODS workbooks
with one sheet per table. The force tables this module reads look alike in every year
held (September 2015 to September 2019, ``data/raw/home-office/workforce/``):

* cell A1 is the title, e.g. ``"Table 1: Police officers by police force area, ..."``;
  the title names the worker type (police officers, police staff, police community
  support officers); other tables (designated officers, specials, volunteers, the
  national time series) are not read;
* a cell near the top says ``"Full-time equivalents"`` or ``"Headcount"``;
* a row of dates in columns B onwards (the "as at" dates of the table's columns, e.g.
  30 September 2018, 31 March 2019, 30 September 2019), then change columns, which are
  not read (they follow from the dates);
* one row per force, grouped under English regions (a region's name carries a
  trailing space, ``"West Midlands "``, which tells the West Midlands region from the
  West Midlands force) and Wales, until ``"Total 43 forces"``. A footnote marker may be
  appended to a force's name (``"Wiltshire1"``) and is removed.

:func:`load_workforce_table` reads one workbook into a tidy frame, each value with the
sheet and cell it came from; :func:`load_workforce` reads every workbook in a folder and
the 31 March 2025 officer FTE (:func:`load_officers_2025`); :func:`latest_figures` keeps,
for each force, date and worker type, the figure of the latest publication (a later
table may revise an earlier date's figure).

The tables hold no joiners or leavers by force: the workbooks here have stock figures
only, so none are returned (the force's own people return has its recruits and leavers,
:mod:`scrutiny.data.returns`).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from scrutiny import provenance
from scrutiny.config import RAW_DIR
from scrutiny.data.home_office import load_force_values
from scrutiny.data.rawfiles import display_path
from scrutiny.errors import DataError

#: The committed workbooks.
WORKFORCE_DIR = RAW_DIR / "home-office" / "workforce"
#: The 31 March 2025 officer FTE (a derived per-force table, see data/README.md).
OFFICERS_2025 = RAW_DIR / "home-office" / "officer-fte-2025-03-31.csv"

#: The 43 territorial forces, spelt as the workforce tables spell them.
FORCES = (
    "Cleveland",
    "Durham",
    "Northumbria",
    "Cheshire",
    "Cumbria",
    "Greater Manchester",
    "Lancashire",
    "Merseyside",
    "Humberside",
    "North Yorkshire",
    "South Yorkshire",
    "West Yorkshire",
    "Derbyshire",
    "Leicestershire",
    "Lincolnshire",
    "Northamptonshire",
    "Nottinghamshire",
    "Staffordshire",
    "Warwickshire",
    "West Mercia",
    "West Midlands",
    "Bedfordshire",
    "Cambridgeshire",
    "Essex",
    "Hertfordshire",
    "Norfolk",
    "Suffolk",
    "London, City of",
    "Metropolitan Police",
    "Hampshire",
    "Kent",
    "Surrey",
    "Sussex",
    "Thames Valley",
    "Avon & Somerset",
    "Devon & Cornwall",
    "Dorset",
    "Gloucestershire",
    "Wiltshire",
    "Dyfed-Powys",
    "Gwent",
    "North Wales",
    "South Wales",
)
#: Region rows (skipped). Their names end in a space in the tables; Wales does not.
REGIONS = (
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "Eastern",
    "East of England",
    "London",
    "South East",
    "South West",
    "Wales",
    "England and Wales",
)
#: Table title -> worker type.
WORKER_TYPES = {
    "officer": re.compile(r"^Table \d+: Police officers\d* by police force area", re.I),
    "staff": re.compile(r"^Table \d+: Police staff\d* by police force area", re.I),
    "pcso": re.compile(r"^Table \d+: Police community support officers\d* by police force", re.I),
}
WORKER_LABELS = {"officer": "police officers", "staff": "police staff", "pcso": "PCSOs"}
#: The same at the start of a sentence.
WORKER_TITLES = {"officer": "Police officers", "staff": "Police staff", "pcso": "PCSOs"}
COLUMNS = [
    "force",
    "as_at",
    "worker_type",
    "measure",
    "value",
    "note",
    "publication",
    "source",
    "cell",
]
#: How the tables mark a figure that is not available (kept as NaN with a note).
NOT_AVAILABLE = ("..",)
END_ROW = "Total 43 forces"


def column_letter(i: int) -> str:
    """0-based column index -> spreadsheet letter (0 -> ``A``, 27 -> ``AB``)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _as_date(v: object) -> pd.Timestamp | None:
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date)):
        return pd.Timestamp(v).normalize()
    return None


def _measure(grid: pd.DataFrame) -> str | None:
    for v in grid.iloc[:6].to_numpy().ravel():
        if isinstance(v, str):
            s = v.strip().lower()
            if s.startswith("full-time equivalent"):
                return "FTE"
            if s.startswith("headcount"):
                return "headcount"
    return None


def _force_name(raw: str) -> str:
    return re.sub(r"[\d,]+$", "", raw.rstrip()).strip()


def _read_sheet(grid: pd.DataFrame, worker: str, label: str, file: str, sheet: str):
    where = f"{label}, sheet '{sheet}'"
    measure = _measure(grid)
    if measure is None:
        raise DataError(
            where,
            "does not say whether it counts full-time equivalents or headcount",
            expected="a cell 'Full-time equivalents' or 'Headcount' in rows 1 to 6",
        )
    dates_row = next(
        (i for i in range(min(len(grid), 12)) if _as_date(grid.iat[i, 1]) is not None), None
    )
    if dates_row is None:
        raise DataError(
            where,
            "has no row of 'as at' dates",
            expected="dates such as 30/09/2019 in column B, rows 1 to 12",
            column="B",
        )
    dates: dict[int, pd.Timestamp] = {}
    for j in range(1, grid.shape[1]):
        d = _as_date(grid.iat[dates_row, j])
        if d is None:
            break
        dates[j] = d
    publication = max(dates.values())
    rows = []
    seen: dict[str, int] = {}
    ended = False
    for i in range(dates_row + 1, len(grid)):
        raw = grid.iat[i, 0]
        if not isinstance(raw, str) or not raw.strip():
            if all(pd.isna(grid.iat[i, j]) for j in dates):
                continue
            raise DataError(
                where,
                "has figures but no force name",
                expected="a force or region name in column A",
                row=i + 1,
                column="A",
            )
        if raw.strip() == END_ROW:
            ended = True
            break
        name = _force_name(raw)
        is_region = name in REGIONS and (name not in FORCES or raw != raw.rstrip())
        if is_region:
            continue
        if name not in FORCES:
            raise DataError(
                where,
                f"names {raw.strip()!r}, which is not a territorial force or region",
                expected="one of the 43 forces (e.g. 'Leicestershire') or a region",
                row=i + 1,
                column="A",
            )
        if name in seen:
            raise DataError(
                where,
                f"lists {name} twice (rows {seen[name]} and {i + 1})",
                expected="each force once",
                row=i + 1,
                column="A",
            )
        seen[name] = i + 1
        for j, d in dates.items():
            v = grid.iat[i, j]
            cell = f"{sheet}!{column_letter(j)}{i + 1}"
            if isinstance(v, str) and v.strip() in NOT_AVAILABLE:
                note = f"not available ('{v.strip()}' in the table)"
                rows.append((name, d, worker, measure, float("nan"), note, publication, file, cell))
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or pd.isna(v) or v < 0:
                raise DataError(
                    where,
                    f"{name}: {v!r} is not a number of {WORKER_LABELS[worker]}",
                    expected=f"a number of zero or more (as at {d:%d %B %Y})",
                    row=i + 1,
                    column=column_letter(j),
                )
            rows.append((name, d, worker, measure, float(v), "", publication, file, cell))
    if not ended:
        raise DataError(
            where,
            f"has no '{END_ROW}' row closing the force rows",
            expected=f"a row '{END_ROW}' after the last force",
            column="A",
        )
    missing = [f for f in FORCES if f not in seen]
    if missing:
        raise DataError(
            where,
            f"has no row for {', '.join(missing)}",
            expected="a row for each of the 43 territorial forces",
            column="A",
        )
    return rows


def load_workforce_table(path: str | Path) -> pd.DataFrame:
    """Read the officer, staff and PCSO force tables of one workforce workbook.

    Parameters
    ----------
    path
        A Home Office "Police workforce, England and Wales" ODS (or XLSX) workbook.

    Returns
    -------
    DataFrame
        One row per force, date, worker type and measure: ``force`` (as the tables spell
        it, e.g. ``"Avon & Somerset"``), ``as_at`` (Timestamp), ``worker_type``
        (``officer``, ``staff`` or ``pcso``), ``measure`` (``FTE`` or ``headcount``, as
        the table says), ``value`` (float, exactly as published; NaN where the table
        says ``..``, not available), ``note`` (why a value is NaN), ``publication`` (the
        table's latest date), ``source`` (the file) and ``cell`` (e.g. ``"Table_1!D24"``).

    Raises
    ------
    DataError
        A file that cannot be opened or has no officer table; in a table: no unit, no
        dates, an unknown or repeated force, a force missing, a figure that is not a
        number of zero or more (naming file, sheet, row and column).
    """
    p = Path(path)
    rec = provenance.record_input(p, description="Home Office police workforce tables")
    return _read_workbook(p.resolve(), rec.sha256, display_path(p)).copy()


@lru_cache(maxsize=16)
def _read_workbook(p: Path, sha: str, label: str) -> pd.DataFrame:
    """Read one workbook (cached on its content hash: a changed file is read again).

    ODS and XLSX alike are read by calamine (python-calamine): the five committed ODS
    workbooks in 0.15 s against odfpy's 3.2 s, with equal tables.
    """
    try:
        book = pd.ExcelFile(p, engine="calamine")
    except Exception as exc:  # noqa: BLE001 - any reader failure means an unreadable file
        raise DataError(
            label, f"cannot be opened as a spreadsheet ({exc})", expected="an ODS or XLSX file"
        ) from None
    rows = []
    found = set()
    for sheet in book.sheet_names:
        grid = pd.read_excel(book, sheet_name=sheet, header=None)
        if grid.empty or not isinstance(grid.iat[0, 0], str):
            continue
        title = grid.iat[0, 0].strip()
        for worker, pattern in WORKER_TYPES.items():
            if pattern.search(title):
                rows += _read_sheet(grid, worker, label, p.name, str(sheet))
                found.add(worker)
                break
    if "officer" not in found:
        raise DataError(
            label,
            "has no police officer table (sheets: " + ", ".join(map(repr, book.sheet_names)) + ")",
            expected="a sheet titled 'Table N: Police officers by police force area ...'",
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out


def load_officers_2025(path: str | Path = OFFICERS_2025) -> pd.DataFrame:
    """The 31 March 2025 officer FTE per force, in :func:`load_workforce_table`'s shape."""
    df = load_force_values(path, "officer_fte", "officer FTE 31 March 2025")
    return pd.DataFrame(
        {
            "force": df["force"],
            "as_at": pd.Timestamp("2025-03-31"),
            "worker_type": "officer",
            "measure": "FTE",
            "value": df["officer_fte"].astype(float),
            "note": "",
            "publication": pd.Timestamp("2025-03-31"),
            "source": Path(path).name,
            "cell": [f"row {i + 2}" for i in range(len(df))],
        }
    )[COLUMNS]


def load_workforce(folder: str | Path = WORKFORCE_DIR, *, officers_2025: bool = True):
    """Every workbook in ``folder`` (``*.ods``, ``*.xlsx``) plus the 2025 officer FTE.

    Returns
    -------
    DataFrame
        :func:`load_workforce_table`'s columns, every publication (revisions included).

    Raises
    ------
    DataError
        A folder with no workbook, or any error of :func:`load_workforce_table`.
    """
    d = Path(folder)
    files = sorted([*d.glob("*.ods"), *d.glob("*.xlsx")])
    if not files:
        raise DataError(display_path(d), "holds no workbook", expected="*.ods or *.xlsx files")
    frames = [load_workforce_table(f) for f in files]
    if officers_2025:
        frames.append(load_officers_2025())
    return pd.concat(frames, ignore_index=True)


def latest_figures(workforce: pd.DataFrame) -> pd.DataFrame:
    """For each force, date, worker type and measure: the latest publication's figure.

    A date appears in up to three tables (e.g. 30 September 2018 in the 2018 and 2019
    workbooks); a later table may revise it, so the latest is kept. A figure marked not
    available (``..``) gives way to an earlier publication's figure for the same date.
    """
    keys = ["force", "as_at", "worker_type", "measure"]
    out = workforce.dropna(subset=["value"])
    out = out.sort_values([*keys, "publication"]).drop_duplicates(keys, keep="last")
    return out.sort_values(keys).reset_index(drop=True)
