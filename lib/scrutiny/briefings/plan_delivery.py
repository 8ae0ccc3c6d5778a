"""Content of the Police and Crime Plan delivery briefing (``notebooks/plan_delivery.ipynb``).

``params/plan.yaml`` maps each Plan theme to KPIs with a baseline and a direction; the
grading rules there turn three evidence signals per KPI into a grade on the HMICFRS
five-point scale (:mod:`scrutiny.analysis.plan`). The signals, the grades and the numbers
behind them are the cycle's assessment (:mod:`scrutiny.analysis.assessment`: its
``grades`` frame, from :func:`scrutiny.analysis.assessment.plan_evidence`), computed once
with the cycle's method and shared with every other page:

* ``variation``: the assessment's SPC reading of the latest month (the same limits, from
  the cycle's rebase month, that every page shows);
* ``change``: the baseline's calendar months in the latest year the data cover against the
  baseline (like for like): counts per month with a rate-ratio test allowing for the
  series' own dispersion, or for a share KPI the difference of two proportions;
* ``assurance``: against the KPI's target, when the registry gives one.

Then the latest-year check (:class:`scrutiny.analysis.plan.LatestYear`): while the latest
12 months are significantly worse than the 12 months before, no KPI is graded better than
adequate. Each KPI's evidence gives both comparisons and says which one set the grade, and
where the earlier year includes lockdown months, says so.

KPIs counted in the synthetic extract, or with too few offences a month to judge, are never
graded (the assessment says why).
Movement since the last board compares the grades of the assessment at the previous
cycle's ``data_to`` (same method) with this cycle's (:func:`scrutiny.analysis.plan.movement`).
:func:`collect` fetches an assessment; everything else is pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

import pandas as pd

from scrutiny import config
from scrutiny.analysis import assessment, narrative
from scrutiny.analysis import plan as plan_mod
from scrutiny.analysis import registers as reg
from scrutiny.analysis.assessment import Assessment, KpiResult
from scrutiny.analysis.board import load_cycle
from scrutiny.analysis.kpis import Kpi
from scrutiny.analysis.plan import NOT_GRADED
from scrutiny.briefings import common, performance
from scrutiny.data import DataSources
from scrutiny.present.charts import Chart

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


def collect(
    sources: DataSources, *, data_to: str, cycle_file: str = "", plan_file: str = ""
) -> Assessment:
    """The assessment at ``data_to`` with the cycle's method (computed once, then cached).

    Called with this cycle's ``data_to`` for the grades, and with the previous cycle's
    for the movement: the same method both times, so only the data differ.

    Parameters
    ----------
    sources
        The force and its files.
    data_to
        Last month of data (``YYYY-MM``).
    cycle_file
        The cycle file whose ``method:`` block sets the SPC window and rebase month
        (empty: the default method).
    plan_file
        The plan (empty: ``params/plan.yaml``).
    """
    return assessment.get(
        sources,
        data_to=data_to,
        method=assessment.method_of(cycle_file),
        plan_file=plan_file or None,
    )


def area_grades(report: Assessment, area: str = "") -> pd.DataFrame:
    """The assessment's plan grades for one area (empty: the force), in plan order.

    Columns as :attr:`Assessment.grades` without ``area``.

    Raises
    ------
    ValueError
        When ``area`` is neither the force nor one of its districts.
    """
    where = area or report.force
    if where not in report.areas:
        raise ValueError(
            f"parameter 'area': '{area}' is not {report.force} or one of its districts "
            f"(expected empty for the force, or one of {', '.join(report.districts)})"
        )
    g = report.grades
    return g[g["area"] == where].drop(columns="area").reset_index(drop=True)


def synthetic_flags(grades: pd.DataFrame) -> dict[str, bool]:
    """KPI id -> True when the assessment counted it in the synthetic extract."""
    return {str(k): bool(s) for k, s in zip(grades["kpi"], grades["synthetic"], strict=True)}


# -------------------------------------------------------------------------- display


def grade_badge(grade: str) -> str:
    """The grade as text in a tinted box (HTML), readable without colour."""
    bg, fg = GRADE_STYLE.get(grade, GRADE_STYLE[NOT_GRADED])
    return (
        f'<span class="grade" style="background:{bg};color:{fg};border:1px solid {fg};'
        f'padding:0.1em 0.45em;font-weight:700;white-space:nowrap">{escape(grade.capitalize())}'
        "</span>"
    )


def _name(registry: Mapping[str, Kpi], kpi: str, synthetic: Mapping[str, bool]) -> str:
    name = registry[kpi].name
    return f"{name} (synthetic)" if synthetic.get(kpi) else name


def grades_display(grades: pd.DataFrame, registry: Mapping[str, Kpi]) -> pd.DataFrame:
    """Theme, KPI name, grade (badge HTML) and reason: pass ``raw_html_columns=("Grade",)``.

    ``grades`` is :func:`area_grades`; KPIs counted in the synthetic extract are named
    "(synthetic)" and show the assessment's reason for not grading them.
    """
    synthetic = synthetic_flags(grades)
    return pd.DataFrame(
        {
            "Theme": grades["theme"],
            "KPI": [_name(registry, k, synthetic) for k in grades["kpi"]],
            "Grade": [grade_badge(g) for g in grades["grade"]],
            "Reason": grades["reason"],
        }
    )


def movement_display(
    moves: pd.DataFrame,
    registry: Mapping[str, Kpi],
    synthetic: Mapping[str, bool],
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


def grade_counts(grades: pd.DataFrame) -> pd.DataFrame:
    """KPIs per theme and grade (columns in scale order, then not graded)."""
    order = [*plan_mod.GRADES, NOT_GRADED]
    counts = pd.crosstab(grades["theme"], grades["grade"]).reindex(columns=order, fill_value=0)
    counts = counts.reindex(list(dict.fromkeys(grades["theme"])))
    counts.columns = [c.capitalize() for c in counts.columns]
    counts.index.name = "Theme"
    return counts.reset_index()


def key_findings(
    current: pd.DataFrame,
    moves: pd.DataFrame,
    registry: Mapping[str, Kpi],
    *,
    previous_label: str,
    current_label: str,
) -> list[str]:
    """Findings from the grades and their movement, worst news first.

    KPIs the latest-year check held down (``capped``) are named in a finding of their
    own: their baseline comparison alone would grade them better. ``current`` is
    :func:`area_grades`. KPIs counted in the synthetic extract are never
    graded, so never a finding; the first sentence says how many there are.
    """
    synthetic = synthetic_flags(current)

    def name(k: str) -> str:
        return _name(registry, k, synthetic)

    graded = current[current["grade"] != NOT_GRADED]
    n = len(graded)
    out = []
    by = graded["grade"].value_counts()
    parts = [f"{by[g]} {g}" for g in plan_mod.GRADES if by.get(g, 0)]
    not_graded = current[current["grade"] == NOT_GRADED]
    why = [f"{k} {text}" for text, k in not_graded_reasons(not_graded).items()]
    out.append(
        f"{n} of the {len(current)} KPIs under the Plan's themes are graded, with the data to "
        f"{current_label}: {narrative_join(parts)}"
        + (
            f"; {len(not_graded)} {'is' if len(not_graded) == 1 else 'are'} not graded "
            f"({'; '.join(why)})."
            if len(not_graded)
            else "."
        )
    )
    for g in ("inadequate", "requires improvement"):
        rows = graded[graded["grade"] == g]
        if len(rows):
            names = narrative_join([name(k) for k in rows["kpi"]])
            out.append(f"{g.capitalize()}: {names}.")
    held_down = graded["capped"] if "capped" in graded else pd.Series(False, index=graded.index)
    capped = graded[held_down.astype("boolean").fillna(False).astype(bool)]
    if len(capped):
        names = narrative_join([name(k) for k in capped["kpi"]])
        held = narrative_join(list(dict.fromkeys(capped["grade"])))
        out.append(
            f"Held at {held} because the latest 12 months are significantly worse than the 12 "
            f"before, though the plan's rules alone would grade them better: {names}."
        )
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


#: How the assessment's reason begins for a KPI of a force the plan is not for.
OTHER_PLAN = assessment.OTHER_PLAN_NOT_GRADED.split("{", 1)[0]


def not_graded_reasons(not_graded: pd.DataFrame) -> dict[str, int]:
    """Why KPIs are not graded, in words, with how many (from the assessment's reasons)."""
    synthetic = not_graded["synthetic"].astype(bool)
    reason = not_graded["reason"].astype(str)
    monitored = ~synthetic & reason.str.startswith("Monitored")
    few = ~synthetic & ~monitored & reason.str.contains("too few to judge", regex=False)
    elsewhere = ~synthetic & ~monitored & ~few & reason.str.startswith(OTHER_PLAN)
    other = ~synthetic & ~monitored & ~few & ~elsewhere
    counts = {
        "counted in the synthetic extract, whose figures are illustrative": int(synthetic.sum()),
        "monitored only": int(monitored.sum()),
        "too few a month to judge": int(few.sum()),
        "under another force's plan": int(elsewhere.sum()),
        "not graded for the reason given in the table": int(other.sum()),
    }
    return {text: k for text, k in counts.items() if k}


def narrative_join(items: list[str]) -> str:
    """``["a", "b", "c"] -> "a, b and c"``; ``[] -> "none"``."""
    return narrative.join_words(items) if items else "none"


def grade_row(grades: pd.DataFrame, theme: str, kpi: str) -> pd.Series:
    """The row of :func:`area_grades` for one KPI under one theme (by title)."""
    return grades[(grades["theme"] == theme) & (grades["kpi"] == kpi)].iloc[0]


def _significant(row: pd.Series, alpha: float) -> bool | None:
    """Whether the plan's change test found a change (None when the row cannot say)."""
    if row["change"] in ("better", "worse"):
        return True
    if row["change"] == "no_significant_change":
        return False
    if pd.notna(row["p_value"]):  # a monitored KPI: no signal, but the test's p-value
        return bool(row["p_value"] < alpha)
    return None


def change_sentence(result: KpiResult, row: pd.Series, *, alpha: float) -> str:
    """The plan's change test in words, from the grade row's numbers (counts first).

    E.g. "Nov 2021 to Oct 2022: 43,386 offences, 3,615.5 a month, 15% above the year to
    October 2021 (3,147.0 a month): a significant increase (p < 0.001)." ``alpha`` is the
    plan's significance level, the one the assessment tested at (used only for a
    monitored KPI, which has no ``change`` signal). A KPI with too few offences a month to
    judge gets the figures without a verdict, as on every page.
    """
    if pd.isna(row["recent_per_month"]):
        why = row["note"] or "the data do not cover it"
        return f"No comparison with {row['baseline']}: {why}."
    pct = row["change_pct"]
    if pd.isna(pct):  # nothing in the baseline: no percentage to give
        size = "against"
    elif round(pct) == 0:
        size = "about the same as"
    else:
        size = f"{narrative.fmt_pct(pct)} {'above' if pct > 0 else 'below'}"
    significant = None if result.too_few else _significant(row, alpha)
    if result.too_few:  # as on every page: no verdict on so few
        verdict = ": too few a month to judge a change"
    elif significant is None:
        verdict = ""
    else:
        up = row["rate_ratio"] > 1
        verdict = (
            f": a significant {'increase' if up else 'decrease'}"
            if significant
            else ": not a significant change"
        )
        if pd.notna(row["p_value"]):
            p = row["p_value"]
            verdict += " (p < 0.001)" if p < 0.001 else f" (p = {p:.2f})"
    now, before = row["recent_per_month"], row["baseline_per_month"]
    if result.measure == "share":
        return (
            f"{row['recent_period']}: {narrative.fmt_num(now)}% "
            f"({narrative.fmt_int(row['recent'])} {narrative.lower_first(result.kpi.name)}), "
            f"{size} {row['baseline']} ({narrative.fmt_num(before)}%){verdict}."
        )
    unit = result.unit if result.measure == "count" else "offences"
    return (
        f"{row['recent_period']}: {narrative.fmt_int(row['recent'])} {unit}, "
        f"{narrative.fmt_num(now)} a month, {size} {row['baseline']} "
        f"({narrative.fmt_num(before)} a month){verdict}."
    )


#: What the plan page says of a KPI counted in the synthetic extract, instead of its figures.
SYNTHETIC_EVIDENCE = (
    "This KPI is counted in the synthetic extract: its figures are illustrative, not the "
    "force's records, so this page neither grades it nor quotes them (the performance "
    "exceptions page shows them, labelled synthetic)."
)


def grades_here(the_plan: plan_mod.Plan, force: str) -> bool:
    """Whether the plan grades this force's KPIs: False when it names another force.

    The same test as the assessment's (:func:`scrutiny.analysis.assessment.other_force_plan`),
    which then grades nothing and says why in its notes.
    """
    return not assessment.other_force_plan(the_plan, force)


def method_paragraph(
    plan_name: str, *, cap: str, now_label: str, before_label: str, graded: bool = True
) -> str:
    """How the page grades, in plain English: the rules, the signals and the latest-year check.

    With ``graded=False`` (the plan is another force's: :func:`grades_here`), that nothing
    on the page is graded, and what the evidence then is.
    """
    if not graded:
        return (
            f"{plan_name}. This plan's rules grade its own force's KPIs only, so no KPI on "
            "this page is graded, now or at the previous board (the note below says why). "
            "Each KPI the plan names is shown with the cycle's assessment of it, the same SPC "
            f"readings every page of this cycle shows, with the data to {now_label} and, "
            f"for comparison, to {before_label}."
        )
    return (
        f"{plan_name}. Each KPI is graded on the HMICFRS five-point scale (outstanding, good, "
        "adequate, requires improvement, inadequate) by the rules in the plan file, from three "
        "signals: statistical process control of the latest month; a test of the baseline's "
        "calendar months in the latest year the data cover against the baseline (like for "
        "like, so seasons match), allowing for the series' own variation; and a target where "
        "one is set. A baseline of a few months can be months old, so the latest 12 months are "
        "also compared with the 12 months before, with the same test: while they are "
        f"significantly worse, no KPI is graded better than {cap}, and each KPI's evidence "
        "says which comparison set its grade. Where the 12 months before include months of "
        "lockdown restrictions, part of a rise may be crime recovering from lockdown; the page "
        "says so where it applies. The signals are the cycle's assessment, the same SPC "
        "readings every page of this cycle shows. Grades are computed with the data to "
        f"{now_label} and, for movement, with the data to {before_label} (the previous board)."
    )


def latest_year_sentences(result: KpiResult, row: pd.Series) -> list[str]:
    """The latest 12 months against the 12 before, and which comparison set the grade.

    The comparison is the assessment's (:meth:`KpiResult.rolling_sentence`), word for word
    what the other pages print. Where the earlier 12 months include months under Covid-19
    restrictions and the change is significant, a sentence says part of it may be recovery
    from lockdown. For a graded KPI a last sentence names what set the grade.
    """
    out = []
    rolling = result.rolling_sentence()
    if rolling:
        out.append(rolling)
    capped = row.get("capped")
    capped = bool(pd.notna(capped) and capped)
    lockdown = row.get("previous_year_lockdown")
    base = result.baselines
    rows = base[base["baseline"] == assessment.BASELINE_LABELS["rolling_12"]]
    verdict = rows["verdict"].iloc[0] if len(rows) else ""
    if isinstance(lockdown, str) and lockdown and verdict.startswith("significant") and not capped:
        # (a capped grade's reason, printed above, already says so)
        move = "rise" if verdict == "significant increase" else "fall"
        out.append(
            f"The 12 months before ({rows['baseline_period'].iloc[0]}) include {lockdown}, "
            f"under Covid-19 restrictions, so part of this {move} may be recovery from "
            "lockdown rather than a change in the force's performance."
        )
    grade = row["grade"]
    if grade not in plan_mod.GRADES:
        return out
    if capped:
        out.append(
            f"The latest 12 months set this grade: they are significantly worse than the 12 "
            f"months before, so it is held at {grade}; the plan's rules alone would give a "
            "better one (the reason above)."
        )
    elif row.get("latest_year") not in plan_mod.SIGNALS["change"]:
        out.append(
            "The plan's rules set this grade (the change from the baseline, the latest "
            "month's SPC reading and any target); the latest 12 months could not be compared "
            "with the 12 before."
        )
    elif row.get("latest_year") == "worse":
        out.append(
            "The plan's rules set this grade (the change from the baseline, the latest "
            "month's SPC reading and any target); the latest 12 months are significantly "
            "worse than the 12 before too, which holds down only a better grade."
        )
    else:
        out.append(
            "The plan's rules set this grade (the change from the baseline, the latest "
            "month's SPC reading and any target); the latest 12 months are not significantly "
            "worse than the 12 before, so they do not lower it."
        )
    return out


def evidence_sentences(result: KpiResult, row: pd.Series, *, alpha: float) -> list[str]:
    """One KPI's evidence: the grade's reason, the SPC sentence, the change on the baseline.

    The SPC sentence is the assessment's (:meth:`KpiResult.spc_sentence`), word for word
    what every other page of the cycle prints; then the latest 12 months against the 12
    before and which comparison set the grade (:func:`latest_year_sentences`). A KPI
    counted in the synthetic extract is not graded, so its evidence is the reason and
    :data:`SYNTHETIC_EVIDENCE` only: no verdict or figure of illustrative data on the page
    that grades the plan.
    """
    if result.synthetic:
        return [str(row["reason"]), SYNTHETIC_EVIDENCE]
    out = [str(row["reason"]), result.spc_sentence(), change_sentence(result, row, alpha=alpha)]
    out += latest_year_sentences(result, row)
    note = result.maturity_note()
    if note:
        out.append(note)
    return out


def evidence_chart(report: Assessment, result: KpiResult) -> Chart | None:
    """The KPI's SPC chart, as the performance briefing draws it; None when synthetic."""
    if result.synthetic:
        return None
    return performance.exception_chart(report, result)


def month_text(month: str) -> str:
    """``"2022-10" -> "October 2022"``."""
    return narrative.month_text(month)


def heading_text(result: KpiResult, grade: str) -> str:
    """Heading for one KPI's evidence: its name and grade in words."""
    tag = " (synthetic)" if result.synthetic else ""
    return f"{result.kpi.name}{tag}: {grade}"


def plan_source(plan_file: str) -> dict[str, str]:
    """A sources-table row for the plan file."""
    return {
        "source": "Police and Crime Plan themes, KPIs and grading rules",
        "location": plan_file,
        "period": "2021-25",
        "data": "Parameters",
    }


def sources_table(report: Assessment, *, plan_file: str) -> pd.DataFrame:
    """The data sources of the page: police.uk, the extract, population, the plan file."""
    years = tuple(range(int(report.start[:4]), int(report.data_to[:4]) + 1))
    return common.sources_table(
        report.crimes_quality,
        report.extract_quality,
        sources=report.sources,
        population_years=years,
        extra=[plan_source(plan_file)],
    )


# -------------------------------------------------------------------------- delivery-plan activity
# The delivery plan's activity (the cycle file's ``registers.delivery``, see
# :mod:`scrutiny.analysis.registers`) beside the KPI evidence, per theme. This page is
# OFFICIAL and may be published, so only open-session activities are read: closed ones are
# dropped by ``registers.select(..., "open")`` before anything else sees them. Whether an
# activity is done, on track, late or at risk comes from ``registers.flags``, the one rule.


@dataclass(frozen=True)
class DeliveryActivity:
    """Open-session delivery-plan activity of this cycle and the previous one."""

    registers: reg.Registers
    flags: pd.DataFrame
    changes: pd.DataFrame
    closed: int
    illustrative: bool
    meeting_date: date
    previous_meeting: date | None


def _previous_cycle_path(path: Path) -> Path | None:
    earlier = sorted(
        f
        for f in path.parent.glob("*.yaml")
        if re.fullmatch(r"\d{4}-\d{2}", f.stem) and f.stem < path.stem
    )
    return earlier[-1] if earlier else None


def delivery_activity(cycle_file: str) -> DeliveryActivity:
    """Read this cycle's delivery plan activity (open session only) and the previous cycle's.

    The previous cycle is the latest ``YYYY-MM.yaml`` before this one in the same folder.
    """
    path = config.resolve(cycle_file)
    cycle = load_cycle(path)
    prev_path = _previous_cycle_path(path)
    prev = load_cycle(prev_path) if prev_path is not None else None
    only = reg.Registers(delivery=cycle.registers.delivery)
    public = reg.select(only, "open")
    before = (
        reg.select(reg.Registers(delivery=prev.registers.delivery), "open")
        if prev is not None
        else None
    )
    return DeliveryActivity(
        registers=public,
        flags=reg.flags(public, as_at=cycle.meeting_date),
        changes=reg.changes(public, before),
        closed=len(only.delivery) - len(public.delivery),
        illustrative=cycle.registers.illustrative,
        meeting_date=cycle.meeting_date,
        previous_meeting=prev.meeting_date if prev is not None else None,
    )


ACTIVITY_ILLUSTRATIVE = (
    "Illustrative activity: the delivery plan entries are modelled on the seed papers (the "
    "delivery plan update and the governance strategy), not the force's real working document."
)


def activity_not_shown(plan_force: str, force: str) -> str:
    """Why a page for another force than the plan's shows no delivery plan activity."""
    return (
        f"The delivery plan activity in the cycle file is the delivery of {plan_force}'s plan, "
        f"so it is not shown for {force}."
    )


def activity_intro(activity: DeliveryActivity) -> str:
    """How progress is judged, and how many closed-session activities are not shown."""
    d = activity.meeting_date
    text = (
        f"Each activity of the delivery plan, judged at the board of {d.day} "
        f"{d.strftime('%B %Y')}: done when complete; late when its milestone has passed and "
        "it is not complete; at risk when the force reports it at risk; otherwise on track."
    )
    if activity.closed:
        n = activity.closed
        text += (
            f" {n} {'activity was' if n == 1 else 'activities were'} taken in closed session "
            f"and {'is' if n == 1 else 'are'} not shown on this page."
        )
    return text


def activity_sentence(activity: DeliveryActivity, theme_id: str) -> str:
    """``"3 activities: 1 done, 1 on track, 1 late and none at risk."`` for one theme."""
    ids = {a.id for a in activity.registers.delivery if a.theme == theme_id}
    part = activity.flags[activity.flags["id"].isin(ids)]
    if part.empty:
        return "No open-session delivery plan activity is recorded for this theme."
    counts = [
        (int((part["progress"] == w).sum()), w) for w in ("done", "on track", "late", "at risk")
    ]
    words = [f"{n} {w}" if n else f"none {w}" for n, w in counts]
    n = len(part)
    return f"{n} {'activity' if n == 1 else 'activities'}: {', '.join(words[:-1])} and {words[-1]}."


def theme_kpi_sentence(grades: pd.DataFrame, theme_title: str) -> str:
    """The theme's KPI evidence in one line: how many KPIs at each grade (from the grades)."""
    part = grades[grades["theme"] == theme_title]
    if part.empty:
        return "No KPI evidence is graded for this theme."
    order = [*plan_mod.GRADES, NOT_GRADED]
    counts = part["grade"].value_counts()
    words = [f"{int(counts[g])} {g}" for g in order if g in counts.index]
    n = len(part)
    return f"KPI evidence ({n} KPI{'' if n == 1 else 's'}, graded above): {', '.join(words)}."


def activity_table(activity: DeliveryActivity, theme_id: str) -> pd.DataFrame:
    """One theme's activities: use ``raw_html_columns=("Progress",)``."""
    flags = {str(r["id"]): r for _, r in activity.flags.iterrows()}
    rows = []
    for a in activity.registers.delivery:
        if a.theme != theme_id:
            continue
        f = flags[a.id]
        progress = escape(str(f["progress"]).capitalize())
        if f["progress"] in ("late", "at risk"):
            progress = f'<strong class="flag">{progress}</strong>: {escape(str(f["flag"]))}'
        rows.append(
            {
                "ID": a.id,
                "Ambition": a.ambition,
                "Activity": a.activity,
                "Owner": a.owner,
                "Milestone": f"{a.milestone.day} {a.milestone.strftime('%B %Y')}",
                "Progress": progress,
                "Linked KPIs": ", ".join(a.kpis) or "–",
                "Evidence": a.evidence or "–",
            }
        )
    cols = [
        "ID",
        "Ambition",
        "Activity",
        "Owner",
        "Milestone",
        "Progress",
        "Linked KPIs",
        "Evidence",
    ]
    return pd.DataFrame(rows, columns=cols)


def show_activity_table(activity: DeliveryActivity, theme_id: str, theme_title: str) -> None:
    """Display :func:`activity_table` for one theme; nothing when the theme has none."""
    from scrutiny.present.tables import show_table

    table = activity_table(activity, theme_id)
    if not table.empty:
        show_table(
            table,
            caption=f"Delivery plan activity: {theme_title}",
            raw_html_columns=("Progress",),
        )


def activity_changes_table(activity: DeliveryActivity) -> pd.DataFrame:
    """Delivery-plan activity that changed since the last board, in words."""
    c = activity.changes
    return pd.DataFrame(
        {
            "ID": c["id"],
            "Activity": c["title"],
            "Change": [s[:1].upper() + s[1:] for s in c["change"]],
        },
        columns=["ID", "Activity", "Change"],
    )
