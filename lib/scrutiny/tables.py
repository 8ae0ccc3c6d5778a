"""Formatted, accessible HTML tables: thousands separators, rates to one decimal, captions.

:func:`table_html` is pure and is what charts use for their data tables;
:func:`show_table` displays one in a notebook.
"""

from __future__ import annotations

import math
from html import escape
from numbers import Integral, Real

import pandas as pd
from IPython.display import HTML, display


def format_value(value: object, decimals: int | None = None) -> str:
    """Format one cell: integers with thousands separators, floats to ``decimals`` places.

    Missing values show as an en dash; suppressed cells arrive as strings and pass through.
    """
    if value is None:
        return "–"
    if isinstance(value, float) and math.isnan(value):
        return "–"
    if value is pd.NA or value is pd.NaT:
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Integral):
        return f"{int(value):,}"
    if isinstance(value, Real):
        d = 1 if decimals is None else decimals
        return f"{float(value):,.{d}f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if (value.hour or value.minute) == 0 else str(value)
    if isinstance(value, pd.Period):
        return str(value)
    return str(value)


def table_html(
    df: pd.DataFrame,
    *,
    caption: str | None = None,
    index: bool = False,
    decimals: dict[str, int] | int | None = None,
    css_class: str = "data-table",
    raw_html_columns: tuple[str, ...] = (),
) -> str:
    """Return ``df`` as an accessible HTML table.

    Parameters
    ----------
    df
        The table to show.
    caption
        A caption naming what the table shows.
    index
        Include the index as the first column (a row header).
    decimals
        Decimal places for float columns: one number for all, or a dict per column.
    css_class
        Class on the ``<table>`` element.
    raw_html_columns
        Columns whose cells are trusted HTML (e.g. icons made by scrutiny); all other
        cells are escaped.
    """
    frame = df.reset_index() if index else df
    first_is_header = index

    def dec(col: str) -> int | None:
        if isinstance(decimals, dict):
            return decimals.get(col)
        return decimals

    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for j, (col, v) in enumerate(zip(frame.columns, values, strict=True)):
            text = str(v) if col in raw_html_columns else escape(format_value(v, dec(str(col))))
            numeric = isinstance(v, Real) and not isinstance(v, bool)
            cls = ' class="num"' if numeric else ""
            if j == 0 and first_is_header:
                cells.append(f'<th scope="row"{cls}>{text}</th>')
            else:
                cells.append(f"<td{cls}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="table-wrap"><table class="{css_class}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def show_table(df: pd.DataFrame, **kwargs: object) -> None:
    """Display ``df`` with :func:`table_html` (same keyword arguments)."""
    display(HTML(table_html(df, **kwargs)))  # type: ignore[arg-type]
