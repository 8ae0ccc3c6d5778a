"""Content of the deep-dive briefing (``notebooks/deep_dive.ipynb``).

A deep dive looks at one topic (a KPI in the registry, or a set of police.uk categories or
Home Office offence codes) in one area (the force or a district) over the cycle's window:

* trend: the monthly SPC chart, baselines, seasonality (STL) and a 12-month forecast;
* geography: rates by district with a funnel plot, concentration (the share of offences
  in the busiest 10% of LSOAs, against a random spread) and a density map of the police.uk
  points (hexagonal bins of longitude and latitude; no base map, nothing fetched);
* outcomes: police.uk last-outcome categories grouped (charged or summonsed, no suspect
  identified, ...), against the previous 12 months and against all crime;
* peers: the force against England's forces and its peer group (Home Office, 2017/18);
* questions for the force, generated from what the data show, like the question lists of
  the Board's papers.

This module computes no statistic. For a registry KPI the series, the SPC reading, the
baselines, their sentences and the national and peer comparison are the cycle's
assessment's (:mod:`scrutiny.analysis.assessment`), so the deep dive says word for word
what the performance exceptions briefing says; a topic made of categories or codes is
read by :func:`scrutiny.analysis.topics.analyse_topic` with the cycle's method, exactly as
a KPI would be. Everything else (seasonality, forecast, district rates and funnels,
concentration, outcomes, questions) is :mod:`scrutiny.analysis.topics`.

:func:`make_topic` turns the notebook's parameters into a :class:`~scrutiny.analysis.kpis.Kpi`;
:func:`collect` gathers everything into a :class:`DeepDive`; the other functions turn it
into sentences, tables and charts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd
from matplotlib import colormaps, patheffects
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from scrutiny.analysis import assessment, narrative, questions, topics
from scrutiny.analysis.assessment import Assessment, KpiResult
from scrutiny.analysis.kpis import Kpi
from scrutiny.analysis.method import DEFAULT_REBASE, RESTRICTIONS, Method, rebase_for
from scrutiny.analysis.narrative import join_words, lower_first, month_text
from scrutiny.analysis.peers import HOME_OFFICE_YEAR, Comparison, PeerGroup, force_comparison
from scrutiny.analysis.topics import ChargedShare, Concentration
from scrutiny.analysis.topics import make_topic as make_topic
from scrutiny.briefings import common, performance
from scrutiny.data import DataQuality, DataSources
from scrutiny.data.police_uk import ASB
from scrutiny.present import charts

HEX_GRIDSIZE = 40
#: Colour-blind-safe cividis, reversed (darker = more), without its palest quarter so the
#: emptiest hexagons still contrast with the white page.
_HEX_CMAP = ListedColormap(colormaps["cividis_r"](np.linspace(0.25, 1.0, 256)))


# ------------------------------------------------------------------------------ collect


@dataclass
class DeepDive:
    """Everything the deep-dive briefing shows (see :func:`collect`).

    Attributes
    ----------
    result
        The topic's SPC reading and baselines in the area: the assessment's own result
        for a registry KPI (``from_assessment`` True), else
        :func:`scrutiny.analysis.topics.analyse_topic`'s with the cycle's method.
    method
        The cycle's method settings.
    rebase
        The month the SPC limits are recalculated from (None: one set of limits).
    records ... outcomes_by_district
        :class:`scrutiny.analysis.topics.Findings`.
    """

    sources: DataSources
    topic: Kpi
    district: str | None
    districts: list[str]
    data_to: str
    start: str
    rebase: str | None
    method: Method
    result: KpiResult
    from_assessment: bool
    records: pd.DataFrame
    decomposition: pd.DataFrame | None
    decomposition_note: str
    forecast: pd.DataFrame | None
    forecast_note: str
    district_rates: pd.DataFrame
    outside_districts: int
    lsoas: pd.DataFrame
    concentration: Concentration
    outcome_months: tuple[str, str]
    outcomes_now: pd.DataFrame | None
    outcomes_before: pd.DataFrame | None
    charged: ChargedShare | None
    all_crime_charged: ChargedShare | None
    outcomes_by_district: pd.DataFrame | None
    peers: PeerGroup | None
    comparison: Comparison
    crimes_quality: DataQuality
    extract_quality: DataQuality | None
    notes: list[str] = field(default_factory=list)

    @property
    def series(self) -> pd.DataFrame:
        """The monthly series (:func:`scrutiny.analysis.kpis.kpi_series` frame)."""
        return self.result.series

    @property
    def spc(self) -> pd.DataFrame:
        """The SPC result (XmR frame) of the measure."""
        return self.result.spc

    @property
    def summary(self) -> assessment.spc.SpcSummary:
        """The SPC summary of the latest month."""
        return self.result.summary

    @property
    def baselines(self) -> pd.DataFrame:
        """Changes against the baselines."""
        return self.result.baselines

    @property
    def force(self) -> str:
        """The force's name as given."""
        return self.sources.force

    @property
    def area(self) -> str:
        """The district, or the force."""
        return self.district or self.force

    @property
    def where(self) -> str:
        """``"in Charnwood"`` or ``"for Leicestershire Police"``."""
        return f"in {self.district}" if self.district else f"for {self.force}"

    @property
    def synthetic(self) -> bool:
        """Counted in the synthetic extract."""
        return self.result.synthetic

    @property
    def name(self) -> str:
        """The topic's name."""
        return self.topic.name

    @property
    def label(self) -> str:
        """The topic's name for captions, marked when the data are synthetic."""
        return self.topic.name + (" (synthetic data)" if self.synthetic else "")

    @property
    def phrase(self) -> str:
        """The topic's name inside a sentence (first letter lower-cased, acronyms kept)."""
        return lower_first(self.topic.name)

    @property
    def unit(self) -> str:
        """``"offences"`` or ``"incidents"`` (anti-social behaviour): the word for counts."""
        return "incidents" if self.topic.definition.police_uk_categories == [ASB] else "offences"

    @property
    def period_label(self) -> str:
        """E.g. ``"December 2019 to October 2022"``."""
        return f"{month_text(self.start)} to {month_text(self.data_to)}"

    @property
    def last_12(self) -> tuple[str, str]:
        """First and last month (``YYYY-MM``) of the latest 12 months."""
        end = pd.Period(self.data_to, freq="M")
        return str(end - 11), str(end)

    @property
    def last_12_label(self) -> str:
        """E.g. ``"November 2021 to October 2022"``."""
        a, b = self.last_12
        return f"{month_text(a)} to {month_text(b)}"

    @property
    def outcome_label(self) -> str:
        """The months whose crimes' outcomes are shown, e.g. ``"April 2021 to March 2022"``."""
        a, b = self.outcome_months
        return f"{month_text(a)} to {month_text(b)}"

    @property
    def provisional_from(self) -> str | None:
        """First month (``YYYY-MM``) whose outcomes are still provisional, or None."""
        if self.outcome_months[1] == self.data_to:
            return None
        return str(pd.Period(self.outcome_months[1], freq="M") + 1)

    @property
    def source_line(self) -> str:
        """Source line for charts."""
        if self.synthetic:
            what = "synthetic force extract generated from police.uk street-level crime"
        elif self.topic.uses_extract:
            what = "force extract"
        else:
            what = "police.uk street-level crime"
        return f"Source: {what}, {self.period_label}."


def collect(
    sources: DataSources,
    topic: Kpi,
    *,
    data_to: str,
    area: str = "",
    cycle_file: str = "",
) -> DeepDive:
    """Everything the deep dive shows, from the cycle's assessment and the analysis layer.

    Parameters
    ----------
    sources
        The force and its files.
    topic
        From :func:`make_topic`.
    data_to
        Last month (``YYYY-MM``).
    area
        ``""`` or the force's name for the force, else one of its districts.
    cycle_file
        The cycle file whose ``method:`` block sets the SPC window, the rebase month and
        the significance level (empty: the default method).
    """
    a = assessment.for_briefing(sources, data_to=data_to, cycle_file=cycle_file)
    district = topics.resolve_area(area, sources.force, a.districts)
    result, comparison, from_assessment, notes = _reading(a, topic, district)
    wanted = rebase_for(a.method, topic.method)
    note = topics.rebase_note(wanted, a.start, data_to)
    if note:
        notes.append(note)
    if a.peers is None:
        notes.append(f"No peer group: {a.peer_note}.")
    found = topics.examine(
        topic,
        result,
        sources,
        data_to=data_to,
        start=a.start,
        alpha=a.method.alpha,
        overdispersion=a.method.overdispersion,
        provisional_months=a.provisional_months,
    )
    return DeepDive(
        sources=sources,
        topic=topic,
        district=district,
        districts=list(a.districts),
        data_to=data_to,
        start=a.start,
        rebase=_rebase_of(result),
        method=a.method,
        result=result,
        from_assessment=from_assessment,
        peers=a.peers,
        comparison=comparison,
        notes=notes,
        **{f.name: getattr(found, f.name) for f in fields(found)},
    )


def _rebase_of(result: KpiResult) -> str | None:
    """The month the SPC limits are recalculated from: the start of the latest segment."""
    x = result.spc
    if x.empty or x["segment"].nunique() < 2:
        return None
    return pd.Timestamp(x.loc[x["segment"] == x["segment"].max(), "date"].iloc[0]).strftime("%Y-%m")


def _reading(
    a: Assessment, topic: Kpi, district: str | None
) -> tuple[KpiResult, Comparison, bool, list[str]]:
    """The topic's SPC reading and comparison: the assessment's, unless it is not a KPI.

    A registry KPI only renamed keeps the assessment's figures under its new name; one
    given another direction is read again (its icons depend on the direction), and says so.
    """
    base = a.registry.get(topic.id)
    if base is not None and topic.model_copy(update={"name": base.name}) == base:
        result = a.result(topic.id, district)
        comparison = a.comparisons[topic.id]
        if topic.name != base.name:
            comparison = replace(comparison, name=topic.name)
            result = replace(result, kpi=topic, comparison=comparison if result.is_force else None)
        return result, comparison, True, []
    result = topics.analyse_topic(
        topic,
        a.sources,
        area=district or a.force,
        data_to=a.data_to,
        method=a.method,
        start=a.start,
        registry=a.registry,
        provisional_months=a.provisional_months,
    )
    notes = []
    if base is not None:
        notes.append(
            f"{topic.name} is read here with {topic.direction} as the better direction, not "
            f"the registry's {base.direction}, so its SPC icons can differ from the "
            "performance exceptions briefing."
        )
    comparison = force_comparison(
        topic,
        a.sources,
        a.peers,
        overdispersion=a.method.overdispersion,
        alpha=a.method.alpha,
    )
    return result, comparison, False, notes


# ------------------------------------------------------------------------------ trend


def trend_chart(dd: DeepDive) -> charts.Chart:
    """The SPC chart of the topic's measure (monthly count, or share for a share KPI)."""
    r = dd.result
    what = "share of crimes" if r.measure == "share" else "monthly count"
    y_label = {
        "count": f"{dd.unit.capitalize()} per month",
        "share": "Per cent",
        "rate": f"Rate {r.unit}",
    }[r.measure]
    return charts.spc_chart(
        r.spc,
        f"{dd.name} {dd.where}: {what}" if len(dd.where) < 30 else f"{dd.name}: {what}",
        y_label=y_label,
        source=dd.source_line,
        synthetic=dd.synthetic,
        unit="per cent" if r.measure == "share" else r.unit,
    )


def trend_sentences(dd: DeepDive) -> list[str]:
    """The SPC verdict and the latest 12 months against the 12 before, counts beside shares.

    The first two are the result's own sentences: for a registry KPI, word for word what
    every other briefing of the cycle prints.
    """
    out = [dd.result.spc_sentence()]
    rolling = dd.result.rolling_sentence()
    if rolling:
        out.append(rolling)
    maturity = dd.result.maturity_note()
    if maturity:
        out.append(maturity)
    if dd.rebase:
        why = (
            ", the first full month after the last lockdown restrictions ended"
            if dd.rebase == DEFAULT_REBASE
            else ", the cycle's rebase month"
        )
        out.append(
            f"The chart's mean and limits are recalculated from {month_text(dd.rebase)}{why}."
        )
    return out


def baselines_table(dd: DeepDive) -> pd.DataFrame:
    """The baselines with counts (see :data:`scrutiny.briefings.performance.BASELINE_DECIMALS`)."""
    return performance.baselines_table(dd.result)


def seasonal_peak(dd: DeepDive) -> str | None:
    """The month of a marked seasonal peak (:func:`scrutiny.analysis.topics.seasonal_peak`)."""
    return topics.seasonal_peak(dd.decomposition)


def seasonality_chart(dd: DeepDive) -> charts.Chart | None:
    """Observed counts with the STL trend (seasonality and noise removed)."""
    if dd.decomposition is None:
        return None
    d = dd.decomposition[["observed", "trend"]]
    return charts.line_chart(
        d,
        f"{dd.name} {dd.where}: monthly count and underlying trend",
        y_label=f"{dd.unit.capitalize()} per month",
        labels={"observed": "Recorded", "trend": "Trend (seasonality and noise removed)"},
        source=dd.source_line,
        synthetic=dd.synthetic,
    )


def _enough_years(dd: DeepDive) -> bool:
    return topics.ordinary_years(dd.decomposition) >= topics.MIN_SEASONAL_YEARS


def seasonality_sentences(dd: DeepDive) -> list[str]:
    """The seasonal pattern in words (or why there is none).

    Highest and lowest months are named only when every calendar month has been seen in
    enough ordinary years outside the Covid-19 restrictions
    (:func:`scrutiny.analysis.topics.ordinary_years`).
    """
    if dd.decomposition is None:
        return [dd.decomposition_note]
    trend = dd.decomposition["trend"]
    head = f"Seasonal decomposition (STL) of {narrative.fmt_int(len(dd.decomposition))} months"
    moved = (
        f"The underlying trend moved from {narrative.fmt_value(trend.iloc[0])} to "
        f"{narrative.fmt_value(trend.iloc[-1])} a month."
    )
    if not _enough_years(dd):
        years = topics.ordinary_years(dd.decomposition)
        lo, hi = RESTRICTIONS
        return [
            f"{head}. Outside the Covid-19 restrictions ({month_text(lo)} to "
            f"{month_text(hi)}) the data hold {years} ordinary "
            f"{'year' if years == 1 else 'years'} of some calendar months, fewer than the "
            f"{topics.MIN_SEASONAL_YEARS} a seasonal pattern needs, so no month is called the "
            f"highest or lowest. {moved}"
        ]
    prof = topics.seasonal_profile(dd.decomposition)
    hi, lo = prof.idxmax(), prof.idxmin()
    text = (
        f"{head}: {dd.phrase} runs highest in {hi} (about {narrative.fmt_value(prof[hi])} a "
        f"month above the trend) and lowest in {lo} (about "
        f"{narrative.fmt_value(abs(prof[lo]))} below). {moved}"
    )
    out = [text]
    if seasonal_peak(dd) is None:
        out.append(
            "The seasonal swing is small beside the month-to-month noise, so no month "
            "stands out reliably."
        )
    return out


def seasonal_table(dd: DeepDive) -> pd.DataFrame:
    """Seasonal effect by calendar month (empty without enough ordinary years to claim one)."""
    if dd.decomposition is None or not _enough_years(dd):
        return pd.DataFrame()
    prof = topics.seasonal_profile(dd.decomposition)
    return pd.DataFrame({"Month": prof.index, "Seasonal effect (offences a month)": prof.values})


def forecast_chart(dd: DeepDive) -> charts.Chart | None:
    """Actual counts and the 12-month forecast with its 95% prediction interval."""
    if dd.forecast is None:
        return None
    return charts.forecast_chart(
        dd.forecast,
        f"{dd.name} {dd.where}: forecast for the next 12 months",
        y_label=f"{dd.unit.capitalize()} per month",
        source=dd.source_line,
        synthetic=dd.synthetic,
    )


def forecast_totals(dd: DeepDive) -> tuple[float, float] | None:
    """(forecast for the next 12 months, actual count of the latest 12), or None."""
    return topics.forecast_totals(dd.forecast)


def forecast_sentences(dd: DeepDive) -> list[str]:
    """The forecast in words, with the model and its caveat."""
    if dd.forecast is None:
        return [dd.forecast_note]
    fc = dd.forecast.dropna(subset=["forecast"])
    total, last = forecast_totals(dd) or (0.0, 0.0)
    meta = dd.forecast.attrs.get("forecast", {})
    first, final = fc.index[0], fc.index[-1]
    out = [
        f"The model forecasts about {narrative.fmt_int(total)} {dd.unit} from "
        f"{narrative.month_label(first)} to {narrative.month_label(final)}, against "
        f"{narrative.fmt_int(last)} in the latest 12 months; the 95% prediction interval for "
        f"a single month runs from {narrative.fmt_int(fc['lower'].min())} to "
        f"{narrative.fmt_int(fc['upper'].max())}.",
        f"{meta.get('model', 'Exponential smoothing')}. A forecast assumes the pattern of the "
        "past continues; it is a guide to demand, not a target.",
    ]
    out += list(meta.get("notes", []))
    return out


# ------------------------------------------------------------------------------ geography


def district_table(dd: DeepDive) -> pd.DataFrame:
    """Offences and rates per 1,000 by district in the latest 12 months, against the force."""
    r = dd.district_rates
    return pd.DataFrame(
        {
            "District": r.index,
            "Offences": r["count"].astype("int64").to_numpy(),
            "Population": r["population"].astype("int64").to_numpy(),
            "Rate per 1,000": r["rate"].to_numpy(),
            "95% interval from": r["lower"].to_numpy(),
            "95% interval to": r["upper"].to_numpy(),
            "Against the force": r["verdict"].to_numpy(),
        }
    )


def district_sentences(dd: DeepDive) -> list[str]:
    """Districts significantly above and below the force-wide rate."""
    r = dd.district_rates
    out = []
    n = dd.outside_districts
    if n:
        unit, verb = (dd.unit[:-1], "is") if n == 1 else (dd.unit, "are")
        out.append(
            f"{narrative.fmt_int(n)} {unit} without a location or placed outside the force "
            f"area {verb} in the force total but in no district."
        )
    if not r["count"].sum() > 0:
        return [
            f"No {dd.unit} of {dd.phrase} were recorded in any of the force's districts in "
            f"{dd.last_12_label}, so there are no rates to compare.",
            *out,
        ]
    force_rate = float(r["national_rate"].iloc[0])
    hi = [
        f"{d} ({narrative.fmt_num(x, 2)})"
        for d, x in r.loc[r["verdict"] == "significantly higher", "rate"].items()
    ]
    lo = [
        f"{d} ({narrative.fmt_num(x, 2)})"
        for d, x in r.loc[r["verdict"] == "significantly lower", "rate"].items()
    ]
    text = (
        f"In {dd.last_12_label} the rate of {dd.phrase} across the force's districts was "
        f"{narrative.fmt_num(force_rate, 2)} per 1,000 people."
    )
    if hi:
        text += f" Significantly higher: {join_words(hi)}."
    if lo:
        text += f" Significantly lower: {join_words(lo)}."
    if not hi and not lo:
        text += " No district differs significantly from that rate."
    if bool(r["adjusted"].any()):
        text += (
            " Districts differ by more than chance, so these verdicts and the funnel's limits "
            "allow for the usual variation between districts (as the cycle's method does for "
            "forces); the 95% intervals in the table allow for chance alone."
        )
    return [text, *out]


def district_funnel_chart(dd: DeepDive) -> charts.Chart | None:
    """Funnel plot of district rates against the force-wide rate (None without offences)."""
    f = topics.district_funnel(dd.district_rates, overdispersion=dd.method.overdispersion)
    if f is None:
        return None
    chart = charts.funnel_chart(
        f,
        f"{dd.name}: rate by district, {_short_period(*dd.last_12)}",
        highlight=dd.district,
        what="districts",
        source=dd.source_line,
        synthetic=dd.synthetic,
    )
    _legend_out_of_the_way(chart)
    chart.caption = f"{dd.name}: rate per 1,000 people by district, {dd.last_12_label}"
    return chart


def _legend_out_of_the_way(chart: charts.Chart) -> None:
    """Let matplotlib place the legend where it covers fewest points.

    A city can sit top right, where the funnel chart puts its legend.
    """
    legend = chart.figure.axes[0].get_legend()
    if legend is not None:
        legend.set_loc("best")


def concentration_sentence(dd: DeepDive) -> str:
    """The concentration of the topic in the busiest 10% of the area's LSOAs, in words."""
    return topics.concentration_sentence(dd.concentration, dd.phrase, dd.where)


def top_lsoas_table(dd: DeepDive, n: int = 10) -> pd.DataFrame:
    """The ``n`` busiest LSOAs in the latest 12 months, with their share of the area's offences."""
    t = dd.lsoas.head(n)
    total = dd.lsoas["count"].sum()
    return pd.DataFrame(
        {
            "LSOA": t["lsoa_name"].to_numpy(),
            "District": t["district"].to_numpy(),
            "Offences": t["count"].to_numpy(),
            "Share of the area (%)": (t["count"] / total * 100).to_numpy() if total else np.nan,
        }
    )


def density_map(dd: DeepDive, *, gridsize: int = HEX_GRIDSIZE) -> charts.Chart | None:
    """Density map: hexagonal bins of the offences' longitude and latitude (no base map).

    Districts are labelled at the median point of their offences when the deep dive is
    about the whole force. Returns None when no offence has a location.
    """
    a, b = dd.last_12
    rec = topics.in_months(dd.records, a, b)
    if dd.district is not None:
        rec = rec[rec["district"] == dd.district]
    title = f"{dd.name}: where recorded, {_short_period(*dd.last_12)}"
    caption = f"{dd.name} {dd.where}: where {dd.unit} were recorded, {dd.last_12_label}"
    outside = 0
    labels = None
    if dd.district is None:
        # Points of crimes the force recorded outside its area would stretch the map.
        outside = int((rec["district"].isna() & rec["longitude"].notna()).sum())
        rec = rec[rec["district"].notna()]
        labels = (
            rec.dropna(subset=["district", "longitude"])
            .groupby("district")[["longitude", "latitude"]]
            .median()
        )
    chart = hexbin_map(
        rec,
        title,
        gridsize=gridsize,
        labels=labels,
        unit=dd.unit,
        approximate=bool(rec["approximate_location"].any()) if len(rec) else False,
        source=dd.source_line,
        synthetic=dd.synthetic,
    )
    if chart is not None:
        chart.caption = caption
        if outside:
            chart.alt += f" Not shown: {narrative.fmt_int(outside)} placed outside the force area."
    return chart


def _short_period(first: str, last: str) -> str:
    """``"Nov 2021 to Oct 2022"``, ``"Jan to Dec 2022"`` (as the baselines label periods)."""
    a, b = pd.Period(first, freq="M"), pd.Period(last, freq="M")
    if a.year == b.year:
        return f"{a.strftime('%b')} to {b.strftime('%b %Y')}"
    return f"{a.strftime('%b %Y')} to {b.strftime('%b %Y')}"


def hexbin_map(
    points: pd.DataFrame,
    title: str,
    *,
    gridsize: int = HEX_GRIDSIZE,
    labels: pd.DataFrame | None = None,
    unit: str = "offences",
    approximate: bool = False,
    source: str | None = None,
    synthetic: bool = False,
) -> charts.Chart | None:
    """Hexagonal-bin density map of points (``longitude``, ``latitude``, ``lsoa_name``).

    Parameters
    ----------
    points
        One row per offence; rows without coordinates are counted in the alt text.
    title
        Chart title.
    gridsize
        Hexagons across the width.
    labels
        Optional place labels: index = name, columns ``longitude``, ``latitude``.
    unit
        Word for the points.
    approximate
        Points are LSOA centres, not police.uk points (said in the alt text).
    source, synthetic
        As for :func:`scrutiny.present.charts.spc_chart`.

    Returns
    -------
    Chart or None
        None when no point has coordinates. The data table lists every hexagon with its
        centre, count and most common LSOA, busiest first.
    """
    from scipy.spatial import cKDTree

    total = len(points)
    pts = points.dropna(subset=["longitude", "latitude"])
    if pts.empty:
        return None
    lon = pts["longitude"].to_numpy(dtype=float)
    lat = pts["latitude"].to_numpy(dtype=float)
    mid_lat = float(np.mean(lat))
    with charts.house_style():
        fig = Figure(figsize=(8.0, 8.0), dpi=100, layout="constrained")
        ax = fig.add_subplot()
        big = len(pts) > 200
        hb = ax.hexbin(
            lon,
            lat,
            gridsize=gridsize,
            mincnt=1,
            cmap=_HEX_CMAP,
            bins="log" if big else None,
            linewidths=0.2,
            edgecolors="white",
        )
        ax.set_aspect(1 / math.cos(math.radians(mid_lat)))
        bar = fig.colorbar(hb, ax=ax, location="bottom", shrink=0.6, pad=0.02, aspect=30)
        bar.set_label(f"{unit.capitalize()} per hexagon" + (" (log scale)" if big else ""))
        if labels is not None:
            for name, row in labels.iterrows():
                ax.annotate(
                    str(name),
                    (row["longitude"], row["latitude"]),
                    ha="center",
                    fontsize=9,
                    fontweight="bold",
                    color=charts.TEXT,
                    path_effects=[patheffects.withStroke(linewidth=3, foreground="white")],
                )
        ax.set_xlabel("Longitude")
        ax.set_ylabel("Latitude")
        ax.grid(False)
        ax.set_title(title, loc="left", pad=10)
        charts.add_footer(fig, source, synthetic)
    centres = hb.get_offsets()
    counts = np.asarray(hb.get_array())
    # Each point's hexagon is the nearest centre (hexagons are the Voronoi cells of their
    # centres in the plotted, unscaled coordinates).
    _, nearest = cKDTree(centres).query(np.column_stack([lon, lat]))
    names = pts["lsoa_name"].fillna("unknown LSOA").to_numpy()
    common_name = (
        pd.DataFrame({"hex": nearest, "lsoa": names})
        .groupby("hex")["lsoa"]
        .agg(lambda s: s.value_counts().index[0])
    )
    per_hex = pd.Series(np.bincount(nearest, minlength=len(centres)))
    table = pd.DataFrame(
        {
            "Centre longitude": np.round(centres[:, 0], 4),
            "Centre latitude": np.round(centres[:, 1], 4),
            unit.capitalize(): per_hex.to_numpy(),
            "Most common LSOA": [common_name.get(i, "") for i in range(len(centres))],
        }
    )
    table = table[table[unit.capitalize()] > 0].sort_values(
        unit.capitalize(), ascending=False, kind="stable", ignore_index=True
    )
    n_hex = len(table)
    km = (lon.max() - lon.min()) / gridsize * 111.32 * math.cos(math.radians(mid_lat))
    top = table.iloc[0]
    top10 = table[unit.capitalize()].head(10).sum() / len(pts) * 100
    quiet = (table[unit.capitalize()] <= 5).mean() * 100
    alt = (
        f"Density map (hexagonal bins, no base map) of {title[:1].lower() + title[1:]}: "
        f"{narrative.fmt_int(len(pts))} {unit} with a location"
        + (f" of {narrative.fmt_int(total)}" if total != len(pts) else "")
        + (" (placed at the centre of their LSOA)" if approximate else "")
        + f", in {n_hex} hexagons about {km:.1f} km across. The densest hexagon, around "
        f"{top['Most common LSOA']} (longitude {top['Centre longitude']:.3f}, latitude "
        f"{top['Centre latitude']:.3f}), holds {narrative.fmt_int(top[unit.capitalize()])} "
        f"({narrative.fmt_num(top[unit.capitalize()] / len(pts) * 100)}%); the 10 densest "
        f"hold {narrative.fmt_num(top10, 0)}%; {narrative.fmt_num(quiet, 0)}% of hexagons "
        "hold 5 or fewer. Darker hexagons hold more."
    )
    if counts.size and counts.sum() != len(pts):
        # hexbin and the nearest-centre assignment agree for points inside the grid; say so
        # if they ever differ, rather than silently showing two different totals.
        alt += " (Hexagon totals are approximate at the edges.)"
    return charts.Chart(fig, alt, table, title, source, synthetic)


# ------------------------------------------------------------------------------ outcomes


def outcome_table(dd: DeepDive) -> pd.DataFrame:
    """Outcome groups of the crimes of :attr:`DeepDive.outcome_months` and the 12 before."""
    if dd.outcomes_now is None:
        return pd.DataFrame()
    now = dd.outcomes_now.set_index("group")
    out = pd.DataFrame(
        {
            "Outcome": now.index,
            _short_period(*dd.outcome_months): now["count"].to_numpy(),
            "Share (%)": now["share"].to_numpy(),
        }
    )
    if dd.outcomes_before is not None:
        before = dd.outcomes_before.set_index("group").reindex(now.index)
        out["12 months before"] = before["count"].fillna(0).astype("int64").to_numpy()
        out["Share before (%)"] = before["share"].to_numpy()
    return out


def outcome_chart(dd: DeepDive) -> charts.Chart | None:
    """Bar chart of outcome groups (share of crimes) of :attr:`DeepDive.outcome_months`."""
    if dd.outcomes_now is None:
        return None
    data = dd.outcomes_now.set_index("group")[["share"]]
    data.index.name = "Outcome"
    data.columns = ["Share of crimes (%)"]
    chart = charts.bar_chart(
        data,
        f"{dd.name}: outcomes, {_short_period(*dd.outcome_months)}",
        value="Share of crimes (%)",
        x_label="Per cent of crimes",
        decimals=1,
        source=dd.source_line,
        synthetic=dd.synthetic,
    )
    chart.caption = f"Outcomes of {dd.phrase} {dd.where} recorded {dd.outcome_label}"
    return chart


def outcome_sentences(dd: DeepDive) -> list[str]:
    """Charged share, no suspect identified, against before and against all crime.

    When the latest months' outcomes are still provisional, the crimes described are
    those of the 12 months before them, as the assessment leaves those months out of
    every verdict, and the first sentence says so.
    """
    out = []
    if dd.provisional_from is not None:
        out.append(
            f"Outcomes are still being recorded for crimes from "
            f"{month_text(dd.provisional_from)} on, so, as in the cycle's assessment, those "
            f"months are left out: this section describes the crimes recorded in "
            f"{dd.outcome_label}."
        )
    if dd.outcomes_now is None or dd.charged is None:
        if dd.topic.definition.police_uk_categories == [ASB]:
            return [f"police.uk records no outcomes for {dd.phrase}."]
        return [
            *out,
            f"No {dd.unit} of {dd.phrase} {dd.where} were recorded in {dd.outcome_label}.",
        ]
    c = dd.charged
    share = dd.outcomes_now.set_index("group")["share"]
    text = (
        f"Of the {narrative.fmt_int(c.now_total)} {dd.unit} of {dd.phrase} {dd.where} "
        "recorded in "
        f"{dd.outcome_label}, {narrative.fmt_int(c.now)} "
        f"({narrative.fmt_num(c.share)}%) have led to a charge or summons so far; "
        f"{narrative.fmt_num(share.get('No suspect identified', 0), 0)}% closed with no suspect "
        f"identified and {narrative.fmt_num(share.get('Unable to prosecute suspect', 0), 0)}% "
        "with the suspect not prosecuted."
    )
    out.append(text)
    if c.test is not None:
        out.append(
            f"In the 12 months before, {narrative.fmt_num(c.before_share)}% were charged or "
            f"summonsed ({narrative.fmt_int(c.before)} of {narrative.fmt_int(c.before_total)}); "
            f"compared as proportions, that is {narrative.verdict_words(c.verdict)}. Older "
            "crimes have had longer for their outcome to be recorded, so the later months can "
            "still rise."
        )
    a = dd.all_crime_charged
    if a is not None and a.test is not None:
        out.append(
            f"Across all crime in the same area and months the share was "
            f"{narrative.fmt_num(a.before_share)}% ({narrative.fmt_int(a.before)} of "
            f"{narrative.fmt_int(a.before_total)}): {dd.phrase} is "
            + {
                "significant increase": "significantly more likely",
                "significant decrease": "significantly less likely",
                "no significant change": "not significantly more or less likely",
            }[a.verdict]
            + " to end in a charge or summons."
        )
    return out


# ------------------------------------------------------------------------------ peers


def peer_funnel_chart(dd: DeepDive) -> charts.Chart | None:
    """Funnel plot of England's forces (City of London left out) for the topic, 2017/18."""
    c = dd.comparison
    f = topics.force_funnel(c, overdispersion=dd.method.overdispersion)
    if f is None:
        return None
    chart = charts.funnel_chart(
        f,
        f"{dd.name}: rate by force, {c.year}",
        highlight=c.force,
        what="forces",
        x_label="Population (2011 Census)",
        source=f"Source: Home Office police recorded crime by force, {c.year}; ONS 2011 Census.",
    )
    _legend_out_of_the_way(chart)
    # Peers sit beside the force (similar size), so their labels would overlap: the table
    # below the chart lists them.
    keep = {c.force, str(f["rate"].idxmax()), str(f["rate"].idxmin())}
    _label_only(chart, keep)
    chart.caption = f"{dd.name}: rate per 1,000 people by force in England, {c.year}"
    return chart


def _label_only(chart: charts.Chart, names: set[str | None]) -> None:
    """Keep point labels only for ``names``.

    At force level most forces lie beyond the limits, and labelling them all makes the
    chart unreadable; the data table under it names every force.
    """
    ax = chart.figure.axes[0]
    for text in list(ax.texts):
        if text.get_text() not in names:
            text.remove()


def peer_sentences(dd: DeepDive) -> list[str]:
    """The comparison in words, labelled 2017/18, with the peer method."""
    out = dd.comparison.sentences()
    funnel = topics.force_funnel(dd.comparison, overdispersion=dd.method.overdispersion)
    if funnel is not None:
        outside = int((funnel["band"] != "within 95% limits").sum())
        if str(funnel["limits_method"].iloc[0]) != "none":
            out.append(
                "Forces differ by more than chance, so the funnel's limits allow for the usual "
                f"variation between forces, as the verdicts above do: {outside} of the "
                f"{len(funnel)} forces in the chart lie beyond its 95% limits. Labels show the "
                "force and the highest and lowest; the table below lists the peers."
            )
        elif outside > len(funnel) / 2:
            out.append(
                f"{outside} of the {len(funnel)} forces in the chart lie beyond its 95% "
                "limits: the funnel's limits assume one underlying rate, so they show how "
                "large a difference is rather than whether there is one. Labels show the "
                "force and the highest and lowest; the table below lists the peers."
            )
    if dd.comparison.available:
        out.append(
            "The funnel is centred on the rate of England's forces together; the City of "
            "London is left out of the chart (its tiny resident population puts its rate off "
            "the scale) but counted in the national rate."
        )
        if dd.district is not None:
            out.append(
                f"The Home Office table held is by force only, so this compares the whole "
                f"force, not {dd.district}."
            )
    if dd.peers is not None:
        out.append(dd.peers.method)
    return out


def peer_table(dd: DeepDive) -> pd.DataFrame:
    """The force and its peers: count, population and rate with its interval (2017/18)."""
    p = dd.comparison.peers
    if p is None:
        return pd.DataFrame()
    t = p.table
    return pd.DataFrame(
        {
            "Force": t.index,
            f"Offences ({dd.comparison.year})": t["count"].astype("int64").to_numpy(),
            "Population (2011)": t["population"].astype("int64").to_numpy(),
            "Rate per 1,000": t["rate"].to_numpy(),
            "95% interval from": t["lower"].to_numpy(),
            "95% interval to": t["upper"].to_numpy(),
        }
    )


# ------------------------------------------------------------------------------ summary


def force_questions(dd: DeepDive) -> pd.DataFrame:
    """:func:`scrutiny.analysis.questions.questions` from everything the deep dive found."""
    totals = forecast_totals(dd)
    return questions.questions(
        dd.name,
        dd.where,
        summary=None if dd.result.too_few else dd.summary,
        baselines=dd.baselines,
        seasonal_peak=seasonal_peak(dd),
        forecast_total=totals[0] if totals else None,
        last_12_total=totals[1] if totals else None,
        districts=dd.district_rates,
        area=dd.district,
        concentration_result=dd.concentration,
        outcomes=dd.outcomes_now,
        charged=dd.charged,
        comparison=dd.comparison,
        synthetic=dd.synthetic,
        unit=dd.unit,
        outcome_period=dd.outcome_label,
    )


def title(dd: DeepDive) -> str:
    """The page title."""
    return f"Deep dive: {dd.phrase} {dd.where}, {dd.period_label}"


def about(dd: DeepDive) -> str:
    """What the deep dive covers: topic definition, area, period and sources."""
    src = (
        "a synthetic force extract generated from police.uk rows (illustrative only)"
        if dd.synthetic
        else ("the force's extract" if dd.topic.uses_extract else "police.uk street-level crime")
    )
    return (
        f"{dd.topic.description} Area: {dd.area}. Period: {dd.period_label} ("
        + (
            f"geography and outcomes: the latest 12 months, {dd.last_12_label}"
            if dd.provisional_from is None
            else f"geography: the latest 12 months, {dd.last_12_label}; outcomes: crimes "
            f"recorded in {dd.outcome_label}, whose outcomes are no longer provisional"
        )
        + f"). Counted in {src}; rates per "
        "1,000 use ONS 2018-based population projections; the national and peer comparison "
        f"uses Home Office police recorded crime for {HOME_OFFICE_YEAR}, the only force-level "
        "year held. "
        + (
            "The trend's SPC reading and baselines are the cycle's assessment: the same "
            "figures and sentences as every other briefing of this cycle."
            if dd.from_assessment
            else "The trend is read with the cycle's method (window, rebase month and "
            "significance level), as the cycle's assessment reads every KPI."
        )
    )


def key_findings(dd: DeepDive) -> list[str]:
    """The key-findings box, written from the results."""
    out = trend_sentences(dd)[:2]
    peak = seasonal_peak(dd)
    if peak:
        out.append(f"{dd.name} has a marked seasonal pattern, highest in {peak}.")
    totals = forecast_totals(dd)
    if totals:
        out.append(
            f"The forecast for the next 12 months is about {narrative.fmt_int(totals[0])} "
            f"{dd.unit}, against {narrative.fmt_int(totals[1])} in the latest 12."
        )
    out.append(concentration_sentence(dd))
    r = dd.district_rates
    force_rate = narrative.fmt_num(float(r["national_rate"].iloc[0]), 2) if len(r) else ""
    if dd.district is not None and dd.district in r.index:
        row = r.loc[dd.district]
        relation = {
            "significantly higher": "significantly higher than",
            "significantly lower": "significantly lower than",
            "not significantly different": "not significantly different from",
        }[row["verdict"]]
        out.append(
            f"{dd.district}'s rate, {narrative.fmt_num(row['rate'], 2)} per 1,000 people in "
            f"{dd.last_12_label}, is {relation} the rate of the force's districts together "
            f"({force_rate})"
            + (", allowing for the usual variation between districts." if row["adjusted"] else ".")
        )
    else:
        high = list(r.index[r["verdict"] == "significantly higher"])
        if high:
            out.append(
                f"Rates are significantly above the force-wide rate ({force_rate} per 1,000) in "
                f"{join_words(high)} ({dd.last_12_label})"
                + (
                    ", allowing for the usual variation between districts."
                    if bool(r["adjusted"].any())
                    else "."
                )
            )
    if dd.charged is not None and dd.charged.now_total:
        c = dd.charged
        out.append(
            f"{narrative.fmt_num(c.share)}% of these crimes recorded in {dd.outcome_label} "
            f"have been charged or summonsed so far ({narrative.fmt_int(c.now)} of "
            f"{narrative.fmt_int(c.now_total)})."
        )
    comp = dd.comparison.sentences()
    out.append(comp[-1] if dd.comparison.available else comp[0])
    if dd.synthetic:
        out.append("These figures come from a synthetic extract: they are illustrative only.")
    return out


def sources_table(dd: DeepDive) -> pd.DataFrame:
    """Data sources used, with periods."""
    qualities = [dd.crimes_quality] + ([dd.extract_quality] if dd.extract_quality else [])
    years = tuple(range(int(dd.start[:4]), int(dd.data_to[:4]) + 1))
    return common.sources_table(
        *qualities,
        sources=dd.sources,
        population_years=years,
        extra=[
            {
                "source": "Home Office police recorded crime by force (national and peers)",
                "location": str(dd.sources.home_office_force),
                "period": HOME_OFFICE_YEAR,
                "data": common.REAL,
            }
        ],
    )
