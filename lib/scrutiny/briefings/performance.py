"""Content of the performance-exceptions briefing (``notebooks/performance_exceptions.ipynb``).

Every KPI in the registry (``params/kpis.yaml``) for the force and each of its districts:
the latest month, its SPC variation and assurance icons, the change against the standard
baselines (counts beside every percentage) and, for the force, the comparison with the
national rate and the peer forces in the Home Office force-level table (2017/18, the only
force-level year held). All of it is the cycle's assessment
(:mod:`scrutiny.analysis.assessment`), computed once and shared with every other briefing;
:func:`collect` fetches it, and the other functions turn it into the sentences, tables
and charts the notebook shows:

* :func:`exceptions`: KPIs whose latest month is a special-cause concern or whose target
  will consistently be missed, force first, each with :func:`exception_chart`,
  :func:`exception_paragraphs` and :func:`baselines_table`;
* :func:`summary_table` (force) and :func:`district_matrix` (every area): all KPIs with
  their icons;
* :func:`national_measures`: the KPIs grouped by the national Crime and Policing Measures;
* :func:`peer_table`, :func:`sources_table`: the peer group and the data used.

KPIs counted in the force extract are synthetic unless a real extract is given: their rows
say "Synthetic extract" and their charts carry the synthetic note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from scrutiny.analysis import assessment, narrative, questions
from scrutiny.analysis.assessment import Assessment, KpiResult
from scrutiny.analysis.kpis import NATIONAL_MEASURES
from scrutiny.analysis.narrative import join_words, lower_first, month_text
from scrutiny.analysis.peers import HOME_OFFICE_YEAR, PEER_FEATURES
from scrutiny.briefings import common
from scrutiny.present import charts, tables

NOT_AVAILABLE = "not available"
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


# ------------------------------------------------------------------------------ exceptions


#: The cycle's assessment for these sources (computed once for every briefing, then read).
collect = assessment.for_briefing


def exceptions(report: Assessment) -> list[KpiResult]:
    """Exceptions, force first, then districts by KPI (registry order) and district."""
    out = [r for r in report.force_results() if r.is_exception]
    for kpi_id in report.registry:
        out += [
            report.results[(kpi_id, d)]
            for d in report.districts
            if report.results[(kpi_id, d)].is_exception
        ]
    return out


def latest_month(report: Assessment) -> str:
    """The latest month as a Board member reads it: ``"October 2022"``."""
    return month_text(report.data_to)


def _source_line(report: Assessment, result: KpiResult) -> str:
    if result.synthetic:
        what = "synthetic force extract generated from police.uk street-level crime"
    elif result.kpi.uses_extract:
        what = "force extract"
    else:
        what = "police.uk street-level crime"
    return f"Source: {what}, {report.period_label}."


def exception_chart(report: Assessment, result: KpiResult) -> charts.Chart:
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


def exception_paragraphs(report: Assessment, result: KpiResult) -> list[str]:
    """The paragraph(s) under an exception's chart: SPC, baselines, comparison, districts."""
    out = [result.spc_sentence()]
    rolling = result.rolling_sentence()
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
            out.append(f"Districts showing the same exception: {join_words(same)}.")
        else:
            out.append("No district shows this exception on its own.")
        if result.comparison is not None:
            out += result.comparison.sentences()
    else:
        force = report.result(result.kpi.id)
        out.append(
            f"For the force as a whole, {lower_first(result.kpi.name)} shows "
            f"{narrative.spc_status(force.summary)} in {month_text(report.data_to)}."
        )
    if result.synthetic:
        out.append(
            "This KPI is counted in the synthetic extract: the figures are illustrative, "
            "not the force's records."
        )
    return out


def exception_questions(result: KpiResult) -> pd.DataFrame:
    """Questions for the force prompted by one exception (:func:`questions.for_kpi`)."""
    return questions.for_kpi(result)


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


def _available(result: KpiResult) -> pd.DataFrame:
    b = result.baselines
    return b[b["verdict"] != NOT_AVAILABLE]


def baselines_note(result: KpiResult) -> str | None:
    """One sentence naming the baselines that could not be computed and why (None: all were).

    :func:`baselines_table` leaves those rows out, so the table has no empty row.
    """
    b = result.baselines
    gone = b[b["verdict"] == NOT_AVAILABLE]
    if gone.empty:
        return None
    reasons: dict[str, list[str]] = {}
    for _, row in gone.iterrows():
        note = common.month_words(str(row["note"]).strip()) or "no reason was recorded"
        reasons.setdefault(note, []).append(str(row["baseline"]))
    return " ".join(
        f"The {join_words([lower_first(n) for n in names])} baseline"
        f"{'s' if len(names) > 1 else ''} could not be computed: {why}."
        for why, names in reasons.items()
    )


def baselines_table(result: KpiResult) -> pd.DataFrame:
    """The baselines of one result with counts, for the table under its chart.

    Baselines that could not be computed are left out (:func:`baselines_note` says which
    and why).
    """
    b = _available(result)
    table = _baselines_frame(result, b)
    if table["Note"].fillna("").astype(str).str.strip().eq("").all():
        table = table.drop(columns="Note")
    return table


def _baselines_frame(result: KpiResult, b: pd.DataFrame) -> pd.DataFrame:
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


def exceptions_intro(report: Assessment) -> str:
    """How exceptions were chosen and how the limits were calculated."""
    text = (
        "An exception is a KPI whose latest month is a special-cause concern on its SPC chart "
        "(a point beyond the process limits, or a run or trend in the wrong direction), or "
        "whose target the process will consistently miss. "
    )
    if report.rebase is not None:
        text += (
            f"The charts start in {month_text(report.start)}; the mean and limits are recalculated "
            f"from {month_text(report.rebase)}, the first full month after the last lockdown "
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


def has_targets(report: Assessment) -> bool:
    """Whether any KPI in the registry has a target (else there is no assurance icon)."""
    return any(kpi.target is not None for kpi in report.registry.values())


def assurance_note(report: Assessment) -> str | None:
    """Why :func:`summary_table` has no Assurance column (None when it has one)."""
    if has_targets(report):
        return None
    return (
        "No KPI in the registry has a target, so the table has no assurance column (whether "
        "the process will meet its target): the Police and Crime Plan sets none."
    )


def summary_table(report: Assessment) -> pd.DataFrame:
    """Every KPI for the force in one table, icons as HTML (see :data:`ICON_COLUMNS`).

    The Assurance column is left out when no KPI has a target (:func:`assurance_note`).
    """
    targets = has_targets(report)
    rows = []
    for r in report.force_results():
        c = r.comparison
        rows.append(
            {
                "KPI": r.kpi.name,
                "Data": _source_label(r),
                f"{month_text(report.data_to)}": r.latest_text(),
                "Variation": tables.icon_html(r.variation, with_text=False),
                **({"Assurance": tables.icon_html(r.assurance)} if targets else {}),
                "Against the same month last year": r.baseline_text("last_year"),
                "Latest 12 months against the 12 before": r.baseline_text("rolling_12"),
                f"National ({HOME_OFFICE_YEAR})": c.national_short() if c else "–",
                f"Peers ({HOME_OFFICE_YEAR})": c.peer_short() if c else "–",
            }
        )
    return pd.DataFrame(rows)


def district_matrix(report: Assessment, areas: Sequence[str] | None = None) -> pd.DataFrame:
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


def area_groups(report: Assessment, size: int = 5) -> list[list[str]]:
    """The force and its districts in groups of ``size``, so each matrix fits the page."""
    areas = report.areas
    n = max(1, math.ceil(len(areas) / size))
    per = math.ceil(len(areas) / n)
    return [areas[i : i + per] for i in range(0, len(areas), per)]


def icon_key() -> pd.DataFrame:
    """The icons and what they mean, for a key under the tables."""
    codes = [*tables.ICON_STYLE, None]
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
                    "Latest 12 months against the 12 before": r.baseline_text("rolling_12"),
                    f"National ({HOME_OFFICE_YEAR})": (
                        r.comparison.national_short() if r.comparison else "–"
                    ),
                }
                for r in self.results
            ]
        )


def national_measures(report: Assessment) -> list[Measure]:
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
            names = join_words([r.kpi.name for r in results])
            verb = "KPIs serve" if len(results) > 1 else "KPI serves"
            sentence = f"{len(results)} {verb} this measure: {names}."
            if concern:
                sentence += f" Special-cause concern: {join_words(concern)}."
            if improving:
                sentence += f" Special-cause improvement: {join_words(improving)}."
            if not concern and not improving:
                sentence += " None shows special-cause concern or improvement in the latest month."
        out.append(Measure(mid, title, results, sentence))
    return out


# ------------------------------------------------------------------------------ findings


def key_findings(report: Assessment) -> list[str]:
    """The key-findings box, written from the results."""
    month = month_text(report.data_to)
    force = report.force_results()
    n = len(force)
    out = []
    ex = [r for r in force if r.is_exception]
    if ex:
        out.append(
            f"{len(ex)} of {n} KPIs are exceptions for {report.force} in {month}: "
            + "; ".join(f"{lower_first(r.kpi.name)} ({_status_words(r)})" for r in ex)
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
            + "; ".join(f"{lower_first(k)} in {join_words(v)}" for k, v in by_kpi.items())
            + "."
        )
    else:
        out.append("No district shows an exception.")
    better = [lower_first(r.kpi.name) for r in force if r.variation.startswith("improvement")]
    if better:
        out.append(f"Special-cause improvement at force level: {join_words(better)}.")
    rises = []
    falls = []
    for r in force:
        row = r.baselines[r.baselines["baseline"] == assessment.BASELINE_LABELS["rolling_12"]]
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
        failing = [lower_first(r.kpi.name) for r in targets if r.assurance == "consistent_fail"]
        out.append(
            f"Targets will consistently be missed for {join_words(failing)}."
            if failing
            else f"No target of the {len(targets)} set is consistently missed."
        )
    higher = [
        lower_first(r.kpi.name)
        for r in force
        if r.comparison
        and r.comparison.national is not None
        and r.comparison.national["verdict"] == "significantly higher"
    ]
    if higher:
        out.append(
            f"In {HOME_OFFICE_YEAR}, the latest force-level Home Office year held, the force's "
            f"rate was significantly above the national rate for {join_words(higher)}."
        )
    if report.synthetic_kpis:
        out.append(
            f"{len(report.synthetic_kpis)} KPIs are counted in the synthetic extract and are "
            "illustrative only: "
            + join_words([lower_first(k.name) for k in report.synthetic_kpis])
            + "."
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
            f"{lower_first(r.kpi.name)} {narrative.fmt_num(row['current_share'])}% v "
            f"{narrative.fmt_num(row['baseline_share'])}%"
        )
    return (
        f"{lower_first(r.kpi.name)} {row['pct_change']:+.0f}%, "
        f"{narrative.fmt_value(row['current_count'])} v "
        f"{narrative.fmt_value(row['baseline_count'])}"
    )


# ------------------------------------------------------------------------------ sources


def about(report: Assessment) -> str:
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


def glance_intro(report: Assessment) -> str:
    """The "all KPIs at a glance" paragraph: what each column is and how it is tested.

    The test named is the one the cycle's method used (``method.overdispersion``), so the
    page never calls a verdict "exact" when it allows for over-dispersion, or the reverse.
    """
    if report.method.overdispersion == "none":
        test = "the verdict is an exact Poisson test"
    else:
        test = (
            "the verdict allows for the series' own month-to-month variation (a quasi-Poisson "
            "test), so it agrees with the SPC icon beside it"
        )
    return (
        "Every KPI in the registry for the force: the latest month, the SPC icons, the change "
        "against the same month last year and over the latest 12 months (counts beside every "
        f"percentage; {test}), and the force's rate against the national rate and its peers "
        "in the Home Office force-level table."
    )


def comparisons_method(report: Assessment) -> str:
    """How the national and peer comparisons were made, as the cycle's method made them."""
    head = (
        f"National and peer comparisons use Home Office police recorded crime for "
        f"{HOME_OFFICE_YEAR}, the only force-level year held, with 2011 Census population: "
        "they describe the force then, not now. The national rate pools England's territorial "
        "forces. "
    )
    how = report.method.overdispersion
    if how == "none":
        return head + (
            "A force is significantly higher or lower when the national rate lies outside its "
            "95% confidence interval (exact Poisson); forces differ by far more than chance, "
            "so almost every force is."
        )
    name = "additive (random-effects)" if how == "additive" else "multiplicative"
    return head + (
        "Forces differ from each other by far more than chance, so a force is called "
        "significantly higher or lower only when it lies outside limits that allow for that "
        f"variation (Spiegelhalter's {name} over-dispersion adjustment, the cycle's method); "
        "the comparison with the peers' combined rate is scaled by the same over-dispersion."
    )


def peer_table(report: Assessment) -> pd.DataFrame:
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


def sources_table(report: Assessment) -> pd.DataFrame:
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
