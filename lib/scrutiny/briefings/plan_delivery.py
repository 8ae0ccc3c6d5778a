"""Content of the Police and Crime Plan delivery briefing (``notebooks/plan_delivery.ipynb``).

``params/plan.yaml`` maps each Plan theme to KPIs with a baseline and a direction; the
grading rules there turn three evidence signals per KPI into a grade on the HMICFRS
five-point scale (:mod:`scrutiny.analysis.plan`). This module computes that evidence for the KPIs:

* ``variation``: the SPC type of the latest month (:func:`scrutiny.stats.spc.xmr` on the
  monthly count, or the monthly share for share KPIs), in the KPI's improvement direction;
* ``change``: the exact Poisson rate-ratio test (:func:`scrutiny.stats.compare.rate_ratio_test`)
  of the latest 12 months against the KPI's baseline, counts per month (for share KPIs,
  per crime of the denominator);
* ``assurance``: against the KPI's target, when the registry gives one.

Grades are computed twice, with the data as they stood at the previous cycle's
``data_to`` and now, so the briefing can show how each grade moved. :func:`load_series`
reads the data once; everything else is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from scrutiny.analysis import narrative
from scrutiny.analysis import plan as plan_mod
from scrutiny.analysis.kpis import Kpi, kpi_series
from scrutiny.analysis.plan import NOT_GRADED, Period, Plan, PlanKpi
from scrutiny.data import DataSources
from scrutiny.present import charts
from scrutiny.present.charts import Chart
from scrutiny.stats import compare, spc

#: Grade -> (background, text colour). Dark text on light fills, every pair above 7:1
#: contrast; the grade is always written out, so colour is never the only cue.
GRADE_STYLE: dict[str, tuple[str, str]] = {
    "outstanding": ("#CCE3F3", "#00365C"),
    "good": ("#D4EFE3", "#00472F"),
    "adequate": ("#EDEDED", "#1A1A1A"),
    "requires improvement": ("#FBE3C4", "#5C3100"),
    "inadequate": ("#F8D3C6", "#6E1E00"),
    NOT_GRADED: ("#FFFFFF", "#1A1A1A"),
}
MOVE_TEXT = {
    "up": "Improved",
    "down": "Declined",
    "same": "No change",
    "new": "Newly graded",
    "not graded": "No longer graded",
}
SOURCE_REAL = "Source: data.police.uk street-level crime (real)."
SOURCE_EXTRACT = "Source: force extract."


def value_column(kpi: Kpi) -> str:
    """``"rate"`` (a percentage) for share KPIs, else ``"count"``."""
    return "rate" if kpi.denominator.kind == "kpi" else "count"


def load_series(
    plan: Plan, registry: dict[str, Kpi], sources: DataSources, *, area: str, data_to: str
) -> dict[str, pd.DataFrame]:
    """The monthly series of every KPI in the plan, for ``area``, up to ``data_to``."""
    return {
        k: kpi_series(registry[k], area=area, end=data_to, sources=sources, registry=registry)
        for k in plan.kpi_ids()
    }


def _window(series: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    lo, hi = pd.Timestamp(f"{start}-01"), pd.Timestamp(f"{end}-01")
    return series[(series["month"] >= lo) & (series["month"] <= hi)]


@dataclass
class KpiEvidence:
    """One KPI's evidence as at a month."""

    kpi: Kpi
    plan_kpi: PlanKpi
    baseline: Period
    result: pd.DataFrame
    test: compare.RateRatio | None
    row: dict[str, object]


def kpi_evidence(
    kpi: Kpi,
    plan_kpi: PlanKpi,
    series: pd.DataFrame,
    *,
    end: str,
    baseline: Period,
    recent_months: int = 12,
    alpha: float = 0.05,
) -> KpiEvidence:
    """Evidence signals for one KPI, using the months of ``series`` up to ``end``.

    Parameters
    ----------
    kpi, plan_kpi
        The registry entry and the plan's entry (direction, baseline).
    series
        :func:`scrutiny.analysis.kpis.kpi_series` output (months with no data are left out of SPC).
    end
        The last month (``YYYY-MM``) the evidence may use.
    baseline
        The period the latest ``recent_months`` are compared with.

    Returns
    -------
    KpiEvidence
        ``row`` holds ``kpi``, ``variation``, ``change``, ``assurance`` (the signals, None
        when not computable or for a monitored KPI's change) and, for display, ``latest``,
        ``latest_month``, ``recent``, ``recent_per_month``, ``baseline_per_month``,
        ``change_pct``, ``rate_ratio``, ``p_value``, ``variation_icon``.
    """
    col = value_column(kpi)
    s = series[series["month"] <= pd.Timestamp(f"{end}-01")]
    values = s[col].astype(float).where(~s["missing"].astype(bool))
    target = None
    if kpi.target is not None and (kpi.target.measure == "count") == (col == "count"):
        target = kpi.target.value
    result = spc.xmr(values.to_numpy(), s["month"], improvement=plan_kpi.improvement, target=target)
    summary = spc.summarise(result)
    variation = summary.latest_point_type if summary.latest_point_type != "no_data" else None
    end_p = pd.Period(end, "M")
    r_start = (end_p - (recent_months - 1)).strftime("%Y-%m")
    recent = _window(s, r_start, end)
    base = _window(s, baseline.start, baseline.end)
    test = None
    change = None
    row: dict[str, object] = {
        "kpi": kpi.id,
        "latest": summary.latest_value,
        "latest_month": summary.latest_date,
        "variation_icon": spc.variation_icon(result),
        "recent": float(recent["count"].sum()),
        "recent_per_month": np.nan,
        "baseline_per_month": np.nan,
        "change_pct": np.nan,
        "rate_ratio": np.nan,
        "p_value": np.nan,
    }
    complete = len(recent) == recent_months and len(base) == baseline.months
    if complete and not recent["missing"].any() and not base["missing"].any():
        if col == "rate":  # a share: per crime of the denominator
            e1, e2 = float(recent["denominator"].sum()), float(base["denominator"].sum())
            scale = float(kpi.denominator.per)
        else:  # counts per month
            e1, e2, scale = float(len(recent)), float(len(base)), 1.0
        c1, c2 = float(recent["count"].sum()), float(base["count"].sum())
        if e1 > 0 and e2 > 0:
            test = compare.rate_ratio_test(c1, e1, c2, e2, alpha=alpha)
            before = c2 / e2 * scale
            row.update(
                recent_per_month=c1 / e1 * scale,
                baseline_per_month=before,
                change_pct=(c1 / e1 * scale - before) / before * 100 if before else np.nan,
                rate_ratio=test.rate_ratio,
                p_value=test.p_value,
            )
            if plan_kpi.improvement != "neutral":
                if not test.significant:
                    change = "no_significant_change"
                else:
                    lower_better = plan_kpi.improvement == "decrease"
                    change = "better" if (test.rate_ratio < 1) == lower_better else "worse"
    row["variation"] = variation
    row["change"] = change
    row["assurance"] = plan_mod.ASSURANCE_FROM_SPC[spc.assurance_icon(result)]
    return KpiEvidence(kpi, plan_kpi, baseline, result, test, row)


def evidence(
    plan: Plan,
    registry: dict[str, Kpi],
    series: dict[str, pd.DataFrame],
    *,
    end: str,
) -> dict[str, KpiEvidence]:
    """:func:`kpi_evidence` for every KPI of the plan, as at ``end``."""
    out = {}
    for theme in plan.themes:
        for pk in theme.kpis:
            if pk.kpi in out:
                continue
            out[pk.kpi] = kpi_evidence(
                registry[pk.kpi],
                pk,
                series[pk.kpi],
                end=end,
                baseline=plan.baseline_for(pk),
                recent_months=plan.evidence.recent_months,
                alpha=plan.evidence.alpha,
            )
    return out


def evidence_frame(ev: dict[str, KpiEvidence]) -> pd.DataFrame:
    """One row per KPI: the signals and the numbers behind them."""
    return pd.DataFrame([e.row for e in ev.values()])


def grades(plan: Plan, ev: dict[str, KpiEvidence]) -> pd.DataFrame:
    """:func:`scrutiny.analysis.plan.grade_table` on the evidence (signals only)."""
    frame = evidence_frame(ev)[["kpi", "variation", "change", "assurance"]]
    return plan_mod.grade_table(frame, plan)


# -------------------------------------------------------------------------- display


def grade_badge(grade: str) -> str:
    """The grade as text in a tinted box (HTML), readable without colour."""
    bg, fg = GRADE_STYLE.get(grade, GRADE_STYLE[NOT_GRADED])
    return (
        f'<span class="grade" style="background:{bg};color:{fg};border:1px solid {fg};'
        f'padding:0.1em 0.45em;font-weight:700;white-space:nowrap">{escape(grade.capitalize())}'
        "</span>"
    )


def _name(registry: dict[str, Kpi], kpi: str, synthetic: dict[str, bool]) -> str:
    name = registry[kpi].name
    return f"{name} (synthetic)" if synthetic.get(kpi) else name


def synthetic_flags(registry: dict[str, Kpi], series: dict[str, pd.DataFrame]) -> dict[str, bool]:
    """KPI id -> True when its series comes from the synthetic extract."""
    return {k: bool(s["synthetic"].any()) for k, s in series.items() if k in registry}


def grades_display(
    table: pd.DataFrame, registry: dict[str, Kpi], synthetic: dict[str, bool]
) -> pd.DataFrame:
    """Theme, KPI name, grade (badge HTML) and reason: pass ``raw_html_columns=("Grade",)``."""
    return pd.DataFrame(
        {
            "Theme": table["theme"],
            "KPI": [_name(registry, k, synthetic) for k in table["kpi"]],
            "Grade": [grade_badge(g) for g in table["grade"]],
            "Reason": table["reason"],
        }
    )


def movement_display(
    moves: pd.DataFrame,
    registry: dict[str, Kpi],
    synthetic: dict[str, bool],
    *,
    previous_label: str,
    current_label: str,
) -> pd.DataFrame:
    """Theme, KPI, the two grades (badges), the movement in words."""
    return pd.DataFrame(
        {
            "Theme": moves["theme"],
            "KPI": [_name(registry, k, synthetic) for k in moves["kpi"]],
            f"Grade, data to {previous_label}": [grade_badge(g) for g in moves["previous"]],
            f"Grade, data to {current_label}": [grade_badge(g) for g in moves["current"]],
            "Movement": [MOVE_TEXT[m] for m in moves["movement"]],
            "In words": [s[:1].upper() + s[1:] for s in moves["sentence"]],
        }
    )


def grade_counts(table: pd.DataFrame) -> pd.DataFrame:
    """KPIs per theme and grade (columns in scale order, then not graded)."""
    order = [*plan_mod.GRADES, NOT_GRADED]
    counts = pd.crosstab(table["theme"], table["grade"]).reindex(columns=order, fill_value=0)
    counts = counts.reindex(list(dict.fromkeys(table["theme"])))
    counts.columns = [c.capitalize() for c in counts.columns]
    counts.index.name = "Theme"
    return counts.reset_index()


def key_findings(
    current: pd.DataFrame,
    moves: pd.DataFrame,
    registry: dict[str, Kpi],
    *,
    previous_label: str,
    current_label: str,
    synthetic: dict[str, bool] | None = None,
) -> list[str]:
    """Findings from the grades and their movement, worst news first.

    KPIs counted in the synthetic extract are named with "(synthetic)".
    """
    syn = synthetic or {}

    def name(k: str) -> str:
        return _name(registry, k, syn)

    graded = current[current["grade"] != NOT_GRADED]
    n = len(graded)
    out = []
    by = graded["grade"].value_counts()
    parts = [f"{by[g]} {g}" for g in plan_mod.GRADES if by.get(g, 0)]
    out.append(
        f"{n} of the {len(current)} KPIs under the Plan's themes are graded, with the data to "
        f"{current_label}: {narrative_join(parts)}; {len(current) - n} are monitored, not graded."
    )
    for g in ("inadequate", "requires improvement"):
        rows = graded[graded["grade"] == g]
        if len(rows):
            names = narrative_join([name(k) for k in rows["kpi"]])
            out.append(f"{g.capitalize()}: {names}.")
    down = moves[moves["movement"] == "down"]
    up = moves[moves["movement"] == "up"]
    if len(down) or len(up):
        bits = []
        if len(up):
            bits.append(
                "improved: "
                + narrative_join(
                    [f"{name(k)}: {s}" for k, s in zip(up["kpi"], up["sentence"], strict=True)]
                )
            )
        if len(down):
            bits.append(
                "declined: "
                + narrative_join(
                    [f"{name(k)}: {s}" for k, s in zip(down["kpi"], down["sentence"], strict=True)]
                )
            )
        out.append(f"Since the data to {previous_label}, " + "; ".join(bits) + ".")
    else:
        out.append(f"No grade has moved since the data to {previous_label}.")
    return out


def narrative_join(items: list[str]) -> str:
    """``["a", "b", "c"] -> "a, b and c"``; ``[] -> "none"``."""
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def evidence_sentences(e: KpiEvidence, *, grade: str, reason: str, synthetic: bool) -> list[str]:
    """Plain sentences for one KPI: the grade and why, SPC, and the change on the baseline."""
    tag = " (synthetic)" if synthetic else ""
    name = e.kpi.name + tag
    unit = "per cent" if value_column(e.kpi) == "rate" else "offences"
    out = [reason]
    out.append(narrative.spc_sentence(name, e.result, unit=unit))
    r = e.row
    if e.test is not None:
        per = "offences a month" if value_column(e.kpi) == "count" else "per cent"
        pct = r["change_pct"]
        if pd.isna(pct):  # nothing in the baseline: no percentage to give
            size = "against"
        elif round(pct) == 0:
            size = "about the same as"
        else:
            size = f"{narrative.fmt_pct(pct)} {'above' if pct > 0 else 'below'}"
        verdict = (
            "not a significant change"
            if not e.test.significant
            else ("a significant increase" if e.test.rate_ratio > 1 else "a significant decrease")
        )
        p = "p < 0.001" if e.test.p_value < 0.001 else f"p = {e.test.p_value:.2f}"
        out.append(
            f"The latest 12 months averaged {narrative.fmt_num(r['recent_per_month'], 1)} {per}, "
            f"{size} {e.baseline.label} ({narrative.fmt_num(r['baseline_per_month'], 1)}): "
            f"{verdict} ({p})."
        )
    else:
        out.append(f"No comparison with {e.baseline.label}: the data do not cover it.")
    return out


def evidence_chart(e: KpiEvidence, *, synthetic: bool) -> Chart:
    """The KPI's SPC chart."""
    share = value_column(e.kpi) == "rate"
    return charts.spc_chart(
        e.result,
        f"{e.kpi.name}: {'share each month' if share else 'offences each month'}",
        y_label="Per cent" if share else "Offences per month",
        unit="per cent" if share else "offences",
        source=SOURCE_EXTRACT if synthetic else SOURCE_REAL,
        synthetic=synthetic,
    )


def month_text(month: str) -> str:
    """``"2022-10" -> "October 2022"``."""
    return narrative.month_label(pd.Period(month, "M"))


def heading_text(e: KpiEvidence, grade: str, synthetic: bool) -> str:
    """Heading for one KPI's evidence: its name and grade in words."""
    tag = " (synthetic)" if synthetic else ""
    return f"{e.kpi.name}{tag}: {grade}"


def years(series: dict[str, pd.DataFrame]) -> tuple[int, ...]:
    """Calendar years the series span (for the population source line)."""
    ys: set[int] = set()
    for s in series.values():
        ys |= set(s["month"].dt.year.tolist())
    return tuple(sorted(ys))


def plan_source(plan_file: str) -> dict[str, str]:
    """A sources-table row for the plan file."""
    return {
        "source": "Police and Crime Plan themes, KPIs and grading rules",
        "location": plan_file,
        "period": "2021-25",
        "data": "Parameters",
    }
