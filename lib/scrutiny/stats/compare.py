"""Comparison: rates with exact confidence intervals, tests against a reference, funnels, peers.

* :func:`poisson_ci` and :func:`rates` give rates per 1,000 people with exact Poisson
  (Garwood, chi-square) 95% confidence intervals.
* :func:`rates_table` compares every area with the national rate; :func:`compare_with_peers`
  compares one area with the pooled rate of its peer group (exact conditional test) and
  ranks it.
* :func:`funnel_limits` and :func:`funnel` give Spiegelhalter's funnel plot with 95% and
  99.8% limits (exact Poisson, with his interpolation for a discrete distribution).
* :func:`peer_group` picks "forces similar in size and make-up" transparently: nearest
  neighbours on standardised features, with every feature and distance in a table.
* :func:`rate_ratio_test` is the exact test of whether two rates differ (also used by
  :mod:`scrutiny.stats.trends` for changes over time).

Tests are two-sided and "central" (twice the smaller tail), so a verdict of "significant at
95%" happens exactly when the reference lies outside the 95% interval shown beside it.

scipy is imported inside the functions that use it, not with the module: importing the
briefings (every notebook's first cell) must not pay for it (tests/test_imports.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

PER = 1000
FUNNEL_LEVELS = (0.95, 0.998)
#: The smallest population a rate is given for: below it a "rate per 1,000" is not a rate
#: of anything (a district has tens of thousands of people, an LSOA about 1,500).
MIN_POPULATION = 100


# ---------------------------------------------------------------- intervals and tests


def poisson_ci(
    count: float | Sequence[float] | np.ndarray | pd.Series, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray] | tuple[float, float]:
    """Exact (Garwood) confidence interval for a Poisson count.

    lower = chi2(alpha/2; 2x)/2 (0 when x = 0), upper = chi2(1 - alpha/2; 2x + 2)/2.

    Parameters
    ----------
    count
        Observed count(s), whole numbers >= 0.
    alpha
        1 - confidence level (0.05 for 95%).

    Returns
    -------
    tuple
        (lower, upper) as floats for a scalar count, arrays otherwise.

    Examples
    --------
    >>> lo, hi = poisson_ci(10)
    >>> round(lo, 3), round(hi, 2)
    (4.795, 18.39)
    """
    scalar = np.ndim(count) == 0
    x = np.asarray(count, dtype=float)
    _check_counts(x, "count")
    from scipy import stats

    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, stats.chi2.ppf(alpha / 2, 2 * x) / 2, 0.0)
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    if scalar:
        return float(lower), float(upper)
    return lower, upper


def _check_counts(x: np.ndarray, name: str) -> None:
    flat = np.atleast_1d(x)
    bad = ~np.isnan(flat) & ((flat < 0) | (flat != np.round(flat)))
    if bad.any():
        where = np.flatnonzero(bad)[:5].tolist()
        raise ValueError(
            f"{name} must be whole numbers of 0 or more; not so at position(s) {where}: "
            f"{flat[bad][:5].tolist()}"
        )


def poisson_test(observed: float, expected: float) -> float:
    """Two-sided exact p-value for an observed count against an expected Poisson mean.

    Uses the central method, ``min(1, 2 * min(P(X <= x), P(X >= x)))``, which matches the
    Garwood interval: p < 0.05 exactly when the expected rate is outside the 95% interval.

    Raises
    ------
    ValueError
        For a missing or negative count (there is nothing to test), or ``expected <= 0``.
    """
    if not observed >= 0:  # also catches NaN
        raise ValueError(f"observed must be a count of 0 or more, got {observed}")
    if expected <= 0:
        raise ValueError(f"expected must be positive, got {expected}")
    from scipy import stats

    lower_tail = stats.poisson.cdf(observed, expected)
    upper_tail = stats.poisson.sf(observed - 1, expected)
    return float(min(1.0, 2 * min(lower_tail, upper_tail)))


@dataclass
class RateRatio:
    """Result of the exact conditional test comparing two Poisson rates.

    Attributes
    ----------
    count1, exposure1, count2, exposure2
        The counts and their exposures (population, or number of periods).
    rate_ratio
        (count1/exposure1) / (count2/exposure2).
    lower, upper
        Exact confidence interval of the rate ratio (from Clopper-Pearson on the share).
    p_value
        Two-sided exact p-value for "the rates are equal".
    alpha
        1 - confidence level.
    """

    count1: float
    exposure1: float
    count2: float
    exposure2: float
    rate_ratio: float
    lower: float
    upper: float
    p_value: float
    alpha: float = 0.05

    @property
    def significant(self) -> bool:
        """Whether the difference is more than chance at the chosen level."""
        return bool(self.p_value < self.alpha)

    @property
    def direction(self) -> str:
        """``"higher"``, ``"lower"`` or ``"no significant difference"`` (first vs second)."""
        if not self.significant:
            return "no significant difference"
        return "higher" if self.rate_ratio > 1 else "lower"


def rate_ratio_test(
    count1: float,
    exposure1: float,
    count2: float,
    exposure2: float,
    *,
    alpha: float = 0.05,
) -> RateRatio:
    """Exact test of whether two Poisson rates differ (conditional binomial test).

    Given the total n = count1 + count2, count1 follows Binomial(n, e1 / (e1 + e2)) when
    the rates are equal. The interval for the ratio comes from the Clopper-Pearson interval
    for the share count1/n, since rate ratio = share / (1 - share) x e2 / e1.

    Parameters
    ----------
    count1, count2
        Counts (whole numbers >= 0).
    exposure1, exposure2
        Exposures (> 0): populations, or the number of months each count covers.
    alpha
        1 - confidence level.

    Returns
    -------
    RateRatio
    """
    for name, c in (("count1", count1), ("count2", count2)):
        if c is None or np.isnan(float(c)):
            raise ValueError(f"{name} is missing: there is nothing to compare")
        _check_counts(np.asarray([c], dtype=float), name)
    for name, e in (("exposure1", exposure1), ("exposure2", exposure2)):
        if not e > 0:
            raise ValueError(f"{name} must be positive, got {e}")
    c1, c2 = int(count1), int(count2)
    n = c1 + c2
    share0 = exposure1 / (exposure1 + exposure2)
    if n == 0:
        return RateRatio(count1, exposure1, count2, exposure2, np.nan, 0.0, np.inf, 1.0, alpha)
    from scipy import stats

    lower_tail = stats.binom.cdf(c1, n, share0)
    upper_tail = stats.binom.sf(c1 - 1, n, share0)
    p = float(min(1.0, 2 * min(lower_tail, upper_tail)))
    lo_share = stats.beta.ppf(alpha / 2, c1, n - c1 + 1) if c1 > 0 else 0.0
    hi_share = stats.beta.ppf(1 - alpha / 2, c1 + 1, n - c1) if c1 < n else 1.0
    scale = exposure2 / exposure1

    def ratio(share: float) -> float:
        return np.inf if share >= 1 else share / (1 - share) * scale

    rr = (c1 / exposure1) / (c2 / exposure2) if c2 > 0 else np.inf
    return RateRatio(
        count1, exposure1, count2, exposure2, rr, ratio(lo_share), ratio(hi_share), p, alpha
    )


# ---------------------------------------------------------------- rates


def rates(
    counts: pd.Series | Sequence[float],
    population: pd.Series | Sequence[float],
    *,
    per: int = PER,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Rates per ``per`` people with exact Poisson confidence intervals.

    Parameters
    ----------
    counts
        Counts per area (a Series keeps its index).
    population
        Population per area, aligned with ``counts``.
    per
        Rate per this many people (1,000 by default).
    alpha
        1 - confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``count``, ``population``, ``rate``, ``lower``, ``upper``.
    """
    index = counts.index if isinstance(counts, pd.Series) else None
    c = np.asarray(counts, dtype=float)
    pop = np.asarray(population, dtype=float)
    if c.shape != pop.shape:
        raise ValueError(f"counts ({len(c)}) and population ({len(pop)}) differ in length")
    small = np.isnan(pop) | (pop < MIN_POPULATION)
    if small.any():
        names = list(index[small]) if index is not None else list(np.flatnonzero(small))
        raise ValueError(
            f"population {pop[small][:5].tolist()} for {names[:5]} is missing or implausibly "
            f"small for a rate (expected at least {MIN_POPULATION} people)"
        )
    lo, hi = poisson_ci(c, alpha)
    return pd.DataFrame(
        {
            "count": c,
            "population": pop,
            "rate": c / pop * per,
            "lower": np.asarray(lo) / pop * per,
            "upper": np.asarray(hi) / pop * per,
        },
        index=index,
    )


def _verdict(p: float, diff: float, alpha: float) -> str:
    if p >= alpha:
        return "not significantly different"
    return "significantly higher" if diff > 0 else "significantly lower"


def rates_table(
    data: pd.DataFrame,
    *,
    count: str = "count",
    population: str = "population",
    national_rate: float | None = None,
    per: int = PER,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Rate, interval and comparison with the national rate for every area.

    The national rate is treated as known (its own uncertainty is negligible beside an
    area's); each area's count is tested against population x national rate with the exact
    Poisson test, so "significantly higher" means the national rate is below the area's
    95% interval.

    Parameters
    ----------
    data
        One row per area (the index names it) with count and population columns.
    count, population
        Column names.
    national_rate
        National rate *per ``per`` people*; default: total count / total population of
        ``data`` (so pass every force, not only the peers).
    per
        Rate per this many people.
    alpha
        1 - confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``count``, ``population``, ``rate``, ``lower``, ``upper``,
        ``national_rate``, ``difference`` (rate - national, per ``per``), ``p_value`` and
        ``verdict`` (``"significantly higher"``, ``"significantly lower"`` or ``"not
        significantly different"``), in the order of ``data``.
    """
    for col in (count, population):
        if col not in data.columns:
            raise ValueError(f"data has no column {col!r} (columns: {list(data.columns)})")
    out = rates(data[count], data[population], per=per, alpha=alpha)
    if national_rate is None:
        national_rate = out["count"].sum() / out["population"].sum() * per
    out["national_rate"] = national_rate
    out["difference"] = out["rate"] - national_rate
    expected = out["population"] * national_rate / per
    # A missing count is "not available", never "not significantly different".
    out["p_value"] = [
        poisson_test(c, e) if not np.isnan(c) else np.nan
        for c, e in zip(out["count"], expected, strict=True)
    ]
    out["verdict"] = [
        _verdict(p, d, alpha) if not np.isnan(p) else "not available"
        for p, d in zip(out["p_value"], out["difference"], strict=True)
    ]
    return out


@dataclass
class PeerComparison:
    """One area compared with the pooled rate of its peers.

    Attributes
    ----------
    area
        The area compared.
    peers
        Its peers (not including itself).
    rate, lower, upper
        The area's rate and exact interval, per ``per``.
    peer_rate
        Total count / total population of the peers, per ``per``.
    difference
        rate - peer_rate.
    test
        The exact rate-ratio test, area vs pooled peers.
    verdict
        ``"significantly higher"``, ``"significantly lower"`` or
        ``"not significantly different"``.
    rank, of
        Position of the area among itself and its peers by rate (1 = highest).
    tied
        Whether another area has the same rate (the rank is then a joint rank).
    table
        The area and each peer with its rate and interval, highest rate first.
    per
        Rates are per this many people.
    """

    area: str
    peers: list[str]
    rate: float
    lower: float
    upper: float
    peer_rate: float
    difference: float
    test: RateRatio
    verdict: str
    rank: int
    of: int
    table: pd.DataFrame = field(repr=False)
    per: int = PER
    tied: bool = False

    @property
    def rank_label(self) -> str:
        """E.g. ``"3rd highest of 8"`` or ``"joint 2nd highest of 8"``."""
        return Rank(position=self.rank, of=self.of, tied=self.tied).label


def compare_with_peers(
    data: pd.DataFrame,
    area: str,
    peers: Sequence[str],
    *,
    count: str = "count",
    population: str = "population",
    per: int = PER,
    alpha: float = 0.05,
    phi: float = 1.0,
) -> PeerComparison:
    """Compare one area's rate with the pooled rate of its peer group.

    With ``phi`` above 1 (areas vary more than chance:
    :func:`scrutiny.stats.dispersion.funnel_dispersion`) the test scales the variance by
    phi (:func:`scrutiny.stats.dispersion.quasi_rate_ratio_test`).

    Parameters
    ----------
    data
        One row per area (index) with count and population columns.
    area
        The area to compare.
    peers
        Peer areas (the area itself is dropped from the list if present).
    count, population, per, alpha
        As for :func:`rates_table`.

    Returns
    -------
    PeerComparison
    """
    names = set(data.index)
    missing = [p for p in [area, *peers] if p not in names]
    if missing:
        raise ValueError(f"not found in the data's index: {missing}")
    peer_list = [p for p in peers if p != area]
    if not peer_list:
        raise ValueError("peers must name at least one area other than the one compared")
    rows = data.loc[[area, *peer_list]]
    table = rates(rows[count], rows[population], per=per, alpha=alpha)
    c1, e1 = float(data.at[area, count]), float(data.at[area, population])
    c2 = float(data.loc[peer_list, count].sum())
    e2 = float(data.loc[peer_list, population].sum())
    if phi > 1.0:
        from scrutiny.stats.dispersion import quasi_rate_ratio_test

        test = quasi_rate_ratio_test(c1, e1, c2, e2, phi=phi, alpha=alpha)
    else:
        test = rate_ratio_test(c1, e1, c2, e2, alpha=alpha)
    rate = c1 / e1 * per
    peer_rate = c2 / e2 * per
    rk = rank_among(table["rate"], area)
    ordered = table.sort_values("rate", ascending=False, kind="stable")
    return PeerComparison(
        area=area,
        peers=peer_list,
        rate=rate,
        lower=float(table.at[area, "lower"]),
        upper=float(table.at[area, "upper"]),
        peer_rate=peer_rate,
        difference=rate - peer_rate,
        test=test,
        verdict=_verdict(test.p_value, rate - peer_rate, alpha),
        rank=rk.position,
        of=rk.of,
        table=ordered,
        per=per,
        tied=rk.tied,
    )


@dataclass
class Rank:
    """Position of one item among others (1 = highest unless ``ascending``)."""

    position: int
    of: int
    ascending: bool = False
    tied: bool = False

    @property
    def label(self) -> str:
        """E.g. ``"3rd highest of 8"`` or ``"joint 2nd lowest of 8"``."""
        word = "lowest" if self.ascending else "highest"
        joint = "joint " if self.tied else ""
        return f"{joint}{ordinal(self.position)} {word} of {self.of}"


def ordinal(n: int) -> str:
    """Return 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_among(values: pd.Series, item: str, *, ascending: bool = False) -> Rank:
    """Rank ``item`` among ``values`` (1 = highest; ties share the better position).

    Missing values are left out of the count.
    """
    if item not in values.index:
        raise ValueError(f"{item!r} is not in the values' index")
    v = values.dropna()
    if item not in v.index:
        raise ValueError(f"{item!r} has no value to rank")
    ranks = v.rank(method="min", ascending=ascending)
    position = int(ranks[item])
    tied = int((ranks == position).sum()) > 1
    return Rank(position=position, of=len(v), ascending=ascending, tied=tied)


# ---------------------------------------------------------------- funnel plots


def _spiegelhalter(p: float, expected: np.ndarray) -> np.ndarray:
    """Exact Poisson limit at probability p with Spiegelhalter's interpolation (counts)."""
    from scipy import stats

    r = stats.poisson.ppf(p, expected)
    f_r = stats.poisson.cdf(r, expected)
    f_r1 = stats.poisson.cdf(r - 1, expected)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(f_r > f_r1, (f_r - p) / (f_r - f_r1), 0.0)
    return np.maximum(r - a, 0.0)


def funnel_limits(
    population: float | Sequence[float] | np.ndarray,
    target_rate: float,
    *,
    per: int = PER,
    levels: Sequence[float] = FUNNEL_LEVELS,
) -> pd.DataFrame:
    """Funnel-plot control limits for a rate (Spiegelhalter 2005, exact Poisson).

    For expected count E = population x target rate, the limit at probability p is
    r_p - a, where r_p is the smallest r with P(X <= r) >= p and
    a = (P(X <= r_p) - p) / (P(X <= r_p) - P(X <= r_p - 1)); divide by population.

    Parameters
    ----------
    population
        Population(s) at which to give the limits.
    target_rate
        The rate the funnel is centred on, per ``per`` (usually the national rate).
    per
        Rates per this many people.
    levels
        Two-sided coverage of each pair of limits (95% and 99.8% by default).

    Returns
    -------
    pandas.DataFrame
        ``population``, ``expected`` and for each level ``lower_95``/``upper_95``,
        ``lower_99_8``/``upper_99_8`` (rates per ``per``).
    """
    pop = np.atleast_1d(np.asarray(population, dtype=float))
    if (pop <= 0).any():
        raise ValueError("population must be positive")
    if not target_rate > 0:
        raise ValueError(f"target_rate must be positive, got {target_rate}")
    expected = pop * target_rate / per
    out = pd.DataFrame({"population": pop, "expected": expected})
    for level in levels:
        tail = (1 - level) / 2
        name = _level_name(level)
        out[f"lower_{name}"] = _spiegelhalter(tail, expected) / pop * per
        out[f"upper_{name}"] = _spiegelhalter(1 - tail, expected) / pop * per
    return out


def _level_name(level: float) -> str:
    """0.95 -> '95', 0.998 -> '99_8'."""
    text = f"{level * 100:.10g}"
    return text.replace(".", "_")


def funnel(
    data: pd.DataFrame,
    *,
    count: str = "count",
    population: str = "population",
    target_rate: float | None = None,
    per: int = PER,
) -> pd.DataFrame:
    """Place each area on a funnel plot: its rate, the limits at its size, and its band.

    Parameters
    ----------
    data
        One row per area (index) with count and population.
    count, population
        Column names.
    target_rate
        Centre of the funnel per ``per``; default: pooled rate of ``data``.
    per
        Rates per this many people.

    Returns
    -------
    pandas.DataFrame
        ``count``, ``population``, ``rate``, ``target_rate``, ``lower_95``, ``upper_95``,
        ``lower_99_8``, ``upper_99_8`` and ``band``: ``"within 95% limits"``,
        ``"above 95% limit"``, ``"below 95% limit"``, ``"above 99.8% limit"`` or
        ``"below 99.8% limit"``.
    """
    c = data[count].astype(float)
    pop = data[population].astype(float)
    if target_rate is None:
        target_rate = float(c.sum() / pop.sum() * per)
    lim = funnel_limits(pop.to_numpy(), target_rate, per=per)
    lim.index = data.index
    out = pd.DataFrame(
        {"count": c, "population": pop, "rate": c / pop * per, "target_rate": target_rate},
        index=data.index,
    )
    for col in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
        out[col] = lim[col]
    out["band"] = funnel_bands(out)
    return out


def funnel_bands(frame: pd.DataFrame) -> np.ndarray:
    """Each area's band on a funnel plot from its ``rate`` and the four limit columns.

    Examples
    --------
    >>> f = pd.DataFrame({"rate": [5.0, 11.0, 20.0], "lower_95": 6.0, "upper_95": 10.0,
    ...                   "lower_99_8": 4.0, "upper_99_8": 12.0})
    >>> funnel_bands(f).tolist()
    ['below 95% limit', 'above 95% limit', 'above 99.8% limit']
    """
    band = np.full(len(frame), "within 95% limits", dtype=object)
    r = frame["rate"].to_numpy()
    band[r > frame["upper_95"].to_numpy()] = "above 95% limit"
    band[r < frame["lower_95"].to_numpy()] = "below 95% limit"
    band[r > frame["upper_99_8"].to_numpy()] = "above 99.8% limit"
    band[r < frame["lower_99_8"].to_numpy()] = "below 99.8% limit"
    return band


# ---------------------------------------------------------------- peer groups


@dataclass
class PeerGroup:
    """A peer group with the evidence for it.

    Attributes
    ----------
    force
        The force the group is for.
    peers
        Its peers, nearest first (not including itself).
    table
        Every force: the features as given, the standardised (and logged) values used,
        ``distance`` from ``force``, ``rank`` (0 = the force itself) and ``peer``.
    features
        The feature columns used.
    logged
        Features log-transformed before standardising.
    method
        A plain-English description of how the group was chosen.
    """

    force: str
    peers: list[str]
    table: pd.DataFrame
    features: list[str]
    logged: list[str]
    method: str


def peer_group(
    profiles: pd.DataFrame,
    force: str,
    *,
    k: int = 7,
    features: Sequence[str] | None = None,
    log_columns: Sequence[str] = ("population", "density"),
    weights: dict[str, float] | None = None,
    peers: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
) -> PeerGroup:
    """Choose (or document) the forces most similar to ``force``.

    By default the peers are the ``k`` nearest forces by Euclidean distance on the
    features, each standardised to mean 0 and standard deviation 1 across all forces
    (after taking logs of ``log_columns``, because population and density span orders of
    magnitude and would otherwise let a few large forces dominate). Pass ``peers`` to use a
    fixed list instead; the distances are still reported so a reader can check it.

    Parameters
    ----------
    profiles
        One row per force (index: force name) with numeric feature columns.
    force
        The force whose peers are wanted.
    k
        Number of peers.
    features
        Columns to use (default: every numeric column).
    log_columns
        Features to log-transform first (only those present in ``features``; values must
        be positive).
    weights
        Optional weight per feature (default 1 each); a weight of 2 counts that feature
        twice as much in the distance.
    peers
        A configured peer list, overriding the nearest-neighbour choice.
    exclude
        Forces to leave out entirely (not candidates, and not used to standardise), e.g.
        the City of London, whose tiny resident population makes its rates incomparable.

    Returns
    -------
    PeerGroup
    """
    missing_ex = [f for f in exclude if f not in profiles.index]
    if missing_ex:
        raise ValueError(f"exclude names forces not in the profiles: {missing_ex}")
    if force in set(exclude):
        raise ValueError(f"cannot exclude {force!r}: it is the force compared")
    profiles = profiles.drop(index=list(exclude))
    if force not in profiles.index:
        raise ValueError(f"force {force!r} is not in the profiles' index")
    if profiles.index.has_duplicates:
        dup = profiles.index[profiles.index.duplicated()][0]
        raise ValueError(f"profiles lists {dup!r} more than once")
    if features is None:
        features = [c for c in profiles.columns if pd.api.types.is_numeric_dtype(profiles[c])]
    features = list(features)
    if not features:
        raise ValueError("profiles has no numeric feature columns")
    for col in features:
        if col not in profiles.columns:
            raise ValueError(f"feature {col!r} is not a column of profiles")
        if not pd.api.types.is_numeric_dtype(profiles[col]):
            raise ValueError(f"feature {col!r} must be numeric")
        bad = profiles.index[profiles[col].isna()].tolist()
        if bad:
            raise ValueError(f"feature {col!r} is missing for {bad}")
    weights = weights or {}
    unknown = set(weights) - set(features)
    if unknown:
        raise ValueError(f"weights name columns that are not features: {sorted(unknown)}")

    used = profiles[features].astype(float).copy()
    logged = [c for c in features if c in set(log_columns)]
    for col in logged:
        if (used[col] <= 0).any():
            bad = used.index[used[col] <= 0].tolist()
            raise ValueError(f"feature {col!r} must be positive to take logs; not for {bad}")
        used[col] = np.log(used[col])
    sd = used.std(ddof=0)
    constant = [c for c in features if sd[c] == 0]
    z = (used - used.mean()) / sd.replace(0, 1.0)
    w = np.array([weights.get(c, 1.0) for c in features])
    diff = z.to_numpy() - z.loc[force].to_numpy()
    distance = np.sqrt((w * diff**2).sum(axis=1))

    table = profiles[features].copy()
    for col in features:
        table[f"z_{col}"] = z[col]
    table["distance"] = distance
    table = table.sort_values("distance", kind="stable")
    # the force itself first, then by distance and name for ties
    others = table.drop(index=force).reset_index()
    name_col = others.columns[0]
    others = others.sort_values(["distance", name_col], kind="stable").set_index(name_col)
    table = pd.concat([table.loc[[force]], others])
    table.index.name = profiles.index.name
    table["rank"] = range(len(table))

    if peers is None:
        if not 1 <= k < len(profiles):
            raise ValueError(f"k must be between 1 and {len(profiles) - 1}, got {k}")
        chosen = list(others.index[:k])
        how = (
            f"the {k} forces nearest to {force} by straight-line distance on "
            f"{_join(features)}, each standardised to mean 0 and standard deviation 1 "
            "across all forces"
        )
    else:
        missing = [p for p in peers if p not in profiles.index]
        if missing:
            raise ValueError(f"configured peers not in the profiles: {missing}")
        chosen = [p for p in peers if p != force]
        how = f"a configured list of {len(chosen)} forces; distances are shown for checking"
    table["peer"] = table.index.isin(chosen)
    notes = []
    if logged:
        notes.append(f"logs were taken of {_join(logged)} first")
    if weights:
        notes.append(
            "weights: " + ", ".join(f"{c} x{weights[c]:g}" for c in features if c in weights)
        )
    if constant:
        notes.append(f"{_join(constant)} did not vary and played no part")
    if exclude:
        notes.append(f"{_join(list(exclude))} left out")
    method = f"Peers are {how}" + (f" ({'; '.join(notes)})" if notes else "") + "."
    return PeerGroup(
        force=force, peers=chosen, table=table, features=features, logged=logged, method=method
    )


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
