"""Over-dispersion and proportions: expected values worked out by hand or from the papers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scrutiny.stats import dispersion as od


def test_series_dispersion_from_the_moving_range():
    # 90, 110, 90, 110: moving ranges 20, 20, 20 -> sigma 20 / 1.128 = 17.730; mean 100;
    # phi = (17.7305 / 10)^2 = 3.1437.
    assert od.series_dispersion([90, 110, 90, 110]) == pytest.approx(3.1437, abs=1e-4)
    # a gap breaks the moving range: 90, nan, 110, 90 -> one range, 20 (too few): phi 1
    assert od.series_dispersion([90, np.nan, 110, 90]) == 1.0
    # steadier than Poisson: never below 1
    assert od.series_dispersion([100, 101, 100, 101]) == 1.0
    with pytest.raises(ValueError, match="negative"):
        od.series_dispersion([5, -1, 3])


def test_violence_october_2022_is_not_a_significant_rise_once_dispersion_is_allowed():
    # Issue figures: Leicestershire violence and sexual offences, October 2022 3,733 against
    # October 2021 3,537. Limits from August 2021: mean 3,571.13, upper 4,064.75, so the mean
    # moving range is (4,064.75 - 3,571.13) / 2.66 = 185.57, sigma = 185.57 / 1.128 = 164.51,
    # sqrt(mean) = 59.76, phi = (164.51 / 59.76)^2 = 7.578.
    phi = (185.57 / 1.128 / math.sqrt(3571.13)) ** 2
    assert phi == pytest.approx(7.578, abs=1e-3)
    exact = od.quasi_rate_ratio_test(3733, 1, 3537, 1, phi=1.0)
    assert exact.p_value == pytest.approx(0.022, abs=1e-3)  # the page's "significant increase"
    t = od.quasi_rate_ratio_test(3733, 1, 3537, 1, phi=phi)
    # log(3733/3537) = 0.053932; se = sqrt(7.578 x (1/3733 + 1/3537)) = 0.064597;
    # z = 0.8349 -> p = 0.4038.
    assert t.rate_ratio == pytest.approx(3733 / 3537)
    assert t.p_value == pytest.approx(0.4038, abs=1e-3) and not t.significant
    assert t.lower < 1 < t.upper


def test_quasi_test_falls_back_to_the_exact_test_for_a_zero_count():
    t = od.quasi_rate_ratio_test(0, 1, 9, 1, phi=5.0)
    assert t.p_value == pytest.approx(2 * 0.5**9)  # exact: 0 of 9 at p = 1/2, two-sided


def test_funnel_dispersion_by_hand():
    # Four areas of 100 people, target 0.1 per person: counts 10, 10, 20, 0 give rates
    # 0.1, 0.1, 0.2, 0.0; s = sqrt(0.1 / 100) = 0.031623; z = 0, 0, 3.1623, -3.1623.
    # Winsorised at the 10% and 90% quantiles (linear): -2.2136 and 2.2136;
    # phi = 2 x 2.2136^2 / 4 = 2.45; w = 1,000 each: sum w - sum w^2 / sum w = 3,000;
    # tau^2 = (4 x 2.45 - 3) / 3,000 = 0.0022667.
    d = od.funnel_dispersion([10, 10, 20, 0], [100, 100, 100, 100], 0.1, per=1)
    assert d.phi == pytest.approx(2.45, abs=1e-4)
    assert d.tau2 == pytest.approx(6.8 / 3000, rel=1e-4)
    assert d.z.tolist() == pytest.approx([0, 0, math.sqrt(10), -math.sqrt(10)])
    lim = od.funnel_limits_adjusted([100], 0.1, d, per=1).iloc[0]
    # additive: 0.1 +/- 1.959964 x sqrt(0.001 + 0.0022667) = 0.1 +/- 0.112021
    assert lim["upper_95"] == pytest.approx(0.212021, abs=1e-5)
    assert lim["lower_95"] == 0.0  # stops at zero
    mult = od.funnel_limits_adjusted([100], 0.1, d, method="multiplicative", per=1).iloc[0]
    # multiplicative: 0.1 + 1.959964 x sqrt(2.45) x 0.031623 = 0.197013
    assert mult["upper_95"] == pytest.approx(0.197013, abs=1e-5)
    plain = od.funnel_limits_adjusted([100], 0.1, d, method="none", per=1).iloc[0]
    assert plain["upper_95"] == pytest.approx(0.1 + 1.959964 * 0.0316228, abs=1e-5)


def test_no_overdispersion_leaves_the_limits_alone():
    # every area exactly on target: z = 0, phi = 0 (not over-dispersed), tau2 = 0
    d = od.funnel_dispersion([10, 20], [100, 200], 0.1, per=1)
    assert d.phi == 0 and d.tau2 == 0 and not d.overdispersed
    a = od.funnel_limits_adjusted([100], 0.1, d, per=1)
    b = od.funnel_limits_adjusted([100], 0.1, None, per=1)
    pd.testing.assert_frame_equal(a, b)


def test_funnel_dispersion_rejects_bad_input():
    with pytest.raises(ValueError, match="population"):
        od.funnel_dispersion([1, 2], [100, 0], 0.1)
    with pytest.raises(ValueError, match="count"):
        od.funnel_dispersion([1, np.nan], [100, 100], 0.1)
    with pytest.raises(ValueError, match="method"):
        od.funnel_limits_adjusted([100], 0.1, None, method="wide")


def test_wilson_interval_and_newcombe_difference():
    lo, hi = od.wilson_ci(5, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.2366, 0.7634)  # Wilson (1927), standard example
    lo0, hi0 = od.wilson_ci(0, 10)
    assert lo0 == 0 and hi0 == pytest.approx(0.2775, abs=1e-4)
    r = od.newcombe_difference(56, 70, 48, 80)  # Newcombe (1998), method 10
    assert (round(r.lower, 4), round(r.upper, 4)) == (0.0524, 0.3339) and r.significant
    same = od.newcombe_difference(5, 100, 6, 100)
    assert not same.significant
    with pytest.raises(ValueError, match="successes"):
        od.wilson_ci(11, 10)
