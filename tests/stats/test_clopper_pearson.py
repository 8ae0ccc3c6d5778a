"""The exact (Clopper-Pearson) interval against published values."""

from __future__ import annotations

import numpy as np
import pytest

from scrutiny.stats.dispersion import clopper_pearson_ci


@pytest.mark.parametrize(
    ("x", "n", "lo", "hi"),
    [
        # Clopper and Pearson's 95% interval for 5 of 10 (e.g. R binom.test(5, 10)):
        # 0.187086 to 0.812914
        (5, 10, 0.187086, 0.812914),
        # 0 of 10: lower 0, upper 1 - 0.025 ** (1/10) = 0.308497 (closed form)
        (0, 10, 0.0, 0.308497),
        # 10 of 10: lower 0.025 ** (1/10) = 0.691503, upper 1 (closed form)
        (10, 10, 0.691503, 1.0),
    ],
)
def test_published_intervals(x, n, lo, hi):
    got = clopper_pearson_ci(x, n)
    assert got[0] == pytest.approx(lo, abs=1e-6)
    assert got[1] == pytest.approx(hi, abs=1e-6)


def test_vectorised_and_wider_than_wilson_at_the_edge():
    lo, hi = clopper_pearson_ci(np.array([0, 5]), np.array([10, 10]))
    assert lo[0] == 0.0 and hi[0] == pytest.approx(0.308497, abs=1e-6)
    assert lo[1] == pytest.approx(0.187086, abs=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="0 <= successes <= n"):
        clopper_pearson_ci(11, 10)
    with pytest.raises(ValueError):
        clopper_pearson_ci(2.5, 10)
