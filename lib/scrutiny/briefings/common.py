"""Pieces the needs-assessment, plan-delivery and panel briefings share.

Disclosure control itself is in :mod:`scrutiny.analysis.disclosure`.

* :func:`chart_html` / :func:`show_chart`: a :class:`~scrutiny.present.charts.Chart` whose data
  table marks its count columns (``td.count``), so a published page can be scanned for
  any count below the threshold;
* :func:`sources_table`: the data sources a page used and the period each covers.
"""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd

from scrutiny.analysis.narrative import month_text
from scrutiny.data import DataQuality, DataSources
from scrutiny.present import page
from scrutiny.present.charts import Chart

_MONTH_CODE = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])\b(?!-)")

REAL = "Real (published)"
SYNTHETIC = "Synthetic"


#: What a page shows of the board: the open session only, or everything (restricted).
Session = Literal["open", "all"]


def check_session(session: str, classification: str, *, closed: str) -> Session:
    """Check a page's ``session`` parameter against its classification.

    ``closed`` names the closed-session material in the message (e.g. ``"items"``).

    Raises
    ------
    ValueError
        For a session other than open or all, or closed-session material (``all``) on a page
        not marked OFFICIAL-SENSITIVE.
    """
    if session not in ("open", "all"):
        raise ValueError(f"parameter 'session': expected 'open' or 'all', got {session!r}")
    if session == "all" and classification != "OFFICIAL-SENSITIVE":
        raise ValueError(
            f"parameter 'session' is 'all' (closed-session {closed} included) but the "
            f"classification is {classification!r}: it must be 'OFFICIAL-SENSITIVE'"
        )
    return session  # type: ignore[return-value]


def chart_html(chart: Chart, *, count_columns: tuple[str, ...] = ()) -> str:
    """The chart as an accessible ``<figure>``, its data table marking ``count_columns``."""
    import matplotlib.pyplot as plt

    html = page.chart_html(
        chart.figure,
        alt=chart.alt,
        data=chart.data,
        caption=chart.caption,
        source=chart.source,
        synthetic=chart.synthetic,
        count_columns=count_columns,
    )
    plt.close(chart.figure)
    return html


def month_words(text: str) -> str:
    """Write every month code in ``text`` as a Board member reads it: 2022-10 -> October 2022.

    Full dates (``2022-10-05``) are left alone.
    """
    return _MONTH_CODE.sub(lambda m: month_text(m.group(0)), text)


WITHHELD_CHART = "This chart is not shown: every count in it is below the disclosure threshold."


def show_chart(
    chart: Chart | None, *, count_columns: tuple[str, ...] = (), empty: str = WITHHELD_CHART
) -> None:
    """Display :func:`chart_html`; show ``empty`` as a paragraph when ``chart`` is None."""
    if chart is None:
        page.paragraph(empty)
        return
    page.show_html(chart_html(chart, count_columns=count_columns))


def sources_table(
    *qualities: DataQuality,
    sources: DataSources | None = None,
    population_years: tuple[int, ...] = (),
    extra: list[dict[str, str]] | None = None,
) -> pd.DataFrame:
    """One row per data source used: what it is, where, the period, real or synthetic.

    Parameters
    ----------
    qualities
        The quality records of the loads the page used (their ``inputs()``).
    sources
        The sources, to name the population file when ``population_years`` is given.
    population_years
        Mid-year populations used (ONS 2018-based projections).
    extra
        Further rows (``source``, ``location``, ``period``, ``data``), e.g. a cycle file.
    """
    rows: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for q in qualities:
        for _, s in q.inputs().iterrows():
            key = (str(s["name"]), str(s["path"]))
            if key in seen:
                continue
            seen.add(key)
            period = (
                month_words(s["period"])
                if isinstance(s["period"], str) and s["period"]
                else "not dated"
            )
            rows.append(
                {
                    "source": key[0],
                    "location": key[1],
                    "period": period,
                    "data": SYNTHETIC if bool(s["synthetic"]) else REAL,
                }
            )
    if population_years:
        src = sources or DataSources()
        years = sorted(set(population_years))
        span = str(years[0]) if len(years) == 1 else f"{years[0]} to {years[-1]}"
        rows.append(
            {
                "source": "ONS 2018-based population projections (mid-year, by age band)",
                "location": str(src.la_population),
                "period": span,
                "data": REAL,
            }
        )
    rows.extend(extra or [])
    out = pd.DataFrame(rows, columns=["source", "location", "period", "data"])
    return out.rename(columns=str.capitalize)
