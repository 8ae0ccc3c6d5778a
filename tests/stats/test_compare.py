"""Tests for scrutiny.stats.compare against published tables and hand calculation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scrutiny.stats import compare


@pytest.mark.parametrize(
    ("x", "lower", "upper"),
    [
        # exact (Garwood) 95% limits for a Poisson count, as printed in standard tables
        # (e.g. Documenta Geigy; PHE technical guide "Confidence intervals", Table 1)
        (0, 0.0, 3.689),
        (1, 0.0253, 5.572),
        (2, 0.242, 7.225),
        (5, 1.623, 11.67),
        (10, 4.795, 18.39),
        (20, 12.22, 30.89),
        (50, 37.11, 65.92),
        (100, 81.36, 121.63),
    ],
)
def test_poisson_ci_matches_published_table(x, lower, upper):
    lo, hi = compare.poisson_ci(x)
    assert lo == pytest.approx(lower, abs=0.0006 if x < 10 else 0.006)
    assert hi == pytest.approx(upper, abs=0.006)


def test_poisson_ci_vectorised_and_rejects_bad_counts():
    lo, hi = compare.poisson_ci([0, 10])
    assert lo[0] == 0 and hi[1] == pytest.approx(18.39, abs=0.005)
    with pytest.raises(ValueError, match="whole numbers"):
        compare.poisson_ci(-1)
    with pytest.raises(ValueError, match="whole numbers"):
        compare.poisson_ci(2.5)


def test_rates_per_1000():
    r = compare.rates(pd.Series([10, 0], index=["A", "B"]), [2000, 500])
    # A: 10 / 2000 * 1000 = 5.0 per 1,000, interval 4.795/2 .. 18.39/2
    assert r.loc["A", "rate"] == 5.0
    assert r.loc["A", "lower"] == pytest.approx(2.398, abs=0.001)
    assert r.loc["A", "upper"] == pytest.approx(9.195, abs=0.001)
    # B: 0 / 500 -> 0, upper 3.689 / 500 * 1000 = 7.378
    assert r.loc["B", "rate"] == 0 and r.loc["B", "upper"] == pytest.approx(7.378, abs=0.001)
    with pytest.raises(ValueError, match="population"):
        compare.rates([1], [0])


def test_rates_table_verdict_agrees_with_interval():
    data = pd.DataFrame({"count": [50, 80, 20], "population": [10_000] * 3}, index=["A", "B", "C"])
    t = compare.rates_table(data, national_rate=4.0)
    # A: 5.0 per 1,000, 95% interval 3.711 .. 6.592 (50 -> 37.11 .. 65.92) contains 4.0
    # B: 8.0, interval from 80 -> about 6.34 .. 9.96 lies above 4.0
    # C: 2.0, interval 1.222 .. 3.089 (20 -> 12.22 .. 30.89) lies below 4.0
    assert t["verdict"].tolist() == [
        "not significantly different",
        "significantly higher",
        "significantly lower",
    ]
    assert t["difference"].tolist() == pytest.approx([1.0, 4.0, -2.0])
    # default national rate = pooled: 150 / 30,000 * 1,000 = 5.0
    assert compare.rates_table(data)["national_rate"].iloc[0] == pytest.approx(5.0)


def test_poisson_test_tail():
    # observed 0 with expected 3: P(X <= 0) = e^-3 = 0.049787; two-sided = 0.099574
    assert compare.poisson_test(0, 3) == pytest.approx(2 * math.exp(-3))


def test_rate_ratio_test_hand_computed():
    # 15 vs 5 with equal exposure: given 20 events, 15 ~ Binomial(20, 1/2) if rates equal.
    # P(X >= 15) = (C(20,15)+C(20,16)+C(20,17)+C(20,18)+C(20,19)+C(20,20)) / 2^20
    #            = (15504 + 4845 + 1140 + 190 + 20 + 1) / 1048576 = 21700/1048576 = 0.020695
    t = compare.rate_ratio_test(15, 1, 5, 1)
    assert t.p_value == pytest.approx(2 * 21700 / 1048576)
    assert t.rate_ratio == 3
    assert t.significant and t.direction == "higher"
    assert t.lower > 1  # a significant ratio's interval excludes 1
    # 30 vs 20: P(Bin(50, 1/2) >= 30) = 0.10132 (binomial table), p = 0.2026: chance
    t2 = compare.rate_ratio_test(30, 1, 20, 1)
    assert t2.p_value == pytest.approx(0.2026, abs=0.0001)
    assert t2.direction == "no significant difference"
    assert t2.lower < 1 < t2.upper
    # unequal exposures: 40 in one month against 90 in three: ratio 40 / 30 = 1.333
    assert compare.rate_ratio_test(40, 1, 90, 3).rate_ratio == pytest.approx(4 / 3)
    # nothing observed at all: no evidence of anything
    z = compare.rate_ratio_test(0, 1, 0, 1)
    assert z.p_value == 1 and not z.significant and math.isnan(z.rate_ratio)


def test_funnel_limits_spiegelhalter_interpolation():
    # population 1,000 at 10 per 1,000: expected E = 10. Poisson(10) cumulative
    # probabilities (published table): F(1)=.0005 F(2)=.0028 F(3)=.0103 F(4)=.0293
    # F(15)=.9513 F(16)=.9730 F(17)=.9857 F(20)=.9984 F(21)=.9993
    # upper 95%: p=.975, r=17, a=(.9857-.975)/(.9857-.9730)=.8425 -> 16.157 per 1,000
    # lower 95%: p=.025, r=4, a=(.0293-.025)/(.0293-.0103)=.2263 -> 3.774
    # upper 99.8%: p=.999, r=21, a=(.9993-.999)/(.9993-.9984)=.333 -> 20.667
    # lower 99.8%: p=.001, r=2, a=(.0028-.001)/(.0028-.0005)=.7826 -> 1.217
    lim = compare.funnel_limits(1000, 10)
    assert lim["upper_95"].iloc[0] == pytest.approx(16.157, abs=0.01)
    assert lim["lower_95"].iloc[0] == pytest.approx(3.774, abs=0.01)
    assert lim["upper_99_8"].iloc[0] == pytest.approx(20.667, abs=0.01)
    assert lim["lower_99_8"].iloc[0] == pytest.approx(1.217, abs=0.01)
    # limits narrow as the population grows, always around the target
    wide = compare.funnel_limits([1000, 100_000], 10)
    assert (wide["upper_95"].diff().dropna() < 0).all()
    assert (wide["lower_95"] < 10).all() and (wide["upper_95"] > 10).all()


def test_funnel_bands():
    data = pd.DataFrame(
        {"count": [17, 22, 10, 3, 1], "population": [1000] * 5}, index=list("ABCDE")
    )
    f = compare.funnel(data, target_rate=10)
    # limits at 1,000 people as in the test above: 3.774 / 16.157 (95%), 1.217 / 20.667
    assert f["band"].tolist() == [
        "above 95% limit",
        "above 99.8% limit",
        "within 95% limits",
        "below 95% limit",
        "below 99.8% limit",
    ]


def test_rank_among():
    v = pd.Series({"A": 5.0, "B": 7.0, "C": 7.0, "D": 1.0, "E": np.nan})
    assert compare.rank_among(v, "B").label == "joint 1st highest of 4"
    assert compare.rank_among(v, "A").label == "3rd highest of 4"
    assert compare.rank_among(v, "D", ascending=True).label == "1st lowest of 4"
    assert [compare.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 103)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "103rd"
    ]  # fmt: skip


def test_compare_with_peers():
    data = pd.DataFrame(
        {"count": [15, 2, 3], "population": [1000, 1000, 1000]}, index=["Us", "P1", "P2"]
    )
    c = compare.compare_with_peers(data, "Us", ["P1", "P2", "Us"])
    # us 15 per 1,000; peers pooled (2+3)/2000*1000 = 2.5 per 1,000
    # exact test: 15 of 20 events with share 1000/3000 = 1/3 expected: far from chance
    assert c.peers == ["P1", "P2"]
    assert c.rate == 15 and c.peer_rate == 2.5 and c.difference == 12.5
    assert c.test.rate_ratio == pytest.approx(6.0)
    assert c.verdict == "significantly higher"
    assert (c.rank, c.of) == (1, 3)
    assert list(c.table.index) == ["Us", "P2", "P1"]
    with pytest.raises(ValueError, match="not found"):
        compare.compare_with_peers(data, "Us", ["Nobody"])


PROFILES = pd.DataFrame(
    {"x": [0.0, 1.0, 2.0, 3.0, 4.0], "y": [10.0, 10.0, 10.0, 10.0, 20.0]},
    index=pd.Index(list("ABCDE"), name="force"),
)
# x: mean 2, sd sqrt((4+1+0+1+4)/5) = sqrt(2): z = -1.414 -0.707 0 0.707 1.414
# y: mean 12, sd sqrt((4*4 + 64)/5) = 4: z = -0.5 -0.5 -0.5 -0.5 2
# distances from C: A 1.414, B 0.707, D 0.707, E sqrt(2 + 2.5^2) = sqrt(8.25) = 2.872


def test_peer_group_nearest_neighbours():
    g = compare.peer_group(PROFILES, "C", k=2, log_columns=())
    assert g.peers == ["B", "D"]  # tie at 0.707 broken by name
    assert list(g.table.index) == ["C", "B", "D", "A", "E"]
    np.testing.assert_allclose(
        g.table["distance"], [0, math.sqrt(0.5), math.sqrt(0.5), math.sqrt(2), math.sqrt(8.25)]
    )
    assert g.table["z_y"].loc["E"] == pytest.approx(2.0)
    assert g.table["peer"].tolist() == [False, True, True, False, False]
    assert "standardised" in g.method and "x and y" in g.method
    # weight y four times: E's distance = sqrt(2 + 4 * 6.25) = sqrt(27)
    w = compare.peer_group(PROFILES, "C", k=2, log_columns=(), weights={"y": 4})
    assert w.table.loc["E", "distance"] == pytest.approx(math.sqrt(27))


def test_peer_group_logs_and_configured_list():
    p = pd.DataFrame({"population": [1e3, 1e4, 1e5]}, index=["S", "M", "L"])
    g = compare.peer_group(p, "M", k=1)
    # logs are equally spaced, so z = -1.2247, 0, 1.2247 (1/sqrt(2/3)) and S, L tie
    assert g.logged == ["population"]
    assert g.table.loc["L", "z_population"] == pytest.approx(1 / math.sqrt(2 / 3))
    assert g.table.loc["S", "distance"] == pytest.approx(g.table.loc["L", "distance"])
    assert "logs" in g.method
    fixed = compare.peer_group(PROFILES, "C", peers=["E", "A"], log_columns=())
    assert fixed.peers == ["E", "A"] and "configured" in fixed.method
    assert fixed.table.loc["E", "distance"] == pytest.approx(math.sqrt(8.25))


def test_peer_group_errors():
    with pytest.raises(ValueError, match="not in the profiles"):
        compare.peer_group(PROFILES, "Z")
    bad = PROFILES.copy()
    bad.loc["B", "x"] = np.nan
    with pytest.raises(ValueError, match="missing for"):
        compare.peer_group(bad, "C")
    with pytest.raises(ValueError, match="k must be"):
        compare.peer_group(PROFILES, "C", k=5)
    with pytest.raises(ValueError, match="configured peers"):
        compare.peer_group(PROFILES, "C", peers=["Q"])
    with pytest.raises(ValueError, match="exclude names"):
        compare.peer_group(PROFILES, "C", exclude=["Q"])


def test_peer_group_exclude():
    # leaving E out: y is 10 everywhere (no variation, so it plays no part) and x over
    # A-D has mean 1.5, sd sqrt(1.25); from C (x=2): B and D are both 1/sqrt(1.25) away
    g = compare.peer_group(PROFILES, "C", k=2, log_columns=(), exclude=["E"])
    assert "E" not in g.table.index
    assert g.peers == ["B", "D"]
    assert g.table.loc["A", "distance"] == pytest.approx(2 / np.sqrt(1.25))
    assert "y did not vary" in g.method and "E left out" in g.method


# ---------------------------------------------------------------- bad statistical input


def test_missing_or_negative_counts_are_errors_not_verdicts():
    with pytest.raises(ValueError, match="count1 is missing"):
        compare.rate_ratio_test(float("nan"), 1, 5, 1)
    with pytest.raises(ValueError, match="count of 0 or more"):
        compare.poisson_test(-1, 5)
    with pytest.raises(ValueError, match="count of 0 or more"):
        compare.poisson_test(float("nan"), 5)
    t = compare.rates_table(
        pd.DataFrame(
            {"count": [np.nan, 10, 20], "population": [1000, 1000, 1000]}, index=list("abc")
        )
    )
    # the missing count is "not available", never "not significantly different"
    assert t.loc["a", "verdict"] == "not available" and np.isnan(t.loc["a", "p_value"])
    # the national rate is the pooled rate of the areas with counts: 30 / 3,000 people
    assert t.loc["b", "national_rate"] == pytest.approx(30 / 3000 * 1000)


def test_an_implausible_population_is_named():
    with pytest.raises(ValueError, match=r"population \[2.0\] for \['b'\].*at least 100"):
        compare.rates(pd.Series([1, 10], index=["a", "b"]), [1000, 2])


def test_a_joint_rank_is_called_joint():
    data = pd.DataFrame({"count": [10, 10, 5], "population": [1000] * 3}, index=["Us", "P1", "P2"])
    c = compare.compare_with_peers(data, "Us", ["P1", "P2"])
    # Us and P1 both 10 per 1,000: joint 1st highest of 3
    assert c.tied and c.rank_label == "joint 1st highest of 3"
