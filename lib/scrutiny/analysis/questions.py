"""Questions for the force, generated from the evidence: ONE function for every page.

The Board's papers put questions to the force ("What specifically has been done to ...?
What analysis has been undertaken to ...?"). :func:`questions` asks one only when the data
show what it is about, and says what prompted it; every input is optional. The deep dive
passes everything it found (:func:`scrutiny.analysis.topics` evidence); the performance
exceptions and the restricted Panel summary pass one KPI result of the cycle's assessment
through :func:`for_kpi`. Both are pure: frames and results in, a frame of questions out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from scrutiny.analysis.narrative import (
    assurance_sentence,
    fmt_int,
    fmt_num,
    fmt_value,
    join_words,
    lower_first,
    month_label,
    spc_pattern,
)
from scrutiny.stats import trends

if TYPE_CHECKING:
    from scrutiny.analysis.assessment import KpiResult
    from scrutiny.analysis.peers import Comparison
    from scrutiny.analysis.topics import ChargedShare
    from scrutiny.stats.concentration import Concentration
    from scrutiny.stats.spc import SpcSummary

__all__ = [
    "COLUMNS",
    "CONCENTRATION_QUESTION",
    "NO_SUSPECT_QUESTION",
    "UNABLE_QUESTION",
    "for_kpi",
    "questions",
]

#: Columns of every questions frame.
COLUMNS = ["Question", "What the data show"]
#: Concentration at or above this share of offences in the top 10% of LSOAs prompts a question.
CONCENTRATION_QUESTION = 30.0
#: Shares of outcomes at or above which a question is asked.
NO_SUSPECT_QUESTION = 40.0
UNABLE_QUESTION = 30.0


def _q(question: str, evidence: str) -> dict[str, str]:
    return {"Question": question, "What the data show": evidence}


def questions(
    name: str,
    where: str,
    *,
    summary: SpcSummary | None = None,
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
    outcome_period: str = "the latest 12 months",
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
        SPC summary and baselines of the monthly series (the assessment's, or
        :func:`analyse_topic`'s).
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
        :func:`~scrutiny.stats.concentration.concentration` output.
    outcomes
        :func:`outcome_groups` output for the crimes of ``outcome_period``.
    charged
        :func:`charged_share` of ``outcome_period`` against the 12 months before.
    comparison
        The force against the national rate and its peers (2017/18).
    synthetic
        The figures come from the synthetic extract.
    unit
        Word for the counts (``"offences"``, ``"incidents"``).
    outcome_period
        The months whose crimes' outcomes are described (the latest 12, or the 12 before
        the months whose outcomes are still provisional).

    Returns
    -------
    DataFrame
        ``Question, What the data show``.
    """
    what = lower_first(name)
    out: list[dict[str, str]] = []
    if summary is not None:
        since = month_label(summary.segment_start)
        pattern = spc_pattern(summary)
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
                    f"{fmt_int(row['current_count'])} in {row['current_period']} "
                    f"against {fmt_int(row['baseline_count'])} in "
                    f"{row['baseline_period']} ({row['pct_change']:+.0f}%), a significant "
                    "increase.",
                )
            )
    if concentration_result is not None and concentration_result.total > 0:
        c = concentration_result
        if c.share >= CONCENTRATION_QUESTION and c.beyond_chance:
            names = join_words([str(i) for i in c.top.index[:3]])
            out.append(
                _q(
                    f"What problem-solving and partnership work is in place in the "
                    f"{c.n_top} neighbourhoods that account for "
                    f"{fmt_num(c.share, 0)}% of {what} {where}, and what works "
                    "there?",
                    f"The busiest {c.top_share * 100:g}% of LSOAs hold "
                    f"{fmt_int(c.top_total)} of {fmt_int(c.total)} "
                    f"{unit} (a random spread would give about "
                    f"{fmt_num(c.random_share, 0)}%); the busiest are {names}.",
                )
            )
    if districts is not None and not districts.empty:
        high = districts[districts["verdict"] == "significantly higher"]
        if area is not None:
            high = high[high.index == area]
        if not high.empty:
            names = join_words([str(i) for i in high.index])
            rates = "; ".join(f"{d} {fmt_num(r['rate'], 2)} per 1,000" for d, r in high.iterrows())
            force_rate = fmt_num(float(districts["national_rate"].iloc[0]), 2)
            out.append(
                _q(
                    f"Why is the rate of {what} in {names} significantly higher than across "
                    "the force, and are resources deployed accordingly?",
                    f"Rates in the latest 12 months: {rates}, against {force_rate} per 1,000 "
                    "for the force's districts together"
                    + (
                        ", allowing for the usual variation between districts."
                        if "adjusted" in high.columns and bool(high["adjusted"].any())
                        else "."
                    ),
                )
            )
    if outcomes is not None and not outcomes.empty:
        share = outcomes.set_index("group")["share"]
        if share.get("No suspect identified", 0) >= NO_SUSPECT_QUESTION:
            out.append(
                _q(
                    "What investigative opportunities are reviewed before a case is closed "
                    "with no suspect identified?",
                    f"{fmt_num(share['No suspect identified'], 0)}% of {what} "
                    f"{where} recorded in {outcome_period} closed with no suspect identified.",
                )
            )
        if share.get("Unable to prosecute suspect", 0) >= UNABLE_QUESTION:
            out.append(
                _q(
                    "What is being done to support victims to stay with the process where a "
                    "suspect is identified but cannot be prosecuted?",
                    f"{fmt_num(share['Unable to prosecute suspect'], 0)}% of "
                    f"{what} {where} recorded in {outcome_period} ended 'unable to prosecute "
                    "suspect' (often the victim "
                    "does not support action, or evidence is lacking).",
                )
            )
    if charged is not None and charged.now_total > 0:
        evidence = (
            f"{fmt_num(charged.share)}% of those recorded in {outcome_period} charged or "
            f"summonsed ({fmt_int(charged.now)} of {fmt_int(charged.now_total)})"
        )
        if charged.verdict != "not available":
            evidence += (
                f", against {fmt_num(charged.before_share)}% in the 12 months "
                f"before ({fmt_int(charged.before)} of "
                f"{fmt_int(charged.before_total)}): "
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
                f"The forecast is about {fmt_int(forecast_total)} {unit} in the "
                f"next 12 months, against {fmt_int(last_12_total)} in the latest 12.",
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
                    f"{what}" + (f", such as {join_words(lower)}?" if lower else "?"),
                    f"In {comparison.year}, the latest force-level year held, the force's rate "
                    f"({fmt_num(p.rate, 2)} per 1,000) was significantly higher than "
                    f"its peers' ({fmt_num(p.peer_rate, 2)}).",
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
    return pd.DataFrame(out, columns=COLUMNS)


def for_kpi(result: KpiResult) -> pd.DataFrame:
    """Questions for one KPI in one area, from the cycle's assessment.

    The evidence is what the assessment holds for the result: its SPC summary (none when
    there are too few to judge), its baselines of counts (a share's baselines compare
    proportions and prompt no question about an increase in offences), the national and
    peer comparison (the force only), whether a target will consistently be missed, and
    whether it is counted in the synthetic extract.

    Parameters
    ----------
    result
        One :class:`~scrutiny.analysis.assessment.KpiResult`.

    Returns
    -------
    DataFrame
        ``Question, What the data show`` (empty when nothing prompts a question).
    """
    out = questions(
        result.kpi.name,
        result.where,
        summary=None if result.too_few else result.summary,
        baselines=result.baselines if result.measure == "count" else None,
        comparison=result.comparison,
        synthetic=result.synthetic,
        unit=result.unit,
    )
    target = result.kpi.target
    if result.assurance == "consistent_fail" and target is not None:
        what = lower_first(result.kpi.name)
        row = _q(
            f"What will change so that {what} {result.where} meets its target, and by when?",
            f"The process limits lie wholly on the wrong side of the target of "
            f"{fmt_value(target.value)}: "
            + lower_first(assurance_sentence(what, result.assurance, target.value)),
        )
        out = pd.concat([out, pd.DataFrame([row], columns=COLUMNS)], ignore_index=True)
    return out
