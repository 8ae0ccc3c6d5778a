"""Pieces the needs-assessment, plan-delivery and panel briefings share.

Disclosure control itself is in :mod:`scrutiny.analysis.disclosure`.

* :func:`chart_html` / :func:`show_chart`: a :class:`~scrutiny.present.charts.Chart` whose data
  table marks its count columns (``td.count``), so a published page can be scanned for
  any count below the threshold;
* :func:`sources_table`: the data sources a page used and the period each covers.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, display

from scrutiny.data import DataQuality, DataSources
from scrutiny.present.charts import Chart
from scrutiny.present.page import figure_html, figure_png_base64, paragraph_html
from scrutiny.present.tables import table_html

REAL = "Real (published)"
SYNTHETIC = "Synthetic"


def chart_html(chart: Chart, *, count_columns: tuple[str, ...] = ()) -> str:
    """The chart as an accessible ``<figure>``, its data table marking ``count_columns``."""
    import matplotlib.pyplot as plt

    png, w, h = figure_png_base64(chart.figure)
    plt.close(chart.figure)
    return figure_html(
        png,
        alt=chart.alt,
        width=w,
        height=h,
        caption=chart.caption,
        source=chart.source,
        table_html=table_html(chart.data, count_columns=count_columns),
        synthetic=chart.synthetic,
    )


WITHHELD_CHART = "This chart is not shown: every count in it is below the disclosure threshold."


def show_chart(
    chart: Chart | None, *, count_columns: tuple[str, ...] = (), empty: str = WITHHELD_CHART
) -> None:
    """Display :func:`chart_html`; show ``empty`` as a paragraph when ``chart`` is None."""
    if chart is None:
        display(HTML(paragraph_html(empty)))
        return
    display(HTML(chart_html(chart, count_columns=count_columns)))


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
            period = s["period"] if isinstance(s["period"], str) and s["period"] else "not dated"
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
