"""Content of the performance-exceptions briefing (``notebooks/performance_exceptions.ipynb``).

Every KPI in the registry (``params/kpis.yaml``) for the force and each of its districts:
the latest month, its SPC variation and assurance icons, the change against the standard
baselines (counts beside every percentage) and, for the force, the comparison with the
national rate and the peer forces in the Home Office force-level table (2017/18, the only
force-level year held). :func:`collect` computes all of it once; the other functions turn
the result into the sentences, tables and charts the notebook shows:

* :func:`exceptions`: KPIs whose latest month is a special-cause concern or whose target
  will consistently be missed, force first, each with :func:`exception_chart`,
  :func:`exception_paragraphs` and :func:`baselines_table`;
* :func:`summary_table` (force) and :func:`district_matrix` (every area): all KPIs with
  their icons;
* :func:`national_measures`: the KPIs grouped by the national Crime and Policing Measures;
* :func:`force_comparison`, :func:`home_office_codes`, :func:`peer_forces`: the national
  and peer comparison, reused by the deep dive.

KPIs counted in the force extract are synthetic unless a real extract is given: their rows
say "Synthetic extract" and their charts carry the synthetic note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scrutiny.analysis.kpis import FLAGS, NATIONAL_MEASURES, Kpi, kpi_series, load_registry
from scrutiny.briefings import common
from scrutiny.data import (
    DataQuality,
    DataSources,
    force_geography,
    force_key,
    force_profiles,
    home_office_force_counts,
    load_crimes,
    load_extract,
    load_offence_map,
    load_recorded_crime,
)
from scrutiny.data.police_uk import ASB
from scrutiny.present import charts, narrative, tables
from scrutiny.stats import compare, spc, trends
from scrutiny.stats.compare import PeerComparison, PeerGroup

#: First month of the current SPC period: the first full month after the last lockdown
#: restrictions in England ended (19 July 2021), as in ``params/plan.yaml``.
DEFAULT_REBASE = "2021-08"
#: Home Office force-level recorded crime: the one year held.
HOME_OFFICE_YEAR = "2017/18"
#: Peer group: forces left out (tiny resident population, see docs/peer-groups.md).
PEER_EXCLUDE = ("City of London",)
#: Peer group features: size and make-up (docs/peer-groups.md), as named on the page.
PEER_FEATURES = {
    "population_2011": "population (2011)",
    "density_per_hectare": "people per hectare (2011)",
    "crimes_per_1000_2017_18": "recorded crimes per 1,000 (2017/18)",
}
PEER_K = 7
#: Table columns holding icon HTML (pass to ``tables.show_table(raw_html_columns=...)``).
ICON_COLUMNS = ("Variation", "Assurance")
SYNTHETIC_LABEL = "Synthetic extract"
REAL_LABEL = "police.uk"
NO_KPI_REASON = {
    "tackle_cyber_crime": (
        "fraud and computer misuse are recorded nationally by Action Fraud, not by force "
        "area, in the data this project holds"
    ),
}


# ------------------------------------------------------------------------------ comparisons


def home_office_codes(kpi: Kpi, offence_map: pd.DataFrame) -> tuple[list[str] | None, str]:
    """Home Office offence codes that count a KPI at force level, or why there are none.

    Parameters
    ----------
    kpi
        A registry KPI.
    offence_map
        The offence-code mapping (``offence_code``, ``police_uk_category``), from
        :func:`scrutiny.data.load_offence_map`.

    Returns
    -------
    tuple
        ``(codes, "")`` or ``(None, reason)``: outcomes and the extract's flags (domestic
        abuse, knife) are not in the Home Office force table, and anti-social behaviour is
        not recorded crime.
    """
    d = kpi.definition
    if d.outcomes is not None:
        return None, "the Home Office force table has no outcomes"
    if d.extract_filter is not None:
        flags = [f.replace("_", " ") for f in FLAGS if getattr(d.extract_filter, f) is not None]
        return None, f"the Home Office force table has no {_join(flags)} flag"
    if d.police_uk_categories is not None:
        cats = list(d.police_uk_categories)
        if ASB in cats:
            return None, "anti-social behaviour incidents are not recorded crime"
        mapped = offence_map[offence_map["police_uk_category"].isin(cats)]
        unmapped = sorted(set(cats) - set(mapped["police_uk_category"]))
        if unmapped:
            return None, f"no Home Office offence code maps to {_join(unmapped)}"
        return sorted(mapped["offence_code"].astype(str).unique()), ""
    return [str(c) for c in d.offence_codes or []], ""


def peer_forces(
    sources: DataSources, *, k: int = PEER_K, exclude: Sequence[str] = PEER_EXCLUDE
) -> tuple[PeerGroup | None, str]:
    """The force's peer group on size and make-up, or why there is none.

    Uses :func:`scrutiny.stats.compare.peer_group` on population (2011), density and recorded
    crime per 1,000 (2017/18) from :func:`scrutiny.data.force_profiles`, with logs of
    population and density and the City of London left out (docs/peer-groups.md); the
    features carry readable names (:data:`PEER_FEATURES`) so the method sentence reads
    well. With fewer forces than ``k + 1`` every other force is a peer.

    Returns
    -------
    tuple
        ``(PeerGroup, "")`` or ``(None, reason)``.
    """
    profiles = force_profiles(sources).rename(columns=PEER_FEATURES).set_index("force")
    name = _profile_name(profiles.index, sources.force)
    if name is None:
        return None, f"{sources.force} is not among the forces with a profile (England only)"
    ex = [f for f in exclude if f in profiles.index and f != name]
    candidates = len(profiles) - len(ex) - 1
    if candidates < 1:
        return None, "no other force to compare with"
    features = list(PEER_FEATURES.values())
    group = compare.peer_group(
        profiles[features],
        name,
        k=min(k, candidates),
        exclude=ex,
        log_columns=features[:2],
    )
    return group, ""


def _profile_name(names: Sequence[str], force: str) -> str | None:
    key = force_key(force)
    for n in names:
        if force_key(str(n)) == key:
            return str(n)
    return None


@dataclass
class Comparison:
    """One KPI for the force against the national rate and its peers (Home Office 2017/18).

    Attributes
    ----------
    name
        The KPI's name, for sentences.
    available
        False when no force-level comparator exists (``reason`` says why).
    reason
        Why there is no comparator.
    codes
        Home Office offence codes counted.
    force
        The force as the tables spell it (e.g. ``"Leicestershire"``).
    rates
        ``compare.rates_table`` over every English force (index: force).
    peers
        The peer comparison, or None without a peer group.
    year
        The financial year of the data (``"2017/18"``).
    """

    name: str
    available: bool
    reason: str = ""
    codes: list[str] = field(default_factory=list)
    force: str | None = None
    rates: pd.DataFrame | None = None
    peers: PeerComparison | None = None
    year: str = HOME_OFFICE_YEAR

    @property
    def national(self) -> pd.Series | None:
        """The force's row of :attr:`rates` (rate, interval, national rate, verdict)."""
        if self.rates is None or self.force not in self.rates.index:
            return None
        return self.rates.loc[self.force]

    def national_short(self) -> str:
        """Short cell text, e.g. ``"Lower: 4.1 v 5.0 per 1,000"``."""
        row = self.national
        if not self.available or row is None:
            return "No comparator"
        verdict = {
            "significantly higher": "Higher",
            "significantly lower": "Lower",
            "not significantly different": "Similar",
        }[row["verdict"]]
        return (
            f"{verdict}: {narrative.fmt_num(row['rate'], 2)} v "
            f"{narrative.fmt_num(row['national_rate'], 2)} per 1,000"
        )

    def peer_short(self) -> str:
        """Short cell text, e.g. ``"Similar; 3rd highest of 8"``."""
        if not self.available or self.peers is None:
            return "No comparator"
        p = self.peers
        verdict = {
            "significantly higher": "Higher",
            "significantly lower": "Lower",
            "not significantly different": "Similar",
        }[p.verdict]
        return f"{verdict}; {compare.Rank(position=p.rank, of=p.of).label}"

    def sentences(self) -> list[str]:
        """Plain-English comparison with the national rate and the peers, labelled 2017/18."""
        if not self.available:
            return [f"There is no force-level comparison for {_lc(self.name)}: {self.reason}."]
        out = []
        row = self.national
        what = f"{_lc(self.name)} in {self.year}"
        if row is not None:
            out.append(
                narrative.rate_sentence(self.force or "The force", row, what=what)
                + f" (Home Office recorded crime, {self.year}, the latest force-level year held;"
                " England's forces pooled.)"
            )
        if self.peers is not None:
            out.append(narrative.peer_sentence(self.peers, what=what))
        return out


def home_office_table(sources: DataSources) -> pd.DataFrame:
    """Home Office recorded crime per territorial force and offence code, with population.

    Read once and reused for every KPI (:func:`force_comparison`). Columns: ``force``,
    ``financial_year``, ``population_2011`` (missing for the Welsh forces),
    ``offence_code``, ``count``; a force with no offences of a code has no row for it.
    """
    base = home_office_force_counts([], sources=sources)
    prc = load_recorded_crime(
        sources.path("home_office_force"), financial_year=sources.financial_year
    )
    by = prc.groupby(["force", "offence_code"], as_index=False)["count"].sum()
    by = by[by["force"].isin(base["force"])]
    return base[["force", "financial_year", "population_2011"]].merge(by, on="force", how="left")


def _counts_for(table: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Per-force count of ``codes`` from :func:`home_office_table` (0 where none)."""
    forces = table.drop_duplicates("force")[["force", "financial_year", "population_2011"]]
    sel = table[table["offence_code"].isin([str(c) for c in codes])]
    counts = sel.groupby("force")["count"].sum()
    out = forces.reset_index(drop=True)
    out["count"] = out["force"].map(counts).fillna(0).astype("int64")
    return out


def force_comparison(
    kpi: Kpi,
    sources: DataSources,
    peers: PeerGroup | None,
    *,
    offence_map: pd.DataFrame | None = None,
    home_office: pd.DataFrame | None = None,
) -> Comparison:
    """Compare the force with the national rate and its peers for one KPI (2017/18).

    The national rate is the pooled rate of England's territorial forces (the Welsh
    forces have no population in the England-only lookup). The comparison uses the Home
    Office codes of :func:`home_office_codes`; without them, ``available`` is False.

    Parameters
    ----------
    kpi
        The KPI.
    sources
        The force and files.
    peers
        The peer group (:func:`peer_forces`), or None.
    offence_map, home_office
        Already loaded offence map and :func:`home_office_table` (loaded if not given).
    """
    om = offence_map if offence_map is not None else load_offence_map(sources.path("offence_map"))
    codes, reason = home_office_codes(kpi, om)
    if codes is None:
        return Comparison(kpi.name, False, reason)
    table = home_office if home_office is not None else home_office_table(sources)
    counts = _counts_for(table, codes)
    counts = counts[counts["population_2011"].notna()]
    name = _profile_name(counts["force"], sources.force)
    if name is None:
        return Comparison(kpi.name, False, f"{sources.force} is not in the Home Office table")
    if counts["count"].sum() == 0:
        return Comparison(kpi.name, False, "no offences with these codes in the Home Office table")
    # Index by the ONS spelling when the profiles use one (City of London v "London, City of").
    data = pd.DataFrame(
        {
            "count": counts["count"].to_numpy(dtype=float),
            "population": counts["population_2011"].astype(float).to_numpy(),
        },
        index=pd.Index(_ons_names(counts["force"], peers), name="force"),
    )
    force = _ons_names(pd.Series([name]), peers)[0]
    rates = compare.rates_table(data)
    peer_cmp = None
    if peers is not None:
        have = [p for p in peers.peers if p in data.index]
        if have and force in data.index:
            peer_cmp = compare.compare_with_peers(data, force, have)
    year = str(counts["financial_year"].iloc[0]) if len(counts) else HOME_OFFICE_YEAR
    return Comparison(kpi.name, True, "", list(codes), force, rates, peer_cmp, year)


def _ons_names(names: pd.Series, peers: PeerGroup | None) -> list[str]:
    """Home Office force names in the profiles' spelling where one matches."""
    known = list(peers.table.index) if peers is not None else []
    by_key = {force_key(str(n)): str(n) for n in known}
    by_key.setdefault("cityoflondon", "City of London")
    return [by_key.get(force_key(str(n)), str(n)) for n in names]


# ------------------------------------------------------------------------------ results


@dataclass
class KpiResult:
    """One KPI in one area: series, SPC, baselines and (for the force) the comparison.

    Attributes
    ----------
    kpi, area
        The KPI and the area (the force or a district).
    is_force
        Whether ``area`` is the force.
    series
        :func:`scrutiny.analysis.kpis.kpi_series` output.
    measure
        ``"count"`` (SPC of monthly counts), ``"share"`` (per cent, for a KPI divided by
        another KPI) or ``"rate"`` (per the KPI's population denominator, when its target
        is a rate).
    spc
        :func:`scrutiny.stats.spc.xmr` result of the measure.
    summary
        :func:`scrutiny.stats.spc.summarise` of it.
    baselines
        Changes against the baselines (see :func:`share_baselines` for shares).
    comparison
        National and peer comparison (the force only).
    """

    kpi: Kpi
    area: str
    is_force: bool
    series: pd.DataFrame
    measure: str
    spc: pd.DataFrame
    summary: spc.SpcSummary
    baselines: pd.DataFrame
    comparison: Comparison | None = None

    @property
    def synthetic(self) -> bool:
        """Counted in the synthetic extract."""
        return bool(self.series["synthetic"].any())

    @property
    def variation(self) -> str:
        """Variation icon code of the latest month."""
        return self.summary.variation

    @property
    def assurance(self) -> str | None:
        """Assurance icon code (None without a target)."""
        return self.summary.assurance

    @property
    def is_exception(self) -> bool:
        """Special-cause concern in the latest month, or a target consistently missed."""
        return self.variation.startswith("concern") or self.assurance == "consistent_fail"

    @property
    def unit(self) -> str:
        """Word for the values in sentences."""
        if self.measure == "share":
            return "per cent"
        if self.measure == "rate":
            return f"per {self.kpi.denominator.per:,} people"
        return "incidents" if self.kpi.definition.police_uk_categories == [ASB] else "offences"

    @property
    def title(self) -> str:
        """E.g. ``"Burglary: Blaby"``, or ``"Rape: Blaby (synthetic data)"``."""
        return f"{self.kpi.name}: {self.area}" + (" (synthetic data)" if self.synthetic else "")

    @property
    def where(self) -> str:
        """``"for Leicestershire Police"`` (the force) or ``"in Blaby"`` (a district)."""
        return f"for {self.area}" if self.is_force else f"in {self.area}"

    def latest_text(self) -> str:
        """The latest value with its unit, e.g. ``"516"`` or ``"1.6%"``."""
        v = self.summary.latest_value
        if self.measure == "share":
            return f"{narrative.fmt_num(v)}%"
        if self.measure == "rate":
            return narrative.fmt_num(v, 2)
        return narrative.fmt_value(v)


@dataclass
class PerformanceReport:
    """Everything the performance-exceptions briefing shows.

    Attributes
    ----------
    sources, data_to, start, rebase
        The inputs, the last month, the first month of the charts and the SPC rebase
        month (None when it falls outside the period).
    registry
        The KPI registry.
    districts
        The force's districts.
    results
        ``{(kpi_id, area): KpiResult}`` for the force and every district.
    peers, peer_note
        The peer group (or None) and why there is none.
    crimes_quality, extract_quality
        Quality records of the two loads.
    notes
        Anything the reader should know about the method (e.g. an ignored rebase month).
    """

    sources: DataSources
    data_to: str
    start: str
    rebase: str | None
    registry: dict[str, Kpi]
    districts: list[str]
    results: dict[tuple[str, str], KpiResult]
    peers: PeerGroup | None
    peer_note: str
    crimes_quality: DataQuality
    extract_quality: DataQuality
    notes: list[str] = field(default_factory=list)

    @property
    def force(self) -> str:
        """The force's name as given."""
        return self.sources.force

    @property
    def areas(self) -> list[str]:
        """The force, then its districts."""
        return [self.force, *self.districts]

    @property
    def period_label(self) -> str:
        """E.g. ``"December 2019 to October 2022"``."""
        return f"{_month(self.start)} to {_month(self.data_to)}"

    def result(self, kpi_id: str, area: str | None = None) -> KpiResult:
        """One result (area: default the force)."""
        return self.results[(kpi_id, area or self.force)]

    def force_results(self) -> list[KpiResult]:
        """The force's results in registry order."""
        return [self.results[(k, self.force)] for k in self.registry]

    @property
    def synthetic_kpis(self) -> list[Kpi]:
        """KPIs counted in the synthetic extract."""
        return [r.kpi for r in self.force_results() if r.synthetic]


def _month(ym: str) -> str:
    return pd.Period(ym, freq="M").strftime("%B %Y")


def _lc(text: str) -> str:
    """Lower-case the first letter for use inside a sentence, keeping acronyms (VRN)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def window(first_month: pd.Timestamp | str, data_to: str, months: int) -> str:
    """First month (``YYYY-MM``) of a window of ``months`` ending ``data_to``, not before the data.

    >>> window("2019-12", "2022-10", 36)
    '2019-12'
    >>> window("2019-12", "2022-10", 12)
    '2021-11'
    """
    if months < 1:
        raise ValueError(f"months must be 1 or more, got {months}")
    end = pd.Period(data_to, freq="M")
    first = pd.Period(first_month, freq="M")
    return str(max(end - (months - 1), first))


def measure_of(kpi: Kpi) -> str:
    """What the SPC chart of a KPI plots: ``"share"``, ``"rate"`` or ``"count"``."""
    if kpi.denominator.kind == "kpi":
        return "share"
    if kpi.target is not None and kpi.target.measure in ("rate", "share"):
        return "rate"
    return "count"


def analyse_series(
    kpi: Kpi,
    series: pd.DataFrame,
    *,
    area: str,
    is_force: bool,
    end: str,
    rebase: str | None = None,
) -> KpiResult:
    """SPC and baselines of one KPI series (pure: no loading).

    Months without data (``missing``) become gaps in the SPC chart. The measure is the
    count, or the share in per cent for a KPI divided by another KPI (see
    :func:`measure_of`).
    """
    measure = measure_of(kpi)
    missing = series["missing"].to_numpy(dtype=bool)
    value = series["count"].astype(float) if measure == "count" else series["rate"].astype(float)
    value = value.where(~missing)
    target = kpi.target.value if kpi.target is not None else None
    months = pd.DatetimeIndex(series["month"])
    use_rebase = None
    if rebase is not None and len(months) > 1:
        when = pd.Timestamp(f"{rebase}-01")
        if months[0] < when <= months[-1]:
            use_rebase = [when]
    result = spc.xmr(
        value.to_numpy(),
        months,
        improvement=kpi.direction,
        target=target,
        rebase=use_rebase,
    )
    counts = pd.Series(
        np.where(missing, np.nan, series["count"].to_numpy(dtype=float)),
        index=months,
    )
    if measure == "share":
        denom = pd.Series(
            np.where(missing, np.nan, series["denominator"].to_numpy(dtype=float)), index=months
        )
        base = share_baselines(counts, denom, end=end)
    else:
        base = trends.baselines(counts, end=end)
    return KpiResult(kpi, area, is_force, series, measure, result, spc.summarise(result), base)


def share_baselines(
    numerator: pd.Series, denominator: pd.Series, *, end: str, alpha: float = 0.05
) -> pd.DataFrame:
    """Baselines of a share: the month against a year earlier, and 12 months against 12.

    The test is the exact conditional test of two Poisson rates with the denominators as
    exposures (:func:`scrutiny.stats.compare.rate_ratio_test`), which for small shares such as
    the charged rate is close to a test of two proportions.

    Returns
    -------
    DataFrame
        Columns of :func:`scrutiny.stats.trends.baselines` (counts are numerators) plus
        ``current_denominator``, ``baseline_denominator``, ``current_share`` and
        ``baseline_share`` (per cent); ``pct_change`` is the change in the share.
    """
    num = trends.as_monthly(numerator)
    den = trends.as_monthly(denominator)
    end_p = pd.Period(end, freq="M")
    rows = []
    for kind, (c0, c1), (b0, b1) in (
        ("last_year", (end_p, end_p), (end_p - 12, end_p - 12)),
        ("rolling_12", (end_p - 11, end_p), (end_p - 23, end_p - 12)),
    ):
        cur = num.reindex(pd.period_range(c0, c1, freq="M"))
        bas = num.reindex(pd.period_range(b0, b1, freq="M"))
        cur_d = den.reindex(cur.index)
        bas_d = den.reindex(bas.index)
        row = {
            "baseline": trends.BASELINE_LABELS[kind],
            "current_period": trends.period_label(c0, c1),
            "current_count": float(cur.sum()) if cur.notna().all() else np.nan,
            "baseline_period": trends.period_label(b0, b1),
            "baseline_count": np.nan,
            "change": np.nan,
            "pct_change": np.nan,
            "rate_ratio": np.nan,
            "p_value": np.nan,
            "verdict": "not available",
            "note": "",
            "current_denominator": float(cur_d.sum()) if cur_d.notna().all() else np.nan,
            "baseline_denominator": np.nan,
            "current_share": np.nan,
            "baseline_share": np.nan,
        }
        gaps = [str(m) for m in cur.index.append(bas.index) if pd.isna(num.get(m, np.nan))]
        if gaps:
            row["note"] = f"no data for {trends.months_text(gaps)}"
        elif cur_d.sum() <= 0 or bas_d.sum() <= 0:
            row["note"] = "no crimes to take a share of"
        else:
            c, d, bc, bd = cur.sum(), cur_d.sum(), bas.sum(), bas_d.sum()
            test = compare.rate_ratio_test(c, d, bc, bd, alpha=alpha)
            now, before = c / d * 100, bc / bd * 100
            row.update(
                baseline_count=float(bc),
                baseline_denominator=float(bd),
                current_share=now,
                baseline_share=before,
                change=now - before,
                pct_change=(now - before) / before * 100 if before > 0 else np.nan,
                rate_ratio=test.rate_ratio,
                p_value=test.p_value,
                verdict=(
                    "no significant change"
                    if not test.significant
                    else ("significant increase" if test.rate_ratio > 1 else "significant decrease")
                ),
            )
        rows.append(row)
    return pd.DataFrame(rows)


def collect(
    sources: DataSources,
    *,
    data_to: str,
    months: int = 36,
    spc_rebase: str = DEFAULT_REBASE,
    registry: dict[str, Kpi] | None = None,
) -> PerformanceReport:
    """Load the data once and compute every KPI for the force and each district.

    Parameters
    ----------
    sources
        The force and its files.
    data_to
        Last month reported (``YYYY-MM``).
    months
        Length of the SPC charts in months (fewer if the data start later).
    spc_rebase
        First month of the current SPC period (``""``: none); ignored, with a note, when
        it is not inside the period.
    registry
        The KPI registry (default ``params/kpis.yaml``).

    Returns
    -------
    PerformanceReport
    """
    registry = registry or load_registry()
    crimes, cq = load_crimes(sources, data_to=data_to)
    _, eq = load_extract(sources, data_to=data_to)
    if crimes.empty:
        raise ValueError(f"no police.uk rows for {sources.force} up to {data_to}")
    start = window(crimes["month"].min(), data_to, months)
    notes = []
    rebase = spc_rebase.strip() or None
    if rebase is not None:
        r = pd.Period(rebase, freq="M")
        if not pd.Period(start, freq="M") < r <= pd.Period(data_to, freq="M"):
            notes.append(
                f"The SPC limits are calculated over the whole period: the rebase month "
                f"{rebase} is not inside {start} to {data_to}."
            )
            rebase = None
    geo = force_geography(sources)
    districts = geo.district_names
    peers, peer_note = peer_forces(sources)
    om = load_offence_map(sources.path("offence_map"))
    ho = home_office_table(sources)
    results: dict[tuple[str, str], KpiResult] = {}
    for kpi in registry.values():
        comparison = force_comparison(kpi, sources, peers, offence_map=om, home_office=ho)
        for area in [sources.force, *districts]:
            series = kpi_series(
                kpi, area=area, start=start, end=data_to, sources=sources, registry=registry
            )
            res = analyse_series(
                kpi,
                series,
                area=area,
                is_force=area == sources.force,
                end=data_to,
                rebase=rebase,
            )
            if res.is_force:
                res.comparison = comparison
            results[(kpi.id, area)] = res
    return PerformanceReport(
        sources=sources,
        data_to=data_to,
        start=start,
        rebase=rebase,
        registry=registry,
        districts=districts,
        results=results,
        peers=peers,
        peer_note=peer_note,
        crimes_quality=cq,
        extract_quality=eq,
        notes=notes,
    )


# ------------------------------------------------------------------------------ exceptions


def exceptions(report: PerformanceReport) -> list[KpiResult]:
    """Exceptions, force first, then districts by KPI (registry order) and district."""
    out = [r for r in report.force_results() if r.is_exception]
    for kpi_id in report.registry:
        out += [
            report.results[(kpi_id, d)]
            for d in report.districts
            if report.results[(kpi_id, d)].is_exception
        ]
    return out


def _source_line(report: PerformanceReport, result: KpiResult) -> str:
    if result.synthetic:
        what = "synthetic force extract generated from police.uk street-level crime"
    elif result.kpi.uses_extract:
        what = "force extract"
    else:
        what = "police.uk street-level crime"
    return f"Source: {what}, {report.period_label}."


def exception_chart(report: PerformanceReport, result: KpiResult) -> charts.Chart:
    """The SPC chart of one KPI in one area, with its alt text and data table."""
    y = {
        "count": f"{result.unit.capitalize()} per month",
        "share": "Per cent",
        "rate": f"Rate {result.unit}",
    }[result.measure]
    what = "share of crimes" if result.measure == "share" else "monthly count"
    return charts.spc_chart(
        result.spc,
        f"{result.kpi.name} {result.where}: {what}",
        y_label=y,
        source=_source_line(report, result),
        synthetic=result.synthetic,
        unit="per cent" if result.measure == "share" else result.unit,
    )


def _spc_sentence(result: KpiResult) -> str:
    s = result.summary
    name = f"{result.kpi.name} {result.where}"
    if result.measure == "share":
        sentence = narrative.spc_sentence(name, result.spc, unit="per cent")
        return sentence.replace(" per cent in ", "% in ")
    return (
        narrative.spc_sentence(name, result.spc, unit=result.unit, baselines=result.baselines)
        if s
        else ""
    )


def baseline_text(result: KpiResult, kind: str) -> str:
    """Short cell text for one baseline, counts first.

    E.g. ``"516 v 384 (+34%): significant increase"``; shares as per cent with counts.
    """
    label = trends.BASELINE_LABELS[kind]
    rows = result.baselines[result.baselines["baseline"] == label]
    if rows.empty:
        return "–"
    row = rows.iloc[0]
    if row["verdict"] == "not available":
        return f"Not available ({row['note']})" if row["note"] else "Not available"
    if result.measure == "share":
        return (
            f"{narrative.fmt_num(row['current_share'])}% v "
            f"{narrative.fmt_num(row['baseline_share'])}% "
            f"({narrative.fmt_int(row['current_count'])} of "
            f"{narrative.fmt_int(row['current_denominator'])} v "
            f"{narrative.fmt_int(row['baseline_count'])} of "
            f"{narrative.fmt_int(row['baseline_denominator'])}): {row['verdict']}"
        )
    pct = row["pct_change"]
    pct_text = "n/a" if pd.isna(pct) else f"{pct:+.0f}%"
    return (
        f"{narrative.fmt_value(row['current_count'])} v "
        f"{narrative.fmt_value(row['baseline_count'])} ({pct_text}): {row['verdict']}"
    )


def _rolling_sentence(result: KpiResult) -> str | None:
    rows = result.baselines[result.baselines["baseline"] == trends.BASELINE_LABELS["rolling_12"]]
    if rows.empty:
        return None
    row = rows.iloc[0]
    name = f"{result.kpi.name} {result.where}"
    if row["verdict"] == "not available":
        return f"{name}: no comparison of the latest 12 months with the 12 before ({row['note']})."
    if result.measure == "share":
        return (
            f"{name}: {narrative.fmt_num(row['current_share'])}% in {row['current_period']} "
            f"({narrative.fmt_int(row['current_count'])} of "
            f"{narrative.fmt_int(row['current_denominator'])}) against "
            f"{narrative.fmt_num(row['baseline_share'])}% in {row['baseline_period']} "
            f"({narrative.fmt_int(row['baseline_count'])} of "
            f"{narrative.fmt_int(row['baseline_denominator'])}), "
            f"{narrative.verdict_words(row['verdict'])}."
        )
    return narrative.baseline_sentence(name, row, unit=result.unit)


def exception_paragraphs(report: PerformanceReport, result: KpiResult) -> list[str]:
    """The paragraph(s) under an exception's chart: SPC, baselines, comparison, districts."""
    out = [_spc_sentence(result)]
    rolling = _rolling_sentence(result)
    if rolling:
        out.append(rolling)
    if result.assurance is not None and result.kpi.target is not None:
        out.append(
            narrative.assurance_sentence(result.kpi.name, result.assurance, result.kpi.target.value)
        )
    if result.kpi.definition.outcomes is not None:
        out.append(
            "Outcomes are recorded as investigations finish, so the latest months are "
            "incomplete and tend to look low; a fall at the end of the chart may partly be "
            "outcomes not yet recorded."
        )
    if result.is_force:
        same = [d for d in report.districts if report.results[(result.kpi.id, d)].is_exception]
        if same:
            out.append(f"Districts showing the same exception: {_join(same)}.")
        else:
            out.append("No district shows this exception on its own.")
        if result.comparison is not None:
            out += result.comparison.sentences()
    else:
        force = report.result(result.kpi.id)
        out.append(
            f"For the force as a whole, {_lc(result.kpi.name)} shows "
            f"{narrative.spc_status(force.summary)} in {_month(report.data_to)}."
        )
    if result.synthetic:
        out.append(
            "This KPI is counted in the synthetic extract: the figures are illustrative, "
            "not the force's records."
        )
    return out


#: Decimal places for :func:`baselines_table` (counts whole, percentages to one place).
BASELINE_DECIMALS = {
    "Count": 0,
    "Baseline count": 0,
    "Change": 0,
    "Change (%)": 1,
    "Charged (current)": 0,
    "Crimes (current)": 0,
    "Share (current, %)": 1,
    "Charged (baseline)": 0,
    "Crimes (baseline)": 0,
    "Share (baseline, %)": 1,
}


def baselines_table(result: KpiResult) -> pd.DataFrame:
    """The baselines of one result with counts, for the table under its chart."""
    b = result.baselines
    if result.measure == "share":
        return pd.DataFrame(
            {
                "Baseline": b["baseline"],
                "Current period": b["current_period"],
                "Charged (current)": b["current_count"],
                "Crimes (current)": b["current_denominator"],
                "Share (current, %)": b["current_share"],
                "Baseline period": b["baseline_period"],
                "Charged (baseline)": b["baseline_count"],
                "Crimes (baseline)": b["baseline_denominator"],
                "Share (baseline, %)": b["baseline_share"],
                "Verdict": b["verdict"],
                "Note": b["note"],
            }
        )
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


def exceptions_intro(report: PerformanceReport) -> str:
    """How exceptions were chosen and how the limits were calculated."""
    text = (
        "An exception is a KPI whose latest month is a special-cause concern on its SPC chart "
        "(a point beyond the process limits, or a run or trend in the wrong direction), or "
        "whose target the process will consistently miss. "
    )
    if report.rebase is not None:
        text += (
            f"The charts start in {_month(report.start)}; the mean and limits are recalculated "
            f"from {_month(report.rebase)}, the first full month after the last lockdown "
            "restrictions ended, so the lockdown months do not set today's limits."
        )
    else:
        text += f"The charts and their limits cover {report.period_label}."
    return text


# ------------------------------------------------------------------------------ tables


def _source_label(result: KpiResult) -> str:
    if result.synthetic:
        return SYNTHETIC_LABEL
    return "Force extract" if result.kpi.uses_extract else REAL_LABEL


def summary_table(report: PerformanceReport) -> pd.DataFrame:
    """Every KPI for the force in one table, icons as HTML (see :data:`ICON_COLUMNS`)."""
    rows = []
    for r in report.force_results():
        c = r.comparison
        rows.append(
            {
                "KPI": r.kpi.name,
                "Data": _source_label(r),
                f"{_month(report.data_to)}": r.latest_text(),
                "Variation": tables.icon_html(r.variation, with_text=False),
                "Assurance": tables.icon_html(r.assurance),
                "Against the same month last year": baseline_text(r, "last_year"),
                "Latest 12 months against the 12 before": baseline_text(r, "rolling_12"),
                f"National ({HOME_OFFICE_YEAR})": c.national_short() if c else "–",
                f"Peers ({HOME_OFFICE_YEAR})": c.peer_short() if c else "–",
            }
        )
    return pd.DataFrame(rows)


def district_matrix(report: PerformanceReport, areas: Sequence[str] | None = None) -> pd.DataFrame:
    """KPIs down, areas across: the variation icon and the latest value.

    Parameters
    ----------
    report
        From :func:`collect`.
    areas
        Columns to show (default: the force and every district); see :func:`area_groups`.
    """
    rows = []
    for kpi_id, kpi in report.registry.items():
        row = {"KPI": kpi.name + (" (synthetic)" if report.result(kpi_id).synthetic else "")}
        for area in areas or report.areas:
            r = report.results[(kpi_id, area)]
            # icon and value stay together on one line
            row[area] = (
                f'<span class="icon-value" style="white-space: nowrap">'
                f"{tables.icon_html(r.variation, size=20)} {r.latest_text()}</span>"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def area_groups(report: PerformanceReport, size: int = 5) -> list[list[str]]:
    """The force and its districts in groups of ``size``, so each matrix fits the page."""
    areas = report.areas
    n = max(1, math.ceil(len(areas) / size))
    per = math.ceil(len(areas) / n)
    return [areas[i : i + per] for i in range(0, len(areas), per)]


def icon_key() -> pd.DataFrame:
    """The icons and what they mean, for a key under the tables."""
    codes = list(spc.VARIATION_ICONS) + list(spc.ASSURANCE_ICONS) + [None]
    return pd.DataFrame(
        {
            "Icon": [tables.icon_html(c) for c in codes],
            "Meaning": [tables.icon_label(c) for c in codes],
        }
    )


# ------------------------------------------------------------------------------ measures


@dataclass
class Measure:
    """One national Crime and Policing Measure and the KPIs serving it."""

    id: str
    title: str
    results: list[KpiResult]
    sentence: str

    def table(self) -> pd.DataFrame:
        """The measure's KPIs with icons, latest month, 12-month change and comparison."""
        return pd.DataFrame(
            [
                {
                    "KPI": r.kpi.name,
                    "Data": _source_label(r),
                    "Latest month": r.latest_text(),
                    "Variation": tables.icon_html(r.variation, with_text=True),
                    "Latest 12 months against the 12 before": baseline_text(r, "rolling_12"),
                    f"National ({HOME_OFFICE_YEAR})": (
                        r.comparison.national_short() if r.comparison else "–"
                    ),
                }
                for r in self.results
            ]
        )


def national_measures(report: PerformanceReport) -> list[Measure]:
    """The six national Crime and Policing Measures with the force's KPIs for each."""
    out = []
    for mid, title in NATIONAL_MEASURES.items():
        results = [r for r in report.force_results() if r.kpi.national_measure == mid]
        if not results:
            why = NO_KPI_REASON.get(mid)
            sentence = "No KPI in the registry serves this measure" + (f": {why}." if why else ".")
        else:
            concern = [r.kpi.name for r in results if r.is_exception]
            improving = [r.kpi.name for r in results if r.variation.startswith("improvement")]
            names = _join([r.kpi.name for r in results])
            verb = "KPIs serve" if len(results) > 1 else "KPI serves"
            sentence = f"{len(results)} {verb} this measure: {names}."
            if concern:
                sentence += f" Special-cause concern: {_join(concern)}."
            if improving:
                sentence += f" Special-cause improvement: {_join(improving)}."
            if not concern and not improving:
                sentence += " None shows special-cause concern or improvement in the latest month."
        out.append(Measure(mid, title, results, sentence))
    return out


# ------------------------------------------------------------------------------ findings


def key_findings(report: PerformanceReport) -> list[str]:
    """The key-findings box, written from the results."""
    month = _month(report.data_to)
    force = report.force_results()
    n = len(force)
    out = []
    ex = [r for r in force if r.is_exception]
    if ex:
        out.append(
            f"{len(ex)} of {n} KPIs are exceptions for {report.force} in {month}: "
            + "; ".join(f"{_lc(r.kpi.name)} ({_status_words(r)})" for r in ex)
            + "."
        )
    else:
        out.append(f"None of the {n} KPIs is an exception for {report.force} in {month}.")
    dist = [r for r in exceptions(report) if not r.is_force]
    if dist:
        by_kpi: dict[str, list[str]] = {}
        for r in dist:
            by_kpi.setdefault(r.kpi.name, []).append(r.area)
        out.append(
            f"{len(dist)} district exceptions: "
            + "; ".join(f"{_lc(k)} in {_join(v)}" for k, v in by_kpi.items())
            + "."
        )
    else:
        out.append("No district shows an exception.")
    better = [_lc(r.kpi.name) for r in force if r.variation.startswith("improvement")]
    if better:
        out.append(f"Special-cause improvement at force level: {_join(better)}.")
    rises = []
    falls = []
    for r in force:
        row = r.baselines[r.baselines["baseline"] == trends.BASELINE_LABELS["rolling_12"]]
        if row.empty:
            continue
        row = row.iloc[0]
        if row["verdict"] == "significant increase":
            rises.append((r, row))
        elif row["verdict"] == "significant decrease":
            falls.append((r, row))
    if rises or falls:
        text = "Over the latest 12 months against the 12 before, "
        parts = []
        if rises:
            parts.append(
                f"{len(rises)} KPI{'s' if len(rises) > 1 else ''} rose significantly ("
                + "; ".join(_change_short(r, row) for r, row in rises[:4])
                + ("; ..." if len(rises) > 4 else "")
                + ")"
            )
        if falls:
            parts.append(
                f"{len(falls)} fell significantly ("
                + "; ".join(_change_short(r, row) for r, row in falls[:4])
                + ")"
            )
        out.append(text + " and ".join(parts) + ".")
    targets = [r for r in force if r.kpi.target is not None]
    if not targets:
        out.append(
            "No KPI has a target in the registry, so no assurance icon can be given; the "
            "Police and Crime Plan sets none."
        )
    else:
        failing = [_lc(r.kpi.name) for r in targets if r.assurance == "consistent_fail"]
        out.append(
            f"Targets will consistently be missed for {_join(failing)}."
            if failing
            else f"No target of the {len(targets)} set is consistently missed."
        )
    higher = [
        _lc(r.kpi.name)
        for r in force
        if r.comparison
        and r.comparison.national is not None
        and r.comparison.national["verdict"] == "significantly higher"
    ]
    if higher:
        out.append(
            f"In {HOME_OFFICE_YEAR}, the latest force-level Home Office year held, the force's "
            f"rate was significantly above the national rate for {_join(higher)}."
        )
    if report.synthetic_kpis:
        out.append(
            f"{len(report.synthetic_kpis)} KPIs are counted in the synthetic extract and are "
            "illustrative only: " + _join([_lc(k.name) for k in report.synthetic_kpis]) + "."
        )
    return out


def _status_words(r: KpiResult) -> str:
    if r.assurance == "consistent_fail" and not r.variation.startswith("concern"):
        return "target consistently missed"
    pattern = narrative.spc_pattern(r.summary)
    return f"special-cause concern, {pattern}" if pattern else "special-cause concern"


def _change_short(r: KpiResult, row: pd.Series) -> str:
    if r.measure == "share":
        return (
            f"{_lc(r.kpi.name)} {narrative.fmt_num(row['current_share'])}% v "
            f"{narrative.fmt_num(row['baseline_share'])}%"
        )
    return (
        f"{_lc(r.kpi.name)} {row['pct_change']:+.0f}%, "
        f"{narrative.fmt_value(row['current_count'])} v "
        f"{narrative.fmt_value(row['baseline_count'])}"
    )


# ------------------------------------------------------------------------------ sources


def about(report: PerformanceReport) -> str:
    """One paragraph naming the data sources and the period."""
    extract = (
        "a synthetic force extract generated from the police.uk rows (illustrative only)"
        if report.extract_quality.synthetic
        else "the force's record-level extract"
    )
    return (
        f"This briefing covers {report.force} and its {len(report.districts)} districts, "
        f"{report.period_label}. KPIs come from police.uk street-level crime and from "
        f"{extract}; national and peer comparisons use Home Office police recorded crime for "
        f"{HOME_OFFICE_YEAR} (the only force-level year held) with 2011 Census population; "
        "rates per 1,000 use ONS 2018-based population projections."
    )


def peer_table(report: PerformanceReport) -> pd.DataFrame:
    """The peer group: each force's features and distance (the force and its peers)."""
    if report.peers is None:
        return pd.DataFrame()
    t = report.peers.table
    t = t[(t["rank"] == 0) | t["peer"]]
    pop, dens, crime = PEER_FEATURES.values()
    return pd.DataFrame(
        {
            "Force": t.index,
            "Population (2011)": t[pop].astype("int64").to_numpy(),
            "People per hectare (2011)": t[dens].to_numpy(),
            "Recorded crimes per 1,000 (2017/18)": t[crime].to_numpy(),
            "Distance": t["distance"].to_numpy(),
        }
    )


def sources_table(report: PerformanceReport) -> pd.DataFrame:
    """Data sources used, with periods (police.uk, extract, Home Office, population)."""
    years = tuple(range(int(report.start[:4]), int(report.data_to[:4]) + 1))
    return common.sources_table(
        report.crimes_quality,
        report.extract_quality,
        sources=report.sources,
        population_years=years,
        extra=[
            {
                "source": "Home Office police recorded crime by force (national and peers)",
                "location": str(report.sources.home_office_force),
                "period": HOME_OFFICE_YEAR,
                "data": common.REAL,
            }
        ],
    )
