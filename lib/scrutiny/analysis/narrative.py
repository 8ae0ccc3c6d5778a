"""Plain-English sentences from statistical results, never claiming more than they show.

Every sentence is chosen from the *verdict* of a test or the SPC rules, not from the size
of a raw difference: a change whose test has p >= 0.05 is described as "no significant
change" however large its percentage, and an SPC chart without a special cause is
"common-cause variation". Percentages always come with the counts they are based on.

The formatting helpers (:func:`fmt_int`, :func:`fmt_num`, :func:`fmt_pct`,
:func:`month_label`) are shared with :mod:`scrutiny.present.charts` for alt text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from scrutiny.stats import spc
from scrutiny.stats.compare import PeerComparison, RateRatio


# ---------------------------------------------------------------- formatting
def fmt_int(value: float) -> str:
    """Whole number with thousands separators: ``1234.4 -> "1,234"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no value"
    return f"{round(value):,}"


def fmt_num(value: float, decimals: int = 1) -> str:
    """Number with separators and fixed decimals: ``1234.56 -> "1,234.6"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no value"
    return f"{value:,.{decimals}f}"


def fmt_value(value: float, decimals: int | None = None) -> str:
    """Whole numbers without decimals, others to one decimal (or ``decimals``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no value"
    if decimals is None:
        decimals = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    return fmt_num(value, decimals)


def fmt_pct(value: float, decimals: int = 0) -> str:
    """Percentage without sign: ``12.34 -> "12%"``."""
    return f"{abs(value):,.{decimals}f}%"


def month_label(value: Any, *, short: bool = False) -> str:
    """``Period("2022-10")`` or a timestamp -> ``"October 2022"`` (``"Oct 2022"`` if short).

    Other values are returned as text.
    """
    fmt = "%b %Y" if short else "%B %Y"
    if isinstance(value, pd.Period):
        return value.strftime(fmt)
    if isinstance(value, pd.Timestamp):
        return value.strftime(fmt)
    return str(value)


def lower_first(text: str) -> str:
    """Lower-case the first letter for use inside a sentence, keeping acronyms.

    >>> lower_first("Burglary"), lower_first("VRN referrals")
    ('burglary', 'VRN referrals')
    """
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def join_words(items: Sequence[str]) -> str:
    """Join in plain English: ``["a", "b", "c"] -> "a, b and c"``.

    >>> join_words(["Blaby"]), join_words(["Blaby", "Melton", "Rutland"])
    ('Blaby', 'Blaby, Melton and Rutland')
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def month_text(ym: str) -> str:
    """``"2022-10" -> "October 2022"``."""
    return pd.Period(ym, freq="M").strftime("%B %Y")


def capitalise(text: str) -> str:
    """Upper-case the first letter only: ``"burglary in Blaby" -> "Burglary in Blaby"``."""
    return text[:1].upper() + text[1:]


_cap = capitalise


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


_PLURAL_NOUNS = {"offences", "crimes", "incidents", "calls", "actions", "outcomes", "thefts"}


def _verb(name: str, singular: str) -> str:
    """Agree a verb with a KPI name: "Robbery shows", "Public order offences show"."""
    words = {w.strip(",;:").lower() for w in name.split("(")[0].split()}
    return singular[:-1] if words & _PLURAL_NOUNS else singular


def count_unit(value: float | None, unit: str) -> str:
    """``unit`` in the singular for exactly one ("1 offence", "2 offences")."""
    if value is not None and value == 1 and unit.endswith("s"):
        return unit[:-1]
    return unit


# ---------------------------------------------------------------- SPC


def spc_pattern(summary: spc.SpcSummary, *, point_word: str = "month") -> str:
    """Describe the pattern behind the latest point's special cause, in words.

    Returns an empty string for common-cause variation.
    """
    cause = summary.latest_special_cause
    if cause in ("run_above_mean", "run_below_mean"):
        side = "above" if cause == "run_above_mean" else "below"
        return f"{_plural(summary.run_same_side, point_word)} in a row {side} its average"
    if cause in ("trend_rising", "trend_falling"):
        way = "rising" if cause == "trend_rising" else "falling"
        return f"{_plural(abs(summary.run_direction) + 1, point_word)} in a row {way}"
    if cause == "above_upper_limit":
        return f"the latest {point_word} is above the upper process limit"
    if cause == "below_lower_limit":
        return f"the latest {point_word} is below the lower process limit"
    if cause == "two_of_three_high":
        return f"two of the last three {point_word}s are close to the upper process limit"
    if cause == "two_of_three_low":
        return f"two of the last three {point_word}s are close to the lower process limit"
    return ""


def spc_status(summary: spc.SpcSummary) -> str:
    """``"special-cause concern"``, ``"special-cause improvement"``, ... or common cause."""
    return {
        "common_cause": "common-cause variation",
        "special_cause_improvement": "special-cause improvement",
        "special_cause_concern": "special-cause concern",
        "special_cause_neutral": "special-cause variation",
    }[summary.latest_point_type]


def spc_sentence(
    name: str,
    result: pd.DataFrame,
    *,
    unit: str = "offences",
    baselines: pd.DataFrame | None = None,
    point_word: str = "month",
    summary: spc.SpcSummary | None = None,
) -> str:
    """One sentence on an SPC result, optionally with the latest value against a baseline.

    Parameters
    ----------
    name
        What is measured, e.g. ``"Violence with injury"``.
    result
        Output of :func:`scrutiny.stats.spc.xmr`.
    unit
        Word for the counts (``"offences"``, ``"incidents"``, ``"calls"``).
    baselines
        Output of :func:`scrutiny.stats.trends.baselines` for the same series; the first
        available row in the order 2019, last year, three-year average, previous 12
        months is quoted with its counts and its verdict.
    point_word
        ``"month"``, ``"week"``, ...
    summary
        ``spc.summarise(result)`` when the caller holds it already (it is not computed
        again).

    Returns
    -------
    str
        E.g. "Violence with injury shows special-cause concern: 7 months in a row above
        its average; 1,234 offences in October 2022, 12% above October 2019 (1,100), a
        significant increase."
    """
    s = summary if summary is not None else spc.summarise(result)
    status = spc_status(s)
    if s.latest_point_type == "common_cause":
        head = (
            f"{_cap(name)} {_verb(name, 'shows')} common-cause variation: the latest "
            f"{point_word} is within "
            "the range expected from past variation, with no sign of a real change"
        )
    else:
        head = (
            f"{_cap(name)} {_verb(name, 'shows')} {status}: {spc_pattern(s, point_word=point_word)}"
        )
    unit = count_unit(s.latest_value, unit)
    latest = f"{fmt_value(s.latest_value)} {unit} in {month_label(s.latest_date)}"
    clause = ""
    if baselines is not None:
        row = _pick_baseline(baselines)
        if row is not None:
            clause = ", " + baseline_clause(row)
    trial = trial_limits_text(result, point_word=point_word, summary=s)
    return f"{head}; {latest}{clause}.{trial}"


def trial_limits_text(
    result: pd.DataFrame, *, point_word: str = "month", summary: spc.SpcSummary | None = None
) -> str:
    """`` The limits are trial limits ...`` when the latest segment's limits are, else ``""``.

    Parameters
    ----------
    result
        Output of :func:`scrutiny.stats.spc.xmr` (its ``trial_limits`` column).
    point_word
        ``"month"``, ``"week"``, ...
    summary
        ``spc.summarise(result)``, when the caller holds it.

    Examples
    --------
    >>> r = spc.xmr([5.0, 7, 6, 8], pd.period_range("2025-01", periods=4, freq="M"))
    >>> trial_limits_text(r)
    ' The limits are trial limits: they rest on 4 months, too few to settle them.'
    """
    if result.empty or not bool(result["trial_limits"].iloc[-1]):
        return ""
    s = summary if summary is not None else spc.summarise(result)
    seg = result
    if pd.notna(s.segment_start):
        seg = result[result["date"] >= s.segment_start]
    n = int(seg["value"].notna().sum())
    return (
        f" The limits are trial limits: they rest on {fmt_int(n)} "
        f"{point_word if n == 1 else point_word + 's'}, too few to settle them."
    )


_BASELINE_ORDER = (
    "Same period in 2019 (pre-pandemic)",
    "Same period last year",
    "Three-year average",
    "Previous 12 months",
)


def _pick_baseline(baselines: pd.DataFrame) -> pd.Series | None:
    avail = baselines[baselines["verdict"] != "not available"]
    for label in _BASELINE_ORDER:
        rows = avail[avail["baseline"] == label]
        if not rows.empty:
            return rows.iloc[0]
    return None


def verdict_words(verdict: str) -> str:
    """Words for a change test's verdict: "a significant increase", "not a significant change"."""
    return {
        "significant increase": "a significant increase",
        "significant decrease": "a significant decrease",
        "no significant change": "not a significant change (within what chance would give)",
        "not available": "no comparison available",
        "too few to judge": "too few to judge a change",
    }[verdict]


def baseline_clause(row: pd.Series) -> str:
    """Describe one row of :func:`scrutiny.stats.trends.baselines` against its baseline.

    E.g. "12% above October 2019 (1,100), a significant increase". The verdict comes
    from the row's exact test, not from the size of the percentage.
    """
    if row["verdict"] == "not available":
        return f"no comparison with {row['baseline'].lower()} ({row['note']})"
    base = fmt_value(row["baseline_count"])
    what = row["baseline_period"]
    if row["baseline"] == "Three-year average":
        what = f"the average of {row['baseline_period']}"
    pct = row["pct_change"]
    if pd.isna(pct) or row["verdict"] == "too few to judge":
        size = f"against {base} in {what}"
    elif round(pct) == 0:
        size = f"about the same as {what} ({base})"
    else:
        direction = "above" if pct > 0 else "below"
        size = f"{fmt_pct(pct)} {direction} {what} ({base})"
    return f"{size}, {verdict_words(row['verdict'])}"


def baseline_sentence(name: str, row: pd.Series, *, unit: str = "offences") -> str:
    """Full sentence for one baseline comparison, counts first.

    E.g. "Burglary: 120 offences in Oct 2022, 20% above Oct 2021 (100), not a significant
    change (within what chance would give)."
    """
    return (
        f"{_cap(name)}: {fmt_value(row['current_count'])} {unit} in "
        f"{row['current_period']}, {baseline_clause(row)}."
    )


def change_sentence(
    name: str,
    test: RateRatio,
    *,
    now_label: str,
    before_label: str,
    unit: str = "offences",
) -> str:
    """Describe a change between two periods using its exact test.

    E.g. "Burglary went from 100 offences in October 2021 to 120 in October 2022 (up
    20%); this is not a significant change (p = 0.20)."
    """
    now, before = test.count1, test.count2
    per_before = before / test.exposure2 * test.exposure1
    if per_before > 0:
        pct = (now - per_before) / per_before * 100
        moved = "up" if pct > 0 else "down"
        size = f" ({moved} {fmt_pct(pct)})" if round(pct) != 0 else " (about the same)"
    else:
        size = ""
    if test.significant:
        verdict = f"this is a significant {'increase' if test.rate_ratio > 1 else 'decrease'}"
    else:
        verdict = "this is not a significant change"
    p = "p < 0.001" if test.p_value < 0.001 else f"p = {test.p_value:.2f}"
    return (
        f"{_cap(name)} went from {fmt_value(before)} {unit} in {before_label} to "
        f"{fmt_value(now)} in {now_label}{size}; {verdict} ({p})."
    )


def assurance_sentence(name: str, icon: str | None, target: float | None) -> str:
    """Say whether the target will be met, from :func:`scrutiny.stats.spc.assurance_icon`."""
    if icon is None or target is None:
        return f"{_cap(name)} has no target to assess."
    t = fmt_value(target)
    return {
        "consistent_pass": f"{_cap(name)} will consistently meet its target of {t} if "
        "nothing changes.",
        "consistent_fail": f"{_cap(name)} will consistently miss its target of {t} unless "
        "something changes.",
        "inconsistent": f"{_cap(name)} will meet its target of {t} in some months and miss "
        "it in others.",
    }[icon]


# ---------------------------------------------------------------- comparisons


def rate_sentence(area: str, row: pd.Series, *, what: str, per: int = 1000) -> str:
    """Compare an area with the national rate from a row of ``rates_table``.

    E.g. "Leicestershire's rate of violence with injury, 5.2 per 1,000 people (95%
    confidence interval 4.9 to 5.5), is significantly higher than the national rate of
    4.0 per 1,000."
    """
    per_text = f"{per:,}"
    verdict = row["verdict"]
    if verdict == "not significantly different":
        relation = "is not significantly different from"
    else:
        relation = f"is {verdict} than"
    if bool(row.get("adjusted", False)):
        # The verdict allows for the variation between forces: a Poisson interval beside it
        # would contradict it, so none is given.
        return (
            f"{area}'s rate of {what}, {fmt_num(row['rate'])} per {per_text} people, "
            f"{relation} the national rate of {fmt_num(row['national_rate'])} per "
            f"{per_text}, allowing for the usual variation between forces."
        )
    return (
        f"{area}'s rate of {what}, {fmt_num(row['rate'])} per {per_text} people (95% "
        f"confidence interval {fmt_num(row['lower'])} to {fmt_num(row['upper'])}), "
        f"{relation} the national rate of {fmt_num(row['national_rate'])} per {per_text}."
    )


def peer_sentence(comparison: PeerComparison, *, what: str) -> str:
    """Compare an area with its peer group, with its rank.

    E.g. "Leicestershire's rate of violence with injury (5.2 per 1,000) is not
    significantly different from the average of its 7 peer forces (4.9 per 1,000); it is
    the 3rd highest of 8."
    """
    c = comparison
    per_text = f"{c.per:,}"
    if c.verdict == "not significantly different":
        relation = "is not significantly different from"
    else:
        relation = f"is {c.verdict} than"
    rank = c.rank_label
    return (
        f"{c.area}'s rate of {what} ({fmt_num(c.rate)} per {per_text}) {relation} the "
        f"combined rate of its {len(c.peers)} peer forces ({fmt_num(c.peer_rate)} per "
        f"{per_text}: their offences over their population, a weighted average); it is the "
        f"{rank}."
    )


def funnel_sentence(area: str, row: pd.Series, *, what: str) -> str:
    """Place an area on a funnel plot in words, from a row of ``compare.funnel``."""
    band = row["band"]
    if band == "within 95% limits":
        tail = "within the 95% limits: consistent with the average once its size is allowed for"
    elif "99.8%" in band:
        side = "above" if band.startswith("above") else "below"
        tail = f"{side} the 99.8% limit: very unlikely to be chance alone"
    else:
        side = "above" if band.startswith("above") else "below"
        tail = (
            f"{side} the 95% limit but within the 99.8% limit: possibly more than chance, "
            "worth watching"
        )
    return f"{area}'s rate of {what} ({fmt_num(row['rate'])} per 1,000) is {tail}."
