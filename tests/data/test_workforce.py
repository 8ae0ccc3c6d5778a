"""Home Office workforce tables: the loader returns the published cells, and bad files fail.

The published figures are read here without the loader: with odfpy directly (its own
cell addressing, expanding repeated rows and columns) and, for a few cells, as numbers
read off the tables by hand.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from odf import opendocument
from odf.namespaces import OFFICENS, TABLENS
from odf.table import Table, TableRow

from scrutiny.data.workforce import (
    FORCES,
    WORKFORCE_DIR,
    column_letter,
    latest_figures,
    load_workforce,
    load_workforce_table,
)
from scrutiny.errors import DataError

SEP19 = WORKFORCE_DIR / "police-workforce-sep19-tables.ods"
SEP15 = WORKFORCE_DIR / "police-workforce-tabs-30sep15.ods"


@lru_cache(maxsize=8)
def _odf_sheet(path: Path, sheet: str) -> dict[str, tuple[str | None, str]]:
    """{cell address: (office:value, text)} of one sheet, read with odfpy alone."""
    doc = opendocument.load(str(path))
    for table in doc.spreadsheet.getElementsByType(Table):
        if table.getAttribute("name") != sheet:
            continue
        cells: dict[str, tuple[str | None, str]] = {}
        r = 0
        for row in table.getElementsByType(TableRow):
            rrep = int(row.attributes.get((TABLENS, "number-rows-repeated"), 1))
            c = 0
            entries = []
            for cell in row.childNodes:
                if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                    continue
                crep = int(cell.attributes.get((TABLENS, "number-columns-repeated"), 1))
                value = cell.attributes.get((OFFICENS, "value"))
                text = str(cell) if cell.qname[1] == "table-cell" else ""
                for _ in range(min(crep, 50)):
                    entries.append((c, value, text))
                    c += 1
            for k in range(min(rrep, 5)):
                for col, value, text in entries:
                    if value is not None or text:
                        cells[f"{column_letter(col)}{r + k + 1}"] = (value, text)
            r += rrep
        return cells
    raise KeyError(sheet)


def test_column_letter():
    assert [column_letter(i) for i in (0, 1, 3, 25, 26, 27)] == ["A", "B", "D", "Z", "AA", "AB"]


# Read off the published tables by hand (sheet, cell, figure as shown to two decimals).
HAND_READ = [
    (SEP19, "Table_1", "D24", "Leicestershire", "2019-09-30", 1803.26),
    (SEP19, "Table_1", "D8", "Cleveland", "2019-09-30", 1225.89),
    (SEP19, "Table_1", "D9", "Durham", "2019-09-30", 1124.74),
    (SEP19, "Table_1", "D12", "Cheshire", "2019-09-30", 2009.65),
    (SEP19, "Table_1", "D13", "Cumbria", "2019-09-30", 1173.62),
    (SEP19, "Table_1", "D14", "Greater Manchester", "2019-09-30", 6539.39),
    (SEP19, "Table_1", "D59", "South Wales", "2019-09-30", 2994.83),
    (SEP19, "Table_1", "B24", "Leicestershire", "2018-09-30", 1765.38),
    (SEP15, "Table_1", "D24", "Leicestershire", "2015-09-30", 1904.19),
    (SEP15, "Table_1", "B8", "Cleveland", "2014-09-30", 1342.52),
    (SEP15, "Table_1", "D10", "Northumbria", "2015-09-30", 3425.45),
]


@pytest.fixture(scope="module")
def sep19() -> pd.DataFrame:
    return load_workforce_table(SEP19)


@pytest.fixture(scope="module")
def sep15() -> pd.DataFrame:
    return load_workforce_table(SEP15)


@pytest.mark.parametrize(("path", "sheet", "cell", "force", "as_at", "figure"), HAND_READ)
def test_officers_equal_hand_read_cells(sep19, sep15, path, sheet, cell, force, as_at, figure):
    df = sep19 if path == SEP19 else sep15
    row = df[
        (df["force"] == force)
        & (df["as_at"] == pd.Timestamp(as_at))
        & (df["worker_type"] == "officer")
        & (df["measure"] == "FTE")
    ]
    assert len(row) == 1
    assert row["cell"].iat[0] == f"{sheet}!{cell}"
    assert round(float(row["value"].iat[0]), 2) == figure
    # and the same cell as odfpy reads it
    value, _ = _odf_sheet(path, sheet)[cell]
    assert float(value) == float(row["value"].iat[0])


@pytest.mark.parametrize(
    "path", sorted(WORKFORCE_DIR.glob("*.ods")), ids=lambda p: p.stem.replace("police-", "")
)
def test_every_officer_cell_equals_odfpy(path):
    """Every force's officer FTE in the officer table, cell for cell, against odfpy."""
    df = load_workforce_table(path)
    off = df[(df["worker_type"] == "officer") & (df["measure"] == "FTE")]
    sheet = off["cell"].iat[0].split("!")[0]
    cells = _odf_sheet(path, sheet)
    assert sorted(off["force"].unique()) == sorted(FORCES)
    # the force names as odfpy reads column A of the same rows
    for _, r in off.iterrows():
        addr = r["cell"].split("!")[1]
        value, text = cells[addr]
        assert value is not None and float(value) == r["value"], (path.name, addr)
        name = cells["A" + addr.lstrip("ABCDEFGH")][1]
        assert name.rstrip("0123456789,").strip() == r["force"]
    # three dates per force in every officer table
    assert (off.groupby("force").size() == 3).all()


def test_staff_and_pcso_tables_read(sep19):
    got = sep19.set_index(["force", "as_at", "worker_type", "measure"])["value"]
    key = ("Leicestershire", pd.Timestamp("2019-09-30"))
    # read off Table_2 (staff FTE) and Table_11 (PCSO headcount) of the September 2019 tables
    value, _ = _odf_sheet(SEP19, "Table_2")["D24"]
    assert got[(*key, "staff", "FTE")] == float(value)
    assert got[(*key, "pcso", "headcount")] == 187


def test_not_available_is_kept_as_nan_with_a_note(sep19):
    # Table_5 (PCSO FTE) of the September 2019 tables shows '..' for Norfolk
    nor = sep19[
        (sep19["force"] == "Norfolk")
        & (sep19["worker_type"] == "pcso")
        & (sep19["measure"] == "FTE")
    ]
    gone = nor[nor["value"].isna()]
    assert len(gone) >= 1
    assert gone["note"].str.contains(r"not available \('\.\.'", regex=True).all()
    assert _odf_sheet(SEP19, "Table_5")[gone["cell"].iat[0].split("!")[1]][1] == ".."


def test_latest_publication_wins():
    rows = pd.DataFrame(
        {
            "force": ["Kent", "Kent", "Kent"],
            "as_at": pd.to_datetime(["2018-09-30", "2018-09-30", "2019-09-30"]),
            "worker_type": "officer",
            "measure": "FTE",
            "value": [100.0, 101.0, np.nan],
            "note": ["", "", "not available"],
            "publication": pd.to_datetime(["2018-09-30", "2019-09-30", "2019-09-30"]),
            "source": "x",
            "cell": "y",
        }
    )
    out = latest_figures(rows)
    assert out["value"].tolist() == [101.0]


def test_load_workforce_adds_2025_officers():
    df = load_workforce(officers_2025=True)
    y25 = df[df["as_at"] == pd.Timestamp("2025-03-31")]
    assert len(y25) == 43
    # data/raw/home-office/officer-fte-2025-03-31.csv, row for Leicestershire
    assert y25.loc[y25["force"].str.startswith("Leicestershire"), "value"].iat[0] == 2248.14


# ---------------------------------------------------------------------- malformed files


def _workbook(
    tmp_path: Path, *, rows: list[list] | None = None, unit: str = "Full-time equivalents"
):
    """A small workforce workbook in the published layout; ``rows`` replaces the body."""
    head = [
        ["Table 1: Police officers by police force area, England and Wales", None, None, None],
        [None, None, None, unit],
        [None, "As at:", None, None],
        [
            None,
            pd.Timestamp("2018-09-30"),
            pd.Timestamp("2019-03-31"),
            pd.Timestamp("2019-09-30"),
        ],
    ]
    if rows is None:
        rows = [["North East ", 1.0, 1.0, 1.0]] + [[f, 10.0, 11.0, 12.0] for f in FORCES]
        rows.append(["Total 43 forces", 0, 0, 0])
    path = tmp_path / "workforce.ods"
    pd.DataFrame(head + rows).to_excel(path, engine="odf", header=False, index=False)
    return path


def test_hand_made_workbook_reads(tmp_path):
    df = load_workforce_table(_workbook(tmp_path))
    assert len(df) == 43 * 3
    leics = df[df["force"] == "Leicestershire"].sort_values("as_at")
    assert leics["value"].tolist() == [10.0, 11.0, 12.0]
    assert set(df["measure"]) == {"FTE"}


def test_text_figure_names_sheet_row_and_column(tmp_path):
    rows = [[f, 10.0, 11.0, 12.0] for f in FORCES] + [["Total 43 forces", 0, 0, 0]]
    rows[13][2] = "about 11"  # Leicestershire, as at 31 March 2019 (column C)
    with pytest.raises(DataError) as err:
        load_workforce_table(_workbook(tmp_path, rows=rows))
    msg = str(err.value)
    assert "workforce.ods, sheet 'Sheet1'" in msg
    assert "line 18" in msg  # 4 heading rows, then Leicestershire is the 14th force (row 18)
    assert "column 'C'" in msg
    assert "'about 11'" in msg and "31 March 2019" in msg


def test_unknown_force_is_an_error(tmp_path):
    rows = [[f, 1.0, 1.0, 1.0] for f in FORCES] + [["Total 43 forces", 0, 0, 0]]
    rows[0][0] = "Clevelend"
    with pytest.raises(DataError, match=r"line 5, column 'A': names 'Clevelend'"):
        load_workforce_table(_workbook(tmp_path, rows=rows))


def test_missing_force_is_an_error(tmp_path):
    rows = [[f, 1.0, 1.0, 1.0] for f in FORCES if f != "Gwent"] + [["Total 43 forces", 0, 0, 0]]
    with pytest.raises(DataError, match="has no row for Gwent"):
        load_workforce_table(_workbook(tmp_path, rows=rows))


def test_negative_figure_is_an_error(tmp_path):
    rows = [[f, 1.0, 1.0, 1.0] for f in FORCES] + [["Total 43 forces", 0, 0, 0]]
    rows[2][3] = -4.0
    with pytest.raises(DataError, match=r"line 7, column 'D': Northumbria: -4 is not a number"):
        load_workforce_table(_workbook(tmp_path, rows=rows))


def test_no_unit_is_an_error(tmp_path):
    with pytest.raises(DataError, match="full-time equivalents or headcount"):
        load_workforce_table(_workbook(tmp_path, unit="people"))


def test_not_a_spreadsheet(tmp_path):
    p = tmp_path / "bad.ods"
    p.write_text("not a workbook")
    with pytest.raises(DataError, match="bad.ods: cannot be opened as a spreadsheet"):
        load_workforce_table(p)


def test_the_same_tables_saved_as_xlsx_give_the_same_figures(tmp_path):
    # Every sheet of the published ODS copied cell by cell (odfpy reads it) into an XLSX
    # workbook (openpyxl writes it): the loader reads either format to the same rows.
    xlsx = tmp_path / "police-workforce-sep19-tables.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as out:
        book = pd.ExcelFile(SEP19, engine="odf")
        for sheet in book.sheet_names:
            grid = pd.read_excel(book, sheet_name=sheet, header=None)
            grid.to_excel(out, sheet_name=str(sheet)[:31], header=False, index=False)
    ods, got = load_workforce_table(SEP19), load_workforce_table(xlsx)
    assert len(ods) > 0 and set(ods["worker_type"]) == {"officer", "staff", "pcso"}
    pd.testing.assert_frame_equal(got.drop(columns="source"), ods.drop(columns="source"))
