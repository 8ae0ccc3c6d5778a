"""Tests for scrutiny.stats.spc: XmR limits and Making Data Count rules, checked by hand.

Every expected number is worked out in the comment beside it. Notation: mean = centre line,
amr = mean moving range, limits = mean +/- 2.66 amr, near limits = mean +/- 1.7733 amr
(1.7733... = 2/3 x 2.66).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.stats import spc


def causes(result: pd.DataFrame) -> list[str]:
    return result["special_cause"].tolist()


def types(result: pd.DataFrame) -> list[str]:
    return result["point_type"].tolist()


# ---------------------------------------------------------------- limits


def test_limits_basic_and_trial_warning():
    # values 10 12 11 13 14: mean = 60/5 = 12; moving ranges 2 1 2 1, amr = 6/4 = 1.5
    # limits 12 +/- 2.66*1.5 = 12 +/- 3.99 -> 8.01 .. 15.99
    # near 12 +/- (2/3*2.66)*1.5 = 12 +/- 2.66 -> 9.34 .. 14.66
    r = spc.xmr([10, 12, 11, 13, 14])
    assert r["mean"].tolist() == pytest.approx([12.0] * 5)
    assert r["upl"].iloc[0] == pytest.approx(15.99)
    assert r["lpl"].iloc[0] == pytest.approx(8.01)
    assert r["near_upl"].iloc[0] == pytest.approx(14.66)
    assert r["near_lpl"].iloc[0] == pytest.approx(9.34)
    np.testing.assert_allclose(r["moving_range"], [np.nan, 2, 1, 2, 1])
    # 5 points < 12: trial limits, with a note saying so
    assert r["trial_limits"].all()
    assert any("trial limits" in n for n in r.attrs["spc"]["notes"])
    # 14 is inside the limits and not beyond the near limit: all common cause
    assert types(r) == ["common_cause"] * 5
    assert causes(r) == ["none"] * 5


def test_result_columns_and_dates_from_series_index():
    months = pd.period_range("2022-01", periods=3, freq="M")
    r = spc.xmr(pd.Series([1.0, 2.0, 3.0], index=months))
    assert list(r.columns) == spc.RESULT_COLUMNS
    assert list(r["date"]) == list(months)
    assert r["segment"].tolist() == [0, 0, 0]


def test_constant_series_is_common_cause():
    # 15 points of 5: mean 5, every moving range 0, so lpl = upl = 5. No point is beyond a
    # limit (strictly), every point is on the mean (breaks runs), every step is a tie.
    r = spc.xmr([5] * 15, target=6)
    assert r["lpl"].tolist() == [5.0] * 15
    assert r["upl"].tolist() == [5.0] * 15
    assert types(r) == ["common_cause"] * 15
    assert not r["trial_limits"].any()
    # target 6 above upl 5 with higher-is-better: consistently missed
    assert spc.assurance_icon(r) == "consistent_fail"
    assert spc.assurance_icon(r, target=5) == "inconsistent"
    # screening must not break a constant series (every mr = 0 = 3.267 * 0)
    s = spc.xmr([5] * 15, screen_outliers=True)
    assert s["upl"].tolist() == [5.0] * 15
    assert not s["mr_screened"].any()


def test_screening_moving_ranges():
    v = [10, 12, 10, 12, 10, 12, 10, 12, 10, 30, 12, 10]
    # mean = (6*10 + 5*12 + 30)/12 = 150/12 = 12.5
    # moving ranges: eight of 2 (=16), then |30-10| = 20, |12-30| = 18, |10-12| = 2
    # amr = (16 + 20 + 18 + 2)/11 = 56/11 = 5.0909; upl = 12.5 + 2.66*56/11 = 26.0418
    plain = spc.xmr(v)
    assert plain["upl"].iloc[0] == pytest.approx(12.5 + 2.66 * 56 / 11)
    # screening: 3.267 * 5.0909 = 16.63, so 20 and 18 go; the nine left are all 2:
    # amr = 2, upl = 12.5 + 5.32 = 17.82, lpl = 7.18
    s = spc.xmr(v, screen_outliers=True)
    assert s["upl"].iloc[0] == pytest.approx(17.82)
    assert s["lpl"].iloc[0] == pytest.approx(7.18)
    assert s["mr_screened"].tolist() == [False] * 9 + [True, True, False]
    assert any("3.267" in n for n in s.attrs["spc"]["notes"])


def test_fix_after_n_points():
    v = [10, 12, 10, 12, 10, 12, 20, 20, 20]
    # limits from the first 6: mean 11, amr = 2 (five moving ranges of 2)
    # -> 11 +/- 5.32 = 5.68 .. 16.32; the later 20s are judged against them
    r = spc.xmr(v, fix_after_n_points=6)
    assert r["mean"].tolist() == pytest.approx([11.0] * 9)
    assert r["upl"].iloc[-1] == pytest.approx(16.32)
    assert causes(r)[6:] == ["above_upper_limit"] * 3
    # the moving range 12 -> 20 is shown but not used
    assert r["moving_range"].iloc[6] == 8
    assert r["trial_limits"].all()  # limits rest on 6 points


# ---------------------------------------------------------------- rule 1: outside the limits


def test_points_outside_limits_both_sides():
    v = [8, 12, 8, 12, 8, 12, 8, 12, 8, 12, 40, -20]
    # mean = (5*8 + 5*12 + 40 - 20)/12 = 120/12 = 10
    # moving ranges: nine of 4 (=36), |40-12| = 28, |-20-40| = 60 -> amr = 124/11 = 11.2727
    # upl = 10 + 2.66*124/11 = 39.9855 (40 is above), lpl = -19.9855 (-20 is below)
    r = spc.xmr(v)
    assert r["upl"].iloc[0] == pytest.approx(10 + 2.66 * 124 / 11)
    assert causes(r) == ["none"] * 10 + ["above_upper_limit", "below_lower_limit"]
    assert types(r)[10:] == ["special_cause_improvement", "special_cause_concern"]
    # the alternating points never make a run, and 40/-20 beyond the near limits are
    # outside the process limits, so by default they do not count for "2 of 3"
    assert not r["rule_two_of_three"].any()


def test_outside_takes_priority_over_trend():
    # 1..7: mean 4, amr 1, limits 1.34 .. 6.66. All 7 are a rising trend, but 1 and 7 are
    # also outside the limits, and that rule comes first.
    r = spc.xmr([1, 2, 3, 4, 5, 6, 7])
    assert r["rule_trend"].all()
    assert causes(r) == ["below_lower_limit"] + ["trend_rising"] * 5 + ["above_upper_limit"]
    assert spc.variation_icon(r) == "improvement_high"
    assert spc.variation_icon(spc.xmr([1, 2, 3, 4, 5, 6, 7], improvement="decrease")) == (
        "concern_high"
    )
    assert spc.variation_icon(spc.xmr([1, 2, 3, 4, 5, 6, 7], improvement="neutral")) == (
        "neutral_high"
    )
    assert spc.variation_icon(spc.xmr([7, 6, 5, 4, 3, 2, 1], improvement="decrease")) == (
        "improvement_low"
    )


# ---------------------------------------------------------------- rule 2: trends

TREND_UP = [0, 20, 0, 20, 4, 6, 8, 12, 14, 16, 18, 0, 20, 0, 20]
# mean = (80 + 78)/15 = 10.533; moving ranges 20 20 20 16 2 2 4 2 2 2 18 20 20 20 = 168,
# amr = 12; limits 10.533 +/- 31.92; near 10.533 +/- 21.28 (-10.75 .. 31.81): nothing is
# outside or close. 20 -> 4 falls, 4 6 8 12 14 16 18 rise (7 points), 18 -> 0 falls.


def test_seven_point_rising_trend_all_flagged():
    r = spc.xmr(TREND_UP)
    assert r["mean"].iloc[0] == pytest.approx(158 / 15)
    assert r["upl"].iloc[0] == pytest.approx(158 / 15 + 2.66 * 12)
    expected = ["none"] * 4 + ["trend_rising"] * 7 + ["none"] * 4
    assert causes(r) == expected
    assert types(r)[4:11] == ["special_cause_improvement"] * 7
    # with lower-is-better the same rise is a concern
    assert types(spc.xmr(TREND_UP, improvement="decrease"))[4:11] == ["special_cause_concern"] * 7


def test_tie_breaks_trend():
    v = [0, 20, 0, 20, 4, 6, 8, 8, 14, 16, 18, 0, 20, 0, 20]
    # runs 4 6 8 (3 points) and 8 14 16 18 (4 points): the tie 8 -> 8 breaks the run.
    # mean = 154/15 = 10.27, moving ranges sum 168 again: amr 12, nothing near a limit;
    # below the mean: 4 6 8 8 (4 in a row), no run of 7.
    r = spc.xmr(v)
    assert causes(r) == ["none"] * 15


def test_falling_trend_is_improvement_when_lower_is_better():
    v = [20, 0, 20, 0, 18, 16, 14, 12, 8, 6, 4, 20, 0, 20, 0]
    # the mirror image of TREND_UP in time: 0 -> 18 rises, 18 .. 4 falls (7), 4 -> 20 rises
    r = spc.xmr(v, improvement="decrease")
    assert causes(r)[4:11] == ["trend_falling"] * 7
    assert types(r)[4:11] == ["special_cause_improvement"] * 7
    assert causes(r)[:4] == ["none"] * 4 and causes(r)[11:] == ["none"] * 4


def test_peak_shared_by_rising_and_falling_runs_takes_the_following_run():
    v = [0, 20, 0, 20, 2, 4, 6, 8, 10, 12, 14, 12, 10, 8, 6, 4, 2, 20, 0, 20, 0]
    # mean = (80 + 56 + 42)/21 = 178/21 = 8.476; moving ranges 20 20 20 18, twelve of 2,
    # 18 20 20 20 = 180 -> amr 9; near limits 8.476 +/- 15.96: nothing close.
    # 2..14 rises (points 4-10), 14..2 falls (points 10-16): 14 ends one run and starts the
    # other and is labelled by the run that follows (falling), as NHSRplotthedots does.
    r = spc.xmr(v)
    assert causes(r)[4:10] == ["trend_rising"] * 6
    assert causes(r)[10:17] == ["trend_falling"] * 7
    assert r["rule_trend"].sum() == 13


def test_trend_length_option():
    # 4 6 8 12 14 16 is a run of 6 rising points in this series (18 replaced by 3, which
    # falls): not a trend at the default 7, a trend with trend_length=6.
    v = [0, 20, 0, 20, 4, 6, 8, 12, 14, 16, 3, 0, 20, 0, 20]
    assert "trend_rising" not in causes(spc.xmr(v))
    assert causes(spc.xmr(v, trend_length=6))[4:10] == ["trend_rising"] * 6


# ---------------------------------------------------------------- rule 3: two of three

TWO_OF_THREE = [9, 11] * 5 + [15, 11, 15] + [9, 11, 9, 11] + [5, 9, 5] + [11, 9] * 5
# 30 points, sum 100 + 41 + 40 + 19 + 100 = 300: mean 10.
# moving ranges: 9x2 = 18; 11->15 4; 15->11 4; 11->15 4; 15->9 6; 3x2 = 6; 11->5 6;
# 5->9 4; 9->5 4; 5->11 6; 9x2 = 18: total 80 over 29 -> amr = 2.758621
# upl = 10 + 2.66*2.758621 = 17.338; near_upl = 10 + 1.773333*2.758621 = 14.892
# so 15 is beyond the near limit but inside the process limit (5 likewise below).


def test_two_of_three_flags_only_points_beyond_near_limit():
    r = spc.xmr(TWO_OF_THREE)
    assert r["mean"].iloc[0] == pytest.approx(10)
    assert r["near_upl"].iloc[0] == pytest.approx(10 + (2 * 2.66 / 3) * 80 / 29)
    expected = ["none"] * 30
    expected[10] = expected[12] = "two_of_three_high"  # the 15s, not the 11 between them
    expected[17] = expected[19] = "two_of_three_low"  # the 5s, not the 9 between them
    assert causes(r) == expected


def test_two_of_three_needs_all_three_on_one_side_of_mean():
    v = [9, 11] * 5 + [16, 9, 16] + [9, 11, 9, 11] + [4, 11, 4] + [11, 9] * 5
    # sum 100 + 41 + 40 + 19 + 100 = 300, mean 10; moving ranges 18 + 5 + 7+7+7 + 6 +
    # 7+7+7+7 + 18 = 96, amr = 96/29 = 3.3103; near_upl = 10 + 5.8703 = 15.87 (16 is
    # beyond), upl = 18.81 (16 inside). But the point between the 16s (9) is below the
    # mean, and NHSRplotthedots requires all three points on one side: no signal.
    r = spc.xmr(v)
    assert r["near_upl"].iloc[0] < 16 < r["upl"].iloc[0]
    assert causes(r) == ["none"] * 30


def test_two_of_three_option_counts_points_beyond_process_limits():
    v = [9, 11] * 5 + [17, 11, 21] + [9, 11, 9, 11] + [3, 9, -1] + [11, 9] * 5
    # sum 100 + 49 + 40 + 11 + 100 = 300, mean 10. moving ranges 18 + 6+6+10+12 + 6 +
    # 8+6+10+12 + 18 = 112 -> amr = 112/29 = 3.862069
    # upl = 10 + 10.2731 = 20.273 (21 outside), near_upl = 10 + 6.8487 = 16.849 (17 close)
    # lpl = -0.273 (-1 outside), near_lpl = 3.151 (3 close)
    default = spc.xmr(v)
    assert causes(default)[10:13] == ["none", "none", "above_upper_limit"]
    assert causes(default)[17:20] == ["none", "none", "below_lower_limit"]
    # NHS England's 2023 variant: 21 counts as beyond the near limit, so 17 and 21 are two
    # of three; 21 keeps its higher-priority label.
    variant = spc.xmr(v, two_in_three_beyond_limits=True)
    assert causes(variant)[10:13] == ["two_of_three_high", "none", "above_upper_limit"]
    assert causes(variant)[17:20] == ["two_of_three_low", "none", "below_lower_limit"]
    assert variant["rule_two_of_three"].tolist()[10:13] == [True, False, True]


# ---------------------------------------------------------------- rule 4: shifts

SHIFT = [11, 9, 11, 9] + [11, 12, 11, 12, 11, 12, 11] + [8, 11] * 10
# sum 40 + 80 + 190 = 310 over 31 points: mean exactly 10.
# moving ranges: 2 2 2 | 2 | six of 1 | 3 | nineteen of 3 = 6+2+6+3+57 = 74 over 30,
# amr = 2.4667; upl = 16.56, near_upl = 14.37: nothing close. 9 (point 3) and 8 (point
# 11) are below the mean, so points 4-10 are exactly 7 in a row above it.


def test_seven_points_above_mean():
    r = spc.xmr(SHIFT)
    assert r["mean"].iloc[0] == 10
    expected = ["none"] * 31
    expected[4:11] = ["run_above_mean"] * 7
    assert causes(r) == expected
    assert types(r)[4:11] == ["special_cause_improvement"] * 7
    neutral = spc.xmr(SHIFT, improvement="neutral")
    assert types(neutral)[4:11] == ["special_cause_neutral"] * 7


def test_point_on_mean_breaks_run():
    v = [11, 9, 11, 9] + [11, 12, 11, 10, 11, 12, 11] + [8, 11] * 9 + [8, 13]
    # sum 40 + 78 + 171 + 21 = 310: mean exactly 10, and the 10 at point 7 sits on it,
    # leaving runs of 3 and 3 above the mean. amr = 76/30 = 2.53, near_upl = 14.49 > 13.
    r = spc.xmr(v)
    assert r["mean"].iloc[0] == 10
    assert causes(r) == ["none"] * 31


def test_shift_length_option_and_priority_of_trend_over_shift():
    v = [0, 20, 0, 20, 1, 2, 3, 4, 5, 6, 7, 0, 20, 0]
    # mean = (0+20+0+20+28+0+20+0)/14 = 88/14 = 6.2857; 1..6 are six in a row below it,
    # 7 is above. moving ranges 20 20 20 19, six of 1, 7 20 20 = 132/13, amr = 10.15,
    # near limits 6.29 +/- 18.0: nothing close. 1..7 is a rising trend of 7.
    r6 = spc.xmr(v, shift_length=6)
    assert r6["rule_shift"].tolist()[4:10] == [True] * 6
    # both rules hold for points 4-9 but the trend has priority in the label
    assert causes(r6)[4:11] == ["trend_rising"] * 7
    assert not spc.xmr(v)["rule_shift"].any()


# ---------------------------------------------------------------- rebasing


def test_rebase_recalculates_limits_per_segment():
    v = [1, 2, 1, 2, 1, 2, 11, 12, 11, 12, 11, 12]
    # segment 0: mean 1.5, five moving ranges of 1 -> limits 1.5 +/- 2.66
    # segment 1: mean 11.5, likewise -> 11.5 +/- 2.66; the jump 2 -> 11 is not a moving
    # range of either segment
    r = spc.xmr(v, rebase=6)
    assert r["segment"].tolist() == [0] * 6 + [1] * 6
    assert r["mean"].tolist() == pytest.approx([1.5] * 6 + [11.5] * 6)
    assert r["upl"].tolist() == pytest.approx([4.16] * 6 + [14.16] * 6)
    assert math.isnan(r["moving_range"].iloc[6])
    assert causes(r) == ["none"] * 12
    assert r["trial_limits"].all()
    # without the rebase: mean 6.5, amr = (10*1 + 9)/11 = 19/11, limits 6.5 +/- 4.5945
    # = 1.906 .. 11.094: the 1s fall below and the 12s rise above
    plain = spc.xmr(v)
    assert plain["lpl"].iloc[0] == pytest.approx(6.5 - 2.66 * 19 / 11)
    assert causes(plain)[0] == "below_lower_limit"
    assert causes(plain)[7] == "above_upper_limit"


def test_rules_do_not_cross_rebase():
    # 1..10 rising: as one segment (mean 5.5, amr 1, limits 2.84 .. 8.16) it is a trend
    # with 1, 2 below and 9, 10 above the limits. Rebased at point 5, each segment is a
    # run of 5 (< 7) with limits 3 +/- 2.66 and 8 +/- 2.66 that contain every point.
    v = list(range(1, 11))
    assert "trend_rising" in causes(spc.xmr(v))
    r = spc.xmr(v, rebase=5)
    assert causes(r) == ["none"] * 10
    assert r["mean"].tolist() == pytest.approx([3.0] * 5 + [8.0] * 5)


def test_rebase_with_dates_between_points_and_errors():
    months = pd.date_range("2021-01-01", periods=12, freq="MS")
    v = [1, 2, 1, 2, 1, 2, 11, 12, 11, 12, 11, 12]
    # 2021-06-15 falls between May and July... the next point (2021-07-01) starts segment 1
    r = spc.xmr(v, months, rebase="2021-06-15")
    assert r["segment"].tolist() == [0] * 6 + [1] * 6
    periods = pd.period_range("2021-01", periods=12, freq="M")
    assert spc.xmr(v, periods, rebase=["2021-07"])["segment"].tolist() == [0] * 6 + [1] * 6
    with pytest.raises(ValueError, match="rebase date"):
        spc.xmr(v, periods, rebase="2020-01")
    with pytest.raises(ValueError, match="rebase date"):
        spc.xmr(v, periods, rebase="2023-01")


# ---------------------------------------------------------------- missing values


def test_missing_values():
    r = spc.xmr([10, 12, np.nan, 11, 13, 14])
    # mean of the five values = 60/5 = 12; moving ranges 2, -, -, 2, 1 -> amr 5/3
    assert r["mean"].iloc[0] == pytest.approx(12)
    assert r["upl"].iloc[0] == pytest.approx(12 + 2.66 * 5 / 3)
    assert types(r)[2] == "no_data"
    assert any("No value for 2" in n for n in r.attrs["spc"]["notes"])


def test_no_moving_range_means_no_limits():
    # 3, gap, 5: no two neighbouring values, so no moving range and no limits; the mean
    # (4) still exists and nothing is flagged.
    r = spc.xmr([3, np.nan, 5])
    assert r["mean"].iloc[0] == 4
    assert r["upl"].isna().all() and r["lpl"].isna().all()
    assert causes(r) == ["none"] * 3
    assert spc.assurance_icon(r, target=1, improvement="increase") is None


def test_missing_value_breaks_run():
    v = list(SHIFT)
    v[7] = np.nan
    # points 4-10 were 7 above the mean; the gap at 7 leaves runs of 3 and 3.
    # mean = (310 - 12)/30 = 9.933, all other sides unchanged.
    r = spc.xmr(v)
    assert r["mean"].iloc[0] == pytest.approx(298 / 30)
    assert "run_above_mean" not in causes(r)
    assert types(r)[7] == "no_data"
    # the latest point with a value is used for the icon
    tail_missing = spc.xmr([1, 2, 3, 4, 5, 6, 7, np.nan])
    assert spc.variation_icon(tail_missing) == "improvement_high"


# ---------------------------------------------------------------- icons and summary


def test_assurance_icon():
    # limits 8.01 .. 15.99 (see test_limits_basic_and_trial_warning)
    v = [10, 12, 11, 13, 14]
    assert spc.assurance_icon(spc.xmr(v, target=16)) == "consistent_fail"
    assert spc.assurance_icon(spc.xmr(v, target=8)) == "consistent_pass"
    assert spc.assurance_icon(spc.xmr(v, target=12)) == "inconsistent"
    assert spc.assurance_icon(spc.xmr(v, target=16, improvement="decrease")) == ("consistent_pass")
    assert spc.assurance_icon(spc.xmr(v, target=8, improvement="decrease")) == ("consistent_fail")
    assert spc.assurance_icon(spc.xmr(v, target=12, improvement="neutral")) is None
    assert spc.assurance_icon(spc.xmr(v)) is None
    # the target may be given afterwards, e.g. when the attrs were lost
    bare = spc.xmr(v)
    bare.attrs = {}
    assert spc.assurance_icon(bare, target=16, improvement="increase") == "consistent_fail"
    with pytest.raises(ValueError, match="improvement"):
        spc.assurance_icon(bare, target=16)


def test_summary_counts_runs():
    s = spc.summarise(spc.xmr(SHIFT[:11]))
    # first 11 points: 11 9 11 9 11 12 11 12 11 12 11, mean = 119/11 = 10.82: the last 7
    # (11 12 11 12 11 12 11) are above it, and 9 before them is below.
    assert s.run_same_side == 7
    assert s.latest_special_cause == "run_above_mean"
    assert s.variation == "improvement_high"
    assert s.n_points == 11
    assert s.run_direction == -1  # 12 -> 11: one step down
    up = spc.summarise(spc.xmr([1, 2, 3, 4, 5, 6, 7]))
    assert up.run_direction == 6


def test_bad_input_errors():
    with pytest.raises(ValueError, match="improvement"):
        spc.xmr([1, 2, 3], improvement="up")
    with pytest.raises(ValueError, match="unique"):
        spc.xmr([1, 2], ["2021-01", "2021-01"])
    with pytest.raises(ValueError, match="numbers"):
        spc.xmr([1, "a", 3])
    with pytest.raises(ValueError, match="one per value"):
        spc.xmr([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="trend_length"):
        spc.xmr([1, 2, 3], trend_length=1)


def test_unsorted_dates_are_sorted_and_noted():
    r = spc.xmr([3, 1, 2], ["2021-03", "2021-01", "2021-02"])
    assert r["value"].tolist() == [1, 2, 3]
    assert any("sorted" in n for n in r.attrs["spc"]["notes"])


# ---------------------------------------------------------------- properties

series = st.lists(
    st.one_of(st.integers(-1000, 1000), st.just(None)).map(
        lambda v: np.nan if v is None else float(v)
    ),
    min_size=2,
    max_size=30,
).filter(
    # limits need at least one moving range: two neighbouring points with values
    lambda xs: any(not (math.isnan(a) or math.isnan(b)) for a, b in zip(xs, xs[1:], strict=False))
)

FLAGS = ["rule_outside", "rule_trend", "rule_two_of_three", "rule_shift", "special_cause"]


@settings(max_examples=60, deadline=None)
@given(series)
def test_limits_symmetric_and_ordered(xs):
    r = spc.xmr(xs)
    np.testing.assert_allclose(r["upl"] - r["mean"], r["mean"] - r["lpl"], atol=1e-9)
    assert (r["lpl"] <= r["near_lpl"] + 1e-9).all()
    assert (r["near_lpl"] <= r["mean"] + 1e-9).all()
    assert (r["mean"] <= r["near_upl"] + 1e-9).all()
    assert (r["near_upl"] <= r["upl"] + 1e-9).all()
    # a point is common cause exactly when no rule applies
    common = r["point_type"].isin(["common_cause", "no_data"])
    assert (common == (r["special_cause"] == "none")).all()
    any_rule = r[["rule_outside", "rule_trend", "rule_two_of_three", "rule_shift"]].any(axis=1)
    assert (any_rule == (r["special_cause"] != "none")).all()


@settings(max_examples=60, deadline=None)
@given(series, st.integers(-(10**6), 10**6))
def test_shift_invariance(xs, c):
    r = spc.xmr(xs)
    s = spc.xmr([x + c for x in xs])
    for col in ("mean", "lpl", "upl"):
        np.testing.assert_allclose(s[col], r[col] + c, rtol=1e-9, atol=1e-6)
    pd.testing.assert_frame_equal(s[FLAGS], r[FLAGS])


@settings(max_examples=60, deadline=None)
@given(series, st.sampled_from([0.001, 0.5, 3.0, 7.0, 1e4]))
def test_scale_invariance(xs, k):
    r = spc.xmr(xs)
    s = spc.xmr([x * k for x in xs])
    for col in ("mean", "lpl", "upl"):
        np.testing.assert_allclose(s[col], r[col] * k, rtol=1e-9, atol=1e-9)
    pd.testing.assert_frame_equal(s[FLAGS], r[FLAGS])


@settings(max_examples=40, deadline=None)
@given(series)
def test_negation_swaps_direction(xs):
    # negating the values and swapping the improvement direction keeps every point type
    r = spc.xmr(xs, improvement="increase")
    s = spc.xmr([-x for x in xs], improvement="decrease")
    assert r["point_type"].tolist() == s["point_type"].tolist()
