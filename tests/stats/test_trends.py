"""Tests for scrutiny.stats.trends: baselines, change tests, STL and Holt-Winters forecasts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scrutiny.stats import trends


def monthly(start: str, values) -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float),
        index=pd.period_range(start, periods=len(values), freq="M"),
    )


def example() -> pd.Series:
    # 100 a month from Jan 2018 to Oct 2022, except the Octobers:
    # Oct 2019 = 110, Oct 2020 = 90, Oct 2021 = 100, Oct 2022 = 120
    s = monthly("2018-01", [100] * 58)
    s[pd.Period("2019-10", "M")] = 110
    s[pd.Period("2020-10", "M")] = 90
    s[pd.Period("2022-10", "M")] = 120
    return s


def test_baselines_hand_computed():
    b = trends.baselines(example()).set_index("baseline")
    last_year = b.loc["Same period last year"]
    # Oct 2022 120 vs Oct 2021 100: +20, +20%, ratio 1.2
    assert (last_year["current_count"], last_year["baseline_count"]) == (120, 100)
    assert last_year["change"] == 20 and last_year["pct_change"] == pytest.approx(20)
    assert last_year["rate_ratio"] == pytest.approx(1.2)
    # exact test: 120 of 220 ~ Binomial(220, 1/2) if no change; the normal approximation
    # with continuity correction, z = (119.5 - 110)/sqrt(55) = 1.281, gives p = 0.200:
    # comfortably more than 0.05, so the sentence must say "no significant change"
    assert 0.15 < last_year["p_value"] < 0.25
    assert last_year["verdict"] == "no significant change"
    three = b.loc["Three-year average"]
    # (110 + 90 + 100)/3 = 100 -> +20%; baseline periods listed oldest first
    assert three["baseline_count"] == pytest.approx(100)
    assert three["pct_change"] == pytest.approx(20)
    assert three["baseline_period"] == "Oct 2019, Oct 2020, Oct 2021"
    pre = b.loc["Same period in 2019 (pre-pandemic)"]
    # 120 vs 110: +10, 9.09%
    assert pre["change"] == 10 and pre["pct_change"] == pytest.approx(100 / 11)
    rolling = b.loc["Previous 12 months"]
    # Nov 2021..Oct 2022 = 11*100 + 120 = 1220; Nov 2020..Oct 2021 = 11*100 + 100 = 1200
    assert (rolling["current_count"], rolling["baseline_count"]) == (1220, 1200)
    assert rolling["current_period"] == "Nov 2021 to Oct 2022"
    assert rolling["pct_change"] == pytest.approx(100 * 20 / 1200)


def test_baselines_three_year_test_uses_exposure():
    b = trends.baselines(example(), kinds=["three_year_average"]).iloc[0]
    # 120 now (1 month) against 300 in three Octobers: share expected 1/4 of 420
    expected = min(1, 2 * stats.binom.sf(119, 420, 0.25))
    assert b["p_value"] == pytest.approx(expected)


def test_baselines_significant_changes():
    s = example()
    s[pd.Period("2022-10", "M")] = 200
    # 200 vs 100: z = (200 - 150)/sqrt(75) = 5.8, p far below 0.05
    assert trends.baselines(s, kinds=["last_year"])["verdict"].iloc[0] == "significant increase"
    s[pd.Period("2022-10", "M")] = 60
    # 60 vs 100: z = (60 - 80)/sqrt(40) = -3.16, p about 0.002
    assert trends.baselines(s, kinds=["last_year"])["verdict"].iloc[0] == "significant decrease"


def test_baselines_not_available_when_data_start_late():
    s = monthly("2019-12", [100] * 35)  # Dec 2019 .. Oct 2022, like the police.uk extract
    b = trends.baselines(s).set_index("baseline")
    assert b.loc["Same period in 2019 (pre-pandemic)", "verdict"] == "not available"
    assert "2019-10" in b.loc["Same period in 2019 (pre-pandemic)", "note"]
    assert "2019-12" in b.loc["Three-year average", "note"]
    assert np.isnan(b.loc["Three-year average", "pct_change"])
    # December 2021 does have a 2019 baseline (Dec 2019)
    dec = trends.baselines(s, end="2021-12", kinds=["2019"]).iloc[0]
    assert dec["baseline_period"] == "Dec 2019" and dec["verdict"] == "no significant change"


def test_baselines_quarter_labels_and_errors():
    b = trends.baselines(example(), months=3, kinds=["last_year"]).iloc[0]
    # Aug..Oct 2022 = 100 + 100 + 120 = 320 vs Aug..Oct 2021 = 300
    assert b["current_period"] == "Aug to Oct 2022"
    assert (b["current_count"], b["baseline_count"]) == (320, 300)
    with pytest.raises(ValueError, match="unknown baseline"):
        trends.baselines(example(), kinds=["last_decade"])
    with pytest.raises(ValueError, match="more than once"):
        trends.baselines(pd.Series([1.0, 2.0], index=["2022-01", "2022-01"]))


def test_change_test():
    # 15 vs 5: p = 2 * 21700/1048576 (see test_compare); 5 vs 5: p = 1
    assert trends.change_test(15, 5).p_value == pytest.approx(2 * 21700 / 1048576)
    assert trends.change_test(5, 5).p_value == 1
    assert not trends.change_test(5, 5).significant


PATTERN = np.array([0, 5, 10, 15, 10, 5, 0, -5, -10, -15, -10, -5.0])


def test_decompose_recovers_trend_and_season():
    t = np.arange(48)
    s = monthly("2019-01", 100 + 0.5 * t + np.tile(PATTERN, 4))
    d = trends.decompose(s)
    # built as trend 100 + 0.5t plus a fixed 12-month pattern: STL should return them
    np.testing.assert_allclose(d["seasonal"], np.tile(PATTERN, 4), atol=1e-6)
    np.testing.assert_allclose(d["trend"], 100 + 0.5 * t, atol=1e-6)
    np.testing.assert_allclose(d["observed"], d["trend"] + d["seasonal"] + d["remainder"])
    with pytest.raises(ValueError, match="two full cycles"):
        trends.decompose(s.iloc[:20])
    gappy = s.drop(pd.Period("2020-03", "M"))
    with pytest.raises(ValueError, match="no value for 2020-03"):
        trends.decompose(gappy)


def test_forecast_continues_a_straight_line():
    s = monthly("2020-01", 10 + 2 * np.arange(30.0))  # 10, 12, ..., 68
    f = trends.forecast(s, seasonal=False, damped=False, horizon=3)
    # next three months: 70, 72, 74
    fut = f["forecast"].dropna()
    assert list(fut.index.astype(str)) == ["2022-07", "2022-08", "2022-09"]
    np.testing.assert_allclose(fut, [70, 72, 74], atol=1e-3)
    assert f["actual"].notna().sum() == 30


def test_forecast_repeats_a_seasonal_pattern():
    s = monthly("2019-01", 200 + np.tile(PATTERN, 3))
    f = trends.forecast(s, damped=False)
    np.testing.assert_allclose(f["forecast"].dropna(), 200 + PATTERN, atol=1e-3)


def test_forecast_analytic_interval_formula():
    rng = np.random.default_rng(3)
    s = monthly("2019-01", 100 + np.cumsum(rng.normal(0, 5, 40)))
    f = trends.forecast(s, seasonal=False, trend=False, horizon=3, clip_at_zero=False)
    # simple exponential smoothing ETS(A,N,N): the h-step variance is
    # sigma^2 (1 + (h - 1) alpha^2) (Hyndman et al. 2008, table 6.1), half-width 1.96 sd
    p = f.attrs["forecast"]["params"]
    alpha, s2 = p["smoothing_level"], p["mse"]
    fut = f.dropna(subset=["forecast"])
    half = (fut["upper"] - fut["forecast"]).to_numpy()
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(half, z * np.sqrt(s2 * (1 + np.arange(3) * alpha**2)), rtol=1e-6)
    assert (fut["lower"] < fut["forecast"]).all()


def test_forecast_simulation_is_reproducible_and_short_series_note():
    rng = np.random.default_rng(1)
    s = monthly("2020-01", 50 + rng.normal(0, 3, 30))
    a = trends.forecast(s, method="simulation", repetitions=200, seed=4, horizon=2)
    b = trends.forecast(s, method="simulation", repetitions=200, seed=4, horizon=2)
    pd.testing.assert_frame_equal(a, b)
    fut = a.dropna(subset=["forecast"])
    assert (fut["lower"] <= fut["forecast"]).all() and (fut["forecast"] <= fut["upper"]).all()
    short = trends.forecast(monthly("2021-01", 50 + rng.normal(0, 3, 18)), horizon=2)
    assert any("no seasonal pattern" in n for n in short.attrs["forecast"]["notes"])
    with pytest.raises(ValueError, match="method"):
        trends.forecast(s, method="guess")


def test_seasonal_years_counts_ordinary_years_of_every_calendar_month():
    full = pd.period_range("2016-01", "2019-12", freq="M")
    assert trends.seasonal_years(full) == 4
    # 35 months, 2019-12 to 2022-10, restrictions March 2020 to July 2021: April is seen
    # only in 2022 outside them
    m = pd.period_range("2019-12", "2022-10", freq="M")
    assert trends.seasonal_years(m, exclude=("2020-03", "2021-07")) == 1
    assert trends.seasonal_years(m) == 2  # even ignoring lockdown: two Novembers
    # a missing calendar month means no evidence at all
    assert trends.seasonal_years(pd.period_range("2021-01", "2021-11", freq="M")) == 0
    # timestamps work as well as periods
    assert trends.seasonal_years(pd.Series(full.to_timestamp())) == 4
