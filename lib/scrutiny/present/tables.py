"""Formatted, accessible HTML tables: thousands separators, rates to one decimal, captions.

:func:`table_html` is pure and is what charts use for their data tables;
:func:`show_table` displays one in a notebook.
"""

from __future__ import annotations

import math
from html import escape
from numbers import Integral, Real
from typing import TYPE_CHECKING

import pandas as pd
from IPython.display import HTML, display

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler


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
    count_columns: tuple[str, ...] = (),
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
    count_columns
        Columns holding counts of people or crimes (after disclosure control): their cells
        get the class ``count`` (``<td class="num count">``), so a check of a published
        page can find every count and confirm none below the threshold is shown.
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
            classes = (["num"] if numeric else []) + (["count"] if col in count_columns else [])
            cls = f' class="{" ".join(classes)}"' if classes else ""
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


def table_styler(
    df: pd.DataFrame,
    *,
    caption: str | None = None,
    index: bool = False,
    decimals: dict[str, int] | int | None = None,
    raw_html_columns: tuple[str, ...] = (),
    **_: object,
) -> Styler:
    """``df`` as a pandas ``Styler`` formatted like :func:`table_html`, for JupyterLab.

    The cells read as on the published page (thousands separators, the same decimals,
    icons as HTML in ``raw_html_columns``, every other cell escaped), while the analyst has
    the frame itself to sort, filter and copy (``styler.data``).
    """

    def dec(col: object) -> int | None:
        if isinstance(decimals, dict):
            return decimals.get(str(col))
        return decimals

    styler = df.style
    for col in df.columns:
        if col in raw_html_columns:
            styler = styler.format(str, subset=[col])
        else:
            d = dec(col)
            styler = styler.format(lambda v, d=d: format_value(v, d), subset=[col], escape="html")
    if not index:
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    return styler


def show_table(df: pd.DataFrame, **kwargs: object) -> None:
    """Display ``df`` with :func:`table_html` (same keyword arguments).

    In JupyterLab (:func:`scrutiny.present.page.in_lab`) the notebook shows
    :func:`table_styler` instead, a pandas object (pandas styles only frames whose labels
    are unique: any other is shown as on the page); the published page is unchanged.
    """
    from scrutiny.present import page

    if page.in_lab() and df.columns.is_unique and df.index.is_unique:
        page.lab_styles()
        display(table_styler(df, **kwargs))  # type: ignore[arg-type]
        return
    display(HTML(table_html(df, **kwargs)))  # type: ignore[arg-type]


#: SPC icon code -> (colour, letter). Variation codes come from
#: :func:`scrutiny.stats.spc.variation_icon`, assurance codes from
#: :func:`scrutiny.stats.spc.assurance_icon`.
#: Blue (improvement), orange-red (concern), plum (neutral) and grey all have at least 3:1
#: contrast on white, as WCAG asks of graphics, and stay distinct with colour-blindness.
ICON_STYLE: dict[str, tuple[str, str]] = {
    "common_cause": ("#767676", "~"),
    "improvement_high": ("#0072B2", "H"),
    "improvement_low": ("#0072B2", "L"),
    "concern_high": ("#D55E00", "H"),
    "concern_low": ("#D55E00", "L"),
    "neutral_high": ("#8E4585", "H"),
    "neutral_low": ("#8E4585", "L"),
    "too_few": ("#767676", "n"),
    "consistent_pass": ("#0072B2", "P"),
    "consistent_fail": ("#D55E00", "F"),
    "inconsistent": ("#767676", "?"),
}


def icon_label(code: str | None) -> str:
    """Plain-English meaning of an SPC variation or assurance icon code."""
    from scrutiny.stats.spc import ASSURANCE_ICONS, VARIATION_ICONS

    if code is None:
        return "No target to assess"
    labels = VARIATION_ICONS | ASSURANCE_ICONS
    if code not in labels:
        raise ValueError(f"unknown icon code {code!r}; expected one of {sorted(labels)}")
    return labels[code]


def icon_html(code: str | None, *, size: int = 24, with_text: bool = False) -> str:
    """Return an SPC icon as accessible inline SVG (``role="img"`` with ``aria-label``).

    Parameters
    ----------
    code
        A variation or assurance icon code (see :data:`ICON_STYLE`); ``None`` gives an
        en dash with the label "No target to assess".
    size
        Width and height in pixels.
    with_text
        Follow the icon with its label as visible text (for tables read without colour).

    Use the result in :func:`table_html` through ``raw_html_columns``.
    """
    label = escape(icon_label(code), quote=True)
    if code is None:
        return f'<span aria-label="{label}" title="{label}">–</span>'
    colour, letter = ICON_STYLE[code]
    svg = (
        f'<svg class="spc-icon" role="img" aria-label="{label}" width="{size}" '
        f'height="{size}" viewBox="0 0 24 24" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{label}</title>"
        f'<circle cx="12" cy="12" r="10" fill="white" stroke="{colour}" stroke-width="2.5"/>'
        f'<text x="12" y="16.5" text-anchor="middle" font-family="DejaVu Sans, sans-serif" '
        f'font-size="12" font-weight="bold" fill="{colour}">{escape(letter)}</text></svg>'
    )
    if with_text:
        return f'{svg} <span class="spc-icon-text">{label}</span>'
    return svg
