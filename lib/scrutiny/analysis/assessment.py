"""The cycle's assessment: every KPI for the force and each district, computed once.

One version of the truth: the assessment holds, for every KPI in the registry and every
area (the force and each district), the monthly series, one SPC reading (mean, limits,
rule, point type, variation and assurance icons), the baselines and their change
verdicts, the national and peer comparison (the force), whether it rests on synthetic
data, the Police and Crime Plan grade where the plan names the KPI, and the sentence for
each verdict. Every briefing reads its verdicts, figures and sentences from here, so two
pages cannot disagree.

The method settings (:class:`scrutiny.analysis.method.Method`: the SPC window and rebase
month, the significance level) come from the cycle file's ``method:`` block and the KPI
registry, and are recorded with the results.

Three ways in::

    from scrutiny.analysis import assessment
    a = assessment.for_cycle("params/cycles/2022-11.yaml")   # cached on its inputs
    a.spc_table("violence_sexual_offences")                    # one KPI's SPC table

:func:`get` computes once and caches on the inputs (data content, registry, plan, method,
code); :meth:`Assessment.write` publishes the tables as Parquet and CSV
(``reports/<cycle>/assessment/``, schema in ``docs/assessment.md``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import re
import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scrutiny import __version__, config, provenance
from scrutiny.analysis import maturity, narrative
from scrutiny.analysis import plan as plan_mod
from scrutiny.analysis.kpis import Kpi, KpiCounts, kpi_series, load_registry
from scrutiny.analysis.method import RESTRICTIONS, Method, rebase_for
from scrutiny.analysis.peers import (
    Comparison,
    force_comparison,
    home_office_table,
    peer_forces,
)
from scrutiny.analysis.plan import Plan
from scrutiny.data import (
    DataQuality,
    DataSources,
    force_geography,
    load_crimes,
    load_extract,
    load_offence_map,
)
from scrutiny.data.police_uk import ASB
from scrutiny.stats import dispersion, spc, trends
from scrutiny.stats.compare import PeerGroup

#: Baseline kind -> the label in a KPI's ``baselines`` table.
BASELINE_LABELS = trends.BASELINE_LABELS

#: Bump when the assessment's content or tables change shape (part of the cache key).
SCHEMA_VERSION = 1
PICKLE = "assessment.pkl"
META = "meta.json"


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
    provisional_from
        For an outcome KPI, the first month whose outcomes are too immature to judge
        (``YYYY-MM``); the series, SPC and baselines stop the month before.
    expected, min_expected
        The expected monthly count (mean of the latest SPC segment; for a share, of its
        numerator) and the least the method judges (:attr:`too_few`).
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
    provisional_from: str | None = None
    expected: float = float("nan")
    min_expected: float = 0.0

    @property
    def synthetic(self) -> bool:
        """Counted in the synthetic extract."""
        return bool(self.series["synthetic"].any())

    @property
    def too_few(self) -> bool:
        """Too little to judge: no icon, exception or grade.

        Fewer expected a month than the method judges, or no process limits at all (a
        series of one point, or without two neighbouring months).
        """
        no_limits = not np.isfinite(self.summary.upl)
        return bool(self.expected < self.min_expected or no_limits)

    @property
    def variation(self) -> str:
        """Variation icon code of the latest month (``too_few`` when too few to judge)."""
        return "too_few" if self.too_few else self.summary.variation

    @property
    def assurance(self) -> str | None:
        """Assurance icon code (None without a target, or when too few to judge)."""
        return None if self.too_few else self.summary.assurance

    @property
    def signals_exception(self) -> bool:
        """Special-cause concern in the latest month, or a target consistently missed."""
        return self.variation.startswith("concern") or self.assurance == "consistent_fail"

    @property
    def is_exception(self) -> bool:
        """An exception for the Board: :attr:`signals_exception` on real data.

        Figures counted in the synthetic extract are illustrative and never escalated.
        """
        return self.signals_exception and not self.synthetic

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

    def maturity_note(self) -> str | None:
        """Why the latest months of an outcome KPI are left out, or None."""
        if self.provisional_from is None:
            return None
        return (
            f"Outcomes are still being recorded for crimes from "
            f"{narrative.month_text(self.provisional_from)} on, so those months are "
            "provisional and left out of the chart's verdict, the comparisons and the grade."
        )

    def latest_text(self) -> str:
        """The latest value with its unit, e.g. ``"516"`` or ``"1.6%"``.

        An outcome KPI whose latest months are provisional names the month its value is
        for (``"5.7% (Mar 2022)"``), so a table headed by the cycle's month does not pass
        it off as that month's.
        """
        v = self.summary.latest_value
        if self.measure == "share":
            text = f"{narrative.fmt_num(v)}%"
        elif self.measure == "rate":
            text = narrative.fmt_num(v, 2)
        else:
            text = narrative.fmt_value(v)
        if self.provisional_from is not None and pd.notna(self.summary.latest_date):
            text += (
                f" ({narrative.month_label(pd.Timestamp(self.summary.latest_date), short=True)})"
            )
        return text

    def spc_sentence(self, *, baseline: bool = True) -> str:
        """The SPC verdict of the latest month in one plain-English sentence.

        ``baseline=False`` leaves out the comparison with a baseline month (and the count
        it quotes), e.g. for a public page where that count is below the disclosure
        threshold; the verdict and the latest value are the same words.
        """
        s = self.summary
        name = f"{self.kpi.name} {self.where}"
        if self.too_few:
            what = "crimes charged" if self.measure == "share" else self.unit
            latest = self.latest_text()
            if self.measure == "count":
                latest += " " + narrative.count_unit(s.latest_value, self.unit)
            return (
                f"{narrative.capitalise(name)}: about {narrative.fmt_num(self.expected)} "
                f"{what} a month on average, too few to judge whether anything has changed "
                f"(the assessment judges {narrative.fmt_int(self.min_expected)} or more a "
                f"month); {latest} in {narrative.month_label(s.latest_date)}."
            )
        if self.measure == "share":
            sentence = narrative.spc_sentence(name, self.spc, unit="per cent", summary=s)
            return sentence.replace(" per cent in ", "% in ")
        return (
            narrative.spc_sentence(
                name,
                self.spc,
                unit=self.unit,
                baselines=self.baselines if baseline else None,
                summary=s,
            )
            if s
            else ""
        )

    def baseline_text(self, kind: str) -> str:
        """Short cell text for one baseline, counts first.

        E.g. ``"516 v 384 (+34%): significant increase"``; shares as per cent with counts.
        """
        label = trends.BASELINE_LABELS[kind]
        rows = self.baselines[self.baselines["baseline"] == label]
        if rows.empty:
            return "–"
        row = rows.iloc[0]
        if row["verdict"] == "not available":
            return f"Not available ({row['note']})" if row["note"] else "Not available"
        if self.measure == "share":
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

    def rolling_sentence(self) -> str | None:
        """The latest 12 months against the 12 before, in one sentence (None without it)."""
        rows = self.baselines[self.baselines["baseline"] == trends.BASELINE_LABELS["rolling_12"]]
        if rows.empty:
            return None
        row = rows.iloc[0]
        name = f"{self.kpi.name} {self.where}"
        if row["verdict"] == "not available":
            return (
                f"{name}: no comparison of the latest 12 months with the 12 before ({row['note']})."
            )
        if self.measure == "share":
            return (
                f"{name}: {narrative.fmt_num(row['current_share'])}% in {row['current_period']} "
                f"({narrative.fmt_int(row['current_count'])} of "
                f"{narrative.fmt_int(row['current_denominator'])}) against "
                f"{narrative.fmt_num(row['baseline_share'])}% in {row['baseline_period']} "
                f"({narrative.fmt_int(row['baseline_count'])} of "
                f"{narrative.fmt_int(row['baseline_denominator'])}), "
                f"{narrative.verdict_words(row['verdict'])}."
            )
        return narrative.baseline_sentence(name, row, unit=self.unit)


@dataclass
class Assessment:
    """The cycle's assessment: every KPI for the force and each district, computed once.

    Attributes
    ----------
    sources, data_to, start, rebase
        The inputs, the last month, the first month of the charts and the cycle's SPC
        rebase month (None when it falls outside the period).
    method
        The method settings the assessment was computed with.
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
    method: Method
    registry: dict[str, Kpi]
    districts: list[str]
    results: dict[tuple[str, str], KpiResult]
    peers: PeerGroup | None
    peer_note: str
    crimes_quality: DataQuality
    extract_quality: DataQuality
    comparisons: dict[str, Comparison] = field(default_factory=dict)
    grades: pd.DataFrame = field(default_factory=pd.DataFrame)
    maturity: pd.DataFrame = field(default_factory=pd.DataFrame)
    provisional_months: int = 0
    notes: list[str] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)

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
        return f"{narrative.month_text(self.start)} to {narrative.month_text(self.data_to)}"

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

    def spc_table(self, kpi_id: str, area: str | None = None) -> pd.DataFrame:
        """The SPC table of one KPI in one area (default the force): a row per month.

        Columns: ``month``, ``count``, ``denominator``, ``missing``, then the XmR columns of
        :func:`scrutiny.stats.spc.xmr` (``value``, ``mean``, ``lpl``, ``upl``,
        ``point_type``, ...).
        """
        r = self.result(kpi_id, area)
        return _spc_frame(r)

    def grade(self, kpi_id: str, area: str | None = None) -> pd.Series:
        """The plan grade row of one KPI in one area (default the force)."""
        g = self.grades
        rows = g[(g["kpi"] == kpi_id) & (g["area"] == (area or self.force))]
        if rows.empty:
            raise KeyError(f"KPI '{kpi_id}' is not graded by the plan")
        return rows.iloc[0]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The assessment as flat tables (see docs/assessment.md for the columns)."""
        return _tables(self)

    def write(self, folder: str | Path, *, tables: bool = True) -> Path:
        """Write the tables (Parquet and CSV), ``meta.json`` and the object for reuse.

        The folder is replaced as a whole: written beside it and renamed into place.

        Parameters
        ----------
        folder
            Where to write (e.g. ``reports/<cycle>/assessment``).
        tables
            False: only ``meta.json`` and the object, as the cache keeps them (:func:`get`
            reads nothing else; the tables take about 1.5 s more to make and write on the
            real cycle, paid by every briefing waiting for the cache).
        """
        return _write(self, Path(folder), tables=tables)


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
    alpha: float = 0.05,
    method: Method | None = None,
) -> KpiResult:
    """SPC and baselines of one KPI series (pure: no loading).

    Months without data (``missing``) become gaps in the SPC chart. The measure is the
    count, or the share in per cent for a KPI divided by another KPI (see
    :func:`measure_of`). Change tests of counts allow for the series' own dispersion
    (:func:`scrutiny.stats.dispersion.series_dispersion` of the latest SPC segment, the
    same spread the chart's limits use) unless ``method.overdispersion`` is ``none``;
    shares are compared as proportions (:func:`share_baselines`).
    """
    method = method or Method(alpha=alpha)
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
        two_in_three_beyond_limits=method.two_in_three_beyond_limits,
        min_points=method.settled_limits_points,
    )
    summary = spc.summarise(result) if result["value"].notna().any() else _no_values(result, kpi)
    counts = pd.Series(
        np.where(missing, np.nan, series["count"].to_numpy(dtype=float)),
        index=months,
    )
    if measure == "share":
        denom = pd.Series(
            np.where(missing, np.nan, series["denominator"].to_numpy(dtype=float)), index=months
        )
        base = share_baselines(counts, denom, end=end, alpha=alpha)
        phi = 1.0
    else:
        phi = 1.0
        if method.overdispersion != "none" and pd.notna(summary.segment_start):
            phi = dispersion.series_dispersion(counts[counts.index >= summary.segment_start])
        base = trends.baselines(counts, end=end, alpha=alpha, phi=phi)
    base.attrs["phi"] = phi
    held = counts.dropna()
    if 0 < len(held) <= 12:
        # Every baseline needs at least 12 months before the latest 12: none can exist.
        base.loc[base["verdict"] == "not available", "note"] = (
            f"only {len(held)} months held, {narrative.month_text(held.index[0])} to "
            f"{narrative.month_text(held.index[-1])}"
        )
    segment = (
        counts[counts.index >= summary.segment_start] if pd.notna(summary.segment_start) else counts
    )
    expected = float(segment.mean()) if segment.notna().any() else 0.0
    few = (base["verdict"] != "not available") & (base["baseline_count"] < method.min_expected)
    base.loc[few, "verdict"] = TOO_FEW
    return KpiResult(
        kpi,
        area,
        is_force,
        series,
        measure,
        result,
        summary,
        base,
        expected=expected,
        min_expected=method.min_expected,
    )


def _no_values(result: pd.DataFrame, kpi: Kpi) -> spc.SpcSummary:
    """A summary for a series without a single value (e.g. a share of no crimes)."""
    first, last = result["date"].iloc[0], result["date"].iloc[-1]
    nan = float("nan")
    return spc.SpcSummary(
        n_points=len(result),
        n_missing=len(result),
        first_date=first,
        last_date=last,
        latest_date=last,
        latest_value=nan,
        mean=nan,
        lpl=nan,
        upl=nan,
        latest_point_type="no_data",
        latest_special_cause="",
        variation="common_cause",
        assurance=None,
        run_same_side=0,
        run_direction=0,
        segment_start=first,
        n_special_improvement=0,
        n_special_concern=0,
        n_special_neutral=0,
        trial_limits=True,
        improvement=kpi.direction,
        target=None,
        notes=["no month has a value"],
    )


#: Verdict of a comparison whose expected count is below the method's minimum.
TOO_FEW = "too few to judge"


def share_baselines(
    numerator: pd.Series, denominator: pd.Series, *, end: str, alpha: float = 0.05
) -> pd.DataFrame:
    """Baselines of a share: the month against a year earlier, and 12 months against 12.

    Shares are compared as proportions: the difference between the two shares with
    Newcombe's hybrid score interval built from Wilson intervals
    (:func:`scrutiny.stats.dispersion.newcombe_difference`, as Public Health England's
    Fingertips); the change is significant when the interval excludes no difference.
    ``p_value`` is left empty (the verdict comes from the interval) and ``rate_ratio``
    is the ratio of the two shares.

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
            diff = dispersion.newcombe_difference(c, d, bc, bd, alpha=alpha)
            now, before = c / d * 100, bc / bd * 100
            row.update(
                baseline_count=float(bc),
                baseline_denominator=float(bd),
                current_share=now,
                baseline_share=before,
                change=now - before,
                pct_change=(now - before) / before * 100 if before > 0 else np.nan,
                rate_ratio=now / before if before > 0 else np.nan,
                verdict=(
                    "no significant change"
                    if not diff.significant
                    else ("significant increase" if diff.difference > 0 else "significant decrease")
                ),
            )
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ plan grades


def plan_evidence(
    result: KpiResult, plan_kpi: plan_mod.PlanKpi, plan: Plan, *, data_to: str
) -> dict[str, object]:
    """The plan's three grading signals for one KPI in one area, from the assessment.

    ``variation`` and ``assurance`` are the assessment's own SPC reading of the latest
    month (the same limits every page shows); ``change`` compares the baseline's calendar
    months in the latest year the series covers (:func:`like_for_like`) with the baseline:
    counts per month with a rate-ratio test allowing for the series' dispersion, or for a
    share the difference of two proportions (Newcombe), at ``plan.evidence.alpha``.

    Returns
    -------
    dict
        ``kpi``, ``area``, ``variation``, ``change``, ``assurance``, ``baseline`` (label),
        ``recent_period``, ``recent``, ``recent_per_month``, ``baseline_per_month``,
        ``change_pct``, ``rate_ratio``, ``p_value``, ``note``.
    """
    s = result.series
    s = s[s["month"] <= pd.Timestamp(f"{data_to}-01")]
    base = plan.baseline_for(plan_kpi)
    end = s["month"].max().to_period("M") if len(s) else pd.Period(data_to, "M")
    recent = like_for_like(pd.Period(base.start, "M"), pd.Period(base.end, "M"), end)
    n = len(recent)
    months = s["month"].dt.to_period("M")
    now = s[months.isin(recent)]
    before = s[months.isin(pd.period_range(base.start, base.end, freq="M"))]
    summary = result.summary
    variation = summary.latest_point_type if summary.latest_point_type != "no_data" else None
    row: dict[str, object] = {
        "kpi": result.kpi.id,
        "area": result.area,
        "variation": variation,
        "change": None,
        "assurance": plan_mod.ASSURANCE_FROM_SPC.get(summary.assurance, "none"),
        "baseline": base.label,
        "recent_period": trends.period_label(recent[0], recent[-1]),
        "recent": float(now["count"].sum()),
        "recent_per_month": np.nan,
        "baseline_per_month": np.nan,
        "change_pct": np.nan,
        "rate_ratio": np.nan,
        "p_value": np.nan,
        "note": "",
    }
    if recent[0] <= pd.Period(base.end, "M"):
        row["note"] = f"the data do not yet cover the months of {base.label} a year later"
        return row
    complete = len(now) == n and len(before) == base.months
    if not complete or now["missing"].any() or before["missing"].any():
        row["note"] = f"no complete data for {row['recent_period']} and {base.label}"
        return row
    c1, c2 = float(now["count"].sum()), float(before["count"].sum())
    if result.measure == "share":
        e1, e2 = float(now["denominator"].sum()), float(before["denominator"].sum())
        if e1 <= 0 or e2 <= 0:
            row["note"] = "nothing to take a share of"
            return row
        diff = dispersion.newcombe_difference(c1, e1, c2, e2, alpha=plan.evidence.alpha)
        now_share, before_share = c1 / e1 * 100, c2 / e2 * 100
        ratio = now_share / before_share if before_share > 0 else np.nan
        significant = diff.significant
        row.update(recent_per_month=now_share, baseline_per_month=before_share)
        row.update(change_pct=(ratio - 1) * 100 if before_share > 0 else np.nan)
        row.update(rate_ratio=ratio)
    else:
        phi = float(result.baselines.attrs.get("phi", 1.0))
        test = dispersion.quasi_rate_ratio_test(
            c1, float(n), c2, float(base.months), phi=phi, alpha=plan.evidence.alpha
        )
        ratio, significant = test.rate_ratio, test.significant
        b = c2 / base.months
        row.update(
            recent_per_month=c1 / n,
            baseline_per_month=b,
            change_pct=(c1 / n - b) / b * 100 if b else np.nan,
            rate_ratio=ratio,
            p_value=test.p_value,
        )
    row["change"] = plan_mod.change_signal(ratio, significant, plan_kpi.direction)
    return row


def latest_year_evidence(result: KpiResult, plan_kpi: plan_mod.PlanKpi) -> dict[str, object]:
    """The latest-year check's evidence: the latest 12 months against the 12 months before.

    Read from the KPI's "Previous 12 months" baseline (the comparison every page prints,
    allowing for the series' dispersion, or for a share two proportions), so the grade and
    the pages cannot disagree. ``latest_year`` is ``better``, ``worse`` or
    ``no_significant_change`` (:func:`scrutiny.analysis.plan.change_signal`), None when the
    comparison is not available, too few to judge or the KPI is monitored.
    ``previous_year_lockdown`` names the months of the earlier year under Covid-19
    restrictions (:data:`scrutiny.analysis.method.RESTRICTIONS`), empty when none.
    """
    out: dict[str, object] = {
        "latest_year": None,
        "latest_year_period": None,
        "previous_year_period": None,
        "latest_year_count": np.nan,
        "previous_year_count": np.nan,
        "latest_year_pct": np.nan,
        "latest_year_p": np.nan,
        "previous_year_lockdown": "",
    }
    rows = result.baselines[result.baselines["baseline"] == trends.BASELINE_LABELS["rolling_12"]]
    if rows.empty:
        return out
    r = rows.iloc[0]
    out.update(
        latest_year_period=r["current_period"],
        previous_year_period=r["baseline_period"],
        previous_year_lockdown=lockdown_months(str(r["baseline_period"])),
    )
    tested = ("significant increase", "significant decrease", "no significant change")
    if r["verdict"] not in tested:
        return out
    out.update(
        latest_year_count=float(r["current_count"]),
        previous_year_count=float(r["baseline_count"]),
        latest_year_pct=float(r["pct_change"]),
        latest_year_p=float(r["p_value"]),
        latest_year=plan_mod.change_signal(
            float(r["rate_ratio"]), r["verdict"] != "no significant change", plan_kpi.direction
        ),
    )
    return out


def lockdown_months(period: str) -> str:
    """The months of ``period`` (``"Nov 2020 to Oct 2021"``) under Covid-19 restrictions.

    Empty when none (:data:`scrutiny.analysis.method.RESTRICTIONS`).

    >>> lockdown_months("Nov 2020 to Oct 2021")
    'Nov 2020 to Jul 2021'
    >>> lockdown_months("Jan to Dec 2021")
    'Jan to Jul 2021'
    >>> lockdown_months("Nov 2021 to Oct 2022")
    ''
    """
    m = re.fullmatch(r"(?:([A-Z][a-z]{2})(?: (\d{4}))? to )?([A-Z][a-z]{2}) (\d{4})", period)
    if not m:
        return ""
    end = pd.Period(f"{m[3]} {m[4]}", "M")
    start = pd.Period(f"{m[1]} {m[2] or m[4]}", "M") if m[1] else end
    r0, r1 = (pd.Period(x, "M") for x in RESTRICTIONS)
    first, last = max(start, r0), min(end, r1)
    return trends.period_label(first, last) if first <= last else ""


def like_for_like(base_start: pd.Period, base_end: pd.Period, end: pd.Period) -> pd.PeriodIndex:
    """The latest months that match a baseline's calendar months, ending by ``end``.

    The baseline shifted on by whole years, as far as the data allow: against December
    2019 to February 2020, with data to October 2022, December 2021 to February 2022.

    >>> p = pd.Period
    >>> like_for_like(p("2019-12", "M"), p("2020-02", "M"), p("2022-10", "M"))
    PeriodIndex(['2021-12', '2022-01', '2022-02'], dtype='period[M]')
    """
    years = max((end - base_end).n // 12, 0)
    return pd.period_range(base_start + 12 * years, base_end + 12 * years, freq="M")


GRADE_COLUMNS = [
    "area",
    "theme",
    "kpi",
    "grade",
    "reason",
    "capped",
    "synthetic",
    "variation",
    "change",
    "assurance",
    "baseline",
    "recent_period",
    "recent",
    "recent_per_month",
    "baseline_per_month",
    "change_pct",
    "rate_ratio",
    "p_value",
    "latest_year",
    "latest_year_period",
    "previous_year_period",
    "latest_year_count",
    "previous_year_count",
    "latest_year_pct",
    "latest_year_p",
    "previous_year_lockdown",
    "note",
]

SYNTHETIC_NOT_GRADED = (
    "Not graded: counted in the synthetic extract, whose figures are illustrative, not the "
    "force's records."
)


def baseline_not_held(result: KpiResult, base: plan_mod.Period) -> str | None:
    """Why a plan KPI cannot be graded when its baseline is before every month held, or None.

    The plan's grade rests on the change from its baseline; without the baseline's months
    there is no change to measure, so no grade is given (never one from the SPC alone).
    """
    held = result.series.loc[~result.series["missing"].astype(bool), "month"]
    if held.empty:
        return None
    first, last = held.min().to_period("M"), held.max().to_period("M")
    if pd.Period(base.end, "M") >= first:
        return None
    return (
        f"the plan's baseline, {base.label}, is before the data held "
        f"({narrative.month_text(str(first))} to {narrative.month_text(str(last))}), so "
        "the change the grade rests on cannot be measured"
    )


#: The reason every KPI of a force is not graded when the plan held is another force's.
OTHER_PLAN_NOT_GRADED = (
    "Not graded: the Police and Crime Plan held is {plan_force}'s, not {force}'s."
)


def other_force_plan(plan: Plan, force: str) -> bool:
    """Whether ``plan`` is tied to a force other than ``force`` (so grades nothing of it).

    A plan tied to a force (:attr:`scrutiny.analysis.plan.Plan.force`) holds that force to
    account; grading another force against its baselines and themes would be a claim about
    a plan that force does not have.
    """
    return bool(plan.force) and plan.force != force


def plan_grades(
    results: dict[tuple[str, str], KpiResult],
    areas: list[str],
    plan: Plan,
    *,
    data_to: str,
    force: str = "",
) -> pd.DataFrame:
    """Grade every plan KPI in every area (:func:`scrutiny.analysis.plan.grade_table`).

    KPIs counted in the synthetic extract are never graded, nor any KPI of a ``force``
    whose plan this is not (:func:`other_force_plan`).
    """
    not_its_plan = bool(force) and other_force_plan(plan, force)
    frames = []
    by_id = {k.kpi: k for t in plan.themes for k in t.kpis}
    for area in areas:
        ev = [
            plan_evidence(results[(k, area)], by_id[k], plan, data_to=data_to)
            | latest_year_evidence(results[(k, area)], by_id[k])
            for k in plan.kpi_ids()
            if (k, area) in results
        ]
        evidence = pd.DataFrame(ev)
        graded = plan_mod.grade_table(evidence.drop(columns=["area"]), plan)
        graded = graded.merge(evidence.drop(columns=["area"]), on="kpi", how="left")
        graded.insert(0, "area", area)
        synth = [bool((k, area) in results and results[(k, area)].synthetic) for k in graded["kpi"]]
        graded["synthetic"] = synth
        for i, k in enumerate(graded["kpi"]):
            r = results.get((k, area))
            if r is not None and r.too_few and graded.at[i, "grade"] != plan_mod.NOT_GRADED:
                graded.at[i, "grade"] = plan_mod.NOT_GRADED
                graded.at[i, "capped"] = False
                graded.at[i, "reason"] = (
                    f"Not graded: about {narrative.fmt_num(r.expected)} a month, too few to "
                    f"judge (the assessment judges {narrative.fmt_int(r.min_expected)} or more)."
                )
        for i, k in enumerate(graded["kpi"]):
            r, pk = results.get((k, area)), by_id.get(k)
            if r is None or pk is None or not pk.graded or pk.direction == "monitor":
                continue
            why = baseline_not_held(r, plan.baseline_for(pk))
            if why:
                graded.at[i, "grade"] = plan_mod.NOT_GRADED
                graded.at[i, "capped"] = False
                graded.at[i, "reason"] = f"Not graded: {why}."
        graded.loc[graded["synthetic"], "capped"] = False
        graded.loc[graded["synthetic"], "grade"] = plan_mod.NOT_GRADED
        graded.loc[graded["synthetic"], "reason"] = SYNTHETIC_NOT_GRADED
        if not_its_plan:
            graded["grade"] = plan_mod.NOT_GRADED
            graded["capped"] = False
            graded["reason"] = OTHER_PLAN_NOT_GRADED.format(plan_force=plan.force, force=force)
        frames.append(graded)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return out.reindex(columns=GRADE_COLUMNS)


# ------------------------------------------------------------------------------ computing


def _maturity(
    sources: DataSources, method: Method, registry: dict[str, Kpi], notes: list[str]
) -> tuple[pd.DataFrame, int]:
    """The outcome maturity curve and the number of provisional months (0: no outcome KPI)."""
    if not any(k.definition.outcomes is not None for k in registry.values()):
        return pd.DataFrame(columns=maturity.CURVE_COLUMNS), 0
    curve, why = maturity.measured_curve(sources)
    if method.outcome_lag_months is not None:
        return curve, method.outcome_lag_months
    lag = maturity.provisional_lag(curve, method.outcome_completeness)
    if lag is None:
        notes.append(
            f"Outcome maturity could not be measured ({why}): the latest "
            f"{maturity.DEFAULT_LAG} months of outcome KPIs are treated as provisional, the "
            "lag measured on Leicestershire's 2022 data."
        )
        return curve, maturity.DEFAULT_LAG
    return curve, lag


def assess(
    sources: DataSources,
    *,
    data_to: str,
    method: Method | None = None,
    registry: dict[str, Kpi] | None = None,
    plan: Plan | None = None,
) -> Assessment:
    """Load the data once and assess every KPI for the force and each district.

    Parameters
    ----------
    sources
        The force and its files.
    data_to
        Last month reported (``YYYY-MM``).
    method
        The method settings (default :class:`Method` ()).
    registry
        The KPI registry (default ``params/kpis.yaml``).
    plan
        The Police and Crime Plan (default ``params/plan.yaml``).

    Returns
    -------
    Assessment
    """
    method = method or Method()
    registry = registry or load_registry()
    plan = plan or plan_mod.load_plan()
    crimes, cq = load_crimes(sources, data_to=data_to)
    _, eq = load_extract(sources, data_to=data_to)
    if crimes.empty:
        raise ValueError(f"no police.uk rows for {sources.force} up to {data_to}")
    start = window(crimes["month"].min(), data_to, method.months)
    notes = []

    def usable(rebase: str | None, what: str) -> str | None:
        if rebase is None:
            return None
        r = pd.Period(rebase, freq="M")
        if pd.Period(start, freq="M") < r <= pd.Period(data_to, freq="M"):
            return rebase
        notes.append(
            f"The SPC limits{what} are calculated over the whole period: the rebase month "
            f"{narrative.month_text(rebase)} is not inside {narrative.month_text(start)} to "
            f"{narrative.month_text(data_to)}."
        )
        return None

    rebase = usable(method.spc_rebase, "")
    curve, lag = _maturity(sources, method, registry, notes)
    mature_to = str(pd.Period(data_to, "M") - lag)
    geo = force_geography(sources)
    districts = geo.district_names
    peers, peer_note = peer_forces(sources)
    om = load_offence_map(sources.path("offence_map"))
    ho = home_office_table(sources)
    results: dict[tuple[str, str], KpiResult] = {}
    comparisons: dict[str, Comparison] = {}
    counts = KpiCounts(sources)  # the tables loaded once for every KPI and area
    for kpi in registry.values():
        own = rebase_for(method, kpi.method)
        kpi_rebase = rebase if own == method.spc_rebase else usable(own, f" of {kpi.name}")
        comparison = force_comparison(
            kpi,
            sources,
            peers,
            offence_map=om,
            home_office=ho,
            overdispersion=method.overdispersion,
            alpha=method.alpha,
        )
        comparisons[kpi.id] = comparison
        outcome = kpi.definition.outcomes is not None and lag > 0
        # With fewer mature months than the window holds, the first month stands alone
        # (too few to judge) rather than a window that ends before it starts.
        end = max(mature_to, start) if outcome else data_to
        if outcome and kpi_rebase is not None and kpi_rebase > mature_to:
            kpi_rebase = None
        for area in [sources.force, *districts]:
            series = kpi_series(
                kpi,
                area=area,
                start=start,
                end=end,
                sources=sources,
                registry=registry,
                counts=counts,
            )
            res = analyse_series(
                kpi,
                series,
                area=area,
                is_force=area == sources.force,
                end=end,
                rebase=kpi_rebase,
                alpha=method.alpha,
                method=method,
            )
            if outcome:
                res.provisional_from = str(pd.Period(end, "M") + 1)
            if res.is_force:
                res.comparison = comparison
            results[(kpi.id, area)] = res
    grades = plan_grades(
        results, [sources.force, *districts], plan, data_to=data_to, force=sources.force
    )
    if other_force_plan(plan, sources.force):
        notes.append(
            f"No KPI is graded: the Police and Crime Plan held ({plan.plan}, {plan.area}) is "
            f"{plan.force}'s, not {sources.force}'s. Give this force its own plan file "
            "(the plan_file parameter) to grade its KPIs."
        )
    note = trial_limits_note(results, method)
    if note:
        notes.append(note)
    return Assessment(
        sources=sources,
        data_to=data_to,
        start=start,
        rebase=rebase,
        method=method,
        registry=registry,
        districts=districts,
        results=results,
        peers=peers,
        peer_note=peer_note,
        crimes_quality=cq,
        extract_quality=eq,
        comparisons=comparisons,
        grades=grades,
        maturity=curve,
        provisional_months=lag,
        notes=notes,
    )


def trial_limits_note(results: dict[tuple[str, str], KpiResult], method: Method) -> str | None:
    """Say how many SPC readings rest on trial limits, or None when none does.

    A reading too few to judge gives no verdict, so it is not counted.
    """
    judged = [r for r in results.values() if not r.too_few]
    trial = [r for r in judged if r.summary.trial_limits]
    if not trial:
        return None

    def points(r: KpiResult) -> int:
        x = r.spc
        if pd.notna(r.summary.segment_start):
            x = x[x["date"] >= r.summary.segment_start]
        return int(x["value"].notna().sum())

    n = max(points(r) for r in trial)
    return (
        f"Trial limits: {narrative.fmt_int(len(trial))} of the {narrative.fmt_int(len(judged))} "
        f"SPC charts judged (force and districts) have limits resting on fewer than "
        f"{method.settled_limits_points} months (at most {n} here), so their readings, "
        "icons and exceptions are provisional and the limits will move as months are added."
    )


# ------------------------------------------------------------------------------ tables


def _spc_frame(r: KpiResult) -> pd.DataFrame:
    s = r.series.reset_index(drop=True)
    x = r.spc.reset_index(drop=True).drop(columns=["date"])
    out = pd.concat([s[["month", "count", "denominator", "missing"]], x], axis=1)
    out.insert(0, "area", r.area)
    out.insert(0, "kpi", r.kpi.id)
    return out


KPI_COLUMNS = [
    "kpi",
    "kpi_name",
    "area",
    "area_type",
    "measure",
    "unit",
    "synthetic",
    "direction",
    "target",
    "latest_month",
    "latest_value",
    "latest_text",
    "mean",
    "lower_limit",
    "upper_limit",
    "limits_from",
    "trial_limits",
    "point_type",
    "special_cause",
    "variation",
    "assurance",
    "expected_per_month",
    "too_few",
    "signals_exception",
    "exception",
    "count_12m",
    "count_prev_12m",
    "change_12m_pct",
    "change_12m_p",
    "change_12m_verdict",
    "count_month_last_year",
    "change_month_pct",
    "change_month_p",
    "change_month_verdict",
    "grade",
    "provisional_from",
    "spc_sentence",
    "change_12m_sentence",
]


def _baseline_row(r: KpiResult, kind: str) -> pd.Series | None:
    rows = r.baselines[r.baselines["baseline"] == trends.BASELINE_LABELS[kind]]
    return rows.iloc[0] if len(rows) else None


def _kpi_row(a: Assessment, r: KpiResult) -> dict[str, Any]:
    s = r.summary
    roll = _baseline_row(r, "rolling_12")
    last = _baseline_row(r, "last_year")
    g = a.grades
    graded = g[(g["kpi"] == r.kpi.id) & (g["area"] == r.area)] if len(g) else g
    return {
        "kpi": r.kpi.id,
        "kpi_name": r.kpi.name,
        "area": r.area,
        "area_type": "force" if r.is_force else "district",
        "measure": r.measure,
        "unit": r.unit,
        "synthetic": r.synthetic,
        "direction": r.kpi.direction,
        "target": r.kpi.target.value if r.kpi.target is not None else np.nan,
        "latest_month": pd.Timestamp(s.latest_date).strftime("%Y-%m")
        if pd.notna(s.latest_date)
        else None,
        "latest_value": s.latest_value,
        "latest_text": r.latest_text(),
        "mean": s.mean,
        "lower_limit": s.lpl,
        "upper_limit": s.upl,
        "limits_from": pd.Timestamp(s.segment_start).strftime("%Y-%m"),
        "trial_limits": s.trial_limits,
        "point_type": s.latest_point_type,
        "special_cause": s.latest_special_cause,
        "variation": r.variation,
        "assurance": r.assurance,
        "expected_per_month": r.expected,
        "too_few": r.too_few,
        "signals_exception": r.signals_exception,
        "exception": r.is_exception,
        "count_12m": roll["current_count"] if roll is not None else np.nan,
        "count_prev_12m": roll["baseline_count"] if roll is not None else np.nan,
        "change_12m_pct": roll["pct_change"] if roll is not None else np.nan,
        "change_12m_p": roll["p_value"] if roll is not None else np.nan,
        "change_12m_verdict": roll["verdict"] if roll is not None else None,
        "count_month_last_year": last["baseline_count"] if last is not None else np.nan,
        "change_month_pct": last["pct_change"] if last is not None else np.nan,
        "change_month_p": last["p_value"] if last is not None else np.nan,
        "change_month_verdict": last["verdict"] if last is not None else None,
        "grade": graded["grade"].iloc[0] if len(graded) else None,
        "provisional_from": r.provisional_from,
        "spc_sentence": r.spc_sentence(),
        "change_12m_sentence": r.rolling_sentence(),
    }


def _comparison_rows(a: Assessment) -> tuple[pd.DataFrame, pd.DataFrame]:
    summary, rates = [], []
    for kpi_id, c in a.comparisons.items():
        row: dict[str, Any] = {
            "kpi": kpi_id,
            "available": c.available,
            "reason": c.reason,
            "year": c.year,
            "force": c.force,
            "codes": " ".join(c.codes),
        }
        nat = c.national
        if nat is not None:
            row.update(
                rate=nat["rate"],
                national_rate=nat["national_rate"],
                national_verdict=nat["verdict"],
            )
        if c.peers is not None:
            p = c.peers
            row.update(
                peer_rate=p.peer_rate,
                peer_verdict=p.verdict,
                peer_p_value=p.test.p_value,
                peer_rank=p.rank,
                peer_of=p.of,
                peers=", ".join(p.peers),
            )
        summary.append(row)
        if c.rates is not None:
            t = c.rates.reset_index()
            t.insert(0, "kpi", kpi_id)
            rates.append(t)
    return pd.DataFrame(summary), (pd.concat(rates, ignore_index=True) if rates else pd.DataFrame())


def _tables(a: Assessment) -> dict[str, pd.DataFrame]:
    results = [a.results[(k, area)] for k in a.registry for area in a.areas]
    kpis = pd.DataFrame([_kpi_row(a, r) for r in results], columns=KPI_COLUMNS)
    spc_t = pd.concat([_spc_frame(r) for r in results], ignore_index=True)
    base = []
    for r in results:
        b = r.baselines.copy()
        b.insert(0, "area", r.area)
        b.insert(0, "kpi", r.kpi.id)
        base.append(b)
    comparisons, rates = _comparison_rows(a)
    peers = (
        a.peers.table.reset_index().rename(columns={"index": "force"})
        if a.peers is not None
        else pd.DataFrame()
    )
    return {
        "kpis": kpis,
        "spc": spc_t,
        "baselines": pd.concat(base, ignore_index=True),
        "comparisons": comparisons,
        "comparison_rates": rates,
        "grades": a.grades,
        "peers": peers,
        "maturity": a.maturity,
    }


def _meta(a: Assessment) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "scrutiny_version": __version__,
        "force": a.force,
        "data_to": a.data_to,
        "start": a.start,
        "rebase": a.rebase,
        "method": a.method.model_dump(),
        "sources": a.sources.model_dump(),
        "districts": a.districts,
        "notes": a.notes,
        "provisional_months": a.provisional_months,
        "inputs": a.inputs,
    }


def _write(a: Assessment, folder: Path, *, tables: bool = True) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for name, df in (a.tables() if tables else {}).items():
            _plain(df).to_parquet(tmp / f"{name}.parquet", index=False)
            df.to_csv(tmp / f"{name}.csv", index=False)
        (tmp / META).write_text(json.dumps(_meta(a), indent=2, default=str), encoding="utf-8")
        with open(tmp / PICKLE, "wb") as fh:
            pickle.dump(a, fh, protocol=pickle.HIGHEST_PROTOCOL)
        old = folder.parent / f".{folder.name}.old-{os.getpid()}"
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding mixed values as text, so Parquet can store them."""
    out = df.copy()
    out.attrs = {}
    for c in out.columns:
        if out[c].dtype == object:
            kinds = {type(v) for v in out[c].dropna()}
            if len(kinds) > 1 or (kinds and not kinds <= {str, bool}):
                out[c] = out[c].map(lambda v: None if v is None else str(v))
    return out


def read(folder: str | Path) -> Assessment:
    """Read an assessment written by :meth:`Assessment.write`.

    Raises
    ------
    FileNotFoundError
        When the folder holds no assessment.
    """
    p = Path(folder) / PICKLE
    with open(p, "rb") as fh:
        a = pickle.load(fh)  # noqa: S301 - our own cache, keyed on the code that wrote it
    if not isinstance(a, Assessment):
        raise TypeError(f"{p} does not hold an assessment")
    return a


# ------------------------------------------------------------------------------ caching


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [path] if path.is_file() else []


def cache_key(
    sources: DataSources, *, data_to: str, method: Method, registry_file: Path, plan_file: Path
) -> str:
    """The sha256 that names a cached assessment: every input's content, and the code.

    Covers the method, ``data_to``, the sources (each file's content, and the listing of
    each folder), the registry and plan files and the ``scrutiny`` package source.
    """
    h = hashlib.sha256()
    doc = {
        "schema": SCHEMA_VERSION,
        "method": method.model_dump(),
        "data_to": data_to,
        "sources": sources.model_dump(),
    }
    h.update(json.dumps(doc, sort_keys=True, default=str).encode())
    paths: list[Path] = [registry_file, plan_file]
    for name, value in sources.model_dump().items():
        if isinstance(value, str) and value and name not in ("force", "financial_year"):
            paths += _files(config.resolve(value))
    for p in paths:
        h.update(str(p).encode() + b"\0")
        h.update((provenance.sha256_file(p) if p.is_file() else "missing").encode() + b"\0")
    h.update(provenance.source_tree_hash().encode())
    return h.hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def get(
    sources: DataSources | None = None,
    *,
    data_to: str,
    method: Method | None = None,
    registry_file: str | Path | None = None,
    plan_file: str | Path | None = None,
) -> Assessment:
    """The assessment for these inputs: read from the cache, or computed once and cached.

    Parallel briefings asking for the same assessment wait for the first to finish it
    (a file lock) and then read it. The data files it read are recorded again through
    :mod:`scrutiny.provenance`, so a briefing's cache and footer name them.

    Parameters
    ----------
    sources
        The force and files (default: the committed Leicestershire data).
    data_to
        Last month reported (``YYYY-MM``).
    method
        The cycle's method settings (default :class:`Method` ()).
    registry_file, plan_file
        The KPI registry and the plan (default ``params/kpis.yaml``, ``params/plan.yaml``).
    """
    sources = sources or DataSources()
    method = method or Method()
    reg_file = config.resolve(registry_file or config.PARAMS_DIR / "kpis.yaml")
    plan_file_p = config.resolve(plan_file or config.PARAMS_DIR / "plan.yaml")
    key = cache_key(
        sources, data_to=data_to, method=method, registry_file=reg_file, plan_file=plan_file_p
    )
    folder = config.CACHE_DIR / "assessment" / key[:20]
    with _locked(config.CACHE_DIR / "assessment" / f"{key[:20]}.lock"):
        if (folder / PICKLE).is_file():
            a = read(folder)
            for rec in a.inputs:
                provenance.record_input(
                    config.resolve(rec["path"]),
                    period=rec.get("period"),
                    synthetic=rec.get("synthetic", False),
                    description=rec.get("description"),
                )
            return a
        with provenance.capture() as records:
            a = assess(
                sources,
                data_to=data_to,
                method=method,
                registry=load_registry(reg_file),
                plan=plan_mod.load_plan(plan_file_p, kpis_path=reg_file),
            )
        a.inputs = [
            {k: getattr(r, k) for k in ("path", "period", "synthetic", "description")}
            for r in records
        ]
        a.write(folder, tables=False)  # the tables are written where it is published
    return a


def for_cycle(
    cycle_file: str | Path,
    sources: DataSources | None = None,
    *,
    defaults: Mapping[str, Any] | None = None,
) -> Assessment:
    """The assessment of a cycle: its ``data_to`` and ``method:`` block, default sources.

    Parameters
    ----------
    cycle_file
        E.g. ``"params/cycles/2022-11.yaml"``.
    sources
        Another force's files (default: those the cycle's ``defaults`` name, else the
        committed data).
    defaults
        Used instead of the cycle's ``defaults`` (one force of a cycle run for many:
        :meth:`scrutiny.analysis.board.Cycle.for_force`).
    """
    from scrutiny.analysis.board import load_cycle

    cycle = load_cycle(config.resolve(cycle_file))
    if sources is None:
        # The cycle's defaults may name another force or other files, as the notebooks get
        # them: the published assessment is then the one its briefings read.
        fields = DataSources.model_fields
        given = cycle.defaults if defaults is None else defaults
        sources = DataSources(**{k: v for k, v in given.items() if k in fields})
    return get(sources, data_to=cycle.data_to, method=cycle.method)


def for_briefing(sources: DataSources, *, data_to: str, cycle_file: str = "") -> Assessment:
    """The cycle's assessment as a briefing asks for it: its sources, ``data_to`` and cycle.

    Parameters
    ----------
    sources
        The force and its files.
    data_to
        Last month reported (``YYYY-MM``).
    cycle_file
        The cycle file whose ``method:`` block sets the SPC window, rebase month and tests
        (empty: the default method).
    """
    return get(sources, data_to=data_to, method=method_of(cycle_file))


def method_of(cycle_file: str | Path | None) -> Method:
    """The ``method:`` block of a cycle file (default settings without one)."""
    if not cycle_file:
        return Method()
    from scrutiny.analysis.board import load_cycle

    return load_cycle(config.resolve(cycle_file)).method


def main(argv: list[str] | None = None) -> int:
    """``python -m scrutiny.analysis.assessment CYCLE_FILE --out DIR``: build and publish.

    Exit codes: 0 written; 1 the assessment failed (the message says why).
    """
    import argparse

    ap = argparse.ArgumentParser(prog="python -m scrutiny.analysis.assessment")
    ap.add_argument("cycle_file")
    ap.add_argument("--out", required=True, help="folder to write the tables to")
    ap.add_argument(
        "--defaults", default=None, help="JSON object used instead of the cycle's defaults"
    )
    args = ap.parse_args(argv)
    try:
        defaults = json.loads(args.defaults) if args.defaults else None
        a = for_cycle(args.cycle_file, defaults=defaults)
        a.write(Path(args.out))
    except Exception as exc:  # reported to the runner as one line
        print(f"assessment failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    # Run as the package's module, not as __main__, so the assessments it reads from and
    # writes to the cache are instances of scrutiny.analysis.assessment.Assessment.
    from scrutiny.analysis import assessment as _module

    raise SystemExit(_module.main())
