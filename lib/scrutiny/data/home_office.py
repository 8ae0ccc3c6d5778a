"""Home Office tables: recorded crime by force and by CSP, the offence map, grant, officers.

The police recorded crime open data tables come at force level (columns ``Force Name``,
``Number of Offences``) and at community safety partnership level (``Police Force``,
``CSP Name``, ``Offence Count``), as CSV or as the published ODS/XLSX workbooks with one
sheet per financial year (``"2017-18"``). :func:`load_recorded_crime` reads any of these
into one tidy shape.

Quarterly counts may be negative: a crime cancelled or reclassified after the quarter in
which it was recorded is taken off a later quarter (the committed 2017/18 table has 36
such cells). They are allowed and listed in the quality record. A negative *annual* total
for an area and offence cannot happen and is a :class:`~scrutiny.errors.DataError`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from scrutiny import provenance
from scrutiny.data.csvio import match_columns, parse_float, read_csv
from scrutiny.data.police_uk import CRIME_TYPES
from scrutiny.data.quality import DataQuality, SourceUsed
from scrutiny.data.rawfiles import RawFile, display_path
from scrutiny.errors import DataError

PRC_REQUIRED = [
    "Financial Year",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]
PRC_ALIASES = {
    "Force Name": ("Police Force", "Force"),
    "Number of Offences": ("Offence Count", "Count"),
    "CSP Name": ("Community Safety Partnership",),
}
PRC_OPTIONAL = ["Financial Quarter", "CSP Name"]
MAP_COLUMNS = [
    "Offence Group",
    "Offence Code",
    "Offence Description",
    "Offence Subgroup",
    "Police.uk category",
]


def normalise_year(year: str) -> str:
    """``"2017-18"``, ``"2017/18"``, ``"2017_18"`` or ``"201718"`` -> ``"2017-18"``."""
    m = re.fullmatch(r"\s*(?:FY\s*)?(\d{4})\s*[-/_ ]?\s*(\d{2})\s*", str(year), re.IGNORECASE)
    if not m:
        raise ValueError(f"financial year {year!r} not understood (expected e.g. '2017-18')")
    return f"{m.group(1)}-{m.group(2)}"


# -- offence map ------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _offence_map(path: Path, sha: str) -> pd.DataFrame:
    raw = RawFile(path)
    df = read_csv(raw, MAP_COLUMNS).to_pandas()
    lower = {c.lower(): c for c in CRIME_TYPES}
    cat = df["Police.uk category"].str.strip().str.lower().map(lower)
    if cat.isna().any():
        i = int(np.flatnonzero(cat.isna().to_numpy())[0])
        raise DataError(
            raw.label,
            f"maps to police.uk category {df['Police.uk category'].iat[i]!r}",
            expected="a police.uk category: " + ", ".join(CRIME_TYPES),
            row=i + 2,
            column="Police.uk category",
        )
    dup = df["Offence Code"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            raw.label,
            f"lists offence code {df['Offence Code'].iat[i]!r} twice",
            expected="each offence code once",
            row=i + 2,
            column="Offence Code",
        )
    return pd.DataFrame(
        {
            "offence_code": df["Offence Code"].str.strip(),
            "offence_description": df["Offence Description"],
            "offence_group": df["Offence Group"],
            "offence_subgroup": df["Offence Subgroup"],
            "police_uk_category": cat,
        }
    )


def load_offence_map(path: str | Path) -> pd.DataFrame:
    """Read the Home Office offence code to police.uk category map.

    Returns
    -------
    DataFrame
        ``offence_code, offence_description, offence_group, offence_subgroup,
        police_uk_category``; the category spelt as in police.uk's files
        (``"Violence and sexual offences"``), matched case-insensitively.
    """
    p = Path(path)
    rec = provenance.record_input(p, description="Home Office offence code to police.uk map")
    return _offence_map(p.resolve(), rec.sha256).copy()


# -- recorded crime -----------------------------------------------------------------------


def _from_spreadsheet(path: Path, year: str) -> tuple[pa.Table, str, int]:
    """Return (all-string table, label, header line) for the sheet of ``year``."""
    engine = "odf" if path.suffix.lower() == ".ods" else "openpyxl"
    label = display_path(path)
    try:
        book = pd.ExcelFile(path, engine=engine)
    except Exception as exc:  # noqa: BLE001 - any reader failure means an unreadable file
        raise DataError(
            label, f"cannot be opened as a spreadsheet ({exc})", expected="an ODS or XLSX file"
        ) from None
    want = normalise_year(year)
    sheet = None
    for name in book.sheet_names:
        try:
            if normalise_year(str(name)) == want:
                sheet = name
                break
        except ValueError:
            continue
    if sheet is None:
        raise DataError(
            label,
            f"has no sheet for financial year {want} (sheets: "
            + ", ".join(repr(s) for s in book.sheet_names)
            + ")",
            expected=f"a sheet named '{want}'",
        )
    grid = pd.read_excel(book, sheet_name=sheet, header=None, dtype=str)
    # The header is the first row naming an offence code column (notes may sit above).
    header_row = None
    for i in range(min(len(grid), 20)):
        cells = [str(c).strip().lower() for c in grid.iloc[i] if isinstance(c, str)]
        if "offence code" in cells:
            header_row = i
            break
    sheet_label = f"{label}, sheet '{sheet}'"
    if header_row is None:
        raise DataError(
            sheet_label,
            "has no header row naming 'Offence Code'",
            expected="columns " + ", ".join(PRC_REQUIRED),
            row=1,
            column="Offence Code",
        )
    header = [str(c).strip() if isinstance(c, str) else "" for c in grid.iloc[header_row]]
    body = grid.iloc[header_row + 1 :].dropna(how="all")
    positions = match_columns(
        header, sheet_label, PRC_REQUIRED, aliases=PRC_ALIASES, optional=PRC_OPTIONAL
    )
    cols = {}
    for name, pos in positions.items():
        cols[name] = pa.array(
            [None if pd.isna(v) else str(v).strip() for v in body.iloc[:, pos]], pa.string()
        )
    for name in PRC_OPTIONAL:
        if name not in cols:
            cols[name] = pa.nulls(len(body), pa.string())
    if len(body) == 0:
        raise DataError(sheet_label, "has a header but no data rows", row=header_row + 2)
    # Spreadsheet rows are 1-based; data starts the row after the header.
    lines = (body.index.to_numpy() + 1).astype(np.int64)
    return pa.table(cols), sheet_label, lines  # type: ignore[return-value]


def load_recorded_crime(
    path: str | Path,
    *,
    financial_year: str = "2017-18",
    quality: DataQuality | None = None,
) -> pd.DataFrame:
    """Read Home Office police recorded crime (force or CSP level).

    Parameters
    ----------
    path
        CSV (plain or .gz), ODS or XLSX. A workbook must have a sheet per financial year.
    financial_year
        The year to return, e.g. ``"2017-18"`` (a CSV is filtered on ``Financial Year``).
    quality
        Record for negative quarterly adjustments and the source.

    Returns
    -------
    DataFrame
        ``financial_year`` (``"2017/18"``), ``quarter`` (Int64, NA when the table is
        annual), ``force``, ``csp`` (None at force level), ``offence_code``,
        ``offence_description``, ``offence_group``, ``offence_subgroup``, ``count``.

    Raises
    ------
    DataError
        Missing or renamed columns, no sheet or no rows for the year, a count that is not
        a whole number, a negative annual total.
    """
    p = Path(path)
    want = normalise_year(financial_year)
    rec = provenance.record_input(
        p, period=f"financial year {want.replace('-', '/')}", description="Home Office PRC"
    )
    if p.suffix.lower() in {".ods", ".xlsx", ".xlsm"}:
        table, label, lines = _from_spreadsheet(p, want)
    else:
        raw = RawFile(p)
        label = raw.label
        table = read_csv(raw, PRC_REQUIRED, aliases=PRC_ALIASES, optional=PRC_OPTIONAL)
        lines = np.arange(table.num_rows, dtype=np.int64) + 2
    df = _tidy(table, label, lines, want)
    level = "CSP" if df["csp"].notna().any() else "force"
    if quality is not None:
        neg = df[df["count"] < 0]
        quality.warn(
            "Home Office: negative quarterly counts",
            len(neg),
            "crimes cancelled or reclassified after the quarter they were recorded in "
            f"(smallest {neg['count'].min() if len(neg) else 0}); annual totals are all "
            "zero or more",
            severity="note",
        )
        quality.add_source(
            SourceUsed(
                f"Home Office recorded crime by {level}",
                rec.path,
                rows=len(df),
                period=f"financial year {want.replace('-', '/')}",
            )
        )
    return df


def _tidy(table: pa.Table, label: str, lines: np.ndarray, want: str) -> pd.DataFrame:
    year_col = table.column("Financial Year").to_pandas().astype("string").str.strip()
    years = year_col.map(lambda v: _safe_year(v))
    if years.isna().any():
        i = int(np.flatnonzero(years.isna().to_numpy())[0])
        raise DataError(
            label,
            f"has financial year {year_col.iat[i]!r}",
            expected="a financial year written 2017/18",
            row=int(lines[i]),
            column="Financial Year",
        )
    keep = (years == want).to_numpy()
    if not keep.any():
        raise DataError(
            label,
            f"has no rows for financial year {want} (it has {', '.join(sorted(set(years)))})",
            expected=f"rows with Financial Year {want.replace('-', '/')}",
            column="Financial Year",
        )
    table = table.filter(pa.array(keep))
    lines = lines[keep]
    counts = parse_float(table, "Number of Offences", label, allow_null=False, row_offset=lines)
    c = counts.to_numpy()
    frac = np.flatnonzero(c != np.round(c))
    if frac.size:
        i = int(frac[0])
        raise DataError(
            label,
            f"has a count of {c[i]}",
            expected="a whole number of offences",
            row=int(lines[i]),
            column="Number of Offences",
        )
    q = table.column("Financial Quarter").to_pandas()
    df = pd.DataFrame(
        {
            "financial_year": want.replace("-", "/"),
            "quarter": pd.to_numeric(q, errors="coerce").astype("Int64"),
            "force": table.column("Force Name").to_pandas().astype(object),
            "csp": table.column("CSP Name").to_pandas().astype(object),
            "offence_code": table.column("Offence Code").to_pandas().astype(object),
            "offence_description": table.column("Offence Description").to_pandas().astype(object),
            "offence_group": table.column("Offence Group").to_pandas().astype(object),
            "offence_subgroup": table.column("Offence Subgroup").to_pandas().astype(object),
            "count": c.astype(np.int64),
        }
    )
    df["csp"] = df["csp"].where(df["csp"].notna(), None)
    df["offence_code"] = df["offence_code"].str.strip()
    keys = ["force", "csp", "offence_code"]
    annual = df.fillna({"csp": ""}).groupby(keys, sort=False)["count"].transform("sum")
    bad = np.flatnonzero((annual < 0).to_numpy())
    if bad.size:
        i = int(bad[0])
        raise DataError(
            label,
            f"{df['force'].iat[i]}, offence {df['offence_code'].iat[i]}: the year's counts "
            f"add up to {int(annual.iat[i])}",
            expected="a total of zero or more offences in the year (negative quarters are "
            "adjustments; a negative year is an error)",
            row=int(lines[i]),
            column="Number of Offences",
        )
    return df


def _safe_year(v: object) -> str | None:
    try:
        return normalise_year(str(v))
    except ValueError:
        return None


# -- grant and officers -------------------------------------------------------------------


def load_force_values(path: str | Path, column: str, description: str) -> pd.DataFrame:
    """Read a two-column per-force table (``force`` and ``column``), e.g. grant or officers.

    Returns
    -------
    DataFrame
        ``force`` and ``column`` (float), one row per force.

    Raises
    ------
    DataError
        Missing columns, a non-numeric or negative value, a force listed twice.
    """
    p = Path(path)
    rec = provenance.record_input(p, description=description)
    raw = RawFile(p)
    t = read_csv(raw, ["force", column])
    values = parse_float(t, column, raw.label, allow_null=False)
    df = pd.DataFrame({"force": t.column("force").to_pandas().astype(object), column: values})
    neg = np.flatnonzero(df[column].to_numpy() < 0)
    if neg.size:
        i = int(neg[0])
        raise DataError(
            raw.label,
            f"has a negative value ({df[column].iat[i]})",
            expected="zero or more",
            row=i + 2,
            column=column,
        )
    dup = df["force"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(
            raw.label, f"lists {df['force'].iat[i]} twice", expected="each force once", row=i + 2
        )
    df.attrs["source"] = rec.path
    return df
