"""Content of the deep-dive briefing (``notebooks/deep_dive.ipynb``).

A deep dive looks at one topic (a KPI in the registry, or a set of police.uk categories or
Home Office offence codes) in one area (the force or a district) over a period:

* trend: the monthly SPC chart, baselines, seasonality (STL) and a 12-month forecast;
* geography: rates by district with a funnel plot, concentration (the share of offences
  in the busiest 10% of LSOAs) and a density map of the police.uk points (hexagonal bins
  of longitude and latitude; no base map, nothing fetched);
* outcomes: police.uk last-outcome categories grouped (charged or summonsed, no suspect
  identified, ...), against the previous 12 months and against all crime;
* peers: the force against England's forces and its peer group (Home Office, 2017/18);
* questions for the force, generated from what the data show, like the question lists of
  the Board's papers.

:func:`make_topic` turns the notebook's parameters into a :class:`~scrutiny.analysis.kpis.Kpi`;
:func:`collect` loads the data once and computes everything into a :class:`DeepDive`; the
other functions turn it into sentences, tables and charts. The small pure functions
(:func:`concentration`, :func:`outcome_groups`, :func:`charged_share`, :func:`questions`)
are what the tests check on hand-made frames.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib import colormaps, patheffects
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from scrutiny.analysis import narrative
from scrutiny.analysis.assessment import window
from scrutiny.analysis.kpis import Definition, Kpi, kpi_series, load_registry, select_rows
from scrutiny.analysis.method import DEFAULT_REBASE
from scrutiny.analysis.peers import HOME_OFFICE_YEAR, Comparison, force_comparison, peer_forces
from scrutiny.briefings import common
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
from scrutiny.present import charts
from scrutiny.stats import compare, spc, trends
from scrutiny.stats.compare import PeerGroup

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
#: Share of LSOAs counted as "the busiest" for concentration.
TOP_SHARE = 0.10
#: Concentration at or above this share of offences in the top 10% of LSOAs prompts a question.
CONCENTRATION_QUESTION = 30.0
#: Shares of outcomes at or above which a question is asked.
NO_SUSPECT_QUESTION = 40.0
UNABLE_QUESTION = 30.0
HEX_GRIDSIZE = 40
#: Colour-blind-safe cividis, reversed (darker = more), without its palest quarter so the
#: emptiest hexagons still contrast with the white page.
_HEX_CMAP = ListedColormap(colormaps["cividis_r"](np.linspace(0.25, 1.0, 256)))


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
    """The deep dive's topic as a KPI: a registry KPI, or one made from categories or codes.

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
        label = name or _join(categories)
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
        label = name or _join([str(descs[c]) for c in offence_codes[:3]]) + (
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


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _lc(text: str) -> str:
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


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


# ------------------------------------------------------------------------------ geography


@dataclass
class Concentration:
    """How concentrated offences are in the busiest LSOAs.

    Attributes
    ----------
    n_lsoas
        LSOAs in the area (those with no offences included).
    n_top
        LSOAs in the busiest ``top_share`` (rounded up, at least one).
    total, top_total
        Offences in all LSOAs, and in the busiest ``n_top``.
    share
        ``top_total / total`` in per cent (NaN without offences).
    top
        The busiest ``n_top`` LSOAs (index) with their counts, busiest first.
    n_zero
        LSOAs with no offences.
    top_share
        The fraction of LSOAs counted as busiest (0.10).
    """

    n_lsoas: int
    n_top: int
    total: int
    top_total: int
    share: float
    top: pd.Series
    n_zero: int
    top_share: float = TOP_SHARE
    random_share: float = float("nan")
    random_upper: float = float("nan")

    @property
    def beyond_chance(self) -> bool:
        """True when the share is above what 95% of random spreads would give."""
        return bool(np.isfinite(self.random_upper) and self.share > self.random_upper)

    def sentence(self, what: str, where: str) -> str:
        """The concentration in words, counts beside the percentage.

        E.g. "The busiest 10% of neighbourhoods (LSOAs: 10 of 99) hold 53% of robbery in
        Charnwood (40 of 76). Spread at random over the LSOAs, the same number would put
        about 33% in the busiest 10 (95% of random spreads: up to 38%). 62 LSOAs recorded
        none."
        """
        pct = f"{self.top_share * 100:g}%"
        if self.total == 0:
            return f"No {what} with a known LSOA {where}, so concentration cannot be measured."
        return (
            f"The busiest {pct} of neighbourhoods (LSOAs: {self.n_top} of {self.n_lsoas}) hold "
            f"{narrative.fmt_num(self.share, 0)}% of {what} {where} "
            f"({narrative.fmt_int(self.top_total)} of {narrative.fmt_int(self.total)}). "
            f"{self._chance()}{self._zeros()}"
        )

    def _chance(self) -> str:
        if not np.isfinite(self.random_share):
            return ""
        return (
            f"Spread at random over the LSOAs, the same number would put about "
            f"{narrative.fmt_num(self.random_share, 0)}% in the busiest {self.n_top} (95% of "
            f"random spreads: up to {narrative.fmt_num(self.random_upper, 0)}%). "
        )

    def _zeros(self) -> str:
        if self.n_zero == 0:
            return "Every LSOA recorded at least one."
        if self.n_zero == 1:
            return "1 LSOA recorded none."
        return f"{self.n_zero} LSOAs recorded none."


def concentration(
    counts: pd.Series, *, top_share: float = TOP_SHARE, simulations: int = 2000, seed: int = 0
) -> Concentration:
    """Share of offences in the busiest ``top_share`` of areas (LSOAs).

    Parameters
    ----------
    counts
        Offences per LSOA (index), including every LSOA of the area, zeros too: leaving
        out LSOAs with none would overstate how even the spread is.
    top_share
        Fraction of LSOAs counted as the busiest; the number is rounded up (10% of 611
        LSOAs is 62) and is at least one.
    simulations, seed
        Random spreads of the same total over the same LSOAs (equally likely), to say what
        share the busiest would hold by chance alone: with few offences even a random
        spread looks concentrated. 0 skips this.

    Returns
    -------
    Concentration
    """
    if not 0 < top_share <= 1:
        raise ValueError(f"top_share must be in (0, 1], got {top_share}")
    c = pd.Series(counts, dtype=float).fillna(0)
    if (c < 0).any():
        raise ValueError("counts must not be negative")
    n = len(c)
    if n == 0:
        raise ValueError("counts is empty: give every LSOA of the area")
    n_top = max(1, math.ceil(round(n * top_share, 9)))
    ordered = c.sort_values(ascending=False, kind="stable")
    top = ordered.iloc[:n_top]
    total = float(c.sum())
    share = float(top.sum()) / total * 100 if total > 0 else float("nan")
    rand, upper = float("nan"), float("nan")
    if simulations > 0 and total > 0:
        rng = np.random.default_rng(seed)
        sims = rng.multinomial(int(round(total)), np.full(n, 1 / n), size=simulations)
        tops = -np.sort(-sims, axis=1)[:, :n_top].sum(axis=1) / total * 100
        rand, upper = float(np.median(tops)), float(np.quantile(tops, 0.95))
    return Concentration(
        n_lsoas=n,
        n_top=n_top,
        total=int(round(total)),
        top_total=int(round(float(top.sum()))),
        share=share,
        top=top.astype("int64"),
        n_zero=int((c == 0).sum()),
        top_share=top_share,
        random_share=rand,
        random_upper=upper,
    )


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


def district_rates(
    records: pd.DataFrame, populations: pd.Series, *, per: int = 1000
) -> pd.DataFrame:
    """Offences and rates per district against the force-wide rate (exact Poisson test).

    Parameters
    ----------
    records
        The topic's rows in the period (``district`` column; rows in no district are
        left out and should be reported by the caller).
    populations
        Population per district (index: district names, all of the force's districts).
    per
        Rate per this many people.

    Returns
    -------
    DataFrame
        Indexed by district: ``count, population, rate, lower, upper, national_rate`` (here
        the rate of all districts together), ``difference, p_value, verdict``; highest rate
        first.
    """
    counts = records.dropna(subset=["district"]).groupby("district").size()
    data = pd.DataFrame(
        {
            "count": populations.index.map(counts).fillna(0).astype(float),
            "population": populations.astype(float).to_numpy(),
        },
        index=pd.Index(populations.index, name="district"),
    )
    out = compare.rates_table(data, per=per)
    return out.sort_values("rate", ascending=False, kind="stable")


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
    outcome come last.

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
    """Charged or summonsed share of crimes in two periods, with the exact test."""

    now: int
    now_total: int
    before: int
    before_total: int
    test: compare.RateRatio | None

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
        return "significant increase" if self.test.rate_ratio > 1 else "significant decrease"


def charged_share(now: pd.Series, before: pd.Series | None = None) -> ChargedShare:
    """Crimes charged or summonsed (police.uk outcomes) as a share, now against before.

    The test is the exact conditional test of two Poisson rates with the crime totals as
    exposures (:func:`scrutiny.stats.compare.rate_ratio_test`).

    Parameters
    ----------
    now, before
        Last-outcome categories of the crimes in each period.
    """
    c_now = int(now.isin(CHARGED_OUTCOMES).sum())
    n_now = len(now)
    if before is None or len(before) == 0 or n_now == 0:
        return ChargedShare(c_now, n_now, 0, 0 if before is None else len(before), None)
    c_before = int(before.isin(CHARGED_OUTCOMES).sum())
    test = compare.rate_ratio_test(c_now, n_now, c_before, len(before))
    return ChargedShare(c_now, n_now, c_before, len(before), test)


# ------------------------------------------------------------------------------ questions


def _q(question: str, evidence: str) -> dict[str, str]:
    return {"Question": question, "What the data show": evidence}


def questions(
    name: str,
    where: str,
    *,
    summary: spc.SpcSummary | None = None,
    baselines: pd.DataFrame | None = None,
    seasonal_peak: str | None = None,
    forecast_total: float | None = None,
    last_12_total: float | None = None,
    districts: pd.DataFrame | None = None,
    area: str | None = None,
    concentration_result: Concentration | None = None,
    outcomes: pd.DataFrame | None = None,
    charged: ChargedShare | None = None,
    comparison: Comparison | None = None,
    synthetic: bool = False,
    unit: str = "offences",
) -> pd.DataFrame:
    """Questions for the force, each with the evidence that prompts it.

    Modelled on the question lists in the Board's papers ("What specifically has been
    done to ...? What analysis has been undertaken to ...?"). A question is asked only
    when the data show what it is about; every input is optional.

    Parameters
    ----------
    name, where
        The topic (``"Robbery"``) and the area phrase (``"in Charnwood"``).
    summary, baselines
        SPC summary and :func:`scrutiny.stats.trends.baselines` of the monthly series.
    seasonal_peak
        The calendar month with the largest seasonal effect, if there is a clear one.
    forecast_total, last_12_total
        Forecast for the next 12 months and the count of the latest 12.
    districts
        :func:`district_rates` output; districts significantly above the force are asked
        about.
    area
        The district the deep dive is about (None: the force).
    concentration_result
        :func:`concentration` output.
    outcomes
        :func:`outcome_groups` output for the latest 12 months.
    charged
        :func:`charged_share` of the latest 12 months against the 12 before.
    comparison
        The force against the national rate and its peers (2017/18).
    synthetic
        The figures come from the synthetic extract.
    unit
        Word for the counts (``"offences"``, ``"incidents"``).

    Returns
    -------
    DataFrame
        ``Question, What the data show``.
    """
    what = _lc(name)
    out: list[dict[str, str]] = []
    if summary is not None:
        since = narrative.month_label(summary.segment_start)
        pattern = narrative.spc_pattern(summary)
        if summary.latest_point_type == "special_cause_concern":
            way = "rise" if summary.variation.endswith("high") else "fall"
            out.append(
                _q(
                    f"What has driven the {way} in {what} {where}, and what specifically is "
                    "being done about it?",
                    f"SPC shows special-cause concern: {pattern} (limits from {since}).",
                )
            )
        elif summary.latest_point_type == "special_cause_improvement":
            out.append(
                _q(
                    f"What has brought about the improvement in {what} {where}, and how will "
                    "it be sustained?",
                    f"SPC shows special-cause improvement: {pattern}.",
                )
            )
        elif summary.latest_point_type == "special_cause_neutral":
            out.append(
                _q(
                    f"Does the change in recorded {what} {where} reflect more offences or "
                    "more reporting, and how does the force know which?",
                    f"SPC shows special-cause variation: {pattern}.",
                )
            )
    if baselines is not None:
        rows = baselines[baselines["baseline"] == trends.BASELINE_LABELS["rolling_12"]]
        if not rows.empty and rows.iloc[0]["verdict"] == "significant increase":
            row = rows.iloc[0]
            out.append(
                _q(
                    f"What analysis has been undertaken to understand the increase in {what} "
                    f"{where} over the last year?",
                    f"{narrative.fmt_int(row['current_count'])} in {row['current_period']} "
                    f"against {narrative.fmt_int(row['baseline_count'])} in "
                    f"{row['baseline_period']} ({row['pct_change']:+.0f}%), a significant "
                    "increase.",
                )
            )
    if concentration_result is not None and concentration_result.total > 0:
        c = concentration_result
        if c.share >= CONCENTRATION_QUESTION and c.beyond_chance:
            names = _join([str(i) for i in c.top.index[:3]])
            out.append(
                _q(
                    f"What problem-solving and partnership work is in place in the "
                    f"{c.n_top} neighbourhoods that account for "
                    f"{narrative.fmt_num(c.share, 0)}% of {what} {where}, and what works "
                    "there?",
                    f"The busiest {c.top_share * 100:g}% of LSOAs hold "
                    f"{narrative.fmt_int(c.top_total)} of {narrative.fmt_int(c.total)} "
                    f"{unit} (a random spread would give about "
                    f"{narrative.fmt_num(c.random_share, 0)}%); the busiest are {names}.",
                )
            )
    if districts is not None and not districts.empty:
        high = districts[districts["verdict"] == "significantly higher"]
        if area is not None:
            high = high[high.index == area]
        if not high.empty:
            names = _join([str(i) for i in high.index])
            rates = "; ".join(
                f"{d} {narrative.fmt_num(r['rate'], 2)} per 1,000" for d, r in high.iterrows()
            )
            force_rate = narrative.fmt_num(float(districts["national_rate"].iloc[0]), 2)
            out.append(
                _q(
                    f"Why is the rate of {what} in {names} significantly higher than across "
                    "the force, and are resources deployed accordingly?",
                    f"Rates in the latest 12 months: {rates}, against {force_rate} per 1,000 "
                    "for the force's districts together.",
                )
            )
    if outcomes is not None and not outcomes.empty:
        share = outcomes.set_index("group")["share"]
        if share.get("No suspect identified", 0) >= NO_SUSPECT_QUESTION:
            out.append(
                _q(
                    "What investigative opportunities are reviewed before a case is closed "
                    "with no suspect identified?",
                    f"{narrative.fmt_num(share['No suspect identified'], 0)}% of {what} "
                    f"{where} in the latest 12 months closed with no suspect identified.",
                )
            )
        if share.get("Unable to prosecute suspect", 0) >= UNABLE_QUESTION:
            out.append(
                _q(
                    "What is being done to support victims to stay with the process where a "
                    "suspect is identified but cannot be prosecuted?",
                    f"{narrative.fmt_num(share['Unable to prosecute suspect'], 0)}% of "
                    f"{what} {where} ended 'unable to prosecute suspect' (often the victim "
                    "does not support action, or evidence is lacking).",
                )
            )
    if charged is not None and charged.now_total > 0:
        evidence = (
            f"{narrative.fmt_num(charged.share)}% charged or summonsed in the latest 12 "
            f"months ({narrative.fmt_int(charged.now)} of {narrative.fmt_int(charged.now_total)})"
        )
        if charged.verdict != "not available":
            evidence += (
                f", against {narrative.fmt_num(charged.before_share)}% in the 12 months "
                f"before ({narrative.fmt_int(charged.before)} of "
                f"{narrative.fmt_int(charged.before_total)}): "
                f"{charged.verdict}; recent outcomes are still being recorded"
            )
        if charged.verdict == "significant decrease":
            q = (
                f"Why has the share of {what} charged or summonsed fallen, and what is being "
                "done to secure better outcomes for victims?"
            )
        else:
            q = (
                f"What is being done to increase the share of {what} {where} that end in a "
                "charge or summons, and how will the Board know it is working?"
            )
        out.append(_q(q, evidence + "."))
    if seasonal_peak:
        out.append(
            _q(
                f"What operations are planned ahead of the seasonal peak in {what} in "
                f"{seasonal_peak}?",
                f"The seasonal pattern of the last years is highest in {seasonal_peak}.",
            )
        )
    if forecast_total is not None and last_12_total is not None:
        out.append(
            _q(
                f"Is the force resourced for the demand forecast for {what} {where} over the "
                "next 12 months?",
                f"The forecast is about {narrative.fmt_int(forecast_total)} {unit} in the "
                f"next 12 months, against {narrative.fmt_int(last_12_total)} in the latest 12.",
            )
        )
    if comparison is not None and comparison.available and comparison.peers is not None:
        p = comparison.peers
        if p.verdict == "significantly higher":
            lowest_first = p.table.sort_values("rate", kind="stable")
            lower = [
                str(f) for f, r in lowest_first.iterrows() if f != p.area and r["rate"] < p.rate
            ][:3]
            out.append(
                _q(
                    f"What has the force learned from similar forces with lower rates of "
                    f"{what}" + (f", such as {_join(lower)}?" if lower else "?"),
                    f"In {comparison.year}, the latest force-level year held, the force's rate "
                    f"({narrative.fmt_num(p.rate, 2)} per 1,000) was significantly higher than "
                    f"its peers' ({narrative.fmt_num(p.peer_rate, 2)}).",
                )
            )
    elif comparison is not None and not comparison.available:
        out.append(
            _q(
                f"Can the force provide comparable figures for {what} from other forces "
                "(for example through the most similar group)?",
                f"There is no force-level comparison in the data held: {comparison.reason}.",
            )
        )
    if synthetic:
        out.append(
            _q(
                "Can the force provide its own record-level data so that this deep dive can "
                "be repeated on real records?",
                f"The figures for {what} come from a synthetic extract and are illustrative.",
            )
        )
    return pd.DataFrame(out, columns=["Question", "What the data show"])


# ------------------------------------------------------------------------------ collect


@dataclass
class DeepDive:
    """Everything the deep-dive briefing shows (see :func:`collect`)."""

    sources: DataSources
    topic: Kpi
    district: str | None
    districts: list[str]
    data_to: str
    start: str
    rebase: str | None
    series: pd.DataFrame
    spc: pd.DataFrame
    summary: spc.SpcSummary
    baselines: pd.DataFrame
    records: pd.DataFrame
    decomposition: pd.DataFrame | None
    decomposition_note: str
    forecast: pd.DataFrame | None
    forecast_note: str
    district_rates: pd.DataFrame
    outside_districts: int
    lsoas: pd.DataFrame
    concentration: Concentration
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
        return bool(self.series["synthetic"].any())

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
        return _lc(self.topic.name)

    @property
    def unit(self) -> str:
        """``"offences"`` or ``"incidents"`` (anti-social behaviour)."""
        return "incidents" if self.topic.definition.police_uk_categories == [ASB] else "offences"

    @property
    def period_label(self) -> str:
        """E.g. ``"December 2019 to October 2022"``."""
        return f"{_month(self.start)} to {_month(self.data_to)}"

    @property
    def last_12(self) -> tuple[str, str]:
        """First and last month (``YYYY-MM``) of the latest 12 months."""
        end = pd.Period(self.data_to, freq="M")
        return str(end - 11), str(end)

    @property
    def last_12_label(self) -> str:
        """E.g. ``"November 2021 to October 2022"``."""
        a, b = self.last_12
        return f"{_month(a)} to {_month(b)}"

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


def _month(ym: str) -> str:
    return pd.Period(ym, freq="M").strftime("%B %Y")


def _in_months(records: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    m = pd.to_datetime(records["month"])
    sel = (m >= pd.Timestamp(f"{first}-01")) & (m <= pd.Timestamp(f"{last}-01"))
    return records.loc[sel.to_numpy()]


def collect(
    sources: DataSources,
    topic: Kpi,
    *,
    data_to: str,
    area: str = "",
    months: int = 36,
    spc_rebase: str = DEFAULT_REBASE,
    registry: dict[str, Kpi] | None = None,
) -> DeepDive:
    """Load the data once and compute every part of the deep dive.

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
    months
        Length of the trend in months (fewer if the data start later).
    spc_rebase
        First month of the current SPC period (``""``: none).
    registry
        The registry (for KPIs divided by another KPI).
    """
    registry = registry or load_registry()
    crimes, cq = load_crimes(sources, data_to=data_to)
    if crimes.empty:
        raise ValueError(f"no police.uk rows for {sources.force} up to {data_to}")
    geo = force_geography(sources)
    districts = geo.district_names
    district = resolve_area(area, sources.force, districts)
    extract = None
    eq = None
    if topic.uses_extract:
        extract, eq = load_extract(sources, data_to=data_to)
    start = window(crimes["month"].min(), data_to, months)
    notes: list[str] = []
    rebase = spc_rebase.strip() or None
    if rebase is not None and not (
        pd.Period(start, freq="M") < pd.Period(rebase, freq="M") <= pd.Period(data_to, freq="M")
    ):
        notes.append(
            f"The SPC limits are calculated over the whole period: the rebase month {rebase} "
            f"is not inside {start} to {data_to}."
        )
        rebase = None
    series = kpi_series(
        topic,
        area=district or sources.force,
        start=start,
        end=data_to,
        sources=sources,
        registry=registry,
    )
    missing = series["missing"].to_numpy(dtype=bool)
    counts = pd.Series(
        np.where(missing, np.nan, series["count"].to_numpy(dtype=float)),
        index=pd.DatetimeIndex(series["month"]),
    )
    result = spc.xmr(
        counts.to_numpy(),
        counts.index,
        improvement=topic.direction,
        target=topic.target.value if topic.target and topic.target.measure == "count" else None,
        rebase=[pd.Timestamp(f"{rebase}-01")] if rebase else None,
    )
    base = trends.baselines(counts, end=data_to)

    decomposition, d_note = None, ""
    forecast, f_note = None, ""
    try:
        decomposition = trends.decompose(counts)
    except ValueError as exc:
        d_note = f"No seasonal decomposition: {exc}."
    try:
        forecast = trends.forecast(counts, horizon=12)
    except ValueError as exc:
        f_note = f"No forecast: {exc}."

    records_all = topic_records(topic, crimes, extract, geo.lsoas)
    records = _in_months(records_all, start, data_to)
    a, b = (str(pd.Period(data_to, freq="M") - 11), data_to)
    p0, p1 = (str(pd.Period(data_to, freq="M") - 23), str(pd.Period(data_to, freq="M") - 12))
    recent = _in_months(records_all, a, b)
    earlier = _in_months(records_all, p0, p1)
    year = int(data_to[:4])
    pops = pd.Series(
        {d: population(d, year=year, sources=sources) for d in districts}, dtype="int64"
    )
    rates = district_rates(recent, pops)
    outside = int(recent["district"].isna().sum())

    in_area = recent if district is None else recent[recent["district"] == district]
    area_lsoas = geo.lsoas if district is None else geo.lsoas[geo.lsoas["district"] == district]
    lsoas = lsoa_counts(in_area, area_lsoas)
    conc = concentration(lsoas.set_index("lsoa_name")["count"])

    has_outcomes = ASB not in (topic.definition.police_uk_categories or [])
    outcomes_now = outcomes_before = charged = all_charged = by_district = None
    if has_outcomes and len(in_area):
        earlier_area = earlier if district is None else earlier[earlier["district"] == district]
        outcomes_now = outcome_groups(in_area["outcome"])
        outcomes_before = outcome_groups(earlier_area["outcome"]) if len(earlier_area) else None
        charged = charged_share(in_area["outcome"], earlier_area["outcome"])
        all_rows = _all_crime_outcomes(topic, crimes, extract, a, b, district)
        all_charged = charged_share(in_area["outcome"], all_rows) if len(all_rows) else None
        by_district = _charged_by_district(recent, districts)

    peers, peer_note = peer_forces(sources)
    if peers is None:
        notes.append(f"No peer group: {peer_note}.")
    comparison = force_comparison(topic, sources, peers)
    return DeepDive(
        sources=sources,
        topic=topic,
        district=district,
        districts=districts,
        data_to=data_to,
        start=start,
        rebase=rebase,
        series=series,
        spc=result,
        summary=spc.summarise(result),
        baselines=base,
        records=records,
        decomposition=decomposition,
        decomposition_note=d_note,
        forecast=forecast,
        forecast_note=f_note,
        district_rates=rates,
        outside_districts=outside,
        lsoas=lsoas,
        concentration=conc,
        outcomes_now=outcomes_now,
        outcomes_before=outcomes_before,
        charged=charged,
        all_crime_charged=all_charged,
        outcomes_by_district=by_district,
        peers=peers,
        comparison=comparison,
        crimes_quality=cq,
        extract_quality=eq,
        notes=notes,
    )


def _all_crime_outcomes(
    topic: Kpi,
    crimes: pd.DataFrame,
    extract: pd.DataFrame | None,
    first: str,
    last: str,
    district: str | None,
) -> pd.Series:
    """Outcomes of all crimes (not ASB) in the same source, period and area."""
    if topic.uses_extract and extract is not None:
        rows = _in_months(extract, first, last)
        outcome = "outcome"
    else:
        rows = _in_months(crimes[crimes["crime_type"] != ASB], first, last)
        outcome = "last_outcome"
    if district is not None:
        rows = rows[rows["district"] == district]
    return rows[outcome]


def _charged_by_district(records: pd.DataFrame, districts: Sequence[str]) -> pd.DataFrame:
    rows = []
    for d in districts:
        sub = records.loc[records["district"] == d, "outcome"]
        c = charged_share(sub)
        rows.append(
            {
                "District": d,
                "Crimes": c.now_total,
                "Charged or summonsed": c.now,
                "Share (%)": c.share,
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ trend


def trend_chart(dd: DeepDive) -> charts.Chart:
    """The SPC chart of the monthly counts."""
    return charts.spc_chart(
        dd.spc,
        f"{dd.name} {dd.where}: monthly count"
        if len(dd.where) < 30
        else f"{dd.name}: monthly count",
        y_label=f"{dd.unit.capitalize()} per month",
        source=dd.source_line,
        synthetic=dd.synthetic,
        unit=dd.unit,
    )


def trend_sentences(dd: DeepDive) -> list[str]:
    """SPC and baseline sentences, counts beside every percentage."""
    out = [
        narrative.spc_sentence(
            f"{dd.name} {dd.where}", dd.spc, unit=dd.unit, baselines=dd.baselines
        )
    ]
    rows = dd.baselines[dd.baselines["baseline"] == trends.BASELINE_LABELS["rolling_12"]]
    if not rows.empty:
        out.append(narrative.baseline_sentence(f"{dd.name} {dd.where}", rows.iloc[0], unit=dd.unit))
    if dd.rebase:
        out.append(
            f"The chart's mean and limits are recalculated from {_month(dd.rebase)}, the first "
            "full month after the last lockdown restrictions ended."
        )
    return out


def baselines_table(dd: DeepDive) -> pd.DataFrame:
    """The baselines with counts (see :data:`scrutiny.briefings.performance.BASELINE_DECIMALS`)."""
    b = dd.baselines
    return pd.DataFrame(
        {
            "Baseline": b["baseline"],
            "Current period": b["current_period"],
            "Count": b["current_count"],
            "Baseline period": b["baseline_period"],
            "Baseline count": b["baseline_count"],
            "Change": b["change"],
            "Change (%)": b["pct_change"],
            "Verdict": b["verdict"],
            "Note": b["note"],
        }
    )


def seasonal_profile(decomposition: pd.DataFrame) -> pd.Series:
    """Average seasonal effect per calendar month (offences above or below the trend)."""
    s = decomposition["seasonal"]
    months = pd.PeriodIndex(s.index).month
    prof = s.groupby(months).mean()
    prof.index = [pd.Timestamp(2000, m, 1).strftime("%B") for m in prof.index]
    return prof


def seasonal_peak(dd: DeepDive) -> str | None:
    """The calendar month with the largest seasonal effect, if seasonality is marked.

    Marked = the seasonal component varies more than the remainder (its range is larger
    than four standard deviations of the remainder), so the peak is not noise.
    """
    if dd.decomposition is None:
        return None
    d = dd.decomposition
    prof = seasonal_profile(d)
    spread = float(prof.max() - prof.min())
    noise = float(d["remainder"].std())
    if not np.isfinite(noise) or spread <= 4 * noise:
        return None
    return str(prof.idxmax())


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


def seasonality_sentences(dd: DeepDive) -> list[str]:
    """The seasonal pattern in words (or why there is none)."""
    if dd.decomposition is None:
        return [dd.decomposition_note]
    prof = seasonal_profile(dd.decomposition)
    hi, lo = prof.idxmax(), prof.idxmin()
    trend = dd.decomposition["trend"]
    text = (
        f"Seasonal decomposition (STL) of {narrative.fmt_int(len(dd.decomposition))} months: "
        f"{_lc(dd.name)} runs highest in {hi} (about {narrative.fmt_value(prof[hi])} a month "
        f"above the trend) and lowest in {lo} (about {narrative.fmt_value(abs(prof[lo]))} "
        f"below). The underlying trend moved from {narrative.fmt_value(trend.iloc[0])} to "
        f"{narrative.fmt_value(trend.iloc[-1])} a month."
    )
    out = [text]
    if seasonal_peak(dd) is None:
        out.append(
            "The seasonal swing is small beside the month-to-month noise, so no month "
            "stands out reliably."
        )
    return out


def seasonal_table(dd: DeepDive) -> pd.DataFrame:
    """Seasonal effect by calendar month."""
    if dd.decomposition is None:
        return pd.DataFrame()
    prof = seasonal_profile(dd.decomposition)
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
    if dd.forecast is None:
        return None
    fc = dd.forecast["forecast"].dropna()
    actual = dd.forecast["actual"].dropna().iloc[-12:]
    return float(fc.sum()), float(actual.sum())


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
    force_rate = float(r["national_rate"].iloc[0]) if len(r) else float("nan")
    hi = [
        f"{d} ({narrative.fmt_num(x, 2)})"
        for d, x in r.loc[r["verdict"] == "significantly higher", "rate"].items()
    ]
    lo = [
        f"{d} ({narrative.fmt_num(x, 2)})"
        for d, x in r.loc[r["verdict"] == "significantly lower", "rate"].items()
    ]
    text = (
        f"In {dd.last_12_label} the rate of {_lc(dd.name)} across the force's districts was "
        f"{narrative.fmt_num(force_rate, 2)} per 1,000 people."
    )
    if hi:
        text += f" Significantly higher: {_join(hi)}."
    if lo:
        text += f" Significantly lower: {_join(lo)}."
    if not hi and not lo:
        text += " No district differs significantly from that rate."
    out = [text]
    if dd.outside_districts:
        out.append(
            f"{narrative.fmt_int(dd.outside_districts)} {dd.unit} without a location or "
            "placed outside the force area are in the force total but in no district."
        )
    return out


def district_funnel_chart(dd: DeepDive) -> charts.Chart:
    """Funnel plot of district rates against the force-wide rate."""
    r = dd.district_rates
    f = compare.funnel(r[["count", "population"]], target_rate=float(r["national_rate"].iloc[0]))
    f.index.name = "District"
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
    return dd.concentration.sentence(dd.phrase, dd.where)


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
    rec = _in_months(dd.records, a, b)
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
    """``"Nov 2021 to Oct 2022"``."""
    return trends.period_label(pd.Period(first, freq="M"), pd.Period(last, freq="M"))


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
    """Outcome groups in the latest 12 months and the 12 before, counts and shares."""
    if dd.outcomes_now is None:
        return pd.DataFrame()
    now = dd.outcomes_now.set_index("group")
    out = pd.DataFrame(
        {
            "Outcome": now.index,
            "Latest 12 months": now["count"].to_numpy(),
            "Share (%)": now["share"].to_numpy(),
        }
    )
    if dd.outcomes_before is not None:
        before = dd.outcomes_before.set_index("group").reindex(now.index)
        out["12 months before"] = before["count"].fillna(0).astype("int64").to_numpy()
        out["Share before (%)"] = before["share"].to_numpy()
    return out


def outcome_chart(dd: DeepDive) -> charts.Chart | None:
    """Bar chart of outcome groups (share of crimes) in the latest 12 months."""
    if dd.outcomes_now is None:
        return None
    data = dd.outcomes_now.set_index("group")[["share"]]
    data.index.name = "Outcome"
    data.columns = ["Share of crimes (%)"]
    chart = charts.bar_chart(
        data,
        f"{dd.name}: outcomes, {_short_period(*dd.last_12)}",
        value="Share of crimes (%)",
        x_label="Per cent of crimes",
        decimals=1,
        source=dd.source_line,
        synthetic=dd.synthetic,
    )
    chart.caption = f"Outcomes of {dd.phrase} {dd.where} recorded {dd.last_12_label}"
    return chart


def outcome_sentences(dd: DeepDive) -> list[str]:
    """Charged share, no suspect identified, against before and against all crime."""
    if dd.outcomes_now is None or dd.charged is None:
        return [f"police.uk records no outcomes for {_lc(dd.name)}."]
    c = dd.charged
    share = dd.outcomes_now.set_index("group")["share"]
    text = (
        f"Of the {narrative.fmt_int(c.now_total)} {dd.unit} of {_lc(dd.name)} {dd.where} "
        "recorded in "
        f"{dd.last_12_label}, {narrative.fmt_int(c.now)} "
        f"({narrative.fmt_num(c.share)}%) have led to a charge or summons so far; "
        f"{narrative.fmt_num(share.get('No suspect identified', 0), 0)}% closed with no suspect "
        f"identified and {narrative.fmt_num(share.get('Unable to prosecute suspect', 0), 0)}% "
        "with the suspect not prosecuted."
    )
    out = [text]
    if c.test is not None:
        out.append(
            f"In the 12 months before, {narrative.fmt_num(c.before_share)}% were charged or "
            f"summonsed ({narrative.fmt_int(c.before)} of {narrative.fmt_int(c.before_total)}): "
            f"{narrative.verdict_words(c.verdict)}. Older crimes have had longer for their "
            "outcome to be recorded, so the latest months look lower than they will end."
        )
    a = dd.all_crime_charged
    if a is not None and a.test is not None:
        out.append(
            f"Across all crime in the same area and months the share was "
            f"{narrative.fmt_num(a.before_share)}% ({narrative.fmt_int(a.before)} of "
            f"{narrative.fmt_int(a.before_total)}): {_lc(dd.name)} is "
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
    if not c.available or c.rates is None:
        return None
    data = c.rates.drop(index=[f for f in ("City of London",) if f in c.rates.index])
    f = compare.funnel(
        data[["count", "population"]], target_rate=float(c.rates["national_rate"].iloc[0])
    )
    f.index.name = "Force"
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
    rates = dd.comparison.rates
    if dd.comparison.available and rates is not None:
        outside = int((rates["verdict"] != "not significantly different").sum())
        if outside > len(rates) / 2:
            out.append(
                f"{outside} of {len(rates)} forces differ significantly from the national "
                "rate: forces differ by more than chance, so the funnel's limits (which assume "
                "one underlying rate) show how large a difference is rather than whether there "
                "is one. Labels show the force and the highest and lowest; the table below "
                "lists the peers."
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
    """:func:`questions` from everything the deep dive found."""
    totals = forecast_totals(dd)
    return questions(
        dd.name,
        dd.where,
        summary=dd.summary,
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
    )


def title(dd: DeepDive) -> str:
    """The page title."""
    return f"Deep dive: {_lc(dd.name)} {dd.where}, {dd.period_label}"


def about(dd: DeepDive) -> str:
    """What the deep dive covers: topic definition, area, period and sources."""
    src = (
        "a synthetic force extract generated from police.uk rows (illustrative only)"
        if dd.synthetic
        else ("the force's extract" if dd.topic.uses_extract else "police.uk street-level crime")
    )
    return (
        f"{dd.topic.description} Area: {dd.area}. Period: {dd.period_label} (geography and "
        f"outcomes: the latest 12 months, {dd.last_12_label}). Counted in {src}; rates per "
        "1,000 use ONS 2018-based population projections; the national and peer comparison "
        f"uses Home Office police recorded crime for {HOME_OFFICE_YEAR}, the only force-level "
        "year held."
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
            f"({force_rate})."
        )
    else:
        high = list(r.index[r["verdict"] == "significantly higher"])
        if high:
            out.append(
                f"Rates are significantly above the force-wide rate ({force_rate} per 1,000) in "
                f"{_join(high)} ({dd.last_12_label})."
            )
    if dd.charged is not None and dd.charged.now_total:
        c = dd.charged
        out.append(
            f"{narrative.fmt_num(c.share)}% of these crimes recorded in the latest 12 months "
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
