"""How concentrated offences are in the busiest areas, against a random spread.

The share of offences in the busiest ``top_share`` of small areas (LSOAs) is a common
measure of crime concentration (the "law of crime concentration": a few places account
for much of the crime). With few offences even a random spread looks concentrated, so
the share is set beside what spreading the same total over the same areas at random
(every area equally likely) would give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Share of areas counted as "the busiest".
TOP_SHARE = 0.10


@dataclass
class Concentration:
    """How concentrated offences are in the busiest areas.

    Attributes
    ----------
    n_lsoas
        Areas (LSOAs) given, those with no offences included.
    n_top
        Areas in the busiest ``top_share`` (rounded up, at least one).
    total, top_total
        Offences in all areas, and in the busiest ``n_top``.
    share
        ``top_total / total`` in per cent (NaN without offences).
    top
        The busiest ``n_top`` areas (index) with their counts, busiest first.
    n_zero
        Areas with no offences.
    top_share
        The fraction of areas counted as busiest (0.10).
    random_share, random_upper
        Median and 95th percentile of the busiest areas' share over random spreads of the
        same total (NaN when not simulated).
    """

    n_lsoas: int
    n_top: int
    total: int
    top_total: int
    share: float
    top: pd.Series
    n_zero: int
    top_share: float = TOP_SHARE
    random_share: float = float("nan")
    random_upper: float = float("nan")

    @property
    def beyond_chance(self) -> bool:
        """True when the share is above what 95% of random spreads would give."""
        return bool(np.isfinite(self.random_upper) and self.share > self.random_upper)


def concentration(
    counts: pd.Series, *, top_share: float = TOP_SHARE, simulations: int = 2000, seed: int = 0
) -> Concentration:
    """Share of offences in the busiest ``top_share`` of areas (LSOAs).

    Parameters
    ----------
    counts
        Offences per area (index), including every area, zeros too: leaving out areas
        with none would overstate how even the spread is.
    top_share
        Fraction of areas counted as the busiest; the number is rounded up (10% of 611
        LSOAs is 62) and is at least one.
    simulations, seed
        Random spreads of the same total over the same areas (multinomial, every area
        equally likely), to say what share the busiest would hold by chance alone. 0
        skips this.

    Returns
    -------
    Concentration

    Raises
    ------
    ValueError
        No areas, a negative count, or ``top_share`` outside (0, 1].
    """
    if not 0 < top_share <= 1:
        raise ValueError(f"top_share must be in (0, 1], got {top_share}")
    c = pd.Series(counts, dtype=float).fillna(0)
    if (c < 0).any():
        raise ValueError("counts must not be negative")
    n = len(c)
    if n == 0:
        raise ValueError("counts is empty: give every LSOA of the area")
    n_top = max(1, math.ceil(round(n * top_share, 9)))
    ordered = c.sort_values(ascending=False, kind="stable")
    top = ordered.iloc[:n_top]
    total = float(c.sum())
    share = float(top.sum()) / total * 100 if total > 0 else float("nan")
    rand, upper = float("nan"), float("nan")
    if simulations > 0 and total > 0:
        rng = np.random.default_rng(seed)
        sims = rng.multinomial(int(round(total)), np.full(n, 1 / n), size=simulations)
        tops = -np.sort(-sims, axis=1)[:, :n_top].sum(axis=1) / total * 100
        rand, upper = float(np.median(tops)), float(np.quantile(tops, 0.95))
    return Concentration(
        n_lsoas=n,
        n_top=n_top,
        total=int(round(total)),
        top_total=int(round(float(top.sum()))),
        share=share,
        top=top.astype("int64"),
        n_zero=int((c == 0).sum()),
        top_share=top_share,
        random_share=rand,
        random_upper=upper,
    )
