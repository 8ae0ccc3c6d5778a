"""scrutiny.present.charts: figures, alt text written from the data, data tables, display."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from scrutiny.present import charts, page, tables
from scrutiny.stats import compare, dispersion, spc

MONTHS = pd.period_range("2021-01", periods=31, freq="M")
# Same series as tests/test_spc.py SHIFT: mean exactly 10, amr = 74/30, so the process
# limits are 10 -/+ 2.66*74/30 = 3.4387 .. 16.5613; points 4-10 (May to Nov 2021) are a
# run of 7 above the mean; the latest value (Jul 2023) is 11, common cause.
SHIFT = [11, 9, 11, 9] + [11, 12, 11, 12, 11, 12, 11] + [8, 11] * 10


@pytest.fixture
def shown(monkeypatch):
    """Capture what page.show_figure displays."""
    out: list[str] = []
    monkeypatch.setattr(page, "display", lambda obj: out.append(obj.data))
    return out


def test_spc_chart_alt_text_and_table():
    r = spc.xmr(pd.Series(SHIFT, index=MONTHS, dtype=float), target=15)
    c = charts.spc_chart(
        r, "Monthly test offences", y_label="Offences per month", unit="offences",
        source="police.uk", synthetic=True,
    )  # fmt: skip
    assert isinstance(c.figure, Figure)
    assert c.alt == (
        "SPC chart (XmR) of monthly test offences, January 2021 to July 2023: 31 months, "
        "mean 10 offences, process limits 3.4 to 16.6, target 15; latest 11 in July 2023: "
        "common-cause variation. 7 earlier months in the current period show special causes."
    )
    assert list(c.data.columns) == [
        "Month", "Value", "Mean", "Lower process limit", "Upper process limit", "Target",
        "Point", "Why",
    ]  # fmt: skip
    assert c.data["Month"].iloc[4] == "May 2021"
    assert c.data["Point"].iloc[4] == "Special cause: improvement"
    assert c.data["Why"].iloc[4] == "part of a run of points above the mean"
    assert c.caption == "Monthly test offences" and c.synthetic
    # house style: the title in DejaVu Sans; the source line printed on the image
    ax = c.figure.axes[0]
    assert ax.get_title(loc="left") == "Monthly test offences"
    assert ax.title.get_fontfamily() == ["DejaVu Sans"] or "DejaVu Sans" in str(
        ax.title.get_fontname()
    )
    texts = [t.get_text() for t in c.figure.findobj(lambda a: hasattr(a, "get_text"))]
    assert any("Source: police.uk" in t and "Synthetic" in t for t in texts)
    # the variation and assurance icons are drawn with their meaning
    assert any(t == spc.VARIATION_ICONS["common_cause"] for t in texts)
    # target 15 lies inside 3.4 .. 16.6: met in some months and missed in others
    assert any(t == spc.ASSURANCE_ICONS["inconsistent"] for t in texts)


def test_spc_alt_text_missing_and_rebase():
    v = [1.0, 2, 1, 2, 1, 2, 11, 12, 11, 12, np.nan, 12]
    r = spc.xmr(pd.Series(v, index=MONTHS[:12]), rebase="2021-07")
    # latest segment Jul..Dec 2021: 11 12 11 12 - 12, mean 58/5 = 11.6; moving ranges
    # 1 1 1 (the two touching the gap are not used), limits 11.6 -/+ 2.66 = 8.9 .. 14.3
    assert charts.spc_alt_text(r, "Test") == (
        "SPC chart (XmR) of test, January 2021 to December 2021: 12 months (1 with no "
        "data), limits recalculated from July 2021 (2 periods), mean 11.6, process limits "
        "8.9 to 14.3; latest 12 in December 2021: common-cause variation. The limits are "
        "trial limits (fewer than 12 points)."
    )


def test_spc_chart_special_cause_latest_and_colours():
    # first 11 points: mean 119/11 = 10.82; the last 7 are above it
    r = spc.xmr(pd.Series(SHIFT[:11], index=MONTHS[:11], dtype=float), improvement="decrease")
    c = charts.spc_chart(r, "Test", y_label="Count")
    assert c.alt.endswith(
        "latest 11 in November 2021: special-cause concern, 7 months in a row above its "
        "average. The limits are trial limits (fewer than 12 points)."
    )
    colours = {tuple(np.round(coll.get_facecolor()[0], 3)) for coll in c.figure.axes[0].collections}
    concern = tuple(np.round(np.array([0xD5, 0x5E, 0x00, 255]) / 255, 3))
    assert concern in colours


def test_show_spc_chart_displays_accessible_figure(shown):
    r = spc.xmr(pd.Series(SHIFT, index=MONTHS, dtype=float))
    charts.show_spc_chart(r, "Monthly test offences", y_label="Offences", source="police.uk")
    html = shown[0]
    assert html.startswith('<figure class="chart"><img src="data:image/png;base64,')
    assert 'alt="SPC chart (XmR) of monthly test offences' in html
    assert "<details" in html and "Upper process limit" in html
    assert "police.uk" in html


def test_funnel_chart_alt():
    data = pd.DataFrame(
        {"count": [17, 22, 10, 3, 1], "population": [1000] * 5}, index=list("ABCDE")
    )
    f = compare.funnel(data, target_rate=10)
    c = charts.funnel_chart(f, "Rate by area", highlight="C", what="areas")
    # bands as in tests/test_compare.py::test_funnel_bands
    assert c.alt == (
        "Funnel plot of rate by area: 5 areas, rate per 1,000 people against population, "
        "centred on 10.0 per 1,000; 1 above the 99.8% limit (B); 1 above the 95% limit only "
        "(A); 1 below the 99.8% limit (E); 1 below the 95% limit only (D); 1 within the 95% "
        "limits. C: 10.0 per 1,000, within 95% limits."
    )
    assert c.data["Area"].tolist() == list("ABCDE")


def test_funnel_chart_draws_the_limits_its_bands_come_from():
    # Four areas of 100,000 around 2.0 per 1,000 (the hand-worked case in
    # tests/analysis/test_topics.py): tau^2 = 0.0976, 95% upper limit at 100,000 people
    # 2 + 1.959964 x sqrt(0.02 + 0.0976) = 2.67213.
    data = pd.DataFrame(
        {"count": [200, 200, 260, 140], "population": [100_000] * 4}, index=list("ABCD")
    )
    fd = dispersion.funnel_dispersion(data["count"], data["population"], 2.0)
    f = dispersion.funnel_adjusted(data, 2.0, fd)
    c = charts.funnel_chart(f, "Rate by district", what="districts")
    upper = c.figure.axes[0].lines[0]  # the first curve drawn: the 95% upper limit
    x, y = upper.get_xdata(), upper.get_ydata()
    assert np.interp(100_000, x, y) == pytest.approx(2.67213, abs=2e-3)
    assert "allow for the usual variation between districts" in c.alt
    labels = [t.get_text() for t in c.figure.axes[0].get_legend().get_texts()]
    assert "95% limits, allowing for over-dispersion" in labels


def test_bar_chart_sorted_with_intervals_and_withheld_value():
    data = pd.DataFrame(
        {"rate": [5.0, 8.0, np.nan, 2.0], "lower": [4.0, 7.0, np.nan, 1.5],
         "upper": [6.0, 9.5, np.nan, 2.5]},
        index=pd.Index(["A", "B", "C", "D"], name="Force"),
    )  # fmt: skip
    c = charts.bar_chart(
        data, "Rate per 1,000", value="rate", lower="lower", upper="upper",
        x_label="Per 1,000 people", highlight="A", reference=4.0,
    )  # fmt: skip
    assert c.alt == (
        "Bar chart of rate per 1,000: 4 bars; highest B (8.0), lowest D (2.0); 1 not shown "
        "([c]); reference line at 4.0; A 5.0, 95% interval 4.0 to 6.0."
    )
    # table: largest first, the withheld value marked
    assert c.data["Force"].tolist() == ["B", "A", "D", "C"]
    assert c.data["rate"].tolist()[-1] == "[c]"
    labels = [t.get_text() for t in c.figure.axes[0].get_yticklabels()]
    assert labels == ["C", "D", "A", "B"]  # bottom to top: largest at the top


def test_bar_chart_from_series_and_errors():
    c = charts.bar_chart(pd.Series({"x": 3, "y": 1}, name="n"), "Counts", x_label="Count")
    assert c.alt == "Bar chart of counts: 2 bars; highest x (3), lowest y (1)."
    with pytest.raises(ValueError, match="no column"):
        charts.bar_chart(pd.DataFrame({"a": [1]}), "T", value="b", x_label="x")


def test_line_chart_alt_and_forecast_band():
    idx = pd.period_range("2022-01", periods=4, freq="M")
    data = pd.DataFrame(
        {"now": [10.0, 12.0, 9.0, 15.0], "baseline": [11.0, 11.0, 11.0, 11.0]}, index=idx
    )
    c = charts.line_chart(data, "Monthly calls", y_label="Calls", labels={"now": "2022"})
    assert c.alt == (
        "Line chart of monthly calls, January 2022 to April 2022: 2022 from 10 in January "
        "2022 to 15 in April 2022 (lowest 9, highest 15); baseline from 11 in January 2022 to "
        "11 in April 2022 (lowest 11, highest 11)."
    )
    assert c.data.columns.tolist() == ["Month", "2022", "baseline"]
    fc = pd.DataFrame(
        {
            "actual": [10.0, 12.0, np.nan, np.nan],
            "fitted": [10.0, 12.0, np.nan, np.nan],
            "forecast": [np.nan, np.nan, 13.0, 14.0],
            "lower": [np.nan, np.nan, 11.0, 11.5],
            "upper": [np.nan, np.nan, 15.0, 16.5],
        },
        index=idx,
    )
    f = charts.forecast_chart(fc, "Demand forecast", y_label="Calls")
    assert "shaded 95% prediction interval from 11.5 to 16.5 in April 2022" in f.alt
    assert "Forecast from 13 in March 2022 to 14 in April 2022" in f.alt


def test_profile_heatmap_and_bars():
    grid = pd.DataFrame(
        np.ones((7, 24), dtype=int),
        index=pd.Index(charts.DAYS, name="day"),
        columns=pd.Index(range(24), name="hour"),
    )
    grid.loc["Saturday", 23] = 9
    grid.loc["Monday", 4] = 0
    c = charts.profile_chart(grid, "Offences by day and hour", value_label="Offences")
    # Saturday: 23 ones + 9 = 32; hour 23: 6 ones + 9 = 15
    assert c.alt == (
        "Heatmap of offences by day and hour: offences by day and hour; busiest Saturday at "
        "23:00 (9), quietest Monday at 04:00 (0); busiest day Saturday (32 in total), "
        "busiest hour 23:00 (15 in total)."
    )
    b = charts.profile_chart(grid.sum(axis=1), "Offences by day", x_label="Day of week")
    # Monday 23 (one zero), Saturday 32, others 24; total 23 + 32 + 5*24 = 175
    assert b.alt == (
        "Bar chart of offences by day: highest Saturday (32), lowest Monday (23), total 175."
    )
    assert b.data.columns.tolist() == ["Day of week", "Count"]


def test_chart_html_and_icon_html():
    c = charts.bar_chart(pd.Series({"x": 3}), "One", x_label="Count")
    html = c.html()
    assert 'alt="Bar chart of one: 1 bar; highest x (3), lowest x (3)."' in html
    svg = tables.icon_html("concern_high")
    assert 'role="img"' in svg
    assert 'aria-label="Special-cause concern: higher values"' in svg
    assert ">H</text>" in svg
    assert "Target" not in tables.icon_html("consistent_pass")
    assert "consistently met" in tables.icon_html("consistent_pass", with_text=True)
    assert tables.icon_html(None).startswith('<span aria-label="No target to assess"')
    with pytest.raises(ValueError, match="unknown icon"):
        tables.icon_html("bad")
