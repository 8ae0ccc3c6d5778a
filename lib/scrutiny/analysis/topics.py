"""One topic in depth: the statistics behind the deep-dive briefing.

A topic is a KPI in the registry, or a set of police.uk categories or Home Office offence
codes made into a KPI by :func:`make_topic`. Its monthly series, SPC reading and baselines
are the cycle's assessment's for a registry KPI (:mod:`scrutiny.analysis.assessment`);
for any other topic :func:`analyse_topic` builds the series and runs the same
:func:`~scrutiny.analysis.assessment.analyse_series` with the cycle's method (window,
rebase month, significance level), so a topic is read exactly as a KPI would be.

Beyond the SPC reading, :func:`examine` finds, from the topic's records:

* trend: seasonality (STL, :func:`seasonality`, :func:`seasonal_peak`) and a 12-month
  forecast (ETS, :func:`forecast`, :func:`forecast_totals`);
* geography: rates by district against the force-wide rate (:func:`district_rates`,
  :func:`district_funnel`), offences per LSOA (:func:`lsoa_counts`) and their
  concentration against a random spread (:func:`scrutiny.stats.concentration.concentration`,
  :func:`concentration_sentence`);
* outcomes: police.uk last outcomes grouped (:func:`outcome_groups`), the charged share
  now against before and against all crime (:func:`charged_share`), by district
  (:func:`charged_by_district`);

and :func:`force_funnel` places the force among England's forces (Home Office 2017/18).
:func:`questions` (from :mod:`scrutiny.analysis.questions`, re-exported) turns the evidence
into questions for the force. Every function below
:func:`examine` is pure (frames in, frames out) and tested on hand-made frames.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrutiny.analysis.assessment import KpiResult, analyse_series, window
from scrutiny.analysis.kpis import Definition, Kpi, kpi_series, load_registry, select_rows
from scrutiny.analysis.method import RESTRICTIONS, Method, rebase_for
from scrutiny.analysis.narrative import (
    fmt_int,
    fmt_num,
    join_words,
    month_text,
)
from scrutiny.analysis.peers import Comparison
from scrutiny.analysis.questions import (
    CONCENTRATION_QUESTION,
    NO_SUSPECT_QUESTION,
    UNABLE_QUESTION,
    questions,
)
from scrutiny.data import (
    DataQuality,
    DataSources,
    force_geography,
    force_key,
    load_crimes,
    load_extract,
    load_offence_map,
    population,
)
from scrutiny.data.police_uk import ASB, CHARGED_OUTCOMES, CRIME_TYPES
from scrutiny.stats import compare, dispersion, trends
from scrutiny.stats.concentration import TOP_SHARE, Concentration, concentration

__all__ = [
    "CONCENTRATION_QUESTION",
    "NO_OUTCOME",
    "NO_SUSPECT_QUESTION",
    "OUTCOME_GROUPS",
    "TOP_SHARE",
    "UNABLE_QUESTION",
    "ChargedShare",
    "Concentration",
    "FUNNEL_LEAVE_OUT",
    "MIN_SEASONAL_YEARS",
    "Findings",
    "all_crime_outcomes",
    "analyse_topic",
    "charged_by_district",
    "charged_share",
    "concentration",
    "concentration_sentence",
    "district_funnel",
    "district_rates",
    "examine",
    "force_funnel",
    "forecast",
    "forecast_totals",
    "in_months",
    "lsoa_counts",
    "make_topic",
    "monthly_counts",
    "ordinary_years",
    "outcome_group",
    "outcome_groups",
    "questions",
    "rebase_note",
    "resolve_area",
    "seasonal_peak",
    "seasonal_profile",
    "seasonality",
    "topic_records",
    "usable_rebase",
]

#: police.uk last-outcome categories grouped for the outcomes section.
OUTCOME_GROUPS: dict[str, tuple[str, ...]] = {
    "Charged or summonsed": CHARGED_OUTCOMES,
    "Out-of-court resolution": (
        "Offender given a caution",
        "Local resolution",
        "Offender given penalty notice",
        "Offender given a drugs possession warning",
    ),
    "Unable to prosecute suspect": ("Unable to prosecute suspect",),
    "No suspect identified": ("Investigation complete; no suspect identified",),
    "Not in the public interest": (
        "Formal action is not in the public interest",
        "Further action is not in the public interest",
        "Further investigation is not in the public interest",
    ),
    "Passed to another organisation": ("Action to be taken by another organisation",),
    "Still open or status unknown": ("Under investigation", "Status update unavailable"),
}
NO_OUTCOME = "No outcome recorded"
#: Fewest ordinary years (outside the Covid-19 restrictions) of every calendar month for a
#: seasonal claim (:func:`scrutiny.stats.trends.seasonal_years`).
MIN_SEASONAL_YEARS = trends.MIN_SEASONAL_YEARS
#: Forces left out of the force funnel plot (a tiny resident population puts the City of
#: London's rate off the scale); they stay in the national rate.
FUNNEL_LEAVE_OUT = ("City of London",)


# ------------------------------------------------------------------------------ the topic


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def make_topic(
    *,
    kpi: str = "",
    categories: Sequence[str] = (),
    offence_codes: Sequence[str] = (),
    name: str = "",
    direction: str = "",
    registry: dict[str, Kpi] | None = None,
    offence_map: pd.DataFrame | None = None,
) -> Kpi:
    """A topic as a KPI: a registry KPI, or one made from categories or codes.

    Parameters
    ----------
    kpi
        An id in ``params/kpis.yaml`` (used when ``categories`` and ``offence_codes`` are
        empty).
    categories
        police.uk crime categories (e.g. ``["Robbery"]``): counted in police.uk data.
    offence_codes
        Home Office offence codes (e.g. ``["19C", "19D"]``): counted in the force extract
        (synthetic unless a real one is given). Not together with ``categories``.
    name
        The topic's name for a made-up topic (default: from the categories or codes), or
        to rename a registry KPI.
    direction
        ``"increase"``, ``"decrease"`` or ``"neutral"``: which way is better (default: the
        registry's, or ``"decrease"`` for a made-up topic).
    registry, offence_map
        Already loaded registry and offence map (loaded if not given).

    Returns
    -------
    Kpi
        The registry's KPI itself when neither ``name`` nor ``direction`` changes it; a
        made-up topic has the id ``"topic"``.

    Raises
    ------
    ValueError
        Naming the parameter: an unknown KPI id, category or offence code, or both
        ``categories`` and ``offence_codes``.
    """
    if direction and direction not in ("increase", "decrease", "neutral"):
        raise ValueError(
            f"parameter 'direction': {direction!r} is not increase, decrease or neutral"
        )
    categories = [str(c) for c in categories]
    offence_codes = [str(c) for c in offence_codes]
    if categories and offence_codes:
        raise ValueError(
            "parameters 'categories' and 'offence_codes': give one or the other (police.uk "
            "categories are counted in police.uk data, offence codes in the force extract)"
        )
    if not categories and not offence_codes:
        reg = registry or load_registry()
        if not kpi:
            raise ValueError(
                "parameter 'kpi': give a KPI id, or police.uk 'categories', or 'offence_codes'"
            )
        if kpi not in reg:
            raise ValueError(
                f"parameter 'kpi': no KPI {kpi!r} in the registry{_suggest(kpi, list(reg))} "
                f"(ids: {', '.join(reg)})"
            )
        found = reg[kpi]
        update = {}
        if name:
            update["name"] = name
        if direction:
            update["direction"] = direction
        return found.model_copy(update=update) if update else found
    if categories:
        for c in categories:
            if c not in CRIME_TYPES:
                raise ValueError(
                    f"parameter 'categories': {c!r} is not a police.uk category"
                    f"{_suggest(c, CRIME_TYPES)} (expected one of {', '.join(CRIME_TYPES)})"
                )
        definition = Definition(police_uk_categories=categories)
        label = name or join_words(categories)
        description = f"police.uk categories: {', '.join(categories)}."
    else:
        om = (
            offence_map
            if offence_map is not None
            else load_offence_map(DataSources().path("offence_map"))
        )
        known = set(om["offence_code"].astype(str))
        for c in offence_codes:
            if c not in known:
                raise ValueError(
                    f"parameter 'offence_codes': {c!r} is not a Home Office offence code"
                    f"{_suggest(c, sorted(known))}"
                )
        definition = Definition(offence_codes=offence_codes)
        descs = om.set_index(om["offence_code"].astype(str))["offence_description"]
        label = name or join_words([str(descs[c]) for c in offence_codes[:3]]) + (
            " and others" if len(offence_codes) > 3 else ""
        )
        description = f"Home Office offence codes {', '.join(offence_codes)}."
    return Kpi(
        id="topic",
        name=label[:1].upper() + label[1:],
        description=description,
        definition=definition,
        direction=direction or "decrease",
    )


def resolve_area(area: str, force: str, districts: Sequence[str]) -> str | None:
    """The district named by ``area``, or None for the force (``""`` or the force's name).

    Raises
    ------
    ValueError
        Naming the parameter and the districts when ``area`` is neither.
    """
    text = area.strip()
    if not text or force_key(text) == force_key(force):
        return None
    norm = text.lower().removesuffix(" ua")
    for d in districts:
        if d.lower() == norm:
            return d
    raise ValueError(
        f"parameter 'area': {area!r} is neither the force ({force}) nor one of its districts"
        f"{_suggest(text, list(districts))} ({', '.join(districts)})"
    )


# ------------------------------------------------------------------------------ the series


def usable_rebase(rebase: str | None, start: str, end: str) -> str | None:
    """The rebase month if it starts a new SPC period inside ``start`` to ``end``, else None.

    The same rule as :func:`~scrutiny.analysis.assessment.analyse_series`: the month must
    come after the first month of the chart and not after the last.

    >>> usable_rebase("2021-08", "2019-12", "2022-10")
    '2021-08'
    >>> usable_rebase("2021-08", "2021-11", "2022-10") is None
    True
    """
    if rebase is None:
        return None
    r = pd.Period(rebase, freq="M")
    if pd.Period(start, freq="M") < r <= pd.Period(end, freq="M"):
        return rebase
    return None


def rebase_note(rebase: str | None, start: str, end: str) -> str | None:
    """The assessment's note when a rebase month is ignored (None when it is used or unset)."""
    if rebase is None or usable_rebase(rebase, start, end) is not None:
        return None
    return (
        f"The SPC limits are calculated over the whole period: the rebase month "
        f"{month_text(rebase)} is not inside {month_text(start)} to {month_text(end)}."
    )


def analyse_topic(
    topic: Kpi,
    sources: DataSources,
    *,
    area: str,
    data_to: str,
    method: Method | None = None,
    start: str | None = None,
    registry: dict[str, Kpi] | None = None,
    provisional_months: int = 0,
) -> KpiResult:
    """A topic's monthly series, SPC reading and baselines, read as the assessment reads a KPI.

    The series is :func:`~scrutiny.analysis.kpis.kpi_series` over the cycle's window
    (``method.months`` ending ``data_to``, not before the data); the SPC and baselines are
    :func:`~scrutiny.analysis.assessment.analyse_series` with the topic's rebase month
    (its own, or the cycle's) and the whole method (significance level, over-dispersion,
    the two-of-three rule, the least expected count judged). A topic counting outcomes
    stops, as an outcome KPI does, before its ``provisional_months`` latest months.

    Parameters
    ----------
    topic
        From :func:`make_topic`.
    sources
        The force and its files.
    area
        The force (its name, or ``""``) or one of its districts (see :func:`resolve_area`).
    data_to
        Last month (``YYYY-MM``).
    method
        The cycle's method (:func:`scrutiny.analysis.assessment.method_of`); default
        :class:`~scrutiny.analysis.method.Method` ().
    start
        First month of the window, when already known (e.g. the assessment's ``start``).
    registry
        For a topic divided by another KPI.
    provisional_months
        The assessment's number of months whose outcomes are too immature to judge
        (:attr:`~scrutiny.analysis.assessment.Assessment.provisional_months`).

    Returns
    -------
    KpiResult
    """
    method = method or Method()
    if start is None:
        crimes, _ = load_crimes(sources, data_to=data_to)
        if crimes.empty:
            raise ValueError(f"no police.uk rows for {sources.force} up to {data_to}")
        start = window(crimes["month"].min(), data_to, method.months)
    district = resolve_area(area, sources.force, force_geography(sources).district_names)
    is_force = district is None
    name = district or sources.force
    rebase = usable_rebase(rebase_for(method, topic.method), start, data_to)
    outcome = topic.definition.outcomes is not None and provisional_months > 0
    end = str(pd.Period(data_to, freq="M") - provisional_months) if outcome else data_to
    if outcome and rebase is not None and rebase > end:
        rebase = None
    series = kpi_series(topic, area=name, start=start, end=end, sources=sources, registry=registry)
    result = analyse_series(
        topic,
        series,
        area=name,
        is_force=is_force,
        end=end,
        rebase=rebase,
        alpha=method.alpha,
        method=method,
    )
    if outcome:
        result.provisional_from = str(pd.Period(end, freq="M") + 1)
    return result


def monthly_counts(series: pd.DataFrame) -> pd.Series:
    """The monthly counts of a :func:`~scrutiny.analysis.kpis.kpi_series` frame.

    Months without data (``missing``) are NaN, not 0. Indexed by month (Timestamp).
    """
    missing = series["missing"].to_numpy(dtype=bool)
    return pd.Series(
        np.where(missing, np.nan, series["count"].to_numpy(dtype=float)),
        index=pd.DatetimeIndex(series["month"]),
        name="count",
    )


# ------------------------------------------------------------------------------ records


def topic_records(
    kpi: Kpi,
    crimes: pd.DataFrame,
    extract: pd.DataFrame | None = None,
    lsoas: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rows a topic counts, in one shape whichever source they come from.

    Parameters
    ----------
    kpi
        The topic.
    crimes
        police.uk rows (:func:`scrutiny.data.load_crimes`).
    extract
        The force extract (:func:`scrutiny.data.load_extract`), for topics counted there.
    lsoas
        The force's LSOAs (``lsoa_code``, ``lsoa_name``), to name the extract's LSOAs.

    Returns
    -------
    DataFrame
        ``month, district, lsoa_code, lsoa_name, longitude, latitude, outcome,
        approximate_location``. Extract rows carry no coordinates, so they are placed at
        the mean police.uk point of their LSOA (``approximate_location`` True).
    """
    d = kpi.definition
    if d.source == "police_uk":
        rows = crimes.loc[select_rows(d, crimes).to_numpy(dtype=bool)]
        return pd.DataFrame(
            {
                "month": rows["month"].to_numpy(),
                "district": rows["district"].to_numpy(),
                "lsoa_code": rows["lsoa_code"].to_numpy(),
                "lsoa_name": rows["lsoa_name"].to_numpy(),
                "longitude": rows["longitude"].to_numpy(dtype=float),
                "latitude": rows["latitude"].to_numpy(dtype=float),
                "outcome": rows["last_outcome"].to_numpy(),
                "approximate_location": False,
            }
        )
    if extract is None:
        raise ValueError(f"{kpi.name} is counted in the force extract: pass the extract")
    rows = extract.loc[select_rows(d, extract).to_numpy(dtype=bool)]
    located = crimes[crimes["longitude"].notna() & crimes["lsoa_code"].notna()]
    centre = located.groupby("lsoa_code")[["longitude", "latitude"]].mean()
    names = (
        lsoas.set_index("lsoa_code")["lsoa_name"]
        if lsoas is not None
        else crimes.dropna(subset=["lsoa_code"])
        .drop_duplicates("lsoa_code")
        .set_index("lsoa_code")["lsoa_name"]
    )
    codes = rows["lsoa_code"]
    return pd.DataFrame(
        {
            "month": rows["month"].to_numpy(),
            "district": rows["district"].to_numpy(),
            "lsoa_code": codes.to_numpy(),
            "lsoa_name": codes.map(names).to_numpy(),
            "longitude": codes.map(centre["longitude"]).to_numpy(dtype=float),
            "latitude": codes.map(centre["latitude"]).to_numpy(dtype=float),
            "outcome": rows["outcome"].to_numpy(),
            "approximate_location": True,
        }
    )


def in_months(records: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    """Rows whose ``month`` lies from ``first`` to ``last`` (``YYYY-MM``, both included)."""
    m = pd.to_datetime(records["month"])
    sel = (m >= pd.Timestamp(f"{first}-01")) & (m <= pd.Timestamp(f"{last}-01"))
    return records.loc[sel.to_numpy()]


# ------------------------------------------------------------------------------ trend


def seasonality(counts: pd.Series) -> tuple[pd.DataFrame | None, str]:
    """STL decomposition of monthly counts (:func:`scrutiny.stats.trends.decompose`).

    Returns
    -------
    tuple
        ``(decomposition, "")``, or ``(None, note)`` saying why there is none (fewer than
        two full years, or a month without data).
    """
    try:
        return trends.decompose(counts), ""
    except ValueError as exc:
        return None, f"No seasonal decomposition: {exc}."


def seasonal_profile(decomposition: pd.DataFrame) -> pd.Series:
    """Average seasonal effect per calendar month (offences above or below the trend).

    Indexed by month name (``"January"`` ...), in calendar order of the months present.
    """
    s = decomposition["seasonal"]
    months = pd.PeriodIndex(s.index, freq="M").month
    prof = s.groupby(months).mean()
    prof.index = [pd.Timestamp(2000, m, 1).strftime("%B") for m in prof.index]
    return prof


def ordinary_years(
    decomposition: pd.DataFrame | None, *, exclude: tuple[str, str] | None = RESTRICTIONS
) -> int:
    """Years of ordinary data behind a seasonal pattern: the fewest of any calendar month.

    Months inside ``exclude`` (the Covid-19 restrictions, inclusive) do not count
    (:func:`scrutiny.stats.trends.seasonal_years`); 0 without a decomposition.
    """
    if decomposition is None or decomposition.empty:
        return 0
    months = pd.PeriodIndex(decomposition.index, freq="M")
    return trends.seasonal_years(months, exclude=exclude)


def seasonal_peak(
    decomposition: pd.DataFrame | None,
    *,
    exclude: tuple[str, str] | None = RESTRICTIONS,
    min_years: int = MIN_SEASONAL_YEARS,
) -> str | None:
    """The calendar month with the largest seasonal effect, if seasonality is marked.

    Marked = every calendar month seen in at least ``min_years`` ordinary years
    (:func:`ordinary_years`: outside the Covid-19 restrictions, so one odd lockdown April
    cannot make a pattern), and the seasonal component varies more than the remainder
    (the range of the seasonal profile is larger than four standard deviations of the
    remainder), so the peak is not noise.
    """
    if decomposition is None or ordinary_years(decomposition, exclude=exclude) < min_years:
        return None
    prof = seasonal_profile(decomposition)
    spread = float(prof.max() - prof.min())
    noise = float(decomposition["remainder"].std())
    if not np.isfinite(noise) or spread <= 4 * noise:
        return None
    return str(prof.idxmax())


def forecast(counts: pd.Series, *, horizon: int = 12) -> tuple[pd.DataFrame | None, str]:
    """ETS forecast of monthly counts (:func:`scrutiny.stats.trends.forecast`).

    Returns
    -------
    tuple
        ``(forecast, "")``, or ``(None, note)`` saying why there is none.
    """
    try:
        return trends.forecast(counts, horizon=horizon), ""
    except ValueError as exc:
        return None, f"No forecast: {exc}."


def forecast_totals(fc: pd.DataFrame | None) -> tuple[float, float] | None:
    """(forecast total of the horizon, actual count of the latest 12 months), or None."""
    if fc is None:
        return None
    ahead = fc["forecast"].dropna()
    actual = fc["actual"].dropna().iloc[-12:]
    return float(ahead.sum()), float(actual.sum())


# ------------------------------------------------------------------------------ geography


def lsoa_counts(records: pd.DataFrame, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Offences per LSOA for every LSOA given (zeros included), busiest first.

    Returns
    -------
    DataFrame
        ``lsoa_code, lsoa_name, district, count``.
    """
    counts = records.dropna(subset=["lsoa_code"]).groupby("lsoa_code").size()
    out = lsoas[["lsoa_code", "lsoa_name", "district"]].copy()
    out["count"] = out["lsoa_code"].map(counts).fillna(0).astype("int64")
    return out.sort_values(["count", "lsoa_code"], ascending=[False, True], ignore_index=True)


def concentration_sentence(c: Concentration, what: str, where: str) -> str:
    """A :class:`~scrutiny.stats.concentration.Concentration` in words, counts beside the share.

    E.g. "The busiest 10% of neighbourhoods (LSOAs: 10 of 99) hold 53% of robbery in
    Charnwood (40 of 76). Spread at random over the LSOAs, the same number would put about
    33% in the busiest 10 (95% of random spreads: up to 38%). 62 LSOAs recorded none."
    """
    pct = f"{c.top_share * 100:g}%"
    if c.total == 0:
        return f"No {what} with a known LSOA {where}, so concentration cannot be measured."
    chance = ""
    if np.isfinite(c.random_share):
        chance = (
            f"Spread at random over the LSOAs, the same number would put about "
            f"{fmt_num(c.random_share, 0)}% in the busiest {c.n_top} (95% of random "
            f"spreads: up to {fmt_num(c.random_upper, 0)}%). "
        )
    if c.n_zero == 0:
        zeros = "Every LSOA recorded at least one."
    elif c.n_zero == 1:
        zeros = "1 LSOA recorded none."
    else:
        zeros = f"{c.n_zero} LSOAs recorded none."
    return (
        f"The busiest {pct} of neighbourhoods (LSOAs: {c.n_top} of {c.n_lsoas}) hold "
        f"{fmt_num(c.share, 0)}% of {what} {where} "
        f"({fmt_int(c.top_total)} of {fmt_int(c.total)}). {chance}{zeros}"
    )


def district_rates(
    records: pd.DataFrame,
    populations: pd.Series,
    *,
    per: int = 1000,
    alpha: float = 0.05,
    overdispersion: str = "additive",
) -> pd.DataFrame:
    """Offences and rates per district against the force-wide rate.

    Districts, like forces, differ by more than chance, so by default the verdicts allow
    for it as the cycle's method does for forces
    (:func:`scrutiny.stats.dispersion.rates_table_adjusted`: Spiegelhalter's additive
    random-effects adjustment, over three or more districts); ``overdispersion="none"``
    gives the exact Poisson verdicts.

    Parameters
    ----------
    records
        The topic's rows in the period (``district`` column; rows in no district are
        left out and should be reported by the caller).
    populations
        Population per district (index: district names, all of the force's districts).
    per
        Rate per this many people.
    alpha
        Significance level (the cycle's).
    overdispersion
        ``additive``, ``multiplicative`` or ``none`` (the cycle's method).

    Returns
    -------
    DataFrame
        Indexed by district: ``count, population, rate, lower, upper, national_rate`` (here
        the rate of all districts together), ``difference, p_value, verdict`` and
        ``adjusted`` (whether the verdict allows for over-dispersion; the Poisson interval
        ``lower`` to ``upper`` then allows for chance alone); highest rate first. Without
        any offence in a district every rate is 0 and none differs (p = 1).
    """
    counts = records.dropna(subset=["district"]).groupby("district").size()
    data = pd.DataFrame(
        {
            "count": populations.index.map(counts).fillna(0).astype(float),
            "population": populations.astype(float).to_numpy(),
        },
        index=pd.Index(populations.index, name="district"),
    )
    if data["count"].sum() == 0:
        out = compare.rates(data["count"], data["population"], per=per, alpha=alpha)
        out = out.assign(
            national_rate=0.0, difference=0.0, p_value=1.0, verdict="not significantly different"
        )
        out["adjusted"] = False
    else:
        out = dispersion.rates_table_adjusted(data, method=overdispersion, per=per, alpha=alpha)
        fd = out.attrs["dispersion"]
        out["adjusted"] = fd is not None and fd.overdispersed
    out.attrs = {}
    return out.sort_values("rate", ascending=False, kind="stable")


def district_funnel(
    rates: pd.DataFrame, *, overdispersion: str = "additive"
) -> pd.DataFrame | None:
    """Districts on a funnel plot centred on the force-wide rate.

    The limits allow for over-dispersion exactly as :func:`district_rates`' verdicts do
    (same districts, same centre, same method), so a district beyond the 95% limit is one
    the page calls significantly different.

    Parameters
    ----------
    rates
        :func:`district_rates` output.
    overdispersion
        ``additive``, ``multiplicative`` or ``none`` (the cycle's method, as given to
        :func:`district_rates`).

    Returns
    -------
    DataFrame or None
        :func:`scrutiny.stats.dispersion.funnel_adjusted` output indexed by ``District``;
        None without an offence in any district (a funnel needs a rate above 0 to centre on).
    """
    if rates.empty or not rates["count"].sum() > 0:
        return None
    if not bool(rates.get("adjusted", pd.Series([False])).any()):
        overdispersion = "none"
    f = _funnel(rates, overdispersion)
    f.index.name = "District"
    return f


def _funnel(
    rates: pd.DataFrame, overdispersion: str, plot: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Funnel of ``plot`` (default ``rates``) with the over-dispersion of all of ``rates``.

    Over-dispersion is estimated as :func:`scrutiny.stats.dispersion.rates_table_adjusted`
    estimates it for the verdicts (three or more areas, around ``national_rate``).
    """
    target = float(rates["national_rate"].iloc[0])
    plot = rates if plot is None else plot
    fd = None
    if overdispersion != "none" and len(rates) >= 3:
        fd = dispersion.funnel_dispersion(rates["count"], rates["population"], target)
    return dispersion.funnel_adjusted(
        plot[["count", "population"]], target, fd, method=overdispersion
    )


def force_funnel(
    comparison: Comparison,
    *,
    leave_out: Sequence[str] = FUNNEL_LEAVE_OUT,
    overdispersion: str = "additive",
) -> pd.DataFrame | None:
    """England's forces on a funnel plot centred on the national rate (Home Office table).

    The limits allow for over-dispersion as the comparison's verdicts do (estimated on all
    the forces of the table, around the national rate, with the cycle's method).

    Parameters
    ----------
    comparison
        The force's national comparison (:func:`scrutiny.analysis.peers.force_comparison`).
    leave_out
        Forces left off the plot; they stay in the national rate the funnel is centred on
        and in the over-dispersion estimate.
    overdispersion
        ``additive``, ``multiplicative`` or ``none`` (the cycle's method).

    Returns
    -------
    DataFrame or None
        :func:`scrutiny.stats.dispersion.funnel_adjusted` output indexed by ``Force``; None
        without a comparison.
    """
    if not comparison.available or comparison.rates is None:
        return None
    rates = comparison.rates
    if not bool(rates.get("adjusted", pd.Series([False])).any()):
        overdispersion = "none"
    data = rates.drop(index=[f for f in leave_out if f in rates.index])
    f = _funnel(rates, overdispersion, data)
    f.index.name = "Force"
    return f


# ------------------------------------------------------------------------------ outcomes


def outcome_group(outcome: object) -> str:
    """The group of one police.uk last-outcome category (see :data:`OUTCOME_GROUPS`)."""
    if outcome is None or (isinstance(outcome, float) and math.isnan(outcome)):
        return NO_OUTCOME
    for group, members in OUTCOME_GROUPS.items():
        if outcome in members:
            return group
    return NO_OUTCOME


def outcome_groups(outcomes: pd.Series) -> pd.DataFrame:
    """Count and share (per cent of all crimes) of each outcome group.

    Every group is listed, in :data:`OUTCOME_GROUPS` order, with zeros; crimes without an
    outcome come last (left out when there are none).

    Returns
    -------
    DataFrame
        ``group, count, share``.
    """
    groups = pd.Series([outcome_group(o) for o in outcomes], dtype=object)
    counts = groups.value_counts()
    order = [*OUTCOME_GROUPS, NO_OUTCOME]
    total = len(groups)
    out = pd.DataFrame({"group": order})
    out["count"] = out["group"].map(counts).fillna(0).astype("int64")
    out["share"] = out["count"] / total * 100 if total else np.nan
    if out.loc[out["group"] == NO_OUTCOME, "count"].iloc[0] == 0:
        out = out[out["group"] != NO_OUTCOME].reset_index(drop=True)
    return out


@dataclass
class ChargedShare:
    """Charged or summonsed share of crimes in two periods, compared as proportions.

    ``test`` is the difference of the two shares with Newcombe's interval
    (:func:`scrutiny.stats.dispersion.newcombe_difference`), None without a comparison.
    """

    now: int
    now_total: int
    before: int
    before_total: int
    test: dispersion.ProportionDifference | None

    @property
    def share(self) -> float:
        """Per cent charged or summonsed now."""
        return self.now / self.now_total * 100 if self.now_total else float("nan")

    @property
    def before_share(self) -> float:
        """Per cent charged or summonsed before."""
        return self.before / self.before_total * 100 if self.before_total else float("nan")

    @property
    def verdict(self) -> str:
        """The test's verdict in words.

        ``"significant increase"``, ``"significant decrease"``, ``"no significant change"``
        or ``"not available"``.
        """
        if self.test is None:
            return "not available"
        if not self.test.significant:
            return "no significant change"
        return "significant increase" if self.test.difference > 0 else "significant decrease"


def charged_share(
    now: pd.Series, before: pd.Series | None = None, *, alpha: float = 0.05
) -> ChargedShare:
    """Crimes charged or summonsed (police.uk outcomes) as a share, now against before.

    The shares are compared as proportions, as the assessment compares shares: the
    difference with Newcombe's hybrid score interval built from Wilson intervals
    (:func:`scrutiny.stats.dispersion.newcombe_difference`); significant when the interval
    leaves out no difference.

    Parameters
    ----------
    now, before
        Last-outcome categories of the crimes in each period.
    alpha
        Significance level (the cycle's).
    """
    c_now = int(now.isin(CHARGED_OUTCOMES).sum())
    n_now = len(now)
    if before is None or len(before) == 0 or n_now == 0:
        return ChargedShare(c_now, n_now, 0, 0 if before is None else len(before), None)
    c_before = int(before.isin(CHARGED_OUTCOMES).sum())
    test = dispersion.newcombe_difference(c_now, n_now, c_before, len(before), alpha=alpha)
    return ChargedShare(c_now, n_now, c_before, len(before), test)


def all_crime_outcomes(
    topic: Kpi,
    crimes: pd.DataFrame,
    extract: pd.DataFrame | None,
    first: str,
    last: str,
    district: str | None,
) -> pd.Series:
    """Outcomes of all crimes (not ASB) in the topic's source, period and area."""
    if topic.uses_extract and extract is not None:
        rows = in_months(extract, first, last)
        outcome = "outcome"
    else:
        rows = in_months(crimes[crimes["crime_type"] != ASB], first, last)
        outcome = "last_outcome"
    if district is not None:
        rows = rows[rows["district"] == district]
    return rows[outcome]


def charged_by_district(records: pd.DataFrame, districts: Sequence[str]) -> pd.DataFrame:
    """Crimes and the charged or summonsed share in each district.

    Returns
    -------
    DataFrame
        ``District, Crimes, Charged or summonsed, Share (%)``, in the order of ``districts``.
    """
    rows = []
    for d in districts:
        c = charged_share(records.loc[records["district"] == d, "outcome"])
        rows.append(
            {
                "District": d,
                "Crimes": c.now_total,
                "Charged or summonsed": c.now,
                "Share (%)": c.share,
            }
        )
    return pd.DataFrame(rows, columns=["District", "Crimes", "Charged or summonsed", "Share (%)"])


# ------------------------------------------------------------------------------ examine


@dataclass
class Findings:
    """What :func:`examine` finds about a topic in one area, beyond its SPC reading.

    Attributes
    ----------
    records
        The topic's rows in the window (:func:`topic_records`), every area.
    decomposition, decomposition_note
        :func:`seasonality` of the area's monthly counts.
    forecast, forecast_note
        :func:`forecast` of them.
    district_rates
        :func:`district_rates` in the latest 12 months.
    outside_districts
        Rows of the latest 12 months in no district.
    lsoas
        :func:`lsoa_counts` of the area in the latest 12 months.
    concentration
        Concentration of those counts in the busiest 10% of the area's LSOAs.
    outcome_months
        First and last month (``YYYY-MM``) of the 12 months whose crimes' outcomes are
        described: the latest 12, or, when the latest outcomes are still provisional, the
        12 before those months (as the assessment leaves them out of every verdict).
    outcomes_now, outcomes_before
        :func:`outcome_groups` of the area's crimes in ``outcome_months`` and the 12
        before (None for anti-social behaviour, or without crimes).
    charged, all_crime_charged
        :func:`charged_share` of ``outcome_months`` against the 12 months before, and
        against all crime in the same area and months.
    outcomes_by_district
        :func:`charged_by_district` in ``outcome_months``.
    crimes_quality, extract_quality
        Quality records of the loads.
    """

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
    crimes_quality: DataQuality
    extract_quality: DataQuality | None


def examine(
    topic: Kpi,
    result: KpiResult,
    sources: DataSources,
    *,
    data_to: str,
    start: str,
    alpha: float = 0.05,
    overdispersion: str = "additive",
    provisional_months: int = 0,
) -> Findings:
    """Load the topic's records once and compute everything beyond its SPC reading.

    Parameters
    ----------
    topic
        The topic.
    result
        Its SPC reading in the area (the assessment's, or :func:`analyse_topic`'s): the
        area, and the monthly counts for seasonality and the forecast.
    sources
        The force and its files.
    data_to, start
        Last and first month of the window (``YYYY-MM``).
    alpha, overdispersion
        Significance level of every test, and how comparisons between districts allow for
        over-dispersion (the cycle's method).
    provisional_months
        The latest months whose outcomes are still provisional
        (:attr:`~scrutiny.analysis.assessment.Assessment.provisional_months`): left out
        of the outcomes, as the assessment leaves them out of every verdict.
    """
    crimes, cq = load_crimes(sources, data_to=data_to)
    geo = force_geography(sources)
    districts = geo.district_names
    district = None if result.is_force else result.area
    extract, eq = load_extract(sources, data_to=data_to) if topic.uses_extract else (None, None)

    counts = monthly_counts(result.series)
    decomposition, d_note = seasonality(counts)
    fc, f_note = forecast(counts, horizon=12)

    records_all = topic_records(topic, crimes, extract, geo.lsoas)
    end = pd.Period(data_to, freq="M")
    a, b = str(end - 11), data_to
    recent = in_months(records_all, a, b)
    pops = pd.Series(
        {d: population(d, year=int(data_to[:4]), sources=sources) for d in districts},
        dtype="int64",
    )
    rates = district_rates(recent, pops, alpha=alpha, overdispersion=overdispersion)
    in_area = recent if district is None else recent[recent["district"] == district]
    area_lsoas = geo.lsoas
    if "district_from" in crimes and crimes["district_from"].eq("LSOA name").any():
        # LSOAs of another vintage (2021) than the lookup: the force's LSOAs are those its
        # rows name (a 2011 LSOA split since would otherwise count as one that "recorded none").
        area_lsoas = crimes.loc[
            crimes["district"].notna(), ["lsoa_code", "lsoa_name", "district"]
        ].drop_duplicates("lsoa_code")
        area_lsoas = area_lsoas.astype(object).reset_index(drop=True)
    if district is not None:
        area_lsoas = area_lsoas[area_lsoas["district"] == district]
    lsoas = lsoa_counts(in_area, area_lsoas)

    last = end - provisional_months
    # The outcome window never starts before the first month held (e.g. 12 months of 2025
    # with 7 provisional: January to May 2025, not June 2024 to May 2025).
    held = pd.Period(crimes["month"].min(), freq="M") if len(crimes) else last - 11
    o0, o1 = str(max(last - 11, held)), str(last)
    done = in_months(records_all, o0, o1)
    before_held = last - 23 >= held
    done_before = in_months(records_all, str(last - 23), str(last - 12))
    if not before_held:  # the 12 months before are not all held: no comparison
        done_before = done_before.iloc[0:0]
    if district is not None:
        done = done[done["district"] == district]
        done_before = done_before[done_before["district"] == district]
    has_outcomes = ASB not in (topic.definition.police_uk_categories or [])
    outcomes_now = outcomes_before = charged = all_charged = by_district = None
    if has_outcomes and len(done):
        outcomes_now = outcome_groups(done["outcome"])
        outcomes_before = outcome_groups(done_before["outcome"]) if len(done_before) else None
        charged = charged_share(done["outcome"], done_before["outcome"], alpha=alpha)
        all_rows = all_crime_outcomes(topic, crimes, extract, o0, o1, district)
        all_charged = (
            charged_share(done["outcome"], all_rows, alpha=alpha) if len(all_rows) else None
        )
        by_district = charged_by_district(in_months(records_all, o0, o1), districts)
    return Findings(
        records=in_months(records_all, start, data_to),
        decomposition=decomposition,
        decomposition_note=d_note,
        forecast=fc,
        forecast_note=f_note,
        district_rates=rates,
        outside_districts=int(recent["district"].isna().sum()),
        lsoas=lsoas,
        concentration=concentration(lsoas.set_index("lsoa_name")["count"]),
        outcome_months=(o0, o1),
        outcomes_now=outcomes_now,
        outcomes_before=outcomes_before,
        charged=charged,
        all_crime_charged=all_charged,
        outcomes_by_district=by_district,
        crimes_quality=cq,
        extract_quality=eq,
    )
