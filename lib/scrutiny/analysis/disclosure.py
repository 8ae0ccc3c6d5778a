"""Disclosure control as the briefings apply it: counts ready for a public page.

The rules themselves (threshold, secondary suppression, rounding, the sentence that states
them) are in :mod:`scrutiny.stats.disclosure`; briefings use them through here, so no page
module calls the statistics directly.

* :func:`disclose`: a count table after disclosure control (or unchanged when control is
  off), as whole numbers with ``[c]`` where withheld;
* :func:`withheld`: where :func:`disclose` withholds;
* :func:`rule_sentence`: the rule in words, for the page.
"""

from __future__ import annotations

import pandas as pd

from scrutiny.stats import disclosure
from scrutiny.stats.disclosure import DEFAULT_THRESHOLD, MARKER, rule_sentence

__all__ = ["DEFAULT_THRESHOLD", "MARKER", "disclose", "rule_sentence", "withheld"]


def disclose(
    counts: pd.DataFrame | pd.Series,
    *,
    threshold: int | None,
    secondary: bool = True,
) -> pd.DataFrame | pd.Series:
    """Counts ready to show: suppressed with ``[c]`` when ``threshold`` is set, else as is.

    Parameters
    ----------
    counts
        Whole-number counts, labels in the index (see :func:`scrutiny.stats.disclosure.suppress`).
    threshold
        Counts from 1 to ``threshold - 1`` are withheld, with secondary suppression;
        ``None`` = no disclosure control (restricted pages).
    secondary
        Apply secondary suppression (only where the rows or columns add up to a total a
        reader could know).

    Returns
    -------
    DataFrame or Series
        Object dtype: whole numbers, or ``"[c]"`` where withheld.
    """
    if threshold is None:
        return counts.astype("int64").astype(object)
    return disclosure.suppress(counts, threshold=threshold, secondary=secondary).display()


def withheld(counts: pd.DataFrame | pd.Series, *, threshold: int | None) -> pd.DataFrame:
    """True where :func:`disclose` withholds a count (all False without control)."""
    frame = counts.to_frame() if isinstance(counts, pd.Series) else counts
    if threshold is None:
        return pd.DataFrame(False, index=frame.index, columns=frame.columns)
    out = disclosure.suppress(frame, threshold=threshold).suppressed
    return out.to_frame() if isinstance(out, pd.Series) else out
