"""Trends: baselines with counts, tests of change, seasonal decomposition and forecasts.

* :func:`baselines` compares a period with the same period last year, the three-year
  average, the pre-pandemic 2019 months and the previous 12 months, always giving the
  counts beside the percentage and a test of whether the change is more than chance.
* :func:`change_test` is that test on its own: the exact conditional (binomial) test of a
  Poisson rate ratio, from :func:`scrutiny.stats.compare.rate_ratio_test`.
* :func:`decompose` splits a monthly series into trend, seasonal and remainder (STL).
* :func:`forecast` projects demand with exponential smoothing (Holt-Winters, in its
  state-space ETS form) and gives prediction intervals.

Monthly series are pandas Series of counts indexed by month: a ``PeriodIndex`` (freq M), a
``DatetimeIndex`` or ``"YYYY-MM"`` strings. :func:`as_monthly` converts them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scrutiny.stats.compare import RateRatio, rate_ratio_test
from scrutiny.stats.dispersion import quasi_rate_ratio_test

BASELINES = ("last_year", "three_year_average", "2019", "rolling_12")
BASELINE_LABELS = {
    "last_year": "Same period last year",
    "three_year_average": "Three-year average",
    "2019": "Same period in 2019 (pre-pandemic)",
    "rolling_12": "Previous 12 months",
}


def as_monthly(series: pd.Series, *, name: str = "series") -> pd.Series:
    """Return ``series`` indexed by monthly ``Period`` s, sorted, with unique months.

    Raises
    ------
    ValueError
        If the index cannot be read as months or a month appears twice.
    """
    if not isinstance(series, pd.Series):
        raise ValueError(f"{name} must be a pandas Series indexed by month")
    idx = series.index
    try:
        if isinstance(idx, pd.PeriodIndex):
            months = idx.asfreq("M")
        elif isinstance(idx, pd.DatetimeIndex):
            months = idx.to_period("M")
        else:
            months = pd.PeriodIndex([pd.Period(str(v), freq="M") for v in idx])
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name}: index must be months (YYYY-MM): {exc}") from None
    if months.has_duplicates:
        raise ValueError(f"{name}: month {months[months.duplicated()][0]} appears more than once")
    out = pd.Series(series.to_numpy(dtype=float), index=months, name=series.name)
    return out.sort_index()


def period_label(start: pd.Period, end: pd.Period) -> str:
    """Label a run of months: ``Oct 2022``, ``Aug to Oct 2022``, ``Nov 2021 to Oct 2022``."""
    if start == end:
        return end.strftime("%b %Y")
    if start.year == end.year:
        return f"{start.strftime('%b')} to {end.strftime('%b %Y')}"
    return f"{start.strftime('%b %Y')} to {end.strftime('%b %Y')}"


def change_test(
    count_now: float,
    count_before: float,
    *,
    exposure_now: float = 1.0,
    exposure_before: float = 1.0,
    alpha: float = 0.05,
    phi: float = 1.0,
) -> RateRatio:
    """Test whether a change between two periods is more than chance.

    The two counts are treated as Poisson; given their total, the current count is
    binomial under "no change", which gives an exact p-value and an interval for the rate
    ratio. Use exposures when the periods differ in length (e.g. one month against the
    total of three earlier months: ``exposure_before=3``). With ``phi`` above 1 (the
    series varies more than Poisson, :func:`scrutiny.stats.dispersion.series_dispersion`)
    the variance is scaled by phi (:func:`scrutiny.stats.dispersion.quasi_rate_ratio_test`).

    Returns
    -------
    scrutiny.stats.compare.RateRatio
        ``rate_ratio`` > 1 means an increase; ``significant`` is ``p_value < alpha``.
    """
    if phi > 1.0:
        return quasi_rate_ratio_test(
            count_now, exposure_now, count_before, exposure_before, phi=phi, alpha=alpha
        )
    return rate_ratio_test(count_now, exposure_now, count_before, exposure_before, alpha=alpha)


def _window_sum(s: pd.Series, start: pd.Period, end: pd.Period) -> tuple[float, list[str]]:
    """Sum months start..end; return (sum or NaN, months missing).

    ``s`` is :func:`as_monthly` output (sorted unique months), so each month wanted is
    found by its ordinal with a binary search rather than a reindex (called some ten times
    for each of the assessment's 230 series).
    """
    want = np.arange(start.ordinal, end.ordinal + 1)
    held = s.index.asi8
    if len(held):
        pos = np.searchsorted(held, want).clip(max=len(held) - 1)
        vals = np.where(held[pos] == want, s.to_numpy(dtype=float)[pos], np.nan)
    else:
        vals = np.full(len(want), np.nan)
    missing = [str(pd.Period(ordinal=int(o), freq="M")) for o in want[np.isnan(vals)]]
    return (np.nan if missing else float(vals.sum())), missing


def _verdict(test: RateRatio) -> str:
    if not test.significant:
        return "no significant change"
    return "significant increase" if test.rate_ratio > 1 else "significant decrease"


def baselines(
    series: pd.Series,
    *,
    end: str | pd.Period | None = None,
    months: int = 1,
    kinds: Sequence[str] = BASELINES,
    alpha: float = 0.05,
    phi: float = 1.0,
) -> pd.DataFrame:
    """Compare the latest period with standard baselines, counts beside every percentage.

    Parameters
    ----------
    series
        Monthly counts (see :func:`as_monthly`).
    end
        Last month of the current period (default: the last month in ``series``).
    months
        Length of the current period in months (1 = the month, 3 = a quarter, ...).
    kinds
        Which baselines, in order: ``"last_year"`` (same months a year earlier),
        ``"three_year_average"`` (mean of the same months 1, 2 and 3 years earlier),
        ``"2019"`` (the same calendar months in 2019, before the pandemic) and
        ``"rolling_12"`` (the 12 months to ``end`` against the 12 months before; this row
        ignores ``months``).
    alpha
        1 - confidence level of the test.
    phi
        Dispersion factor of the series (1: Poisson); the tests scale the variance by it.

    Returns
    -------
    pandas.DataFrame
        One row per baseline: ``baseline`` (label), ``current_period``,
        ``current_count``, ``baseline_period``, ``baseline_count`` (for the three-year
        average, the mean), ``change``, ``pct_change``, ``rate_ratio``, ``p_value``,
        ``verdict`` (``"significant increase"``, ``"significant decrease"``, ``"no
        significant change"`` or ``"not available"``) and ``note`` (why a baseline is not
        available, e.g. the months missing from the data).
    """
    s = as_monthly(series)
    if s.dropna().empty:
        raise ValueError("series has no values")
    if months < 1:
        raise ValueError(f"months must be 1 or more, got {months}")
    unknown = [k for k in kinds if k not in BASELINES]
    if unknown:
        raise ValueError(f"unknown baseline(s) {unknown}; choose from {list(BASELINES)}")
    end_p = s.dropna().index[-1] if end is None else pd.Period(end, freq="M")
    rows = []
    for kind in kinds:
        if kind == "rolling_12":
            cur_start, cur_end = end_p - 11, end_p
        else:
            cur_start, cur_end = end_p - (months - 1), end_p
        current, cur_missing = _window_sum(s, cur_start, cur_end)
        if kind == "last_year":
            shifts = [12]
        elif kind == "three_year_average":
            shifts = [12, 24, 36]
        elif kind == "2019":
            shifts = [(cur_end.year - 2019) * 12]
        else:
            shifts = [12]
        totals, missing = [], list(cur_missing)
        for sh in shifts:
            t, miss = _window_sum(s, cur_start - sh, cur_end - sh)
            totals.append(t)
            missing += miss
        if len(shifts) == 1:
            base_label = period_label(cur_start - shifts[0], cur_end - shifts[0])
        else:
            base_label = ", ".join(
                period_label(cur_start - sh, cur_end - sh) for sh in reversed(shifts)
            )
        row = {
            "baseline": BASELINE_LABELS[kind],
            "current_period": period_label(cur_start, cur_end),
            "current_count": current,
            "baseline_period": base_label,
            "baseline_count": np.nan,
            "change": np.nan,
            "pct_change": np.nan,
            "rate_ratio": np.nan,
            "p_value": np.nan,
            "verdict": "not available",
            "note": "",
        }
        if kind == "2019" and shifts[0] <= 0:
            row["note"] = "the current period is not after 2019"
        elif missing:
            first = str(s.dropna().index[0])
            row["note"] = f"no data for {months_text(missing)} (the data start in {first})"
        else:
            before = float(np.mean(totals))
            test = change_test(current, float(np.sum(totals)), exposure_before=len(shifts), phi=phi)
            test.alpha = alpha
            row.update(
                baseline_count=before,
                change=current - before,
                pct_change=(current - before) / before * 100 if before > 0 else np.nan,
                rate_ratio=test.rate_ratio,
                p_value=test.p_value,
                verdict=_verdict(test),
            )
        rows.append(row)
    return pd.DataFrame(rows)


def months_text(missing: list[str]) -> str:
    """Name months briefly: "2020-01, 2020-02", or "2020-01 to 2020-12 (12 months)"."""
    uniq = sorted(set(missing))
    if len(uniq) <= 3:
        return ", ".join(uniq)
    return f"{uniq[0]} to {uniq[-1]} ({len(uniq)} months)"


#: Fewest years of each calendar month, outside disrupted months, for a seasonal claim.
MIN_SEASONAL_YEARS = 3


def seasonal_years(
    months: pd.PeriodIndex | pd.DatetimeIndex | pd.Series,
    *,
    exclude: tuple[str, str] | None = None,
) -> int:
    """How many years of evidence a seasonal pattern rests on.

    For each calendar month, count the years in which it is present and outside the
    ``exclude`` period (inclusive ``YYYY-MM`` bounds, e.g. the lockdown restrictions);
    the answer is the smallest of the twelve counts. A pattern such as "highest in
    August, lowest in April" needs every month seen in several ordinary years
    (:data:`MIN_SEASONAL_YEARS`); otherwise a single odd April (April 2020) makes it.

    Examples
    --------
    December 2019 to October 2022 without March 2020 to July 2021: only one ordinary
    April, May, June and July (2022).

    >>> m = pd.period_range("2019-12", "2022-10", freq="M")
    >>> seasonal_years(m, exclude=("2020-03", "2021-07"))
    1
    """
    idx = (
        pd.PeriodIndex(pd.Series(months).dt.to_period("M"))
        if not isinstance(months, pd.PeriodIndex)
        else months
    )
    keep = pd.Series(True, index=idx)
    if exclude is not None:
        lo, hi = pd.Period(exclude[0], "M"), pd.Period(exclude[1], "M")
        keep = pd.Series([not (lo <= m <= hi) for m in idx], index=idx)
    ok = idx[keep.to_numpy()]
    counts = pd.Series([m.month for m in ok]).value_counts()
    return int(min(counts.get(k, 0) for k in range(1, 13)))


def decompose(series: pd.Series, *, period: int = 12, robust: bool = True) -> pd.DataFrame:
    """Split a monthly series into trend, seasonal and remainder with STL.

    STL (seasonal-trend decomposition using LOESS, Cleveland et al. 1990) as implemented
    in statsmodels. ``robust=True`` down-weights one-off spikes so they land in the
    remainder instead of distorting the trend.

    Parameters
    ----------
    series
        Monthly values with no missing months (STL cannot fill gaps; fill or trim first).
    period
        Length of the seasonal cycle (12 for months).
    robust
        Use STL's robust fitting.

    Returns
    -------
    pandas.DataFrame
        Indexed by month: ``observed``, ``trend``, ``seasonal``, ``remainder``
        (observed = trend + seasonal + remainder).
    """
    from statsmodels.tsa.seasonal import STL

    s = _complete(series, "decompose")
    if len(s) < 2 * period:
        raise ValueError(
            f"decompose needs at least two full cycles ({2 * period} months); got {len(s)}"
        )
    res = STL(s.to_numpy(), period=period, robust=robust).fit()
    return pd.DataFrame(
        {
            "observed": s.to_numpy(),
            "trend": res.trend,
            "seasonal": res.seasonal,
            "remainder": res.resid,
        },
        index=s.index,
    )


def _complete(series: pd.Series, what: str) -> pd.Series:
    """Monthly series with every month from first to last present; else a clear error."""
    s = as_monthly(series)
    full = pd.period_range(s.index[0], s.index[-1], freq="M")
    s = s.reindex(full)
    if s.isna().any():
        gaps = [str(m) for m in s.index[s.isna().to_numpy()]]
        raise ValueError(f"{what} needs every month: no value for {months_text(gaps)}")
    return s


def forecast(
    series: pd.Series,
    *,
    horizon: int = 12,
    seasonal: bool = True,
    trend: bool = True,
    damped: bool = True,
    level: float = 0.95,
    method: str = "analytic",
    repetitions: int = 1000,
    seed: int = 0,
    period: int = 12,
    clip_at_zero: bool = True,
) -> pd.DataFrame:
    """Forecast a monthly series with Holt-Winters exponential smoothing.

    The model is additive error, additive (optionally damped) trend and additive
    seasonality: ETS(A,Ad,A), the state-space form of Holt-Winters, fitted by maximum
    likelihood with statsmodels. Prediction intervals are analytic (exact for this model)
    or simulated from the fitted model.

    Parameters
    ----------
    series
        Monthly values, no missing months.
    horizon
        Months to forecast.
    seasonal, trend, damped
        Model components. Seasonality needs two full cycles; with fewer months the model
        is fitted without it and a note says so.
    level
        Coverage of the prediction interval (0.95 = 95%).
    method
        ``"analytic"`` or ``"simulation"``.
    repetitions, seed
        Simulation paths and random seed (``method="simulation"``).
    period
        Seasonal cycle length.
    clip_at_zero
        Counts cannot be negative: clip forecasts and lower limits at 0.

    Returns
    -------
    pandas.DataFrame
        Indexed by month over history and horizon: ``actual`` and ``fitted`` (history),
        ``forecast``, ``lower``, ``upper`` (horizon). ``attrs["forecast"]`` describes the
        model, the interval and any notes.
    """
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    if method not in ("analytic", "simulation"):
        raise ValueError(f"method must be 'analytic' or 'simulation', got {method!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if horizon < 1:
        raise ValueError(f"horizon must be 1 or more, got {horizon}")
    s = _complete(series, "forecast")
    notes: list[str] = []
    if seasonal and len(s) < 2 * period:
        seasonal = False
        notes.append(
            f"Only {len(s)} months: fewer than two full years, so no seasonal pattern was fitted."
        )
    if len(s) < 4:
        raise ValueError(f"forecast needs at least 4 months; got {len(s)}")
    y = pd.Series(s.to_numpy(), index=s.index.to_timestamp())
    y.index.freq = "MS"
    model = ETSModel(
        y,
        error="add",
        trend="add" if trend else None,
        damped_trend=bool(trend and damped),
        seasonal="add" if seasonal else None,
        seasonal_periods=period if seasonal else None,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = model.fit(disp=False)
    for w in caught:
        if "converg" in str(w.message).lower():
            notes.append(f"The model fit reported: {w.message}")
    n = len(y)
    if method == "analytic":
        pred = fit.get_prediction(start=n, end=n + horizon - 1, method="exact")
    else:
        pred = fit.get_prediction(
            start=n,
            end=n + horizon - 1,
            method="simulated",
            simulate_repetitions=repetitions,
            rng=np.random.default_rng(seed),
        )
    frame = pred.summary_frame(alpha=1 - level)
    future = pd.period_range(s.index[-1] + 1, periods=horizon, freq="M")
    fc = frame["mean"].to_numpy()
    lo = frame["pi_lower"].to_numpy()
    hi = frame["pi_upper"].to_numpy()
    if clip_at_zero:
        fc, lo, hi = np.maximum(fc, 0), np.maximum(lo, 0), np.maximum(hi, 0)
    hist = pd.DataFrame(
        {"actual": s.to_numpy(), "fitted": np.asarray(fit.fittedvalues)}, index=s.index
    )
    fut = pd.DataFrame({"forecast": fc, "lower": lo, "upper": hi}, index=future)
    out = pd.concat([hist, fut]).reindex(columns=["actual", "fitted", "forecast", "lower", "upper"])
    parts = ["additive error"]
    if trend:
        parts.append("damped additive trend" if damped else "additive trend")
    if seasonal:
        parts.append(f"additive seasonality ({period} months)")
    out.attrs["forecast"] = {
        "model": "Exponential smoothing (Holt-Winters, ETS) with " + ", ".join(parts),
        "interval": f"{level * 100:g}% prediction interval ({method})",
        "level": level,
        "params": {
            name: float(getattr(fit, name))
            for name in (
                "smoothing_level",
                "smoothing_trend",
                "smoothing_seasonal",
                "damping_trend",
            )
            if getattr(fit, name, None) is not None
        }
        | {"mse": float(fit.mse)},
        "notes": notes,
    }
    return out
