"""Tests for scrutiny.stats.concentration: the busiest LSOAs' share against a random spread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scrutiny.stats.concentration import concentration


def test_concentration_of_a_ten_lsoa_toy_set():
    counts = pd.Series([10, 5, 3, 2, 0, 0, 0, 0, 0, 0], index=[f"L{i}" for i in range(10)])
    c = concentration(counts, simulations=0)
    # top 10% of 10 LSOAs = 1 LSOA (L0) holding 10 of 20 offences = 50%; 6 LSOAs with none
    assert (c.n_lsoas, c.n_top, c.total, c.top_total) == (10, 1, 20, 10)
    assert c.share == pytest.approx(50.0)
    assert c.n_zero == 6
    assert list(c.top.index) == ["L0"]
    assert np.isnan(c.random_share) and not c.beyond_chance


def test_concentration_rounds_the_top_up_and_compares_with_chance():
    counts = pd.Series([40] + [0] * 24, index=[f"L{i}" for i in range(25)])
    c = concentration(counts, simulations=500)
    # 10% of 25 = 2.5, rounded up to 3 LSOAs; they hold all 40 offences
    assert c.n_top == 3 and c.share == pytest.approx(100.0)
    assert c.n_zero == 24
    # 40 offences spread at random over 25 LSOAs (1.6 each on average) almost never put all
    # 40 in the busiest 3, so this is beyond chance.
    assert c.random_upper < 100 and c.beyond_chance


def test_an_even_spread_is_not_beyond_chance():
    # Every one of 20 LSOAs holds 5: the busiest 2 hold 10 of 100 = 10%, the least any spread
    # can give, so no random spread puts less there.
    c = concentration(pd.Series([5] * 20), simulations=200)
    assert c.n_top == 2 and c.share == pytest.approx(10.0)
    assert c.random_share >= 10.0 and not c.beyond_chance


def test_no_offences_gives_no_share():
    c = concentration(pd.Series([0, 0, 0]))
    assert c.total == 0 and np.isnan(c.share) and not c.beyond_chance


def test_concentration_rejects_bad_input():
    with pytest.raises(ValueError, match="every LSOA"):
        concentration(pd.Series([], dtype=float))
    with pytest.raises(ValueError, match="negative"):
        concentration(pd.Series([1, -1]))
    with pytest.raises(ValueError, match="top_share"):
        concentration(pd.Series([1, 2]), top_share=0)
