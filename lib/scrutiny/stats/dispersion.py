"""Over-dispersion and proportions: significance that allows for how crime counts really vary.

Crime counts vary far more than a Poisson model allows (the month-to-month spread of a
force's violence is about seven times its Poisson variance; forces differ from each other
far more than chance). A test that assumes Poisson variation then calls almost everything
"significant". This module gives the adjusted versions used wherever a page claims
significance:

* :func:`series_dispersion`: the dispersion factor phi of a monthly series, from its own
  moving range (the same sigma the SPC chart uses), never below 1;
* :func:`quasi_rate_ratio_test`: two rates compared with the variance scaled by phi
  (quasi-Poisson, Wald test on the log rate ratio); with phi = 1 it is the exact test;
* :func:`funnel_dispersion` and :func:`funnel_limits_adjusted`: Spiegelhalter's (2005)
  over-dispersed funnel limits: z-scores winsorised at 10% each end, the multiplicative
  factor phi and the additive random-effects variance tau-squared, as NHS-R's FunnelPlotR;
* :func:`clopper_pearson_ci`: the exact (Clopper-Pearson) interval for a proportion, for
  survey shares such as victims satisfied of victims asked;
* :func:`wilson_ci` and :func:`newcombe_difference`: proportions (such as the share of
  crimes charged) compared as proportions, with Wilson score intervals and Newcombe's
  hybrid score interval for a difference, as Public Health England's Fingertips does.

References: Spiegelhalter D.J. (2005) Handling over-dispersion of performance indicators,
Quality and Safety in Health Care 14: 347-351; Wilson E.B. (1927) JASA 22: 209-212;
Clopper C.J., Pearson E.S. (1934) Biometrika 26: 404-413;
Newcombe R.G. (1998) Interval estimation for the difference between independent
proportions, Statistics in Medicine 17: 873-890 (method 10).

scipy is imported inside the functions that use it, not with the module: importing the
briefings (every notebook's first cell) must not pay for it (tests/test_imports.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrutiny.stats.compare import RateRatio, funnel, funnel_bands, rate_ratio_test

#: d2 for moving ranges of two points: sigma = mean moving range / 1.128.
D2 = 1.128
#: Share of z-scores winsorised at each end before estimating over-dispersion.
WINSOR = 0.10


def series_dispersion(values: Sequence[float] | np.ndarray | pd.Series) -> float:
    """The dispersion factor phi of a monthly count series, never below 1.

    phi = (sigma / sqrt(mean))^2, where sigma = mean moving range / 1.128 is the
    short-term spread the XmR chart uses and sqrt(mean) is the spread a Poisson count with
    that mean would have. Missing values are skipped (a moving range needs two neighbours).

    Parameters
    ----------
    values
        Monthly counts, in order.

    Returns
    -------
    float
        phi (1.0 when the series varies no more than Poisson, or has too few points).

    Examples
    --------
    Counts alternating 90, 110: moving range 20, sigma 17.73, mean 100, phi = 3.14.

    >>> round(series_dispersion([90, 110, 90, 110]), 2)
    3.14
    """
    x = np.asarray(values, dtype=float)
    if (x[~np.isnan(x)] < 0).any():
        raise ValueError("counts must not be negative")
    mr = np.abs(np.diff(x))
    mr = mr[~np.isnan(mr)]
    obs = x[~np.isnan(x)]
    if len(mr) < 2 or obs.mean() <= 0:
        return 1.0
    sigma = mr.mean() / D2
    return float(max(1.0, (sigma / math.sqrt(obs.mean())) ** 2))


def quasi_rate_ratio_test(
    count1: float,
    exposure1: float,
    count2: float,
    exposure2: float,
    *,
    phi: float = 1.0,
    alpha: float = 0.05,
) -> RateRatio:
    """Compare two rates allowing for over-dispersion (quasi-Poisson).

    With ``phi`` at most 1 (or a zero count, where the log ratio is undefined) this is the
    exact conditional test (:func:`scrutiny.stats.compare.rate_ratio_test`). Otherwise the
    log rate ratio is compared with its standard error sqrt(phi x (1/count1 + 1/count2)):
    z = log(ratio) / se, p two-sided from the normal distribution, interval
    exp(log(ratio) +/- z_(1 - alpha/2) x se).

    Parameters
    ----------
    count1, exposure1, count2, exposure2
        Counts (whole numbers >= 0) and their exposures (> 0).
    phi
        Dispersion factor (:func:`series_dispersion` or :func:`funnel_dispersion`).
    alpha
        1 - confidence level.

    Returns
    -------
    RateRatio
    """
    if not (phi >= 1.0 or phi > 0):
        raise ValueError(f"phi must be positive, got {phi}")
    if phi <= 1.0 or count1 <= 0 or count2 <= 0:
        return rate_ratio_test(count1, exposure1, count2, exposure2, alpha=alpha)
    exact = rate_ratio_test(count1, exposure1, count2, exposure2, alpha=alpha)  # checks input
    log_rr = math.log(exact.rate_ratio)
    se = math.sqrt(phi * (1 / count1 + 1 / count2))
    z = log_rr / se
    from scipy import stats

    p = float(2 * stats.norm.sf(abs(z)))
    half = stats.norm.ppf(1 - alpha / 2) * se
    return RateRatio(
        count1,
        exposure1,
        count2,
        exposure2,
        exact.rate_ratio,
        math.exp(log_rr - half),
        math.exp(log_rr + half),
        p,
        alpha,
    )


@dataclass(frozen=True)
class FunnelDispersion:
    """Over-dispersion of areas around a funnel's target (Spiegelhalter 2005).

    Attributes
    ----------
    phi
        Multiplicative factor: the mean of the squared winsorised z-scores.
    tau2
        Additive between-area variance (0 when phi shows no over-dispersion), in the
        units of the rate per ``per``, squared.
    n
        Areas used.
    z
        Each area's z-score before winsorising (index as given).
    """

    phi: float
    tau2: float
    n: int
    z: pd.Series

    @property
    def overdispersed(self) -> bool:
        """Whether the areas vary more than chance (phi above 1)."""
        return self.phi > 1.0


def _standard_errors(population: np.ndarray, target_rate: float, per: float) -> np.ndarray:
    """Poisson standard error of a rate per ``per`` at the target, for each population."""
    return np.sqrt(target_rate * per / population)


def funnel_dispersion(
    counts: Sequence[float] | np.ndarray | pd.Series,
    population: Sequence[float] | np.ndarray | pd.Series,
    target_rate: float,
    *,
    per: int = 1000,
    winsor: float = WINSOR,
) -> FunnelDispersion:
    """Estimate over-dispersion of area rates around a target rate.

    z_i = (rate_i - target) / s_i with s_i = sqrt(target x per / population_i); the
    z-scores are winsorised at the ``winsor`` and ``1 - winsor`` quantiles (linear
    interpolation); phi = mean(z_w^2); with weights w_i = 1 / s_i^2,
    tau^2 = (n phi - (n - 1)) / (sum w - sum w^2 / sum w), or 0 when n phi <= n - 1.

    Parameters
    ----------
    counts, population
        One entry per area.
    target_rate
        The funnel's centre per ``per`` people.
    per
        Rates per this many people.
    winsor
        Share winsorised at each end (0.1 as Spiegelhalter and FunnelPlotR).

    Returns
    -------
    FunnelDispersion
    """
    c = pd.Series(counts, dtype=float)
    pop = pd.Series(np.asarray(population, dtype=float), index=c.index)
    if (pop <= 0).any() or pop.isna().any():
        raise ValueError("every population must be a positive number")
    if c.isna().any() or (c < 0).any():
        raise ValueError("every count must be a number of 0 or more")
    if not target_rate > 0:
        raise ValueError(f"target_rate must be positive, got {target_rate}")
    s = _standard_errors(pop.to_numpy(), target_rate, per)
    z = (c.to_numpy() / pop.to_numpy() * per - target_rate) / s
    lo, hi = np.quantile(z, [winsor, 1 - winsor])
    zw = np.clip(z, lo, hi)
    n = len(z)
    phi = float(np.mean(zw**2)) if n else 1.0
    w = 1 / s**2
    denom = w.sum() - (w**2).sum() / w.sum() if n > 1 else 0.0
    tau2 = float(max(0.0, (n * phi - (n - 1)) / denom)) if denom > 0 else 0.0
    return FunnelDispersion(phi=phi, tau2=tau2, n=n, z=pd.Series(z, index=c.index))


def funnel_limits_adjusted(
    population: Sequence[float] | np.ndarray | pd.Series,
    target_rate: float,
    dispersion: FunnelDispersion | None,
    *,
    method: str = "additive",
    per: int = 1000,
    levels: Sequence[float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Funnel limits allowing for over-dispersion (normal approximation).

    ``additive``: target +/- z x sqrt(s^2 + tau^2); ``multiplicative``: target +/-
    z x sqrt(phi) x s; ``none`` (or no over-dispersion): target +/- z x s. Lower limits
    stop at 0.

    Returns
    -------
    pandas.DataFrame
        ``population`` and ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8``.
    """
    if method not in ("additive", "multiplicative", "none"):
        raise ValueError(f"method must be additive, multiplicative or none, got {method!r}")
    pop = np.atleast_1d(np.asarray(population, dtype=float))
    s = _standard_errors(pop, target_rate, per)
    if dispersion is None or not dispersion.overdispersed or method == "none":
        spread = s
    elif method == "additive":
        spread = np.sqrt(s**2 + dispersion.tau2)
    else:
        spread = np.sqrt(dispersion.phi) * s
    from scipy import stats

    out = pd.DataFrame({"population": pop})
    for level in levels:
        name = f"{level * 100:.10g}".replace(".", "_")
        zq = stats.norm.ppf(1 - (1 - level) / 2)
        out[f"lower_{name}"] = np.maximum(target_rate - zq * spread, 0.0)
        out[f"upper_{name}"] = target_rate + zq * spread
    return out


def funnel_adjusted(
    data: pd.DataFrame,
    target_rate: float,
    dispersion: FunnelDispersion | None,
    *,
    method: str = "additive",
    count: str = "count",
    population: str = "population",
    per: int = 1000,
) -> pd.DataFrame:
    """:func:`scrutiny.stats.compare.funnel` with limits that allow for over-dispersion.

    Without over-dispersion (or with ``method="none"``) this is ``compare.funnel``: exact
    Poisson limits. Otherwise each area's limits are :func:`funnel_limits_adjusted` at its
    population, and its band is read from them, so a point beyond the 95% limit is exactly
    an area that :func:`rates_table_adjusted` calls significantly different at alpha 0.05.

    Parameters
    ----------
    data
        One row per area (index) with count and population.
    target_rate
        Centre of the funnel per ``per``.
    dispersion
        The areas' over-dispersion (:func:`funnel_dispersion`, estimated on the same areas
        and target as the verdicts), or None.
    method
        ``additive``, ``multiplicative`` or ``none``.
    count, population, per
        As for ``compare.funnel``.

    Returns
    -------
    pandas.DataFrame
        The columns of ``compare.funnel`` plus ``phi`` and ``tau2`` (both 0 when the limits
        allow for chance alone) and ``limits_method`` (``method``, or ``"none"``), so that a
        chart can draw the same curves.
    """
    out = funnel(data, count=count, population=population, target_rate=target_rate, per=per)
    adjust = dispersion is not None and dispersion.overdispersed and method != "none"
    if adjust:
        lim = funnel_limits_adjusted(
            out["population"].to_numpy(dtype=float), target_rate, dispersion, method=method, per=per
        )
        for col in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
            out[col] = lim[col].to_numpy()
        out["band"] = funnel_bands(out)
    out["phi"] = dispersion.phi if adjust else 0.0
    out["tau2"] = dispersion.tau2 if adjust else 0.0
    out["limits_method"] = method if adjust else "none"
    return out


def dispersion_of(phi: float, tau2: float) -> FunnelDispersion:
    """A :class:`FunnelDispersion` from its two figures (to redraw limits from a table)."""
    return FunnelDispersion(phi=float(phi), tau2=float(tau2), n=0, z=pd.Series(dtype=float))


# ---------------------------------------------------------------- proportions


def wilson_ci(
    successes: float | np.ndarray, n: float | np.ndarray, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray] | tuple[float, float]:
    """Wilson score interval for a proportion (as proportions, 0 to 1).

    Examples
    --------
    >>> lo, hi = wilson_ci(5, 10)
    >>> round(lo, 4), round(hi, 4)
    (0.2366, 0.7634)
    """
    scalar = np.ndim(successes) == 0 and np.ndim(n) == 0
    x = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if (m <= 0).any() or (x < 0).any() or (x > m).any():
        raise ValueError("need 0 <= successes <= n and n > 0")
    from scipy import stats

    z = stats.norm.ppf(1 - alpha / 2)
    p = x / m
    centre = (p + z**2 / (2 * m)) / (1 + z**2 / m)
    half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / (1 + z**2 / m)
    lo, hi = np.maximum(centre - half, 0.0), np.minimum(centre + half, 1.0)
    if scalar:
        return float(lo), float(hi)
    return lo, hi


def clopper_pearson_ci(
    successes: float | np.ndarray, n: float | np.ndarray, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray] | tuple[float, float]:
    """Exact (Clopper-Pearson) interval for a proportion (as proportions, 0 to 1).

    The bounds are the beta quantiles ``Beta(alpha/2; x, n - x + 1)`` and
    ``Beta(1 - alpha/2; x + 1, n - x)``; 0 when ``x = 0`` and 1 when ``x = n``. It
    covers the true proportion at least ``1 - alpha`` of the time for every ``n``.

    Examples
    --------
    >>> lo, hi = clopper_pearson_ci(5, 10)
    >>> round(lo, 4), round(hi, 4)
    (0.1871, 0.8129)
    """
    scalar = np.ndim(successes) == 0 and np.ndim(n) == 0
    x = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if (m <= 0).any() or (x < 0).any() or (x > m).any() or (x != np.round(x)).any():
        raise ValueError("need whole numbers 0 <= successes <= n and n > 0")
    from scipy import stats

    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(x > 0, stats.beta.ppf(alpha / 2, np.maximum(x, 1), m - x + 1), 0.0)
        hi = np.where(x < m, stats.beta.ppf(1 - alpha / 2, x + 1, np.maximum(m - x, 1)), 1.0)
    if scalar:
        return float(lo), float(hi)
    return lo, hi


@dataclass(frozen=True)
class ProportionDifference:
    """Difference between two proportions with Newcombe's hybrid score interval."""

    p1: float
    p2: float
    difference: float
    lower: float
    upper: float
    alpha: float = 0.05

    @property
    def significant(self) -> bool:
        """Whether the interval excludes no difference."""
        return bool(self.lower > 0 or self.upper < 0)


def newcombe_difference(
    x1: float, n1: float, x2: float, n2: float, *, alpha: float = 0.05
) -> ProportionDifference:
    """p1 - p2 with Newcombe's (1998) method 10 interval, built from Wilson intervals.

    lower = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), upper = d + sqrt((u1 - p1)^2 + (p2 - l2)^2).

    Examples
    --------
    Newcombe's own example, 56/70 against 48/80:

    >>> r = newcombe_difference(56, 70, 48, 80)
    >>> round(r.lower, 4), round(r.upper, 4)
    (0.0524, 0.3339)
    """
    l1, u1 = wilson_ci(x1, n1, alpha)
    l2, u2 = wilson_ci(x2, n2, alpha)
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return ProportionDifference(p1, p2, d, lower, upper, alpha)


# ---------------------------------------------------------------- areas against a reference


def rates_table_adjusted(
    data: pd.DataFrame,
    *,
    method: str = "additive",
    count: str = "count",
    population: str = "population",
    per: int = 1000,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """:func:`scrutiny.stats.compare.rates_table` with verdicts that allow for over-dispersion.

    The areas' z-scores around the national (pooled) rate give phi and tau^2
    (:func:`funnel_dispersion`); each area's p-value is then 2 x P(Z > |z|) with
    z = (rate - national) / sqrt(s^2 + tau^2) (additive) or / (sqrt(phi) x s)
    (multiplicative), so "significantly higher" means outside the adjusted funnel's limit
    at 1 - alpha. ``method="none"`` keeps the exact Poisson verdicts.

    Returns
    -------
    pandas.DataFrame
        The columns of ``rates_table``; ``attrs["dispersion"]`` holds the
        :class:`FunnelDispersion` and ``attrs["method"]`` the method.
    """
    from scrutiny.stats.compare import rates_table

    out = rates_table(data, count=count, population=population, per=per, alpha=alpha)
    out.attrs["method"] = method
    if method == "none" or len(out) < 3:
        out.attrs["dispersion"] = None
        return out
    national = float(out["national_rate"].iloc[0])
    d = funnel_dispersion(out["count"], out["population"], national, per=per)
    out.attrs["dispersion"] = d
    if not d.overdispersed:
        return out
    s = _standard_errors(out["population"].to_numpy(dtype=float), national, per)
    spread = np.sqrt(s**2 + d.tau2) if method == "additive" else np.sqrt(d.phi) * s
    z = (out["rate"].to_numpy() - national) / spread
    from scipy import stats

    out["p_value"] = 2 * stats.norm.sf(np.abs(z))
    out["verdict"] = [
        "not significantly different"
        if p >= alpha
        else ("significantly higher" if zz > 0 else "significantly lower")
        for p, zz in zip(out["p_value"], z, strict=True)
    ]
    return out


def peer_phi(dispersion: FunnelDispersion | None) -> float:
    """The multiplicative factor to use for a comparison with pooled peers (1 without)."""
    return dispersion.phi if dispersion is not None and dispersion.overdispersed else 1.0
