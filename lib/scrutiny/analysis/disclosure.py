"""Disclosure control as the briefings apply it: counts ready for a public page.

The rules themselves (threshold, secondary suppression, rounding, the sentence that states
them) are in :mod:`scrutiny.stats.disclosure`; briefings use them through here, so no page
module calls the statistics directly.

* :func:`disclose`: a count table after disclosure control (or unchanged when control is
  off), as whole numbers with ``[c]`` where withheld;
* :func:`withheld`: where :func:`disclose` withholds;
* :func:`rule_sentence`: the rule in words, for the page;
* :class:`Ledger`: every count a public page publishes, with the sums that tie them
  together (sub-window totals, averages, shares and their bases, complements of
  overlapping or nested rows), so suppression covers the whole page and not one table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from scrutiny.stats import disclosure
from scrutiny.stats.disclosure import DEFAULT_THRESHOLD, MARKER, rule_sentence

__all__ = [
    "DEFAULT_THRESHOLD",
    "MARKER",
    "Ledger",
    "Relation",
    "disclose",
    "rule_sentence",
    "withheld",
]


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


# -------------------------------------------------------------------------- the page ledger


@dataclass
class Relation:
    """``total = sum(parts)``: figures a reader knows to add up (keys of a :class:`Ledger`)."""

    total: str
    parts: tuple[str, ...]
    why: str = ""

    @property
    def members(self) -> tuple[str, ...]:
        """The total then the parts."""
        return (self.total, *self.parts)


@dataclass
class Ledger:
    """Every count a public page publishes (or lets a reader work out), with their sums.

    Table cells protect only their own row and column totals; a page also prints
    sub-window totals, averages (an average times its months is a total), shares with
    their bases, and parts of overlapping or nested rows whose differences are counts.
    The ledger holds all of them as one system, so disclosure control covers the page:

    * :meth:`figure` records a count: ``published`` (printed somewhere on the page, or in
      any form that gives it back exactly, e.g. an average and its months) or not (a
      count the reader could only work out, such as the complement of a share: the
      offences *not* flagged); ``fixed`` when it is printed anyway (e.g. the force total,
      shown on every page) and so can never be withheld;
    * :meth:`relate` records that a total is the sum of parts;
    * :meth:`protect` withholds every published count from 1 to ``threshold - 1``, then
      works as a reader would: any relation with exactly one unknown member gives that
      member away; while a small count (published or not) can be worked out, it withholds
      one more published count of the relation that gave it away (a part before a total,
      then the smallest non-zero count), and starts again.

    A figure that is not published and not small needs no protection (nothing is
    withheld because of it); an unpublished small figure is protected exactly like a
    published one. ``threshold=None`` means no disclosure control: nothing is withheld.
    """

    threshold: int | None
    values: dict[str, float] = field(default_factory=dict)
    published: set[str] = field(default_factory=set)
    fixed: set[str] = field(default_factory=set)
    relations: list[Relation] = field(default_factory=list)
    withheld: set[str] = field(default_factory=set)

    def figure(
        self, key: str, value: float, *, published: bool = True, fixed: bool = False
    ) -> None:
        """Record a count (see the class notes); recording a key twice must agree."""
        if key in self.values and self.values[key] != float(value):
            raise ValueError(f"ledger figure {key!r} recorded as {self.values[key]} and {value}")
        self.values[key] = float(value)
        if published or fixed:
            self.published.add(key)
        if fixed:
            self.fixed.add(key)

    def relate(self, total: str, parts: Sequence[str], why: str = "") -> None:
        """Record ``total = sum(parts)`` (every key must have been recorded)."""
        missing = [k for k in (total, *parts) if k not in self.values]
        if missing:
            raise KeyError(f"ledger relation {why or total!r}: unknown figures {missing}")
        self.relations.append(Relation(total, tuple(parts), why))

    def small(self, key: str) -> bool:
        """A count from 1 to ``threshold - 1``."""
        v = self.values[key]
        return self.threshold is not None and 0 < v < self.threshold

    def known(self) -> dict[str, Relation | None]:
        """What a reader knows: each key -> the relation that gave it away (None: printed)."""
        out: dict[str, Relation | None] = {
            k: None for k in self.published if k not in self.withheld
        }
        changed = True
        while changed:
            changed = False
            for rel in self.relations:
                unknown = [k for k in rel.members if k not in out]
                if len(unknown) == 1:
                    out[unknown[0]] = rel
                    changed = True
        return out

    def leaks(self) -> dict[str, Relation]:
        """Small counts a reader can work out although the page withholds or never prints them.

        Each comes with the relation that gives it away.
        """
        return {k: rel for k, rel in self.known().items() if rel is not None and self.small(k)}

    def protect(self) -> set[str]:
        """Withhold small counts and whatever else keeps them from being worked out.

        Returns
        -------
        set of str
            The withheld keys (also kept in :attr:`withheld`).

        Raises
        ------
        ValueError
            When a small count can be worked out and every other member of the relation
            that gives it away is fixed (printed anyway).
        """
        if self.threshold is None:
            return set()
        self.withheld |= {k for k in self.published if self.small(k) and k not in self.fixed}
        while True:
            leaks = self.leaks()
            if not leaks:
                return set(self.withheld)
            key, rel = next(iter(sorted(leaks.items())))
            candidates = [
                k
                for k in rel.members
                if k in self.published and k not in self.withheld and k not in self.fixed
            ]
            if not candidates:
                raise ValueError(
                    f"cannot protect {key!r} ({rel.why or rel.total}): every other figure "
                    "that gives it away is printed anyway"
                )

            def cost(k: str, rel: Relation = rel) -> tuple[bool, bool, float, str]:
                v = self.values[k]
                return (k == rel.total, not v > 0, v, k)

            self.withheld.add(min(candidates, key=cost))

    def hidden(self, key: str) -> bool:
        """True when ``key`` is withheld (False without disclosure control)."""
        return key in self.withheld
