"""Disclosure control for public outputs: small-count suppression, secondary suppression, rounding.

:func:`suppress` protects a table of counts before it is published, as a table or as the
data behind a chart:

* **primary suppression**: counts from 1 to ``threshold - 1`` (default 1 to 9) are
  withheld;
* **secondary suppression**: row and column totals are assumed to be published (or
  derivable), so wherever a row or column would hold exactly one withheld cell, a second
  cell is withheld too (the smallest non-zero count, preferring one that also protects its
  column or row), repeated until no withheld cell can be recovered by subtracting from a
  single total. This is the standard "at least two per line" rule; it does not audit
  every combination of rows and columns (linear-programming attacks), which is accepted
  practice for small published tables but worth knowing for large linked ones;
* **rounding** (optional) of every shown count, totals included, to the nearest multiple
  of ``round_to`` (e.g. 5), done after suppression; rounded totals are rounded from the
  true totals, so they need not equal the sum of rounded parts;
* **zeros are shown by default**. A zero reveals that nothing was recorded, not something
  about a person, and suppressing zeros hides real absence of crime from the public. Pass
  ``suppress_zeros=True`` where a zero would itself disclose something (for example when
  the rest of its row is small).

:func:`rule_sentence` returns the sentence to print on the page stating the rule used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 10
MARKER = "[c]"
TOTAL = "Total"


@dataclass
class Disclosed:
    """A table after disclosure control.

    Attributes
    ----------
    table
        The counts to publish: floats, NaN where withheld, rounded if asked; with a
        ``Total`` row and column when ``add_totals`` was set. Safe to chart.
    suppressed
        True where a cell is withheld (primary or secondary), same shape as ``table``.
    primary
        True where a cell is withheld because it is a small count.
    rule
        The sentence stating the rule, for the page.
    """

    table: pd.DataFrame | pd.Series
    suppressed: pd.DataFrame | pd.Series
    primary: pd.DataFrame | pd.Series
    rule: str

    def display(self, marker: str = MARKER) -> pd.DataFrame | pd.Series:
        """Return the table for showing: whole numbers, ``marker`` where withheld."""

        def cell(v: float, hidden: bool) -> object:
            if hidden:
                return marker
            if pd.isna(v):
                return np.nan
            return int(round(v))

        if isinstance(self.table, pd.Series):
            return pd.Series(
                [cell(v, h) for v, h in zip(self.table, self.suppressed, strict=True)],
                index=self.table.index,
                name=self.table.name,
                dtype=object,
            )
        data = {
            col: pd.Series(
                [cell(v, h) for v, h in zip(self.table[col], self.suppressed[col], strict=True)],
                index=self.table.index,
                dtype=object,
            )
            for col in self.table.columns
        }
        return pd.DataFrame(data, index=self.table.index, columns=self.table.columns)

    @property
    def n_suppressed(self) -> int:
        """Number of withheld cells (totals included)."""
        return int(np.asarray(self.suppressed).sum())


def rule_sentence(
    threshold: int = DEFAULT_THRESHOLD,
    *,
    secondary: bool = True,
    round_to: int | None = None,
    suppress_zeros: bool = False,
    marker: str = MARKER,
) -> str:
    """Return the plain-English statement of the disclosure rule, for the page.

    Examples
    --------
    >>> rule_sentence()  # doctest: +NORMALIZE_WHITESPACE
    'To protect individuals, counts from 1 to 9 are not shown (marked [c]), and further
    counts are withheld where needed so that none can be worked out from row or column
    totals. Zeros are shown.'
    """
    low = 0 if suppress_zeros else 1
    parts = [
        f"To protect individuals, counts from {low} to {threshold - 1} are not shown "
        f"(marked {marker})"
    ]
    if secondary:
        parts[0] += (
            ", and further counts are withheld where needed so that none can be worked out "
            "from row or column totals"
        )
    parts[0] += "."
    if round_to:
        parts.append(
            f"Other counts are rounded to the nearest {round_to}, so totals may not equal "
            "the sum of their parts."
        )
    parts.append("Zeros are withheld too." if suppress_zeros else "Zeros are shown.")
    return " ".join(parts)


def suppress(
    table: pd.DataFrame | pd.Series,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    secondary: bool = True,
    round_to: int | None = None,
    add_totals: bool = False,
    suppress_zeros: bool = False,
) -> Disclosed:
    """Apply primary and secondary suppression (and optional rounding) to a count table.

    Parameters
    ----------
    table
        Counts: a DataFrame whose cells are all counts (put labels in the index), or a
        Series (one column). NaN marks a cell that does not apply; it is left alone.
    threshold
        Counts below this (and above 0) are withheld. Default 10.
    secondary
        Withhold further cells so no withheld count can be recovered from a row or column
        total.
    round_to
        Round every shown count to the nearest multiple of this (e.g. 5); ``None`` = no
        rounding.
    add_totals
        Add a ``Total`` column (when there are two or more columns) and a ``Total`` row
        (two or more rows), computed from the true counts. Totals are then also cells that
        secondary suppression may withhold.
    suppress_zeros
        Also withhold zeros (see the module notes).

    Returns
    -------
    Disclosed

    Raises
    ------
    ValueError
        If a count is negative or not a whole number (naming the row and column).
    """
    if threshold < 1:
        raise ValueError(f"threshold must be 1 or more, got {threshold}")
    if round_to is not None and round_to < 1:
        raise ValueError(f"round_to must be a positive whole number, got {round_to}")
    is_series = isinstance(table, pd.Series)
    frame = (
        table.to_frame(name=table.name if table.name is not None else "count")
        if (is_series)
        else table
    )
    try:
        values = frame.to_numpy(dtype=float)
    except (TypeError, ValueError):
        bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        raise ValueError(
            f"every column must hold counts; not numeric: {bad} (move labels to the index)"
        ) from None
    for (i, j), v in np.ndenumerate(values):
        if not np.isnan(v) and (v < 0 or v != round(v)):
            raise ValueError(
                f"row {frame.index[i]!r}, column {frame.columns[j]!r}: {v} is not a count "
                "(expected a whole number of 0 or more)"
            )
    nrow, ncol = values.shape
    row_tot = ncol > 1
    col_tot = nrow > 1

    # Augmented grid: inner cells, a margin column (row totals) and a margin row.
    aug = np.full((nrow + 1, ncol + 1), np.nan)
    aug[:nrow, :ncol] = values
    aug[:nrow, ncol] = np.nansum(values, axis=1)
    aug[nrow, :ncol] = np.nansum(values, axis=0)
    aug[nrow, ncol] = np.nansum(values)
    present = ~np.isnan(aug)
    if not row_tot:
        present[:, ncol] = False
    if not col_tot:
        present[nrow, :] = False
    # The grand total is a separate cell only when there are both row and column totals.
    present[nrow, ncol] = present[nrow, ncol] and row_tot and col_tot

    inner = np.zeros_like(present)
    inner[:nrow, :ncol] = True
    low = 0 if suppress_zeros else 1
    primary = inner & present & (aug >= low) & (aug < threshold)
    mask = primary.copy()
    # Margins may only be withheld if we publish them; otherwise they are known.
    suppressible = present & (inner | add_totals)

    lines = _lines(nrow, ncol, row_tot, col_tot)
    if secondary:
        _secondary(aug, mask, present, suppressible, inner, lines, frame)

    shown = np.where(mask, np.nan, aug)
    if round_to:
        shown = np.floor(shown / round_to + 0.5) * round_to

    rows = list(frame.index) + ([TOTAL] if (add_totals and col_tot) else [])
    cols = list(frame.columns) + ([TOTAL] if (add_totals and row_tot) else [])
    r_sel = list(range(nrow)) + ([nrow] if (add_totals and col_tot) else [])
    c_sel = list(range(ncol)) + ([ncol] if (add_totals and row_tot) else [])
    index = pd.Index(rows, name=frame.index.name)
    columns = pd.Index(cols, name=frame.columns.name)

    def grid(a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a[np.ix_(r_sel, c_sel)], index=index, columns=columns)

    out_t, out_m, out_p = grid(shown), grid(mask).astype(bool), grid(primary).astype(bool)
    rule = rule_sentence(
        threshold, secondary=secondary, round_to=round_to, suppress_zeros=suppress_zeros
    )
    if is_series and out_t.shape[1] == 1:
        col = out_t.columns[0]
        return Disclosed(out_t[col], out_m[col], out_p[col], rule)
    return Disclosed(out_t, out_m, out_p, rule)


def _lines(nrow: int, ncol: int, row_tot: bool, col_tot: bool) -> list[list[tuple[int, int]]]:
    """Cells of each additive line (parts plus their total) in the augmented grid."""
    lines: list[list[tuple[int, int]]] = []
    if row_tot:
        for i in range(nrow):
            lines.append([(i, j) for j in range(ncol + 1)])
        if col_tot:
            lines.append([(nrow, j) for j in range(ncol + 1)])
    if col_tot:
        for j in range(ncol):
            lines.append([(i, j) for i in range(nrow + 1)])
        if row_tot:
            lines.append([(i, ncol) for i in range(nrow + 1)])
    return lines


def _secondary(
    aug: np.ndarray,
    mask: np.ndarray,
    present: np.ndarray,
    suppressible: np.ndarray,
    inner: np.ndarray,
    lines: list[list[tuple[int, int]]],
    frame: pd.DataFrame,
) -> None:
    """Withhold cells until no line has exactly one withheld cell (in place)."""

    def unknowns(line: list[tuple[int, int]]) -> int:
        return sum(bool(mask[c]) for c in line if present[c])

    lines_of: dict[tuple[int, int], list[int]] = {}
    for k, line in enumerate(lines):
        for c in line:
            lines_of.setdefault(c, []).append(k)

    changed = True
    while changed:
        changed = False
        for k, line in enumerate(lines):
            if unknowns(line) != 1:
                continue
            candidates = [c for c in line if present[c] and suppressible[c] and not mask[c]]
            if not candidates:
                hidden = next(c for c in line if present[c] and mask[c])
                where = _label(hidden, frame)
                raise ValueError(
                    f"cannot protect the withheld cell at {where}: every other cell of its "
                    "row or column is missing; set add_totals=True (so the total can be "
                    "withheld too) or publish without that total"
                )

            # Prefer: a cell that also fixes another line with one withheld cell; an inner
            # cell over a total; a non-zero count; the smallest count; then position.
            def cost(
                c: tuple[int, int], k: int = k
            ) -> tuple[int, int, int, float, tuple[int, int]]:
                helps = any(unknowns(lines[m]) == 1 for m in lines_of[c] if m != k)
                return (not helps, not inner[c], not aug[c] > 0, aug[c], c)

            mask[min(candidates, key=cost)] = True
            changed = True


def _label(cell: tuple[int, int], frame: pd.DataFrame) -> str:
    i, j = cell
    row = frame.index[i] if i < len(frame.index) else TOTAL
    col = frame.columns[j] if j < len(frame.columns) else TOTAL
    return f"row {row!r}, column {col!r}"
