"""Tests for scrutiny.stats.disclosure: primary and secondary suppression, rounding, the rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.stats import disclosure

C = disclosure.MARKER


def test_series_primary_and_secondary():
    s = pd.Series([5, 12, 30, 0], index=list("abcd"), name="offences")
    r = disclosure.suppress(s)
    # 5 < 10 is withheld; with the total (47) published, 5 = 47 - 12 - 30 - 0, so a
    # second cell goes: the smallest non-zero count, 12. Zero stays shown.
    assert r.display().tolist() == [C, C, 30, 0]
    assert r.primary.tolist() == [True, False, False, False]
    assert r.suppressed.tolist() == [True, True, False, False]
    assert np.isnan(r.table["a"]) and r.table["c"] == 30
    only_primary = disclosure.suppress(s, secondary=False)
    assert only_primary.display().tolist() == [C, 12, 30, 0]


def test_table_secondary_suppression_hand_worked():
    t = pd.DataFrame(
        {"A": [3, 20, 30], "B": [40, 50, 60], "C": [70, 80, 90]}, index=["x", "y", "z"]
    )
    r = disclosure.suppress(t)
    # 3 at (x, A) is primary. Row x needs a second cell: 40 (x, B) is the smallest.
    # Column A then has one: 20 (y, A) is the smallest. Column B has one (x, B): 50
    # (y, B) also completes row y, so it is preferred over 60. Every row and column now
    # has 0 or 2 withheld cells.
    expected = pd.DataFrame(
        {"A": [C, C, 30], "B": [C, C, 60], "C": [70, 80, 90]}, index=["x", "y", "z"], dtype=object
    )
    pd.testing.assert_frame_equal(r.display(), expected)
    assert r.n_suppressed == 4


def test_totals_and_rounding():
    t = pd.DataFrame({"A": [3, 20, 30], "B": [40, 50, 60], "C": [70, 81, 92]}, index=list("xyz"))
    r = disclosure.suppress(t, add_totals=True, round_to=5)
    d = r.display()
    # totals from the true counts, then rounded: row x = 3+40+70 = 113 -> 115,
    # row y 151 -> 150, row z 182 -> 180, column C 243 -> 245, grand total 446 -> 445
    assert d.loc["x", "Total"] == 115 and d.loc["y", "Total"] == 150
    assert d.loc["z", "Total"] == 180
    assert d.loc["Total", "C"] == 245 and d.loc["Total", "Total"] == 445
    # shown inner counts are rounded too: 81 -> 80, 92 -> 90
    assert d.loc["y", "C"] == 80 and d.loc["z", "C"] == 90
    assert d.loc["x", "A"] == C
    assert "nearest 5" in r.rule


def test_rounding_half_up():
    r = disclosure.suppress(pd.Series([15, 25, 14]), round_to=10)
    # 15 -> 20, 25 -> 30 (halves go up), 14 -> 10
    assert r.display().tolist() == [20, 30, 10]


def test_zeros_and_threshold_options():
    s = pd.Series([0, 4, 5, 50, 60])
    # threshold 5: 4 is withheld (and 5, the smallest non-zero, with it); 0 shown
    assert disclosure.suppress(s, threshold=5).display().tolist() == [0, C, C, 50, 60]
    z = disclosure.suppress(pd.Series([0, 50, 60]), suppress_zeros=True)
    # the zero is withheld, then 50 to protect it
    assert z.display().tolist() == [C, C, 60]
    assert "Zeros are withheld" in z.rule


def test_missing_cells_and_unprotectable_cell():
    t = pd.DataFrame({"A": [3.0, np.nan], "B": [np.nan, 20.0]}, index=["x", "y"])
    # row x holds only the 3, so its published total would give it away
    with pytest.raises(ValueError, match="row 'x'"):
        disclosure.suppress(t)
    # publishing our own totals, the row total is withheld as well, and then a second
    # total in the column of row totals
    r = disclosure.suppress(t, add_totals=True)
    assert r.display().loc["x", "Total"] == C
    assert_no_line_with_one(r.suppressed.to_numpy(), totals=True)


def test_bad_counts():
    with pytest.raises(ValueError, match="row 'b', column 'n'"):
        disclosure.suppress(pd.DataFrame({"n": [1, -2]}, index=["a", "b"]))
    with pytest.raises(ValueError, match="not a count"):
        disclosure.suppress(pd.Series([1.5, 20]))
    with pytest.raises(ValueError, match="move labels to the index"):
        disclosure.suppress(pd.DataFrame({"area": ["a"], "n": [3]}))


def test_rule_sentence():
    assert disclosure.rule_sentence() == (
        "To protect individuals, counts from 1 to 9 are not shown (marked [c]), and further "
        "counts are withheld where needed so that none can be worked out from row or column "
        "totals. Zeros are shown."
    )
    assert disclosure.rule_sentence(5, secondary=False, round_to=5) == (
        "To protect individuals, counts from 1 to 4 are not shown (marked [c]). Other counts "
        "are rounded to the nearest 5, so totals may not equal the sum of their parts. Zeros "
        "are shown."
    )


def assert_no_line_with_one(mask: np.ndarray, *, totals: bool) -> None:
    """No row or column (with its total, when totals are shown) has exactly 1 withheld."""
    m = np.asarray(mask, dtype=bool)
    if m.ndim == 1:
        m = m[:, None]
    nrow, ncol = m.shape
    if ncol > 1:
        for i in range(nrow):
            assert m[i].sum() != 1, f"row {i}: {m[i]}"
    if nrow > 1:
        for j in range(ncol):
            assert m[:, j].sum() != 1, f"column {j}: {m[:, j]}"


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda ncol: st.lists(
            st.lists(st.integers(0, 40), min_size=ncol, max_size=ncol), min_size=2, max_size=6
        )
    )
)
def test_no_cell_recoverable_from_a_total(rows):
    t = pd.DataFrame(rows)
    r = disclosure.suppress(t)
    v = t.to_numpy()
    # every small non-zero count is withheld, no count of 10 or more is primary
    assert (r.primary.to_numpy() == ((v > 0) & (v < 10))).all()
    assert (r.suppressed.to_numpy() >= r.primary.to_numpy()).all()
    assert_no_line_with_one(r.suppressed.to_numpy(), totals=False)
    # shown cells are unchanged
    shown = ~r.suppressed.to_numpy()
    assert (r.table.to_numpy()[shown] == v[shown]).all()
    # with our own totals, the augmented table (margins included) is protected too
    rt = disclosure.suppress(t, add_totals=True)
    assert_no_line_with_one(rt.suppressed.to_numpy(), totals=True)
