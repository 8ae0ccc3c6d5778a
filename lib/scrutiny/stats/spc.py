"""Statistical process control: XmR charts as NHS England's *Making Data Count* describes them.

:func:`xmr` is the one entry point analysts call. It returns one row per point with the
centre line, the process limits, the special-cause rule (if any) each point belongs to and
the point's type (common cause, special-cause improvement, concern or neutral). The icons
that summarise a chart come from :func:`variation_icon` and :func:`assurance_icon`, and
:func:`summarise` gathers what charts and sentences need in one object.

The arithmetic agrees with the NHS-R community's ``NHSRplotthedots`` package (the reference
implementation of Making Data Count in R):

* centre line = mean of the points; moving ranges ``|x_i - x_(i-1)|``;
* process limits = mean +/- 2.66 x mean moving range; near limits at +/- (2/3 x 2.66);
* optional screening drops moving ranges at or above 3.267 x the mean moving range and
  recomputes the mean moving range from the rest;
* limits may be fixed on the first *n* points, and recalculated in segments that start at
  rebase dates; rules never look across a rebase;
* a segment whose limits rest on fewer than 12 points carries a "trial limits" warning.

Special-cause rules, in the priority used for labelling a point that meets several:

1. a point above the upper or below the lower process limit;
2. a run of ``trend_length`` (7) points each strictly higher (or each strictly lower) than
   the one before (a tie breaks the run; every point in the run is flagged);
3. two of three consecutive points beyond the same near limit, all three on the same side of
   the mean (only the points beyond the near limit are flagged). By default a point beyond
   the *process* limit does not count towards the two, as in ``NHSRplotthedots``; pass
   ``two_in_three_beyond_limits=True`` for NHS England's 2023 variant that counts it;
4. a run of ``shift_length`` (7) points on the same side of the mean (a point exactly on the
   mean breaks the run).

Missing values (NaN) are kept as rows with ``point_type == "no_data"``. They are left out of
the mean; a moving range needs both neighbours, so the two moving ranges touching a gap are
not used; and a gap breaks every run (it counts as neither rising, falling, nor on either
side of the mean). The months that were missing are listed in ``result.attrs["spc"]["notes"]``.

Values that differ by less than one part in a billion of the segment's scale are treated as
equal, so floating-point rounding can neither create nor hide a signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

#: Multiplier of the mean moving range that gives the process limits (3 sigma; 3 / 1.128).
LIMIT = 2.66
#: Multiplier for the near limits (2 sigma): two thirds of :data:`LIMIT`.
NEAR_LIMIT = 2 * LIMIT / 3
#: Moving ranges at or above this multiple of the mean moving range are screened out.
SCREEN = 3.267
#: Fewer points than this in a segment make its limits "trial limits".
MIN_POINTS = 12
_REL_TOL = 1e-9

Improvement = Literal["increase", "decrease", "neutral"]

POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral",
    "no_data",
)

#: special_cause code -> (direction: +1 high / -1 low, plain-English description).
SPECIAL_CAUSES: dict[str, tuple[int, str]] = {
    "above_upper_limit": (1, "above the upper process limit"),
    "below_lower_limit": (-1, "below the lower process limit"),
    "trend_rising": (1, "part of a run of rising points"),
    "trend_falling": (-1, "part of a run of falling points"),
    "two_of_three_high": (1, "two of three points close to the upper limit"),
    "two_of_three_low": (-1, "two of three points close to the lower limit"),
    "run_above_mean": (1, "part of a run of points above the mean"),
    "run_below_mean": (-1, "part of a run of points below the mean"),
}

#: Variation icon codes (Making Data Count) and their plain-English labels.
VARIATION_ICONS: dict[str, str] = {
    "common_cause": "Common-cause variation: no significant change",
    "improvement_high": "Special-cause improvement: higher values",
    "improvement_low": "Special-cause improvement: lower values",
    "concern_high": "Special-cause concern: higher values",
    "concern_low": "Special-cause concern: lower values",
    "neutral_high": "Special-cause variation, neither good nor bad: higher values",
    "neutral_low": "Special-cause variation, neither good nor bad: lower values",
    # Not from xmr: the assessment's code for a series too small to judge.
    "too_few": "Too few to judge: fewer expected a month than the assessment judges",
}

#: Assurance icon codes and their plain-English labels.
ASSURANCE_ICONS: dict[str, str] = {
    "consistent_pass": "The target will be consistently met if nothing changes",
    "consistent_fail": "The target will be consistently missed if nothing changes",
    "inconsistent": "The target will be met in some months and missed in others",
}

RESULT_COLUMNS = [
    "date",
    "value",
    "segment",
    "moving_range",
    "mr_screened",
    "mean",
    "lpl",
    "upl",
    "near_lpl",
    "near_upl",
    "target",
    "trial_limits",
    "rule_outside",
    "rule_trend",
    "rule_two_of_three",
    "rule_shift",
    "special_cause",
    "point_type",
]


def xmr(
    values: pd.Series | Sequence[float] | np.ndarray,
    dates: Sequence[Any] | pd.Index | pd.Series | None = None,
    *,
    improvement: Improvement = "increase",
    target: float | None = None,
    rebase: Any | Sequence[Any] | None = None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = False,
    trend_length: int = 7,
    shift_length: int = 7,
    two_in_three_beyond_limits: bool = False,
    min_points: int = MIN_POINTS,
) -> pd.DataFrame:
    """Compute an XmR (individuals) chart with Making Data Count special-cause rules.

    Parameters
    ----------
    values
        The measurements in time order (or with ``dates``). A Series whose index is not a
        plain ``RangeIndex`` supplies its index as the dates. NaN marks a missing month.
    dates
        One date (or ``pd.Period``, or label) per value; points are sorted by it. Defaults
        to the Series index, else to positions 0, 1, 2, ...
    improvement
        ``"increase"`` if higher is better, ``"decrease"`` if lower is better, ``"neutral"``
        if neither.
    target
        Optional target, used for the assurance icon and drawn on charts.
    rebase
        One date or a list of dates where the process changed: each starts a new segment
        whose mean and limits are calculated from its own points. A date falling between
        points starts the segment at the next point.
    fix_after_n_points
        Calculate the mean and limits from the first *n* points of each segment only, and
        extend them over the rest (to judge later points against a baseline).
    screen_outliers
        Drop moving ranges at or above 3.267 x the mean moving range before calculating
        the limits (Making Data Count's screening of one-off jumps). ``NHSRplotthedots``
        screens by default since version 0.2; here it is off unless asked for.
    trend_length
        Points in a rising or falling run that make a special cause (7; some guidance uses 6).
    shift_length
        Points in a run on one side of the mean that make a special cause (7; or 6).
    two_in_three_beyond_limits
        Count a point beyond the process limit as "beyond the near limit" for the two-of-
        three rule (NHS England's 2023 change). Default ``False`` (as ``NHSRplotthedots``).
    min_points
        Segments whose limits rest on fewer observed points get ``trial_limits = True``.

    Returns
    -------
    pandas.DataFrame
        One row per point, in date order, with columns ``date``, ``value``, ``segment``
        (0, 1, ... at each rebase), ``moving_range``, ``mr_screened``, ``mean``, ``lpl``,
        ``upl`` (process limits), ``near_lpl``, ``near_upl``, ``target``, ``trial_limits``,
        boolean ``rule_*`` columns (the point is part of that pattern), ``special_cause``
        (the highest-priority rule, a key of :data:`SPECIAL_CAUSES`, or ``"none"``) and
        ``point_type`` (one of :data:`POINT_TYPES`). ``attrs["spc"]`` records the options
        and any notes (missing points, trial limits, screened moving ranges).

    Raises
    ------
    ValueError
        Naming the parameter that is wrong (non-numeric values, duplicate dates, a rebase
        date outside the data, an unknown improvement direction, ...).
    """
    if improvement not in ("increase", "decrease", "neutral"):
        raise ValueError(
            f"improvement must be 'increase', 'decrease' or 'neutral', got {improvement!r}"
        )
    for name, length in (("trend_length", trend_length), ("shift_length", shift_length)):
        if not isinstance(length, int | np.integer) or length < 2:
            raise ValueError(f"{name} must be a whole number of at least 2, got {length!r}")
    if fix_after_n_points is not None and (
        not isinstance(fix_after_n_points, int | np.integer) or fix_after_n_points < 2
    ):
        raise ValueError(
            f"fix_after_n_points must be a whole number of at least 2, got {fix_after_n_points!r}"
        )
    if target is not None:
        try:
            target = float(target)
        except (TypeError, ValueError):
            raise ValueError(f"target must be a number, got {target!r}") from None
        if not np.isfinite(target):
            raise ValueError(f"target must be a finite number, got {target!r}")

    x, idx, notes = _prepare(values, dates)
    n = len(x)
    segment = _segments(idx, rebase)

    out = {col: np.full(n, np.nan) for col in ("moving_range", "mean", "lpl", "upl")}
    out["near_lpl"] = np.full(n, np.nan)
    out["near_upl"] = np.full(n, np.nan)
    mr_screened = np.zeros(n, dtype=bool)
    trial = np.zeros(n, dtype=bool)
    rules = {k: np.zeros(n, dtype=bool) for k in ("outside", "trend", "two", "shift")}
    cause = np.full(n, "none", dtype=object)

    for seg in np.unique(segment):
        pos = np.flatnonzero(segment == seg)
        xs = x[pos]
        res = _segment(
            xs,
            fix_after_n_points=fix_after_n_points,
            screen_outliers=screen_outliers,
            trend_length=int(trend_length),
            shift_length=int(shift_length),
            two_in_three_beyond_limits=two_in_three_beyond_limits,
        )
        for key in ("moving_range", "mean", "lpl", "upl", "near_lpl", "near_upl"):
            out[key][pos] = res[key]
        mr_screened[pos] = res["mr_screened"]
        for key in rules:
            rules[key][pos] = res["rule_" + key]
        cause[pos] = res["special_cause"]
        n_used = res["n_used"]
        trial[pos] = n_used < min_points
        label = _fmt_date(idx[pos[0]])
        if n_used < min_points:
            notes.append(
                f"The limits of the segment starting {label} rest on {n_used} points "
                f"(fewer than {min_points}): treat them as trial limits."
            )
        if res["mr_screened"].any():
            notes.append(
                f"{int(res['mr_screened'].sum())} moving range(s) in the segment starting "
                f"{label} were at or above {SCREEN} x the mean moving range and were left "
                "out of the limits."
            )

    point_type = _point_types(cause, x, improvement)
    frame = pd.DataFrame(
        {
            "date": idx,
            "value": x,
            "segment": segment,
            "moving_range": out["moving_range"],
            "mr_screened": mr_screened,
            "mean": out["mean"],
            "lpl": out["lpl"],
            "upl": out["upl"],
            "near_lpl": out["near_lpl"],
            "near_upl": out["near_upl"],
            "target": np.full(n, np.nan if target is None else target),
            "trial_limits": trial,
            "rule_outside": rules["outside"],
            "rule_trend": rules["trend"],
            "rule_two_of_three": rules["two"],
            "rule_shift": rules["shift"],
            "special_cause": pd.array(cause, dtype="string"),
            "point_type": pd.array(point_type, dtype="string"),
        },
        columns=RESULT_COLUMNS,
    )
    frame.attrs["spc"] = {
        "improvement": improvement,
        "target": target,
        "rebase": [] if rebase is None else list(np.atleast_1d(np.asarray(rebase, dtype=object))),
        "fix_after_n_points": fix_after_n_points,
        "screen_outliers": screen_outliers,
        "trend_length": int(trend_length),
        "shift_length": int(shift_length),
        "two_in_three_beyond_limits": two_in_three_beyond_limits,
        "min_points": min_points,
        "notes": notes,
    }
    return frame


def _prepare(
    values: pd.Series | Sequence[float] | np.ndarray,
    dates: Sequence[Any] | pd.Index | pd.Series | None,
) -> tuple[np.ndarray, pd.Index, list[str]]:
    """Return float values, a sorted date index and notes; raise on unusable input."""
    notes: list[str] = []
    if isinstance(values, pd.DataFrame):
        raise ValueError("values must be one column (a Series or list of numbers), not a DataFrame")
    if dates is None:
        if isinstance(values, pd.Series) and not isinstance(values.index, pd.RangeIndex):
            idx = pd.Index(values.index)
        else:
            idx = pd.RangeIndex(len(values))
    else:
        idx = pd.Index(dates.to_numpy() if isinstance(dates, pd.Series) else dates)
    raw = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    if len(idx) != len(raw):
        raise ValueError(
            f"values has {len(raw)} items but dates has {len(idx)}: give one per value"
        )
    try:
        x = pd.to_numeric(pd.Series(raw, dtype=object), errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"values must all be numbers (NaN for a missing month): {exc}") from None
    if np.isinf(x).any():
        bad = _fmt_date(idx[int(np.flatnonzero(np.isinf(x))[0])])
        raise ValueError(f"values must be finite: the value at {bad} is infinite")
    if idx.has_duplicates:
        dup = _fmt_date(idx[idx.duplicated()][0])
        raise ValueError(f"dates must be unique: {dup} appears more than once")
    if idx.hasnans:
        raise ValueError("dates must not be missing (NaT/NaN)")
    if len(idx) and not idx.is_monotonic_increasing:
        order = np.argsort(idx.to_numpy(), kind="stable")
        idx = idx[order]
        x = x[order]
        notes.append("The points were not in date order and have been sorted by date.")
    if np.isnan(x).any():
        missing = ", ".join(_fmt_date(d) for d in idx[np.isnan(x)])
        notes.append(
            f"No value for {missing}: shown as a gap, left out of the mean and moving "
            "ranges, and treated as breaking any run."
        )
    return x, idx, notes


def _fmt_date(d: object) -> str:
    """Return a date label for messages: months as ``2022-10``, others as they print."""
    if isinstance(d, pd.Timestamp):
        return d.strftime("%Y-%m-%d") if (d.day != 1 or d.hour) else d.strftime("%Y-%m")
    return str(d)


def _coerce_like(value: Any, idx: pd.Index) -> Any:
    """Convert a rebase date to the type of the date index so they compare."""
    if isinstance(idx, pd.PeriodIndex):
        return pd.Period(value, freq=idx.freq)
    if isinstance(idx, pd.DatetimeIndex):
        return pd.Timestamp(value)
    return value


def _segments(idx: pd.Index, rebase: Any | Sequence[Any] | None) -> np.ndarray:
    """Return the segment number of each point: +1 at every rebase."""
    seg = np.zeros(len(idx), dtype=int)
    if rebase is None:
        return seg
    items = [rebase] if isinstance(rebase, str) or not np.iterable(rebase) else list(rebase)
    for item in items:
        try:
            when = _coerce_like(item, idx)
            pos = int(idx.searchsorted(when, side="left"))
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"rebase date {item!r} cannot be compared with the dates: {exc}"
            ) from None
        if pos <= 0 or pos >= len(idx):
            raise ValueError(
                f"rebase date {item!r} must fall after the first point ({_fmt_date(idx[0])}) "
                f"and no later than the last ({_fmt_date(idx[-1])})"
                if len(idx)
                else "rebase given but there are no points"
            )
        seg[pos:] += 1
    return seg


def _sign(diff: np.ndarray, tol: float) -> np.ndarray:
    """Return +1/-1/0 for differences beyond +/- tol; NaN counts as 0 (breaks runs)."""
    s = np.zeros(len(diff), dtype=int)
    with np.errstate(invalid="ignore"):
        s[diff > tol] = 1
        s[diff < -tol] = -1
    return s


def _runs(flags: np.ndarray, min_len: int) -> np.ndarray:
    """Mark every element of each run of True at least ``min_len`` long."""
    out = np.zeros(len(flags), dtype=bool)
    start = None
    for i, f in enumerate(list(flags) + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            if i - start >= min_len:
                out[start:i] = True
            start = None
    return out


def _segment(
    x: np.ndarray,
    *,
    fix_after_n_points: int | None,
    screen_outliers: bool,
    trend_length: int,
    shift_length: int,
    two_in_three_beyond_limits: bool,
) -> dict[str, Any]:
    """Limits and rules for one segment (no rebase inside)."""
    n = len(x)
    m = n if fix_after_n_points is None else min(n, fix_after_n_points)
    base = x[:m]
    observed = base[~np.isnan(base)]
    mean = float(observed.mean()) if len(observed) else np.nan

    mr = np.full(n, np.nan)
    if n > 1:
        mr[1:] = np.abs(np.diff(x))
    mr_base = mr[1:m]
    usable = ~np.isnan(mr_base)
    amr = float(mr_base[usable].mean()) if usable.any() else np.nan
    screened = np.zeros(n, dtype=bool)
    if screen_outliers and np.isfinite(amr) and amr > 0:
        drop = usable & (mr_base >= SCREEN * amr)
        screened[1:m] = drop
        keep = usable & ~drop
        amr = float(mr_base[keep].mean()) if keep.any() else np.nan

    upl, lpl = mean + LIMIT * amr, mean - LIMIT * amr
    nupl, nlpl = mean + NEAR_LIMIT * amr, mean - NEAR_LIMIT * amr

    finite = x[~np.isnan(x)]
    scale = (float(np.abs(finite).max()) if len(finite) else 0.0) + (
        amr if np.isfinite(amr) else 0.0
    )
    tol = _REL_TOL * scale

    missing = np.isnan(x)
    side = _sign(x - mean, tol)
    above = _sign(x - upl, tol) == 1
    below = _sign(lpl - x, tol) == 1
    outside = above | below
    near_hi = _sign(x - nupl, tol) == 1
    near_lo = _sign(nlpl - x, tol) == 1
    close = near_hi | near_lo
    if not two_in_three_beyond_limits:
        close &= ~outside

    # Trend: runs of (trend_length - 1) consecutive steps in one direction.
    step = _sign(np.diff(x), tol) if n > 1 else np.zeros(0, dtype=int)
    rising = np.zeros(n, dtype=bool)
    falling = np.zeros(n, dtype=bool)
    for direction, member in ((1, rising), (-1, falling)):
        steps = _runs(step == direction, trend_length - 1)
        # A flagged step j joins points j and j+1.
        member[:-1] |= steps
        member[1:] |= steps

    # Two of three: windows of three points all on one side of the mean, >= 2 of them close.
    two = np.zeros(n, dtype=bool)
    for i in range(n - 2):
        s = side[i : i + 3]
        if abs(int(s.sum())) == 3 and int(close[i : i + 3].sum()) >= 2:
            two[i : i + 3] |= close[i : i + 3]

    shift = _runs(side == 1, shift_length) | _runs(side == -1, shift_length)

    cause = np.full(n, "none", dtype=object)
    for i in range(n):
        if missing[i]:
            continue
        if outside[i]:
            cause[i] = "above_upper_limit" if above[i] else "below_lower_limit"
        elif rising[i] or falling[i]:
            if rising[i] and falling[i]:
                # A peak or trough ends one run and starts the next: label by the run that
                # follows (as NHSRplotthedots does).
                up = step[i] == 1
            else:
                up = bool(rising[i])
            cause[i] = "trend_rising" if up else "trend_falling"
        elif two[i]:
            cause[i] = "two_of_three_high" if side[i] == 1 else "two_of_three_low"
        elif shift[i]:
            cause[i] = "run_above_mean" if side[i] == 1 else "run_below_mean"

    return {
        "moving_range": mr,
        "mr_screened": screened,
        "mean": np.full(n, mean),
        "lpl": np.full(n, lpl),
        "upl": np.full(n, upl),
        "near_lpl": np.full(n, nlpl),
        "near_upl": np.full(n, nupl),
        "rule_outside": outside & ~missing,
        "rule_trend": (rising | falling) & ~missing,
        "rule_two": two & ~missing,
        "rule_shift": shift & ~missing,
        "special_cause": cause,
        "n_used": len(observed),
    }


def _point_types(cause: np.ndarray, x: np.ndarray, improvement: str) -> np.ndarray:
    """Turn special-cause codes into point types given the improvement direction."""
    good = {"increase": 1, "decrease": -1, "neutral": 0}[improvement]
    out = np.full(len(cause), "common_cause", dtype=object)
    for i, c in enumerate(cause):
        if np.isnan(x[i]):
            out[i] = "no_data"
        elif c != "none":
            direction = SPECIAL_CAUSES[c][0]
            if good == 0:
                out[i] = "special_cause_neutral"
            elif direction == good:
                out[i] = "special_cause_improvement"
            else:
                out[i] = "special_cause_concern"
    return out


def _latest(result: pd.DataFrame) -> pd.Series:
    """Return the last row that has a value."""
    if not {"value", "point_type", "special_cause"}.issubset(result.columns):
        raise ValueError("expected the DataFrame returned by scrutiny.stats.spc.xmr")
    rows = result[result["value"].notna()]
    if rows.empty:
        raise ValueError("the SPC result has no values")
    return rows.iloc[-1]


def variation_icon(result: pd.DataFrame) -> str:
    """Return the Making Data Count variation icon for the latest point with a value.

    Parameters
    ----------
    result
        The output of :func:`xmr`.

    Returns
    -------
    str
        A key of :data:`VARIATION_ICONS`: ``"common_cause"``, ``"improvement_high"``,
        ``"improvement_low"``, ``"concern_high"``, ``"concern_low"``, ``"neutral_high"`` or
        ``"neutral_low"``. High/low is the side the special cause points to (above the
        mean or rising is high).
    """
    last = _latest(result)
    if last["point_type"] == "common_cause":
        return "common_cause"
    side = "high" if SPECIAL_CAUSES[str(last["special_cause"])][0] == 1 else "low"
    kind = str(last["point_type"]).removeprefix("special_cause_")
    return f"{kind}_{side}"


def assurance_icon(
    result: pd.DataFrame,
    target: float | None = None,
    improvement: Improvement | None = None,
) -> str | None:
    """Return the assurance icon, saying whether the process can be relied on to meet a target.

    The target is compared with the process limits of the latest segment. With higher
    values better, a target below the lower limit is consistently met, above the upper
    limit consistently missed, and between them (limits included) met in some months and
    missed in others; the reverse when lower is better.

    Parameters
    ----------
    result
        The output of :func:`xmr`.
    target
        The target; defaults to the one given to :func:`xmr`.
    improvement
        The improvement direction; defaults to the one given to :func:`xmr`.

    Returns
    -------
    str or None
        ``"consistent_pass"``, ``"consistent_fail"`` or ``"inconsistent"`` (keys of
        :data:`ASSURANCE_ICONS`); ``None`` when there is no target, the direction is
        neutral, or the limits cannot be calculated (fewer than two points).
    """
    meta = result.attrs.get("spc", {})
    if target is None:
        target = meta.get("target")
    if improvement is None:
        improvement = meta.get("improvement")
    if improvement is None:
        raise ValueError(
            "improvement is unknown: pass improvement='increase' or 'decrease' "
            "(the result has lost its attrs)"
        )
    if target is None or improvement == "neutral":
        return None
    last = result.iloc[-1]
    lpl, upl = float(last["lpl"]), float(last["upl"])
    if not (np.isfinite(lpl) and np.isfinite(upl)):
        return None
    if target > upl:
        return "consistent_fail" if improvement == "increase" else "consistent_pass"
    if target < lpl:
        return "consistent_pass" if improvement == "increase" else "consistent_fail"
    return "inconsistent"


@dataclass
class SpcSummary:
    """What a chart caption or a sentence needs to know about an XmR result.

    Attributes
    ----------
    n_points, n_missing
        Points in the chart, and how many had no value.
    first_date, last_date
        The first and last dates (labels as given).
    latest_date, latest_value
        The latest point with a value.
    mean, lpl, upl
        Centre line and process limits of the latest segment.
    latest_point_type, latest_special_cause
        Type and rule of the latest point (see :func:`xmr`).
    variation, assurance
        Icon codes (:func:`variation_icon`, :func:`assurance_icon`).
    run_same_side
        Consecutive points up to the latest on the same side of the mean as the latest
        (0 if the latest point is on the mean).
    run_direction
        Consecutive steps up to the latest in the same direction (rising +, falling -).
    segment_start
        Date of the first point of the latest segment.
    n_special_improvement, n_special_concern, n_special_neutral
        Special-cause points in the latest segment, by type.
    trial_limits
        Whether the latest segment's limits are trial limits.
    improvement, target
        As given to :func:`xmr`.
    notes
        Notes recorded by :func:`xmr`.
    """

    n_points: int
    n_missing: int
    first_date: Any
    last_date: Any
    latest_date: Any
    latest_value: float
    mean: float
    lpl: float
    upl: float
    latest_point_type: str
    latest_special_cause: str
    variation: str
    assurance: str | None
    run_same_side: int
    run_direction: int
    segment_start: Any
    n_special_improvement: int
    n_special_concern: int
    n_special_neutral: int
    trial_limits: bool
    improvement: str | None
    target: float | None
    notes: list[str] = field(default_factory=list)


def summarise(result: pd.DataFrame) -> SpcSummary:
    """Summarise an XmR result for captions, alt text and narrative sentences.

    Parameters
    ----------
    result
        The output of :func:`xmr`.

    Returns
    -------
    SpcSummary
    """
    meta = result.attrs.get("spc", {})
    last = _latest(result)
    seg = result[result["segment"] == last["segment"]]
    seg_obs = seg[seg["value"].notna()]
    mean = float(last["mean"])
    tol = _REL_TOL * (float(seg_obs["value"].abs().max()) + 1.0)

    # Count back from the latest point; a missing value stops the count.
    upto = seg.loc[: last.name]
    vals = upto["value"].to_numpy()
    side = np.sign(np.where(np.abs(vals - mean) <= tol, 0.0, vals - mean))
    run_side = 0
    if side[-1] != 0:
        for s in side[::-1]:
            if s != side[-1] or np.isnan(s):
                break
            run_side += 1
    run_dir = 0
    steps = np.diff(vals)
    if len(steps) and np.isfinite(steps[-1]) and abs(steps[-1]) > tol:
        d = np.sign(steps[-1])
        for s in steps[::-1]:
            if not np.isfinite(s) or abs(s) <= tol or np.sign(s) != d:
                break
            run_dir += 1
        run_dir = int(d * run_dir)

    counts = seg["point_type"].value_counts()
    return SpcSummary(
        n_points=len(result),
        n_missing=int(result["value"].isna().sum()),
        first_date=result["date"].iloc[0],
        last_date=result["date"].iloc[-1],
        latest_date=last["date"],
        latest_value=float(last["value"]),
        mean=mean,
        lpl=float(last["lpl"]),
        upl=float(last["upl"]),
        latest_point_type=str(last["point_type"]),
        latest_special_cause=str(last["special_cause"]),
        variation=variation_icon(result),
        assurance=assurance_icon(result, improvement=meta.get("improvement") or "neutral"),
        run_same_side=run_side,
        run_direction=run_dir,
        segment_start=seg["date"].iloc[0],
        n_special_improvement=int(counts.get("special_cause_improvement", 0)),
        n_special_concern=int(counts.get("special_cause_concern", 0)),
        n_special_neutral=int(counts.get("special_cause_neutral", 0)),
        trial_limits=bool(last["trial_limits"]),
        improvement=meta.get("improvement"),
        target=meta.get("target"),
        notes=list(meta.get("notes", [])),
    )
